/*
 * squall: shared stream regions (include/squall/shared_stream.h), and the
 * kernel side of their wait and notify calls (shared_stream_sys.h).
 *
 * The kernel's part is small: attach and detach change two domains and the
 * table under the lock; wait and notify use the stream's event. Claims,
 * commits, borrows and releases are plain code on the end's private view
 * and the two published indices, which is why they can run unprivileged.
 */
#include <squall/shared_stream.h>
#include <squall/user.h>
#include "kernel/mem_domain_rules.h"
#include "kernel/port.h"
#include "ring/ring_core.h"
#include "kernel/sched.h"
#include "shared_stream_sys.h"

/* The bits of s->changed. */
#define SQ_STREAM_PUBLISHED 0x1u /* the writer committed */
#define SQ_STREAM_RELEASED 0x2u  /* the reader released */

/* Attached streams: s is attached exactly when table[s->id] == s. */
sq_shared_stream_t *sq_stream_table[SQ_CONFIG_MAX_SHARED_STREAMS];

/*@ assigns sq_stream_table[0 .. SQ_CONFIG_MAX_SHARED_STREAMS - 1];
    ensures \forall integer i; 0 <= i < SQ_CONFIG_MAX_SHARED_STREAMS ==>
      sq_stream_table[i] == \null;
*/
void sq_shared_stream_forget_all(void)
{
    /*@ loop invariant 0 <= i <= SQ_CONFIG_MAX_SHARED_STREAMS;
        loop invariant \forall integer j; 0 <= j < i ==> sq_stream_table[j] == \null;
        loop assigns i, sq_stream_table[0 .. SQ_CONFIG_MAX_SHARED_STREAMS - 1];
        loop variant SQ_CONFIG_MAX_SHARED_STREAMS - i;
    */
    for (uint32_t i = 0u; i < SQ_CONFIG_MAX_SHARED_STREAMS; i++) {
        sq_stream_table[i] = NULL;
    }
}

/*@ predicate sq_stream_attached(sq_shared_stream_t *s) =
      s->id < SQ_CONFIG_MAX_SHARED_STREAMS && sq_stream_table[s->id] == s;

    // An initialised stream: its sizes make a ring of whole elements inside
    // the data, and its four pieces are valid and apart.
    predicate sq_stream_ok(sq_shared_stream_t *s) =
      \valid(s) && s->magic == SQ_SHARED_STREAM_MAGIC &&
      1 <= s->elem_size && 1 <= s->capacity <= SQ_RING_MAX_UNITS &&
      s->capacity * s->elem_size <= s->data_size &&
      \valid(s->data + (0 .. s->data_size - 1)) &&
      \valid(s->write_index) && \valid(s->read_index) &&
      \separated(s, s->data + (0 .. s->data_size - 1), s->write_index, s->read_index);

    // An end: a ring view over storage apart from the end and from the two
    // index words (so syncing and publishing touch no element).
    predicate sq_stream_end_ok(sq_stream_end_t *e) =
      \valid(e) && sq_typed_ok(&e->view) && \valid(e->own) && \valid_read(e->peer) &&
      \separated(e, e->own, e->peer,
                 e->view.core.storage + (0 .. e->view.core.size_bytes - 1));

    // SS05: byte offset off of the view holds a whole element.
    predicate sq_stream_slot_in(sq_stream_end_t *e, integer off) =
      0 <= off && off + e->view.core.unit_size <= e->view.core.size_bytes;
*/

/* Whether s is attached. Reads only s->id, so any memory may be asked. */
/*@ requires \valid_read(s);
    assigns \nothing;
    ensures \result <==> sq_stream_attached((sq_shared_stream_t *)s);
*/
static bool stream_attached(const sq_shared_stream_t *s)
{
    return s->id < SQ_CONFIG_MAX_SHARED_STREAMS &&
           (const sq_shared_stream_t *)sq_stream_table[s->id] == s;
}

/* Whether [a, a + an) and [b, b + bn) are disjoint (neither wraps). */
/*@ predicate sq_apart(integer a, integer an, integer b, integer bn) =
      a + an <= b || b + bn <= a;
*/
/*@ requires an > 0 && bn > 0;
    assigns \nothing;
    ensures \result <==> sq_apart(a, an, b, bn);
*/
static bool apart(uintptr_t a, uint32_t an, uintptr_t b, uint32_t bn)
{
    return a >= b ? a - b >= bn : b - a >= an;
}

/* The partitions of one end: data, write index, read index, each end
 * writing only its own index and the writer only the data. */
/*@ requires \valid_read(s) && \valid(part + (0 .. 2)) && \separated(s, part + (0 .. 2));
    assigns part[0 .. 2];
    ensures part[0].base == (uintptr_t)s->data && part[0].size == s->data_size;
    ensures part[1].base == (uintptr_t)s->write_index &&
            part[1].size == sizeof(sq_stream_index_t);
    ensures part[2].base == (uintptr_t)s->read_index &&
            part[2].size == sizeof(sq_stream_index_t);
    ensures part[0].access == (reader ? SQ_MEM_RO : SQ_MEM_RW) &&
            part[1].access == (reader ? SQ_MEM_RO : SQ_MEM_RW) &&
            part[2].access == (reader ? SQ_MEM_RW : SQ_MEM_RO);
    ensures SS01: !reader ==> (part[2].access & SQ_MEM_WRITE) == 0;
    ensures SS02: reader ==> (part[0].access & SQ_MEM_WRITE) == 0 &&
                  (part[1].access & SQ_MEM_WRITE) == 0;
*/
static void stream_parts(const sq_shared_stream_t *s, bool reader, sq_mem_partition_t part[3])
{
    part[0].base = (uintptr_t)s->data;
    part[0].size = s->data_size;
    part[0].access = reader ? SQ_MEM_RO : SQ_MEM_RW;
    part[1].base = (uintptr_t)s->write_index;
    part[1].size = (uint32_t)sizeof(sq_stream_index_t);
    part[1].access = reader ? SQ_MEM_RO : SQ_MEM_RW;
    part[2].base = (uintptr_t)s->read_index;
    part[2].size = (uint32_t)sizeof(sq_stream_index_t);
    part[2].access = reader ? SQ_MEM_RW : SQ_MEM_RO;
}

