/*
 * make demo: an interrupt and two kernel threads exchanging work.
 *
 * A sampling interrupt (a periodic squall timer, so it runs in the tick
 * interrupt: on the host, the port's interrupt thread preempting whatever
 * runs) reads a sensor and writes a telemetry record into a typed ring,
 * then gives a semaphore. A filter thread takes the semaphore, reads the
 * record in place (zero copy), smooths the temperature and posts event
 * bits: BATCH every 8 records, ALARM when the smoothed temperature passes
 * a threshold, DONE at the end. A logger thread waits for any of those bits
 * (clearing what it saw) and reports.
 *
 * Every record carries a sequence number: the filter checks that nothing
 * was lost, duplicated or reordered between interrupt and thread, and the
 * run fails if so, or if the interrupt ever found the ring full.
 */
#include <squall/event.h>
#include <squall/sem.h>
#include <squall/thread.h>
#include <squall/timer.h>
#include <squall/typed_ring_buf.h>

#include <stdio.h>
#include <string.h>

struct telemetry {
    uint32_t seq;
    int16_t temperature_centi;  /* 0.01 degC */
    uint16_t voltage_mv;
};

#define RECORDS 64u
#define SAMPLE_PERIOD_TICKS 2u
#define ALARM_CENTI 2400

#define EV_BATCH 0x1u
#define EV_ALARM 0x2u
#define EV_DONE 0x4u

SQ_TYPED_RING_BUF_DEFINE(samples, sizeof(struct telemetry), 8);
SQ_SEM_DEFINE(samples_ready, 0, 8);
SQ_EVENT_DEFINE(news);
SQ_THREAD_DEFINE(filter, 4096);
SQ_THREAD_DEFINE(logger, 4096);

/* Shared by the filter (writer) and the logger (reader after the event). */
static volatile int32_t smoothed_centi;
static volatile uint32_t filtered;
static uint32_t ring_full_in_irq;
static int failures;

/* A sensor: a slow warm-up with some ripple. */
static struct telemetry sample(uint32_t seq)
{
    struct telemetry t = {
        .seq = seq,
        .temperature_centi = (int16_t)(2100 + (int)seq * 6 + (int)(seq % 5u) * 9),
        .voltage_mv = (uint16_t)(3300u - (seq % 5u) * 4u),
    };
    return t;
}

/* Interrupt context: produce one record, wake the filter. */
static void sampling_irq(sq_timer_t *timer)
{
    static uint32_t next_seq = 1;
    struct telemetry t = sample(next_seq);
    if (sq_typed_ring_buf_write_element(&samples, &t) != SQ_OK) {
        ring_full_in_irq++;
        return;
    }
    (void)sq_sem_give(&samples_ready);
    if (++next_seq > RECORDS) {
        (void)sq_timer_stop(timer);
    }
}
SQ_TIMER_DEFINE(sampler, sampling_irq, NULL);

static void filter_main(void *arg)
{
    (void)arg;
    for (uint32_t expected = 1; expected <= RECORDS; expected++) {
        if (sq_sem_take(&samples_ready, 100u) != SQ_OK) {
            printf("filter: no sample within 100 ticks\n");
            failures++;
            break;
        }
        const void *slot;
        if (sq_typed_ring_buf_read_borrow(&samples, &slot) != SQ_OK) {
            printf("filter: semaphore given but ring empty\n");
            failures++;
            break;
        }
        struct telemetry t;
        memcpy(&t, slot, sizeof t);
        (void)sq_typed_ring_buf_read_release(&samples);
        struct telemetry want = sample(expected);
        if (memcmp(&t, &want, sizeof t) != 0) {
            printf("filter: record %u where %u was due\n", (unsigned)t.seq, (unsigned)expected);
            failures++;
            break;
        }
        /* Exponential smoothing, 1/4 weight on the new sample. */
        smoothed_centi = expected == 1u ? t.temperature_centi
                                        : (3 * smoothed_centi + t.temperature_centi) / 4;
        filtered = expected;
        uint32_t bits = (expected % 8u == 0u) ? EV_BATCH : 0u;
        if (smoothed_centi > ALARM_CENTI) {
            bits |= EV_ALARM;
        }
        if (bits != 0u) {
            (void)sq_event_post(&news, bits);
        }
    }
    (void)sq_event_post(&news, EV_DONE);
}

static void logger_main(void *arg)
{
    (void)arg;
    unsigned alarms = 0;
    for (;;) {
        uint32_t seen = 0;
        if (sq_event_wait(&news, EV_BATCH | EV_ALARM | EV_DONE, SQ_EVENT_CLEAR, SQ_FOREVER,
                          &seen) != SQ_OK) {
            failures++;
            return;
        }
        if ((seen & EV_BATCH) != 0u) {
            printf("  tick %4u: %2u records filtered, smoothed %2d.%02d degC\n",
                   (unsigned)sq_kernel_now(), (unsigned)filtered,
                   (int)(smoothed_centi / 100), (int)(smoothed_centi % 100));
        }
        if ((seen & EV_ALARM) != 0u && alarms++ == 0u) {
            printf("  tick %4u: ALARM smoothed temperature above %d.%02d degC\n",
                   (unsigned)sq_kernel_now(), ALARM_CENTI / 100, ALARM_CENTI % 100);
        }
        if ((seen & EV_DONE) != 0u) {
            printf("logger: done, %u alarm events\n", alarms);
            return;
        }
    }
}

int main(void)
{
    printf("squall demo: a sampling interrupt every %u ticks feeds %u telemetry records\n"
           "through a typed ring and a semaphore to a filter thread, which signals a\n"
           "logger thread with event bits\n",
           SAMPLE_PERIOD_TICKS, RECORDS);
    if (sq_kernel_init() != SQ_OK ||
        sq_thread_start(&filter, filter_main, NULL, 2, 0) != SQ_OK ||
        sq_thread_start(&logger, logger_main, NULL, 4, 0) != SQ_OK ||
        sq_timer_start(&sampler, SAMPLE_PERIOD_TICKS, SAMPLE_PERIOD_TICKS) != SQ_OK) {
        printf("demo: set-up failed\n");
        return 1;
    }
    (void)sq_kernel_run();
    printf("moved %u records interrupt -> filter in %u ticks: %s; ring full in the "
           "interrupt %u times\n",
           (unsigned)filtered, (unsigned)sq_kernel_now(),
           failures == 0 && filtered == RECORDS ? "0 lost, 0 duplicated, 0 reordered"
                                                : "FAILED",
           (unsigned)ring_full_in_irq);
    return failures == 0 && filtered == RECORDS && ring_full_in_irq == 0u ? 0 : 1;
}
