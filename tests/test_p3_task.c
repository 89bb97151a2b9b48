/*
 * The P3 control plane's built-ins (src/p3/task.c): async calls from
 * instance a into callback- and sync-lifted exports of instance b, the
 * lower result, task.return into the caller's retptr, SUBTASK events and
 * subtask.drop, backpressure and the entry queue, the callback loop, and
 * each trap with its reason in the instance that broke the rule. No
 * kernel thread is needed: the loop is stepped by the test.
 */
#include <squall/p3_task.h>
#include <squall/thread.h>
#include "sq_p3_fixture.h"

#define TASKS 4u
#define STACK 4096u
SQ_THREAD_DEFINE(th_caller, STACK);
SQ_THREAD_DEFINE(th_loop, STACK);
SQ_THREAD_DEFINE(th_worker, STACK);
static sq_thread_t *const workers[] = {&th_worker};
SQ_P3_TASKS_DEFINE(p3_tasks, TASKS);
SQ_CALLBACK_TABLE_DEFINE(b_callbacks, 7u);

/* b's realloc: a bump allocator from offset 64 (4-aligned). */
static uint32_t b_next;
static uint32_t b_realloc(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                          uint32_t new_size)
{
    (void)ctx;
    (void)old_ptr;
    (void)old_size;
    uint32_t at = (b_next + align - 1u) & ~(align - 1u);
    b_next = at + new_size;
    return at;
}

/* What b's core code and callback do, chosen per test. */
static uint32_t (*b_core)(sq_p3_task_t *task, uint32_t args);
static uint32_t (*b_callback)(sq_p3_thread_t *t, const sq_wait_event_t *ev);
/* Every core-function entry and callback, in order: the argument word or
 * the event code. */
static uint32_t trail[16];
static uint32_t trail_n;

static uint32_t core_entry(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    trail[trail_n++ % 16u] = p3_word(mem_b + args);
    return b_core(task, args);
}

static uint32_t callback_entry(void *ctx, const sq_wait_event_t *ev)
{
    (void)ctx;
    trail[trail_n++ % 16u] = ev->code;
    return b_callback(sq_p3_current(&inst_b), ev);
}

static sq_p3_export_t b_export = {&inst_b, SQ_P3_LIFT_CALLBACK, true, &t_u32, &t_u32,
                                  core_entry, NULL, &b_callbacks};

static void reset(void)
{
    memset(p3_tasks, 0, sizeof p3_tasks);
    p3_reset();
    SQ_CHECK_EQ(sq_p3_runtime_tasks(&p3_rt, p3_tasks, p3_tasks_ready, TASKS), SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_set_realloc(&inst_b, b_realloc, NULL), SQ_OK);
    b_next = 64u;
    trail_n = 0u;
    b_export.lift = SQ_P3_LIFT_CALLBACK;
    b_export.result = &t_u32;
    SQ_CHECK_EQ(sq_p3_runtime_workers(&p3_rt, workers, 1u, 3u), SQ_OK);
    if (b_callbacks.sealed == 0u) {
        for (uint32_t code = SQ_WAIT_EVENT_NONE; code <= SQ_WAIT_EVENT_CANCELLED; code++) {
            SQ_CHECK_EQ(sq_callback_register(&b_callbacks, code, SQ_CALLBACK_ANY_ID,
                                             callback_entry, NULL),
                        SQ_OK);
        }
        SQ_CHECK_EQ(sq_callback_seal(&b_callbacks), SQ_OK);
    }
}

/* a calls b's export with argument `arg` (at a[16 + 4 * (arg % 4)]:
 * a waiting call's parameters are read when it enters), the result to
 * a[32]. */
static sq_status_t call(uint32_t arg, uint32_t *word)
{
    uint32_t at = 16u + 4u * (arg % 4u);
    p3_put_word(mem_a + at, arg);
    return sq_p3_call(&ta, &b_export, at, 32u, true, word);
}

