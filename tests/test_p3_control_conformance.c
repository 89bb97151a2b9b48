/*
 * The control-plane spec tests of WebAssembly/component-model
 * (the .wast files of test/async) re-expressed step by step on squall's built-ins,
 * each test named after its .wast and export and checking the numbers the
 * .wast checks (lower results, handle indices, event codes, payloads,
 * memory words, trap reasons). Instance b plays the callee component, a
 * the caller; core functions and callbacks are C functions standing for
 * the core wasm; where the .wast needs another task or the host's event
 * loop running, kernel threads play it. Each test says what it leaves
 * out. Runs on the host and on QEMU.
 */
#include <squall/p3_task.h>
#include <squall/thread.h>
#include "sq_p3_control_fixture.h"

#define TASKS 4u
#define STACK 4096u
SQ_P3_TASKS_DEFINE(wast_tasks, TASKS);
SQ_CALLBACK_TABLE_DEFINE(b_callbacks, 7u);
SQ_THREAD_DEFINE(th_guest, STACK);
SQ_THREAD_DEFINE(th_loop, STACK);
SQ_THREAD_DEFINE(th_worker, STACK);
SQ_THREAD_DEFINE(th_worker2, STACK);
static sq_thread_t *const workers[] = {&th_worker, &th_worker2};

static void reset(void)
{
    memset(wast_tasks, 0, sizeof wast_tasks);
    p3_reset();
    SQ_CHECK_EQ(sq_p3_runtime_tasks(&p3_rt, wast_tasks, wast_tasks_ready, TASKS), SQ_OK);
    SQ_CHECK_EQ(sq_p3_runtime_workers(&p3_rt, workers, 2u, 3u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_set_realloc(&inst_b, b_realloc, NULL), SQ_OK);
    if (b_callbacks.sealed == 0u) {
        for (uint32_t code = SQ_WAIT_EVENT_NONE; code <= SQ_WAIT_EVENT_CANCELLED; code++) {
            SQ_CHECK_EQ(sq_callback_register(&b_callbacks, code, SQ_CALLBACK_ANY_ID, b_callback,
                                             NULL),
                        SQ_OK);
        }
        SQ_CHECK_EQ(sq_callback_seal(&b_callbacks), SQ_OK);
    }
}

/* ---- drop-subtask.wast ------------------------------------------------
 * $Looper.loop (async, callback-lifted) returns YIELD until $Looper.return
 * (async, sync-lifted) sets $done; then its callback, which must only see
 * (NONE, 0, 0), calls task.return (no result) and EXITs. */
static uint32_t looper_done;

static uint32_t looper_loop(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)task;
    (void)args;
    return SQ_CALLBACK_YIELD;
}

static uint32_t looper_loop_cb(sq_p3_thread_t *t, uint32_t event, uint32_t index,
                               uint32_t payload)
{
    p3_expect_eq(event, SQ_P3_EVENT_NONE);
    p3_expect_eq(index, 0u);
    p3_expect_eq(payload, 0u);
    if (looper_done == 0u) {
        return SQ_CALLBACK_YIELD;
    }
    p3_expect_eq(sq_p3_task_return(t, NULL, 0u), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static uint32_t looper_return(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)task;
    (void)args;
    looper_done = 1u;
    return 0u;
}

static const sq_p3_export_t looper_loop_export = {
    &inst_b, SQ_P3_LIFT_CALLBACK, true, NULL, NULL, looper_loop, NULL, &b_callbacks};
static const sq_p3_export_t looper_return_export = {
    &inst_b, SQ_P3_LIFT_SYNC, true, NULL, NULL, looper_return, NULL, NULL};

/* $Caller.drop-after-return, in a kernel thread (it sync-lowers "return"
 * and waits); the result 42 into `*arg`. */
static void caller_drop_after_return(void *arg)
{
    uint32_t ret = 0u;
    uint32_t ws = 0u;
    uint32_t code = 0u;
    /* start 'loop' */
    SQ_CHECK_EQ(sq_p3_call(&ta, &looper_loop_export, 0u, 0u, true, &ret), SQ_OK);
    SQ_CHECK_EQ(ret & 0xfu, SQ_P3_SUBTASK_STARTED);
    uint32_t subtask = ret >> 4;
    SQ_CHECK_EQ(subtask, 1u);
    /* tell 'loop' to stop (a sync lower) */
    SQ_CHECK_EQ(sq_p3_call(&ta, &looper_return_export, 0u, 0u, false, &ret), SQ_OK);
    /* wait for 'loop' to run and return */
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, subtask, ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, ws, 0u, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_SUBTASK);
    SQ_CHECK_EQ(p3_word(mem_a + 0), subtask);
    SQ_CHECK_EQ(p3_word(mem_a + 4), SQ_P3_SUBTASK_RETURNED);
    /* ok to drop */
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, subtask), SQ_OK);
    *(uint32_t *)arg = 42u;
}

