/*
 * SPIN model of the two-sided lock-free protocol of src/ring/ring_core.c
 * (one producer, one consumer), at a small capacity CAP.
 *
 *   spin -DCAP=3 -a ring_spsc.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan -m1000000
 *
 * Representation, as in the C:
 *   head, tail in [0, 2*CAP); the unit at index i lives in slot
 *   i < CAP ? i : i - CAP; used = (head - tail) mod 2*CAP. head is written
 *   only by the producer, tail only by the consumer.
 *
 * Each loop iteration of a process is one library call, chosen
 * nondeterministically, with a batch size n chosen from 1..CAP:
 *   producer: sq_ring_core_write (copy, may wrap at the end of storage; its
 *             short and one-element forms sq_ring_core_write_short and
 *             sq_ring_core_put_one make the same steps in the same order:
 *             own index relaxed, the other's acquire, the copy, the release
 *             store; a short call that falls back to sq_ring_core_write
 *             has only loaded the indices, which changes nothing), or
 *             sq_ring_core_write_claim + filling the span + write_commit(k)
 *             with any k in 0..claimed (the span is contiguous: it stops at
 *             the end of storage);
 *   consumer: sq_ring_core_read with consume (copy, may wrap; likewise
 *             sq_ring_core_read_short and sq_ring_core_get_one), the same
 *             without consume (a peek, tail unchanged), or
 *             sq_ring_core_read_claim + reading the whole span +
 *             read_release(k) with any k in 0..borrowed.
 * A call that finds the ring full (producer) or empty (consumer) returns an
 * error without changing anything and the caller tries again; the model
 * instead blocks until the other side has moved its index. That reaches the
 * same states without spinning, and it makes SPIN's end-state check useful:
 * both sides blocked at once would be reported as an invalid end state.
 *
 * Memory-model assumption. The model is sequentially consistent: each load
 * or store of head/tail is one indivisible step and every process sees all
 * earlier steps. In the C, the producer stores head with release after its
 * copy and the consumer loads head with acquire before its copy (and the
 * same pairing for tail in the other direction), so once a side observes the
 * other's new index, every data write the other side made before publishing
 * is visible to it. The index store/load steps of this model stand for those
 * release/acquire points; the model checks that the protocol puts its copies
 * on the right side of them, not that the C compiler and hardware honour the
 * memory orders (that part rests on the release/acquire pairing itself and
 * on the ThreadSanitizer stress test).
 *
 * Data copies are NOT atomic: every unit (slot) moved is its own step, so
 * SPIN interleaves the other side's steps between the slots of one copy, and
 * between the last slot and the index store.
 *
 * What is checked (assert, so any violation is a counterexample trail):
 *   - the producer sends 1, 2, ..., N; the consumer checks that the k-th
 *     unit it reads is k, so nothing is lost, duplicated or reordered (a
 *     peek or a borrow must also show exactly the next values);
 *   - no read of an unpublished unit: the ghost counter `published` counts
 *     units made visible by head stores, independently of the modular index
 *     arithmetic, and every unit the consumer reads must be within it;
 *   - no overwrite of an unconsumed unit: the ghost counter `released` counts
 *     units handed back by tail stores; the producer may write the unit with
 *     sequence position p only if p <= released + CAP (the previous occupant
 *     of that slot, p - CAP, has been given back);
 *   - a released slot is poisoned (ghost write of POISON) once the consumer
 *     has finished with it, so reading stale data shows up as a wrong value;
 *   - used never exceeds CAP at either side's acquire load;
 *   - a claimed or borrowed span lies inside the storage: its units are
 *     addressed without wrapping, and pan flags any index outside buf;
 *   - at the end (init, after both sides stop) all N units were received,
 *     head == tail and the ghost counters agree. A run in which a side waits
 *     forever instead is an invalid end state, which pan reports as an error.
 *
 * Deliberately broken variants, to show the checks can fail:
 *   -DBROKEN           the producer stores head BEFORE it copies the data in;
 *   -DBROKEN_CONSUMER  the consumer stores tail BEFORE it copies the data out.
 * SPIN must report an error for each.
 */

#ifndef CAP
#define CAP 2
#endif

#define N       (2 * CAP + 2)  /* enough for both indices to pass 2*CAP and wrap */
#define WRAP    (2 * CAP)
#define POISON  0              /* ghost: what a released slot holds */
#define JUNK    255            /* what a claimed but uncommitted unit may hold */

#define POS(i)      ((i) < CAP -> (i) : (i) - CAP)
#define ADV(i, n)   ((n) < WRAP - (i) -> (i) + (n) : (n) - (WRAP - (i)))
#define USED(h, t)  ((h) >= (t) -> (h) - (t) : (WRAP - (t)) + (h))
#define MIN(a, b)   ((a) < (b) -> (a) : (b))

byte buf[CAP];      /* the storage, one unit per slot */
byte head, tail;    /* the published indices */

/* ghost state: not part of the C, used only by the assertions */
byte published;     /* units made visible by head stores so far */
byte released;      /* units handed back by tail stores so far */
byte received;      /* units consumed (released) by the consumer */
byte finished;      /* processes that reached their end */

