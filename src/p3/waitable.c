/*
 * Waitables and waitable sets (p3_waitable.h): the Component Model's
 * waitable-set.new/wait/poll/drop and waitable.join over the kernel's
 * waitable-set aggregator.
 *
 * The aggregator keeps each set's pending members in the order their
 * events arrived; wait and poll take the oldest under the lock and then
 * ask the waitable for its payload (a stream end's count is the one at
 * delivery). The aggregator's own wait is not used: it refuses an empty
 * set, and a P3 wait on one must block until a member joins with an
 * event. A waiting kernel thread joins the set's kernel wait queue
 * instead, in the critical section that found nothing pending, so no
 * wake-up is lost; every event that arrives in the set, by a raise or a
 * join, wakes the first waiter (SC01: priority, then arrival). So while
 * a thread waits, the set's pending events are never more than the
 * threads woken and not yet looking: each looks once it runs, and one
 * that finds the event taken by another consumer waits again. (The
 * protocol of the aggregator's own wait, whose SPIN model,
 * proofs/spin/waitable_set.pml, finds no lost wake-up; this copy of it is
 * tested, tests/test_p3_waitable.c.)
 *
 * A trap stops the instance's blocked threads: the built-in that trapped
 * wakes them (sq_p3_leave) and each, looking at its instance after every
 * wake-up, returns SQ_ERR_TRAP.
 */
#include <stddef.h>
#include <squall/p3_runtime.h>
#include <squall/p3_waitable.h>
#include "p3.h"
#include "kernel/sched.h"
#include "tasks/waitable_set_locked.h"
#include "waitable.h"

sq_p3_trap_t sq_p3_sync_refusal(bool sync_waiting, bool in_set, bool async)
{
    if (sync_waiting) {
        return SQ_P3_TRAP_SYNC_WAITER;
    }
    if (in_set && !async) {
        return SQ_P3_TRAP_SYNC_IN_SET;
    }
    return SQ_P3_TRAP_NONE;
}

/* Whether set `to` has room for one more member, `w` of set `from`:
 * moving within its own set needs none (WS01: the move never leaves w in
 * two sets, nor in none when it was asked into one). */
/*@ assigns \nothing;
    ensures WS01: \result <==> (same_set || joined < capacity);
*/
static bool sq_p3_join_room(bool same_set, uint32_t joined, uint32_t capacity)
{
    return same_set || joined < capacity;
}

/* Store `v` little-endian in the 4 bytes at `at`. */
/*@ requires \valid(at + (0 .. 3));
    assigns at[0 .. 3];
    ensures WS03: at[0] == v % 0x100 && at[1] == v / 0x100 % 0x100 &&
                  at[2] == v / 0x10000 % 0x100 && at[3] == v / 0x1000000;
*/
static void sq_p3_store_u32(uint8_t *at, uint32_t v)
{
    at[0] = (uint8_t)(v % 0x100u);
    at[1] = (uint8_t)(v / 0x100u % 0x100u);
    at[2] = (uint8_t)(v / 0x10000u % 0x100u);
    at[3] = (uint8_t)(v / 0x1000000u);
}

/* Store an event's two words, (index, payload), at `at`: the 8 bytes the
 * caller checked in linear memory, and nothing else (WS03). */
/*@ requires \valid(at + (0 .. 7));
    assigns at[0 .. 7];
    ensures WS03: at[0] == index % 0x100 && at[1] == index / 0x100 % 0x100 &&
                  at[2] == index / 0x10000 % 0x100 && at[3] == index / 0x1000000;
    ensures WS03: at[4] == payload % 0x100 && at[5] == payload / 0x100 % 0x100 &&
                  at[6] == payload / 0x10000 % 0x100 && at[7] == payload / 0x1000000;
*/
static void sq_p3_store_event(uint8_t *at, uint32_t index, uint32_t payload)
{
    sq_p3_store_u32(at, index);
    sq_p3_store_u32(at + 4, payload);
}

void sq_p3_waitable_setup(sq_p3_waitable_t *w, sq_p3_instance_t *owner, uint32_t kind,
                          uint32_t handle)
{
    /* A fresh waitable is in no set and nobody waits on it, so the init
     * cannot refuse (and no thread is on its wait queue). */
    (void)sq_waitable_init(&w->base);
    w->set = NULL;
    w->owner = owner;
    w->handle = handle;
    w->kind = kind;
    w->sync_waiting = false;
}

bool sq_p3_waitable_has_event(const sq_p3_waitable_t *w)
{
    return sq_waitable_pending(&w->base) != SQ_WAIT_EVENT_NONE;
}

