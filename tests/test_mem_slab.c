/*
 * Memory slab suite (include/squall/mem_slab.h), the same on the host port
 * and on Cortex-M under QEMU. Threads record what they saw; the checks run
 * after sq_kernel_run, as in test_kernel.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <squall/mem_slab.h>
#include <squall/thread.h>
#include "sq_test.h"
#include "sq_trail.h"

#define STACK 2048u
SQ_THREAD_DEFINE(th_a, STACK);
SQ_THREAD_DEFINE(th_b, STACK);
SQ_THREAD_DEFINE(th_c, STACK);
SQ_THREAD_DEFINE(th_d, STACK);

#define BLOCK (4u * SQ_MEM_SLAB_ALIGN)
#define BLOCKS 4u

/* SQ_MEM_SLAB_DEFINE with and without static. */
static SQ_MEM_SLAB_DEFINE(slab, BLOCK, BLOCKS);
SQ_MEM_SLAB_DEFINE(one_slab, SQ_MEM_SLAB_ALIGN, 1u);

static uint16_t one_meta[SQ_MEM_SLAB_META_LEN(1u)];
static int results[8];
static void *blocks[8];
static void reset_all(void)
{
    trail_reset();
    memset(results, 0, sizeof results);
    memset(blocks, 0, sizeof blocks);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
}

/* Init refuses bad geometry; SL03's counts follow every call. */
static void test_slab_init(void **state)
{
    (void)state;
    static void *buf[2 * BLOCKS];
    static uint16_t meta[SQ_MEM_SLAB_META_LEN(BLOCKS)];
    sq_mem_slab_t s;
    memset(&s, 0, sizeof s);
    SQ_CHECK_EQ(sq_mem_slab_init(NULL, buf, SQ_MEM_SLAB_ALIGN, BLOCKS, meta), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, NULL, SQ_MEM_SLAB_ALIGN, BLOCKS, meta), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, SQ_MEM_SLAB_ALIGN, BLOCKS, NULL), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, 0u, BLOCKS, meta), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, SQ_MEM_SLAB_ALIGN, 0u, meta), SQ_ERR_ZERO_LENGTH);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, SQ_MEM_SLAB_ALIGN, SQ_MEM_SLAB_MAX_BLOCKS + 1u, meta),
                SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, 0x10000u * SQ_MEM_SLAB_ALIGN, 0x10000u, meta),
                SQ_ERR_CAPACITY);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, 0x80000000u, 2u, meta), SQ_ERR_OVERFLOW);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, SQ_MEM_SLAB_ALIGN + 1u, BLOCKS, meta), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, (uint8_t *)buf + 1, SQ_MEM_SLAB_ALIGN, BLOCKS, meta),
                SQ_ERR_INVALID);
    void *p = NULL;
    SQ_CHECK_EQ(sq_mem_slab_alloc(&s, &p, SQ_NO_WAIT), SQ_ERR_STATE);   /* never initialised */
    SQ_CHECK_EQ(sq_mem_slab_free(&s, buf), SQ_ERR_STATE);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, 2u * SQ_MEM_SLAB_ALIGN, BLOCKS, meta), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_num_free(&s), BLOCKS);
    SQ_CHECK_EQ(sq_mem_slab_num_used(&s), 0u);
    SQ_CHECK_EQ(sq_mem_slab_alloc(&s, &p, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_num_used(&s), 1u);
    /* A block handed out: a re-init would hand it out again. */
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, 2u * SQ_MEM_SLAB_ALIGN, BLOCKS, meta), SQ_ERR_BUSY);
    SQ_CHECK_EQ(sq_mem_slab_free(&s, p), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_init(&s, buf, 2u * SQ_MEM_SLAB_ALIGN, BLOCKS, meta), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_num_used(NULL), 0u);
    SQ_CHECK_EQ(sq_mem_slab_num_free(NULL), 0u);
    SQ_CHECK_EQ(sq_mem_slab_max_used(NULL), 0u);
}

/* SL01: every block once, distinct, inside the buffer and apart; SL02:
 * foreign, misaligned and double frees refused with nothing changed;
 * SL03: exhausted means every block is allocated. */
