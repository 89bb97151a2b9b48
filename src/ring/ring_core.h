/*
 * Internal: the one implementation behind the byte ring and the typed ring.
 * Every length here is in units (bytes for the byte ring, elements for the
 * typed ring). The public wrappers add nothing but the unit size and the
 * named property clauses; all checks and all index arithmetic live here.
 */
#ifndef SQUALL_SRC_RING_CORE_H
#define SQUALL_SRC_RING_CORE_H

#include <stdbool.h>
#include <squall/ring_core.h>
#include <squall/status.h>

/*@ predicate sq_ring_size_ok(integer storage_size, integer unit_size) =
      unit_size != 0 && storage_size != 0 && storage_size <= SQ_RING_MAX_BYTES &&
      storage_size % unit_size == 0 && storage_size / unit_size <= SQ_RING_MAX_UNITS;
*/

/* Validate init arguments without touching anything, so a failed init
 * provably changes nothing; the wrappers call this, then sq_ring_core_setup.
 * (One core init doing both would lose that proof: WP does not carry a
 * callee's per-behaviour frame into the caller.) */
/*@ assigns \nothing;
    behavior null_arg:
      assumes storage == \null;
      ensures \result == SQ_ERR_NULL;
    behavior zero_unit:
      assumes storage != \null && unit_size == 0;
      ensures \result == SQ_ERR_ZERO_LENGTH;
    behavior zero_size:
      assumes storage != \null && unit_size != 0 && storage_size == 0;
      ensures \result == SQ_ERR_CAPACITY;
    behavior too_big:
      assumes storage != \null && unit_size != 0 && storage_size != 0;
      assumes storage_size > SQ_RING_MAX_BYTES;
      ensures \result == SQ_ERR_OVERFLOW;
    behavior not_multiple:
      assumes storage != \null && unit_size != 0 && storage_size != 0;
      assumes storage_size <= SQ_RING_MAX_BYTES && storage_size % unit_size != 0;
      ensures \result == SQ_ERR_NOT_MULTIPLE;
    behavior too_many_units:
      assumes storage != \null && unit_size != 0 && storage_size != 0;
      assumes storage_size <= SQ_RING_MAX_BYTES && storage_size % unit_size == 0;
      assumes storage_size / unit_size > SQ_RING_MAX_UNITS;
      ensures \result == SQ_ERR_CAPACITY;
    behavior ok:
      assumes storage != \null && sq_ring_size_ok(storage_size, unit_size);
      ensures \result == SQ_OK;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_check(const char *storage, size_t storage_size, size_t unit_size);

/* Lay out an empty ring over checked arguments. */
/*@ requires \valid(r) && sq_ring_size_ok(storage_size, unit_size);
    requires \valid(storage + (0 .. storage_size - 1)) &&
             \separated(r, storage + (0 .. storage_size - 1));
    assigns *r;
    ensures sq_ring_ok(r);
    ensures r->storage == storage && r->unit_size == unit_size;
    ensures r->capacity == storage_size / unit_size && r->size_bytes == storage_size;
    ensures r->head == 0 && r->tail == 0;
    ensures sq_ring_used(r) == 0 && r->write_claim == 0 && r->read_claim == 0;
*/
void sq_ring_core_setup(struct sq_ring_core *r, char *storage, size_t storage_size,
                        size_t unit_size);

/*@ requires sq_ring_ok(r);
    assigns r->head, r->tail, r->write_claim, r->read_claim;
    ensures sq_ring_ok(r);
    ensures sq_ring_used(r) == 0 && r->write_claim == 0 && r->read_claim == 0;
*/
void sq_ring_core_reset(struct sq_ring_core *r);

/*@ requires sq_ring_ok(r);
    assigns \nothing;
    ensures \result == sq_ring_used(r);
*/
uint32_t sq_ring_core_used(const struct sq_ring_core *r);

/*@ requires sq_ring_ok(r);
    assigns \nothing;
    ensures \result == sq_ring_free(r);
*/
uint32_t sq_ring_core_free(const struct sq_ring_core *r);

