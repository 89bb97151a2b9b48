/*
 * Handle tables (p3_handle_table.h): the reference's Table, in caller
 * storage. Free slots form a stack threaded through next_free, so the most
 * recently freed index is reused first (HT02) in O(1).
 *
 * sq_ht_ok is what every call keeps: the storage, the bounds of HT03, the
 * kinds, and a free stack whose every link leads to a free slot, which no
 * two free slots share and which never leads back to the top. Those local
 * rules are enough for a pop to leave a free top behind: the top's
 * successor is free and is nobody else's successor, so no used slot is
 * ever handed out again. That every free slot is on the stack, and that
 * `used` counts the used slots, are counting facts the rules do not carry.
 */
#include <stddef.h>
#include <squall/p3_handle_table.h>

/*@ predicate sq_ht_free(sq_p3_handle_slot_t *s, integer i) = s[i].kind == SQ_P3_KIND_FREE;

    predicate sq_ht_links_ok(sq_p3_handle_table_t *t) =
      \forall integer i; 1 <= i < t->length && sq_ht_free(t->slots, i) ==>
        t->slots[i].next_free < t->length &&
        (t->slots[i].next_free != 0 ==> sq_ht_free(t->slots, t->slots[i].next_free)) &&
        (t->free_head != 0 ==> t->slots[i].next_free != t->free_head);

    predicate sq_ht_links_distinct(sq_p3_handle_table_t *t) =
      \forall integer i, j; 1 <= i < t->length && 1 <= j < t->length && i != j &&
        sq_ht_free(t->slots, i) && sq_ht_free(t->slots, j) && t->slots[i].next_free != 0 ==>
        t->slots[i].next_free != t->slots[j].next_free;

    predicate sq_ht_bounds(sq_p3_handle_table_t *t) =
      2 <= t->capacity <= SQ_P3_MAX_HANDLES + 1 &&
      \valid(t->slots + (0 .. t->capacity - 1)) &&
      \separated(t, t->slots + (0 .. t->capacity - 1)) &&
      1 <= t->length <= t->capacity &&
      t->free_head < t->length &&
      (t->free_head != 0 ==> sq_ht_free(t->slots, t->free_head));

    predicate sq_ht_kinds(sq_p3_handle_table_t *t) =
      \forall integer i; 1 <= i < t->length ==> t->slots[i].kind <= SQ_P3_KIND_SUBTASK;

    predicate sq_ht_ok(sq_p3_handle_table_t *t) =
      sq_ht_bounds(t) && sq_ht_kinds(t) && sq_ht_links_ok(t) && sq_ht_links_distinct(t);

    // A lookup of `index` for `kinds` finds an object.
    predicate sq_ht_found(sq_p3_handle_table_t *t, integer index, integer kinds) =
      0 < index < t->length && !sq_ht_free(t->slots, index) &&
      ((kinds >> t->slots[index].kind) & 1) != 0;

    predicate sq_ht_slot_unchanged{L1, L2}(sq_p3_handle_table_t *t, integer i) =
      \at(t->slots[i].object, L1) == \at(t->slots[i].object, L2) &&
      \at(t->slots[i].kind, L1) == \at(t->slots[i].kind, L2) &&
      \at(t->slots[i].next_free, L1) == \at(t->slots[i].next_free, L2);
*/

/*@ requires t == \null || \valid(t);
    requires t != \null && slots != \null && 2 <= capacity <= SQ_P3_MAX_HANDLES + 1 ==>
      \valid(slots + (0 .. capacity - 1)) && \separated(t, slots + (0 .. capacity - 1));
    behavior null_arg:
      assumes t == \null || slots == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_capacity:
      assumes t != \null && slots != \null;
      assumes capacity < 2 || capacity - 1 > SQ_P3_MAX_HANDLES;
      assigns \nothing;
      ensures \result == SQ_ERR_CAPACITY;
    behavior ok:
      assumes t != \null && slots != \null && 2 <= capacity <= SQ_P3_MAX_HANDLES + 1;
      assigns *t, slots[0];
      ensures \result == SQ_OK && sq_ht_ok(t);
      ensures t->slots == slots && t->capacity == capacity;
      ensures HT02: t->length == 1 && t->free_head == 0 && t->used == 0;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_handle_table_init(sq_p3_handle_table_t *t, sq_p3_handle_slot_t *slots,
                                    uint32_t capacity)
{
    if (t == NULL || slots == NULL) {
        return SQ_ERR_NULL;
    }
    if (capacity < 2u || capacity - 1u > SQ_P3_MAX_HANDLES) {
        return SQ_ERR_CAPACITY;
    }
    t->slots = slots;
    t->capacity = capacity;
    /* Slot 0 is never handed out (HT01): counted as used once. */
    slots[0].object = NULL;
    slots[0].kind = SQ_P3_KIND_FREE;
    slots[0].next_free = 0u;
    t->length = 1u;
    t->free_head = 0u;
    t->used = 0u;
    return SQ_OK;
}

