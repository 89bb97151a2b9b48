/*
 * Streams and futures (p3_stream.h): the reference's SharedStreamImpl and
 * SharedFutureImpl as one copy machine. A future is a stream whose copies
 * are one element long and whose rendezvous ends both sides' copies.
 *
 * The channel holds at most one pending end: the first arriver with work
 * to do. The second arriver decides what happens (sq_p3_rendezvous),
 * copies straight between the two linear memories and gets its result at
 * once; the pending end's event is raised and its payload computed when it
 * is delivered (sq_p3_end_deliver), so the count it reports is the total
 * at delivery. A stream's pending end stays registered until then: later
 * arrivers keep filling or draining the same buffer.
 *
 * Everything runs under the kernel's interrupt lock but a copy of more
 * than SQ_P3_LOCKED_COPY_MAX bytes between two linear memories, made with
 * the lock released while the channel is marked moving
 * (sq_p3_move_guests); a synchronous form releases it too while its
 * kernel thread blocks.
 *
 * A host end (p3_host_stream.h) is never the pending end: it is a partner
 * that has posted whatever its ring offers whenever the ring offers
 * something, so a guest arriving meets it as a pending end with that
 * length and no progress, and a notify arrives at the guest's pending end
 * as a partner of that length would. Its copies have no event; the driver
 * is told instead.
 */
#include <stddef.h>
#include <string.h>
#include <squall/p3_host_stream.h>
#include <squall/p3_runtime.h>
#include <squall/p3_stream.h>
#include "p3.h"
#include "waitable.h"

/* What the second arriver at a channel does (the reference's read/write
 * of SharedStreamImpl, both directions in one). */
typedef enum sq_p3_step {
    SQ_P3_STEP_DROPPED = 0,  /* the other end is gone: DROPPED at once */
    SQ_P3_STEP_REGISTER = 1, /* nobody waits: the arriver's buffer waits */
    SQ_P3_STEP_COPY = 2,     /* copy *n elements (maybe 0); the arriver completes,
                                the pending end gets COMPLETED if *n > 0 */
    SQ_P3_STEP_REPLACE = 3   /* the pending end completes, the arriver takes its place */
} sq_p3_step_t;

/*
 * The decision, for an arriver posting `length` elements (`writes`: a
 * write) at a channel whose pending end (if `pending`) has posted
 * `p_length` and moved `p_progress` of them. Zero-length operations follow
 * the reference's table: with the pending buffer not full, a zero-length
 * arriver completes at once; with it full, the arriver takes its place,
 * except a zero-length write meeting a zero-length read, which completes
 * and leaves the read pending.
 */
/*@ requires p_progress <= p_length;
    requires \valid(n);
    assigns *n;
    behavior dropped:
      assumes dropped;
      ensures \result == SQ_P3_STEP_DROPPED && *n == 0;
    behavior nobody:
      assumes !dropped && !pending;
      ensures \result == SQ_P3_STEP_REGISTER && *n == 0;
    behavior room:
      assumes !dropped && pending && p_progress < p_length;
      ensures \result == SQ_P3_STEP_COPY;
      ensures ST02: *n <= length && *n <= p_length - p_progress;
      ensures *n == (length < p_length - p_progress ? length : p_length - p_progress);
    behavior probes:
      assumes !dropped && pending && p_progress == p_length;
      assumes writes && p_length == 0 && length == 0;
      ensures \result == SQ_P3_STEP_COPY && *n == 0;
    behavior full:
      assumes !dropped && pending && p_progress == p_length;
      assumes !(writes && p_length == 0 && length == 0);
      ensures \result == SQ_P3_STEP_REPLACE && *n == 0;
    complete behaviors;
    disjoint behaviors;
*/
static sq_p3_step_t sq_p3_rendezvous(bool dropped, bool pending, uint32_t p_length,
                                     uint32_t p_progress, uint32_t length, bool writes,
                                     uint32_t *n)
{
    *n = 0u;
    if (dropped) {
        return SQ_P3_STEP_DROPPED;
    }
    if (!pending) {
        return SQ_P3_STEP_REGISTER;
    }
    uint32_t room = p_length - p_progress;
    if (room > 0u) {
        *n = length < room ? length : room;
        return SQ_P3_STEP_COPY;
    }
    if (writes && p_length == 0u && length == 0u) {
        return SQ_P3_STEP_COPY;
    }
    return SQ_P3_STEP_REPLACE;
}

/* The result word an end's event carries: result | count << 4 for a
 * stream, the result alone for a future. */
/*@ requires result <= SQ_P3_COPY_CANCELLED && progress <= SQ_P3_MAX_COPY;
    assigns \nothing;
    ensures ST04: future ==> \result == result;
    ensures ST04: !future ==> \result == result + progress * 16;
    ensures \result != SQ_P3_BLOCKED;
*/
static uint32_t sq_p3_result_word(bool future, uint32_t result, uint32_t progress)
{
    /* SQ_P3_STREAM_RESULT's packing in arithmetic form (result < 16). */
    return future ? result : result + progress * 16u;
}

/* Where an end goes once its event is delivered: done after DROPPED (and
 * a future's COMPLETED), idle otherwise. */
/*@ assigns \nothing;
    ensures ST03: result == SQ_P3_COPY_DROPPED ==> \result == SQ_P3_END_DONE;
    ensures ST03: future && result == SQ_P3_COPY_COMPLETED ==> \result == SQ_P3_END_DONE;
    ensures ST04: \result == SQ_P3_END_DONE || \result == SQ_P3_END_IDLE;
    ensures result != SQ_P3_COPY_DROPPED && !(future && result == SQ_P3_COPY_COMPLETED) ==>
      \result == SQ_P3_END_IDLE;
*/
static uint32_t sq_p3_state_after(bool future, uint32_t result)
{
    if (result == SQ_P3_COPY_DROPPED || (future && result == SQ_P3_COPY_COMPLETED)) {
        return SQ_P3_END_DONE;
    }
    return SQ_P3_END_IDLE;
}

/* What cancel reports for an undelivered event: a stream's COMPLETED
 * becomes CANCELLED with its count (the spec tests' and wasmtime's rule;
 * the reference reports COMPLETED); DROPPED and a future's COMPLETED stay. */
/*@ assigns \nothing;
    ensures !future && result == SQ_P3_COPY_COMPLETED ==> \result == SQ_P3_COPY_CANCELLED;
    ensures future || result != SQ_P3_COPY_COMPLETED ==> \result == result;
*/
static uint32_t sq_p3_cancel_outcome(bool future, uint32_t result)
{
    return !future && result == SQ_P3_COPY_COMPLETED ? (uint32_t)SQ_P3_COPY_CANCELLED : result;
}

