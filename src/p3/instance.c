/*
 * Component instances, guest threads, traps and guest-memory checks
 * (p3_instance.h, p3.h).
 */
#include <stddef.h>
#include <squall/p3_instance.h>
#include "p3.h"

/*@ requires inst == \null || \valid(inst);
    requires slots != \null && 2 <= capacity <= SQ_P3_MAX_HANDLES + 1 ==>
      \valid(slots + (0 .. capacity - 1)) && \separated(inst, slots + (0 .. capacity - 1));
    requires inst != \null && slots != \null ==> \separated(inst, slots);
    behavior null_arg:
      assumes inst == \null || runtime == \null || slots == \null ||
              (memory == \null && length > 0);
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_capacity:
      assumes inst != \null && runtime != \null && slots != \null &&
              (memory != \null || length == 0);
      assumes capacity < 2 || capacity - 1 > SQ_P3_MAX_HANDLES;
      ensures \result == SQ_ERR_CAPACITY && *inst == \old(*inst);
    behavior ok:
      assumes inst != \null && runtime != \null && slots != \null &&
              (memory != \null || length == 0);
      assumes 2 <= capacity <= SQ_P3_MAX_HANDLES + 1;
      assigns *inst, slots[0];
      ensures \result == SQ_OK && sq_p3_inst_ok(inst) && sq_ht_ok(&inst->handles);
      ensures inst->runtime == runtime && inst->memory == memory && inst->memory_length == length;
      ensures inst->may_leave && inst->trap == SQ_P3_TRAP_NONE && inst->realloc_fn == \null;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_instance_init(sq_p3_instance_t *inst, struct sq_p3_runtime *runtime,
                                sq_p3_handle_slot_t *slots, uint32_t capacity,
                                uint8_t *memory, uint32_t length)
{
    if (inst == NULL || runtime == NULL || slots == NULL || (memory == NULL && length > 0u)) {
        return SQ_ERR_NULL;
    }
    /* A refused capacity leaves the table, and so inst, unchanged. */
    sq_status_t st = sq_p3_handle_table_init(&inst->handles, slots, capacity);
    if (st != SQ_OK) {
        return st;
    }
    inst->runtime = runtime;
    inst->memory = memory;
    inst->memory_length = length;
    inst->may_leave = true;
    inst->trap = SQ_P3_TRAP_NONE;
    inst->realloc_fn = NULL;
    inst->realloc_ctx = NULL;
    inst->magic = SQ_P3_INSTANCE_MAGIC;
    /* Open, unlocked, nobody waiting: SQ_GATE_DEFINE's gate. */
    inst->backpressure.counter = 0u;
    inst->backpressure.flag = 0u;
    inst->backpressure.magic = SQ_GATE_MAGIC;
    inst->holder = NULL;
    inst->queue_head = NULL;
    inst->queue_tail = NULL;
    inst->lock_head = NULL;
    inst->lock_tail = NULL;
    inst->on_stack = 0u;
    return SQ_OK;
}

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

/*@ requires inst == \null || \valid(inst);
    assigns inst->memory, inst->memory_length;
    ensures \result == SQ_OK <==> sq_p3_inst_ok(inst) && (memory != \null || length == 0) &&
      length >= \old(inst->memory_length);
    ensures \result == SQ_OK ==> inst->memory == memory && inst->memory_length == length;
    ensures \result != SQ_OK && inst != \null ==>
      inst->memory == \old(inst->memory) && inst->memory_length == \old(inst->memory_length);
*/
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

/*@ requires inst == \null || \valid(inst);
    assigns inst->may_leave;
    ensures \result == SQ_OK <==> sq_p3_inst_ok(inst);
    ensures \result == SQ_OK ==> inst->may_leave == may_leave;
    ensures \result != SQ_OK && inst != \null ==> inst->may_leave == \old(inst->may_leave);
*/
sq_status_t sq_p3_instance_set_may_leave(sq_p3_instance_t *inst, bool may_leave)
{
    sq_status_t st = instance_usable(inst);
    if (st == SQ_OK) {
        inst->may_leave = may_leave;
    }
    return st;
}

/*@ requires inst == \null || \valid(inst);
    assigns inst->realloc_fn, inst->realloc_ctx;
    ensures \result == SQ_OK <==> sq_p3_inst_ok(inst);
    ensures \result == SQ_OK ==> inst->realloc_fn == fn && inst->realloc_ctx == ctx;
    ensures \result != SQ_OK && inst != \null ==>
      inst->realloc_fn == \old(inst->realloc_fn) && inst->realloc_ctx == \old(inst->realloc_ctx);
*/
sq_status_t sq_p3_instance_set_realloc(sq_p3_instance_t *inst, sq_p3_realloc_fn fn, void *ctx)
{
    sq_status_t st = instance_usable(inst);
    if (st == SQ_OK) {
        inst->realloc_fn = fn;
        inst->realloc_ctx = ctx;
    }
    return st;
}

