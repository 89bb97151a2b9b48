/*
 * libFuzzer harness: the P3 built-ins (streams, futures, waitable sets,
 * error contexts, context slots, end transfer) with two or three
 * instances, driven with arbitrary handles, guest pointers, lengths and
 * element type descriptors (valid, invalid, and valid but of another
 * stream), NULL arguments, and may_leave false.
 *
 * After every call it checks what the headers promise, without a model of
 * the reference (tests/test_p3_trace.c has one, for legal steps):
 *   - a call refused with any code but SQ_ERR_TRAP changes nothing at all
 *     (pools, tables, instances, guest threads, every linear memory);
 *   - SQ_ERR_TRAP records a reason in the caller's instance (the first
 *     one stays) and changes nothing else; no other instance's reason
 *     changes (a transfer's target may trap TABLE_FULL);
 *   - every later call on a trapped instance returns SQ_ERR_TRAP (or the
 *     code of an embedder error: NULL, an unregistered thread, a bad
 *     descriptor at new) and changes nothing;
 *   - a successful call writes linear memory only where it may: a copy
 *     moves exactly the next elements of the writer's posted buffer into
 *     the next places of the reader's, each side's progress grows by the
 *     count the arriver reports; wait and poll store 8 bytes at their
 *     checked pointer; debug-message its block and 8 bytes; nothing else
 *     in any memory changes, and no other instance's table does;
 *   - every handle table stays well formed and agrees with the pools
 *     (each object in exactly the slot that names it, owners and indices
 *     right, free list a LIFO chain of free slots).
 * Each linear memory sits between poisoned guard bytes.
 *
 * A transfer's refusals each belong to one instance: SQ_ERR_TRAP is the
 * caller's (its reason recorded there), SQ_ERR_STATE the target's (trapped
 * before, nothing recorded; or TABLE_FULL recorded in it).
 */
#include <squall/kernel.h>
#include <squall/p3_runtime.h>
#include "fuzz_common.h"

#define N_INST 3
#define MEM 256u
#define GUARD 64u
#define SLOTS 12u
#define N_CHAN 8u
#define N_SETS 4u
#define MEMBERS 4u
#define N_ERR 2u
#define N_TYPES 6u

/* Everything the built-ins may change, in one place, so that a call can
 * be compared with a copy taken before it. Linear memories are apart,
 * between guards. */
typedef struct world {
    sq_p3_runtime_t rt;
    sq_p3_channel_t chans[N_CHAN];
    sq_p3_wset_t sets[N_SETS];
    sq_waitable_t *set_storage[N_SETS * MEMBERS];
    sq_p3_error_context_t errs[N_ERR];
    sq_p3_instance_t inst[N_INST];
    sq_p3_handle_slot_t slots[N_INST][SLOTS];
    sq_p3_thread_t thr[N_INST + 1]; /* the last one is never initialised */
    uint8_t mem[N_INST][MEM];       /* a copy; the live memories are in `arena` */
} world_t;

static world_t W;
static world_t pre;
static uint8_t expect[N_INST][MEM];
static _Alignas(16) uint8_t arena[GUARD + N_INST * (MEM + GUARD)];
static sq_p3_type_t types[N_TYPES];
static int n_inst;
/* SQ_FUZZ_TRACE set: print each call (to replay a failing input). */
static bool trace;
/* Context slots as the guest threads should see them. */
static uint32_t ctx[N_INST][SQ_P3_CONTEXT_SLOTS];

static uint8_t *mem_of(int i)
{
    return arena + GUARD + (size_t)i * (MEM + GUARD);
}

static void world_take(world_t *w)
{
    *w = W;
    for (int i = 0; i < n_inst; i++) {
        memcpy(w->mem[i], mem_of(i), MEM);
    }
}

/* The copy in `pre` of an object inside W. */
static const void *pre_of(const void *p)
{
    return (const uint8_t *)&pre + ((const uint8_t *)p - (const uint8_t *)&W);
}

static int inst_index(const sq_p3_instance_t *inst)
{
    for (int i = 0; i < n_inst; i++) {
        if (inst == &W.inst[i]) {
            return i;
        }
    }
    return -1;
}

/* ---- the guest's realloc, driven by the input ------------------------- */

static struct {
    int mode;          /* 0: give `ret`, 1: no memory, 2: call a built-in first */
    uint32_t ret;
    bool called;
    uint32_t size;
    int inst;
} rl;

