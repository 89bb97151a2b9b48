/*
 * squall critical section: mask every interrupt that may call the kernel,
 * on the port's own interrupt lock (the one every kernel call takes), so
 * code guarded by it excludes interrupts, other threads and the kernel
 * alike. Two interrupts feeding one ring, or a thread and an interrupt
 * sharing a counter, take it around their update.
 *
 *     sq_irq_key_t key = sq_irq_lock();
 *     ... short, non-blocking work ...
 *     sq_irq_unlock(key);
 *
 * Usable from (privileged) threads and interrupts, and before
 * sq_kernel_run; not from a user thread (SQ_THREAD_USER: the core ignores
 * its writes to the mask, so it would guard nothing). It nests:
 * each lock returns the state it found, and the matching unlock restores
 * exactly that, so only the outermost unlock unmasks. Unlock in reverse
 * order of lock, with the key that lock returned.
 *
 * Inside it, non-blocking kernel calls are allowed (a give, a post, an
 * allocation or a put with SQ_NO_WAIT): a thread they make ready runs at
 * the outermost unlock, not before. A call that would wait must not be
 * made while it is held (the caller would block with interrupts masked).
 * Cortex-M: BASEPRI (PRIMASK on v6-M), so interrupts above the kernel's
 * priority still run; host: the kernel mutex and the preemption signal.
 */
#ifndef SQUALL_IRQ_H
#define SQUALL_IRQ_H

#include <stdint.h>

/** The interrupt state a lock found, given back to its unlock. */
typedef uint32_t sq_irq_key_t;

/** Enter the critical section; returns the state to restore. */
sq_irq_key_t sq_irq_lock(void);

/** Leave the critical section entered by the lock that returned `key`.
 *  At the outermost unlock in a thread, a switch the section made
 *  necessary happens here. */
void sq_irq_unlock(sq_irq_key_t key);

#endif /* SQUALL_IRQ_H */
