/*
 * squall: timers (include/squall/timer.h).
 */
#include <squall/timer.h>
#include "port.h"
#include "sched.h"

static sq_expire_fn sq_timer_expired;

/* One expiry of `t`, whose deadline `deadline` was just reached and whose
 * timeout the tick has disarmed: count it, and re-arm a periodic timer
 * from that deadline, so a late tick does not drift the period. */
/*@ requires sq_timeouts_ok && \valid(t) && !sq_armed(&t->node);
    requires sq_kernel.armed_count < SQ_CONFIG_MAX_TIMEOUTS;
    requires deadline <= SQ_TICK_MAX && t->period != SQ_FOREVER;
    assigns t->status, sq_kernel.armed[sq_kernel.armed_count], sq_kernel.armed_count,
            sq_kernel.next_deadline;
    ensures sq_timeouts_ok;
    ensures TM05: \old(t->status) < 0xffffffff ==> t->status == \old(t->status) + 1;
    ensures TM08: \old(t->status) == 0xffffffff ==> t->status == 0xffffffff;
    ensures TM06: t->period == 0 ==> !sq_armed(&t->node);
    ensures TM07: t->period != 0 ==> sq_armed(&t->node) &&
      sq_kernel.armed[sq_kernel.armed_count - 1].deadline == deadline + t->period;
*/
static void sq_timer_count_expiry(sq_timer_t *t, sq_tick_t deadline)
{
    if (t->status < UINT32_MAX) {
        t->status++;
    }
    if (t->period != 0u) {
        sq_timeout_arm(&t->node, sq_tick_deadline(deadline, t->period), sq_timer_expired);
    }
}

/* The tick's expiry function for timers (under the kernel lock). */
static void sq_timer_expired(sq_timeout_node_t *node, sq_tick_t deadline)
{
    sq_timer_t *t = (sq_timer_t *)node;   /* node is the first member */
    sq_timer_count_expiry(t, deadline);
    if (t->expiry != NULL) {
        t->expiry(t);
    }
}

/*@ requires sq_timeouts_ok;
    requires t == \null || \valid(t);
    assigns t->expiry, t->user_data, t->period, t->status;
    ensures sq_timeouts_ok;
    behavior null_arg:
      assumes t == \null;
      ensures \result == SQ_ERR_NULL;
    behavior running:
      assumes t != \null && sq_armed(&t->node);
      ensures \result == SQ_ERR_BUSY;
    behavior ok:
      assumes t != \null && !sq_armed(&t->node);
      ensures \result == SQ_OK && t->status == 0 && t->period == 0;
    complete behaviors;
    disjoint behaviors;
*/
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

/*@ requires sq_timeouts_ok && sq_kernel.now <= SQ_TICK_MAX;
    requires t == \null || \valid(t);
    assigns t->period, t->status, sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1],
            sq_kernel.armed_count, sq_kernel.next_deadline;
    ensures sq_timeouts_ok;
    behavior null_arg:
      assumes t == \null;
      ensures \result == SQ_ERR_NULL;
    behavior bad:
      assumes t != \null && (duration == SQ_FOREVER || period == SQ_FOREVER);
      ensures \result == SQ_ERR_INVALID;
    behavior start:
      assumes t != \null && duration != SQ_FOREVER && period != SQ_FOREVER;
      ensures TM03: t->status == 0;
      ensures \result == SQ_OK ==> sq_armed(&t->node) && t->period == period;
      ensures \result != SQ_OK ==> \result == SQ_ERR_FULL && !sq_armed(&t->node);
    complete behaviors;
    disjoint behaviors;
*/
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
    sq_status_t st = SQ_ERR_FULL;
    if (sq_kernel.armed_count < SQ_CONFIG_MAX_TIMEOUTS) {
        /* SQ_NO_WAIT means the next tick: a deadline of now has passed. */
        sq_tick_t deadline = sq_tick_deadline(sq_kernel.now, duration == SQ_NO_WAIT ? 1u : duration);
        sq_timeout_arm(&t->node, deadline, sq_timer_expired);
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires sq_timeouts_ok;
    requires t == \null || \valid(t);
    assigns t->status, sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count;
    ensures sq_timeouts_ok;
    ensures t == \null ==> \result == SQ_ERR_NULL;
    ensures TM04: t != \null ==> \result == SQ_OK && t->status == 0 && !sq_armed(&t->node);
*/
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

/*@ requires t == \null || \valid(t);
    assigns t->status;
    ensures TM01: \result >= 0;
    ensures TM02: t != \null ==> \result == \old(t->status) && t->status == 0;
*/
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

/*@ requires sq_timeouts_ok;
    requires t == \null || \valid(t);
    assigns \nothing;
    ensures t != \null ==> (\result <==> sq_armed(&t->node));
*/
bool sq_timer_running(sq_timer_t *t)
{
    if (t == NULL) {
        return false;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    bool running = sq_timeout_armed(&t->node);
    sq_port_irq_unlock(key);
    return running;
}