/*@ // The domain's half of SS03 for one piece: [base, base + size) is a
    // partition of d, and no other partition of d touches it.
    predicate sq_piece_alone_in(sq_mem_domain_t *d, integer base, integer size) =
      \exists integer k; 0 <= k < d->count &&
        d->part[k].base == base && d->part[k].size == size &&
        \forall integer j; 0 <= j < d->count && j != k ==>
          !sq_overlap(d->part[j].base, d->part[j].size, base, size);

    // SS03 for one piece in d: alone in d, and no known thread's stack
    // touches it.
    predicate sq_piece_alone(sq_mem_domain_t *d, integer base, integer size) =
      sq_piece_alone_in(d, base, size) && !sq_hits_known_stack(base, size);

    predicate sq_stream_pieces_alone(sq_mem_domain_t *d, sq_shared_stream_t *s) =
      sq_piece_alone(d, (uintptr_t)s->data, s->data_size) &&
      sq_piece_alone(d, (uintptr_t)s->write_index, sizeof(sq_stream_index_t)) &&
      sq_piece_alone(d, (uintptr_t)s->read_index, sizeof(sq_stream_index_t));

    // What stream_grant gives d for a piece with this access: alone in d
    // (SS03), and if it is read-only, no partition of d writes any byte of
    // it (SS01, SS02). Over values, not a partition in memory.
    predicate sq_grant_in(sq_mem_domain_t *d, integer base, integer size, integer access) =
      d->count <= SQ_CONFIG_MAX_PARTITIONS && sq_piece_alone_in(d, base, size) &&
      ((access & SQ_MEM_WRITE) == 0 ==> !sq_domain_grants_write(d, base, size));

    // Nothing of domain d changed from L1 to L2: its words and every slot
    // (d may be uninitialised, its count any number). A predicate, not
    // spelled out: the lemmas below then trigger on it alone, never on a
    // bare memory read (which would put them to work in every goal).
    predicate sq_domain_same{L1, L2}(sq_mem_domain_t *d) =
      \at(d->magic, L2) == \at(d->magic, L1) && \at(d->rule, L2) == \at(d->rule, L1) &&
      \at(d->count, L2) == \at(d->count, L1) &&
      SQ_PARTS_KEPT(L1, L2, d, SQ_CONFIG_MAX_PARTITIONS);

    // A grant stands while nothing of its domain changes.
    lemma sq_grant_in_kept{L1, L2}:
      \forall sq_mem_domain_t *d, integer base, size, access;
        sq_grant_in{L1}(d, base, size, access) && sq_domain_same{L1, L2}(d) ==>
        sq_grant_in{L2}(d, base, size, access);
*/

/* Nothing of domain o changed since L: its words and every slot (o may be
 * uninitialised, its count any number). */
#define SQ_DOMAIN_SAME(L, o)                                                               \
    ((o)->magic == \at((o)->magic, L) && (o)->rule == \at((o)->rule, L) &&                 \
     (o)->count == \at((o)->count, L) && SQ_PARTS_KEPT(L, Here, o, SQ_CONFIG_MAX_PARTITIONS))

/* d holds at Here the partitions it held at L, read within the object (an
 * uninitialised domain's count may exceed its slots). */
#define SQ_DOMAIN_AS_BEFORE(L, d)                                                          \
    ((d)->count == \at((d)->count, L) &&                                                    \
     SQ_PARTS_KEPT(L, Here, d, \at((d)->count, L) <= SQ_CONFIG_MAX_PARTITIONS ?            \
                   \at((d)->count, L) : SQ_CONFIG_MAX_PARTITIONS))

/* The three partitions are d's newest, in order (what stream_grant
 * leaves). A macro, not a predicate: the simplifier then sees through the
 * domain changes to d->magic. */
#define SQ_STREAM_NEWEST(d, part)                                                         \
    ((d)->magic == SQ_MEM_DOMAIN_MAGIC && (d)->count >= 3 &&                               \
     (d)->part[(d)->count - 3].base == (part)[0].base &&                                   \
     (d)->part[(d)->count - 3].size == (part)[0].size &&                                   \
     (d)->part[(d)->count - 2].base == (part)[1].base &&                                   \
     (d)->part[(d)->count - 2].size == (part)[1].size &&                                   \
     (d)->part[(d)->count - 1].base == (part)[2].base &&                                   \
     (d)->part[(d)->count - 1].size == (part)[2].size)

/* MD01 makes every partition of a domain a granted piece: alone in it,
 * and, if read-only, written through none of its partitions. Stated for
 * one k as a ghost call, not as a lemma: a lemma is given to every goal of
 * the project, and these (over any domain's partitions in memory) slowed
 * unrelated ones; here the instance is a precondition to check. */
/*@ ghost
  /@ requires \valid_read(d) && sq_md01(d) && sq_md03(d) && sq_md04(d);
     requires k < d->count;
     assigns \nothing;
     ensures sq_grant_in(d, d->part[k].base, d->part[k].size, d->part[k].access);
  @/
  static void sq_part_granted_at(sq_mem_domain_t *d, uint32_t k)
  {
    /@ assert older: \forall integer j; 0 <= j < k ==>
         !sq_overlap(d->part[j].base, d->part[j].size, d->part[k].base, d->part[k].size); @/
    /@ assert newer: \forall integer j; k < j < d->count ==>
         !sq_overlap(d->part[j].base, d->part[j].size, d->part[k].base, d->part[k].size); @/
    /@ assert alone: sq_piece_alone_in(d, d->part[k].base, d->part[k].size); @/
  }
*/

/* Add the three partitions to d, all or none (sq_mem_domain_add_all_locked
 * checks them all before it writes). With all three in, MD01 makes each
 * piece alone in d, and a read-only piece written through no partition of
 * d (sq_part_granted); MD07 keeps each off every known stack. The ghost
 * `other` and `s` are the caller's other domain and its stream: what the
 * grant leaves alone is stated here, where it is a small proof. */
/*@ requires sq_kernel_ok && \valid(d) && sq_domain_ok(d) && sq_domain_apart(d);
    requires \valid_read(part + (0 .. 2)) && \separated(d, part + (0 .. 2));
    requires \valid_read(other) && \separated(d, other);
    requires \valid_read(s) && \separated(d, s);
    assigns d->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], d->count;
    ensures sq_kernel_ok && sq_domain_ok(d);
    ensures apart: SQ_DOMAIN_SAME(Pre, other) && s->data_size == \old(s->data_size) &&
      s->id == \old(s->id);
    ensures other_ok: \old(sq_domain_ok(other)) ==> sq_domain_ok(other);
    ensures undone: \result != SQ_OK ==> SQ_DOMAIN_SAME(Pre, d);
    ensures added: \result == SQ_OK ==> d->magic == SQ_MEM_DOMAIN_MAGIC &&
      d->count == \old(d->count) + 3 && d->count <= SQ_CONFIG_MAX_PARTITIONS && SQ_PARTS_KEPT(Pre, Here, d, \old(d->count)) &&
      SQ_STREAM_NEWEST(d, part);
    ensures granted: \result == SQ_OK ==>
      sq_grant_in(d, part[0].base, part[0].size, part[0].access) &&
      sq_grant_in(d, part[1].base, part[1].size, part[1].access) &&
      sq_grant_in(d, part[2].base, part[2].size, part[2].access);
    ensures off_stacks: \result == SQ_OK ==>
      !sq_hits_known_stack(part[0].base, part[0].size) &&
      !sq_hits_known_stack(part[1].base, part[1].size) &&
      !sq_hits_known_stack(part[2].base, part[2].size);
*/
static sq_status_t stream_grant(sq_mem_domain_t *d, const sq_mem_partition_t part[3])
    /*@ ghost (sq_mem_domain_t *other, sq_shared_stream_t *s) */
{
    //@ ghost uint32_t first = d->count;
    sq_status_t st = sq_mem_domain_add_all_locked(d, part, 3u);
    /*@ assert other_same: other->magic == \at(other->magic, Pre) &&
          other->rule == \at(other->rule, Pre) && other->count == \at(other->count, Pre) &&
          SQ_PARTS_KEPT(Pre, Here, other, SQ_CONFIG_MAX_PARTITIONS); */
    /*@ assert other_md01: \at(sq_md01(other), Pre) && \at(sq_md04(other), Pre) ==> sq_md01(other); */
    /*@ assert other_md02: \at(sq_md02(other), Pre) && \at(sq_md04(other), Pre) ==> sq_md02(other); */
    /*@ assert other_md03: \at(sq_md03(other) && sq_md06(other) && sq_forms(other), Pre) &&
          \at(sq_md04(other), Pre) ==> sq_md03(other) && sq_md06(other) && sq_forms(other); */
    /*@ assert newest: st == SQ_OK ==> \let n = \at(d->count, Pre);
          d->part[n].base == part[0].base && d->part[n].size == part[0].size &&
          d->part[n].access == part[0].access &&
          d->part[n + 1].base == part[1].base && d->part[n + 1].size == part[1].size &&
          d->part[n + 1].access == part[1].access &&
          d->part[n + 2].base == part[2].base && d->part[n + 2].size == part[2].size &&
          d->part[n + 2].access == part[2].access; */
    /*@ assert rules: st == SQ_OK ==> d->count == \at(d->count, Pre) + 3 &&
          sq_md01(d) && sq_md03(d) && sq_md04(d); */
    /*@ ghost if (st == SQ_OK) {
          sq_part_granted_at(d, first);
          sq_part_granted_at(d, first + 1u);
          sq_part_granted_at(d, first + 2u);
        } */
    return st;
}

