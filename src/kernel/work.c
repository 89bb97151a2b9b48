/*
 * squall: work queue (include/squall/work.h).
 *
 * The ring holds the queued items from `head` on, `count` of them,
 * wrapping at `capacity` (sq_wq_pos). Each entry is an item that knows it
 * is queued there (queued flag, queue, slot: sq_wq_entry) or NULL, left by
 * a cancel; the worker steps over NULL entries, so a cancel is O(1) and
 * the others keep their order (WQ01). Items in the ring lie apart, so none
 * is there twice (WQ02).
 *
 * Every decision is taken under the kernel lock in a function of its own
 * (sq_work_refusal, sq_work_push_locked, sq_work_pop_locked,
 * sq_work_cancel_locked, sq_work_ring_reset), proven by WP; the calls that
 * lock and then give the semaphore, start or stop the timer, start the
 * worker or run a handler through its pointer are skipped by
 * proofs/wp/prove.sh and run by tests/test_work.c.
 *
 * No lost wake-up: a submit gives `wake` after putting the item in the
 * ring; the worker looks at the ring under the lock and waits on `wake`
 * only after finding it empty, so an item queued after that look has
 * given `wake` (count 1) and the wait returns at once.
 */
#include <squall/work.h>
#include <squall/thread.h>
#include "port.h"

/*@ predicate sq_wq_shape(sq_work_queue_t *q) =
      0 < q->capacity <= SQ_WORK_QUEUE_MAX_SLOTS && q->head < q->capacity &&
      q->count <= q->capacity &&
      \valid(q->slots + (0 .. q->capacity - 1)) &&
      \separated(q->slots + (0 .. q->capacity - 1), q);

    // The ring index of the i-th queued entry (0: the head).
    logic integer sq_wq_pos(sq_work_queue_t *q, integer i) =
      q->head + i < q->capacity ? q->head + i : q->head + i - q->capacity;

    logic sq_work_t *sq_wq_at(sq_work_queue_t *q, integer i) = q->slots[sq_wq_pos(q, i)];

    // Ring index p holds a queued entry: it is fewer than count steps
    // from the head.
    predicate sq_wq_live(sq_work_queue_t *q, integer p) =
      0 <= p < q->capacity &&
      (p >= q->head ? p - q->head : p + q->capacity - q->head) < q->count;

    // An entry at ring index p: cancelled, or an item queued there, lying
    // apart from the queue and its slots.
    predicate sq_wq_entry(sq_work_queue_t *q, sq_work_t *w, integer p) =
      w == \null ||
      (\valid(w) && w->queued && w->queue == q && w->slot == p &&
       \separated(w, q) && \separated(w, q->slots + (0 .. q->capacity - 1)));

    predicate sq_wq_ok(sq_work_queue_t *q) =
      q->magic == SQ_WORK_QUEUE_MAGIC ==>
        sq_wq_shape(q) &&
        (\forall integer p; sq_wq_live(q, p) ==> sq_wq_entry(q, q->slots[p], p)) &&
        (\forall integer p1, p2; sq_wq_live(q, p1) && sq_wq_live(q, p2) && p1 != p2 &&
           q->slots[p1] != \null && q->slots[p2] != \null ==>
           \separated(q->slots[p1], q->slots[p2]));

    // WQ02: no item is in the ring twice.
    predicate sq_wq_once(sq_work_queue_t *q) =
      \forall integer p1, p2; sq_wq_live(q, p1) && sq_wq_live(q, p2) && p1 != p2 &&
        q->slots[p1] != \null ==> q->slots[p1] != q->slots[p2];

    predicate sq_wq_holds(sq_work_queue_t *q, sq_work_t *w) =
      \exists integer p; sq_wq_live(q, p) && q->slots[p] == w;

    // Caller memory: w overlaps no item in q's ring but itself.
    predicate sq_wq_apart(sq_work_queue_t *q, sq_work_t *w) =
      \forall integer p; sq_wq_live(q, p) && q->slots[p] != \null && q->slots[p] != w ==>
        \separated(w, q->slots[p]);

    // A queued item is where it says (push establishes it; the caller of
    // cancel keeps it: the kernel has no list of items to state it over).
    predicate sq_work_placed(sq_work_t *w) =
      w->queued ==>
        \valid(w->queue) && w->queue->magic == SQ_WORK_QUEUE_MAGIC && sq_wq_ok(w->queue) &&
        w->slot < w->queue->capacity && w->queue->slots[w->slot] == w &&
        sq_wq_apart(w->queue, w) &&
        \separated(w, w->queue) && \separated(w, w->queue->slots + (0 .. w->queue->capacity - 1));
*/

