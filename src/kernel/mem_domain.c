/*
 * squall: memory domains (include/squall/mem_domain.h).
 *
 * A change checks every rule before it writes anything, under the kernel
 * lock (MD07 reads the thread table), so a refused call changes nothing and
 * a domain always keeps MD01-MD04 and MD06 (sq_domain_ok). An add is
 * sq_mem_domain_add_all_locked of one partition; a shared stream's attach
 * adds its three with one call. The rules and their predicates are in
 * mem_domain_rules.h.
 */
#include <squall/mem_domain.h>
#include "mem_domain_rules.h"
#include "port.h"
#include "sched.h"

/*@ assigns \nothing;
    ensures \result <==> sq_overlap(a, a_size, b, b_size);
*/
static bool sq_ranges_overlap(uintptr_t a, uintptr_t a_size, uintptr_t b, uintptr_t b_size)
{
    return a <= b ? b - a < a_size : a - b < b_size;
}

/*@ assigns \nothing;
    ensures \result <==> sq_covers(base, size, addr, len);
*/
static bool sq_range_covers(uintptr_t base, uintptr_t size, uintptr_t addr, uintptr_t len)
{
    return addr >= base && len <= size && addr - base <= size - len;
}

bool sq_mem_rule_fits(uint32_t rule, uintptr_t base, uintptr_t size)
{
    if (size < SQ_MPU_GRANULE) {
        return false;
    }
    if (rule == (uint32_t)SQ_MEM_RULE_PMSAV7) {
        return (size & (size - 1u)) == 0u && base % size == 0u;
    }
    return size % SQ_MPU_GRANULE == 0u && base % SQ_MPU_GRANULE == 0u;
}

/*@ assigns \nothing;
    ensures \result <==> sq_access_form(access);
*/
static bool sq_access_form_ok(uint32_t access)
{
    /* Neither MPU can grant write or execute without read; code is never
     * fetched from device memory (its regions must be execute-never). */
    return access <= (SQ_MEM_RWX | SQ_MEM_DEVICE) && (access & SQ_MEM_READ) != 0u &&
           ((access & SQ_MEM_DEVICE) == 0u || (access & SQ_MEM_EXEC) == 0u);
}

/*@ requires \valid_read(t);
    assigns \nothing;
    ensures \result <==> sq_hits_stack(base, size, t);
*/
static bool sq_range_hits_stack(uintptr_t base, uintptr_t size, sq_thread_t *t)
{
    return sq_ranges_overlap(base, size, (uintptr_t)t->stack, t->stack_size);
}

/*@ requires sq_kernel_ok;
    assigns \nothing;
    ensures MD07: \result <==> sq_hits_known_stack(base, size);
*/
static bool sq_range_hits_known_stack(uintptr_t base, uintptr_t size)
{
    /*@ loop invariant 1 <= i <= sq_kernel.thread_count;
        loop invariant \forall integer j; 1 <= j < i ==>
          !sq_hits_stack(base, size, sq_kernel.threads[j]);
        loop assigns i;
        loop variant sq_kernel.thread_count - i;
    */
    for (uint32_t i = 1u; i < sq_kernel.thread_count; i++) {
        if (sq_range_hits_stack(base, size, sq_kernel.threads[i])) {
            return true;
        }
    }
    return false;
}

/*@ requires \valid_read(d) && d->count <= SQ_CONFIG_MAX_PARTITIONS;
    assigns \nothing;
    ensures \result <==> sq_domain_hits(d, base, size);
*/
static bool sq_domain_hits_range(sq_mem_domain_t *d, uintptr_t base, uintptr_t size)
{
    /*@ loop invariant 0 <= k <= d->count;
        loop invariant \forall integer j; 0 <= j < k ==>
          !sq_overlap(d->part[j].base, d->part[j].size, base, size);
        loop assigns k;
        loop variant d->count - k;
    */
    for (uint32_t k = 0u; k < d->count; k++) {
        if (sq_ranges_overlap(d->part[k].base, d->part[k].size, base, size)) {
            return true;
        }
    }
    return false;
}

/*@ requires sq_kernel_ok && \valid_read(d) && d->count <= SQ_CONFIG_MAX_PARTITIONS;
    requires \valid_read(t);
    assigns \nothing;
    ensures MD07: \result <==> sq_domain_hits_stacks(d, t);
*/
static bool sq_domain_hits_stacks(sq_mem_domain_t *d, sq_thread_t *t)
{
    /*@ loop invariant 0 <= k <= d->count;
        loop invariant \forall integer j; 0 <= j < k ==>
          !sq_hits_known_stack(d->part[j].base, d->part[j].size) &&
          !sq_hits_stack(d->part[j].base, d->part[j].size, t);
        loop assigns k;
        loop variant d->count - k;
    */
    for (uint32_t k = 0u; k < d->count; k++) {
        if (sq_range_hits_known_stack(d->part[k].base, d->part[k].size) ||
            sq_range_hits_stack(d->part[k].base, d->part[k].size, t)) {
            return true;
        }
    }
    return false;
}

