/*
 * The RFC #46 intrinsics (p3_rfc46.h): the canonical built-ins under the
 * RFC's names and calling shape. Nothing here decides Component Model
 * behaviour; it finds the guest thread the calling kernel thread is bound
 * to, converts host pointers into guest offsets, and unpacks results.
 *
 *   RF01  a kernel thread has at most one binding;
 *   RF02  a copy's result word is unpacked without loss: BLOCKED is
 *         (0xffffffff, 0), any other word w is (w & 0xf, w >> 4);
 *   RF03  a host buffer becomes a guest offset only if it starts inside
 *         the instance's memory (or is NULL with nothing to copy); the
 *         built-in checks the rest of the range.
 */
#include <stddef.h>
#include <squall/kernel.h>
#include <squall/thread.h>
#include <squall/p3_rfc46.h>
#include <squall/p3_waitable.h>
#include "p3.h"
#include "waitable.h"
#include "kernel/port.h"
#include "kernel/sched.h"

typedef struct rfc46_binding {
    const sq_thread_t *kthread;
    sq_p3_thread_t *guest;  /* NULL: the entry is free */
    uint32_t scratch;
} rfc46_binding_t;

/* Bindings and the handler are read and written under the interrupt lock:
 * kernel threads bind and call intrinsics concurrently. */
static rfc46_binding_t sq_rfc46_bindings[SQ_CONFIG_MAX_THREADS];
static sq_rfc46_trap_fn sq_rfc46_handler;

/* What one intrinsic call works with, read under the lock at its start. */
typedef struct rfc46_call {
    sq_p3_thread_t *guest;  /* NULL: the kernel thread is not bound */
    uint32_t scratch;
    sq_rfc46_trap_fn handler;
} rfc46_call_t;

/*@ predicate bound_at(integer i, sq_thread_t *k) =
      sq_rfc46_bindings[i].guest != \null && sq_rfc46_bindings[i].kthread == k;
    predicate unbound(sq_thread_t *k) =
      \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==> !bound_at(i, k);
    // The calling kernel thread is bound to guest thread g with scratch.
    predicate caller_bound(sq_p3_thread_t *g, integer scratch) =
      \exists integer i; 0 <= i < SQ_CONFIG_MAX_THREADS && bound_at(i, sq_kernel.current) &&
        sq_rfc46_bindings[i].guest == g && sq_rfc46_bindings[i].scratch == scratch;
*/

/* The entry bound to kernel thread `k`, or SQ_CONFIG_MAX_THREADS. */
/*@ assigns \nothing;
    ensures 0 <= \result <= SQ_CONFIG_MAX_THREADS;
    ensures \result < SQ_CONFIG_MAX_THREADS ==> bound_at(\result, k);
    ensures \result == SQ_CONFIG_MAX_THREADS ==> unbound(k);
*/
static uint32_t rfc46_find(const sq_thread_t *k)
{
    /*@ loop invariant 0 <= i <= SQ_CONFIG_MAX_THREADS;
        loop invariant \forall integer j; 0 <= j < i ==> !bound_at(j, k);
        loop assigns i;
        loop variant SQ_CONFIG_MAX_THREADS - i;
    */
    for (uint32_t i = 0u; i < SQ_CONFIG_MAX_THREADS; i++) {
        if (sq_rfc46_bindings[i].guest != NULL && sq_rfc46_bindings[i].kthread == k) {
            return i;
        }
    }
    return SQ_CONFIG_MAX_THREADS;
}

/* Bind `k` to `guest` (not NULL): its own entry if it has one, else the
 * first free one (RF01: never a second entry for k). */