/*@ predicate sq_work_accepted(sq_work_queue_t *q, sq_work_t *w, integer reschedule) =
      q->magic == SQ_WORK_QUEUE_MAGIC && w->handler != \null && !w->queued &&
      (reschedule != 0 || !w->delayed) && (!w->running || w->queue == q);
*/

/* Why a submit (reschedule false) or a schedule (true) of `w` on `q` is
 * refused, or SQ_OK. */
/*@ requires \valid_read(q) && \valid_read(w);
    assigns \nothing;
    ensures WQ06: \result == SQ_OK <==> sq_work_accepted(q, w, reschedule);
    ensures WQ06: \result == SQ_OK || \result == SQ_ERR_STATE || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_BUSY;
*/
static sq_status_t sq_work_refusal(sq_work_queue_t *q, sq_work_t *w, bool reschedule)
{
    if (q->magic != SQ_WORK_QUEUE_MAGIC) {
        return SQ_ERR_STATE;
    }
    if (w->handler == NULL) {
        return SQ_ERR_INVALID;
    }
    /* Pending already: it will run once for both submits. A handler
     * running on another queue's worker would run twice at once. */
    if (w->queued || (w->delayed && !reschedule) || (w->running && w->queue != q)) {
        return SQ_ERR_BUSY;
    }
    return SQ_OK;
}

/* Put `w` at the tail of q's ring, unless sq_work_refusal or a full ring
 * says no. */
/*@ requires \valid(q) && \valid(w) && \separated(w, q);
    requires sq_wq_ok(q) && sq_wq_apart(q, w);
    requires q->magic == SQ_WORK_QUEUE_MAGIC ==> \separated(w, q->slots + (0 .. q->capacity - 1));
    assigns q->slots[0 .. q->capacity - 1], q->count, w->queued, w->queue, w->slot;
    ensures sq_wq_ok(q);
    ensures WQ05: q->magic == SQ_WORK_QUEUE_MAGIC ==> q->count <= q->capacity;
    behavior refused:
      assumes !sq_work_accepted(q, w, 0) || q->count == q->capacity;
      assigns \nothing;
      ensures WQ03: \result != SQ_OK;
      ensures WQ03: \result == SQ_ERR_STATE || \result == SQ_ERR_INVALID ||
                    \result == SQ_ERR_BUSY || \result == SQ_ERR_FULL;
    behavior queued:
      assumes sq_work_accepted(q, w, 0) && q->count < q->capacity;
      ensures \result == SQ_OK && w->queued && w->queue == q && sq_work_placed(w);
      ensures WQ02: sq_wq_once(q);
      ensures WQ01: q->count == \old(q->count) + 1 && q->head == \old(q->head) &&
        sq_wq_at(q, \old(q->count)) == w &&
        \forall integer i; 0 <= i < \old(q->count) ==> sq_wq_at(q, i) == \at(sq_wq_at(q, i), Pre);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_work_push_locked(sq_work_queue_t *q, sq_work_t *w)
{
    sq_status_t st = sq_work_refusal(q, w, false);
    if (st != SQ_OK) {
        return st;
    }
    if (q->count == q->capacity) {
        return SQ_ERR_FULL;
    }
    uint32_t tail = q->capacity - q->head > q->count ? q->head + q->count
                                                      : q->count - (q->capacity - q->head);
    /*@ assert push_tail: tail == sq_wq_pos(q, q->count) && tail < q->capacity &&
               !sq_wq_live(q, tail) && !sq_wq_holds(q, w); */
    q->slots[tail] = w;
    q->count++;
    /*@ assert push_live: \forall integer p; sq_wq_live(q, p) <==>
               (\at(sq_wq_live(q, p), Pre) || p == tail); */
    /*@ assert push_kept: \forall integer p; \at(sq_wq_live(q, p), Pre) ==>
               q->slots[p] == \at(q->slots[p], Pre); */
    /*@ assert push_order: \forall integer i; 0 <= i < \at(q->count, Pre) ==>
               \at(sq_wq_live(q, sq_wq_pos(q, i)), Pre) &&
               q->slots[sq_wq_pos(q, i)] == \at(sq_wq_at(q, i), Pre); */
    /*@ assert push_apart: \forall integer p; \at(sq_wq_live(q, p), Pre) && q->slots[p] != \null ==>
               q->slots[p] != w && \separated(w, q->slots[p]); */
    w->queued = true;
    w->queue = q;
    w->slot = tail;
    /*@ assert push_old: \forall integer p; \at(sq_wq_live(q, p), Pre) ==>
               sq_wq_entry(q, q->slots[p], p); */
    /*@ assert push_new: sq_wq_entry(q, w, tail); */
    /*@ assert push_entries: \forall integer p; sq_wq_live(q, p) ==> sq_wq_entry(q, q->slots[p], p); */
    /*@ assert push_sep: \forall integer p1, p2; sq_wq_live(q, p1) && sq_wq_live(q, p2) && p1 != p2 &&
               q->slots[p1] != \null && q->slots[p2] != \null ==>
               \separated(q->slots[p1], q->slots[p2]); */
    /*@ assert push_ok: sq_wq_ok(q); */
    /*@ assert push_fifo: \forall integer i; 0 <= i < \at(q->count, Pre) ==>
               sq_wq_at(q, i) == \at(sq_wq_at(q, i), Pre); */
    return SQ_OK;
}

