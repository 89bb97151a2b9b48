/*
 * Kernel benchmark image for Cortex-M, run by bench/run.sh under
 * `qemu-system-arm -icount shift=0,sleep=off` on mps2-an385 (Cortex-M3) and
 * mps2-an505 (Cortex-M33), and with an FPU on mps2-an386 (Cortex-M4F),
 * where fp_yield_switch is the context switch between FP threads. It prints one line per result through
 * semihosting:
 *
 *   BENCH <name> <threads> <instructions per operation, two decimals>
 *   INFO <what> <value>
 *
 * and "FAIL <why>" (exit status 1) when it cannot measure. The method's
 * code is bench/icount_bench.h, shared with bench/peers/freertos_bench.c.
 *
 * The clock. With -icount shift=0, QEMU advances its virtual clock by
 * exactly 1 ns per guest instruction executed, and its timers, SysTick
 * included, count that virtual time. SysTick (programmed by the port: core
 * clock, reload for a 1 kHz tick) therefore decrements once every P
 * instructions, P = 1e9 / core clock (40 at the an385's 25 MHz). P is not
 * assumed: the image calibrates it with a loop of known length first, and
 * stops if it is not (close to) a whole number, e.g. when QEMU runs without
 * -icount. Long windows combine the kernel's tick count with SysTick's
 * current value into one count of P-instruction units (clock_now).
 *
 * Two kinds of measurement:
 *
 * - Amortised: N operations in a loop, the window read before and after,
 *   minus the same loop calling an empty function of the same signature
 *   through the same pointer. So a result is what the call costs beyond
 *   an empty call: the loop, the call instruction and the one or two
 *   instructions of the empty body are not counted; everything the callee
 *   does is, including PendSV and any interrupt it triggers. Resolution P instructions per window, so
 *   P / N per operation.
 *
 * - Latency (from the call of sq_sem_give, or sq_kernel_soft_irq, in one
 *   thread to the return of sq_sem_take in another; from the call of
 *   sq_work_submit to the first instruction of the work item's handler on
 *   the queue's worker, of a higher priority): one SysTick reading
 *   just before the call, one just after the taker's return, averaged over
 *   SAMPLES wake-ups, minus the same two readings around an empty call.
 *   Each reading is only good to P instructions, so before each sample a
 *   pseudo-random delay of 3r instructions (r uniform in 0..P-1, P not a
 *   multiple of 3) puts the start at a uniformly distributed point of the
 *   SysTick period. The average of the quantised differences is then an
 *   unbiased estimate of the true difference, with a standard error of at
 *   most P / (2 sqrt(SAMPLES)) (0.15 instructions for P = 40), and as much
 *   again from the baseline. Samples in which a kernel tick fell are
 *   dropped (the tick count is compared).
 *
 * - Isolation (issue 5): user threads (SQ_THREAD_USER) cannot read the
 *   clock (SysTick and the kernel's tick count are privileged), so a
 *   privileged supervisor times them from outside: it starts one or two
 *   worker threads that each make ITERATIONS calls, reads the clock, joins
 *   them and reads it again; minus the same with workers that call an
 *   empty function. The window holds the workers' start-up and exit
 *   besides their loops, the same in both, so they cancel. The workers
 *   run once privileged and once as user threads, each in its own memory
 *   domain: the writer's and the reader's domain of one attached shared
 *   stream, three partitions each (data, write index, read index).
 *
 * Each measurement runs twice: with only the threads it needs, and with
 * the thread table full (SQ_CONFIG_MAX_THREADS threads, the others blocked
 * on a semaphore of their own), since the kernel scans the thread table to
 * find the first thread of a queue.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <squall/kernel.h>
#include <squall/mem_domain.h>
#include <squall/mpu.h>
#include <squall/msgq.h>
#include <squall/sem.h>
#include <squall/shared_stream.h>
#include <squall/thread.h>
#include <squall/user.h>
#include <squall/work.h>

#define BENCH_TICK_T sq_tick_t
#define BENCH_TICKS() sq_kernel_now()
#include "icount_bench.h"

#define STACK_BYTES 4096u /* printf runs on it */
#define FILLER_STACK_BYTES 512u
/* Threads besides the idle thread and the measuring ones that fill the
 * table in the "full" runs. */
#define FILLERS_MAX (SQ_CONFIG_MAX_THREADS - 2u)

#define PRIO_FILLER 1u
#define PRIO_HIGH 2u
#define PRIO_LOW 3u

