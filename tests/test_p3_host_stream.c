/*
 * P3 host-side stream ends (HS01, HS02), on the host and on Cortex-M under
 * QEMU: a driver thread and an interrupt handler feeding a guest's async
 * reads through a waitable set, a driver draining a guest's writes, close,
 * cancel, zero-length copies, refusals, and a seeded random run whose
 * guest-visible numbers must equal those of the same run with a guest end
 * in the host end's place.
 */
#include <squall/p3_host_stream.h>
#include <squall/sem.h>
#include <squall/thread.h>
#include "sq_p3_fixture.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_guest, STACK);
SQ_THREAD_DEFINE(th_driver, STACK);

#define BLOCKED SQ_P3_BLOCKED
#define WORD(result, n) SQ_P3_STREAM_RESULT((result), (n))
#define DONE_OK SQ_P3_COPY_COMPLETED
#define DROPPED SQ_P3_COPY_DROPPED
#define CANCELLED SQ_P3_COPY_CANCELLED

#define CAP 8u
SQ_TYPED_RING_BUF_DEFINE(ring8, 1u, CAP);
SQ_TYPED_RING_BUF_DEFINE(ring32, 4u, 4u);
static sq_p3_host_stream_t hs;
static sq_sem_t ring_moved;
static uint32_t guest_calls;

/* Byte i of every sequence the tests stream. */
static uint8_t seq(uint32_t i)
{
    return (uint8_t)(i * 13u + 5u);
}

/* The driver's function: count, and wake a driver thread. */
static void on_guest(sq_p3_host_stream_t *h, void *arg)
{
    SQ_CHECK(h == &hs);
    SQ_CHECK(arg == &guest_calls);
    guest_calls++;
    (void)sq_sem_give(&ring_moved);
}

/* A fresh fixture and an empty ring8. */
static void reset(void)
{
    p3_reset();
    sq_typed_ring_buf_reset(&ring8);
    sq_typed_ring_buf_reset(&ring32);
    SQ_CHECK_EQ(sq_sem_init(&ring_moved, 0u, 1u), SQ_OK);
    guest_calls = 0u;
}

/* Open hs over ring8 for u8 with b's end at *end. */
static void open_u8(sq_p3_host_direction_t dir, uint32_t *end)
{
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_u8, &ring8, dir, on_guest, &guest_calls,
                                      end),
                SQ_OK);
}

/* Push bytes seq(from ..) into ring8: all n must fit. */
static void push(uint32_t from, uint32_t n)
{
    uint8_t tmp[CAP];
    uint32_t put = 0u;
    for (uint32_t i = 0u; i < n; i++) {
        tmp[i] = seq(from + i);
    }
    SQ_CHECK_EQ(sq_typed_ring_buf_write(&ring8, tmp, n, &put), SQ_OK);
    SQ_CHECK_EQ(put, n);
}

/* Pop n bytes from ring8: they must be seq(from ..). */
static void pop(uint32_t from, uint32_t n)
{
    uint8_t tmp[CAP];
    uint32_t got = 0u;
    SQ_CHECK_EQ(sq_typed_ring_buf_read(&ring8, tmp, n, &got), SQ_OK);
    SQ_CHECK_EQ(got, n);
    for (uint32_t i = 0u; i < n; i++) {
        SQ_CHECK_EQ(tmp[i], seq(from + i));
    }
}

/* mem_b[at ..] holds seq(from ..) for n bytes. */
static void check_seq(uint32_t at, uint32_t from, uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        SQ_CHECK_EQ(mem_b[at + i], seq(from + i));
    }
}