/*@ requires guest != \null;
    assigns sq_rfc46_bindings[0 .. SQ_CONFIG_MAX_THREADS - 1];
    behavior full:
      assumes \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
        sq_rfc46_bindings[i].guest != \null && sq_rfc46_bindings[i].kthread != k;
      ensures \result == SQ_ERR_FULL;
      ensures \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
        sq_rfc46_bindings[i] == \old(sq_rfc46_bindings[i]);
    behavior bound:
      assumes \exists integer i; 0 <= i < SQ_CONFIG_MAX_THREADS &&
        (sq_rfc46_bindings[i].guest == \null || sq_rfc46_bindings[i].kthread == k);
      ensures \result == SQ_OK;
      ensures RF01: \exists integer i; 0 <= i < SQ_CONFIG_MAX_THREADS && bound_at(i, k) &&
        sq_rfc46_bindings[i].guest == guest && sq_rfc46_bindings[i].scratch == scratch &&
        \forall integer j; 0 <= j < SQ_CONFIG_MAX_THREADS && j != i ==>
          sq_rfc46_bindings[j] == \old(sq_rfc46_bindings[j]);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t rfc46_bind_locked(const sq_thread_t *k, sq_p3_thread_t *guest,
                                     uint32_t scratch)
{
    uint32_t at = rfc46_find(k);
    if (at == SQ_CONFIG_MAX_THREADS) {
        /*@ loop invariant 0 <= i <= SQ_CONFIG_MAX_THREADS;
            loop invariant \forall integer j; 0 <= j < i ==> sq_rfc46_bindings[j].guest != \null;
            loop assigns i;
            loop variant SQ_CONFIG_MAX_THREADS - i;
        */
        for (uint32_t i = 0u; i < SQ_CONFIG_MAX_THREADS; i++) {
            if (sq_rfc46_bindings[i].guest == NULL) {
                at = i;
                break;
            }
        }
    }
    if (at == SQ_CONFIG_MAX_THREADS) {
        return SQ_ERR_FULL;
    }
    sq_rfc46_bindings[at].kthread = k;
    sq_rfc46_bindings[at].guest = guest;
    sq_rfc46_bindings[at].scratch = scratch;
    return SQ_OK;
}

/*@ requires sq_p3_thread_readable(t);
    assigns sq_rfc46_bindings[0 .. SQ_CONFIG_MAX_THREADS - 1];
    ensures t == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_RANGE || \result == SQ_ERR_FULL;
    ensures \result == SQ_OK ==> caller_bound(t, scratch);
    ensures \result != SQ_OK ==> \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
      sq_rfc46_bindings[i] == \old(sq_rfc46_bindings[i]);
*/
sq_status_t sq_rfc46_bind(sq_p3_thread_t *t, uint32_t scratch)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    const sq_p3_instance_t *inst = t->instance;
    sq_status_t st = SQ_OK;
    if (t->magic != SQ_P3_THREAD_MAGIC || inst == NULL || inst->magic != SQ_P3_INSTANCE_MAGIC) {
        st = SQ_ERR_INVALID;
    } else if (scratch % 4u != 0u || (uint64_t)scratch + 8u > inst->memory_length) {
        st = SQ_ERR_RANGE;
    } else {
        st = rfc46_bind_locked(sq_thread_self(), t, scratch);
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ assigns sq_rfc46_bindings[0 .. SQ_CONFIG_MAX_THREADS - 1].guest;
    ensures \at(unbound(sq_kernel.current), Pre) ==> \result == SQ_ERR_NOT_FOUND;
    ensures !\at(unbound(sq_kernel.current), Pre) ==> \result == SQ_OK;
*/
sq_status_t sq_rfc46_unbind(void)
{
    sq_irq_key_t key = sq_port_irq_lock();
    uint32_t at = rfc46_find(sq_thread_self());
    if (at < SQ_CONFIG_MAX_THREADS) {
        sq_rfc46_bindings[at].guest = NULL;
    }
    sq_port_irq_unlock(key);
    return at < SQ_CONFIG_MAX_THREADS ? SQ_OK : SQ_ERR_NOT_FOUND;
}

/*@ assigns \nothing;
    ensures \result.handler == sq_rfc46_handler;
    ensures unbound(sq_kernel.current) ==> \result.guest == \null;
    ensures !unbound(sq_kernel.current) ==> caller_bound(\result.guest, \result.scratch);
*/
static rfc46_call_t rfc46_enter(void)
{
    rfc46_call_t c = {NULL, 0u, NULL};
    sq_irq_key_t key = sq_port_irq_lock();
    uint32_t at = rfc46_find(sq_thread_self());
    if (at < SQ_CONFIG_MAX_THREADS) {
        c.guest = sq_rfc46_bindings[at].guest;
        c.scratch = sq_rfc46_bindings[at].scratch;
    }
    c.handler = sq_rfc46_handler;
    sq_port_irq_unlock(key);
    return c;
}

/*@ assigns \nothing;
    ensures unbound(sq_kernel.current) ==> \result == \null;
    ensures !unbound(sq_kernel.current) ==> \exists integer scratch; caller_bound(\result, scratch);
*/
sq_p3_thread_t *sq_rfc46_bound(void)
{
    return rfc46_enter().guest;
}

/*@ assigns sq_rfc46_handler;
    ensures sq_rfc46_handler == fn;
*/
void sq_rfc46_set_trap_handler(sq_rfc46_trap_fn fn)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_rfc46_handler = fn;
    sq_port_irq_unlock(key);
}

