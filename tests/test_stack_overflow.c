/*
 * A privileged thread overflows its stack and the port reports it, as a
 * stack overflow of that thread, before anything below the stack is
 * written (QEMU images only; docs/PORTING.md, "Stack overflow"). The stack
 * sits right above a canary and is deliberately not 32-byte aligned (8
 * modulo 32), so that the guard (ARMv7-M) starts above the bottom; the
 * hook checks that the canary and the bytes below the guard still hold
 * what they held.
 *
 * Two ways in:
 *   - the thread recurses (frames of at most 32 bytes between two stores,
 *     the guard's size): on ARMv7-M the first store into the guard faults
 *     (MemManage), on ARMv8-M Mainline the stack pointer's move below
 *     PSPLIM (UsageFault STKOF);
 *   - built with SQ_OVERFLOW_AT_SWITCH, the thread moves its stack pointer
 *     to a few bytes above the floor and requests a switch: the hardware
 *     frame fits, the registers the switch saves below it would not, and
 *     the switch reports it (from PendSV) instead of writing them.
 * On ARMv7-M built without a guard (SQUALL_PORT_STACK_GUARD=0) nothing
 * faults as the stack runs out, so the first way in is replaced: the
 * thread writes its stack's bottom word (as a call chain that reached it
 * would) and requests a switch, which finds the fill pattern gone.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/port_fault.h>
#include <squall/thread.h>

#if !defined(SQ_TEST_TARGET)
#error "test_stack_overflow.c runs on the Cortex-M port only (port/cortex-m/target.cmake)"
#endif

void _exit(int status) __attribute__((noreturn));

#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
#define PSPLIM 1
#define GUARD 0u /* PSPLIM: the floor is the stack's bottom */
#elif defined(SQ_PORT_STACK_GUARD)
#define PSPLIM 0
#define GUARD SQ_PORT_STACK_GUARD /* the library's configuration (PUBLIC) */
#else
#define PSPLIM 0
#define GUARD 32u /* SQ_PORT_STACK_GUARD's default */
#endif

/* Nothing faults when the stack runs out on ARMv7-M without a guard: only
 * the switch can tell, from the saved registers' place or the bottom
 * word's fill pattern, so both ways in end in PendSV's report. */
#if defined(SQ_OVERFLOW_AT_SWITCH) || (GUARD == 0u && !PSPLIM)
#define AT_SWITCH 1
#else
#define AT_SWITCH 0
#endif

#define CANARY 0x5a17c0deu
#define STACK_BYTES 1024u

/* The canary right below the stack; 72 bytes of it put the stack at 8
 * modulo 32. */
static struct {
    uint32_t canary[18];
    uint64_t stack[STACK_BYTES / 8u];
} __attribute__((aligned(32))) mem;

sq_thread_t victim = {.stack = (uint8_t *)mem.stack, .stack_size = sizeof mem.stack};

static bool failed;
static void check(bool ok, const char *what)
{
    if (!ok) {
        printf("FAIL %s\n", what);
        failed = true;
    }
}

/* The guard's base: the stack's bottom rounded up to the guard's size. */
static uintptr_t guard_base(void)
{
    uintptr_t lo = (uintptr_t)mem.stack;
    return GUARD == 0u ? lo : (lo + GUARD - 1u) & ~(uintptr_t)(GUARD - 1u);
}

