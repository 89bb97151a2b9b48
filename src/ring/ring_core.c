/*
 * The ring shared by sq_ring_buf and sq_typed_ring_buf. See
 * include/squall/ring_core.h for the representation and its invariant, and
 * src/ring/ring_core.h for the contracts WP proves here.
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

sq_status_t sq_ring_core_check(const char *storage, size_t storage_size, size_t unit_size)
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
    return SQ_OK;
}

void sq_ring_core_setup(struct sq_ring_core *r, char *storage, size_t storage_size,
                        size_t unit_size)
{
    r->storage = storage;
    r->capacity = (uint32_t)(storage_size / unit_size);
    r->unit_size = (uint32_t)unit_size;
    r->size_bytes = (uint32_t)storage_size;
    r->write_claim = 0u;
    r->read_claim = 0u;
    sq_atomic_store_release(&r->tail, 0u);
    sq_atomic_store_release(&r->head, 0u);
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

/* Byte-level copies between a caller buffer and nbytes of storage starting at
 * byte offset off, wrapping once at the end of storage. All the unit
 * arithmetic stays in the callers; these see bytes only. */
/*@ requires sq_ring_ok(r);
    requires off < r->size_bytes && nbytes <= r->size_bytes;
    requires \valid_read(src + (0 .. nbytes - 1));
    requires \separated(src + (0 .. nbytes - 1), r, r->storage + (0 .. r->size_bytes - 1));
    assigns r->storage[0 .. r->size_bytes - 1];
    ensures in_copied: \forall integer k; 0 <= k < nbytes ==>
        r->storage[sq_wrap(off, k, r->size_bytes)] == src[k];
    ensures in_kept: \forall integer j; 0 <= j < r->size_bytes ==>
        (j < off || j >= off + nbytes) && j + r->size_bytes >= off + nbytes ==>
        r->storage[j] == \old(r->storage[j]);
*/
static void ring_copy_in(struct sq_ring_core *r, uint32_t off, const char *src,
                         uint32_t nbytes)
{
    uint32_t to_end = r->size_bytes - off;
    uint32_t first = nbytes < to_end ? nbytes : to_end;
    sq_copy_bytes(r->storage + off, src, first);
    if (nbytes > first) {
        sq_copy_bytes(r->storage, src + first, nbytes - first);
    }
}

/*@ requires sq_ring_ok(r);
    requires off < r->size_bytes && nbytes <= r->size_bytes;
    requires \valid(dst + (0 .. nbytes - 1));
    requires \separated(dst + (0 .. nbytes - 1), r, r->storage + (0 .. r->size_bytes - 1));
    assigns dst[0 .. nbytes - 1];
    ensures out_copied: \forall integer k; 0 <= k < nbytes ==>
        dst[k] == r->storage[sq_wrap(off, k, r->size_bytes)];
*/
static void ring_copy_out(const struct sq_ring_core *r, uint32_t off, char *dst,
                          uint32_t nbytes)
{
    uint32_t to_end = r->size_bytes - off;
    uint32_t first = nbytes < to_end ? nbytes : to_end;
    sq_copy_bytes(dst, r->storage + off, first);
    if (nbytes > first) {
        sq_copy_bytes(dst + first, r->storage, nbytes - first);
    }
}

