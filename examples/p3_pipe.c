/*
 * make demo, P3 part: a Component Model stream<record> between two
 * component instances, moved by the P3 built-ins (docs/P3.md).
 *
 * Two instances of one runtime, each with a linear memory of its own (a
 * byte array here; a wasm runtime's memory in a real embedder) and its own
 * handle table, each run by a kernel thread:
 *
 * - the sensor calls stream.new for a stream of 16-byte records, lowers
 *   the readable end into the logger (sq_p3_end_transfer, what passing a
 *   stream<T> argument to the logger's export does) and starts the logger
 *   with the index it got there. It then writes the records from its
 *   memory in chunks of varying length: two chunks of three with async
 *   writes, waiting on its waitable set when a write blocks, the third
 *   with a synchronous write (its writable end taken out of the set first,
 *   since a synchronous copy on a member traps). A write that moves part of
 *   its chunk is followed by one for the rest. At the end it drops its
 *   writable end.
 * - the logger joins its readable end to its own waitable set and reads
 *   batches of 16 records into its memory with async reads; when a read
 *   blocks it waits on the set and decodes the event from the 8 bytes the
 *   built-in stored in its linear memory (index, result word). It checks
 *   every record's sequence number, reading and checksum, and stops at
 *   DROPPED.
 *
 * No buffer sits between them: each rendezvous is one memmove from the
 * sensor's memory straight into the logger's. The demo counts those by
 * wrapping memmove at link time (-Wl,--wrap=memmove), as an outside
 * observer, and checks that they moved every record's bytes exactly once.
 */
#include <stdio.h>
#include <string.h>
#include <squall/p3_runtime.h>
#include <squall/thread.h>

/* A record in linear memory: four little-endian words. */
#define RECORD_BYTES 16u
#define RECORDS 3000u
/* The sensor writes chunks of these lengths, in turn. */
static const uint32_t chunk_lengths[] = {1u, 7u, 16u, 33u, 3u, 48u, 16u, 2u};
#define MAX_CHUNK 48u
/* Records per read. */
#define BATCH 16u

/* Linear memories and where each instance keeps what. */
#define SENSOR_MEMORY 1024u
#define SENSOR_BUFFER 0u                     /* MAX_CHUNK records */
#define SENSOR_EVENT (SENSOR_MEMORY - 8u)
#define LOGGER_MEMORY 512u
#define LOGGER_EVENT 8u
#define LOGGER_BUFFER 64u                    /* BATCH records */
_Static_assert(SENSOR_BUFFER + MAX_CHUNK * RECORD_BYTES <= SENSOR_EVENT, "sensor memory");
_Static_assert(LOGGER_BUFFER + BATCH * RECORD_BYTES <= LOGGER_MEMORY, "logger memory");

SQ_P3_RUNTIME_DEFINE(runtime, 1u, 2u, 1u, 1u);
SQ_P3_INSTANCE_DEFINE(sensor, &runtime, 4u);
SQ_P3_INSTANCE_DEFINE(logger, &runtime, 4u);
static _Alignas(8) uint8_t sensor_memory[SENSOR_MEMORY];
static _Alignas(8) uint8_t logger_memory[LOGGER_MEMORY];
SQ_P3_TYPE_DEFINE(record_type, SQ_P3_ELEM_PLAIN, RECORD_BYTES, 4u);

SQ_THREAD_DEFINE(sensor_thread, 4096u);
SQ_THREAD_DEFINE(logger_thread, 4096u);

/* What each side saw. */
struct tally {
    uint32_t calls;       /* read or write built-in calls */
    uint32_t sync_calls;  /* of those, synchronous */
    uint32_t at_once;     /* async calls that completed in the call, count > 0 */
    uint32_t events;      /* events delivered through its waitable set */
    uint32_t records;     /* records its results reported moved */
};
static struct tally sent, received;
static uint32_t wrong;    /* records the logger found altered or out of order */
static uint32_t failures; /* any other departure from the expected run */
static uint32_t dropped_seen;

/* The outside observer: copies from the sensor's memory into the
 * logger's. clang's address and thread sanitizers turn library calls of
 * memmove into calls of their own entry points, which the wrap does not
 * see: there the copies are not counted. */
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define COPIES_OBSERVED false
#endif
#endif
#ifndef COPIES_OBSERVED
#define COPIES_OBSERVED true
#endif
static uint32_t rendezvous;
static uint32_t bytes_moved;

void *__real_memmove(void *dst, const void *src, size_t n);
void *__wrap_memmove(void *dst, const void *src, size_t n);
void *__wrap_memmove(void *dst, const void *src, size_t n)
{
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    if (d >= (uintptr_t)logger_memory && d < (uintptr_t)logger_memory + LOGGER_MEMORY &&
        s >= (uintptr_t)sensor_memory && s < (uintptr_t)sensor_memory + SENSOR_MEMORY) {
        rendezvous++;
        bytes_moved += (uint32_t)n;
    }
    return __real_memmove(dst, src, n);
}