/* Core codes: return twice the argument at once, then EXIT. */
static uint32_t core_double(sq_p3_task_t *task, uint32_t args)
{
    p3_put_word(mem_b + 8, 2u * p3_word(mem_b + args));
    p3_expect_eq(sq_p3_task_return(sq_p3_task_thread(task), &t_u32, 8u), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

/* The loop has nothing ready. */
static void loop_idle(void)
{
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_ERR_EMPTY);
}

/* The lower result RETURNED, no handle; the result in the caller's
 * retptr, lifted from the callee's memory; nothing left anywhere. */
static void returns_at_once(void **state)
{
    (void)state;
    reset();
    b_core = core_double;
    uint32_t word = 0u;
    SQ_CHECK_EQ(call(21u, &word), SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 42u);
    /* The argument went through b's realloc: at 64. */
    SQ_CHECK_EQ(p3_word(mem_b + 64), 21u);
    SQ_CHECK_EQ(trail_n, 1u);
    SQ_CHECK_EQ(trail[0], 21u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 0u);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    SQ_CHECK(sq_p3_current(&inst_b) == NULL);
    loop_idle();
    /* Again: the task went back to the pool. */
    for (uint32_t i = 0u; i < 2u * TASKS; i++) {
        SQ_CHECK_EQ(call(i, &word), SQ_OK);
        SQ_CHECK_EQ(word, SQ_P3_SUBTASK_RETURNED);
        SQ_CHECK_EQ(p3_word(mem_a + 32), 2u * i);
    }
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
}

/* b's core code starts a read of a stream whose writable end the test
 * keeps in b, and waits on a set; the callback returns the bytes read. */
static uint32_t b_set, b_r, b_w;
static uint32_t core_wait_read(sq_p3_task_t *task, uint32_t args)
{
    (void)args;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t result = 0u;
    p3_expect_eq(sq_p3_waitable_set_new(t, &b_set), SQ_OK);
    p3_new(t, &t_u8, false, &b_r, &b_w);
    p3_expect_eq(sq_p3_waitable_join(t, b_r, b_set), SQ_OK);
    p3_expect_eq(sq_p3_stream_read(t, &t_u8, b_r, 100u, 4u, true, &result), SQ_OK);
    p3_expect_eq(result, SQ_P3_BLOCKED);
    return SQ_CALLBACK_WAIT | (b_set << 4);
}

static uint32_t callback_return_read(sq_p3_thread_t *t, const sq_wait_event_t *ev)
{
    p3_expect_eq(t != NULL, 1u);
    p3_expect_eq(ev->join_id, b_r);
    p3_expect_eq(ev->payload, SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, 4u));
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 100u), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

/* Write 4 bytes into b's stream from outside (b's embedder thread). */
static void feed_b(uint32_t value)
{
    uint32_t result = 0u;
    p3_put_word(mem_b + 120, value);
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, b_w, 120u, 4u, true, &result), SQ_OK);
    SQ_CHECK_EQ(result, SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, 4u));
}

/* A fresh runtime, then a's call into b's export that waits for its
 * stream's read (core_wait_read), `callback` answering its events: the
 * lower result, STARTED | 1 << 4 while b waits. */
static uint32_t call_waiting_read(uint32_t (*callback)(sq_p3_thread_t *t,
                                                       const sq_wait_event_t *ev))
{
    reset();
    b_core = core_wait_read;
    b_callback = callback;
    uint32_t word = 0u;
    p3_expect_eq((uint32_t)call(5u, &word), (uint32_t)SQ_OK);
    return word;
}

/* STARTED with a handle (0x11: subtask 1), the callee parked on its set;
 * its stream's event makes it ready, the loop calls its callback with
 * (STREAM_READ, r, COMPLETED | 4 << 4), task.return reaches a's retptr
 * and a SUBTASK event says RETURNED. drop-subtask.wast: drop before the
 * delivery traps, after it frees the handle. */
static void started_then_returned(void **state)
{
    (void)state;
    uint32_t word = call_waiting_read(callback_return_read);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_STARTED | (1u << 4));
    loop_idle();
    /* The parked task counts as a waiter of its set. */
    feed_b(0xa1b2c3d4u);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    SQ_CHECK_EQ(trail_n, 2u);
    SQ_CHECK_EQ(trail[1], SQ_P3_EVENT_STREAM_READ);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 0xa1b2c3d4u);
    loop_idle();
    /* The task has exited; the subtask holds it until dropped. */
    SQ_CHECK_EQ(p3_rt.tasks.used, 1u);
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_SUBTASK, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 0u);
    /* The index is free again. */
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_BAD_HANDLE);
}

/* A WAIT's event whose channel has a copy running unlocked (as a long
 * guest-to-guest move leaves it, marked here) is taken once the copy is
 * over: sq_p3_loop_step leaves the task ready and says SQ_ERR_AGAIN, and
 * no callback runs meanwhile; then the event and its count as usual. */
static void loop_step_waits_for_move(void **state)
{
    (void)state;
    SQ_CHECK_EQ(call_waiting_read(callback_return_read), 0x11u);
    feed_b(0xa1b2c3d4u);
    void *object = NULL;
    uint32_t kind = 0u;
    SQ_CHECK_EQ(sq_p3_handle_get(&inst_b.handles, b_r, SQ_P3_KINDS_WAITABLE, &object, &kind),
                SQ_OK);
    sq_p3_channel_t *ch = ((sq_p3_end_t *)object)->channel;
    ch->moving = SQ_P3_MOVE_RUNNING;
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_ERR_AGAIN);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_ERR_AGAIN);
    SQ_CHECK_EQ(trail_n, 1u);
    ch->moving = SQ_P3_MOVE_NONE;
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    SQ_CHECK_EQ(trail_n, 2u);
    SQ_CHECK_EQ(trail[1], SQ_P3_EVENT_STREAM_READ);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 0xa1b2c3d4u);
    loop_idle();
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_SUBTASK, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

static void drop_before_delivery_traps(void **state)
{
    (void)state;
    uint32_t word = call_waiting_read(callback_return_read);
    SQ_CHECK_EQ(word, 0x11u);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_SUBTASK_UNRESOLVED);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
}

/* The same, resolved but not yet delivered: drop still traps. */
static void drop_resolved_undelivered_traps(void **state)
{
    (void)state;
    SQ_CHECK_EQ(call_waiting_read(callback_return_read), 0x11u);
    feed_b(1u);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_SUBTASK_UNRESOLVED);
}

