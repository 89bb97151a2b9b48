/*
 * squall: tick arithmetic (include/squall/tick.h).
 */
#include <squall/tick.h>

sq_tick_t sq_tick_deadline(sq_tick_t now, sq_timeout_t timeout)
{
    if (timeout == SQ_FOREVER) {
        return SQ_TICK_NEVER;
    }
    /* now <= SQ_TICK_MAX and timeout < SQ_FOREVER: the sum stays below
     * SQ_TICK_NEVER, so a finite deadline is never mistaken for "never". */
    return now + timeout;
}

bool sq_tick_reached(sq_tick_t now, sq_tick_t deadline)
{
    return deadline <= now;
}

sq_timeout_t sq_tick_remaining(sq_tick_t now, sq_tick_t deadline)
{
    if (deadline == SQ_TICK_NEVER) {
        return SQ_FOREVER;
    }
    if (deadline <= now) {
        return SQ_NO_WAIT;
    }
    sq_tick_t left = deadline - now;
    return left < SQ_FOREVER ? (sq_timeout_t)left : SQ_FOREVER - 1u;
}
