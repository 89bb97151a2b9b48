/*
 * squall: backpressure gate (include/squall/gate.h).
 *
 * No lost admission: wait_until_ready tests the gate and joins the wait
 * queue in one critical section, and every change that opens the gate
 * wakes all waiters in that same critical section, so "a thread waits on
 * g" implies "g is closed" whenever the lock is free (sq_gate_nlw). Every
 * function here keeps that predicate.
 *
 * Contracts: the kernel invariants (sq_kernel_ok, sq_timeouts_ok, see
 * sched.h) are required and ensured by every call. WP proves the critical
 * sections; the interleavings around them are proofs/spin/gate.pml (BP04).
 */
#include <squall/gate.h>
#include "kernel/port.h"
#include "kernel/sched.h"

/*@ predicate sq_gate_closed(sq_gate_t *g) = g->flag != 0 || g->counter != 0;

    // The wait queue is not the ready queue, and the gate overlaps no
    // thread control block (a wake writes none of the gate's words).
    predicate sq_gate_ok(sq_gate_t *g) =
      &g->waiters != &sq_ready_queue &&
      (\forall integer j; 0 <= j < sq_kernel.thread_count ==>
         \separated(g, sq_kernel.threads[j])) &&
      (g->magic == SQ_GATE_MAGIC ==> g->counter <= SQ_GATE_COUNTER_MAX);

    predicate sq_gate_nlw(sq_gate_t *g) =
      sq_has_waiter(&g->waiters) ==> sq_gate_closed(g);
*/

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires g == \null || (\valid(g) && sq_gate_ok(g));
    assigns *g;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes g == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior has_waiters:
      assumes g != \null && sq_has_waiter(&g->waiters);
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior ok:
      assumes g != \null && !sq_has_waiter(&g->waiters);
      ensures \result == SQ_OK && g->magic == SQ_GATE_MAGIC && !sq_gate_closed(g);
      ensures sq_gate_ok(g) && sq_gate_nlw(g);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_gate_init(sq_gate_t *g)
{
    if (g == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    if (!sq_queue_has_waiters(&g->waiters)) {
        g->counter = 0u;
        g->flag = 0u;
        g->magic = SQ_GATE_MAGIC;
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/* How a change moves the gate. */
enum sq_gate_op { SQ_GATE_OP_ENABLE, SQ_GATE_OP_DISABLE, SQ_GATE_OP_INC, SQ_GATE_OP_DEC };

/* Apply `op`; if the gate is open afterwards, admit every waiter. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(g);
    requires sq_gate_ok(g) && sq_gate_nlw(g);
    requires op == SQ_GATE_OP_ENABLE || op == SQ_GATE_OP_DISABLE ||
             op == SQ_GATE_OP_INC || op == SQ_GATE_OP_DEC;
    assigns g->flag, g->counter,
            SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_gate_ok(g) && sq_gate_nlw(g);
    ensures BP02: !sq_gate_closed(g) ==> !sq_has_waiter(&g->waiters) &&
      \forall integer j; 0 <= j < sq_kernel.thread_count &&
        \old(sq_kernel.threads[j]->queue) == &g->waiters ==>
        sq_kernel.threads[j]->state == SQ_THREAD_READY &&
        sq_kernel.threads[j]->wait_result == SQ_OK;
    ensures BP02: !sq_gate_closed(g) ==> \forall integer j, k; 0 <= j < sq_kernel.thread_count &&
      0 <= k < sq_kernel.thread_count &&
      \old(sq_kernel.threads[j]->queue) == &g->waiters &&
      \old(sq_kernel.threads[k]->queue) == &g->waiters &&
      \old(sq_before(sq_kernel.threads[j], sq_kernel.threads[k])) ==>
      sq_kernel.threads[j]->ticket < sq_kernel.threads[k]->ticket;
    ensures BP02: sq_gate_closed(g) ==> \forall integer j; 0 <= j < sq_kernel.thread_count ==>
      sq_kernel.threads[j]->queue == \old(sq_kernel.threads[j]->queue) &&
      sq_kernel.threads[j]->state == \old(sq_kernel.threads[j]->state);
    behavior invalid:
      assumes g->magic != SQ_GATE_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior enable:
      assumes g->magic == SQ_GATE_MAGIC && op == SQ_GATE_OP_ENABLE;
      ensures \result == SQ_OK && g->flag == 1 && g->counter == \old(g->counter);
    behavior disable:
      assumes g->magic == SQ_GATE_MAGIC && op == SQ_GATE_OP_DISABLE;
      ensures \result == SQ_OK && g->flag == 0 && g->counter == \old(g->counter);
    behavior inc:
      assumes g->magic == SQ_GATE_MAGIC && op == SQ_GATE_OP_INC;
      assumes g->counter < SQ_GATE_COUNTER_MAX;
      ensures \result == SQ_OK && g->counter == \old(g->counter) + 1 && g->flag == \old(g->flag);
    behavior overflow:
      assumes g->magic == SQ_GATE_MAGIC && op == SQ_GATE_OP_INC;
      assumes g->counter == SQ_GATE_COUNTER_MAX;
      assigns \nothing;
      ensures \result == SQ_ERR_OVERFLOW;
    behavior dec:
      assumes g->magic == SQ_GATE_MAGIC && op == SQ_GATE_OP_DEC && g->counter > 0;
      ensures \result == SQ_OK && g->counter == \old(g->counter) - 1 && g->flag == \old(g->flag);
    behavior underflow:
      assumes g->magic == SQ_GATE_MAGIC && op == SQ_GATE_OP_DEC && g->counter == 0;
      assigns \nothing;
      ensures \result == SQ_ERR_UNDERFLOW;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_gate_change_locked(sq_gate_t *g, enum sq_gate_op op)
{
    if (g->magic != SQ_GATE_MAGIC) {
        return SQ_ERR_INVALID;
    }
    switch (op) {
    case SQ_GATE_OP_ENABLE:
        g->flag = 1u;
        break;
    case SQ_GATE_OP_DISABLE:
        g->flag = 0u;
        break;
    case SQ_GATE_OP_INC:
        if (g->counter == SQ_GATE_COUNTER_MAX) {
            return SQ_ERR_OVERFLOW;
        }
        g->counter++;
        break;
    default:
        /* An error, not a wrap: a wrap would close the gate for good. */
        if (g->counter == 0u) {
            return SQ_ERR_UNDERFLOW;
        }
        g->counter--;
        break;
    }
    /* Admit every waiter, first waiter first (BP02): they reach the ready
     * queue in their order here, so equal-priority callers run in their
     * arrival order. Only a disable or a dec can open the gate; an already
     * open one has no waiters (sq_gate_nlw), so this then wakes nobody. */
    if (g->flag == 0u && g->counter == 0u) {
        sq_queue_wake_all(&g->waiters, SQ_OK);
    }
    return SQ_OK;
}

/* Lock, change, reschedule (an admitted waiter may now run), unlock. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires g == \null || (\valid(g) && sq_gate_ok(g) && sq_gate_nlw(g));
    requires op == SQ_GATE_OP_ENABLE || op == SQ_GATE_OP_DISABLE ||
             op == SQ_GATE_OP_INC || op == SQ_GATE_OP_DEC;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures g != \null ==> sq_gate_ok(g) && sq_gate_nlw(g);
    ensures g == \null ==> \result == SQ_ERR_NULL;
*/
static sq_status_t sq_gate_change(sq_gate_t *g, enum sq_gate_op op)
{
    if (g == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_reschedule_unlock(key, sq_gate_change_locked(g, op));
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires g == \null || (\valid(g) && sq_gate_ok(g) && sq_gate_nlw(g));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures g != \null ==> sq_gate_ok(g) && sq_gate_nlw(g);
    ensures g == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_gate_enable(sq_gate_t *g)
{
    return sq_gate_change(g, SQ_GATE_OP_ENABLE);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires g == \null || (\valid(g) && sq_gate_ok(g) && sq_gate_nlw(g));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures g != \null ==> sq_gate_ok(g) && sq_gate_nlw(g);
    ensures g == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_gate_disable(sq_gate_t *g)
{
    return sq_gate_change(g, SQ_GATE_OP_DISABLE);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires g == \null || (\valid(g) && sq_gate_ok(g) && sq_gate_nlw(g));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures g != \null ==> sq_gate_ok(g) && sq_gate_nlw(g);
    ensures g == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_gate_inc(sq_gate_t *g)
{
    return sq_gate_change(g, SQ_GATE_OP_INC);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires g == \null || (\valid(g) && sq_gate_ok(g) && sq_gate_nlw(g));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures g != \null ==> sq_gate_ok(g) && sq_gate_nlw(g);
    ensures g == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_gate_dec(sq_gate_t *g)
{
    return sq_gate_change(g, SQ_GATE_OP_DEC);
}

/*@ requires g == \null || \valid_read(g);
    assigns \nothing;
    ensures g == \null ==> \result == \false;
    ensures g != \null ==> (\result == \true <==> sq_gate_closed(g));
*/
bool sq_gate_is_enabled(const sq_gate_t *g)
{
    if (g == NULL) {
        return false;
    }
    /* Both words in one critical section: an interrupt between the two
     * reads could make a gate that never opened look open. */
    sq_irq_key_t key = sq_port_irq_lock();
    bool closed = g->flag != 0u || g->counter != 0u;
    sq_port_irq_unlock(key);
    return closed;
}

/* SQ_OK: admitted; SQ_WAITING: now on the wait queue; else failed. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(g);
    requires sq_gate_ok(g) && sq_gate_nlw(g);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    assigns sq_kernel.current->queue, sq_kernel.current->ticket,
            sq_kernel.current->state, sq_kernel.current->wait_result,
            sq_kernel.next_ticket,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count,
            sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_gate_ok(g) && sq_gate_nlw(g);
    ensures g->flag == \old(g->flag) && g->counter == \old(g->counter);
    ensures BP01: \result == SQ_OK ==> !sq_gate_closed(g);
    ensures BP01: sq_gate_closed(g) && g->magic == SQ_GATE_MAGIC ==>
      \result == SQ_ERR_BUSY || \result == SQ_ERR_IN_ISR || \result == SQ_WAITING ||
      \result == SQ_ERR_FULL || \result == SQ_ERR_STATE;
    ensures BP01: \result == SQ_WAITING ==>
      sq_kernel.current->state == SQ_THREAD_PENDING &&
      sq_kernel.current->queue == &g->waiters;
    behavior invalid:
      assumes g->magic != SQ_GATE_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior open:
      assumes g->magic == SQ_GATE_MAGIC && !sq_gate_closed(g);
      assigns \nothing;
      ensures BP03: \result == SQ_OK;
    behavior busy:
      assumes g->magic == SQ_GATE_MAGIC && sq_gate_closed(g) && timeout == SQ_NO_WAIT;
      assigns \nothing;
      ensures BP03: \result == SQ_ERR_BUSY;
    behavior isr:
      assumes g->magic == SQ_GATE_MAGIC && sq_gate_closed(g) && timeout != SQ_NO_WAIT && in_isr;
      assigns \nothing;
      ensures BP03: \result == SQ_ERR_IN_ISR;
    behavior wait:
      assumes g->magic == SQ_GATE_MAGIC && sq_gate_closed(g) && timeout != SQ_NO_WAIT && !in_isr;
      ensures BP03: \result == SQ_WAITING || \result == SQ_ERR_FULL || \result == SQ_ERR_STATE;
      ensures BP03: sq_kernel.current != &sq_idle_thread &&
        (timeout == SQ_FOREVER || \old(sq_kernel.armed_count) < SQ_CONFIG_MAX_TIMEOUTS) ==>
        \result == SQ_WAITING;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_gate_wait_locked(sq_gate_t *g, sq_timeout_t timeout, bool in_isr)
{
    if (g->magic != SQ_GATE_MAGIC) {
        return SQ_ERR_INVALID;
    }
    if (g->flag == 0u && g->counter == 0u) {
        return SQ_OK;
    }
    if (timeout == SQ_NO_WAIT) {
        return SQ_ERR_BUSY;
    }
    if (in_isr) {
        return SQ_ERR_IN_ISR;
    }
    return sq_sched_pend(&g->waiters, timeout);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires g == \null || (\valid(g) && sq_gate_ok(g) && sq_gate_nlw(g));
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures g != \null ==> sq_gate_ok(g) && sq_gate_nlw(g);
    ensures g == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_gate_wait_until_ready(sq_gate_t *g, sq_timeout_t timeout)
{
    if (g == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_unlock_result(key, sq_gate_wait_locked(g, timeout, sq_port_in_isr()));
}
