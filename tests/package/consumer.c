/*
 * A program built against squall the three ways a project takes it
 * (tests/package/check.sh): add_subdirectory, find_package and pkg-config.
 * Its build gives it what it expects, independently of squall's build:
 * EXPECT_TICK_HZ and EXPECT_MAX_THREADS (the configuration the test chose)
 * and, on Cortex-M, EXPECT_CPU_HZ (the board's SysTick clock). It checks
 * that the configuration reached this code (the macros the package gives
 * it) and the library itself:
 * - the thread table: EXPECT_MAX_THREADS threads, the idle one included,
 *   start and one more is refused;
 * - the tick rate: on Cortex-M, the SysTick reload the port programmed is
 *   EXPECT_CPU_HZ / EXPECT_TICK_HZ - 1 (a library built for another clock
 *   or rate programs another); on the host, a sleep of 500 ms worth of
 *   ticks lasts at least 450 ms (125 ms if the library ticked at the
 *   default 1000 Hz; not the whole 500, as the host port's tick catches
 *   up after a late one).
 * Prints "package: ok" and returns 0, or names what differs and returns 1.
 */
#if !defined(__arm__)
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include <stdio.h>

#include <squall/thread.h>
#include <squall/time.h>

#if !defined(EXPECT_TICK_HZ) || !defined(EXPECT_MAX_THREADS)
#error "the build defines EXPECT_TICK_HZ and EXPECT_MAX_THREADS"
#endif
_Static_assert(SQ_CONFIG_TICK_HZ == EXPECT_TICK_HZ, "SQ_CONFIG_TICK_HZ did not reach the program");
_Static_assert(SQ_CONFIG_MAX_THREADS == EXPECT_MAX_THREADS,
               "SQ_CONFIG_MAX_THREADS did not reach the program");

#if defined(__arm__)
#if !defined(EXPECT_CPU_HZ)
#error "the build defines EXPECT_CPU_HZ"
#endif
/* SysTick's reload value register (ARMv7-M and ARMv8-M: SYST_RVR). */
#define SYST_RVR (*(volatile const uint32_t *)0xE000E014u)
#else
#include <time.h>
#endif

#define WORKERS (EXPECT_MAX_THREADS - 1)

static sq_thread_t threads[WORKERS + 1];
static uint64_t stacks[WORKERS + 1][1024 / 8];
static int failures;

static void fail(const char *what, unsigned long got, unsigned long want)
{
    printf("package: FAIL %s: %lu, expected %lu\n", what, got, want);
    failures++;
}

static void worker(void *arg)
{
    (void)arg;
}

/* Runs as the first thread, once the port has started the tick. */
static void check_tick(void *arg)
{
    (void)arg;
#if defined(__arm__)
    const uint32_t want = (uint32_t)(EXPECT_CPU_HZ / EXPECT_TICK_HZ - 1u);
    if (SYST_RVR != want) {
        fail("SysTick reload (the library's SQ_PORT_CPU_HZ / SQ_CONFIG_TICK_HZ - 1)", SYST_RVR,
             want);
    }
    /* And the tick runs. */
    const sq_tick_t before = sq_kernel_now();
    (void)sq_thread_sleep(sq_ms_to_ticks(20u));
    if (sq_kernel_now() - before < sq_ms_to_ticks(20u)) {
        fail("ticks slept", (unsigned long)(sq_kernel_now() - before), sq_ms_to_ticks(20u));
    }
#else
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    (void)sq_thread_sleep(sq_ms_to_ticks(500u));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const long long ms = (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000L;
    const long long least = 450;
    if (ms < least) {
        fail("ms slept for 500 ms of ticks (the library's SQ_CONFIG_TICK_HZ)", (unsigned long)ms,
             (unsigned long)least);
    }
#endif
}

int main(void)
{
    if (sq_kernel_init() != SQ_OK) {
        fail("sq_kernel_init", 1u, 0u);
        return 1;
    }
    for (int i = 0; i <= WORKERS; i++) {
        (void)sq_thread_init(&threads[i], stacks[i], sizeof stacks[i]);
    }
    /* The idle thread and WORKERS threads fill the library's table. */
    for (int i = 0; i < WORKERS; i++) {
        const sq_status_t s = sq_thread_start(&threads[i], i == 0 ? check_tick : worker, NULL, 1u, 0u);
        if (s != SQ_OK) {
            fail("threads started (the library's SQ_CONFIG_MAX_THREADS - 1)", (unsigned long)i,
                 (unsigned long)WORKERS);
            break;
        }
    }
    if (sq_thread_start(&threads[WORKERS], worker, NULL, 1u, 0u) != SQ_ERR_FULL) {
        fail("a thread past the library's SQ_CONFIG_MAX_THREADS refused", 0u, 1u);
    }
    if (sq_kernel_run() != SQ_OK) {
        fail("sq_kernel_run", 1u, 0u);
    }
    if (failures == 0) {
        printf("package: ok (%u Hz ticks, %u threads)\n", (unsigned)SQ_CONFIG_TICK_HZ,
               (unsigned)SQ_CONFIG_MAX_THREADS);
    }
    return failures == 0 ? 0 : 1;
}
