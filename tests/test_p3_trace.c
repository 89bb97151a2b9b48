/*
 * A seeded randomized trace over the P3 data plane, checked against a
 * model of the reference (definitions.py) after every step; on the host
 * and on Cortex-M under QEMU.
 *
 * Three instances, each with two waitable sets (indices 1 and 2), run a
 * random sequence of stream.new and future.new (u8 and u32 elements),
 * async read and write (lengths including 0; a 0-length copy's pointer is
 * any number, as the reference never looks at it), cancel, drop, join
 * (to either set or out), poll and wait, and transfers of readable ends
 * between instances, and moves of an instance's linear memory to another
 * host address (sq_p3_instance_set_memory). The model replays the reference's rendezvous
 * (SharedStreamImpl, SharedFutureImpl), copy ends (CopyEnd) and handle
 * tables, with the suite's cancel rule (CANCELLED | n after undelivered
 * stream progress). After every step it checks:
 *   - every result word, event code, event index and payload;
 *   - each instance's whole linear memory against a shadow the model
 *     keeps: writers' buffers hold each stream's own byte sequence, so the
 *     readers' memory holds exactly the bytes written, in order, each once,
 *     and nothing else in memory changes;
 *   - each handle table slot by slot (kind, object, the LIFO free list);
 *   - each end's state, index, owner and set;
 *   - an event is delivered exactly once and only for an end with a copy
 *     in progress, in the order the sets promise (oldest pending first).
 * A failure prints the seed, the step and the check.
 */
#include <stdlib.h>
#include <string.h>
#include <squall/p3_runtime.h>
#include "sq_test.h"

#if defined(SQ_TEST_TARGET)
#define TRACE_STEPS 10000u
#define TRACE_SEEDS 1u
#else
#define TRACE_STEPS 20000u
#define TRACE_SEEDS 4u
#endif

#define N_INST 3
#define TR_MEM 1024u
#define TR_HANDLES 40u
#define MAX_CHANNELS 14          /* live in the model at once */
#define MAX_ENDS (2 * MAX_CHANNELS)
#define SETS_PER_INST 2u
/* Where poll and wait store their event; buffers start above. */
#define EVT_PTR 0u
#define BUF_START 16u

SQ_P3_RUNTIME_DEFINE(trace_rt, MAX_CHANNELS + 2u, N_INST * SETS_PER_INST, MAX_ENDS, 1u);

SQ_P3_TYPE_DEFINE(ty_u8, SQ_P3_ELEM_NUMBER, 1u, 1u);
SQ_P3_TYPE_DEFINE(ty_u32, SQ_P3_ELEM_NUMBER, 4u, 4u);

/* Each instance's linear memory is one of two banks: a step may move it
 * to the other (what memory.grow may do), so nothing may keep host
 * addresses of a lent buffer. */
static _Alignas(8) uint8_t banks[2][N_INST][TR_MEM];
static uint8_t *mem[N_INST];
static uint8_t shadow[N_INST][TR_MEM];
static sq_p3_handle_slot_t slots[N_INST][TR_HANDLES];
static sq_p3_instance_t inst[N_INST];
static sq_p3_thread_t thr[N_INST];

/* ---- the model ------------------------------------------------------- */

enum { M_IDLE, M_COPYING, M_DONE };

typedef struct {
    bool live;
    int chan;
    bool readable;
    int inst;
    uint32_t handle;
    int state;
    uint32_t set;            /* 0: in no set */
    const void *object;      /* what its table slot holds */
    /* the copy in progress (elements) */
    uint32_t ptr, len, progress;
    /* the pending event: its result, whether delivering it ends the
     * registration (the reference's reclaim_buffer), when it became
     * pending in its set */
    bool ev;
    int ev_result;
    bool ev_reclaim;
    uint64_t ev_stamp;
} mend_t;

typedef struct {
    bool live;
    bool future;
    const sq_p3_type_t *type;
    uint32_t size;
    int pending;             /* the registered end, -1: none */
    bool dropped;
    uint32_t uid;
    uint32_t moved;          /* bytes copied so far: the sequence position */
} mchan_t;

typedef struct {
    uint32_t kind[TR_HANDLES];
    int id[TR_HANDLES];      /* model end, or the set's number */
    uint32_t length;
    uint32_t free_stack[TR_HANDLES];
    uint32_t nfree;
} mtable_t;

