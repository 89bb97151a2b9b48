/*
 * Instructions per element of a guest-to-guest stream copy between the
 * real wasm guests (examples/wasm/sensor.c, sink.c, through wasm2c and the
 * generated glue) next to the same copy made by C calling the built-ins
 * on the same two instances: bench/wasm_bench.sh runs it under callgrind
 * on bench/null_port.c, only bench_loop counted, as bench/run.sh does
 * p3_host_bench; and, built as wasm_bench.elf (SQ_WASM_BENCH_TARGET,
 * port/cortex-m/target.cmake), under QEMU with -icount shift=0, where
 * SysTick counts instructions (1 count = P instructions, calibrated as in
 * bench/kernel_bench.c) and the image prints one line per path and batch:
 *   BENCH <c|wasm|c-threads|wasm-threads> <batch> <instructions per reading>
 * (the `-threads` paths: each side on a kernel thread of its own, below).
 * Built with SQ_WASM_BENCH_THREADS on the host port instead of the null
 * one, it runs one round of a `-threads` path (wasm_host_threads_bench).
 *
 * Per batch, as p3_host_bench's `copy`: the sink's async read blocks, the
 * sensor's async write copies the batch from its memory into the sink's
 * and completes, the sink's waitable-set.wait delivers the read's event.
 *   wasm <batch>: sink.post(batch), sensor.push(batch), sink.collect(),
 *                 each export entered through sq_wasm_call;
 *   c <batch>:    sq_p3_stream_read/write and sq_p3_waitable_set_wait
 *                 called by C on the guests' threads, buffers in their
 *                 memories.
 * Every result word is checked. ELEMENTS readings of 8 bytes.
 *
 * Usage (host): wasm_host_bench wasm|c <batch>, and the same for
 * wasm_host_threads_bench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/sem.h>
#include <squall/thread.h>
#include "glue.h"

#define ELEMENTS 65536u
#define PAGE 65536u
#define C_READ_AT 0x8000u  /* the C path's buffers and event, in the guests' memories */
#define C_EVENT_AT 0xf000u

/* Sets: the reader's and, for the target's threads, the writer's, per path. */
SQ_P3_RUNTIME_DEFINE(runtime, 2u, 4u, 1u, 1u);
SQ_P3_INSTANCE_DEFINE(sensor_p3, &runtime, 8u);
SQ_P3_INSTANCE_DEFINE(sink_p3, &runtime, 8u);
SQ_P3_TYPE_DEFINE(reading_type, SQ_P3_ELEM_PLAIN, 8u, 4u);
static _Alignas(8) uint8_t sensor_memory[PAGE];
static _Alignas(8) uint8_t sink_memory[PAGE];
static wasm_rt_funcref_t sensor_table[4], sink_table[4];
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_sensor);
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_sink);
static sq_wasm_sensor_t sensor;
static sq_wasm_sink_t sink;
static sq_wasm_guest_t sensor_g, sink_g;

static uint32_t batch;
static bool wasm;

static void fail(const char *what)
{
    fprintf(stderr, "wasm_host_bench: %s\n", what);
    exit(1);
}

static void call_open(void *ctx) { *(uint32_t *)ctx = sq_wasm_sensor_example_sensor_source_open(&sensor); }
static void call_listen(void *ctx) { sq_wasm_sink_example_sensor_sink_listen(&sink, *(uint32_t *)ctx); }

static uint32_t c_r, c_w, c_s;

/* Nonzero unless P3 thread t's next event in `set` (written at C_EVENT_AT
 * in `memory`) is `code` with n readings copied. */
static unsigned c_await(sq_p3_thread_t *t, uint32_t set, const uint8_t *memory, uint32_t code,
                        uint32_t n)
{
    uint32_t got = 0u, payload = 0u;
    unsigned bad = sq_p3_waitable_set_wait(t, set, C_EVENT_AT, &got) != SQ_OK;
    memcpy(&payload, memory + C_EVENT_AT + 4u, 4u);
    return bad | (got != code || payload != SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, n));
}

#ifndef SQ_WASM_BENCH_THREADS /* the loop with both sides on one thread */
static uint32_t arg, word; /* the exports' argument and result */