/* Why an operation that needs an end in state `wanted` (idle for read,
 * write and transfer, copying for cancel) is refused on one in `state`:
 * DONE for a done end (ST03), `other` for any other wrong state; NONE when
 * the state is right. */
/*@ requires wanted != SQ_P3_END_DONE;
    assigns \nothing;
    ensures ST03: state == SQ_P3_END_DONE ==> \result == SQ_P3_TRAP_DONE;
    ensures state != SQ_P3_END_DONE && state != wanted ==> \result == other;
    ensures state == wanted ==> \result == SQ_P3_TRAP_NONE;
*/
static sq_p3_trap_t sq_p3_state_refusal(uint32_t state, uint32_t wanted, sq_p3_trap_t other)
{
    if (state == SQ_P3_END_DONE) {
        return SQ_P3_TRAP_DONE;
    }
    return state == wanted ? SQ_P3_TRAP_NONE : other;
}

/* The event code of an end's copies. */
static uint32_t sq_p3_end_event(const sq_p3_end_t *e)
{
    switch (e->w.kind) {
    case SQ_P3_KIND_STREAM_READABLE:
        return SQ_P3_EVENT_STREAM_READ;
    case SQ_P3_KIND_STREAM_WRITABLE:
        return SQ_P3_EVENT_STREAM_WRITE;
    case SQ_P3_KIND_FUTURE_READABLE:
        return SQ_P3_EVENT_FUTURE_READ;
    default:
        return SQ_P3_EVENT_FUTURE_WRITE;
    }
}

static bool sq_p3_end_writes(const sq_p3_end_t *e)
{
    return e->w.kind == SQ_P3_KIND_STREAM_WRITABLE || e->w.kind == SQ_P3_KIND_FUTURE_WRITABLE;
}

/* End `e`'s copy is over with `result`: its event is pending. A host end
 * has no event: its driver's function is called. */
static void sq_p3_end_finish(sq_p3_end_t *e, sq_p3_copy_result_t result)
{
    e->result = (uint32_t)result;
    if (e->w.owner == NULL) {
        sq_p3_host_stream_t *hs = e->channel->host;
        if (hs->on_guest != NULL) {
            hs->on_guest(hs, hs->arg);
        }
    } else {
        sq_p3_waitable_raise(&e->w, sq_p3_end_event(e));
    }
}

/* The host's end of a channel that has one. */
static sq_p3_end_t *sq_p3_host_end(sq_p3_channel_t *ch)
{
    return ch->readable.w.owner == NULL ? &ch->readable : &ch->writable;
}

/* What a host end offers: the elements its ring holds when the host
 * writes, its free slots when it reads. */
/*@ requires used <= capacity;
    assigns \nothing;
    ensures HS02: host_writes ==> \result == used;
    ensures HS02: !host_writes ==> \result == capacity - used;
*/
static uint32_t sq_p3_host_offer(bool host_writes, uint32_t used, uint32_t capacity)
{
    return host_writes ? used : capacity - used;
}

/* What hs's ring offers now. The driver only adds elements (free slots)
 * meanwhile, so all of it stays available until the move. */
static uint32_t sq_p3_host_ring_offer(const sq_p3_host_stream_t *hs)
{
    return sq_p3_host_offer(hs->direction == SQ_P3_HOST_WRITES,
                            sq_typed_ring_buf_elements_available(hs->ring),
                            sq_typed_ring_buf_capacity(hs->ring));
}

/* A notify: the host end arrives offering `offer` elements at the guest's
 * pending end, which posted `p_length` and moved `p_progress`; the
 * rendezvous of a guest partner posting `offer`. With nothing offered the
 * host does not arrive: the guest end stays registered (REGISTER). */
/*@ requires p_progress <= p_length;
    requires \valid(n);
    assigns *n;
    behavior nothing:
      assumes offer == 0;
      ensures \result == SQ_P3_STEP_REGISTER && *n == 0;
    behavior room:
      assumes offer > 0 && p_progress < p_length;
      ensures \result == SQ_P3_STEP_COPY;
      ensures HS01: *n == (offer < p_length - p_progress ? offer : p_length - p_progress);
      ensures HS01: 0 < *n <= offer && *n <= p_length - p_progress;
    behavior answered:
      assumes offer > 0 && p_progress == p_length;
      ensures \result == SQ_P3_STEP_REPLACE && *n == 0;
    complete behaviors;
    disjoint behaviors;
*/
static sq_p3_step_t sq_p3_host_arrive(uint32_t offer, uint32_t p_length, uint32_t p_progress,
                                      bool host_writes, uint32_t *n)
{
    if (offer == 0u) {
        *n = 0u;
        return SQ_P3_STEP_REGISTER;
    }
    return sq_p3_rendezvous(false, true, p_length, p_progress, offer, host_writes, n);
}

/*@ requires \valid(e) && \valid(e->channel);
    requires e == &e->channel->readable || e == &e->channel->writable;
    requires e->result <= SQ_P3_COPY_CANCELLED && e->progress <= SQ_P3_MAX_COPY;
    assigns e->state, e->channel->pending;
    ensures ST04: e->state == SQ_P3_END_IDLE || e->state == SQ_P3_END_DONE;
    ensures ST04: e->channel->pending != e;
    ensures ST04: e->channel->future ==> \result == e->result;
    ensures ST04: !e->channel->future ==> \result == e->result + e->progress * 16;
*/
uint32_t sq_p3_end_deliver(sq_p3_end_t *e)
{
    sq_p3_channel_t *ch = e->channel;
    /* Delivery reclaims the buffer: a stream's pending end that had
     * progress stops being the partner of later arrivers. */
    if (ch->pending == e) {
        ch->pending = NULL;
    }
    e->state = sq_p3_state_after(ch->future, e->result);
    return sq_p3_result_word(ch->future, e->result, e->progress);
}

/* Where the next `n` elements of a buffer at `ptr` go, after `progress`
 * elements of `size` bytes: the byte offset into linear memory, and the
 * byte count in `*bytes`. With progress + n <= the posted length (ST02)
 * the span lies inside the range checked when the copy started, and that
 * range inside memory, so no sum here wraps. */
/*@ requires \valid(bytes);
    requires ptr + (progress + n) * size <= 0xffffffff;
    assigns *bytes;
    ensures ST01: \result == ptr + progress * size && *bytes == n * size;
    ensures ST01: \result + *bytes == ptr + (progress + n) * size;
*/
static size_t sq_p3_span(uint32_t ptr, uint32_t progress, uint32_t n, uint32_t size,
                         size_t *bytes)
{
    /*@ assert progress * size <= (progress + n) * size && n * size <= (progress + n) * size; */
    *bytes = (size_t)n * size;
    return (size_t)ptr + (size_t)progress * size;
}

