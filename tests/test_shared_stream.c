/*
 * Shared stream regions (SS01-SS05) and the kernel-call dispatcher, on the
 * host and on Cortex-M under QEMU.
 *
 * Single-thread tests check every refusal (code, nothing changed), the
 * partitions attach grants, a corrupt peer index and zero copy; the kernel
 * tests move 100,000 records between two threads with blocking waits. On
 * the target the threads are privileged (the supervisor-call gate is not
 * in this build); on the host, where nothing is enforced, the run is also
 * made by SQ_THREAD_USER threads in their domains, checked by the kernel
 * side of wait and notify.
 */
#include <string.h>
#include <squall/shared_stream.h>
#include <squall/thread.h>
#include <squall/user.h>
#include "sq_test.h"

/* The record moved by the two-thread run: 16 bytes. */
typedef struct record {
    uint32_t seq;
    uint32_t square;
    uint32_t inverse;
    uint32_t mixed;
} record_t;

#define CAPACITY 8u
#define RECORDS 100000u

SQ_SHARED_STREAM_DEFINE(stream, record_t, CAPACITY);
/* Four small streams for the table-full case (4-byte elements, 32 bytes). */
SQ_SHARED_STREAM_DEFINE(small0, uint32_t, 8u);
SQ_SHARED_STREAM_DEFINE(small1, uint32_t, 8u);
SQ_SHARED_STREAM_DEFINE(small2, uint32_t, 8u);
SQ_SHARED_STREAM_DEFINE(small3, uint32_t, 8u);

/* Raw pieces for init. */
static _Alignas(128) char raw_data[128];
static sq_stream_index_t raw_windex, raw_rindex, raw_spare[2];
static sq_shared_stream_t raw;

static sq_mem_domain_t dom_w, dom_r, dom_x, dom_y;
/* Other memory a domain can be given (the domain-full cases). */
static _Alignas(64) char filler[4][64];

SQ_USER_THREAD_DEFINE(th_writer, 2048u);
SQ_USER_THREAD_DEFINE(th_reader, 2048u);
SQ_THREAD_DEFINE(th_other, 2048u);

static void reset_all(void)
{
    (void)sq_mem_domain_remove_thread(&th_writer);
    (void)sq_mem_domain_remove_thread(&th_reader);
    /* Detaches whatever an earlier (failed) test left attached. */
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    /* The main stream empty again (its indices back to 0). */
    SQ_CHECK_EQ(sq_shared_stream_init(&stream, stream.data, stream.data_size,
                                      (uint32_t)sizeof(record_t), stream.write_index,
                                      stream.read_index),
                SQ_OK);
    sq_mem_domain_t *all[] = {&dom_w, &dom_r, &dom_x, &dom_y};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        SQ_CHECK_EQ(sq_mem_domain_init(all[i], SQ_MEM_RULE_DEFAULT), SQ_OK);
    }
}

/* Whether d holds exactly the partitions `was` held (same count, same
 * partitions in the same places; slots past the count are not compared). */
static int same_domain(const sq_mem_domain_t *d, const sq_mem_domain_t *was)
{
    if (d->count != was->count) {
        return 0;
    }
    for (uint32_t i = 0; i < d->count; i++) {
        if (d->part[i].base != was->part[i].base || d->part[i].size != was->part[i].size ||
            d->part[i].access != was->part[i].access) {
            return 0;
        }
    }
    return 1;
}

static sq_mem_partition_t filler_part(size_t i, uint32_t access)
{
    sq_mem_partition_t p = SQ_MEM_PARTITION(filler[i], sizeof filler[i], access);
    return p;
}

