/*
 * The Cortex-M port's fault report (squall/port_fault.h; QEMU images
 * only): a privileged thread faults, and a hook that replaces the default
 * one checks the report and the text sq_fault_format makes of it, then
 * ends the run with the verdict. ARMv8-M Mainline: the thread recurses
 * past its stack's bottom, which PSPLIM stops ("stack overflow in thread
 * ..."). ARMv7-M: the thread loads from an address nothing answers (a
 * precise BusFault, with the address). Built with SQ_FAULT_DEFAULT_HOOK
 * (the fault_default_hook image, target.cmake) it keeps the port's own
 * hook, which prints the report before the board stops.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/port_fault.h>
#include <squall/thread.h>

#if !defined(SQ_TEST_TARGET)
#error "test_fault.c runs on the Cortex-M port only (port/cortex-m/target.cmake)"
#endif

void _exit(int status) __attribute__((noreturn));

#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
#define OVERFLOW 1
#else
#define OVERFLOW 0
/* Nothing answers here on the QEMU boards (as in test_isolation.c). */
#define BUS_HOLE 0x61000000u
#endif

SQ_THREAD_DEFINE(victim, 1024);
static volatile uint32_t sink;

#if !defined(SQ_FAULT_DEFAULT_HOOK)
static bool failed;
static void check(bool ok, const char *what)
{
    if (!ok) {
        printf("FAIL %s\n", what);
        failed = true;
    }
}

static bool has(const char *text, const char *part)
{
    return strstr(text, part) != NULL;
}

/* Replaces the port's default (weak) hook. */
void sq_fault_hook(const sq_fault_report_t *r)
{
    static char text[384];
    char want[96];
    size_t len = sq_fault_format(r, text, sizeof text);
    printf("fault report:\n%s", text);
    check(len == strlen(text) && len > 0u, "the length returned is the text's");
    check(r->thread == &victim, "the report names the faulting thread");
#if OVERFLOW
    check(r->stack_overflow, "a stack overflow");
    check(r->exception == 6u, "reported by the UsageFault");
    check((r->cfsr & (1u << 20)) != 0u, "CFSR.STKOF");
    snprintf(want, sizeof want, "stack overflow in thread 0x%08lx (UsageFault)\n",
             (unsigned long)(uintptr_t)&victim);
    check(strncmp(text, want, strlen(want)) == 0, "first line: stack overflow in <thread>");
    check(has(text, "STKOF"), "STKOF decoded");
    check(has(text, "no frame stacked"), "no frame after a stack limit violation");
#else
    check(!r->stack_overflow, "not a stack overflow");
    check(r->exception == 5u, "reported by the BusFault");
    check(r->frame_valid && r->pc != 0u, "the frame was stacked");
    check(r->bfar == BUS_HOLE, "BFAR is the refused address");
    snprintf(want, sizeof want, "BusFault in thread 0x%08lx\n", (unsigned long)(uintptr_t)&victim);
    check(strncmp(text, want, strlen(want)) == 0, "first line: BusFault in <thread>");
    snprintf(want, sizeof want, "  PC 0x%08lx  LR 0x%08lx", (unsigned long)r->pc,
             (unsigned long)r->lr);
    check(has(text, want), "PC and LR");
    check(has(text, "PRECISERR BFARVALID"), "BFSR decoded");
    check(has(text, "  BFAR 0x61000000\n"), "BFAR printed");
#endif
    /* Cut short, still terminated. */
    char small[8];
    check(sq_fault_format(r, small, sizeof small) == 7u && small[7] == '\0', "cut short");
    printf("%d passed, %d failed\n", failed ? 0 : 1, failed ? 1 : 0);
    _exit(failed ? 1 : 0);
}
#endif

#if OVERFLOW
/* Deep enough to pass any stack; not a tail call (the add after it), and
 * its frame is real (the volatile array). */
__attribute__((noinline)) static uint32_t recurse(uint32_t depth)
{
    volatile uint32_t pad[16];
    pad[0] = depth;
    if (depth > 1000000u) {
        return pad[0];
    }
    return recurse(depth + 1u) + pad[0];
}
#endif

static void victim_entry(void *arg)
{
    (void)arg;
#if OVERFLOW
    sink = recurse(0u);
#else
    sink = *(volatile const uint32_t *)BUS_HOLE;
#endif
}

int main(void)
{
    if (sq_kernel_init() != SQ_OK || sq_thread_start(&victim, victim_entry, NULL, 1u, 0u) != SQ_OK) {
        printf("FAIL set-up\n");
        return 1;
    }
    (void)sq_kernel_run();
    printf("FAIL the fault was not reported\n");
    return 1;
}