/* Take the three partitions out of d, newest first. One already removed by
 * hand (sq_mem_domain_remove) is simply not there: nothing to undo. */
/*@ requires sq_kernel_ok && \valid(d) && sq_domain_ok(d);
    requires \valid_read(part + (0 .. 2)) && \separated(d, part + (0 .. 2));
    assigns d->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], d->count;
    ensures sq_kernel_ok && sq_domain_ok(d);
    // Right after stream_grant, this gives d back as it was before.
    ensures \old(SQ_STREAM_NEWEST(d, part)) ==>
      d->count == \old(d->count) - 3 && SQ_PARTS_KEPT(Pre, Here, d, d->count);
*/
static void stream_revoke(sq_mem_domain_t *d, const sq_mem_partition_t part[3])
{
    (void)sq_mem_domain_remove(d, &part[2]);
    /*@ assert \at(SQ_STREAM_NEWEST(d, part), Pre) ==> d->magic == SQ_MEM_DOMAIN_MAGIC &&
          d->count == \at(d->count, Pre) - 1 && SQ_PARTS_KEPT(Pre, Here, d, d->count) &&
          sq_part_is{Here}(d, d->count - 1, part[1].base, part[1].size); */
    (void)sq_mem_domain_remove(d, &part[1]);
    /*@ assert \at(SQ_STREAM_NEWEST(d, part), Pre) ==> d->magic == SQ_MEM_DOMAIN_MAGIC &&
          d->count == \at(d->count, Pre) - 2 && SQ_PARTS_KEPT(Pre, Here, d, d->count) &&
          sq_part_is{Here}(d, d->count - 1, part[0].base, part[0].size); */
    (void)sq_mem_domain_remove(d, &part[0]);
    /*@ assert \at(SQ_STREAM_NEWEST(d, part), Pre) ==>
          d->count == \at(d->count, Pre) - 3 && SQ_PARTS_KEPT(Pre, Here, d, d->count); */
}

/*@ // What init accepts: a ring of at least one element, indices on their
    // granules, and three pieces apart (their addresses as the MPU sees them).
    predicate sq_stream_pieces_ok(char *data, integer data_size, integer elem_size,
                                  sq_stream_index_t *w, sq_stream_index_t *r) =
      elem_size != 0 && data_size >= elem_size && data_size / elem_size <= SQ_RING_MAX_UNITS &&
      (uintptr_t)w % SQ_MPU_GRANULE == 0 && (uintptr_t)r % SQ_MPU_GRANULE == 0 &&
      (uintptr_t)data <= UINTPTR_MAX - data_size &&
      sq_apart((uintptr_t)data, data_size, (uintptr_t)w, sizeof(sq_stream_index_t)) &&
      sq_apart((uintptr_t)data, data_size, (uintptr_t)r, sizeof(sq_stream_index_t)) &&
      sq_apart((uintptr_t)w, sizeof(sq_stream_index_t), (uintptr_t)r, sizeof(sq_stream_index_t));
*/
/*@ requires \valid_read(s);
    assigns \nothing;
    behavior attached:
      assumes sq_stream_attached(s);
      ensures \result == SQ_ERR_STATE;
    behavior refused:
      assumes !sq_stream_attached(s);
      assumes !sq_stream_pieces_ok(data, data_size, elem_size, write_index, read_index);
      ensures \result == SQ_ERR_ZERO_LENGTH || \result == SQ_ERR_CAPACITY ||
              \result == SQ_ERR_RANGE || \result == SQ_ERR_BUSY;
    behavior ok:
      assumes !sq_stream_attached(s);
      assumes sq_stream_pieces_ok(data, data_size, elem_size, write_index, read_index);
      ensures \result == SQ_OK;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t stream_init_check(sq_shared_stream_t *s, char *data, uint32_t data_size,
                                     uint32_t elem_size, sq_stream_index_t *write_index,
                                     sq_stream_index_t *read_index)
{
    if (stream_attached(s)) {
        return SQ_ERR_STATE;
    }
    if (elem_size == 0u) {
        return SQ_ERR_ZERO_LENGTH;
    }
    if (data_size < elem_size || data_size / elem_size > SQ_RING_MAX_UNITS) {
        return SQ_ERR_CAPACITY;
    }
    uintptr_t d = (uintptr_t)data;
    uintptr_t w = (uintptr_t)write_index;
    uintptr_t r = (uintptr_t)read_index;
    uint32_t index_size = (uint32_t)sizeof(sq_stream_index_t);
    if (w % SQ_MPU_GRANULE != 0u || r % SQ_MPU_GRANULE != 0u || d > UINTPTR_MAX - data_size) {
        return SQ_ERR_RANGE;
    }
    if (!apart(d, data_size, w, index_size) || !apart(d, data_size, r, index_size) ||
        !apart(w, index_size, r, index_size)) {
        return SQ_ERR_BUSY;
    }
    return SQ_OK;
}

/* Lay s out over checked pieces: empty, detached. */
/*@ requires \valid(s) && \valid(write_index) && \valid(read_index);
    requires \separated(s, write_index) && \separated(s, read_index);
    requires elem_size != 0;
    assigns *s, write_index->value, read_index->value;
    ensures s->magic == SQ_SHARED_STREAM_MAGIC && s->id == SQ_SHARED_STREAM_DETACHED;
    ensures s->data == data && s->data_size == data_size && s->elem_size == elem_size;
    ensures s->capacity == data_size / elem_size;
    ensures s->write_index == write_index && s->read_index == read_index;
    ensures s->writer == \null && s->reader == \null;
    ensures read_index->value == 0;
    ensures \separated(write_index, read_index) ==> write_index->value == 0;
*/
static void stream_setup(sq_shared_stream_t *s, char *data, uint32_t data_size,
                         uint32_t elem_size, sq_stream_index_t *write_index,
                         sq_stream_index_t *read_index)
{
    s->magic = SQ_SHARED_STREAM_MAGIC;
    s->id = SQ_SHARED_STREAM_DETACHED;
    s->data = data;
    s->data_size = data_size;
    s->elem_size = elem_size;
    s->capacity = data_size / elem_size;
    s->write_index = write_index;
    s->read_index = read_index;
    s->writer = NULL;
    s->reader = NULL;
    sq_atomic_store_release(&write_index->value, 0u);
    sq_atomic_store_release(&read_index->value, 0u);
}

