/*
 * The armed-timeout table's next deadline (TO09, TO10) and the tick that
 * uses it, white-box: the kernel is initialised but not run, and the test
 * calls sq_kernel_tick itself, so time moves only when it says. Timers arm
 * the timeouts; an expiry records its timer's name.
 */
#include <squall/kernel.h>
#include <squall/timer.h>

#include "../src/kernel/sched.h"
#include "sq_test.h"

static char names[] = "abc";
static char fired[8];
static uint32_t fired_count;

static void record(sq_timer_t *t)
{
    if (fired_count < sizeof fired) {
        fired[fired_count++] = *(char *)t->user_data;
    }
}

static sq_timer_t ta, tb, tc;

static void setup(void)
{
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    fired_count = 0u;
    SQ_CHECK_EQ(sq_timer_init(&ta, record, &names[0]), SQ_OK);
    SQ_CHECK_EQ(sq_timer_init(&tb, record, &names[1]), SQ_OK);
    SQ_CHECK_EQ(sq_timer_init(&tc, record, &names[2]), SQ_OK);
}

/* Arming takes the earlier deadline; with nothing armed there is none. */
static void next_is_the_earliest_armed(void **state)
{
    (void)state;
    setup();
    SQ_CHECK(sq_timeout_next_deadline() == SQ_TICK_NEVER);
    SQ_CHECK_EQ(sq_timer_start(&ta, 10u, 0u), SQ_OK);
    SQ_CHECK(sq_timeout_next_deadline() == 10u);
    SQ_CHECK_EQ(sq_timer_start(&tb, 5u, 0u), SQ_OK);
    SQ_CHECK(sq_timeout_next_deadline() == 5u);
    SQ_CHECK_EQ(sq_timer_start(&tc, 20u, 0u), SQ_OK);
    SQ_CHECK(sq_timeout_next_deadline() == 5u);
}

/* A disarm leaves a lower bound; ticks before it fire nothing and leave
 * it; the tick that reaches it scans and makes it exact (TO10). */
static void disarm_leaves_a_bound_until_a_tick_reaches_it(void **state)
{
    (void)state;
    setup();
    SQ_CHECK_EQ(sq_timer_start(&ta, 10u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_timer_start(&tb, 5u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_timer_stop(&tb), SQ_OK);
    SQ_CHECK(sq_timeout_next_deadline() == 5u);
    sq_kernel_tick(4u);
    SQ_CHECK(sq_timeout_next_deadline() == 5u);
    sq_kernel_tick(1u);
    SQ_CHECK_EQ(fired_count, 0u);
    SQ_CHECK(sq_timeout_next_deadline() == 10u);
    sq_kernel_tick(4u);
    SQ_CHECK_EQ(fired_count, 0u);
    sq_kernel_tick(1u);
    SQ_CHECK_EQ(fired_count, 1u);
    SQ_CHECK_EQ(fired[0], 'a');
    SQ_CHECK(!sq_timer_running(&ta));
    SQ_CHECK(sq_timeout_next_deadline() == SQ_TICK_NEVER);
}

/* Everything due at one tick fires, earliest deadline first; what is not
 * due stays armed and is the next deadline. */
static void one_tick_fires_earliest_first(void **state)
{
    (void)state;
    setup();
    SQ_CHECK_EQ(sq_timer_start(&ta, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_timer_start(&tb, 1u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_timer_start(&tc, 9u, 0u), SQ_OK);
    sq_kernel_tick(5u);
    SQ_CHECK_EQ(fired_count, 2u);
    SQ_CHECK_EQ(fired[0], 'b');
    SQ_CHECK_EQ(fired[1], 'a');
    SQ_CHECK(sq_timer_running(&tc));
    SQ_CHECK(sq_timeout_next_deadline() == 9u);
}

/* A periodic timer re-armed by its expiry, inside the tick, is the next
 * deadline: one period after the deadline that fired (TM07). */
static void rearm_in_expiry_sets_next(void **state)
{
    (void)state;
    setup();
    SQ_CHECK_EQ(sq_timer_start(&ta, 2u, 3u), SQ_OK);
    SQ_CHECK_EQ(sq_timer_start(&tb, 7u, 0u), SQ_OK);
    sq_kernel_tick(2u);
    SQ_CHECK_EQ(fired_count, 1u);
    SQ_CHECK(sq_timeout_next_deadline() == 5u);
    sq_kernel_tick(3u);
    SQ_CHECK_EQ(fired_count, 2u);
    SQ_CHECK(sq_timeout_next_deadline() == 7u);
    SQ_CHECK_EQ(sq_timer_stop(&ta), SQ_OK);
    SQ_CHECK_EQ(sq_timer_stop(&tb), SQ_OK);
}

/* Time stops at SQ_TICK_MAX: what is due by then fires, a deadline past it
 * stays armed, is the next deadline, and is never reached. */
static void time_stops_at_the_maximum(void **state)
{
    (void)state;
    setup();
    sq_kernel.now = SQ_TICK_MAX - 2u;
    SQ_CHECK_EQ(sq_timer_start(&ta, 1u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_timer_start(&tb, 4u, 0u), SQ_OK);
    sq_kernel_tick(UINT32_MAX);
    SQ_CHECK(sq_kernel_now() == SQ_TICK_MAX);
    SQ_CHECK_EQ(fired_count, 1u);
    SQ_CHECK_EQ(fired[0], 'a');
    SQ_CHECK(sq_timeout_next_deadline() == SQ_TICK_MAX + 2u);
    sq_kernel_tick(1u);
    SQ_CHECK_EQ(fired_count, 1u);
    SQ_CHECK(sq_timer_running(&tb));
}

SQ_TEST_MAIN(SQ_TEST(next_is_the_earliest_armed),
             SQ_TEST(disarm_leaves_a_bound_until_a_tick_reaches_it),
             SQ_TEST(one_tick_fires_earliest_first), SQ_TEST(rearm_in_expiry_sets_next),
             SQ_TEST(time_stops_at_the_maximum))
