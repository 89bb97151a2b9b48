/*
 * Tick arithmetic: deadlines (TO01, TO02, TO05-TO08), reaching them (TO04),
 * and the time left (TO06), at the edges of the 64-bit range.
 */
#include <squall/tick.h>

#include "sq_test.h"

static void deadline_is_now_plus_timeout(void **state)
{
    (void)state;
    SQ_CHECK(sq_tick_deadline(0u, 1u) == 1u);
    SQ_CHECK(sq_tick_deadline(1000u, 250u) == 1250u);
    /* Past 32 bits: ticks are 64-bit, nothing wraps at 2^32. */
    SQ_CHECK(sq_tick_deadline(0xFFFFFFF0u, 0x20u) == 0x100000010ull);
    /* The largest finite timeout from the last tick stays below NEVER. */
    SQ_CHECK(sq_tick_deadline(SQ_TICK_MAX, SQ_FOREVER - 1u) == SQ_TICK_NEVER - 1u);
}

static void no_wait_and_forever(void **state)
{
    (void)state;
    SQ_CHECK(sq_tick_deadline(77u, SQ_NO_WAIT) == 77u);
    SQ_CHECK(sq_tick_reached(77u, sq_tick_deadline(77u, SQ_NO_WAIT)));
    SQ_CHECK(sq_tick_deadline(0u, SQ_FOREVER) == SQ_TICK_NEVER);
    SQ_CHECK(sq_tick_deadline(SQ_TICK_MAX, SQ_FOREVER) == SQ_TICK_NEVER);
    SQ_CHECK(!sq_tick_reached(SQ_TICK_MAX, SQ_TICK_NEVER));
    SQ_CHECK(!sq_tick_reached(0u, SQ_TICK_NEVER));
}

static void reached_exactly_at_the_deadline(void **state)
{
    (void)state;
    sq_tick_t d = sq_tick_deadline(500u, 10u);
    SQ_CHECK(!sq_tick_reached(509u, d));
    SQ_CHECK(sq_tick_reached(510u, d));
    SQ_CHECK(sq_tick_reached(511u, d));
    SQ_CHECK(sq_tick_reached(0x100000000ull, 0xFFFFFFFFull));
    SQ_CHECK(!sq_tick_reached(0xFFFFFFFFull, 0x100000000ull));
}

static void remaining_round_trips(void **state)
{
    (void)state;
    sq_tick_t d = sq_tick_deadline(1000u, 300u);
    SQ_CHECK_EQ(sq_tick_remaining(1000u, d), 300u);
    SQ_CHECK_EQ(sq_tick_remaining(1299u, d), 1u);
    SQ_CHECK_EQ(sq_tick_remaining(1300u, d), SQ_NO_WAIT);
    SQ_CHECK_EQ(sq_tick_remaining(5000u, d), SQ_NO_WAIT);
    SQ_CHECK_EQ(sq_tick_remaining(1000u, SQ_TICK_NEVER), SQ_FOREVER);
    /* The largest finite timeout comes back whole, not as FOREVER. */
    d = sq_tick_deadline(SQ_TICK_MAX, SQ_FOREVER - 1u);
    SQ_CHECK_EQ(sq_tick_remaining(SQ_TICK_MAX, d), SQ_FOREVER - 1u);
    /* A deadline further away than any timeout is capped below FOREVER. */
    SQ_CHECK_EQ(sq_tick_remaining(0u, 0x200000000ull), SQ_FOREVER - 1u);
}

SQ_TEST_MAIN(SQ_TEST(deadline_is_now_plus_timeout), SQ_TEST(no_wait_and_forever),
             SQ_TEST(reached_exactly_at_the_deadline), SQ_TEST(remaining_round_trips))
