/*
 * squall: callback dispatch table (include/squall/callback_table.h).
 *
 * Every decision is made in a function WP proves: sq_callback_usable,
 * sq_callback_find and sq_callback_route pick the entry, sq_callback_decode
 * reads what it returned. sq_callback_dispatch and sq_callback_run only
 * chain them with the call through the entry's function pointer (and, for
 * run, the yield or the wait), which WP cannot follow: they are skipped,
 * and the callback-table tests exercise them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <squall/callback_table.h>
#include <squall/thread.h>

/*@ // Some entry is registered for exactly (code, id).
    predicate sq_cb_has(sq_callback_table_t *t, integer code, integer id) =
      \exists integer k; 0 <= k < t->count &&
        t->entries[k].code == code && t->entries[k].join_id == id;

    // The table invariant, once initialised: entries[0 .. count-1] lie in
    // the caller's storage, apart from the table itself; each has a known
    // event code and a function; no two share (code, join id), which is
    // what makes the entry for an event unique (CB02). Indices fit in
    // int32_t, the type of sq_callback_find's answer.
    predicate sq_cb_ok(sq_callback_table_t *t) =
      t->magic == SQ_CALLBACK_TABLE_MAGIC ==>
        0 < t->capacity <= 0x7fffffff && t->count <= t->capacity &&
        \valid(t->entries + (0 .. t->capacity - 1)) &&
        \separated(t, t->entries + (0 .. t->capacity - 1)) &&
        (\forall integer k; 0 <= k < t->count ==>
           t->entries[k].code <= SQ_WAIT_EVENT_CANCELLED && t->entries[k].fn != \null) &&
        (\forall integer j, k; 0 <= j < k < t->count ==>
           t->entries[j].code != t->entries[k].code ||
           t->entries[j].join_id != t->entries[k].join_id);

    // Entry i is the one an event (code, id) goes to: its exact entry,
    // else the one for its code and any id.
    predicate sq_cb_choice(sq_callback_table_t *t, integer code, integer id, integer i) =
      0 <= i < t->count && t->entries[i].code == code &&
      (t->entries[i].join_id == id ||
       (t->entries[i].join_id == SQ_CALLBACK_ANY_ID && !sq_cb_has(t, code, id)));

    // Nothing of t changed between L1 and L2.
    predicate sq_cb_same{L1, L2}(sq_callback_table_t *t) =
      \at(t->entries, L1) == \at(t->entries, L2) &&
      \at(t->count, L1) == \at(t->count, L2) &&
      \at(t->capacity, L1) == \at(t->capacity, L2) &&
      \at(t->sealed, L1) == \at(t->sealed, L2) &&
      \at(t->magic, L1) == \at(t->magic, L2) &&
      \forall integer k; 0 <= k < \at(t->capacity, L1) ==>
        \at(t->entries[k].code, L1) == \at(t->entries[k].code, L2) &&
        \at(t->entries[k].join_id, L1) == \at(t->entries[k].join_id, L2) &&
        \at(t->entries[k].fn, L1) == \at(t->entries[k].fn, L2) &&
        \at(t->entries[k].ctx, L1) == \at(t->entries[k].ctx, L2);
*/