/* Every refusal of init returns its code and leaves the stream as it was. */
static void test_init_bad_input(void **state)
{
    (void)state;
    reset_all();
    memset(&raw, 0x5c, sizeof raw);
    raw.id = SQ_SHARED_STREAM_DETACHED;
    sq_shared_stream_t before;
    memcpy(&before, &raw, sizeof raw);
    SQ_CHECK_EQ(sq_shared_stream_init(NULL, raw_data, 128u, 16u, &raw_windex, &raw_rindex),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, NULL, 128u, 16u, &raw_windex, &raw_rindex),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, raw_data, 128u, 16u, NULL, &raw_rindex),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, raw_data, 128u, 16u, &raw_windex, NULL),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, raw_data, 128u, 0u, &raw_windex, &raw_rindex),
                SQ_ERR_ZERO_LENGTH);
    /* A region smaller than one element. */
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, raw_data, 15u, 16u, &raw_windex, &raw_rindex),
                SQ_ERR_CAPACITY);
    /* An index off its granule. */
    sq_stream_index_t *off = (sq_stream_index_t *)(void *)((char *)&raw_spare[0] + 4);
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, raw_data, 128u, 16u, off, &raw_rindex),
                SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, raw_data, 128u, 16u, &raw_windex, off),
                SQ_ERR_RANGE);
    /* Overlapping pieces: one index twice, or an index inside the data. */
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, raw_data, 128u, 16u, &raw_windex, &raw_windex),
                SQ_ERR_BUSY);
    sq_stream_index_t *inside = (sq_stream_index_t *)(void *)(raw_data + 32);
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, raw_data, 128u, 16u, inside, &raw_rindex),
                SQ_ERR_BUSY);
    SQ_CHECK_MEM_EQ(&raw, &before, sizeof raw);

    /* Accepted: empty, detached, capacity in whole elements (100 / 16). */
    sq_atomic_store_release(&raw_windex.value, 7u);
    SQ_CHECK_EQ(sq_shared_stream_init(&raw, raw_data, 100u, 16u, &raw_windex, &raw_rindex),
                SQ_OK);
    SQ_CHECK_EQ(raw.capacity, 6u);
    SQ_CHECK_EQ(raw.id, SQ_SHARED_STREAM_DETACHED);
    SQ_CHECK_EQ(sq_atomic_load_acquire(&raw_windex.value), 0u);
    SQ_CHECK_EQ(sq_atomic_load_acquire(&raw_rindex.value), 0u);
    /* Not attached: no end can be opened. */
    sq_stream_end_t e;
    SQ_CHECK_EQ(sq_shared_stream_open_writer(&raw, &e), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_shared_stream_open_reader(&raw, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_shared_stream_detach(&raw), SQ_ERR_STATE);
}

/* Refused attaches change neither domain nor the table; rollback when the
 * second domain refuses. */
static void test_attach_bad_input(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_shared_stream_attach(NULL, &dom_w, &dom_r), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, NULL, &dom_r), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_shared_stream_detach(NULL), SQ_ERR_NULL);
    /* The same domain for both ends. */
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_w), SQ_ERR_INVALID);
    /* Not initialised. */
    memset(&raw, 0, sizeof raw);
    raw.id = SQ_SHARED_STREAM_DETACHED;
    SQ_CHECK_EQ(sq_shared_stream_attach(&raw, &dom_w, &dom_r), SQ_ERR_INVALID);
    SQ_CHECK_EQ(dom_w.count, 0u);

    /* The reader's domain has room for two more partitions only: the
     * writer's three are taken back. */
    for (size_t i = 0; i < 4u; i++) {
        sq_mem_partition_t p = filler_part(i, SQ_MEM_RW);
        SQ_CHECK_EQ(sq_mem_domain_add(&dom_r, &p), SQ_OK);
    }
    sq_mem_partition_t p = filler_part(0, SQ_MEM_RO);
    SQ_CHECK_EQ(sq_mem_domain_add(&dom_w, &p), SQ_OK);
    sq_mem_domain_t w_before, r_before;
    memcpy(&w_before, &dom_w, sizeof dom_w);
    memcpy(&r_before, &dom_r, sizeof dom_r);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_ERR_FULL);
    SQ_CHECK(same_domain(&dom_w, &w_before));
    SQ_CHECK(same_domain(&dom_r, &r_before));
    /* The reader's three were checked before any was written: not even its
     * free slots changed. */
    SQ_CHECK(memcmp(&dom_r, &r_before, sizeof dom_r) == 0);
    SQ_CHECK_EQ(stream.id, SQ_SHARED_STREAM_DETACHED);
    /* The writer's domain full: refused before the reader's is touched. */
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_r, &dom_w), SQ_ERR_FULL);
    SQ_CHECK(same_domain(&dom_w, &w_before));
    SQ_CHECK(same_domain(&dom_r, &r_before));

    /* The reader's domain already holds memory overlapping the data. */
    SQ_CHECK_EQ(sq_mem_domain_init(&dom_r, SQ_MEM_RULE_DEFAULT), SQ_OK);
    sq_mem_partition_t over = SQ_MEM_PARTITION(stream.data, stream.data_size, SQ_MEM_RO);
    SQ_CHECK_EQ(sq_mem_domain_add(&dom_r, &over), SQ_OK);
    memcpy(&r_before, &dom_r, sizeof dom_r);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_ERR_BUSY);
    SQ_CHECK(same_domain(&dom_w, &w_before));
    SQ_CHECK(same_domain(&dom_r, &r_before));

    /* Attached once; a second attach is refused, and detach restores both
     * domains. */
    SQ_CHECK_EQ(sq_mem_domain_init(&dom_r, SQ_MEM_RULE_DEFAULT), SQ_OK);
    memcpy(&r_before, &dom_r, sizeof dom_r);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_OK);
    SQ_CHECK(stream.id < SQ_CONFIG_MAX_SHARED_STREAMS);
    SQ_CHECK_EQ(dom_w.count, w_before.count + 3u);
    SQ_CHECK_EQ(dom_r.count, 3u);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_x, &dom_y), SQ_ERR_STATE);
    SQ_CHECK_EQ(dom_x.count, 0u);
    SQ_CHECK_EQ(sq_shared_stream_init(&stream, stream.data, stream.data_size, 16u,
                                      stream.write_index, stream.read_index),
                SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_OK);
    SQ_CHECK_EQ(stream.id, SQ_SHARED_STREAM_DETACHED);
    SQ_CHECK_EQ(dom_w.count, w_before.count);
    SQ_CHECK_EQ(dom_w.part[0].base, w_before.part[0].base);
    SQ_CHECK_EQ(dom_r.count, 0u);
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_ERR_STATE);
}

