/*
 * FreeRTOS-Kernel's counterpart of squall's kernel benchmark image
 * (bench/kernel_bench.c), built by bench/peers/freertos.sh and run the same
 * way: under `qemu-system-arm -icount shift=0,sleep=off` on mps2-an385
 * (ARM_CM3 port) and mps2-an505 (ARM_CM33_NTZ port), with the method of
 * bench/icount_bench.h (SysTick as an instruction clock, calibrated; each
 * operation through a pointer, minus the same loop calling an empty
 * function; latencies dithered against their baseline). It prints the
 * same BENCH lines, under the names of squall's rows where the operation is
 * the same.
 *
 * FreeRTOS cannot start its scheduler twice on Cortex-M, so one controller
 * task at the top priority runs every measurement: it creates the
 * measuring tasks (and, for the full runs, fillers blocked on a semaphore
 * of their own, up to 16 tasks in all), waits on `done` until the
 * measuring task that reports gives it, and deletes them all. "threads" in
 * a BENCH line is uxTaskGetNumberOfTasks(): the idle task and the
 * controller are counted.
 *
 * Every operation is a function of one pointer (op_fn), so one loop serves
 * them all; FreeRTOS's macros (xSemaphoreGive, taskYIELD, ...) are called
 * from such a function as an application would call them, so their
 * argument set-up is counted.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "FreeRTOS.h"
#include "queue.h"
#include "semphr.h"
#include "task.h"
#include <squall/port_board.h> /* the vector table's names and its soft line */

#define BENCH_TICK_T TickType_t
#define BENCH_TICKS() xTaskGetTickCount()
#include "../icount_bench.h"

#define TASKS_FULL 16u /* squall's SQ_CONFIG_MAX_THREADS in its bench */
#define TASKS_KERNEL 2u /* idle and the controller */
#define FILLERS_MAX (TASKS_FULL - TASKS_KERNEL - 1u)

#define STACK_WORDS 1024u /* printf runs on it */
#define FILLER_STACK_WORDS 128u

#define PRIO_CONTROL 6u
#define PRIO_FILLER 5u
#define PRIO_HIGH 3u
#define PRIO_LOW 2u

#define NOIPA __attribute__((noipa))

#define NVIC_ISER(n) (*(volatile uint32_t *)(0xe000e100u + 4u * (n)))
#define NVIC_ISPR(n) (*(volatile uint32_t *)(0xe000e200u + 4u * (n)))
#define NVIC_IPR_BYTE(line) (*(volatile uint8_t *)(0xe000e400u + (line)))

static StaticTask_t control_tcb, tcb_a, tcb_b, filler_tcb[FILLERS_MAX];
static StackType_t control_stack[STACK_WORDS], stack_a[STACK_WORDS], stack_b[STACK_WORDS];
static StackType_t filler_stack[FILLERS_MAX][FILLER_STACK_WORDS];
static TaskHandle_t task_a, task_b, filler[FILLERS_MAX];

static StaticSemaphore_t done_buf, fill_buf, sem_buf, mutex_buf;
static SemaphoreHandle_t done, fill_sem, sem, mutex;

/* A queue of 4-byte messages, long enough to hold a whole window's sends. */
static StaticQueue_t queue_buf;
static uint8_t queue_storage[ITERATIONS * sizeof(uint32_t)];
static QueueHandle_t queue;

/* ---- Operations and their empty twin -------------------------------------- */

typedef void op_fn(void *arg);

NOIPA static void op_empty(void *arg)
{
    (void)arg;
}

NOIPA static void op_yield(void *arg)
{
    (void)arg;
    taskYIELD();
}

NOIPA static void op_give(void *arg)
{
    (void)xSemaphoreGive((SemaphoreHandle_t)arg);
}

NOIPA static void op_take(void *arg)
{
    (void)xSemaphoreTake((SemaphoreHandle_t)arg, 0u);
}

