/*
 * More control-plane spec tests of WebAssembly/component-model (the .wast
 * files of test/async), re-expressed step by step on squall's built-ins
 * as in test_p3_control_conformance.c: each test is named after its .wast
 * and export and checks the numbers the .wast checks (lower results,
 * cancel results, event codes and payloads, results, trap reasons).
 * Instance b plays the callee component, a the caller (a top-level
 * `invoke` is a sync call from a, made on a kernel thread); core functions
 * and callbacks are C functions standing for the core wasm, and the
 * host's event loop is sq_p3_loop_run on a kernel thread or
 * sq_p3_loop_step by hand. Each test says what it leaves out; docs/P3.md
 * ("Conformance") lists the .wast files not re-expressed and why. Runs
 * on the host and on QEMU.
 */
#include <squall/p3_task.h>
#include <squall/thread.h>
/* big-interleaving-test's runs: up to five sinks waiting at once (a set
 * each), up to eight streams and futures (sixteen ends in a, and slot 0). */
#define P3_HANDLES 17u
#define P3_SETS 5u
#define P3_CHANNELS 8u
#include "sq_p3_control_fixture.h"

#define TASKS 5u
#define STACK 4096u
SQ_P3_TASKS_DEFINE(conf_tasks, TASKS);
SQ_CALLBACK_TABLE_DEFINE(b_callbacks, 7u);
SQ_THREAD_DEFINE(th_guest, STACK);
SQ_THREAD_DEFINE(th_loop, STACK);

static void reset(void)
{
    memset(conf_tasks, 0, sizeof conf_tasks);
    p3_reset();
    SQ_CHECK_EQ(sq_p3_runtime_tasks(&p3_rt, conf_tasks, conf_tasks_ready, TASKS), SQ_OK);
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

/* A test body that makes sync calls runs on th_guest; with `loop`, the
 * host's event loop runs on th_loop (a lower priority) until the body's
 * thread ends. The body sets `guest_done` as its last step, so a failed
 * check (which returns from it on the target) fails the test. */
static void (*guest_body)(void);
static volatile bool guest_done;
static volatile bool guest_ended;

static void guest_main(void *arg)
{
    (void)arg;
    guest_body();
    guest_ended = true;
}

static void loop_main(void *arg)
{
    (void)arg;
    while (!guest_ended) {
        SQ_CHECK_EQ(sq_p3_loop_run(&p3_rt), SQ_OK);
        sq_thread_yield();
    }
}

static void run_guest(void (*body)(void), bool loop)
{
    guest_body = body;
    guest_done = false;
    guest_ended = false;
    SQ_CHECK_EQ(sq_thread_start(&th_guest, guest_main, NULL, 2u, 0u), SQ_OK);
    if (loop) {
        SQ_CHECK_EQ(sq_thread_start(&th_loop, loop_main, NULL, 3u, 0u), SQ_OK);
    }
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(guest_done);
}

/* The task pool is back to empty and no instance holds a handle. */
static void expect_all_given_back(void)
{
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 0u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_b.handles), 0u);
}

/* ---- builtin-trap-poisons-instance.wast -------------------------------
 * $Unreachable.f (sync-typed, sync-lifted) executes `unreachable`: the
 * guest's own trap, which the embedder reports with sq_p3_instance_abort
 * (reason GUEST). The invoke traps; the next invoke traps "cannot enter
 * component instance": here the caller a is trapped CANNOT_ENTER. */
static uint32_t unreachable_f(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)task;
    (void)args;
    p3_expect_eq(sq_p3_instance_abort(&inst_b), SQ_OK);
    return 0u;
}

static const sq_p3_export_t unreachable_f_export = {&inst_b, SQ_P3_LIFT_SYNC, false, NULL, NULL,
                                                    unreachable_f, NULL, NULL};

/* Invoke `ex` twice: the first traps the callee with `why`, the second is
 * refused with CANNOT_ENTER. */
static const sq_p3_export_t *poison_export;
static uint32_t poison_reason;

static void invoke_twice(void)
{
    uint32_t word = 0xffu;
    SQ_CHECK_EQ(sq_p3_call(&ta, poison_export, 0u, 0u, false, &word), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), poison_reason);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_call(&ta, poison_export, 0u, 0u, false, &word), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_CANNOT_ENTER);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), poison_reason);
    SQ_CHECK_EQ(word, 0xffu);
    guest_done = true;
}

static void builtin_trap_poisons_instance_unreachable_f(void **state)
{
    (void)state;
    reset();
    poison_export = &unreachable_f_export;
    poison_reason = SQ_P3_TRAP_GUEST;
    run_guest(invoke_twice, false);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* $BuiltinTrap.f (sync-typed, sync-lifted): stream.new (u8), an async
 * write of 4 bytes at 0 on the writable end (BLOCKED: no reader), then
 * stream.drop-writable of that end: "cannot drop busy stream" (BUSY). The
 * next invoke: "cannot enter component instance". */
static uint32_t builtin_trap_f(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)args;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint64_t packed = 0u;
    uint32_t ret = 0u;
    p3_expect_eq(sq_p3_stream_new(t, &t_u8, &packed), SQ_OK);
    uint32_t tx = (uint32_t)(packed >> 32);
    p3_expect_eq(sq_p3_stream_write(t, &t_u8, tx, 0u, 4u, true, &ret), SQ_OK);
    p3_expect_eq(ret, SQ_P3_BLOCKED);
    p3_expect_eq(sq_p3_stream_drop_writable(t, &t_u8, tx), SQ_ERR_TRAP);
    return 0u;
}

