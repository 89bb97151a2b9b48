/*
 * Typed ring buffer: whole elements only (RB09), available + space ==
 * capacity (RB10), borrowed elements stay put until released (RB11), FIFO
 * order, and every documented error.
 */
#include <squall/typed_ring_buf.h>

#include <stdbool.h>
#include <string.h>

#include "sq_test.h"

struct record {
    uint32_t seq;
    uint16_t kind;
    uint8_t payload[6];
};

static struct record make(uint32_t seq)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.seq = seq;
    r.kind = (uint16_t)(seq * 7u);
    for (unsigned i = 0; i < sizeof r.payload; i++) {
        r.payload[i] = (uint8_t)(seq + i);
    }
    return r;
}

#define CHECK_RB10(rb)                                                             \
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(rb) +                         \
                    sq_typed_ring_buf_space_available(rb),                         \
                sq_typed_ring_buf_capacity(rb))

static void init_rejects_bad_sizes(void **state)
{
    (void)state;
    sq_typed_ring_buf_t rb;
    static char storage[4 * sizeof(struct record)];
    SQ_CHECK_EQ(sq_typed_ring_buf_init(NULL, storage, sizeof storage, sizeof(struct record)),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_typed_ring_buf_init(&rb, NULL, sizeof storage, sizeof(struct record)),
                SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_typed_ring_buf_init(&rb, storage, sizeof storage, 0), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_typed_ring_buf_init(&rb, storage, 0, sizeof(struct record)), SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(sq_typed_ring_buf_init(&rb, storage, sizeof storage - 1, sizeof(struct record)),
                SQ_ERR_NOT_MULTIPLE);
    /* More than SQ_RING_MAX_UNITS one-byte elements would overflow the indices. */
    SQ_CHECK_EQ(sq_typed_ring_buf_init(&rb, storage, (size_t)SQ_RING_MAX_UNITS + 1u, 1),
                SQ_ERR_CAPACITY);
#if SIZE_MAX > 0xFFFFFFFFu
    SQ_CHECK_EQ(sq_typed_ring_buf_init(&rb, storage, (size_t)SQ_RING_MAX_BYTES + 1u, 1),
                SQ_ERR_OVERFLOW);
#endif
    /* A refused init leaves the object as it was. */
    sq_typed_ring_buf_t before;
    memset(&rb, 0x5A, sizeof rb);
    memcpy(&before, &rb, sizeof rb);
    SQ_CHECK_EQ(sq_typed_ring_buf_init(&rb, storage, 7, 2), SQ_ERR_NOT_MULTIPLE);
    SQ_CHECK_MEM_EQ(&rb, &before, sizeof rb);
    SQ_CHECK_EQ(sq_typed_ring_buf_init(&rb, storage, sizeof storage, sizeof(struct record)),
                SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_capacity(&rb), 4);
    SQ_CHECK_EQ(sq_typed_ring_buf_elem_size(&rb), sizeof(struct record));
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&rb), 0);
}

SQ_TYPED_RING_BUF_DEFINE(static_records, sizeof(struct record), 3);

static void static_definition_and_fifo(void **state)
{
    (void)state;
    struct record out;
    SQ_CHECK_EQ(sq_typed_ring_buf_capacity(&static_records), 3);
    for (uint32_t seq = 1; seq <= 3; seq++) {
        struct record in = make(seq);
        SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&static_records, &in), SQ_OK);
        CHECK_RB10(&static_records);
    }
    struct record extra = make(4);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&static_records, &extra), SQ_ERR_FULL);
    for (uint32_t seq = 1; seq <= 3; seq++) {
        struct record want = make(seq);
        SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&static_records, &out), SQ_OK);
        SQ_CHECK_MEM_EQ(&out, &want, sizeof out);
        CHECK_RB10(&static_records);
    }
    SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&static_records, &out), SQ_ERR_EMPTY);
}

