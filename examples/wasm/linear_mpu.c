/* Linear memories as MPU partitions: see linear_mpu.h. */
#include <stdio.h>
#include <string.h>
#include "linear_mpu.h"

#define MARK 0x5a5a5a5au

static uint32_t word_at(const uint8_t *at)
{
    uint32_t v;
    memcpy(&v, at, sizeof v);
    return v;
}

bool linear_domain(sq_mem_domain_t *d, uint8_t *memory)
{
    sq_mem_partition_t part = SQ_MEM_PARTITION(memory, LINEAR_BYTES, SQ_MEM_RW);
    return sq_mem_domain_init(d, SQ_MEM_RULE_DEFAULT) == SQ_OK &&
           sq_mem_domain_add(d, &part) == SQ_OK;
}

/* The side's code: the embedder's, not a guest's (the guests' code runs
 * privileged, see docs/WASM.md). */
static void stray_store(void *arg)
{
    const stray_plan_t *plan = arg;
    *(volatile uint32_t *)(void *)plan->own = MARK;
    *(volatile uint32_t *)(void *)plan->other = MARK;
}

bool stray_caught(sq_thread_t *side, sq_mem_domain_t *d, const stray_plan_t *plan,
                  const char *who, const char *other)
{
    uint32_t before = word_at(plan->other);
    sq_fault_t cause = SQ_FAULT_NONE;
    uintptr_t addr = 0u;
    bool ok = sq_mem_domain_add_thread(d, side) == SQ_OK &&
              sq_mem_domain_allows(side, (uintptr_t)plan->own, 4u, SQ_MEM_RW) &&
              !sq_mem_domain_allows(side, (uintptr_t)plan->other, 4u, SQ_MEM_RW) &&
              sq_thread_start(side, stray_store, (void *)plan, 5u, SQ_THREAD_USER) == SQ_OK &&
              sq_thread_join(side, SQ_FOREVER) == SQ_OK &&
              sq_thread_fault(side, &cause, &addr) == SQ_OK;
    printf("%s's domain: a store into its own memory %s; one into %s's memory: fault %s at "
           "%s's +0x%lx\n",
           who, word_at(plan->own) == MARK ? "lands" : "LOST",
           other, cause == SQ_FAULT_DATA ? "DATA" : "none (NOT CAUGHT)", other,
           (unsigned long)(addr - ((uintptr_t)plan->other - LINEAR_BYTES / 2u)));
    return ok && word_at(plan->own) == MARK && cause == SQ_FAULT_DATA &&
           addr == (uintptr_t)plan->other && word_at(plan->other) == before;
}
