/*
 * Hardware isolation of two components, on Cortex-M under QEMU (an MPU,
 * user threads, the supervisor call gate, MemManage) and, without the
 * fault part, on the host.
 *
 * A writer and a reader component are SQ_THREAD_USER threads, each in its
 * own memory domain with one RW partition of its own (its state, the
 * stream end included), sharing one stream region. They move records in
 * place (claim/commit, borrow/release), blocking in the stream waits and
 * waking each other with notify. A privileged supervisor (the test thread)
 * first runs 100,000 records through, then one scenario per forbidden
 * access: the attacking component must be stopped with the refused
 * address (from MMFAR), its peer must keep running, and a replacement
 * component, opened from the published indices, must carry the stream on.
 * At the end every sequence number has arrived exactly once, in order.
 *
 * Components never print (semihosting is refused to unprivileged code)
 * and touch nothing but their stack, their partition and the stream.
 */
#include <stdbool.h>
#include <string.h>
#include <squall/mem_domain.h>
#include <squall/shared_stream.h>
#include <squall/thread.h>
#include <squall/user.h>
#include "sq_test.h"

/* The record: 16 bytes, a sequence number and checks derived from it. */
typedef struct record {
    uint32_t seq;
    uint32_t inverse;
    uint32_t writer_gen; /**< which writer instance wrote it */
    uint32_t mixed;
} record_t;
_Static_assert(sizeof(record_t) == 16u, "16-byte records");

#define CAPACITY 16u
#define BULK_RECORDS 100000u
/* Records per fault scenario. */
#define SCENARIO_RECORDS 1000u
/* Notify the peer after every NOTIFY_BATCH records, and before waiting. */
#define NOTIFY_BATCH 8u
/* The attack comes about half way, right after a notify: the peer has
 * then been told of everything the attacker published, so where it stops
 * is exact (a full ring ahead of a stopped reader, level with a stopped
 * writer). */
#define ATTACK_OFFSET (SCENARIO_RECORDS / 2u / NOTIFY_BATCH * NOTIFY_BATCH)
_Static_assert(BULK_RECORDS % NOTIFY_BATCH == 0u && SCENARIO_RECORDS % NOTIFY_BATCH == 0u,
               "scenarios start at a batch boundary");
#define COMPONENT_PRIO 5u
#define NO_ATTACK UINT32_MAX

SQ_SHARED_STREAM_DEFINE(stream, record_t, CAPACITY);

SQ_USER_THREAD_DEFINE(writer, 1024u);
SQ_USER_THREAD_DEFINE(reader, 1024u);
SQ_THREAD_DEFINE(supervisor, 2048u);

static SQ_MEM_DOMAIN_DEFINE(writer_domain);
static SQ_MEM_DOMAIN_DEFINE(reader_domain);

/* What a component does at `at` (its next sequence number): nothing, a
 * store of a word to `target`, or a supervisor call from outside the gate. */
typedef enum attack_kind { ATTACK_NONE, ATTACK_STORE, ATTACK_SVC } attack_kind_t;

typedef struct attack {
    uint32_t at;
    uint32_t kind;
    uintptr_t target;
} attack_t;

/* A component's own memory: its end, progress and results. Persists
 * across instances, so a replacement carries on where the last stopped. */
typedef struct component_state {
    sq_stream_end_t end;
    uint32_t next;  /**< writer: next to write; reader: next expected */
    uint32_t limit; /**< stop before this sequence number */
    uint32_t gen;   /**< instance number (the writer stamps records) */
    attack_t attack;
    uintptr_t data_lo, data_hi; /**< the data area, for the zero-copy check */
    uint32_t outside;           /**< slots outside the data area */
    uint32_t mismatches;        /**< reader: records not as expected */
    int32_t error;              /**< first unexpected status */
} component_state_t;

/* One MPU region under either rule: a power of two, aligned to its size. */
#define STATE_BYTES SQ_MPU_REGION_BYTES(sizeof(component_state_t))
typedef union component_memory {
    component_state_t s;
    char region[STATE_BYTES];
} component_memory_t;
static _Alignas(STATE_BYTES) component_memory_t writer_mem, reader_mem;