/* Keep the compiler from inlining, cloning or specialising a function, so
 * that a measured loop and its baseline run the same instructions. */
#define NOIPA __attribute__((noipa))

SQ_THREAD_DEFINE(th_a, STACK_BYTES);
SQ_THREAD_DEFINE(th_b, STACK_BYTES);

#define FILLER(n) SQ_THREAD_DEFINE(filler##n, FILLER_STACK_BYTES);
FILLER(0) FILLER(1) FILLER(2) FILLER(3) FILLER(4) FILLER(5) FILLER(6) FILLER(7)
FILLER(8) FILLER(9) FILLER(10) FILLER(11) FILLER(12) FILLER(13)
static sq_thread_t *const fillers[] = {&filler0, &filler1, &filler2,  &filler3,  &filler4,
                                       &filler5, &filler6, &filler7,  &filler8,  &filler9,
                                       &filler10, &filler11, &filler12, &filler13};
_Static_assert(sizeof fillers / sizeof fillers[0] >= FILLERS_MAX, "one filler per free slot");

/* The isolation workers, and the domains they run in when they are user
 * threads: each holds the three partitions of its end of `stream`. */
#define USER_STACK_BYTES 1024u
SQ_USER_THREAD_DEFINE(worker_a, USER_STACK_BYTES);
SQ_USER_THREAD_DEFINE(worker_b, USER_STACK_BYTES);
static SQ_MEM_DOMAIN_DEFINE(domain_a);
static SQ_MEM_DOMAIN_DEFINE(domain_b);
typedef struct record {
    uint32_t word[4];
} record_t;
SQ_SHARED_STREAM_DEFINE(stream, record_t, 16u);

/* The measured message queue: 8-byte messages, MQ_DEPTH of them. */
#define MQ_MSG 8u
#define MQ_DEPTH 64u
static SQ_MSGQ_DEFINE(mq, MQ_MSG, MQ_DEPTH);
static uint32_t mq_out[MQ_MSG / 4u];
static const uint32_t mq_in[MQ_MSG / 4u] = {1u, 2u};

static sq_sem_t fill_sem;  /* the fillers wait here */
static sq_sem_t sem;       /* the measured semaphore */

/* ---- Loops: the operation and its empty twin run the same code ------- */

typedef sq_status_t sem_fn(sq_sem_t *s);
typedef sq_status_t take_fn(sq_sem_t *s, sq_timeout_t timeout);
typedef sq_status_t irq_fn(void (*handler)(void *arg), void *arg);

NOIPA static void empty_void(void)
{
}

NOIPA static sq_status_t empty_sem(sq_sem_t *s)
{
    (void)s;
    return SQ_OK;
}

NOIPA static sq_status_t empty_take(sq_sem_t *s, sq_timeout_t timeout)
{
    (void)s;
    (void)timeout;
    return SQ_OK;
}

NOIPA static sq_status_t empty_irq(void (*handler)(void *arg), void *arg)
{
    (void)handler;
    (void)arg;
    return SQ_OK;
}

typedef sq_status_t put_fn(sq_msgq_t *q, const void *msg, sq_timeout_t timeout);
typedef sq_status_t get_fn(sq_msgq_t *q, void *buf, sq_timeout_t timeout);

NOIPA static sq_status_t empty_put(sq_msgq_t *q, const void *msg, sq_timeout_t timeout)
{
    (void)q;
    (void)msg;
    (void)timeout;
    return SQ_OK;
}

NOIPA static sq_status_t empty_get(sq_msgq_t *q, void *buf, sq_timeout_t timeout)
{
    (void)q;
    (void)buf;
    (void)timeout;
    return SQ_OK;
}

NOIPA static void repeat_put(put_fn *fn, sq_timeout_t timeout, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        (void)fn(&mq, mq_in, timeout);
    }
}

NOIPA static void repeat_get(get_fn *fn, sq_timeout_t timeout, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        (void)fn(&mq, mq_out, timeout);
    }
}

typedef sq_status_t status_fn(void);

NOIPA static sq_status_t empty_status(void)
{
    return SQ_OK;
}

NOIPA static void repeat_status(status_fn *fn, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        (void)fn();
    }
}

NOIPA static void repeat_void(void (*fn)(void), uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        fn();
    }
}

NOIPA static void repeat_sem(sem_fn *fn, sq_sem_t *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        (void)fn(s);
    }
}