/* Move `n` (> 0) elements between `ring` and the guest buffer at `guest`:
 * out of the ring (`to_guest`) or into it, one copy per contiguous span
 * of the ring. The caller offered no more than the ring held (had room
 * for), so all n move (HS02). The runtime is the ring's consumer (to_guest)
 * or producer and never claims, so no claim is outstanding on its side. */
/*@ requires sq_typed_ok(ring) && 0 < n;
    requires \valid((char *)guest + (0 .. n * ring->core.unit_size - 1));
    requires \separated((char *)guest + (0 .. n * ring->core.unit_size - 1), ring,
                        ring->core.storage + (0 .. ring->core.size_bytes - 1));
    requires to_guest ==> n <= sq_ring_used(&ring->core) && ring->core.read_claim == 0;
    requires !to_guest ==> n <= sq_ring_free(&ring->core) && ring->core.write_claim == 0;
    assigns ring->core.head, ring->core.tail, ring->core.storage[0 .. ring->core.size_bytes - 1],
            ((char *)guest)[0 .. n * ring->core.unit_size - 1];
    ensures HS02: to_guest ==> sq_ring_used(&ring->core) == \old(sq_ring_used(&ring->core)) - n;
    ensures HS02: !to_guest ==> sq_ring_used(&ring->core) == \old(sq_ring_used(&ring->core)) + n;
*/
static void sq_p3_ring_move(sq_typed_ring_buf_t *ring, bool to_guest, void *guest, uint32_t n)
{
    uint32_t moved;
    if (to_guest) {
        (void)sq_typed_ring_buf_read(ring, guest, n, &moved);
    } else {
        (void)sq_typed_ring_buf_write(ring, guest, n, &moved);
    }
}

/* Move `n` elements between a guest end's buffer and a host end's ring,
 * after what the guest end has moved so far, under the lock: one copy per
 * contiguous span of the ring, at most the ring's size (its driver's
 * choice, not the guest's). The guest range was checked when its copy
 * started and memory only grows. */
static void sq_p3_move_host(sq_p3_channel_t *ch, uint32_t n)
{
    sq_p3_end_t *r = &ch->readable;
    sq_p3_end_t *w = &ch->writable;
    uint32_t size = ch->type->size;
    size_t bytes;
    if (r->w.owner == NULL) {
        size_t src = sq_p3_span(w->ptr, w->progress, n, size, &bytes);
        sq_p3_ring_move(ch->host->ring, false, w->w.owner->memory + src, n);
        w->progress += n;
    } else {
        size_t dst = sq_p3_span(r->ptr, r->progress, n, size, &bytes);
        sq_p3_ring_move(ch->host->ring, true, r->w.owner->memory + dst, n);
        r->progress += n;
    }
}

/* A copy between two linear memories of at most this many bytes is made
 * under the lock: its cost is a constant, below what releasing and taking
 * the lock again around it would add. */
#define SQ_P3_LOCKED_COPY_MAX 64u

/* Move `n` elements from the writable end's buffer to the readable end's,
 * after what each has moved so far: one memmove straight between the two
 * linear memories (within one instance they may overlap). Beyond
 * SQ_P3_LOCKED_COPY_MAX bytes, claimed under the lock held under `*key`,
 * copied with it released, completed under it again, so the
 * interrupts-masked time does not grow with the bytes.
 * Meanwhile both ends are copying (read, write, drop and transfer refuse
 * them as any copying end) and the channel is marked moving: a cancel or
 * a delivery of either end's event waits for the move (sq_p3_move_wait).
 * The ranges were checked when the copies started and memory only grows;
 * a memory that moved (a grow that relocated it) during the copy is
 * copied to (from) again where it is now. */
static void sq_p3_move_guests(sq_p3_channel_t *ch, uint32_t n, sq_irq_key_t *key)
{
    sq_p3_end_t *r = &ch->readable;
    sq_p3_end_t *w = &ch->writable;
    uint32_t size = ch->type->size;
    size_t bytes;
    size_t dst = sq_p3_span(r->ptr, r->progress, n, size, &bytes);
    size_t src = sq_p3_span(w->ptr, w->progress, n, size, &bytes);
    if (bytes > 0u && bytes <= SQ_P3_LOCKED_COPY_MAX) {
        memmove(r->w.owner->memory + dst, w->w.owner->memory + src, bytes);
    } else if (bytes > 0u) {
        ch->moving = SQ_P3_MOVE_RUNNING;
        uint8_t *to;
        const uint8_t *from;
        do {
            to = r->w.owner->memory;
            from = w->w.owner->memory;
            sq_port_irq_unlock(*key);
            memmove(to + dst, from + src, bytes);
            *key = sq_port_irq_lock();
        } while (to != r->w.owner->memory || from != w->w.owner->memory);
        if (ch->moving == SQ_P3_MOVE_AWAITED) {
            sq_p3_move_done(ch);
        }
        ch->moving = SQ_P3_MOVE_NONE;
    }
    r->progress += n;
    w->progress += n;
}

/* Whether element type `type` may be copied within one instance (the
 * reference's temporary rule: only no type and numbers). */
static bool sq_p3_same_instance_ok(const sq_p3_type_t *type)
{
    return type->kind == SQ_P3_ELEM_NONE || type->kind == SQ_P3_ELEM_NUMBER;
}

/* Start a copy of `n` elements at `ptr` on idle end `e` (checked): the
 * rendezvous. Traps SAME_INSTANCE, and refuses a synchronous copy that
 * would have to wait where its caller cannot block, before anything
 * changes. `*done`: the arriver's copy is over, its result in e->result
 * for the built-in to return (it never becomes an event); else its buffer
 * waits for a partner. */
