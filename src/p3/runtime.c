/*
 * The runtime's pools (p3_runtime.h): free lists of fixed-size objects in
 * caller memory. Each object starts with an sq_p3_pool_link_t; the lists
 * hold index + 1 so that 0 can mean "none".
 */
#include <stddef.h>
#include <squall/p3_runtime.h>
#include "p3.h"

static sq_p3_pool_link_t *pool_link(const sq_p3_pool_t *pool, uint32_t i)
{
    return (sq_p3_pool_link_t *)((uint8_t *)pool->items + (size_t)i * pool->stride);
}

static bool pool_valid(const sq_p3_pool_t *pool)
{
    return pool->items != NULL && pool->count > 0u && pool->stride >= sizeof(sq_p3_pool_link_t);
}

static void pool_reset(sq_p3_pool_t *pool)
{
    for (uint32_t i = 0u; i < pool->count; i++) {
        sq_p3_pool_link_t *link = pool_link(pool, i);
        link->in_use = false;
        link->next_free = i + 2u <= pool->count ? i + 2u : 0u;
    }
    pool->free_head = 1u;
    pool->used = 0u;
}

static void pool_assign(sq_p3_pool_t *pool, void *items, uint32_t count, uint32_t stride)
{
    pool->items = items;
    pool->count = count;
    pool->stride = stride;
}

/* Initialised before, with an object in use. */
static bool runtime_busy(const sq_p3_runtime_t *rt)
{
    return rt->magic == SQ_P3_RUNTIME_MAGIC &&
           (rt->channels.used | rt->sets.used | rt->errors.used | rt->tasks.used) != 0u;
}

/* Every task unused, the loop empty (what SQ_WAITABLE_SET_DEFINE makes:
 * abandoned members are forgotten, as a pool reset forgets its objects). */
static void tasks_reset(sq_p3_runtime_t *rt)
{
    if (rt->tasks.items == NULL) {
        return;
    }
    pool_reset(&rt->tasks);
    rt->loop.pending_count = 0u;
    rt->loop.joined = 0u;
    rt->loop.capacity = rt->tasks.count;
    rt->loop.magic = SQ_WAITABLE_SET_MAGIC;
}

/*@ requires rt == \null || \valid(rt);
    ensures rt == \null ==> \result == SQ_ERR_NULL;
    ensures rt != \null && !(sq_p3_pool_ok(&rt->channels) && sq_p3_pool_ok(&rt->sets) &&
      sq_p3_pool_ok(&rt->errors) && rt->set_storage != \null && rt->set_members != 0) ==>
      \result == SQ_ERR_INVALID;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_BUSY;
    ensures \result == SQ_ERR_BUSY ==> rt->magic == SQ_P3_RUNTIME_MAGIC;
    ensures \result == SQ_OK ==> rt->magic == SQ_P3_RUNTIME_MAGIC &&
      rt->channels.used == 0 && rt->sets.used == 0 && rt->errors.used == 0 &&
      rt->channels.free_head == 1 && rt->sets.free_head == 1 && rt->errors.free_head == 1;
*/
sq_status_t sq_p3_runtime_init(sq_p3_runtime_t *rt)
{
    if (rt == NULL) {
        return SQ_ERR_NULL;
    }
    if (!pool_valid(&rt->channels) || !pool_valid(&rt->sets) || !pool_valid(&rt->errors) ||
        rt->set_storage == NULL || rt->set_members == 0u) {
        return SQ_ERR_INVALID;
    }
    if (runtime_busy(rt)) {
        return SQ_ERR_BUSY;
    }
    pool_reset(&rt->channels);
    pool_reset(&rt->sets);
    pool_reset(&rt->errors);
    tasks_reset(rt);
    rt->magic = SQ_P3_RUNTIME_MAGIC;
    return SQ_OK;
}

sq_status_t sq_p3_runtime_workers(sq_p3_runtime_t *rt, sq_thread_t *const *threads,
                                  uint32_t count, uint32_t prio)
{
    if (rt == NULL || (threads == NULL && count > 0u)) {
        return SQ_ERR_NULL;
    }
    if (prio > SQ_PRIO_LOWEST) {
        return SQ_ERR_INVALID;
    }
    rt->workers = threads;
    rt->worker_count = count;
    rt->worker_prio = prio;
    return SQ_OK;
}

sq_status_t sq_p3_runtime_tasks(sq_p3_runtime_t *rt, sq_p3_task_t *tasks, sq_waitable_t **ready,
                                uint32_t count)
{
    if (rt == NULL || tasks == NULL || ready == NULL) {
        return SQ_ERR_NULL;
    }
    if (count == 0u) {
        return SQ_ERR_INVALID;
    }
    if (runtime_busy(rt)) {
        return SQ_ERR_BUSY;
    }
    pool_assign(&rt->tasks, tasks, count, (uint32_t)sizeof *tasks);
    rt->loop.pending = ready;
    tasks_reset(rt);
    return SQ_OK;
}


/*@ requires rt == \null || \valid(rt);
    ensures rt == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_BUSY;
    ensures \result == SQ_OK ==> rt->magic == SQ_P3_RUNTIME_MAGIC &&
      rt->channels.items == channels && rt->channels.count == channel_count &&
      rt->sets.items == sets && rt->sets.count == set_count &&
      rt->errors.items == errors && rt->errors.count == error_count &&
      rt->set_storage == set_storage && rt->set_members == set_members &&
      rt->channels.used == 0 && rt->sets.used == 0 && rt->errors.used == 0;
*/
sq_status_t sq_p3_runtime_setup(sq_p3_runtime_t *rt, sq_p3_channel_t *channels,
                                uint32_t channel_count, sq_p3_wset_t *sets, uint32_t set_count,
                                sq_waitable_t **set_storage, uint32_t set_members,
                                sq_p3_error_context_t *errors, uint32_t error_count)
{
    if (rt == NULL) {
        return SQ_ERR_NULL;
    }
    if (channels == NULL || channel_count == 0u || sets == NULL || set_count == 0u ||
        set_storage == NULL || set_members == 0u || errors == NULL || error_count == 0u) {
        return SQ_ERR_INVALID;
    }
    /* sq_p3_runtime_init's own check, made before the pools are replaced. */
    if (runtime_busy(rt)) {
        return SQ_ERR_BUSY;
    }
    pool_assign(&rt->channels, channels, channel_count, (uint32_t)sizeof *channels);
    pool_assign(&rt->sets, sets, set_count, (uint32_t)sizeof *sets);
    pool_assign(&rt->errors, errors, error_count, (uint32_t)sizeof *errors);
    rt->set_storage = set_storage;
    rt->set_members = set_members;
    return sq_p3_runtime_init(rt);
}

void *sq_p3_pool_take(sq_p3_pool_t *pool)
{
    if (pool->free_head == 0u) {
        return NULL;
    }
    uint32_t i = pool->free_head - 1u;
    sq_p3_pool_link_t *link = pool_link(pool, i);
    pool->free_head = link->next_free;
    link->next_free = 0u;
    link->in_use = true;
    pool->used++;
    return link;
}

uint32_t sq_p3_pool_index(const sq_p3_pool_t *pool, const void *object)
{
    return (uint32_t)(((const uint8_t *)object - (const uint8_t *)pool->items) / pool->stride);
}

void sq_p3_pool_give(sq_p3_pool_t *pool, void *object)
{
    sq_p3_pool_link_t *link = object;
    uint32_t i = sq_p3_pool_index(pool, object);
    link->in_use = false;
    link->next_free = pool->free_head;
    pool->free_head = i + 1u;
    pool->used--;
}