/* Copy up to n units in; *moved says how many. */
/*@ requires sq_ring_ok(r);
    requires src == \null || (\valid_read(src + (0 .. n * r->unit_size - 1)) &&
             \separated(src + (0 .. n * r->unit_size - 1), r,
                        r->storage + (0 .. r->size_bytes - 1)));
    requires moved == \null || (\valid(moved) &&
             \separated(moved, r, r->storage + (0 .. r->size_bytes - 1)));
    assigns r->head, r->storage[0 .. r->size_bytes - 1], *moved;
    ensures sq_ring_ok(r);
    behavior null_arg:
      assumes src == \null || moved == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes src != \null && moved != \null && r->write_claim != 0;
      assigns *moved;
      ensures \result == SQ_ERR_CLAIM_PENDING && *moved == 0;
    behavior zero_length:
      assumes src != \null && moved != \null && r->write_claim == 0 && n == 0;
      assigns *moved;
      ensures \result == SQ_ERR_ZERO_LENGTH && *moved == 0;
    behavior full:
      assumes src != \null && moved != \null && r->write_claim == 0 && n != 0;
      assumes sq_ring_free(r) == 0;
      assigns *moved;
      ensures \result == SQ_ERR_FULL && *moved == 0;
    behavior ok:
      assumes src != \null && moved != \null && r->write_claim == 0 && n != 0;
      assumes sq_ring_free(r) != 0;
      assigns r->head, r->storage[0 .. r->size_bytes - 1], *moved;
      ensures \result == SQ_OK;
      ensures *moved == \min(n, \old(sq_ring_free(r)));
      ensures r->head == sq_ring_advance(r, \old(r->head), *moved);
      ensures sq_ring_used(r) == \old(sq_ring_used(r)) + *moved;
      ensures RB11: sq_ring_kept{Old, Here}(r, \old(sq_ring_used(r)) * r->unit_size);
      ensures FIFO: \forall integer k; 0 <= k < *moved * r->unit_size ==>
          r->storage[sq_ring_byte(r, \old(sq_ring_used(r)) * r->unit_size + k)] == src[k];
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_write(struct sq_ring_core *r, const char *src,
                               uint32_t n, uint32_t *moved);

/* Copy out up to n units; consume them unless `consume` is false (peek). */
/*@ requires sq_ring_ok(r);
    requires dst == \null || (\valid(dst + (0 .. n * r->unit_size - 1)) &&
             \separated(dst + (0 .. n * r->unit_size - 1), r,
                        r->storage + (0 .. r->size_bytes - 1)));
    requires moved == \null || (\valid(moved) &&
             \separated(moved, r, r->storage + (0 .. r->size_bytes - 1),
                        dst + (0 .. n * r->unit_size - 1)));
    assigns r->tail, dst[0 .. n * r->unit_size - 1], *moved;
    ensures sq_ring_ok(r);
    ensures !consume ==> r->tail == \old(r->tail);
    behavior null_arg:
      assumes dst == \null || moved == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes dst != \null && moved != \null && r->read_claim != 0 && consume;
      assigns *moved;
      ensures \result == SQ_ERR_CLAIM_PENDING && *moved == 0;
    behavior zero_length:
      assumes dst != \null && moved != \null && (r->read_claim == 0 || !consume) && n == 0;
      assigns *moved;
      ensures \result == SQ_ERR_ZERO_LENGTH && *moved == 0;
    behavior empty:
      assumes dst != \null && moved != \null && (r->read_claim == 0 || !consume) && n != 0;
      assumes sq_ring_used(r) == 0;
      assigns *moved;
      ensures \result == SQ_ERR_EMPTY && *moved == 0;
    behavior ok:
      assumes dst != \null && moved != \null && (r->read_claim == 0 || !consume) && n != 0;
      assumes sq_ring_used(r) != 0;
      assigns r->tail, dst[0 .. n * r->unit_size - 1], *moved;
      ensures \result == SQ_OK;
      ensures *moved == \min(n, \old(sq_ring_used(r)));
      ensures FIFO: \forall integer k; 0 <= k < *moved * r->unit_size ==>
          dst[k] == \at(r->storage[sq_ring_byte(r, k)], Pre);
      ensures consume ==> r->tail == sq_ring_advance(r, \old(r->tail), *moved);
      ensures sq_ring_used(r) == \old(sq_ring_used(r)) - (consume ? *moved : 0);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_read(struct sq_ring_core *r, char *dst, uint32_t n,
                              uint32_t *moved, bool consume);

/* Copy one unit in: the typed ring's one-element path. Every check is made
 * once, and a unit of up to SQ_COPY_INLINE_MAX bytes is copied with no call.
 * sq_ring_core_write with n == 1, without the count. */