/* Every refusal of new changes nothing. */
static void test_new_refusals(void **state)
{
    (void)state;
    uint32_t idx = 77u;
    SQ_P3_TYPE_DEFINE(t_handle, SQ_P3_ELEM_HANDLE, 1u, 1u);
    SQ_P3_TYPE_DEFINE(t_bad, SQ_P3_ELEM_NUMBER, 1u, 3u);
    SQ_P3_INSTANCE_DEFINE(inst_c, &p3_rt, 2u);
    sq_p3_thread_t tc;
    sq_p3_instance_t unregistered = {0};
    reset();
    SQ_CHECK_EQ(sq_p3_host_stream_new(NULL, &inst_b, &t_u8, &ring8, SQ_P3_HOST_WRITES, NULL, NULL,
                                      &idx),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, NULL, &t_u8, &ring8, SQ_P3_HOST_WRITES, NULL, NULL,
                                      &idx),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, NULL, &ring8, SQ_P3_HOST_WRITES, NULL, NULL,
                                      &idx),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_u8, NULL, SQ_P3_HOST_WRITES, NULL, NULL,
                                      &idx),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_u8, &ring8, SQ_P3_HOST_WRITES, NULL, NULL,
                                      NULL),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_handle, &ring8, SQ_P3_HOST_WRITES, NULL,
                                      NULL, &idx),
                SQ_ERR_UNSUPPORTED);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_unit, &ring8, SQ_P3_HOST_WRITES, NULL,
                                      NULL, &idx),
                SQ_ERR_UNSUPPORTED);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_bad, &ring8, SQ_P3_HOST_WRITES, NULL, NULL,
                                      &idx),
                SQ_ERR_INVALID);
    /* The ring's element size must be the type's. */
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_u32, &ring8, SQ_P3_HOST_WRITES, NULL,
                                      NULL, &idx),
                SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_u8, &ring8, (sq_p3_host_direction_t)2,
                                      NULL, NULL, &idx),
                SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &unregistered, &t_u8, &ring8, SQ_P3_HOST_WRITES, NULL,
                                      NULL, &idx),
                SQ_ERR_INVALID);
    SQ_CHECK_EQ(idx, 77u);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_b.handles), 0u);

    /* A used-up pool is the embedder's sizing: no trap. */
    uint32_t r = 0u, w = 0u;
    for (uint32_t i = 0u; i < P3_CHANNELS; i++) {
        p3_new(&ta, &t_u8, false, &r, &w);
    }
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_u8, &ring8, SQ_P3_HOST_WRITES, NULL, NULL,
                                      &idx),
                SQ_ERR_FULL);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_b.handles), 0u);

    /* A full table traps the instance, as lowering into it would. */
    reset();
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_c, &p3_rt, inst_c_slots, 2u, NULL, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&tc, &inst_c), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tc, &r), SQ_OK);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_c, &t_u8, &ring8, SQ_P3_HOST_READS, NULL, NULL,
                                      &idx),
                SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_TABLE_FULL);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
    /* A trapped instance refuses without a new reason. */
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, 9u, 0u, 0u, true, &r), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs, &inst_b, &t_u8, &ring8, SQ_P3_HOST_READS, NULL, NULL,
                                      &idx),
                SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_BAD_HANDLE);
    SQ_CHECK_EQ(idx, 77u);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_host_stream_close(NULL), SQ_ERR_NULL);
}

/* The host writes: a read finds the ring's elements at once, or waits for
 * a notify; the pending read accumulates over several notifies. */