/* Slot of unit i of a call that starts at index x. The copy calls advance
 * the index and so wrap at the end of storage; a claimed or borrowed span
 * is addressed the way the caller addresses it, as span[i] with span =
 * storage + slot(x), so it does not wrap (SPIN reports an index outside buf
 * as an error, so a span running past the end of storage would be caught). */
#define UNIT(sp, x, i)  ((sp) -> POS(x) + (i) : POS(ADV(x, i)))

/* Producer: copy unit i of the current call into its slot. Units below k are
 * real data (sequence numbers); the rest of a claimed span gets JUNK. */
inline write_unit(span, h, i, k, next)
{
    d_step {
        assert(next + i <= released + CAP);        /* slot free: no overwrite */
        buf[UNIT(span, h, i)] = (i < k -> next + i : JUNK);
        i++
    }
}

/* Producer: the release store of head, publishing k units. */
inline publish_head(h, k)
{
    d_step {
        head = ADV(h, k);
        published = published + k
    }
}

/* Consumer: copy unit i of the current call out of its slot and check it. */
inline read_unit(span, t, i, expect)
{
    d_step {
        assert(expect + i <= published);               /* published before read */
        assert(buf[UNIT(span, t, i)] == expect + i);   /* in order, none lost or repeated */
        i++
    }
}

/* Consumer, ghost only: the first k units of the call are finished with. */
inline poison_span(t, k, j)
{
    d_step {
        j = 0;
        do
        :: j < k -> buf[POS(ADV(t, j))] = POISON; j++
        :: else -> break
        od;
        j = 0
    }
}

/* Consumer: the release store of tail, handing k units back. */
inline publish_tail(t, k)
{
    d_step {
        tail = ADV(t, k);
        released = released + k
    }
}

proctype producer()
{
    byte h, t, space, n, cnt, k, i, next = 1;
    bool span;                        /* this call is a claim */

    do
    :: next > N -> break
    :: else ->
        /* One call's decisions. Only the load of tail touches shared state;
         * the rest is local, so the block is one step. It waits while the ring
         * is full (the C call returns SQ_ERR_FULL and is retried). */
        atomic {
            USED(head, tail) < CAP ->
            h = head;                 /* own index: relaxed load */
            t = tail;                 /* acquire load */
            assert(USED(h, t) <= CAP);
            space = CAP - USED(h, t);
            n = 1;                    /* requested batch: 1 .. CAP (not past N) */
            do
            :: n < CAP && n < N + 1 - next -> n++
            :: break
            od;
            if
            :: cnt = MIN(n, space);   /* write: copy, may wrap */
               k = cnt;
               span = false
            :: cnt = MIN(MIN(n, space), CAP - POS(h));  /* write_claim: contiguous */
               span = true;
               k = 0;                 /* write_commit(k), k <= claimed */
               do
               :: k < cnt -> k++
               :: break
               od
            fi;
            i = 0
        };
#ifdef BROKEN
        publish_head(h, k);           /* WRONG: index visible before the data */
#endif
        do
        :: i < cnt -> write_unit(span, h, i, k, next)
        :: else -> break
        od;
#ifndef BROKEN
        publish_head(h, k);           /* release: data first, then the index */
#endif
        next = next + k
    od;
    finished++
}

proctype consumer()
{
    byte h, t, used, n, cnt, k, i, j, expect = 1;
    bool span;                        /* this call is a borrow */

    do
    :: expect > N -> break
    :: else ->
        /* Waits while the ring is empty (the C returns SQ_ERR_EMPTY). */
        atomic {
            USED(head, tail) > 0 ->
            t = tail;                 /* own index: relaxed load */
            h = head;                 /* acquire load */
            used = USED(h, t);
            assert(used >= 1 && used <= CAP);
            n = 1;                    /* requested batch: 1 .. CAP */
            do
            :: n < CAP -> n++
            :: break
            od;
            if
            :: cnt = MIN(n, used);    /* read, consume: copy, may wrap */
               k = cnt;
               span = false
            :: cnt = MIN(n, used);    /* read, no consume: a peek */
               k = 0;
               span = false
            :: cnt = MIN(MIN(n, used), CAP - POS(t));   /* read_claim: contiguous */
               span = true;
               k = 0;                 /* read_release(k), k <= borrowed */
               do
               :: k < cnt -> k++
               :: break
               od
            fi;
            i = 0
        };
#ifdef BROKEN_CONSUMER
        publish_tail(t, k);           /* WRONG: slots handed back before the copy */
#endif
        do
        :: i < cnt -> read_unit(span, t, i, expect)
        :: else -> break
        od;
#ifndef BROKEN_CONSUMER
        d_step {
            poison_span(t, k, j);
            publish_tail(t, k)        /* release: copy out first, then the index */
        };
#endif
        /* (no ghost poisoning in the broken variant: the producer may already
         * own those slots again, and the violation should come from its real
         * overwrite, not from the ghost write) */
        expect = expect + k;
        received = received + k
    od;
    finished++
}

init {
    atomic {
        run producer();
        run consumer()
    };
    finished == 2;
    /* End state: everything sent arrived, and the ring is empty. */
    assert(received == N);
    assert(published == N && released == N);
    assert(head == tail)
}
