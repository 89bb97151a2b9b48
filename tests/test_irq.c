/*
 * The public critical section (include/squall/irq.h) and
 * sq_thread_priority_get, on the host port and on Cortex-M under QEMU.
 */
#include <string.h>
#include <squall/irq.h>
#include <squall/sem.h>
#include <squall/thread.h>
#include "sq_test.h"
#include "sq_trail.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_high, STACK);
SQ_THREAD_DEFINE(th_low, STACK);
SQ_THREAD_DEFINE(th_never, STACK);

static int results[8];
static uint32_t prios[4];
SQ_SEM_DEFINE(wake_sem, 0, 1);

static void high(void *arg)
{
    (void)arg;
    results[0] = sq_sem_take(&wake_sem, SQ_FOREVER);
    note('h');
    results[1] = sq_thread_priority_get(sq_thread_self(), &prios[0]);
}

/* The give inside the (nested) section makes `high` ready; it runs at the
 * outermost unlock, not at the give nor at the inner unlock. */
static void low(void *arg)
{
    (void)arg;
    sq_irq_key_t outer = sq_irq_lock();
    sq_irq_key_t inner = sq_irq_lock();
    results[2] = sq_sem_give(&wake_sem);
    note('g');
    sq_irq_unlock(inner);
    note('u');
    sq_irq_unlock(outer);
    note('L');
    results[3] = sq_thread_priority_get(&th_high, &prios[1]);   /* dead by now */
    results[4] = sq_thread_priority_get(sq_thread_self(), &prios[2]);
}

static void isr_nested(void *arg)
{
    (void)arg;
    sq_irq_key_t k1 = sq_irq_lock();
    sq_irq_key_t k2 = sq_irq_lock();
    note('i');
    sq_irq_unlock(k2);
    sq_irq_unlock(k1);
    results[5] = sq_thread_priority_get(&th_low, &prios[3]);
}
static void raiser(void *arg)
{
    (void)arg;
    results[6] = sq_kernel_soft_irq(isr_nested, NULL);
}

static void test_irq_lock_defers_switch(void **state)
{
    (void)state;
    trail_reset();
    memset(results, 0, sizeof results);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_sem_init(&wake_sem, 0, 1), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_high, high, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_low, low, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "guhL") == 0);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(prios[0], 1u);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], SQ_ERR_STATE);
    SQ_CHECK_EQ(results[4], SQ_OK);
    SQ_CHECK_EQ(prios[2], 5u);
}

/* Nested in an interrupt; the priority of a thread read from there. */
static void test_irq_lock_in_isr(void **state)
{
    (void)state;
    trail_reset();
    memset(results, 0, sizeof results);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_low, raiser, NULL, 7, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "i") == 0);
    SQ_CHECK_EQ(results[5], SQ_OK);
    SQ_CHECK_EQ(prios[3], 7u);
    SQ_CHECK_EQ(results[6], SQ_OK);
}

/* TH07: bad input and unknown threads are refused, *prio untouched. */
static void test_priority_get(void **state)
{
    (void)state;
    uint32_t p = 99u;
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_thread_priority_get(NULL, &p), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_thread_priority_get(&th_never, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_thread_priority_get(&th_never, &p), SQ_ERR_STATE);
    SQ_CHECK_EQ(p, 99u);
    /* Outside the run the caller is the idle thread. */
    SQ_CHECK_EQ(sq_thread_priority_get(sq_thread_self(), &p), SQ_OK);
    SQ_CHECK_EQ(p, SQ_PRIO_IDLE);
    /* A started thread, before the run, and after a change. */
    SQ_CHECK_EQ(sq_thread_start(&th_never, high, NULL, 9, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_priority_get(&th_never, &p), SQ_OK);
    SQ_CHECK_EQ(p, 9u);
    SQ_CHECK_EQ(sq_thread_set_priority(&th_never, 3), SQ_OK);
    SQ_CHECK_EQ(sq_thread_priority_get(&th_never, &p), SQ_OK);
    SQ_CHECK_EQ(p, 3u);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);   /* forgets th_never */
    SQ_CHECK_EQ(sq_thread_priority_get(&th_never, &p), SQ_ERR_STATE);
}

SQ_TEST_MAIN(SQ_TEST(test_irq_lock_defers_switch), SQ_TEST(test_irq_lock_in_isr),
             SQ_TEST(test_priority_get))
