/*
 * make demo, P3 control-plane part: an async call from one component
 * instance into a callback-lifted export of another that streams its
 * results back, cancelled cleanly part-way (docs/P3.md, "Control plane").
 *
 * - The server's export "squares" (async, callback-lifted, one u32
 *   parameter: how many to make) makes a stream<u32>, lowers its readable
 *   end into the client (what returning a stream does; the index reaches
 *   the client through the glue's mailbox here), and writes squares into
 *   it eight at a time, waiting in the callback loop (WAIT on its set)
 *   for each write's event. Told TASK_CANCELLED, it cancels its pending
 *   write, drops its end and its set, calls task.cancel and exits.
 * - The client lowers the call (async: STARTED, a subtask), reads the
 *   squares with async reads, runs the embedder's loop (sq_p3_loop_step)
 *   while a read waits, and after 100 values cancels the subtask: the
 *   server's callback runs at once and subtask.cancel returns
 *   CANCELLED_BEFORE_RETURNED (4). Its next read sees DROPPED; it drops
 *   what it holds.
 *
 * Everything is checked: each value is the next square, the cancel's
 * result, the final read's DROPPED, and that neither instance holds a
 * handle nor the runtime a task at the end.
 */
#include <stdio.h>
#include <squall/kernel.h>
#include <squall/p3_runtime.h>

#define MEM 1024u
#define CHUNK 8u
#define WANTED 100u

SQ_P3_RUNTIME_DEFINE(rt, 2u, 2u, 2u, 1u);
SQ_P3_INSTANCE_DEFINE(client, &rt, 8u);
SQ_P3_INSTANCE_DEFINE(server, &rt, 8u);
SQ_P3_TASKS_DEFINE(tasks, 2u);
SQ_CALLBACK_TABLE_DEFINE(server_callbacks, 7u);
SQ_P3_TYPE_DEFINE(u32_type, SQ_P3_ELEM_NUMBER, 4u, 4u);
static uint8_t client_mem[MEM];
static uint8_t server_mem[MEM];
static sq_p3_thread_t client_thread;
static unsigned failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("p3 call demo: FAILED: %s\n", what);
        failures++;
    }
}

static uint32_t load(const uint8_t *at)
{
    return (uint32_t)at[0] | ((uint32_t)at[1] << 8) | ((uint32_t)at[2] << 16) |
           ((uint32_t)at[3] << 24);
}

static void store(uint8_t *at, uint32_t v)
{
    at[0] = (uint8_t)v;
    at[1] = (uint8_t)(v >> 8);
    at[2] = (uint8_t)(v >> 16);
    at[3] = (uint8_t)(v >> 24);
}

/* ---- the server component (its core code and glue) ---- */

static uint32_t server_set, server_w, mailbox, next_n, limit;

/* realloc: the parameter block at 16. */
static uint32_t server_realloc(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                               uint32_t new_size)
{
    (void)ctx;
    (void)old_ptr;
    (void)old_size;
    (void)align;
    (void)new_size;
    return 16u;
}

/* Write the next squares from 256 in its memory, until a write blocks. */
static uint32_t server_write_more(sq_p3_thread_t *t)
{
    uint32_t result = 0u;
    while (next_n < limit) {
        uint32_t n = limit - next_n < CHUNK ? limit - next_n : CHUNK;
        for (uint32_t i = 0u; i < n; i++) {
            store(server_mem + 256u + 4u * i, (next_n + i) * (next_n + i));
        }
        check(sq_p3_stream_write(t, &u32_type, server_w, 256u, n, true, &result) == SQ_OK,
              "server write");
        if (result == SQ_P3_BLOCKED) {
            return SQ_CALLBACK_WAIT | (server_set << 4);
        }
        next_n += result >> 4;
    }
    return SQ_CALLBACK_WAIT | (server_set << 4);
}

static uint32_t squares(void *ctx, sq_p3_task_t *task, uint32_t args)
{
    (void)ctx;
    sq_p3_thread_t *t = sq_p3_task_thread(task);
    uint64_t packed = 0u;
    limit = load(server_mem + args);
    next_n = 0u;
    check(sq_p3_waitable_set_new(t, &server_set) == SQ_OK, "server set");
    check(sq_p3_stream_new(t, &u32_type, &packed) == SQ_OK, "stream.new");
    server_w = (uint32_t)(packed >> 32);
    check(sq_p3_end_transfer(t, &client, &u32_type, (uint32_t)packed, &mailbox) == SQ_OK,
          "lower the readable end");
    check(sq_p3_waitable_join(t, server_w, server_set) == SQ_OK, "server join");
    return server_write_more(t);
}

static uint32_t squares_callback(void *ctx, const sq_wait_event_t *ev)
{
    (void)ctx;
    sq_p3_thread_t *t = sq_p3_current(&server);
    uint32_t result = 0u;
    if (ev->code == SQ_P3_EVENT_TASK_CANCELLED) {
        check(sq_p3_stream_cancel_write(t, &u32_type, server_w, true, &result) == SQ_OK,
              "cancel-write");
        check(sq_p3_stream_drop_writable(t, &u32_type, server_w) == SQ_OK, "server drop");
        check(sq_p3_waitable_set_drop(t, server_set) == SQ_OK, "server set drop");
        check(sq_p3_task_cancel(t) == SQ_OK, "task.cancel");
        /* What the cancelled write had moved counts too (CANCELLED | n). */
        next_n += result >> 4;
        printf("server: cancelled after %u squares (its pending write: result %u, %u moved)\n",
               next_n, result & 0xfu, result >> 4);
        return SQ_CALLBACK_EXIT;
    }
    check(ev->code == SQ_P3_EVENT_STREAM_WRITE && ev->join_id == server_w, "server event");
    next_n += ev->payload >> 4;
    return server_write_more(t);
}