bool sq_mem_domain_stack_conflict(sq_thread_t *t)
{
    if (t->domain != NULL && sq_domain_hits_stacks(t->domain, t)) {
        return true;
    }
    /*@ loop invariant 0 <= i <= sq_kernel.thread_count;
        loop invariant \forall integer j; 0 <= j < i ==>
          sq_kernel.threads[j]->domain == \null ||
          !sq_domain_hits(sq_kernel.threads[j]->domain, (uintptr_t)t->stack, t->stack_size);
        loop assigns i;
        loop variant sq_kernel.thread_count - i;
    */
    for (uint32_t i = 0u; i < sq_kernel.thread_count; i++) {
        sq_mem_domain_t *d = sq_kernel.threads[i]->domain;
        if (d != NULL && sq_domain_hits_range(d, (uintptr_t)t->stack, t->stack_size)) {
            return true;
        }
    }
    return false;
}

/*@ requires sq_kernel_ok;
    assigns \nothing;
    ensures \result <==> \exists integer i; 0 <= i < sq_kernel.thread_count &&
      sq_kernel.threads[i]->domain == d;
*/
static bool sq_mem_domain_in_use(sq_mem_domain_t *d)
{
    /*@ loop invariant 0 <= i <= sq_kernel.thread_count;
        loop invariant \forall integer j; 0 <= j < i ==> sq_kernel.threads[j]->domain != d;
        loop assigns i;
        loop variant sq_kernel.thread_count - i;
    */
    for (uint32_t i = 0u; i < sq_kernel.thread_count; i++) {
        if (sq_kernel.threads[i]->domain == d) {
            return true;
        }
    }
    return false;
}

/*@ requires sq_kernel_ok && \valid(d) && sq_domain_apart(d) && sq_rule_known(rule);
    assigns d->magic, d->rule, d->count;
    ensures sq_kernel_ok;
    behavior in_use:
      assumes \exists integer i; 0 <= i < sq_kernel.thread_count &&
        sq_kernel.threads[i]->domain == d;
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior initialised:
      assumes !\exists integer i; 0 <= i < sq_kernel.thread_count &&
        sq_kernel.threads[i]->domain == d;
      ensures \result == SQ_OK && d->magic == SQ_MEM_DOMAIN_MAGIC && d->rule == rule &&
        d->count == 0;
      ensures MD05: sq_domain_ok(d);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_mem_domain_init_locked(sq_mem_domain_t *d, uint32_t rule)
{
    /* A member's view would change under it, and its MPU regions with it. */
    if (sq_mem_domain_in_use(d)) {
        return SQ_ERR_BUSY;
    }
    d->magic = SQ_MEM_DOMAIN_MAGIC;
    d->rule = rule;
    d->count = 0u;
    return SQ_OK;
}

/*@ requires sq_kernel_ok;
    requires d == \null || (\valid(d) && sq_domain_apart(d));
    assigns d->magic, d->rule, d->count;
    ensures sq_kernel_ok;
    behavior null_arg:
      assumes d == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_rule:
      assumes d != \null && !sq_rule_known(rule);
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior checked:
      assumes d != \null && sq_rule_known(rule);
      ensures \result == SQ_OK || \result == SQ_ERR_BUSY;
      ensures MD05: \result == SQ_OK ==> sq_domain_ok(d) && d->count == 0;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_mem_domain_init(sq_mem_domain_t *d, sq_mem_rule_t rule)
{
    if (d == NULL) {
        return SQ_ERR_NULL;
    }
    if (rule != SQ_MEM_RULE_PMSAV7 && rule != SQ_MEM_RULE_PMSAV8) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_mem_domain_init_locked(d, (uint32_t)rule);
    sq_port_irq_unlock(key);
    return st;
}

/* For contracts: partition `to` of `d` at label L2 is partition `from` at
 * L1. (Spelled out field by field, which the provers handle better than a
 * predicate over two memory states.) */
#define SQ_PART_MOVED(L1, L2, to, from)                                        \
    (\at(d->part[to].base, L2) == \at(d->part[from].base, L1) &&               \
     \at(d->part[to].size, L2) == \at(d->part[from].size, L1) &&               \
     \at(d->part[to].access, L2) == \at(d->part[from].access, L1))

/* Every check of an add but room, in the order add makes them; changes
 * nothing. */