static void batch_moves_whole_elements(void **state)
{
    (void)state;
    SQ_TYPED_RING_BUF_DEFINE(rb, sizeof(struct record), 5);
    struct record in[7], out[7];
    uint32_t n = 99;
    for (uint32_t i = 0; i < 7; i++) in[i] = make(i + 10);
    SQ_CHECK_EQ(sq_typed_ring_buf_write(&rb, in, 3, &n), SQ_OK);
    SQ_CHECK_EQ(n, 3);
    SQ_CHECK_EQ(sq_typed_ring_buf_read(&rb, out, 2, &n), SQ_OK);
    SQ_CHECK_EQ(n, 2);
    SQ_CHECK_MEM_EQ(out, in, 2 * sizeof in[0]);
    /* 1 stored; 4 free, and the write wraps around slot 4 -> 0. */
    SQ_CHECK_EQ(sq_typed_ring_buf_write(&rb, in + 3, 4, &n), SQ_OK);
    SQ_CHECK_EQ(n, 4);
    SQ_CHECK_EQ(sq_typed_ring_buf_write(&rb, in, 1, &n), SQ_ERR_FULL);
    SQ_CHECK_EQ(n, 0);
    SQ_CHECK_EQ(sq_typed_ring_buf_read(&rb, out, 7, &n), SQ_OK);
    SQ_CHECK_EQ(n, 5);
    SQ_CHECK_MEM_EQ(out, in + 2, 5 * sizeof in[0]);
    SQ_CHECK_EQ(sq_typed_ring_buf_read(&rb, out, 1, &n), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(n, 0);
    SQ_CHECK_EQ(sq_typed_ring_buf_write(&rb, in, 0, &n), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_typed_ring_buf_read(&rb, out, 0, &n), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_typed_ring_buf_write(&rb, NULL, 1, &n), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_typed_ring_buf_read(&rb, out, 1, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&rb, NULL), SQ_ERR_NULL);
    CHECK_RB10(&rb);
}

static void claim_commit_fills_in_place(void **state)
{
    (void)state;
    SQ_TYPED_RING_BUF_DEFINE(rb, sizeof(struct record), 2);
    void *slot;
    struct record out, in = make(77);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_commit(&rb), SQ_ERR_NOT_CLAIMED);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_claim(&rb, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_claim(&rb, &slot), SQ_OK);
    SQ_CHECK(slot == (void *)rb_storage);
    memcpy(slot, &in, sizeof in);
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&rb), 0);  /* not yet published */
    SQ_CHECK_EQ(sq_typed_ring_buf_write_claim(&rb, &slot), SQ_ERR_CLAIM_PENDING);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, &in), SQ_ERR_CLAIM_PENDING);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_commit(&rb), SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_commit(&rb), SQ_ERR_NOT_CLAIMED);  /* double commit */
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&rb), 1);
    CHECK_RB10(&rb);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&rb, &out), SQ_OK);
    SQ_CHECK_MEM_EQ(&out, &in, sizeof in);
}

static void borrow_is_oldest_and_stable(void **state)
{
    (void)state;
    SQ_TYPED_RING_BUF_DEFINE(rb, sizeof(struct record), 3);
    const void *p;
    void *slot;
    struct record in, out;
    SQ_CHECK_EQ(sq_typed_ring_buf_read_release(&rb), SQ_ERR_NOT_CLAIMED);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_borrow(&rb, &p), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_borrow(&rb, NULL), SQ_ERR_NULL);
    in = make(1);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, &in), SQ_OK);
    in = make(2);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, &in), SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&rb, &out), SQ_OK);  /* oldest is now slot 1 */
    SQ_CHECK_EQ(sq_typed_ring_buf_read_borrow(&rb, &p), SQ_OK);
    SQ_CHECK(p == (const void *)(rb_storage + sizeof(struct record)));
    struct record want = make(2);
    SQ_CHECK_MEM_EQ(p, &want, sizeof want);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_borrow(&rb, &p), SQ_ERR_CLAIM_PENDING);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&rb, &out), SQ_ERR_CLAIM_PENDING);
    /* The writer fills every free slot; the borrowed one is not among them. */
    in = make(3);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, &in), SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_claim(&rb, &slot), SQ_OK);
    SQ_CHECK(slot != p);
    memset(slot, 0xEE, sizeof(struct record));
    SQ_CHECK_EQ(sq_typed_ring_buf_write_commit(&rb), SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, &in), SQ_ERR_FULL);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_claim(&rb, &slot), SQ_ERR_FULL);
    SQ_CHECK_MEM_EQ(p, &want, sizeof want);
    CHECK_RB10(&rb);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_release(&rb), SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_release(&rb), SQ_ERR_NOT_CLAIMED);  /* double release */
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&rb), 2);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&rb, &out), SQ_OK);
    want = make(3);
    SQ_CHECK_MEM_EQ(&out, &want, sizeof want);
}