static void test_host_writes(void **state)
{
    (void)state;
    uint32_t end = 0u, res = 0u;
    reset();
    open_u8(SQ_P3_HOST_WRITES, &end);
    SQ_CHECK_EQ(end, 1u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_b.handles), 1u);
    /* Elements waiting: the read completes at once with min(n, 3). */
    push(0u, 3u);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, end, 16u, 8u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 3u));
    check_seq(16u, 0u, 3u);
    SQ_CHECK_EQ(mem_b[19], 0x80u + 19u);
    SQ_CHECK_EQ(guest_calls, 1u);
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&ring8), 0u);
    /* None: registered; two notifies fill it (3 + 2 of 5), the count is
     * the total at delivery, the rest stays in the ring. */
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, end, 32u, 5u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    p3_expect_event(&tb, end, SQ_P3_EVENT_NONE, 0u);
    push(3u, 3u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    push(6u, 4u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&ring8), 2u);
    p3_expect_event(&tb, end, SQ_P3_EVENT_STREAM_READ, WORD(DONE_OK, 5u));
    check_seq(32u, 3u, 5u);
    SQ_CHECK_EQ(mem_b[37], 0x80u + 37u);
    /* Notifies move nothing, and call no driver function. */
    SQ_CHECK_EQ(guest_calls, 1u);
    /* A u32 stream whose elements wrap around the ring's end: two copies
     * of one rendezvous, byte-exact. */
    sq_p3_host_stream_t hs32;
    uint32_t e32 = 0u, put = 0u;
    const uint32_t words[6] = {0x11223344u, 0x55667788u, 0x99aabbccu, 0xddeeff00u,
                               0x01020304u, 0x05060708u};
    SQ_CHECK_EQ(sq_p3_host_stream_new(&hs32, &inst_b, &t_u32, &ring32, SQ_P3_HOST_WRITES, NULL,
                                      NULL, &e32),
                SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_write(&ring32, words, 3u, &put), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u32, e32, 64u, 2u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 2u));
    SQ_CHECK_EQ(sq_typed_ring_buf_write(&ring32, &words[3], 3u, &put), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u32, e32, 72u, 4u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 4u));
    SQ_CHECK_MEM_EQ(&mem_b[64], words, 24u);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs32), SQ_OK);
}

/* The host reads: a write fills the ring's free slots at once, or waits
 * for a notify after the driver popped. */
static void test_host_reads(void **state)
{
    (void)state;
    uint32_t end = 0u, res = 0u;
    reset();
    open_u8(SQ_P3_HOST_READS, &end);
    for (uint32_t i = 0u; i < 12u; i++) {
        mem_b[16u + i] = seq(i);
    }
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 16u, 6u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 6u));
    SQ_CHECK_EQ(guest_calls, 1u);
    /* 2 free slots of 6 wanted: partial. */
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 22u, 6u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 2u));
    /* Full: registered, then two drains and notifies. */
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 24u, 4u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    pop(0u, 3u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    pop(3u, 5u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    p3_expect_event(&tb, end, SQ_P3_EVENT_STREAM_WRITE, WORD(DONE_OK, 4u));
    pop(8u, 4u);
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&ring8), 0u);
    SQ_CHECK_EQ(guest_calls, 2u);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_drop_writable(&tb, &t_u8, end), SQ_OK);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
}

/* Zero-length copies: ready when the ring offers something, registered
 * otherwise and answered by the first notify that finds it offering. */
static void test_zero_length(void **state)
{
    (void)state;
    uint32_t end = 0u, res = 0u;
    reset();
    open_u8(SQ_P3_HOST_WRITES, &end);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, end, 0u, 0u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    p3_expect_event(&tb, end, SQ_P3_EVENT_NONE, 0u);
    push(0u, 1u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    p3_expect_event(&tb, end, SQ_P3_EVENT_STREAM_READ, WORD(DONE_OK, 0u));
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, end, 0u, 0u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 0u));
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&ring8), 1u);
    SQ_CHECK_EQ(guest_calls, 0u);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);

    reset();
    open_u8(SQ_P3_HOST_READS, &end);
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 0u, 0u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 0u));
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 16u, 8u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 8u));
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 0u, 0u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    p3_expect_event(&tb, end, SQ_P3_EVENT_NONE, 0u);
    uint8_t one;
    SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&ring8, &one), SQ_OK);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    p3_expect_event(&tb, end, SQ_P3_EVENT_STREAM_WRITE, WORD(DONE_OK, 0u));
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&ring8), 7u);
}

/* Cancel: CANCELLED with what moved since the last delivery, never
 * BLOCKED. */
