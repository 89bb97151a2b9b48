/*
 * libFuzzer harness: the byte ring (ring_buf.h) and the typed ring
 * (typed_ring_buf.h) against a model FIFO.
 *
 * The input picks the ring's size (valid or not), then a sequence of
 * calls with their lengths, data and NULL arguments, on one side or the
 * other, claims included. After every call the result code, the counts
 * and every byte read, peeked or borrowed must be the model's; a claim
 * must point at the model's next free (oldest stored) position with the
 * model's contiguous length; a refused call must leave the ring's struct
 * as it was; and the queries must agree with the model. The storage sits
 * between poisoned guard bytes, so a byte touched outside it stops the
 * run.
 */
#include <squall/ring_buf.h>
#include <squall/typed_ring_buf.h>
#include "fuzz_common.h"

#define GUARD 64u
#define MAX_STORAGE 512u
#define MAX_LEN 600u

static _Alignas(16) uint8_t arena[GUARD + MAX_STORAGE + GUARD];
static uint8_t *const storage = arena + GUARD;

/* The model: the stored bytes in order, and where the next write and the
 * next read are in the storage (what a claim must point at). Units are
 * bytes for the byte ring, elements for the typed ring. */
static uint8_t fifo[MAX_STORAGE];
static uint32_t used, cap, unit, wpos, rpos;
static bool wclaim, rclaim;
static uint32_t wclaimed, rclaimed; /* units claimed (byte ring) */

static uint8_t buf[MAX_LEN * 16u];

static void model_reset(void)
{
    used = 0u;
    wpos = 0u;
    rpos = 0u;
    wclaim = false;
    rclaim = false;
}

/* n units in at the back, from src. */
static void model_push(const uint8_t *src, uint32_t n)
{
    memcpy(fifo + (size_t)used * unit, src, (size_t)n * unit);
    used += n;
    wpos = (wpos + n) % cap;
}

/* n units out from the front. */
static void model_pop(uint32_t n)
{
    memmove(fifo, fifo + (size_t)n * unit, (size_t)(used - n) * unit);
    used -= n;
    rpos = (rpos + n) % cap;
}

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* A call refused for an outstanding claim or a zero length: either code
 * when both apply, else the one that does. */
static bool refusal_ok(sq_status_t st, bool claim, uint32_t len)
{
    if (!claim) {
        return st == SQ_ERR_ZERO_LENGTH;
    }
    return len != 0u ? st == SQ_ERR_CLAIM_PENDING
                     : st == SQ_ERR_CLAIM_PENDING || st == SQ_ERR_ZERO_LENGTH;
}

/* Storage of n bytes between guards: [arena, storage) and everything
 * after storage + n are guard bytes. */
static void guards_set(uint32_t n)
{
    fz_guard_set(arena, GUARD);
    ASAN_UNPOISON_MEMORY_REGION(storage, n);
    memset(storage, 0x5a, n);
    fz_guard_set(storage + n, sizeof arena - GUARD - n);
}

static void guards_check(uint32_t n)
{
    fz_guard_check(arena, GUARD);
    fz_guard_check(storage + n, sizeof arena - GUARD - n);
}

/* ---- the byte ring ---------------------------------------------------- */

