/*
 * squall kernel calls for user threads (SQ_THREAD_USER).
 *
 * A user thread runs unprivileged: it cannot mask interrupts or touch
 * kernel memory, so it reaches the kernel only through sq_syscall, which a
 * port enters by a supervisor call (Cortex-M: SVC through one fixed gate
 * in port/cortex-m/port.c; any other SVC stops the thread with
 * SQ_FAULT_SYSCALL). The gate checks the caller's stack pointer, and the
 * kernel checks each call's arguments against the caller's domain. The same
 * calls work from privileged threads, as plain function calls.
 *
 * Everything else a user thread does (shared stream claims, commits,
 * borrows and releases) is plain unprivileged code on memory its domain
 * grants.
 */
#ifndef SQUALL_USER_H
#define SQUALL_USER_H

#include <stdint.h>
#include <squall/kernel.h>

/** Kernel call numbers (the first argument of sq_syscall). */
typedef enum sq_syscall_nr {
    SQ_SYS_YIELD = 0,         /**< sq_thread_yield */
    SQ_SYS_SLEEP = 1,         /**< sq_thread_sleep(a0 ticks) */
    SQ_SYS_EXIT = 2,          /**< sq_thread_exit, does not return */
    SQ_SYS_STREAM_WAIT = 3,   /**< a0 = stream id | role << 31, a1 = timeout */
    SQ_SYS_STREAM_NOTIFY = 4, /**< a0 = stream id | role << 31 */
    SQ_SYS_COUNT
} sq_syscall_nr_t;

/** The role bit of a stream call's a0: set for the reader's end. */
#define SQ_SYS_STREAM_READER 0x80000000u

/**
 * The kernel side of every user call: check the arguments against the
 * calling thread and run the call. Returns its sq_status_t, or
 * SQ_ERR_INVALID for an unknown number. Called by the port in thread mode
 * (privileged), never from an interrupt.
 */
sq_status_t sq_syscall(uint32_t nr, uint32_t a0, uint32_t a1);

/** Yield (SQ_SYS_YIELD). SQ_OK. */
sq_status_t sq_user_yield(void);

/** Sleep `ticks` (SQ_SYS_SLEEP); the codes of sq_thread_sleep. */
sq_status_t sq_user_sleep(sq_timeout_t ticks);

/** End the calling thread (SQ_SYS_EXIT). */
void sq_user_exit(void) __attribute__((noreturn));

#endif /* SQUALL_USER_H */