static const sq_p3_export_t builtin_trap_f_export = {&inst_b, SQ_P3_LIFT_SYNC, false, NULL, NULL,
                                                     builtin_trap_f, NULL, NULL};

static void builtin_trap_poisons_instance_builtin_trap_f(void **state)
{
    (void)state;
    reset();
    poison_export = &builtin_trap_f_export;
    poison_reason = SQ_P3_TRAP_BUSY;
    run_guest(invoke_twice, false);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* ---- trap-if-block-and-sync.wast --------------------------------------
 * $D's exports (instance b), each invoked on a fresh $Tester. Only the
 * cases that do not block are here: squall has no "cannot block a
 * synchronous task before returning" rule, nor thread.new-indirect and
 * the suspend/resume family (docs/P3.md, "Conformance"). */

/* poll-is-fine (sync-typed, sync-lifted, result u32): waitable-set.poll
 * of a new, empty set at 0 gives NONE and stores (0, 0); result 42. */
static uint32_t poll_is_fine(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)args;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t ws = 0u;
    uint32_t code = 99u;
    p3_expect_eq(sq_p3_waitable_set_new(t, &ws), SQ_OK);
    p3_expect_eq(sq_p3_waitable_set_poll(t, ws, 0u, &code), SQ_OK);
    p3_expect_eq(code, SQ_P3_EVENT_NONE);
    p3_expect_eq(p3_word(mem_b + 0), 0u);
    p3_expect_eq(p3_word(mem_b + 4), 0u);
    p3_put_word(mem_b + 16, 42u);
    return 16u;
}

/* yield-is-fine (sync-typed, sync-lifted, result u32): thread.yield
 * (not cancellable: 0), result 42. */
static uint32_t yield_is_fine(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)args;
    uint32_t cancelled = 99u;
    p3_expect_eq(sq_p3_thread_yield(sq_p3_task_thread(task), false, &cancelled), SQ_OK);
    p3_expect_eq(cancelled, 0u);
    p3_put_word(mem_b + 16, 42u);
    return 16u;
}

static const sq_p3_export_t poll_is_fine_export = {&inst_b, SQ_P3_LIFT_SYNC, false, NULL, &t_u32,
                                                   poll_is_fine, NULL, NULL};
static const sq_p3_export_t yield_is_fine_export = {&inst_b, SQ_P3_LIFT_SYNC, false, NULL,
                                                    &t_u32, yield_is_fine, NULL, NULL};

/* The invoke of a sync-typed export with a u32 result: RETURNED, 42. */
static const sq_p3_export_t *invoke_export;

static void invoke_expect_42(void)
{
    uint32_t word = 0u;
    SQ_CHECK_EQ(sq_p3_call(&ta, invoke_export, 0u, 8u, false, &word), SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 8), 42u);
    guest_done = true;
}

static void trap_if_block_and_sync_poll_is_fine(void **state)
{
    (void)state;
    reset();
    invoke_export = &poll_is_fine_export;
    run_guest(invoke_expect_42, false);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

static void trap_if_block_and_sync_yield_is_fine(void **state)
{
    (void)state;
    reset();
    invoke_export = &yield_is_fine_export;
    run_guest(invoke_expect_42, false);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    expect_all_given_back();
}

/* yield-is-fine-cb (async-typed, callback-lifted, result u32): the core
 * function returns YIELD with 0xdead in the set bits, which YIELD
 * ignores; the callback (NONE, 0, 0) calls task.return 42 and EXITs. The
 * invoke waits for the host's loop to run it. */
static uint32_t yield_is_fine_cb(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)task;
    (void)args;
    return SQ_CALLBACK_YIELD | (0xdeadu << 4);
}

static uint32_t return_42_cb(sq_p3_thread_t *t, uint32_t event, uint32_t index, uint32_t payload)
{
    p3_expect_eq(event, SQ_P3_EVENT_NONE);
    p3_expect_eq(index, 0u);
    p3_expect_eq(payload, 0u);
    p3_put_word(mem_b + 16, 42u);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 16u), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static const sq_p3_export_t yield_is_fine_cb_export = {
    &inst_b, SQ_P3_LIFT_CALLBACK, true, NULL, &t_u32, yield_is_fine_cb, NULL, &b_callbacks};

static void trap_if_block_and_sync_yield_is_fine_cb(void **state)
{
    (void)state;
    reset();
    b_cb = return_42_cb;
    invoke_export = &yield_is_fine_cb_export;
    run_guest(invoke_expect_42, true);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    expect_all_given_back();
}

/* trap-if-invalid-callback-code (async-typed, callback-lifted, u32
 * parameter): the core function returns the parameter | a new set's
 * index << 4. 3, 4 and 15, each on a fresh $Tester: "unsupported
 * callback code" (CALLBACK_CODE in b); the invoke fails, a is untouched. */
static uint32_t invalid_code(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    uint32_t ws = 0u;
    p3_expect_eq(sq_p3_waitable_set_new(sq_p3_task_thread(task), &ws), SQ_OK);
    return p3_word(mem_b + args) | (ws << 4);
}

