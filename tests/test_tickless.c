/*
 * Tickless idle (target images under QEMU -icount shift=0,sleep=off;
 * docs/PORTING.md). Built against the ticking port (`test_tickless`) and
 * the tickless one (`tickless_idle`, SQ_TEST_TICKLESS).
 *
 * The reference clock is the board's second CMSDK timer, free-running on
 * the same clock as SysTick and never touched by the port. Two runs:
 *   - a thread sleeps 10 s (10 * SQ_CONFIG_TICK_HZ ticks) with nothing
 *     else going on: it wakes exactly that many ticks later, within an
 *     eighth of a tick of 10 s on the reference clock, after one SysTick
 *     interrupt per tick when ticking and at most one per 2^24 counts
 *     (plus two) when tickless;
 *   - the same sleep while the first timer interrupts at a period that is
 *     no whole number of ticks, and every fourth of its interrupts wakes a
 *     second thread that sleeps a few ticks: in each handler the kernel's
 *     tick count agrees with the reference clock (the ticks of a cut
 *     sleep announced before the handler runs, none lost or added), and
 *     the 10-second sleep still ends on time.
 * Each run prints its numbers (INFO lines).
 */
#include <stdbool.h>
#include <stdint.h>
#include <squall/kernel.h>
#include <squall/port_idle.h>
#include <squall/sem.h>
#include <squall/thread.h>

#include "sq_cmsdk.h"
#include "sq_test.h"

enum {
    PERIOD = CPU_HZ / SQ_CONFIG_TICK_HZ,  /* counts per tick */
    SLEEP = 10u * SQ_CONFIG_TICK_HZ,      /* 10 s */
    MAX_TICKS = 0x1000000u / PERIOD,      /* the most one SysTick period holds */
    SLACK = PERIOD / 8u,
    IRQ_PERIOD = 33u * PERIOD + PERIOD / 3u + 17u,
    LIMIT = 2500u,                        /* below SLACK; divides PERIOD */
};

SQ_THREAD_DEFINE(th_sleeper, 1024);
SQ_THREAD_DEFINE(th_helper, 1024);
static sq_sem_t helper_sem;

/* The reference clock: counts up from the timer's start. */
static uint32_t ref_now(void)
{
    return 0xffffffffu - TIMER_VALUE(TIMER1);
}

/* Results of a run. */
static volatile sq_tick_t slept_ticks;
static volatile uint32_t slept_counts, slept_irqs;
static volatile uint32_t irq_runs, irq_errors, helper_wakes;
static volatile int32_t worst_phase_low, worst_phase_high;
static volatile bool helper_stop;

/* Where the kernel's count started, on both clocks. */
static sq_tick_t tick0;
static uint32_t ref0;

static void timer_handler(void)
{
    TIMER_INTCLEAR(TIMER0) = 1u;
    /* The tick count must be the boundaries passed since tick0: the
     * reference clock within [0, PERIOD) counts after the last one
     * (tick0 was read just after a boundary, SLACK of latency allowed). */
    int64_t phase = (int64_t)(ref_now() - ref0) - (int64_t)(sq_kernel_now() - tick0) * PERIOD;
    if (phase < worst_phase_low) {
        worst_phase_low = (int32_t)phase;
    }
    if (phase > worst_phase_high) {
        worst_phase_high = (int32_t)phase;
    }
    if (phase < -(int64_t)SLACK || phase >= (int64_t)PERIOD + SLACK) {
        irq_errors++;
    }
    if (++irq_runs % 4u == 0u) {
        (void)sq_sem_give(&helper_sem);
    }
}

static void helper_entry(void *arg)
{
    (void)arg;
    while (!helper_stop) {
        (void)sq_sem_take(&helper_sem, SQ_FOREVER);
        helper_wakes++;
        (void)sq_thread_sleep(3u);
    }
}

static void sleeper_entry(void *arg)
{
    bool interrupted = arg != NULL;
    (void)sq_thread_sleep(1u); /* start just after a tick boundary */
    tick0 = sq_kernel_now();
    ref0 = ref_now();
    uint32_t irqs0 = sq_port_tick_interrupts();
    if (interrupted) {
        TIMER_RELOAD(TIMER0) = IRQ_PERIOD - 1u;
        TIMER_VALUE(TIMER0) = IRQ_PERIOD - 1u;
        TIMER_CTRL(TIMER0) = TIMER_ENABLE | TIMER_IRQ_ENABLE;
    }
    (void)sq_thread_sleep(SLEEP);
    slept_ticks = sq_kernel_now() - tick0;
    slept_counts = ref_now() - ref0;
    slept_irqs = sq_port_tick_interrupts() - irqs0;
    TIMER_CTRL(TIMER0) = 0u;
    helper_stop = true;
    (void)sq_sem_give(&helper_sem);
}

