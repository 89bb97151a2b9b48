/*
 * FreeRTOS configuration of the peer benchmark (bench/peers/freertos_bench.c,
 * built by bench/peers/freertos.sh for the ARM_CM3 port on mps2-an385 and the
 * ARM_CM33_NTZ port on mps2-an505): a configuration like squall's kernel
 * bench, which has no time slicing, no heap, no asserts and no tracing.
 * BENCH_CPU_HZ (the board's core clock) comes from the build.
 */
#ifndef FREERTOS_CONFIG_H
#define FREERTOS_CONFIG_H

/* Scheduling: preemptive, a thread runs until it blocks or yields (no
 * round robin on the tick), the ready priority found with CLZ. */
#define configUSE_PREEMPTION 1
#define configUSE_TIME_SLICING 0
#define configUSE_PORT_OPTIMISED_TASK_SELECTION 1
#define configMAX_PRIORITIES 8
#define configIDLE_SHOULD_YIELD 1

/* The clock: SysTick on the core clock, 1 kHz tick (squall's default). */
#define configCPU_CLOCK_HZ BENCH_CPU_HZ
#define configTICK_RATE_HZ 1000
#define configTICK_TYPE_WIDTH_IN_BITS TICK_TYPE_WIDTH_32_BITS
#define configUSE_TICKLESS_IDLE 0

/* Memory: every object in caller memory, the idle task's too. */
#define configSUPPORT_STATIC_ALLOCATION 1
#define configSUPPORT_DYNAMIC_ALLOCATION 0
#define configKERNEL_PROVIDED_STATIC_MEMORY 1
#define configMINIMAL_STACK_SIZE 128
#define configMAX_TASK_NAME_LEN 8

/* Objects the benchmark uses. */
#define configUSE_MUTEXES 1
#define configUSE_COUNTING_SEMAPHORES 1
#define configUSE_TIMERS 0
/* V11.1.0's tasks.c sizes a timer task's stack for its provided static
 * memory even without timers (the linker drops it). */
#define configTIMER_TASK_STACK_DEPTH configMINIMAL_STACK_SIZE
#define configQUEUE_REGISTRY_SIZE 0
#define INCLUDE_vTaskDelete 1
#define INCLUDE_vTaskSuspend 1 /* portMAX_DELAY blocks without a timeout */

/* No hooks, checks, asserts or tracing. */
#define configUSE_IDLE_HOOK 0
#define configUSE_TICK_HOOK 0
#define configUSE_MALLOC_FAILED_HOOK 0
#define configCHECK_FOR_STACK_OVERFLOW 0
#define configUSE_TRACE_FACILITY 0
#define configGENERATE_RUN_TIME_STATS 0
#define configUSE_STATS_FORMATTING_FUNCTIONS 0
#define configCHECK_HANDLER_INSTALLATION 0

/* Interrupt priorities (8-bit values): the kernel's own at the lowest;
 * interrupts at 0x40 and below in urgency may call FromISR functions
 * (squall's port runs its kernel interrupts at 0x40 too). */
#define configKERNEL_INTERRUPT_PRIORITY 0xff
#define configMAX_SYSCALL_INTERRUPT_PRIORITY 0x40

/* ARMv8-M (ARM_CM33_NTZ): no FPU context (soft float, as squall's M33
 * build), no MPU, no TrustZone; the an505 boots and stays in Secure
 * state. */
#define configENABLE_FPU 0
#define configENABLE_MPU 0
#define configENABLE_TRUSTZONE 0
#define configRUN_FREERTOS_SECURE_ONLY 1
#define configENABLE_MVE 0

/* ARMv7-M (ARM_CM3): the port's handlers under the names of the vector
 * table (port/cortex-m/startup.c); the ARMv8-M port uses those names. */
#define vPortSVCHandler SVC_Handler
#define xPortPendSVHandler PendSV_Handler
#define xPortSysTickHandler SysTick_Handler

#endif
