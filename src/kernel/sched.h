/*
 * Internal: the kernel's state and the scheduling decisions every kernel
 * object uses. Everything here runs under the port's interrupt lock.
 *
 * Invariant (sq_kernel_ok), kept by every function below and stated next to
 * the data it guards:
 *   - threads[0 .. thread_count-1] are distinct, valid control blocks, the
 *     idle thread first;
 *   - a thread is READY exactly when its queue is the ready queue, PENDING
 *     exactly when its queue is some other (an object's) queue, and on no
 *     queue in every other state;
 *   - every ticket handed out is below next_ticket, so a thread that joins a
 *     queue now is behind every thread already on it (FIFO among equals);
 *   - the idle thread is READY with priority SQ_PRIO_IDLE, and no other
 *     thread has that priority: the ready queue is never empty.
 * It holds from load time: sched.c's static initialisers give the state
 * sq_kernel_reset gives (the idle thread alone, and current), so a call
 * before sq_kernel_init is a call from the idle thread, never one that
 * finds no current thread.
 */
#ifndef SQUALL_SRC_SCHED_H
#define SQUALL_SRC_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/kernel.h>
#include <squall/status.h>
#include "port.h"

/** Called from the tick interrupt, under the kernel lock, when the
 *  deadline of `node` is reached. */
typedef void sq_expire_fn(sq_timeout_node_t *node, sq_tick_t deadline);

/** An armed timeout. Kept in the kernel's table, not in the node, so that
 *  arming writes nothing outside the kernel's own state. */
struct sq_armed_timeout {
    sq_timeout_node_t *node;
    sq_tick_t deadline;
    sq_expire_fn *expire;
};

struct sq_kernel {
    /** Known threads, idle first; a thread leaves when it dies. */
    sq_thread_t *threads[SQ_CONFIG_MAX_THREADS];
    uint32_t thread_count;
    /** The running thread (the idle thread when nothing else runs). */
    sq_thread_t *current;
    /** Next arrival ticket; 2^64 arrivals outlast any device. */
    uint64_t next_ticket;
    sq_tick_t now;
    /** Armed timeouts, in no order (see timeout.c). */
    struct sq_armed_timeout armed[SQ_CONFIG_MAX_TIMEOUTS];
    uint32_t armed_count;
    /** At or before every armed deadline (TO09), SQ_TICK_NEVER when the
     *  tick found none armed; exact after a tick's scan (TO10). */
    sq_tick_t next_deadline;
    /** Set by sq_thread_yield until the switch it asked for: a yielding
     *  cooperative thread gives way like any other (SC04, SC06). */
    bool yielding;
    bool initialised;
    bool running;
};

extern struct sq_kernel sq_kernel;

/** Run by sq_kernel_init after the kernel's own reset: the one way a layer
 *  above the kernel hears of a new run (the kernel never calls up). The
 *  isolation layer registers it when a shared stream is initialised, to
 *  forget streams attached in an earlier run (their threads are gone).
 *  NULL: nothing to do. */
extern void (*sq_kernel_init_hook)(void);

/** What waking threads off an object's queue may change (for `assigns`
 *  clauses): the queue, ticket, state and wake result of any thread but
 *  the idle one (which never waits on an object), the ticket counter and
 *  the armed-timeout table. */
#define SQ_WAKE_FOOTPRINT                                                     \
    sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->queue,                \
    sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->ticket,               \
    sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->state,                \
    sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->wait_result,          \
    sq_kernel.next_ticket,                                                    \
    sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count

/** The same, the idle thread included (ending a thread, which rearranges
 *  the thread table). */
#define SQ_WAKE_ALL_FOOTPRINT                                                 \
    sq_kernel.threads[0 .. SQ_CONFIG_MAX_THREADS - 1]->queue,                \
    sq_kernel.threads[0 .. SQ_CONFIG_MAX_THREADS - 1]->ticket,               \
    sq_kernel.threads[0 .. SQ_CONFIG_MAX_THREADS - 1]->state,                \
    sq_kernel.threads[0 .. SQ_CONFIG_MAX_THREADS - 1]->wait_result,          \
    sq_kernel.next_ticket,                                                    \
    sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count

