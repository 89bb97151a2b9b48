/*
 * squall P3: streams and futures, the Component Model's `stream.*` and
 * `future.*` built-ins, with the reference's exact observable behaviour.
 *
 * Rendezvous, no buffering: a read or write with no partner waiting
 * registers its guest buffer and (async) returns BLOCKED; the second
 * arriver copies straight from the writer's linear memory into the
 * reader's (one memcpy per rendezvous), min(reader room, writer rest)
 * elements, and completes at once. The first arriver stays registered and
 * accumulates progress until its event is delivered (wait/poll, cancel,
 * or a synchronous call's return); the count it reports is the total at
 * delivery. Zero-length reads and writes are readiness probes (the
 * reference's table). Cancel of a copy with undelivered progress returns
 * CANCELLED | n (the spec tests' and wasmtime's rule; the reference
 * returns COMPLETED | n, docs/P3.md says why). Drop while copying traps;
 * drop notifies the other end (DROPPED | its progress); every later copy
 * on the surviving end returns DROPPED | 0 and the end is done. A future
 * moves exactly one element; its writable end must write (or see DROPPED)
 * before it may be dropped.
 *
 * Element types: fixed-size plain data described at `new` by an
 * sq_p3_type_t; the built-ins take the type immediate and trap if the
 * end's type is another (compared by address: one descriptor per type).
 * Types that carry handles or strings are refused (SQ_ERR_UNSUPPORTED).
 *
 * Results, exactly the reference's encodings:
 *   new         readable index | (writable index << 32), readable first;
 *   read/write  SQ_P3_BLOCKED, or result | (count << 4) for streams and
 *               result alone for futures, result COMPLETED 0, DROPPED 1,
 *               CANCELLED 2.
 *
 * Properties (named in src/p3/stream.c's contracts):
 *   ST01  a copy touches only [ptr, ptr + n * size) of each side's linear
 *         memory, checked (alignment, bounds, n <= 2^28 - 1) before any
 *         byte moves or the buffer is registered;
 *   ST02  progress never exceeds the posted length;
 *   ST03  a done end never copies again; only drop is legal on it;
 *   ST04  an end's event is delivered exactly once per copy, and the
 *         counts delivered to the reader add up to the bytes written into
 *         its memory, those to the writer to the bytes read from its.
 */
#ifndef SQUALL_P3_STREAM_H
#define SQUALL_P3_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/status.h>
#include <squall/p3_instance.h>
#include <squall/p3_waitable.h>

/** An async copy that did not finish inside its call. */
#define SQ_P3_BLOCKED 0xffffffffu

typedef enum sq_p3_copy_result {
    SQ_P3_COPY_COMPLETED = 0,
    SQ_P3_COPY_DROPPED = 1,
    SQ_P3_COPY_CANCELLED = 2
} sq_p3_copy_result_t;

/** A stream result word: result | (count << 4), count <= 2^28 - 1. */
#define SQ_P3_STREAM_RESULT(result, count) ((uint32_t)(result) | ((uint32_t)(count) << 4))

/** The largest element count of one read or write: 2^28 - 1. */
#define SQ_P3_MAX_COPY 0x0fffffffu

/** What an element is, for the same-instance rule and for refusing types
 *  squall cannot move yet. */
typedef enum sq_p3_elem_kind {
    SQ_P3_ELEM_NONE = 0,   /**< `stream` / `future` with no T: counts only */
    SQ_P3_ELEM_NUMBER = 1, /**< an integer or a float */
    SQ_P3_ELEM_PLAIN = 2,  /**< bool, char, records/tuples/... of plain data */
    SQ_P3_ELEM_HANDLE = 3, /**< carries own/borrow/stream/future handles: refused */
    SQ_P3_ELEM_STRING = 4  /**< carries strings or lists: refused */
} sq_p3_elem_kind_t;

typedef struct sq_p3_type {
    uint32_t kind;  /**< an sq_p3_elem_kind_t */
    uint32_t size;  /**< bytes per element in linear memory (0 for NONE) */
    uint32_t align; /**< a power of two (1 for NONE) */
} sq_p3_type_t;

/** Define element type descriptor `name`; built-ins compare by address. */
#define SQ_P3_TYPE_DEFINE(name, kind_, size_, align_)                          \
    const sq_p3_type_t name = {(kind_), (size_), (align_)}

