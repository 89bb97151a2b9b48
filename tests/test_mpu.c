/*
 * MPU encoding (include/squall/mpu.h): register values worked out by hand
 * from the ARMv7-M and ARMv8-M manuals' field layouts, decode round trips
 * (MPU01, MPU02, MPU04), whole domains (MPU03), and every refusal with the
 * output left as it was. Each test runs both encodings through one pair of
 * adapters that see a region as its two register words.
 */
#include <squall/mpu.h>

#include "sq_test.h"

#define V7 SQ_MEM_RULE_PMSAV7
#define V8 SQ_MEM_RULE_PMSAV8

/* What an output holds before a call; a refused call must leave it. */
#define SENTINEL 0xA5A5A5A5u

/* RBAR, then RASR (PMSAv7) or RLAR (PMSAv8). */
typedef struct words {
    uint32_t rbar;
    uint32_t second;
} words_t;

static const words_t sentinel_words = {SENTINEL, SENTINEL};

/* sq_mpu_v7_region or sq_mpu_v8_region; w goes in and comes back out. */
static sq_status_t region(sq_mem_rule_t rule, uintptr_t base, uint32_t size, uint32_t access,
                          words_t *w)
{
    sq_status_t st;
    if (rule == V7) {
        sq_mpu_v7_region_t r = {w->rbar, w->second};
        st = sq_mpu_v7_region(base, size, access, &r);
        *w = (words_t){r.rbar, r.rasr};
    } else {
        sq_mpu_v8_region_t r = {w->rbar, w->second};
        st = sq_mpu_v8_region(base, size, access, &r);
        *w = (words_t){r.rbar, r.rlar};
    }
    return st;
}

#define ROOM_MAX (SQ_CONFIG_MAX_PARTITIONS + 1u)

/* sq_mpu_v7_encode or sq_mpu_v8_encode (`encoder`) into out[0 .. room-1]
 * (room <= ROOM_MAX); out NULL is passed on as NULL. */
static sq_status_t encode(sq_mem_rule_t encoder, const sq_mem_domain_t *d, words_t *out,
                          uint32_t room, uint32_t *count)
{
    sq_mpu_v7_region_t r7[ROOM_MAX];
    sq_mpu_v8_region_t r8[ROOM_MAX];
    for (uint32_t i = 0; out != NULL && i < room; i++) {
        r7[i] = (sq_mpu_v7_region_t){out[i].rbar, out[i].second};
        r8[i] = (sq_mpu_v8_region_t){out[i].rbar, out[i].second};
    }
    sq_status_t st = encoder == V7 ? sq_mpu_v7_encode(d, out == NULL ? NULL : r7, room, count)
                                   : sq_mpu_v8_encode(d, out == NULL ? NULL : r8, room, count);
    for (uint32_t i = 0; out != NULL && i < room; i++) {
        out[i] = encoder == V7 ? (words_t){r7[i].rbar, r7[i].rasr}
                               : (words_t){r8[i].rbar, r8[i].rlar};
    }
    return st;
}

/* A region as the MPU reads it. */
typedef struct decoded {
    uint64_t base;
    uint64_t size;
    int enabled;
    int user_read;
    int user_write;
    int user_exec;
    int priv_write;
    int device;
} decoded_t;

static decoded_t decode(sq_mem_rule_t rule, words_t w)
{
    decoded_t d;
    if (rule == V7) {
        uint32_t ap = (w.second >> 24) & 7u;
        uint32_t tex = (w.second >> 19) & 7u;
        uint32_t c = (w.second >> 17) & 1u;
        uint32_t b = (w.second >> 16) & 1u;
        d.size = 1ull << (((w.second >> 1) & 31u) + 1u);
        d.base = w.rbar & ~(uint32_t)(d.size - 1u);
        /* A disabled subregion would shrink the region. */
        d.enabled = (w.second & 1u) != 0u && ((w.second >> 8) & 0xFFu) == 0u;
        d.user_read = ap == 2u || ap == 3u || ap == 6u || ap == 7u;
        d.user_write = ap == 3u;
        d.user_exec = d.user_read && (w.second & (1u << 28)) == 0u;
        d.priv_write = ap == 1u || ap == 2u || ap == 3u;
        d.device = tex == 0u && c == 0u && b == 1u;
    } else {
        uint32_t ap = (w.rbar >> 1) & 3u;
        uint32_t attr_index = (w.second >> 1) & 7u;
        /* MAIR0 holds attributes 0-3, a byte each; 0x0? is Device. */
        uint32_t attr = (SQ_MPU_V8_MAIR0 >> (8u * attr_index)) & 0xFFu;
        d.base = w.rbar & ~31u;
        d.size = (uint64_t)(w.second | 31u) + 1u - d.base;
        d.enabled = (w.second & 1u) != 0u;
        d.user_read = ap == 1u || ap == 3u;
        d.user_write = ap == 1u;
        d.user_exec = d.user_read && (w.rbar & 1u) == 0u;
        d.priv_write = ap == 0u || ap == 1u;
        d.device = attr_index < 4u && (attr & 0xF0u) == 0u;
    }
    return d;
}