/*@ requires t == \null || (\valid(t) && sq_ht_ok(t));
    requires index == \null || \valid(index);
    requires t != \null ==> \separated(index, t, t->slots + (0 .. t->capacity - 1));
    assigns t->free_head, t->length, t->used, t->slots[1 .. t->capacity - 1], *index;
    ensures t != \null ==> sq_ht_bounds(t) && sq_ht_kinds(t);
    ensures t != \null ==> sq_ht_links_ok(t);
    ensures t != \null ==> sq_ht_links_distinct(t);
    ensures HT01: \result == SQ_OK ==> *index != 0;
    ensures HT03: \result == SQ_OK ==> *index < t->capacity && *index <= SQ_P3_MAX_HANDLES;
    ensures HT04: \result == SQ_OK ==>
      t->slots[*index].object == object && t->slots[*index].kind == kind;
    ensures \result == SQ_OK ==> \forall integer i; 0 <= i < t->capacity && i != *index ==>
      sq_ht_slot_unchanged{Pre, Post}(t, i);
    behavior null_arg:
      assumes t == \null || object == \null || index == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_kind:
      assumes t != \null && object != \null && index != \null;
      assumes kind == SQ_P3_KIND_FREE || kind > SQ_P3_KIND_SUBTASK;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior full:
      assumes t != \null && object != \null && index != \null;
      assumes SQ_P3_KIND_FREE < kind <= SQ_P3_KIND_SUBTASK;
      assumes t->free_head == 0 && t->length == t->capacity;
      assigns \nothing;
      ensures HT03: \result == SQ_ERR_FULL;
    behavior reuse:
      assumes t != \null && object != \null && index != \null;
      assumes SQ_P3_KIND_FREE < kind <= SQ_P3_KIND_SUBTASK;
      assumes t->free_head != 0;
      ensures \result == SQ_OK;
      ensures HT02: *index == \old(t->free_head) && sq_ht_free{Pre}(t->slots, *index);
      ensures HT02: t->free_head == \old(t->slots[t->free_head].next_free);
      ensures t->length == \old(t->length);
    behavior append:
      assumes t != \null && object != \null && index != \null;
      assumes SQ_P3_KIND_FREE < kind <= SQ_P3_KIND_SUBTASK;
      assumes t->free_head == 0 && t->length < t->capacity;
      ensures \result == SQ_OK;
      ensures HT02: *index == \old(t->length) && t->length == \old(t->length) + 1;
      ensures t->free_head == 0;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_handle_add(sq_p3_handle_table_t *t, sq_p3_kind_t kind, void *object,
                             uint32_t *index)
{
    if (t == NULL || object == NULL || index == NULL) {
        return SQ_ERR_NULL;
    }
    if (kind == SQ_P3_KIND_FREE || (uint32_t)kind > (uint32_t)SQ_P3_KIND_SUBTASK) {
        return SQ_ERR_INVALID;
    }
    uint32_t i = t->free_head;
    if (i != 0u) {
        t->free_head = t->slots[i].next_free;
    } else if (t->length < t->capacity) {
        /* length <= capacity <= 2^28: the new index is at most 2^28 - 1 (HT03). */
        i = t->length++;
    } else {
        return SQ_ERR_FULL;
    }
    t->slots[i].object = object;
    t->slots[i].kind = (uint32_t)kind;
    t->slots[i].next_free = 0u;
    t->used++;
    *index = i;
    return SQ_OK;
}

/*@ requires \valid_read(t) && sq_ht_ok(t);
    assigns \nothing;
    ensures \result == SQ_OK <==> sq_ht_found(t, index, kinds);
    ensures index == 0 || index >= t->length ==> \result == SQ_ERR_RANGE;
    ensures 0 < index < t->length && sq_ht_free(t->slots, index) ==>
      \result == SQ_ERR_NOT_FOUND;
    ensures 0 < index < t->length && !sq_ht_free(t->slots, index) &&
      !sq_ht_found(t, index, kinds) ==> \result == SQ_ERR_INVALID;
*/
static sq_status_t slot_lookup(const sq_p3_handle_table_t *t, uint32_t index, uint32_t kinds)
{
    if (index == 0u || index >= t->length) {
        return SQ_ERR_RANGE;
    }
    uint32_t kind = t->slots[index].kind;
    if (kind == SQ_P3_KIND_FREE) {
        return SQ_ERR_NOT_FOUND;
    }
    /* kinds >> kind rather than SQ_P3_KIND_BIT(kind) & kinds: the same bit,
     * with no shift that could leave 32 bits. */
    return ((kinds >> kind) & 1u) != 0u ? SQ_OK : SQ_ERR_INVALID;
}

