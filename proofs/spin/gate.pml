/*
 * SPIN model of the backpressure gate's protocol (src/tasks/gate.c, BP04):
 * callers test the gate and wait under the kernel lock; enable, disable,
 * inc and dec change it under the lock and, when it is open afterwards,
 * admit every waiter in queue order; timeouts expire at any moment.
 *
 *   spin -a gate.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan -m1000000
 *
 * What is modelled (NT = 3 caller threads by default, or 2 with -DNT=2):
 *   - The kernel lock: every critical section is one atomic or d_step
 *     block; outside it all processes interleave freely.
 *   - The gate: flag (0/1) and counter (0 .. CMAX, default 2). The C's
 *     maximum is 0xffff; only the tests at the maximum and at 0 matter,
 *     and they are the same at 2. A change is sq_gate_change_locked:
 *     enable sets the flag, disable clears it, inc refuses at CMAX
 *     (OVERFLOW, nothing changes), dec refuses at 0 (UNDERFLOW, nothing
 *     changes); then, if the gate is open, sq_queue_wake_all wakes the
 *     first waiter (lowest priority number, then oldest) with OK until
 *     none is left.
 *   - Caller threads with priorities PRIO0, PRIO1, PRIO2 (default 1, 0, 1:
 *     two tie, so arrival decides between them). Each loops forever over
 *     sq_gate_wait_until_ready with SQ_NO_WAIT, a finite timeout or
 *     SQ_FOREVER (open: OK at once; closed: BUSY, or sq_sched_pend: arm
 *     the timeout unless FOREVER, preset TIMEOUT, join the queue), the
 *     return of a wait once the thread is READY (it reads wait_result
 *     after the unlock), and changes of the gate (a thread may call them
 *     too; the critical section is the one an interrupt runs).
 *   - An interrupt handler (isr) that changes the gate at any point.
 *   - The tick (tick), which expires any armed timeout at any point: it
 *     disarms and wakes with TIMEOUT without testing the thread's state,
 *     as sq_sched_wait_expired does (every other wake disarms first).
 *
 * Abstracted away: the scheduler (any READY thread may step, which
 * includes every order the priority scheduler allows), time (a finite
 * wait may run out at any moment), tickets (each waiter keeps its arrival
 * rank on the queue, 0 = oldest, closing the gap when one leaves: the same
 * order with finitely many values), SQ_ERR_IN_ISR and SQ_ERR_FULL (they
 * return before anything changes), init, suspend.
 *
 * Ghost state (only the checks read it): older[] (who was queued when a
 * thread joined), outcome[] (what the current call's one result is).
 *
 * Every process loops forever, so pan reports the "-end-" of thread, isr,
 * tick and monitor as unreached; nothing else may be.
 *
 * Checked, each assertion tagged [name] on its line (check.sh matches a
 * broken variant's counterexample against the tag):
 *   [admitted-open] a caller is admitted (returns OK at once, or is woken
 *     with OK) only while the gate is open at that instant (BP01).
 *   [no-lost] invariant, in every state outside the lock: while the gate
 *     is open no caller waits on it, so a caller never stays blocked on an
 *     open gate (BP02: an opening admits all; BP03: an open gate does not
 *     block).
 *   [once] a waiting call is woken exactly once (only while it waits, and
 *     never twice), and returns exactly one result: OK if an opening woke
 *     it, TIMEOUT if its own finite timeout did, nothing else.
 *   [order] an opening wakes its waiters by priority, oldest first among
 *     equals (BP02).
 *
 * Deliberately broken variants; each must give a counterexample, and
 * check.sh requires it to violate the tagged assertion:
 *   -DBROKEN_CHECK   the caller tests the gate before taking the lock and,
 *                    if it looked open, admits itself in the critical
 *                    section without looking again: [admitted-open];
 *   -DBROKEN_OPEN    an opening wakes only the first waiter: [no-lost];
 *   -DBROKEN_DEC     dec takes a counter of 1 for open (off by one), so a
 *                    dec from 2 admits the waiters while the counter is
 *                    still 1: [admitted-open];
 *   -DBROKEN_DISARM  an admission leaves the timeout armed, so it can
 *                    fire later: [once];
 *   -DBROKEN_ORDER   an opening wakes by thread index among equal
 *                    priorities, ignoring arrival: [order].
 */

