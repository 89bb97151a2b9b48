/*
 * squall: the one status code shared by every object.
 *
 * SQ_OK is zero; every error is negative so that "< 0" means failure, as in
 * Zephyr. A function that fails returns one of these and, unless its
 * documentation says otherwise, has changed nothing.
 */
#ifndef SQUALL_STATUS_H
#define SQUALL_STATUS_H

typedef enum sq_status {
    SQ_OK = 0,
    /** A required pointer argument was NULL. */
    SQ_ERR_NULL = -1,
    /** A length, element size or element count of zero was requested. */
    SQ_ERR_ZERO_LENGTH = -2,
    /** A byte size is not a whole number of elements. */
    SQ_ERR_NOT_MULTIPLE = -3,
    /** A capacity of zero, or above the object's maximum. */
    SQ_ERR_CAPACITY = -4,
    /** The sizes given do not fit the object's 32-bit offset arithmetic;
     *  or a counter is already at its maximum. */
    SQ_ERR_OVERFLOW = -5,
    /** No room: for even one byte or element in a ring, or for one more
     *  thread or timeout in the kernel's bounded tables. */
    SQ_ERR_FULL = -6,
    /** Nothing stored to read. */
    SQ_ERR_EMPTY = -7,
    /** A finish, commit or release with no outstanding claim on that side. */
    SQ_ERR_NOT_CLAIMED = -8,
    /** Refused because a zero-copy claim is outstanding on that side. */
    SQ_ERR_CLAIM_PENDING = -9,
    /** A finish of more than was claimed. */
    SQ_ERR_RANGE = -10,
    /** A wait ran out of time before its condition came true. */
    SQ_ERR_TIMEOUT = -11,
    /** Not available now and the caller asked not to wait; or an object
     *  that still has waiters was to be re-initialised. */
    SQ_ERR_BUSY = -12,
    /** The object was reset while the caller waited on it: try again. */
    SQ_ERR_AGAIN = -13,
    /** An argument is out of its documented range (priority, option bits,
     *  a limit of zero, a count above the limit). */
    SQ_ERR_INVALID = -14,
    /** The thread or object is not in a state that allows the operation
     *  (resume of a thread that is not suspended, join of a thread never
     *  started, a kernel call before sq_kernel_init). */
    SQ_ERR_STATE = -15,
    /** A call that may block was made from an interrupt with a wait. */
    SQ_ERR_IN_ISR = -16,
    /** The call would wait for the caller itself (a thread joining itself). */
    SQ_ERR_DEADLOCK = -17,
    /** The object was destroyed, before the call or while it waited. */
    SQ_ERR_DESTROYED = -18,
    /** A counter would go below zero (a decrement at 0). */
    SQ_ERR_UNDERFLOW = -19,
    /** Nothing is registered for what was asked (a dispatch with no
     *  callback for its event). */
    SQ_ERR_NOT_FOUND = -20,
    /** A value another component published is impossible (a shared
     *  stream's index out of range); it was not used. */
    SQ_ERR_CORRUPT = -21,
    /** A Component Model built-in trapped: the guest broke a rule. The
     *  instance is marked trapped and records why (sq_p3_trap_t). */
    SQ_ERR_TRAP = -22,
    /** A request squall does not implement (a stream element type that
     *  carries handles or strings). */
    SQ_ERR_UNSUPPORTED = -23
} sq_status_t;

/**
 * The name of `status` ("SQ_ERR_TIMEOUT"), for logs and reports; a value
 * outside sq_status_t gives "unknown sq_status_t". Every value has its own
 * string: src/kernel/status.c lists them in a switch the compiler checks
 * (-Wswitch), so a value added here without one fails the build.
 */
/*@ assigns \nothing;
    ensures SN01: \result != \null;
*/
const char *sq_status_str(sq_status_t status);

#endif /* SQUALL_STATUS_H */
