/*
 * squall P3 control plane: the states and encodings of tasks (one export
 * call, callee side) and subtasks (the caller's handle on that call), and
 * the verdicts of the decisions the control-plane built-ins make. The
 * decisions themselves are pure functions (src/p3/control.c) proven by WP;
 * docs/P3.md ("Control plane") says how the built-ins put them together.
 *
 * Numbers that a guest sees are the Component Model's: subtask states
 * (STARTING 0 .. CANCELLED_BEFORE_RETURNED 4), the async lower result
 * `state | subtask << 4`, callback codes (callback_table.h: EXIT 0,
 * YIELD 1, WAIT 2 | set << 4). Task states and verdicts are squall's own
 * and never reach a guest.
 *
 * Properties (named clauses in src/p3/control.c, see docs/VERIFICATION.md):
 *   CP01  no call enters while backpressure holds or the exclusive lock is
 *         taken (by a task that has not returned);
 *   CP02  waiting calls enter in arrival order: a call never enters ahead
 *         of an older waiting call;
 *   CP03  task.return resolves a task exactly once: a second return (or
 *         a return after task.cancel) traps, so does one whose result type
 *         is not the export's, and a task's last thread may not end before
 *         the task resolved;
 *   CP04  a cancellation is requested at most once per subtask and
 *         delivered at most once, only at a cancellable point;
 *         task.cancel only after delivery;
 *   CP05  a subtask handle is freed only when its resolution was
 *         delivered;
 *   CP06  a trapped instance refuses every entry, and an instance already
 *         on the caller's stack cannot be entered again;
 *   CP07  callback codes decode exactly as the Component Model packs them;
 *         codes 3 .. 15 trap;
 *   CP08  a subtask's state only moves forward (STARTING, STARTED, then
 *         one resolution), and the async lower result is RETURNED alone or
 *         `state | subtask << 4` with state STARTING or STARTED.
 */
#ifndef SQUALL_P3_TASK_H
#define SQUALL_P3_TASK_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/callback_table.h>
#include <squall/p3_instance.h>
#include <squall/p3_stream.h>
#include <squall/p3_waitable.h>

/** A subtask's state: the payload of its SUBTASK events, and what
 *  subtask.cancel returns. */
typedef enum sq_p3_subtask_state {
    SQ_P3_SUBTASK_STARTING = 0,                  /**< waiting to enter the callee */
    SQ_P3_SUBTASK_STARTED = 1,                   /**< arguments lowered, callee running */
    SQ_P3_SUBTASK_RETURNED = 2,                  /**< task.return was called */
    SQ_P3_SUBTASK_CANCELLED_BEFORE_STARTED = 3,  /**< cancelled while waiting to enter */
    SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED = 4  /**< the callee acknowledged with task.cancel */
} sq_p3_subtask_state_t;

/** A task's state (callee side; the reference's Task.State). */
typedef enum sq_p3_task_state {
    SQ_P3_TASK_INITIAL = 0,          /**< waiting to enter the instance */
    SQ_P3_TASK_STARTED = 1,          /**< entered, not resolved, no cancellation asked */
    SQ_P3_TASK_PENDING_CANCEL = 2,   /**< cancellation asked, not yet delivered */
    SQ_P3_TASK_CANCEL_DELIVERED = 3, /**< the guest was told (TASK_CANCELLED, or 1) */
    SQ_P3_TASK_RESOLVED = 4          /**< task.return or task.cancel happened */
} sq_p3_task_state_t;

/** How an export is lifted. Sync and callback lifts need the instance's
 *  exclusive lock; a stackful lift does not. */
typedef enum sq_p3_lift {
    SQ_P3_LIFT_SYNC = 0,     /**< no `async` option: results returned by the core function */
    SQ_P3_LIFT_CALLBACK = 1, /**< `async (callback ...)`: the callback loop */
    SQ_P3_LIFT_STACKFUL = 2  /**< `async` without callback: its own kernel thread */
} sq_p3_lift_t;

