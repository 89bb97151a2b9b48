/*
 * The sensor guest (compiled with clang --target=wasm32): `open` makes a
 * stream<reading> and returns its readable end for the embedder to lift
 * into the sink; `run(n)` writes n readings through async stream.write,
 * waiting in a waitable set whenever the sink has not posted a read yet,
 * then drops the writable end. WIT (docs/WASM.md):
 *   record reading { seq: u32, value: s32 }
 *   interface source { open: func() -> stream<reading>; run: func(n: u32) -> u32; }
 */
#include <squall/wasm_guest.h>

#define SOURCE "example:sensor/source"
/* Readings per write: a batch smaller than the sink's read, so the sink's
 * pending read accumulates several writes. */
#define BATCH 4u

typedef struct reading {
    uint32_t seq;
    int32_t value;
} reading_t;

SQ_WASM_STREAM_IMPORTS(out, "[export]" SOURCE, "open", 0);

static uint32_t writable;
static reading_t batch[BATCH];
/* push's and send's buffer (bench/wasm_host_bench.c): up to 256 readings;
 * send's waitable set, made by its first call. */
static reading_t pushed[256];
static uint32_t send_set;

static int32_t measure(uint32_t seq)
{
    return (int32_t)(seq * 37u % 2000u) - 1000;
}

/* The result word of the blocked write on `writable`, whose event `set`
 * delivers next. */
static uint32_t await_write(uint32_t set)
{
    sq_wasm_event_t ev;
    if (sq_wasm_waitable_set_wait(set, &ev) != SQ_WASM_EVENT_STREAM_WRITE ||
        ev.waitable != writable) {
        __builtin_trap();
    }
    return ev.payload;
}

SQ_WASM_EXPORT_SYNC(SOURCE, "open")
uint32_t sensor_open(void)
{
    uint64_t ends = out_new();
    writable = SQ_WASM_WRITABLE(ends);
    return SQ_WASM_READABLE(ends);
}

/* Returns the readings the sink took (fewer than n if it dropped its end). */
SQ_WASM_EXPORT_SYNC(SOURCE, "run")
uint32_t sensor_run(uint32_t n)
{
    uint32_t set = sq_wasm_waitable_set_new();
    uint32_t sent = 0u;
    sq_wasm_waitable_join(writable, set);
    while (sent < n) {
        uint32_t k = n - sent < BATCH ? n - sent : BATCH;
        for (uint32_t i = 0u; i < k; i++) {
            batch[i].seq = sent + i;
            batch[i].value = measure(sent + i);
        }
        uint32_t off = 0u;
        while (off < k) {
            uint32_t word = out_write(writable, &batch[off], k - off);
            if (word == SQ_WASM_BLOCKED) {
                word = await_write(set);
            }
            off += SQ_WASM_COPY_COUNT(word);
            if (SQ_WASM_COPY_RESULT(word) == SQ_WASM_DROPPED) {
                sent += off;
                goto done;
            }
        }
        sent += k;
    }
done:
    out_drop_writable(writable);
    sq_wasm_waitable_set_drop(set);
    return sent;
}

/* One async write of k readings from push's buffer; the result word
 * (bench/wasm_host_bench.c: the reader has always posted first). */
SQ_WASM_EXPORT_SYNC(SOURCE, "push")
uint32_t sensor_push(uint32_t k)
{
    return out_write(writable, pushed, k);
}

/* The bench's writer on a kernel thread of its own: `total` readings in
 * async writes of k, waiting for each write the sink has not read yet;
 * the sink reads k at a time, so every write completes whole. Returns the
 * readings sent. */
SQ_WASM_EXPORT_SYNC(SOURCE, "send")
uint32_t sensor_send(uint32_t total, uint32_t k)
{
    if (send_set == 0u) {
        send_set = sq_wasm_waitable_set_new();
        sq_wasm_waitable_join(writable, send_set);
    }
    uint32_t sent = 0u;
    while (sent < total) {
        uint32_t word = out_write(writable, pushed, k);
        if (word == SQ_WASM_BLOCKED) {
            word = await_write(send_set);
        }
        if (SQ_WASM_COPY_RESULT(word) != SQ_WASM_COMPLETED || SQ_WASM_COPY_COUNT(word) != k) {
            __builtin_trap();
        }
        sent += k;
    }
    return sent;
}