static uint32_t unreachable_cb(sq_p3_thread_t *t, uint32_t event, uint32_t index, uint32_t payload)
{
    (void)t;
    (void)event;
    (void)index;
    (void)payload;
    p3_expect_eq(0u, 1u); /* never called */
    return SQ_CALLBACK_EXIT;
}

static const sq_p3_export_t invalid_code_export = {&inst_b, SQ_P3_LIFT_CALLBACK, true, &t_u32,
                                                   NULL, invalid_code, NULL, &b_callbacks};

static void invoke_invalid_code(void)
{
    uint32_t word = 0xffu;
    SQ_CHECK_EQ(sq_p3_call(&ta, &invalid_code_export, 16u, 0u, false, &word), SQ_ERR_STATE);
    SQ_CHECK_EQ(word, 0xffu);
    guest_done = true;
}

static void trap_if_block_and_sync_trap_if_invalid_callback_code(void **state)
{
    (void)state;
    static const uint32_t codes[] = {3u, 4u, 15u};
    for (uint32_t i = 0u; i < 3u; i++) {
        reset();
        b_cb = unreachable_cb;
        p3_put_word(mem_a + 16, codes[i]);
        run_guest(invoke_invalid_code, false);
        SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_CALLBACK_CODE);
        SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
        SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 0u);
        SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    }
}

/* ---- big-interleaving-test.wast, the calls ----------------------------
 * $Testee (instance a) calls $Mock's async-typed, callback-lifted exports
 * (instance b) with async lowers; $Driver's commands become the built-ins
 * $Testee's exports call (a fresh a and b for each run, which the .wast
 * shares between runs). A stream or future parameter: squall's calls do
 * not lift handles yet, so the embedder transfers the readable end into
 * b first and passes its index as a u32 (as in cancellable). Buffers at
 * 128 in both memories (the .wast's 128 and 256: the fixture's memories
 * are 256 bytes), events at 64 in a. */
#define BUF 128u
#define EVENTP 64u

/* $Mock.sink (param stream<u8>) and sink-future (param future<u8>, the
 * export's ctx non-NULL): a new set in context slot 0, an async read of 4
 * (1) at BUF that must block, task.return (nothing), the end joined to
 * the set, WAIT on it. The callback must see STREAM_READ (FUTURE_READ),
 * drops the end and the set and EXITs. The callback export is b's one
 * dispatch, so the task keeps the event it expects in context slot 1. */
static uint32_t mock_sink(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    bool future = ctx != NULL;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t in = p3_word(mem_b + args);
    uint32_t ws = 0u;
    uint32_t ret = 0u;
    p3_expect_eq(sq_p3_waitable_set_new(t, &ws), SQ_OK);
    p3_expect_eq(sq_p3_context_set(t, 0u, ws), SQ_OK);
    p3_expect_eq(sq_p3_context_set(t, 1u, future ? SQ_P3_EVENT_FUTURE_READ
                                                 : SQ_P3_EVENT_STREAM_READ),
                 SQ_OK);
    p3_expect_eq(future ? sq_p3_future_read(t, &t_u8, in, BUF, true, &ret)
                        : sq_p3_stream_read(t, &t_u8, in, BUF, 4u, true, &ret),
                 SQ_OK);
    p3_expect_eq(ret, SQ_P3_BLOCKED);
    p3_expect_eq(sq_p3_task_return(t, NULL, 0u), SQ_OK);
    p3_expect_eq(sq_p3_waitable_join(t, in, ws), SQ_OK);
    return SQ_CALLBACK_WAIT | (ws << 4);
}

static uint32_t mock_sink_cb(sq_p3_thread_t *t, uint32_t event, uint32_t index, uint32_t payload)
{
    (void)payload;
    uint32_t ws = 0u;
    uint32_t expect = 0u;
    p3_expect_eq(sq_p3_context_get(t, 1u, &expect), SQ_OK);
    p3_expect_eq(event, expect);
    p3_expect_eq(event == SQ_P3_EVENT_FUTURE_READ ? sq_p3_future_drop_readable(t, &t_u8, index)
                                                  : sq_p3_stream_drop_readable(t, &t_u8, index),
                 SQ_OK);
    p3_expect_eq(sq_p3_context_get(t, 0u, &ws), SQ_OK);
    p3_expect_eq(sq_p3_waitable_set_drop(t, ws), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static const sq_p3_export_t mock_sink_exports[] = {
    {&inst_b, SQ_P3_LIFT_CALLBACK, true, &t_u32, NULL, mock_sink, NULL, &b_callbacks},
    {&inst_b, SQ_P3_LIFT_CALLBACK, true, &t_u32, NULL, mock_sink, &inst_b, &b_callbacks},
};

/* $Testee.call-import (`future` false) / call-import-future: the async
 * lower of sink (sink-future) with the readable end `r` of a; the .wast
 * expects 2: RETURNED, no handle (the sink resolved before it blocked). */
static void call_import(uint32_t r, bool future)
{
    uint32_t in_b = 0u;
    uint32_t word = 0u;
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_b, &t_u8, r, &in_b), SQ_OK);
    p3_put_word(mem_a + 16, in_b);
    SQ_CHECK_EQ(sq_p3_call(&ta, &mock_sink_exports[future ? 1 : 0], 16u, 0u, true, &word),
                SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_RETURNED);
}

