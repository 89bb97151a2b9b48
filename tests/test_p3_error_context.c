/*
 * error-context.new / debug-message / drop (p3_error_context.h), on the host
 * and on Cortex-M under QEMU: the kept message, the reference's trap order,
 * realloc's part, and that failing calls leave the table and pool alone.
 */
#include <stdbool.h>
#include <string.h>
#include <squall/p3_error_context.h>
#include <squall/p3_runtime.h>
#include "../src/p3/p3.h"
#include "sq_test.h"

SQ_P3_RUNTIME_DEFINE(rt, 1u, 1u, 1u, 2u);

#define MEM 256u
static _Alignas(8) uint8_t memory[MEM];
static sq_p3_handle_slot_t slots[4];
static sq_p3_instance_t inst;
static sq_p3_thread_t th;

/* What the fake realloc saw and gives. */
static struct {
    uint32_t calls;
    uint32_t old_ptr, old_size, align, new_size;
    bool may_leave;
    uint32_t result;
    bool call_builtin; /* guest code calling a built-in from realloc */
} ra;

static uint32_t guest_realloc(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                              uint32_t new_size)
{
    ra.calls += ctx == &ra ? 1u : 100u;
    ra.old_ptr = old_ptr;
    ra.old_size = old_size;
    ra.align = align;
    ra.new_size = new_size;
    ra.may_leave = inst.may_leave;
    if (ra.call_builtin) {
        uint32_t index;
        (void)sq_p3_error_context_new(&th, 0u, 0u, &index);
    }
    return ra.result;
}

static void setup(void)
{
    rt.magic = 0u;
    SQ_CHECK_EQ(sq_p3_runtime_init(&rt), SQ_OK);
    memset(&inst, 0, sizeof inst);
    memset(memory, 0, sizeof memory);
    SQ_CHECK_EQ(sq_p3_instance_init(&inst, &rt, slots, 4u, memory, MEM), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&th, &inst), SQ_OK);
    memset(&ra, 0, sizeof ra);
    ra.result = 128u;
}

static void with_realloc(void)
{
    setup();
    SQ_CHECK_EQ(sq_p3_instance_set_realloc(&inst, guest_realloc, &ra), SQ_OK);
}

static uint32_t load_u32(uint32_t ptr)
{
    return (uint32_t)memory[ptr] | (uint32_t)memory[ptr + 1] << 8 |
           (uint32_t)memory[ptr + 2] << 16 | (uint32_t)memory[ptr + 3] << 24;
}

static const sq_p3_error_context_t *object_at(uint32_t index)
{
    void *o = NULL;
    if (sq_p3_handle_get(&inst.handles, index, SQ_P3_KIND_BIT(SQ_P3_KIND_ERROR_CONTEXT), &o,
                         NULL) != SQ_OK) {
        return NULL;
    }
    return o;
}

/* new keeps the message and debug-message hands it back through realloc. */
static void new_then_debug_message(void **state)
{
    (void)state;
    with_realloc();
    memcpy(memory + 10, "bad input", 9);
    uint32_t index = 0u;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 10u, 9u, &index), SQ_OK);
    SQ_CHECK_EQ(index, 1u);
    SQ_CHECK_EQ(rt.errors.used, 1u);
    const sq_p3_error_context_t *e = object_at(1u);
    SQ_CHECK(e != NULL);
    SQ_CHECK_EQ(e->length, 9u);
    SQ_CHECK_EQ(e->refs, 1u);

    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, 1u, 64u), SQ_OK);
    SQ_CHECK_EQ(ra.calls, 1u);
    SQ_CHECK_EQ(ra.old_ptr, 0u);
    SQ_CHECK_EQ(ra.old_size, 0u);
    SQ_CHECK_EQ(ra.align, 1u);
    SQ_CHECK_EQ(ra.new_size, 9u);
    SQ_CHECK(!ra.may_leave);
    SQ_CHECK(inst.may_leave);
    SQ_CHECK_EQ(load_u32(64u), 128u);
    SQ_CHECK_EQ(load_u32(68u), 9u);
    SQ_CHECK_MEM_EQ(memory + 128, "bad input", 9);
    /* The handle stays: debug-message may be asked again. */
    SQ_CHECK(object_at(1u) != NULL);
}

/* With no realloc the result is (0, 0). */
static void debug_message_without_realloc(void **state)
{
    (void)state;
    setup();
    memcpy(memory, "oops", 4);
    uint32_t index;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 4u, &index), SQ_OK);
    memset(memory + 32, 0xee, 8);
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, index, 32u), SQ_OK);
    SQ_CHECK_EQ(load_u32(32u), 0u);
    SQ_CHECK_EQ(load_u32(36u), 0u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_NONE);
}

