/*
 * The contract between the kernel (src/kernel/) and a port (port/host/,
 * port/cortex-m/). The kernel decides; the port masks interrupts, switches
 * stacks and produces ticks. Everything here is implemented by the port,
 * except the three sq_sched_* / sq_thread_main calls the port makes into
 * the kernel.
 *
 * The ACSL contracts are what the WP proofs of the kernel assume of the
 * port; they are listed as assumptions in docs/VERIFICATION.md.
 */
#ifndef SQUALL_PORT_H
#define SQUALL_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/irq.h>
#include <squall/kernel.h>

/**
 * Mask every interrupt that may call the kernel and return the previous
 * mask. Nests. Cortex-M: BASEPRI (PRIMASK on v6-M); host: the kernel mutex
 * and the preemption signal.
 */
/*@ assigns \nothing; */
sq_irq_key_t sq_port_irq_lock(void);

/**
 * Restore the mask saved by the matching lock. When this ends the outermost
 * lock in thread context and a switch was requested, the switch happens
 * here, before the call returns.
 */
/*@ assigns \nothing; */
void sq_port_irq_unlock(sq_irq_key_t key);

/**
 * Ask for a reschedule: the port calls sq_sched_switch at the next point it
 * can (Cortex-M: pend PendSV; host: at the outermost unlock, or by a
 * preemption signal to the running thread when asked from an interrupt).
 * Called with the lock held.
 */
/*@ assigns \nothing; */
void sq_port_switch_request(void);

/** True in interrupt context. */
/*@ assigns \nothing; */
bool sq_port_in_isr(void);

/**
 * Build the first context of `t` on its stack so that the first switch to
 * it calls sq_thread_main(t) in thread mode. Fills the unused stack with
 * SQ_PORT_STACK_FILL for sq_thread_stack_used. Called with the lock held;
 * t->stack and t->stack_size are at least SQ_PORT_STACK_MIN and aligned.
 * The contract names only the context words: the stack bytes it writes are
 * caller memory that holds no kernel state (an assumption of the proofs,
 * listed in docs/VERIFICATION.md).
 */
/*@ requires \valid(t);
    assigns t->context[0 .. 1];
*/
void sq_port_thread_prepare(sq_thread_t *t);

/** Smallest stack a port accepts, in bytes. */
#define SQ_PORT_STACK_MIN 256u
/** The byte sq_port_thread_prepare paints unused stack with. */
#define SQ_PORT_STACK_FILL 0xa5u

/**
 * Adopt the calling context as the kernel's idle thread `idle` (already
 * current), start the tick, and return with interrupts unmasked.
 */
/*@ assigns idle->context[0 .. 1]; */
void sq_port_kernel_start(sq_thread_t *idle);

/** Stop the tick; the calling idle context goes back to being plain code. */
/*@ assigns \nothing; */
void sq_port_kernel_stop(void);

/**
 * Idle: release the lock taken as `key` and wait for an interrupt. Returns
 * after at least one interrupt ran (or at once if one was already pending);
 * any switch it caused has happened and come back by then.
 */
/*@ assigns \nothing; */
void sq_port_idle(sq_irq_key_t key);

/** Port side of sq_kernel_soft_irq (checked arguments, thread context). */
/*@ assigns \nothing; */
void sq_port_soft_irq(void (*handler)(void *arg), void *arg);

/**
 * Enter the kernel's call dispatcher from any thread: a plain call to
 * sq_syscall from privileged code, a supervisor call through the port's
 * gate from a user thread (user.h).
 */
sq_status_t sq_port_syscall(uint32_t nr, uint32_t a0, uint32_t a1);

/**
 * The memory view of the current thread may have changed (its domain, a
 * partition of it): reprogram the MPU for sq_sched_current() now. Called
 * with the lock held. No-op where nothing is enforced (host).
 */
/*@ assigns \nothing; */
void sq_port_mpu_update(void);

/* ---- Called by the port ------------------------------------------------ */

/**
 * The current thread made an access the MPU refused (or a supervisor call
 * outside the gate): if it is a user thread, record `cause` and `addr` in
 * it, end it as sq_thread_abort would (its joiners wake), request a switch
 * and return true; the port returns from the fault into the switch.
 * Returns false for a privileged thread (a kernel bug: the port stops).
 * Called from the fault handler.
 */
bool sq_kernel_user_fault(sq_fault_t cause, uintptr_t addr);

/**
 * Pick the thread to run next and make it current; returns it (possibly the
 * thread that was current). The port calls it with the lock held, when it
 * performs a requested switch, after saving the current thread's context.
 */
sq_thread_t *sq_sched_switch(void);

/** The current thread (the idle thread before and after sq_kernel_run). */
sq_thread_t *sq_sched_current(void);

/** Where every thread starts: runs t->entry(t->arg), then exits. */
void sq_thread_main(sq_thread_t *t) __attribute__((noreturn));

#endif /* SQUALL_PORT_H */
