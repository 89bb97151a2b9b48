/*
 * The P3 control plane's decisions (src/p3/control.c, CP01-CP08), each
 * checked against the numbers of the spec test or the definitions.py
 * function it re-expresses (WebAssembly/component-model, test/async/ and
 * design/mvp/canonical-abi/definitions.py). The built-ins that apply
 * these verdicts come later; here every verdict is checked on its own.
 */
#include <squall/p3_handle_table.h>
#include <squall/p3_stream.h>
#include <squall/p3_task.h>
#include "../src/p3/control_rules.h"

#include "sq_test.h"

#define NONE SQ_P3_TRAP_NONE
#define SYNC SQ_P3_LIFT_SYNC
#define CALLBACK SQ_P3_LIFT_CALLBACK
#define STACKFUL SQ_P3_LIFT_STACKFUL

/* A call into a healthy instance that is not on the caller's stack. */
static sq_p3_entry_t enter(bool async_typed, uint32_t lift, uint32_t backpressure, bool locked,
                           bool holder_resolved, bool queued_ahead)
{
    return sq_p3_entry_decide(NONE, false, async_typed, lift, backpressure, locked,
                              holder_resolved, queued_ahead);
}

/* Task.enter_implicit_thread: an async-typed call waits while the
 * counter is above 0, whatever its lift; the exclusive lock keeps out
 * sync and callback lifts only (needs_exclusive). */
static void entry_backpressure_and_lock(void **state)
{
    (void)state;
    static const uint32_t lifts[] = {SYNC, CALLBACK, STACKFUL};
    for (uint32_t i = 0u; i < 3u; i++) {
        SQ_CHECK_EQ(enter(true, lifts[i], 0u, false, false, false), SQ_P3_ENTRY_ENTER);
        SQ_CHECK_EQ(enter(true, lifts[i], 1u, false, false, false), SQ_P3_ENTRY_WAIT);
        /* backpressure.inc traps at 2^16: 0xffff is the highest count. */
        SQ_CHECK_EQ(enter(true, lifts[i], 0xffffu, false, false, false), SQ_P3_ENTRY_WAIT);
    }
    SQ_CHECK(sq_p3_needs_exclusive(SYNC));
    SQ_CHECK(sq_p3_needs_exclusive(CALLBACK));
    SQ_CHECK(!sq_p3_needs_exclusive(STACKFUL));
    /* async-calls-sync.wast: the first call into the sync-lifted
     * "sync-func" blocks unresolved holding the lock (0x21: STARTED,
     * subtask 2); the second call into that instance waits (0x40:
     * STARTING, subtask 4). */
    SQ_CHECK_EQ(enter(true, SYNC, 0u, false, false, false), SQ_P3_ENTRY_ENTER);
    SQ_CHECK_EQ(sq_p3_lower_result(SQ_P3_SUBTASK_STARTED, 2u), 0x21u);
    SQ_CHECK_EQ(enter(true, SYNC, 0u, true, false, false), SQ_P3_ENTRY_WAIT);
    SQ_CHECK_EQ(sq_p3_lower_result(SQ_P3_SUBTASK_STARTING, 4u), 0x40u);
    SQ_CHECK_EQ(enter(true, CALLBACK, 0u, true, false, false), SQ_P3_ENTRY_WAIT);
    /* A stackful lift ignores the lock (canon_lift: no needs_exclusive). */
    SQ_CHECK_EQ(enter(true, STACKFUL, 0u, true, false, false), SQ_P3_ENTRY_ENTER);
    /* sync-streams.wast: "get" returned (task.return) and blocks in a
     * sync stream.write holding the lock; the call of "set" is STARTED,
     * not STARTING (squall follows the suite, not the reference). */
    SQ_CHECK_EQ(enter(true, CALLBACK, 0u, true, true, false), SQ_P3_ENTRY_ENTER);
    SQ_CHECK_EQ(enter(true, SYNC, 0u, true, true, false), SQ_P3_ENTRY_ENTER);
    /* ...but backpressure still holds a returned holder's followers. */
    SQ_CHECK_EQ(enter(true, CALLBACK, 1u, true, true, false), SQ_P3_ENTRY_WAIT);
}

/* sync-barges-in.wast: a sync-typed export enters past backpressure,
 * the lock and the queue (Task.enter_implicit_thread gates only
 * ft.async_). */
