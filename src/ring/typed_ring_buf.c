/*
 * Typed ring buffer: the shared ring core with element-sized units, so every
 * count and index is in whole elements (RB09) and the single-element calls
 * are the core's batch calls with n = 1.
 */
#include <squall/typed_ring_buf.h>
#include "ring_core.h"

sq_status_t sq_typed_ring_buf_init(sq_typed_ring_buf_t *rb, void *storage,
                                   size_t storage_size, size_t elem_size)
{
    if (rb == NULL) {
        return SQ_ERR_NULL;
    }
    /* Checked first, so a refused init leaves *rb as it was. */
    sq_status_t st = sq_ring_core_check((const char *)storage, storage_size, elem_size);
    if (st == SQ_OK) {
        sq_ring_core_setup(&rb->core, (char *)storage, storage_size, elem_size);
    }
    return st;
}

void sq_typed_ring_buf_reset(sq_typed_ring_buf_t *rb)
{
    sq_ring_core_reset(&rb->core);
}

sq_status_t sq_typed_ring_buf_write_element(sq_typed_ring_buf_t *rb, const void *elem)
{
    return sq_ring_core_put_one(&rb->core, (const char *)elem);
}

sq_status_t sq_typed_ring_buf_read_element(sq_typed_ring_buf_t *rb, void *elem)
{
    return sq_ring_core_get_one(&rb->core, (char *)elem);
}

sq_status_t sq_typed_ring_buf_write(sq_typed_ring_buf_t *rb, const void *elems,
                                    uint32_t n, uint32_t *written)
{
    return sq_ring_core_write(&rb->core, (const char *)elems, n, written);
}

sq_status_t sq_typed_ring_buf_read(sq_typed_ring_buf_t *rb, void *elems, uint32_t n,
                                   uint32_t *read)
{
    return sq_ring_core_read(&rb->core, (char *)elems, n, read, true);
}

sq_status_t sq_typed_ring_buf_write_claim(sq_typed_ring_buf_t *rb, void **slot)
{
    if (slot == NULL) {
        return SQ_ERR_NULL;
    }
    char *span;
    uint32_t claimed;
    sq_status_t st = sq_ring_core_write_claim(&rb->core, &span, 1u, &claimed);
    if (st == SQ_OK) {
        *slot = span;
    }
    return st;
}

sq_status_t sq_typed_ring_buf_write_commit(sq_typed_ring_buf_t *rb)
{
    return sq_ring_core_write_commit(&rb->core, 1u);
}

sq_status_t sq_typed_ring_buf_read_borrow(sq_typed_ring_buf_t *rb, const void **elem)
{
    if (elem == NULL) {
        return SQ_ERR_NULL;
    }
    char *span;
    uint32_t claimed;
    sq_status_t st = sq_ring_core_read_claim(&rb->core, &span, 1u, &claimed);
    if (st == SQ_OK) {
        *elem = span;
    }
    return st;
}

sq_status_t sq_typed_ring_buf_read_release(sq_typed_ring_buf_t *rb)
{
    return sq_ring_core_read_release(&rb->core, 1u);
}

uint32_t sq_typed_ring_buf_elements_available(const sq_typed_ring_buf_t *rb)
{
    return sq_ring_core_used(&rb->core);
}

uint32_t sq_typed_ring_buf_space_available(const sq_typed_ring_buf_t *rb)
{
    return sq_ring_core_free(&rb->core);
}

uint32_t sq_typed_ring_buf_capacity(const sq_typed_ring_buf_t *rb)
{
    return rb->core.capacity;
}

uint32_t sq_typed_ring_buf_elem_size(const sq_typed_ring_buf_t *rb)
{
    return rb->core.unit_size;
}