/* A subtask is a waitable: a's set gets its event; the payload is the
 * state at delivery (STARTED went by unseen: STARTING to RETURNED is
 * allowed, not here since the call started at once). */
static void subtask_event_in_set(void **state)
{
    (void)state;
    reset();
    b_core = core_wait_read;
    b_callback = callback_return_read;
    uint32_t word = 0u;
    uint32_t s = 0u;
    uint32_t code = 99u;
    SQ_CHECK_EQ(call(5u, &word), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    SQ_CHECK_EQ(s, 2u);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, 1u, s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&ta, s, P3_EVENT_AT, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_NONE);
    feed_b(7u);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&ta, s, P3_EVENT_AT, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_SUBTASK);
    SQ_CHECK_EQ(p3_word(mem_a + P3_EVENT_AT), 1u);
    SQ_CHECK_EQ(p3_word(mem_a + P3_EVENT_AT + 4), SQ_P3_SUBTASK_RETURNED);
    /* Delivered once. */
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&ta, s, P3_EVENT_AT, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_NONE);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, s), SQ_OK);
}

/* A callback that yields once, then returns its event count. */
static uint32_t yields;
static uint32_t core_yield(sq_p3_task_t *task, uint32_t args)
{
    (void)task;
    (void)args;
    yields = 0u;
    return SQ_CALLBACK_YIELD | 0x50u; /* YIELD ignores the upper bits */
}

static uint32_t callback_yield_then_return(sq_p3_thread_t *t, const sq_wait_event_t *ev)
{
    p3_expect_eq(ev->code, SQ_P3_EVENT_NONE);
    p3_expect_eq(ev->join_id, 0u);
    p3_expect_eq(ev->payload, 0u);
    if (++yields < 3u) {
        return SQ_CALLBACK_YIELD;
    }
    p3_put_word(mem_b + 8, yields);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 8u), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static void yield_rounds(void **state)
{
    (void)state;
    reset();
    b_core = core_yield;
    b_callback = callback_yield_then_return;
    uint32_t word = 0u;
    SQ_CHECK_EQ(call(1u, &word), SQ_OK);
    SQ_CHECK_EQ(word, 0x11u);
    for (uint32_t i = 0u; i < 3u; i++) {
        SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    }
    loop_idle();
    SQ_CHECK_EQ(p3_word(mem_a + 32), 3u);
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_SUBTASK, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
}

/* Backpressure and the entry queue (CP01, CP02): while b's counter is
 * above 0 calls wait (STARTING, 0x10 and 0x20); at 0 the oldest is let
 * in through the loop; a new call never overtakes a waiting one. Each
 * subtask's event says RETURNED: STARTED went by undelivered. */
static void backpressure_queue(void **state)
{
    (void)state;
    reset();
    b_core = core_double;
    uint32_t w1 = 0u;
    uint32_t w2 = 0u;
    uint32_t w3 = 0u;
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    SQ_CHECK_EQ(call(1u, &w1), SQ_OK);
    SQ_CHECK_EQ(w1, SQ_P3_SUBTASK_STARTING | (1u << 4));
    SQ_CHECK_EQ(sq_p3_backpressure_dec(&tb), SQ_OK);
    SQ_CHECK_EQ(call(2u, &w2), SQ_OK);
    SQ_CHECK_EQ(w2, SQ_P3_SUBTASK_STARTING | (2u << 4));
    loop_idle();
    SQ_CHECK_EQ(trail_n, 0u);
    SQ_CHECK_EQ(sq_p3_backpressure_dec(&tb), SQ_OK);
    /* Let in, not yet entered: a new call still queues behind. */
    SQ_CHECK_EQ(call(3u, &w3), SQ_OK);
    SQ_CHECK_EQ(w3, SQ_P3_SUBTASK_STARTING | (3u << 4));
    for (uint32_t i = 0u; i < 3u; i++) {
        SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    }
    loop_idle();
    SQ_CHECK_EQ(trail_n, 3u);
    SQ_CHECK_EQ(trail[0], 1u);
    SQ_CHECK_EQ(trail[1], 2u);
    SQ_CHECK_EQ(trail[2], 3u);
    for (uint32_t i = 1u; i <= 3u; i++) {
        p3_expect_event(&ta, i, SQ_P3_EVENT_SUBTASK, SQ_P3_SUBTASK_RETURNED);
        SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, i), SQ_OK);
    }
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* A waiting call's caller sees STARTED as its own event when the call
 * enters and parks. */
static void started_event(void **state)
{
    (void)state;
    reset();
    b_core = core_yield;
    b_callback = callback_yield_then_return;
    uint32_t word = 0u;
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    SQ_CHECK_EQ(call(1u, &word), SQ_OK);
    SQ_CHECK_EQ(word, 0x10u);
    SQ_CHECK_EQ(sq_p3_backpressure_dec(&tb), SQ_OK);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_SUBTASK, SQ_P3_SUBTASK_STARTED);
    /* STARTED delivered: not a resolution, drop still traps later. */
    for (uint32_t i = 0u; i < 3u; i++) {
        SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    }
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_SUBTASK, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
}