/* The host's event loop. */
static void run_loop(void *arg)
{
    (void)arg;
    SQ_CHECK_EQ(sq_p3_loop_run(&p3_rt), SQ_OK);
}

static void drop_subtask_drop_after_return(void **state)
{
    (void)state;
    reset();
    b_cb = looper_loop_cb;
    looper_done = 0u;
    uint32_t result = 0u;
    SQ_CHECK_EQ(sq_thread_start(&th_guest, caller_drop_after_return, &result, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_loop, run_loop, NULL, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(result, 42u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* $Caller.drop-before-return (a second caller instance in the .wast: a
 * fresh a here): "cannot drop a subtask which has not yet resolved". */
static void drop_subtask_drop_before_return(void **state)
{
    (void)state;
    reset();
    b_cb = looper_loop_cb;
    looper_done = 0u;
    uint32_t ret = 0u;
    SQ_CHECK_EQ(sq_p3_call(&ta, &looper_loop_export, 0u, 0u, true, &ret), SQ_OK);
    SQ_CHECK_EQ(ret & 0xfu, SQ_P3_SUBTASK_STARTED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, ret >> 4), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_SUBTASK_UNRESOLVED);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
}

/* ---- cancel-subtask.wast, $D.run's first half ------------------------
 * $C.f (async, callback-lifted, result u32) WAITs on $ws, a set made by
 * $C's start function and empty; its callback must see (TASK_CANCELLED,
 * 0, 0), calls task.cancel and EXITs. $D.run calls f with retp 4 holding
 * 0xbad0bad0: STARTED; subtask.cancel async resolves it at once, the
 * callback running inside it: 4, CANCELLED_BEFORE_RETURNED; retp
 * untouched; subtask.drop. The second half ($C.g) is cancel_subtask_run_g
 * below. */
static uint32_t c_ws;

static uint32_t c_f(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)task;
    (void)args;
    return SQ_CALLBACK_WAIT | (c_ws << 4);
}

static uint32_t c_f_cb(sq_p3_thread_t *t, uint32_t event, uint32_t index, uint32_t payload)
{
    p3_expect_eq(event, SQ_P3_EVENT_TASK_CANCELLED);
    p3_expect_eq(index, 0u);
    p3_expect_eq(payload, 0u);
    p3_expect_eq(sq_p3_task_cancel(t), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static const sq_p3_export_t c_f_export = {&inst_b, SQ_P3_LIFT_CALLBACK, true, NULL, &t_u32,
                                          c_f, NULL, &b_callbacks};

static void cancel_subtask_run_f(void **state)
{
    (void)state;
    reset();
    b_cb = c_f_cb;
    /* $C's start function. */
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &c_ws), SQ_OK);
    uint32_t ret = 0u;
    p3_put_word(mem_a + 4, 0xbad0bad0u);
    SQ_CHECK_EQ(sq_p3_call(&ta, &c_f_export, 0u, 4u, true, &ret), SQ_OK);
    SQ_CHECK_EQ(ret & 0xfu, SQ_P3_SUBTASK_STARTED);
    uint32_t subtask = ret >> 4;
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, subtask, true, &ret), SQ_OK);
    SQ_CHECK_EQ(ret, SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 4), 0xbad0bad0u);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, subtask), SQ_OK);
    /* f's set has no waiter left: $C could drop it. */
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&tb, c_ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
}

