/*
 * Byte ring buffer: behaviour of every call, every documented error, and a
 * long random run checked byte for byte against a reference queue.
 */
#include <squall/ring_buf.h>

#include <string.h>

#include "sq_test.h"

/* Snapshot of everything a failed call must leave alone. */
struct ring_state {
    uint32_t size, space;
    char bytes[64];
};

static void snapshot(sq_ring_buf_t *rb, struct ring_state *s)
{
    uint32_t n = 0;
    memset(s, 0, sizeof *s);
    s->size = sq_ring_buf_size(rb);
    s->space = sq_ring_buf_space(rb);
    if (s->size != 0u && s->size <= sizeof s->bytes) {
        (void)sq_ring_buf_peek(rb, s->bytes, s->size, &n);
    }
}

static int same_state(sq_ring_buf_t *rb, const struct ring_state *before)
{
    struct ring_state now;
    snapshot(rb, &now);
    return memcmp(&now, before, sizeof now) == 0;
}

static void init_rejects_bad_arguments(void **state)
{
    (void)state;
    sq_ring_buf_t rb;
    char storage[8];
    SQ_CHECK_EQ(sq_ring_buf_init(NULL, storage, sizeof storage), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, NULL, sizeof storage), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, 0), SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, (size_t)SQ_RING_MAX_UNITS + 1u), SQ_ERR_CAPACITY);
#if SIZE_MAX > 0xFFFFFFFFu
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, (size_t)SQ_RING_MAX_BYTES + 1u), SQ_ERR_OVERFLOW);
#endif
    /* A refused init leaves the object as it was. */
    sq_ring_buf_t before;
    memset(&rb, 0x5A, sizeof rb);
    memcpy(&before, &rb, sizeof rb);
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, 0), SQ_ERR_CAPACITY);
    SQ_CHECK_MEM_EQ(&rb, &before, sizeof rb);
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_capacity(&rb), 8);
    SQ_CHECK(sq_ring_buf_is_empty(&rb));
}

SQ_RING_BUF_DEFINE(static_ring, 5);

static void static_definition_is_ready(void **state)
{
    (void)state;
    char out[5];
    uint32_t n;
    SQ_CHECK_EQ(sq_ring_buf_capacity(&static_ring), 5);
    SQ_CHECK_EQ(sq_ring_buf_size(&static_ring), 0);
    SQ_CHECK_EQ(sq_ring_buf_put(&static_ring, "hello", 5, &n), SQ_OK);
    SQ_CHECK_EQ(n, 5);
    SQ_CHECK_EQ(sq_ring_buf_get(&static_ring, out, 5, &n), SQ_OK);
    SQ_CHECK_EQ(n, 5);
    SQ_CHECK_MEM_EQ(out, "hello", 5);
}

static void put_get_wraps_at_odd_capacity(void **state)
{
    (void)state;
    sq_ring_buf_t rb;
    char storage[7];
    char out[7];
    uint32_t n;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "abcde", 5, &n), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 4, &n), SQ_OK);
    SQ_CHECK_EQ(n, 4);
    SQ_CHECK_MEM_EQ(out, "abcd", 4);
    /* 1 stored at slot 4; the next 6 bytes run past the end and wrap. */
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "FGHIJK", 6, &n), SQ_OK);
    SQ_CHECK_EQ(n, 6);
    SQ_CHECK_EQ(sq_ring_buf_space(&rb), 0);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 7, &n), SQ_OK);
    SQ_CHECK_EQ(n, 7);
    SQ_CHECK_MEM_EQ(out, "eFGHIJK", 7);
    SQ_CHECK(sq_ring_buf_is_empty(&rb));
}

