/*
 * SPIN model of entry into a P3 instance under backpressure and the
 * exclusive lock, with cancellation (docs/P3.md, "Control plane";
 * src/p3/control.c decides each step: sq_p3_entry_decide,
 * sq_p3_cancel_request, sq_p3_cancel_at).
 *
 *   spin -a p3_entry.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan -m1000000
 *
 * What is modelled:
 *   - The kernel lock: every critical section is one atomic block.
 *   - One callee instance: its backpressure counter (0 .. 1; only 0 and
 *     "above 0" matter to entry), its exclusive lock (held by at most one
 *     task), and the FIFO of calls waiting to enter (q[], by arrival).
 *   - NC = 3 calls, each a process playing the caller's async lower and
 *     the callee's task: LIFT0..LIFT2 (default callback, stackful, sync)
 *     say how each export is lifted. A call arrives (enters, or queues
 *     behind every waiting call: CP02), runs core code (a sync or callback
 *     lift holding the lock), waits once (a callback lift releases the
 *     lock while it waits and takes it back after; a sync lift keeps it;
 *     the callback and stackful waits are cancellable, the sync one is
 *     not), then resolves (task.cancel if a cancellation was delivered,
 *     else task.return) and exits, releasing the lock. Whenever the
 *     counter drops to 0, the lock is released, or a waiting call leaves
 *     the queue, the oldest waiting calls enter while they may.
 *   - The guest's backpressure.inc/dec (bp process): two rounds.
 *   - The caller's subtask.cancel (cancel process): at most once per call,
 *     at any moment: a waiting call is aborted (CANCELLED_BEFORE_STARTED,
 *     never entered); a running task waiting cancellably (and not kept out
 *     by the lock) is told at once; otherwise the cancellation is pending
 *     and delivered at the task's next cancellable wait.
 *
 * Abstracted away: arguments and results, the caller's waitable set (the
 * SUBTASK events are the state changes here), the scheduler (any process
 * may step).
 *
 * Checked, each assertion tagged [name] on its line:
 *   [gate]   a call enters only while the counter is 0 and, if it needs
 *            the lock, nobody holds it (CP01);
 *   [order]  a call enters only when no older call waits to enter (CP02);
 *   [once]   no call enters twice, and an aborted call never enters;
 *   [no-lost] invariant outside the lock: a call waits to enter only while
 *            the oldest waiting one cannot (the counter is above 0, or it
 *            needs the lock and the lock is held): no call is forgotten;
 *   [cancel-once] a cancellation is delivered at most once, only to a
 *            task at a cancellable wait, and when every call has ended,
 *            each one requested was delivered once, or aborted the call,
 *            or found the task already returned (exactly one of the three);
 *   plus SPIN's own end-state check: every call ends.
 *
 * Broken variants (check.sh requires each to violate its tagged assertion):
 *   -DBROKEN_LOCK     entry looks at the counter only: [gate];
 *   -DBROKEN_OVERTAKE a new call enters past waiting ones: [order];
 *   -DBROKEN_WAKE     a dec to 0 admits nobody: [no-lost];
 *   -DBROKEN_ABORT    cancelling a waiting call leaves it queued: [once];
 *   -DBROKEN_PENDING  a pending cancellation is delivered at any wait,
 *                     the sync lift's non-cancellable one too: [cancel-once].
 */

#define NC 3
#ifndef LIFT0
#define LIFT0 1
#endif
#ifndef LIFT1
#define LIFT1 2
#endif
#ifndef LIFT2
#define LIFT2 0
#endif

/* lifts (sq_p3_lift_t) */
#define SYNC      0
#define CALLBACK  1
#define STACKFUL  2

/* a call's progress */
#define IDLE      0
#define WAITING   1   /* task INITIAL, queued; subtask STARTING */
#define RUNNING   2   /* entered; subtask STARTED */
#define DONE      3   /* resolved and exited */
#define ABORTED   4   /* CANCELLED_BEFORE_STARTED */

/* cancellation (sq_p3_task_state_t's side states) */
#define C_NONE      0
#define C_PENDING   1
#define C_DELIVERED 2

#define NOBODY 255

byte lift[NC];
byte bp;                    /* backpressure counter */
bit  locked;                /* the exclusive lock */
byte q[NC];                 /* waiting calls, oldest first */
byte qlen;
byte st[NC];
byte ticket[NC];
byte next_ticket;
bit  cwait[NC];             /* blocked at a cancellable wait */
byte cstate[NC];
bit  requested[NC];
bit  returned[NC];          /* resolved by task.return */
byte delivered[NC];         /* ghost: deliveries */
byte entered[NC];           /* ghost: entries */
byte ended;

#define NEEDS_LOCK(i) (lift[i] != STACKFUL)
#define MAY_ENTER(i)  (bp == 0 && !(NEEDS_LOCK(i) && locked))

/* Take the call at position p (0 .. NC - 1 = 2) out of the queue (a
 * cancelled waiting call). */
inline unqueue(p) {
    if
    :: p == 0 -> q[0] = q[1]; q[1] = q[2]
    :: p == 1 -> q[1] = q[2]
    :: p == 2 -> skip
    fi;
    q[2] = NOBODY;
    qlen--
}

