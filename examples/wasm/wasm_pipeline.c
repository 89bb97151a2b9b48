/*
 * Guest-to-guest calls through the control plane, all three parties real
 * wasm or C playing an instance, on one kernel thread:
 *   host (C) --async call--> tally.wasm --async call--> filter.wasm
 * The host calls tally(1000, 0); tally returns a future<summary> at once
 * (task.return), calls the filter with a stream<reading> it feeds
 * (`[async-lower]run`, generated glue: the stream's end moves into the
 * filter), gets the filter's output stream back through the filter's
 * task.return, and in the callback loop feeds readings 0..999 through the
 * filter (which keeps those with value >= 0) and counts what comes out.
 * Finally tally writes its summary into the future, which the host reads.
 * Every copy goes straight between two linear memories.
 * Then the host calls tally(10, -2000): the filter traps on that threshold
 * inside tally's async lower, on the same kernel thread, and the trap
 * unwinds the filter (the innermost guest entered) first; tally's lower
 * then fails, which traps tally in turn (a callee's trap traps its caller,
 * as the reference's store does); the host's instance is untouched.
 *
 * With SQ_WASM_MPU (the Cortex-M images) each guest's linear memory is
 * the one partition of a memory domain of its own, set before the guests
 * run; afterwards a thread in one guest's domain stores into the other
 * guest's memory, and the MPU stops it (SQ_FAULT_DATA). Not on the host,
 * which enforces nothing and whose arrays lie above 4 GiB
 * (docs/ISOLATION.md).
 *
 * The glue (tools/wasm_glue.py) writes the exports' core functions,
 * callback entries and realloc hooks, and (--call/--return) the guests'
 * async lower and task.return; the embedder describes the exports
 * (sq_p3_export_t) and gives each guest its scratch block.
 */
#include <stdio.h>
#include <string.h>
#include <squall/mem_domain.h>
#include <squall/p3_runtime.h>
#include <squall/thread.h>
#include "glue.h"
#include "linear_mpu.h"

#define PAGE 65536u
#define MEM 256u
#define READINGS 1000u
#define THRESHOLD 0

SQ_P3_RUNTIME_DEFINE(rt, 4u, 4u, 4u, 1u);
SQ_P3_INSTANCE_DEFINE(host, &rt, 8u);
SQ_P3_INSTANCE_DEFINE(tally_p3, &rt, 8u);
SQ_P3_INSTANCE_DEFINE(filter_p3, &rt, 8u);
SQ_P3_TASKS_DEFINE(tasks, 2u);
SQ_CALLBACK_TABLE_DEFINE(tally_callbacks, 7u);
SQ_CALLBACK_TABLE_DEFINE(filter_callbacks, 7u);
/* The element types and blocks (the glue names them, --type/--return). */
SQ_P3_TYPE_DEFINE(reading_type, SQ_P3_ELEM_PLAIN, 8u, 4u);
SQ_P3_TYPE_DEFINE(summary_type, SQ_P3_ELEM_PLAIN, 16u, 4u);
SQ_P3_TYPE_DEFINE(two_params, SQ_P3_ELEM_PLAIN, 8u, 4u);
SQ_P3_TYPE_DEFINE(stream_result, SQ_P3_ELEM_PLAIN, 4u, 4u);
SQ_P3_TYPE_DEFINE(future_result, SQ_P3_ELEM_PLAIN, 4u, 4u);

static uint8_t host_mem[MEM];
static sq_p3_thread_t host_thread;
/* One MPU region each on Cortex-M (linear_mpu.h). */
static _Alignas(LINEAR_ALIGN) uint8_t tally_memory[PAGE], filter_memory[PAGE];
static wasm_rt_funcref_t tally_table[4], filter_table[4];
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_tally);
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_filter);
static sq_wasm_tally_t tally;
static sq_wasm_filter_t filter;
static sq_wasm_guest_t tally_g, filter_g;
static unsigned failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("wasm pipeline: FAILED: %s\n", what);
        failures++;
    }
}