static void test_cancel(void **state)
{
    (void)state;
    uint32_t end = 0u, res = 0u;
    reset();
    open_u8(SQ_P3_HOST_WRITES, &end);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, end, 16u, 8u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    push(0u, 3u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_cancel_read(&tb, &t_u8, end, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(CANCELLED, 3u));
    check_seq(16u, 0u, 3u);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, end, 16u, 8u, false, &res), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, end, 16u, 8u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_stream_cancel_read(&tb, &t_u8, end, false, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(CANCELLED, 0u));
    /* The cancelled read's buffer is no longer written. */
    push(3u, 2u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&ring8), 2u);
    /* A synchronous read that need not wait completes in the idle thread. */
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, end, 40u, 8u, false, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 2u));
    check_seq(40u, 3u, 2u);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);

    reset();
    open_u8(SQ_P3_HOST_READS, &end);
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 16u, 8u, true, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 16u, 4u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    uint8_t two[2];
    uint32_t got = 0u;
    SQ_CHECK_EQ(sq_typed_ring_buf_read(&ring8, two, 2u, &got), SQ_OK);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_cancel_write(&tb, &t_u8, end, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(CANCELLED, 2u));
}

/* Close is the host's drop; a guest's drop reaches the driver. */
static void test_close_and_drop(void **state)
{
    (void)state;
    uint32_t end = 0u, res = 0u;
    reset();
    open_u8(SQ_P3_HOST_WRITES, &end);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, end, 16u, 8u, true, &res), SQ_OK);
    push(0u, 3u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_OK);
    push(3u, 1u);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_ERR_STATE);
    /* What the ring holds stays there. */
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&ring8), 1u);
    p3_expect_event(&tb, end, SQ_P3_EVENT_STREAM_READ, WORD(DROPPED, 3u));
    SQ_CHECK_EQ(sq_p3_stream_drop_readable(&tb, &t_u8, end), SQ_OK);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_b.handles), 0u);

    /* An idle end learns at its next copy; then it is done. */
    reset();
    open_u8(SQ_P3_HOST_READS, &end);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 16u, 4u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DROPPED, 0u));
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, end, 16u, 4u, true, &res), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_DONE);

    /* The guest drops first: the driver is told, notify says so, close
     * gives the channel back. */
    reset();
    open_u8(SQ_P3_HOST_WRITES, &end);
    SQ_CHECK_EQ(sq_p3_stream_drop_readable(&tb, &t_u8, end), SQ_OK);
    SQ_CHECK_EQ(guest_calls, 1u);
    SQ_CHECK_EQ(p3_rt.channels.used, 1u);
    SQ_CHECK_EQ(sq_p3_host_stream_notify(&hs), SQ_ERR_DESTROYED);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
}

/* The built-ins' checks apply; the readable end may move to another
 * instance, the writable end may not. */
static void test_guest_rules(void **state)
{
    (void)state;
    uint32_t end = 0u, moved = 0u, res = 0u;
    reset();
    open_u8(SQ_P3_HOST_WRITES, &end);
    SQ_CHECK_EQ(sq_p3_end_transfer(&tb, &inst_a, &t_u8, end, &moved), SQ_OK);
    push(0u, 4u);
    SQ_CHECK_EQ(sq_p3_stream_read(&ta, &t_u8, moved, 200u, 4u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 4u));
    for (uint32_t i = 0u; i < 4u; i++) {
        SQ_CHECK_EQ(mem_a[200u + i], seq(i));
    }
    SQ_CHECK_EQ(sq_p3_stream_read(&ta, &t_u8, moved, 254u, 4u, true, &res), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_BOUNDS);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);

    reset();
    open_u8(SQ_P3_HOST_READS, &end);
    SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u32, end, 16u, 1u, true, &res), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_WRONG_TYPE);
    reset();
    open_u8(SQ_P3_HOST_READS, &end);
    SQ_CHECK_EQ(sq_p3_end_transfer(&tb, &inst_a, &t_u8, end, &moved), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_WRONG_KIND);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
}

/* ---- Threads: an interrupt and a driver thread feed a guest's reads ---- */

#define FED 29u
static uint32_t feed_end, feed_set, feed_rounds;
static uint8_t feed_got[FED];
static sq_status_t feed_st[4];

static void irq_feed(void *arg)
{
    (void)arg;
    uint8_t five[5];
    uint32_t put = 0u;
    for (uint32_t i = 0u; i < 5u; i++) {
        five[i] = seq(i);
    }
    (void)sq_typed_ring_buf_write(&ring8, five, 5u, &put);
    feed_st[1] = sq_p3_host_stream_notify(&hs);
}