/* Wake the first thread on `q` (SC01), if any; it runs once the caller
 * unlocks, if it outranks the caller. */
static void sq_p3_wake_first(sq_wait_queue_t *q)
{
    if (sq_queue_wake_first(q, SQ_OK) >= 0) {
        sq_sched_reschedule();
    }
}

/* One more pending event in set `ws`: one more waiter looks, a thread
 * and a callback task parked on it (one that finds the event taken waits
 * again). */
static void sq_p3_set_raised(sq_p3_wset_t *ws)
{
    sq_p3_wake_first(&ws->wake);
    if (ws->parked != NULL) {
        sq_p3_loop_set_event(ws);
    }
}

void sq_p3_waitable_raise(sq_p3_waitable_t *w, uint32_t code)
{
    /* Under the caller's lock: nobody waits on the aggregator's own queue
     * of a P3 set, so there is nothing to reschedule for. SQ_ERR_BUSY: an
     * event is pending already (it stays, in its place); no other
     * refusal, with a valid code and a member of a set without an event
     * not among its pending entries. A thread blocked in wait and a
     * callback task parked on the set count among its waiters. */
    if (sq_waitable_post_locked(&w->base, code, 0u) == SQ_OK && w->set != NULL &&
        w->set->waiters > 0u) {
        sq_p3_set_raised(w->set);
    }
    if (w->sync_waiting) {
        sq_p3_wake_first(&w->wake);
    }
}

void sq_p3_waitable_consume(sq_p3_waitable_t *w)
{
    (void)sq_waitable_clear(&w->base);
}

void sq_p3_waitable_leave_set(sq_p3_waitable_t *w)
{
    if (w->set != NULL) {
        (void)sq_waitable_leave(&w->base);
        w->set = NULL;
    }
}

void sq_p3_handle_free(sq_p3_instance_t *inst, uint32_t index)
{
    void *gone;
    (void)sq_p3_handle_remove(&inst->handles, index, ~0u, &gone);
}

sq_status_t sq_p3_block_check(void)
{
    if (sq_port_in_isr()) {
        return SQ_ERR_IN_ISR;
    }
    /* The idle thread (the code that runs the kernel, or any code before
     * sq_kernel_run) is what runs when nothing else can: it never waits. */
    return sq_sched_current() == &sq_idle_thread ? SQ_ERR_STATE : SQ_OK;
}

/* Wait on `q` (joined under the lock held under `key`, the outermost
 * one, which found nothing to take: a waker comes after, under the lock,
 * and finds the caller on q), switch away at the unlock, lock again once
 * woken. SQ_ERR_AGAIN (the thread was suspended meanwhile) only means:
 * look again, as after any wake-up. */
sq_irq_key_t sq_p3_block_on(sq_wait_queue_t *q, sq_irq_key_t key)
{
    (void)sq_sched_unlock_result(key, sq_sched_pend(q, SQ_FOREVER));
    return sq_port_irq_lock();
}

sq_status_t sq_p3_move_wait(sq_p3_channel_t *ch, sq_p3_waitable_t *w, sq_irq_key_t *key)
{
    sq_status_t st = sq_p3_block_check();
    if (st == SQ_OK) {
        ch->moving = SQ_P3_MOVE_AWAITED;
        *key = sq_p3_block_on(&w->wake, *key);
    }
    return st;
}

void sq_p3_move_done(sq_p3_channel_t *ch)
{
    sq_queue_wake_all(&ch->readable.w.wake, SQ_OK);
    sq_queue_wake_all(&ch->writable.w.wake, SQ_OK);
    sq_sched_reschedule();
}

sq_irq_key_t sq_p3_waitable_block(sq_p3_waitable_t *w, sq_irq_key_t key)
{
    w->sync_waiting = true;
    while (!sq_p3_waitable_has_event(w) && w->owner->trap == SQ_P3_TRAP_NONE) {
        key = sq_p3_block_on(&w->wake, key);
    }
    w->sync_waiting = false;
    return key;
}

