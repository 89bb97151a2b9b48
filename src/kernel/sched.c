/*
 * squall: scheduler decisions, queues, kernel start (include/squall/kernel.h,
 * src/kernel/sched.h).
 */
#include "port.h"
#include "sched.h"

/* From load time the kernel is in the state sq_kernel_reset gives it (but
 * not initialised, so no thread starts and it cannot run): the idle thread
 * alone, ready and current. So sq_kernel_ok holds before sq_kernel_init
 * too, and a call made then from main (the context that becomes the idle
 * thread) is one from the idle thread: a wait is refused with SQ_ERR_STATE
 * (sq_sched_pend), and no call finds a NULL current thread. */
struct sq_kernel sq_kernel = {
    .threads = {&sq_idle_thread}, .thread_count = 1u, .current = &sq_idle_thread,
    .next_ticket = 1u, .next_deadline = SQ_TICK_NEVER};
sq_thread_t sq_idle_thread = {
    .queue = &sq_ready_queue, .prio = SQ_PRIO_IDLE, .state = SQ_THREAD_READY};
sq_wait_queue_t sq_ready_queue;

int32_t sq_queue_first(sq_wait_queue_t *q)
{
    int32_t best = -1;
    /*@ loop invariant 0 <= i <= sq_kernel.thread_count;
        loop invariant -1 <= best < (integer)i;
        loop invariant best == -1 <==>
          (\forall integer j; 0 <= j < i ==> sq_kernel.threads[j]->queue != q);
        loop invariant best >= 0 ==> sq_kernel.threads[best]->queue == q &&
          (\forall integer j; 0 <= j < i && sq_kernel.threads[j]->queue == q && j != best ==>
             sq_before(sq_kernel.threads[best], sq_kernel.threads[j]));
        loop assigns i, best;
        loop variant sq_kernel.thread_count - i;
    */
    for (uint32_t i = 0; i < sq_kernel.thread_count; i++) {
        const sq_thread_t *t = sq_kernel.threads[i];
        if (t->queue != q) {
            continue;
        }
        /* Tickets are unique, so "before" is a strict total order on a
         * queue and the first is well defined. */
        /*@ assert best < 0 || sq_distinct(sq_kernel.threads[best], sq_kernel.threads[i]); */
        if (best < 0 || t->prio < sq_kernel.threads[best]->prio ||
            (t->prio == sq_kernel.threads[best]->prio &&
             t->ticket < sq_kernel.threads[best]->ticket)) {
            best = (int32_t)i;
        }
    }
    return best;
}

bool sq_queue_has_waiters(sq_wait_queue_t *q)
{
    return sq_queue_first(q) >= 0;
}

void sq_queue_join(sq_thread_t *t, sq_wait_queue_t *q, uint8_t state)
{
    /* The one assumption of the scheduling proofs: fewer than 2^64 - 2
     * queue joins in a run (over 500 years at one join per nanosecond), so
     * tickets stay unique and ordered. */
    /*@ admit ticket_bound: sq_kernel.next_ticket < 0xfffffffffffffffe; */
    t->queue = q;
    t->state = state;
    t->ticket = sq_kernel.next_ticket;
    sq_kernel.next_ticket++;
}

void sq_queue_leave(sq_thread_t *t, uint8_t state)
{
    t->queue = NULL;
    t->state = state;
}

sq_thread_t *sq_sched_next(void)
{
    sq_thread_t *cur = sq_kernel.current;
    if (cur->state == SQ_THREAD_READY && (cur->options & SQ_THREAD_COOPERATIVE) != 0u &&
        !sq_kernel.yielding) {
        return cur;
    }
    /* The idle thread is always ready, so there is a first. */
    return sq_kernel.threads[sq_queue_first(&sq_ready_queue)];
}

void sq_sched_reschedule(void)
{
    /* Before sq_kernel_run there is nothing to switch to yet. */
    if (sq_kernel.running && sq_sched_next() != sq_kernel.current) {
        sq_port_switch_request();
    }
}