/* The host's loop runs the sinks' callbacks, `n` steps, then has nothing
 * left; nothing trapped and everything is given back. */
static void sinks_finish(uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    }
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    expect_all_given_back();
}

/* testee-write of 4 bytes from BUF (stream) or future-write (future) on
 * writable end `w` of a: the copy's result word. */
static uint32_t testee_write(uint32_t w, bool future)
{
    uint32_t ret = 0xffu;
    sq_status_t st = future ? sq_p3_future_write(&ta, &t_u8, w, BUF, true, &ret)
                            : sq_p3_stream_write(&ta, &t_u8, w, BUF, 4u, true, &ret);
    return st == SQ_OK ? ret : 0xffu;
}

/* The run "stream-new 2, call-import 2 (2), testee-write 2 of 4 bytes
 * (0x40: COMPLETED, 4), drop-writable 2"; the host's loop then runs the
 * sink's callback (STREAM_READ), which gives everything back. */
static void big_interleaving_test_run_call_import(void **state)
{
    (void)state;
    reset();
    b_cb = mock_sink_cb;
    uint32_t r = 0u;
    uint32_t w = 0u;
    p3_new(&ta, &t_u8, false, &r, &w);
    call_import(r, false);
    SQ_CHECK_EQ(testee_write(w, false), SQ_P3_COPY_COMPLETED | (4u << 4));
    SQ_CHECK_EQ(sq_p3_stream_drop_writable(&ta, &t_u8, w), SQ_OK);
    sinks_finish(1u);
}

/* The run "future-new 5, call-import-future 5 (2), future-write 5 (0:
 * COMPLETED), future-drop-writable 5"; then the loop runs sink-future's
 * callback (FUTURE_READ). */
static void big_interleaving_test_run_call_import_future(void **state)
{
    (void)state;
    reset();
    b_cb = mock_sink_cb;
    uint32_t r = 0u;
    uint32_t w = 0u;
    p3_new(&ta, &t_u8, true, &r, &w);
    call_import(r, true);
    SQ_CHECK_EQ(testee_write(w, true), SQ_P3_COPY_COMPLETED);
    SQ_CHECK_EQ(sq_p3_future_drop_writable(&ta, &t_u8, w), SQ_OK);
    sinks_finish(1u);
}

/* The run "stream-new 0 .. 4, call-import 0 .. 4 (2 each), testee-write
 * 2, 4, 0, 3, 1 of 4 bytes (0x40 each: every sink's read is pending),
 * drop-writable 0 .. 4": five sinks waiting at once. */
static void big_interleaving_test_run_five_call_imports(void **state)
{
    (void)state;
    reset();
    b_cb = mock_sink_cb;
    static const uint32_t order[] = {2u, 4u, 0u, 3u, 1u};
    uint32_t r[5];
    uint32_t w[5];
    for (uint32_t i = 0u; i < 5u; i++) {
        p3_new(&ta, &t_u8, false, &r[i], &w[i]);
    }
    for (uint32_t i = 0u; i < 5u; i++) {
        call_import(r[i], false);
    }
    for (uint32_t i = 0u; i < 5u; i++) {
        SQ_CHECK_EQ(testee_write(w[order[i]], false), SQ_P3_COPY_COMPLETED | (4u << 4));
    }
    for (uint32_t i = 0u; i < 5u; i++) {
        SQ_CHECK_EQ(sq_p3_stream_drop_writable(&ta, &t_u8, w[i]), SQ_OK);
    }
    sinks_finish(5u);
}

/* The run "stream-new 0, 1, future-new 2, 3, call-import 0,
 * call-import-future 2, call-import 1, call-import-future 3 (2 each),
 * future-write 2 (0), testee-write 0 (0x40), future-write 3 (0),
 * testee-write 1 (0x40), drop-writable 0, 1, future-drop-writable 2, 3". */
static void big_interleaving_test_run_mixed_call_imports(void **state)
{
    (void)state;
    reset();
    b_cb = mock_sink_cb;
    static const bool future[] = {false, false, true, true};
    static const uint32_t order[] = {0u, 2u, 1u, 3u};
    static const uint32_t writes[] = {2u, 0u, 3u, 1u};
    uint32_t r[4];
    uint32_t w[4];
    for (uint32_t i = 0u; i < 4u; i++) {
        p3_new(&ta, &t_u8, future[i], &r[i], &w[i]);
    }
    for (uint32_t i = 0u; i < 4u; i++) {
        call_import(r[order[i]], future[order[i]]);
    }
    for (uint32_t i = 0u; i < 4u; i++) {
        uint32_t s = writes[i];
        SQ_CHECK_EQ(testee_write(w[s], future[s]),
                    future[s] ? SQ_P3_COPY_COMPLETED : SQ_P3_COPY_COMPLETED | (4u << 4));
    }
    for (uint32_t i = 0u; i < 4u; i++) {
        SQ_CHECK_EQ(future[i] ? sq_p3_future_drop_writable(&ta, &t_u8, w[i])
                              : sq_p3_stream_drop_writable(&ta, &t_u8, w[i]),
                    SQ_OK);
    }
    sinks_finish(4u);
}

