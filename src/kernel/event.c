/*
 * squall: event words (include/squall/event.h).
 *
 * A waiting thread keeps its desired mask in wait_value and its options in
 * wait_options; the wake hands it the matched bits in wait_value.
 */
#include <squall/event.h>
#include "poll_notify.h"
#include "port.h"
#include "sched.h"

/*@ // C's uint32_t operations, written as C computes them (the casts keep
    // WP's terms identical to the code's).
    logic uint32_t sq_ev_and(uint32_t a, uint32_t b) = (uint32_t)(a & b);
    logic uint32_t sq_ev_match(uint32_t word, uint32_t desired, uint32_t options) =
      (uint32_t)(options & SQ_EVENT_ALL) != 0 ?
        (sq_ev_and(word, desired) == desired ? desired : (uint32_t)0) :
        sq_ev_and(word, desired);
    // An event is not the ready queue, and overlaps no thread control block.
    predicate sq_event_ok(sq_event_t *e) =
      &e->waiters != &sq_ready_queue && &e->waiters != \null &&
      \forall integer j; 0 <= j < sq_kernel.thread_count ==>
        \separated(e, sq_kernel.threads[j]);
*/

/* The desired bits that are set, if they satisfy the wait; else 0. */
/*@ assigns \nothing;
    ensures \result == sq_ev_match(word, desired, options);
    ensures EV05: (uint32_t)(options & SQ_EVENT_ALL) == 0 ==>
                  (\result != 0 <==> sq_ev_and(word, desired) != 0);
    ensures EV06: (uint32_t)(options & SQ_EVENT_ALL) != 0 && desired != 0 ==>
                  (\result != 0 <==> sq_ev_and(word, desired) == desired);
*/
static uint32_t sq_event_match(uint32_t word, uint32_t desired, uint32_t options)
{
    uint32_t hit = word & desired;
    if ((options & SQ_EVENT_ALL) != 0u) {
        return hit == desired ? hit : 0u;
    }
    return hit;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires e == \null || (\valid(e) && sq_event_ok(e));
    assigns *e;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes e == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior has_waiters:
      assumes e != \null && sq_has_waiter(&e->waiters);
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior ok:
      assumes e != \null && !sq_has_waiter(&e->waiters);
      ensures \result == SQ_OK && e->word == 0 && e->magic == SQ_EVENT_MAGIC;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_event_init(sq_event_t *e)
{
    if (e == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    if (!sq_queue_has_waiters(&e->waiters)) {
        e->word = 0u;
        e->magic = SQ_EVENT_MAGIC;
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/* How a change computes the new word from the old one. */
enum sq_event_op { SQ_EVENT_OP_POST, SQ_EVENT_OP_SET, SQ_EVENT_OP_SET_MASKED, SQ_EVENT_OP_CLEAR };

/*@ requires op == SQ_EVENT_OP_POST || op == SQ_EVENT_OP_SET ||
             op == SQ_EVENT_OP_SET_MASKED || op == SQ_EVENT_OP_CLEAR;
    assigns \nothing;
    behavior post:
      assumes op == SQ_EVENT_OP_POST;
      ensures EV01: \result == (uint32_t)(word | bits);
    behavior set:
      assumes op == SQ_EVENT_OP_SET;
      ensures EV02: \result == bits;
    behavior set_masked:
      assumes op == SQ_EVENT_OP_SET_MASKED;
      ensures EV04: \result == (uint32_t)((uint32_t)(word & (uint32_t)~mask) |
                                          (uint32_t)(bits & mask));
    behavior clear:
      assumes op == SQ_EVENT_OP_CLEAR;
      ensures EV03: \result == (uint32_t)(word & (uint32_t)~bits);
    complete behaviors;
    disjoint behaviors;
*/
static uint32_t sq_event_next_word(uint32_t word, enum sq_event_op op, uint32_t bits,
                                   uint32_t mask)
{
    switch (op) {
    case SQ_EVENT_OP_POST:
        return word | bits;
    case SQ_EVENT_OP_SET:
        return bits;
    case SQ_EVENT_OP_SET_MASKED:
        return (word & ~mask) | (bits & mask);
    default:
        return word & ~bits;
    }
}

/* Wake every waiter satisfied by `word` (the new word), then store the word
 * without what the clearing waiters consumed. Every waiter is judged on the
 * same word. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(e) && sq_event_ok(e);
    assigns e->word,
            SQ_WAKE_FOOTPRINT,
            sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->wait_value;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures NLW02: \forall integer j; 0 <= j < sq_kernel.thread_count &&
      sq_kernel.threads[j]->queue == &e->waiters ==>
      sq_ev_match(word, sq_kernel.threads[j]->wait_value, sq_kernel.threads[j]->wait_options) == 0;
    ensures \forall integer j; 0 <= j < sq_kernel.thread_count &&
      \old(sq_kernel.threads[j]->queue) == &e->waiters &&
      sq_kernel.threads[j]->queue != &e->waiters ==>
      sq_kernel.threads[j]->state == SQ_THREAD_READY &&
      sq_kernel.threads[j]->wait_result == SQ_OK &&
      sq_kernel.threads[j]->wait_value ==
        sq_ev_match(word, \old(sq_kernel.threads[j]->wait_value), sq_kernel.threads[j]->wait_options) &&
      sq_kernel.threads[j]->wait_value != 0;
*/
static void sq_event_wake_satisfied(sq_event_t *e, uint32_t word)
{
    uint32_t consumed = 0u;
    /*@ loop invariant 0 <= i <= sq_kernel.thread_count;
        loop invariant sq_kernel_ok && sq_timeouts_ok;
        loop invariant \forall integer j; 0 <= j < i &&
          sq_kernel.threads[j]->queue == &e->waiters ==>
          sq_ev_match(word, sq_kernel.threads[j]->wait_value, sq_kernel.threads[j]->wait_options) == 0;
        loop invariant \forall integer j; 0 <= j < i &&
          \at(sq_kernel.threads[j]->queue, Pre) == &e->waiters &&
          sq_kernel.threads[j]->queue != &e->waiters ==>
          sq_kernel.threads[j]->state == SQ_THREAD_READY &&
          sq_kernel.threads[j]->wait_result == SQ_OK &&
          sq_kernel.threads[j]->wait_value ==
            sq_ev_match(word, \at(sq_kernel.threads[j]->wait_value, Pre),
                        sq_kernel.threads[j]->wait_options) &&
          sq_kernel.threads[j]->wait_value != 0;
        loop invariant \forall integer j; i <= j < sq_kernel.thread_count ==>
          sq_kernel.threads[j]->queue == \at(sq_kernel.threads[j]->queue, Pre) &&
          sq_kernel.threads[j]->wait_value == \at(sq_kernel.threads[j]->wait_value, Pre);
        loop assigns i, consumed,
            SQ_WAKE_FOOTPRINT,
            sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->wait_value;
        loop variant sq_kernel.thread_count - i;
    */
    for (uint32_t i = 1; i < sq_kernel.thread_count; i++) {
        sq_thread_t *t = sq_kernel.threads[i];
        if (t->queue != &e->waiters) {
            continue;
        }
        /*@ assert apart: \forall integer j; 0 <= j < sq_kernel.thread_count && j != i ==>
              sq_distinct(t, sq_kernel.threads[j]); */
        uint32_t hit = sq_event_match(word, t->wait_value, t->wait_options);
        if (hit != 0u) {
            t->wait_value = hit;
            if ((t->wait_options & SQ_EVENT_CLEAR) != 0u) {
                consumed |= hit;
            }
            sq_sched_wake(i, SQ_OK);
        }
    }
    e->word = word & ~consumed;
}

/* Change the word under the lock as `op` says, then wake. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires e == \null || (\valid(e) && sq_event_ok(e));
    requires op == SQ_EVENT_OP_POST || op == SQ_EVENT_OP_SET ||
             op == SQ_EVENT_OP_SET_MASKED || op == SQ_EVENT_OP_CLEAR;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures e == \null ==> \result == SQ_ERR_NULL;
    ensures e != \null && \old(e->magic) != SQ_EVENT_MAGIC ==> \result == SQ_ERR_DESTROYED;
*/
static sq_status_t sq_event_change(sq_event_t *e, enum sq_event_op op, uint32_t bits,
                                   uint32_t mask)
{
    if (e == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_DESTROYED;
    if (e->magic == SQ_EVENT_MAGIC) {
        sq_event_wake_satisfied(e, sq_event_next_word(e->word, op, bits, mask));
        /* Clearing bits makes no poll condition true. */
        if (op != SQ_EVENT_OP_CLEAR) {
            sq_poll_notify_locked(e);
        }
        st = SQ_OK;
    }
    return sq_sched_reschedule_unlock(key, st);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires e == \null || (\valid(e) && sq_event_ok(e));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures e == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_event_post(sq_event_t *e, uint32_t bits)
{
    return sq_event_change(e, SQ_EVENT_OP_POST, bits, 0u);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires e == \null || (\valid(e) && sq_event_ok(e));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures e == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_event_set(sq_event_t *e, uint32_t word)
{
    return sq_event_change(e, SQ_EVENT_OP_SET, word, 0u);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires e == \null || (\valid(e) && sq_event_ok(e));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures e == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_event_set_masked(sq_event_t *e, uint32_t value, uint32_t mask)
{
    return sq_event_change(e, SQ_EVENT_OP_SET_MASKED, value, mask);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires e == \null || (\valid(e) && sq_event_ok(e));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures e == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_event_clear(sq_event_t *e, uint32_t bits)
{
    return sq_event_change(e, SQ_EVENT_OP_CLEAR, bits, 0u);
}

/*@ requires e == \null || \valid_read(e);
    assigns \nothing;
    ensures e != \null ==> \result == e->word;
*/
uint32_t sq_event_get(const sq_event_t *e)
{
    return e == NULL ? 0u : e->word;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(e) && \valid(matched);
    requires sq_event_ok(e) && \separated(e, sq_kernel.current) && \separated(matched, e);
    requires desired != 0;
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    assigns e->word, *matched, sq_kernel.current->wait_value, sq_kernel.current->wait_options,
            sq_kernel.current->queue, sq_kernel.current->ticket, sq_kernel.current->state,
            sq_kernel.current->wait_result, sq_kernel.next_ticket,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count,
            sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior destroyed:
      assumes e->magic != SQ_EVENT_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_DESTROYED;
    behavior satisfied:
      assumes e->magic == SQ_EVENT_MAGIC && sq_ev_match(e->word, desired, options) != 0;
      ensures \result == SQ_OK && *matched == sq_ev_match(\old(e->word), desired, options);
    behavior busy:
      assumes e->magic == SQ_EVENT_MAGIC && sq_ev_match(e->word, desired, options) == 0;
      assumes timeout == SQ_NO_WAIT;
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior isr:
      assumes e->magic == SQ_EVENT_MAGIC && sq_ev_match(e->word, desired, options) == 0;
      assumes timeout != SQ_NO_WAIT && in_isr;
      assigns \nothing;
      ensures \result == SQ_ERR_IN_ISR;
    behavior wait:
      assumes e->magic == SQ_EVENT_MAGIC && sq_ev_match(e->word, desired, options) == 0;
      assumes timeout != SQ_NO_WAIT && !in_isr;
      ensures NLW02: \result == SQ_WAITING ==>
        sq_kernel.current->state == SQ_THREAD_PENDING &&
        sq_kernel.current->queue == &e->waiters &&
        sq_ev_match(e->word, sq_kernel.current->wait_value, sq_kernel.current->wait_options) == 0;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_event_wait_locked(sq_event_t *e, uint32_t desired, uint32_t options,
                                        sq_timeout_t timeout, bool in_isr, uint32_t *matched)
{
    if (e->magic != SQ_EVENT_MAGIC) {
        return SQ_ERR_DESTROYED;
    }
    uint32_t hit = sq_event_match(e->word, desired, options);
    if (hit != 0u) {
        if ((options & SQ_EVENT_CLEAR) != 0u) {
            e->word &= ~hit;
        }
        *matched = hit;
        return SQ_OK;
    }
    if (timeout == SQ_NO_WAIT) {
        return SQ_ERR_BUSY;
    }
    if (in_isr) {
        return SQ_ERR_IN_ISR;
    }
    sq_kernel.current->wait_value = desired;
    sq_kernel.current->wait_options = options;
    return sq_sched_pend(&e->waiters, timeout);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires e == \null || (\valid(e) && sq_event_ok(e) && \separated(e, sq_kernel.current));
    requires matched == \null || \valid(matched);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures e == \null ==> \result == SQ_ERR_NULL;
    ensures e != \null && (desired == 0 || (options & ~(SQ_EVENT_ALL | SQ_EVENT_CLEAR)) != 0) ==>
      \result == SQ_ERR_INVALID;
*/
sq_status_t sq_event_wait(sq_event_t *e, uint32_t desired, uint32_t options,
                          sq_timeout_t timeout, uint32_t *matched)
{
    uint32_t hit = 0u;
    if (e == NULL) {
        return SQ_ERR_NULL;
    }
    if (desired == 0u || (options & ~(SQ_EVENT_ALL | SQ_EVENT_CLEAR)) != 0u) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_event_wait_locked(e, desired, options, timeout, sq_port_in_isr(), &hit);
    sq_port_irq_unlock(key);
    if (st == SQ_WAITING) {
        st = sq_sched_wait_result();
        hit = st == SQ_OK ? sq_sched_current()->wait_value : 0u;
    }
    if (matched != NULL) {
        *matched = hit;
    }
    return st;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires e == \null || (\valid(e) && sq_event_ok(e));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures e == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_event_destroy(sq_event_t *e)
{
    if (e == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_DESTROYED;
    if (e->magic == SQ_EVENT_MAGIC) {
        e->magic = 0u;
        sq_queue_wake_all(&e->waiters, SQ_ERR_DESTROYED);
        st = SQ_OK;
    }
    return sq_sched_reschedule_unlock(key, st);
}
