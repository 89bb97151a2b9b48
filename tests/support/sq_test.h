/*
 * The one test vocabulary for host and target.
 *
 * A test is `static void name(void **state)`. On the host (default) the
 * macros map onto cmocka and SQ_TEST_MAIN runs the list with
 * cmocka_run_group_tests, so CTest sees cmocka's verdicts. Built with
 * SQ_TEST_TARGET (the Cortex-M images under QEMU), a failed check prints
 * file:line and returns from the test, and SQ_TEST_MAIN prints
 * "N passed, N failed" and returns non-zero on any failure.
 */
#ifndef SQUALL_TEST_H
#define SQUALL_TEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#if !defined(SQ_TEST_TARGET)

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#define SQ_CHECK(cond) assert_true(cond)
#define SQ_CHECK_EQ(a, b) assert_int_equal((a), (b))
#define SQ_CHECK_MEM_EQ(a, b, n) assert_memory_equal((a), (b), (n))
#define SQ_TEST(fn) cmocka_unit_test(fn)
#define SQ_TEST_MAIN(...)                                                     \
    int main(void)                                                            \
    {                                                                         \
        const struct CMUnitTest sq_tests_[] = {__VA_ARGS__};                  \
        return cmocka_run_group_tests(sq_tests_, NULL, NULL);                 \
    }

#else /* SQ_TEST_TARGET */

#include <string.h>

struct sq_test_case {
    const char *name;
    void (*fn)(void **state);
};

/* Set by a failed check; the running test returns at once. */
extern int sq_test_failed_;

#define SQ_FAIL_AT_(text)                                                     \
    do {                                                                      \
        printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, (text));               \
        sq_test_failed_ = 1;                                                  \
        return;                                                               \
    } while (0)
#define SQ_CHECK(cond)                                                        \
    do { if (!(cond)) SQ_FAIL_AT_(#cond); } while (0)
#define SQ_CHECK_EQ(a, b)                                                     \
    do { if ((long long)(a) != (long long)(b)) SQ_FAIL_AT_(#a " == " #b); } while (0)
#define SQ_CHECK_MEM_EQ(a, b, n)                                              \
    do { if (memcmp((a), (b), (n)) != 0) SQ_FAIL_AT_("memory " #a " == " #b); } while (0)
#define SQ_TEST(fn) {#fn, fn}
#define SQ_TEST_MAIN(...)                                                     \
    int sq_test_failed_;                                                      \
    int main(void)                                                            \
    {                                                                         \
        static const struct sq_test_case sq_tests_[] = {__VA_ARGS__};         \
        unsigned passed = 0, failed = 0;                                      \
        for (size_t i = 0; i < sizeof sq_tests_ / sizeof sq_tests_[0]; i++) { \
            sq_test_failed_ = 0;                                              \
            sq_tests_[i].fn(NULL);                                            \
            if (sq_test_failed_) {                                            \
                printf("FAILED %s\n", sq_tests_[i].name);                     \
                failed++;                                                     \
            } else {                                                          \
                passed++;                                                     \
            }                                                                 \
        }                                                                     \
        printf("%u passed, %u failed\n", passed, failed);                     \
        return failed == 0 ? 0 : 1;                                           \
    }

#endif /* SQ_TEST_TARGET */

#endif /* SQUALL_TEST_H */
