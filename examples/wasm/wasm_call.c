/*
 * The control plane with a real wasm callee: examples/p3_call.c's scenario
 * with the server a wasm guest (squares.c: a callback-lifted async export,
 * clang --target=wasm32, wasm2c, generated glue) and the client C playing
 * a component instance. The client lowers an async call of
 * `squares(1000000)` (sq_p3_call: STARTED, a subtask), reads the squares
 * with async reads, running the embedder's loop (sq_p3_loop_step) while a
 * read waits, and after 100 values cancels the subtask: the guest's
 * callback is told TASK_CANCELLED, cancels its write, drops what it holds
 * and calls task.cancel, and subtask.cancel returns
 * CANCELLED_BEFORE_RETURNED (4). The next read sees DROPPED.
 *
 * The export's core function, its callback entry and the realloc hook
 * are the glue's (tools/wasm_glue.py); the embedder describes the export.
 */
#include <stdio.h>
#include <string.h>
#include <squall/p3_runtime.h>
#include "glue.h"

#define PAGE 65536u
#define MEM 1024u
#define WANTED 100u

SQ_P3_RUNTIME_DEFINE(rt, 2u, 2u, 2u, 1u);
SQ_P3_INSTANCE_DEFINE(client, &rt, 8u);
SQ_P3_INSTANCE_DEFINE(server_p3, &rt, 8u);
SQ_P3_TASKS_DEFINE(tasks, 2u);
SQ_CALLBACK_TABLE_DEFINE(server_callbacks, 7u);
SQ_P3_TYPE_DEFINE(u32_type, SQ_P3_ELEM_NUMBER, 4u, 4u);
static uint8_t client_mem[MEM];
static sq_p3_thread_t client_thread;
static _Alignas(8) uint8_t server_memory[PAGE];
static wasm_rt_funcref_t server_table[4];
SQ_WASM_DEPTH_DEFINE(sq_wasm_depth_squares);
static sq_wasm_squares_t server;
static sq_wasm_guest_t server_g;
static unsigned failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("wasm call demo: FAILED: %s\n", what);
        failures++;
    }
}

static uint32_t load(const uint8_t *at)
{
    uint32_t v;
    memcpy(&v, at, sizeof v);
    return v;
}

/* The export as the control plane calls it: the glue's generated core
 * function (reads the flat parameter from the block at `args` in the
 * guest's memory and enters the guest as the task's thread), callback
 * entry and realloc hook (the guest's cabi_realloc). */
static const sq_p3_export_t squares_export = {&server_p3, SQ_P3_LIFT_CALLBACK, true, &u32_type,
                                              NULL, sq_wasm_squares_squares_core, &server_g,
                                              &server_callbacks};

static void get_readable(void *ctx)
{
    *(uint32_t *)ctx = sq_wasm_squares_example_squares_api_readable(&server);
}

static void get_made(void *ctx)
{
    *(uint32_t *)ctx = sq_wasm_squares_example_squares_api_made(&server);
}

/* ---- the client component (C) ---- */

/* Read the next squares into 512.., running the loop while the read
 * waits: the result word. */
static uint32_t client_read(uint32_t r, uint32_t set)
{
    uint32_t result = 0u;
    uint32_t code = SQ_P3_EVENT_NONE;
    check(sq_p3_stream_read(&client_thread, &u32_type, r, 512u, 16u, true, &result) == SQ_OK,
          "client read");
    while (result == SQ_P3_BLOCKED) {
        if (sq_p3_loop_step(&rt) != SQ_OK) {
            check(0, "loop step");
            return SQ_P3_STREAM_RESULT(SQ_P3_COPY_DROPPED, 0u);
        }
        check(sq_p3_waitable_set_poll(&client_thread, set, 0u, &code) == SQ_OK, "client poll");
        if (code == SQ_P3_EVENT_STREAM_READ) {
            result = load(client_mem + 4);
        }
    }
    return result;
}

