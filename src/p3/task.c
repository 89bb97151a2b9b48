/*
 * The P3 control plane's built-ins (p3_task.h): async calls between
 * instances, task.return, subtask.drop, backpressure and the callback
 * loop, applying the decisions of control.c (CP01-CP08) to the objects:
 * a task from the runtime's pool (callee task and caller subtask in one),
 * the callee's gate, exclusive lock and entry queue, and the runtime's
 * loop set (one kernel waitable per task: posted when the task is let in,
 * yields, or the set its WAIT names gets an event).
 *
 * Every decision is made under the kernel's interrupt lock; guest code
 * (core functions, callbacks, realloc) runs with it released and the
 * exclusive lock held for sync and callback lifts, so a guest's built-ins
 * lock again as usual.
 */
#include <stddef.h>
#include <string.h>
#include <squall/p3_runtime.h>
#include <squall/p3_task.h>
#include <squall/thread.h>
#include "kernel/sched.h"
#include "p3.h"
#include "control_rules.h"
#include "waitable.h"

/* What the loop does with a ready task. */
enum { STEP_START = 0, STEP_YIELD = 1, STEP_WAIT = 2 };

static uint32_t task_id(const sq_p3_runtime_t *rt, const sq_p3_task_t *task)
{
    return sq_p3_pool_index(&rt->tasks, task) + 1u;
}

static sq_p3_task_t *task_of(const sq_p3_runtime_t *rt, uint32_t id)
{
    return (sq_p3_task_t *)((uint8_t *)rt->tasks.items + (size_t)(id - 1u) * rt->tasks.stride);
}

/* The task whose subtask `w` is. */
static sq_p3_task_t *sub_task(sq_p3_waitable_t *w)
{
    return (sq_p3_task_t *)(void *)((uint8_t *)w - offsetof(sq_p3_task_t, sub));
}

static sq_p3_instance_t *callee_of(const sq_p3_task_t *task)
{
    return task->export_->instance;
}

static void fifo_push(sq_p3_task_t **head, sq_p3_task_t **tail, sq_p3_task_t *task)
{
    task->next = NULL;
    if (*tail != NULL) {
        (*tail)->next = task;
    } else {
        *head = task;
    }
    *tail = task;
}

static sq_p3_task_t *fifo_pop(sq_p3_task_t **head, sq_p3_task_t **tail)
{
    sq_p3_task_t *task = *head;
    if (task != NULL) {
        *head = task->next;
        if (*head == NULL) {
            *tail = NULL;
        }
        task->next = NULL;
    }
    return task;
}

/* `task` becomes a member of its runtime's loop set (if it is not yet):
 * it runs or waits beyond the call that made it. A call that ends inside
 * sq_p3_call never joins (the common case costs no join and leave). */
static void loop_join(sq_p3_task_t *task)
{
    sq_p3_runtime_t *rt = task->sub.owner->runtime;
    if (task->ready.set == NULL) {
        /* The loop has room for every task of the pool. */
        (void)sq_waitable_join(&task->ready, &rt->loop, task_id(rt, task));
    }
}

/* Make `task` ready in the loop to do `step` (one pending post at most:
 * a ready task is taken once). */
static void loop_post(sq_p3_task_t *task, uint32_t step)
{
    loop_join(task);
    task->step = step;
    if (sq_waitable_pending(&task->ready) == SQ_WAIT_EVENT_NONE) {
        (void)sq_waitable_post(&task->ready, SQ_WAIT_EVENT_SUBTASK, 0u);
    }
}

/* The entry decision for `task` into its callee (CP01, CP02, CP06): the
 * holder of the exclusive lock gates unless it is the task itself. */
static sq_p3_entry_t entry_of(const sq_p3_task_t *task, bool reentrant, bool queued_ahead)
{
    const sq_p3_export_t *ex = task->export_;
    const sq_p3_instance_t *inst = ex->instance;
    const sq_p3_task_t *h = inst->holder;
    return sq_p3_entry_decide(inst->trap, reentrant, ex->async_typed, ex->lift,
                              inst->backpressure.counter, h != NULL && h != task,
                              h != NULL && h->state == (uint32_t)SQ_P3_TASK_RESOLVED,
                              queued_ahead);
}

/* The oldest waiting call of `inst` is made ready when it may enter now
 * (it enters when the loop takes it, deciding again). */
static void entry_admit(sq_p3_instance_t *inst)
{
    sq_p3_task_t *head = inst->queue_head;
    if (head != NULL && entry_of(head, false, false) == SQ_P3_ENTRY_ENTER) {
        loop_post(head, STEP_START);
    }
}

/* Whether a ready callback task is kept out of its instance by the
 * exclusive lock: the entry decision with nothing but the lock in play
 * (sq_p3_lock_gates), the only rule for a task that has entered. */
static bool lock_keeps_out(const sq_p3_task_t *task)
{
    const sq_p3_task_t *h = callee_of(task)->holder;
    return sq_p3_entry_decide(SQ_P3_TRAP_NONE, false, true, task->export_->lift, 0u,
                              h != NULL && h != task,
                              h != NULL && h->state == (uint32_t)SQ_P3_TASK_RESOLVED,
                              false) == SQ_P3_ENTRY_WAIT;
}

static bool sub_resolved(const sq_p3_task_t *task)
{
    return task->sub_state >= (uint32_t)SQ_P3_SUBTASK_RETURNED;
}