/* MPU01 and MPU02: exactly [base, base + size), readable, writable and
 * executable as `access` says, Device iff it says so. */
static int decodes_to(sq_mem_rule_t rule, words_t w, uintptr_t base, uint32_t size,
                      uint32_t access)
{
    decoded_t got = decode(rule, w);
    return got.enabled && got.base == base && got.size == size && got.user_read &&
           got.user_write == ((access & SQ_MEM_WRITE) != 0u) &&
           got.user_exec == ((access & SQ_MEM_EXEC) != 0u) &&
           got.device == ((access & SQ_MEM_DEVICE) != 0u);
}

static void known_values(void **state)
{
    (void)state;
    static const struct {
        sq_mem_rule_t rule;
        uint32_t base, size, access;
        words_t want;
    } known[] = {
        /* 32 B RW: XN, AP 011, TEX 000 C 1 B 1, SIZE 4, ENABLE. */
        {V7, 0x20000000u, 32u, SQ_MEM_RW, {0x20000000u, 0x13030009u}},
        /* 4 KiB RO: XN, AP 010, SIZE 11. */
        {V7, 0x20001000u, 4096u, SQ_MEM_RO, {0x20001000u, 0x12030017u}},
        /* 4 MiB RX at 0: no XN, AP 010, SIZE 21. */
        {V7, 0u, 0x400000u, SQ_MEM_RX, {0x00000000u, 0x0203002Bu}},
        /* 4 KiB device RW: XN, AP 011, TEX 000 S 1 C 0 B 1. */
        {V7, 0x40000000u, 4096u, SQ_MEM_RW | SQ_MEM_DEVICE, {0x40000000u, 0x13050017u}},
        /* The largest: 2 GiB RWX, SIZE 30. */
        {V7, 0x80000000u, 0x80000000u, SQ_MEM_RWX, {0x80000000u, 0x0303003Du}},
        /* 32 B RW: AP 01, XN; LIMIT = base, AttrIndx 0, EN. */
        {V8, 0x20000000u, 32u, SQ_MEM_RW, {0x20000003u, 0x20000001u}},
        /* 4 KiB RO: AP 11, XN; LIMIT 0x20001FE0. */
        {V8, 0x20001000u, 4096u, SQ_MEM_RO, {0x20001007u, 0x20001FE1u}},
        /* 4 MiB RX at 0: AP 11, no XN. */
        {V8, 0u, 0x400000u, SQ_MEM_RX, {0x00000006u, 0x003FFFE1u}},
        /* 4 KiB device RW: AttrIndx 1. */
        {V8, 0x40000000u, 4096u, SQ_MEM_RW | SQ_MEM_DEVICE, {0x40000003u, 0x40000FE3u}},
        /* Not a power of two: 96 B at a 32-byte boundary. */
        {V8, 0x20000020u, 96u, SQ_MEM_RW, {0x20000023u, 0x20000061u}},
        /* The last granule of the address space: the limit does not wrap. */
        {V8, 0xFFFFFFE0u, 32u, SQ_MEM_RO, {0xFFFFFFE7u, 0xFFFFFFE1u}},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        words_t w = sentinel_words;
        SQ_CHECK_EQ(region(known[i].rule, known[i].base, known[i].size, known[i].access, &w),
                    SQ_OK);
        SQ_CHECK_EQ(w.rbar, known[i].want.rbar);
        SQ_CHECK_EQ(w.second, known[i].want.second);
    }
}

/* The MAIR0 value the port programs: attribute 0 normal write-back
 * read/write-allocate (0xFF), attribute 1 Device-nGnRnE (0x00). */
static void v8_mair0_attributes(void **state)
{
    (void)state;
    SQ_CHECK_EQ(SQ_MPU_V8_MAIR0 & 0xFFu, 0xFFu);
    SQ_CHECK_EQ((SQ_MPU_V8_MAIR0 >> 8) & 0xFFu, 0x00u);
}