/** The idle thread: the context that called sq_kernel_run. (Outside
 *  sq_kernel so that no thread or timeout lives inside the kernel's own
 *  state, which keeps WP's memory-model separation hypotheses true.) */
extern sq_thread_t sq_idle_thread;
/** The ready queue. Also outside sq_kernel: no address inside sq_kernel is
 *  ever taken, so WP models its fields as plain variables that no write
 *  through a thread or timeout pointer can touch. */
extern sq_wait_queue_t sq_ready_queue;

/*@ predicate sq_prio_ok(integer p) = 0 <= p <= SQ_PRIO_LOWEST;

    // Order on a queue: priority first (lower number first), then ticket.
    predicate sq_before(sq_thread_t *a, sq_thread_t *b) =
      a->prio < b->prio || (a->prio == b->prio && a->ticket < b->ticket);

    // Two known threads are different control blocks that do not overlap.
    // (A predicate, so that provers find the instance they need.)
    // Queued threads hold different tickets.
    predicate sq_distinct(sq_thread_t *a, sq_thread_t *b) =
      a != b && \separated(a, b) &&
      (a->queue != \null && b->queue != \null ==> a->ticket != b->ticket);

    // A control block (being started, or joining a domain) is one the
    // kernel knows or overlaps none of them.
    predicate sq_thread_apart(sq_thread_t *t) =
      \forall integer j; 0 <= j < sq_kernel.thread_count ==>
        sq_kernel.threads[j] == t || \separated(t, sq_kernel.threads[j]);

    predicate sq_registered{L}(sq_thread_t *t) =
      \exists integer i; 0 <= i < \at(sq_kernel.thread_count, L) &&
                        \at(sq_kernel.threads[i], L) == t;

    // Some known thread waits on q.
    predicate sq_has_waiter(sq_wait_queue_t *q) =
      \exists integer i; 0 <= i < sq_kernel.thread_count && sq_kernel.threads[i]->queue == q;

    predicate sq_state_ok(integer s) =
      s == SQ_THREAD_NEW || s == SQ_THREAD_READY || s == SQ_THREAD_PENDING ||
      s == SQ_THREAD_SLEEPING || s == SQ_THREAD_SUSPENDED || s == SQ_THREAD_DEAD;

    predicate sq_thread_inv(sq_thread_t *t) =
      (t->state == SQ_THREAD_READY <==> t->queue == &sq_ready_queue) &&
      (t->state == SQ_THREAD_PENDING <==> (t->queue != \null && t->queue != &sq_ready_queue)) &&
      (t->queue != \null ==> t->ticket < sq_kernel.next_ticket) &&
      sq_state_ok(t->state) && t->prio <= SQ_PRIO_IDLE;

    predicate sq_kernel_ok =
      0 < sq_kernel.thread_count <= SQ_CONFIG_MAX_THREADS &&
      sq_kernel.threads[0] == &sq_idle_thread &&
      sq_kernel.next_ticket < 0xffffffffffffffff &&
      sq_idle_thread.state == SQ_THREAD_READY && sq_idle_thread.prio == SQ_PRIO_IDLE &&
      (\forall integer i; 0 <= i < sq_kernel.thread_count ==>
         \valid(sq_kernel.threads[i]) && sq_thread_inv(sq_kernel.threads[i]) &&
         &sq_kernel.threads[i]->joiners != &sq_ready_queue &&
         (i > 0 ==> sq_prio_ok(sq_kernel.threads[i]->prio))) &&
      (\forall integer i, j; 0 <= i < sq_kernel.thread_count &&
         0 <= j < sq_kernel.thread_count && i != j ==>
         sq_distinct(sq_kernel.threads[i], sq_kernel.threads[j])) &&
      sq_registered(sq_kernel.current);

    predicate sq_armed(sq_timeout_node_t *n) =
      \exists integer i; 0 <= i < sq_kernel.armed_count && sq_kernel.armed[i].node == n;

    // No armed deadline is before next_deadline (TO09).
    predicate sq_next_deadline_ok =
      \forall integer i; 0 <= i < sq_kernel.armed_count ==>
        sq_kernel.next_deadline <= sq_kernel.armed[i].deadline;

    predicate sq_timeouts_ok =
      sq_kernel.armed_count <= SQ_CONFIG_MAX_TIMEOUTS &&
      (\forall integer i, j; 0 <= i < j < sq_kernel.armed_count ==>
         sq_kernel.armed[i].node != sq_kernel.armed[j].node) &&
      sq_next_deadline_ok;
*/

