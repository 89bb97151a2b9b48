/*
 * A stream transformer in a wasm guest (clang --target=wasm32), called by
 * another guest (tally.c) through an async lower:
 *   interface filter { run: async func(in: stream<reading>, threshold: s32) -> stream<reading>; }
 * `[async-lift]example:pipe/filter#run` makes its output stream, returns
 * its readable end at once through `[task-return]run` (the caller has the
 * stream before any reading moved) and goes on in the callback loop:
 * it reads `in` eight readings at a time and writes those whose value is
 * at least `threshold` to its output, each copy async, returning WAIT on
 * its set whenever one blocks. When `in` is dropped it drops its ends and
 * exits. A threshold below -1000 (no reading is that low) is a caller's
 * bug: the filter traps at once, before it returns, on its caller's
 * kernel thread (wasm_pipeline shows that only the innermost guest
 * unwinds). `cabi_realloc` places the call's parameter block and gives the
 * glue its scratch block.
 */
#include <squall/wasm_guest.h>

#define FILTER "example:pipe/filter"
#define BATCH 8u

typedef struct reading {
    uint32_t seq;
    int32_t value;
} reading_t;

/* Type position 0 of run is its parameter, 1 its result. */
SQ_WASM_STREAM_IMPORTS(in, "[export]" FILTER, "run", 0);
SQ_WASM_STREAM_IMPORTS(out, "[export]" FILTER, "run", 1);
SQ_WASM_TASK_RETURN(run_return, FILTER, "run", uint32_t readable);

static uint32_t input, output, set;
static int32_t threshold;
static reading_t taken[BATCH], kept[BATCH];
static uint32_t kept_n, written;
static int input_done;

/* The readings of a read's result word: keep the wanted ones. */
static void take(uint32_t word)
{
    kept_n = 0u;
    written = 0u;
    for (uint32_t i = 0u; i < SQ_WASM_COPY_COUNT(word); i++) {
        if (taken[i].value >= threshold) {
            kept[kept_n++] = taken[i];
        }
    }
    input_done = SQ_WASM_COPY_RESULT(word) == SQ_WASM_DROPPED;
}

/* Copy on until a copy blocks (WAIT) or the input is over (EXIT). */
static uint32_t step(void)
{
    for (;;) {
        if (written < kept_n) {
            uint32_t word = out_write(output, &kept[written], kept_n - written);
            if (word == SQ_WASM_BLOCKED) {
                return SQ_WASM_CALLBACK_WAIT(set);
            }
            written += SQ_WASM_COPY_COUNT(word);
            if (SQ_WASM_COPY_RESULT(word) == SQ_WASM_DROPPED) {
                __builtin_trap(); /* the reader left early: not this pipeline */
            }
        } else if (input_done) {
            in_drop_readable(input);
            out_drop_writable(output);
            sq_wasm_waitable_set_drop(set);
            return SQ_WASM_CALLBACK_EXIT;
        } else {
            uint32_t word = in_read(input, taken, BATCH);
            if (word == SQ_WASM_BLOCKED) {
                return SQ_WASM_CALLBACK_WAIT(set);
            }
            take(word);
        }
    }
}

SQ_WASM_ASYNC_LIFT(FILTER, "run")
uint32_t filter_run(uint32_t in_end, int32_t at_least)
{
    if (at_least < -1000) {
        __builtin_trap();
    }
    uint64_t ends = out_new();
    input = in_end;
    output = SQ_WASM_WRITABLE(ends);
    threshold = at_least;
    kept_n = written = 0u;
    input_done = 0;
    set = sq_wasm_waitable_set_new();
    sq_wasm_waitable_join(input, set);
    sq_wasm_waitable_join(output, set);
    run_return(SQ_WASM_READABLE(ends));
    return step();
}

SQ_WASM_ASYNC_CALLBACK(FILTER, "run")
uint32_t filter_run_callback(uint32_t event, uint32_t waitable, uint32_t payload)
{
    if (event == SQ_WASM_EVENT_STREAM_READ && waitable == input) {
        take(payload);
    } else if (event == SQ_WASM_EVENT_STREAM_WRITE && waitable == output &&
               SQ_WASM_COPY_RESULT(payload) == SQ_WASM_COMPLETED) {
        written += SQ_WASM_COPY_COUNT(payload);
    } else {
        __builtin_trap();
    }
    return step();
}

SQ_WASM_BUMP_REALLOC(128)
