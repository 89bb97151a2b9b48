/*
 * squall: kernel time.
 *
 * Absolute time is a 64-bit tick count from boot, so a deadline never wraps
 * in the life of a device (2^64 ticks at 1 MHz is about 584,000 years); the
 * port extends its hardware counter into it. A timeout is a relative count
 * of ticks in 32 bits, with two reserved values: SQ_NO_WAIT (do not block)
 * and SQ_FOREVER (never expire). Converting one into the other is the only
 * place tick arithmetic happens; the contracts carry TO01, TO02 and TO04-TO08
 * as far as they concern the arithmetic (the timeout list that fires
 * callbacks builds on these).
 */
#ifndef SQUALL_TICK_H
#define SQUALL_TICK_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t sq_tick_t;
typedef uint32_t sq_timeout_t;

/** Do not wait: a call with this timeout fails at once instead of blocking. */
#define SQ_NO_WAIT ((sq_timeout_t)0u)
/** Wait without limit. */
#define SQ_FOREVER ((sq_timeout_t)UINT32_MAX)
/** The deadline of SQ_FOREVER: later than every reachable tick. */
#define SQ_TICK_NEVER ((sq_tick_t)UINT64_MAX)
/** The last tick the kernel runs to; every finite deadline stays below
 *  SQ_TICK_NEVER from here. */
#define SQ_TICK_MAX (SQ_TICK_NEVER - (sq_tick_t)SQ_FOREVER)

/**
 * The absolute tick at which a timeout taken at `now` expires: `now` itself
 * for SQ_NO_WAIT, SQ_TICK_NEVER for SQ_FOREVER, otherwise now + timeout.
 */
/*@ requires now <= SQ_TICK_MAX;
    assigns \nothing;
    ensures TO01: \result >= now;
    behavior forever:
      assumes timeout == SQ_FOREVER;
      ensures TO07: \result == SQ_TICK_NEVER;
    behavior finite:
      assumes timeout != SQ_FOREVER;
      ensures TO02: \result == now + timeout;
      ensures TO05: \result < SQ_TICK_NEVER;
      ensures TO08: timeout == SQ_NO_WAIT ==> \result == now;
    complete behaviors;
    disjoint behaviors;
*/
sq_tick_t sq_tick_deadline(sq_tick_t now, sq_timeout_t timeout);

/**
 * Whether a deadline has been reached at tick `now`. SQ_TICK_NEVER is never
 * reached, since `now` stays at or below SQ_TICK_MAX.
 */
/*@ requires now <= SQ_TICK_MAX;
    assigns \nothing;
    ensures TO04: \result <==> deadline <= now;
    ensures TO07: deadline == SQ_TICK_NEVER ==> !\result;
*/
bool sq_tick_reached(sq_tick_t now, sq_tick_t deadline);

/**
 * The timeout left at `now` until `deadline`, for a wait that resumes with
 * what remains: SQ_FOREVER for SQ_TICK_NEVER, SQ_NO_WAIT once reached, else
 * deadline - now (capped at SQ_FOREVER - 1 for a deadline further away than
 * any finite timeout, which sq_tick_deadline never produces).
 */
/*@ requires now <= SQ_TICK_MAX;
    assigns \nothing;
    behavior never:
      assumes deadline == SQ_TICK_NEVER;
      ensures \result == SQ_FOREVER;
    behavior reached:
      assumes deadline != SQ_TICK_NEVER && deadline <= now;
      ensures \result == SQ_NO_WAIT;
    behavior pending:
      assumes deadline != SQ_TICK_NEVER && now < deadline && deadline - now < SQ_FOREVER;
      ensures TO06: now + \result == deadline;
    behavior far:
      assumes deadline != SQ_TICK_NEVER && deadline - now >= SQ_FOREVER;
      ensures \result == SQ_FOREVER - 1;
    complete behaviors;
    disjoint behaviors;
*/
sq_timeout_t sq_tick_remaining(sq_tick_t now, sq_tick_t deadline);

#endif /* SQUALL_TICK_H */
