/*
 * squall port for Cortex-M: the interrupt lock, the context switch, the tick
 * and the software interrupt behind src/kernel/port.h.
 *
 * Cores: ARMv7-M (Cortex-M3/M4/M7; tested on QEMU's mps2-an385 M3,
 * mps2-an386 M4F and mps2-an500 M7) and ARMv8-M Mainline (Cortex-M33 in
 * Secure state, with or without its FPU; tested on QEMU mps2-an505).
 * ARMv6-M and ARMv8-M Baseline (no BASEPRI, Thumb-1 only) take the PRIMASK
 * lock and a low-register PendSV instead.
 *
 * FPU (a build whose ABI uses it: -mfloat-abi=hard or softfp): lazy
 * stacking (FPCCR.ASPEN and LSPEN). A thread's first FP instruction sets
 * CONTROL.FPCA; from then on each exception entry reserves room for
 * s0-s15 and FPSCR in its frame (written only if the handler itself uses
 * the FPU) and EXC_RETURN bit 4 is clear, and PendSV saves s16-s31 for it
 * (below). A privileged thread that never touches the FPU keeps the
 * 8-word frame and the switch saves nothing more for it. A user thread
 * starts with an FP context of zeros instead (sq_port_thread_prepare), so
 * that it never sees FP registers another thread left.
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
 *   s16 .. s31                              PendSV_Handler, only when
 *                                           EXC_RETURN bit 4 is clear
 *   r0 r1 r2 r3 r12 lr pc xPSR              pushed by the exception entry
 *   s0 .. s15 FPSCR, a reserved word        the same, when bit 4 is clear
 * (struct port_frame, then the FP words). EXC_RETURN is kept per thread so
 * that the exception return always matches how the thread was entered (on
 * the M33, Secure state and its stack-frame bits; everywhere, whether it
 * has an FP context). Bit 0 of t->context[1] is the thread's
 * CONTROL.nPRIV: 1 while a user thread runs its own code, 0 otherwise;
 * bit 1 (PORT_CTX_USER) marks a user thread, so that one word of each
 * thread tells a switch whether isolation has anything to do.
 *
 * Isolation (ARMv7-M PMSAv7, ARMv8-M Mainline PMSAv8; docs/ISOLATION.md):
 * the MPU runs with PRIVDEFENA, so privileged code keeps the default map.
 * Region 0 is the code image (read and execute for everyone); while a
 * SQ_THREAD_USER thread runs, region 1 is its stack and regions 2.. the
 * partitions of its memory domain; other threads run with region 1 as
 * their stack guard (ARMv7-M) and regions 2.. off. A user thread reaches the kernel only through the supervisor call
 * gate (sq_port_syscall); a MemManage, BusFault or UsageFault of its own
 * code, or a supervisor call from anywhere else, ends it
 * (sq_kernel_user_fault).
 *
 * Any other fault (a HardFault, an NMI or an unexpected interrupt, a
 * MemManage, BusFault or UsageFault in privileged code) stops the board
 * after a report through sq_fault_hook (squall/port_fault.h): the
 * thread, the stacked PC, LR and xPSR, the fault status decoded, and
 * "stack overflow" when that is what it was.
 *
 * Stack overflow: PSPLIM on ARMv8-M Mainline; on ARMv7-M an MPU guard
 * (SQ_PORT_STACK_GUARD) in region 1 at the bottom of the running
 * privileged thread's stack; on every core, the switch checks that the
 * registers it saves lie above the outgoing thread's floor (and, without
 * a guard or a limit, that its bottom word still holds the fill pattern).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/mpu.h>
#include <squall/port_board.h>
#include <squall/port_fault.h>
#include <squall/port_idle.h>
#include <squall/user.h>
#include "kernel/port.h"
#include "kernel/sched.h"

/* ---- Configuration --------------------------------------------------- */

/** Kernel interrupt level (8-bit view). Interrupts with a numerically
 *  lower (more urgent) priority are never masked by the kernel and must
 *  not call it. Must be representable with the core's implemented priority
 *  bits (0x40 is, with 2 or more) and a plain number (used in asm text). */
#ifndef SQ_PORT_KERNEL_IRQ_PRIO
#define SQ_PORT_KERNEL_IRQ_PRIO 0x40
#endif

/** Core clock feeding SysTick until the board sets its own at run time
 *  (sq_port_set_cpu_hz, squall/port_board.h): 25 MHz on QEMU's
 *  mps2-an385; the build sets 20 MHz for mps2-an505
 *  (port/cortex-m/target.cmake). */
#ifndef SQ_PORT_CPU_HZ
#define SQ_PORT_CPU_HZ 25000000u
#endif

/** Stack for interrupt handlers and PendSV (MSP), in bytes. */
#ifndef SQ_PORT_ISR_STACK_SIZE
#define SQ_PORT_ISR_STACK_SIZE 2048u
#endif

/** Stack a kernel call needs below the supervisor call's frame, in bytes:
 *  the gate runs sq_syscall privileged on the caller's own stack, from the
 *  frame down, and an interrupt frame plus the switch's saved registers
 *  may land below that. A call whose frame lies lower is refused
 *  (SQ_FAULT_SYSCALL), so privileged code never runs past the bottom of a
 *  user stack into whatever lies below it. Measured need on the QEMU
 *  images: see docs/ISOLATION.md. */
#ifndef SQ_PORT_SYSCALL_STACK
#define SQ_PORT_SYSCALL_STACK 384u
#endif

/** Encoded MPU views the port keeps (one per user thread, the oldest
 *  replaced first): a switch to a user thread whose view is kept and unchanged
 *  costs a comparison instead of an encoding (about 1500 instructions on
 *  the M3, 300 on the M33: docs/PERFORMANCE.md). Each view is about 160
 *  bytes of RAM; at least 1. */
#ifndef SQ_PORT_MPU_VIEWS
#define SQ_PORT_MPU_VIEWS 4u
#endif

/* SQ_PORT_SOFT_IRQ, the soft interrupt's line: squall/port_board.h. */

/** Tickless idle (docs/PORTING.md): 1 lets the idle thread stop the tick
 *  while every thread waits, programming SysTick for the next deadline
 *  and accounting the ticks that passed when anything wakes it. Off by
 *  default: SysTick then interrupts every tick, as the benchmarks and any
 *  code reading SysTick's current value as a fine clock expect. */
#ifndef SQ_PORT_TICKLESS
#define SQ_PORT_TICKLESS 0
#endif

/** Tickless idle: SysTick counts lost while the port stops the counter to
 *  put it back on the tick grid (from the stop in port_systick_stop to the
 *  enable in port_systick_restart, some 75 instructions), added back at
 *  each restart. 0 by default: about 2 counts on the QEMU boards (40
 *  instructions per count), on the order of 100 on a real core at the
 *  core clock; docs/PORTING.md says how to measure it. */
#ifndef SQ_PORT_TICKLESS_STOPPED
#define SQ_PORT_TICKLESS_STOPPED 0u
#endif

/** Stack guard (ARMv7-M; docs/PORTING.md, "Stack overflow"): its size in
 *  bytes, 0 (none) or a power of two from 32. An MPU region that size
 *  covers the lowest size-aligned block of that size in the running
 *  privileged thread's stack, read-only for privileged code, so that the
 *  write that overflows the stack faults (MemManage) before anything below
 *  the stack is written. Costs MPU region 1 while a privileged thread runs
 *  (free then), up to twice the size of each stack, and a few
 *  instructions per switch. */
#ifndef SQ_PORT_STACK_GUARD
#define SQ_PORT_STACK_GUARD 32u
#endif
_Static_assert(SQ_PORT_STACK_GUARD == 0u ||
                   (SQ_PORT_STACK_GUARD >= 32u && SQ_PORT_STACK_GUARD <= SQ_PORT_STACK_MIN / 4u &&
                    (SQ_PORT_STACK_GUARD & (SQ_PORT_STACK_GUARD - 1u)) == 0u),
               "SQ_PORT_STACK_GUARD: 0, or a power of two from 32 to a quarter of SQ_PORT_STACK_MIN");

/* SQ_PORT_TICK_SOURCE (SysTick, or the application's timer through
 * sq_port_tick_source_start and sq_port_tick_isr): squall/port_board.h. */
#define PORT_SYSTICK (SQ_PORT_TICK_SOURCE == SQ_PORT_TICK_SYSTICK)
#if SQ_PORT_TICK_SOURCE != SQ_PORT_TICK_SYSTICK && SQ_PORT_TICK_SOURCE != SQ_PORT_TICK_APP
#error "SQ_PORT_TICK_SOURCE: SQ_PORT_TICK_SYSTICK or SQ_PORT_TICK_APP"
#endif
#if SQ_PORT_TICKLESS && !PORT_SYSTICK
#error "tickless idle (SQ_PORT_TICKLESS) needs SysTick as the tick source (SQ_PORT_TICK_SOURCE)"
#endif

/* Core clock cycles per tick: SysTick's reload value plus one, 24 bits. */
#if SQ_PORT_TICKLESS
/* Tickless idle: a restart leaves at least this many counts to the next
 * tick boundary (the reload value stays at least 1), by waiting out a
 * closer boundary; it must be small beside a tick, and two ticks must fit
 * one SysTick period. */
