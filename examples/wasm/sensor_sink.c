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
 * First, six instances of rogue.c each break one rule (a store outside
 * linear memory, a bad handle, a buffer out of bounds, a drop while
 * copying, unbounded recursion, unreachable): each trap is reported with
 * its reason, poisons only that instance, and the sensor and sink then run
 * as if nothing had happened. The rogues have a P3 runtime of their own,
 * so the pair's pools are checked for leaks on their own.
 *
 * With SQ_WASM_MPU (the Cortex-M images) each of the eight linear memories
 * is the one partition of a memory domain of its own, and at the end an
 * unprivileged thread in each guest's domain in turn stores into the next
 * guest's memory, which the MPU stops (linear_mpu.c).
 */
#include <stdio.h>
#include <squall/p3_runtime.h>
#include <squall/thread.h>
#include "glue.h"
#include "linear_mpu.h"

#define PAGE 65536u
#define HANDLES 8u
#define TABLE_SLOTS 4u

SQ_P3_RUNTIME_DEFINE(runtime, 1u, 2u, 1u, 1u);
SQ_P3_INSTANCE_DEFINE(sensor_p3, &runtime, HANDLES);
SQ_P3_INSTANCE_DEFINE(sink_p3, &runtime, HANDLES);
/* record reading { seq: u32, value: s32 } */
SQ_P3_TYPE_DEFINE(reading_type, SQ_P3_ELEM_PLAIN, 8u, 4u);

/* One MPU region each on Cortex-M (linear_mpu.h). */
static _Alignas(LINEAR_ALIGN) uint8_t sensor_memory[PAGE];
static _Alignas(LINEAR_ALIGN) uint8_t sink_memory[PAGE];
static wasm_rt_funcref_t sensor_table[TABLE_SLOTS], sink_table[TABLE_SLOTS];
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_sensor);
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_sink);

#define ROGUES 6u
SQ_P3_RUNTIME_DEFINE(rogue_runtime, ROGUES, 1u, 1u, 1u);
static sq_p3_instance_t rogue_p3[ROGUES];
static sq_p3_handle_slot_t rogue_slots[ROGUES][HANDLES];
static _Alignas(LINEAR_ALIGN) uint8_t rogue_memory[ROGUES][PAGE];
static wasm_rt_funcref_t rogue_table[ROGUES][TABLE_SLOTS];
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_rogue);
static sq_wasm_rogue_t rogue[ROGUES];
static sq_wasm_guest_t rogue_g[ROGUES];
static const char *const rogue_acts[ROGUES] = {
    "a store outside its linear memory", "waitable.join of a handle it never had",
    "stream.write from a buffer past its memory", "a drop of an end while it copies",
    "unbounded recursion", "unreachable"};

static sq_wasm_sensor_t sensor;
static sq_wasm_sink_t sink;
static sq_wasm_guest_t sensor_g, sink_g;

SQ_THREAD_DEFINE(sensor_thread, 16384u);
SQ_THREAD_DEFINE(sink_thread, 16384u);

#define READINGS 1000u
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
    sent = sq_wasm_sensor_example_sensor_source_run(&sensor, READINGS);
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

static void call_misbehave(void *ctx)
{
    uint32_t i = *(const uint32_t *)ctx;
    (void)sq_wasm_rogue_example_sensor_rogue_misbehave(&rogue[i], i);
}

static const char *wasm_trap_name(uint32_t code)
{
    switch (code) {
    case WASM_RT_TRAP_NONE: return "none";
    case WASM_RT_TRAP_OOB: return "out of bounds";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable";
    case WASM_RT_TRAP_CALL_INDIRECT: return "call_indirect";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
    default: return "other";
    }
}

static const char *p3_trap_name(sq_p3_trap_t reason)
{
    switch (reason) {
    case SQ_P3_TRAP_NONE: return "NONE";
    case SQ_P3_TRAP_GUEST: return "GUEST";
    case SQ_P3_TRAP_BAD_HANDLE: return "BAD_HANDLE";
    case SQ_P3_TRAP_BOUNDS: return "BOUNDS";
    case SQ_P3_TRAP_BUSY: return "BUSY";
    default: return "other";
    }
}

