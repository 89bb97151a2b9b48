/*
 * squall: poll (include/squall/poll.h).
 *
 * A poller that finds nothing ready waits on sq_poll_queue, the one queue
 * of all pollers, with the filter of what it watches in wait_value: the OR
 * of sq_poll_bit(object) over its events (poll_notify.h). A change to an
 * object wakes the pollers whose filter has that object's bit. The waker
 * reads thread control blocks only, never the events, which live in the
 * pollers' memory. Two objects may share a bit, so a woken poller may find
 * nothing ready: it waits again for what is left of its time.
 *
 * No lost wake-up: sq_poll evaluates its events and joins the queue in one
 * critical section, and a semaphore give, an event-word change and a
 * signal raise notify in the critical section that made their condition
 * true; the lock-free rings rely on their users' sq_poll_notify. A poller
 * on the queue holds the filter of all its events (sq_poll_locked), so a
 * change it could see wakes it.
 */
#include <squall/event.h>
#include <squall/poll.h>
#include <squall/ring_buf.h>
#include <squall/sem.h>
#include <squall/typed_ring_buf.h>
#include "poll_notify.h"
#include "port.h"
#include "sched.h"

sq_wait_queue_t sq_poll_queue;

/*@ axiomatic SqPollObjects {
      // An event's object as the type its event type names. C converts the
      // void pointer implicitly; WP's typed memory model does not follow
      // such conversions, so the one-line sq_poll_as_* helpers that make
      // them are not proven, and these names stand for their results.
      logic sq_sem_t *sq_poll_sem(void *object);
      logic sq_event_t *sq_poll_word(void *object);
      logic sq_ring_buf_t *sq_poll_ring(void *object);
      logic sq_typed_ring_buf_t *sq_poll_typed(void *object);
      logic sq_poll_signal_t *sq_poll_sig(void *object);
    }

    // A poll event sq_poll accepts (else SQ_ERR_NULL or SQ_ERR_INVALID).
    predicate sq_poll_event_valid(sq_poll_event_t *ev) =
      ev->object != \null &&
      SQ_POLL_SEM_AVAILABLE <= ev->type <= SQ_POLL_SIGNAL &&
      (ev->type == SQ_POLL_EVENTS_ANY ==> ev->mask != 0);

    // ... whose object is one of its type, in a state its calls accept,
    // and apart from the poll event `other` (whose ready flag is written).
    predicate sq_poll_event_ok(sq_poll_event_t *ev, sq_poll_event_t *other) =
      sq_poll_event_valid(ev) &&
      (ev->type == SQ_POLL_SEM_AVAILABLE ==>
         \valid_read(sq_poll_sem(ev->object)) && \separated(other, sq_poll_sem(ev->object))) &&
      (ev->type == SQ_POLL_EVENTS_ANY ==>
         \valid_read(sq_poll_word(ev->object)) && \separated(other, sq_poll_word(ev->object))) &&
      (ev->type == SQ_POLL_RING_DATA || ev->type == SQ_POLL_RING_SPACE ==>
         sq_ring_buf_ok(sq_poll_ring(ev->object)) && \separated(other, sq_poll_ring(ev->object))) &&
      (ev->type == SQ_POLL_TYPED_RING_DATA || ev->type == SQ_POLL_TYPED_RING_SPACE ==>
         sq_typed_ok(sq_poll_typed(ev->object)) && \separated(other, sq_poll_typed(ev->object))) &&
      (ev->type == SQ_POLL_SIGNAL ==>
         \valid_read(sq_poll_sig(ev->object)) && \separated(other, sq_poll_sig(ev->object)));

    // The condition of each type (include/squall/poll.h).
    predicate sq_poll_holds(sq_poll_event_t *ev) =
      (ev->type == SQ_POLL_SEM_AVAILABLE && sq_poll_sem(ev->object)->count > 0) ||
      (ev->type == SQ_POLL_EVENTS_ANY && (sq_poll_word(ev->object)->word & ev->mask) != 0) ||
      (ev->type == SQ_POLL_RING_DATA && sq_ring_used(&sq_poll_ring(ev->object)->core) > 0) ||
      (ev->type == SQ_POLL_RING_SPACE &&
         sq_poll_ring(ev->object)->core.capacity - sq_ring_used(&sq_poll_ring(ev->object)->core) > 0) ||
      (ev->type == SQ_POLL_TYPED_RING_DATA &&
         sq_ring_used(&sq_poll_typed(ev->object)->core) > 0) ||
      (ev->type == SQ_POLL_TYPED_RING_SPACE &&
         sq_poll_typed(ev->object)->core.capacity -
           sq_ring_used(&sq_poll_typed(ev->object)->core) > 0) ||
      (ev->type == SQ_POLL_SIGNAL && sq_poll_sig(ev->object)->raised != 0);

    predicate sq_poll_events_ok(sq_poll_event_t *events, integer count) =
      0 < count && \valid(events + (0 .. count - 1)) &&
      \forall integer i, j; 0 <= i < count && 0 <= j < count ==>
        sq_poll_event_ok(events + i, events + j);

    predicate sq_poll_any(sq_poll_event_t *events, integer count) =
      \exists integer i; 0 <= i < count && sq_poll_holds(events + i);

    // The filter of events[0 .. n-1]: the OR of their objects' bits.
    logic uint32_t sq_poll_filter_of(sq_poll_event_t *events, integer n) =
      n <= 0 ? (uint32_t)0 :
        (uint32_t)(sq_poll_filter_of(events, n - 1) | sq_poll_bit(events[n - 1].object));
*/

