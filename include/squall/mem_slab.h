/*
 * squall memory slab: num_blocks blocks of block_size bytes in caller
 * memory, handed out and taken back in O(1), with threads waiting (in
 * priority order, oldest first among equals) for a block when none is
 * free.
 *
 * Bookkeeping is a permutation of the blocks, in a caller array of
 * 2 * num_blocks uint16_t (SQ_MEM_SLAB_META_LEN): positions below `top`
 * hold the free blocks, the others the allocated ones, and each block
 * knows its position. Alloc takes the block at top - 1; free swaps the
 * block into position top. Neither touches the blocks' own bytes, and a
 * free is checked against it: a pointer outside the buffer, not at a block's
 * start, or to a block that is already free is refused and changes
 * nothing (SL02). Blocks never handed out yet are free without entries
 * (positions from `fresh` on), so a zeroed slab needs no set-up pass.
 *
 * A free with threads waiting hands the block straight to the first of
 * them (SL04); it stays allocated. Every call that fails returns a
 * negative sq_status_t and changes nothing. Properties SL01-SL06 are the
 * named clauses of src/kernel/mem_slab.c (docs/VERIFICATION.md).
 */
#ifndef SQUALL_MEM_SLAB_H
#define SQUALL_MEM_SLAB_H

#include <stdint.h>
#include <squall/kernel.h>

typedef struct sq_mem_slab {
    /** num_blocks * block_size bytes, SQ_MEM_SLAB_ALIGN-aligned. */
    void *buffer;
    /** order[p]: the block at position p; where[b]: the position of block
     *  b (both valid below `fresh`). */
    uint16_t *order;
    uint16_t *where;
    uint32_t block_size;
    uint32_t num_blocks;
    /** Positions [0, top) hold the free blocks of [0, fresh). */
    uint32_t top;
    /** Blocks [fresh, num_blocks) were never handed out: free. */
    uint32_t fresh;
    /** SQ_MEM_SLAB_MAGIC once initialised. */
    uint32_t magic;
    sq_wait_queue_t waiters;
} sq_mem_slab_t;

#define SQ_MEM_SLAB_MAGIC 0x534c4231u
/** Alignment of the buffer and of every block size. */
#define SQ_MEM_SLAB_ALIGN sizeof(void *)
/** Most blocks in one slab (positions are 16-bit). */
#define SQ_MEM_SLAB_MAX_BLOCKS 65535u
/** uint16_t entries of bookkeeping a slab of `blocks` blocks needs. */
#define SQ_MEM_SLAB_META_LEN(blocks) (2u * (blocks))

/**
 * Define and initialise a slab `name` of `blocks` blocks of `block_bytes`
 * bytes each (a multiple of SQ_MEM_SLAB_ALIGN). At file scope, with or
 * without `static` in front; end it with a semicolon. The buffer and
 * bookkeeping are static compound literals.
 */
#define SQ_MEM_SLAB_DEFINE(name, block_bytes, blocks)                         \
    sq_mem_slab_t name = {                                                    \
        (void *[(block_bytes) / SQ_MEM_SLAB_ALIGN * (blocks)]){0},             \
        (uint16_t[(blocks)]){0}, (uint16_t[(blocks)]){0},                     \
        (block_bytes), (blocks), 0u, 0u, SQ_MEM_SLAB_MAGIC, {0}};             \
    _Static_assert((blocks) > 0u && (blocks) <= SQ_MEM_SLAB_MAX_BLOCKS &&     \
                   (block_bytes) > 0u && (block_bytes) % SQ_MEM_SLAB_ALIGN == 0u && \
                   (blocks) <= 0xffffffffu / (block_bytes),                   \
                   "slab geometry out of range")

/**
 * Initialise `s` over `buffer` (num_blocks * block_size bytes) with the
 * bookkeeping array `meta` (SQ_MEM_SLAB_META_LEN(num_blocks) entries);
 * every block free. SQ_ERR_NULL, SQ_ERR_ZERO_LENGTH (block_size or
 * num_blocks 0), SQ_ERR_CAPACITY (num_blocks above
 * SQ_MEM_SLAB_MAX_BLOCKS), SQ_ERR_OVERFLOW (the buffer's size passes
 * 32 bits), SQ_ERR_INVALID (buffer or block_size not a multiple of
 * SQ_MEM_SLAB_ALIGN), SQ_ERR_BUSY (an initialised slab with blocks
 * allocated or threads waiting: their blocks would be handed out again).
 */
sq_status_t sq_mem_slab_init(sq_mem_slab_t *s, void *buffer, uint32_t block_size,
                             uint32_t num_blocks, uint16_t *meta);

/**
 * Take a free block into *block, waiting up to `timeout` ticks for one.
 * SQ_OK, SQ_ERR_NULL, SQ_ERR_STATE (not initialised; or a wait from
 * outside a thread, as for sq_sem_take), SQ_ERR_BUSY (none free and
 * SQ_NO_WAIT, the one form an interrupt may use), SQ_ERR_IN_ISR (a wait
 * from an interrupt), SQ_ERR_TIMEOUT, SQ_ERR_AGAIN (the waiting thread
 * was suspended), SQ_ERR_FULL (no free timeout slot). *block is written
 * only on SQ_OK.
 */
sq_status_t sq_mem_slab_alloc(sq_mem_slab_t *s, void **block, sq_timeout_t timeout);

/**
 * Give back `block`, which an alloc of `s` returned (threads and
 * interrupts). With threads waiting, the first of them gets it. SQ_OK,
 * SQ_ERR_NULL, SQ_ERR_STATE (not initialised), SQ_ERR_INVALID (not the
 * start of one of s's blocks), SQ_ERR_NOT_CLAIMED (the block is free
 * already: a double free).
 */
sq_status_t sq_mem_slab_free(sq_mem_slab_t *s, void *block);

/** Blocks allocated now (0 for NULL). */
uint32_t sq_mem_slab_num_used(const sq_mem_slab_t *s);

/** Blocks free now (0 for NULL). */
uint32_t sq_mem_slab_num_free(const sq_mem_slab_t *s);

/** The most blocks allocated at once since the last init (0 for NULL). */
uint32_t sq_mem_slab_max_used(const sq_mem_slab_t *s);

#endif /* SQUALL_MEM_SLAB_H */