/* backpressure.dec below 0 and inc to 2^16 trap BACKPRESSURE. */
static void backpressure_limits(void **state)
{
    (void)state;
    reset();
    SQ_CHECK_EQ(sq_p3_backpressure_dec(&tb), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_BACKPRESSURE);
    reset();
    for (uint32_t i = 0u; i < SQ_GATE_COUNTER_MAX; i++) {
        SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    }
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_BACKPRESSURE);
    /* backpressure.* do not check may_leave. */
    reset();
    SQ_CHECK_EQ(sq_p3_instance_set_may_leave(&inst_b, false), SQ_OK);
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    SQ_CHECK_EQ(sq_p3_backpressure_dec(&tb), SQ_OK);
}

/* Core codes that break a rule: a code of 3 .. 15, EXIT unresolved,
 * task.return twice or of another type, WAIT on a non-set. */
static uint32_t bad_code;
static uint32_t core_bad_code(sq_p3_task_t *task, uint32_t args)
{
    (void)task;
    (void)args;
    return bad_code;
}

static uint32_t core_return_twice(sq_p3_task_t *task, uint32_t args)
{
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, args), SQ_OK);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, args), SQ_ERR_TRAP);
    return SQ_CALLBACK_EXIT;
}

static uint32_t core_return_wrong_type(sq_p3_task_t *task, uint32_t args)
{
    p3_expect_eq(sq_p3_task_return(sq_p3_task_thread(task), &t_u8, args), SQ_ERR_TRAP);
    return SQ_CALLBACK_EXIT;
}

/* The callee traps; the caller is untouched (SQ_ERR_STATE, no handle)
 * and its next call into b traps CANNOT_ENTER in a
 * (builtin-trap-poisons-instance.wast). */
static void callee_trap(uint32_t (*core)(sq_p3_task_t *, uint32_t), sq_p3_trap_t reason)
{
    reset();
    b_core = core;
    uint32_t word = 0x99u;
    SQ_CHECK_EQ(call(1u, &word), SQ_ERR_STATE);
    SQ_CHECK_EQ(word, 0x99u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), reason);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 0u);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    SQ_CHECK(sq_p3_current(&inst_b) == NULL);
    loop_idle();
    SQ_CHECK_EQ(call(1u, &word), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_CANNOT_ENTER);
}

static void callee_traps(void **state)
{
    (void)state;
    /* trap-if-block-and-sync.wast: callback codes 3, 4 and 15 trap. */
    static const uint32_t codes[] = {3u, 4u, 15u, 0x23u};
    for (uint32_t i = 0u; i < 4u; i++) {
        bad_code = codes[i];
        callee_trap(core_bad_code, SQ_P3_TRAP_CALLBACK_CODE);
    }
    bad_code = SQ_CALLBACK_EXIT;
    callee_trap(core_bad_code, SQ_P3_TRAP_UNRESOLVED);
    /* WAIT on index 0, and on a handle that is no set. */
    bad_code = SQ_CALLBACK_WAIT;
    callee_trap(core_bad_code, SQ_P3_TRAP_BAD_HANDLE);
    callee_trap(core_return_twice, SQ_P3_TRAP_RESOLVED);
    callee_trap(core_return_wrong_type, SQ_P3_TRAP_RESULT_TYPE);
}

