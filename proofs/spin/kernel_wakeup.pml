/*
 * SPIN model of the kernel's blocking protocol: a thread tests a condition
 * under the kernel lock and, if it is false, joins a wait queue and switches
 * away; a give, post, reset or timeout wakes it (src/kernel/sched.c: pend,
 * wake, queue order, timeout expiry; the semaphore and event objects built
 * on them). The issue's requirement checked here: "a give/post that happens
 * while a thread is between testing a condition and blocking must wake it".
 *
 *   spin -a kernel_wakeup.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan -m3000000
 *
 * What is modelled (NT = 3 threads by default, or 2 with -DNT=2):
 *   - The kernel lock (interrupt masking). Every critical section of a
 *     kernel call is one atomic or d_step block: a call's test and its
 *     action happen in one step, and nothing else runs inside it. Outside
 *     the lock all processes interleave freely, so an interrupt can come
 *     between any two steps of a thread that are not under the lock.
 *   - Threads with priorities PRIO0, PRIO1, PRIO2 (default 1, 0, 1: two
 *     share a priority, so both priority and arrival order decide), each
 *     looping forever over calls chosen nondeterministically:
 *       sem take with SQ_NO_WAIT, a finite timeout or SQ_FOREVER;
 *       sem give;
 *       event wait for "any" of 1, 2 or 3, or "all" of 3, each with or
 *       without SQ_EVENT_CLEAR, with the same three timeouts.
 *     A call that blocks does, in its critical section, what sq_sched_pend
 *     does: arm the timeout unless FOREVER, preset wait_result to TIMEOUT,
 *     join the object's queue as PENDING with its priority and an arrival
 *     ticket. The thread then takes no step until a waker has made it
 *     READY; its next step is the return from the call, outside the lock:
 *     it reads wait_result (and, for events, the matched bits in
 *     wait_value) as sq_sched_wait_result does after the unlock.
 *   - An interrupt handler (isr) that at any point gives the semaphore,
 *     resets it, or changes the event word: post 1, 2 or 3, clear 1, 2 or
 *     3, set 1 or 2 (set_masked and the other sets leave words these
 *     already do, and all of them share one wake procedure).
 *   - The tick interrupt (tick), which at any point expires any armed
 *     timeout: time is abstracted away, so a finite wait may run out at any
 *     moment after it was armed. Expiry is sq_timeout_pop_expired (disarm)
 *     then sq_sched_wait_expired, which wakes the thread with TIMEOUT
 *     without testing whether it still waits. That test ("if the thread is
 *     still PENDING") is unnecessary in the C because every other wake
 *     disarms the timeout first (sq_sched_wake), so a timeout is armed only
 *     while its thread waits: the model checks exactly that
 *     ([timeout-only-waiting] below), and BROKEN_DISARM shows it can fail.
 *   - The semaphore: count in 0..LIMIT (default 2), initially 0. give
 *     hands the unit straight to the first waiter (count unchanged), or
 *     counts up, or at the limit returns FULL and changes nothing. reset
 *     zeroes count and wakes every waiter with AGAIN.
 *   - The event word, 2 bits (src/kernel/event.c). Every change (post ORs
 *     bits in, clear removes them, set replaces the word) is followed, in
 *     the same critical section, by waking every waiter whose condition
 *     holds on the new word (any: word & desired != 0; all: word & desired
 *     == desired), handing it word & desired with OK; the others stay.
 *     Then the bits matched by waiters that asked for SQ_EVENT_CLEAR are
 *     cleared: all waiters are judged on the same word first, so two
 *     waiters for one bit both wake (as include/squall/event.h says). A
 *     wait that is satisfied at once returns the matched bits, clearing
 *     them if asked.
 *
 * Abstracted away:
 *   - The scheduler. Any READY thread may take the next step, whatever its
 *     priority. That includes every order the priority scheduler can
 *     produce (it only removes interleavings), so what holds here holds
 *     there. Which thread runs is WP's business (SC01-SC16).
 *   - Time: deadlines, tick counts, the armed table's layout and capacity
 *     (sq_timeout_arm's SQ_ERR_FULL). Several expiries at one tick are
 *     consecutive steps here; one step per expiry shows more intermediate
 *     states than the C, never fewer.
 *   - Tickets. The C draws 64-bit tickets from one counter that does not
 *     wrap, and a queue only compares them with each other. The model
 *     keeps each waiter's rank in arrival order on its queue (0 = oldest),
 *     closing the gap when a waiter leaves: the same order with finitely
 *     many values, so the state space is finite although every process
 *     runs forever.
 *   - A thread's local steps between calls, and the choice of arguments,
 *     are folded into the call's first step; the C does them outside the
 *     lock, but they touch nothing another process reads.
 *   - Not modelled: object init and destroy (DESTROYED), thread
 *     suspend/abort/sleep (a suspended waiter's AGAIN), SQ_ERR_IN_ISR and
 *     SQ_ERR_FULL from the timeout table, timers, poll.
 *
 * Ghost state (not in the C; only the checks read it): balance, held[],
 * woke[], older[], want[].
 *
 * Every process loops forever (an interrupt can always come), so the model
 * has no end state, and pan reports the "-end-" of thread, isr, tick and
 * monitor as unreached; nothing else may be. SPIN's end-state check is
 * therefore vacuous here; "never waits for ever while a unit is available"
 * is checked through the stronger invariant [no-lost-wakeup] instead.
 *
 * What is checked, each assertion tagged [name] in a comment on its line
 * (check.sh matches a broken variant's counterexample against the tag).
 * "Invariant" means: in every reachable state outside the lock. The
 * monitor process asserts the invariants; it can take its step between any
 * two steps of the others, and never inside a critical section.
 *   1. No lost wake-up, no lost unit.
 *      [no-lost-wakeup] invariant: if any thread is PENDING on the
 *        semaphore, count == 0. No thread ever waits while a unit is
 *        available, let alone for ever; in particular a give between a
 *        thread's test and its block cannot be missed.
 *      [unit-balance] invariant: given == taken + count + lost + held,
 *        kept as balance == count + held with balance = given - taken -
 *        lost (given: gives that did not return FULL; taken: takes that
 *        returned OK; lost: the count a reset threw away; held: units a
 *        give handed to a woken thread that has not returned yet). The
 *        difference needs no bound on the number of gives. No give
 *        disappears and none is counted twice.
 *      [count-range] invariant: 0 <= count <= LIMIT (P01).
 *      [event-no-lost-wakeup] invariant: no thread is PENDING on the event
 *        word while its condition holds on the word.
 *   2. Wake order (P04, P10).
 *      [wake-order] when give wakes a thread, every other thread pending on
 *        the semaphore has a larger priority number, or the same one and a
 *        later arrival. Arrival order comes from the ghost older[] (who was
 *        already queued when a thread joined), not from the tickets the
 *        selection compares.
 *   3. Events (EV05, EV06), after every post, clear or set:
 *      [post-wakes-all] no waiter whose condition holds on the word as the
 *        call changed it is still pending;
 *      [post-wakes-only-satisfied] every waiter the call woke had its
 *        condition hold on that word, and was handed word & desired and OK;
 *      [event-clear] the bits a woken SQ_EVENT_CLEAR waiter matched are
 *        clear at the end of the call;
 *      [matched-bits] the bits a wait returns with OK (at once or after a
 *        wake) lie within its desired bits and satisfy its condition.
 *   4. Results.
 *      [result] a woken thread returns what its first waker meant: OK after
 *        a give (and then it holds the handed unit) or a post, AGAIN after
 *        a reset, TIMEOUT only after its own timeout expired and only for
 *        a finite wait; a thread that does not return OK holds no unit. So
 *        a late timeout never overwrites a give's OK, and a reset's waiter
 *        sees AGAIN.
 *      [timeout-only-waiting] invariant: a thread whose timeout is armed is
 *        PENDING, so an expiry never finds a thread that was already woken.
 *      [reset-wakes-all] after reset nobody waits on the semaphore (P08).
 *
 * Deliberately broken variants; each must give a counterexample, and
 * check.sh requires it to violate the named assertion:
 *   -DBROKEN_TAKE    take tests count outside the lock, then locks and
 *                    blocks without testing again: the classic lost
 *                    wake-up, [no-lost-wakeup];
 *   -DBROKEN_GIVE    give also counts the unit up when it hands it to a
 *                    waiter: [unit-balance];
 *   -DBROKEN_ORDER   give wakes the oldest waiter, ignoring priority:
 *                    [wake-order];
 *   -DBROKEN_POST    post wakes only the first waiter whose condition
 *                    holds: [post-wakes-all];
 *   -DBROKEN_MATCH   post tests every waiter as "any":
 *                    [post-wakes-only-satisfied];
 *   -DBROKEN_CLEAR   a clearing waiter's bits are cleared as soon as it
 *                    is woken, before the other waiters are judged:
 *                    [post-wakes-all];
 *   -DBROKEN_DISARM  a wake leaves the timeout armed, so it can fire late:
 *                    [timeout-only-waiting];
 *   -DBROKEN_RESET   reset wakes its waiters with TIMEOUT, not AGAIN:
 *                    [result].
 */

