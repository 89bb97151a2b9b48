/*
 * squall: memory slab (include/squall/mem_slab.h).
 *
 * The blocks [0, fresh) are a permutation: order[p] is the block at
 * position p and where[b] the position of block b, each the other's
 * inverse (sq_slab_perm). A block is allocated exactly when it is below
 * fresh and its position is at or above top (sq_slab_used); so the count
 * of allocated blocks is fresh - top, with no count to keep in step (SL03).
 * Alloc moves top down over a free block, or takes block fresh; free swaps
 * the block with the one at position top and moves top up. Both are O(1)
 * and neither reads a block's bytes.
 *
 * No lost wake-up (NLW04): a thread waits only while every block is
 * allocated, tested and joined in one critical section, and free hands its
 * block to a waiter in another; sq_mem_slab_nlw holds whenever the lock is
 * free. Contracts require and ensure the kernel invariants as sem.c's do,
 * and require sq_mem_slab_apart, an assumption about caller memory.
 */
#include <squall/mem_slab.h>
#include "port.h"
#include "sched.h"

/*@ // The buffer's size in bytes. Declared, with its definition as an
    // axiom, so that the provers see the sizes of two states of a slab as
    // equal by congruence; as a product (nonlinear) CVC4 does not, across a
    // write between the states (sq_mem_slab_free_locked's hand-over).
    axiomatic SqSlabBytes {
      logic integer sq_slab_bytes(integer n, integer z);
      axiom sq_slab_bytes_def: \forall integer n, z; sq_slab_bytes(n, z) == n * z;
    }

    predicate sq_slab_geom(sq_mem_slab_t *s) =
      0 < s->num_blocks <= SQ_MEM_SLAB_MAX_BLOCKS && 0 < s->block_size &&
      sq_slab_bytes(s->num_blocks, s->block_size) <= 0xffffffff;

    predicate sq_slab_perm(sq_mem_slab_t *s) =
      s->top <= s->fresh <= s->num_blocks &&
      (\forall integer p; 0 <= p < s->fresh ==>
         s->order[p] < s->fresh && s->where[s->order[p]] == p) &&
      (\forall integer b; 0 <= b < s->fresh ==>
         s->where[b] < s->fresh && s->order[s->where[b]] == b);

    // Block b is allocated (handed out and not given back).
    predicate sq_slab_used(sq_mem_slab_t *s, integer b) =
      b < s->fresh && s->where[b] >= s->top;

    // Caller memory holds no kernel state: the slab and its bookkeeping
    // overlap no thread control block the kernel's table points at (an
    // assumption, as for stacks). Every entry, not only the known threads':
    // a wake's footprint names them all.
    predicate sq_mem_slab_apart(sq_mem_slab_t *s) =
      \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
        \separated(sq_kernel.threads[i], s) &&
        (s->magic == SQ_MEM_SLAB_MAGIC ==>
           \separated(sq_kernel.threads[i], s->order + (0 .. s->num_blocks - 1)) &&
           \separated(sq_kernel.threads[i], s->where + (0 .. s->num_blocks - 1)));

    predicate sq_mem_slab_ok(sq_mem_slab_t *s) =
      (s->magic == SQ_MEM_SLAB_MAGIC ==>
         sq_slab_geom(s) &&
         \valid(s->order + (0 .. s->num_blocks - 1)) &&
         \valid(s->where + (0 .. s->num_blocks - 1)) &&
         \separated(s->order + (0 .. s->num_blocks - 1),
                    s->where + (0 .. s->num_blocks - 1), s) &&
         sq_slab_perm(s));

    predicate sq_mem_slab_nlw(sq_mem_slab_t *s) =
      sq_has_waiter(&s->waiters) ==> s->top == 0 && s->fresh == s->num_blocks;
*/