/* ---- Components (unprivileged) --------------------------------------- */

static void run_attack(const attack_t *a)
{
#if defined(SQ_TEST_TARGET)
    if (a->kind == ATTACK_STORE) {
        *(volatile uint32_t *)a->target = 0xbadu;
    } else if (a->kind == ATTACK_SVC) {
        /* Not the gate's SVC. */
        __asm__ volatile("svc #0" ::: "memory");
    }
#else
    (void)a;
#endif
}

static bool in_data(const component_state_t *c, const void *slot)
{
    uintptr_t p = (uintptr_t)slot;
    return p >= c->data_lo && p + sizeof(record_t) <= c->data_hi;
}

static void writer_main(void *arg)
{
    component_state_t *w = arg;
    while (w->next < w->limit) {
        if (w->next == w->attack.at) {
            run_attack(&w->attack);
        }
        void *slot;
        sq_status_t st = sq_stream_writer_claim(&w->end, &slot);
        if (st == SQ_ERR_FULL) {
            (void)sq_stream_writer_notify(&w->end);
            st = sq_stream_writer_wait(&w->end, SQ_FOREVER);
            if (st != SQ_OK) {
                w->error = st;
                return;
            }
            continue;
        }
        if (st != SQ_OK) {
            w->error = st;
            return;
        }
        if (!in_data(w, slot)) {
            w->outside++;
        }
        record_t *rec = slot;
        rec->seq = w->next;
        rec->inverse = ~w->next;
        rec->writer_gen = w->gen;
        rec->mixed = w->next ^ 0x5a5a5a5au;
        (void)sq_stream_writer_commit(&w->end);
        w->next++;
        if (w->next % NOTIFY_BATCH == 0u) {
            (void)sq_stream_writer_notify(&w->end);
        }
    }
    (void)sq_stream_writer_notify(&w->end);
}

static void reader_main(void *arg)
{
    component_state_t *r = arg;
    while (r->next < r->limit) {
        if (r->next == r->attack.at) {
            run_attack(&r->attack);
        }
        const void *slot;
        sq_status_t st = sq_stream_reader_borrow(&r->end, &slot);
        if (st == SQ_ERR_EMPTY) {
            (void)sq_stream_reader_notify(&r->end);
            st = sq_stream_reader_wait(&r->end, SQ_FOREVER);
            if (st != SQ_OK) {
                r->error = st;
                return;
            }
            continue;
        }
        if (st != SQ_OK) {
            r->error = st;
            return;
        }
        if (!in_data(r, slot)) {
            r->outside++;
        }
        const record_t *rec = slot;
        if (rec->seq != r->next || rec->inverse != ~r->next ||
            rec->mixed != (r->next ^ 0x5a5a5a5au)) {
            r->mismatches++;
        }
        /* Counted once released: an instance stopped between borrow and
         * release leaves the record to its replacement. */
        (void)sq_stream_reader_release(&r->end);
        r->next++;
        if (r->next % NOTIFY_BATCH == 0u) {
            (void)sq_stream_reader_notify(&r->end);
        }
    }
    (void)sq_stream_reader_notify(&r->end);
}

/* ---- Supervisor (privileged) ------------------------------------------ */

#if defined(SQ_TEST_TARGET)
/* What the supervisor saw in one scenario, checked after the kernel
 * returns (a check inside a thread could not unwind the test runner). */
typedef struct scenario_result {
    sq_status_t join;
    sq_thread_state_t attacker_state, peer_state;
    sq_fault_t cause;
    uintptr_t addr, expected_addr;
    uint32_t peer_next, peer_expected_next;
    bool done;
} scenario_result_t;

enum { SC_READER_DATA, SC_READER_WINDEX, SC_WRITER_RINDEX, SC_WRITER_READER_STACK,
       SC_READER_WRITER_STACK, SC_READER_SVC, SC_COUNT };
static const char *const scenario_name[SC_COUNT] = {
    "reader writes the data area",    "reader writes the write index",
    "writer writes the read index",   "writer writes the reader's stack",
    "reader writes the writer's stack", "reader calls SVC outside the gate"};
#endif