static mend_t ends[MAX_ENDS];         /* channel c owns ends 2c (readable), 2c+1 */
static mchan_t chans[MAX_CHANNELS];
static mtable_t tables[N_INST];
static uint32_t next_uid;
static uint64_t clock_now;            /* orders events becoming pending */

/* The run's identity for failure messages, and what it exercised. */
static unsigned long trace_seed;
static unsigned long trace_step;
static const char *trace_op;
static struct {
    unsigned long ops, blocked, immediate, partial, zero_len, cancels, cancel_progress,
        drops_notifying, polls_event, polls_none, waits, transfers, news, joins, dropped_results,
        moves;
} stats;

#define TCHECK(cond)                                                          \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("p3 trace seed %lu step %lu op %s: check failed at line %d: %s\n", \
                   trace_seed, trace_step, trace_op, __LINE__, #cond);        \
            return false;                                                     \
        }                                                                     \
    } while (0)
#define TRY(expr)                                                             \
    do {                                                                      \
        if (!(expr)) {                                                        \
            return false;                                                     \
        }                                                                     \
    } while (0)

/* xorshift64*: the whole trace follows from the seed. */
static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

/* Byte `pos` of channel `uid`'s sequence. */
static uint8_t seq_byte(uint32_t uid, uint32_t pos)
{
    uint32_t x = uid * 0x9e3779b1u ^ pos * 0x85ebca6bu;
    x ^= x >> 15;
    x *= 0xc2b2ae35u;
    x ^= x >> 13;
    return (uint8_t)x;
}

static uint32_t table_add(int i, uint32_t kind, int id)
{
    mtable_t *t = &tables[i];
    uint32_t h = t->nfree > 0u ? t->free_stack[--t->nfree] : t->length++;
    t->kind[h] = kind;
    t->id[h] = id;
    return h;
}

static void table_remove(int i, uint32_t h)
{
    mtable_t *t = &tables[i];
    t->kind[h] = SQ_P3_KIND_FREE;
    t->id[h] = -1;
    t->free_stack[t->nfree++] = h;
}

static uint32_t end_kind(const mend_t *e)
{
    if (chans[e->chan].future) {
        return e->readable ? SQ_P3_KIND_FUTURE_READABLE : SQ_P3_KIND_FUTURE_WRITABLE;
    }
    return e->readable ? SQ_P3_KIND_STREAM_READABLE : SQ_P3_KIND_STREAM_WRITABLE;
}

static uint32_t event_code_of(const mend_t *e)
{
    if (chans[e->chan].future) {
        return e->readable ? SQ_P3_EVENT_FUTURE_READ : SQ_P3_EVENT_FUTURE_WRITE;
    }
    return e->readable ? SQ_P3_EVENT_STREAM_READ : SQ_P3_EVENT_STREAM_WRITE;
}

/* The end's event becomes `result` (a newer notification replaces an
 * older one; it keeps its place in its set's order). */
static void set_event(mend_t *e, int result, bool reclaim)
{
    if (!e->ev) {
        e->ev_stamp = clock_now++;
    }
    e->ev = true;
    e->ev_result = result;
    e->ev_reclaim = reclaim;
}

/* Deliver e's event (by the built-in's return, wait/poll, or cancel):
 * the payload, and the end leaves its copy. */
static uint32_t deliver(mend_t *e, bool by_cancel)
{
    mchan_t *c = &chans[e->chan];
    int result = e->ev_result;
    /* The suite's and wasmtime's rule: a cancel after undelivered stream
     * progress reports CANCELLED | n (the reference: COMPLETED | n). */
    if (by_cancel && !c->future && result == SQ_P3_COPY_COMPLETED) {
        result = SQ_P3_COPY_CANCELLED;
        if (e->progress > 0u) {
            stats.cancel_progress++;
        }
    }
    uint32_t payload = c->future ? (uint32_t)result : SQ_P3_STREAM_RESULT(result, e->progress);
    if (e->ev_reclaim) {
        c->pending = -1;
    }
    bool done = result == SQ_P3_COPY_DROPPED || (c->future && result == SQ_P3_COPY_COMPLETED);
    e->state = done ? M_DONE : M_IDLE;
    if (result == SQ_P3_COPY_DROPPED) {
        stats.dropped_results++;
    }
    e->ev = false;
    e->ev_reclaim = false;
    e->ptr = e->len = e->progress = 0u;
    return payload;
}

