/*
 * Kernel suite, the same on the host port (POSIX threads, real preemption
 * by signals) and on Cortex-M under QEMU (PendSV, SysTick).
 *
 * Each test starts threads, runs the kernel until they have all ended, and
 * only then checks what they recorded: a check inside a kernel thread could
 * not unwind the host's test runner.
 */
#include <stdbool.h>
#include <string.h>
#include <squall/event.h>
#include <squall/poll.h>
#include <squall/sem.h>
#include <squall/thread.h>
#include <squall/timer.h>
#include "sq_test.h"
#include "sq_trail.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);
SQ_THREAD_DEFINE(th_c, STACK);
SQ_THREAD_DEFINE(th_d, STACK);

static int results[8];
static void reset_all(void)
{
    trail_reset();
    memset(results, 0, sizeof results);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
}

static void note_arg(void *arg)
{
    note(*(const char *)arg);
}

/* Before sq_kernel_init (this test runs first, before any test calls it):
 * the caller is the idle thread of an empty kernel, so every wait is
 * refused with SQ_ERR_STATE, and nothing follows a missing current thread
 * (the host crashed here, Cortex-M wrote through NULL). */
SQ_SEM_DEFINE(early_sem, 0, 1);
SQ_EVENT_DEFINE(early_event);
static void test_before_init(void **state)
{
    (void)state;
    sq_poll_event_t ev = SQ_POLL_EVENT_INIT(SQ_POLL_SEM_AVAILABLE, &early_sem, 0u);
    SQ_CHECK(sq_thread_self() != NULL);
    SQ_CHECK_EQ(sq_sem_take(&early_sem, 10), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_sem_take(&early_sem, SQ_FOREVER), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_event_wait(&early_event, 1u, 0u, 10, NULL), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_poll(&ev, 1u, 10), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_sleep(10), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_join(&th_a, 10), SQ_ERR_STATE);
    sq_thread_yield();
    SQ_CHECK_EQ(sq_thread_start(&th_a, note_arg, "a", 1, 0), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_count(), 1u);
    /* What does not wait works on the empty kernel. */
    SQ_CHECK_EQ(sq_sem_give(&early_sem), SQ_OK);
    SQ_CHECK_EQ(sq_sem_take(&early_sem, 10), SQ_OK);
}

/* SC01/SC02/SC05: the highest priority runs first; equals in start order. */
static void test_priority_order(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_thread_start(&th_a, note_arg, "a", 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, note_arg, "b", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, note_arg, "c", 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_d, note_arg, "d", 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_count(), 5u);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "dbac") == 0);
    /* TH05/TH06: every thread that ended left the table. */
    SQ_CHECK_EQ(sq_thread_count(), 1u);
    SQ_CHECK_EQ(sq_thread_state(&th_a), SQ_THREAD_DEAD);
}

/* SC04: yield lets the others of the same priority run first. */
static void yielder(void *arg)
{
    for (int i = 0; i < 3; i++) {
        note(*(const char *)arg);
        sq_thread_yield();
    }
}
static void test_yield_round_robin(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_thread_start(&th_a, yielder, "a", 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, yielder, "b", 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "ababab") == 0);
}