/*@ requires t == \null || \valid(t);
    requires t != \null && storage != \null && 0 < capacity <= 0x7fffffff ==>
      \valid(storage + (0 .. capacity - 1)) &&
      \separated(t, storage + (0 .. capacity - 1));
    assigns *t;
    behavior null_arg:
      assumes t == \null || storage == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_capacity:
      assumes t != \null && storage != \null && (capacity == 0 || capacity > 0x7fffffff);
      assigns \nothing;
      ensures \result == SQ_ERR_CAPACITY;
    behavior ok:
      assumes t != \null && storage != \null && 0 < capacity <= 0x7fffffff;
      ensures \result == SQ_OK && t->entries == storage && t->capacity == capacity;
      ensures t->count == 0 && t->sealed == 0 && t->magic == SQ_CALLBACK_TABLE_MAGIC;
      ensures sq_cb_ok(t);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_callback_table_init(sq_callback_table_t *t, sq_callback_entry_t *storage,
                                   uint32_t capacity)
{
    if (t == NULL || storage == NULL) {
        return SQ_ERR_NULL;
    }
    /* The upper bound keeps every index an int32_t (sq_callback_find). */
    if (capacity == 0u || capacity > (uint32_t)INT32_MAX) {
        return SQ_ERR_CAPACITY;
    }
    t->entries = storage;
    t->count = 0u;
    t->capacity = capacity;
    t->sealed = 0u;
    t->magic = SQ_CALLBACK_TABLE_MAGIC;
    return SQ_OK;
}

/* Whether (code, join_id) already has an entry. */
/*@ requires \valid(t) && t->magic == SQ_CALLBACK_TABLE_MAGIC && sq_cb_ok(t);
    assigns \nothing;
    ensures \result <==> sq_cb_has(t, code, join_id);
*/
static bool sq_callback_taken(const sq_callback_table_t *t, uint32_t code, uint32_t join_id)
{
    /*@ loop invariant 0 <= i <= t->count;
        loop invariant \forall integer k; 0 <= k < i ==>
          t->entries[k].code != code || t->entries[k].join_id != join_id;
        loop assigns i;
        loop variant t->count - i;
    */
    for (uint32_t i = 0u; i < t->count; i++) {
        if (t->entries[i].code == code && t->entries[i].join_id == join_id) {
            return true;
        }
    }
    return false;
}

/*@ requires t == \null || (\valid(t) && sq_cb_ok(t));
    assigns t->count, t->entries[t->count];
    ensures t != \null ==> sq_cb_ok(t);
    behavior null_arg:
      assumes t == \null || fn == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior invalid:
      assumes t != \null && fn != \null;
      assumes t->magic != SQ_CALLBACK_TABLE_MAGIC || code > SQ_WAIT_EVENT_CANCELLED;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID && sq_cb_same{Pre, Post}(t);
    behavior sealed:
      assumes t != \null && fn != \null;
      assumes t->magic == SQ_CALLBACK_TABLE_MAGIC && code <= SQ_WAIT_EVENT_CANCELLED;
      assumes t->sealed != 0;
      assigns \nothing;
      ensures CB04: \result == SQ_ERR_STATE && sq_cb_same{Pre, Post}(t);
    behavior full:
      assumes t != \null && fn != \null;
      assumes t->magic == SQ_CALLBACK_TABLE_MAGIC && code <= SQ_WAIT_EVENT_CANCELLED;
      assumes t->sealed == 0 && t->count == t->capacity;
      assigns \nothing;
      ensures CB01: \result == SQ_ERR_FULL && sq_cb_same{Pre, Post}(t);
    behavior duplicate:
      assumes t != \null && fn != \null;
      assumes t->magic == SQ_CALLBACK_TABLE_MAGIC && code <= SQ_WAIT_EVENT_CANCELLED;
      assumes t->sealed == 0 && t->count < t->capacity && sq_cb_has(t, code, join_id);
      assigns \nothing;
      ensures CB02: \result == SQ_ERR_BUSY && sq_cb_same{Pre, Post}(t);
    behavior add:
      assumes t != \null && fn != \null;
      assumes t->magic == SQ_CALLBACK_TABLE_MAGIC && code <= SQ_WAIT_EVENT_CANCELLED;
      assumes t->sealed == 0 && t->count < t->capacity && !sq_cb_has(t, code, join_id);
      ensures \result == SQ_OK && t->count == \old(t->count) + 1;
      ensures t->entries[\old(t->count)].code == code &&
              t->entries[\old(t->count)].join_id == join_id &&
              t->entries[\old(t->count)].fn == fn && t->entries[\old(t->count)].ctx == ctx;
      ensures \forall integer k; 0 <= k < \old(t->count) ==>
        t->entries[k].code == \old(t->entries[k].code) &&
        t->entries[k].join_id == \old(t->entries[k].join_id) &&
        t->entries[k].fn == \old(t->entries[k].fn) &&
        t->entries[k].ctx == \old(t->entries[k].ctx);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_callback_register(sq_callback_table_t *t, uint32_t code, uint32_t join_id,
                                 sq_callback_fn *fn, void *ctx)
{
    if (t == NULL || fn == NULL) {
        return SQ_ERR_NULL;
    }
    if (t->magic != SQ_CALLBACK_TABLE_MAGIC || code > (uint32_t)SQ_WAIT_EVENT_CANCELLED) {
        return SQ_ERR_INVALID;
    }
    if (t->sealed != 0u) {
        return SQ_ERR_STATE;
    }
    /* Full before duplicate: beyond capacity the answer is always FULL (CB01). */
    if (t->count == t->capacity) {
        return SQ_ERR_FULL;
    }
    /* Unique (code, join id) pairs make the entry for an event unique (CB02). */
    if (sq_callback_taken(t, code, join_id)) {
        return SQ_ERR_BUSY;
    }
    sq_callback_entry_t *e = &t->entries[t->count];
    e->code = code;
    e->join_id = join_id;
    e->fn = fn;
    e->ctx = ctx;
    t->count++;
    return SQ_OK;
}

