/*
 * squall waitable sets: the event aggregator behind the Component Model's
 * `waitable-set.wait` and `waitable-set.poll`.
 *
 * A waitable (a stream or future end, a subtask: whatever the caller says)
 * joins at most one set, under a join id the caller chooses (the P3 layer
 * uses the waitable's handle index). Posting an event on a waitable makes
 * it pending; a waitable holds at most one pending event. A set delivers
 * the pending events of its members as {code, join_id, payload}, oldest
 * pending first: the order in which they became pending in this set (a
 * waitable that joins with an event already pending counts from its join).
 *
 * Cost: a set keeps its pending members in an array in delivery order, so
 * poll and wait take the first entry and move the others up: O(pending),
 * whatever the number of members. Join and post are O(1); leave and clear
 * of a pending waitable are O(pending).
 *
 * Properties (named clauses in src/tasks/waitable_set.c's contracts, see
 * docs/VERIFICATION.md):
 *   PL09  a delivered event's code is one of SQ_WAIT_EVENT_SUBTASK ..
 *         SQ_WAIT_EVENT_CANCELLED (NONE only when nothing was pending);
 *   PL10  its join id is that of a waitable joined to this set at delivery;
 *   PL11  a cancellation is delivered exactly once: it cannot be
 *         overwritten or withdrawn while pending, and delivering it clears
 *         it.
 * Every call that fails returns a negative sq_status_t and changes nothing.
 */
#ifndef SQUALL_WAITABLE_SET_H
#define SQUALL_WAITABLE_SET_H

#include <stdint.h>
#include <squall/kernel.h>

/** Event codes, exactly the Component Model's. */
typedef enum sq_wait_event_code {
    SQ_WAIT_EVENT_NONE = 0,
    SQ_WAIT_EVENT_SUBTASK = 1,
    SQ_WAIT_EVENT_STREAM_READ = 2,
    SQ_WAIT_EVENT_STREAM_WRITE = 3,
    SQ_WAIT_EVENT_FUTURE_READ = 4,
    SQ_WAIT_EVENT_FUTURE_WRITE = 5,
    SQ_WAIT_EVENT_CANCELLED = 6
} sq_wait_event_code_t;

/** A delivered event. */
typedef struct sq_wait_event {
    uint32_t code;     /**< an sq_wait_event_code_t */
    uint32_t join_id;  /**< the id the waitable joined under (0 for NONE) */
    uint32_t payload;  /**< what the poster said (0 for NONE) */
} sq_wait_event_t;

struct sq_waitable_set;

typedef struct sq_waitable {
    /** The set it is joined to, or NULL. */
    struct sq_waitable_set *set;
    uint32_t join_id;
    /** The pending event: code SQ_WAIT_EVENT_NONE when none. */
    uint32_t code;
    uint32_t payload;
    /** SQ_WAITABLE_MAGIC once initialised. */
    uint32_t magic;
} sq_waitable_t;

typedef struct sq_waitable_set {
    /** Pending members in delivery order: pending[0 .. pending_count-1].
     *  Caller storage for `capacity` pointers. */
    sq_waitable_t **pending;
    uint32_t pending_count;
    /** Members now, and at most. */
    uint32_t joined;
    uint32_t capacity;
    /** SQ_WAITABLE_SET_MAGIC while usable. */
    uint32_t magic;
    /** Threads in sq_waitable_set_wait. */
    sq_wait_queue_t waiters;
} sq_waitable_set_t;

#define SQ_WAITABLE_MAGIC 0x57414931u
#define SQ_WAITABLE_SET_MAGIC 0x57534554u

/** Static initialiser of a waitable: in no set, nothing pending. */
#define SQ_WAITABLE_INIT {NULL, 0u, SQ_WAIT_EVENT_NONE, 0u, SQ_WAITABLE_MAGIC}

/** Define a waitable set `name` for at most `cap` members, with its
 *  storage. */