/*@ requires s == \null || \valid(s);
    requires write_index == \null || (\valid(write_index) && \separated(s, write_index));
    requires read_index == \null || (\valid(read_index) && \separated(s, read_index));
    assigns *s, write_index->value, read_index->value;
    behavior null_arg:
      assumes s == \null || data == \null || write_index == \null || read_index == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior attached:
      assumes s != \null && data != \null && write_index != \null && read_index != \null;
      assumes sq_stream_attached(s);
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior refused:
      assumes s != \null && data != \null && write_index != \null && read_index != \null;
      assumes !sq_stream_attached(s);
      assumes !sq_stream_pieces_ok((char *)data, data_size, elem_size, write_index, read_index);
      assigns \nothing;
      ensures \result == SQ_ERR_ZERO_LENGTH || \result == SQ_ERR_CAPACITY ||
              \result == SQ_ERR_RANGE || \result == SQ_ERR_BUSY;
    behavior ok:
      assumes s != \null && data != \null && write_index != \null && read_index != \null;
      assumes !sq_stream_attached(s);
      assumes sq_stream_pieces_ok((char *)data, data_size, elem_size, write_index, read_index);
      ensures \result == SQ_OK && s->magic == SQ_SHARED_STREAM_MAGIC;
      ensures s->id == SQ_SHARED_STREAM_DETACHED && !sq_stream_attached(s);
      ensures s->data == (char *)data && s->data_size == data_size && s->elem_size == elem_size;
      ensures s->capacity == data_size / elem_size && s->capacity * elem_size <= data_size;
      ensures s->write_index == write_index && s->read_index == read_index;
      ensures read_index->value == 0;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_shared_stream_init(sq_shared_stream_t *s, void *data, uint32_t data_size,
                                  uint32_t elem_size, sq_stream_index_t *write_index,
                                  sq_stream_index_t *read_index)
{
    if (s == NULL || data == NULL || write_index == NULL || read_index == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = stream_init_check(s, (char *)data, data_size, elem_size, write_index,
                                       read_index);
    if (st == SQ_OK) {
        stream_setup(s, (char *)data, data_size, elem_size, write_index, read_index);
    }
    sq_port_irq_unlock(key);
    return st;
}

/*@ // The stream is none of the kernel's objects: no thread control block
    // it knows, not the ready queue (its event's waiters are a queue).
    predicate sq_stream_apart(sq_shared_stream_t *s) =
      \separated(s, &sq_ready_queue) &&
      \forall integer j; 0 <= j < sq_kernel.thread_count ==> \separated(s, sq_kernel.threads[j]);

    // What attach needs of s and the two domains: valid, every domain's
    // rules kept (MD05), none of them a thread, and apart from each other.
    predicate sq_attach_args_ok(sq_shared_stream_t *s, sq_mem_domain_t *writer,
                                sq_mem_domain_t *reader) =
      \valid(s) && sq_stream_apart(s) &&
      \valid(writer) && sq_domain_ok(writer) && sq_domain_apart(writer) &&
      \valid(reader) && sq_domain_ok(reader) && sq_domain_apart(reader) &&
      \separated(s, writer) && \separated(s, reader) &&
      (writer == reader || \separated(writer, reader));

    // SS01-SS03 of s attached with these domains. They stay true while s
    // is attached unless privileged code takes one of its partitions out
    // by hand (sq_mem_domain_remove, or a domain's re-init), which nothing
    // refuses.
    predicate sq_ss01(sq_shared_stream_t *s, sq_mem_domain_t *writer) =
      !sq_domain_grants_write(writer, (uintptr_t)s->read_index, sizeof(sq_stream_index_t));
    predicate sq_ss02(sq_shared_stream_t *s, sq_mem_domain_t *reader) =
      !sq_domain_grants_write(reader, (uintptr_t)s->data, s->data_size) &&
      !sq_domain_grants_write(reader, (uintptr_t)s->write_index, sizeof(sq_stream_index_t));
    predicate sq_ss03(sq_shared_stream_t *s, sq_mem_domain_t *writer, sq_mem_domain_t *reader) =
      sq_stream_pieces_alone(writer, s) && sq_stream_pieces_alone(reader, s);
*/

/* Make s attached in slot id with these domains, its event ready. No
 * thread waits on a detached stream's event (a wait needs the stream
 * attached, and detach woke every waiter), so the event's init succeeds.
 * What this leaves alone is stated here, where it is a small proof. The
 * scheduler's invariant after the two pointer stores into the stream is
 * not restated: the provers do not carry the threads' pairwise
 * distinctness across them (proofs/wp/known-unproven.txt). */
/*@ requires sq_kernel_ok && sq_timeouts_ok && \valid(s) && sq_stream_apart(s);
    requires id < SQ_CONFIG_MAX_SHARED_STREAMS;
    requires \valid_read(writer) && \valid_read(reader);
    requires \separated(s, writer) && \separated(s, reader);
    assigns s->changed, s->writer, s->reader, s->id, sq_stream_table[id];
    ensures sq_timeouts_ok;
    ensures sq_stream_attached(s) && s->writer == writer && s->reader == reader;
    ensures apart: SQ_DOMAIN_SAME(Pre, writer) && SQ_DOMAIN_SAME(Pre, reader) &&
      s->data_size == \old(s->data_size) && sq_stacks_same{Pre, Here};
    ensures domains_ok: (\old(sq_domain_ok(writer)) ==> sq_domain_ok(writer)) &&
      (\old(sq_domain_ok(reader)) ==> sq_domain_ok(reader));
*/
static void stream_publish(sq_shared_stream_t *s, sq_mem_domain_t *writer,
                           sq_mem_domain_t *reader, uint32_t id)
{
    (void)sq_event_init(&s->changed);
    /* The event is inside the stream: neither domain, no stack changed. */
    /*@ assert event_apart: SQ_DOMAIN_SAME(Pre, writer) && SQ_DOMAIN_SAME(Pre, reader) &&
          s->data_size == \at(s->data_size, Pre) && sq_stacks_same{Pre, Here}; */
    //@ ghost inited: ;
    s->writer = writer;
    s->reader = reader;
    s->id = id;
    sq_stream_table[id] = s;
    /*@ assert stored_apart: SQ_DOMAIN_SAME(inited, writer) && SQ_DOMAIN_SAME(inited, reader) &&
          s->data_size == \at(s->data_size, inited) && sq_stacks_same{inited, Here}; */
    /*@ assert writer_same: SQ_DOMAIN_SAME(Pre, writer); */
    /*@ assert reader_same: SQ_DOMAIN_SAME(Pre, reader); */
    /*@ assert writer_md01: \at(sq_md01(writer), Pre) && \at(sq_md04(writer), Pre) ==> sq_md01(writer); */
    /*@ assert writer_md02: \at(sq_md02(writer), Pre) && \at(sq_md04(writer), Pre) ==> sq_md02(writer); */
    /*@ assert writer_md03: \at(sq_md03(writer) && sq_md06(writer) && sq_forms(writer), Pre) &&
          \at(sq_md04(writer), Pre) ==> sq_md03(writer) && sq_md06(writer) && sq_forms(writer); */
    /*@ assert reader_md01: \at(sq_md01(reader), Pre) && \at(sq_md04(reader), Pre) ==> sq_md01(reader); */
    /*@ assert reader_md02: \at(sq_md02(reader), Pre) && \at(sq_md04(reader), Pre) ==> sq_md02(reader); */
    /*@ assert reader_md03: \at(sq_md03(reader) && sq_md06(reader) && sq_forms(reader), Pre) &&
          \at(sq_md04(reader), Pre) ==> sq_md03(reader) && sq_md06(reader) && sq_forms(reader); */
}

