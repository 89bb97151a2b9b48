/*
 * Work queue suite (include/squall/work.h), the same on the host port and
 * on Cortex-M under QEMU. Handlers and threads record what they saw; the
 * checks run after sq_kernel_run, as in test_kernel.c. A controller
 * thread at a lower priority than the worker runs once the worker waits
 * (the queue drained) and ends the run with sq_kernel_stop.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <squall/sem.h>
#include <squall/thread.h>
#include <squall/work.h>
#include "sq_test.h"
#include "sq_trail.h"

#define STACK 2048u
#define WORKER_PRIO 2u
#define CONTROL_PRIO 5u
SQ_THREAD_DEFINE(th_worker, STACK);
SQ_THREAD_DEFINE(th_control, STACK);

static void note_handler(sq_work_t *w);

/* SQ_WORK_QUEUE_DEFINE and SQ_WORK_DEFINE with and without static. */
static SQ_WORK_QUEUE_DEFINE(queue, 3u);
SQ_WORK_QUEUE_DEFINE(big_queue, 8u);
static SQ_WORK_DEFINE(work_a, note_handler);
static SQ_WORK_DEFINE(work_b, note_handler);
SQ_WORK_DEFINE(work_c, note_handler);
static SQ_WORK_DEFINE(work_d, note_handler);

static int results[16];
static uint32_t states[8];
static sq_tick_t ticks[4];
static int runs;

/* Notes the item's letter: a, b, c or d. */
static void note_handler(sq_work_t *w)
{
    note(w == &work_a ? 'a' : w == &work_b ? 'b' : w == &work_c ? 'c' : 'd');
}

static void reset_all(void)
{
    trail_reset();
    memset(results, 0, sizeof results);
    memset(states, 0, sizeof states);
    memset(ticks, 0, sizeof ticks);
    runs = 0;
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_work_queue_init(&queue, queue.slots, 3u), SQ_OK);
    SQ_CHECK_EQ(sq_work_queue_init(&big_queue, big_queue.slots, 8u), SQ_OK);
    SQ_CHECK_EQ(sq_work_init(&work_a, note_handler), SQ_OK);
    SQ_CHECK_EQ(sq_work_init(&work_b, note_handler), SQ_OK);
    SQ_CHECK_EQ(sq_work_init(&work_c, note_handler), SQ_OK);
    SQ_CHECK_EQ(sq_work_init(&work_d, note_handler), SQ_OK);
}

/* Runs after the worker drained its queue; ends the run. */
static void stop_control(void *arg)
{
    (void)arg;
    note('.');
    (void)sq_kernel_stop();
}