/*@ requires sq_ring_ok(r);
    requires src == \null || (\valid_read(src + (0 .. r->unit_size - 1)) &&
             \separated(src + (0 .. r->unit_size - 1), r,
                        r->storage + (0 .. r->size_bytes - 1)));
    assigns r->head, r->storage[0 .. r->size_bytes - 1];
    ensures sq_ring_ok(r);
    behavior null_arg:
      assumes src == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes src != \null && r->write_claim != 0;
      assigns \nothing;
      ensures \result == SQ_ERR_CLAIM_PENDING;
    behavior full:
      assumes src != \null && r->write_claim == 0 && sq_ring_free(r) == 0;
      assigns \nothing;
      ensures RB05: \result == SQ_ERR_FULL;
    behavior ok:
      assumes src != \null && r->write_claim == 0 && sq_ring_free(r) != 0;
      ensures \result == SQ_OK;
      ensures RB03: r->head == sq_ring_advance(r, \old(r->head), 1);
      ensures RB09: sq_ring_used(r) == \old(sq_ring_used(r)) + 1;
      ensures RB11: sq_ring_kept{Old, Here}(r, \old(sq_ring_used(r)) * r->unit_size);
      ensures FIFO: \forall integer k; 0 <= k < r->unit_size ==>
          r->storage[sq_ring_byte(r, \old(sq_ring_used(r)) * r->unit_size + k)] == src[k];
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_put_one(struct sq_ring_core *r, const char *src);

/* Copy the oldest unit out and consume it: the typed ring's one-element
 * path, as sq_ring_core_put_one. sq_ring_core_read with n == 1 and consume,
 * without the count. */
/*@ requires sq_ring_ok(r);
    requires dst == \null || (\valid(dst + (0 .. r->unit_size - 1)) &&
             \separated(dst + (0 .. r->unit_size - 1), r,
                        r->storage + (0 .. r->size_bytes - 1)));
    assigns r->tail, dst[0 .. r->unit_size - 1];
    ensures sq_ring_ok(r);
    behavior null_arg:
      assumes dst == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes dst != \null && r->read_claim != 0;
      assigns \nothing;
      ensures \result == SQ_ERR_CLAIM_PENDING;
    behavior empty:
      assumes dst != \null && r->read_claim == 0 && sq_ring_used(r) == 0;
      assigns \nothing;
      ensures RB06: \result == SQ_ERR_EMPTY;
    behavior ok:
      assumes dst != \null && r->read_claim == 0 && sq_ring_used(r) != 0;
      ensures \result == SQ_OK;
      ensures RB04: r->tail == sq_ring_advance(r, \old(r->tail), 1);
      ensures RB09: sq_ring_used(r) == \old(sq_ring_used(r)) - 1;
      ensures FIFO: \forall integer k; 0 <= k < r->unit_size ==>
          dst[k] == \at(r->storage[sq_ring_byte(r, k)], Pre);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_get_one(struct sq_ring_core *r, char *dst);

/* sq_ring_core_write for a few units: when the units copied are at most
 * SQ_COPY_INLINE_MAX bytes and end before the end of storage, every check
 * is made once and the copy is a few moves with no call; otherwise it is
 * sq_ring_core_write itself. The byte ring's put. */
