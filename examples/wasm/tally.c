/*
 * The pipeline's sink in a wasm guest (clang --target=wasm32): it feeds
 * readings through another guest's filter (filter.c) and returns what it
 * counted through a future:
 *   interface tally { tally: async func(n: u32, threshold: s32) -> future<summary>; }
 *   record summary { count: u32, sum: s32, min: s32, max: s32 }
 * `[async-lift]example:pipe/tally#tally` makes the future and returns its
 * readable end at once (`[task-return]tally`), makes a stream<reading>
 * and calls the imported `example:pipe/filter` `run(in, threshold)` with
 * its readable end through `[async-lower]run` (the filter returns its
 * output stream at once: RETURNED, no subtask). Then, in the callback
 * loop, it writes readings 0 .. n-1 into the filter four at a time and
 * reads the filtered ones sixteen at a time (both copies async, in one
 * waitable set), checks their order, and when the filter has dropped its
 * output writes the summary into the future and exits once it was read.
 */
#include <squall/wasm_guest.h>

#define TALLY "example:pipe/tally"
#define FILTER "example:pipe/filter"
#define FEED 4u
#define DRAIN 16u

typedef struct reading {
    uint32_t seq;
    int32_t value;
} reading_t;

typedef struct summary {
    uint32_t count;
    int32_t sum, min, max;
} summary_t;

SQ_WASM_FUTURE_IMPORTS(result, "[export]" TALLY, "tally", 0);
SQ_WASM_TASK_RETURN(tally_return, TALLY, "tally", uint32_t readable);
/* The imported filter: its stream built-ins and the async call. */
SQ_WASM_STREAM_IMPORTS(feed, FILTER, "run", 0);
SQ_WASM_STREAM_IMPORTS(drain, FILTER, "run", 1);
SQ_WASM_ASYNC_IMPORT(filter_run, FILTER, "run", uint32_t in, int32_t threshold, uint32_t *out);

static uint32_t set, fed, filtered, promise, total;
static uint32_t sent, last_seq;
static int feeding, writing, draining, reading;
static reading_t feed_batch[FEED], drained[DRAIN];
static summary_t summary;

static int32_t measure(uint32_t seq)
{
    return (int32_t)(seq * 37u % 2000u) - 1000;
}

static void count(uint32_t word)
{
    for (uint32_t i = 0u; i < SQ_WASM_COPY_COUNT(word); i++) {
        /* Filtered readings keep their order: anything else is a fault. */
        if (summary.count != 0u && drained[i].seq <= last_seq) {
            __builtin_trap();
        }
        last_seq = drained[i].seq;
        summary.count++;
        summary.sum += drained[i].value;
        summary.min = drained[i].value < summary.min ? drained[i].value : summary.min;
        summary.max = drained[i].value > summary.max ? drained[i].value : summary.max;
    }
    if (SQ_WASM_COPY_RESULT(word) == SQ_WASM_DROPPED) {
        drain_drop_readable(filtered);
        draining = 0;
    }
}

/* Copy on until every copy under way blocks (WAIT), or the summary was
 * taken (EXIT). */
static uint32_t step(void)
{
    while (feeding && !writing) {
        if (sent == total) {
            feed_drop_writable(fed);
            feeding = 0;
            break;
        }
        uint32_t k = total - sent < FEED ? total - sent : FEED;
        for (uint32_t i = 0u; i < k; i++) {
            feed_batch[i] = (reading_t){sent + i, measure(sent + i)};
        }
        uint32_t word = feed_write(fed, feed_batch, k);
        if (word == SQ_WASM_BLOCKED) {
            writing = 1;
        } else {
            sent += SQ_WASM_COPY_COUNT(word);
        }
    }
    while (draining && !reading) {
        uint32_t word = drain_read(filtered, drained, DRAIN);
        if (word == SQ_WASM_BLOCKED) {
            reading = 1;
        } else {
            count(word);
        }
    }
    if (feeding || draining) {
        return SQ_WASM_CALLBACK_WAIT(set);
    }
    if (promise != 0u) {
        uint32_t word = result_write(promise, &summary);
        if (word == SQ_WASM_BLOCKED) {
            return SQ_WASM_CALLBACK_WAIT(set);
        }
        result_drop_writable(promise);
        promise = 0u;
    }
    sq_wasm_waitable_set_drop(set);
    return SQ_WASM_CALLBACK_EXIT;
}

SQ_WASM_ASYNC_LIFT(TALLY, "tally")
uint32_t tally(uint32_t n, int32_t threshold)
{
    uint64_t future = result_new();
    uint64_t stream = feed_new();
    total = n;
    promise = SQ_WASM_WRITABLE(future);
    fed = SQ_WASM_WRITABLE(stream);
    summary = (summary_t){0u, 0, 0x7fffffff, -0x7fffffff - 1};
    tally_return(SQ_WASM_READABLE(future));
    uint32_t word = filter_run(SQ_WASM_READABLE(stream), threshold, &filtered);
    if (SQ_WASM_SUBTASK_STATE(word) != SQ_WASM_SUBTASK_RETURNED) {
        __builtin_trap(); /* the filter returns its stream at once */
    }
    set = sq_wasm_waitable_set_new();
    sq_wasm_waitable_join(fed, set);
    sq_wasm_waitable_join(filtered, set);
    sq_wasm_waitable_join(promise, set);
    feeding = draining = 1;
    return step();
}

SQ_WASM_ASYNC_CALLBACK(TALLY, "tally")
uint32_t tally_callback(uint32_t event, uint32_t waitable, uint32_t payload)
{
    if (event == SQ_WASM_EVENT_STREAM_WRITE && waitable == fed) {
        sent += SQ_WASM_COPY_COUNT(payload);
        writing = 0;
    } else if (event == SQ_WASM_EVENT_STREAM_READ && waitable == filtered) {
        reading = 0;
        count(payload);
    } else if (event == SQ_WASM_EVENT_FUTURE_WRITE && waitable == promise &&
               payload == SQ_WASM_COMPLETED) {
        result_drop_writable(promise);
        promise = 0u;
    } else {
        __builtin_trap();
    }
    return step();
}

SQ_WASM_BUMP_REALLOC(128)