NOIPA static void repeat_take(take_fn *fn, sq_sem_t *s, sq_timeout_t timeout, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        (void)fn(s, timeout);
    }
}

NOIPA static void repeat_irq(irq_fn *fn, void (*handler)(void *arg), void *arg, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        (void)fn(handler, arg);
    }
}

static uint32_t window_void(void (*fn)(void), uint32_t n)
{
    uint32_t c0 = clock_now();
    repeat_void(fn, n);
    return clock_now() - c0;
}

static uint32_t window_sem(sem_fn *fn, sq_sem_t *s, uint32_t n)
{
    uint32_t c0 = clock_now();
    repeat_sem(fn, s, n);
    return clock_now() - c0;
}

static uint32_t window_take(take_fn *fn, sq_sem_t *s, sq_timeout_t timeout, uint32_t n)
{
    uint32_t c0 = clock_now();
    repeat_take(fn, s, timeout, n);
    return clock_now() - c0;
}

static uint32_t window_put(put_fn *fn, sq_timeout_t timeout, uint32_t n)
{
    uint32_t c0 = clock_now();
    repeat_put(fn, timeout, n);
    return clock_now() - c0;
}

static uint32_t window_get(get_fn *fn, sq_timeout_t timeout, uint32_t n)
{
    uint32_t c0 = clock_now();
    repeat_get(fn, timeout, n);
    return clock_now() - c0;
}

/* Uncontended put and get with SQ_NO_WAIT: ITERATIONS of each, MQ_DEPTH
 * puts then as many gets per round, so the queue never fills or empties;
 * counts summed into *put and *get. */
static void msgq_windows(put_fn *put, get_fn *get, uint32_t *put_counts, uint32_t *get_counts)
{
    *put_counts = 0u;
    *get_counts = 0u;
    for (uint32_t r = 0; r < ITERATIONS / MQ_DEPTH; r++) {
        *put_counts += window_put(put, SQ_NO_WAIT, MQ_DEPTH);
        *get_counts += window_get(get, SQ_NO_WAIT, MQ_DEPTH);
    }
}

static uint32_t window_irq(irq_fn *fn, void (*handler)(void *arg), void *arg, uint32_t n)
{
    uint32_t c0 = clock_now();
    repeat_irq(fn, handler, arg, n);
    return clock_now() - c0;
}

/* ---- Runs --------------------------------------------------------------- */

static void filler_entry(void *arg)
{
    (void)arg;
    (void)sq_sem_take(&fill_sem, SQ_FOREVER);
}

/* Start the measuring threads' entries (a runs first: higher priority, or
 * the same and started first) and `n_fillers` fillers, which run before
 * both and block at once; run the kernel until everything has ended. */
static void run(void (*entry_a)(void *), uint32_t prio_a, void (*entry_b)(void *),
                uint32_t prio_b, uint32_t n_fillers)
{
    sq_status_t st = sq_kernel_init();
    st = st != SQ_OK ? st : sq_sem_init(&fill_sem, 0u, 1u);
    for (uint32_t i = 0; i < n_fillers && st == SQ_OK; i++) {
        st = sq_thread_start(fillers[i], filler_entry, NULL, PRIO_FILLER, 0u);
    }
    st = st != SQ_OK ? st : sq_thread_start(&th_a, entry_a, NULL, prio_a, 0u);
    if (st == SQ_OK && entry_b != NULL) {
        st = sq_thread_start(&th_b, entry_b, NULL, prio_b, 0u);
    }
    st = st != SQ_OK ? st : sq_kernel_run();
    if (st != SQ_OK) {
        printf("FAIL kernel set-up: status %d\n", (int)st);
        failed = true;
    }
}

/* Wake the fillers so that they end (called by the last measuring thread
 * when it is done). */
static void release_fillers(void)
{
    (void)sq_sem_reset(&fill_sem);
}

/* Uncontended give and take, and a soft interrupt that does nothing; one
 * thread. */
static void empty_handler(void *arg)
{
    (void)arg;
}