/*@ requires sq_kernel_ok && \valid_read(d) && sq_domain_ok(d) && \valid_read(p);
    assigns \nothing;
    behavior bad:
      assumes sq_add_bad(d, p);
      ensures \result == SQ_ERR_INVALID;
    behavior zero:
      assumes !sq_add_bad(d, p) && p->size == 0;
      ensures MD03: \result == SQ_ERR_ZERO_LENGTH;
    behavior misaligned:
      assumes !sq_add_bad(d, p) && p->size != 0 && sq_add_misaligned(d, p);
      ensures MD02: \result == SQ_ERR_RANGE;
    behavior wraps:
      assumes !sq_add_bad(d, p) && p->size != 0 && !sq_add_misaligned(d, p) &&
              sq_add_wraps(p);
      ensures MD06: \result == SQ_ERR_RANGE;
    behavior above:
      assumes !sq_add_bad(d, p) && p->size != 0 && !sq_add_misaligned(d, p) &&
              !sq_add_wraps(p) && sq_add_above(p);
      ensures MD06: \result == SQ_ERR_INVALID;
    behavior overlaps:
      assumes !sq_add_bad(d, p) && p->size != 0 && !sq_add_misaligned(d, p) &&
              !sq_add_wraps(p) && !sq_add_above(p) && sq_add_overlaps(d, p);
      ensures MD01: \result == SQ_ERR_BUSY;
    behavior on_stack:
      assumes !sq_add_bad(d, p) && p->size != 0 && !sq_add_misaligned(d, p) &&
              !sq_add_wraps(p) && !sq_add_above(p) && !sq_add_overlaps(d, p) &&
              sq_add_hits_stack(p);
      ensures MD07: \result == SQ_ERR_BUSY;
    behavior fits:
      assumes sq_add_checks_pass(d, p);
      ensures \result == SQ_OK;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_mem_domain_check(sq_mem_domain_t *d, const sq_mem_partition_t *p)
{
    if (d->magic != SQ_MEM_DOMAIN_MAGIC || !sq_access_form_ok(p->access)) {
        return SQ_ERR_INVALID;
    }
    if (p->size == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    if (!sq_mem_rule_fits(d->rule, p->base, p->size) || p->size - 1u > UINTPTR_MAX - p->base) {
        return SQ_ERR_RANGE;
    }
    /* The MPUs address 32 bits: a partition ending above 4 GiB (only a
     * 64-bit host has one) has no region, on any port. */
    if ((uint64_t)p->base > 0x100000000u - (uint64_t)p->size) {
        return SQ_ERR_INVALID;
    }
    if (sq_domain_hits_range(d, p->base, p->size) || sq_range_hits_known_stack(p->base, p->size)) {
        return SQ_ERR_BUSY;
    }
    return SQ_OK;
}

/* Make d's first `count` slots its partitions: they already keep every
 * rule. The MPU follows if the running thread is in d. */
/*@ requires sq_kernel_ok && \valid(d) && sq_domain_apart(d);
    requires d->magic == SQ_MEM_DOMAIN_MAGIC && sq_rule_known(d->rule);
    requires count <= SQ_CONFIG_MAX_PARTITIONS;
    requires \forall integer i, j; 0 <= i < j < count ==>
      !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size);
    requires \forall integer i; 0 <= i < count ==>
      sq_rule_fits(d->rule, d->part[i].base, d->part[i].size) &&
      d->part[i].size > 0 && sq_no_wrap(d->part[i].base, d->part[i].size) &&
      sq_in_space(d->part[i].base, d->part[i].size) &&
      sq_access_form(d->part[i].access);
    assigns d->count;
    ensures sq_kernel_ok && d->count == count && sq_stacks_same{Pre, Here};
    ensures SQ_PARTS_KEPT(Pre, Here, d, SQ_CONFIG_MAX_PARTITIONS);
    ensures MD05: sq_domain_ok(d);
*/
static void sq_mem_domain_set_count(sq_mem_domain_t *d, uint32_t count)
{
    d->count = count;
    /*@ assert rules: sq_md01(d) && sq_md02(d) && sq_md03(d) && sq_md04(d) && sq_md06(d) &&
          sq_forms(d); */
    if (sq_kernel.current->domain == d) {
        sq_port_mpu_update();
    }
}

/* Copy parts[0 .. n - 1] into the free slots after d's partitions (they
 * join d when its count grows). */
