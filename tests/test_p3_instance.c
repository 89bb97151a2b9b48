/*
 * P3 foundations (p3_handle_table.h, p3_instance.h, src/p3/p3.h), on the
 * host and on Cortex-M under QEMU: handle indices exactly as the
 * reference's Table hands them out (HT01-HT04), instances and their
 * settings, guest threads' context slots, the entry checks and traps,
 * guest-range checks (IN01), and the runtime's pools.
 */
#include <stdbool.h>
#include <string.h>
#include <squall/p3_runtime.h>
#include "../src/p3/p3.h"
#include "sq_test.h"

SQ_P3_RUNTIME_DEFINE(rt, 2u, 2u, 2u, 3u);
SQ_P3_INSTANCE_DEFINE(static_inst, &rt, 4u);

static int objs[8];

/* A table of 4 slots: indices 1, 2, 3. */
static sq_p3_handle_slot_t slots[4];
static sq_p3_handle_table_t table;

static void fresh_table(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_p3_handle_table_init(&table, slots, 4u), SQ_OK);
}

static uint32_t add(sq_p3_kind_t kind, void *obj)
{
    uint32_t i = 0xdeadu;
    if (sq_p3_handle_add(&table, kind, obj, &i) != SQ_OK) {
        return 0xdeadu;
    }
    return i;
}

static bool same_table(const sq_p3_handle_table_t *a, const sq_p3_handle_table_t *b)
{
    return a->slots == b->slots && a->capacity == b->capacity && a->length == b->length &&
           a->free_head == b->free_head;
}