/*@ requires sq_kernel_ok && sq_timeouts_ok && sq_attach_args_ok(s, writer, reader);
    assigns sq_stream_table[0 .. SQ_CONFIG_MAX_SHARED_STREAMS - 1], s->id, s->writer, s->reader,
            s->changed, writer->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], writer->count,
            reader->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], reader->count;
    ensures sq_kernel_ok;
    ensures sq_timeouts_ok;
    ensures attach_ok: sq_domain_ok(writer) && sq_domain_ok(reader);
    // All or nothing.
    ensures \result != SQ_OK ==> SQ_DOMAIN_AS_BEFORE(Pre, writer) &&
      SQ_DOMAIN_SAME(Pre, reader);
    ensures \result == SQ_OK ==> sq_stream_attached(s) && s->writer == writer &&
      s->reader == reader;
    ensures SS01: \result == SQ_OK ==> sq_ss01(s, writer);
    ensures SS02: \result == SQ_OK ==> sq_ss02(s, reader);
    ensures SS03: \result == SQ_OK ==> sq_ss03(s, writer, reader);
    behavior invalid:
      assumes s->magic != SQ_SHARED_STREAM_MAGIC || writer == reader;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior attached:
      assumes s->magic == SQ_SHARED_STREAM_MAGIC && writer != reader;
      assumes sq_stream_attached(s);
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior detached:
      assumes s->magic == SQ_SHARED_STREAM_MAGIC && writer != reader;
      assumes !sq_stream_attached(s);
      ensures \result == SQ_OK <==> sq_stream_attached(s);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t stream_attach_locked(sq_shared_stream_t *s, sq_mem_domain_t *writer,
                                        sq_mem_domain_t *reader)
{
    if (s->magic != SQ_SHARED_STREAM_MAGIC || writer == reader) {
        return SQ_ERR_INVALID;
    }
    if (stream_attached(s)) {
        return SQ_ERR_STATE;
    }
    uint32_t id = 0u;
    /*@ loop invariant 0 <= id <= SQ_CONFIG_MAX_SHARED_STREAMS;
        loop assigns id;
        loop variant SQ_CONFIG_MAX_SHARED_STREAMS - id;
    */
    while (id < SQ_CONFIG_MAX_SHARED_STREAMS && sq_stream_table[id] != NULL) {
        id++;
    }
    if (id == SQ_CONFIG_MAX_SHARED_STREAMS) {
        return SQ_ERR_FULL;
    }
    sq_mem_partition_t writer_parts[3];
    sq_mem_partition_t reader_parts[3];
    stream_parts(s, false, writer_parts);
    stream_parts(s, true, reader_parts);
    sq_status_t st = stream_grant(writer, writer_parts) /*@ ghost (reader, s) */;
    if (st != SQ_OK) {
        return st;
    }
    //@ ghost writer_granted: ;
    st = stream_grant(reader, reader_parts) /*@ ghost (writer, s) */;
    if (st != SQ_OK) {
        /* The reader's grant left the writer's domain alone: its three
         * newest partitions are the ones just added. */
        /*@ assert writer_as_granted: writer->count == \at(writer->count, Pre) + 3 &&
              SQ_PARTS_KEPT(Pre, Here, writer, \at(writer->count, Pre)); */
        //@ assert reader_ok: sq_domain_ok(reader);
        sq_mem_domain_drop_newest_locked(writer, 3u);
        //@ assert reader_kept: SQ_DOMAIN_SAME(Pre, reader);
        /*@ assert reader_md01: \at(sq_md01(reader), Pre) && \at(sq_md04(reader), Pre) ==>
              sq_md01(reader); */
        /*@ assert reader_md02: \at(sq_md02(reader), Pre) && \at(sq_md04(reader), Pre) ==>
              sq_md02(reader); */
        /*@ assert reader_md03: \at(sq_md03(reader) && sq_md06(reader) && sq_forms(reader), Pre) &&
              \at(sq_md04(reader), Pre) ==>
              sq_md03(reader) && sq_md06(reader) && sq_forms(reader); */
        return st;
    }
    //@ assert writer_same: sq_domain_same{writer_granted, Here}(writer);
    /* The writer's grant stands (sq_grant_in_kept). */
    /*@ assert writer_kept:
          sq_grant_in(writer, writer_parts[0].base, writer_parts[0].size, writer_parts[0].access) &&
          sq_grant_in(writer, writer_parts[1].base, writer_parts[1].size, writer_parts[1].access) &&
          sq_grant_in(writer, writer_parts[2].base, writer_parts[2].size, writer_parts[2].access); */
    //@ assert writer_ok: sq_domain_ok(writer);
    //@ ghost reader_granted: ;
    stream_publish(s, writer, reader, id);
    /*@ assert both_same: sq_domain_same{reader_granted, Here}(writer) &&
          sq_domain_same{reader_granted, Here}(reader); */
    //@ assert domains_ok: sq_domain_ok(writer) && sq_domain_ok(reader);
    /* Publishing changed neither domain nor a known stack: both grants
     * stand, as values of the stream's pieces (stream_parts). */
    /*@ assert writer_grants:
          sq_grant_in(writer, (uintptr_t)s->data, s->data_size, SQ_MEM_RW) &&
          sq_grant_in(writer, (uintptr_t)s->write_index, sizeof(sq_stream_index_t), SQ_MEM_RW) &&
          sq_grant_in(writer, (uintptr_t)s->read_index, sizeof(sq_stream_index_t), SQ_MEM_RO); */
    /*@ assert reader_grants:
          sq_grant_in(reader, (uintptr_t)s->data, s->data_size, SQ_MEM_RO) &&
          sq_grant_in(reader, (uintptr_t)s->write_index, sizeof(sq_stream_index_t), SQ_MEM_RO) &&
          sq_grant_in(reader, (uintptr_t)s->read_index, sizeof(sq_stream_index_t), SQ_MEM_RW); */
    /*@ assert off_stacks: !sq_hits_known_stack((uintptr_t)s->data, s->data_size) &&
          !sq_hits_known_stack((uintptr_t)s->write_index, sizeof(sq_stream_index_t)) &&
          !sq_hits_known_stack((uintptr_t)s->read_index, sizeof(sq_stream_index_t)); */
    //@ assert alone_writer: sq_stream_pieces_alone(writer, s);
    /*@ assert alone_reader_data:
          sq_piece_alone(reader, (uintptr_t)s->data, s->data_size); */
    /*@ assert alone_reader_write:
          sq_piece_alone(reader, (uintptr_t)s->write_index, sizeof(sq_stream_index_t)); */
    /*@ assert alone_reader_read:
          sq_piece_alone(reader, (uintptr_t)s->read_index, sizeof(sq_stream_index_t)); */
    //@ assert alone_reader: sq_stream_pieces_alone(reader, s);
    //@ assert isolated: sq_ss01(s, writer) && sq_ss02(s, reader) && sq_ss03(s, writer, reader);
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s != \null && writer != \null && reader != \null ==>
      sq_attach_args_ok(s, writer, reader);
    assigns sq_stream_table[0 .. SQ_CONFIG_MAX_SHARED_STREAMS - 1], s->id, s->writer, s->reader,
            s->changed, writer->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], writer->count,
            reader->part[0 .. SQ_CONFIG_MAX_PARTITIONS - 1], reader->count;
    ensures sq_kernel_ok && sq_timeouts_ok;
    behavior null_arg:
      assumes s == \null || writer == \null || reader == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior checked:
      assumes s != \null && writer != \null && reader != \null;
      ensures sq_domain_ok(writer) && sq_domain_ok(reader);
      // All or nothing.
      ensures \result != SQ_OK ==> SQ_DOMAIN_AS_BEFORE(Pre, writer) &&
        SQ_DOMAIN_SAME(Pre, reader);
      ensures \result == SQ_OK ==> sq_stream_attached(s) && s->writer == writer &&
        s->reader == reader;
      ensures SS01: \result == SQ_OK ==> sq_ss01(s, writer);
      ensures SS02: \result == SQ_OK ==> sq_ss02(s, reader);
      ensures SS03: \result == SQ_OK ==> sq_ss03(s, writer, reader);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_shared_stream_attach(sq_shared_stream_t *s, sq_mem_domain_t *writer,
                                    sq_mem_domain_t *reader)
{
    if (s == NULL || writer == NULL || reader == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = stream_attach_locked(s, writer, reader);
    sq_port_irq_unlock(key);
    return st;
}

/*@ // What detach needs: an attached stream's domains are valid, keep
    // their rules, and are apart from it.
    predicate sq_detach_args_ok(sq_shared_stream_t *s) =
      \valid(s) && sq_stream_apart(s) &&
      (sq_stream_attached(s) ==>
         \valid(s->writer) && sq_domain_ok(s->writer) &&
         \valid(s->reader) && sq_domain_ok(s->reader) &&
         \separated(s, s->writer) && \separated(s, s->reader));
*/

/* No assigns clause: sq_event_destroy, which wakes the waiters, has none. */
/*@ requires sq_kernel_ok && sq_timeouts_ok && sq_detach_args_ok(s);
    ensures \result == SQ_OK || \result == SQ_ERR_STATE;
    ensures \result == SQ_ERR_STATE <==> !\old(sq_stream_attached(s));
*/
static sq_status_t stream_detach_locked(sq_shared_stream_t *s)
{
    if (!stream_attached(s)) {
        return SQ_ERR_STATE;
    }
    sq_mem_partition_t part[3];
    stream_parts(s, false, part);
    stream_revoke(s->writer, part);
    stream_parts(s, true, part);
    stream_revoke(s->reader, part);
    sq_stream_table[s->id] = NULL;
    s->id = SQ_SHARED_STREAM_DETACHED;
    s->writer = NULL;
    s->reader = NULL;
    /* Waiters wake with SQ_ERR_DESTROYED; attach made the event usable, so
     * this succeeds. */
    (void)sq_event_destroy(&s->changed);
    return SQ_OK;
}

/*@ requires sq_kernel_ok && sq_timeouts_ok;
    requires s == \null || sq_detach_args_ok(s);
    ensures s == \null ==> \result == SQ_ERR_NULL;
    ensures s != \null ==> (\result == SQ_OK || \result == SQ_ERR_STATE) &&
      (\result == SQ_ERR_STATE <==> !\old(sq_stream_attached(s)));
*/
sq_status_t sq_shared_stream_detach(sq_shared_stream_t *s)
{
    if (s == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = stream_detach_locked(s);
    sq_port_irq_unlock(key);
    return st;
}

/* Set up end e of s from the published indices, changing e only if they
 * are possible. */
/*@ requires sq_stream_ok(s) && \valid(e);
    requires \separated(e, s, s->data + (0 .. s->data_size - 1), s->write_index, s->read_index);
    assigns *e;
    behavior detached:
      assumes !sq_stream_attached(s);
      assigns \nothing;
      ensures \result == SQ_ERR_STATE;
    behavior corrupt:
      assumes sq_stream_attached(s);
      assumes !sq_ring_indices_ok(s->capacity, s->write_index->value, s->read_index->value);
      assigns \nothing;
      ensures SS04: \result == SQ_ERR_CORRUPT;
    behavior ok:
      assumes sq_stream_attached(s);
      assumes sq_ring_indices_ok(s->capacity, s->write_index->value, s->read_index->value);
      ensures \result == SQ_OK && sq_stream_end_ok(e) && e->id == s->id;
      ensures SS04: e->view.core.head == s->write_index->value &&
                    e->view.core.tail == s->read_index->value;
      ensures SS05: e->view.core.storage == s->data && e->view.core.unit_size == s->elem_size &&
                    e->view.core.size_bytes <= s->data_size;
      ensures e->own == (reader ? s->read_index : s->write_index);
      ensures e->peer == (reader ? s->write_index : s->read_index);
      ensures e->view.core.write_claim == 0 && e->view.core.read_claim == 0;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t stream_open_locked(sq_shared_stream_t *s, sq_stream_end_t *e, bool reader)
{
    if (!stream_attached(s)) {
        return SQ_ERR_STATE;
    }
    /* Each published index read once: the peer may change it meanwhile. */
    uint32_t head = sq_atomic_load_acquire(&s->write_index->value);
    uint32_t tail = sq_atomic_load_acquire(&s->read_index->value);
    uint32_t used;
    if (sq_ring_core_used_of(s->capacity, head, tail, &used) != SQ_OK) {
        return SQ_ERR_CORRUPT;
    }
    /* Whole elements: the provers need the product's facts spelled out. */
    //@ assert s->capacity * s->elem_size % s->elem_size == 0;
    //@ assert s->capacity * s->elem_size / s->elem_size == s->capacity;
    sq_ring_core_setup(&e->view.core, s->data, s->capacity * s->elem_size, s->elem_size);
    /* Succeeds: the indices were checked and the new view has no claims. */
    (void)sq_ring_core_sync(&e->view.core, head, tail);
    e->own = reader ? s->read_index : s->write_index;
    e->peer = reader ? s->write_index : s->read_index;
    e->id = s->id;
    return SQ_OK;
}

/*@ requires s == \null || sq_stream_ok(s);
    requires e == \null || (\valid(e) && (s == \null ||
             \separated(e, s, s->data + (0 .. s->data_size - 1), s->write_index, s->read_index)));
    assigns *e;
    ensures s == \null || e == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK ==> sq_stream_end_ok(e);
    ensures SS05: \result == SQ_OK ==> e->view.core.storage == s->data &&
                  e->view.core.unit_size == s->elem_size &&
                  e->view.core.size_bytes <= s->data_size;
*/
static sq_status_t stream_open(sq_shared_stream_t *s, sq_stream_end_t *e, bool reader)
{
    if (s == NULL || e == NULL) {
        return SQ_ERR_NULL;
    }
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = stream_open_locked(s, e, reader);
    sq_port_irq_unlock(key);
    return st;
}

/* The ends only read s; the kernel's table holds it writable. */
/*@ requires s == \null || sq_stream_ok((sq_shared_stream_t *)s);
    requires e == \null || (\valid(e) && (s == \null ||
             \separated(e, s, s->data + (0 .. s->data_size - 1), s->write_index, s->read_index)));
    assigns *e;
    ensures s == \null || e == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK ==> sq_stream_end_ok(e);
*/
sq_status_t sq_shared_stream_open_writer(const sq_shared_stream_t *s, sq_stream_end_t *e)
{
    return stream_open((sq_shared_stream_t *)s, e, false);
}

/*@ requires s == \null || sq_stream_ok((sq_shared_stream_t *)s);
    requires e == \null || (\valid(e) && (s == \null ||
             \separated(e, s, s->data + (0 .. s->data_size - 1), s->write_index, s->read_index)));
    assigns *e;
    ensures s == \null || e == \null ==> \result == SQ_ERR_NULL;
    ensures \result == SQ_OK ==> sq_stream_end_ok(e);
*/
sq_status_t sq_shared_stream_open_reader(const sq_shared_stream_t *s, sq_stream_end_t *e)
{
    return stream_open((sq_shared_stream_t *)s, e, true);
}

/*@ requires e == \null || sq_stream_end_ok(e);
    requires e == \null || slot == \null || (\valid(slot) &&
             \separated(slot, e, e->own, e->peer,
                        e->view.core.storage + (0 .. e->view.core.size_bytes - 1)));
    assigns e->view.core.head, e->view.core.tail, e->view.core.write_claim, *slot;
    behavior null_arg:
      assumes e == \null || slot == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior corrupt:
      assumes e != \null && slot != \null;
      assumes !sq_ring_sync_ok(&e->view.core, e->view.core.head, e->peer->value);
      ensures SS04: \result == SQ_ERR_CORRUPT && e->view.core.head == \old(e->view.core.head) &&
                    e->view.core.tail == \old(e->view.core.tail) &&
                    e->view.core.write_claim == \old(e->view.core.write_claim);
    behavior synced:
      assumes e != \null && slot != \null;
      assumes sq_ring_sync_ok(&e->view.core, e->view.core.head, e->peer->value);
      ensures sq_stream_end_ok(e);
      ensures SS04: e->view.core.tail == \old(e->peer->value) &&
                    e->view.core.head == \old(e->view.core.head);
      ensures \result == SQ_OK || \result == SQ_ERR_FULL || \result == SQ_ERR_CLAIM_PENDING;
      ensures SS05: \result == SQ_OK ==>
        (char *)*slot == e->view.core.storage +
                         sq_ring_pos(&e->view.core, e->view.core.head) * e->view.core.unit_size &&
        sq_stream_slot_in(e, sq_ring_pos(&e->view.core, e->view.core.head) * e->view.core.unit_size);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_stream_writer_claim(sq_stream_end_t *e, void **slot)
{
    if (e == NULL || slot == NULL) {
        return SQ_ERR_NULL;
    }
    /* The reader's tail, and with it (acquire) its reads of the slots it
     * gave back; taken only if the view stays a ring with it (SS04). */
    sq_status_t st = sq_ring_core_sync(&e->view.core, sq_atomic_load_relaxed(&e->view.core.head),
                                       sq_atomic_load_acquire(&e->peer->value));
    if (st != SQ_OK) {
        return st;
    }
    st = sq_typed_ring_buf_write_claim(&e->view, slot);
    /* SS05 from the slot's position: below the capacity, in whole elements. */
    //@ assert sq_ring_pos(&e->view.core, e->view.core.head) + 1 <= e->view.core.capacity;
    /*@ assert (sq_ring_pos(&e->view.core, e->view.core.head) + 1) * e->view.core.unit_size <=
               e->view.core.capacity * e->view.core.unit_size; */
    return st;
}

