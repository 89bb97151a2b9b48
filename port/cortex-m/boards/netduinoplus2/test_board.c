/*
 * The netduinoplus2 board under QEMU: the tick runs at SQ_CONFIG_TICK_HZ
 * with the core clock the board set at run time (board.c), a change of
 * the clock while the kernel runs takes effect at once, and out-of-range
 * clocks are refused. The output itself goes through USART1.
 *
 * The reference is TIM2, which QEMU 7.2's model counts from a 1 GHz clock
 * of its own (not the chip's 84 MHz: this test is QEMU's). Run under
 * `-icount shift=4,sleep=off` (board.cmake) both count virtual time, which
 * then follows the instructions executed, so the result is exact and does
 * not depend on the host's load. A thread spins while the measuring one
 * sleeps: with the core idle in WFI (virtual time then jumps to the next
 * timer deadline), QEMU 7.2 let SysTick fire only every other period.
 */
#include <stdint.h>
#include <squall/port_board.h>
#include <squall/thread.h>
#include "sq_test.h"

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define TIM2_CR1 REG32(0x40000000u)
#define TIM2_EGR REG32(0x40000014u)
#define TIM2_CNT REG32(0x40000024u)
#define TIM2_PSC REG32(0x40000028u)
#define TIM2_ARR REG32(0x4000002cu)
/* QEMU's TIM2 input clock; the prescaler divides it to 1 MHz. */
#define TIM2_QEMU_HZ 1000000000u
#define BOARD_HCLK_HZ 168000000u

SQ_THREAD_DEFINE(sleeper, 1024u);
SQ_THREAD_DEFINE(spinner, 1024u);
static volatile uint32_t slept_us;
static sq_status_t set_status;

static void tim2_start(void)
{
    TIM2_PSC = TIM2_QEMU_HZ / 1000000u - 1u;
    TIM2_ARR = 0xffffffffu;
    TIM2_EGR = 1u; /* UG: load the prescaler now */
    TIM2_CR1 = 1u; /* CEN */
}

/* Tells the port the clock `arg` points to (unless NULL), then sleeps
 * SQ_CONFIG_TICK_HZ ticks and records how long that took on TIM2, in
 * microseconds. */
static void sleep_one_second(void *arg)
{
    const uint32_t *hz = arg;
    sq_thread_sleep(1u); /* start on a tick boundary */
    if (hz != NULL) {
        set_status = sq_port_set_cpu_hz(*hz);
    }
    uint32_t start = TIM2_CNT;
    sq_thread_sleep(SQ_CONFIG_TICK_HZ);
    slept_us = TIM2_CNT - start;
}

static void spin(void *arg)
{
    (void)arg;
    while (slept_us == 0u) {
    }
}

static uint32_t measure(const uint32_t *hz)
{
    slept_us = 0u;
    set_status = SQ_ERR_STATE;
    if (sq_kernel_init() != SQ_OK ||
        sq_thread_start(&sleeper, sleep_one_second, (void *)(uintptr_t)hz, 1u, 0u) != SQ_OK ||
        sq_thread_start(&spinner, spin, NULL, 5u, 0u) != SQ_OK || sq_kernel_run() != SQ_OK) {
        return 0u;
    }
    return slept_us;
}

/* Within 0.1% of `us` (the sleep's start and end follow their ticks by a
 * few hundred instructions). */
static int about(uint32_t measured, uint32_t us)
{
    return measured > us - us / 1000u && measured < us + us / 1000u;
}

static void test_tick_rate(void **state)
{
    (void)state;
    tim2_start();
    SQ_CHECK_EQ(sq_port_cpu_hz(), BOARD_HCLK_HZ);
    uint32_t us = measure(NULL);
    printf("%u ticks: %lu us of TIM2\n", (unsigned)SQ_CONFIG_TICK_HZ, (unsigned long)us);
    SQ_CHECK(about(us, 1000000u));
}

/* Telling the port half the clock while SysTick runs makes the ticks come
 * twice as fast from then on; set while the kernel is stopped, the next
 * run starts at it. */
static void test_clock_change(void **state)
{
    (void)state;
    static const uint32_t half = BOARD_HCLK_HZ / 2u;
    tim2_start();
    uint32_t us = measure(&half);
    SQ_CHECK_EQ(set_status, SQ_OK);
    printf("%u ticks at half the clock: %lu us of TIM2\n", (unsigned)SQ_CONFIG_TICK_HZ,
           (unsigned long)us);
    SQ_CHECK(about(us, 500000u));
    SQ_CHECK_EQ(sq_port_cpu_hz(), half);
    SQ_CHECK_EQ(sq_port_set_cpu_hz(BOARD_HCLK_HZ), SQ_OK);
    SQ_CHECK(about(measure(NULL), 1000000u));
}

/* A tick must last at least 2 cycles (SysTick's reload is at least 1);
 * the upper bound, 2^24 cycles, lies beyond 32-bit clocks at 1000 Hz. */
static void test_clock_range(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_port_set_cpu_hz(0u), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_port_set_cpu_hz(2u * SQ_CONFIG_TICK_HZ - 1u), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_port_cpu_hz(), BOARD_HCLK_HZ);
    SQ_CHECK_EQ(sq_port_set_cpu_hz(2u * SQ_CONFIG_TICK_HZ), SQ_OK);
    SQ_CHECK_EQ(sq_port_cpu_hz(), 2u * SQ_CONFIG_TICK_HZ);
    SQ_CHECK_EQ(sq_port_set_cpu_hz(BOARD_HCLK_HZ), SQ_OK);
}

SQ_TEST_MAIN(SQ_TEST(test_clock_range), SQ_TEST(test_tick_rate), SQ_TEST(test_clock_change))