#define PORT_RESTART_MARGIN (SQ_PORT_TICKLESS_STOPPED + 16u)
#define SYSTICK_PERIOD_MIN (2u * PORT_RESTART_MARGIN + 2u)
#define SYSTICK_PERIOD_MAX 0x800000u
#elif PORT_SYSTICK
#define SYSTICK_PERIOD_MIN 2u
#define SYSTICK_PERIOD_MAX 0x1000000u
#else
/* The application's timer: the core clock only scales the run-time clock. */
#define SYSTICK_PERIOD_MIN 1u
#define SYSTICK_PERIOD_MAX UINT32_MAX
#endif
_Static_assert(SQ_PORT_CPU_HZ / SQ_CONFIG_TICK_HZ >= SYSTICK_PERIOD_MIN &&
                   SQ_PORT_CPU_HZ / SQ_CONFIG_TICK_HZ <= SYSTICK_PERIOD_MAX,
               "SQ_PORT_CPU_HZ / SQ_CONFIG_TICK_HZ must fit SysTick (tickless: two ticks, and a tick of 2 margins)");
_Static_assert(SQ_PORT_ISR_STACK_SIZE % 8u == 0u, "the MSP stack must keep 8-byte alignment");

#if defined(__ARM_ARCH_6M__) || defined(__ARM_ARCH_8M_BASE__)
#define PORT_THUMB1 1 /* no BASEPRI, no Thumb-2: PRIMASK lock, low-register PendSV */
#else
#define PORT_THUMB1 0
#endif

/* User threads and the MPU driver need MemManage and a PMSAv7 or PMSAv8
 * MPU: ARMv7-M and ARMv8-M Mainline. On the Thumb-1 cores, starting a
 * SQ_THREAD_USER thread is a fatal port error. */
#define PORT_ISOLATION (!PORT_THUMB1)
/* The same test as SQ_MEM_RULE_DEFAULT (mem_domain.h). */
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
#define PORT_PMSAV8 0
#else
#define PORT_PMSAV8 1
#endif
/* The MPU stack guard: PMSAv7 cores (ARMv8-M Mainline has PSPLIM). */
#define PORT_GUARD (SQ_PORT_STACK_GUARD != 0u && PORT_ISOLATION && !PORT_PMSAV8)
/* ARMv8-M Mainline: PSPLIM stops a thread's stack at its bottom. */
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
#define PORT_PSPLIM 1
#else
#define PORT_PSPLIM 0
#endif
/* The build's code uses FP registers, so their context is switched. */
#if defined(__ARM_FP)
#define PORT_FPU 1
#else
#define PORT_FPU 0
#endif

/* ---- System registers (ARMv7-M / ARMv8-M, System Control Space) ------- */

#define REG32(addr) (*(volatile uint32_t *)(addr))

#define SCB_ICSR REG32(0xe000ed04u)
#define ICSR_PENDSVSET (1u << 28)
#define ICSR_PENDSVCLR (1u << 27)
#define ICSR_PENDSTSET (1u << 26)
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
#define SYST_CSR_COUNTFLAG (1u << 16) /* reached 0 since the last read; cleared by a CVR write */

/* NVIC, one bit (or, for the priorities, one byte) per external line. */
#define NVIC_ISER(n) REG32(0xe000e100u + 4u * (n))
#define NVIC_ISPR(n) REG32(0xe000e200u + 4u * (n))
#define NVIC_IPR(n) REG32(0xe000e400u + 4u * (n))

/* System handler priorities 4-7 (MemManage, BusFault, UsageFault in bytes
 * 0-2) and 8-11 (SVCall in bits 31:24); word access, as for SHPR3. */
#define SCB_SHPR1 REG32(0xe000ed18u)
#define SCB_SHPR2 REG32(0xe000ed1cu)
#define SCB_SHCSR REG32(0xe000ed24u)
#define SHCSR_MEMFAULTENA (1u << 16)
/* MemManage status: the low byte of CFSR (write 1 to clear), and the
 * faulting data address. */
#define SCB_CFSR REG32(0xe000ed28u)
#define MMFSR_IACCVIOL (1u << 0)
#define MMFSR_DACCVIOL (1u << 1)
#define MMFSR_MUNSTKERR (1u << 3)
#define MMFSR_MSTKERR (1u << 4)
#define MMFSR_MLSPERR (1u << 5)
#define MMFSR_MMARVALID (1u << 7)
#define MMFSR_ALL 0xffu
#define SCB_MMFAR REG32(0xe000ed34u)
#define SHCSR_BUSFAULTENA (1u << 17)
#define SHCSR_USGFAULTENA (1u << 18)
/* BusFault status: bits 15:8 of CFSR, and the faulting data address. An
 * instruction fetch (IBUSERR), a precise data access (PRECISERR, address
 * in BFAR when BFARVALID), an imprecise one (IMPRECISERR: a buffered
 * store, reported after later instructions ran), or the exception entry
 * or return on the thread's stack (STKERR, UNSTKERR, LSPERR). */
#define BFSR_IBUSERR (1u << 8)
#define BFSR_PRECISERR (1u << 9)
#define BFSR_IMPRECISERR (1u << 10)
#define BFSR_STKERR (1u << 12)
#define BFSR_BFARVALID (1u << 15)
#define BFSR_ALL 0xff00u
#define SCB_BFAR REG32(0xe000ed38u)
/* UsageFault status: the high half of CFSR. STKOF (ARMv8-M) is a stack
 * pointer moved below PSPLIM; the other bits are instructions the core
 * refused (undefined, bad state, bad EXC_RETURN, no coprocessor,
 * unaligned, divide by zero). */
#define UFSR_ALL 0xffff0000u
#define UFSR_STKOF (1u << 20)
/* HardFault status: a fault escalated (FORCED), a vector table read
 * failed (VECTTBL), a debug event. */
#define SCB_HFSR REG32(0xe000ed2cu)

/* The MPU: PMSAv7 and PMSAv8 share these addresses; on v8 the register at
 * 0xeda0 is RLAR instead of RASR, and MAIR0 exists. Bit 0 of RASR and of
 * RLAR is the region's enable, so writing 0 there turns a region off. */
#define MPU_TYPE REG32(0xe000ed90u)
#define MPU_CTRL REG32(0xe000ed94u)
#define MPU_RNR REG32(0xe000ed98u)
#define MPU_RBAR REG32(0xe000ed9cu)
#define MPU_RASR_RLAR REG32(0xe000eda0u)
#define MPU_MAIR0 REG32(0xe000edc0u)
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2)
#define MPU_TYPE_DREGION(type) (((type) >> 8) & 0xffu)
/* PMSAv7 RBAR: VALID makes the write select region REGION (bits 3:0), so
 * that one store replaces the RNR write. */
#define MPU_RBAR_VALID (1u << 4)
/* The guard region: SQ_PORT_STACK_GUARD bytes (SIZE is log2 - 1),
 * read-only for privileged code and no access unprivileged (AP 101), never
 * executed, normal write-back memory like the default map's SRAM (C, B).
 * Read-only, not no access: a thread may measure its own stack
 * (sq_thread_stack_used reads the fill pattern from the bottom up), and
 * the fault report reads the bottom word; a stack grows by writes, which
 * it stops. */
#define PORT_GUARD_RASR                                                                  \
    ((1u << 28) | (5u << 24) | (1u << 17) | (1u << 16) |                                 \
     ((uint32_t)(__builtin_ctz(SQ_PORT_STACK_GUARD | 32u) - 1) << 1) | 1u)
#define PORT_GUARD_REGION 1u

#define CONTROL_NPRIV 1u
/* t->context[1]: CONTROL_NPRIV as saved, and this for a user thread. */
#define PORT_CTX_USER 2u

/* FPU lazy stacking controls. (The start-up code gives coprocessors 10
 * and 11, the FPU, full access in CPACR before any FP instruction.) */
#define FPU_FPCCR REG32(0xe000ef34u)
#define FPCCR_ASPEN (1u << 31) /* the first FP instruction sets CONTROL.FPCA */
#define FPCCR_LSPEN (1u << 30) /* an entry reserves s0-s15 and writes them only if needed */
#define FPU_FPDSCR REG32(0xe000ef3cu) /* the FPSCR a new FP context starts with */

/* EXC_RETURN bit 3: the exception interrupted Thread mode; bit 2: it
 * stacked on PSP. */
#define EXC_RETURN_THREAD (1u << 3)
#define EXC_RETURN_PSP (1u << 2)
/* EXC_RETURN bit 4 (FType): set for the 8-word frame; clear when the
 * interrupted code had an FP context (CONTROL.FPCA), whose frame then
 * holds s0-s15, FPSCR and a reserved word more, and whose s16-s31 PendSV
 * saves. */
#define EXC_RETURN_STD_FRAME (1u << 4)
#define PORT_FP_FRAME_BYTES (18u * 4u)
#define PORT_FP_FPSCR_WORD 16u /* in the FP part of the frame, after s0-s15 */
#define PORT_FP_SAVED_BYTES (16u * 4u)
/* xPSR bit 9 in a stacked frame: the entry added a word to align it. */
#define XPSR_FRAME_PADDED (1u << 9)

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

/* Tick interrupts since boot (sq_port_tick_interrupts). */
static uint32_t port_tick_irqs;
#if SQ_PORT_TICKLESS
/* Ticks the running SysTick period spans: 1, more while idle sleeps. */
static uint32_t port_period = 1u;
/* Ticks that passed before a cut, for the pended SysTick handler. */
static uint32_t port_owed;
#endif

/* What the next soft interrupt runs; written under the lock just before the
 * line is pended, read by its handler. */
