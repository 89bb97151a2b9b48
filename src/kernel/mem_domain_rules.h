/*
 * Internal: the memory-domain rules (MD01-MD07 of mem_domain.h) as ACSL
 * predicates, and the two checks thread.c makes with them when a thread
 * starts (a user stack's MPU rule, MD07). Implemented in mem_domain.c.
 *
 * Addresses are compared as integers: a region is [base, base + size), and
 * two regions overlap when they share a byte. No arithmetic here wraps.
 */
#ifndef SQUALL_SRC_MEM_DOMAIN_RULES_H
#define SQUALL_SRC_MEM_DOMAIN_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/mem_domain.h>
#include "sched.h"

/*@ predicate sq_overlap(integer a, integer a_size, integer b, integer b_size) =
      a <= b ? b - a < a_size : a - b < b_size;

    // [addr, addr + len) lies inside [base, base + size).
    predicate sq_covers(integer base, integer size, integer addr, integer len) =
      base <= addr && addr + len <= base + size;

    predicate sq_rule_known(integer rule) =
      rule == SQ_MEM_RULE_PMSAV7 || rule == SQ_MEM_RULE_PMSAV8;

    // MD02 for one region (any rule but PMSAv7 is read as PMSAv8).
    predicate sq_rule_fits(integer rule, integer base, integer size) =
      size >= SQ_MPU_GRANULE &&
      (rule == SQ_MEM_RULE_PMSAV7 ?
         (size & (size - 1)) == 0 && base % size == 0 :
         size % SQ_MPU_GRANULE == 0 && base % SQ_MPU_GRANULE == 0);

    // MD06 for one region: it ends at or before the end of the address space.
    predicate sq_no_wrap(integer base, integer size) = base + size <= UINTPTR_MAX + 1;
    // MD06 for a partition: it also ends at or below 4 GiB, the end of the
    // MPUs' 32-bit address space (on a 32-bit target, the same thing).
    predicate sq_in_space(integer base, integer size) = base + size <= 0x100000000;

    // RO, RW, RX or RWX, RO and RW also with SQ_MEM_DEVICE: no other bit,
    // read always, and device memory never executable.
    predicate sq_access_form(integer a) =
      a <= (SQ_MEM_RWX | SQ_MEM_DEVICE) && (a & SQ_MEM_READ) != 0 &&
      ((a & SQ_MEM_DEVICE) == 0 || (a & SQ_MEM_EXEC) == 0);

    predicate sq_md01(sq_mem_domain_t *d) =
      \forall integer i, j; 0 <= i < j < d->count ==>
        !sq_overlap(d->part[i].base, d->part[i].size, d->part[j].base, d->part[j].size);
    predicate sq_md02(sq_mem_domain_t *d) =
      \forall integer i; 0 <= i < d->count ==>
        sq_rule_fits(d->rule, d->part[i].base, d->part[i].size);
    predicate sq_md03(sq_mem_domain_t *d) =
      \forall integer i; 0 <= i < d->count ==> d->part[i].size > 0;
    predicate sq_md04(sq_mem_domain_t *d) = d->count <= SQ_CONFIG_MAX_PARTITIONS;
    predicate sq_md06(sq_mem_domain_t *d) =
      \forall integer i; 0 <= i < d->count ==>
        sq_no_wrap(d->part[i].base, d->part[i].size) &&
        sq_in_space(d->part[i].base, d->part[i].size);
    predicate sq_forms(sq_mem_domain_t *d) =
      \forall integer i; 0 <= i < d->count ==> sq_access_form(d->part[i].access);

    // An initialised domain keeps every rule (MD05: every change keeps this).
    predicate sq_domain_ok(sq_mem_domain_t *d) =
      d->magic == SQ_MEM_DOMAIN_MAGIC ==>
        sq_rule_known(d->rule) && sq_md01(d) && sq_md02(d) && sq_md03(d) &&
        sq_md04(d) && sq_md06(d) && sq_forms(d);

    // What a thread's domain field may hold.
    predicate sq_domain_ref_ok(sq_mem_domain_t *d) =
      d == \null || (\valid_read(d) && d->magic == SQ_MEM_DOMAIN_MAGIC && sq_domain_ok(d));
    predicate sq_domains_ok =
      \forall integer i; 0 <= i < sq_kernel.thread_count ==>
        sq_domain_ref_ok(sq_kernel.threads[i]->domain);

    // A domain is no thread control block the kernel knows.
    predicate sq_domain_apart(sq_mem_domain_t *d) =
      \forall integer i; 0 <= i < sq_kernel.thread_count ==> \separated(d, sq_kernel.threads[i]);

    // MD07's terms. The idle thread (entry 0) runs on the stack of the code
    // that called sq_kernel_run, which the kernel does not own.
    predicate sq_hits_stack(integer base, integer size, sq_thread_t *t) =
      sq_overlap(base, size, (uintptr_t)t->stack, t->stack_size);
    predicate sq_hits_known_stack(integer base, integer size) =
      \exists integer i; 1 <= i < sq_kernel.thread_count &&
        sq_hits_stack(base, size, sq_kernel.threads[i]);
    predicate sq_domain_hits(sq_mem_domain_t *d, integer base, integer size) =
      \exists integer k; 0 <= k < d->count &&
        sq_overlap(d->part[k].base, d->part[k].size, base, size);
    // Some partition of d grants write over a byte of [base, base + size).
    predicate sq_domain_grants_write(sq_mem_domain_t *d, integer base, integer size) =
      \exists integer k; 0 <= k < d->count && (d->part[k].access & SQ_MEM_WRITE) != 0 &&
        sq_overlap(d->part[k].base, d->part[k].size, base, size);
    // [base, base + size) is partition k of d at L (base and size).
    predicate sq_part_is{L}(sq_mem_domain_t *d, integer k, integer base, integer size) =
      \at(d->part[k].base, L) == base && \at(d->part[k].size, L) == size;
    // The threads the kernel knows, and their stacks, are at L2 what they
    // were at L1.
    predicate sq_stacks_same{L1, L2} =
      \at(sq_kernel.thread_count, L1) == \at(sq_kernel.thread_count, L2) &&
      \forall integer i; 1 <= i < \at(sq_kernel.thread_count, L1) ==>
        \at(sq_kernel.threads[i], L1) == \at(sq_kernel.threads[i], L2) &&
        \at(sq_kernel.threads[i]->stack, L1) == \at(sq_kernel.threads[i]->stack, L2) &&
        \at(sq_kernel.threads[i]->stack_size, L1) == \at(sq_kernel.threads[i]->stack_size, L2);

    lemma sq_stacks_same_trans{L1, L2, L3}:
      sq_stacks_same{L1, L2} && sq_stacks_same{L2, L3} ==> sq_stacks_same{L1, L3};

    // MD07 of an add stands while the known stacks stay the same.
    lemma sq_off_stack_kept{L1, L2}:
      \forall integer base, size;
        !sq_hits_known_stack{L1}(base, size) && sq_stacks_same{L1, L2} ==>
        !sq_hits_known_stack{L2}(base, size);

    // A partition of d overlaps a known thread's stack or t's.
    predicate sq_domain_hits_stacks(sq_mem_domain_t *d, sq_thread_t *t) =
      \exists integer k; 0 <= k < d->count &&
        (sq_hits_known_stack(d->part[k].base, d->part[k].size) ||
         sq_hits_stack(d->part[k].base, d->part[k].size, t));
    // Starting t would break MD07: its domain reaches a known stack or its
    // own, or a known thread's domain reaches t's stack.
    predicate sq_stack_conflict(sq_thread_t *t) =
      (t->domain != \null && sq_domain_hits_stacks(t->domain, t)) ||
      (\exists integer i; 0 <= i < sq_kernel.thread_count &&
         sq_kernel.threads[i]->domain != \null &&
         sq_domain_hits(sq_kernel.threads[i]->domain, (uintptr_t)t->stack, t->stack_size));
*/

