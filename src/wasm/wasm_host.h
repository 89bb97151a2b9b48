/*
 * squall's freestanding runtime for wasm2c output (wabt 1.0.32's wasm-rt.h
 * interface), and what the embedder and the generated glue
 * (tools/wasm_glue.py) share. Not part of the verified core: it is built
 * only with the wasm guests (SQUALL_WASM), for the host and Cortex-M.
 *
 * - Linear memory and funcref tables come from caller storage given to
 *   sq_wasm_guest_init; nothing is allocated.
 * - Bounds: the generated C must be compiled with
 *   -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 (the default on 32-bit targets),
 *   so every load and store is checked against the memory's size.
 * - Call depth: wasm2c counts frames in the global
 *   wasm_rt_call_stack_depth. Compile each module's C with
 *   -Dwasm_rt_call_stack_depth=<its own counter> (SQ_WASM_DEPTH_DEFINE):
 *   a guest runs on one kernel thread at a time, so a per-module counter
 *   is only ever touched by the thread running that module, and preemption
 *   between guests on other kernel threads cannot corrupt it. This runtime
 *   defines no global counter, so a module compiled without the define
 *   fails to link.
 * - Traps: wasm_rt_trap (a wasm trap: bounds, unreachable, depth, ...) and
 *   SQ_ERR_TRAP from a built-in both poison the guest's P3 instance and
 *   unwind to the sq_wasm_call that entered the guest on this kernel
 *   thread; the other guests go on.
 */
#ifndef SQUALL_WASM_HOST_H
#define SQUALL_WASM_HOST_H

#include <setjmp.h>
#include <stdint.h>
#include <wasm-rt.h>
#include <squall/p3_runtime.h>
#include <squall/thread.h>

typedef struct sq_wasm_guest {
    sq_p3_instance_t *instance;
    sq_p3_thread_t thread;        /**< its thread for calls that are no task's (sq_wasm_call) */
    sq_p3_thread_t *current;      /**< the P3 thread its code runs for now: the glue's */
    uint8_t *region;              /**< its linear memory's storage, region_bytes long */
    uint32_t region_bytes;
    wasm_rt_funcref_t *table;     /**< its funcref table's storage */
    uint32_t table_slots;
    wasm_rt_memory_t *memory;     /**< wasm2c's memory object, once instantiated */
    uint32_t *depth;              /**< the module's call-depth counter */
    /** The kernel thread inside sq_wasm_call, or NULL; atomic because
     *  every other thread's trap lookup reads it. */
    const sq_thread_t *_Atomic runner;
    jmp_buf *unwind;
    void *module;                 /**< its wasm2c module instance (the glue's _instantiate_guest) */
    uint32_t entry;               /**< when runner entered it (wasm_rt.c's entry count) */
    uint32_t scratch;             /**< the glue's block in its memory (sq_wasm_guest_set_scratch) */
    uint32_t scratch_bytes;
    uint32_t wasm_trap;           /**< a wasm_rt_trap_t: the guest's own trap, NONE otherwise */
    struct sq_wasm_guest *next;   /**< every guest, for the trap and grow hooks */
} sq_wasm_guest_t;

/* A module's call-depth counter (see above). */
#define SQ_WASM_DEPTH_DEFINE(name) uint32_t name

/*
 * Prepare `g` for a module instance: its P3 instance (initialised by the
 * caller, memory set here), the storage of its linear memory and table,
 * and the module's depth counter. Call sq_wasm_instantiate_begin(g) just
 * before the module's `_instantiate` and sq_wasm_instantiate_end(g) after.
 */
sq_status_t sq_wasm_guest_init(sq_wasm_guest_t *g, sq_p3_instance_t *inst, uint8_t *region,
                               uint32_t region_bytes, wasm_rt_funcref_t *table,
                               uint32_t table_slots, uint32_t *depth);
void sq_wasm_instantiate_begin(sq_wasm_guest_t *g);
sq_status_t sq_wasm_instantiate_end(sq_wasm_guest_t *g);

/* Run `body(ctx)` (which calls the guest's exports) in `g` on the calling
 * kernel thread, its built-ins made as P3 thread `t` (a thread of g's
 * instance: a task's implicit thread, sq_p3_task_thread or sq_p3_current,
 * for the control plane's core functions and callbacks): SQ_OK, or
 * SQ_ERR_TRAP when the guest trapped (its reason in g->wasm_trap or in its
 * P3 instance). SQ_ERR_STATE when g already runs (wasm2c: one native stack
 * per instance). sq_wasm_call is sq_wasm_call_as with g's own thread. */
