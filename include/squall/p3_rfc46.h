/*
 * squall P3: the RFC #46 intrinsics (bytecodealliance/rfcs#46, "lower
 * component"), a thin facade over the canonical built-ins.
 *
 * A component lowered to one core module imports its async built-ins
 * under plain C names (`waitable_set_new`, `stream_u8_read`, ...), with
 * no guest-thread argument and with C structs for multi-word results.
 * This header provides exactly those names and shapes; behind them are
 * the canonical built-ins of p3_waitable.h and p3_stream.h, unchanged:
 * the REFERENCE semantics under the RFC's names. In particular (docs/P3.md,
 * "RFC #46 facade"):
 *   - streams are rendezvous, not buffers: a read or write with no partner
 *     returns BLOCKED (result 0xffffffff) and the buffer stays lent to the
 *     runtime until the copy's event is delivered; BLOCKED does not mean
 *     "try again" (a second read on the end traps NOT_IDLE);
 *   - an event reports the waitable's own handle index and the payload;
 *     waitable_join has no result in the reference: it returns 0;
 *   - joining another set moves the waitable, set 0 takes it out; a wait
 *     on an empty set blocks until a member has an event.
 *
 * The current guest thread. The intrinsics find the guest thread they act
 * for through a binding of the calling KERNEL thread (sq_thread_self()):
 * the embedder calls sq_rfc46_bind before it runs guest code on a kernel
 * thread and sq_rfc46_unbind after. On the host port kernel threads are
 * pthreads; outside sq_kernel_run the calling thread is the idle thread.
 * At most SQ_CONFIG_MAX_THREADS kernel threads are bound at once.
 *
 * Wait results. The canonical wait/poll store (waitable, payload) into
 * the instance's linear memory; the RFC returns them in a struct. Each
 * binding names an 8-byte, 4-aligned scratch area of the instance's
 * memory that the facade's wait and poll use for that store and read
 * back: the guest must not use those bytes for anything else.
 *
 * Failures. A built-in that traps (SQ_ERR_TRAP) calls the trap handler
 * with the instance and its reason; so does any other failure, with
 * reason SQ_P3_TRAP_NONE (an embedder mistake: no binding on this kernel
 * thread, an element type the built-ins refuse, a wait where nothing can
 * block: an interrupt, the idle thread), and with instance NULL when no
 * thread is bound. The handler
 * runs with no lock held and should not return (longjmp, wasm_rt_trap).
 * If it returns, or none is set, the intrinsic returns its neutral value:
 * 0 for numbers, all-zero structs (event NONE; writer and reader 0, an
 * index never handed out), and {DROPPED, 0} for a copy, which tells the
 * guest the stream is unusable (a trapped instance stays poisoned: every
 * later intrinsic fails too, context0_get/set included, and a thread
 * blocked in waitable_set_wait or a copy when another thread traps the
 * instance returns through the handler with the first reason).
 *
 * With the CMake option SQUALL_RFC46=OFF the static library leaves the
 * facade out, so an embedder's own definitions of these names do not
 * collide with squall's (libsquall.so always has it).
 */
#ifndef SQUALL_P3_RFC46_H
#define SQUALL_P3_RFC46_H

#include <stddef.h>
#include <stdint.h>
#include <squall/status.h>
#include <squall/p3_instance.h>
#include <squall/p3_stream.h>

/* The RFC's types, field for field. */
typedef struct {
    uint32_t event;    /**< an SQ_P3_EVENT_* code (NONE from a poll with nothing) */
    uint32_t waitable; /**< the index of the waitable whose event it is */
    uint32_t payload;  /**< a copy's result word, for stream and future events */
} wait_result_t;

typedef struct {
    uint32_t writer;   /**< the writable end's index */
    uint32_t reader;   /**< the readable end's index */
} writer_reader_pair_t;

typedef struct {
    uint32_t result;   /**< SQ_P3_BLOCKED, or an sq_p3_copy_result_t */
    size_t count;      /**< elements copied (0 when BLOCKED) */
} result_and_count_t;

/** Called on a failed intrinsic; should not return (see above). */
typedef void (*sq_rfc46_trap_fn)(sq_p3_instance_t *inst, sq_p3_trap_t reason);

