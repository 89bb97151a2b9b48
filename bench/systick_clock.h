/*
 * The benchmark images' clock on Cortex-M under QEMU -icount (see
 * bench/kernel_bench.c for the method): SysTick, as the kernel's port
 * programs it, is a 24-bit down-counter on the core clock, reloaded with
 * RVR when it passes 0 (which is the kernel tick).
 *
 * The kernel is the including image's: before including this, it defines
 * BENCH_TICK_T, the type of its tick count, and BENCH_TICKS(), which reads
 * it (squall's sq_kernel_now, FreeRTOS's xTaskGetTickCount).
 */
#ifndef SQUALL_BENCH_SYSTICK_CLOCK_H
#define SQUALL_BENCH_SYSTICK_CLOCK_H

#include <stdint.h>

#if !defined(BENCH_TICK_T) || !defined(BENCH_TICKS)
#error "define BENCH_TICK_T and BENCH_TICKS() (the kernel's tick count) first"
#endif

#define SYST_RVR (*(volatile uint32_t *)0xe000e014u)
#define SYST_CVR (*(volatile uint32_t *)0xe000e018u)

/* SysTick counts since the kernel started (mod 2^32): ticks times the
 * period plus the part of the current period gone. Interrupts must be
 * enabled: a reload between the two tick reads runs the tick handler
 * before the second one, so the pair differs and is read again. */
static inline uint32_t clock_now(void)
{
    for (;;) {
        BENCH_TICK_T t1 = BENCH_TICKS();
        uint32_t val = SYST_CVR;
        BENCH_TICK_T t2 = BENCH_TICKS();
        if (t1 == t2) {
            uint32_t period = SYST_RVR + 1u;
            return (uint32_t)t1 * period + (period - 1u - val);
        }
    }
}

/* 2n instructions (n >= 1): SUBS, BNE. */
static inline void spin2(uint32_t n)
{
    __asm__ volatile("1: subs %0, %0, #1\n\t"
                     "bne 1b"
                     : "+r"(n)
                     :
                     : "cc");
}

#endif