/* TH02, SC13, bad input: refused calls change nothing. */
static void test_thread_bad_input(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_thread_start(NULL, note_arg, "a", 1, 0), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_thread_start(&th_a, NULL, "a", 1, 0), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_thread_start(&th_a, note_arg, "a", SQ_PRIO_LOWEST + 1u, 0), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_thread_start(&th_a, note_arg, "a", 1, 0x80u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_thread_count(), 1u);
    SQ_CHECK_EQ(sq_thread_start(&th_a, note_arg, "a", 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, note_arg, "a", 1, 0), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_set_priority(&th_a, 99u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(th_a.prio, 1u);
    SQ_CHECK_EQ(sq_thread_resume(&th_a), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_count(), 2u);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    /* SC13: a dead thread stays dead. */
    SQ_CHECK_EQ(sq_thread_resume(&th_a), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_suspend(&th_a), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_abort(&th_a), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_state(&th_a), SQ_THREAD_DEAD);
}

/* SC14/SC15/SC16 and join. */
static void sleeper(void *arg)
{
    (void)arg;
    note('s');
    results[0] = sq_thread_sleep(SQ_FOREVER);
    note('x');   /* not reached: aborted while asleep */
}
static void controller(void *arg)
{
    (void)arg;
    sq_thread_yield();   /* lower priority: the sleeper is asleep now */
    results[1] = sq_thread_suspend(&th_a);
    results[2] = sq_thread_suspend(&th_a);              /* SC14: idempotent */
    results[3] = sq_thread_state(&th_a);
    results[4] = sq_thread_join(&th_b, SQ_NO_WAIT) == SQ_ERR_DEADLOCK &&
                 sq_thread_join(&th_a, SQ_NO_WAIT) == SQ_ERR_BUSY;
    results[5] = sq_thread_abort(&th_a);                /* SC16 from SUSPENDED */
    results[6] = sq_thread_join(&th_a, 10u);            /* already dead */
    note('c');
}
static void test_suspend_abort_join(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_thread_start(&th_a, sleeper, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, controller, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "sc") == 0);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], SQ_THREAD_SUSPENDED);
    SQ_CHECK_EQ(results[4], 1);
    SQ_CHECK_EQ(results[5], SQ_OK);
    SQ_CHECK_EQ(results[6], SQ_OK);
}

/* Join wakes when the joined thread ends; sleep takes at least its ticks. */
static void short_sleeper(void *arg)
{
    (void)arg;
    sq_tick_t t0 = sq_kernel_now();
    results[0] = sq_thread_sleep(5u);
    results[1] = (int)(sq_kernel_now() - t0);
}
static void joiner(void *arg)
{
    (void)arg;
    results[2] = sq_thread_join(&th_a, SQ_FOREVER);
    results[3] = sq_thread_state(&th_a);
}
static void test_sleep_and_join(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_thread_start(&th_a, short_sleeper, NULL, 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, joiner, NULL, 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK(results[1] >= 5);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], SQ_THREAD_DEAD);
}

/* P01-P06 on one thread, bad input included. */
static void test_sem_counts(void **state)
{
    (void)state;
    sq_sem_t s;
    SQ_CHECK_EQ(sq_sem_init(&s, 0, 0), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_sem_init(&s, 3, 2), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_sem_init(&s, 1, 2), SQ_OK);
    SQ_CHECK_EQ(sq_sem_give(&s), SQ_OK);
    SQ_CHECK_EQ(sq_sem_count(&s), 2u);
    SQ_CHECK_EQ(sq_sem_give(&s), SQ_ERR_FULL);      /* P01/P03: capped */
    SQ_CHECK_EQ(sq_sem_count(&s), 2u);
    SQ_CHECK_EQ(sq_sem_take(&s, SQ_NO_WAIT), SQ_OK); /* P05 */
    SQ_CHECK_EQ(sq_sem_take(&s, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_sem_count(&s), 0u);
    SQ_CHECK_EQ(sq_sem_take(&s, SQ_NO_WAIT), SQ_ERR_BUSY); /* P06 */
    SQ_CHECK_EQ(sq_sem_count(&s), 0u);
    SQ_CHECK_EQ(sq_sem_give(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_sem_destroy(&s), SQ_OK);
    SQ_CHECK_EQ(sq_sem_give(&s), SQ_ERR_DESTROYED);
    SQ_CHECK_EQ(sq_sem_take(&s, SQ_NO_WAIT), SQ_ERR_DESTROYED);
}

/* P04/P10: waiters served by priority, then arrival; P07 they block. */
SQ_SEM_DEFINE(order_sem, 0, 10);
static void sem_waiter(void *arg)
{
    if (sq_sem_take(&order_sem, SQ_FOREVER) == SQ_OK) {
        note(*(const char *)arg);
    }
}
static void sem_giver(void *arg)
{
    (void)arg;
    results[0] = sq_sem_count(&order_sem);   /* all three wait: count 0 */
    for (int i = 0; i < 3; i++) {
        results[1 + i] = sq_sem_give(&order_sem);
    }
    results[4] = sq_sem_count(&order_sem);   /* handed over, not counted */
}
static void test_sem_wake_order(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_sem_init(&order_sem, 0, 10), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, sem_waiter, "a", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, sem_waiter, "b", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, sem_waiter, "c", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_d, sem_giver, NULL, 6, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "bac") == 0);
    SQ_CHECK_EQ(results[0], 0);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[4], 0);
}

