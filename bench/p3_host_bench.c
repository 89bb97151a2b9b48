/*
 * Instruction counts of the P3 built-ins on the host, on bench/null_port.c,
 * run by bench/run.sh under callgrind. Two component instances of one
 * runtime, each with its own linear memory: a stream written in instance
 * a and read in instance b, whose readable end is in a waitable set of b.
 *
 *   copy <size> <batch>     a guest-to-guest stream copy, ELEMENTS
 *                           elements of <size> bytes in batches of
 *                           <batch>: per batch, b's async read blocks
 *                           (nobody writes yet), a's async write arrives,
 *                           copies the batch from a's memory into b's and
 *                           completes, and b's waitable-set.wait delivers
 *                           the read's event. Run with only bench_loop
 *                           counted.
 *   memcpy <size> <batch>   the floor: the same bytes, batch by batch,
 *                           with one memcpy of a run-time size from a's
 *                           memory into b's, in bench_loop.
 *   block <members>         OPS times: b's async read of one 4-byte
 *                           element blocks, a's write completes it, and
 *                           b's wait on its set of <members> members (the
 *                           readable end and idle ends of other streams)
 *                           delivers the event. Run with one built-in
 *                           counted at a time (sq_p3_stream_read,
 *                           sq_p3_stream_write, sq_p3_waitable_set_wait):
 *                           each is called exactly OPS times.
 *   masked <bytes>          built with SQ_BENCH_MASKED (null_port.c): a
 *                           few rendezvous as in block, of <bytes> 1-byte
 *                           elements, every critical section one
 *                           callgrind dump named after the built-in it is
 *                           in; bench/run.sh reports the longest.
 *
 * Every result word and event is checked, and the copied bytes compared,
 * so a run that did not move what it claims fails.
 *
 * Usage: p3_host_bench copy|memcpy <size> <batch> | block <members> | masked <bytes>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/p3_runtime.h>

#define ELEMENTS 65536u
#define OPS 100000u
#define MAX_BATCH 256u
#define MAX_SIZE 64u
#define MAX_MEMBERS 1024u
#define BUFFER_BYTES (MAX_BATCH * MAX_SIZE)
/* Where b's wait stores its event: after the buffer. */
#define EVENT_AT BUFFER_BYTES
#define MEMORY_BYTES (BUFFER_BYTES + 8u)
/* b's table: the readable end and the set, and both ends of the streams
 * whose ends fill the set; a's: the measured stream's writable end. */
#define FILL_STREAMS (MAX_MEMBERS / 2u)
#define HANDLES (2u * FILL_STREAMS + 4u)
#define MASKED_OPS 4u

#ifdef SQ_BENCH_MASKED
extern const char *bench_phase;
#define PHASE(name) (bench_phase = (name))
#else
#define PHASE(name) ((void)0)
#endif

SQ_P3_RUNTIME_DEFINE(rt, FILL_STREAMS + 1u, 1u, MAX_MEMBERS, 1u);
SQ_P3_INSTANCE_DEFINE(inst_a, &rt, 4u);
SQ_P3_INSTANCE_DEFINE(inst_b, &rt, HANDLES);
static _Alignas(8) uint8_t mem_a[MEMORY_BYTES];
static _Alignas(8) uint8_t mem_b[MEMORY_BYTES];
static sq_p3_thread_t ta, tb;

SQ_P3_TYPE_DEFINE(t_u8, SQ_P3_ELEM_NUMBER, 1u, 1u);
SQ_P3_TYPE_DEFINE(t_u32, SQ_P3_ELEM_NUMBER, 4u, 4u);
SQ_P3_TYPE_DEFINE(t_rec16, SQ_P3_ELEM_PLAIN, 16u, 4u);
SQ_P3_TYPE_DEFINE(t_rec64, SQ_P3_ELEM_PLAIN, 64u, 4u);

enum mode { COPY, MEMCPY, BLOCK, MASKED, MODES };
static const char *const mode_names[MODES] = {"copy", "memcpy", "block", "masked"};
static enum mode mode;
static uint32_t size, batch, members;
/* The copy size, read through a volatile so that the floor's memcpy is a
 * real call of a run-time size (as in ring_bench.c). */
static volatile uint32_t volatile_bytes;

static void fail(const char *what)
{
    fprintf(stderr, "p3_host_bench: %s\n", what);
    exit(1);
}

static uint32_t load32(const uint8_t *at)
{
    return (uint32_t)at[0] | ((uint32_t)at[1] << 8) | ((uint32_t)at[2] << 16) |
           ((uint32_t)at[3] << 24);
}

/* One blocked read completed by a write and delivered through the set:
 * `n` elements of `type`, the event checked. Returns 0, or 1 on any
 * departure. */
static unsigned transfer(const sq_p3_type_t *type, uint32_t r, uint32_t w, uint32_t s,
                         uint32_t n)
{
    uint32_t res = 0u, code = 0u;
    unsigned bad = 0u;
    PHASE("stream.read");
    bad |= sq_p3_stream_read(&tb, type, r, 0u, n, true, &res) != SQ_OK;
    bad |= res != SQ_P3_BLOCKED;
    PHASE("stream.write");
    bad |= sq_p3_stream_write(&ta, type, w, 0u, n, true, &res) != SQ_OK;
    bad |= res != SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, n);
    PHASE("waitable-set.wait");
    bad |= sq_p3_waitable_set_wait(&tb, s, EVENT_AT, &code) != SQ_OK;
    bad |= code != SQ_P3_EVENT_STREAM_READ || load32(mem_b + EVENT_AT) != r;
    bad |= load32(mem_b + EVENT_AT + 4u) != SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, n);
    return bad;
}

