/*
 * The measuring method of the Cortex-M kernel benchmarks under QEMU
 * `-icount shift=0` (described in bench/kernel_bench.c, which measures
 * squall; bench/peers/freertos_bench.c measures FreeRTOS the same way):
 * the calibration of the SysTick clock, the dither before a latency
 * sample, latency samples against their baseline, and the result lines
 *
 *   BENCH <name> <threads> <instructions per operation, two decimals>
 *   INFO <what> <value>
 *   FAIL <why>
 *
 * For the one source file of a benchmark image (it holds the method's
 * state), after the kernel's BENCH_TICK_T and BENCH_TICKS() (see
 * systick_clock.h).
 */
#ifndef SQUALL_BENCH_ICOUNT_BENCH_H
#define SQUALL_BENCH_ICOUNT_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "systick_clock.h"

/* Operations per amortised window, and latency samples (overridable for a
 * short traced run). */
#ifndef ITERATIONS
#define ITERATIONS 20000u
#endif
#ifndef SAMPLES
#define SAMPLES 20000u
#endif
/* Iterations run before a window opens, so that every thread is already in
 * its loop (no thread start-up inside a window). */
#define WARMUP 16u

/* Instructions per SysTick count, from the calibration. */
static uint32_t ipc;

/* 3n instructions (n >= 1): SUBS, NOP, BNE. */
static inline void spin3(uint32_t n)
{
    __asm__ volatile("1: subs %0, %0, #1\n\t"
                     "nop\n\t"
                     "bne 1b"
                     : "+r"(n)
                     :
                     : "cc");
}

#define CALIBRATION_LOOPS 1000000u

/* Sets ipc from a loop of known length; false (and a FAIL line) unless
 * SysTick counts a whole number of instructions, not a multiple of 3. */
static inline bool calibrate(void)
{
    uint32_t c0 = clock_now();
    spin2(CALIBRATION_LOOPS);
    uint32_t counts = clock_now() - c0;
    /* A few hundred instructions besides the loop (calls, one or two
     * kernel ticks) are in the window too: a few per mille of a count at
     * most; 20 per mille off a whole number is not icount. */
    uint32_t per_mille = (uint32_t)((2ull * CALIBRATION_LOOPS * 1000u + counts / 2u) / counts);
    ipc = (per_mille + 500u) / 1000u;
    printf("INFO calibration_instructions %lu\n", (unsigned long)(2u * CALIBRATION_LOOPS));
    printf("INFO calibration_counts %lu\n", (unsigned long)counts);
    printf("INFO instructions_per_count %lu\n", (unsigned long)ipc);
    uint32_t off = per_mille > ipc * 1000u ? per_mille - ipc * 1000u : ipc * 1000u - per_mille;
    if (ipc == 0u || off > 20u) {
        printf("FAIL SysTick does not count whole instructions (%lu per mille per count): "
               "run under qemu -icount shift=0\n", (unsigned long)per_mille);
        return false;
    }
    if (ipc % 3u == 0u) {
        printf("FAIL %lu instructions per count is a multiple of the dither step 3\n",
               (unsigned long)ipc);
        return false;
    }
    return true;
}

/* xorshift32: the dither's pseudo-random numbers (deterministic runs). */
static uint32_t rng = 0x2545f491u;

/* 3r instructions, r uniform in 1..ipc: puts the next reading at a
 * uniformly distributed point of the SysTick step. */
static inline void dither(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    spin3(rng % ipc + 1u);
}

/* Print `counts` SysTick counts over `ops` operations (ops > 0) as
 * instructions per operation, rounded to two decimals. */
static inline void report(const char *name, uint32_t threads, int64_t counts, int64_t ops)
{
    int64_t x100 = counts * (int64_t)ipc * 100;
    x100 = (x100 >= 0 ? x100 + ops / 2 : x100 - ops / 2) / ops;
    const char *sign = x100 < 0 ? "-" : "";
    uint32_t mag = (uint32_t)(x100 < 0 ? -x100 : x100);
    printf("BENCH %s %lu %s%lu.%02lu\n", name, (unsigned long)threads, sign,
           (unsigned long)(mag / 100u), (unsigned long)(mag % 100u));
}

