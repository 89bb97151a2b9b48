/*
 * Instruction counts of the kernel's decisions on the host, without the
 * host port's thread switching: built with bench/null_port.c and run by
 * bench/run.sh under `valgrind --tool=callgrind --toggle-collect=<fn>`, so
 * that only the instructions executed inside <fn> (the kernel call being
 * measured, and everything it calls) are counted. Each mode makes exactly
 * OPS calls of that function and no other call of it:
 *
 *   give        sq_sem_give, nobody waiting (count below the limit)
 *   take        sq_sem_take, count > 0
 *   give_wake   sq_sem_give that wakes a higher-priority taker, which
 *               becomes current at the unlock (the scheduler's choice)
 *   take_block  sq_sem_take that blocks, and the choice of the next thread
 *   irq_give    sq_kernel_soft_irq whose handler gives to a blocked,
 *               higher-priority taker
 *   yield       sq_thread_yield between two threads of one priority (each
 *               call chooses the other thread)
 *   tick        sq_kernel_tick(1) with nothing due, <n> timers armed far
 *               ahead (the second argument counts timers, not threads)
 *
 * The null port performs no real switch: the script below calls the kernel
 * as whichever thread the kernel made current (see null_port.c) and checks
 * after each step that it is the thread expected.
 *
 * Usage: kernel_host_bench <mode> <threads>, threads being the number the
 * kernel knows while measuring (idle and the measuring threads included;
 * the rest are suspended fillers), 3 .. SQ_CONFIG_MAX_THREADS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/sem.h>
#include <squall/thread.h>
#include <squall/timer.h>

#define OPS 100000u
#define STACK_BYTES 512u

#define PRIO_FILLER 1u
#define PRIO_HIGH 2u
#define PRIO_LOW 3u

enum mode { GIVE, TAKE, GIVE_WAKE, TAKE_BLOCK, IRQ_GIVE, YIELD, TICK, MODES };
static const char *const mode_names[MODES] = {"give",     "take",  "give_wake", "take_block",
                                              "irq_give", "yield", "tick"};

SQ_THREAD_DEFINE(th_a, STACK_BYTES);
SQ_THREAD_DEFINE(th_b, STACK_BYTES);
#define FILLER(n) SQ_THREAD_DEFINE(filler##n, STACK_BYTES);
FILLER(0) FILLER(1) FILLER(2) FILLER(3) FILLER(4) FILLER(5) FILLER(6) FILLER(7)
FILLER(8) FILLER(9) FILLER(10) FILLER(11) FILLER(12) FILLER(13)
static sq_thread_t *const fillers[] = {&filler0, &filler1, &filler2,  &filler3,  &filler4,
                                       &filler5, &filler6, &filler7,  &filler8,  &filler9,
                                       &filler10, &filler11, &filler12, &filler13};

static enum mode mode;
static uint32_t n_fillers;
static bool two_threads; /* th_b takes part */
static sq_sem_t sem;
static sq_timer_t timers[SQ_CONFIG_MAX_TIMEOUTS];

/* Never run: on the null port no thread entry is ever entered. */
static void entry(void *arg)
{
    (void)arg;
}

static void expect(const sq_thread_t *t, const char *what)
{
    if (sq_thread_self() != t) {
        fprintf(stderr, "kernel_host_bench: %s: not the thread expected\n", what);
        exit(1);
    }
}

static void give_from_isr(void *arg)
{
    (void)sq_sem_give(arg);
}