#ifndef NT
#define NT 3
#endif
#if NT != 2 && NT != 3
#error "NT must be 2 or 3"
#endif
#ifndef CMAX
#define CMAX 2
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
#define R_NONE     0
#define R_OK       1
#define R_TIMEOUT  4

/* thread states */
#define READY      0
#define PENDING    1

/* the timeout a caller passes */
#define T_NOWAIT   0
#define T_FINITE   1
#define T_FOREVER  2

/* gate changes */
#define OP_ENABLE  0
#define OP_DISABLE 1
#define OP_INC     2
#define OP_DEC     3

#define NOBODY     255

/* ---- state, as in the C --------------------------------------------------- */
bit  flag;
byte counter;
byte prio[NT];
byte state[NT];           /* READY, or PENDING on the gate's queue */
byte ticket[NT];          /* arrival rank on the queue (see the header) */
bit  armed[NT];           /* its timeout is in the armed table */
byte wait_result[NT];

/* ---- ghost state ---------------------------------------------------------- */
byte older[NT];           /* bit j: thread j was queued when this one joined */
byte outcome[NT];         /* the result the current wait was woken with */

/* scratch of the critical sections: zero outside them */
hidden byte i, j, best;

#if NT == 3
#define FOR_ALL(P)   (P(0) && P(1) && P(2))
#else
#define FOR_ALL(P)   (P(0) && P(1))
#endif

#define OPEN          (flag == 0 && counter == 0)
#define NOT_WAITING(t) (state[t] != PENDING)

/* ---- queue and waking (sq_sched_pend, sq_sched_wake, sq_queue_first) ------ */

/* sq_sched_pend: arm unless FOREVER, preset TIMEOUT, join behind everyone
 * already waiting. */
inline pend(t, tmo)
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
        :: j != t && state[j] == PENDING -> ticket[t]++; older[t] = older[t] | (1 << j)
        :: else -> skip
        fi;
        j++
    :: else -> break
    od;
    j = 0;
    state[t] = PENDING
}

/* sq_sched_wake: disarm, store the result, leave the queue (the ranks
 * behind t move up one), READY. Each wait is woken once, while it waits. */
inline wake(t, r)
{
    assert(state[t] == PENDING && outcome[t] == R_NONE);      /* [once] */
    outcome[t] = r;
#ifndef BROKEN_DISARM
    armed[t] = 0;
#else
    if
    :: r == R_TIMEOUT -> armed[t] = 0
    :: else -> skip           /* WRONG: an admission leaves it armed */
    fi;
#endif
    wait_result[t] = r;
    j = 0;
    do
    :: j < NT ->
        if
        :: j != t && state[j] == PENDING && ticket[j] > ticket[t] -> ticket[j]--
        :: else -> skip
        fi;
        older[j] = older[j] & ~(1 << t);
        j++
    :: else -> break
    od;
    j = 0;
    ticket[t] = 0;
    older[t] = 0;
    state[t] = READY
}

/* sq_queue_first into best: the lowest (priority, rank); NOBODY if none. */
inline first()
{
    best = NOBODY;
    i = 0;
    do
    :: i < NT ->
        if
#ifdef BROKEN_ORDER
        :: state[i] == PENDING && (best == NOBODY || prio[i] < prio[best]) -> best = i
#else
        :: state[i] == PENDING && (best == NOBODY || prio[i] < prio[best] ||
                                   (prio[i] == prio[best] && ticket[i] < ticket[best])) -> best = i
#endif
        :: else -> skip
        fi;
        i++
    :: else -> break
    od;
    i = 0
}

/* sq_queue_wake_all: wake the first waiter with OK until none is left. */
inline admit_all()
{
    do
    :: true ->
        first();
        if
        :: best == NOBODY -> break
        :: else -> skip
        fi;
        assert(OPEN);                                           /* [admitted-open] */
        i = 0;
        do
        :: i < NT ->
            assert(i == best || state[i] != PENDING || prio[best] < prio[i] ||  /* [order] */
                   (prio[best] == prio[i] && (older[i] & (1 << best)) != 0));   /* [order] */
            i++
        :: else -> break
        od;
        i = 0;
        wake(best, R_OK);
#ifdef BROKEN_OPEN
        break;                    /* WRONG: only the first waiter */
#endif
        best = 0
    od;
    best = 0
}