sq_status_t sq_sched_reschedule_unlock(sq_irq_key_t key, sq_status_t st)
{
    sq_sched_reschedule();
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires sq_kernel_ok;
    assigns sq_kernel.current, sq_kernel.yielding;
    ensures sq_kernel_ok;
    ensures SC05: \result == sq_kernel.current && \result->state == SQ_THREAD_READY;
*/
sq_thread_t *sq_sched_switch(void)
{
    sq_kernel.current = sq_sched_next();
    sq_kernel.yielding = false;
    return sq_kernel.current;
}

/*@ assigns \nothing;
    ensures \result == sq_kernel.current;
*/
sq_thread_t *sq_sched_current(void)
{
    return sq_kernel.current;
}

int32_t sq_thread_index(sq_thread_t *t)
{
    /*@ loop invariant 0 <= i <= sq_kernel.thread_count;
        loop invariant \forall integer j; 0 <= j < i ==> sq_kernel.threads[j] != t;
        loop assigns i;
        loop variant sq_kernel.thread_count - i;
    */
    for (uint32_t i = 0; i < sq_kernel.thread_count; i++) {
        if (sq_kernel.threads[i] == t) {
            return (int32_t)i;
        }
    }
    return -1;
}

void sq_sched_wake(uint32_t i, sq_status_t result)
{
    sq_thread_t *t = sq_kernel.threads[i];
    /*@ assert apart: \forall integer j; 0 <= j < sq_kernel.thread_count && j != i ==>
          sq_distinct(t, sq_kernel.threads[j]); */
    sq_timeout_disarm(&t->timeout);
    t->wait_result = (int32_t)result;
    sq_queue_join(t, &sq_ready_queue, SQ_THREAD_READY);
}

int32_t sq_queue_wake_first(sq_wait_queue_t *q, sq_status_t result)
{
    int32_t i = sq_queue_first(q);
    if (i >= 0) {
        sq_sched_wake((uint32_t)i, result);
    }
    return i;
}

/*@ // A waiter's place on a queue as one number: priority first, then
    // ticket (tickets are below 2^64). Used to show the wake loop ends.
    logic integer sq_queue_place{L}(integer i) =
      sq_kernel.threads[i]->prio * 0x10000000000000000 + sq_kernel.threads[i]->ticket;
*/

void sq_queue_wake_all(sq_wait_queue_t *q, sq_status_t result)
{
    /* Each pass wakes the first of those still waiting, who is after the
     * one woken before it (nothing joins q meanwhile): so the loop ends,
     * and each woken thread's fresh ticket keeps their order (P10). */
    /*@ ghost int32_t last = -1; */
    /*@ loop invariant sq_kernel_ok && sq_timeouts_ok;
        loop invariant -1 <= last < sq_kernel.thread_count;
        loop invariant last >= 0 ==> \let k = last;
          \at(sq_kernel.threads[k]->queue, Pre) == q &&
          \at(sq_kernel.threads[k]->prio, Pre) <= SQ_PRIO_IDLE;
        // Still waiting: waited on entry, in the same place.
        loop invariant \forall integer j; 0 <= j < sq_kernel.thread_count &&
          sq_kernel.threads[j]->queue == q ==>
          \at(sq_kernel.threads[j]->queue, Pre) == q &&
          sq_kernel.threads[j]->prio == \at(sq_kernel.threads[j]->prio, Pre) &&
          sq_kernel.threads[j]->ticket == \at(sq_kernel.threads[j]->ticket, Pre);
        // Woken: ready, with the result.
        loop invariant \forall integer j; 0 <= j < sq_kernel.thread_count &&
          \at(sq_kernel.threads[j]->queue, Pre) == q && sq_kernel.threads[j]->queue != q ==>
          sq_kernel.threads[j]->queue == &sq_ready_queue &&
          sq_kernel.threads[j]->state == SQ_THREAD_READY &&
          sq_kernel.threads[j]->wait_result == result;
        // Every woken thread came before every one still waiting ...
        loop invariant \forall integer j, k; 0 <= j < sq_kernel.thread_count &&
          0 <= k < sq_kernel.thread_count &&
          \at(sq_kernel.threads[j]->queue, Pre) == q && sq_kernel.threads[j]->queue != q &&
          sq_kernel.threads[k]->queue == q ==>
          \at(sq_before(sq_kernel.threads[j], sq_kernel.threads[k]), Pre);
        loop invariant last >= 0 ==> \forall integer j; 0 <= j < sq_kernel.thread_count &&
          sq_kernel.threads[j]->queue == q ==>
          sq_queue_place{Pre}(last) < sq_queue_place{Here}(j);
        // ... and the woken hold tickets in that order.
        loop invariant P10: \forall integer j, k; 0 <= j < sq_kernel.thread_count &&
          0 <= k < sq_kernel.thread_count &&
          \at(sq_kernel.threads[j]->queue, Pre) == q && sq_kernel.threads[j]->queue != q &&
          \at(sq_kernel.threads[k]->queue, Pre) == q && sq_kernel.threads[k]->queue != q &&
          \at(sq_before(sq_kernel.threads[j], sq_kernel.threads[k]), Pre) ==>
          sq_kernel.threads[j]->ticket < sq_kernel.threads[k]->ticket;
        loop assigns last, SQ_WAKE_FOOTPRINT;
        // Places are bounded: (idle priority + 1) * 2^64.
        loop variant (SQ_PRIO_IDLE + 1) * 0x10000000000000000 -
          (last < 0 ? 0 : sq_queue_place{Pre}(last) + 1);
    */
    for (;;) {
        int32_t i = sq_queue_wake_first(q, result);
        if (i < 0) {
            return;
        }
        /* The one woken now came after each woken before it, and its
         * ticket is above theirs. */
        /*@ assert \let k = i; \forall integer j; 0 <= j < sq_kernel.thread_count && j != k &&
              \at(sq_kernel.threads[j]->queue, Pre) == q && sq_kernel.threads[j]->queue != q ==>
              \at(sq_before(sq_kernel.threads[j], sq_kernel.threads[k]), Pre) &&
              sq_kernel.threads[j]->ticket < sq_kernel.threads[k]->ticket; */
        /*@ ghost last = i; */
    }
}

/* Timeout expiry of a waiting thread: it is still PENDING or SLEEPING,
 * since every other wake disarms the timeout first. The owner is found by
 * its node's address, which needs no pointer arithmetic. */
static void sq_sched_wait_expired(sq_timeout_node_t *node, sq_tick_t deadline)
{
    (void)deadline;
    for (uint32_t i = 1; i < sq_kernel.thread_count; i++) {
        if (&sq_kernel.threads[i]->timeout == node) {
            sq_sched_wake(i, sq_kernel.threads[i]->state == SQ_THREAD_SLEEPING ? SQ_OK
                                                                               : SQ_ERR_TIMEOUT);
            return;
        }
    }
}

sq_status_t sq_sched_pend(sq_wait_queue_t *q, sq_timeout_t timeout)
{
    sq_thread_t *self = sq_kernel.current;
    /* The idle thread never waits: it is what runs when nothing else can.
     * Before sq_kernel_init and between runs every caller is the idle
     * thread (main), so this also refuses a wait outside a running
     * kernel. */
    if (self == &sq_idle_thread) {
        return SQ_ERR_STATE;
    }
    if (timeout != SQ_FOREVER) {
        if (sq_kernel.armed_count == SQ_CONFIG_MAX_TIMEOUTS) {
            return SQ_ERR_FULL;
        }
        sq_timeout_arm(&self->timeout, sq_tick_deadline(sq_kernel.now, timeout),
                       sq_sched_wait_expired);
    }
    self->wait_result = (int32_t)SQ_ERR_TIMEOUT;
    if (q != NULL) {
        sq_queue_join(self, q, SQ_THREAD_PENDING);
    } else {
        sq_queue_leave(self, SQ_THREAD_SLEEPING);
    }
    sq_port_switch_request();
    return SQ_WAITING;
}

sq_status_t sq_sched_wait_result(void)
{
    return (sq_status_t)sq_kernel.current->wait_result;
}

sq_status_t sq_sched_unlock_result(sq_irq_key_t key, sq_status_t st)
{
    sq_port_irq_unlock(key);
    return st == SQ_WAITING ? sq_sched_wait_result() : st;
}

/*@ assigns sq_kernel, sq_idle_thread;
    behavior running:
      assumes sq_kernel.running;
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior init:
      assumes !sq_kernel.running;
      ensures \result == SQ_OK;
      ensures sq_kernel_ok && sq_timeouts_ok;
      ensures TH05: sq_kernel.thread_count == 1;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_kernel_reset(void)
{
    if (sq_kernel.running) {
        return SQ_ERR_STATE;
    }
    /* The base case of sq_kernel_ok: the idle thread alone, ready. */
    sq_kernel.thread_count = 1;
    sq_kernel.threads[0] = &sq_idle_thread;
    sq_idle_thread.prio = SQ_PRIO_IDLE;
    sq_idle_thread.options = 0u;
    sq_idle_thread.queue = &sq_ready_queue;
    sq_idle_thread.state = SQ_THREAD_READY;
    sq_idle_thread.ticket = 0u;
    sq_kernel.next_ticket = 1u;
    sq_kernel.current = &sq_idle_thread;
    sq_kernel.now = 0u;
    sq_kernel.armed_count = 0u;
    sq_kernel.next_deadline = SQ_TICK_NEVER;
    sq_kernel.yielding = false;
    sq_kernel.initialised = true;
    return SQ_OK;
}

