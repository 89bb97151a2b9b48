/*
 * Floating point across preemption (target images; docs/PORTING.md): two
 * threads at different priorities doing float work, the higher one waking
 * every tick and preempting the lower one in the middle of it, once with
 * a tick interrupt that uses the FPU as well and once without. Each
 * result must be bit for bit what the same code computed with nothing
 * running in between.
 *
 * With an FPU (-mfloat-abi=hard or softfp) each side also loads all of
 * s0-s31 and its own FPSCR rounding mode, spins (the higher one also
 * sleeps holding s16-s31), and reads them back unchanged; and the port's saved EXC_RETURN shows the lower thread
 * switched out with an FP context and a thread that never used the FPU
 * without one (it pays for no FP save). On a soft-float core only the
 * float results are checked. On QEMU the lower thread also runs as a
 * user thread in a memory domain.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/mem_domain.h>
#include <squall/thread.h>
#include <squall/timer.h>

#include "sq_test.h"

enum {
    ROUNDS = 40,           /* wake-ups of the higher thread per run */
    HOLD_SPINS = 200000,   /* the lower thread's window with live registers */
    SHORT_SPINS = 100,
    WORK_STEPS = 500,
    FPSCR_WORD = 32,       /* s0-s31, then FPSCR */
    STATE_WORDS = 33,
};

SQ_THREAD_DEFINE(th_low, 2048);
/* The lower thread as a user thread (QEMU only): its stack one MPU region,
 * its domain the shared state below. */
SQ_USER_THREAD_DEFINE(th_user_low, 2048);
static SQ_MEM_DOMAIN_DEFINE(low_domain);
SQ_THREAD_DEFINE(th_high, 2048);
SQ_THREAD_DEFINE(th_plain, 1024);

/* What the lower thread touches besides its stack, in one MPU region. */
static _Alignas(64) union {
    struct {
        volatile bool low_inside; /* the lower thread is in its register hold */
        volatile bool high_done;
        volatile uint32_t errors;
        float expect_long, expect_short;
        volatile bool user_started_clean; /* its first FP read saw zeros */
    } s;
    char region[64];
} shared;
#define low_inside shared.s.low_inside
#define high_done shared.s.high_done
#define errors shared.s.errors
#define expect_long shared.s.expect_long
#define expect_short shared.s.expect_short
static sq_thread_t *low; /* th_low or th_user_low */
static volatile uint32_t high_saw_inside; /* wake-ups that preempted the hold */
static volatile uint32_t isr_runs, isr_saw_inside;
static volatile uint32_t low_ctx_fp, plain_ctx_std; /* saved EXC_RETURNs as expected */
static volatile uint32_t plain_wakes;

/* Deterministic float work: rounding at every step, so a single lost or
 * changed register or rounding mode changes the result. */
static float work(float x, uint32_t steps)
{
    for (uint32_t i = 0; i < steps; i++) {
        x = x * 1.000173f + 0.25f;
        if (x > 1000.0f) {
            x = x / 3.0f;
        }
    }
    return x;
}

static void fill(uint32_t state[STATE_WORDS], uint32_t seed)
{
    for (uint32_t i = 0; i < FPSCR_WORD; i++) {
        state[i] = (seed + i) * 0x01000193u;
    }
    /* A rounding mode per side (FPSCR bits 23:22): nearest, +inf, -inf,
     * zero. */
    state[FPSCR_WORD] = (seed & 3u) << 22;
}

#if defined(__ARM_FP)
#define FPSCR_RMODE (3u << 22)
/* Load s0-s31 and FPSCR from `in`, spin, store them to `out`; FPSCR is
 * the caller's again afterwards. */
static void hold(const uint32_t in[STATE_WORDS], uint32_t out[STATE_WORDS], uint32_t spins)
{
    uint32_t saved;
    __asm__ volatile("vmrs   %[saved], fpscr          \n\t"
                     "ldr    r12, [%[in], #128]       \n\t"
                     "vmsr   fpscr, r12               \n\t"
                     "vldmia %[in], {s0-s31}          \n\t"
                     "1: subs %[n], %[n], #1          \n\t"
                     "bne    1b                       \n\t"
                     "vstmia %[out], {s0-s31}         \n\t"
                     "vmrs   r12, fpscr               \n\t"
                     "str    r12, [%[out], #128]      \n\t"
                     "vmsr   fpscr, %[saved]"
                     : [saved] "=&r"(saved), [n] "+r"(spins)
                     : [in] "r"(in), [out] "r"(out)
                     : "r12", "cc", "memory", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7",
                       "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17",
                       "s18", "s19", "s20", "s21", "s22", "s23", "s24", "s25", "s26", "s27",
                       "s28", "s29", "s30", "s31");
}

static bool held(const uint32_t in[STATE_WORDS], const uint32_t out[STATE_WORDS])
{
    return memcmp(in, out, FPSCR_WORD * 4u) == 0 &&
           (out[FPSCR_WORD] & FPSCR_RMODE) == in[FPSCR_WORD];
}