/* `task`'s core code has returned: the lock is free again, the oldest
 * waiting call may enter, and the tasks it kept out are ready again. */
static void lock_release(sq_p3_task_t *task)
{
    sq_p3_instance_t *inst = callee_of(task);
    if (inst->holder != task) {
        return;
    }
    inst->holder = NULL;
    entry_admit(inst);
    sq_p3_task_t *w;
    while ((w = fifo_pop(&inst->lock_head, &inst->lock_tail)) != NULL) {
        loop_post(w, w->step);
    }
}

/* A task from `rt`'s pool, in no loop yet, or NULL. */
static sq_p3_task_t *task_take(sq_p3_runtime_t *rt)
{
    sq_p3_task_t *task = sq_p3_pool_take(&rt->tasks);
    if (task != NULL) {
        task->ready = (sq_waitable_t)SQ_WAITABLE_INIT;
    }
    return task;
}

/* Give `task` back once nothing refers to it: its thread ended, the
 * caller holds no handle, and the call that made it has returned (a task
 * given back already stays so). */
static void task_release_if_done(sq_p3_task_t *task)
{
    if (!task->link.in_use || !task->exited || task->sub_held || task->pinned) {
        return;
    }
    sq_p3_pool_give(&task->sub.owner->runtime->tasks, task);
}

/* The task's thread ended: its context is unusable from now on, it
 * leaves the loop, and a sync caller waiting on it looks again (it ended
 * unresolved only when its instance trapped). */
static void task_exit(sq_p3_task_t *task)
{
    if (task->sub.sync_waiting) {
        sq_p3_waitable_raise(&task->sub, SQ_WAIT_EVENT_SUBTASK);
    }
    task->exited = true;
    task->thread.magic = 0u;
    if (task->ready.set != NULL) {
        (void)sq_waitable_clear(&task->ready);
        (void)sq_waitable_leave(&task->ready);
    }
    task_release_if_done(task);
}

/* The subtask's state changed: a SUBTASK event for a caller that holds
 * a handle, or a wake-up for a sync caller waiting on it. */
static void sub_notify(sq_p3_task_t *task)
{
    if (task->sub_held || task->sub.sync_waiting) {
        sq_p3_waitable_raise(&task->sub, SQ_WAIT_EVENT_SUBTASK);
    }
}

/* The callee trapped while `task` ran (a trap of squall's own: the rule
 * the core code's return broke), so the task ends and so do the
 * instance's blocked threads, as after a trapping built-in. */
static void task_trapped(sq_p3_task_t *task)
{
    sq_p3_stop_blocked(callee_of(task));
    task_exit(task);
}

/* Resolve `task` with a value (task.return, or a sync lift's return),
 * checked by the rules before: the result's bytes at `src` (NULL: none)
 * go to the caller's retptr, checked at the call (memory only grows). */
static void task_resolve(sq_p3_task_t *task, const uint8_t *src)
{
    sq_p3_instance_t *caller = task->sub.owner;
    task->state = SQ_P3_TASK_RESOLVED;
    if (src != NULL) {
        memcpy(caller->memory + task->retptr, src, task->export_->result->size);
    }
    task->sub_state = sq_p3_subtask_step(task->sub_state, SQ_P3_SUBTASK_ON_RETURN);
    sub_notify(task);
}

/* Enter: the parameters lifted into the callee's memory through its
 * realloc (run unlocked, may_leave false) into `*args`, the task and its
 * subtask STARTED (a SUBTASK event when the caller holds a handle). Under
 * the lock `*key`. False when the callee trapped (ALIGN, BOUNDS: realloc
 * gave no room). */
static bool task_start(sq_p3_task_t *task, sq_irq_key_t *key, uint32_t *args)
{
    const sq_p3_export_t *ex = task->export_;
    sq_p3_instance_t *callee = ex->instance;
    *args = 0u;
    if (ex->params != NULL && ex->params->size > 0u) {
        const sq_p3_type_t *p = ex->params;
        callee->may_leave = false;
        sq_port_irq_unlock(*key);
        uint32_t at = callee->realloc_fn(callee->realloc_ctx, 0u, 0u, p->align, p->size);
        *key = sq_port_irq_lock();
        callee->may_leave = true;
        uint8_t *dst = NULL;
        if (sq_p3_guest_range(callee, at, 1u, p->size, p->align, &dst) != SQ_OK) {
            return false;
        }
        memcpy(dst, task->sub.owner->memory + task->args, p->size);
        *args = at;
    }
    task->state = SQ_P3_TASK_STARTED;
    task->sub_state = sq_p3_subtask_step(task->sub_state, SQ_P3_SUBTASK_ON_START);
    sub_notify(task);
    return true;
}

/* Park callback task `task` on set `ws` (its WAIT): counted among the
 * set's waiters (waitable-set.drop traps meanwhile), ready again at the
 * set's next event, or now if one (or a cancellation) is pending. */
static void task_park(sq_p3_task_t *task, sq_p3_wset_t *ws)
{
    task->step = STEP_WAIT;
    task->waiting = ws;
    task->next = NULL;
    if (task->state == (uint32_t)SQ_P3_TASK_PENDING_CANCEL) {
        /* A cancellable wait with a cancellation pending: delivered at
         * once (the loop's cancel_at). */
        loop_post(task, STEP_WAIT);
        return;
    }
    ws->waiters++;
    sq_p3_task_t **at = &ws->parked;
    while (*at != NULL) {
        at = &(*at)->next;
    }
    *at = task;
    if (ws->set.pending_count > 0u) {
        sq_p3_loop_set_event(ws);
    }
}

