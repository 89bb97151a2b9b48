/*
 * squall: message queue (include/squall/msgq.h).
 *
 * The messages are the `used` slots from `head` on, modulo max_msgs; a put
 * writes the slot after them (the tail), a get reads the head's and moves
 * the head on, so messages leave in the order they came (MQ02). The oldest
 * `promised` messages are owed to getters a put has woken, `reserved` free
 * slots to putters a get has woken: a call that was not woken takes only
 * the others (MQ05), so the woken thread's get or put, made when it runs,
 * cannot fail. Bookkeeping is four counters with used + reserved <=
 * max_msgs and promised <= used (MQ01).
 *
 * No lost wake-up (MQ06, sq_msgq_nlw): a thread waits to get only while
 * every stored message is promised, to put only while every free slot is
 * reserved; a call that changes that hands the message or slot over in the
 * same critical section. Contracts require and ensure the kernel
 * invariants as sem.c's and mem_slab.c's do.
 */
#include <squall/msgq.h>
#include "port.h"
#include "sched.h"
#include "../ring/copy.h"

/*@ // The buffer's size in bytes, declared with its definition as an axiom
    // so that the provers see two states' sizes as equal by congruence (as
    // mem_slab.c's sq_slab_bytes).
    axiomatic SqMsgqBytes {
      logic integer sq_msgq_bytes(integer n, integer z);
      axiom sq_msgq_bytes_def: \forall integer n, z; sq_msgq_bytes(n, z) == n * z;
      // A slot's bytes lie inside the buffer: (s + 1) * z <= n * z (from
      // ring_core.h's sq_mul_mono; the provers do not find it in a goal's
      // context, nonlinear).
      lemma sq_msgq_slot_inside: \forall integer s, n, z;
        0 <= s < n && 0 < z ==> 0 <= s * z && s * z + z <= sq_msgq_bytes(n, z);
    }

    predicate sq_msgq_geom(sq_msgq_t *q) =
      0 < q->msg_size && 0 < q->max_msgs &&
      sq_msgq_bytes(q->max_msgs, q->msg_size) <= 0xffffffff;

    predicate sq_msgq_counts(sq_msgq_t *q) =
      q->head < q->max_msgs && q->promised <= q->used &&
      q->used + q->reserved <= q->max_msgs;

    predicate sq_msgq_ok(sq_msgq_t *q) =
      &q->getters != &sq_ready_queue && &q->putters != &sq_ready_queue &&
      (q->magic == SQ_MSGQ_MAGIC ==>
         sq_msgq_geom(q) && sq_msgq_counts(q) &&
         \valid(q->buffer + (0 .. sq_msgq_bytes(q->max_msgs, q->msg_size) - 1)) &&
         \separated(q->buffer + (0 .. sq_msgq_bytes(q->max_msgs, q->msg_size) - 1), q));

    predicate sq_msgq_nlw(sq_msgq_t *q) =
      (sq_has_waiter(&q->getters) ==> q->used == q->promised) &&
      (sq_has_waiter(&q->putters) ==> q->used + q->reserved == q->max_msgs);

    // Caller memory holds no kernel state: the queue and its buffer overlap
    // no thread control block of the kernel's table (an assumption, as for
    // stacks and slabs).
    predicate sq_msgq_apart(sq_msgq_t *q) =
      \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
        \separated(sq_kernel.threads[i], q) &&
        (q->magic == SQ_MSGQ_MAGIC ==>
           \separated(sq_kernel.threads[i],
                      q->buffer + (0 .. sq_msgq_bytes(q->max_msgs, q->msg_size) - 1)));

    // The slot `k` places after slot `head` in a ring of `max` slots. Of
    // integers, not of the queue, so that states that differ in other
    // fields give the same term.
    logic integer sq_msgq_slot(integer head, integer max, integer k) = (head + k) % max;

    // A caller's message buffer of msg_size bytes, apart from the queue,
    // its slots and the threads.
    predicate sq_msgq_user(sq_msgq_t *q, char *m) =
      \valid(m + (0 .. q->msg_size - 1)) &&
      \separated(m + (0 .. q->msg_size - 1), q) &&
      \separated(m + (0 .. q->msg_size - 1),
                 q->buffer + (0 .. sq_msgq_bytes(q->max_msgs, q->msg_size) - 1)) &&
      \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
        \separated(m + (0 .. q->msg_size - 1), sq_kernel.threads[i]);
    predicate sq_msgq_user_read(sq_msgq_t *q, char *m) =
      \valid_read(m + (0 .. q->msg_size - 1)) &&
      \separated(m + (0 .. q->msg_size - 1), q) &&
      \separated(m + (0 .. q->msg_size - 1),
                 q->buffer + (0 .. sq_msgq_bytes(q->max_msgs, q->msg_size) - 1));
*/

