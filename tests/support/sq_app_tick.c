/*
 * A board's application tick source (SQUALL_PORT_TICK_SOURCE=app,
 * docs/PORTING.md) on the MPS2 boards: CMSDK timer 0, periodic at the
 * rate the port asks for, its interrupt in the kernel band calling
 * sq_port_tick_isr. Linked into the images built with that tick source.
 */
#include <squall/port_board.h>

#include "sq_cmsdk.h"

volatile uint32_t sq_app_tick_hz, sq_app_tick_irqs, sq_app_tick_starts;

/* The vector table in RAM, with the timer's handler. */
static uint32_t vectors[16u + 32u] __attribute__((aligned(256)));

static void timer0_handler(void)
{
    TIMER_INTCLEAR(TIMER0) = 1u;
    sq_app_tick_irqs++;
    sq_port_tick_isr();
}

void sq_port_tick_source_start(uint32_t tick_hz)
{
    sq_app_tick_hz = tick_hz;
    sq_app_tick_starts++;
    TIMER_CTRL(TIMER0) = 0u;
    TIMER_INTCLEAR(TIMER0) = 1u;
    sq_cmsdk_vector(vectors, TIMER_IRQ, timer0_handler);
    /* The top of the kernel band (0x40), where SysTick would sit. */
    sq_cmsdk_irq_enable(TIMER_IRQ, 0x40u);
    TIMER_RELOAD(TIMER0) = CPU_HZ / tick_hz - 1u;
    TIMER_VALUE(TIMER0) = CPU_HZ / tick_hz - 1u;
    TIMER_CTRL(TIMER0) = TIMER_ENABLE | TIMER_IRQ_ENABLE;
}

void sq_port_tick_source_stop(void)
{
    TIMER_CTRL(TIMER0) = 0u;
    NVIC_ICER0 = 1u << TIMER_IRQ;
}