void sq_p3_loop_set_event(sq_p3_wset_t *ws)
{
    sq_p3_task_t *task = ws->parked;
    ws->parked = task->next;
    task->next = NULL;
    ws->waiters--;
    loop_post(task, STEP_WAIT);
}

/* What a callback-lifted task's core code asked for (CP07, decoded). */
static void task_continue(sq_p3_task_t *task, const sq_callback_action_t *act)
{
    sq_p3_instance_t *callee = callee_of(task);
    if (act->kind == SQ_CALLBACK_EXIT) {
        sq_p3_trap_t why = sq_p3_thread_exit_rule(task->state, true);
        if (why != SQ_P3_TRAP_NONE) {
            (void)sq_p3_trap(callee, why);
            task_trapped(task);
        } else {
            task_exit(task);
        }
    } else if (act->kind == SQ_CALLBACK_YIELD) {
        loop_post(task, STEP_YIELD);
    } else {
        void *object = NULL;
        if (sq_p3_lookup(callee, act->set_index, SQ_P3_KIND_BIT(SQ_P3_KIND_WAITABLE_SET), &object,
                         NULL) == SQ_OK) {
            task_park(task, object);
        } else {
            task_trapped(task);
        }
    }
}

/* A sync lift's core function returned the offset of its result. */
static void task_sync_return(sq_p3_task_t *task, uint32_t at)
{
    sq_p3_instance_t *callee = callee_of(task);
    const sq_p3_type_t *r = task->export_->result;
    uint8_t *src = NULL;
    sq_p3_trap_t why = sq_p3_resolve_rule(task->state, task->borrows);
    if (why != SQ_P3_TRAP_NONE) {
        (void)sq_p3_trap(callee, why);
    } else if (r == NULL || sq_p3_guest_range(callee, at, 1u, r->size, r->align, &src) == SQ_OK) {
        task_resolve(task, src);
        task_exit(task);
        return;
    }
    task_trapped(task);
}

/* Run `task`'s core code, the core function (`ev` NULL, with the lifted
 * `args`) or its callback with `*ev`, holding the exclusive lock when its
 * lift needs it and with the kernel lock `*key` released; then apply
 * what it returned. A trap of the callee meanwhile ends the task.
 * SQ_ERR_NOT_FOUND: the dispatch table has no entry for `*ev` (the
 * embedder's mistake; the task waits as before). */
static sq_status_t task_run(sq_p3_task_t *task, const sq_wait_event_t *ev, uint32_t args,
                            sq_irq_key_t *key)
{
    const sq_p3_export_t *ex = task->export_;
    sq_p3_instance_t *callee = ex->instance;
    if (sq_p3_needs_exclusive(ex->lift)) {
        callee->holder = task;
    }
    task->running = true;
    sq_port_irq_unlock(*key);
    uint32_t packed = 0u;
    sq_callback_action_t act = {SQ_CALLBACK_EXIT, 0u};
    sq_status_t st = SQ_OK;
    if (ev == NULL) {
        packed = ex->core(ex->ctx, task, args);
    } else {
        st = sq_callback_dispatch(ex->callback, ev, &act);
    }
    *key = sq_port_irq_lock();
    task->running = false;
    lock_release(task);
    if (callee->trap != SQ_P3_TRAP_NONE) {
        task_exit(task);
        return SQ_OK;
    }
    if (ex->lift == (uint32_t)SQ_P3_LIFT_SYNC) {
        task_sync_return(task, packed);
        return SQ_OK;
    }
    sq_p3_trap_t why = SQ_P3_TRAP_NONE;
    if (ev == NULL) {
        why = sq_p3_callback_code(packed, &act);
    } else if (st == SQ_ERR_NOT_FOUND) {
        act.kind = ev->code == SQ_WAIT_EVENT_NONE ? SQ_CALLBACK_YIELD : SQ_CALLBACK_WAIT;
        act.set_index = task->waiting != NULL ? task->waiting->handle : 0u;
    } else if (st != SQ_OK) {
        why = SQ_P3_TRAP_CALLBACK_CODE;
    }
    if (why != SQ_P3_TRAP_NONE) {
        (void)sq_p3_trap(callee, why);
        task_trapped(task);
    } else {
        task_continue(task, &act);
    }
    return st;
}

sq_p3_thread_t *sq_p3_task_thread(sq_p3_task_t *task)
{
    return task == NULL ? NULL : &task->thread;
}

sq_p3_thread_t *sq_p3_current(const sq_p3_instance_t *inst)
{
    return inst == NULL || inst->holder == NULL ? NULL : &inst->holder->thread;
}

/* The embedder's export is one squall can call from `rt` (the caller's
 * runtime: the callee's too, whose pool the task comes from), lowered
 * `async` or not (an async lower of a sync-typed function, or an async
 * lift of one, is a validation error). */
