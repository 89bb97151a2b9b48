/*
 * The P3 control plane's decisions (control_rules.h): entry, task
 * resolution, cancellation, the subtask state machine and callback codes.
 * Each is a pure function of the values the built-in read under the
 * kernel lock; the built-in then applies the verdict (queues the call,
 * records the trap, posts the SUBTASK event). Numbers follow the
 * reference (definitions.py: Task, Subtask, canon_lower, canon_lift's
 * callback loop, canon_task_return/cancel, canon_subtask_cancel/drop).
 */
#include <stddef.h>
#include <squall/p3_handle_table.h>
#include "control_rules.h"
#include "waitable.h"

/*@ assigns \nothing;
    ensures \result <==> lift != SQ_P3_LIFT_STACKFUL;
*/
bool sq_p3_needs_exclusive(uint32_t lift)
{
    return lift != (uint32_t)SQ_P3_LIFT_STACKFUL;
}

/* The reference's enter_implicit_thread and the may_enter check of lift,
 * with squall's two choices: a resolved holder of the exclusive lock no
 * longer gates (sync-streams.wast), and waiting calls enter strictly in
 * arrival order (the reference resumes ready waiters in any order). A
 * sync-typed export ignores backpressure, the lock and the queue
 * (sync-barges-in.wast). */
/*@ assigns \nothing;
    ensures CP06: trap != SQ_P3_TRAP_NONE ==> \result == SQ_P3_ENTRY_TRAPPED;
    ensures CP06: trap == SQ_P3_TRAP_NONE && reentrant ==> \result == SQ_P3_ENTRY_REENTER;
    ensures CP01: \result == SQ_P3_ENTRY_ENTER ==>
                  !async_typed || sq_p3_entry_clear(backpressure, lift, locked, holder_resolved);
    ensures CP02: \result == SQ_P3_ENTRY_ENTER && async_typed ==> !queued_ahead;
    ensures trap == SQ_P3_TRAP_NONE && !reentrant && !async_typed ==>
            \result == SQ_P3_ENTRY_ENTER;
    ensures trap == SQ_P3_TRAP_NONE && !reentrant && async_typed && !queued_ahead &&
            sq_p3_entry_clear(backpressure, lift, locked, holder_resolved) ==>
            \result == SQ_P3_ENTRY_ENTER;
    ensures trap == SQ_P3_TRAP_NONE && !reentrant && async_typed &&
            (queued_ahead || !sq_p3_entry_clear(backpressure, lift, locked, holder_resolved)) ==>
            \result == SQ_P3_ENTRY_WAIT;
*/
sq_p3_entry_t sq_p3_entry_decide(uint32_t trap, bool reentrant, bool async_typed, uint32_t lift,
                                 uint32_t backpressure, bool locked, bool holder_resolved,
                                 bool queued_ahead)
{
    if (trap != (uint32_t)SQ_P3_TRAP_NONE) {
        return SQ_P3_ENTRY_TRAPPED;
    }
    if (reentrant) {
        return SQ_P3_ENTRY_REENTER;
    }
    if (!async_typed) {
        return SQ_P3_ENTRY_ENTER;
    }
    bool gated = sq_p3_needs_exclusive(lift) && locked && !holder_resolved;
    if (queued_ahead || backpressure != 0u || gated) {
        return SQ_P3_ENTRY_WAIT;
    }
    return SQ_P3_ENTRY_ENTER;
}

/*@ assigns \nothing;
    ensures CP03: state == SQ_P3_TASK_RESOLVED ==> \result == SQ_P3_TRAP_RESOLVED;
    ensures state != SQ_P3_TASK_RESOLVED && borrows != 0 ==> \result == SQ_P3_TRAP_BORROWS;
    ensures state != SQ_P3_TASK_RESOLVED && borrows == 0 ==> \result == SQ_P3_TRAP_NONE;
*/
sq_p3_trap_t sq_p3_resolve_rule(uint32_t state, uint32_t borrows)
{
    if (state == (uint32_t)SQ_P3_TASK_RESOLVED) {
        return SQ_P3_TRAP_RESOLVED;
    }
    return borrows != 0u ? SQ_P3_TRAP_BORROWS : SQ_P3_TRAP_NONE;
}

