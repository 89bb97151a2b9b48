/*
 * Milliseconds to ticks and back (include/squall/time.h) at the configured
 * tick rate; the host build also compiles this file at 1, 3, 100, 32768
 * and 10^9 Hz (tests/CMakeLists.txt), each with values worked out by hand.
 * Rounding up is checked by its definition (the fewest ticks covering the
 * milliseconds), not by the header's formula.
 */
#include <squall/time.h>

#include "sq_test.h"

#define HZ ((uint64_t)SQ_CONFIG_TICK_HZ)

/* Usable where a constant expression is required. */
static const sq_timeout_t constant_timeouts[] = {SQ_MS_TO_TICKS(0), SQ_MS_TO_TICKS(1000),
                                                 SQ_MS_TO_TICKS(SQ_FOREVER)};

/* The fewest ticks lasting at least `ms` (a finite count), or the cap. */
static int rounds_up(uint32_t ms, sq_timeout_t t)
{
    const uint64_t need = (uint64_t)ms * HZ; /* in 1/1000 ticks */
    if (t == SQ_FOREVER - 1u && need > ((uint64_t)SQ_FOREVER - 1u) * 1000u) {
        return 1; /* capped: more than the longest finite timeout */
    }
    return (uint64_t)t * 1000u >= need && (t == 0u || ((uint64_t)t - 1u) * 1000u < need);
}

static void special_values(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_ms_to_ticks(0u), SQ_NO_WAIT);
    SQ_CHECK_EQ(sq_ms_to_ticks(SQ_FOREVER), SQ_FOREVER);
    /* The longest finite wait stays finite, at every rate. */
    SQ_CHECK(sq_ms_to_ticks(SQ_FOREVER - 1u) < SQ_FOREVER);
    SQ_CHECK(sq_ms_to_ticks(SQ_FOREVER - 1u) >= sq_ms_to_ticks(SQ_FOREVER - 2u));
    SQ_CHECK_EQ(constant_timeouts[0], SQ_NO_WAIT);
    SQ_CHECK_EQ(constant_timeouts[1], sq_ms_to_ticks(1000u));
    SQ_CHECK_EQ(constant_timeouts[2], SQ_FOREVER);
}

static void rounds_up_to_whole_ticks(void **state)
{
    (void)state;
    static const uint32_t edges[] = {1u, 2u, 9u, 10u, 11u, 999u, 1000u, 1001u, 4294u, 4295u,
                                     65535u, 65536u, 4294967u, 4294968u, 1000000u,
                                     SQ_FOREVER - 2u, SQ_FOREVER - 1u};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        SQ_CHECK(rounds_up(edges[i], sq_ms_to_ticks(edges[i])));
        SQ_CHECK_EQ(sq_ms_to_ticks(edges[i]), SQ_MS_TO_TICKS(edges[i]));
    }
    /* A sweep of the first 10 s and a spread over the whole range. */
    for (uint32_t ms = 0; ms <= 10000u; ms++) {
        SQ_CHECK(rounds_up(ms, sq_ms_to_ticks(ms)));
    }
    for (uint64_t ms = 7u; ms < SQ_FOREVER; ms += 40009u * 7u) {
        SQ_CHECK(rounds_up((uint32_t)ms, sq_ms_to_ticks((uint32_t)ms)));
    }
}