static struct {
    sq_status_t setup;
    uint32_t bulk_moved;
    size_t writer_stack_used, reader_stack_used;
#if defined(SQ_TEST_TARGET)
    scenario_result_t sc[SC_COUNT];
#endif
} seen;

/* (Re)start one component instance from the published indices. */
static sq_status_t start_component(sq_thread_t *t, sq_mem_domain_t *d, component_state_t *c,
                                   bool is_writer)
{
    sq_status_t st = is_writer ? sq_shared_stream_open_writer(&stream, &c->end)
                               : sq_shared_stream_open_reader(&stream, &c->end);
    if (st == SQ_OK) {
        st = sq_mem_domain_add_thread(d, t);
    }
    if (st == SQ_OK) {
        c->gen++;
        st = sq_thread_start(t, is_writer ? writer_main : reader_main, c, COMPONENT_PRIO,
                             SQ_THREAD_USER);
    }
    return st;
}

static sq_status_t start_both(void)
{
    sq_status_t st = start_component(&reader, &reader_domain, &reader_mem.s, false);
    return st != SQ_OK ? st : start_component(&writer, &writer_domain, &writer_mem.s, true);
}

static sq_status_t join_both(void)
{
    sq_status_t st = sq_thread_join(&reader, SQ_FOREVER);
    sq_status_t st2 = sq_thread_join(&writer, SQ_FOREVER);
    return st != SQ_OK ? st : st2;
}

static sq_status_t setup(void)
{
    sq_mem_partition_t own_w = SQ_MEM_PARTITION(&writer_mem, sizeof writer_mem, SQ_MEM_RW);
    sq_mem_partition_t own_r = SQ_MEM_PARTITION(&reader_mem, sizeof reader_mem, SQ_MEM_RW);
    sq_status_t st = sq_mem_domain_init(&writer_domain, SQ_MEM_RULE_DEFAULT);
    if (st == SQ_OK) st = sq_mem_domain_init(&reader_domain, SQ_MEM_RULE_DEFAULT);
    if (st == SQ_OK) st = sq_mem_domain_add(&writer_domain, &own_w);
    if (st == SQ_OK) st = sq_mem_domain_add(&reader_domain, &own_r);
    if (st == SQ_OK) st = sq_shared_stream_attach(&stream, &writer_domain, &reader_domain);
    component_state_t *all[] = {&writer_mem.s, &reader_mem.s};
    for (size_t i = 0; i < 2u; i++) {
        memset(all[i], 0, sizeof *all[i]);
        all[i]->attack.at = NO_ATTACK;
        all[i]->data_lo = (uintptr_t)stream.data;
        all[i]->data_hi = (uintptr_t)stream.data + stream.data_size;
    }
    return st;
}

#if defined(SQ_TEST_TARGET)
/* One forbidden access: the attacker is stopped at it, the peer goes on
 * until the stream holds it up, a replacement attacker carries on. */
static void run_scenario(uint32_t which)
{
    scenario_result_t *res = &seen.sc[which];
    bool reader_attacks = which != SC_WRITER_RINDEX && which != SC_WRITER_READER_STACK;
    component_state_t *att = reader_attacks ? &reader_mem.s : &writer_mem.s;
    component_state_t *peer = reader_attacks ? &writer_mem.s : &reader_mem.s;
    sq_thread_t *att_thread = reader_attacks ? &reader : &writer;
    sq_thread_t *peer_thread = reader_attacks ? &writer : &reader;
    uintptr_t targets[SC_COUNT] = {
        [SC_READER_DATA] = (uintptr_t)stream.data + 5u * sizeof(record_t),
        [SC_READER_WINDEX] = (uintptr_t)&stream.write_index->value,
        [SC_WRITER_RINDEX] = (uintptr_t)&stream.read_index->value,
        [SC_WRITER_READER_STACK] = (uintptr_t)reader_stack + 64u,
        [SC_READER_WRITER_STACK] = (uintptr_t)writer_stack + 64u,
        [SC_READER_SVC] = 0u,
    };
    uint32_t base = writer_mem.s.limit;
    writer_mem.s.limit = reader_mem.s.limit = base + SCENARIO_RECORDS;
    att->attack.at = base + ATTACK_OFFSET;
    att->attack.kind = which == SC_READER_SVC ? ATTACK_SVC : ATTACK_STORE;
    att->attack.target = targets[which];
    /* The kernel records an address for SQ_FAULT_DATA only. */
    res->expected_addr = targets[which];
    if (start_both() != SQ_OK) {
        return;
    }
    res->join = sq_thread_join(att_thread, SQ_FOREVER);
    res->attacker_state = sq_thread_state(att_thread);
    (void)sq_thread_fault(att_thread, &res->cause, &res->addr);
    /* The peer runs on until the stream holds it up: a stopped reader
     * leaves the writer a full ring of room, a stopped writer leaves the
     * reader nothing after the last commit. Either then waits. */
    (void)sq_thread_sleep(5u);
    res->peer_state = sq_thread_state(peer_thread);
    res->peer_next = peer->next;
    res->peer_expected_next = reader_attacks ? att->next + stream.capacity : att->next;
    att->attack.at = NO_ATTACK;
    if (start_component(att_thread, reader_attacks ? &reader_domain : &writer_domain, att,
                        !reader_attacks) != SQ_OK ||
        join_both() != SQ_OK) {
        return;
    }
    res->done = true;
}
#endif