static void put_stores_what_fits(void **state)
{
    (void)state;
    sq_ring_buf_t rb;
    char storage[4];
    char out[4];
    uint32_t n = 99;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "xyz", 3, &n), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "123", 3, &n), SQ_OK);
    SQ_CHECK_EQ(n, 1);
    SQ_CHECK_EQ(sq_ring_buf_size(&rb), 4);
    struct ring_state before;
    snapshot(&rb, &before);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "!", 1, &n), SQ_ERR_FULL);
    SQ_CHECK_EQ(n, 0);
    SQ_CHECK(same_state(&rb, &before));
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 4, &n), SQ_OK);
    SQ_CHECK_MEM_EQ(out, "xyz1", 4);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 1, &n), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(n, 0);
    SQ_CHECK_EQ(sq_ring_buf_peek(&rb, out, 1, &n), SQ_ERR_EMPTY);
}

static void peek_does_not_consume(void **state)
{
    (void)state;
    sq_ring_buf_t rb;
    char storage[6];
    char out[6] = {0};
    uint32_t n;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "peek", 4, &n), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_peek(&rb, out, 6, &n), SQ_OK);
    SQ_CHECK_EQ(n, 4);
    SQ_CHECK_MEM_EQ(out, "peek", 4);
    SQ_CHECK_EQ(sq_ring_buf_size(&rb), 4);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 2, &n), SQ_OK);
    SQ_CHECK_MEM_EQ(out, "pe", 2);
}

static void zero_length_and_null_are_refused(void **state)
{
    (void)state;
    sq_ring_buf_t rb;
    char storage[6];
    char out[2];
    char *span;
    uint32_t n = 7;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "ab", 2, &n), SQ_OK);
    struct ring_state before;
    snapshot(&rb, &before);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "x", 0, &n), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(n, 0);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 0, &n), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_ring_buf_peek(&rb, out, 0, &n), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_ring_buf_put_claim(&rb, &span, 0, &n), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_ring_buf_get_claim(&rb, &span, 0, &n), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, NULL, 1, &n), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "x", 1, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, NULL, 1, &n), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_ring_buf_peek(&rb, out, 1, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_ring_buf_put_claim(&rb, NULL, 1, &n), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_ring_buf_get_claim(&rb, &span, 1, NULL), SQ_ERR_NULL);
    SQ_CHECK(same_state(&rb, &before));
}

static void claims_hand_out_contiguous_spans(void **state)
{
    (void)state;
    sq_ring_buf_t rb;
    char storage[8];
    char out[8];
    char *span;
    uint32_t n;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "012345", 6, &n), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 5, &n), SQ_OK);
    /* Write position is slot 6: only 2 contiguous bytes before the end. */
    SQ_CHECK_EQ(sq_ring_buf_put_claim(&rb, &span, 8, &n), SQ_OK);
    SQ_CHECK_EQ(n, 2);
    SQ_CHECK(span == storage + 6);
    memcpy(span, "ab", 2);
    SQ_CHECK_EQ(sq_ring_buf_put_finish(&rb, 2), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put_claim(&rb, &span, 8, &n), SQ_OK);
    SQ_CHECK_EQ(n, 5);
    SQ_CHECK(span == storage);
    memcpy(span, "cd", 2);
    SQ_CHECK_EQ(sq_ring_buf_put_finish(&rb, 2), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_size(&rb), 5);
    /* Read side: "5ab" up to the end, then "cd" from the start. */
    SQ_CHECK_EQ(sq_ring_buf_get_claim(&rb, &span, 8, &n), SQ_OK);
    SQ_CHECK_EQ(n, 3);
    SQ_CHECK_MEM_EQ(span, "5ab", 3);
    SQ_CHECK_EQ(sq_ring_buf_get_finish(&rb, 3), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_get_claim(&rb, &span, 8, &n), SQ_OK);
    SQ_CHECK_EQ(n, 2);
    SQ_CHECK_MEM_EQ(span, "cd", 2);
    SQ_CHECK_EQ(sq_ring_buf_get_finish(&rb, 2), SQ_OK);
    SQ_CHECK(sq_ring_buf_is_empty(&rb));
}

