/*
 * Poll suite, on the host port and on Cortex-M under QEMU.
 *
 * Calls that do not wait run from the test itself; waits run in kernel
 * threads, which record what they saw, and the test checks the records
 * after sq_kernel_run returns (see tests/test_kernel.c).
 */
#include <string.h>
#include <squall/event.h>
#include <squall/poll.h>
#include <squall/ring_buf.h>
#include <squall/sem.h>
#include <squall/thread.h>
#include <squall/typed_ring_buf.h>
#include "sq_test.h"
#include "sq_trail.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);

static int results[8];
static sq_tick_t elapsed;
static void reset_all(void)
{
    trail_reset();
    memset(results, 0, sizeof results);
    elapsed = 0;
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
}

SQ_SEM_DEFINE(sem, 0, 2);
SQ_EVENT_DEFINE(evw);
SQ_RING_BUF_DEFINE(ring, 8);
SQ_TYPED_RING_BUF_DEFINE(typed, sizeof(uint32_t), 2);
SQ_POLL_SIGNAL_DEFINE(sig);

/* Every object empty / clear. */
static void reset_objects(void)
{
    SQ_CHECK_EQ(sq_sem_init(&sem, 0, 2), SQ_OK);
    SQ_CHECK_EQ(sq_event_init(&evw), SQ_OK);
    sq_ring_buf_reset(&ring);
    sq_typed_ring_buf_reset(&typed);
    SQ_CHECK_EQ(sq_poll_signal_init(&sig), SQ_OK);
}