/* The guest: async reads of up to 8 into mem_b[16..], waiting on its set
 * when blocked, until FED bytes came. */
static void guest_reader(void *arg)
{
    (void)arg;
    uint32_t received = 0u;
    while (received < FED) {
        uint32_t res = 0u, code = 0u;
        memset(&mem_b[16], 0xee, 8u);
        SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, feed_end, 16u, 8u, true, &res), SQ_OK);
        if (res == BLOCKED) {
            SQ_CHECK_EQ(sq_p3_waitable_set_wait(&tb, feed_set, P3_EVENT_AT, &code), SQ_OK);
            SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_READ);
            SQ_CHECK_EQ(p3_word(&mem_b[P3_EVENT_AT]), feed_end);
            res = p3_word(&mem_b[P3_EVENT_AT + 4u]);
        }
        uint32_t n = res >> 4;
        SQ_CHECK_EQ(res & 0xfu, DONE_OK);
        SQ_CHECK(n > 0u && n <= 8u && received + n <= FED);
        memcpy(&feed_got[received], &mem_b[16], n);
        if (n < 8u) {
            SQ_CHECK_EQ(mem_b[16u + n], 0xeeu);
        }
        received += n;
        feed_rounds++;
    }
    feed_st[0] = SQ_OK;
}

/* The driver: first an interrupt pushes 5, then the thread pushes the rest
 * 3 at a time, waiting for the guest to make room when the ring is full. */
static void driver_feeder(void *arg)
{
    (void)arg;
    feed_st[2] = sq_kernel_soft_irq(irq_feed, NULL);
    uint32_t sent = 5u;
    while (sent < FED) {
        uint32_t room = sq_typed_ring_buf_space_available(&ring8);
        if (room == 0u) {
            (void)sq_sem_take(&ring_moved, SQ_FOREVER);
            continue;
        }
        uint32_t n = FED - sent < 3u ? FED - sent : 3u;
        n = n < room ? n : room;
        push(sent, n);
        sent += n;
        if (sq_p3_host_stream_notify(&hs) != SQ_OK) {
            feed_st[3] = SQ_ERR_STATE;
        }
    }
}

static void test_irq_and_driver_feed(void **state)
{
    (void)state;
    reset();
    open_u8(SQ_P3_HOST_WRITES, &feed_end);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &feed_set), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&tb, feed_end, feed_set), SQ_OK);
    feed_rounds = 0u;
    memset(feed_got, 0, sizeof feed_got);
    for (uint32_t i = 0u; i < 4u; i++) {
        feed_st[i] = SQ_ERR_BUSY;
    }
    feed_st[3] = SQ_OK;
    SQ_CHECK_EQ(sq_thread_start(&th_guest, guest_reader, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_driver, driver_feeder, NULL, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(feed_st[0], SQ_OK);
    SQ_CHECK_EQ(feed_st[1], SQ_OK);
    SQ_CHECK_EQ(feed_st[2], SQ_OK);
    SQ_CHECK_EQ(feed_st[3], SQ_OK);
    for (uint32_t i = 0u; i < FED; i++) {
        SQ_CHECK_EQ(feed_got[i], seq(i));
    }
    /* 5 from the interrupt, then 3 at a time: more than 4 rounds. */
    SQ_CHECK(feed_rounds >= 4u);
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&ring8), 0u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);
}

/* ---- Threads: a driver drains a guest's writes ---- */

#define DRAINED 23u
static uint32_t drain_end, drain_set;
static uint8_t drain_got[DRAINED];
static sq_status_t drain_st[2];

/* The guest: async writes of up to 6 from mem_b[16..] through its set,
 * then, out of the set, synchronous ones. */