static uint32_t fuzz_realloc(void *c, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                             uint32_t new_size)
{
    int i = (int)(intptr_t)c;
    FZ_CHECK(old_ptr == 0u && old_size == 0u && align == 1u);
    FZ_CHECK(!W.inst[i].may_leave);
    rl.called = true;
    rl.size = new_size;
    rl.inst = i;
    if (rl.mode == 1) {
        return SQ_P3_NO_MEMORY;
    }
    if (rl.mode == 2) {
        /* Guest code with may_leave false: any built-in traps. */
        uint32_t s = 0u;
        FZ_CHECK(sq_p3_waitable_set_new(&W.thr[i], &s) == SQ_ERR_TRAP);
        FZ_CHECK(W.inst[i].trap != SQ_P3_TRAP_NONE);
    }
    return rl.ret;
}

/* ---- invariants ------------------------------------------------------- */

static bool is_end_kind(uint32_t k)
{
    return k >= SQ_P3_KIND_STREAM_READABLE && k <= SQ_P3_KIND_FUTURE_WRITABLE;
}

static bool readable_kind(uint32_t k)
{
    return k == SQ_P3_KIND_STREAM_READABLE || k == SQ_P3_KIND_FUTURE_READABLE;
}

/* Every table well formed and in agreement with the pools. */
static void check_tables(void)
{
    uint32_t end_refs[N_CHAN][2] = {{0u}};
    uint32_t set_refs[N_SETS] = {0u};
    uint32_t err_refs[N_ERR] = {0u};
    for (int i = 0; i < n_inst; i++) {
        const sq_p3_handle_table_t *t = &W.inst[i].handles;
        FZ_CHECK(t->slots == W.slots[i] && t->capacity == SLOTS);
        FZ_CHECK(t->length >= 1u && t->length <= SLOTS);
        uint32_t free_count = 0u;
        for (uint32_t h = 1u; h < t->length; h++) {
            const sq_p3_handle_slot_t *s = &t->slots[h];
            if (s->kind == SQ_P3_KIND_FREE) {
                free_count++;
                continue;
            }
            if (is_end_kind(s->kind)) {
                const sq_p3_end_t *e = s->object;
                const sq_p3_channel_t *ch = e->channel;
                FZ_CHECK(ch >= W.chans && ch < W.chans + N_CHAN && ch->link.in_use);
                bool r = readable_kind(s->kind);
                FZ_CHECK(e == (r ? &ch->readable : &ch->writable));
                FZ_CHECK(e->w.owner == &W.inst[i] && e->w.handle == h && e->w.kind == s->kind);
                FZ_CHECK(ch->future == (s->kind >= SQ_P3_KIND_FUTURE_READABLE));
                FZ_CHECK(e->state <= SQ_P3_END_DONE);
                FZ_CHECK(e->state != SQ_P3_END_COPYING || e->progress <= e->length);
                end_refs[ch - W.chans][r ? 0 : 1]++;
            } else if (s->kind == SQ_P3_KIND_WAITABLE_SET) {
                const sq_p3_wset_t *ws = s->object;
                FZ_CHECK(ws >= W.sets && ws < W.sets + N_SETS && ws->link.in_use);
                FZ_CHECK(ws->owner == &W.inst[i] && ws->handle == h);
                set_refs[ws - W.sets]++;
            } else {
                FZ_CHECK(s->kind == SQ_P3_KIND_ERROR_CONTEXT);
                const sq_p3_error_context_t *e = s->object;
                FZ_CHECK(e >= W.errs && e < W.errs + N_ERR && e->link.in_use);
                FZ_CHECK(e->length <= SQ_P3_ERROR_MESSAGE_MAX);
                err_refs[e - W.errs]++;
            }
        }
        /* The free list: a chain through exactly the free slots. */
        uint32_t chain = 0u;
        for (uint32_t h = t->free_head; h != 0u; h = t->slots[h].next_free) {
            FZ_CHECK(h < t->length && t->slots[h].kind == SQ_P3_KIND_FREE);
            FZ_CHECK(++chain <= free_count);
        }
        FZ_CHECK(chain == free_count);
    }
    uint32_t used = 0u;
    for (uint32_t c = 0u; c < N_CHAN; c++) {
        const sq_p3_channel_t *ch = &W.chans[c];
        FZ_CHECK(end_refs[c][0] <= 1u && end_refs[c][1] <= 1u);
        if (ch->link.in_use) {
            used++;
            /* A channel lives while one of its ends does. */
            FZ_CHECK(end_refs[c][0] + end_refs[c][1] >= 1u);
            FZ_CHECK(ch->dropped == (end_refs[c][0] + end_refs[c][1] == 1u));
            FZ_CHECK(ch->pending == NULL || ch->pending == &ch->readable ||
                     ch->pending == &ch->writable);
        } else {
            FZ_CHECK(end_refs[c][0] + end_refs[c][1] == 0u);
        }
    }
    FZ_CHECK(W.rt.channels.used == used);
    used = 0u;
    for (uint32_t s = 0u; s < N_SETS; s++) {
        FZ_CHECK(set_refs[s] == (W.sets[s].link.in_use ? 1u : 0u));
        used += set_refs[s];
    }
    FZ_CHECK(W.rt.sets.used == used);
    used = 0u;
    for (uint32_t e = 0u; e < N_ERR; e++) {
        if (W.errs[e].link.in_use) {
            used++;
            FZ_CHECK(W.errs[e].refs == err_refs[e]);
        } else {
            FZ_CHECK(err_refs[e] == 0u);
        }
    }
    FZ_CHECK(W.rt.errors.used == used);
}