/*@ requires t == \null || (\valid_read(t) && sq_ht_ok(t));
    requires object == \null || \valid(object);
    requires kind == \null || \valid(kind);
    requires t != \null && object != \null ==>
      \separated(object, t, t->slots + (0 .. t->capacity - 1));
    requires t != \null && kind != \null ==>
      \separated(kind, object, t, t->slots + (0 .. t->capacity - 1));
    assigns *object, *kind;
    behavior null_arg:
      assumes t == \null || object == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior out_of_range:
      assumes t != \null && object != \null;
      assumes index == 0 || index >= t->length;
      assigns \nothing;
      ensures HT04: \result == SQ_ERR_RANGE;
    behavior free_slot:
      assumes t != \null && object != \null;
      assumes 0 < index < t->length && sq_ht_free(t->slots, index);
      assigns \nothing;
      ensures HT04: \result == SQ_ERR_NOT_FOUND;
    behavior other_kind:
      assumes t != \null && object != \null;
      assumes 0 < index < t->length && !sq_ht_free(t->slots, index);
      assumes ((kinds >> t->slots[index].kind) & 1) == 0;
      assigns \nothing;
      ensures HT04: \result == SQ_ERR_INVALID;
    behavior found:
      assumes t != \null && object != \null;
      assumes 0 < index < t->length && !sq_ht_free(t->slots, index);
      assumes ((kinds >> t->slots[index].kind) & 1) != 0;
      ensures HT04: \result == SQ_OK && *object == t->slots[index].object;
      ensures HT04: kind != \null ==> *kind == t->slots[index].kind;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_handle_get(const sq_p3_handle_table_t *t, uint32_t index, uint32_t kinds,
                             void **object, uint32_t *kind)
{
    if (t == NULL || object == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = slot_lookup(t, index, kinds);
    if (st != SQ_OK) {
        return st;
    }
    const sq_p3_handle_slot_t *slot = &t->slots[index];
    *object = slot->object;
    if (kind != NULL) {
        *kind = slot->kind;
    }
    return SQ_OK;
}

/*@ requires t == \null || (\valid(t) && sq_ht_ok(t));
    requires object == \null || \valid(object);
    requires t != \null ==> \separated(object, t, t->slots + (0 .. t->capacity - 1));
    assigns *object, t->free_head, t->used, t->slots[index];
    ensures t != \null ==> sq_ht_bounds(t) && sq_ht_kinds(t);
    ensures t != \null ==> sq_ht_links_ok(t);
    ensures t != \null ==> sq_ht_links_distinct(t);
    behavior null_arg:
      assumes t == \null || object == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior out_of_range:
      assumes t != \null && object != \null;
      assumes index == 0 || index >= t->length;
      assigns \nothing;
      ensures HT04: \result == SQ_ERR_RANGE;
    behavior free_slot:
      assumes t != \null && object != \null;
      assumes 0 < index < t->length && sq_ht_free(t->slots, index);
      assigns \nothing;
      ensures HT04: \result == SQ_ERR_NOT_FOUND;
    behavior other_kind:
      assumes t != \null && object != \null;
      assumes 0 < index < t->length && !sq_ht_free(t->slots, index);
      assumes ((kinds >> t->slots[index].kind) & 1) == 0;
      assigns \nothing;
      ensures HT04: \result == SQ_ERR_INVALID;
    behavior found:
      assumes t != \null && object != \null;
      assumes 0 < index < t->length && !sq_ht_free(t->slots, index);
      assumes ((kinds >> t->slots[index].kind) & 1) != 0;
      ensures HT04: \result == SQ_OK && *object == \old(t->slots[index].object);
      ensures HT02: t->free_head == index && sq_ht_free(t->slots, index) &&
        t->slots[index].next_free == \old(t->free_head);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_p3_handle_remove(sq_p3_handle_table_t *t, uint32_t index, uint32_t kinds,
                                void **object)
{
    if (t == NULL || object == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = slot_lookup(t, index, kinds);
    if (st != SQ_OK) {
        return st;
    }
    sq_p3_handle_slot_t *slot = &t->slots[index];
    *object = slot->object;
    slot->object = NULL;
    slot->kind = SQ_P3_KIND_FREE;
    slot->next_free = t->free_head;
    t->free_head = index;
    t->used--;
    return SQ_OK;
}