/** What happens to a call that wants to enter an instance. */
typedef enum sq_p3_entry {
    SQ_P3_ENTRY_ENTER = 0,   /**< it enters now */
    SQ_P3_ENTRY_WAIT = 1,    /**< it waits (the caller sees STARTING) */
    SQ_P3_ENTRY_TRAPPED = 2, /**< the callee has trapped: refused */
    SQ_P3_ENTRY_REENTER = 3  /**< the callee is on the caller's stack: refused */
} sq_p3_entry_t;

/** What subtask.cancel does once its checks passed. */
typedef enum sq_p3_cancel_step {
    SQ_P3_CANCEL_ABORT = 0,   /**< the call had not entered: it is resolved
                                   CANCELLED_BEFORE_STARTED at once, never entered */
    SQ_P3_CANCEL_DELIVER = 1, /**< a thread of the task blocked cancellably is
                                   resumed now with the cancellation */
    SQ_P3_CANCEL_PEND = 2     /**< delivered at the task's next cancellable point */
} sq_p3_cancel_step_t;

struct sq_p3_task;

/**
 * An export's core function, called with the kernel lock released and,
 * for sync and callback lifts, the instance's exclusive lock held:
 * `task` is the call (its implicit thread: sq_p3_task_thread), `args`
 * the offset of the lifted parameters in the callee's memory (0 when the
 * export has none). A callback lift returns its callback code (EXIT 0,
 * YIELD 1, WAIT 2 | set << 4); a sync lift the offset of its result in
 * the callee's memory (ignored when it has none). It must return, also
 * after a built-in trapped (unwind to the embedder's own frame inside
 * it): squall then looks at the instance.
 */
typedef uint32_t (*sq_p3_core_fn)(void *ctx, struct sq_p3_task *task, uint32_t args);

/** An export of a callee instance, as the embedder describes it. */
typedef struct sq_p3_export {
    sq_p3_instance_t *instance;       /**< the callee */
    uint32_t lift;                    /**< an sq_p3_lift_t */
    bool async_typed;                 /**< the function type is `async` */
    const sq_p3_type_t *params;       /**< the parameters as one block, or NULL */
    const sq_p3_type_t *result;       /**< the result, or NULL: task.return's immediate */
    sq_p3_core_fn core;
    void *ctx;
    const sq_callback_table_t *callback; /**< callback lift: the sealed dispatch table */
} sq_p3_export_t;

/**
 * One call of an export: the callee's task and the caller's subtask in one
 * object from the runtime's task pool, given back when the task has
 * exited and the caller holds no handle on it. Fields are squall's.
 */
typedef struct sq_p3_task {
    sq_p3_pool_link_t link;        /**< first: the runtime's pool */
    sq_p3_thread_t thread;         /**< the implicit thread: callee, context slots */
    const sq_p3_export_t *export_;
    uint32_t state;                /**< an sq_p3_task_state_t */
    uint32_t borrows;
    uint32_t args;                 /**< the parameters in the caller's memory */
    /* The caller's side. */
    sq_p3_waitable_t sub;          /**< kind SUBTASK in the caller's table (owner) */
    uint32_t sub_state;            /**< an sq_p3_subtask_state_t */
    uint32_t retptr;               /**< where the result goes in the caller's memory */
    bool sub_held;                 /**< the caller holds a handle */
    bool delivered;                /**< the resolution was delivered */
    bool cancel_requested;
    bool exited;                   /**< the task's thread ended */
    bool running;                  /**< its core code runs now */
    bool pinned;                   /**< the call that made it has not returned yet */
    /* The callback loop. */
    sq_waitable_t ready;           /**< member of the runtime's loop set */
    uint32_t step;                 /**< what the loop does with it next */
    struct sq_p3_wset *waiting;    /**< WAIT: the set it waits on */
    struct sq_p3_wset *cancel_wait; /**< the set a cancellable wait of its thread blocks on */
    bool cancel_blocked;           /**< its thread is in a cancellable wait or yield */
    struct sq_p3_task *next;       /**< in the entry queue, a set's parked list or the lock's waiters */
} sq_p3_task_t;

/** A pool of `n` tasks for sq_p3_runtime_tasks: `name` and `name_ready`. */
#define SQ_P3_TASKS_DEFINE(name, n)                                            \
    _Static_assert((n) > 0u, "a task pool needs room");                        \
    static sq_p3_task_t name[(n)];                                             \
    static sq_waitable_t *name##_ready[(n)]

