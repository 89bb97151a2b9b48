/*
 * squall P3: the runtime's object pools. Everything the built-ins create
 * (stream and future shared state, waitable sets, error contexts) comes
 * from pools in caller memory sized at compile time; nothing is
 * allocated. A pool that is used up makes the creating built-in trap
 * (SQ_P3_TRAP_NO_OBJECTS): the guest asked for more than the firmware was
 * built to hold. Taking and giving back an object is O(1) (a free list).
 *
 * Built-ins on instances of one runtime make their decisions under the
 * kernel's interrupt lock, so guest threads on several kernel threads may
 * call them concurrently; a copy of more than 64 bytes between two linear
 * memories runs with the lock released, its channel marked busy
 * (docs/P3.md).
 */
#ifndef SQUALL_P3_RUNTIME_H
#define SQUALL_P3_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <squall/status.h>
#include <squall/p3_stream.h>
#include <squall/p3_waitable.h>
#include <squall/p3_error_context.h>
#include <squall/p3_task.h>

/** `count` objects of `stride` bytes at `items`, each starting with an
 *  sq_p3_pool_link_t. */
typedef struct sq_p3_pool {
    void *items;
    uint32_t count;
    uint32_t stride;
    uint32_t free_head;       /**< first unused index + 1 (0: none left) */
    uint32_t used;
} sq_p3_pool_t;

typedef struct sq_p3_runtime {
    sq_p3_pool_t channels;    /**< sq_p3_channel_t: streams and futures */
    sq_p3_pool_t sets;        /**< sq_p3_wset_t */
    sq_p3_pool_t errors;      /**< sq_p3_error_context_t */
    sq_waitable_t **set_storage; /**< sets.count * set_members pointers */
    uint32_t set_members;     /**< members per waitable set at most */
    uint32_t magic;           /**< SQ_P3_RUNTIME_MAGIC once initialised */
    sq_p3_pool_t tasks;       /**< sq_p3_task_t (sq_p3_runtime_tasks; none by default) */
    sq_waitable_set_t loop;   /**< the callback loop: one member per task */
    sq_thread_t *const *workers; /**< kernel threads for stackful tasks (sq_p3_runtime_workers) */
    uint32_t worker_count;
    uint32_t worker_prio;
} sq_p3_runtime_t;

#define SQ_P3_RUNTIME_MAGIC 0x50335254u

#define SQ_P3_POOL_OF(array, n) {(array), (n), (uint32_t)sizeof((array)[0]), 0u, 0u}

/** Define runtime `name` with `channels` streams/futures, `sets` waitable
 *  sets of up to `members` members each, and `errors` error contexts.
 *  Call sq_p3_runtime_init(&name) once before use. */
#define SQ_P3_RUNTIME_DEFINE(name, channels, sets, members, errors)            \
    _Static_assert((channels) > 0u && (sets) > 0u && (members) > 0u &&         \
                   (errors) > 0u, "every pool needs room");                    \
    static sq_p3_channel_t name##_channels[(channels)];                        \
    static sq_p3_wset_t name##_sets[(sets)];                                   \
    static sq_waitable_t *name##_set_storage[(sets) * (members)];              \
    static sq_p3_error_context_t name##_errors[(errors)];                      \
    sq_p3_runtime_t name = {SQ_P3_POOL_OF(name##_channels, (channels)),        \
                            SQ_P3_POOL_OF(name##_sets, (sets)),                \
                            SQ_P3_POOL_OF(name##_errors, (errors)),            \
                            name##_set_storage, (members), 0u,             \
                            {NULL, 0u, 0u, 0u, 0u}, {NULL, 0u, 0u, 0u, 0u, {0}}, \
                            NULL, 0u, 0u}

/** Give `rt` a pool of `count` tasks at `tasks` (SQ_P3_TASKS_DEFINE's
 *  `name`, with `ready` its `name_ready`): what async calls, their
 *  subtasks and the callback loop take. Every task unused; sq_p3_runtime_init
 *  makes them unused again. SQ_ERR_NULL, SQ_ERR_INVALID (count 0),
 *  SQ_ERR_BUSY (a task is in use). */
sq_status_t sq_p3_runtime_tasks(sq_p3_runtime_t *rt, sq_p3_task_t *tasks, sq_waitable_t **ready,
                                uint32_t count);

/** Give `rt` `count` kernel threads (`threads[i]`, each with its
 *  stack: SQ_THREAD_DEFINE) for stackful tasks, run at priority `prio`:
 *  a stackful task that enters takes one that is not running (NEW or
 *  DEAD) and its core function runs there; when it ends, that thread runs
 *  the oldest waiting stackful call of the same instance that may enter,
 *  if any. None by default (a stackful call then waits to enter).
 *  SQ_ERR_NULL, SQ_ERR_INVALID (prio above SQ_PRIO_LOWEST). */
sq_status_t sq_p3_runtime_workers(sq_p3_runtime_t *rt, sq_thread_t *const *threads,
                                  uint32_t count, uint32_t prio);

/** Make every pooled object unused. SQ_ERR_NULL, SQ_ERR_INVALID (a pool
 *  of 0 objects, or a stride too small), SQ_ERR_BUSY (initialised before
 *  and an object is in use). */
sq_status_t sq_p3_runtime_init(sq_p3_runtime_t *rt);

/** What SQ_P3_RUNTIME_DEFINE and sq_p3_runtime_init do, for storage the
 *  macro cannot define (an FFI caller's blocks of SQ_SIZEOF_<type>
 *  bytes): `rt`'s pools over `channel_count` channels, `set_count`
 *  waitable sets with `set_storage` (set_count * set_members pointers)
 *  for their members, and `error_count` error contexts, every object
 *  unused. SQ_ERR_NULL (rt NULL), SQ_ERR_INVALID (a NULL array, a count
 *  of 0), SQ_ERR_BUSY (initialised before and an object is in use:
 *  nothing changed). */
sq_status_t sq_p3_runtime_setup(sq_p3_runtime_t *rt, sq_p3_channel_t *channels,
                                uint32_t channel_count, sq_p3_wset_t *sets, uint32_t set_count,
                                sq_waitable_t **set_storage, uint32_t set_members,
                                sq_p3_error_context_t *errors, uint32_t error_count);

#endif /* SQUALL_P3_RUNTIME_H */