/* The table holds SQ_CONFIG_MAX_SHARED_STREAMS streams. */
static void test_table_full(void **state)
{
    (void)state;
    reset_all();
    sq_mem_domain_t extra_w, extra_r;
    SQ_CHECK_EQ(sq_mem_domain_init(&extra_w, SQ_MEM_RULE_DEFAULT), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_init(&extra_r, SQ_MEM_RULE_DEFAULT), SQ_OK);
    /* Two streams per pair of domains (six partitions each). */
    SQ_CHECK_EQ(sq_shared_stream_attach(&small0, &dom_w, &dom_r), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_attach(&small1, &dom_w, &dom_r), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_attach(&small2, &dom_x, &dom_y), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_attach(&small3, &dom_x, &dom_y), SQ_OK);
    SQ_CHECK(small0.id != small1.id && small2.id != small3.id && small0.id != small3.id);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &extra_w, &extra_r), SQ_ERR_FULL);
    SQ_CHECK_EQ(extra_w.count, 0u);
    SQ_CHECK_EQ(extra_r.count, 0u);
    SQ_CHECK_EQ(stream.id, SQ_SHARED_STREAM_DETACHED);
    /* A freed slot is taken again. */
    uint32_t freed = small1.id;
    SQ_CHECK_EQ(sq_shared_stream_detach(&small1), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &extra_w, &extra_r), SQ_OK);
    SQ_CHECK_EQ(stream.id, freed);
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_detach(&small0), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_detach(&small2), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_detach(&small3), SQ_OK);
    SQ_CHECK_EQ(dom_w.count + dom_r.count + dom_x.count + dom_y.count, 0u);
}

/* A new run starts with an empty table: the streams of the last run read
 * detached, and their slots are free. */
static void test_kernel_init_forgets(void **state)
{
    (void)state;
    reset_all();
    sq_shared_stream_t *smalls[] = {&small0, &small1, &small2, &small3};
    sq_mem_domain_t *writers[] = {&dom_w, &dom_w, &dom_x, &dom_x};
    sq_mem_domain_t *readers[] = {&dom_r, &dom_r, &dom_y, &dom_y};
    for (size_t i = 0; i < 4u; i++) {
        SQ_CHECK_EQ(sq_shared_stream_attach(smalls[i], writers[i], readers[i]), SQ_OK);
    }
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    /* Detached: detach refuses, and init takes the stream again. */
    SQ_CHECK_EQ(sq_shared_stream_detach(&small0), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_shared_stream_init(&small0, small0.data, small0.data_size,
                                      (uint32_t)sizeof(uint32_t), small0.write_index,
                                      small0.read_index),
                SQ_OK);
    /* The domains keep their partitions until re-initialised; then every
     * slot of the table is free again. */
    SQ_CHECK_EQ(dom_w.count, 6u);
    sq_mem_domain_t *all[] = {&dom_w, &dom_r, &dom_x, &dom_y};
    for (size_t i = 0; i < 4u; i++) {
        SQ_CHECK_EQ(sq_mem_domain_init(all[i], SQ_MEM_RULE_DEFAULT), SQ_OK);
    }
    for (size_t i = 0; i < 4u; i++) {
        SQ_CHECK_EQ(sq_shared_stream_attach(smalls[i], writers[i], readers[i]), SQ_OK);
    }
    for (size_t i = 0; i < 4u; i++) {
        SQ_CHECK_EQ(sq_shared_stream_detach(smalls[i]), SQ_OK);
    }
}