/** Where an end is in its copy (the reference's CopyState, without its
 *  CANCELLING_COPY: every copy here ends inside the call that makes it,
 *  host ends included, so a cancel never waits for a partner; it may wait
 *  for a copy in flight to end, see sq_p3_stream_cancel_read). */
typedef enum sq_p3_end_state {
    SQ_P3_END_IDLE = 0,
    SQ_P3_END_COPYING = 1,    /**< from the call until its event is delivered */
    SQ_P3_END_DONE = 2        /**< after DROPPED (and a future's COMPLETED) */
} sq_p3_end_state_t;

struct sq_p3_channel;
struct sq_p3_host_stream;

/** One end of a stream or future. */
typedef struct sq_p3_end {
    sq_p3_waitable_t w;
    struct sq_p3_channel *channel;
    uint32_t state;           /**< an sq_p3_end_state_t */
    uint32_t ptr;             /**< the registered buffer (guest offset) */
    uint32_t length;          /**< its length in elements */
    uint32_t progress;        /**< elements copied since the copy started */
    uint32_t result;          /**< the copy result its event will carry */
} sq_p3_end_t;

/** Whether a rendezvous copies between two linear memories with the
 *  interrupt lock released (both ends busy meanwhile), and whether a
 *  built-in waits for it to end. */
typedef enum sq_p3_move_state {
    SQ_P3_MOVE_NONE = 0,
    SQ_P3_MOVE_RUNNING = 1,
    SQ_P3_MOVE_AWAITED = 2 /**< running, and a thread waits on an end's queue */
} sq_p3_move_state_t;

/** The shared state of a stream or a future. Lives in the runtime's pool. */
typedef struct sq_p3_channel {
    sq_p3_pool_link_t link;   /**< first: the runtime's pool */
    const sq_p3_type_t *type;
    sq_p3_end_t *pending;     /**< the end whose buffer waits for a partner, or NULL */
    sq_p3_end_t readable;
    sq_p3_end_t writable;
    struct sq_p3_host_stream *host; /**< the host end's (p3_host_stream.h), or NULL */
    bool future;
    bool dropped;             /**< one end was dropped */
    uint8_t moving;           /**< an sq_p3_move_state_t */
} sq_p3_channel_t;

/** stream.new T: both ends idle, `*packed` = readable | writable << 32.
 *  SQ_ERR_NULL, SQ_ERR_INVALID (bad descriptor), SQ_ERR_UNSUPPORTED
 *  (HANDLE or STRING elements), SQ_ERR_TRAP (MAY_NOT_LEAVE, TABLE_FULL
 *  when the table has room for fewer than two ends: neither is added,
 *  NO_OBJECTS, POISONED). */
sq_status_t sq_p3_stream_new(sq_p3_thread_t *t, const sq_p3_type_t *type, uint64_t *packed);

/** stream.read T: read up to `n` elements into guest `ptr`. `async`:
 *  may return SQ_P3_BLOCKED in `*result`; otherwise the calling kernel
 *  thread blocks until the copy's event and returns it. SQ_ERR_TRAP: see
 *  sq_p3_trap_t (MAY_NOT_LEAVE, BAD_HANDLE, WRONG_KIND, WRONG_TYPE,
 *  NOT_IDLE, DONE, SYNC_IN_SET, LENGTH, ALIGN, BOUNDS, SAME_INSTANCE,
 *  POISONED; also a synchronous form whose instance another thread traps
 *  while it waits: no result, its copy stays registered, see
 *  p3_instance.h); SQ_ERR_NULL; a synchronous form that would have to
 *  wait, called where nothing can block, changes nothing and returns
 *  SQ_ERR_IN_ISR (an interrupt) or SQ_ERR_STATE (the idle thread: code
 *  outside sq_kernel_run's threads). */
sq_status_t sq_p3_stream_read(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                              uint32_t ptr, uint32_t n, bool async, uint32_t *result);

/** stream.write T: write up to `n` elements from guest `ptr`. As read. */
sq_status_t sq_p3_stream_write(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                               uint32_t ptr, uint32_t n, bool async, uint32_t *result);

/** stream.cancel-read T: end the copy in progress; `*result` is its
 *  result word (CANCELLED | n, or the undelivered COMPLETED/DROPPED),
 *  never SQ_P3_BLOCKED: no partner is ever waited for, not even a host
 *  end (p3_host_stream.h). A partner's copy that is moving bytes into
 *  (out of) the end's buffer right now (with the interrupt lock released)
 *  is waited for, and counted; where nothing can block that wait is
 *  refused: SQ_ERR_IN_ISR, SQ_ERR_STATE (the idle thread), nothing
 *  changed. SQ_ERR_TRAP (NOT_COPYING, SYNC_WAITER, SYNC_IN_SET when not
 *  async, ...). */
