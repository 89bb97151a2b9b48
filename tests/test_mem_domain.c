/*
 * Memory domain suite (include/squall/mem_domain.h), on the host port and
 * on Cortex-M under QEMU: the rules MD01-MD07, what sq_mem_domain_allows
 * answers, user-thread starts and the fault record. No user thread's entry
 * runs unprivileged here (the port's suite does that); the one test that
 * runs a user thread's entry is host-only, where it runs privileged.
 */
#include <stdbool.h>
#include <string.h>
#include <squall/mem_domain.h>
#include <squall/thread.h>
#include "../src/kernel/port.h"
#include "sq_test.h"

#define STACK 1024u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);
/* 1000 bytes: a whole number of 8-byte words, not of 32-byte granules. */
SQ_THREAD_DEFINE(th_odd, 1000u);
SQ_USER_THREAD_DEFINE(th_u, STACK);
SQ_USER_THREAD_DEFINE(th_v, STACK);

/* Memory the partitions below stand for: aligned for both rules. */
static _Alignas(512) uint8_t region[512];
#define REGION ((uintptr_t)region)

static int results[8];

static void reset_all(void)
{
    memset(results, 0, sizeof results);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
}

static void idle_entry(void *arg)
{
    (void)arg;
}

/* The domain as it was: its header and every partition in use. */
static bool same(const sq_mem_domain_t *d, const sq_mem_domain_t *before)
{
    if (d->magic != before->magic || d->rule != before->rule || d->count != before->count) {
        return false;
    }
    for (uint32_t i = 0; i < d->count && i < SQ_CONFIG_MAX_PARTITIONS; i++) {
        if (d->part[i].base != before->part[i].base || d->part[i].size != before->part[i].size ||
            d->part[i].access != before->part[i].access) {
            return false;
        }
    }
    return true;
}

static sq_status_t add(sq_mem_domain_t *d, uintptr_t base, uint32_t size, uint32_t access)
{
    sq_mem_partition_t p = SQ_MEM_PARTITION(base, size, access);
    return sq_mem_domain_add(d, &p);
}

static sq_status_t del(sq_mem_domain_t *d, uintptr_t base, uint32_t size)
{
    sq_mem_partition_t p = SQ_MEM_PARTITION(base, size, SQ_MEM_RO);
    return sq_mem_domain_remove(d, &p);
}

/* The first 32-byte granule wholly inside a thread's stack. */
static uintptr_t granule_in_stack(const sq_thread_t *t)
{
    return ((uintptr_t)t->stack + SQ_MPU_GRANULE - 1u) & ~(uintptr_t)(SQ_MPU_GRANULE - 1u);
}

static void test_init(void **state)
{
    (void)state;
    reset_all();
    sq_mem_domain_t d;
    memset(&d, 0, sizeof d);
    SQ_CHECK_EQ(sq_mem_domain_init(NULL, SQ_MEM_RULE_PMSAV8), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_domain_init(&d, (sq_mem_rule_t)6), SQ_ERR_INVALID);
    SQ_CHECK_EQ(d.magic, 0u);
    SQ_CHECK_EQ(sq_mem_domain_init(&d, SQ_MEM_RULE_PMSAV7), SQ_OK);
    SQ_CHECK_EQ(d.magic, SQ_MEM_DOMAIN_MAGIC);
    SQ_CHECK_EQ(d.rule, (uint32_t)SQ_MEM_RULE_PMSAV7);
    SQ_CHECK_EQ(d.count, 0u);

    SQ_MEM_DOMAIN_DEFINE(def);
    SQ_CHECK_EQ(def.rule, (uint32_t)SQ_MEM_RULE_DEFAULT);

    /* A started thread in the domain: re-initialising it is refused. */
    SQ_CHECK_EQ(add(&d, REGION, 64u, SQ_MEM_RW), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&d, &th_a), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, idle_entry, NULL, 5, 0), SQ_OK);
    sq_mem_domain_t before;
    memcpy(&before, &d, sizeof d);
    SQ_CHECK_EQ(sq_mem_domain_init(&d, SQ_MEM_RULE_PMSAV8), SQ_ERR_BUSY);
    SQ_CHECK(same(&d, &before));
    SQ_CHECK_EQ(sq_thread_abort(&th_a), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_init(&d, SQ_MEM_RULE_PMSAV8), SQ_OK);
    SQ_CHECK_EQ(d.count, 0u);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_a), SQ_OK);
}

