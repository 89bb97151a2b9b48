/*
 * A port for counting the kernel's decisions on the host (bench/run.sh runs
 * bench/kernel_host_bench.c on it under callgrind). It implements
 * src/kernel/port.h with no concurrency and no stacks at all:
 *
 * - the interrupt lock is a nesting counter (the key is the depth before);
 * - a switch request sets a flag, and the outermost unlock outside an
 *   "interrupt" performs the switch by calling sq_sched_switch() under the
 *   lock, exactly where the Cortex-M port's PendSV would run it. Nothing is
 *   saved or restored: the kernel's idea of the current thread changes and
 *   the calling C code simply goes on, now acting for that thread;
 * - sq_port_kernel_start runs the benchmark's script (bench_script, defined
 *   by the benchmark), which drives the kernel by calling its API as
 *   whichever thread is current, and must leave only the idle thread;
 * - a soft interrupt runs its handler at once, under the lock, with
 *   sq_port_in_isr() true, and the switch it asked for happens at the
 *   unlock after it.
 *
 * - nothing is isolated: a kernel call from any thread is a plain call of
 *   sq_syscall, and there is no MPU to update.
 *
 * Built with SQ_BENCH_MASKED, every outermost critical section (lock to
 * unlock, a switch performed at the unlock being one of its own) is one
 * callgrind dump, named after bench_phase: bench/run.sh takes the longest,
 * the interrupts-masked time a real port would have.
 *
 * So instruction counts taken over a kernel call include the kernel's whole
 * decision (checks, queue scans, the scheduler's choice at the switch) and
 * this port's few instructions of locking, but no register save, stack
 * switch, signal or pthread hand-over: none of what a real switch costs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/user.h>
#include "kernel/port.h"

/* Defined by the benchmark: runs while the kernel runs, from the idle
 * thread's context, and returns once every other thread has ended. */
void bench_script(void);

static uint32_t depth;
static bool pending;
static bool in_isr;

#ifdef SQ_BENCH_MASKED
#include <valgrind/callgrind.h>
/* What the benchmark is doing, for the dumps' names. */
const char *bench_phase = "set-up";
#define MASKED_BEGIN() CALLGRIND_ZERO_STATS
#define MASKED_END() CALLGRIND_DUMP_STATS_AT(bench_phase)
#else
#define MASKED_BEGIN() ((void)0)
#define MASKED_END() ((void)0)
#endif

sq_irq_key_t sq_port_irq_lock(void)
{
    if (depth == 0u) {
        MASKED_BEGIN();
    }
    return depth++;
}

void sq_port_irq_unlock(sq_irq_key_t key)
{
    depth = key;
    if (key == 0u) {
        MASKED_END();
    }
    if (key == 0u && pending && !in_isr) {
        pending = false;
        MASKED_BEGIN();
        depth = 1u;
        (void)sq_sched_switch();
        depth = 0u;
        MASKED_END();
    }
}

void sq_port_switch_request(void)
{
    pending = true;
}

bool sq_port_in_isr(void)
{
    return in_isr;
}

void sq_port_thread_prepare(sq_thread_t *t)
{
    memset(t->stack, (int)SQ_PORT_STACK_FILL, t->stack_size);
    t->context[0] = 0u;
}

void sq_port_kernel_start(sq_thread_t *idle)
{
    (void)idle;
    bench_script();
}

void sq_port_kernel_stop(void)
{
    pending = false;
}

void sq_port_idle(sq_irq_key_t key)
{
    (void)key;
    fprintf(stderr, "null port: the script left threads that are not dead\n");
    abort();
}

void sq_port_soft_irq(void (*handler)(void *arg), void *arg)
{
    sq_irq_key_t key = sq_port_irq_lock();
    in_isr = true;
    handler(arg);
    in_isr = false;
    sq_port_irq_unlock(key);
}

sq_status_t sq_port_syscall(uint32_t nr, uint32_t a0, uint32_t a1)
{
    return sq_syscall(nr, a0, a1);
}

void sq_port_mpu_update(void)
{
}