#ifndef NT
#define NT 3
#endif
#if NT != 2 && NT != 3
#error "NT must be 2 or 3"
#endif
#ifndef LIMIT
#define LIMIT 2
#endif
#ifndef PRIO0
#define PRIO0 1
#endif
#ifndef PRIO1
#define PRIO1 0
#endif
#ifndef PRIO2
#define PRIO2 1
#endif

/* wait results (sq_status_t) */
#define R_OK       1
#define R_TIMEOUT  4
#define R_AGAIN    5

/* thread states (TCB state) and queues (TCB queue) */
#define READY      0
#define PENDING    1
#define Q_READY    0          /* the ready queue: not waiting */
#define Q_SEM      1          /* the semaphore's wait queue */
#define Q_EV       2          /* the event word's wait queue */

/* the timeout a caller passes */
#define T_NOWAIT   0
#define T_FINITE   1
#define T_FOREVER  2

/* event wait options (SQ_EVENT_ALL, SQ_EVENT_CLEAR); 0 is "any" */
#define ALL        1
#define CLEAR      2
#define COND(w, d, o)  (((o) & ALL) != 0 -> (((w) & (d)) == (d)) : (((w) & (d)) != 0))
#ifdef BROKEN_MATCH
#define POST_COND(w, d, o)  (((w) & (d)) != 0)      /* WRONG: "all" ignored */
#else
#define POST_COND(w, d, o)  COND(w, d, o)
#endif