/* Take the ring's head entry (NULL: a cancelled one); the item taken, if
 * any, is running. */
/*@ requires \valid(q) && q->magic == SQ_WORK_QUEUE_MAGIC && sq_wq_ok(q) && q->count > 0;
    assigns q->head, q->count, sq_wq_at(q, 0)->queued, sq_wq_at(q, 0)->running;
    ensures sq_wq_ok(q);
    ensures WQ01: \result == \old(sq_wq_at(q, 0)) && q->count == \old(q->count) - 1 &&
      \forall integer i; 0 <= i < q->count ==> sq_wq_at(q, i) == \at(sq_wq_at(q, i + 1), Pre);
    ensures WQ02: \result != \null ==> !\result->queued && \result->running && !sq_wq_holds(q, \result);
*/
static sq_work_t *sq_work_pop_locked(sq_work_queue_t *q)
{
    sq_work_t *w = q->slots[q->head];
    /*@ assert pop_head: sq_wq_live(q, q->head) && sq_wq_entry(q, w, q->head); */
    q->head = q->head + 1u == q->capacity ? 0u : q->head + 1u;
    q->count--;
    /*@ assert pop_live: \forall integer p; sq_wq_live(q, p) ==>
               \at(sq_wq_live(q, p), Pre) && p != \at(q->head, Pre); */
    if (w != NULL) {
        w->queued = false;
        w->running = true;
    }
    return w;
}

/* Take back w's pending run: out of its ring (a NULL entry left in its
 * place) and no longer delayed. The caller stops a delayed item's timer. */
/*@ requires \valid(w) && sq_work_placed(w);
    assigns w->queue->slots[w->slot], w->queued, w->delayed;
    ensures WQ04: !w->queued && !w->delayed;
    ensures WQ04: \old(w->queued) ==> !sq_wq_holds(w->queue, w) && sq_wq_ok(w->queue);
    ensures \result == SQ_OK <==> \old(w->queued) || \old(w->delayed);
    ensures \result == SQ_OK || \result == SQ_ERR_NOT_FOUND;
*/
static sq_status_t sq_work_cancel_locked(sq_work_t *w)
{
    sq_status_t st = w->queued || w->delayed ? SQ_OK : SQ_ERR_NOT_FOUND;
    if (w->queued) {
        w->queue->slots[w->slot] = NULL;
        w->queued = false;
    }
    w->delayed = false;
    return st;
}

/* An empty ring over `slots`. */
/*@ requires \valid(q) && 0 < capacity <= SQ_WORK_QUEUE_MAX_SLOTS;
    requires \valid(slots + (0 .. capacity - 1)) && \separated(slots + (0 .. capacity - 1), q);
    assigns q->slots, q->capacity, q->head, q->count, q->magic;
    ensures WQ05: sq_wq_ok(q) && q->magic == SQ_WORK_QUEUE_MAGIC && q->count == 0 &&
      q->slots == slots && q->capacity == capacity;
*/
static void sq_work_ring_reset(sq_work_queue_t *q, sq_work_t **slots, uint32_t capacity)
{
    q->slots = slots;
    q->capacity = capacity;
    q->head = 0u;
    q->count = 0u;
    q->magic = SQ_WORK_QUEUE_MAGIC;
}