/* Each rogue breaks its rule in an instance of its own. True when each
 * trapped, with the expected reason, and its next call was refused. */
static bool run_rogues(void)
{
    static const uint32_t wasm_reason[ROGUES] = {
        WASM_RT_TRAP_OOB, WASM_RT_TRAP_NONE, WASM_RT_TRAP_NONE, WASM_RT_TRAP_NONE,
        WASM_RT_TRAP_EXHAUSTION, WASM_RT_TRAP_UNREACHABLE};
    static const sq_p3_trap_t p3_reason[ROGUES] = {
        SQ_P3_TRAP_GUEST, SQ_P3_TRAP_BAD_HANDLE, SQ_P3_TRAP_BOUNDS, SQ_P3_TRAP_BUSY,
        SQ_P3_TRAP_GUEST, SQ_P3_TRAP_GUEST};
    bool ok = sq_p3_runtime_init(&rogue_runtime) == SQ_OK;
    sq_wasm_rogue_init_module();
    for (uint32_t i = 0u; ok && i < ROGUES; i++) {
        ok = sq_p3_instance_init(&rogue_p3[i], &rogue_runtime, rogue_slots[i], HANDLES, NULL,
                                 0u) == SQ_OK &&
             sq_wasm_guest_init(&rogue_g[i], &rogue_p3[i], rogue_memory[i], PAGE,
                                rogue_table[i], TABLE_SLOTS, &sq_wasm_depth_rogue) == SQ_OK;
        if (!ok) {
            break;
        }
        sq_wasm_instantiate_begin(&rogue_g[i]);
        sq_wasm_rogue_instantiate(&rogue[i], &rogue_g[i]);
        sq_status_t first = sq_wasm_instantiate_end(&rogue_g[i]) == SQ_OK
                                ? sq_wasm_call(&rogue_g[i], call_misbehave, &i)
                                : SQ_ERR_STATE;
        sq_status_t again = sq_wasm_call(&rogue_g[i], call_misbehave, &i);
        sq_p3_trap_t reason = sq_p3_instance_trap(&rogue_p3[i]);
        printf("rogue %u, %s: trapped (wasm: %s, P3 instance: %s)%s\n", (unsigned)i,
               rogue_acts[i], wasm_trap_name(rogue_g[i].wasm_trap), p3_trap_name(reason),
               again == SQ_ERR_TRAP ? ", its next call refused" : "");
        ok = first == SQ_ERR_TRAP && again == SQ_ERR_TRAP &&
             rogue_g[i].wasm_trap == wasm_reason[i] && reason == p3_reason[i] &&
             sq_wasm_depth_rogue == 0u;
    }
    return ok;
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

#ifdef SQ_WASM_MPU
/* Each guest's linear memory the only partition of a domain of its own,
 * before the guests run (docs/WASM.md "Each linear memory an MPU
 * partition"); after them, an unprivileged thread in each guest's domain
 * in turn stores into its own memory and into the next guest's. */
#define GUESTS (2u + ROGUES)
static sq_mem_domain_t guest_domain[GUESTS];
static const char *const guest_name[GUESTS] = {"sensor", "sink",    "rogue 0", "rogue 1",
                                               "rogue 2", "rogue 3", "rogue 4", "rogue 5"};
static uint8_t *const guest_memory[GUESTS] = {sensor_memory,   sink_memory,     rogue_memory[0],
                                              rogue_memory[1], rogue_memory[2], rogue_memory[3],
                                              rogue_memory[4], rogue_memory[5]};
/* const: in the code image, which the unprivileged side may read. */
static const stray_plan_t ring_plan[GUESTS] = {
    STRAY_PLAN(sensor_memory, sink_memory),       STRAY_PLAN(sink_memory, rogue_memory[0]),
    STRAY_PLAN(rogue_memory[0], rogue_memory[1]), STRAY_PLAN(rogue_memory[1], rogue_memory[2]),
    STRAY_PLAN(rogue_memory[2], rogue_memory[3]), STRAY_PLAN(rogue_memory[3], rogue_memory[4]),
    STRAY_PLAN(rogue_memory[4], rogue_memory[5]), STRAY_PLAN(rogue_memory[5], sensor_memory)};
SQ_USER_THREAD_DEFINE(side, 512u);
SQ_THREAD_DEFINE(supervisor, 2048u);
static bool ring_ok;

static bool memory_domains(void)
{
    bool ok = true;
    for (uint32_t i = 0u; i < GUESTS; i++) {
        ok = ok && linear_domain(&guest_domain[i], guest_memory[i]);
    }
    return ok;
}

static void supervisor_main(void *arg)
{
    (void)arg;
    ring_ok = true;
    for (uint32_t i = 0u; i < GUESTS; i++) {
        ring_ok = stray_caught(&side, &guest_domain[i], &ring_plan[i], guest_name[i],
                               guest_name[(i + 1u) % GUESTS]) &&
                  ring_ok;
    }
}

/* A second run of the kernel, after the guests': the stray stores. */
static bool mpu_scenario(void)
{
    printf("every guest's linear memory (%u KiB) one MPU partition of its own domain\n",
           PAGE / 1024u);
    bool ok = sq_kernel_init() == SQ_OK &&
              sq_thread_start(&supervisor, supervisor_main, NULL, 2u, 0u) == SQ_OK &&
              sq_kernel_run() == SQ_OK && ring_ok;
    printf("sensor_sink, MPU: %s\n", ok ? "ok" : "FAILED");
    return ok;
}
#endif

int main(void)
{
    printf("squall wasm guests: sensor.wasm, sink.wasm and rogue.wasm (clang --target=wasm32,\n"
           "wasm2c); every instance has a P3 instance and 64 KiB of linear memory of its\n"
           "own, and the sensor and the sink each run on a kernel thread of their own\n");
#ifdef SQ_WASM_MPU
    bool domains = memory_domains();
#else
    bool domains = true;
#endif
    if (sq_kernel_init() != SQ_OK || !domains) {
        printf("set-up failed\n");
        return 1;
    }
    bool rogues = run_rogues();
    if (sq_p3_runtime_init(&runtime) != SQ_OK || !instantiate() ||
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
    printf("sensor: run(%u) wrote %u readings, then dropped its end\n", (unsigned)READINGS,
           (unsigned)sent);
    printf("sink: consume took %u readings in order until DROPPED: sum %d, min %d, max %d\n",
           (unsigned)received, (int)sum, (int)lowest, (int)highest);
    bool clean = sq_p3_instance_trap(&sensor_p3) == SQ_P3_TRAP_NONE &&
                 sq_p3_instance_trap(&sink_p3) == SQ_P3_TRAP_NONE &&
                 sq_p3_handle_count(&sensor_p3.handles) == 0u &&
                 sq_p3_handle_count(&sink_p3.handles) == 0u && runtime.channels.used == 0u &&
                 runtime.sets.used == 0u;
    bool ok = rogues && ran && clean && sent == READINGS && received == READINGS;
    printf("%s\n", ok ? "sensor and sink: no trap, every handle and object given back"
                       : "FAILED");
    if (!ok) {
        printf("sensor %d/%u/%u, sink %d/%u/%u\n", (int)sensor_status,
               (unsigned)sq_p3_instance_trap(&sensor_p3), (unsigned)sensor_g.wasm_trap,
               (int)sink_status, (unsigned)sq_p3_instance_trap(&sink_p3),
               (unsigned)sink_g.wasm_trap);
    }
#ifdef SQ_WASM_MPU
    ok = mpu_scenario() && ok;
#endif
    return ok ? 0 : 1;
}