/*@ requires sq_ring_ok(r);
    requires src == \null || (\valid_read(src + (0 .. n * r->unit_size - 1)) &&
             \separated(src + (0 .. n * r->unit_size - 1), r,
                        r->storage + (0 .. r->size_bytes - 1)));
    requires moved == \null || (\valid(moved) &&
             \separated(moved, r, r->storage + (0 .. r->size_bytes - 1)));
    assigns r->head, r->storage[0 .. r->size_bytes - 1], *moved;
    ensures sq_ring_ok(r);
    behavior null_arg:
      assumes src == \null || moved == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes src != \null && moved != \null && r->write_claim != 0;
      assigns *moved;
      ensures \result == SQ_ERR_CLAIM_PENDING && *moved == 0;
    behavior zero_length:
      assumes src != \null && moved != \null && r->write_claim == 0 && n == 0;
      assigns *moved;
      ensures \result == SQ_ERR_ZERO_LENGTH && *moved == 0;
    behavior full:
      assumes src != \null && moved != \null && r->write_claim == 0 && n != 0;
      assumes sq_ring_free(r) == 0;
      assigns *moved;
      ensures RB05: \result == SQ_ERR_FULL && *moved == 0;
    behavior ok:
      assumes src != \null && moved != \null && r->write_claim == 0 && n != 0;
      assumes sq_ring_free(r) != 0;
      assigns r->head, r->storage[0 .. r->size_bytes - 1], *moved;
      ensures \result == SQ_OK;
      ensures *moved == \min(n, \old(sq_ring_free(r)));
      ensures RB03: r->head == sq_ring_advance(r, \old(r->head), *moved);
      ensures RB07: sq_ring_used(r) == \old(sq_ring_used(r)) + *moved;
      ensures RB11: sq_ring_kept{Old, Here}(r, \old(sq_ring_used(r)) * r->unit_size);
      ensures FIFO: \forall integer k; 0 <= k < *moved * r->unit_size ==>
          r->storage[sq_ring_byte(r, \old(sq_ring_used(r)) * r->unit_size + k)] == src[k];
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_write_short(struct sq_ring_core *r, const char *src,
                                     uint32_t n, uint32_t *moved);

/* sq_ring_core_read with consume, for a few units, as
 * sq_ring_core_write_short. The byte ring's get. */
