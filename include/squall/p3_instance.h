/*
 * squall P3: component instances, the guest threads that run in them, and
 * traps.
 *
 * An embedder (a wasm runtime, wasm2c glue, a hand-written host) registers
 * each component instance with its linear memory and a handle table, and
 * gives every call into the instance a guest-thread context
 * (sq_p3_thread_t). Every built-in takes that context explicitly: it
 * names the instance whose table and memory the built-in works on, and
 * the thread's two context slots.
 *
 * Traps. A built-in that finds a broken Component Model rule returns
 * SQ_ERR_TRAP, records the reason in the instance (the first one stays)
 * and changes nothing else, with exactly these exceptions:
 *   - a trap stops the instance's other threads: each thread blocked in a
 *     built-in of it (waitable-set.wait, a synchronous read or write) is
 *     woken and returns SQ_ERR_TRAP, nothing taken or stored (the
 *     reference stops every thread of a trapped instance);
 *   - error-context.debug-message calls realloc, and fills the block it
 *     gives, before it checks `ptr` (the reference's order): a trap on
 *     `ptr` (ALIGN, BOUNDS), or in realloc, comes after realloc ran and
 *     the block was written;
 *   - what the instance had under way stays as it was, not undone: a copy
 *     it registered (a pending read or write, one a stopped synchronous
 *     call made included) can still be completed by a partner in another
 *     instance, which moves elements to or from the trapped instance's
 *     memory, so that memory must stay until those ends are dropped.
 * A trapped instance is poisoned: every later built-in on it returns
 * SQ_ERR_TRAP at once, context.get/set included (SQ_P3_TRAP_POISONED is
 * not recorded over the first reason). Other instances are untouched;
 * sq_p3_end_transfer says with its code which instance refused. The
 * embedder unwinds the guest (wasm_rt_trap, say) when it sees SQ_ERR_TRAP.
 *
 * Guest pointers. Every address a built-in takes is an offset into the
 * calling instance's linear memory; before any byte is touched it is
 * checked to be aligned and wholly inside memory (IN01), so no access
 * outside an instance's memory is possible.
 */
#ifndef SQUALL_P3_INSTANCE_H
#define SQUALL_P3_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/status.h>
#include <squall/gate.h>
#include <squall/p3_handle_table.h>

/** Why a built-in trapped. Each names one rule of the reference. */
typedef enum sq_p3_trap {
    SQ_P3_TRAP_NONE = 0,
    SQ_P3_TRAP_POISONED,         /**< the instance trapped before */
    SQ_P3_TRAP_MAY_NOT_LEAVE,    /**< a built-in while may_leave is false */
    SQ_P3_TRAP_BAD_HANDLE,       /**< index 0, out of range, or a free slot */
    SQ_P3_TRAP_WRONG_KIND,       /**< the handle is of another kind */
    SQ_P3_TRAP_WRONG_TYPE,       /**< the end's element type is not the built-in's */
    SQ_P3_TRAP_TABLE_FULL,       /**< no index left (2^28 - 1, or the table's capacity) */
    SQ_P3_TRAP_NO_OBJECTS,       /**< the runtime's pool for the new object is used up */
    SQ_P3_TRAP_LENGTH,           /**< an element count above 2^28 - 1 */
    SQ_P3_TRAP_ALIGN,            /**< a guest pointer not aligned for what it points to */
    SQ_P3_TRAP_BOUNDS,           /**< a guest range not wholly inside linear memory */
    SQ_P3_TRAP_NOT_IDLE,         /**< read or write on an end that is copying */
    SQ_P3_TRAP_DONE,             /**< use of an end that is done (only drop is legal) */
    SQ_P3_TRAP_NOT_COPYING,      /**< cancel with no copy in progress, or a cancel already blocked */
    SQ_P3_TRAP_SYNC_IN_SET,      /**< a synchronous built-in on a waitable that is in a set */
    SQ_P3_TRAP_SYNC_WAITER,      /**< join, or cancel, of a waitable a synchronous call waits on */
    SQ_P3_TRAP_BUSY,             /**< drop of an end that is copying */
    SQ_P3_TRAP_FUTURE_UNWRITTEN, /**< drop of a writable future end that has not written */
    SQ_P3_TRAP_SAME_INSTANCE,    /**< a copy within one instance of a non-number element type */
    SQ_P3_TRAP_SET_NOT_EMPTY,    /**< drop of a waitable set that has members */
    SQ_P3_TRAP_SET_WAITERS,      /**< drop of a waitable set a thread waits on */
    SQ_P3_TRAP_CANNOT_ENTER,     /**< a call into a trapped instance, or one on the caller's stack */
    SQ_P3_TRAP_BACKPRESSURE,     /**< backpressure.inc to 2^16, or .dec below 0 */
    SQ_P3_TRAP_NOT_ASYNC,        /**< task.return or task.cancel in a task not async-lifted */
    SQ_P3_TRAP_RESULT_TYPE,      /**< task.return of another type than the export's result */
    SQ_P3_TRAP_RESOLVED,         /**< task.return or task.cancel of a task already resolved */
    SQ_P3_TRAP_NOT_CANCELLED,    /**< task.cancel before a cancellation was delivered */
    SQ_P3_TRAP_BORROWS,          /**< resolving a task that still holds borrowed handles */
    SQ_P3_TRAP_UNRESOLVED,       /**< a task's last thread ended before the task resolved */
    SQ_P3_TRAP_SUBTASK_DELIVERED, /**< subtask.cancel after its resolution was delivered */
    SQ_P3_TRAP_CANCEL_TWICE,     /**< subtask.cancel of a subtask already being cancelled */
    SQ_P3_TRAP_SUBTASK_UNRESOLVED, /**< subtask.drop before its resolution was delivered */
    SQ_P3_TRAP_CALLBACK_CODE     /**< a callback-lifted export returned a code of 3 .. 15 */
} sq_p3_trap_t;

