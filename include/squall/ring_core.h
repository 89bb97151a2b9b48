/*
 * squall: the storage layout shared by the byte ring (ring_buf.h) and the
 * typed ring (typed_ring_buf.h), and the ACSL model both are specified in.
 *
 * Both rings are rings of "units": a byte for the byte ring, an element for
 * the typed ring. The fields are public only so objects can live in caller
 * memory with static initialisers; use the functions of ring_buf.h and
 * typed_ring_buf.h, never the fields.
 *
 * Index representation: head and tail run over [0, 2*capacity) and wrap
 * there. The unit at index i sits in slot i or i - capacity; "used" is
 * (head - tail) mod 2*capacity, so full (used == capacity) and empty
 * (used == 0) are distinct without a spare slot, for any capacity.
 *
 * Concurrency: one producer owns head and write_claim, one consumer owns tail
 * and read_claim. Each publishes its index with a release store after touching
 * the data, and reads the other's index with an acquire load before.
 */
#ifndef SQUALL_RING_CORE_H
#define SQUALL_RING_CORE_H

#include <stdint.h>
#include <stddef.h>
#include <squall/atomic.h>

/** Largest capacity in units: 2 * capacity must fit in 32 bits. */
#define SQ_RING_MAX_UNITS 0x7FFFFFFFu
/** Largest storage in bytes: byte offsets are 32-bit. */
#define SQ_RING_MAX_BYTES 0xFFFFFFFFu

struct sq_ring_core {
    char *storage;           /* size_bytes bytes of caller memory */
    uint32_t capacity;       /* in units, 1 .. SQ_RING_MAX_UNITS */
    uint32_t unit_size;      /* bytes per unit, >= 1 */
    uint32_t size_bytes;     /* capacity * unit_size, kept to avoid multiplying */
    sq_atomic_u32_t head;    /* producer-owned: index of the next unit to write */
    sq_atomic_u32_t tail;    /* consumer-owned: index of the oldest unit */
    uint32_t write_claim;    /* producer-private: units claimed, not committed */
    uint32_t read_claim;     /* consumer-private: units borrowed, not released */
};

/* Static initialiser for a ring over an array `storage_` of capacity_ units of
 * unit_size_ bytes each. The DEFINE macros check the sizes at compile time. */
#define SQ_RING_CORE_INITIALIZER(storage_, capacity_, unit_size_)          \
    {                                                                      \
        .storage = (storage_), .capacity = (uint32_t)(capacity_),          \
        .unit_size = (uint32_t)(unit_size_),                               \
        .size_bytes = (uint32_t)((capacity_) * (unit_size_)),              \
        .head = SQ_ATOMIC_U32_INIT(0u), .tail = SQ_ATOMIC_U32_INIT(0u),    \
        .write_claim = 0u, .read_claim = 0u                                \
    }

/* Compile-time size check shared by the DEFINE macros: capacity in range and
 * capacity * unit_size representable without overflowing size_t or 32 bits. */
#define SQ_RING_CORE_SIZE_OK(capacity_, unit_size_)                        \
    ((capacity_) >= 1u && (unit_size_) >= 1u &&                            \
     (uint64_t)(capacity_) <= SQ_RING_MAX_UNITS &&                         \
     (uint64_t)(capacity_) <= (uint64_t)SQ_RING_MAX_BYTES / (uint64_t)(unit_size_))

/*@
  // Slot of index i (i in [0, 2*capacity)).
  logic integer sq_ring_pos(struct sq_ring_core *r, integer i) =
      i < r->capacity ? i : i - r->capacity;

  // Units stored: (head - tail) mod 2*capacity.
  logic integer sq_ring_used(struct sq_ring_core *r) =
      r->head >= r->tail ? r->head - r->tail
                         : r->head + 2 * r->capacity - r->tail;

  logic integer sq_ring_free(struct sq_ring_core *r) =
      r->capacity - sq_ring_used(r);

  // Byte offset k past offset off in storage of size bytes, wrapping once.
  logic integer sq_wrap(integer off, integer k, integer size) =
      off + k < size ? off + k : off + k - size;

  // Storage index of the k-th stored byte, counting from the oldest unit.
  logic integer sq_ring_byte(struct sq_ring_core *r, integer k) =
      sq_wrap(sq_ring_pos(r, r->tail) * r->unit_size, k, r->size_bytes);

  // Index advanced by n units, wrapping at 2*capacity.
  logic integer sq_ring_advance(struct sq_ring_core *r, integer i, integer n) =
      i + n < 2 * r->capacity ? i + n : i + n - 2 * r->capacity;

  // The memory a ring needs: itself and its storage, disjoint.
  predicate sq_ring_mem(struct sq_ring_core *r) =
      \valid(r) && \valid(r->storage + (0 .. r->size_bytes - 1)) &&
      \separated(r, r->storage + (0 .. r->size_bytes - 1));

  // The representation invariant, stated once and kept by every operation.
  predicate sq_ring_inv(struct sq_ring_core *r) =
      1 <= r->unit_size && 1 <= r->capacity <= SQ_RING_MAX_UNITS &&
      r->size_bytes == r->capacity * r->unit_size &&
      r->size_bytes <= SQ_RING_MAX_BYTES &&
      r->head < 2 * r->capacity && r->tail < 2 * r->capacity &&
      0 <= sq_ring_used(r) <= r->capacity &&
      r->write_claim <= sq_ring_free(r) &&
      sq_ring_pos(r, r->head) + r->write_claim <= r->capacity &&
      r->read_claim <= sq_ring_used(r) &&
      sq_ring_pos(r, r->tail) + r->read_claim <= r->capacity;

  predicate sq_ring_ok(struct sq_ring_core *r) = sq_ring_mem(r) && sq_ring_inv(r);

  // Two facts of integer multiplication the provers need spelled out:
  // byte offsets are unit counts times unit_size.
  lemma sq_mul_mono: \forall integer a, b, c;
      0 <= a <= b && 0 <= c ==> a * c <= b * c;
  lemma sq_mul_split: \forall integer a, b, c;
      (a - b) * c == a * c - b * c;

  // No stored byte lies in the n units from the head's slot on (the free
  // units a write claim hands out: RB11 of a claim is stated with it).
  predicate sq_ring_outside{L}(struct sq_ring_core *r, integer n) =
      \forall integer k; 0 <= k < sq_ring_used(r) * r->unit_size ==>
          sq_ring_byte(r, k) < sq_ring_pos(r, r->head) * r->unit_size ||
          sq_ring_byte(r, k) >= (sq_ring_pos(r, r->head) + n) * r->unit_size;

  // On a ring, that holds for any n up to the free count.
  lemma sq_ring_free_outside{L}: \forall struct sq_ring_core *r, integer n;
      1 <= r->unit_size && r->size_bytes == r->capacity * r->unit_size &&
      0 <= r->head < 2 * r->capacity && 0 <= r->tail < 2 * r->capacity &&
      0 <= sq_ring_used(r) && 0 <= n <= sq_ring_free(r) ==>
      sq_ring_outside(r, n);

  // The stored bytes [0, n) are the same in states L1 and L2 (tail fixed).
  predicate sq_ring_kept{L1, L2}(struct sq_ring_core *r, integer n) =
      \forall integer k; 0 <= k < n ==>
          \at(r->storage[sq_ring_byte(r, k)], L1) ==
          \at(r->storage[sq_ring_byte(r, k)], L2);
*/

#endif /* SQUALL_RING_CORE_H */
