/*
 * squall: threads (include/squall/thread.h).
 *
 * Each call is a check-then-act under the kernel lock: the *_locked
 * functions hold the decisions and state transitions (proven), the public
 * functions only lock, call them, reschedule and unlock.
 */
#include <squall/thread.h>
#include "mem_domain_rules.h"
#include "port.h"
#include "sched.h"

/* Move `t` (known, not idle) to DEAD: off every queue and timeout, out of
 * the table (the last entry takes its place), joiners woken. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires 0 < index < sq_kernel.thread_count && sq_kernel.threads[index] == t;
    assigns sq_kernel.threads[0 .. SQ_CONFIG_MAX_THREADS - 1],
            sq_kernel.thread_count,
            SQ_WAKE_ALL_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures SC16: t->state == SQ_THREAD_DEAD && !sq_registered(t);
    ensures TH06: sq_kernel.thread_count == \old(sq_kernel.thread_count) - 1;
    ensures TO03: !sq_armed(&t->timeout);
*/
static void sq_thread_end_locked(sq_thread_t *t, int32_t index)
{
    /*@ assert apart: \forall integer j; 0 <= j < sq_kernel.thread_count && j != index ==>
          sq_distinct(t, sq_kernel.threads[j]); */
    sq_queue_wake_all(&t->joiners, SQ_OK);
    sq_timeout_disarm(&t->timeout);
    sq_queue_leave(t, SQ_THREAD_DEAD);
    /* TO03 written out: the provers carry it across the stores to the
     * thread table below in this form, not as sq_armed. */
    /*@ assert disarmed: \forall integer i; 0 <= i < sq_kernel.armed_count ==>
          sq_kernel.armed[i].node != &t->timeout; */
    sq_kernel.thread_count--;
    sq_kernel.threads[index] = sq_kernel.threads[sq_kernel.thread_count];
}

