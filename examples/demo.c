/*
 * make demo: a telemetry producer and a slow downlink consumer, with flow
 * control.
 *
 * The producer thread takes a sample every tick and writes it into a typed
 * ring (8 records), then posts a STREAM_READ event on the consumer's
 * waitable for the ring. Before each sample it asks the backpressure gate
 * to admit it, and blocks there while the gate is closed.
 *
 * The consumer (the "component") waits on its waitable set, which has two
 * members: the ring's waitable (join id 1) and a shutdown waitable (join
 * id 2). On STREAM_READ it drains the ring, taking 2 ticks per record (a
 * slow radio); when it finds 6 records queued it raises backpressure
 * (sq_gate_inc), and lowers it (sq_gate_dec) once at most 1 is left. The
 * producer, held at the gate meanwhile, never finds the ring full.
 *
 * After the last sample the producer starts a one-shot timer; its expiry,
 * in the tick interrupt, posts CANCELLED on the shutdown waitable. The
 * consumer takes that event, exactly once, after every STREAM_READ posted
 * before it, checks it has every record and stops.
 *
 * Every record carries a sequence number: the consumer checks that nothing
 * was lost, duplicated or reordered, and the run fails otherwise.
 */
#include <squall/gate.h>
#include <squall/thread.h>
#include <squall/timer.h>
#include <squall/typed_ring_buf.h>
#include <squall/waitable_set.h>

#include <stdio.h>

struct telemetry {
    uint32_t seq;
    int16_t temperature_centi; /* 0.01 degC */
    uint16_t voltage_mv;
};

#define RECORDS 48u
#define RING_RECORDS 8u
#define HIGH_WATER 6u   /* backpressure on at this many queued records */
#define LOW_WATER 1u    /* and off again at this many */
#define TICKS_PER_RECORD 2u
#define SHUTDOWN_DELAY 5u

enum { JOIN_RING = 1, JOIN_SHUTDOWN = 2 };

SQ_TYPED_RING_BUF_DEFINE(samples, sizeof(struct telemetry), RING_RECORDS);
SQ_GATE_DEFINE(downlink_gate);
SQ_WAITABLE_SET_DEFINE(consumer_set, 2);
static sq_waitable_t ring_readable = SQ_WAITABLE_INIT;
static sq_waitable_t shutdown_request = SQ_WAITABLE_INIT;
SQ_THREAD_DEFINE(producer, 4096);
SQ_THREAD_DEFINE(consumer, 4096);

static uint32_t produced, consumed, ring_full, held_back, cancellations;
static uint32_t backpressure_periods;
static int failures;

static struct telemetry sample(uint32_t seq)
{
    struct telemetry t = {
        .seq = seq,
        .temperature_centi = (int16_t)(2100 + (int)seq * 6 + (int)(seq % 5u) * 9),
        .voltage_mv = (uint16_t)(3300u - (seq % 5u) * 4u),
    };
    return t;
}

/* Tick interrupt: ask the consumer to stop. */
static void shutdown_irq(sq_timer_t *timer)
{
    (void)timer;
    if (sq_waitable_post(&shutdown_request, SQ_WAIT_EVENT_CANCELLED, 0u) != SQ_OK) {
        failures++;
    }
}
SQ_TIMER_DEFINE(shutdown_timer, shutdown_irq, NULL);

static void producer_main(void *arg)
{
    (void)arg;
    for (uint32_t seq = 1; seq <= RECORDS; seq++) {
        if (sq_gate_is_enabled(&downlink_gate)) {
            held_back++;
        }
        if (sq_gate_wait_until_ready(&downlink_gate, 1000u) != SQ_OK) {
            printf("producer: not admitted within 1000 ticks\n");
            failures++;
            return;
        }
        struct telemetry t = sample(seq);
        if (sq_typed_ring_buf_write_element(&samples, &t) != SQ_OK) {
            ring_full++;
            continue;
        }
        produced++;
        /* One pending STREAM_READ is enough: the consumer drains the ring
         * when it takes it, so a post while one is pending (SQ_ERR_BUSY)
         * loses nothing. */
        sq_status_t st = sq_waitable_post(&ring_readable, SQ_WAIT_EVENT_STREAM_READ, seq);
        if (st != SQ_OK && st != SQ_ERR_BUSY) {
            failures++;
        }
        sq_thread_sleep(1u);
    }
    (void)sq_timer_start(&shutdown_timer, SHUTDOWN_DELAY, 0u);
}