sq_status_t sq_ring_core_write(struct sq_ring_core *r, const char *src,
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
    uint32_t used = ring_used(r, head, tail);
    //@ assert w_used: used == \at(sq_ring_used(r), Pre);
    uint32_t space = r->capacity - used;
    //@ assert w_space: space == \at(sq_ring_free(r), Pre);
    if (space == 0u) {
        return SQ_ERR_FULL;
    }
    uint32_t count = n < space ? n : space;
    uint32_t slot = ring_pos(r, head);
    uint32_t unit = r->unit_size;
    /* The unit-to-byte products, stated for the provers, which reason
     * linearly once they are given. */
    //@ assert slot + 1 <= r->capacity;
    //@ assert (slot + 1) * unit <= r->capacity * unit;
    //@ assert count * unit <= n * unit;
    //@ assert count * unit + used * unit <= r->size_bytes;
    /*@ assert slot == sq_ring_pos(r, r->tail) + used ||
               slot == sq_ring_pos(r, r->tail) + used - r->capacity; */
    /*@ assert slot * unit == sq_ring_pos(r, r->tail) * unit + used * unit ||
               slot * unit == sq_ring_pos(r, r->tail) * unit + used * unit - r->size_bytes; */
    //@ assert sq_ring_pos(r, r->tail) + 1 <= r->capacity;
    //@ assert (sq_ring_pos(r, r->tail) + 1) * unit <= r->capacity * unit;
    /* Where the new bytes land, in the stored-sequence view (FIFO). */
    /*@ assert w_landing: \forall integer k; 0 <= k < count * unit ==>
            sq_ring_byte(r, used * unit + k) == sq_wrap(slot * unit, k, r->size_bytes); */
    /* ...and they miss every stored byte (RB11: nothing stored is touched). */
    /*@ assert w_outside: \forall integer k; 0 <= k < used * unit ==>
            (sq_ring_byte(r, k) < slot * unit ||
             sq_ring_byte(r, k) >= slot * unit + count * unit) &&
            sq_ring_byte(r, k) + r->size_bytes >= slot * unit + count * unit; */
    ring_copy_in(r, slot * unit, src, count * unit);
    /*@ assert w_kept: \forall integer k; 0 <= k < used * unit ==>
            r->storage[sq_ring_byte(r, k)] == \at(r->storage[sq_ring_byte(r, k)], Pre); */
    /*@ assert w_fifo: \forall integer k; 0 <= k < count * unit ==>
            r->storage[sq_ring_byte(r, used * unit + k)] == src[k]; */
    //@ ghost copied: ;
    /* Publish only after the data is in place. */
    sq_atomic_store_release(&r->head, ring_advance(r, head, count));
    *moved = count;
    //@ assert w_same: \forall integer k; sq_ring_byte(r, k) == \at(sq_ring_byte(r, k), copied);
    /*@ assert w_done: \forall integer k; 0 <= k < count * unit ==>
            r->storage[sq_ring_byte(r, used * unit + k)] == src[k]; */
    //@ assert w_bytes: *moved * r->unit_size == count * unit;
    /*@ assert w_kept_done: \forall integer k; 0 <= k < used * unit ==>
            r->storage[sq_ring_byte(r, k)] == \at(r->storage[sq_ring_byte(r, k)], Pre); */
    return SQ_OK;
}

sq_status_t sq_ring_core_read(struct sq_ring_core *r, char *dst, uint32_t n,
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
    uint32_t unit = r->unit_size;
    /* Byte view, as in sq_ring_core_write. */
    //@ assert slot + 1 <= r->capacity;
    //@ assert (slot + 1) * unit <= r->capacity * unit;
    //@ assert count * unit <= n * unit;
    //@ assert count * unit <= r->size_bytes;
    ring_copy_out(r, slot * unit, dst, count * unit);
    if (consume) {
        /* Hand the slots back only after the data has been copied out. */
        sq_atomic_store_release(&r->tail, ring_advance(r, tail, count));
    }
    *moved = count;
    return SQ_OK;
}