static void supervisor_main(void *arg)
{
    (void)arg;
    seen.setup = setup();
    if (seen.setup != SQ_OK) {
        return;
    }
    writer_mem.s.limit = reader_mem.s.limit = BULK_RECORDS;
    if (start_both() != SQ_OK || join_both() != SQ_OK) {
        return;
    }
    seen.bulk_moved = reader_mem.s.next;
    (void)sq_thread_stack_used(&writer, &seen.writer_stack_used);
    (void)sq_thread_stack_used(&reader, &seen.reader_stack_used);
#if defined(SQ_TEST_TARGET)
    for (uint32_t i = 0; i < SC_COUNT; i++) {
        run_scenario(i);
    }
#endif
}

static void check_components(uint32_t total)
{
    SQ_CHECK_EQ(writer_mem.s.error, SQ_OK);
    SQ_CHECK_EQ(reader_mem.s.error, SQ_OK);
    SQ_CHECK_EQ(writer_mem.s.outside, 0u);
    SQ_CHECK_EQ(reader_mem.s.outside, 0u);
    SQ_CHECK_EQ(reader_mem.s.mismatches, 0u);
    SQ_CHECK_EQ(writer_mem.s.next, total);
    SQ_CHECK_EQ(reader_mem.s.next, total);
    SQ_CHECK_EQ(sq_atomic_load_acquire(&stream.write_index->value), total % (2u * stream.capacity));
    SQ_CHECK_EQ(sq_atomic_load_acquire(&stream.read_index->value), total % (2u * stream.capacity));
}

static void test_isolated_components(void **state)
{
    (void)state;
    memset(&seen, 0, sizeof seen);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&supervisor, supervisor_main, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(seen.setup, SQ_OK);
    SQ_CHECK_EQ(seen.bulk_moved, BULK_RECORDS);
    printf("isolation: %u records moved in place\n", (unsigned)seen.bulk_moved);
#if defined(SQ_TEST_TARGET)
    /* Kernel calls through the gate included (SQ_PORT_SYSCALL_STACK). */
    printf("isolation: stack used: writer %u bytes, reader %u\n",
           (unsigned)seen.writer_stack_used, (unsigned)seen.reader_stack_used);
    for (uint32_t i = 0; i < SC_COUNT; i++) {
        const scenario_result_t *res = &seen.sc[i];
        printf("isolation: %s: fault %d at 0x%08lx (expected 0x%08lx), peer at %lu\n",
               scenario_name[i], (int)res->cause, (unsigned long)res->addr,
               (unsigned long)res->expected_addr, (unsigned long)res->peer_next);
        SQ_CHECK(res->done);
        SQ_CHECK_EQ(res->join, SQ_OK);
        SQ_CHECK_EQ(res->attacker_state, SQ_THREAD_DEAD);
        SQ_CHECK_EQ(res->cause, i == SC_READER_SVC ? SQ_FAULT_SYSCALL : SQ_FAULT_DATA);
        SQ_CHECK_EQ(res->addr, res->expected_addr);
        SQ_CHECK_EQ(res->peer_state, SQ_THREAD_PENDING);
        SQ_CHECK_EQ(res->peer_next, res->peer_expected_next);
    }
    check_components(BULK_RECORDS + SC_COUNT * SCENARIO_RECORDS);
    /* Writer instances: the bulk run's, one per scenario, and the
     * replacements of the two that attacked. */
    SQ_CHECK_EQ(writer_mem.s.gen, 1u + SC_COUNT + 2u);
#else
    printf("isolation: not enforced on the host port; the fault scenarios run on QEMU only\n");
    check_components(BULK_RECORDS);
#endif
    SQ_CHECK_EQ(sq_shared_stream_detach(&stream), SQ_OK);
}

