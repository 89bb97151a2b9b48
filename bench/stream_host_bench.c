/*
 * Instruction counts of a shared stream region's element path on the host
 * (bench/null_port.c), run by bench/run.sh under callgrind with only
 * bench_loop counted. It has the shape of bench/ring_bench.c's zerocopy
 * mode, so that the two compare: ELEMENTS elements of a given size move
 * through a 1 KiB data region, half a ring at a time so the indices keep
 * wrapping; the writer's end claims a slot, copies the element in with
 * memcpy and commits, then the reader's end borrows, copies it out and
 * releases. Both ends run in this one thread (the null port switches
 * nothing), each with its own view, synchronising through the published
 * indices as two components would.
 *
 * Usage: stream_host_bench <element size>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/shared_stream.h>

#define DATA_BYTES 1024u
#define ELEMENTS 65536u

static _Alignas(DATA_BYTES) char data[DATA_BYTES];
static sq_stream_index_t write_index, read_index;
static sq_shared_stream_t stream;
static SQ_MEM_DOMAIN_DEFINE(writer_domain);
static SQ_MEM_DOMAIN_DEFINE(reader_domain);
static sq_stream_end_t writer, reader;
static char src[DATA_BYTES], dst[DATA_BYTES];
static uint32_t size;
/* The element size, read through a volatile in the loop so that its
 * memcpy calls are real calls of a run-time size, as in ring_bench.c (gcc
 * would otherwise expand them inline from what it knows of the size). */
static volatile uint32_t volatile_size;

static void fail(const char *what, sq_status_t st)
{
    fprintf(stderr, "stream_host_bench: %s: status %d\n", what, (int)st);
    exit(1);
}

__attribute__((noipa)) static unsigned bench_loop(sq_stream_end_t *w, sq_stream_end_t *r,
                                                     uint32_t elem_size)
{
    uint32_t half = DATA_BYTES / elem_size / 2u;
    uint32_t copy = volatile_size;
    unsigned sum = 0;
    for (uint32_t done = 0; done < ELEMENTS; done += half) {
        for (uint32_t i = 0; i < half; i++) {
            void *slot;
            sq_stream_writer_claim(w, &slot);
            memcpy(slot, src + i * copy, copy);
            sq_stream_writer_commit(w);
        }
        for (uint32_t i = 0; i < half; i++) {
            const void *elem;
            sq_stream_reader_borrow(r, &elem);
            memcpy(dst + i * copy, elem, copy);
            sq_stream_reader_release(r);
        }
        sum += (unsigned char)dst[0];
    }
    return sum;
}

/* Runs as the idle thread (null port). */
void bench_script(void);
void bench_script(void)
{
    sq_status_t st = sq_shared_stream_init(&stream, data, DATA_BYTES, size, &write_index,
                                           &read_index);
    st = st != SQ_OK ? st : sq_shared_stream_attach(&stream, &writer_domain, &reader_domain);
    st = st != SQ_OK ? st : sq_shared_stream_open_writer(&stream, &writer);
    st = st != SQ_OK ? st : sq_shared_stream_open_reader(&stream, &reader);
    if (st != SQ_OK) {
        fail("set-up", st);
    }
    unsigned sum = bench_loop(&writer, &reader, size);
    /* Every element went through: both published indices moved on by
     * ELEMENTS (mod twice the capacity), and the last batch arrived whole. */
    uint32_t expected = ELEMENTS % (2u * stream.capacity);
    if (sq_atomic_load_acquire(&write_index.value) != expected ||
        sq_atomic_load_acquire(&read_index.value) != expected ||
        memcmp(dst, src, DATA_BYTES / 2u) != 0) {
        fail("elements lost", SQ_ERR_CORRUPT);
    }
    st = sq_shared_stream_detach(&stream);
    if (st != SQ_OK) {
        fail("detach", st);
    }
    printf("stream %u: checksum %u\n", (unsigned)size, sum);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: stream_host_bench <element size>\n");
        return 2;
    }
    size = (uint32_t)strtoul(argv[1], NULL, 10);
    volatile_size = size;
    if (size == 0u || size > DATA_BYTES / 2u || DATA_BYTES % size != 0u) {
        fprintf(stderr, "stream_host_bench: size must divide %u and be at most %u\n",
                DATA_BYTES, DATA_BYTES / 2u);
        return 2;
    }
    for (uint32_t i = 0; i < DATA_BYTES; i++) {
        src[i] = (char)i;
    }
    if (sq_kernel_init() != SQ_OK || sq_kernel_run() != SQ_OK) {
        fail("kernel run", SQ_ERR_STATE);
    }
    return 0;
}
