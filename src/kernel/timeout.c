/*
 * squall: the armed-timeout table and the tick (src/kernel/sched.h).
 *
 * Armed timeouts sit in a bounded table of pointers, in no order. Arming
 * appends; disarming finds the node and moves the last entry into its
 * place; each tick looks for the earliest reached deadline. All three are
 * one pass over at most SQ_CONFIG_MAX_TIMEOUTS entries, and no node holds
 * a back-pointer that could go stale. Several timeouts reached at one tick
 * fire earliest deadline first, then in table order.
 */
#include "port.h"
#include "sched.h"

/* Index of `node` in the armed table, or -1. */
/*@ requires sq_timeouts_ok;
    assigns \nothing;
    ensures -1 <= \result < sq_kernel.armed_count;
    ensures \result >= 0 ==> sq_kernel.armed[\result] == node;
    ensures \result == -1 <==> !sq_armed(node);
*/
static int32_t sq_timeout_find(const sq_timeout_node_t *node)
{
    /*@ loop invariant 0 <= i <= sq_kernel.armed_count;
        loop invariant \forall integer j; 0 <= j < i ==> sq_kernel.armed[j] != node;
        loop assigns i;
        loop variant sq_kernel.armed_count - i;
    */
    for (uint32_t i = 0; i < sq_kernel.armed_count; i++) {
        if (sq_kernel.armed[i] == node) {
            return (int32_t)i;
        }
    }
    return -1;
}

bool sq_timeout_armed(const sq_timeout_node_t *node)
{
    return sq_timeout_find(node) >= 0;
}

sq_status_t sq_timeout_arm(sq_timeout_node_t *node, sq_tick_t deadline,
                           void (*expire)(sq_timeout_node_t *node))
{
    if (sq_kernel.armed_count == SQ_CONFIG_MAX_TIMEOUTS) {
        return SQ_ERR_FULL;
    }
    node->deadline = deadline;
    node->expire = expire;
    sq_kernel.armed[sq_kernel.armed_count] = node;
    sq_kernel.armed_count++;
    return SQ_OK;
}

void sq_timeout_disarm(sq_timeout_node_t *node)
{
    int32_t i = sq_timeout_find(node);
    if (i >= 0) {
        sq_kernel.armed_count--;
        sq_kernel.armed[i] = sq_kernel.armed[sq_kernel.armed_count];
    }
}

sq_timeout_node_t *sq_timeout_pop_expired(sq_tick_t now)
{
    sq_timeout_node_t *first = NULL;
    /*@ loop invariant 0 <= i <= sq_kernel.armed_count;
        loop invariant first == \null ==>
          \forall integer j; 0 <= j < i ==> sq_kernel.armed[j]->deadline > now;
        loop invariant first != \null ==> sq_armed(first) && first->deadline <= now;
        loop assigns i, first;
        loop variant sq_kernel.armed_count - i;
    */
    for (uint32_t i = 0; i < sq_kernel.armed_count; i++) {
        sq_timeout_node_t *n = sq_kernel.armed[i];
        if (sq_tick_reached(now, n->deadline) && (first == NULL || n->deadline < first->deadline)) {
            first = n;
        }
    }
    if (first != NULL) {
        sq_timeout_disarm(first);
    }
    return first;
}

void sq_kernel_tick(uint32_t ticks)
{
    sq_irq_key_t key = sq_port_irq_lock();
    /* Time stops at SQ_TICK_MAX (half a million years at 1 MHz) rather
     * than wrap into "never". */
    sq_kernel.now = SQ_TICK_MAX - sq_kernel.now < ticks ? SQ_TICK_MAX : sq_kernel.now + ticks;
    for (sq_timeout_node_t *n = sq_timeout_pop_expired(sq_kernel.now); n != NULL;
         n = sq_timeout_pop_expired(sq_kernel.now)) {
        n->expire(n);
    }
    sq_sched_reschedule();
    sq_port_irq_unlock(key);
}
