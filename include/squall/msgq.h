/*
 * squall message queue: up to max_msgs messages of msg_size bytes each,
 * copied in and out of a ring of slots in caller memory, first in first
 * out, with any number of threads putting and getting. A put on a full
 * queue and a get on an empty one may wait (SQ_NO_WAIT, a tick count or
 * SQ_FOREVER); waiters are served in priority order, oldest first among
 * equals. Interrupts may put and get with SQ_NO_WAIT.
 *
 * Hand-over: a put that finds a getter waiting stores its message and
 * wakes the first getter with one message promised to it; a get that frees
 * a slot of a full queue with putters waiting wakes the first putter with
 * one slot reserved for it. Calls that were not woken leave promised
 * messages and reserved slots alone, so a woken waiter always completes
 * (MQ05). Every call that fails returns a negative sq_status_t and changes
 * nothing (MQ03). Properties MQ01-MQ07 are the named clauses of
 * src/kernel/msgq.c (docs/VERIFICATION.md).
 *
 * Polling a message queue with sq_poll is not offered (poll.h knows the
 * kernel objects it polls).
 */
#ifndef SQUALL_MSGQ_H
#define SQUALL_MSGQ_H

#include <stdint.h>
#include <squall/kernel.h>

typedef struct sq_msgq {
    /** max_msgs * msg_size bytes: slot i at byte i * msg_size. */
    char *buffer;
    uint32_t msg_size;
    uint32_t max_msgs;
    /** The slot of the oldest message. */
    uint32_t head;
    /** Messages stored (slots head, head + 1, ... modulo max_msgs). */
    uint32_t used;
    /** Of those, the oldest `promised` belong to woken getters. */
    uint32_t promised;
    /** Free slots kept for woken putters. */
    uint32_t reserved;
    /** SQ_MSGQ_MAGIC once initialised. */
    uint32_t magic;
    sq_wait_queue_t getters;
    sq_wait_queue_t putters;
} sq_msgq_t;

#define SQ_MSGQ_MAGIC 0x4d534751u

/**
 * Define and initialise a message queue `name` of `max_msgs` messages of
 * `msg_size` bytes each. At file scope, with or without `static` in
 * front; end it with a semicolon. The buffer is a static compound literal.
 */
#define SQ_MSGQ_DEFINE(name, msg_size, max_msgs)                              \
    sq_msgq_t name = {(char[(msg_size) * (max_msgs)]){0}, (msg_size), (max_msgs), \
                      0u, 0u, 0u, 0u, SQ_MSGQ_MAGIC, {0}, {0}};               \
    _Static_assert((msg_size) > 0u && (max_msgs) > 0u &&                      \
                   (max_msgs) <= 0xffffffffu / (msg_size),                    \
                   "message queue geometry out of range")

/**
 * Initialise `q` over `buffer` (max_msgs * msg_size bytes, any alignment),
 * empty. SQ_ERR_NULL, SQ_ERR_ZERO_LENGTH (msg_size or max_msgs 0),
 * SQ_ERR_OVERFLOW (the buffer's size passes 32 bits), SQ_ERR_BUSY (an
 * initialised queue with threads waiting, or a hand-over not completed:
 * the woken thread would find its message or slot gone). Messages stored
 * are dropped.
 */
sq_status_t sq_msgq_init(sq_msgq_t *q, void *buffer, uint32_t msg_size, uint32_t max_msgs);

/**
 * Copy msg_size bytes from `msg` to the back of the queue, waiting up to
 * `timeout` ticks for room. SQ_OK, SQ_ERR_NULL, SQ_ERR_STATE (not
 * initialised; or a wait from outside a thread), SQ_ERR_BUSY (full and
 * SQ_NO_WAIT, the one form an interrupt may use), SQ_ERR_IN_ISR (a wait
 * from an interrupt), SQ_ERR_TIMEOUT, SQ_ERR_AGAIN (purged, or the waiting
 * thread was suspended), SQ_ERR_FULL (no free timeout slot).
 */
sq_status_t sq_msgq_put(sq_msgq_t *q, const void *msg, sq_timeout_t timeout);

/**
 * Move the oldest message into `buf` (msg_size bytes), waiting up to
 * `timeout` ticks for one. SQ_OK, SQ_ERR_NULL, SQ_ERR_STATE,
 * SQ_ERR_BUSY (empty and SQ_NO_WAIT), SQ_ERR_IN_ISR, SQ_ERR_TIMEOUT,
 * SQ_ERR_AGAIN (the waiting thread was suspended), SQ_ERR_FULL (no free
 * timeout slot). `buf` is written only on SQ_OK.
 */
sq_status_t sq_msgq_get(sq_msgq_t *q, void *buf, sq_timeout_t timeout);

/**
 * Copy the message the next get would take into `buf`, leaving it queued
 * (threads and interrupts). SQ_OK, SQ_ERR_NULL, SQ_ERR_STATE, SQ_ERR_EMPTY.
 */
sq_status_t sq_msgq_peek(sq_msgq_t *q, void *buf);

/**
 * Drop every message not yet promised to a woken getter; every thread
 * waiting to put returns SQ_ERR_AGAIN. A putter already woken with a slot
 * still stores its message. SQ_OK, SQ_ERR_NULL, SQ_ERR_STATE.
 */
sq_status_t sq_msgq_purge(sq_msgq_t *q);

/** Messages a get can take now (0 for NULL): stored and not promised. */
uint32_t sq_msgq_num_used(const sq_msgq_t *q);

/** Messages a put can store now (0 for NULL): free and not reserved. The
 *  two counts add up to max_msgs except during a hand-over. */
uint32_t sq_msgq_num_free(const sq_msgq_t *q);

#endif /* SQUALL_MSGQ_H */