#if defined(SQ_TEST_TARGET)
/* ---- Misusing the gate, the stack pointer and the bus (QEMU only) ----- */

/* The port's gate: the instruction after its SVC (port/cortex-m/port.c). */
extern const uint16_t sq_port_gate_resume[];

enum {
    PROBE_PAST_SVC,
    PROBE_BUS,
    PROBE_GATE_LOW_SP,
    PROBE_SP_IN_PARTITION,
    PROBE_UDF,
    PROBE_COUNT
};
static const char *const probe_name[PROBE_COUNT] = {
    "jump past the gate's SVC", "load from a partition with no memory behind it",
    "gate with the stack pointer near the stack bottom", "stack pointer moved into a partition",
    "undefined instruction"};

/* Nothing answers here on any of the boards (QEMU's mps2-an385, an386,
 * an500 and an505; the an500 has PSRAM from 0x60000000 to 0x60ffffff):
 * the MPU lets the probe through its partition, the bus refuses. */
#define BUS_HOLE 0x61000000u

typedef struct probe_state {
    uint32_t mode;
    uintptr_t sp; /**< the stack pointer the probe sets */
} probe_state_t;
/* 256 bytes: with the stack pointer at its top, an exception frame (26
 * words with an FP context) and the switch's save area below it (25) both
 * lie inside it, not in the probe's stack next to it. */
static _Alignas(256) union {
    probe_state_t s;
    char region[256];
} probe_mem;
SQ_USER_THREAD_DEFINE(probe, 1024u);
static SQ_MEM_DOMAIN_DEFINE(probe_domain);

static void probe_main(void *arg)
{
    const probe_state_t *p = arg;
    if (p->mode == PROBE_BUS) {
        (void)*(volatile const uint32_t *)BUS_HOLE;
    } else if (p->mode == PROBE_PAST_SVC) {
        /* sq_syscall(SQ_SYS_YIELD) still unprivileged: the kernel's
         * memory refuses it. */
        register uint32_t r0 __asm__("r0") = SQ_SYS_YIELD;
        __asm__ volatile("blx %1"
                         : "+r"(r0)
                         : "r"((uintptr_t)sq_port_gate_resume | 1u)
                         : "r1", "r2", "r3", "r12", "lr", "memory");
    } else if (p->mode == PROBE_GATE_LOW_SP) {
        __asm__ volatile("mov sp, %0\n\t"
                         "bl  sq_user_yield"
                         :
                         : "r"(p->sp)
                         : "r0", "r1", "r2", "r3", "r12", "lr", "memory");
    } else if (p->mode == PROBE_SP_IN_PARTITION) {
        /* Spin there until preempted: the switch must not store the
         * registers below this stack pointer with privilege. */
        __asm__ volatile("mov sp, %0\n"
                         "1: b 1b"
                         :
                         : "r"(p->sp)
                         : "memory");
    } else {
        __asm__ volatile("udf #0" ::: "memory");
    }
}

static struct {
    sq_status_t start[PROBE_COUNT];
    sq_fault_t cause[PROBE_COUNT];
    uintptr_t addr[PROBE_COUNT];
} probe_seen;

