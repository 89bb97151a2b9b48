/*
 * squall: MPU region encoding (include/squall/mpu.h).
 *
 * Register layouts: ARMv7-M Architecture Reference Manual B3.5 (MPU_RBAR,
 * MPU_RASR) and ARMv8-M Architecture Reference Manual (MPU_RBAR, MPU_RLAR,
 * MPU_MAIR0). Each register is built as the sum of its fields, every field
 * a value times the field's lowest bit. The fields are disjoint bit ranges,
 * so the sum is the same number as OR-ing them; the sum is what WP's
 * provers decide (linear arithmetic with constant divisors), where OR is
 * not. The logic decoders below read the fields back the way the MPU does,
 * and the contracts state MPU01-MPU04 on the decoded values.
 */
#include <squall/mpu.h>

/* PMSAv7 MPU_RASR: the lowest bit of each field. */
#define SQ_V7_RASR_ENABLE 0x1u
#define SQ_V7_RASR_SIZE 0x2u /* SIZE[5:1]: the region is 2^(SIZE+1) bytes */
#define SQ_V7_RASR_B 0x10000u
#define SQ_V7_RASR_C 0x20000u
#define SQ_V7_RASR_S 0x40000u
#define SQ_V7_RASR_AP 0x1000000u /* AP[26:24] */
#define SQ_V7_RASR_XN 0x10000000u
/* PMSAv7 AP values. */
#define SQ_V7_AP_USER_RO 2u /* privileged read/write, unprivileged read-only */
#define SQ_V7_AP_USER_RW 3u /* read/write at both levels */
/* Smallest and largest SIZE exponent: 32 bytes and 2 GiB (a uint32_t size
 * cannot say 4 GiB). */
#define SQ_V7_LOG2_MIN 5u
#define SQ_V7_LOG2_MAX 31u

/* PMSAv8 MPU_RBAR and MPU_RLAR: the lowest bit of each field. SH[4:3] is
 * left 0 (non-shareable; Device memory is shareable whatever SH says). */
#define SQ_V8_RBAR_XN 0x1u
#define SQ_V8_RBAR_AP 0x2u /* AP[2:1] */
#define SQ_V8_RLAR_EN 0x1u
#define SQ_V8_RLAR_ATTR 0x2u /* AttrIndx[3:1]: a byte of MAIR0/MAIR1 */
/* PMSAv8 AP values: there is no "privileged write, unprivileged read". */
#define SQ_V8_AP_RW 1u /* read/write at any privilege */
#define SQ_V8_AP_RO 3u /* read-only at any privilege */
/* The attribute indices SQ_MPU_V8_MAIR0 defines. */
#define SQ_V8_ATTR_NORMAL 0u
#define SQ_V8_ATTR_DEVICE 1u

/* The 32-bit address space: a region must end at or below it. */
#define SQ_MPU_SPACE 0x100000000ull