static uint32_t load(const uint8_t *at)
{
    uint32_t v;
    memcpy(&v, at, sizeof v);
    return v;
}

/* The exports as the control plane calls them (the glue's generated core
 * functions, callback entries and realloc hooks). */
static const sq_p3_export_t tally_export = {&tally_p3, SQ_P3_LIFT_CALLBACK, true, &two_params,
                                            &future_result, sq_wasm_tally_tally_core, &tally_g,
                                            &tally_callbacks};
/* The export the tally's `[async-lower]run` calls (--call run=...). */
const sq_p3_export_t filter_run_export = {&filter_p3, SQ_P3_LIFT_CALLBACK, true, &two_params,
                                          &stream_result, sq_wasm_filter_run_core, &filter_g,
                                          &filter_callbacks};

/* A guest: its instance, memory, module, realloc hook, callback table,
 * and the glue's scratch block (16 bytes from its cabi_realloc). */
static bool guest_setup(sq_wasm_guest_t *g, sq_p3_instance_t *inst, uint8_t *memory,
                        wasm_rt_funcref_t *table, uint32_t *depth, sq_p3_realloc_fn hook,
                        sq_callback_table_t *callbacks, sq_callback_fn *on_event)
{
    return sq_wasm_guest_init(g, inst, memory, PAGE, table, 4u, depth) == SQ_OK &&
           sq_p3_instance_set_realloc(inst, hook, g) == SQ_OK &&
           sq_wasm_callbacks_seal(callbacks, on_event, g) == SQ_OK;
}

static bool setup(void)
{
    bool ok = sq_kernel_init() == SQ_OK && sq_p3_runtime_init(&rt) == SQ_OK &&
              sq_p3_runtime_tasks(&rt, tasks, tasks_ready, 2u) == SQ_OK &&
              sq_p3_instance_init(&host, &rt, host_slots, 8u, host_mem, MEM) == SQ_OK &&
              sq_p3_thread_init(&host_thread, &host) == SQ_OK &&
              /* The filter's set up first: the runtime's guest list then
               * has tally ahead of it, so a trap lookup that took the first
               * entered guest would unwind tally for the filter's trap. */
              guest_setup(&filter_g, &filter_p3, filter_memory, filter_table,
                          &sq_wasm_depth_filter, sq_wasm_filter_realloc, &filter_callbacks,
                          sq_wasm_filter_run_on_event) &&
              guest_setup(&tally_g, &tally_p3, tally_memory, tally_table, &sq_wasm_depth_tally,
                          sq_wasm_tally_realloc, &tally_callbacks, sq_wasm_tally_tally_on_event);
    wasm_rt_init();
    sq_wasm_tally_init_module();
    sq_wasm_filter_init_module();
    sq_wasm_instantiate_begin(&tally_g);
    sq_wasm_tally_instantiate(&tally, &tally_g);
    ok = ok && sq_wasm_instantiate_end(&tally_g) == SQ_OK;
    sq_wasm_instantiate_begin(&filter_g);
    sq_wasm_filter_instantiate(&filter, &filter_g);
    ok = ok && sq_wasm_instantiate_end(&filter_g) == SQ_OK;
    return ok &&
           sq_wasm_guest_set_scratch(&tally_g, sq_wasm_tally_realloc(&tally_g, 0u, 0u, 4u, 16u),
                                     16u) == SQ_OK &&
           sq_wasm_guest_set_scratch(&filter_g,
                                     sq_wasm_filter_realloc(&filter_g, 0u, 0u, 4u, 16u),
                                     16u) == SQ_OK;
}

static const char *wasm_trap_name(uint32_t code)
{
    return code == WASM_RT_TRAP_NONE ? "none" : code == WASM_RT_TRAP_UNREACHABLE ? "unreachable"
                                                                                 : "other";
}

/* The filter traps inside tally's lower, both guests entered on this
 * kernel thread. */