/* ---- cancel-subtask.wast, $D.run's second half -----------------------
 * $C.g (async-typed, future parameter, result u32) reads the future (no
 * element type) async: BLOCKED; joins it to $ws and waits on $ws, not
 * cancellably: FUTURE_READ (4); then returns 42. The .wast lifts g sync
 * (no `async` option); a sync lift's core function runs on the caller's
 * kernel thread in squall, where that wait would block $D itself, which
 * is to write the future (docs/P3.md, "Conformance"), so g is stackful
 * here (a worker of $D's priority), returning 42 through task.return; and
 * the future's readable end is moved into $C by the embedder before the
 * call (squall's calls do not lift handles yet), as in cancellable. $D
 * (a kernel thread): retp1 4 and retp2 8 hold 0xbad0bad0; the call:
 * STARTED; subtask.cancel async: BLOCKED (-1: g never reaches a
 * cancellable point); future.write: COMPLETED (0); a wait on a new set
 * with the subtask: SUBTASK, (subtask, RETURNED) at retp2; 42 at retp1. */
static uint32_t c_g(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t futr = p3_word(mem_b + args);
    uint32_t ret = 0u;
    uint32_t code = 0u;
    p3_expect_eq(sq_p3_future_read(t, &t_unit, futr, 0xdeadbeefu, true, &ret), SQ_OK);
    p3_expect_eq(ret, SQ_P3_BLOCKED);
    p3_expect_eq(sq_p3_waitable_join(t, futr, c_ws), SQ_OK);
    p3_expect_eq(sq_p3_waitable_set_wait(t, c_ws, 0u, &code), SQ_OK);
    p3_expect_eq(code, SQ_P3_EVENT_FUTURE_READ);
    p3_put_word(mem_b + 16, 42u);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 16u), SQ_OK);
    /* The .wast leaves the end; given back here, to check the pools. */
    p3_expect_eq(sq_p3_future_drop_readable(t, &t_unit, futr), SQ_OK);
    return 0u;
}

static const sq_p3_export_t c_g_export = {&inst_b, SQ_P3_LIFT_STACKFUL, true, &t_u32, &t_u32,
                                          c_g, NULL, NULL};

static void d_run_g(void *arg)
{
    uint32_t r = 0u;
    uint32_t w = 0u;
    uint32_t r_b = 0u;
    uint32_t ret = 0u;
    uint32_t ws = 0u;
    uint32_t code = 0u;
    p3_new(&ta, &t_unit, true, &r, &w);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_b, &t_unit, r, &r_b), SQ_OK);
    p3_put_word(mem_a + 16, r_b);
    p3_put_word(mem_a + 4, 0xbad0bad0u);
    p3_put_word(mem_a + 8, 0xbad0bad0u);
    SQ_CHECK_EQ(sq_p3_call(&ta, &c_g_export, 16u, 4u, true, &ret), SQ_OK);
    SQ_CHECK_EQ(ret & 0xfu, SQ_P3_SUBTASK_STARTED);
    uint32_t subtask = ret >> 4;
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, subtask, true, &ret), SQ_OK);
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    SQ_CHECK_EQ(sq_p3_future_write(&ta, &t_unit, w, 0xdeadbeefu, true, &ret), SQ_OK);
    SQ_CHECK_EQ(ret, SQ_P3_COPY_COMPLETED);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, subtask, ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, ws, 8u, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_SUBTASK);
    SQ_CHECK_EQ(p3_word(mem_a + 8), subtask);
    SQ_CHECK_EQ(p3_word(mem_a + 12), SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 4), 42u);
    /* Given back, which the .wast leaves to the end of the run. */
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, subtask, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, subtask), SQ_OK);
    SQ_CHECK_EQ(sq_p3_future_drop_writable(&ta, &t_unit, w), SQ_OK);
    *(uint32_t *)arg = 42u;
}