static void (*port_soft_handler)(void *arg);
static void *port_soft_arg;

/** What an exception entry pushes, lowest address first. */
struct port_hw_frame {
    uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
};

/** The saved context, lowest address first; see the top of this file. */
struct port_frame {
    uint32_t r4, r5, r6, r7, r8, r9, r10, r11;
    uint32_t exc_return;
    struct port_hw_frame hw;
};
_Static_assert(sizeof(struct port_hw_frame) == 8u * 4u, "the hardware frame is 8 words");
_Static_assert(sizeof(struct port_frame) == 17u * 4u, "PendSV_Handler pushes exactly 9 words");

/* Bytes PendSV_Handler saves below the hardware frame. */
#define PORT_SAVED_BYTES (sizeof(struct port_frame) - sizeof(struct port_hw_frame))

/* Bytes PendSV_Handler saves for a thread interrupted with `exc_return`
 * (without an FPU bit 4 is always set: a constant there). */
static size_t port_saved_bytes(uint32_t exc_return)
{
    bool fp = PORT_FPU && (exc_return & EXC_RETURN_STD_FRAME) == 0u;
    return PORT_SAVED_BYTES + (fp ? PORT_FP_SAVED_BYTES : 0u);
}

/* Where the switch puts the registers of a thread that has ended: they
 * are never restored, and its stack pointer may point anywhere. */
static uint32_t port_discard[(PORT_SAVED_BYTES + (PORT_FPU ? PORT_FP_SAVED_BYTES : 0u)) / 4u];

#if PORT_ISOLATION
/* The code image (port/cortex-m/sections.ld). */
extern const char __code_start[], __code_size[];

/* Regions the MPU has (MPU_TYPE.DREGION) once the kernel started, 0 while
 * the MPU is off; and how many of regions 1.. hold the running thread's
 * stack and partitions (the ones the next load turns off). */
static uint32_t port_mpu_regions;
static uint32_t port_mpu_loaded;
#endif

/* The C halves of PendSV, SVCall and the faults (the handlers the vector
 * table names: squall/port_board.h). */
uint64_t sq_port_switch_context(uintptr_t psp, uint32_t exc_return);
void sq_port_svc(uint32_t exc_return, const struct port_hw_frame *frame);
void sq_port_memmanage(uint32_t exc_return, uintptr_t psp, uintptr_t msp);
void sq_port_busfault(uint32_t exc_return, uintptr_t psp, uintptr_t msp);
void sq_port_usagefault(uint32_t exc_return, uintptr_t psp, uintptr_t msp);
void sq_port_fault(uint32_t exc_return, uintptr_t psp, uintptr_t msp);

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
#if PORT_PSPLIM
    __asm__ volatile("msr psplim, %0" : : "r"((uintptr_t)t->stack) : "memory");
#else
    (void)t;
#endif
}

/* The lowest address `t` may write in its stack: above its guard if it
 * has one (a privileged thread's; a user thread is confined to its stack
 * by region 1), else its bottom; 0 for the idle thread (main's stack,
 * bounds unknown). */
__attribute__((always_inline)) static inline uintptr_t port_stack_floor(const sq_thread_t *t)
{
#if PORT_GUARD
    const uintptr_t mask = SQ_PORT_STACK_GUARD - 1u;
    if (t->stack != NULL && (t->options & SQ_THREAD_USER) == 0u) {
        return (((uintptr_t)t->stack + mask) & ~mask) + SQ_PORT_STACK_GUARD;
    }
#endif
    return (uintptr_t)t->stack;
}

/* Whether the bottom word of `t`'s stack (not NULL) lost the fill pattern
 * sq_port_thread_prepare painted: the stack reached it, at least. */
static bool port_bottom_worn(const sq_thread_t *t)
{
    uint32_t bottom;
    memcpy(&bottom, t->stack, sizeof bottom);
    return bottom != SQ_PORT_STACK_FILL * 0x01010101u;
}

/* The running thread's floor, set as it is switched in: the switch checks
 * the outgoing thread's saved registers against it, and the guard sits
 * right below it. */
static uintptr_t port_floor;

#if PORT_GUARD
/* Region 1 while a privileged thread runs: its guard below port_floor, or
 * off for the idle thread (floor 0). One store selects the region and sets
 * the base (RBAR.VALID); the DSB completes the writes before the exception
 * return. */
__attribute__((always_inline)) static inline void port_guard_load(void)
{
    MPU_RBAR = (uint32_t)(port_floor - SQ_PORT_STACK_GUARD) | MPU_RBAR_VALID | PORT_GUARD_REGION;
    MPU_RASR_RLAR = port_floor != 0u ? PORT_GUARD_RASR : 0u;
    __asm__ volatile("dsb" ::: "memory");
}
#endif

#if PORT_ISOLATION

/* Whether [addr, addr + len) lies inside t's stack (no wrap-around). */
static bool port_in_stack(const sq_thread_t *t, uintptr_t addr, size_t len)
{
    uintptr_t lo = (uintptr_t)t->stack;
    return addr >= lo && len <= t->stack_size && addr - lo <= t->stack_size - len;
}

static uint32_t port_control(void)
{
    uint32_t control;
    __asm__ volatile("mrs %0, control" : "=r"(control));
    return control;
}

/* In Thread mode the ISB makes the new privilege apply to the next
 * instruction; in Handler mode it applies from the exception return. */
static void port_set_control(uint32_t control)
{
    __asm__ volatile("msr control, %0\n\t"
                     "isb"
                     :
                     : "r"(control)
                     : "memory");
}

/* A user thread running its own code: Thread mode with CONTROL.nPRIV set.
 * In Handler mode CONTROL.nPRIV still tells the privilege of the Thread
 * mode code that was interrupted. */
static bool port_user_code_interrupted(uint32_t exc_return)
{
    return (exc_return & (EXC_RETURN_THREAD | EXC_RETURN_PSP)) ==
               (EXC_RETURN_THREAD | EXC_RETURN_PSP) &&
           (port_control() & CONTROL_NPRIV) != 0u;
}

/* ---- MPU driver ---- */

#if PORT_PMSAV8
typedef sq_mpu_v8_region_t port_region_t;
#define PORT_REGION_ATTR(r) ((r).rlar)
#define port_region_encode sq_mpu_v8_region
#define port_domain_encode sq_mpu_v8_encode
#else
typedef sq_mpu_v7_region_t port_region_t;
#define PORT_REGION_ATTR(r) ((r).rasr)
#define port_region_encode sq_mpu_v7_region
#define port_domain_encode sq_mpu_v7_encode
#endif

/* Write one region (attr 0: off). RBAR comes from the encoders with its
 * region field clear, so RNR selects the region on both MPUs. */
static void port_mpu_write(uint32_t region, uint32_t rbar, uint32_t attr)
{
    MPU_RNR = region;
    MPU_RBAR = rbar;
    MPU_RASR_RLAR = attr;
}

/* The MPU off while regions change: on PMSAv8 an access that two enabled
 * regions match faults even when privileged, and while the regions are
 * rewritten one by one an old partition and a new stack may overlap. */
static void port_mpu_off(void)
{
    MPU_CTRL = 0u;
    __asm__ volatile("dsb\n\t"
                     "isb" ::: "memory");
}

static void port_mpu_on(void)
{
    MPU_CTRL = MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA;
    __asm__ volatile("dsb\n\t"
                     "isb" ::: "memory");
}

/*
 * Region 0, the code image, for everyone: once per kernel start. A core
 * whose MPU cannot hold code, a stack and a full domain is refused: user
 * threads there would silently get less isolation than mem_domain.h
 * promises.
 */
static void port_mpu_start(void)
{
    uint32_t regions = MPU_TYPE_DREGION(MPU_TYPE);
    if (regions < 2u + SQ_CONFIG_MAX_PARTITIONS) {
        sq_port_fatal("MPU regions below 2 + SQ_CONFIG_MAX_PARTITIONS:", regions);
    }
    port_region_t code;
    if (port_region_encode((uintptr_t)__code_start, (uint32_t)(uintptr_t)__code_size,
                           SQ_MEM_RX, &code) != SQ_OK) {
        sq_port_fatal("code image breaks the MPU rule at", (uintptr_t)__code_start);
    }
    port_mpu_off();
#if PORT_PMSAV8
    MPU_MAIR0 = SQ_MPU_V8_MAIR0;
#endif
    port_mpu_write(0u, code.rbar, PORT_REGION_ATTR(code));
    for (uint32_t i = 1u; i < regions; i++) {
        port_mpu_write(i, 0u, 0u);
    }
    port_mpu_regions = regions;
    port_mpu_loaded = 0u;
    SCB_SHCSR |= SHCSR_MEMFAULTENA | SHCSR_BUSFAULTENA | SHCSR_USGFAULTENA;
    port_mpu_on();
}

/*
 * The encoded views of the last SQ_PORT_MPU_VIEWS user threads. Encoding a
 * view costs ~1500 instructions on the M3 (PMSAv7's size-exponent
 * searches), comparing a cached view's inputs a few dozen: a switch
 * encodes again only when the thread, its stack or its domain's
 * partitions differ from those the view was made of. A domain changed
 * while its thread was switched out is noticed here, by that comparison.
 */