static void table_init_codes(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_p3_handle_table_init(NULL, slots, 4u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_handle_table_init(&table, NULL, 4u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_handle_table_init(&table, slots, 1u), SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(sq_p3_handle_table_init(&table, slots, SQ_P3_MAX_HANDLES + 2u),
                SQ_ERR_CAPACITY);
    /* The largest table: only slot 0 is written at init. */
    SQ_CHECK_EQ(sq_p3_handle_table_init(&table, slots, SQ_P3_MAX_HANDLES + 1u), SQ_OK);
    SQ_CHECK_EQ(table.length, 1u);
    SQ_CHECK_EQ(sq_p3_handle_count(&table), 0u);
    SQ_CHECK_EQ(table.free_head, 0u);
}

/* HT01/HT02: 1, 2, 3 from a fresh table; after freeing 1 then 2 the next
 * adds give 2 then 1 (the reference's "future.new gives r=2, w=1"). */
static void table_indices_as_reference(void **state)
{
    fresh_table(state);
    SQ_CHECK_EQ(add(SQ_P3_KIND_STREAM_READABLE, &objs[0]), 1u);
    SQ_CHECK_EQ(add(SQ_P3_KIND_STREAM_WRITABLE, &objs[1]), 2u);
    SQ_CHECK_EQ(add(SQ_P3_KIND_WAITABLE_SET, &objs[2]), 3u);
    void *o = NULL;
    SQ_CHECK_EQ(sq_p3_handle_remove(&table, 1u, SQ_P3_KIND_BIT(SQ_P3_KIND_STREAM_READABLE), &o),
                SQ_OK);
    SQ_CHECK(o == &objs[0]);
    SQ_CHECK_EQ(sq_p3_handle_remove(&table, 2u, SQ_P3_KINDS_WAITABLE, &o), SQ_OK);
    SQ_CHECK(o == &objs[1]);
    SQ_CHECK_EQ(sq_p3_handle_count(&table), 1u);
    SQ_CHECK_EQ(add(SQ_P3_KIND_FUTURE_READABLE, &objs[3]), 2u);
    SQ_CHECK_EQ(add(SQ_P3_KIND_FUTURE_WRITABLE, &objs[4]), 1u);
    uint32_t kind = 0u;
    SQ_CHECK_EQ(sq_p3_handle_get(&table, 2u, SQ_P3_KINDS_WAITABLE, &o, &kind), SQ_OK);
    SQ_CHECK(o == &objs[3]);
    SQ_CHECK_EQ(kind, SQ_P3_KIND_FUTURE_READABLE);
    SQ_CHECK_EQ(sq_p3_handle_count(&table), 3u);
}

/* HT02: a freed index is reused before a never-used one. */
static void table_reuse_before_append(void **state)
{
    fresh_table(state);
    SQ_CHECK_EQ(add(SQ_P3_KIND_SUBTASK, &objs[0]), 1u);
    SQ_CHECK_EQ(add(SQ_P3_KIND_SUBTASK, &objs[1]), 2u);
    void *o;
    SQ_CHECK_EQ(sq_p3_handle_remove(&table, 1u, SQ_P3_KINDS_WAITABLE, &o), SQ_OK);
    SQ_CHECK_EQ(add(SQ_P3_KIND_SUBTASK, &objs[2]), 1u);
    SQ_CHECK_EQ(add(SQ_P3_KIND_SUBTASK, &objs[3]), 3u);
}

/* HT03: the capacity bounds the indices; a full table changes nothing. */
static void table_full(void **state)
{
    fresh_table(state);
    for (uint32_t i = 1u; i <= 3u; i++) {
        SQ_CHECK_EQ(add(SQ_P3_KIND_ERROR_CONTEXT, &objs[i]), i);
    }
    sq_p3_handle_table_t before = table;
    uint32_t index = 77u;
    SQ_CHECK_EQ(sq_p3_handle_add(&table, SQ_P3_KIND_ERROR_CONTEXT, &objs[0], &index),
                SQ_ERR_FULL);
    SQ_CHECK_EQ(index, 77u);
    SQ_CHECK(same_table(&table, &before));
    /* Freeing one makes exactly that index available again. */
    void *o;
    SQ_CHECK_EQ(sq_p3_handle_remove(&table, 2u, SQ_P3_KIND_BIT(SQ_P3_KIND_ERROR_CONTEXT), &o),
                SQ_OK);
    SQ_CHECK_EQ(add(SQ_P3_KIND_ERROR_CONTEXT, &objs[5]), 2u);
    SQ_CHECK_EQ(sq_p3_handle_add(&table, SQ_P3_KIND_ERROR_CONTEXT, &objs[0], &index),
                SQ_ERR_FULL);
}

static void table_add_codes(void **state)
{
    fresh_table(state);
    sq_p3_handle_table_t before = table;
    uint32_t index = 77u;
    SQ_CHECK_EQ(sq_p3_handle_add(NULL, SQ_P3_KIND_SUBTASK, &objs[0], &index), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_handle_add(&table, SQ_P3_KIND_SUBTASK, NULL, &index), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_handle_add(&table, SQ_P3_KIND_SUBTASK, &objs[0], NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_handle_add(&table, SQ_P3_KIND_FREE, &objs[0], &index), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_handle_add(&table, (sq_p3_kind_t)8, &objs[0], &index), SQ_ERR_INVALID);
    SQ_CHECK_EQ(index, 77u);
    SQ_CHECK(same_table(&table, &before));
}

/* HT04: only a used slot of an asked kind yields its object. */
static void table_lookup_codes(void **state)
{
    fresh_table(state);
    SQ_CHECK_EQ(add(SQ_P3_KIND_WAITABLE_SET, &objs[0]), 1u);
    SQ_CHECK_EQ(add(SQ_P3_KIND_STREAM_READABLE, &objs[1]), 2u);
    void *o;
    SQ_CHECK_EQ(sq_p3_handle_remove(&table, 2u, SQ_P3_KINDS_WAITABLE, &o), SQ_OK);
    const uint32_t set = SQ_P3_KIND_BIT(SQ_P3_KIND_WAITABLE_SET);
    o = &objs[7];
    uint32_t kind = 99u;
    SQ_CHECK_EQ(sq_p3_handle_get(&table, 0u, set, &o, &kind), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_p3_handle_get(&table, 3u, set, &o, &kind), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_p3_handle_get(&table, 0xffffffffu, set, &o, &kind), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_p3_handle_get(&table, 2u, SQ_P3_KINDS_WAITABLE, &o, &kind), SQ_ERR_NOT_FOUND);
    SQ_CHECK_EQ(sq_p3_handle_get(&table, 1u, SQ_P3_KINDS_WAITABLE, &o, &kind), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_handle_get(&table, 1u, 0u, &o, &kind), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_handle_get(NULL, 1u, set, &o, &kind), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_handle_get(&table, 1u, set, NULL, &kind), SQ_ERR_NULL);
    SQ_CHECK(o == &objs[7]);
    SQ_CHECK_EQ(kind, 99u);
    SQ_CHECK_EQ(sq_p3_handle_get(&table, 1u, set, &o, NULL), SQ_OK);
    SQ_CHECK(o == &objs[0]);
    /* A failing remove changes nothing. */
    sq_p3_handle_table_t before = table;
    SQ_CHECK_EQ(sq_p3_handle_remove(&table, 1u, SQ_P3_KINDS_WAITABLE, &o), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_handle_remove(&table, 2u, SQ_P3_KINDS_WAITABLE, &o), SQ_ERR_NOT_FOUND);
    SQ_CHECK_EQ(sq_p3_handle_remove(&table, 0u, set, &o), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_p3_handle_remove(&table, 1u, set, NULL), SQ_ERR_NULL);
    SQ_CHECK(same_table(&table, &before));
    SQ_CHECK_EQ(slots[1].kind, SQ_P3_KIND_WAITABLE_SET);
    SQ_CHECK(slots[1].object == &objs[0]);
}

/* ---- instances ------------------------------------------------------------ */

static uint8_t memory[64];
static sq_p3_handle_slot_t inst_slots[4];
static sq_p3_instance_t inst;
static sq_p3_thread_t th;

static void fresh_runtime(void)
{
    rt.magic = 0u;
    SQ_CHECK_EQ(sq_p3_runtime_init(&rt), SQ_OK);
}

static void fresh_instance(void **state)
{
    (void)state;
    fresh_runtime();
    memset(&inst, 0, sizeof inst);
    SQ_CHECK_EQ(sq_p3_instance_init(&inst, &rt, inst_slots, 4u, memory, sizeof memory), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&th, &inst), SQ_OK);
}

static uint32_t fake_realloc(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                             uint32_t new_size)
{
    (void)ctx;
    (void)old_ptr;
    (void)old_size;
    (void)align;
    (void)new_size;
    return 0u;
}

static void instance_init_codes(void **state)
{
    (void)state;
    fresh_runtime();
    memset(&inst, 0, sizeof inst);
    SQ_CHECK_EQ(sq_p3_instance_init(NULL, &rt, inst_slots, 4u, memory, 8u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_instance_init(&inst, NULL, inst_slots, 4u, memory, 8u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_instance_init(&inst, &rt, NULL, 4u, memory, 8u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_instance_init(&inst, &rt, inst_slots, 4u, NULL, 8u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_instance_init(&inst, &rt, inst_slots, 1u, memory, 8u), SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(inst.magic, 0u);
    /* No memory at all is fine. */
    SQ_CHECK_EQ(sq_p3_instance_init(&inst, &rt, inst_slots, 4u, NULL, 0u), SQ_OK);
    SQ_CHECK_EQ(inst.magic, SQ_P3_INSTANCE_MAGIC);
    SQ_CHECK(inst.may_leave);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_instance_trap(NULL), SQ_P3_TRAP_NONE);
    SQ_CHECK(inst.realloc_fn == NULL);
    SQ_CHECK_EQ(inst.handles.length, 1u);
    SQ_CHECK_EQ(inst.handles.capacity, 4u);
}

/* A guest's own trap (IN02): GUEST, the first reason kept, and the
 * instance refuses entry afterwards like after a built-in's trap. */
static void instance_abort(void **state)
{
    fresh_instance(state);
    sq_p3_instance_t unregistered;
    memset(&unregistered, 0, sizeof unregistered);
    SQ_CHECK_EQ(sq_p3_instance_abort(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_instance_abort(&unregistered), SQ_ERR_INVALID);
    SQ_CHECK_EQ(unregistered.trap, SQ_P3_TRAP_NONE);
    sq_p3_thread_t t;
    SQ_CHECK_EQ(sq_p3_thread_init(&t, &inst), SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_abort(&inst), SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_GUEST);
    SQ_CHECK_EQ(sq_p3_enter(&t, true), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_GUEST);
    fresh_instance(state);
    SQ_CHECK_EQ(sq_p3_trap(&inst, SQ_P3_TRAP_BAD_HANDLE), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_abort(&inst), SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BAD_HANDLE);
}

static void instance_defined_statically(void **state)
{
    (void)state;
    fresh_runtime();
    sq_p3_thread_t t;
    SQ_CHECK_EQ(sq_p3_thread_init(&t, &static_inst), SQ_OK);
    SQ_CHECK_EQ(sq_p3_enter(&t, true), SQ_OK);
    uint32_t index = 0u;
    SQ_CHECK_EQ(sq_p3_insert(&static_inst, SQ_P3_KIND_WAITABLE_SET, &objs[0], &index), SQ_OK);
    SQ_CHECK_EQ(index, 1u);
    void *o;
    SQ_CHECK_EQ(sq_p3_handle_remove(&static_inst.handles, 1u,
                                    SQ_P3_KIND_BIT(SQ_P3_KIND_WAITABLE_SET), &o),
                SQ_OK);
}

static void instance_settings(void **state)
{
    fresh_instance(state);
    static uint8_t bigger[128];
    SQ_CHECK_EQ(sq_p3_instance_set_memory(&inst, bigger, 32u), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_p3_instance_set_memory(&inst, NULL, 128u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_instance_set_memory(NULL, bigger, 128u), SQ_ERR_NULL);
    SQ_CHECK(inst.memory == memory);
    SQ_CHECK_EQ(inst.memory_length, sizeof memory);
    SQ_CHECK_EQ(sq_p3_instance_set_memory(&inst, bigger, 128u), SQ_OK);
    SQ_CHECK(inst.memory == bigger);
    SQ_CHECK_EQ(inst.memory_length, 128u);
    SQ_CHECK_EQ(sq_p3_instance_set_memory(&inst, bigger, 128u), SQ_OK);

    SQ_CHECK_EQ(sq_p3_instance_set_may_leave(&inst, false), SQ_OK);
    SQ_CHECK(!inst.may_leave);
    SQ_CHECK_EQ(sq_p3_instance_set_may_leave(NULL, true), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_instance_set_realloc(&inst, fake_realloc, &objs[0]), SQ_OK);
    SQ_CHECK(inst.realloc_fn == fake_realloc);
    SQ_CHECK(inst.realloc_ctx == &objs[0]);
    SQ_CHECK_EQ(sq_p3_instance_set_realloc(NULL, NULL, NULL), SQ_ERR_NULL);

    /* An unregistered instance is refused and left alone. */
    sq_p3_instance_t other;
    memset(&other, 0, sizeof other);
    SQ_CHECK_EQ(sq_p3_instance_set_memory(&other, bigger, 128u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_instance_set_may_leave(&other, false), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_instance_set_realloc(&other, fake_realloc, NULL), SQ_ERR_INVALID);
    SQ_CHECK(other.memory == NULL && !other.may_leave && other.realloc_fn == NULL);
    sq_p3_thread_t t;
    SQ_CHECK_EQ(sq_p3_thread_init(&t, &other), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_thread_init(&t, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_thread_init(NULL, &inst), SQ_ERR_NULL);
}

/* context.get/set: two slots per thread, each new thread starts at 0. */
static void context_slots(void **state)
{
    fresh_instance(state);
    uint32_t v = 99u;
    SQ_CHECK_EQ(sq_p3_context_get(&th, 0u, &v), SQ_OK);
    SQ_CHECK_EQ(v, 0u);
    SQ_CHECK_EQ(sq_p3_context_get(&th, 1u, &v), SQ_OK);
    SQ_CHECK_EQ(v, 0u);
    SQ_CHECK_EQ(sq_p3_context_set(&th, 0u, 0x11u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_context_set(&th, 1u, 0xffffffffu), SQ_OK);
    SQ_CHECK_EQ(sq_p3_context_get(&th, 0u, &v), SQ_OK);
    SQ_CHECK_EQ(v, 0x11u);
    SQ_CHECK_EQ(sq_p3_context_get(&th, 1u, &v), SQ_OK);
    SQ_CHECK_EQ(v, 0xffffffffu);
    /* Another thread of the same instance has its own slots. */
    sq_p3_thread_t t2;
    memset(&t2, 0xa5, sizeof t2);
    SQ_CHECK_EQ(sq_p3_thread_init(&t2, &inst), SQ_OK);
    SQ_CHECK_EQ(sq_p3_context_get(&t2, 0u, &v), SQ_OK);
    SQ_CHECK_EQ(v, 0u);
    SQ_CHECK_EQ(sq_p3_context_get(&t2, 1u, &v), SQ_OK);
    SQ_CHECK_EQ(v, 0u);
    /* Slot numbers, NULLs and uninitialised threads: no trap. */
    v = 5u;
    SQ_CHECK_EQ(sq_p3_context_get(&th, 2u, &v), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_p3_context_set(&th, 2u, 7u), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_p3_context_get(&th, 0u, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_context_get(NULL, 0u, &v), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_context_set(NULL, 0u, 7u), SQ_ERR_NULL);
    sq_p3_thread_t raw;
    memset(&raw, 0, sizeof raw);
    SQ_CHECK_EQ(sq_p3_context_get(&raw, 0u, &v), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_p3_context_set(&raw, 0u, 7u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(v, 5u);
    SQ_CHECK_EQ(th.context[0], 0x11u);
    SQ_CHECK_EQ(th.context[1], 0xffffffffu);
    /* context.get/set do not check may_leave, and never trap. */
    inst.may_leave = false;
    SQ_CHECK_EQ(sq_p3_context_set(&th, 0u, 3u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_context_get(&th, 0u, &v), SQ_OK);
    SQ_CHECK_EQ(v, 3u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_NONE);
    /* After a trap they fail like every built-in: nothing stored either
     * way, the first reason kept. */
    inst.may_leave = true;
    SQ_CHECK_EQ(sq_p3_trap(&inst, SQ_P3_TRAP_BAD_HANDLE), SQ_ERR_TRAP);
    v = 5u;
    SQ_CHECK_EQ(sq_p3_context_get(&th, 0u, &v), SQ_ERR_TRAP);
    SQ_CHECK_EQ(v, 5u);
    SQ_CHECK_EQ(sq_p3_context_set(&th, 0u, 9u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_context_set(&t2, 1u, 9u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(th.context[0], 3u);
    SQ_CHECK_EQ(t2.context[1], 0u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BAD_HANDLE);
}

/* IN01 at the edges of memory (64 bytes). */
static void guest_range_edges(void **state)
{
    fresh_instance(state);
    uint8_t *host = NULL;
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 60u, 1u, 4u, 4u, &host), SQ_OK);
    SQ_CHECK(host == memory + 60);
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 0u, 8u, 8u, 8u, &host), SQ_OK);
    SQ_CHECK(host == memory);
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 16u, 3u, 16u, 4u, &host), SQ_OK);
    SQ_CHECK(host == memory + 16);
    /* count 0: ptr may be the end of memory, and the address is NULL. */
    host = memory;
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 64u, 0u, 4u, 4u, &host), SQ_OK);
    SQ_CHECK(host == NULL);
    /* size 0: nothing checked. */
    host = memory;
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 0xffffffffu, 5u, 0u, 4u, &host), SQ_OK);
    SQ_CHECK(host == NULL);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_NONE);
}

static void guest_range_one_past(void **state)
{
    fresh_instance(state);
    uint8_t *host = memory + 1;
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 61u, 1u, 4u, 1u, &host), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
    SQ_CHECK(host == memory + 1);
}

static void guest_range_count_zero_past_end(void **state)
{
    fresh_instance(state);
    uint8_t *host;
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 65u, 0u, 1u, 1u, &host), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
}

/* count * size beyond 2^32 must not wrap into a small range. */
static void guest_range_product_overflow(void **state)
{
    fresh_instance(state);
    uint8_t *host;
    /* 0x10000 * 0x10000 = 2^32: wraps to 0 in 32 bits. */
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 0u, 0x10000u, 0x10000u, 1u, &host), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
    fresh_instance(state);
    /* ptr + count * size wraps to 8 in 32 bits. */
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 0xfffffff8u, 4u, 4u, 4u, &host), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
    fresh_instance(state);
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 0u, 0x0fffffffu, 0xffffffffu, 1u, &host), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
}

/* Misalignment traps ALIGN before bounds are looked at; the first reason
 * stays. */
static void guest_range_align_first_reason(void **state)
{
    fresh_instance(state);
    uint8_t *host;
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 2u, 1u, 4u, 4u, &host), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_ALIGN);
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 1000u, 1u, 4u, 4u, &host), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_ALIGN);
    SQ_CHECK_EQ(sq_p3_trap(&inst, SQ_P3_TRAP_BAD_HANDLE), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_ALIGN);
    fresh_instance(state);
    SQ_CHECK_EQ(sq_p3_guest_range(&inst, 1001u, 1u, 4u, 4u, &host), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_ALIGN);
}