/*@ // Field of x that starts at bit value `at` (a power of two) and has
    // `span` values (a power of two): (x >> lo) & (span - 1).
    logic integer sq_field(integer x, integer at, integer span) = (x / at) % span;
    logic integer sq_pow2(integer k) = k <= 0 ? 1 : 2 * sq_pow2(k - 1);

    // The access forms a partition may have: readable, nothing above
    // SQ_MEM_DEVICE, device memory not executable (mem_domain.h).
    predicate sq_mpu_access_ok(integer a) =
      a <= (SQ_MEM_RWX | SQ_MEM_DEVICE) && (a & SQ_MEM_READ) != 0 &&
      ((a & SQ_MEM_DEVICE) == 0 || (a & SQ_MEM_EXEC) == 0);
    predicate sq_mpu_in_space(integer base, integer size) =
      base + size <= SQ_MPU_SPACE;

    // MD02 with MD06, per rule.
    // (Under PMSAv7 the base is a multiple of 32 because it is one of the
    // size; stated as well, which spares the provers that induction.)
    predicate sq_mpu_granules(integer base, integer size) =
      size >= SQ_MPU_GRANULE && base % SQ_MPU_GRANULE == 0 && sq_mpu_in_space(base, size);
    predicate sq_mpu_v7_fits(integer base, integer size) =
      sq_mpu_granules(base, size) &&
      (\exists integer k; SQ_V7_LOG2_MIN <= k <= SQ_V7_LOG2_MAX && sq_pow2(k) == size) &&
      base % size == 0;
    predicate sq_mpu_v8_fits(integer base, integer size) =
      sq_mpu_granules(base, size) && size % SQ_MPU_GRANULE == 0;

    // PMSAv7 decoders. The region is 2^(SIZE+1) bytes; RBAR's address
    // bits are those above the size (the MPU ignores the rest).
    logic integer sq_v7_size(integer rasr) = sq_pow2(sq_field(rasr, 2, 32) + 1);
    logic integer sq_v7_base(integer rbar, integer rasr) = rbar - rbar % sq_v7_size(rasr);
    logic integer sq_v7_ap(integer rasr) = sq_field(rasr, SQ_V7_RASR_AP, 8);
    predicate sq_v7_enabled(integer rasr) = rasr % 2 == 1;
    predicate sq_v7_xn(integer rasr) = sq_field(rasr, SQ_V7_RASR_XN, 2) == 1;
    predicate sq_v7_user_read(integer rasr) =
      sq_v7_ap(rasr) == 2 || sq_v7_ap(rasr) == 3 || sq_v7_ap(rasr) == 6 || sq_v7_ap(rasr) == 7;
    predicate sq_v7_user_write(integer rasr) = sq_v7_ap(rasr) == 3;
    // An instruction fetch needs read permission and XN clear.
    predicate sq_v7_user_exec(integer rasr) = sq_v7_user_read(rasr) && !sq_v7_xn(rasr);
    predicate sq_v7_priv_rw(integer rasr) = sq_v7_ap(rasr) == 2 || sq_v7_ap(rasr) == 3;
    // TEX 000, C 0, B 1: shared Device.
    predicate sq_v7_device(integer rasr) =
      sq_field(rasr, 0x80000, 8) == 0 && sq_field(rasr, SQ_V7_RASR_B, 4) == 1;

    // PMSAv8 decoders. RLAR's LIMIT is the last 32-byte granule.
    logic integer sq_v8_base(integer rbar) = rbar - rbar % 32;
    logic integer sq_v8_last(integer rlar) = rlar - rlar % 32 + 31;
    logic integer sq_v8_ap(integer rbar) = sq_field(rbar, SQ_V8_RBAR_AP, 4);
    logic integer sq_v8_attr(integer rlar) = sq_field(rlar, SQ_V8_RLAR_ATTR, 8);
    predicate sq_v8_enabled(integer rlar) = rlar % 2 == 1;
    predicate sq_v8_xn(integer rbar) = rbar % 2 == 1;
    predicate sq_v8_user_read(integer rbar) = sq_v8_ap(rbar) == 1 || sq_v8_ap(rbar) == 3;
    predicate sq_v8_user_write(integer rbar) = sq_v8_ap(rbar) == 1;
    predicate sq_v8_user_exec(integer rbar) = sq_v8_user_read(rbar) && !sq_v8_xn(rbar);
    // Attribute 1 of SQ_MPU_V8_MAIR0 is Device-nGnRnE.
    predicate sq_v8_device(integer rlar) = sq_v8_attr(rlar) == SQ_V8_ATTR_DEVICE;

    // MPU01: one enabled region, exactly [base, base + size). On PMSAv7
    // no subregion is disabled, and RBAR's VALID and REGION bits are 0.
    predicate sq_mpu_v7_covers(integer rbar, integer rasr, integer base, integer size) =
      sq_v7_enabled(rasr) && sq_field(rasr, 0x100, 0x100) == 0 &&
      sq_field(rbar, 1, 32) == 0 &&
      sq_v7_size(rasr) == size && sq_v7_base(rbar, rasr) == base;
    predicate sq_mpu_v8_covers(integer rbar, integer rlar, integer base, integer size) =
      sq_v8_enabled(rlar) && sq_v8_base(rbar) == base && sq_v8_last(rlar) == base + size - 1;

    // MPU02: unprivileged code may read, may write iff SQ_MEM_WRITE, may
    // execute iff SQ_MEM_EXEC; Device iff SQ_MEM_DEVICE.
    predicate sq_mpu_v7_grants(integer rasr, integer access) =
      sq_v7_user_read(rasr) &&
      (sq_v7_user_write(rasr) <==> (access & SQ_MEM_WRITE) != 0) &&
      (sq_v7_user_exec(rasr) <==> (access & SQ_MEM_EXEC) != 0) &&
      (sq_v7_device(rasr) <==> (access & SQ_MEM_DEVICE) != 0);
    predicate sq_mpu_v8_grants(integer rbar, integer rlar, integer access) =
      sq_v8_user_read(rbar) &&
      (sq_v8_user_write(rbar) <==> (access & SQ_MEM_WRITE) != 0) &&
      (sq_v8_user_exec(rbar) <==> (access & SQ_MEM_EXEC) != 0) &&
      (sq_v8_device(rlar) <==> (access & SQ_MEM_DEVICE) != 0);

    // out[from .. to - 1] as they were at L1.
    predicate sq_mpu_v7_kept{L1, L2}(sq_mpu_v7_region_t *out, integer from, integer to) =
      \forall integer i; from <= i < to ==>
        \at(out[i].rbar, L1) == \at(out[i].rbar, L2) && \at(out[i].rasr, L1) == \at(out[i].rasr, L2);
    predicate sq_mpu_v8_kept{L1, L2}(sq_mpu_v8_region_t *out, integer from, integer to) =
      \forall integer i; from <= i < to ==>
        \at(out[i].rbar, L1) == \at(out[i].rbar, L2) && \at(out[i].rlar, L1) == \at(out[i].rlar, L2);

    predicate sq_mpu_fits(integer rule, integer base, integer size) =
      rule == SQ_MEM_RULE_PMSAV7 ? sq_mpu_v7_fits(base, size) : sq_mpu_v8_fits(base, size);

    // Every partition of d is one the encoding under `rule` takes.
    predicate sq_mpu_domain_sound(sq_mem_domain_t *d, integer rule) =
      d->count <= SQ_CONFIG_MAX_PARTITIONS &&
      \forall integer i; 0 <= i < d->count ==>
        sq_mpu_access_ok(d->part[i].access) &&
        sq_mpu_fits(rule, d->part[i].base, d->part[i].size);
    predicate sq_mpu_encodable(sq_mem_domain_t *d, integer rule, integer room) =
      d->magic == SQ_MEM_DOMAIN_MAGIC && d->rule == rule &&
      sq_mpu_domain_sound(d, rule) && d->count <= room;
    // The code an encoder refuses d with: not initialised or the other
    // rule; broken partitions; too little room (MPU03).
    predicate sq_mpu_refusal(sq_mem_domain_t *d, integer rule, integer room, integer r) =
      (d->magic != SQ_MEM_DOMAIN_MAGIC || d->rule != rule ==> r == SQ_ERR_INVALID) &&
      (d->magic == SQ_MEM_DOMAIN_MAGIC && d->rule == rule && !sq_mpu_domain_sound(d, rule) ==>
         r == SQ_ERR_CORRUPT) &&
      (d->magic == SQ_MEM_DOMAIN_MAGIC && d->rule == rule && sq_mpu_domain_sound(d, rule) &&
         d->count > room ==> r == SQ_ERR_CAPACITY);
*/