/** The implicit thread of `task`: what its core code passes to the
 *  built-ins. NULL for NULL. */
sq_p3_thread_t *sq_p3_task_thread(sq_p3_task_t *task);

/** The implicit thread of the task whose core code `inst` runs now under
 *  its exclusive lock (a callback entry's built-ins take it), or NULL. */
sq_p3_thread_t *sq_p3_current(const sq_p3_instance_t *inst);

/**
 * An async-lowered call (`[async-lower]<f>`) from guest thread `t` into
 * export `ex`: the parameters are `ex->params` at `args` in t's memory,
 * the result goes to `retptr` there (both checked now, IN01). When the
 * call may enter (sq_p3_entry_decide), the parameters are copied into the
 * callee's memory through its realloc and its core code runs at once on
 * the calling kernel thread, until it returns; otherwise the call waits
 * in the callee's entry queue. `*word`: RETURNED when the callee resolved
 * before that (no handle), else `state | subtask << 4` (STARTING or
 * STARTED), the subtask a waitable in t's table with SUBTASK events.
 * A stackful lift's core function runs on a kernel thread of the
 * runtime's (sq_p3_runtime_workers), so the caller sees STARTED (or
 * STARTING while no thread is free) and a SUBTASK event later.
 * `async` false (a sync lower, `[f]`): only from a kernel thread
 * (SQ_ERR_IN_ISR, SQ_ERR_STATE: nothing done); no handle is made, the
 * calling kernel thread blocks until the callee resolved (waiting to
 * enter, then in the loop) and `*word` is its final state; a sync-typed
 * export (`async_typed` false, sync lift, sync lower only) enters at once
 * past backpressure, the lock and the queue (sync-barges-in.wast).
 * SQ_ERR_NULL, SQ_ERR_INVALID (an unusable context or export: no core,
 * a callback lift without a sealed table, parameters with no realloc in
 * the callee), SQ_ERR_TRAP in t's instance (MAY_NOT_LEAVE, ALIGN, BOUNDS,
 * CANNOT_ENTER: the callee trapped or is on the caller's stack,
 * NO_OBJECTS: the task pool is used up, TABLE_FULL, POISONED),
 * SQ_ERR_STATE (the callee trapped while it ran, or while a sync
 * caller waited: t's instance is untouched and has no handle;
 * sq_p3_instance_trap tells why).
 */
sq_status_t sq_p3_call(sq_p3_thread_t *t, const sq_p3_export_t *ex, uint32_t args,
                       uint32_t retptr, bool async, uint32_t *word);

/** task.return (`[task-return]<f>`): `type` must be the export's result
 *  (by address; NULL for none), at `ptr` in the task's memory; copied to
 *  the caller's retptr, the task RESOLVED, its subtask RETURNED (CP03).
 *  SQ_ERR_NULL, SQ_ERR_INVALID (t is no task's implicit thread),
 *  SQ_ERR_TRAP (NOT_ASYNC, RESULT_TYPE, RESOLVED, BORROWS, ALIGN, BOUNDS,
 *  MAY_NOT_LEAVE, POISONED). */
sq_status_t sq_p3_task_return(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t ptr);

/** subtask.drop (`[subtask-drop]`): free subtask `i` once its resolution
 *  was delivered (CP05). SQ_ERR_TRAP (SUBTASK_UNRESOLVED, BAD_HANDLE,
 *  WRONG_KIND, MAY_NOT_LEAVE, POISONED). */
sq_status_t sq_p3_subtask_drop(sq_p3_thread_t *t, uint32_t i);