/* Move n elements from the writer's buffer into the reader's, in the
 * shadows; the writer's bytes are the channel's sequence. */
static bool model_copy(mchan_t *c, mend_t *w, mend_t *r, uint32_t n)
{
    uint32_t bytes = n * c->size;
    uint32_t src = w->ptr + w->progress * c->size;
    uint32_t dst = r->ptr + r->progress * c->size;
    for (uint32_t k = 0u; k < bytes; k++) {
        TCHECK(shadow[w->inst][src + k] == seq_byte(c->uid, c->moved + k));
    }
    memmove(&shadow[r->inst][dst], &shadow[w->inst][src], bytes);
    c->moved += bytes;
    w->progress += n;
    r->progress += n;
    if (n > 0u && (w->progress < w->len || r->progress < r->len)) {
        stats.partial++;
    }
    return true;
}

static uint32_t remain(const mend_t *e)
{
    return e->len - e->progress;
}

/* SharedStreamImpl.read / write: `e` arrives with its buffer. */
static bool model_stream_arrive(mend_t *e)
{
    mchan_t *c = &chans[e->chan];
    int id = (int)(e - ends);
    if (c->dropped) {
        set_event(e, SQ_P3_COPY_DROPPED, false);
        return true;
    }
    if (c->pending < 0) {
        c->pending = id;
        return true;
    }
    mend_t *p = &ends[c->pending];
    TCHECK(p->readable != e->readable);
    if (remain(p) > 0u) {
        if (remain(e) > 0u) {
            uint32_t n = remain(e) < remain(p) ? remain(e) : remain(p);
            TRY(model_copy(c, e->readable ? p : e, e->readable ? e : p, n));
            set_event(p, SQ_P3_COPY_COMPLETED, true);
        }
        set_event(e, SQ_P3_COPY_COMPLETED, false);
    } else if (!e->readable && e->len == 0u && p->len == 0u) {
        set_event(e, SQ_P3_COPY_COMPLETED, false);
    } else {
        c->pending = id;
        set_event(p, SQ_P3_COPY_COMPLETED, false);
    }
    return true;
}

/* SharedFutureImpl.read / write. */
static bool model_future_arrive(mend_t *e)
{
    mchan_t *c = &chans[e->chan];
    int id = (int)(e - ends);
    if (c->dropped) {
        /* Only a writer can find the reader gone: a reader outlives its
         * writer only once the writer is done, and then it is done too. */
        TCHECK(!e->readable);
        set_event(e, SQ_P3_COPY_DROPPED, false);
        return true;
    }
    if (c->pending < 0) {
        c->pending = id;
        return true;
    }
    mend_t *p = &ends[c->pending];
    TCHECK(p->readable != e->readable);
    TRY(model_copy(c, e->readable ? p : e, e->readable ? e : p, 1u));
    c->pending = -1;
    set_event(p, SQ_P3_COPY_COMPLETED, false);
    set_event(e, SQ_P3_COPY_COMPLETED, false);
    return true;
}

/* ---- checks after every step ----------------------------------------- */

static bool check_tables(void)
{
    for (int i = 0; i < N_INST; i++) {
        const sq_p3_handle_table_t *rt = &inst[i].handles;
        const mtable_t *mt = &tables[i];
        TCHECK(rt->length == mt->length);
        for (uint32_t h = 1u; h < mt->length; h++) {
            TCHECK(rt->slots[h].kind == mt->kind[h]);
            if (mt->kind[h] == SQ_P3_KIND_FREE) {
                TCHECK(rt->slots[h].object == NULL);
                continue;
            }
            TCHECK(rt->slots[h].object != NULL);
            if (mt->kind[h] != SQ_P3_KIND_WAITABLE_SET) {
                const mend_t *e = &ends[mt->id[h]];
                TCHECK(e->live && e->inst == i && e->handle == h);
                TCHECK(rt->slots[h].object == e->object);
            }
        }
        /* The free list, most recently freed first. */
        uint32_t f = rt->free_head;
        for (uint32_t k = mt->nfree; k > 0u; k--) {
            TCHECK(f == mt->free_stack[k - 1u]);
            f = rt->slots[f].next_free;
        }
        TCHECK(f == 0u);
    }
    return true;
}