static void cancel_subtask_run_g(void **state)
{
    (void)state;
    reset();
    /* $C's start function. */
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &c_ws), SQ_OK);
    uint32_t result = 0u;
    SQ_CHECK_EQ(sq_thread_start(&th_guest, d_run_g, &result, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(result, 42u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 0u);
}

/* ---- wait-during-callback.wast ----------------------------------------
 * "run" (async, callback-lifted, result u32) makes a future (no element
 * type), starts a read that blocks, completes it with a write, joins the
 * readable end to a new set and calls waitable-set.wait inside the
 * callback-lifted core function: FUTURE_READ (4) for that end at once;
 * then task.return 42 and EXIT. The .wast invokes "run" from the host;
 * here instance a calls it (async): RETURNED, 42 in its retptr. */
static uint32_t cm_run(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)args;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint64_t packed = 0u;
    uint32_t ret = 0u;
    uint32_t ws = 0u;
    uint32_t code = 0u;
    p3_expect_eq(sq_p3_future_new(t, &t_unit, &packed), SQ_OK);
    uint32_t futr = (uint32_t)packed;
    uint32_t futw = (uint32_t)(packed >> 32);
    p3_expect_eq(sq_p3_future_read(t, &t_unit, futr, 0xdeadbeefu, true, &ret), SQ_OK);
    p3_expect_eq(ret, SQ_P3_BLOCKED);
    p3_expect_eq(sq_p3_future_write(t, &t_unit, futw, 0xdeadbeefu, true, &ret), SQ_OK);
    p3_expect_eq(ret, SQ_P3_COPY_COMPLETED);
    p3_expect_eq(sq_p3_waitable_set_new(t, &ws), SQ_OK);
    p3_expect_eq(sq_p3_waitable_join(t, futr, ws), SQ_OK);
    p3_expect_eq(sq_p3_waitable_set_wait(t, ws, 0u, &code), SQ_OK);
    p3_expect_eq(code, SQ_P3_EVENT_FUTURE_READ);
    p3_expect_eq(p3_word(mem_b + 0), futr);
    p3_put_word(mem_b + 16, 42u);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 16u), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static const sq_p3_export_t cm_run_export = {&inst_b, SQ_P3_LIFT_CALLBACK, true, NULL, &t_u32,
                                             cm_run, NULL, &b_callbacks};

static void wait_during_callback_run(void **state)
{
    (void)state;
    reset();
    uint32_t ret = 0u;
    SQ_CHECK_EQ(sq_p3_call(&ta, &cm_run_export, 0u, 8u, true, &ret), SQ_OK);
    SQ_CHECK_EQ(ret, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 8), 42u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* ---- sync-barges-in.wast ----------------------------------------------
 * $C (instance b): $ws made by its start function; "blocker" (async,
 * stackful: a worker) waits on $ws and must get FUTURE_READ with
 * COMPLETED at offset 4, then returns $unblock-value; "blocker-cb" (async,
 * callback) WAITs on $ws, its callback must see (FUTURE_READ, _,
 * COMPLETED), returns the value and EXITs; "unblocker" (sync-typed, u32
 * parameter) puts a completed future read into $ws and sets the value;
 * "yielder" (stackful) yields then returns the value; "yielder-cb" YIELDs
 * and its callback must see (NONE, 0, 0); "poker" (sync-typed) sets the
 * value. $D.run (a, on a kernel thread; the host's loop on another) calls
 * each async one (STARTED), then the sync-typed one, which enters at once
 * (barges in), then waits for SUBTASK (subtask, RETURNED) and the value
 * in its retptr 8: 90, 92, 94, 96. The resource-drop halves (91, 93, 95,
 * 97: the sync-typed call made by a resource destructor) are left out:
 * squall has no resources. */
static uint32_t c_ws2;
static uint32_t unblock_value;

static uint32_t c_blocker(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)args;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t code = 0u;
    p3_expect_eq(sq_p3_waitable_set_wait(t, c_ws2, 0u, &code), SQ_OK);
    p3_expect_eq(code, SQ_P3_EVENT_FUTURE_READ);
    p3_expect_eq(p3_word(mem_b + 4), SQ_P3_COPY_COMPLETED);
    p3_put_word(mem_b + 16, unblock_value);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 16u), SQ_OK);
    return 0u;
}

static uint32_t c_blocker_cb(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)task;
    (void)args;
    return SQ_CALLBACK_WAIT | (c_ws2 << 4);
}

