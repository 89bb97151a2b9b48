/*
 * squall P3 internals: what the stream and future built-ins (stream.c)
 * and the waitable-set built-ins (waitable.c) ask of each other, and how
 * every built-in ends (sq_p3_leave). Every call here runs under the
 * kernel's interrupt lock (those that wait release it meanwhile). Not a
 * public header.
 *
 * A waitable's pending event is its kernel waitable's (base.code): it is
 * posted with a dummy payload, which delivery replaces with the one the
 * waitable computes then (a stream end's count keeps growing until its
 * event is delivered).
 */
#ifndef SQUALL_SRC_P3_WAITABLE_H
#define SQUALL_SRC_P3_WAITABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/p3_stream.h>
#include <squall/p3_waitable.h>
#include "kernel/port.h"

/** Why a built-in on a waitable is refused for mixing synchronous and
 *  set waiting (WS02), or SQ_P3_TRAP_NONE: a synchronous built-in already
 *  waits on it (join, cancel), or a synchronous form on a waitable that is
 *  in a set. */
/*@ assigns \nothing;
    ensures WS02: sync_waiting ==> \result == SQ_P3_TRAP_SYNC_WAITER;
    ensures WS02: !sync_waiting && in_set && !async ==> \result == SQ_P3_TRAP_SYNC_IN_SET;
    ensures !sync_waiting && !(in_set && !async) ==> \result == SQ_P3_TRAP_NONE;
*/
sq_p3_trap_t sq_p3_sync_refusal(bool sync_waiting, bool in_set, bool async);

/** Make `w` a waitable of `kind` at index `handle` of `owner`: in no set,
 *  no event, no synchronous waiter. */
void sq_p3_waitable_setup(sq_p3_waitable_t *w, sq_p3_instance_t *owner, uint32_t kind,
                          uint32_t handle);

/** Whether `w` has an undelivered event. */
bool sq_p3_waitable_has_event(const sq_p3_waitable_t *w);

/** Give `w` a pending event `code` (an event already pending stays, in its
 *  place in its set's order: its payload is computed at delivery), and
 *  wake whoever waits for one: its synchronous waiter, or, for a new
 *  event in a set, the first thread waiting on the set (SC01). */
void sq_p3_waitable_raise(sq_p3_waitable_t *w, uint32_t code);

/** `w`'s pending event is being delivered by a built-in's result (the
 *  call that started the copy, or cancel): take it out of its set's
 *  order. */
void sq_p3_waitable_consume(sq_p3_waitable_t *w);

/** Take `w` out of its set, if it is in one (its handle is dropped). */
void sq_p3_waitable_leave_set(sq_p3_waitable_t *w);

/** Free index `index` of `inst`, which holds an object (its kind was
 *  checked by the lookup before). */
void sq_p3_handle_free(sq_p3_instance_t *inst, uint32_t index);

/** Whether the calling context may block: SQ_OK in a kernel thread,
 *  SQ_ERR_IN_ISR in an interrupt, SQ_ERR_STATE in the idle thread (the
 *  code that runs the kernel, or any code before sq_kernel_run). */
sq_status_t sq_p3_block_check(void);

/** Wait on `q`, joined under the lock held under `key` (the outermost
 *  one) in the critical section that found nothing to take, so no
 *  wake-up is lost; returns with the lock held again, under the key it
 *  returns, once woken (or suspended: look again). Not from an
 *  interrupt. */
sq_irq_key_t sq_p3_block_on(sq_wait_queue_t *q, sq_irq_key_t key);

/** Block the calling kernel thread until `w` has an event, as its
 *  synchronous waiter (WS02: join and cancel trap meanwhile), or until
 *  w's instance traps (the caller then looks at the instance). Called
 *  with the lock held, as the outermost one, under `key`; returns with it
 *  held again, under the key it returns. Not from an interrupt. */
sq_irq_key_t sq_p3_waitable_block(sq_p3_waitable_t *w, sq_irq_key_t key);