/* task.return from a thread that is no task's: the embedder's mistake. */
static void return_outside_task(void **state)
{
    (void)state;
    reset();
    SQ_CHECK_EQ(sq_p3_task_return(&tb, &t_u32, 0u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
}

/* trap-on-reenter.wast: b's core code calls back into a, which is on
 * the stack: b traps CANNOT_ENTER, and a sees its callee trapped. */
static sq_p3_export_t a_export = {&inst_a, SQ_P3_LIFT_CALLBACK, true, NULL, NULL, core_entry,
                                  NULL, &b_callbacks};
static uint32_t core_reenter(sq_p3_task_t *task, uint32_t args)
{
    (void)args;
    uint32_t word = 0u;
    p3_expect_eq(sq_p3_call(sq_p3_task_thread(task), &a_export, 0u, 0u, true, &word),
                SQ_ERR_TRAP);
    return SQ_CALLBACK_EXIT;
}

static void reenter_traps(void **state)
{
    (void)state;
    reset();
    b_core = core_reenter;
    uint32_t word = 0u;
    SQ_CHECK_EQ(call(1u, &word), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_CANNOT_ENTER);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* The caller's side of the checks: ALIGN and BOUNDS of the argument and
 * result pointers, NO_OBJECTS when the task pool is used up, may_leave,
 * and the embedder's mistakes. */
static void caller_refusals(void **state)
{
    (void)state;
    uint32_t word = 0u;
    reset();
    SQ_CHECK_EQ(sq_p3_call(&ta, &b_export, 17u, 32u, true, &word), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_ALIGN);
    reset();
    SQ_CHECK_EQ(sq_p3_call(&ta, &b_export, 16u, P3_MEM, true, &word), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_BOUNDS);
    reset();
    SQ_CHECK_EQ(sq_p3_instance_set_may_leave(&inst_a, false), SQ_OK);
    SQ_CHECK_EQ(call(1u, &word), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_MAY_NOT_LEAVE);
    reset();
    b_core = core_yield;
    for (uint32_t i = 0u; i < TASKS; i++) {
        SQ_CHECK_EQ(call(1u, &word), SQ_OK);
    }
    SQ_CHECK_EQ(call(1u, &word), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NO_OBJECTS);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    reset();
    SQ_CHECK_EQ(sq_p3_call(&ta, NULL, 0u, 0u, true, &word), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_call(&ta, &b_export, 0u, 0u, true, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_loop_run(NULL), SQ_ERR_NULL);
    b_export.lift = 7u;
    SQ_CHECK_EQ(call(1u, &word), SQ_ERR_INVALID);
    b_export.lift = SQ_P3_LIFT_CALLBACK;
    SQ_CHECK_EQ(sq_p3_instance_set_realloc(&inst_b, NULL, NULL), SQ_OK);
    SQ_CHECK_EQ(call(1u, &word), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_loop_step(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* A sync-lifted export (async-typed, called async) that does not block:
 * its core function's return is the result's offset. */
static uint32_t core_sync(sq_p3_task_t *task, uint32_t args)
{
    (void)task;
    p3_put_word(mem_b + 8, p3_word(mem_b + args) + 1u);
    return 8u;
}

static void sync_lift_returns(void **state)
{
    (void)state;
    reset();
    b_export.lift = SQ_P3_LIFT_SYNC;
    b_core = core_sync;
    uint32_t word = 0u;
    SQ_CHECK_EQ(call(41u, &word), SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 42u);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    /* task.return in a sync lift traps NOT_ASYNC, before the type. */
    b_core = core_return_wrong_type;
    SQ_CHECK_EQ(call(1u, &word), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NOT_ASYNC);
}

/* cancel-subtask.wast, first part: a callee blocked on a set (here its
 * stream read) is cancelled; its callback gets TASK_CANCELLED (6, 0, 0)
 * at once, calls task.cancel and exits: subtask.cancel returns
 * CANCELLED_BEFORE_RETURNED (4), the retptr untouched, the handle free to
 * drop. */
static uint32_t callback_cancel(sq_p3_thread_t *t, const sq_wait_event_t *ev)
{
    p3_expect_eq(ev->code, SQ_P3_EVENT_TASK_CANCELLED);
    p3_expect_eq(ev->join_id, 0u);
    p3_expect_eq(ev->payload, 0u);
    p3_expect_eq(sq_p3_task_cancel(t), SQ_OK);
    /* Resolved: a second task.cancel traps RESOLVED (checked below in
     * its own test). */
    return SQ_CALLBACK_EXIT;
}

static void cancel_blocked_callee(bool async)
{
    reset();
    b_core = core_wait_read;
    b_callback = callback_cancel;
    uint32_t word = 0u;
    p3_put_word(mem_a + 32, 0x5555u);
    SQ_CHECK_EQ(call(5u, &word), SQ_OK);
    SQ_CHECK_EQ(word, 0x11u);
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, 1u, async, &word), SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED);
    SQ_CHECK_EQ(trail_n, 2u);
    SQ_CHECK_EQ(trail[1], SQ_P3_EVENT_TASK_CANCELLED);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 0x5555u);
    /* Delivered by the result: no event, drop is legal, cancel again
     * traps. */
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_NONE, 0u);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
    loop_idle();
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    /* b's set still has the parked-then-cancelled task off its waiters:
     * it can be dropped once its member is out. */
    SQ_CHECK_EQ(sq_p3_waitable_join(&tb, b_r, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&tb, b_set), SQ_OK);
}

static void cancel_delivered_now(void **state)
{
    (void)state;
    cancel_blocked_callee(true);
    cancel_blocked_callee(false);
}

/* A callee that ignores the cancellation and waits again: the async
 * cancel returns BLOCKED; the task later returns its value, and the
 * SUBTASK event says RETURNED (the cancellation may be ignored). A second
 * cancel traps CANCEL_TWICE. */
static uint32_t callback_ignore_cancel(sq_p3_thread_t *t, const sq_wait_event_t *ev)
{
    if (ev->code == SQ_P3_EVENT_TASK_CANCELLED) {
        return SQ_CALLBACK_WAIT | (b_set << 4);
    }
    return callback_return_read(t, ev);
}

static void cancel_ignored(void **state)
{
    (void)state;
    uint32_t word = call_waiting_read(callback_ignore_cancel);
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, 1u, true, &word), SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_BLOCKED);
    loop_idle();
    feed_b(0x01020304u);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 0x01020304u);
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_SUBTASK, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
    word = call_waiting_read(callback_ignore_cancel);
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, 1u, true, &word), SQ_OK);
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, 1u, true, &word), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_CANCEL_TWICE);
}

/* A call still waiting to enter is cancelled without ever entering:
 * CANCELLED_BEFORE_STARTED (3) at once; the calls behind it keep their
 * order and enter when backpressure drops. */
