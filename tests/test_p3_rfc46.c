/*
 * The RFC #46 facade (p3_rfc46.h), on the host and on Cortex-M under
 * QEMU: bindings of kernel threads to guest threads (RF01), the
 * intrinsics' results against the canonical built-ins' (RF02), host
 * buffers turned into guest offsets (RF03), and failures reaching the
 * trap handler, which may return or longjmp.
 */
#include <setjmp.h>
#include <squall/thread.h>
#include <squall/p3_rfc46.h>
#include "sq_p3_fixture.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);

SQ_RFC46_STREAM_TYPE(u8, uint8_t, t_u8)

/* Each binding's scratch area: clear of the fixture's event words. */
#define SCRATCH (P3_MEM - 16u)

static sq_p3_instance_t *trap_inst;
static sq_p3_trap_t trap_reason;
static uint32_t trap_calls;

static void record_trap(sq_p3_instance_t *inst, sq_p3_trap_t reason)
{
    trap_inst = inst;
    trap_reason = reason;
    trap_calls++;
}

static void reset(void)
{
    p3_reset();
    (void)sq_rfc46_unbind();
    sq_rfc46_set_trap_handler(record_trap);
    trap_inst = NULL;
    trap_reason = SQ_P3_TRAP_NONE;
    trap_calls = 0u;
}

static void check_trap(sq_p3_instance_t *inst, sq_p3_trap_t reason, uint32_t calls)
{
    SQ_CHECK_EQ(trap_calls, calls);
    SQ_CHECK(trap_inst == inst);
    SQ_CHECK_EQ(trap_reason, reason);
}

/* RF01: a kernel thread has one binding; bad bindings change nothing. */
static void test_bind(void **state)
{
    (void)state;
    sq_p3_thread_t raw = {NULL, {0u, 0u}, 0u, NULL};
    reset();
    SQ_CHECK_EQ(sq_rfc46_bind(NULL, SCRATCH), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_rfc46_bind(&raw, SCRATCH), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_rfc46_bind(&ta, SCRATCH + 2u), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_rfc46_bind(&ta, P3_MEM - 4u), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_rfc46_bind(&ta, 0xfffffffcu), SQ_ERR_RANGE);
    SQ_CHECK(sq_rfc46_bound() == NULL);
    SQ_CHECK_EQ(sq_rfc46_bind(&ta, SCRATCH), SQ_OK);
    SQ_CHECK(sq_rfc46_bound() == &ta);
    /* Binding again replaces: one unbind leaves none. */
    SQ_CHECK_EQ(sq_rfc46_bind(&tb, P3_MEM - 8u), SQ_OK);
    SQ_CHECK(sq_rfc46_bound() == &tb);
    SQ_CHECK_EQ(sq_rfc46_unbind(), SQ_OK);
    SQ_CHECK(sq_rfc46_bound() == NULL);
    SQ_CHECK_EQ(sq_rfc46_unbind(), SQ_ERR_NOT_FOUND);
}

/* No binding: every intrinsic tells the handler (no instance, no reason)
 * and returns its neutral value; without a handler it just returns. */
static void test_unbound(void **state)
{
    (void)state;
    reset();
    SQ_CHECK_EQ(context0_get(), 0u);
    check_trap(NULL, SQ_P3_TRAP_NONE, 1u);
    SQ_CHECK_EQ(waitable_set_new(), 0u);
    writer_reader_pair_t p = stream_u8_new();
    SQ_CHECK_EQ(p.writer, 0u);
    SQ_CHECK_EQ(p.reader, 0u);
    wait_result_t r = waitable_set_poll(1u);
    SQ_CHECK_EQ(r.event, SQ_P3_EVENT_NONE);
    SQ_CHECK_EQ(r.waitable, 0u);
    SQ_CHECK_EQ(r.payload, 0u);
    result_and_count_t c = stream_u8_read(1u, 0u, mem_a, 1u);
    SQ_CHECK_EQ(c.result, SQ_P3_COPY_DROPPED);
    SQ_CHECK_EQ(c.count, 0u);
    check_trap(NULL, SQ_P3_TRAP_NONE, 5u);
    sq_rfc46_set_trap_handler(NULL);
    context0_set(5u);
    SQ_CHECK_EQ(context0_get(), 0u);
    SQ_CHECK_EQ(trap_calls, 5u);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
}

