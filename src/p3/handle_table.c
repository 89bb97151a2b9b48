/*
 * Handle tables (p3_handle_table.h): the reference's Table, in caller
 * storage. Free slots form a stack threaded through next_free, so the most
 * recently freed index is reused first (HT02) in O(1).
 */
#include <stddef.h>
#include <squall/p3_handle_table.h>

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

sq_status_t sq_p3_handle_get(const sq_p3_handle_table_t *t, uint32_t index, uint32_t kinds,
                             void **object, uint32_t *kind)
{
    if (t == NULL || object == NULL) {
        return SQ_ERR_NULL;
    }
    if (index == 0u || index >= t->length) {
        return SQ_ERR_RANGE;
    }
    const sq_p3_handle_slot_t *slot = &t->slots[index];
    if (slot->kind == SQ_P3_KIND_FREE) {
        return SQ_ERR_NOT_FOUND;
    }
    if ((SQ_P3_KIND_BIT(slot->kind) & kinds) == 0u) {
        return SQ_ERR_INVALID;
    }
    *object = slot->object;
    if (kind != NULL) {
        *kind = slot->kind;
    }
    return SQ_OK;
}

sq_status_t sq_p3_handle_remove(sq_p3_handle_table_t *t, uint32_t index, uint32_t kinds,
                                void **object)
{
    sq_status_t st = sq_p3_handle_get(t, index, kinds, object, NULL);
    if (st != SQ_OK) {
        return st;
    }
    sq_p3_handle_slot_t *slot = &t->slots[index];
    slot->object = NULL;
    slot->kind = SQ_P3_KIND_FREE;
    slot->next_free = t->free_head;
    t->free_head = index;
    t->used--;
    return SQ_OK;
}