/* The entry checks: thread, poison, may_leave; other instances untouched. */
static void enter_checks(void **state)
{
    fresh_instance(state);
    SQ_CHECK_EQ(sq_p3_enter(&th, true), SQ_OK);
    SQ_CHECK_EQ(sq_p3_enter(NULL, true), SQ_ERR_NULL);
    sq_p3_thread_t raw;
    memset(&raw, 0, sizeof raw);
    SQ_CHECK_EQ(sq_p3_enter(&raw, true), SQ_ERR_INVALID);

    inst.may_leave = false;
    SQ_CHECK_EQ(sq_p3_enter(&th, false), SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(sq_p3_enter(&th, true), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_MAY_NOT_LEAVE);

    /* Poisoned: every later entry traps, the first reason stays. */
    inst.may_leave = true;
    SQ_CHECK_EQ(sq_p3_enter(&th, true), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_enter(&th, false), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_MAY_NOT_LEAVE);

    sq_p3_thread_t t2;
    SQ_CHECK_EQ(sq_p3_thread_init(&t2, &static_inst), SQ_OK);
    SQ_CHECK_EQ(sq_p3_enter(&t2, true), SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_trap(&static_inst), SQ_P3_TRAP_NONE);
}

/* sq_p3_lookup and sq_p3_insert turn table codes into traps. */
static void lookup_insert_traps(void **state)
{
    fresh_instance(state);
    uint32_t index = 0u;
    SQ_CHECK_EQ(sq_p3_insert(&inst, SQ_P3_KIND_WAITABLE_SET, &objs[0], &index), SQ_OK);
    SQ_CHECK_EQ(index, 1u);
    void *o = NULL;
    uint32_t kind = 0u;
    SQ_CHECK_EQ(sq_p3_lookup(&inst, 1u, SQ_P3_KIND_BIT(SQ_P3_KIND_WAITABLE_SET), &o, &kind),
                SQ_OK);
    SQ_CHECK(o == &objs[0]);
    SQ_CHECK_EQ(kind, SQ_P3_KIND_WAITABLE_SET);
    SQ_CHECK_EQ(sq_p3_lookup(&inst, 1u, SQ_P3_KINDS_WAITABLE, &o, NULL), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_WRONG_KIND);

    const uint32_t bad[] = {0u, 2u, 4u};
    for (uint32_t k = 0u; k < 3u; k++) {
        fresh_instance(state);
        SQ_CHECK_EQ(sq_p3_lookup(&inst, bad[k], SQ_P3_KINDS_WAITABLE, &o, NULL), SQ_ERR_TRAP);
        SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BAD_HANDLE);
    }
    /* A freed slot is a bad handle too. */
    fresh_instance(state);
    SQ_CHECK_EQ(sq_p3_insert(&inst, SQ_P3_KIND_SUBTASK, &objs[0], &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_handle_remove(&inst.handles, index, SQ_P3_KINDS_WAITABLE, &o), SQ_OK);
    SQ_CHECK_EQ(sq_p3_lookup(&inst, index, SQ_P3_KINDS_WAITABLE, &o, NULL), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BAD_HANDLE);

    fresh_instance(state);
    for (uint32_t i = 1u; i <= 3u; i++) {
        SQ_CHECK_EQ(sq_p3_insert(&inst, SQ_P3_KIND_SUBTASK, &objs[i], &index), SQ_OK);
        SQ_CHECK_EQ(index, i);
    }
    SQ_CHECK_EQ(sq_p3_insert(&inst, SQ_P3_KIND_SUBTASK, &objs[0], &index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_TABLE_FULL);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst.handles), 3u);
}