static void claim_misuse_is_refused(void **state)
{
    (void)state;
    sq_ring_buf_t rb;
    char storage[8];
    char out[8];
    char *span;
    uint32_t n;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put_finish(&rb, 1), SQ_ERR_NOT_CLAIMED);
    SQ_CHECK_EQ(sq_ring_buf_get_finish(&rb, 1), SQ_ERR_NOT_CLAIMED);
    SQ_CHECK_EQ(sq_ring_buf_get_claim(&rb, &span, 1, &n), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(n, 0);

    SQ_CHECK_EQ(sq_ring_buf_put_claim(&rb, &span, 4, &n), SQ_OK);
    SQ_CHECK_EQ(n, 4);
    memcpy(span, "wxyz", 4);
    SQ_CHECK_EQ(sq_ring_buf_put_claim(&rb, &span, 1, &n), SQ_ERR_CLAIM_PENDING);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "q", 1, &n), SQ_ERR_CLAIM_PENDING);
    SQ_CHECK_EQ(sq_ring_buf_put_finish(&rb, 5), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_ring_buf_size(&rb), 0);          /* nothing published yet */
    SQ_CHECK_EQ(sq_ring_buf_put_finish(&rb, 3), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put_finish(&rb, 3), SQ_ERR_NOT_CLAIMED); /* double finish */
    SQ_CHECK_EQ(sq_ring_buf_size(&rb), 3);

    SQ_CHECK_EQ(sq_ring_buf_get_claim(&rb, &span, 8, &n), SQ_OK);
    SQ_CHECK_EQ(n, 3);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 1, &n), SQ_ERR_CLAIM_PENDING);
    SQ_CHECK_EQ(sq_ring_buf_get_claim(&rb, &span, 1, &n), SQ_ERR_CLAIM_PENDING);
    SQ_CHECK_EQ(sq_ring_buf_peek(&rb, out, 3, &n), SQ_OK);  /* peeking is harmless */
    SQ_CHECK_MEM_EQ(out, "wxy", 3);
    SQ_CHECK_EQ(sq_ring_buf_get_finish(&rb, 4), SQ_ERR_RANGE);
    SQ_CHECK_EQ(sq_ring_buf_get_finish(&rb, 0), SQ_OK);     /* abandon: keeps the data */
    SQ_CHECK_EQ(sq_ring_buf_size(&rb), 3);
    SQ_CHECK_EQ(sq_ring_buf_put_claim(&rb, &span, 8, &n), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put_finish(&rb, 0), SQ_OK);     /* abandon: stores nothing */
    SQ_CHECK_EQ(sq_ring_buf_size(&rb), 3);
}

static void reset_empties_and_drops_claims(void **state)
{
    (void)state;
    sq_ring_buf_t rb;
    char storage[4];
    char *span;
    uint32_t n;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "ab", 2, &n), SQ_OK);
    SQ_CHECK_EQ(sq_ring_buf_put_claim(&rb, &span, 1, &n), SQ_OK);
    sq_ring_buf_reset(&rb);
    SQ_CHECK(sq_ring_buf_is_empty(&rb));
    SQ_CHECK_EQ(sq_ring_buf_space(&rb), 4);
    SQ_CHECK_EQ(sq_ring_buf_put_finish(&rb, 1), SQ_ERR_NOT_CLAIMED);
}

/* put/get of every length up to past the no-call copy's limit, starting at
 * every offset of the storage: the bytes land in their slots and nowhere
 * else, come back out in order, and nothing around the caller's buffer is
 * written. Short spans that end before the storage does take the path that
 * checks once and copies with no call; the rest wrap or are wide. */