static void nested_trap(void)
{
    uint32_t params[2] = {10u, (uint32_t)-2000};
    uint32_t word = 0u;
    memcpy(host_mem + 16, params, sizeof params);
    sq_status_t st = sq_p3_call(&host_thread, &tally_export, 16u, 32u, true, &word);
    printf("host: async call tally(10, -2000) -> %s\n", sq_status_str(st));
    printf("filter: trapped (wasm: %s, P3 instance: %s)\n", wasm_trap_name(filter_g.wasm_trap),
           sq_p3_instance_trap(&filter_p3) == SQ_P3_TRAP_GUEST ? "GUEST" : "other");
    printf("tally: trapped (wasm: %s, P3 instance: %s)\n", wasm_trap_name(tally_g.wasm_trap),
           sq_p3_instance_trap(&tally_p3) == SQ_P3_TRAP_GUEST ? "GUEST" : "other");
    check(st == SQ_ERR_STATE && filter_g.wasm_trap == WASM_RT_TRAP_UNREACHABLE &&
              sq_p3_instance_trap(&filter_p3) == SQ_P3_TRAP_GUEST &&
              tally_g.wasm_trap == WASM_RT_TRAP_NONE &&
              sq_p3_instance_trap(&tally_p3) == SQ_P3_TRAP_GUEST,
          "the filter's trap unwinds the filter, then tally");
    /* tally's task.return had moved the future into the host before the
     * filter was called: the host has it, no subtask. */
    uint32_t future = load(host_mem + 32);
    printf("host: holds the future tally returned before its call failed (end %u); drops it\n",
           (unsigned)future);
    check(sq_p3_handle_count(&host.handles) == 1u &&
              sq_p3_future_drop_readable(&host_thread, &summary_type, future) == SQ_OK &&
              sq_p3_handle_count(&host.handles) == 0u &&
              sq_p3_instance_trap(&host) == SQ_P3_TRAP_NONE,
          "the host untouched, the future its only handle");
    check(rt.tasks.used == 0u, "both tasks back in the pool");
    printf("host: untouched; both tasks back in the pool\n");
}

#ifdef SQ_WASM_MPU
static SQ_MEM_DOMAIN_DEFINE(tally_domain);
static SQ_MEM_DOMAIN_DEFINE(filter_domain);

/* Each guest's linear memory as the only partition of its domain, before
 * the guests run: a thread in one domain may touch that guest's memory and
 * not the other's (what the MPU enforces for an unprivileged thread; the
 * runtime's copies between the two memories run privileged). */
static void memory_domains(void)
{
    check(linear_domain(&tally_domain, tally_memory) &&
              linear_domain(&filter_domain, filter_memory),
          "each linear memory one partition");
}

static const stray_plan_t tally_plan = STRAY_PLAN(tally_memory, filter_memory);
static const stray_plan_t filter_plan = STRAY_PLAN(filter_memory, tally_memory);
SQ_USER_THREAD_DEFINE(tally_side, 512u);
SQ_USER_THREAD_DEFINE(filter_side, 512u);
SQ_THREAD_DEFINE(supervisor, 2048u);

static void supervisor_main(void *arg)
{
    (void)arg;
    check(stray_caught(&tally_side, &tally_domain, &tally_plan, "tally", "filter"),
          "the MPU stops tally's side in the filter's memory");
    check(stray_caught(&filter_side, &filter_domain, &filter_plan, "filter", "tally"),
          "the MPU stops the filter's side in tally's memory");
}

/* After the guests ran: the stray stores, under the kernel (user threads). */
static void mpu_scenario(void)
{
    printf("tally.wasm, filter.wasm: each linear memory (%u KiB) one MPU partition of its own "
           "domain\n",
           PAGE / 1024u);
    check(sq_thread_start(&supervisor, supervisor_main, NULL, 2u, 0u) == SQ_OK &&
              sq_kernel_run() == SQ_OK,
          "kernel run");
    printf("wasm pipeline, MPU: %s\n", failures == 0u ? "ok" : "FAILED");
}
#endif

