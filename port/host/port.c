/*
 * squall port for the host (Linux, POSIX threads): the contract of
 * src/kernel/port.h on a workstation, with threads that really are
 * preempted, so that the kernel's concurrency bugs can show in the host
 * tests and under ThreadSanitizer.
 *
 * The model is a uniprocessor:
 *
 * - Every kernel thread (sq_thread_t) runs on a pthread of its own. Exactly
 *   one of them runs kernel or user code at any time: the kernel's current
 *   thread. The others are parked on their baton, a semaphore in the
 *   thread's host record (struct host_thread). A switch posts the next
 *   thread's baton and parks the caller on its own. The main thread, which
 *   calls sq_kernel_run, is the idle thread.
 *
 * - The interrupt lock is one mutex, shared by the running kernel thread
 *   and the interrupt thread, plus the preemption signal blocked in the
 *   locking thread. It nests by a per-thread depth; the key is the depth
 *   before the lock.
 *
 * - Interrupts are one more pthread, the interrupt thread, which is not a
 *   kernel thread: it runs the tick (sq_kernel_tick(1) every
 *   1/SQ_CONFIG_TICK_HZ s, on absolute CLOCK_MONOTONIC deadlines) and the
 *   soft interrupts of sq_port_soft_irq, each holding the mutex, with
 *   sq_port_in_isr() true. When one of them asks for a switch, the interrupt
 *   thread sends the preemption signal to the pthread of the current kernel
 *   thread. The handler takes and releases the lock, and the release
 *   performs the switch: the thread is preempted wherever it was, even in
 *   a loop that makes no calls at all. Since the signal is blocked while a
 *   kernel thread holds the lock or is parked, the handler only ever
 *   interrupts code that runs with the lock free, which is what an
 *   interrupt may preempt.
 *
 * - A pthread is created when its thread is started (sq_port_thread_prepare)
 *   and first waits for its baton. A thread that ends switches away for the
 *   last time and ends its pthread. A thread aborted by another one stays
 *   parked; its pthread is ended and its record reused when the same
 *   sq_thread_t is started again, when a thread is started and it is found
 *   dead, and when the kernel stops.
 *
 * - t->stack is not the stack the thread runs on (the pthread has its own,
 *   SQ_PORT_HOST_STACK_SIZE bytes). It is painted with SQ_PORT_STACK_FILL
 *   all the same, so sq_thread_stack_used reports 0 bytes used on the host.
 *
 * Limits, all of the host only:
 *
 * - The signal handler waits on a semaphore and locks a mutex, which POSIX
 *   does not list as async-signal-safe. It is safe here because the signal
 *   is blocked whenever the interrupted thread holds or is taking the
 *   kernel mutex, and glibc's semaphores and mutexes are plain futex words.
 *
 * - A thread preempted inside the C library keeps whatever lock the library
 *   holds (stdio's FILE lock in printf, malloc's arena lock) while other
 *   threads run. If one of them takes the same lock, the emulation
 *   deadlocks, as it would with any preemptive scheduler that does not know
 *   those locks. Threads that may preempt one another should not both use
 *   such calls while the kernel runs (tests/test_kernel.c records into
 *   plain memory and checks after sq_kernel_run returns).
 *
 * - ThreadSanitizer defers an asynchronous signal until the thread enters
 *   an intercepted call or an atomic operation, so under TSan a loop with
 *   neither (spinning on a volatile) is never preempted. Loops that must be
 *   preempted under TSan should read their flag with an atomic load.
 *
 * - Only kernel threads, the interrupt thread and, outside sq_kernel_run,
 *   the main thread may call the kernel: a switch asked for by any other
 *   pthread waits for the current thread's next lock release. The one
 *   call made for such a pthread, sq_kernel_stop, asks for a switch that
 *   the next interrupt (a tick at the latest) sees pending and performs
 *   by the preemption signal, as for any switch it asks for itself.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <squall/kernel.h>
#include <squall/user.h>
#include "kernel/port.h"

/* ---- Configuration --------------------------------------------------- */

/** The preemption signal, sent only by the port to its own threads. */
#ifndef SQ_PORT_HOST_SIGNAL
#define SQ_PORT_HOST_SIGNAL SIGUSR1
#endif