/*@ requires sq_kernel_ok && \valid(d) && sq_domain_apart(d);
    requires d->count + n <= SQ_CONFIG_MAX_PARTITIONS;
    requires \valid_read(parts + (0 .. n - 1)) && \separated(d, parts + (0 .. n - 1));
    requires \forall integer i; 0 <= i < n ==>
      sq_rule_fits(d->rule, parts[i].base, parts[i].size) && parts[i].size > 0 &&
      sq_no_wrap(parts[i].base, parts[i].size) &&
      sq_in_space(parts[i].base, parts[i].size) && sq_access_form(parts[i].access);
    requires \forall integer i, j; 0 <= i < d->count && 0 <= j < n ==>
      !sq_overlap(d->part[i].base, d->part[i].size, parts[j].base, parts[j].size);
    requires \forall integer i, j; 0 <= i < j < n ==>
      !sq_overlap(parts[i].base, parts[i].size, parts[j].base, parts[j].size);
    assigns d->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1];
    ensures SQ_PARTS_KEPT(Pre, Here, d, \old(d->count));
    ensures \let c = \old(d->count); \forall integer k; c <= k < c + n ==>
      sq_rule_fits(d->rule, d->part[k].base, d->part[k].size) && d->part[k].size > 0 &&
      sq_no_wrap(d->part[k].base, d->part[k].size) &&
      sq_in_space(d->part[k].base, d->part[k].size) && sq_access_form(d->part[k].access);
    ensures \let c = \old(d->count); \forall integer k; c <= k < c + n ==>
      d->part[k].base == \old(parts[k - c].base) &&
      d->part[k].size == \old(parts[k - c].size) &&
      d->part[k].access == \old(parts[k - c].access);
    ensures \let c = \old(d->count); \forall integer i, k; 0 <= i < c && c <= k < c + n ==>
      !sq_overlap(d->part[i].base, d->part[i].size, d->part[k].base, d->part[k].size);
    ensures \let c = \old(d->count); \forall integer k, l; c <= k < l < c + n ==>
      !sq_overlap(d->part[k].base, d->part[k].size, d->part[l].base, d->part[l].size);
    ensures d->magic == \old(d->magic) && d->rule == \old(d->rule) &&
      d->count == \old(d->count);
    ensures \forall integer i; 0 <= i < n ==> parts[i].base == \old(parts[i].base) &&
      parts[i].size == \old(parts[i].size) && parts[i].access == \old(parts[i].access);
    ensures sq_stacks_same{Pre, Here};
*/
static void sq_mem_domain_fill(sq_mem_domain_t *d, const sq_mem_partition_t *parts, uint32_t n)
{
    uint32_t first = d->count;
    /*@ loop invariant 0 <= i <= n;
        loop invariant SQ_PARTS_KEPT(Pre, Here, d, first);
        loop invariant \forall integer k; first <= k < first + i ==>
          d->part[k].base == parts[k - first].base &&
          d->part[k].size == parts[k - first].size &&
          d->part[k].access == parts[k - first].access;
        loop assigns i, d->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1];
        loop variant n - i;
    */
    for (uint32_t i = 0u; i < n; i++) {
        d->part[first + i].base = parts[i].base;
        d->part[first + i].size = parts[i].size;
        d->part[first + i].access = parts[i].access;
    }
}

sq_status_t sq_mem_domain_add_all_locked(sq_mem_domain_t *d, const sq_mem_partition_t *parts,
                                         uint32_t n)
{
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer k; 0 <= k < i ==> sq_add_checks_pass(d, &parts[k]);
        loop invariant \forall integer k, j; 0 <= k < j < i ==>
          !sq_overlap(parts[k].base, parts[k].size, parts[j].base, parts[j].size);
        loop assigns i;
        loop variant n - i;
    */
    for (uint32_t i = 0u; i < n; i++) {
        sq_status_t st = sq_mem_domain_check(d, &parts[i]);
        if (st != SQ_OK) {
            return st;
        }
        /*@ loop invariant 0 <= j <= i;
            loop invariant \forall integer k; 0 <= k < j ==>
              !sq_overlap(parts[k].base, parts[k].size, parts[i].base, parts[i].size);
            loop assigns j;
            loop variant i - j;
        */
        for (uint32_t j = 0u; j < i; j++) {
            if (sq_ranges_overlap(parts[j].base, parts[j].size, parts[i].base, parts[i].size)) {
                return SQ_ERR_BUSY;
            }
        }
    }
    /*@ assert checked: \forall integer k; 0 <= k < n ==>
          !sq_domain_hits(d, parts[k].base, parts[k].size) &&
          !sq_hits_known_stack(parts[k].base, parts[k].size); */
    //@ assert initialised: d->magic == SQ_MEM_DOMAIN_MAGIC && d->count <= SQ_CONFIG_MAX_PARTITIONS;
    if (n > SQ_CONFIG_MAX_PARTITIONS - d->count) {
        return SQ_ERR_FULL;
    }
    uint32_t first = d->count;
    /*@ assert fit_each: \forall integer i; 0 <= i < n ==>
          sq_rule_fits(d->rule, parts[i].base, parts[i].size) && parts[i].size > 0 &&
          sq_no_wrap(parts[i].base, parts[i].size) &&
          sq_in_space(parts[i].base, parts[i].size) && sq_access_form(parts[i].access) &&
          \forall integer k; 0 <= k < first ==>
            !sq_overlap(d->part[k].base, d->part[k].size, parts[i].base, parts[i].size); */
    /*@ assert pre_pairs: \forall integer i, j; 0 <= i < j < first ==>
          !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size); */
    /*@ assert pre_each: \forall integer i; 0 <= i < first ==>
          sq_rule_fits(d->rule, d->part[i].base, d->part[i].size) &&
          d->part[i].size > 0 && sq_no_wrap(d->part[i].base, d->part[i].size) &&
          sq_in_space(d->part[i].base, d->part[i].size) &&
          sq_access_form(d->part[i].access); */
    sq_mem_domain_fill(d, parts, n);
    //@ ghost filled: ;
    /*@ assert old_pairs: \forall integer i, j; 0 <= i < j < first ==>
          !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size); */
    /*@ assert old_each: \forall integer i; 0 <= i < first ==>
          sq_rule_fits(d->rule, d->part[i].base, d->part[i].size) &&
          d->part[i].size > 0 && sq_no_wrap(d->part[i].base, d->part[i].size) &&
          sq_in_space(d->part[i].base, d->part[i].size) &&
          sq_access_form(d->part[i].access); */
    /*@ assert new_each: \forall integer k; first <= k < first + n ==>
          sq_rule_fits(d->rule, d->part[k].base, d->part[k].size) &&
          d->part[k].size > 0 && sq_no_wrap(d->part[k].base, d->part[k].size) &&
          sq_in_space(d->part[k].base, d->part[k].size) &&
          sq_access_form(d->part[k].access); */
    /*@ assert pairs: \forall integer i, j; 0 <= i < j < first + n ==>
          !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size); */
    /*@ assert each: \forall integer i; 0 <= i < first + n ==>
          sq_rule_fits(d->rule, d->part[i].base, d->part[i].size) &&
          d->part[i].size > 0 && sq_no_wrap(d->part[i].base, d->part[i].size) &&
          sq_in_space(d->part[i].base, d->part[i].size) &&
          sq_access_form(d->part[i].access); */
    //@ assert kept_old: SQ_PARTS_KEPT(Pre, Here, d, first);
    /*@ assert newest: \forall integer i; 0 <= i < n ==>
          d->part[first + i].base == \at(parts[i].base, Pre) &&
          d->part[first + i].size == \at(parts[i].size, Pre) &&
          d->part[first + i].access == \at(parts[i].access, Pre); */
    sq_mem_domain_set_count(d, first + n);
    //@ assert kept: SQ_PARTS_KEPT(Pre, Here, d, first);
    //@ assert stacks: sq_stacks_same{filled, Here} && sq_stacks_same{Pre, Here};
    return SQ_OK;
}

