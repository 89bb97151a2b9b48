/*
 * squall port for Cortex-M: the interrupt lock, the context switch, the tick
 * and the software interrupt behind src/kernel/port.h.
 *
 * Cores: ARMv7-M (Cortex-M3/M4/M7; tested on the M3 of QEMU mps2-an385) and
 * ARMv8-M Mainline (Cortex-M33 in Secure state, soft float; tested on QEMU
 * mps2-an505). ARMv6-M and ARMv8-M Baseline (no BASEPRI, Thumb-1 only) take
 * the PRIMASK lock and a low-register PendSV instead. No FPU context is
 * saved: build with a soft-float ABI, or leave the FPU off.
 *
 * Interrupt priorities (the 8-bit register view; a lower number is more
 * urgent):
 *   0x00 .. SQ_PORT_KERNEL_IRQ_PRIO-1  never masked by the kernel lock, so
 *           their latency does not depend on the kernel; they must not call
 *           any squall function.
 *   SQ_PORT_KERNEL_IRQ_PRIO .. 0xfe    masked by the kernel lock; these may
 *           call the kernel. SysTick and the soft interrupt sit at the top
 *           of this band.
 *   0xff    PendSV, the context switch: below everything, so it runs only
 *           once every interrupt has returned (tail-chained, not nested).
 * The lock is BASEPRI = SQ_PORT_KERNEL_IRQ_PRIO. On ARMv6-M it is PRIMASK,
 * which masks every interrupt, so the first band is empty there.
 *
 * Stacks: threads run in Thread mode on PSP; interrupts and PendSV run on
 * MSP, a stack of their own in this file. sq_port_kernel_start moves the
 * calling code (main, which becomes the idle thread) from MSP onto PSP, in
 * place; sq_port_kernel_stop moves it back.
 *
 * A switched-out thread's stack, from t->context[0] upwards:
 *   r4 r5 r6 r7 r8 r9 r10 r11 EXC_RETURN    pushed by PendSV_Handler
 *   r0 r1 r2 r3 r12 lr pc xPSR              pushed by the exception entry
 * (struct port_frame). EXC_RETURN is kept per thread so that the exception
 * return always matches how the thread was entered (on the M33, Secure
 * state and its stack-frame bits).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/user.h>
#include "port.h"

/* ---- Configuration --------------------------------------------------- */

/** Kernel interrupt level (8-bit view). Interrupts with a numerically
 *  lower (more urgent) priority are never masked by the kernel and must
 *  not call it. Must be representable with the core's implemented priority
 *  bits (0x40 is, with 2 or more) and a plain number (used in asm text). */
#ifndef SQ_PORT_KERNEL_IRQ_PRIO
#define SQ_PORT_KERNEL_IRQ_PRIO 0x40
#endif

/** Core clock feeding SysTick: 25 MHz on QEMU's mps2-an385; the build
 *  sets 20 MHz for mps2-an505 (port/cortex-m/target.cmake). */
#ifndef SQ_PORT_CPU_HZ
#define SQ_PORT_CPU_HZ 25000000u
#endif

/** Stack for interrupt handlers and PendSV (MSP), in bytes. */
#ifndef SQ_PORT_ISR_STACK_SIZE
#define SQ_PORT_ISR_STACK_SIZE 2048u
#endif

/** External interrupt line used by sq_port_soft_irq. 31 has no device on
 *  QEMU's mps2-an385 and is a reserved internal line of the an505's IoT Kit;
 *  the vector table (startup.c) must name SquallSoft_IRQHandler at entry
 *  16 + SQ_PORT_SOFT_IRQ. */
#ifndef SQ_PORT_SOFT_IRQ
#define SQ_PORT_SOFT_IRQ 31u
#endif

#define SYSTICK_RELOAD (SQ_PORT_CPU_HZ / SQ_CONFIG_TICK_HZ - 1u)
_Static_assert(SYSTICK_RELOAD >= 1u && SYSTICK_RELOAD <= 0xffffffu,
               "SQ_PORT_CPU_HZ / SQ_CONFIG_TICK_HZ must fit the 24-bit SysTick");
_Static_assert(SQ_PORT_ISR_STACK_SIZE % 8u == 0u, "the MSP stack must keep 8-byte alignment");

#if defined(__ARM_ARCH_6M__) || defined(__ARM_ARCH_8M_BASE__)
#define PORT_THUMB1 1 /* no BASEPRI, no Thumb-2: PRIMASK lock, low-register PendSV */
#else
#define PORT_THUMB1 0
#endif

/* ---- System registers (ARMv7-M / ARMv8-M, System Control Space) ------- */

#define REG32(addr) (*(volatile uint32_t *)(addr))