/* Load s16-s31 and FPSCR's rounding mode from `in`, sleep a tick (the
 * AAPCS keeps both across a call, so only a switch that loses them can
 * change them), store them to `out`: the other threads run on the FPU
 * meanwhile. */
static void sleep_holding(const uint32_t in[STATE_WORDS], uint32_t out[STATE_WORDS])
{
    uint32_t saved;
    __asm__ volatile("vmrs   %[saved], fpscr          \n\t"
                     "ldr    r0, [%[in], #128]        \n\t"
                     "vmsr   fpscr, r0                \n\t"
                     "add    r0, %[in], #64           \n\t"
                     "vldmia r0, {s16-s31}            \n\t"
                     "movs   r0, #1                   \n\t"
                     "bl     sq_thread_sleep          \n\t"
                     "add    r0, %[out], #64          \n\t"
                     "vstmia r0, {s16-s31}            \n\t"
                     "vmrs   r0, fpscr                \n\t"
                     "str    r0, [%[out], #128]       \n\t"
                     "vmsr   fpscr, %[saved]"
                     : [saved] "=&r"(saved)
                     : [in] "r"(in), [out] "r"(out)
                     : "r0", "r1", "r2", "r3", "r12", "lr", "cc", "memory", "s0", "s1", "s2",
                       "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13",
                       "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23",
                       "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31");
    memcpy(out, in, 16u * 4u); /* s0-s15 are the call's to clobber */
}
#else
/* No FP registers: only the float results are checked. */
static void hold(const uint32_t in[STATE_WORDS], uint32_t out[STATE_WORDS], uint32_t spins)
{
    for (volatile uint32_t n = spins; n != 0u; n--) {
    }
    memcpy(out, in, STATE_WORDS * 4u);
}

static bool held(const uint32_t in[STATE_WORDS], const uint32_t out[STATE_WORDS])
{
    return memcmp(in, out, STATE_WORDS * 4u) == 0;
}

static void sleep_holding(const uint32_t in[STATE_WORDS], uint32_t out[STATE_WORDS])
{
    (void)sq_thread_sleep(1u);
    memcpy(out, in, STATE_WORDS * 4u);
}
#endif

/* EXC_RETURN as the Cortex-M port saved it for switched-out thread `t`
 * (the ninth word at context[0]): bit 4 clear means an FP context. */
#if defined(SQ_TEST_TARGET) && defined(__ARM_FP)
#define CHECK_SAVED_CONTEXT 1
static bool saved_with_fp(const sq_thread_t *t)
{
    return (((const uint32_t *)t->context[0])[8] & (1u << 4)) == 0u;
}
#else
#define CHECK_SAVED_CONTEXT 0
#endif

static void note(bool ok)
{
    if (!ok) {
        errors++;
    }
}

#if defined(SQ_TEST_TARGET) && defined(__ARM_FP)
/* s0-s31 and FPSCR as the caller finds them. */
static void read_fp(uint32_t out[STATE_WORDS])
{
    __asm__ volatile("vstmia %0, {s0-s31}  \n\t"
                     "vmrs   r12, fpscr    \n\t"
                     "str    r12, [%0, #128]"
                     :
                     : "r"(out)
                     : "r12", "memory");
}
#endif

static void low_entry(void *arg);

/* The user thread's entry: its first FP instruction reads the registers,
 * which must be its own zeros, not what the higher thread left in s16-s31
 * when it last switched out. */
static void user_low_entry(void *arg)
{
#if defined(SQ_TEST_TARGET) && defined(__ARM_FP)
    uint32_t regs[STATE_WORDS];
    read_fp(regs);
    bool clean = true;
    for (uint32_t i = 0; i < FPSCR_WORD; i++) {
        clean = clean && regs[i] == 0u;
    }
    shared.s.user_started_clean = clean;
#else
    shared.s.user_started_clean = true;
#endif
    low_entry(arg);
}

static void low_entry(void *arg)
{
    (void)arg;
    uint32_t in[STATE_WORDS], out[STATE_WORDS];
#if CHECK_SAVED_CONTEXT
    /* An FP context before the first low_inside: a privileged thread gets
     * one at its first FP instruction, and a switch between round 0's
     * low_inside and hold's first one would find none (low_ctx_fp one
     * short, seen once in about 60 runs on a loaded host). */
    read_fp(in);
#endif
    for (uint32_t round = 0; !high_done; round++) {
        fill(in, 0xa000u + round);
        low_inside = true;
        hold(in, out, HOLD_SPINS);
        low_inside = false;
        note(held(in, out));
        note(work(1.5f, WORK_STEPS) == expect_long);
    }
}

static void high_entry(void *arg)
{
    (void)arg;
    uint32_t in[STATE_WORDS], out[STATE_WORDS];
    for (uint32_t round = 0; round < ROUNDS; round++) {
        fill(in, 0xb001u + round);
        sleep_holding(in, out);
        note(held(in, out));
        if (low_inside) {
            high_saw_inside++;
#if CHECK_SAVED_CONTEXT
            /* Switched out in the middle of its FP work. */
            if (saved_with_fp(low)) {
                low_ctx_fp++;
            }
#endif
        }
#if CHECK_SAVED_CONTEXT
        if (!saved_with_fp(&th_plain)) {
            plain_ctx_std++;
        }
#endif
        fill(in, 0xb001u + round);
        hold(in, out, SHORT_SPINS);
        note(held(in, out));
        note(work(2.5f, WORK_STEPS / 10u) == expect_short);
    }
    high_done = true;
}

