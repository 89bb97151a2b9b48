/*
 * squall P3 control plane: the pure decisions the control-plane built-ins
 * make (src/p3/control.c), and the ACSL predicates their contracts share.
 * Each function decides from plain values and changes nothing but what
 * its out-pointer names, so WP proves it whole (CP01-CP08,
 * include/squall/p3_task.h). Not a public header.
 */
#ifndef SQUALL_SRC_P3_CONTROL_RULES_H
#define SQUALL_SRC_P3_CONTROL_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/callback_table.h>
#include <squall/p3_instance.h>
#include <squall/p3_task.h>

/** What happens to a subtask (sq_p3_subtask_step): the callee entered
 *  and took its arguments, called task.return, or resolved without a
 *  value (task.cancel, or a cancelled call that never entered). */
typedef enum sq_p3_subtask_event {
    SQ_P3_SUBTASK_ON_START = 0,
    SQ_P3_SUBTASK_ON_RETURN = 1,
    SQ_P3_SUBTASK_ON_CANCEL = 2
} sq_p3_subtask_event_t;

/*@ // The exclusive lock keeps a call out: the call needs it (sync and
    // callback lifts), someone holds it, and the holder's task has not
    // returned (after task.return the holder no longer gates entry: the
    // spec tests' and wasmtime's rule, sync-streams.wast; the reference
    // gates until the holder's activation ends).
    predicate sq_p3_lock_gates(integer lift, _Bool locked, _Bool holder_resolved) =
      lift != SQ_P3_LIFT_STACKFUL && locked && !holder_resolved;

    // Nothing keeps an async-typed call out but the queue ahead of it.
    predicate sq_p3_entry_clear(integer backpressure, integer lift, _Bool locked,
                                _Bool holder_resolved) =
      backpressure == 0 && !sq_p3_lock_gates(lift, locked, holder_resolved);

    predicate sq_p3_resolved(integer state) =
      SQ_P3_SUBTASK_RETURNED <= state <= SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED;

    predicate sq_p3_subtask_state_ok(integer state) =
      SQ_P3_SUBTASK_STARTING <= state <= SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED;

    predicate sq_p3_task_state_ok(integer state) =
      SQ_P3_TASK_INITIAL <= state <= SQ_P3_TASK_RESOLVED;
*/

/** Whether an export lifted so needs the instance's exclusive lock. */
bool sq_p3_needs_exclusive(uint32_t lift);

/** Entry: what happens to a call into an instance trapped with `trap`
 *  (SQ_P3_TRAP_NONE: healthy), `reentrant` when the instance is on the
 *  caller's stack, for an export `async_typed` or not and lifted `lift`,
 *  with the instance's `backpressure` counter (its gate closed: any
 *  value above 0), its exclusive lock `locked` by a task that has
 *  `holder_resolved` or not, and `queued_ahead` when an older call waits
 *  to enter (for a new call: any call waits; for a waiting one: it is not
 *  the oldest). */
sq_p3_entry_t sq_p3_entry_decide(uint32_t trap, bool reentrant, bool async_typed, uint32_t lift,
                                 uint32_t backpressure, bool locked, bool holder_resolved,
                                 bool queued_ahead);

/** The reference's Task.return_ (and the resolution half of task.cancel):
 *  why resolving a task in `state` with `borrows` borrowed handles
 *  traps, or SQ_P3_TRAP_NONE. */
sq_p3_trap_t sq_p3_resolve_rule(uint32_t state, uint32_t borrows);

/** task.return in a task lifted `lift` whose export's result type is
 *  `expected`, with type immediate `given` (descriptors compared by
 *  address; NULL: no result): why it traps, or SQ_P3_TRAP_NONE (then the
 *  task is RESOLVED and its subtask RETURNED). */
sq_p3_trap_t sq_p3_task_return_rule(uint32_t state, uint32_t lift, const void *given,
                                    const void *expected, uint32_t borrows);

/** task.cancel: why it traps, or SQ_P3_TRAP_NONE (then the task is
 *  RESOLVED and its subtask CANCELLED_BEFORE_RETURNED). */
sq_p3_trap_t sq_p3_task_cancel_rule(uint32_t state, uint32_t lift, uint32_t borrows);

/** A thread of a task in `state` ends, the task's `last` one or not: why
 *  that traps (the task never resolved), or SQ_P3_TRAP_NONE. */
sq_p3_trap_t sq_p3_thread_exit_rule(uint32_t state, bool last);

/** subtask.cancel reaches the callee's task in `*state` (INITIAL or
 *  STARTED: the caller's checks rule out the rest). `cancellable` when a
 *  thread of the task is blocked at a cancellable point and may be
 *  resumed (not kept out by the exclusive lock), `may_enter` when the
 *  instance can be entered from the caller. Sets the task's new state and
 *  returns what the built-in does. */
sq_p3_cancel_step_t sq_p3_cancel_request(uint32_t *state, bool cancellable, bool may_enter);

/** A thread of a task in `*state` reaches a blocking point (wait, poll,
 *  yield, suspend, a callback loop wait), `cancellable` or not: true when
 *  a pending cancellation is delivered there (the state becomes
 *  CANCEL_DELIVERED); otherwise nothing changes. */
bool sq_p3_cancel_at(uint32_t *state, bool cancellable);

/** The async lower result: RETURNED when the callee resolved before the
 *  caller got a handle (`state` RETURNED, no index), else `state | index
 *  << 4` with state STARTING or STARTED and index the new subtask's. */
uint32_t sq_p3_lower_result(uint32_t state, uint32_t index);

/** A subtask's state after `what` happens to it in `state`. */
uint32_t sq_p3_subtask_step(uint32_t state, uint32_t what);

/** subtask.cancel of a subtask whose resolution was `delivered` or not,
 *  whose cancellation was `requested` before, `sync_waiting` (a
 *  synchronous built-in waits on it), `in_set`, called `async` or not:
 *  why it traps, or SQ_P3_TRAP_NONE. */
sq_p3_trap_t sq_p3_subtask_cancel_rule(bool delivered, bool requested, bool sync_waiting,
                                       bool in_set, bool async);

/** What subtask.cancel returns once the cancellation was requested (or
 *  found the subtask resolved): the state when resolved, else BLOCKED
 *  (the async form returns it; the sync form waits for the event). */
uint32_t sq_p3_subtask_cancel_word(uint32_t state);

/** subtask.drop of a subtask in `state` whose resolution was `delivered`
 *  or not: why it traps, or SQ_P3_TRAP_NONE (the handle is freed). */
sq_p3_trap_t sq_p3_subtask_drop_rule(uint32_t state, bool delivered);

/** A callback-lifted export (or its callback) returned `packed`: decode
 *  it into `*act` (callback_table.h's decoding, CB05) or say why it
 *  traps. */
sq_p3_trap_t sq_p3_callback_code(uint32_t packed, sq_callback_action_t *act);

#endif /* SQUALL_SRC_P3_CONTROL_RULES_H */