#define SCB_ICSR REG32(0xe000ed04u)
#define ICSR_PENDSVSET (1u << 28)
#define ICSR_PENDSVCLR (1u << 27)
#define ICSR_PENDSTCLR (1u << 25)

/* System handler priorities 12-15: PendSV in bits 23:16, SysTick in 31:24.
 * Accessed as a word, which ARMv6-M requires. */
#define SCB_SHPR3 REG32(0xe000ed20u)

#define SYST_CSR REG32(0xe000e010u)
#define SYST_RVR REG32(0xe000e014u)
#define SYST_CVR REG32(0xe000e018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* the core clock, not the external reference */

/* NVIC, one bit (or, for the priorities, one byte) per external line. */
#define NVIC_ISER(n) REG32(0xe000e100u + 4u * (n))
#define NVIC_ISPR(n) REG32(0xe000e200u + 4u * (n))
#define NVIC_IPR(n) REG32(0xe000e400u + 4u * (n))

#define PRIO_PENDSV 0xffu

/* xPSR of a new thread: only the Thumb bit. */
#define XPSR_THUMB 0x01000000u
/* Return to Thread mode, PSP, no FP frame; on ARMv8-M also Secure state
 * and the default callee-register stacking. */
#define EXC_RETURN_THREAD_PSP 0xfffffffdu

/* GCC reads inline asm for Thumb-1 cores in the old divided syntax; the
 * asm below that also builds there is unified syntax (MOVS, ORRS, ...). */
#define ASM_UNIFIED ".syntax unified\n\t"

/* ---- Port state ------------------------------------------------------- */

/* The MSP stack, used by every interrupt once the kernel runs. */
static uint64_t port_isr_stack[SQ_PORT_ISR_STACK_SIZE / 8u];

/* What the next soft interrupt runs; written under the lock just before the
 * line is pended, read by its handler. */
static void (*port_soft_handler)(void *arg);
static void *port_soft_arg;

/** The saved context, lowest address first; see the top of this file. */
struct port_frame {
    uint32_t r4, r5, r6, r7, r8, r9, r10, r11;
    uint32_t exc_return;
    uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
};
_Static_assert(sizeof(struct port_frame) == 17u * 4u, "PendSV_Handler pushes exactly 9 words");

/* Handlers named by the vector table (startup.c), and the C half of PendSV. */
void PendSV_Handler(void);
void SysTick_Handler(void);
void SquallSoft_IRQHandler(void);
uintptr_t sq_port_switch_context(uintptr_t sp);

/* ---- Interrupt lock --------------------------------------------------- */

sq_irq_key_t sq_port_irq_lock(void)
{
    uint32_t key;
#if PORT_THUMB1
    __asm__ volatile("mrs %0, primask\n\t"
                     "cpsid i"
                     : "=r"(key)
                     :
                     : "memory");
#else
    /* BASEPRI_MAX only ever raises the mask, so a lock taken inside an
     * interrupt or inside another lock never lowers it. The ISB makes the
     * new mask apply to the very next instruction. */
    __asm__ volatile("mrs %0, basepri\n\t"
                     "msr basepri_max, %1\n\t"
                     "isb"
                     : "=&r"(key)
                     : "r"(SQ_PORT_KERNEL_IRQ_PRIO)
                     : "memory");
#endif
    return key;
}

void sq_port_irq_unlock(sq_irq_key_t key)
{
    /* When this restores 0 in Thread mode, a PendSV requested under the
     * lock is taken right here, after the ISB and before the return: that
     * is the "switch at the outermost unlock" of port.h. */
#if PORT_THUMB1
    __asm__ volatile("msr primask, %0\n\t"
                     "isb"
                     :
                     : "r"(key)
                     : "memory");
#else
    __asm__ volatile("msr basepri, %0\n\t"
                     "isb"
                     :
                     : "r"(key)
                     : "memory");
#endif
}

bool sq_port_in_isr(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    return ipsr != 0u;
}

/* ---- Context switch --------------------------------------------------- */

void sq_port_switch_request(void)
{
    /* The caller holds the lock, so PendSV stays pending until the
     * outermost unlock in Thread mode, or until the last interrupt
     * returns. */
    SCB_ICSR = ICSR_PENDSVSET;
    __asm__ volatile("dsb\n\t"
                     "isb" ::: "memory");
}

/* ARMv8-M Mainline: PSPLIM is the running thread's stack bottom, so an
 * overflow faults (UsageFault STKOF) instead of overwriting what lies
 * below. The idle thread (main's stack, bounds unknown) has no stack
 * recorded and gets limit 0, no check. */
static void port_set_stack_limit(const sq_thread_t *t)
{
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
    __asm__ volatile("msr psplim, %0" : : "r"((uintptr_t)t->stack) : "memory");
#else
    (void)t;
#endif
}

