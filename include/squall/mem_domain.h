/*
 * squall memory domains: what an unprivileged ("user") thread may touch.
 *
 * A domain is a bounded set of partitions (base, size, access) in caller
 * memory. Threads join a domain; while a user thread (SQ_THREAD_USER) runs,
 * the port's MPU grants unprivileged code exactly:
 *   - the code image, read and execute (a fixed port region),
 *   - the thread's own stack, read and write (a per-thread region),
 *   - the partitions of its domain, with their access,
 * and nothing else; privileged code (the kernel, interrupts) keeps the
 * default memory map. On the host port nothing is enforced: the same calls
 * check and record the same rules, and sq_mem_domain_allows answers what
 * the MPU would do (see docs/ISOLATION.md).
 *
 * Rules, checked on every change (the call fails with a code and changes
 * nothing otherwise):
 *   MD01 partitions of one domain never overlap;
 *   MD02 each partition meets the domain's alignment rule:
 *        SQ_MEM_RULE_PMSAV7 (ARMv7-M): size a power of two >= 32, base a
 *        multiple of size; SQ_MEM_RULE_PMSAV8 (ARMv8-M): size and base
 *        multiples of 32, size >= 32;
 *   MD03 every partition has size > 0 (implied by MD02);
 *   MD04 at most SQ_CONFIG_MAX_PARTITIONS partitions;
 *   MD05 add and remove keep MD01-MD04 (add is all-or-nothing);
 *   MD06 base + size never passes the end of uintptr_t's address range
 *        (SQ_ERR_RANGE), nor 4 GiB, the end of the MPUs' 32-bit address
 *        space (SQ_ERR_INVALID: only a 64-bit host has such addresses;
 *        on a 32-bit target the two are one rule);
 *   MD07 no partition of any domain overlaps the stack of a thread the
 *        kernel knows (so no domain grants another thread's stack).
 * Access is one of SQ_MEM_RO, SQ_MEM_RW, SQ_MEM_RX, SQ_MEM_RWX, the first
 * two optionally with SQ_MEM_DEVICE; write-only or no-read partitions do
 * not exist on either MPU, and code is never fetched from device memory
 * (its regions must be execute-never): those are refused (SQ_ERR_INVALID).
 */
#ifndef SQUALL_MEM_DOMAIN_H
#define SQUALL_MEM_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <squall/kernel.h>

/** Partitions per domain. The port uses two MPU regions of its own (code
 *  and the running thread's stack), so 8-region MPUs allow 6. */
#ifndef SQ_CONFIG_MAX_PARTITIONS
#define SQ_CONFIG_MAX_PARTITIONS 6u
#endif

/** MPU granule: the smallest region and the base alignment on both MPUs. */
#define SQ_MPU_GRANULE 32u

/** Access an unprivileged thread gets to a partition. */
#define SQ_MEM_READ 0x1u
#define SQ_MEM_WRITE 0x2u
#define SQ_MEM_EXEC 0x4u
/** Device memory (peripherals): no speculative or merged accesses. */
#define SQ_MEM_DEVICE 0x8u
#define SQ_MEM_RO SQ_MEM_READ
#define SQ_MEM_RW (SQ_MEM_READ | SQ_MEM_WRITE)
#define SQ_MEM_RX (SQ_MEM_READ | SQ_MEM_EXEC)
#define SQ_MEM_RWX (SQ_MEM_READ | SQ_MEM_WRITE | SQ_MEM_EXEC)

/** Alignment rules (MD02). */
typedef enum sq_mem_rule {
    SQ_MEM_RULE_PMSAV7 = 7, /**< power-of-two size >= 32, base aligned to size */
    SQ_MEM_RULE_PMSAV8 = 8  /**< 32-byte granules */
} sq_mem_rule_t;

/** The rule of the build's MPU: PMSAv8 on ARMv8-M, PMSAv7 on ARMv7-M, and
 *  PMSAv8 on the host (whose tests also run the other rule explicitly). */
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
#define SQ_MEM_RULE_DEFAULT SQ_MEM_RULE_PMSAV7
#else
#define SQ_MEM_RULE_DEFAULT SQ_MEM_RULE_PMSAV8
#endif

typedef struct sq_mem_partition {
    uintptr_t base;
    uint32_t size;
    uint32_t access; /**< SQ_MEM_* bits */
} sq_mem_partition_t;

typedef struct sq_mem_domain {
    /** SQ_MEM_DOMAIN_MAGIC once initialised. */
    uint32_t magic;
    uint32_t rule;  /**< an sq_mem_rule_t */
    uint32_t count; /**< partitions in use: part[0 .. count-1], no holes */
    sq_mem_partition_t part[SQ_CONFIG_MAX_PARTITIONS];
} sq_mem_domain_t;

#define SQ_MEM_DOMAIN_MAGIC 0x4d444f4du