sq_status_t sq_ring_core_write_short(struct sq_ring_core *r, const char *src,
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
    uint32_t used = ring_used(r, head, tail);
    uint32_t space = r->capacity - used;
    if (space == 0u) {
        return SQ_ERR_FULL;
    }
    uint32_t count = n < space ? n : space;
    uint32_t slot = ring_pos(r, head);
    uint32_t unit = r->unit_size;
    //@ assert count * unit <= n * unit;
    //@ assert (used + count) * unit <= r->capacity * unit;
    uint32_t nbytes = count * unit;
    if (nbytes > SQ_COPY_INLINE_MAX || count > r->capacity - slot) {
        /* Wide, or wrapping at the end of storage. */
        return sq_ring_core_write(r, src, n, moved);
    }
    /* The byte view, as in sq_ring_core_write, here without a wrap. */
    //@ assert slot + count <= r->capacity;
    //@ assert (slot + count) * unit <= r->capacity * unit;
    /*@ assert slot == sq_ring_pos(r, r->tail) + used ||
               slot == sq_ring_pos(r, r->tail) + used - r->capacity; */
    /*@ assert slot * unit == sq_ring_pos(r, r->tail) * unit + used * unit ||
               slot * unit == sq_ring_pos(r, r->tail) * unit + used * unit - r->size_bytes; */
    //@ assert sq_ring_pos(r, r->tail) + 1 <= r->capacity;
    //@ assert (sq_ring_pos(r, r->tail) + 1) * unit <= r->capacity * unit;
    /*@ assert slot + count <= sq_ring_pos(r, r->tail) ==>
               (slot + count) * unit <= sq_ring_pos(r, r->tail) * unit; */
    /*@ assert s_landing: \forall integer k; 0 <= k < nbytes ==>
            sq_ring_byte(r, used * unit + k) == slot * unit + k; */
    /*@ assert s_outside: \forall integer k; 0 <= k < used * unit ==>
            sq_ring_byte(r, k) < slot * unit || sq_ring_byte(r, k) >= slot * unit + nbytes; */
    /* (The new index first: after the copy through a char pointer the
     * compiler would load the ring's fields again.) */
    uint32_t next = ring_advance(r, head, count);
    sq_copy_bytes(r->storage + slot * unit, src, nbytes);
    /*@ assert s_kept: \forall integer k; 0 <= k < used * unit ==>
            r->storage[sq_ring_byte(r, k)] == \at(r->storage[sq_ring_byte(r, k)], Pre); */
    /*@ assert s_fifo: \forall integer k; 0 <= k < nbytes ==>
            r->storage[sq_ring_byte(r, used * unit + k)] == src[k]; */
    //@ ghost copied: ;
    /* Publish only after the data is in place. */
    sq_atomic_store_release(&r->head, next);
    *moved = count;
    //@ assert s_same: \forall integer k; sq_ring_byte(r, k) == \at(sq_ring_byte(r, k), copied);
    /*@ assert s_done: \forall integer k; 0 <= k < nbytes ==>
            r->storage[sq_ring_byte(r, used * unit + k)] == src[k]; */
    //@ assert s_bytes: *moved * r->unit_size == nbytes;
    /*@ assert s_kept_done: \forall integer k; 0 <= k < used * unit ==>
            r->storage[sq_ring_byte(r, k)] == \at(r->storage[sq_ring_byte(r, k)], Pre); */
    return SQ_OK;
}

sq_status_t sq_ring_core_read_short(struct sq_ring_core *r, char *dst, uint32_t n,
                                    uint32_t *moved)
{
    if (dst == NULL || moved == NULL) {
        return SQ_ERR_NULL;
    }
    *moved = 0u;
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
    uint32_t count = n < stored ? n : stored;
    uint32_t slot = ring_pos(r, tail);
    uint32_t unit = r->unit_size;
    //@ assert count * unit <= n * unit;
    //@ assert count * unit <= r->capacity * unit;
    uint32_t nbytes = count * unit;
    if (nbytes > SQ_COPY_INLINE_MAX || count > r->capacity - slot) {
        return sq_ring_core_read(r, dst, n, moved, true);
    }
    //@ assert slot + count <= r->capacity;
    //@ assert (slot + count) * unit <= r->capacity * unit;
    /* The units read do not wrap: their bytes are the slots'. */
    /*@ assert s_source: \forall integer k; 0 <= k < nbytes ==>
            sq_ring_byte(r, k) == slot * unit + k; */
    uint32_t next = ring_advance(r, tail, count);
    sq_copy_bytes(dst, r->storage + slot * unit, nbytes);
    /*@ assert s_out: \forall integer k; 0 <= k < nbytes ==>
            dst[k] == \at(r->storage[sq_ring_byte(r, k)], Pre); */
    /* Hand the slots back only after the data has been copied out. */
    sq_atomic_store_release(&r->tail, next);
    *moved = count;
    //@ assert s_bytes: *moved * r->unit_size == nbytes;
    return SQ_OK;
}