/* ghost: the first waker of a wait */
#define W_NONE     0
#define W_GIVE     1
#define W_POST     2
#define W_RESET    3
#define W_TIMEOUT  4

#define NOBODY     255

/* ---- kernel state, as in the C ------------------------------------------- */
byte prio[NT];
byte state[NT];           /* READY or PENDING */
byte queue[NT];           /* Q_READY, Q_SEM or Q_EV */
byte ticket[NT];          /* arrival rank on its queue (see the header) */
bit  armed[NT];           /* its timeout is in the armed table */
byte wait_result[NT];
byte wait_value[NT];      /* events: desired bits while pending, then matched */
byte wait_options[NT];    /* events: ALL, CLEAR */
byte count;               /* the semaphore */
byte word;                /* the event word */

/* ---- ghost state ---------------------------------------------------------- */
byte balance;             /* given - taken - lost */
bit  held[NT];            /* a give handed this thread a unit it has not returned */
byte woke[NT];            /* first waker of the current wait (W_*) */
byte older[NT];           /* bit j: thread j was on the queue when this one joined */
byte want[NT];            /* events: desired bits of the current wait */

/* scratch of the critical sections: zero outside them, not in the state */
hidden byte i, j, best, waiting, judged, consumed;

#if NT == 3
#define FOR_ALL(P)   (P(0) && P(1) && P(2))
#define SUM(A)       (A[0] + A[1] + A[2])
#else
#define FOR_ALL(P)   (P(0) && P(1))
#define SUM(A)       (A[0] + A[1])
#endif