static void store32(uint8_t *at, uint32_t v)
{
    at[0] = (uint8_t)v;
    at[1] = (uint8_t)(v >> 8);
    at[2] = (uint8_t)(v >> 16);
    at[3] = (uint8_t)(v >> 24);
}

static uint32_t load32(const uint8_t *at)
{
    return (uint32_t)at[0] | ((uint32_t)at[1] << 8) | ((uint32_t)at[2] << 16) |
           ((uint32_t)at[3] << 24);
}

static uint32_t reading(uint32_t seq)
{
    return (uint32_t)((int32_t)(seq * 37u % 2000u) - 1000);
}

static uint32_t checksum(uint32_t seq, uint32_t value, uint32_t stamp)
{
    uint32_t h = 0x811c9dc5u;
    const uint32_t words[3] = {seq, value, stamp};
    for (uint32_t i = 0u; i < 3u; i++) {
        h = (h ^ words[i]) * 0x01000193u;
    }
    return h;
}

/* Wait on set `s` of t's instance, the event stored at `at` in its memory:
 * it must be `code` for `end`; its payload (a result word) into *word. */
static bool wait_event(sq_p3_thread_t *t, uint32_t s, uint32_t at, uint32_t code, uint32_t end,
                       uint32_t *word, struct tally *tally)
{
    uint32_t got = 0u;
    if (sq_p3_waitable_set_wait(t, s, at, &got) != SQ_OK) {
        return false;
    }
    const uint8_t *ev = t->instance->memory + at;
    tally->events++;
    *word = load32(ev + 4u);
    return got == code && load32(ev) == end;
}

/* ---- The logger ------------------------------------------------------- */

static void check_records(uint32_t count)
{
    for (uint32_t i = 0u; i < count; i++) {
        const uint8_t *rec = logger_memory + LOGGER_BUFFER + i * RECORD_BYTES;
        uint32_t seq = load32(rec), value = load32(rec + 4u);
        uint32_t stamp = load32(rec + 8u), check = load32(rec + 12u);
        if (seq != received.records + i || value != reading(seq) ||
            check != checksum(seq, value, stamp)) {
            wrong++;
        }
    }
    received.records += count;
}

static void logger_main(void *arg)
{
    sq_p3_thread_t t;
    uint32_t r = (uint32_t)(uintptr_t)arg;
    uint32_t s = 0u;
    if (sq_p3_thread_init(&t, &logger) != SQ_OK || sq_p3_waitable_set_new(&t, &s) != SQ_OK ||
        sq_p3_waitable_join(&t, r, s) != SQ_OK) {
        failures++;
        return;
    }
    for (;;) {
        uint32_t word = 0u;
        received.calls++;
        if (sq_p3_stream_read(&t, &record_type, r, LOGGER_BUFFER, BATCH, true, &word) != SQ_OK) {
            failures++;
            return;
        }
        if (word == SQ_P3_BLOCKED) {
            if (!wait_event(&t, s, LOGGER_EVENT, SQ_P3_EVENT_STREAM_READ, r, &word, &received)) {
                failures++;
                return;
            }
        } else if (word >> 4 > 0u) {
            received.at_once++;
        }
        check_records(word >> 4);
        if ((word & 0xfu) == SQ_P3_COPY_DROPPED) {
            dropped_seen++;
            break;
        }
        if ((word & 0xfu) != SQ_P3_COPY_COMPLETED) {
            failures++;
            return;
        }
    }
    /* Dropping the end takes it out of the set; then the set goes. */
    if (sq_p3_stream_drop_readable(&t, &record_type, r) != SQ_OK ||
        sq_p3_waitable_set_drop(&t, s) != SQ_OK) {
        failures++;
    }
}

/* ---- The sensor ------------------------------------------------------- */

/* Write records first .. first + n - 1 from the sensor's memory, as many
 * calls as it takes. */
static bool write_chunk(sq_p3_thread_t *t, uint32_t w, uint32_t s, bool async, uint32_t first,
                        uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        uint8_t *rec = sensor_memory + SENSOR_BUFFER + i * RECORD_BYTES;
        uint32_t seq = first + i, stamp = (uint32_t)sq_kernel_now();
        store32(rec, seq);
        store32(rec + 4u, reading(seq));
        store32(rec + 8u, stamp);
        store32(rec + 12u, checksum(seq, reading(seq), stamp));
    }
    for (uint32_t done = 0u; done < n;) {
        uint32_t word = 0u;
        sent.calls++;
        sent.sync_calls += async ? 0u : 1u;
        if (sq_p3_stream_write(t, &record_type, w, SENSOR_BUFFER + done * RECORD_BYTES, n - done,
                               async, &word) != SQ_OK) {
            return false;
        }
        if (word == SQ_P3_BLOCKED) {
            if (!wait_event(t, s, SENSOR_EVENT, SQ_P3_EVENT_STREAM_WRITE, w, &word, &sent)) {
                return false;
            }
        } else if (async && word >> 4 > 0u) {
            sent.at_once++;
        }
        /* The logger never drops first: every write completes, moving at
         * least one record. */
        if ((word & 0xfu) != SQ_P3_COPY_COMPLETED || word >> 4 == 0u) {
            return false;
        }
        done += word >> 4;
        sent.records += word >> 4;
    }
    return true;
}