void sq_mem_domain_drop_newest_locked(sq_mem_domain_t *d, uint32_t n)
{
    /*@ assert pairs: \forall integer i, j; 0 <= i < j < d->count - n ==>
          !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size); */
    /*@ assert each: \forall integer i; 0 <= i < d->count - n ==>
          sq_rule_fits(d->rule, d->part[i].base, d->part[i].size) &&
          d->part[i].size > 0 && sq_no_wrap(d->part[i].base, d->part[i].size) &&
          sq_in_space(d->part[i].base, d->part[i].size) &&
          sq_access_form(d->part[i].access); */
    sq_mem_domain_set_count(d, d->count - n);
}

/*@ requires sq_kernel_ok;
    requires d == \null || (\valid(d) && sq_domain_ok(d) && sq_domain_apart(d));
    requires p == \null || (\valid_read(p) && (d == \null || \separated(d, p)));
    assigns d->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], d->count;
    ensures sq_kernel_ok;
    behavior null_arg:
      assumes d == \null || p == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior checked:
      assumes d != \null && p != \null;
      ensures MD05: sq_domain_ok(d);
      // Added as the newest partition, the others kept; or nothing changed.
      ensures \result == SQ_OK ==> d->magic == SQ_MEM_DOMAIN_MAGIC &&
        d->count == \old(d->count) + 1 &&
        d->part[\old(d->count)].base == \old(p->base) &&
        d->part[\old(d->count)].size == \old(p->size) &&
        d->part[\old(d->count)].access == \old(p->access) &&
        SQ_PARTS_KEPT(Pre, Here, d, \old(d->count));
      ensures MD07: \result == SQ_OK ==>
        !sq_hits_known_stack(d->part[\old(d->count)].base, d->part[\old(d->count)].size);
      ensures \result != SQ_OK ==> d->count == \old(d->count) &&
        SQ_PARTS_KEPT(Pre, Here, d, SQ_CONFIG_MAX_PARTITIONS);
    behavior full:
      assumes d != \null && p != \null;
      assumes sq_add_checks_pass(d, (sq_mem_partition_t *)p);
      assumes d->count + 1 > SQ_CONFIG_MAX_PARTITIONS;
      ensures MD04: \result == SQ_ERR_FULL;
    complete behaviors null_arg, checked;
    disjoint behaviors null_arg, checked;
*/
sq_status_t sq_mem_domain_add(sq_mem_domain_t *d, const sq_mem_partition_t *p)
{
    if (d == NULL || p == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_mem_domain_add_all_locked(d, p, 1u);
    sq_port_irq_unlock(key);
    return st;
}


/* Index of the partition with exactly this base and size, or -1. */
/*@ requires \valid_read(d) && d->count <= SQ_CONFIG_MAX_PARTITIONS;
    assigns \nothing;
    ensures -1 <= \result < d->count;
    ensures \result >= 0 ==> sq_part_is{Here}(d, \result, base, size);
    ensures \result == -1 <==>
      !\exists integer k; 0 <= k < d->count && sq_part_is{Here}(d, k, base, size);
*/
static int32_t sq_mem_domain_find(sq_mem_domain_t *d, uintptr_t base, uint32_t size)
{
    /*@ loop invariant 0 <= k <= d->count;
        loop invariant \forall integer j; 0 <= j < k ==> !sq_part_is{Here}(d, j, base, size);
        loop assigns k;
        loop variant d->count - k;
    */
    for (uint32_t k = 0u; k < d->count; k++) {
        if (d->part[k].base == base && d->part[k].size == size) {
            return (int32_t)k;
        }
    }
    return -1;
}

/* Drop partition `at`: the last one takes its place. The order of the
 * partitions carries no meaning (they never overlap, MD01), and one move
 * keeps the proof of MD05 a single store instead of a shifting loop. */
/*@ requires \valid(d) && d->magic == SQ_MEM_DOMAIN_MAGIC && sq_domain_ok(d);
    requires 0 <= at < d->count;
    assigns d->part[at], d->count;
    ensures d->count == \old(d->count) - 1;
    ensures \forall integer j; 0 <= j < d->count && j != at ==> SQ_PART_MOVED(Pre, Here, j, j);
    ensures \let l = d->count; at < l ==> SQ_PART_MOVED(Pre, Here, at, l);
    ensures MD05: sq_domain_ok(d);
*/
static void sq_mem_domain_remove_at(sq_mem_domain_t *d, uint32_t at)
{
    /* MD01 in the other order too (sizes are positive, MD03): two kept
     * indices name two distinct old partitions, in either order. */
    /*@ assert old_sym: \forall integer i, j; 0 <= j < i < d->count ==>
          !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size); */
    /*@ assert old_pairs: \forall integer i, j; 0 <= i < d->count && 0 <= j < d->count &&
          i != j ==>
          !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size); */
    uint32_t last = d->count - 1u;
    d->part[at] = d->part[last];
    d->count = last;
    /*@ assert map: \let l = last; \forall integer i; 0 <= i < d->count ==>
          SQ_PART_MOVED(Pre, Here, i, i == at ? l : i); */
    /*@ assert each: \forall integer i; 0 <= i < d->count ==>
          sq_rule_fits(d->rule, d->part[i].base, d->part[i].size) &&
          d->part[i].size > 0 && sq_no_wrap(d->part[i].base, d->part[i].size) &&
          sq_in_space(d->part[i].base, d->part[i].size) &&
          sq_access_form(d->part[i].access); */
    /*@ assert pairs_kept: \forall integer i, j; 0 <= i < j < d->count && i != at && j != at ==>
          !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size); */
    /*@ assert pairs_moved: \let l = last; \forall integer j; 0 <= j < d->count && j != at ==>
          !sq_overlap(\at(d->part[l].base, Pre), \at(d->part[l].size, Pre),
                      d->part[j].base, d->part[j].size) &&
          !sq_overlap(d->part[j].base, d->part[j].size,
                      \at(d->part[l].base, Pre), \at(d->part[l].size, Pre)); */
    /*@ assert pairs: \forall integer i, j; 0 <= i < j < d->count ==>
          !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size); */
    /*@ assert rules: sq_rule_known(d->rule) && sq_md01(d) && sq_md02(d) && sq_md03(d) &&
          sq_md04(d) && sq_md06(d) && sq_forms(d); */
}

/*@ requires sq_kernel_ok && \valid(d) && sq_domain_ok(d);
    requires \valid_read(p);
    assigns d->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], d->count;
    ensures sq_kernel_ok && sq_domain_ok(d);
    ensures \result != SQ_OK ==> SQ_DOMAIN_KEPT(Pre, Here, d);
    // Removing the newest partition gives the domain back as it was before
    // that partition's add (no other partition has its base and size, MD01).
    ensures newest: \old(d->magic) == SQ_MEM_DOMAIN_MAGIC && \old(d->count) >= 1 &&
      sq_part_is{Pre}(d, \old(d->count) - 1, \old(p->base), \old(p->size)) ==>
      \result == SQ_OK && d->count == \old(d->count) - 1 &&
      SQ_PARTS_KEPT(Pre, Here, d, d->count);
    behavior bad:
      assumes d->magic != SQ_MEM_DOMAIN_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior absent:
      assumes d->magic == SQ_MEM_DOMAIN_MAGIC;
      assumes !\exists integer k; 0 <= k < d->count && sq_part_is{Here}(d, k, p->base, p->size);
      assigns \nothing;
      ensures \result == SQ_ERR_NOT_FOUND;
    behavior removed:
      assumes d->magic == SQ_MEM_DOMAIN_MAGIC;
      assumes \exists integer k; 0 <= k < d->count && sq_part_is{Here}(d, k, p->base, p->size);
      ensures \result == SQ_OK && d->count == \old(d->count) - 1;
      ensures MD05: sq_md01(d) && sq_md02(d) && sq_md03(d) && sq_md04(d) && sq_md06(d);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_mem_domain_remove_locked(sq_mem_domain_t *d, const sq_mem_partition_t *p)
{
    if (d->magic != SQ_MEM_DOMAIN_MAGIC) {
        return SQ_ERR_INVALID;
    }
    int32_t at = sq_mem_domain_find(d, p->base, p->size);
    if (at < 0) {
        return SQ_ERR_NOT_FOUND;
    }
    /* The first match is the newest one when the newest matches: an older
     * one with its base and size would overlap it (sizes are positive). */
    /*@ assert md01_at: at < d->count - 1 ==>
          !sq_overlap(d->part[at].base, d->part[at].size,
                      d->part[d->count - 1].base, d->part[d->count - 1].size); */
    /*@ assert newest_overlaps: sq_part_is{Here}(d, d->count - 1, p->base, p->size) ==>
          sq_overlap(d->part[at].base, d->part[at].size,
                     d->part[d->count - 1].base, d->part[d->count - 1].size); */
    /*@ assert newest_only: sq_part_is{Here}(d, d->count - 1, p->base, p->size) ==>
          at == d->count - 1; */
    sq_mem_domain_remove_at(d, (uint32_t)at);
    if (sq_kernel.current->domain == d) {
        sq_port_mpu_update();
    }
    return SQ_OK;
}