/* Every access form at [base, base + size) decodes back (MPU01, MPU02);
 * PMSAv7 regions keep privileged write (MPU04) and VALID/REGION 0. */
static int round_trips(sq_mem_rule_t rule, uintptr_t base, uint32_t size)
{
    static const uint32_t accesses[] = {
        SQ_MEM_RO, SQ_MEM_RW, SQ_MEM_RX, SQ_MEM_RWX,
        SQ_MEM_RO | SQ_MEM_DEVICE, SQ_MEM_RW | SQ_MEM_DEVICE,
    };
    for (size_t a = 0; a < sizeof accesses / sizeof accesses[0]; a++) {
        words_t w = sentinel_words;
        if (region(rule, base, size, accesses[a], &w) != SQ_OK ||
            !decodes_to(rule, w, base, size, accesses[a])) {
            return 0;
        }
        if (rule == V7 && (!decode(rule, w).priv_write || (w.rbar & 31u) != 0u)) {
            return 0;
        }
    }
    return 1;
}

static void decode_round_trips(void **state)
{
    (void)state;
    /* PMSAv7: every power-of-two size, at 0 and at the highest base. */
    for (uint32_t log2 = 5u; log2 <= 31u; log2++) {
        uint32_t size = 1u << log2;
        SQ_CHECK(round_trips(V7, 0u, size));
        SQ_CHECK(round_trips(V7, (uintptr_t)(0x100000000ull - size), size));
    }
    /* PMSAv8: granule multiples, at 0, at 32 and at the highest base. */
    static const uint32_t sizes[] = {32u, 64u, 96u, 4064u, 4096u, 0x10000u, 0x7FFFFFE0u,
                                     0x80000000u, 0xFFFFFFE0u};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        SQ_CHECK(round_trips(V8, 0u, sizes[s]));
        SQ_CHECK(round_trips(V8, 32u, sizes[s]));
        SQ_CHECK(round_trips(V8, (uintptr_t)(0x100000000ull - sizes[s]), sizes[s]));
    }
}

