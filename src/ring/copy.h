/*
 * Internal: the only way bytes move in or out of a ring.
 *
 * Compiled, it is memcpy. Under Frama-C only the contract is seen: WP takes
 * it as an assumption ("memcpy copies n bytes between disjoint buffers and
 * touches nothing else"), listed as such in docs/VERIFICATION.md.
 */
#ifndef SQUALL_SRC_COPY_H
#define SQUALL_SRC_COPY_H

#include <stdint.h>
#include <string.h>

/*@ requires \valid(dst + (0 .. n - 1)) && \valid_read(src + (0 .. n - 1));
    requires \separated(dst + (0 .. n - 1), src + (0 .. n - 1));
    assigns dst[0 .. n - 1] \from src[0 .. n - 1];
    ensures \forall integer k; 0 <= k < n ==> dst[k] == src[k];
*/
#if defined(__FRAMAC__)
void sq_copy_bytes(char *dst, const char *src, uint32_t n);
#else
static inline void sq_copy_bytes(char *dst, const char *src, uint32_t n)
{
    memcpy(dst, src, n);
}
#endif

#endif /* SQUALL_SRC_COPY_H */