int main(void)
{
    if (!setup()) {
        printf("wasm pipeline: set-up failed\n");
        return 1;
    }
#ifdef SQ_WASM_MPU
    memory_domains();
#endif
    printf("squall control plane, guest to guest: the host calls tally.wasm, which calls\n"
           "filter.wasm and feeds it %u readings; tally's summary comes back in a future\n",
           READINGS);
    /* What the filter must let through: value >= THRESHOLD. */
    uint32_t count = 0u;
    int32_t sum = 0, min = 0x7fffffff, max = -0x7fffffff - 1;
    for (uint32_t seq = 0u; seq < READINGS; seq++) {
        int32_t v = (int32_t)(seq * 37u % 2000u) - 1000;
        if (v >= THRESHOLD) {
            count++;
            sum += v;
            min = v < min ? v : min;
            max = v > max ? v : max;
        }
    }
    uint32_t params[2] = {READINGS, (uint32_t)THRESHOLD};
    uint32_t word = 0u, result = 0u, code = 0u, set = 0u, steps = 0u;
    memcpy(host_mem + 16, params, sizeof params);
    check(sq_p3_call(&host_thread, &tally_export, 16u, 32u, true, &word) == SQ_OK, "call");
    printf("host: async call tally(%u, %d) -> %u (RETURNED: the future came back at once)\n",
           READINGS, THRESHOLD, (unsigned)word);
    check(word == SQ_P3_SUBTASK_RETURNED, "RETURNED");
    uint32_t future = load(host_mem + 32);
    check(sq_p3_waitable_set_new(&host_thread, &set) == SQ_OK &&
              sq_p3_waitable_join(&host_thread, future, set) == SQ_OK,
          "host set");
    check(sq_p3_future_read(&host_thread, &summary_type, future, 64u, true, &result) == SQ_OK,
          "future read");
    while (result == SQ_P3_BLOCKED && failures == 0u) {
        sq_status_t st = sq_p3_loop_step(&rt);
        if (st != SQ_OK) {
            check(0, "loop step");
            break;
        }
        steps++;
        check(sq_p3_waitable_set_poll(&host_thread, set, 0u, &code) == SQ_OK, "host poll");
        if (code == SQ_P3_EVENT_FUTURE_READ) {
            result = load(host_mem + 4);
        }
    }
    check(result == SQ_P3_COPY_COMPLETED, "future COMPLETED");
    printf("host: the future resolved after %u steps of the callback loop\n", (unsigned)steps);
    printf("tally: %u readings kept by the filter, sum %d, min %d, max %d\n",
           (unsigned)load(host_mem + 64), (int)load(host_mem + 68), (int)load(host_mem + 72),
           (int)load(host_mem + 76));
    check(load(host_mem + 64) == count && (int32_t)load(host_mem + 68) == sum &&
              (int32_t)load(host_mem + 72) == min && (int32_t)load(host_mem + 76) == max,
          "the summary is what the filter had to keep");
    while (sq_p3_loop_step(&rt) == SQ_OK) {
        steps++;
    }
    check(sq_p3_future_drop_readable(&host_thread, &summary_type, future) == SQ_OK &&
              sq_p3_waitable_set_drop(&host_thread, set) == SQ_OK,
          "host drops");
    check(sq_p3_handle_count(&host.handles) == 0u && sq_p3_handle_count(&tally_p3.handles) == 0u &&
              sq_p3_handle_count(&filter_p3.handles) == 0u,
          "no handle left");
    check(rt.tasks.used == 0u, "no task left");
    check(sq_p3_instance_trap(&tally_p3) == SQ_P3_TRAP_NONE &&
              sq_p3_instance_trap(&filter_p3) == SQ_P3_TRAP_NONE,
          "no trap");
    nested_trap();
    printf("wasm pipeline: %s\n", failures == 0u ? "ok" : "FAILED");
#ifdef SQ_WASM_MPU
    mpu_scenario();
#endif
    return failures == 0u ? 0 : 1;
}