/* The one-element paths' copy of a unit wider than SQ_COPY_INLINE_MAX, and
 * the publication of the index after it. Out of line and called last, so
 * that the paths of narrower units call nothing and keep no register
 * across a call. */
/*@ requires \valid(dst + (0 .. nbytes - 1)) && \valid_read(src + (0 .. nbytes - 1));
    requires \separated(dst + (0 .. nbytes - 1), src + (0 .. nbytes - 1));
    requires \valid(index) &&
             \separated(index, dst + (0 .. nbytes - 1), src + (0 .. nbytes - 1));
    assigns dst[0 .. nbytes - 1], *index;
    ensures \forall integer k; 0 <= k < nbytes ==> dst[k] == src[k];
    ensures *index == value && \result == SQ_OK;
*/
static __attribute__((noinline)) sq_status_t ring_copy_publish(char *dst, const char *src,
                                                                 uint32_t nbytes,
                                                                 sq_atomic_u32_t *index,
                                                                 uint32_t value)
{
    sq_copy_bytes(dst, src, nbytes);
    sq_atomic_store_release(index, value);
    return SQ_OK;
}

sq_status_t sq_ring_core_put_one(struct sq_ring_core *r, const char *src)
{
    if (src == NULL) {
        return SQ_ERR_NULL;
    }
    if (r->write_claim != 0u) {
        return SQ_ERR_CLAIM_PENDING;
    }
    uint32_t head = sq_atomic_load_relaxed(&r->head);
    uint32_t tail = sq_atomic_load_acquire(&r->tail);
    uint32_t cap = r->capacity;
    if (ring_used(r, head, tail) == cap) {
        return SQ_ERR_FULL;
    }
    //@ assert o_room: sq_ring_used(r) + 1 <= r->capacity;
    uint32_t unit = r->unit_size;
    uint32_t slot = ring_pos(r, head);
    /* The byte view, as in sq_ring_core_write with one unit. */
    //@ assert slot + 1 <= r->capacity;
    //@ assert (slot + 1) * unit <= r->capacity * unit;
    //@ assert (sq_ring_used(r) + 1) * unit <= r->capacity * unit;
    /*@ assert slot == sq_ring_pos(r, r->tail) + sq_ring_used(r) ||
               slot == sq_ring_pos(r, r->tail) + sq_ring_used(r) - r->capacity; */
    /*@ assert slot * unit == sq_ring_pos(r, r->tail) * unit + sq_ring_used(r) * unit ||
               slot * unit == sq_ring_pos(r, r->tail) * unit + sq_ring_used(r) * unit -
                              r->size_bytes; */
    //@ assert sq_ring_pos(r, r->tail) + 1 <= r->capacity;
    //@ assert (sq_ring_pos(r, r->tail) + 1) * unit <= r->capacity * unit;
    /*@ assert slot + 1 <= sq_ring_pos(r, r->tail) ==>
               (slot + 1) * unit <= sq_ring_pos(r, r->tail) * unit; */
    /* Where the new bytes land in the stored-sequence view (FIFO), and that
     * they miss every stored byte (RB11). */
    /*@ assert o_landing: \forall integer k; 0 <= k < unit ==>
            sq_ring_byte(r, sq_ring_used(r) * unit + k) == slot * unit + k; */
    /*@ assert o_outside: \forall integer k; 0 <= k < sq_ring_used(r) * unit ==>
            sq_ring_byte(r, k) < slot * unit || sq_ring_byte(r, k) >= slot * unit + unit; */
    char *to = r->storage + slot * unit;
    uint32_t next = head + 1u == 2u * cap ? 0u : head + 1u;
    sq_status_t st = SQ_OK;
    if (unit > SQ_COPY_INLINE_MAX) {
        st = ring_copy_publish(to, src, unit, &r->head, next);
    } else {
        sq_copy_bytes(to, src, unit);
        /* Publish only after the data is in place. */
        sq_atomic_store_release(&r->head, next);
    }
    //@ assert o_same: \forall integer k; sq_ring_byte(r, k) == \at(sq_ring_byte(r, k), Pre);
    /*@ assert o_fifo: \forall integer k; 0 <= k < unit ==>
            r->storage[sq_ring_byte(r, \at(sq_ring_used(r), Pre) * unit + k)] == src[k]; */
    /*@ assert o_kept: \forall integer k; 0 <= k < \at(sq_ring_used(r), Pre) * unit ==>
            r->storage[sq_ring_byte(r, k)] == \at(r->storage[sq_ring_byte(r, k)], Pre); */
    return st;
}