static sq_status_t export_check(const sq_p3_export_t *ex, const sq_p3_runtime_t *rt, bool async)
{
    const sq_p3_instance_t *callee = ex->instance;
    if (callee == NULL || callee->magic != SQ_P3_INSTANCE_MAGIC || callee->runtime != rt ||
        rt->tasks.items == NULL || ex->core == NULL ||
        (!ex->async_typed && (async || ex->lift != (uint32_t)SQ_P3_LIFT_SYNC)) ||
        ex->lift > (uint32_t)SQ_P3_LIFT_STACKFUL ||
        (ex->lift == (uint32_t)SQ_P3_LIFT_CALLBACK &&
         (ex->callback == NULL || ex->callback->sealed == 0u)) ||
        (ex->params != NULL && ex->params->size > 0u && callee->realloc_fn == NULL)) {
        return SQ_ERR_INVALID;
    }
    return SQ_OK;
}

static bool is_stackful(const sq_p3_task_t *task)
{
    return task->export_->lift == (uint32_t)SQ_P3_LIFT_STACKFUL;
}

/* A kernel thread of `rt`'s workers that runs nothing (never started, or
 * ended), or NULL. */
static sq_thread_t *worker_free(const sq_p3_runtime_t *rt)
{
    for (uint32_t i = 0u; i < rt->worker_count; i++) {
        sq_thread_state_t s = sq_thread_state(rt->workers[i]);
        if (s == SQ_THREAD_NEW || s == SQ_THREAD_DEAD) {
            return rt->workers[i];
        }
    }
    return NULL;
}

static sq_p3_task_t *stackful_next(sq_p3_instance_t *callee, sq_irq_key_t *key);

/* A worker: run stackful task `arg`'s core function, end its thread
 * (UNRESOLVED if it never resolved), then the oldest waiting stackful call
 * of the same instance that may enter, until there is none. */
static void stackful_main(void *arg)
{
    sq_p3_task_t *task = arg;
    sq_irq_key_t key = sq_port_irq_lock();
    while (task != NULL) {
        sq_p3_instance_t *callee = callee_of(task);
        const sq_p3_export_t *ex = task->export_;
        task->running = true;
        sq_port_irq_unlock(key);
        (void)ex->core(ex->ctx, task, task->args);
        key = sq_port_irq_lock();
        task->running = false;
        sq_p3_trap_t why = sq_p3_thread_exit_rule(task->state, true);
        if (callee->trap == SQ_P3_TRAP_NONE && why != SQ_P3_TRAP_NONE) {
            (void)sq_p3_trap(callee, why);
            task_trapped(task);
        } else {
            task_exit(task);
        }
        task = stackful_next(callee, &key);
    }
    sq_port_irq_unlock(key);
}

/* Start entered stackful task `task` (its parameters lifted to `args`) on
 * free worker `w`; it runs once the lock is released, if it outranks the
 * caller. */
static void stackful_spawn(sq_p3_task_t *task, sq_thread_t *w, uint32_t args)
{
    task->args = args;
    /* w is free and the runtime's: only an unusable thread block (the
     * embedder's) could refuse, and then the task never runs. */
    (void)sq_thread_start(w, stackful_main, task, task->sub.owner->runtime->worker_prio, 0u);
}

/* A new task for a call from `caller` into `ex`, its subtask STARTING
 * with no handle yet. */
static void task_setup(sq_p3_task_t *task, sq_p3_instance_t *caller, const sq_p3_export_t *ex,
                       uint32_t args, uint32_t retptr)
{
    task->thread.instance = ex->instance;
    task->thread.context[0] = 0u;
    task->thread.context[1] = 0u;
    task->thread.magic = SQ_P3_THREAD_MAGIC;
    task->thread.task = task;
    task->export_ = ex;
    task->state = SQ_P3_TASK_INITIAL;
    task->borrows = 0u;
    task->args = args;
    sq_p3_waitable_setup(&task->sub, caller, SQ_P3_KIND_SUBTASK, 0u);
    task->sub_state = SQ_P3_SUBTASK_STARTING;
    task->retptr = retptr;
    task->sub_held = false;
    task->delivered = false;
    task->cancel_requested = false;
    task->exited = false;
    task->running = false;
    task->pinned = true;
    task->step = STEP_START;
    task->waiting = NULL;
    task->cancel_wait = NULL;
    task->cancel_blocked = false;
    task->next = NULL;
}

/* The caller gets a handle on `task`'s subtask: its lower result. */
static sq_status_t sub_insert(sq_p3_task_t *task, uint32_t *word)
{
    uint32_t i = 0u;
    sq_status_t st = sq_p3_insert(task->sub.owner, SQ_P3_KIND_SUBTASK, &task->sub, &i);
    if (st == SQ_OK) {
        task->sub.handle = i;
        task->sub_held = true;
        *word = sq_p3_lower_result(task->sub_state, i);
    }
    return st;
}

/* A sync lower waits, as the subtask's synchronous waiter, for the
 * callee to resolve (an undelivered STARTED is superseded), then has its
 * final state. SQ_ERR_TRAP: the caller's instance was trapped meanwhile;
 * SQ_ERR_STATE: the callee's. */
