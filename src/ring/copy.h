/*
 * Internal: the only way bytes move in or out of a ring.
 *
 * Compiled, it is memcpy. Copies of up to SQ_COPY_INLINE_MAX bytes are two
 * memcpy calls of a fixed size that overlap in the middle, which the
 * compiler emits as a few moves: a call of the library's memcpy with a
 * run-time size costs more than such a copy does (not in builds for size,
 * where it is the call). Under Frama-C only the contract is seen: WP takes
 * it as an assumption ("copies n bytes between disjoint buffers and touches
 * nothing else"), listed as such in docs/VERIFICATION.md; the ring tests
 * check every size up to beyond SQ_COPY_INLINE_MAX.
 */
#ifndef SQUALL_SRC_COPY_H
#define SQUALL_SRC_COPY_H

#include <stdint.h>
#include <string.h>

/* Copies up to this many bytes are moves, with no call. */
#define SQ_COPY_INLINE_MAX 64u

/*@ requires \valid(dst + (0 .. n - 1)) && \valid_read(src + (0 .. n - 1));
    requires \separated(dst + (0 .. n - 1), src + (0 .. n - 1));
    assigns dst[0 .. n - 1] \from src[0 .. n - 1];
    ensures \forall integer k; 0 <= k < n ==> dst[k] == src[k];
*/
#if defined(__FRAMAC__)
void sq_copy_bytes(char *dst, const char *src, uint32_t n);
#elif defined(__OPTIMIZE_SIZE__)
/* Built for size (-Os): the moves of every size at every copy would cost
 * more code than the call. */
static inline void sq_copy_bytes(char *dst, const char *src, uint32_t n)
{
    memcpy(dst, src, n);
}
#else
/* Bytes [0, size) and [n - size, n): all n of them when size <= n <= 2 * size. */
#define SQ_COPY_HALVES(dst, src, n, size)                                    \
    do {                                                                     \
        memcpy((dst), (src), (size));                                        \
        memcpy((dst) + (n) - (size), (src) + (n) - (size), (size));          \
    } while (0)

static inline void sq_copy_bytes(char *dst, const char *src, uint32_t n)
{
    /* One byte first: a byte ring's most common put and get. */
    if (n == 1u) {
        *dst = *src;
    } else if (n > SQ_COPY_INLINE_MAX) {
        memcpy(dst, src, n);
    } else if (n >= 16u) {
        if (n >= 32u) {
            SQ_COPY_HALVES(dst, src, n, 32u);
        } else {
            SQ_COPY_HALVES(dst, src, n, 16u);
        }
    } else if (n >= 4u) {
        if (n >= 8u) {
            SQ_COPY_HALVES(dst, src, n, 8u);
        } else {
            SQ_COPY_HALVES(dst, src, n, 4u);
        }
    } else if (n >= 2u) {
        SQ_COPY_HALVES(dst, src, n, 2u);
    }
}
#undef SQ_COPY_HALVES
#endif

#endif /* SQUALL_SRC_COPY_H */