/*@ assigns \nothing;
    ensures \result <==> sq_mpu_access_ok(access);
*/
static bool sq_mpu_access_ok(uint32_t access)
{
    return access <= (SQ_MEM_RWX | SQ_MEM_DEVICE) && (access & SQ_MEM_READ) != 0u &&
           ((access & SQ_MEM_DEVICE) == 0u || (access & SQ_MEM_EXEC) == 0u);
}

/*@ assigns \nothing;
    ensures \result <==> sq_mpu_in_space(base, size);
*/
static bool sq_mpu_in_space(uintptr_t base, uint32_t size)
{
    return (uint64_t)base <= SQ_MPU_SPACE - size;
}

/*
 * k with 2^k == size and SQ_V7_LOG2_MIN <= k <= SQ_V7_LOG2_MAX, or 0 if
 * there is none. Every candidate is compared, from the top: the proof then
 * needs no fact about powers of two beyond halving one.
 */
/*@ assigns \nothing;
    ensures \result != 0 ==>
      SQ_V7_LOG2_MIN <= \result <= SQ_V7_LOG2_MAX && sq_pow2(\result) == size;
    ensures \result == 0 <==>
      !(\exists integer k; SQ_V7_LOG2_MIN <= k <= SQ_V7_LOG2_MAX && sq_pow2(k) == size);
*/
static uint32_t sq_mpu_v7_log2(uint32_t size)
{
    uint32_t k = SQ_V7_LOG2_MAX;
    uint32_t p = 0x80000000u;
    /*@ assert sq_pow2(SQ_V7_LOG2_MAX) == 0x80000000; */
    /*@ loop invariant SQ_V7_LOG2_MIN <= k <= SQ_V7_LOG2_MAX && p == sq_pow2(k);
        loop invariant \forall integer j; k < j <= SQ_V7_LOG2_MAX ==> sq_pow2(j) != size;
        loop assigns k, p;
        loop variant k;
    */
    while (k > SQ_V7_LOG2_MIN && p != size) {
        p /= 2u;
        k--;
    }
    return p == size ? k : 0u;
}