/* Fill in `t`, add it to the thread table and make it ready. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(t);
    requires sq_thread_apart(t) && &t->joiners != &sq_ready_queue;
    requires sq_prio_ok(prio) && t->stack_size >= SQ_PORT_STACK_MIN;
    requires !sq_registered(t) && t != sq_kernel.current;
    requires sq_kernel.thread_count < SQ_CONFIG_MAX_THREADS;
    assigns *t, sq_kernel.threads[sq_kernel.thread_count], sq_kernel.thread_count,
            sq_kernel.next_ticket;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_registered(t) && t->state == SQ_THREAD_READY;
    ensures t->stack == \old(t->stack) && t->stack_size == \old(t->stack_size);
    ensures TH05: sq_kernel.thread_count == \old(sq_kernel.thread_count) + 1;
    ensures TH01: t->prio == prio;
    ensures t->fault == SQ_FAULT_NONE && t->fault_addr == 0;
*/
static void sq_thread_register(sq_thread_t *t, void (*entry)(void *arg), void *arg,
                               uint32_t prio, uint32_t options)
{
    t->entry = entry;
    t->arg = arg;
    t->prio = (uint16_t)prio;
    t->options = (uint8_t)options;
    t->wait_result = (int32_t)SQ_OK;
    t->fault = (uint32_t)SQ_FAULT_NONE;
    t->fault_addr = 0u;
    t->queue = NULL;
    t->state = SQ_THREAD_NEW;
    sq_port_thread_prepare(t);
    sq_kernel.threads[sq_kernel.thread_count] = t;
    sq_kernel.thread_count++;
    sq_queue_join(t, &sq_ready_queue, SQ_THREAD_READY);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(t);
    requires sq_thread_apart(t) && &t->joiners != &sq_ready_queue;
    requires sq_prio_ok(prio) && t->stack_size >= SQ_PORT_STACK_MIN;
    requires sq_domains_ok && sq_domain_ref_ok(t->domain);
    assigns *t, sq_kernel.threads[sq_kernel.thread_count], sq_kernel.thread_count,
            sq_kernel.next_ticket;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures t->stack == \old(t->stack) && t->stack_size == \old(t->stack_size);
    behavior refused:
      assumes !sq_kernel.initialised || sq_registered(t) || t == sq_kernel.current;
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior full:
      assumes sq_kernel.initialised && !sq_registered(t) && t != sq_kernel.current;
      assumes sq_kernel.thread_count == SQ_CONFIG_MAX_THREADS;
      assigns \nothing;
      ensures \result == SQ_ERR_FULL;
    behavior conflict:
      assumes sq_kernel.initialised && !sq_registered(t) && t != sq_kernel.current;
      assumes sq_kernel.thread_count < SQ_CONFIG_MAX_THREADS && sq_stack_conflict(t);
      assigns \nothing;
      ensures MD07: \result == SQ_ERR_BUSY;
    behavior started:
      assumes sq_kernel.initialised && !sq_registered(t) && t != sq_kernel.current;
      assumes sq_kernel.thread_count < SQ_CONFIG_MAX_THREADS && !sq_stack_conflict(t);
      ensures \result == SQ_OK && sq_registered(t) && t->state == SQ_THREAD_READY;
      ensures TH05: sq_kernel.thread_count == \old(sq_kernel.thread_count) + 1;
      ensures TH01: t->prio == prio;
      ensures TH03: t->stack_size >= SQ_PORT_STACK_MIN > 0;
      ensures t->fault == SQ_FAULT_NONE && t->fault_addr == 0;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_thread_start_locked(sq_thread_t *t, void (*entry)(void *arg), void *arg,
                                          uint32_t prio, uint32_t options)
{
    /* A thread aborted from an interrupt is still current until the switch
     * away: its stack is in use, so it cannot start again yet. */
    if (!sq_kernel.initialised || sq_thread_index(t) >= 0 || t == sq_kernel.current) {
        return SQ_ERR_STATE;
    }
    if (sq_kernel.thread_count == SQ_CONFIG_MAX_THREADS) {
        return SQ_ERR_FULL;
    }
    /* MD07: no domain may grant one thread's stack to another. */
    if (sq_mem_domain_stack_conflict(t)) {
        return SQ_ERR_BUSY;
    }
    sq_thread_register(t, entry, arg, prio, options);
    return SQ_OK;
}

/* The stack pointer's store is not stated: WP's typed model does not follow
 * the void * to uint8_t * cast (test_kernel_stop runs threads on such stacks). */
/*@ requires sq_kernel_ok && \valid(t) && sq_thread_apart(t);
    assigns *t;
    ensures sq_kernel_ok;
    behavior known:
      assumes sq_registered(t) || t == sq_kernel.current;
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior init:
      assumes !sq_registered(t) && t != sq_kernel.current;
      ensures \result == SQ_OK && t->state == SQ_THREAD_NEW && t->queue == \null;
      ensures t->stack_size == stack_size;
      ensures t->domain == \null && t->fault == SQ_FAULT_NONE && t->entry == \null;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_thread_init_locked(sq_thread_t *t, void *stack, size_t stack_size)
{
    if (sq_thread_index(t) >= 0 || t == sq_kernel.current) {
        return SQ_ERR_STATE;
    }
    t->context[0] = 0u;
    t->context[1] = 0u;
    t->queue = NULL;
    t->ticket = 0u;
    t->wait_result = (int32_t)SQ_OK;
    t->wait_value = 0u;
    t->wait_options = 0u;
    t->prio = 0u;
    t->state = SQ_THREAD_NEW;
    t->options = 0u;
    t->stack = (uint8_t *)stack;
    t->stack_size = stack_size;
    t->entry = NULL;
    t->arg = NULL;
    t->domain = NULL;
    t->fault = (uint32_t)SQ_FAULT_NONE;
    t->fault_addr = 0u;
    return SQ_OK;
}

/*@ requires sq_kernel_ok;
    requires t == \null || (\valid(t) && sq_thread_apart(t));
    assigns *t;
    ensures sq_kernel_ok;
    ensures t == \null || stack == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK ==> t->state == SQ_THREAD_NEW && t->stack_size == stack_size;
*/
sq_status_t sq_thread_init(sq_thread_t *t, void *stack, size_t stack_size)
{
    if (t == NULL || stack == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_thread_init_locked(t, stack, stack_size);
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok && sq_domains_ok;
    requires t == \null || (\valid(t) && sq_thread_apart(t) && &t->joiners != &sq_ready_queue &&
                            sq_domain_ref_ok(t->domain));
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes t == \null || entry == \null || t->stack == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_prio:
      assumes t != \null && entry != \null && t->stack != \null && prio > SQ_PRIO_LOWEST;
      assigns \nothing;
      ensures TH02: \result == SQ_ERR_INVALID;
    behavior checked:
      assumes t != \null && entry != \null && t->stack != \null && prio <= SQ_PRIO_LOWEST;
      ensures TH03: \result == SQ_OK ==> t->stack_size >= SQ_PORT_STACK_MIN;
      ensures TH01: \result == SQ_OK ==> t->prio == prio;
      ensures \result == SQ_OK && (options & SQ_THREAD_USER) != 0 ==>
        sq_rule_fits(SQ_MEM_RULE_DEFAULT, (uintptr_t)t->stack, t->stack_size);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_thread_start(sq_thread_t *t, void (*entry)(void *arg), void *arg,
                            uint32_t prio, uint32_t options)
{
    if (t == NULL || entry == NULL || t->stack == NULL) {
        return SQ_ERR_NULL;
    }
    if (prio > SQ_PRIO_LOWEST || (options & ~(SQ_THREAD_COOPERATIVE | SQ_THREAD_USER)) != 0u ||
        (uintptr_t)t->stack % SQ_STACK_ALIGN != 0u) {
        return SQ_ERR_INVALID;
    }
    /* A user thread's stack is one MPU region of its own. */
    if ((options & SQ_THREAD_USER) != 0u &&
        !sq_mem_rule_fits((uint32_t)SQ_MEM_RULE_DEFAULT, (uintptr_t)t->stack, t->stack_size)) {
        return SQ_ERR_INVALID;
    }
    if (t->stack_size < SQ_PORT_STACK_MIN) {
        return SQ_ERR_CAPACITY;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_reschedule_unlock(key, sq_thread_start_locked(t, entry, arg, prio, options));
}

void sq_thread_main(sq_thread_t *t)
{
    t->entry(t->arg);
    sq_thread_exit();
}

/*@ assigns \nothing;
    ensures \result == sq_kernel.current;
*/
sq_thread_t *sq_thread_self(void)
{
    return sq_sched_current();
}

/*@ requires sq_kernel_ok && sq_registered(sq_kernel.current);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    assigns sq_kernel.current->queue, sq_kernel.current->ticket, sq_kernel.current->state,
            sq_kernel.next_ticket, sq_kernel.yielding;
    ensures sq_kernel_ok;
    ensures SC04: \forall integer i; 0 <= i < sq_kernel.thread_count &&
      sq_kernel.threads[i] != sq_kernel.current &&
      sq_kernel.threads[i]->state == SQ_THREAD_READY &&
      sq_kernel.threads[i]->prio == sq_kernel.current->prio ==>
      sq_before(sq_kernel.threads[i], sq_kernel.current);
*/
void sq_thread_yield(void)
{
    sq_irq_key_t key = sq_port_irq_lock();
    /* A fresh ticket puts the caller behind every ready thread of its
     * priority (SC04); idle is alone at its priority anyway. */
    sq_queue_join(sq_kernel.current, &sq_ready_queue, SQ_THREAD_READY);
    sq_kernel.yielding = true;
    if (sq_sched_next() != sq_kernel.current) {
        sq_port_switch_request();
    } else {
        sq_kernel.yielding = false;
    }
    sq_port_irq_unlock(key);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures ticks == SQ_NO_WAIT ==> \result == SQ_OK || \result == SQ_ERR_IN_ISR;
*/
sq_status_t sq_thread_sleep(sq_timeout_t ticks)
{
    if (sq_port_in_isr()) {
        return SQ_ERR_IN_ISR;
    }
    if (ticks == SQ_NO_WAIT) {
        return SQ_OK;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_unlock_result(key, sq_sched_pend(NULL, ticks));
}

/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(t);
    assigns t->queue, t->state, t->wait_result,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior unknown:
      assumes !sq_registered(t);
      assigns \nothing;
      ensures SC13: \result == SQ_ERR_STATE;
    behavior idle:
      assumes t == &sq_idle_thread;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior already:
      assumes sq_registered(t) && t != &sq_idle_thread && t->state == SQ_THREAD_SUSPENDED;
      assigns \nothing;
      ensures SC14: \result == SQ_OK;
    behavior suspend:
      assumes sq_registered(t) && t != &sq_idle_thread && t->state != SQ_THREAD_SUSPENDED;
      ensures \result == SQ_OK && t->state == SQ_THREAD_SUSPENDED && !sq_armed(&t->timeout);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_thread_suspend_locked(sq_thread_t *t)
{
    int32_t index = sq_thread_index(t);
    if (index < 0) {
        return SQ_ERR_STATE;
    }
    if (index == 0) {
        return SQ_ERR_INVALID;
    }
    if (t->state == SQ_THREAD_SUSPENDED) {
        return SQ_OK;
    }
    /*@ assert apart: \forall integer j; 0 <= j < sq_kernel.thread_count && j != index ==>
          sq_distinct(t, sq_kernel.threads[j]); */
    /* A waiting thread's wait ends: it reports SQ_ERR_AGAIN once resumed. */
    sq_timeout_disarm(&t->timeout);
    if (t->state != SQ_THREAD_READY) {
        t->wait_result = (int32_t)SQ_ERR_AGAIN;
    }
    sq_queue_leave(t, SQ_THREAD_SUSPENDED);
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires t == \null || \valid(t);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures t == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_thread_suspend(sq_thread_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_reschedule_unlock(key, sq_thread_suspend_locked(t));
}

/*@ requires sq_kernel_ok && \valid(t);
    assigns t->queue, t->ticket, t->state, sq_kernel.next_ticket;
    ensures sq_kernel_ok;
    behavior resume:
      assumes sq_registered(t) && t->state == SQ_THREAD_SUSPENDED;
      ensures SC15: \result == SQ_OK && t->state == SQ_THREAD_READY;
    behavior refused:
      assumes !(sq_registered(t) && t->state == SQ_THREAD_SUSPENDED);
      assigns \nothing;
      ensures SC15: \result == SQ_ERR_STATE;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_thread_resume_locked(sq_thread_t *t)
{
    /* Only a known thread can be suspended, and never the idle thread. */
    if (sq_thread_index(t) < 0 || t->state != SQ_THREAD_SUSPENDED) {
        return SQ_ERR_STATE;
    }
    sq_queue_join(t, &sq_ready_queue, SQ_THREAD_READY);
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires t == \null || \valid(t);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures t == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_thread_resume(sq_thread_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_reschedule_unlock(key, sq_thread_resume_locked(t));
}

/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(t);
    assigns sq_kernel.threads[0 .. SQ_CONFIG_MAX_THREADS - 1],
            sq_kernel.thread_count,
            SQ_WAKE_ALL_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior unknown:
      assumes !sq_registered(t);
      assigns \nothing;
      ensures SC13: \result == SQ_ERR_STATE;
    behavior idle:
      assumes t == &sq_idle_thread;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior abort:
      assumes sq_registered(t) && t != &sq_idle_thread;
      ensures SC16: \result == SQ_OK && t->state == SQ_THREAD_DEAD && !sq_registered(t);
      ensures TH06: sq_kernel.thread_count == \old(sq_kernel.thread_count) - 1;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_thread_abort_locked(sq_thread_t *t)
{
    int32_t index = sq_thread_index(t);
    if (index < 0) {
        return SQ_ERR_STATE;
    }
    if (index == 0) {
        return SQ_ERR_INVALID;
    }
    sq_thread_end_locked(t, index);
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires t == \null || \valid(t);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures t == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_thread_abort(sq_thread_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    /* Aborting the caller itself: the switch at this unlock never comes
     * back. */
    return sq_sched_reschedule_unlock(key, sq_thread_abort_locked(t));
}

/* The port's fault handler runs on behalf of the current thread. SQ_OK: the
 * user thread is ended; SQ_ERR_STATE: a privileged fault, left to the port. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    assigns sq_kernel.current->fault, sq_kernel.current->fault_addr,
            sq_kernel.threads[0 .. SQ_CONFIG_MAX_THREADS - 1],
            sq_kernel.thread_count,
            SQ_WAKE_ALL_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior user:
      assumes (sq_kernel.current->options & SQ_THREAD_USER) != 0;
      ensures \result == SQ_OK;
      ensures \old(sq_kernel.current)->fault == cause;
      ensures \old(sq_kernel.current)->fault_addr == (cause == SQ_FAULT_DATA ? addr : 0);
      ensures SC16: \old(sq_kernel.current) != &sq_idle_thread ==>
        \old(sq_kernel.current)->state == SQ_THREAD_DEAD &&
        !sq_registered(\old(sq_kernel.current));
    behavior privileged:
      assumes (sq_kernel.current->options & SQ_THREAD_USER) == 0;
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_thread_fault_locked(sq_fault_t cause, uintptr_t addr)
{
    sq_thread_t *t = sq_kernel.current;
    /* A fault in privileged code is a kernel bug: the port stops. */
    if ((t->options & SQ_THREAD_USER) == 0u) {
        return SQ_ERR_STATE;
    }
    t->fault = (uint32_t)cause;
    t->fault_addr = cause == SQ_FAULT_DATA ? addr : 0u;
    /* Ended as sq_thread_abort ends it from an interrupt: it stays current
     * until the switch the caller requests. */
    (void)sq_thread_abort_locked(t);
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    ensures sq_kernel_ok && sq_timeouts_ok;
*/
bool sq_kernel_user_fault(sq_fault_t cause, uintptr_t addr)
{
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_reschedule_unlock(key, sq_thread_fault_locked(cause, addr)) == SQ_OK;
}

/*@ requires t == \null || \valid_read(t);
    requires cause == \null || \valid(cause);
    requires addr == \null || \valid(addr);
    requires cause == \null || addr == \null || \separated(cause, addr);
    assigns *cause, *addr;
    behavior null_arg:
      assumes t == \null || cause == \null || addr == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior none:
      assumes t != \null && cause != \null && addr != \null && t->fault == SQ_FAULT_NONE;
      assigns \nothing;
      ensures \result == SQ_ERR_NOT_FOUND;
    behavior faulted:
      assumes t != \null && cause != \null && addr != \null && t->fault != SQ_FAULT_NONE;
      ensures \result == SQ_OK && *cause == \old(t->fault) && *addr == \old(t->fault_addr);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_thread_fault(const sq_thread_t *t, sq_fault_t *cause, uintptr_t *addr)
{
    if (t == NULL || cause == NULL || addr == NULL) {
        return SQ_ERR_NULL;
    }
    /* Both words from the same fault: a start clears them under the lock. */
    sq_irq_key_t key = sq_port_irq_lock();
    uint32_t fault = t->fault;
    uintptr_t fault_addr = t->fault_addr;
    sq_port_irq_unlock(key);
    if (fault == (uint32_t)SQ_FAULT_NONE) {
        return SQ_ERR_NOT_FOUND;
    }
    *cause = (sq_fault_t)fault;
    *addr = fault_addr;
    return SQ_OK;
}

/* End every thread but the idle one where it is (off its queue, its
 * timeout disarmed, DEAD), then forget them all at once: the table is
 * not rearranged, and no joiner needs waking, since every joiner ends
 * too. Called by a thread, the invariant's "the current thread is known"
 * is false until the switch away, as after an abort of the caller. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    assigns sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->queue,
            sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->state,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count,
            sq_kernel.thread_count;
    ensures sq_timeouts_ok;
    ensures SC17: sq_kernel.thread_count == 1 &&
      \forall integer j; 0 < j < \old(sq_kernel.thread_count) ==>
        sq_kernel.threads[j]->state == SQ_THREAD_DEAD && sq_kernel.threads[j]->queue == \null &&
        !sq_armed(&sq_kernel.threads[j]->timeout);
    ensures stopped_kernel_ok: sq_kernel_ok;
*/
static void sq_kernel_stop_locked(void)
{
    /*@ loop invariant 1 <= i <= sq_kernel.thread_count;
        loop invariant sq_kernel_ok && sq_timeouts_ok;
        loop invariant \forall integer j; 0 < j < i ==>
          sq_kernel.threads[j]->state == SQ_THREAD_DEAD && sq_kernel.threads[j]->queue == \null &&
          !sq_armed(&sq_kernel.threads[j]->timeout);
        loop assigns i, sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->queue,
                     sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->state,
                     sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count;
        loop variant sq_kernel.thread_count - i;
    */
    for (uint32_t i = 1u; i < sq_kernel.thread_count; i++) {
        sq_thread_t *t = sq_kernel.threads[i];
        /*@ assert apart: \forall integer j; 0 <= j < sq_kernel.thread_count && j != i ==>
              sq_distinct(t, sq_kernel.threads[j]); */
        sq_timeout_disarm(&t->timeout);
        sq_queue_leave(t, SQ_THREAD_DEAD);
    }
    sq_kernel.thread_count = 1u;
}

/* In thread.c, not sched.c: it ends threads as sq_thread_abort does. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures !\old(sq_kernel.running) ==> \result == SQ_ERR_STATE;
    ensures \old(sq_kernel.running) ==> \result == SQ_OK;
*/
sq_status_t sq_kernel_stop(void)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_STATE;
    if (sq_kernel.running) {
        sq_kernel_stop_locked();
        st = SQ_OK;
    }
    /* Called by a thread: it has ended, and the switch at this unlock
     * never comes back. */
    return sq_sched_reschedule_unlock(key, st);
}

void sq_thread_exit(void)
{
    (void)sq_thread_abort(sq_sched_current());
    /* Not reached: the unlock in sq_thread_abort switched away for good. */
    for (;;) {
    }
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    requires t == \null || \valid(t);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures t == \null ==> \result == SQ_ERR_NULL;
    ensures t != \null && t == \old(sq_kernel.current) && !(timeout != SQ_NO_WAIT && \result == SQ_ERR_IN_ISR) ==>
      \result == SQ_ERR_DEADLOCK;
*/
sq_status_t sq_thread_join(sq_thread_t *t, sq_timeout_t timeout)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    if (sq_port_in_isr() && timeout != SQ_NO_WAIT) {
        return SQ_ERR_IN_ISR;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st;
    if (t == sq_kernel.current) {
        st = SQ_ERR_DEADLOCK;
    } else if (sq_thread_index(t) < 0) {
        st = t->state == SQ_THREAD_DEAD ? SQ_OK : SQ_ERR_STATE;
    } else if (timeout == SQ_NO_WAIT) {
        st = SQ_ERR_BUSY;
    } else {
        st = sq_sched_pend(&t->joiners, timeout);
    }
    return sq_sched_unlock_result(key, st);
}

/*@ requires sq_kernel_ok && \valid(t) && sq_prio_ok(prio);
    assigns t->prio;
    ensures sq_kernel_ok;
    behavior unknown:
      assumes !sq_registered(t);
      assigns \nothing;
      ensures SC13: \result == SQ_ERR_STATE;
    behavior idle:
      assumes t == &sq_idle_thread;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior set:
      assumes sq_registered(t) && t != &sq_idle_thread;
      ensures TH01: \result == SQ_OK && t->prio == prio && sq_prio_ok(t->prio);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_thread_set_priority_locked(sq_thread_t *t, uint32_t prio)
{
    int32_t index = sq_thread_index(t);
    if (index < 0) {
        return SQ_ERR_STATE;
    }
    if (index == 0) {
        return SQ_ERR_INVALID;
    }
    /* Queue order is computed from the priority, so nothing moves. */
    t->prio = (uint16_t)prio;
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires t == \null || \valid(t);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures t == \null ==> \result == SQ_ERR_NULL;
    ensures TH02: t != \null && prio > SQ_PRIO_LOWEST ==> \result == SQ_ERR_INVALID &&
      t->prio == \old(t->prio);
*/
sq_status_t sq_thread_set_priority(sq_thread_t *t, uint32_t prio)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    if (prio > SQ_PRIO_LOWEST) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    return sq_sched_reschedule_unlock(key, sq_thread_set_priority_locked(t, prio));
}

/*@ requires sq_kernel_ok;
    requires t == \null || \valid_read(t);
    requires prio == \null || \valid(prio);
    assigns *prio;
    behavior null_arg:
      assumes t == \null || prio == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior unknown:
      assumes t != \null && prio != \null && !sq_registered(t);
      assigns \nothing;
      ensures TH07: \result == SQ_ERR_STATE;
    behavior known:
      assumes t != \null && prio != \null && sq_registered(t);
      ensures TH07: \result == SQ_OK && *prio == t->prio && *prio <= SQ_PRIO_IDLE;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_thread_priority_get(const sq_thread_t *t, uint32_t *prio)
{
    if (t == NULL || prio == NULL) {
        return SQ_ERR_NULL;
    }
    /* Under the lock: a known thread's priority, not one it had before a
     * change or an end running in an interrupt. The table is only
     * searched, never written through t. */
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_STATE;
    if (sq_thread_index((sq_thread_t *)t) >= 0) {
        *prio = t->prio;
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires t == \null || \valid_read(t);
    assigns \nothing;
    ensures t != \null ==> \result == t->state;
*/
sq_thread_state_t sq_thread_state(const sq_thread_t *t)
{
    return t == NULL ? SQ_THREAD_NEW : (sq_thread_state_t)t->state;
}

/*@ assigns \nothing;
    ensures TH05: \result == sq_kernel.thread_count;
*/
uint32_t sq_thread_count(void)
{
    return sq_kernel.thread_count;
}

/*@ requires t == \null || \valid_read(t);
    requires t != \null && t->stack != \null ==>
      \valid_read(t->stack + (0 .. t->stack_size - 1));
    requires used == \null || (\valid(used) && \separated(used, t));
    assigns *used;
    behavior null_arg:
      assumes t == \null || used == \null || t->stack == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior measured:
      assumes t != \null && used != \null && t->stack != \null;
      ensures TH04: \result == SQ_OK && *used <= t->stack_size;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_thread_stack_used(const sq_thread_t *t, size_t *used)
{
    if (t == NULL || used == NULL || t->stack == NULL) {
        return SQ_ERR_NULL;
    }
    /* Stacks grow down: untouched paint sits at the low end. */
    size_t untouched = 0;
    /*@ loop invariant 0 <= untouched <= t->stack_size;
        loop assigns untouched;
        loop variant t->stack_size - untouched;
    */
    while (untouched < t->stack_size && t->stack[untouched] == SQ_PORT_STACK_FILL) {
        untouched++;
    }
    *used = t->stack_size - untouched;
    return SQ_OK;
}