void sq_p3_stop_blocked(sq_p3_instance_t *inst)
{
    sq_p3_tasks_stop(inst);
    const sq_p3_pool_t *sets = &inst->runtime->sets;
    const sq_p3_pool_t *channels = &inst->runtime->channels;
    for (uint32_t i = 0u; i < sets->count; i++) {
        sq_p3_wset_t *ws = (sq_p3_wset_t *)((uint8_t *)sets->items + (size_t)i * sets->stride);
        if (ws->link.in_use && ws->owner == inst) {
            sq_queue_wake_all(&ws->wake, SQ_ERR_TRAP);
        }
    }
    for (uint32_t i = 0u; i < channels->count; i++) {
        sq_p3_channel_t *ch =
            (sq_p3_channel_t *)((uint8_t *)channels->items + (size_t)i * channels->stride);
        if (ch->link.in_use) {
            if (ch->readable.w.owner == inst) {
                sq_queue_wake_all(&ch->readable.w.wake, SQ_ERR_TRAP);
            }
            if (ch->writable.w.owner == inst) {
                sq_queue_wake_all(&ch->writable.w.wake, SQ_ERR_TRAP);
            }
        }
    }
    sq_sched_reschedule();
}

sq_status_t sq_p3_leave(const sq_p3_thread_t *t, sq_irq_key_t key, sq_status_t st)
{
    /* SQ_ERR_TRAP comes only after the thread context was found usable. */
    if (st == SQ_ERR_TRAP) {
        sq_p3_stop_blocked(t->instance);
    }
    sq_port_irq_unlock(key);
    return st;
}

sq_status_t sq_p3_settle(const sq_p3_thread_t *t, sq_status_t st)
{
    return sq_p3_leave(t, sq_port_irq_lock(), st);
}

/* The waitable set at index `s` of t's instance. */
static sq_status_t sq_p3_set_lookup(const sq_p3_thread_t *t, uint32_t s, sq_p3_wset_t **ws)
{
    void *object;
    sq_status_t st = sq_p3_lookup(t->instance, s, SQ_P3_KIND_BIT(SQ_P3_KIND_WAITABLE_SET),
                                  &object, NULL);
    if (st == SQ_OK) {
        *ws = object;
    }
    return st;
}

