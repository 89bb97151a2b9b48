/*
 * squall: waitable sets (include/squall/waitable_set.h).
 *
 * A waitable's pending event lives in the waitable (code, payload); the set
 * keeps only the order: pointers to its pending members, oldest first, in
 * caller storage. Delivery takes pending[0] and moves the rest up.
 *
 * Wake-ups: every event that enters a set's array (post, or join of a
 * waitable with an event) wakes one waiter, which then takes the oldest
 * event under the lock. A thread waits only after finding the array empty
 * in the same critical section (NLW03), so an event that arrives later
 * finds it on the queue. A woken waiter may find the array empty again (a
 * poll or a new waiter took the event first): it waits again for what is
 * left of its timeout. That a woken waiter or another consumer always
 * takes each event is the SPIN model's part (proofs/spin/waitable_set.pml).
 *
 * Contracts: the kernel invariants (sq_kernel_ok, sq_timeouts_ok) and the
 * set invariant below are required and ensured by every call.
 */
#include <squall/waitable_set.h>
#include "kernel/port.h"
#include "kernel/sched.h"
#include "waitable_set_locked.h"

/* sq_kernel_ok after a store of a pointer outside every thread control
 * block (WP keeps all pointers in one memory): assert the threads' queue
 * fields are what they were at L, then each of sq_kernel_ok's two parts
 * over the threads from its instance at L. Stated as one assertion, or
 * without the instances at L, the goal times out. */
#define SQ_QUEUES_KEPT(L)                                                     \
    (\forall integer t_; 0 <= t_ < sq_kernel.thread_count ==>                 \
       sq_kernel.threads[t_]->queue == \at(sq_kernel.threads[t_]->queue, L))
#define SQ_THREADS_INV_KEPT(L)                                                \
    (\forall integer t_; 0 <= t_ < sq_kernel.thread_count ==>                 \
       \at(sq_thread_inv(sq_kernel.threads[t_]), L) ==>                       \
       sq_thread_inv(sq_kernel.threads[t_]))
#define SQ_THREADS_DISTINCT_KEPT(L)                                           \
    (\forall integer t_, u_; 0 <= t_ < sq_kernel.thread_count &&              \
       0 <= u_ < sq_kernel.thread_count && t_ != u_ ==>                       \
       \at(sq_distinct(sq_kernel.threads[t_], sq_kernel.threads[u_]), L) ==>  \
       sq_distinct(sq_kernel.threads[t_], sq_kernel.threads[u_]))

/*@ predicate sq_wcode_ok(integer c) =
      SQ_WAIT_EVENT_SUBTASK <= c <= SQ_WAIT_EVENT_CANCELLED;

    // The array of s: its capacity in pointers, apart from s and from
    // every thread control block in the kernel's table (sq_queue_wake_first
    // may write any of them, as its contract says).
    predicate sq_wset_storage_ok(sq_waitable_set_t *s) =
      \valid(s->pending + (0 .. s->capacity - 1)) &&
      \separated(s, s->pending + (0 .. s->capacity - 1)) &&
      \forall integer j; 0 <= j < SQ_CONFIG_MAX_THREADS ==>
        \separated(s, sq_kernel.threads[j]) &&
        \separated(s->pending + (0 .. s->capacity - 1), sq_kernel.threads[j]);

    // A waitable that may be in s's array: apart from s, its array and
    // every thread control block.
    predicate sq_wset_apart(sq_waitable_set_t *s, sq_waitable_t *w) =
      \valid(w) && \separated(w, s) &&
      \separated(w, s->pending + (0 .. s->capacity - 1)) &&
      \forall integer j; 0 <= j < SQ_CONFIG_MAX_THREADS ==>
        \separated(w, sq_kernel.threads[j]);

    // An entry of s's array: an initialised member of s with an event.
    predicate sq_wset_entry_ok(sq_waitable_set_t *s, sq_waitable_t *w) =
      sq_wset_apart(s, w) && w->set == s && w->magic == SQ_WAITABLE_MAGIC &&
      sq_wcode_ok(w->code);

    // n distinct, non-overlapping waitables at p[0 .. n-1]. (Two
    // quantifiers: in one, the provers found the instances of the
    // inequality only where the goal also named the separation.)
    predicate sq_wset_distinct(sq_waitable_t **p, integer n) =
      (\forall integer i, k; 0 <= i < k < n ==> p[i] != p[k]) &&
      (\forall integer i, k; 0 <= i < k < n ==> \separated(p[i], p[k]));

    predicate sq_wset_in(sq_waitable_set_t *s, sq_waitable_t *w) =
      \exists integer i; 0 <= i < s->pending_count && s->pending[i] == w;

    // The set invariant. Entries are members (set == s), so there are no
    // more of them than members; they are distinct, non-overlapping
    // waitables. (Its converse, "every member with an event is an entry",
    // ranges over every waitable in memory: the tests and the SPIN model
    // check it, WP does not.)
    predicate sq_waitable_set_ok(sq_waitable_set_t *s) =
      &s->waiters != &sq_ready_queue &&
      s->pending_count <= s->joined <= s->capacity &&
      sq_wset_storage_ok(s) &&
      (\forall integer i; 0 <= i < s->pending_count ==>
         sq_wset_entry_ok(s, s->pending[i])) &&
      sq_wset_distinct(s->pending, s->pending_count);

    // No lost wake-up, as one critical section gives it (NLW03): a thread
    // starts to wait on s only while nothing is pending, and each event
    // that enters the array wakes a waiter. (Not an invariant: with two
    // waiters, a post wakes one and the other waits while the event is
    // pending until the woken one takes it. The SPIN model checks the
    // invariant: while anyone waits, pending events <= woken waiters on
    // their way to take them.)
    predicate sq_waitable_set_nlw(sq_waitable_set_t *s) =
      sq_has_waiter(&s->waiters) ==> s->pending_count == 0;

    // A waitable as the calls on it need it: when it is in a set, that set
    // keeps its invariant, and w overlaps neither it nor its other entries.
    predicate sq_waitable_ok(sq_waitable_t *w) =
      \valid(w) &&
      (w->magic == SQ_WAITABLE_MAGIC && w->set != \null ==>
         \valid(w->set) && sq_waitable_set_ok(w->set) && sq_wset_apart(w->set, w) &&
         \forall integer i; 0 <= i < w->set->pending_count && w->set->pending[i] != w ==>
           \separated(w, w->set->pending[i]));
*/