/**
 * The first thread on queue `q`: the lowest (priority, ticket) among the
 * threads whose queue is `q`, as its index in the thread table; -1 when
 * none is. On the ready queue this is SC01; on an object's queue, the
 * waiter a give serves (P04).
 */
/*@ requires sq_kernel_ok && q != \null;
    assigns \nothing;
    ensures -1 <= \result < sq_kernel.thread_count;
    ensures SC01: \result >= 0 ==> sq_kernel.threads[\result]->queue == q &&
      (\forall integer i; 0 <= i < sq_kernel.thread_count &&
         sq_kernel.threads[i]->queue == q && i != \result ==>
         sq_before(sq_kernel.threads[\result], sq_kernel.threads[i]));
    ensures \result == -1 <==> !sq_has_waiter(q);
*/
int32_t sq_queue_first(sq_wait_queue_t *q);

/** Join queue `q` (the ready queue with READY, an object's with PENDING)
 *  behind every thread already on it at its priority. */
/*@ requires sq_kernel_ok && sq_registered(t);
    requires q == &sq_ready_queue ? state == SQ_THREAD_READY :
             (q != \null && state == SQ_THREAD_PENDING && t != &sq_idle_thread);
    assigns t->queue, t->ticket, t->state, sq_kernel.next_ticket;
    ensures sq_kernel_ok;
    ensures t->queue == q && t->state == state;
    ensures SC02: \forall integer i; 0 <= i < sq_kernel.thread_count &&
      sq_kernel.threads[i] != t && sq_kernel.threads[i]->queue != \null ==>
      sq_kernel.threads[i]->ticket < t->ticket;
*/
void sq_queue_join(sq_thread_t *t, sq_wait_queue_t *q, uint8_t state);

/** Leave whatever queue `t` is on, into `state`. */
/*@ requires sq_kernel_ok && sq_registered(t) && t != &sq_idle_thread;
    requires state == SQ_THREAD_SLEEPING || state == SQ_THREAD_SUSPENDED ||
             state == SQ_THREAD_DEAD;
    assigns t->queue, t->state;
    ensures sq_kernel_ok;
    ensures t->queue == \null && t->state == state;
    ensures SC03: \forall integer i; 0 <= i < sq_kernel.thread_count ==>
      sq_kernel.threads[i] != t ==> sq_kernel.threads[i]->queue == \old(sq_kernel.threads[i]->queue);
*/
void sq_queue_leave(sq_thread_t *t, uint8_t state);

/**
 * The thread that should run now: the first ready thread (SC05), unless
 * the current thread is cooperative, ready and not yielding (SC06). Never
 * NULL: the idle thread is always ready, and chosen only when no other
 * thread is (SC07).
 */
/*@ requires sq_kernel_ok;
    assigns \nothing;
    ensures sq_registered(\result) && \result->state == SQ_THREAD_READY;
    behavior cooperative:
      assumes sq_kernel.current->state == SQ_THREAD_READY &&
              (sq_kernel.current->options & SQ_THREAD_COOPERATIVE) != 0 && !sq_kernel.yielding;
      ensures SC06: \result == sq_kernel.current;
    behavior preemptive:
      assumes !(sq_kernel.current->state == SQ_THREAD_READY &&
                (sq_kernel.current->options & SQ_THREAD_COOPERATIVE) != 0 && !sq_kernel.yielding);
      ensures SC05: \forall integer i; 0 <= i < sq_kernel.thread_count &&
        sq_kernel.threads[i]->state == SQ_THREAD_READY && sq_kernel.threads[i] != \result ==>
        sq_before(\result, sq_kernel.threads[i]);
      ensures SC07: \result == &sq_idle_thread ==>
        \forall integer i; 0 < i < sq_kernel.thread_count ==>
          sq_kernel.threads[i]->state != SQ_THREAD_READY;
    complete behaviors;
    disjoint behaviors;
*/
sq_thread_t *sq_sched_next(void);