/* For contracts: d holds at L2 the partitions 0 .. n - 1 it held at L1
 * (spelled out field by field, which the provers handle better than a
 * predicate over two memory states). */
#define SQ_PARTS_KEPT(L1, L2, d, n)                                              \
    (\forall integer j_; 0 <= j_ < (n) ==>                                     \
       \at((d)->part[j_].base, L2) == \at((d)->part[j_].base, L1) &&           \
       \at((d)->part[j_].size, L2) == \at((d)->part[j_].size, L1) &&           \
       \at((d)->part[j_].access, L2) == \at((d)->part[j_].access, L1))

/* d at L2 holds what it held at L1: as many partitions, the same ones. */
#define SQ_DOMAIN_KEPT(L1, L2, d)                                               \
    (\at((d)->count, L2) == \at((d)->count, L1) && SQ_PARTS_KEPT(L1, L2, d, \at((d)->count, L1)))

/** Whether the region [base, base + size) meets `rule` (MD02). */
/*@ assigns \nothing;
    ensures MD02: \result <==> sq_rule_fits(rule, base, size);
*/
bool sq_mem_rule_fits(uint32_t rule, uintptr_t base, uintptr_t size);

/** Whether starting `t` (not known to the kernel) would break MD07. */
/*@ requires sq_kernel_ok && sq_domains_ok && \valid_read(t) && sq_domain_ref_ok(t->domain);
    assigns \nothing;
    ensures MD07: \result <==> sq_stack_conflict(t);
*/
bool sq_mem_domain_stack_conflict(sq_thread_t *t);

