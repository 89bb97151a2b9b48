/*
 * squall: the armed-timeout table and the tick (src/kernel/sched.h).
 *
 * Armed timeouts sit in a bounded table of entries (node, deadline, expiry
 * function), in no order. Arming appends; disarming finds the node and
 * moves the last entry into its place; each tick looks for the earliest
 * reached deadline: each is one pass over at most SQ_CONFIG_MAX_TIMEOUTS
 * entries, and no node holds a back-pointer that could go stale. Timeouts
 * reached at one tick fire earliest deadline first, then in table order.
 *
 * next_deadline is at or before every armed deadline: arming lowers it to
 * the new deadline if that is earlier, disarming leaves it (still a lower
 * bound, and disarm stays one pass), and a tick before it has nothing to
 * fire and returns without a pass. A tick at or after it scans, fires what
 * is due and leaves it exact. So a tick costs a pass only when something
 * is due or a due timeout was disarmed since the last pass.
 */
#include "port.h"
#include "sched.h"

/* Index of `node` in the armed table, or -1. */
/*@ requires sq_timeouts_ok;
    assigns \nothing;
    ensures -1 <= \result < sq_kernel.armed_count;
    ensures \result >= 0 ==> sq_kernel.armed[\result].node == node;
    ensures \result == -1 <==> !sq_armed(node);
*/
static int32_t sq_timeout_find(sq_timeout_node_t *node)
{
    /*@ loop invariant 0 <= i <= sq_kernel.armed_count;
        loop invariant \forall integer j; 0 <= j < i ==> sq_kernel.armed[j].node != node;
        loop assigns i;
        loop variant sq_kernel.armed_count - i;
    */
    for (uint32_t i = 0; i < sq_kernel.armed_count; i++) {
        if (sq_kernel.armed[i].node == node) {
            return (int32_t)i;
        }
    }
    return -1;
}

bool sq_timeout_armed(sq_timeout_node_t *node)
{
    return sq_timeout_find(node) >= 0;
}

void sq_timeout_arm(sq_timeout_node_t *node, sq_tick_t deadline, sq_expire_fn *expire)
{
    sq_kernel.armed[sq_kernel.armed_count].node = node;
    sq_kernel.armed[sq_kernel.armed_count].deadline = deadline;
    sq_kernel.armed[sq_kernel.armed_count].expire = expire;
    sq_kernel.armed_count++;
    if (deadline < sq_kernel.next_deadline) {
        sq_kernel.next_deadline = deadline;
    }
}

void sq_timeout_remove_at(uint32_t i)
{
    sq_kernel.armed_count--;
    sq_kernel.armed[i] = sq_kernel.armed[sq_kernel.armed_count];
}

void sq_timeout_disarm(sq_timeout_node_t *node)
{
    int32_t i = sq_timeout_find(node);
    if (i >= 0) {
        sq_timeout_remove_at((uint32_t)i);
    }
}

int32_t sq_timeout_first_reached(sq_tick_t now)
{
    if (now < sq_kernel.next_deadline) {
        return -1;   /* nothing armed is due yet (TO09) */
    }
    int32_t first = -1;
    sq_tick_t next = SQ_TICK_NEVER;
    /*@ loop invariant 0 <= i <= sq_kernel.armed_count;
        loop invariant -1 <= first < (integer)i;
        loop invariant first == -1 ==>
          \forall integer j; 0 <= j < i ==> sq_kernel.armed[j].deadline > now;
        loop invariant first >= 0 ==> sq_kernel.armed[first].deadline <= now &&
          \forall integer j; 0 <= j < i ==>
            sq_kernel.armed[first].deadline <= sq_kernel.armed[j].deadline;
        loop invariant \forall integer j; 0 <= j < i ==> next <= sq_kernel.armed[j].deadline;
        loop invariant i == 0 ==> next == SQ_TICK_NEVER;
        loop invariant i > 0 ==> \exists integer j; 0 <= j < i && sq_kernel.armed[j].deadline == next;
        loop assigns i, first, next;
        loop variant sq_kernel.armed_count - i;
    */
    for (uint32_t i = 0; i < sq_kernel.armed_count; i++) {
        sq_tick_t d = sq_kernel.armed[i].deadline;
        if (d <= now && (first < 0 || d < sq_kernel.armed[first].deadline)) {
            first = (int32_t)i;
        }
        if (d < next) {
            next = d;
        }
    }
    /* Exact now; the one a caller fires next is at it, so it stays a
     * lower bound once that one is removed. */
    sq_kernel.next_deadline = next;
    return first;
}

sq_tick_t sq_timeout_next_deadline(void)
{
    return sq_kernel.next_deadline;
}

void sq_kernel_tick(uint32_t ticks)
{
    sq_irq_key_t key = sq_port_irq_lock();
    /* Time stops at SQ_TICK_MAX (half a million years at 1 MHz) rather
     * than wrap into "never". */
    sq_kernel.now = SQ_TICK_MAX - sq_kernel.now < ticks ? SQ_TICK_MAX : sq_kernel.now + ticks;
    int32_t i = sq_timeout_first_reached(sq_kernel.now);
    if (i < 0) {
        /* Nothing fired, so nothing became ready: what should run is what
         * the last critical section's reschedule chose. */
        sq_port_irq_unlock(key);
        return;
    }
    do {
        struct sq_armed_timeout fired = sq_kernel.armed[i];
        sq_timeout_remove_at((uint32_t)i);
        fired.expire(fired.node, fired.deadline);
        i = sq_timeout_first_reached(sq_kernel.now);
    } while (i >= 0);
    (void)sq_sched_reschedule_unlock(key, SQ_OK);
}
