/*
 * SPIN model of a waitable set (src/tasks/waitable_set.c) as the C does
 * it: pending events live in the waitables, the set keeps its pending
 * members in an array, oldest first; an event entering the array (post, or
 * join of a waitable with an event) wakes one waiter; a woken waiter takes
 * the lock again and delivers, or waits again when another consumer took
 * the event first; the last leave wakes every waiter (they find the set
 * empty).
 *
 *   spin -a waitable_set.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan
 *
 * Modelled:
 *   - The kernel lock: each critical section of a call is one atomic
 *     block. A woken waiter's return from the wait (reading its result
 *     after the unlock) and its next critical section are separate steps.
 *   - Two waitables, joined at the start (capacity 2), and two consumer
 *     threads that loop for ever over poll and wait (SQ_NO_WAIT, a finite
 *     timeout or SQ_FOREVER).
 *   - An interrupt (isr) that posts, once each and in any order: an event
 *     on waitable 0, an event on waitable 1, a cancellation on waitable 1.
 *   - A thread (mgr) that makes MOPS calls, each leave, join or clear of
 *     either waitable.
 *   - The tick, which may expire any armed timeout at any moment (time is
 *     abstracted away); a woken waiter that waits again with a finite
 *     timeout may find its time already used up (SQ_ERR_TIMEOUT).
 * Abstracted away: event codes other than "an event" and "a cancellation",
 * payloads, priorities (sq_queue_wake_first wakes any waiter here: every
 * order the C can choose is among them), destroy.
 *
 * Ghost state (only the checks read it): stamp/seq (when a member's event
 * entered the array), transit (waiters woken with SQ_OK that have not yet
 * taken the lock again), posted/delivered cancellations, isr/mgr done.
 *
 * Checked (each assertion tagged [name] on its line):
 *   [exactly-once]   a cancellation is delivered at most once, and once
 *                    the interrupt and mgr are done, waitable 1 is a member
 *                    and nothing is pending, the cancellation posted was
 *                    delivered;
 *   [member]         a delivered event comes from a member, under the id it
 *                    joined with;
 *   [fifo]           the delivered event is the oldest pending one;
 *   [no-lost-wakeup] while a consumer waits, every pending event has a
 *                    woken waiter on its way to take it (pcount <=
 *                    transit): no consumer is left blocked while an event
 *                    is pending and no one else would take it;
 *   [converse]       a member with an event is in the array (the half of
 *                    the set invariant WP leaves to tests and to this
 *                    model), so an append always has room.
 *
 * Broken variants (check.sh requires each to violate its tag):
 *   -DBROKEN_OVERWRITE  post on a waitable with an event overwrites it:
 *                       [exactly-once];
 *   -DBROKEN_CLEAR      clear withdraws a cancellation too: [exactly-once];
 *   -DBROKEN_WAKE       post does not wake a waiter: [no-lost-wakeup];
 *   -DBROKEN_TEST       wait tests the array outside the lock, then waits
 *                       without testing again: [no-lost-wakeup];
 *   -DBROKEN_LEAVE      leave keeps the waitable's entry: [member];
 *   -DBROKEN_FIFO       delivery takes the newest entry: [fifo].
 */

#define NW 2
#define NC 2
#ifndef MOPS
#define MOPS 2
#endif

#define NONE    0
#define EVENT   1
#define CANCEL  2

/* consumer states */
#define IDLE    0
#define WAITING 1             /* PENDING on the set's queue */
#define WOKEN   2             /* made READY by a wake, result not yet read */

#define R_OK      1
#define R_TIMEOUT 2

/* ---- state, as in the C ---------------------------------------------------- */
bit  member[NW];              /* w->set == s */
byte jid[NW];                 /* w->join_id (0 when in no set) */
byte code[NW];                /* w->code */
byte pend[NW];                /* s->pending[] */
byte pcount;                  /* s->pending_count */
byte joined;                  /* s->joined */
byte cstate[NC];
byte wres[NC];                /* wait_result */
bit  armed[NC];

/* ---- ghost ----------------------------------------------------------------- */
byte stamp;
byte seq[NW];
byte transit;
byte posted, delivered;
bit  isr_done, mgr_done;