static void cancel_before_start(void **state)
{
    (void)state;
    reset();
    b_core = core_double;
    uint32_t w1 = 0u;
    uint32_t w2 = 0u;
    uint32_t word = 0u;
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    SQ_CHECK_EQ(call(1u, &w1), SQ_OK);
    SQ_CHECK_EQ(call(2u, &w2), SQ_OK);
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, 1u, false, &word), SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_CANCELLED_BEFORE_STARTED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_backpressure_dec(&tb), SQ_OK);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    loop_idle();
    SQ_CHECK_EQ(trail_n, 1u);
    SQ_CHECK_EQ(trail[0], 2u);
    p3_expect_event(&ta, 2u, SQ_P3_EVENT_SUBTASK, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 2u), SQ_OK);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* A resolved subtask whose event was not delivered: cancel returns its
 * state and consumes the event (then drop is legal); after delivery,
 * cancel traps SUBTASK_DELIVERED. */
static void cancel_resolved(void **state)
{
    (void)state;
    uint32_t word = call_waiting_read(callback_return_read);
    feed_b(9u);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, 1u, true, &word), SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_RETURNED);
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_NONE, 0u);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
    word = call_waiting_read(callback_return_read);
    feed_b(9u);
    SQ_CHECK_EQ(sq_p3_loop_step(&p3_rt), SQ_OK);
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_SUBTASK, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, 1u, true, &word), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_SUBTASK_DELIVERED);
}

/* trap-if-sync-and-waitable-set.wast: a sync subtask.cancel of a subtask
 * in a set traps SYNC_IN_SET; a sync cancel that would have to block
 * where nothing can (here: no kernel thread) returns SQ_ERR_STATE. */
static void cancel_sync_rules(void **state)
{
    (void)state;
    reset();
    b_core = core_wait_read;
    b_callback = callback_ignore_cancel;
    uint32_t word = 0u;
    uint32_t s = 0u;
    SQ_CHECK_EQ(call(5u, &word), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, 1u, s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, 1u, false, &word), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_SYNC_IN_SET);
    word = call_waiting_read(callback_ignore_cancel);
    SQ_CHECK_EQ(sq_p3_subtask_cancel(&ta, 1u, false, &word), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
}

/* task.cancel before a cancellation was delivered traps NOT_CANCELLED;
 * after task.return, RESOLVED. */
static uint32_t core_cancel_early(sq_p3_task_t *task, uint32_t args)
{
    (void)args;
    p3_expect_eq(sq_p3_task_cancel(sq_p3_task_thread(task)), SQ_ERR_TRAP);
    return SQ_CALLBACK_EXIT;
}

static uint32_t core_cancel_after_return(sq_p3_task_t *task, uint32_t args)
{
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, args), SQ_OK);
    p3_expect_eq(sq_p3_task_cancel(t), SQ_ERR_TRAP);
    return SQ_CALLBACK_EXIT;
}

static void task_cancel_rules(void **state)
{
    (void)state;
    callee_trap(core_cancel_early, SQ_P3_TRAP_NOT_CANCELLED);
    callee_trap(core_cancel_after_return, SQ_P3_TRAP_RESOLVED);
    reset();
    SQ_CHECK_EQ(sq_p3_task_cancel(&tb), SQ_ERR_INVALID);
}

/* thread.yield: 0 with nothing pending, from a task's thread or the
 * embedder's; no blocking needed outside a kernel thread. */
static uint32_t yielded;
static uint32_t core_yield_once(sq_p3_task_t *task, uint32_t args)
{
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    p3_expect_eq(sq_p3_thread_yield(t, true, &yielded), SQ_OK);
    p3_expect_eq(sq_p3_task_return(t, &t_u32, args), SQ_OK);
    return SQ_CALLBACK_EXIT;
}