/*@ // The checks of an add (sq_mem_domain_check makes them in this order).
    predicate sq_add_bad(sq_mem_domain_t *d, sq_mem_partition_t *p) =
      d->magic != SQ_MEM_DOMAIN_MAGIC || !sq_access_form(p->access);
    predicate sq_add_misaligned(sq_mem_domain_t *d, sq_mem_partition_t *p) =
      !sq_rule_fits(d->rule, p->base, p->size);
    predicate sq_add_wraps(sq_mem_partition_t *p) = !sq_no_wrap(p->base, p->size);
    predicate sq_add_above(sq_mem_partition_t *p) = !sq_in_space(p->base, p->size);
    predicate sq_add_overlaps(sq_mem_domain_t *d, sq_mem_partition_t *p) =
      sq_domain_hits(d, p->base, p->size);
    predicate sq_add_hits_stack(sq_mem_partition_t *p) =
      sq_hits_known_stack(p->base, p->size);
    predicate sq_add_checks_pass(sq_mem_domain_t *d, sq_mem_partition_t *p) =
      !sq_add_bad(d, p) && p->size != 0 && !sq_add_misaligned(d, p) &&
      !sq_add_wraps(p) && !sq_add_above(p) && !sq_add_overlaps(d, p) &&
      !sq_add_hits_stack(p);
    // Every part passes every check but room, and no two of them overlap.
    predicate sq_adds_pass(sq_mem_domain_t *d, sq_mem_partition_t *parts, integer n) =
      (\forall integer k; 0 <= k < n ==> sq_add_checks_pass(d, &parts[k])) &&
      \forall integer k, j; 0 <= k < j < n ==>
        !sq_overlap(parts[k].base, parts[k].size, parts[j].base, parts[j].size);
*/

/**
 * Add parts[0 .. n - 1] to d together, as its newest partitions in this
 * order, or none of them: every check of sq_mem_domain_add is made for each
 * (against d, the known stacks and the parts before it) and room for all,
 * before anything is written, so a refusal has nothing to undo. Its codes
 * are those of sq_mem_domain_add. Called with the lock held.
 */
/*@ requires sq_kernel_ok && \valid(d) && sq_domain_ok(d) && sq_domain_apart(d);
    requires 1 <= n <= SQ_CONFIG_MAX_PARTITIONS;
    requires \valid_read(parts + (0 .. n - 1)) && \separated(d, parts + (0 .. n - 1));
    assigns d->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], d->count;
    ensures sq_kernel_ok && sq_domain_ok(d);
    ensures \result != SQ_OK ==> d->count == \old(d->count) &&
      SQ_PARTS_KEPT(Pre, Here, d, SQ_CONFIG_MAX_PARTITIONS);
    ensures \result == SQ_OK ==> d->magic == SQ_MEM_DOMAIN_MAGIC &&
      d->count == \old(d->count) + n && SQ_PARTS_KEPT(Pre, Here, d, \old(d->count)) &&
      \forall integer i; 0 <= i < n ==>
        d->part[\old(d->count) + i].base == \old(parts[i].base) &&
        d->part[\old(d->count) + i].size == \old(parts[i].size) &&
        d->part[\old(d->count) + i].access == \old(parts[i].access);
    ensures MD07: \result == SQ_OK ==> \forall integer i; 0 <= i < n ==>
      \old(!sq_hits_known_stack(parts[i].base, parts[i].size));
    ensures sq_stacks_same{Pre, Here};
    ensures MD04: \old(d->count) + n > SQ_CONFIG_MAX_PARTITIONS ==> \result != SQ_OK;
    behavior full:
      assumes sq_adds_pass(d, (sq_mem_partition_t *)parts, n);
      assumes d->count + n > SQ_CONFIG_MAX_PARTITIONS;
      ensures MD04: \result == SQ_ERR_FULL;
*/
sq_status_t sq_mem_domain_add_all_locked(sq_mem_domain_t *d, const sq_mem_partition_t *parts,
                                         uint32_t n);

/** Take d's n newest partitions out (what sq_mem_domain_add_all_locked
 *  just added). Called with the lock held. */
/*@ requires sq_kernel_ok && \valid(d) && d->magic == SQ_MEM_DOMAIN_MAGIC && sq_domain_ok(d);
    requires sq_domain_apart(d) && n <= d->count;
    assigns d->count;
    ensures sq_kernel_ok && sq_domain_ok(d);
    ensures d->count == \old(d->count) - n && SQ_PARTS_KEPT(Pre, Here, d, \old(d->count) - n);
*/
void sq_mem_domain_drop_newest_locked(sq_mem_domain_t *d, uint32_t n);

#endif /* SQUALL_SRC_MEM_DOMAIN_RULES_H */