/** Ask the port for a switch if the thread that should run is not current. */
/*@ requires sq_kernel_ok;
    assigns \nothing;
*/
void sq_sched_reschedule(void);

/**
 * End a critical section that may have changed what should run (a wake,
 * a new, suspended or ended thread, a priority): reschedule, unlock `key`
 * (a switch requested happens there) and return `st`, the call's status.
 */
/*@ requires sq_kernel_ok;
    assigns \nothing;
    ensures \result == st;
*/
sq_status_t sq_sched_reschedule_unlock(sq_irq_key_t key, sq_status_t st);

/**
 * Wake thread `i` of the table (on an object's queue, or SLEEPING) with
 * `result`: disarm its timeout, make it ready. The caller reschedules
 * before it unlocks.
 */
/*@ requires sq_kernel_ok && sq_timeouts_ok && 0 < i < sq_kernel.thread_count;
    requires sq_kernel.threads[i]->state == SQ_THREAD_PENDING ||
             sq_kernel.threads[i]->state == SQ_THREAD_SLEEPING;
    assigns sq_kernel.threads[i]->queue, sq_kernel.threads[i]->ticket,
            sq_kernel.threads[i]->state, sq_kernel.threads[i]->wait_result,
            sq_kernel.next_ticket,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_kernel.threads[i]->state == SQ_THREAD_READY;
    ensures sq_kernel.threads[i]->wait_result == result;
    ensures TO03: !sq_armed(&sq_kernel.threads[i]->timeout);
    ensures SC02: \forall integer j; 0 <= j < sq_kernel.thread_count && j != i &&
      sq_kernel.threads[j]->queue != \null ==>
      sq_kernel.threads[j]->ticket < sq_kernel.threads[i]->ticket;
    ensures \forall integer j; 0 <= j < sq_kernel.thread_count && j != i ==>
      sq_kernel.threads[j]->queue == \old(sq_kernel.threads[j]->queue) &&
      sq_kernel.threads[j]->ticket == \old(sq_kernel.threads[j]->ticket) &&
      sq_kernel.threads[j]->prio == \old(sq_kernel.threads[j]->prio) &&
      sq_kernel.threads[j]->state == \old(sq_kernel.threads[j]->state) &&
      sq_kernel.threads[j]->wait_result == \old(sq_kernel.threads[j]->wait_result);
*/
void sq_sched_wake(uint32_t i, sq_status_t result);

/**
 * Wake the first thread waiting on `q` (see sq_queue_first) with `result`
 * and return its index; -1 (nothing changed) when nobody waits. It joins
 * the ready queue behind every queued thread (SC02); every other thread
 * is left as it was: the other waiters keep their place (P10), and an
 * earlier wake's outcome stands.
 */