/*@ requires sq_ring_ok(r);
    requires dst == \null || (\valid(dst + (0 .. n * r->unit_size - 1)) &&
             \separated(dst + (0 .. n * r->unit_size - 1), r,
                        r->storage + (0 .. r->size_bytes - 1)));
    requires moved == \null || (\valid(moved) &&
             \separated(moved, r, r->storage + (0 .. r->size_bytes - 1),
                        dst + (0 .. n * r->unit_size - 1)));
    assigns r->tail, dst[0 .. n * r->unit_size - 1], *moved;
    ensures sq_ring_ok(r);
    behavior null_arg:
      assumes dst == \null || moved == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes dst != \null && moved != \null && r->read_claim != 0;
      assigns *moved;
      ensures \result == SQ_ERR_CLAIM_PENDING && *moved == 0;
    behavior zero_length:
      assumes dst != \null && moved != \null && r->read_claim == 0 && n == 0;
      assigns *moved;
      ensures \result == SQ_ERR_ZERO_LENGTH && *moved == 0;
    behavior empty:
      assumes dst != \null && moved != \null && r->read_claim == 0 && n != 0;
      assumes sq_ring_used(r) == 0;
      assigns *moved;
      ensures RB06: \result == SQ_ERR_EMPTY && *moved == 0;
    behavior ok:
      assumes dst != \null && moved != \null && r->read_claim == 0 && n != 0;
      assumes sq_ring_used(r) != 0;
      assigns r->tail, dst[0 .. n * r->unit_size - 1], *moved;
      ensures \result == SQ_OK;
      ensures *moved == \min(n, \old(sq_ring_used(r)));
      ensures FIFO: \forall integer k; 0 <= k < *moved * r->unit_size ==>
          dst[k] == \at(r->storage[sq_ring_byte(r, k)], Pre);
      ensures RB04: r->tail == sq_ring_advance(r, \old(r->tail), *moved);
      ensures RB07: sq_ring_used(r) == \old(sq_ring_used(r)) - *moved;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_read_short(struct sq_ring_core *r, char *dst, uint32_t n,
                                    uint32_t *moved);

/* Claim up to n contiguous free units in place. */
/*@ requires sq_ring_ok(r);
    requires span == \null || (\valid(span) &&
             \separated(span, r, r->storage + (0 .. r->size_bytes - 1)));
    requires claimed == \null || (\valid(claimed) &&
             \separated(claimed, span, r, r->storage + (0 .. r->size_bytes - 1)));
    assigns r->write_claim, *span, *claimed;
    ensures sq_ring_ok(r);
    behavior null_arg:
      assumes span == \null || claimed == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes span != \null && claimed != \null && r->write_claim != 0;
      assigns *claimed;
      ensures \result == SQ_ERR_CLAIM_PENDING && *claimed == 0;
    behavior zero_length:
      assumes span != \null && claimed != \null && r->write_claim == 0 && n == 0;
      assigns *claimed;
      ensures \result == SQ_ERR_ZERO_LENGTH && *claimed == 0;
    behavior full:
      assumes span != \null && claimed != \null && r->write_claim == 0 && n != 0;
      assumes sq_ring_free(r) == 0;
      assigns *claimed;
      ensures \result == SQ_ERR_FULL && *claimed == 0;
    behavior ok:
      assumes span != \null && claimed != \null && r->write_claim == 0 && n != 0;
      assumes sq_ring_free(r) != 0;
      assigns r->write_claim, *span, *claimed;
      ensures \result == SQ_OK;
      ensures 1 <= *claimed <= n && *claimed <= \old(sq_ring_free(r));
      ensures *claimed == \min(n, \min(sq_ring_free(r), r->capacity - sq_ring_pos(r, r->head)));
      ensures r->write_claim == *claimed;
      ensures *span == r->storage + sq_ring_pos(r, r->head) * r->unit_size;
      ensures RB11: sq_ring_outside{Pre}(r, *claimed);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_write_claim(struct sq_ring_core *r, char **span,
                                     uint32_t n, uint32_t *claimed);

/* Publish the first n claimed units and end the claim (n == 0 abandons it). */
/*@ requires sq_ring_ok(r);
    assigns r->head, r->write_claim;
    ensures sq_ring_ok(r);
    behavior not_claimed:
      assumes r->write_claim == 0;
      assigns \nothing;
      ensures \result == SQ_ERR_NOT_CLAIMED;
    behavior too_many:
      assumes r->write_claim != 0 && n > r->write_claim;
      assigns \nothing;
      ensures \result == SQ_ERR_RANGE;
    behavior ok:
      assumes r->write_claim != 0 && n <= r->write_claim;
      assigns r->head, r->write_claim;
      ensures \result == SQ_OK && r->write_claim == 0;
      ensures r->head == sq_ring_advance(r, \old(r->head), n);
      ensures sq_ring_used(r) == \old(sq_ring_used(r)) + n;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_write_commit(struct sq_ring_core *r, uint32_t n);

/* Borrow up to n contiguous stored units in place, oldest first. */
/*@ requires sq_ring_ok(r);
    requires span == \null || (\valid(span) &&
             \separated(span, r, r->storage + (0 .. r->size_bytes - 1)));
    requires claimed == \null || (\valid(claimed) &&
             \separated(claimed, span, r, r->storage + (0 .. r->size_bytes - 1)));
    assigns r->read_claim, *span, *claimed;
    ensures sq_ring_ok(r);
    behavior null_arg:
      assumes span == \null || claimed == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes span != \null && claimed != \null && r->read_claim != 0;
      assigns *claimed;
      ensures \result == SQ_ERR_CLAIM_PENDING && *claimed == 0;
    behavior zero_length:
      assumes span != \null && claimed != \null && r->read_claim == 0 && n == 0;
      assigns *claimed;
      ensures \result == SQ_ERR_ZERO_LENGTH && *claimed == 0;
    behavior empty:
      assumes span != \null && claimed != \null && r->read_claim == 0 && n != 0;
      assumes sq_ring_used(r) == 0;
      assigns *claimed;
      ensures \result == SQ_ERR_EMPTY && *claimed == 0;
    behavior ok:
      assumes span != \null && claimed != \null && r->read_claim == 0 && n != 0;
      assumes sq_ring_used(r) != 0;
      assigns r->read_claim, *span, *claimed;
      ensures \result == SQ_OK;
      ensures 1 <= *claimed <= n && *claimed <= sq_ring_used(r);
      ensures *claimed == \min(n, \min(sq_ring_used(r), r->capacity - sq_ring_pos(r, r->tail)));
      ensures r->read_claim == *claimed;
      ensures *span == r->storage + sq_ring_pos(r, r->tail) * r->unit_size;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_read_claim(struct sq_ring_core *r, char **span,
                                    uint32_t n, uint32_t *claimed);

/* Consume the first n borrowed units and end the borrow (n == 0 keeps them). */
/*@ requires sq_ring_ok(r);
    assigns r->tail, r->read_claim;
    ensures sq_ring_ok(r);
    behavior not_claimed:
      assumes r->read_claim == 0;
      assigns \nothing;
      ensures \result == SQ_ERR_NOT_CLAIMED;
    behavior too_many:
      assumes r->read_claim != 0 && n > r->read_claim;
      assigns \nothing;
      ensures \result == SQ_ERR_RANGE;
    behavior ok:
      assumes r->read_claim != 0 && n <= r->read_claim;
      assigns r->tail, r->read_claim;
      ensures \result == SQ_OK && r->read_claim == 0;
      ensures r->tail == sq_ring_advance(r, \old(r->tail), n);
      ensures sq_ring_used(r) == \old(sq_ring_used(r)) - n;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_read_release(struct sq_ring_core *r, uint32_t n);

/*@ // Units stored between indices head and tail of a ring of `capacity`.
    logic integer sq_ring_used_of(integer capacity, integer head, integer tail) =
        head >= tail ? head - tail : head + 2 * capacity - tail;

    // Indices a ring of `capacity` can have.
    predicate sq_ring_indices_ok(integer capacity, integer head, integer tail) =
        0 <= head < 2 * capacity && 0 <= tail < 2 * capacity &&
        sq_ring_used_of(capacity, head, tail) <= capacity;

    // sq_ring_inv of r with head and tail replaced (claims kept).
    predicate sq_ring_sync_ok(struct sq_ring_core *r, integer head, integer tail) =
        sq_ring_indices_ok(r->capacity, head, tail) &&
        r->write_claim <= r->capacity - sq_ring_used_of(r->capacity, head, tail) &&
        sq_ring_pos(r, head) + r->write_claim <= r->capacity &&
        r->read_claim <= sq_ring_used_of(r->capacity, head, tail) &&
        sq_ring_pos(r, tail) + r->read_claim <= r->capacity;
*/

