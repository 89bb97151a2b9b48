/*
 * The MPS2 boards' CMSDK timers, as QEMU models them (mps2-an385, an386,
 * an500; the an505's SSE-200 has the same timers at the same addresses):
 * for the target images that need a timer of their own (test_tickless's
 * reference clock, the application tick source of sq_app_tick.c). Both
 * timers and the dual timer count the clock SysTick counts.
 */
#ifndef SQ_CMSDK_H
#define SQ_CMSDK_H

#include <stdint.h>

/* The clock SysTick and the timers count (port/cortex-m/target.cmake). */
#if defined(__ARM_ARCH_8M_MAIN__)
#define CPU_HZ 20000000u
#define TIMER_IRQ 3u /* mps2-an505: the SSE-200's timer 0 */
#else
#define CPU_HZ 25000000u
#define TIMER_IRQ 8u /* mps2-an385, an386, an500: CMSDK timer 0 */
#endif
#define TIMER0 0x40000000u
#define TIMER1 0x40001000u
#define TIMER_CTRL(t) (*(volatile uint32_t *)((t) + 0x00u))
#define TIMER_VALUE(t) (*(volatile uint32_t *)((t) + 0x04u))
#define TIMER_RELOAD(t) (*(volatile uint32_t *)((t) + 0x08u))
#define TIMER_INTCLEAR(t) (*(volatile uint32_t *)((t) + 0x0cu))
#define TIMER_ENABLE 1u
#define TIMER_IRQ_ENABLE 8u
/* The dual timer's first counter: periodic, 32-bit, no interrupt. */
#define DUALTIMER 0x40002000u
#define DUALTIMER_LOAD (*(volatile uint32_t *)(DUALTIMER + 0x00u))
#define DUALTIMER_CONTROL (*(volatile uint32_t *)(DUALTIMER + 0x08u))
#define DUALTIMER_ON 0xc2u /* enable, periodic, 32-bit */

#define SCB_VTOR (*(volatile uint32_t *)0xe000ed08u)
#define NVIC_ISER0 (*(volatile uint32_t *)0xe000e100u)
#define NVIC_ICER0 (*(volatile uint32_t *)0xe000e180u)
#define NVIC_IPR(n) (*(volatile uint32_t *)(0xe000e400u + 4u * (n)))
#define SYST_CSR (*(volatile uint32_t *)0xe000e010u)

/* Point vector entry 16 + `irq` at `handler`: the table copied to RAM
 * (`table`, 16 + 32 words, aligned to 256 bytes) and VTOR moved there. */
static inline void sq_cmsdk_vector(uint32_t *table, uint32_t irq, void (*handler)(void))
{
    const volatile uint32_t *from = (const volatile uint32_t *)(uintptr_t)SCB_VTOR;
    if ((uintptr_t)from != (uintptr_t)table) {
        for (uint32_t i = 0u; i < 16u + 32u; i++) {
            table[i] = from[i];
        }
    }
    table[16u + irq] = (uint32_t)(uintptr_t)handler;
    SCB_VTOR = (uint32_t)(uintptr_t)table;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

/* Line `irq` at priority `prio` (8-bit view), enabled. */
static inline void sq_cmsdk_irq_enable(uint32_t irq, uint32_t prio)
{
    uint32_t shift = 8u * (irq % 4u);
    NVIC_IPR(irq / 4u) = (NVIC_IPR(irq / 4u) & ~(0xffu << shift)) | (prio << shift);
    NVIC_ISER0 = 1u << irq;
}

/* sq_app_tick.c, the application tick source on timer 0: the rate the
 * port asked for, and its interrupts. */
extern volatile uint32_t sq_app_tick_hz, sq_app_tick_irqs, sq_app_tick_starts;

#endif /* SQ_CMSDK_H */