/* SS01, SS02: what a thread in each domain may do with each piece. */
static void test_access_rules(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&dom_w, &th_writer), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&dom_r, &th_reader), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_OK);
    uintptr_t data = (uintptr_t)stream.data;
    uintptr_t windex = (uintptr_t)stream.write_index;
    uintptr_t rindex = (uintptr_t)stream.read_index;
    size_t dsize = stream.data_size;
    size_t isize = sizeof(sq_stream_index_t);
    /* Writer: data and write index read/write, read index read-only. */
    SQ_CHECK(sq_mem_domain_allows(&th_writer, data, dsize, SQ_MEM_RW));
    SQ_CHECK(sq_mem_domain_allows(&th_writer, windex, isize, SQ_MEM_RW));
    SQ_CHECK(sq_mem_domain_allows(&th_writer, rindex, isize, SQ_MEM_READ));
    SQ_CHECK(!sq_mem_domain_allows(&th_writer, rindex, isize, SQ_MEM_WRITE));
    SQ_CHECK(!sq_mem_domain_allows(&th_writer, rindex, 4u, SQ_MEM_WRITE));
    /* Reader: data and write index read-only, read index read/write. */
    SQ_CHECK(sq_mem_domain_allows(&th_reader, data, dsize, SQ_MEM_READ));
    SQ_CHECK(!sq_mem_domain_allows(&th_reader, data, dsize, SQ_MEM_WRITE));
    SQ_CHECK(!sq_mem_domain_allows(&th_reader, data + 16u, 16u, SQ_MEM_WRITE));
    SQ_CHECK(sq_mem_domain_allows(&th_reader, windex, isize, SQ_MEM_READ));
    SQ_CHECK(!sq_mem_domain_allows(&th_reader, windex, isize, SQ_MEM_WRITE));
    SQ_CHECK(sq_mem_domain_allows(&th_reader, rindex, isize, SQ_MEM_RW));
    /* Nobody executes stream memory. */
    SQ_CHECK(!sq_mem_domain_allows(&th_writer, data, dsize, SQ_MEM_EXEC));
    SQ_CHECK(!sq_mem_domain_allows(&th_reader, data, dsize, SQ_MEM_EXEC));
    /* Detached: neither keeps anything. */
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_OK);
    SQ_CHECK(!sq_mem_domain_allows(&th_writer, data, dsize, SQ_MEM_READ));
    SQ_CHECK(!sq_mem_domain_allows(&th_reader, rindex, isize, SQ_MEM_READ));
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_writer), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_reader), SQ_OK);
}

/* SS05 and zero copy: the slot is in the data, the reader sees the bytes
 * written through the claim at the same address; the ring's refusals. */