static sq_status_t sq_p3_copy_start(sq_p3_end_t *e, uint32_t ptr, uint32_t n, bool async,
                                    bool *done, sq_irq_key_t *key)
{
    sq_p3_channel_t *ch = e->channel;
    sq_p3_end_t *p = ch->pending;
    uint32_t p_length = p != NULL ? p->length : 0u;
    uint32_t p_progress = p != NULL ? p->progress : 0u;
    if (ch->host != NULL) {
        /* The host end waits whenever its ring offers something. */
        p_length = sq_p3_host_ring_offer(ch->host);
        p_progress = 0u;
        p = p_length > 0u ? sq_p3_host_end(ch) : NULL;
    }
    uint32_t count;
    sq_p3_step_t step = sq_p3_rendezvous(ch->dropped, p != NULL, p_length, p_progress, n,
                                         sq_p3_end_writes(e), &count);
    if (step != SQ_P3_STEP_DROPPED && p != NULL && p->w.owner == e->w.owner &&
        !sq_p3_same_instance_ok(ch->type)) {
        return sq_p3_trap(e->w.owner, SQ_P3_TRAP_SAME_INSTANCE);
    }
    /* Registering (nobody waits, or the pending buffer is full) means
     * waiting for a partner. */
    if (!async && (step == SQ_P3_STEP_REGISTER || step == SQ_P3_STEP_REPLACE)) {
        sq_status_t st = sq_p3_block_check();
        if (st != SQ_OK) {
            return st;
        }
    }
    e->state = SQ_P3_END_COPYING;
    e->ptr = ptr;
    e->length = n;
    e->progress = 0u;
    *done = step == SQ_P3_STEP_DROPPED || step == SQ_P3_STEP_COPY;
    switch (step) {
    case SQ_P3_STEP_DROPPED:
        e->result = SQ_P3_COPY_DROPPED;
        break;
    case SQ_P3_STEP_REGISTER:
        ch->pending = e;
        break;
    case SQ_P3_STEP_COPY:
        if (count > 0u) {
            if (ch->host != NULL) {
                sq_p3_move_host(ch, count);
            } else {
                sq_p3_move_guests(ch, count, key);
            }
            /* A future's rendezvous ends the pending copy too; a stream's
             * pending end stays registered until its event is delivered. */
            if (ch->future) {
                ch->pending = NULL;
            }
            sq_p3_end_finish(p, SQ_P3_COPY_COMPLETED);
        }
        e->result = SQ_P3_COPY_COMPLETED;
        break;
    default: /* SQ_P3_STEP_REPLACE */
        ch->pending = e;
        sq_p3_end_finish(p, SQ_P3_COPY_COMPLETED);
        break;
    }
    return SQ_OK;
}

/* The element type descriptor's verdict for `new`. */
static sq_status_t sq_p3_type_usable(const sq_p3_type_t *type)
{
    if (type == NULL) {
        return SQ_ERR_NULL;
    }
    if (type->kind == SQ_P3_ELEM_HANDLE || type->kind == SQ_P3_ELEM_STRING) {
        return SQ_ERR_UNSUPPORTED;
    }
    if (type->kind > SQ_P3_ELEM_STRING || type->align == 0u ||
        (type->align & (type->align - 1u)) != 0u) {
        return SQ_ERR_INVALID;
    }
    if (type->kind == SQ_P3_ELEM_NONE) {
        return type->size == 0u ? SQ_OK : SQ_ERR_INVALID;
    }
    return type->size > 0u && type->size % type->align == 0u ? SQ_OK : SQ_ERR_INVALID;
}

/* A channel from the pool for elements of `type`, with the host end
 * `host` or none: both ends idle, nothing pending. The caller sets up the
 * ends' waitables. */
static void sq_p3_channel_setup(sq_p3_channel_t *ch, const sq_p3_type_t *type, bool future,
                                sq_p3_host_stream_t *host)
{
    ch->type = type;
    ch->pending = NULL;
    ch->host = host;
    ch->future = future;
    ch->dropped = false;
    ch->moving = SQ_P3_MOVE_NONE;
    sq_p3_end_t *ends[2] = {&ch->readable, &ch->writable};
    for (uint32_t i = 0u; i < 2u; i++) {
        ends[i]->channel = ch;
        ends[i]->state = SQ_P3_END_IDLE;
        ends[i]->ptr = 0u;
        ends[i]->length = 0u;
        ends[i]->progress = 0u;
        ends[i]->result = SQ_P3_COPY_COMPLETED;
    }
}

/* Whether two adds to `t` both succeed: an add takes the top of the free
 * stack, else a fresh index (handle_table.c). */
/*@ requires \valid_read(t) && sq_ht_ok(t);
    assigns \nothing;
    ensures \result <==> (t->free_head != 0 ?
      t->length < t->capacity || t->slots[t->free_head].next_free != 0 :
      t->length + 2 <= t->capacity);
*/
static bool sq_p3_room_for_two(const sq_p3_handle_table_t *t)
{
    uint32_t fresh = t->capacity - t->length;
    if (t->free_head == 0u) {
        return fresh >= 2u;
    }
    return fresh >= 1u || t->slots[t->free_head].next_free != 0u;
}