static void probe_supervisor(void *arg)
{
    (void)arg;
    sq_mem_partition_t own = SQ_MEM_PARTITION(&probe_mem, sizeof probe_mem, SQ_MEM_RW);
    sq_mem_partition_t hole = SQ_MEM_PARTITION(BUS_HOLE, 32u, SQ_MEM_RW | SQ_MEM_DEVICE);
    if (sq_mem_domain_init(&probe_domain, SQ_MEM_RULE_DEFAULT) != SQ_OK ||
        sq_mem_domain_add(&probe_domain, &own) != SQ_OK ||
        sq_mem_domain_add(&probe_domain, &hole) != SQ_OK ||
        sq_mem_domain_add_thread(&probe_domain, &probe) != SQ_OK) {
        return;
    }
    uintptr_t sp[PROBE_COUNT] = {
        [PROBE_GATE_LOW_SP] = (uintptr_t)probe_stack + 128u,
        [PROBE_SP_IN_PARTITION] = (uintptr_t)&probe_mem + sizeof probe_mem,
    };
    for (uint32_t i = 0; i < PROBE_COUNT; i++) {
        probe_mem.s.mode = i;
        probe_mem.s.sp = sp[i];
        probe_seen.start[i] = sq_thread_start(&probe, probe_main, &probe_mem.s, COMPONENT_PRIO,
                                              SQ_THREAD_USER);
        /* Two ticks: the spinning probe is preempted meanwhile. */
        (void)sq_thread_sleep(2u);
        (void)sq_thread_join(&probe, SQ_FOREVER);
        (void)sq_thread_fault(&probe, &probe_seen.cause[i], &probe_seen.addr[i]);
    }
}

/* Each misuse ends only the probe, with the fault it is. */
static void test_gate_misuse(void **state)
{
    (void)state;
    memset(&probe_seen, 0, sizeof probe_seen);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&supervisor, probe_supervisor, NULL, 2u, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    for (uint32_t i = 0; i < PROBE_COUNT; i++) {
        printf("isolation: %s: fault %d at 0x%08lx\n", probe_name[i], (int)probe_seen.cause[i],
               (unsigned long)probe_seen.addr[i]);
        SQ_CHECK_EQ(probe_seen.start[i], SQ_OK);
    }
    /* Kernel memory, outside everything the probe may touch. */
    SQ_CHECK_EQ(probe_seen.cause[PROBE_PAST_SVC], SQ_FAULT_DATA);
    SQ_CHECK(probe_seen.addr[PROBE_PAST_SVC] != 0u);
    SQ_CHECK(!sq_mem_domain_allows(&probe, probe_seen.addr[PROBE_PAST_SVC], 4u, SQ_MEM_READ));
    /* Allowed by the MPU, refused by the bus: a BusFault ends the probe
     * alone, with the address. */
    SQ_CHECK_EQ(probe_seen.cause[PROBE_BUS], SQ_FAULT_DATA);
    SQ_CHECK_EQ(probe_seen.addr[PROBE_BUS], BUS_HOLE);
    SQ_CHECK(sq_mem_domain_allows(&probe, BUS_HOLE, 4u, SQ_MEM_READ));
    /* The kernel records an address for SQ_FAULT_DATA only. */
    SQ_CHECK_EQ(probe_seen.cause[PROBE_GATE_LOW_SP], SQ_FAULT_SYSCALL);
    SQ_CHECK_EQ(probe_seen.cause[PROBE_SP_IN_PARTITION], SQ_FAULT_STACK);
    SQ_CHECK_EQ(probe_seen.cause[PROBE_UDF], SQ_FAULT_EXEC);
    for (uint32_t i = PROBE_GATE_LOW_SP; i < PROBE_COUNT; i++) {
        SQ_CHECK_EQ(probe_seen.addr[i], 0u);
    }
}

/* ---- What a switch leaves behind (QEMU only) ------------------------- */

/* Two privileged threads and a user thread of one priority yield round
 * robin: privileged -> privileged (the switch with nothing to isolate),
 * privileged -> user (the user's view loaded, privilege dropped), user ->
 * privileged (regions 2.. off, privilege back). Each privileged turn sees
 * CONTROL.nPRIV clear and MPU region 1 (the first user region) holding no
 * user region: on PMSAv7 its own stack guard (docs/PORTING.md, 32 bytes
 * at the bottom of its stack rounded up to 32, privileged read-only), on
 * PMSAv8 disabled; each user turn sees nPRIV set and stores into its own
 * partition, which only the view loaded for it allows. */