static void test_zero_copy(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_OK);
    sq_stream_end_t w, r;
    SQ_CHECK_EQ(sq_shared_stream_open_writer(&stream, &w), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_open_reader(&stream, &r), SQ_OK);
    SQ_CHECK_EQ(sq_stream_writer_claim(NULL, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_stream_writer_claim(&w, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_stream_writer_commit(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_stream_reader_borrow(&r, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_stream_reader_release(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_stream_writer_commit(&w), SQ_ERR_NOT_CLAIMED);
    SQ_CHECK_EQ(sq_stream_reader_release(&r), SQ_ERR_NOT_CLAIMED);
    const void *in;
    SQ_CHECK_EQ(sq_stream_reader_borrow(&r, &in), SQ_ERR_EMPTY);

    for (uint32_t round = 0; round < 3u * CAPACITY; round++) {
        void *out;
        SQ_CHECK_EQ(sq_stream_writer_claim(&w, &out), SQ_OK);
        void *again;
        SQ_CHECK_EQ(sq_stream_writer_claim(&w, &again), SQ_ERR_CLAIM_PENDING);
        /* SS05: a whole slot inside the data, on an element boundary. */
        char *slot = out;
        SQ_CHECK(slot >= stream.data && slot + sizeof(record_t) <= stream.data + stream.data_size);
        SQ_CHECK_EQ((size_t)(slot - stream.data) % sizeof(record_t), 0u);
        record_t rec = {round, round * round, ~round, round ^ 0xa5a5a5a5u};
        memcpy(slot, &rec, sizeof rec);
        SQ_CHECK_EQ(sq_stream_writer_commit(&w), SQ_OK);
        SQ_CHECK_EQ(sq_atomic_load_acquire(&stream.write_index->value),
                    (round + 1u) % (2u * CAPACITY));
        SQ_CHECK_EQ(sq_stream_reader_borrow(&r, &in), SQ_OK);
        SQ_CHECK(in == out);
        SQ_CHECK_MEM_EQ(in, &rec, sizeof rec);
        SQ_CHECK_EQ(sq_stream_reader_borrow(&r, &in), SQ_ERR_CLAIM_PENDING);
        SQ_CHECK_EQ(sq_stream_reader_release(&r), SQ_OK);
        SQ_CHECK_EQ(sq_atomic_load_acquire(&stream.read_index->value),
                    (round + 1u) % (2u * CAPACITY));
    }
    /* Full after CAPACITY commits; a free slot again after one release. */
    for (uint32_t i = 0; i < CAPACITY; i++) {
        void *out;
        SQ_CHECK_EQ(sq_stream_writer_claim(&w, &out), SQ_OK);
        SQ_CHECK_EQ(sq_stream_writer_commit(&w), SQ_OK);
    }
    void *out;
    SQ_CHECK_EQ(sq_stream_writer_claim(&w, &out), SQ_ERR_FULL);
    /* The kernel side sees the same: the writer would wait, the reader not. */
    SQ_CHECK_EQ(sq_stream_writer_wait(&w, SQ_NO_WAIT), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_stream_reader_wait(&r, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_stream_reader_borrow(&r, &in), SQ_OK);
    SQ_CHECK_EQ(sq_stream_reader_release(&r), SQ_OK);
    SQ_CHECK_EQ(sq_stream_writer_wait(&w, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_stream_writer_claim(&w, &out), SQ_OK);

    /* A replacement writer resumes from the published head (its claim was
     * never committed, so it is not there). */
    sq_stream_end_t w2;
    SQ_CHECK_EQ(sq_shared_stream_open_writer(&stream, &w2), SQ_OK);
    void *out2;
    SQ_CHECK_EQ(sq_stream_writer_claim(&w2, &out2), SQ_OK);
    SQ_CHECK(out2 == out);
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_OK);
}

/* SS04: an impossible peer index is refused and the view is unchanged. */
static void test_corrupt_peer(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_OK);
    sq_stream_end_t w, r, before;
    SQ_CHECK_EQ(sq_shared_stream_open_writer(&stream, &w), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_open_reader(&stream, &r), SQ_OK);
    void *out;
    for (int i = 0; i < 2; i++) {
        SQ_CHECK_EQ(sq_stream_writer_claim(&w, &out), SQ_OK);
        SQ_CHECK_EQ(sq_stream_writer_commit(&w), SQ_OK);
    }
    /* The reader's index out of range, then in range but more than a
     * capacity behind the head (head 2, tail 5: 13 stored of 8). */
    const uint32_t bad_tails[] = {2u * CAPACITY, 0xffffffffu, 5u};
    for (size_t i = 0; i < sizeof bad_tails / sizeof bad_tails[0]; i++) {
        sq_atomic_store_release(&stream.read_index->value, bad_tails[i]);
        memcpy(&before, &w, sizeof w);
        SQ_CHECK_EQ(sq_stream_writer_claim(&w, &out), SQ_ERR_CORRUPT);
        SQ_CHECK_MEM_EQ(&w, &before, sizeof w);
        SQ_CHECK_EQ(sq_stream_writer_wait(&w, SQ_NO_WAIT), SQ_ERR_CORRUPT);
    }
    /* The writer's index beyond the reader's by more than the capacity. */
    sq_atomic_store_release(&stream.read_index->value, 0u);
    sq_atomic_store_release(&stream.write_index->value, CAPACITY + 1u);
    memcpy(&before, &r, sizeof r);
    const void *in;
    SQ_CHECK_EQ(sq_stream_reader_borrow(&r, &in), SQ_ERR_CORRUPT);
    SQ_CHECK_MEM_EQ(&r, &before, sizeof r);
    SQ_CHECK_EQ(sq_stream_reader_wait(&r, SQ_NO_WAIT), SQ_ERR_CORRUPT);
    /* Opening over impossible indices: refused, the end untouched. */
    sq_stream_end_t fresh;
    memset(&fresh, 0x77, sizeof fresh);
    memcpy(&before, &fresh, sizeof fresh);
    SQ_CHECK_EQ(sq_shared_stream_open_reader(&stream, &fresh), SQ_ERR_CORRUPT);
    SQ_CHECK_MEM_EQ(&fresh, &before, sizeof fresh);
    /* Once the indices are sane again, both ends go on. */
    sq_atomic_store_release(&stream.write_index->value, 2u);
    SQ_CHECK_EQ(sq_stream_reader_borrow(&r, &in), SQ_OK);
    SQ_CHECK_EQ(sq_stream_reader_release(&r), SQ_OK);
    SQ_CHECK_EQ(sq_stream_writer_claim(&w, &out), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_OK);
}

/* The dispatcher's refusals: unknown call, unknown or detached stream. */
static void test_syscall_refusals(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_syscall(SQ_SYS_COUNT, 0u, 0u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_syscall(0xffffffffu, 0u, 0u), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_syscall(SQ_SYS_STREAM_WAIT, SQ_CONFIG_MAX_SHARED_STREAMS, 0u),
                SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_syscall(SQ_SYS_STREAM_NOTIFY, SQ_SYS_STREAM_READER | 0x7fffu, 0u),
                SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_stream_writer_wait(NULL, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_stream_reader_notify(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_user_yield(), SQ_OK);
    SQ_CHECK_EQ(sq_user_sleep(SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_OK);
    sq_stream_end_t w;
    SQ_CHECK_EQ(sq_shared_stream_open_writer(&stream, &w), SQ_OK);
    SQ_CHECK_EQ(sq_stream_writer_notify(&w), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_OK);
    SQ_CHECK_EQ(sq_stream_writer_notify(&w), SQ_ERR_DESTROYED);
    SQ_CHECK_EQ(sq_stream_writer_wait(&w, SQ_NO_WAIT), SQ_ERR_DESTROYED);
}

/* ---- Two threads ------------------------------------------------------- */

static sq_stream_end_t writer_end, reader_end;
static uint32_t received;
static uint32_t mismatches;
static sq_status_t writer_error, reader_error;

static void writer_main(void *arg)
{
    (void)arg;
    for (uint32_t seq = 0; seq < RECORDS; seq++) {
        void *slot;
        sq_status_t st;
        while ((st = sq_stream_writer_claim(&writer_end, &slot)) == SQ_ERR_FULL) {
            st = sq_stream_writer_wait(&writer_end, SQ_FOREVER);
            if (st != SQ_OK) {
                writer_error = st;
                return;
            }
        }
        if (st != SQ_OK) {
            writer_error = st;
            return;
        }
        record_t *rec = slot;
        rec->seq = seq;
        rec->square = seq * seq;
        rec->inverse = ~seq;
        rec->mixed = seq ^ 0x5a5a5a5au;
        (void)sq_stream_writer_commit(&writer_end);
        (void)sq_stream_writer_notify(&writer_end);
    }
}

static void reader_main(void *arg)
{
    (void)arg;
    for (uint32_t expect = 0; expect < RECORDS; expect++) {
        const void *slot;
        sq_status_t st;
        while ((st = sq_stream_reader_borrow(&reader_end, &slot)) == SQ_ERR_EMPTY) {
            st = sq_stream_reader_wait(&reader_end, SQ_FOREVER);
            if (st != SQ_OK) {
                reader_error = st;
                return;
            }
        }
        if (st != SQ_OK) {
            reader_error = st;
            return;
        }
        const record_t *rec = slot;
        if (rec->seq != expect || rec->square != expect * expect || rec->inverse != ~expect ||
            rec->mixed != (expect ^ 0x5a5a5a5au)) {
            mismatches++;
        }
        received++;
        (void)sq_stream_reader_release(&reader_end);
        (void)sq_stream_reader_notify(&reader_end);
    }
}

/* 100,000 records through an 8-slot stream: exactly once each, in order. */
static void run_two_threads(uint32_t options)
{
    reset_all();
    received = 0u;
    mismatches = 0u;
    writer_error = SQ_OK;
    reader_error = SQ_OK;
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_open_writer(&stream, &writer_end), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_open_reader(&stream, &reader_end), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&dom_w, &th_writer), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&dom_r, &th_reader), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_reader, reader_main, NULL, 5u, options), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_writer, writer_main, NULL, 5u, options), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(writer_error, SQ_OK);
    SQ_CHECK_EQ(reader_error, SQ_OK);
    SQ_CHECK_EQ(received, RECORDS);
    SQ_CHECK_EQ(mismatches, 0u);
    SQ_CHECK_EQ(sq_atomic_load_acquire(&stream.write_index->value), RECORDS % (2u * CAPACITY));
    SQ_CHECK_EQ(sq_atomic_load_acquire(&stream.read_index->value), RECORDS % (2u * CAPACITY));
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_writer), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_reader), SQ_OK);
}