static void call_post(void *ctx) { (void)ctx; word = sq_wasm_sink_example_sensor_sink_post(&sink, arg); }
static void call_push(void *ctx) { (void)ctx; word = sq_wasm_sensor_example_sensor_source_push(&sensor, arg); }
static void call_collect(void *ctx) { (void)ctx; word = sq_wasm_sink_example_sensor_sink_collect(&sink); }

static unsigned wasm_transfer(uint32_t n)
{
    unsigned bad = 0u;
    arg = n;
    bad |= sq_wasm_call(&sink_g, call_post, NULL) != SQ_OK || word != SQ_P3_BLOCKED;
    bad |= sq_wasm_call(&sensor_g, call_push, NULL) != SQ_OK ||
           word != SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, n);
    bad |= sq_wasm_call(&sink_g, call_collect, NULL) != SQ_OK ||
           word != SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, n);
    return bad;
}

static unsigned c_transfer(uint32_t n)
{
    uint32_t res = 0u;
    unsigned bad = 0u;
    bad |= sq_p3_stream_read(&sink_g.thread, &reading_type, c_r, C_READ_AT, n, true, &res) != SQ_OK;
    bad |= res != SQ_P3_BLOCKED;
    bad |= sq_p3_stream_write(&sensor_g.thread, &reading_type, c_w, C_READ_AT, n, true, &res) !=
           SQ_OK;
    bad |= res != SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, n);
    bad |= c_await(&sink_g.thread, c_s, sink_memory, SQ_P3_EVENT_STREAM_READ, n);
    return bad;
}

__attribute__((noipa)) static unsigned bench_loop(void)
{
    unsigned bad = 0u;
    for (uint32_t done = 0u; done < ELEMENTS; done += batch) {
        bad |= wasm ? wasm_transfer(batch) : c_transfer(batch);
    }
    return bad;
}
#endif

static void setup(void)
{
    uint32_t readable = 0u, lifted = 0u;
    wasm_rt_init();
    sq_wasm_sensor_init_module();
    sq_wasm_sink_init_module();
    if (sq_p3_runtime_init(&runtime) != SQ_OK ||
        sq_wasm_guest_init(&sensor_g, &sensor_p3, sensor_memory, PAGE, sensor_table, 4u,
                           &sq_wasm_depth_sensor) != SQ_OK ||
        sq_wasm_guest_init(&sink_g, &sink_p3, sink_memory, PAGE, sink_table, 4u,
                           &sq_wasm_depth_sink) != SQ_OK) {
        fail("guests");
    }
    sq_wasm_instantiate_begin(&sensor_g);
    sq_wasm_sensor_instantiate(&sensor, &sensor_g);
    bool ok = sq_wasm_instantiate_end(&sensor_g) == SQ_OK;
    sq_wasm_instantiate_begin(&sink_g);
    sq_wasm_sink_instantiate(&sink, &sink_g);
    ok = ok && sq_wasm_instantiate_end(&sink_g) == SQ_OK;
    if (!ok) {
        fail("instantiate");
    }
    if (sq_wasm_call(&sensor_g, call_open, &readable) != SQ_OK ||
        sq_p3_end_transfer(&sensor_g.thread, &sink_p3, &reading_type, readable, &lifted) !=
            SQ_OK ||
        sq_wasm_call(&sink_g, call_listen, &lifted) != SQ_OK) {
        fail("wasm set-up");
    }
    /* The C path's own stream between the same instances. */
    uint64_t packed = 0u;
    if (sq_p3_stream_new(&sensor_g.thread, &reading_type, &packed) != SQ_OK ||
        sq_p3_end_transfer(&sensor_g.thread, &sink_p3, &reading_type, (uint32_t)packed, &c_r) !=
            SQ_OK ||
        sq_p3_waitable_set_new(&sink_g.thread, &c_s) != SQ_OK ||
        sq_p3_waitable_join(&sink_g.thread, c_r, c_s) != SQ_OK) {
        fail("c set-up");
    }
    c_w = (uint32_t)(packed >> 32);
}

#if defined(SQ_WASM_BENCH_TARGET) || defined(SQ_WASM_BENCH_THREADS)
SQ_THREAD_DEFINE(bench_thread, 8192u);

