/*
 * Backpressure gate suite (include/squall/gate.h), on the host port and on
 * Cortex-M under QEMU. As in test_kernel.c, threads record what they saw
 * and the checks run after sq_kernel_run returns.
 */
#include <stdbool.h>
#include <string.h>
#include <squall/gate.h>
#include <squall/thread.h>
#include "sq_test.h"
#include "sq_trail.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);
SQ_THREAD_DEFINE(th_c, STACK);
SQ_THREAD_DEFINE(th_d, STACK);
SQ_THREAD_DEFINE(th_e, STACK);

static int results[16];
static void reset_all(void)
{
    trail_reset();
    memset(results, 0, sizeof results);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
}

static sq_gate_t gate;

/* Bad input: every refused call returns its code and changes nothing. */
static void test_gate_bad_input(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_gate_init(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_gate_enable(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_gate_disable(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_gate_inc(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_gate_dec(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_gate_wait_until_ready(NULL, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK(!sq_gate_is_enabled(NULL));

    /* Never initialised: refused, untouched. */
    sq_gate_t raw;
    memset(&raw, 0, sizeof raw);
    raw.counter = 3u;
    SQ_CHECK_EQ(sq_gate_enable(&raw), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_gate_disable(&raw), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_gate_inc(&raw), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_gate_dec(&raw), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_gate_wait_until_ready(&raw, SQ_NO_WAIT), SQ_ERR_INVALID);
    SQ_CHECK_EQ(raw.counter, 3u);
    SQ_CHECK_EQ(raw.flag, 0u);
    SQ_CHECK_EQ(sq_gate_init(&raw), SQ_OK);
    SQ_CHECK(!sq_gate_is_enabled(&raw));
    SQ_CHECK_EQ(raw.counter, 0u);

    /* Underflow at 0, overflow at the maximum: errors, no wrap. */
    SQ_CHECK_EQ(sq_gate_init(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_gate_dec(&gate), SQ_ERR_UNDERFLOW);
    SQ_CHECK_EQ(gate.counter, 0u);
    SQ_CHECK(!sq_gate_is_enabled(&gate));
    for (uint32_t i = 0; i < SQ_GATE_COUNTER_MAX; i++) {
        SQ_CHECK_EQ(sq_gate_inc(&gate), SQ_OK);
    }
    SQ_CHECK_EQ(gate.counter, SQ_GATE_COUNTER_MAX);
    SQ_CHECK_EQ(sq_gate_inc(&gate), SQ_ERR_OVERFLOW);
    SQ_CHECK_EQ(gate.counter, SQ_GATE_COUNTER_MAX);
    SQ_CHECK(sq_gate_is_enabled(&gate));

    /* Closed and no wait: BUSY at once, the gate as it was. */
    SQ_CHECK_EQ(sq_gate_wait_until_ready(&gate, SQ_NO_WAIT), SQ_ERR_BUSY);
    SQ_CHECK_EQ(gate.counter, SQ_GATE_COUNTER_MAX);
    for (uint32_t i = 0; i < SQ_GATE_COUNTER_MAX; i++) {
        SQ_CHECK_EQ(sq_gate_dec(&gate), SQ_OK);
    }
    SQ_CHECK_EQ(sq_gate_dec(&gate), SQ_ERR_UNDERFLOW);
    SQ_CHECK_EQ(gate.counter, 0u);
    SQ_CHECK(!sq_gate_is_enabled(&gate));
    SQ_CHECK_EQ(sq_gate_wait_until_ready(&gate, SQ_NO_WAIT), SQ_OK);
}

/* The flag and the counter each close the gate; it is open only when both
 * are clear. The flag is a flag: two enables, one disable. */
SQ_GATE_DEFINE(defined_gate);
static void test_gate_flag_and_counter(void **state)
{
    (void)state;
    reset_all();
    sq_gate_t *g = &defined_gate;
    SQ_CHECK(!sq_gate_is_enabled(g));
    SQ_CHECK_EQ(sq_gate_wait_until_ready(g, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_gate_enable(g), SQ_OK);
    SQ_CHECK(sq_gate_is_enabled(g));
    SQ_CHECK_EQ(sq_gate_enable(g), SQ_OK);
    SQ_CHECK_EQ(sq_gate_inc(g), SQ_OK);
    SQ_CHECK_EQ(sq_gate_disable(g), SQ_OK);
    SQ_CHECK(sq_gate_is_enabled(g));              /* the counter still closes it */
    SQ_CHECK_EQ(sq_gate_wait_until_ready(g, SQ_NO_WAIT), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_gate_inc(g), SQ_OK);
    SQ_CHECK_EQ(sq_gate_dec(g), SQ_OK);
    SQ_CHECK(sq_gate_is_enabled(g));
    SQ_CHECK_EQ(sq_gate_dec(g), SQ_OK);
    SQ_CHECK(!sq_gate_is_enabled(g));
    SQ_CHECK_EQ(sq_gate_disable(g), SQ_OK);       /* already clear: still open */
    SQ_CHECK(!sq_gate_is_enabled(g));
    SQ_CHECK_EQ(sq_gate_inc(g), SQ_OK);
    SQ_CHECK_EQ(sq_gate_enable(g), SQ_OK);
    SQ_CHECK_EQ(sq_gate_dec(g), SQ_OK);
    SQ_CHECK(sq_gate_is_enabled(g));              /* the flag still closes it */
    SQ_CHECK_EQ(sq_gate_disable(g), SQ_OK);
    SQ_CHECK(!sq_gate_is_enabled(g));
    SQ_CHECK_EQ(g->counter, 0u);
    SQ_CHECK_EQ(g->flag, 0u);
}

/* BP01-BP03: waiters block while closed; a change that leaves the gate
 * closed admits nobody; opening admits all, by priority, oldest first. */
static void gate_waiter(void *arg)
{
    int r = sq_gate_wait_until_ready(&gate, SQ_FOREVER);
    if (r == SQ_OK) {
        note(*(const char *)arg);
    } else {
        note('!');
    }
}
static void gate_opener(void *arg)
{
    (void)arg;
    note('o');
    results[0] = sq_gate_inc(&gate);
    results[1] = sq_gate_disable(&gate);   /* counter 1: still closed */
    note('x');
    results[2] = sq_gate_inc(&gate);
    results[3] = sq_gate_dec(&gate);       /* counter 1: still closed */
    note('y');
    results[4] = sq_gate_dec(&gate);       /* opens: all four run first */
    note('O');
    results[5] = sq_gate_is_enabled(&gate);
}
static void test_gate_admit_order(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_gate_init(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_gate_enable(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, gate_waiter, "a", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, gate_waiter, "b", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, gate_waiter, "c", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_d, gate_waiter, "d", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_e, gate_opener, NULL, 6, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "oxybdacO") == 0);
    for (int i = 0; i < 5; i++) {
        SQ_CHECK_EQ(results[i], SQ_OK);
    }
    SQ_CHECK_EQ(results[5], 0);
}

/* A timed wait on a closed gate times out and leaves the gate as it was;
 * the thread that timed out is not admitted later. */
static void timed_waiter(void *arg)
{
    (void)arg;
    sq_tick_t t0 = sq_kernel_now();
    results[0] = sq_gate_wait_until_ready(&gate, 3u);
    results[1] = (int)(sq_kernel_now() - t0);
    results[2] = sq_gate_is_enabled(&gate);
    results[3] = (int)gate.counter;
    results[4] = (int)gate.flag;
    results[5] = sq_gate_dec(&gate);   /* opens, with nobody waiting */
    results[6] = sq_gate_wait_until_ready(&gate, 3u);
}
static void test_gate_timeout(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_gate_init(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_gate_inc(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, timed_waiter, NULL, 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_ERR_TIMEOUT);
    SQ_CHECK(results[1] >= 3);
    SQ_CHECK_EQ(results[2], 1);
    SQ_CHECK_EQ(results[3], 1);
    SQ_CHECK_EQ(results[4], 0);
    SQ_CHECK_EQ(results[5], SQ_OK);
    SQ_CHECK_EQ(results[6], SQ_OK);
    SQ_CHECK(!sq_gate_is_enabled(&gate));
}

/* An interrupt cannot wait (IN_ISR; BUSY without a wait) but can open the
 * gate: the admitted waiters outrank the raiser and run before
 * sq_kernel_soft_irq returns. */
static void irq_open(void *arg)
{
    (void)arg;
    results[0] = sq_gate_wait_until_ready(&gate, 5u);
    results[1] = sq_gate_wait_until_ready(&gate, SQ_NO_WAIT);
    results[2] = sq_kernel_in_isr();
    note('i');
    results[3] = sq_gate_disable(&gate);
}
static void irq_raiser(void *arg)
{
    (void)arg;
    note('r');
    results[4] = sq_kernel_soft_irq(irq_open, NULL);
    note('R');
}
static void test_gate_open_from_irq(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_gate_init(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_gate_enable(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, gate_waiter, "a", 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, gate_waiter, "b", 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, irq_raiser, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "riabR") == 0);
    SQ_CHECK_EQ(results[0], SQ_ERR_IN_ISR);
    SQ_CHECK_EQ(results[1], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[2], 1);
    SQ_CHECK_EQ(results[3], SQ_OK);
    SQ_CHECK_EQ(results[4], SQ_OK);
}

/* Admission is not taken back: the first admitted caller closes the gate
 * again before the second runs, and the second is still admitted; a new
 * caller then finds the gate closed. */
static void recloser(void *arg)
{
    (void)arg;
    results[0] = sq_gate_wait_until_ready(&gate, SQ_FOREVER);
    note('a');
    results[1] = sq_gate_enable(&gate);
}
static void late_admitted(void *arg)
{
    (void)arg;
    results[2] = sq_gate_wait_until_ready(&gate, SQ_FOREVER);
    note('b');
    results[3] = sq_gate_is_enabled(&gate);
    results[4] = sq_gate_wait_until_ready(&gate, SQ_NO_WAIT);
}
static void reopener(void *arg)
{
    (void)arg;
    note('o');
    results[5] = sq_gate_disable(&gate);
    note('O');
    results[6] = sq_gate_is_enabled(&gate);
    results[7] = sq_gate_disable(&gate);
}
static void test_gate_reclose_keeps_admission(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_gate_init(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_gate_enable(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, recloser, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, late_admitted, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, reopener, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "oabO") == 0);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], 1);
    SQ_CHECK_EQ(results[4], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[5], SQ_OK);
    SQ_CHECK_EQ(results[6], 1);
    SQ_CHECK_EQ(results[7], SQ_OK);
    SQ_CHECK(!sq_gate_is_enabled(&gate));
}

/* Init is refused while callers wait; it takes effect once they are gone. */
static void init_tester(void *arg)
{
    (void)arg;
    results[0] = sq_gate_init(&gate);    /* a waiter: BUSY */
    results[1] = sq_gate_is_enabled(&gate);
    results[2] = sq_gate_disable(&gate);
    results[3] = sq_gate_init(&gate);    /* nobody waits now */
}
static void test_gate_init_busy(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_gate_init(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_gate_enable(&gate), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, gate_waiter, "a", 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, init_tester, NULL, 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[1], 1);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "a") == 0);
}

SQ_TEST_MAIN(SQ_TEST(test_gate_bad_input), SQ_TEST(test_gate_flag_and_counter),
             SQ_TEST(test_gate_admit_order), SQ_TEST(test_gate_timeout),
             SQ_TEST(test_gate_open_from_irq), SQ_TEST(test_gate_reclose_keeps_admission),
             SQ_TEST(test_gate_init_busy))
