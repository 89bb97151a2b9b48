/*
 * squall work queue: deferred work, submitted by threads or interrupts and
 * run by one kernel thread (the queue's worker) one item at a time, in
 * submission order (WQ01).
 *
 * A work item is a handler and its state; the caller owns it and may embed
 * it in a larger object (the handler gets the item's address back). The
 * worker writes the item once more after its handler returns: the item
 * must stay valid until then (do not free its memory in the handler). The
 * queue is a caller-sized ring of item pointers: a submit puts the item at
 * the tail, the worker takes the head. An item is in a queue at most once
 * (WQ02): submitting one that is pending (queued, or waiting out a delay)
 * changes nothing and says so (SQ_ERR_BUSY); a full queue refuses with
 * SQ_ERR_FULL and changes nothing (WQ03). While its handler runs the item
 * is no longer queued, so the handler (or anyone) may submit it again: it
 * then runs once more after the items queued before it.
 *
 * A delayable submit (sq_work_schedule) arms the item's kernel timer; at
 * its expiry, in the tick interrupt, the item goes to the queue's tail, so
 * it runs no earlier than `delay` ticks after the call. Scheduling an item
 * whose delay is pending restarts the delay from now with the new value
 * (and the new queue); scheduling a queued item is refused (SQ_ERR_BUSY).
 * If the queue is full at the expiry, the item stays delayed and tries
 * again at each following tick.
 *
 * Cancel takes a pending run back: a queued item leaves the queue (its
 * slot is reclaimed when the worker reaches it) and a delayed one's timer
 * stops (WQ04). A handler that runs now is not stopped: it finishes, and
 * sq_work_state reports SQ_WORK_RUNNING until then.
 *
 * An item runs on one queue at a time: submitting or scheduling an item
 * whose handler runs on another queue's worker is refused (SQ_ERR_BUSY).
 * Properties WQ01-WQ06 are the named clauses of src/kernel/work.c
 * (docs/VERIFICATION.md).
 */
#ifndef SQUALL_WORK_H
#define SQUALL_WORK_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/kernel.h>
#include <squall/sem.h>
#include <squall/timer.h>

struct sq_work_queue;

typedef struct sq_work {
    void (*handler)(struct sq_work *work);
    /** The queue it is queued, delayed or running on (meaningful while
     *  one of the flags below is set). */
    struct sq_work_queue *queue;
    /** Its index in queue->slots while queued. */
    uint32_t slot;
    bool queued;
    bool delayed;
    bool running;
    /** Armed while delayed; its expiry queues the item. */
    sq_timer_t timer;
} sq_work_t;

typedef struct sq_work_queue {
    /** capacity item pointers; the queued items are the `count` entries
     *  from `head` on, wrapping (an entry is NULL once its item was
     *  cancelled). */
    sq_work_t **slots;
    uint32_t capacity;
    uint32_t head;
    uint32_t count;
    /** SQ_WORK_QUEUE_MAGIC once initialised. */
    uint32_t magic;
    /** Given at each submit; the worker waits on it when the ring is
     *  empty (at most 1: one wake-up covers every item queued before it). */
    sq_sem_t wake;
} sq_work_queue_t;

#define SQ_WORK_QUEUE_MAGIC 0x57524b31u
/** Most slots in one queue. */
#define SQ_WORK_QUEUE_MAX_SLOTS 65535u

/** sq_work_state's bits. */
#define SQ_WORK_QUEUED 1u
#define SQ_WORK_DELAYED 2u
#define SQ_WORK_RUNNING 4u

/**
 * Define and initialise a queue `name` of `n` slots (1 ..
 * SQ_WORK_QUEUE_MAX_SLOTS). At file scope, with or without `static` in
 * front; end it with a semicolon. The slots are a static compound literal.
 * Start its worker with sq_work_queue_start.
 */
#define SQ_WORK_QUEUE_DEFINE(name, n)                                         \
    sq_work_queue_t name = {(sq_work_t *[(n)]){0}, (n), 0u, 0u,               \
                            SQ_WORK_QUEUE_MAGIC, {0u, 1u, SQ_SEM_MAGIC, {0}}}; \
    _Static_assert((n) > 0u && (n) <= SQ_WORK_QUEUE_MAX_SLOTS, "work queue size out of range")

/** Define an idle work item `name` running `handler_fn` (not NULL). With
 *  or without `static` in front. */
#define SQ_WORK_DEFINE(name, handler_fn) sq_work_t name = {.handler = (handler_fn)}

/**
 * Initialise `q` over `slots` (`capacity` entries), empty. SQ_ERR_NULL,
 * SQ_ERR_CAPACITY (0 or above SQ_WORK_QUEUE_MAX_SLOTS), SQ_ERR_BUSY (an
 * initialised queue with items queued, or its worker waiting on it).
 */
sq_status_t sq_work_queue_init(sq_work_queue_t *q, sq_work_t **slots, uint32_t capacity);

/**
 * Start q's worker on `thread` (defined with SQ_THREAD_DEFINE, not
 * running) at priority `prio`. SQ_ERR_NULL, SQ_ERR_STATE (q not
 * initialised), and sq_thread_start's refusals (SQ_ERR_INVALID for a
 * priority above SQ_PRIO_LOWEST, SQ_ERR_STATE for a thread already
 * started, ...). Items submitted before the start run once it runs.
 */
sq_status_t sq_work_queue_start(sq_work_queue_t *q, sq_thread_t *thread, uint32_t prio);

/** Make `w` an idle item running `handler`. SQ_ERR_NULL (w or handler),
 *  SQ_ERR_BUSY (w is queued, delayed or running). */
sq_status_t sq_work_init(sq_work_t *w, void (*handler)(sq_work_t *work));

/**
 * Queue `w` on `q` (threads and interrupts). SQ_OK, SQ_ERR_NULL,
 * SQ_ERR_STATE (q not initialised), SQ_ERR_INVALID (w has no handler),
 * SQ_ERR_BUSY (w is already queued or delayed: it will run once; or its
 * handler runs on another queue), SQ_ERR_FULL (every slot taken). Nothing
 * changes unless SQ_OK.
 */
sq_status_t sq_work_submit(sq_work_queue_t *q, sq_work_t *w);

/**
 * Queue `w` on `q` `delay` ticks from now (threads and interrupts); delay
 * SQ_NO_WAIT is sq_work_submit. A delayed item is rescheduled: its delay
 * restarts from now. SQ_OK, the refusals of sq_work_submit (SQ_ERR_BUSY:
 * already queued, or running on another queue; SQ_ERR_FULL: only for
 * SQ_NO_WAIT), SQ_ERR_INVALID (delay SQ_FOREVER), SQ_ERR_FULL (no free
 * timeout slot in the kernel). Nothing changes unless SQ_OK.
 */
sq_status_t sq_work_schedule(sq_work_queue_t *q, sq_work_t *w, sq_timeout_t delay);

/**
 * Take back w's pending run (threads and interrupts): queued or delayed,
 * it will not run for that submit. SQ_OK (it was pending), SQ_ERR_NOT_FOUND
 * (nothing was pending; a run in progress is not stopped), SQ_ERR_NULL.
 */
sq_status_t sq_work_cancel(sq_work_t *w);

/** w's state: SQ_WORK_QUEUED, SQ_WORK_DELAYED, SQ_WORK_RUNNING or'ed
 *  (0: idle; 0 for NULL). */
uint32_t sq_work_state(const sq_work_t *w);

#endif /* SQUALL_WORK_H */
