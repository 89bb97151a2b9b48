/*
 * Bare-metal start-up for the QEMU boards (Cortex-M3 on mps2-an385, M4F on
 * mps2-an386, M7 on mps2-an500, Cortex-M33 on mps2-an505, the STM32F405's
 * M4F on netduinoplus2): the vector table, the reset handler that switches
 * the FPU on where the build uses it, lays out .data and .bss, lets the
 * board set itself up and calls main, and semihosting for exit and, unless
 * the board has a console of its own, for output.
 *
 * Semihosting is the debugger channel QEMU implements for `bkpt 0xAB`:
 * characters go to QEMU's stdout, and SYS_EXIT ends QEMU with status 0 for
 * "application exit" and 1 for any other reason, which is how a failed test
 * image fails its CTest run.
 *
 * A board other than the MPS2 ones (port/cortex-m/boards/<board>) sets
 * SQ_BOARD_IRQS, its number of external interrupt lines, and links a file
 * that defines sq_board_init (its clock and console) and _write (its
 * console), replacing the weak ones here.
 */
#include <stdint.h>
#include <string.h>
#include <squall/port_board.h>

/* External interrupt lines in the vector table: 32 on the MPS2 boards
 * (the an385's; the port uses none above 31 there). */
#ifndef SQ_BOARD_IRQS
#define SQ_BOARD_IRQS 32
#endif
_Static_assert(SQ_BOARD_IRQS >= 1 && SQ_BOARD_IRQS <= 255, "SQ_BOARD_IRQS: 1 to 255 lines");
_Static_assert(SQ_PORT_SOFT_IRQ < SQ_BOARD_IRQS, "SQ_PORT_SOFT_IRQ must be a line of the board");

int main(void);
void sq_port_reset(void);
int _write(int fd, const char *buf, int len);
void _exit(int status) __attribute__((noreturn));

/* Symbols placed by the linker script (port/cortex-m/sections.ld). */
extern uint32_t __stack_top;
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];

enum {
    SEMIHOST_WRITEC = 0x03,
    SEMIHOST_EXIT = 0x18,
    ADP_STOPPED_APPLICATION_EXIT = 0x20026,
    ADP_STOPPED_RUNTIME_ERROR = 0x20023,
};

static uintptr_t semihost(uintptr_t op, uintptr_t arg)
{
    register uintptr_t r0 __asm__("r0") = op;
    register uintptr_t r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* The console on semihosting, unless the board has its own. */
__attribute__((weak)) int _write(int fd, const char *buf, int len)
{
    (void)fd;  /* stdout and stderr both go to QEMU's stdout */
    for (int i = 0; i < len; i++) {
        char c = buf[i];
        semihost(SEMIHOST_WRITEC, (uintptr_t)&c);
    }
    return len;
}

void _exit(int status)
{
    for (;;) {
        semihost(SEMIHOST_EXIT, status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                            : ADP_STOPPED_RUNTIME_ERROR);
    }
}

/* The port's console: the default fault report is written here. */
void sq_port_console(const char *text, size_t len)
{
    _write(1, text, (int)len);
}

/* The port's loud stop: "FAIL: <what> 0x<value>", then a failed exit.
 * Written out by hand, not by printf: it may run in a fault handler that
 * interrupted printf. */
void sq_port_fatal(const char *what, uintptr_t value)
{
    static const char head[] = "FAIL: ";
    char hex[] = " 0x00000000\n";
    for (int i = 0; i < 8; i++) {
        hex[3 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xfu];
    }
    _write(1, head, (int)sizeof head - 1);
    _write(1, what, (int)strlen(what));
    _write(1, hex, (int)sizeof hex - 1);
    _exit(1);
}

/* Nothing to set up on the MPS2 boards: QEMU runs them at their clock,
 * and the console is semihosting. */
__attribute__((weak)) void sq_board_init(void)
{
}

void sq_port_reset(void)
{
#if defined(__ARM_FP)
    /* The FPU (coprocessors 10 and 11: CPACR bits 23:20) on, before any
     * FP instruction; the port saves its context per thread. */
    *(volatile uint32_t *)0xe000ed88u |= 0xfu << 20;
    __asm__ volatile("dsb\n\t"
                     "isb" ::: "memory");
#endif
    memcpy(__data_start, __data_load, (size_t)((char *)__data_end - (char *)__data_start));
    memset(__bss_start, 0, (size_t)((char *)__bss_end - (char *)__bss_start));
    sq_board_init();
    _exit(main());
}

/* The initial stack pointer, then reset, NMI, HardFault, MemManage,
 * BusFault, UsageFault, SecureFault (M33), reserved..., SVC, DebugMon,
 * reserved, PendSV, SysTick; MemManage, BusFault, UsageFault and SVC are
 * the port's (faults of user threads, the supervisor call gate). Then the
 * board's SQ_BOARD_IRQS external interrupts, of which only one is used:
 * the port's soft interrupt (SQ_PORT_SOFT_IRQ). HardFault, NMI,
 * SecureFault and the unused entries go to the port's fault report
 * (squall/port_fault.h), which names the exception and stops. */
struct vector_table {
    const void *initial_sp;
    void (*handlers[15])(void);
    void (*irqs[SQ_BOARD_IRQS])(void);
};

#define FAULT HardFault_Handler
/* Entries for lines n, n + 1, ...: the soft interrupt's handler at its
 * line, the fault report elsewhere. IRQ8(n) is the 8 entries from line n. */
#define IRQ(n) ((n) == SQ_PORT_SOFT_IRQ ? SquallSoft_IRQHandler : FAULT)
#define IRQ2(n) IRQ(n), IRQ((n) + 1)
#define IRQ4(n) IRQ2(n), IRQ2((n) + 2)
#define IRQ8(n) IRQ4(n), IRQ4((n) + 4)
#define IRQ16(n) IRQ8(n), IRQ8((n) + 8)
#define IRQ32(n) IRQ16(n), IRQ16((n) + 16)
#define IRQ64(n) IRQ32(n), IRQ32((n) + 32)
#define IRQ128(n) IRQ64(n), IRQ64((n) + 64)

__attribute__((section(".vectors"), used)) static const struct vector_table vectors = {
    .initial_sp = &__stack_top,
    .handlers = {sq_port_reset, FAULT, FAULT, MemManage_Handler, BusFault_Handler,
                 UsageFault_Handler, FAULT, 0, 0, 0, SVC_Handler, FAULT, 0,
                 PendSV_Handler, SysTick_Handler},
    /* SQ_BOARD_IRQS entries, one block per bit of the count. */
    .irqs = {
#if SQ_BOARD_IRQS & 128
        IRQ128(0),
#endif
#if SQ_BOARD_IRQS & 64
        IRQ64(SQ_BOARD_IRQS & 128),
#endif
#if SQ_BOARD_IRQS & 32
        IRQ32(SQ_BOARD_IRQS & 192),
#endif
#if SQ_BOARD_IRQS & 16
        IRQ16(SQ_BOARD_IRQS & 224),
#endif
#if SQ_BOARD_IRQS & 8
        IRQ8(SQ_BOARD_IRQS & 240),
#endif
#if SQ_BOARD_IRQS & 4
        IRQ4(SQ_BOARD_IRQS & 248),
#endif
#if SQ_BOARD_IRQS & 2
        IRQ2(SQ_BOARD_IRQS & 252),
#endif
#if SQ_BOARD_IRQS & 1
        IRQ(SQ_BOARD_IRQS & 254),
#endif
    },
};