/* context0 is slot 0 of the bound guest thread. */
static void test_context(void **state)
{
    (void)state;
    reset();
    SQ_CHECK_EQ(sq_rfc46_bind(&ta, SCRATCH), SQ_OK);
    context0_set(42u);
    SQ_CHECK_EQ(context0_get(), 42u);
    SQ_CHECK_EQ(ta.context[0], 42u);
    SQ_CHECK_EQ(ta.context[1], 0u);
    SQ_CHECK_EQ(sq_rfc46_bind(&tb, SCRATCH), SQ_OK);
    SQ_CHECK_EQ(context0_get(), 0u);
    SQ_CHECK_EQ(trap_calls, 0u);
    /* After a trap both fail like every intrinsic: the handler hears the
     * first reason, set stores nothing, get gives 0. */
    context0_set(7u);
    inst_b.trap = SQ_P3_TRAP_BAD_HANDLE;
    context0_set(8u);
    check_trap(&inst_b, SQ_P3_TRAP_BAD_HANDLE, 1u);
    SQ_CHECK_EQ(tb.context[0], 7u);
    SQ_CHECK_EQ(context0_get(), 0u);
    check_trap(&inst_b, SQ_P3_TRAP_BAD_HANDLE, 2u);
}

/* The reference's rendezvous under the RFC's names: new splits the
 * canonical packing into named fields; a write with no reader is
 * BLOCKED; the reader copies and completes; the writer's event comes
 * through poll with its own index and the result word (RF02). */
static void test_stream(void **state)
{
    (void)state;
    uint8_t expect[5] = {10u, 11u, 12u, 13u, 14u};
    reset();
    SQ_CHECK_EQ(sq_rfc46_bind(&ta, SCRATCH), SQ_OK);
    writer_reader_pair_t p = stream_u8_new();
    SQ_CHECK_EQ(p.reader, 1u); /* the readable end is allocated first */
    SQ_CHECK_EQ(p.writer, 2u);
    result_and_count_t c = stream_u8_write(p.writer, 0u, mem_a + 10, 5u);
    SQ_CHECK_EQ(c.result, SQ_P3_BLOCKED);
    SQ_CHECK_EQ(c.count, 0u);
    c = stream_u8_read(p.reader, 0u, mem_a + 100, 8u);
    SQ_CHECK_EQ(c.result, SQ_P3_COPY_COMPLETED);
    SQ_CHECK_EQ(c.count, 5u);
    SQ_CHECK_MEM_EQ(mem_a + 100, expect, 5u);
    SQ_CHECK_EQ(mem_a[105], 105u);

    uint32_t s = waitable_set_new();
    SQ_CHECK_EQ(s, 3u);
    SQ_CHECK_EQ(waitable_join(p.writer, s), 0u);
    wait_result_t r = waitable_set_poll(s);
    SQ_CHECK_EQ(r.event, SQ_P3_EVENT_STREAM_WRITE);
    SQ_CHECK_EQ(r.waitable, p.writer);
    SQ_CHECK_EQ(r.payload, SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, 5u));
    r = waitable_set_poll(s);
    SQ_CHECK_EQ(r.event, SQ_P3_EVENT_NONE);
    SQ_CHECK_EQ(r.waitable, 0u);
    SQ_CHECK_EQ(r.payload, 0u);
    /* The drop is seen as DROPPED by the next copy on the other end. */
    SQ_CHECK_EQ(sq_p3_stream_drop_readable(&ta, &t_u8, p.reader), SQ_OK);
    c = stream_u8_write(p.writer, 0u, mem_a, 1u);
    SQ_CHECK_EQ(c.result, SQ_P3_COPY_DROPPED);
    SQ_CHECK_EQ(c.count, 0u);
    /* A zero-length write at the very end of memory, and NULL with
     * nothing to copy, are legal. */
    p = stream_u8_new();
    (void)stream_u8_write(p.writer, 0u, mem_a + P3_MEM, 0u);
    SQ_CHECK_EQ(sq_p3_stream_cancel_write(&ta, &t_u8, p.writer, true, &s), SQ_OK);
    (void)stream_u8_read(p.reader, 0u, NULL, 0u);
    SQ_CHECK_EQ(trap_calls, 0u);
}