/* Index of `w` in s's array, or pending_count when it is not there.
 * (Not const: WP compares pointers of one type only.) */
/*@ requires \valid_read(s) && \valid_read(s->pending + (0 .. s->pending_count - 1));
    assigns \nothing;
    ensures \result <= s->pending_count;
    ensures \result < s->pending_count ==> s->pending[\result] == w;
    ensures \result == s->pending_count ==> !sq_wset_in(s, w);
*/
static uint32_t sq_wset_find(sq_waitable_set_t *s, sq_waitable_t *w)
{
    sq_waitable_t **p = s->pending;
    uint32_t n = s->pending_count;
    uint32_t i = 0u;
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer k; 0 <= k < i ==> p[k] != w;
        loop assigns i;
        loop variant n - i;
    */
    while (i < n && p[i] != w) {
        i++;
    }
    return i;
}

/* Drop entry `at`, moving the younger ones up: the order stays, distinct
 * entries stay distinct, and the dropped one is gone. */
/*@ requires \valid(s) && at < s->pending_count <= s->capacity;
    requires \valid(s->pending + (0 .. s->capacity - 1));
    requires \separated(s, s->pending + (0 .. s->capacity - 1));
    requires sq_wset_distinct(s->pending, s->pending_count);
    assigns s->pending[0 .. s->capacity - 1], s->pending_count;
    ensures s->pending_count == \old(s->pending_count) - 1;
    ensures \forall integer k; 0 <= k < at ==> s->pending[k] == \old(s->pending[k]);
    ensures \forall integer k; at <= k < s->pending_count ==>
      s->pending[k] == \old(s->pending[k + 1]);
    ensures sq_wset_distinct(s->pending, s->pending_count);
    ensures \forall integer k; 0 <= k < s->pending_count ==>
      s->pending[k] != \old(s->pending[at]);
*/
static void sq_wset_remove_at(sq_waitable_set_t *s, uint32_t at)
{
    sq_waitable_t **p = s->pending;
    uint32_t n = s->pending_count - 1u;
    uint32_t i = at;
    /*@ loop invariant at <= i <= n;
        loop invariant \forall integer k; 0 <= k < at ==> p[k] == \at(p[k], LoopEntry);
        loop invariant \forall integer k; at <= k < i ==> p[k] == \at(p[k + 1], LoopEntry);
        loop invariant \forall integer k; i <= k <= n ==> p[k] == \at(p[k], LoopEntry);
        loop assigns i, p[at .. n - 1];
        loop variant n - i;
    */
    while (i < n) {
        p[i] = p[i + 1u];
        i++;
    }
    /*@ assert kept: \forall integer k; 0 <= k < at ==> p[k] == \at(s->pending[k], Pre); */
    /*@ assert moved: \forall integer k; at <= k < n ==> p[k] == \at(s->pending[k + 1], Pre); */
    /*@ assert gone_lo: \forall integer k; 0 <= k < at ==> p[k] != \at(s->pending[at], Pre); */
    /*@ assert gone_hi: \forall integer k; at <= k < n ==> p[k] != \at(s->pending[at], Pre); */
    /*@ assert lo_lo: \forall integer j, k; 0 <= j < k < at ==>
          p[j] != p[k] && \separated(p[j], p[k]); */
    /*@ assert lo_hi: \forall integer j, k; 0 <= j < at <= k < n ==>
          p[j] != p[k] && \separated(p[j], p[k]); */
    /* Both moved entries and their old pair in one fact: the provers do
     * not find the old indices j + 1, k + 1 on their own. */
    /*@ assert hi_pair: \forall integer j, k; at <= j < k < n ==>
          p[j] == \at(s->pending[j + 1], Pre) && p[k] == \at(s->pending[k + 1], Pre) &&
          \separated(\at(s->pending[j + 1], Pre), \at(s->pending[k + 1], Pre)); */
    /*@ assert distinct: sq_wset_distinct(p, n); */
    s->pending_count = n;
}