static void test_slab_alloc_free(void **state)
{
    (void)state;
    /* The slab as SQ_MEM_SLAB_DEFINE made it, never initialised. */
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    void *p[BLOCKS + 1];
    SQ_CHECK_EQ(sq_mem_slab_num_free(&slab), BLOCKS);
    for (uint32_t i = 0; i < BLOCKS; i++) {
        SQ_CHECK_EQ(sq_mem_slab_alloc(&slab, &p[i], SQ_NO_WAIT), SQ_OK);
        SQ_CHECK(p[i] != NULL);
        uintptr_t off = (uintptr_t)p[i] - (uintptr_t)slab.buffer;
        SQ_CHECK(off % BLOCK == 0u && off / BLOCK < BLOCKS);
        SQ_CHECK_EQ((uintptr_t)p[i] % SQ_MEM_SLAB_ALIGN, 0u);
        for (uint32_t j = 0; j < i; j++) {
            SQ_CHECK(p[i] != p[j]);
        }
        memset(p[i], (int)(0x10u + i), BLOCK);
        SQ_CHECK_EQ(sq_mem_slab_num_used(&slab), i + 1u);
    }
    p[BLOCKS] = (void *)0x1;
    SQ_CHECK_EQ(sq_mem_slab_alloc(&slab, &p[BLOCKS], SQ_NO_WAIT), SQ_ERR_BUSY);
    SQ_CHECK(p[BLOCKS] == (void *)0x1);                      /* untouched */
    SQ_CHECK_EQ(sq_mem_slab_max_used(&slab), BLOCKS);
    SQ_CHECK_EQ(sq_mem_slab_alloc(&slab, NULL, SQ_NO_WAIT), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_slab_free(NULL, p[0]), SQ_ERR_NULL);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, NULL), SQ_ERR_NULL);

    static uint8_t foreign[BLOCK];
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, foreign), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, (uint8_t *)p[1] + 1), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, (uint8_t *)slab.buffer + BLOCK * BLOCKS), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, (void *)((uintptr_t)slab.buffer - BLOCK)), SQ_ERR_INVALID);
    SQ_CHECK_EQ(sq_mem_slab_num_used(&slab), BLOCKS);

    SQ_CHECK_EQ(sq_mem_slab_free(&slab, p[2]), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, p[2]), SQ_ERR_NOT_CLAIMED);   /* double free */
    SQ_CHECK_EQ(sq_mem_slab_num_used(&slab), BLOCKS - 1u);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, p[0]), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_num_free(&slab), 2u);
    SQ_CHECK_EQ(sq_mem_slab_max_used(&slab), BLOCKS);   /* SL06: the peak stays */
    /* The other blocks kept their bytes: the slab writes none. */
    for (uint32_t k = 0; k < BLOCK; k++) {
        SQ_CHECK_EQ(((uint8_t *)p[1])[k], 0x11u);
        SQ_CHECK_EQ(((uint8_t *)p[3])[k], 0x13u);
    }
    /* The two freed blocks come back, each once. */
    void *q0 = NULL, *q1 = NULL;
    SQ_CHECK_EQ(sq_mem_slab_alloc(&slab, &q0, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_alloc(&slab, &q1, SQ_NO_WAIT), SQ_OK);
    SQ_CHECK(q0 != q1);
    SQ_CHECK((q0 == p[0] && q1 == p[2]) || (q0 == p[2] && q1 == p[0]));
    SQ_CHECK_EQ(sq_mem_slab_alloc(&slab, &p[BLOCKS], SQ_NO_WAIT), SQ_ERR_BUSY);
    /* Everything back, in another order: all free, none twice. */
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, p[3]), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, q1), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, p[1]), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, q0), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_free(&slab, q0), SQ_ERR_NOT_CLAIMED);
    SQ_CHECK_EQ(sq_mem_slab_num_free(&slab), BLOCKS);
}

/* A longer mixed run against a model: which blocks are out, checked after
 * every call (a block handed out twice, a count or the high-water mark off
 * fails here). */
static void test_slab_model(void **state)
{
    (void)state;
    static uint16_t meta[SQ_MEM_SLAB_META_LEN(BLOCKS)];
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_init(&slab, slab.buffer, BLOCK, BLOCKS, meta), SQ_OK);
    bool out[BLOCKS] = {false};
    uint32_t used = 0, peak = 0, seed = 12345u;
    for (int step = 0; step < 2000; step++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t r = (seed >> 16) % (BLOCKS + 2u);
        if (r >= BLOCKS) {
            void *p = NULL;
            sq_status_t st = sq_mem_slab_alloc(&slab, &p, SQ_NO_WAIT);
            if (used == BLOCKS) {
                SQ_CHECK_EQ(st, SQ_ERR_BUSY);
                continue;
            }
            SQ_CHECK_EQ(st, SQ_OK);
            uint32_t b = (uint32_t)(((uintptr_t)p - (uintptr_t)slab.buffer) / BLOCK);
            SQ_CHECK(b < BLOCKS && !out[b]);
            out[b] = true;
            used++;
        } else {
            sq_status_t st = sq_mem_slab_free(&slab, (uint8_t *)slab.buffer + r * BLOCK);
            SQ_CHECK_EQ(st, out[r] ? SQ_OK : SQ_ERR_NOT_CLAIMED);
            if (out[r]) {
                out[r] = false;
                used--;
            }
        }
        SQ_CHECK_EQ(sq_mem_slab_num_used(&slab), used);
        peak = used > peak ? used : peak;
        SQ_CHECK_EQ(sq_mem_slab_max_used(&slab), peak);   /* SL06 */
    }
    SQ_CHECK_EQ(peak, BLOCKS);   /* the run did reach the top */
    /* Init starts a new high-water mark. */
    for (uint32_t b = 0; b < BLOCKS; b++) {
        if (out[b]) {
            SQ_CHECK_EQ(sq_mem_slab_free(&slab, (uint8_t *)slab.buffer + b * BLOCK), SQ_OK);
        }
    }
    SQ_CHECK_EQ(sq_mem_slab_init(&slab, slab.buffer, BLOCK, BLOCKS, meta), SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_max_used(&slab), 0u);
}