/* The vector table in RAM, with the timer's handler. */
static uint32_t vectors[16u + 32u] __attribute__((aligned(256)));

static void run(bool interrupted)
{
    slept_ticks = 0u;
    slept_counts = slept_irqs = irq_runs = irq_errors = helper_wakes = 0u;
    worst_phase_low = INT32_MAX;
    worst_phase_high = INT32_MIN;
    helper_stop = false;

    sq_cmsdk_vector(vectors, TIMER_IRQ, timer_handler);
    sq_cmsdk_irq_enable(TIMER_IRQ, 0x80u);
    TIMER_CTRL(TIMER1) = 0u;
    TIMER_RELOAD(TIMER1) = 0xffffffffu;
    TIMER_VALUE(TIMER1) = 0xffffffffu;
    TIMER_CTRL(TIMER1) = TIMER_ENABLE;
    /* QEMU 7.2 with -icount sleep=off ends a WFI at the next timer event
     * after the one that raised the interrupt, so a board whose next
     * event is a tick away wakes a tick late and the two wraps look like
     * one. A timer event every LIMIT counts bounds that to LIMIT counts
     * (and with SysTick's periods multiples of it the wake is exact). */
    DUALTIMER_LOAD = LIMIT - 1u;
    DUALTIMER_CONTROL = DUALTIMER_ON;

    (void)sq_kernel_init();
    (void)sq_sem_init(&helper_sem, 0u, 100u);
    (void)sq_thread_start(&th_sleeper, sleeper_entry, interrupted ? &th_sleeper : NULL, 2u, 0u);
    if (interrupted) {
        (void)sq_thread_start(&th_helper, helper_entry, NULL, 1u, 0u);
    }
    (void)sq_kernel_run();
    NVIC_ICER0 = 1u << TIMER_IRQ;
    DUALTIMER_CONTROL = 0u;
    printf("INFO %s sleep of %lu ticks: %lu ticks, %ld counts off 10 s, %lu SysTick interrupts",
           interrupted ? "interrupted" : "quiet", (unsigned long)SLEEP,
           (unsigned long)slept_ticks, (long)slept_counts - (long)SLEEP * (long)PERIOD,
           (unsigned long)slept_irqs);
    if (interrupted) {
        printf(", %lu timer interrupts (phase %ld..%ld of %lu counts), %lu helper wakes",
               (unsigned long)irq_runs, (long)worst_phase_low, (long)worst_phase_high,
               (unsigned long)PERIOD, (unsigned long)helper_wakes);
    }
    printf("\n");
}

/* Every SysTick interrupt the sleep caused, and no more: one per tick
 * when ticking; tickless, one per SysTick period of at most MAX_TICKS
 * (the first one shorter), plus the interrupted run's cuts. */
static void check_sleep(void)
{
    SQ_CHECK_EQ(slept_ticks, SLEEP);
    int64_t off = (int64_t)slept_counts - (int64_t)SLEEP * PERIOD;
    SQ_CHECK(off > -(int64_t)SLACK && off < (int64_t)SLACK);
}

static void quiet_sleep(void **state)
{
    (void)state;
    run(false);
    check_sleep();
#if defined(SQ_TEST_TICKLESS)
    SQ_CHECK(slept_irqs <= SLEEP / MAX_TICKS + 2u);
#else
    SQ_CHECK(slept_irqs >= SLEEP && slept_irqs <= SLEEP + 1u);
#endif
}

static void interrupted_sleep(void **state)
{
    (void)state;
    run(true);
    check_sleep();
    SQ_CHECK(irq_runs >= (uint64_t)SLEEP * PERIOD / IRQ_PERIOD - 1u);
    SQ_CHECK_EQ(irq_errors, 0u);
    SQ_CHECK(helper_wakes >= irq_runs / 4u);
#if defined(SQ_TEST_TICKLESS)
    /* Each helper wake-up runs about 3 ticks; each interrupt cuts one
     * sleep; the rest sleeps in long periods. */
    SQ_CHECK(slept_irqs < SLEEP / 4u);
#endif
}

SQ_TEST_MAIN(SQ_TEST(quiet_sleep), SQ_TEST(interrupted_sleep))