/* P08 reset wakes all with AGAIN; destroy wakes with DESTROYED; init with
 * waiters is refused; a timed take times out. */
static sq_sem_t flush_sem;
static void flush_waiter(void *arg)
{
    results[*(const int *)arg] = sq_sem_take(&flush_sem, SQ_FOREVER);
}
static const int slot0 = 0, slot1 = 1, slot2 = 2;
static void destroyer(void *arg)
{
    results[3] = sq_sem_destroy(arg);
}
static void flusher(void *arg)
{
    (void)arg;
    results[3] = sq_sem_init(&flush_sem, 0, 1);   /* waiters: BUSY */
    results[4] = sq_sem_reset(&flush_sem);
    results[5] = sq_sem_take(&flush_sem, 3u);     /* times out */
}
static void test_sem_reset_timeout(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_sem_init(&flush_sem, 0, 1), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, flush_waiter, (void *)&slot0, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, flush_waiter, (void *)&slot1, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, flusher, NULL, 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_ERR_AGAIN);
    SQ_CHECK_EQ(results[1], SQ_ERR_AGAIN);
    SQ_CHECK_EQ(results[3], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[4], SQ_OK);
    SQ_CHECK_EQ(results[5], SQ_ERR_TIMEOUT);
    SQ_CHECK_EQ(sq_sem_count(&flush_sem), 0u);

    reset_all();
    SQ_CHECK_EQ(sq_sem_init(&flush_sem, 0, 1), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, flush_waiter, (void *)&slot2, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, destroyer, &flush_sem, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_ERR_DESTROYED);
    SQ_CHECK_EQ(results[3], SQ_OK);
}

/* An interrupt gives; the woken thread preempts the lower-priority caller
 * before sq_kernel_soft_irq returns. Taking with a wait in an ISR fails. */
SQ_SEM_DEFINE(irq_sem, 0, 1);
static void irq_give(void *arg)
{
    (void)arg;
    results[2] = sq_sem_take(&irq_sem, 5u);   /* IN_ISR */
    results[3] = sq_kernel_in_isr();
    note('i');
    (void)sq_sem_give(&irq_sem);
}
static void irq_waiter(void *arg)
{
    (void)arg;
    results[0] = sq_sem_take(&irq_sem, SQ_FOREVER);
    note('w');
}
static void irq_raiser(void *arg)
{
    (void)arg;
    note('r');
    results[1] = sq_kernel_soft_irq(irq_give, NULL);
    note('R');
}
static void test_irq_give_preempts(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_sem_init(&irq_sem, 0, 1), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, irq_waiter, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, irq_raiser, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "riwR") == 0);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_ERR_IN_ISR);
    SQ_CHECK_EQ(results[3], 1);
}

/* SC17: sq_kernel_stop ends the run with threads blocked (on a semaphore,
 * asleep), from a thread (which ends too) or from an interrupt; none of
 * the blocked calls returns, every thread is DEAD, and each can be
 * started again in the next run. */