/* Replaces the port's default (weak) hook. */
void sq_fault_hook(const sq_fault_report_t *r)
{
    static char text[384];
    char want[96];
    (void)sq_fault_format(r, text, sizeof text);
    printf("fault report:\n%s", text);
    check(r->thread == &victim, "the report names the overflowing thread");
    check(r->stack_overflow, "a stack overflow");
    bool intact = true;
    for (size_t i = 0u; i < sizeof mem.canary / sizeof mem.canary[0]; i++) {
        intact = intact && mem.canary[i] == CANARY;
    }
    check(intact, "the canary below the stack is intact");
    const uint8_t *bottom = (const uint8_t *)mem.stack;
    size_t below_guard = guard_base() - (uintptr_t)mem.stack;
    bool filled = true;
    for (size_t i = 0u; i < below_guard; i++) {
        filled = filled && bottom[i] == 0xa5u;
    }
    check(filled, "the stack's bytes below the guard hold the fill pattern");
#if AT_SWITCH
    check(r->exception == 14u, "caught by the switch (PendSV)");
    check(r->frame_valid, "the frame was stacked");
    snprintf(want, sizeof want, "stack overflow in thread 0x%08lx (PendSV)\n",
             (unsigned long)(uintptr_t)&victim);
#elif PSPLIM
    check(r->exception == 6u && (r->cfsr & (1u << 20)) != 0u, "UsageFault STKOF");
    snprintf(want, sizeof want, "stack overflow in thread 0x%08lx (UsageFault)\n",
             (unsigned long)(uintptr_t)&victim);
#else
    check(r->exception == 4u, "reported by the MemManage fault");
    check((r->cfsr & 0x12u) != 0u, "DACCVIOL or MSTKERR");
    check((r->cfsr & 0x80u) == 0u || (r->mmfar >= guard_base() && r->mmfar < guard_base() + GUARD),
          "MMFAR, when valid, lies in the guard");
    snprintf(want, sizeof want, "stack overflow in thread 0x%08lx (MemManage fault)\n",
             (unsigned long)(uintptr_t)&victim);
#endif
    check(strncmp(text, want, strlen(want)) == 0, "first line: stack overflow in <thread>");
    printf("%d passed, %d failed\n", failed ? 0 : 1, failed ? 1 : 0);
    _exit(failed ? 1 : 0);
}

#if !AT_SWITCH
static volatile uint32_t sink;

/* Not a tail call (the add after it); a real frame (the volatile array),
 * small enough that consecutive stores stay within the guard's 32 bytes. */
__attribute__((noinline)) static uint32_t recurse(uint32_t depth)
{
    volatile uint32_t pad[2];
    pad[0] = depth;
    pad[1] = depth;
    if (depth > 1000000u) {
        return pad[0];
    }
    return recurse(depth + 1u) + pad[1];
}
#endif

static void victim_entry(void *arg)
{
    (void)arg;
#if defined(SQ_OVERFLOW_AT_SWITCH)
    /* The stack pointer 40 bytes above the floor (the guard's top, or the
     * bottom under PSPLIM), then PendSV: its 32-byte frame fits, the 36
     * bytes the switch saves below it do not. */
    uintptr_t sp = guard_base() + GUARD + 40u;
    __asm__ volatile("mov  sp, %0           \n\t"
                     "str  %2, [%1]         \n\t"
                     "dsb                   \n\t"
                     "isb                   \n\t"
                     "1: b 1b"
                     :
                     : "r"(sp), "r"(0xe000ed04u), "r"(1u << 28)
                     : "memory");
#elif AT_SWITCH
    /* No guard on ARMv7-M: a call chain that reached the stack's bottom
     * word (written here) is caught when the thread is switched out. */
    mem.stack[0] = 0u;
    __asm__ volatile("str  %1, [%0]         \n\t"
                     "dsb                   \n\t"
                     "isb                   \n\t"
                     "1: b 1b"
                     :
                     : "r"(0xe000ed04u), "r"(1u << 28)
                     : "memory");
#else
    sink = recurse(0u);
#endif
}

int main(void)
{
    for (size_t i = 0u; i < sizeof mem.canary / sizeof mem.canary[0]; i++) {
        mem.canary[i] = CANARY;
    }
    if (sq_kernel_init() != SQ_OK || sq_thread_start(&victim, victim_entry, NULL, 1u, 0u) != SQ_OK) {
        printf("FAIL set-up\n");
        return 1;
    }
    (void)sq_kernel_run();
    printf("FAIL the overflow was not reported\n");
    return 1;
}
