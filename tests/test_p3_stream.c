/*
 * P3 streams and futures (ST01-ST04), on the host and on Cortex-M under
 * QEMU: the reference's rendezvous, zero-length table, cancel and drop
 * rules, futures, transfer, and every trap, between two instances with
 * their own linear memories.
 */
#include <squall/thread.h>
#include "sq_p3_fixture.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);

#define BLOCKED SQ_P3_BLOCKED
#define WORD(result, n) SQ_P3_STREAM_RESULT((result), (n))
#define DONE_OK SQ_P3_COPY_COMPLETED
#define DROPPED SQ_P3_COPY_DROPPED
#define CANCELLED SQ_P3_COPY_CANCELLED

/* Shorthands: async copies in instance a (ta) and b (tb). */
static sq_status_t rd(sq_p3_thread_t *t, uint32_t end, uint32_t ptr, uint32_t n, uint32_t *res)
{
    return sq_p3_stream_read(t, &t_u8, end, ptr, n, true, res);
}
static sq_status_t wr(sq_p3_thread_t *t, uint32_t end, uint32_t ptr, uint32_t n, uint32_t *res)
{
    return sq_p3_stream_write(t, &t_u8, end, ptr, n, true, res);
}

/* A trap marks its instance with the reason and leaves the other alone. */
static void check_trapped(sq_p3_instance_t *inst, sq_p3_trap_t why, sq_p3_instance_t *other)
{
    SQ_CHECK_EQ(sq_p3_instance_trap(inst), why);
    SQ_CHECK_EQ(sq_p3_instance_trap(other), SQ_P3_TRAP_NONE);
}

/* Indices as the reference hands them out; descriptors `new` refuses. */
static void test_new_indices(void **state)
{
    (void)state;
    uint32_t r = 0u, w = 0u;
    uint64_t packed = 7u;
    SQ_P3_TYPE_DEFINE(t_handle, SQ_P3_ELEM_HANDLE, 4u, 4u);
    SQ_P3_TYPE_DEFINE(t_string, SQ_P3_ELEM_STRING, 8u, 4u);
    SQ_P3_TYPE_DEFINE(t_align3, SQ_P3_ELEM_NUMBER, 3u, 3u);
    SQ_P3_TYPE_DEFINE(t_unit4, SQ_P3_ELEM_NONE, 4u, 1u);
    SQ_P3_TYPE_DEFINE(t_ragged, SQ_P3_ELEM_PLAIN, 6u, 4u);
    SQ_P3_TYPE_DEFINE(t_kind9, 9u, 4u, 4u);
    p3_reset();
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, NULL, &packed), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_u8, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_stream_new(NULL, &t_u8, &packed), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_handle, &packed), SQ_ERR_UNSUPPORTED);
    SQ_CHECK_EQ(sq_p3_future_new(&ta, &t_string, &packed), SQ_ERR_UNSUPPORTED);
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_align3, &packed), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_unit4, &packed), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_ragged, &packed), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_kind9, &packed), SQ_ERR_INVALID);
    SQ_CHECK_EQ(packed, 7u);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);

    /* The first stream of a fresh instance: r = 1, w = 2. */
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_u8, &packed), SQ_OK);
    SQ_CHECK_EQ(packed, 1u | (2ull << 32));
    SQ_CHECK_EQ(sq_p3_stream_drop_readable(&ta, &t_u8, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_drop_writable(&ta, &t_u8, 2u), SQ_OK);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
    /* 1 then 2 freed: the most recently freed first. */
    p3_new(&ta, &t_u8, true, &r, &w);
    SQ_CHECK_EQ(r, 2u);
    SQ_CHECK_EQ(w, 1u);
}

/* Rendezvous: the second arriver copies straight from the writer's memory
 * to the reader's and completes; the first gets its event. */