/* ---- the calls -------------------------------------------------------- */

/* What the harness knows about a call: the caller, and whether the
 * embedder (not the guest) broke a rule (a NULL or unregistered thread, a
 * NULL out-pointer, a bad descriptor at new), which the built-ins may
 * report before looking at the instance. */
typedef struct call {
    int caller;        /* instance index, -1 for a bad thread */
    int target;        /* a transfer's target instance, else -1 */
    bool host_error;
    bool is_debug;     /* debug-message: its block may change before a trap */
} call_t;

/* A descriptor: one of the table, or NULL. */
static const sq_p3_type_t *pick_type(fz_in_t *in)
{
    uint32_t k = fz_below(in, N_TYPES + 1u);
    return k == N_TYPES ? NULL : &types[k];
}

/* The verdict `new` must give a descriptor. */
static sq_status_t type_verdict(const sq_p3_type_t *t)
{
    if (t == NULL) {
        return SQ_ERR_NULL;
    }
    if (t->kind == SQ_P3_ELEM_HANDLE || t->kind == SQ_P3_ELEM_STRING) {
        return SQ_ERR_UNSUPPORTED;
    }
    if (t->kind > SQ_P3_ELEM_STRING || t->align == 0u || (t->align & (t->align - 1u)) != 0u) {
        return SQ_ERR_INVALID;
    }
    if (t->kind == SQ_P3_ELEM_NONE) {
        return t->size == 0u ? SQ_OK : SQ_ERR_INVALID;
    }
    return t->size > 0u && t->size % t->align == 0u ? SQ_OK : SQ_ERR_INVALID;
}

/* A handle: mostly a slot of the caller's table holding one of `kinds`
 * (a mask of SQ_P3_KIND_BIT), sometimes any slot, sometimes anything. */
static uint32_t pick_handle(fz_in_t *in, int caller, uint32_t kinds)
{
    uint32_t choice = fz_below(in, 16u);
    if (choice == 0u) {
        return fz_u32(in);
    }
    if (caller >= 0 && kinds != 0u && choice > 2u) {
        const sq_p3_handle_table_t *t = &W.inst[caller].handles;
        uint32_t match[SLOTS];
        uint32_t m = 0u;
        for (uint32_t h = 1u; h < t->length; h++) {
            if ((SQ_P3_KIND_BIT(t->slots[h].kind) & kinds) != 0u) {
                match[m++] = h;
            }
        }
        if (m > 0u) {
            return match[fz_below(in, m)];
        }
    }
    return fz_below(in, SLOTS + 1u);
}

/* The handle kinds call `op` wants in its first handle argument. */
static uint32_t op_kinds(uint32_t op)
{
    static const uint32_t end_kinds[4] = {
        SQ_P3_KIND_BIT(SQ_P3_KIND_STREAM_READABLE), SQ_P3_KIND_BIT(SQ_P3_KIND_STREAM_WRITABLE),
        SQ_P3_KIND_BIT(SQ_P3_KIND_FUTURE_READABLE), SQ_P3_KIND_BIT(SQ_P3_KIND_FUTURE_WRITABLE)};
    if (op >= 2u && op <= 13u) {
        return end_kinds[(op - 2u) % 4u];
    }
    switch (op) {
    case 14:
        return end_kinds[0] | end_kinds[2];
    case 16:
    case 17:
    case 18:
        return SQ_P3_KIND_BIT(SQ_P3_KIND_WAITABLE_SET);
    case 19:
        return SQ_P3_KINDS_WAITABLE;
    case 21:
    case 22:
        return SQ_P3_KIND_BIT(SQ_P3_KIND_ERROR_CONTEXT);
    default:
        return 0u;
    }
}