static void region_refusals_change_nothing(void **state)
{
    (void)state;
    static const struct {
        sq_mem_rule_t rule;
        uint32_t base, size, access;
        sq_status_t want;
    } bad[] = {
        /* Access neither MPU can express, or with unknown bits. */
        {V7, 0x20000000u, 32u, 0u, SQ_ERR_INVALID},
        {V7, 0x20000000u, 32u, SQ_MEM_WRITE, SQ_ERR_INVALID},
        {V7, 0x20000000u, 32u, SQ_MEM_EXEC, SQ_ERR_INVALID},
        {V7, 0x20000000u, 32u, SQ_MEM_WRITE | SQ_MEM_EXEC | SQ_MEM_DEVICE, SQ_ERR_INVALID},
        {V7, 0x20000000u, 32u, 0x10u | SQ_MEM_RO, SQ_ERR_INVALID},
        {V8, 0x20000000u, 32u, SQ_MEM_DEVICE, SQ_ERR_INVALID},
        {V8, 0x20000000u, 32u, SQ_MEM_WRITE | SQ_MEM_DEVICE, SQ_ERR_INVALID},
        {V8, 0x20000000u, 32u, 0x80000000u | SQ_MEM_RW, SQ_ERR_INVALID},
        {V8, 0x20000000u, 32u, 0xFFFFFFFFu, SQ_ERR_INVALID},
        /* Device memory is never executable. */
        {V7, 0x40000000u, 32u, SQ_MEM_RX | SQ_MEM_DEVICE, SQ_ERR_INVALID},
        {V8, 0x40000000u, 32u, SQ_MEM_RWX | SQ_MEM_DEVICE, SQ_ERR_INVALID},
        /* A bad access is reported before a bad range. */
        {V7, 0x20000001u, 33u, 0u, SQ_ERR_INVALID},
        {V8, 0x20000001u, 33u, 0u, SQ_ERR_INVALID},
        /* PMSAv7 sizes: zero, below 32, not a power of two, above 2 GiB. */
        {V7, 0u, 0u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0u, 16u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0u, 31u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0u, 48u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0u, 96u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0u, 4095u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0u, 4097u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0u, 0xC0000000u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0u, 0xFFFFFFFFu, SQ_MEM_RW, SQ_ERR_RANGE},
        /* PMSAv7 base not a multiple of the size (but of 32). */
        {V7, 0x20000800u, 4096u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0x20000020u, 64u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V7, 0x40000000u, 0x80000000u, SQ_MEM_RW, SQ_ERR_RANGE},
        /* PMSAv8 sizes: zero, below 32, not a multiple of 32. */
        {V8, 0u, 0u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V8, 0u, 16u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V8, 0u, 33u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V8, 0u, 48u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V8, 0u, 0xFFFFFFFFu, SQ_MEM_RW, SQ_ERR_RANGE},
        /* PMSAv8 base not a multiple of 32. */
        {V8, 0x20000010u, 32u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V8, 0x20000001u, 64u, SQ_MEM_RW, SQ_ERR_RANGE},
        /* PMSAv8 past the end of the address space. */
        {V8, 0xFFFFFFE0u, 64u, SQ_MEM_RW, SQ_ERR_RANGE},
        {V8, 0x80000000u, 0xFFFFFFE0u, SQ_MEM_RW, SQ_ERR_RANGE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        words_t w = sentinel_words;
        SQ_CHECK_EQ(region(bad[i].rule, bad[i].base, bad[i].size, bad[i].access, &w),
                    bad[i].want);
        SQ_CHECK_EQ(w.rbar, SENTINEL);
        SQ_CHECK_EQ(w.second, SENTINEL);
    }
    SQ_CHECK_EQ(sq_mpu_v7_region(0x20000000u, 32u, SQ_MEM_RW, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mpu_v8_region(0x20000000u, 32u, SQ_MEM_RW, NULL), SQ_ERR_NULL);
#if UINTPTR_MAX > 0xFFFFFFFFu
    /* Beyond the 32-bit address space (only a 64-bit host can say it). */
    for (sq_mem_rule_t rule = V7; rule <= V8; rule++) {
        words_t w = sentinel_words;
        SQ_CHECK_EQ(region(rule, (uintptr_t)0x100000000ull, 32u, SQ_MEM_RW, &w), SQ_ERR_RANGE);
        SQ_CHECK_EQ(region(rule, ~(uintptr_t)31u, 32u, SQ_MEM_RW, &w), SQ_ERR_RANGE);
        SQ_CHECK_EQ(w.rbar, SENTINEL);
        SQ_CHECK_EQ(w.second, SENTINEL);
    }
#endif
}

/* A domain of `rule` with four partitions valid under both rules and a
 * fifth only `rule` takes (PMSAv8: a size that is no power of two). */
static sq_mem_domain_t sample_domain(sq_mem_rule_t rule)
{
    sq_mem_domain_t d = {
        .magic = SQ_MEM_DOMAIN_MAGIC, .rule = (uint32_t)rule, .count = 5u,
        .part = {SQ_MEM_PARTITION(0x20000000u, 32u, SQ_MEM_RW),
                 SQ_MEM_PARTITION(0x20001000u, 4096u, SQ_MEM_RO),
                 SQ_MEM_PARTITION(0u, 0x400000u, SQ_MEM_RX),
                 SQ_MEM_PARTITION(0x40000000u, 4096u, SQ_MEM_RW | SQ_MEM_DEVICE),
                 SQ_MEM_PARTITION(0x20002040u, rule == V7 ? 64u : 96u, SQ_MEM_RWX)}};
    return d;
}

static void fill_sentinel(words_t *out, size_t n, uint32_t *count)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = sentinel_words;
    }
    *count = SENTINEL;
}

static int untouched(const words_t *out, size_t n, uint32_t count)
{
    for (size_t i = 0; i < n; i++) {
        if (out[i].rbar != SENTINEL || out[i].second != SENTINEL) {
            return 0;
        }
    }
    return count == SENTINEL;
}