static void test_rendezvous(void **state)
{
    (void)state;
    uint32_t r = 0u, w = 0u, res = 0u;
    p3_reset();
    p3_pipe(&t_u32, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u32, r, 16u, 4u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_stream_write(&ta, &t_u32, w, 32u, 4u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 4u));
    SQ_CHECK_MEM_EQ(&mem_b[16], &mem_a[32], 16u);
    SQ_CHECK_EQ(mem_b[15], 0x80u + 15u);
    SQ_CHECK_EQ(mem_b[32], 0x80u + 32u);
    p3_expect_event(&tb, r, SQ_P3_EVENT_STREAM_READ, WORD(DONE_OK, 4u));

    /* Writer first: the writer's memory is read at the rendezvous, so an
     * edit made after BLOCKED is what the reader sees. */
    SQ_CHECK_EQ(sq_p3_stream_write(&ta, &t_u32, w, 64u, 2u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    mem_a[64] = 0xeeu;
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u32, r, 100u, 4u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 2u));
    SQ_CHECK_EQ(mem_b[100], 0xeeu);
    SQ_CHECK_MEM_EQ(&mem_b[101], &mem_a[65], 7u);
    SQ_CHECK_EQ(mem_b[108], 0x80u + 108u);
    p3_expect_event(&ta, w, SQ_P3_EVENT_STREAM_WRITE, WORD(DONE_OK, 2u));
    /* Delivered: nothing more. */
    p3_expect_event(&ta, w, SQ_P3_EVENT_NONE, 0u);
}

/* The pending reader stays registered: two writes fill it, and its event
 * reports the total at delivery (0x60). */
