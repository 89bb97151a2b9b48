/*
 * Component instances, guest threads, traps and guest-memory checks
 * (p3_instance.h, p3.h).
 */
#include <stddef.h>
#include <squall/p3_instance.h>
#include "p3.h"

sq_status_t sq_p3_instance_init(sq_p3_instance_t *inst, struct sq_p3_runtime *runtime,
                                sq_p3_handle_slot_t *slots, uint32_t capacity,
                                uint8_t *memory, uint32_t length)
{
    if (inst == NULL || runtime == NULL || slots == NULL || (memory == NULL && length > 0u)) {
        return SQ_ERR_NULL;
    }
    sq_p3_handle_table_t table;
    sq_status_t st = sq_p3_handle_table_init(&table, slots, capacity);
    if (st != SQ_OK) {
        return st;
    }
    inst->runtime = runtime;
    inst->memory = memory;
    inst->memory_length = length;
    inst->handles = table;
    inst->may_leave = true;
    inst->trap = SQ_P3_TRAP_NONE;
    inst->realloc_fn = NULL;
    inst->realloc_ctx = NULL;
    inst->magic = SQ_P3_INSTANCE_MAGIC;
    return SQ_OK;
}

/*@ predicate sq_p3_inst_ok(sq_p3_instance_t *inst) =
      inst != \null && inst->magic == SQ_P3_INSTANCE_MAGIC;
    predicate sq_p3_thread_ok(sq_p3_thread_t *t) =
      t != \null && t->magic == SQ_P3_THREAD_MAGIC && sq_p3_inst_ok(t->instance);
    // What a thread context must be for the checks to read it safely.
    predicate sq_p3_thread_readable(sq_p3_thread_t *t) =
      t == \null || (\valid_read(t) && (t->magic == SQ_P3_THREAD_MAGIC ==>
                                           t->instance == \null || \valid(t->instance)));
    predicate sq_p3_memory_ok(sq_p3_instance_t *inst) =
      inst->memory_length == 0 || \valid(inst->memory + (0 .. inst->memory_length - 1));
*/

/*@ requires inst == \null || \valid_read(inst);
    assigns \nothing;
    ensures \result == SQ_OK <==> sq_p3_inst_ok(inst);
    ensures inst == \null ==> \result == SQ_ERR_NULL;
    ensures inst != \null && !sq_p3_inst_ok(inst) ==> \result == SQ_ERR_INVALID;
*/
static sq_status_t instance_usable(const sq_p3_instance_t *inst)
{
    if (inst == NULL) {
        return SQ_ERR_NULL;
    }
    return inst->magic == SQ_P3_INSTANCE_MAGIC ? SQ_OK : SQ_ERR_INVALID;
}

sq_status_t sq_p3_instance_set_memory(sq_p3_instance_t *inst, uint8_t *memory, uint32_t length)
{
    sq_status_t st = instance_usable(inst);
    if (st != SQ_OK) {
        return st;
    }
    if (memory == NULL && length > 0u) {
        return SQ_ERR_NULL;
    }
    if (length < inst->memory_length) {
        return SQ_ERR_RANGE;
    }
    inst->memory = memory;
    inst->memory_length = length;
    return SQ_OK;
}

sq_status_t sq_p3_instance_set_may_leave(sq_p3_instance_t *inst, bool may_leave)
{
    sq_status_t st = instance_usable(inst);
    if (st == SQ_OK) {
        inst->may_leave = may_leave;
    }
    return st;
}

sq_status_t sq_p3_instance_set_realloc(sq_p3_instance_t *inst, sq_p3_realloc_fn fn, void *ctx)
{
    sq_status_t st = instance_usable(inst);
    if (st == SQ_OK) {
        inst->realloc_fn = fn;
        inst->realloc_ctx = ctx;
    }
    return st;
}

sq_p3_trap_t sq_p3_instance_trap(const sq_p3_instance_t *inst)
{
    return inst == NULL ? SQ_P3_TRAP_NONE : (sq_p3_trap_t)inst->trap;
}