/* Two kernel threads bound at once to guest threads of two instances:
 * one waits in waitable_set_wait for its read, the other writes. */
static uint32_t k_r, k_w, k_set;
static result_and_count_t k_read, k_write;
static wait_result_t k_wait;
static sq_status_t k_bind[2];
static sq_p3_thread_t *k_bound[2];
static void reader(void *arg)
{
    (void)arg;
    k_bind[0] = sq_rfc46_bind(&tb, SCRATCH);
    k_read = stream_u8_read(k_r, 0u, mem_b + 40, 8u);
    k_wait = waitable_set_wait(k_set);
    k_bound[0] = sq_rfc46_bound();
    (void)sq_rfc46_unbind();
}
static void writer(void *arg)
{
    (void)arg;
    k_bind[1] = sq_rfc46_bind(&ta, SCRATCH - 8u);
    k_write = stream_u8_write(k_w, 0u, mem_a + 20, 3u);
    k_bound[1] = sq_rfc46_bound();
    (void)sq_rfc46_unbind();
}
static void test_wait_two_threads(void **state)
{
    (void)state;
    uint8_t expect[3] = {20u, 21u, 22u};
    reset();
    p3_pipe(&t_u8, false, &k_r, &k_w);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &k_set), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&tb, k_r, k_set), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, reader, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, writer, NULL, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(k_bind[0], SQ_OK);
    SQ_CHECK_EQ(k_bind[1], SQ_OK);
    SQ_CHECK(k_bound[0] == &tb);
    SQ_CHECK(k_bound[1] == &ta);
    SQ_CHECK_EQ(k_read.result, SQ_P3_BLOCKED);
    SQ_CHECK_EQ(k_write.result, SQ_P3_COPY_COMPLETED);
    SQ_CHECK_EQ(k_write.count, 3u);
    SQ_CHECK_EQ(k_wait.event, SQ_P3_EVENT_STREAM_READ);
    SQ_CHECK_EQ(k_wait.waitable, k_r);
    SQ_CHECK_EQ(k_wait.payload, SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, 3u));
    SQ_CHECK_MEM_EQ(mem_b + 40, expect, 3u);
    /* The waiter's scratch holds what it read back; the writer's is
     * untouched. */
    SQ_CHECK_EQ(p3_word(mem_b + SCRATCH), k_r);
    SQ_CHECK_EQ(mem_a[SCRATCH - 8u], (uint8_t)(SCRATCH - 8u));
    SQ_CHECK_EQ(mem_a[SCRATCH - 1u], (uint8_t)(SCRATCH - 1u));
    SQ_CHECK_EQ(trap_calls, 0u);
}

/* A fresh fixture with the caller bound to `t` and a new u8 stream. */
static writer_reader_pair_t bound_stream(sq_p3_thread_t *t)
{
    reset();
    (void)sq_rfc46_bind(t, SCRATCH);
    return stream_u8_new();
}

/* RF03 and traps: a memory other than 0, a buffer outside the bound
 * instance's memory, and the built-ins' own traps reach the handler with
 * the instance and the reason; the other instance is untouched; the
 * first reason stays. */
