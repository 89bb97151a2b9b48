/*
 * Instruction counts of the waitable set (the event aggregator) on the
 * host, on bench/null_port.c: run by bench/run.sh under `valgrind
 * --tool=callgrind --toggle-collect=<fn>`, so only what <fn> executes is
 * counted. The set has <members> joined waitables; each step posts an
 * event on one of them (a different one each time, spread over the set)
 * and takes it out again, so exactly one event is pending when it is
 * taken:
 *
 *   poll   counts sq_waitable_set_poll (one pending)
 *   wait   counts sq_waitable_set_wait (one pending: it returns at once)
 *   post   counts sq_waitable_post (nobody waiting)
 *
 * Each mode makes exactly OPS calls of its function. The point is that
 * none of them grows with <members>.
 *
 * Usage: tasks_host_bench poll|wait|post <members>, members 1 .. MAX.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <squall/kernel.h>
#include <squall/waitable_set.h>

#define OPS 100000u
#define MAX 1024u

enum mode { POLL, WAIT, POST, MODES };
static const char *const mode_names[MODES] = {"poll", "wait", "post"};

SQ_WAITABLE_SET_DEFINE(set, MAX);
static sq_waitable_t members[MAX];
static enum mode mode;
static uint32_t n_members;

static void fail(const char *what)
{
    fprintf(stderr, "tasks_host_bench: %s\n", what);
    exit(1);
}

/* Runs as the idle thread (null port): nothing here blocks. */
void bench_script(void);
void bench_script(void)
{
    for (uint32_t i = 0; i < n_members; i++) {
        if (sq_waitable_init(&members[i]) != SQ_OK || sq_waitable_join(&members[i], &set, i + 1u) != SQ_OK) {
            fail("join");
        }
    }
    for (uint32_t i = 0; i < OPS; i++) {
        /* 7919 is prime, so the posts visit every member. */
        uint32_t k = (i * 7919u) % n_members;
        sq_wait_event_t ev;
        sq_status_t st;
        if (sq_waitable_post(&members[k], SQ_WAIT_EVENT_STREAM_READ, i) != SQ_OK) {
            fail("post");
        }
        st = mode == WAIT ? sq_waitable_set_wait(&set, &ev, SQ_FOREVER) : sq_waitable_set_poll(&set, &ev);
        if (st != SQ_OK || ev.code != SQ_WAIT_EVENT_STREAM_READ || ev.join_id != k + 1u || ev.payload != i) {
            fail("delivery");
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: tasks_host_bench poll|wait|post <members>\n");
        return 2;
    }
    mode = MODES;
    for (int m = 0; m < MODES; m++) {
        if (strcmp(argv[1], mode_names[m]) == 0) {
            mode = (enum mode)m;
        }
    }
    n_members = (uint32_t)strtoul(argv[2], NULL, 10);
    if (mode == MODES || n_members < 1u || n_members > MAX) {
        fprintf(stderr, "tasks_host_bench: unknown mode or member count out of range\n");
        return 2;
    }
    if (sq_kernel_init() != SQ_OK || sq_kernel_run() != SQ_OK) {
        fail("kernel run");
    }
    printf("%s %u members: %u calls\n", mode_names[mode], (unsigned)n_members, OPS);
    return 0;
}