static void guest_writer(void *arg)
{
    (void)arg;
    uint32_t sent = 0u;
    bool in_set = true;
    while (sent < DRAINED) {
        uint32_t n = DRAINED - sent < 6u ? DRAINED - sent : 6u;
        uint32_t res = 0u, code = 0u;
        bool async = sent < DRAINED / 2u;
        if (!async && in_set) {
            SQ_CHECK_EQ(sq_p3_waitable_join(&tb, drain_end, 0u), SQ_OK);
            in_set = false;
        }
        for (uint32_t i = 0u; i < n; i++) {
            mem_b[16u + i] = seq(sent + i);
        }
        SQ_CHECK_EQ(sq_p3_stream_write(&tb, &t_u8, drain_end, 16u, n, async, &res), SQ_OK);
        if (res == BLOCKED) {
            SQ_CHECK_EQ(sq_p3_waitable_set_wait(&tb, drain_set, P3_EVENT_AT, &code), SQ_OK);
            SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_WRITE);
            res = p3_word(&mem_b[P3_EVENT_AT + 4u]);
        }
        SQ_CHECK_EQ(res & 0xfu, DONE_OK);
        SQ_CHECK(res >> 4 > 0u && res >> 4 <= n);
        sent += res >> 4;
    }
    drain_st[0] = SQ_OK;
}

static void driver_drainer(void *arg)
{
    (void)arg;
    uint32_t drained = 0u;
    while (drained < DRAINED) {
        uint32_t got = 0u;
        uint32_t want = DRAINED - drained < 2u ? DRAINED - drained : 2u;
        if (sq_typed_ring_buf_read(&ring8, &drain_got[drained], want, &got) != SQ_OK) {
            (void)sq_sem_take(&ring_moved, SQ_FOREVER);
            continue;
        }
        drained += got;
        if (sq_p3_host_stream_notify(&hs) != SQ_OK) {
            return;
        }
    }
    drain_st[1] = SQ_OK;
}

static void test_driver_drains(void **state)
{
    (void)state;
    reset();
    open_u8(SQ_P3_HOST_READS, &drain_end);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &drain_set), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&tb, drain_end, drain_set), SQ_OK);
    drain_st[0] = SQ_ERR_BUSY;
    drain_st[1] = SQ_ERR_BUSY;
    memset(drain_got, 0, sizeof drain_got);
    SQ_CHECK_EQ(sq_thread_start(&th_guest, guest_writer, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_driver, driver_drainer, NULL, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(drain_st[0], SQ_OK);
    SQ_CHECK_EQ(drain_st[1], SQ_OK);
    for (uint32_t i = 0u; i < DRAINED; i++) {
        SQ_CHECK_EQ(drain_got[i], seq(i));
    }
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);
}

/* ---- The guest cannot tell: a random run against a guest partner ---- */

/* One run: the end under test is b's; its partner is the host end over
 * ring8, or a guest end in a that plays the ring (q) and keeps one copy
 * posted over all of it, re-posting (cancel, then copy again) whenever the
 * "ring" changes, as a notify would. */
#define STEPS 400u
#define PARTNER_AT 100u
typedef struct run {
    bool host;
    bool partner_writes;
    uint32_t end, set, partner;
    bool posted;
    uint8_t q[CAP];
    uint32_t qlen;
    bool copying;
    uint32_t ptr, n, moved, fed;
    uint32_t trace[2u * STEPS + 16u];
    uint32_t len;
} run_t;
static run_t runs[2];
static uint32_t rng;

static uint32_t rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 16;
}

static void note(run_t *r, uint32_t v)
{
    if (r->len < sizeof r->trace / sizeof r->trace[0]) {
        r->trace[r->len++] = v;
    }
}

/* The guest partner's copy that moved `m`: the reader took m of q, or the
 * writer put m into the partner's buffer, now q's tail. */
static void partner_took(run_t *r, uint32_t m)
{
    if (r->partner_writes) {
        memmove(r->q, &r->q[m], r->qlen - m);
        r->qlen -= m;
    } else {
        memcpy(&r->q[r->qlen], &mem_a[PARTNER_AT], m);
        r->qlen += m;
    }
}