static void byte_ring(fz_in_t *in)
{
    sq_ring_buf_t rb;
    /* Sizes that init must refuse first (with storage that must not be
     * touched), then a valid one. */
    switch (fz_u8(in) % 8u) {
    case 0:
        FZ_CHECK(sq_ring_buf_init(&rb, storage, 0u) == SQ_ERR_CAPACITY);
        break;
    case 1: {
        sq_status_t st = sq_ring_buf_init(&rb, storage, (size_t)SQ_RING_MAX_UNITS + 1u +
                                                            fz_u32(in));
        FZ_CHECK(st == SQ_ERR_CAPACITY || st == SQ_ERR_OVERFLOW);
        break;
    }
    case 2:
        FZ_CHECK(sq_ring_buf_init(&rb, NULL, 16u) == SQ_ERR_NULL);
        FZ_CHECK(sq_ring_buf_init(NULL, storage, 16u) == SQ_ERR_NULL);
        break;
    default:
        break;
    }
    cap = 1u + fz_below(in, 256u);
    unit = 1u;
    guards_set(cap);
    FZ_CHECK(sq_ring_buf_init(&rb, storage, cap) == SQ_OK);
    model_reset();
    char *span = NULL;

    while (fz_more(in)) {
        uint8_t op = fz_u8(in);
        uint32_t len = fz_below(in, 4u) == 0u ? 0u : 1u + fz_below(in, cap + 8u);
        bool null_data = fz_below(in, 32u) == 0u;
        bool null_count = fz_below(in, 32u) == 0u;
        uint32_t count = 0xdeadu;
        sq_ring_buf_t before = rb;
        sq_status_t st;
        switch (op % 11u) {
        case 0: { /* put */
            fz_bytes(in, buf, len);
            st = sq_ring_buf_put(&rb, null_data ? NULL : buf, len, null_count ? NULL : &count);
            if (null_data || null_count) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if (wclaim || len == 0u) {
                FZ_CHECK(refusal_ok(st, wclaim, len) && count == 0u);
            } else if (used == cap) {
                FZ_CHECK(st == SQ_ERR_FULL && count == 0u);
            } else {
                FZ_CHECK(st == SQ_OK);
                FZ_CHECK(count == (len < cap - used ? len : cap - used));
                model_push(buf, count);
            }
            break;
        }
        case 1:   /* get */
        case 2: { /* peek */
            bool peek = op % 11u == 2u;
            memset(buf, 0xee, MAX_LEN);
            st = peek ? sq_ring_buf_peek(&rb, null_data ? NULL : buf, len,
                                         null_count ? NULL : &count)
                      : sq_ring_buf_get(&rb, null_data ? NULL : buf, len,
                                        null_count ? NULL : &count);
            if (null_data || null_count) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if ((!peek && rclaim) || len == 0u) {
                FZ_CHECK(refusal_ok(st, !peek && rclaim, len) && count == 0u);
            } else if (used == 0u) {
                FZ_CHECK(st == SQ_ERR_EMPTY && count == 0u);
            } else {
                FZ_CHECK(st == SQ_OK);
                FZ_CHECK(count == (len < used ? len : used));
                FZ_CHECK(memcmp(buf, fifo, count) == 0);
                FZ_CHECK(count == MAX_LEN || buf[count] == 0xee);
                if (!peek) {
                    model_pop(count);
                }
            }
            break;
        }
        case 3: { /* put_claim, filled with input bytes */
            st = sq_ring_buf_put_claim(&rb, null_data ? NULL : &span, len,
                                       null_count ? NULL : &count);
            if (null_data || null_count) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if (wclaim || len == 0u) {
                FZ_CHECK(refusal_ok(st, wclaim, len) && count == 0u);
            } else if (used == cap) {
                FZ_CHECK(st == SQ_ERR_FULL && count == 0u);
            } else {
                FZ_CHECK(st == SQ_OK);
                FZ_CHECK((uint8_t *)span == storage + wpos);
                FZ_CHECK(count == min3(len, cap - used, cap - wpos));
                wclaim = true;
                wclaimed = count;
                fz_bytes(in, (uint8_t *)span, count);
            }
            break;
        }
        case 4: { /* put_finish */
            uint32_t n = fz_below(in, 3u) == 0u ? wclaimed + fz_below(in, 4u) : fz_below(in, wclaimed + 1u);
            st = sq_ring_buf_put_finish(&rb, n);
            if (!wclaim) {
                FZ_CHECK(st == SQ_ERR_NOT_CLAIMED);
            } else if (n > wclaimed) {
                FZ_CHECK(st == SQ_ERR_RANGE);
            } else {
                FZ_CHECK(st == SQ_OK);
                model_push((const uint8_t *)storage + wpos, n);
                wclaim = false;
            }
            break;
        }
        case 5: { /* get_claim: the span must hold the oldest bytes */
            const char *got = NULL;
            st = sq_ring_buf_get_claim(&rb, null_data ? NULL : (char **)&got, len,
                                       null_count ? NULL : &count);
            if (null_data || null_count) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if (rclaim || len == 0u) {
                FZ_CHECK(refusal_ok(st, rclaim, len) && count == 0u);
            } else if (used == 0u) {
                FZ_CHECK(st == SQ_ERR_EMPTY && count == 0u);
            } else {
                FZ_CHECK(st == SQ_OK);
                FZ_CHECK((const uint8_t *)got == storage + rpos);
                FZ_CHECK(count == min3(len, used, cap - rpos));
                FZ_CHECK(memcmp(got, fifo, count) == 0);
                rclaim = true;
                rclaimed = count;
            }
            break;
        }
        case 6: { /* get_finish: the claimed bytes did not change meanwhile */
            uint32_t n = fz_below(in, 3u) == 0u ? rclaimed + fz_below(in, 4u) : fz_below(in, rclaimed + 1u);
            st = sq_ring_buf_get_finish(&rb, n);
            if (!rclaim) {
                FZ_CHECK(st == SQ_ERR_NOT_CLAIMED);
            } else if (n > rclaimed) {
                FZ_CHECK(st == SQ_ERR_RANGE);
            } else {
                FZ_CHECK(st == SQ_OK);
                FZ_CHECK(memcmp(storage + rpos, fifo, rclaimed) == 0);
                model_pop(n);
                rclaim = false;
            }
            break;
        }
        case 7:
            sq_ring_buf_reset(&rb);
            model_reset();
            st = SQ_OK;
            break;
        default:
            st = SQ_OK;
            break;
        }
        if (st != SQ_OK) {
            FZ_CHECK(memcmp(&before, &rb, sizeof rb) == 0);
        }
        FZ_CHECK(sq_ring_buf_size(&rb) == used);
        FZ_CHECK(sq_ring_buf_space(&rb) == cap - used);
        FZ_CHECK(sq_ring_buf_capacity(&rb) == cap);
        FZ_CHECK(sq_ring_buf_is_empty(&rb) == (used == 0u));
    }
    guards_check(cap);
}