__attribute__((noipa)) static unsigned bench_loop(const sq_p3_type_t *type, uint32_t r,
                                                     uint32_t w, uint32_t s)
{
    unsigned bad = 0u;
    if (mode == MEMCPY) {
        uint32_t bytes = volatile_bytes;
        for (uint32_t done = 0u; done < ELEMENTS; done += batch) {
            memcpy(mem_b, mem_a, bytes);
        }
        return bad;
    }
    for (uint32_t done = 0u; done < ELEMENTS; done += batch) {
        bad |= transfer(type, r, w, s, batch);
    }
    return bad;
}

/* The readable end in b, in set s of b; the writable end in a. */
static void setup(const sq_p3_type_t *type, uint32_t *r, uint32_t *w, uint32_t *s)
{
    uint64_t packed = 0u;
    uint32_t ra = 0u;
    if (sq_p3_runtime_init(&rt) != SQ_OK ||
        sq_p3_instance_init(&inst_a, &rt, inst_a_slots, 4u, mem_a, MEMORY_BYTES) != SQ_OK ||
        sq_p3_instance_init(&inst_b, &rt, inst_b_slots, HANDLES, mem_b, MEMORY_BYTES) != SQ_OK ||
        sq_p3_thread_init(&ta, &inst_a) != SQ_OK || sq_p3_thread_init(&tb, &inst_b) != SQ_OK ||
        sq_p3_waitable_set_new(&tb, s) != SQ_OK ||
        sq_p3_stream_new(&ta, type, &packed) != SQ_OK) {
        fail("set-up");
    }
    ra = (uint32_t)packed;
    *w = (uint32_t)(packed >> 32);
    if (sq_p3_end_transfer(&ta, &inst_b, type, ra, r) != SQ_OK ||
        sq_p3_waitable_join(&tb, *r, *s) != SQ_OK) {
        fail("transfer");
    }
}

/* Fill set s up to `members` members with idle ends of streams of b's. */
static void fill_set(uint32_t s)
{
    uint32_t joined = 1u;
    while (joined < members) {
        uint64_t packed = 0u;
        if (sq_p3_stream_new(&tb, &t_u8, &packed) != SQ_OK) {
            fail("filler stream");
        }
        const uint32_t ends[2] = {(uint32_t)packed, (uint32_t)(packed >> 32)};
        for (uint32_t i = 0u; i < 2u && joined < members; i++, joined++) {
            if (sq_p3_waitable_join(&tb, ends[i], s) != SQ_OK) {
                fail("filler join");
            }
        }
    }
}

/* Runs as the idle thread (null port): nothing here blocks, a wait finds
 * its event pending. */
void bench_script(void);
void bench_script(void)
{
    uint32_t r = 0u, w = 0u, s = 0u;
    const sq_p3_type_t *type = size == 1u ? &t_u8 : size == 16u ? &t_rec16 : &t_rec64;
    if (mode == BLOCK) {
        type = &t_u32;
    } else if (mode == MASKED) {
        type = &t_u8;
    }
    setup(type, &r, &w, &s);
    for (uint32_t i = 0u; i < MEMORY_BYTES; i++) {
        mem_a[i] = (uint8_t)(i * 7u + 1u);
    }
    unsigned bad = 0u;
    if (mode == BLOCK) {
        fill_set(s);
        for (uint32_t i = 0u; i < OPS; i++) {
            bad |= transfer(type, r, w, s, 1u);
        }
    } else if (mode == MASKED) {
        for (uint32_t i = 0u; i < MASKED_OPS; i++) {
            bad |= transfer(type, r, w, s, size);
        }
        PHASE("end");
    } else {
        bad = bench_loop(type, r, w, s);
    }
    uint32_t bytes = mode == BLOCK ? 4u : mode == MASKED ? size : batch * size;
    if (bad != 0u || memcmp(mem_b, mem_a, bytes) != 0 ||
        (bytes < BUFFER_BYTES && mem_b[bytes] != 0u) ||
        sq_p3_instance_trap(&inst_a) != SQ_P3_TRAP_NONE ||
        sq_p3_instance_trap(&inst_b) != SQ_P3_TRAP_NONE) {
        fail("a copy went wrong");
    }
}

int main(int argc, char **argv)
{
    mode = MODES;
    for (int m = 0; argc >= 2 && m < MODES; m++) {
        if (strcmp(argv[1], mode_names[m]) == 0) {
            mode = (enum mode)m;
        }
    }
    if (mode == BLOCK && argc == 3) {
        members = (uint32_t)strtoul(argv[2], NULL, 10);
        if (members < 1u || members > MAX_MEMBERS) {
            fail("members out of range");
        }
    } else if (mode == MASKED && argc == 3) {
        size = (uint32_t)strtoul(argv[2], NULL, 10);
        if (size < 1u || size > BUFFER_BYTES) {
            fail("bytes 1 .. 16384");
        }
    } else if ((mode == COPY || mode == MEMCPY) && argc == 4) {
        size = (uint32_t)strtoul(argv[2], NULL, 10);
        batch = (uint32_t)strtoul(argv[3], NULL, 10);
        if ((size != 1u && size != 16u && size != 64u) || batch < 1u || batch > MAX_BATCH ||
            ELEMENTS % batch != 0u) {
            fail("size 1, 16 or 64; batch 1 .. 256 dividing 65536");
        }
        volatile_bytes = size * batch;
    } else {
        fprintf(stderr, "usage: p3_host_bench copy|memcpy <size> <batch> | block <members> | "
                        "masked <bytes>\n");
        return 2;
    }
    if (sq_kernel_init() != SQ_OK || sq_kernel_run() != SQ_OK) {
        fail("kernel run");
    }
    printf("%s: done\n", mode_names[mode]);
    return 0;
}