/* SQ_ERR_INVALID, SQ_ERR_RANGE or SQ_OK for one region under `rule`. */
/*@ requires rule == SQ_MEM_RULE_PMSAV7 || rule == SQ_MEM_RULE_PMSAV8;
    assigns \nothing;
    ensures \result == SQ_OK || \result == SQ_ERR_INVALID || \result == SQ_ERR_RANGE;
    ensures \result == SQ_ERR_INVALID <==> !sq_mpu_access_ok(access);
    ensures \result == SQ_OK <==> sq_mpu_access_ok(access) && sq_mpu_fits(rule, base, size);
*/
static sq_status_t sq_mpu_check(uint32_t rule, uintptr_t base, uint32_t size, uint32_t access)
{
    if (!sq_mpu_access_ok(access)) {
        return SQ_ERR_INVALID;
    }
    if (size < SQ_MPU_GRANULE || base % SQ_MPU_GRANULE != 0u || !sq_mpu_in_space(base, size)) {
        return SQ_ERR_RANGE;
    }
    if (rule == SQ_MEM_RULE_PMSAV7) {
        return sq_mpu_v7_log2(size) != 0u && base % size == 0u ? SQ_OK : SQ_ERR_RANGE;
    }
    return size % SQ_MPU_GRANULE == 0u ? SQ_OK : SQ_ERR_RANGE;
}

