/*
 * squall P3: waitables and waitable sets, the Component Model's
 * `waitable-set.new/wait/poll/drop` and `waitable.join`.
 *
 * A waitable (a stream or future end; later a subtask) holds at most one
 * pending event. Its payload is computed when the event is delivered, not
 * when it is raised (a stream read's count keeps growing until then), and
 * delivery is what ends a copy: the end goes back to idle (or to done).
 * Events are delivered by wait/poll on the waitable's set, by the return
 * value of the built-in that started the copy, or by cancel.
 *
 * Order: when several members of a set have events, the one that became
 * pending first is delivered first (the reference allows any order; a
 * waitable that joins with an event pending counts from its join). The
 * cost of a delivery does not grow with the number of members: the set
 * keeps its pending members in a queue (the kernel's waitable-set
 * aggregator, waitable_set.h).
 *
 * Takers: when several threads wait on one set, each event wakes one of
 * them, the first by priority, then by arrival (SC01, as every kernel
 * wait queue), and that thread takes the oldest event when it runs. A
 * thread that finds the event already taken (by a poll, or a thread that
 * had not blocked yet) waits again, behind the waiters of its priority.
 *
 * Traps: a thread blocked in wait, or in a synchronous read or write,
 * when another thread's built-in traps its instance is woken at once and
 * returns SQ_ERR_TRAP with nothing delivered or stored (the reference
 * stops every thread of a trapped instance).
 *
 * Properties (named in src/p3/waitable.c's contracts):
 *   WS01  a waitable is in at most one set; joining another set moves it,
 *         joining 0 takes it out;
 *   WS02  a waitable never is in a set and waited on by a synchronous
 *         built-in at once (the sync built-in or the join traps);
 *   WS03  an event is delivered at most once, and wait/poll store the
 *         waitable's index and payload only through a checked pointer.
 */
#ifndef SQUALL_P3_WAITABLE_H
#define SQUALL_P3_WAITABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/status.h>
#include <squall/kernel.h>
#include <squall/waitable_set.h>
#include <squall/p3_instance.h>

/** Event codes (the Component Model's): the kernel aggregator's. */
#define SQ_P3_EVENT_NONE SQ_WAIT_EVENT_NONE
#define SQ_P3_EVENT_SUBTASK SQ_WAIT_EVENT_SUBTASK
#define SQ_P3_EVENT_STREAM_READ SQ_WAIT_EVENT_STREAM_READ
#define SQ_P3_EVENT_STREAM_WRITE SQ_WAIT_EVENT_STREAM_WRITE
#define SQ_P3_EVENT_FUTURE_READ SQ_WAIT_EVENT_FUTURE_READ
#define SQ_P3_EVENT_FUTURE_WRITE SQ_WAIT_EVENT_FUTURE_WRITE
#define SQ_P3_EVENT_TASK_CANCELLED SQ_WAIT_EVENT_CANCELLED

struct sq_p3_wset;
struct sq_p3_task;

/** What every waitable object starts with. */
typedef struct sq_p3_waitable {
    sq_waitable_t base;        /**< set membership and the pending event (FIFO in its set) */
    struct sq_p3_wset *set;    /**< the P3 set it is joined to, or NULL */
    sq_p3_instance_t *owner;   /**< the instance whose table holds it (NULL: host side) */
    uint32_t handle;           /**< its index there: the event's first word */
    uint32_t kind;             /**< an sq_p3_kind_t */
    bool sync_waiting;         /**< a synchronous built-in waits on it */
    sq_wait_queue_t wake;      /**< what that built-in's kernel thread waits on */
} sq_p3_waitable_t;

/** A waitable set: the kernel aggregator plus the P3 rules (an empty set
 *  blocks a wait until a member has an event; drop traps while members
 *  or waiters remain). Lives in the runtime's pool (p3_runtime.h). */