/*@ requires sq_kernel_ok && sq_timeouts_ok && q != &sq_ready_queue && q != \null;
    assigns SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures -1 <= \result < sq_kernel.thread_count;
    ensures \result == -1 ==> !sq_has_waiter(q);
    ensures P10: \forall integer j; 0 <= j < sq_kernel.thread_count && j != \result ==>
      sq_kernel.threads[j]->queue == \old(sq_kernel.threads[j]->queue) &&
      sq_kernel.threads[j]->ticket == \old(sq_kernel.threads[j]->ticket) &&
      sq_kernel.threads[j]->prio == \old(sq_kernel.threads[j]->prio) &&
      sq_kernel.threads[j]->state == \old(sq_kernel.threads[j]->state) &&
      sq_kernel.threads[j]->wait_result == \old(sq_kernel.threads[j]->wait_result);
    behavior none:
      assumes !sq_has_waiter(q);
      assigns \nothing;
      ensures \result == -1;
    behavior woken:
      assumes sq_has_waiter(q);
      ensures P04: \result > 0 && \old(sq_kernel.threads[\result]->queue) == q &&
        sq_kernel.threads[\result]->state == SQ_THREAD_READY &&
        sq_kernel.threads[\result]->wait_result == result &&
        (\forall integer j; 0 <= j < sq_kernel.thread_count && j != \result &&
           \old(sq_kernel.threads[j]->queue) == q ==>
           \old(sq_before(sq_kernel.threads[\result], sq_kernel.threads[j])));
      ensures SC02: \forall integer j; 0 <= j < sq_kernel.thread_count && j != \result &&
        sq_kernel.threads[j]->queue != \null ==>
        sq_kernel.threads[j]->ticket < sq_kernel.threads[\result]->ticket;
    complete behaviors;
    disjoint behaviors;
*/
int32_t sq_queue_wake_first(sq_wait_queue_t *q, sq_status_t result);

/** Index of `t` in the thread table, or -1 if the kernel does not know it
 *  (never started, dead, or started before the last sq_kernel_init). */
/*@ requires sq_kernel_ok;
    assigns \nothing;
    ensures -1 <= \result < sq_kernel.thread_count;
    ensures \result >= 0 ==> sq_kernel.threads[\result] == t;
    ensures \result == -1 <==> !sq_registered(t);
*/
int32_t sq_thread_index(sq_thread_t *t);

/** What a *_locked function returns when the caller now waits: it ends the
 *  critical section with sq_sched_unlock_result. Never returned to users. */
#define SQ_WAITING ((sq_status_t)1)

/**
 * Put the current thread to wait on `q` (or only for the deadline when q
 * is NULL) until woken or until `timeout` ticks pass (then woken with
 * SQ_ERR_TIMEOUT; a sleep with SQ_OK), and request the switch away. The
 * caller then unlocks with sq_sched_unlock_result, which reads its result.
 * Returns SQ_WAITING; SQ_ERR_FULL if the timeout cannot be armed, or
 * SQ_ERR_STATE for the idle thread (which never waits; before
 * sq_kernel_init, and between runs, the caller is the idle thread):
 * nothing changed.
 */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires timeout != SQ_NO_WAIT && sq_kernel.now <= SQ_TICK_MAX;
    requires q != &sq_ready_queue;
    assigns sq_kernel.current->queue, sq_kernel.current->ticket, sq_kernel.current->state,
            sq_kernel.current->wait_result,
            sq_kernel.next_ticket, sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1],
            sq_kernel.armed_count, sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior idle:
      assumes sq_kernel.current == &sq_idle_thread;
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior full:
      assumes sq_kernel.current != &sq_idle_thread;
      assumes timeout != SQ_FOREVER && sq_kernel.armed_count == SQ_CONFIG_MAX_TIMEOUTS;
      assigns \nothing;
      ensures \result == SQ_ERR_FULL;
    behavior waits:
      assumes sq_kernel.current != &sq_idle_thread;
      assumes timeout == SQ_FOREVER || sq_kernel.armed_count < SQ_CONFIG_MAX_TIMEOUTS;
      ensures \result == SQ_WAITING;
      ensures q != \null ==> sq_kernel.current->state == SQ_THREAD_PENDING &&
                             sq_kernel.current->queue == q;
      ensures q == \null ==> sq_kernel.current->state == SQ_THREAD_SLEEPING;
      ensures q != \null ==> \forall integer j; 0 <= j < sq_kernel.thread_count &&
        sq_kernel.threads[j] != sq_kernel.current && sq_kernel.threads[j]->queue != \null ==>
        sq_kernel.threads[j]->ticket < sq_kernel.current->ticket;
      ensures TO02: timeout != SQ_FOREVER ==> sq_armed(&sq_kernel.current->timeout) &&
        sq_kernel.armed[sq_kernel.armed_count - 1].node == &sq_kernel.current->timeout &&
        sq_kernel.armed[sq_kernel.armed_count - 1].deadline == sq_kernel.now + timeout;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_sched_pend(sq_wait_queue_t *q, sq_timeout_t timeout);