static bool check_ends(void)
{
    static const uint32_t real_state[] = {SQ_P3_END_IDLE, SQ_P3_END_COPYING, SQ_P3_END_DONE};
    for (int id = 0; id < MAX_ENDS; id++) {
        const mend_t *e = &ends[id];
        if (!e->live) {
            continue;
        }
        const mchan_t *c = &chans[e->chan];
        /* Legal model states: an event or a registration only while
         * copying, and copying only with one of them. */
        bool registered = c->pending == id;
        TCHECK(e->state == M_COPYING ? (e->ev || registered) : (!e->ev && !registered));
        TCHECK(!e->ev_reclaim || registered);
        TCHECK(e->progress <= e->len);
        const sq_p3_end_t *r = e->object;
        TCHECK(r->state == real_state[e->state]);
        TCHECK(r->w.handle == e->handle);
        TCHECK(r->w.owner == &inst[e->inst]);
        TCHECK((r->w.set == NULL) == (e->set == 0u));
        TCHECK(r->w.set == NULL || r->w.set->handle == e->set);
        TCHECK(!r->w.sync_waiting);
    }
    return true;
}

static bool check_all(void)
{
    for (int i = 0; i < N_INST; i++) {
        TCHECK(sq_p3_instance_trap(&inst[i]) == SQ_P3_TRAP_NONE);
        TCHECK(memcmp(mem[i], shadow[i], TR_MEM) == 0);
    }
    TRY(check_tables());
    TRY(check_ends());
    return true;
}

/* ---- picking ---------------------------------------------------------- */

typedef bool (*end_pred_t)(const mend_t *e);

/* A random live end of instance i (any instance for i < 0) meeting pred. */
static mend_t *pick_end(int i, end_pred_t pred)
{
    int cand[MAX_ENDS];
    int n = 0;
    for (int id = 0; id < MAX_ENDS; id++) {
        if (ends[id].live && (i < 0 || ends[id].inst == i) && pred(&ends[id])) {
            cand[n++] = id;
        }
    }
    return n == 0 ? NULL : &ends[cand[rnd((uint32_t)n)]];
}

static bool is_idle(const mend_t *e)
{
    return e->state == M_IDLE;
}
static bool is_copying(const mend_t *e)
{
    return e->state == M_COPYING;
}
static bool is_droppable(const mend_t *e)
{
    if (e->state == M_COPYING) {
        return false;
    }
    return !(chans[e->chan].future && !e->readable && e->state != M_DONE);
}
static bool is_transferable(const mend_t *e)
{
    return e->readable && e->state == M_IDLE && e->set == 0u;
}
static bool any_end(const mend_t *e)
{
    (void)e;
    return true;
}

/* Does [ptr, ptr + bytes) of instance i meet a buffer still lent out? */
static bool overlaps_lent(int i, uint32_t ptr, uint32_t bytes)
{
    for (int id = 0; id < MAX_ENDS; id++) {
        const mend_t *e = &ends[id];
        if (!e->live || e->inst != i || e->state != M_COPYING) {
            continue;
        }
        uint32_t b = e->len * chans[e->chan].size;
        if (b > 0u && ptr < e->ptr + b && e->ptr < ptr + bytes) {
            return true;
        }
    }
    return false;
}

/* A buffer for a copy of `len` elements: any pointer for 0 elements,
 * otherwise aligned, inside memory above the event area, clear of lent
 * buffers. False if none was found. */
static bool pick_buffer(int i, const mchan_t *c, uint32_t len, uint32_t *ptr)
{
    if (len == 0u) {
        *ptr = rnd(2u) == 0u ? (uint32_t)rng_state : BUF_START + rnd(TR_MEM - BUF_START);
        return true;
    }
    uint32_t bytes = len * c->size;
    for (int attempt = 0; attempt < 8; attempt++) {
        uint32_t p = BUF_START + rnd(TR_MEM - BUF_START - bytes + 1u);
        p &= ~(c->type->align - 1u);
        if (p >= BUF_START && !overlaps_lent(i, p, bytes)) {
            *ptr = p;
            return true;
        }
    }
    return false;
}

/* ---- steps ------------------------------------------------------------ */