static void uncontended_entry(void *arg)
{
    (void)arg;
    if (ipc == 0u && !calibrate()) {
        failed = true;
        release_fillers();
        return;
    }
    uint32_t threads = sq_thread_count();
    (void)sq_sem_init(&sem, 0u, ITERATIONS);
    uint32_t base = window_sem(empty_sem, &sem, ITERATIONS);
    uint32_t give = window_sem(sq_sem_give, &sem, ITERATIONS);
    uint32_t take_base = window_take(empty_take, &sem, SQ_NO_WAIT, ITERATIONS);
    uint32_t take = window_take(sq_sem_take, &sem, SQ_NO_WAIT, ITERATIONS);
    if (sq_sem_count(&sem) != 0u) {
        printf("FAIL uncontended: %lu units left\n", (unsigned long)sq_sem_count(&sem));
        failed = true;
    }
    report("sem_give_no_waiter", threads, (int64_t)give - base, ITERATIONS);
    report("sem_take_available", threads, (int64_t)take - take_base, ITERATIONS);
    uint32_t irq_base = window_irq(empty_irq, empty_handler, NULL, ITERATIONS);
    uint32_t irq = window_irq(sq_kernel_soft_irq, empty_handler, NULL, ITERATIONS);
    report("soft_irq_empty", threads, (int64_t)irq - irq_base, ITERATIONS);
    uint32_t put_base, get_base, put, get;
    msgq_windows(empty_put, empty_get, &put_base, &get_base);
    msgq_windows(sq_msgq_put, sq_msgq_get, &put, &get);
    if (sq_msgq_num_used(&mq) != 0u || mq_out[0] != mq_in[0] || mq_out[1] != mq_in[1]) {
        printf("FAIL uncontended: message queue not drained\n");
        failed = true;
    }
    const int64_t mq_ops = (int64_t)(ITERATIONS / MQ_DEPTH * MQ_DEPTH);
    report("msgq_put_no_waiter", threads, (int64_t)put - put_base, mq_ops);
    report("msgq_get_available", threads, (int64_t)get - get_base, mq_ops);
    release_fillers();
}

/* Context switch: two threads of one priority yield to each other. a opens
 * the window after the warm-up; in it, each of a's ITERATIONS yields runs
 * one iteration of b's loop, so the window holds 2 * ITERATIONS switches
 * and 2 * ITERATIONS loop iterations. */
static void yield_measure(const char *name)
{
    uint32_t threads = sq_thread_count();
    repeat_void(sq_thread_yield, WARMUP);
    uint32_t w = window_void(sq_thread_yield, ITERATIONS);
    uint32_t base = window_void(empty_void, ITERATIONS);
    report(name, threads, (int64_t)w - 2 * (int64_t)base, 2u * ITERATIONS);
    release_fillers();
}

static void yield_a(void *arg)
{
    (void)arg;
    yield_measure("yield_switch");
}

static void yield_b(void *arg)
{
    (void)arg;
    repeat_void(sq_thread_yield, WARMUP + ITERATIONS);
}

#if defined(__ARM_FP)
/* The same with both threads holding an FP context (one FP instruction
 * each first, which sets CONTROL.FPCA for good): every switch then writes
 * the lazily reserved s0-s15 and FPSCR and saves and loads s16-s31. */
static volatile float fp_sink;

static void fp_yield_a(void *arg)
{
    (void)arg;
    fp_sink = fp_sink + 1.0f;
    yield_measure("fp_yield_switch");
}

static void fp_yield_b(void *arg)
{
    fp_sink = fp_sink + 1.0f;
    yield_b(arg);
}
#endif

/* Give -> take. The taker (a, higher priority) first serves the
 * amortised round trips, then records latencies until told to stop. */
static void taker_entry(void *arg)
{
    (void)arg;
    /* The round trips: the giver's warm-up and window, and the first give
     * of its next phase. */
    repeat_take(sq_sem_take, &sem, SQ_FOREVER, 2u * (WARMUP + ITERATIONS) + 1u);
    do {
        (void)sq_sem_take(&sem, SQ_FOREVER);
    } while (latency_taken(SYST_CVR));
}

static void give_from_isr(void *arg)
{
    (void)sq_sem_give(arg);
}

/* The giver's side of one latency sample. */
NOIPA static void stamp_give(sem_fn *fn, sq_sem_t *s)
{
    stamp = SYST_CVR;
    (void)fn(s);
}

NOIPA static void stamp_irq(irq_fn *fn, sq_sem_t *s)
{
    stamp = SYST_CVR;
    (void)fn(give_from_isr, s);
}

/* The same two readings around an empty call, in one thread. The reading
 * after the call is shaped like the taker's: straight after a return. */
NOIPA static uint32_t stamp_give_end(sem_fn *fn, sq_sem_t *s)
{
    stamp_give(fn, s);
    return SYST_CVR;
}

