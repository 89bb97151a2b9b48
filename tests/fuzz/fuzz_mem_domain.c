/*
 * libFuzzer harness: memory domains (mem_domain.h) and both MPU encoders
 * (mpu.h) against the headers' rules.
 *
 * Three domains (PMSAv7, PMSAv8, or never initialised), three threads:
 * a user thread and a privileged one the kernel knows (their stacks are
 * MD07's), and a user thread it does not. The input adds partitions (any
 * base, size and access, or ones near the known stacks, a domain's other
 * partitions, or the top of the 32-bit and 64-bit address spaces), removes
 * them, moves threads between domains, asks sq_mem_domain_allows, and
 * encodes each domain, and hand-written (possibly broken) copies of it,
 * for either MPU into an output array between guard words.
 *
 * Every result is checked against a model of the rules: a code is one of
 * those that apply (the headers do not order them) and SQ_OK only when
 * none does; a refused change leaves the domain as it was, an add appends
 * exactly the partition, a remove moves the last one into the gap;
 * allows is the model's answer; an encoding decodes to exactly the
 * partitions (MPU01), with the partition's access and no more (MPU02),
 * d->count regions and not one word more written, nothing written on a
 * refusal (MPU03), privileged read/write kept on PMSAv7 (MPU04).
 *
 * A partition ending above 4 GiB (only a 64-bit host has such addresses)
 * is refused by add with SQ_ERR_INVALID, so the encoders never meet one in
 * a domain the calls made.
 */
#include <squall/mem_domain.h>
#include <squall/mpu.h>
#include <squall/thread.h>
#include "fuzz_common.h"

#define N_DOM 3
#define N_THR 3
#define ROOM_MAX 8u
#define STACK 256u
#define SPACE32 0x100000000ull

static sq_mem_domain_t dom[N_DOM];
static _Alignas(STACK) uint8_t stacks[N_THR][STACK];
static sq_thread_t thr[N_THR];

static void never_runs(void *arg)
{
    (void)arg;
}

static bool form_ok(uint32_t a)
{
    return a <= (SQ_MEM_RWX | SQ_MEM_DEVICE) && (a & SQ_MEM_READ) != 0u &&
           ((a & SQ_MEM_DEVICE) == 0u || (a & SQ_MEM_EXEC) == 0u);
}

static bool wraps(uintptr_t base, uint64_t size)
{
    return size > 0u && size - 1u > UINTPTR_MAX - base;
}

static bool overlap(uintptr_t a, uintptr_t as, uintptr_t b, uintptr_t bs)
{
    return a <= b ? b - a < as : a - b < bs;
}

static bool covers(uintptr_t base, uintptr_t size, uintptr_t addr, uintptr_t len)
{
    return addr >= base && len <= size && addr - base <= size - len;
}

/* MD02 under `rule`. */
static bool rule_fits(uint32_t rule, uintptr_t base, uint32_t size)
{
    if (size < SQ_MPU_GRANULE) {
        return false;
    }
    if (rule == SQ_MEM_RULE_PMSAV7) {
        return (size & (size - 1u)) == 0u && base % size == 0u;
    }
    return size % SQ_MPU_GRANULE == 0u && base % SQ_MPU_GRANULE == 0u;
}

/* Whether [base, base + size) ends above 4 GiB (a range that does not
 * wrap). */
static bool above_4g(uintptr_t base, uint32_t size)
{
    return (uint64_t)base >= SPACE32 || size > SPACE32 - (uint64_t)base;
}

/* What an encoder takes: the rule, and the region inside 32 bits. */
static bool mpu_fits(uint32_t rule, uintptr_t base, uint32_t size, uint32_t access)
{
    return form_ok(access) && rule_fits(rule, base, size) && !above_4g(base, size);
}