/** The pools every built-in draws objects from (p3_runtime.h). */
struct sq_p3_runtime;

/** What a pooled object (stream, set, error context) starts with. */
typedef struct sq_p3_pool_link {
    uint32_t next_free; /**< while unused: next unused index + 1 (0: none) */
    bool in_use;
} sq_p3_pool_link_t;

/**
 * Guest memory allocator hook (the component's `realloc` canonical
 * option), for built-ins that hand the guest new memory
 * (error-context.debug-message). Returns the new block's offset, or
 * SQ_P3_NO_MEMORY. NULL: such built-ins store an empty result.
 */
typedef uint32_t (*sq_p3_realloc_fn)(void *ctx, uint32_t old_ptr, uint32_t old_size,
                                     uint32_t align, uint32_t new_size);
#define SQ_P3_NO_MEMORY 0xffffffffu

typedef struct sq_p3_instance {
    struct sq_p3_runtime *runtime;
    uint8_t *memory;              /**< linear memory (NULL with length 0: none) */
    uint32_t memory_length;       /**< bytes */
    sq_p3_handle_table_t handles;
    bool may_leave;               /**< false during realloc and post-return */
    uint32_t trap;                /**< sq_p3_trap_t: the first trap, NONE while healthy */
    sq_p3_realloc_fn realloc_fn;
    void *realloc_ctx;
    uint32_t magic;               /**< SQ_P3_INSTANCE_MAGIC once registered */
    /* Entry (p3_task.h): the control plane's. */
    sq_gate_t backpressure;       /**< backpressure.inc/dec's counter */
    struct sq_p3_task *holder;    /**< the exclusive lock's holder, or NULL */
    struct sq_p3_task *queue_head; /**< calls waiting to enter, oldest first */
    struct sq_p3_task *queue_tail;
    struct sq_p3_task *lock_head; /**< callback tasks ready but kept out by the lock */
    struct sq_p3_task *lock_tail;
    uint32_t on_stack;            /**< calls out of it whose callee runs on their stack */
} sq_p3_instance_t;

#define SQ_P3_INSTANCE_MAGIC 0x50334931u

/** Two context slots per guest thread (context.get/set i, i < 2). */
#define SQ_P3_CONTEXT_SLOTS 2u

/** A guest thread: one export call's implicit thread, or a thread the
 *  guest made. Each starts with both context slots 0. */