sq_status_t sq_wasm_call_as(sq_wasm_guest_t *g, sq_p3_thread_t *t, void (*body)(void *ctx),
                            void *ctx);
sq_status_t sq_wasm_call(sq_wasm_guest_t *g, void (*body)(void *ctx), void *ctx);

/* A block of `bytes` at `offset` in g's linear memory (the guest's to
 * give, e.g. from its cabi_realloc) where the glue lowers the flat
 * values squall takes in memory: an async lower's parameters and
 * task.return's results (below). SQ_ERR_RANGE outside the memory or
 * misaligned (4). */
sq_status_t sq_wasm_guest_set_scratch(sq_wasm_guest_t *g, uint32_t offset, uint32_t bytes);

/*
 * The glue's `[async-lower]<f>` of an import bound to export `ex`: the n
 * flat i32 parameters `flat` are lowered as consecutive words into g's
 * scratch block, each one whose `ends[i]` is not NULL (a stream<T> or
 * future<T> parameter, T = *ends[i]) moved into the callee's instance
 * first (sq_p3_end_transfer: lifting an owned end), then sq_p3_call (async)
 * with the result to `retptr` in g's memory: the lower's word. A built-in
 * refusing unwinds the guest (sq_wasm_fail), so does a callee that trapped
 * while it ran (sq_p3_call's SQ_ERR_STATE: the reference traps the caller's
 * store too), and a scratch block too small.
 */
uint32_t sq_wasm_async_lower(sq_wasm_guest_t *g, const sq_p3_export_t *ex, const uint32_t *flat,
                             const sq_p3_type_t *const *ends, uint32_t n, uint32_t retptr);

/*
 * The glue's `[task-return]<f>`: the n flat i32 results lowered into g's
 * scratch block (an end among them, `ends[i]` not NULL, moved into the
 * caller's instance first), then sq_p3_task_return(current, result, block).
 * n 0: sq_p3_task_return(current, result, 0). Unwinds the guest as above.
 */
void sq_wasm_task_return(sq_wasm_guest_t *g, const sq_p3_type_t *result, const uint32_t *flat,
                         const sq_p3_type_t *const *ends, uint32_t n);

/*
 * The callee's side of the control plane, for the glue's generated
 * trampolines: `body(entry)` calls one export of the module instance
 * `entry->module` with the words `entry->a` and stores what it returns
 * in `entry->result`.
 * - sq_wasm_core_entry: an async-lifted export's core function: its n
 *   flat i32 parameters from the block at `args` in g's memory (the
 *   control plane's, checked there; n words past the memory abort the
 *   instance), g entered as the task's thread; the callback code (EXIT
 *   when the guest trapped: squall then sees the trapped instance).
 * - sq_wasm_callback_entry: its callback export, (event code, waitable,
 *   payload), as the task whose core code g's instance runs now.
 * - sq_wasm_realloc_entry: cabi_realloc (old_ptr, old_size, align,
 *   new_size); SQ_P3_NO_MEMORY when it fails or returns 0.
 * - sq_wasm_callbacks_seal: register `fn` (ctx g) for every event code of
 *   table `t` and seal it.
 */
#define SQ_WASM_ENTRY_WORDS 16u
typedef struct sq_wasm_entry {
    void *module;
    uint32_t a[SQ_WASM_ENTRY_WORDS];
    uint32_t result;
} sq_wasm_entry_t;
uint32_t sq_wasm_core_entry(sq_wasm_guest_t *g, struct sq_p3_task *task, uint32_t args,
                            uint32_t n, void (*body)(void *entry));
uint32_t sq_wasm_callback_entry(sq_wasm_guest_t *g, const sq_wait_event_t *ev,
                                void (*body)(void *entry));
uint32_t sq_wasm_realloc_entry(sq_wasm_guest_t *g, uint32_t old_ptr, uint32_t old_size,
                               uint32_t align, uint32_t new_size, void (*body)(void *entry));
sq_status_t sq_wasm_callbacks_seal(sq_callback_table_t *t, sq_callback_fn *fn,
                                   sq_wasm_guest_t *g);

/* The glue's side: the guest of an import's instance pointer, and the
 * unwinding after a built-in returned something other than SQ_OK. */
static inline sq_wasm_guest_t *sq_wasm_guest_of(void *import_instance)
{
    return (sq_wasm_guest_t *)import_instance;
}
WASM_RT_NO_RETURN void sq_wasm_fail(sq_wasm_guest_t *g, sq_status_t status);

#endif /* SQUALL_WASM_HOST_H */