sq_status_t sq_work_queue_init(sq_work_queue_t *q, sq_work_t **slots, uint32_t capacity)
{
    if (q == NULL || slots == NULL) {
        return SQ_ERR_NULL;
    }
    if (capacity == 0u || capacity > SQ_WORK_QUEUE_MAX_SLOTS) {
        return SQ_ERR_CAPACITY;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    /* Queued items would be lost; a waiting worker keeps sq_sem_init from
     * zeroing the semaphore (SQ_ERR_BUSY). */
    if (q->magic != SQ_WORK_QUEUE_MAGIC || q->count == 0u) {
        st = sq_sem_init(&q->wake, 0u, 1u);
        if (st == SQ_OK) {
            sq_work_ring_reset(q, slots, capacity);
        }
    }
    sq_port_irq_unlock(key);
    return st;
}

/* The worker: every entry of the ring in order, then a wait for the next
 * submit. A handler may submit its own item again: it was taken off the
 * ring before it ran. */
static void sq_work_worker(void *arg)
{
    sq_work_queue_t *q = arg;
    for (;;) {
        sq_irq_key_t key = sq_port_irq_lock();
        bool empty = q->count == 0u;
        sq_work_t *w = empty ? NULL : sq_work_pop_locked(q);
        sq_port_irq_unlock(key);
        if (empty) {
            (void)sq_sem_take(&q->wake, SQ_FOREVER);
        } else if (w != NULL) {
            w->handler(w);
            key = sq_port_irq_lock();
            w->running = false;
            sq_port_irq_unlock(key);
        }
    }
}

sq_status_t sq_work_queue_start(sq_work_queue_t *q, sq_thread_t *thread, uint32_t prio)
{
    if (q == NULL || thread == NULL) {
        return SQ_ERR_NULL;
    }
    if (q->magic != SQ_WORK_QUEUE_MAGIC) {
        return SQ_ERR_STATE;
    }
    return sq_thread_start(thread, sq_work_worker, q, prio, 0u);
}

/*@ requires w == \null || \valid(w);
    assigns w->handler;
    behavior null_arg:
      assumes w == \null || handler == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior busy:
      assumes w != \null && handler != \null && (w->queued || w->delayed || w->running);
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior ok:
      assumes w != \null && handler != \null && !w->queued && !w->delayed && !w->running;
      ensures \result == SQ_OK && w->handler == handler;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_work_init(sq_work_t *w, void (*handler)(sq_work_t *work))
{
    if (w == NULL || handler == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    if (!w->queued && !w->delayed && !w->running) {
        w->handler = handler;
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

sq_status_t sq_work_submit(sq_work_queue_t *q, sq_work_t *w)
{
    if (q == NULL || w == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_work_push_locked(q, w);
    if (st == SQ_OK) {
        /* At most 1: SQ_ERR_FULL means a wake-up is already due. */
        (void)sq_sem_give(&q->wake);
    }
    sq_port_irq_unlock(key);
    return st;
}

/* The item's timer expired (tick interrupt, kernel lock held): queue it,
 * or with its queue full try again at the next tick. */
static void sq_work_expired(sq_timer_t *timer)
{
    sq_work_t *w = timer->user_data;
    w->delayed = false;
    if (sq_work_submit(w->queue, w) == SQ_ERR_FULL) {
        w->delayed = true;
        (void)sq_timer_start(timer, SQ_NO_WAIT, 0u);
    }
}

sq_status_t sq_work_schedule(sq_work_queue_t *q, sq_work_t *w, sq_timeout_t delay)
{
    if (delay == SQ_NO_WAIT) {
        return sq_work_submit(q, w);
    }
    if (q == NULL || w == NULL) {
        return SQ_ERR_NULL;
    }
    if (delay == SQ_FOREVER) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_work_refusal(q, w, true);
    if (st == SQ_OK) {
        /* A delayed item's timer restarts (sq_timer_start disarms it
         * first, so it finds the slot it frees); an idle one's is set up. */
        if (!w->delayed) {
            st = sq_timer_init(&w->timer, sq_work_expired, w);
        }
        if (st == SQ_OK) {
            st = sq_timer_start(&w->timer, delay, 0u);
        }
        if (st == SQ_OK) {
            w->delayed = true;
            w->queue = q;
        }
    }
    sq_port_irq_unlock(key);
    return st;
}

sq_status_t sq_work_cancel(sq_work_t *w)
{
    if (w == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    if (w->delayed) {
        (void)sq_timer_stop(&w->timer);
    }
    sq_status_t st = sq_work_cancel_locked(w);
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires w == \null || \valid_read(w);
    assigns \nothing;
    ensures w == \null ==> \result == 0;
    ensures w != \null ==> \result ==
      (w->queued ? SQ_WORK_QUEUED : 0) + (w->delayed ? SQ_WORK_DELAYED : 0) +
      (w->running ? SQ_WORK_RUNNING : 0);
*/
uint32_t sq_work_state(const sq_work_t *w)
{
    if (w == NULL) {
        return 0u;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    uint32_t state = (w->queued ? SQ_WORK_QUEUED : 0u) + (w->delayed ? SQ_WORK_DELAYED : 0u) +
                     (w->running ? SQ_WORK_RUNNING : 0u);
    sq_port_irq_unlock(key);
    return state;
}