/**
 * subtask.cancel (`[subtask-cancel]`, async: `[async-lower][subtask-cancel]`)
 * of subtask `i`, in the reference's order (CP04): its checks
 * (sq_p3_subtask_cancel_rule: SUBTASK_DELIVERED, CANCEL_TWICE,
 * SYNC_WAITER, SYNC_IN_SET), then a resolved subtask's state at once
 * (its event consumed); else the request (sq_p3_cancel_request): a call
 * still waiting to enter leaves the queue, never entered
 * (CANCELLED_BEFORE_STARTED); a callback task parked in the loop whose
 * instance the caller may enter gets TASK_CANCELLED now, its callback
 * running on the calling kernel thread; otherwise it is told at its next
 * cancellable point. `*word`: the state when resolved by then, else
 * SQ_P3_BLOCKED (async; the SUBTASK event follows) or, sync, the state
 * once resolved (the calling kernel thread blocks as the subtask's
 * synchronous waiter). SQ_ERR_TRAP (also BAD_HANDLE, WRONG_KIND,
 * MAY_NOT_LEAVE, POISONED), SQ_ERR_NULL, SQ_ERR_IN_ISR / SQ_ERR_STATE
 * (a sync form that would block where nothing can: the request was made).
 */
sq_status_t sq_p3_subtask_cancel(sq_p3_thread_t *t, uint32_t i, bool async, uint32_t *word);

/** task.cancel (`[task-cancel]`): only after a cancellation was
 *  delivered (CP04); the task RESOLVED, its subtask
 *  CANCELLED_BEFORE_RETURNED, the caller's retptr untouched. SQ_ERR_NULL,
 *  SQ_ERR_INVALID (no task's thread), SQ_ERR_TRAP (NOT_ASYNC,
 *  NOT_CANCELLED, RESOLVED, BORROWS, MAY_NOT_LEAVE, POISONED). */
sq_status_t sq_p3_task_cancel(sq_p3_thread_t *t);

/** thread.yield (`[thread-yield]`, `[cancellable][thread-yield]`): let
 *  other kernel threads run (from a kernel thread; elsewhere nothing
 *  runs), then `*cancelled` 1 when `cancellable` and a cancellation of
 *  t's task was pending: delivered now, once (CP04); else 0. SQ_ERR_NULL,
 *  SQ_ERR_INVALID, SQ_ERR_TRAP (MAY_NOT_LEAVE, POISONED). */
sq_status_t sq_p3_thread_yield(sq_p3_thread_t *t, bool cancellable, uint32_t *cancelled);

/** backpressure.inc / backpressure.dec (`[backpressure-inc]`, `-dec`):
 *  the instance's gate counter (gate.h); at 0 the calls waiting to enter
 *  are let in, oldest first (CP02). No may_leave check (the reference's).
 *  SQ_ERR_TRAP (BACKPRESSURE: to 2^16, or below 0; POISONED). */
sq_status_t sq_p3_backpressure_inc(sq_p3_thread_t *t);
sq_status_t sq_p3_backpressure_dec(sq_p3_thread_t *t);

/**
 * The callback loop, one step: take the oldest ready task of `rt` (a call
 * let in, a YIELD, or an event in the set a WAIT named), take the callee's
 * exclusive lock (a task whose instance is locked waits for its release),
 * run its core function or call its callback through the export's
 * dispatch table with that one event, and decode what it returns (CP07;
 * 3 .. 15 trap CALLBACK_CODE in the callee). Never blocks. SQ_OK (one
 * step made), SQ_ERR_EMPTY (nothing ready), SQ_ERR_NULL, SQ_ERR_INVALID
 * (no task pool), SQ_ERR_NOT_FOUND (the table has no entry for the event:
 * the task stays parked), SQ_ERR_AGAIN (the set's oldest event is an
 * end's whose channel moves bytes right now: the task stays ready, step
 * again; sq_p3_loop_run waits for the move).
 */
sq_status_t sq_p3_loop_step(struct sq_p3_runtime *rt);

/** Run the callback loop in the calling kernel thread until no task of
 *  `rt` is left running or waiting (tasks only held by a subtask handle
 *  do not count), blocking while none is ready. SQ_OK, SQ_ERR_NULL,
 *  SQ_ERR_INVALID (no task pool), SQ_ERR_IN_ISR / SQ_ERR_STATE (not a
 *  kernel thread: use sq_p3_loop_step). */
sq_status_t sq_p3_loop_run(struct sq_p3_runtime *rt);

#endif /* SQUALL_P3_TASK_H */
