/*
 * squall: status code names (include/squall/status.h).
 */
#include <squall/status.h>

const char *sq_status_str(sq_status_t status)
{
    /* No default label: -Wswitch (in -Wall; -Werror) fails the build when
     * sq_status_t gains a value that has no case here. */
    switch (status) {
    case SQ_OK:
        return "SQ_OK";
    case SQ_ERR_NULL:
        return "SQ_ERR_NULL";
    case SQ_ERR_ZERO_LENGTH:
        return "SQ_ERR_ZERO_LENGTH";
    case SQ_ERR_NOT_MULTIPLE:
        return "SQ_ERR_NOT_MULTIPLE";
    case SQ_ERR_CAPACITY:
        return "SQ_ERR_CAPACITY";
    case SQ_ERR_OVERFLOW:
        return "SQ_ERR_OVERFLOW";
    case SQ_ERR_FULL:
        return "SQ_ERR_FULL";
    case SQ_ERR_EMPTY:
        return "SQ_ERR_EMPTY";
    case SQ_ERR_NOT_CLAIMED:
        return "SQ_ERR_NOT_CLAIMED";
    case SQ_ERR_CLAIM_PENDING:
        return "SQ_ERR_CLAIM_PENDING";
    case SQ_ERR_RANGE:
        return "SQ_ERR_RANGE";
    case SQ_ERR_TIMEOUT:
        return "SQ_ERR_TIMEOUT";
    case SQ_ERR_BUSY:
        return "SQ_ERR_BUSY";
    case SQ_ERR_AGAIN:
        return "SQ_ERR_AGAIN";
    case SQ_ERR_INVALID:
        return "SQ_ERR_INVALID";
    case SQ_ERR_STATE:
        return "SQ_ERR_STATE";
    case SQ_ERR_IN_ISR:
        return "SQ_ERR_IN_ISR";
    case SQ_ERR_DEADLOCK:
        return "SQ_ERR_DEADLOCK";
    case SQ_ERR_DESTROYED:
        return "SQ_ERR_DESTROYED";
    case SQ_ERR_UNDERFLOW:
        return "SQ_ERR_UNDERFLOW";
    case SQ_ERR_NOT_FOUND:
        return "SQ_ERR_NOT_FOUND";
    case SQ_ERR_CORRUPT:
        return "SQ_ERR_CORRUPT";
    case SQ_ERR_TRAP:
        return "SQ_ERR_TRAP";
    case SQ_ERR_UNSUPPORTED:
        return "SQ_ERR_UNSUPPORTED";
    }
    return "unknown sq_status_t";
}