/** Wait for the move in flight on `ch` (its moving is not NONE) to end,
 *  on the queue of w, an end of ch: the lock held under *key (the
 *  outermost) is released meanwhile and held again on return. Refuses as
 *  sq_p3_block_check where the caller cannot block (SQ_ERR_IN_ISR,
 *  SQ_ERR_STATE: nothing changed). SQ_OK only means: look again, the move
 *  may be over (a trap of the caller's instance wakes it too). */
sq_status_t sq_p3_move_wait(sq_p3_channel_t *ch, sq_p3_waitable_t *w, sq_irq_key_t *key);

/** The move on `ch` ended and a thread waits for it: wake the threads on
 *  both ends' queues (a synchronous copy's thread among them looks at its
 *  end again, as after any wake-up). Under the lock. */
void sq_p3_move_done(sq_p3_channel_t *ch);

/** Wake every thread blocked in a built-in of `inst` (waiting on one of
 *  its sets, or as the synchronous waiter of one of its ends): `inst` has
 *  trapped, and each returns SQ_ERR_TRAP; its waiting calls and callback
 *  tasks end (sq_p3_tasks_stop). O(the runtime's sets, channels and
 *  tasks). Under the lock. */
void sq_p3_stop_blocked(sq_p3_instance_t *inst);

/** End a built-in's critical section under `key` with status `st`: after
 *  a trap (SQ_ERR_TRAP, so t was usable) every other thread blocked in a
 *  built-in of t's instance is woken first (sq_p3_stop_blocked). Every
 *  built-in ends so. Returns `st`. */
sq_status_t sq_p3_leave(const sq_p3_thread_t *t, sq_irq_key_t key, sq_status_t st);

/** The same for a built-in that has ended its critical sections (error
 *  contexts: realloc runs unlocked): locks, then as sq_p3_leave. */
sq_status_t sq_p3_settle(const sq_p3_thread_t *t, sq_status_t st);

/** Deliver the pending event of end `e` (already consumed from its set's
 *  order): the result word it carries now, and `e` back to idle, or to
 *  done (ST04; stream.c). */
uint32_t sq_p3_end_deliver(sq_p3_end_t *e);

/** For the callback loop, before it decides in one critical section
 *  whether to take an event of set `ws`: wait (if `block`) until no move
 *  is in flight on the channel of its oldest event, the lock held under
 *  *key released meanwhile, as wait and poll do. SQ_OK; SQ_ERR_AGAIN (a
 *  move is in flight and not `block`); SQ_ERR_TRAP (ws's owner trapped
 *  meanwhile). `block` only in a kernel thread that may block. */
sq_status_t sq_p3_wset_settle(sq_p3_wset_t *ws, bool block, sq_irq_key_t *key);

/** Take the oldest event of set `ws`, settled in this critical section,
 *  into `*ev` and deliver it (its payload computed now): what wait and
 *  poll do, for the callback loop. NONE when nothing is pending. */
void sq_p3_wset_take(sq_p3_wset_t *ws, sq_wait_event_t *ev);

/** Deliver the pending SUBTASK event of subtask `w`: its state now, and
 *  a resolved state marks the resolution delivered (task.c). */
uint32_t sq_p3_subtask_deliver(sq_p3_waitable_t *w);

/** Set `ws`, on which callback tasks are parked, has a new pending
 *  event: the first parked task is made ready in the loop (task.c). */
void sq_p3_loop_set_event(sq_p3_wset_t *ws);

/** A cancellable wait or poll of guest thread `t` on set `ws` looks for a
 *  cancellation of t's task (task.c): true when a pending one is
 *  delivered now (once, CP04). Until called again with `ws` NULL (the
 *  wait is over), a cancellation requested meanwhile wakes the waiters of
 *  `ws`. A thread that is no task's never has one. */
bool sq_p3_cancel_point(const sq_p3_thread_t *t, sq_p3_wset_t *ws);

/** `inst` has trapped: its calls waiting to enter and its callback tasks
 *  waiting in the loop end there, unresolved, and a sync caller waiting
 *  on one of them is woken (task.c). Under the lock. */
void sq_p3_tasks_stop(sq_p3_instance_t *inst);

#endif /* SQUALL_SRC_P3_WAITABLE_H */