SQ_SEM_DEFINE(stop_sem, 0, 1);
static uint64_t fresh_stack[STACK / 8u];
static sq_thread_t fresh;
static void stop_blocked(void *arg)
{
    (void)arg;
    note('b');
    (void)sq_sem_take(&stop_sem, SQ_FOREVER);
    note('B');   /* never: the wait is abandoned */
}
static void stop_sleeper(void *arg)
{
    (void)arg;
    note('s');
    (void)sq_thread_sleep(100000u);
    note('S');
}
static void stop_from_thread(void *arg)
{
    (void)arg;
    note('x');
    results[0] = sq_kernel_stop();
    note('X');   /* never: the caller ended with the rest */
}
static void stop_in_irq(void *arg)
{
    (void)arg;
    results[1] = sq_kernel_stop();
    note('i');
}
static void stop_from_irq(void *arg)
{
    (void)arg;
    note('r');
    (void)sq_kernel_soft_irq(stop_in_irq, NULL);
    note('R');   /* never: the interrupted thread ended too */
}
static void test_kernel_stop(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_kernel_stop(), SQ_ERR_STATE);
    reset_all();
    SQ_CHECK_EQ(sq_kernel_stop(), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_start(&th_a, stop_blocked, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, stop_sleeper, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, stop_from_thread, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "bsx") == 0);
    SQ_CHECK_EQ(sq_thread_count(), 1u);
    SQ_CHECK_EQ(sq_thread_state(&th_a), SQ_THREAD_DEAD);
    SQ_CHECK_EQ(sq_thread_state(&th_b), SQ_THREAD_DEAD);
    SQ_CHECK_EQ(sq_thread_state(&th_c), SQ_THREAD_DEAD);
    SQ_CHECK_EQ(sq_sem_count(&stop_sem), 0u);
    SQ_CHECK_EQ(sq_kernel_stop(), SQ_ERR_STATE);

    /* The same threads again, stopped from an interrupt; a thread made by
     * sq_thread_init as SQ_THREAD_DEFINE makes one. */
    reset_all();
    SQ_CHECK_EQ(sq_thread_init(NULL, fresh_stack, sizeof fresh_stack), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_thread_init(&fresh, NULL, sizeof fresh_stack), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_thread_init(&fresh, fresh_stack, sizeof fresh_stack), SQ_OK);
    SQ_CHECK_EQ(sq_thread_state(&fresh), SQ_THREAD_NEW);
    SQ_CHECK_EQ(sq_thread_start(&fresh, stop_blocked, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_init(&fresh, fresh_stack, sizeof fresh_stack), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_thread_start(&th_a, stop_sleeper, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, stop_from_irq, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "bsri") == 0);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(sq_thread_count(), 1u);
    SQ_CHECK_EQ(sq_thread_state(&fresh), SQ_THREAD_DEAD);
    SQ_CHECK_EQ(sq_thread_state(&th_b), SQ_THREAD_DEAD);

    /* A dead thread's block can be initialised and started again. */
    reset_all();
    SQ_CHECK_EQ(sq_thread_init(&fresh, fresh_stack, sizeof fresh_stack), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&fresh, note_arg, "f", 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "f") == 0);
}

/* Real preemption: a thread that never calls the kernel is preempted by a
 * higher-priority thread whose sleep ends in the tick interrupt. (The flag
 * is atomic so ThreadSanitizer, which delivers signals only at atomics and
 * intercepted calls, can preempt the loop too.) */
static atomic_int spin_stop;
static void spinner(void *arg)
{
    (void)arg;
    note('s');
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed)) {
    }
    note('S');
}
static void waker(void *arg)
{
    (void)arg;
    (void)sq_thread_sleep(3u);
    note('w');
    atomic_store(&spin_stop, 1);
}
static void test_preemption_from_tick(void **state)
{
    (void)state;
    reset_all();
    atomic_store(&spin_stop, 0);
    SQ_CHECK_EQ(sq_thread_start(&th_a, waker, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, spinner, NULL, 6, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "swS") == 0);
}

/* SC06: a cooperative thread is not preempted by a thread the tick makes
 * ready; it runs on until it yields. */
static volatile int coop_spins;
static void coop_spinner(void *arg)
{
    (void)arg;
    note('c');
    sq_tick_t t0 = sq_kernel_now();
    while (sq_kernel_now() - t0 < 6u) {   /* the waker's deadline passes */
        coop_spins++;
    }
    note('C');
    sq_thread_yield();
    note('y');
}
static void test_cooperative(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_thread_start(&th_a, waker, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, coop_spinner, NULL, 6, SQ_THREAD_COOPERATIVE), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "cCwy") == 0);
}

