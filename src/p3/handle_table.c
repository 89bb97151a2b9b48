/*
 * Handle tables (p3_handle_table.h): the reference's Table, in caller
 * storage. Free slots form a stack threaded through next_free, so the most
 * recently freed index is reused first (HT02) in O(1).
 * Every call keeps sq_ht_ok (p3_rules.h).
 */
#include <stddef.h>
#include <squall/p3_handle_table.h>
#include "p3_rules.h"

/*@ requires t == \null || \valid(t);
    requires t != \null && slots != \null && 2 <= capacity <= SQ_P3_MAX_HANDLES + 1 ==>
      \valid(slots + (0 .. capacity - 1)) && \separated(t, slots + (0 .. capacity - 1));
    assigns *t, slots[0];
    ensures \result != SQ_OK && t != \null ==> *t == \old(*t);
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
      ensures HT02: t->length == 1 && t->free_head == 0;
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
    return SQ_OK;
}

/*@ requires t == \null || (\valid(t) && sq_ht_ok(t));
    requires index == \null || \valid(index);
    requires t != \null ==> \separated(index, t, t->slots + (0 .. t->capacity - 1));
    assigns t->free_head, t->length, t->slots[1 .. t->capacity - 1], *index;
    ensures t != \null ==> t->slots == \old(t->slots) && t->capacity == \old(t->capacity);
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
    *index = i;
    return SQ_OK;
}

/*@ requires \valid_read(t) && sq_ht_ok(t);
    assigns \nothing;
    ensures \result == sq_ht_lookup(t, index, kinds);
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
    ensures HT04: \result == sq_ht_answer(t, object, index, kinds);
    ensures HT04: \result == SQ_OK ==> *object == t->slots[index].object &&
      (kind != \null ==> *kind == t->slots[index].kind);
    ensures HT04: \result != SQ_OK && object != \null ==> *object == \old(*object);
    ensures HT04: \result != SQ_OK && kind != \null ==> *kind == \old(*kind);
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
    assigns *object, t->free_head, t->slots[index];
    ensures t != \null ==> sq_ht_bounds(t) && sq_ht_kinds(t);
    ensures t != \null ==> sq_ht_links_ok(t);
    ensures t != \null ==> sq_ht_links_distinct(t);
    ensures HT04: \result == \old(sq_ht_answer(t, object, index, kinds));
    behavior refused:
      assumes sq_ht_answer(t, object, index, kinds) != SQ_OK;
      assigns \nothing;
    behavior found:
      assumes sq_ht_answer(t, object, index, kinds) == SQ_OK;
      ensures HT04: *object == \old(t->slots[index].object);
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
    //@ assert found: sq_ht_found(t, index, kinds);
    sq_p3_handle_slot_t *slot = &t->slots[index];
    *object = slot->object;
    slot->object = NULL;
    slot->kind = SQ_P3_KIND_FREE;
    slot->next_free = t->free_head;
    t->free_head = index;
    return SQ_OK;
}

/*@ requires t == \null || (\valid_read(t) && sq_ht_ok(t));
    assigns \nothing;
    ensures t == \null ==> \result == 0;
    ensures t != \null ==> \result < t->length;
    ensures t != \null ==>
      (\result == 0 <==> \forall integer i; 1 <= i < t->length ==> sq_ht_free(t->slots, i));
*/
uint32_t sq_p3_handle_count(const sq_p3_handle_table_t *t)
{
    if (t == NULL) {
        return 0u;
    }
    uint32_t n = 0u;
    /*@ loop invariant 1 <= i <= t->length && n < i;
        loop invariant n == 0 <==> \forall integer j; 1 <= j < i ==> sq_ht_free(t->slots, j);
        loop assigns i, n;
        loop variant t->length - i;
    */
    for (uint32_t i = 1u; i < t->length; i++) {
        if (t->slots[i].kind != SQ_P3_KIND_FREE) {
            n++;
        }
    }
    return n;
}