static void test_two_threads_privileged(void **state)
{
    (void)state;
    run_two_threads(0u);
}

#if !defined(SQ_TEST_TARGET)
/* The same by user threads (not enforced on the host, but the kernel side
 * of wait and notify checks the caller's domain). */
static void test_two_threads_user(void **state)
{
    (void)state;
    run_two_threads(SQ_THREAD_USER);
}

static sq_status_t wrong_end_result;

static void wrong_end_main(void *arg)
{
    (void)arg;
    /* A thread of the reader's domain acting as the writer. */
    wrong_end_result = sq_stream_writer_notify(&writer_end);
}

/* A user thread may use only its own domain's end. */
static void test_user_wrong_end(void **state)
{
    (void)state;
    reset_all();
    wrong_end_result = SQ_OK;
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_open_writer(&stream, &writer_end), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&dom_r, &th_reader), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_reader, wrong_end_main, NULL, 5u, SQ_THREAD_USER), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(wrong_end_result, SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_reader), SQ_OK);
}
#define HOST_ONLY_TESTS SQ_TEST(test_two_threads_user), SQ_TEST(test_user_wrong_end),
#else
#define HOST_ONLY_TESTS
#endif

static sq_status_t detached_wait_result;

static void blocked_reader_main(void *arg)
{
    (void)arg;
    detached_wait_result = sq_stream_reader_wait(&reader_end, SQ_FOREVER);
}