/* Byte offset of the slot `k` places after the head. */
/*@ requires \valid_read(q) && q->magic == SQ_MSGQ_MAGIC && sq_msgq_geom(q) &&
             sq_msgq_counts(q);
    requires k < q->max_msgs;
    assigns \nothing;
    ensures MQ01: \result == sq_msgq_slot(q->head, q->max_msgs, k) * q->msg_size &&
      \result + q->msg_size <= sq_msgq_bytes(q->max_msgs, q->msg_size);
    ensures MQ01: k == 0 ==> \result == q->head * q->msg_size;
*/
static uint32_t sq_msgq_offset(const sq_msgq_t *q, uint32_t k)
{
    /* head + k without passing 32 bits: both are below max_msgs. */
    uint32_t slot = q->head < q->max_msgs - k ? q->head + k : q->head - (q->max_msgs - k);
    /*@ assert slot == sq_msgq_slot(q->head, q->max_msgs, k) && slot < q->max_msgs; */
    return slot * q->msg_size;
}

/* Copy n bytes from src to dst, both outside the kernel's threads. A
 * function of its own so that the kernel invariants are carried across the
 * copy from the state just before it, in a small context (as
 * sq_mem_slab_give does across its pointer write). */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires \valid(dst + (0 .. n - 1)) && \valid_read(src + (0 .. n - 1));
    requires \separated(dst + (0 .. n - 1), src + (0 .. n - 1));
    requires \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
      \separated(dst + (0 .. n - 1), sq_kernel.threads[i]);
    assigns dst[0 .. n - 1];
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures MQ02: \forall integer b; 0 <= b < n ==> dst[b] == src[b];
*/
static void sq_msgq_copy(char *dst, const char *src, uint32_t n)
{
    /*@ assert copy_apart: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
               0 <= j < sq_kernel.thread_count && i != j ==>
               sq_kernel.threads[i] != sq_kernel.threads[j] &&
               \separated(sq_kernel.threads[i], sq_kernel.threads[j]); */
    /*@ assert copy_pre: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
               0 <= j < sq_kernel.thread_count && i != j &&
               sq_kernel.threads[i]->queue != \null && sq_kernel.threads[j]->queue != \null ==>
               sq_kernel.threads[i]->ticket != sq_kernel.threads[j]->ticket; */
    sq_copy_bytes(dst, src, n);
    /*@ assert copy_kept: \forall integer i; 0 <= i < sq_kernel.thread_count ==>
               sq_kernel.threads[i]->queue == \at(sq_kernel.threads[i]->queue, Pre); */
    /*@ assert \forall integer i; 0 <= i < sq_kernel.thread_count ==>
               sq_thread_inv(sq_kernel.threads[i]); */
    /*@ assert copy_tickets: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
               0 <= j < sq_kernel.thread_count && i != j &&
               sq_kernel.threads[i]->queue != \null && sq_kernel.threads[j]->queue != \null ==>
               sq_kernel.threads[i]->ticket != sq_kernel.threads[j]->ticket; */
    /*@ assert copy_distinct: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
               0 <= j < sq_kernel.thread_count && i != j ==>
               sq_distinct(sq_kernel.threads[i], sq_kernel.threads[j]); */
}

