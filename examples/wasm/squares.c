/*
 * A callback-lifted async export in a wasm guest (clang --target=wasm32),
 * the wasm twin of examples/p3_call.c's server:
 *   interface api { squares: async func(n: u32) -> stream<u32>; }
 * `[async-lift]example:squares/api#squares` makes a stream<u32>, keeps
 * its writable end and writes squares into it eight at a time, returning
 * WAIT on its set whenever a write blocks; the callback
 * `[callback][async-lift]...#squares` goes on at each STREAM_WRITE event.
 * Told TASK_CANCELLED, it cancels its pending write, drops its end and its
 * set, calls task.cancel and exits. The readable end reaches the caller
 * through the embedder (the export `readable`): squall does not lift a
 * stream in a result yet (docs/WASM.md). `cabi_realloc` places the call's
 * parameter block.
 */
#include <squall/wasm_guest.h>

#define API "example:squares/api"
#define CHUNK 8u

SQ_WASM_STREAM_IMPORTS(out, "[export]" API, "squares", 0);
SQ_WASM_TASK_CANCEL(task_cancel, API);

static uint32_t set, writable, readable_end, next_n, limit;
static uint32_t chunk[CHUNK];

/* Write the next squares until a write blocks: the callback code. */
static uint32_t write_more(void)
{
    while (next_n < limit) {
        uint32_t n = limit - next_n < CHUNK ? limit - next_n : CHUNK;
        for (uint32_t i = 0u; i < n; i++) {
            chunk[i] = (next_n + i) * (next_n + i);
        }
        uint32_t word = out_write(writable, chunk, n);
        if (word == SQ_WASM_BLOCKED) {
            break;
        }
        next_n += SQ_WASM_COPY_COUNT(word);
    }
    return SQ_WASM_CALLBACK_WAIT(set);
}

SQ_WASM_ASYNC_LIFT(API, "squares")
uint32_t squares(uint32_t n)
{
    uint64_t ends = out_new();
    limit = n;
    next_n = 0u;
    set = sq_wasm_waitable_set_new();
    writable = SQ_WASM_WRITABLE(ends);
    readable_end = SQ_WASM_READABLE(ends);
    sq_wasm_waitable_join(writable, set);
    return write_more();
}

SQ_WASM_ASYNC_CALLBACK(API, "squares")
uint32_t squares_callback(uint32_t event, uint32_t waitable, uint32_t payload)
{
    if (event == SQ_WASM_EVENT_TASK_CANCELLED) {
        /* What the cancelled write had moved counts too (CANCELLED | n). */
        next_n += SQ_WASM_COPY_COUNT(out_cancel_write(writable));
        out_drop_writable(writable);
        sq_wasm_waitable_set_drop(set);
        task_cancel();
        return SQ_WASM_CALLBACK_EXIT;
    }
    if (event != SQ_WASM_EVENT_STREAM_WRITE || waitable != writable) {
        __builtin_trap();
    }
    next_n += SQ_WASM_COPY_COUNT(payload);
    return write_more();
}

SQ_WASM_EXPORT_SYNC(API, "readable") uint32_t squares_readable(void) { return readable_end; }
SQ_WASM_EXPORT_SYNC(API, "made") uint32_t squares_made(void) { return next_n; }

/* One parameter block at a time: a static arena is enough. */
static _Alignas(8) uint8_t arena[64];

SQ_WASM_EXPORT("cabi_realloc")
void *cabi_realloc(void *old, uint32_t old_size, uint32_t align, uint32_t new_size)
{
    (void)old;
    (void)old_size;
    return new_size <= sizeof arena && align <= 8u ? arena : (void *)0;
}