static bool setup(void)
{
    bool ok = sq_kernel_init() == SQ_OK && sq_p3_runtime_init(&rt) == SQ_OK &&
              sq_p3_runtime_tasks(&rt, tasks, tasks_ready, 2u) == SQ_OK &&
              sq_p3_instance_init(&client, &rt, client_slots, 8u, client_mem, MEM) == SQ_OK &&
              sq_p3_thread_init(&client_thread, &client) == SQ_OK &&
              sq_wasm_guest_init(&server_g, &server_p3, server_memory, PAGE, server_table, 4u,
                                 &sq_wasm_depth_squares) == SQ_OK &&
              sq_p3_instance_set_realloc(&server_p3, sq_wasm_squares_realloc, &server_g) ==
                  SQ_OK &&
              sq_wasm_callbacks_seal(&server_callbacks, sq_wasm_squares_squares_on_event,
                                     &server_g) == SQ_OK;
    wasm_rt_init();
    sq_wasm_squares_init_module();
    sq_wasm_instantiate_begin(&server_g);
    sq_wasm_squares_instantiate(&server, &server_g);
    ok = ok && sq_wasm_instantiate_end(&server_g) == SQ_OK;
    return ok;
}

int main(void)
{
    if (!setup()) {
        printf("wasm call demo: set-up failed\n");
        return 1;
    }
    printf("squall control plane with a wasm callee: a C client calls squares.wasm's\n"
           "callback-lifted export, which streams squares back, and cancels it part-way\n");
    uint32_t word = 0u, set = 0u, readable = 0u, r = 0u, made = 0u;
    uint32_t n = 1000000u;
    memcpy(client_mem + 16, &n, sizeof n);
    check(sq_p3_call(&client_thread, &squares_export, 16u, 0u, true, &word) == SQ_OK, "call");
    uint32_t subtask = word >> 4;
    printf("client: async call -> %u (STARTED, subtask %u)\n", (unsigned)word,
           (unsigned)subtask);
    check((word & 0xfu) == SQ_P3_SUBTASK_STARTED, "STARTED");
    /* The stream the export returns, lifted into the client. */
    check(sq_wasm_call(&server_g, get_readable, &readable) == SQ_OK &&
              sq_p3_end_transfer(&server_g.thread, &client, &u32_type, readable, &r) == SQ_OK,
          "lift the readable end");
    check(sq_p3_waitable_set_new(&client_thread, &set) == SQ_OK, "client set");
    check(sq_p3_waitable_join(&client_thread, r, set) == SQ_OK, "client join");
    uint32_t got = 0u;
    while (got < WANTED && failures == 0u) {
        uint32_t result = client_read(r, set);
        check((result & 0xfu) == SQ_P3_COPY_COMPLETED, "COMPLETED");
        for (uint32_t i = 0u; i < result >> 4; i++, got++) {
            check(load(client_mem + 512u + 4u * i) == got * got, "the next square");
        }
    }
    printf("client: read %u squares, each checked (the last %u); cancelling\n", (unsigned)got,
           (unsigned)((got - 1u) * (got - 1u)));
    check(sq_p3_subtask_cancel(&client_thread, subtask, true, &word) == SQ_OK, "subtask.cancel");
    printf("client: subtask.cancel -> %u (CANCELLED_BEFORE_RETURNED)\n", (unsigned)word);
    check(word == SQ_P3_SUBTASK_CANCELLED_BEFORE_RETURNED, "cancel result");
    check(sq_wasm_call(&server_g, get_made, &made) == SQ_OK && made == got,
          "the guest made exactly what the client read");
    printf("server: made %u squares before it was cancelled\n", (unsigned)made);
    uint32_t result = client_read(r, set);
    printf("client: next read -> result %u, %u values (DROPPED)\n", (unsigned)(result & 0xfu),
           (unsigned)(result >> 4));
    check((result & 0xfu) == SQ_P3_COPY_DROPPED, "DROPPED");
    check(sq_p3_stream_drop_readable(&client_thread, &u32_type, r) == SQ_OK, "client drop");
    check(sq_p3_waitable_set_drop(&client_thread, set) == SQ_OK, "client set drop");
    check(sq_p3_subtask_drop(&client_thread, subtask) == SQ_OK, "subtask.drop");
    check(sq_p3_handle_count(&client.handles) == 0u &&
              sq_p3_handle_count(&server_p3.handles) == 0u,
          "no handle left");
    check(rt.tasks.used == 0u, "no task left");
    check(sq_p3_loop_step(&rt) == SQ_ERR_EMPTY, "loop idle");
    check(sq_p3_instance_trap(&server_p3) == SQ_P3_TRAP_NONE, "no trap");
    printf("wasm call demo: %s\n", failures == 0u ? "ok" : "FAILED");
    return failures == 0u ? 0 : 1;
}
