/*
 * squall: counting semaphore (include/squall/sem.h).
 *
 * No lost wake-up (NLW01): take tests the count and joins the wait queue in
 * one critical section, and give hands its unit to a waiter in another, so
 * "a thread waits on s" implies "s's count is 0" whenever the lock is free.
 * Every function here keeps that predicate, sq_sem_nlw, with P01/P02.
 *
 * Contracts: the kernel invariants (sq_kernel_ok, sq_timeouts_ok, see
 * sched.h) are required and ensured by every call; sq_kernel_init
 * establishes them. WP proves the critical sections; what other threads do
 * while a caller is switched out is the SPIN model's part.
 */
#include <squall/sem.h>
#include "poll_notify.h"
#include "port.h"
#include "sched.h"

/*@ predicate sq_sem_ok(sq_sem_t *s) =
      &s->waiters != &sq_ready_queue &&
      (s->magic == SQ_SEM_MAGIC ==> 0 < s->limit && s->count <= s->limit);
    predicate sq_sem_nlw(sq_sem_t *s) =
      sq_has_waiter(&s->waiters) ==> s->count == 0;
*/

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && &s->waiters != &sq_ready_queue);
    assigns *s;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes s == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_limit:
      assumes s != \null && (limit == 0 || initial > limit);
      assigns \nothing;
      ensures P02: \result == SQ_ERR_INVALID;
    behavior has_waiters:
      assumes s != \null && 0 < limit && initial <= limit && sq_has_waiter(&s->waiters);
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior ok:
      assumes s != \null && 0 < limit && initial <= limit && !sq_has_waiter(&s->waiters);
      ensures \result == SQ_OK && s->count == initial && s->limit == limit;
      ensures P01: sq_sem_ok(s) && sq_sem_nlw(s);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_sem_init(sq_sem_t *s, uint32_t initial, uint32_t limit)
{
    if (s == NULL) {
        return SQ_ERR_NULL;
    }
    if (limit == 0u || initial > limit) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    if (!sq_queue_has_waiters(&s->waiters)) {
        s->count = initial;
        s->limit = limit;
        s->magic = SQ_SEM_MAGIC;
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(s);
    requires sq_sem_ok(s) && sq_sem_nlw(s);
    assigns s->count,
            SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures P01: sq_sem_ok(s);
    ensures NLW01: sq_sem_nlw(s);
    behavior destroyed:
      assumes s->magic != SQ_SEM_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_DESTROYED;
    behavior hand_over:
      assumes s->magic == SQ_SEM_MAGIC && sq_has_waiter(&s->waiters);
      ensures P04: \result == SQ_OK && s->count == \old(s->count) == 0;
    behavior count:
      assumes s->magic == SQ_SEM_MAGIC && !sq_has_waiter(&s->waiters);
      assumes s->count < s->limit;
      ensures P03: \result == SQ_OK && s->count == \old(s->count) + 1;
    behavior full:
      assumes s->magic == SQ_SEM_MAGIC && !sq_has_waiter(&s->waiters);
      assumes s->count == s->limit;
      ensures P03: \result == SQ_ERR_FULL && s->count == \old(s->count);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_sem_give_locked(sq_sem_t *s)
{
    if (s->magic != SQ_SEM_MAGIC) {
        return SQ_ERR_DESTROYED;
    }
    /* The first waiter (P04) gets the unit itself: the count stays 0. */
    if (sq_queue_wake_first(&s->waiters, SQ_OK) >= 0) {
        return SQ_OK;
    }
    if (s->count == s->limit) {
        return SQ_ERR_FULL;
    }
    s->count++;
    /* A unit nobody took: pollers of s may now go on. */
    sq_poll_notify_locked(s);
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_sem_ok(s) && sq_sem_nlw(s));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures s != \null ==> sq_sem_ok(s) && sq_sem_nlw(s);
    ensures s == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_sem_give(sq_sem_t *s)
{
    if (s == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_reschedule_unlock(key, sq_sem_give_locked(s));
}

/* SQ_OK: took a unit; SQ_WAITING: now on the wait queue; else failed. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(s);
    requires sq_sem_ok(s) && sq_sem_nlw(s);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    assigns s->count, sq_kernel.current->queue, sq_kernel.current->ticket,
            sq_kernel.current->state, sq_kernel.current->wait_result,
            sq_kernel.next_ticket,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count,
            sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures P01: sq_sem_ok(s);
    ensures NLW01: sq_sem_nlw(s);
    behavior destroyed:
      assumes s->magic != SQ_SEM_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_DESTROYED;
    behavior take:
      assumes s->magic == SQ_SEM_MAGIC && s->count > 0;
      ensures P05: \result == SQ_OK && s->count == \old(s->count) - 1;
    behavior busy:
      assumes s->magic == SQ_SEM_MAGIC && s->count == 0 && timeout == SQ_NO_WAIT;
      assigns \nothing;
      ensures P06: \result == SQ_ERR_BUSY;
    behavior isr:
      assumes s->magic == SQ_SEM_MAGIC && s->count == 0 && timeout != SQ_NO_WAIT && in_isr;
      assigns \nothing;
      ensures \result == SQ_ERR_IN_ISR;
    behavior wait:
      assumes s->magic == SQ_SEM_MAGIC && s->count == 0 && timeout != SQ_NO_WAIT && !in_isr;
      ensures P07: \result == SQ_WAITING ==>
        sq_kernel.current->state == SQ_THREAD_PENDING &&
        sq_kernel.current->queue == &s->waiters;
      ensures P10: \result == SQ_WAITING ==>
        \forall integer j; 0 <= j < sq_kernel.thread_count &&
          sq_kernel.threads[j] != sq_kernel.current && sq_kernel.threads[j]->queue != \null ==>
          sq_kernel.threads[j]->ticket < sq_kernel.current->ticket;
      ensures \result != SQ_WAITING ==> \result == SQ_ERR_FULL || \result == SQ_ERR_STATE;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_sem_take_locked(sq_sem_t *s, sq_timeout_t timeout, bool in_isr)
{
    if (s->magic != SQ_SEM_MAGIC) {
        return SQ_ERR_DESTROYED;
    }
    if (s->count > 0u) {
        s->count--;
        return SQ_OK;
    }
    if (timeout == SQ_NO_WAIT) {
        return SQ_ERR_BUSY;
    }
    if (in_isr) {
        return SQ_ERR_IN_ISR;
    }
    return sq_sched_pend(&s->waiters, timeout);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_sem_ok(s) && sq_sem_nlw(s));
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures s != \null ==> sq_sem_ok(s) && sq_sem_nlw(s);
    ensures s == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_sem_take(sq_sem_t *s, sq_timeout_t timeout)
{
    if (s == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_unlock_result(key, sq_sem_take_locked(s, timeout, sq_port_in_isr()));
}

/* Wake every waiter with `result`; reset and destroy differ only in it. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_sem_ok(s));
    requires result == SQ_ERR_AGAIN || result == SQ_ERR_DESTROYED;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes s == \null;
      ensures \result == SQ_ERR_NULL;
    behavior destroyed:
      assumes s != \null && s->magic != SQ_SEM_MAGIC;
      ensures \result == SQ_ERR_DESTROYED;
    behavior flush:
      assumes s != \null && s->magic == SQ_SEM_MAGIC;
      ensures P08: \result == SQ_OK && s->count == 0 && !sq_has_waiter(&s->waiters);
      ensures result == SQ_ERR_DESTROYED ==> s->magic != SQ_SEM_MAGIC;
      ensures NLW01: sq_sem_ok(s) && sq_sem_nlw(s);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_sem_flush(sq_sem_t *s, sq_status_t result)
{
    if (s == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_DESTROYED;
    if (s->magic == SQ_SEM_MAGIC) {
        s->count = 0u;
        if (result == SQ_ERR_DESTROYED) {
            s->magic = 0u;
        }
        sq_queue_wake_all(&s->waiters, result);
        st = SQ_OK;
    }
    return sq_sched_reschedule_unlock(key, st);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_sem_ok(s));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures s != \null && \old(s->magic) == SQ_SEM_MAGIC ==>
      P08: \result == SQ_OK && s->count == 0 && !sq_has_waiter(&s->waiters);
*/
sq_status_t sq_sem_reset(sq_sem_t *s)
{
    return sq_sem_flush(s, SQ_ERR_AGAIN);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_sem_ok(s));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures s != \null && \old(s->magic) == SQ_SEM_MAGIC ==>
      \result == SQ_OK && s->magic != SQ_SEM_MAGIC && !sq_has_waiter(&s->waiters);
*/
sq_status_t sq_sem_destroy(sq_sem_t *s)
{
    return sq_sem_flush(s, SQ_ERR_DESTROYED);
}

/*@ requires s == \null || \valid_read(s);
    assigns \nothing;
    ensures s != \null ==> \result == s->count;
*/
uint32_t sq_sem_count(const sq_sem_t *s)
{
    return s == NULL ? 0u : s->count;
}
