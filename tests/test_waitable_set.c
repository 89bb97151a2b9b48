/*
 * Waitable sets (PL09-PL11), on the host and on Cortex-M under QEMU.
 *
 * Single-thread tests check every refusal and the delivery order; the
 * kernel tests run threads and check what they recorded after
 * sq_kernel_run returns (see tests/test_kernel.c).
 */
#include <string.h>
#include <squall/thread.h>
#include <squall/waitable_set.h>
#include "sq_test.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);
SQ_THREAD_DEFINE(th_c, STACK);

SQ_WAITABLE_SET_DEFINE(set, 3u);
static sq_waitable_t wa, wb, wc, wd;
static sq_waitable_t *other_storage[2];
static sq_waitable_set_t other;

static int results[8];
static sq_wait_event_t events[4];

static void reset_all(void)
{
    memset(results, 0, sizeof results);
    memset(events, 0, sizeof events);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    /* Leave whatever an earlier test left joined, then start afresh. */
    sq_waitable_t *all[] = {&wa, &wb, &wc, &wd};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        (void)sq_waitable_leave(all[i]);
        SQ_CHECK_EQ(sq_waitable_init(all[i]), SQ_OK);
    }
    SQ_CHECK_EQ(sq_waitable_set_init(&set, set_pending, 3u), SQ_OK);
}

static int event_is(const sq_wait_event_t *ev, uint32_t code, uint32_t id, uint32_t payload)
{
    return ev->code == code && ev->join_id == id && ev->payload == payload;
}