/* Every refused add returns its code and leaves the domain byte for byte. */
static void test_add_refused(void **state)
{
    (void)state;
    reset_all();
    sq_mem_domain_t v7, v8, raw, before;
    SQ_CHECK_EQ(sq_mem_domain_init(&v7, SQ_MEM_RULE_PMSAV7), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_init(&v8, SQ_MEM_RULE_PMSAV8), SQ_OK);
    memset(&raw, 0, sizeof raw);
    sq_mem_partition_t p = SQ_MEM_PARTITION(REGION, 64u, SQ_MEM_RW);
    SQ_CHECK_EQ(sq_mem_domain_add(NULL, &p), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_domain_add(&v8, NULL), SQ_ERR_NULL);
    memcpy(&before, &raw, sizeof raw);
    SQ_CHECK_EQ(sq_mem_domain_add(&raw, &p), SQ_ERR_INVALID);
    SQ_CHECK(same(&raw, &before));

    SQ_CHECK_EQ(add(&v7, REGION + 256u, 64u, SQ_MEM_RW), SQ_OK);
    SQ_CHECK_EQ(add(&v8, REGION + 256u, 64u, SQ_MEM_RW), SQ_OK);
    static const struct {
        uintptr_t base;
        uint32_t size, access;
        sq_status_t v7, v8;
    } cases[] = {
        /* Access forms: none, write-only, execute-only, write-execute,
         * device alone, executable device memory, an unknown bit. */
        {REGION, 64u, 0u, SQ_ERR_INVALID, SQ_ERR_INVALID},
        {REGION, 64u, SQ_MEM_WRITE, SQ_ERR_INVALID, SQ_ERR_INVALID},
        {REGION, 64u, SQ_MEM_EXEC, SQ_ERR_INVALID, SQ_ERR_INVALID},
        {REGION, 64u, SQ_MEM_WRITE | SQ_MEM_EXEC, SQ_ERR_INVALID, SQ_ERR_INVALID},
        {REGION, 64u, SQ_MEM_DEVICE, SQ_ERR_INVALID, SQ_ERR_INVALID},
        {REGION, 64u, SQ_MEM_RX | SQ_MEM_DEVICE, SQ_ERR_INVALID, SQ_ERR_INVALID},
        {REGION, 64u, SQ_MEM_RW | 0x10u, SQ_ERR_INVALID, SQ_ERR_INVALID},
        /* MD03: empty. */
        {REGION, 0u, SQ_MEM_RW, SQ_ERR_ZERO_LENGTH, SQ_ERR_ZERO_LENGTH},
        /* MD02: below a granule; not a power of two (PMSAv7) but 32-byte
         * granules (PMSAv8); base not a multiple of the size (PMSAv7) but
         * of 32 (PMSAv8); neither. */
        {REGION, 16u, SQ_MEM_RW, SQ_ERR_RANGE, SQ_ERR_RANGE},
        {REGION, 96u, SQ_MEM_RW, SQ_ERR_RANGE, SQ_OK},
        {REGION + 32u, 64u, SQ_MEM_RW, SQ_ERR_RANGE, SQ_OK},
        {REGION + 8u, 64u, SQ_MEM_RW, SQ_ERR_RANGE, SQ_ERR_RANGE},
        {REGION, 40u, SQ_MEM_RW, SQ_ERR_RANGE, SQ_ERR_RANGE},
        /* MD06: passes the top of the address space (aligned for PMSAv8). */
        {UINTPTR_MAX - 31u, 64u, SQ_MEM_RW, SQ_ERR_RANGE, SQ_ERR_RANGE},
        /* MD01: overlaps the partition at REGION + 256, by a byte or whole. */
        {REGION + 224u, 64u, SQ_MEM_RO, SQ_ERR_RANGE, SQ_ERR_BUSY},
        {REGION + 256u, 32u, SQ_MEM_RO, SQ_ERR_BUSY, SQ_ERR_BUSY},
        {REGION, 512u, SQ_MEM_RO, SQ_ERR_BUSY, SQ_ERR_BUSY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sq_mem_domain_t *ds[2] = {&v7, &v8};
        sq_status_t want[2] = {cases[i].v7, cases[i].v8};
        for (size_t r = 0; r < 2; r++) {
            memcpy(&before, ds[r], sizeof before);
            SQ_CHECK_EQ(add(ds[r], cases[i].base, cases[i].size, cases[i].access), want[r]);
            if (want[r] == SQ_OK) {
                SQ_CHECK_EQ(ds[r]->count, before.count + 1u);
                SQ_CHECK_EQ(del(ds[r], cases[i].base, cases[i].size), SQ_OK);
            }
            SQ_CHECK(same(ds[r], &before));
        }
    }

    /* Up to 4 GiB is fine (on a 32-bit target the top of the address
     * space: the next granule wraps, RANGE). */
    SQ_CHECK_EQ(add(&v8, 0xffffffe0u, 32u, SQ_MEM_RO | SQ_MEM_DEVICE), SQ_OK);
    SQ_CHECK_EQ(del(&v8, 0xffffffe0u, 32u), SQ_OK);
    SQ_CHECK_EQ(add(&v7, 0xffffffe0u, 32u, SQ_MEM_RO), SQ_OK);
    SQ_CHECK_EQ(del(&v7, 0xffffffe0u, 32u), SQ_OK);
    /* MD06: a partition ending above 4 GiB (a 64-bit host's) has no MPU
     * region: add refuses it, so no encoder meets one. */
    const bool wide = sizeof(uintptr_t) > 4u;
    const uintptr_t four_gib = (uintptr_t)0xffffffe0u + 32u; /* 0 on a 32-bit target */
    memcpy(&before, &v8, sizeof before);
    SQ_CHECK_EQ(add(&v8, 0xffffffe0u, 64u, SQ_MEM_RW), wide ? SQ_ERR_INVALID : SQ_ERR_RANGE);
    SQ_CHECK(same(&v8, &before));
    if (wide) {
        SQ_CHECK_EQ(add(&v8, four_gib, 32u, SQ_MEM_RW), SQ_ERR_INVALID);
        SQ_CHECK_EQ(add(&v8, UINTPTR_MAX - 31u, 32u, SQ_MEM_RO), SQ_ERR_INVALID);
        SQ_CHECK_EQ(add(&v7, four_gib, 32u, SQ_MEM_RW), SQ_ERR_INVALID);
        SQ_CHECK(same(&v8, &before));
    }

    /* MD04: SQ_CONFIG_MAX_PARTITIONS, then FULL. */
    SQ_CHECK_EQ(sq_mem_domain_init(&v8, SQ_MEM_RULE_PMSAV8), SQ_OK);
    for (uint32_t i = 0; i < SQ_CONFIG_MAX_PARTITIONS; i++) {
        SQ_CHECK_EQ(add(&v8, REGION + 32u * i, 32u, SQ_MEM_RO), SQ_OK);
    }
    memcpy(&before, &v8, sizeof before);
    SQ_CHECK_EQ(add(&v8, REGION + 32u * SQ_CONFIG_MAX_PARTITIONS, 32u, SQ_MEM_RO), SQ_ERR_FULL);
    SQ_CHECK(same(&v8, &before));
    /* An overlap is reported before fullness (the header's order). */
    SQ_CHECK_EQ(add(&v8, REGION, 32u, SQ_MEM_RO), SQ_ERR_BUSY);
}

/* MD07: no partition over a started thread's stack, until it has ended. */
static void test_add_over_stack(void **state)
{
    (void)state;
    reset_all();
    sq_mem_domain_t d, before;
    SQ_CHECK_EQ(sq_mem_domain_init(&d, SQ_MEM_RULE_PMSAV8), SQ_OK);
    uintptr_t g = granule_in_stack(&th_a);
    SQ_CHECK_EQ(add(&d, g, 32u, SQ_MEM_RW), SQ_OK); /* th_a not started */
    SQ_CHECK_EQ(del(&d, g, 32u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, idle_entry, NULL, 5, 0), SQ_OK);
    memcpy(&before, &d, sizeof before);
    SQ_CHECK_EQ(add(&d, g, 32u, SQ_MEM_RW), SQ_ERR_BUSY);
    SQ_CHECK(same(&d, &before));
    /* The last byte of the stack counts; the byte after it does not. */
    uintptr_t end = (uintptr_t)th_a.stack + th_a.stack_size;
    uintptr_t last = (end - 1u) & ~(uintptr_t)31u;
    SQ_CHECK_EQ(add(&d, last, 32u, SQ_MEM_RO), SQ_ERR_BUSY);
    SQ_CHECK(same(&d, &before));
    SQ_CHECK_EQ(add(&d, (end + 31u) & ~(uintptr_t)31u, 32u, SQ_MEM_RO), SQ_OK);
    SQ_CHECK_EQ(sq_thread_abort(&th_a), SQ_OK);
    SQ_CHECK_EQ(add(&d, g, 32u, SQ_MEM_RW), SQ_OK);
}

/* Removal leaves no hole: the last partition takes the removed one's index. */
static void test_remove_order(void **state)
{
    (void)state;
    reset_all();
    sq_mem_domain_t d, raw, before;
    SQ_CHECK_EQ(sq_mem_domain_init(&d, SQ_MEM_RULE_PMSAV7), SQ_OK);
    for (uint32_t i = 0; i < 4u; i++) {
        SQ_CHECK_EQ(add(&d, REGION + 64u * i, 64u, i % 2u == 0u ? SQ_MEM_RO : SQ_MEM_RW), SQ_OK);
    }
    SQ_CHECK_EQ(sq_mem_domain_remove(NULL, &d.part[0]), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_domain_remove(&d, NULL), SQ_ERR_NULL);
    memset(&raw, 0, sizeof raw);
    SQ_CHECK_EQ(del(&raw, REGION, 64u), SQ_ERR_INVALID);
    memcpy(&before, &d, sizeof before);
    SQ_CHECK_EQ(del(&d, REGION + 64u, 32u), SQ_ERR_NOT_FOUND);   /* size differs */
    SQ_CHECK_EQ(del(&d, REGION + 32u, 64u), SQ_ERR_NOT_FOUND);   /* base differs */
    SQ_CHECK(same(&d, &before));

    /* Access is not compared: RO given, RW stored. */
    SQ_CHECK_EQ(del(&d, REGION + 64u, 64u), SQ_OK);
    SQ_CHECK_EQ(d.count, 3u);
    SQ_CHECK_EQ(d.part[0].base, REGION);
    SQ_CHECK_EQ(d.part[1].base, REGION + 192u);        /* the last moved in */
    SQ_CHECK_EQ(d.part[1].access, SQ_MEM_RW);
    SQ_CHECK_EQ(d.part[2].base, REGION + 128u);        /* untouched */
    SQ_CHECK_EQ(d.part[2].access, SQ_MEM_RO);
    SQ_CHECK_EQ(del(&d, REGION + 128u, 64u), SQ_OK);   /* the last */
    SQ_CHECK_EQ(d.count, 2u);
    SQ_CHECK_EQ(d.part[1].base, REGION + 192u);
    SQ_CHECK_EQ(del(&d, REGION, 64u), SQ_OK);          /* the first */
    SQ_CHECK_EQ(d.count, 1u);
    SQ_CHECK_EQ(d.part[0].base, REGION + 192u);
    SQ_CHECK_EQ(del(&d, REGION + 192u, 64u), SQ_OK);
    SQ_CHECK_EQ(d.count, 0u);
    SQ_CHECK_EQ(del(&d, REGION + 192u, 64u), SQ_ERR_NOT_FOUND);
    /* The freed room is usable again. */
    SQ_CHECK_EQ(add(&d, REGION + 64u, 64u, SQ_MEM_RX), SQ_OK);
    SQ_CHECK_EQ(d.part[0].access, SQ_MEM_RX);
}

static void test_allows(void **state)
{
    (void)state;
    reset_all();
    sq_mem_domain_t d;
    SQ_CHECK_EQ(sq_mem_domain_init(&d, SQ_MEM_RULE_PMSAV7), SQ_OK);
    /* Two adjacent partitions, and one executable. */
    SQ_CHECK_EQ(add(&d, REGION, 64u, SQ_MEM_RO), SQ_OK);
    SQ_CHECK_EQ(add(&d, REGION + 64u, 64u, SQ_MEM_RW | SQ_MEM_DEVICE), SQ_OK);
    SQ_CHECK_EQ(add(&d, REGION + 256u, 256u, SQ_MEM_RX), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&d, &th_u), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&d, &th_a), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_u, idle_entry, NULL, 5, SQ_THREAD_USER), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, idle_entry, NULL, 5, 0), SQ_OK);

    uintptr_t stack = (uintptr_t)th_u.stack;
    SQ_CHECK(!sq_mem_domain_allows(NULL, REGION, 4u, SQ_MEM_READ));
    /* The user thread's own stack: read and write, whole, not execute. */
    SQ_CHECK(sq_mem_domain_allows(&th_u, stack, STACK, SQ_MEM_RW));
    SQ_CHECK(sq_mem_domain_allows(&th_u, stack + STACK - 4u, 4u, SQ_MEM_WRITE));
    SQ_CHECK(!sq_mem_domain_allows(&th_u, stack + STACK - 4u, 8u, SQ_MEM_READ));
    SQ_CHECK(!sq_mem_domain_allows(&th_u, stack - 1u, 4u, SQ_MEM_READ));
    SQ_CHECK(!sq_mem_domain_allows(&th_u, stack, 4u, SQ_MEM_EXEC));
    SQ_CHECK(!sq_mem_domain_allows(&th_u, stack, 0u, SQ_MEM_READ));
    /* A privileged thread's stack is no region of a user view. */
    SQ_CHECK(!sq_mem_domain_allows(&th_a, (uintptr_t)th_a.stack, 4u, SQ_MEM_READ));
    /* Nor another thread's. */
    SQ_CHECK(!sq_mem_domain_allows(&th_a, stack, 4u, SQ_MEM_READ));

    /* Partitions, for both members: their access bits and no more. */
    sq_thread_t *members[2] = {&th_u, &th_a};
    for (size_t m = 0; m < 2; m++) {
        sq_thread_t *t = members[m];
        SQ_CHECK(sq_mem_domain_allows(t, REGION, 64u, SQ_MEM_READ));
        SQ_CHECK(!sq_mem_domain_allows(t, REGION, 4u, SQ_MEM_WRITE));
        SQ_CHECK(!sq_mem_domain_allows(t, REGION, 4u, SQ_MEM_EXEC));
        SQ_CHECK(sq_mem_domain_allows(t, REGION + 64u, 64u, SQ_MEM_RW));
        /* The device bit is no access right: ignored in the question. */
        SQ_CHECK(sq_mem_domain_allows(t, REGION + 64u, 4u, SQ_MEM_RW | SQ_MEM_DEVICE));
        SQ_CHECK(sq_mem_domain_allows(t, REGION + 300u, 8u, SQ_MEM_RX));
        SQ_CHECK(!sq_mem_domain_allows(t, REGION + 300u, 8u, SQ_MEM_WRITE));
        /* Straddling two partitions that both grant read: no one region
         * covers it. */
        SQ_CHECK(!sq_mem_domain_allows(t, REGION + 60u, 8u, SQ_MEM_READ));
        /* Outside every partition; running past the end of one. */
        SQ_CHECK(!sq_mem_domain_allows(t, REGION + 128u, 4u, SQ_MEM_READ));
        SQ_CHECK(!sq_mem_domain_allows(t, REGION + 480u, 64u, SQ_MEM_READ));
        /* A range that wraps around the address space. */
        SQ_CHECK(!sq_mem_domain_allows(t, UINTPTR_MAX - 3u, 8u, SQ_MEM_READ));
    }
    SQ_CHECK_EQ(sq_thread_abort(&th_u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_abort(&th_a), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_u), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_a), SQ_OK);
}

