/*
 * Between the Cortex-M port (port/cortex-m/port.c) and a board
 * (docs/PORTING.md): what the board's start-up code names in its vector
 * table and provides, and the core clock, which the board may set at run
 * time.
 */
#ifndef SQUALL_PORT_BOARD_H
#define SQUALL_PORT_BOARD_H

#include <stddef.h>
#include <stdint.h>
#include <squall/status.h>

/** External interrupt line the port pends for sq_port_soft_irq: a line no
 *  device drives. The vector table must name SquallSoft_IRQHandler at
 *  entry 16 + SQ_PORT_SOFT_IRQ, and the port and the vector table must be
 *  built with the same value (a compile definition on the library that its
 *  users inherit). Default 31, which has no device on QEMU's mps2-an385 and
 *  is a reserved internal line of the an505's IoT Kit; the netduinoplus2
 *  board (STM32F405) uses 79, the CRYP line of the STM32F415/417, which
 *  the F405 does not have. */
#ifndef SQ_PORT_SOFT_IRQ
#define SQ_PORT_SOFT_IRQ 31u
#endif

/* Handlers of the port, for the board's vector table: entries 3 (and 2,
 * and every unused line: the fault report names the exception), 4, 5, 6,
 * 11, 14, 15 and 16 + SQ_PORT_SOFT_IRQ. */
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SVC_Handler(void);
void PendSV_Handler(void);
void SysTick_Handler(void);
void SquallSoft_IRQHandler(void);

/** The board's loud stop, which must not return: a kernel bug, an
 *  unusable core or a fatal fault (the QEMU boards print
 *  "FAIL: <what> 0x<value>" and end the run with a failure). */
void sq_port_fatal(const char *what, uintptr_t value) __attribute__((noreturn));

/** The board's set-up, which port/cortex-m/startup.c calls after .data
 *  and .bss and before main: the clock (then sq_port_set_cpu_hz) and the
 *  console. startup.c's own does nothing (the MPS2 boards). */
void sq_board_init(void);

/** The board's console (semihosting on the MPS2 boards, USART1 on the
 *  netduinoplus2): the default fault report goes there. Called from fault
 *  handlers: no lock, no allocation, no kernel call. */
void sq_port_console(const char *text, size_t len);

/**
 * The clock SysTick counts (the core clock: the port selects SysTick's
 * processor clock source), in Hz. Until set, SQ_PORT_CPU_HZ (a compile
 * definition; 25 MHz by default). sq_kernel_run programs SysTick from
 * it when the kernel starts; a board sets it before that, once its clock
 * tree runs at the final rate, and again after any later change of the
 * core clock, which reprograms a running SysTick at once (the tick in
 * progress starts over).
 * SQ_ERR_RANGE if `hz` / SQ_CONFIG_TICK_HZ is not between 2 and 2^24 (the
 * 24-bit reload; with tickless idle, 34 and 2^23: a tick must hold the
 * restart margin twice and a period two ticks; with the application's
 * tick source, only below 1); then nothing changed.
 */
sq_status_t sq_port_set_cpu_hz(uint32_t hz);

/** The clock SysTick counts, in Hz (see sq_port_set_cpu_hz). */
uint32_t sq_port_cpu_hz(void);

/* ---- The tick source (docs/PORTING.md, "Tick source") ---------------- */

/** Values of SQ_PORT_TICK_SOURCE (CMake's SQUALL_PORT_TICK_SOURCE,
 *  `systick` or `app`): SysTick, the default, or a timer of the
 *  application's, which then drives the tick through the two functions
 *  below while the port leaves SysTick alone. */
#define SQ_PORT_TICK_SYSTICK 0
#define SQ_PORT_TICK_APP 1
#ifndef SQ_PORT_TICK_SOURCE
#define SQ_PORT_TICK_SOURCE SQ_PORT_TICK_SYSTICK
#endif

/** SQ_PORT_TICK_APP: the board's, called by sq_kernel_run as the kernel
 *  starts (interrupts masked): start a periodic interrupt at `tick_hz`
 *  (SQ_CONFIG_TICK_HZ) whose handler calls sq_port_tick_isr, at a
 *  priority in the kernel band (numerically at or above
 *  SQ_PORT_KERNEL_IRQ_PRIO). */
void sq_port_tick_source_start(uint32_t tick_hz);

/** SQ_PORT_TICK_APP: the board's, called as the kernel stops: stop that
 *  interrupt. A weak empty one in the port for a board whose timer may
 *  keep running (sq_port_tick_isr ignores it then). */
void sq_port_tick_source_stop(void);

/** SQ_PORT_TICK_APP: one tick, from the board's timer interrupt handler
 *  (what SysTick_Handler does with SysTick). */
void sq_port_tick_isr(void);

#endif /* SQUALL_PORT_BOARD_H */