/* Every refusal returns its code and changes nothing. */
static void test_bad_input(void **state)
{
    (void)state;
    sq_wait_event_t ev = {9u, 9u, 9u};
    reset_all();
    SQ_CHECK_EQ(sq_waitable_init(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_set_init(NULL, other_storage, 2u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_set_init(&other, NULL, 2u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_set_init(&other, other_storage, 0u), SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(sq_waitable_join(NULL, &set, 1u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_join(&wa, NULL, 1u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_leave(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_post(NULL, SQ_WAIT_EVENT_SUBTASK, 0u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_clear(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_pending(NULL), SQ_WAIT_EVENT_NONE);
    SQ_CHECK_EQ(sq_waitable_set_poll(NULL, &ev), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_set_poll(&set, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_set_wait(NULL, &ev, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_set_wait(&set, NULL, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_waitable_set_destroy(NULL), SQ_ERR_NULL);

    /* Uninitialised waitable. */
    sq_waitable_t raw;
    memset(&raw, 0, sizeof raw);
    SQ_CHECK_EQ(sq_waitable_join(&raw, &set, 1u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_waitable_leave(&raw), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_waitable_post(&raw, SQ_WAIT_EVENT_SUBTASK, 0u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_waitable_clear(&raw), SQ_ERR_INVALID);
    SQ_CHECK(raw.set == NULL && raw.code == 0u && raw.magic == 0u);

    /* A set with no members: nothing could ever arrive. */
    SQ_CHECK_EQ(sq_waitable_set_wait(&set, &ev, 5u), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(sq_waitable_leave(&wa), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_waitable_clear(&wa), SQ_ERR_EMPTY);

    /* PL09: codes outside SUBTASK .. CANCELLED. */
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wa, SQ_WAIT_EVENT_NONE, 5u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_waitable_post(&wa, SQ_WAIT_EVENT_CANCELLED + 1u, 5u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_waitable_pending(&wa), SQ_WAIT_EVENT_NONE);
    SQ_CHECK_EQ(set.pending_count, 0u);
    SQ_CHECK_EQ(sq_waitable_set_wait(&set, &ev, SQ_NO_WAIT), SQ_ERR_BUSY);

    /* Joined already, in this set or another. */
    SQ_CHECK_EQ(sq_waitable_set_init(&other, other_storage, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 2u), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_waitable_join(&wa, &other, 2u), SQ_ERR_STATE);
    SQ_CHECK(wa.set == &set && wa.join_id == 1u);
    SQ_CHECK_EQ(sq_waitable_init(&wa), SQ_ERR_BUSY);
    SQ_CHECK(wa.set == &set);

    /* A full set. */
    SQ_CHECK_EQ(sq_waitable_join(&wb, &set, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&wc, &set, 3u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&wd, &set, 4u), SQ_ERR_FULL);
    SQ_CHECK(wd.set == NULL);
    SQ_CHECK_EQ(set.joined, 3u);

    /* Post on pending; clear of a cancellation. */
    SQ_CHECK_EQ(sq_waitable_post(&wa, SQ_WAIT_EVENT_STREAM_READ, 7u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wa, SQ_WAIT_EVENT_STREAM_WRITE, 8u), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_waitable_pending(&wa), SQ_WAIT_EVENT_STREAM_READ);
    SQ_CHECK_EQ(wa.payload, 7u);
    SQ_CHECK_EQ(sq_waitable_post(&wb, SQ_WAIT_EVENT_CANCELLED, 9u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_clear(&wb), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_waitable_pending(&wb), SQ_WAIT_EVENT_CANCELLED);
    SQ_CHECK_EQ(set.pending_count, 2u);

    /* Re-initialising a set with members; destroying it. */
    SQ_CHECK_EQ(sq_waitable_set_init(&set, set_pending, 3u), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_waitable_set_destroy(&set), SQ_ERR_BUSY);
    SQ_CHECK_EQ(set.magic, SQ_WAITABLE_SET_MAGIC);
    SQ_CHECK_EQ(set.pending_count, 2u);

    /* Destroyed: refused until initialised again. */
    SQ_CHECK_EQ(sq_waitable_set_destroy(&other), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_set_destroy(&other), SQ_ERR_DESTROYED);
    SQ_CHECK_EQ(sq_waitable_join(&wd, &other, 1u), SQ_ERR_DESTROYED);
    SQ_CHECK(wd.set == NULL);
    SQ_CHECK_EQ(sq_waitable_set_poll(&other, &ev), SQ_ERR_DESTROYED);
    SQ_CHECK_EQ(sq_waitable_set_wait(&other, &ev, SQ_NO_WAIT), SQ_ERR_DESTROYED);
    SQ_CHECK(event_is(&ev, 9u, 9u, 9u));
    SQ_CHECK_EQ(sq_waitable_set_init(&other, other_storage, 2u), SQ_OK);
}

/* Delivery order: the order events became pending in the set, a waitable
 * that joins with an event counting from its join. */
static void test_fifo(void **state)
{
    (void)state;
    sq_wait_event_t ev;
    reset_all();
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 10u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&wb, &set, 20u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wc, SQ_WAIT_EVENT_FUTURE_READ, 300u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wb, SQ_WAIT_EVENT_STREAM_READ, 200u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wa, SQ_WAIT_EVENT_SUBTASK, 100u), SQ_OK);
    SQ_CHECK_EQ(set.pending_count, 2u);
    SQ_CHECK_EQ(sq_waitable_join(&wc, &set, 30u), SQ_OK);
    SQ_CHECK_EQ(set.pending_count, 3u);

    SQ_CHECK_EQ(sq_waitable_set_poll(&set, &ev), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_STREAM_READ, 20u, 200u));
    SQ_CHECK_EQ(sq_waitable_pending(&wb), SQ_WAIT_EVENT_NONE);   /* PL11 */
    /* A new event on a delivered waitable goes to the back. */
    SQ_CHECK_EQ(sq_waitable_post(&wb, SQ_WAIT_EVENT_STREAM_WRITE, 201u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_set_wait(&set, &ev, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_SUBTASK, 10u, 100u));
    SQ_CHECK_EQ(sq_waitable_set_poll(&set, &ev), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_FUTURE_READ, 30u, 300u));
    SQ_CHECK_EQ(sq_waitable_set_wait(&set, &ev, SQ_FOREVER), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_STREAM_WRITE, 20u, 201u));

    /* PL09: nothing pending reads as NONE, 0, 0. */
    ev.code = 9u;
    ev.join_id = 9u;
    ev.payload = 9u;
    SQ_CHECK_EQ(sq_waitable_set_poll(&set, &ev), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_NONE, 0u, 0u));
    SQ_CHECK_EQ(set.pending_count, 0u);
}

/* Leave keeps the event with the waitable, out of the set's order; a
 * rejoin brings it back as the newest. Clear withdraws an ordinary event. */
static void test_leave_rejoin_clear(void **state)
{
    (void)state;
    sq_wait_event_t ev;
    reset_all();
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&wb, &set, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&wc, &set, 3u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wa, SQ_WAIT_EVENT_SUBTASK, 11u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wb, SQ_WAIT_EVENT_SUBTASK, 22u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wc, SQ_WAIT_EVENT_SUBTASK, 33u), SQ_OK);

    SQ_CHECK_EQ(sq_waitable_leave(&wa), SQ_OK);
    SQ_CHECK(wa.set == NULL);
    SQ_CHECK_EQ(sq_waitable_pending(&wa), SQ_WAIT_EVENT_SUBTASK);
    SQ_CHECK_EQ(set.joined, 2u);
    SQ_CHECK_EQ(set.pending_count, 2u);
    SQ_CHECK_EQ(sq_waitable_clear(&wb), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_pending(&wb), SQ_WAIT_EVENT_NONE);
    SQ_CHECK_EQ(set.pending_count, 1u);
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 4u), SQ_OK);

    SQ_CHECK_EQ(sq_waitable_set_poll(&set, &ev), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_SUBTASK, 3u, 33u));
    SQ_CHECK_EQ(sq_waitable_set_poll(&set, &ev), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_SUBTASK, 4u, 11u));   /* new join id */
    SQ_CHECK_EQ(sq_waitable_set_poll(&set, &ev), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_NONE, 0u, 0u));

    /* A waitable in no set keeps its event; leaving the last member allows
     * destroy. */
    SQ_CHECK_EQ(sq_waitable_leave(&wa), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_leave(&wb), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_leave(&wc), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wd, SQ_WAIT_EVENT_FUTURE_WRITE, 44u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_pending(&wd), SQ_WAIT_EVENT_FUTURE_WRITE);
    SQ_CHECK_EQ(sq_waitable_set_destroy(&set), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_set_init(&set, set_pending, 3u), SQ_OK);
}

/* PL11: a cancellation is delivered exactly once. */
static void test_cancel_once(void **state)
{
    (void)state;
    sq_wait_event_t ev;
    reset_all();
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 5u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wa, SQ_WAIT_EVENT_CANCELLED, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_post(&wa, SQ_WAIT_EVENT_SUBTASK, 2u), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_waitable_post(&wa, SQ_WAIT_EVENT_CANCELLED, 3u), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_waitable_clear(&wa), SQ_ERR_BUSY);
    /* Leave and rejoin do not lose it either. */
    SQ_CHECK_EQ(sq_waitable_leave(&wa), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 6u), SQ_OK);
    SQ_CHECK_EQ(set.pending_count, 1u);
    SQ_CHECK_EQ(sq_waitable_set_poll(&set, &ev), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_CANCELLED, 6u, 1u));
    SQ_CHECK_EQ(sq_waitable_pending(&wa), SQ_WAIT_EVENT_NONE);
    SQ_CHECK_EQ(sq_waitable_set_poll(&set, &ev), SQ_OK);
    SQ_CHECK(event_is(&ev, SQ_WAIT_EVENT_NONE, 0u, 0u));
    SQ_CHECK_EQ(sq_waitable_set_wait(&set, &ev, SQ_NO_WAIT), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_waitable_clear(&wa), SQ_ERR_EMPTY);
}

/* A waiting thread is woken by a post from an interrupt, which itself may
 * not wait. */
static void irq_post(void *arg)
{
    (void)arg;
    sq_wait_event_t ev;
    results[2] = sq_waitable_set_wait(&set, &ev, 5u);   /* IN_ISR */
    results[3] = sq_waitable_post(&wa, SQ_WAIT_EVENT_FUTURE_WRITE, 77u);
}
static void irq_waiter(void *arg)
{
    (void)arg;
    results[0] = sq_waitable_set_wait(&set, &events[0], SQ_FOREVER);
}
static void irq_raiser(void *arg)
{
    (void)arg;
    results[1] = sq_kernel_soft_irq(irq_post, NULL);
    results[4] = (int)set.pending_count;   /* the waiter ran and took it */
}
static void test_wait_woken_by_irq(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 42u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, irq_waiter, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, irq_raiser, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK(event_is(&events[0], SQ_WAIT_EVENT_FUTURE_WRITE, 42u, 77u));
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_ERR_IN_ISR);
    SQ_CHECK_EQ(results[3], SQ_OK);
    SQ_CHECK_EQ(results[4], 0);
}

