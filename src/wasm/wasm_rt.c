/*
 * The freestanding wasm2c runtime (see wasm_host.h): no heap, no signals,
 * no stdio. wabt's wasm-rt-impl.c needs mmap and a signal handler.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include "wasm_host.h"

#define PAGE 65536u
/* Function signatures the modules register (call_indirect's check). */
#ifndef SQ_WASM_FUNC_TYPES
#define SQ_WASM_FUNC_TYPES 64u
#endif
#define TYPE_WORDS 17u /* params, results, up to 15 value types */

static sq_wasm_guest_t *guests;
static sq_wasm_guest_t *instantiating;
static uint8_t func_types[SQ_WASM_FUNC_TYPES][TYPE_WORDS];
static uint32_t func_type_count;
static bool initialized;

void wasm_rt_init(void)
{
    initialized = true;
}

bool wasm_rt_is_initialized(void)
{
    return initialized;
}

void wasm_rt_free(void)
{
}

/* Guest entries so far (wrapping), from every kernel thread: each entry
 * takes the next, so a guest entered inside another's call on the same
 * thread has the later one. */
static _Atomic uint32_t entries;

/* The guest that the calling kernel thread runs, or NULL; when it runs
 * several (a guest's async lower runs the callee's core code on the same
 * kernel thread), the innermost: the one entered last. */
static sq_wasm_guest_t *running(void)
{
    const sq_thread_t *self = sq_thread_self();
    sq_wasm_guest_t *inner = NULL;
    for (sq_wasm_guest_t *g = guests; g != NULL; g = g->next) {
        if (atomic_load_explicit(&g->runner, memory_order_relaxed) == self &&
            (inner == NULL || (int32_t)(g->entry - inner->entry) > 0)) {
            inner = g;
        }
    }
    return inner;
}

static WASM_RT_NO_RETURN void unwind(sq_wasm_guest_t *g)
{
    longjmp(*g->unwind, 1);
}

void wasm_rt_trap(wasm_rt_trap_t code)
{
    sq_wasm_guest_t *g = running();
    if (g == NULL) {
        /* A trap outside any guest call (instantiation): nothing to
         * unwind to, and the embedder's state is unknown. */
        for (;;) {
        }
    }
    if (g->wasm_trap == WASM_RT_TRAP_NONE) {
        g->wasm_trap = (uint32_t)code;
    }
    (void)sq_p3_instance_abort(g->instance);
    unwind(g);
}

void sq_wasm_fail(sq_wasm_guest_t *g, sq_status_t status)
{
    /* SQ_ERR_TRAP: the built-in recorded the reason. Anything else is an
     * embedder mistake the guest cannot recover from either. */
    if (status != SQ_ERR_TRAP) {
        (void)sq_p3_instance_abort(g->instance);
    }
    unwind(g);
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...)
{
    uint8_t sig[TYPE_WORDS] = {0};
    va_list ap;
    if (params + results > TYPE_WORDS - 2u) {
        wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
    }
    sig[0] = (uint8_t)params;
    sig[1] = (uint8_t)results;
    va_start(ap, results);
    for (uint32_t i = 0u; i < params + results; i++) {
        sig[2u + i] = (uint8_t)va_arg(ap, int);
    }
    va_end(ap);
    for (uint32_t i = 0u; i < func_type_count; i++) {
        if (memcmp(func_types[i], sig, sizeof sig) == 0) {
            return i + 1u;
        }
    }
    if (func_type_count == SQ_WASM_FUNC_TYPES) {
        wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
    }
    memcpy(func_types[func_type_count], sig, sizeof sig);
    return ++func_type_count;
}

sq_status_t sq_wasm_guest_init(sq_wasm_guest_t *g, sq_p3_instance_t *inst, uint8_t *region,
                               uint32_t region_bytes, wasm_rt_funcref_t *table,
                               uint32_t table_slots, uint32_t *depth)
{
    if (g == NULL || inst == NULL || region == NULL || depth == NULL ||
        (table == NULL && table_slots != 0u)) {
        return SQ_ERR_NULL;
    }
    *g = (sq_wasm_guest_t){0};
    g->instance = inst;
    g->region = region;
    g->region_bytes = region_bytes;
    g->table = table;
    g->table_slots = table_slots;
    g->depth = depth;
    sq_status_t s = sq_p3_thread_init(&g->thread, inst);
    if (s != SQ_OK) {
        return s;
    }
    g->next = guests;
    guests = g;
    return SQ_OK;
}

void sq_wasm_instantiate_begin(sq_wasm_guest_t *g)
{
    instantiating = g;
}

