/*
 * squall: the two memory orderings the lock-free objects need.
 *
 * A single-producer/single-consumer object publishes an index with a release
 * store and observes the other side's index with an acquire load; an index a
 * side owns it reads relaxed. Compiled code uses C11 <stdatomic.h>, which is a
 * freestanding header. Under Frama-C (__FRAMAC__) the same functions are
 * plain accesses: WP proves the sequential contracts, and the interleavings
 * are checked separately (proofs/spin, the TSan stress test). This is the
 * documented abstraction that docs/VERIFICATION.md lists as an assumption.
 */
#ifndef SQUALL_ATOMIC_H
#define SQUALL_ATOMIC_H

#include <stdint.h>

#if defined(__FRAMAC__)

typedef uint32_t sq_atomic_u32_t;
#define SQ_ATOMIC_U32_INIT(v) (v)

/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result == *p; */
static inline uint32_t sq_atomic_load_acquire(const sq_atomic_u32_t *p) { return *p; }

/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result == *p; */
static inline uint32_t sq_atomic_load_relaxed(const sq_atomic_u32_t *p) { return *p; }

/*@ requires \valid(p);
    assigns *p;
    ensures *p == v; */
static inline void sq_atomic_store_release(sq_atomic_u32_t *p, uint32_t v) { *p = v; }

#else

#include <stdatomic.h>

typedef _Atomic uint32_t sq_atomic_u32_t;
#define SQ_ATOMIC_U32_INIT(v) (v)

static inline uint32_t sq_atomic_load_acquire(const sq_atomic_u32_t *p)
{
    return atomic_load_explicit((sq_atomic_u32_t *)p, memory_order_acquire);
}

static inline uint32_t sq_atomic_load_relaxed(const sq_atomic_u32_t *p)
{
    return atomic_load_explicit((sq_atomic_u32_t *)p, memory_order_relaxed);
}

static inline void sq_atomic_store_release(sq_atomic_u32_t *p, uint32_t v)
{
    atomic_store_explicit(p, v, memory_order_release);
}

#endif

#endif /* SQUALL_ATOMIC_H */
