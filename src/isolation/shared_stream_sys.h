/*
 * Internal: the kernel side of the shared stream calls of user.h, run by
 * sq_syscall (syscall.c) for any thread, privileged or not. `a0` is the
 * stream id with SQ_SYS_STREAM_READER set for the reader's end.
 */
#ifndef SQUALL_SRC_SHARED_STREAM_SYS_H
#define SQUALL_SRC_SHARED_STREAM_SYS_H

#include <stdint.h>
#include <squall/shared_stream.h>

/** Block until the end's condition holds (see sq_stream_writer_wait).
 *  SQ_ERR_INVALID (no such stream id, or a user caller outside the end's
 *  domain), SQ_ERR_DESTROYED (not attached, or detached while waiting),
 *  SQ_ERR_CORRUPT (the published indices are impossible), and the codes of
 *  sq_event_wait. */
sq_status_t sq_shared_stream_sys_wait(uint32_t a0, sq_timeout_t timeout);

/** Wake the peer of the end `a0` names. SQ_ERR_INVALID, SQ_ERR_DESTROYED
 *  as for the wait. */
sq_status_t sq_shared_stream_sys_notify(uint32_t a0);

/** The kernel's table of attached streams (shared_stream.c). */
extern sq_shared_stream_t *sq_stream_table[SQ_CONFIG_MAX_SHARED_STREAMS];

/** Empty the table: every stream reads detached. Only sq_kernel_init calls
 *  this; the streams' domains keep their partitions (they are the caller's
 *  to reset). */
void sq_shared_stream_forget_all(void);

#endif /* SQUALL_SRC_SHARED_STREAM_SYS_H */