static bool hits_known_stack(uintptr_t base, uint32_t size)
{
    /* Threads 0 and 1 were started: the kernel knows their stacks. */
    for (int i = 0; i < 2; i++) {
        if (overlap(base, size, (uintptr_t)thr[i].stack, thr[i].stack_size)) {
            return true;
        }
    }
    return false;
}

/* A base address: anything, or near something that matters. */
static uintptr_t pick_base(fz_in_t *in, int d)
{
    uintptr_t off = (uintptr_t)(int32_t)((int32_t)fz_below(in, 64u) - 32) * SQ_MPU_GRANULE;
    switch (fz_below(in, 8u)) {
    case 0:
        return (uintptr_t)fz_u64(in);
    case 1:
        return (uintptr_t)fz_u32(in);
    case 2:
        return (uintptr_t)thr[fz_below(in, N_THR)].stack + off;
    case 3:
        return (uintptr_t)(SPACE32 + off);
    case 4:
        return UINTPTR_MAX - (uintptr_t)fz_below(in, 4096u);
    case 5:
        if (dom[d].count > 0u && dom[d].count <= SQ_CONFIG_MAX_PARTITIONS) {
            return dom[d].part[fz_below(in, dom[d].count)].base + off;
        }
        return off;
    default:
        return (uintptr_t)0x20000000u + (uintptr_t)fz_below(in, 256u) * SQ_MPU_GRANULE;
    }
}

static uint32_t pick_size(fz_in_t *in)
{
    switch (fz_below(in, 6u)) {
    case 0:
        return fz_u32(in);
    case 1:
        return 0u;
    case 2:
        return fz_below(in, 64u) * SQ_MPU_GRANULE;
    default:
        return 1u << (3u + fz_below(in, 29u));
    }
}

static uint32_t pick_access(fz_in_t *in)
{
    static const uint32_t forms[] = {SQ_MEM_RO, SQ_MEM_RW, SQ_MEM_RX, SQ_MEM_RWX,
                                     SQ_MEM_RO | SQ_MEM_DEVICE, SQ_MEM_RW | SQ_MEM_DEVICE};
    return fz_below(in, 8u) == 0u ? fz_u8(in) : forms[fz_below(in, 6u)];
}

static void add(fz_in_t *in, int d)
{
    sq_mem_domain_t *dm = &dom[d];
    sq_mem_partition_t p = {pick_base(in, d), pick_size(in), pick_access(in)};
    sq_mem_domain_t before = *dm;
    bool null = fz_below(in, 64u) == 0u;
    sq_status_t st = sq_mem_domain_add(dm, null ? NULL : &p);
    if (null) {
        FZ_CHECK(st == SQ_ERR_NULL);
    } else {
        /* The model reads the domain as it was before the call. */
        const sq_mem_domain_t *m = &before;
        bool init = m->magic == SQ_MEM_DOMAIN_MAGIC;
        bool invalid = !init || !form_ok(p.access);
        bool zero = p.size == 0u;
        bool range = (init && !rule_fits(m->rule, p.base, p.size)) || wraps(p.base, p.size);
        bool busy = hits_known_stack(p.base, p.size);
        for (uint32_t k = 0u; init && k < m->count; k++) {
            busy = busy || overlap(m->part[k].base, m->part[k].size, p.base, p.size);
        }
        bool full = init && m->count >= SQ_CONFIG_MAX_PARTITIONS;
        /* A partition ending above 4 GiB: SQ_ERR_INVALID (MD06). */
        bool above = !wraps(p.base, p.size) && above_4g(p.base, p.size);
        switch (st) {
        case SQ_OK:
            FZ_CHECK(!invalid && !above && !zero && !range && !busy && !full);
            FZ_CHECK(dm->count == before.count + 1u);
            FZ_CHECK(memcmp(dm->part, before.part, before.count * sizeof p) == 0);
            FZ_CHECK(dm->part[before.count].base == p.base &&
                     dm->part[before.count].size == p.size &&
                     dm->part[before.count].access == p.access);
            break;
        case SQ_ERR_INVALID:
            FZ_CHECK(invalid || above);
            break;
        case SQ_ERR_ZERO_LENGTH:
            FZ_CHECK(zero);
            break;
        case SQ_ERR_RANGE:
            FZ_CHECK(range);
            break;
        case SQ_ERR_BUSY:
            /* A wrapping range's overlap is not defined by the rules. */
            FZ_CHECK(busy || wraps(p.base, p.size));
            break;
        case SQ_ERR_FULL:
            FZ_CHECK(full);
            break;
        default:
            FZ_CHECK(!"add returned a code its header does not list");
        }
    }
    if (st != SQ_OK) {
        FZ_CHECK(memcmp(&before, dm, sizeof before) == 0);
    }
}

