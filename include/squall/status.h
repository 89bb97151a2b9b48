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
    /** The sizes given do not fit the object's 32-bit offset arithmetic. */
    SQ_ERR_OVERFLOW = -5,
    /** No room for even one byte or element. */
    SQ_ERR_FULL = -6,
    /** Nothing stored to read. */
    SQ_ERR_EMPTY = -7,
    /** A finish, commit or release with no outstanding claim on that side. */
    SQ_ERR_NOT_CLAIMED = -8,
    /** Refused because a zero-copy claim is outstanding on that side. */
    SQ_ERR_CLAIM_PENDING = -9,
    /** A finish of more than was claimed. */
    SQ_ERR_RANGE = -10
} sq_status_t;

#endif /* SQUALL_STATUS_H */