/* The region of 2^log2 bytes at base; the caller has checked both. */
/*@ requires \valid(out);
    requires SQ_V7_LOG2_MIN <= log2 <= SQ_V7_LOG2_MAX;
    requires sq_mpu_access_ok(access) && sq_mpu_granules(base, sq_pow2(log2)) &&
             base % sq_pow2(log2) == 0;
    assigns *out;
    ensures MPU01: sq_mpu_v7_covers(out->rbar, out->rasr, base, sq_pow2(log2));
    ensures MPU02: sq_mpu_v7_grants(out->rasr, access);
    ensures MPU04: sq_v7_priv_rw(out->rasr);
*/
static void sq_mpu_v7_fill(uintptr_t base, uint32_t log2, uint32_t access,
                           sq_mpu_v7_region_t *out)
{
    uint32_t xn = (access & SQ_MEM_EXEC) != 0u ? 0u : SQ_V7_RASR_XN;
    uint32_t ap = (access & SQ_MEM_WRITE) != 0u ? SQ_V7_AP_USER_RW : SQ_V7_AP_USER_RO;
    /* TEX 000 with C 0, B 1 is shared Device (S is ignored there and set to
     * say so); with C 1, B 1 normal write-back, no write-allocate, S 0. */
    uint32_t attr = (access & SQ_MEM_DEVICE) != 0u ? SQ_V7_RASR_S + SQ_V7_RASR_B
                                                   : SQ_V7_RASR_C + SQ_V7_RASR_B;
    /* base is a multiple of size >= 32: VALID and REGION stay 0. */
    out->rbar = (uint32_t)base;
    out->rasr = xn + ap * SQ_V7_RASR_AP + attr + (log2 - 1u) * SQ_V7_RASR_SIZE +
                SQ_V7_RASR_ENABLE;
}

/*@ requires \valid(out);
    requires sq_mpu_access_ok(access) && sq_mpu_v8_fits(base, size);
    assigns *out;
    ensures MPU01: sq_mpu_v8_covers(out->rbar, out->rlar, base, size);
    ensures MPU02: sq_mpu_v8_grants(out->rbar, out->rlar, access);
*/
static void sq_mpu_v8_fill(uintptr_t base, uint32_t size, uint32_t access,
                           sq_mpu_v8_region_t *out)
{
    uint32_t xn = (access & SQ_MEM_EXEC) != 0u ? 0u : SQ_V8_RBAR_XN;
    uint32_t ap = (access & SQ_MEM_WRITE) != 0u ? SQ_V8_AP_RW : SQ_V8_AP_RO;
    uint32_t attr = (access & SQ_MEM_DEVICE) != 0u ? SQ_V8_ATTR_DEVICE : SQ_V8_ATTR_NORMAL;
    out->rbar = (uint32_t)base + ap * SQ_V8_RBAR_AP + xn;
    /* LIMIT is the last granule's address; size - 32 first, so a region
     * that ends at 2^32 does not overflow. */
    out->rlar = (uint32_t)base + (size - SQ_MPU_GRANULE) + attr * SQ_V8_RLAR_ATTR +
                SQ_V8_RLAR_EN;
}

/*@ requires out == \null || \valid(out);
    assigns *out;
    behavior null_out:
      assumes out == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes out != \null && !(sq_mpu_access_ok(access) && sq_mpu_v7_fits(base, size));
      assigns \nothing;
      ensures !sq_mpu_access_ok(access) ? \result == SQ_ERR_INVALID : \result == SQ_ERR_RANGE;
    behavior ok:
      assumes out != \null && sq_mpu_access_ok(access) && sq_mpu_v7_fits(base, size);
      ensures \result == SQ_OK;
      ensures MPU01: sq_mpu_v7_covers(out->rbar, out->rasr, base, size);
      ensures MPU02: sq_mpu_v7_grants(out->rasr, access);
      ensures MPU04: sq_v7_priv_rw(out->rasr);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_mpu_v7_region(uintptr_t base, uint32_t size, uint32_t access,
                             sq_mpu_v7_region_t *out)
{
    if (out == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = sq_mpu_check(SQ_MEM_RULE_PMSAV7, base, size, access);
    if (st == SQ_OK) {
        sq_mpu_v7_fill(base, sq_mpu_v7_log2(size), access, out);
    }
    return st;
}

/*@ requires out == \null || \valid(out);
    assigns *out;
    behavior null_out:
      assumes out == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes out != \null && !(sq_mpu_access_ok(access) && sq_mpu_v8_fits(base, size));
      assigns \nothing;
      ensures !sq_mpu_access_ok(access) ? \result == SQ_ERR_INVALID : \result == SQ_ERR_RANGE;
    behavior ok:
      assumes out != \null && sq_mpu_access_ok(access) && sq_mpu_v8_fits(base, size);
      ensures \result == SQ_OK;
      ensures MPU01: sq_mpu_v8_covers(out->rbar, out->rlar, base, size);
      ensures MPU02: sq_mpu_v8_grants(out->rbar, out->rlar, access);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_mpu_v8_region(uintptr_t base, uint32_t size, uint32_t access,
                             sq_mpu_v8_region_t *out)
{
    if (out == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = sq_mpu_check(SQ_MEM_RULE_PMSAV8, base, size, access);
    if (st == SQ_OK) {
        sq_mpu_v8_fill(base, size, access, out);
    }
    return st;
}

/*
 * Whether `d` can be encoded under `rule` into `room` regions. Every
 * partition is checked before either encoder writes anything, so a domain
 * that breaks its rule (written behind mem_domain.c's back) or does not
 * fit changes nothing (MPU03).
 */