/** Stack of each kernel thread's pthread, in bytes (raised to
 *  PTHREAD_STACK_MIN if smaller). Generous, for sanitizer builds. */
#ifndef SQ_PORT_HOST_STACK_SIZE
#define SQ_PORT_HOST_STACK_SIZE (256u * 1024u)
#endif

_Static_assert(SQ_CONFIG_TICK_HZ >= 1u && SQ_CONFIG_TICK_HZ <= 1000000000u,
               "the host tick period is a whole number of nanoseconds");
#define TICK_NS ((long)(1000000000u / SQ_CONFIG_TICK_HZ))
#define SEC_NS 1000000000L

/* ---- Port state ------------------------------------------------------- */

/* The host side of one kernel thread. `thread` is NULL when the record is
 * free; it and `pthread` change under the kernel mutex only. */
struct host_thread {
    /* Posted once for each switch to this thread. */
    sem_t baton;
    pthread_t pthread;
    sq_thread_t *thread;
    /* Set before the baton is posted to end a parked pthread instead of
     * running it (the semaphore orders the write before the read). */
    bool cancel;
};

/* One record per thread the kernel can know, the idle thread included. */
static struct host_thread host_threads[SQ_CONFIG_MAX_THREADS];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

/* Posted by each new pthread just before it parks; sq_port_thread_prepare
 * waits for it (one at a time, under the lock), so that the host's thread
 * start-up (milliseconds under a sanitizer) is paid when the thread is
 * started, not at its first switch, which should cost what any switch
 * costs. */
static sem_t host_parked;

/* The kernel lock's mutex. Everything below up to the thread-locals is
 * read and written under it. */
static pthread_mutex_t kernel_mutex = PTHREAD_MUTEX_INITIALIZER;

/* A switch was asked for and has not been performed yet. */
static bool switch_pending;

/* The interrupt thread, woken early (CLOCK_MONOTONIC condvar, initialised
 * once) for a soft interrupt or to stop. */
static pthread_t irq_pthread;
static pthread_cond_t irq_wake;
static bool irq_stop;

/* Interrupts run so far, and a broadcast after each: the idle thread and
 * the caller of a soft interrupt wait for it. */
static uint64_t irq_count;
static pthread_cond_t irq_done = PTHREAD_COND_INITIALIZER;

/* The one soft interrupt waiting to run (NULL handler: none). There is
 * never more than one: its caller is the running kernel thread and it
 * waits, signal blocked, until the interrupt thread has run it. */
static void (*soft_handler)(void *arg);
static void *soft_arg;

/* Lock nesting depth of this pthread (1 during an interrupt, which the
 * interrupt thread runs with the mutex held). */
static _Thread_local uint32_t tl_depth;
/* The signal mask to restore when the outermost lock is released. */
static _Thread_local sigset_t tl_saved_mask;
/* This pthread's record if it is a kernel thread while the kernel runs. */
static _Thread_local struct host_thread *tl_self;
/* True on the interrupt thread only. */
static _Thread_local bool tl_in_isr;

/* ---- Helpers ---------------------------------------------------------- */

/* A host call that cannot fail in a working program did: stop loudly
 * rather than run on with a broken emulation. */
static void host_check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "squall host port: %s failed (%d)\n", what, rc);
        abort();
    }
}

static sigset_t preempt_set(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SQ_PORT_HOST_SIGNAL);
    return set;
}

static struct host_thread *host_thread_of(const sq_thread_t *t)
{
    return (struct host_thread *)t->context[0];
}

static void host_init(void)
{
    for (size_t i = 0; i < SQ_CONFIG_MAX_THREADS; i++) {
        host_check(sem_init(&host_threads[i].baton, 0, 0u), "sem_init");
    }
    host_check(sem_init(&host_parked, 0, 0u), "sem_init");
    pthread_condattr_t attr;
    host_check(pthread_condattr_init(&attr), "pthread_condattr_init");
    host_check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC), "pthread_condattr_setclock");
    host_check(pthread_cond_init(&irq_wake, &attr), "pthread_cond_init");
    host_check(pthread_condattr_destroy(&attr), "pthread_condattr_destroy");
}

static void sem_wait_through_signals(sem_t *sem)
{
    while (sem_wait(sem) != 0) {
        /* Another signal's handler ran (sem_wait is never restarted). */
        host_check(errno == EINTR ? 0 : errno, "sem_wait");
    }
}

