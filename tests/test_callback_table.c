/*
 * Callback dispatch table (include/squall/callback_table.h): every refused
 * input, the choice of entry (CB02, CB03), sealing (CB04), decoding
 * (CB05), and sq_callback_run in a kernel thread woken by events that an
 * interrupt posts. The same file runs on the host and under QEMU.
 */
#include <string.h>
#include <squall/callback_table.h>
#include <squall/thread.h>
#include "sq_test.h"
#include "sq_trail.h"

/* What a callback saw and what it answers; every call appends the
 * callback's tag to the trail. */
struct probe {
    char tag;
    uint32_t ret;
    unsigned calls;
    sq_wait_event_t seen;
};

static uint32_t probe_cb(void *ctx, const sq_wait_event_t *ev)
{
    struct probe *p = ctx;
    p->calls++;
    p->seen = *ev;
    note(p->tag);
    return p->ret;
}

static const sq_wait_event_t ev_none = {SQ_WAIT_EVENT_NONE, 0u, 0u};

static void test_init_bad_input(void **state)
{
    (void)state;
    sq_callback_entry_t storage[2];
    sq_callback_table_t t;
    memset(&t, 0, sizeof t);
    SQ_CHECK_EQ(sq_callback_table_init(NULL, storage, 2u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_callback_table_init(&t, NULL, 2u), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 0u), SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 0x80000000u), SQ_ERR_CAPACITY);
    /* Nothing of the refused inits reached the table. */
    SQ_CHECK_EQ(t.magic, 0u);
    SQ_CHECK(t.entries == NULL);
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 2u), SQ_OK);
    SQ_CHECK(t.entries == storage);
    SQ_CHECK_EQ(t.count, 0u);
    SQ_CHECK_EQ(t.capacity, 2u);
    SQ_CHECK_EQ(t.sealed, 0u);
    SQ_CHECK_EQ(t.magic, SQ_CALLBACK_TABLE_MAGIC);
    /* Init reads nothing of what t held: it starts a new table there. */
    SQ_CHECK_EQ(sq_callback_seal(&t), SQ_OK);
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 1u), SQ_OK);
    SQ_CHECK_EQ(t.capacity, 1u);
    SQ_CHECK_EQ(t.sealed, 0u);
}

static void test_register_bad_input(void **state)
{
    (void)state;
    struct probe p = {'p', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    sq_callback_entry_t storage[2];
    sq_callback_table_t t;
    memset(&t, 0, sizeof t);
    /* Not initialised. */
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_SUBTASK, 1u, probe_cb, &p),
                SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_callback_seal(&t), SQ_ERR_INVALID);
    SQ_CHECK_EQ(t.count, 0u);
    SQ_CHECK_EQ(t.sealed, 0u);
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(NULL, SQ_WAIT_EVENT_SUBTASK, 1u, probe_cb, &p),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_SUBTASK, 1u, NULL, &p), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_CANCELLED + 1u, 1u, probe_cb, &p),
                SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_callback_register(&t, 0xffffffffu, 1u, probe_cb, &p), SQ_ERR_INVALID);
    SQ_CHECK_EQ(t.count, 0u);
    /* NONE and CANCELLED are the bounds of the codes taken. A NULL ctx is
     * the callback's business. */
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_NONE, 0u, probe_cb, NULL), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_CANCELLED, 0u, probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(t.count, 2u);
    SQ_CHECK_EQ(sq_callback_seal(NULL), SQ_ERR_NULL);
}

/* CB02: a (code, join id) pair has one entry; the same id under another
 * code, or another id under the same code, is a different pair. */
static void test_register_duplicate(void **state)
{
    (void)state;
    struct probe p = {'p', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    struct probe q = {'q', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    sq_callback_entry_t storage[4];
    sq_callback_table_t t;
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 4u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_STREAM_READ, 5u, probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_STREAM_READ, SQ_CALLBACK_ANY_ID,
                                     probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_STREAM_WRITE, 5u, probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_STREAM_READ, 5u, probe_cb, &q),
                SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_STREAM_READ, SQ_CALLBACK_ANY_ID,
                                     probe_cb, &q), SQ_ERR_BUSY);
    SQ_CHECK_EQ(t.count, 3u);
    SQ_CHECK(t.entries[0].ctx == &p);
    SQ_CHECK(t.entries[1].ctx == &p);
}

