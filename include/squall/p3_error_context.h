/*
 * squall P3: error contexts (`error-context.new/debug-message/drop`).
 *
 * An error context keeps up to SQ_P3_ERROR_MESSAGE_MAX bytes of the
 * message given at `new` (the debug message is host-defined: squall keeps
 * a prefix, in a pool, and says so), and hands them back through the
 * instance's realloc at `debug-message`.
 */
#ifndef SQUALL_P3_ERROR_CONTEXT_H
#define SQUALL_P3_ERROR_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/status.h>
#include <squall/p3_instance.h>

#ifndef SQ_P3_ERROR_MESSAGE_MAX
#define SQ_P3_ERROR_MESSAGE_MAX 32u
#endif

typedef struct sq_p3_error_context {
    sq_p3_pool_link_t link;   /**< first: the runtime's pool */
    uint8_t message[SQ_P3_ERROR_MESSAGE_MAX];
    uint32_t length;
    uint32_t refs;            /**< handles naming it (in any instance) */
} sq_p3_error_context_t;

/** error-context.new: `len` bytes of UTF-8 at guest `ptr` (checked; UTF-8
 *  is the only string encoding, so `len` carries no UTF-16 tag). The new
 *  handle's index into `*index`. SQ_ERR_NULL (index), SQ_ERR_TRAP (LENGTH:
 *  len > 2^28 - 1, BOUNDS, NO_OBJECTS, TABLE_FULL, MAY_NOT_LEAVE,
 *  POISONED). Invalid UTF-8 keeps an empty message (no trap). */
sq_status_t sq_p3_error_context_new(sq_p3_thread_t *t, uint32_t ptr, uint32_t len,
                                    uint32_t *index);

/** error-context.debug-message: store (ptr, len) of a copy of the message
 *  made with the instance's realloc at guest `ptr` (4-aligned, 8 bytes);
 *  (0, 0) with no realloc. realloc runs with may_leave false, before `ptr`
 *  is checked (the reference's order). SQ_ERR_TRAP (BAD_HANDLE, WRONG_KIND,
 *  BOUNDS: realloc gave SQ_P3_NO_MEMORY or a block outside memory, ALIGN,
 *  BOUNDS: ptr, MAY_NOT_LEAVE, POISONED; or realloc trapped the instance). */
sq_status_t sq_p3_error_context_debug_message(sq_p3_thread_t *t, uint32_t index, uint32_t ptr);

/** error-context.drop. SQ_ERR_TRAP (BAD_HANDLE, WRONG_KIND,
 *  MAY_NOT_LEAVE, POISONED). */
sq_status_t sq_p3_error_context_drop(sq_p3_thread_t *t, uint32_t index);

#endif /* SQUALL_P3_ERROR_CONTEXT_H */