/*@ requires sq_kernel_ok;
    requires d == \null || (\valid(d) && sq_domain_ok(d));
    requires p == \null || \valid_read(p);
    assigns d->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], d->count;
    ensures sq_kernel_ok;
    behavior null_arg:
      assumes d == \null || p == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior checked:
      assumes d != \null && p != \null;
      ensures MD05: sq_domain_ok(d);
      ensures \result != SQ_OK ==> SQ_DOMAIN_KEPT(Pre, Here, d);
      // Removing the newest partition undoes its add.
      ensures \old(d->magic) == SQ_MEM_DOMAIN_MAGIC && \old(d->count) >= 1 &&
        sq_part_is{Pre}(d, \old(d->count) - 1, \old(p->base), \old(p->size)) ==>
        \result == SQ_OK && d->count == \old(d->count) - 1 &&
        SQ_PARTS_KEPT(Pre, Here, d, d->count);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_mem_domain_remove(sq_mem_domain_t *d, const sq_mem_partition_t *p)
{
    if (d == NULL || p == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_mem_domain_remove_locked(d, p);
    sq_port_irq_unlock(key);
    return st;
}

/* Put `t` in `d` (NULL: in none); the MPU follows if `t` runs. */
/*@ requires sq_kernel_ok && \valid(t) && sq_thread_apart(t);
    assigns t->domain;
    ensures sq_kernel_ok && t->domain == d;
*/
static void sq_thread_set_domain(sq_thread_t *t, sq_mem_domain_t *d)
{
    t->domain = d;
    /* Only a thread's domain field changed: the scheduler's view of every
     * known thread is the one before. */
    /*@ assert queues: \forall integer i; 0 <= i < sq_kernel.thread_count ==>
          sq_kernel.threads[i]->queue == \at(sq_kernel.threads[i]->queue, Pre); */
    /*@ assert threads_ok: \forall integer i; 0 <= i < sq_kernel.thread_count ==>
          sq_thread_inv(sq_kernel.threads[i]); */
    /*@ assert distinct: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
          0 <= j < sq_kernel.thread_count && i != j ==>
          sq_distinct(sq_kernel.threads[i], sq_kernel.threads[j]); */
    if (t == sq_kernel.current) {
        sq_port_mpu_update();
    }
}

