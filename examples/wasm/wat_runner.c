/*
 * Runs one WAT guest (examples/wasm/wat/<name>.wat, through wat2wasm,
 * wasm2c and the generated glue): its export `run` checks one scenario of
 * the P3 built-ins from inside the guest and returns 0, or the number of
 * the check that failed. Built once per guest with -DWAT_MODULE=<name>,
 * and -DWAT_EXPECT_TRAP=<sq_p3_trap_t> for a guest whose scenario ends in
 * a trap of the built-ins. Prints "<name>: ok" (or "<name>: trapped <n> as
 * expected") and exits 0, or says which check failed or how the guest
 * trapped.
 */
#include <stdio.h>
#include <squall/p3_runtime.h>
#include "glue.h"

#define CAT3(a, b, c) a##b##c
#define XCAT3(a, b, c) CAT3(a, b, c)
#define STR(x) #x
#define XSTR(x) STR(x)
#define MODULE_T XCAT3(sq_wasm_, WAT_MODULE, _t)
#define INIT_MODULE XCAT3(sq_wasm_, WAT_MODULE, _init_module)
#define INSTANTIATE XCAT3(sq_wasm_, WAT_MODULE, _instantiate)
#define RUN XCAT3(sq_wasm_, WAT_MODULE, _run)
#define DEPTH XCAT3(sq_wasm_depth_, WAT_MODULE, )

#define PAGE 65536u

/* The element types the WAT guests' --type flags name. */
SQ_P3_TYPE_DEFINE(elem_u8, SQ_P3_ELEM_NUMBER, 1u, 1u);
SQ_P3_TYPE_DEFINE(elem_u32, SQ_P3_ELEM_NUMBER, 4u, 4u);
SQ_P3_TYPE_DEFINE(elem_unit, SQ_P3_ELEM_NONE, 0u, 1u);
SQ_P3_TYPE_DEFINE(elem_record, SQ_P3_ELEM_PLAIN, 4u, 4u);

SQ_P3_RUNTIME_DEFINE(runtime, 4u, 2u, 4u, 1u);
SQ_P3_INSTANCE_DEFINE(inst, &runtime, 16u);
static _Alignas(8) uint8_t memory[PAGE];
static wasm_rt_funcref_t table[4];
SQ_WASM_DEPTH_DEFINE(DEPTH);
static MODULE_T module;
static sq_wasm_guest_t guest;
static uint32_t result;

static void call_run(void *ctx)
{
    (void)ctx;
    result = RUN(&module);
}

int main(void)
{
    const char *name = XSTR(WAT_MODULE);
    wasm_rt_init();
    INIT_MODULE();
    if (sq_kernel_init() != SQ_OK || sq_p3_runtime_init(&runtime) != SQ_OK ||
        sq_wasm_guest_init(&guest, &inst, memory, PAGE, table, 4u, &DEPTH) != SQ_OK) {
        printf("%s: set-up failed\n", name);
        return 1;
    }
    sq_wasm_instantiate_begin(&guest);
    INSTANTIATE(&module, &guest);
    if (sq_wasm_instantiate_end(&guest) != SQ_OK) {
        printf("%s: instantiation failed\n", name);
        return 1;
    }
    sq_status_t s = sq_wasm_call(&guest, call_run, NULL);
#ifdef WAT_EXPECT_TRAP
    if (s == SQ_ERR_TRAP && guest.wasm_trap == WASM_RT_TRAP_NONE &&
        sq_p3_instance_trap(&inst) == WAT_EXPECT_TRAP) {
        printf("%s: trapped %u as expected\n", name, (unsigned)WAT_EXPECT_TRAP);
        return 0;
    }
#endif
    if (s != SQ_OK) {
        printf("%s: trapped (wasm %u, P3 %u)\n", name, (unsigned)guest.wasm_trap,
               (unsigned)sq_p3_instance_trap(&inst));
        return 1;
    }
    if (result != 0u) {
        printf("%s: check %u failed\n", name, (unsigned)result);
        return 1;
    }
    if (sq_p3_handle_count(&inst.handles) != 0u) {
        printf("%s: %u handles left\n", name, (unsigned)sq_p3_handle_count(&inst.handles));
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}