static void remove_one(fz_in_t *in, int d)
{
    sq_mem_domain_t *dm = &dom[d];
    sq_mem_domain_t before = *dm;
    bool init = dm->magic == SQ_MEM_DOMAIN_MAGIC;
    sq_mem_partition_t p = {pick_base(in, d), pick_size(in), pick_access(in)};
    if (init && dm->count > 0u && fz_below(in, 2u) == 0u) {
        p = dm->part[fz_below(in, dm->count)];
        p.access = pick_access(in); /* not compared */
    }
    sq_status_t st = sq_mem_domain_remove(dm, &p);
    int at = -1;
    for (uint32_t k = 0u; init && k < before.count; k++) {
        if (before.part[k].base == p.base && before.part[k].size == p.size) {
            at = (int)k;
        }
    }
    if (!init) {
        FZ_CHECK(st == SQ_ERR_INVALID);
    } else if (at < 0) {
        FZ_CHECK(st == SQ_ERR_NOT_FOUND);
    } else {
        FZ_CHECK(st == SQ_OK && dm->count == before.count - 1u);
        /* The last partition takes the removed one's index. */
        before.part[at] = before.part[before.count - 1u];
        FZ_CHECK(memcmp(dm->part, before.part, dm->count * sizeof p) == 0);
    }
    if (st != SQ_OK) {
        FZ_CHECK(memcmp(&before, dm, sizeof before) == 0);
    }
}

/* Whether `t` may access [addr, addr + len): its stack (a user thread's)
 * or one partition of its domain covers it with the access asked. */
static bool model_allows(const sq_thread_t *t, uintptr_t addr, size_t len, uint32_t access)
{
    if (len == 0u || len - 1u > UINTPTR_MAX - addr) {
        return false;
    }
    uint32_t want = access & SQ_MEM_RWX;
    if ((t->options & SQ_THREAD_USER) != 0u && (want & SQ_MEM_EXEC) == 0u &&
        covers((uintptr_t)t->stack, t->stack_size, addr, len)) {
        return true;
    }
    const sq_mem_domain_t *d = t->domain;
    for (uint32_t k = 0u; d != NULL && k < d->count; k++) {
        if ((want & ~d->part[k].access) == 0u &&
            covers(d->part[k].base, d->part[k].size, addr, len)) {
            return true;
        }
    }
    return false;
}

/* Bits [lo, lo + n) of x. */
static uint32_t field(uint32_t x, unsigned lo, unsigned n)
{
    return (x >> lo) & ((1u << n) - 1u);
}

/* Region i decodes to exactly partition p (MPU01), with p's access and
 * memory type (MPU02), privileged read/write kept on PMSAv7 (MPU04). */