/* EV01-EV06, bad input. */
static void test_event_word(void **state)
{
    (void)state;
    sq_event_t e;
    uint32_t m = 7u;
    SQ_CHECK_EQ(sq_event_init(&e), SQ_OK);
    SQ_CHECK_EQ(sq_event_post(&e, 0x5u), SQ_OK);
    SQ_CHECK_EQ(sq_event_post(&e, 0x3u), SQ_OK);
    SQ_CHECK_EQ(sq_event_get(&e), 0x7u);                  /* EV01, EV08 */
    SQ_CHECK_EQ(sq_event_clear(&e, 0x2u), SQ_OK);
    SQ_CHECK_EQ(sq_event_get(&e), 0x5u);                  /* EV03 */
    SQ_CHECK_EQ(sq_event_set_masked(&e, 0xf0u, 0x3cu), SQ_OK);
    SQ_CHECK_EQ(sq_event_get(&e), 0x31u);                 /* EV04 */
    SQ_CHECK_EQ(sq_event_wait(&e, 0x3u, SQ_EVENT_ALL, SQ_NO_WAIT, &m), SQ_ERR_BUSY);
    SQ_CHECK_EQ(m, 0u);
    SQ_CHECK_EQ(sq_event_wait(&e, 0x3u, 0u, SQ_NO_WAIT, &m), SQ_OK); /* EV05 */
    SQ_CHECK_EQ(m, 0x1u);
    SQ_CHECK_EQ(sq_event_wait(&e, 0x11u, SQ_EVENT_ALL | SQ_EVENT_CLEAR, SQ_NO_WAIT, &m), SQ_OK);
    SQ_CHECK_EQ(m, 0x11u);                                /* EV06 */
    SQ_CHECK_EQ(sq_event_get(&e), 0x20u);
    SQ_CHECK_EQ(sq_event_set(&e, 0xdeadbeefu), SQ_OK);
    SQ_CHECK_EQ(sq_event_get(&e), 0xdeadbeefu);           /* EV02 */
    SQ_CHECK_EQ(sq_event_wait(&e, 0u, 0u, SQ_NO_WAIT, &m), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_event_wait(&e, 1u, 0x8u, SQ_NO_WAIT, &m), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_event_destroy(&e), SQ_OK);
    SQ_CHECK_EQ(sq_event_post(&e, 1u), SQ_ERR_DESTROYED);
}

/* Every satisfied waiter wakes, no other; clearing waiters consume after
 * all were judged. */
SQ_EVENT_DEFINE(ev);
static void ev_any(void *arg)
{
    uint32_t m = 0;
    results[0] = sq_event_wait(&ev, 0x3u, SQ_EVENT_CLEAR, SQ_FOREVER, &m);
    results[1] = (int)m;
    note(*(const char *)arg);
}
static void ev_all(void *arg)
{
    uint32_t m = 0;
    results[2] = sq_event_wait(&ev, 0x5u, SQ_EVENT_ALL, SQ_FOREVER, &m);
    results[3] = (int)m;
    note(*(const char *)arg);
}
static void ev_other(void *arg)
{
    results[4] = sq_event_wait(&ev, 0x8u, 0u, 4u, NULL);
    note(*(const char *)arg);
}
static void ev_poster(void *arg)
{
    (void)arg;
    note('p');
    (void)sq_event_post(&ev, 0x4u);   /* nobody satisfied yet */
    note('q');
    (void)sq_event_post(&ev, 0x1u);   /* any(0x3) and all(0x5) both hold */
    results[5] = (int)sq_event_get(&ev);
}
static void test_event_waiters(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_event_init(&ev), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, ev_any, "a", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, ev_all, "b", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, ev_other, "c", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_d, ev_poster, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "pqabc") == 0);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], 0x1);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], 0x5);
    SQ_CHECK_EQ(results[4], SQ_ERR_TIMEOUT);
    SQ_CHECK_EQ(results[5], 0x4);   /* bit 0 consumed by the clearing waiter */
}

/* TM01-TM07: periodic and one-shot timers; the expiry runs in the tick
 * interrupt and wakes a thread through a semaphore. */