#define ON(t, q)          (state[t] == PENDING && queue[t] == q)
#define NO_SEM_WAITER(t)  (!ON(t, Q_SEM))
#define EV_OK(t)          (!(ON(t, Q_EV) && COND(word, wait_value[t], wait_options[t])))
#define ARMED_OK(t)       (!armed[t] || state[t] == PENDING)

/* ---- queues and waking (sq_sched_pend, sq_sched_wake, sq_queue_*) -------- */

/* sq_sched_pend: arm the timeout unless FOREVER, preset TIMEOUT, join q
 * behind everyone already on it. */
inline pend(t, q, tmo)
{
    if
    :: tmo == T_FINITE -> armed[t] = 1
    :: else -> skip
    fi;
    wait_result[t] = R_TIMEOUT;
    ticket[t] = 0;
    older[t] = 0;
    j = 0;
    do
    :: j < NT ->
        if
        :: j != t && ON(j, q) -> ticket[t]++; older[t] = older[t] | (1 << j)
        :: else -> skip
        fi;
        j++
    :: else -> break
    od;
    j = 0;
    queue[t] = q;
    state[t] = PENDING
}

/* Leave the wait queue (the ranks behind t move up one) for the ready
 * queue. A thread that is not waiting (only with BROKEN_DISARM) stays
 * READY. */
inline leave(t)
{
    j = 0;
    do
    :: j < NT ->
        if
        :: state[t] == PENDING && j != t && ON(j, queue[t]) && ticket[j] > ticket[t] ->
            ticket[j]--
        :: else -> skip
        fi;
        older[j] = older[j] & ~(1 << t);
        j++
    :: else -> break
    od;
    j = 0;
    ticket[t] = 0;
    older[t] = 0;
    queue[t] = Q_READY;
    state[t] = READY
}

/* sq_sched_wake: disarm the timeout, store the result, make t ready. */
inline wake(t, r, by)
{
#ifndef BROKEN_DISARM
    armed[t] = 0;
#endif
    wait_result[t] = r;
    woke[t] = (woke[t] == W_NONE -> by : woke[t]);
    leave(t)
}

/* sq_queue_first(q) into best: the lowest (priority, ticket) waiting on q,
 * found by one pass over the threads; NOBODY if none. */
inline first(q)
{
    best = NOBODY;
    i = 0;
    do
    :: i < NT ->
        if
#ifdef BROKEN_ORDER
        :: ON(i, q) && (best == NOBODY || ticket[i] < ticket[best]) -> best = i
#else
        :: ON(i, q) && (best == NOBODY || prio[i] < prio[best] ||
                        (prio[i] == prio[best] && ticket[i] < ticket[best])) -> best = i
#endif
        :: else -> skip
        fi;
        i++
    :: else -> break
    od;
    i = 0
}

/* ---- semaphore ------------------------------------------------------------ */