/*@ requires t == \null || (\valid(t) && sq_cb_ok(t));
    assigns t->sealed;
    ensures t != \null ==> sq_cb_ok(t);
    behavior null_arg:
      assumes t == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior invalid:
      assumes t != \null && t->magic != SQ_CALLBACK_TABLE_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior seal:
      assumes t != \null && t->magic == SQ_CALLBACK_TABLE_MAGIC && t->sealed == 0;
      ensures \result == SQ_OK && t->sealed != 0;
    behavior sealed:
      assumes t != \null && t->magic == SQ_CALLBACK_TABLE_MAGIC && t->sealed != 0;
      assigns \nothing;
      ensures CB04: \result == SQ_OK && sq_cb_same{Pre, Post}(t);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_callback_seal(sq_callback_table_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    if (t->magic != SQ_CALLBACK_TABLE_MAGIC) {
        return SQ_ERR_INVALID;
    }
    if (t->sealed == 0u) {
        t->sealed = 1u;
    }
    return SQ_OK;
}

/*@ requires act == \null || \valid(act);
    assigns *act;
    behavior null_arg:
      assumes act == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior known:
      assumes act != \null && (uint32_t)(ret & 0xfu) <= SQ_CALLBACK_WAIT;
      ensures CB05: \result == SQ_OK && act->kind == (uint32_t)(ret & 0xfu) &&
                    act->set_index == (uint32_t)(ret >> 4);
    behavior unknown:
      assumes act != \null && (uint32_t)(ret & 0xfu) > SQ_CALLBACK_WAIT;
      assigns \nothing;
      ensures CB05: \result == SQ_ERR_INVALID;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_callback_decode(uint32_t ret, sq_callback_action_t *act)
{
    if (act == NULL) {
        return SQ_ERR_NULL;
    }
    /* As the Component Model unpacks it: the code is the low 4 bits, the
     * rest is the set index, which only WAIT reads. 3 .. 15 trap there. */
    uint32_t kind = ret & 0xfu;
    if (kind > SQ_CALLBACK_WAIT) {
        return SQ_ERR_INVALID;
    }
    act->kind = kind;
    act->set_index = ret >> 4;
    return SQ_OK;
}