/* ---- the typed ring --------------------------------------------------- */

static void typed_ring(fz_in_t *in)
{
    sq_typed_ring_buf_t rb;
    unit = 1u + fz_below(in, 16u);
    cap = 1u + fz_below(in, MAX_STORAGE / unit);
    /* Refusals first: element size 0, storage not a whole number of
     * elements, no storage. */
    switch (fz_u8(in) % 8u) {
    case 0:
        FZ_CHECK(sq_typed_ring_buf_init(&rb, storage, (size_t)unit * cap, 0u) ==
                 SQ_ERR_ZERO_LENGTH);
        break;
    case 1:
        if (unit > 1u) {
            FZ_CHECK(sq_typed_ring_buf_init(&rb, storage, (size_t)unit * cap + 1u, unit) ==
                     SQ_ERR_NOT_MULTIPLE);
        }
        break;
    case 2:
        FZ_CHECK(sq_typed_ring_buf_init(&rb, storage, 0u, unit) == SQ_ERR_CAPACITY);
        FZ_CHECK(sq_typed_ring_buf_init(&rb, NULL, unit, unit) == SQ_ERR_NULL);
        break;
    case 3: {
        sq_status_t st = sq_typed_ring_buf_init(&rb, storage, (size_t)SQ_RING_MAX_BYTES + 1u, 1u);
        FZ_CHECK(st == SQ_ERR_OVERFLOW || st == SQ_ERR_CAPACITY);
        break;
    }
    default:
        break;
    }
    guards_set(unit * cap);
    FZ_CHECK(sq_typed_ring_buf_init(&rb, storage, (size_t)unit * cap, unit) == SQ_OK);
    model_reset();
    void *slot = NULL;
    const void *borrowed = NULL;

    while (fz_more(in)) {
        uint8_t op = fz_u8(in);
        uint32_t n = fz_below(in, 4u) == 0u ? 0u : 1u + fz_below(in, cap + 4u);
        bool null_arg = fz_below(in, 32u) == 0u;
        bool null_count = fz_below(in, 32u) == 0u;
        uint32_t count = 0xdeadu;
        sq_typed_ring_buf_t before = rb;
        sq_status_t st;
        switch (op % 11u) {
        case 0: /* write_element */
            fz_bytes(in, buf, unit);
            st = sq_typed_ring_buf_write_element(&rb, null_arg ? NULL : buf);
            if (null_arg) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if (wclaim) {
                FZ_CHECK(st == SQ_ERR_CLAIM_PENDING);
            } else if (used == cap) {
                FZ_CHECK(st == SQ_ERR_FULL);
            } else {
                FZ_CHECK(st == SQ_OK);
                model_push(buf, 1u);
            }
            break;
        case 1: /* read_element */
            memset(buf, 0xee, (size_t)unit + 1u);
            st = sq_typed_ring_buf_read_element(&rb, null_arg ? NULL : buf);
            if (null_arg) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if (rclaim) {
                FZ_CHECK(st == SQ_ERR_CLAIM_PENDING);
            } else if (used == 0u) {
                FZ_CHECK(st == SQ_ERR_EMPTY);
            } else {
                FZ_CHECK(st == SQ_OK);
                FZ_CHECK(memcmp(buf, fifo, unit) == 0 && buf[unit] == 0xee);
                model_pop(1u);
            }
            break;
        case 2: /* write n */
            fz_bytes(in, buf, (size_t)n * unit);
            st = sq_typed_ring_buf_write(&rb, null_arg ? NULL : buf, n, null_count ? NULL : &count);
            if (null_arg || null_count) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if (wclaim || n == 0u) {
                FZ_CHECK(refusal_ok(st, wclaim, n) && count == 0u);
            } else if (used == cap) {
                FZ_CHECK(st == SQ_ERR_FULL && count == 0u);
            } else {
                FZ_CHECK(st == SQ_OK && count == (n < cap - used ? n : cap - used));
                model_push(buf, count);
            }
            break;
        case 3: /* read n */
            memset(buf, 0xee, (size_t)(cap + 5u) * unit);
            st = sq_typed_ring_buf_read(&rb, null_arg ? NULL : buf, n, null_count ? NULL : &count);
            if (null_arg || null_count) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if (rclaim || n == 0u) {
                FZ_CHECK(refusal_ok(st, rclaim, n) && count == 0u);
            } else if (used == 0u) {
                FZ_CHECK(st == SQ_ERR_EMPTY && count == 0u);
            } else {
                FZ_CHECK(st == SQ_OK && count == (n < used ? n : used));
                FZ_CHECK(memcmp(buf, fifo, (size_t)count * unit) == 0);
                FZ_CHECK(buf[(size_t)count * unit] == 0xee);
                model_pop(count);
            }
            break;
        case 4: /* write_claim, filled with input bytes */
            st = sq_typed_ring_buf_write_claim(&rb, null_arg ? NULL : &slot);
            if (null_arg) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if (wclaim) {
                FZ_CHECK(st == SQ_ERR_CLAIM_PENDING);
            } else if (used == cap) {
                FZ_CHECK(st == SQ_ERR_FULL);
            } else {
                FZ_CHECK(st == SQ_OK && (uint8_t *)slot == storage + (size_t)wpos * unit);
                fz_bytes(in, slot, unit);
                wclaim = true;
            }
            break;
        case 5: /* write_commit */
            st = sq_typed_ring_buf_write_commit(&rb);
            if (!wclaim) {
                FZ_CHECK(st == SQ_ERR_NOT_CLAIMED);
            } else {
                FZ_CHECK(st == SQ_OK);
                model_push(storage + (size_t)wpos * unit, 1u);
                wclaim = false;
            }
            break;
        case 6: /* read_borrow: the oldest element, in place */
            st = sq_typed_ring_buf_read_borrow(&rb, null_arg ? NULL : &borrowed);
            if (null_arg) {
                FZ_CHECK(st == SQ_ERR_NULL);
            } else if (rclaim) {
                FZ_CHECK(st == SQ_ERR_CLAIM_PENDING);
            } else if (used == 0u) {
                FZ_CHECK(st == SQ_ERR_EMPTY);
            } else {
                FZ_CHECK(st == SQ_OK && (const uint8_t *)borrowed == storage + (size_t)rpos * unit);
                FZ_CHECK(memcmp(borrowed, fifo, unit) == 0);
                rclaim = true;
            }
            break;
        case 7: /* read_release: the borrowed element did not change (RB11) */
            st = sq_typed_ring_buf_read_release(&rb);
            if (!rclaim) {
                FZ_CHECK(st == SQ_ERR_NOT_CLAIMED);
            } else {
                FZ_CHECK(st == SQ_OK && memcmp(borrowed, fifo, unit) == 0);
                model_pop(1u);
                rclaim = false;
            }
            break;
        case 8:
            sq_typed_ring_buf_reset(&rb);
            model_reset();
            st = SQ_OK;
            break;
        default:
            st = SQ_OK;
            break;
        }
        if (st != SQ_OK) {
            FZ_CHECK(memcmp(&before, &rb, sizeof rb) == 0);
        }
        FZ_CHECK(sq_typed_ring_buf_elements_available(&rb) == used);
        FZ_CHECK(sq_typed_ring_buf_space_available(&rb) == cap - used);
        FZ_CHECK(sq_typed_ring_buf_capacity(&rb) == cap);
        FZ_CHECK(sq_typed_ring_buf_elem_size(&rb) == unit);
    }
    guards_check(unit * cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t in = {data, size};
    if (fz_u8(&in) % 2u == 0u) {
        byte_ring(&in);
    } else {
        typed_ring(&in);
    }
    return 0;
}
