/*
 * squall events: a 32-bit word of flags that threads wait on.
 *
 * post ORs bits in (EV01, EV08), set replaces the word (EV02), set_masked
 * changes only the bits under a mask (EV04), clear removes bits (EV03).
 * A wait asks for any (EV05) or all (EV06) of a non-empty mask. After every
 * change, every waiter whose condition holds on the new word is woken with
 * the bits that satisfied it, and no other; waiters that asked for
 * SQ_EVENT_CLEAR then have those bits cleared from the word, after all
 * waiters were judged on the same word (so two waiters for one bit both
 * wake). Every call that fails returns a negative sq_status_t and changes
 * nothing.
 */
#ifndef SQUALL_EVENT_H
#define SQUALL_EVENT_H

#include <stdint.h>
#include <squall/kernel.h>

typedef struct sq_event {
    uint32_t word;
    /** SQ_EVENT_MAGIC while usable. */
    uint32_t magic;
    sq_wait_queue_t waiters;
} sq_event_t;

#define SQ_EVENT_MAGIC 0x45564e31u

/** Wait options: all of the mask rather than any; clear what matched. */
#define SQ_EVENT_ALL 0x1u
#define SQ_EVENT_CLEAR 0x2u

/** Define and initialise an event word `name`, all bits clear. */
#define SQ_EVENT_DEFINE(name) sq_event_t name = {0u, SQ_EVENT_MAGIC, {0}}

/** Initialise with all bits clear. SQ_ERR_NULL, SQ_ERR_BUSY (waiters). */
sq_status_t sq_event_init(sq_event_t *e);

/** OR `bits` in (thread or interrupt). SQ_ERR_NULL, SQ_ERR_DESTROYED. */
sq_status_t sq_event_post(sq_event_t *e, uint32_t bits);

/** Replace the word. SQ_ERR_NULL, SQ_ERR_DESTROYED. */
sq_status_t sq_event_set(sq_event_t *e, uint32_t word);

/** Set the bits under `mask` to those of `value`. SQ_ERR_NULL,
 *  SQ_ERR_DESTROYED. */
sq_status_t sq_event_set_masked(sq_event_t *e, uint32_t value, uint32_t mask);

/** Clear `bits`. SQ_ERR_NULL, SQ_ERR_DESTROYED. */
sq_status_t sq_event_clear(sq_event_t *e, uint32_t bits);

/** The word now (0 for NULL). */
uint32_t sq_event_get(const sq_event_t *e);

/**
 * Wait up to `timeout` ticks until any (or, with SQ_EVENT_ALL, all) of
 * `desired` are set; `*matched` (if not NULL) gets the desired bits that
 * were set. SQ_OK, SQ_ERR_NULL, SQ_ERR_INVALID (desired 0 or unknown
 * options), SQ_ERR_DESTROYED, SQ_ERR_BUSY (not satisfied and SQ_NO_WAIT),
 * SQ_ERR_TIMEOUT, SQ_ERR_AGAIN (the waiter was suspended), SQ_ERR_IN_ISR
 * (a wait from an interrupt), SQ_ERR_STATE (a wait from outside a thread:
 * the idle thread, which is every caller before sq_kernel_run, before
 * sq_kernel_init included), SQ_ERR_FULL (no free timeout slot).
 */
sq_status_t sq_event_wait(sq_event_t *e, uint32_t desired, uint32_t options,
                          sq_timeout_t timeout, uint32_t *matched);

/** Make `e` unusable; waiters wake with SQ_ERR_DESTROYED. SQ_ERR_NULL,
 *  SQ_ERR_DESTROYED (already). */
sq_status_t sq_event_destroy(sq_event_t *e);

#endif /* SQUALL_EVENT_H */
