/*
 * Error contexts (p3_error_context.h): the reference's
 * canon_error_context_new, _debug_message and _drop.
 *
 * Strings are UTF-8 (the only string encoding squall lowers), so the length
 * `new` takes is a byte count with no UTF-16 tag: a length with the tag bit
 * set is above 2^28 - 1 and traps LENGTH, as any over-long string does.
 *
 * The debug message is host-defined. The reference either keeps none or
 * loads the string (trapping on a range outside memory or on invalid UTF-8)
 * and transforms it. squall loads it, traps on a bad range, and keeps the
 * longest prefix of whole code points that fits SQ_P3_ERROR_MESSAGE_MAX
 * bytes; an invalid UTF-8 string gets an empty message, which is what the
 * reference's no-load path gives, so every outcome is one the reference
 * allows and a message handed back is always valid UTF-8.
 *
 * Pools and tables change under the kernel's interrupt lock; guest memory
 * is read and written outside it (it is the calling instance's own), and
 * realloc, which runs guest code, is never called with the lock held.
 */
#include <stddef.h>
#include <string.h>
#include <squall/p3_error_context.h>
#include <squall/p3_runtime.h>
#include "p3.h"
#include "waitable.h"
#include "kernel/port.h"

/** The longest a guest string may be (the reference's MAX_STRING_BYTE_LENGTH). */
#define SQ_P3_MAX_STRING_BYTES 0x0fffffffu

/* The length of the UTF-8 sequence a lead byte starts, 0 if it cannot
 * start one (a continuation byte, or 0xc0, 0xc1, 0xf5..0xff). */
/*@ assigns \nothing;
    ensures \result <= 4;
    ensures lead < 0x80 <==> \result == 1;
*/
static uint32_t utf8_sequence_length(uint8_t lead)
{
    if (lead < 0x80u) {
        return 1u;
    }
    if (lead >= 0xc2u && lead <= 0xdfu) {
        return 2u;
    }
    if (lead >= 0xe0u && lead <= 0xefu) {
        return 3u;
    }
    if (lead >= 0xf0u && lead <= 0xf4u) {
        return 4u;
    }
    return 0u;
}

/* Whether the sequence of n bytes at s (lead byte checked) is well formed:
 * continuation bytes, and no overlong form, surrogate or code point above
 * U+10FFFF (the second byte's range decides all three). */
/*@ requires 1 <= n <= 4 && \valid_read(s + (0 .. n - 1));
    assigns \nothing;
*/
static bool utf8_sequence_ok(const uint8_t *s, uint32_t n)
{
    uint8_t low = 0x80u;
    uint8_t high = 0xbfu;
    if (s[0] == 0xe0u) {
        low = 0xa0u;
    } else if (s[0] == 0xedu) {
        high = 0x9fu;
    } else if (s[0] == 0xf0u) {
        low = 0x90u;
    } else if (s[0] == 0xf4u) {
        high = 0x8fu;
    }
    if (n > 1u && (s[1] < low || s[1] > high)) {
        return false;
    }
    /*@ loop invariant 2 <= k <= n || (n < 2 && k == 2);
        loop assigns k;
        loop variant n - k;
    */
    for (uint32_t k = 2u; k < n; k++) {
        if ((s[k] & 0xc0u) != 0x80u) {
            return false;
        }
    }
    return true;
}

/* How many of the len bytes at s to keep: the whole code points that fit
 * SQ_P3_ERROR_MESSAGE_MAX bytes, or 0 if s is not valid UTF-8. */
/*@ requires \valid_read(s + (0 .. len - 1));
    assigns \nothing;
    ensures \result <= len && \result <= SQ_P3_ERROR_MESSAGE_MAX;
*/
static uint32_t kept_prefix(const uint8_t *s, uint32_t len)
{
    uint32_t kept = 0u;
    uint32_t i = 0u;
    /*@ loop invariant 0 <= kept <= i <= len;
        loop invariant kept <= SQ_P3_ERROR_MESSAGE_MAX;
        loop assigns i, kept;
        loop variant len - i;
    */
    while (i < len) {
        uint32_t n = utf8_sequence_length(s[i]);
        if (n == 0u || n > len - i || !utf8_sequence_ok(&s[i], n)) {
            return 0u;
        }
        i += n;
        if (i <= SQ_P3_ERROR_MESSAGE_MAX) {
            kept = i;
        }
    }
    return kept;
}