hidden byte k, w, v;

inline wake(c, r)
{
    armed[c] = 0;
    wres[c] = r;
    cstate[c] = WOKEN;
    transit = transit + (r == R_OK -> 1 : 0)
}

/* sq_queue_wake_first: some waiter, if any. */
inline wake_one()
{
    if
    :: cstate[0] == WAITING -> wake(0, R_OK)
    :: cstate[1] == WAITING -> wake(1, R_OK)
    :: else -> skip
    fi
}

/* sq_wset_append */
inline append(x)
{
    assert(pcount < NW);                                      /* [converse] */
    pend[pcount] = x;
    pcount++;
    seq[x] = stamp;
    stamp++;
    wake_one()
}

/* sq_wset_remove_at */
inline remove_at(at)
{
    k = at;
    do
    :: k + 1 < pcount -> pend[k] = pend[k + 1]; k++
    :: else -> break
    od;
    pcount--;
    pend[pcount] = 0;
    k = 0
}

/* sq_wset_withdraw */
inline withdraw(x)
{
    v = 0;
    do
    :: v < pcount && pend[v] != x -> v++
    :: else -> break
    od;
    if
    :: v < pcount -> remove_at(v)
    :: else -> skip
    fi;
    v = 0
}

/* sq_wset_deliver, with its checks; pcount > 0 */
inline deliver()
{
#ifdef BROKEN_FIFO
    v = pcount - 1;                                           /* WRONG: newest */
#else
    v = 0;
#endif
    w = pend[v];
    assert(member[w] && jid[w] == w + 1);                     /* [member] */
    k = 0;
    do
    :: k < pcount -> assert(seq[w] <= seq[pend[k]]); k++      /* [fifo] */
    :: else -> break
    od;
    k = 0;
    if
    :: code[w] == CANCEL ->
        assert(delivered == 0);                               /* [exactly-once] */
        delivered++
    :: else -> skip
    fi;
    code[w] = NONE;
    seq[w] = 0;
    remove_at(v);
    w = 0;
    v = 0
}

/* sq_waitable_post (interrupt) */
inline post(x, c)
{
    atomic {
        if
        :: code[x] == NONE ->
            code[x] = c;
            if
            :: c == CANCEL -> posted++
            :: else -> skip
            fi;
            if
            :: member[x] ->
#ifdef BROKEN_WAKE
                assert(pcount < NW);                          /* [converse] */
                pend[pcount] = x; pcount++; seq[x] = stamp; stamp++   /* WRONG: no wake */
#else
                append(x)
#endif
            :: else -> skip
            fi
        :: else ->
#ifdef BROKEN_OVERWRITE
            code[x] = c;                                      /* WRONG: overwrites */
            if
            :: c == CANCEL -> posted++
            :: else -> skip
            fi
#else
            skip                                              /* SQ_ERR_BUSY */
#endif
        fi
    }
}

proctype isr()
{
    bit a, b, c;
    byte x, e;
    do
    :: atomic {
        if
        :: !a -> a = 1; x = 0; e = EVENT
        :: !b -> b = 1; x = 1; e = EVENT
        :: !c -> c = 1; x = 1; e = CANCEL
        :: else -> break
        fi;
        post(x, e);
        x = 0;
        e = 0
       }
    od;
    isr_done = 1
}

