/*
 * The Component Model's async spec tests (the .wast files in test/async of
 * WebAssembly/component-model at 6d28164) over squall's P3 built-ins, on
 * the host and on Cortex-M under QEMU.
 *
 * Each test is named after its .wast (and the export or core function it
 * runs) and checks the numbers the .wast checks: result words, handle
 * indices, event codes and payloads, memory contents, and for assert_trap
 * SQ_ERR_TRAP with the reason squall records. Components are
 * sq_p3_instance_t's with their own linear memory; tasks are
 * sq_p3_thread_t contexts. Passing a stream or future as a parameter or
 * result is sq_p3_end_transfer (lifting out of one instance, lowering into
 * the other). A callback-lifted export's WAIT is a waitable-set.wait with
 * the event stored at EVT. Calls, subtasks and task.return values belong to
 * issue 7: where a .wast checks those, only the data-plane part is here and
 * a comment says what was left out. Where real concurrency is needed (a
 * thread blocked in a synchronous built-in or in a wait on an empty set
 * while another task runs), the tasks run on kernel threads and record
 * what they saw; the checks run after sq_kernel_run returns.
 *
 * A trapped instance is poisoned; the threads blocked in it are aborted by
 * the test (what an embedder does when it unwinds the instance) and the
 * runtime's caller memory is wiped before the next test.
 */
#include <string.h>
#include <squall/thread.h>
#include <squall/p3_runtime.h>
#include "sq_test.h"

#define MEM_BYTES 1024u
#define HANDLES 96u
/* Where a callback-lifted export's event is stored (the callback gets it
 * as arguments, so this stands apart from the .wast's data). */
#define EVT 0x300u

SQ_P3_RUNTIME_DEFINE(conf_rt, 40u, 6u, 8u, 2u);

static _Alignas(8) uint8_t mem_c[MEM_BYTES];
static _Alignas(8) uint8_t mem_d[MEM_BYTES];
static _Alignas(8) uint8_t mem_e[MEM_BYTES];
static sq_p3_handle_slot_t slots_c[HANDLES], slots_d[HANDLES], slots_e[HANDLES];
static sq_p3_instance_t inst_c, inst_d, inst_e;
/* Tasks: tc and tc2 run in $C, td in $D, te in the third component. */
static sq_p3_thread_t tc, tc2, td, te;

/* Element types: `u8`, `char` (plain data, 4 bytes), and none (`stream`,
 * `future` with no T). */
SQ_P3_TYPE_DEFINE(ty_u8, SQ_P3_ELEM_NUMBER, 1u, 1u);
SQ_P3_TYPE_DEFINE(ty_char, SQ_P3_ELEM_PLAIN, 4u, 4u);
SQ_P3_TYPE_DEFINE(ty_unit, SQ_P3_ELEM_NONE, 0u, 1u);

#define STACK 4096u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);
SQ_THREAD_DEFINE(th_c, STACK);

#define CHECK_OK(expr) SQ_CHECK_EQ((expr), SQ_OK)
/* A test that runs one variant of a shared scenario (one .wast export or
 * argument each). */
#define VARIANT(name, call)                                                   \
    static void name(void **state)                                            \
    {                                                                         \
        (void)state;                                                          \
        call;                                                                 \
    }
/* A built-in on `inst` traps for `reason`. */
#define CHECK_TRAP(expr, inst, reason)                                        \
    do {                                                                      \
        SQ_CHECK_EQ((expr), SQ_ERR_TRAP);                                     \
        SQ_CHECK_EQ(sq_p3_instance_trap(&(inst)), (reason));                  \
    } while (0)

/* Little-endian loads and stores in a linear memory (i32.load etc.). */
static uint32_t ld32(const uint8_t *m, uint32_t off)
{
    return (uint32_t)m[off] | (uint32_t)m[off + 1u] << 8 | (uint32_t)m[off + 2u] << 16 |
           (uint32_t)m[off + 3u] << 24;
}
static uint32_t ld16(const uint8_t *m, uint32_t off)
{
    return (uint32_t)m[off] | (uint32_t)m[off + 1u] << 8;
}
static uint64_t ld64(const uint8_t *m, uint32_t off)
{
    return (uint64_t)ld32(m, off) | (uint64_t)ld32(m, off + 4u) << 32;
}
static void st32(uint8_t *m, uint32_t off, uint32_t v)
{
    for (uint32_t i = 0u; i < 4u; i++) {
        m[off + i] = (uint8_t)(v >> (8u * i));
    }
}
static void st64(uint8_t *m, uint32_t off, uint64_t v)
{
    st32(m, off, (uint32_t)v);
    st32(m, off + 4u, (uint32_t)(v >> 32));
}

static uint32_t readable_of(uint64_t packed)
{
    return (uint32_t)packed;
}
static uint32_t writable_of(uint64_t packed)
{
    return (uint32_t)(packed >> 32);
}

/* Every test starts from fresh instances over a fresh runtime. What a
 * trapped instance left behind is abandoned: its objects' caller memory is
 * wiped. */
static void fresh(void)
{
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    memset(conf_rt_channels, 0, sizeof conf_rt_channels);
    memset(conf_rt_sets, 0, sizeof conf_rt_sets);
    memset(conf_rt_set_storage, 0, sizeof conf_rt_set_storage);
    memset(conf_rt_errors, 0, sizeof conf_rt_errors);
    conf_rt.magic = 0u;
    CHECK_OK(sq_p3_runtime_init(&conf_rt));
    memset(mem_c, 0, sizeof mem_c);
    memset(mem_d, 0, sizeof mem_d);
    memset(mem_e, 0, sizeof mem_e);
    CHECK_OK(sq_p3_instance_init(&inst_c, &conf_rt, slots_c, HANDLES, mem_c, MEM_BYTES));
    CHECK_OK(sq_p3_instance_init(&inst_d, &conf_rt, slots_d, HANDLES, mem_d, MEM_BYTES));
    CHECK_OK(sq_p3_instance_init(&inst_e, &conf_rt, slots_e, HANDLES, mem_e, MEM_BYTES));
    CHECK_OK(sq_p3_thread_init(&tc, &inst_c));
    CHECK_OK(sq_p3_thread_init(&tc2, &inst_c));
    CHECK_OK(sq_p3_thread_init(&td, &inst_d));
    CHECK_OK(sq_p3_thread_init(&te, &inst_e));
}

/* ---------------------------------------------------------------------- */
/* partial-stream-copies.wast: $D.run writes into the 12-byte read that
 * $C.transform posted, several writes filling it before its event is
 * delivered; then $C reads the rest of $D's blocked 12-byte write in three
 * reads and drops, and $D sees DROPPED | 12. Left out: the async call of
 * transform itself (its RETURNED result, retp) and the callback loop's
 * EXIT; the stream end it returns is the transfer into $D (index 1). */