/** After the unlock that followed sq_sched_pend: what the waker said. */
/*@ requires sq_kernel_ok;
    assigns \nothing;
    ensures \result == sq_kernel.current->wait_result;
*/
sq_status_t sq_sched_wait_result(void);

/**
 * End the critical section of a call that may wait, whose decision was
 * `st`: unlock `key`; if `st` is SQ_WAITING the switch away happens there,
 * and what the waker said is returned once the caller runs again.
 * Otherwise `st` is returned.
 */
/*@ requires sq_kernel_ok;
    assigns \nothing;
    ensures st != SQ_WAITING ==> \result == st;
    ensures st == SQ_WAITING ==> \result == sq_kernel.current->wait_result;
*/
sq_status_t sq_sched_unlock_result(sq_irq_key_t key, sq_status_t st);

/**
 * Wake every thread waiting on `q` with `result`, first waiter first: each
 * joins the ready queue behind the ones woken before it, so they reach it
 * in their order on `q` (P10), and equal-priority waiters run in their
 * arrival order.
 */
/*@ requires sq_kernel_ok && sq_timeouts_ok && q != &sq_ready_queue && q != \null;
    assigns SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures !sq_has_waiter(q);
    ensures \forall integer j; 0 <= j < sq_kernel.thread_count &&
      \old(sq_kernel.threads[j]->queue) == q ==>
      sq_kernel.threads[j]->state == SQ_THREAD_READY &&
      sq_kernel.threads[j]->wait_result == result;
    ensures P10: \forall integer j, k; 0 <= j < sq_kernel.thread_count &&
      0 <= k < sq_kernel.thread_count &&
      \old(sq_kernel.threads[j]->queue) == q && \old(sq_kernel.threads[k]->queue) == q &&
      \old(sq_before(sq_kernel.threads[j], sq_kernel.threads[k])) ==>
      sq_kernel.threads[j]->ticket < sq_kernel.threads[k]->ticket;
*/
void sq_queue_wake_all(sq_wait_queue_t *q, sq_status_t result);

/** True if a thread waits on `q`. */
/*@ requires sq_kernel_ok && q != \null;
    assigns \nothing;
    ensures \result <==> sq_has_waiter(q);
*/
bool sq_queue_has_waiters(sq_wait_queue_t *q);

/* Timeouts (timeout.c). */

/** Arm `node` (not armed) to call `expire` at `deadline`; the caller has
 *  checked that fewer than SQ_CONFIG_MAX_TIMEOUTS are armed. The next
 *  deadline becomes the earlier of the two (TO09). */
/*@ requires sq_timeouts_ok && !sq_armed(node);
    requires sq_kernel.armed_count < SQ_CONFIG_MAX_TIMEOUTS;
    assigns sq_kernel.armed[sq_kernel.armed_count], sq_kernel.armed_count,
            sq_kernel.next_deadline;
    ensures sq_timeouts_ok && sq_armed(node);
    ensures sq_kernel.armed_count == \old(sq_kernel.armed_count) + 1;
    ensures TO02: sq_kernel.armed[\old(sq_kernel.armed_count)].node == node &&
                  sq_kernel.armed[\old(sq_kernel.armed_count)].deadline == deadline;
    ensures TO09: sq_next_deadline_ok && sq_kernel.next_deadline <= deadline;
    ensures \forall sq_timeout_node_t *n; \old(sq_armed(n)) ==> sq_armed(n);
*/
void sq_timeout_arm(sq_timeout_node_t *node, sq_tick_t deadline, sq_expire_fn *expire);

