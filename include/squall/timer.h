/*
 * squall timers: one-shot (period 0, TM06) or periodic (TM07), counting
 * their expiries in a status counter (TM01-TM05, TM08) and optionally
 * calling a function on each expiry. The expiry function runs in the tick
 * interrupt under the kernel lock: it may give, post and start or stop
 * timers, not wait.
 */
#ifndef SQUALL_TIMER_H
#define SQUALL_TIMER_H

#include <stdint.h>
#include <squall/kernel.h>

typedef struct sq_timer {
    /** Armed while the timer runs. First, so the expiry finds the timer. */
    sq_timeout_node_t node;
    uint32_t period;
    /** Expiries since the last start, stop or status read; saturates at
     *  UINT32_MAX (TM08). */
    uint32_t status;
    void (*expiry)(struct sq_timer *timer);
    void *user_data;
} sq_timer_t;

/** Define a stopped timer `name` calling `expiry_fn` (may be NULL). */
#define SQ_TIMER_DEFINE(name, expiry_fn, data)                                \
    sq_timer_t name = {.expiry = (expiry_fn), .user_data = (data)}

/** Initialise a stopped timer. SQ_ERR_NULL, SQ_ERR_BUSY (it is running). */
sq_status_t sq_timer_init(sq_timer_t *t, void (*expiry)(sq_timer_t *timer), void *user_data);

/**
 * (Re)start: first expiry `duration` ticks from now (SQ_NO_WAIT: at the next
 * tick), then every `period` ticks (0: once). Zeroes the status (TM03).
 * SQ_ERR_NULL, SQ_ERR_INVALID (duration SQ_FOREVER, or period SQ_FOREVER),
 * SQ_ERR_FULL (no free timeout slot; the timer is then stopped).
 */
sq_status_t sq_timer_start(sq_timer_t *t, sq_timeout_t duration, uint32_t period);

/** Stop and zero the status (TM04). Stopping a stopped timer is SQ_OK.
 *  SQ_ERR_NULL. */
sq_status_t sq_timer_stop(sq_timer_t *t);

/** Return the status and zero it (TM02); 0 for NULL. */
uint32_t sq_timer_status_take(sq_timer_t *t);

/** True while the timer runs. */
bool sq_timer_running(sq_timer_t *t);

#endif /* SQUALL_TIMER_H */