/* stream.new / future.new. */
static sq_status_t sq_p3_channel_new(sq_p3_thread_t *t, const sq_p3_type_t *type, bool future,
                                     uint64_t *packed)
{
    sq_status_t st = sq_p3_type_usable(type);
    if (st != SQ_OK) {
        return st;
    }
    if (packed == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    st = sq_p3_enter(t, true);
    if (st == SQ_OK) {
        sq_p3_instance_t *inst = t->instance;
        sq_p3_pool_t *pool = &inst->runtime->channels;
        sq_p3_kind_t rk = future ? SQ_P3_KIND_FUTURE_READABLE : SQ_P3_KIND_STREAM_READABLE;
        sq_p3_kind_t wk = future ? SQ_P3_KIND_FUTURE_WRITABLE : SQ_P3_KIND_STREAM_WRITABLE;
        uint32_t ri = 0u;
        uint32_t wi = 0u;
        sq_p3_channel_t *ch = sq_p3_pool_take(pool);
        if (ch == NULL) {
            st = sq_p3_trap(inst, SQ_P3_TRAP_NO_OBJECTS);
        } else if (!sq_p3_room_for_two(&inst->handles)) {
            /* Both ends or neither: the trap leaves the table as it was
             * (the pool is as it was too once the channel is back). */
            sq_p3_pool_give(pool, ch);
            st = sq_p3_trap(inst, SQ_P3_TRAP_TABLE_FULL);
        } else {
            /* The readable end first: its index is the lower word. With
             * room for both, neither insert can fail. */
            (void)sq_p3_insert(inst, rk, &ch->readable, &ri);
            (void)sq_p3_insert(inst, wk, &ch->writable, &wi);
        }
        if (st == SQ_OK) {
            sq_p3_channel_setup(ch, type, future, NULL);
            sq_p3_waitable_setup(&ch->readable.w, inst, rk, ri);
            sq_p3_waitable_setup(&ch->writable.w, inst, wk, wi);
            *packed = (uint64_t)ri | ((uint64_t)wi << 32);
        }
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t) && (packed == \null || \valid(packed));
    ensures type == \null || packed == \null ==> \result == SQ_ERR_NULL;
    ensures (sq_p3_entry_code(\result) || \result == SQ_ERR_UNSUPPORTED) &&
            sq_p3_trap_kept(t, \result) && sq_p3_pair_made(t->instance, packed, \result);
*/
sq_status_t sq_p3_stream_new(sq_p3_thread_t *t, const sq_p3_type_t *type, uint64_t *packed)
{
    return sq_p3_channel_new(t, type, false, packed);
}

/*@ requires sq_p3_thread_readable(t) && (packed == \null || \valid(packed));
    ensures type == \null || packed == \null ==> \result == SQ_ERR_NULL;
    ensures (sq_p3_entry_code(\result) || \result == SQ_ERR_UNSUPPORTED) &&
            sq_p3_trap_kept(t, \result) && sq_p3_pair_made(t->instance, packed, \result);
*/
sq_status_t sq_p3_future_new(sq_p3_thread_t *t, const sq_p3_type_t *type, uint64_t *packed)
{
    return sq_p3_channel_new(t, type, true, packed);
}

/* Entry checks and the end at index `end` of kind `kind` whose element
 * type is `type`. Under the lock. */
static inline sq_status_t sq_p3_end_lookup(const sq_p3_thread_t *t, const sq_p3_type_t *type,
                                           sq_p3_kind_t kind, uint32_t end, bool check_leave,
                                           sq_p3_end_t **e)
{
    sq_status_t st = sq_p3_enter(t, check_leave);
    void *object = NULL;
    if (st == SQ_OK) {
        st = sq_p3_lookup(t->instance, end, SQ_P3_KIND_BIT(kind), &object, NULL);
    }
    if (st == SQ_OK) {
        *e = object;
        if ((*e)->channel->type != type) {
            st = sq_p3_trap(t->instance, SQ_P3_TRAP_WRONG_TYPE);
        }
    }
    return st;
}

/* Trap with `why` unless it is NONE. */
static sq_status_t sq_p3_refuse(sq_p3_instance_t *inst, sq_p3_trap_t why)
{
    return why == SQ_P3_TRAP_NONE ? SQ_OK : sq_p3_trap(inst, why);
}

/* The entry checks of read, write and cancel, in the reference's order:
 * the end, its type, its state (`wanted`, else `other` or DONE), and no
 * mixing of synchronous and set waiting (WS02; an idle end has no
 * synchronous waiter). */
static inline sq_status_t sq_p3_end_ready(const sq_p3_thread_t *t, const sq_p3_type_t *type,
                                          sq_p3_kind_t kind, uint32_t end, uint32_t wanted,
                                          sq_p3_trap_t other, bool async, sq_p3_end_t **e)
{
    sq_status_t st = sq_p3_end_lookup(t, type, kind, end, true, e);
    if (st == SQ_OK) {
        st = sq_p3_refuse(t->instance, sq_p3_state_refusal((*e)->state, wanted, other));
    }
    if (st == SQ_OK) {
        st = sq_p3_refuse(t->instance, sq_p3_sync_refusal((*e)->w.sync_waiting,
                                                          (*e)->w.set != NULL, async));
    }
    return st;
}

/* Deliver e's pending event as a built-in's result. */
static uint32_t sq_p3_end_take(sq_p3_end_t *e)
{
    sq_p3_waitable_consume(&e->w);
    return sq_p3_end_deliver(e);
}

/* stream.read/write, future.read/write on end `end` of `kind`: `n`
 * elements at `ptr`. */
static sq_status_t sq_p3_copy(sq_p3_thread_t *t, const sq_p3_type_t *type, sq_p3_kind_t kind,
                              uint32_t end, uint32_t ptr, uint32_t n, bool async,
                              uint32_t *result)
{
    if (type == NULL || result == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_p3_end_t *e = NULL;
    sq_status_t st =
        sq_p3_end_ready(t, type, kind, end, SQ_P3_END_IDLE, SQ_P3_TRAP_NOT_IDLE, async, &e);
    /* ST01: the buffer is checked before it is registered or touched
     * (the reference checks it only for a type and n > 0). */
    if (st == SQ_OK && n > SQ_P3_MAX_COPY) {
        st = sq_p3_trap(t->instance, SQ_P3_TRAP_LENGTH);
    }
    if (st == SQ_OK && n > 0u) {
        uint8_t *host;
        st = sq_p3_guest_range(t->instance, ptr, n, type->size, type->align, &host);
    }
    bool done = false;
    if (st == SQ_OK) {
        st = sq_p3_copy_start(e, ptr, n, async, &done, &key);
    }
    if (st == SQ_OK && done) {
        /* The arriver's own result, returned as its event would be. */
        *result = sq_p3_end_deliver(e);
    } else if (st == SQ_OK && async) {
        /* Registered: an idle end has no undelivered event. */
        *result = SQ_P3_BLOCKED;
    } else if (st == SQ_OK) {
        key = sq_p3_waitable_block(&e->w, key);
        /* A later arriver may be moving more into (out of) the buffer
         * that is still registered: its count is the one after. The end
         * still has its synchronous waiter meanwhile (a cancel of it
         * traps SYNC_WAITER, as while it blocked). */
        e->w.sync_waiting = true;
        while (e->channel->moving != SQ_P3_MOVE_NONE && t->instance->trap == SQ_P3_TRAP_NONE) {
            /* Cannot refuse: this thread just blocked. */
            (void)sq_p3_move_wait(e->channel, &e->w, &key);
        }
        e->w.sync_waiting = false;
        /* Stopped by a trap of its instance: no result (the copy stays
         * registered, as everything of a trapped instance stays). */
        if (t->instance->trap != SQ_P3_TRAP_NONE) {
            st = SQ_ERR_TRAP;
        } else {
            *result = sq_p3_end_take(e);
        }
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    requires result == \null || \valid(result);
    ensures type == \null || result == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> sq_p3_copy_word(*result, n, \false);
*/
sq_status_t sq_p3_stream_read(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                              uint32_t ptr, uint32_t n, bool async, uint32_t *result)
{
    return sq_p3_copy(t, type, SQ_P3_KIND_STREAM_READABLE, end, ptr, n, async, result);
}

/*@ requires sq_p3_thread_readable(t);
    requires result == \null || \valid(result);
    ensures type == \null || result == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> sq_p3_copy_word(*result, n, \false);
*/
sq_status_t sq_p3_stream_write(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                               uint32_t ptr, uint32_t n, bool async, uint32_t *result)
{
    return sq_p3_copy(t, type, SQ_P3_KIND_STREAM_WRITABLE, end, ptr, n, async, result);
}

/*@ requires sq_p3_thread_readable(t);
    requires result == \null || \valid(result);
    ensures type == \null || result == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> sq_p3_copy_word(*result, 1, \true);
*/
sq_status_t sq_p3_future_read(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                              uint32_t ptr, bool async, uint32_t *result)
{
    return sq_p3_copy(t, type, SQ_P3_KIND_FUTURE_READABLE, end, ptr, 1u, async, result);
}

/*@ requires sq_p3_thread_readable(t);
    requires result == \null || \valid(result);
    ensures type == \null || result == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> sq_p3_copy_word(*result, 1, \true);
*/
sq_status_t sq_p3_future_write(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                               uint32_t ptr, bool async, uint32_t *result)
{
    return sq_p3_copy(t, type, SQ_P3_KIND_FUTURE_WRITABLE, end, ptr, 1u, async, result);
}

/* cancel-read/cancel-write: end the copy in progress on `end`. Between
 * guest ends a cancel never waits for a partner: either the copy has an
 * event (returned, as the cancel rule says) or its buffer is the pending
 * one (taken back: CANCELLED, nothing moved since its last delivery). It
 * only waits for a move in flight on the channel to end (the bytes it
 * moves are counted), and then looks at the end again. */
static sq_status_t sq_p3_cancel(sq_p3_thread_t *t, const sq_p3_type_t *type, sq_p3_kind_t kind,
                                uint32_t end, bool async, uint32_t *result)
{
    if (type == NULL || result == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_p3_end_t *e = NULL;
    sq_status_t st = sq_p3_end_ready(t, type, kind, end, SQ_P3_END_COPYING,
                                     SQ_P3_TRAP_NOT_COPYING, async, &e);
    while (st == SQ_OK && e->channel->moving != SQ_P3_MOVE_NONE) {
        st = sq_p3_move_wait(e->channel, &e->w, &key);
        if (st == SQ_OK) {
            st = sq_p3_end_ready(t, type, kind, end, SQ_P3_END_COPYING, SQ_P3_TRAP_NOT_COPYING,
                                 async, &e);
        }
    }
    if (st == SQ_OK) {
        sq_p3_channel_t *ch = e->channel;
        if (sq_p3_waitable_has_event(&e->w)) {
            e->result = sq_p3_cancel_outcome(ch->future, e->result);
            *result = sq_p3_end_take(e);
        } else {
            e->result = SQ_P3_COPY_CANCELLED;
            *result = sq_p3_end_deliver(e);
        }
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    requires result == \null || \valid(result);
    ensures type == \null || result == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> *result != SQ_P3_BLOCKED && sq_p3_copy_word(*result, SQ_P3_MAX_COPY, \false);
*/
sq_status_t sq_p3_stream_cancel_read(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                                     bool async, uint32_t *result)
{
    return sq_p3_cancel(t, type, SQ_P3_KIND_STREAM_READABLE, end, async, result);
}

/*@ requires sq_p3_thread_readable(t);
    requires result == \null || \valid(result);
    ensures type == \null || result == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> *result != SQ_P3_BLOCKED && sq_p3_copy_word(*result, SQ_P3_MAX_COPY, \false);
*/
sq_status_t sq_p3_stream_cancel_write(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                                      bool async, uint32_t *result)
{
    return sq_p3_cancel(t, type, SQ_P3_KIND_STREAM_WRITABLE, end, async, result);
}

/*@ requires sq_p3_thread_readable(t);
    requires result == \null || \valid(result);
    ensures type == \null || result == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> *result != SQ_P3_BLOCKED && sq_p3_copy_word(*result, SQ_P3_MAX_COPY, \true);
*/
sq_status_t sq_p3_future_cancel_read(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                                     bool async, uint32_t *result)
{
    return sq_p3_cancel(t, type, SQ_P3_KIND_FUTURE_READABLE, end, async, result);
}

/*@ requires sq_p3_thread_readable(t);
    requires result == \null || \valid(result);
    ensures type == \null || result == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> *result != SQ_P3_BLOCKED && sq_p3_copy_word(*result, SQ_P3_MAX_COPY, \true);
*/
sq_status_t sq_p3_future_cancel_write(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                                      bool async, uint32_t *result)
{
    return sq_p3_cancel(t, type, SQ_P3_KIND_FUTURE_WRITABLE, end, async, result);
}

/* One end of `ch` (of runtime `rt`) is dropped, by its guest or by the
 * host: the second drop gives the channel back; the first gives the other
 * end's pending copy DROPPED with what it moved (a host end's driver is
 * told), and later copies on it are DROPPED at once. */
static void sq_p3_channel_release(sq_p3_runtime_t *rt, sq_p3_channel_t *ch)
{
    if (ch->dropped) {
        sq_p3_pool_give(&rt->channels, ch);
        return;
    }
    ch->dropped = true;
    sq_p3_end_t *p = ch->pending;
    if (p != NULL) {
        ch->pending = NULL;
        sq_p3_end_finish(p, SQ_P3_COPY_DROPPED);
    } else if (ch->host != NULL) {
        sq_p3_end_finish(sq_p3_host_end(ch), SQ_P3_COPY_DROPPED);
    }
}

/* drop-readable/drop-writable: free `end` and release its channel. */
static sq_status_t sq_p3_drop(sq_p3_thread_t *t, const sq_p3_type_t *type, sq_p3_kind_t kind,
                              uint32_t end)
{
    if (type == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_p3_end_t *e = NULL;
    sq_status_t st = sq_p3_end_lookup(t, type, kind, end, true, &e);
    /* Futures must write: the writable end goes only once done (it wrote,
     * or learnt the reader is gone). */
    if (st == SQ_OK && kind == SQ_P3_KIND_FUTURE_WRITABLE && e->state != SQ_P3_END_DONE) {
        st = sq_p3_trap(t->instance, SQ_P3_TRAP_FUTURE_UNWRITTEN);
    }
    if (st == SQ_OK && e->state != SQ_P3_END_IDLE && e->state != SQ_P3_END_DONE) {
        st = sq_p3_trap(t->instance, SQ_P3_TRAP_BUSY);
    }
    if (st == SQ_OK) {
        sq_p3_handle_free(t->instance, end);
        sq_p3_waitable_leave_set(&e->w);
        sq_p3_channel_release(t->instance->runtime, e->channel);
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    ensures type == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_stream_drop_readable(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end)
{
    return sq_p3_drop(t, type, SQ_P3_KIND_STREAM_READABLE, end);
}

/*@ requires sq_p3_thread_readable(t);
    ensures type == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_stream_drop_writable(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end)
{
    return sq_p3_drop(t, type, SQ_P3_KIND_STREAM_WRITABLE, end);
}

/*@ requires sq_p3_thread_readable(t);
    ensures type == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_future_drop_readable(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end)
{
    return sq_p3_drop(t, type, SQ_P3_KIND_FUTURE_READABLE, end);
}

/*@ requires sq_p3_thread_readable(t);
    ensures type == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_future_drop_writable(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end)
{
    return sq_p3_drop(t, type, SQ_P3_KIND_FUTURE_WRITABLE, end);
}

/*@ requires sq_p3_thread_readable(from);
    requires to == \null || \valid(to);
    requires moved == \null || \valid(moved);
    ensures to == \null || type == \null || moved == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_entry_code(\result) || \result == SQ_ERR_STATE;
    ensures \result == SQ_ERR_TRAP ==> from->instance->trap != SQ_P3_TRAP_NONE;
    ensures \result == SQ_ERR_STATE ==> to->trap != SQ_P3_TRAP_NONE;
    ensures \result == SQ_OK ==> sq_p3_new_index(to, *moved);
*/
sq_status_t sq_p3_end_transfer(sq_p3_thread_t *from, sq_p3_instance_t *to,
                               const sq_p3_type_t *type, uint32_t end, uint32_t *moved)
{
    if (to == NULL || type == NULL || moved == NULL) {
        return SQ_ERR_NULL;
    }
    if (to->magic != SQ_P3_INSTANCE_MAGIC) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_p3_end_t *e = NULL;
    void *object = NULL;
    uint32_t kind = SQ_P3_KIND_FREE;
    /* Lifting is no built-in call: may_leave does not matter. */
    sq_status_t st = sq_p3_enter(from, false);
    if (st == SQ_OK) {
        st = sq_p3_lookup(from->instance, end,
                          SQ_P3_KIND_BIT(SQ_P3_KIND_STREAM_READABLE) |
                              SQ_P3_KIND_BIT(SQ_P3_KIND_FUTURE_READABLE),
                          &object, &kind);
    }
    if (st == SQ_OK) {
        e = object;
        if (e->channel->type != type) {
            st = sq_p3_trap(from->instance, SQ_P3_TRAP_WRONG_TYPE);
        }
    }
    if (st == SQ_OK) {
        st = sq_p3_refuse(from->instance,
                          sq_p3_state_refusal(e->state, SQ_P3_END_IDLE, SQ_P3_TRAP_NOT_IDLE));
    }
    if (st == SQ_OK && e->w.set != NULL) {
        st = sq_p3_trap(from->instance, SQ_P3_TRAP_SYNC_IN_SET);
    }
    if (st == SQ_OK && to->runtime != from->instance->runtime) {
        st = SQ_ERR_INVALID;
    }
    /* What `to` refuses is `to`'s: a trapped `to` (before, or now with
     * TABLE_FULL recorded there) is SQ_ERR_STATE, so SQ_ERR_TRAP always
     * names from's instance. */
    if (st == SQ_OK && (to->trap != SQ_P3_TRAP_NONE ||
                        sq_p3_insert(to, (sq_p3_kind_t)kind, e, moved) != SQ_OK)) {
        sq_p3_stop_blocked(to);
        st = SQ_ERR_STATE;
    }
    if (st == SQ_OK) {
        sq_p3_handle_free(from->instance, end);
        e->w.owner = to;
        e->w.handle = *moved;
    }
    return sq_p3_leave(from, key, st);
}

/*@ requires hs == \null || \valid(hs);
    requires inst == \null || \valid(inst);
    requires guest_index == \null || \valid(guest_index);
    ensures hs == \null || inst == \null || ring == \null || guest_index == \null ==>
      \result == SQ_ERR_NULL;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_UNSUPPORTED || \result == SQ_ERR_FULL || \result == SQ_ERR_TRAP;
    ensures \result == SQ_ERR_TRAP ==> inst->trap != SQ_P3_TRAP_NONE;
    ensures \result == SQ_OK ==> sq_p3_new_index(inst, *guest_index) && hs->channel != \null;
*/
sq_status_t sq_p3_host_stream_new(sq_p3_host_stream_t *hs, sq_p3_instance_t *inst,
                                  const sq_p3_type_t *type, sq_typed_ring_buf_t *ring,
                                  sq_p3_host_direction_t direction, sq_p3_host_fn_t on_guest,
                                  void *arg, uint32_t *guest_index)
{
    if (hs == NULL || inst == NULL || ring == NULL || guest_index == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = sq_p3_type_usable(type);
    if (st != SQ_OK) {
        return st;
    }
    /* A ring cannot hold elements of size 0. */
    if (type->kind == SQ_P3_ELEM_NONE) {
        return SQ_ERR_UNSUPPORTED;
    }
    if (inst->magic != SQ_P3_INSTANCE_MAGIC || sq_typed_ring_buf_elem_size(ring) != type->size ||
        (direction != SQ_P3_HOST_WRITES && direction != SQ_P3_HOST_READS)) {
        return SQ_ERR_INVALID;
    }
    bool host_writes = direction == SQ_P3_HOST_WRITES;
    sq_p3_kind_t kind = host_writes ? SQ_P3_KIND_STREAM_READABLE : SQ_P3_KIND_STREAM_WRITABLE;
    sq_irq_key_t key = sq_port_irq_lock();
    sq_p3_runtime_t *rt = inst->runtime;
    sq_p3_channel_t *ch = NULL;
    uint32_t index = 0u;
    /* Lowering is no built-in call: a trapped instance refuses it without
     * a new reason. */
    if (inst->trap != SQ_P3_TRAP_NONE) {
        st = SQ_ERR_TRAP;
    } else {
        ch = sq_p3_pool_take(&rt->channels);
        if (ch == NULL) {
            st = SQ_ERR_FULL;
        }
    }
    if (st == SQ_OK) {
        sq_p3_end_t *guest = host_writes ? &ch->readable : &ch->writable;
        st = sq_p3_insert(inst, kind, guest, &index);
        if (st != SQ_OK) {
            sq_p3_pool_give(&rt->channels, ch);
            sq_p3_stop_blocked(inst);
        }
    }
    if (st == SQ_OK) {
        sq_p3_channel_setup(ch, type, false, hs);
        sq_p3_end_t *host = host_writes ? &ch->writable : &ch->readable;
        sq_p3_waitable_setup(&host->w, NULL, host_writes ? SQ_P3_KIND_STREAM_WRITABLE
                                                         : SQ_P3_KIND_STREAM_READABLE, 0u);
        sq_p3_waitable_setup(host_writes ? &ch->readable.w : &ch->writable.w, inst, kind, index);
        hs->channel = ch;
        hs->runtime = rt;
        hs->ring = ring;
        hs->on_guest = on_guest;
        hs->arg = arg;
        hs->direction = (uint32_t)direction;
        *guest_index = index;
    }
    sq_port_irq_unlock(key);
    return st;
}

/* notify (`close` false) and close, under the lock, on hs's channel. */
static sq_status_t sq_p3_host_call(sq_p3_host_stream_t *hs, bool close)
{
    if (hs == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_OK;
    sq_p3_channel_t *ch = hs->channel;
    if (ch == NULL) {
        st = SQ_ERR_STATE;
    } else if (close) {
        /* From now on the channel never looks at the ring nor calls the
         * driver: it is a channel whose other end was dropped. */
        ch->host = NULL;
        sq_p3_channel_release(hs->runtime, ch);
        hs->channel = NULL;
    } else if (ch->dropped) {
        st = SQ_ERR_DESTROYED;
    } else if (ch->pending != NULL) {
        /* The guest's end waits: the host arrives as a partner posting
         * what its ring offers. */
        sq_p3_end_t *p = ch->pending;
        uint32_t n;
        sq_p3_step_t step = sq_p3_host_arrive(sq_p3_host_ring_offer(hs), p->length, p->progress,
                                              hs->direction == SQ_P3_HOST_WRITES, &n);
        if (step == SQ_P3_STEP_COPY) {
            sq_p3_move_host(ch, n);
            sq_p3_end_finish(p, SQ_P3_COPY_COMPLETED);
        } else if (step == SQ_P3_STEP_REPLACE) {
            /* A full (or zero-length) pending copy is answered; the host
             * end keeps offering, unregistered as always. */
            ch->pending = NULL;
            sq_p3_end_finish(p, SQ_P3_COPY_COMPLETED);
        }
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires hs == \null || \valid(hs);
    ensures hs == \null ==> \result == SQ_ERR_NULL;
    ensures hs != \null && hs->channel == \null ==> \result == SQ_ERR_STATE;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_STATE ||
            \result == SQ_ERR_DESTROYED;
*/
sq_status_t sq_p3_host_stream_notify(sq_p3_host_stream_t *hs)
{
    return sq_p3_host_call(hs, false);
}

/*@ requires hs == \null || \valid(hs);
    ensures hs == \null ==> \result == SQ_ERR_NULL;
    ensures hs != \null && \old(hs->channel) == \null ==> \result == SQ_ERR_STATE;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_STATE;
    ensures hs != \null ==> hs->channel == \null;
*/
sq_status_t sq_p3_host_stream_close(sq_p3_host_stream_t *hs)
{
    return sq_p3_host_call(hs, true);
}

/*@ requires type == \null || \valid(type);
    ensures type == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_UNSUPPORTED;
    ensures \result == SQ_OK ==> type->kind == kind && type->size == size && type->align == align;
    ensures \result != SQ_OK && type != \null ==> *type == \old(*type);
*/
sq_status_t sq_p3_type_init(sq_p3_type_t *type, sq_p3_elem_kind_t kind, uint32_t size,
                            uint32_t align)
{
    if (type == NULL) {
        return SQ_ERR_NULL;
    }
    const sq_p3_type_t made = {(uint32_t)kind, size, align};
    sq_status_t st = sq_p3_type_usable(&made);
    if (st == SQ_OK) {
        *type = made;
    }
    return st;
}

#define SQ_P3_KINDS_END                                                        \
    (SQ_P3_KIND_BIT(SQ_P3_KIND_STREAM_READABLE) |                              \
     SQ_P3_KIND_BIT(SQ_P3_KIND_STREAM_WRITABLE) |                              \
     SQ_P3_KIND_BIT(SQ_P3_KIND_FUTURE_READABLE) |                              \
     SQ_P3_KIND_BIT(SQ_P3_KIND_FUTURE_WRITABLE))

/* What the getters read of end `end`, read together under the lock (a
 * built-in on another kernel thread may be changing it). */
/*@ requires \valid(type) && \valid(state) && \valid(pending);
    requires inst == \null || \valid_read(inst);
    assigns *type, *state, *pending;
    ensures inst == \null ==> \result == SQ_ERR_NULL;
    ensures inst != \null && !sq_p3_inst_ok(inst) ==> \result == SQ_ERR_INVALID;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_RANGE || \result == SQ_ERR_NOT_FOUND;
    ensures \result == SQ_OK ==> *state <= SQ_P3_END_DONE &&
      (*state != SQ_P3_END_COPYING ==> *pending == 0);
*/
static sq_status_t sq_p3_end_read(const sq_p3_instance_t *inst, uint32_t end,
                                  const sq_p3_type_t **type, uint32_t *state,
                                  uint32_t *pending)
{
    if (inst == NULL) {
        return SQ_ERR_NULL;
    }
    if (inst->magic != SQ_P3_INSTANCE_MAGIC) {
        return SQ_ERR_INVALID;
    }
    void *object = NULL;
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_handle_get(&inst->handles, end, SQ_P3_KINDS_END, &object, NULL);
    if (st == SQ_OK) {
        const sq_p3_end_t *e = object;
        *type = e->channel->type;
        *state = e->state;
        *pending = e->state == SQ_P3_END_COPYING ? e->progress : 0u;
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires inst == \null || \valid_read(inst);
    requires type == \null || \valid(type);
    assigns *type;
    ensures type == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_RANGE || \result == SQ_ERR_NOT_FOUND;
*/
sq_status_t sq_p3_end_type(const sq_p3_instance_t *inst, uint32_t end,
                           const sq_p3_type_t **type)
{
    uint32_t state;
    uint32_t pending;
    return type == NULL ? SQ_ERR_NULL : sq_p3_end_read(inst, end, type, &state, &pending);
}

/*@ requires inst == \null || \valid_read(inst);
    requires state == \null || \valid(state);
    assigns *state;
    ensures state == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_RANGE || \result == SQ_ERR_NOT_FOUND;
    ensures \result == SQ_OK ==> *state <= SQ_P3_END_DONE;
*/
sq_status_t sq_p3_end_state(const sq_p3_instance_t *inst, uint32_t end, uint32_t *state)
{
    const sq_p3_type_t *type;
    uint32_t pending;
    return state == NULL ? SQ_ERR_NULL : sq_p3_end_read(inst, end, &type, state, &pending);
}

/*@ requires inst == \null || \valid_read(inst);
    requires count == \null || \valid(count);
    assigns *count;
    ensures count == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_RANGE || \result == SQ_ERR_NOT_FOUND;
*/
sq_status_t sq_p3_end_pending(const sq_p3_instance_t *inst, uint32_t end, uint32_t *count)
{
    const sq_p3_type_t *type;
    uint32_t state;
    return count == NULL ? SQ_ERR_NULL : sq_p3_end_read(inst, end, &type, &state, count);
}