/*@ requires inst == \null || \valid_read(inst);
    assigns \nothing;
    ensures inst == \null ==> \result == SQ_P3_TRAP_NONE;
    ensures inst != \null ==> \result == inst->trap;
*/
sq_p3_trap_t sq_p3_instance_trap(const sq_p3_instance_t *inst)
{
    return inst == NULL ? SQ_P3_TRAP_NONE : (sq_p3_trap_t)inst->trap;
}

/*@ requires t == \null || \valid(t);
    requires inst == \null || \valid_read(inst);
    requires \separated(t, inst);
    behavior ok:
      assumes t != \null && sq_p3_inst_ok(inst);
      assigns *t;
      ensures \result == SQ_OK && sq_p3_thread_ok(t) && t->instance == inst;
      ensures t->context[0] == 0 && t->context[1] == 0;
    behavior refused:
      assumes t == \null || !sq_p3_inst_ok(inst);
      assigns \nothing;
      ensures \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID;
    complete behaviors;
    disjoint behaviors;
*/
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
    /*@ loop invariant 0 <= i <= SQ_P3_CONTEXT_SLOTS;
        loop invariant \forall integer j; 0 <= j < i ==> t->context[j] == 0;
        loop assigns i, t->context[0 .. SQ_P3_CONTEXT_SLOTS - 1];
        loop variant SQ_P3_CONTEXT_SLOTS - i;
    */
    for (uint32_t i = 0u; i < SQ_P3_CONTEXT_SLOTS; i++) {
        t->context[i] = 0u;
    }
    t->magic = SQ_P3_THREAD_MAGIC;
    t->task = NULL;
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

/* A usable thread of an instance that has not trapped: SQ_OK, else
 * thread_usable's code or SQ_ERR_TRAP (nothing recorded). The first check
 * of every built-in, context.get/set included. */
/*@ requires sq_p3_thread_readable(t);
    assigns \nothing;
    ensures \result == SQ_OK <==> sq_p3_thread_ok(t) && t->instance->trap == SQ_P3_TRAP_NONE;
    ensures !sq_p3_thread_ok(t) ==> \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID;
    ensures sq_p3_thread_ok(t) && t->instance->trap != SQ_P3_TRAP_NONE ==>
      \result == SQ_ERR_TRAP;
*/
static sq_status_t thread_live(const sq_p3_thread_t *t)
{
    sq_status_t st = thread_usable(t);
    if (st == SQ_OK && t->instance->trap != SQ_P3_TRAP_NONE) {
        st = SQ_ERR_TRAP;
    }
    return st;
}

/* context.get/set do not check may_leave (the reference's rule); after a
 * trap they fail like every built-in. */
