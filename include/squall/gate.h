/*
 * squall backpressure gate: what a host checks before it starts a new call
 * into a component (the Component Model's `backpressure.set`,
 * `backpressure.inc` and `backpressure.dec`).
 *
 * The gate is closed ("backpressure enabled") while its flag is set or its
 * counter is above zero; the flag is sq_gate_enable/disable, the counter
 * sq_gate_inc/dec (at most SQ_GATE_COUNTER_MAX; a decrement at 0 is an
 * error, not a wrap). sq_gate_wait_until_ready admits a caller at once when
 * the gate is open and otherwise blocks it until the gate opens or its time
 * runs out. Opening the gate admits every blocked caller, in priority
 * order, oldest first among equals. A caller is admitted once, at the
 * moment it is woken or finds the gate open; a gate that closes again
 * after that does not take the admission back.
 *
 * Properties (named clauses in src/tasks/gate.c, see
 * docs/VERIFICATION.md): BP01 no caller is admitted while the gate is
 * closed; BP02 opening admits every blocked caller, in order; BP03 a wait
 * blocks if and only if the gate is closed; BP04 (SPIN,
 * proofs/spin/gate.pml) no admission is lost or duplicated across any
 * interleaving of callers, toggles from threads and interrupts, and
 * timeouts. Every call that fails returns a negative sq_status_t and
 * changes nothing. Every call except a wait may be made from an interrupt.
 */
#ifndef SQUALL_GATE_H
#define SQUALL_GATE_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/kernel.h>

/** The counter's maximum: the Component Model traps at 2^16. */
#define SQ_GATE_COUNTER_MAX 0xffffu

typedef struct sq_gate {
    uint32_t counter;
    /** 1 while enabled by sq_gate_enable. */
    uint32_t flag;
    /** SQ_GATE_MAGIC once initialised. */
    uint32_t magic;
    /** Callers blocked in sq_gate_wait_until_ready. */
    sq_wait_queue_t waiters;
} sq_gate_t;

#define SQ_GATE_MAGIC 0x47415431u

/** Define a gate `name`, open. */
#define SQ_GATE_DEFINE(name) sq_gate_t name = {0u, 0u, SQ_GATE_MAGIC, {0}}

/** Initialise `g`, open. SQ_ERR_NULL, SQ_ERR_BUSY (callers wait on it). */
sq_status_t sq_gate_init(sq_gate_t *g);

/** Set the flag: close the gate. SQ_ERR_NULL, SQ_ERR_INVALID (not
 *  initialised). */
sq_status_t sq_gate_enable(sq_gate_t *g);

/** Clear the flag; if the counter is 0 the gate opens and every blocked
 *  caller is admitted. SQ_ERR_NULL, SQ_ERR_INVALID. */
sq_status_t sq_gate_disable(sq_gate_t *g);

/** Counter up by one (closes the gate). SQ_ERR_NULL, SQ_ERR_INVALID,
 *  SQ_ERR_OVERFLOW (at SQ_GATE_COUNTER_MAX). */
sq_status_t sq_gate_inc(sq_gate_t *g);

/** Counter down by one; at 0 with the flag clear the gate opens.
 *  SQ_ERR_NULL, SQ_ERR_INVALID, SQ_ERR_UNDERFLOW (already 0). */
sq_status_t sq_gate_dec(sq_gate_t *g);

/** True while the gate is closed (flag set or counter above 0); false for
 *  NULL. */
bool sq_gate_is_enabled(const sq_gate_t *g);

/**
 * Be admitted: SQ_OK at once if the gate is open, else wait up to
 * `timeout` ticks for it to open. SQ_ERR_NULL, SQ_ERR_INVALID,
 * SQ_ERR_BUSY (closed and SQ_NO_WAIT), SQ_ERR_TIMEOUT, SQ_ERR_AGAIN (the
 * waiter was suspended), SQ_ERR_IN_ISR (a wait from an interrupt),
 * SQ_ERR_STATE (a wait from outside a thread: the idle thread, which is
 * every caller before sq_kernel_run, before sq_kernel_init included),
 * SQ_ERR_FULL (no free timeout slot).
 */
sq_status_t sq_gate_wait_until_ready(sq_gate_t *g, sq_timeout_t timeout);

#endif /* SQUALL_GATE_H */
