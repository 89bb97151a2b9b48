/*
 * squall P3: host-side stream ends. The runtime holds one end of a
 * stream<T> and a driver (a thread or an interrupt handler) feeds or
 * drains it through a typed ring in caller memory; the guest holds the
 * other end, and cannot tell it from a guest end.
 *
 * To the guest, the host end is a partner that always has a copy pending
 * whenever its ring can take part: with the host writing, a writer that
 * has posted the elements the ring holds; with the host reading, a reader
 * that has posted the ring's free slots. So:
 *   - a guest read (write) that finds the ring non-empty (not full)
 *     copies min(n, what the ring offers) at once and returns COMPLETED | k;
 *   - one that finds it empty (full) registers its buffer and returns
 *     BLOCKED; sq_p3_host_stream_notify moves what the ring then offers
 *     straight into (out of) the guest's buffer and raises the guest end's
 *     event, whose count accumulates until it is delivered, exactly as
 *     with a guest partner arriving;
 *   - a zero-length read (write) completes at once (COMPLETED | 0) when
 *     the ring offers something and registers otherwise; a registered
 *     zero-length copy is answered (COMPLETED | 0) by the first notify
 *     that finds the ring offering something. The host end never posts a
 *     zero-length copy, so the "both zero-length" row of the table never
 *     applies;
 *   - cancel returns the undelivered result (CANCELLED | n, DROPPED | n)
 *     or CANCELLED | 0, as with a guest partner. Every move happens under
 *     the interrupt lock inside one call, so there is never a copy in
 *     flight to wait for: cancel never returns BLOCKED here (the issue
 *     allows it; this design never needs it);
 *   - sq_p3_host_stream_close is the host's drop: the guest's pending copy
 *     gets DROPPED | its progress, later copies DROPPED | 0.
 * Type, length, alignment and bounds checks and the traps are the
 * built-ins' own; the same-instance rule never applies (the host end is
 * in no instance). The guest's readable end (the host writes) may be
 * transferred to another instance of the runtime like any readable end;
 * the writable end (the host reads) cannot be, as for guest streams.
 *
 * The ring: its element size must equal the type's size, so unit streams
 * (no T) have no host ends. When the host writes, the driver is the ring's
 * only producer and the runtime its only consumer; when the host reads,
 * the other way round. The driver pushes (pops) without any lock, then
 * calls notify. Elements are moved straight between the ring's storage and
 * linear memory, one copy per contiguous span of the ring, under the
 * interrupt lock (the interrupt latency grows with one move: at most the
 * ring's size, the driver's choice).
 * Futures have no host ends yet.
 *
 * Properties (named in src/p3/stream.c's contracts):
 *   HS01  a move between the ring and a guest buffer is min(what the ring
 *         offers, what the guest's buffer has left): never more than the
 *         guest posted, never more than the ring holds (has room for);
 *   HS02  what the ring offers is exactly its elements (free slots) when
 *         they were counted, and each move takes exactly that many from
 *         (puts that many into) the ring: no element is delivered twice
 *         or lost.
 */
#ifndef SQUALL_P3_HOST_STREAM_H
#define SQUALL_P3_HOST_STREAM_H

#include <stdint.h>
#include <squall/status.h>
#include <squall/typed_ring_buf.h>
#include <squall/p3_runtime.h>
#include <squall/p3_stream.h>

/** Which way elements flow through a host end. */
typedef enum sq_p3_host_direction {
    SQ_P3_HOST_WRITES = 0, /**< the driver fills the ring; the guest holds the readable end */
    SQ_P3_HOST_READS = 1   /**< the guest writes; the runtime fills the ring for the driver */
} sq_p3_host_direction_t;

struct sq_p3_host_stream;

/** Called under the interrupt lock, in whatever context ran the guest's
 *  built-in, after the guest's own call moved elements out of the ring
 *  (the host writes) or into it (the host reads), and when the guest drops
 *  its end. It may post kernel objects (a semaphore for a driver thread);
 *  it must not block nor call the P3 built-ins. */
typedef void (*sq_p3_host_fn_t)(struct sq_p3_host_stream *hs, void *arg);

/** A host end, in caller memory. Fields are set by sq_p3_host_stream_new. */
typedef struct sq_p3_host_stream {
    sq_p3_channel_t *channel;  /**< the stream's shared state; NULL once closed */
    sq_p3_runtime_t *runtime;  /**< whose pool the channel came from */
    sq_typed_ring_buf_t *ring;
    sq_p3_host_fn_t on_guest;  /**< or NULL */
    void *arg;
    uint32_t direction;        /**< an sq_p3_host_direction_t */
} sq_p3_host_stream_t;

/**
 * Make a stream<`type`> between the host (end `hs`, over `ring`) and
 * instance `inst`, which gets the readable end (the host writes) or the
 * writable end (the host reads) at the index stored in `*guest_index`.
 * What lowering a stream<T> argument into `inst` does; no built-in call,
 * so may_leave does not matter. `hs` must not be open.
 * SQ_ERR_NULL; SQ_ERR_INVALID (`inst` not registered, a bad descriptor, a
 * ring whose element size is not the type's, a bad direction);
 * SQ_ERR_UNSUPPORTED (unit, handle or string element types);
 * SQ_ERR_FULL (the runtime has no stream left: no trap, the embedder
 * sized the pool); SQ_ERR_TRAP (`inst` trapped before: nothing recorded;
 * its handle table is full: TABLE_FULL recorded). Nothing changes on an
 * error.
 */
sq_status_t sq_p3_host_stream_new(sq_p3_host_stream_t *hs, sq_p3_instance_t *inst,
                                  const sq_p3_type_t *type, sq_typed_ring_buf_t *ring,
                                  sq_p3_host_direction_t direction, sq_p3_host_fn_t on_guest,
                                  void *arg, uint32_t *guest_index);

/**
 * The driver pushed into (popped from) the ring: move as much as the
 * guest's pending copy can take (give) and raise its event, as a guest
 * partner arriving would. From a thread or an interrupt handler; never
 * blocks. SQ_OK (also when nothing could move); SQ_ERR_NULL;
 * SQ_ERR_STATE (`hs` is closed); SQ_ERR_DESTROYED (the guest dropped its
 * end: nothing will move any more, close `hs`).
 */
sq_status_t sq_p3_host_stream_notify(sq_p3_host_stream_t *hs);

/**
 * The host drops its end: the guest's pending copy gets DROPPED | its
 * progress and every later copy DROPPED | 0. What the ring still holds
 * stays there (notify first to hand it over). Afterwards the ring and `hs`
 * are the caller's again. From a thread or an interrupt handler.
 * SQ_ERR_NULL; SQ_ERR_STATE (already closed).
 */
sq_status_t sq_p3_host_stream_close(sq_p3_host_stream_t *hs);

#endif /* SQUALL_P3_HOST_STREAM_H */