/* Take `w` out of s's array if it is there; the others keep their order. */
/*@ requires sq_kernel_ok;
    requires \valid(s) && sq_waitable_set_ok(s);
    requires \forall integer i; 0 <= i < s->pending_count && s->pending[i] != w ==>
      \separated(w, s->pending[i]);
    assigns s->pending[0 .. s->capacity - 1], s->pending_count;
    ensures sq_kernel_ok;
    ensures sq_waitable_set_ok(s);
    ensures !sq_wset_in(s, w);
    ensures \forall integer k; 0 <= k < s->pending_count ==> \separated(w, s->pending[k]);
    ensures s->pending_count <= \old(s->pending_count);
*/
static void sq_wset_withdraw(sq_waitable_set_t *s, sq_waitable_t *w)
{
    uint32_t at = sq_wset_find(s, w);
    if (at < s->pending_count) {
        sq_wset_remove_at(s, at);
        /*@ assert frame: \forall integer m; 0 <= m < \at(s->pending_count, Pre) ==>
              sq_wset_entry_ok(s, \at(s->pending[m], Pre)); */
        /*@ assert entries: \forall integer k; 0 <= k < s->pending_count ==>
              sq_wset_entry_ok(s, s->pending[k]); */
        /*@ assert queues: SQ_QUEUES_KEPT(Pre); */
        /*@ assert threads: SQ_THREADS_INV_KEPT(Pre); */
        /*@ assert threads_distinct: SQ_THREADS_DISTINCT_KEPT(Pre); */
    }
}

/* Wake s's first waiter for a new entry. A function of its own: the waker
 * writes the threads' queue fields, in the one memory WP keeps for every
 * pointer, and the provers carry the set invariant across that call only
 * in a small proof (in sq_wset_append's, the goals time out). */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires \valid(s) && sq_waitable_set_ok(s);
    assigns SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_waitable_set_ok(s);
    ensures s->pending_count == \old(s->pending_count);
    ensures \forall integer k; 0 <= k < s->pending_count ==>
      s->pending[k] == \old(s->pending[k]);
    ensures \old(sq_has_waiter(&s->waiters)) ==> \result > 0;
    ensures -1 <= \result < sq_kernel.thread_count;
*/
static int32_t sq_wset_wake(sq_waitable_set_t *s)
{
    int32_t woken = sq_queue_wake_first(&s->waiters, SQ_OK);
    /*@ assert same: s->pending == \at(s->pending, Pre) &&
          \forall integer k; 0 <= k < s->pending_count ==>
            s->pending[k] == \at(s->pending[k], Pre); */
    /*@ assert distinct_ne: \forall integer i, k; 0 <= i < k < s->pending_count ==>
          s->pending[i] != s->pending[k]; */
    /*@ assert distinct_apart: \forall integer i, k; 0 <= i < k < s->pending_count ==>
          \separated(s->pending[i], s->pending[k]); */
    return woken;
}

/* Make `w` (a member of s with an event, not yet an entry) the newest
 * entry, and wake s's first waiter for it. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires \valid(s) && sq_waitable_set_ok(s) && s->pending_count < s->joined;
    requires sq_wset_entry_ok(s, w) && !sq_wset_in(s, w);
    requires \forall integer i; 0 <= i < s->pending_count ==> \separated(w, s->pending[i]);
    assigns s->pending[s->pending_count], s->pending_count,
            SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_waitable_set_ok(s);
    ensures s->pending_count == \old(s->pending_count) + 1;
    ensures s->pending[\old(s->pending_count)] == w;
    ensures \forall integer k; 0 <= k < \old(s->pending_count) ==>
      s->pending[k] == \old(s->pending[k]);
    ensures NLW03: \old(sq_has_waiter(&s->waiters)) ==> \result > 0;
    ensures -1 <= \result < sq_kernel.thread_count;
*/
static int32_t sq_wset_append(sq_waitable_set_t *s, sq_waitable_t *w)
{
    s->pending[s->pending_count] = w;
    s->pending_count++;
    /*@ assert same: s->pending == \at(s->pending, Pre) &&
          s->pending[s->pending_count - 1] == w &&
          \forall integer k; 0 <= k < s->pending_count - 1 ==>
            s->pending[k] == \at(s->pending[k], Pre); */
    /*@ assert older: \forall integer k; 0 <= k < s->pending_count - 1 ==>
          sq_wset_entry_ok(s, s->pending[k]); */
    /*@ assert newest: sq_wset_entry_ok(s, w); */
    /*@ assert entries: \forall integer k; 0 <= k < s->pending_count ==>
          sq_wset_entry_ok(s, s->pending[k]); */
    /*@ assert distinct_ne: \forall integer i, k; 0 <= i < k < s->pending_count ==>
          s->pending[i] != s->pending[k]; */
    /*@ assert distinct_apart: \forall integer i, k; 0 <= i < k < s->pending_count ==>
          \separated(s->pending[i], s->pending[k]); */
    /*@ assert set: sq_waitable_set_ok(s); */
    /*@ assert queues: SQ_QUEUES_KEPT(Pre); */
    /*@ assert threads: SQ_THREADS_INV_KEPT(Pre); */
    /*@ assert threads_distinct: SQ_THREADS_DISTINCT_KEPT(Pre); */
    return sq_wset_wake(s);
}