/* Only whole code points up to SQ_P3_ERROR_MESSAGE_MAX bytes are kept. */
static void message_prefix_whole_code_points(void **state)
{
    (void)state;
    setup();
    uint8_t *s = memory + 16;
    memset(s, 'a', SQ_P3_ERROR_MESSAGE_MAX - 1u);
    s[SQ_P3_ERROR_MESSAGE_MAX - 1u] = 0xc3u; /* U+00E9 across the limit */
    s[SQ_P3_ERROR_MESSAGE_MAX] = 0xa9u;
    s[SQ_P3_ERROR_MESSAGE_MAX + 1u] = 'z';
    uint32_t index;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 16u, SQ_P3_ERROR_MESSAGE_MAX + 2u, &index), SQ_OK);
    const sq_p3_error_context_t *e = object_at(index);
    SQ_CHECK(e != NULL);
    SQ_CHECK_EQ(e->length, SQ_P3_ERROR_MESSAGE_MAX - 1u);
    SQ_CHECK_MEM_EQ(e->message, s, SQ_P3_ERROR_MESSAGE_MAX - 1u);
    /* Exactly the limit: all kept. */
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 17u, SQ_P3_ERROR_MESSAGE_MAX, &index), SQ_OK);
    e = object_at(index);
    SQ_CHECK(e != NULL);
    SQ_CHECK_EQ(e->length, SQ_P3_ERROR_MESSAGE_MAX);
    SQ_CHECK_MEM_EQ(e->message, s + 1, SQ_P3_ERROR_MESSAGE_MAX);
}

/* Invalid UTF-8 (anywhere in the string) keeps an empty message. */
static void invalid_utf8_empty_message(void **state)
{
    (void)state;
    static const uint8_t bad[][4] = {
        {'a', 0x80u, 'b', 'c'},     /* a lone continuation byte */
        {'a', 0xc0u, 0x80u, 'c'},   /* overlong */
        {0xedu, 0xa0u, 0x80u, 'c'}, /* a surrogate */
        {0xf4u, 0x90u, 0x80u, 0x80u}, /* above U+10FFFF */
        {'a', 'b', 'c', 0xe2u},     /* cut short */
    };
    for (uint32_t k = 0u; k < sizeof bad / sizeof bad[0]; k++) {
        setup();
        memcpy(memory, bad[k], 4);
        uint32_t index;
        SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 4u, &index), SQ_OK);
        const sq_p3_error_context_t *e = object_at(index);
        SQ_CHECK(e != NULL);
        SQ_CHECK_EQ(e->length, 0u);
        SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_NONE);
    }
    /* Well-formed multi-byte sequences are kept. */
    setup();
    static const uint8_t good[] = {0xe2u, 0x82u, 0xacu, 0xf0u, 0x9fu, 0x98u, 0x80u, 'x'};
    memcpy(memory, good, sizeof good);
    uint32_t index;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, sizeof good, &index), SQ_OK);
    SQ_CHECK_EQ(object_at(index)->length, sizeof good);
}

/* new's traps, in order; each leaves the table and the pool alone. */
static void new_traps(void **state)
{
    (void)state;
    uint32_t index = 42u;
    setup();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_error_context_new(NULL, 0u, 0u, &index), SQ_ERR_NULL);
    /* The UTF-16 tag is not a length squall takes. */
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0x80000001u, &index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_LENGTH);
    setup();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0x10000000u, &index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_LENGTH);
    setup();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, MEM - 3u, 4u, &index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
    setup();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, MEM + 1u, 0u, &index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
    SQ_CHECK_EQ(index, 42u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst.handles), 0u);
    SQ_CHECK_EQ(rt.errors.used, 0u);
    /* An empty string at the very end of memory is fine. */
    setup();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, MEM, 0u, &index), SQ_OK);
    SQ_CHECK_EQ(object_at(index)->length, 0u);
    /* may_leave, then poison. */
    setup();
    inst.may_leave = false;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_MAY_NOT_LEAVE);
    inst.may_leave = true;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_MAY_NOT_LEAVE);
    SQ_CHECK_EQ(rt.errors.used, 0u);
}

/* The pool (2 objects) runs out before the table (3 indices). */
static void new_pool_exhausted(void **state)
{
    (void)state;
    setup();
    uint32_t index;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_OK);
    SQ_CHECK_EQ(index, 2u);
    index = 42u;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_NO_OBJECTS);
    SQ_CHECK_EQ(index, 42u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst.handles), 2u);
    SQ_CHECK_EQ(inst.handles.length, 3u);
}

/* A full table gives the object back to the pool. */
static void new_table_full(void **state)
{
    (void)state;
    setup();
    uint32_t index;
    for (uint32_t i = 0u; i < 3u; i++) {
        SQ_CHECK_EQ(sq_p3_insert(&inst, SQ_P3_KIND_WAITABLE_SET, &rt, &index), SQ_OK);
    }
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_TABLE_FULL);
    SQ_CHECK_EQ(rt.errors.used, 0u);
    SQ_CHECK_EQ(rt.errors.free_head, 1u);
}