/* Park until this thread's baton is posted; end the pthread if that was
 * to cancel it. The preemption signal is blocked meanwhile (the caller
 * holds the lock, or is a new thread that inherited a blocked mask), so a
 * preemption aimed at this thread waits until it runs again. */
static void baton_wait(struct host_thread *self)
{
    sem_wait_through_signals(&self->baton);
    if (self->cancel) {
        pthread_exit(NULL);
    }
}

/* A free record for `t`. Lock held. */
static struct host_thread *host_thread_alloc(sq_thread_t *t)
{
    for (size_t i = 0; i < SQ_CONFIG_MAX_THREADS; i++) {
        if (host_threads[i].thread == NULL) {
            host_threads[i].thread = t;
            return &host_threads[i];
        }
    }
    /* Only threads started and then forgotten by sq_kernel_init, without a
     * run in between, can hold records beyond the kernel's own limit. */
    fprintf(stderr, "squall host port: more than %u host threads\n",
            (unsigned)SQ_CONFIG_MAX_THREADS);
    abort();
}

/* End the parked pthread of `r` (never the caller's) and free the record.
 * Lock held: the parked thread does not take it on its way out. */
static void host_thread_reclaim(struct host_thread *r)
{
    r->cancel = true;
    host_check(sem_post(&r->baton), "sem_post");
    host_check(pthread_join(r->pthread, NULL), "pthread_join");
    r->cancel = false;
    r->thread = NULL;
}

/* ---- Context switch --------------------------------------------------- */

/*
 * Perform the switches asked for so far. Thread context, mutex held, depth
 * 1 (so a lock inside the kernel nests). Returns once this thread is the
 * current one again with the mutex held and nothing pending.
 */
static void perform_switches(void)
{
    while (switch_pending) {
        switch_pending = false;
        sq_thread_t *from = sq_sched_current();
        sq_thread_t *to = sq_sched_switch();
        if (to == from) {
            continue;
        }
        struct host_thread *next = host_thread_of(to);
        if (from->state == SQ_THREAD_DEAD) {
            /* The last switch away: free the record while the mutex still
             * keeps everyone else out, then hand over and end without
             * touching the record again (it may be reused at once). */
            tl_self->thread = NULL;
            host_check(pthread_detach(pthread_self()), "pthread_detach");
            pthread_mutex_unlock(&kernel_mutex);
            host_check(sem_post(&next->baton), "sem_post");
            pthread_exit(NULL);
        }
        /* The kernel state is complete (`to` is current) before the mutex
         * goes, so the interrupt thread may run in between: a preemption
         * it aims at `to` stays pending until `to` runs. */
        pthread_mutex_unlock(&kernel_mutex);
        host_check(sem_post(&next->baton), "sem_post");
        baton_wait(tl_self);
        pthread_mutex_lock(&kernel_mutex);
    }
}

/* The preemption signal: an interrupt asked for a switch while this thread
 * ran with the lock free. The release of the lock performs it. */
static void preempt_handler(int sig)
{
    (void)sig;
    int saved_errno = errno;
    if (tl_self != NULL) {
        sq_port_irq_unlock(sq_port_irq_lock());
    }
    errno = saved_errno;
}

/* ---- Interrupt lock --------------------------------------------------- */

sq_irq_key_t sq_port_irq_lock(void)
{
    if (tl_depth == 0u) {
        /* Signal first: the handler takes this lock, so it must never run
         * in a thread that holds or is taking the mutex. The old mask goes
         * to a local first: under TSan a deferred handler may run when
         * pthread_sigmask returns, and it locks and unlocks too. */
        sigset_t block = preempt_set();
        sigset_t old;
        pthread_sigmask(SIG_BLOCK, &block, &old);
        pthread_mutex_lock(&kernel_mutex);
        tl_saved_mask = old;
    }
    return tl_depth++;
}

void sq_port_irq_unlock(sq_irq_key_t key)
{
    if (key != 0u) {
        tl_depth = key;
        return;
    }
    if (tl_self != NULL) {
        perform_switches();
    }
    sigset_t restore = tl_saved_mask;
    tl_depth = 0u;
    pthread_mutex_unlock(&kernel_mutex);
    /* A preemption that arrived meanwhile is taken here. */
    pthread_sigmask(SIG_SETMASK, &restore, NULL);
}