/*
 * The C half of PendSV: `sp` is the outgoing thread's stack pointer with
 * its whole context saved below it; returns the incoming thread's. Runs on
 * MSP in Handler mode. The lock keeps kernel interrupts out while the
 * scheduler chooses; PendSV itself only runs when the interrupted thread
 * had the lock released, so the key is 0 and every thread leaves and
 * resumes with the lock free.
 */
uintptr_t sq_port_switch_context(uintptr_t sp)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_sched_current()->context[0] = sp;
    sq_thread_t *next = sq_sched_switch();
    /* Set before PendSV_Handler loads the new PSP, which lies above it. */
    port_set_stack_limit(next);
    sq_port_irq_unlock(key);
    return next->context[0];
}

/*
 * PendSV, lowest priority: save r4-r11 and EXC_RETURN on the outgoing
 * thread's stack (the hardware saved the rest), let the kernel choose, and
 * restore the same from the incoming one. Naked: no compiler prologue may
 * touch r4-r11 or lr before they are saved.
 *
 * If the interrupted code ran on MSP (EXC_RETURN bit 2 clear) the kernel
 * is not running on this port (before sq_port_kernel_start or after
 * sq_port_kernel_stop), there is no thread to switch, and the request is
 * dropped.
 */
__attribute__((naked)) void PendSV_Handler(void)
{
#if PORT_THUMB1
    /* Only r0-r7 work with STM/LDM and most instructions here: move
     * r8-r11 and lr through r4-r7 (already saved by then). */
    __asm__ volatile(ASM_UNIFIED
                     "   mov   r0, lr                 \n"
                     "   movs  r1, #4                 \n"
                     "   tst   r0, r1                 \n"
                     "   beq   1f                     \n"
                     "   mrs   r0, psp                \n"
                     "   subs  r0, #36                \n"
                     "   stmia r0!, {r4-r7}           \n"
                     "   mov   r4, r8                 \n"
                     "   mov   r5, r9                 \n"
                     "   mov   r6, r10                \n"
                     "   mov   r7, r11                \n"
                     "   stmia r0!, {r4-r7}           \n"
                     "   mov   r1, lr                 \n"
                     "   str   r1, [r0]               \n"
                     "   subs  r0, #32                \n"
                     "   bl    sq_port_switch_context \n"
                     "   adds  r0, #16                \n"
                     "   ldmia r0!, {r4-r7}           \n"
                     "   mov   r8, r4                 \n"
                     "   mov   r9, r5                 \n"
                     "   mov   r10, r6                \n"
                     "   mov   r11, r7                \n"
                     "   ldr   r1, [r0]               \n"
                     "   mov   lr, r1                 \n"
                     "   adds  r0, #4                 \n"
                     "   msr   psp, r0                \n"
                     "   subs  r0, #36                \n"
                     "   ldmia r0!, {r4-r7}           \n"
                     "1: bx    lr                     \n");
#else
    __asm__ volatile("   tst   lr, #4                 \n"
                     "   beq   1f                     \n"
                     "   mrs   r0, psp                \n"
                     "   stmdb r0!, {r4-r11, lr}      \n"
                     "   bl    sq_port_switch_context \n"
                     "   ldmia r0!, {r4-r11, lr}      \n"
                     "   msr   psp, r0                \n"
                     "1: bx    lr                     \n");
#endif
}

void sq_port_thread_prepare(sq_thread_t *t)
{
    memset(t->stack, (int)SQ_PORT_STACK_FILL, t->stack_size);

    /* The exception return pops the hardware part, which must start on an
     * 8-byte boundary (xPSR bit 9 clear); the software part sits below. */
    uintptr_t top = ((uintptr_t)t->stack + t->stack_size) & ~(uintptr_t)7u;
    struct port_frame *f = (struct port_frame *)top - 1;
    memset(f, 0, sizeof *f);
    f->exc_return = EXC_RETURN_THREAD_PSP;
    /* The first "return" from PendSV lands in sq_thread_main(t), which
     * never returns; lr = 0 ends a debugger's backtrace there. The PC of an
     * exception frame carries no Thumb bit. */
    f->r0 = (uint32_t)(uintptr_t)t;
    f->pc = (uint32_t)(uintptr_t)sq_thread_main & ~1u;
    f->xpsr = XPSR_THUMB;
    t->context[0] = (uintptr_t)f;
}

/* ---- Kernel start and stop -------------------------------------------- */