/*@ requires e == \null || sq_stream_end_ok(e);
    assigns e->view.core.head, e->view.core.write_claim, e->own->value;
    behavior null_arg:
      assumes e == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior not_claimed:
      assumes e != \null && e->view.core.write_claim == 0;
      ensures \result == SQ_ERR_NOT_CLAIMED && e->own->value == \old(e->own->value);
    behavior ok:
      assumes e != \null && e->view.core.write_claim != 0;
      ensures \result == SQ_OK && sq_stream_end_ok(e);
      ensures e->own->value == e->view.core.head;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_stream_writer_commit(sq_stream_end_t *e)
{
    if (e == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = sq_typed_ring_buf_write_commit(&e->view);
    if (st == SQ_OK) {
        /* Published after the element's bytes (release). */
        sq_atomic_store_release(&e->own->value, sq_atomic_load_relaxed(&e->view.core.head));
    }
    return st;
}

/*@ requires e == \null || sq_stream_end_ok(e);
    requires e == \null || slot == \null || (\valid(slot) &&
             \separated(slot, e, e->own, e->peer,
                        e->view.core.storage + (0 .. e->view.core.size_bytes - 1)));
    assigns e->view.core.head, e->view.core.tail, e->view.core.read_claim, *slot;
    behavior null_arg:
      assumes e == \null || slot == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior corrupt:
      assumes e != \null && slot != \null;
      assumes !sq_ring_sync_ok(&e->view.core, e->peer->value, e->view.core.tail);
      ensures SS04: \result == SQ_ERR_CORRUPT && e->view.core.head == \old(e->view.core.head) &&
                    e->view.core.tail == \old(e->view.core.tail) &&
                    e->view.core.read_claim == \old(e->view.core.read_claim);
    behavior synced:
      assumes e != \null && slot != \null;
      assumes sq_ring_sync_ok(&e->view.core, e->peer->value, e->view.core.tail);
      ensures sq_stream_end_ok(e);
      ensures SS04: e->view.core.head == \old(e->peer->value) &&
                    e->view.core.tail == \old(e->view.core.tail);
      ensures \result == SQ_OK || \result == SQ_ERR_EMPTY || \result == SQ_ERR_CLAIM_PENDING;
      ensures SS05: \result == SQ_OK ==>
        (char *)*slot == e->view.core.storage +
                         sq_ring_pos(&e->view.core, e->view.core.tail) * e->view.core.unit_size &&
        sq_stream_slot_in(e, sq_ring_pos(&e->view.core, e->view.core.tail) * e->view.core.unit_size);
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_stream_reader_borrow(sq_stream_end_t *e, const void **slot)
{
    if (e == NULL || slot == NULL) {
        return SQ_ERR_NULL;
    }
    /* The writer's head, and with it (acquire) the bytes it published. */
    sq_status_t st = sq_ring_core_sync(&e->view.core, sq_atomic_load_acquire(&e->peer->value),
                                       sq_atomic_load_relaxed(&e->view.core.tail));
    if (st != SQ_OK) {
        return st;
    }
    st = sq_typed_ring_buf_read_borrow(&e->view, slot);
    //@ assert sq_ring_pos(&e->view.core, e->view.core.tail) + 1 <= e->view.core.capacity;
    /*@ assert (sq_ring_pos(&e->view.core, e->view.core.tail) + 1) * e->view.core.unit_size <=
               e->view.core.capacity * e->view.core.unit_size; */
    return st;
}