/* The conversions of sq_poll_event_t.object (see SqPollObjects). */
/*@ assigns \nothing;
    ensures \result == sq_poll_sem(object); */
static const sq_sem_t *sq_poll_as_sem(const void *object)
{
    return object;
}
/*@ assigns \nothing;
    ensures \result == sq_poll_word(object); */
static const sq_event_t *sq_poll_as_event(const void *object)
{
    return object;
}
/*@ assigns \nothing;
    ensures \result == sq_poll_ring(object); */
static const sq_ring_buf_t *sq_poll_as_ring(const void *object)
{
    return object;
}
/*@ assigns \nothing;
    ensures \result == sq_poll_typed(object); */
static const sq_typed_ring_buf_t *sq_poll_as_typed(const void *object)
{
    return object;
}
/*@ assigns \nothing;
    ensures \result == sq_poll_sig(object); */
static const sq_poll_signal_t *sq_poll_as_signal(const void *object)
{
    return object;
}

/* The filter bit of `object` (see sq_poll_bit in poll_notify.h). */
/*@ assigns \nothing;
    ensures \result == sq_poll_bit(object);
*/
static uint32_t sq_poll_object_bit(const void *object)
{
    uintptr_t a = (uintptr_t)object;
    return 0x80000000u >> ((uint32_t)((uint32_t)(a >> 4) ^ (uint32_t)(a >> 9)) % 32u);
}