/* Two waiters, two events: one each. */
static void waiter(void *arg)
{
    int slot = *(const int *)arg;
    results[slot] = sq_waitable_set_wait(&set, &events[slot], SQ_FOREVER);
}
static void poster(void *arg)
{
    (void)arg;
    results[2] = sq_waitable_post(&wa, SQ_WAIT_EVENT_SUBTASK, 1u);
    results[3] = sq_waitable_post(&wb, SQ_WAIT_EVENT_STREAM_READ, 2u);
}
static const int slot0 = 0, slot1 = 1;
static void test_two_waiters(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&wb, &set, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, waiter, (void *)&slot0, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, waiter, (void *)&slot1, 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, poster, NULL, 6, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], SQ_OK);
    /* The higher-priority waiter is served first (the oldest event). */
    SQ_CHECK(event_is(&events[0], SQ_WAIT_EVENT_SUBTASK, 1u, 1u));
    SQ_CHECK(event_is(&events[1], SQ_WAIT_EVENT_STREAM_READ, 2u, 2u));
    SQ_CHECK_EQ(set.pending_count, 0u);
}

/* A timed wait times out; a waiter whose event another consumer took
 * waits on for what is left of its timeout, not a fresh one. */
#define THIEF_DELAY 15
static void timed_waiter(void *arg)
{
    (void)arg;
    sq_tick_t t0 = sq_kernel_now();
    results[0] = sq_waitable_set_wait(&set, &events[0], 20u);
    results[1] = (int)(sq_kernel_now() - t0);
}
static void thief(void *arg)
{
    (void)arg;
    /* Late in the waiter's 20 ticks, so that a fresh timeout (35 or more)
     * and a loaded host's late wake-up (20 + its delay) stay apart. */
    (void)sq_thread_sleep(THIEF_DELAY);
    /* Higher priority than the waiter: post and take before it runs. */
    results[2] = sq_waitable_post(&wa, SQ_WAIT_EVENT_SUBTASK, 9u);
    results[3] = sq_waitable_set_poll(&set, &events[1]);
}
static void short_waiter(void *arg)
{
    (void)arg;
    sq_tick_t t0 = sq_kernel_now();
    results[4] = sq_waitable_set_wait(&set, &events[2], 3u);
    results[5] = (int)(sq_kernel_now() - t0);
}
static void test_timeouts(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, short_waiter, NULL, 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[4], SQ_ERR_TIMEOUT);
    SQ_CHECK(results[5] >= 3);

    reset_all();
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, timed_waiter, NULL, 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, thief, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], SQ_OK);
    SQ_CHECK(event_is(&events[1], SQ_WAIT_EVENT_SUBTASK, 1u, 9u));
    SQ_CHECK_EQ(results[0], SQ_ERR_TIMEOUT);
    SQ_CHECK(results[1] >= 20);
    SQ_CHECK(results[1] < THIEF_DELAY + 20); /* the rest of the 20, not 20 more */
}

/* When the last member leaves, a waiter learns that nothing can arrive. */
static void leaver(void *arg)
{
    (void)arg;
    results[1] = sq_waitable_leave(&wa);
}
static void empty_waiter(void *arg)
{
    (void)arg;
    results[0] = sq_waitable_set_wait(&set, &events[0], SQ_FOREVER);
}
static void test_last_leave_wakes(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_waitable_join(&wa, &set, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, empty_waiter, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, leaver, NULL, 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_ERR_EMPTY);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(sq_waitable_set_destroy(&set), SQ_OK);
}

SQ_TEST_MAIN(SQ_TEST(test_bad_input), SQ_TEST(test_fifo), SQ_TEST(test_leave_rejoin_clear),
             SQ_TEST(test_cancel_once), SQ_TEST(test_wait_woken_by_irq),
             SQ_TEST(test_two_waiters), SQ_TEST(test_timeouts), SQ_TEST(test_last_leave_wakes))