typedef struct sq_p3_thread {
    sq_p3_instance_t *instance;
    uint32_t context[SQ_P3_CONTEXT_SLOTS];
    uint32_t magic;               /**< SQ_P3_THREAD_MAGIC once initialised */
    struct sq_p3_task *task;      /**< the task it is the implicit thread of, or NULL */
} sq_p3_thread_t;

#define SQ_P3_THREAD_MAGIC 0x50335431u

/** Define instance `name` of `runtime` with a table of `handles` slots
 *  (slot 0 included) and no memory yet; sq_p3_instance_init gives it
 *  memory. */
#define SQ_P3_INSTANCE_DEFINE(name, runtime_, handles)                         \
    _Static_assert((handles) >= 2u && (handles) - 1u <= SQ_P3_MAX_HANDLES,     \
                   "a handle table holds slot 0 and 1 .. 2^28 - 1 at most");   \
    static sq_p3_handle_slot_t name##_slots[(handles)];                        \
    sq_p3_instance_t name = {(runtime_), NULL, 0u,                             \
                             {name##_slots, (handles), 1u, 0u}, true,          \
                             SQ_P3_TRAP_NONE, NULL, NULL, SQ_P3_INSTANCE_MAGIC,   \
                             {0u, 0u, SQ_GATE_MAGIC, {0}}, NULL, NULL, NULL,      \
                             NULL, NULL, 0u}

/**
 * Register `inst` with `runtime`: linear memory `memory` of `length` bytes
 * (NULL and 0 for a component without memory), an empty handle table over
 * `slots` (capacity entries), may_leave true, not trapped. SQ_ERR_NULL
 * (inst, runtime, slots; memory with length > 0), SQ_ERR_CAPACITY (see
 * sq_p3_handle_table_init).
 */
sq_status_t sq_p3_instance_init(sq_p3_instance_t *inst, struct sq_p3_runtime *runtime,
                                sq_p3_handle_slot_t *slots, uint32_t capacity,
                                uint8_t *memory, uint32_t length);

/** Tell squall where linear memory is now (after memory.grow). It may only
 *  grow: SQ_ERR_NULL, SQ_ERR_INVALID (not registered), SQ_ERR_RANGE
 *  (shorter than before: a pending copy's buffer could fall outside). */
sq_status_t sq_p3_instance_set_memory(sq_p3_instance_t *inst, uint8_t *memory, uint32_t length);

/** Set the may_leave flag (false while the embedder runs the guest's
 *  realloc or post-return). SQ_ERR_NULL, SQ_ERR_INVALID. */
sq_status_t sq_p3_instance_set_may_leave(sq_p3_instance_t *inst, bool may_leave);

/** Give the instance its realloc (NULL: none). SQ_ERR_NULL, SQ_ERR_INVALID. */
sq_status_t sq_p3_instance_set_realloc(sq_p3_instance_t *inst, sq_p3_realloc_fn fn, void *ctx);

/** Why `inst` trapped (SQ_P3_TRAP_NONE: it has not; also for NULL). */
sq_p3_trap_t sq_p3_instance_trap(const sq_p3_instance_t *inst);

/** Start guest thread `t` in `inst`, context slots 0, no task (an
 *  embedder's thread: a task's implicit thread is squall's). SQ_ERR_NULL,
 *  SQ_ERR_INVALID (inst not registered). */
sq_status_t sq_p3_thread_init(sq_p3_thread_t *t, sq_p3_instance_t *inst);

/** context.get i: the thread's slot i into `*value`. It traps nothing
 *  itself (the slot number is checked by validation, may_leave is not):
 *  SQ_ERR_NULL, SQ_ERR_INVALID (t not initialised), SQ_ERR_TRAP (the
 *  instance has trapped: nothing stored, no reason recorded),
 *  SQ_ERR_RANGE (i >= 2). */
sq_status_t sq_p3_context_get(const sq_p3_thread_t *t, uint32_t i, uint32_t *value);

/** context.set i. Codes as for get; after a trap the slot keeps its
 *  value. */
sq_status_t sq_p3_context_set(sq_p3_thread_t *t, uint32_t i, uint32_t value);

#endif /* SQUALL_P3_INSTANCE_H */