NOIPA static uint32_t stamp_irq_end(irq_fn *fn, sq_sem_t *s)
{
    stamp_irq(fn, s);
    return SYST_CVR;
}

/* Work submit -> handler: the submitter (PRIO_LOW) queues `work` on
 * `work_queue`, whose worker (PRIO_HIGH) preempts it and runs the
 * handler, which reads SysTick first. */
typedef sq_status_t submit_fn(sq_work_queue_t *q, sq_work_t *w);
static void work_handler(sq_work_t *w);
static SQ_WORK_QUEUE_DEFINE(work_queue, 2u);
static SQ_WORK_DEFINE(work, work_handler);

static void work_handler(sq_work_t *w)
{
    uint32_t end = SYST_CVR;
    (void)w;
    if (recording) {
        latency_record(PHASE_WORK, stamp, end, stamp_tick);
    }
}

NOIPA static sq_status_t empty_submit(sq_work_queue_t *q, sq_work_t *w)
{
    (void)q;
    (void)w;
    return SQ_OK;
}

NOIPA static void stamp_submit(submit_fn *fn, sq_work_t *w)
{
    stamp = SYST_CVR;
    (void)fn(&work_queue, w);
}

NOIPA static uint32_t stamp_submit_end(submit_fn *fn, sq_work_t *w)
{
    stamp_submit(fn, w);
    return SYST_CVR;
}

static uint32_t latency_base_sample(enum phase p)
{
    return p == PHASE_WORK  ? stamp_submit_end(empty_submit, &work)
           : p == PHASE_IRQ ? stamp_irq_end(empty_irq, &sem)
                            : stamp_give_end(empty_sem, &sem);
}

static void giver_entry(void *arg)
{
    (void)arg;
    uint32_t threads = sq_thread_count();
    /* Amortised round trips: give wakes the taker, whose next take blocks
     * and switches back. Baseline: an empty give loop and an empty take
     * loop (the taker's loop iteration). */
    repeat_sem(sq_sem_give, &sem, WARMUP);
    uint32_t rt = window_sem(sq_sem_give, &sem, ITERATIONS);
    repeat_irq(sq_kernel_soft_irq, give_from_isr, &sem, WARMUP);
    uint32_t rt_irq = window_irq(sq_kernel_soft_irq, give_from_isr, &sem, ITERATIONS);
    uint32_t base_give = window_sem(empty_sem, &sem, ITERATIONS);
    uint32_t base_take = window_take(empty_take, &sem, SQ_FOREVER, ITERATIONS);
    uint32_t base_irq = window_irq(empty_irq, give_from_isr, &sem, ITERATIONS);
    report("sem_round_trip", threads, (int64_t)rt - base_give - base_take, ITERATIONS);
    report("irq_round_trip", threads, (int64_t)rt_irq - base_irq - base_take, ITERATIONS);

    /* Latencies. The first give wakes the taker out of its round-trip
     * loop, so it is never recorded. */
    for (enum phase p = PHASE_GIVE; p <= PHASE_IRQ; p++) {
        for (uint32_t i = 0; i < WARMUP + SAMPLES; i++) {
            latency_sample_start(p, i, WARMUP);
            if (p == PHASE_GIVE) {
                stamp_give(sq_sem_give, &sem);
            } else {
                stamp_irq(sq_kernel_soft_irq, &sem);
            }
        }
    }
    latency_report("sem_give_to_take", threads, PHASE_GIVE, latency_base(PHASE_GIVE));
    latency_report("irq_give_to_take", threads, PHASE_IRQ, latency_base(PHASE_IRQ));
    stop = true;
    (void)sq_sem_give(&sem);
    release_fillers();
}

/* The submitter; th_b is the queue's worker. The run ends with
 * sq_kernel_stop: the worker waits for work for good. */
static void submitter_entry(void *arg)
{
    (void)arg;
    sq_status_t st = sq_work_queue_init(&work_queue, work_queue.slots, 2u);
    st = st != SQ_OK ? st : sq_work_init(&work, work_handler);
    st = st != SQ_OK ? st : sq_work_queue_start(&work_queue, &th_b, PRIO_HIGH);
    if (st != SQ_OK) {
        printf("FAIL work queue set-up: status %d\n", (int)st);
        failed = true;
    }
    uint32_t threads = sq_thread_count();
    for (uint32_t i = 0; i < WARMUP + SAMPLES && !failed; i++) {
        latency_sample_start(PHASE_WORK, i, WARMUP);
        stamp_submit(sq_work_submit, &work);
    }
    recording = false;
    if (!failed) {
        latency_report("work_submit_to_handler", threads, PHASE_WORK, latency_base(PHASE_WORK));
    }
    release_fillers();
    (void)sq_kernel_stop();
}