/* Deliver the oldest pending event of s into *ev, or NONE. */
/*@ requires sq_kernel_ok;
    requires \valid(s) && sq_waitable_set_ok(s) && \valid(ev);
    requires \separated(ev, s) && \separated(ev, s->pending + (0 .. s->capacity - 1));
    requires \forall integer i; 0 <= i < s->pending_count ==> \separated(ev, s->pending[i]);
    assigns *ev, s->pending[0 .. s->capacity - 1], s->pending_count,
            s->pending[0]->code, s->pending[0]->payload;
    ensures sq_kernel_ok;
    ensures sq_waitable_set_ok(s);
    ensures s->pending_count <= \old(s->pending_count);
    behavior none:
      assumes s->pending_count == 0;
      ensures PL09: ev->code == SQ_WAIT_EVENT_NONE && ev->join_id == 0 && ev->payload == 0;
      ensures s->pending_count == 0;
    behavior some:
      assumes s->pending_count > 0;
      ensures PL09: sq_wcode_ok(ev->code) && ev->code == \old(s->pending[0]->code) &&
                    ev->payload == \old(s->pending[0]->payload);
      ensures PL10: ev->join_id == \old(s->pending[0]->join_id) &&
                    \old(s->pending[0])->set == s;
      ensures PL11: \old(s->pending[0])->code == SQ_WAIT_EVENT_NONE &&
                    !sq_wset_in(s, \old(s->pending[0]));
      ensures s->pending_count == \old(s->pending_count) - 1;
      ensures \forall integer k; 0 <= k < s->pending_count ==>
        s->pending[k] == \old(s->pending[k + 1]);
    complete behaviors;
    disjoint behaviors;
*/
void sq_wset_deliver(sq_waitable_set_t *s, sq_wait_event_t *ev)
{
    if (s->pending_count == 0u) {
        ev->code = SQ_WAIT_EVENT_NONE;
        ev->join_id = 0u;
        ev->payload = 0u;
        return;
    }
    sq_waitable_t *w = s->pending[0];
    /* The others survive the stores to *ev and *w: they overlap neither.
     * Stated field by field below; as one predicate the goal times out. */
    /*@ assert apart_w: \forall integer m; 0 < m < s->pending_count ==>
          \separated(w, s->pending[m]); */
    ev->code = w->code;
    ev->join_id = w->join_id;
    ev->payload = w->payload;
    /* Delivered: no longer pending, so never delivered again (PL11). */
    w->code = SQ_WAIT_EVENT_NONE;
    w->payload = 0u;
    /*@ assert others_apart: \forall integer m; 0 < m < s->pending_count ==>
          sq_wset_apart(s, s->pending[m]); */
    /*@ assert others_magic: \forall integer m; 0 < m < s->pending_count ==>
          s->pending[m]->magic == SQ_WAITABLE_MAGIC; */
    /*@ assert others_code: \forall integer m; 0 < m < s->pending_count ==>
          sq_wcode_ok(s->pending[m]->code); */
    /*@ assert others: \forall integer m; 0 < m < s->pending_count ==>
          sq_wset_entry_ok(s, s->pending[m]); */
    sq_wset_remove_at(s, 0u);
    /*@ assert entries: \forall integer k; 0 <= k < s->pending_count ==>
          sq_wset_entry_ok(s, s->pending[k]); */
    /*@ assert queues: SQ_QUEUES_KEPT(Pre); */
    /*@ assert threads: SQ_THREADS_INV_KEPT(Pre); */
    /*@ assert threads_distinct: SQ_THREADS_DISTINCT_KEPT(Pre); */
}