static void short_put_get_every_length_and_offset(void **state)
{
    (void)state;
    enum { CAP = 75, GUARD = 8, MAX_LEN = 70 };
    static char storage[CAP];
    static char in[MAX_LEN], out[GUARD + MAX_LEN + GUARD];
    sq_ring_buf_t rb;
    uint32_t n;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    for (uint32_t len = 1; len <= MAX_LEN; len++) {
        for (uint32_t off = 0; off < CAP; off++) {
            /* Empty, with both positions at off. */
            sq_ring_buf_reset(&rb);
            for (uint32_t i = 0; i < off; i++) {
                SQ_CHECK_EQ(sq_ring_buf_put(&rb, "x", 1, &n), SQ_OK);
                SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 1, &n), SQ_OK);
            }
            memset(storage, 0x5A, sizeof storage);
            for (uint32_t i = 0; i < len; i++) {
                in[i] = (char)(len * 31u + i);
            }
            SQ_CHECK_EQ(sq_ring_buf_put(&rb, in, len, &n), SQ_OK);
            SQ_CHECK_EQ(n, len);
            for (uint32_t j = 0; j < CAP; j++) {
                uint32_t k = (j + CAP - off) % CAP;  /* j's place from off */
                SQ_CHECK_EQ(storage[j], k < len ? in[k] : 0x5A);
            }
            memset(out, 0x3C, sizeof out);
            SQ_CHECK_EQ(sq_ring_buf_get(&rb, out + GUARD, len, &n), SQ_OK);
            SQ_CHECK_EQ(n, len);
            SQ_CHECK_MEM_EQ(out + GUARD, in, len);
            for (uint32_t i = 0; i < GUARD; i++) {
                SQ_CHECK_EQ(out[i], 0x3C);
                SQ_CHECK_EQ(out[GUARD + len + i], 0x3C);
            }
            SQ_CHECK(sq_ring_buf_is_empty(&rb));
        }
    }
}

/* The short paths' refusals and partial moves: a put that fits in part
 * stores what fits, a full ring refuses and is left as it was, an empty one
 * refuses and leaves the caller's buffer alone, a get of more than is
 * stored takes what is there. */
static void short_paths_refuse_full_and_empty(void **state)
{
    (void)state;
    sq_ring_buf_t rb;
    char storage[8];
    char out[8];
    uint32_t n = 99;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    memset(out, 0x3C, sizeof out);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 1, &n), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(n, 0);
    SQ_CHECK_EQ(out[0], 0x3C);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "abcdef", 6, &n), SQ_OK);
    SQ_CHECK_EQ(n, 6);
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "ghij", 4, &n), SQ_OK);
    SQ_CHECK_EQ(n, 2);
    struct ring_state before;
    snapshot(&rb, &before);
    n = 99;
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "k", 1, &n), SQ_ERR_FULL);
    SQ_CHECK_EQ(n, 0);
    SQ_CHECK(same_state(&rb, &before));
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 3, &n), SQ_OK);
    SQ_CHECK_EQ(n, 3);
    SQ_CHECK_MEM_EQ(out, "abc", 3);
    /* Three free, from the start of storage again: the put lands in slot 0. */
    SQ_CHECK_EQ(sq_ring_buf_put(&rb, "k", 1, &n), SQ_OK);
    SQ_CHECK_EQ(n, 1);
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 8, &n), SQ_OK);
    SQ_CHECK_EQ(n, 6);
    SQ_CHECK_MEM_EQ(out, "defghk", 6);
    n = 99;
    SQ_CHECK_EQ(sq_ring_buf_get(&rb, out, 1, &n), SQ_ERR_EMPTY);
    SQ_CHECK_EQ(n, 0);
}