static void test_add_remove_thread(void **state)
{
    (void)state;
    reset_all();
    sq_mem_domain_t d, raw;
    memset(&raw, 0, sizeof raw);
    SQ_CHECK_EQ(sq_mem_domain_init(&d, SQ_MEM_RULE_PMSAV8), SQ_OK);
    SQ_CHECK_EQ(add(&d, REGION, 64u, SQ_MEM_RO), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(NULL, &th_a), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&d, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&raw, &th_a), SQ_ERR_INVALID);
    SQ_CHECK(th_a.domain == NULL);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_a), SQ_ERR_NOT_FOUND);

    SQ_CHECK_EQ(sq_mem_domain_add_thread(&d, &th_a), SQ_OK);
    SQ_CHECK(sq_mem_domain_allows(&th_a, REGION, 4u, SQ_MEM_READ));
    /* Moving to another domain leaves the first. */
    sq_mem_domain_t e;
    SQ_CHECK_EQ(sq_mem_domain_init(&e, SQ_MEM_RULE_PMSAV8), SQ_OK);
    SQ_CHECK_EQ(add(&e, REGION + 128u, 32u, SQ_MEM_RW), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&e, &th_a), SQ_OK);
    SQ_CHECK(!sq_mem_domain_allows(&th_a, REGION, 4u, SQ_MEM_READ));
    SQ_CHECK(sq_mem_domain_allows(&th_a, REGION + 128u, 4u, SQ_MEM_WRITE));
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_a), SQ_OK);
    SQ_CHECK(th_a.domain == NULL);
    SQ_CHECK(!sq_mem_domain_allows(&th_a, REGION + 128u, 4u, SQ_MEM_READ));
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_a), SQ_ERR_NOT_FOUND);

    /* MD07 at a join: a partition over the joining thread's own stack... */
    sq_mem_domain_t s;
    SQ_CHECK_EQ(sq_mem_domain_init(&s, SQ_MEM_RULE_PMSAV8), SQ_OK);
    SQ_CHECK_EQ(add(&s, granule_in_stack(&th_b), 32u, SQ_MEM_RW), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&s, &th_b), SQ_ERR_BUSY);
    SQ_CHECK(th_b.domain == NULL);
    /* ... or over a started thread's (added before that thread started). */
    SQ_CHECK_EQ(sq_thread_start(&th_b, idle_entry, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&s, &th_a), SQ_ERR_BUSY);
    SQ_CHECK(th_a.domain == NULL);
    SQ_CHECK_EQ(sq_thread_abort(&th_b), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&s, &th_a), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_a), SQ_OK);
}