/* The runs that interleave the calls with $Testee's own copies, as
 * scripts of $Driver's commands: new (stream or future) in a slot,
 * call-import(-future) of its readable end (2, checked in call_import),
 * testee-write / future-write from BUF, testee-read / future-read of 4
 * (1) into READ_AT, poll of the writable end (its event and payload, as
 * p3_expect_event), drops; each with the code the .wast expects. */
#define READ_AT 160u
#define DONE4 (SQ_P3_COPY_COMPLETED | (4u << 4))

enum { OP_STREAM, OP_FUTURE, OP_CALL, OP_WRITE, OP_READ, OP_POLL, OP_DROP_W, OP_DROP_R };

typedef struct {
    uint8_t op;
    uint8_t slot;
    uint32_t expect;
} script_step_t;

static void run_script(const script_step_t *steps, uint32_t n, uint32_t sinks)
{
    uint32_t r[8] = {0u};
    uint32_t w[8] = {0u};
    bool fut[8] = {false};
    for (uint32_t i = 0u; i < n; i++) {
        const script_step_t *st = &steps[i];
        uint32_t k = st->slot;
        uint32_t ret = 0xffu;
        switch (st->op) {
        case OP_STREAM:
        case OP_FUTURE:
            fut[k] = st->op == OP_FUTURE;
            p3_new(&ta, &t_u8, fut[k], &r[k], &w[k]);
            break;
        case OP_CALL:
            call_import(r[k], fut[k]);
            break;
        case OP_WRITE:
            SQ_CHECK_EQ(testee_write(w[k], fut[k]), st->expect);
            break;
        case OP_READ:
            SQ_CHECK_EQ(fut[k] ? sq_p3_future_read(&ta, &t_u8, r[k], READ_AT, true, &ret)
                               : sq_p3_stream_read(&ta, &t_u8, r[k], READ_AT, 4u, true, &ret),
                        SQ_OK);
            SQ_CHECK_EQ(ret, st->expect);
            break;
        case OP_POLL:
            p3_expect_event(&ta, w[k], fut[k] ? SQ_P3_EVENT_FUTURE_WRITE : SQ_P3_EVENT_STREAM_WRITE,
                            st->expect);
            break;
        case OP_DROP_W:
            SQ_CHECK_EQ(fut[k] ? sq_p3_future_drop_writable(&ta, &t_u8, w[k])
                               : sq_p3_stream_drop_writable(&ta, &t_u8, w[k]),
                        SQ_OK);
            break;
        default:
            SQ_CHECK_EQ(fut[k] ? sq_p3_future_drop_readable(&ta, &t_u8, r[k])
                               : sq_p3_stream_drop_readable(&ta, &t_u8, r[k]),
                        SQ_OK);
            break;
        }
    }
    sinks_finish(sinks);
}

/* The run with slots 9 and 10 (0 and 1 here): a sink on 9; a's write on
 * 10 blocks (-1) until a's own read (0x40), the write on 9 completes at
 * once (0x40); 10's writer then has STREAM_WRITE 0x40. */
static void big_interleaving_test_run_call_import_and_local_stream(void **state)
{
    (void)state;
    static const script_step_t run[] = {
        {OP_STREAM, 0u, 0u},   {OP_STREAM, 1u, 0u},
        {OP_CALL, 0u, 0u},     {OP_WRITE, 1u, SQ_P3_BLOCKED},
        {OP_WRITE, 0u, DONE4}, {OP_READ, 1u, DONE4},
        {OP_DROP_W, 0u, 0u},   {OP_POLL, 1u, DONE4},
        {OP_DROP_W, 1u, 0u},   {OP_DROP_R, 1u, 0u},
    };
    reset();
    b_cb = mock_sink_cb;
    run_script(run, sizeof run / sizeof run[0], 1u);
}

/* The run with seven streams: sinks on 0, 1, 2; a's writes and reads on
 * 3 .. 6 between the writes to the sinks. The .wast leaves 3 .. 6; here
 * they are dropped at the end, to check that everything is given back. */
static void big_interleaving_test_run_three_sinks_four_local_streams(void **state)
{
    (void)state;
    static const script_step_t run[] = {
        {OP_STREAM, 0u, 0u},   {OP_STREAM, 1u, 0u},           {OP_STREAM, 2u, 0u},
        {OP_STREAM, 3u, 0u},   {OP_STREAM, 4u, 0u},           {OP_STREAM, 5u, 0u},
        {OP_STREAM, 6u, 0u},   {OP_CALL, 0u, 0u},             {OP_CALL, 1u, 0u},
        {OP_CALL, 2u, 0u},     {OP_WRITE, 3u, SQ_P3_BLOCKED}, {OP_WRITE, 4u, SQ_P3_BLOCKED},
        {OP_WRITE, 1u, DONE4}, {OP_WRITE, 5u, SQ_P3_BLOCKED}, {OP_WRITE, 6u, SQ_P3_BLOCKED},
        {OP_READ, 5u, DONE4},  {OP_WRITE, 0u, DONE4},         {OP_READ, 3u, DONE4},
        {OP_READ, 6u, DONE4},  {OP_WRITE, 2u, DONE4},         {OP_READ, 4u, DONE4},
        {OP_POLL, 3u, DONE4},  {OP_POLL, 4u, DONE4},          {OP_POLL, 5u, DONE4},
        {OP_POLL, 6u, DONE4},  {OP_DROP_W, 0u, 0u},           {OP_DROP_W, 1u, 0u},
        {OP_DROP_W, 2u, 0u},   {OP_DROP_W, 3u, 0u},           {OP_DROP_R, 3u, 0u},
        {OP_DROP_W, 4u, 0u},   {OP_DROP_R, 4u, 0u},           {OP_DROP_W, 5u, 0u},
        {OP_DROP_R, 5u, 0u},   {OP_DROP_W, 6u, 0u},           {OP_DROP_R, 6u, 0u},
    };
    reset();
    b_cb = mock_sink_cb;
    run_script(run, sizeof run / sizeof run[0], 3u);
}

