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

#include <stdint.h>

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

#endif /* SQUALL_P3_TASK_H */