/*@ requires sq_kernel_ok && \valid(d) && sq_domain_ok(d);
    requires \valid(t) && sq_thread_apart(t);
    assigns t->domain;
    ensures sq_kernel_ok;
    behavior bad:
      assumes d->magic != SQ_MEM_DOMAIN_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior on_stack:
      assumes d->magic == SQ_MEM_DOMAIN_MAGIC && sq_domain_hits_stacks(d, t);
      assigns \nothing;
      ensures MD07: \result == SQ_ERR_BUSY;
    behavior joined:
      assumes d->magic == SQ_MEM_DOMAIN_MAGIC && !sq_domain_hits_stacks(d, t);
      ensures \result == SQ_OK && t->domain == d;
      ensures MD07: !\at(sq_domain_hits_stacks(d, t), Pre);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_mem_domain_add_thread_locked(sq_mem_domain_t *d, sq_thread_t *t)
{
    if (d->magic != SQ_MEM_DOMAIN_MAGIC) {
        return SQ_ERR_INVALID;
    }
    if (sq_domain_hits_stacks(d, t)) {
        return SQ_ERR_BUSY;
    }
    sq_thread_set_domain(t, d);
    return SQ_OK;
}

/*@ requires sq_kernel_ok;
    requires d == \null || (\valid(d) && sq_domain_ok(d));
    requires t == \null || (\valid(t) && sq_thread_apart(t));
    assigns t->domain;
    ensures sq_kernel_ok;
    behavior null_arg:
      assumes d == \null || t == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior checked:
      assumes d != \null && t != \null;
      ensures MD07: \result == SQ_OK ==> t->domain == d && !\at(sq_domain_hits_stacks(d, t), Pre);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_mem_domain_add_thread(sq_mem_domain_t *d, sq_thread_t *t)
{
    if (d == NULL || t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_mem_domain_add_thread_locked(d, t);
    sq_port_irq_unlock(key);
    return st;
}

/*@ requires sq_kernel_ok && \valid(t) && sq_thread_apart(t);
    assigns t->domain;
    ensures sq_kernel_ok && t->domain == \null;
    behavior none:
      assumes t->domain == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NOT_FOUND;
    behavior left:
      assumes t->domain != \null;
      ensures \result == SQ_OK && t->domain == \null;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_mem_domain_remove_thread_locked(sq_thread_t *t)
{
    if (t->domain == NULL) {
        return SQ_ERR_NOT_FOUND;
    }
    sq_thread_set_domain(t, NULL);
    return SQ_OK;
}

/*@ requires sq_kernel_ok;
    requires t == \null || (\valid(t) && sq_thread_apart(t));
    assigns t->domain;
    ensures sq_kernel_ok;
    ensures t == \null ==> \result == SQ_ERR_NULL;
    ensures t != \null ==> t->domain == \null;
*/
sq_status_t sq_mem_domain_remove_thread(sq_thread_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_mem_domain_remove_thread_locked(t);
    sq_port_irq_unlock(key);
    return st;
}