static void run_with(sq_work_queue_t *q, void (*control)(void *arg))
{
    SQ_CHECK_EQ(sq_work_queue_start(q, &th_worker, WORKER_PRIO), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_control, control, NULL, CONTROL_PRIO, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
}

/* Every bad input is a status code. */
static void test_work_args(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    static sq_work_t *slots[2];
    sq_work_queue_t q;
    memset(&q, 0, sizeof q);
    sq_work_t w;
    memset(&w, 0, sizeof w);
    SQ_CHECK_EQ(sq_work_queue_init(NULL, slots, 2u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_queue_init(&q, NULL, 2u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_queue_init(&q, slots, 0u), SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(sq_work_queue_init(&q, slots, SQ_WORK_QUEUE_MAX_SLOTS + 1u), SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(sq_work_queue_start(NULL, &th_worker, 1u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_queue_start(&q, NULL, 1u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_queue_start(&q, &th_worker, 1u), SQ_ERR_STATE);   /* not initialised */
    SQ_CHECK_EQ(sq_work_submit(&q, &work_a), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_work_init(NULL, note_handler), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_init(&w, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_queue_init(&q, slots, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_work_queue_start(&q, &th_worker, SQ_PRIO_LOWEST + 1u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_work_submit(NULL, &w), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_submit(&q, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_submit(&q, &w), SQ_ERR_INVALID);   /* no handler */
    SQ_CHECK_EQ(sq_work_schedule(&q, &w, 5u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_work_schedule(NULL, &w, 5u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_schedule(&q, NULL, 5u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_init(&w, note_handler), SQ_OK);
    SQ_CHECK_EQ(sq_work_schedule(&q, &w, SQ_FOREVER), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_work_state(&w), 0u);
    SQ_CHECK_EQ(sq_work_cancel(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_work_cancel(&w), SQ_ERR_NOT_FOUND);
    SQ_CHECK_EQ(sq_work_state(NULL), 0u);
    /* Queued: init of the item or of the queue would lose it. */
    SQ_CHECK_EQ(sq_work_submit(&q, &w), SQ_OK);
    SQ_CHECK_EQ(sq_work_init(&w, note_handler), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_work_queue_init(&q, slots, 2u), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_work_cancel(&w), SQ_OK);
    SQ_CHECK_EQ(sq_work_init(&w, note_handler), SQ_OK);
}

/* WQ01-WQ03: submission order; a duplicate submit and a submit to a full
 * queue change nothing. Queued before the worker starts. */
static void test_work_fifo_full(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_c), SQ_OK);
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_a), SQ_OK);
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_c), SQ_ERR_BUSY);   /* queued: runs once */
    SQ_CHECK_EQ(sq_work_submit(&big_queue, &work_c), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_b), SQ_OK);
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_d), SQ_ERR_FULL);
    SQ_CHECK_EQ(sq_work_state(&work_d), 0u);
    SQ_CHECK_EQ(sq_work_state(&work_a), SQ_WORK_QUEUED);
    SQ_CHECK_EQ(queue.count, 3u);
    run_with(&queue, stop_control);
    SQ_CHECK(strcmp(trail_text(), "cab.") == 0);
    SQ_CHECK_EQ(sq_work_state(&work_a), 0u);
    SQ_CHECK_EQ(sq_work_state(&work_b), 0u);
    SQ_CHECK_EQ(sq_work_state(&work_c), 0u);
}

/* The ring wraps: more items over the run than slots, still in order. */
static void wrap_control(void *arg)
{
    (void)arg;
    sq_work_t *order[] = {&work_b, &work_d, &work_a, &work_c, &work_b, &work_a};
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i += 2u) {
        /* The worker (higher priority) preempts at each submit's give:
         * head and tail go round the 3-slot ring twice. */
        results[i] = sq_work_submit(&queue, order[i]);
        results[i + 1u] = sq_work_submit(&queue, order[i + 1u]);
    }
    note('.');
    (void)sq_kernel_stop();
}
static void test_work_wrap(void **state)
{
    (void)state;
    reset_all();
    run_with(&queue, wrap_control);
    SQ_CHECK(strcmp(trail_text(), "bdacba.") == 0);
    for (unsigned i = 0; i < 6u; i++) {
        SQ_CHECK_EQ(results[i], SQ_OK);
    }
}

/* From an interrupt: the worker (higher priority than the thread the
 * interrupt came in) runs the item as the interrupt returns. */
static void isr_submit(void *arg)
{
    (void)arg;
    results[0] = sq_work_submit(&queue, &work_a);
    results[1] = sq_work_submit(&queue, &work_a);   /* duplicate */
    results[2] = sq_work_schedule(&queue, &work_b, 3u);
    states[0] = sq_work_state(&work_a);
    states[1] = sq_work_state(&work_b);
    note('i');
}
static void isr_control(void *arg)
{
    (void)arg;
    results[3] = sq_kernel_soft_irq(isr_submit, NULL);
    note('r');
    results[4] = sq_thread_sleep(20u);   /* b's delay passes */
    note('.');
    (void)sq_kernel_stop();
}
static void test_work_isr(void **state)
{
    (void)state;
    reset_all();
    run_with(&queue, isr_control);
    SQ_CHECK(strcmp(trail_text(), "iarb.") == 0);
    /* Submit, duplicate submit, schedule, the soft interrupt, the sleep. */
    static const int expected[] = {SQ_OK, SQ_ERR_BUSY, SQ_OK, SQ_OK, SQ_OK};
    for (unsigned i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        SQ_CHECK_EQ(results[i], expected[i]);
    }
    SQ_CHECK_EQ(states[0], SQ_WORK_QUEUED);
    SQ_CHECK_EQ(states[1], SQ_WORK_DELAYED);
}

/* A handler submits its own item again (it is running, not queued): it
 * runs again after the items queued before the resubmit. */
static void again_handler(sq_work_t *w)
{
    note('A');
    states[runs] = sq_work_state(w);
    if (++runs < 3) {
        results[runs] = sq_work_submit(&queue, w);
        states[4 + runs] = sq_work_state(w);
    }
}
static void test_work_resubmit(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_work_init(&work_d, again_handler), SQ_OK);
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_d), SQ_OK);
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_b), SQ_OK);
    run_with(&queue, stop_control);
    SQ_CHECK(strcmp(trail_text(), "AbAA.") == 0);
    SQ_CHECK_EQ(runs, 3);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(states[0], SQ_WORK_RUNNING);
    SQ_CHECK_EQ(states[5], SQ_WORK_RUNNING | SQ_WORK_QUEUED);
    SQ_CHECK_EQ(sq_work_state(&work_d), 0u);
}