/* Enter call i (the lock taken if it needs it); the checks of every entry. */
inline enter(i) {
    assert(MAY_ENTER(i));                                       /* [gate] */
    assert(entered[i] == 0 && st[i] != ABORTED);                /* [once] */
    /* the queue is in arrival order: its head is the oldest waiting */
    assert(qlen == 0 || ticket[q[0]] > ticket[i]);              /* [order] */
    entered[i]++;
    st[i] = RUNNING;
    if
    :: NEEDS_LOCK(i) -> locked = 1
    :: else -> skip
    fi
}

/* The oldest waiting calls enter while they may. */
inline admit() {
    do
    :: qlen > 0 && MAY_ENTER(q[0]) ->
       j = q[0];
       q[0] = q[1];
       q[1] = q[2];
       q[2] = NOBODY;
       qlen--;
       enter(j)
    :: else -> break
    od
}

/* Deliver call i's cancellation (never twice, only at a cancellable wait). */
inline deliver(i) {
    assert(delivered[i] == 0 && cwait[i] == 1);                 /* [cancel-once] */
    delivered[i]++;
    cstate[i] = C_DELIVERED
}

proctype call(byte i)
{
    byte j, k;
    atomic {
        ticket[i] = next_ticket;
        next_ticket++;
#ifdef BROKEN_LOCK
        if
        :: bp == 0 && qlen == 0 -> entered[i]++; st[i] = RUNNING;
           assert(MAY_ENTER(i));                                /* [gate] */
           if :: NEEDS_LOCK(i) -> locked = 1 :: else -> skip fi
#elif defined(BROKEN_OVERTAKE)
        if
        :: MAY_ENTER(i) -> enter(i)
#else
        if
        :: MAY_ENTER(i) && qlen == 0 -> enter(i)
#endif
        :: else -> q[qlen] = i; qlen++; st[i] = WAITING
        fi
    }
    (st[i] == RUNNING || st[i] == ABORTED);
    if
    :: st[i] == ABORTED -> goto gone
    :: else -> skip
    fi;
    /* core code ran; now its one wait */
    atomic {
        if
        :: lift[i] != SYNC -> cwait[i] = 1
        :: else -> skip
        fi;
        if
#ifdef BROKEN_PENDING
        :: cstate[i] == C_PENDING -> deliver(i)
#else
        :: cwait[i] && cstate[i] == C_PENDING -> deliver(i)
#endif
        :: else -> skip
        fi;
        if
        :: lift[i] == CALLBACK -> locked = 0; admit()
        :: else -> skip
        fi
    }
    /* woken: a callback lift needs the lock back first */
    atomic {
        (lift[i] != CALLBACK || !locked) ->
        cwait[i] = 0;
        if
        :: lift[i] == CALLBACK -> locked = 1
        :: else -> skip
        fi
    }
    /* resolve and exit */
    atomic {
        if
        :: cstate[i] == C_DELIVERED -> skip      /* task.cancel */
        :: else -> returned[i] = 1               /* task.return */
        fi;
        st[i] = DONE;
        if
        :: NEEDS_LOCK(i) -> locked = 0
        :: else -> skip
        fi;
        admit()
    }
gone:
    atomic { ended++ }
}

active proctype bp_guest()
{
    byte j, k, round;
    do
    :: round < 2 ->
       atomic { bp = 1 };
       atomic {
           bp = 0;
#ifndef BROKEN_WAKE
           admit()
#endif
       };
       round++
    :: else -> break
    od
}

active proctype canceller()
{
    byte i, j, k;
    do
    :: i < NC ->
       if
       :: atomic {
              (st[i] == WAITING || st[i] == RUNNING) ->
              requested[i] = 1;
              if
              :: st[i] == WAITING ->
                 st[i] = ABORTED;
#ifndef BROKEN_ABORT
                 k = 0;
                 do
                 :: q[k] == i -> break
                 :: else -> k++
                 od;
                 unqueue(k);
                 admit()
#endif
              :: st[i] == RUNNING && cwait[i] && !(lift[i] == CALLBACK && locked) ->
                 deliver(i)
              :: else -> cstate[i] = C_PENDING
              fi
          }
       :: skip   /* this call is never cancelled */
       fi;
       i++
    :: else -> break
    od
}

active proctype monitor()
{
end:
    do
    :: d_step {
        assert(qlen == 0 || !MAY_ENTER(q[0]))                   /* [no-lost] */
       }
    od
}

/* When every call has ended: each cancellation requested had exactly one
 * outcome. */
active proctype outcome()
{
    byte i;
    ended == NC;
    do
    :: i < NC ->
       assert(!requested[i] ||                                  /* [cancel-once] */
              (delivered[i] == 1) + (st[i] == ABORTED) +
              (delivered[i] == 0 && returned[i] == 1) == 1);
       i++
    :: else -> break
    od
}

init {
    atomic {
        lift[0] = LIFT0;
        lift[1] = LIFT1;
        lift[2] = LIFT2;
        q[0] = NOBODY; q[1] = NOBODY; q[2] = NOBODY;
        run call(0);
        run call(1);
        run call(2)
    }
}