sq_status_t sq_p3_stream_cancel_read(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                                     bool async, uint32_t *result);

/** stream.cancel-write T: as cancel-read. */
sq_status_t sq_p3_stream_cancel_write(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                                      bool async, uint32_t *result);

/** stream.drop-readable T. SQ_ERR_TRAP (BUSY while copying, ...). */
sq_status_t sq_p3_stream_drop_readable(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end);

/** stream.drop-writable T. As drop-readable. */
sq_status_t sq_p3_stream_drop_writable(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end);

/** Fill in element type descriptor `type`, what SQ_P3_TYPE_DEFINE
 *  defines, for memory the macro cannot define (an FFI caller's block of
 *  SQ_SIZEOF_sq_p3_type_t bytes). The built-ins compare descriptors by
 *  address: use this one for every end made with it (sq_p3_end_type gives
 *  it back). SQ_ERR_NULL, and what stream.new would refuse it with:
 *  SQ_ERR_INVALID, SQ_ERR_UNSUPPORTED (nothing stored then). */
sq_status_t sq_p3_type_init(sq_p3_type_t *type, sq_p3_elem_kind_t kind, uint32_t size,
                            uint32_t align);

/** The embedder's view of end `end` (a stream or future end, readable or
 *  writable) of `inst`, without traps, on a trapped instance too: its
 *  element type descriptor (the one it was made with, which its built-ins
 *  take); its state (an sq_p3_end_state_t); its pending count, the
 *  elements its copy has moved so far, which its event will report (0
 *  when no copy is in progress). SQ_ERR_NULL, SQ_ERR_INVALID (`inst` not
 *  initialised, or `end` holds another kind of handle), SQ_ERR_RANGE
 *  (index 0 or never used), SQ_ERR_NOT_FOUND (a free index). */
sq_status_t sq_p3_end_type(const sq_p3_instance_t *inst, uint32_t end,
                           const sq_p3_type_t **type);
sq_status_t sq_p3_end_state(const sq_p3_instance_t *inst, uint32_t end, uint32_t *state);
sq_status_t sq_p3_end_pending(const sq_p3_instance_t *inst, uint32_t end, uint32_t *count);

/** future.new T, read, write, cancel-read, cancel-write, drop-readable,
 *  drop-writable: as the stream built-ins with one element and result
 *  words without a count. drop-writable traps (FUTURE_UNWRITTEN) unless
 *  the end is done. */
sq_status_t sq_p3_future_new(sq_p3_thread_t *t, const sq_p3_type_t *type, uint64_t *packed);
sq_status_t sq_p3_future_read(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                              uint32_t ptr, bool async, uint32_t *result);
sq_status_t sq_p3_future_write(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                               uint32_t ptr, bool async, uint32_t *result);
sq_status_t sq_p3_future_cancel_read(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                                     bool async, uint32_t *result);
sq_status_t sq_p3_future_cancel_write(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end,
                                      bool async, uint32_t *result);
sq_status_t sq_p3_future_drop_readable(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end);
sq_status_t sq_p3_future_drop_writable(sq_p3_thread_t *t, const sq_p3_type_t *type, uint32_t end);

/** Move readable end `end` of `from`'s instance into `to`'s instance (what
 *  lifting and lowering a stream<T> or future<T> argument does): the new
 *  index into `*moved`. Each refusal belongs to one instance, told by the
 *  code: SQ_ERR_TRAP is always `from`'s (its reason recorded there, or
 *  from's instance had trapped before: BAD_HANDLE, WRONG_KIND (not a
 *  readable end), WRONG_TYPE, NOT_IDLE, DONE, SYNC_IN_SET when in a set,
 *  POISONED); SQ_ERR_STATE is `to`'s: `to` had trapped before (nothing
 *  new recorded), or its table is full (TABLE_FULL recorded in `to`, which
 *  is trapped from now on). On either, from's instance keeps the end,
 *  unchanged. SQ_ERR_NULL; SQ_ERR_INVALID (`to` not registered, or of
 *  another runtime). */
sq_status_t sq_p3_end_transfer(sq_p3_thread_t *from, sq_p3_instance_t *to,
                               const sq_p3_type_t *type, uint32_t end, uint32_t *moved);

#endif /* SQUALL_P3_STREAM_H */