static void thread_yield(void **state)
{
    (void)state;
    reset();
    uint32_t c = 7u;
    SQ_CHECK_EQ(sq_p3_thread_yield(&tb, true, &c), SQ_OK);
    SQ_CHECK_EQ(c, 0u);
    SQ_CHECK_EQ(sq_p3_thread_yield(&tb, false, NULL), SQ_ERR_NULL);
    b_core = core_yield_once;
    yielded = 7u;
    uint32_t word = 0u;
    SQ_CHECK_EQ(call(3u, &word), SQ_OK);
    SQ_CHECK_EQ(word, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(yielded, 0u);
    SQ_CHECK_EQ(sq_p3_instance_set_may_leave(&inst_b, false), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_yield(&tb, true, &c), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_MAY_NOT_LEAVE);
}

/* Sync lowers block the calling kernel thread until the callee resolved;
 * the loop runs in another kernel thread (priority 3, after the caller). */
static uint32_t sync_word;
static sq_status_t sync_st;
static void sync_caller(void *arg)
{
    (void)arg;
    p3_put_word(mem_a + 16, 5u);
    sync_st = sq_p3_call(&ta, (const sq_p3_export_t *)arg, 16u, 32u, false, &sync_word);
}

static void loop_feeding(void *arg)
{
    (void)arg;
    if (b_core == core_wait_read) {
        feed_b(0xcafe0001u);
    } else {
        SQ_CHECK_EQ(sq_p3_backpressure_dec(&tb), SQ_OK);
    }
    SQ_CHECK_EQ(sq_p3_loop_run(&p3_rt), SQ_OK);
}

static void run_sync_call(const sq_p3_export_t *ex, bool with_loop)
{
    sync_word = 0x99u;
    sync_st = SQ_ERR_NULL;
    SQ_CHECK_EQ(sq_thread_start(&th_caller, sync_caller, (void *)ex, 2u, 0u), SQ_OK);
    if (with_loop) {
        SQ_CHECK_EQ(sq_thread_start(&th_loop, loop_feeding, NULL, 3u, 0u), SQ_OK);
    }
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
}

/* The callee parks on its set; the loop's callback returns the value:
 * the caller wakes with RETURNED and the value in its retptr; no handle
 * was ever made, and the loop ends with the last task. */
static void sync_lower_waits(void **state)
{
    (void)state;
    reset();
    b_core = core_wait_read;
    b_callback = callback_return_read;
    run_sync_call(&b_export, true);
    SQ_CHECK_EQ(sync_st, SQ_OK);
    SQ_CHECK_EQ(sync_word, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 0xcafe0001u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 0u);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* A sync lower of an async-typed export waits behind backpressure (no
 * handle, the caller blocked) and enters when the loop's thread lowers
 * it. */
static void sync_lower_behind_backpressure(void **state)
{
    (void)state;
    reset();
    b_core = core_double;
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    run_sync_call(&b_export, true);
    SQ_CHECK_EQ(sync_st, SQ_OK);
    SQ_CHECK_EQ(sync_word, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 10u);
    SQ_CHECK_EQ(trail_n, 1u);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

/* sync-barges-in.wast: a sync-typed export enters at once although
 * backpressure is on and a call waits; the waiting one stays queued. */
static sq_p3_export_t b_sync_typed = {&inst_b, SQ_P3_LIFT_SYNC, false, &t_u32, &t_u32,
                                      core_entry, NULL, NULL};
static void sync_barges_in(void **state)
{
    (void)state;
    reset();
    b_core = core_sync;
    uint32_t word = 0u;
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    SQ_CHECK_EQ(call(1u, &word), SQ_OK);
    SQ_CHECK_EQ(word, 0x10u);
    run_sync_call(&b_sync_typed, false);
    SQ_CHECK_EQ(sync_st, SQ_OK);
    SQ_CHECK_EQ(sync_word, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 6u);
    SQ_CHECK_EQ(trail_n, 1u);
    loop_idle();
    /* An async lower of a sync-typed function is invalid. */
    SQ_CHECK_EQ(sq_p3_call(&ta, &b_sync_typed, 16u, 32u, true, &word), SQ_ERR_INVALID);
}

/* A sync lower where nothing can block (here: outside sq_kernel_run)
 * changes nothing. */
static void sync_lower_outside_thread(void **state)
{
    (void)state;
    reset();
    b_core = core_double;
    uint32_t word = 0x99u;
    SQ_CHECK_EQ(sq_p3_call(&ta, &b_export, 16u, 32u, false, &word), SQ_ERR_STATE);
    SQ_CHECK_EQ(word, 0x99u);
    SQ_CHECK_EQ(trail_n, 0u);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    SQ_CHECK_EQ(sq_p3_loop_run(&p3_rt), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
}

/* Stackful lifts: the core function runs on the runtime's worker thread
 * (priority 3), so the caller (priority 2) sees STARTED and a SUBTASK
 * event; with one worker, a second call waits (STARTING) and runs on
 * the same worker when the first ends, in arrival order. */
static uint32_t core_stackful(sq_p3_task_t *task, uint32_t args)
{
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint32_t cancelled = 7u;
    p3_expect_eq(sq_p3_thread_yield(t, true, &cancelled), SQ_OK);
    p3_expect_eq(cancelled, 0u);
    p3_put_word(mem_b + 8, 3u * p3_word(mem_b + args));
    p3_expect_eq(sq_p3_task_return(t, &t_u32, 8u), SQ_OK);
    return 0u;
}

static void stackful_caller(void *arg)
{
    (void)arg;
    uint32_t w1 = 0u;
    uint32_t w2 = 0u;
    uint32_t s = 0u;
    uint32_t code = 0u;
    p3_put_word(mem_a + 16, 5u);
    p3_put_word(mem_a + 20, 6u);
    SQ_CHECK_EQ(sq_p3_call(&ta, &b_export, 16u, 32u, true, &w1), SQ_OK);
    SQ_CHECK_EQ(w1, SQ_P3_SUBTASK_STARTED | (1u << 4));
    SQ_CHECK_EQ(sq_p3_call(&ta, &b_export, 20u, 36u, true, &w2), SQ_OK);
    SQ_CHECK_EQ(w2, SQ_P3_SUBTASK_STARTING | (2u << 4));
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, 1u, s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, 2u, s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, s, P3_EVENT_AT, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_SUBTASK);
    SQ_CHECK_EQ(p3_word(mem_a + P3_EVENT_AT), 1u);
    SQ_CHECK_EQ(p3_word(mem_a + P3_EVENT_AT + 4), SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 15u);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 1u), SQ_OK);
    /* The waiting call enters on the worker when the first ends: its
     * STARTED reaches the caller (which outranks the worker) before its
     * core code runs. */
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, s, P3_EVENT_AT, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_SUBTASK);
    SQ_CHECK_EQ(p3_word(mem_a + P3_EVENT_AT), 2u);
    SQ_CHECK_EQ(p3_word(mem_a + P3_EVENT_AT + 4), SQ_P3_SUBTASK_STARTED);
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, s, P3_EVENT_AT, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_SUBTASK);
    SQ_CHECK_EQ(p3_word(mem_a + P3_EVENT_AT), 2u);
    SQ_CHECK_EQ(p3_word(mem_a + P3_EVENT_AT + 4), SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 36), 18u);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, s), SQ_OK);
    /* A sync lower of a stackful export: the caller blocks until the
     * worker returned. */
    p3_put_word(mem_a + 16, 7u);
    SQ_CHECK_EQ(sq_p3_call(&ta, &b_export, 16u, 32u, false, &w1), SQ_OK);
    SQ_CHECK_EQ(w1, SQ_P3_SUBTASK_RETURNED);
    SQ_CHECK_EQ(p3_word(mem_a + 32), 21u);
}

