/*
 * squall threads: start, yield, sleep, suspend/resume, abort/exit, join,
 * priorities. The control block (sq_thread_t, include/squall/kernel.h) and
 * the stack are caller memory: define both with SQ_THREAD_DEFINE.
 *
 * States and legal transitions (SC13-SC16):
 *   NEW --start--> READY <--> PENDING / SLEEPING (a wait and its end)
 *   READY, PENDING, SLEEPING --suspend--> SUSPENDED --resume--> READY
 *   any started state --exit/abort/return--> DEAD --start--> READY
 * A thread that is DEAD stays DEAD until started again; nothing else leaves
 * DEAD. Suspending a waiting thread cancels its wait: after the resume, the
 * wait returns SQ_ERR_AGAIN.
 *
 * Every call that fails returns a negative sq_status_t and changes nothing.
 */
#ifndef SQUALL_THREAD_H
#define SQUALL_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <squall/kernel.h>

/**
 * Make `t` what SQ_THREAD_DEFINE makes: a NEW thread with the stack of
 * `stack_size` bytes at `stack`, in no memory domain, every other field
 * zero. For threads in memory the macro cannot define (an FFI caller's
 * block of SQ_SIZEOF_sq_thread_t bytes, a heap). sq_thread_start checks
 * the stack. SQ_ERR_NULL (t or stack NULL), SQ_ERR_STATE (the kernel knows
 * t: started and not dead, or still running after an abort from an
 * interrupt).
 */
sq_status_t sq_thread_init(sq_thread_t *t, void *stack, size_t stack_size);

/**
 * Start `t` running `entry(arg)` at priority `prio` (0 highest ..
 * SQ_PRIO_LOWEST) with `options` (0, SQ_THREAD_COOPERATIVE, SQ_THREAD_USER
 * or both). Before sq_kernel_run, the thread runs once the kernel does;
 * after, it preempts the caller if it outranks it. Returning from `entry`
 * ends the thread. SQ_ERR_NULL (t, entry or t->stack NULL), SQ_ERR_INVALID
 * (priority or options out of range, stack not SQ_STACK_ALIGN-aligned, or
 * with SQ_THREAD_USER a stack that breaks the MPU rule), SQ_ERR_BUSY (MD07:
 * a partition of t's domain or of a started thread's domain overlaps t's
 * stack, or one of t's domain overlaps a started thread's stack),
 * SQ_ERR_CAPACITY (stack below the port's minimum), SQ_ERR_STATE (kernel
 * not initialised, or t already started and not dead), SQ_ERR_FULL
 * (SQ_CONFIG_MAX_THREADS threads exist).
 */
sq_status_t sq_thread_start(sq_thread_t *t, void (*entry)(void *arg), void *arg,
                            uint32_t prio, uint32_t options);

/** The calling thread (the idle thread outside sq_kernel_run, before
 *  sq_kernel_init included; never NULL). */
sq_thread_t *sq_thread_self(void);

/** Let the other ready threads of the caller's priority run first (SC04). */
void sq_thread_yield(void);

/**
 * Sleep `ticks` ticks (SQ_NO_WAIT returns at once; SQ_FOREVER sleeps until
 * aborted). SQ_OK, SQ_ERR_AGAIN (suspended and resumed while asleep),
 * SQ_ERR_IN_ISR, SQ_ERR_STATE (from outside a thread: the idle thread,
 * which is every caller before sq_kernel_run, before sq_kernel_init
 * included), SQ_ERR_FULL (no free timeout slot).
 */
sq_status_t sq_thread_sleep(sq_timeout_t ticks);

/** Suspend `t` (possibly the caller). Suspending a suspended thread is
 *  SQ_OK and changes nothing (SC14). SQ_ERR_NULL, SQ_ERR_STATE (not
 *  started, or dead), SQ_ERR_INVALID (the idle thread). */
sq_status_t sq_thread_suspend(sq_thread_t *t);

/** Resume a suspended thread. SQ_ERR_NULL, SQ_ERR_STATE (not suspended:
 *  SC15). */
sq_status_t sq_thread_resume(sq_thread_t *t);

/** End `t` (possibly the caller, then it does not return) from any state
 *  but dead (SC16); its joiners wake with SQ_OK. SQ_ERR_NULL, SQ_ERR_STATE
 *  (not started, or dead), SQ_ERR_INVALID (the idle thread). */
sq_status_t sq_thread_abort(sq_thread_t *t);

/** End the calling thread. */
void sq_thread_exit(void) __attribute__((noreturn));

/**
 * Wait until `t` has ended. SQ_OK (ended, also if it already had),
 * SQ_ERR_NULL, SQ_ERR_DEADLOCK (t is the caller), SQ_ERR_STATE (never
 * started), SQ_ERR_BUSY (still running and SQ_NO_WAIT), SQ_ERR_TIMEOUT,
 * SQ_ERR_AGAIN (the caller was suspended meanwhile), SQ_ERR_IN_ISR (from an
 * interrupt with a wait), SQ_ERR_STATE (a wait from outside a thread, as
 * for sq_thread_sleep), SQ_ERR_FULL (no free timeout slot).
 */
sq_status_t sq_thread_join(sq_thread_t *t, sq_timeout_t timeout);

/** Change the priority of a started thread (TH01, TH02). SQ_ERR_NULL,
 *  SQ_ERR_INVALID (priority out of range, or the idle thread),
 *  SQ_ERR_STATE (not started, or dead). */
sq_status_t sq_thread_set_priority(sq_thread_t *t, uint32_t prio);

/** The priority `t` runs at now (0 highest; SQ_PRIO_IDLE for the idle
 *  thread) in *prio; sq_thread_priority_get(sq_thread_self(), &p) reads the
 *  caller's own. From threads and interrupts. SQ_ERR_NULL, SQ_ERR_STATE
 *  (the kernel does not know t: never started, or dead), *prio untouched. */
sq_status_t sq_thread_priority_get(const sq_thread_t *t, uint32_t *prio);

/** The state of `t` (SQ_THREAD_NEW for NULL). */
sq_thread_state_t sq_thread_state(const sq_thread_t *t);

/** Threads the kernel knows now, the idle thread included (TH05, TH06). */
uint32_t sq_thread_count(void);

/**
 * Bytes of `t`'s stack ever written (the port paints it when the thread
 * starts), so at most the stack size (TH04). SQ_ERR_NULL.
 */
sq_status_t sq_thread_stack_used(const sq_thread_t *t, size_t *used);

/**
 * Why `t` was stopped: SQ_OK with *cause (SQ_FAULT_*) and *addr (the
 * refused address for SQ_FAULT_DATA, else 0) if the kernel ended it for a
 * memory fault or a bad supervisor call since its last start;
 * SQ_ERR_NOT_FOUND if not. SQ_ERR_NULL.
 */
sq_status_t sq_thread_fault(const sq_thread_t *t, sq_fault_t *cause, uintptr_t *addr);

#endif /* SQUALL_THREAD_H */