static sq_status_t call_wait(sq_p3_task_t *task, sq_irq_key_t *key, uint32_t *word)
{
    sq_p3_instance_t *caller = task->sub.owner;
    while (!sub_resolved(task) && caller->trap == SQ_P3_TRAP_NONE &&
           callee_of(task)->trap == SQ_P3_TRAP_NONE) {
        sq_p3_waitable_consume(&task->sub);
        *key = sq_p3_waitable_block(&task->sub, *key);
    }
    sq_p3_waitable_consume(&task->sub);
    if (caller->trap != SQ_P3_TRAP_NONE) {
        return SQ_ERR_TRAP;
    }
    if (!sub_resolved(task)) {
        return SQ_ERR_STATE;
    }
    task->delivered = true;
    *word = task->sub_state;
    return SQ_OK;
}

/* The call may enter now: run the callee's core code on this stack, the
 * caller's instance marked on it (CP06), then give the caller its lower
 * result (async), or wait for the resolution (sync). */
static sq_status_t call_enter(sq_p3_task_t *task, bool async, sq_irq_key_t *key, uint32_t *word)
{
    sq_p3_instance_t *caller = task->sub.owner;
    sq_p3_instance_t *callee = callee_of(task);
    uint32_t args = 0u;
    sq_status_t st = SQ_OK;
    if (is_stackful(task)) {
        /* Its own kernel thread, not the caller's stack: the caller yields
         * once, so that a worker of its priority runs the callee until it
         * blocks or ends, as the reference runs it inside the lower (a
         * callee that resolves meanwhile gives RETURNED). */
        if (task_start(task, key, &args)) {
            stackful_spawn(task, worker_free(caller->runtime), args);
            if (sq_p3_block_check() == SQ_OK) {
                sq_port_irq_unlock(*key);
                sq_thread_yield();
                *key = sq_port_irq_lock();
            }
        } else {
            task_trapped(task);
        }
    } else {
        caller->on_stack++;
        if (task_start(task, key, &args)) {
            (void)task_run(task, NULL, args, key);
        } else {
            task_trapped(task);
        }
        caller->on_stack--;
    }
    if (callee->trap != SQ_P3_TRAP_NONE) {
        st = SQ_ERR_STATE;
    } else if (sub_resolved(task)) {
        /* Resolved before the caller had a handle: the lower result
         * delivers it. */
        task->delivered = true;
        *word = sq_p3_lower_result(task->sub_state, 0u);
    } else if (async) {
        st = sub_insert(task, word);
    } else {
        loop_join(task);
        st = call_wait(task, key, word);
    }
    return st;
}

/*@ requires sq_p3_thread_readable(t);
    ensures ex == \null || word == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_call(sq_p3_thread_t *t, const sq_p3_export_t *ex, uint32_t args,
                       uint32_t retptr, bool async, uint32_t *word)
{
    if (ex == NULL || word == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_enter(t, true);
    if (st == SQ_OK && !async) {
        st = sq_p3_block_check();
    }
    sq_p3_instance_t *caller = st == SQ_OK ? t->instance : NULL;
    uint8_t *host = NULL;
    if (st == SQ_OK) {
        st = export_check(ex, caller->runtime, async);
    }
    if (st == SQ_OK && ex->params != NULL) {
        st = sq_p3_guest_range(caller, args, 1u, ex->params->size, ex->params->align, &host);
    }
    if (st == SQ_OK && ex->result != NULL) {
        st = sq_p3_guest_range(caller, retptr, 1u, ex->result->size, ex->result->align, &host);
    }
    sq_p3_entry_t entry = SQ_P3_ENTRY_TRAPPED;
    sq_p3_task_t *task = NULL;
    if (st == SQ_OK) {
        task = task_take(caller->runtime);
        if (task == NULL) {
            st = sq_p3_trap(caller, SQ_P3_TRAP_NO_OBJECTS);
        }
    }
    if (st == SQ_OK) {
        task_setup(task, caller, ex, args, retptr);
        sq_p3_instance_t *callee = ex->instance;
        entry = entry_of(task, callee == caller || callee->on_stack > 0u,
                         callee->queue_head != NULL);
        if (entry == SQ_P3_ENTRY_TRAPPED || entry == SQ_P3_ENTRY_REENTER) {
            task_exit(task);
            st = sq_p3_trap(caller, SQ_P3_TRAP_CANNOT_ENTER);
        } else if (entry == SQ_P3_ENTRY_WAIT ||
                   (is_stackful(task) && worker_free(caller->runtime) == NULL)) {
            /* Kept out, or a stackful call with no kernel thread free. */
            st = async ? sub_insert(task, word) : SQ_OK;
            if (st == SQ_OK) {
                fifo_push(&callee->queue_head, &callee->queue_tail, task);
                loop_join(task);
            } else {
                task_exit(task);
            }
            if (st == SQ_OK && !async) {
                st = call_wait(task, &key, word);
            }
        } else {
            st = call_enter(task, async, &key, word);
        }
        /* Every path above is done with the task (it may have ended while
         * the call waited or ran the callee); one that goes on is in the
         * loop. */
        task->pinned = false;
        if (!task->exited) {
            loop_join(task);
        }
        task_release_if_done(task);
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    ensures sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_task_return(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t ptr)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_enter(t, true);
    sq_p3_task_t *task = st == SQ_OK ? t->task : NULL;
    uint8_t *src = NULL;
    if (st == SQ_OK && task == NULL) {
        st = SQ_ERR_INVALID;
    }
    if (st == SQ_OK) {
        const sq_p3_export_t *ex = task->export_;
        sq_p3_trap_t why =
            sq_p3_task_return_rule(task->state, ex->lift, type, ex->result, task->borrows);
        if (why != SQ_P3_TRAP_NONE) {
            st = sq_p3_trap(t->instance, why);
        }
    }
    if (st == SQ_OK && type != NULL) {
        st = sq_p3_guest_range(t->instance, ptr, 1u, type->size, type->align, &src);
    }
    if (st == SQ_OK) {
        task_resolve(task, src);
    }
    return sq_p3_leave(t, key, st);
}