static void stackful_calls(void **state)
{
    (void)state;
    reset();
    b_export.lift = SQ_P3_LIFT_STACKFUL;
    b_core = core_stackful;
    SQ_CHECK_EQ(sq_thread_start(&th_caller, stackful_caller, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(trail_n, 3u);
    SQ_CHECK_EQ(trail[0], 5u);
    SQ_CHECK_EQ(trail[1], 6u);
    SQ_CHECK_EQ(trail[2], 7u);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 0u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_runtime_workers(&p3_rt, NULL, 1u, 3u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_runtime_workers(&p3_rt, workers, 1u, SQ_PRIO_IDLE), SQ_ERR_INVALID);
}

/* A trap of the callee ends its calls waiting to enter and its callback
 * tasks waiting in the loop, unresolved (the reference stops the whole
 * store: squall traps the offending instance only); the caller's handles
 * stay unresolved, its next call into b traps CANNOT_ENTER. */
static void callee_trap_ends_waiting(void **state)
{
    (void)state;
    reset();
    b_core = core_wait_read;
    b_callback = callback_return_read;
    uint32_t w1 = 0u;
    uint32_t w2 = 0u;
    SQ_CHECK_EQ(call(5u, &w1), SQ_OK);
    SQ_CHECK_EQ(w1, 0x11u);
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    SQ_CHECK_EQ(call(6u, &w2), SQ_OK);
    SQ_CHECK_EQ(w2, 0x20u);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&tb, 99u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_BAD_HANDLE);
    loop_idle();
    SQ_CHECK_EQ(trail_n, 1u);
    SQ_CHECK(inst_b.queue_head == NULL);
    p3_expect_event(&ta, 1u, SQ_P3_EVENT_NONE, 0u);
    SQ_CHECK_EQ(sq_p3_subtask_drop(&ta, 2u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_SUBTASK_UNRESOLVED);
}

/* A sync caller waiting on a call queued in b is woken by b's trap:
 * SQ_ERR_STATE, its own instance untouched, the task given back. */
static sq_status_t woken_st;
static void sync_waiting_caller(void *arg)
{
    (void)arg;
    uint32_t word = 0u;
    woken_st = sq_p3_call(&ta, &b_export, 16u, 32u, false, &word);
}

static void trap_b(void *arg)
{
    (void)arg;
    SQ_CHECK_EQ(sq_p3_subtask_drop(&tb, 99u), SQ_ERR_TRAP);
}

static void callee_trap_wakes_sync_caller(void **state)
{
    (void)state;
    reset();
    b_core = core_double;
    woken_st = SQ_OK;
    SQ_CHECK_EQ(sq_p3_backpressure_inc(&tb), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_caller, sync_waiting_caller, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_loop, trap_b, NULL, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(woken_st, SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(trail_n, 0u);
    SQ_CHECK_EQ(p3_rt.tasks.used, 0u);
}

SQ_TEST_MAIN(SQ_TEST(returns_at_once), SQ_TEST(started_then_returned),
             SQ_TEST(loop_step_waits_for_move),
             SQ_TEST(drop_before_delivery_traps), SQ_TEST(drop_resolved_undelivered_traps),
             SQ_TEST(subtask_event_in_set), SQ_TEST(yield_rounds), SQ_TEST(backpressure_queue),
             SQ_TEST(started_event), SQ_TEST(backpressure_limits), SQ_TEST(callee_traps),
             SQ_TEST(return_outside_task), SQ_TEST(reenter_traps), SQ_TEST(caller_refusals),
             SQ_TEST(sync_lift_returns), SQ_TEST(cancel_delivered_now), SQ_TEST(cancel_ignored),
             SQ_TEST(cancel_before_start), SQ_TEST(cancel_resolved), SQ_TEST(cancel_sync_rules),
             SQ_TEST(task_cancel_rules), SQ_TEST(thread_yield), SQ_TEST(sync_lower_waits),
             SQ_TEST(sync_lower_behind_backpressure), SQ_TEST(sync_barges_in),
             SQ_TEST(sync_lower_outside_thread), SQ_TEST(stackful_calls),
             SQ_TEST(callee_trap_ends_waiting), SQ_TEST(callee_trap_wakes_sync_caller))