typedef struct sq_p3_wset {
    sq_p3_pool_link_t link;    /**< first: the runtime's pool */
    sq_waitable_set_t set;
    sq_p3_instance_t *owner;
    uint32_t handle;
    uint32_t waiters;          /**< threads in waitable-set.wait on it */
    sq_wait_queue_t wake;      /**< what those threads wait on (SC01 order) */
    struct sq_p3_task *parked; /**< callback tasks whose WAIT names it (counted in waiters) */
} sq_p3_wset_t;

/** waitable-set.new: a new empty set's index into `*index`. SQ_OK,
 *  SQ_ERR_NULL, SQ_ERR_TRAP (MAY_NOT_LEAVE, TABLE_FULL, NO_OBJECTS,
 *  POISONED). */
sq_status_t sq_p3_waitable_set_new(sq_p3_thread_t *t, uint32_t *index);

/**
 * waitable-set.wait: block the calling kernel thread until a member of set
 * `s` has an event (an empty set blocks until a waitable joins and has
 * one), deliver it, store (waitable index, payload) at guest `ptr` and the
 * event code into `*code`. `ptr` is checked (4-aligned, 8 bytes in
 * memory) before blocking. Never NONE. SQ_ERR_TRAP (BAD_HANDLE,
 * WRONG_KIND, ALIGN, BOUNDS, MAY_NOT_LEAVE, POISONED; or the instance
 * trapped while the thread waited: nothing taken, nothing stored). Of
 * several threads waiting, the first by priority then arrival takes the
 * next event (see above). With nothing
 * pending, where nothing can block, it changes nothing and returns
 * SQ_ERR_IN_ISR (an interrupt) or SQ_ERR_STATE (the idle thread: code
 * outside sq_kernel_run's threads).
 */
sq_status_t sq_p3_waitable_set_wait(sq_p3_thread_t *t, uint32_t s, uint32_t ptr, uint32_t *code);

/** waitable-set.poll: as wait, never blocking for an event: NONE with
 *  (0, 0) stored when no member has an event. When the oldest event's end
 *  has a partner's copy moving bytes right now, wait and poll wait for it
 *  (the count is the one after); where nothing can block, SQ_ERR_IN_ISR or
 *  SQ_ERR_STATE, nothing taken. */
sq_status_t sq_p3_waitable_set_poll(sq_p3_thread_t *t, uint32_t s, uint32_t ptr, uint32_t *code);

/** waitable-set.wait cancellable / waitable-set.poll cancellable
 *  (`[cancellable][waitable-set-wait]`, `-poll`): as wait and poll, but a
 *  pending cancellation of the calling task (p3_task.h) is delivered
 *  first, once: the code TASK_CANCELLED (6) with (0, 0) stored; one
 *  requested while the wait blocks wakes it and is delivered so. */
sq_status_t sq_p3_waitable_set_wait_cancellable(sq_p3_thread_t *t, uint32_t s, uint32_t ptr,
                                                uint32_t *code);
sq_status_t sq_p3_waitable_set_poll_cancellable(sq_p3_thread_t *t, uint32_t s, uint32_t ptr,
                                                uint32_t *code);

/** waitable-set.drop. SQ_ERR_TRAP (BAD_HANDLE, WRONG_KIND, SET_NOT_EMPTY,
 *  SET_WAITERS, MAY_NOT_LEAVE, POISONED). */
sq_status_t sq_p3_waitable_set_drop(sq_p3_thread_t *t, uint32_t s);

/** waitable.join: move waitable `w` into set `s` (s = 0: out of any set;
 *  re-joining its own set is a legal move to the back). SQ_ERR_TRAP
 *  (BAD_HANDLE, WRONG_KIND for w or s, SYNC_WAITER, NO_OBJECTS when s
 *  already has the runtime's members-per-set, MAY_NOT_LEAVE, POISONED). */
sq_status_t sq_p3_waitable_join(sq_p3_thread_t *t, uint32_t w, uint32_t s);

#endif /* SQUALL_P3_WAITABLE_H */