/*@ // Every right asked for (SQ_MEM_READ / WRITE / EXEC bits) is granted.
    predicate sq_grants(integer granted, integer want) =
      ((want & SQ_MEM_READ) == 0 || (granted & SQ_MEM_READ) != 0) &&
      ((want & SQ_MEM_WRITE) == 0 || (granted & SQ_MEM_WRITE) != 0) &&
      ((want & SQ_MEM_EXEC) == 0 || (granted & SQ_MEM_EXEC) != 0);

    predicate sq_allowed(sq_thread_t *t, integer addr, integer len, integer want) =
      t != \null && len > 0 && sq_no_wrap(addr, len) &&
      (((t->options & SQ_THREAD_USER) != 0 && sq_grants(SQ_MEM_RW, want) &&
        sq_covers((uintptr_t)t->stack, t->stack_size, addr, len)) ||
       (t->domain != \null &&
        \exists integer k; 0 <= k < t->domain->count &&
          sq_grants(t->domain->part[k].access, want) &&
          sq_covers(t->domain->part[k].base, t->domain->part[k].size, addr, len)));
*/

/*@ assigns \nothing;
    ensures \result <==> sq_grants(granted, want) && sq_covers(base, size, addr, len);
*/
static bool sq_region_grants(uintptr_t base, uintptr_t size, uint32_t granted, uintptr_t addr,
                             uintptr_t len, uint32_t want)
{
    /* Bit by bit: every right asked for is among those granted. */
    return ((want & SQ_MEM_READ) == 0u || (granted & SQ_MEM_READ) != 0u) &&
           ((want & SQ_MEM_WRITE) == 0u || (granted & SQ_MEM_WRITE) != 0u) &&
           ((want & SQ_MEM_EXEC) == 0u || (granted & SQ_MEM_EXEC) != 0u) &&
           sq_range_covers(base, size, addr, len);
}

/*@ requires t == \null || (\valid_read(t) && sq_domain_ref_ok(t->domain));
    assigns \nothing;
    ensures \result <==> sq_allowed(t, addr, len, access & SQ_MEM_RWX);
*/
bool sq_mem_domain_allows(const sq_thread_t *t, uintptr_t addr, size_t len, uint32_t access)
{
    if (t == NULL || len == 0u || len - 1u > UINTPTR_MAX - addr) {
        return false;
    }
    uint32_t want = access & SQ_MEM_RWX;
    /* A user thread's own stack is a read-write region of its MPU view. */
    if ((t->options & SQ_THREAD_USER) != 0u &&
        sq_region_grants((uintptr_t)t->stack, t->stack_size, SQ_MEM_RW, addr, len, want)) {
        return true;
    }
    /*@ assert no_stack: !((t->options & SQ_THREAD_USER) != 0 && sq_grants(SQ_MEM_RW, want) &&
          sq_covers((uintptr_t)t->stack, t->stack_size, addr, len)); */
    sq_mem_domain_t *d = t->domain;
    if (d == NULL) {
        return false;
    }
    /*@ loop invariant 0 <= k <= d->count;
        loop invariant \forall integer j; 0 <= j < k ==>
          !(sq_grants(d->part[j].access, want) &&
            sq_covers(d->part[j].base, d->part[j].size, addr, len));
        loop assigns k;
        loop variant d->count - k;
    */
    for (uint32_t k = 0u; k < d->count; k++) {
        if (sq_region_grants(d->part[k].base, d->part[k].size, d->part[k].access, addr, len,
                             want)) {
            return true;
        }
    }
    /*@ assert none: !\exists integer k; 0 <= k < d->count &&
          sq_grants(d->part[k].access, want) &&
          sq_covers(d->part[k].base, d->part[k].size, addr, len); */
    return false;
}

/*@ requires p == \null || \valid(p);
    assigns *p;
    behavior null_arg:
      assumes p == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior ok:
      assumes p != \null;
      ensures \result == SQ_OK && p->base == base && p->size == size && p->access == access;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_mem_partition_init(sq_mem_partition_t *p, uintptr_t base, uint32_t size,
                                  uint32_t access)
{
    if (p == NULL) {
        return SQ_ERR_NULL;
    }
    p->base = base;
    p->size = size;
    p->access = access;
    return SQ_OK;
}