_Static_assert(SQ_PORT_MPU_VIEWS >= 1u, "SQ_PORT_MPU_VIEWS: at least one view");
typedef struct port_view {
    const sq_thread_t *thread;
    uint8_t *stack;
    size_t stack_size;
    const sq_mem_domain_t *domain;
    sq_mem_domain_t made_of;  /* magic, rule, count and partitions encoded */
    port_region_t region[1u + SQ_CONFIG_MAX_PARTITIONS];
    uint32_t used;            /* regions in `region` */
} port_view_t;
static port_view_t port_views[SQ_PORT_MPU_VIEWS];
static uint32_t port_view_victim;

static bool port_view_fresh(const port_view_t *v, const sq_thread_t *t)
{
    const sq_mem_domain_t *d = t->domain;
    if (v->thread != t || v->stack != t->stack || v->stack_size != t->stack_size ||
        v->domain != d) {
        return false;
    }
    if (d == NULL) {
        return true;
    }
    if (d->magic != v->made_of.magic || d->rule != v->made_of.rule ||
        d->count != v->made_of.count) {
        return false;
    }
    for (uint32_t i = 0u; i < d->count && i < SQ_CONFIG_MAX_PARTITIONS; i++) {
        if (d->part[i].base != v->made_of.part[i].base ||
            d->part[i].size != v->made_of.part[i].size ||
            d->part[i].access != v->made_of.part[i].access) {
            return false;
        }
    }
    return true;
}

/*
 * Encode user thread `t`'s view into `v`: its stack (read and write, never
 * execute) and its domain's partitions. A stack that breaks the MPU rule
 * gets no region at all, so the thread faults at its first push instead
 * of reaching more than its stack.
 */
static void port_view_make(port_view_t *v, const sq_thread_t *t)
{
    v->thread = t;
    v->stack = t->stack;
    v->stack_size = t->stack_size;
    v->domain = t->domain;
    v->used = 0u;
    if (t->domain != NULL) {
        v->made_of = *t->domain;
    }
    if (port_region_encode((uintptr_t)t->stack, (uint32_t)t->stack_size, SQ_MEM_RW,
                           &v->region[0]) == SQ_OK) {
        uint32_t parts = 0u;
        if (t->domain != NULL &&
            port_domain_encode(t->domain, &v->region[1], SQ_CONFIG_MAX_PARTITIONS, &parts) !=
                SQ_OK) {
            parts = 0u;
        }
        v->used = 1u + parts;
    }
}

/* `t`'s view: a fresh cached one, or a new one in place of the oldest. */
static const port_view_t *port_view_of(const sq_thread_t *t)
{
    for (uint32_t i = 0u; i < SQ_PORT_MPU_VIEWS; i++) {
        if (port_view_fresh(&port_views[i], t)) {
            return &port_views[i];
        }
    }
    port_view_t *v = &port_views[port_view_victim];
    port_view_victim = (port_view_victim + 1u) % SQ_PORT_MPU_VIEWS;
    port_view_make(v, t);
    return v;
}

/*
 * Regions 1.. for `t`: its view if it is a user thread; for a privileged
 * one nothing (the default map serves it) but its stack guard in region 1.
 */
static void port_mpu_load(const sq_thread_t *t)
{
    if (port_mpu_regions == 0u) {
        return;
    }
    const port_view_t *v = NULL;
    uint32_t used = 0u;
    if ((t->options & SQ_THREAD_USER) != 0u) {
        v = port_view_of(t);
        used = v->used;
    }
    /* Regions in use: the last user view's; region 1 may hold a guard. */
    uint32_t stale = port_mpu_loaded > PORT_GUARD ? port_mpu_loaded : PORT_GUARD;
    if (used == 0u && stale == 0u) {
        return; /* between privileged threads: regions 1.. are off already */
    }
    port_mpu_off();
    for (uint32_t i = 0u; i < used; i++) {
        port_mpu_write(1u + i, v->region[i].rbar, PORT_REGION_ATTR(v->region[i]));
    }
    for (uint32_t i = used; i < stale; i++) {
        port_mpu_write(1u + i, 0u, 0u);
    }
    port_mpu_loaded = used;
#if PORT_GUARD
    if (v == NULL) {
        port_guard_load();
    }
#endif
    port_mpu_on();
}

#endif /* PORT_ISOLATION */

__attribute__((noreturn)) static void port_fault_stop(uint32_t exc_return, uintptr_t psp,
                                                      uintptr_t msp, uint32_t cleared,
                                                      bool overflow);

/*
 * Where PendSV saves the outgoing thread `t`'s r4-r11 and EXC_RETURN (and
 * s16-s31 after them when `exc_return` says it has an FP context): just
 * below the hardware frame at `psp`. A user thread chooses its own stack
 * pointer; when it was interrupted in its own code, the words are stored
 * there only if they lie in its own stack, since the store is
 * privileged and would otherwise write wherever the thread pointed (kernel
 * data included). Such a thread is ended instead (SQ_FAULT_STACK). A
 * thread that has ended is never resumed: its registers are discarded.
 */
static uintptr_t port_save_area(sq_thread_t *t, uintptr_t psp, uint32_t exc_return,
                                uint32_t npriv)
{
    size_t bytes = port_saved_bytes(exc_return);
    uintptr_t save = psp - bytes;
    if (t->state == SQ_THREAD_DEAD) {
        return (uintptr_t)port_discard;
    }
#if PORT_ISOLATION
    if (npriv != 0u && !port_in_stack(t, save, bytes)) {
        if (!sq_kernel_user_fault(SQ_FAULT_STACK, psp)) {
            sq_port_fatal("unprivileged kernel thread at", psp);
        }
        return (uintptr_t)port_discard;
    }
#else
    (void)npriv;
#endif
    /* Below its floor (its guard, a stack limit's bottom), the save would
     * write where the thread itself could not: its stack overflowed, and
     * the registers would land in the guard or below the stack. */
    bool overflow = save < port_floor;
#if !PORT_GUARD && !PORT_PSPLIM
    /* Without a guard or a limit, a privileged thread whose stack's bottom
     * word lost the fill pattern has reached it, at least. */
    if (t->stack != NULL && (t->options & SQ_THREAD_USER) == 0u) {
        overflow = overflow || port_bottom_worn(t);
    }
#endif
    if (overflow) {
        port_fault_stop(exc_return, psp, 0u, 0u, true);
    }
    return save;
}

/*
 * The C half of PendSV, on MSP in Handler mode, called before anything of
 * the outgoing thread is saved (r4-r11 survive the call, by the AAPCS):
 * `psp` is its stack pointer, its hardware frame just above, `exc_return`
 * how it was interrupted. Returns where PendSV stores its r4-r11,
 * EXC_RETURN and s16-s31 if any (low word) and the incoming
 * thread's saved context (high word); they are the same when the switch
 * keeps the current thread. The incoming thread's privilege and MPU view
 * are set here and apply from the exception return. The lock keeps kernel
 * interrupts out while the scheduler chooses; PendSV itself only runs when
 * the interrupted thread had the lock released, so the key is 0 and every
 * thread leaves and resumes with the lock free.
 *
 * Isolation costs a switch between two privileged threads one test: when
 * neither is a user thread, CONTROL is privileged and the incoming thread
 * was saved privileged, the outgoing thread had no view (regions 1.. are
 * off: port_mpu_loaded is 0 whenever the current thread is privileged),
 * the incoming one needs none, CONTROL stays as it is, and the outgoing
 * thread's saved nPRIV is already 0 (it runs privileged, and Thread mode
 * cannot regain privilege it gave up: a saved 1 would mean CONTROL.nPRIV
 * is 1 now); so nothing is loaded or written.
 */
uint64_t sq_port_switch_context(uintptr_t psp, uint32_t exc_return)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_thread_t *prev = sq_sched_current();
#if PORT_ISOLATION
    uint32_t npriv = port_control() & CONTROL_NPRIV;
#else
    uint32_t npriv = 0u;
#endif
    uintptr_t save = port_save_area(prev, psp, exc_return, npriv);
    prev->context[0] = save;
    sq_thread_t *next = sq_sched_switch();
    /* Set before PendSV_Handler loads the new PSP, which lies above it. */
    port_set_stack_limit(next);
    port_floor = port_stack_floor(next);
#if PORT_ISOLATION
    if ((npriv | prev->context[1] | next->context[1]) != 0u) {
        prev->context[1] = (prev->context[1] & PORT_CTX_USER) | npriv;
        port_mpu_load(next);
        port_set_control((port_control() & ~CONTROL_NPRIV) |
                         ((uint32_t)next->context[1] & CONTROL_NPRIV));
    }
#if PORT_GUARD
    else {
        port_guard_load();
    }
#endif
#endif
    sq_port_irq_unlock(key);
    return (uint64_t)next->context[0] << 32 | save;
}