static void check_v7(const sq_mpu_v7_region_t *r, const sq_mem_partition_t *p)
{
    FZ_CHECK(r->rbar == (uint32_t)p->base && field(r->rbar, 0, 5) == 0u);
    FZ_CHECK(field(r->rasr, 0, 1) == 1u);                       /* enabled */
    FZ_CHECK(field(r->rasr, 1, 5) <= 30u &&
             (1ull << (field(r->rasr, 1, 5) + 1u)) == p->size);  /* size */
    FZ_CHECK(field(r->rasr, 8, 8) == 0u);                       /* no subregion off */
    uint32_t ap = field(r->rasr, 24, 3);
    FZ_CHECK(ap == ((p->access & SQ_MEM_WRITE) != 0u ? 3u : 2u));
    FZ_CHECK(field(r->rasr, 28, 1) == ((p->access & SQ_MEM_EXEC) != 0u ? 0u : 1u));
    bool device = field(r->rasr, 19, 3) == 0u && field(r->rasr, 17, 1) == 0u &&
                  field(r->rasr, 16, 1) == 1u;
    FZ_CHECK(device == ((p->access & SQ_MEM_DEVICE) != 0u));
}

static void check_v8(const sq_mpu_v8_region_t *r, const sq_mem_partition_t *p)
{
    FZ_CHECK((r->rbar & ~31u) == (uint32_t)p->base);
    FZ_CHECK(field(r->rbar, 1, 2) == ((p->access & SQ_MEM_WRITE) != 0u ? 1u : 3u));
    FZ_CHECK(field(r->rbar, 0, 1) == ((p->access & SQ_MEM_EXEC) != 0u ? 0u : 1u));
    FZ_CHECK(field(r->rlar, 0, 1) == 1u);
    FZ_CHECK(field(r->rlar, 1, 3) == ((p->access & SQ_MEM_DEVICE) != 0u ? 1u : 0u));
    FZ_CHECK((uint64_t)(r->rlar & ~31u) + 32u == (uint64_t)p->base + p->size);
}

/* Encode `d` for `rule` into `room` regions: the model's code, and the
 * output as the headers say. `api`: d was made by the sq_mem_domain_*
 * calls (never CORRUPT). */
static void encode(const sq_mem_domain_t *d, uint32_t rule, uint32_t room, bool api)
{
    union {
        sq_mpu_v7_region_t v7[ROOM_MAX + 2u];
        sq_mpu_v8_region_t v8[ROOM_MAX + 2u];
    } out, before;
    uint32_t count = 0xa5a5a5a5u;
    memset(&out, FZ_GUARD_BYTE, sizeof out);
    before = out;
    /* out[0 .. room - 1] is the caller's; the rest must not be touched. */
    sq_status_t st = rule == SQ_MEM_RULE_PMSAV7 ? sq_mpu_v7_encode(d, out.v7, room, &count)
                                                : sq_mpu_v8_encode(d, out.v8, room, &count);
    sq_status_t want;
    if (d->magic != SQ_MEM_DOMAIN_MAGIC || d->rule != rule) {
        want = SQ_ERR_INVALID;
    } else {
        bool sound = d->count <= SQ_CONFIG_MAX_PARTITIONS;
        for (uint32_t k = 0u; sound && k < d->count; k++) {
            sound = mpu_fits(rule, d->part[k].base, d->part[k].size, d->part[k].access);
        }
        want = !sound ? SQ_ERR_CORRUPT : d->count > room ? SQ_ERR_CAPACITY : SQ_OK;
    }
    FZ_CHECK(!api || st != SQ_ERR_CORRUPT);
    FZ_CHECK(st == want);
    if (st != SQ_OK) {
        FZ_CHECK(count == 0xa5a5a5a5u && memcmp(&out, &before, sizeof out) == 0);
        return;
    }
    FZ_CHECK(count == d->count);
    for (uint32_t k = 0u; k < count; k++) {
        if (rule == SQ_MEM_RULE_PMSAV7) {
            check_v7(&out.v7[k], &d->part[k]);
        } else {
            check_v8(&out.v8[k], &d->part[k]);
        }
    }
    FZ_CHECK(memcmp(&out.v7[count], &before.v7[count], (ROOM_MAX + 2u - count) * 8u) == 0);
}

