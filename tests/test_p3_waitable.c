/*
 * P3 waitable sets and waitable.join (WS01-WS03), on the host and on
 * Cortex-M under QEMU: delivery order, moves, payloads computed at
 * delivery, checked event pointers, and the blocking waits between kernel
 * threads (an empty set's wait, a synchronous waiter's traps).
 */
#include <squall/thread.h>
#include "sq_p3_fixture.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);
SQ_THREAD_DEFINE(th_c, STACK);

/* Second guest threads of a and b, run by other kernel threads. */
static sq_p3_thread_t ta2, tb2;

static void reset(void)
{
    p3_reset();
    SQ_CHECK_EQ(sq_p3_thread_init(&ta2, &inst_a), SQ_OK);
    SQ_CHECK_EQ(sq_p3_thread_init(&tb2, &inst_b), SQ_OK);
}

/* Run `first` (priority 2, so it goes first and blocks) and `second`
 * (priority 3) in kernel threads until both end. */
static void run_pair(void (*first)(void *), void *first_arg, void (*second)(void *),
                     void *second_arg)
{
    SQ_CHECK_EQ(sq_thread_start(&th_a, first, first_arg, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, second, second_arg, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
}

/* A stream in a with a read of `n` bytes waiting: its readable end. */
static void pending_read(uint32_t n, uint32_t *r, uint32_t *w)
{
    uint32_t res = 0u;
    p3_new(&ta, &t_u8, false, r, w);
    SQ_CHECK_EQ(sq_p3_stream_read(&ta, &t_u8, *r, 0u, n, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, SQ_P3_BLOCKED);
}

static void write_a(uint32_t w, uint32_t n)
{
    uint32_t res = 0u;
    SQ_CHECK_EQ(sq_p3_stream_write(&ta, &t_u8, w, 64u, n, true, &res), SQ_OK);
    SQ_CHECK_EQ(res, SQ_P3_STREAM_RESULT(SQ_P3_COPY_COMPLETED, n));
}

/* What wait/poll stored: (index, payload). */
static void check_stored(const uint8_t *mem, uint32_t at, uint32_t index, uint32_t payload)
{
    SQ_CHECK_EQ(p3_word(mem + at), index);
    SQ_CHECK_EQ(p3_word(mem + at + 4u), payload);
}

static void test_set_basics(void **state)
{
    (void)state;
    uint32_t s = 0u, s2 = 0u, r = 0u, w = 0u, code = 9u;
    reset();
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    SQ_CHECK_EQ(s, 1u);
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&ta, s, 16u, NULL), SQ_ERR_NULL);
    /* Nothing pending: NONE, and (0, 0) stored. */
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&ta, s, 16u, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_NONE);
    check_stored(mem_a, 16u, 0u, 0u);
    SQ_CHECK_EQ(mem_a[24], 24u);
    /* Waiting for nothing in the idle thread: refused, nothing changed. */
    code = 9u;
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, s, 16u, &code), SQ_ERR_STATE);
    SQ_CHECK_EQ(code, 9u);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    /* An empty set may be dropped; its index is reused. */
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, s), SQ_OK);
    SQ_CHECK_EQ(p3_rt.sets.used, 0u);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    SQ_CHECK_EQ(s, 1u);

    /* One with a member may not. */
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s2), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, w, s), SQ_OK);
    /* join 0 takes it out, then a join into s2 moves it there. */
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, w, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, w, s2), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, s2), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_SET_NOT_EMPTY);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_NONE);

    /* Kinds: a stream end is no set, a set is no waitable. */
    reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, s, s), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_WRONG_KIND);
    reset();
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, r, w), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_WRONG_KIND);
    reset();
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&ta, 5u), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_BAD_HANDLE);
    reset();
    SQ_CHECK_EQ(sq_p3_instance_set_may_leave(&inst_b, false), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &s), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_MAY_NOT_LEAVE);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
}

/* Oldest pending first; a re-join of its own set moves a waitable (and
 * its event) to the back; an event is delivered once. */