/* Integer only: never touches the FPU. */
static void plain_entry(void *arg)
{
    (void)arg;
    while (!high_done) {
        (void)sq_thread_sleep(1u);
        plain_wakes++;
    }
}

/* In the tick interrupt: its own registers and rounding mode, and float
 * work, on top of whichever thread it interrupted. */
static void isr_expiry(sq_timer_t *timer)
{
    (void)timer;
    uint32_t in[STATE_WORDS], out[STATE_WORDS];
    if (low_inside) {
        isr_saw_inside++;
    }
    fill(in, 0xc002u + isr_runs);
    hold(in, out, SHORT_SPINS);
    note(held(in, out));
    note(work(2.5f, WORK_STEPS / 10u) == expect_short);
    isr_runs++;
}

static SQ_TIMER_DEFINE(isr_timer, isr_expiry, NULL);

static void run(bool fp_isr, bool user)
{
    /* The reference results, with nothing in between (volatile inputs:
     * computed at run time by the same code). */
    volatile float long_in = 1.5f, short_in = 2.5f;
    expect_long = work(long_in, WORK_STEPS);
    expect_short = work(short_in, WORK_STEPS / 10u);
    low_inside = false;
    high_done = false;
    errors = 0u;
    high_saw_inside = isr_runs = isr_saw_inside = 0u;
    low_ctx_fp = plain_ctx_std = plain_wakes = 0u;

    (void)sq_kernel_init();
    low = &th_low;
    if (user) {
        sq_mem_partition_t part = SQ_MEM_PARTITION(&shared, sizeof shared, SQ_MEM_RW);
        (void)sq_mem_domain_init(&low_domain, SQ_MEM_RULE_DEFAULT);
        (void)sq_mem_domain_add(&low_domain, &part);
        (void)sq_mem_domain_add_thread(&low_domain, &th_user_low);
        low = &th_user_low;
    }
    shared.s.user_started_clean = false;
    (void)sq_thread_start(low, user ? user_low_entry : low_entry, NULL, 5u,
                          user ? SQ_THREAD_USER : 0u);
    (void)sq_thread_start(&th_high, high_entry, NULL, 1u, 0u);
    (void)sq_thread_start(&th_plain, plain_entry, NULL, 3u, 0u);
    if (fp_isr) {
        (void)sq_timer_init(&isr_timer, isr_expiry, NULL);
        (void)sq_timer_start(&isr_timer, 1u, 1u);
    }
    (void)sq_kernel_run();
}

static void check_run(bool fp_isr)
{
    SQ_CHECK_EQ(errors, 0u);
    /* Most wake-ups land in the lower thread's hold, which is nearly all
     * of its time: real preemption of live FP state. */
    SQ_CHECK(high_saw_inside >= ROUNDS / 2u);
    SQ_CHECK(plain_wakes > 0u);
#if CHECK_SAVED_CONTEXT
    SQ_CHECK_EQ(low_ctx_fp, high_saw_inside);
    SQ_CHECK_EQ(plain_ctx_std, ROUNDS);
#endif
    if (fp_isr) {
        SQ_CHECK(isr_runs >= ROUNDS);
        SQ_CHECK(isr_saw_inside >= ROUNDS / 2u);
    }
}

static void fp_threads_preempt(void **state)
{
    (void)state;
    run(false, false);
    check_run(false);
}

static void fp_threads_preempt_with_fp_interrupt(void **state)
{
    (void)state;
    run(true, false);
    check_run(true);
}

#if defined(SQ_TEST_TARGET)
/* The lower thread unprivileged, in its memory domain: its lazily
 * reserved FP frame must be written while its own MPU view is still
 * loaded (the switch to the privileged higher thread turns it off).
 * No FP interrupt here: one would write the frame before the switch. */
static void fp_user_thread_preempted(void **state)
{
    (void)state;
    run(false, true);
    check_run(false);
    SQ_CHECK_EQ(sq_thread_state(&th_user_low), SQ_THREAD_DEAD);
    sq_fault_t cause = SQ_FAULT_NONE;
    uintptr_t addr = 0u;
    SQ_CHECK(shared.s.user_started_clean);
    /* Ended by returning, not by a fault. */
    SQ_CHECK_EQ(sq_thread_fault(&th_user_low, &cause, &addr), SQ_ERR_NOT_FOUND);
}
#define TARGET_TESTS , SQ_TEST(fp_user_thread_preempted)
#else
#define TARGET_TESTS
#endif

SQ_TEST_MAIN(SQ_TEST(fp_threads_preempt),
             SQ_TEST(fp_threads_preempt_with_fp_interrupt) TARGET_TESTS)