/* A single region for the port (sq_mpu_v7_region / v8_region). */
static void region(fz_in_t *in)
{
    uint32_t rule = fz_below(in, 2u) == 0u ? SQ_MEM_RULE_PMSAV7 : SQ_MEM_RULE_PMSAV8;
    sq_mem_partition_t p = {pick_base(in, 0), pick_size(in), pick_access(in)};
    sq_mpu_v7_region_t r7 = {0xa5a5a5a5u, 0xa5a5a5a5u};
    sq_mpu_v8_region_t r8 = {0xa5a5a5a5u, 0xa5a5a5a5u};
    sq_status_t st = rule == SQ_MEM_RULE_PMSAV7 ? sq_mpu_v7_region(p.base, p.size, p.access, &r7)
                                                : sq_mpu_v8_region(p.base, p.size, p.access, &r8);
    if (!form_ok(p.access)) {
        FZ_CHECK(st == SQ_ERR_INVALID);
    } else if (!mpu_fits(rule, p.base, p.size, p.access)) {
        FZ_CHECK(st == SQ_ERR_RANGE);
    } else {
        FZ_CHECK(st == SQ_OK);
    }
    if (st != SQ_OK) {
        FZ_CHECK(r7.rbar == 0xa5a5a5a5u && r7.rasr == 0xa5a5a5a5u && r8.rbar == 0xa5a5a5a5u &&
                 r8.rlar == 0xa5a5a5a5u);
    } else if (rule == SQ_MEM_RULE_PMSAV7) {
        check_v7(&r7, &p);
    } else {
        check_v8(&r8, &p);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FZ_CHECK(sq_kernel_init() == SQ_OK);
    for (int i = 0; i < N_THR; i++) {
        thr[i].stack = stacks[i];
        thr[i].stack_size = STACK;
    }
    /* Known to the kernel, never run: a user thread and a privileged one. */
    FZ_CHECK(sq_thread_start(&thr[0], never_runs, NULL, 5u, SQ_THREAD_USER) == SQ_OK);
    FZ_CHECK(sq_thread_start(&thr[1], never_runs, NULL, 5u, 0u) == SQ_OK);
    thr[2].options = SQ_THREAD_USER;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t in = {data, size};
    for (int i = 0; i < N_THR; i++) {
        (void)sq_mem_domain_remove_thread(&thr[i]);
        FZ_CHECK(thr[i].domain == NULL);
    }
    for (int d = 0; d < N_DOM; d++) {
        memset(&dom[d], 0, sizeof dom[d]);
        switch (fz_below(&in, 4u)) {
        case 0:
            break; /* never initialised */
        case 1: { /* any rule: only the two known are taken */
            uint32_t rule = fz_u8(&in);
            bool known = rule == SQ_MEM_RULE_PMSAV7 || rule == SQ_MEM_RULE_PMSAV8;
            FZ_CHECK(sq_mem_domain_init(&dom[d], (sq_mem_rule_t)rule) ==
                     (known ? SQ_OK : SQ_ERR_INVALID));
            FZ_CHECK(known || dom[d].magic == 0u);
            break;
        }
        case 2:
            FZ_CHECK(sq_mem_domain_init(&dom[d], SQ_MEM_RULE_PMSAV7) == SQ_OK);
            break;
        default:
            FZ_CHECK(sq_mem_domain_init(&dom[d], SQ_MEM_RULE_PMSAV8) == SQ_OK);
            break;
        }
    }
    while (fz_more(&in)) {
        int d = (int)fz_below(&in, N_DOM);
        int t = (int)fz_below(&in, N_THR);
        switch (fz_below(&in, 10u)) {
        case 0:
        case 1:
        case 2:
            add(&in, d);
            break;
        case 3:
            remove_one(&in, d);
            break;
        case 4: { /* a thread joins a domain (MD07: not over its stack) */
            sq_mem_domain_t *was = thr[t].domain;
            bool init = dom[d].magic == SQ_MEM_DOMAIN_MAGIC;
            bool busy = false;
            for (uint32_t k = 0u; init && k < dom[d].count; k++) {
                busy = busy || overlap(dom[d].part[k].base, dom[d].part[k].size,
                                       (uintptr_t)thr[t].stack, thr[t].stack_size);
            }
            sq_status_t st = sq_mem_domain_add_thread(&dom[d], &thr[t]);
            FZ_CHECK(st == (!init ? SQ_ERR_INVALID : busy ? SQ_ERR_BUSY : SQ_OK));
            FZ_CHECK(thr[t].domain == (st == SQ_OK ? &dom[d] : was));
            break;
        }
        case 5: {
            sq_mem_domain_t *was = thr[t].domain;
            sq_status_t st = sq_mem_domain_remove_thread(&thr[t]);
            FZ_CHECK(st == (was == NULL ? SQ_ERR_NOT_FOUND : SQ_OK) && thr[t].domain == NULL);
            break;
        }
        case 6: { /* re-initialise: refused while a thread is in it */
            sq_mem_domain_t before = dom[d];
            uint32_t rule = fz_below(&in, 8u) == 0u ? fz_u8(&in)
                            : fz_below(&in, 2u) == 0u ? SQ_MEM_RULE_PMSAV7 : SQ_MEM_RULE_PMSAV8;
            bool member = false;
            for (int i = 0; i < 2; i++) {
                member = member || thr[i].domain == &dom[d];
            }
            sq_status_t st = sq_mem_domain_init(&dom[d], (sq_mem_rule_t)rule);
            if (rule != SQ_MEM_RULE_PMSAV7 && rule != SQ_MEM_RULE_PMSAV8) {
                FZ_CHECK(st == SQ_ERR_INVALID);
            } else if (member) {
                FZ_CHECK(st == SQ_ERR_BUSY);
            } else {
                /* Thread 2 is unknown to the kernel: its domain may change. */
                FZ_CHECK(st == SQ_OK && dom[d].count == 0u && dom[d].rule == rule);
            }
            if (st != SQ_OK) {
                FZ_CHECK(memcmp(&before, &dom[d], sizeof before) == 0);
            }
            break;
        }
        case 7: { /* allows */
            uintptr_t addr = pick_base(&in, d) + fz_below(&in, 64u);
            size_t len = fz_below(&in, 8u) == 0u ? (size_t)fz_u64(&in) : fz_below(&in, 300u);
            uint32_t access = fz_u8(&in);
            FZ_CHECK(sq_mem_domain_allows(&thr[t], addr, len, access) ==
                     model_allows(&thr[t], addr, len, access));
            FZ_CHECK(!sq_mem_domain_allows(NULL, addr, len, access));
            break;
        }
        case 8: { /* encode the domain for either MPU */
            uint32_t rule = fz_below(&in, 2u) == 0u ? SQ_MEM_RULE_PMSAV7 : SQ_MEM_RULE_PMSAV8;
            encode(&dom[d], rule, fz_below(&in, ROOM_MAX + 1u), true);
            break;
        }
        default: { /* a hand-written copy, perhaps broken, or a region */
            if (fz_below(&in, 3u) == 0u) {
                region(&in);
                break;
            }
            sq_mem_domain_t copy = dom[d];
            if (fz_below(&in, 4u) == 0u) {
                copy.count = fz_below(&in, 2u * SQ_CONFIG_MAX_PARTITIONS);
            }
            uint32_t k = fz_below(&in, SQ_CONFIG_MAX_PARTITIONS);
            copy.part[k] = (sq_mem_partition_t){pick_base(&in, d), pick_size(&in),
                                                pick_access(&in)};
            if (fz_below(&in, 8u) == 0u) {
                copy.rule = fz_u8(&in);
            }
            uint32_t rule = fz_below(&in, 2u) == 0u ? SQ_MEM_RULE_PMSAV7 : SQ_MEM_RULE_PMSAV8;
            encode(&copy, rule, fz_below(&in, ROOM_MAX + 1u), false);
            break;
        }
        }
    }
    return 0;
}
