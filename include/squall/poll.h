/*
 * squall poll: wait for any of several conditions at once, with a timeout.
 *
 * A poll event names one object and a condition on it: a semaphore has a
 * unit, an event word has any of a mask's bits, a ring (bytes or typed) has
 * data or has space, a poll signal is raised. sq_poll resets every event
 * to not-ready, marks those whose condition holds, and returns at once if
 * any does; otherwise it waits until a change to one of the objects makes
 * one hold, or until its time runs out.
 *
 * Semaphores, event words and signals tell pollers when they change. The
 * rings are lock-free and do not call the kernel: the side that writes or
 * reads a ring another thread polls calls sq_poll_notify(ring) afterwards
 * (from a thread or an interrupt), or that poller sleeps until its timeout.
 *
 * A wake-up reports readiness, not ownership: after sq_poll returns, a
 * semaphore unit is taken with sq_sem_take as usual and may have gone to a
 * higher-priority thread in between. A poller woken for a condition that no
 * longer holds when it runs waits again for the rest of its time.
 *
 * Properties (named clauses in src/kernel/poll.c, see
 * docs/VERIFICATION.md): PL01 an event starts not-ready; PL02 its state
 * changes only in sq_poll; PL03 "semaphore available" iff its count > 0;
 * PL04 "signaled" iff the signal is raised; PL05 sq_poll returns as soon as
 * any event is ready; PL06 every event is reset to not-ready at the start
 * of every call; PL07 raising a signal stores its result and makes it
 * signaled; PL08 resetting a signal clears it.
 */
#ifndef SQUALL_POLL_H
#define SQUALL_POLL_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/kernel.h>

/** What a poll event waits for. */
typedef enum sq_poll_type {
    SQ_POLL_SEM_AVAILABLE = 1,     /**< object: sq_sem_t; count > 0 */
    SQ_POLL_EVENTS_ANY = 2,        /**< object: sq_event_t; word & mask != 0 */
    SQ_POLL_RING_DATA = 3,         /**< object: sq_ring_buf_t; a byte stored */
    SQ_POLL_RING_SPACE = 4,        /**< object: sq_ring_buf_t; a byte free */
    SQ_POLL_TYPED_RING_DATA = 5,   /**< object: sq_typed_ring_buf_t; an element */
    SQ_POLL_TYPED_RING_SPACE = 6,  /**< object: sq_typed_ring_buf_t; a free slot */
    SQ_POLL_SIGNAL = 7             /**< object: sq_poll_signal_t; raised */
} sq_poll_type_t;

typedef struct sq_poll_event {
    uint32_t type;         /**< an sq_poll_type_t */
    uint32_t mask;         /**< SQ_POLL_EVENTS_ANY: the bits; else 0 */
    const void *object;
    /** 1 when sq_poll found the condition true, else 0 (PL01, PL06). An
     *  int8_t: no field that a condition reads, or that the kernel's
     *  state, waits and wake-ups use, has that type, so WP's typed memory
     *  model sees without separation proofs that they never alias (PL02). */
    int8_t ready;
} sq_poll_event_t;

/** Static initialiser of a poll event, not ready (PL01). */
#define SQ_POLL_EVENT_INIT(type, object, mask) {(type), (mask), (object), 0u}

/** What SQ_POLL_EVENT_INIT makes, at run time (for an FFI caller's array
 *  of SQ_SIZEOF_sq_poll_event_t-byte events): `ev` watches `object` for
 *  `type`, with `mask` for SQ_POLL_EVENTS_ANY, not ready (PL01); sq_poll
 *  checks the rest. SQ_ERR_NULL. */
sq_status_t sq_poll_event_init(sq_poll_event_t *ev, sq_poll_type_t type, const void *object,
                               uint32_t mask);

/** Whether the last sq_poll found `ev`'s condition true (false for NULL). */
bool sq_poll_event_ready(const sq_poll_event_t *ev);

/** A condition raised by hand, with a result for the poller. */
typedef struct sq_poll_signal {
    uint32_t raised;
    int32_t result;
    /** SQ_POLL_SIGNAL_MAGIC once initialised. */
    uint32_t magic;
} sq_poll_signal_t;

#define SQ_POLL_SIGNAL_MAGIC 0x50534731u
#define SQ_POLL_SIGNAL_DEFINE(name) sq_poll_signal_t name = {0u, 0, SQ_POLL_SIGNAL_MAGIC}

/** Initialise `sig`, not raised. SQ_ERR_NULL. */
sq_status_t sq_poll_signal_init(sq_poll_signal_t *sig);

/** Raise `sig` with `result` (thread or interrupt) and wake its pollers
 *  (PL07). SQ_ERR_NULL, SQ_ERR_INVALID (not initialised). */
sq_status_t sq_poll_signal_raise(sq_poll_signal_t *sig, int32_t result);

/** Lower `sig` (PL08). SQ_ERR_NULL, SQ_ERR_INVALID. */
sq_status_t sq_poll_signal_reset(sq_poll_signal_t *sig);

/** Whether `sig` is raised and, if so, its result. SQ_ERR_NULL,
 *  SQ_ERR_INVALID. */
sq_status_t sq_poll_signal_check(const sq_poll_signal_t *sig, uint32_t *raised,
                                 int32_t *result);

/**
 * Reset `events[0 .. count-1]` to not-ready, mark the ready ones, and
 * return SQ_OK if any is; else wait up to `timeout` ticks for one.
 * SQ_ERR_NULL (events, or an event's object), SQ_ERR_ZERO_LENGTH (count
 * 0), SQ_ERR_INVALID (an unknown type, or EVENTS_ANY with mask 0),
 * SQ_ERR_BUSY (none ready and SQ_NO_WAIT), SQ_ERR_TIMEOUT, SQ_ERR_AGAIN
 * (the poller was suspended), SQ_ERR_IN_ISR (a wait from an interrupt),
 * SQ_ERR_STATE (a wait from outside a thread: the idle thread, which is
 * every caller before sq_kernel_run, before sq_kernel_init included),
 * SQ_ERR_FULL (no free timeout slot).
 */
sq_status_t sq_poll(sq_poll_event_t *events, uint32_t count, sq_timeout_t timeout);

/** Tell pollers that `object` changed (thread or interrupt): for the
 *  lock-free rings, which do not call the kernel themselves. */
void sq_poll_notify(const void *object);

#endif /* SQUALL_POLL_H */