/* ---- runtime pools -------------------------------------------------------- */

static void runtime_init_codes(void **state)
{
    (void)state;
    SQ_CHECK_EQ(sq_p3_runtime_init(NULL), SQ_ERR_NULL);
    fresh_runtime();
    sq_p3_pool_t *pool = &rt.errors;
    void *e = sq_p3_pool_take(pool);
    SQ_CHECK(e != NULL);
    SQ_CHECK_EQ(sq_p3_runtime_init(&rt), SQ_ERR_BUSY);
    SQ_CHECK_EQ(pool->used, 1u);
    sq_p3_pool_give(pool, e);
    SQ_CHECK_EQ(sq_p3_runtime_init(&rt), SQ_OK);

    sq_p3_runtime_t bad = rt;
    bad.magic = 0u;
    bad.errors.count = 0u;
    SQ_CHECK_EQ(sq_p3_runtime_init(&bad), SQ_ERR_INVALID);
    bad = rt;
    bad.magic = 0u;
    bad.sets.stride = 1u;
    SQ_CHECK_EQ(sq_p3_runtime_init(&bad), SQ_ERR_INVALID);
    bad = rt;
    bad.magic = 0u;
    bad.set_members = 0u;
    SQ_CHECK_EQ(sq_p3_runtime_init(&bad), SQ_ERR_INVALID);
    bad = rt;
    bad.magic = 0u;
    bad.set_storage = NULL;
    SQ_CHECK_EQ(sq_p3_runtime_init(&bad), SQ_ERR_INVALID);
    bad = rt;
    bad.magic = 0u;
    bad.channels.items = NULL;
    SQ_CHECK_EQ(sq_p3_runtime_init(&bad), SQ_ERR_INVALID);
    SQ_CHECK_EQ(bad.magic, 0u);
}