static void test_partial_accumulates(void **state)
{
    (void)state;
    uint32_t r = 0u, w = 0u, res = 0u;
    p3_reset();
    p3_pipe(&t_u8, false, &r, &w);
    SQ_CHECK_EQ(rd(&tb, r, 16u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(wr(&ta, w, 40u, 3u, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 3u));
    SQ_CHECK_EQ(wr(&ta, w, 50u, 3u, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 3u));
    SQ_CHECK_MEM_EQ(&mem_b[16], &mem_a[40], 3u);
    SQ_CHECK_MEM_EQ(&mem_b[19], &mem_a[50], 3u);
    SQ_CHECK_EQ(mem_b[22], 0x80u + 22u);
    p3_expect_event(&tb, r, SQ_P3_EVENT_STREAM_READ, 0x60u);

    /* Delivery reclaimed the buffer: the next write waits. */
    SQ_CHECK_EQ(wr(&ta, w, 40u, 3u, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);

    /* A full pending buffer: the next arriver completes it and takes its
     * place. */
    p3_reset();
    p3_pipe(&t_u8, false, &r, &w);
    SQ_CHECK_EQ(rd(&tb, r, 16u, 2u, &res), SQ_OK);
    SQ_CHECK_EQ(wr(&ta, w, 40u, 2u, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 2u));
    SQ_CHECK_EQ(wr(&ta, w, 60u, 3u, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    p3_expect_event(&tb, r, SQ_P3_EVENT_STREAM_READ, WORD(DONE_OK, 2u));
    SQ_CHECK_EQ(rd(&tb, r, 20u, 5u, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 3u));
    SQ_CHECK_MEM_EQ(&mem_b[20], &mem_a[60], 3u);
    p3_expect_event(&ta, w, SQ_P3_EVENT_STREAM_WRITE, WORD(DONE_OK, 3u));
}

/* Every row of the reference's zero-length table: a first copy waits
 * (BLOCKED), a second arrives and gets `result`; the first end's event is
 * then `event` (NONE: it still waits). */
struct zero_row {
    bool first_writes;
    uint32_t first_n;
    uint32_t second_n;
    uint32_t result;
    uint32_t event;
};
static const struct zero_row zero_rows[] = {
    /* writer with room pending, 0-length read: read done, writer waits on */
    {true, 4u, 0u, WORD(DONE_OK, 0u), SQ_P3_EVENT_NONE},
    /* reader with room pending, 0-length write: write done, reader waits on */
    {false, 4u, 0u, WORD(DONE_OK, 0u), SQ_P3_EVENT_NONE},
    /* 0-length reader, 0-length write: write done, reader waits on */
    {false, 0u, 0u, WORD(DONE_OK, 0u), SQ_P3_EVENT_NONE},
    /* 0-length writer, 0-length read: writer done, the read waits */
    {true, 0u, 0u, BLOCKED, SQ_P3_EVENT_STREAM_WRITE},
    /* 0-length reader, n-write: reader done, the write waits */
    {false, 0u, 3u, BLOCKED, SQ_P3_EVENT_STREAM_READ},
    /* 0-length writer, n-read: writer done, the read waits */
    {true, 0u, 2u, BLOCKED, SQ_P3_EVENT_STREAM_WRITE},
};
static void test_zero_length(void **state)
{
    (void)state;
    for (size_t i = 0u; i < sizeof zero_rows / sizeof zero_rows[0]; i++) {
        const struct zero_row *row = &zero_rows[i];
        uint32_t r = 0u, w = 0u, res = 0u;
        p3_reset();
        p3_pipe(&t_u8, false, &r, &w);
        sq_p3_thread_t *t1 = row->first_writes ? &ta : &tb;
        sq_p3_thread_t *t2 = row->first_writes ? &tb : &ta;
        uint32_t e1 = row->first_writes ? w : r;
        uint32_t e2 = row->first_writes ? r : w;
        /* Nothing pending: even a 0-length copy waits. */
        SQ_CHECK_EQ((row->first_writes ? wr : rd)(t1, e1, 8u, row->first_n, &res), SQ_OK);
        SQ_CHECK_EQ(res, BLOCKED);
        SQ_CHECK_EQ((row->first_writes ? rd : wr)(t2, e2, 8u, row->second_n, &res), SQ_OK);
        SQ_CHECK_EQ(res, row->result);
        /* The first end's event: COMPLETED, 0 (payload 0), or none. */
        p3_expect_event(t1, e1, row->event, WORD(DONE_OK, 0u));
        /* The end left waiting has neither moved nor an event: cancel
         * says CANCELLED, 0. */
        bool second_waits = row->result == BLOCKED;
        bool waiter_writes = second_waits != row->first_writes;
        SQ_CHECK_EQ((waiter_writes ? sq_p3_stream_cancel_write : sq_p3_stream_cancel_read)(
                        second_waits ? t2 : t1, &t_u8, second_waits ? e2 : e1, true, &res),
                    SQ_OK);
        SQ_CHECK_EQ(res, WORD(CANCELLED, 0u));
        SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
        SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    }
}

/* Cancel: CANCELLED,0 with nothing moved; CANCELLED,n after undelivered
 * progress (the spec tests' rule); DROPPED,n unchanged. */
static void test_cancel_numbers(void **state)
{
    (void)state;
    uint32_t r = 0u, w = 0u, res = 0u;
    p3_reset();
    p3_pipe(&t_u8, false, &r, &w);
    SQ_CHECK_EQ(rd(&tb, r, 16u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_cancel_read(&tb, &t_u8, r, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x2u);
    /* Idle again, and no longer the partner: the write waits. */
    SQ_CHECK_EQ(wr(&ta, w, 40u, 4u, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_stream_cancel_write(&ta, &t_u8, w, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x2u);

    SQ_CHECK_EQ(rd(&tb, r, 16u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(wr(&ta, w, 40u, 4u, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x40u);
    SQ_CHECK_EQ(sq_p3_stream_cancel_read(&tb, &t_u8, r, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x42u);
    p3_expect_event(&tb, r, SQ_P3_EVENT_NONE, 0u);

    /* The writer's side. */
    SQ_CHECK_EQ(wr(&ta, w, 40u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(rd(&tb, r, 16u, 4u, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x40u);
    SQ_CHECK_EQ(sq_p3_stream_cancel_write(&ta, &t_u8, w, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x42u);

    /* Writes 4 into a pending read, then drops: DROPPED,4. */
    SQ_CHECK_EQ(rd(&tb, r, 16u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(wr(&ta, w, 40u, 4u, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_drop_writable(&ta, &t_u8, w), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_cancel_read(&tb, &t_u8, r, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x41u);

    /* The same on the writer's side. */
    p3_reset();
    p3_pipe(&t_u8, false, &r, &w);
    SQ_CHECK_EQ(wr(&ta, w, 40u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(rd(&tb, r, 16u, 4u, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_drop_readable(&tb, &t_u8, r), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_cancel_write(&ta, &t_u8, w, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x41u);
    /* DROPPED is final: the end is done. */
    SQ_CHECK_EQ(wr(&ta, w, 40u, 1u, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_DONE, &inst_b);
}

/* Drop: the other side's pending copy gets DROPPED with its progress;
 * later copies on the survivor get DROPPED,0 and end it; a copying end
 * cannot be dropped. */
static void test_drop_rules(void **state)
{
    (void)state;
    uint32_t r = 0u, w = 0u, res = 0u;
    p3_reset();
    p3_pipe(&t_u8, false, &r, &w);
    SQ_CHECK_EQ(rd(&tb, r, 16u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(wr(&ta, w, 40u, 4u, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_drop_writable(&ta, &t_u8, w), SQ_OK);
    p3_expect_event(&tb, r, SQ_P3_EVENT_STREAM_READ, 0x41u);
    SQ_CHECK_EQ(sq_p3_stream_drop_readable(&tb, &t_u8, r), SQ_OK);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);

    /* Reader gone first: the write gets DROPPED,0 at once and the end is
     * done; only drop is legal then. */
    p3_pipe(&t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_stream_drop_readable(&tb, &t_u8, r), SQ_OK);
    SQ_CHECK_EQ(wr(&ta, w, 40u, 4u, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DROPPED, 0u));
    SQ_CHECK_EQ(sq_p3_stream_drop_writable(&ta, &t_u8, w), SQ_OK);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);

    /* Unit streams count elements too. */
    p3_pipe(&t_unit, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_unit, r, 0xdeadbeefu, 5u, true, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_write(&ta, &t_unit, w, 0xdeadbeefu, 3u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 3u));

    /* A copy with undelivered progress is still copying: drop traps. */
    p3_pipe(&t_u8, false, &r, &w);
    SQ_CHECK_EQ(rd(&tb, r, 16u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(wr(&ta, w, 40u, 4u, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_drop_readable(&tb, &t_u8, r), SQ_ERR_TRAP);
    check_trapped(&inst_b, SQ_P3_TRAP_BUSY, &inst_a);
    /* Nothing changed: the writer's next write still fills the read. */
    SQ_CHECK_EQ(wr(&ta, w, 50u, 4u, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 4u));
    /* A trapped instance is poisoned. */
    SQ_CHECK_EQ(sq_p3_stream_cancel_read(&tb, &t_u8, r, true, &res), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_BUSY);
}

/* Futures: one element, the rendezvous ends both copies; futures must
 * write; the reader may leave at any time it is not reading. */
static void test_futures(void **state)
{
    (void)state;
    uint32_t r = 0u, w = 0u, res = 0u;
    p3_reset();
    p3_pipe(&t_u32, true, &r, &w);
    SQ_CHECK_EQ(sq_p3_future_read(&tb, &t_u32, r, 16u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_future_cancel_read(&tb, &t_u32, r, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, CANCELLED);
    SQ_CHECK_EQ(sq_p3_future_read(&tb, &t_u32, r, 16u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_future_write(&ta, &t_u32, w, 64u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, DONE_OK);
    SQ_CHECK_MEM_EQ(&mem_b[16], &mem_a[64], 4u);
    SQ_CHECK_EQ(mem_b[20], 0x80u + 20u);
    /* The writer is done: it may drop, and the reader still sees
     * COMPLETED, not DROPPED. */
    SQ_CHECK_EQ(sq_p3_future_drop_writable(&ta, &t_u32, w), SQ_OK);
    p3_expect_event(&tb, r, SQ_P3_EVENT_FUTURE_READ, DONE_OK);
    SQ_CHECK_EQ(sq_p3_future_drop_readable(&tb, &t_u32, r), SQ_OK);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);

    /* Writer first; a cancel that finds the COMPLETED event returns it. */
    p3_pipe(&t_u32, true, &r, &w);
    SQ_CHECK_EQ(sq_p3_future_write(&ta, &t_u32, w, 64u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_future_read(&tb, &t_u32, r, 24u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, DONE_OK);
    SQ_CHECK_EQ(sq_p3_future_cancel_write(&ta, &t_u32, w, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, DONE_OK);
    SQ_CHECK_EQ(sq_p3_future_drop_writable(&ta, &t_u32, w), SQ_OK);
    SQ_CHECK_EQ(sq_p3_future_drop_readable(&tb, &t_u32, r), SQ_OK);

    /* The reader leaves early: a later write sees DROPPED. */
    p3_pipe(&t_u32, true, &r, &w);
    SQ_CHECK_EQ(sq_p3_future_drop_readable(&tb, &t_u32, r), SQ_OK);
    SQ_CHECK_EQ(sq_p3_future_write(&ta, &t_u32, w, 64u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, DROPPED);
    SQ_CHECK_EQ(sq_p3_future_drop_writable(&ta, &t_u32, w), SQ_OK);

    /* The reader leaves while a write waits: the writer's event is
     * FUTURE_WRITE DROPPED (the reference's intended behaviour). */
    p3_pipe(&t_u32, true, &r, &w);
    SQ_CHECK_EQ(sq_p3_future_write(&ta, &t_u32, w, 64u, true, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_future_drop_readable(&tb, &t_u32, r), SQ_OK);
    p3_expect_event(&ta, w, SQ_P3_EVENT_FUTURE_WRITE, DROPPED);
    SQ_CHECK_EQ(sq_p3_future_drop_writable(&ta, &t_u32, w), SQ_OK);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);

    /* Futures must write: dropping the writable end before, traps. */
    p3_pipe(&t_u32, true, &r, &w);
    SQ_CHECK_EQ(sq_p3_future_drop_writable(&ta, &t_u32, w), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_FUTURE_UNWRITTEN, &inst_b);

    /* A done future end: everything but drop traps. */
    p3_reset();
    p3_pipe(&t_u32, true, &r, &w);
    SQ_CHECK_EQ(sq_p3_future_write(&ta, &t_u32, w, 64u, true, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_future_read(&tb, &t_u32, r, 24u, true, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_future_read(&tb, &t_u32, r, 24u, true, &res), SQ_ERR_TRAP);
    check_trapped(&inst_b, SQ_P3_TRAP_DONE, &inst_a);
}

/* Within one instance: numbers and unit copy (overlapping buffers
 * included), other element types trap. */
static void test_same_instance(void **state)
{
    (void)state;
    uint32_t r = 0u, w = 0u, res = 0u;
    uint8_t want[8];
    p3_reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    memcpy(want, &mem_a[16], sizeof want);
    SQ_CHECK_EQ(rd(&ta, r, 12u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(wr(&ta, w, 16u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x80u);
    SQ_CHECK_MEM_EQ(&mem_a[12], want, sizeof want);
    p3_expect_event(&ta, r, SQ_P3_EVENT_STREAM_READ, 0x80u);
    memcpy(want, &mem_a[16], sizeof want);
    SQ_CHECK_EQ(wr(&ta, w, 16u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(rd(&ta, r, 19u, 8u, &res), SQ_OK);
    SQ_CHECK_EQ(res, 0x80u);
    SQ_CHECK_MEM_EQ(&mem_a[19], want, sizeof want);

    p3_new(&ta, &t_pair, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_stream_read(&ta, &t_pair, r, 16u, 2u, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_stream_write(&ta, &t_pair, w, 0u, 0u, true, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_SAME_INSTANCE, &inst_b);
}

/* An instance of another runtime: ends never move there. */
SQ_P3_RUNTIME_DEFINE(other_rt, 1u, 1u, 1u, 1u);
SQ_P3_INSTANCE_DEFINE(inst_d, &other_rt, 4u);

/* Lifting a readable end out of one instance into another. */
static void test_transfer(void **state)
{
    (void)state;
    uint32_t r = 0u, w = 0u, r2 = 0u, w2 = 0u, moved = 0u, res = 0u, s = 0u;
    SQ_P3_INSTANCE_DEFINE(inst_c, &p3_rt, 2u);
    static uint8_t mem_c[16];
    p3_reset();
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_c, &p3_rt, inst_c_slots, 2u, mem_c, sizeof mem_c),
                SQ_OK);
    /* Not into another runtime's instance, nor into a trapped one. */
    p3_new(&ta, &t_u8, false, &r2, &w2);
    SQ_CHECK_EQ(sq_p3_runtime_init(&other_rt), SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_d, &other_rt, inst_d_slots, 4u, NULL, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_d, &t_u8, r2, &moved), SQ_ERR_INVALID);
    /* White-box: d as if of this runtime, and trapped before. */
    inst_d.trap = SQ_P3_TRAP_BUSY;
    inst_d.runtime = &p3_rt;
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_d, &t_u8, r2, &moved), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_BUSY);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_d.handles), 0u);
    SQ_CHECK_EQ(rd(&ta, r2, 0u, 1u, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, NULL, &t_u8, r, &moved), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_b, &t_u8, r, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_b, &t_u8, r, &moved), SQ_OK);
    SQ_CHECK_EQ(moved, 1u);
    /* Gone from a: its index there is free now. */
    SQ_CHECK_EQ(rd(&ta, r, 0u, 1u, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_BAD_HANDLE, &inst_b);

    /* Lift refusals: a writable end, a copying end, an end in a set. */
    p3_reset();
    p3_new(&tb, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_end_transfer(&tb, &inst_a, &t_u8, w, &moved), SQ_ERR_TRAP);
    check_trapped(&inst_b, SQ_P3_TRAP_WRONG_KIND, &inst_a);
    p3_reset();
    p3_new(&tb, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(rd(&tb, r, 0u, 1u, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_end_transfer(&tb, &inst_a, &t_u8, r, &moved), SQ_ERR_TRAP);
    check_trapped(&inst_b, SQ_P3_TRAP_NOT_IDLE, &inst_a);
    p3_reset();
    p3_new(&tb, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&tb, r, s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_end_transfer(&tb, &inst_a, &t_u8, r, &moved), SQ_ERR_TRAP);
    check_trapped(&inst_b, SQ_P3_TRAP_SYNC_IN_SET, &inst_a);
    /* The wrong type. */
    p3_reset();
    p3_new(&tb, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_end_transfer(&tb, &inst_a, &t_u32, r, &moved), SQ_ERR_TRAP);
    check_trapped(&inst_b, SQ_P3_TRAP_WRONG_TYPE, &inst_a);

    /* The destination's table is full: it traps (SQ_ERR_STATE: `to`'s
     * refusal), the source keeps the end. */
    p3_reset();
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_c, &p3_rt, inst_c_slots, 2u, mem_c, sizeof mem_c),
                SQ_OK);
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_c, &t_u8, r, &moved), SQ_OK);
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_c, &t_u8, r, &moved), SQ_ERR_STATE);
    check_trapped(&inst_c, SQ_P3_TRAP_TABLE_FULL, &inst_a);
    SQ_CHECK_EQ(rd(&ta, r, 0u, 1u, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
}

/* The traps not met above, each marking only its instance. */
static void test_traps(void **state)
{
    (void)state;
    uint32_t r = 0u, w = 0u, res = 0u, s = 0u;
    uint64_t packed = 0u;

    p3_reset();
    SQ_CHECK_EQ(sq_p3_instance_set_may_leave(&inst_a, false), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_u8, &packed), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_MAY_NOT_LEAVE, &inst_b);
    SQ_CHECK_EQ(sq_p3_instance_set_may_leave(&inst_a, true), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_u8, &packed), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_MAY_NOT_LEAVE);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 0u);

    p3_reset();
    SQ_CHECK_EQ(rd(&ta, 0u, 0u, 1u, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_BAD_HANDLE, &inst_b);

    p3_reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(rd(&ta, w, 0u, 1u, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_WRONG_KIND, &inst_b);

    p3_reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_stream_read(&ta, &t_u32, r, 0u, 1u, true, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_WRONG_TYPE, &inst_b);

    p3_reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(rd(&ta, r, 0u, 1u, &res), SQ_OK);
    SQ_CHECK_EQ(rd(&ta, r, 0u, 1u, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_NOT_IDLE, &inst_b);

    p3_reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_stream_cancel_write(&ta, &t_u8, w, true, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_NOT_COPYING, &inst_b);

    p3_reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, w, s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_write(&ta, &t_u8, w, 0u, 1u, false, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_SYNC_IN_SET, &inst_b);

    p3_reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, w, s), SQ_OK);
    SQ_CHECK_EQ(wr(&ta, w, 0u, 1u, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_cancel_write(&ta, &t_u8, w, false, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_SYNC_IN_SET, &inst_b);

    p3_reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(rd(&ta, r, 0u, SQ_P3_MAX_COPY + 1u, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_LENGTH, &inst_b);

    p3_reset();
    p3_new(&ta, &t_u32, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_stream_read(&ta, &t_u32, r, 2u, 1u, true, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_ALIGN, &inst_b);

    /* A 0-length copy has no buffer to check (the reference's rule). */
    p3_reset();
    p3_new(&ta, &t_u32, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_stream_read(&ta, &t_u32, r, 0xfffffffeu, 0u, true, &res), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_write(&ta, &t_u32, w, P3_MEM - 4u, 2u, true, &res), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_BOUNDS, &inst_b);

    /* Pools and tables run out. */
    p3_reset();
    for (uint32_t i = 0u; i < P3_CHANNELS; i++) {
        p3_new(&ta, &t_u8, false, &r, &w);
    }
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_u8, &packed), SQ_ERR_TRAP);
    check_trapped(&inst_a, SQ_P3_TRAP_NO_OBJECTS, &inst_b);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_a.handles), 2u * P3_CHANNELS);

    p3_reset();
    for (uint32_t i = 0u; i < P3_SETS; i++) {
        SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &s), SQ_OK);
    }
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &s), SQ_ERR_TRAP);
    check_trapped(&inst_b, SQ_P3_TRAP_NO_OBJECTS, &inst_a);
}

/* A table with room for one end only: new traps TABLE_FULL before it
 * takes either index, so the trapped instance's table is as it was
 * (length, free stack, slots), and the channel goes back to the pool. */
static void test_table_full(void **state)
{
    (void)state;
    uint64_t packed = 0u;
    SQ_P3_INSTANCE_DEFINE(inst_c, &p3_rt, 2u);
    sq_p3_thread_t tc;
    p3_reset();
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_c, &p3_rt, inst_c_slots, 2u, NULL, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&tc, &inst_c), SQ_OK);
    sq_p3_handle_table_t table = inst_c.handles;
    sq_p3_handle_slot_t slots[2];
    memcpy(slots, inst_c_slots, sizeof slots);
    SQ_CHECK_EQ(sq_p3_future_new(&tc, &t_unit, &packed), SQ_ERR_TRAP);
    check_trapped(&inst_c, SQ_P3_TRAP_TABLE_FULL, &inst_a);
    SQ_CHECK_EQ(p3_rt.channels.used, 0u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst_c.handles), 0u);
    SQ_CHECK_EQ(inst_c.handles.length, table.length);
    SQ_CHECK_EQ(inst_c.handles.free_head, table.free_head);
    SQ_CHECK_MEM_EQ(inst_c_slots, slots, sizeof slots);
    /* The same with the one free index on the free stack. */
    SQ_P3_INSTANCE_DEFINE(inst_d4, &p3_rt, 4u);
    uint32_t r = 0u, w = 0u, x = 0u;
    p3_reset();
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_d4, &p3_rt, inst_d4_slots, 4u, NULL, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&tc, &inst_d4), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tc, &x), SQ_OK);
    p3_new(&tc, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&tc, x), SQ_OK);
    table = inst_d4.handles;
    sq_p3_handle_slot_t d4_slots[4];
    memcpy(d4_slots, inst_d4_slots, sizeof d4_slots);
    SQ_CHECK_EQ(sq_p3_stream_new(&tc, &t_u8, &packed), SQ_ERR_TRAP);
    check_trapped(&inst_d4, SQ_P3_TRAP_TABLE_FULL, &inst_a);
    SQ_CHECK_EQ(inst_d4.handles.length, table.length);
    SQ_CHECK_EQ(inst_d4.handles.free_head, table.free_head);
    SQ_CHECK_MEM_EQ(inst_d4_slots, d4_slots, sizeof d4_slots);
    SQ_CHECK_EQ(p3_rt.channels.used, 1u);
}

/* A synchronous read blocks its kernel thread until another thread's
 * write completes it; a synchronous write likewise. */
static uint32_t sync_r, sync_w, sync_r2, sync_w2;
static uint32_t sync_res[4];
static sq_status_t sync_st[4];
static void sync_side(void *arg)
{
    (void)arg;
    sync_st[0] = sq_p3_stream_read(&tb, &t_u8, sync_r, 16u, 8u, false, &sync_res[0]);
    sync_st[2] = sq_p3_stream_write(&tb, &t_u8, sync_w2, 64u, 6u, false, &sync_res[2]);
}
static void async_side(void *arg)
{
    (void)arg;
    sync_st[1] = sq_p3_stream_write(&ta, &t_u8, sync_w, 40u, 5u, true, &sync_res[1]);
    sync_st[3] = sq_p3_stream_read(&ta, &t_u8, sync_r2, 100u, 4u, true, &sync_res[3]);
}
static void test_sync_blocks(void **state)
{
    (void)state;
    uint32_t r2 = 0u;
    p3_reset();
    p3_pipe(&t_u8, false, &sync_r, &sync_w);
    p3_new(&tb, &t_u8, false, &r2, &sync_w2);
    SQ_CHECK_EQ(sq_p3_end_transfer(&tb, &inst_a, &t_u8, r2, &sync_r2), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, sync_side, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, async_side, NULL, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(sync_st[0], SQ_OK);
    SQ_CHECK_EQ(sync_res[0], WORD(DONE_OK, 5u));
    SQ_CHECK_EQ(sync_st[1], SQ_OK);
    SQ_CHECK_EQ(sync_res[1], WORD(DONE_OK, 5u));
    SQ_CHECK_MEM_EQ(&mem_b[16], &mem_a[40], 5u);
    /* The synchronous write gave 4 of its 6 to the read, and returned. */
    SQ_CHECK_EQ(sync_st[3], SQ_OK);
    SQ_CHECK_EQ(sync_res[3], WORD(DONE_OK, 4u));
    SQ_CHECK_EQ(sync_st[2], SQ_OK);
    SQ_CHECK_EQ(sync_res[2], WORD(DONE_OK, 4u));
    SQ_CHECK_MEM_EQ(&mem_a[100], &mem_b[64], 4u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
}

/* A synchronous copy that completes at once needs no kernel thread; one
 * that would wait, where nothing can block (the idle thread here, an
 * interrupt below), is refused and changes nothing. */
static sq_status_t isr_st[2];
static uint32_t isr_res[2];
static void isr_copies(void *arg)
{
    (void)arg;
    isr_st[0] = sq_p3_stream_read(&tb, &t_u8, sync_r, 16u, 4u, false, &isr_res[0]);
    isr_st[1] = sq_p3_stream_read(&tb, &t_u8, sync_r, 16u, 4u, true, &isr_res[1]);
}
static void raiser(void *arg)
{
    (void)arg;
    sync_st[0] = sq_kernel_soft_irq(isr_copies, NULL);
}
static void test_sync_without_thread(void **state)
{
    (void)state;
    uint32_t res = 5u;
    p3_reset();
    p3_pipe(&t_u8, false, &sync_r, &sync_w);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, sync_r, 16u, 4u, false, &res), SQ_ERR_STATE);
    SQ_CHECK_EQ(res, 5u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    /* Nothing changed: the write finds no reader and waits. */
    SQ_CHECK_EQ(wr(&ta, sync_w, 40u, 2u, &res), SQ_OK);
    SQ_CHECK_EQ(res, BLOCKED);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, sync_r, 16u, 4u, false, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 2u));
    p3_expect_event(&ta, sync_w, SQ_P3_EVENT_STREAM_WRITE, WORD(DONE_OK, 2u));

    /* In an interrupt: refused synchronously, allowed asynchronously. */
    SQ_CHECK_EQ(sq_thread_start(&th_a, raiser, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(sync_st[0], SQ_OK);
    SQ_CHECK_EQ(isr_st[0], SQ_ERR_IN_ISR);
    SQ_CHECK_EQ(isr_st[1], SQ_OK);
    SQ_CHECK_EQ(isr_res[1], BLOCKED);
    SQ_CHECK_EQ(wr(&ta, sync_w, 40u, 3u, &res), SQ_OK);
    SQ_CHECK_EQ(res, WORD(DONE_OK, 3u));
}

SQ_TEST_MAIN(SQ_TEST(test_new_indices), SQ_TEST(test_rendezvous),
             SQ_TEST(test_partial_accumulates), SQ_TEST(test_zero_length),
             SQ_TEST(test_cancel_numbers), SQ_TEST(test_drop_rules), SQ_TEST(test_futures),
             SQ_TEST(test_same_instance), SQ_TEST(test_transfer), SQ_TEST(test_traps),
             SQ_TEST(test_table_full), SQ_TEST(test_sync_blocks),
             SQ_TEST(test_sync_without_thread))
