/*
 * libFuzzer harness: the kernel-call dispatcher's argument checks
 * (sq_syscall, src/isolation/syscall.c, user.h), as far as the host port
 * can run them: the port's supervisor-call gate is Cortex-M only, so the
 * calls are made as the gate makes them, by a kernel thread, here a user
 * thread or a privileged one, in the writer's domain, the reader's or
 * none.
 *
 * Each input builds a shared stream (attached or not, with some elements
 * published, or with impossible published indices), then runs one thread
 * through a sequence of calls with arbitrary numbers and arguments (the
 * stream id and role bit, or anything); timeouts and sleeps are kept to
 * 0 or 1 tick so every run ends. Each result must be the one user.h and
 * shared_stream_sys.h give: SQ_ERR_INVALID for an unknown number, an id
 * out of range, or a user thread calling for an end outside its domain;
 * SQ_ERR_DESTROYED for a stream not attached; SQ_ERR_CORRUPT for
 * impossible indices; a wait that is satisfied returns SQ_OK at once, one
 * that is not SQ_ERR_BUSY (no wait) or SQ_ERR_TIMEOUT. SQ_SYS_EXIT ends
 * the thread: nothing after it runs.
 */
#include <squall/kernel.h>
#include <squall/mem_domain.h>
#include <squall/shared_stream.h>
#include <squall/thread.h>
#include <squall/user.h>
#include "fuzz_common.h"

#define CAPACITY 4u
#define MAX_CALLS 64u

SQ_SHARED_STREAM_DEFINE(stream, uint32_t, CAPACITY);
static SQ_MEM_DOMAIN_DEFINE(dom_w);
static SQ_MEM_DOMAIN_DEFINE(dom_r);
SQ_USER_THREAD_DEFINE(worker, 1024u);

typedef struct {
    uint32_t nr, a0, a1;
    sq_status_t want[2]; /* either is right (a wait not satisfied) */
} call_t;

static call_t calls[MAX_CALLS];
static uint32_t n_calls;
static uint32_t done;      /* calls the worker made */
static bool after_exit;    /* the worker ran past SQ_SYS_EXIT */
static sq_status_t got[MAX_CALLS];