static sq_status_t error_context_new(sq_p3_thread_t *t, uint32_t ptr, uint32_t len,
                                     uint32_t *index)
{
    if (index == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = sq_p3_enter(t, true);
    if (st != SQ_OK) {
        return st;
    }
    sq_p3_instance_t *inst = t->instance;
    if (len > SQ_P3_MAX_STRING_BYTES) {
        return sq_p3_trap(inst, SQ_P3_TRAP_LENGTH);
    }
    uint8_t *text;
    st = sq_p3_guest_range(inst, ptr, len, 1u, 1u, &text);
    if (st != SQ_OK) {
        return st;
    }
    uint32_t kept = kept_prefix(text, len);

    sq_irq_key_t key = sq_port_irq_lock();
    sq_p3_error_context_t *e = sq_p3_pool_take(&inst->runtime->errors);
    if (e == NULL) {
        st = sq_p3_trap(inst, SQ_P3_TRAP_NO_OBJECTS);
    } else {
        st = sq_p3_insert(inst, SQ_P3_KIND_ERROR_CONTEXT, e, index);
        if (st == SQ_OK) {
            if (kept > 0u) {
                memcpy(e->message, text, kept);
            }
            e->length = kept;
            e->refs = 1u;
        } else {
            sq_p3_pool_give(&inst->runtime->errors, e);
        }
    }
    sq_port_irq_unlock(key);
    return st;
}

/* A little-endian u32 at host address p (guest memory is little-endian). */
/*@ requires \valid(p + (0 .. 3));
    assigns p[0 .. 3];
*/
static void store_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static sq_status_t error_context_debug_message(sq_p3_thread_t *t, uint32_t index, uint32_t ptr)
{
    sq_status_t st = sq_p3_enter(t, true);
    if (st != SQ_OK) {
        return st;
    }
    sq_p3_instance_t *inst = t->instance;
    /* A copy: another guest thread of the instance may drop the handle
     * while realloc runs. */
    uint8_t message[SQ_P3_ERROR_MESSAGE_MAX];
    uint32_t length = 0u;
    void *object;
    sq_irq_key_t key = sq_port_irq_lock();
    st = sq_p3_lookup(inst, index, SQ_P3_KIND_BIT(SQ_P3_KIND_ERROR_CONTEXT), &object, NULL);
    if (st == SQ_OK) {
        const sq_p3_error_context_t *e = object;
        length = e->length;
        memcpy(message, e->message, sizeof message);
    }
    sq_port_irq_unlock(key);
    if (st != SQ_OK) {
        return st;
    }

    /* The reference's order: allocate, check and fill the block, then store
     * (begin, length) at ptr. With no realloc the result is (0, 0). */
    uint32_t begin = 0u;
    if (inst->realloc_fn == NULL) {
        length = 0u;
    } else {
        /* realloc runs guest code, which may not call built-ins. */
        inst->may_leave = false;
        begin = inst->realloc_fn(inst->realloc_ctx, 0u, 0u, 1u, length);
        inst->may_leave = true;
        if (inst->trap != SQ_P3_TRAP_NONE) {
            return SQ_ERR_TRAP;
        }
        if (begin == SQ_P3_NO_MEMORY) {
            return sq_p3_trap(inst, SQ_P3_TRAP_BOUNDS);
        }
        uint8_t *block;
        st = sq_p3_guest_range(inst, begin, length, 1u, 1u, &block);
        if (st != SQ_OK) {
            return st;
        }
        if (length > 0u) {
            memcpy(block, message, length);
        }
    }
    uint8_t *out;
    st = sq_p3_guest_range(inst, ptr, 1u, 8u, 4u, &out);
    if (st != SQ_OK) {
        return st;
    }
    store_u32(out, begin);
    store_u32(out + 4, length);
    return SQ_OK;
}

static sq_status_t error_context_drop(sq_p3_thread_t *t, uint32_t index)
{
    sq_status_t st = sq_p3_enter(t, true);
    if (st != SQ_OK) {
        return st;
    }
    sq_p3_instance_t *inst = t->instance;
    const uint32_t kinds = SQ_P3_KIND_BIT(SQ_P3_KIND_ERROR_CONTEXT);
    void *object;
    sq_irq_key_t key = sq_port_irq_lock();
    st = sq_p3_lookup(inst, index, kinds, &object, NULL);
    if (st == SQ_OK) {
        (void)sq_p3_handle_remove(&inst->handles, index, kinds, &object);
        sq_p3_error_context_t *e = object;
        if (--e->refs == 0u) {
            sq_p3_pool_give(&inst->runtime->errors, e);
        }
    }
    sq_port_irq_unlock(key);
    return st;
}

/* The built-ins: each trap (recorded inside or outside the lock: realloc
 * runs unlocked) stops the instance's blocked threads (sq_p3_settle). */

/*@ requires sq_p3_thread_readable(t);
    requires index == \null || \valid(index);
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> 0 < *index < t->instance->handles.capacity;
*/
sq_status_t sq_p3_error_context_new(sq_p3_thread_t *t, uint32_t ptr, uint32_t len,
                                    uint32_t *index)
{
    return sq_p3_settle(t, error_context_new(t, ptr, len, index));
}

/*@ requires sq_p3_thread_readable(t);
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_error_context_debug_message(sq_p3_thread_t *t, uint32_t index, uint32_t ptr)
{
    return sq_p3_settle(t, error_context_debug_message(t, index, ptr));
}

/*@ requires sq_p3_thread_readable(t);
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_error_context_drop(sq_p3_thread_t *t, uint32_t index)
{
    return sq_p3_settle(t, error_context_drop(t, index));
}