static void test_fifo(void **state)
{
    (void)state;
    uint32_t s = 0u, r[3], w[3], code = 0u;
    reset();
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    for (uint32_t i = 0u; i < 3u; i++) {
        pending_read(8u, &r[i], &w[i]);
        SQ_CHECK_EQ(sq_p3_waitable_join(&ta, r[i], s), SQ_OK);
    }
    write_a(w[1], 1u);
    write_a(w[2], 2u);
    write_a(w[0], 3u);
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, s, 16u, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_READ);
    check_stored(mem_a, 16u, r[1], 0x10u);
    /* Moving r[2] to the back puts r[0]'s event first. */
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, r[2], s), SQ_OK);
    /* The payload is the count at delivery: r[0] had 3, now 3 + 4. */
    write_a(w[0], 4u);
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&ta, s, 16u, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_STREAM_READ);
    check_stored(mem_a, 16u, r[0], 0x70u);
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, s, 24u, &code), SQ_OK);
    check_stored(mem_a, 24u, r[2], 0x20u);
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&ta, s, 16u, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_NONE);
    check_stored(mem_a, 16u, 0u, 0u);

    /* Joined to another set, a waitable's event goes with it; out of
     * every set, it stays with the waitable. */
    uint32_t s2 = 0u, res = 0u;
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s2), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_read(&ta, &t_u8, r[1], 0u, 8u, true, &res), SQ_OK);
    write_a(w[1], 5u);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, r[1], s2), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&ta, s, 16u, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_NONE);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, r[1], 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&ta, s2, 16u, &code), SQ_OK);
    SQ_CHECK_EQ(code, SQ_P3_EVENT_NONE);
    SQ_CHECK_EQ(sq_p3_stream_cancel_read(&ta, &t_u8, r[1], false, &res), SQ_OK);
    SQ_CHECK_EQ(res, SQ_P3_STREAM_RESULT(SQ_P3_COPY_CANCELLED, 5u));
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
}

/* The event pointer is checked before anything happens. */
static void test_event_pointer(void **state)
{
    (void)state;
    uint32_t s = 0u, code = 9u;
    reset();
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_wait(&ta, s, 18u, &code), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_ALIGN);
    SQ_CHECK_EQ(code, 9u);
    reset();
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &s), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_poll(&tb, s, P3_MEM - 4u, &code), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_BOUNDS);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(mem_b[P3_MEM - 4u], (uint8_t)(0x80u + P3_MEM - 4u));
    /* Members per set are bounded: the join past them traps. */
    reset();
    uint32_t r = 0u, w = 0u;
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &s), SQ_OK);
    for (uint32_t i = 0u; i < P3_MEMBERS / 2u; i++) {
        p3_new(&ta, &t_u8, false, &r, &w);
        SQ_CHECK_EQ(sq_p3_waitable_join(&ta, r, s), SQ_OK);
        SQ_CHECK_EQ(sq_p3_waitable_join(&ta, w, s), SQ_OK);
    }
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, w, s), SQ_OK); /* a move within s */
    p3_new(&ta, &t_u8, false, &r, &w);
    SQ_CHECK_EQ(sq_p3_waitable_join(&ta, r, s), SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NO_OBJECTS);
}

/* A wait on an empty set blocks until another kernel thread joins a
 * waitable with an event to it. */
static uint32_t k_set, k_r, k_w, k_code, k_res;
static sq_status_t k_st[4];
static void empty_waiter(void *arg)
{
    (void)arg;
    k_st[0] = sq_p3_waitable_set_wait(&ta, k_set, 32u, &k_code);
}
static void joiner(void *arg)
{
    (void)arg;
    k_st[1] = sq_p3_stream_write(&ta2, &t_u8, k_w, 64u, 2u, true, &k_res);
    k_st[2] = sq_p3_waitable_join(&ta2, k_r, k_set);
}
static void test_empty_wait(void **state)
{
    (void)state;
    reset();
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &k_set), SQ_OK);
    pending_read(4u, &k_r, &k_w);
    run_pair(empty_waiter, NULL, joiner, NULL);
    SQ_CHECK_EQ(k_st[1], SQ_OK);
    SQ_CHECK_EQ(k_res, 0x20u);
    SQ_CHECK_EQ(k_st[2], SQ_OK);
    SQ_CHECK_EQ(k_st[0], SQ_OK);
    SQ_CHECK_EQ(k_code, SQ_P3_EVENT_STREAM_READ);
    check_stored(mem_a, 32u, k_r, 0x20u);
}

/* While a synchronous read waits, join and cancel of its end trap, and
 * the trap stops the waiting read at once (SQ_ERR_TRAP, no result); its
 * buffer stays registered, as everything of a trapped instance stays, so
 * a write from another instance still lands in it. */
static void sync_reader(void *arg)
{
    (void)arg;
    k_st[0] = sq_p3_stream_read(&tb, &t_u8, k_r, 16u, 4u, false, &k_res);
}
static void meddler(void *arg)
{
    uint32_t res = 0u;
    if (arg != NULL) {
        k_st[1] = sq_p3_waitable_join(&tb2, k_r, k_set);
    } else {
        k_st[1] = sq_p3_stream_cancel_read(&tb2, &t_u8, k_r, true, &res);
    }
    k_st[2] = sq_p3_stream_write(&ta, &t_u8, k_w, 64u, 4u, true, &res);
}
static void run_sync_meddling(bool join)
{
    reset();
    k_res = 0u;
    p3_pipe(&t_u8, false, &k_r, &k_w);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &k_set), SQ_OK);
    run_pair(sync_reader, NULL, meddler, join ? &k_set : NULL);
    SQ_CHECK_EQ(k_st[1], SQ_ERR_TRAP);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_b), SQ_P3_TRAP_SYNC_WAITER);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(k_st[0], SQ_ERR_TRAP);
    SQ_CHECK_EQ(k_res, 0u);
    SQ_CHECK_EQ(k_st[2], SQ_OK);
    SQ_CHECK_MEM_EQ(&mem_b[16], &mem_a[64], 4u);
}
static void test_sync_waiter_traps(void **state)
{
    (void)state;
    run_sync_meddling(true);
    run_sync_meddling(false);
}