uint32_t sq_p3_subtask_deliver(sq_p3_waitable_t *w)
{
    sq_p3_task_t *task = sub_task(w);
    if (sub_resolved(task)) {
        task->delivered = true;
    }
    return task->sub_state;
}

/*@ requires sq_p3_thread_readable(t);
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_subtask_drop(sq_p3_thread_t *t, uint32_t i)
{
    sq_irq_key_t key = sq_port_irq_lock();
    void *object = NULL;
    sq_status_t st = sq_p3_enter(t, true);
    if (st == SQ_OK) {
        st = sq_p3_lookup(t->instance, i, SQ_P3_KIND_BIT(SQ_P3_KIND_SUBTASK), &object, NULL);
    }
    if (st == SQ_OK) {
        sq_p3_task_t *task = sub_task(object);
        sq_p3_trap_t why = sq_p3_subtask_drop_rule(task->sub_state, task->delivered);
        if (why != SQ_P3_TRAP_NONE) {
            st = sq_p3_trap(t->instance, why);
        } else {
            sq_p3_waitable_leave_set(&task->sub);
            sq_p3_handle_free(t->instance, i);
            task->sub_held = false;
            task_release_if_done(task);
        }
    }
    return sq_p3_leave(t, key, st);
}


/* Take `task` off the singly linked list at `*at`, if it is on it (say
 * whether it was); `*tail`, if given, is kept the list's last. */
static bool list_unlink(sq_p3_task_t **at, sq_p3_task_t **tail, sq_p3_task_t *task)
{
    sq_p3_task_t *prev = NULL;
    while (*at != NULL && *at != task) {
        prev = *at;
        at = &(*at)->next;
    }
    if (*at != task) {
        return false;
    }
    *at = task->next;
    task->next = NULL;
    if (tail != NULL && *tail == task) {
        *tail = prev;
    }
    return true;
}

/* Callback task `task` leaves the loop's waits: no longer ready, off the
 * lock's waiters (a holder that returned no longer keeps it out, but the
 * list is emptied only at the release), off its set's parked list. */
static void task_unpark(sq_p3_task_t *task)
{
    sq_p3_instance_t *callee = callee_of(task);
    (void)sq_waitable_clear(&task->ready);
    (void)list_unlink(&callee->lock_head, &callee->lock_tail, task);
    sq_p3_wset_t *ws = task->waiting;
    if (task->step != STEP_WAIT || ws == NULL) {
        return;
    }
    if (list_unlink(&ws->parked, NULL, task)) {
        ws->waiters--;
    }
}

/* subtask.cancel's request from `caller` (sq_p3_cancel_request): a call
 * still waiting to enter is aborted; a callback task waiting in the loop,
 * not kept out by the lock, in an instance the caller may enter, gets
 * TASK_CANCELLED now on this stack; otherwise it is pending, and a thread
 * of the task in a cancellable wait or yield takes it at once on its own
 * kernel thread. */
static void task_cancel_request(sq_p3_task_t *task, sq_p3_instance_t *caller, sq_irq_key_t *key)
{
    sq_p3_instance_t *callee = callee_of(task);
    bool may_enter = callee != caller && callee->on_stack == 0u;
    bool cancellable = task->export_->lift == (uint32_t)SQ_P3_LIFT_CALLBACK && !task->running &&
                       !task->exited && task->step != STEP_START && !lock_keeps_out(task);
    sq_p3_cancel_step_t step = sq_p3_cancel_request(&task->state, cancellable, may_enter);
    if (step == SQ_P3_CANCEL_ABORT) {
        (void)list_unlink(&callee->queue_head, &callee->queue_tail, task);
        task->sub_state = sq_p3_subtask_step(task->sub_state, SQ_P3_SUBTASK_ON_CANCEL);
        task_exit(task);
        entry_admit(callee);
    } else if (step == SQ_P3_CANCEL_DELIVER) {
        sq_wait_event_t ev = {SQ_WAIT_EVENT_CANCELLED, 0u, 0u};
        task_unpark(task);
        caller->on_stack++;
        (void)task_run(task, &ev, 0u, key);
        caller->on_stack--;
    } else if (task->cancel_blocked) {
        /* A thread of it is in a cancellable wait (woken: the set's other
         * waiters look again and wait on) or yield: it takes the pending
         * cancellation there (sq_p3_cancel_point, sq_p3_thread_yield).
         * The caller yields once so that it runs now, as the reference
         * resumes it inside subtask.cancel (between cooperative threads of
         * one priority: the built-in returns once it blocks or ends). */
        if (task->cancel_wait != NULL) {
            sq_queue_wake_all(&task->cancel_wait->wake, SQ_OK);
        }
        if (sq_p3_block_check() == SQ_OK) {
            sq_port_irq_unlock(*key);
            sq_thread_yield();
            *key = sq_port_irq_lock();
        }
    }
}