/*@ requires \valid_read(d);
    requires rule == SQ_MEM_RULE_PMSAV7 || rule == SQ_MEM_RULE_PMSAV8;
    assigns \nothing;
    ensures \result == SQ_OK <==> sq_mpu_encodable(d, rule, room);
    ensures \result != SQ_OK ==> sq_mpu_refusal(d, rule, room, \result);
*/
static sq_status_t sq_mpu_domain_check(const sq_mem_domain_t *d, uint32_t rule, uint32_t room)
{
    if (d->magic != SQ_MEM_DOMAIN_MAGIC || d->rule != rule) {
        return SQ_ERR_INVALID;
    }
    const uint32_t n = d->count;
    if (n > SQ_CONFIG_MAX_PARTITIONS) {
        return SQ_ERR_CORRUPT;
    }
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer j; 0 <= j < i ==>
          sq_mpu_access_ok(d->part[j].access) && sq_mpu_fits(rule, d->part[j].base, d->part[j].size);
        loop assigns i;
        loop variant n - i;
    */
    for (uint32_t i = 0u; i < n; i++) {
        const sq_mem_partition_t *p = &d->part[i];
        if (sq_mpu_check(rule, p->base, p->size, p->access) != SQ_OK) {
            return SQ_ERR_CORRUPT;
        }
    }
    return n > room ? SQ_ERR_CAPACITY : SQ_OK;
}