static void reset_empties_and_drops_claims(void **state)
{
    (void)state;
    SQ_TYPED_RING_BUF_DEFINE(rb, 4, 4);
    const void *p;
    void *slot;
    SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, "abcd"), SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_borrow(&rb, &p), SQ_OK);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_claim(&rb, &slot), SQ_OK);
    sq_typed_ring_buf_reset(&rb);
    SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&rb), 0);
    SQ_CHECK_EQ(sq_typed_ring_buf_space_available(&rb), 4);
    SQ_CHECK_EQ(sq_typed_ring_buf_read_release(&rb), SQ_ERR_NOT_CLAIMED);
    SQ_CHECK_EQ(sq_typed_ring_buf_write_commit(&rb), SQ_ERR_NOT_CLAIMED);
}

/* write_element/read_element for every element size up to past the
 * no-call copy's limit, on a 5-element ring, through every slot and both
 * laps of the indices: each element lands in its slot and nowhere else and
 * comes back out in order with nothing around the caller's buffer written;
 * a full ring refuses a sixth element and is left as it was, an empty one
 * refuses and leaves the caller's buffer alone. */
static void element_every_size_and_slot(void **state)
{
    (void)state;
    enum { CAP = 5, GUARD = 8, MAX_SIZE = 72 };
    static char storage[CAP * MAX_SIZE], before[CAP * MAX_SIZE];
    static char in[MAX_SIZE], out[GUARD + MAX_SIZE + GUARD];
    sq_typed_ring_buf_t rb;
    for (uint32_t size = 1; size <= MAX_SIZE; size++) {
        uint32_t bytes = CAP * size;
        SQ_CHECK_EQ(sq_typed_ring_buf_init(&rb, storage, bytes, size), SQ_OK);
        memset(out, 0x3C, sizeof out);
        SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&rb, out + GUARD), SQ_ERR_EMPTY);
        SQ_CHECK_EQ(out[GUARD], 0x3C);
        /* 2 * CAP + 1 one-element round trips: every slot, both laps. */
        for (uint32_t step = 0; step <= 2u * CAP; step++) {
            uint32_t slot = step % CAP;
            memset(storage, 0x5A, bytes);
            for (uint32_t i = 0; i < size; i++) {
                in[i] = (char)(step * 29u + size + i);
            }
            SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, in), SQ_OK);
            for (uint32_t j = 0; j < bytes; j++) {
                bool mine = j >= slot * size && j < (slot + 1u) * size;
                SQ_CHECK_EQ(storage[j], mine ? in[j - slot * size] : 0x5A);
            }
            memset(out, 0x3C, sizeof out);
            SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&rb, out + GUARD), SQ_OK);
            SQ_CHECK_MEM_EQ(out + GUARD, in, size);
            for (uint32_t i = 0; i < GUARD; i++) {
                SQ_CHECK_EQ(out[i], 0x3C);
                SQ_CHECK_EQ(out[GUARD + size + i], 0x3C);
            }
            SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&rb), 0);
        }
        /* Fill it (starting at slot 1), then a sixth is refused. */
        for (uint32_t e = 0; e < CAP; e++) {
            memset(in, (int)(e + 1u), size);
            SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, in), SQ_OK);
        }
        memcpy(before, storage, bytes);
        memset(in, 0x77, size);
        SQ_CHECK_EQ(sq_typed_ring_buf_write_element(&rb, in), SQ_ERR_FULL);
        SQ_CHECK_MEM_EQ(storage, before, bytes);
        SQ_CHECK_EQ(sq_typed_ring_buf_space_available(&rb), 0);
        for (uint32_t e = 0; e < CAP; e++) {
            SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&rb, out), SQ_OK);
            SQ_CHECK_EQ(out[0], (char)(e + 1u));
            SQ_CHECK_EQ(out[size - 1u], (char)(e + 1u));
        }
        memset(out, 0x3C, sizeof out);
        SQ_CHECK_EQ(sq_typed_ring_buf_read_element(&rb, out), SQ_ERR_EMPTY);
        SQ_CHECK_EQ(out[0], 0x3C);
        CHECK_RB10(&rb);
    }
}

