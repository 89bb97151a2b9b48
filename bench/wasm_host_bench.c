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
 *   BENCH <c|wasm> <batch> <instructions per reading>
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
 * Usage (host): wasm_host_bench wasm|c <batch>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/thread.h>
#include "glue.h"

#define ELEMENTS 65536u
#define PAGE 65536u
#define C_READ_AT 0x8000u  /* the C path's buffers and event, in the guests' memories */
#define C_EVENT_AT 0xf000u

SQ_P3_RUNTIME_DEFINE(runtime, 2u, 2u, 1u, 1u);
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

static uint32_t batch, arg, word;
static bool wasm;

static void fail(const char *what)
{
    fprintf(stderr, "wasm_host_bench: %s\n", what);
    exit(1);
}

static void call_open(void *ctx) { *(uint32_t *)ctx = sq_wasm_sensor_example_sensor_source_open(&sensor); }
static void call_listen(void *ctx) { sq_wasm_sink_example_sensor_sink_listen(&sink, *(uint32_t *)ctx); }
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

static uint32_t c_r, c_w, c_s;

static unsigned c_transfer(uint32_t n)
{
    uint32_t res = 0u, code = 0u, payload = 0u;
    unsigned bad = 0u;
    bad |= sq_p3_stream_read(&sink_g.thread, &reading_type, c_r, C_READ_AT, n, true, &res) != SQ_OK;
    bad |= res != SQ_P3_BLOCKED;
    bad |= sq_p3_stream_write(&sensor_g.thread, &reading_type, c_w, C_READ_AT, n, true, &res) !=
           SQ_OK;
    bad |= res != SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, n);
    bad |= sq_p3_waitable_set_wait(&sink_g.thread, c_s, C_EVENT_AT, &code) != SQ_OK;
    memcpy(&payload, sink_memory + C_EVENT_AT + 4u, 4u);
    bad |= code != SQ_P3_EVENT_STREAM_READ ||
           payload != SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, n);
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

#ifdef SQ_WASM_BENCH_TARGET
/* The target image links the example's glue, which also covers rogue.wasm. */
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_rogue);

#define BENCH_TICK_T sq_tick_t
#define BENCH_TICKS() sq_kernel_now()
#include "systick_clock.h"

SQ_THREAD_DEFINE(bench_thread, 8192u);

static void bench_main(void *arg)
{
    (void)arg;
    uint32_t t0 = clock_now();
    spin2(1000000u);
    uint32_t counts = clock_now() - t0;
    /* Instructions per count, tenths: 400 (40.0) on the an385 under -icount. */
    uint32_t ipc10 = (20000000u + counts / 2u) / counts;
    printf("INFO instructions_per_count %u.%u\n", (unsigned)(ipc10 / 10u),
           (unsigned)(ipc10 % 10u));
    setup();
    static const uint32_t batches[] = {1u, 16u, 256u};
    for (uint32_t i = 0u; i < 3u; i++) {
        for (uint32_t m = 0u; m < 2u; m++) {
            batch = batches[i];
            wasm = m == 1u;
            t0 = clock_now();
            unsigned bad = bench_loop();
            uint64_t instr = (uint64_t)(clock_now() - t0) * ipc10;
            /* hundredths of an instruction per reading */
            uint32_t per = (uint32_t)((instr * 10u + ELEMENTS / 2u) / ELEMENTS);
            printf("BENCH %s %u %u.%02u%s\n", wasm ? "wasm" : "c", (unsigned)batch,
                   (unsigned)(per / 100u), (unsigned)(per % 100u), bad ? " FAIL" : "");
        }
    }
}

int main(void)
{
    if (sq_kernel_init() != SQ_OK ||
        sq_thread_start(&bench_thread, bench_main, NULL, 3u, 0u) != SQ_OK ||
        sq_kernel_run() != SQ_OK) {
        fail("kernel");
    }
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
    if (argc != 3 || (strcmp(argv[1], "wasm") != 0 && strcmp(argv[1], "c") != 0)) {
        fail("usage: wasm_host_bench wasm|c <batch>");
    }
    wasm = strcmp(argv[1], "wasm") == 0;
    batch = (uint32_t)strtoul(argv[2], NULL, 0);
    if (batch == 0u || batch > 256u || ELEMENTS % batch != 0u) {
        fail("batch: 1 .. 256, dividing 65536");
    }
    if (sq_kernel_init() != SQ_OK || sq_kernel_run() != SQ_OK) {
        fail("kernel");
    }
    return 0;
}
#endif