/* Whether a built-in called for `c` succeeded; if not, tell the handler
 * (the trap's reason, or NONE for an embedder mistake). */
static bool rfc46_ok(const rfc46_call_t *c, sq_status_t st)
{
    if (st == SQ_OK) {
        return true;
    }
    sq_p3_instance_t *inst = c->guest == NULL ? NULL : c->guest->instance;
    if (c->handler != NULL) {
        c->handler(inst, st == SQ_ERR_TRAP ? sq_p3_instance_trap(inst) : SQ_P3_TRAP_NONE);
    }
    return false;
}

/*@ ensures unbound(sq_kernel.current) ==> \result == 0; */
uint32_t context0_get(void)
{
    rfc46_call_t c = rfc46_enter();
    uint32_t value = 0u;
    /* An unbound thread: the built-in refuses the NULL guest thread. */
    if (!rfc46_ok(&c, sq_p3_context_get(c.guest, 0u, &value))) {
        value = 0u;
    }
    return value;
}

/*@ ensures \forall sq_p3_thread_t *g, integer scratch;
      \at(caller_bound(g, scratch) && sq_p3_thread_ok(g) &&
          g->instance->trap == SQ_P3_TRAP_NONE, Pre) ==> g->context[0] == value;
*/
void context0_set(uint32_t value)
{
    rfc46_call_t c = rfc46_enter();
    (void)rfc46_ok(&c, sq_p3_context_set(c.guest, 0u, value));
}

/*@ ensures unbound(sq_kernel.current) ==> \result == 0; */
uint32_t waitable_set_new(void)
{
    rfc46_call_t c = rfc46_enter();
    uint32_t set = 0u;
    if (!rfc46_ok(&c, sq_p3_waitable_set_new(c.guest, &set))) {
        set = 0u;
    }
    return set;
}

/*@ ensures \result == 0; */
uint32_t waitable_join(uint32_t waitable, uint32_t set)
{
    rfc46_call_t c = rfc46_enter();
    (void)rfc46_ok(&c, sq_p3_waitable_join(c.guest, waitable, set));
    return 0u;
}

/* The little-endian word the built-in stored at `at`. */
static uint32_t rfc46_word(const uint8_t *at)
{
    return (uint32_t)at[0] | ((uint32_t)at[1] << 8) | ((uint32_t)at[2] << 16) |
           ((uint32_t)at[3] << 24);
}

/* wait (block) or poll, through the binding's scratch area. */
static wait_result_t rfc46_take(uint32_t set, bool block)
{
    rfc46_call_t c = rfc46_enter();
    wait_result_t r = {SQ_P3_EVENT_NONE, 0u, 0u};
    uint32_t code = SQ_P3_EVENT_NONE;
    sq_status_t st = block ? sq_p3_waitable_set_wait(c.guest, set, c.scratch, &code)
                           : sq_p3_waitable_set_poll(c.guest, set, c.scratch, &code);
    if (rfc46_ok(&c, st)) {
        /* Under the lock: memory may move (grow) meanwhile; the offset,
         * checked by the built-in, stays inside. */
        sq_irq_key_t key = sq_port_irq_lock();
        const uint8_t *at = c.guest->instance->memory + c.scratch;
        r.event = code;
        r.waitable = rfc46_word(at);
        r.payload = rfc46_word(at + 4);
        sq_port_irq_unlock(key);
    }
    return r;
}

/*@ ensures \result.event <= SQ_WAIT_EVENT_CANCELLED; */
wait_result_t waitable_set_wait(uint32_t set)
{
    return rfc46_take(set, true);
}

/*@ ensures \result.event <= SQ_WAIT_EVENT_CANCELLED; */
wait_result_t waitable_set_poll(uint32_t set)
{
    return rfc46_take(set, false);
}

/*@ ensures unbound(sq_kernel.current) ==> \result.reader == 0 && \result.writer == 0;
    ensures \result.reader != 0 ==> \result.writer != 0 && \result.reader != \result.writer;
*/
writer_reader_pair_t sq_rfc46_stream_new(const sq_p3_type_t *type)
{
    rfc46_call_t c = rfc46_enter();
    writer_reader_pair_t pair = {0u, 0u};
    uint64_t packed = 0u;
    if (rfc46_ok(&c, sq_p3_stream_new(c.guest, type, &packed))) {
        /* The canonical packing: readable low, writable high. */
        pair.reader = (uint32_t)packed;
        pair.writer = (uint32_t)(packed >> 32);
    }
    return pair;
}

