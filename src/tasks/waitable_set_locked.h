/*
 * Internal: what a higher layer calls on a waitable set with the kernel's
 * interrupt lock already held, so that raising an event is part of the
 * caller's critical section (the P3 runtime raises a stream end's event
 * inside the built-in that completed it, and takes one inside wait and
 * poll). Implemented in waitable_set.c.
 */
#ifndef SQUALL_SRC_TASKS_WAITABLE_SET_LOCKED_H
#define SQUALL_SRC_TASKS_WAITABLE_SET_LOCKED_H

#include <stdint.h>
#include <squall/waitable_set.h>

/** sq_waitable_post on an initialised waitable (magic checked by the
 *  caller), under the caller's lock and without its reschedule: a thread
 *  it wakes from the set's own wait queue runs at the caller's next
 *  reschedule. */
sq_status_t sq_waitable_post_locked(sq_waitable_t *w, uint32_t code, uint32_t payload);

/** sq_waitable_set_poll on a usable set (magic checked by the caller),
 *  under the caller's lock: the oldest pending event into *ev, or NONE. */
void sq_wset_deliver(sq_waitable_set_t *s, sq_wait_event_t *ev);

#endif /* SQUALL_SRC_TASKS_WAITABLE_SET_LOCKED_H */
