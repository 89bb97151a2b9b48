/*
 * squall kernel: configuration, the thread control block, wait queues and
 * timeouts shared by every kernel object, and the calls that start the
 * kernel and feed it time.
 *
 * The kernel is a uniprocessor, priority-preemptive scheduler. Every thread
 * and object lives in caller memory; the kernel itself holds only bounded
 * tables that refer to them (SQ_CONFIG_MAX_THREADS threads,
 * SQ_CONFIG_MAX_TIMEOUTS armed timeouts), so nothing is allocated.
 *
 * Queues are orders, not lists: a thread on a queue (the ready queue or an
 * object's wait queue) carries the queue's address, its priority and a
 * 64-bit ticket drawn when it joined. The first thread of a queue is the one
 * with the lowest (priority, ticket) pair, found by one pass over the thread
 * table. Joining and leaving a queue are O(1) and cannot break the order
 * (P10, SC02, SC03 hold by construction); choosing the first is
 * O(SQ_CONFIG_MAX_THREADS).
 *
 * Kernel calls take the port's interrupt lock for their whole decision, so
 * a condition tested and a wait entered happen in one critical section: a
 * give or post from an interrupt either happens before the test (the caller
 * does not wait) or after the caller is on the wait queue (the give wakes
 * it). See docs/KERNEL.md.
 */
#ifndef SQUALL_KERNEL_H
#define SQUALL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <squall/status.h>
#include <squall/tick.h>

/** Threads the kernel can know at once, the idle thread included. The
 *  build sets it for the library and every user of the headers (CMake:
 *  -DSQUALL_MAX_THREADS=n; squall_ffi.h's SQ_CONFIG_MAX_THREADS says what
 *  libsquall.so was built with). */
#ifndef SQ_CONFIG_MAX_THREADS
#define SQ_CONFIG_MAX_THREADS 16
#endif
/** Timeouts that can be armed at once (thread waits and running timers). */
#ifndef SQ_CONFIG_MAX_TIMEOUTS
#define SQ_CONFIG_MAX_TIMEOUTS 32
#endif
/** Tick rate the ports program (SysTick on Cortex-M, a timer on the host). */
#ifndef SQ_CONFIG_TICK_HZ
#define SQ_CONFIG_TICK_HZ 1000u
#endif

/** Priorities: 0 is the highest; user threads use 0 .. SQ_PRIO_LOWEST; the
 *  idle thread alone has SQ_PRIO_IDLE. */
#define SQ_PRIO_HIGHEST 0u
#define SQ_PRIO_LOWEST 30u
#define SQ_PRIO_IDLE 31u

/** A wait queue. It holds nothing: a thread waiting on it records its
 *  address (see the comment at the top of this file). */
typedef struct sq_wait_queue {
    uint8_t unused_;
} sq_wait_queue_t;

/** A timeout's identity: a waiting thread's or a running timer's. Like a
 *  wait queue it holds nothing; while armed, its deadline and expiry
 *  function are in the kernel's armed table. */
typedef struct sq_timeout_node {
    uint8_t unused_;
} sq_timeout_node_t;

typedef enum sq_thread_state {
    SQ_THREAD_NEW = 0,    /**< defined, never started */
    SQ_THREAD_READY,      /**< running or able to run */
    SQ_THREAD_PENDING,    /**< waiting on an object, maybe with a timeout */
    SQ_THREAD_SLEEPING,   /**< waiting for a deadline only */
    SQ_THREAD_SUSPENDED,  /**< stopped by sq_thread_suspend */
    SQ_THREAD_DEAD        /**< returned, exited or aborted */
} sq_thread_state_t;

/** Thread options for sq_thread_start. A cooperative thread is never
 *  preempted by another thread; it runs until it blocks, yields or ends
 *  (interrupts still run). */
#define SQ_THREAD_COOPERATIVE 0x1u
/** A user thread runs its entry unprivileged: on Cortex-M the MPU limits it
 *  to code, its own stack and its memory domain (mem_domain.h), and it
 *  reaches the kernel only through the calls of user.h. Its stack must meet
 *  the build's MPU rule (SQ_USER_THREAD_DEFINE does). */
#define SQ_THREAD_USER 0x2u

/** Why the kernel stopped a user thread (sq_thread_fault). */
typedef enum sq_fault {
    SQ_FAULT_NONE = 0,    /**< not stopped by a fault */
    SQ_FAULT_DATA = 1,    /**< a load or store the MPU or the bus refused; its
                           *   address (0 if the core did not record it) */
    SQ_FAULT_EXEC = 2,    /**< an instruction fetch the MPU or the bus refused,
                           *   or an instruction the core refused */
    SQ_FAULT_STACK = 3,   /**< exception entry or return could not use its stack */
    SQ_FAULT_SYSCALL = 4  /**< a supervisor call from outside the kernel's gate */
} sq_fault_t;

struct sq_mem_domain;

/** A thread control block. Fields are the kernel's; read them through the
 *  calls in thread.h. */