void (*sq_kernel_init_hook)(void);

/* Not given to WP: it calls the registered hook through its pointer. The
 * kernel's state is sq_kernel_reset's (proven); the shared-stream table's
 * is sq_shared_stream_forget_all's (proven). */
/*@ behavior running:
      assumes sq_kernel.running;
      ensures \result == SQ_ERR_STATE;
    behavior init:
      assumes !sq_kernel.running;
      ensures \result == SQ_OK;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_kernel_init(void)
{
    sq_status_t st = sq_kernel_reset();
    if (st == SQ_OK && sq_kernel_init_hook != NULL) {
        sq_kernel_init_hook();
    }
    return st;
}

sq_status_t sq_kernel_run(void)
{
    sq_irq_key_t key = sq_port_irq_lock();
    if (!sq_kernel.initialised || sq_kernel.running || sq_port_in_isr()) {
        sq_port_irq_unlock(key);
        return SQ_ERR_STATE;
    }
    sq_kernel.running = true;
    sq_port_irq_unlock(key);
    sq_port_kernel_start(&sq_idle_thread);
    /* Idle: runs only when nothing else is ready, and ends the run once
     * it is the only thread left. */
    for (;;) {
        key = sq_port_irq_lock();
        if (sq_kernel.thread_count == 1u) {
            break;
        }
        sq_sched_reschedule();
        sq_port_idle(key);
    }
    sq_kernel.armed_count = 0u;   /* timers still running stop here */
    sq_port_kernel_stop();
    sq_kernel.running = false;
    sq_port_irq_unlock(key);
    return SQ_OK;
}

/*@ assigns \nothing;
    ensures \result == sq_kernel.now;
*/
sq_tick_t sq_kernel_now(void)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_tick_t now = sq_kernel.now;
    sq_port_irq_unlock(key);
    return now;
}

/*@ assigns \nothing; */
bool sq_kernel_in_isr(void)
{
    return sq_port_in_isr();
}

sq_status_t sq_kernel_soft_irq(void (*handler)(void *arg), void *arg)
{
    if (handler == NULL) {
        return SQ_ERR_NULL;
    }
    if (sq_port_in_isr()) {
        return SQ_ERR_IN_ISR;
    }
    if (!sq_kernel.running) {
        return SQ_ERR_STATE;
    }
    sq_port_soft_irq(handler, arg);
    return SQ_OK;
}