/*@ requires w == \null || \valid(w);
    assigns *w;
    behavior null_arg:
      assumes w == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior in_set:
      assumes w != \null && w->magic == SQ_WAITABLE_MAGIC && w->set != \null;
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior ok:
      assumes w != \null && !(w->magic == SQ_WAITABLE_MAGIC && w->set != \null);
      ensures \result == SQ_OK && w->set == \null && w->code == SQ_WAIT_EVENT_NONE &&
              w->magic == SQ_WAITABLE_MAGIC;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_waitable_init(sq_waitable_t *w)
{
    if (w == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    /* A waitable in no set is in no array: resetting it breaks no set. */
    if (w->magic != SQ_WAITABLE_MAGIC || w->set == NULL) {
        w->set = NULL;
        w->join_id = 0u;
        w->code = SQ_WAIT_EVENT_NONE;
        w->payload = 0u;
        w->magic = SQ_WAITABLE_MAGIC;
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || \valid(s);
    requires s != \null && storage != \null && capacity > 0 ==>
      &s->waiters != &sq_ready_queue &&
      \valid(storage + (0 .. capacity - 1)) && \separated(s, storage + (0 .. capacity - 1)) &&
      \forall integer j; 0 <= j < SQ_CONFIG_MAX_THREADS ==>
        \separated(s, sq_kernel.threads[j]) &&
        \separated(storage + (0 .. capacity - 1), sq_kernel.threads[j]);
    assigns s->pending, s->pending_count, s->joined, s->capacity, s->magic;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes s == \null || storage == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior no_room:
      assumes s != \null && storage != \null && capacity == 0;
      assigns \nothing;
      ensures \result == SQ_ERR_CAPACITY;
    behavior busy:
      assumes s != \null && storage != \null && capacity > 0;
      assumes sq_has_waiter(&s->waiters) || (s->magic == SQ_WAITABLE_SET_MAGIC && s->joined != 0);
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior ok:
      assumes s != \null && storage != \null && capacity > 0;
      assumes !(sq_has_waiter(&s->waiters) ||
                (s->magic == SQ_WAITABLE_SET_MAGIC && s->joined != 0));
      ensures \result == SQ_OK && s->magic == SQ_WAITABLE_SET_MAGIC;
      ensures s->pending_count == 0 && s->joined == 0 && s->capacity == capacity;
      ensures sq_waitable_set_ok(s) && sq_waitable_set_nlw(s);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_waitable_set_init(sq_waitable_set_t *s, sq_waitable_t **storage,
                                 uint32_t capacity)
{
    if (s == NULL || storage == NULL) {
        return SQ_ERR_NULL;
    }
    if (capacity == 0u) {
        return SQ_ERR_CAPACITY;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    /* A destroyed set has no members (destroy refuses otherwise). */
    if (!sq_queue_has_waiters(&s->waiters) &&
        !(s->magic == SQ_WAITABLE_SET_MAGIC && s->joined != 0u)) {
        s->pending = storage;
        s->pending_count = 0u;
        s->joined = 0u;
        s->capacity = capacity;
        s->magic = SQ_WAITABLE_SET_MAGIC;
        /*@ assert queues: SQ_QUEUES_KEPT(Pre); */
        /*@ assert threads: SQ_THREADS_INV_KEPT(Pre); */
        /*@ assert threads_distinct: SQ_THREADS_DISTINCT_KEPT(Pre); */
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires \valid(w) && \valid(s) && sq_waitable_set_ok(s);
    requires w->magic == SQ_WAITABLE_MAGIC && w->set == \null;
    requires sq_wset_apart(s, w);
    requires \forall integer i; 0 <= i < s->pending_count ==> \separated(w, s->pending[i]);
    assigns w->set, w->join_id, s->joined, s->pending[0 .. s->capacity - 1], s->pending_count,
            SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_waitable_set_ok(s);
    behavior destroyed:
      assumes s->magic != SQ_WAITABLE_SET_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_DESTROYED;
    behavior full:
      assumes s->magic == SQ_WAITABLE_SET_MAGIC && s->joined == s->capacity;
      assigns \nothing;
      ensures \result == SQ_ERR_FULL;
    behavior join:
      assumes s->magic == SQ_WAITABLE_SET_MAGIC && s->joined < s->capacity;
      ensures \result == SQ_OK && w->set == s && w->join_id == join_id;
      ensures s->joined == \old(s->joined) + 1;
      ensures w->code == SQ_WAIT_EVENT_NONE ==> s->pending_count == \old(s->pending_count);
      ensures w->code != SQ_WAIT_EVENT_NONE ==>
        s->pending_count == \old(s->pending_count) + 1 &&
        s->pending[\old(s->pending_count)] == w;
      ensures \forall integer k; 0 <= k < \old(s->pending_count) ==>
        s->pending[k] == \old(s->pending[k]);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_waitable_join_locked(sq_waitable_t *w, sq_waitable_set_t *s,
                                           uint32_t join_id)
{
    if (s->magic != SQ_WAITABLE_SET_MAGIC) {
        return SQ_ERR_DESTROYED;
    }
    if (s->joined == s->capacity) {
        return SQ_ERR_FULL;
    }
    w->set = s;
    w->join_id = join_id;
    s->joined++;
    /*@ assert same: s->pending == \at(s->pending, Pre) &&
          \forall integer k; 0 <= k < s->pending_count ==>
            s->pending[k] == \at(s->pending[k], Pre); */
    /*@ assert set: sq_waitable_set_ok(s); */
    /*@ assert queues: SQ_QUEUES_KEPT(Pre); */
    /*@ assert threads: SQ_THREADS_INV_KEPT(Pre); */
    /*@ assert threads_distinct: SQ_THREADS_DISTINCT_KEPT(Pre); */
    /* Entries are members, so pending_count < joined <= capacity: room. */
    if (w->code != SQ_WAIT_EVENT_NONE) {
        (void)sq_wset_append(s, w);
    }
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires w == \null || sq_waitable_ok(w);
    requires s == \null || (\valid(s) && sq_waitable_set_ok(s));
    requires w != \null && s != \null && w->magic == SQ_WAITABLE_MAGIC && w->set == \null ==>
      sq_wset_apart(s, w) &&
      \forall integer i; 0 <= i < s->pending_count ==> \separated(w, s->pending[i]);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures s != \null ==> sq_waitable_set_ok(s);
    ensures w == \null || s == \null ==> \result == SQ_ERR_NULL;
    ensures w != \null && s != \null && \old(w->magic) != SQ_WAITABLE_MAGIC ==>
      \result == SQ_ERR_INVALID;
    ensures w != \null && s != \null && \old(w->magic) == SQ_WAITABLE_MAGIC &&
      \old(w->set) != \null ==> \result == SQ_ERR_STATE;
*/
sq_status_t sq_waitable_join(sq_waitable_t *w, sq_waitable_set_t *s, uint32_t join_id)
{
    if (w == NULL || s == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st;
    if (w->magic != SQ_WAITABLE_MAGIC) {
        st = SQ_ERR_INVALID;
    } else if (w->set != NULL) {
        st = SQ_ERR_STATE;
    } else {
        st = sq_waitable_join_locked(w, s, join_id);
    }
    return sq_sched_reschedule_unlock(key, st);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires sq_waitable_ok(w) && w->magic == SQ_WAITABLE_MAGIC && w->set != \null;
    assigns w->set, w->set->joined, w->set->pending[0 .. w->set->capacity - 1],
            w->set->pending_count,
            SQ_WAKE_ALL_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_waitable_set_ok(\old(w->set));
    ensures w->set == \null && w->code == \old(w->code) && w->payload == \old(w->payload);
    ensures \old(w->set)->joined == \old(w->set->joined) - 1;
    ensures \old(w->set)->joined == 0 ==> !sq_has_waiter(&\old(w->set)->waiters);
    ensures !sq_wset_in(\old(w->set), w);
*/
static void sq_waitable_leave_locked(sq_waitable_t *w)
{
    sq_waitable_set_t *s = w->set;
    /* Entries are members: joined >= 1 here. w's event (if any) stays with
     * w, out of the set's order. */
    sq_wset_withdraw(s, w);
    //@ ghost withdrawn: ;
    s->joined--;
    w->set = NULL;
    /*@ assert queues: SQ_QUEUES_KEPT(withdrawn); */
    /*@ assert threads: SQ_THREADS_INV_KEPT(withdrawn); */
    /*@ assert threads_distinct: SQ_THREADS_DISTINCT_KEPT(withdrawn); */
    /* Nothing can arrive any more: waiters find that out (SQ_ERR_EMPTY)
     * rather than wait for their timeout. */
    if (s->joined == 0u) {
        sq_queue_wake_all(&s->waiters, SQ_OK);
    }
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires w == \null || sq_waitable_ok(w);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures w == \null ==> \result == SQ_ERR_NULL;
    ensures w != \null && \old(w->magic) != SQ_WAITABLE_MAGIC ==> \result == SQ_ERR_INVALID;
    ensures w != \null && \old(w->magic) == SQ_WAITABLE_MAGIC && \old(w->set) == \null ==>
      \result == SQ_ERR_STATE;
    ensures w != \null && \old(w->magic) == SQ_WAITABLE_MAGIC && \old(w->set) != \null ==>
      \result == SQ_OK && w->set == \null && w->code == \old(w->code) &&
      sq_waitable_set_ok(\old(w->set));
*/
sq_status_t sq_waitable_leave(sq_waitable_t *w)
{
    if (w == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_INVALID;
    if (w->magic == SQ_WAITABLE_MAGIC) {
        st = SQ_ERR_STATE;
        if (w->set != NULL) {
            sq_waitable_leave_locked(w);
            st = SQ_OK;
        }
    }
    return sq_sched_reschedule_unlock(key, st);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires sq_waitable_ok(w) && w->magic == SQ_WAITABLE_MAGIC;
    assigns w->code, w->payload,
            w->set->pending[0 .. w->set->capacity - 1], w->set->pending_count,
            SQ_WAKE_FOOTPRINT;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_waitable_ok(w);
    ensures \result != SQ_OK ==> w->code == \old(w->code) && w->payload == \old(w->payload);
    behavior bad_code:
      assumes !sq_wcode_ok(code);
      assigns \nothing;
      ensures PL09: \result == SQ_ERR_INVALID;
    behavior pending:
      assumes sq_wcode_ok(code) && w->code != SQ_WAIT_EVENT_NONE;
      assigns \nothing;
      ensures PL11: \result == SQ_ERR_BUSY;
    behavior no_set:
      assumes sq_wcode_ok(code) && w->code == SQ_WAIT_EVENT_NONE && w->set == \null;
      ensures \result == SQ_OK && w->code == code && w->payload == payload;
    behavior no_room:
      assumes sq_wcode_ok(code) && w->code == SQ_WAIT_EVENT_NONE && w->set != \null;
      assumes w->set->pending_count >= w->set->joined;
      assigns \nothing;
      ensures \result == SQ_ERR_FULL;
    behavior in_set:
      assumes sq_wcode_ok(code) && w->code == SQ_WAIT_EVENT_NONE && w->set != \null;
      assumes w->set->pending_count < w->set->joined;
      ensures \result == SQ_OK && w->code == code && w->payload == payload;
      ensures w->set->pending_count == \old(w->set->pending_count) + 1 &&
              w->set->pending[\old(w->set->pending_count)] == w;
      ensures \forall integer k; 0 <= k < \old(w->set->pending_count) ==>
        w->set->pending[k] == \old(w->set->pending[k]);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_waitable_post_locked(sq_waitable_t *w, uint32_t code, uint32_t payload)
{
    if (code < SQ_WAIT_EVENT_SUBTASK || code > SQ_WAIT_EVENT_CANCELLED) {
        return SQ_ERR_INVALID;
    }
    /* One pending event per waitable: a pending cancellation is never
     * overwritten (PL11). */
    if (w->code != SQ_WAIT_EVENT_NONE) {
        return SQ_ERR_BUSY;
    }
    sq_waitable_set_t *s = w->set;
    if (s != NULL) {
        /* w is a member without an event, so it is not an entry: fewer
         * entries than members, as long as every member with an event is an
         * entry. That converse of sq_waitable_set_ok is checked by the tests
         * and the SPIN model ([converse]), not by WP: this check keeps the
         * append in bounds without it, and never fails while it holds. */
        if (s->pending_count >= s->joined) {
            return SQ_ERR_FULL;
        }
        w->code = code;
        w->payload = payload;
        (void)sq_wset_append(s, w);
        return SQ_OK;
    }
    w->code = code;
    w->payload = payload;
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires w == \null || sq_waitable_ok(w);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures w != \null ==> sq_waitable_ok(w);
    ensures w == \null ==> \result == SQ_ERR_NULL;
    ensures PL09: w != \null && (\old(w->magic) != SQ_WAITABLE_MAGIC || !sq_wcode_ok(code)) ==>
      \result == SQ_ERR_INVALID;
    ensures PL11: w != \null && \old(w->magic) == SQ_WAITABLE_MAGIC && sq_wcode_ok(code) &&
      \old(w->code) != SQ_WAIT_EVENT_NONE ==>
      \result == SQ_ERR_BUSY && w->code == \old(w->code) && w->payload == \old(w->payload);
*/
sq_status_t sq_waitable_post(sq_waitable_t *w, uint32_t code, uint32_t payload)
{
    if (w == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_INVALID;
    if (w->magic == SQ_WAITABLE_MAGIC) {
        st = sq_waitable_post_locked(w, code, payload);
    }
    return sq_sched_reschedule_unlock(key, st);
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires w == \null || sq_waitable_ok(w);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures w != \null ==> sq_waitable_ok(w);
    ensures w == \null ==> \result == SQ_ERR_NULL;
    ensures w != \null && \old(w->magic) != SQ_WAITABLE_MAGIC ==> \result == SQ_ERR_INVALID;
    ensures w != \null && \old(w->magic) == SQ_WAITABLE_MAGIC &&
      \old(w->code) == SQ_WAIT_EVENT_NONE ==> \result == SQ_ERR_EMPTY;
    ensures PL11: w != \null && \old(w->magic) == SQ_WAITABLE_MAGIC &&
      \old(w->code) == SQ_WAIT_EVENT_CANCELLED ==>
      \result == SQ_ERR_BUSY && w->code == SQ_WAIT_EVENT_CANCELLED &&
            w->payload == \old(w->payload) && w->set == \old(w->set) &&
            (w->set != \null ==> w->set->pending_count == \old(w->set->pending_count));
    ensures w != \null && \old(w->magic) == SQ_WAITABLE_MAGIC &&
      \old(w->code) != SQ_WAIT_EVENT_NONE && \old(w->code) != SQ_WAIT_EVENT_CANCELLED ==>
      \result == SQ_OK && w->code == SQ_WAIT_EVENT_NONE &&
      (w->set != \null ==> !sq_wset_in(w->set, w));
*/
sq_status_t sq_waitable_clear(sq_waitable_t *w)
{
    if (w == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_INVALID;
    if (w->magic == SQ_WAITABLE_MAGIC) {
        if (w->code == SQ_WAIT_EVENT_NONE) {
            st = SQ_ERR_EMPTY;
        } else if (w->code == SQ_WAIT_EVENT_CANCELLED) {
            /* Delivered, never withdrawn (PL11). */
            st = SQ_ERR_BUSY;
        } else {
            if (w->set != NULL) {
                sq_wset_withdraw(w->set, w);
            }
            w->code = SQ_WAIT_EVENT_NONE;
            w->payload = 0u;
            st = SQ_OK;
        }
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires w == \null || \valid_read(w);
    assigns \nothing;
    ensures w == \null ==> \result == SQ_WAIT_EVENT_NONE;
    ensures w != \null ==> \result == w->code;
*/
uint32_t sq_waitable_pending(const sq_waitable_t *w)
{
    return w == NULL ? (uint32_t)SQ_WAIT_EVENT_NONE : w->code;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_waitable_set_ok(s));
    requires ev == \null || \valid(ev);
    requires s != \null && ev != \null ==>
      \separated(ev, s) && \separated(ev, s->pending + (0 .. s->capacity - 1)) &&
      \forall integer i; 0 <= i < s->pending_count ==> \separated(ev, s->pending[i]);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures s != \null ==> sq_waitable_set_ok(s);
    ensures s == \null || ev == \null ==> \result == SQ_ERR_NULL;
    ensures s != \null && ev != \null && \old(s->magic) != SQ_WAITABLE_SET_MAGIC ==>
      \result == SQ_ERR_DESTROYED;
    ensures s != \null && ev != \null && \old(s->magic) == SQ_WAITABLE_SET_MAGIC ==>
      \result == SQ_OK;
    ensures PL09: s != \null && ev != \null && \old(s->magic) == SQ_WAITABLE_SET_MAGIC &&
      \old(s->pending_count) == 0 ==>
      ev->code == SQ_WAIT_EVENT_NONE && ev->join_id == 0 && ev->payload == 0;
    ensures PL09: s != \null && ev != \null && \old(s->magic) == SQ_WAITABLE_SET_MAGIC &&
      \old(s->pending_count) > 0 ==>
      sq_wcode_ok(ev->code) && ev->code == \old(s->pending[0]->code);
    ensures PL10: s != \null && ev != \null && \old(s->magic) == SQ_WAITABLE_SET_MAGIC &&
      \old(s->pending_count) > 0 ==>
      ev->join_id == \old(s->pending[0]->join_id) && \old(s->pending[0])->set == s;
    ensures PL11: s != \null && ev != \null && \old(s->magic) == SQ_WAITABLE_SET_MAGIC &&
      \old(s->pending_count) > 0 ==>
      \old(s->pending[0])->code == SQ_WAIT_EVENT_NONE && !sq_wset_in(s, \old(s->pending[0]));
*/
sq_status_t sq_waitable_set_poll(sq_waitable_set_t *s, sq_wait_event_t *ev)
{
    if (s == NULL || ev == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_DESTROYED;
    if (s->magic == SQ_WAITABLE_SET_MAGIC) {
        sq_wset_deliver(s, ev);
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/* SQ_OK: delivered into *ev; SQ_WAITING: now on the wait queue; else failed. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires \valid(s) && sq_waitable_set_ok(s) && \valid(ev);
    requires \separated(ev, s) && \separated(ev, s->pending + (0 .. s->capacity - 1)) &&
      \forall integer i; 0 <= i < s->pending_count ==> \separated(ev, s->pending[i]);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    assigns *ev, s->pending[0 .. s->capacity - 1], s->pending_count,
            s->pending[0]->code, s->pending[0]->payload,
            sq_kernel.current->queue, sq_kernel.current->ticket,
            sq_kernel.current->state, sq_kernel.current->wait_result,
            sq_kernel.next_ticket,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count,
            sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures sq_waitable_set_ok(s);
    ensures NLW03: \result == SQ_WAITING ==> sq_waitable_set_nlw(s);
    behavior destroyed:
      assumes s->magic != SQ_WAITABLE_SET_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_DESTROYED;
    behavior deliver:
      assumes s->magic == SQ_WAITABLE_SET_MAGIC && s->pending_count > 0;
      ensures \result == SQ_OK;
      ensures PL09: sq_wcode_ok(ev->code) && ev->code == \old(s->pending[0]->code);
      ensures PL10: ev->join_id == \old(s->pending[0]->join_id) && \old(s->pending[0])->set == s;
      ensures PL11: \old(s->pending[0])->code == SQ_WAIT_EVENT_NONE &&
                    !sq_wset_in(s, \old(s->pending[0]));
    behavior no_members:
      assumes s->magic == SQ_WAITABLE_SET_MAGIC && s->pending_count == 0 && s->joined == 0;
      assigns \nothing;
      ensures \result == SQ_ERR_EMPTY;
    behavior busy:
      assumes s->magic == SQ_WAITABLE_SET_MAGIC && s->pending_count == 0 && s->joined > 0;
      assumes timeout == SQ_NO_WAIT;
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior isr:
      assumes s->magic == SQ_WAITABLE_SET_MAGIC && s->pending_count == 0 && s->joined > 0;
      assumes timeout != SQ_NO_WAIT && in_isr;
      assigns \nothing;
      ensures \result == SQ_ERR_IN_ISR;
    behavior wait:
      assumes s->magic == SQ_WAITABLE_SET_MAGIC && s->pending_count == 0 && s->joined > 0;
      assumes timeout != SQ_NO_WAIT && !in_isr;
      ensures \result == SQ_WAITING ==>
        sq_kernel.current->state == SQ_THREAD_PENDING &&
        sq_kernel.current->queue == &s->waiters;
      ensures \result != SQ_WAITING ==> \result == SQ_ERR_FULL || \result == SQ_ERR_STATE;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_waitable_set_wait_locked(sq_waitable_set_t *s, sq_wait_event_t *ev,
                                               sq_timeout_t timeout, bool in_isr)
{
    if (s->magic != SQ_WAITABLE_SET_MAGIC) {
        return SQ_ERR_DESTROYED;
    }
    if (s->pending_count > 0u) {
        sq_wset_deliver(s, ev);
        return SQ_OK;
    }
    /* No members, nothing pending: no event could ever arrive. */
    if (s->joined == 0u) {
        return SQ_ERR_EMPTY;
    }
    if (timeout == SQ_NO_WAIT) {
        return SQ_ERR_BUSY;
    }
    if (in_isr) {
        return SQ_ERR_IN_ISR;
    }
    return sq_sched_pend(&s->waiters, timeout);
}

/* Skipped by WP: after the switch in sq_port_irq_unlock the thread runs
 * again (READY, its timeout disarmed) and may wait again, which the port's
 * contract does not say. Each critical section is sq_waitable_set_wait_locked
 * (proven); the loop around them is the SPIN model's consumer. */
/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_waitable_set_ok(s));
    requires ev == \null || \valid(ev);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    ensures s == \null || ev == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_waitable_set_wait(sq_waitable_set_t *s, sq_wait_event_t *ev,
                                 sq_timeout_t timeout)
{
    if (s == NULL || ev == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    const sq_tick_t deadline = sq_tick_deadline(sq_kernel.now, timeout);
    sq_status_t st = sq_waitable_set_wait_locked(s, ev, timeout, sq_port_in_isr());
    while (st == SQ_WAITING) {
        st = sq_sched_unlock_result(key, st);
        if (st != SQ_OK) {
            return st;
        }
        /* Woken for an event; a consumer that ran first may have taken
         * it. Then wait again, for what is left of the timeout. */
        key = sq_port_irq_lock();
        sq_timeout_t left = sq_tick_remaining(sq_kernel.now, deadline);
        st = sq_waitable_set_wait_locked(s, ev, left, false);
        if (st == SQ_ERR_BUSY) {
            st = SQ_ERR_TIMEOUT;
        }
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_waitable_set_ok(s));
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures s == \null ==> \result == SQ_ERR_NULL;
    ensures s != \null && \old(s->magic) != SQ_WAITABLE_SET_MAGIC ==>
      \result == SQ_ERR_DESTROYED;
    ensures s != \null && \old(s->magic) == SQ_WAITABLE_SET_MAGIC && \old(s->joined) != 0 ==>
      \result == SQ_ERR_BUSY && s->magic == SQ_WAITABLE_SET_MAGIC;
    ensures s != \null && \old(s->magic) == SQ_WAITABLE_SET_MAGIC && \old(s->joined) == 0 ==>
      \result == SQ_OK && s->magic != SQ_WAITABLE_SET_MAGIC && !sq_has_waiter(&s->waiters);
*/
sq_status_t sq_waitable_set_destroy(sq_waitable_set_t *s)
{
    if (s == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_DESTROYED;
    if (s->magic == SQ_WAITABLE_SET_MAGIC) {
        st = SQ_ERR_BUSY;
        if (s->joined == 0u) {
            s->magic = 0u;
            sq_queue_wake_all(&s->waiters, SQ_ERR_DESTROYED);
            st = SQ_OK;
        }
    }
    return sq_sched_reschedule_unlock(key, st);
}