/*@ requires e == \null || sq_stream_end_ok(e);
    assigns e->view.core.tail, e->view.core.read_claim, e->own->value;
    behavior null_arg:
      assumes e == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior not_claimed:
      assumes e != \null && e->view.core.read_claim == 0;
      ensures \result == SQ_ERR_NOT_CLAIMED && e->own->value == \old(e->own->value);
    behavior ok:
      assumes e != \null && e->view.core.read_claim != 0;
      ensures \result == SQ_OK && sq_stream_end_ok(e);
      ensures e->own->value == e->view.core.tail;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_stream_reader_release(sq_stream_end_t *e)
{
    if (e == NULL) {
        return SQ_ERR_NULL;
    }
    sq_status_t st = sq_typed_ring_buf_read_release(&e->view);
    if (st == SQ_OK) {
        /* Published after the reads of the element (release). */
        sq_atomic_store_release(&e->own->value, sq_atomic_load_relaxed(&e->view.core.tail));
    }
    return st;
}

/* The calls below enter the kernel (sq_syscall), which checks the id and
 * the caller against the stream. */
static sq_status_t stream_call(uint32_t nr, const sq_stream_end_t *e, uint32_t role,
                               sq_timeout_t timeout)
{
    return e == NULL ? SQ_ERR_NULL : sq_port_syscall(nr, e->id | role, timeout);
}