static int live_channels(void)
{
    int n = 0;
    for (int c = 0; c < MAX_CHANNELS; c++) {
        n += chans[c].live ? 1 : 0;
    }
    return n;
}

static bool step_new(int i)
{
    int c = 0;
    while (c < MAX_CHANNELS && chans[c].live) {
        c++;
    }
    if (c == MAX_CHANNELS) {
        return true;
    }
    trace_op = "new";
    bool future = rnd(3u) == 0u;
    mchan_t *ch = &chans[c];
    memset(ch, 0, sizeof *ch);
    ch->live = true;
    ch->future = future;
    ch->type = rnd(2u) == 0u ? &ty_u8 : &ty_u32;
    ch->size = ch->type->size;
    ch->pending = -1;
    ch->uid = next_uid++;
    mend_t *r = &ends[2 * c], *w = &ends[2 * c + 1];
    memset(r, 0, sizeof *r);
    memset(w, 0, sizeof *w);
    r->live = w->live = true;
    r->chan = w->chan = c;
    r->readable = true;
    r->inst = w->inst = i;
    r->state = w->state = M_IDLE;
    r->handle = table_add(i, end_kind(r), 2 * c);
    w->handle = table_add(i, end_kind(w), 2 * c + 1);

    uint64_t packed = 0u;
    sq_status_t st = future ? sq_p3_future_new(&thr[i], ch->type, &packed)
                            : sq_p3_stream_new(&thr[i], ch->type, &packed);
    TCHECK(st == SQ_OK);
    TCHECK(packed == (r->handle | (uint64_t)w->handle << 32));
    r->object = inst[i].handles.slots[r->handle].object;
    w->object = inst[i].handles.slots[w->handle].object;
    stats.news++;
    return true;
}

static bool step_copy(int i)
{
    mend_t *e = pick_end(i, is_idle);
    if (e == NULL) {
        return true;
    }
    mchan_t *c = &chans[e->chan];
    trace_op = e->readable ? "read" : "write";
    uint32_t len = 1u;
    if (!c->future) {
        uint32_t pick = rnd(8u);
        len = pick == 0u ? 0u : pick < 5u ? 1u + rnd(8u) : 1u + rnd(48u / c->size);
    }
    uint32_t ptr = 0u;
    if (!pick_buffer(i, c, len, &ptr)) {
        return true;
    }
    /* The writer's buffer holds the sequence from where the stream is. */
    if (!e->readable) {
        for (uint32_t k = 0u; k < len * c->size; k++) {
            shadow[i][ptr + k] = mem[i][ptr + k] = seq_byte(c->uid, c->moved + k);
        }
    }
    e->state = M_COPYING;
    e->ptr = ptr;
    e->len = len;
    e->progress = 0u;
    TRY(c->future ? model_future_arrive(e) : model_stream_arrive(e));
    uint32_t expect = e->ev ? deliver(e, false) : SQ_P3_BLOCKED;

    uint32_t ret = 0u;
    sq_status_t st;
    if (c->future) {
        st = e->readable ? sq_p3_future_read(&thr[i], c->type, e->handle, ptr, true, &ret)
                         : sq_p3_future_write(&thr[i], c->type, e->handle, ptr, true, &ret);
    } else {
        st = e->readable ? sq_p3_stream_read(&thr[i], c->type, e->handle, ptr, len, true, &ret)
                         : sq_p3_stream_write(&thr[i], c->type, e->handle, ptr, len, true, &ret);
    }
    TCHECK(st == SQ_OK);
    TCHECK(ret == expect);
    if (expect == SQ_P3_BLOCKED) {
        stats.blocked++;
    } else {
        stats.immediate++;
    }
    stats.zero_len += len == 0u ? 1u : 0u;
    return true;
}

static bool cancel_end(mend_t *e)
{
    int i = e->inst;
    mchan_t *c = &chans[e->chan];
    trace_op = e->readable ? "cancel-read" : "cancel-write";
    if (!e->ev) {
        /* Still registered with no progress: shared.cancel(). */
        TCHECK(c->pending == (int)(e - ends));
        c->pending = -1;
        set_event(e, SQ_P3_COPY_CANCELLED, false);
    }
    uint32_t expect = deliver(e, true);
    uint32_t ret = 0u;
    sq_status_t st;
    if (c->future) {
        st = e->readable ? sq_p3_future_cancel_read(&thr[i], c->type, e->handle, true, &ret)
                         : sq_p3_future_cancel_write(&thr[i], c->type, e->handle, true, &ret);
    } else {
        st = e->readable ? sq_p3_stream_cancel_read(&thr[i], c->type, e->handle, true, &ret)
                         : sq_p3_stream_cancel_write(&thr[i], c->type, e->handle, true, &ret);
    }
    TCHECK(st == SQ_OK);
    TCHECK(ret == expect);
    stats.cancels++;
    return true;
}

