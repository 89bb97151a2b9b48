/*
 * sq_status_str: every status code from SQ_OK down has its own name,
 * "SQ_OK" or "SQ_ERR_...", and the first value below them, like any value
 * outside sq_status_t, is "unknown sq_status_t". (A value added to
 * sq_status_t without a string fails the build first: status.c's switch
 * has no default, under -Wswitch.)
 */
#include <string.h>
#include <squall/status.h>

#include "sq_test.h"

#define UNKNOWN "unknown sq_status_t"

static void every_value_has_its_own_name(void **state)
{
    (void)state;
    SQ_CHECK(strcmp(sq_status_str(SQ_OK), "SQ_OK") == 0);
    SQ_CHECK(strcmp(sq_status_str(SQ_ERR_TIMEOUT), "SQ_ERR_TIMEOUT") == 0);
    SQ_CHECK(strcmp(sq_status_str(SQ_ERR_UNSUPPORTED), "SQ_ERR_UNSUPPORTED") == 0);
    /* The codes are 0, -1, -2, ... without a gap: walk down to the first
     * value without a name. */
    int known = 0;
    while (strcmp(sq_status_str((sq_status_t)-known), UNKNOWN) != 0) {
        const char *name = sq_status_str((sq_status_t)-known);
        SQ_CHECK(strncmp(name, known == 0 ? "SQ_OK" : "SQ_ERR_", known == 0 ? 6u : 7u) == 0);
        for (int other = 0; other < known; other++) {
            SQ_CHECK(strcmp(name, sq_status_str((sq_status_t)-other)) != 0);
        }
        known++;
    }
    SQ_CHECK(known >= 1 - (int)SQ_ERR_UNSUPPORTED);
    SQ_CHECK(strcmp(sq_status_str((sq_status_t)1), UNKNOWN) == 0);
}

SQ_TEST_MAIN(SQ_TEST(every_value_has_its_own_name))