/* A set a thread waits on cannot be dropped, even empty: the drop traps,
 * and the trap stops the waiter (SQ_ERR_TRAP, nothing stored) before the
 * dropper goes on. */
static sq_p3_trap_t k_trap;
static void set_waiter(void *arg)
{
    (void)arg;
    k_st[0] = sq_p3_waitable_set_wait(&tb, k_set, 40u, &k_code);
}
static void set_dropper(void *arg)
{
    uint32_t res = 0u;
    (void)arg;
    k_st[1] = sq_p3_waitable_set_drop(&tb2, k_set);
    k_trap = sq_p3_instance_trap(&inst_b);
    /* White-box: revive b, so that its waiter can be released. */
    inst_b.trap = SQ_P3_TRAP_NONE;
    k_st[2] = sq_p3_stream_write(&ta, &t_u8, k_w, 64u, 3u, true, &res);
    k_res = res;
    k_st[3] = sq_p3_waitable_join(&tb2, k_r, k_set);
}
static void test_drop_with_waiter(void **state)
{
    (void)state;
    uint32_t res = 0u;
    reset();
    k_code = SQ_P3_EVENT_NONE;
    p3_pipe(&t_u8, false, &k_r, &k_w);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&tb, &k_set), SQ_OK);
    SQ_CHECK_EQ(sq_p3_stream_read(&tb, &t_u8, k_r, 16u, 8u, true, &res), SQ_OK);
    run_pair(set_waiter, NULL, set_dropper, NULL);
    SQ_CHECK_EQ(k_st[1], SQ_ERR_TRAP);
    SQ_CHECK_EQ(k_trap, SQ_P3_TRAP_SET_WAITERS);
    SQ_CHECK_EQ(sq_p3_instance_trap(&inst_a), SQ_P3_TRAP_NONE);
    SQ_CHECK_EQ(k_st[0], SQ_ERR_TRAP);
    SQ_CHECK_EQ(k_code, SQ_P3_EVENT_NONE);
    check_stored(mem_b, 40u, 0xabaaa9a8u, 0xafaeadacu);
    SQ_CHECK_EQ(k_st[2], SQ_OK);
    SQ_CHECK_EQ(k_res, 0x30u);
    SQ_CHECK_EQ(k_st[3], SQ_OK);
    /* Nobody waits now: the set's only obstacle is its member. */
    SQ_CHECK_EQ(sq_p3_waitable_join(&tb, k_r, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_p3_waitable_set_drop(&tb, k_set), SQ_OK);
}

/* Two threads wait on one set, two events arrive: one each. */
static uint32_t two_codes[2];
static sq_status_t two_st[2];
static const uint32_t slot0 = 0u, slot1 = 1u;
static uint32_t two_r[2], two_w[2];
static void two_waiter(void *arg)
{
    uint32_t i = *(const uint32_t *)arg;
    two_st[i] = sq_p3_waitable_set_wait(i == 0u ? &ta : &ta2, k_set, 16u + 8u * i, &two_codes[i]);
}
static void two_poster(void *arg)
{
    uint32_t res = 0u;
    (void)arg;
    k_st[0] = sq_p3_stream_write(&tb, &t_u8, two_w[0], 0u, 1u, true, &res);
    k_st[1] = sq_p3_stream_write(&tb, &t_u8, two_w[1], 0u, 2u, true, &res);
}
/* Two streams from tb into ta, each with an async read of 4 bytes posted
 * (at 100 and 108 of ta's memory) and joined to one set, k_set. */
