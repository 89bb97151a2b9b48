/*
 * squall typed ring buffer: a FIFO of fixed-size elements in caller memory,
 * the backing store of a P3 stream<T>.
 *
 * Element size and capacity are fixed at definition. Everything moves in
 * whole elements: no call can observe or produce part of one (RB09). One
 * producer (write_element, write, write_claim, write_commit) and one consumer
 * (read_element, read, read_borrow, read_release) may run concurrently,
 * each possibly in an interrupt handler, without locks. The query functions
 * may be called from either side. init and reset need both sides quiet.
 *
 * Every function that fails returns a negative sq_status_t and changes
 * nothing; count out-parameters are set to 0 on every failure except
 * SQ_ERR_NULL.
 *
 * Properties RB09-RB11 and FIFO order (docs/VERIFICATION.md) are the named
 * clauses below.
 */
#ifndef SQUALL_TYPED_RING_BUF_H
#define SQUALL_TYPED_RING_BUF_H

#include <stdint.h>
#include <stddef.h>
#include <squall/ring_core.h>
#include <squall/status.h>

typedef struct sq_typed_ring_buf {
    struct sq_ring_core core;
} sq_typed_ring_buf_t;

/** Define and initialise a typed ring `name` of `capacity` elements of
 *  `elem_size` bytes; out-of-range sizes fail to compile. */