/*
 * PendSV, lowest priority: let the kernel choose, save r4-r11 and
 * EXC_RETURN where it says (the hardware saved the rest), and restore the
 * same from the incoming thread; with an FPU, s16-s31 too for a thread
 * whose EXC_RETURN has bit 4 clear. Naked: no compiler prologue may touch
 * r4-r11 or lr before they are saved; lr (EXC_RETURN) crosses the call on
 * MSP.
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
                     "   mov   r1, lr                 \n"
                     "   push  {r2, lr}               \n"
                     "   bl    sq_port_switch_context \n"
                     "   pop   {r2, r3}               \n"
                     "   mov   lr, r3                 \n"
                     "   stmia r0!, {r4-r7}           \n"
                     "   mov   r4, r8                 \n"
                     "   mov   r5, r9                 \n"
                     "   mov   r6, r10                \n"
                     "   mov   r7, r11                \n"
                     "   stmia r0!, {r4-r7}           \n"
                     "   str   r3, [r0]               \n"
                     "   adds  r1, #16                \n"
                     "   ldmia r1!, {r4-r7}           \n"
                     "   mov   r8, r4                 \n"
                     "   mov   r9, r5                 \n"
                     "   mov   r10, r6                \n"
                     "   mov   r11, r7                \n"
                     "   ldr   r2, [r1]               \n"
                     "   mov   lr, r2                 \n"
                     "   adds  r1, #4                 \n"
                     "   msr   psp, r1                \n"
                     "   subs  r1, #36                \n"
                     "   ldmia r1!, {r4-r7}           \n"
                     "1: bx    lr                     \n");
#elif PORT_FPU
    /* The FP lines, marked FP: a lazily stacked frame of the outgoing
     * thread is written (the first FP instruction here does it) before
     * the switch loads the incoming thread's MPU view, under which the
     * outgoing user thread's stack may no longer be writable; then
     * s16-s31 after EXC_RETURN, for FP threads only. */
    __asm__ volatile("   tst   lr, #4                 \n"
                     "   beq   1f                     \n"
                     "   mrs   r0, psp                \n"
                     "   mov   r1, lr                 \n"
                     "   tst   lr, #16                \n" /* FP */
                     "   it    eq                     \n" /* FP */
                     "   vmoveq.f32 s0, s0            \n" /* FP */
                     "   push  {r3, lr}               \n"
                     "   bl    sq_port_switch_context \n"
                     "   pop   {r3, lr}               \n"
                     "   stmia r0!, {r4-r11, lr}      \n"
                     "   tst   lr, #16                \n" /* FP */
                     "   it    eq                     \n" /* FP */
                     "   vstmiaeq r0, {s16-s31}       \n" /* FP */
                     "   ldmia r1!, {r4-r11, lr}      \n"
                     "   tst   lr, #16                \n" /* FP */
                     "   it    eq                     \n" /* FP */
                     "   vldmiaeq r1!, {s16-s31}      \n" /* FP */
                     "   msr   psp, r1                \n"
                     "1: bx    lr                     \n");
#else
    __asm__ volatile("   tst   lr, #4                 \n"
                     "   beq   1f                     \n"
                     "   mrs   r0, psp                \n"
                     "   mov   r1, lr                 \n"
                     "   push  {r3, lr}               \n"
                     "   bl    sq_port_switch_context \n"
                     "   pop   {r3, lr}               \n"
                     "   stmia r0, {r4-r11, lr}       \n"
                     "   ldmia r1!, {r4-r11, lr}      \n"
                     "   msr   psp, r1                \n"
                     "1: bx    lr                     \n");
#endif
}

/*
 * Where a user thread starts, privileged: it reads its entry from the
 * control block (kernel memory it cannot read once unprivileged), drops
 * privilege for good, runs the entry and leaves through the gate.
 * (sq_thread_main would read the control block again after the entry.)
 */
__attribute__((noreturn)) static void port_user_start(sq_thread_t *t)
{
#if PORT_ISOLATION
    void (*entry)(void *arg) = t->entry;
    void *arg = t->arg;
    port_set_control(port_control() | CONTROL_NPRIV);
    entry(arg);
    sq_user_exit();
#else
    sq_port_fatal("user threads need ARMv7-M or ARMv8-M Mainline; thread", (uintptr_t)t);
#endif
}

void sq_port_thread_prepare(sq_thread_t *t)
{
    memset(t->stack, (int)SQ_PORT_STACK_FILL, t->stack_size);

    /* With an FPU a user thread starts with an FP context of zeros (and
     * the default FPSCR): a thread switched in without one finds the FP
     * registers as the last FP thread left them, which an unprivileged
     * thread must not read. Privileged threads start without one. */
    bool user = (t->options & SQ_THREAD_USER) != 0u;
    bool fp = PORT_FPU && user;
    size_t fp_bytes = fp ? PORT_FP_SAVED_BYTES + PORT_FP_FRAME_BYTES : 0u;

    /* The exception return pops the hardware part, which must start on an
     * 8-byte boundary (xPSR bit 9 clear; the FP part keeps it, 72 bytes);
     * s16-s31 if any, then the software part, sit below. */
    uintptr_t top = ((uintptr_t)t->stack + t->stack_size) & ~(uintptr_t)7u;
    struct port_frame *f = (struct port_frame *)(top - sizeof(struct port_frame) - fp_bytes);
    memset(f, 0, sizeof *f + fp_bytes);
    f->exc_return = fp ? EXC_RETURN_THREAD_PSP & ~EXC_RETURN_STD_FRAME : EXC_RETURN_THREAD_PSP;
    struct port_hw_frame *hw =
        (struct port_hw_frame *)((uintptr_t)&f->hw + (fp ? PORT_FP_SAVED_BYTES : 0u));
    if (fp) {
        ((uint32_t *)(hw + 1))[PORT_FP_FPSCR_WORD] = FPU_FPDSCR;
    }
    /* The first "return" from PendSV lands in sq_thread_main(t), or the
     * user start, which never return; lr = 0 ends a debugger's backtrace
     * there. The PC of an exception frame carries no Thumb bit. */
    void (*start)(sq_thread_t *t) = user ? port_user_start : sq_thread_main;
    hw->r0 = (uint32_t)(uintptr_t)t;
    hw->pc = (uint32_t)(uintptr_t)start & ~1u;
    hw->xpsr = XPSR_THUMB;
    t->context[0] = (uintptr_t)f;
    /* Privileged: a user thread drops privilege in port_user_start. */
    t->context[1] = user ? PORT_CTX_USER : 0u;
}

/* ---- Core clock ------------------------------------------------------ */

/* The clock SysTick counts (sq_port_set_cpu_hz). */
static uint32_t port_cpu_hz = SQ_PORT_CPU_HZ;

/* Counts per tick (SysTick's reload value plus one), from port_cpu_hz. */
static uint32_t port_tick_period;
#if SQ_PORT_TICKLESS
/* Ticks one SysTick period can hold: 671 at 25 MHz and 1 kHz. */
static uint32_t port_idle_max_ticks;
#endif

/* Whether the kernel runs: the tick source is started (SysTick's ENABLE
 * says the same when it is the source). */
static bool port_ticking;

/* SysTick from port_cpu_hz, counting a whole tick from now (with the
 * application's timer, only the counts per tick). */
static void port_systick_start(void)
{
    port_tick_period = port_cpu_hz / SQ_CONFIG_TICK_HZ;
#if SQ_PORT_TICKLESS
    port_idle_max_ticks = 0x1000000u / port_tick_period;
    port_period = 1u;
#endif
#if PORT_SYSTICK
    SYST_CSR = 0u;
    SYST_RVR = port_tick_period - 1u;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
#endif
}