/* Store `msg` behind the stored messages; a getter waiting gets it
 * promised. The caller has checked there is an unreserved free slot. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(q);
    requires sq_msgq_ok(q) && sq_msgq_apart(q) && q->magic == SQ_MSGQ_MAGIC;
    requires q->used + q->reserved < q->max_msgs;
    requires sq_has_waiter(&q->getters) ==> q->used == q->promised;
    requires sq_has_waiter(&q->putters) ==> q->used + q->reserved + 1 == q->max_msgs;
    requires sq_msgq_user_read(q, msg);
    assigns q->buffer[0 .. sq_msgq_bytes(q->max_msgs, q->msg_size) - 1], q->used, q->promised,
            SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures MQ01: sq_msgq_ok(q);
    ensures MQ06: sq_msgq_nlw(q);
    ensures MQ02: q->used == \old(q->used) + 1 && q->head == \old(q->head) &&
      \forall integer b; 0 <= b < q->msg_size ==>
        q->buffer[sq_msgq_slot(q->head, q->max_msgs, \old(q->used)) * q->msg_size + b] == msg[b];
    behavior hand_over:
      assumes sq_has_waiter(&q->getters);
      ensures MQ04: q->promised == \old(q->promised) + 1 &&
        \exists integer w; 0 < w < sq_kernel.thread_count &&
          \old(sq_kernel.threads[w]->queue) == &q->getters &&
          sq_kernel.threads[w]->state == SQ_THREAD_READY &&
          sq_kernel.threads[w]->wait_result == SQ_OK &&
          (\forall integer j; 0 <= j < sq_kernel.thread_count && j != w &&
             \old(sq_kernel.threads[j]->queue) == &q->getters ==>
             \old(sq_before(sq_kernel.threads[w], sq_kernel.threads[j])));
    behavior stored:
      assumes !sq_has_waiter(&q->getters);
      ensures MQ05: q->promised == \old(q->promised);
    complete behaviors;
    disjoint behaviors;
*/
static void sq_msgq_append(sq_msgq_t *q, const char *msg)
{
    /* The wake first, so that the copy's bytes need not be carried across
     * it (all in one critical section: the order is not observable).
     * Getters wait only while every stored message is promised (MQ06):
     * otherwise the scan of the thread table is skipped. */
    int32_t w = q->used == q->promised ? sq_queue_wake_first(&q->getters, SQ_OK) : -1;
    /*@ assert append_fields: q->magic == \at(q->magic, Pre) && q->head == \at(q->head, Pre) &&
               q->used == \at(q->used, Pre) && q->promised == \at(q->promised, Pre) &&
               q->reserved == \at(q->reserved, Pre) && q->buffer == \at(q->buffer, Pre) &&
               q->msg_size == \at(q->msg_size, Pre) && q->max_msgs == \at(q->max_msgs, Pre); */
    uint32_t off = sq_msgq_offset(q, q->used);
    q->used++;
    if (w > 0) {
        q->promised++;
    }
    /* The copy last: its bytes are the call's result as they stand. */
    sq_msgq_copy(q->buffer + off, msg, q->msg_size);
}

/* Move the head message into `buf`; a putter waiting gets the slot
 * reserved. The caller has checked there is an unpromised message. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(q);
    requires sq_msgq_ok(q) && sq_msgq_apart(q) && q->magic == SQ_MSGQ_MAGIC;
    requires q->promised < q->used;
    requires sq_has_waiter(&q->getters) ==> q->used == q->promised + 1;
    requires sq_has_waiter(&q->putters) ==> q->used + q->reserved == q->max_msgs;
    requires sq_msgq_user(q, buf);
    assigns buf[0 .. q->msg_size - 1], q->head, q->used, q->reserved, SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures MQ01: sq_msgq_ok(q);
    ensures MQ06: sq_msgq_nlw(q);
    ensures MQ02: q->used == \old(q->used) - 1 &&
      q->head == (\old(q->head) + 1 == q->max_msgs ? 0 : \old(q->head) + 1) &&
      \forall integer b; 0 <= b < q->msg_size ==>
        buf[b] == q->buffer[\old(q->head) * q->msg_size + b];
    behavior hand_over:
      assumes sq_has_waiter(&q->putters);
      ensures MQ04: q->reserved == \old(q->reserved) + 1 &&
        \exists integer w; 0 < w < sq_kernel.thread_count &&
          \old(sq_kernel.threads[w]->queue) == &q->putters &&
          sq_kernel.threads[w]->state == SQ_THREAD_READY &&
          sq_kernel.threads[w]->wait_result == SQ_OK &&
          (\forall integer j; 0 <= j < sq_kernel.thread_count && j != w &&
             \old(sq_kernel.threads[j]->queue) == &q->putters ==>
             \old(sq_before(sq_kernel.threads[w], sq_kernel.threads[j])));
    behavior freed:
      assumes !sq_has_waiter(&q->putters);
      ensures MQ05: q->reserved == \old(q->reserved);
    complete behaviors;
    disjoint behaviors;
*/
static void sq_msgq_take(sq_msgq_t *q, char *buf)
{
    /* The wake first, as in sq_msgq_append; putters wait only while every
     * free slot is reserved. */
    int32_t w = q->used + q->reserved == q->max_msgs ?
                sq_queue_wake_first(&q->putters, SQ_OK) : -1;
    /*@ assert take_fields: q->magic == \at(q->magic, Pre) && q->head == \at(q->head, Pre) &&
               q->used == \at(q->used, Pre) && q->promised == \at(q->promised, Pre) &&
               q->reserved == \at(q->reserved, Pre) && q->buffer == \at(q->buffer, Pre) &&
               q->msg_size == \at(q->msg_size, Pre) && q->max_msgs == \at(q->max_msgs, Pre); */
    uint32_t off = sq_msgq_offset(q, 0u);
    q->head = q->head + 1u == q->max_msgs ? 0u : q->head + 1u;
    q->used--;
    if (w > 0) {
        q->reserved++;
    }
    sq_msgq_copy(buf, q->buffer + off, q->msg_size);
}