/* debug-message: handle checks first, then realloc's block, then ptr. */
static void debug_message_traps(void **state)
{
    (void)state;
    uint32_t index;
    with_realloc();
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, 1u, 0u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BAD_HANDLE);
    SQ_CHECK_EQ(ra.calls, 0u);

    with_realloc();
    SQ_CHECK_EQ(sq_p3_insert(&inst, SQ_P3_KIND_WAITABLE_SET, &rt, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, index, 0u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_WRONG_KIND);
    SQ_CHECK_EQ(ra.calls, 0u);

    with_realloc();
    ra.result = SQ_P3_NO_MEMORY;
    memcpy(memory, "abc", 3);
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 3u, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, index, 8u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
    SQ_CHECK_EQ(ra.calls, 1u);
    SQ_CHECK_EQ(load_u32(8u), 0u);

    /* A block reaching one byte past memory. */
    with_realloc();
    ra.result = MEM - 2u;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 3u, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, index, 8u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
    SQ_CHECK_EQ(memory[MEM - 2u], 0u);

    /* A block reaching exactly the end is fine. */
    with_realloc();
    memcpy(memory, "abc", 3);
    ra.result = MEM - 3u;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 3u, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, index, MEM - 12u), SQ_OK);
    SQ_CHECK_MEM_EQ(memory + MEM - 3u, "abc", 3);
    SQ_CHECK_EQ(load_u32(MEM - 12u), MEM - 3u);
    SQ_CHECK_EQ(load_u32(MEM - 8u), 3u);

    /* The out-pointer: 4-aligned, 8 bytes inside memory (after realloc). */
    with_realloc();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, index, 2u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_ALIGN);
    SQ_CHECK_EQ(ra.calls, 1u);
    with_realloc();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, index, MEM - 4u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
    /* Without realloc the out-pointer is still checked. */
    setup();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, index, 0xfffffffcu), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BOUNDS);
}

/* Guest code in realloc may not call built-ins: that traps the instance. */
static void debug_message_realloc_traps(void **state)
{
    (void)state;
    with_realloc();
    uint32_t index;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_OK);
    ra.call_builtin = true;
    SQ_CHECK_EQ(sq_p3_error_context_debug_message(&th, index, 8u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_MAY_NOT_LEAVE);
    SQ_CHECK_EQ(rt.errors.used, 1u);
}

/* drop frees the index (reused next) and gives the object back. */
static void drop_frees(void **state)
{
    (void)state;
    setup();
    uint32_t a, b, c;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &a), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &b), SQ_OK);
    SQ_CHECK_EQ(rt.errors.used, 2u);
    SQ_CHECK_EQ(sq_p3_error_context_drop(&th, a), SQ_OK);
    SQ_CHECK_EQ(rt.errors.used, 1u);
    SQ_CHECK(object_at(a) == NULL);
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &c), SQ_OK);
    SQ_CHECK_EQ(c, a);
    SQ_CHECK_EQ(sq_p3_error_context_drop(&th, b), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_drop(&th, c), SQ_OK);
    SQ_CHECK_EQ(rt.errors.used, 0u);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst.handles), 0u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_NONE);
}

/* An object another handle still names stays out of the pool. */
static void drop_keeps_shared_object(void **state)
{
    (void)state;
    setup();
    uint32_t a, b;
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &a), SQ_OK);
    sq_p3_error_context_t *e = (sq_p3_error_context_t *)object_at(a);
    SQ_CHECK_EQ(sq_p3_insert(&inst, SQ_P3_KIND_ERROR_CONTEXT, e, &b), SQ_OK);
    e->refs++;
    SQ_CHECK_EQ(sq_p3_error_context_drop(&th, a), SQ_OK);
    SQ_CHECK_EQ(rt.errors.used, 1u);
    SQ_CHECK_EQ(e->refs, 1u);
    SQ_CHECK_EQ(sq_p3_error_context_drop(&th, b), SQ_OK);
    SQ_CHECK_EQ(rt.errors.used, 0u);
}

static void drop_traps(void **state)
{
    (void)state;
    uint32_t index;
    setup();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_drop(&th, index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_drop(&th, index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_BAD_HANDLE);

    setup();
    SQ_CHECK_EQ(sq_p3_insert(&inst, SQ_P3_KIND_STREAM_READABLE, &rt, &index), SQ_OK);
    SQ_CHECK_EQ(sq_p3_error_context_drop(&th, index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_WRONG_KIND);
    SQ_CHECK_EQ(sq_p3_handle_count(&inst.handles), 1u);

    setup();
    SQ_CHECK_EQ(sq_p3_error_context_new(&th, 0u, 0u, &index), SQ_OK);
    inst.may_leave = false;
    SQ_CHECK_EQ(sq_p3_error_context_drop(&th, index), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst), SQ_P3_TRAP_MAY_NOT_LEAVE);
    SQ_CHECK_EQ(rt.errors.used, 1u);
    SQ_CHECK(object_at(index) != NULL);
}

SQ_TEST_MAIN(SQ_TEST(new_then_debug_message), SQ_TEST(debug_message_without_realloc),
             SQ_TEST(message_prefix_whole_code_points), SQ_TEST(invalid_utf8_empty_message),
             SQ_TEST(new_traps), SQ_TEST(new_pool_exhausted), SQ_TEST(new_table_full),
             SQ_TEST(debug_message_traps), SQ_TEST(debug_message_realloc_traps),
             SQ_TEST(drop_frees), SQ_TEST(drop_keeps_shared_object), SQ_TEST(drop_traps))