static void detacher_main(void *arg)
{
    (void)arg;
    (void)sq_thread_sleep(5u);
    (void)sq_shared_stream_detach(&stream);
}

/* A reader blocked on an empty stream wakes with SQ_ERR_DESTROYED when the
 * stream is detached. */
static void test_detach_wakes_waiter(void **state)
{
    (void)state;
    reset_all();
    detached_wait_result = SQ_OK;
    SQ_CHECK_EQ(sq_shared_stream_attach(&stream, &dom_w, &dom_r), SQ_OK);
    SQ_CHECK_EQ(sq_shared_stream_open_reader(&stream, &reader_end), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_reader, blocked_reader_main, NULL, 5u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_other, detacher_main, NULL, 6u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(detached_wait_result, SQ_ERR_DESTROYED);
    SQ_CHECK_EQ(stream.id, SQ_SHARED_STREAM_DETACHED);
    SQ_CHECK_EQ(dom_w.count + dom_r.count, 0u);
}

SQ_TEST_MAIN(SQ_TEST(test_init_bad_input), SQ_TEST(test_attach_bad_input),
             SQ_TEST(test_table_full), SQ_TEST(test_kernel_init_forgets),
             SQ_TEST(test_access_rules), SQ_TEST(test_zero_copy),
             SQ_TEST(test_corrupt_peer), SQ_TEST(test_syscall_refusals),
             SQ_TEST(test_two_threads_privileged), HOST_ONLY_TESTS
             SQ_TEST(test_detach_wakes_waiter))