/*
 * The same transfer with each side on a kernel thread of its own, as a
 * deployment runs them: the writer (the sensor's instance) and the reader
 * (the sink's) each block in waitable-set.wait until the other side's
 * copy, so every write or read costs a thread switch. Per round the bench
 * thread gives each side its `go` and takes `round_done` twice; both sides
 * stay blocked between rounds, and return at a `go` with batch 0.
 *   wasm-threads <batch>: sensor.send(ELEMENTS, batch) and
 *                         sink.take(ELEMENTS, batch), one sq_wasm_call each;
 *   c-threads <batch>:    c_stream_all on each side.
 */
#define SIDE_STACK 16384u
SQ_THREAD_DEFINE(writer_thread, SIDE_STACK);
SQ_THREAD_DEFINE(reader_thread, SIDE_STACK);
SQ_SEM_DEFINE(go_writer, 0u, 1u);
SQ_SEM_DEFINE(go_reader, 0u, 1u);
SQ_SEM_DEFINE(round_done, 0u, 2u);
static uint32_t c_ws;          /* the C writer's waitable set, with c_w in it */
static unsigned side_bad[2];   /* writer, reader: nonzero after a wrong copy */

static void call_send(void *ctx)
{
    *(uint32_t *)ctx = sq_wasm_sensor_example_sensor_source_send(&sensor, ELEMENTS, batch);
}

static void call_take(void *ctx)
{
    *(uint32_t *)ctx = sq_wasm_sink_example_sensor_sink_take(&sink, ELEMENTS, batch);
}

/* ELEMENTS readings through `end` of P3 thread t, `batch` per async copy,
 * waiting in `set` for each copy the other side has not met yet. */
static unsigned c_stream_all(sq_p3_thread_t *t, bool writer, uint32_t end, uint32_t set,
                             const uint8_t *memory)
{
    unsigned bad = 0u;
    for (uint32_t done = 0u; done < ELEMENTS; done += batch) {
        uint32_t res = 0u;
        sq_status_t st =
            writer ? sq_p3_stream_write(t, &reading_type, end, C_READ_AT, batch, true, &res)
                   : sq_p3_stream_read(t, &reading_type, end, C_READ_AT, batch, true, &res);
        bad |= st != SQ_OK;
        if (res == SQ_P3_BLOCKED) {
            bad |= c_await(t, set, memory,
                           writer ? SQ_P3_EVENT_STREAM_WRITE : SQ_P3_EVENT_STREAM_READ, batch);
        } else {
            bad |= res != SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, batch);
        }
    }
    return bad;
}

/* One round of one side (host: what callgrind counts, in both threads). */
__attribute__((noipa)) static unsigned side_round(bool writer)
{
    sq_wasm_guest_t *g = writer ? &sensor_g : &sink_g;
    if (wasm) {
        uint32_t moved = 0u;
        unsigned bad = sq_wasm_call(g, writer ? call_send : call_take, &moved) != SQ_OK;
        return bad | (moved != ELEMENTS);
    }
    return c_stream_all(&g->thread, writer, writer ? c_w : c_r, writer ? c_ws : c_s, g->region);
}

static void side_main(void *arg)
{
    const bool writer = arg == &writer_thread;
    for (;;) {
        unsigned bad = sq_sem_take(writer ? &go_writer : &go_reader, SQ_FOREVER) != SQ_OK;
        if (batch == 0u) {
            return; /* the bench is over */
        }
        side_bad[writer ? 0 : 1] |= bad | side_round(writer);
        (void)sq_sem_give(&round_done);
    }
}

/* Starts the two sides, above the bench thread's priority. */
static bool start_sides(void)
{
    return sq_p3_waitable_set_new(&sensor_g.thread, &c_ws) == SQ_OK &&
           sq_p3_waitable_join(&sensor_g.thread, c_w, c_ws) == SQ_OK &&
           sq_thread_start(&writer_thread, side_main, &writer_thread, 2u, 0u) == SQ_OK &&
           sq_thread_start(&reader_thread, side_main, &reader_thread, 2u, 0u) == SQ_OK;
}