#define MIX_ROUNDS 8u
#define MIX_PRIO 3u
SQ_THREAD_DEFINE(mix_a, 1024u);
SQ_THREAD_DEFINE(mix_b, 1024u);
SQ_USER_THREAD_DEFINE(mix_user, 1024u);
static SQ_MEM_DOMAIN_DEFINE(mix_domain);
static _Alignas(32) struct {
    uint32_t unprivileged; /* user turns that ran unprivileged */
    uint32_t turns;
    uint32_t pad[6];
} mix_mem;
static struct {
    uint32_t turns, privileged, regions_off;  /* regions_off: region 1 as above */
} mix_seen;

static uint32_t control_npriv(void)
{
    uint32_t control;
    __asm__ volatile("mrs %0, control" : "=r"(control));
    return control & 1u;
}

static void mix_privileged(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < MIX_ROUNDS; i++) {
        uint32_t rbar, attr;
        /* RNR and the region read as one (PendSV writes RNR). */
        __asm__ volatile("cpsid i" ::: "memory");
        *(volatile uint32_t *)0xe000ed98u = 1u;
        rbar = *(volatile uint32_t *)0xe000ed9cu;
        attr = *(volatile uint32_t *)0xe000eda0u; /* RASR / RLAR */
        __asm__ volatile("cpsie i" ::: "memory");
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
        uintptr_t guard = ((uintptr_t)sq_thread_self()->stack + 31u) & ~(uintptr_t)31u;
        bool expected = (rbar & ~31u) == guard && (attr & 0x073f003fu) == 0x05030009u;
#else
        (void)rbar;
        bool expected = (attr & 1u) == 0u;
#endif
        mix_seen.turns++;
        mix_seen.privileged += control_npriv() == 0u;
        mix_seen.regions_off += expected;
        sq_thread_yield();
    }
}

static void mix_user_main(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < MIX_ROUNDS; i++) {
        mix_mem.turns++;
        mix_mem.unprivileged += control_npriv();
        (void)sq_user_yield();
    }
}

static void test_switch_privilege(void **state)
{
    (void)state;
    memset(&mix_seen, 0, sizeof mix_seen);
    memset(&mix_mem, 0, sizeof mix_mem);
    sq_mem_partition_t part = SQ_MEM_PARTITION(&mix_mem, sizeof mix_mem, SQ_MEM_RW);
    SQ_CHECK_EQ(sq_kernel_init(), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_init(&mix_domain, SQ_MEM_RULE_DEFAULT), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add(&mix_domain, &part), SQ_OK);
    SQ_CHECK_EQ(sq_mem_domain_add_thread(&mix_domain, &mix_user), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&mix_a, mix_privileged, NULL, MIX_PRIO, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&mix_b, mix_privileged, NULL, MIX_PRIO, 0u), SQ_OK);
    SQ_CHECK_EQ(sq_thread_start(&mix_user, mix_user_main, NULL, MIX_PRIO, SQ_THREAD_USER),
                SQ_OK);
    SQ_CHECK_EQ(sq_kernel_run(), SQ_OK);
    SQ_CHECK_EQ(mix_seen.turns, 2u * MIX_ROUNDS);
    SQ_CHECK_EQ(mix_seen.privileged, 2u * MIX_ROUNDS);
    SQ_CHECK_EQ(mix_seen.regions_off, 2u * MIX_ROUNDS);
    SQ_CHECK_EQ(mix_mem.turns, MIX_ROUNDS);
    SQ_CHECK_EQ(mix_mem.unprivileged, MIX_ROUNDS);
    SQ_CHECK_EQ(sq_thread_state(&mix_user), SQ_THREAD_DEAD);
}

#define TARGET_TESTS , SQ_TEST(test_gate_misuse), SQ_TEST(test_switch_privilege)
#else
#define TARGET_TESTS
#endif

SQ_TEST_MAIN(SQ_TEST(test_isolated_components) TARGET_TESTS)