sq_status_t sq_p3_thread_init(sq_p3_thread_t *t, sq_p3_instance_t *inst)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = instance_usable(inst);
    if (st != SQ_OK) {
        return st;
    }
    t->instance = inst;
    for (uint32_t i = 0u; i < SQ_P3_CONTEXT_SLOTS; i++) {
        t->context[i] = 0u;
    }
    t->magic = SQ_P3_THREAD_MAGIC;
    return SQ_OK;
}

/*@ requires sq_p3_thread_readable(t);
    assigns \nothing;
    ensures \result == SQ_OK <==> sq_p3_thread_ok(t);
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID;
*/
static sq_status_t thread_usable(const sq_p3_thread_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    if (t->magic != SQ_P3_THREAD_MAGIC) {
        return SQ_ERR_INVALID;
    }
    return instance_usable(t->instance);
}

/* context.get/set do not check may_leave (the reference's rule). */
/*@ requires sq_p3_thread_readable(t);
    requires value == \null || \valid(value);
    requires \separated(value, t);
    assigns *value;
    behavior ok:
      assumes value != \null && sq_p3_thread_ok(t) && i < SQ_P3_CONTEXT_SLOTS;
      ensures \result == SQ_OK && *value == t->context[i];
    behavior refused:
      assumes value == \null || !sq_p3_thread_ok(t) || i >= SQ_P3_CONTEXT_SLOTS;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID || \result == SQ_ERR_RANGE;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_context_get(const sq_p3_thread_t *t, uint32_t i, uint32_t *value)
{
    if (value == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = thread_usable(t);
    if (st != SQ_OK) {
        return st;
    }
    if (i >= SQ_P3_CONTEXT_SLOTS) {
        return SQ_ERR_RANGE;
    }
    *value = t->context[i];
    return SQ_OK;
}

/*@ requires sq_p3_thread_readable(t);
    requires t != \null ==> \valid(t) && \separated(t, t->instance);
    assigns t->context[i];
    behavior ok:
      assumes sq_p3_thread_ok(t) && i < SQ_P3_CONTEXT_SLOTS;
      ensures \result == SQ_OK && t->context[i] == value;
    behavior refused:
      assumes !sq_p3_thread_ok(t) || i >= SQ_P3_CONTEXT_SLOTS;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID || \result == SQ_ERR_RANGE;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_context_set(sq_p3_thread_t *t, uint32_t i, uint32_t value)
{
    sq_status_t st = thread_usable(t);
    if (st != SQ_OK) {
        return st;
    }
    if (i >= SQ_P3_CONTEXT_SLOTS) {
        return SQ_ERR_RANGE;
    }
    t->context[i] = value;
    return SQ_OK;
}

/*@ requires sq_p3_thread_readable(t);
    requires t != \null && t->magic == SQ_P3_THREAD_MAGIC && t->instance != \null ==>
      \separated(t, t->instance);
    assigns t->instance->trap;
    behavior unusable:
      assumes !sq_p3_thread_ok(t);
      assigns \nothing;
      ensures \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID;
    behavior poisoned:
      assumes sq_p3_thread_ok(t) && t->instance->trap != SQ_P3_TRAP_NONE;
      assigns \nothing;
      ensures \result == SQ_ERR_TRAP;
    behavior may_not_leave:
      assumes sq_p3_thread_ok(t) && t->instance->trap == SQ_P3_TRAP_NONE;
      assumes check_leave && !t->instance->may_leave;
      ensures \result == SQ_ERR_TRAP && t->instance->trap == SQ_P3_TRAP_MAY_NOT_LEAVE;
    behavior ok:
      assumes sq_p3_thread_ok(t) && t->instance->trap == SQ_P3_TRAP_NONE;
      assumes !check_leave || t->instance->may_leave;
      assigns \nothing;
      ensures \result == SQ_OK;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_enter(const sq_p3_thread_t *t, bool check_leave)
{
    sq_status_t st = thread_usable(t);
    if (st != SQ_OK) {
        return st;
    }
    sq_p3_instance_t *inst = t->instance;
    if (inst->trap != SQ_P3_TRAP_NONE) {
        return SQ_ERR_TRAP;
    }
    if (check_leave && !inst->may_leave) {
        return sq_p3_trap(inst, SQ_P3_TRAP_MAY_NOT_LEAVE);
    }
    return SQ_OK;
}

/*@ requires \valid(inst);
    assigns inst->trap;
    ensures \result == SQ_ERR_TRAP;
    ensures \old(inst->trap) == SQ_P3_TRAP_NONE ==> inst->trap == reason;
    ensures \old(inst->trap) != SQ_P3_TRAP_NONE ==> inst->trap == \old(inst->trap);
*/
sq_status_t sq_p3_trap(sq_p3_instance_t *inst, sq_p3_trap_t reason)
{
    if (inst->trap == SQ_P3_TRAP_NONE) {
        inst->trap = (uint32_t)reason;
    }
    return SQ_ERR_TRAP;
}