/* CB01: beyond capacity, FULL (even for a duplicate), and nothing moves. */
static void test_register_full(void **state)
{
    (void)state;
    struct probe p = {'p', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    sq_callback_entry_t storage[3];
    sq_callback_entry_t before[3];
    sq_callback_table_t t;
    memset(storage, 0, sizeof storage);
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_SUBTASK, 1u, probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_SUBTASK, 2u, probe_cb, &p), SQ_OK);
    memcpy(before, storage, sizeof storage);
    sq_callback_table_t t_before = t;
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_SUBTASK, 3u, probe_cb, &p), SQ_ERR_FULL);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_SUBTASK, 1u, probe_cb, &p), SQ_ERR_FULL);
    SQ_CHECK_MEM_EQ(&t, &t_before, sizeof t);
    /* The slot past the capacity is untouched too. */
    SQ_CHECK_MEM_EQ(storage, before, sizeof storage);
}

/* CB04: a sealed table takes no registration; sealing again is harmless. */
static void test_seal(void **state)
{
    (void)state;
    struct probe p = {'p', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    sq_callback_entry_t storage[2];
    sq_callback_table_t t;
    memset(storage, 0, sizeof storage);
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_SUBTASK, 1u, probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_seal(&t), SQ_OK);
    SQ_CHECK(t.sealed != 0u);
    sq_callback_table_t t_before = t;
    sq_callback_entry_t before[2];
    memcpy(before, storage, sizeof storage);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_SUBTASK, 2u, probe_cb, &p),
                SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_callback_seal(&t), SQ_OK);
    SQ_CHECK_MEM_EQ(&t, &t_before, sizeof t);
    SQ_CHECK_MEM_EQ(storage, before, sizeof storage);
}

/* A table defined statically starts empty, unsealed and usable. */
SQ_CALLBACK_TABLE_DEFINE(static_table, 1);
static void test_static_table(void **state)
{
    (void)state;
    struct probe p = {'p', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    sq_callback_action_t act = {9u, 9u};
    trail_reset();
    SQ_CHECK_EQ(static_table.count, 0u);
    SQ_CHECK_EQ(sq_callback_dispatch(&static_table, &ev_none, &act), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_callback_register(&static_table, SQ_WAIT_EVENT_NONE, 0u, probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&static_table, SQ_WAIT_EVENT_NONE, 1u, probe_cb, &p),
                SQ_ERR_FULL);
    SQ_CHECK_EQ(sq_callback_seal(&static_table), SQ_OK);
    SQ_CHECK_EQ(sq_callback_dispatch(&static_table, &ev_none, &act), SQ_OK);
    SQ_CHECK_EQ(p.calls, 1u);
    SQ_CHECK_EQ(act.kind, SQ_CALLBACK_EXIT);
}

static void test_dispatch_bad_input(void **state)
{
    (void)state;
    struct probe p = {'p', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    sq_callback_entry_t storage[2];
    sq_callback_table_t t;
    sq_callback_action_t act = {7u, 7u};
    memset(&t, 0, sizeof t);
    trail_reset();
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &ev_none, &act), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_NONE, 0u, probe_cb, &p), SQ_OK);
    /* Only a sealed table dispatches. */
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &ev_none, &act), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_callback_seal(&t), SQ_OK);
    SQ_CHECK_EQ(sq_callback_dispatch(NULL, &ev_none, &act), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_callback_dispatch(&t, NULL, &act), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &ev_none, NULL), SQ_ERR_NULL);
    const sq_wait_event_t bad = {SQ_WAIT_EVENT_CANCELLED + 1u, 0u, 0u};
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &bad, &act), SQ_ERR_INVALID);
    SQ_CHECK_EQ(p.calls, 0u);
    SQ_CHECK_EQ(act.kind, 7u);
    SQ_CHECK_EQ(act.set_index, 7u);
}

/* CB03: an event with no entry is reported, and nothing is called. A
 * wildcard of another code is no entry for it. */
