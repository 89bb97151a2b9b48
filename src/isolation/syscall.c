/*
 * squall: the kernel-call dispatcher (include/squall/user.h) and the user
 * calls that enter it. The port reaches sq_syscall by a plain call from
 * privileged code or through its supervisor-call gate from a user thread;
 * each call's own checks run here, against the calling thread.
 */
#include <squall/thread.h>
#include <squall/user.h>
#include "kernel/port.h"
#include "shared_stream_sys.h"

sq_status_t sq_syscall(uint32_t nr, uint32_t a0, uint32_t a1)
{
    switch (nr) {
    case SQ_SYS_YIELD:
        sq_thread_yield();
        return SQ_OK;
    case SQ_SYS_SLEEP:
        return sq_thread_sleep(a0);
    case SQ_SYS_EXIT:
        sq_thread_exit();
    case SQ_SYS_STREAM_WAIT:
        return sq_shared_stream_sys_wait(a0, a1);
    case SQ_SYS_STREAM_NOTIFY:
        return sq_shared_stream_sys_notify(a0);
    default:
        return SQ_ERR_INVALID;
    }
}

sq_status_t sq_user_yield(void)
{
    return sq_port_syscall(SQ_SYS_YIELD, 0u, 0u);
}

sq_status_t sq_user_sleep(sq_timeout_t ticks)
{
    return sq_port_syscall(SQ_SYS_SLEEP, ticks, 0u);
}

void sq_user_exit(void)
{
    (void)sq_port_syscall(SQ_SYS_EXIT, 0u, 0u);
    /* Not reached: the kernel ends the thread inside the call. */
    for (;;) {
    }
}