sq_status_t sq_wasm_instantiate_end(sq_wasm_guest_t *g)
{
    instantiating = NULL;
    if (g->memory == NULL || g->memory->data == NULL) {
        return SQ_ERR_FULL;
    }
    return sq_p3_instance_set_memory(g->instance, g->memory->data, g->memory->size);
}

/* wasm2c allocates the memory and the table inside _instantiate: they come
 * from the storage of the guest being instantiated. Too little storage
 * leaves data NULL, which sq_wasm_instantiate_end reports. */
void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint32_t initial_pages,
                             uint32_t max_pages)
{
    sq_wasm_guest_t *g = instantiating;
    *memory = (wasm_rt_memory_t){NULL, initial_pages, max_pages, 0u};
    if (g == NULL || g->memory != NULL || initial_pages > g->region_bytes / PAGE) {
        return;
    }
    memset(g->region, 0, (size_t)initial_pages * PAGE);
    memory->data = g->region;
    memory->size = initial_pages * PAGE;
    g->memory = memory;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta)
{
    sq_wasm_guest_t *g = guests;
    while (g != NULL && g->memory != memory) {
        g = g->next;
    }
    uint32_t old = memory->pages;
    if (g == NULL || delta > memory->max_pages - old ||
        delta > g->region_bytes / PAGE - old) {
        return 0xffffffffu;
    }
    memset(memory->data + (size_t)old * PAGE, 0, (size_t)delta * PAGE);
    memory->pages = old + delta;
    memory->size = memory->pages * PAGE;
    /* The memory grows in place: same base, longer. */
    (void)sq_p3_instance_set_memory(g->instance, memory->data, memory->size);
    return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t *memory)
{
    memory->data = NULL;
    memory->size = 0u;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements,
                                    uint32_t max_elements)
{
    sq_wasm_guest_t *g = instantiating;
    *table = (wasm_rt_funcref_table_t){NULL, max_elements, 0u};
    if (g == NULL || elements > g->table_slots) {
        wasm_rt_trap(WASM_RT_TRAP_OOB);
    }
    for (uint32_t i = 0u; i < elements; i++) {
        g->table[i] = wasm_rt_funcref_null_value;
    }
    table->data = g->table;
    table->size = elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table)
{
    table->data = NULL;
    table->size = 0u;
}

sq_status_t sq_wasm_call_as(sq_wasm_guest_t *g, sq_p3_thread_t *t, void (*body)(void *ctx),
                            void *ctx)
{
    jmp_buf here;
    /* volatile: read after longjmp. */
    volatile uint32_t depth;
    if (g == NULL || t == NULL || body == NULL) {
        return SQ_ERR_NULL;
    }
    if (t->instance != g->instance) {
        return SQ_ERR_INVALID;
    }
    /* Relaxed: a thread only ever compares runner with itself, and sees
     * its own stores; atomic only so that other threads' reads are not
     * torn. */
    if (atomic_load_explicit(&g->runner, memory_order_relaxed) != NULL) {
        return SQ_ERR_STATE; /* wasm2c: one native stack per instance */
    }
    if (g->wasm_trap != WASM_RT_TRAP_NONE || g->instance->trap != SQ_P3_TRAP_NONE) {
        return SQ_ERR_TRAP;
    }
    depth = *g->depth;
    g->current = t;
    g->unwind = &here;
    g->entry = atomic_fetch_add_explicit(&entries, 1u, memory_order_relaxed);
    atomic_store_explicit(&g->runner, sq_thread_self(), memory_order_relaxed);
    if (setjmp(here) != 0) {
        /* The frames unwound never ran their epilogues. */
        *g->depth = depth;
        atomic_store_explicit(&g->runner, NULL, memory_order_relaxed);
        return SQ_ERR_TRAP;
    }
    body(ctx);
    atomic_store_explicit(&g->runner, NULL, memory_order_relaxed);
    return SQ_OK;
}

sq_status_t sq_wasm_call(sq_wasm_guest_t *g, void (*body)(void *ctx), void *ctx)
{
    return sq_wasm_call_as(g, g == NULL ? NULL : &g->thread, body, ctx);
}

sq_status_t sq_wasm_guest_set_scratch(sq_wasm_guest_t *g, uint32_t offset, uint32_t bytes)
{
    if (g == NULL || g->memory == NULL) {
        return SQ_ERR_NULL;
    }
    if (offset % 4u != 0u || offset > g->memory->size || bytes > g->memory->size - offset) {
        return SQ_ERR_RANGE;
    }
    g->scratch = offset;
    g->scratch_bytes = bytes;
    return SQ_OK;
}

