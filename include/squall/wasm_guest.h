/*
 * The P3 canonical built-ins as a C guest compiled by
 * `clang --target=wasm32` sees them: import declarations under the module
 * and field names real toolchains emit (wasm-tools' "legacy" names, see
 * docs/WASM.md), and macros for the exports a component's core module
 * has. It plays the part wit-bindgen's generated header plays for a world,
 * for the built-ins only; the host side is the glue that
 * tools/wasm_glue.py generates from wasm2c's output.
 *
 * Guest code only: it is compiled for wasm32 and never part of the
 * squall library (nor of squall_ffi.h).
 *
 * Stream and future built-ins are per function and per type position
 * (`[stream-new-0]produce`): declare them with SQ_WASM_STREAM_IMPORTS /
 * SQ_WASM_FUTURE_IMPORTS, once per (module, function, position).
 */
#ifndef SQUALL_WASM_GUEST_H
#define SQUALL_WASM_GUEST_H

#if !defined(__wasm32__)
#error "squall/wasm_guest.h is for guests compiled with --target=wasm32"
#endif

#include <stdint.h>

#define SQ_WASM_IMPORT(module, field)                                          \
    __attribute__((import_module(module), import_name(field)))
#define SQ_WASM_EXPORT(name) __attribute__((export_name(name)))

/* The canonical encodings the built-ins return (docs/P3.md "Encodings"). */
#define SQ_WASM_BLOCKED 0xffffffffu
#define SQ_WASM_COMPLETED 0u
#define SQ_WASM_DROPPED 1u
#define SQ_WASM_CANCELLED 2u
#define SQ_WASM_COPY_RESULT(word) ((word) & 0xfu)
#define SQ_WASM_COPY_COUNT(word) ((word) >> 4)

#define SQ_WASM_EVENT_NONE 0u
#define SQ_WASM_EVENT_SUBTASK 1u
#define SQ_WASM_EVENT_STREAM_READ 2u
#define SQ_WASM_EVENT_STREAM_WRITE 3u
#define SQ_WASM_EVENT_FUTURE_READ 4u
#define SQ_WASM_EVENT_FUTURE_WRITE 5u
#define SQ_WASM_EVENT_TASK_CANCELLED 6u

/* An async lower's word: a subtask state (STARTING 0, STARTED 1, RETURNED
 * 2, ...) and, unless RETURNED, the new subtask's index. */
#define SQ_WASM_SUBTASK_STARTED 1u
#define SQ_WASM_SUBTASK_RETURNED 2u
#define SQ_WASM_SUBTASK_STATE(word) ((word) & 0xfu)
#define SQ_WASM_SUBTASK_INDEX(word) ((word) >> 4)

/* A callback-lifted export's return code. */
#define SQ_WASM_CALLBACK_EXIT 0u
#define SQ_WASM_CALLBACK_YIELD 1u
#define SQ_WASM_CALLBACK_WAIT(set) (2u | ((uint32_t)(set) << 4))

/* What waitable-set.wait / poll store at their pointer. */
typedef struct sq_wasm_event {
    uint32_t waitable;
    uint32_t payload;
} sq_wasm_event_t;

/* stream.new / future.new: readable end low, writable end high. */
#define SQ_WASM_READABLE(packed) ((uint32_t)(packed))
#define SQ_WASM_WRITABLE(packed) ((uint32_t)((packed) >> 32))

/* ---- `$root` built-ins, one per component ---- */