static bool step_cancel(int i)
{
    mend_t *e = pick_end(i, is_copying);
    return e == NULL ? true : cancel_end(e);
}

static bool step_drop(int i)
{
    mend_t *e = pick_end(i, is_droppable);
    if (e == NULL) {
        return true;
    }
    mchan_t *c = &chans[e->chan];
    int id = (int)(e - ends);
    trace_op = e->readable ? "drop-readable" : "drop-writable";
    table_remove(i, e->handle);
    e->live = false;
    e->set = 0u;
    if (!c->dropped) {
        c->dropped = true;
        if (c->pending >= 0) {
            /* The other side's copy ends DROPPED with its progress. */
            mend_t *p = &ends[c->pending];
            TCHECK(c->pending != id);
            c->pending = -1;
            set_event(p, SQ_P3_COPY_DROPPED, false);
            stats.drops_notifying++;
        }
    }
    int other = id ^ 1;
    if (!ends[other].live) {
        c->live = false;
    }
    sq_status_t st;
    if (c->future) {
        st = e->readable ? sq_p3_future_drop_readable(&thr[i], c->type, e->handle)
                         : sq_p3_future_drop_writable(&thr[i], c->type, e->handle);
    } else {
        st = e->readable ? sq_p3_stream_drop_readable(&thr[i], c->type, e->handle)
                         : sq_p3_stream_drop_writable(&thr[i], c->type, e->handle);
    }
    TCHECK(st == SQ_OK);
    return true;
}

static bool step_join(int i)
{
    mend_t *e = pick_end(i, any_end);
    if (e == NULL) {
        return true;
    }
    trace_op = "join";
    uint32_t s = rnd(SETS_PER_INST + 1u);
    e->set = s;
    /* An end that joins with an event pending counts from its join. */
    if (e->ev) {
        e->ev_stamp = clock_now++;
    }
    TCHECK(sq_p3_waitable_join(&thr[i], e->handle, s) == SQ_OK);
    stats.joins++;
    return true;
}

/* The member of set s of instance i whose event is the oldest, or NULL. */
static mend_t *oldest_in_set(int i, uint32_t s)
{
    mend_t *best = NULL;
    for (int id = 0; id < MAX_ENDS; id++) {
        mend_t *e = &ends[id];
        if (e->live && e->inst == i && e->set == s && e->ev &&
            (best == NULL || e->ev_stamp < best->ev_stamp)) {
            best = e;
        }
    }
    return best;
}

static void store_event(int i, uint32_t index, uint32_t payload)
{
    for (uint32_t k = 0u; k < 4u; k++) {
        shadow[i][EVT_PTR + k] = (uint8_t)(index >> (8u * k));
        shadow[i][EVT_PTR + 4u + k] = (uint8_t)(payload >> (8u * k));
    }
}

