/*
 * Test support for the suites that run kernel threads: a trail, an ordered
 * log of one-letter notes that threads and interrupts leave, compared with
 * the expected order at the end. The index is atomic, so an interrupt or a
 * preempting thread cannot lose a note; notes past the end are dropped.
 */
#ifndef SQUALL_TEST_TRAIL_H
#define SQUALL_TEST_TRAIL_H

#include <stdatomic.h>
#include <string.h>

static char trail[128];
static atomic_uint trail_len;

static inline void note(char c)
{
    unsigned i = atomic_fetch_add(&trail_len, 1u);
    if (i < sizeof trail - 1u) {
        trail[i] = c;
    }
}

static inline const char *trail_text(void)
{
    unsigned n = atomic_load(&trail_len);
    trail[n < sizeof trail ? n : sizeof trail - 1u] = '\0';
    return trail;
}

static inline void trail_reset(void)
{
    atomic_store(&trail_len, 0u);
    memset(trail, 0, sizeof trail);
}

#endif /* SQUALL_TEST_TRAIL_H */
