/*
 * squall shared stream regions: a typed stream between two isolated
 * components, zero-copy, with the MPU enforcing who may write what.
 *
 * A region is three pieces of memory, each its own MPU region:
 *   data         the element slots (a power-of-two region >= 32 bytes);
 *   write index  one 32-byte granule: the writer's published head;
 *   read index   one 32-byte granule: the reader's published tail.
 * sq_shared_stream_attach gives the writer's domain data RW, write index RW
 * and read index RO, and the reader's domain data RO, write index RO and
 * read index RW. The writer fills slots in place and the reader consumes
 * them in place (RB11): no element is ever copied by squall.
 *
 * Each end keeps a private view (an sq_typed_ring_buf_t in the end's own
 * memory) that is authoritative for its own index; the peer's index is
 * read from shared memory on each claim or borrow and used only if it
 * keeps the view's ring invariant (SQ_ERR_CORRUPT otherwise: a faulty or
 * hostile peer can make its own stream stall, never make this end touch
 * memory outside the data area). Publishing is a release store after the
 * data; reading the peer is an acquire load before it.
 *
 * Properties (docs/VERIFICATION.md): SS01 the writer's domain grants write
 * to no byte of the read index; SS02 the reader's domain grants write to no
 * byte of the data or the write index; SS03 the stream's partitions overlap
 * no other partition of either domain and no thread's stack (SS01-SS03
 * named clauses of attach, from MD01 and MD07 of each add (WP: PARTIAL,
 * resting on frame goals in proofs/wp/known-unproven.txt); they stay true while
 * the stream is attached unless privileged code takes one of its
 * partitions out by hand with sq_mem_domain_remove or re-initialises a
 * domain); SS04 an end takes a peer index only if the view's invariant
 * holds with it; SS05 a claimed or borrowed slot lies inside the data area
 * (zero copy).
 *
 * Threads: one writer thread and one reader thread per stream (the views
 * are not shared). Blocking (sq_stream_*_wait) and waking the peer
 * (sq_stream_*_notify) go through the kernel; from a user thread they are
 * supervisor calls (user.h), checked against the calling thread's domain.
 */
#ifndef SQUALL_SHARED_STREAM_H
#define SQUALL_SHARED_STREAM_H

#include <stdint.h>
#include <squall/event.h>
#include <squall/mem_domain.h>
#include <squall/typed_ring_buf.h>

/** Shared streams attached at once (the kernel's table of them). */
#ifndef SQ_CONFIG_MAX_SHARED_STREAMS
#define SQ_CONFIG_MAX_SHARED_STREAMS 4u
#endif

/** One published index, alone in one MPU granule. */
typedef struct sq_stream_index {
#if defined(__FRAMAC__)
    /* Frama-C parses no _Alignas: the proofs see the same size, and the
     * alignment only as init's check of it. */
    sq_atomic_u32_t value;
    uint8_t pad_[SQ_MPU_GRANULE - sizeof(sq_atomic_u32_t)];
#else
    _Alignas(SQ_MPU_GRANULE) sq_atomic_u32_t value;
#endif
} sq_stream_index_t;

typedef struct sq_shared_stream {
    /** SQ_SHARED_STREAM_MAGIC once initialised. */
    uint32_t magic;
    /** Slot in the kernel's table once attached; SQ_SHARED_STREAM_DETACHED
     *  before. */
    uint32_t id;
    char *data;
    uint32_t data_size; /**< bytes of the data region */
    uint32_t elem_size;
    uint32_t capacity;  /**< data_size / elem_size elements */
    sq_stream_index_t *write_index;
    sq_stream_index_t *read_index;
    sq_mem_domain_t *writer;
    sq_mem_domain_t *reader;
    /** Bit 0: the writer published; bit 1: the reader released. */
    sq_event_t changed;
} sq_shared_stream_t;

#define SQ_SHARED_STREAM_MAGIC 0x53484d31u
#define SQ_SHARED_STREAM_DETACHED 0xffffffffu

/** Define a stream region `name` of at least `capacity` elements of
 *  `elem_type`, laid out for the MPU (the data region is rounded up to a
 *  power of two, so capacity may be larger). Attach it before use. */
#define SQ_SHARED_STREAM_DEFINE(name, elem_type, capacity_)                    \
    _Static_assert((capacity_) >= 1u && sizeof(elem_type) * (capacity_) <= 0x40000000u, \
                   "shared stream size out of range");                         \
    static _Alignas(SQ_MPU_REGION_BYTES(sizeof(elem_type) * (capacity_)))      \
        char name##_data[SQ_MPU_REGION_BYTES(sizeof(elem_type) * (capacity_))]; \
    static sq_stream_index_t name##_windex, name##_rindex;                    \
    sq_shared_stream_t name = {                                                \
        .magic = SQ_SHARED_STREAM_MAGIC, .id = SQ_SHARED_STREAM_DETACHED,      \
        .data = name##_data, .data_size = sizeof name##_data,                  \
        .elem_size = sizeof(elem_type),                                        \
        .capacity = sizeof name##_data / sizeof(elem_type),                    \
        .write_index = &name##_windex, .read_index = &name##_rindex,           \
        .writer = NULL, .reader = NULL,                                        \
        .changed = {0u, SQ_EVENT_MAGIC, {0}}}

