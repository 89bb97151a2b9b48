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

/* Set when a measurement could not be made (the image then fails). */
static bool failed;

/* ---- Latency samples ---------------------------------------------------- */

/* SysTick just before the operation starts, and the kernel tick read
 * before that. */
static volatile uint32_t stamp;
static volatile BENCH_TICK_T stamp_tick;

/* Whether a sample from `start` to `end`, SysTick readings with the kernel
 * tick `tick` read before the start, is kept: not when a tick has fallen
 * since. */
static inline bool latency_kept(uint32_t start, uint32_t end, BENCH_TICK_T tick)
{
    /* A down-counter: end <= start unless it reloaded, which is a tick. */
    return BENCH_TICKS() == tick && end <= start;
}

/* ---- Give -> take: a giver stamps, a taker records ------------------------- */

/* The two latencies: from a give in the giver's thread, and from a give
 * in an interrupt handler the giver triggers, to the taker's return from
 * its take. The taker records phase `phase` while `recording`, and leaves
 * its loop when `stop` is set. A third, squall's alone (kernel_bench.c):
 * from a work submit to the start of its handler on the queue's worker. */
enum phase { PHASE_GIVE, PHASE_IRQ, PHASE_WORK, PHASES };
static volatile bool recording, stop;
static volatile enum phase phase;
static uint32_t lat_sum[PHASES], lat_n[PHASES], lat_dropped[PHASES];

static inline void latency_record(enum phase p, uint32_t start, uint32_t end, BENCH_TICK_T tick)
{
    if (latency_kept(start, end, tick)) {
        lat_sum[p] += start - end;
        lat_n[p]++;
    } else {
        lat_dropped[p]++;
    }
}

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
        latency_record(phase, stamp, end, stamp_tick);
    }
    return true;
}

/* The including image's baseline sample for phase `p`: sets `stamp`, makes
 * an empty call shaped like the phase's operation and returns the reading
 * after it, shaped like the taker's. */
static uint32_t latency_base_sample(enum phase p);

/* The SysTick counts of the baseline samples kept, and how many. */
struct samples {
    uint32_t sum, n;
};

/* SAMPLES baseline samples of phase `p`, each after the dither. */
static struct samples latency_base(enum phase p)
{
    struct samples b = {0u, 0u};
    for (uint32_t i = 0; i < SAMPLES; i++) {
        BENCH_TICK_T tick = BENCH_TICKS();
        dither();
        uint32_t end = latency_base_sample(p);
        uint32_t start = stamp;
        if (latency_kept(start, end, tick)) {
            b.sum += start - end;
            b.n++;
        }
    }
    return b;
}

/* Print phase `p`'s mean minus the baseline's (a FAIL line and `failed`
 * unless the taker saw all SAMPLES and some of each were kept), and the
 * samples behind it. */
static void latency_report(const char *name, uint32_t threads, enum phase p, struct samples base)
{
    uint32_t base_sum = base.sum, base_n = base.n;
    /* Every give must have woken the taker once. */
    if (lat_n[p] + lat_dropped[p] != SAMPLES || lat_n[p] == 0u || base_n == 0u) {
        printf("FAIL %s: %lu wake-ups recorded for %lu gives\n", name,
               (unsigned long)(lat_n[p] + lat_dropped[p]), (unsigned long)SAMPLES);
        failed = true;
        return;
    }
    /* sum / n - base_sum / base_n, over a common denominator. */
    report(name, threads, (int64_t)lat_sum[p] * base_n - (int64_t)base_sum * lat_n[p],
           (int64_t)lat_n[p] * base_n);
    printf("INFO %s_samples %lu kept %lu dropped\n", name, (unsigned long)lat_n[p],
           (unsigned long)lat_dropped[p]);
    printf("INFO %s_raw %lu/%lu counts, baseline %lu/%lu counts\n", name,
           (unsigned long)lat_sum[p], (unsigned long)lat_n[p], (unsigned long)base_sum,
           (unsigned long)base_n);
}

/* Ready for a new give -> take run. */
static inline void latency_reset(void)
{
    stop = false;
    for (enum phase p = PHASE_GIVE; p < PHASES; p++) {
        lat_sum[p] = lat_n[p] = lat_dropped[p] = 0u;
    }
}

#endif