sq_status_t sq_ring_core_get_one(struct sq_ring_core *r, char *dst)
{
    if (dst == NULL) {
        return SQ_ERR_NULL;
    }
    if (r->read_claim != 0u) {
        return SQ_ERR_CLAIM_PENDING;
    }
    uint32_t tail = sq_atomic_load_relaxed(&r->tail);
    uint32_t head = sq_atomic_load_acquire(&r->head);
    if (head == tail) {
        return SQ_ERR_EMPTY;
    }
    //@ assert g_stored: sq_ring_used(r) >= 1;
    uint32_t cap = r->capacity;
    uint32_t unit = r->unit_size;
    uint32_t slot = ring_pos(r, tail);
    //@ assert slot + 1 <= r->capacity;
    //@ assert (slot + 1) * unit <= r->capacity * unit;
    /* The oldest unit does not wrap: its bytes are the slot's. */
    /*@ assert g_source: \forall integer k; 0 <= k < unit ==>
            sq_ring_byte(r, k) == slot * unit + k; */
    const char *from = r->storage + slot * unit;
    uint32_t next = tail + 1u == 2u * cap ? 0u : tail + 1u;
    sq_status_t st = SQ_OK;
    if (unit > SQ_COPY_INLINE_MAX) {
        st = ring_copy_publish(dst, from, unit, &r->tail, next);
    } else {
        sq_copy_bytes(dst, from, unit);
        /* Hand the slot back only after the data has been copied out. */
        sq_atomic_store_release(&r->tail, next);
    }
    /*@ assert g_fifo: \forall integer k; 0 <= k < unit ==>
            dst[k] == \at(r->storage[sq_ring_byte(r, k)], Pre); */
    return st;
}

sq_status_t sq_ring_core_write_claim(struct sq_ring_core *r, char **span,
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

sq_status_t sq_ring_core_read_claim(struct sq_ring_core *r, char **span,
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

sq_status_t sq_ring_core_used_of(uint32_t capacity, uint32_t head, uint32_t tail,
                                 uint32_t *used)
{
    /* Range first, so the difference below cannot wrap. */
    if (head >= 2u * capacity || tail >= 2u * capacity) {
        return SQ_ERR_CORRUPT;
    }
    uint32_t n = head >= tail ? head - tail : (2u * capacity - tail) + head;
    if (n > capacity) {
        return SQ_ERR_CORRUPT;
    }
    *used = n;
    return SQ_OK;
}

sq_status_t sq_ring_core_sync(struct sq_ring_core *r, uint32_t head, uint32_t tail)
{
    uint32_t used;
    if (sq_ring_core_used_of(r->capacity, head, tail, &used) != SQ_OK) {
        return SQ_ERR_CORRUPT;
    }
    /* The open claims must still fit: a claim covers free units from the
     * head's slot, a borrow stored units from the tail's slot. */
    if (r->write_claim > r->capacity - used ||
        r->write_claim > r->capacity - ring_pos(r, head) ||
        r->read_claim > used || r->read_claim > r->capacity - ring_pos(r, tail)) {
        return SQ_ERR_CORRUPT;
    }
    sq_atomic_store_release(&r->tail, tail);
    sq_atomic_store_release(&r->head, head);
    return SQ_OK;
}
