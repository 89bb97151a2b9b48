/*
 * A P3 rendezvous copies with the interrupt lock released (host only: it
 * needs memories of tens of MiB and the host port's preemption). A low
 * priority thread writes BIG bytes from instance a into a read pending in
 * instance b; a high priority thread wakes at the next tick, while the
 * memmove runs, and acts on the channel:
 *
 * - cancel of the pending read waits for the move and returns CANCELLED
 *   with every byte counted, all of them in b's memory; the same cancel
 *   from an interrupt is refused (SQ_ERR_IN_ISR) and changes nothing;
 * - waitable-set.wait delivers the read's event once the move is over,
 *   with the count after it;
 * - drop of the copying end traps BUSY (as for any copying end): b is
 *   trapped, the write completes all the same;
 * - b's memory relocated meanwhile (a grow that moved it): the bytes are
 *   where b's memory is now;
 * - a synchronous read that got its event from an earlier write, and runs
 *   (its priority raised) while a second write moves more into its
 *   buffer, waits for the move as the synchronous waiter of its end: a
 *   cancel of the end meanwhile traps SYNC_WAITER (and wakes the read
 *   with the trap) instead of taking the event the read is waiting for.
 *
 * Each scenario checks that the high priority thread acted while the write
 * was in flight, which it cannot do when the copy holds the lock. A run in
 * which the tick came too late for that (the copy was over: a loaded host)
 * proves nothing and is made again, up to ATTEMPTS times.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <string.h>
#include <sys/mman.h>
#include <squall/kernel.h>
#include <squall/p3_runtime.h>
#include <squall/thread.h>
#include "sq_test.h"

#define BIG (32u * 1024u * 1024u)
#define MEM (BIG + 64u)
#define HANDLES 8u
#define EVENT_AT (BIG + 8u)
#define ATTEMPTS 8u

SQ_P3_RUNTIME_DEFINE(rt, 2u, 1u, 2u, 1u);
SQ_P3_INSTANCE_DEFINE(inst_a, &rt, HANDLES);
SQ_P3_INSTANCE_DEFINE(inst_b, &rt, HANDLES);
SQ_P3_TYPE_DEFINE(t_u8, SQ_P3_ELEM_NUMBER, 1u, 1u);
/* b's memories are mapped afresh for each test, so that the copy into
 * them also takes the page faults and lasts several ticks. */
static uint8_t mem_a[MEM];
static uint8_t *mem_b;
static uint8_t *mem_b2;
static sq_p3_thread_t ta, tb;

#define STACK 4096u
SQ_THREAD_DEFINE(th_high, STACK);
SQ_THREAD_DEFINE(th_low, STACK);
SQ_THREAD_DEFINE(th_reader, STACK);

enum scenario { CANCEL, WAIT, DROP, RELOCATE, SYNC };
static enum scenario scenario;
static uint32_t r, w, s;
/* The write in flight (set by the low thread around its call). */
static volatile bool started, writing, reader_done;
static bool acted_while_writing;
static sq_status_t write_st, act_st, isr_st, reader_st;
static uint32_t write_res, act_res, isr_res, reader_res;

static void isr_cancel(void *arg)
{
    (void)arg;
    isr_st = sq_p3_stream_cancel_read(&tb, &t_u8, r, true, &isr_res);
}