static uint32_t c_blocker_cb_cb(sq_p3_thread_t *t, uint32_t event, uint32_t index,
                                uint32_t payload)
{
    (void)index;
    p3_expect_eq(event, SQ_P3_EVENT_FUTURE_READ);
    p3_expect_eq(payload, SQ_P3_COPY_COMPLETED);
    p3_put_word(mem_b + 16, unblock_value);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 16u), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static uint32_t c_unblocker(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint64_t packed = 0u;
    uint32_t ret = 0u;
    p3_expect_eq(sq_p3_future_new(t, &t_unit, &packed), SQ_OK);
    uint32_t futr = (uint32_t)packed;
    uint32_t futw = (uint32_t)(packed >> 32);
    p3_expect_eq(sq_p3_future_read(t, &t_unit, futr, 0xdeadbeefu, true, &ret), SQ_OK);
    p3_expect_eq(ret, SQ_P3_BLOCKED);
    p3_expect_eq(sq_p3_waitable_join(t, futr, c_ws2), SQ_OK);
    p3_expect_eq(sq_p3_future_write(t, &t_unit, futw, 0xdeadbeefu, true, &ret), SQ_OK);
    p3_expect_eq(ret, SQ_P3_COPY_COMPLETED);
    unblock_value = p3_word(mem_b + args);
    return 0u;
}

static uint32_t c_yielder(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)args;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t cancelled = 0u;
    p3_expect_eq(sq_p3_thread_yield(t, false, &cancelled), SQ_OK);
    p3_put_word(mem_b + 16, unblock_value);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 16u), SQ_OK);
    return 0u;
}

static uint32_t c_yielder_cb(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)task;
    (void)args;
    return SQ_CALLBACK_YIELD;
}

static uint32_t c_yielder_cb_cb(sq_p3_thread_t *t, uint32_t event, uint32_t index,
                                uint32_t payload)
{
    p3_expect_eq(event, SQ_P3_EVENT_NONE);
    p3_expect_eq(index, 0u);
    p3_expect_eq(payload, 0u);
    p3_put_word(mem_b + 16, unblock_value);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 16u), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static uint32_t c_poker(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)task;
    unblock_value = p3_word(mem_b + args);
    return 0u;
}

static uint32_t c_callback(sq_p3_thread_t *t, uint32_t event, uint32_t index, uint32_t payload)
{
    return event == SQ_P3_EVENT_NONE ? c_yielder_cb_cb(t, event, index, payload)
                                     : c_blocker_cb_cb(t, event, index, payload);
}

static const sq_p3_export_t c_exports[] = {
    {&inst_b, SQ_P3_LIFT_STACKFUL, true, NULL, &t_u32, c_blocker, NULL, NULL},
    {&inst_b, SQ_P3_LIFT_CALLBACK, true, NULL, &t_u32, c_blocker_cb, NULL, &b_callbacks},
    {&inst_b, SQ_P3_LIFT_STACKFUL, true, NULL, &t_u32, c_yielder, NULL, NULL},
    {&inst_b, SQ_P3_LIFT_CALLBACK, true, NULL, &t_u32, c_yielder_cb, NULL, &b_callbacks},
};
static const sq_p3_export_t c_unblocker_export = {&inst_b, SQ_P3_LIFT_SYNC, false, &t_u32, NULL,
                                                  c_unblocker, NULL, NULL};
static const sq_p3_export_t c_poker_export = {&inst_b, SQ_P3_LIFT_SYNC, false, &t_u32, NULL,
                                              c_poker, NULL, NULL};

static volatile bool d_done;

/* $D's wait-for-return: SUBTASK (subtask, RETURNED) at outp 32, the
 * value at retp 8, then subtask.drop and waitable-set.drop. */
static void d_wait_for_return(uint32_t subtask, uint32_t expect)
{
    uint32_t ws = 0u;
    uint32_t code = 0u;
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, subtask, ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, ws, 32u, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_SUBTASK);
    SQ_CHECK_EQ(p3_word(mem_a + 32), subtask);
    SQ_CHECK_EQ(p3_word(mem_a + 36), SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 8), expect);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, subtask), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, ws), SQ_OK);
}