void sq_port_kernel_start(sq_thread_t *idle)
{
    (void)sq_port_irq_lock();

    /* The caller stays on the stack it is on, which becomes PSP; MSP gets
     * the interrupt stack. MSP is set while still current, so that at
     * every instruction the running code and an interrupt taken there
     * agree on which stack is which. Called while already on PSP, this
     * only rewrites the same values. */
    uintptr_t isr_top = (uintptr_t)port_isr_stack + sizeof port_isr_stack;
    __asm__ volatile(ASM_UNIFIED
                     "mov   r0, sp       \n\t"
                     "msr   psp, r0      \n\t"
                     "msr   msp, %0      \n\t"
                     "mrs   r0, control  \n\t"
                     "movs  r1, #2       \n\t" /* SPSEL: Thread mode uses PSP */
                     "orrs  r0, r1       \n\t"
                     "msr   control, r0  \n\t"
                     "isb"
                     :
                     : "r"(isr_top)
                     : "r0", "r1", "cc", "memory");
    port_set_stack_limit(idle);

    uint32_t shpr3 = SCB_SHPR3 & 0x0000ffffu;
    SCB_SHPR3 = shpr3 | ((uint32_t)SQ_PORT_KERNEL_IRQ_PRIO << 24) | (PRIO_PENDSV << 16);

    uint32_t ipr_shift = 8u * (SQ_PORT_SOFT_IRQ % 4u);
    uint32_t ipr = NVIC_IPR(SQ_PORT_SOFT_IRQ / 4u) & ~(0xffu << ipr_shift);
    NVIC_IPR(SQ_PORT_SOFT_IRQ / 4u) = ipr | ((uint32_t)SQ_PORT_KERNEL_IRQ_PRIO << ipr_shift);
    NVIC_ISER(SQ_PORT_SOFT_IRQ / 32u) = 1u << (SQ_PORT_SOFT_IRQ % 32u);

    SYST_CSR = 0u;
    SYST_RVR = SYSTICK_RELOAD;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;

    sq_port_irq_unlock(0u);
}

void sq_port_kernel_stop(void)
{
    SYST_CSR = 0u;
    /* A tick or a switch requested just before must not arrive after. */
    SCB_ICSR = ICSR_PENDSTCLR | ICSR_PENDSVCLR;

    /* Back onto MSP, keeping the current stack: leave PSP first, so that
     * for an instant the code runs on the interrupt stack (empty in Thread
     * mode), then point MSP at where it was. Same reasoning as in the
     * start. */
    __asm__ volatile(ASM_UNIFIED
                     "mrs   r0, psp      \n\t"
                     "mrs   r1, control  \n\t"
                     "movs  r2, #2       \n\t"
                     "bics  r1, r2       \n\t"
                     "msr   control, r1  \n\t"
                     "isb                \n\t"
                     "msr   msp, r0"
                     :
                     :
                     : "r0", "r1", "r2", "cc", "memory");
}

void sq_port_idle(sq_irq_key_t key)
{
    /* WFI wakes for an interrupt masked by PRIMASK but not for one masked
     * by BASEPRI. So: PRIMASK on, lock off, WFI, PRIMASK off. An interrupt
     * that arrives before the WFI stays pending and the WFI falls through;
     * at the CPSIE every pending interrupt, and a PendSV it requested,
     * runs before this returns. On ARMv6-M the lock is PRIMASK already. */
#if PORT_THUMB1
    __asm__ volatile("dsb\n\t"
                     "wfi" ::: "memory");
    sq_port_irq_unlock(key);
#else
    __asm__ volatile("cpsid i" ::: "memory");
    sq_port_irq_unlock(key);
    __asm__ volatile("dsb\n\t"
                     "wfi\n\t"
                     "cpsie i\n\t"
                     "isb" ::: "memory");
#endif
}

/* ---- Tick and soft interrupt ------------------------------------------ */

void SysTick_Handler(void)
{
    sq_kernel_tick(1u);
}

void sq_port_soft_irq(void (*handler)(void *arg), void *arg)
{
    /* Under the lock, so that no other thread's soft interrupt can slip in
     * between setting the handler and pending the line. The caller is a
     * thread with the lock free, so the unlock lets the line (at kernel
     * level) in at once: the handler, and any switch it asks for, have run
     * before this returns. */
    sq_irq_key_t key = sq_port_irq_lock();
    port_soft_handler = handler;
    port_soft_arg = arg;
    NVIC_ISPR(SQ_PORT_SOFT_IRQ / 32u) = 1u << (SQ_PORT_SOFT_IRQ % 32u);
    __asm__ volatile("dsb" ::: "memory");
    sq_port_irq_unlock(key);
}

void SquallSoft_IRQHandler(void)
{
    port_soft_handler(port_soft_arg);
}

/* Replaced by the MPU driver. */
void sq_port_mpu_update(void)
{
}

/* privileged-only until the supervisor-call gate lands */
sq_status_t sq_port_syscall(uint32_t nr, uint32_t a0, uint32_t a1) { return sq_syscall(nr, a0, a1); }