static void high(void *arg)
{
    (void)arg;
    /* Ticks until the low thread is in its write (it runs only while this
     * one sleeps). */
    do {
        (void)sq_thread_sleep(1u);
    } while (!started);
    acted_while_writing = writing;
    switch (scenario) {
    case CANCEL:
        (void)sq_kernel_soft_irq(isr_cancel, NULL);
        act_st = sq_p3_stream_cancel_read(&tb, &t_u8, r, true, &act_res);
        break;
    case WAIT:
        act_st = sq_p3_waitable_set_wait(&tb, s, EVENT_AT, &act_res);
        break;
    case DROP:
        act_st = sq_p3_stream_drop_readable(&tb, &t_u8, r);
        break;
    case SYNC:
        /* The reader runs now, above this thread, until it waits for the
         * move (waiting a tick instead leaves the move over on a loaded
         * host, too often for ATTEMPTS). */
        SQ_CHECK_EQ(sq_thread_set_priority(&th_reader, 0u), SQ_OK);
        acted_while_writing = writing && !reader_done &&
                              sq_thread_state(&th_reader) == SQ_THREAD_PENDING;
        act_st = sq_p3_stream_cancel_read(&tb, &t_u8, r, true, &act_res);
        break;
    default: /* RELOCATE: a grow that moves b's memory (its bytes so far) */
        memcpy(mem_b2, mem_b, MEM);
        act_st = sq_p3_instance_set_memory(&inst_b, mem_b2, MEM);
        break;
    }
}

static void low(void *arg)
{
    (void)arg;
    uint32_t res = 0u;
    if (scenario == SYNC) {
        /* The reader blocks in its read meanwhile (a loaded host may take
         * more than a tick to run it that far); one element gives it its
         * event, and it stays ready (lower priority than this). */
        while (sq_thread_state(&th_reader) != SQ_THREAD_PENDING) {
            (void)sq_thread_sleep(1u);
        }
        SQ_CHECK_EQ(sq_p3_stream_write(&ta, &t_u8, w, BIG, 1u, true, &res), SQ_OK);
        SQ_CHECK_EQ(res, SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, 1u));
    }
    writing = true;
    started = true;
    write_st = sq_p3_stream_write(&ta, &t_u8, w, 0u, BIG, true, &write_res);
    writing = false;
}

static void reader(void *arg)
{
    (void)arg;
    reader_st = sq_p3_stream_read(&tb, &t_u8, r, 0u, BIG + 1u, false, &reader_res);
    reader_done = true;
}

static uint8_t *map_fresh(void)
{
    void *m = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SQ_CHECK(m != MAP_FAILED);
    return m;
}

/* a writes into b; b's readable end in set s; b's read of `pending`
 * elements at 0 pending, of which `first` already written (pending 0: no
 * read, and the end in no set, for a synchronous read). */
static void setup(uint32_t pending, uint32_t first)
{
    uint64_t packed = 0u;
    uint32_t ra = 0u, res = 0u;
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    memset(rt_channels, 0, sizeof rt_channels);
    memset(rt_sets, 0, sizeof rt_sets);
    rt.magic = 0u;
    SQ_CHECK_EQ(sq_p3_runtime_init(&rt), SQ_OK);
    for (uint32_t i = 0u; i < MEM; i++) {
        mem_a[i] = (uint8_t)(i * 7u + 1u);
    }
    mem_b = map_fresh();
    mem_b2 = map_fresh();
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_a, &rt, inst_a_slots, HANDLES, mem_a, MEM), SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_b, &rt, inst_b_slots, HANDLES, mem_b, MEM), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&ta, &inst_a), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&tb, &inst_b), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_new(&ta, &t_u8, &packed), SQ_OK);
    ra = (uint32_t)packed;
    w = (uint32_t)(packed >> 32);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_b, &t_u8, ra, &r), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &s), SQ_OK);
    if (pending > 0u) {
        SQ_CHECK_EQ(sq_p3_waitable_join(&tb, r, s), SQ_OK);
        SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, r, 0u, pending, true, &res), SQ_OK);
        SQ_CHECK_EQ(res, SQ_P3_BLOCKED);
    }
    if (first > 0u) {
        /* The read gets its event and stays registered (accumulates). */
        SQ_CHECK_EQ(sq_p3_stream_write(&ta, &t_u8, w, BIG, first, true, &res), SQ_OK);
        SQ_CHECK_EQ(res, SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, first));
    }
    started = false;
    writing = false;
    reader_done = false;
    acted_while_writing = false;
}