/* Units stored between `head` and `tail` of a ring of `capacity` units, if
 * those are indices such a ring can have (indices another party supplied:
 * a shared stream's published ones). SQ_ERR_CORRUPT otherwise. */
/*@ requires 1 <= capacity <= SQ_RING_MAX_UNITS && \valid(used);
    assigns *used;
    behavior ok:
      assumes sq_ring_indices_ok(capacity, head, tail);
      ensures \result == SQ_OK && *used == sq_ring_used_of(capacity, head, tail);
    behavior corrupt:
      assumes !sq_ring_indices_ok(capacity, head, tail);
      assigns \nothing;
      ensures \result == SQ_ERR_CORRUPT;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_used_of(uint32_t capacity, uint32_t head, uint32_t tail,
                                 uint32_t *used);

/* Take `head` and `tail` as r's indices if r's invariant holds with them
 * and its claims; SQ_ERR_CORRUPT and nothing changed otherwise. For a ring
 * whose two sides live in different views (a shared stream's ends): each
 * view takes the other side's index this way. */
/*@ requires sq_ring_ok(r);
    assigns r->head, r->tail;
    ensures sq_ring_ok(r);
    behavior ok:
      assumes sq_ring_sync_ok(r, head, tail);
      ensures \result == SQ_OK && r->head == head && r->tail == tail;
    behavior corrupt:
      assumes !sq_ring_sync_ok(r, head, tail);
      assigns \nothing;
      ensures \result == SQ_ERR_CORRUPT;
      ensures r->head == \old(r->head) && r->tail == \old(r->tail);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_core_sync(struct sq_ring_core *r, uint32_t head, uint32_t tail);

#endif /* SQUALL_SRC_RING_CORE_H */
