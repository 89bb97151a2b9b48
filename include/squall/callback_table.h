/*
 * squall callback dispatch table: callback-mode lifting of the Component
 * Model. A component's callback returns a packed code after each event
 * (EXIT 0, YIELD 1, WAIT 2 with a waitable-set index above the low 4
 * bits); the table maps events to the C functions that handle them, and
 * sq_callback_run drives the loop: wait on the set the last return named,
 * dispatch the event to its entry, decode what the entry returned.
 *
 * An entry is (event code, join id or SQ_CALLBACK_ANY_ID, function,
 * context). A dispatch calls the entry registered for exactly the event's
 * code and join id, else the entry for its code and any id; an event with
 * no entry is reported (SQ_ERR_NOT_FOUND), never dropped. The table is
 * filled at component initialisation and then sealed: a sealed table
 * cannot change, and only a sealed table dispatches.
 *
 * Properties (named clauses in src/tasks/callback_table.c, see
 * docs/VERIFICATION.md): CB01 a registration beyond capacity fails and
 * changes nothing; CB02 dispatch calls exactly the entry registered for
 * the event; CB03 an event with no entry is reported; CB04 a sealed table
 * cannot be changed; CB05 return codes decode exactly as the Component
 * Model packs them, and anything else is refused. Every call that fails
 * returns a negative sq_status_t and changes nothing.
 */
#ifndef SQUALL_CALLBACK_TABLE_H
#define SQUALL_CALLBACK_TABLE_H

#include <stdint.h>
#include <squall/waitable_set.h>

/** A callback: handles `ev` and returns a packed Component Model code. */
typedef uint32_t sq_callback_fn(void *ctx, const sq_wait_event_t *ev);

/** Join id of an entry that takes its code's events for every join id. */
#define SQ_CALLBACK_ANY_ID 0xffffffffu

/** Callback return codes (the low 4 bits of what a callback returns). */
#define SQ_CALLBACK_EXIT 0u
#define SQ_CALLBACK_YIELD 1u
#define SQ_CALLBACK_WAIT 2u

typedef struct sq_callback_entry {
    uint32_t code;
    uint32_t join_id;
    sq_callback_fn *fn;
    void *ctx;
} sq_callback_entry_t;

typedef struct sq_callback_table {
    /** entries[0 .. count-1]; caller storage for `capacity` entries. */
    sq_callback_entry_t *entries;
    uint32_t count;
    uint32_t capacity;
    /** Non-zero once sealed. */
    uint32_t sealed;
    /** SQ_CALLBACK_TABLE_MAGIC once initialised. */
    uint32_t magic;
} sq_callback_table_t;

#define SQ_CALLBACK_TABLE_MAGIC 0x43424b31u

/** Define an empty, unsealed table `name` for at most `cap` entries. */
#define SQ_CALLBACK_TABLE_DEFINE(name, cap)                                   \
    _Static_assert((cap) > 0u && (cap) <= 0x7fffffffu,                        \
                   "a callback table needs room for 1 .. INT32_MAX entries"); \
    static sq_callback_entry_t name##_entries[(cap)];                         \
    sq_callback_table_t name = {name##_entries, 0u, (cap), 0u, SQ_CALLBACK_TABLE_MAGIC}

/** A decoded callback return. */
typedef struct sq_callback_action {
    uint32_t kind;       /**< SQ_CALLBACK_EXIT, _YIELD or _WAIT */
    uint32_t set_index;  /**< ret >> 4: for WAIT, the waitable-set index */
} sq_callback_action_t;

/** Initialise `t` empty and unsealed, for `capacity` entries in
 *  `storage`, whatever `t` held (it does not read it). SQ_ERR_NULL,
 *  SQ_ERR_CAPACITY (0, or above INT32_MAX). */
sq_status_t sq_callback_table_init(sq_callback_table_t *t, sq_callback_entry_t *storage,
                                   uint32_t capacity);

/** Register `fn(ctx, ev)` for events of `code` (NONE .. CANCELLED) and
 *  `join_id` (or SQ_CALLBACK_ANY_ID). SQ_ERR_NULL (t or fn),
 *  SQ_ERR_INVALID (code out of range, or t not initialised), SQ_ERR_STATE
 *  (sealed), SQ_ERR_FULL (capacity reached, whatever code and id),
 *  SQ_ERR_BUSY (that code and id already have an entry). */
sq_status_t sq_callback_register(sq_callback_table_t *t, uint32_t code, uint32_t join_id,
                                 sq_callback_fn *fn, void *ctx);

/** Seal `t`: no change after this; sealing a sealed table is SQ_OK.
 *  SQ_ERR_NULL, SQ_ERR_INVALID (not initialised). */
sq_status_t sq_callback_seal(sq_callback_table_t *t);

/** Decode a callback's packed return `ret` into `*act`, as the Component
 *  Model unpacks it: kind = ret & 0xf, set_index = ret >> 4 whatever the
 *  kind (EXIT and YIELD ignore the upper bits; they do not trap).
 *  SQ_ERR_NULL, SQ_ERR_INVALID (a code of 3 .. 15: a trap there). */
sq_status_t sq_callback_decode(uint32_t ret, sq_callback_action_t *act);

/** Call the entry for `ev` and decode what it returns into `*act`.
 *  SQ_ERR_NULL, SQ_ERR_INVALID (t not initialised, ev's code out of range,
 *  or the callback returned an unknown code), SQ_ERR_STATE (not sealed),
 *  SQ_ERR_NOT_FOUND (no entry for ev). */
sq_status_t sq_callback_dispatch(const sq_callback_table_t *t, const sq_wait_event_t *ev,
                                 sq_callback_action_t *act);

/**
 * Drive a callback-mode task in the calling thread, starting from what
 * its first call returned (`first`): on EXIT return SQ_OK; on YIELD yield
 * the thread, then dispatch {NONE, 0, 0}; on WAIT i wait (without limit)
 * on sets[i] and dispatch the event. Returns the first error of decode,
 * dispatch or wait; SQ_ERR_INVALID for a set index not below `set_count`.
 * The index counts in `sets` from 0 (in the Component Model it is a handle
 * index). SQ_ERR_NULL (t, or sets with a non-zero set_count), and
 * SQ_ERR_INVALID or SQ_ERR_STATE for an unusable table, before anything
 * is waited for.
 */
sq_status_t sq_callback_run(const sq_callback_table_t *t, sq_waitable_set_t *const *sets,
                            uint32_t set_count, uint32_t first);

#endif /* SQUALL_CALLBACK_TABLE_H */