static void entry_sync_typed_barges_in(void **state)
{
    (void)state;
    static const uint32_t lifts[] = {SYNC, CALLBACK, STACKFUL};
    for (uint32_t i = 0u; i < 3u; i++) {
        SQ_CHECK_EQ(enter(false, lifts[i], 1u, true, false, true), SQ_P3_ENTRY_ENTER);
        SQ_CHECK_EQ(enter(false, lifts[i], 0xffffu, false, false, false), SQ_P3_ENTRY_ENTER);
    }
}

/* CP02: a new call queues behind waiting ones (num_waiting_to_enter > 0)
 * even when nothing else holds it; a waiting call that is not the
 * oldest keeps waiting. */
static void entry_arrival_order(void **state)
{
    (void)state;
    SQ_CHECK_EQ(enter(true, STACKFUL, 0u, false, false, true), SQ_P3_ENTRY_WAIT);
    SQ_CHECK_EQ(enter(true, CALLBACK, 0u, false, false, true), SQ_P3_ENTRY_WAIT);
    SQ_CHECK_EQ(enter(true, SYNC, 0u, false, false, true), SQ_P3_ENTRY_WAIT);
    /* The oldest enters as soon as its condition clears. */
    SQ_CHECK_EQ(enter(true, CALLBACK, 0u, false, false, false), SQ_P3_ENTRY_ENTER);
    /* A stackful call behind a callback call the lock holds waits too
     * (squall's strict order; the reference would let it run). */
    SQ_CHECK_EQ(enter(true, STACKFUL, 0u, true, false, true), SQ_P3_ENTRY_WAIT);
}

/* CP06: Store.lift's may_enter_from (trap-on-reenter.wast: "cannot enter
 * component instance") and a trapped instance
 * (builtin-trap-poisons-instance.wast), whatever else holds. */
static void entry_refusals(void **state)
{
    (void)state;
    for (uint32_t async = 0u; async < 2u; async++) {
        SQ_CHECK_EQ(sq_p3_entry_decide(SQ_P3_TRAP_BUSY, false, async != 0u, CALLBACK, 0u,
                                       false, false, false),
                    SQ_P3_ENTRY_TRAPPED);
        SQ_CHECK_EQ(sq_p3_entry_decide(SQ_P3_TRAP_BUSY, true, async != 0u, SYNC, 3u, true,
                                       false, true),
                    SQ_P3_ENTRY_TRAPPED);
        SQ_CHECK_EQ(sq_p3_entry_decide(NONE, true, async != 0u, STACKFUL, 0u, false, false,
                                       false),
                    SQ_P3_ENTRY_REENTER);
    }
}

static int result_type; /* an export's result type descriptor */
static int other_type;

/* canon_task_return and Task.return_: drop-subtask.wast's looper returns
 * once and exits; a second return traps; so do a type other than the
 * export's, a sync lift, and borrows left (drop-cross-task-borrow.wast). */