NOIPA static void op_take_forever(void *arg)
{
    (void)xSemaphoreTake((SemaphoreHandle_t)arg, portMAX_DELAY);
}

NOIPA static void op_mutex_pair(void *arg)
{
    (void)xSemaphoreTake((SemaphoreHandle_t)arg, 0u);
    (void)xSemaphoreGive((SemaphoreHandle_t)arg);
}

NOIPA static void op_send(void *arg)
{
    uint32_t message = 0x5a5a5a5au;
    (void)xQueueSend((QueueHandle_t)arg, &message, 0u);
}

NOIPA static void op_receive(void *arg)
{
    uint32_t message;
    (void)xQueueReceive((QueueHandle_t)arg, &message, 0u);
}

/* The soft interrupt: an external line no device drives (the one squall's
 * port uses), pended by a task; its handler calls irq_handler(irq_arg).
 * The ISB has it taken, and any switch it asks for made, before the
 * pending function returns. */
static void (*volatile irq_handler)(void *arg);
static void *volatile irq_arg;

void SquallSoft_IRQHandler(void)
{
    irq_handler(irq_arg);
}

static void soft_irq(void (*handler)(void *arg), void *arg)
{
    irq_handler = handler;
    irq_arg = arg;
    NVIC_ISPR(SQ_PORT_SOFT_IRQ / 32u) = 1u << (SQ_PORT_SOFT_IRQ % 32u);
    __asm__ volatile("dsb\n\t"
                     "isb" ::: "memory");
}

static void give_from_isr(void *arg)
{
    BaseType_t woken = pdFALSE;
    (void)xSemaphoreGiveFromISR((SemaphoreHandle_t)arg, &woken);
    portYIELD_FROM_ISR(woken);
}

NOIPA static void op_irq_give(void *arg)
{
    soft_irq(give_from_isr, arg);
}

NOIPA static void op_irq_empty(void *arg)
{
    soft_irq(op_empty, arg);
}

NOIPA static void repeat(op_fn *op, void *arg, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        op(arg);
    }
}

/* SysTick counts over n operations. */
static uint32_t window(op_fn *op, void *arg, uint32_t n)
{
    uint32_t c0 = clock_now();
    repeat(op, arg, n);
    return clock_now() - c0;
}

/* `op`, each of which runs one iteration of another task's loop like the
 * caller's (a switch there and back): after a warm-up, ITERATIONS of them
 * minus two empty loops, reported as `ops` operations. */
static void report_two_loops(const char *name, uint32_t threads, op_fn *op, void *arg,
                             uint32_t ops)
{
    repeat(op, arg, WARMUP);
    uint32_t w = window(op, arg, ITERATIONS);
    uint32_t base = window(op_empty, arg, ITERATIONS);
    report(name, threads, (int64_t)w - 2 * (int64_t)base, ops);
}

/* ---- Runs ------------------------------------------------------------------- */

/* The measuring task that reports hands back to the controller, which
 * deletes it and the others at once. */
__attribute__((noreturn)) static void finish(void)
{
    (void)xSemaphoreGive(done);
    for (;;) {
        vTaskSuspend(NULL);
    }
}

/* Blocks for good (nobody gives fill_sem); a task must not return. */
static void filler_entry(void *arg)
{
    (void)arg;
    (void)xSemaphoreTake(fill_sem, portMAX_DELAY);
    vTaskSuspend(NULL);
}

/* From the controller: the measuring tasks a (first to run: higher
 * priority, or the same and created first) and b, and `n_fillers`
 * fillers, which run before both and block at once; back when the task
 * that reports has called finish(). */
