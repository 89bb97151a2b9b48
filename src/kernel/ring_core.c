/*
 * The ring shared by sq_ring_buf and sq_typed_ring_buf. See
 * include/squall/ring_core.h for the representation and its invariant, and
 * src/kernel/ring_core.h for the contracts WP proves here.
 *
 * Index arithmetic is written so no intermediate exceeds 32 bits: indices are
 * below 2*capacity <= 2^32 - 2, and sums that could pass it are computed as
 * differences instead.
 */
#include "ring_core.h"
#include "copy.h"

/*@ requires sq_ring_inv(r) && \valid_read(r);
    requires i < 2 * r->capacity;
    assigns \nothing;
    ensures \result == sq_ring_pos(r, i);
*/
static inline uint32_t ring_pos(const struct sq_ring_core *r, uint32_t i)
{
    return i < r->capacity ? i : i - r->capacity;
}

/*@ requires sq_ring_inv(r) && \valid_read(r);
    requires i < 2 * r->capacity && n <= r->capacity;
    assigns \nothing;
    ensures \result == sq_ring_advance(r, i, n);
    ensures \result < 2 * r->capacity;
*/
static inline uint32_t ring_advance(const struct sq_ring_core *r, uint32_t i, uint32_t n)
{
    uint32_t to_wrap = 2u * r->capacity - i;
    return n < to_wrap ? i + n : n - to_wrap;
}

/*@ requires sq_ring_inv(r) && \valid_read(r);
    requires head == r->head && tail == r->tail;
    assigns \nothing;
    ensures \result == sq_ring_used(r);
*/
static inline uint32_t ring_used(const struct sq_ring_core *r, uint32_t head, uint32_t tail)
{
    return head >= tail ? head - tail : (2u * r->capacity - tail) + head;
}

