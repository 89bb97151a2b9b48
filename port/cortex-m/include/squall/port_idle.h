/*
 * Idle and tick of the Cortex-M port (port/cortex-m; docs/PORTING.md).
 *
 * When no thread is ready the kernel's idle thread calls the port, which
 * sleeps until an interrupt. Built with SQ_PORT_TICKLESS=1 (CMake:
 * -DSQUALL_PORT_TICKLESS=ON) the port first reprograms SysTick to wrap at
 * the next deadline the kernel knows (at most 2^24 SysTick counts ahead:
 * 671 ticks at 25 MHz and 1 kHz, after which it sleeps again), so a board
 * whose threads all wait takes one timer interrupt per deadline instead
 * of one per tick. Whatever wakes it, the ticks that passed are announced
 * before that interrupt's handler runs, and SysTick is back on the tick
 * grid (the partial tick kept). Without the option SysTick interrupts
 * every tick.
 */
#ifndef SQUALL_PORT_IDLE_H
#define SQUALL_PORT_IDLE_H

#include <stdint.h>

/**
 * The application's low-power mode. The port calls it from the idle
 * thread, every time nothing is ready, with every interrupt masked by
 * PRIMASK (the kernel's lock released): it must return once an interrupt
 * is pending, which runs right after. `ticks` is how many ticks SysTick
 * will let pass before it wakes the core (more than 1 only in a tickless
 * build; 1 means the next tick). The default (a weak symbol: define your
 * own to replace it) is DSB then WFI. A hook may set SCB.SLEEPDEEP or
 * gate clocks for a long sleep, as long as SysTick keeps counting on the
 * core clock and the wake-up interrupts stay enabled, and must undo it
 * before returning; WFI wakes for a pending interrupt even under PRIMASK.
 * It must not call the kernel.
 */
void sq_port_idle_hook(uint32_t ticks);

/**
 * SysTick expiries since boot (mod 2^32): every tick without tickless
 * idle; with it, one per tick while a thread runs and one per long sleep
 * (or per 2^24 counts of it) while the board idles. With the application's
 * tick source (SQ_PORT_TICK_APP), its sq_port_tick_isr calls while the
 * kernel runs. An idle-current proxy for tests and statistics.
 */
uint32_t sq_port_tick_interrupts(void);

#endif /* SQUALL_PORT_IDLE_H */