sq_status_t sq_stream_writer_wait(const sq_stream_end_t *e, sq_timeout_t timeout)
{
    return stream_call(SQ_SYS_STREAM_WAIT, e, 0u, timeout);
}

sq_status_t sq_stream_reader_wait(const sq_stream_end_t *e, sq_timeout_t timeout)
{
    return stream_call(SQ_SYS_STREAM_WAIT, e, SQ_SYS_STREAM_READER, timeout);
}

sq_status_t sq_stream_writer_notify(const sq_stream_end_t *e)
{
    return stream_call(SQ_SYS_STREAM_NOTIFY, e, 0u, 0u);
}

sq_status_t sq_stream_reader_notify(const sq_stream_end_t *e)
{
    return stream_call(SQ_SYS_STREAM_NOTIFY, e, SQ_SYS_STREAM_READER, 0u);
}

/* ---- Kernel side (sq_syscall) ------------------------------------------ */

/* The stream a call's a0 names, if the caller may act for that end: a user
 * thread only from the end's domain; privileged code is trusted. */
/*@ requires sq_kernel_ok && \valid(out);
    requires \forall integer i; 0 <= i < SQ_CONFIG_MAX_SHARED_STREAMS ==>
               sq_stream_table[i] == \null || \valid_read(sq_stream_table[i]);
    assigns *out;
    behavior bad_id:
      assumes (a0 & ~SQ_SYS_STREAM_READER) >= SQ_CONFIG_MAX_SHARED_STREAMS;
      assigns \nothing;
      ensures \result == SQ_ERR_INVALID;
    behavior detached:
      assumes (a0 & ~SQ_SYS_STREAM_READER) < SQ_CONFIG_MAX_SHARED_STREAMS;
      assumes sq_stream_table[a0 & ~SQ_SYS_STREAM_READER] == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_DESTROYED;
    behavior found:
      assumes (a0 & ~SQ_SYS_STREAM_READER) < SQ_CONFIG_MAX_SHARED_STREAMS;
      assumes sq_stream_table[a0 & ~SQ_SYS_STREAM_READER] != \null;
      ensures \result == SQ_OK || \result == SQ_ERR_INVALID;
      ensures \result == SQ_OK ==> *out == \old(sq_stream_table[a0 & ~SQ_SYS_STREAM_READER]);
      // A user thread acts only for the end its domain holds.
      ensures \result == SQ_OK && (sq_kernel.current->options & SQ_THREAD_USER) != 0 ==>
        ((a0 & SQ_SYS_STREAM_READER) != 0 ==> \old(sq_kernel.current->domain ==
           sq_stream_table[a0 & ~SQ_SYS_STREAM_READER]->reader)) &&
        ((a0 & SQ_SYS_STREAM_READER) == 0 ==> \old(sq_kernel.current->domain ==
           sq_stream_table[a0 & ~SQ_SYS_STREAM_READER]->writer));
      ensures (sq_kernel.current->options & SQ_THREAD_USER) == 0 ==> \result == SQ_OK;
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t stream_for_call_locked(uint32_t a0, sq_shared_stream_t **out)
{
    uint32_t id = a0 & ~SQ_SYS_STREAM_READER;
    if (id >= SQ_CONFIG_MAX_SHARED_STREAMS) {
        return SQ_ERR_INVALID;
    }
    sq_shared_stream_t *s = sq_stream_table[id];
    if (s == NULL) {
        return SQ_ERR_DESTROYED;
    }
    sq_thread_t *caller = sq_kernel.current;
    sq_mem_domain_t *end = (a0 & SQ_SYS_STREAM_READER) != 0u ? s->reader : s->writer;
    if ((caller->options & SQ_THREAD_USER) != 0u && caller->domain != end) {
        return SQ_ERR_INVALID;
    }
    *out = s;
    return SQ_OK;
}

static sq_status_t stream_for_call(uint32_t a0, sq_shared_stream_t **out)
{
    sq_irq_key_t key = sq_port_irq_lock();
    sq_status_t st = stream_for_call_locked(a0, out);
    sq_port_irq_unlock(key);
    return st;
}

/* Whether the published indices let the end go on: the reader has an
 * element, the writer a free slot. SQ_OK, SQ_ERR_BUSY (not yet),
 * SQ_ERR_CORRUPT (impossible indices). */
/*@ requires sq_stream_ok((sq_shared_stream_t *)s);
    assigns \nothing;
    behavior corrupt:
      assumes !sq_ring_indices_ok(s->capacity, s->write_index->value, s->read_index->value);
      ensures \result == SQ_ERR_CORRUPT;
    behavior checked:
      assumes sq_ring_indices_ok(s->capacity, s->write_index->value, s->read_index->value);
      ensures \result == SQ_OK || \result == SQ_ERR_BUSY;
      ensures \result == SQ_OK <==>
        (reader ? sq_ring_used_of(s->capacity, s->write_index->value, s->read_index->value) != 0
                : sq_ring_used_of(s->capacity, s->write_index->value, s->read_index->value) !=
                  s->capacity);
    complete behaviors;
    disjoint behaviors;
*/
static sq_status_t stream_ready(const sq_shared_stream_t *s, bool reader)
{
    uint32_t used;
    sq_status_t st = sq_ring_core_used_of(s->capacity,
                                          sq_atomic_load_acquire(&s->write_index->value),
                                          sq_atomic_load_acquire(&s->read_index->value), &used);
    if (st != SQ_OK) {
        return st;
    }
    return (reader ? used != 0u : used != s->capacity) ? SQ_OK : SQ_ERR_BUSY;
}

sq_status_t sq_shared_stream_sys_wait(uint32_t a0, sq_timeout_t timeout)
{
    sq_shared_stream_t *s;
    sq_status_t st = stream_for_call(a0, &s);
    if (st != SQ_OK) {
        return st;
    }
    bool reader = (a0 & SQ_SYS_STREAM_READER) != 0u;
    uint32_t bit = reader ? SQ_STREAM_PUBLISHED : SQ_STREAM_RELEASED;
    /* Clear, check, wait: no wake-up is lost, because the peer publishes
     * its index before it notifies. A publish the check missed came after
     * the clear, so its notify sets the bit after the clear too, and the
     * wait sees the bit or is woken by it. (A detach in between makes the
     * clear or the wait return SQ_ERR_DESTROYED.) */
    st = sq_event_clear(&s->changed, bit);
    if (st != SQ_OK) {
        return st;
    }
    st = stream_ready(s, reader);
    if (st != SQ_ERR_BUSY) {
        return st;
    }
    return sq_event_wait(&s->changed, bit, 0u, timeout, NULL);
}

sq_status_t sq_shared_stream_sys_notify(uint32_t a0)
{
    sq_shared_stream_t *s;
    sq_status_t st = stream_for_call(a0, &s);
    if (st != SQ_OK) {
        return st;
    }
    return sq_event_post(&s->changed, (a0 & SQ_SYS_STREAM_READER) != 0u ? SQ_STREAM_RELEASED
                                                                       : SQ_STREAM_PUBLISHED);
}
