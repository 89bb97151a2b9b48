/*
 * squall: milliseconds to kernel ticks and back, at SQ_CONFIG_TICK_HZ.
 *
 * Every timeout the kernel takes counts ticks (sq_timeout_t, tick.h); these
 * convert a duration in milliseconds, so application code does not depend
 * on the tick rate the build chose. Conversions to ticks round up: the
 * result is the fewest ticks lasting at least that long. A wait of n ticks
 * ends at the n-th tick from now, which is between n - 1 and n tick periods
 * away (the current period has partly gone): add 1 to wait at least `ms`.
 * All arithmetic is in 64 bits and cannot overflow (SQ_CONFIG_TICK_HZ is at
 * most 10^9, so ms * SQ_CONFIG_TICK_HZ < 2^62).
 */
#ifndef SQUALL_TIME_H
#define SQUALL_TIME_H

#include <stdint.h>
#include <squall/kernel.h>

#if SQ_CONFIG_TICK_HZ < 1 || SQ_CONFIG_TICK_HZ > 1000000000
#error "SQ_CONFIG_TICK_HZ: 1 to 10^9 ticks per second"
#endif

/** The ticks in `ms` milliseconds, rounded up, without saturation. */
#define SQ_MS_TICKS_EXACT_(ms) (((uint64_t)(ms) * SQ_CONFIG_TICK_HZ + 999u) / 1000u)

/**
 * `ms` milliseconds (an unsigned 32-bit count) as a timeout, for constant
 * expressions (static initialisers, SQ_TIMER_DEFINE): SQ_FOREVER stays
 * SQ_FOREVER, any other count becomes the fewest ticks lasting at least
 * that long, at most SQ_FOREVER - 1 (a finite wait never becomes an endless
 * one); 0 is SQ_NO_WAIT. `ms` is evaluated more than once: use
 * sq_ms_to_ticks for an expression with side effects.
 */
#define SQ_MS_TO_TICKS(ms)                                                    \
    ((sq_timeout_t)((uint64_t)(ms) == (uint64_t)SQ_FOREVER ? (uint64_t)SQ_FOREVER \
                    : SQ_MS_TICKS_EXACT_(ms) < (uint64_t)SQ_FOREVER ? SQ_MS_TICKS_EXACT_(ms) \
                    : (uint64_t)SQ_FOREVER - 1u))

/** SQ_MS_TO_TICKS as a function: `ms` evaluated once. */
/*@ assigns \nothing;
    behavior forever:
      assumes ms == SQ_FOREVER;
      ensures \result == SQ_FOREVER;
    behavior finite:
      assumes ms != SQ_FOREVER;
      ensures \result < SQ_FOREVER;
      ensures \result * 1000 >= ms * SQ_CONFIG_TICK_HZ || \result == SQ_FOREVER - 1;
      ensures \result == 0 || (\result - 1) * 1000 < ms * SQ_CONFIG_TICK_HZ;
    complete behaviors;
    disjoint behaviors;
*/
static inline sq_timeout_t sq_ms_to_ticks(uint32_t ms)
{
    return SQ_MS_TO_TICKS(ms);
}

/**
 * `ticks` (a time from sq_kernel_now, or a duration) in whole milliseconds,
 * rounded down; UINT64_MAX if that does not fit 64 bits (only below
 * 1 kHz, after more than 500 million years).
 */
/*@ assigns \nothing;
    ensures (ticks * 1000) / SQ_CONFIG_TICK_HZ <= UINT64_MAX ==>
            \result == (ticks * 1000) / SQ_CONFIG_TICK_HZ;
    ensures (ticks * 1000) / SQ_CONFIG_TICK_HZ > UINT64_MAX ==> \result == UINT64_MAX;
*/
static inline uint64_t sq_ticks_to_ms(sq_tick_t ticks)
{
    /* ticks * 1000 / rate without the 64-bit product: whole seconds and
     * the milliseconds of the rest (below 1000). */
    const uint64_t seconds = ticks / SQ_CONFIG_TICK_HZ;
    const uint64_t fraction = ticks % SQ_CONFIG_TICK_HZ * 1000u / SQ_CONFIG_TICK_HZ;
    if (seconds > (UINT64_MAX - fraction) / 1000u) {
        return UINT64_MAX;
    }
    return seconds * 1000u + fraction;
}

#endif /* SQUALL_TIME_H */
