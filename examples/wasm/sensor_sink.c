/*
 * The embedder of two real wasm guests (sensor.c, sink.c): compiled by
 * clang --target=wasm32, translated to C by wasm2c, linked with the glue
 * tools/wasm_glue.py generated and squall. Each guest has its own P3
 * instance (handle table), linear memory (a static region) and kernel
 * thread; the sensor's `open` makes a stream<reading>, the embedder lifts
 * its readable end into the sink (sq_p3_end_transfer, what passing it as
 * `consume`'s argument does), and the two run: the sensor writes with
 * async stream.write, the sink reads with async stream.read, each waiting
 * in its own waitable set; squall copies straight from the sensor's
 * memory into the sink's.
 *
 * Usage: sensor_sink [readings]   (default 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <squall/p3_runtime.h>
#include <squall/thread.h>
#include "glue.h"

#define PAGE 65536u
#define HANDLES 8u
#define TABLE_SLOTS 4u

SQ_P3_RUNTIME_DEFINE(runtime, 1u, 2u, 1u, 1u);
SQ_P3_INSTANCE_DEFINE(sensor_p3, &runtime, HANDLES);
SQ_P3_INSTANCE_DEFINE(sink_p3, &runtime, HANDLES);
/* record reading { seq: u32, value: s32 } */
SQ_P3_TYPE_DEFINE(reading_type, SQ_P3_ELEM_PLAIN, 8u, 4u);

static _Alignas(8) uint8_t sensor_memory[PAGE];
static _Alignas(8) uint8_t sink_memory[PAGE];
static wasm_rt_funcref_t sensor_table[TABLE_SLOTS], sink_table[TABLE_SLOTS];
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_sensor);
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_sink);

static sq_wasm_sensor_t sensor;
static sq_wasm_sink_t sink;
static sq_wasm_guest_t sensor_g, sink_g;

SQ_THREAD_DEFINE(sensor_thread, 16384u);
SQ_THREAD_DEFINE(sink_thread, 16384u);

static uint32_t readings = 1000u;
static uint32_t readable, sunk_end, sent, received;
static int32_t sum, lowest, highest;
static sq_status_t sensor_status = SQ_ERR_STATE, sink_status = SQ_ERR_STATE;

static void call_open(void *ctx)
{
    (void)ctx;
    readable = sq_wasm_sensor_example_sensor_source_open(&sensor);
}

static void call_run(void *ctx)
{
    (void)ctx;
    sent = sq_wasm_sensor_example_sensor_source_run(&sensor, readings);
}

static void call_consume(void *ctx)
{
    (void)ctx;
    received = sq_wasm_sink_example_sensor_sink_consume(&sink, sunk_end);
}

static void call_tally(void *ctx)
{
    (void)ctx;
    sum = (int32_t)sq_wasm_sink_example_sensor_sink_sum(&sink);
    lowest = (int32_t)sq_wasm_sink_example_sensor_sink_min(&sink);
    highest = (int32_t)sq_wasm_sink_example_sensor_sink_max(&sink);
}

static void sensor_main(void *arg)
{
    (void)arg;
    sensor_status = sq_wasm_call(&sensor_g, call_run, NULL);
}

static void sink_main(void *arg)
{
    (void)arg;
    sink_status = sq_wasm_call(&sink_g, call_consume, NULL);
}

static bool instantiate(void)
{
    wasm_rt_init();
    sq_wasm_sensor_init_module();
    sq_wasm_sink_init_module();
    if (sq_wasm_guest_init(&sensor_g, &sensor_p3, sensor_memory, sizeof sensor_memory,
                           sensor_table, TABLE_SLOTS, &sq_wasm_depth_sensor) != SQ_OK ||
        sq_wasm_guest_init(&sink_g, &sink_p3, sink_memory, sizeof sink_memory, sink_table,
                           TABLE_SLOTS, &sq_wasm_depth_sink) != SQ_OK) {
        return false;
    }
    sq_wasm_instantiate_begin(&sensor_g);
    sq_wasm_sensor_instantiate(&sensor, &sensor_g);
    if (sq_wasm_instantiate_end(&sensor_g) != SQ_OK) {
        return false;
    }
    sq_wasm_instantiate_begin(&sink_g);
    sq_wasm_sink_instantiate(&sink, &sink_g);
    return sq_wasm_instantiate_end(&sink_g) == SQ_OK;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        readings = (uint32_t)strtoul(argv[1], NULL, 0);
    }
    printf("squall wasm guests: sensor.wasm and sink.wasm (clang --target=wasm32, wasm2c),\n"
           "each with its own P3 instance, 64 KiB linear memory and kernel thread\n");
    if (sq_kernel_init() != SQ_OK || sq_p3_runtime_init(&runtime) != SQ_OK || !instantiate() ||
        sq_wasm_call(&sensor_g, call_open, NULL) != SQ_OK ||
        sq_p3_end_transfer(&sensor_g.thread, &sink_p3, &reading_type, readable, &sunk_end) !=
            SQ_OK ||
        sq_thread_start(&sensor_thread, sensor_main, NULL, 3u, 0u) != SQ_OK ||
        sq_thread_start(&sink_thread, sink_main, NULL, 3u, 0u) != SQ_OK ||
        sq_kernel_run() != SQ_OK) {
        printf("set-up failed\n");
        return 1;
    }
    printf("sensor: open gave readable end %u, lifted into the sink as %u\n", (unsigned)readable,
           (unsigned)sunk_end);
    bool ran = sensor_status == SQ_OK && sink_status == SQ_OK &&
               sq_wasm_call(&sink_g, call_tally, NULL) == SQ_OK;
    printf("sensor: run(%u) wrote %u readings, then dropped its end\n", (unsigned)readings,
           (unsigned)sent);
    printf("sink: consume took %u readings in order until DROPPED: sum %d, min %d, max %d\n",
           (unsigned)received, (int)sum, (int)lowest, (int)highest);
    bool clean = sq_p3_instance_trap(&sensor_p3) == SQ_P3_TRAP_NONE &&
                 sq_p3_instance_trap(&sink_p3) == SQ_P3_TRAP_NONE &&
                 sq_p3_handle_count(&sensor_p3.handles) == 0u &&
                 sq_p3_handle_count(&sink_p3.handles) == 0u && runtime.channels.used == 0u &&
                 runtime.sets.used == 0u;
    bool ok = ran && clean && sent == readings && received == readings;
    printf("%s\n", ok ? "no trap, every handle and object given back" : "FAILED");
    if (!ok) {
        printf("sensor %d/%u/%u, sink %d/%u/%u\n", (int)sensor_status,
               (unsigned)sq_p3_instance_trap(&sensor_p3), (unsigned)sensor_g.wasm_trap,
               (int)sink_status, (unsigned)sq_p3_instance_trap(&sink_p3),
               (unsigned)sink_g.wasm_trap);
    }
    return ok ? 0 : 1;
}
