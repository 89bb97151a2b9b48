/*
 * Instruction-count benchmark for the rings (run under callgrind by
 * bench/run.sh; only bench_loop is counted). Every mode moves ELEMENTS
 * elements of a given size into a 1 KiB ring and back out, half a ring at a
 * time so the indices keep wrapping:
 *
 *   memcpy   the floor: the same bytes copied in and out of a 1 KiB buffer
 *   element  sq_typed_ring_buf_write_element / read_element
 *   batch    sq_typed_ring_buf_write / read, half a ring per call
 *   zerocopy write_claim + commit / read_borrow + release, one element each
 *   bytes    sq_ring_buf_put / get, one element's bytes per call
 *
 * Usage: ring_bench <mode> <element size>
 */
#include <squall/ring_buf.h>
#include <squall/typed_ring_buf.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING_BYTES 1024u
#define ELEMENTS 65536u

static _Alignas(max_align_t) char storage[RING_BYTES];
static char src[RING_BYTES], dst[RING_BYTES];
/* Read through a volatile so the floor is a real memcpy of a run-time size,
 * as the ring's copies are. */
static volatile uint32_t volatile_size;

enum mode { MEMCPY, ELEMENT, BATCH, ZEROCOPY, BYTES };

__attribute__((noinline)) static unsigned bench_loop(enum mode mode, uint32_t size)
{
    sq_typed_ring_buf_t typed;
    sq_ring_buf_t bytes;
    uint32_t half = RING_BYTES / size / 2u, n;
    unsigned sum = 0;
    uint32_t copy = volatile_size, off = 0;
    sq_typed_ring_buf_init(&typed, storage, RING_BYTES, size);
    sq_ring_buf_init(&bytes, storage, RING_BYTES);
    for (uint32_t done = 0; done < ELEMENTS; done += half) {
        switch (mode) {
        case MEMCPY:
            for (uint32_t i = 0; i < half; i++) {
                memcpy(storage + (off + i * copy) % RING_BYTES, src + i * copy, copy);
            }
            for (uint32_t i = 0; i < half; i++) {
                memcpy(dst + i * copy, storage + (off + i * copy) % RING_BYTES, copy);
            }
            off = (off + half * copy) % RING_BYTES;
            break;
        case ELEMENT:
            for (uint32_t i = 0; i < half; i++) {
                sq_typed_ring_buf_write_element(&typed, src + i * size);
            }
            for (uint32_t i = 0; i < half; i++) {
                sq_typed_ring_buf_read_element(&typed, dst + i * size);
            }
            break;
        case BATCH:
            sq_typed_ring_buf_write(&typed, src, half, &n);
            sq_typed_ring_buf_read(&typed, dst, half, &n);
            break;
        case ZEROCOPY:
            for (uint32_t i = 0; i < half; i++) {
                void *slot;
                sq_typed_ring_buf_write_claim(&typed, &slot);
                memcpy(slot, src + i * size, size);
                sq_typed_ring_buf_write_commit(&typed);
            }
            for (uint32_t i = 0; i < half; i++) {
                const void *elem;
                sq_typed_ring_buf_read_borrow(&typed, &elem);
                memcpy(dst + i * size, elem, size);
                sq_typed_ring_buf_read_release(&typed);
            }
            break;
        case BYTES:
            for (uint32_t i = 0; i < half; i++) {
                sq_ring_buf_put(&bytes, src + i * size, size, &n);
            }
            for (uint32_t i = 0; i < half; i++) {
                sq_ring_buf_get(&bytes, dst + i * size, size, &n);
            }
            break;
        }
        sum += (unsigned char)dst[0];
    }
    return sum;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"memcpy", "element", "batch", "zerocopy", "bytes"};
    if (argc != 3) {
        fprintf(stderr, "usage: ring_bench memcpy|element|batch|zerocopy|bytes <size>\n");
        return 2;
    }
    uint32_t size = (uint32_t)strtoul(argv[2], NULL, 10);
    if (size == 0u || size > RING_BYTES / 2u || RING_BYTES % size != 0u) {
        fprintf(stderr, "ring_bench: size must divide %u and be at most %u\n", RING_BYTES,
                RING_BYTES / 2u);
        return 2;
    }
    for (unsigned m = 0; m < sizeof names / sizeof names[0]; m++) {
        if (strcmp(argv[1], names[m]) == 0) {
            for (uint32_t i = 0; i < RING_BYTES; i++) src[i] = (char)i;
            volatile_size = size;
            printf("%s %u: checksum %u\n", names[m], (unsigned)size,
                   bench_loop((enum mode)m, size));
            return 0;
        }
    }
    fprintf(stderr, "ring_bench: unknown mode %s\n", argv[1]);
    return 2;
}