static void test_dispatch_not_found(void **state)
{
    (void)state;
    struct probe p = {'p', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    sq_callback_entry_t storage[2];
    sq_callback_table_t t;
    sq_callback_action_t act = {7u, 7u};
    trail_reset();
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 2u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_STREAM_READ, SQ_CALLBACK_ANY_ID,
                                     probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_SUBTASK, 4u, probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_seal(&t), SQ_OK);
    const sq_wait_event_t other_code = {SQ_WAIT_EVENT_STREAM_WRITE, 4u, 0u};
    const sq_wait_event_t other_id = {SQ_WAIT_EVENT_SUBTASK, 5u, 0u};
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &other_code, &act), SQ_ERR_NOT_FOUND);
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &other_id, &act), SQ_ERR_NOT_FOUND);
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &ev_none, &act), SQ_ERR_NOT_FOUND);
    SQ_CHECK_EQ(p.calls, 0u);
    SQ_CHECK_EQ(act.kind, 7u);
    SQ_CHECK_EQ(act.set_index, 7u);
    SQ_CHECK(strcmp(trail_text(), "") == 0);
}

/* CB02: the exact entry beats the wildcard, whichever was registered
 * first; the wildcard takes the ids with no exact entry. */
static void test_dispatch_exact_and_wildcard(void **state)
{
    (void)state;
    struct probe exact_a = {'a', SQ_CALLBACK_WAIT | (3u << 4), 0u, {0u, 0u, 0u}};
    struct probe exact_b = {'b', SQ_CALLBACK_YIELD, 0u, {0u, 0u, 0u}};
    struct probe any = {'*', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    sq_callback_entry_t storage[3];
    sq_callback_table_t t;
    sq_callback_action_t act = {7u, 7u};
    trail_reset();
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 3u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_FUTURE_READ, 10u, probe_cb, &exact_a),
                SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_FUTURE_READ, SQ_CALLBACK_ANY_ID,
                                     probe_cb, &any), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_FUTURE_READ, 20u, probe_cb, &exact_b),
                SQ_OK);
    SQ_CHECK_EQ(sq_callback_seal(&t), SQ_OK);

    const sq_wait_event_t to_a = {SQ_WAIT_EVENT_FUTURE_READ, 10u, 111u};
    const sq_wait_event_t to_b = {SQ_WAIT_EVENT_FUTURE_READ, 20u, 222u};
    const sq_wait_event_t to_any = {SQ_WAIT_EVENT_FUTURE_READ, 30u, 333u};
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &to_a, &act), SQ_OK);
    SQ_CHECK_EQ(act.kind, SQ_CALLBACK_WAIT);
    SQ_CHECK_EQ(act.set_index, 3u);
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &to_b, &act), SQ_OK);
    SQ_CHECK_EQ(act.kind, SQ_CALLBACK_YIELD);
    SQ_CHECK_EQ(act.set_index, 0u);
    SQ_CHECK_EQ(sq_callback_dispatch(&t, &to_any, &act), SQ_OK);
    SQ_CHECK_EQ(act.kind, SQ_CALLBACK_EXIT);
    SQ_CHECK(strcmp(trail_text(), "ab*") == 0);
    SQ_CHECK_EQ(exact_a.calls, 1u);
    SQ_CHECK_EQ(exact_b.calls, 1u);
    SQ_CHECK_EQ(any.calls, 1u);
    /* Each callback saw its event as it was posted. */
    SQ_CHECK_MEM_EQ(&exact_a.seen, &to_a, sizeof to_a);
    SQ_CHECK_MEM_EQ(&exact_b.seen, &to_b, sizeof to_b);
    SQ_CHECK_MEM_EQ(&any.seen, &to_any, sizeof to_any);
}

/* A callback answering 3 .. 15 is refused (a trap in the Component Model);
 * the action keeps its old value. */
static void test_dispatch_bad_return(void **state)
{
    (void)state;
    struct probe p = {'p', 0u, 0u, {0u, 0u, 0u}};
    sq_callback_entry_t storage[1];
    sq_callback_table_t t;
    trail_reset();
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_NONE, 0u, probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_seal(&t), SQ_OK);
    for (uint32_t code = 3u; code <= 15u; code++) {
        sq_callback_action_t act = {7u, 7u};
        p.ret = code | (1u << 4);
        SQ_CHECK_EQ(sq_callback_dispatch(&t, &ev_none, &act), SQ_ERR_INVALID);
        SQ_CHECK_EQ(act.kind, 7u);
        SQ_CHECK_EQ(act.set_index, 7u);
    }
    SQ_CHECK_EQ(p.calls, 13u);
}

