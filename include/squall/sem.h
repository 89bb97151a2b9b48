/*
 * squall counting semaphore: a count between 0 and a limit, given by
 * threads or interrupts and taken by threads, with waiters served in
 * priority order, oldest first among equals (P04, P10).
 *
 * A give with waiters hands the unit straight to the first waiter (the
 * count stays 0); without waiters it adds one, up to the limit. Every call
 * that fails returns a negative sq_status_t and changes nothing.
 * Properties P01-P10 are the named clauses in src/kernel/sem.c's contracts
 * (docs/VERIFICATION.md).
 */
#ifndef SQUALL_SEM_H
#define SQUALL_SEM_H

#include <stdint.h>
#include <squall/kernel.h>

typedef struct sq_sem {
    uint32_t count;
    uint32_t limit;
    /** SQ_SEM_MAGIC while usable; anything else after destroy (or if never
     *  initialised). */
    uint32_t magic;
    sq_wait_queue_t waiters;
} sq_sem_t;

#define SQ_SEM_MAGIC 0x53454d31u

/** Define and initialise a semaphore `name`. */
#define SQ_SEM_DEFINE(name, initial, max)                                     \
    _Static_assert((max) > 0u && (initial) <= (max), "semaphore count out of range"); \
    sq_sem_t name = {(initial), (max), SQ_SEM_MAGIC, {0}}

/** Initialise `s` with `initial` units, at most `limit`. SQ_ERR_NULL,
 *  SQ_ERR_INVALID (limit 0 or initial above it), SQ_ERR_BUSY (threads
 *  still wait on it). */
sq_status_t sq_sem_init(sq_sem_t *s, uint32_t initial, uint32_t limit);

/** Give one unit (thread or interrupt). SQ_ERR_NULL, SQ_ERR_DESTROYED,
 *  SQ_ERR_FULL (count already at the limit and nobody waits). */
sq_status_t sq_sem_give(sq_sem_t *s);

/**
 * Take one unit, waiting up to `timeout` ticks for it. SQ_OK,
 * SQ_ERR_NULL, SQ_ERR_DESTROYED (before or while waiting), SQ_ERR_BUSY
 * (none and SQ_NO_WAIT), SQ_ERR_TIMEOUT, SQ_ERR_AGAIN (reset while waiting,
 * or the waiting thread was suspended), SQ_ERR_IN_ISR (a wait from an
 * interrupt), SQ_ERR_STATE (a wait from outside a thread: the idle
 * thread, which is every caller before sq_kernel_run, before
 * sq_kernel_init included), SQ_ERR_FULL (no free timeout slot).
 */
sq_status_t sq_sem_take(sq_sem_t *s, sq_timeout_t timeout);

/** Count to 0; every waiter wakes with SQ_ERR_AGAIN (P08). SQ_ERR_NULL,
 *  SQ_ERR_DESTROYED. */
sq_status_t sq_sem_reset(sq_sem_t *s);

/** Make `s` unusable; every waiter wakes with SQ_ERR_DESTROYED. SQ_ERR_NULL,
 *  SQ_ERR_DESTROYED (already). */
sq_status_t sq_sem_destroy(sq_sem_t *s);

/** The current count (0 for NULL). */
uint32_t sq_sem_count(const sq_sem_t *s);

#endif /* SQUALL_SEM_H */