/* The run with eight slots: sinks on streams 0, 1 and futures 2, 3; a's
 * own streams 4, 5 and futures 6, 7 written (blocked) and read between
 * the writes to the sinks; a's future writers then have FUTURE_WRITE 0.
 * Streams 4 and 5, which the .wast leaves, are dropped at the end. */
static void big_interleaving_test_run_four_sinks_four_local_ends(void **state)
{
    (void)state;
    static const script_step_t run[] = {
        {OP_STREAM, 0u, 0u},
        {OP_STREAM, 1u, 0u},
        {OP_FUTURE, 2u, 0u},
        {OP_FUTURE, 3u, 0u},
        {OP_STREAM, 4u, 0u},
        {OP_STREAM, 5u, 0u},
        {OP_FUTURE, 6u, 0u},
        {OP_FUTURE, 7u, 0u},
        {OP_CALL, 0u, 0u},
        {OP_CALL, 2u, 0u},
        {OP_CALL, 1u, 0u},
        {OP_CALL, 3u, 0u},
        {OP_WRITE, 4u, SQ_P3_BLOCKED},
        {OP_WRITE, 6u, SQ_P3_BLOCKED},
        {OP_WRITE, 5u, SQ_P3_BLOCKED},
        {OP_WRITE, 7u, SQ_P3_BLOCKED},
        {OP_WRITE, 2u, SQ_P3_COPY_COMPLETED},
        {OP_READ, 4u, DONE4},
        {OP_WRITE, 0u, DONE4},
        {OP_READ, 6u, SQ_P3_COPY_COMPLETED},
        {OP_WRITE, 3u, SQ_P3_COPY_COMPLETED},
        {OP_READ, 5u, DONE4},
        {OP_WRITE, 1u, DONE4},
        {OP_READ, 7u, SQ_P3_COPY_COMPLETED},
        {OP_POLL, 4u, DONE4},
        {OP_POLL, 5u, DONE4},
        {OP_POLL, 6u, SQ_P3_COPY_COMPLETED},
        {OP_POLL, 7u, SQ_P3_COPY_COMPLETED},
        {OP_DROP_W, 6u, 0u},
        {OP_DROP_R, 6u, 0u},
        {OP_DROP_W, 7u, 0u},
        {OP_DROP_R, 7u, 0u},
        {OP_DROP_W, 0u, 0u},
        {OP_DROP_W, 1u, 0u},
        {OP_DROP_W, 2u, 0u},
        {OP_DROP_W, 3u, 0u},
        {OP_DROP_W, 4u, 0u},
        {OP_DROP_R, 4u, 0u},
        {OP_DROP_W, 5u, 0u},
        {OP_DROP_R, 5u, 0u},
    };
    reset();
    b_cb = mock_sink_cb;
    run_script(run, sizeof run / sizeof run[0], 4u);
}

/* $Mock.block-empty: a new set in context slot 0, WAIT on it (empty, so
 * only a cancellation ends it); the callback must see TASK_CANCELLED,
 * calls task.cancel, drops the set and EXITs. */
static uint32_t mock_block_empty(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)args;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t ws = 0u;
    p3_expect_eq(sq_p3_waitable_set_new(t, &ws), SQ_OK);
    p3_expect_eq(sq_p3_context_set(t, 0u, ws), SQ_OK);
    return SQ_CALLBACK_WAIT | (ws << 4);
}