static void test_start_user(void **state)
{
    (void)state;
    reset_all();
    /* Options beyond the two defined ones. */
    SQ_CHECK_EQ(sq_thread_start(&th_u, idle_entry, NULL, 5, 0x4u), SQ_ERR_INVALID);
    /* The build's MPU rule: 1000 bytes is no whole number of granules; a
     * base 8 bytes off the granule fits neither rule. */
    SQ_CHECK_EQ(sq_thread_start(&th_odd, idle_entry, NULL, 5, SQ_THREAD_USER), SQ_ERR_INVALID);
    static sq_thread_t off;
    off.stack = th_v_stack + 8u;
    off.stack_size = 512u;
    SQ_CHECK_EQ(sq_thread_start(&off, idle_entry, NULL, 5, SQ_THREAD_USER), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_thread_count(), 1u);
    /* Privileged, the same stacks are fine. */
    SQ_CHECK_EQ(sq_thread_start(&th_odd, idle_entry, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&off, idle_entry, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_abort(&th_odd), SQ_OK);
    SQ_CHECK_EQ(sq_thread_abort(&off), SQ_OK);

    /* MD07 at a start. (1) A started thread's domain covers the stack. */
    sq_mem_domain_t d;
    SQ_CHECK_EQ(sq_mem_domain_init(&d, SQ_MEM_RULE_DEFAULT), SQ_OK);
    SQ_CHECK_EQ(add(&d, (uintptr_t)th_u.stack, STACK, SQ_MEM_RW), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&d, &th_a), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, idle_entry, NULL, 5, 0), SQ_OK);
    sq_thread_state_t state_u = sq_thread_state(&th_u);
    SQ_CHECK_EQ(sq_thread_start(&th_u, idle_entry, NULL, 5, SQ_THREAD_USER), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_thread_start(&th_u, idle_entry, NULL, 5, 0), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_thread_state(&th_u), state_u);
    SQ_CHECK_EQ(sq_thread_count(), 2u);
    SQ_CHECK_EQ(sq_thread_abort(&th_a), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_a), SQ_OK);

    /* (2) Its own domain covers it (joined while the domain was empty). */
    sq_mem_domain_t own;
    SQ_CHECK_EQ(sq_mem_domain_init(&own, SQ_MEM_RULE_DEFAULT), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&own, &th_u), SQ_OK);
    SQ_CHECK_EQ(add(&own, (uintptr_t)th_u.stack, STACK, SQ_MEM_RW), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_u, idle_entry, NULL, 5, SQ_THREAD_USER), SQ_ERR_BUSY);
    SQ_CHECK_EQ(del(&own, (uintptr_t)th_u.stack, STACK), SQ_OK);

    /* (3) Its domain covers a started thread's stack (added before that
     * thread started, so neither the add nor that start saw it). */
    SQ_CHECK_EQ(add(&own, (uintptr_t)th_v.stack, STACK, SQ_MEM_RW), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_v, idle_entry, NULL, 5, SQ_THREAD_USER), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_u, idle_entry, NULL, 5, SQ_THREAD_USER), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_thread_abort(&th_v), SQ_OK);

    /* Clear: starts, with no fault on record. */
    SQ_CHECK_EQ(sq_thread_start(&th_u, idle_entry, NULL, 5, SQ_THREAD_USER), SQ_OK);
    SQ_CHECK(sq_mem_domain_allows(&th_u, (uintptr_t)th_v.stack, 4u, SQ_MEM_WRITE));
    sq_fault_t cause = SQ_FAULT_EXEC;
    uintptr_t addr = 7u;
    SQ_CHECK_EQ(sq_thread_fault(NULL, &cause, &addr), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_thread_fault(&th_u, NULL, &addr), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_thread_fault(&th_u, &cause, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_thread_fault(&th_u, &cause, &addr), SQ_ERR_NOT_FOUND);
    SQ_CHECK_EQ(cause, SQ_FAULT_EXEC);
    SQ_CHECK_EQ(addr, 7u);
    SQ_CHECK_EQ(sq_thread_abort(&th_u), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_remove_thread(&th_u), SQ_OK);
}