static void unmap(void)
{
    SQ_CHECK_EQ(munmap(mem_b, MEM), 0);
    SQ_CHECK_EQ(munmap(mem_b2, MEM), 0);
}

/* Set up as `setup(pending, first)` and run scenario `which` until the
 * high priority thread acted while the write was in flight. */
static void run(enum scenario which, uint32_t pending, uint32_t first)
{
    scenario = which;
    for (uint32_t attempt = 0u; attempt < ATTEMPTS; attempt++) {
        if (attempt > 0u) {
            unmap();
        }
        setup(pending, first);
        isr_res = 5u;
        SQ_CHECK_EQ(sq_thread_start(&th_high, high, NULL, 1u, 0u), SQ_OK);
        SQ_CHECK_EQ(sq_thread_start(&th_low, low, NULL, 3u, 0u), SQ_OK);
        if (which == SYNC) {
            SQ_CHECK_EQ(sq_thread_start(&th_reader, reader, NULL, 4u, 0u), SQ_OK);
        }
        SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
        if (acted_while_writing) {
            break;
        }
    }
    SQ_CHECK(acted_while_writing);
    SQ_CHECK_EQ(write_st, SQ_OK);
    SQ_CHECK_EQ(write_res, SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, BIG));
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
}

static void test_cancel_waits(void **state)
{
    (void)state;
    run(CANCEL, BIG, 0u);
    SQ_CHECK_EQ(isr_st, SQ_ERR_IN_ISR);
    SQ_CHECK_EQ(isr_res, 5u);
    SQ_CHECK_EQ(act_st, SQ_OK);
    SQ_CHECK_EQ(act_res, SQ_P3_STREAM_RESULT(SQ_P3_COPY_CANCELLED, BIG));
    SQ_CHECK_MEM_EQ(mem_b, mem_a, BIG);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    unmap();
}

static void test_wait_counts_after(void **state)
{
    (void)state;
    run(WAIT, BIG + 1u, 1u);
    SQ_CHECK_EQ(act_st, SQ_OK);
    SQ_CHECK_EQ(act_res, SQ_P3_EVENT_STREAM_READ);
    uint32_t words[2] = {0u, 0u};
    memcpy(words, &mem_b[EVENT_AT], sizeof words); /* the host is little-endian too */
    SQ_CHECK_EQ(words[0], r);
    SQ_CHECK_EQ(words[1], SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, BIG + 1u));
    SQ_CHECK_EQ(mem_b[0], mem_a[BIG]);
    SQ_CHECK_MEM_EQ(mem_b + 1, mem_a, BIG);
    unmap();
}

static void test_drop_traps_busy(void **state)
{
    (void)state;
    run(DROP, BIG, 0u);
    SQ_CHECK_EQ(act_st, SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_BUSY);
    SQ_CHECK_MEM_EQ(mem_b, mem_a, BIG);
    unmap();
}

static void test_memory_relocated(void **state)
{
    (void)state;
    run(RELOCATE, BIG, 0u);
    SQ_CHECK_EQ(act_st, SQ_OK);
    SQ_CHECK_MEM_EQ(mem_b2, mem_a, BIG);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);
    unmap();
}

static void test_sync_read_keeps_its_waiter(void **state)
{
    (void)state;
    run(SYNC, 0u, 0u);
    SQ_CHECK_EQ(act_st, SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_SYNC_WAITER);
    SQ_CHECK_EQ(reader_st, SQ_ERR_TRAP);
    SQ_CHECK_EQ(mem_b[0], mem_a[BIG]);
    SQ_CHECK_MEM_EQ(mem_b + 1, mem_a, BIG);
    unmap();
}

SQ_TEST_MAIN(SQ_TEST(test_cancel_waits), SQ_TEST(test_wait_counts_after),
             SQ_TEST(test_drop_traps_busy), SQ_TEST(test_memory_relocated),
             SQ_TEST(test_sync_read_keeps_its_waiter))