/* sq_sem_give: the whole critical section (callers put it in a d_step). */
inline sem_give()
{
    first(Q_SEM);
    if
    :: best != NOBODY ->
        i = 0;
        do
        :: i < NT ->
            assert(i == best || !ON(i, Q_SEM) || prio[best] < prio[i] ||      /* [wake-order] */
                   (prio[best] == prio[i] && (older[i] & (1 << best)) != 0)); /* [wake-order] */
            i++
        :: else -> break
        od;
        i = 0;
        balance++;                /* given */
        held[best] = 1;           /* handed over: count unchanged */
        wake(best, R_OK, W_GIVE);
#ifdef BROKEN_GIVE
        count++;                  /* WRONG: the unit is also counted */
#endif
        best = 0
    :: else ->
        best = 0;
        if
        :: count < LIMIT -> count++; balance++
        :: else -> skip           /* SQ_ERR_FULL: nothing changes */
        fi
    fi
}

/* sq_sem_reset: the whole critical section. */
inline sem_reset()
{
    d_step {
        balance = balance - count;    /* lost */
        count = 0;
        i = 0;
        do
        :: i < NT ->
            if
#ifdef BROKEN_RESET
            :: ON(i, Q_SEM) -> wake(i, R_TIMEOUT, W_RESET)     /* WRONG result */
#else
            :: ON(i, Q_SEM) -> wake(i, R_AGAIN, W_RESET)
#endif
            :: else -> skip
            fi;
            i++
        :: else -> break
        od;
        i = 0;
        assert(FOR_ALL(NO_SEM_WAITER))                         /* [reset-wakes-all] */
    }
}

/* The taking thread, READY again: read the result after the unlock. */
inline sem_resumed(me, tmo, res)
{
    res = wait_result[me];
    assert(woke[me] == W_GIVE || woke[me] == W_RESET || woke[me] == W_TIMEOUT); /* [result] */
    assert(res == (woke[me] == W_GIVE -> R_OK : (woke[me] == W_RESET -> R_AGAIN : R_TIMEOUT))); /* [result] */
    assert(res != R_TIMEOUT || tmo == T_FINITE);               /* [result] */
    if
    :: res == R_OK ->
        assert(held[me]);                                      /* [result] */
        held[me] = 0;
        balance--                                              /* taken */
    :: else ->
        assert(!held[me])                                      /* [result] */
    fi;
    woke[me] = W_NONE
}

/* ---- events --------------------------------------------------------------- */

/* sq_event_update(clr, set), behind post (0, bits), clear (bits, 0), set
 * (all, word) and set_masked (mask, value & mask): change the word, wake
 * every waiter whose condition holds on it, handing it its matched bits,
 * then clear the bits the SQ_EVENT_CLEAR waiters matched (all waiters are
 * judged on the same word, so two waiters for one bit both wake). The
 * whole critical section, then the checks of what it leaves behind (still
 * inside it). */
inline ev_update(clr, set)
{
    d_step {
        waiting = 0;                  /* ghost: who waited before */
        i = 0;
        do
        :: i < NT ->
            if
            :: ON(i, Q_EV) -> waiting = waiting | (1 << i)
            :: else -> skip
            fi;
            i++
        :: else -> break
        od;
        word = (word & ~clr) | set;
        judged = word;                /* ghost: the word as the call changed it */
        consumed = 0;
        i = 0;
        do
        :: i < NT ->
            if
            :: ON(i, Q_EV) && POST_COND(word, wait_value[i], wait_options[i]) ->
                wait_value[i] = word & wait_value[i];
                if
                :: (wait_options[i] & CLEAR) != 0 ->
                    consumed = consumed | wait_value[i];
#ifdef BROKEN_CLEAR
                    word = word & ~wait_value[i]   /* WRONG: before the others are judged */
#else
                    skip
#endif
                :: else -> skip
                fi;
                wake(i, R_OK, W_POST);
#ifdef BROKEN_POST
                i = NT                /* WRONG: stops after the first */
#else
                i++
#endif
            :: else -> i++
            fi
        :: else -> break
        od;
        word = word & ~consumed;
        i = 0;
        do
        :: i < NT ->
            assert(!(ON(i, Q_EV) && COND(judged, wait_value[i], wait_options[i]))); /* [post-wakes-all] */
            if
            :: (waiting & (1 << i)) != 0 && !ON(i, Q_EV) ->
                assert(COND(judged, want[i], wait_options[i]));   /* [post-wakes-only-satisfied] */
                assert(wait_value[i] == (judged & want[i]));      /* [post-wakes-only-satisfied] */
                assert(wait_result[i] == R_OK && woke[i] == W_POST); /* [post-wakes-only-satisfied] */
                assert((wait_options[i] & CLEAR) == 0 || (word & wait_value[i]) == 0) /* [event-clear] */
            :: else -> skip
            fi;
            i++
        :: else -> break
        od;
        i = 0;
        waiting = 0;
        judged = 0;
        consumed = 0
    }
}