static unsigned threads_round(void)
{
    unsigned bad = sq_sem_give(&go_writer) != SQ_OK;
    bad |= sq_sem_give(&go_reader) != SQ_OK;
    bad |= sq_sem_take(&round_done, SQ_FOREVER) != SQ_OK;
    bad |= sq_sem_take(&round_done, SQ_FOREVER) != SQ_OK;
    return bad | side_bad[0] | side_bad[1];
}

static void end_sides(void)
{
    batch = 0u;
    (void)sq_sem_give(&go_writer);
    (void)sq_sem_give(&go_reader);
}

static void bench_main(void *arg);

/* The kernel, running bench_main on a thread below the sides' priority. */
static void run_bench_thread(void)
{
    if (sq_kernel_init() != SQ_OK ||
        sq_thread_start(&bench_thread, bench_main, NULL, 3u, 0u) != SQ_OK ||
        sq_kernel_run() != SQ_OK) {
        fail("kernel");
    }
}
#endif

#ifdef SQ_WASM_BENCH_TARGET
/* The target image links the example's glue, which also covers rogue.wasm. */
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_rogue);

#define BENCH_TICK_T sq_tick_t
#define BENCH_TICKS() sq_kernel_now()
#include "systick_clock.h"

static uint32_t ipc10;

/* Every batch, C then wasm: `run` once and one BENCH line each, the
 * instructions per reading, the kind named c<suffix> or wasm<suffix>. */
static void measure(unsigned (*run)(void), const char *suffix)
{
    static const uint32_t batches[] = {1u, 16u, 256u};
    for (uint32_t i = 0u; i < 3u; i++) {
        for (uint32_t m = 0u; m < 2u; m++) {
            batch = batches[i];
            wasm = m == 1u;
            uint32_t t0 = clock_now();
            unsigned bad = run();
            uint64_t instr = (uint64_t)(clock_now() - t0) * ipc10;
            /* hundredths of an instruction per reading */
            uint32_t per = (uint32_t)((instr * 10u + ELEMENTS / 2u) / ELEMENTS);
            printf("BENCH %s%s %u %u.%02u%s\n", wasm ? "wasm" : "c", suffix, (unsigned)batch,
                   (unsigned)(per / 100u), (unsigned)(per % 100u), bad ? " FAIL" : "");
        }
    }
}

static void bench_main(void *arg)
{
    (void)arg;
    uint32_t t0 = clock_now();
    spin2(1000000u);
    uint32_t counts = clock_now() - t0;
    /* Instructions per count, tenths: 400 (40.0) on the an385 under -icount. */
    ipc10 = (20000000u + counts / 2u) / counts;
    printf("INFO instructions_per_count %u.%u\n", (unsigned)(ipc10 / 10u),
           (unsigned)(ipc10 % 10u));
    setup();
    measure(bench_loop, "");
    if (!start_sides()) {
        fail("sides");
    }
    measure(threads_round, "-threads");
    end_sides();
}

int main(void)
{
    run_bench_thread();
    return 0;
}
#else
/* wasm|c <batch>, into `wasm` and `batch`. */
static void parse_args(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "wasm") != 0 && strcmp(argv[1], "c") != 0)) {
        fail("usage: wasm_host_bench wasm|c <batch>");
    }
    wasm = strcmp(argv[1], "wasm") == 0;
    batch = (uint32_t)strtoul(argv[2], NULL, 0);
    if (batch == 0u || batch > 256u || ELEMENTS % batch != 0u) {
        fail("batch: 1 .. 256, dividing 65536");
    }
}

#ifdef SQ_WASM_BENCH_THREADS
/* On the host port (pthreads, each kernel thread a pthread handing a baton
 * to the next at a switch): one round per process, callgrind counting
 * side_round in both threads. */
static void bench_main(void *arg)
{
    (void)arg;
    setup();
    if (!start_sides()) {
        fail("sides");
    }
    unsigned bad = threads_round();
    end_sides();
    if (bad != 0u) {
        fail("a copy went wrong");
    }
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    run_bench_thread();
    return 0;
}
#else
/* Runs as the idle thread of the null port: nothing blocks. */
void bench_script(void);
void bench_script(void)
{
    setup();
    if (bench_loop() != 0u) {
        fail("a copy went wrong");
    }
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (sq_kernel_init() != SQ_OK || sq_kernel_run() != SQ_OK) {
        fail("kernel");
    }
    return 0;
}
#endif
#endif