SQ_WASM_IMPORT("$root", "[waitable-set-new]")
uint32_t sq_wasm_waitable_set_new(void);
SQ_WASM_IMPORT("$root", "[waitable-set-wait]")
uint32_t sq_wasm_waitable_set_wait(uint32_t set, sq_wasm_event_t *event);
SQ_WASM_IMPORT("$root", "[waitable-set-poll]")
uint32_t sq_wasm_waitable_set_poll(uint32_t set, sq_wasm_event_t *event);
SQ_WASM_IMPORT("$root", "[waitable-set-drop]")
void sq_wasm_waitable_set_drop(uint32_t set);
SQ_WASM_IMPORT("$root", "[waitable-join]")
void sq_wasm_waitable_join(uint32_t waitable, uint32_t set);
SQ_WASM_IMPORT("$root", "[subtask-drop]")
void sq_wasm_subtask_drop(uint32_t subtask);
SQ_WASM_IMPORT("$root", "[subtask-cancel]")
uint32_t sq_wasm_subtask_cancel(uint32_t subtask);
SQ_WASM_IMPORT("$root", "[backpressure-inc]")
void sq_wasm_backpressure_inc(void);
SQ_WASM_IMPORT("$root", "[backpressure-dec]")
void sq_wasm_backpressure_dec(void);
SQ_WASM_IMPORT("$root", "[context-get-0]")
uint32_t sq_wasm_context_get_0(void);
SQ_WASM_IMPORT("$root", "[context-set-0]")
void sq_wasm_context_set_0(uint32_t value);
SQ_WASM_IMPORT("$root", "[context-get-1]")
uint32_t sq_wasm_context_get_1(void);
SQ_WASM_IMPORT("$root", "[context-set-1]")
void sq_wasm_context_set_1(uint32_t value);
SQ_WASM_IMPORT("$root", "[thread-yield]")
uint32_t sq_wasm_thread_yield(void);
SQ_WASM_IMPORT("$root", "[error-context-new-utf8]")
uint32_t sq_wasm_error_context_new(const char *message, uint32_t length);
SQ_WASM_IMPORT("$root", "[error-context-debug-message-utf8]")
void sq_wasm_error_context_debug_message(uint32_t handle, void *string_out);
SQ_WASM_IMPORT("$root", "[error-context-drop]")
void sq_wasm_error_context_drop(uint32_t handle);

/*
 * Streams of one (module, function, position): `prefix_new`, the async
 * (`[async-lower]`) `_read`, `_write`, `_cancel_read`, `_cancel_write`
 * (they return the result word, or SQ_WASM_BLOCKED), their synchronous
 * forms `_read_sync` ... `_cancel_write_sync` (they block until the
 * result; on an end in a waitable set they trap), and the two drops.
 * Only what a guest calls becomes an import. `module` is "[export]<iface>"
 * when `fn` is exported, "<iface>" when it is imported ("$root" for world
 * functions).
 */