static void run(TaskFunction_t entry_a, UBaseType_t prio_a, TaskFunction_t entry_b,
                UBaseType_t prio_b, uint32_t n_fillers)
{
    fill_sem = xSemaphoreCreateBinaryStatic(&fill_buf);
    for (uint32_t i = 0; i < n_fillers; i++) {
        filler[i] = xTaskCreateStatic(filler_entry, "fill", FILLER_STACK_WORDS, NULL, PRIO_FILLER,
                                      filler_stack[i], &filler_tcb[i]);
    }
    task_a = xTaskCreateStatic(entry_a, "a", STACK_WORDS, NULL, prio_a, stack_a, &tcb_a);
    task_b = entry_b == NULL ? NULL
                             : xTaskCreateStatic(entry_b, "b", STACK_WORDS, NULL, prio_b, stack_b,
                                                 &tcb_b);
    (void)xSemaphoreTake(done, portMAX_DELAY);
    vTaskDelete(task_a);
    if (task_b != NULL) {
        vTaskDelete(task_b);
    }
    for (uint32_t i = 0; i < n_fillers; i++) {
        vTaskDelete(filler[i]);
    }
}

/* Give and take with nobody waiting, a mutex taken and given back, a
 * queue's send and receive with nobody waiting, and a soft interrupt
 * whose handler does nothing; one measuring task. */
static void uncontended_entry(void *arg)
{
    (void)arg;
    if (ipc == 0u && !calibrate()) {
        failed = true;
        finish();
    }
    uint32_t threads = (uint32_t)uxTaskGetNumberOfTasks();
    sem = xSemaphoreCreateCountingStatic(ITERATIONS, 0u, &sem_buf);
    mutex = xSemaphoreCreateMutexStatic(&mutex_buf);
    queue = xQueueCreateStatic(ITERATIONS, sizeof(uint32_t), queue_storage, &queue_buf);
    uint32_t base = window(op_empty, sem, ITERATIONS);
    uint32_t give = window(op_give, sem, ITERATIONS);
    uint32_t take = window(op_take, sem, ITERATIONS);
    uint32_t pair = window(op_mutex_pair, mutex, ITERATIONS);
    uint32_t send = window(op_send, queue, ITERATIONS);
    uint32_t receive = window(op_receive, queue, ITERATIONS);
    uint32_t irq = window(op_irq_empty, NULL, ITERATIONS);
    if (uxSemaphoreGetCount(sem) != 0u || uxQueueMessagesWaiting(queue) != 0u ||
        uxSemaphoreGetCount(mutex) != 1u) {
        printf("FAIL uncontended: units or messages left, or the mutex held\n");
        failed = true;
    }
    report("sem_give_no_waiter", threads, (int64_t)give - base, ITERATIONS);
    report("sem_take_available", threads, (int64_t)take - base, ITERATIONS);
    report("soft_irq_empty", threads, (int64_t)irq - base, ITERATIONS);
    report("mutex_take_give", threads, (int64_t)pair - base, ITERATIONS);
    report("queue_send", threads, (int64_t)send - base, ITERATIONS);
    report("queue_receive", threads, (int64_t)receive - base, ITERATIONS);
    finish();
}

/* Context switch: a and b, of one priority, yield to each other; each of
 * a's yields in the window runs one iteration of b's loop. */
static void yield_a(void *arg)
{
    (void)arg;
    report_two_loops("yield_switch", (uint32_t)uxTaskGetNumberOfTasks(), op_yield, NULL,
                     2u * ITERATIONS);
    finish();
}

static void yield_b(void *arg)
{
    (void)arg;
    repeat(op_yield, NULL, WARMUP + ITERATIONS);
    vTaskSuspend(NULL);
}

/* Give -> take: the taker (a, higher priority) serves the round trips,
 * then records latencies until told to stop. */
static void taker_entry(void *arg)
{
    (void)arg;
    /* The giver's two warm-ups and windows, and its first latency give. */
    repeat(op_take_forever, sem, 2u * (WARMUP + ITERATIONS) + 1u);
    do {
        (void)xSemaphoreTake(sem, portMAX_DELAY);
    } while (latency_taken(SYST_CVR));
    vTaskSuspend(NULL);
}