/* The waiting thread, READY again: result and matched bits after the
 * unlock. */
inline ev_resumed(me, tmo, res, mv)
{
    res = wait_result[me];
    mv = wait_value[me];
    assert(woke[me] == W_POST || woke[me] == W_TIMEOUT);      /* [result] */
    assert(res == (woke[me] == W_POST -> R_OK : R_TIMEOUT));  /* [result] */
    assert(res != R_TIMEOUT || tmo == T_FINITE);               /* [result] */
    assert(!held[me]);                                         /* [result] */
    woke[me] = W_NONE;
    wait_value[me] = 0;           /* stale outside a wait: zeroed to merge states */
    wait_options[me] = 0;
    want[me] = 0
}

/* ---- processes ------------------------------------------------------------ */

/* A thread. Each step is one of: a whole call that does not block; the
 * critical section of a call that blocks (phase P_SEM or P_EV after it);
 * the return from that call once a waker has made the thread READY again.
 * Locals are zeroed after each call, so equal kernel states are equal model
 * states. */
#define P_IDLE     0          /* between calls */
#define P_SEM      1          /* blocked in sq_sem_take */
#define P_EV       2          /* blocked in sq_event_wait */
#define P_TESTED   3          /* BROKEN_TAKE: count tested, lock not yet taken */

inline choose_timeout(tmo)
{
    if
    :: tmo = T_NOWAIT
    :: tmo = T_FINITE
    :: tmo = T_FOREVER
    fi
}

proctype thread(byte me)
{
    byte phase, tmo, res, d, o, mv;
#ifdef BROKEN_TAKE
    byte seen;
#endif

    do
#ifndef BROKEN_TAKE
    :: atomic {
        /* sq_sem_take(tmo): test and block in one critical section */
        phase == P_IDLE ->
        choose_timeout(tmo);
        if
        :: count > 0 -> count--; balance--                     /* OK, taken */
        :: else ->
            if
            :: tmo == T_NOWAIT -> skip                          /* BUSY */
            :: else -> pend(me, Q_SEM, tmo); phase = P_SEM
            fi
        fi;
        if
        :: phase == P_IDLE -> tmo = 0
        :: else -> skip
        fi
       }
#else
    :: atomic {
        /* WRONG: sq_sem_take reads count before it takes the lock ... */
        phase == P_IDLE ->
        choose_timeout(tmo);
        seen = count;
        phase = P_TESTED
       }
    :: atomic {
        /* ... and acts on what it read */
        phase == P_TESTED ->
        phase = P_IDLE;
        if
        :: seen > 0 ->
            if
            :: count > 0 -> count--; balance--
            :: else -> skip
            fi
        :: else ->
            if
            :: tmo == T_NOWAIT -> skip
            :: else -> pend(me, Q_SEM, tmo); phase = P_SEM      /* no second test */
            fi
        fi;
        seen = 0;
        if
        :: phase == P_IDLE -> tmo = 0
        :: else -> skip
        fi
       }
#endif
    :: atomic {
        /* sq_sem_take returns after its wait */
        phase == P_SEM && state[me] == READY ->
        sem_resumed(me, tmo, res);
        phase = P_IDLE; tmo = 0; res = 0
       }
    :: d_step {
        /* sq_sem_give */
        phase == P_IDLE ->
        sem_give()
       }
    :: atomic {
        /* sq_event_wait(d, o, tmo) */
        phase == P_IDLE ->
        if
        :: d = 1; o = 0
        :: d = 2; o = 0
        :: d = 3; o = 0
        :: d = 3; o = ALL
        fi;
        if
        :: skip
        :: o = o | CLEAR
        fi;
        choose_timeout(tmo);
        if
        :: COND(word, d, o) ->                                  /* OK at once */
            mv = word & d;
            if
            :: (o & CLEAR) != 0 -> word = word & ~mv
            :: else -> skip
            fi;
            assert(COND(mv, d, o) && (mv & ~d) == 0)            /* [matched-bits] */
        :: else ->
            if
            :: tmo == T_NOWAIT -> skip                          /* BUSY */
            :: else ->
                wait_value[me] = d;
                wait_options[me] = o;
                want[me] = d;
                pend(me, Q_EV, tmo);
                phase = P_EV
            fi
        fi;
        if
        :: phase == P_IDLE -> d = 0; o = 0; tmo = 0; mv = 0
        :: else -> skip
        fi
       }
    :: atomic {
        /* sq_event_wait returns after its wait */
        phase == P_EV && state[me] == READY ->
        ev_resumed(me, tmo, res, mv);
        if
        :: res == R_OK -> assert(COND(mv, d, o) && (mv & ~d) == 0)   /* [matched-bits] */
        :: else -> skip
        fi;
        phase = P_IDLE; d = 0; o = 0; tmo = 0; res = 0; mv = 0
       }
    od
}