/**
 * Bind guest thread `t` to the calling kernel thread, with the scratch
 * area at guest offset `scratch` of t's instance (8 bytes, 4-aligned; the
 * memory only grows, so it stays inside). A kernel thread already bound
 * is bound again (it runs one guest thread at a time). SQ_ERR_NULL,
 * SQ_ERR_INVALID (t not initialised), SQ_ERR_RANGE (scratch misaligned
 * or not inside memory), SQ_ERR_FULL (SQ_CONFIG_MAX_THREADS kernel
 * threads are bound).
 */
sq_status_t sq_rfc46_bind(sq_p3_thread_t *t, uint32_t scratch);

/** Remove the calling kernel thread's binding. SQ_ERR_NOT_FOUND (none). */
sq_status_t sq_rfc46_unbind(void);

/** The guest thread bound to the calling kernel thread, or NULL. */
sq_p3_thread_t *sq_rfc46_bound(void);

/** Set the handler every failed intrinsic calls (NULL: none). */
void sq_rfc46_set_trap_handler(sq_rfc46_trap_fn fn);

/* The intrinsics. All are the async forms (the RFC has no others). */

/** context.get 0 of the bound guest thread. */
uint32_t context0_get(void);
/** context.set 0. */
void context0_set(uint32_t value);
/** waitable-set.new: the new set's index. */
uint32_t waitable_set_new(void);
/** waitable.join (set 0: out of any set; another set: a move). Returns 0:
 *  the reference's join has no result. */
uint32_t waitable_join(uint32_t waitable, uint32_t set);
/** waitable-set.wait: blocks the calling kernel thread until a member of
 *  `set` has an event, and delivers it. */
wait_result_t waitable_set_wait(uint32_t set);
/** waitable-set.poll: as wait, but event NONE (0, 0) when nothing is
 *  pending. */
wait_result_t waitable_set_poll(uint32_t set);

/**
 * What the typed stream intrinsics call, `type` being their element type
 * descriptor. new: the canonical readable | writable << 32 split into
 * named fields. read/write: `memory` is the memory index and must be 0
 * (an instance has one memory); `buffer` is a host pointer into the bound
 * instance's linear memory (NULL with length 0: a zero-length copy at
 * offset 0). A memory other than 0 or a buffer outside memory traps
 * BOUNDS; the built-in checks the rest (alignment, length, handle).
 */
writer_reader_pair_t sq_rfc46_stream_new(const sq_p3_type_t *type);
result_and_count_t sq_rfc46_stream_read(const sq_p3_type_t *type, uint32_t stream,
                                        uint32_t memory, void *buffer, size_t length);
result_and_count_t sq_rfc46_stream_write(const sq_p3_type_t *type, uint32_t stream,
                                         uint32_t memory, const void *buffer, size_t length);

/**
 * Define the RFC's stream intrinsics for one element type:
 *   writer_reader_pair_t stream_<name>_new(void);
 *   result_and_count_t stream_<name>_read(uint32_t stream, uint32_t memory,
 *                                         <ctype> *buffer, size_t length);
 *   result_and_count_t stream_<name>_write(... the same ...);
 * `descriptor` is the element's sq_p3_type_t (SQ_P3_TYPE_DEFINE); the
 * built-ins tell types apart by its address, so use one per type.
 * Example: SQ_P3_TYPE_DEFINE(u8_type, SQ_P3_ELEM_NUMBER, 1u, 1u);
 *          SQ_RFC46_STREAM_TYPE(u8, uint8_t, u8_type)
 */
#define SQ_RFC46_STREAM_TYPE(name, ctype, descriptor)                          \
    writer_reader_pair_t stream_##name##_new(void)                             \
    {                                                                          \
        return sq_rfc46_stream_new(&(descriptor));                             \
    }                                                                          \
    result_and_count_t stream_##name##_read(uint32_t stream, uint32_t memory,  \
                                            ctype *buffer, size_t length)      \
    {                                                                          \
        return sq_rfc46_stream_read(&(descriptor), stream, memory, buffer,     \
                                    length);                                   \
    }                                                                          \
    result_and_count_t stream_##name##_write(uint32_t stream, uint32_t memory, \
                                             ctype *buffer, size_t length)     \
    {                                                                          \
        return sq_rfc46_stream_write(&(descriptor), stream, memory, buffer,    \
                                     length);                                  \
    }

#endif /* SQUALL_P3_RFC46_H */