/*@ requires sq_p3_thread_readable(t);
    requires value == \null || \valid(value);
    requires \separated(value, t);
    assigns *value;
    behavior ok:
      assumes value != \null && sq_p3_thread_ok(t) && t->instance->trap == SQ_P3_TRAP_NONE;
      assumes i < SQ_P3_CONTEXT_SLOTS;
      ensures \result == SQ_OK && *value == t->context[i];
    behavior trapped:
      assumes value != \null && sq_p3_thread_ok(t) && t->instance->trap != SQ_P3_TRAP_NONE;
      assigns \nothing;
      ensures \result == SQ_ERR_TRAP;
    behavior refused:
      assumes value == \null || !sq_p3_thread_ok(t) ||
              (t->instance->trap == SQ_P3_TRAP_NONE && i >= SQ_P3_CONTEXT_SLOTS);
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
    sq_status_t st = thread_live(t);
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
      assumes sq_p3_thread_ok(t) && t->instance->trap == SQ_P3_TRAP_NONE;
      assumes i < SQ_P3_CONTEXT_SLOTS;
      ensures \result == SQ_OK && t->context[i] == value;
    behavior trapped:
      assumes sq_p3_thread_ok(t) && t->instance->trap != SQ_P3_TRAP_NONE;
      assigns \nothing;
      ensures \result == SQ_ERR_TRAP;
    behavior refused:
      assumes !sq_p3_thread_ok(t) ||
              (t->instance->trap == SQ_P3_TRAP_NONE && i >= SQ_P3_CONTEXT_SLOTS);
      assigns \nothing;
      ensures \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID || \result == SQ_ERR_RANGE;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_context_set(sq_p3_thread_t *t, uint32_t i, uint32_t value)
{
    sq_status_t st = thread_live(t);
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
    sq_status_t st = thread_live(t);
    if (st != SQ_OK) {
        return st;
    }
    sq_p3_instance_t *inst = t->instance;
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

/*@ requires \valid(inst) && sq_ht_ok(&inst->handles);
    requires \separated(&inst->trap, inst->handles.slots + (0 .. inst->handles.capacity - 1));
    requires \valid(object) && (kind == \null || \valid(kind));
    requires \separated(object, inst, inst->handles.slots + (0 .. inst->handles.capacity - 1));
    requires kind != \null ==>
      \separated(kind, object, inst, inst->handles.slots + (0 .. inst->handles.capacity - 1));
    assigns *object, *kind, inst->trap;
    behavior found:
      assumes sq_ht_found(&inst->handles, index, kinds);
      ensures \result == SQ_OK && *object == inst->handles.slots[index].object;
      ensures kind != \null ==> *kind == inst->handles.slots[index].kind;
      ensures inst->trap == \old(inst->trap);
    behavior wrong_kind:
      assumes 0 < index < inst->handles.length && !sq_ht_free(inst->handles.slots, index);
      assumes !sq_ht_found(&inst->handles, index, kinds);
      ensures \result == SQ_ERR_TRAP;
      ensures inst->trap == (\old(inst->trap) == SQ_P3_TRAP_NONE ?
                             SQ_P3_TRAP_WRONG_KIND : \old(inst->trap));
    behavior bad_handle:
      assumes index == 0 || index >= inst->handles.length ||
              sq_ht_free(inst->handles.slots, index);
      ensures \result == SQ_ERR_TRAP;
      ensures inst->trap == (\old(inst->trap) == SQ_P3_TRAP_NONE ?
                             SQ_P3_TRAP_BAD_HANDLE : \old(inst->trap));
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_lookup(sq_p3_instance_t *inst, uint32_t index, uint32_t kinds,
                         void **object, uint32_t *kind)
{
    sq_status_t st = sq_p3_handle_get(&inst->handles, index, kinds, object, kind);
    if (st == SQ_ERR_INVALID) {
        return sq_p3_trap(inst, SQ_P3_TRAP_WRONG_KIND);
    }
    return st == SQ_OK ? SQ_OK : sq_p3_trap(inst, SQ_P3_TRAP_BAD_HANDLE);
}

/*@ requires \valid(inst) && sq_ht_ok(&inst->handles);
    requires \separated(&inst->trap, inst->handles.slots + (0 .. inst->handles.capacity - 1));
    requires \valid(index) && object != \null;
    requires SQ_P3_KIND_FREE < kind <= SQ_P3_KIND_SUBTASK;
    requires \separated(index, inst, inst->handles.slots + (0 .. inst->handles.capacity - 1));
    assigns inst->handles.free_head, inst->handles.length,
            inst->handles.slots[1 .. inst->handles.capacity - 1], *index, inst->trap;
    ensures sq_ht_bounds(&inst->handles) && sq_ht_kinds(&inst->handles);
    // A trapped instance's table is never used again: the free stack's
    // rules are kept while it is healthy.
    ensures inst->trap == SQ_P3_TRAP_NONE ==> sq_ht_links_ok(&inst->handles);
    ensures inst->trap == SQ_P3_TRAP_NONE ==> sq_ht_links_distinct(&inst->handles);
    behavior added:
      assumes inst->handles.free_head != 0 || inst->handles.length < inst->handles.capacity;
      ensures \result == SQ_OK && 0 < *index < inst->handles.capacity;
      ensures inst->handles.slots[*index].object == object &&
              inst->handles.slots[*index].kind == kind;
      ensures inst->trap == \old(inst->trap);
    behavior full:
      assumes inst->handles.free_head == 0 && inst->handles.length == inst->handles.capacity;
      ensures \result == SQ_ERR_TRAP;
      ensures inst->trap == (\old(inst->trap) == SQ_P3_TRAP_NONE ?
                             SQ_P3_TRAP_TABLE_FULL : \old(inst->trap));
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_insert(sq_p3_instance_t *inst, sq_p3_kind_t kind, void *object,
                         uint32_t *index)
{
    if (sq_p3_handle_add(&inst->handles, kind, object, index) == SQ_OK) {
        return SQ_OK;
    }
    //@ ghost full: ;
    sq_status_t st = sq_p3_trap(inst, SQ_P3_TRAP_TABLE_FULL);
    /* The trap stored the reason only: the table is as the refusal left it. */
    /*@ assert table_kept: inst->handles.slots == \at(inst->handles.slots, full) &&
          inst->handles.capacity == \at(inst->handles.capacity, full) &&
          inst->handles.length == \at(inst->handles.length, full) &&
          inst->handles.free_head == \at(inst->handles.free_head, full) &&
          \forall integer i; 0 <= i < inst->handles.capacity ==>
            sq_ht_slot_unchanged{full, Here}(&inst->handles, i); */
    return st;
}
