/*
 * squall byte ring buffer: a FIFO of bytes in caller memory.
 *
 * Any capacity from 1 to SQ_RING_MAX_UNITS bytes. Copying put/get/peek, and a
 * zero-copy claim/finish pair on each side that hands out one contiguous span
 * at a time. One producer (put, put_claim, put_finish) and one consumer (get,
 * peek, get_claim, get_finish) may run concurrently, each possibly in an
 * interrupt handler, without locks. size/space/is_empty may be called from
 * either side; under concurrency they return a value that was true at some
 * instant during the call. init and reset need both sides quiet.
 *
 * Every function that fails returns a negative sq_status_t and changes
 * nothing; count out-parameters (written, read, claimed) are set to 0 on
 * every failure except SQ_ERR_NULL.
 *
 * Properties RB01-RB08 (docs/VERIFICATION.md) are the named clauses below.
 */
#ifndef SQUALL_RING_BUF_H
#define SQUALL_RING_BUF_H

#include <stdbool.h>
#include <stdint.h>
#include <squall/ring_core.h>
#include <squall/status.h>

typedef struct sq_ring_buf {
    struct sq_ring_core core;
} sq_ring_buf_t;

/** Define and initialise a byte ring `name` of `size_bytes` bytes. */
#define SQ_RING_BUF_DEFINE(name, size_bytes)                                  \
    _Static_assert(SQ_RING_CORE_SIZE_OK((size_bytes), 1u),                    \
                   "ring size out of range");                                 \
    static char name##_storage[(size_bytes)];                                 \
    sq_ring_buf_t name = {SQ_RING_CORE_INITIALIZER(name##_storage, (size_bytes), 1u)}

/*@ predicate sq_ring_buf_ok(sq_ring_buf_t *rb) =
      sq_ring_ok(&rb->core) && rb->core.unit_size == 1;
*/

/**
 * Initialise `rb` over `size` bytes at `storage`.
 * SQ_ERR_NULL (rb or storage NULL), SQ_ERR_CAPACITY (size 0 or above
 * SQ_RING_MAX_UNITS), SQ_ERR_OVERFLOW (size above SQ_RING_MAX_BYTES).
 */
/*@ requires rb == \null || \valid(rb);
    requires storage == \null || size == 0 || size > SQ_RING_MAX_BYTES ||
             (\valid((char *)storage + (0 .. size - 1)) &&
              \separated(rb, (char *)storage + (0 .. size - 1)));
    assigns *rb;
    behavior null_arg:
      assumes rb == \null || storage == \null;
      assigns \nothing;
      ensures \result == SQ_ERR_NULL;
    behavior bad_size:
      assumes rb != \null && storage != \null;
      assumes size == 0 || size > SQ_RING_MAX_UNITS;
      assigns \nothing;
      ensures \result == SQ_ERR_CAPACITY || \result == SQ_ERR_OVERFLOW;
    behavior ok:
      assumes rb != \null && storage != \null && 0 < size <= SQ_RING_MAX_UNITS;
      ensures \result == SQ_OK && sq_ring_buf_ok(rb);
      ensures RB01: sq_ring_used(&rb->core) == 0 && rb->core.capacity == size;
      ensures RB02: rb->core.head == 0 && rb->core.tail == 0;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_buf_init(sq_ring_buf_t *rb, void *storage, size_t size);

/** Empty the ring and drop any claims. Both sides must be quiet. */
/*@ requires sq_ring_buf_ok(rb);
    assigns rb->core.head, rb->core.tail, rb->core.write_claim, rb->core.read_claim;
    ensures sq_ring_buf_ok(rb);
    ensures RB01: sq_ring_used(&rb->core) == 0;
    ensures RB02: rb->core.head == rb->core.tail;
*/
void sq_ring_buf_reset(sq_ring_buf_t *rb);

/**
 * Copy up to `len` bytes in; *written says how many (all that fit).
 * SQ_ERR_NULL, SQ_ERR_CLAIM_PENDING (a put_claim is outstanding),
 * SQ_ERR_ZERO_LENGTH (len 0), SQ_ERR_FULL (no byte fits).
 */
/*@ requires sq_ring_buf_ok(rb);
    requires data == \null || (\valid_read((char *)data + (0 .. len - 1)) &&
             \separated((char *)data + (0 .. len - 1), rb,
                        rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    requires written == \null || (\valid(written) &&
             \separated(written, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    assigns rb->core.head, rb->core.storage[0 .. rb->core.size_bytes - 1], *written;
    ensures sq_ring_buf_ok(rb);
    ensures RB01: 0 <= sq_ring_used(&rb->core) <= rb->core.capacity;
    ensures RB02: sq_ring_pos(&rb->core, rb->core.head) < rb->core.capacity &&
                  sq_ring_pos(&rb->core, rb->core.tail) < rb->core.capacity;
    behavior null_arg:
      assumes data == \null || written == \null;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes data != \null && written != \null;
      assumes rb->core.write_claim != 0 || len == 0;
      ensures \result == SQ_ERR_CLAIM_PENDING || \result == SQ_ERR_ZERO_LENGTH;
      ensures *written == 0;
    behavior full:
      assumes data != \null && written != \null && rb->core.write_claim == 0 && len != 0;
      assumes sq_ring_free(&rb->core) == 0;
      ensures RB05: \result == SQ_ERR_FULL && *written == 0;
    behavior ok:
      assumes data != \null && written != \null && rb->core.write_claim == 0 && len != 0;
      assumes sq_ring_free(&rb->core) != 0;
      ensures \result == SQ_OK;
      ensures *written == \min(len, \old(sq_ring_free(&rb->core)));
      ensures RB03: rb->core.head == sq_ring_advance(&rb->core, \old(rb->core.head), *written);
      ensures RB07: sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) + *written;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_buf_put(sq_ring_buf_t *rb, const void *data, uint32_t len,
                            uint32_t *written);

/**
 * Copy up to `len` bytes out and consume them; *read says how many.
 * SQ_ERR_NULL, SQ_ERR_CLAIM_PENDING (a get_claim is outstanding),
 * SQ_ERR_ZERO_LENGTH, SQ_ERR_EMPTY.
 */
/*@ requires sq_ring_buf_ok(rb);
    requires data == \null || (\valid((char *)data + (0 .. len - 1)) &&
             \separated((char *)data + (0 .. len - 1), rb,
                        rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    requires read == \null || (\valid(read) &&
             \separated(read, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1),
                        (char *)data + (0 .. len - 1)));
    assigns rb->core.tail, ((char *)data)[0 .. len - 1], *read;
    ensures sq_ring_buf_ok(rb);
    ensures RB01: 0 <= sq_ring_used(&rb->core) <= rb->core.capacity;
    ensures RB02: sq_ring_pos(&rb->core, rb->core.head) < rb->core.capacity &&
                  sq_ring_pos(&rb->core, rb->core.tail) < rb->core.capacity;
    behavior null_arg:
      assumes data == \null || read == \null;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes data != \null && read != \null;
      assumes rb->core.read_claim != 0 || len == 0;
      ensures \result == SQ_ERR_CLAIM_PENDING || \result == SQ_ERR_ZERO_LENGTH;
      ensures *read == 0;
    behavior empty:
      assumes data != \null && read != \null && rb->core.read_claim == 0 && len != 0;
      assumes sq_ring_used(&rb->core) == 0;
      ensures RB06: \result == SQ_ERR_EMPTY && *read == 0;
    behavior ok:
      assumes data != \null && read != \null && rb->core.read_claim == 0 && len != 0;
      assumes sq_ring_used(&rb->core) != 0;
      ensures \result == SQ_OK;
      ensures *read == \min(len, \old(sq_ring_used(&rb->core)));
      ensures RB04: rb->core.tail == sq_ring_advance(&rb->core, \old(rb->core.tail), *read);
      ensures RB07: sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) - *read;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_buf_get(sq_ring_buf_t *rb, void *data, uint32_t len, uint32_t *read);

/**
 * Copy up to `len` of the oldest bytes out without consuming them.
 * SQ_ERR_NULL, SQ_ERR_ZERO_LENGTH, SQ_ERR_EMPTY. Allowed during a get_claim.
 */
/*@ requires sq_ring_buf_ok(rb);
    requires data == \null || (\valid((char *)data + (0 .. len - 1)) &&
             \separated((char *)data + (0 .. len - 1), rb,
                        rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    requires copied == \null || (\valid(copied) &&
             \separated(copied, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1),
                        (char *)data + (0 .. len - 1)));
    // tail is in the frame only because peek shares get's code path; RB04
    // proves it keeps its value.
    assigns ((char *)data)[0 .. len - 1], *copied, rb->core.tail;
    ensures sq_ring_buf_ok(rb);
    ensures RB04: rb->core.tail == \old(rb->core.tail);
    behavior null_arg:
      assumes data == \null || copied == \null;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes data != \null && copied != \null && len == 0;
      ensures \result == SQ_ERR_ZERO_LENGTH && *copied == 0;
    behavior empty:
      assumes data != \null && copied != \null && len != 0 && sq_ring_used(&rb->core) == 0;
      ensures RB06: \result == SQ_ERR_EMPTY && *copied == 0;
    behavior ok:
      assumes data != \null && copied != \null && len != 0 && sq_ring_used(&rb->core) != 0;
      ensures \result == SQ_OK;
      ensures *copied == \min(len, sq_ring_used(&rb->core));
      ensures RB07: sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core));
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_buf_peek(sq_ring_buf_t *rb, void *data, uint32_t len, uint32_t *copied);

/**
 * Claim up to `len` contiguous free bytes to fill in place; *data points at
 * them and *claimed says how many (fewer when the free space wraps).
 * SQ_ERR_NULL, SQ_ERR_CLAIM_PENDING, SQ_ERR_ZERO_LENGTH, SQ_ERR_FULL.
 */
/*@ requires sq_ring_buf_ok(rb);
    requires data == \null || (\valid(data) &&
             \separated(data, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    requires claimed == \null || (\valid(claimed) &&
             \separated(claimed, data, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    assigns rb->core.write_claim, *data, *claimed;
    ensures sq_ring_buf_ok(rb);
    behavior null_arg:
      assumes data == \null || claimed == \null;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes data != \null && claimed != \null;
      assumes rb->core.write_claim != 0 || len == 0;
      ensures \result == SQ_ERR_CLAIM_PENDING || \result == SQ_ERR_ZERO_LENGTH;
      ensures *claimed == 0;
    behavior full:
      assumes data != \null && claimed != \null && rb->core.write_claim == 0 && len != 0;
      assumes sq_ring_free(&rb->core) == 0;
      ensures RB05: \result == SQ_ERR_FULL && *claimed == 0;
    behavior ok:
      assumes data != \null && claimed != \null && rb->core.write_claim == 0 && len != 0;
      assumes sq_ring_free(&rb->core) != 0;
      ensures \result == SQ_OK && 1 <= *claimed <= len;
      ensures RB01: *claimed <= sq_ring_free(&rb->core);
      ensures RB02: *data == rb->core.storage + sq_ring_pos(&rb->core, rb->core.head) &&
                    sq_ring_pos(&rb->core, rb->core.head) + *claimed <= rb->core.capacity;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_buf_put_claim(sq_ring_buf_t *rb, char **data, uint32_t len,
                                  uint32_t *claimed);

/**
 * Publish the first `len` bytes of the outstanding put claim and end it;
 * len 0 abandons the claim. SQ_ERR_NOT_CLAIMED (no claim: also a second
 * finish), SQ_ERR_RANGE (len above what was claimed).
 */
/*@ requires sq_ring_buf_ok(rb);
    assigns rb->core.head, rb->core.write_claim;
    ensures sq_ring_buf_ok(rb);
    ensures RB01: 0 <= sq_ring_used(&rb->core) <= rb->core.capacity;
    behavior not_claimed:
      assumes rb->core.write_claim == 0;
      ensures \result == SQ_ERR_NOT_CLAIMED;
    behavior too_many:
      assumes rb->core.write_claim != 0 && len > rb->core.write_claim;
      ensures \result == SQ_ERR_RANGE;
    behavior ok:
      assumes rb->core.write_claim != 0 && len <= rb->core.write_claim;
      ensures \result == SQ_OK && rb->core.write_claim == 0;
      ensures RB03: rb->core.head == sq_ring_advance(&rb->core, \old(rb->core.head), len);
      ensures RB07: sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) + len;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_buf_put_finish(sq_ring_buf_t *rb, uint32_t len);

/**
 * Borrow up to `len` contiguous stored bytes, oldest first, to read in
 * place. SQ_ERR_NULL, SQ_ERR_CLAIM_PENDING, SQ_ERR_ZERO_LENGTH, SQ_ERR_EMPTY.
 */
/*@ requires sq_ring_buf_ok(rb);
    requires data == \null || (\valid(data) &&
             \separated(data, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    requires claimed == \null || (\valid(claimed) &&
             \separated(claimed, data, rb, rb->core.storage + (0 .. rb->core.size_bytes - 1)));
    assigns rb->core.read_claim, *data, *claimed;
    ensures sq_ring_buf_ok(rb);
    behavior null_arg:
      assumes data == \null || claimed == \null;
      ensures \result == SQ_ERR_NULL;
    behavior refused:
      assumes data != \null && claimed != \null;
      assumes rb->core.read_claim != 0 || len == 0;
      ensures \result == SQ_ERR_CLAIM_PENDING || \result == SQ_ERR_ZERO_LENGTH;
      ensures *claimed == 0;
    behavior empty:
      assumes data != \null && claimed != \null && rb->core.read_claim == 0 && len != 0;
      assumes sq_ring_used(&rb->core) == 0;
      ensures RB06: \result == SQ_ERR_EMPTY && *claimed == 0;
    behavior ok:
      assumes data != \null && claimed != \null && rb->core.read_claim == 0 && len != 0;
      assumes sq_ring_used(&rb->core) != 0;
      ensures \result == SQ_OK && 1 <= *claimed <= len;
      ensures RB01: *claimed <= sq_ring_used(&rb->core);
      ensures RB02: *data == rb->core.storage + sq_ring_pos(&rb->core, rb->core.tail) &&
                    sq_ring_pos(&rb->core, rb->core.tail) + *claimed <= rb->core.capacity;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_buf_get_claim(sq_ring_buf_t *rb, char **data, uint32_t len,
                                  uint32_t *claimed);

/**
 * Consume the first `len` bytes of the outstanding get claim and end it;
 * len 0 keeps them all. SQ_ERR_NOT_CLAIMED, SQ_ERR_RANGE.
 */
/*@ requires sq_ring_buf_ok(rb);
    assigns rb->core.tail, rb->core.read_claim;
    ensures sq_ring_buf_ok(rb);
    ensures RB01: 0 <= sq_ring_used(&rb->core) <= rb->core.capacity;
    behavior not_claimed:
      assumes rb->core.read_claim == 0;
      ensures \result == SQ_ERR_NOT_CLAIMED;
    behavior too_many:
      assumes rb->core.read_claim != 0 && len > rb->core.read_claim;
      ensures \result == SQ_ERR_RANGE;
    behavior ok:
      assumes rb->core.read_claim != 0 && len <= rb->core.read_claim;
      ensures \result == SQ_OK && rb->core.read_claim == 0;
      ensures RB04: rb->core.tail == sq_ring_advance(&rb->core, \old(rb->core.tail), len);
      ensures RB07: sq_ring_used(&rb->core) == \old(sq_ring_used(&rb->core)) - len;
    complete behaviors;
    disjoint behaviors;
*/
sq_status_t sq_ring_buf_get_finish(sq_ring_buf_t *rb, uint32_t len);

/** Bytes stored. */
/*@ requires sq_ring_buf_ok(rb);
    assigns \nothing;
    ensures RB07: \result == sq_ring_used(&rb->core);
    ensures RB01: \result <= rb->core.capacity;
*/
uint32_t sq_ring_buf_size(const sq_ring_buf_t *rb);

/** Bytes free. */
/*@ requires sq_ring_buf_ok(rb);
    assigns \nothing;
    ensures RB07: \result == rb->core.capacity - sq_ring_used(&rb->core);
*/
uint32_t sq_ring_buf_space(const sq_ring_buf_t *rb);

/** Capacity in bytes. */
/*@ requires sq_ring_buf_ok(rb);
    assigns \nothing;
    ensures \result == rb->core.capacity;
*/
uint32_t sq_ring_buf_capacity(const sq_ring_buf_t *rb);

/** True when nothing is stored. */
/*@ requires sq_ring_buf_ok(rb);
    assigns \nothing;
    ensures RB07: \result <==> sq_ring_used(&rb->core) == 0;
*/
bool sq_ring_buf_is_empty(const sq_ring_buf_t *rb);

#endif /* SQUALL_RING_BUF_H */
