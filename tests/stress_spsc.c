/*
 * Two real threads, one producer and one consumer, through one typed ring
 * and one byte ring, with no lock: run under ThreadSanitizer (`make tsan`)
 * it checks the acquire/release publication; on its own it checks that no
 * element is lost, duplicated, reordered or torn.
 *
 * Usage: stress_spsc [elements]   (default 10,000,000)
 */
#include <squall/ring_buf.h>
#include <squall/typed_ring_buf.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct element {
    uint64_t seq;
    uint64_t check;  /* a function of seq: a torn element fails the check */
};

static uint64_t check_of(uint64_t seq) { return seq * 0x9E3779B97F4A7C15ull ^ 0xA5A5u; }

SQ_TYPED_RING_BUF_DEFINE(elements, sizeof(struct element), 61);
SQ_RING_BUF_DEFINE(bytes, 97);

static uint64_t total_elements;
static uint64_t total_bytes;

static void *producer(void *arg)
{
    (void)arg;
    struct element batch[8];
    uint64_t seq = 0;
    while (seq < total_elements) {
        uint64_t left = total_elements - seq;
        switch (seq % 3u) {
        case 0: {  /* one element in place */
            void *slot;
            if (sq_typed_ring_buf_write_claim(&elements, &slot) != SQ_OK) {
                sched_yield();
                break;
            }
            struct element e = {seq, check_of(seq)};
            memcpy(slot, &e, sizeof e);
            sq_typed_ring_buf_write_commit(&elements);
            seq++;
            break;
        }
        case 1: {  /* one element copied (the one-element path) */
            struct element e = {seq, check_of(seq)};
            if (sq_typed_ring_buf_write_element(&elements, &e) != SQ_OK) {
                sched_yield();
                break;
            }
            seq++;
            break;
        }
        default: {  /* a batch copy */
            uint32_t want = (uint32_t)(left < 8u ? left : 1u + seq % 8u), got;
            for (uint32_t i = 0; i < want; i++) {
                batch[i].seq = seq + i;
                batch[i].check = check_of(seq + i);
            }
            if (sq_typed_ring_buf_write(&elements, batch, want, &got) != SQ_OK) {
                sched_yield();
                break;
            }
            seq += got;
            break;
        }
        }
    }
    /* Byte phase: a repeating pattern in chunks of varying length. */
    uint8_t chunk[40];
    for (uint64_t sent = 0; sent < total_bytes;) {
        uint32_t len = 1u + (uint32_t)(sent % 40u), put;
        if (len > total_bytes - sent) len = (uint32_t)(total_bytes - sent);
        for (uint32_t i = 0; i < len; i++) chunk[i] = (uint8_t)((sent + i) * 31u);
        if (sq_ring_buf_put(&bytes, chunk, len, &put) != SQ_OK) {
            sched_yield();
            continue;
        }
        sent += put;
    }
    return NULL;
}

static int consumer(void)
{
    struct element batch[8];
    uint64_t expect = 0;
    while (expect < total_elements) {
        uint32_t got = 0;
        if (expect % 3u == 0u) {
            const void *p;
            if (sq_typed_ring_buf_read_borrow(&elements, &p) == SQ_OK) {
                memcpy(batch, p, sizeof batch[0]);
                sq_typed_ring_buf_read_release(&elements);
                got = 1;
            }
        } else if (expect % 3u == 1u) {
            got = sq_typed_ring_buf_read_element(&elements, batch) == SQ_OK;
        } else if (sq_typed_ring_buf_read(&elements, batch, 8, &got) != SQ_OK) {
            got = 0;
        }
        if (got == 0) {
            sched_yield();
            continue;
        }
        for (uint32_t i = 0; i < got; i++, expect++) {
            if (batch[i].seq != expect || batch[i].check != check_of(expect)) {
                fprintf(stderr, "stress: element %llu arrived where %llu was due\n",
                        (unsigned long long)batch[i].seq, (unsigned long long)expect);
                return 1;
            }
        }
    }
    uint8_t chunk[64];
    for (uint64_t received = 0; received < total_bytes;) {
        char *span;
        uint32_t n;
        if (received % 2u == 0u) {  /* in place */
            if (sq_ring_buf_get_claim(&bytes, &span, 64, &n) != SQ_OK) {
                sched_yield();
                continue;
            }
            memcpy(chunk, span, n);
            sq_ring_buf_get_finish(&bytes, n);
        } else if (sq_ring_buf_get(&bytes, chunk, 1u + (uint32_t)(received % 64u), &n) !=
                   SQ_OK) {  /* copied: short spans take the short path */
            sched_yield();
            continue;
        }
        for (uint32_t i = 0; i < n; i++, received++) {
            if (chunk[i] != (uint8_t)(received * 31u)) {
                fprintf(stderr, "stress: byte %llu corrupted\n", (unsigned long long)received);
                return 1;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    total_elements = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000u;
    total_bytes = total_elements / 2u;
    pthread_t thread;
    if (pthread_create(&thread, NULL, producer, NULL) != 0) {
        return 2;
    }
    int failed = consumer();
    pthread_join(thread, NULL);
    if (failed || sq_typed_ring_buf_elements_available(&elements) != 0u ||
        !sq_ring_buf_is_empty(&bytes)) {
        printf("stress: FAILED\n");
        return 1;
    }
    printf("stress: %llu elements and %llu bytes moved between two threads: "
           "0 lost, 0 duplicated, 0 reordered\n",
           (unsigned long long)total_elements, (unsigned long long)total_bytes);
    return 0;
}