/* Bad input: the documented code, and no ready flag touched. */
static void test_poll_bad_input(void **state)
{
    (void)state;
    reset_all();
    reset_objects();
    sq_poll_event_t ev[2] = {SQ_POLL_EVENT_INIT(SQ_POLL_SEM_AVAILABLE, &sem, 0u),
                             SQ_POLL_EVENT_INIT(SQ_POLL_SIGNAL, &sig, 0u)};
    SQ_CHECK_EQ(ev[0].ready, 0u); /* PL01 */
    ev[0].ready = 7u;
    ev[1].ready = 7u;
    SQ_CHECK_EQ(sq_poll(NULL, 1u, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_poll(ev, 0u, SQ_NO_WAIT), SQ_ERR_ZERO_LENGTH);
    ev[1].object = NULL;
    SQ_CHECK_EQ(sq_poll(ev, 2u, SQ_NO_WAIT), SQ_ERR_NULL);
    ev[1].object = &sig;
    ev[1].type = 0u;
    SQ_CHECK_EQ(sq_poll(ev, 2u, SQ_NO_WAIT), SQ_ERR_INVALID);
    ev[1].type = 8u;
    SQ_CHECK_EQ(sq_poll(ev, 2u, SQ_NO_WAIT), SQ_ERR_INVALID);
    ev[1].type = SQ_POLL_EVENTS_ANY;
    ev[1].object = &evw;
    ev[1].mask = 0u;
    SQ_CHECK_EQ(sq_poll(ev, 2u, SQ_NO_WAIT), SQ_ERR_INVALID);
    SQ_CHECK_EQ(ev[0].ready, 7u);
    SQ_CHECK_EQ(ev[1].ready, 7u);
}

/* Poll one event without waiting: SQ_OK and ready 1 if `expect`, else
 * SQ_ERR_BUSY and ready 0. */
static int poll_one(uint32_t type, const void *object, uint32_t mask)
{
    sq_poll_event_t ev = SQ_POLL_EVENT_INIT(type, object, mask);
    sq_status_t st = sq_poll(&ev, 1u, SQ_NO_WAIT);
    if (st == SQ_OK && ev.ready == 1u) {
        return 1;
    }
    return st == SQ_ERR_BUSY && ev.ready == 0u ? 0 : -1;
}

/* PL03, PL04 and the ring and event conditions, each way. */
static void test_poll_each_type_ready(void **state)
{
    (void)state;
    reset_all();
    reset_objects();
    SQ_CHECK_EQ(poll_one(SQ_POLL_SEM_AVAILABLE, &sem, 0u), 0);
    SQ_CHECK_EQ(sq_sem_give(&sem), SQ_OK);
    SQ_CHECK_EQ(poll_one(SQ_POLL_SEM_AVAILABLE, &sem, 0u), 1);

    SQ_CHECK_EQ(sq_event_post(&evw, 0x4u), SQ_OK);
    SQ_CHECK_EQ(poll_one(SQ_POLL_EVENTS_ANY, &evw, 0x3u), 0);
    SQ_CHECK_EQ(poll_one(SQ_POLL_EVENTS_ANY, &evw, 0x6u), 1);

    uint32_t n = 0;
    SQ_CHECK_EQ(poll_one(SQ_POLL_RING_DATA, &ring, 0u), 0);
    SQ_CHECK_EQ(poll_one(SQ_POLL_RING_SPACE, &ring, 0u), 1);
    SQ_CHECK_EQ(sq_ring_buf_put(&ring, "12345678", 8u, &n), SQ_OK);
    SQ_CHECK_EQ(n, 8u);
    SQ_CHECK_EQ(poll_one(SQ_POLL_RING_DATA, &ring, 0u), 1);
    SQ_CHECK_EQ(poll_one(SQ_POLL_RING_SPACE, &ring, 0u), 0);

    uint32_t elems[2] = {1u, 2u};
    SQ_CHECK_EQ(poll_one(SQ_POLL_TYPED_RING_DATA, &typed, 0u), 0);
    SQ_CHECK_EQ(poll_one(SQ_POLL_TYPED_RING_SPACE, &typed, 0u), 1);
    SQ_CHECK_EQ(sq_typed_ring_buf_write(&typed, elems, 2u, &n), SQ_OK);
    SQ_CHECK_EQ(n, 2u);
    SQ_CHECK_EQ(poll_one(SQ_POLL_TYPED_RING_DATA, &typed, 0u), 1);
    SQ_CHECK_EQ(poll_one(SQ_POLL_TYPED_RING_SPACE, &typed, 0u), 0);

    SQ_CHECK_EQ(poll_one(SQ_POLL_SIGNAL, &sig, 0u), 0);
    SQ_CHECK_EQ(sq_poll_signal_raise(&sig, 3), SQ_OK);
    SQ_CHECK_EQ(poll_one(SQ_POLL_SIGNAL, &sig, 0u), 1);
}

/* PL06: stale ready flags are reset; PL05 with two events ready at once,
 * both are marked, the one not ready is not. */
static void test_poll_reset_and_two_ready(void **state)
{
    (void)state;
    reset_all();
    reset_objects();
    sq_poll_event_t ev[3] = {SQ_POLL_EVENT_INIT(SQ_POLL_SEM_AVAILABLE, &sem, 0u),
                             SQ_POLL_EVENT_INIT(SQ_POLL_EVENTS_ANY, &evw, 0x1u),
                             SQ_POLL_EVENT_INIT(SQ_POLL_SIGNAL, &sig, 0u)};
    ev[0].ready = 1u;
    ev[1].ready = 1u;
    ev[2].ready = 1u;
    SQ_CHECK_EQ(sq_poll(ev, 3u, SQ_NO_WAIT), SQ_ERR_BUSY);
    SQ_CHECK_EQ(ev[0].ready, 0u);
    SQ_CHECK_EQ(ev[1].ready, 0u);
    SQ_CHECK_EQ(ev[2].ready, 0u);

    SQ_CHECK_EQ(sq_sem_give(&sem), SQ_OK);
    SQ_CHECK_EQ(sq_poll_signal_raise(&sig, -1), SQ_OK);
    ev[1].ready = 1u;
    SQ_CHECK_EQ(sq_poll(ev, 3u, SQ_FOREVER), SQ_OK);
    SQ_CHECK_EQ(ev[0].ready, 1u);
    SQ_CHECK_EQ(ev[1].ready, 0u);
    SQ_CHECK_EQ(ev[2].ready, 1u);
    /* Readiness only: the unit is still there to take. */
    SQ_CHECK_EQ(sq_sem_count(&sem), 1u);
}

/* PL07, PL08 and check, with bad input. */
static void test_poll_signal(void **state)
{
    (void)state;
    sq_poll_signal_t s;
    uint32_t raised = 9u;
    int32_t result = 9;
    memset(&s, 0, sizeof s);
    SQ_CHECK_EQ(sq_poll_signal_raise(&s, 1), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_poll_signal_reset(&s), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_poll_signal_check(&s, &raised, &result), SQ_ERR_INVALID);
    SQ_CHECK_EQ(raised, 9u);
    SQ_CHECK_EQ(sq_poll_signal_init(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_poll_signal_raise(NULL, 1), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_poll_signal_reset(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_poll_signal_check(NULL, &raised, &result), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_poll_signal_check(&s, NULL, &result), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_poll_signal_check(&s, &raised, NULL), SQ_ERR_NULL);

    reset_all();
    SQ_CHECK_EQ(sq_poll_signal_init(&s), SQ_OK);
    SQ_CHECK_EQ(sq_poll_signal_check(&s, &raised, &result), SQ_OK);
    SQ_CHECK_EQ(raised, 0u);
    SQ_CHECK_EQ(sq_poll_signal_raise(&s, -42), SQ_OK);
    SQ_CHECK_EQ(sq_poll_signal_check(&s, &raised, &result), SQ_OK);
    SQ_CHECK_EQ(raised, 1u);
    SQ_CHECK_EQ(result, -42);
    SQ_CHECK_EQ(sq_poll_signal_reset(&s), SQ_OK);
    SQ_CHECK_EQ(sq_poll_signal_check(&s, &raised, &result), SQ_OK);
    SQ_CHECK_EQ(raised, 0u);
}

/* ---- Waiting pollers ---------------------------------------------------- */

/* The poller (high priority) watches every object, records the result and
 * which events were ready: bit i of results[1] for event i. */
static sq_poll_event_t watch[5];
static void poller(void *arg)
{
    sq_timeout_t timeout = *(const sq_timeout_t *)arg;
    note('p');
    sq_tick_t start = sq_kernel_now();
    results[0] = sq_poll(watch, 5u, timeout);
    elapsed = sq_kernel_now() - start;
    for (unsigned i = 0; i < 5u; i++) {
        results[1] |= (int)(watch[i].ready << i);
    }
    note('P');
}
static void watch_all(void)
{
    const sq_poll_event_t init[5] = {
        SQ_POLL_EVENT_INIT(SQ_POLL_SEM_AVAILABLE, &sem, 0u),
        SQ_POLL_EVENT_INIT(SQ_POLL_EVENTS_ANY, &evw, 0x10u),
        SQ_POLL_EVENT_INIT(SQ_POLL_SIGNAL, &sig, 0u),
        SQ_POLL_EVENT_INIT(SQ_POLL_RING_DATA, &ring, 0u),
        SQ_POLL_EVENT_INIT(SQ_POLL_TYPED_RING_DATA, &typed, 0u),
    };
    memcpy(watch, init, sizeof watch);
}

/* From a soft interrupt: a wait is refused there; then the give. */
static void irq_give(void *arg)
{
    (void)arg;
    sq_poll_event_t ev = SQ_POLL_EVENT_INIT(SQ_POLL_SIGNAL, &sig, 0u);
    results[2] = sq_poll(&ev, 1u, 5u);
    note('i');
    (void)sq_sem_give(&sem);
}
static void irq_ring(void *arg)
{
    (void)arg;
    uint32_t n = 0;
    note('i');
    (void)sq_ring_buf_put(&ring, "x", 1u, &n);
    sq_poll_notify(&ring);
}

enum change { BY_SEM_IRQ, BY_EVENT, BY_SIGNAL, BY_RING_IRQ };
static void changer(void *arg)
{
    note('c');
    switch (*(const enum change *)arg) {
    case BY_SEM_IRQ:
        results[3] = sq_kernel_soft_irq(irq_give, NULL);
        break;
    case BY_EVENT:
        (void)sq_event_post(&evw, 0x1u); /* not watched: the poller sleeps on */
        note('e');
        (void)sq_event_clear(&evw, 0x1u);
        (void)sq_event_post(&evw, 0x30u);
        break;
    case BY_SIGNAL:
        (void)sq_poll_signal_raise(&sig, 77);
        break;
    case BY_RING_IRQ:
        results[3] = sq_kernel_soft_irq(irq_ring, NULL);
        break;
    }
    note('C');
}

static const sq_timeout_t forever = SQ_FOREVER;

static void run_woken(enum change how)
{
    reset_all();
    reset_objects();
    watch_all();
    SQ_CHECK_EQ(sq_thread_start(&th_a, poller, (void *)&forever, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, changer, &how, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_OK);
}

static void test_poll_woken_by_sem_irq(void **state)
{
    (void)state;
    run_woken(BY_SEM_IRQ);
    SQ_CHECK(strcmp(trail_text(), "pciPC") == 0);
    SQ_CHECK_EQ(results[1], 0x1);
    SQ_CHECK_EQ(results[2], SQ_ERR_IN_ISR);
    SQ_CHECK_EQ(results[3], SQ_OK);
    SQ_CHECK_EQ(sq_sem_count(&sem), 1u);
}

static void test_poll_woken_by_event(void **state)
{
    (void)state;
    run_woken(BY_EVENT);
    /* The unwatched bit did not end the poll; the watched one did. */
    SQ_CHECK(strcmp(trail_text(), "pcePC") == 0);
    SQ_CHECK_EQ(results[1], 0x2);
}

static void test_poll_woken_by_signal(void **state)
{
    (void)state;
    uint32_t raised = 0u;
    int32_t result = 0;
    run_woken(BY_SIGNAL);
    SQ_CHECK(strcmp(trail_text(), "pcPC") == 0);
    SQ_CHECK_EQ(results[1], 0x4);
    SQ_CHECK_EQ(sq_poll_signal_check(&sig, &raised, &result), SQ_OK);
    SQ_CHECK_EQ(raised, 1u);
    SQ_CHECK_EQ(result, 77);
}

static void test_poll_woken_by_ring_notify(void **state)
{
    (void)state;
    run_woken(BY_RING_IRQ);
    SQ_CHECK(strcmp(trail_text(), "pciPC") == 0);
    SQ_CHECK_EQ(results[1], 0x8);
    SQ_CHECK_EQ(results[3], SQ_OK);
}

/* Nothing changes: SQ_ERR_TIMEOUT after the timeout, every flag 0. */
static void test_poll_timeout(void **state)
{
    (void)state;
    static const sq_timeout_t ten = 10u;
    reset_all();
    reset_objects();
    watch_all();
    for (unsigned i = 0; i < 5u; i++) {
        watch[i].ready = 1u;
    }
    SQ_CHECK_EQ(sq_thread_start(&th_a, poller, (void *)&ten, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_ERR_TIMEOUT);
    SQ_CHECK_EQ(results[1], 0);
    SQ_CHECK(elapsed >= 10u && elapsed < 20u);
}

/* A higher-priority thread gives and takes the unit back before the woken
 * poller runs: the poller waits again, for the time left only, and then
 * either gets the next unit or times out. */
static void thief(void *arg)
{
    const bool give_again = *(const bool *)arg;
    (void)sq_thread_sleep(10u);
    note('g');
    (void)sq_sem_give(&sem);
    results[4] = sq_thread_state(&th_b); /* woken by the give: READY */
    results[5] = sq_sem_take(&sem, SQ_NO_WAIT);
    (void)sq_thread_sleep(3u);
    results[6] = sq_thread_state(&th_b); /* waiting again: PENDING */
    if (give_again) {
        note('G');
        (void)sq_sem_give(&sem);
    }
}
static void run_stolen(bool give_again)
{
    static const sq_timeout_t forty = 40u;
    reset_all();
    reset_objects();
    watch_all();
    SQ_CHECK_EQ(sq_thread_start(&th_a, thief, &give_again, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, poller, (void *)&forty, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[4], SQ_THREAD_READY);
    SQ_CHECK_EQ(results[5], SQ_OK);
    SQ_CHECK_EQ(results[6], SQ_THREAD_PENDING);
}
static void test_poll_unit_stolen_then_next(void **state)
{
    (void)state;
    run_stolen(true);
    SQ_CHECK(strcmp(trail_text(), "pgGP") == 0);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], 0x1);
}
static void test_poll_unit_stolen_then_timeout(void **state)
{
    (void)state;
    run_stolen(false);
    SQ_CHECK(strcmp(trail_text(), "pgP") == 0);
    SQ_CHECK_EQ(results[0], SQ_ERR_TIMEOUT);
    SQ_CHECK_EQ(results[1], 0);
    /* The second wait was for what was left (30 ticks), not another 40. */
    SQ_CHECK(elapsed >= 40u && elapsed < 50u);
}

SQ_TEST_MAIN(SQ_TEST(test_poll_bad_input), SQ_TEST(test_poll_each_type_ready),
             SQ_TEST(test_poll_reset_and_two_ready), SQ_TEST(test_poll_signal),
             SQ_TEST(test_poll_woken_by_sem_irq), SQ_TEST(test_poll_woken_by_event),
             SQ_TEST(test_poll_woken_by_signal), SQ_TEST(test_poll_woken_by_ring_notify),
             SQ_TEST(test_poll_timeout), SQ_TEST(test_poll_unit_stolen_then_next),
             SQ_TEST(test_poll_unit_stolen_then_timeout))