/* RF02: a copy's result word as the RFC's pair. */
/*@ assigns \nothing;
    ensures RF02: word == SQ_P3_BLOCKED ==> \result.result == SQ_P3_BLOCKED && \result.count == 0;
    ensures RF02: word != SQ_P3_BLOCKED ==>
      \result.result == word % 16 && \result.count == word / 16;
*/
static result_and_count_t rfc46_unpack(uint32_t word)
{
    result_and_count_t r = {SQ_P3_BLOCKED, 0u};
    if (word != SQ_P3_BLOCKED) {
        /* result | count << 4, in the arithmetic WP reasons in. */
        r.result = word % 16u;
        r.count = word / 16u;
    }
    return r;
}

/* RF03: the guest offset of host address `addr` in a memory of `length`
 * bytes at host address `base`, if it starts inside (or at the end of)
 * it; a NULL buffer with nothing to copy is offset 0. */
/*@ requires \valid(offset);
    assigns *offset;
    ensures RF03: \result ==> (addr == 0 && n == 0 && *offset == 0) ||
      (base <= addr && *offset == addr - base && *offset <= length);
    ensures RF03: !(addr == 0 && n == 0) && (addr < base || addr - base > length) ==> !\result;
*/
static bool rfc46_offset(uintptr_t base, uint32_t length, uintptr_t addr, size_t n,
                         uint32_t *offset)
{
    if (addr == 0u && n == 0u) {
        *offset = 0u;
        return true;
    }
    if (addr < base || addr - base > length) {
        return false;
    }
    *offset = (uint32_t)(addr - base);
    return true;
}

/* The guest offset of `buffer` in memory `memory` of t's instance; traps
 * BOUNDS (after the entry checks every built-in makes) when there is
 * none. */
static sq_status_t rfc46_guest_offset(sq_p3_thread_t *t, uint32_t memory, const void *buffer,
                                      size_t length, uint32_t *offset)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_enter(t, true);
    if (st == SQ_OK &&
        (memory != 0u || !rfc46_offset((uintptr_t)t->instance->memory,
                                       t->instance->memory_length, (uintptr_t)buffer, length,
                                       offset))) {
        st = sq_p3_trap(t->instance, SQ_P3_TRAP_BOUNDS);
    }
    return sq_p3_leave(t, key, st);
}

static result_and_count_t rfc46_copy(const sq_p3_type_t *type, uint32_t stream,
                                     uint32_t memory, const void *buffer, size_t length,
                                     bool write)
{
    rfc46_call_t c = rfc46_enter();
    result_and_count_t r = {SQ_P3_COPY_DROPPED, 0u};
    uint32_t offset = 0u;
    uint32_t word = 0u;
    /* Above 2^32 - 1 elements the built-in's LENGTH trap still applies. */
    uint32_t n = length > UINT32_MAX ? UINT32_MAX : (uint32_t)length;
    sq_status_t st = rfc46_guest_offset(c.guest, memory, buffer, length, &offset);
    if (st == SQ_OK) {
        st = write ? sq_p3_stream_write(c.guest, type, stream, offset, n, true, &word)
                   : sq_p3_stream_read(c.guest, type, stream, offset, n, true, &word);
    }
    if (rfc46_ok(&c, st)) {
        r = rfc46_unpack(word);
    }
    return r;
}

/*@ ensures (\result.result == SQ_P3_BLOCKED && \result.count == 0) ||
      (\result.result <= SQ_P3_COPY_CANCELLED && \result.count <= length);
*/
result_and_count_t sq_rfc46_stream_read(const sq_p3_type_t *type, uint32_t stream,
                                        uint32_t memory, void *buffer, size_t length)
{
    return rfc46_copy(type, stream, memory, buffer, length, false);
}

/*@ ensures (\result.result == SQ_P3_BLOCKED && \result.count == 0) ||
      (\result.result <= SQ_P3_COPY_CANCELLED && \result.count <= length);
*/
result_and_count_t sq_rfc46_stream_write(const sq_p3_type_t *type, uint32_t stream,
                                         uint32_t memory, const void *buffer, size_t length)
{
    return rfc46_copy(type, stream, memory, buffer, length, true);
}