void sq_port_switch_request(void)
{
    /* Performed at the outermost unlock in thread context; from the
     * interrupt thread, through the signal once the interrupt is done. */
    switch_pending = true;
}

bool sq_port_in_isr(void)
{
    return tl_in_isr;
}

/* ---- Threads ---------------------------------------------------------- */

/* A kernel thread's pthread: parked until the first switch to it. */
static void *host_thread_entry(void *arg)
{
    struct host_thread *self = arg;
    host_check(sem_post(&host_parked), "sem_post");
    baton_wait(self);
    tl_self = self;
    /* Created with the signal blocked (the creator held the lock); from
     * here this thread may be preempted, and one aimed at it before it
     * ran happens now. */
    sigset_t unblock = preempt_set();
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    sq_thread_main(self->thread);
}

void sq_port_thread_prepare(sq_thread_t *t)
{
    memset(t->stack, (int)SQ_PORT_STACK_FILL, t->stack_size);
    host_check(pthread_once(&host_once, host_init), "pthread_once");

    /* Parked pthreads of threads that will never run again: an earlier
     * life of `t` (aborted, or forgotten by sq_kernel_init), or any thread
     * aborted while it did not run. Not the current thread: aborted by an
     * interrupt, it is dead but still runs until its switch away (and
     * then ends its pthread itself); and not the caller, which is current
     * or the interrupt thread. */
    sq_thread_t *current = sq_sched_current();
    for (size_t i = 0; i < SQ_CONFIG_MAX_THREADS; i++) {
        struct host_thread *r = &host_threads[i];
        if (r->thread != NULL && r->thread != current &&
            (r->thread == t || r->thread->state == SQ_THREAD_DEAD)) {
            host_thread_reclaim(r);
        }
    }

    struct host_thread *r = host_thread_alloc(t);
    t->context[0] = (uintptr_t)r;
    pthread_attr_t attr;
    size_t stack = SQ_PORT_HOST_STACK_SIZE;
    if (stack < (size_t)PTHREAD_STACK_MIN) {
        stack = (size_t)PTHREAD_STACK_MIN;
    }
    host_check(pthread_attr_init(&attr), "pthread_attr_init");
    host_check(pthread_attr_setstacksize(&attr, stack), "pthread_attr_setstacksize");
    /* Inherits the caller's mask, in which the signal is blocked. */
    host_check(pthread_create(&r->pthread, &attr, host_thread_entry, r), "pthread_create");
    host_check(pthread_attr_destroy(&attr), "pthread_attr_destroy");
    sem_wait_through_signals(&host_parked);
}

/* ---- Interrupts ------------------------------------------------------- */

static struct timespec ts_add_ns(struct timespec t, long ns)
{
    t.tv_nsec += ns;
    while (t.tv_nsec >= SEC_NS) {
        t.tv_nsec -= SEC_NS;
        t.tv_sec++;
    }
    return t;
}