/** A writer's or reader's end: its private view and where the two
 *  indices are. Lives in the end's own memory (a partition of its domain,
 *  or its stack). */
typedef struct sq_stream_end {
    sq_typed_ring_buf_t view;
    sq_stream_index_t *own;
    const sq_stream_index_t *peer;
    uint32_t id;
} sq_stream_end_t;

/**
 * Initialise `s` over `data` (data_size bytes) and the two index granules,
 * empty and detached. SQ_ERR_NULL, SQ_ERR_ZERO_LENGTH (elem_size 0),
 * SQ_ERR_CAPACITY (data_size below one element, or more elements than
 * SQ_RING_MAX_UNITS), SQ_ERR_RANGE (an index not granule-aligned, or data
 * passing the end of the address space), SQ_ERR_BUSY (the pieces overlap),
 * SQ_ERR_STATE (s is attached).
 */
sq_status_t sq_shared_stream_init(sq_shared_stream_t *s, void *data, uint32_t data_size,
                                  uint32_t elem_size, sq_stream_index_t *write_index,
                                  sq_stream_index_t *read_index);

/**
 * Give `writer` and `reader` their partitions of `s` (see the top) and
 * enter `s` in the kernel's table, all or nothing. SQ_ERR_NULL,
 * SQ_ERR_INVALID (s not initialised, or writer == reader), SQ_ERR_STATE
 * (already attached), SQ_ERR_FULL (no free table slot, or a domain has no
 * room for three partitions), and the codes of sq_mem_domain_add
 * (SQ_ERR_RANGE: a piece breaks the domain's MPU rule; SQ_ERR_BUSY: a
 * piece overlaps a partition or a stack).
 */
sq_status_t sq_shared_stream_attach(sq_shared_stream_t *s, sq_mem_domain_t *writer,
                                    sq_mem_domain_t *reader);

/** Take `s`'s partitions out of both domains and leave the table. Threads
 *  blocked on it wake with SQ_ERR_DESTROYED. SQ_ERR_NULL, SQ_ERR_STATE (not
 *  attached). */
sq_status_t sq_shared_stream_detach(sq_shared_stream_t *s);

/**
 * Set up the writer's (reader's) end `e` of attached `s`, resuming from
 * the published indices (so a replacement component continues where a
 * stopped one left off). Privileged code: call it before the component
 * drops to user mode. SQ_ERR_NULL, SQ_ERR_STATE (not attached),
 * SQ_ERR_CORRUPT (the published indices are impossible).
 */
sq_status_t sq_shared_stream_open_writer(const sq_shared_stream_t *s, sq_stream_end_t *e);
sq_status_t sq_shared_stream_open_reader(const sq_shared_stream_t *s, sq_stream_end_t *e);

/** Claim the next free slot in place. SQ_ERR_NULL, SQ_ERR_FULL,
 *  SQ_ERR_CLAIM_PENDING (a claim is open), SQ_ERR_CORRUPT. */
sq_status_t sq_stream_writer_claim(sq_stream_end_t *e, void **slot);
/** Publish the claimed slot. SQ_ERR_NULL, SQ_ERR_NOT_CLAIMED. */
sq_status_t sq_stream_writer_commit(sq_stream_end_t *e);
/** Borrow the oldest element in place. SQ_ERR_NULL, SQ_ERR_EMPTY,
 *  SQ_ERR_CLAIM_PENDING (a borrow is open), SQ_ERR_CORRUPT. */
sq_status_t sq_stream_reader_borrow(sq_stream_end_t *e, const void **slot);
/** Give the borrowed slot back (publishes the new tail). SQ_ERR_NULL,
 *  SQ_ERR_NOT_CLAIMED. */
sq_status_t sq_stream_reader_release(sq_stream_end_t *e);

/**
 * Block until the stream has published free space (writer) or elements
 * (reader), or `timeout` ticks pass. SQ_OK at once if it has. SQ_ERR_NULL,
 * SQ_ERR_BUSY (SQ_NO_WAIT and nothing there), SQ_ERR_TIMEOUT,
 * SQ_ERR_DESTROYED (detached), SQ_ERR_INVALID (the caller's domain is not
 * this end's).
 */
sq_status_t sq_stream_writer_wait(const sq_stream_end_t *e, sq_timeout_t timeout);
sq_status_t sq_stream_reader_wait(const sq_stream_end_t *e, sq_timeout_t timeout);

/** Wake the peer if it waits (after a batch of commits or releases).
 *  SQ_ERR_NULL, SQ_ERR_INVALID (the caller's domain is not this end's),
 *  SQ_ERR_DESTROYED (detached). */
sq_status_t sq_stream_writer_notify(const sq_stream_end_t *e);
sq_status_t sq_stream_reader_notify(const sq_stream_end_t *e);

#endif /* SQUALL_SHARED_STREAM_H */