static void two_reads_setup(void)
{
    uint32_t res = 0u;
    reset();
    memset(two_st, 0, sizeof two_st);
    SQ_CHECK_EQ(sq_p3_waitable_set_new(&ta, &k_set), SQ_OK);
    for (uint32_t i = 0u; i < 2u; i++) {
        uint32_t r = 0u;
        p3_new(&tb, &t_u8, false, &r, &two_w[i]);
        SQ_CHECK_EQ(sq_p3_end_transfer(&tb, &inst_a, &t_u8, r, &two_r[i]), SQ_OK);
        SQ_CHECK_EQ(sq_p3_stream_read(&ta, &t_u8, two_r[i], 100u + 8u * i, 4u, true, &res),
                    SQ_OK);
        SQ_CHECK_EQ(sq_p3_waitable_join(&ta, two_r[i], k_set), SQ_OK);
    }
}
static void test_two_waiters(void **state)
{
    (void)state;
    two_reads_setup();
    SQ_CHECK_EQ(sq_thread_start(&th_a, two_waiter, (void *)&slot0, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, two_waiter, (void *)&slot1, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, two_poster, NULL, 4u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(two_st[0], SQ_OK);
    SQ_CHECK_EQ(two_st[1], SQ_OK);
    SQ_CHECK_EQ(two_codes[0], SQ_P3_EVENT_STREAM_READ);
    SQ_CHECK_EQ(two_codes[1], SQ_P3_EVENT_STREAM_READ);
    /* Each event went to exactly one waiter. */
    uint32_t first = p3_word(mem_a + 16u);
    uint32_t second = p3_word(mem_a + 24u);
    SQ_CHECK(first != second);
    SQ_CHECK(first == two_r[0] || first == two_r[1]);
    SQ_CHECK(second == two_r[0] || second == two_r[1]);
    SQ_CHECK_EQ(p3_word(mem_a + 20u), first == two_r[0] ? 0x10u : 0x20u);
    SQ_CHECK_EQ(p3_word(mem_a + 28u), second == two_r[0] ? 0x10u : 0x20u);
}

/* Several threads wait on one set: each event goes to the first waiter
 * by priority, then arrival (SC01), as on every kernel wait queue. Equal
 * priorities: th_a (the lower thread index) yields first, so th_b waits
 * first and must take the first event. Then a later waiter of higher
 * priority takes the next event before an earlier one of lower. */
static uint32_t order_first[2];
static bool order_by_prio;   /* the second case: th_b waits later */
static void order_waiter(void *arg)
{
    uint32_t i = *(const uint32_t *)arg;
    if (i == 0u) {
        sq_thread_yield();
    } else if (order_by_prio) {
        (void)sq_thread_sleep(2u);
    }
    two_st[i] = sq_p3_waitable_set_wait(i == 0u ? &ta : &ta2, k_set, 16u + 8u * i,
                                        &two_codes[i]);
}
static void order_poster(void *arg)
{
    uint32_t res = 0u;
    (void)arg;
    if (order_by_prio) {
        (void)sq_thread_sleep(5u);
    }
    k_st[0] = sq_p3_stream_write(&tb, &t_u8, two_w[0], 0u, 1u, true, &res);
    /* The first event's taker has run (it outranks this thread). */
    order_first[0] = p3_word(mem_a + 16u);
    order_first[1] = p3_word(mem_a + 24u);
    k_st[1] = sq_p3_stream_write(&tb, &t_u8, two_w[1], 0u, 2u, true, &res);
}
static void test_waiter_order(void **state)
{
    (void)state;
    /* Equal priorities: th_b waited first and takes the first event. */
    order_by_prio = false;
    two_reads_setup();
    SQ_CHECK_EQ(sq_thread_start(&th_a, order_waiter, (void *)&slot0, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, order_waiter, (void *)&slot1, 3u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, order_poster, NULL, 4u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(two_st[0], SQ_OK);
    SQ_CHECK_EQ(two_st[1], SQ_OK);
    SQ_CHECK_EQ(order_first[1], two_r[0]);     /* th_b (slot 1) took event 1 */
    SQ_CHECK(order_first[0] != two_r[0] && order_first[0] != two_r[1]);
    SQ_CHECK_EQ(p3_word(mem_a + 16u), two_r[1]); /* th_a took event 2 */
    /* th_a waits first at priority 5, th_b later at 2: th_b takes it. */
    order_by_prio = true;
    two_reads_setup();
    SQ_CHECK_EQ(sq_thread_start(&th_a, order_waiter, (void *)&slot0, 5u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, order_waiter, (void *)&slot1, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, order_poster, NULL, 6u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(two_st[0], SQ_OK);
    SQ_CHECK_EQ(two_st[1], SQ_OK);
    SQ_CHECK_EQ(order_first[1], two_r[0]);
    SQ_CHECK_EQ(p3_word(mem_a + 16u), two_r[1]);
}

SQ_TEST_MAIN(SQ_TEST(test_set_basics), SQ_TEST(test_fifo), SQ_TEST(test_event_pointer),
             SQ_TEST(test_empty_wait), SQ_TEST(test_sync_waiter_traps),
             SQ_TEST(test_drop_with_waiter), SQ_TEST(test_two_waiters),
             SQ_TEST(test_waiter_order))