void bench_script(void);
void bench_script(void)
{
    /* Any call that reschedules makes the first ready thread current: the
     * fillers in start order, each of which suspends itself, then a. */
    (void)sq_thread_set_priority(&th_a, PRIO_HIGH);
    for (uint32_t i = 0; i < n_fillers; i++) {
        expect(fillers[i], "filler");
        (void)sq_thread_suspend(fillers[i]);
    }
    expect(&th_a, "start");

    switch (mode) {
    case GIVE:
        for (uint32_t i = 0; i < OPS; i++) {
            (void)sq_sem_give(&sem);
        }
        break;
    case TAKE:
        for (uint32_t i = 0; i < OPS; i++) {
            (void)sq_sem_give(&sem);
        }
        for (uint32_t i = 0; i < OPS; i++) {
            (void)sq_sem_take(&sem, SQ_NO_WAIT);
        }
        break;
    case GIVE_WAKE:
    case TAKE_BLOCK:
    case IRQ_GIVE:
        for (uint32_t i = 0; i < OPS; i++) {
            (void)sq_sem_take(&sem, SQ_FOREVER); /* a blocks: b is current */
            expect(&th_b, "after take");
            if (mode == IRQ_GIVE) {
                (void)sq_kernel_soft_irq(give_from_isr, &sem);
            } else {
                (void)sq_sem_give(&sem); /* a is woken and current */
            }
            expect(&th_a, "after give");
        }
        break;
    case YIELD:
        for (uint32_t i = 0; i < OPS; i++) {
            sq_thread_yield();
            expect(i % 2u == 0u ? &th_b : &th_a, "after yield");
        }
        break;
    case TICK:
        for (uint32_t i = 0; i < OPS; i++) {
            sq_kernel_tick(1u);
        }
        break;
    case MODES:
        break;
    }

    /* End every thread but idle; the last abort makes idle current. */
    for (uint32_t i = 0; i < n_fillers; i++) {
        (void)sq_thread_abort(fillers[i]);
    }
    if (two_threads) {
        (void)sq_thread_abort(&th_b);
    }
    (void)sq_thread_abort(&th_a);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kernel_host_bench give|take|give_wake|take_block|irq_give|yield "
                        "<threads>, or tick <timers>\n");
        return 2;
    }
    mode = MODES;
    for (int m = 0; m < MODES; m++) {
        if (strcmp(argv[1], mode_names[m]) == 0) {
            mode = (enum mode)m;
        }
    }
    two_threads = mode != GIVE && mode != TAKE && mode != TICK;
    uint32_t threads = (uint32_t)strtoul(argv[2], NULL, 10);
    uint32_t n_timers = 0u;
    if (mode == TICK) {
        n_timers = threads;
        threads = 2u;
    }
    uint32_t fixed = two_threads ? 3u : 2u;
    if (mode == MODES || threads < fixed || threads > SQ_CONFIG_MAX_THREADS ||
        n_timers > SQ_CONFIG_MAX_TIMEOUTS) {
        fprintf(stderr, "kernel_host_bench: unknown mode or count out of range\n");
        return 2;
    }
    n_fillers = threads - fixed;

    if (sq_kernel_init() != SQ_OK || sq_sem_init(&sem, 0u, OPS) != SQ_OK) {
        return 1;
    }
    /* Due long after the run's OPS ticks; started after the init, which
     * forgets earlier timeouts. */
    for (uint32_t i = 0; i < n_timers; i++) {
        if (sq_timer_init(&timers[i], NULL, NULL) != SQ_OK ||
            sq_timer_start(&timers[i], 2u * OPS + i, 0u) != SQ_OK) {
            return 1;
        }
    }
    for (uint32_t i = 0; i < n_fillers; i++) {
        if (sq_thread_start(fillers[i], entry, NULL, PRIO_FILLER, 0u) != SQ_OK) {
            return 1;
        }
    }
    uint32_t prio_b = mode == YIELD ? PRIO_HIGH : PRIO_LOW;
    if (sq_thread_start(&th_a, entry, NULL, PRIO_HIGH, 0u) != SQ_OK ||
        (two_threads && sq_thread_start(&th_b, entry, NULL, prio_b, 0u) != SQ_OK)) {
        return 1;
    }
    if (sq_kernel_run() != SQ_OK || sq_thread_count() != 1u) {
        fprintf(stderr, "kernel_host_bench: the run did not end cleanly\n");
        return 1;
    }
    printf("%s %u threads, %u timers: %u calls\n", mode_names[mode], (unsigned)threads,
           (unsigned)n_timers, OPS);
    return 0;
}
