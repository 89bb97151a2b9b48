/*
 * Byte ring buffer: the shared ring core with one-byte units. All checks and
 * arithmetic are in ring_core.c; this file only fixes the unit.
 */
#include <squall/ring_buf.h>
#include "ring_core.h"

sq_status_t sq_ring_buf_init(sq_ring_buf_t *rb, void *storage, size_t size)
{
    if (rb == NULL) {
        return SQ_ERR_NULL;
    }
    /* Checked first, so a refused init leaves *rb as it was. */
    sq_status_t st = sq_ring_core_check((const char *)storage, size, 1u);
    if (st == SQ_OK) {
        sq_ring_core_setup(&rb->core, (char *)storage, size, 1u);
    }
    return st;
}

void sq_ring_buf_reset(sq_ring_buf_t *rb)
{
    sq_ring_core_reset(&rb->core);
}

sq_status_t sq_ring_buf_put(sq_ring_buf_t *rb, const void *data, uint32_t len,
                            uint32_t *written)
{
    return sq_ring_core_write_short(&rb->core, (const char *)data, len, written);
}

sq_status_t sq_ring_buf_get(sq_ring_buf_t *rb, void *data, uint32_t len, uint32_t *read)
{
    return sq_ring_core_read_short(&rb->core, (char *)data, len, read);
}

sq_status_t sq_ring_buf_peek(sq_ring_buf_t *rb, void *data, uint32_t len, uint32_t *copied)
{
    return sq_ring_core_read(&rb->core, (char *)data, len, copied, false);
}

sq_status_t sq_ring_buf_put_claim(sq_ring_buf_t *rb, char **data, uint32_t len,
                                  uint32_t *claimed)
{
    return sq_ring_core_write_claim(&rb->core, data, len, claimed);
}

sq_status_t sq_ring_buf_put_finish(sq_ring_buf_t *rb, uint32_t len)
{
    return sq_ring_core_write_commit(&rb->core, len);
}

sq_status_t sq_ring_buf_get_claim(sq_ring_buf_t *rb, char **data, uint32_t len,
                                  uint32_t *claimed)
{
    return sq_ring_core_read_claim(&rb->core, data, len, claimed);
}

sq_status_t sq_ring_buf_get_finish(sq_ring_buf_t *rb, uint32_t len)
{
    return sq_ring_core_read_release(&rb->core, len);
}

uint32_t sq_ring_buf_size(const sq_ring_buf_t *rb)
{
    return sq_ring_core_used(&rb->core);
}

uint32_t sq_ring_buf_space(const sq_ring_buf_t *rb)
{
    return sq_ring_core_free(&rb->core);
}

uint32_t sq_ring_buf_capacity(const sq_ring_buf_t *rb)
{
    return rb->core.capacity;
}

bool sq_ring_buf_is_empty(const sq_ring_buf_t *rb)
{
    return sq_ring_core_used(&rb->core) == 0u;
}
