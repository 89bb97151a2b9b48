/*
 * squall: threads (include/squall/thread.h).
 *
 * Each call is a check-then-act under the kernel lock: the *_locked
 * functions hold the decisions and state transitions (proven), the public
 * functions only lock, call them, reschedule and unlock.
 */
#include <squall/thread.h>
#include "port.h"
#include "sched.h"

/* Move `t` (known, not idle) to DEAD: off every queue and timeout, out of
 * the table (the last entry takes its place), joiners woken. */
static void sq_thread_end_locked(sq_thread_t *t, int32_t index)
{
    sq_timeout_disarm(&t->timeout);
    sq_queue_leave(t, SQ_THREAD_DEAD);
    sq_kernel.thread_count--;
    sq_kernel.threads[index] = sq_kernel.threads[sq_kernel.thread_count];
    sq_queue_wake_all(&t->joiners, SQ_OK);
}

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
    t->entry = entry;
    t->arg = arg;
    t->prio = (uint8_t)prio;
    t->options = (uint8_t)options;
    t->wait_result = (int32_t)SQ_OK;
    sq_port_thread_prepare(t);
    sq_kernel.threads[sq_kernel.thread_count] = t;
    sq_kernel.thread_count++;
    sq_queue_join(t, &sq_ready_queue, SQ_THREAD_READY);
    return SQ_OK;
}

sq_status_t sq_thread_start(sq_thread_t *t, void (*entry)(void *arg), void *arg,
                            uint32_t prio, uint32_t options)
{
    if (t == NULL || entry == NULL || t->stack == NULL) {
        return SQ_ERR_NULL;
    }
    if (prio > SQ_PRIO_LOWEST || (options & ~SQ_THREAD_COOPERATIVE) != 0u ||
        (uintptr_t)t->stack % SQ_STACK_ALIGN != 0u) {
        return SQ_ERR_INVALID;
    }
    if (t->stack_size < SQ_PORT_STACK_MIN) {
        return SQ_ERR_CAPACITY;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_thread_start_locked(t, entry, arg, prio, options);
    sq_sched_reschedule();
    sq_port_irq_unlock(key);
    return st;
}

void sq_thread_main(sq_thread_t *t)
{
    t->entry(t->arg);
    sq_thread_exit();
}

sq_thread_t *sq_thread_self(void)
{
    return sq_sched_current();
}

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

sq_status_t sq_thread_sleep(sq_timeout_t ticks)
{
    if (sq_port_in_isr()) {
        return SQ_ERR_IN_ISR;
    }
    if (ticks == SQ_NO_WAIT) {
        return SQ_OK;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_sched_pend(NULL, ticks);
    sq_port_irq_unlock(key);
    return st == SQ_WAITING ? sq_sched_wait_result() : st;
}

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
    /* A waiting thread's wait ends: it reports SQ_ERR_AGAIN once resumed. */
    if (t->state != SQ_THREAD_READY) {
        sq_timeout_disarm(&t->timeout);
        t->wait_result = (int32_t)SQ_ERR_AGAIN;
    }
    sq_queue_leave(t, SQ_THREAD_SUSPENDED);
    return SQ_OK;
}

sq_status_t sq_thread_suspend(sq_thread_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_thread_suspend_locked(t);
    sq_sched_reschedule();
    sq_port_irq_unlock(key);
    return st;
}

sq_status_t sq_thread_resume(sq_thread_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_STATE;
    if (sq_thread_index(t) > 0 && t->state == SQ_THREAD_SUSPENDED) {
        sq_queue_join(t, &sq_ready_queue, SQ_THREAD_READY);
        sq_sched_reschedule();
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

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

sq_status_t sq_thread_abort(sq_thread_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_thread_abort_locked(t);
    sq_sched_reschedule();
    /* Aborting the caller itself: the switch at this unlock never comes
     * back. */
    sq_port_irq_unlock(key);
    return st;
}

void sq_thread_exit(void)
{
    (void)sq_thread_abort(sq_sched_current());
    /* Not reached: the unlock in sq_thread_abort switched away for good. */
    for (;;) {
    }
}

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
    sq_port_irq_unlock(key);
    return st == SQ_WAITING ? sq_sched_wait_result() : st;
}

sq_status_t sq_thread_set_priority(sq_thread_t *t, uint32_t prio)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    if (prio > SQ_PRIO_LOWEST) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    int32_t index = sq_thread_index(t);
    sq_status_t st = index < 0 ? SQ_ERR_STATE : index == 0 ? SQ_ERR_INVALID : SQ_OK;
    if (st == SQ_OK) {
        /* Queue order is computed from the priority, so nothing moves. */
        t->prio = (uint8_t)prio;
        sq_sched_reschedule();
    }
    sq_port_irq_unlock(key);
    return st;
}

sq_thread_state_t sq_thread_state(const sq_thread_t *t)
{
    return t == NULL ? SQ_THREAD_NEW : (sq_thread_state_t)t->state;
}

uint32_t sq_thread_count(void)
{
    return sq_kernel.thread_count;
}

sq_status_t sq_thread_stack_used(const sq_thread_t *t, size_t *used)
{
    if (t == NULL || used == NULL || t->stack == NULL) {
        return SQ_ERR_NULL;
    }
    /* Stacks grow down: untouched paint sits at the low end. */
    const unsigned char *base = t->stack;
    size_t untouched = 0;
    while (untouched < t->stack_size && base[untouched] == SQ_PORT_STACK_FILL) {
        untouched++;
    }
    *used = t->stack_size - untouched;
    return SQ_OK;
}
