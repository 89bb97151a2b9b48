/*
 * squall: timers (include/squall/timer.h).
 */
#include <squall/timer.h>
#include "port.h"
#include "sched.h"

static void sq_timer_expired(sq_timeout_node_t *node)
{
    sq_timer_t *t = (sq_timer_t *)node;   /* node is the first member */
    if (t->status < UINT32_MAX) {
        t->status++;
    }
    if (t->period != 0u) {
        /* From the previous deadline, so a late tick does not drift the
         * period. The slot the expiry just freed makes room. */
        (void)sq_timeout_arm(&t->node, sq_tick_deadline(t->node.deadline, t->period),
                             sq_timer_expired);
    }
    if (t->expiry != NULL) {
        t->expiry(t);
    }
}

sq_status_t sq_timer_init(sq_timer_t *t, void (*expiry)(sq_timer_t *timer), void *user_data)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    if (!sq_timeout_armed(&t->node)) {
        t->expiry = expiry;
        t->user_data = user_data;
        t->period = 0u;
        t->status = 0u;
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

sq_status_t sq_timer_start(sq_timer_t *t, sq_timeout_t duration, uint32_t period)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    if (duration == SQ_FOREVER || period == SQ_FOREVER) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_timeout_disarm(&t->node);
    t->period = period;
    t->status = 0u;
    /* SQ_NO_WAIT means the next tick: a deadline of now has passed already. */
    sq_tick_t deadline = sq_tick_deadline(sq_kernel.now, duration == SQ_NO_WAIT ? 1u : duration);
    sq_status_t st = sq_timeout_arm(&t->node, deadline, sq_timer_expired);
    sq_port_irq_unlock(key);
    return st;
}

sq_status_t sq_timer_stop(sq_timer_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_timeout_disarm(&t->node);
    t->status = 0u;
    sq_port_irq_unlock(key);
    return SQ_OK;
}

uint32_t sq_timer_status_take(sq_timer_t *t)
{
    if (t == NULL) {
        return 0u;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    uint32_t status = t->status;
    t->status = 0u;
    sq_port_irq_unlock(key);
    return status;
}

bool sq_timer_running(const sq_timer_t *t)
{
    if (t == NULL) {
        return false;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    bool running = sq_timeout_armed(&t->node);
    sq_port_irq_unlock(key);
    return running;
}