/* The wait of a put or get that found no room or no message. The two
 * refusals sq_sched_pend would make (the idle thread; no timeout slot) are
 * made here, so that the one call left is a wait: pend's contract states
 * what its refusals leave unchanged per behavior, which WP does not carry
 * to the caller, and the no-lost-wake-up property needs the caller's queue. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires wq != \null && wq != &sq_ready_queue;
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires timeout != SQ_NO_WAIT && sq_kernel.now <= SQ_TICK_MAX;
    assigns sq_kernel.current->queue, sq_kernel.current->ticket,
            sq_kernel.current->state, sq_kernel.current->wait_result,
            sq_kernel.next_ticket,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count,
            sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures MQ06: \forall integer i; 0 <= i < sq_kernel.thread_count &&
      sq_kernel.threads[i] != sq_kernel.current ==>
      sq_kernel.threads[i]->queue == \old(sq_kernel.threads[i]->queue);
    ensures MQ04: \result == SQ_WAITING ==>
      sq_kernel.current->state == SQ_THREAD_PENDING && sq_kernel.current->queue == wq &&
      \forall integer j; 0 <= j < sq_kernel.thread_count &&
        sq_kernel.threads[j] != sq_kernel.current && sq_kernel.threads[j]->queue != \null ==>
        sq_kernel.threads[j]->ticket < sq_kernel.current->ticket;
    ensures MQ03: \result != SQ_WAITING ==>
      (\result == SQ_ERR_FULL || \result == SQ_ERR_STATE) &&
      sq_kernel.current->queue == \old(sq_kernel.current->queue);
*/
static sq_status_t sq_msgq_wait(sq_wait_queue_t *wq, sq_timeout_t timeout)
{
    if (sq_kernel.current == &sq_idle_thread) {
        return SQ_ERR_STATE;
    }
    if (timeout != SQ_FOREVER && sq_kernel.armed_count == SQ_CONFIG_MAX_TIMEOUTS) {
        return SQ_ERR_FULL;
    }
    /*@ assert wait_apart: \forall integer i; 0 <= i < sq_kernel.thread_count &&
               sq_kernel.threads[i] != sq_kernel.current ==>
               \separated(sq_kernel.threads[i], sq_kernel.current); */
    return sq_sched_pend(wq, timeout);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires q == \null || (\valid(q) && sq_msgq_ok(q) && sq_msgq_apart(q));
    requires q != \null && buffer != \null && 0 < msg_size && 0 < max_msgs &&
             max_msgs * msg_size <= 0xffffffff ==>
      \valid((char *)buffer + (0 .. sq_msgq_bytes(max_msgs, msg_size) - 1)) &&
      \separated((char *)buffer + (0 .. sq_msgq_bytes(max_msgs, msg_size) - 1), q) &&
      \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
        \separated(sq_kernel.threads[i],
                   (char *)buffer + (0 .. sq_msgq_bytes(max_msgs, msg_size) - 1));
    assigns *q;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes q == \null || buffer == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_args:
      assumes q != \null && buffer != \null;
      assumes !(0 < msg_size && 0 < max_msgs && max_msgs * msg_size <= 0xffffffff);
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_ZERO_LENGTH || \result == SQ_ERR_OVERFLOW;
    behavior busy:
      assumes q != \null && buffer != \null;
      assumes 0 < msg_size && 0 < max_msgs && max_msgs * msg_size <= 0xffffffff;
      assumes sq_has_waiter(&q->getters) || sq_has_waiter(&q->putters) ||
              (q->magic == SQ_MSGQ_MAGIC && (q->promised != 0 || q->reserved != 0));
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_BUSY;
    behavior ok:
      assumes q != \null && buffer != \null;
      assumes 0 < msg_size && 0 < max_msgs && max_msgs * msg_size <= 0xffffffff;
      assumes !(sq_has_waiter(&q->getters) || sq_has_waiter(&q->putters) ||
                (q->magic == SQ_MSGQ_MAGIC && (q->promised != 0 || q->reserved != 0)));
      ensures MQ01: \result == SQ_OK && q->magic == SQ_MSGQ_MAGIC &&
        q->msg_size == msg_size && q->max_msgs == max_msgs && q->used == 0 &&
        q->promised == 0 && q->reserved == 0;
      ensures MQ01: sq_msgq_ok(q) && sq_msgq_nlw(q) && sq_msgq_apart(q);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_msgq_init(sq_msgq_t *q, void *buffer, uint32_t msg_size, uint32_t max_msgs)
{
    if (q == NULL || buffer == NULL) {
        return SQ_ERR_NULL;
    }
    if (msg_size == 0u || max_msgs == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    if ((uint64_t)max_msgs * msg_size > UINT32_MAX) {
        return SQ_ERR_OVERFLOW;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    /* A woken thread's message or slot, or a waiter, would be lost. */
    if (!sq_queue_has_waiters(&q->getters) && !sq_queue_has_waiters(&q->putters) &&
        (q->magic != SQ_MSGQ_MAGIC || (q->promised == 0u && q->reserved == 0u))) {
        /*@ assert init_apart: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
                   0 <= j < sq_kernel.thread_count && i != j ==>
                   sq_kernel.threads[i] != sq_kernel.threads[j] &&
                   \separated(sq_kernel.threads[i], sq_kernel.threads[j]); */
        /*@ assert init_pre: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
                   0 <= j < sq_kernel.thread_count && i != j &&
                   sq_kernel.threads[i]->queue != \null && sq_kernel.threads[j]->queue != \null ==>
                   sq_kernel.threads[i]->ticket != sq_kernel.threads[j]->ticket; */
        q->buffer = buffer;
        q->msg_size = msg_size;
        q->max_msgs = max_msgs;
        q->head = 0u;
        q->used = 0u;
        q->promised = 0u;
        q->reserved = 0u;
        q->magic = SQ_MSGQ_MAGIC;
        /* The writes above are outside every thread (sq_msgq_apart); the
         * kernel invariant is restated step by step from its state at
         * entry, as in sq_mem_slab_init. */
        /*@ assert init_kept: \forall integer i; 0 <= i < sq_kernel.thread_count ==>
                   sq_kernel.threads[i]->queue == \at(sq_kernel.threads[i]->queue, Pre) &&
                   sq_kernel.threads[i]->ticket == \at(sq_kernel.threads[i]->ticket, Pre); */
        /*@ assert \forall integer i; 0 <= i < sq_kernel.thread_count ==>
                   sq_thread_inv(sq_kernel.threads[i]); */
        /*@ assert init_tickets: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
                   0 <= j < sq_kernel.thread_count && i != j &&
                   sq_kernel.threads[i]->queue != \null && sq_kernel.threads[j]->queue != \null ==>
                   sq_kernel.threads[i]->ticket != sq_kernel.threads[j]->ticket; */
        /*@ assert init_distinct: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
                   0 <= j < sq_kernel.thread_count && i != j ==>
                   sq_distinct(sq_kernel.threads[i], sq_kernel.threads[j]); */
        /*@ assert sq_kernel_ok; */
        /*@ assert sq_msgq_geom(q) && sq_msgq_counts(q); */
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/* SQ_OK: stored; SQ_WAITING: now waiting to put; else failed. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(q);
    requires sq_msgq_ok(q) && sq_msgq_nlw(q) && sq_msgq_apart(q);
    requires q->magic == SQ_MSGQ_MAGIC ==> sq_msgq_user_read(q, msg);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    assigns q->buffer[0 .. sq_msgq_bytes(q->max_msgs, q->msg_size) - 1], q->used, q->promised,
            SQ_WAKE_FOOTPRINT,
            sq_kernel.current->queue, sq_kernel.current->ticket,
            sq_kernel.current->state, sq_kernel.current->wait_result,
            sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures MQ01: sq_msgq_ok(q);
    ensures MQ06: sq_msgq_nlw(q);
    behavior uninit:
      assumes q->magic != SQ_MSGQ_MAGIC;
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_STATE;
    behavior store:
      assumes q->magic == SQ_MSGQ_MAGIC && q->used + q->reserved < q->max_msgs;
      ensures MQ02: \result == SQ_OK && q->used == \old(q->used) + 1 &&
        q->head == \old(q->head) &&
        \forall integer b; 0 <= b < q->msg_size ==>
          q->buffer[sq_msgq_slot(q->head, q->max_msgs, \old(q->used)) * q->msg_size + b] == msg[b];
    behavior busy:
      assumes q->magic == SQ_MSGQ_MAGIC && q->used + q->reserved == q->max_msgs;
      assumes timeout == SQ_NO_WAIT;
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_BUSY;
    behavior isr:
      assumes q->magic == SQ_MSGQ_MAGIC && q->used + q->reserved == q->max_msgs;
      assumes timeout != SQ_NO_WAIT && in_isr;
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_IN_ISR;
    behavior wait:
      assumes q->magic == SQ_MSGQ_MAGIC && q->used + q->reserved == q->max_msgs;
      assumes timeout != SQ_NO_WAIT && !in_isr;
      ensures MQ04: \result == SQ_WAITING ==>
        sq_kernel.current->state == SQ_THREAD_PENDING &&
        sq_kernel.current->queue == &q->putters &&
        \forall integer j; 0 <= j < sq_kernel.thread_count &&
          sq_kernel.threads[j] != sq_kernel.current && sq_kernel.threads[j]->queue != \null ==>
          sq_kernel.threads[j]->ticket < sq_kernel.current->ticket;
      ensures MQ03: \result != SQ_WAITING ==>
        (\result == SQ_ERR_FULL || \result == SQ_ERR_STATE) && q->used == \old(q->used);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_msgq_put_locked(sq_msgq_t *q, const char *msg, sq_timeout_t timeout,
                                      bool in_isr)
{
    if (q->magic != SQ_MSGQ_MAGIC) {
        return SQ_ERR_STATE;
    }
    if (q->used + q->reserved < q->max_msgs) {
        sq_msgq_append(q, msg);
        return SQ_OK;
    }
    if (timeout == SQ_NO_WAIT) {
        return SQ_ERR_BUSY;
    }
    if (in_isr) {
        return SQ_ERR_IN_ISR;
    }
    return sq_msgq_wait(&q->putters, timeout);
}

/* The put of a putter a get woke: it stores into the slot kept for it. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(q);
    requires sq_msgq_ok(q) && sq_msgq_nlw(q) && sq_msgq_apart(q);
    requires q->magic == SQ_MSGQ_MAGIC ==> sq_msgq_user_read(q, msg);
    assigns q->buffer[0 .. sq_msgq_bytes(q->max_msgs, q->msg_size) - 1], q->used, q->promised,
            q->reserved, SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures MQ01: sq_msgq_ok(q);
    ensures MQ06: sq_msgq_nlw(q);
    behavior kept:
      assumes q->magic == SQ_MSGQ_MAGIC && q->reserved > 0;
      ensures MQ05: \result == SQ_OK && q->reserved == \old(q->reserved) - 1;
      ensures MQ02: q->used == \old(q->used) + 1 && q->head == \old(q->head) &&
        \forall integer b; 0 <= b < q->msg_size ==>
          q->buffer[sq_msgq_slot(q->head, q->max_msgs, \old(q->used)) * q->msg_size + b] == msg[b];
    behavior none:
      assumes !(q->magic == SQ_MSGQ_MAGIC && q->reserved > 0);
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_msgq_put_kept_locked(sq_msgq_t *q, const char *msg)
{
    /* Init refuses while a slot is reserved, so the slot is there. */
    if (q->magic != SQ_MSGQ_MAGIC || q->reserved == 0u) {
        return SQ_ERR_STATE;
    }
    q->reserved--;
    sq_msgq_append(q, msg);
    return SQ_OK;
}

/* SQ_OK: got one; SQ_WAITING: now waiting to get; else failed. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(q);
    requires sq_msgq_ok(q) && sq_msgq_nlw(q) && sq_msgq_apart(q);
    requires q->magic == SQ_MSGQ_MAGIC ==> sq_msgq_user(q, buf);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    assigns buf[0 .. q->msg_size - 1], q->head, q->used, q->reserved, SQ_WAKE_FOOTPRINT,
            sq_kernel.current->queue, sq_kernel.current->ticket,
            sq_kernel.current->state, sq_kernel.current->wait_result,
            sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures MQ01: sq_msgq_ok(q);
    ensures MQ06: sq_msgq_nlw(q);
    behavior uninit:
      assumes q->magic != SQ_MSGQ_MAGIC;
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_STATE;
    behavior take:
      assumes q->magic == SQ_MSGQ_MAGIC && q->promised < q->used;
      ensures MQ02: \result == SQ_OK && q->used == \old(q->used) - 1 &&
        q->head == (\old(q->head) + 1 == q->max_msgs ? 0 : \old(q->head) + 1) &&
        \forall integer b; 0 <= b < q->msg_size ==>
          buf[b] == q->buffer[\old(q->head) * q->msg_size + b];
      ensures MQ05: q->promised == \old(q->promised);
    behavior busy:
      assumes q->magic == SQ_MSGQ_MAGIC && q->promised == q->used && timeout == SQ_NO_WAIT;
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_BUSY;
    behavior isr:
      assumes q->magic == SQ_MSGQ_MAGIC && q->promised == q->used;
      assumes timeout != SQ_NO_WAIT && in_isr;
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_IN_ISR;
    behavior wait:
      assumes q->magic == SQ_MSGQ_MAGIC && q->promised == q->used;
      assumes timeout != SQ_NO_WAIT && !in_isr;
      ensures MQ04: \result == SQ_WAITING ==>
        sq_kernel.current->state == SQ_THREAD_PENDING &&
        sq_kernel.current->queue == &q->getters &&
        \forall integer j; 0 <= j < sq_kernel.thread_count &&
          sq_kernel.threads[j] != sq_kernel.current && sq_kernel.threads[j]->queue != \null ==>
          sq_kernel.threads[j]->ticket < sq_kernel.current->ticket;
      ensures MQ03: \result != SQ_WAITING ==>
        (\result == SQ_ERR_FULL || \result == SQ_ERR_STATE) && q->used == \old(q->used);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_msgq_get_locked(sq_msgq_t *q, char *buf, sq_timeout_t timeout, bool in_isr)
{
    if (q->magic != SQ_MSGQ_MAGIC) {
        return SQ_ERR_STATE;
    }
    if (q->promised < q->used) {
        sq_msgq_take(q, buf);
        return SQ_OK;
    }
    if (timeout == SQ_NO_WAIT) {
        return SQ_ERR_BUSY;
    }
    if (in_isr) {
        return SQ_ERR_IN_ISR;
    }
    return sq_msgq_wait(&q->getters, timeout);
}

/* The get of a getter a put woke: it takes the head message, which no
 * call that was not woken could take (the oldest `promised` are kept). */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(q);
    requires sq_msgq_ok(q) && sq_msgq_nlw(q) && sq_msgq_apart(q);
    requires q->magic == SQ_MSGQ_MAGIC ==> sq_msgq_user(q, buf);
    assigns buf[0 .. q->msg_size - 1], q->head, q->used, q->promised, q->reserved,
            SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures MQ01: sq_msgq_ok(q);
    ensures MQ06: sq_msgq_nlw(q);
    behavior kept:
      assumes q->magic == SQ_MSGQ_MAGIC && q->promised > 0;
      ensures MQ05: \result == SQ_OK && q->promised == \old(q->promised) - 1;
      ensures MQ02: q->used == \old(q->used) - 1 &&
      q->head == (\old(q->head) + 1 == q->max_msgs ? 0 : \old(q->head) + 1) &&
        \forall integer b; 0 <= b < q->msg_size ==>
          buf[b] == q->buffer[\old(q->head) * q->msg_size + b];
    behavior none:
      assumes !(q->magic == SQ_MSGQ_MAGIC && q->promised > 0);
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_msgq_get_kept_locked(sq_msgq_t *q, char *buf)
{
    /* Init refuses while a message is promised, so it is there. */
    if (q->magic != SQ_MSGQ_MAGIC || q->promised == 0u) {
        return SQ_ERR_STATE;
    }
    q->promised--;
    sq_msgq_take(q, buf);
    return SQ_OK;
}

/* Put and get block across an unlock (skipped by WP, see prove.sh); their
 * critical sections are the proven *_locked functions above. */
sq_status_t sq_msgq_put(sq_msgq_t *q, const void *msg, sq_timeout_t timeout)
{
    if (q == NULL || msg == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_msgq_put_locked(q, (const char *)msg, timeout, sq_port_in_isr());
    if (st != SQ_WAITING) {
        return sq_sched_reschedule_unlock(key, st);
    }
    st = sq_sched_unlock_result(key, st);
    if (st != SQ_OK) {
        return st;
    }
    /* A get woke us with a slot kept (MQ05). */
    key = sq_port_irq_lock();
    return sq_sched_reschedule_unlock(key, sq_msgq_put_kept_locked(q, (const char *)msg));
}

sq_status_t sq_msgq_get(sq_msgq_t *q, void *buf, sq_timeout_t timeout)
{
    if (q == NULL || buf == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_msgq_get_locked(q, (char *)buf, timeout, sq_port_in_isr());
    if (st != SQ_WAITING) {
        return sq_sched_reschedule_unlock(key, st);
    }
    st = sq_sched_unlock_result(key, st);
    if (st != SQ_OK) {
        return st;
    }
    /* A put woke us with a message kept (MQ05). */
    key = sq_port_irq_lock();
    return sq_sched_reschedule_unlock(key, sq_msgq_get_kept_locked(q, (char *)buf));
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires q == \null || (\valid(q) && sq_msgq_ok(q) && sq_msgq_nlw(q));
    requires q != \null && buf != \null && q->magic == SQ_MSGQ_MAGIC ==>
      sq_msgq_user(q, (char *)buf);
    assigns ((char *)buf)[0 .. q->msg_size - 1];
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes q == \null || buf == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior uninit:
      assumes q != \null && buf != \null && q->magic != SQ_MSGQ_MAGIC;
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_STATE;
    behavior empty:
      assumes q != \null && buf != \null && q->magic == SQ_MSGQ_MAGIC && q->used == q->promised;
      assigns \nothing;
      ensures MQ03: \result == SQ_ERR_EMPTY;
    behavior peek:
      assumes q != \null && buf != \null && q->magic == SQ_MSGQ_MAGIC && q->promised < q->used;
      ensures MQ02: \result == SQ_OK &&
        \forall integer b; 0 <= b < q->msg_size ==>
          ((char *)buf)[b] ==
            q->buffer[sq_msgq_slot(q->head, q->max_msgs, q->promised) * q->msg_size + b];
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_msgq_peek(sq_msgq_t *q, void *buf)
{
    if (q == NULL || buf == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_STATE;
    if (q->magic == SQ_MSGQ_MAGIC) {
        st = SQ_ERR_EMPTY;
        if (q->promised < q->used) {
            /* The first message not promised: the one the next get takes. */
            sq_msgq_copy((char *)buf, q->buffer + sq_msgq_offset(q, q->promised), q->msg_size);
            st = SQ_OK;
        }
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires q == \null || (\valid(q) && sq_msgq_ok(q) && sq_msgq_nlw(q) && sq_msgq_apart(q));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures q != \null ==> sq_msgq_ok(q) && sq_msgq_nlw(q);
    behavior null_arg:
      assumes q == \null;
      ensures \result == SQ_ERR_NULL;
    behavior uninit:
      assumes q != \null && q->magic != SQ_MSGQ_MAGIC;
      ensures MQ03: \result == SQ_ERR_STATE;
    behavior purge:
      assumes q != \null && q->magic == SQ_MSGQ_MAGIC;
      ensures MQ07: \result == SQ_OK && q->used == q->promised &&
        q->promised == \old(q->promised) && q->head == \old(q->head) &&
        q->reserved == \old(q->reserved) && !sq_has_waiter(&q->putters);
      ensures MQ07: \forall integer j; 0 <= j < sq_kernel.thread_count &&
        \old(sq_kernel.threads[j]->queue) == &q->putters ==>
        sq_kernel.threads[j]->state == SQ_THREAD_READY &&
        sq_kernel.threads[j]->wait_result == SQ_ERR_AGAIN;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_msgq_purge(sq_msgq_t *q)
{
    if (q == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_STATE;
    if (q->magic == SQ_MSGQ_MAGIC) {
        /* The promised messages are the oldest: they stay, at the head. */
        q->used = q->promised;
        sq_queue_wake_all(&q->putters, SQ_ERR_AGAIN);
        st = SQ_OK;
    }
    return sq_sched_reschedule_unlock(key, st);
}

/*@ requires q == \null || (\valid_read(q) && q->promised <= q->used);
    assigns \nothing;
    ensures MQ01: q != \null ==> \result == q->used - q->promised;
*/
uint32_t sq_msgq_num_used(const sq_msgq_t *q)
{
    return q == NULL ? 0u : q->used - q->promised;
}

/*@ requires q == \null || (\valid_read(q) && q->used + q->reserved <= q->max_msgs);
    assigns \nothing;
    ensures MQ01: q != \null ==> \result == q->max_msgs - q->used - q->reserved;
*/
uint32_t sq_msgq_num_free(const sq_msgq_t *q)
{
    return q == NULL ? 0u : q->max_msgs - q->used - q->reserved;
}