/* Guest partner: end the posted copy; q is then current. */
static void partner_settle(run_t *r)
{
    uint32_t res = 0u;
    if (!r->posted) {
        return;
    }
    SQ_CHECK_EQ(r->partner_writes
                    ? sq_p3_stream_cancel_write(&ta, &t_u8, r->partner, true, &res)
                    : sq_p3_stream_cancel_read(&ta, &t_u8, r->partner, true, &res),
                SQ_OK);
    r->posted = false;
    partner_took(r, res >> 4);
}

/* Guest partner: post all q offers (its elements, or its free slots). */
static void partner_post(run_t *r)
{
    for (;;) {
        uint32_t offer = r->partner_writes ? r->qlen : CAP - r->qlen;
        uint32_t res = 0u;
        if (offer == 0u) {
            return;
        }
        if (r->partner_writes) {
            memcpy(&mem_a[PARTNER_AT], r->q, r->qlen);
        }
        SQ_CHECK_EQ(r->partner_writes
                        ? sq_p3_stream_write(&ta, &t_u8, r->partner, PARTNER_AT, offer, true, &res)
                        : sq_p3_stream_read(&ta, &t_u8, r->partner, PARTNER_AT, offer, true, &res),
                    SQ_OK);
        if (res == BLOCKED) {
            r->posted = true;
            return;
        }
        SQ_CHECK_EQ(res & 0xfu, DONE_OK);
        partner_took(r, res >> 4);
    }
}

/* The partner produces (host writes) or consumes up to k elements. */
static void partner_step(run_t *r, uint32_t k)
{
    uint32_t used;
    if (r->host) {
        used = sq_typed_ring_buf_elements_available(&ring8);
    } else {
        partner_settle(r);
        used = r->qlen;
    }
    uint32_t m = r->partner_writes ? (k < CAP - used ? k : CAP - used) : (k < used ? k : used);
    note(r, 0x1000u + m);
    if (m == 0u) {
        /* A notify with nothing new still goes through the rendezvous. */
    } else if (r->partner_writes && r->host) {
        push(r->fed, m);
    } else if (r->partner_writes) {
        for (uint32_t i = 0u; i < m; i++) {
            r->q[r->qlen + i] = seq(r->fed + i);
        }
        r->qlen += m;
    } else if (r->host) {
        pop(r->fed, m);
    } else {
        for (uint32_t i = 0u; i < m; i++) {
            SQ_CHECK_EQ(r->q[i], seq(r->fed + i));
        }
        memmove(r->q, &r->q[m], r->qlen - m);
        r->qlen -= m;
    }
    r->fed += m;
    if (r->host) {
        note(r, (uint32_t)sq_p3_host_stream_notify(&hs));
    } else {
        note(r, 0u);
        partner_post(r);
    }
}

/* The end under test's copy ended with `res`: check the bytes a read got. */
static void tested_done(run_t *r, uint32_t res)
{
    uint32_t m = res >> 4;
    SQ_CHECK(m <= r->n);
    if (r->partner_writes) {
        check_seq(r->ptr, r->moved, m);
        for (uint32_t i = m; i < r->n; i++) {
            SQ_CHECK_EQ(mem_b[r->ptr + i], 0xeeu);
        }
    }
    r->moved += m;
    r->copying = false;
}

static void tested_step(run_t *r, uint32_t pick)
{
    uint32_t res = 0u, code = 0u;
    if (pick % 3u == 0u) {
        SQ_CHECK_EQ(sq_p3_waitable_set_poll(&tb, r->set, P3_EVENT_AT, &code), SQ_OK);
        note(r, 0x2000u + code);
        if (code != SQ_P3_EVENT_NONE) {
            SQ_CHECK_EQ(p3_word(&mem_b[P3_EVENT_AT]), r->end);
            res = p3_word(&mem_b[P3_EVENT_AT + 4u]);
            note(r, res);
            tested_done(r, res);
        }
    } else if (r->copying) {
        SQ_CHECK_EQ(r->partner_writes ? sq_p3_stream_cancel_read(&tb, &t_u8, r->end, true, &res)
                                      : sq_p3_stream_cancel_write(&tb, &t_u8, r->end, true, &res),
                    SQ_OK);
        note(r, 0x3000u);
        note(r, res);
        tested_done(r, res);
    } else {
        r->ptr = 16u + 32u * (pick / 3u % 4u);
        r->n = pick / 12u % 7u;
        for (uint32_t i = 0u; i < r->n; i++) {
            mem_b[r->ptr + i] = r->partner_writes ? 0xeeu : seq(r->moved + i);
        }
        SQ_CHECK_EQ(r->partner_writes
                        ? sq_p3_stream_read(&tb, &t_u8, r->end, r->ptr, r->n, true, &res)
                        : sq_p3_stream_write(&tb, &t_u8, r->end, r->ptr, r->n, true, &res),
                    SQ_OK);
        note(r, 0x4000u + r->n);
        note(r, res);
        r->copying = true;
        if (res != BLOCKED) {
            tested_done(r, res);
        }
    }
}