#define SQ_WAITABLE_SET_DEFINE(name, cap)                                     \
    _Static_assert((cap) > 0u, "a waitable set needs room for a member");     \
    static sq_waitable_t *name##_pending[(cap)];                              \
    sq_waitable_set_t name = {name##_pending, 0u, 0u, (cap), SQ_WAITABLE_SET_MAGIC, {0}}

/** Initialise `w`: in no set, nothing pending. SQ_ERR_NULL, SQ_ERR_BUSY
 *  (it is in a set). */
sq_status_t sq_waitable_init(sq_waitable_t *w);

/** Initialise `s`, empty, for at most `capacity` members whose pointers
 *  fit in `storage`. SQ_ERR_NULL, SQ_ERR_CAPACITY (capacity 0),
 *  SQ_ERR_BUSY (it has members or waiters). */
sq_status_t sq_waitable_set_init(sq_waitable_set_t *s, sq_waitable_t **storage,
                                 uint32_t capacity);

/** Join `w` to `s` under `join_id`; a pending event of `w` becomes the
 *  newest of the set's. SQ_ERR_NULL, SQ_ERR_INVALID (w not initialised),
 *  SQ_ERR_DESTROYED (s), SQ_ERR_STATE (w already in a set: leave first),
 *  SQ_ERR_FULL (s has `capacity` members). */
sq_status_t sq_waitable_join(sq_waitable_t *w, sq_waitable_set_t *s, uint32_t join_id);

/** Take `w` out of its set; a pending event stays with `w`. When the last
 *  member leaves, the threads waiting on the set wake with SQ_ERR_EMPTY.
 *  SQ_ERR_NULL, SQ_ERR_INVALID (not initialised), SQ_ERR_STATE (in no
 *  set). */
sq_status_t sq_waitable_leave(sq_waitable_t *w);

/** Post event `code` with `payload` on `w` (thread or interrupt); if `w`
 *  is in a set, one thread waiting on it wakes. SQ_ERR_NULL,
 *  SQ_ERR_INVALID (w not initialised, or code not SUBTASK .. CANCELLED),
 *  SQ_ERR_BUSY (an event is already pending on w). SQ_ERR_FULL only if
 *  the set's bookkeeping were broken (more pending entries than members);
 *  the check keeps the pending array in bounds and never fails otherwise. */
sq_status_t sq_waitable_post(sq_waitable_t *w, uint32_t code, uint32_t payload);

/** Withdraw the pending event of `w`. SQ_ERR_NULL, SQ_ERR_INVALID (not
 *  initialised), SQ_ERR_EMPTY (nothing pending), SQ_ERR_BUSY (the pending
 *  event is a cancellation: it is delivered, never withdrawn). */
sq_status_t sq_waitable_clear(sq_waitable_t *w);

/** The pending event's code (SQ_WAIT_EVENT_NONE for none or NULL). */
uint32_t sq_waitable_pending(const sq_waitable_t *w);

/** Take the oldest pending event of `s` into `*ev`, never waiting:
 *  {SQ_WAIT_EVENT_NONE, 0, 0} when none is pending. SQ_OK, SQ_ERR_NULL,
 *  SQ_ERR_DESTROYED. */
sq_status_t sq_waitable_set_poll(sq_waitable_set_t *s, sq_wait_event_t *ev);

/**
 * Take the oldest pending event of `s` into `*ev`, waiting up to `timeout`
 * ticks for one. Waiting threads are served in priority order, oldest
 * first among equals. SQ_OK, SQ_ERR_NULL, SQ_ERR_DESTROYED (before or
 * while waiting), SQ_ERR_EMPTY (s has no members: nothing could ever
 * arrive; also when its last member leaves during the wait), SQ_ERR_BUSY
 * (none pending and SQ_NO_WAIT), SQ_ERR_TIMEOUT,
 * SQ_ERR_AGAIN (the waiter was suspended), SQ_ERR_IN_ISR (a wait from an
 * interrupt), SQ_ERR_STATE (a wait from outside a thread: the idle
 * thread, which is every caller before sq_kernel_run, before
 * sq_kernel_init included), SQ_ERR_FULL (no free timeout slot).
 */
sq_status_t sq_waitable_set_wait(sq_waitable_set_t *s, sq_wait_event_t *ev,
                                 sq_timeout_t timeout);

/** Make `s` unusable; waiters wake with SQ_ERR_DESTROYED. SQ_ERR_NULL,
 *  SQ_ERR_DESTROYED (already), SQ_ERR_BUSY (it still has members). */
sq_status_t sq_waitable_set_destroy(sq_waitable_set_t *s);

#endif /* SQUALL_WAITABLE_SET_H */