sq_status_t sq_port_set_cpu_hz(uint32_t hz)
{
    uint32_t period = hz / SQ_CONFIG_TICK_HZ;
    if (period < SYSTICK_PERIOD_MIN || period > SYSTICK_PERIOD_MAX) {
        return SQ_ERR_RANGE;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    port_cpu_hz = hz;
    /* The kernel runs (the tick on from sq_port_kernel_start to
     * sq_port_kernel_stop): the new rate from now on. Otherwise the
     * kernel's start programs it. */
    if (port_ticking) {
        port_systick_start();
    }
    sq_port_irq_unlock(key);
    return SQ_OK;
}

uint32_t sq_port_cpu_hz(void)
{
    return port_cpu_hz;
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
    port_floor = port_stack_floor(idle);
    idle->context[1] = 0u; /* privileged */
#if PORT_FPU
    /* The reset values, set in case a boot loader changed them: PendSV
     * and the gate rely on EXC_RETURN bit 4 telling an FP thread. */
    FPU_FPCCR |= FPCCR_ASPEN | FPCCR_LSPEN;
#endif

    uint32_t shpr3 = SCB_SHPR3 & 0x0000ffffu;
    SCB_SHPR3 = shpr3 | ((uint32_t)SQ_PORT_KERNEL_IRQ_PRIO << 24) | (PRIO_PENDSV << 16);
#if PORT_ISOLATION
    /* SVCall, MemManage, BusFault and UsageFault call the kernel
     * (sq_kernel_user_fault), so they sit in the kernel band like SysTick.
     * All are synchronous to user code (a BusFault when precise), which
     * never holds the lock, so they are taken at once there;
     * a fault or SVC in privileged code under the lock cannot be taken at
     * its priority and escalates to HardFault, the board's loud stop,
     * which is right for a kernel bug. */
    SCB_SHPR1 = (SCB_SHPR1 & 0xff000000u) | ((uint32_t)SQ_PORT_KERNEL_IRQ_PRIO << 16) |
                ((uint32_t)SQ_PORT_KERNEL_IRQ_PRIO << 8) | (uint32_t)SQ_PORT_KERNEL_IRQ_PRIO;
    SCB_SHPR2 = (SCB_SHPR2 & 0x00ffffffu) | ((uint32_t)SQ_PORT_KERNEL_IRQ_PRIO << 24);
    port_mpu_start();
#endif

    uint32_t ipr_shift = 8u * (SQ_PORT_SOFT_IRQ % 4u);
    uint32_t ipr = NVIC_IPR(SQ_PORT_SOFT_IRQ / 4u) & ~(0xffu << ipr_shift);
    NVIC_IPR(SQ_PORT_SOFT_IRQ / 4u) = ipr | ((uint32_t)SQ_PORT_KERNEL_IRQ_PRIO << ipr_shift);
    NVIC_ISER(SQ_PORT_SOFT_IRQ / 32u) = 1u << (SQ_PORT_SOFT_IRQ % 32u);

#if SQ_PORT_TICKLESS
    port_owed = 0u;
#endif
    port_systick_start();
    port_ticking = true;
#if !PORT_SYSTICK
    sq_port_tick_source_start(SQ_CONFIG_TICK_HZ);
#endif

    sq_port_irq_unlock(0u);
}

void sq_port_kernel_stop(void)
{
    port_ticking = false;
#if PORT_SYSTICK
    SYST_CSR = 0u;
#else
    sq_port_tick_source_stop();
#endif
#if PORT_ISOLATION
    /* Back to the default map for the plain code that follows. */
    port_mpu_off();
    port_mpu_regions = 0u;
#endif
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

/* ---- Idle and tick ------------------------------------------------------ */

#if SQ_PORT_TICKLESS

/*
 * Tickless idle. SysTick normally wraps every tick (PORT_PERIOD counts);
 * while the idle thread sleeps, one SysTick period may span up to
 * PORT_IDLE_MAX_TICKS ticks, ending on the tick grid at the next
 * deadline. The kernel learns of ticks only from SysTick_Handler
 * (sq_kernel_tick runs timeout callbacks, which expect interrupt
 * context):
 *   - a long period that runs to its end is announced whole by the
 *     handler of its wrap (port_period ticks); the counter, whose reload
 *     value is a plain tick again, stays on the grid untouched;
 *   - an idle thread woken earlier by another interrupt cuts the period
 *     at the next tick boundary (port_systick_stop, port_systick_restart)
 *     before that interrupt's handler runs (PRIMASK is held around the
 *     WFI), and pends SysTick with the ticks that passed (port_owed):
 *     SysTick is the most urgent kernel interrupt and has the lowest
 *     exception number, so its handler announces them before any other
 *     interrupt that may call the kernel.
 * The counter stops only for a cut and when a sleep starts; the counts it
 * loses there are SQ_PORT_TICKLESS_STOPPED.
 */
/* Counts per tick, and the ticks one 24-bit SysTick period can hold (671
 * at 25 MHz and 1 kHz): from the core clock (port_systick_start). */
#define PORT_PERIOD port_tick_period
#define PORT_IDLE_MAX_TICKS port_idle_max_ticks

/*
 * Stop SysTick and return the counts to the next tick boundary (at least
 * PORT_RESTART_MARGIN); add to *passed the ticks of the running period
 * that have passed (a wrap not yet handled counts the whole period, and
 * the plain tick the wrap loaded runs from there). A boundary closer than
 * PORT_RESTART_MARGIN is waited out first. Called with PRIMASK set.
 */
static uint32_t port_systick_stop(uint32_t *passed)
{
    while (SYST_CVR % PORT_PERIOD < PORT_RESTART_MARGIN) {
    }
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT;
    uint32_t count = SYST_CVR;
    uint32_t period = port_period;
    if ((SYST_CSR & SYST_CSR_COUNTFLAG) != 0u) {
        /* The reload value was a plain tick at that wrap: every restart
         * writes it back at once. */
        *passed += period;
        period = 1u;
        port_tick_irqs++;
    }
    /* `count` counts to the period's end; the boundaries before it lie
     * whole ticks apart, the next one `next` counts away. */
    uint32_t next = count % PORT_PERIOD;
    uint32_t after = count / PORT_PERIOD;
    if (next == 0u) {
        next = PORT_PERIOD; /* a boundary right now has passed */
        after = after != 0u ? after - 1u : 0u;
    }
    if (after > period - 1u) {
        after = period - 1u; /* the boundary a stall counted early, below */
    }
    *passed += period - 1u - after;
    if (next < PORT_RESTART_MARGIN) {
        /* Stalled past the wait (an NMI, a debugger, QEMU without
         * -icount): the boundary a few counts away is counted as passed,
         * so that the restart's reload value never drops to 0. */
        next += PORT_PERIOD;
        *passed += 1u;
    }
    return next;
}

/* Restart the stopped SysTick to wrap `counts` counts after the stop, on a
 * tick boundary `ticks` ticks into the period, then every tick. From 0
 * the counter loads the reload value at its first count; only then may a
 * tick's go back (at once on a core; QEMU loads it a count later). */
static void port_systick_restart(uint32_t counts, uint32_t ticks)
{
    SYST_RVR = counts - SQ_PORT_TICKLESS_STOPPED - 1u;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
    while (SYST_CVR == 0u) {
    }
    SYST_RVR = PORT_PERIOD - 1u;
    port_period = ticks;
}

/* Have SysTick_Handler announce `passed` ticks, before any other
 * interrupt that may call the kernel. */
static void port_owe(uint32_t passed)
{
    if (passed != 0u) {
        port_owed += passed;
        SCB_ICSR = ICSR_PENDSTSET;
    }
}

/*
 * Before the WFI (PRIMASK set): if the next deadline is two or more ticks
 * away and no tick waits for its handler (so the kernel's count is the
 * running period's start), make the period end at it, or
 * PORT_IDLE_MAX_TICKS ahead. Returns the ticks the sleep spans, 1 when
 * SysTick keeps ticking.
 */
static uint32_t port_sleep_start(void)
{
    sq_tick_t now = sq_kernel_now();
    sq_tick_t deadline = sq_timeout_next_deadline();
    if (deadline <= now + 1u || (SCB_ICSR & ICSR_PENDSTSET) != 0u) {
        return 1u;
    }
    uint32_t ticks = deadline - now > PORT_IDLE_MAX_TICKS ? PORT_IDLE_MAX_TICKS
                                                          : (uint32_t)(deadline - now);
    uint32_t passed = 0u;
    uint32_t next = port_systick_stop(&passed);
    if (passed != 0u) {
        /* A tick came between the look and the stop: it goes first. */
        port_systick_restart(next, 1u);
        port_owe(passed);
        return 1u;
    }
    port_systick_restart(next + (ticks - 1u) * PORT_PERIOD, ticks);
    return ticks;
}

/* After the WFI (PRIMASK set): woken before the long period's end, back
 * to a tick at the next boundary, the ticks passed announced first. */
static void port_sleep_end(void)
{
    if (port_period > 1u && (SCB_ICSR & ICSR_PENDSTSET) == 0u) {
        uint32_t passed = 0u;
        port_systick_restart(port_systick_stop(&passed), 1u);
        port_owe(passed);
    }
}

#endif /* SQ_PORT_TICKLESS */

/* The default idle hook: wait for an interrupt. */
__attribute__((weak)) void sq_port_idle_hook(uint32_t ticks)
{
    (void)ticks;
    __asm__ volatile("dsb\n\t"
                     "wfi" ::: "memory");
}

void sq_port_idle(sq_irq_key_t key)
{
    /* WFI wakes for an interrupt masked by PRIMASK but not for one masked
     * by BASEPRI. So: PRIMASK on, lock off, WFI (in the hook), PRIMASK
     * off. An interrupt that arrives before the WFI stays pending and the
     * WFI falls through; at the CPSIE every pending interrupt, and a
     * PendSV it requested, runs before this returns. On ARMv6-M the lock
     * is PRIMASK already. */
#if !PORT_THUMB1
    __asm__ volatile("cpsid i" ::: "memory");
    sq_port_irq_unlock(key);
#endif
#if SQ_PORT_TICKLESS
    sq_port_idle_hook(port_sleep_start());
    port_sleep_end();
#else
    sq_port_idle_hook(1u);
#endif
#if PORT_THUMB1
    sq_port_irq_unlock(key);
#else
    __asm__ volatile("cpsie i\n\t"
                     "isb" ::: "memory");
#endif
}

uint32_t sq_port_tick_interrupts(void)
{
    return port_tick_irqs;
}

void SysTick_Handler(void)
{
#if SQ_PORT_TICKLESS
    /* A wrap (COUNTFLAG) ends the running period; a cut pends this with
     * the ticks it owes; one entry may serve both. */
    uint32_t ticks = port_owed;
    port_owed = 0u;
    if ((SYST_CSR & SYST_CSR_COUNTFLAG) != 0u) {
        ticks += port_period;
        port_period = 1u;
        port_tick_irqs++;
    }
    if (ticks != 0u) {
        sq_kernel_tick(ticks);
    }
#else
    sq_port_tick_isr();
#endif
}

void sq_port_tick_isr(void)
{
    /* A board's timer may still interrupt once the kernel stopped. */
    if (port_ticking) {
        port_tick_irqs++;
        sq_kernel_tick(1u);
    }
}

#if !PORT_SYSTICK
__attribute__((weak)) void sq_port_tick_source_stop(void)
{
}
#endif

/* ---- Soft interrupt ----------------------------------------------------- */

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

/* ---- Fault reports ------------------------------------------------------ */

/* CFSR (MMFSR, BFSR, UFSR) and HFSR bits by name, lowest first. */
typedef struct port_bit_name {
    uint32_t bit;
    const char *name;
} port_bit_name_t;
static const port_bit_name_t port_cfsr_names[] = {
    {1u << 0, "IACCVIOL"},   {1u << 1, "DACCVIOL"},    {1u << 3, "MUNSTKERR"},
    {1u << 4, "MSTKERR"},    {1u << 5, "MLSPERR"},     {1u << 7, "MMARVALID"},
    {1u << 8, "IBUSERR"},    {1u << 9, "PRECISERR"},   {1u << 10, "IMPRECISERR"},
    {1u << 11, "UNSTKERR"},  {1u << 12, "STKERR"},     {1u << 13, "LSPERR"},
    {1u << 15, "BFARVALID"}, {1u << 16, "UNDEFINSTR"}, {1u << 17, "INVSTATE"},
    {1u << 18, "INVPC"},     {1u << 19, "NOCP"},       {1u << 20, "STKOF"},
    {1u << 24, "UNALIGNED"}, {1u << 25, "DIVBYZERO"},
};
static const port_bit_name_t port_hfsr_names[] = {
    {1u << 1, "VECTTBL"}, {1u << 30, "FORCED"}, {1u << 31, "DEBUGEVT"}};

/* Text into a bounded buffer, always NUL-terminated; `len` counts what
 * fitted. */
typedef struct port_text {
    char *buf;
    size_t size;
    size_t len;
} port_text_t;

static void port_text_str(port_text_t *t, const char *s)
{
    for (; *s != '\0' && t->len + 1u < t->size; s++) {
        t->buf[t->len++] = *s;
    }
    t->buf[t->len] = '\0';
}

static void port_text_hex(port_text_t *t, uint32_t value)
{
    char hex[] = "0x00000000";
    for (uint32_t i = 0u; i < 8u; i++) {
        hex[2u + i] = "0123456789abcdef"[(value >> (28u - 4u * i)) & 0xfu];
    }
    port_text_str(t, hex);
}

static void port_text_reg(port_text_t *t, const char *label, uint32_t value,
                          const port_bit_name_t *names, size_t count)
{
    port_text_str(t, label);
    port_text_hex(t, value);
    for (size_t i = 0u; i < count; i++) {
        if ((value & names[i].bit) != 0u) {
            port_text_str(t, " ");
            port_text_str(t, names[i].name);
        }
    }
    port_text_str(t, "\n");
}

static const char *port_exception_name(uint32_t exception)
{
    static const char *const names[] = {"fault",      "fault",    "NMI",
                                        "HardFault",  "MemManage fault", "BusFault",
                                        "UsageFault", "SecureFault",     "fault",
                                        "fault",      "fault",    "SVCall",
                                        "fault",      "fault",    "PendSV"};
    return exception < sizeof names / sizeof names[0] ? names[exception]
                                                       : "unexpected interrupt";
}

size_t sq_fault_format(const sq_fault_report_t *r, char *buf, size_t size)
{
    if (size == 0u) {
        return 0u;
    }
    port_text_t t = {buf, size, 0u};
    port_text_str(&t, r->stack_overflow ? "stack overflow" : port_exception_name(r->exception));
    if (r->thread != NULL) {
        port_text_str(&t, " in thread ");
        port_text_hex(&t, (uint32_t)(uintptr_t)r->thread);
    } else {
        port_text_str(&t, (r->exc_return & EXC_RETURN_THREAD) != 0u ? " before the kernel ran"
                                                                     : " in a handler");
    }
    if (r->stack_overflow) {
        port_text_str(&t, " (");
        port_text_str(&t, port_exception_name(r->exception));
        port_text_str(&t, ")");
    }
    port_text_str(&t, "\n");
    if (r->frame_valid) {
        port_text_str(&t, "  PC ");
        port_text_hex(&t, r->pc);
        port_text_str(&t, "  LR ");
        port_text_hex(&t, r->lr);
        port_text_str(&t, "  xPSR ");
        port_text_hex(&t, r->xpsr);
    } else {
        port_text_str(&t, "  no frame stacked");
    }
    port_text_str(&t, "  SP ");
    port_text_hex(&t, r->sp);
    port_text_str(&t, "\n");
    port_text_reg(&t, "  CFSR ", r->cfsr, port_cfsr_names,
                  sizeof port_cfsr_names / sizeof port_cfsr_names[0]);
    port_text_reg(&t, "  HFSR ", r->hfsr, port_hfsr_names,
                  sizeof port_hfsr_names / sizeof port_hfsr_names[0]);
    if ((r->cfsr & MMFSR_MMARVALID) != 0u) {
        port_text_str(&t, "  MMFAR ");
        port_text_hex(&t, r->mmfar);
        port_text_str(&t, "\n");
    }
    if ((r->cfsr & BFSR_BFARVALID) != 0u) {
        port_text_str(&t, "  BFAR ");
        port_text_hex(&t, r->bfar);
        port_text_str(&t, "\n");
    }
    return t.len;
}

__attribute__((weak)) void sq_fault_hook(const sq_fault_report_t *report)
{
    static char text[384];
    sq_port_console(text, sq_fault_format(report, text, sizeof text));
}

/* Whether thread `t`'s stack overflowed: a stack limit violation (ARMv8-M
 * PSPLIM), a write refused in its guard (ARMv7-M, MMFAR), a stack pointer
 * within one frame of its floor (the guard's top, else the stack's bottom)
 * or below, or a bottom word that lost the fill pattern. */
static bool port_overflowed(const sq_thread_t *t, uint32_t cfsr, uintptr_t mmfar, uintptr_t sp)
{
    if ((cfsr & UFSR_STKOF) != 0u) {
        return true;
    }
    if (t->stack == NULL) {
        return false; /* the idle thread: main's stack, bounds unknown */
    }
    uintptr_t floor = port_stack_floor(t);
    if ((cfsr & MMFSR_MMARVALID) != 0u && mmfar >= (uintptr_t)t->stack && mmfar < floor) {
        return true;
    }
    return sp <= floor + sizeof(struct port_hw_frame) || port_bottom_worn(t);
}

/*
 * Report a fatal fault and stop. The exception is the one running (IPSR);
 * `cleared` holds the CFSR bits its handler already cleared. The frame is
 * on PSP when the fault interrupted a thread, else on MSP (`msp` as the
 * handler's entry found it).
 */
__attribute__((noreturn)) static void port_fault_stop(uint32_t exc_return, uintptr_t psp,
                                                      uintptr_t msp, uint32_t cleared,
                                                      bool overflow)
{
    sq_fault_report_t r;
    memset(&r, 0, sizeof r);
    __asm__ volatile("mrs %0, ipsr" : "=r"(r.exception));
    r.exc_return = exc_return;
    bool on_psp = (exc_return & EXC_RETURN_PSP) != 0u;
    r.sp = (uint32_t)(on_psp ? psp : msp);
    r.cfsr = SCB_CFSR | cleared;
    r.hfsr = SCB_HFSR;
    r.mmfar = SCB_MMFAR;
    r.bfar = SCB_BFAR;
    if (on_psp && (exc_return & EXC_RETURN_THREAD) != 0u) {
        r.thread = sq_sched_current();
        r.stack_overflow = overflow || port_overflowed(r.thread, r.cfsr, r.mmfar, r.sp);
    }
    /* After a stacking fault or a stack limit violation the frame holds
     * nothing of the faulting code. */
    r.frame_valid = (r.cfsr & (MMFSR_MSTKERR | BFSR_STKERR | UFSR_STKOF)) == 0u;
    if (r.frame_valid) {
        const struct port_hw_frame *f = (const struct port_hw_frame *)(uintptr_t)r.sp;
        r.pc = f->pc;
        r.lr = f->lr;
        r.xpsr = f->xpsr;
    }
    sq_fault_hook(&r);
    sq_port_fatal("fault, PC", r.pc);
}

/* HardFault, and whatever else the board's vector table sends here (NMI,
 * unused lines): EXC_RETURN and both stack pointers as the entry left
 * them. BL, not B: its range reaches anywhere on every core, and the
 * call never returns. */
__attribute__((naked)) void HardFault_Handler(void)
{
    __asm__ volatile("   mov   r0, lr                 \n"
                     "   mrs   r1, psp                \n"
                     "   mrs   r2, msp                \n"
                     "   bl    sq_port_fault          \n");
}

void sq_port_fault(uint32_t exc_return, uintptr_t psp, uintptr_t msp)
{
    port_fault_stop(exc_return, psp, msp, 0u, false);
}

/* ---- Supervisor calls and faults -------------------------------------- */

#if PORT_ISOLATION

/* The instruction right after the gate's SVC (defined in port_gate). */
extern const uint16_t sq_port_gate_resume[];

/*
 * The supervisor call gate: the one place a user thread becomes
 * privileged. It pushes r4 and lr unprivileged, on the caller's own stack;
 * the SVC (checked by sq_port_svc) returns here privileged; sq_syscall
 * runs in privileged Thread mode on the same stack, so it may block like
 * any kernel call; then privilege is dropped (ISB: before the next
 * instruction) and the saved lr is popped unprivileged. nr, a0 and a1
 * stay in r0-r2 across the SVC (the exception return restores them).
 * Code that jumps past the SVC runs sq_syscall unprivileged and faults
 * on kernel memory.
 */
#define PORT_IN_REG __attribute__((unused)) /* read by the asm, in r0-r2 */
__attribute__((naked, noinline)) static sq_status_t port_gate(uint32_t nr PORT_IN_REG,
                                                              uint32_t a0 PORT_IN_REG,
                                                              uint32_t a1 PORT_IN_REG)
{
    __asm__ volatile(ASM_UNIFIED
                     "   push  {r4, lr}               \n"
                     "   svc   #0                     \n"
                     "   .global sq_port_gate_resume  \n"
                     "sq_port_gate_resume:            \n"
                     "   bl    sq_syscall             \n"
                     "   mrs   r1, control            \n"
                     "   movs  r2, #1                 \n"
                     "   orrs  r1, r2                 \n"
                     "   msr   control, r1            \n"
                     "   isb                          \n"
                     "   pop   {r4, pc}               \n");
}

#endif /* PORT_ISOLATION */

sq_status_t sq_port_syscall(uint32_t nr, uint32_t a0, uint32_t a1)
{
#if PORT_ISOLATION
    /* Interrupts and privileged threads (user threads inside the gate
     * too) call the dispatcher directly; only user code needs the SVC. */
    if (!sq_port_in_isr() && (port_control() & CONTROL_NPRIV) != 0u) {
        return port_gate(nr, a0, a1);
    }
#endif
    return sq_syscall(nr, a0, a1);
}

void sq_port_mpu_update(void)
{
#if PORT_ISOLATION
    port_mpu_load(sq_sched_current());
#endif
}

#if PORT_ISOLATION

/* SVCall and MemManage: hand EXC_RETURN and the interrupted thread's frame
 * to C, keeping lr, so that the C function's return is the exception
 * return. */
__attribute__((naked)) void SVC_Handler(void)
{
    __asm__ volatile("   mov   r0, lr                 \n"
                     "   mrs   r1, psp                \n"
                     "   b     sq_port_svc            \n");
}

__attribute__((naked)) void MemManage_Handler(void)
{
    __asm__ volatile("   mov   r0, lr                 \n"
                     "   mrs   r1, psp                \n"
                     "   mrs   r2, msp                \n"
                     "   b     sq_port_memmanage      \n");
}

__attribute__((naked)) void BusFault_Handler(void)
{
    __asm__ volatile("   mov   r0, lr                 \n"
                     "   mrs   r1, psp                \n"
                     "   mrs   r2, msp                \n"
                     "   b     sq_port_busfault       \n");
}

__attribute__((naked)) void UsageFault_Handler(void)
{
    __asm__ volatile("   mov   r0, lr                 \n"
                     "   mrs   r1, psp                \n"
                     "   mrs   r2, msp                \n"
                     "   b     sq_port_usagefault     \n");
}

/* End the current thread, whose own (unprivileged) code faulted: the
 * kernel's switch tail-chains on the handler's return, and the thread
 * never resumes. Unprivileged code in a thread the kernel does not count
 * as a user thread would be a kernel bug. */
static void port_user_fault(sq_fault_t cause, uintptr_t addr, const char *what, uint32_t status)
{
    if (!sq_kernel_user_fault(cause, addr)) {
        sq_port_fatal(what, status);
    }
}

/* A user thread's own access refused (MemManage, BusFault), from the
 * status bits of its fault: a data access, with the address if the core
 * recorded it; an instruction fetch, at the stacked PC; otherwise the
 * exception entry or return on the thread's stack. */
static void port_access_fault(bool data, bool addr_valid, uintptr_t fault_addr, bool fetch,
                              const struct port_hw_frame *frame, const char *what,
                              uint32_t status)
{
    sq_fault_t cause = SQ_FAULT_STACK;
    uintptr_t addr = 0u;
    if (data) {
        cause = SQ_FAULT_DATA;
        addr = addr_valid ? fault_addr : 0u;
    } else if (fetch) {
        cause = SQ_FAULT_EXEC;
        addr = frame->pc;
    }
    port_user_fault(cause, addr, what, status);
}

/*
 * A supervisor call. It is the gate's only if both hold:
 *   - the stacked PC is the instruction after the gate's SVC: an SVC
 *     anywhere else (user code can hold any SVC instruction) would make
 *     its own code privileged on return;
 *   - the frame, and SQ_PORT_SYSCALL_STACK bytes below it, lie in the
 *     thread's own stack: the gate then runs privileged on that stack
 *     pointer, which the thread chose. Pointing it into a partition would
 *     let a peer component rewrite the privileged code's return addresses
 *     there, and near the bottom of the stack the kernel call would run
 *     past it into whatever memory lies below; no domain grants another
 *     thread's stack (MD07), so only the thread itself can touch it, and
 *     it is busy in the gate.
 * Then the return is privileged, into the gate. Anything else ends the
 * thread (SQ_FAULT_SYSCALL, at the stacked PC). Reading the frame is safe
 * before the checks: the exception entry pushed it with the thread's own
 * (unprivileged) rights.
 */
void sq_port_svc(uint32_t exc_return, const struct port_hw_frame *frame)
{
    if (!port_user_code_interrupted(exc_return)) {
        sq_port_fatal("supervisor call from privileged code, EXC_RETURN", exc_return);
    }
    const sq_thread_t *t = sq_sched_current();
    size_t frame_bytes = sizeof *frame + ((frame->xpsr & XPSR_FRAME_PADDED) != 0u ? 4u : 0u) +
                         ((exc_return & EXC_RETURN_STD_FRAME) == 0u ? PORT_FP_FRAME_BYTES : 0u);
    bool from_gate = frame->pc == (uint32_t)(uintptr_t)sq_port_gate_resume;
    bool own_stack = port_in_stack(t, (uintptr_t)frame - SQ_PORT_SYSCALL_STACK,
                                   SQ_PORT_SYSCALL_STACK + frame_bytes);
    if (from_gate && own_stack) {
        port_set_control(port_control() & ~CONTROL_NPRIV);
        return;
    }
    port_user_fault(SQ_FAULT_SYSCALL, frame->pc,
                    "supervisor call from a thread without SQ_THREAD_USER at", frame->pc);
}

/*
 * MemManage: what the MPU refused, from MMFSR (cleared here, write 1 to
 * clear, so the next fault reports afresh): a data access (DACCVIOL, with
 * the address from MMFAR when MMARVALID), an instruction fetch (IACCVIOL,
 * at the stacked PC), or the exception entry or return on the thread's
 * stack (MSTKERR, MUNSTKERR, MLSPERR). From user code the thread is ended
 * and the return tail-chains into the switch the kernel requested; from
 * privileged code it is a kernel bug.
 */
void sq_port_memmanage(uint32_t exc_return, uintptr_t psp, uintptr_t msp)
{
    uint32_t mmfsr = SCB_CFSR & MMFSR_ALL;
    uintptr_t mmfar = SCB_MMFAR;
    SCB_CFSR = mmfsr;
    if (!port_user_code_interrupted(exc_return)) {
        port_fault_stop(exc_return, psp, msp, mmfsr, false);
    }
    /* Only user code from here: its frame was stacked unless MSTKERR. */
    const struct port_hw_frame *frame = (const struct port_hw_frame *)psp;
    port_access_fault((mmfsr & MMFSR_DACCVIOL) != 0u, (mmfsr & MMFSR_MMARVALID) != 0u, mmfar,
                      (mmfsr & MMFSR_IACCVIOL) != 0u, frame,
                      "MemManage fault in a thread without SQ_THREAD_USER, MMFSR", mmfsr);
}

/*
 * BusFault: memory the thread's MPU view allows (a partition over a
 * device, say) refused the access. A precise one is the thread's own:
 * a data access (SQ_FAULT_DATA, the address from BFAR when BFARVALID), an
 * instruction fetch (SQ_FAULT_EXEC at the stacked PC), or the exception
 * entry or return on its stack (SQ_FAULT_STACK); it ends only the thread.
 * An imprecise one (a buffered store) may surface after a switch, in
 * another thread: nothing says whose it was, so it stops the board, as
 * does any bus fault in privileged code.
 */
void sq_port_busfault(uint32_t exc_return, uintptr_t psp, uintptr_t msp)
{
    uint32_t bfsr = SCB_CFSR & BFSR_ALL;
    uintptr_t bfar = SCB_BFAR;
    SCB_CFSR = bfsr;
    if (!port_user_code_interrupted(exc_return) || (bfsr & BFSR_IMPRECISERR) != 0u) {
        port_fault_stop(exc_return, psp, msp, bfsr, false);
    }
    const struct port_hw_frame *frame = (const struct port_hw_frame *)psp;
    port_access_fault((bfsr & BFSR_PRECISERR) != 0u, (bfsr & BFSR_BFARVALID) != 0u, bfar,
                      (bfsr & BFSR_IBUSERR) != 0u, frame,
                      "BusFault in a thread without SQ_THREAD_USER, BFSR", bfsr >> 8);
}

/*
 * UsageFault: on ARMv8-M a user thread can move its stack pointer below
 * PSPLIM (STKOF: SQ_FAULT_STACK), and on any core it can run an
 * instruction the core refuses (SQ_FAULT_EXEC at the stacked PC). Either
 * is the thread's own doing and ends only the thread; without this
 * handler it would escalate to HardFault and stop the board.
 */
void sq_port_usagefault(uint32_t exc_return, uintptr_t psp, uintptr_t msp)
{
    uint32_t ufsr = SCB_CFSR & UFSR_ALL;
    SCB_CFSR = ufsr;
    if (!port_user_code_interrupted(exc_return)) {
        port_fault_stop(exc_return, psp, msp, ufsr, false);
    }
    bool stack = (ufsr & UFSR_STKOF) != 0u;
    const struct port_hw_frame *frame = (const struct port_hw_frame *)psp;
    port_user_fault(stack ? SQ_FAULT_STACK : SQ_FAULT_EXEC, stack ? 0u : frame->pc,
                    "UsageFault in a thread without SQ_THREAD_USER, UFSR", ufsr >> 16);
}

#endif /* PORT_ISOLATION */
