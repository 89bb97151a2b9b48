/*
 * Each guest's 64 KiB linear memory as the one partition of a memory
 * domain of its own, and the check that the MPU keeps an unprivileged
 * thread of one guest's domain out of another guest's memory: shared by
 * wasm_pipeline.c and sensor_sink.c, whose Cortex-M images (SQ_WASM_MPU)
 * link linear_mpu.c (docs/WASM.md "Each linear memory an MPU partition").
 * The host builds use only LINEAR_ALIGN.
 */
#ifndef SQUALL_EXAMPLE_LINEAR_MPU_H
#define SQUALL_EXAMPLE_LINEAR_MPU_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/mem_domain.h>
#include <squall/thread.h>

#define LINEAR_BYTES 65536u
/* One MPU region per memory (LINEAR_BYTES is a power of two and a multiple
 * of 32): PMSAv7 (ARMv7-M) wants it aligned to its size, PMSAv8 to 32. */
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
#define LINEAR_ALIGN LINEAR_BYTES
#else
#define LINEAR_ALIGN SQ_MPU_GRANULE
#endif

/* Where a thread of one guest's domain stores: the last word of its own
 * guest's memory, then the middle word of another guest's. */
typedef struct {
    uint8_t *own;
    uint8_t *other;
} stray_plan_t;
#define STRAY_PLAN(own_memory, other_memory)                                   \
    {(own_memory) + LINEAR_BYTES - 4u, (other_memory) + LINEAR_BYTES / 2u}

/* Initialise `d` with `memory` (LINEAR_BYTES) as its only partition, RW. */
bool linear_domain(sq_mem_domain_t *d, uint8_t *memory);

/* Run `side` (an SQ_USER_THREAD_DEFINE thread, not running) unprivileged
 * in domain `d` with `plan`, from a thread above priority 5, and print
 * what happened; true when its own store landed and the MPU stopped the
 * stray one at its address, which kept its value. `plan` must be const
 * data (in the code image, which an unprivileged thread may read). */
bool stray_caught(sq_thread_t *side, sq_mem_domain_t *d, const stray_plan_t *plan,
                  const char *who, const char *other);

#endif