static void d_run(void *arg)
{
    static const uint32_t values[] = {90u, 92u, 94u, 96u};
    uint32_t ret = 0u;
    for (uint32_t i = 0u; i < 4u; i++) {
        SQ_CHECK_EQ(sq_p3_call(&ta, &c_exports[i], 0u, 8u, true, &ret), SQ_OK);
        SQ_CHECK_EQ(ret & 0xfu, SQ_P3_SUBTASK_STARTED);
        uint32_t subtask = ret >> 4;
        p3_put_word(mem_a + 16, values[i]);
        SQ_CHECK_EQ(sq_p3_call(&ta, i < 2u ? &c_unblocker_export : &c_poker_export, 16u, 0u,
                               false, &ret),
                    SQ_OK);
        SQ_CHECK_EQ(ret, SQ_P3_SUBTASK_RETURNED);
        d_wait_for_return(subtask, values[i]);
    }
    *(uint32_t *)arg = 100u;
    d_done = true;
}

/* The host's loop, for as long as $D runs (a loop with no task ends at
 * once: run it again). */
static void run_loop_until_done(void *arg)
{
    (void)arg;
    while (!d_done) {
        SQ_CHECK_EQ(sq_p3_loop_run(&p3_rt), SQ_OK);
        sq_thread_yield();
    }
}

