/*
 * squall P3: the ACSL predicates the contracts of handle tables, instances
 * and the built-ins share. Annotations only; not a public header.
 *
 * sq_ht_ok is what every handle-table call keeps: the storage and the
 * bounds of HT03, the kinds, and a free stack whose every link leads to a
 * free slot, which no two free slots share and which never leads back to
 * the top. Those local rules are enough for a pop to leave a free top: the
 * top's successor is free and nobody else's successor, so a used slot is
 * never handed out again. That every free slot is on the stack is a
 * counting fact they do not carry (and nothing needs it).
 */
#ifndef SQUALL_SRC_P3_RULES_H
#define SQUALL_SRC_P3_RULES_H

#include <squall/p3_instance.h>
#include <squall/p3_runtime.h>
#include <squall/p3_stream.h>

/*@ predicate sq_ht_free(sq_p3_handle_slot_t *s, integer i) = s[i].kind == SQ_P3_KIND_FREE;

    // Every free slot's link is 0 or a free slot below length, and never
    // the top of the stack.
    predicate sq_ht_links_ok(sq_p3_handle_table_t *t) =
      \forall integer i; 1 <= i < t->length && sq_ht_free(t->slots, i) ==>
        t->slots[i].next_free < t->length &&
        (t->slots[i].next_free != 0 ==> sq_ht_free(t->slots, t->slots[i].next_free)) &&
        (t->free_head != 0 ==> t->slots[i].next_free != t->free_head);

    // No two free slots link to the same slot.
    predicate sq_ht_links_distinct(sq_p3_handle_table_t *t) =
      \forall integer i, j; 1 <= i < t->length && 1 <= j < t->length && i != j &&
        sq_ht_free(t->slots, i) && sq_ht_free(t->slots, j) && t->slots[i].next_free != 0 ==>
        t->slots[i].next_free != t->slots[j].next_free;

    // The storage, HT03's bounds, and a free top of the stack.
    predicate sq_ht_bounds(sq_p3_handle_table_t *t) =
      2 <= t->capacity <= SQ_P3_MAX_HANDLES + 1 &&
      \valid(t->slots + (0 .. t->capacity - 1)) &&
      \separated(t, t->slots + (0 .. t->capacity - 1)) &&
      1 <= t->length <= t->capacity &&
      t->free_head < t->length &&
      (t->free_head != 0 ==> sq_ht_free(t->slots, t->free_head));

    predicate sq_ht_kinds(sq_p3_handle_table_t *t) =
      \forall integer i; 1 <= i < t->length ==> t->slots[i].kind <= SQ_P3_KIND_SUBTASK;

    predicate sq_ht_ok(sq_p3_handle_table_t *t) =
      sq_ht_bounds(t) && sq_ht_kinds(t) && sq_ht_links_ok(t) && sq_ht_links_distinct(t);

    // A lookup of `index` for `kinds` finds an object.
    predicate sq_ht_found(sq_p3_handle_table_t *t, integer index, integer kinds) =
      0 < index < t->length && !sq_ht_free(t->slots, index) &&
      ((kinds >> t->slots[index].kind) & 1) != 0;

    // What a lookup of `index` for `kinds` answers (HT04): SQ_OK where it
    // finds an object, else each refusal's own code.
    logic integer sq_ht_lookup(sq_p3_handle_table_t *t, integer index, integer kinds) =
      index == 0 || index >= t->length ? SQ_ERR_RANGE :
      t->slots[index].kind == SQ_P3_KIND_FREE ? SQ_ERR_NOT_FOUND :
      ((kinds >> t->slots[index].kind) & 1) != 0 ? SQ_OK : SQ_ERR_INVALID;

    // What get and remove answer: SQ_ERR_NULL without a table or a place
    // for the object, else the lookup's answer.
    logic integer sq_ht_answer(sq_p3_handle_table_t *t, void **object, integer index,
                               integer kinds) =
      t == \null || object == \null ? SQ_ERR_NULL : sq_ht_lookup(t, index, kinds);

    predicate sq_ht_slot_unchanged{L1, L2}(sq_p3_handle_table_t *t, integer i) =
      \at(t->slots[i].object, L1) == \at(t->slots[i].object, L2) &&
      \at(t->slots[i].kind, L1) == \at(t->slots[i].kind, L2) &&
      \at(t->slots[i].next_free, L1) == \at(t->slots[i].next_free, L2);
*/

