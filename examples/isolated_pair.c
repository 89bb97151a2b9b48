/*
 * make demo, second part: two isolated components on a Cortex-M3 (QEMU
 * mps2-an385, PMSAv7 MPU).
 *
 * A sensor component writes samples into a shared stream region; a logger
 * component reads them. Each is an unprivileged (SQ_THREAD_USER) thread in
 * a memory domain of its own: the MPU lets it reach the code, its own
 * stack, its own state and the parts of the stream its role needs, and
 * nothing else. Samples are written and read in place (claim/commit,
 * borrow/release): squall copies none.
 *
 * Half-way through, the logger goes wrong and stores into the stream's
 * data, which its domain grants read-only. The MPU refuses the store; the
 * kernel records the address the core reported (MMFAR) and stops the
 * logger; the sensor, untouched, fills the ring and waits. A privileged
 * supervisor starts a fresh logger from the published indices, and the
 * stream carries on. At the end every sample has been logged once, in
 * order.
 *
 * Components never print (semihosting is refused to unprivileged code):
 * the supervisor tells the story.
 */
#include <stdio.h>
#include <string.h>
#include <squall/mem_domain.h>
#include <squall/shared_stream.h>
#include <squall/thread.h>

typedef struct sample {
    uint32_t seq;
    int32_t value;
} sample_t;

#define SAMPLES 20000u
#define CAPACITY 32u
#define BUG_AT (SAMPLES / 2u)
/* Wake the peer after this many samples (and before waiting). */
#define BATCH 8u

SQ_SHARED_STREAM_DEFINE(stream, sample_t, CAPACITY);
SQ_USER_THREAD_DEFINE(sensor, 1024u);
SQ_USER_THREAD_DEFINE(logger, 1024u);
SQ_THREAD_DEFINE(supervisor, 2048u);
static SQ_MEM_DOMAIN_DEFINE(sensor_domain);
static SQ_MEM_DOMAIN_DEFINE(logger_domain);

/* A component's own memory: one MPU region (a power of two, aligned to its
 * size), the only writable memory its domain has besides the stream. */
typedef struct component {
    sq_stream_end_t end;
    uint32_t next;      /**< sensor: next to write; logger: next expected */
    uint32_t bug_at;    /**< logger: where it goes wrong (UINT32_MAX: never) */
    uint32_t wrong;     /**< logger: samples not as expected */
    uintptr_t bug_addr; /**< logger: where the wrong store goes */
} component_t;
#define COMPONENT_BYTES SQ_MPU_REGION_BYTES(sizeof(component_t))
typedef union {
    component_t c;
    char region[COMPONENT_BYTES];
} component_memory_t;
static _Alignas(COMPONENT_BYTES) component_memory_t sensor_mem, logger_mem;

static int32_t reading(uint32_t seq)
{
    return (int32_t)(seq * 7u % 1000u) - 500;
}

/* ---- The components (unprivileged) ------------------------------------ */

static void sensor_main(void *arg)
{
    component_t *c = arg;
    while (c->next < SAMPLES) {
        void *slot;
        if (sq_stream_writer_claim(&c->end, &slot) != SQ_OK) {
            (void)sq_stream_writer_notify(&c->end);
            (void)sq_stream_writer_wait(&c->end, SQ_FOREVER);
            continue;
        }
        sample_t *s = slot;
        s->seq = c->next;
        s->value = reading(c->next);
        (void)sq_stream_writer_commit(&c->end);
        if (++c->next % BATCH == 0u) {
            (void)sq_stream_writer_notify(&c->end);
        }
    }
    (void)sq_stream_writer_notify(&c->end);
}

static void logger_main(void *arg)
{
    component_t *c = arg;
    while (c->next < SAMPLES) {
        if (c->next == c->bug_at) {
            *(volatile uint32_t *)c->bug_addr = 0u; /* the bug */
        }
        const void *slot;
        if (sq_stream_reader_borrow(&c->end, &slot) != SQ_OK) {
            (void)sq_stream_reader_notify(&c->end);
            (void)sq_stream_reader_wait(&c->end, SQ_FOREVER);
            continue;
        }
        const sample_t *s = slot;
        if (s->seq != c->next || s->value != reading(c->next)) {
            c->wrong++;
        }
        (void)sq_stream_reader_release(&c->end);
        if (++c->next % BATCH == 0u) {
            (void)sq_stream_reader_notify(&c->end);
        }
    }
}