static void sync_barges_in_run(void **state)
{
    (void)state;
    reset();
    b_cb = c_callback;
    d_done = false;
    unblock_value = 0u;
    /* $C's start function. */
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &c_ws2), SQ_OK);
    uint32_t result = 0u;
    SQ_CHECK_EQ(sq_thread_start(&th_guest, d_run, &result, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_loop, run_loop_until_done, NULL, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(result, 100u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* ---- cancellable.wast -------------------------------------------------
 * $C's five exports block in their core function; squall runs a core
 * function on the caller's stack unless it is stackful, so here they are
 * stackful (on workers of $D's priority: the lower yields once and the
 * callee runs until it blocks, as in the reference). wait-cancel: a
 * cancellable wait on an empty set must return TASK_CANCELLED (6);
 * yield-cancel: cancellable yields until one returns 1; the three
 * "pending" ones block in a non-cancellable wait on a future read (the
 * future made by $D, its readable end lifted into $C), must get
 * FUTURE_READ (4) once $D writes, then a cancellable poll must give 6, a
 * cancellable yield 1, or a plain yield 0 and then a cancellable one 1;
 * each then calls task.cancel. $D.run: STARTED; subtask.cancel async
 * returns 4 at once for the first two and BLOCKED for the others, whose
 * SUBTASK event after the write says 4; every subtask dropped; 42. */
static uint32_t cw_mode;

static void c_pending_wait(sq_p3_thread_t *t, uint32_t futr, uint32_t *ws)
{
    uint32_t ret = 0u;
    uint32_t code = 0u;
    p3_expect_eq(sq_p3_waitable_set_new(t, ws), SQ_OK);
    p3_expect_eq(sq_p3_future_read(t, &t_unit, futr, 0u, true, &ret), SQ_OK);
    p3_expect_eq(ret, SQ_P3_BLOCKED);
    p3_expect_eq(sq_p3_waitable_join(t, futr, *ws), SQ_OK);
    p3_expect_eq(sq_p3_waitable_set_wait(t, *ws, 0u, &code), SQ_OK);
    p3_expect_eq(code, SQ_P3_EVENT_FUTURE_READ);
}

static uint32_t c_cancellable(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t ws = 0u;
    uint32_t code = 0u;
    uint32_t cancelled = 0u;
    switch (cw_mode) {
    case 1u: /* wait-cancel */
        p3_expect_eq(sq_p3_waitable_set_new(t, &ws), SQ_OK);
        p3_expect_eq(sq_p3_waitable_set_wait_cancellable(t, ws, 0u, &code), SQ_OK);
        p3_expect_eq(code, SQ_P3_EVENT_TASK_CANCELLED);
        break;
    case 2u: /* yield-cancel */
        while (cancelled == 0u) {
            p3_expect_eq(sq_p3_thread_yield(t, true, &cancelled), SQ_OK);
        }
        break;
    case 3u: /* poll-cancel-pending */
        c_pending_wait(t, p3_word(mem_b + args), &ws);
        p3_expect_eq(sq_p3_waitable_set_poll_cancellable(t, ws, 0u, &code), SQ_OK);
        p3_expect_eq(code, SQ_P3_EVENT_TASK_CANCELLED);
        break;
    case 4u: /* yield-cancel-pending */
        c_pending_wait(t, p3_word(mem_b + args), &ws);
        p3_expect_eq(sq_p3_thread_yield(t, true, &cancelled), SQ_OK);
        p3_expect_eq(cancelled, 1u);
        break;
    default: /* pending-survives-nc-yield */
        c_pending_wait(t, p3_word(mem_b + args), &ws);
        p3_expect_eq(sq_p3_thread_yield(t, false, &cancelled), SQ_OK);
        p3_expect_eq(cancelled, 0u);
        p3_expect_eq(sq_p3_thread_yield(t, true, &cancelled), SQ_OK);
        p3_expect_eq(cancelled, 1u);
        break;
    }
    p3_expect_eq(sq_p3_task_cancel(t), SQ_OK);
    /* The .wast leaves its sets and ends; the fixture's pool has three
     * sets, so they are given back. */
    if (cw_mode >= 3u) {
        p3_expect_eq(sq_p3_future_drop_readable(t, &t_unit, p3_word(mem_b + args)), SQ_OK);
    }
    if (cw_mode != 2u) {
        p3_expect_eq(sq_p3_waitable_set_drop(t, ws), SQ_OK);
    }
    return 0u;
}

static const sq_p3_export_t c_cancellable_export = {
    &inst_b, SQ_P3_LIFT_STACKFUL, true, &t_u32, &t_u32, c_cancellable, NULL, NULL};

static void d_cancellable_run(void *arg)
{
    uint32_t ret = 0u;
    for (cw_mode = 1u; cw_mode <= 5u; cw_mode++) {
        uint32_t futw = 0u;
        if (cw_mode >= 3u) {
            uint64_t packed = 0u;
            uint32_t futr_b = 0u;
            SQ_CHECK_EQ(sq_p3_future_new(&ta, &t_unit, &packed), SQ_OK);
            futw = (uint32_t)(packed >> 32);
            SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_b, &t_unit, (uint32_t)packed, &futr_b),
                        SQ_OK);
            p3_put_word(mem_a + 16, futr_b);
        }
        SQ_CHECK_EQ(sq_p3_call(&ta, &c_cancellable_export, 16u, 4u, true, &ret), SQ_OK);
        SQ_CHECK_EQ(ret & 0xfu, SQ_P3_SUBTASK_STARTED);
        uint32_t subtask = ret >> 4;
        SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, subtask, true, &ret), SQ_OK);
        if (cw_mode <= 2u) {
            SQ_CHECK_EQ(ret, SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED);
        } else {
            uint32_t ws = 0u;
            uint32_t code = 0u;
            SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
            SQ_CHECK_EQ(sq_p3_future_write(&ta, &t_unit, futw, 0u, true, &ret), SQ_OK);
            SQ_CHECK_EQ(ret, SQ_P3_COPY_COMPLETED);
            SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &ws), SQ_OK);
            SQ_CHECK_EQ(sq_p3_waitable_join(&ta, subtask, ws), SQ_OK);
            SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, ws, 8u, &code), SQ_OK);
            SQ_CHECK_EQ(code, SQ_P3_EVENT_SUBTASK);
            SQ_CHECK_EQ(p3_word(mem_a + 8), subtask);
            SQ_CHECK_EQ(p3_word(mem_a + 12), SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED);
            SQ_CHECK_EQ(sq_p3_waitable_join(&ta, subtask, 0u), SQ_OK);
            SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, ws), SQ_OK);
            SQ_CHECK_EQ(sq_p3_future_drop_writable(&ta, &t_unit, futw), SQ_OK);
        }
        SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, subtask), SQ_OK);
    }
    *(uint32_t *)arg = 42u;
}

static void cancellable_run(void **state)
{
    (void)state;
    reset();
    uint32_t result = 0u;
    SQ_CHECK_EQ(sq_thread_start(&th_guest, d_cancellable_run, &result, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(result, 42u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

SQ_TEST_MAIN(SQ_TEST(drop_subtask_drop_after_return), SQ_TEST(drop_subtask_drop_before_return),
             SQ_TEST(cancel_subtask_run_f), SQ_TEST(cancel_subtask_run_g),
             SQ_TEST(wait_during_callback_run),
             SQ_TEST(sync_barges_in_run), SQ_TEST(cancellable_run))