/*@ // Registered instances and initialised guest threads.
    predicate sq_p3_inst_ok(sq_p3_instance_t *inst) =
      inst != \null && inst->magic == SQ_P3_INSTANCE_MAGIC;
    predicate sq_p3_thread_ok(sq_p3_thread_t *t) =
      t != \null && t->magic == SQ_P3_THREAD_MAGIC && sq_p3_inst_ok(t->instance);
    // What a thread context must be for the checks to read it safely.
    predicate sq_p3_thread_readable(sq_p3_thread_t *t) =
      t == \null || (\valid_read(t) && (t->magic == SQ_P3_THREAD_MAGIC ==>
                                           t->instance == \null || \valid(t->instance)));
    // Linear memory is there, all of it.
    predicate sq_p3_memory_ok(sq_p3_instance_t *inst) =
      inst->memory_length == 0 || \valid(inst->memory + (0 .. inst->memory_length - 1));
*/

/*@ // What the built-ins' contracts promise. The built-ins lock, look
    // handles up and block, and are not given to WP (proofs/wp/prove.sh
    // says why): these are stated, and checked by the P3 suites (the
    // trace test's model for legal calls, the others for each refusal).
    //
    // The codes a built-in returns: success, the embedder's mistakes (a
    // NULL argument, an unusable context) and a trap; the forms that may
    // block also a synchronous call where nothing can block.
    predicate sq_p3_entry_code(integer st) =
      st == SQ_OK || st == SQ_ERR_NULL || st == SQ_ERR_INVALID || st == SQ_ERR_TRAP;
    predicate sq_p3_code(integer st) =
      sq_p3_entry_code(st) || st == SQ_ERR_IN_ISR || st == SQ_ERR_STATE;
    // A trap is recorded in the caller's instance (which stays trapped).
    predicate sq_p3_trap_kept(sq_p3_thread_t *t, integer st) =
      st == SQ_ERR_TRAP ==> t->instance->trap != SQ_P3_TRAP_NONE;
    // A copy's result word: BLOCKED, or COMPLETED, DROPPED or CANCELLED
    // with, for a stream, a count of at most the n elements posted (ST02);
    // a future's word has no count.
    predicate sq_p3_copy_word(integer word, integer n, boolean future) =
      word == SQ_P3_BLOCKED ||
      (word % 16 <= SQ_P3_COPY_CANCELLED && (future ? word < 16 : word / 16 <= n));
    // A pool sq_p3_runtime_init accepts.
    predicate sq_p3_pool_ok(sq_p3_pool_t *p) =
      p->items != \null && p->count > 0 && p->stride >= sizeof(sq_p3_pool_link_t);
    // An index a built-in hands out (HT01, HT03).
    predicate sq_p3_new_index(sq_p3_instance_t *inst, integer i) =
      0 < i < inst->handles.capacity && i <= SQ_P3_MAX_HANDLES;
    // What stream.new and future.new give on success: readable | writable
    // << 32, two distinct new indices.
    predicate sq_p3_pair_made(sq_p3_instance_t *inst, uint64_t *packed, integer st) =
      st == SQ_OK ==> sq_p3_new_index(inst, *packed % 0x100000000) &&
        sq_p3_new_index(inst, *packed / 0x100000000) &&
        *packed % 0x100000000 != *packed / 0x100000000;
*/

#endif /* SQUALL_SRC_P3_RULES_H */