sq_status_t sq_ring_core_init(struct sq_ring_core *r, uint8_t *storage,
                              size_t storage_size, size_t unit_size)
{
    if (storage == NULL) {
        return SQ_ERR_NULL;
    }
    if (unit_size == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    if (storage_size == 0u) {
        return SQ_ERR_CAPACITY;
    }
    if (storage_size > SQ_RING_MAX_BYTES) {
        return SQ_ERR_OVERFLOW;
    }
    if (storage_size % unit_size != 0u) {
        return SQ_ERR_NOT_MULTIPLE;
    }
    if (storage_size / unit_size > SQ_RING_MAX_UNITS) {
        return SQ_ERR_CAPACITY;
    }
    r->storage = storage;
    r->capacity = (uint32_t)(storage_size / unit_size);
    r->unit_size = (uint32_t)unit_size;
    r->size_bytes = (uint32_t)storage_size;
    r->write_claim = 0u;
    r->read_claim = 0u;
    sq_atomic_store_release(&r->tail, 0u);
    sq_atomic_store_release(&r->head, 0u);
    return SQ_OK;
}

void sq_ring_core_reset(struct sq_ring_core *r)
{
    r->write_claim = 0u;
    r->read_claim = 0u;
    sq_atomic_store_release(&r->tail, 0u);
    sq_atomic_store_release(&r->head, 0u);
}

uint32_t sq_ring_core_used(const struct sq_ring_core *r)
{
    uint32_t head = sq_atomic_load_acquire(&r->head);
    uint32_t tail = sq_atomic_load_acquire(&r->tail);
    return ring_used(r, head, tail);
}

uint32_t sq_ring_core_free(const struct sq_ring_core *r)
{
    return r->capacity - sq_ring_core_used(r);
}

sq_status_t sq_ring_core_write(struct sq_ring_core *r, const uint8_t *src,
                               uint32_t n, uint32_t *moved)
{
    if (src == NULL || moved == NULL) {
        return SQ_ERR_NULL;
    }
    *moved = 0u;
    if (r->write_claim != 0u) {
        return SQ_ERR_CLAIM_PENDING;
    }
    if (n == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    uint32_t head = sq_atomic_load_relaxed(&r->head);
    uint32_t tail = sq_atomic_load_acquire(&r->tail);
    uint32_t space = r->capacity - ring_used(r, head, tail);
    if (space == 0u) {
        return SQ_ERR_FULL;
    }
    uint32_t count = n < space ? n : space;
    uint32_t slot = ring_pos(r, head);
    uint32_t to_end = r->capacity - slot;
    uint32_t first = count < to_end ? count : to_end;
    uint32_t unit = r->unit_size;
    /* Byte view of the unit arithmetic: the provers reason linearly over
     * these products once they are stated. */
    /*@ assert slot == sq_ring_pos(r, r->tail) + sq_ring_used(r) ||
               slot == sq_ring_pos(r, r->tail) + sq_ring_used(r) - r->capacity; */
    /*@ assert slot * unit == sq_ring_pos(r, r->tail) * unit + sq_ring_used(r) * unit ||
               slot * unit == sq_ring_pos(r, r->tail) * unit + sq_ring_used(r) * unit - r->size_bytes; */
    //@ assert slot + first <= r->capacity;
    //@ assert (slot + first) * unit <= r->capacity * unit;
    //@ assert to_end * unit == r->size_bytes - slot * unit;
    //@ assert (count - first) * unit == count * unit - first * unit;
    //@ assert count * unit <= n * unit;
    //@ assert count * unit + sq_ring_used(r) * unit <= r->size_bytes;
    /* The free units are [slot, slot + space) modulo capacity: the copies
     * below stay inside them, so no stored byte is touched (RB11). */
    /*@ assert w_outside: \forall integer k; 0 <= k < sq_ring_used(r) * unit ==>
            sq_ring_byte(r, k) < slot * unit ||
            sq_ring_byte(r, k) >= slot * unit + first * unit; */
    /*@ assert w_outside2: count > first ==> \forall integer k;
            0 <= k < sq_ring_used(r) * unit ==>
            sq_ring_byte(r, k) >= (count - first) * unit; */
    //@ assert count > first ==> count - first <= slot;
    //@ assert count > first ==> (count - first) * unit <= slot * unit;
    /*@ assert w_pos: \forall integer k; 0 <= k < count * unit ==>
            \at(sq_ring_byte(r, sq_ring_used(r) * r->unit_size + k), Pre) ==
            (k < first * unit ? slot * unit + k : k - first * unit); */
    sq_copy_bytes(r->storage + slot * unit, src, first * unit);
    //@ assert w_first: \forall integer k; 0 <= k < first * unit ==> r->storage[slot * unit + k] == src[k];
    if (count > first) {
        sq_copy_bytes(r->storage, src + first * unit, (count - first) * unit);
        //@ assert w_second: \forall integer k; 0 <= k < (count - first) * unit ==> r->storage[k] == src[first * unit + k];
        //@ assert w_first2: \forall integer k; 0 <= k < first * unit ==> r->storage[slot * unit + k] == src[k];
        /*@ assert w_all: \forall integer k; 0 <= k < count * unit ==>
                r->storage[k < first * unit ? slot * unit + k : k - first * unit] == src[k]; */
    } else {
        //@ assert count * unit == first * unit;
        /*@ assert w_all_1: \forall integer k; 0 <= k < count * unit ==>
                r->storage[k < first * unit ? slot * unit + k : k - first * unit] == src[k]; */
    }
    /*@ assert w_fifo: \forall integer k; 0 <= k < count * unit ==>
            r->storage[\at(sq_ring_byte(r, sq_ring_used(r) * r->unit_size + k), Pre)] == src[k]; */
    /* Publish only after the data is in place. */
    sq_atomic_store_release(&r->head, ring_advance(r, head, count));
    *moved = count;
    return SQ_OK;
}

sq_status_t sq_ring_core_read(struct sq_ring_core *r, uint8_t *dst, uint32_t n,
                              uint32_t *moved, bool consume)
{
    if (dst == NULL || moved == NULL) {
        return SQ_ERR_NULL;
    }
    *moved = 0u;
    if (consume && r->read_claim != 0u) {
        return SQ_ERR_CLAIM_PENDING;
    }
    if (n == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    uint32_t tail = sq_atomic_load_relaxed(&r->tail);
    uint32_t head = sq_atomic_load_acquire(&r->head);
    uint32_t stored = ring_used(r, head, tail);
    if (stored == 0u) {
        return SQ_ERR_EMPTY;
    }
    uint32_t count = n < stored ? n : stored;
    uint32_t slot = ring_pos(r, tail);
    uint32_t to_end = r->capacity - slot;
    uint32_t first = count < to_end ? count : to_end;
    uint32_t unit = r->unit_size;
    /* Byte view, as in sq_ring_core_write. */
    //@ assert slot + first <= r->capacity;
    //@ assert (slot + first) * unit <= r->capacity * unit;
    //@ assert to_end * unit == r->size_bytes - slot * unit;
    //@ assert (count - first) * unit == count * unit - first * unit;
    //@ assert count * unit <= n * unit;
    //@ assert count * unit <= r->size_bytes;
    /*@ assert r_pos: \forall integer k; 0 <= k < count * unit ==>
            \at(sq_ring_byte(r, k), Pre) ==
            (k < first * unit ? slot * unit + k : k - first * unit); */
    sq_copy_bytes(dst, r->storage + slot * unit, first * unit);
    //@ assert r_first: \forall integer k; 0 <= k < first * unit ==> dst[k] == r->storage[slot * unit + k];
    if (count > first) {
        sq_copy_bytes(dst + first * unit, r->storage, (count - first) * unit);
        //@ assert r_second: \forall integer k; 0 <= k < (count - first) * unit ==> dst[first * unit + k] == r->storage[k];
        //@ assert r_first2: \forall integer k; 0 <= k < first * unit ==> dst[k] == r->storage[slot * unit + k];
        /*@ assert r_all: \forall integer k; 0 <= k < count * unit ==>
                dst[k] == r->storage[k < first * unit ? slot * unit + k : k - first * unit]; */
    } else {
        //@ assert count * unit == first * unit;
        /*@ assert r_all_1: \forall integer k; 0 <= k < count * unit ==>
                dst[k] == r->storage[k < first * unit ? slot * unit + k : k - first * unit]; */
    }
    /*@ assert r_fifo: \forall integer k; 0 <= k < count * unit ==>
            dst[k] == r->storage[\at(sq_ring_byte(r, k), Pre)]; */
    if (consume) {
        /* Hand the slots back only after the data has been copied out. */
        sq_atomic_store_release(&r->tail, ring_advance(r, tail, count));
    }
    *moved = count;
    return SQ_OK;
}

sq_status_t sq_ring_core_write_claim(struct sq_ring_core *r, uint8_t **span,
                                     uint32_t n, uint32_t *claimed)
{
    if (span == NULL || claimed == NULL) {
        return SQ_ERR_NULL;
    }
    *claimed = 0u;
    if (r->write_claim != 0u) {
        return SQ_ERR_CLAIM_PENDING;
    }
    if (n == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    uint32_t head = sq_atomic_load_relaxed(&r->head);
    uint32_t tail = sq_atomic_load_acquire(&r->tail);
    uint32_t space = r->capacity - ring_used(r, head, tail);
    if (space == 0u) {
        return SQ_ERR_FULL;
    }
    uint32_t slot = ring_pos(r, head);
    uint32_t to_end = r->capacity - slot;
    uint32_t count = n < space ? n : space;
    count = count < to_end ? count : to_end;
    r->write_claim = count;
    *span = r->storage + slot * r->unit_size;
    *claimed = count;
    return SQ_OK;
}

sq_status_t sq_ring_core_write_commit(struct sq_ring_core *r, uint32_t n)
{
    if (r->write_claim == 0u) {
        return SQ_ERR_NOT_CLAIMED;
    }
    if (n > r->write_claim) {
        return SQ_ERR_RANGE;
    }
    uint32_t head = sq_atomic_load_relaxed(&r->head);
    r->write_claim = 0u;
    sq_atomic_store_release(&r->head, ring_advance(r, head, n));
    return SQ_OK;
}

sq_status_t sq_ring_core_read_claim(struct sq_ring_core *r, uint8_t **span,
                                    uint32_t n, uint32_t *claimed)
{
    if (span == NULL || claimed == NULL) {
        return SQ_ERR_NULL;
    }
    *claimed = 0u;
    if (r->read_claim != 0u) {
        return SQ_ERR_CLAIM_PENDING;
    }
    if (n == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    uint32_t tail = sq_atomic_load_relaxed(&r->tail);
    uint32_t head = sq_atomic_load_acquire(&r->head);
    uint32_t stored = ring_used(r, head, tail);
    if (stored == 0u) {
        return SQ_ERR_EMPTY;
    }
    uint32_t slot = ring_pos(r, tail);
    uint32_t to_end = r->capacity - slot;
    uint32_t count = n < stored ? n : stored;
    count = count < to_end ? count : to_end;
    r->read_claim = count;
    *span = r->storage + slot * r->unit_size;
    *claimed = count;
    return SQ_OK;
}

sq_status_t sq_ring_core_read_release(struct sq_ring_core *r, uint32_t n)
{
    if (r->read_claim == 0u) {
        return SQ_ERR_NOT_CLAIMED;
    }
    if (n > r->read_claim) {
        return SQ_ERR_RANGE;
    }
    uint32_t tail = sq_atomic_load_relaxed(&r->tail);
    r->read_claim = 0u;
    sq_atomic_store_release(&r->tail, ring_advance(r, tail, n));
    return SQ_OK;
}
