/*
 * The application tick source (SQUALL_PORT_TICK_SOURCE=app,
 * docs/PORTING.md), on the MPS2 boards under QEMU: the port built with
 * SQ_PORT_TICK_SOURCE=SQ_PORT_TICK_APP leaves SysTick alone and the board
 * (tests/support/sq_app_tick.c: CMSDK timer 0) drives the tick through
 * sq_port_tick_source_start and sq_port_tick_isr. A thread sleeps 100
 * ticks and times out 10 ticks on a semaphore: every tick came from the
 * timer, SysTick stayed off, and the kernel's stop stopped the timer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <squall/kernel.h>
#include <squall/port_idle.h>
#include <squall/sem.h>
#include <squall/thread.h>

#include "sq_cmsdk.h"
#include "sq_test.h"

SQ_THREAD_DEFINE(th_sleeper, 1024);
static sq_sem_t never;

static volatile sq_tick_t slept, timed_out_after;
static volatile uint32_t app_irqs, port_irqs, systick_csr;
static volatile sq_status_t take_result;

static void sleeper_entry(void *arg)
{
    (void)arg;
    (void)sq_thread_sleep(1u); /* start just after a tick */
    sq_tick_t t0 = sq_kernel_now();
    uint32_t app0 = sq_app_tick_irqs;
    uint32_t port0 = sq_port_tick_interrupts();
    (void)sq_thread_sleep(100u);
    slept = sq_kernel_now() - t0;
    app_irqs = sq_app_tick_irqs - app0;
    port_irqs = sq_port_tick_interrupts() - port0;
    systick_csr = SYST_CSR;
    t0 = sq_kernel_now();
    take_result = sq_sem_take(&never, 10u);
    timed_out_after = sq_kernel_now() - t0;
    (void)sq_kernel_stop();
}

static void ticks_from_the_timer(void **state)
{
    (void)state;
    uint32_t starts = sq_app_tick_starts;
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_sem_init(&never, 0u, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_sleeper, sleeper_entry, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(sq_app_tick_starts, starts + 1u);
    SQ_CHECK_EQ(sq_app_tick_hz, SQ_CONFIG_TICK_HZ);
    SQ_CHECK_EQ(slept, 100u);
    /* One interrupt per tick, each announced (the sleep may end a tick
     * after the 100th interrupt's boundary). */
    SQ_CHECK(app_irqs >= 100u && app_irqs <= 101u);
    SQ_CHECK_EQ(port_irqs, app_irqs);
    SQ_CHECK_EQ(systick_csr & 1u, 0u); /* SysTick's ENABLE: never set */
    SQ_CHECK_EQ(take_result, SQ_ERR_TIMEOUT);
    SQ_CHECK_EQ(timed_out_after, 10u);
    SQ_CHECK_EQ(TIMER_CTRL(TIMER0) & TIMER_ENABLE, 0u); /* stopped with the kernel */
}

SQ_TEST_MAIN(SQ_TEST(ticks_from_the_timer), SQ_TEST(ticks_from_the_timer))