static void task_return_once(void **state)
{
    (void)state;
    const void *rt = &result_type;
    SQ_CHECK_EQ(sq_p3_task_return_rule(SQ_P3_TASK_STARTED, CALLBACK, rt, rt, 0u), NONE);
    SQ_CHECK_EQ(sq_p3_task_return_rule(SQ_P3_TASK_STARTED, STACKFUL, NULL, NULL, 0u), NONE);
    SQ_CHECK_EQ(sq_p3_task_return_rule(SQ_P3_TASK_RESOLVED, CALLBACK, rt, rt, 0u),
                SQ_P3_TRAP_RESOLVED);
    SQ_CHECK_EQ(sq_p3_task_return_rule(SQ_P3_TASK_STARTED, CALLBACK, &other_type, rt, 0u),
                SQ_P3_TRAP_RESULT_TYPE);
    SQ_CHECK_EQ(sq_p3_task_return_rule(SQ_P3_TASK_STARTED, CALLBACK, NULL, rt, 0u),
                SQ_P3_TRAP_RESULT_TYPE);
    SQ_CHECK_EQ(sq_p3_task_return_rule(SQ_P3_TASK_STARTED, SYNC, rt, rt, 0u),
                SQ_P3_TRAP_NOT_ASYNC);
    SQ_CHECK_EQ(sq_p3_task_return_rule(SQ_P3_TASK_STARTED, CALLBACK, rt, rt, 1u),
                SQ_P3_TRAP_BORROWS);
    /* Allowed after a cancellation (cancel-subtask.wast: "g" returns 42
     * after its caller's cancel returned BLOCKED). */
    SQ_CHECK_EQ(sq_p3_task_return_rule(SQ_P3_TASK_PENDING_CANCEL, STACKFUL, rt, rt, 0u), NONE);
    SQ_CHECK_EQ(sq_p3_task_return_rule(SQ_P3_TASK_CANCEL_DELIVERED, CALLBACK, rt, rt, 0u),
                NONE);
    /* A sync lift's own return (Task.return_ alone). */
    SQ_CHECK_EQ(sq_p3_resolve_rule(SQ_P3_TASK_STARTED, 0u), NONE);
    SQ_CHECK_EQ(sq_p3_resolve_rule(SQ_P3_TASK_RESOLVED, 0u), SQ_P3_TRAP_RESOLVED);
    /* Task.unregister_thread: the last thread may not end unresolved. */
    SQ_CHECK_EQ(sq_p3_thread_exit_rule(SQ_P3_TASK_STARTED, true), SQ_P3_TRAP_UNRESOLVED);
    SQ_CHECK_EQ(sq_p3_thread_exit_rule(SQ_P3_TASK_CANCEL_DELIVERED, true),
                SQ_P3_TRAP_UNRESOLVED);
    SQ_CHECK_EQ(sq_p3_thread_exit_rule(SQ_P3_TASK_STARTED, false), NONE);
    SQ_CHECK_EQ(sq_p3_thread_exit_rule(SQ_P3_TASK_RESOLVED, true), NONE);
}

/* Task.request_cancellation, deliver_pending_cancel and cancel,
 * following cancellable.wast's four exports. */
static void cancellation_delivered_once(void **state)
{
    (void)state;
    /* "wait-cancel": blocked in a cancellable wait on an empty set: told
     * at once, task.cancel resolves it; the caller's subtask.cancel
     * returns 4 (CANCELLED_BEFORE_RETURNED). */
    uint32_t task = SQ_P3_TASK_STARTED;
    SQ_CHECK_EQ(sq_p3_task_cancel_rule(task, CALLBACK, 0u), SQ_P3_TRAP_NOT_CANCELLED);
    SQ_CHECK_EQ(sq_p3_cancel_request(&task, true, true), SQ_P3_CANCEL_DELIVER);
    SQ_CHECK_EQ(task, SQ_P3_TASK_CANCEL_DELIVERED);
    SQ_CHECK(!sq_p3_cancel_at(&task, true)); /* not a second time */
    SQ_CHECK_EQ(sq_p3_task_cancel_rule(task, CALLBACK, 0u), NONE);
    uint32_t sub = sq_p3_subtask_step(SQ_P3_SUBTASK_STARTED, SQ_P3_SUBTASK_ON_CANCEL);
    SQ_CHECK_EQ(sub, 4u);
    SQ_CHECK_EQ(sq_p3_subtask_cancel_word(sub), 4u);
    SQ_CHECK_EQ(sq_p3_task_cancel_rule(SQ_P3_TASK_RESOLVED, CALLBACK, 0u),
                SQ_P3_TRAP_RESOLVED);

    /* "poll-cancel-pending": blocked in a non-cancellable wait: pending;
     * the caller's cancel returns BLOCKED (-1); the non-cancellable wait
     * delivers nothing, the cancellable poll delivers it, once. */
    task = SQ_P3_TASK_STARTED;
    SQ_CHECK_EQ(sq_p3_cancel_request(&task, false, true), SQ_P3_CANCEL_PEND);
    SQ_CHECK_EQ(task, SQ_P3_TASK_PENDING_CANCEL);
    SQ_CHECK_EQ(sq_p3_subtask_cancel_word(SQ_P3_SUBTASK_STARTED), 0xffffffffu);
    SQ_CHECK_EQ(sq_p3_task_cancel_rule(task, STACKFUL, 0u), SQ_P3_TRAP_NOT_CANCELLED);
    SQ_CHECK(!sq_p3_cancel_at(&task, false));
    SQ_CHECK_EQ(task, SQ_P3_TASK_PENDING_CANCEL);
    SQ_CHECK(sq_p3_cancel_at(&task, true));
    SQ_CHECK_EQ(task, SQ_P3_TASK_CANCEL_DELIVERED);
    SQ_CHECK(!sq_p3_cancel_at(&task, true));
    SQ_CHECK_EQ(sq_p3_task_cancel_rule(task, CALLBACK, 0u), NONE);

    /* "yield-cancel-pending": thread.yield cancellable returns 1. */
    task = SQ_P3_TASK_STARTED;
    (void)sq_p3_cancel_request(&task, false, true);
    SQ_CHECK_EQ(sq_p3_cancel_at(&task, true) ? 1 : 0, 1);

    /* A thread that could be told but the instance cannot be entered
     * (may_enter_from false): pending too. */
    task = SQ_P3_TASK_STARTED;
    SQ_CHECK_EQ(sq_p3_cancel_request(&task, true, false), SQ_P3_CANCEL_PEND);
    /* Nothing delivered without a request. */
    task = SQ_P3_TASK_STARTED;
    SQ_CHECK(!sq_p3_cancel_at(&task, true));
    SQ_CHECK_EQ(task, SQ_P3_TASK_STARTED);

    /* A call still waiting to enter: aborted, never entered, its subtask
     * CANCELLED_BEFORE_STARTED (3) with no result lowered. */
    task = SQ_P3_TASK_INITIAL;
    SQ_CHECK_EQ(sq_p3_cancel_request(&task, false, false), SQ_P3_CANCEL_ABORT);
    SQ_CHECK_EQ(task, SQ_P3_TASK_RESOLVED);
    SQ_CHECK_EQ(sq_p3_subtask_step(SQ_P3_SUBTASK_STARTING, SQ_P3_SUBTASK_ON_CANCEL), 3u);
    SQ_CHECK_EQ(sq_p3_task_cancel_rule(SQ_P3_TASK_CANCEL_DELIVERED, SYNC, 0u),
                SQ_P3_TRAP_NOT_ASYNC);
    SQ_CHECK_EQ(sq_p3_task_cancel_rule(SQ_P3_TASK_CANCEL_DELIVERED, CALLBACK, 2u),
                SQ_P3_TRAP_BORROWS);
}