/* Random mix of every call on a 7-element ring, against sequence numbers. */
static void random_run_keeps_fifo_and_rb10(void **state)
{
    (void)state;
    SQ_TYPED_RING_BUF_DEFINE(rb, sizeof(struct record), 7);
    struct record batch[9];
    uint32_t written = 0, read = 0, n, seed = 99u;
    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t op = (seed >> 16) % 6u;
        uint32_t len = 1u + (seed >> 8) % 9u;
        uint32_t used = written - read;
        sq_status_t st;
        if (op == 0u) {
            struct record in = make(written + 1u);
            st = sq_typed_ring_buf_write_element(&rb, &in);
            SQ_CHECK_EQ(st, used == 7u ? SQ_ERR_FULL : SQ_OK);
            written += st == SQ_OK;
        } else if (op == 1u) {
            for (uint32_t i = 0; i < len; i++) batch[i] = make(written + 1u + i);
            st = sq_typed_ring_buf_write(&rb, batch, len, &n);
            uint32_t want = len < 7u - used ? len : 7u - used;
            SQ_CHECK_EQ(st, want == 0u ? SQ_ERR_FULL : SQ_OK);
            SQ_CHECK_EQ(n, want);
            written += n;
        } else if (op == 2u) {
            void *slot;
            st = sq_typed_ring_buf_write_claim(&rb, &slot);
            SQ_CHECK_EQ(st, used == 7u ? SQ_ERR_FULL : SQ_OK);
            if (st == SQ_OK) {
                struct record in = make(written + 1u);
                memcpy(slot, &in, sizeof in);
                SQ_CHECK_EQ(sq_typed_ring_buf_write_commit(&rb), SQ_OK);
                written++;
            }
        } else if (op == 3u) {
            struct record out;
            st = sq_typed_ring_buf_read_element(&rb, &out);
            SQ_CHECK_EQ(st, used == 0u ? SQ_ERR_EMPTY : SQ_OK);
            if (st == SQ_OK) {
                struct record want = make(++read);
                SQ_CHECK_MEM_EQ(&out, &want, sizeof out);
            }
        } else if (op == 4u) {
            st = sq_typed_ring_buf_read(&rb, batch, len, &n);
            uint32_t want = len < used ? len : used;
            SQ_CHECK_EQ(st, want == 0u ? SQ_ERR_EMPTY : SQ_OK);
            SQ_CHECK_EQ(n, want);
            for (uint32_t i = 0; i < n; i++) {
                struct record expect = make(++read);
                SQ_CHECK_MEM_EQ(&batch[i], &expect, sizeof expect);
            }
        } else {
            const void *p;
            st = sq_typed_ring_buf_read_borrow(&rb, &p);
            SQ_CHECK_EQ(st, used == 0u ? SQ_ERR_EMPTY : SQ_OK);
            if (st == SQ_OK) {
                struct record want = make(++read);
                SQ_CHECK_MEM_EQ(p, &want, sizeof want);
                SQ_CHECK_EQ(sq_typed_ring_buf_read_release(&rb), SQ_OK);
            }
        }
        SQ_CHECK_EQ(sq_typed_ring_buf_elements_available(&rb), written - read);
        CHECK_RB10(&rb);
    }
    SQ_CHECK(written > 1000u && read > 1000u);
}

SQ_TEST_MAIN(SQ_TEST(init_rejects_bad_sizes), SQ_TEST(static_definition_and_fifo),
             SQ_TEST(batch_moves_whole_elements), SQ_TEST(claim_commit_fills_in_place),
             SQ_TEST(borrow_is_oldest_and_stable), SQ_TEST(reset_empties_and_drops_claims),
             SQ_TEST(element_every_size_and_slot), SQ_TEST(random_run_keeps_fifo_and_rb10))