/* A fault taken while a privileged thread runs is not the kernel's to
 * handle: false, and the thread goes on. */
static void fault_handler(void *arg)
{
    results[1] = sq_kernel_user_fault((sq_fault_t)(uintptr_t)arg, 0x1234u) ? 1 : 0;
}
static void privileged_faulter(void *arg)
{
    (void)arg;
    results[0] = sq_kernel_soft_irq(fault_handler, (void *)(uintptr_t)SQ_FAULT_DATA);
    results[2] = 1;
}
static void test_fault_privileged(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_thread_start(&th_a, privileged_faulter, NULL, 5, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], 0);
    SQ_CHECK_EQ(results[2], 1);
    sq_fault_t cause;
    uintptr_t addr;
    SQ_CHECK_EQ(sq_thread_fault(&th_a, &cause, &addr), SQ_ERR_NOT_FOUND);
}

#if !defined(SQ_TEST_TARGET)
/* A user thread's fault ends it as an abort from an interrupt would: its
 * joiner wakes, the cause and address are on record until the next start.
 * Host only: the host runs user threads privileged, so the fault is
 * simulated from the soft interrupt on the thread's behalf. */
static void user_faulter(void *arg)
{
    results[0] = sq_kernel_soft_irq(fault_handler, arg);
    results[2] = 1; /* not reached */
}
static void joiner(void *arg)
{
    (void)arg;
    results[3] = sq_thread_join(&th_u, SQ_FOREVER);
}
static void test_fault_user(void **state)
{
    (void)state;
    static const struct {
        sq_fault_t cause;
        uintptr_t addr;
    } cases[] = {{SQ_FAULT_DATA, 0x1234u}, {SQ_FAULT_EXEC, 0u}};
    for (size_t i = 0; i < 2; i++) {
        reset_all();
        results[3] = -1;
        SQ_CHECK_EQ(sq_thread_start(&th_a, joiner, NULL, 3, 0), SQ_OK);
        SQ_CHECK_EQ(sq_thread_start(&th_u, user_faulter, (void *)(uintptr_t)cases[i].cause, 5,
                                    SQ_THREAD_USER),
                    SQ_OK);
        SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
        SQ_CHECK_EQ(results[1], 1);
        SQ_CHECK_EQ(results[2], 0);
        SQ_CHECK_EQ(results[3], SQ_OK);
        SQ_CHECK_EQ(sq_thread_state(&th_u), SQ_THREAD_DEAD);
        sq_fault_t cause = SQ_FAULT_NONE;
        uintptr_t addr = 99u;
        SQ_CHECK_EQ(sq_thread_fault(&th_u, &cause, &addr), SQ_OK);
        SQ_CHECK_EQ(cause, cases[i].cause);
        SQ_CHECK_EQ(addr, cases[i].addr);
    }
    /* A start clears the record. */
    reset_all();
    SQ_CHECK_EQ(sq_thread_start(&th_u, idle_entry, NULL, 5, SQ_THREAD_USER), SQ_OK);
    sq_fault_t cause;
    uintptr_t addr;
    SQ_CHECK_EQ(sq_thread_fault(&th_u, &cause, &addr), SQ_ERR_NOT_FOUND);
    SQ_CHECK_EQ(sq_thread_abort(&th_u), SQ_OK);
}
#define HOST_ONLY_TESTS , SQ_TEST(test_fault_user)
#else
#define HOST_ONLY_TESTS
#endif

SQ_TEST_MAIN(SQ_TEST(test_init), SQ_TEST(test_add_refused), SQ_TEST(test_add_over_stack),
             SQ_TEST(test_remove_order), SQ_TEST(test_allows), SQ_TEST(test_add_remove_thread),
             SQ_TEST(test_start_user), SQ_TEST(test_fault_privileged) HOST_ONLY_TESTS)