#define SQ_WASM_STREAM_IMPORTS(prefix, module, fn, n)                          \
    SQ_WASM_IMPORT(module, "[stream-new-" #n "]" fn)                           \
    uint64_t prefix##_new(void);                                               \
    SQ_WASM_IMPORT(module, "[async-lower][stream-read-" #n "]" fn)             \
    uint32_t prefix##_read(uint32_t end, void *buffer, uint32_t count);        \
    SQ_WASM_IMPORT(module, "[async-lower][stream-write-" #n "]" fn)            \
    uint32_t prefix##_write(uint32_t end, const void *buffer, uint32_t count); \
    SQ_WASM_IMPORT(module, "[async-lower][stream-cancel-read-" #n "]" fn)      \
    uint32_t prefix##_cancel_read(uint32_t end);                               \
    SQ_WASM_IMPORT(module, "[async-lower][stream-cancel-write-" #n "]" fn)     \
    uint32_t prefix##_cancel_write(uint32_t end);                              \
    SQ_WASM_IMPORT(module, "[stream-read-" #n "]" fn)                          \
    uint32_t prefix##_read_sync(uint32_t end, void *buffer, uint32_t count);   \
    SQ_WASM_IMPORT(module, "[stream-write-" #n "]" fn)                         \
    uint32_t prefix##_write_sync(uint32_t end, const void *buffer, uint32_t count); \
    SQ_WASM_IMPORT(module, "[stream-cancel-read-" #n "]" fn)                   \
    uint32_t prefix##_cancel_read_sync(uint32_t end);                          \
    SQ_WASM_IMPORT(module, "[stream-cancel-write-" #n "]" fn)                  \
    uint32_t prefix##_cancel_write_sync(uint32_t end);                         \
    SQ_WASM_IMPORT(module, "[stream-drop-readable-" #n "]" fn)                 \
    void prefix##_drop_readable(uint32_t end);                                 \
    SQ_WASM_IMPORT(module, "[stream-drop-writable-" #n "]" fn)                 \
    void prefix##_drop_writable(uint32_t end)

/* The same for a future<T>: read and write move one element. */
#define SQ_WASM_FUTURE_IMPORTS(prefix, module, fn, n)                          \
    SQ_WASM_IMPORT(module, "[future-new-" #n "]" fn)                           \
    uint64_t prefix##_new(void);                                               \
    SQ_WASM_IMPORT(module, "[async-lower][future-read-" #n "]" fn)             \
    uint32_t prefix##_read(uint32_t end, void *buffer);                        \
    SQ_WASM_IMPORT(module, "[async-lower][future-write-" #n "]" fn)            \
    uint32_t prefix##_write(uint32_t end, const void *buffer);                 \
    SQ_WASM_IMPORT(module, "[async-lower][future-cancel-read-" #n "]" fn)      \
    uint32_t prefix##_cancel_read(uint32_t end);                               \
    SQ_WASM_IMPORT(module, "[async-lower][future-cancel-write-" #n "]" fn)     \
    uint32_t prefix##_cancel_write(uint32_t end);                              \
    SQ_WASM_IMPORT(module, "[future-read-" #n "]" fn)                          \
    uint32_t prefix##_read_sync(uint32_t end, void *buffer);                   \
    SQ_WASM_IMPORT(module, "[future-write-" #n "]" fn)                         \
    uint32_t prefix##_write_sync(uint32_t end, const void *buffer);            \
    SQ_WASM_IMPORT(module, "[future-cancel-read-" #n "]" fn)                   \
    uint32_t prefix##_cancel_read_sync(uint32_t end);                          \
    SQ_WASM_IMPORT(module, "[future-cancel-write-" #n "]" fn)                  \
    uint32_t prefix##_cancel_write_sync(uint32_t end);                         \
    SQ_WASM_IMPORT(module, "[future-drop-readable-" #n "]" fn)                 \
    void prefix##_drop_readable(uint32_t end);                                 \
    SQ_WASM_IMPORT(module, "[future-drop-writable-" #n "]" fn)                 \
    void prefix##_drop_writable(uint32_t end)

/* `task.return` of an exported function of `iface` ("$root": world
 * level), declared with the flat result parameters given. */
#define SQ_WASM_TASK_RETURN(cname, iface, fn, ...)                             \
    SQ_WASM_IMPORT("[export]" iface, "[task-return]" fn)                       \
    void cname(__VA_ARGS__)
#define SQ_WASM_TASK_CANCEL(cname, iface)                                      \
    SQ_WASM_IMPORT("[export]" iface, "[task-cancel]") void cname(void)

/* An async-lowered call of imported function `fn` of `iface` ("$root":
 * world level), declared with its flat core parameters (at most 4, then a
 * pointer to its result's place if it has one): returns the lower's word
 * (SQ_WASM_SUBTASK_STATE / SQ_WASM_SUBTASK_INDEX split it). */
#define SQ_WASM_ASYNC_IMPORT(cname, iface, fn, ...)                            \
    SQ_WASM_IMPORT(iface, "[async-lower]" fn)                                  \
    uint32_t cname(__VA_ARGS__)

/* A synchronous export `iface#fn` ("fn" alone at world level). */
#define SQ_WASM_EXPORT_SYNC(iface, fn) SQ_WASM_EXPORT(iface "#" fn)

/*
 * A callback-lifted async export: the entry (returns a callback code) and
 * its callback (event, p1, p2) -> code:
 *
 *   SQ_WASM_ASYNC_LIFT("example:sensor/filter", "run")
 *   uint32_t filter_run(uint32_t in);
 *   SQ_WASM_ASYNC_CALLBACK("example:sensor/filter", "run")
 *   uint32_t filter_run_cb(uint32_t event, uint32_t p1, uint32_t p2);
 */
#define SQ_WASM_ASYNC_LIFT(iface, fn) SQ_WASM_EXPORT("[async-lift]" iface "#" fn)
#define SQ_WASM_ASYNC_CALLBACK(iface, fn)                                      \
    SQ_WASM_EXPORT("[callback][async-lift]" iface "#" fn)

/* `cabi_realloc` over a static arena of `bytes`, each block taken for
 * good (nothing is freed): for a guest that is called a few times, whose
 * blocks are the glue's scratch block and one parameter block per call.
 * A request past the arena returns 0 (the caller traps NO_MEMORY). */
#define SQ_WASM_BUMP_REALLOC(bytes)                                            \
    static _Alignas(8) uint8_t sq_wasm_arena_[(bytes)];                        \
    static uint32_t sq_wasm_arena_used_;                                       \
    SQ_WASM_EXPORT("cabi_realloc")                                             \
    void *cabi_realloc(void *old, uint32_t old_size, uint32_t align,           \
                       uint32_t new_size)                                      \
    {                                                                          \
        uint32_t at = (sq_wasm_arena_used_ + align - 1u) & ~(align - 1u);      \
        (void)old;                                                             \
        (void)old_size;                                                        \
        if (align == 0u || align > 8u || at > (bytes) || new_size > (bytes) - at) { \
            return (void *)0;                                                  \
        }                                                                      \
        sq_wasm_arena_used_ = at + new_size;                                   \
        return sq_wasm_arena_ + at;                                            \
    }

#endif /* SQUALL_WASM_GUEST_H */