/* Values worked out by hand for each rate the build compiles. */
static void known_values(void **state)
{
    (void)state;
#if SQ_CONFIG_TICK_HZ == 1000
    SQ_CHECK_EQ(sq_ms_to_ticks(1u), 1u);
    SQ_CHECK_EQ(sq_ms_to_ticks(250u), 250u);
    SQ_CHECK_EQ(sq_ms_to_ticks(SQ_FOREVER - 1u), SQ_FOREVER - 1u);
    SQ_CHECK(sq_ticks_to_ms(123456789012ull) == 123456789012ull);
#elif SQ_CONFIG_TICK_HZ == 1
    SQ_CHECK_EQ(sq_ms_to_ticks(1u), 1u);
    SQ_CHECK_EQ(sq_ms_to_ticks(1000u), 1u);
    SQ_CHECK_EQ(sq_ms_to_ticks(1001u), 2u);
    SQ_CHECK_EQ(sq_ms_to_ticks(SQ_FOREVER - 1u), 4294968u);
    SQ_CHECK(sq_ticks_to_ms(3u) == 3000u);
    SQ_CHECK(sq_ticks_to_ms(18446744073709551ull) == 18446744073709551000ull);
    SQ_CHECK(sq_ticks_to_ms(18446744073709552ull) == UINT64_MAX);
    SQ_CHECK(sq_ticks_to_ms(UINT64_MAX) == UINT64_MAX);
#elif SQ_CONFIG_TICK_HZ == 3
    SQ_CHECK_EQ(sq_ms_to_ticks(333u), 1u);
    SQ_CHECK_EQ(sq_ms_to_ticks(334u), 2u);
    SQ_CHECK_EQ(sq_ms_to_ticks(1000u), 3u);
    SQ_CHECK(sq_ticks_to_ms(1u) == 333u);
    SQ_CHECK(sq_ticks_to_ms(2u) == 666u);
    /* 55340232221128654 ticks are 18446744073709551333.3 ms, which fits;
     * one tick more is 18446744073709551666.6 ms, which does not (the
     * whole seconds alone would). */
    SQ_CHECK(sq_ticks_to_ms(55340232221128654ull) == 18446744073709551333ull);
    SQ_CHECK(sq_ticks_to_ms(55340232221128655ull) == UINT64_MAX);
#elif SQ_CONFIG_TICK_HZ == 100
    SQ_CHECK_EQ(sq_ms_to_ticks(1u), 1u);
    SQ_CHECK_EQ(sq_ms_to_ticks(10u), 1u);
    SQ_CHECK_EQ(sq_ms_to_ticks(11u), 2u);
    SQ_CHECK_EQ(sq_ms_to_ticks(1000u), 100u);
    SQ_CHECK(sq_ticks_to_ms(1u) == 10u);
    SQ_CHECK(sq_ticks_to_ms(1844674407370955161ull) == 18446744073709551610ull);
    SQ_CHECK(sq_ticks_to_ms(1844674407370955162ull) == UINT64_MAX);
#elif SQ_CONFIG_TICK_HZ == 32768
    SQ_CHECK_EQ(sq_ms_to_ticks(1u), 33u);     /* 32.768 */
    SQ_CHECK_EQ(sq_ms_to_ticks(30u), 984u);   /* 983.04 */
    SQ_CHECK_EQ(sq_ms_to_ticks(1000u), 32768u);
    SQ_CHECK_EQ(sq_ms_to_ticks(131071u), 4294935u); /* 4294934.528 */
    SQ_CHECK(sq_ticks_to_ms(32768u) == 1000u);
    SQ_CHECK(sq_ticks_to_ms(33u) == 1u);
    SQ_CHECK(sq_ticks_to_ms(32767u) == 999u);
#elif SQ_CONFIG_TICK_HZ == 1000000000
    SQ_CHECK_EQ(sq_ms_to_ticks(1u), 1000000u);
    SQ_CHECK_EQ(sq_ms_to_ticks(4294u), 4294000000u);
    /* 4295 ms is more than 2^32 ns: the longest finite timeout. */
    SQ_CHECK_EQ(sq_ms_to_ticks(4295u), SQ_FOREVER - 1u);
    SQ_CHECK_EQ(sq_ms_to_ticks(SQ_FOREVER - 1u), SQ_FOREVER - 1u);
    SQ_CHECK(sq_ticks_to_ms(999999u) == 0u);
    SQ_CHECK(sq_ticks_to_ms(1000000u) == 1u);
    SQ_CHECK(sq_ticks_to_ms(UINT64_MAX) == 18446744073709u);
#endif
}

static void ticks_to_ms_rounds_down(void **state)
{
    (void)state;
    SQ_CHECK(sq_ticks_to_ms(0u) == 0u);
    SQ_CHECK(sq_ticks_to_ms(HZ) == 1000u);
    /* ms = floor(ticks * 1000 / HZ), checked as HZ * ms <= 1000 * ticks <
     * HZ * (ms + 1), in 64 bits for these ticks. */
    for (uint64_t ticks = 0; ticks < (1ull << 40); ticks = ticks * 3u + 1u) {
        const uint64_t ms = sq_ticks_to_ms(ticks);
        SQ_CHECK(ms * HZ <= ticks * 1000u && ticks * 1000u < (ms + 1u) * HZ);
    }
    /* Round trip: a whole number of ms converted to ticks and back is at
     * least the same number of ms. */
    for (uint32_t ms = 0; ms <= 5000u; ms += 7u) {
        SQ_CHECK(sq_ticks_to_ms(sq_ms_to_ticks(ms)) >= ms || sq_ms_to_ticks(ms) == SQ_FOREVER - 1u);
    }
}

SQ_TEST_MAIN(SQ_TEST(special_values), SQ_TEST(rounds_up_to_whole_ticks), SQ_TEST(known_values),
             SQ_TEST(ticks_to_ms_rounds_down))
