/*
 * What the P3 suites share: one runtime, two instances (a and b) with
 * their own linear memories, a guest thread in each, and element types.
 * p3_reset() starts every test from fresh pools, tables and memories.
 */
#ifndef SQUALL_P3_FIXTURE_H
#define SQUALL_P3_FIXTURE_H

#include <string.h>
#include <squall/kernel.h>
#include <squall/p3_runtime.h>
#include "sq_test.h"

#define P3_MEM 256u
/* A suite that needs more may define these before including this. */
#ifndef P3_HANDLES
#define P3_HANDLES 16u
#endif
#ifndef P3_CHANNELS
#define P3_CHANNELS 6u
#endif
#ifndef P3_SETS
#define P3_SETS 3u
#endif
#define P3_MEMBERS 4u

SQ_P3_RUNTIME_DEFINE(p3_rt, P3_CHANNELS, P3_SETS, P3_MEMBERS, 1u);
SQ_P3_INSTANCE_DEFINE(inst_a, &p3_rt, P3_HANDLES);
SQ_P3_INSTANCE_DEFINE(inst_b, &p3_rt, P3_HANDLES);
static uint8_t mem_a[P3_MEM];
static uint8_t mem_b[P3_MEM];
static sq_p3_thread_t ta, tb;

SQ_P3_TYPE_DEFINE(t_unit, SQ_P3_ELEM_NONE, 0u, 1u);
SQ_P3_TYPE_DEFINE(t_u8, SQ_P3_ELEM_NUMBER, 1u, 1u);
SQ_P3_TYPE_DEFINE(t_u32, SQ_P3_ELEM_NUMBER, 4u, 4u);
SQ_P3_TYPE_DEFINE(t_pair, SQ_P3_ELEM_PLAIN, 4u, 2u);

/* Fresh kernel, pools, tables, memories (a: 0x00.., b: 0x80..). */
static inline void p3_reset(void)
{
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    /* The previous test's objects are abandoned, sets with members
     * included: start from zeroed pools. */
    memset(p3_rt_channels, 0, sizeof p3_rt_channels);
    memset(p3_rt_sets, 0, sizeof p3_rt_sets);
    p3_rt.magic = 0u;
    SQ_CHECK_EQ(sq_p3_runtime_init(&p3_rt), SQ_OK);
    for (uint32_t i = 0u; i < P3_MEM; i++) {
        mem_a[i] = (uint8_t)i;
        mem_b[i] = (uint8_t)(0x80u + i);
    }
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_a, &p3_rt, inst_a_slots, P3_HANDLES, mem_a, P3_MEM),
                SQ_OK);
    SQ_CHECK_EQ(sq_p3_instance_init(&inst_b, &p3_rt, inst_b_slots, P3_HANDLES, mem_b, P3_MEM),
                SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&ta, &inst_a), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&tb, &inst_b), SQ_OK);
}

/* A new stream (or future) in t's instance: its readable end, its
 * writable end. */
static inline void p3_new(sq_p3_thread_t *t, const sq_p3_type_t *type, bool future,
                          uint32_t *r, uint32_t *w)
{
    uint64_t packed = 0u;
    SQ_CHECK_EQ(future ? sq_p3_future_new(t, type, &packed) : sq_p3_stream_new(t, type, &packed),
                SQ_OK);
    *r = (uint32_t)packed;
    *w = (uint32_t)(packed >> 32);
}

/* A stream (or future) written from instance a and read in instance b:
 * the writable end in a, the readable end moved to b. */
static inline void p3_pipe(const sq_p3_type_t *type, bool future, uint32_t *r_in_b,
                           uint32_t *w_in_a)
{
    uint32_t r = 0u;
    p3_new(&ta, type, future, &r, w_in_a);
    SQ_CHECK_EQ(sq_p3_end_transfer(&ta, &inst_b, type, r, r_in_b), SQ_OK);
}

/* Store `v` as the little-endian word at `at`. */
static inline void p3_put_word(uint8_t *at, uint32_t v)
{
    at[0] = (uint8_t)v;
    at[1] = (uint8_t)(v >> 8);
    at[2] = (uint8_t)(v >> 16);
    at[3] = (uint8_t)(v >> 24);
}

/* A check inside guest code that returns a value: the target's checks
 * return from the function they fail in, which must be void. */
static inline void p3_expect_eq(uint32_t got, uint32_t want)
{
    SQ_CHECK_EQ(got, want);
}

/* The little-endian word at `at`. */
static inline uint32_t p3_word(const uint8_t *at)
{
    return (uint32_t)at[0] | ((uint32_t)at[1] << 8) | ((uint32_t)at[2] << 16) |
           ((uint32_t)at[3] << 24);
}

/* Where the fixture has wait/poll store events: the last 8 bytes. */
#define P3_EVENT_AT (P3_MEM - 8u)

/* Deliver the pending event of waitable `end` of t's instance through a
 * set made for the purpose (poll): it must be `code` with `payload`. */
static inline void p3_expect_event(sq_p3_thread_t *t, uint32_t end, uint32_t code,
                                   uint32_t payload)
{
    uint32_t s = 0u;
    uint32_t got = 99u;
    const uint8_t *at = t->instance->memory + P3_EVENT_AT;
    SQ_CHECK_EQ(sq_p3_waitable_set_new(t, &s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(t, end, s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(t, s, P3_EVENT_AT, &got), SQ_OK);
    SQ_CHECK_EQ(got, code);
    SQ_CHECK_EQ(p3_word(at), code == SQ_P3_EVENT_NONE ? 0u : end);
    SQ_CHECK_EQ(p3_word(at + 4), payload);
    SQ_CHECK_EQ(sq_p3_waitable_join(t, end, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(t, s), SQ_OK);
}

#endif /* SQUALL_P3_FIXTURE_H */