/** Smallest power of two >= n (1 <= n <= 2^31), as a constant expression. */
#define SQ_POW2_CEIL(n) (SQ_SMEAR_16_((uint32_t)(n) - 1u) + 1u)
#define SQ_SMEAR_1_(x) ((x) | ((x) >> 1))
#define SQ_SMEAR_2_(x) (SQ_SMEAR_1_(x) | (SQ_SMEAR_1_(x) >> 2))
#define SQ_SMEAR_4_(x) (SQ_SMEAR_2_(x) | (SQ_SMEAR_2_(x) >> 4))
#define SQ_SMEAR_8_(x) (SQ_SMEAR_4_(x) | (SQ_SMEAR_4_(x) >> 8))
#define SQ_SMEAR_16_(x) (SQ_SMEAR_8_(x) | (SQ_SMEAR_8_(x) >> 16))

/** Bytes of an MPU region that holds `n` bytes under either rule: a power
 *  of two, at least SQ_MPU_GRANULE. Align the object to the same. */
#define SQ_MPU_REGION_BYTES(n)                                                 \
    ((n) <= SQ_MPU_GRANULE ? SQ_MPU_GRANULE : SQ_POW2_CEIL(n))

/** Define a user thread `name` (start it with SQ_THREAD_USER) whose stack
 *  of at least `stack_bytes` bytes is one MPU region under either rule. */
#define SQ_USER_THREAD_DEFINE(name, stack_bytes)                               \
    static _Alignas(SQ_MPU_REGION_BYTES(stack_bytes))                          \
        uint8_t name##_stack[SQ_MPU_REGION_BYTES(stack_bytes)];                \
    sq_thread_t name = {.stack = name##_stack, .stack_size = sizeof name##_stack}

/** Define an empty domain `name` with the build's rule. */
#define SQ_MEM_DOMAIN_DEFINE(name)                                             \
    sq_mem_domain_t name = {.magic = SQ_MEM_DOMAIN_MAGIC,                      \
                            .rule = (uint32_t)SQ_MEM_RULE_DEFAULT, .count = 0u}

/** A partition initialiser. */
#define SQ_MEM_PARTITION(base_, size_, access_)                                \
    {.base = (uintptr_t)(base_), .size = (uint32_t)(size_), .access = (access_)}

/** What SQ_MEM_PARTITION makes, at run time (for an FFI caller's block of
 *  SQ_SIZEOF_sq_mem_partition_t bytes); sq_mem_domain_add checks it.
 *  SQ_ERR_NULL. */
sq_status_t sq_mem_partition_init(sq_mem_partition_t *p, uintptr_t base, uint32_t size,
                                  uint32_t access);

/** Initialise `d` empty, with `rule`. SQ_ERR_NULL, SQ_ERR_INVALID (unknown
 *  rule), SQ_ERR_BUSY (a thread is in `d`). */
sq_status_t sq_mem_domain_init(sq_mem_domain_t *d, sq_mem_rule_t rule);

/**
 * Add a copy of `*p` to `d`. SQ_ERR_NULL, SQ_ERR_INVALID (d not
 * initialised, or access not one of the four forms; or, on a 64-bit host,
 * the partition ends above 4 GiB: MD06), SQ_ERR_ZERO_LENGTH
 * (size 0), SQ_ERR_RANGE (MD02 alignment, or MD06 wraps), SQ_ERR_BUSY
 * (overlaps a partition of d: MD01, or a known thread's stack: MD07),
 * SQ_ERR_FULL (MD04). If a running user thread is in `d` its MPU view
 * changes at once.
 */
sq_status_t sq_mem_domain_add(sq_mem_domain_t *d, const sq_mem_partition_t *p);

/** Remove the partition with exactly `p`'s base and size (its access is
 *  not compared); the last partition takes its index. SQ_ERR_NULL,
 *  SQ_ERR_INVALID, SQ_ERR_NOT_FOUND. */
sq_status_t sq_mem_domain_remove(sq_mem_domain_t *d, const sq_mem_partition_t *p);

/**
 * Put `t` in `d` (leaving its previous domain, if any). SQ_ERR_NULL,
 * SQ_ERR_INVALID (d not initialised), SQ_ERR_BUSY (a partition of d
 * overlaps t's stack: MD07).
 */
sq_status_t sq_mem_domain_add_thread(sq_mem_domain_t *d, sq_thread_t *t);

/** Take `t` out of its domain; it keeps code and its stack only.
 *  SQ_ERR_NULL, SQ_ERR_NOT_FOUND (in no domain). */
sq_status_t sq_mem_domain_remove_thread(sq_thread_t *t);

/**
 * Whether an unprivileged access by `t` to [addr, addr + len) with the
 * SQ_MEM_READ / WRITE / EXEC bits of `access` is granted by its stack or
 * its domain (one region must cover the whole range; the port's code region
 * is not counted). False for NULL, len 0, or a range that wraps.
 */
bool sq_mem_domain_allows(const sq_thread_t *t, uintptr_t addr, size_t len, uint32_t access);

#endif /* SQUALL_MEM_DOMAIN_H */
