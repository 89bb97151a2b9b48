/*
 * Bare-metal start-up for the QEMU MPS2 boards (Cortex-M3 on mps2-an385,
 * M4F on mps2-an386, M7 on mps2-an500, Cortex-M33 on mps2-an505): the
 * vector table, the reset handler that switches the FPU on where the build
 * uses it, lays out .data and .bss and calls main, and semihosting for
 * output and exit.
 *
 * Semihosting is the debugger channel QEMU implements for `bkpt 0xAB`:
 * characters go to QEMU's stdout, and SYS_EXIT ends QEMU with status 0 for
 * "application exit" and 1 for any other reason, which is how a failed test
 * image fails its CTest run.
 */
#include <stdint.h>
#include <string.h>

int main(void);
void sq_port_reset(void);
/* Defined by the port (port/cortex-m/port.c). */
void PendSV_Handler(void);
void SVC_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SysTick_Handler(void);
void SquallSoft_IRQHandler(void);
void HardFault_Handler(void);
void sq_port_console(const char *text, size_t len);
int _write(int fd, const char *buf, int len);
void _exit(int status) __attribute__((noreturn));
void sq_port_fatal(const char *what, uintptr_t value) __attribute__((noreturn));

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

int _write(int fd, const char *buf, int len)
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
    _exit(main());
}

/* The initial stack pointer, then reset, NMI, HardFault, MemManage,
 * BusFault, UsageFault, SecureFault (M33), reserved..., SVC, DebugMon,
 * reserved, PendSV, SysTick; MemManage, BusFault, UsageFault and SVC are
 * the port's (faults of user threads, the supervisor call gate). Then the
 * external interrupts 0-31, as many as the an385 has. Only line 31 is used: the
 * port's soft interrupt (SQ_PORT_SOFT_IRQ). HardFault, NMI, SecureFault and
 * the unused entries go to the port's fault report (squall/port_fault.h),
 * which names the exception and stops. */
struct vector_table {
    const void *initial_sp;
    void (*handlers[15])(void);
    void (*irqs[32])(void);
};

#define FAULT HardFault_Handler
#define FAULT4 FAULT, FAULT, FAULT, FAULT

__attribute__((section(".vectors"), used)) static const struct vector_table vectors = {
    .initial_sp = &__stack_top,
    .handlers = {sq_port_reset, FAULT, FAULT, MemManage_Handler, BusFault_Handler,
                 UsageFault_Handler, FAULT, 0, 0, 0, SVC_Handler, FAULT, 0,
                 PendSV_Handler, SysTick_Handler},
    .irqs = {FAULT4, FAULT4, FAULT4, FAULT4, FAULT4, FAULT4, FAULT4,
             FAULT, FAULT, FAULT, SquallSoft_IRQHandler},
};