/* SL04: with the one block out, waiters are served by priority, then
 * arrival, each handed the block by the free before it. */
static void slab_waiter(void *arg)
{
    void *p = NULL;
    if (sq_mem_slab_alloc(&one_slab, &p, SQ_FOREVER) == SQ_OK) {
        note(*(const char *)arg);
        blocks[*(const char *)arg - 'a'] = p;
        results[4] = (int)sq_mem_slab_num_used(&one_slab);
        (void)sq_mem_slab_free(&one_slab, p);
    }
}
static void slab_holder(void *arg)
{
    (void)arg;
    void *p = NULL;
    results[0] = sq_mem_slab_alloc(&one_slab, &p, SQ_NO_WAIT);
    blocks[7] = p;
    /* The three waiters block meanwhile. */
    results[1] = sq_thread_sleep(2u);
    results[2] = sq_mem_slab_free(&one_slab, p);
    results[3] = (int)sq_mem_slab_num_used(&one_slab);
}
static void test_slab_wait_order(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_mem_slab_init(&one_slab, one_slab.buffer, SQ_MEM_SLAB_ALIGN, 1u, one_meta),
                SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_d, slab_holder, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, slab_waiter, "a", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, slab_waiter, "b", 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_c, slab_waiter, "c", 4, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "bac") == 0);
    SQ_CHECK_EQ(results[0], SQ_OK);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_OK);
    SQ_CHECK_EQ(results[3], 1);          /* handed over: still allocated */
    SQ_CHECK_EQ(results[4], 1);
    SQ_CHECK(blocks[0] == blocks[7] && blocks[1] == blocks[7] && blocks[2] == blocks[7]);
    SQ_CHECK_EQ(sq_mem_slab_num_used(&one_slab), 0u);
}

/* A timed alloc times out and takes nothing; from an interrupt only
 * SQ_NO_WAIT is allowed, and a free there wakes a waiter, which preempts
 * the thread the interrupt came in. */
static void isr_alloc_free(void *arg)
{
    (void)arg;
    void *p = NULL;
    results[2] = sq_mem_slab_alloc(&one_slab, &p, 5u);      /* IN_ISR */
    results[3] = sq_mem_slab_alloc(&one_slab, &p, SQ_NO_WAIT); /* BUSY: held */
    note('i');
    results[4] = sq_mem_slab_free(&one_slab, blocks[7]);
}
static void isr_waiter(void *arg)
{
    (void)arg;
    void *p = NULL;
    results[0] = sq_mem_slab_alloc(&one_slab, &p, 3u);       /* times out */
    results[5] = sq_mem_slab_alloc(&one_slab, &p, SQ_FOREVER);
    blocks[0] = p;
    note('w');
}
static void isr_raiser(void *arg)
{
    (void)arg;
    (void)sq_thread_sleep(10u);   /* the waiter's first alloc times out */
    note('r');
    results[1] = sq_kernel_soft_irq(isr_alloc_free, NULL);
    note('R');
}
static void test_slab_timeout_isr(void **state)
{
    (void)state;
    reset_all();
    SQ_CHECK_EQ(sq_mem_slab_init(&one_slab, one_slab.buffer, SQ_MEM_SLAB_ALIGN, 1u, one_meta),
                SQ_OK);
    SQ_CHECK_EQ(sq_mem_slab_alloc(&one_slab, &blocks[7], SQ_NO_WAIT), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_b, isr_raiser, NULL, 2, 0), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&th_a, isr_waiter, NULL, 1, 0), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK(strcmp(trail_text(), "riwR") == 0);
    SQ_CHECK_EQ(results[0], SQ_ERR_TIMEOUT);
    SQ_CHECK_EQ(results[1], SQ_OK);
    SQ_CHECK_EQ(results[2], SQ_ERR_IN_ISR);
    SQ_CHECK_EQ(results[3], SQ_ERR_BUSY);
    SQ_CHECK_EQ(results[4], SQ_OK);
    SQ_CHECK_EQ(results[5], SQ_OK);
    SQ_CHECK(blocks[0] == blocks[7] && blocks[0] != NULL);
    SQ_CHECK_EQ(sq_mem_slab_num_used(&one_slab), 1u);
}

SQ_TEST_MAIN(SQ_TEST(test_slab_init), SQ_TEST(test_slab_alloc_free), SQ_TEST(test_slab_model),
             SQ_TEST(test_slab_wait_order), SQ_TEST(test_slab_timeout_isr))
