/*
 * squall P3: an instance's handle table, exactly the Component Model's.
 *
 * One table per component instance holds every kind of handle (stream and
 * future ends, waitable sets, error contexts, subtasks). Indices are what
 * guests see and the spec tests hard-code, so allocation follows the
 * reference (definitions.py, Table):
 *   HT01  index 0 is never handed out;
 *   HT02  a new handle takes the most recently freed index, otherwise the
 *         next never-used one (LIFO reuse, no generation counts);
 *   HT03  no index reaches SQ_P3_MAX_HANDLES + 1 = 2^28 (the top four bits
 *         of packed results stay free), nor the table's capacity;
 *   HT04  a lookup succeeds only on a used slot of one of the asked kinds,
 *         and yields the object stored there.
 * The storage is the caller's: `capacity` slots, slot 0 included.
 */
#ifndef SQUALL_P3_HANDLE_TABLE_H
#define SQUALL_P3_HANDLE_TABLE_H

#include <stdint.h>
#include <squall/status.h>

/** The largest index a table may hand out: 2^28 - 1. */
#define SQ_P3_MAX_HANDLES 0x0fffffffu

/** What a slot holds. FREE slots are on the free list. */
typedef enum sq_p3_kind {
    SQ_P3_KIND_FREE = 0,
    SQ_P3_KIND_STREAM_READABLE = 1,
    SQ_P3_KIND_STREAM_WRITABLE = 2,
    SQ_P3_KIND_FUTURE_READABLE = 3,
    SQ_P3_KIND_FUTURE_WRITABLE = 4,
    SQ_P3_KIND_WAITABLE_SET = 5,
    SQ_P3_KIND_ERROR_CONTEXT = 6,
    SQ_P3_KIND_SUBTASK = 7
} sq_p3_kind_t;

/** Kind masks for lookups: one bit per kind. */
#define SQ_P3_KIND_BIT(kind) (1u << (uint32_t)(kind))
#define SQ_P3_KINDS_WAITABLE                                                   \
    (SQ_P3_KIND_BIT(SQ_P3_KIND_STREAM_READABLE) |                              \
     SQ_P3_KIND_BIT(SQ_P3_KIND_STREAM_WRITABLE) |                              \
     SQ_P3_KIND_BIT(SQ_P3_KIND_FUTURE_READABLE) |                              \
     SQ_P3_KIND_BIT(SQ_P3_KIND_FUTURE_WRITABLE) | SQ_P3_KIND_BIT(SQ_P3_KIND_SUBTASK))

typedef struct sq_p3_handle_slot {
    void *object;       /**< the object (NULL when free) */
    uint32_t kind;      /**< an sq_p3_kind_t */
    uint32_t next_free; /**< when free: the index freed before it (0: none) */
} sq_p3_handle_slot_t;

typedef struct sq_p3_handle_table {
    sq_p3_handle_slot_t *slots;
    uint32_t capacity;  /**< slots in `slots`, slot 0 included */
    uint32_t length;    /**< slots ever used, slot 0 included (>= 1) */
    uint32_t free_head; /**< most recently freed index, 0 when none */
} sq_p3_handle_table_t;

/** Initialise `t` over `slots` (capacity entries, 2 .. SQ_P3_MAX_HANDLES
 *  + 1): empty, the next handle is 1. SQ_ERR_NULL, SQ_ERR_CAPACITY. */
sq_status_t sq_p3_handle_table_init(sq_p3_handle_table_t *t, sq_p3_handle_slot_t *slots,
                                    uint32_t capacity);

/** Store `object` (not NULL) of `kind` (not FREE) and give its index
 *  (HT01-HT03). SQ_ERR_NULL, SQ_ERR_INVALID (kind), SQ_ERR_FULL (no free
 *  index below the capacity and 2^28). */
sq_status_t sq_p3_handle_add(sq_p3_handle_table_t *t, sq_p3_kind_t kind, void *object,
                             uint32_t *index);

/** The object at `index` and its kind, if that kind is in `kinds` (HT04).
 *  SQ_ERR_NULL, SQ_ERR_RANGE (index 0 or never used), SQ_ERR_NOT_FOUND
 *  (free slot), SQ_ERR_INVALID (another kind). `kind` may be NULL. */
sq_status_t sq_p3_handle_get(const sq_p3_handle_table_t *t, uint32_t index, uint32_t kinds,
                             void **object, uint32_t *kind);

/** Free `index` if it holds a kind in `kinds`, giving back its object;
 *  the index is the next one handed out (HT02). Codes as for get. */
sq_status_t sq_p3_handle_remove(sq_p3_handle_table_t *t, uint32_t index, uint32_t kinds,
                                void **object);

/** How many handles `t` holds now (0 for NULL): a walk over the indices
 *  ever used, for diagnostics and for checking that a component gave
 *  every object back. */
uint32_t sq_p3_handle_count(const sq_p3_handle_table_t *t);

#endif /* SQUALL_P3_HANDLE_TABLE_H */
