/*
 * The lock-free single-producer/single-consumer protocol of
 * src/kernel/ring_core.c, at a small capacity, for SPIN to check under
 * every interleaving of the two sides.
 *
 * What is modelled as in the C: head and tail run over [0, 2*CAP), a unit at
 * index i lives in slot i mod CAP, used = (head - tail) mod 2*CAP. The
 * producer reads tail, copies into free slots one slot per step, then
 * publishes head in one store; the consumer reads head, copies out of the
 * stored slots one per step, then publishes tail. Both the copy calls
 * (any batch up to CAP, cut to what fits) and the zero-copy claim calls
 * (a contiguous span up to the end of storage, committed in part or not at
 * all) are chosen nondeterministically at every step.
 *
 * Assumption: each index store and load is one atomic step, and stores
 * become visible in program order. That is what the C gets from publishing
 * with a release store and reading with an acquire load; the data copies
 * themselves are not atomic and are interleaved slot by slot.
 *
 * Checked: the consumer receives 1, 2, ..., N exactly once each and in order
 * (no loss, duplication or reordering), never reads a slot the producer has
 * not published, and the producer never writes a slot still holding an
 * unconsumed value. With -DBROKEN the producer publishes head before it
 * copies: SPIN must find the consumer reading an unwritten slot.
 */
#ifndef CAP
#define CAP 2
#endif
#define N (2 * CAP + 1)
#define WRAP (2 * CAP)
#define POS(i) ((i) % CAP)
#define USED(h, t) (((h) + WRAP - (t)) % WRAP)
#define MIN(a, b) ((a) < (b) -> (a) : (b))

byte slot[CAP];
bool holds[CAP];       /* ghost: slot holds a written, unconsumed value */
byte head, tail;       /* the two published indices */

active proctype producer()
{
    byte t, h, space, count, span, k, i, next = 1;
    do
    :: next > N -> break
    :: else ->
        h = head;
        t = tail;                      /* acquire */
        space = CAP - USED(h, t);
        if
        :: space == 0 -> skip          /* full: try again */
        :: else ->
            /* how many to move this call: a copy of 1..space, or a claim cut at the end of storage */
            count = 1;
            do
            :: count < space && count < N + 1 - next -> count++
            :: break
            od;
            if
            :: count > CAP - POS(h) -> count = CAP - POS(h)   /* claim: contiguous span only */
            :: true -> skip                                   /* copy: may wrap */
            fi;
            if
            :: count > N + 1 - next -> count = N + 1 - next
            :: else -> skip
            fi;
            k = count;                 /* a claim may commit fewer, even none */
            do
            :: k > 0 -> k--
            :: break
            od;
#ifdef BROKEN
            head = (h + count) % WRAP; /* wrong: published before the data is in place */
#endif
            i = 0;
            do
            :: i < count ->
                assert(!holds[POS(h + i)]);   /* never overwrite an unconsumed value */
                d_step { slot[POS(h + i)] = (i < k -> next + i : 0); holds[POS(h + i)] = (i < k) }
                i++
            :: else -> break
            od;
#ifndef BROKEN
            head = (h + k) % WRAP;     /* release: publish what was committed */
#endif
#ifdef BROKEN
            k = count;
#endif
            next = next + k
        fi
    od
}

active proctype consumer()
{
    byte h, t, used, count, k, i, expect = 1;
    do
    :: expect > N -> break
    :: else ->
        t = tail;
        h = head;                      /* acquire */
        used = USED(h, t);
        if
        :: used == 0 -> skip           /* empty: try again */
        :: else ->
            count = 1;
            do
            :: count < used -> count++
            :: break
            od;
            if
            :: count > CAP - POS(t) -> count = CAP - POS(t)   /* borrow: contiguous span only */
            :: true -> skip                                   /* copy: may wrap */
            fi;
            k = count;                 /* a borrow may release fewer, even none */
            do
            :: k > 0 -> k--
            :: break
            od;
            i = 0;
            do
            :: i < k ->
                assert(holds[POS(t + i)]);          /* only published, written slots */
                assert(slot[POS(t + i)] == expect); /* in order, none lost or repeated */
                expect++;
                i++
            :: else -> break
            od;
            atomic {                   /* ghost bookkeeping only */
                i = 0;
                do
                :: i < k -> holds[POS(t + i)] = false; i++
                :: else -> break
                od
            }
            tail = (t + k) % WRAP      /* release: hand the slots back */
        fi
    od
}