/* Contract in poll_notify.h. */
void sq_poll_notify_locked(const void *object)
{
    uint32_t bit = sq_poll_object_bit(object);
    /*@ loop invariant 1 <= i <= sq_kernel.thread_count;
        loop invariant sq_kernel_ok && sq_timeouts_ok;
        loop invariant \forall integer j; 0 <= j < sq_kernel.thread_count ==>
          sq_kernel.threads[j]->queue == \at(sq_kernel.threads[j]->queue, Pre) ||
          (\at(sq_kernel.threads[j]->queue, Pre) == &sq_poll_queue &&
           sq_kernel.threads[j]->queue == &sq_ready_queue);
        loop invariant \forall integer j; 0 < j < i &&
          \at(sq_kernel.threads[j]->queue, Pre) == &sq_poll_queue ==>
          ((uint32_t)(sq_kernel.threads[j]->wait_value & bit) != 0 ?
             sq_kernel.threads[j]->state == SQ_THREAD_READY &&
             sq_kernel.threads[j]->wait_result == SQ_OK :
             sq_kernel.threads[j]->queue == &sq_poll_queue);
        loop invariant \forall integer j; i <= j < sq_kernel.thread_count ==>
          sq_kernel.threads[j]->queue == \at(sq_kernel.threads[j]->queue, Pre);
        loop assigns i,
            SQ_WAKE_FOOTPRINT;
        loop variant sq_kernel.thread_count - i;
    */
    for (uint32_t i = 1; i < sq_kernel.thread_count; i++) {
        sq_thread_t *t = sq_kernel.threads[i];
        if (t->queue == &sq_poll_queue && (t->wait_value & bit) != 0u) {
            /*@ assert apart: \forall integer j; 0 <= j < sq_kernel.thread_count && j != i ==>
                  sq_distinct(t, sq_kernel.threads[j]); */
            sq_sched_wake(i, SQ_OK);
        }
    }
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    assigns SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures PL02: \forall sq_poll_event_t *ev; ev->ready == \old(ev->ready);
*/
void sq_poll_notify(const void *object)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_poll_notify_locked(object);
    (void)sq_sched_reschedule_unlock(key, SQ_OK);
}

/*@ requires ev == \null || \valid(ev);
    assigns *ev;
    behavior null_arg:
      assumes ev == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior ok:
      assumes ev != \null;
      ensures \result == SQ_OK && ev->type == type && ev->object == object && ev->mask == mask;
      ensures PL01: ev->ready == 0;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_poll_event_init(sq_poll_event_t *ev, sq_poll_type_t type, const void *object,
                               uint32_t mask)
{
    if (ev == NULL) {
        return SQ_ERR_NULL;
    }
    ev->type = (uint32_t)type;
    ev->mask = mask;
    ev->object = object;
    ev->ready = 0;
    return SQ_OK;
}

/*@ requires ev == \null || \valid_read(ev);
    assigns \nothing;
    ensures \result <==> ev != \null && ev->ready != 0;
*/
bool sq_poll_event_ready(const sq_poll_event_t *ev)
{
    return ev != NULL && ev->ready != 0;
}

/*@ requires sig == \null || \valid(sig);
    assigns *sig;
    ensures PL02: \forall sq_poll_event_t *ev; \separated(ev, sig) ==> ev->ready == \old(ev->ready);
    behavior null_arg:
      assumes sig == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior ok:
      assumes sig != \null;
      ensures \result == SQ_OK && sig->raised == 0 && sig->magic == SQ_POLL_SIGNAL_MAGIC;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_poll_signal_init(sq_poll_signal_t *sig)
{
    if (sig == NULL) {
        return SQ_ERR_NULL;
    }
    sig->raised = 0u;
    sig->result = 0;
    sig->magic = SQ_POLL_SIGNAL_MAGIC;
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires sig == \null || \valid(sig);
    assigns sig->raised, sig->result,
            SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures PL02: \forall sq_poll_event_t *ev; \separated(ev, sig) ==> ev->ready == \old(ev->ready);
    behavior null_arg:
      assumes sig == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad:
      assumes sig != \null && sig->magic != SQ_POLL_SIGNAL_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior ok:
      assumes sig != \null && sig->magic == SQ_POLL_SIGNAL_MAGIC;
      ensures PL07: \result == SQ_OK && sig->raised == 1 && sig->result == result;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_poll_signal_raise(sq_poll_signal_t *sig, int32_t result)
{
    if (sig == NULL) {
        return SQ_ERR_NULL;
    }
    if (sig->magic != SQ_POLL_SIGNAL_MAGIC) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    /* Woken pollers run after the unlock, when both fields are set. */
    sq_poll_notify_locked(sig);
    sig->result = result;
    sig->raised = 1u;
    return sq_sched_reschedule_unlock(key, SQ_OK);
}