/* A put that wakes a getter: the getter (higher priority) waits on the
 * empty queue; each put hands it the message, it runs, copies it out, waits
 * again and switches back. Baseline: an empty put loop and an empty get
 * loop (the getter's loop iteration), as for sem_round_trip. */
static void mq_getter_entry(void *arg)
{
    (void)arg;
    repeat_get(sq_msgq_get, SQ_FOREVER, WARMUP + ITERATIONS);
}

static void mq_putter_entry(void *arg)
{
    (void)arg;
    uint32_t threads = sq_thread_count();
    repeat_put(sq_msgq_put, SQ_NO_WAIT, WARMUP);
    uint32_t rt = window_put(sq_msgq_put, SQ_NO_WAIT, ITERATIONS);
    uint32_t base_put = window_put(empty_put, SQ_NO_WAIT, ITERATIONS);
    uint32_t base_get = window_get(empty_get, SQ_FOREVER, ITERATIONS);
    if (sq_msgq_num_used(&mq) != 0u) {
        printf("FAIL msgq round trip: %lu messages left\n", (unsigned long)sq_msgq_num_used(&mq));
        failed = true;
    }
    report("msgq_put_to_get", threads, (int64_t)rt - base_put - base_get, ITERATIONS);
    release_fillers();
}

/* Isolation. A worker's job lives in flash (const), which the code region
 * lets a user thread read; kernel and benchmark memory it cannot. */
struct job {
    status_fn *fn;
    uint32_t n;
};
static const struct job job_yield = {sq_user_yield, ITERATIONS};
static const struct job job_empty = {empty_status, ITERATIONS};

static void worker_entry(void *arg)
{
    const struct job *job = arg;
    repeat_status(job->fn, job->n);
}

/* How many workers the next isolation run times (1 or 2). */
static uint32_t iso_workers;

/* SysTick counts from just after `iso_workers` workers with `options` are
 * started (at a lower priority than the caller, so none has run yet) until
 * the last has been joined. */
static uint32_t window_workers(const struct job *job, uint32_t options)
{
    sq_thread_t *const worker[2] = {&worker_a, &worker_b};
    sq_mem_domain_t *const domain[2] = {&domain_a, &domain_b};
    sq_status_t st = SQ_OK;
    for (uint32_t i = 0; i < iso_workers && st == SQ_OK; i++) {
        st = sq_mem_domain_add_thread(domain[i], worker[i]);
        st = st != SQ_OK ? st
                         : sq_thread_start(worker[i], worker_entry, (void *)job, PRIO_LOW, options);
    }
    uint32_t c0 = clock_now();
    for (uint32_t i = 0; i < iso_workers && st == SQ_OK; i++) {
        st = sq_thread_join(worker[i], SQ_FOREVER);
    }
    uint32_t counts = clock_now() - c0;
    /* A worker the kernel stopped (an MPU fault, a refused supervisor
     * call) would have left its loop early. */
    sq_fault_t cause;
    uintptr_t addr;
    for (uint32_t i = 0; i < iso_workers && st == SQ_OK; i++) {
        if (sq_thread_fault(worker[i], &cause, &addr) != SQ_ERR_NOT_FOUND) {
            printf("FAIL isolation worker %lu stopped: fault %d at 0x%08lx\n", (unsigned long)i,
                   (int)cause, (unsigned long)addr);
            st = SQ_ERR_STATE;
        }
    }
    if (st != SQ_OK) {
        printf("FAIL isolation workers: status %d\n", (int)st);
        failed = true;
    }
    return counts;
}

/* What the port computes at each switch to a user worker before it writes
 * the MPU (port_mpu_load): the stack's region and the domain's regions,
 * with the encoders of the core's MPU. */
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
typedef sq_mpu_v7_region_t mpu_region_t;
#define mpu_region_encode sq_mpu_v7_region
#define mpu_domain_encode sq_mpu_v7_encode
#else
typedef sq_mpu_v8_region_t mpu_region_t;
#define mpu_region_encode sq_mpu_v8_region
#define mpu_domain_encode sq_mpu_v8_encode
#endif