/* canon_task_return's order: the lift, the type, then Task.return_. */
/*@ assigns \nothing;
    ensures lift == SQ_P3_LIFT_SYNC ==> \result == SQ_P3_TRAP_NOT_ASYNC;
    ensures CP03: lift != SQ_P3_LIFT_SYNC && given != expected ==>
                  \result == SQ_P3_TRAP_RESULT_TYPE;
    ensures CP03: lift != SQ_P3_LIFT_SYNC && given == expected &&
                  state == SQ_P3_TASK_RESOLVED ==> \result == SQ_P3_TRAP_RESOLVED;
    ensures CP03: \result == SQ_P3_TRAP_NONE ==>
                  lift != SQ_P3_LIFT_SYNC && given == expected &&
                  state != SQ_P3_TASK_RESOLVED && borrows == 0;
    ensures lift != SQ_P3_LIFT_SYNC && given == expected && state != SQ_P3_TASK_RESOLVED &&
            borrows == 0 ==> \result == SQ_P3_TRAP_NONE;
*/
sq_p3_trap_t sq_p3_task_return_rule(uint32_t state, uint32_t lift, const void *given,
                                    const void *expected, uint32_t borrows)
{
    if (lift == (uint32_t)SQ_P3_LIFT_SYNC) {
        return SQ_P3_TRAP_NOT_ASYNC;
    }
    if (given != expected) {
        return SQ_P3_TRAP_RESULT_TYPE;
    }
    return sq_p3_resolve_rule(state, borrows);
}

/*@ assigns \nothing;
    ensures lift == SQ_P3_LIFT_SYNC ==> \result == SQ_P3_TRAP_NOT_ASYNC;
    ensures CP04: \result == SQ_P3_TRAP_NONE ==>
                  state == SQ_P3_TASK_CANCEL_DELIVERED && lift != SQ_P3_LIFT_SYNC &&
                  borrows == 0;
    ensures CP04: lift != SQ_P3_LIFT_SYNC && state != SQ_P3_TASK_CANCEL_DELIVERED &&
                  state != SQ_P3_TASK_RESOLVED ==> \result == SQ_P3_TRAP_NOT_CANCELLED;
    ensures CP03: lift != SQ_P3_LIFT_SYNC && state == SQ_P3_TASK_RESOLVED ==>
                  \result == SQ_P3_TRAP_RESOLVED;
    ensures lift != SQ_P3_LIFT_SYNC && state == SQ_P3_TASK_CANCEL_DELIVERED ==>
            \result == (borrows != 0 ? SQ_P3_TRAP_BORROWS : SQ_P3_TRAP_NONE);
*/
sq_p3_trap_t sq_p3_task_cancel_rule(uint32_t state, uint32_t lift, uint32_t borrows)
{
    if (lift == (uint32_t)SQ_P3_LIFT_SYNC) {
        return SQ_P3_TRAP_NOT_ASYNC;
    }
    if (state != (uint32_t)SQ_P3_TASK_CANCEL_DELIVERED &&
        state != (uint32_t)SQ_P3_TASK_RESOLVED) {
        return SQ_P3_TRAP_NOT_CANCELLED;
    }
    return sq_p3_resolve_rule(state, borrows);
}

/*@ assigns \nothing;
    ensures CP03: last && state != SQ_P3_TASK_RESOLVED ==> \result == SQ_P3_TRAP_UNRESOLVED;
    ensures !last || state == SQ_P3_TASK_RESOLVED ==> \result == SQ_P3_TRAP_NONE;
*/
sq_p3_trap_t sq_p3_thread_exit_rule(uint32_t state, bool last)
{
    return last && state != (uint32_t)SQ_P3_TASK_RESOLVED ? SQ_P3_TRAP_UNRESOLVED
                                                           : SQ_P3_TRAP_NONE;
}

/* Task.request_cancellation. A call still waiting to enter is aborted
 * (the reference marks it CANCEL_DELIVERED and resumes it, and it
 * resolves at once: RESOLVED here in one step); a started task is told
 * now if a thread of it waits cancellably, else later. */
