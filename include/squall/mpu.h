/*
 * squall MPU encoding: a memory domain's partitions as the region register
 * values of an ARMv7-M PMSAv7 MPU (Cortex-M3/M4/M7) or an ARMv8-M PMSAv8
 * MPU (Cortex-M23/M33/M55). Pure functions, proven in src/isolation/mpu.c;
 * the port (port/cortex-m/) only writes the values out.
 *
 * Properties (named clauses, docs/VERIFICATION.md):
 *   MPU01 each partition becomes exactly one enabled region whose decoded
 *         base and size are the partition's: it covers the partition and
 *         nothing more;
 *   MPU02 the decoded unprivileged access never exceeds the partition's
 *         (no write unless SQ_MEM_WRITE, no execute unless SQ_MEM_EXEC);
 *   MPU03 exactly d->count regions are produced, at most the room given;
 *         a domain that does not fit changes nothing in the output;
 *   MPU04 privileged code keeps read and write on PMSAv7 regions (the
 *         kernel and interrupts still reach a user thread's memory);
 *         PMSAv8 has no "privileged write, unprivileged read-only" form,
 *         so a read-only partition is read-only for privileged code too
 *         while a thread of that domain runs (documented limit).
 *
 * Memory attributes: normal memory is write-back cacheable, not shareable;
 * SQ_MEM_DEVICE partitions are device memory (PMSAv7 shareable device,
 * PMSAv8 Device-nGnRnE through MAIR attribute index 1). The port programs
 * MAIR0 with SQ_MPU_V8_MAIR0.
 */
#ifndef SQUALL_MPU_H
#define SQUALL_MPU_H

#include <stdint.h>
#include <squall/mem_domain.h>

/** One PMSAv7 region: RBAR's address bits (VALID and REGION are 0; the
 *  port selects the region through RNR) and RASR. */
typedef struct sq_mpu_v7_region {
    uint32_t rbar;
    uint32_t rasr;
} sq_mpu_v7_region_t;

/** One PMSAv8 region: RBAR (base, SH, AP, XN) and RLAR (limit, AttrIndx,
 *  EN). */
typedef struct sq_mpu_v8_region {
    uint32_t rbar;
    uint32_t rlar;
} sq_mpu_v8_region_t;

/** MAIR0 for the PMSAv8 encoding: index 0 normal write-back
 *  read/write-allocate, index 1 Device-nGnRnE. */
#define SQ_MPU_V8_MAIR0 0x000000ffu

/**
 * Encode `d` (rule SQ_MEM_RULE_PMSAV7) into out[0 .. d->count-1] and set
 * *count. SQ_ERR_NULL, SQ_ERR_INVALID (not initialised, or another rule),
 * SQ_ERR_CORRUPT (more than SQ_CONFIG_MAX_PARTITIONS, or a partition that
 * breaks the rule, one ending above 4 GiB included: only a domain written
 * without the sq_mem_domain_* calls has one, since add refuses them),
 * SQ_ERR_CAPACITY (more partitions than `room`). Nothing is
 * written on failure.
 */
sq_status_t sq_mpu_v7_encode(const sq_mem_domain_t *d, sq_mpu_v7_region_t *out,
                             uint32_t room, uint32_t *count);

/** The same for PMSAv8 (rule SQ_MEM_RULE_PMSAV8). */
sq_status_t sq_mpu_v8_encode(const sq_mem_domain_t *d, sq_mpu_v8_region_t *out,
                             uint32_t room, uint32_t *count);

/** One region for [base, base + size) with `access` (the port's own code
 *  and stack regions), under the same rules as a partition. SQ_ERR_NULL,
 *  SQ_ERR_INVALID (access), SQ_ERR_RANGE (alignment, size, wrap). */
sq_status_t sq_mpu_v7_region(uintptr_t base, uint32_t size, uint32_t access,
                             sq_mpu_v7_region_t *out);
sq_status_t sq_mpu_v8_region(uintptr_t base, uint32_t size, uint32_t access,
                             sq_mpu_v8_region_t *out);

#endif /* SQUALL_MPU_H */
