/*
 * The sink guest (compiled with clang --target=wasm32): `consume(s)`
 * reads the stream<reading> lifted into it with async stream.read, a
 * batch of 16 at a time, waiting in a waitable set while the sensor has
 * not written; it checks the order and keeps a tally until the stream is
 * DROPPED, then drops its end and returns the count. WIT (docs/WASM.md):
 *   interface sink { consume: func(s: stream<reading>) -> u32;
 *                    sum: func() -> s32; min: func() -> s32; max: func() -> s32;
 *                    batches: func() -> u32; }
 */
#include <squall/wasm_guest.h>

#define SINK "example:sensor/sink"
#define BATCH 16u

typedef struct reading {
    uint32_t seq;
    int32_t value;
} reading_t;

SQ_WASM_STREAM_IMPORTS(in, "[export]" SINK, "consume", 0);

static reading_t batch[BATCH];
static int32_t total, lowest = 0x7fffffff, highest = -0x7fffffff - 1;
static uint32_t reads;
/* listen/post/collect's end, set and buffer (bench/wasm_host_bench.c). */
static uint32_t listened, listen_set;
static reading_t posted[256];

SQ_WASM_EXPORT_SYNC(SINK, "consume")
uint32_t sink_consume(uint32_t readable)
{
    uint32_t set = sq_wasm_waitable_set_new();
    uint32_t count = 0u;
    sq_wasm_waitable_join(readable, set);
    for (;;) {
        uint32_t word = in_read(readable, batch, BATCH);
        if (word == SQ_WASM_BLOCKED) {
            sq_wasm_event_t ev;
            if (sq_wasm_waitable_set_wait(set, &ev) != SQ_WASM_EVENT_STREAM_READ ||
                ev.waitable != readable) {
                __builtin_trap();
            }
            word = ev.payload;
        }
        reads++;
        for (uint32_t i = 0u; i < SQ_WASM_COPY_COUNT(word); i++) {
            /* A reading out of order is the runtime's fault: trap. */
            if (batch[i].seq != count) {
                __builtin_trap();
            }
            total += batch[i].value;
            lowest = batch[i].value < lowest ? batch[i].value : lowest;
            highest = batch[i].value > highest ? batch[i].value : highest;
            count++;
        }
        if (SQ_WASM_COPY_RESULT(word) == SQ_WASM_DROPPED) {
            break;
        }
    }
    in_drop_readable(readable);
    sq_wasm_waitable_set_drop(set);
    return count;
}

SQ_WASM_EXPORT_SYNC(SINK, "sum") int32_t sink_sum(void) { return total; }
SQ_WASM_EXPORT_SYNC(SINK, "min") int32_t sink_min(void) { return lowest; }
SQ_WASM_EXPORT_SYNC(SINK, "max") int32_t sink_max(void) { return highest; }
SQ_WASM_EXPORT_SYNC(SINK, "reads") uint32_t sink_reads(void) { return reads; }

/* The bench's reader, one step per export: listen(s) puts s in a new set,
 * post(n) makes an async read of n readings, collect() waits for its event
 * and returns the result word. */
SQ_WASM_EXPORT_SYNC(SINK, "listen")
void sink_listen(uint32_t readable)
{
    listened = readable;
    listen_set = sq_wasm_waitable_set_new();
    sq_wasm_waitable_join(readable, listen_set);
}

SQ_WASM_EXPORT_SYNC(SINK, "post") uint32_t sink_post(uint32_t n)
{
    return in_read(listened, posted, n);
}

SQ_WASM_EXPORT_SYNC(SINK, "collect") uint32_t sink_collect(void)
{
    sq_wasm_event_t ev;
    if (sq_wasm_waitable_set_wait(listen_set, &ev) != SQ_WASM_EVENT_STREAM_READ ||
        ev.waitable != listened) {
        __builtin_trap();
    }
    return ev.payload;
}

/* The bench's reader on a kernel thread of its own: `total` readings in
 * async reads of k, waiting for each read the sensor has not written yet.
 * Returns the readings taken. */
SQ_WASM_EXPORT_SYNC(SINK, "take")
uint32_t sink_take(uint32_t total, uint32_t k)
{
    uint32_t taken = 0u;
    while (taken < total) {
        uint32_t word = sink_post(k);
        if (word == SQ_WASM_BLOCKED) {
            word = sink_collect();
        }
        if (SQ_WASM_COPY_RESULT(word) != SQ_WASM_COMPLETED || SQ_WASM_COPY_COUNT(word) != k) {
            __builtin_trap();
        }
        taken += k;
    }
    return taken;
}