/*@ requires sq_p3_thread_readable(t);
    requires index == \null || \valid(index);
    ensures index == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> sq_p3_new_index(t->instance, *index);
*/
sq_status_t sq_p3_waitable_set_new(sq_p3_thread_t *t, uint32_t *index)
{
    if (index == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_enter(t, true);
    if (st == SQ_OK) {
        sq_p3_instance_t *inst = t->instance;
        sq_p3_runtime_t *rt = inst->runtime;
        sq_p3_wset_t *ws = sq_p3_pool_take(&rt->sets);
        if (ws == NULL) {
            st = sq_p3_trap(inst, SQ_P3_TRAP_NO_OBJECTS);
        } else {
            st = sq_p3_insert(inst, SQ_P3_KIND_WAITABLE_SET, ws, index);
            if (st != SQ_OK) {
                sq_p3_pool_give(&rt->sets, ws);
            }
        }
        if (st == SQ_OK) {
            sq_waitable_t **storage =
                rt->set_storage + (size_t)sq_p3_pool_index(&rt->sets, ws) * rt->set_members;
            /* A set from the pool has no members and no waiters (a dropped
             * one had neither), so neither init can refuse. */
            (void)sq_waitable_set_init(&ws->set, storage, rt->set_members);
            ws->owner = inst;
            ws->handle = *index;
            ws->waiters = 0u;
            ws->parked = NULL;
        }
    }
    return sq_p3_leave(t, key, st);
}

/* The stream or future end that member `base` of a P3 set is, or NULL (a
 * subtask): every member is a P3 waitable (base first in it), and an
 * end's waitable is first in the end. */
static sq_p3_end_t *sq_p3_member_end(sq_waitable_t *base)
{
    sq_p3_waitable_t *w = (sq_p3_waitable_t *)base;
    return w->kind <= SQ_P3_KIND_FUTURE_WRITABLE ? (sq_p3_end_t *)w : NULL;
}

/* The end whose event is the oldest of ws, if a move is in flight on its
 * channel (its count is the one after the move), else NULL. */
static inline sq_p3_end_t *sq_p3_set_moving(const sq_p3_wset_t *ws)
{
    if (ws->set.pending_count == 0u) {
        return NULL;
    }
    sq_p3_end_t *e = sq_p3_member_end(ws->set.pending[0]);
    return e != NULL && e->channel->moving != SQ_P3_MOVE_NONE ? e : NULL;
}

/* Wait until no move is in flight on the channel of ws's oldest event,
 * for a thread or callback task counted among ws's waiters (so ws
 * stays): the lock held under *key is released meanwhile. SQ_ERR_TRAP
 * when ws's owner traps meanwhile; SQ_ERR_IN_ISR, SQ_ERR_STATE where
 * nothing can block. */
static inline sq_status_t sq_p3_set_settle(sq_p3_wset_t *ws, sq_irq_key_t *key)
{
    sq_p3_end_t *e = sq_p3_set_moving(ws);
    while (e != NULL) {
        sq_status_t st = sq_p3_move_wait(e->channel, &e->w, key);
        if (st == SQ_OK && ws->owner->trap != SQ_P3_TRAP_NONE) {
            st = SQ_ERR_TRAP;
        }
        if (st != SQ_OK) {
            return st;
        }
        e = sq_p3_set_moving(ws);
    }
    return SQ_OK;
}

/* Take the oldest event of settled set ws into *ev (NONE when none) and
 * its payload into *payload: what the waitable says now, an end's result
 * word or a subtask's state (a resolved one's delivered). */
static inline void sq_p3_set_deliver(sq_p3_wset_t *ws, sq_wait_event_t *ev, uint32_t *payload)
{
    sq_waitable_t *member = ws->set.pending_count > 0u ? ws->set.pending[0] : NULL;
    /* A set of the pool is usable until dropped, which needs no waiters. */
    sq_wset_deliver(&ws->set, ev);
    if (member == NULL) {
        *payload = 0u;
    } else {
        sq_p3_end_t *e = sq_p3_member_end(member);
        *payload = e != NULL ? sq_p3_end_deliver(e)
                             : sq_p3_subtask_deliver((sq_p3_waitable_t *)member);
    }
}

sq_status_t sq_p3_wset_settle(sq_p3_wset_t *ws, bool block, sq_irq_key_t *key)
{
    if (!block) {
        return sq_p3_set_moving(ws) != NULL ? SQ_ERR_AGAIN : SQ_OK;
    }
    ws->waiters++;
    sq_status_t st = sq_p3_set_settle(ws, key);
    ws->waiters--;
    return st;
}

void sq_p3_wset_take(sq_p3_wset_t *ws, sq_wait_event_t *ev)
{
    sq_p3_set_deliver(ws, ev, &ev->payload);
}

/* The next thing a wait or poll on `ws` delivers: a pending cancellation
 * of t's task first when `cancellable` (TASK_CANCELLED, 0, 0), else the
 * set's oldest event (NONE when there is none) once settled. */
static inline sq_status_t sq_p3_set_next(const sq_p3_thread_t *t, sq_p3_wset_t *ws,
                                         bool cancellable, sq_wait_event_t *ev,
                                         uint32_t *payload, sq_irq_key_t *key)
{
    if (cancellable && sq_p3_cancel_point(t, ws)) {
        ev->code = SQ_WAIT_EVENT_CANCELLED;
        ev->join_id = 0u;
        *payload = 0u;
        return SQ_OK;
    }
    sq_status_t st = sq_p3_set_settle(ws, key);
    if (st == SQ_OK) {
        sq_p3_set_deliver(ws, ev, payload);
    }
    return st;
}

/* wait (block) and poll: take the oldest event of set `s`, blocking for
 * one if asked, and store it at `ptr`, checked before blocking (WS03). */
static sq_status_t sq_p3_set_take(sq_p3_thread_t *t, uint32_t s, uint32_t ptr, bool block,
                                  bool cancellable, uint32_t *code)
{
    if (code == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_p3_wset_t *ws = NULL;
    uint8_t *at = NULL;
    sq_status_t st = sq_p3_enter(t, true);
    if (st == SQ_OK) {
        st = sq_p3_set_lookup(t, s, &ws);
    }
    if (st == SQ_OK) {
        st = sq_p3_guest_range(t->instance, ptr, 2u, 4u, 4u, &at);
    }
    /* Nothing pending: only a thread that can block may wait for it. */
    if (st == SQ_OK && block && ws->set.pending_count == 0u) {
        st = sq_p3_block_check();
    }
    if (st == SQ_OK) {
        sq_wait_event_t ev;
        uint32_t payload = 0u;
        ws->waiters++;
        st = sq_p3_set_next(t, ws, cancellable, &ev, &payload, &key);
        while (st == SQ_OK && block && ev.code == SQ_WAIT_EVENT_NONE) {
            key = sq_p3_block_on(&ws->wake, key);
            /* Stopped by a trap of its instance: nothing is taken. */
            if (t->instance->trap != SQ_P3_TRAP_NONE) {
                st = SQ_ERR_TRAP;
                break;
            }
            st = sq_p3_set_next(t, ws, cancellable, &ev, &payload, &key);
        }
        if (cancellable) {
            (void)sq_p3_cancel_point(t, NULL);
        }
        ws->waiters--;
        if (st == SQ_OK) {
            /* Memory may have moved (grown) while blocked: the same
             * offset, still in bounds. */
            at = t->instance->memory + ptr;
            sq_p3_store_event(at, ev.join_id, payload);
            *code = ev.code;
        }
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    requires code == \null || \valid(code);
    ensures code == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==>
      SQ_WAIT_EVENT_SUBTASK <= *code <= SQ_WAIT_EVENT_CANCELLED;
*/
sq_status_t sq_p3_waitable_set_wait(sq_p3_thread_t *t, uint32_t s, uint32_t ptr, uint32_t *code)
{
    return sq_p3_set_take(t, s, ptr, true, false, code);
}

/*@ requires sq_p3_thread_readable(t);
    requires code == \null || \valid(code);
    ensures code == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> *code <= SQ_WAIT_EVENT_CANCELLED;
*/
sq_status_t sq_p3_waitable_set_poll(sq_p3_thread_t *t, uint32_t s, uint32_t ptr, uint32_t *code)
{
    return sq_p3_set_take(t, s, ptr, false, false, code);
}

/*@ requires sq_p3_thread_readable(t);
    requires code == \null || \valid(code);
    ensures code == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==>
      SQ_WAIT_EVENT_SUBTASK <= *code <= SQ_WAIT_EVENT_CANCELLED;
*/
sq_status_t sq_p3_waitable_set_wait_cancellable(sq_p3_thread_t *t, uint32_t s, uint32_t ptr,
                                                uint32_t *code)
{
    return sq_p3_set_take(t, s, ptr, true, true, code);
}

/*@ requires sq_p3_thread_readable(t);
    requires code == \null || \valid(code);
    ensures code == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> *code <= SQ_WAIT_EVENT_CANCELLED;
*/
sq_status_t sq_p3_waitable_set_poll_cancellable(sq_p3_thread_t *t, uint32_t s, uint32_t ptr,
                                                uint32_t *code)
{
    return sq_p3_set_take(t, s, ptr, false, true, code);
}

/*@ requires sq_p3_thread_readable(t);
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_waitable_set_drop(sq_p3_thread_t *t, uint32_t s)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_p3_wset_t *ws = NULL;
    sq_status_t st = sq_p3_enter(t, true);
    if (st == SQ_OK) {
        st = sq_p3_set_lookup(t, s, &ws);
    }
    if (st == SQ_OK) {
        if (ws->set.joined > 0u) {
            st = sq_p3_trap(t->instance, SQ_P3_TRAP_SET_NOT_EMPTY);
        } else if (ws->waiters > 0u) {
            st = sq_p3_trap(t->instance, SQ_P3_TRAP_SET_WAITERS);
        } else {
            sq_p3_handle_free(t->instance, s);
            (void)sq_waitable_set_destroy(&ws->set);
            sq_p3_pool_give(&t->instance->runtime->sets, ws);
        }
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_waitable_join(sq_p3_thread_t *t, uint32_t w, uint32_t s)
{
    sq_irq_key_t key = sq_port_irq_lock();
    void *object = NULL;
    sq_p3_wset_t *ws = NULL;
    sq_status_t st = sq_p3_enter(t, true);
    if (st == SQ_OK) {
        st = sq_p3_lookup(t->instance, w, SQ_P3_KINDS_WAITABLE, &object, NULL);
    }
    sq_p3_waitable_t *wt = object;
    if (st == SQ_OK) {
        sq_p3_trap_t why = sq_p3_sync_refusal(wt->sync_waiting, false, true);
        if (why != SQ_P3_TRAP_NONE) {
            st = sq_p3_trap(t->instance, why);
        }
    }
    if (st == SQ_OK && s != 0u) {
        st = sq_p3_set_lookup(t, s, &ws);
    }
    if (st == SQ_OK && ws != NULL &&
        !sq_p3_join_room(ws == wt->set, ws->set.joined, ws->set.capacity)) {
        st = sq_p3_trap(t->instance, SQ_P3_TRAP_NO_OBJECTS);
    }
    if (st == SQ_OK) {
        /* A move: out of the old set, then (s != 0) to the back of the
         * new one, its pending event counting from now (WS01). */
        sq_p3_waitable_leave_set(wt);
        if (ws != NULL) {
            (void)sq_waitable_join(&wt->base, &ws->set, wt->handle);
            wt->set = ws;
            /* A pending event joins the set's order. */
            if (sq_p3_waitable_has_event(wt)) {
                sq_p3_set_raised(ws);
            }
        }
    }
    return sq_p3_leave(t, key, st);
}