/* canon_lower: RETURNED (2) alone when the callee resolved first, else
 * state | subtask << 4 (drop-subtask.wast checks ret & 0xf == STARTED
 * and takes ret >> 4 as the handle); on_start and on_resolve. */
static void subtask_states(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_p3_lower_result(SQ_P3_SUBTASK_RETURNED, 0u), 2u);
    uint32_t w = sq_p3_lower_result(SQ_P3_SUBTASK_STARTED, 1u);
    SQ_CHECK_EQ(w & 0xfu, 1u);
    SQ_CHECK_EQ(w >> 4, 1u);
    SQ_CHECK_EQ(sq_p3_lower_result(SQ_P3_SUBTASK_STARTING, SQ_P3_MAX_HANDLES), 0xfffffff0u);
    SQ_CHECK_EQ(sq_p3_lower_result(SQ_P3_SUBTASK_STARTED, SQ_P3_MAX_HANDLES), 0xfffffff1u);
    SQ_CHECK_EQ(sq_p3_lower_result(SQ_P3_SUBTASK_STARTED, 3u), 0x31u); /* async-calls-sync */
    SQ_CHECK_EQ(sq_p3_subtask_step(SQ_P3_SUBTASK_STARTING, SQ_P3_SUBTASK_ON_START), 1u);
    SQ_CHECK_EQ(sq_p3_subtask_step(SQ_P3_SUBTASK_STARTED, SQ_P3_SUBTASK_ON_RETURN), 2u);
    SQ_CHECK_EQ(sq_p3_subtask_step(SQ_P3_SUBTASK_STARTING, SQ_P3_SUBTASK_ON_CANCEL), 3u);
    SQ_CHECK_EQ(sq_p3_subtask_step(SQ_P3_SUBTASK_STARTED, SQ_P3_SUBTASK_ON_CANCEL), 4u);
    /* subtask.cancel of a resolved subtask returns its state. */
    SQ_CHECK_EQ(sq_p3_subtask_cancel_word(SQ_P3_SUBTASK_RETURNED), 2u);
    SQ_CHECK_EQ(sq_p3_subtask_cancel_word(SQ_P3_SUBTASK_CANCELLED_BEFORE_STARTED), 3u);
    SQ_CHECK_EQ(sq_p3_subtask_cancel_word(SQ_P3_SUBTASK_STARTING), SQ_P3_BLOCKED);
}

