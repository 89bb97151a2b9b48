/*
 * Internal: how kernel objects tell waiting pollers that they changed
 * (see poll.c). Everything here runs under the port's interrupt lock.
 */
#ifndef SQUALL_SRC_POLL_NOTIFY_H
#define SQUALL_SRC_POLL_NOTIFY_H

#include <stdint.h>
#include "sched.h"

/** The one queue every waiting poller is on, whatever it watches. A
 *  poller's wait_value is then its filter: the OR of sq_poll_bit over the
 *  objects it watches. */
extern sq_wait_queue_t sq_poll_queue;

/*@ // One bit of 32 per object address. Objects are word-aligned structs,
    // so the low 4 bits say little; folding bits 4.. and 9.. in spreads
    // neighbours in one array and objects in different arrays over the bits.
    // (A right shift of the top bit: no left shift to overflow.)
    logic uint32_t sq_poll_bit(void *object) =
      (uint32_t)(0x80000000u >> (uint32_t)((uint32_t)((uint32_t)((uintptr_t)object >> 4) ^
                                                      (uint32_t)((uintptr_t)object >> 9)) % 32u));
*/

/**
 * Wake (SQ_OK) every poller whose filter has `object`'s bit, and no other
 * thread. Reads thread control blocks only, never a poller's events. The
 * caller reschedules before it unlocks.
 */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    assigns SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    // Only pollers move, and only to the ready queue: every other object's
    // waiters (and so its no-lost-wake-up predicate) are untouched.
    ensures \forall integer j; 0 <= j < sq_kernel.thread_count ==>
      sq_kernel.threads[j]->queue == \old(sq_kernel.threads[j]->queue) ||
      (\old(sq_kernel.threads[j]->queue) == &sq_poll_queue &&
       sq_kernel.threads[j]->queue == &sq_ready_queue);
    ensures \forall integer j; 0 < j < sq_kernel.thread_count &&
      \old(sq_kernel.threads[j]->queue) == &sq_poll_queue ==>
      ((uint32_t)(sq_kernel.threads[j]->wait_value & sq_poll_bit(object)) != 0 ?
         sq_kernel.threads[j]->state == SQ_THREAD_READY &&
         sq_kernel.threads[j]->wait_result == SQ_OK :
         sq_kernel.threads[j]->queue == &sq_poll_queue);
*/
void sq_poll_notify_locked(const void *object);

#endif /* SQUALL_SRC_POLL_NOTIFY_H */