/*@ requires \valid(inst) && \valid(host) && \separated(inst, host);
    requires sq_p3_memory_ok(inst);
    requires align > 0;
    assigns *host, inst->trap;
    behavior nothing:
      assumes size == 0;
      assigns *host;
      ensures IN01: \result == SQ_OK && *host == \null;
    behavior misaligned:
      assumes size != 0 && (ptr & (align - 1)) != 0;
      assigns inst->trap;
      ensures IN01: \result == SQ_ERR_TRAP;
      ensures IN01: inst->trap == (\old(inst->trap) == SQ_P3_TRAP_NONE ? SQ_P3_TRAP_ALIGN : \old(inst->trap));
    behavior outside:
      assumes size != 0 && (ptr & (align - 1)) == 0;
      assumes ptr + count * size > inst->memory_length;
      assigns inst->trap;
      ensures IN01: \result == SQ_ERR_TRAP;
      ensures IN01: inst->trap == (\old(inst->trap) == SQ_P3_TRAP_NONE ? SQ_P3_TRAP_BOUNDS : \old(inst->trap));
    behavior inside:
      assumes size != 0 && (ptr & (align - 1)) == 0;
      assumes ptr + count * size <= inst->memory_length;
      assigns *host;
      ensures IN01: \result == SQ_OK;
      ensures IN01: count == 0 ==> *host == \null;
      ensures IN01: count > 0 ==> *host == inst->memory + ptr &&
        \valid(*host + (0 .. count * size - 1));
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_guest_range(sq_p3_instance_t *inst, uint32_t ptr, uint32_t count,
                              uint32_t size, uint32_t align, uint8_t **host)
{
    if (size == 0u) {
        *host = NULL;
        return SQ_OK;
    }
    if ((ptr & (align - 1u)) != 0u) {
        return sq_p3_trap(inst, SQ_P3_TRAP_ALIGN);
    }
    /* 64-bit: count * size may exceed 2^32 (count < 2^28, size < 2^32). */
    uint64_t end = (uint64_t)ptr + (uint64_t)count * (uint64_t)size;
    if (end > (uint64_t)inst->memory_length) {
        return sq_p3_trap(inst, SQ_P3_TRAP_BOUNDS);
    }
    *host = count == 0u ? NULL : inst->memory + ptr;
    return SQ_OK;
}

sq_status_t sq_p3_lookup(sq_p3_instance_t *inst, uint32_t index, uint32_t kinds,
                         void **object, uint32_t *kind)
{
    sq_status_t st = sq_p3_handle_get(&inst->handles, index, kinds, object, kind);
    if (st == SQ_ERR_INVALID) {
        return sq_p3_trap(inst, SQ_P3_TRAP_WRONG_KIND);
    }
    return st == SQ_OK ? SQ_OK : sq_p3_trap(inst, SQ_P3_TRAP_BAD_HANDLE);
}

sq_status_t sq_p3_insert(sq_p3_instance_t *inst, sq_p3_kind_t kind, void *object,
                         uint32_t *index)
{
    sq_status_t st = sq_p3_handle_add(&inst->handles, kind, object, index);
    return st == SQ_OK ? SQ_OK : sq_p3_trap(inst, SQ_P3_TRAP_TABLE_FULL);
}