static bool ts_reached(struct timespec now, struct timespec deadline)
{
    return now.tv_sec > deadline.tv_sec ||
           (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

/*
 * The interrupt thread. It holds the mutex except while it waits, so each
 * interrupt runs as one critical section, at depth 1 so that the kernel's
 * own locks inside it nest. Created with the signal blocked, which stays so.
 */
static void *irq_thread_main(void *unused)
{
    (void)unused;
    tl_in_isr = true;
    struct timespec next_tick;
    clock_gettime(CLOCK_MONOTONIC, &next_tick);
    next_tick = ts_add_ns(next_tick, TICK_NS);

    pthread_mutex_lock(&kernel_mutex);
    tl_depth = 1u;
    while (!irq_stop) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (soft_handler != NULL) {
            soft_handler(soft_arg);
            soft_handler = NULL;
        } else if (ts_reached(now, next_tick)) {
            sq_kernel_tick(1u);
            /* Ticks missed while the host did not run this thread are
             * dropped, not replayed in a burst: kernel time slows down
             * under load instead of jumping ahead of the threads. */
            next_tick = ts_add_ns(next_tick, TICK_NS);
            if (ts_reached(now, next_tick)) {
                next_tick = ts_add_ns(now, TICK_NS);
            }
        } else {
            (void)pthread_cond_timedwait(&irq_wake, &kernel_mutex, &next_tick);
            continue;
        }
        irq_count++;
        pthread_cond_broadcast(&irq_done);
        if (switch_pending) {
            /* Sent under the mutex: the current thread cannot end before
             * the signal is queued, and its pthread_t stays valid. */
            host_check(pthread_kill(host_thread_of(sq_sched_current())->pthread,
                                    SQ_PORT_HOST_SIGNAL),
                       "pthread_kill");
        }
    }
    tl_depth = 0u;
    pthread_mutex_unlock(&kernel_mutex);
    return NULL;
}

void sq_port_soft_irq(void (*handler)(void *arg), void *arg)
{
    /* Wait under the lock (the mutex is free while waiting, the signal
     * stays blocked): when the handler is done, the unlock below performs
     * the switch it asked for, so any thread it readied that outranks the
     * caller has run before this returns. */
    sq_irq_key_t key = sq_port_irq_lock();
    soft_handler = handler;
    soft_arg = arg;
    pthread_cond_signal(&irq_wake);
    while (soft_handler != NULL) {
        pthread_cond_wait(&irq_done, &kernel_mutex);
    }
    sq_port_irq_unlock(key);
}

void sq_port_idle(sq_irq_key_t key)
{
    /* A switch asked for already counts as an interrupt pending: the
     * unlock takes it at once. Otherwise sleep until an interrupt has run
     * (at the latest, the next tick); the switch it asked for, if any,
     * happens in the unlock and comes back before this returns. */
    if (!switch_pending) {
        uint64_t seen = irq_count;
        while (irq_count == seen) {
            pthread_cond_wait(&irq_done, &kernel_mutex);
        }
    }
    sq_port_irq_unlock(key);
}

/* ---- Kernel start and stop -------------------------------------------- */

void sq_port_kernel_start(sq_thread_t *idle)
{
    host_check(pthread_once(&host_once, host_init), "pthread_once");
    /* Installed for good: a preemption still pending on the main thread
     * after a stop must find this handler (which then does nothing), not
     * the default action, which ends the process. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = preempt_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    host_check(sigaction(SQ_PORT_HOST_SIGNAL, &sa, NULL), "sigaction");

    sq_irq_key_t key = sq_port_irq_lock();
    struct host_thread *self = host_thread_alloc(idle);
    self->pthread = pthread_self();
    idle->context[0] = (uintptr_t)self;
    tl_self = self;
    irq_stop = false;
    /* Inherits this thread's mask, in which the signal is blocked now. */
    host_check(pthread_create(&irq_pthread, NULL, irq_thread_main, NULL), "pthread_create");
    sq_port_irq_unlock(key);
}

void sq_port_kernel_stop(void)
{
    sq_irq_key_t key = sq_port_irq_lock();
    irq_stop = true;
    pthread_cond_signal(&irq_wake);
    /* The interrupt thread needs the mutex to see the flag; nothing else
     * can take it: every other kernel thread has ended or is parked. */
    pthread_mutex_unlock(&kernel_mutex);
    host_check(pthread_join(irq_pthread, NULL), "pthread_join");
    pthread_mutex_lock(&kernel_mutex);

    /* Whatever is still parked (threads aborted, or started before an
     * sq_kernel_init and never run) will never run. */
    for (size_t i = 0; i < SQ_CONFIG_MAX_THREADS; i++) {
        if (host_threads[i].thread != NULL && &host_threads[i] != tl_self) {
            host_thread_reclaim(&host_threads[i]);
        }
    }
    tl_self->thread = NULL;
    tl_self = NULL;
    /* A switch asked for by the last interrupt must not happen after. */
    switch_pending = false;
    sq_port_irq_unlock(key);
}

sq_status_t sq_port_syscall(uint32_t nr, uint32_t a0, uint32_t a1)
{
    return sq_syscall(nr, a0, a1);
}

/* ---- Memory protection -------------------------------------------------- */

void sq_port_mpu_update(void)
{
    /* The host has no MPU: user threads run with the process's rights. The
     * kernel still checks and records every domain rule, and
     * sq_mem_domain_allows answers what an MPU would grant (mem_domain.h). */
}
