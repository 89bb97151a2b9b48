/*
 * squall P3 internals shared by the built-ins: entry checks, traps, and
 * guest-memory ranges. Not a public header.
 */
#ifndef SQUALL_SRC_P3_H
#define SQUALL_SRC_P3_H

#include <stdint.h>
#include <squall/p3_instance.h>
#include <squall/p3_runtime.h>

/**
 * What every built-in checks first, in the reference's order: a usable
 * thread context (SQ_ERR_NULL / SQ_ERR_INVALID, no trap: the embedder's
 * mistake), an instance that has not trapped (SQ_ERR_TRAP, reason kept),
 * then may_leave when `check_leave` (SQ_ERR_TRAP, MAY_NOT_LEAVE).
 */
sq_status_t sq_p3_enter(const sq_p3_thread_t *t, bool check_leave);

/** Mark `inst` trapped for `reason` (the first reason stays) and return
 *  SQ_ERR_TRAP. */
sq_status_t sq_p3_trap(sq_p3_instance_t *inst, sq_p3_trap_t reason);

/**
 * Check that `count` elements of `size` bytes aligned to `align` (a power
 * of two) at guest offset `ptr` lie wholly inside `inst`'s linear memory,
 * and give their host address (NULL when count or size is 0). The product
 * is computed without overflow. size 0 checks nothing; count 0 still
 * checks alignment and ptr <= memory length (a string's rule; a stream
 * buffer of 0 elements is not checked at all, so its callers skip this).
 * Traps ALIGN or BOUNDS (IN01).
 */
sq_status_t sq_p3_guest_range(sq_p3_instance_t *inst, uint32_t ptr, uint32_t count,
                              uint32_t size, uint32_t align, uint8_t **host);

/** Look up handle `index` of a kind in `kinds` in `inst`'s table; traps
 *  BAD_HANDLE (0, out of range, free) or WRONG_KIND. */
sq_status_t sq_p3_lookup(sq_p3_instance_t *inst, uint32_t index, uint32_t kinds,
                         void **object, uint32_t *kind);

/** Add `object` of `kind` to `inst`'s table; traps TABLE_FULL. */
sq_status_t sq_p3_insert(sq_p3_instance_t *inst, sq_p3_kind_t kind, void *object,
                         uint32_t *index);

/** Take an unused object from `pool` (its link marked in use), or NULL
 *  when none is left. O(1). */
void *sq_p3_pool_take(sq_p3_pool_t *pool);

/** The index of `object` in `pool` (a waitable set's storage is the
 *  runtime's set_storage + index * set_members). */
uint32_t sq_p3_pool_index(const sq_p3_pool_t *pool, const void *object);

/** Give `object` (taken from `pool`) back. O(1). */
void sq_p3_pool_give(sq_p3_pool_t *pool, void *object);

#endif /* SQUALL_SRC_P3_H */