/* ---- Latency samples ---------------------------------------------------- */

/* SysTick just before the operation starts, and the kernel tick read
 * before that. */
static volatile uint32_t stamp;
static volatile BENCH_TICK_T stamp_tick;

/* The SysTick counts between the start and the end of the samples kept,
 * and how many were kept and dropped. */
struct latency {
    uint32_t sum, n, dropped;
};

/* One sample from `start` to `end`, SysTick readings with the kernel tick
 * `tick` read before the start: dropped when a tick has fallen since. */
static inline void latency_record(struct latency *l, uint32_t start, uint32_t end,
                                  BENCH_TICK_T tick)
{
    /* A down-counter: end <= start unless it reloaded, which is a tick. */
    if (BENCH_TICKS() == tick && end <= start) {
        l->sum += start - end;
        l->n++;
    } else {
        l->dropped++;
    }
}

/* ---- Give -> take: a giver stamps, a taker records ------------------------- */

/* The two latencies: from a give in the giver's thread, and from a give
 * in an interrupt handler the giver triggers, to the taker's return from
 * its take. The taker records into lat[phase] while `recording`, and
 * leaves its loop when `stop` is set. */
enum phase { PHASE_GIVE, PHASE_IRQ, PHASES };
static volatile bool recording, stop;
static volatile enum phase phase;
static struct latency lat[PHASES];

/* The giver, before stamping sample `i` of phase `p` (the first `warmup`
 * are not recorded): the phase, the tick, the dither. */
static inline void latency_sample_start(enum phase p, uint32_t i, uint32_t warmup)
{
    phase = p;
    recording = i >= warmup;
    stamp_tick = BENCH_TICKS();
    dither();
}

/* The taker, at `end`, the SysTick reading straight after its take
 * returned: records the sample; false when told to stop. */
static inline bool latency_taken(uint32_t end)
{
    if (stop) {
        return false;
    }
    if (recording) {
        latency_record(&lat[phase], stamp, end, stamp_tick);
    }
    return true;
}

/* `samples` baseline samples: `sample_end` sets `stamp`, makes an empty
 * call and returns the reading after it, both shaped like the measured
 * operation's readings; each is preceded by the dither. */
static inline struct latency latency_base(uint32_t (*sample_end)(void), uint32_t samples)
{
    struct latency b = {0u, 0u, 0u};
    for (uint32_t i = 0; i < samples; i++) {
        BENCH_TICK_T tick = BENCH_TICKS();
        dither();
        uint32_t end = sample_end();
        latency_record(&b, stamp, end, tick);
    }
    return b;
}

/* Print the mean of `l` minus the mean of `base` (false and a FAIL line
 * unless `samples` samples were taken and some of each kept). */
static inline bool latency_report(const char *name, uint32_t threads, const struct latency *l,
                                  const struct latency *base, uint32_t samples)
{
    if (l->n + l->dropped != samples || l->n == 0u || base->n == 0u) {
        printf("FAIL %s: %lu wake-ups recorded for %lu operations\n", name,
               (unsigned long)(l->n + l->dropped), (unsigned long)samples);
        return false;
    }
    /* sum / n - base sum / base n, over a common denominator. */
    report(name, threads, (int64_t)l->sum * base->n - (int64_t)base->sum * l->n,
           (int64_t)l->n * base->n);
    printf("INFO %s_samples %lu kept %lu dropped\n", name, (unsigned long)l->n,
           (unsigned long)l->dropped);
    printf("INFO %s_raw %lu/%lu counts, baseline %lu/%lu counts\n", name, (unsigned long)l->sum,
           (unsigned long)l->n, (unsigned long)base->sum, (unsigned long)base->n);
    return true;
}

#endif