/* Whether `t` may dispatch: SQ_OK for an initialised, sealed table. */
/*@ requires t == \null || (\valid_read(t) && sq_cb_ok(t));
    assigns \nothing;
    behavior null_arg:
      assumes t == \null;
      ensures \result == SQ_ERR_NULL;
    behavior invalid:
      assumes t != \null && t->magic != SQ_CALLBACK_TABLE_MAGIC;
      ensures \result == SQ_ERR_INVALID;
    behavior unsealed:
      assumes t != \null && t->magic == SQ_CALLBACK_TABLE_MAGIC && t->sealed == 0;
      ensures \result == SQ_ERR_STATE;
    behavior usable:
      assumes t != \null && t->magic == SQ_CALLBACK_TABLE_MAGIC && t->sealed != 0;
      ensures \result == SQ_OK;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_callback_usable(const sq_callback_table_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    if (t->magic != SQ_CALLBACK_TABLE_MAGIC) {
        return SQ_ERR_INVALID;
    }
    return t->sealed != 0u ? SQ_OK : SQ_ERR_STATE;
}

/* The index of the entry for event (code, join_id), -1 when it has none:
 * one pass remembers the any-id entry and stops at the exact one. */
/*@ requires \valid_read(t) && t->magic == SQ_CALLBACK_TABLE_MAGIC && sq_cb_ok(t);
    assigns \nothing;
    ensures -1 <= \result < t->count;
    ensures CB02: \result >= 0 ==> sq_cb_choice(t, code, join_id, \result);
    ensures CB02: \forall integer k; sq_cb_choice(t, code, join_id, k) ==> k == \result;
    ensures CB03: \result == -1 <==>
      !sq_cb_has(t, code, join_id) && !sq_cb_has(t, code, SQ_CALLBACK_ANY_ID);
*/
static int32_t sq_callback_find(const sq_callback_table_t *t, uint32_t code, uint32_t join_id)
{
    int32_t any = -1;
    /*@ loop invariant 0 <= i <= t->count;
        loop invariant \forall integer k; 0 <= k < i ==>
          t->entries[k].code != code || t->entries[k].join_id != join_id;
        loop invariant -1 <= any < i;
        loop invariant any >= 0 ==> t->entries[any].code == code &&
                                    t->entries[any].join_id == SQ_CALLBACK_ANY_ID;
        loop invariant any == -1 ==> \forall integer k; 0 <= k < i ==>
          t->entries[k].code != code || t->entries[k].join_id != SQ_CALLBACK_ANY_ID;
        loop assigns i, any;
        loop variant t->count - i;
    */
    for (uint32_t i = 0u; i < t->count; i++) {
        const sq_callback_entry_t *e = &t->entries[i];
        if (e->code == code) {
            if (e->join_id == join_id) {
                return (int32_t)i;
            }
            if (e->join_id == SQ_CALLBACK_ANY_ID) {
                any = (int32_t)i;
            }
        }
    }
    return any;
}

/* The whole decision of a dispatch: the index of the entry to call in
 * `*index`, or why none is called. */