static uint32_t mock_block_empty_cb(sq_p3_thread_t *t, uint32_t event, uint32_t index,
                                    uint32_t payload)
{
    (void)index;
    (void)payload;
    uint32_t ws = 0u;
    p3_expect_eq(event, SQ_P3_EVENT_TASK_CANCELLED);
    p3_expect_eq(sq_p3_task_cancel(t), SQ_OK);
    p3_expect_eq(sq_p3_context_get(t, 0u, &ws), SQ_OK);
    p3_expect_eq(sq_p3_waitable_set_drop(t, ws), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static const sq_p3_export_t mock_block_empty_export = {
    &inst_b, SQ_P3_LIFT_CALLBACK, true, NULL, NULL, mock_block_empty, NULL, &b_callbacks};

/* $Testee.call-block-empty: the async lower; returns the state (the
 * .wast's expect-code), the subtask index into `*sub`. */
static uint32_t call_block_empty(uint32_t *sub)
{
    uint32_t word = 0xffu;
    if (sq_p3_call(&ta, &mock_block_empty_export, 0u, 0u, true, &word) != SQ_OK) {
        return 0xffu;
    }
    *sub = word >> 4;
    return word & 0xfu;
}

/* $Testee.subtask-cancel (async): the cancel's result word. */
static uint32_t subtask_cancel(uint32_t sub)
{
    uint32_t word = 0xffu;
    if (sq_p3_subtask_cancel(&ta, sub, true, &word) != SQ_OK) {
        return 0xffu;
    }
    return word;
}

/* The run "call-block-empty 0 (1: STARTED), subtask-cancel 0 (4:
 * CANCELLED_BEFORE_RETURNED, the callee's callback having run inside the
 * cancel), subtask-drop 0". */
static void big_interleaving_test_run_block_empty_cancel(void **state)
{
    (void)state;
    reset();
    b_cb = mock_block_empty_cb;
    uint32_t sub = 0u;
    SQ_CHECK_EQ(call_block_empty(&sub), SQ_P3_SUBTASK_STARTED);
    SQ_CHECK_EQ(subtask_cancel(sub), SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, sub), SQ_OK);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    expect_all_given_back();
}

/* The run "call-block-empty 0 (1), subtask-drop 0": "cannot drop a
 * subtask which has not yet resolved" (SUBTASK_UNRESOLVED in a). */
static void big_interleaving_test_run_block_empty_drop_unresolved(void **state)
{
    (void)state;
    reset();
    b_cb = mock_block_empty_cb;
    uint32_t sub = 0u;
    SQ_CHECK_EQ(call_block_empty(&sub), SQ_P3_SUBTASK_STARTED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, sub), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_SUBTASK_UNRESOLVED);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
}

/* The run "call-block-empty 0, 1, 2 (1 each), subtask-cancel 2, 0, 1 (4
 * each), subtask-drop 0, 1, 2": three tasks parked at once, each with
 * its own set in its own context slot. */
static void big_interleaving_test_run_three_block_empty_cancel(void **state)
{
    (void)state;
    reset();
    b_cb = mock_block_empty_cb;
    static const uint32_t order[] = {2u, 0u, 1u};
    uint32_t sub[3] = {0u, 0u, 0u};
    for (uint32_t i = 0u; i < 3u; i++) {
        SQ_CHECK_EQ(call_block_empty(&sub[i]), SQ_P3_SUBTASK_STARTED);
    }
    for (uint32_t i = 0u; i < 3u; i++) {
        SQ_CHECK_EQ(subtask_cancel(sub[order[i]]), SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED);
    }
    for (uint32_t i = 0u; i < 3u; i++) {
        SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, sub[i]), SQ_OK);
    }
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    expect_all_given_back();
}

/* $Mock.block-future (param future<u8>): a new set in context slot 0, an
 * async read at BUF that must block, the end joined, WAIT; the callback
 * must see FUTURE_READ, drops the end and the set, task.return, EXIT. */
static uint32_t mock_block_future(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t in = p3_word(mem_b + args);
    uint32_t ws = 0u;
    uint32_t ret = 0u;
    p3_expect_eq(sq_p3_waitable_set_new(t, &ws), SQ_OK);
    p3_expect_eq(sq_p3_context_set(t, 0u, ws), SQ_OK);
    p3_expect_eq(sq_p3_future_read(t, &t_u8, in, BUF, true, &ret), SQ_OK);
    p3_expect_eq(ret, SQ_P3_BLOCKED);
    p3_expect_eq(sq_p3_waitable_join(t, in, ws), SQ_OK);
    return SQ_CALLBACK_WAIT | (ws << 4);
}

static uint32_t mock_block_future_cb(sq_p3_thread_t *t, uint32_t event, uint32_t index,
                                     uint32_t payload)
{
    (void)payload;
    uint32_t ws = 0u;
    p3_expect_eq(event, SQ_P3_EVENT_FUTURE_READ);
    p3_expect_eq(sq_p3_future_drop_readable(t, &t_u8, index), SQ_OK);
    p3_expect_eq(sq_p3_context_get(t, 0u, &ws), SQ_OK);
    p3_expect_eq(sq_p3_waitable_set_drop(t, ws), SQ_OK);
    p3_expect_eq(sq_p3_task_return(t, NULL, 0u), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static const sq_p3_export_t mock_block_future_export = {
    &inst_b, SQ_P3_LIFT_CALLBACK, true, &t_u32, NULL, mock_block_future, NULL, &b_callbacks};

/* The run "future-new 0, call-block-future (fut 0, sub 0) (1), future-write
 * 0 (0), await-subtask (sub 0, state 2), future-drop-writable 0".
 * await-subtask (an async-typed stackful export of $Testee: here a's
 * kernel thread) joins the subtask to a new set and waits, while the
 * host's loop runs block-future's callback: SUBTASK, (subtask, RETURNED)
 * at EVENTP; then it leaves the set, drops it and the subtask. */
static void run_block_future_await(void)
{
    uint32_t r = 0u;
    uint32_t w = 0u;
    uint32_t in_b = 0u;
    uint32_t word = 0u;
    uint32_t ret = 0u;
    uint32_t ws = 0u;
    uint32_t code = 0u;
    p3_new(&ta, &t_u8, true, &r, &w);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_b, &t_u8, r, &in_b), SQ_OK);
    p3_put_word(mem_a + 16, in_b);
    SQ_CHECK_EQ(sq_p3_call(&ta, &mock_block_future_export, 16u, 0u, true, &word), SQ_OK);
    SQ_CHECK_EQ(word & 0xfu, SQ_P3_SUBTASK_STARTED);
    uint32_t sub = word >> 4;
    SQ_CHECK_EQ(sq_p3_future_write(&ta, &t_u8, w, BUF, true, &ret), SQ_OK);
    SQ_CHECK_EQ(ret, SQ_P3_COPY_COMPLETED);
    /* await-subtask */
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, sub, ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, ws, EVENTP, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_SUBTASK);
    SQ_CHECK_EQ(p3_word(mem_a + EVENTP), sub);
    SQ_CHECK_EQ(p3_word(mem_a + EVENTP + 4u), SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, sub, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, ws), SQ_OK);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, sub), SQ_OK);
    SQ_CHECK_EQ(sq_p3_future_drop_writable(&ta, &t_u8, w), SQ_OK);
    guest_done = true;
}