/* A guest pointer: mostly inside memory (often aligned), sometimes anything. */
static uint32_t pick_ptr(fz_in_t *in)
{
    switch (fz_below(in, 8u)) {
    case 0:
        return fz_u32(in);
    case 1:
        return MEM - fz_below(in, 16u);
    case 2:
        return fz_below(in, MEM);
    default:
        return fz_below(in, MEM / 4u) * 4u;
    }
}

/* An element count: mostly small, sometimes anything. */
static uint32_t pick_count(fz_in_t *in)
{
    switch (fz_below(in, 8u)) {
    case 0:
        return fz_u32(in);
    case 1:
        return 0u;
    default:
        return fz_below(in, 24u);
    }
}

/* The guest thread a call runs on: the instance's own, or (rarely) NULL
 * or one never initialised. */
static sq_p3_thread_t *pick_thread(fz_in_t *in, call_t *c)
{
    c->caller = (int)fz_below(in, (uint32_t)n_inst);
    c->target = -1;
    switch (fz_below(in, 64u)) {
    case 0:
        c->caller = -1;
        c->host_error = true;
        return NULL;
    case 1:
        c->caller = -1;
        c->host_error = true;
        return &W.thr[N_INST];
    default:
        return &W.thr[c->caller];
    }
}

/* An out-pointer: `p`, or (rarely) NULL. */
#define OUT(p) (fz_below(in, 48u) == 0u ? (c.host_error = true, (void *)NULL) : (void *)(p))

/* The end the caller's slot `h` names, if it names one. */
static sq_p3_end_t *end_at(int i, uint32_t h)
{
    const sq_p3_handle_table_t *t = &W.inst[i].handles;
    if (h == 0u || h >= t->length || !is_end_kind(t->slots[h].kind)) {
        return NULL;
    }
    return t->slots[h].object;
}

/* A copy that returned SQ_OK: what it moved must be exactly the next
 * elements of the writer's buffer into the next places of the reader's.
 * Applies the move to `expect`. */
static void check_copy(sq_p3_end_t *e, bool async, uint32_t result)
{
    sq_p3_channel_t *ch = e->channel;
    const sq_p3_channel_t *ch0 = pre_of(ch);
    uint32_t n = e->progress;    /* the arriver starts its copy from 0 */
    FZ_CHECK(n <= e->length);
    if (result == SQ_P3_BLOCKED) {
        FZ_CHECK(async && n == 0u && e->state == SQ_P3_END_COPYING && ch->pending == e);
        return;
    }
    if (ch->future) {
        FZ_CHECK(result <= SQ_P3_COPY_DROPPED);
    } else {
        FZ_CHECK((result & 0xfu) <= SQ_P3_COPY_DROPPED && result >> 4 == n);
    }
    if (n == 0u) {
        return;
    }
    /* The partner was the pending end before the call. */
    sq_p3_end_t *p = ch0->pending;
    FZ_CHECK(p != NULL && p != e && p->channel == ch);
    const sq_p3_end_t *p0 = pre_of(p);
    FZ_CHECK(p->progress == p0->progress + n && p->progress <= p->length);
    FZ_CHECK(p->ptr == p0->ptr && p->length == p0->length);
    sq_p3_end_t *r = e == &ch->readable ? e : p;
    sq_p3_end_t *w = e == &ch->readable ? p : e;
    size_t size = ch->type->size;
    size_t bytes = (size_t)n * size;
    if (bytes == 0u) {
        return; /* no element type: counts only, pointers never looked at */
    }
    size_t dst = (size_t)r->ptr + (size_t)(r->progress - n) * size;
    size_t src = (size_t)w->ptr + (size_t)(w->progress - n) * size;
    int ri = inst_index(r->w.owner);
    int wi = inst_index(w->w.owner);
    FZ_CHECK(ri >= 0 && wi >= 0);
    /* Inside both posted buffers, so inside both memories (ST01, ST02). */
    FZ_CHECK(dst + bytes <= (size_t)r->ptr + (size_t)r->length * size && dst + bytes <= MEM);
    FZ_CHECK(src + bytes <= (size_t)w->ptr + (size_t)w->length * size && src + bytes <= MEM);
    memcpy(&expect[ri][dst], &pre.mem[wi][src], bytes);
}