/* poll, or wait when the model says an event is there (it never blocks). */
static bool step_poll(int i, bool wait)
{
    uint32_t s = 1u + rnd(SETS_PER_INST);
    mend_t *e = oldest_in_set(i, s);
    /* Half the time, the other set if only it has an event. */
    if (e == NULL && rnd(2u) == 0u) {
        s = s % SETS_PER_INST + 1u;
        e = oldest_in_set(i, s);
    }
    if (wait && e == NULL) {
        return true;
    }
    trace_op = wait ? "wait" : "poll";
    uint32_t code = 0xffu;
    sq_status_t st = wait ? sq_p3_waitable_set_wait(&thr[i], s, EVT_PTR, &code)
                          : sq_p3_waitable_set_poll(&thr[i], s, EVT_PTR, &code);
    TCHECK(st == SQ_OK);
    if (e == NULL) {
        TCHECK(code == SQ_P3_EVENT_NONE);
        store_event(i, 0u, 0u);
        stats.polls_none++;
        return true;
    }
    TCHECK(code != SQ_P3_EVENT_NONE);
    /* Which end the runtime delivered: it must have had an event in s. */
    uint32_t index = (uint32_t)mem[i][EVT_PTR] | (uint32_t)mem[i][EVT_PTR + 1u] << 8 |
                     (uint32_t)mem[i][EVT_PTR + 2u] << 16 | (uint32_t)mem[i][EVT_PTR + 3u] << 24;
    TCHECK(index > 0u && index < tables[i].length);
    TCHECK(tables[i].kind[index] != SQ_P3_KIND_FREE &&
           tables[i].kind[index] != SQ_P3_KIND_WAITABLE_SET);
    mend_t *got = &ends[tables[i].id[index]];
    TCHECK(got->set == s && got->ev);
    /* Oldest pending first (p3_waitable.h). */
    TCHECK(got == e);
    TCHECK(code == event_code_of(got));
    store_event(i, index, deliver(got, false));
    if (wait) {
        stats.waits++;
    } else {
        stats.polls_event++;
    }
    return true;
}

static bool step_transfer(int i)
{
    mend_t *e = pick_end(i, is_transferable);
    if (e == NULL) {
        return true;
    }
    trace_op = "transfer";
    int to = (i + 1 + (int)rnd(N_INST - 1)) % N_INST;
    mchan_t *c = &chans[e->chan];
    uint32_t from_handle = e->handle;
    table_remove(i, from_handle);
    e->inst = to;
    e->handle = table_add(to, end_kind(e), (int)(e - ends));
    uint32_t moved = 0u;
    TCHECK(sq_p3_end_transfer(&thr[i], &inst[to], c->type, from_handle, &moved) == SQ_OK);
    TCHECK(moved == e->handle);
    e->object = inst[to].handles.slots[moved].object;
    stats.transfers++;
    return true;
}

/* Deliver every pending event through the sets, then check none is left
 * and every registered copy cancels with CANCELLED. */
static bool drain(void)
{
    trace_op = "drain";
    for (int id = 0; id < MAX_ENDS; id++) {
        mend_t *e = &ends[id];
        if (e->live && e->ev && e->set == 0u) {
            e->set = 1u;
            e->ev_stamp = clock_now++;
            TCHECK(sq_p3_waitable_join(&thr[e->inst], e->handle, 1u) == SQ_OK);
        }
    }
    for (int i = 0; i < N_INST; i++) {
        for (uint32_t s = 1u; s <= SETS_PER_INST; s++) {
            for (;;) {
                mend_t *e = oldest_in_set(i, s);
                uint32_t code = 0xffu;
                TCHECK(sq_p3_waitable_set_poll(&thr[i], s, EVT_PTR, &code) == SQ_OK);
                if (e == NULL) {
                    TCHECK(code == SQ_P3_EVENT_NONE);
                    store_event(i, 0u, 0u);
                    break;
                }
                TCHECK(code == event_code_of(e));
                TCHECK(mem[i][EVT_PTR] == (uint8_t)e->handle);
                store_event(i, e->handle, deliver(e, false));
                TRY(check_all());
            }
        }
    }
    for (int id = 0; id < MAX_ENDS; id++) {
        mend_t *e = &ends[id];
        if (e->live && e->state == M_COPYING) {
            TCHECK(!e->ev && chans[e->chan].pending == id);
            TRY(cancel_end(e));
            TRY(check_all());
        }
    }
    return true;
}

/* The embedder moves instance i's memory elsewhere; the old place is
 * scribbled over. */
static bool step_move_memory(int i)
{
    trace_op = "move-memory";
    uint8_t *to = mem[i] == banks[0][i] ? banks[1][i] : banks[0][i];
    memcpy(to, mem[i], TR_MEM);
    memset(mem[i], 0xa5, TR_MEM);
    TCHECK(sq_p3_instance_set_memory(&inst[i], to, TR_MEM) == SQ_OK);
    mem[i] = to;
    stats.moves++;
    return true;
}