/*@ requires t == \null || (\valid_read(t) && sq_cb_ok(t));
    requires ev == \null || \valid_read(ev);
    requires \valid(index);
    requires t != \null ==> \separated(index, t);
    assigns *index;
    behavior null_arg:
      assumes t == \null || ev == \null || act == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior uninitialised:
      assumes t != \null && ev != \null && act != \null;
      assumes t->magic != SQ_CALLBACK_TABLE_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior unsealed:
      assumes t != \null && ev != \null && act != \null;
      assumes t->magic == SQ_CALLBACK_TABLE_MAGIC && t->sealed == 0;
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior bad_code:
      assumes t != \null && ev != \null && act != \null;
      assumes t->magic == SQ_CALLBACK_TABLE_MAGIC && t->sealed != 0;
      assumes ev->code > SQ_WAIT_EVENT_CANCELLED;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior no_entry:
      assumes t != \null && ev != \null && act != \null;
      assumes t->magic == SQ_CALLBACK_TABLE_MAGIC && ev->code <= SQ_WAIT_EVENT_CANCELLED;
      assumes t->sealed != 0;
      assumes !sq_cb_has(t, ev->code, ev->join_id) &&
              !sq_cb_has(t, ev->code, SQ_CALLBACK_ANY_ID);
      assigns \nothing;
      ensures CB03: \result == SQ_ERR_NOT_FOUND;
    behavior found:
      assumes t != \null && ev != \null && act != \null;
      assumes t->magic == SQ_CALLBACK_TABLE_MAGIC && ev->code <= SQ_WAIT_EVENT_CANCELLED;
      assumes t->sealed != 0;
      assumes sq_cb_has(t, ev->code, ev->join_id) ||
              sq_cb_has(t, ev->code, SQ_CALLBACK_ANY_ID);
      ensures CB02: \result == SQ_OK && sq_cb_choice(t, ev->code, ev->join_id, *index);
      ensures CB02: \forall integer k; sq_cb_choice(t, ev->code, ev->join_id, k) ==> k == *index;
      ensures t->entries[*index].fn != \null;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_callback_route(const sq_callback_table_t *t, const sq_wait_event_t *ev,
                                     const sq_callback_action_t *act, int32_t *index)
{
    if (ev == NULL || act == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = sq_callback_usable(t);
    if (st != SQ_OK) {
        return st;
    }
    if (ev->code > (uint32_t)SQ_WAIT_EVENT_CANCELLED) {
        return SQ_ERR_INVALID;
    }
    int32_t i = sq_callback_find(t, ev->code, ev->join_id);
    if (i < 0) {
        return SQ_ERR_NOT_FOUND;
    }
    *index = i;
    return SQ_OK;
}

/* Skipped by WP (calls through the entry's function pointer): its
 * decisions are sq_callback_route's and sq_callback_decode's. */
/*@ requires t == \null || (\valid_read(t) && sq_cb_ok(t));
    requires ev == \null || \valid_read(ev);
    requires act == \null || \valid(act);
    ensures \result == SQ_OK || \result == SQ_ERR_NULL || \result == SQ_ERR_INVALID ||
            \result == SQ_ERR_STATE || \result == SQ_ERR_NOT_FOUND;
*/
sq_status_t sq_callback_dispatch(const sq_callback_table_t *t, const sq_wait_event_t *ev,
                                 sq_callback_action_t *act)
{
    int32_t i;
    sq_status_t st = sq_callback_route(t, ev, act, &i);
    if (st != SQ_OK) {
        return st;
    }
    const sq_callback_entry_t *e = &t->entries[i];
    return sq_callback_decode(e->fn(e->ctx, ev), act);
}

/* Skipped by WP (yields, waits, and dispatches through function
 * pointers). A YIELD is answered with the event {NONE, 0, 0}. */
/*@ requires t == \null || (\valid_read(t) && sq_cb_ok(t));
    requires set_count == 0 || \valid_read(sets + (0 .. set_count - 1));
*/
sq_status_t sq_callback_run(const sq_callback_table_t *t, sq_waitable_set_t *const *sets,
                            uint32_t set_count, uint32_t first)
{
    sq_callback_action_t act;
    sq_status_t st = sets == NULL && set_count != 0u ? SQ_ERR_NULL : sq_callback_usable(t);
    if (st == SQ_OK) {
        st = sq_callback_decode(first, &act);
    }
    while (st == SQ_OK && act.kind != SQ_CALLBACK_EXIT) {
        sq_wait_event_t ev = {SQ_WAIT_EVENT_NONE, 0u, 0u};
        if (act.kind == SQ_CALLBACK_YIELD) {
            sq_thread_yield();
        } else if (act.set_index >= set_count) {
            return SQ_ERR_INVALID;
        } else {
            st = sq_waitable_set_wait(sets[act.set_index], &ev, SQ_FOREVER);
        }
        if (st == SQ_OK) {
            st = sq_callback_dispatch(t, &ev, &act);
        }
    }
    return st;
}