/* CB05: the low 4 bits are the code, the rest the set index, for every
 * code (EXIT and YIELD with upper bits are not refused). */
static void test_decode(void **state)
{
    (void)state;
    sq_callback_action_t act;
    SQ_CHECK_EQ(sq_callback_decode(0u, NULL), SQ_ERR_NULL);
    for (uint32_t code = 0u; code <= 15u; code++) {
        static const uint32_t index[] = {0u, 1u, 2u, 0x123u, 0x0fffffffu};
        for (size_t i = 0; i < sizeof index / sizeof index[0]; i++) {
            uint32_t ret = code | (index[i] << 4);
            act.kind = 7u;
            act.set_index = 7u;
            if (code <= SQ_CALLBACK_WAIT) {
                SQ_CHECK_EQ(sq_callback_decode(ret, &act), SQ_OK);
                SQ_CHECK_EQ(act.kind, code);
                SQ_CHECK_EQ(act.set_index, index[i]);
            } else {
                SQ_CHECK_EQ(sq_callback_decode(ret, &act), SQ_ERR_INVALID);
                SQ_CHECK_EQ(act.kind, 7u);
                SQ_CHECK_EQ(act.set_index, 7u);
            }
        }
    }
    SQ_CHECK_EQ(sq_callback_decode(0xfffffff2u, &act), SQ_OK);
    SQ_CHECK_EQ(act.kind, SQ_CALLBACK_WAIT);
    SQ_CHECK_EQ(act.set_index, 0x0fffffffu);
    SQ_CHECK_EQ(sq_callback_decode(0xffffffffu, &act), SQ_ERR_INVALID);
}

/* What sq_callback_run refuses before it waits for anything. */
SQ_WAITABLE_SET_DEFINE(set_a, 2);
SQ_WAITABLE_SET_DEFINE(set_b, 2);
static sq_waitable_set_t *const run_sets[] = {&set_a, &set_b};