/* ---- The supervisor (privileged) --------------------------------------- */

static int verdict = 1;

static sq_status_t start(sq_thread_t *t, sq_mem_domain_t *d, component_t *c, bool is_sensor)
{
    sq_status_t st = is_sensor ? sq_shared_stream_open_writer(&stream, &c->end)
                               : sq_shared_stream_open_reader(&stream, &c->end);
    if (st == SQ_OK) {
        st = sq_mem_domain_add_thread(d, t);
    }
    if (st == SQ_OK) {
        st = sq_thread_start(t, is_sensor ? sensor_main : logger_main, c, 5u, SQ_THREAD_USER);
    }
    return st;
}

static void supervisor_main(void *arg)
{
    (void)arg;
    sq_mem_partition_t own_s = SQ_MEM_PARTITION(&sensor_mem, sizeof sensor_mem, SQ_MEM_RW);
    sq_mem_partition_t own_l = SQ_MEM_PARTITION(&logger_mem, sizeof logger_mem, SQ_MEM_RW);
    component_t *sc = &sensor_mem.c, *lc = &logger_mem.c;
    memset(&sensor_mem, 0, sizeof sensor_mem);
    memset(&logger_mem, 0, sizeof logger_mem);
    lc->bug_at = BUG_AT;
    lc->bug_addr = (uintptr_t)stream.data + 3u * sizeof(sample_t);
    if (sq_mem_domain_add(&sensor_domain, &own_s) != SQ_OK ||
        sq_mem_domain_add(&logger_domain, &own_l) != SQ_OK ||
        sq_shared_stream_attach(&stream, &sensor_domain, &logger_domain) != SQ_OK ||
        start(&logger, &logger_domain, lc, false) != SQ_OK ||
        start(&sensor, &sensor_domain, sc, true) != SQ_OK) {
        printf("demo: set-up failed\n");
        return;
    }
    printf("sensor and logger run unprivileged, each in its own memory domain;\n"
           "stream region: data %lu bytes at 0x%08lx (sensor RW, logger RO)\n",
           (unsigned long)stream.data_size, (unsigned long)(uintptr_t)stream.data);

    sq_fault_t cause;
    uintptr_t addr;
    (void)sq_thread_join(&logger, SQ_FOREVER);
    if (sq_thread_fault(&logger, &cause, &addr) != SQ_OK) {
        printf("demo: the logger was not stopped by a fault\n");
        return;
    }
    printf("logger, at sample %lu, stored into the stream data at 0x%08lx:\n"
           "  MPU refused it (fault %d, MMFAR 0x%08lx); the kernel stopped the logger\n",
           (unsigned long)lc->next, (unsigned long)lc->bug_addr, (int)cause,
           (unsigned long)addr);
    (void)sq_thread_sleep(5u);
    printf("sensor kept running: it wrote up to sample %lu (the ring holds %lu) and waits\n",
           (unsigned long)sc->next, (unsigned long)stream.capacity);

    lc->bug_at = UINT32_MAX;
    if (start(&logger, &logger_domain, lc, false) != SQ_OK) {
        printf("demo: restarting the logger failed\n");
        return;
    }
    printf("a fresh logger resumes from the published read index at sample %lu\n",
           (unsigned long)lc->next);
    (void)sq_thread_join(&logger, SQ_FOREVER);
    (void)sq_thread_join(&sensor, SQ_FOREVER);
    printf("%lu samples written, %lu logged, %lu out of order or altered\n",
           (unsigned long)sc->next, (unsigned long)lc->next, (unsigned long)lc->wrong);
    bool ok = cause == SQ_FAULT_DATA && addr == lc->bug_addr && sc->next == SAMPLES &&
              lc->next == SAMPLES && lc->wrong == 0u;
    verdict = ok ? 0 : 1;
}

int main(void)
{
    if (sq_kernel_init() != SQ_OK ||
        sq_thread_start(&supervisor, supervisor_main, NULL, 2u, 0u) != SQ_OK ||
        sq_kernel_run() != SQ_OK) {
        printf("demo: kernel start failed\n");
        return 1;
    }
    printf("isolated pair: %s\n", verdict == 0 ? "ok" : "FAILED");
    return verdict;
}