/*@ requires sig == \null || \valid(sig);
    assigns sig->raised;
    ensures PL02: \forall sq_poll_event_t *ev; \separated(ev, sig) ==> ev->ready == \old(ev->ready);
    behavior null_arg:
      assumes sig == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad:
      assumes sig != \null && sig->magic != SQ_POLL_SIGNAL_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior ok:
      assumes sig != \null && sig->magic == SQ_POLL_SIGNAL_MAGIC;
      ensures PL08: \result == SQ_OK && sig->raised == 0;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_poll_signal_reset(sq_poll_signal_t *sig)
{
    if (sig == NULL) {
        return SQ_ERR_NULL;
    }
    if (sig->magic != SQ_POLL_SIGNAL_MAGIC) {
        return SQ_ERR_INVALID;
    }
    /* One store: no lock needed against a raise. */
    sig->raised = 0u;
    return SQ_OK;
}

/*@ requires sig == \null || \valid_read(sig);
    requires raised == \null || \valid(raised);
    requires result == \null || \valid(result);
    requires \separated(raised, result);
    assigns *raised, *result;
    behavior null_arg:
      assumes sig == \null || raised == \null || result == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad:
      assumes sig != \null && raised != \null && result != \null;
      assumes sig->magic != SQ_POLL_SIGNAL_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior ok:
      assumes sig != \null && raised != \null && result != \null;
      assumes sig->magic == SQ_POLL_SIGNAL_MAGIC;
      ensures \result == SQ_OK && *raised == sig->raised && *result == sig->result;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_poll_signal_check(const sq_poll_signal_t *sig, uint32_t *raised,
                                 int32_t *result)
{
    if (sig == NULL || raised == NULL || result == NULL) {
        return SQ_ERR_NULL;
    }
    if (sig->magic != SQ_POLL_SIGNAL_MAGIC) {
        return SQ_ERR_INVALID;
    }
    /* Under the lock, so the pair is one raise's. */
    sq_irq_key_t key = sq_port_irq_lock();
    *raised = sig->raised;
    *result = sig->result;
    sq_port_irq_unlock(key);
    return SQ_OK;
}