static void fresh(void)
{
    memset(trace_rt_channels, 0, sizeof trace_rt_channels);
    memset(trace_rt_sets, 0, sizeof trace_rt_sets);
    memset(trace_rt_set_storage, 0, sizeof trace_rt_set_storage);
    memset(trace_rt_errors, 0, sizeof trace_rt_errors);
    trace_rt.magic = 0u;
    memset(ends, 0, sizeof ends);
    memset(chans, 0, sizeof chans);
    memset(tables, 0, sizeof tables);
    memset(banks, 0, sizeof banks);
    for (int i = 0; i < N_INST; i++) {
        mem[i] = banks[0][i];
    }
    memset(shadow, 0, sizeof shadow);
    next_uid = 1u;
    clock_now = 0u;
}

static bool run_trace(unsigned long seed, unsigned long steps)
{
    fresh();
    trace_seed = seed;
    trace_step = 0u;
    trace_op = "init";
    rng_state = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed * 0xbf58476d1ce4e5b9ull);
    if (rng_state == 0u) {
        rng_state = 1u;
    }
    TCHECK(sq_p3_runtime_init(&trace_rt) == SQ_OK);
    for (int i = 0; i < N_INST; i++) {
        TCHECK(sq_p3_instance_init(&inst[i], &trace_rt, slots[i], TR_HANDLES, mem[i], TR_MEM) ==
               SQ_OK);
        TCHECK(sq_p3_thread_init(&thr[i], &inst[i]) == SQ_OK);
        tables[i].length = 1u;
        for (uint32_t s = 1u; s <= SETS_PER_INST; s++) {
            uint32_t index = 0u;
            TCHECK(sq_p3_waitable_set_new(&thr[i], &index) == SQ_OK);
            TCHECK(index == table_add(i, SQ_P3_KIND_WAITABLE_SET, (int)s));
        }
    }
    for (trace_step = 1u; trace_step <= steps; trace_step++) {
        int i = (int)rnd(N_INST);
        uint32_t pick = rnd(100u);
        bool ok;
        if (pick < 8u) {
            ok = live_channels() < MAX_CHANNELS ? step_new(i) : true;
        } else if (pick < 40u) {
            ok = step_copy(i);
        } else if (pick < 48u) {
            ok = step_cancel(i);
        } else if (pick < 57u) {
            ok = step_drop(i);
        } else if (pick < 70u) {
            ok = step_join(i);
        } else if (pick < 85u) {
            ok = step_poll(i, false);
        } else if (pick < 92u) {
            ok = step_poll(i, true);
        } else if (pick < 94u) {
            ok = step_move_memory(i);
        } else {
            ok = step_transfer(i);
        }
        TRY(ok);
        TRY(check_all());
        stats.ops++;
    }
    TRY(drain());
    TRY(check_all());
    return true;
}

static void test_p3_trace(void **state)
{
    (void)state;
    unsigned long seed0 = 1u, seeds = TRACE_SEEDS, steps = TRACE_STEPS;
#if !defined(SQ_TEST_TARGET)
    /* Replay one run: SQ_P3_TRACE_SEED=n [SQ_P3_TRACE_STEPS=m]. */
    const char *env_seed = getenv("SQ_P3_TRACE_SEED");
    const char *env_steps = getenv("SQ_P3_TRACE_STEPS");
    if (env_seed != NULL) {
        seed0 = strtoul(env_seed, NULL, 0);
        seeds = 1u;
    }
    if (env_steps != NULL) {
        steps = strtoul(env_steps, NULL, 0);
    }
#endif
    for (unsigned long s = seed0; s < seed0 + seeds; s++) {
        memset(&stats, 0, sizeof stats);
        bool ok = run_trace(s, steps);
        printf("p3 trace seed %lu: %lu steps, %s; copies %lu blocked / %lu at once (%lu partial, "
               "%lu zero-length), %lu cancels (%lu after progress), %lu DROPPED results, %lu drops "
               "notifying a copy, %lu polls with an event / %lu without, %lu waits, %lu joins, %lu "
               "transfers, %lu news, %lu memory moves\n",
               s, stats.ops, ok ? "ok" : "FAILED", stats.blocked, stats.immediate, stats.partial,
               stats.zero_len, stats.cancels, stats.cancel_progress, stats.dropped_results,
               stats.drops_notifying, stats.polls_event, stats.polls_none, stats.waits, stats.joins,
               stats.transfers, stats.news, stats.moves);
        SQ_CHECK(ok);
    }
}

SQ_TEST_MAIN(SQ_TEST(test_p3_trace))