/* canon_subtask_cancel's traps, in its order, and Subtask.drop
 * (drop-subtask.wast: drop before the resolution traps "cannot drop a
 * subtask which has not yet resolved"; after the SUBTASK event with
 * RETURNED it frees the handle). */
static void subtask_cancel_and_drop(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_p3_subtask_cancel_rule(false, false, false, false, false), NONE);
    SQ_CHECK_EQ(sq_p3_subtask_cancel_rule(false, false, false, true, true), NONE);
    SQ_CHECK_EQ(sq_p3_subtask_cancel_rule(true, true, true, true, false),
                SQ_P3_TRAP_SUBTASK_DELIVERED);
    SQ_CHECK_EQ(sq_p3_subtask_cancel_rule(false, true, false, false, true),
                SQ_P3_TRAP_CANCEL_TWICE);
    /* trap-if-sync-and-waitable-set.wast: sync subtask.cancel in a set. */
    SQ_CHECK_EQ(sq_p3_subtask_cancel_rule(false, false, false, true, false),
                SQ_P3_TRAP_SYNC_IN_SET);
    SQ_CHECK_EQ(sq_p3_subtask_cancel_rule(false, false, true, false, true),
                SQ_P3_TRAP_SYNC_WAITER);

    SQ_CHECK_EQ(sq_p3_subtask_drop_rule(SQ_P3_SUBTASK_STARTED, false),
                SQ_P3_TRAP_SUBTASK_UNRESOLVED);
    SQ_CHECK_EQ(sq_p3_subtask_drop_rule(SQ_P3_SUBTASK_RETURNED, false),
                SQ_P3_TRAP_SUBTASK_UNRESOLVED);
    SQ_CHECK_EQ(sq_p3_subtask_drop_rule(SQ_P3_SUBTASK_STARTED, true),
                SQ_P3_TRAP_SUBTASK_UNRESOLVED);
    for (uint32_t s = SQ_P3_SUBTASK_RETURNED; s <= SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED; s++) {
        SQ_CHECK_EQ(sq_p3_subtask_drop_rule(s, true), NONE);
    }
}

/* unpack_callback_result: trap-if-block-and-sync.wast's codes 3, 4 and
 * 15 trap ("unsupported callback code"); cancel-subtask.wast's "f"
 * returns WAIT | ws << 4; the upper bits of EXIT and YIELD are ignored. */
static void callback_codes(void **state)
{
    (void)state;
    sq_callback_action_t act = {0xaaaau, 0xaaaau};
    SQ_CHECK_EQ(sq_p3_callback_code(0u, &act), NONE);
    SQ_CHECK_EQ(act.kind, SQ_CALLBACK_EXIT);
    SQ_CHECK_EQ(sq_p3_callback_code(1u, &act), NONE);
    SQ_CHECK_EQ(act.kind, SQ_CALLBACK_YIELD);
    SQ_CHECK_EQ(sq_p3_callback_code(2u | (1u << 4), &act), NONE);
    SQ_CHECK_EQ(act.kind, SQ_CALLBACK_WAIT);
    SQ_CHECK_EQ(act.set_index, 1u);
    SQ_CHECK_EQ(sq_p3_callback_code(0xfffffff2u, &act), NONE);
    SQ_CHECK_EQ(act.set_index, 0x0fffffffu);
    SQ_CHECK_EQ(sq_p3_callback_code(0x10u, &act), NONE);
    SQ_CHECK_EQ(act.kind, SQ_CALLBACK_EXIT);
    static const uint32_t bad[] = {3u, 4u, 15u, 0x23u, 0xffffffffu};
    for (uint32_t i = 0u; i < 5u; i++) {
        act.kind = 0xaaaau;
        SQ_CHECK_EQ(sq_p3_callback_code(bad[i], &act), SQ_P3_TRAP_CALLBACK_CODE);
        SQ_CHECK_EQ(act.kind, 0xaaaau);
    }
}

SQ_TEST_MAIN(SQ_TEST(entry_backpressure_and_lock), SQ_TEST(entry_sync_typed_barges_in),
             SQ_TEST(entry_arrival_order), SQ_TEST(entry_refusals), SQ_TEST(task_return_once),
             SQ_TEST(cancellation_delivered_once), SQ_TEST(subtask_states),
             SQ_TEST(subtask_cancel_and_drop), SQ_TEST(callback_codes))