static void run_calls(void *arg)
{
    (void)arg;
    for (uint32_t i = 0u; i < n_calls; i++) {
        got[i] = sq_syscall(calls[i].nr, calls[i].a0, calls[i].a1);
        done = i + 1u;
        if (calls[i].nr == SQ_SYS_EXIT) {
            after_exit = true;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t in = {data, size};
    FZ_CHECK(sq_kernel_init() == SQ_OK);
    (void)sq_mem_domain_remove_thread(&worker);
    FZ_CHECK(sq_mem_domain_init(&dom_w, SQ_MEM_RULE_DEFAULT) == SQ_OK);
    FZ_CHECK(sq_mem_domain_init(&dom_r, SQ_MEM_RULE_DEFAULT) == SQ_OK);
    FZ_CHECK(sq_shared_stream_init(&stream, stream_data, sizeof stream_data, sizeof(uint32_t),
                                   &stream_windex, &stream_rindex) == SQ_OK);
    bool attached = fz_below(&in, 4u) != 0u;
    if (attached) {
        FZ_CHECK(sq_shared_stream_attach(&stream, &dom_w, &dom_r) == SQ_OK);
    }
    /* What the indices say: some elements published, or nonsense. (The
     * data region is rounded up to an MPU region: capacity is what init
     * made of it.) */
    uint32_t cap = stream.capacity;
    uint32_t used = fz_below(&in, cap + 1u);
    bool corrupt = fz_below(&in, 8u) == 0u;
    stream_rindex.value = 0u;
    stream_windex.value = corrupt ? 2u * cap + fz_below(&in, 100u) : used;
    bool user = fz_below(&in, 4u) != 0u;
    uint32_t where = fz_below(&in, 3u); /* 0: no domain, 1: writer's, 2: reader's */
    if (where != 0u) {
        FZ_CHECK(sq_mem_domain_add_thread(where == 1u ? &dom_w : &dom_r, &worker) == SQ_OK);
    }

    n_calls = 0u;
    while (fz_more(&in) && n_calls < MAX_CALLS) {
        call_t *c = &calls[n_calls++];
        uint32_t role = fz_below(&in, 2u) == 0u ? 0u : SQ_SYS_STREAM_READER;
        c->nr = fz_below(&in, 16u) == 0u ? fz_u32(&in) : fz_below(&in, SQ_SYS_COUNT + 2u);
        switch (fz_below(&in, 8u)) {
        case 0:
            c->a0 = fz_u32(&in);
            break;
        case 1:
            c->a0 = fz_below(&in, SQ_CONFIG_MAX_SHARED_STREAMS + 2u) | role;
            break;
        default:
            c->a0 = stream.id | role;
            break;
        }
        c->a1 = fz_below(&in, 2u);
        if (c->nr == SQ_SYS_SLEEP) {
            c->a0 = fz_below(&in, 2u); /* ticks: keep the run short */
        }
        c->want[0] = c->want[1] = SQ_OK;
        uint32_t id = c->a0 & ~SQ_SYS_STREAM_READER;
        bool reader = (c->a0 & SQ_SYS_STREAM_READER) != 0u;
        switch (c->nr) {
        case SQ_SYS_YIELD:
        case SQ_SYS_SLEEP:
        case SQ_SYS_EXIT:
            break;
        case SQ_SYS_STREAM_WAIT:
        case SQ_SYS_STREAM_NOTIFY:
            if (id >= SQ_CONFIG_MAX_SHARED_STREAMS) {
                c->want[0] = c->want[1] = SQ_ERR_INVALID;
            } else if (!attached || id != stream.id) {
                c->want[0] = c->want[1] = SQ_ERR_DESTROYED;
            } else if (user && where != (reader ? 2u : 1u)) {
                c->want[0] = c->want[1] = SQ_ERR_INVALID;
            } else if (c->nr == SQ_SYS_STREAM_WAIT) {
                if (corrupt) {
                    c->want[0] = c->want[1] = SQ_ERR_CORRUPT;
                } else if (!(reader ? used != 0u : used != cap)) {
                    c->want[0] = c->a1 == SQ_NO_WAIT ? SQ_ERR_BUSY : SQ_ERR_TIMEOUT;
                    c->want[1] = c->want[0];
                }
            }
            break;
        default:
            c->want[0] = c->want[1] = SQ_ERR_INVALID;
            break;
        }
        if (c->nr == SQ_SYS_EXIT) {
            break;
        }
    }

    done = 0u;
    after_exit = false;
    FZ_CHECK(sq_thread_start(&worker, run_calls, NULL, 3u, user ? SQ_THREAD_USER : 0u) == SQ_OK);
    FZ_CHECK(sq_kernel_run() == SQ_OK);
    FZ_CHECK(!after_exit);
    FZ_CHECK(done == n_calls - (n_calls > 0u && calls[n_calls - 1u].nr == SQ_SYS_EXIT ? 1u : 0u));
    for (uint32_t i = 0u; i < done; i++) {
        if (got[i] != calls[i].want[0] && got[i] != calls[i].want[1]) {
            fprintf(stderr, "call %u: nr %u a0 %#x a1 %u -> %d, want %d (user %d where %u "
                    "attached %d id %u used %u corrupt %d)\n", i, calls[i].nr, calls[i].a0,
                    calls[i].a1, got[i], calls[i].want[0], user, where, attached, stream.id,
                    used, corrupt);
            FZ_CHECK(!"a kernel call's result");
        }
    }
    if (attached) {
        FZ_CHECK(sq_shared_stream_detach(&stream) == SQ_OK);
    }
    return 0;
}
