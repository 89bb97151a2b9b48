/*
 * Fault reports of the Cortex-M port (port/cortex-m; docs/PORTING.md).
 *
 * A fault the port cannot pin on a user thread (which it ends instead,
 * sq_thread_fault) stops the board: a HardFault, NMI or unexpected
 * interrupt, or a MemManage, BusFault or UsageFault in privileged code.
 * Before it stops, the port fills a sq_fault_report_t and calls
 * sq_fault_hook. The default hook (a weak symbol: define your own to
 * replace it) writes sq_fault_format's text to the board's console; when
 * the hook returns, the port stops the board (sq_port_fatal). A hook may
 * also reset the chip, or log and spin; it runs in the fault handler, so
 * it must not call the kernel.
 *
 * Stack overflow: on ARMv8-M Mainline every thread's PSPLIM is its stack's
 * bottom, so an overflow faults at once (UsageFault STKOF) and is reported
 * as "stack overflow in thread ...". ARMv7-M has no stack limit register:
 * an overflow there writes below the stack unnoticed until something
 * faults; the report then says "stack overflow" when the thread's stack
 * pointer lies at or below its stack's bottom or the bottom word no longer
 * holds the port's fill pattern.
 */
#ifndef SQUALL_PORT_FAULT_H
#define SQUALL_PORT_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <squall/kernel.h>

typedef struct sq_fault_report {
    /** Exception number (IPSR): 2 NMI, 3 HardFault, 4 MemManage, 5
     *  BusFault, 6 UsageFault, 7 SecureFault, 16 + n interrupt line n. */
    uint32_t exception;
    /** The thread that was running, NULL if the fault interrupted a
     *  handler (or code running before the kernel, on MSP). */
    const sq_thread_t *thread;
    /** The fault is (most likely) the thread's stack overflowing. */
    bool stack_overflow;
    /** The exception frame was stacked: pc, lr and xpsr are the faulting
     *  code's (not after a stacking fault or a stack limit violation). */
    bool frame_valid;
    uint32_t pc, lr, xpsr;
    /** Where the frame was (the stack pointer at the fault) and how the
     *  exception entered (EXC_RETURN). */
    uint32_t sp, exc_return;
    /** Fault status: CFSR (MMFSR, BFSR, UFSR), HFSR, and the fault address
     *  registers, meaningful when CFSR's MMARVALID and BFARVALID say so. */
    uint32_t cfsr, hfsr, mmfar, bfar;
} sq_fault_report_t;

/** Called once per fatal fault, in the fault handler; the default writes
 *  sq_fault_format's text to the console. Weak: an application's own
 *  definition replaces it. If it returns, the board stops. */
void sq_fault_hook(const sq_fault_report_t *report);

/**
 * The report as text into `buf` (`size` bytes, NUL-terminated, cut short
 * if it does not fit): a first line "<exception> in thread 0x<address>"
 * (or "in a handler"), or "stack overflow in thread 0x<address>", then
 * PC, LR, xPSR and SP, then CFSR and HFSR with the name of each bit set,
 * and MMFAR and BFAR when valid. Returns the length written. Uses no
 * library call but memcpy, so it is safe in a fault handler.
 */
size_t sq_fault_format(const sq_fault_report_t *report, char *buf, size_t size);

#endif /* SQUALL_PORT_FAULT_H */