/*@ requires \valid(state);
    requires *state == SQ_P3_TASK_INITIAL || *state == SQ_P3_TASK_STARTED;
    assigns *state;
    ensures CP04: \old(*state) == SQ_P3_TASK_INITIAL <==> \result == SQ_P3_CANCEL_ABORT;
    ensures CP04: \result == SQ_P3_CANCEL_DELIVER ==> cancellable && may_enter;
    ensures \result == SQ_P3_CANCEL_ABORT ==> *state == SQ_P3_TASK_RESOLVED;
    ensures \result == SQ_P3_CANCEL_DELIVER ==> *state == SQ_P3_TASK_CANCEL_DELIVERED;
    ensures \result == SQ_P3_CANCEL_PEND ==> *state == SQ_P3_TASK_PENDING_CANCEL;
    ensures \old(*state) == SQ_P3_TASK_STARTED && cancellable && may_enter ==>
            \result == SQ_P3_CANCEL_DELIVER;
    ensures \result == SQ_P3_CANCEL_ABORT || \result == SQ_P3_CANCEL_DELIVER ||
            \result == SQ_P3_CANCEL_PEND;
*/
sq_p3_cancel_step_t sq_p3_cancel_request(uint32_t *state, bool cancellable, bool may_enter)
{
    if (*state == (uint32_t)SQ_P3_TASK_INITIAL) {
        *state = SQ_P3_TASK_RESOLVED;
        return SQ_P3_CANCEL_ABORT;
    }
    if (cancellable && may_enter) {
        *state = SQ_P3_TASK_CANCEL_DELIVERED;
        return SQ_P3_CANCEL_DELIVER;
    }
    *state = SQ_P3_TASK_PENDING_CANCEL;
    return SQ_P3_CANCEL_PEND;
}

/* Task.deliver_pending_cancel: delivered once, only where the guest said
 * it may be cancelled. */
/*@ requires \valid(state);
    assigns *state;
    ensures CP04: \result <==> cancellable && \old(*state) == SQ_P3_TASK_PENDING_CANCEL;
    ensures CP04: \result ==> *state == SQ_P3_TASK_CANCEL_DELIVERED;
    ensures CP04: !\result ==> *state == \old(*state);
*/
bool sq_p3_cancel_at(uint32_t *state, bool cancellable)
{
    if (cancellable && *state == (uint32_t)SQ_P3_TASK_PENDING_CANCEL) {
        *state = SQ_P3_TASK_CANCEL_DELIVERED;
        return true;
    }
    return false;
}

/*@ requires state == SQ_P3_SUBTASK_STARTING || state == SQ_P3_SUBTASK_STARTED ||
             state == SQ_P3_SUBTASK_RETURNED;
    requires state != SQ_P3_SUBTASK_RETURNED ==> 0 < index <= SQ_P3_MAX_HANDLES;
    assigns \nothing;
    ensures CP08: state == SQ_P3_SUBTASK_RETURNED ==> \result == SQ_P3_SUBTASK_RETURNED;
    ensures CP08: state != SQ_P3_SUBTASK_RETURNED ==> \result == state + index * 16;
    ensures CP08: state != SQ_P3_SUBTASK_RETURNED ==>
                  \result % 16 == state && \result / 16 == index;
*/
uint32_t sq_p3_lower_result(uint32_t state, uint32_t index)
{
    if (state == (uint32_t)SQ_P3_SUBTASK_RETURNED) {
        return SQ_P3_SUBTASK_RETURNED;
    }
    return state + index * 16u;
}

/* canon_lower's on_start and on_resolve. */
/*@ requires state == SQ_P3_SUBTASK_STARTING || state == SQ_P3_SUBTASK_STARTED;
    requires what == SQ_P3_SUBTASK_ON_START ==> state == SQ_P3_SUBTASK_STARTING;
    requires what == SQ_P3_SUBTASK_ON_RETURN ==> state == SQ_P3_SUBTASK_STARTED;
    requires what <= SQ_P3_SUBTASK_ON_CANCEL;
    assigns \nothing;
    ensures CP08: \result > state && sq_p3_subtask_state_ok(\result);
    ensures CP08: what == SQ_P3_SUBTASK_ON_START ==> \result == SQ_P3_SUBTASK_STARTED;
    ensures CP08: what == SQ_P3_SUBTASK_ON_RETURN ==> \result == SQ_P3_SUBTASK_RETURNED;
    ensures CP08: what == SQ_P3_SUBTASK_ON_CANCEL && state == SQ_P3_SUBTASK_STARTING ==>
                  \result == SQ_P3_SUBTASK_CANCELLED_BEFORE_STARTED;
    ensures CP08: what == SQ_P3_SUBTASK_ON_CANCEL && state == SQ_P3_SUBTASK_STARTED ==>
                  \result == SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED;
    ensures what != SQ_P3_SUBTASK_ON_START ==> sq_p3_resolved(\result);
*/
uint32_t sq_p3_subtask_step(uint32_t state, uint32_t what)
{
    if (what == (uint32_t)SQ_P3_SUBTASK_ON_START) {
        return SQ_P3_SUBTASK_STARTED;
    }
    if (what == (uint32_t)SQ_P3_SUBTASK_ON_RETURN) {
        return SQ_P3_SUBTASK_RETURNED;
    }
    return state == (uint32_t)SQ_P3_SUBTASK_STARTING ? SQ_P3_SUBTASK_CANCELLED_BEFORE_STARTED
                                                     : SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED;
}