SQ_SEM_DEFINE(tick_sem, 0, 100);
static void timer_gives(sq_timer_t *t)
{
    (void)t;
    (void)sq_sem_give(&tick_sem);
}
SQ_TIMER_DEFINE(periodic, timer_gives, NULL);
SQ_TIMER_DEFINE(one_shot, NULL, NULL);
static void timer_user(void *arg)
{
    (void)arg;
    results[0] = sq_timer_start(&periodic, 2u, 2u);
    results[1] = sq_timer_start(&one_shot, 3u, 0u);
    int woken = 0;
    while (woken < 5 && sq_sem_take(&tick_sem, 100u) == SQ_OK) {
        woken++;
    }
    results[2] = woken;
    results[3] = (int)sq_timer_status_take(&periodic);
    results[4] = (int)sq_timer_status_take(&periodic);   /* TM02: zeroed */
    results[5] = (int)sq_timer_status_take(&one_shot);
    results[6] = sq_timer_running(&one_shot);            /* TM06 */
    results[7] = sq_timer_stop(&periodic) == SQ_OK && !sq_timer_running(&periodic) &&
                 sq_timer_status_take(&periodic) == 0u;  /* TM04 */
}
static void test_timers(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_timer_init(&periodic, timer_gives, NULL), SQ_OK);
    SQ_CHECK_EQ(sq_timer_init(&one_shot, NULL, NULL), SQ_OK);
    SQ_CHECK_EQ(sq_sem_init(&tick_sem, 0, 100), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, timer_user, NULL, 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], 5);
    SQ_CHECK(results[3] >= 5);   /* TM05: one per expiry (the thread may lag) */
    SQ_CHECK_EQ(results[4], 0);
    SQ_CHECK_EQ(results[5], 1);
    SQ_CHECK_EQ(results[6], 0);
    SQ_CHECK_EQ(results[7], 1);
    SQ_CHECK_EQ(sq_timer_start(&periodic, SQ_FOREVER, 0u), SQ_ERR_INVALID);
}

/* No lost wake-up under fire: an interrupt gives on every tick while a
 * thread takes; every unit given is taken. */
SQ_SEM_DEFINE(storm_sem, 0, 1000000);
static volatile unsigned storm_given;
static void storm_tick(sq_timer_t *t)
{
    (void)t;
    if (storm_given < 200u && sq_sem_give(&storm_sem) == SQ_OK) {
        storm_given++;
    }
}
SQ_TIMER_DEFINE(storm_timer, storm_tick, NULL);
static void storm_taker(void *arg)
{
    (void)arg;
    unsigned taken = 0;
    (void)sq_timer_start(&storm_timer, 1u, 1u);
    while (taken < 200u && sq_sem_take(&storm_sem, 50u) == SQ_OK) {
        taken++;
    }
    (void)sq_timer_stop(&storm_timer);
    results[0] = (int)taken;
}
static void test_no_lost_wakeup(void **state)
{
    (void)state;
    reset_all();
    storm_given = 0;
    SQ_CHECK_EQ(sq_sem_init(&storm_sem, 0, 1000000), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, storm_taker, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], 200);
    SQ_CHECK_EQ(storm_given, 200u);
    SQ_CHECK_EQ(sq_sem_count(&storm_sem), 0u);
}

/* TH03/TH04: the stack is painted; usage is measured and within size. */
static void test_stack_usage(void **state)
{
    (void)state;
    size_t used = 0;
    reset_all();
    SQ_CHECK_EQ(sq_thread_start(&th_a, note_arg, "a", 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(sq_thread_stack_used(&th_a, &used), SQ_OK);
    SQ_CHECK(used <= th_a.stack_size);
    SQ_CHECK_EQ(sq_thread_stack_used(NULL, &used), SQ_ERR_NULL);
    th_c.stack_size = 16u;
    SQ_CHECK_EQ(sq_thread_start(&th_c, note_arg, "c", 1, 0), SQ_ERR_CAPACITY);
    th_c.stack_size = sizeof th_c_stack;
}

SQ_TEST_MAIN(SQ_TEST(test_before_init), SQ_TEST(test_priority_order), SQ_TEST(test_yield_round_robin),
             SQ_TEST(test_thread_bad_input), SQ_TEST(test_suspend_abort_join),
             SQ_TEST(test_sleep_and_join), SQ_TEST(test_sem_counts),
             SQ_TEST(test_sem_wake_order), SQ_TEST(test_sem_reset_timeout),
             SQ_TEST(test_irq_give_preempts), SQ_TEST(test_kernel_stop),
             SQ_TEST(test_preemption_from_tick),
             SQ_TEST(test_cooperative), SQ_TEST(test_event_word),
             SQ_TEST(test_event_waiters), SQ_TEST(test_timers),
             SQ_TEST(test_no_lost_wakeup), SQ_TEST(test_stack_usage))