static void big_interleaving_test_run_block_future_await(void **state)
{
    (void)state;
    reset();
    b_cb = mock_block_future_cb;
    run_guest(run_block_future_await, true);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    expect_all_given_back();
}

/* $Mock.bp-inc / bp-dec (sync-typed, sync-lifted): backpressure.inc /
 * .dec in b. $Testee's mock-bp-inc/-dec sync-lower them: a sync lower
 * from a here (the kernel thread), which a sync-typed export's entry lets
 * past the backpressure it set itself. */
static uint32_t mock_bp_inc(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)args;
    p3_expect_eq(sq_p3_backpressure_inc(sq_p3_task_thread(task)), SQ_OK);
    return 0u;
}

static uint32_t mock_bp_dec(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    (void)args;
    p3_expect_eq(sq_p3_backpressure_dec(sq_p3_task_thread(task)), SQ_OK);
    return 0u;
}

static const sq_p3_export_t mock_bp_inc_export = {&inst_b, SQ_P3_LIFT_SYNC, false, NULL, NULL,
                                                  mock_bp_inc, NULL, NULL};
static const sq_p3_export_t mock_bp_dec_export = {&inst_b, SQ_P3_LIFT_SYNC, false, NULL, NULL,
                                                  mock_bp_dec, NULL, NULL};

static void mock_bp(const sq_p3_export_t *ex)
{
    uint32_t word = 0u;
    SQ_CHECK_EQ(sq_p3_call(&ta, ex, 0u, 0u, false, &word), SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_RETURNED);
}

/* A call kept out by backpressure: call-block-empty (0: STARTING),
 * subtask-cancel (3: CANCELLED_BEFORE_STARTED, never entered),
 * subtask-drop. */
static void block_empty_kept_out(void)
{
    uint32_t sub = 0u;
    SQ_CHECK_EQ(call_block_empty(&sub), SQ_P3_SUBTASK_STARTING);
    SQ_CHECK_EQ(subtask_cancel(sub), SQ_P3_SUBTASK_CANCELLED_BEFORE_STARTED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, sub), SQ_OK);
}

/* The two backpressure runs, one after the other as in the .wast:
 * "mock-bp-inc, call-block-empty 0 (0), subtask-cancel 0 (3),
 * subtask-drop 0, mock-bp-dec", then "mock-bp-inc twice, the same with
 * sub 0, mock-bp-dec, the same with sub 1 (still 0 and 3: one inc
 * left), mock-bp-dec". */
static void run_backpressure(void)
{
    mock_bp(&mock_bp_inc_export);
    block_empty_kept_out();
    mock_bp(&mock_bp_dec_export);
    mock_bp(&mock_bp_inc_export);
    mock_bp(&mock_bp_inc_export);
    block_empty_kept_out();
    mock_bp(&mock_bp_dec_export);
    block_empty_kept_out();
    mock_bp(&mock_bp_dec_export);
    guest_done = true;
}

static void big_interleaving_test_run_backpressure_cancel(void **state)
{
    (void)state;
    reset();
    b_cb = unreachable_cb;
    run_guest(run_backpressure, false);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    expect_all_given_back();
}

SQ_TEST_MAIN(SQ_TEST(builtin_trap_poisons_instance_unreachable_f),
             SQ_TEST(builtin_trap_poisons_instance_builtin_trap_f),
             SQ_TEST(trap_if_block_and_sync_poll_is_fine),
             SQ_TEST(trap_if_block_and_sync_yield_is_fine),
             SQ_TEST(trap_if_block_and_sync_yield_is_fine_cb),
             SQ_TEST(trap_if_block_and_sync_trap_if_invalid_callback_code),
             SQ_TEST(big_interleaving_test_run_call_import),
             SQ_TEST(big_interleaving_test_run_call_import_future),
             SQ_TEST(big_interleaving_test_run_five_call_imports),
             SQ_TEST(big_interleaving_test_run_mixed_call_imports),
             SQ_TEST(big_interleaving_test_run_call_import_and_local_stream),
             SQ_TEST(big_interleaving_test_run_three_sinks_four_local_streams),
             SQ_TEST(big_interleaving_test_run_four_sinks_four_local_ends),
             SQ_TEST(big_interleaving_test_run_block_empty_cancel),
             SQ_TEST(big_interleaving_test_run_block_empty_drop_unresolved),
             SQ_TEST(big_interleaving_test_run_three_block_empty_cancel),
             SQ_TEST(big_interleaving_test_run_block_future_await),
             SQ_TEST(big_interleaving_test_run_backpressure_cancel))
