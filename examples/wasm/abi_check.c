/*
 * Every declaration of squall/wasm_guest.h used once, so that CTest
 * wasm_guest_abi can compare the module's imports and exports (module,
 * field, core type) with abi_check.expected, written from
 * /work/shared/reference/guest-abi.md. Never run.
 */
#include <squall/wasm_guest.h>

#define IFACE "example:abi/check"

SQ_WASM_STREAM_IMPORTS(s, "[export]" IFACE, "f", 0);
SQ_WASM_FUTURE_IMPORTS(fu, IFACE, "g", 1);
SQ_WASM_TASK_RETURN(ret_f, IFACE, "f", uint32_t value);
SQ_WASM_TASK_CANCEL(cancel, IFACE);
SQ_WASM_ASYNC_IMPORT(call_g, IFACE, "g", uint32_t a, uint32_t *result);

static sq_wasm_event_t ev;
static uint32_t sink;

SQ_WASM_ASYNC_LIFT(IFACE, "f")
uint32_t check_f(uint32_t x)
{
    uint32_t set = sq_wasm_waitable_set_new();
    sq_wasm_waitable_join(x, set);
    sink += sq_wasm_waitable_set_wait(set, &ev) + sq_wasm_waitable_set_poll(set, &ev);
    sq_wasm_waitable_set_drop(set);
    sq_wasm_subtask_drop(x);
    sink += sq_wasm_subtask_cancel(x);
    sq_wasm_backpressure_inc();
    sq_wasm_backpressure_dec();
    sq_wasm_context_set_0(sq_wasm_context_get_0());
    sq_wasm_context_set_1(sq_wasm_context_get_1());
    sink += sq_wasm_thread_yield();
    uint32_t e = sq_wasm_error_context_new("x", 1u);
    sq_wasm_error_context_debug_message(e, &ev);
    sq_wasm_error_context_drop(e);
    uint64_t p = s_new();
    sink += s_read(SQ_WASM_READABLE(p), &ev, 1u) + s_write(SQ_WASM_WRITABLE(p), &ev, 1u) +
            s_cancel_read(x) + s_cancel_write(x) + s_read_sync(x, &ev, 1u) +
            s_write_sync(x, &ev, 1u) + s_cancel_read_sync(x) + s_cancel_write_sync(x);
    s_drop_readable(x);
    s_drop_writable(x);
    p = fu_new();
    sink += fu_read(SQ_WASM_READABLE(p), &ev) + fu_write(SQ_WASM_WRITABLE(p), &ev) +
            fu_cancel_read(x) + fu_cancel_write(x) + fu_read_sync(x, &ev) +
            fu_write_sync(x, &ev) + fu_cancel_read_sync(x) + fu_cancel_write_sync(x);
    fu_drop_readable(x);
    fu_drop_writable(x);
    ret_f(sink);
    cancel();
    sink += SQ_WASM_SUBTASK_STATE(call_g(x, &sink)) + SQ_WASM_SUBTASK_INDEX(sink);
    return SQ_WASM_CALLBACK_WAIT(set);
}

SQ_WASM_ASYNC_CALLBACK(IFACE, "f")
uint32_t check_f_cb(uint32_t event, uint32_t p1, uint32_t p2)
{
    return event + p1 + p2 == 0u ? SQ_WASM_CALLBACK_EXIT : SQ_WASM_CALLBACK_YIELD;
}

SQ_WASM_EXPORT_SYNC(IFACE, "h") uint32_t check_h(void) { return sink; }

SQ_WASM_BUMP_REALLOC(64)