/* sq_gate_change_locked(op): the whole critical section. */
inline change(op)
{
    if
    :: op == OP_ENABLE -> flag = 1
    :: op == OP_DISABLE -> flag = 0
    :: op == OP_INC && counter < CMAX -> counter++
    :: op == OP_INC && counter == CMAX -> skip                  /* OVERFLOW */
    :: op == OP_DEC && counter > 0 -> counter--
    :: op == OP_DEC && counter == 0 -> skip                     /* UNDERFLOW */
    fi;
#ifdef BROKEN_DEC
    /* WRONG: after a dec, a counter of 1 counts as open */
    if
    :: flag == 0 && (counter == 0 || (op == OP_DEC && counter == 1)) -> admit_all()
    :: else -> skip
    fi
#else
    if
    :: OPEN -> admit_all()
    :: else -> skip
    fi
#endif
}


/* ---- processes ------------------------------------------------------------ */

#define P_IDLE     0          /* between calls */
#define P_WAIT     1          /* blocked in sq_gate_wait_until_ready */
#define P_SEEN     2          /* BROKEN_CHECK: saw the gate open, lock not yet taken */

proctype thread(byte me)
{
    byte phase, tmo, res;

    do
#ifndef BROKEN_CHECK
    :: atomic {
        /* sq_gate_wait_until_ready: test and wait in one critical section */
        phase == P_IDLE ->
        if
        :: tmo = T_NOWAIT
        :: tmo = T_FINITE
        :: tmo = T_FOREVER
        fi;
        if
        :: OPEN -> assert(OPEN)                                 /* [admitted-open] */
        :: else ->
            if
            :: tmo == T_NOWAIT -> skip                          /* BUSY */
            :: else -> pend(me, tmo); phase = P_WAIT
            fi
        fi;
        if
        :: phase == P_IDLE -> tmo = 0
        :: else -> skip
        fi
       }
#else
    :: atomic {
        /* WRONG: a look at the gate before taking the lock ... */
        phase == P_IDLE && OPEN ->
        phase = P_SEEN
       }
    :: atomic {
        /* ... and the admission under the lock, without a second look */
        phase == P_SEEN ->
        assert(OPEN);                                           /* [admitted-open] */
        phase = P_IDLE
       }
    :: atomic {
        /* the slow path, as in the C */
        phase == P_IDLE && !OPEN ->
        if
        :: tmo = T_NOWAIT
        :: tmo = T_FINITE
        :: tmo = T_FOREVER
        fi;
        if
        :: tmo == T_NOWAIT -> tmo = 0                            /* BUSY */
        :: else -> pend(me, tmo); phase = P_WAIT
        fi
       }
#endif
    :: atomic {
        /* the wait returns: wait_result, read after the unlock */
        phase == P_WAIT && state[me] == READY ->
        res = wait_result[me];
        assert(outcome[me] != R_NONE && res == outcome[me]);   /* [once] */
        assert(res == R_OK || (res == R_TIMEOUT && tmo == T_FINITE)); /* [once] */
        outcome[me] = R_NONE;
        phase = P_IDLE; tmo = 0; res = 0
       }
    /* a change of the gate by this thread (one d_step per choice: a
     * d_step resolves a choice inside it deterministically) */
    :: d_step { phase == P_IDLE -> change(OP_ENABLE) }
    :: d_step { phase == P_IDLE -> change(OP_DISABLE) }
    :: d_step { phase == P_IDLE -> change(OP_INC) }
    :: d_step { phase == P_IDLE -> change(OP_DEC) }
    od
}

/* An interrupt handler: changes the gate whenever the lock is free. */
proctype isr()
{
end:
    do
    :: d_step { change(OP_ENABLE) }
    :: d_step { change(OP_DISABLE) }
    :: d_step { change(OP_INC) }
    :: d_step { change(OP_DEC) }
    od
}

/* The tick: some armed timeout is reached. */
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
        armed[t] = 0;
        wake(t, R_TIMEOUT);
        t = 0
       }
    od
}

/* The invariant, in every reachable state outside the lock. */
proctype monitor()
{
end:
    do
    :: d_step {
        assert(!OPEN || FOR_ALL(NOT_WAITING))                   /* [no-lost] */
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