/* An interrupt handler: runs whenever the lock is free. */
proctype isr()
{
end:
    do
    :: d_step { sem_give() }
    :: sem_reset()
    :: ev_update(0, 1)                /* post 1 */
    :: ev_update(0, 2)                /* post 2 */
    :: ev_update(0, 3)                /* post 3 */
    :: ev_update(1, 0)                /* clear 1 */
    :: ev_update(2, 0)                /* clear 2 */
    :: ev_update(3, 0)                /* clear 3 */
    :: ev_update(3, 1)                /* set 1 */
    :: ev_update(3, 2)                /* set 2 (set 0 and set 3 leave the word
                                       * clear 3 and post 3 leave) */
    od
}

/* The tick interrupt: some armed timeout is reached (sq_kernel_tick). */
proctype tick()
{
    byte t;
end:
    do
    :: atomic {
        if
        :: armed[0] -> t = 0
        :: armed[1] -> t = 1
#if NT == 3
        :: armed[2] -> t = 2
#endif
        fi;
        /* sq_timeout_pop_expired disarms, sq_sched_wait_expired wakes:
         * no test of the thread's state (see the header) */
        armed[t] = 0;
        wake(t, R_TIMEOUT, W_TIMEOUT);
        t = 0
       }
    od
}

/* The invariants, in every reachable state outside the lock. The monitor's
 * step leads back to the same state, so it adds no states; as a loop it is
 * enabled in every state, whichever order the search takes. */
proctype monitor()
{
end:
    do
    :: d_step {
        assert(count <= LIMIT);                                 /* [count-range] */
        assert(FOR_ALL(NO_SEM_WAITER) || count == 0);           /* [no-lost-wakeup] */
        assert(balance == count + SUM(held));                   /* [unit-balance] */
        assert(FOR_ALL(EV_OK));                                 /* [event-no-lost-wakeup] */
        assert(FOR_ALL(ARMED_OK))                               /* [timeout-only-waiting] */
       }
    od
}

init {
    atomic {
        prio[0] = PRIO0;
        prio[1] = PRIO1;
#if NT == 3
        prio[2] = PRIO2;
#endif
        run thread(0);
        run thread(1);
#if NT == 3
        run thread(2);
#endif
        run isr();
        run tick();
        run monitor()
    }
}