/* Random mix of every call against a reference FIFO, on a 13-byte ring. */
static void random_run_matches_reference(void **state)
{
    (void)state;
    enum { CAP = 13 };
    static char model[4096];
    sq_ring_buf_t rb;
    char storage[CAP];
    char buf[CAP + 3];
    char *span;
    uint32_t head = 0, tail = 0, n, seed = 12345u;
    char next = 0;
    SQ_CHECK_EQ(sq_ring_buf_init(&rb, storage, sizeof storage), SQ_OK);
    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t op = (seed >> 16) % 6u;
        uint32_t len = 1u + (seed >> 8) % (CAP + 2u);
        uint32_t used = head - tail;
        sq_status_t st;
        if (op == 0u || op == 1u) {                 /* put */
            for (uint32_t i = 0; i < len; i++) buf[i] = (char)(next + i);
            st = sq_ring_buf_put(&rb, buf, len, &n);
            uint32_t want = len < CAP - used ? len : CAP - used;
            SQ_CHECK_EQ(st, want == 0u ? SQ_ERR_FULL : SQ_OK);
            SQ_CHECK_EQ(n, want);
            for (uint32_t i = 0; i < n; i++) model[(head + i) % sizeof model] = buf[i];
            head += n;
            next = (char)(next + n);
        } else if (op == 2u) {                      /* claim/finish write */
            st = sq_ring_buf_put_claim(&rb, &span, len, &n);
            SQ_CHECK_EQ(st, used == CAP ? SQ_ERR_FULL : SQ_OK);
            if (st == SQ_OK) {
                uint32_t keep = n - (seed >> 4) % (n + 1u) / 2u;
                for (uint32_t i = 0; i < n; i++) span[i] = (char)(next + i);
                SQ_CHECK_EQ(sq_ring_buf_put_finish(&rb, keep), SQ_OK);
                for (uint32_t i = 0; i < keep; i++) model[(head + i) % sizeof model] = (char)(next + i);
                head += keep;
                next = (char)(next + keep);
            }
        } else if (op == 3u || op == 4u) {          /* get or peek */
            bool peek = op == 4u && (seed & 1u);
            st = peek ? sq_ring_buf_peek(&rb, buf, len, &n) : sq_ring_buf_get(&rb, buf, len, &n);
            uint32_t want = len < used ? len : used;
            SQ_CHECK_EQ(st, want == 0u ? SQ_ERR_EMPTY : SQ_OK);
            SQ_CHECK_EQ(n, want);
            for (uint32_t i = 0; i < n; i++) SQ_CHECK_EQ(buf[i], model[(tail + i) % sizeof model]);
            if (!peek) tail += n;
        } else {                                    /* claim/finish read */
            st = sq_ring_buf_get_claim(&rb, &span, len, &n);
            SQ_CHECK_EQ(st, used == 0u ? SQ_ERR_EMPTY : SQ_OK);
            if (st == SQ_OK) {
                for (uint32_t i = 0; i < n; i++) SQ_CHECK_EQ(span[i], model[(tail + i) % sizeof model]);
                uint32_t take = n - (seed >> 4) % (n + 1u) / 2u;
                SQ_CHECK_EQ(sq_ring_buf_get_finish(&rb, take), SQ_OK);
                tail += take;
            }
        }
        SQ_CHECK_EQ(sq_ring_buf_size(&rb), head - tail);
        SQ_CHECK_EQ(sq_ring_buf_size(&rb) + sq_ring_buf_space(&rb), CAP);
        SQ_CHECK_EQ(sq_ring_buf_is_empty(&rb), head == tail);
    }
}

SQ_TEST_MAIN(SQ_TEST(init_rejects_bad_arguments), SQ_TEST(static_definition_is_ready),
             SQ_TEST(put_get_wraps_at_odd_capacity), SQ_TEST(put_stores_what_fits),
             SQ_TEST(peek_does_not_consume), SQ_TEST(zero_length_and_null_are_refused),
             SQ_TEST(claims_hand_out_contiguous_spans), SQ_TEST(claim_misuse_is_refused),
             SQ_TEST(reset_empties_and_drops_claims),
             SQ_TEST(short_put_get_every_length_and_offset),
             SQ_TEST(short_paths_refuse_full_and_empty), SQ_TEST(random_run_matches_reference))