NOIPA static sq_status_t encode_view(void)
{
    mpu_region_t region[1u + SQ_CONFIG_MAX_PARTITIONS];
    uint32_t count;
    sq_status_t st = mpu_region_encode((uintptr_t)worker_a.stack, (uint32_t)worker_a.stack_size,
                                       SQ_MEM_RW, &region[0]);
    return st != SQ_OK ? st
                       : mpu_domain_encode(&domain_a, &region[1], SQ_CONFIG_MAX_PARTITIONS, &count);
}

static uint32_t window_status(status_fn *fn, uint32_t n)
{
    uint32_t c0 = clock_now();
    repeat_status(fn, n);
    return clock_now() - c0;
}

/* One worker alone at its priority: sq_user_yield finds no other thread to
 * run, so it is a kernel call round trip without a switch. Two workers:
 * each yield switches to the other, 2 * ITERATIONS switches in all. Each
 * both privileged and as user threads. */
static void isolation_entry(void *arg)
{
    (void)arg;
    uint32_t threads = sq_thread_count() + iso_workers;
    static const char *const name[2][2] = {{"priv_call_no_switch", "user_call_no_switch"},
                                           {"priv_yield_switch", "user_yield_switch"}};
    for (uint32_t user = 0; user < 2u && !failed; user++) {
        uint32_t options = user != 0u ? SQ_THREAD_USER : 0u;
        uint32_t w = window_workers(&job_yield, options);
        uint32_t base = window_workers(&job_empty, options);
        report(name[iso_workers - 1u][user], threads, (int64_t)w - base,
               (int64_t)iso_workers * ITERATIONS);
    }
    if (iso_workers == 1u && !failed) {
        if (encode_view() != SQ_OK) {
            printf("FAIL encoding a worker's MPU view\n");
            failed = true;
        }
        uint32_t base = window_status(empty_status, ITERATIONS);
        uint32_t encode = window_status(encode_view, ITERATIONS);
        report("mpu_encode_view", threads, (int64_t)encode - base, ITERATIONS);
    }
    release_fillers();
}

int main(void)
{
#if defined(__ARM_ARCH_8M_MAIN__)
    printf("INFO core cortex-m33\n");
#elif defined(__ARM_ARCH_7EM__)
    printf("INFO core cortex-m4 or m7\n");
#else
    printf("INFO core cortex-m3\n");
#endif
    printf("INFO iterations %lu\n", (unsigned long)ITERATIONS);
    printf("INFO samples %lu\n", (unsigned long)SAMPLES);
    sq_status_t st = sq_shared_stream_attach(&stream, &domain_a, &domain_b);
    if (st != SQ_OK) {
        printf("FAIL stream attach: status %d\n", (int)st);
        failed = true;
    }
    printf("INFO user_domain_partitions %lu\n", (unsigned long)domain_a.count);
    /* Fewest threads, then a full table: idle + measuring + fillers. */
    for (uint32_t full = 0; full < 2u && !failed; full++) {
        run(uncontended_entry, PRIO_LOW, NULL, 0u, full ? FILLERS_MAX : 0u);
        if (failed) {
            break;
        }
        run(yield_a, PRIO_LOW, yield_b, PRIO_LOW, full ? FILLERS_MAX - 1u : 0u);
#if defined(__ARM_FP)
        run(fp_yield_a, PRIO_LOW, fp_yield_b, PRIO_LOW, full ? FILLERS_MAX - 1u : 0u);
#endif
        latency_reset();
        (void)sq_sem_init(&sem, 0u, 1u);
        run(taker_entry, PRIO_HIGH, giver_entry, PRIO_LOW, full ? FILLERS_MAX - 1u : 0u);
        run(submitter_entry, PRIO_LOW, NULL, 0u, full ? FILLERS_MAX - 1u : 0u);
        run(mq_getter_entry, PRIO_HIGH, mq_putter_entry, PRIO_LOW, full ? FILLERS_MAX - 1u : 0u);
        /* The supervisor and its workers. */
        for (iso_workers = 1u; iso_workers <= 2u && !failed; iso_workers++) {
            run(isolation_entry, PRIO_HIGH, NULL, 0u, full ? FILLERS_MAX - iso_workers : 0u);
        }
    }
    printf("%s\n", failed ? "FAIL kernel_bench" : "DONE kernel_bench");
    return failed ? 1 : 0;
}
