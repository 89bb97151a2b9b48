/*
 * A guest that misbehaves on purpose (compiled with clang --target=wasm32):
 * `misbehave(kind)` breaks one rule, each kind in an instance of its own
 * (a trap poisons the instance). The embedder shows each trap's reason and
 * that the other guests go on.
 *   0  a store outside its linear memory         wasm trap: out of bounds
 *   1  waitable.join of a handle it never had    P3 trap: BAD_HANDLE
 *   2  stream.write from a buffer past its memory P3 trap: BOUNDS
 *   3  drop of a stream end while it is copying  P3 trap: BUSY
 *   4  unbounded recursion                       wasm trap: call stack exhausted
 *   5  unreachable                               wasm trap: unreachable
 */
#include <squall/wasm_guest.h>

#define ROGUE "example:sensor/rogue"

typedef struct reading {
    uint32_t seq;
    int32_t value;
} reading_t;

SQ_WASM_STREAM_IMPORTS(bad, "[export]" ROGUE, "misbehave", 0);

static reading_t one;
/* Read through volatiles so that clang keeps the store and the recursion
 * (a call_indirect through the module's table: no loop can replace it). */
static volatile uint32_t far = 0x10000u;
static uint32_t deeper(uint32_t n);
static uint32_t (*volatile next)(uint32_t) = deeper;

static uint32_t deeper(uint32_t n)
{
    return next(n + 1u) + 1u;
}

SQ_WASM_EXPORT_SYNC(ROGUE, "misbehave")
uint32_t rogue_misbehave(uint32_t kind)
{
    uint64_t ends;
    switch (kind) {
    case 0u:
        *(volatile uint32_t *)(uintptr_t)far = 1u;
        break;
    case 1u:
        sq_wasm_waitable_join(77u, 0u);
        break;
    case 2u:
        ends = bad_new();
        return bad_write(SQ_WASM_WRITABLE(ends), (const void *)(uintptr_t)(far - 4u), 2u);
    case 3u:
        ends = bad_new();
        if (bad_write(SQ_WASM_WRITABLE(ends), &one, 1u) == SQ_WASM_BLOCKED) {
            bad_drop_writable(SQ_WASM_WRITABLE(ends));
        }
        break;
    case 4u:
        return deeper(1u);
    default:
        __builtin_trap(); /* wasm's unreachable */
    }
    return kind;
}