/* One latency sample's start, and the baseline's two readings around an
 * empty operation (the end shaped like the taker's: after a return). */
NOIPA static void stamp_op(op_fn *op, void *arg)
{
    stamp = SYST_CVR;
    op(arg);
}

/* Both phases' operations are calls of one pointer: one baseline shape. */
NOIPA static uint32_t latency_base_sample(enum phase p)
{
    (void)p;
    stamp_op(op_empty, sem);
    return SYST_CVR;
}

static void giver_entry(void *arg)
{
    (void)arg;
    uint32_t threads = (uint32_t)uxTaskGetNumberOfTasks();
    /* Round trips: the give wakes the taker, whose next take blocks and
     * switches back. */
    report_two_loops("sem_round_trip", threads, op_give, sem, ITERATIONS);
    report_two_loops("irq_round_trip", threads, op_irq_give, sem, ITERATIONS);

    static op_fn *const latency_op[PHASES] = {op_give, op_irq_give};
    for (enum phase p = PHASE_GIVE; p < PHASES; p++) {
        for (uint32_t i = 0; i < WARMUP + SAMPLES; i++) {
            latency_sample_start(p, i, WARMUP);
            stamp_op(latency_op[p], sem);
        }
    }
    struct samples base = latency_base(PHASE_GIVE);
    latency_report("sem_give_to_take", threads, PHASE_GIVE, base);
    latency_report("irq_give_to_take", threads, PHASE_IRQ, base);
    stop = true;
    (void)xSemaphoreGive(sem);
    finish();
}

static void control_entry(void *arg)
{
    (void)arg;
    for (uint32_t full = 0; full < 2u && !failed; full++) {
        run(uncontended_entry, PRIO_LOW, NULL, 0u, full ? FILLERS_MAX : 0u);
        if (failed) {
            break;
        }
        run(yield_a, PRIO_LOW, yield_b, PRIO_LOW, full ? FILLERS_MAX - 1u : 0u);
        latency_reset();
        sem = xSemaphoreCreateCountingStatic(1u, 0u, &sem_buf);
        run(taker_entry, PRIO_HIGH, giver_entry, PRIO_LOW, full ? FILLERS_MAX - 1u : 0u);
    }
    printf("%s\n", failed ? "FAIL freertos_bench" : "DONE freertos_bench");
    exit(failed ? 1 : 0);
}

/* Faults end the run (port/cortex-m/startup.c's vector table names these). */
void HardFault_Handler(void)
{
    sq_port_fatal("fault", 0u);
}

void MemManage_Handler(void) __attribute__((alias("HardFault_Handler")));
void BusFault_Handler(void) __attribute__((alias("HardFault_Handler")));
void UsageFault_Handler(void) __attribute__((alias("HardFault_Handler")));

int main(void)
{
#if defined(__ARM_ARCH_8M_MAIN__)
    printf("INFO core cortex-m33\n");
#else
    printf("INFO core cortex-m3\n");
#endif
    printf("INFO kernel FreeRTOS %s\n", tskKERNEL_VERSION_NUMBER);
    printf("INFO iterations %lu\n", (unsigned long)ITERATIONS);
    printf("INFO samples %lu\n", (unsigned long)SAMPLES);
    NVIC_IPR_BYTE(SQ_PORT_SOFT_IRQ) = configMAX_SYSCALL_INTERRUPT_PRIORITY;
    NVIC_ISER(SQ_PORT_SOFT_IRQ / 32u) = 1u << (SQ_PORT_SOFT_IRQ % 32u);
    done = xSemaphoreCreateBinaryStatic(&done_buf);
    (void)xTaskCreateStatic(control_entry, "control", STACK_WORDS, NULL, PRIO_CONTROL,
                            control_stack, &control_tcb);
    vTaskStartScheduler();
    printf("FAIL the scheduler returned\n");
    return 1;
}