/* leave, join and clear from a thread */
proctype mgr()
{
    byte n = 0;
    byte x, op;
    do
    :: n < MOPS ->
        if
        :: x = 0
        :: x = 1
        fi;
        if
        :: op = 0
        :: op = 1
        :: op = 2
        fi;
        atomic {
        if
        :: op == 0 ->                                          /* leave */
            if
            :: member[x] ->
#ifndef BROKEN_LEAVE
                withdraw(x);
#endif
                joined--;
                member[x] = 0;
                jid[x] = 0;
                if
                :: joined == 0 ->
                    k = 0;
                    do
                    :: k < NC -> if :: cstate[k] == WAITING -> wake(k, R_OK) :: else -> skip fi; k++
                    :: else -> break
                    od;
                    k = 0
                :: else -> skip
                fi
            :: else -> skip                                    /* SQ_ERR_STATE */
            fi
        :: op == 1 ->                                          /* join */
            if
            :: !member[x] ->
                member[x] = 1;
                jid[x] = x + 1;
                joined++;
                if
                :: code[x] != NONE -> append(x)
                :: else -> skip
                fi
            :: else -> skip                                    /* SQ_ERR_STATE */
            fi
        :: else ->                                             /* clear */
            if
#ifdef BROKEN_CLEAR
            :: code[x] != NONE ->                              /* WRONG: cancellations too */
#else
            :: code[x] == EVENT ->
#endif
                if
                :: member[x] ->                                /* withdraw: finds it */
                    v = 0;
                    do
                    :: v < pcount && pend[v] != x -> v++
                    :: else -> break
                    od;
                    assert(v < pcount);                        /* [converse] */
                    remove_at(v);
                    v = 0
                :: else -> skip
                fi;
                code[x] = NONE;
                seq[x] = 0
            :: else -> skip                                    /* EMPTY or BUSY */
            fi
        fi;
        x = 0;
        op = 0;
        n++
        }
    :: else -> break
    od;
    mgr_done = 1
}

/* Waiting part of sq_waitable_set_wait_locked, pcount == 0 */
inline pend_on_set(me, finite)
{
    if
    :: finite -> armed[me] = 1
    :: else -> skip
    fi;
    wres[me] = R_TIMEOUT;
    cstate[me] = WAITING
}

proctype consumer(byte me)
{
    bit finite, r_ok, test;
end_idle:
    do
    :: atomic { pcount > 0 -> deliver() }                      /* poll, or a wait that finds one */
    :: atomic { pcount == 0 -> skip }                          /* poll: NONE; wait: EMPTY or BUSY */
    :: if
       :: finite = 1
       :: finite = 0
       fi;
#ifdef BROKEN_TEST
       test = (pcount == 0 && joined > 0);                     /* WRONG: outside the lock */
       atomic { test -> pend_on_set(me, finite); test = 0 };
#else
       atomic { pcount == 0 && joined > 0 -> pend_on_set(me, finite) };
#endif
       do
       :: cstate[me] == WAITING ->
end_wait:  atomic { cstate[me] == WOKEN -> r_ok = (wres[me] == R_OK); cstate[me] = IDLE; wres[me] = 0 };
           if
           :: r_ok ->
               atomic {
                   transit--;
                   r_ok = 0;
                   if
                   :: pcount > 0 -> deliver()
                   :: pcount == 0 && joined == 0 -> skip       /* SQ_ERR_EMPTY */
                   :: pcount == 0 && joined > 0 && finite -> skip   /* no time left: TIMEOUT */
                   :: pcount == 0 && joined > 0 -> pend_on_set(me, finite)   /* what is left */
                   fi
               }
           :: else -> skip                                     /* SQ_ERR_TIMEOUT */
           fi
       :: else -> break
       od;
       finite = 0
    od
}

proctype tick()
{
end:
    do
    :: atomic { armed[0] -> wake(0, R_TIMEOUT) }
    :: atomic { armed[1] -> wake(1, R_TIMEOUT) }
    od
}

#define WAITS  (cstate[0] == WAITING || cstate[1] == WAITING)
/* A member with an event is an entry. (That every entry is a member is
 * WP's; here [member] checks it where it matters, at delivery.) */
#define CONV(x) (!(member[x] && code[x] != NONE) || (pend[0] == x && pcount > 0 || pend[1] == x && pcount > 1))

proctype monitor()
{
    bit checked;
end:
    do
    :: assert(!WAITS || pcount <= transit)                     /* [no-lost-wakeup] */
    :: assert(CONV(0) && CONV(1))                              /* [converse] */
    :: atomic { !checked && isr_done && mgr_done && member[1] && pcount == 0 ->
           assert(delivered == posted); checked = 1 }          /* [exactly-once] */
    od
}

init
{
    atomic {
        member[0] = 1; jid[0] = 1;
        member[1] = 1; jid[1] = 2;
        joined = 2;
        run isr();
        run mgr();
        run tick();
        run monitor();
        run consumer(0);
        run consumer(1)
    }
}
