/*
 * The benchmark images' clock on Cortex-M under QEMU -icount (see
 * bench/kernel_bench.c for the method): SysTick, as the port programs it,
 * is a 24-bit down-counter on the core clock, reloaded with RVR when it
 * passes 0 (which is the kernel tick).
 */
#ifndef SQUALL_BENCH_SYSTICK_CLOCK_H
#define SQUALL_BENCH_SYSTICK_CLOCK_H

#include <stdint.h>
#include <squall/kernel.h>

#define SYST_RVR (*(volatile uint32_t *)0xe000e014u)
#define SYST_CVR (*(volatile uint32_t *)0xe000e018u)

/* SysTick counts since the kernel started (mod 2^32): ticks times the
 * period plus the part of the current period gone. Interrupts must be
 * enabled: a reload between the two tick reads runs the tick handler
 * before the second one, so the pair differs and is read again. */
static inline uint32_t clock_now(void)
{
    for (;;) {
        sq_tick_t t1 = sq_kernel_now();
        uint32_t val = SYST_CVR;
        sq_tick_t t2 = sq_kernel_now();
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