static const sq_p3_export_t squares_export = {&server, SQ_P3_LIFT_CALLBACK, true, &u32_type,
                                              NULL, squares, NULL, &server_callbacks};

/* ---- the client component ---- */

/* Read the next squares into 512.., running the loop while the read
 * waits: the result word. */
static uint32_t client_read(uint32_t r, uint32_t set)
{
    uint32_t result = 0u;
    uint32_t code = SQ_P3_EVENT_NONE;
    check(sq_p3_stream_read(&client_thread, &u32_type, r, 512u, 16u, true, &result) == SQ_OK,
          "client read");
    while (result == SQ_P3_BLOCKED) {
        check(sq_p3_loop_step(&rt) == SQ_OK, "loop step");
        check(sq_p3_waitable_set_poll(&client_thread, set, 0u, &code) == SQ_OK, "client poll");
        if (code == SQ_P3_EVENT_STREAM_READ) {
            result = load(client_mem + 4);
        }
    }
    return result;
}

int main(void)
{
    sq_kernel_init();
    int ok = sq_p3_runtime_init(&rt) == SQ_OK &&
             sq_p3_runtime_tasks(&rt, tasks, tasks_ready, 2u) == SQ_OK &&
             sq_p3_instance_init(&client, &rt, client_slots, 8u, client_mem, MEM) == SQ_OK &&
             sq_p3_instance_init(&server, &rt, server_slots, 8u, server_mem, MEM) == SQ_OK &&
             sq_p3_instance_set_realloc(&server, server_realloc, NULL) == SQ_OK &&
             sq_p3_thread_init(&client_thread, &client) == SQ_OK;
    for (uint32_t code = SQ_WAIT_EVENT_NONE; ok && code <= SQ_WAIT_EVENT_CANCELLED; code++) {
        ok = sq_callback_register(&server_callbacks, code, SQ_CALLBACK_ANY_ID, squares_callback,
                                  NULL) == SQ_OK;
    }
    if (!ok || sq_callback_seal(&server_callbacks) != SQ_OK) {
        printf("p3 call demo: set-up failed\n");
        return 1;
    }
    printf("squall P3 control-plane demo: a client calls a callback-lifted server export that "
           "streams squares back, and cancels it part-way\n");
    uint32_t word = 0u;
    uint32_t set = 0u;
    store(client_mem + 16, 1000000u);
    check(sq_p3_call(&client_thread, &squares_export, 16u, 0u, true, &word) == SQ_OK, "call");
    uint32_t subtask = word >> 4;
    printf("client: async call -> %u (STARTED, subtask %u)\n", word, subtask);
    check((word & 0xfu) == SQ_P3_SUBTASK_STARTED, "STARTED");
    uint32_t r = mailbox;
    check(sq_p3_waitable_set_new(&client_thread, &set) == SQ_OK, "client set");
    check(sq_p3_waitable_join(&client_thread, r, set) == SQ_OK, "client join");
    uint32_t got = 0u;
    while (got < WANTED) {
        uint32_t result = client_read(r, set);
        check((result & 0xfu) == SQ_P3_COPY_COMPLETED, "COMPLETED");
        for (uint32_t i = 0u; i < result >> 4; i++, got++) {
            check(load(client_mem + 512u + 4u * i) == got * got, "the next square");
        }
    }
    printf("client: read %u squares, each checked (the last %u); cancelling\n", got,
           (got - 1u) * (got - 1u));
    check(sq_p3_subtask_cancel(&client_thread, subtask, true, &word) == SQ_OK, "subtask.cancel");
    printf("client: subtask.cancel -> %u (CANCELLED_BEFORE_RETURNED)\n", word);
    check(word == SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED, "cancel result");
    check(next_n == got, "the server made exactly what the client read");
    uint32_t result = client_read(r, set);
    printf("client: next read -> result %u, %u values (DROPPED)\n", result & 0xfu, result >> 4);
    check((result & 0xfu) == SQ_P3_COPY_DROPPED, "DROPPED");
    check(sq_p3_stream_drop_readable(&client_thread, &u32_type, r) == SQ_OK, "client drop");
    check(sq_p3_waitable_set_drop(&client_thread, set) == SQ_OK, "client set drop");
    check(sq_p3_subtask_drop(&client_thread, subtask) == SQ_OK, "subtask.drop");
    check(sq_p3_handle_count(&client.handles) == 0u && sq_p3_handle_count(&server.handles) == 0u,
          "no handle left");
    check(rt.tasks.used == 0u, "no task left");
    check(sq_p3_loop_step(&rt) == SQ_ERR_EMPTY, "loop idle");
    printf("p3 call demo: %s\n", failures == 0u ? "ok" : "FAILED");
    return failures == 0u ? 0 : 1;
}
