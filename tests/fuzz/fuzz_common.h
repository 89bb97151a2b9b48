/*
 * What the libFuzzer harnesses share: reading the input as a stream of
 * choices, a check that stops the run (libFuzzer keeps the input that
 * failed), and guard bytes around every buffer squall is given.
 *
 * Guards are filled with a pattern and poisoned for AddressSanitizer, so
 * any access outside a buffer (a read too) stops the run where it happens;
 * fz_guards_check also compares the pattern, which catches a write that
 * ASan would not see (from code built without it).
 */
#ifndef SQUALL_FUZZ_COMMON_H
#define SQUALL_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

/* The input, consumed front to back; once used up every choice reads 0. */
typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in_t;

static inline uint8_t fz_u8(fz_in_t *in)
{
    if (in->n == 0u) {
        return 0u;
    }
    in->n--;
    return *in->p++;
}

static inline uint16_t fz_u16(fz_in_t *in)
{
    uint16_t lo = fz_u8(in);
    return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

static inline uint32_t fz_u32(fz_in_t *in)
{
    uint32_t lo = fz_u16(in);
    return lo | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t fz_u64(fz_in_t *in)
{
    uint64_t lo = fz_u32(in);
    return lo | (uint64_t)fz_u32(in) << 32;
}

/* A number below n (n >= 1). */
static inline uint32_t fz_below(fz_in_t *in, uint32_t n)
{
    return (n <= 256u ? fz_u8(in) : fz_u32(in)) % n;
}

static inline bool fz_more(const fz_in_t *in)
{
    return in->n > 0u;
}

/* Copy up to len input bytes to dst (zeros once the input is used up). */
static inline void fz_bytes(fz_in_t *in, uint8_t *dst, size_t len)
{
    for (size_t i = 0u; i < len; i++) {
        dst[i] = fz_u8(in);
    }
}

static inline void fz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
    abort();
}

#define FZ_CHECK(cond)                                                        \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fz_fail(__FILE__, __LINE__, #cond);                               \
        }                                                                     \
    } while (0)

#define FZ_GUARD_BYTE 0xa5u

/* Fill and poison n guard bytes at g. */
static inline void fz_guard_set(uint8_t *g, size_t n)
{
    ASAN_UNPOISON_MEMORY_REGION(g, n);
    memset(g, FZ_GUARD_BYTE, n);
    ASAN_POISON_MEMORY_REGION(g, n);
}

/* The n guard bytes at g still hold the pattern. */
static inline void fz_guard_check(uint8_t *g, size_t n)
{
    ASAN_UNPOISON_MEMORY_REGION(g, n);
    for (size_t i = 0u; i < n; i++) {
        FZ_CHECK(g[i] == FZ_GUARD_BYTE);
    }
    ASAN_POISON_MEMORY_REGION(g, n);
}

#endif /* SQUALL_FUZZ_COMMON_H */
