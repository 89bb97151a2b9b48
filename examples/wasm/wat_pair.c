/*
 * Runs one two-guest WAT scenario (examples/wasm/wat/pair/<name>_caller.wat
 * and <name>_callee.wat, through wat2wasm, wasm2c and the generated glue):
 * the caller's `[async-lower]f` calls the callee's callback-lifted
 * `[async-lift]example:wat/callee#f` (no parameters, a u32 result)
 * through the control plane. The runner enters the caller's `run(phase)`
 * for phase 0, 1, ...: it returns 0 when its checks passed, 255 to have
 * the callback loop make one step before the next phase, or the number of
 * the check that failed. Then no handle, task or trap may be left and
 * the loop must be idle. Each guest's words 1024..1039 are the glue's
 * scratch block (the caller's lowered parameters, the callee's
 * task.return result). Built once per scenario with
 * -DWAT_PAIR=<name>; prints "<name>: ok".
 */
#include <stdio.h>
#include <squall/p3_runtime.h>
#include "glue.h"

#define STR(x) #x
#define XSTR(x) STR(x)
#define PAGE 65536u
#define STEP 255u

SQ_P3_RUNTIME_DEFINE(runtime, 2u, 2u, 2u, 1u);
SQ_P3_INSTANCE_DEFINE(caller_p3, &runtime, 8u);
SQ_P3_INSTANCE_DEFINE(callee_p3, &runtime, 8u);
SQ_P3_TASKS_DEFINE(tasks, 2u);
SQ_CALLBACK_TABLE_DEFINE(callbacks, 7u);
SQ_P3_TYPE_DEFINE(callee_result, SQ_P3_ELEM_NUMBER, 4u, 4u);
static _Alignas(8) uint8_t caller_memory[PAGE], callee_memory[PAGE];
static wasm_rt_funcref_t caller_table[4], callee_table[4];
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_caller);
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_callee);
static sq_wasm_caller_t caller;
static sq_wasm_callee_t callee;
static sq_wasm_guest_t caller_g, callee_g;

static void enter_run(void *entry)
{
    sq_wasm_entry_t *e = entry;
    e->result = sq_wasm_caller_run(e->module, e->a[0]);
}

#ifdef WAT_PAIR_STREAM
/* f(s: stream<u8>): one word of parameters, placed by the callee's
 * cabi_realloc. */
SQ_P3_TYPE_DEFINE(elem_u8, SQ_P3_ELEM_NUMBER, 1u, 1u);
SQ_P3_TYPE_DEFINE(one_param, SQ_P3_ELEM_PLAIN, 4u, 4u);
#define PARAMS (&one_param)
#else
#define PARAMS NULL
#endif

/* The caller's `[async-lower]f` calls this (--call f=callee_f:ret...). */
const sq_p3_export_t callee_f = {&callee_p3, SQ_P3_LIFT_CALLBACK, true, PARAMS, &callee_result,
                                 sq_wasm_callee_f_core, &callee_g, &callbacks};

static bool setup(void)
{
    bool ok = sq_kernel_init() == SQ_OK && sq_p3_runtime_init(&runtime) == SQ_OK &&
              sq_p3_runtime_tasks(&runtime, tasks, tasks_ready, 2u) == SQ_OK &&
              sq_wasm_guest_init(&caller_g, &caller_p3, caller_memory, PAGE, caller_table, 4u,
                                 &sq_wasm_depth_caller) == SQ_OK &&
              sq_wasm_guest_init(&callee_g, &callee_p3, callee_memory, PAGE, callee_table, 4u,
                                 &sq_wasm_depth_callee) == SQ_OK;
    ok = ok && sq_wasm_callbacks_seal(&callbacks, sq_wasm_callee_f_on_event, &callee_g) == SQ_OK;
#ifdef WAT_PAIR_STREAM
    ok = ok && sq_p3_instance_set_realloc(&callee_p3, sq_wasm_callee_realloc, &callee_g) == SQ_OK;
#endif
    wasm_rt_init();
    sq_wasm_caller_init_module();
    sq_wasm_callee_init_module();
    sq_wasm_instantiate_begin(&caller_g);
    sq_wasm_caller_instantiate(&caller, &caller_g);
    ok = ok && sq_wasm_instantiate_end(&caller_g) == SQ_OK;
    sq_wasm_instantiate_begin(&callee_g);
    sq_wasm_callee_instantiate(&callee, &callee_g);
    return ok && sq_wasm_instantiate_end(&callee_g) == SQ_OK &&
           sq_wasm_guest_set_scratch(&caller_g, 1024u, 16u) == SQ_OK &&
           sq_wasm_guest_set_scratch(&callee_g, 1024u, 16u) == SQ_OK;
}

int main(void)
{
    const char *name = XSTR(WAT_PAIR);
    if (!setup()) {
        printf("%s: set-up failed\n", name);
        return 1;
    }
    sq_wasm_entry_t e = {&caller, {0u}, STEP};
    for (; e.result == STEP; e.a[0]++) {
        if (e.a[0] != 0u && sq_p3_loop_step(&runtime) != SQ_OK) {
            printf("%s: no loop step before phase %u\n", name, (unsigned)e.a[0]);
            return 1;
        }
        if (sq_wasm_call(&caller_g, enter_run, &e) != SQ_OK) {
            printf("%s: trapped (caller: wasm %u, P3 %u; callee: wasm %u, P3 %u)\n", name,
                   (unsigned)caller_g.wasm_trap, (unsigned)sq_p3_instance_trap(&caller_p3),
                   (unsigned)callee_g.wasm_trap, (unsigned)sq_p3_instance_trap(&callee_p3));
            return 1;
        }
    }
    if (e.result != 0u) {
        printf("%s: check %u failed\n", name, (unsigned)e.result);
        return 1;
    }
    if (sq_p3_handle_count(&caller_p3.handles) != 0u ||
        sq_p3_handle_count(&callee_p3.handles) != 0u || runtime.tasks.used != 0u ||
        sq_p3_loop_step(&runtime) != SQ_ERR_EMPTY ||
        sq_p3_instance_trap(&callee_p3) != SQ_P3_TRAP_NONE) {
        printf("%s: handles, tasks or loop work left, or a trap\n", name);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}