static void test_partial_stream_copies(void **state)
{
    (void)state;
    uint64_t packed = 0u;
    uint32_t ret = 0u, moved = 0u, code = 0u, ws_c = 0u, ws_d = 0u;
    fresh();
    /* $C's start function. */
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws_c));
    SQ_CHECK_EQ(ws_c, 1u);

    /* $D.run: stream.new gives $insr 1, $insw 2. */
    CHECK_OK(sq_p3_stream_new(&td, &ty_u8, &packed));
    SQ_CHECK_EQ(readable_of(packed), 1u);
    SQ_CHECK_EQ(writable_of(packed), 2u);
    /* transform's parameter: $insr moves into $C, where it is 2. */
    CHECK_OK(sq_p3_end_transfer(&td, &inst_c, &ty_u8, 1u, &moved));
    SQ_CHECK_EQ(moved, 2u);

    /* $C.transform: $outsr 3, $outsw 4; a 12-byte read blocks. */
    CHECK_OK(sq_p3_stream_new(&tc, &ty_u8, &packed));
    SQ_CHECK_EQ(readable_of(packed), 3u);
    SQ_CHECK_EQ(writable_of(packed), 4u);
    CHECK_OK(sq_p3_stream_read(&tc, &ty_u8, 2u, 0x10u, 12u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    /* task.return($outsr): into $D, where it is 1 again. */
    CHECK_OK(sq_p3_end_transfer(&tc, &inst_d, &ty_u8, 3u, &moved));
    SQ_CHECK_EQ(moved, 1u);
    CHECK_OK(sq_p3_waitable_join(&tc, 2u, ws_c));
    CHECK_OK(sq_p3_waitable_join(&tc, 4u, ws_c));

    /* $D.run: two 8-byte writes fill the 12-byte read. */
    st64(mem_d, 16u, 0x0123456789abcdefull);
    CHECK_OK(sq_p3_stream_write(&td, &ty_u8, 2u, 16u, 8u, true, &ret));
    SQ_CHECK_EQ(ret, 0x80u);
    CHECK_OK(sq_p3_stream_write(&td, &ty_u8, 2u, 16u, 8u, true, &ret));
    SQ_CHECK_EQ(ret, 0x40u);
    /* A 12-byte write then blocks: the read's buffer is full. */
    st64(mem_d, 16u, 0xfedcba9876543210ull);
    st32(mem_d, 24u, 0x76543210u);
    CHECK_OK(sq_p3_stream_write(&td, &ty_u8, 2u, 16u, 12u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_waitable_set_new(&td, &ws_d));
    CHECK_OK(sq_p3_waitable_join(&td, 2u, ws_d));

    /* $C.transform_cb: STREAM_READ on $insr, COMPLETED | 12 << 4. */
    CHECK_OK(sq_p3_waitable_set_wait(&tc, ws_c, EVT, &code));
    SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_READ);
    SQ_CHECK_EQ(ld32(mem_c, EVT), 2u);
    SQ_CHECK_EQ(ld32(mem_c, EVT + 4u), 0xc0u);
    SQ_CHECK_EQ(ld32(mem_c, 0x10u), 0x89abcdefu);
    SQ_CHECK_EQ(ld32(mem_c, 0x14u), 0x01234567u);
    SQ_CHECK_EQ(ld32(mem_c, 0x18u), 0x89abcdefu);
    /* Reads of 4, 2 and 8 take the blocked write's 12 bytes. */
    CHECK_OK(sq_p3_stream_read(&tc, &ty_u8, 2u, 0x10u, 4u, true, &ret));
    SQ_CHECK_EQ(ret, 0x40u);
    SQ_CHECK_EQ(ld32(mem_c, 0x10u), 0x76543210u);
    CHECK_OK(sq_p3_stream_read(&tc, &ty_u8, 2u, 0x10u, 2u, true, &ret));
    SQ_CHECK_EQ(ret, 0x20u);
    SQ_CHECK_EQ(ld16(mem_c, 0x10u), 0xba98u);
    CHECK_OK(sq_p3_stream_read(&tc, &ty_u8, 2u, 0x10u, 8u, true, &ret));
    SQ_CHECK_EQ(ret, 0x60u);
    SQ_CHECK_EQ(ld32(mem_c, 0x10u), 0x3210fedcu);
    SQ_CHECK_EQ(ld16(mem_c, 0x14u), 0x7654u);
    CHECK_OK(sq_p3_stream_drop_readable(&tc, &ty_u8, 2u));
    CHECK_OK(sq_p3_stream_drop_writable(&tc, &ty_u8, 4u));

    /* $D.run: STREAM_WRITE on $insw, DROPPED | 12 << 4. */
    CHECK_OK(sq_p3_waitable_set_wait(&td, ws_d, 0u, &code));
    SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_WRITE);
    SQ_CHECK_EQ(ld32(mem_d, 0u), 2u);
    SQ_CHECK_EQ(ld32(mem_d, 4u), 0xc1u);
    CHECK_OK(sq_p3_stream_drop_writable(&td, &ty_u8, 2u));
    CHECK_OK(sq_p3_stream_drop_readable(&td, &ty_u8, 1u));
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* ---------------------------------------------------------------------- */
/* cancel-stream.wast, $D.run with $C's start-stream, write4,
 * write4-and-drop, start-blocking-write and cancel-after-read4 (each a
 * sync call into $C: here $C's calls in place). Cancels are the sync form
 * (no `async`); guest-to-guest they never block. The suite's rule: a
 * cancel after undelivered progress is CANCELLED | n (0x42). */
static void c_start_stream(uint32_t expect_readable, uint32_t expect_writable, uint32_t *sw)
{
    uint64_t packed = 0u;
    uint32_t moved = 0u;
    CHECK_OK(sq_p3_stream_new(&tc, &ty_u8, &packed));
    SQ_CHECK_EQ(readable_of(packed), expect_readable);
    SQ_CHECK_EQ(writable_of(packed), expect_writable);
    *sw = writable_of(packed);
    /* The result: the readable end into $D, $sr == 1 there. */
    CHECK_OK(sq_p3_end_transfer(&tc, &inst_d, &ty_u8, readable_of(packed), &moved));
    SQ_CHECK_EQ(moved, 1u);
}

static void c_write4(uint32_t sw, uint32_t value)
{
    uint32_t ret = 0u;
    st32(mem_c, 8u, value);
    CHECK_OK(sq_p3_stream_write(&tc, &ty_u8, sw, 8u, 4u, true, &ret));
    SQ_CHECK_EQ(ret, 0x40u);
}

static void test_cancel_stream(void **state)
{
    (void)state;
    uint32_t ret = 0u, sw = 0u;
    fresh();
    c_start_stream(1u, 2u, &sw);

    /* A blocked read cancelled with nothing written: CANCELLED. */
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 8u, 100u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_stream_cancel_read(&td, &ty_u8, 1u, false, &ret));
    SQ_CHECK_EQ(ret, 0x2u);

    /* 4 bytes written into the blocked read, then cancel: CANCELLED | 4. */
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 8u, 100u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    c_write4(sw, 0xabcdu);
    CHECK_OK(sq_p3_stream_cancel_read(&td, &ty_u8, 1u, false, &ret));
    SQ_CHECK_EQ(ret, 0x42u);
    SQ_CHECK_EQ(ld32(mem_d, 8u), 0xabcdu);

    /* 4 bytes written and the writer dropped: DROPPED | 4. */
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 8u, 100u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    c_write4(sw, 0xabcdu);
    CHECK_OK(sq_p3_stream_drop_writable(&tc, &ty_u8, sw));
    CHECK_OK(sq_p3_stream_cancel_read(&td, &ty_u8, 1u, false, &ret));
    SQ_CHECK_EQ(ret, 0x41u);
    SQ_CHECK_EQ(ld32(mem_d, 8u), 0xabcdu);
    CHECK_OK(sq_p3_stream_drop_readable(&td, &ty_u8, 1u));

    /* A new stream: in $C, 1 (freed by the transfer) then 2 (by the drop)
     * were freed, so the reference hands out 2 then 1. */
    c_start_stream(2u, 1u, &sw);
    /* $C.start-blocking-write: a write cancelled at once, then another
     * left pending. */
    st64(mem_c, 8u, 0x0123456789abcdefull);
    CHECK_OK(sq_p3_stream_write(&tc, &ty_u8, sw, 8u, 8u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_stream_cancel_write(&tc, &ty_u8, sw, false, &ret));
    SQ_CHECK_EQ(ret, 0x2u);
    CHECK_OK(sq_p3_stream_write(&tc, &ty_u8, sw, 8u, 8u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    /* $D reads 4 of it. */
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 8u, 4u, true, &ret));
    SQ_CHECK_EQ(ret, 0x40u);
    SQ_CHECK_EQ(ld32(mem_d, 8u), 0x89abcdefu);
    /* $C.cancel-after-read4: CANCELLED | 4. */
    CHECK_OK(sq_p3_stream_cancel_write(&tc, &ty_u8, sw, false, &ret));
    SQ_CHECK_EQ(ret, 0x42u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* ---------------------------------------------------------------------- */
/* closed-stream.wast, $D's read-from-closed-stream: after $C drops the
 * writable end, a read returns DROPPED (1) at once. */
static void test_closed_stream_read_from_closed_stream(void **state)
{
    (void)state;
    uint32_t ret = 0u, sw = 0u;
    fresh();
    c_start_stream(1u, 2u, &sw);
    CHECK_OK(sq_p3_stream_drop_writable(&tc, &ty_u8, sw));
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 8u, 4u, true, &ret));
    SQ_CHECK_EQ(ret, 0x1u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* ---------------------------------------------------------------------- */
/* drop-stream.wast, drop-while-reading: $C's write lands in $D's blocked
 * read; the read's event is not delivered, so dropping the readable end
 * traps ("cannot remove busy stream"). Only $D traps. */
static void test_drop_stream_drop_while_reading(void **state)
{
    (void)state;
    uint32_t ret = 0u, sw = 0u;
    fresh();
    c_start_stream(1u, 2u, &sw);
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 8u, 100u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    c_write4(sw, 0x12345678u);
    SQ_CHECK_EQ(ld32(mem_d, 8u), 0x12345678u);
    CHECK_TRAP(sq_p3_stream_drop_readable(&td, &ty_u8, 1u), inst_d, SQ_P3_TRAP_BUSY);
    /* Poisoned: every later built-in traps, the first reason stays. */
    CHECK_TRAP(sq_p3_stream_cancel_read(&td, &ty_u8, 1u, false, &ret), inst_d,
               SQ_P3_TRAP_BUSY);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
}

/* drop-stream.wast, drop-while-writing: $D reads 4 of $C's blocked 8-byte
 * write; dropping the writable end traps in $C ("cannot drop busy
 * stream"). */
static void test_drop_stream_drop_while_writing(void **state)
{
    (void)state;
    uint32_t ret = 0u, sw = 0u;
    fresh();
    c_start_stream(1u, 2u, &sw);
    st64(mem_c, 8u, 0x0123456789abcdefull);
    CHECK_OK(sq_p3_stream_write(&tc, &ty_u8, sw, 8u, 8u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 8u, 4u, true, &ret));
    SQ_CHECK_EQ(ret, 0x40u);
    SQ_CHECK_EQ(ld32(mem_d, 8u), 0x89abcdefu);
    CHECK_TRAP(sq_p3_stream_drop_writable(&tc, &ty_u8, sw), inst_c, SQ_P3_TRAP_BUSY);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* ---------------------------------------------------------------------- */
/* futures-must-write.wast. $C's start-future: future.new (1, 2) and the
 * readable end returned into $D, where it is 1. */
static void c_start_future_into_d(uint32_t *fw)
{
    uint64_t packed = 0u;
    uint32_t moved = 0u;
    CHECK_OK(sq_p3_future_new(&tc, &ty_u8, &packed));
    SQ_CHECK_EQ(readable_of(packed), 1u);
    SQ_CHECK_EQ(writable_of(packed), 2u);
    *fw = writable_of(packed);
    CHECK_OK(sq_p3_end_transfer(&tc, &inst_d, &ty_u8, readable_of(packed), &moved));
    SQ_CHECK_EQ(moved, 1u);
}

/* drop-readable-future-before-read: dropping the readable end early is
 * fine; $C's write then returns DROPPED (1) at once (and the .wast's 42). */
static void test_futures_must_write_drop_readable_before_read(void **state)
{
    (void)state;
    uint32_t ret = 0u, fw = 0u;
    fresh();
    c_start_future_into_d(&fw);
    CHECK_OK(sq_p3_future_drop_readable(&td, &ty_u8, 1u));
    CHECK_OK(sq_p3_future_write(&tc, &ty_u8, fw, 42u, true, &ret));
    SQ_CHECK_EQ(ret, 0x1u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* drop-writable-future-before-write: "cannot drop future write end
 * without first writing a value". */
static void test_futures_must_write_drop_writable_before_write(void **state)
{
    (void)state;
    uint32_t fw = 0u;
    fresh();
    c_start_future_into_d(&fw);
    CHECK_TRAP(sq_p3_future_drop_writable(&tc, &ty_u8, fw), inst_c,
               SQ_P3_TRAP_FUTURE_UNWRITTEN);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* ---------------------------------------------------------------------- */
/* trap-if-done.wast: once an end is done (a future after COMPLETED, either
 * end after DROPPED), every use but drop traps, lifting included. $C's
 * start function makes $ws (1); start-future / start-stream make (2, 3),
 * join the writable end 3 to $ws and return the readable end into $D (1).
 * "Lifting by returning it" is the transfer out of $D. */
static void trap_if_done_start(bool stream)
{
    uint64_t packed = 0u;
    uint32_t ws = 0u, moved = 0u;
    fresh();
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws));
    SQ_CHECK_EQ(ws, 1u);
    if (stream) {
        CHECK_OK(sq_p3_stream_new(&tc, &ty_u8, &packed));
    } else {
        CHECK_OK(sq_p3_future_new(&tc, &ty_u8, &packed));
    }
    SQ_CHECK_EQ(readable_of(packed), 2u);
    SQ_CHECK_EQ(writable_of(packed), 3u);
    CHECK_OK(sq_p3_waitable_join(&tc, 3u, ws));
    CHECK_OK(sq_p3_end_transfer(&tc, &inst_d, &ty_u8, 2u, &moved));
    SQ_CHECK_EQ(moved, 1u);
}

/* $C.future-write / stream-write: 42 at 16, the result word returned. */
static sq_status_t c_future_write(uint32_t *ret)
{
    st32(mem_c, 16u, 42u);
    return sq_p3_future_write(&tc, &ty_u8, 3u, 16u, true, ret);
}
static sq_status_t c_stream_write(uint32_t *ret)
{
    st32(mem_c, 16u, 42u);
    return sq_p3_stream_write(&tc, &ty_u8, 3u, 16u, 1u, true, ret);
}

/* $C.acknowledge-*-write: wait on $ws for the writable end's event. */
static void c_acknowledge_write(uint32_t expect_code, uint32_t expect_payload)
{
    uint32_t code = 0u;
    CHECK_OK(sq_p3_waitable_set_wait(&tc, 1u, 0u, &code));
    SQ_CHECK_EQ(code, expect_code);
    SQ_CHECK_EQ(ld32(mem_c, 0u), 3u);
    SQ_CHECK_EQ(ld32(mem_c, 4u), expect_payload);
}

/* "cannot write to future after previous write succeeded" */
static void test_trap_if_done_future_eager_write(void **state)
{
    (void)state;
    uint32_t ret = 0u;
    trap_if_done_start(false);
    CHECK_OK(sq_p3_future_read(&td, &ty_u8, 1u, 16u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(c_future_write(&ret));
    SQ_CHECK_EQ(ret, 0x0u);
    SQ_CHECK_EQ(mem_d[16], 42u);
    CHECK_TRAP(c_future_write(&ret), inst_c, SQ_P3_TRAP_DONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* "cannot write to future after previous write succeeded" */
static void test_trap_if_done_future_async_write(void **state)
{
    (void)state;
    uint32_t ret = 0u;
    trap_if_done_start(false);
    CHECK_OK(c_future_write(&ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_future_read(&td, &ty_u8, 1u, 16u, true, &ret));
    SQ_CHECK_EQ(ret, 0x0u);
    SQ_CHECK_EQ(mem_d[16], 42u);
    c_acknowledge_write(SQ_P3_EVENT_FUTURE_WRITE, 0x0u);
    CHECK_TRAP(c_future_write(&ret), inst_c, SQ_P3_TRAP_DONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* "cannot write to future after previous write succeeded or readable end
 * dropped" */
static void test_trap_if_done_future_reader_dropped(void **state)
{
    (void)state;
    uint32_t ret = 0u;
    trap_if_done_start(false);
    CHECK_OK(sq_p3_future_drop_readable(&td, &ty_u8, 1u));
    CHECK_OK(c_future_write(&ret));
    SQ_CHECK_EQ(ret, 0x1u);
    CHECK_TRAP(c_future_write(&ret), inst_c, SQ_P3_TRAP_DONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* The done readable end in $D (1): read again, or lift it (bool true). */
static void d_use_done_readable(bool stream, bool lift)
{
    uint32_t ret = 0u, moved = 0u;
    if (lift) {
        CHECK_TRAP(sq_p3_end_transfer(&td, &inst_c, &ty_u8, 1u, &moved), inst_d,
                   SQ_P3_TRAP_DONE);
    } else if (stream) {
        CHECK_TRAP(sq_p3_stream_read(&td, &ty_u8, 1u, 16u, 100u, true, &ret), inst_d,
                   SQ_P3_TRAP_DONE);
    } else {
        CHECK_TRAP(sq_p3_future_read(&td, &ty_u8, 1u, 16u, true, &ret), inst_d,
                   SQ_P3_TRAP_DONE);
    }
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
}

/* trap-after-future-eager-read: "cannot read from future after previous
 * read succeeded" / "cannot lift future after previous read succeeded" */
static void future_eager_read(bool lift)
{
    uint32_t ret = 0u;
    trap_if_done_start(false);
    CHECK_OK(c_future_write(&ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_future_read(&td, &ty_u8, 1u, 16u, true, &ret));
    SQ_CHECK_EQ(ret, 0x0u);
    SQ_CHECK_EQ(mem_d[16], 42u);
    d_use_done_readable(false, lift);
}
VARIANT(test_trap_if_done_future_eager_read_then_read, future_eager_read(false))
VARIANT(test_trap_if_done_future_eager_read_then_lift, future_eager_read(true))

/* trap-after-future-async-read: the read blocks, $C's write completes it,
 * $D waits for FUTURE_READ COMPLETED, leaves the set, then reads or lifts
 * again. */
static void future_async_read(bool lift)
{
    uint32_t ret = 0u, ws = 0u, code = 0u;
    trap_if_done_start(false);
    CHECK_OK(sq_p3_future_read(&td, &ty_u8, 1u, 16u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(c_future_write(&ret));
    SQ_CHECK_EQ(ret, 0x0u);
    SQ_CHECK_EQ(mem_d[16], 42u);
    CHECK_OK(sq_p3_waitable_set_new(&td, &ws));
    CHECK_OK(sq_p3_waitable_join(&td, 1u, ws));
    CHECK_OK(sq_p3_waitable_set_wait(&td, ws, 0u, &code));
    SQ_CHECK_EQ(code, SQ_P3_EVENT_FUTURE_READ);
    SQ_CHECK_EQ(ld32(mem_d, 0u), 1u);
    SQ_CHECK_EQ(ld32(mem_d, 4u), 0x0u);
    SQ_CHECK_EQ(ld32(mem_d, 16u), 42u);
    CHECK_OK(sq_p3_waitable_join(&td, 1u, 0u));
    d_use_done_readable(false, lift);
}
VARIANT(test_trap_if_done_future_async_read_then_read, future_async_read(false))
VARIANT(test_trap_if_done_future_async_read_then_lift, future_async_read(true))

/* "cannot write to stream after being notified that the readable end
 * dropped" */
static void test_trap_if_done_stream_reader_eager_dropped(void **state)
{
    (void)state;
    uint32_t ret = 0u;
    trap_if_done_start(true);
    CHECK_OK(sq_p3_stream_drop_readable(&td, &ty_u8, 1u));
    CHECK_OK(c_stream_write(&ret));
    SQ_CHECK_EQ(ret, 0x1u);
    CHECK_TRAP(c_stream_write(&ret), inst_c, SQ_P3_TRAP_DONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* The same after a partial copy: the blocked write's undelivered
 * COMPLETED | 1 becomes DROPPED | 1 when the reader drops. */
static void test_trap_if_done_stream_reader_async_dropped(void **state)
{
    (void)state;
    uint32_t ret = 0u;
    trap_if_done_start(true);
    CHECK_OK(c_stream_write(&ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 16u, 100u, true, &ret));
    SQ_CHECK_EQ(ret, 0x10u);
    SQ_CHECK_EQ(mem_d[16], 42u);
    CHECK_OK(sq_p3_stream_drop_readable(&td, &ty_u8, 1u));
    c_acknowledge_write(SQ_P3_EVENT_STREAM_WRITE, 0x11u);
    CHECK_TRAP(c_stream_write(&ret), inst_c, SQ_P3_TRAP_DONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* trap-after-stream-writer-eager-dropped: "cannot read from stream after
 * being notified that the writable end dropped" / "cannot lift stream
 * ..." */
static void stream_writer_eager_dropped(bool lift)
{
    uint32_t ret = 0u;
    trap_if_done_start(true);
    CHECK_OK(sq_p3_stream_drop_writable(&tc, &ty_u8, 3u));
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 16u, 100u, true, &ret));
    SQ_CHECK_EQ(ret, 0x01u);
    d_use_done_readable(true, lift);
}
VARIANT(test_trap_if_done_stream_writer_eager_dropped_then_read, stream_writer_eager_dropped(false))
VARIANT(test_trap_if_done_stream_writer_eager_dropped_then_lift, stream_writer_eager_dropped(true))

/* trap-after-stream-writer-async-dropped: the read blocks, the writer
 * drops, $D waits for STREAM_READ DROPPED. */
static void stream_writer_async_dropped(bool lift)
{
    uint32_t ret = 0u, ws = 0u, code = 0u;
    trap_if_done_start(true);
    CHECK_OK(sq_p3_stream_read(&td, &ty_u8, 1u, 16u, 100u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_stream_drop_writable(&tc, &ty_u8, 3u));
    CHECK_OK(sq_p3_waitable_set_new(&td, &ws));
    CHECK_OK(sq_p3_waitable_join(&td, 1u, ws));
    CHECK_OK(sq_p3_waitable_set_wait(&td, ws, 0u, &code));
    SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_READ);
    SQ_CHECK_EQ(ld32(mem_d, 0u), 1u);
    SQ_CHECK_EQ(ld32(mem_d, 4u), 0x01u);
    /* The .wast lifts the end while it is still in the set: the DONE check
     * comes first in the reference (lift_async_value). */
    d_use_done_readable(true, lift);
}
VARIANT(test_trap_if_done_stream_writer_async_dropped_then_read, stream_writer_async_dropped(false))
VARIANT(test_trap_if_done_stream_writer_async_dropped_then_lift, stream_writer_async_dropped(true))

/* ---------------------------------------------------------------------- */
/* trap-if-sync-and-waitable-set.wast: "waitable cannot be used
 * synchronously while added to a waitable set". $Main's `future` has no
 * element type; its `stream` is `stream u8`. Left out:
 * sync-subtask-cancel-when-in-set (subtasks: issue 7). */

/* $new-future-rx/tx and $new-stream-rx/tx: a fresh pair (1, 2). */
static uint32_t main_new(bool stream, bool writable)
{
    uint64_t packed = 0u;
    sq_status_t st = stream ? sq_p3_stream_new(&tc, &ty_u8, &packed)
                            : sq_p3_future_new(&tc, &ty_unit, &packed);
    if (st != SQ_OK || packed != (1u | (uint64_t)2u << 32)) {
        return 0u;   /* the caller's checks then fail on index 0 */
    }
    return writable ? writable_of(packed) : readable_of(packed);
}

/* The end in a new set (3), then the synchronous built-in traps. */
static void sync_when_in_set(bool stream, bool writable)
{
    uint32_t ws = 0u, ret = 0u;
    fresh();
    uint32_t e = main_new(stream, writable);
    SQ_CHECK_EQ(e, writable ? 2u : 1u);
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws));
    SQ_CHECK_EQ(ws, 3u);
    CHECK_OK(sq_p3_waitable_join(&tc, e, ws));
    sq_status_t st;
    if (stream) {
        st = writable ? sq_p3_stream_write(&tc, &ty_u8, e, 0u, 4u, false, &ret)
                      : sq_p3_stream_read(&tc, &ty_u8, e, 0u, 4u, false, &ret);
    } else {
        st = writable ? sq_p3_future_write(&tc, &ty_unit, e, 0u, false, &ret)
                      : sq_p3_future_read(&tc, &ty_unit, e, 0u, false, &ret);
    }
    CHECK_TRAP(st, inst_c, SQ_P3_TRAP_SYNC_IN_SET);
}
VARIANT(test_trap_if_sync_and_waitable_set_sync_future_read_when_in_set,
        sync_when_in_set(false, false))
VARIANT(test_trap_if_sync_and_waitable_set_sync_future_write_when_in_set,
        sync_when_in_set(false, true))
VARIANT(test_trap_if_sync_and_waitable_set_sync_stream_read_when_in_set,
        sync_when_in_set(true, false))
VARIANT(test_trap_if_sync_and_waitable_set_sync_stream_write_when_in_set,
        sync_when_in_set(true, true))

/* An async copy blocks, the end joins a set, a synchronous cancel traps. */
static void sync_cancel_when_in_set(bool stream, bool writable)
{
    uint32_t ws = 0u, ret = 0u;
    fresh();
    uint32_t e = main_new(stream, writable);
    SQ_CHECK_EQ(e, writable ? 2u : 1u);
    if (stream) {
        CHECK_OK(writable ? sq_p3_stream_write(&tc, &ty_u8, e, 0u, 4u, true, &ret)
                          : sq_p3_stream_read(&tc, &ty_u8, e, 0u, 4u, true, &ret));
    } else {
        CHECK_OK(writable ? sq_p3_future_write(&tc, &ty_unit, e, 0u, true, &ret)
                          : sq_p3_future_read(&tc, &ty_unit, e, 0u, true, &ret));
    }
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws));
    CHECK_OK(sq_p3_waitable_join(&tc, e, ws));
    sq_status_t st;
    if (stream) {
        st = writable ? sq_p3_stream_cancel_write(&tc, &ty_u8, e, false, &ret)
                      : sq_p3_stream_cancel_read(&tc, &ty_u8, e, false, &ret);
    } else {
        st = writable ? sq_p3_future_cancel_write(&tc, &ty_unit, e, false, &ret)
                      : sq_p3_future_cancel_read(&tc, &ty_unit, e, false, &ret);
    }
    CHECK_TRAP(st, inst_c, SQ_P3_TRAP_SYNC_IN_SET);
}
VARIANT(test_trap_if_sync_and_waitable_set_sync_future_cancel_read_when_in_set,
        sync_cancel_when_in_set(false, false))
VARIANT(test_trap_if_sync_and_waitable_set_sync_future_cancel_write_when_in_set,
        sync_cancel_when_in_set(false, true))
VARIANT(test_trap_if_sync_and_waitable_set_sync_stream_cancel_read_when_in_set,
        sync_cancel_when_in_set(true, false))
VARIANT(test_trap_if_sync_and_waitable_set_sync_stream_cancel_write_when_in_set,
        sync_cancel_when_in_set(true, true))

/* join-during-sync-*: a new thread (thread.new-indirect, here a kernel
 * thread with its own guest-thread context tc2) blocks in a synchronous
 * read or write on the end; the first thread then makes a set (3) and
 * joins the end to it, which traps. Kernel threads: th_a runs the
 * synchronous copy at a higher priority, so it is blocked when th_b runs.
 * The trap stops the instance's blocked thread (the reference stops every
 * thread of a trapped instance): its copy returns SQ_ERR_TRAP at once. */
static struct {
    bool stream, writable;
    uint32_t end;
    sq_status_t copy_status;   /* the synchronous copy, if it returned */
    bool copy_returned;
    bool copy_returned_before_join;
    bool copy_returned_after_join;
    sq_status_t set_status, join_status;
    uint32_t set, trap;
} js;

static void sync_copier(void *arg)
{
    (void)arg;
    uint32_t ret = 0u;
    if (js.stream) {
        js.copy_status = js.writable ? sq_p3_stream_write(&tc2, &ty_u8, js.end, 0u, 4u, false, &ret)
                                     : sq_p3_stream_read(&tc2, &ty_u8, js.end, 0u, 4u, false, &ret);
    } else {
        js.copy_status = js.writable ? sq_p3_future_write(&tc2, &ty_unit, js.end, 0u, false, &ret)
                                     : sq_p3_future_read(&tc2, &ty_unit, js.end, 0u, false, &ret);
    }
    js.copy_returned = true;
}

static void sync_joiner(void *arg)
{
    (void)arg;
    js.copy_returned_before_join = js.copy_returned;
    js.set_status = sq_p3_waitable_set_new(&tc, &js.set);
    js.join_status = sq_p3_waitable_join(&tc, js.end, js.set);
    /* The stopped copier outranks this thread: it has returned. */
    js.copy_returned_after_join = js.copy_returned;
    js.trap = sq_p3_instance_trap(&inst_c);
}

static void join_during_sync(bool stream, bool writable)
{
    fresh();
    memset(&js, 0, sizeof js);
    js.stream = stream;
    js.writable = writable;
    js.end = main_new(stream, writable);
    SQ_CHECK_EQ(js.end, writable ? 2u : 1u);
    SQ_CHECK_EQ(sq_thread_start(&th_a, sync_copier, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, sync_joiner, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(!js.copy_returned_before_join);
    SQ_CHECK(js.copy_returned_after_join);
    SQ_CHECK_EQ(js.copy_status, SQ_ERR_TRAP);
    SQ_CHECK_EQ(js.set_status, SQ_OK);
    SQ_CHECK_EQ(js.set, 3u);
    SQ_CHECK_EQ(js.join_status, SQ_ERR_TRAP);
    SQ_CHECK_EQ(js.trap, SQ_P3_TRAP_SYNC_WAITER);
}
VARIANT(test_trap_if_sync_and_waitable_set_join_during_sync_future_read,
        join_during_sync(false, false))
VARIANT(test_trap_if_sync_and_waitable_set_join_during_sync_future_write,
        join_during_sync(false, true))
VARIANT(test_trap_if_sync_and_waitable_set_join_during_sync_stream_read,
        join_during_sync(true, false))
VARIANT(test_trap_if_sync_and_waitable_set_join_during_sync_stream_write,
        join_during_sync(true, true))

/* ---------------------------------------------------------------------- */
/* same-component-stream-future.wast: reads and writes within one instance.
 * test-empty: futures and streams with no element type (the pointer
 * 0xdeadbeef is never used), reader first and writer first; 42. */
static void test_same_component_stream_future_test_empty(void **state)
{
    (void)state;
    uint64_t packed = 0u;
    uint32_t ret = 0u;
    fresh();
    CHECK_OK(sq_p3_future_new(&tc, &ty_unit, &packed));
    SQ_CHECK_EQ(packed, 1u | (uint64_t)2u << 32);
    CHECK_OK(sq_p3_future_read(&tc, &ty_unit, 1u, 0xdeadbeefu, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_future_write(&tc, &ty_unit, 2u, 0xdeadbeefu, true, &ret));
    SQ_CHECK_EQ(ret, 0x0u);

    CHECK_OK(sq_p3_future_new(&tc, &ty_unit, &packed));
    SQ_CHECK_EQ(packed, 3u | (uint64_t)4u << 32);
    CHECK_OK(sq_p3_future_write(&tc, &ty_unit, 4u, 0xdeadbeefu, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_future_read(&tc, &ty_unit, 3u, 0xdeadbeefu, true, &ret));
    SQ_CHECK_EQ(ret, 0x0u);

    CHECK_OK(sq_p3_stream_new(&tc, &ty_unit, &packed));
    SQ_CHECK_EQ(packed, 5u | (uint64_t)6u << 32);
    CHECK_OK(sq_p3_stream_read(&tc, &ty_unit, 5u, 0xdeadbeefu, 1u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_stream_write(&tc, &ty_unit, 6u, 0xdeadbeefu, 1u, true, &ret));
    SQ_CHECK_EQ(ret, 0x10u);

    CHECK_OK(sq_p3_stream_new(&tc, &ty_unit, &packed));
    SQ_CHECK_EQ(packed, 7u | (uint64_t)8u << 32);
    CHECK_OK(sq_p3_stream_write(&tc, &ty_unit, 8u, 0xdeadbeefu, 1u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_stream_read(&tc, &ty_unit, 7u, 0xdeadbeefu, 1u, true, &ret));
    SQ_CHECK_EQ(ret, 0x10u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
}

/* $test-stream: 8 bytes from srcp 16 to dstp, reader first then writer
 * first; the two ranges overlap for dstp 9 .. 23. */
static void same_component_test_stream(uint32_t srcp, uint32_t dstp)
{
    uint64_t packed = 0u;
    uint32_t ret = 0u;
    for (int writer_first = 0; writer_first < 2; writer_first++) {
        st64(mem_c, dstp, 0u);
        st64(mem_c, srcp, 0x0123456789abcdefull);
        CHECK_OK(sq_p3_stream_new(&tc, &ty_u8, &packed));
        uint32_t rx = readable_of(packed), tx = writable_of(packed);
        if (writer_first) {
            CHECK_OK(sq_p3_stream_write(&tc, &ty_u8, tx, srcp, 8u, true, &ret));
            SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
            CHECK_OK(sq_p3_stream_read(&tc, &ty_u8, rx, dstp, 8u, true, &ret));
        } else {
            CHECK_OK(sq_p3_stream_read(&tc, &ty_u8, rx, dstp, 8u, true, &ret));
            SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
            CHECK_OK(sq_p3_stream_write(&tc, &ty_u8, tx, srcp, 8u, true, &ret));
        }
        SQ_CHECK_EQ(ret, 0x80u);
        SQ_CHECK_EQ(ld64(mem_c, dstp), 0x0123456789abcdefull);
    }
}

/* test-bytes: future u8 both ways (srcp 16, dstp 17), then stream u8 for
 * every dstp from 8 to 24; 43. */
static void test_same_component_stream_future_test_bytes(void **state)
{
    (void)state;
    uint64_t packed = 0u;
    uint32_t ret = 0u;
    const uint32_t srcp = 16u, dstp = 17u;
    fresh();
    mem_c[dstp] = 0u;
    mem_c[srcp] = 42u;
    CHECK_OK(sq_p3_future_new(&tc, &ty_u8, &packed));
    CHECK_OK(sq_p3_future_read(&tc, &ty_u8, readable_of(packed), dstp, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_future_write(&tc, &ty_u8, writable_of(packed), srcp, true, &ret));
    SQ_CHECK_EQ(ret, 0x0u);
    SQ_CHECK_EQ(mem_c[dstp], 42u);

    mem_c[dstp] = 0u;
    mem_c[srcp] = 42u;
    CHECK_OK(sq_p3_future_new(&tc, &ty_u8, &packed));
    CHECK_OK(sq_p3_future_write(&tc, &ty_u8, writable_of(packed), srcp, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_future_read(&tc, &ty_u8, readable_of(packed), dstp, true, &ret));
    SQ_CHECK_EQ(ret, 0x0u);
    SQ_CHECK_EQ(mem_c[dstp], 42u);

    for (uint32_t d = 8u; d <= 24u; d++) {
        same_component_test_stream(16u, d);
    }
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
}

/* test-no-read-char / test-no-write-char: future<char> within one
 * instance: "cannot read from and write to intra-component future". */
static void same_component_char(bool writer_first)
{
    uint64_t packed = 0u;
    uint32_t ret = 0u;
    fresh();
    CHECK_OK(sq_p3_future_new(&tc, &ty_char, &packed));
    uint32_t rx = readable_of(packed), tx = writable_of(packed);
    if (writer_first) {
        CHECK_OK(sq_p3_future_write(&tc, &ty_char, tx, 0u, true, &ret));
        SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
        CHECK_TRAP(sq_p3_future_read(&tc, &ty_char, rx, 0u, true, &ret), inst_c,
                   SQ_P3_TRAP_SAME_INSTANCE);
    } else {
        CHECK_OK(sq_p3_future_read(&tc, &ty_char, rx, 0u, true, &ret));
        SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
        CHECK_TRAP(sq_p3_future_write(&tc, &ty_char, tx, 0u, true, &ret), inst_c,
                   SQ_P3_TRAP_SAME_INSTANCE);
    }
}
VARIANT(test_same_component_stream_future_test_no_read_char, same_component_char(false))
VARIANT(test_same_component_stream_future_test_no_write_char, same_component_char(true))

/* ---------------------------------------------------------------------- */
/* zero-length.wast: $Producer (inst_c) and $Consumer (inst_e) first meet
 * with 0-length write and read (pointer 0xdeadbeef, never used), then move
 * 4 bytes. $Parent (inst_d) only passes the stream on: produce's result
 * is lowered into it and consume's parameter lifted out of it. Left out:
 * the calls themselves and consume's task.return(42). */
static void test_zero_length(void **state)
{
    (void)state;
    uint64_t packed = 0u;
    uint32_t ret = 0u, moved = 0u, code = 0u, ws = 0u;
    fresh();
    /* The start functions: a set (1) in each. */
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws));
    SQ_CHECK_EQ(ws, 1u);
    CHECK_OK(sq_p3_waitable_set_new(&te, &ws));
    SQ_CHECK_EQ(ws, 1u);

    /* $Producer.produce */
    CHECK_OK(sq_p3_stream_new(&tc, &ty_u8, &packed));
    SQ_CHECK_EQ(packed, 2u | (uint64_t)3u << 32);
    CHECK_OK(sq_p3_end_transfer(&tc, &inst_d, &ty_u8, 2u, &moved));
    SQ_CHECK_EQ(moved, 1u);
    CHECK_OK(sq_p3_stream_write(&tc, &ty_u8, 3u, 0xdeadbeefu, 0u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_waitable_join(&tc, 3u, 1u));

    /* $Parent passes it to $Consumer.consume ($insr 2 there). */
    CHECK_OK(sq_p3_end_transfer(&td, &inst_e, &ty_u8, 1u, &moved));
    SQ_CHECK_EQ(moved, 2u);
    /* A 0-length read also blocks: the pending write is 0-length. */
    CHECK_OK(sq_p3_stream_read(&te, &ty_u8, 2u, 0xdeadbeefu, 0u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_waitable_join(&te, 2u, 1u));

    /* $Producer's produce_cb, state 0: the 0-length write COMPLETED, 0. */
    CHECK_OK(sq_p3_waitable_set_wait(&tc, 1u, EVT, &code));
    SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_WRITE);
    SQ_CHECK_EQ(ld32(mem_c, EVT), 3u);
    SQ_CHECK_EQ(ld32(mem_c, EVT + 4u), 0x0u);
    st32(mem_c, 0u, 0x12345678u);
    CHECK_OK(sq_p3_stream_write(&tc, &ty_u8, 3u, 0u, 4u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);

    /* $Consumer's consume_cb: the 0-length read COMPLETED, 0; then a real
     * read takes the 4 bytes at once. */
    CHECK_OK(sq_p3_waitable_set_wait(&te, 1u, EVT, &code));
    SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_READ);
    SQ_CHECK_EQ(ld32(mem_e, EVT), 2u);
    SQ_CHECK_EQ(ld32(mem_e, EVT + 4u), 0x0u);
    CHECK_OK(sq_p3_stream_read(&te, &ty_u8, 2u, 0u, 100u, true, &ret));
    SQ_CHECK_EQ(ret, 0x40u);
    SQ_CHECK_EQ(ld32(mem_e, 0u), 0x12345678u);
    CHECK_OK(sq_p3_stream_drop_readable(&te, &ty_u8, 2u));

    /* $Producer's produce_cb, state 1: DROPPED | 4. */
    CHECK_OK(sq_p3_waitable_set_wait(&tc, 1u, EVT, &code));
    SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_WRITE);
    SQ_CHECK_EQ(ld32(mem_c, EVT), 3u);
    SQ_CHECK_EQ(ld32(mem_c, EVT + 4u), 0x41u);
    CHECK_OK(sq_p3_stream_drop_writable(&tc, &ty_u8, 3u));
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_e), SQ_P3_TRAP_NONE);
}

/* ---------------------------------------------------------------------- */
/* drop-waitable-set.wast: $C.wait-on-set's callback loop waits on $ws
 * (1); $C.drop-while-waiting, another task, drops it: "cannot drop
 * waitable set with waiters". Kernel threads: th_a waits (higher
 * priority, so it is waiting when th_b runs). The trap stops the waiter
 * (SQ_ERR_TRAP, nothing delivered). Left out: $D's async call result 0x11
 * (STARTED, subtask 1). */
static struct {
    sq_status_t wait_status, drop_status;
    bool wait_returned, wait_returned_before_drop, wait_returned_after_drop;
    uint32_t code, trap;
} dw;

static void set_waiter(void *arg)
{
    (void)arg;
    dw.wait_status = sq_p3_waitable_set_wait(&tc, 1u, EVT, &dw.code);
    dw.wait_returned = true;
}

static void set_dropper(void *arg)
{
    (void)arg;
    dw.wait_returned_before_drop = dw.wait_returned;
    dw.drop_status = sq_p3_waitable_set_drop(&tc2, 1u);
    dw.wait_returned_after_drop = dw.wait_returned;
    dw.trap = sq_p3_instance_trap(&inst_c);
}

static void test_drop_waitable_set(void **state)
{
    (void)state;
    uint32_t ws = 0u;
    fresh();
    memset(&dw, 0, sizeof dw);
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws));
    SQ_CHECK_EQ(ws, 1u);
    SQ_CHECK_EQ(sq_thread_start(&th_a, set_waiter, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, set_dropper, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(!dw.wait_returned_before_drop);
    SQ_CHECK(dw.wait_returned_after_drop);
    SQ_CHECK_EQ(dw.wait_status, SQ_ERR_TRAP);
    SQ_CHECK_EQ(dw.code, SQ_P3_EVENT_NONE);
    SQ_CHECK_EQ(dw.drop_status, SQ_ERR_TRAP);
    SQ_CHECK_EQ(dw.trap, SQ_P3_TRAP_SET_WAITERS);
}

/* ---------------------------------------------------------------------- */
/* empty-wait.wast: $C.blocker waits on its empty set $ws (1);
 * $C.unblocker, another task, makes a future (2, 3), starts a read,
 * joins it to $ws and writes, which completes the read: blocker wakes
 * with FUTURE_READ 2 COMPLETED. Kernel threads: th_a is the blocker
 * (higher priority: it waits before the unblocker runs, and runs as soon
 * as the event exists). Left out: $D's subtask (index 2), its SUBTASK
 * RETURNED event, the return values 42, 43, 44. */
static struct {
    sq_status_t wait_status, drop_readable_status;
    uint32_t code, index, payload;
    bool woken;
    bool woken_before_write;   /* the blocker ran before the write */
    sq_status_t new_status, read_status, join_status, write_status, drop_writable_status;
    uint64_t packed;
    uint32_t read_ret, write_ret;
} ew;

static void blocker(void *arg)
{
    (void)arg;
    ew.wait_status = sq_p3_waitable_set_wait(&tc, 1u, EVT, &ew.code);
    ew.woken = true;
    ew.index = ld32(mem_c, EVT);
    ew.payload = ld32(mem_c, EVT + 4u);
    ew.drop_readable_status = sq_p3_future_drop_readable(&tc, &ty_unit, ew.index);
}

static void unblocker(void *arg)
{
    (void)arg;
    ew.new_status = sq_p3_future_new(&tc2, &ty_unit, &ew.packed);
    uint32_t futr = readable_of(ew.packed), futw = writable_of(ew.packed);
    ew.read_status = sq_p3_future_read(&tc2, &ty_unit, futr, 0xdeadbeefu, true, &ew.read_ret);
    ew.join_status = sq_p3_waitable_join(&tc2, futr, 1u);
    ew.woken_before_write = ew.woken;
    ew.write_status = sq_p3_future_write(&tc2, &ty_unit, futw, 0xdeadbeefu, true, &ew.write_ret);
    ew.drop_writable_status = sq_p3_future_drop_writable(&tc2, &ty_unit, futw);
}

static void test_empty_wait(void **state)
{
    (void)state;
    uint32_t ws = 0u;
    fresh();
    memset(&ew, 0, sizeof ew);
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws));
    SQ_CHECK_EQ(ws, 1u);
    SQ_CHECK_EQ(sq_thread_start(&th_a, blocker, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, unblocker, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    /* unblocker */
    SQ_CHECK_EQ(ew.new_status, SQ_OK);
    SQ_CHECK_EQ(readable_of(ew.packed), 2u);
    SQ_CHECK_EQ(writable_of(ew.packed), 3u);
    SQ_CHECK_EQ(ew.read_status, SQ_OK);
    SQ_CHECK_EQ(ew.read_ret, SQ_P3_BLOCKED);
    SQ_CHECK_EQ(ew.join_status, SQ_OK);
    SQ_CHECK(!ew.woken_before_write);
    SQ_CHECK_EQ(ew.write_status, SQ_OK);
    SQ_CHECK_EQ(ew.write_ret, 0x0u);
    SQ_CHECK_EQ(ew.drop_writable_status, SQ_OK);
    /* blocker_cb */
    SQ_CHECK(ew.woken);
    SQ_CHECK_EQ(ew.wait_status, SQ_OK);
    SQ_CHECK_EQ(ew.code, SQ_P3_EVENT_FUTURE_READ);
    SQ_CHECK_EQ(ew.index, 2u);
    SQ_CHECK_EQ(ew.payload, 0x0u);
    SQ_CHECK_EQ(ew.drop_readable_status, SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
}

/* ---------------------------------------------------------------------- */
/* cross-task-future.wast: $C.one (task tc) makes the future (1, 2);
 * $C.two (another task, tc2) returns its readable end into $D and writes
 * 0x42 from 32 (BLOCKED); $D reads it at 32: COMPLETED. Left out: the
 * calls and $D's 42. */
static void test_cross_task_future(void **state)
{
    (void)state;
    uint64_t packed = 0u;
    uint32_t ret = 0u, moved = 0u;
    fresh();
    CHECK_OK(sq_p3_future_new(&tc, &ty_u8, &packed));
    SQ_CHECK_EQ(packed, 1u | (uint64_t)2u << 32);
    CHECK_OK(sq_p3_end_transfer(&tc2, &inst_d, &ty_u8, 1u, &moved));
    SQ_CHECK_EQ(moved, 1u);
    st32(mem_c, 32u, 0x42u);
    CHECK_OK(sq_p3_future_write(&tc2, &ty_u8, 2u, 32u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_future_read(&td, &ty_u8, moved, 32u, true, &ret));
    SQ_CHECK_EQ(ret, 0x0u);
    SQ_CHECK_EQ(mem_d[32], 0x42u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* ---------------------------------------------------------------------- */
/* sync-streams.wast: $C.get's synchronous stream.write and $C.set's
 * synchronous stream.read block (first at the rendezvous); $D.run's
 * async read / write then completes them and drops its end before $C
 * resumes, so each synchronous call returns DROPPED | 4. Kernel threads:
 * th_a is $C's task (it blocks first), th_b is $D.run; $D lowers $C's
 * priority below its own before the rendezvous, so $C resumes only when
 * $D.run is through, as control returns to it in the .wast. Left out: the
 * calls (get's result, set's STARTED subtask, the SUBTASK wait). */
static struct {
    sq_status_t c_status, c_drop, d_prio, d_copy, d_drop;
    uint32_t c_ret, d_ret, end;
    bool c_returned, c_returned_before_d, c_returned_before_d_done;
} ss;

static void c_sync_copy(void *arg)
{
    bool write = arg != NULL;
    if (write) {
        ss.c_status = sq_p3_stream_write(&tc, &ty_u8, ss.end, 16u, 4u, false, &ss.c_ret);
    } else {
        ss.c_status = sq_p3_stream_read(&tc, &ty_u8, ss.end, 16u, 4u, false, &ss.c_ret);
    }
    ss.c_returned = true;
    ss.c_drop = write ? sq_p3_stream_drop_writable(&tc, &ty_u8, ss.end)
                      : sq_p3_stream_drop_readable(&tc, &ty_u8, ss.end);
}

static void d_async_partner(void *arg)
{
    bool read = arg != NULL;
    ss.c_returned_before_d = ss.c_returned;
    ss.d_prio = sq_thread_set_priority(&th_a, 3u);
    if (read) {
        ss.d_copy = sq_p3_stream_read(&td, &ty_u8, 1u, 20u, 4u, true, &ss.d_ret);
        ss.d_drop = sq_p3_stream_drop_readable(&td, &ty_u8, 1u);
    } else {
        st32(mem_d, 16u, 0x89abcdefu);
        ss.d_copy = sq_p3_stream_write(&td, &ty_u8, 2u, 16u, 4u, true, &ss.d_ret);
        ss.d_drop = sq_p3_stream_drop_writable(&td, &ty_u8, 2u);
    }
    ss.c_returned_before_d_done = ss.c_returned;
}

static void check_sync_streams_round(void)
{
    SQ_CHECK(!ss.c_returned_before_d);
    SQ_CHECK_EQ(ss.d_prio, SQ_OK);
    SQ_CHECK_EQ(ss.d_copy, SQ_OK);
    SQ_CHECK_EQ(ss.d_ret, 0x40u);
    SQ_CHECK_EQ(ss.d_drop, SQ_OK);
    SQ_CHECK(!ss.c_returned_before_d_done);
    SQ_CHECK(ss.c_returned);
    SQ_CHECK_EQ(ss.c_status, SQ_OK);
    SQ_CHECK_EQ(ss.c_ret, 0x41u);
    SQ_CHECK_EQ(ss.c_drop, SQ_OK);
}

static void test_sync_streams(void **state)
{
    (void)state;
    static const int yes = 1;
    uint64_t packed = 0u;
    uint32_t moved = 0u;
    fresh();
    /* $C.get: ($rx, $tx) = (1, 2), $rx returned into $D (1); a
     * synchronous 4-byte write of 0x01234567 from 16. */
    memset(&ss, 0, sizeof ss);
    CHECK_OK(sq_p3_stream_new(&tc, &ty_u8, &packed));
    SQ_CHECK_EQ(packed, 1u | (uint64_t)2u << 32);
    CHECK_OK(sq_p3_end_transfer(&tc, &inst_d, &ty_u8, 1u, &moved));
    SQ_CHECK_EQ(moved, 1u);
    st32(mem_c, 16u, 0x01234567u);
    ss.end = 2u;
    SQ_CHECK_EQ(sq_thread_start(&th_a, c_sync_copy, (void *)&yes, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, d_async_partner, (void *)&yes, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    check_sync_streams_round();
    SQ_CHECK_EQ(ld32(mem_d, 20u), 0x01234567u);

    /* $D.run: ($rx, $tx) = (1, 2) again; $rx passed to $C.set (2 there:
     * 1 and then 2 were freed), whose synchronous read into 16 blocks;
     * $D writes 0x89abcdef. */
    memset(&ss, 0, sizeof ss);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    CHECK_OK(sq_p3_stream_new(&td, &ty_u8, &packed));
    SQ_CHECK_EQ(packed, 1u | (uint64_t)2u << 32);
    CHECK_OK(sq_p3_end_transfer(&td, &inst_c, &ty_u8, 1u, &moved));
    SQ_CHECK_EQ(moved, 2u);
    ss.end = moved;
    SQ_CHECK_EQ(sq_thread_start(&th_a, c_sync_copy, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, d_async_partner, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    check_sync_streams_round();
    SQ_CHECK_EQ(ld32(mem_c, 16u), 0x89abcdefu);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_c), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_d), SQ_P3_TRAP_NONE);
}

/* ---------------------------------------------------------------------- */
/* Rules of the reference no .wast above pins down, with kernel threads. */

/* empty-wait with the order turned round: the future read completes
 * while the end is in no set, and the join then brings its event into
 * the set a thread waits on; the join must wake it (WaitableSet.wait's
 * condition, has_pending_event, holds from the join on). */
static struct {
    sq_status_t wait_status, join_status;
    uint32_t code, index, payload;
    bool woken, woken_before_join;
} jw;

static void join_wait_blocker(void *arg)
{
    (void)arg;
    jw.wait_status = sq_p3_waitable_set_wait(&tc, 1u, EVT, &jw.code);
    jw.woken = true;
    jw.index = ld32(mem_c, EVT);
    jw.payload = ld32(mem_c, EVT + 4u);
}

static void join_wait_joiner(void *arg)
{
    (void)arg;
    jw.woken_before_join = jw.woken;
    jw.join_status = sq_p3_waitable_join(&tc2, 2u, 1u);
}

static void test_rule_join_of_an_end_with_an_event_wakes_a_waiter(void **state)
{
    (void)state;
    uint64_t packed = 0u;
    uint32_t ws = 0u, ret = 0u;
    fresh();
    memset(&jw, 0, sizeof jw);
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws));
    SQ_CHECK_EQ(ws, 1u);
    CHECK_OK(sq_p3_future_new(&tc2, &ty_unit, &packed));
    SQ_CHECK_EQ(packed, 2u | (uint64_t)3u << 32);
    CHECK_OK(sq_p3_future_read(&tc2, &ty_unit, 2u, 0u, true, &ret));
    SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
    CHECK_OK(sq_p3_future_write(&tc2, &ty_unit, 3u, 0u, true, &ret));
    SQ_CHECK_EQ(ret, 0x0u);
    SQ_CHECK_EQ(sq_thread_start(&th_a, join_wait_blocker, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, join_wait_joiner, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(!jw.woken_before_join);
    SQ_CHECK_EQ(jw.join_status, SQ_OK);
    SQ_CHECK(jw.woken);
    SQ_CHECK_EQ(jw.wait_status, SQ_OK);
    SQ_CHECK_EQ(jw.code, SQ_P3_EVENT_FUTURE_READ);
    SQ_CHECK_EQ(jw.index, 2u);
    SQ_CHECK_EQ(jw.payload, 0x0u);
}

/* Two threads wait on one set (WaitableSet.num_waiting counts them);
 * two events: each thread gets one, neither twice, and a poll after them
 * finds NONE with (0, 0) stored. */
static struct {
    sq_status_t status[2];
    uint32_t code[2], index[2], payload[2];
    sq_status_t write_status[2];
    uint32_t write_ret[2];
} tw;

static void two_waiters_waiter(void *arg)
{
    int k = arg != NULL ? 1 : 0;
    sq_p3_thread_t *t = k == 0 ? &tc : &tc2;
    uint32_t at = EVT + 8u * (uint32_t)k;
    tw.status[k] = sq_p3_waitable_set_wait(t, 1u, at, &tw.code[k]);
    tw.index[k] = ld32(mem_c, at);
    tw.payload[k] = ld32(mem_c, at + 4u);
}

static void two_waiters_writer(void *arg)
{
    (void)arg;
    st32(mem_d, 0u, 0x11223344u);
    tw.write_status[0] = sq_p3_stream_write(&td, &ty_u8, 2u, 0u, 4u, true, &tw.write_ret[0]);
    tw.write_status[1] = sq_p3_stream_write(&td, &ty_u8, 3u, 0u, 2u, true, &tw.write_ret[1]);
}

static void test_rule_two_waiters_on_one_set_get_one_event_each(void **state)
{
    (void)state;
    static const int second = 1;
    uint64_t packed = 0u;
    uint32_t ws = 0u, ret = 0u, moved = 0u, code = 0u;
    fresh();
    memset(&tw, 0, sizeof tw);
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws));
    SQ_CHECK_EQ(ws, 1u);
    /* Two streams from $D into $C (2 and 3 there); $C reads 8 bytes from
     * each, into 0x40 and 0x80, both in set 1. */
    for (uint32_t k = 0u; k < 2u; k++) {
        CHECK_OK(sq_p3_stream_new(&td, &ty_u8, &packed));
        /* In $D, 1 is free again after the first transfer: (1, 2), (1, 3). */
        SQ_CHECK_EQ(packed, 1u | (uint64_t)(2u + k) << 32);
        CHECK_OK(sq_p3_end_transfer(&td, &inst_c, &ty_u8, 1u, &moved));
        SQ_CHECK_EQ(moved, 2u + k);
        CHECK_OK(sq_p3_stream_read(&tc, &ty_u8, moved, 0x40u * (k + 1u), 8u, true, &ret));
        SQ_CHECK_EQ(ret, SQ_P3_BLOCKED);
        CHECK_OK(sq_p3_waitable_join(&tc, moved, ws));
    }
    SQ_CHECK_EQ(sq_thread_start(&th_a, two_waiters_waiter, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, two_waiters_waiter, (void *)&second, 1, 0), SQ_OK);
    static sq_thread_t *const writer = &th_c;
    SQ_CHECK_EQ(sq_thread_start(writer, two_waiters_writer, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(tw.write_status[0], SQ_OK);
    SQ_CHECK_EQ(tw.write_ret[0], 0x40u);
    SQ_CHECK_EQ(tw.write_status[1], SQ_OK);
    SQ_CHECK_EQ(tw.write_ret[1], 0x20u);
    for (int k = 0; k < 2; k++) {
        SQ_CHECK_EQ(tw.status[k], SQ_OK);
        SQ_CHECK_EQ(tw.code[k], SQ_P3_EVENT_STREAM_READ);
    }
    /* One event each: end 2 with COMPLETED | 4, end 3 with COMPLETED | 2. */
    SQ_CHECK(tw.index[0] != tw.index[1]);
    for (int k = 0; k < 2; k++) {
        SQ_CHECK(tw.index[k] == 2u || tw.index[k] == 3u);
        SQ_CHECK_EQ(tw.payload[k], tw.index[k] == 2u ? 0x40u : 0x20u);
    }
    SQ_CHECK_EQ(ld32(mem_c, 0x40u), 0x11223344u);
    SQ_CHECK_EQ(ld16(mem_c, 0x80u), 0x3344u);
    st64(mem_c, 0u, ~0ull);
    CHECK_OK(sq_p3_waitable_set_poll(&tc, ws, 0u, &code));
    SQ_CHECK_EQ(code, SQ_P3_EVENT_NONE);
    SQ_CHECK_EQ(ld64(mem_c, 0u), 0u);
}

/* The event pointer is checked before a wait blocks (p3-abi.md 10.4: the
 * reference only asserts it): misaligned, or not wholly in memory, traps
 * at once even on an empty set. th_b aborts th_a if it blocked anyway. */
static struct {
    sq_status_t status;
    uint32_t trap;
    bool returned, returned_before_check;
    sq_status_t abort_status;
} bp;

static void bad_ptr_waiter(void *arg)
{
    uint32_t ptr = *(const uint32_t *)arg;
    uint32_t code = 0u;
    bp.status = sq_p3_waitable_set_wait(&tc, 1u, ptr, &code);
    bp.trap = sq_p3_instance_trap(&inst_c);
    bp.returned = true;
}

static void bad_ptr_watchdog(void *arg)
{
    (void)arg;
    bp.returned_before_check = bp.returned;
    if (!bp.returned) {
        bp.abort_status = sq_thread_abort(&th_a);
    }
}

static void wait_bad_pointer(uint32_t ptr, sq_p3_trap_t reason)
{
    uint32_t ws = 0u;
    fresh();
    memset(&bp, 0, sizeof bp);
    CHECK_OK(sq_p3_waitable_set_new(&tc, &ws));
    SQ_CHECK_EQ(sq_thread_start(&th_a, bad_ptr_waiter, &ptr, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, bad_ptr_watchdog, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(bp.returned_before_check);
    SQ_CHECK_EQ(bp.status, SQ_ERR_TRAP);
    SQ_CHECK_EQ(bp.trap, reason);
}

static void test_rule_wait_pointer_checked_before_blocking(void **state)
{
    (void)state;
    wait_bad_pointer(2u, SQ_P3_TRAP_ALIGN);
    wait_bad_pointer(MEM_BYTES - 4u, SQ_P3_TRAP_BOUNDS);
    wait_bad_pointer(0xfffffffcu, SQ_P3_TRAP_BOUNDS);
}

SQ_TEST_MAIN(SQ_TEST(test_partial_stream_copies), SQ_TEST(test_cancel_stream),
             SQ_TEST(test_closed_stream_read_from_closed_stream),
             SQ_TEST(test_drop_stream_drop_while_reading),
             SQ_TEST(test_drop_stream_drop_while_writing),
             SQ_TEST(test_futures_must_write_drop_readable_before_read),
             SQ_TEST(test_futures_must_write_drop_writable_before_write),
             SQ_TEST(test_trap_if_done_future_eager_write),
             SQ_TEST(test_trap_if_done_future_async_write),
             SQ_TEST(test_trap_if_done_future_reader_dropped),
             SQ_TEST(test_trap_if_done_future_eager_read_then_read),
             SQ_TEST(test_trap_if_done_future_eager_read_then_lift),
             SQ_TEST(test_trap_if_done_future_async_read_then_read),
             SQ_TEST(test_trap_if_done_future_async_read_then_lift),
             SQ_TEST(test_trap_if_done_stream_reader_eager_dropped),
             SQ_TEST(test_trap_if_done_stream_reader_async_dropped),
             SQ_TEST(test_trap_if_done_stream_writer_eager_dropped_then_read),
             SQ_TEST(test_trap_if_done_stream_writer_eager_dropped_then_lift),
             SQ_TEST(test_trap_if_done_stream_writer_async_dropped_then_read),
             SQ_TEST(test_trap_if_done_stream_writer_async_dropped_then_lift),
             SQ_TEST(test_trap_if_sync_and_waitable_set_sync_future_read_when_in_set),
             SQ_TEST(test_trap_if_sync_and_waitable_set_sync_future_write_when_in_set),
             SQ_TEST(test_trap_if_sync_and_waitable_set_sync_stream_read_when_in_set),
             SQ_TEST(test_trap_if_sync_and_waitable_set_sync_stream_write_when_in_set),
             SQ_TEST(test_trap_if_sync_and_waitable_set_sync_future_cancel_read_when_in_set),
             SQ_TEST(test_trap_if_sync_and_waitable_set_sync_future_cancel_write_when_in_set),
             SQ_TEST(test_trap_if_sync_and_waitable_set_sync_stream_cancel_read_when_in_set),
             SQ_TEST(test_trap_if_sync_and_waitable_set_sync_stream_cancel_write_when_in_set),
             SQ_TEST(test_trap_if_sync_and_waitable_set_join_during_sync_future_read),
             SQ_TEST(test_trap_if_sync_and_waitable_set_join_during_sync_future_write),
             SQ_TEST(test_trap_if_sync_and_waitable_set_join_during_sync_stream_read),
             SQ_TEST(test_trap_if_sync_and_waitable_set_join_during_sync_stream_write),
             SQ_TEST(test_same_component_stream_future_test_empty),
             SQ_TEST(test_same_component_stream_future_test_bytes),
             SQ_TEST(test_same_component_stream_future_test_no_read_char),
             SQ_TEST(test_same_component_stream_future_test_no_write_char),
             SQ_TEST(test_zero_length), SQ_TEST(test_drop_waitable_set),
             SQ_TEST(test_empty_wait), SQ_TEST(test_cross_task_future),
             SQ_TEST(test_sync_streams),
             SQ_TEST(test_rule_join_of_an_end_with_an_event_wakes_a_waiter),
             SQ_TEST(test_rule_two_waiters_on_one_set_get_one_event_each),
             SQ_TEST(test_rule_wait_pointer_checked_before_blocking))