static void run_one(run_t *r, bool host, bool partner_writes, uint32_t seed)
{
    uint32_t a_end = 0u;
    memset(r, 0, sizeof *r);
    r->host = host;
    r->partner_writes = partner_writes;
    reset();
    if (host) {
        open_u8(partner_writes ? SQ_P3_HOST_WRITES : SQ_P3_HOST_READS, &r->end);
    } else if (partner_writes) {
        p3_pipe(&t_u8, false, &r->end, &r->partner);
    } else {
        p3_new(&tb, &t_u8, false, &a_end, &r->end);
        SQ_CHECK_EQ(sq_p3_end_transfer(&tb, &inst_a, &t_u8, a_end, &r->partner), SQ_OK);
        partner_post(r);
    }
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &r->set), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&tb, r->end, r->set), SQ_OK);
    rng = seed;
    for (uint32_t step = 0u; step < STEPS; step++) {
        uint32_t pick = rnd();
        if (pick % 2u == 0u) {
            partner_step(r, pick / 2u % 6u);
        } else {
            tested_step(r, pick / 2u);
        }
    }
    /* The partner leaves; the end under test sees DROPPED. */
    if (host) {
        SQ_CHECK_EQ(sq_p3_host_stream_close(&hs), SQ_OK);
    } else {
        partner_settle(r);
        SQ_CHECK_EQ(partner_writes ? sq_p3_stream_drop_writable(&ta, &t_u8, r->partner)
                                   : sq_p3_stream_drop_readable(&ta, &t_u8, r->partner),
                    SQ_OK);
    }
    if (!r->copying) {
        tested_step(r, 1u);
    }
    tested_step(r, 0u);
    SQ_CHECK(!r->copying);
    SQ_CHECK_EQ(sq_p3_waitable_join(&tb, r->end, 0u), SQ_OK);
    SQ_CHECK_EQ(partner_writes ? sq_p3_stream_drop_readable(&tb, &t_u8, r->end)
                               : sq_p3_stream_drop_writable(&tb, &t_u8, r->end),
                SQ_OK);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
}

static void test_same_as_guest_partner(void **state)
{
    (void)state;
    for (uint32_t dir = 0u; dir < 2u; dir++) {
        for (uint32_t seed = 1u; seed <= 3u; seed++) {
            run_one(&runs[0], true, dir == 0u, seed);
            run_one(&runs[1], false, dir == 0u, seed);
            SQ_CHECK_EQ(runs[0].len, runs[1].len);
            SQ_CHECK_MEM_EQ(runs[0].trace, runs[1].trace, runs[0].len * sizeof(uint32_t));
            /* The run moved something and delivered events. */
            SQ_CHECK(runs[0].moved > 20u);
        }
    }
}

SQ_TEST_MAIN(SQ_TEST(test_new_refusals), SQ_TEST(test_host_writes), SQ_TEST(test_host_reads),
             SQ_TEST(test_zero_length), SQ_TEST(test_cancel), SQ_TEST(test_close_and_drop),
             SQ_TEST(test_guest_rules), SQ_TEST(test_irq_and_driver_feed),
             SQ_TEST(test_driver_drains), SQ_TEST(test_same_as_guest_partner))