static void test_traps(void **state)
{
    (void)state;
    writer_reader_pair_t p = bound_stream(&ta);
    SQ_CHECK(sq_rfc46_bound() == &ta);
    result_and_count_t c = stream_u8_read(p.reader, 1u, mem_a, 4u);
    SQ_CHECK_EQ(c.result, SQ_P3_COPY_DROPPED);
    SQ_CHECK_EQ(c.count, 0u);
    check_trap(&inst_a, SQ_P3_TRAP_BOUNDS, 1u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_BOUNDS);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(waitable_set_new(), 0u);
    check_trap(&inst_a, SQ_P3_TRAP_BOUNDS, 2u);

    /* Another instance's memory is outside this one's. */
    p = bound_stream(&ta);
    (void)stream_u8_read(p.reader, 0u, mem_b, 4u);
    check_trap(&inst_a, SQ_P3_TRAP_BOUNDS, 1u);
    /* Starting inside but running past the end: the built-in's check. */
    p = bound_stream(&ta);
    (void)stream_u8_read(p.reader, 0u, mem_a + P3_MEM - 2u, 4u);
    check_trap(&inst_a, SQ_P3_TRAP_BOUNDS, 1u);
    /* NULL with something to copy. */
    p = bound_stream(&ta);
    (void)stream_u8_read(p.reader, 0u, NULL, 1u);
    check_trap(&inst_a, SQ_P3_TRAP_BOUNDS, 1u);

    /* BLOCKED means in flight: the same end again traps. */
    p = bound_stream(&ta);
    c = stream_u8_write(p.writer, 0u, mem_a, 4u);
    SQ_CHECK_EQ(c.result, SQ_P3_BLOCKED);
    SQ_CHECK_EQ(trap_calls, 0u);
    c = stream_u8_write(p.writer, 0u, mem_a, 4u);
    SQ_CHECK_EQ(c.result, SQ_P3_COPY_DROPPED);
    check_trap(&inst_a, SQ_P3_TRAP_NOT_IDLE, 1u);

    /* Join of a handle that is not there; join returns 0 regardless. */
    reset();
    SQ_CHECK_EQ(sq_rfc46_bind(&ta, SCRATCH), SQ_OK);
    SQ_CHECK_EQ(waitable_join(9u, 0u), 0u);
    check_trap(&inst_a, SQ_P3_TRAP_BAD_HANDLE, 1u);

    /* A length above 2^28 - 1. */
    p = bound_stream(&tb);
    (void)stream_u8_read(p.reader, 0u, mem_b, (size_t)SQ_P3_MAX_COPY + 1u);
    check_trap(&inst_b, SQ_P3_TRAP_LENGTH, 1u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);

    /* An element type the built-ins refuse: the embedder's mistake, no
     * trap recorded. */
    reset();
    SQ_P3_TYPE_DEFINE(t_handle, SQ_P3_ELEM_HANDLE, 4u, 4u);
    SQ_CHECK_EQ(sq_rfc46_bind(&ta, SCRATCH), SQ_OK);
    p = sq_rfc46_stream_new(&t_handle);
    SQ_CHECK_EQ(p.writer, 0u);
    SQ_CHECK_EQ(p.reader, 0u);
    check_trap(&inst_a, SQ_P3_TRAP_NONE, 1u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);

    /* A wait that would block where nothing can (here: the idle thread)
     * is refused, not trapped: {NONE, 0, 0}. */
    uint32_t s = waitable_set_new();
    SQ_CHECK_EQ(s, 1u);
    wait_result_t r = waitable_set_wait(s);
    SQ_CHECK_EQ(r.event, SQ_P3_EVENT_NONE);
    SQ_CHECK_EQ(r.waitable, 0u);
    SQ_CHECK_EQ(r.payload, 0u);
    check_trap(&inst_a, SQ_P3_TRAP_NONE, 2u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
}

/* A handler that does not return: the intrinsic never comes back, and
 * the facade holds nothing (later intrinsics work). */
static jmp_buf trap_jump;
static void jump_trap(sq_p3_instance_t *inst, sq_p3_trap_t reason)
{
    record_trap(inst, reason);
    longjmp(trap_jump, 1);
}
static void test_trap_longjmp(void **state)
{
    (void)state;
    volatile uint32_t returned = 0u;
    reset();
    SQ_CHECK_EQ(sq_rfc46_bind(&ta, SCRATCH), SQ_OK);
    sq_rfc46_set_trap_handler(jump_trap);
    if (setjmp(trap_jump) == 0) {
        (void)waitable_join(7u, 0u);
        returned = 1u;
    }
    SQ_CHECK_EQ(returned, 0u);
    check_trap(&inst_a, SQ_P3_TRAP_BAD_HANDLE, 1u);
    SQ_CHECK_EQ(sq_rfc46_bind(&tb, SCRATCH), SQ_OK);
    SQ_CHECK_EQ(waitable_set_new(), 1u);
}

SQ_TEST_MAIN(SQ_TEST(test_bind), SQ_TEST(test_unbound), SQ_TEST(test_context),
             SQ_TEST(test_stream), SQ_TEST(test_wait_two_threads), SQ_TEST(test_traps),
             SQ_TEST(test_trap_longjmp))