/*@ predicate sq_slab_args_ok(integer block_size, integer num_blocks, uintptr_t buffer) =
      0 < block_size && 0 < num_blocks <= SQ_MEM_SLAB_MAX_BLOCKS &&
      num_blocks * block_size <= 0xffffffff &&
      block_size % SQ_MEM_SLAB_ALIGN == 0 && buffer % SQ_MEM_SLAB_ALIGN == 0;
*/

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_mem_slab_ok(s) && sq_mem_slab_apart(s) &&
                             &s->waiters != &sq_ready_queue);
    requires meta != \null && 0 < num_blocks <= SQ_MEM_SLAB_MAX_BLOCKS ==>
      \valid(meta + (0 .. 2 * num_blocks - 1));
    requires meta != \null && s != \null && 0 < num_blocks <= SQ_MEM_SLAB_MAX_BLOCKS ==>
      \separated(meta + (0 .. 2 * num_blocks - 1), s) &&
      \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
        \separated(sq_kernel.threads[i], meta + (0 .. 2 * num_blocks - 1));
    assigns *s;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes s == \null || buffer == \null || meta == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_args:
      assumes s != \null && buffer != \null && meta != \null;
      assumes !sq_slab_args_ok(block_size, num_blocks, (uintptr_t)buffer);
      assigns \nothing;
      ensures \result == SQ_ERR_ZERO_LENGTH || \result == SQ_ERR_CAPACITY ||
              \result == SQ_ERR_OVERFLOW || \result == SQ_ERR_INVALID;
    behavior busy:
      assumes s != \null && buffer != \null && meta != \null;
      assumes sq_slab_args_ok(block_size, num_blocks, (uintptr_t)buffer);
      assumes sq_has_waiter(&s->waiters) || (s->magic == SQ_MEM_SLAB_MAGIC && s->top != s->fresh);
      assigns \nothing;
      ensures \result == SQ_ERR_BUSY;
    behavior ok:
      assumes s != \null && buffer != \null && meta != \null;
      assumes sq_slab_args_ok(block_size, num_blocks, (uintptr_t)buffer);
      assumes !sq_has_waiter(&s->waiters) && !(s->magic == SQ_MEM_SLAB_MAGIC && s->top != s->fresh);
      ensures SL03: \result == SQ_OK && s->magic == SQ_MEM_SLAB_MAGIC &&
        s->num_blocks == num_blocks && s->block_size == block_size &&
        s->fresh == 0 && s->top == 0;
      ensures SL03: sq_mem_slab_ok(s) && sq_mem_slab_nlw(s);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_mem_slab_init(sq_mem_slab_t *s, void *buffer, uint32_t block_size,
                             uint32_t num_blocks, uint16_t *meta)
{
    if (s == NULL || buffer == NULL || meta == NULL) {
        return SQ_ERR_NULL;
    }
    if (block_size == 0u || num_blocks == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    if (num_blocks > SQ_MEM_SLAB_MAX_BLOCKS) {
        return SQ_ERR_CAPACITY;
    }
    if ((uint64_t)num_blocks * block_size > UINT32_MAX) {
        return SQ_ERR_OVERFLOW;
    }
    if (block_size % SQ_MEM_SLAB_ALIGN != 0u || (uintptr_t)buffer % SQ_MEM_SLAB_ALIGN != 0u) {
        return SQ_ERR_INVALID;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_BUSY;
    /* Blocks handed out, or promised to waiters, would be handed out again. */
    if (!sq_queue_has_waiters(&s->waiters) &&
        (s->magic != SQ_MEM_SLAB_MAGIC || s->top == s->fresh)) {
        /*@ assert init_apart: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
                   0 <= j < sq_kernel.thread_count && i != j ==>
                   sq_kernel.threads[i] != sq_kernel.threads[j] &&
                   \separated(sq_kernel.threads[i], sq_kernel.threads[j]); */
        /*@ assert init_pre: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
                   0 <= j < sq_kernel.thread_count && i != j &&
                   sq_kernel.threads[i]->queue != \null && sq_kernel.threads[j]->queue != \null ==>
                   sq_kernel.threads[i]->ticket != sq_kernel.threads[j]->ticket; */
        s->buffer = buffer;
        s->order = meta;
        s->where = meta + num_blocks;
        s->block_size = block_size;
        s->num_blocks = num_blocks;
        s->top = 0u;
        s->fresh = 0u;
        s->magic = SQ_MEM_SLAB_MAGIC;
        /* The writes above are outside every thread (sq_mem_slab_apart).
         * The kernel invariant is restated step by step from its state at
         * entry: the provers do not carry it across the writes in one. */
        /*@ assert init_kept: \forall integer i; 0 <= i < sq_kernel.thread_count ==>
                   sq_kernel.threads[i]->queue == \at(sq_kernel.threads[i]->queue, Pre) &&
                   sq_kernel.threads[i]->ticket == \at(sq_kernel.threads[i]->ticket, Pre); */
        /*@ assert \forall integer i; 0 <= i < sq_kernel.thread_count ==>
                   sq_thread_inv(sq_kernel.threads[i]); */
        /*@ assert init_tickets: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
                   0 <= j < sq_kernel.thread_count && i != j &&
                   sq_kernel.threads[i]->queue != \null && sq_kernel.threads[j]->queue != \null ==>
                   sq_kernel.threads[i]->ticket != sq_kernel.threads[j]->ticket; */
        /*@ assert init_distinct: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
                   0 <= j < sq_kernel.thread_count && i != j ==>
                   sq_distinct(sq_kernel.threads[i], sq_kernel.threads[j]); */
        /*@ assert sq_kernel_ok; */
        /*@ assert sq_slab_geom(s) && sq_slab_perm(s); */
        /*@ assert \valid(s->order + (0 .. s->num_blocks - 1)) &&
                   \valid(s->where + (0 .. s->num_blocks - 1)); */
        /*@ assert \separated(s->order + (0 .. s->num_blocks - 1),
                             s->where + (0 .. s->num_blocks - 1), s); */
        st = SQ_OK;
    }
    sq_port_irq_unlock(key);
    return st;
}

/* SQ_OK: took the block at byte offset *offset; SQ_WAITING: now on the
 * wait queue; else refused. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(s) && \valid(offset);
    requires \separated(offset, s);
    requires sq_mem_slab_ok(s) && sq_mem_slab_nlw(s) && sq_mem_slab_apart(s);
    requires &s->waiters != &sq_ready_queue;
    requires s->magic == SQ_MEM_SLAB_MAGIC ==>
      \separated(offset, s->order + (0 .. s->num_blocks - 1), s->where + (0 .. s->num_blocks - 1));
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    assigns s->top, s->fresh, s->order[0 .. s->num_blocks - 1], s->where[0 .. s->num_blocks - 1],
            *offset, sq_kernel.current->queue, sq_kernel.current->ticket,
            sq_kernel.current->state, sq_kernel.current->wait_result,
            sq_kernel.next_ticket,
            sq_kernel.armed[0 .. SQ_CONFIG_MAX_TIMEOUTS - 1], sq_kernel.armed_count,
            sq_kernel.next_deadline;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures SL03: sq_mem_slab_ok(s);
    ensures NLW04: sq_mem_slab_nlw(s);
    behavior uninit:
      assumes s->magic != SQ_MEM_SLAB_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior take:
      assumes s->magic == SQ_MEM_SLAB_MAGIC && (s->top > 0 || s->fresh < s->num_blocks);
      ensures SL01: \result == SQ_OK &&
        \exists integer b; 0 <= b < s->num_blocks && *offset == b * s->block_size &&
          !\old(sq_slab_used(s, b)) && sq_slab_used(s, b) &&
          (\forall integer c; 0 <= c < s->num_blocks && c != b ==>
             (sq_slab_used(s, c) <==> \old(sq_slab_used(s, c))));
      ensures SL03: s->fresh - s->top == \old(s->fresh - s->top) + 1;
      ensures SL06: s->fresh == \old(s->fresh) ||
        (\old(s->top) == 0 && s->top == 0 && s->fresh == \old(s->fresh) + 1);
    behavior busy:
      assumes s->magic == SQ_MEM_SLAB_MAGIC && s->top == 0 && s->fresh == s->num_blocks;
      assumes timeout == SQ_NO_WAIT;
      assigns \nothing;
      ensures SL03: \result == SQ_ERR_BUSY &&
        \forall integer b; 0 <= b < s->num_blocks ==> sq_slab_used(s, b);
    behavior isr:
      assumes s->magic == SQ_MEM_SLAB_MAGIC && s->top == 0 && s->fresh == s->num_blocks;
      assumes timeout != SQ_NO_WAIT && in_isr;
      assigns \nothing;
      ensures \result == SQ_ERR_IN_ISR;
    behavior wait:
      assumes s->magic == SQ_MEM_SLAB_MAGIC && s->top == 0 && s->fresh == s->num_blocks;
      assumes timeout != SQ_NO_WAIT && !in_isr;
      ensures SL04: \result == SQ_WAITING ==>
        sq_kernel.current->state == SQ_THREAD_PENDING &&
        sq_kernel.current->queue == &s->waiters &&
        \forall integer j; 0 <= j < sq_kernel.thread_count &&
          sq_kernel.threads[j] != sq_kernel.current && sq_kernel.threads[j]->queue != \null ==>
          sq_kernel.threads[j]->ticket < sq_kernel.current->ticket;
      ensures \result != SQ_WAITING ==> \result == SQ_ERR_FULL || \result == SQ_ERR_STATE;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_mem_slab_alloc_locked(sq_mem_slab_t *s, sq_timeout_t timeout, bool in_isr,
                                            uint32_t *offset)
{
    if (s->magic != SQ_MEM_SLAB_MAGIC) {
        return SQ_ERR_STATE;
    }
    /*@ assert \separated(sq_kernel.current, s) &&
               \separated(sq_kernel.current, s->order + (0 .. s->num_blocks - 1)) &&
               \separated(sq_kernel.current, s->where + (0 .. s->num_blocks - 1)); */
    uint32_t b;
    if (s->top > 0u) {
        /* The free block at the last free position: top passes it. */
        s->top--;
        b = s->order[s->top];
        /*@ assert \let c = (integer)b; 0 <= c < s->num_blocks &&
                   !\at(sq_slab_used(s, c), Pre) && sq_slab_used(s, c); */
    } else if (s->fresh < s->num_blocks) {
        /* A block never handed out joins the permutation, allocated. */
        b = s->fresh;
        s->order[b] = (uint16_t)b;
        s->where[b] = (uint16_t)b;
        s->fresh++;
        /*@ assert \let c = (integer)b; 0 <= c < s->num_blocks &&
                   !\at(sq_slab_used(s, c), Pre) && sq_slab_used(s, c); */
    } else if (timeout == SQ_NO_WAIT) {
        return SQ_ERR_BUSY;
    } else if (in_isr) {
        return SQ_ERR_IN_ISR;
    } else {
        return sq_sched_pend(&s->waiters, timeout);
    }
    /*@ assert sq_mem_slab_ok(s) && b < s->num_blocks; */
    *offset = b * s->block_size;
    /*@ assert \let c = (integer)b; 0 <= c < s->num_blocks && *offset == c * s->block_size &&
               !\at(sq_slab_used(s, c), Pre) && sq_slab_used(s, c) &&
               (\forall integer d; 0 <= d < s->num_blocks && d != c ==>
                  (sq_slab_used(s, d) <==> \at(sq_slab_used(s, d), Pre))); */
    return SQ_OK;
}

/* Store the address of the block at byte `offset` for the caller. A
 * function of its own so that the kernel invariants are carried across this
 * one pointer write from the state just before it, in a small context:
 * after sq_mem_slab_alloc's calls the provers did not manage it. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(s) && \valid(block);
    requires sq_mem_slab_ok(s) && sq_mem_slab_nlw(s);
    requires \separated(block, s) &&
      (s->magic == SQ_MEM_SLAB_MAGIC ==>
         \separated(block, s->order + (0 .. s->num_blocks - 1), s->where + (0 .. s->num_blocks - 1)));
    requires \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
      \separated(block, sq_kernel.threads[i]);
    assigns *block;
    ensures sq_kernel_ok && sq_timeouts_ok && sq_mem_slab_ok(s) && sq_mem_slab_nlw(s);
*/
static void sq_mem_slab_give(sq_mem_slab_t *s, void **block, uint32_t offset)
{
    /*@ assert give_apart: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
               0 <= j < sq_kernel.thread_count && i != j ==>
               sq_kernel.threads[i] != sq_kernel.threads[j] &&
               \separated(sq_kernel.threads[i], sq_kernel.threads[j]); */
    /*@ assert give_pre: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
               0 <= j < sq_kernel.thread_count && i != j &&
               sq_kernel.threads[i]->queue != \null && sq_kernel.threads[j]->queue != \null ==>
               sq_kernel.threads[i]->ticket != sq_kernel.threads[j]->ticket; */
    *block = (uint8_t *)s->buffer + offset;
    /*@ assert give_kept: \forall integer i; 0 <= i < sq_kernel.thread_count ==>
               sq_kernel.threads[i]->queue == \at(sq_kernel.threads[i]->queue, Pre); */
    /*@ assert \forall integer i; 0 <= i < sq_kernel.thread_count ==>
               sq_thread_inv(sq_kernel.threads[i]); */
    /*@ assert give_tickets: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
               0 <= j < sq_kernel.thread_count && i != j &&
               sq_kernel.threads[i]->queue != \null && sq_kernel.threads[j]->queue != \null ==>
               sq_kernel.threads[i]->ticket != sq_kernel.threads[j]->ticket; */
    /*@ assert give_distinct: \forall integer i, j; 0 <= i < sq_kernel.thread_count &&
               0 <= j < sq_kernel.thread_count && i != j ==>
               sq_distinct(sq_kernel.threads[i], sq_kernel.threads[j]); */
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_mem_slab_ok(s) && sq_mem_slab_nlw(s) &&
                             sq_mem_slab_apart(s) && &s->waiters != &sq_ready_queue);
    requires block == \null || \valid(block);
    requires s != \null && block != \null ==> \separated(block, s) &&
      (s->magic == SQ_MEM_SLAB_MAGIC ==>
         \separated(block, s->order + (0 .. s->num_blocks - 1), s->where + (0 .. s->num_blocks - 1)));
    requires block != \null ==> \forall integer i; 0 <= i < SQ_CONFIG_MAX_THREADS ==>
      \separated(block, sq_kernel.threads[i]);
    requires sq_kernel.current->state == SQ_THREAD_READY;
    requires !sq_armed(&sq_kernel.current->timeout);
    requires sq_kernel.now <= SQ_TICK_MAX;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures s != \null ==> sq_mem_slab_ok(s) && sq_mem_slab_nlw(s);
    ensures s == \null || block == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_mem_slab_alloc(sq_mem_slab_t *s, void **block, sq_timeout_t timeout)
{
    if (s == NULL || block == NULL) {
        return SQ_ERR_NULL;
    }
    uint32_t offset = 0u;
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = sq_mem_slab_alloc_locked(s, timeout, sq_port_in_isr(), &offset);
    sq_port_irq_unlock(key);
    if (st == SQ_WAITING) {
        st = sq_sched_wait_result();
        /* The free that woke us wrote the offset of the block it handed
         * over (SL04); the block stays allocated, so s is not re-initialised
         * meanwhile. */
        offset = sq_sched_current()->wait_value;
    }
    if (st == SQ_OK) {
        sq_mem_slab_give(s, block, offset);
    }
    return st;
}

/* The block `addr` names in a slab of n blocks of `size` bytes at `base`:
 * its index, or n when addr is outside the buffer or not a block's start. */
/*@ requires 0 < size && 0 < n && n * size <= 0xffffffff;
    assigns \nothing;
    ensures SL02: \result <= n;
    ensures SL02: \result < n <==>
      (base <= addr && (addr - base) % size == 0 && (addr - base) / size < n);
    ensures SL02: \result < n ==> addr == base + \result * size;
*/
static uint32_t sq_mem_slab_index(uintptr_t base, uintptr_t addr, uint32_t size, uint32_t n)
{
    if (addr < base) {
        return n;
    }
    uintptr_t off = addr - base;
    if (off % size != 0u || off / size >= n) {
        return n;
    }
    return (uint32_t)(off / size);
}

/* Free allocated block b: swap it with the allocated block at position
 * top, then let top pass it. */
/*@ requires \valid(s) && sq_mem_slab_ok(s) && s->magic == SQ_MEM_SLAB_MAGIC;
    requires b < s->num_blocks && sq_slab_used(s, b);
    assigns s->top, s->order[0 .. s->num_blocks - 1], s->where[0 .. s->num_blocks - 1];
    ensures sq_mem_slab_ok(s) && s->fresh == \old(s->fresh);
    ensures SL01: !sq_slab_used(s, b) &&
      \forall integer c; 0 <= c < s->num_blocks && c != b ==>
        (sq_slab_used(s, c) <==> \old(sq_slab_used(s, c)));
    ensures SL03: s->top == \old(s->top) + 1;
*/
static void sq_mem_slab_put_back(sq_mem_slab_t *s, uint32_t b)
{
    uint32_t p = s->where[b];
    uint32_t other = s->order[s->top];
    /*@ assert s->top <= p < s->fresh && s->order[p] == b && other < s->fresh &&
               s->where[other] == s->top; */
    s->order[p] = (uint16_t)other;
    s->where[other] = (uint16_t)p;
    s->order[s->top] = (uint16_t)b;
    s->where[b] = (uint16_t)s->top;
    /*@ assert \forall integer q; 0 <= q < s->fresh ==>
               s->order[q] < s->fresh && s->where[s->order[q]] == q; */
    /*@ assert \forall integer c; 0 <= c < s->fresh ==>
               s->where[c] < s->fresh && s->order[s->where[c]] == c; */
    s->top++;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(s);
    requires sq_mem_slab_ok(s) && sq_mem_slab_nlw(s) && sq_mem_slab_apart(s);
    requires &s->waiters != &sq_ready_queue;
    requires s->magic == SQ_MEM_SLAB_MAGIC ==> b <= s->num_blocks;
    assigns s->top, s->order[0 .. s->num_blocks - 1], s->where[0 .. s->num_blocks - 1],
            SQ_WAKE_FOOTPRINT,
            sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->wait_value;
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures SL03: sq_mem_slab_ok(s);
    ensures NLW04: sq_mem_slab_nlw(s);
    behavior uninit:
      assumes s->magic != SQ_MEM_SLAB_MAGIC;
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior foreign:
      assumes s->magic == SQ_MEM_SLAB_MAGIC && b == s->num_blocks;
      assigns \nothing;
      ensures SL02: \result == SQ_ERR_INVALID;
    behavior double_free:
      assumes s->magic == SQ_MEM_SLAB_MAGIC && b < s->num_blocks && !sq_slab_used(s, b);
      assigns \nothing;
      ensures SL02: \result == SQ_ERR_NOT_CLAIMED;
    behavior hand_over:
      assumes s->magic == SQ_MEM_SLAB_MAGIC && b < s->num_blocks && sq_slab_used(s, b);
      assumes sq_has_waiter(&s->waiters);
      assigns SQ_WAKE_FOOTPRINT, sq_kernel.threads[1 .. SQ_CONFIG_MAX_THREADS - 1]->wait_value;
      ensures SL04: \result == SQ_OK &&
        \exists integer w; 0 < w < sq_kernel.thread_count &&
          \old(sq_kernel.threads[w]->queue) == &s->waiters &&
          sq_kernel.threads[w]->state == SQ_THREAD_READY &&
          sq_kernel.threads[w]->wait_result == SQ_OK &&
          sq_kernel.threads[w]->wait_value == b * s->block_size &&
          (\forall integer j; 0 <= j < sq_kernel.thread_count && j != w &&
             \old(sq_kernel.threads[j]->queue) == &s->waiters ==>
             \old(sq_before(sq_kernel.threads[w], sq_kernel.threads[j])));
    behavior put_back:
      assumes s->magic == SQ_MEM_SLAB_MAGIC && b < s->num_blocks && sq_slab_used(s, b);
      assumes !sq_has_waiter(&s->waiters);
      ensures SL01: \result == SQ_OK && !sq_slab_used(s, b) &&
        \forall integer c; 0 <= c < s->num_blocks && c != b ==>
          (sq_slab_used(s, c) <==> \old(sq_slab_used(s, c)));
      ensures SL03: s->fresh - s->top == \old(s->fresh - s->top) - 1;
      ensures SL06: s->fresh == \old(s->fresh);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t sq_mem_slab_free_locked(sq_mem_slab_t *s, uint32_t b)
{
    if (s->magic != SQ_MEM_SLAB_MAGIC) {
        return SQ_ERR_STATE;
    }
    if (b == s->num_blocks) {
        return SQ_ERR_INVALID;
    }
    if (b >= s->fresh || s->where[b] < s->top) {
        return SQ_ERR_NOT_CLAIMED;
    }
    uint32_t offset = b * s->block_size;
    /* The first waiter (priority, then arrival) gets the block itself. */
    int32_t w = sq_queue_wake_first(&s->waiters, SQ_OK);
    /*@ assert sq_mem_slab_ok(s) && sq_slab_used(s, b) && sq_mem_slab_apart(s); */
    if (w > 0) {
        /* The slab's fields as they were at entry, restated across the
         * write part by part (its arrays are 16-bit, the write is not): the
         * provers do not carry sq_mem_slab_ok across it in one step. */
        /*@ assert hand_apart: \separated(&sq_kernel.threads[w]->wait_value, s) &&
                   \separated(&sq_kernel.threads[w]->wait_value, s->order + (0 .. s->num_blocks - 1)) &&
                   \separated(&sq_kernel.threads[w]->wait_value, s->where + (0 .. s->num_blocks - 1)); */
        /*@ assert hand_geom0: sq_slab_geom(s); */
        sq_kernel.threads[w]->wait_value = offset;
        /*@ assert hand_fields: s->magic == \at(s->magic, Pre) && s->top == \at(s->top, Pre) &&
                   s->fresh == \at(s->fresh, Pre) && s->num_blocks == \at(s->num_blocks, Pre) &&
                   s->block_size == \at(s->block_size, Pre) &&
                   s->order == \at(s->order, Pre) && s->where == \at(s->where, Pre); */
        /*@ assert hand_geom: s->magic == SQ_MEM_SLAB_MAGIC && sq_slab_geom(s); */
        /*@ assert hand_valid: \valid(s->order + (0 .. s->num_blocks - 1)) &&
                   \valid(s->where + (0 .. s->num_blocks - 1)); */
        /*@ assert hand_sep: \separated(s->order + (0 .. s->num_blocks - 1),
                             s->where + (0 .. s->num_blocks - 1), s); */
        /*@ assert hand_perm: sq_slab_perm(s); */
        /*@ assert hand_ok: sq_mem_slab_ok(s); */
        /*@ assert \let k = (integer)w; 0 < k < sq_kernel.thread_count &&
                   \at(sq_kernel.threads[k]->queue, Pre) == &s->waiters &&
                   sq_kernel.threads[w]->state == SQ_THREAD_READY &&
                   sq_kernel.threads[w]->wait_result == SQ_OK &&
                   sq_kernel.threads[w]->wait_value == b * s->block_size; */
        return SQ_OK;
    }
    sq_mem_slab_put_back(s, b);
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || (\valid(s) && sq_mem_slab_ok(s) && sq_mem_slab_nlw(s) &&
                             sq_mem_slab_apart(s) && &s->waiters != &sq_ready_queue);
    ensures sq_kernel_ok && sq_timeouts_ok;
    ensures s != \null ==> sq_mem_slab_ok(s) && sq_mem_slab_nlw(s);
    ensures s == \null || block == \null ==> \result == SQ_ERR_NULL;
*/
sq_status_t sq_mem_slab_free(sq_mem_slab_t *s, void *block)
{
    if (s == NULL || block == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = SQ_ERR_STATE;
    if (s->magic == SQ_MEM_SLAB_MAGIC) {
        uint32_t b = sq_mem_slab_index((uintptr_t)s->buffer, (uintptr_t)block, s->block_size,
                                       s->num_blocks);
        st = sq_mem_slab_free_locked(s, b);
    }
    return sq_sched_reschedule_unlock(key, st);
}

/*@ requires s == \null || (\valid_read(s) && s->top <= s->fresh);
    assigns \nothing;
    ensures SL03: s != \null ==> \result == s->fresh - s->top;
*/
uint32_t sq_mem_slab_num_used(const sq_mem_slab_t *s)
{
    return s == NULL ? 0u : s->fresh - s->top;
}

/*@ requires s == \null || (\valid_read(s) && s->top <= s->fresh <= s->num_blocks);
    assigns \nothing;
    ensures SL03: s != \null ==> \result == s->num_blocks - (s->fresh - s->top);
*/
uint32_t sq_mem_slab_num_free(const sq_mem_slab_t *s)
{
    return s == NULL ? 0u : s->num_blocks - (s->fresh - s->top);
}

/* The high-water mark is fresh: alloc takes a block never handed out only
 * when no other is free (top == 0), so fresh grows exactly when the count
 * of allocated blocks passes its old peak, and no call lowers it. */
/*@ requires s == \null || (\valid_read(s) && s->top <= s->fresh);
    assigns \nothing;
    ensures SL06: s != \null ==> \result == s->fresh && \result >= s->fresh - s->top;
*/
uint32_t sq_mem_slab_max_used(const sq_mem_slab_t *s)
{
    return s == NULL ? 0u : s->fresh;
}