void sq_p3_tasks_stop(sq_p3_instance_t *inst)
{
    sq_p3_runtime_t *rt = inst->runtime;
    for (uint32_t id = 1u; id <= rt->tasks.count; id++) {
        sq_p3_task_t *task = task_of(rt, id);
        /* Tasks whose core code runs end when it returns (task_run,
         * stackful_main); the others of the trapped callee end now. */
        if (task->link.in_use && !task->exited && !task->running && callee_of(task) == inst) {
            if (task->state == (uint32_t)SQ_P3_TASK_INITIAL) {
                (void)list_unlink(&inst->queue_head, &inst->queue_tail, task);
            } else {
                task_unpark(task);
            }
            task_exit(task);
        }
    }
}

bool sq_p3_cancel_point(const sq_p3_thread_t *t, sq_p3_wset_t *ws)
{
    sq_p3_task_t *task = t->task;
    if (task == NULL) {
        return false;
    }
    task->cancel_wait = ws;
    task->cancel_blocked = ws != NULL;
    return ws != NULL && sq_p3_cancel_at(&task->state, true);
}

/*@ requires sq_p3_thread_readable(t);
    ensures word == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_subtask_cancel(sq_p3_thread_t *t, uint32_t i, bool async, uint32_t *word)
{
    if (word == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    void *object = NULL;
    sq_p3_task_t *task = NULL;
    sq_status_t st = sq_p3_enter(t, true);
    if (st == SQ_OK) {
        st = sq_p3_lookup(t->instance, i, SQ_P3_KIND_BIT(SQ_P3_KIND_SUBTASK), &object, NULL);
    }
    if (st == SQ_OK) {
        task = sub_task(object);
        sq_p3_trap_t why = sq_p3_subtask_cancel_rule(task->delivered, task->cancel_requested,
                                                     task->sub.sync_waiting,
                                                     task->sub.set != NULL, async);
        if (why != SQ_P3_TRAP_NONE) {
            st = sq_p3_trap(t->instance, why);
        }
    }
    if (st == SQ_OK) {
        task->cancel_requested = true;
        if (!sub_resolved(task)) {
            task_cancel_request(task, t->instance, &key);
        }
        if (!sub_resolved(task) && !async) {
            /* Wait for the resolution: the next event (an undelivered
             * STARTED is superseded by it). */
            st = sq_p3_block_check();
            if (st == SQ_OK) {
                sq_p3_waitable_consume(&task->sub);
                key = sq_p3_waitable_block(&task->sub, key);
                if (t->instance->trap != SQ_P3_TRAP_NONE) {
                    st = SQ_ERR_TRAP;
                }
            }
        }
    }
    if (st == SQ_OK) {
        *word = sq_p3_subtask_cancel_word(task->sub_state);
        if (sub_resolved(task)) {
            /* The result delivers the resolution: its event is consumed. */
            sq_p3_waitable_consume(&task->sub);
            task->delivered = true;
        }
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    ensures sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_task_cancel(sq_p3_thread_t *t)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_enter(t, true);
    sq_p3_task_t *task = st == SQ_OK ? t->task : NULL;
    if (st == SQ_OK && task == NULL) {
        st = SQ_ERR_INVALID;
    }
    if (st == SQ_OK) {
        sq_p3_trap_t why =
            sq_p3_task_cancel_rule(task->state, task->export_->lift, task->borrows);
        if (why != SQ_P3_TRAP_NONE) {
            st = sq_p3_trap(t->instance, why);
        }
    }
    if (st == SQ_OK) {
        task->state = SQ_P3_TASK_RESOLVED;
        task->sub_state = sq_p3_subtask_step(task->sub_state, SQ_P3_SUBTASK_ON_CANCEL);
        if (task->sub_held) {
            sq_p3_waitable_raise(&task->sub, SQ_WAIT_EVENT_SUBTASK);
        }
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    ensures cancelled == \null ==> \result == SQ_ERR_NULL;
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
    ensures \result == SQ_OK ==> *cancelled <= 1;
*/
sq_status_t sq_p3_thread_yield(sq_p3_thread_t *t, bool cancellable, uint32_t *cancelled)
{
    if (cancelled == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_enter(t, true);
    if (st == SQ_OK && sq_p3_block_check() == SQ_OK) {
        /* A cancellable yield is a cancellable blocking point: a request
         * made meanwhile is taken below. */
        if (t->task != NULL) {
            t->task->cancel_blocked = cancellable;
        }
        sq_port_irq_unlock(key);
        sq_thread_yield();
        key = sq_port_irq_lock();
        if (t->task != NULL) {
            t->task->cancel_blocked = false;
        }
        if (t->instance->trap != SQ_P3_TRAP_NONE) {
            st = SQ_ERR_TRAP;
        }
    }
    if (st == SQ_OK) {
        *cancelled = t->task != NULL && sq_p3_cancel_at(&t->task->state, cancellable) ? 1u : 0u;
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_backpressure_inc(sq_p3_thread_t *t)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_enter(t, false);
    if (st == SQ_OK && sq_gate_inc(&t->instance->backpressure) != SQ_OK) {
        st = sq_p3_trap(t->instance, SQ_P3_TRAP_BACKPRESSURE);
    }
    return sq_p3_leave(t, key, st);
}

/*@ requires sq_p3_thread_readable(t);
    ensures sq_p3_entry_code(\result) && sq_p3_trap_kept(t, \result);
*/
sq_status_t sq_p3_backpressure_dec(sq_p3_thread_t *t)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_enter(t, false);
    if (st == SQ_OK) {
        sq_p3_instance_t *inst = t->instance;
        if (sq_gate_dec(&inst->backpressure) != SQ_OK) {
            st = sq_p3_trap(inst, SQ_P3_TRAP_BACKPRESSURE);
        } else if (!sq_gate_is_enabled(&inst->backpressure)) {
            entry_admit(inst);
        }
    }
    return sq_p3_leave(t, key, st);
}

/* One ready task: enter it (the oldest waiting call, deciding again), or
 * give its callback the event it was made ready for. */
static sq_status_t loop_run(sq_p3_task_t *task, bool block, sq_irq_key_t *key)
{
    sq_p3_instance_t *callee = callee_of(task);
    if (task->step == STEP_START) {
        uint32_t args = 0u;
        sq_thread_t *w = is_stackful(task) ? worker_free(callee->runtime) : NULL;
        if (callee->queue_head != task || entry_of(task, false, false) != SQ_P3_ENTRY_ENTER ||
            (is_stackful(task) && w == NULL)) {
            return SQ_OK;
        }
        (void)fifo_pop(&callee->queue_head, &callee->queue_tail);
        entry_admit(callee);
        if (!task_start(task, key, &args)) {
            task_trapped(task);
            return SQ_OK;
        }
        if (w != NULL) {
            stackful_spawn(task, w, args);
            return SQ_OK;
        }
        return task_run(task, NULL, args, key);
    }
    if (task->step == STEP_WAIT) {
        /* A move in flight on the channel of the set's oldest event ends
         * first, so that what follows is decided and taken in one
         * critical section; the task counts as running meanwhile (a
         * cancel stays pending, a trap leaves it to the check below). */
        task->running = true;
        sq_status_t st = sq_p3_wset_settle(task->waiting, block, key);
        task->running = false;
        if (st == SQ_ERR_AGAIN) {
            loop_post(task, STEP_WAIT);
            return st;
        }
    }
    if (callee->trap != SQ_P3_TRAP_NONE) {
        /* Its instance trapped while it waited: no more callbacks. */
        task_exit(task);
        return SQ_OK;
    }
    if (lock_keeps_out(task)) {
        fifo_push(&callee->lock_head, &callee->lock_tail, task);
        return SQ_OK;
    }
    sq_wait_event_t ev = {SQ_WAIT_EVENT_NONE, 0u, 0u};
    if (sq_p3_cancel_at(&task->state, true)) {
        /* Every wait of the loop is cancellable: a pending cancellation
         * is this event, once (CP04). */
        ev.code = SQ_WAIT_EVENT_CANCELLED;
    } else if (task->step == STEP_WAIT) {
        sq_p3_wset_take(task->waiting, &ev);
        if (ev.code == SQ_WAIT_EVENT_NONE) {
            /* Taken by another waiter first: wait again. */
            task_park(task, task->waiting);
            return SQ_OK;
        }
    }
    return task_run(task, &ev, 0u, key);
}

/* A worker's task ended in `callee`: the oldest waiting call there, if it
 * is stackful and may enter, is its next (entered now, its loop post
 * withdrawn); otherwise the oldest is let in as usual. */
static sq_p3_task_t *stackful_next(sq_p3_instance_t *callee, sq_irq_key_t *key)
{
    sq_p3_task_t *next = callee->queue_head;
    if (next == NULL || !is_stackful(next) || entry_of(next, false, false) != SQ_P3_ENTRY_ENTER) {
        entry_admit(callee);
        return NULL;
    }
    uint32_t args = 0u;
    (void)fifo_pop(&callee->queue_head, &callee->queue_tail);
    (void)sq_waitable_clear(&next->ready);
    entry_admit(callee);
    if (!task_start(next, key, &args)) {
        task_trapped(next);
        return NULL;
    }
    next->args = args;
    return next;
}

sq_status_t sq_p3_loop_run(sq_p3_runtime_t *rt)
{
    if (rt == NULL) {
        return SQ_ERR_NULL;
    }
    if (rt->tasks.items == NULL) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_p3_block_check();
    while (st == SQ_OK && rt->loop.joined > 0u) {
        sq_wait_event_t ev;
        (void)sq_waitable_set_poll(&rt->loop, &ev);
        if (ev.code == SQ_WAIT_EVENT_NONE) {
            /* Nothing ready: woken by the next post, or by the last
             * task's leaving. */
            key = sq_p3_block_on(&rt->loop.waiters, key);
        } else {
            (void)loop_run(task_of(rt, ev.join_id), true, &key);
        }
    }
    sq_port_irq_unlock(key);
    return st;
}

sq_status_t sq_p3_loop_step(sq_p3_runtime_t *rt)
{
    if (rt == NULL) {
        return SQ_ERR_NULL;
    }
    if (rt->tasks.items == NULL) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_wait_event_t ev;
    sq_status_t st = SQ_ERR_EMPTY;
    (void)sq_waitable_set_poll(&rt->loop, &ev);
    if (ev.code != SQ_WAIT_EVENT_NONE) {
        st = loop_run(task_of(rt, ev.join_id), false, &key);
    }
    sq_port_irq_unlock(key);
    return st;
}
