/*
 * Message queue suite (include/squall/msgq.h), the same on the host port
 * and on Cortex-M under QEMU. Threads record what they saw; the checks run
 * after sq_kernel_run, as in test_mem_slab.c.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <squall/irq.h>
#include <squall/msgq.h>
#include <squall/thread.h>
#include "sq_test.h"
#include "sq_trail.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);
SQ_THREAD_DEFINE(th_c, STACK);
SQ_THREAD_DEFINE(th_d, STACK);
SQ_THREAD_DEFINE(th_e, STACK);

#define MSG 8u
#define MSGS 4u

/* SQ_MSGQ_DEFINE with and without static. */
static SQ_MSGQ_DEFINE(mq, MSG, MSGS);
SQ_MSGQ_DEFINE(one_mq, 1u, 1u);

static int results[16];
static char got[16];

static void reset_all(void)
{
    trail_reset();
    memset(results, 0, sizeof results);
    memset(got, 0, sizeof got);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
}

static void fill(char *m, char tag, uint32_t seq)
{
    memset(m, tag, MSG);
    memcpy(m + 1, &seq, sizeof seq);
}

/* MQ03: bad inputs are refused with a status and change nothing. */
static void test_msgq_init(void **state)
{
    (void)state;
    static char buf[MSG * MSGS];
    sq_msgq_t q;
    char m[MSG] = {0};
    memset(&q, 0, sizeof q);
    SQ_CHECK_EQ(sq_msgq_init(NULL, buf, MSG, MSGS), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_msgq_init(&q, NULL, MSG, MSGS), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_msgq_init(&q, buf, 0u, MSGS), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_msgq_init(&q, buf, MSG, 0u), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_msgq_init(&q, buf, 0x10000u, 0x10000u), SQ_ERR_OVERFLOW);
    SQ_CHECK_EQ(sq_msgq_init(&q, buf, 0x80000000u, 2u), SQ_ERR_OVERFLOW);
    /* Never initialised. */
    SQ_CHECK_EQ(sq_msgq_put(&q, m, SQ_NO_WAIT), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_msgq_get(&q, m, SQ_NO_WAIT), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_msgq_peek(&q, m), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_msgq_purge(&q), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_msgq_init(&q, buf, MSG, MSGS), SQ_OK);
    SQ_CHECK_EQ(sq_msgq_num_used(&q), 0u);
    SQ_CHECK_EQ(sq_msgq_num_free(&q), MSGS);
    SQ_CHECK_EQ(sq_msgq_put(NULL, m, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_msgq_put(&q, NULL, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_msgq_get(NULL, m, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_msgq_get(&q, NULL, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_msgq_peek(NULL, m), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_msgq_peek(&q, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_msgq_purge(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_msgq_num_used(NULL), 0u);
    SQ_CHECK_EQ(sq_msgq_num_free(NULL), 0u);
    SQ_CHECK_EQ(sq_msgq_num_used(&q), 0u);
    /* Re-init of an idle queue drops its messages. */
    SQ_CHECK_EQ(sq_msgq_put(&q, m, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_msgq_num_used(&q), 1u);
    SQ_CHECK_EQ(sq_msgq_init(&q, buf, MSG, MSGS), SQ_OK);
    SQ_CHECK_EQ(sq_msgq_num_used(&q), 0u);
}

/* MQ02: what is got is what was put, in order, across the ring's wrap,
 * against a model; MQ03: a refused put or get changes nothing. */
static void test_msgq_fifo_model(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    /* The queue as SQ_MSGQ_DEFINE made it, never initialised. */
    SQ_CHECK_EQ(sq_msgq_num_free(&mq), MSGS);
    uint32_t next_put = 0, next_get = 0, seed = 12345u;
    char m[MSG], r[MSG];
    for (uint32_t step = 0; step < 400u; step++) {
        seed = seed * 1103515245u + 12345u;
        bool do_put = ((seed >> 16) & 3u) < 2u;
        uint32_t n = next_put - next_get;
        if (do_put) {
            fill(m, 'p', next_put);
            sq_status_t st = sq_msgq_put(&mq, m, SQ_NO_WAIT);
            if (n == MSGS) {
                SQ_CHECK_EQ(st, SQ_ERR_BUSY);
            } else {
                SQ_CHECK_EQ(st, SQ_OK);
                next_put++;
            }
        } else {
            memset(r, 0x5a, MSG);
            sq_status_t st = sq_msgq_get(&mq, r, SQ_NO_WAIT);
            if (n == 0u) {
                SQ_CHECK_EQ(st, SQ_ERR_BUSY);
                for (uint32_t k = 0; k < MSG; k++) {
                    SQ_CHECK_EQ(r[k], 0x5a);   /* untouched */
                }
                SQ_CHECK_EQ(sq_msgq_peek(&mq, r), SQ_ERR_EMPTY);
            } else {
                char peeked[MSG];
                SQ_CHECK_EQ(st, SQ_OK);
                fill(m, 'p', next_get);
                SQ_CHECK(memcmp(r, m, MSG) == 0);
                next_get++;
                if (next_put != next_get) {
                    SQ_CHECK_EQ(sq_msgq_peek(&mq, peeked), SQ_OK);
                    fill(m, 'p', next_get);
                    SQ_CHECK(memcmp(peeked, m, MSG) == 0);
                }
            }
        }
        SQ_CHECK_EQ(sq_msgq_num_used(&mq), next_put - next_get);
        SQ_CHECK_EQ(sq_msgq_num_free(&mq), MSGS - (next_put - next_get));
    }
    SQ_CHECK(next_get > 2u * MSGS);   /* the run did wrap */
    SQ_CHECK_EQ(sq_msgq_purge(&mq), SQ_OK);
    SQ_CHECK_EQ(sq_msgq_num_used(&mq), 0u);
    SQ_CHECK_EQ(sq_msgq_get(&mq, r, SQ_NO_WAIT), SQ_ERR_BUSY);
}

/* Three producers, two consumers, a queue of two: every message arrives
 * exactly once, and each producer's messages in the order it sent them. */
#define PER_PRODUCER 60u
#define PRODUCERS 3u
#define CONSUMERS 2u
static SQ_MSGQ_DEFINE(pc_mq, MSG, 2u);
static uint8_t seen[PRODUCERS][PER_PRODUCER];
static uint32_t last_seq[CONSUMERS][PRODUCERS];
static void producer(void *arg)
{
    char tag = *(const char *)arg;
    char m[MSG];
    for (uint32_t i = 0; i < PER_PRODUCER; i++) {
        fill(m, tag, i + 1u);
        if (sq_msgq_put(&pc_mq, m, SQ_FOREVER) != SQ_OK) {
            results[0]++;
        }
        if (i % 7u == 0u) {
            sq_thread_yield();
        }
    }
}
static void consumer(void *arg)
{
    uint32_t c = (uint32_t)(*(const char *)arg - '0');
    char m[MSG];
    for (uint32_t i = 0; i < PRODUCERS * PER_PRODUCER / CONSUMERS; i++) {
        if (sq_msgq_get(&pc_mq, m, SQ_FOREVER) != SQ_OK) {
            results[1]++;
            continue;
        }
        uint32_t p = (uint32_t)(m[0] - 'x'), seq;
        memcpy(&seq, m + 1, sizeof seq);
        if (p >= PRODUCERS || seq == 0u || seq > PER_PRODUCER || m[MSG - 1] != m[0]) {
            results[2]++;
            continue;
        }
        seen[p][seq - 1u]++;
        if (seq <= last_seq[c][p]) {
            results[3]++;   /* out of order */
        }
        last_seq[c][p] = seq;
    }
}
static void test_msgq_producers_consumers(void **state)
{
    (void)state;
    reset_all();
    memset(seen, 0, sizeof seen);
    memset(last_seq, 0, sizeof last_seq);
    SQ_CHECK_EQ(sq_thread_start(&th_a, producer, "x", 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, producer, "y", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, producer, "z", 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_d, consumer, "0", 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_e, consumer, "1", 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], 0);
    SQ_CHECK_EQ(results[1], 0);
    SQ_CHECK_EQ(results[2], 0);
    SQ_CHECK_EQ(results[3], 0);
    for (uint32_t p = 0; p < PRODUCERS; p++) {
        for (uint32_t i = 0; i < PER_PRODUCER; i++) {
            SQ_CHECK_EQ(seen[p][i], 1u);
        }
    }
    SQ_CHECK_EQ(sq_msgq_num_used(&pc_mq), 0u);
    SQ_CHECK_EQ(sq_msgq_num_free(&pc_mq), 2u);
}

/* MQ04: getters waiting on an empty queue are served by priority, then
 * arrival; each gets the messages in put order. MQ05: the putter cannot
 * take back, or see, a message promised to a woken getter. The putter runs
 * below the getters, so they all wait when it starts; its first calls run
 * under the critical section, so the woken getter runs only after them. */
static void getter(void *arg)
{
    char c = 0;
    if (sq_msgq_get(&one_mq, &c, SQ_FOREVER) == SQ_OK) {
        note(*(const char *)arg);
        note(c);
    }
}
static void three_puts(void *arg)
{
    (void)arg;
    char c = 'x';
    sq_irq_key_t key = sq_irq_lock();
    results[0] = sq_msgq_put(&one_mq, &c, SQ_NO_WAIT);   /* promised to b */
    results[1] = sq_msgq_get(&one_mq, &c, SQ_NO_WAIT);   /* not ours to take */
    results[2] = sq_msgq_peek(&one_mq, &c);
    results[3] = (int)sq_msgq_num_used(&one_mq);
    results[4] = (int)sq_msgq_num_free(&one_mq);
    results[5] = sq_msgq_purge(&one_mq);                 /* keeps b's message */
    c = 'y';
    results[6] = sq_msgq_put(&one_mq, &c, SQ_NO_WAIT);   /* full until b runs */
    note('P');
    sq_irq_unlock(key);
    /* b has taken x; two more, to a then c. */
    results[7] = sq_msgq_put(&one_mq, &c, SQ_FOREVER);
    c = 'z';
    results[8] = sq_msgq_put(&one_mq, &c, SQ_FOREVER);
}
static void test_msgq_getter_order(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_msgq_init(&one_mq, one_mq.buffer, 1u, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_d, three_puts, NULL, 6, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, getter, "a", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, getter, "b", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, getter, "c", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "Pbxaycz") == 0);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[2], SQ_ERR_EMPTY);
    SQ_CHECK_EQ(results[3], 0);
    SQ_CHECK_EQ(results[4], 0);
    SQ_CHECK_EQ(results[5], SQ_OK);
    SQ_CHECK_EQ(results[6], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[7], SQ_OK);
    SQ_CHECK_EQ(results[8], SQ_OK);
    SQ_CHECK_EQ(sq_msgq_num_used(&one_mq), 0u);
    SQ_CHECK_EQ(sq_msgq_num_free(&one_mq), 1u);
}

/* MQ04: putters waiting on a full queue are served by priority, then
 * arrival, each storing into the slot a get kept for it; their messages
 * follow the one already queued. */
static void putter(void *arg)
{
    char c = *(const char *)arg;
    note(c);
    if (sq_msgq_put(&one_mq, &c, SQ_FOREVER) == SQ_OK) {
        note((char)(c - 'a' + 'A'));
    }
}
static void drainer(void *arg)
{
    (void)arg;
    /* Below the putters: they all wait when it starts. */
    sq_irq_key_t key = sq_irq_lock();
    results[0] = sq_msgq_get(&one_mq, &got[0], SQ_NO_WAIT);
    /* The slot freed is b's: nobody else may fill it. */
    char c = 'q';
    results[4] = sq_msgq_put(&one_mq, &c, SQ_NO_WAIT);
    results[5] = (int)sq_msgq_num_free(&one_mq);
    sq_irq_unlock(key);
    for (int i = 1; i < 4; i++) {
        results[i] = sq_msgq_get(&one_mq, &got[i], SQ_FOREVER);
    }
}
static void test_msgq_putter_order(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_msgq_init(&one_mq, one_mq.buffer, 1u, 1u), SQ_OK);
    char c = 'o';
    SQ_CHECK_EQ(sq_msgq_put(&one_mq, &c, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_d, drainer, NULL, 6, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, putter, "a", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, putter, "b", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, putter, "c", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    /* Each woken putter stores before the drainer, below it, gets again. */
    SQ_CHECK(strcmp(trail_text(), "bacBAC") == 0);
    for (int i = 0; i < 4; i++) {
        SQ_CHECK_EQ(results[i], SQ_OK);
    }
    SQ_CHECK(memcmp(got, "obac", 4) == 0);
    SQ_CHECK_EQ(results[4], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[5], 0);
    SQ_CHECK_EQ(sq_msgq_num_used(&one_mq), 0u);
}

/* Timed waits end with SQ_ERR_TIMEOUT and change nothing; purge wakes a
 * waiting putter with SQ_ERR_AGAIN. The purger runs below the user, so it
 * runs only while the user waits: once 't' is noted, in the last put. */
static atomic_int put_forever;
static void timed_user(void *arg)
{
    (void)arg;
    char c = 'm';
    results[0] = sq_msgq_get(&one_mq, &c, 3u);           /* empty: times out */
    results[1] = c;
    results[2] = sq_msgq_put(&one_mq, &c, SQ_NO_WAIT);
    c = 'n';
    results[3] = sq_msgq_put(&one_mq, &c, 3u);           /* full: times out */
    results[4] = (int)sq_msgq_num_used(&one_mq);
    note('t');
    atomic_store(&put_forever, 1);
    results[5] = sq_msgq_put(&one_mq, &c, SQ_FOREVER);   /* purged */
    note('T');
}
static void purger(void *arg)
{
    (void)arg;
    while (atomic_load(&put_forever) == 0) {
        (void)sq_thread_sleep(1u);
    }
    note('p');
    results[6] = sq_msgq_purge(&one_mq);
    note('P');
    results[7] = (int)sq_msgq_num_used(&one_mq);
}
static void test_msgq_timeout_purge(void **state)
{
    (void)state;
    reset_all();
    atomic_store(&put_forever, 0);
    SQ_CHECK_EQ(sq_msgq_init(&one_mq, one_mq.buffer, 1u, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, timed_user, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, purger, NULL, 3, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "tpTP") == 0);
    SQ_CHECK_EQ(results[0], SQ_ERR_TIMEOUT);
    SQ_CHECK_EQ(results[1], 'm');
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], SQ_ERR_TIMEOUT);
    SQ_CHECK_EQ(results[4], 1);
    SQ_CHECK_EQ(results[5], SQ_ERR_AGAIN);
    SQ_CHECK_EQ(results[6], SQ_OK);
    SQ_CHECK_EQ(results[7], 0);
    SQ_CHECK_EQ(sq_msgq_num_used(&one_mq), 0u);
    SQ_CHECK_EQ(sq_msgq_num_free(&one_mq), 1u);
}

/* From an interrupt only SQ_NO_WAIT: a put there wakes a waiting getter,
 * which preempts the thread the interrupt came in; a get there takes a
 * message; waits are refused. */
static void isr_calls(void *arg)
{
    (void)arg;
    char c = 'i';
    results[1] = sq_msgq_get(&one_mq, &c, 5u);           /* IN_ISR */
    results[2] = sq_msgq_get(&one_mq, &c, SQ_NO_WAIT);   /* BUSY: empty */
    note('i');
    results[3] = sq_msgq_put(&one_mq, &c, SQ_NO_WAIT);   /* to the waiter */
    results[4] = sq_msgq_put(&one_mq, &c, 5u);           /* IN_ISR */
}
static void isr_calls_2(void *arg)
{
    (void)arg;
    char c = 'j';
    results[6] = sq_msgq_put(&one_mq, &c, SQ_NO_WAIT);
    results[7] = sq_msgq_put(&one_mq, &c, SQ_NO_WAIT);   /* BUSY: full */
    c = 0;
    results[8] = sq_msgq_get(&one_mq, &c, SQ_NO_WAIT);
    got[1] = c;
}
static void isr_waiter(void *arg)
{
    (void)arg;
    char c = 0;
    results[5] = sq_msgq_get(&one_mq, &c, SQ_FOREVER);
    got[0] = c;
    note('w');
}
static void isr_raiser(void *arg)
{
    (void)arg;
    (void)sq_thread_sleep(2u);   /* the waiter waits meanwhile */
    note('r');
    results[0] = sq_kernel_soft_irq(isr_calls, NULL);
    note('R');
    results[9] = sq_kernel_soft_irq(isr_calls_2, NULL);
}
static void test_msgq_isr(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_msgq_init(&one_mq, one_mq.buffer, 1u, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, isr_raiser, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, isr_waiter, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "riwR") == 0);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], SQ_ERR_IN_ISR);
    SQ_CHECK_EQ(results[2], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[3], SQ_OK);
    SQ_CHECK_EQ(results[4], SQ_ERR_IN_ISR);
    SQ_CHECK_EQ(results[5], SQ_OK);
    SQ_CHECK_EQ(got[0], 'i');
    SQ_CHECK_EQ(results[6], SQ_OK);
    SQ_CHECK_EQ(results[7], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[8], SQ_OK);
    SQ_CHECK_EQ(got[1], 'j');
    SQ_CHECK_EQ(results[9], SQ_OK);
    SQ_CHECK_EQ(sq_msgq_num_used(&one_mq), 0u);
}

SQ_TEST_MAIN(SQ_TEST(test_msgq_init), SQ_TEST(test_msgq_fifo_model),
             SQ_TEST(test_msgq_producers_consumers), SQ_TEST(test_msgq_getter_order),
             SQ_TEST(test_msgq_putter_order), SQ_TEST(test_msgq_timeout_purge),
             SQ_TEST(test_msgq_isr))