static void test_run_bad_input(void **state)
{
    (void)state;
    struct probe p = {'p', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
    sq_callback_entry_t storage[1];
    sq_callback_table_t t;
    memset(&t, 0, sizeof t);
    trail_reset();
    SQ_CHECK_EQ(sq_callback_run(NULL, run_sets, 2u, SQ_CALLBACK_EXIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_callback_run(&t, run_sets, 2u, SQ_CALLBACK_EXIT), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_callback_table_init(&t, storage, 1u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&t, SQ_WAIT_EVENT_NONE, 0u, probe_cb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_callback_run(&t, run_sets, 2u, SQ_CALLBACK_EXIT), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_callback_seal(&t), SQ_OK);
    SQ_CHECK_EQ(sq_callback_run(&t, NULL, 1u, SQ_CALLBACK_EXIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_callback_run(&t, NULL, 0u, SQ_CALLBACK_EXIT), SQ_OK);
    SQ_CHECK_EQ(sq_callback_run(&t, run_sets, 2u, SQ_CALLBACK_EXIT | (5u << 4)), SQ_OK);
    SQ_CHECK_EQ(sq_callback_run(&t, run_sets, 2u, 3u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_callback_run(&t, run_sets, 2u, SQ_CALLBACK_WAIT | (2u << 4)),
                SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_callback_run(&t, NULL, 0u, SQ_CALLBACK_WAIT), SQ_ERR_INVALID);
    SQ_CHECK_EQ(p.calls, 0u);
}

/*
 * The callback loop in a kernel thread. The task starts by waiting on set
 * b; a lower-priority thread raises an interrupt that posts on set b's
 * waitable: the exact entry (FUTURE_READ, 9) runs and yields; the yield
 * dispatches NONE, whose entry waits on set a; the second interrupt posts
 * a STREAM_READ of join id 3, which only the wildcard entry takes, and
 * that one exits.
 */
#define STACK 2048u
SQ_THREAD_DEFINE(th_task, STACK);
SQ_THREAD_DEFINE(th_raiser, STACK);
static sq_waitable_t w_a = SQ_WAITABLE_INIT;
static sq_waitable_t w_b = SQ_WAITABLE_INIT;
static struct probe on_future = {'f', SQ_CALLBACK_YIELD | (0xabcu << 4), 0u, {0u, 0u, 0u}};
static struct probe on_none = {'n', SQ_CALLBACK_WAIT | (0u << 4), 0u, {0u, 0u, 0u}};
static struct probe on_read = {'s', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
static struct probe on_other = {'o', SQ_CALLBACK_EXIT, 0u, {0u, 0u, 0u}};
SQ_CALLBACK_TABLE_DEFINE(run_table, 4);
static int run_results[4];

static void post_b(void *arg)
{
    (void)arg;
    note('i');
    run_results[1] = sq_waitable_post(&w_b, SQ_WAIT_EVENT_FUTURE_READ, 42u);
}
static void post_a(void *arg)
{
    (void)arg;
    note('j');
    run_results[2] = sq_waitable_post(&w_a, SQ_WAIT_EVENT_STREAM_READ, 7u);
}
static void task_main(void *arg)
{
    (void)arg;
    run_results[0] = sq_callback_run(&run_table, run_sets, 2u, SQ_CALLBACK_WAIT | (1u << 4));
    note('x');
}
static void raiser_main(void *arg)
{
    (void)arg;
    note('r');
    run_results[3] = sq_kernel_soft_irq(post_b, NULL);
    note('R');
    run_results[3] |= sq_kernel_soft_irq(post_a, NULL);
    note('E');
}

static void test_run_in_thread(void **state)
{
    (void)state;
    trail_reset();
    memset(run_results, 0x55, sizeof run_results);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&w_a, &set_a, 3u), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_join(&w_b, &set_b, 9u), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&run_table, SQ_WAIT_EVENT_FUTURE_READ, 9u, probe_cb,
                                     &on_future), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&run_table, SQ_WAIT_EVENT_NONE, 0u, probe_cb, &on_none),
                SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&run_table, SQ_WAIT_EVENT_STREAM_READ, SQ_CALLBACK_ANY_ID,
                                     probe_cb, &on_read), SQ_OK);
    SQ_CHECK_EQ(sq_callback_register(&run_table, SQ_WAIT_EVENT_FUTURE_READ, SQ_CALLBACK_ANY_ID,
                                     probe_cb, &on_other), SQ_OK);
    SQ_CHECK_EQ(sq_callback_seal(&run_table), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_task, task_main, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_raiser, raiser_main, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);

    SQ_CHECK(strcmp(trail_text(), "rifnRjsxE") == 0);
    SQ_CHECK_EQ(run_results[0], SQ_OK);
    SQ_CHECK_EQ(run_results[1], SQ_OK);
    SQ_CHECK_EQ(run_results[2], SQ_OK);
    SQ_CHECK_EQ(run_results[3], SQ_OK);
    const sq_wait_event_t ev_b = {SQ_WAIT_EVENT_FUTURE_READ, 9u, 42u};
    const sq_wait_event_t ev_a = {SQ_WAIT_EVENT_STREAM_READ, 3u, 7u};
    SQ_CHECK_MEM_EQ(&on_future.seen, &ev_b, sizeof ev_b);
    SQ_CHECK_MEM_EQ(&on_none.seen, &ev_none, sizeof ev_none);
    SQ_CHECK_MEM_EQ(&on_read.seen, &ev_a, sizeof ev_a);
    SQ_CHECK_EQ(on_other.calls, 0u);
    /* Both events were taken: nothing is left pending. */
    SQ_CHECK_EQ(sq_waitable_pending(&w_a), SQ_WAIT_EVENT_NONE);
    SQ_CHECK_EQ(sq_waitable_pending(&w_b), SQ_WAIT_EVENT_NONE);
    SQ_CHECK_EQ(sq_waitable_leave(&w_a), SQ_OK);
    SQ_CHECK_EQ(sq_waitable_leave(&w_b), SQ_OK);
}

SQ_TEST_MAIN(SQ_TEST(test_init_bad_input), SQ_TEST(test_register_bad_input),
             SQ_TEST(test_register_duplicate), SQ_TEST(test_register_full),
             SQ_TEST(test_seal), SQ_TEST(test_static_table),
             SQ_TEST(test_dispatch_bad_input), SQ_TEST(test_dispatch_not_found),
             SQ_TEST(test_dispatch_exact_and_wildcard), SQ_TEST(test_dispatch_bad_return),
             SQ_TEST(test_decode), SQ_TEST(test_run_bad_input), SQ_TEST(test_run_in_thread))