/* wait/poll returned SQ_OK with `code`: 8 bytes at ptr hold (index,
 * payload); nothing else changed in the caller's memory. */
static void check_event(int i, uint32_t ptr, uint32_t code)
{
    FZ_CHECK(ptr % 4u == 0u && ptr <= MEM - 8u);
    const uint8_t *at = mem_of(i) + ptr;
    uint32_t index = (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 |
                     (uint32_t)at[3] << 24;
    uint32_t payload = (uint32_t)at[4] | (uint32_t)at[5] << 8 | (uint32_t)at[6] << 16 |
                       (uint32_t)at[7] << 24;
    memcpy(&expect[i][ptr], at, 8u);
    if (code == SQ_P3_EVENT_NONE) {
        FZ_CHECK(index == 0u && payload == 0u);
        return;
    }
    FZ_CHECK(code >= SQ_P3_EVENT_STREAM_READ && code <= SQ_P3_EVENT_FUTURE_WRITE);
    const sq_p3_end_t *e = end_at(i, index);
    FZ_CHECK(e != NULL && e->w.kind == code - 1u);
    FZ_CHECK(e->state != SQ_P3_END_COPYING);
    if (e->channel->future) {
        FZ_CHECK(payload <= SQ_P3_COPY_CANCELLED);
    } else {
        FZ_CHECK((payload & 0xfu) <= SQ_P3_COPY_CANCELLED && payload >> 4 == e->progress);
    }
}

/* Compare W with `pre` after a call that may change only the trap reasons
 * in `traps` (a bit per instance), and nothing more. */
static void check_unchanged(uint32_t traps, const call_t *c)
{
    world_t now;
    world_take(&now);
    for (int i = 0; i < n_inst; i++) {
        if ((traps >> i & 1u) != 0u) {
            pre.inst[i].trap = now.inst[i].trap;
        }
    }
    if (c->is_debug && rl.called && rl.ret <= MEM && rl.size <= MEM - rl.ret) {
        /* The reference's order: the block is filled before ptr is
         * checked, so a trap on ptr leaves it written. */
        memcpy(&pre.mem[rl.inst][rl.ret], &now.mem[rl.inst][rl.ret], rl.size);
    }
    if (memcmp(&pre, &now, sizeof now) != 0) {
        for (size_t k = 0u; k < sizeof now; k++) {
            if (((const uint8_t *)&pre)[k] != ((const uint8_t *)&now)[k]) {
                fprintf(stderr, "changed: byte %zu of the world (chans at %zu, sets %zu, errs %zu, "
                        "inst %zu, slots %zu, thr %zu, mem %zu)\n", k,
                        offsetof(world_t, chans), offsetof(world_t, sets),
                        offsetof(world_t, errs), offsetof(world_t, inst),
                        offsetof(world_t, slots), offsetof(world_t, thr),
                        offsetof(world_t, mem));
                break;
            }
        }
        FZ_CHECK(!"a refused call changed nothing");
    }
}

static void setup(fz_in_t *in)
{
    memset(&W, 0, sizeof W);
    W.rt = (sq_p3_runtime_t){.channels = SQ_P3_POOL_OF(W.chans, N_CHAN),
                             .sets = SQ_P3_POOL_OF(W.sets, N_SETS),
                             .errors = SQ_P3_POOL_OF(W.errs, N_ERR),
                             .set_storage = W.set_storage, .set_members = MEMBERS};
    FZ_CHECK(sq_p3_runtime_init(&W.rt) == SQ_OK);
    n_inst = 2 + (int)fz_below(in, 2u);
    ASAN_UNPOISON_MEMORY_REGION(arena, sizeof arena);
    memset(arena, FZ_GUARD_BYTE, sizeof arena);
    for (int i = 0; i < N_INST; i++) {
        uint8_t *m = mem_of(i);
        for (uint32_t k = 0u; k < MEM; k++) {
            m[k] = (uint8_t)(k * 7u + (uint32_t)i * 101u + 1u);
        }
        fz_guard_set(m - GUARD, GUARD);
    }
    fz_guard_set(mem_of(N_INST) - GUARD, GUARD);
    for (int i = 0; i < n_inst; i++) {
        FZ_CHECK(sq_p3_instance_init(&W.inst[i], &W.rt, W.slots[i], SLOTS, mem_of(i), MEM) ==
                 SQ_OK);
        FZ_CHECK(sq_p3_thread_init(&W.thr[i], &W.inst[i]) == SQ_OK);
        if (fz_below(in, 4u) != 0u) {
            FZ_CHECK(sq_p3_instance_set_realloc(&W.inst[i], fuzz_realloc, (void *)(intptr_t)i) ==
                     SQ_OK);
        }
        ctx[i][0] = 0u;
        ctx[i][1] = 0u;
    }
    /* Four usual descriptors and two from the input. */
    types[0] = (sq_p3_type_t){SQ_P3_ELEM_NUMBER, 1u, 1u};
    types[1] = (sq_p3_type_t){SQ_P3_ELEM_NUMBER, 4u, 4u};
    types[2] = (sq_p3_type_t){SQ_P3_ELEM_PLAIN, 6u, 2u};
    types[3] = (sq_p3_type_t){SQ_P3_ELEM_NONE, 0u, 1u};
    for (uint32_t k = 4u; k < N_TYPES; k++) {
        types[k].kind = fz_below(in, 6u);
        types[k].size = fz_below(in, 4u) == 0u ? fz_u32(in) : fz_below(in, 17u);
        types[k].align = fz_below(in, 4u) == 0u ? fz_u8(in) : 1u << fz_below(in, 4u);
    }
}

static void one_call(fz_in_t *in)
{
    call_t c = {0};
    sq_p3_thread_t *t = pick_thread(in, &c);
    uint32_t op = fz_u8(in) % 26u;
    uint32_t h = pick_handle(in, c.caller, op_kinds(op));
    uint32_t h2 = pick_handle(in, c.caller, SQ_P3_KIND_BIT(SQ_P3_KIND_WAITABLE_SET));
    /* Mostly the type of the end the handle names, else any descriptor. */
    const sq_p3_type_t *type = pick_type(in);
    if (c.caller >= 0 && end_at(c.caller, h) != NULL && fz_below(in, 4u) != 0u) {
        type = end_at(c.caller, h)->channel->type;
    }
    uint32_t ptr = pick_ptr(in);
    uint32_t n = pick_count(in);
    bool async = fz_below(in, 4u) != 0u;
    uint32_t result = 0xabcdu;
    uint32_t index = 0u;
    uint64_t packed = 0u;
    sq_p3_end_t *e = c.caller >= 0 ? end_at(c.caller, h) : NULL;
    /* A NULL descriptor is the embedder's mistake, whatever the built-in. */
    c.host_error |= type == NULL;
    uint32_t traps = c.caller >= 0 ? 1u << c.caller : 0u;
    uint32_t refused_traps = 0u; /* a refusal that records a reason elsewhere */
    sq_status_t st;

    memset(&rl, 0, sizeof rl);
    world_take(&pre);
    memcpy(expect, pre.mem, sizeof expect);
    bool was_trapped = c.caller >= 0 && W.inst[c.caller].trap != SQ_P3_TRAP_NONE;

    switch (op) {
    case 0:
    case 1: { /* stream.new, future.new */
        bool future = op == 1u;
        c.host_error |= type_verdict(type) != SQ_OK;
        uint64_t *out = OUT(&packed);
        st = future ? sq_p3_future_new(t, type, out) : sq_p3_stream_new(t, type, out);
        if (type_verdict(type) != SQ_OK) {
            FZ_CHECK(st == type_verdict(type));
        }
        if (st == SQ_OK) {
            uint32_t r = (uint32_t)packed;
            uint32_t w = (uint32_t)(packed >> 32);
            sq_p3_end_t *re = end_at(c.caller, r);
            sq_p3_end_t *we = end_at(c.caller, w);
            FZ_CHECK(re != NULL && we != NULL && re->channel == we->channel);
            FZ_CHECK(re == &re->channel->readable && re->channel->type == type);
            FZ_CHECK(re->channel->future == future && re->state == SQ_P3_END_IDLE &&
                     we->state == SQ_P3_END_IDLE && re->channel->pending == NULL);
        }
        break;
    }
    case 2:
    case 3:
    case 4:
    case 5: { /* stream.read/write, future.read/write */
        bool future = op >= 4u;
        bool write = op % 2u == 1u;
        uint32_t *out = OUT(&result);
        if (future) {
            st = write ? sq_p3_future_write(t, type, h, ptr, async, out)
                       : sq_p3_future_read(t, type, h, ptr, async, out);
        } else {
            st = write ? sq_p3_stream_write(t, type, h, ptr, n, async, out)
                       : sq_p3_stream_read(t, type, h, ptr, n, async, out);
        }
        if (st == SQ_OK) {
            FZ_CHECK(e != NULL && e->channel->type == type && e->channel->future == future);
            FZ_CHECK(readable_kind(e->w.kind) == !write);
            FZ_CHECK(async || result != SQ_P3_BLOCKED);
            check_copy(e, async, result);
        }
        break;
    }
    case 6:
    case 7:
    case 8:
    case 9: { /* cancel-read/-write of a stream or a future */
        bool future = op >= 8u;
        bool write = op % 2u == 1u;
        uint32_t *out = OUT(&result);
        if (future) {
            st = write ? sq_p3_future_cancel_write(t, type, h, async, out)
                       : sq_p3_future_cancel_read(t, type, h, async, out);
        } else {
            st = write ? sq_p3_stream_cancel_write(t, type, h, async, out)
                       : sq_p3_stream_cancel_read(t, type, h, async, out);
        }
        if (st == SQ_OK) {
            FZ_CHECK(e != NULL && e->state != SQ_P3_END_COPYING && result != SQ_P3_BLOCKED);
            FZ_CHECK(future ? result <= SQ_P3_COPY_CANCELLED
                            : (result & 0xfu) <= SQ_P3_COPY_CANCELLED && result >> 4 == e->progress);
        }
        break;
    }
    case 10:
    case 11:
    case 12:
    case 13: { /* drop-readable/-writable of a stream or a future */
        bool future = op >= 12u;
        bool write = op % 2u == 1u;
        if (future) {
            st = write ? sq_p3_future_drop_writable(t, type, h)
                       : sq_p3_future_drop_readable(t, type, h);
        } else {
            st = write ? sq_p3_stream_drop_writable(t, type, h)
                       : sq_p3_stream_drop_readable(t, type, h);
        }
        if (st == SQ_OK) {
            FZ_CHECK(end_at(c.caller, h) == NULL);
        }
        break;
    }
    case 14: { /* transfer of a readable end to another instance */
        c.target = (int)fz_below(in, (uint32_t)n_inst);
        uint32_t *out = OUT(&index);
        bool target_trapped = W.inst[c.target].trap != SQ_P3_TRAP_NONE;
        st = sq_p3_end_transfer(t, &W.inst[c.target], type, h, out);
        if (st == SQ_OK) {
            FZ_CHECK(e != NULL && end_at(c.target, index) == e && end_at(c.caller, h) == NULL);
        }
        if (st == SQ_ERR_STATE && !target_trapped && W.inst[c.target].trap != SQ_P3_TRAP_NONE) {
            /* The target's table is full: TABLE_FULL is recorded there. */
            FZ_CHECK(W.inst[c.target].trap == SQ_P3_TRAP_TABLE_FULL);
            refused_traps = 1u << c.target;
        }
        break;
    }
    case 15: /* waitable-set.new */
        st = sq_p3_waitable_set_new(t, OUT(&index));
        if (st == SQ_OK) {
            FZ_CHECK(index < SLOTS && W.slots[c.caller][index].kind == SQ_P3_KIND_WAITABLE_SET);
        }
        break;
    case 16:   /* waitable-set.wait (nothing can block here) */
    case 17: { /* waitable-set.poll */
        uint32_t code = 0xabcdu;
        uint32_t *out = OUT(&code);
        st = op == 16u ? sq_p3_waitable_set_wait(t, h, ptr, out)
                             : sq_p3_waitable_set_poll(t, h, ptr, out);
        if (st == SQ_OK) {
            FZ_CHECK(op == 17u || code != SQ_P3_EVENT_NONE);
            check_event(c.caller, ptr, code);
        }
        break;
    }
    case 18: /* waitable-set.drop */
        st = sq_p3_waitable_set_drop(t, h);
        break;
    case 19: /* waitable.join (h2 = 0: leave) */
        st = sq_p3_waitable_join(t, h, fz_below(in, 4u) == 0u ? 0u : h2);
        break;
    case 20: { /* error-context.new from guest bytes */
        uint32_t len = fz_below(in, 2u) == 0u ? n : fz_below(in, 40u);
        st = sq_p3_error_context_new(t, ptr, len, OUT(&index));
        break;
    }
    case 21: { /* error-context.debug-message, realloc driven by the input */
        c.is_debug = true;
        rl.mode = (int)fz_below(in, 4u) % 3;
        rl.ret = pick_ptr(in);
        st = sq_p3_error_context_debug_message(t, h, ptr);
        if (st == SQ_OK) {
            const uint8_t *at = mem_of(c.caller) + ptr;
            FZ_CHECK(ptr % 4u == 0u && ptr <= MEM - 8u);
            uint32_t begin = (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 |
                             (uint32_t)at[3] << 24;
            uint32_t len = (uint32_t)at[4] | (uint32_t)at[5] << 8 | (uint32_t)at[6] << 16 |
                           (uint32_t)at[7] << 24;
            if (rl.called) {
                const sq_p3_error_context_t *ec = W.slots[c.caller][h].object;
                FZ_CHECK(begin == rl.ret && len == rl.size && len == ec->length);
                FZ_CHECK((size_t)begin + len <= MEM);
                memcpy(&expect[c.caller][begin], ec->message, len);
            } else {
                FZ_CHECK(begin == 0u && len == 0u && W.inst[c.caller].realloc_fn == NULL);
            }
            memcpy(&expect[c.caller][ptr], at, 8u);
        }
        break;
    }
    case 22: /* error-context.drop */
        st = sq_p3_error_context_drop(t, h);
        break;
    case 23: /* may_leave false (realloc, post-return): a built-in traps */
        if (c.caller < 0) {
            st = sq_p3_waitable_set_new(t, &index);
            break;
        }
        FZ_CHECK(sq_p3_instance_set_may_leave(&W.inst[c.caller], false) == SQ_OK);
        st = sq_p3_waitable_set_new(t, OUT(&index));
        FZ_CHECK(sq_p3_instance_set_may_leave(&W.inst[c.caller], true) == SQ_OK);
        FZ_CHECK(st != SQ_OK);
        FZ_CHECK(was_trapped || c.host_error || W.inst[c.caller].trap == SQ_P3_TRAP_MAY_NOT_LEAVE);
        break;
    default: { /* context.get/set: no trap, slot checked */
        uint32_t i = fz_below(in, 3u);
        uint32_t v = fz_u32(in);
        if (fz_u8(in) % 2u == 0u) {
            uint32_t got = 0xabcdu;
            st = sq_p3_context_get(t, i, OUT(&got));
            FZ_CHECK(st != SQ_OK || got == ctx[c.caller][i]);
        } else {
            st = sq_p3_context_set(t, i, v);
            if (st == SQ_OK) {
                ctx[c.caller][i] = v;
            }
        }
        if (!c.host_error && c.caller >= 0 && (!was_trapped || st != SQ_ERR_TRAP)) {
            FZ_CHECK(st == (i < SQ_P3_CONTEXT_SLOTS ? SQ_OK : SQ_ERR_RANGE));
        }
        break;
    }
    }

    if (trace) {
        fprintf(stderr, "inst %d op %u type %d h %u h2 %u ptr %u n %u async %d -> %d (trap %u)\n",
                c.caller, op, type == NULL ? -1 : (int)(type - types), h, h2, ptr, n,
                async, st, c.caller >= 0 ? W.inst[c.caller].trap : 0u);
    }
    /* The verdicts every call shares. */
    if (was_trapped) {
        FZ_CHECK(st == SQ_ERR_TRAP || c.host_error);
        FZ_CHECK(W.inst[c.caller].trap == pre.inst[c.caller].trap);
    }
    if (st == SQ_OK) {
        for (int i = 0; i < n_inst; i++) {
            FZ_CHECK(W.inst[i].trap == pre.inst[i].trap);
            if (i != c.caller && i != c.target) {
                FZ_CHECK(W.inst[i].handles.length == pre.inst[i].handles.length &&
                         W.inst[i].handles.free_head == pre.inst[i].handles.free_head);
                FZ_CHECK(memcmp(W.slots[i], pre.slots[i], sizeof W.slots[i]) == 0);
            }
            FZ_CHECK(memcmp(mem_of(i), expect[i], MEM) == 0);
        }
    } else if (st == SQ_ERR_TRAP) {
        /* The reason is in the caller's instance (or, for a transfer, in
         * its target); nothing else changed. */
        FZ_CHECK(c.caller < 0 || W.inst[c.caller].trap != SQ_P3_TRAP_NONE);
        check_unchanged(traps, &c);
    } else {
        check_unchanged(refused_traps, &c);
    }
    check_tables();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FZ_CHECK(sq_kernel_init() == SQ_OK);
    trace = getenv("SQ_FUZZ_TRACE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t in = {data, size};
    setup(&in);
    while (fz_more(&in)) {
        one_call(&in);
    }
    for (int i = 0; i <= N_INST; i++) {
        fz_guard_check(mem_of(i) - GUARD, GUARD);
    }
    return 0;
}