/*@ requires d == \null || \valid_read(d);
    requires out == \null || \valid(out + (0 .. room - 1));
    requires count == \null || \valid(count);
    requires \separated(out + (0 .. room - 1), count);
    requires d == \null || \separated(d, out + (0 .. room - 1), count);
    assigns out[0 .. room - 1], *count;
    behavior null_arg:
      assumes d == \null || out == \null || count == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes d != \null && out != \null && count != \null;
      assumes !sq_mpu_encodable(d, SQ_MEM_RULE_PMSAV7, room);
      assigns \nothing;
      ensures sq_mpu_refusal(d, SQ_MEM_RULE_PMSAV7, room, \result);
      ensures MPU03: *count == \old(*count) && sq_mpu_v7_kept{Pre, Post}(out, 0, room);
    behavior ok:
      assumes d != \null && out != \null && count != \null;
      assumes sq_mpu_encodable(d, SQ_MEM_RULE_PMSAV7, room);
      ensures \result == SQ_OK;
      ensures MPU03: *count == d->count && *count <= room;
      ensures MPU03: sq_mpu_v7_kept{Pre, Post}(out, d->count, room);
      ensures MPU01: \forall integer i; 0 <= i < d->count ==>
        sq_mpu_v7_covers(out[i].rbar, out[i].rasr, d->part[i].base, d->part[i].size);
      ensures MPU02: \forall integer i; 0 <= i < d->count ==>
        sq_mpu_v7_grants(out[i].rasr, d->part[i].access);
      ensures MPU04: \forall integer i; 0 <= i < d->count ==> sq_v7_priv_rw(out[i].rasr);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_mpu_v7_encode(const sq_mem_domain_t *d, sq_mpu_v7_region_t *out,
                             uint32_t room, uint32_t *count)
{
    if (d == NULL || out == NULL || count == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = sq_mpu_domain_check(d, SQ_MEM_RULE_PMSAV7, room);
    if (st != SQ_OK) {
        return st;
    }
    const uint32_t n = d->count;
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer j; 0 <= j < i ==>
          sq_mpu_v7_covers(out[j].rbar, out[j].rasr, d->part[j].base, d->part[j].size) &&
          sq_mpu_v7_grants(out[j].rasr, d->part[j].access) && sq_v7_priv_rw(out[j].rasr);
        loop assigns i, out[0 .. n - 1];
        loop variant n - i;
    */
    for (uint32_t i = 0u; i < n; i++) {
        const sq_mem_partition_t *p = &d->part[i];
        sq_mpu_v7_fill(p->base, sq_mpu_v7_log2(p->size), p->access, &out[i]);
    }
    *count = n;
    return SQ_OK;
}

/*@ requires d == \null || \valid_read(d);
    requires out == \null || \valid(out + (0 .. room - 1));
    requires count == \null || \valid(count);
    requires \separated(out + (0 .. room - 1), count);
    requires d == \null || \separated(d, out + (0 .. room - 1), count);
    assigns out[0 .. room - 1], *count;
    behavior null_arg:
      assumes d == \null || out == \null || count == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes d != \null && out != \null && count != \null;
      assumes !sq_mpu_encodable(d, SQ_MEM_RULE_PMSAV8, room);
      assigns \nothing;
      ensures sq_mpu_refusal(d, SQ_MEM_RULE_PMSAV8, room, \result);
      ensures MPU03: *count == \old(*count) && sq_mpu_v8_kept{Pre, Post}(out, 0, room);
    behavior ok:
      assumes d != \null && out != \null && count != \null;
      assumes sq_mpu_encodable(d, SQ_MEM_RULE_PMSAV8, room);
      ensures \result == SQ_OK;
      ensures MPU03: *count == d->count && *count <= room;
      ensures MPU03: sq_mpu_v8_kept{Pre, Post}(out, d->count, room);
      ensures MPU01: \forall integer i; 0 <= i < d->count ==>
        sq_mpu_v8_covers(out[i].rbar, out[i].rlar, d->part[i].base, d->part[i].size);
      ensures MPU02: \forall integer i; 0 <= i < d->count ==>
        sq_mpu_v8_grants(out[i].rbar, out[i].rlar, d->part[i].access);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_mpu_v8_encode(const sq_mem_domain_t *d, sq_mpu_v8_region_t *out,
                             uint32_t room, uint32_t *count)
{
    if (d == NULL || out == NULL || count == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = sq_mpu_domain_check(d, SQ_MEM_RULE_PMSAV8, room);
    if (st != SQ_OK) {
        return st;
    }
    const uint32_t n = d->count;
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer j; 0 <= j < i ==>
          sq_mpu_v8_covers(out[j].rbar, out[j].rlar, d->part[j].base, d->part[j].size) &&
          sq_mpu_v8_grants(out[j].rbar, out[j].rlar, d->part[j].access);
        loop assigns i, out[0 .. n - 1];
        loop variant n - i;
    */
    for (uint32_t i = 0u; i < n; i++) {
        const sq_mem_partition_t *p = &d->part[i];
        sq_mpu_v8_fill(p->base, p->size, p->access, &out[i]);
    }
    *count = n;
    return SQ_OK;
}