static void sensor_main(void *arg)
{
    (void)arg;
    sq_p3_thread_t t;
    uint64_t packed = 0u;
    uint32_t r = 0u, w = 0u, s = 0u, in_logger = 0u;
    if (sq_p3_thread_init(&t, &sensor) != SQ_OK ||
        sq_p3_stream_new(&t, &record_type, &packed) != SQ_OK) {
        failures++;
        return;
    }
    r = (uint32_t)packed;
    w = (uint32_t)(packed >> 32);
    /* Lowering the readable end into the logger's table: the logger's
     * export starts with the index it has there. */
    if (sq_p3_end_transfer(&t, &logger, &record_type, r, &in_logger) != SQ_OK ||
        sq_thread_start(&logger_thread, logger_main, (void *)(uintptr_t)in_logger, 3u, 0u) !=
            SQ_OK ||
        sq_p3_waitable_set_new(&t, &s) != SQ_OK) {
        failures++;
        return;
    }
    uint32_t seq = 0u;
    for (uint32_t chunk = 0u; seq < RECORDS; chunk++) {
        uint32_t n = chunk_lengths[chunk % (sizeof chunk_lengths / sizeof chunk_lengths[0])];
        bool async = chunk % 3u != 2u;
        n = n < RECORDS - seq ? n : RECORDS - seq;
        /* An async write waits through the set; a synchronous one needs
         * its end out of it (join 0). */
        if (sq_p3_waitable_join(&t, w, async ? s : 0u) != SQ_OK ||
            !write_chunk(&t, w, s, async, seq, n)) {
            failures++;
            return;
        }
        seq += n;
    }
    if (sq_p3_stream_drop_writable(&t, &record_type, w) != SQ_OK ||
        sq_p3_waitable_set_drop(&t, s) != SQ_OK) {
        failures++;
    }
}

int main(void)
{
    printf("squall P3 demo: a sensor instance streams %u records of %u bytes to a logger\n"
           "instance through stream.write/stream.read, each instance with its own linear\n"
           "memory and handle table, on a kernel thread of its own\n",
           (unsigned)RECORDS, (unsigned)RECORD_BYTES);
    if (sq_kernel_init() != SQ_OK || sq_p3_runtime_init(&runtime) != SQ_OK ||
        sq_p3_instance_init(&sensor, &runtime, sensor_slots, 4u, sensor_memory,
                            SENSOR_MEMORY) != SQ_OK ||
        sq_p3_instance_init(&logger, &runtime, logger_slots, 4u, logger_memory,
                            LOGGER_MEMORY) != SQ_OK ||
        sq_thread_start(&sensor_thread, sensor_main, NULL, 3u, 0u) != SQ_OK ||
        sq_kernel_run() != SQ_OK) {
        printf("p3 demo: set-up failed\n");
        return 1;
    }
    bool clean = sq_p3_instance_trap(&sensor) == SQ_P3_TRAP_NONE &&
                 sq_p3_instance_trap(&logger) == SQ_P3_TRAP_NONE && runtime.channels.used == 0u &&
                 runtime.sets.used == 0u && sq_p3_handle_count(&sensor.handles) == 0u &&
                 sq_p3_handle_count(&logger.handles) == 0u;
    bool ok = failures == 0u && clean && wrong == 0u && dropped_seen == 1u &&
              sent.records == RECORDS && received.records == RECORDS &&
              (!COPIES_OBSERVED || (bytes_moved == RECORDS * RECORD_BYTES &&
                                    rendezvous >= sent.at_once + received.at_once));
    printf("sensor: %u write calls (%u synchronous), %u completed at once, %u events through "
           "its set\n"
           "logger: %u read calls, %u completed at once, %u events through its set, then "
           "DROPPED\n"
           "%u records in %u rendezvous, %u bytes copied memory to memory%s: %s\n",
           (unsigned)sent.calls, (unsigned)sent.sync_calls, (unsigned)sent.at_once,
           (unsigned)sent.events, (unsigned)received.calls, (unsigned)received.at_once,
           (unsigned)received.events, (unsigned)received.records, (unsigned)rendezvous,
           (unsigned)bytes_moved, COPIES_OBSERVED ? "" : " (not observable in this build)",
           ok ? "0 lost, 0 duplicated, 0 altered; no trap, every object given back" : "FAILED");
    if (!ok) {
        printf("failures %u, records altered or out of order %u, DROPPED seen %u, "
               "traps %d/%d, clean %d\n",
               (unsigned)failures, (unsigned)wrong, (unsigned)dropped_seen,
               (int)sq_p3_instance_trap(&sensor), (int)sq_p3_instance_trap(&logger), (int)clean);
    }
    return ok ? 0 : 1;
}