typedef struct sq_thread {
    /** The port's saved context (on Cortex-M, word 0 is the stack pointer
     *  PendSV saves and restores). First, so the port finds it at offset 0. */
    uintptr_t context[2];
    /** The queue the thread is on: the ready queue when READY, the object's
     *  wait queue when PENDING, NULL otherwise. */
    sq_wait_queue_t *queue;
    /** Arrival order on that queue: lower tickets are older. */
    uint64_t ticket;
    sq_timeout_node_t timeout;
    /** What the waker tells a PENDING or SLEEPING thread (a sq_status_t). */
    int32_t wait_result;
    /** Object-specific wait data (events: desired bits, then matched bits). */
    uint32_t wait_value;
    uint32_t wait_options;
    uint16_t prio;
    uint8_t state;
    uint8_t options;
    /** The stack: bytes, so the stack-use measurement reads them without a
     *  cast. */
    uint8_t *stack;
    size_t stack_size;
    void (*entry)(void *arg);
    void *arg;
    /** Threads in sq_thread_join on this one. */
    sq_wait_queue_t joiners;
    /** The memory domain the thread is in (NULL: none). */
    struct sq_mem_domain *domain;
    /** Why and where a user thread was stopped by a fault (cleared by a
     *  start): an sq_fault_t, and the refused address for SQ_FAULT_DATA. */
    uint32_t fault;
    uintptr_t fault_addr;
} sq_thread_t;

/** Stack alignment every port accepts (AAPCS needs 8). */
#define SQ_STACK_ALIGN 8u

/** Define a thread `name` with a stack of `stack_bytes` bytes (rounded up
 *  to SQ_STACK_ALIGN); start it with sq_thread_start. */
#define SQ_THREAD_DEFINE(name, stack_bytes)                                   \
    static uint64_t name##_stack[((stack_bytes) + 7u) / 8u];                  \
    sq_thread_t name = {.stack = (uint8_t *)name##_stack, .stack_size = sizeof name##_stack}

/**
 * Reset the kernel to an empty state: no threads, no armed timeouts, no
 * attached shared streams (their domains keep the partitions attach gave;
 * re-initialise those), tick 0. Call once before starting threads, and
 * again between runs.
 * SQ_ERR_STATE if the kernel is running.
 */
sq_status_t sq_kernel_init(void);

/**
 * Run the started threads. The caller becomes the idle thread, which runs
 * only when no other thread is ready and waits for interrupts; the call
 * returns SQ_OK once every other thread has ended (DEAD). Armed timers are
 * stopped then. SQ_ERR_STATE if already running or called from a thread
 * or interrupt.
 */
sq_status_t sq_kernel_run(void);

/**
 * End the run from inside it: every thread but the idle one ends where it
 * is, as sq_thread_abort ends it (DEAD, off its queue, its timeout
 * disarmed; joiners are ended too, not woken), and sq_kernel_run returns
 * SQ_OK as soon as the idle thread runs again. A thread blocked in a
 * kernel call (a semaphore, an event, a sleep, a P3 built-in's wait)
 * never returns from it: the call is abandoned, not failed, and the
 * object keeps its state without the waiter (a count, a P3 end still
 * COPYING with its synchronous waiter, a waitable set's waiter count:
 * initialise them again before reusing them). On the host port the
 * thread's pthread ends inside the wait (pthread_exit: nothing on its
 * stack runs, C++ destructors aside); on Cortex-M its stack is never
 * resumed. Called by a thread, the caller ends too and the call does not
 * return; from an interrupt, it returns SQ_OK and the thread it
 * interrupted is switched away from once the interrupt is done. Every
 * thread, the caller included, may be started again after the next
 * sq_kernel_init. A thread started after the stop, before the run
 * returns, keeps the run going. On the host port any pthread may call
 * it (the switch then happens at the next interrupt, a tick at the
 * latest): an embedder can run sq_kernel_run in a thread of its own and
 * stop it from another. Only the idle thread is left known (SC17).
 * SQ_ERR_STATE when the kernel is not running.
 */
sq_status_t sq_kernel_stop(void);

/** The current tick count (ticks since sq_kernel_init). */
sq_tick_t sq_kernel_now(void);

/**
 * Advance time by `ticks` and fire every timeout whose deadline is reached.
 * The port's tick interrupt calls it; a board with its own time source may
 * call it from its own interrupt instead. Interrupt context only.
 */
void sq_kernel_tick(uint32_t ticks);

/** True when called from an interrupt handler. */
bool sq_kernel_in_isr(void);

/**
 * Run `handler(arg)` as an interrupt, through the port's software interrupt
 * (a pended NVIC line on Cortex-M, the interrupt thread on the host), and
 * return once it has run; any thread it made ready has run by then if it
 * outranks the caller. For deferred work and for tests. SQ_ERR_NULL,
 * SQ_ERR_IN_ISR (from an interrupt), SQ_ERR_STATE (kernel not running).
 */
sq_status_t sq_kernel_soft_irq(void (*handler)(void *arg), void *arg);

#endif /* SQUALL_KERNEL_H */