#define SQ_TYPED_RING_BUF_DEFINE(name, elem_size, capacity)                    \
    _Static_assert(SQ_RING_CORE_SIZE_OK((capacity), (elem_size)),              \
                   "typed ring size out of range");                            \
    static _Alignas(max_align_t) char                                          \
        name##_storage[(size_t)(elem_size) * (size_t)(capacity)];              \
    sq_typed_ring_buf_t name = {                                               \
        SQ_RING_CORE_INITIALIZER(name##_storage, (capacity), (elem_size))}

/*@ predicate sq_typed_ok(sq_typed_ring_buf_t *rb) = sq_ring_ok(&rb->core);

    // Byte k of element j of the stored sequence (0 = oldest).
    logic integer sq_typed_byte(sq_typed_ring_buf_t *rb, integer j, integer k) =
        sq_ring_byte(&rb->core, j * rb->core.unit_size + k);
*/

/**
 * Initialise `rb` over `storage_size` bytes at `storage`, holding
 * storage_size / elem_size elements. SQ_ERR_NULL, SQ_ERR_ZERO_LENGTH
 * (elem_size 0), SQ_ERR_CAPACITY (storage_size 0, or more than
 * SQ_RING_MAX_UNITS elements), SQ_ERR_OVERFLOW (storage_size above
 * SQ_RING_MAX_BYTES), SQ_ERR_NOT_MULTIPLE (storage_size not a whole number
 * of elements). Slots sit at storage + i * elem_size, so storage aligned for
 * the element type gives aligned borrowed and claimed pointers; the DEFINE
 * macro aligns its storage to max_align_t.
 */
/*@ requires rb == \null || \valid(rb);
    requires storage == \null || storage_size == 0 || storage_size > SQ_RING_MAX_BYTES ||
             (\valid((char *)storage + (0 .. storage_size - 1)) &&
              \separated(rb, (char *)storage + (0 .. storage_size - 1)));
    assigns *rb;
    behavior null_arg:
      assumes rb == \null || storage == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_size:
      assumes rb != \null && storage != \null;
      assumes elem_size == 0 || storage_size == 0 || storage_size > SQ_RING_MAX_BYTES ||
              storage_size % elem_size != 0 || storage_size / elem_size > SQ_RING_MAX_UNITS;
      assigns \nothing;
      ensures \result == SQ_ERR_ZERO_LENGTH || \result == SQ_ERR_CAPACITY ||
              \result == SQ_ERR_OVERFLOW || \result == SQ_ERR_NOT_MULTIPLE;
    behavior not_multiple:
      assumes rb != \null && storage != \null && elem_size != 0 && storage_size != 0;
      assumes storage_size <= SQ_RING_MAX_BYTES && storage_size % elem_size != 0;
      ensures RB09: \result == SQ_ERR_NOT_MULTIPLE;
    behavior ok:
      assumes rb != \null && storage != \null && elem_size != 0 && storage_size != 0;
      assumes storage_size <= SQ_RING_MAX_BYTES && storage_size % elem_size == 0;
      assumes storage_size / elem_size <= SQ_RING_MAX_UNITS;
      ensures \result == SQ_OK && sq_typed_ok(rb);
      ensures RB09: rb->core.size_bytes == rb->core.capacity * rb->core.unit_size &&
                    rb->core.unit_size == elem_size;
      ensures RB10: sq_ring_used(&rb->core) == 0 && sq_ring_free(&rb->core) == rb->core.capacity;
    complete behaviors;
*/
sq_status_t sq_typed_ring_buf_init(sq_typed_ring_buf_t *rb, void *storage,
                                   size_t storage_size, size_t elem_size);

/** Empty the ring and drop any claims. Both sides must be quiet. */
/*@ requires sq_typed_ok(rb);
    assigns rb->core.head, rb->core.tail, rb->core.write_claim, rb->core.read_claim;
    ensures sq_typed_ok(rb);
    ensures RB10: sq_ring_used(&rb->core) == 0 && sq_ring_free(&rb->core) == rb->core.capacity;
*/
void sq_typed_ring_buf_reset(sq_typed_ring_buf_t *rb);

/**
 * Copy one element in. SQ_ERR_NULL, SQ_ERR_CLAIM_PENDING (a write_claim is
 * outstanding), SQ_ERR_FULL.
 */
/*@ requires sq_typed_ok(rb);
    requires elem == \null || (\valid_read((char *)elem + (0 .. rb->core.unit_size - 1)) &&
             \separated((char *)elem + (0 .. rb->core.unit_size - 1), rb,
                        rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    assigns rb->core.head, rb->core.storage[0 .. rb->core.size_bytes - 1];
    ensures sq_typed_ok(rb);
    ensures RB10: sq_ring_used(&rb->core) + sq_ring_free(&rb->core) == rb->core.capacity &&
                  0 <= sq_ring_free(&rb->core);
    behavior null_arg:
      assumes elem == \null;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes elem != \null && rb->core.write_claim != 0;
      ensures \result == SQ_ERR_CLAIM_PENDING;
    behavior full:
      assumes elem != \null && rb->core.write_claim == 0 && sq_ring_free(&rb->core) == 0;
      ensures \result == SQ_ERR_FULL;
    behavior ok:
      assumes elem != \null && rb->core.write_claim == 0 && sq_ring_free(&rb->core) != 0;
      ensures \result == SQ_OK;
      ensures RB09: sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) + 1;
      ensures RB11: sq_ring_kept{Old, Here}(&rb->core,
                        \old(sq_ring_used(&rb->core)) * rb->core.unit_size);
      ensures FIFO: \forall integer k; 0 <= k < rb->core.unit_size ==>
          rb->core.storage[sq_typed_byte(rb, \old(sq_ring_used(&rb->core)), k)] ==
          ((char *)elem)[k];
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_typed_ring_buf_write_element(sq_typed_ring_buf_t *rb, const void *elem);

/** Copy the oldest element out and consume it. SQ_ERR_NULL,
 *  SQ_ERR_CLAIM_PENDING (a read_borrow is outstanding), SQ_ERR_EMPTY. */
/*@ requires sq_typed_ok(rb);
    requires elem == \null || (\valid((char *)elem + (0 .. rb->core.unit_size - 1)) &&
             \separated((char *)elem + (0 .. rb->core.unit_size - 1), rb,
                        rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    assigns rb->core.tail, ((char *)elem)[0 .. rb->core.unit_size - 1];
    ensures sq_typed_ok(rb);
    ensures RB10: sq_ring_used(&rb->core) + sq_ring_free(&rb->core) == rb->core.capacity &&
                  0 <= sq_ring_free(&rb->core);
    behavior null_arg:
      assumes elem == \null;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes elem != \null && rb->core.read_claim != 0;
      ensures \result == SQ_ERR_CLAIM_PENDING;
    behavior empty:
      assumes elem != \null && rb->core.read_claim == 0 && sq_ring_used(&rb->core) == 0;
      ensures \result == SQ_ERR_EMPTY;
    behavior ok:
      assumes elem != \null && rb->core.read_claim == 0 && sq_ring_used(&rb->core) != 0;
      ensures \result == SQ_OK;
      ensures RB09: sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) - 1;
      ensures FIFO: \forall integer k; 0 <= k < rb->core.unit_size ==>
          ((char *)elem)[k] == \at(rb->core.storage[sq_typed_byte(rb, 0, k)], Pre);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_typed_ring_buf_read_element(sq_typed_ring_buf_t *rb, void *elem);

/**
 * Copy up to n elements in from `elems`; *written says how many (all that
 * fit). SQ_ERR_NULL, SQ_ERR_CLAIM_PENDING, SQ_ERR_ZERO_LENGTH (n 0),
 * SQ_ERR_FULL.
 */
/*@ requires sq_typed_ok(rb);
    requires elems == \null ||
             (\valid_read((char *)elems + (0 .. n * rb->core.unit_size - 1)) &&
              \separated((char *)elems + (0 .. n * rb->core.unit_size - 1), rb,
                         rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    requires written == \null || (\valid(written) &&
             \separated(written, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    assigns rb->core.head, rb->core.storage[0 .. rb->core.size_bytes - 1], *written;
    ensures sq_typed_ok(rb);
    ensures RB10: sq_ring_used(&rb->core) + sq_ring_free(&rb->core) == rb->core.capacity &&
                  0 <= sq_ring_free(&rb->core);
    behavior null_arg:
      assumes elems == \null || written == \null;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes elems != \null && written != \null;
      assumes rb->core.write_claim != 0 || n == 0 || sq_ring_free(&rb->core) == 0;
      ensures \result == SQ_ERR_CLAIM_PENDING || \result == SQ_ERR_ZERO_LENGTH ||
              \result == SQ_ERR_FULL;
      ensures *written == 0;
    behavior ok:
      assumes elems != \null && written != \null && rb->core.write_claim == 0 && n != 0;
      assumes sq_ring_free(&rb->core) != 0;
      ensures \result == SQ_OK;
      ensures RB09: *written == \min(n, \old(sq_ring_free(&rb->core))) &&
                    sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) + *written;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_typed_ring_buf_write(sq_typed_ring_buf_t *rb, const void *elems,
                                    uint32_t n, uint32_t *written);

/**
 * Copy up to n of the oldest elements out and consume them; *read says how
 * many. SQ_ERR_NULL, SQ_ERR_CLAIM_PENDING, SQ_ERR_ZERO_LENGTH, SQ_ERR_EMPTY.
 */
/*@ requires sq_typed_ok(rb);
    requires elems == \null ||
             (\valid((char *)elems + (0 .. n * rb->core.unit_size - 1)) &&
              \separated((char *)elems + (0 .. n * rb->core.unit_size - 1), rb,
                         rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    requires read == \null || (\valid(read) &&
             \separated(read, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1),
                        (char *)elems + (0 .. n * rb->core.unit_size - 1)));
    assigns rb->core.tail, ((char *)elems)[0 .. n * rb->core.unit_size - 1], *read;
    ensures sq_typed_ok(rb);
    ensures RB10: sq_ring_used(&rb->core) + sq_ring_free(&rb->core) == rb->core.capacity &&
                  0 <= sq_ring_free(&rb->core);
    behavior null_arg:
      assumes elems == \null || read == \null;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes elems != \null && read != \null;
      assumes rb->core.read_claim != 0 || n == 0 || sq_ring_used(&rb->core) == 0;
      ensures \result == SQ_ERR_CLAIM_PENDING || \result == SQ_ERR_ZERO_LENGTH ||
              \result == SQ_ERR_EMPTY;
      ensures *read == 0;
    behavior ok:
      assumes elems != \null && read != \null && rb->core.read_claim == 0 && n != 0;
      assumes sq_ring_used(&rb->core) != 0;
      ensures \result == SQ_OK;
      ensures RB09: *read == \min(n, \old(sq_ring_used(&rb->core))) &&
                    sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) - *read;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_typed_ring_buf_read(sq_typed_ring_buf_t *rb, void *elems, uint32_t n,
                                   uint32_t *read);

/**
 * Zero-copy write: point *slot at the next free element slot to fill in
 * place, then write_commit it. SQ_ERR_NULL, SQ_ERR_CLAIM_PENDING (already
 * claimed), SQ_ERR_FULL.
 */
/*@ requires sq_typed_ok(rb);
    requires slot == \null || (\valid(slot) &&
             \separated(slot, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    assigns rb->core.write_claim, *slot;
    ensures sq_typed_ok(rb);
    behavior null_arg:
      assumes slot == \null;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes slot != \null && rb->core.write_claim != 0;
      ensures \result == SQ_ERR_CLAIM_PENDING;
    behavior full:
      assumes slot != \null && rb->core.write_claim == 0 && sq_ring_free(&rb->core) == 0;
      ensures \result == SQ_ERR_FULL;
    behavior ok:
      assumes slot != \null && rb->core.write_claim == 0 && sq_ring_free(&rb->core) != 0;
      ensures \result == SQ_OK && rb->core.write_claim == 1;
      ensures RB09: *slot == rb->core.storage +
                    sq_ring_pos(&rb->core, rb->core.head) * rb->core.unit_size;
      // The claimed slot holds no byte of any stored element.
      ensures RB11: sq_ring_outside{Pre}(&rb->core, 1);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_typed_ring_buf_write_claim(sq_typed_ring_buf_t *rb, void **slot);

/** Publish the claimed slot as the newest element. SQ_ERR_NOT_CLAIMED (no
 *  claim, including a second commit). */
/*@ requires sq_typed_ok(rb);
    assigns rb->core.head, rb->core.write_claim;
    ensures sq_typed_ok(rb);
    ensures RB10: sq_ring_used(&rb->core) + sq_ring_free(&rb->core) == rb->core.capacity &&
                  0 <= sq_ring_free(&rb->core);
    behavior not_claimed:
      assumes rb->core.write_claim == 0;
      ensures \result == SQ_ERR_NOT_CLAIMED;
    behavior ok:
      assumes rb->core.write_claim != 0;
      ensures \result == SQ_OK && rb->core.write_claim == 0;
      ensures RB09: sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) + 1;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_typed_ring_buf_write_commit(sq_typed_ring_buf_t *rb);

/**
 * Zero-copy read: point *elem at the oldest element to read in place; it
 * stays stored, and its bytes cannot change, until read_release.
 * SQ_ERR_NULL, SQ_ERR_CLAIM_PENDING (already borrowed), SQ_ERR_EMPTY.
 */
/*@ requires sq_typed_ok(rb);
    requires elem == \null || (\valid(elem) &&
             \separated(elem, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    assigns rb->core.read_claim, *elem;
    ensures sq_typed_ok(rb);
    behavior null_arg:
      assumes elem == \null;
      ensures \result == SQ_ERR_NULL;
    behavior claim_pending:
      assumes elem != \null && rb->core.read_claim != 0;
      ensures \result == SQ_ERR_CLAIM_PENDING;
    behavior empty:
      assumes elem != \null && rb->core.read_claim == 0 && sq_ring_used(&rb->core) == 0;
      ensures \result == SQ_ERR_EMPTY;
    behavior ok:
      assumes elem != \null && rb->core.read_claim == 0 && sq_ring_used(&rb->core) != 0;
      ensures \result == SQ_OK && rb->core.read_claim == 1;
      ensures RB11: *elem == rb->core.storage + sq_typed_byte(rb, 0, 0);
      ensures RB09: sq_typed_byte(rb, 0, 0) + rb->core.unit_size <= rb->core.size_bytes;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_typed_ring_buf_read_borrow(sq_typed_ring_buf_t *rb, const void **elem);

/** Consume the borrowed element. SQ_ERR_NOT_CLAIMED (nothing borrowed,
 *  including a second release). */
/*@ requires sq_typed_ok(rb);
    assigns rb->core.tail, rb->core.read_claim;
    ensures sq_typed_ok(rb);
    ensures RB10: sq_ring_used(&rb->core) + sq_ring_free(&rb->core) == rb->core.capacity &&
                  0 <= sq_ring_free(&rb->core);
    behavior not_claimed:
      assumes rb->core.read_claim == 0;
      ensures \result == SQ_ERR_NOT_CLAIMED;
    behavior ok:
      assumes rb->core.read_claim != 0;
      ensures \result == SQ_OK && rb->core.read_claim == 0;
      ensures RB09: sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) - 1;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_typed_ring_buf_read_release(sq_typed_ring_buf_t *rb);

/** Elements stored. */
/*@ requires sq_typed_ok(rb);
    assigns \nothing;
    ensures RB10: \result == sq_ring_used(&rb->core) && \result <= rb->core.capacity;
*/
uint32_t sq_typed_ring_buf_elements_available(const sq_typed_ring_buf_t *rb);

/** Element slots free. */
/*@ requires sq_typed_ok(rb);
    assigns \nothing;
    ensures RB10: \result == rb->core.capacity - sq_ring_used(&rb->core);
*/
uint32_t sq_typed_ring_buf_space_available(const sq_typed_ring_buf_t *rb);

/** Capacity in elements. */
/*@ requires sq_typed_ok(rb);
    assigns \nothing;
    ensures \result == rb->core.capacity;
*/
uint32_t sq_typed_ring_buf_capacity(const sq_typed_ring_buf_t *rb);

/** Element size in bytes. */
/*@ requires sq_typed_ok(rb);
    assigns \nothing;
    ensures \result == rb->core.unit_size;
*/
uint32_t sq_typed_ring_buf_elem_size(const sq_typed_ring_buf_t *rb);

#endif /* SQUALL_TYPED_RING_BUF_H */