static void encode_domain(void **state)
{
    (void)state;
    for (sq_mem_rule_t rule = V7; rule <= V8; rule++) {
        sq_mem_domain_t d = sample_domain(rule);
        words_t out[ROOM_MAX];
        uint32_t count;
        fill_sentinel(out, ROOM_MAX, &count);
        SQ_CHECK_EQ(encode(rule, &d, out, ROOM_MAX, &count), SQ_OK);
        SQ_CHECK_EQ(count, 5u);
        /* Each is the partition's own region, in order, and decodes back. */
        for (uint32_t i = 0; i < count; i++) {
            words_t one = sentinel_words;
            SQ_CHECK_EQ(region(rule, d.part[i].base, d.part[i].size, d.part[i].access, &one),
                        SQ_OK);
            SQ_CHECK_EQ(out[i].rbar, one.rbar);
            SQ_CHECK_EQ(out[i].second, one.second);
            SQ_CHECK(decodes_to(rule, out[i], d.part[i].base, d.part[i].size, d.part[i].access));
        }
        /* Nothing past count. */
        SQ_CHECK(untouched(out + count, ROOM_MAX - count, SENTINEL));
        /* Exactly enough room. */
        count = SENTINEL;
        SQ_CHECK_EQ(encode(rule, &d, out, 5u, &count), SQ_OK);
        SQ_CHECK_EQ(count, 5u);
        /* An empty domain: no region, room 0 is enough. */
        d.count = 0u;
        SQ_CHECK_EQ(encode(rule, &d, out, 0u, &count), SQ_OK);
        SQ_CHECK_EQ(count, 0u);
    }
    /* Spot values, worked out by hand. */
    sq_mem_domain_t d = sample_domain(V8);
    words_t out[ROOM_MAX];
    uint32_t count;
    SQ_CHECK_EQ(encode(V8, &d, out, ROOM_MAX, &count), SQ_OK);
    SQ_CHECK_EQ(out[4].rbar, 0x20002042u);
    SQ_CHECK_EQ(out[4].second, 0x20002081u);
    d = sample_domain(V7);
    SQ_CHECK_EQ(encode(V7, &d, out, ROOM_MAX, &count), SQ_OK);
    SQ_CHECK_EQ(out[3].second, 0x13050017u);
    SQ_CHECK_EQ(out[4].second, 0x0303000Bu);
}

static void encode_refusals_change_nothing(void **state)
{
    (void)state;
    for (sq_mem_rule_t rule = V7; rule <= V8; rule++) {
        sq_mem_rule_t other = rule == V7 ? V8 : V7;
        sq_mem_domain_t d = sample_domain(rule);
        words_t out[ROOM_MAX];
        uint32_t count;
        fill_sentinel(out, ROOM_MAX, &count);

        SQ_CHECK_EQ(encode(rule, NULL, out, ROOM_MAX, &count), SQ_ERR_NULL);
        SQ_CHECK_EQ(encode(rule, &d, NULL, ROOM_MAX, &count), SQ_ERR_NULL);
        SQ_CHECK_EQ(encode(rule, &d, out, ROOM_MAX, NULL), SQ_ERR_NULL);
        /* Not initialised, or the other rule's domain. */
        d.magic = 0u;
        SQ_CHECK_EQ(encode(rule, &d, out, ROOM_MAX, &count), SQ_ERR_INVALID);
        d = sample_domain(other);
        SQ_CHECK_EQ(encode(rule, &d, out, ROOM_MAX, &count), SQ_ERR_INVALID);
        /* Room for 4 of 5 regions, and for none. */
        d = sample_domain(rule);
        SQ_CHECK_EQ(encode(rule, &d, out, 4u, &count), SQ_ERR_CAPACITY);
        SQ_CHECK_EQ(encode(rule, &d, out, 0u, &count), SQ_ERR_CAPACITY);
        /* Written behind mem_domain.c's back: more partitions than exist,
         * the last one's base off the granule or its access impossible.
         * The partitions before it are good: still nothing is written. */
        d.count = SQ_CONFIG_MAX_PARTITIONS + 1u;
        SQ_CHECK_EQ(encode(rule, &d, out, ROOM_MAX, &count), SQ_ERR_CORRUPT);
        d = sample_domain(rule);
        d.part[4].base = 0x20002050u;
        SQ_CHECK_EQ(encode(rule, &d, out, ROOM_MAX, &count), SQ_ERR_CORRUPT);
        d = sample_domain(rule);
        d.part[4].access = SQ_MEM_WRITE;
        SQ_CHECK_EQ(encode(rule, &d, out, ROOM_MAX, &count), SQ_ERR_CORRUPT);
        /* A corrupt domain is reported as such even when room is short too. */
        SQ_CHECK_EQ(encode(rule, &d, out, 1u, &count), SQ_ERR_CORRUPT);
        SQ_CHECK(untouched(out, ROOM_MAX, count));
    }
    /* A size only PMSAv8 takes is corrupt in a PMSAv7 domain. */
    sq_mem_domain_t d = sample_domain(V8);
    d.rule = V7;
    words_t out[ROOM_MAX];
    uint32_t count;
    fill_sentinel(out, ROOM_MAX, &count);
    SQ_CHECK_EQ(encode(V7, &d, out, ROOM_MAX, &count), SQ_ERR_CORRUPT);
    SQ_CHECK(untouched(out, ROOM_MAX, count));
}

SQ_TEST_MAIN(SQ_TEST(known_values), SQ_TEST(v8_mair0_attributes), SQ_TEST(decode_round_trips),
             SQ_TEST(region_refusals_change_nothing), SQ_TEST(encode_domain),
             SQ_TEST(encode_refusals_change_nothing))