/* Take everything in order, run dry, give back: the last given is the
 * first taken again. */
static void runtime_pools(void **state)
{
    (void)state;
    fresh_runtime();
    sq_p3_pool_t *pool = &rt.errors;
    sq_p3_error_context_t *items = pool->items;
    sq_p3_error_context_t *taken[3];
    for (uint32_t i = 0u; i < 3u; i++) {
        taken[i] = sq_p3_pool_take(pool);
        SQ_CHECK(taken[i] == &items[i]);
        SQ_CHECK(taken[i]->link.in_use);
        SQ_CHECK_EQ(sq_p3_pool_index(pool, taken[i]), i);
    }
    SQ_CHECK_EQ(pool->used, 3u);
    SQ_CHECK(sq_p3_pool_take(pool) == NULL);
    SQ_CHECK_EQ(pool->used, 3u);
    sq_p3_pool_give(pool, taken[0]);
    sq_p3_pool_give(pool, taken[2]);
    SQ_CHECK(!taken[2]->link.in_use);
    SQ_CHECK_EQ(pool->used, 1u);
    SQ_CHECK(sq_p3_pool_take(pool) == taken[2]);
    SQ_CHECK(sq_p3_pool_take(pool) == taken[0]);
    SQ_CHECK(sq_p3_pool_take(pool) == NULL);
    /* The other pools are separate. */
    SQ_CHECK_EQ(rt.channels.used, 0u);
    SQ_CHECK(sq_p3_pool_take(&rt.channels) != NULL);
    SQ_CHECK(sq_p3_pool_take(&rt.channels) != NULL);
    SQ_CHECK(sq_p3_pool_take(&rt.channels) == NULL);
    SQ_CHECK(sq_p3_pool_take(&rt.sets) != NULL);
    SQ_CHECK_EQ(rt.sets.used, 1u);
}

SQ_TEST_MAIN(SQ_TEST(table_init_codes), SQ_TEST(table_indices_as_reference),
             SQ_TEST(table_reuse_before_append), SQ_TEST(table_full), SQ_TEST(table_add_codes),
             SQ_TEST(table_lookup_codes), SQ_TEST(instance_init_codes),
             SQ_TEST(instance_defined_statically), SQ_TEST(instance_abort), SQ_TEST(instance_settings),
             SQ_TEST(context_slots), SQ_TEST(guest_range_edges), SQ_TEST(guest_range_one_past),
             SQ_TEST(guest_range_count_zero_past_end), SQ_TEST(guest_range_product_overflow),
             SQ_TEST(guest_range_align_first_reason), SQ_TEST(enter_checks),
             SQ_TEST(lookup_insert_traps), SQ_TEST(runtime_pools), SQ_TEST(runtime_init_codes))
