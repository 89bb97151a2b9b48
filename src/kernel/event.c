/*
 * squall: event words (include/squall/event.h).
 *
 * A waiting thread keeps its desired mask in wait_value and its options in
 * wait_options; the wake hands it the matched bits in wait_value.
 */
#include <squall/event.h>
#include "port.h"
#include "sched.h"

/* The desired bits that are set, if they satisfy the wait; else 0. */
static uint32_t sq_event_match(uint32_t word, uint32_t desired, uint32_t options)
{
    uint32_t hit = word & desired;
    if ((options & SQ_EVENT_ALL) != 0u) {
        return hit == desired ? hit : 0u;
    }
    return hit;
}

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

/* Wake every waiter satisfied by the word, then clear what the clearing
 * waiters consumed. Waiters are judged one by one on the same word. */
static void sq_event_wake_satisfied(sq_event_t *e)
{
    uint32_t consumed = 0u;
    for (uint32_t i = 0; i < sq_kernel.thread_count; i++) {
        sq_thread_t *t = sq_kernel.threads[i];
        if (t->queue != &e->waiters) {
            continue;
        }
        uint32_t hit = sq_event_match(e->word, t->wait_value, t->wait_options);
        if (hit != 0u) {
            t->wait_value = hit;
            if ((t->wait_options & SQ_EVENT_CLEAR) != 0u) {
                consumed |= hit;
            }
            sq_sched_wake(i, SQ_OK);
        }
    }
    e->word &= ~consumed;
}

/* Set the word to (word & ~keep_out) | in under the lock, then wake. */
static sq_status_t sq_event_update(sq_event_t *e, uint32_t clear_mask, uint32_t set_bits)
{
    if (e == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_DESTROYED;
    if (e->magic == SQ_EVENT_MAGIC) {
        e->word = (e->word & ~clear_mask) | set_bits;
        sq_event_wake_satisfied(e);
        sq_sched_reschedule();
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

sq_status_t sq_event_post(sq_event_t *e, uint32_t bits)
{
    return sq_event_update(e, 0u, bits);
}

sq_status_t sq_event_set(sq_event_t *e, uint32_t word)
{
    return sq_event_update(e, UINT32_MAX, word);
}

sq_status_t sq_event_set_masked(sq_event_t *e, uint32_t value, uint32_t mask)
{
    return sq_event_update(e, mask, value & mask);
}

sq_status_t sq_event_clear(sq_event_t *e, uint32_t bits)
{
    return sq_event_update(e, bits, 0u);
}

uint32_t sq_event_get(const sq_event_t *e)
{
    return e == NULL ? 0u : e->word;
}

static sq_status_t sq_event_wait_locked(sq_event_t *e, uint32_t desired, uint32_t options,
                                        sq_timeout_t timeout, uint32_t *matched)
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
    if (sq_port_in_isr()) {
        return SQ_ERR_IN_ISR;
    }
    sq_kernel.current->wait_value = desired;
    sq_kernel.current->wait_options = options;
    return sq_sched_pend(&e->waiters, timeout);
}

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
    sq_status_t st = sq_event_wait_locked(e, desired, options, timeout, &hit);
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
        sq_sched_reschedule();
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}