/** Disarm `node`; nothing if it is not armed. */
/*@ requires sq_timeouts_ok;
    assigns sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count;
    ensures sq_timeouts_ok;
    ensures TO03: !sq_armed(node);
    ensures \forall sq_timeout_node_t *n; n != node ==> (sq_armed(n) <==> \old(sq_armed(n)));
*/
void sq_timeout_disarm(sq_timeout_node_t *node);

/** Whether `node` is armed. */
/*@ requires sq_timeouts_ok;
    assigns \nothing;
    ensures \result <==> sq_armed(node);
*/
bool sq_timeout_armed(sq_timeout_node_t *node);

/**
 * The index in the armed table of the earliest deadline reached at `now`;
 * -1 when none is. The tick fires and removes it, and asks again until -1,
 * so it fires exactly the timeouts whose deadline is <= now (TO04).
 * Before the next deadline it answers -1 at once (TO09); otherwise it
 * scans the table and makes the next deadline exact, the earliest armed
 * one or SQ_TICK_NEVER (TO10).
 */
/*@ requires sq_timeouts_ok && now <= SQ_TICK_MAX;
    assigns sq_kernel.next_deadline;
    ensures sq_timeouts_ok;
    ensures -1 <= \result < sq_kernel.armed_count;
    ensures TO09: \result == -1 ==> now < sq_kernel.next_deadline;
    ensures TO09: now < \old(sq_kernel.next_deadline) ==> \result == -1 &&
      sq_kernel.next_deadline == \old(sq_kernel.next_deadline);
    ensures TO10: \old(sq_kernel.next_deadline) <= now ==>
      (sq_kernel.armed_count == 0 ==> sq_kernel.next_deadline == SQ_TICK_NEVER) &&
      (sq_kernel.armed_count > 0 ==> \exists integer i; 0 <= i < sq_kernel.armed_count &&
         sq_kernel.armed[i].deadline == sq_kernel.next_deadline);
    ensures TO04: \result >= 0 ==> sq_kernel.armed[\result].deadline <= now &&
      \forall integer i; 0 <= i < sq_kernel.armed_count ==>
        sq_kernel.armed[\result].deadline <= sq_kernel.armed[i].deadline;
    ensures TO04: \result == -1 ==> \forall integer i; 0 <= i < sq_kernel.armed_count ==>
      sq_kernel.armed[i].deadline > now;
*/
int32_t sq_timeout_first_reached(sq_tick_t now);

/** Remove entry `i` of the armed table (the last entry takes its place). */
/*@ requires sq_timeouts_ok && 0 <= i < sq_kernel.armed_count;
    assigns sq_kernel.armed[i], sq_kernel.armed_count;
    ensures sq_timeouts_ok;
    ensures sq_kernel.armed_count == \old(sq_kernel.armed_count) - 1;
    ensures TO03: !sq_armed(\old(sq_kernel.armed[i].node));
    ensures \forall sq_timeout_node_t *n; n != \old(sq_kernel.armed[i].node) ==>
      (sq_armed(n) <==> \old(sq_armed(n)));
*/
void sq_timeout_remove_at(uint32_t i);

/**
 * The next deadline: no armed timeout is due before it (TO09), and none is
 * armed if it is SQ_TICK_NEVER. Exact (the earliest armed deadline) after
 * a tick that scanned the table (TO10); a disarm since may have removed
 * that timeout, so otherwise it is only a bound. Tickless idle may sleep
 * until it (no earlier tick has anything to fire) and must then call
 * sq_kernel_tick with the ticks elapsed: if the timeout was disarmed
 * meanwhile that tick fires nothing, scans and makes the value exact, so
 * idle asks again and sleeps on; one early wake per disarmed deadline.
 */
/*@ requires sq_timeouts_ok;
    assigns \nothing;
    ensures TO09: \result == sq_kernel.next_deadline &&
      \forall integer i; 0 <= i < sq_kernel.armed_count ==> \result <= sq_kernel.armed[i].deadline;
*/
sq_tick_t sq_timeout_next_deadline(void);

#endif /* SQUALL_SRC_SCHED_H */