/* canon_subtask_cancel's checks, in its order. */
/*@ assigns \nothing;
    ensures delivered ==> \result == SQ_P3_TRAP_SUBTASK_DELIVERED;
    ensures CP04: !delivered && requested ==> \result == SQ_P3_TRAP_CANCEL_TWICE;
    ensures !delivered && !requested && sync_waiting ==> \result == SQ_P3_TRAP_SYNC_WAITER;
    ensures !delivered && !requested && !sync_waiting && in_set && !async ==>
            \result == SQ_P3_TRAP_SYNC_IN_SET;
    ensures CP04: \result == SQ_P3_TRAP_NONE ==>
                  !delivered && !requested && !sync_waiting && !(in_set && !async);
    ensures !delivered && !requested && !sync_waiting && !(in_set && !async) ==>
            \result == SQ_P3_TRAP_NONE;
*/
sq_p3_trap_t sq_p3_subtask_cancel_rule(bool delivered, bool requested, bool sync_waiting,
                                       bool in_set, bool async)
{
    if (delivered) {
        return SQ_P3_TRAP_SUBTASK_DELIVERED;
    }
    if (requested) {
        return SQ_P3_TRAP_CANCEL_TWICE;
    }
    return sq_p3_sync_refusal(sync_waiting, in_set, async);
}

/*@ requires sq_p3_subtask_state_ok(state);
    assigns \nothing;
    ensures CP08: sq_p3_resolved(state) ==> \result == state;
    ensures CP08: !sq_p3_resolved(state) ==> \result == SQ_P3_BLOCKED;
*/
uint32_t sq_p3_subtask_cancel_word(uint32_t state)
{
    return state >= (uint32_t)SQ_P3_SUBTASK_RETURNED ? state : SQ_P3_BLOCKED;
}

/* Subtask.drop: only once the resolution was delivered (delivery
 * happens only for a resolved state, so both hold together). */
/*@ assigns \nothing;
    ensures CP05: \result == SQ_P3_TRAP_NONE <==> delivered && sq_p3_resolved(state);
    ensures \result != SQ_P3_TRAP_NONE ==> \result == SQ_P3_TRAP_SUBTASK_UNRESOLVED;
*/
sq_p3_trap_t sq_p3_subtask_drop_rule(uint32_t state, bool delivered)
{
    return delivered && state >= (uint32_t)SQ_P3_SUBTASK_RETURNED &&
                   state <= (uint32_t)SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED
               ? SQ_P3_TRAP_NONE
               : SQ_P3_TRAP_SUBTASK_UNRESOLVED;
}

/* unpack_callback_result: the task primitives' decoding (CB05), and a
 * trap of the instance for anything else. */
/*@ requires \valid(act);
    assigns *act;
    ensures CP07: (uint32_t)(packed & 0xfu) <= SQ_CALLBACK_WAIT ==>
                  \result == SQ_P3_TRAP_NONE && act->kind == (uint32_t)(packed & 0xfu) &&
                  act->set_index == (uint32_t)(packed >> 4);
    ensures CP07: (uint32_t)(packed & 0xfu) > SQ_CALLBACK_WAIT ==>
                  \result == SQ_P3_TRAP_CALLBACK_CODE;
*/
sq_p3_trap_t sq_p3_callback_code(uint32_t packed, sq_callback_action_t *act)
{
    return sq_callback_decode(packed, act) == SQ_OK ? SQ_P3_TRAP_NONE
                                                     : SQ_P3_TRAP_CALLBACK_CODE;
}