/* WQ04: a cancelled item does not run, queued or delayed; cancelling
 * again finds nothing pending. Its slot is reclaimed when the worker gets
 * there. */
static void test_work_cancel(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_a), SQ_OK);
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_b), SQ_OK);
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_c), SQ_OK);
    SQ_CHECK_EQ(sq_work_cancel(&work_b), SQ_OK);
    SQ_CHECK_EQ(sq_work_state(&work_b), 0u);
    SQ_CHECK_EQ(sq_work_cancel(&work_b), SQ_ERR_NOT_FOUND);
    SQ_CHECK_EQ(sq_work_submit(&queue, &work_d), SQ_ERR_FULL);   /* b's slot not yet passed */
    SQ_CHECK_EQ(sq_work_schedule(&big_queue, &work_d, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_work_state(&work_d), SQ_WORK_DELAYED);
    SQ_CHECK_EQ(sq_work_submit(&big_queue, &work_d), SQ_ERR_BUSY);   /* delayed: pending */
    SQ_CHECK_EQ(sq_work_cancel(&work_d), SQ_OK);
    SQ_CHECK_EQ(sq_work_state(&work_d), 0u);
    SQ_CHECK(!sq_timer_running(&work_d.timer));
    run_with(&queue, stop_control);
    SQ_CHECK(strcmp(trail_text(), "ac.") == 0);
    SQ_CHECK_EQ(queue.count, 0u);
}

/* A delayed item runs no earlier than its delay; a reschedule restarts
 * the delay and it runs once. The host's tick is wall-clock: only "no
 * earlier than" and a generous bound. */
static sq_sem_t ran;
static void timed_handler(sq_work_t *w)
{
    (void)w;
    ticks[1 + runs] = sq_kernel_now();
    runs++;
    (void)sq_sem_give(&ran);
}
static void delay_control(void *arg)
{
    (void)arg;
    ticks[0] = sq_kernel_now();
    results[0] = sq_work_schedule(&queue, &work_a, 40u);
    results[1] = sq_work_schedule(&queue, &work_a, 10u);   /* reschedule */
    states[0] = sq_work_state(&work_a);
    results[2] = sq_sem_take(&ran, 2000u);
    results[3] = sq_sem_take(&ran, 60u);                   /* no second run */
    note('.');
    (void)sq_kernel_stop();
}
static void test_work_delay(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_sem_init(&ran, 0u, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_work_init(&work_a, timed_handler), SQ_OK);
    run_with(&queue, delay_control);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], SQ_ERR_TIMEOUT);
    SQ_CHECK_EQ(states[0], SQ_WORK_DELAYED);
    SQ_CHECK_EQ(runs, 1);
    SQ_CHECK(ticks[1] - ticks[0] >= 10u);
    SQ_CHECK(ticks[1] - ticks[0] < 2000u);
    SQ_CHECK_EQ(sq_work_state(&work_a), 0u);
}

SQ_TEST_MAIN(SQ_TEST(test_work_args), SQ_TEST(test_work_fifo_full), SQ_TEST(test_work_wrap),
             SQ_TEST(test_work_isr), SQ_TEST(test_work_resubmit), SQ_TEST(test_work_cancel),
             SQ_TEST(test_work_delay))