/* Raise backpressure at the high-water mark, lower it at the low one. */
static void flow_control(bool *raised)
{
    uint32_t queued = sq_typed_ring_buf_elements_available(&samples);
    if (!*raised && queued >= HIGH_WATER) {
        (void)sq_gate_inc(&downlink_gate);
        *raised = true;
        backpressure_periods++;
        printf("  tick %4u: %u queued, backpressure on\n",
               (unsigned)sq_kernel_now(), (unsigned)queued);
    } else if (*raised && queued <= LOW_WATER) {
        (void)sq_gate_dec(&downlink_gate);
        *raised = false;
        printf("  tick %4u: %u queued, %u consumed, backpressure off\n",
               (unsigned)sq_kernel_now(), (unsigned)queued, (unsigned)consumed);
    }
}

/* Drain the ring, slowly, checking every record. */
static void drain(void)
{
    static bool raised;
    struct telemetry t;
    flow_control(&raised);
    while (sq_typed_ring_buf_read_element(&samples, &t) == SQ_OK) {
        struct telemetry want = sample(consumed + 1u);
        if (t.seq != want.seq || t.temperature_centi != want.temperature_centi ||
            t.voltage_mv != want.voltage_mv) {
            printf("consumer: record %u where %u was due\n", (unsigned)t.seq,
                   (unsigned)want.seq);
            failures++;
        }
        consumed++;
        sq_thread_sleep(TICKS_PER_RECORD);
        flow_control(&raised);
    }
}

static void consumer_main(void *arg)
{
    (void)arg;
    for (;;) {
        sq_wait_event_t ev;
        if (sq_waitable_set_wait(&consumer_set, &ev, 1000u) != SQ_OK) {
            printf("consumer: no event within 1000 ticks\n");
            failures++;
            return;
        }
        if (ev.code == SQ_WAIT_EVENT_STREAM_READ && ev.join_id == JOIN_RING) {
            drain();
        } else if (ev.code == SQ_WAIT_EVENT_CANCELLED && ev.join_id == JOIN_SHUTDOWN) {
            cancellations++;
            drain();
            printf("  tick %4u: shutdown requested by the timer interrupt\n",
                   (unsigned)sq_kernel_now());
            return;
        } else {
            printf("consumer: unexpected event %u for %u\n", (unsigned)ev.code,
                   (unsigned)ev.join_id);
            failures++;
            return;
        }
    }
}

int main(void)
{
    printf("squall demo: a producer thread samples every tick into a %u-record typed ring;\n"
           "a consumer thread, woken through its waitable set, drains it at %u ticks a\n"
           "record and holds the producer back at the backpressure gate when the ring\n"
           "is %u records full; a timer interrupt posts the shutdown (a cancellation)\n",
           RING_RECORDS, TICKS_PER_RECORD, HIGH_WATER);
    if (sq_kernel_init() != SQ_OK ||
        sq_waitable_join(&ring_readable, &consumer_set, JOIN_RING) != SQ_OK ||
        sq_waitable_join(&shutdown_request, &consumer_set, JOIN_SHUTDOWN) != SQ_OK ||
        sq_thread_start(&consumer, consumer_main, NULL, 2, 0) != SQ_OK ||
        sq_thread_start(&producer, producer_main, NULL, 3, 0) != SQ_OK) {
        printf("demo: set-up failed\n");
        return 1;
    }
    (void)sq_kernel_run();
    bool ok = failures == 0 && produced == RECORDS && consumed == RECORDS && ring_full == 0u &&
              cancellations == 1u && backpressure_periods > 0u && held_back > 0u;
    printf("moved %u of %u records producer -> consumer in %u ticks: %s\n"
           "backpressure raised %u times, producer held at the gate %u times, ring full %u "
           "times, shutdown delivered %u time(s)\n",
           (unsigned)consumed, (unsigned)RECORDS, (unsigned)sq_kernel_now(),
           ok ? "0 lost, 0 duplicated, 0 reordered" : "FAILED",
           (unsigned)backpressure_periods, (unsigned)held_back, (unsigned)ring_full,
           (unsigned)cancellations);
    return ok ? 0 : 1;
}