/* Bad input, checked before anything changes. */
/*@ requires events == \null || count == 0 || \valid_read(events + (0 .. count - 1));
    assigns \nothing;
    ensures events == \null ==> \result == SQ_ERR_NULL;
    ensures events != \null && count == 0 ==> \result == SQ_ERR_ZERO_LENGTH;
    ensures \result == SQ_OK <==> events != \null && count != 0 &&
      \forall integer i; 0 <= i < count ==> sq_poll_event_valid(events + i);
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_ZERO_LENGTH ||
            \result == SQ_ERR_INVALID;
*/
static sq_status_t sq_poll_check(const sq_poll_event_t *events, uint32_t count)
{
    if (events == NULL) {
        return SQ_ERR_NULL;
    }
    if (count == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    /*@ loop invariant 0 <= i <= count;
        loop invariant \forall integer j; 0 <= j < i ==> sq_poll_event_valid(events + j);
        loop assigns i;
        loop variant count - i;
    */
    for (uint32_t i = 0; i < count; i++) {
        if (events[i].object == NULL) {
            return SQ_ERR_NULL;
        }
        if (events[i].type < SQ_POLL_SEM_AVAILABLE || events[i].type > SQ_POLL_SIGNAL ||
            (events[i].type == SQ_POLL_EVENTS_ANY && events[i].mask == 0u)) {
            return SQ_ERR_INVALID;
        }
    }
    return SQ_OK;
}

/* Whether `ev`'s condition holds now. */
/*@ requires \valid_read(ev) && sq_poll_event_ok(ev, ev);
    assigns \nothing;
    ensures \result <==> sq_poll_holds(ev);
    ensures PL03: ev->type == SQ_POLL_SEM_AVAILABLE ==>
      (\result <==> sq_poll_sem(ev->object)->count > 0);
    ensures PL04: ev->type == SQ_POLL_SIGNAL ==>
      (\result <==> sq_poll_sig(ev->object)->raised != 0);
*/
static bool sq_poll_event_holds(const sq_poll_event_t *ev)
{
    const sq_poll_signal_t *sig;
    uint32_t word;
    switch (ev->type) {
    case SQ_POLL_SEM_AVAILABLE:
        return sq_sem_count(sq_poll_as_sem(ev->object)) > 0u;
    case SQ_POLL_EVENTS_ANY:
        word = sq_event_get(sq_poll_as_event(ev->object));
        /*@ assert word == sq_poll_word(ev->object)->word; */
        return (word & ev->mask) != 0u;
    case SQ_POLL_RING_DATA:
        return sq_ring_buf_size(sq_poll_as_ring(ev->object)) > 0u;
    case SQ_POLL_RING_SPACE:
        return sq_ring_buf_space(sq_poll_as_ring(ev->object)) > 0u;
    case SQ_POLL_TYPED_RING_DATA:
        return sq_typed_ring_buf_elements_available(sq_poll_as_typed(ev->object)) > 0u;
    case SQ_POLL_TYPED_RING_SPACE:
        return sq_typed_ring_buf_space_available(sq_poll_as_typed(ev->object)) > 0u;
    default: /* SQ_POLL_SIGNAL, the one type left after sq_poll_check */
        sig = sq_poll_as_signal(ev->object);
        return sig->raised != 0u;
    }
}

/* Mark every event 1 if its condition holds, else 0; whether any does.
 * Conditions are read, never written, so \old of a condition is its value
 * during the whole evaluation. */
/*@ requires sq_poll_events_ok(events, count);
    assigns events[0 .. count - 1].ready;
    ensures PL06: \forall integer i; 0 <= i < count ==>
      (\old(sq_poll_holds(events + i)) ? events[i].ready == 1 : events[i].ready == 0);
    ensures PL01: \forall integer i; 0 <= i < count && !\old(sq_poll_holds(events + i)) ==>
      events[i].ready == 0;
    ensures PL03: \forall integer i; 0 <= i < count &&
      \old(events[i].type) == SQ_POLL_SEM_AVAILABLE ==>
      (events[i].ready == 1 <==> \old(sq_poll_sem(events[i].object)->count) > 0);
    ensures PL04: \forall integer i; 0 <= i < count &&
      \old(events[i].type) == SQ_POLL_SIGNAL ==>
      (events[i].ready == 1 <==> \old(sq_poll_sig(events[i].object)->raised) != 0);
    ensures \result <==> \old(sq_poll_any(events, count));
    ensures \result <==> \exists integer i; 0 <= i < count && events[i].ready == 1;
*/
static bool sq_poll_evaluate(sq_poll_event_t *events, uint32_t count)
{
    bool any = false;
    /*@ loop invariant 0 <= i <= count;
        loop invariant \forall integer j; 0 <= j < i && \at(sq_poll_holds(events + j), Pre) ==>
          events[j].ready == 1;
        loop invariant \forall integer j; 0 <= j < i && !\at(sq_poll_holds(events + j), Pre) ==>
          events[j].ready == 0;
        loop invariant any <==> \exists integer j; 0 <= j < i && events[j].ready == 1;
        loop assigns i, any, events[0 .. count - 1].ready;
        loop variant count - i;
    */
    for (uint32_t i = 0; i < count; i++) {
        /*@ assert apart: \forall integer j; 0 <= j < count ==>
              sq_poll_event_ok(events + j, events + i); */
        bool holds = sq_poll_event_holds(&events[i]);
        /*@ assert unchanged: \let k = i; holds <==> \at(sq_poll_holds(events + k), Pre); */
        events[i].ready = holds ? 1 : 0;
        /*@ assert kept: \forall integer j; 0 <= j < i ==>
              (\at(sq_poll_holds(events + j), Pre) ? events[j].ready == 1 : events[j].ready == 0); */
        any = any || holds;
    }
    return any;
}

/* The filter of `events`: every object's bit. */
/*@ requires sq_poll_events_ok(events, count);
    assigns \nothing;
    ensures \result == sq_poll_filter_of(events, count);
*/
static uint32_t sq_poll_filter(const sq_poll_event_t *events, uint32_t count)
{
    uint32_t filter = 0u;
    /*@ loop invariant 0 <= i <= count;
        loop invariant filter == sq_poll_filter_of(events, i);
        loop assigns i, filter;
        loop variant count - i;
    */
    for (uint32_t i = 0; i < count; i++) {
        filter |= sq_poll_object_bit(events[i].object);
    }
    return filter;
}

/* The whole decision, under the lock. SQ_OK: something is ready;
 * SQ_WAITING: now on sq_poll_queue; else failed. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && sq_poll_events_ok(events, count);
    requires \separated(events + (0 .. count - 1), sq_kernel.current);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    assigns events[0 .. count - 1].ready, sq_kernel.current->wait_value,
            sq_kernel.current->queue, sq_kernel.current->ticket,
            sq_kernel.current->state, sq_kernel.current->wait_result,
            sq_kernel.next_ticket,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count,
            sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures PL06: \forall integer i; 0 <= i < count ==>
      (\old(sq_poll_holds(events + i)) ? events[i].ready == 1 : events[i].ready == 0);
    ensures PL05: \result == SQ_OK <==> \exists integer i; 0 <= i < count && events[i].ready == 1;
    behavior ready:
      assumes sq_poll_any(events, count);
      ensures PL05: \result == SQ_OK;
    behavior busy:
      assumes !sq_poll_any(events, count) && timeout == SQ_NO_WAIT;
      ensures \result == SQ_ERR_BUSY;
    behavior isr:
      assumes !sq_poll_any(events, count) && timeout != SQ_NO_WAIT && in_isr;
      ensures \result == SQ_ERR_IN_ISR;
    behavior wait:
      assumes !sq_poll_any(events, count) && timeout != SQ_NO_WAIT && !in_isr;
      ensures \result == SQ_WAITING ==>
        sq_kernel.current->state == SQ_THREAD_PENDING &&
        sq_kernel.current->queue == &sq_poll_queue &&
        sq_kernel.current->wait_value == \old(sq_poll_filter_of(events, count));
      ensures \result != SQ_WAITING ==> \result == SQ_ERR_FULL || \result == SQ_ERR_STATE;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_poll_locked(sq_poll_event_t *events, uint32_t count, sq_timeout_t timeout,
                                  bool in_isr)
{
    if (sq_poll_evaluate(events, count)) {
        return SQ_OK;
    }
    if (timeout == SQ_NO_WAIT) {
        return SQ_ERR_BUSY;
    }
    if (in_isr) {
        return SQ_ERR_IN_ISR;
    }
    sq_kernel.current->wait_value = sq_poll_filter(events, count);
    return sq_sched_pend(&sq_poll_queue, timeout);
}

/* Not proven by WP: after a wake it runs sq_poll_locked again, and what
 * holds when a switched-out thread runs again (READY, timeout disarmed) is
 * the scheduler's doing, outside WP's sequential view. */
sq_status_t sq_poll(sq_poll_event_t *events, uint32_t count, sq_timeout_t timeout)
{
    sq_status_t st = sq_poll_check(events, count);
    if (st != SQ_OK) {
        return st;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    const sq_tick_t deadline = sq_tick_deadline(sq_kernel.now, timeout);
    for (;;) {
        st = sq_poll_locked(events, count, sq_tick_remaining(sq_kernel.now, deadline),
                            sq_port_in_isr());
        if (st != SQ_WAITING) {
            break;
        }
        /* Woken: by a change (look again), or with an error (every ready
         * flag is still 0 from the evaluation before the wait). */
        st = sq_sched_unlock_result(key, st);
        if (st != SQ_OK) {
            return st;
        }
        key = sq_port_irq_lock();
    }
    sq_port_irq_unlock(key);
    /* Nothing ready when the time that was left ran out. */
    return st == SQ_ERR_BUSY && timeout != SQ_NO_WAIT ? SQ_ERR_TIMEOUT : st;
}
