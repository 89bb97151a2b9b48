/*
 * What the control-plane conformance suites share on top of
 * sq_p3_fixture.h: instance b's realloc and its callback export, which
 * sends every event to the current test's callback (b_cb).
 */
#ifndef SQUALL_TEST_P3_CONTROL_FIXTURE_H
#define SQUALL_TEST_P3_CONTROL_FIXTURE_H

#include <squall/p3_task.h>
#include "sq_p3_fixture.h"

/* b's realloc: a 4-byte block at 200 (one parameter at a time). */
static uint32_t b_realloc(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                          uint32_t new_size)
{
    (void)ctx;
    (void)old_ptr;
    (void)old_size;
    (void)align;
    (void)new_size;
    return 200u;
}

/* b's callback export: every event code goes to the current test's
 * callback, with b's current task's thread and (event, index, payload). */
static uint32_t (*b_cb)(sq_p3_thread_t *t, uint32_t event, uint32_t index, uint32_t payload);
static uint32_t b_callback(void *ctx, const sq_wait_event_t *ev)
{
    (void)ctx;
    return b_cb(sq_p3_current(&inst_b), ev->code, ev->join_id, ev->payload);
}

#endif