/* Lower n flat words into g's scratch block, moving each end among them
 * (ends[i] not NULL) from `from` into instance `to` first: the block. */
static uint32_t lower_flat(sq_wasm_guest_t *g, sq_p3_thread_t *from, sq_p3_instance_t *to,
                           const uint32_t *flat, const sq_p3_type_t *const *ends, uint32_t n)
{
    if (n > g->scratch_bytes / 4u) {
        sq_wasm_fail(g, SQ_ERR_RANGE);
    }
    for (uint32_t i = 0u; i < n; i++) {
        uint32_t word = flat[i];
        if (ends[i] != NULL) {
            sq_status_t st = sq_p3_end_transfer(from, to, ends[i], flat[i], &word);
            if (st != SQ_OK) {
                sq_wasm_fail(g, st);
            }
        }
        memcpy(g->memory->data + g->scratch + 4u * i, &word, sizeof word);
    }
    return g->scratch;
}

uint32_t sq_wasm_async_lower(sq_wasm_guest_t *g, const sq_p3_export_t *ex, const uint32_t *flat,
                             const sq_p3_type_t *const *ends, uint32_t n, uint32_t retptr)
{
    uint32_t word = 0u;
    uint32_t args = lower_flat(g, g->current, ex->instance, flat, ends, n);
    sq_status_t st = sq_p3_call(g->current, ex, n == 0u ? 0u : args, retptr, true, &word);
    if (st != SQ_OK) {
        sq_wasm_fail(g, st);
    }
    return word;
}

void sq_wasm_task_return(sq_wasm_guest_t *g, const sq_p3_type_t *result, const uint32_t *flat,
                         const sq_p3_type_t *const *ends, uint32_t n)
{
    sq_p3_thread_t *t = g->current;
    if (t->task == NULL) {
        sq_wasm_fail(g, SQ_ERR_INVALID); /* not a task's thread: task.return's own refusal */
    }
    /* The caller's instance: squall's task has no public accessor for it
     * (docs/WASM.md), its subtask's owner is the caller. */
    uint32_t ptr = lower_flat(g, t, t->task->sub.owner, flat, ends, n);
    sq_status_t st = sq_p3_task_return(t, result, n == 0u ? 0u : ptr);
    if (st != SQ_OK) {
        sq_wasm_fail(g, st);
    }
}

uint32_t sq_wasm_core_entry(sq_wasm_guest_t *g, sq_p3_task_t *task, uint32_t args, uint32_t n,
                            void (*body)(void *entry))
{
    sq_wasm_entry_t e = {g->module, {0u}, SQ_CALLBACK_EXIT};
    if (n > SQ_WASM_ENTRY_WORDS || args > g->memory->size || g->memory->size - args < 4u * n) {
        (void)sq_p3_instance_abort(g->instance);
        return SQ_CALLBACK_EXIT;
    }
    memcpy(e.a, g->memory->data + args, 4u * n);
    (void)sq_wasm_call_as(g, sq_p3_task_thread(task), body, &e);
    return e.result;
}

uint32_t sq_wasm_callback_entry(sq_wasm_guest_t *g, const sq_wait_event_t *ev,
                                void (*body)(void *entry))
{
    sq_wasm_entry_t e = {g->module, {ev->code, ev->join_id, ev->payload}, SQ_CALLBACK_EXIT};
    (void)sq_wasm_call_as(g, sq_p3_current(g->instance), body, &e);
    return e.result;
}

uint32_t sq_wasm_realloc_entry(sq_wasm_guest_t *g, uint32_t old_ptr, uint32_t old_size,
                               uint32_t align, uint32_t new_size, void (*body)(void *entry))
{
    sq_wasm_entry_t e = {g->module, {old_ptr, old_size, align, new_size}, 0u};
    return sq_wasm_call(g, body, &e) == SQ_OK && e.result != 0u ? e.result : SQ_P3_NO_MEMORY;
}

sq_status_t sq_wasm_callbacks_seal(sq_callback_table_t *t, sq_callback_fn *fn, sq_wasm_guest_t *g)
{
    for (uint32_t code = SQ_WAIT_EVENT_NONE; code <= SQ_WAIT_EVENT_CANCELLED; code++) {
        sq_status_t st = sq_callback_register(t, code, SQ_CALLBACK_ANY_ID, fn, g);
        if (st != SQ_OK) {
            return st;
        }
    }
    return sq_callback_seal(t);
}
