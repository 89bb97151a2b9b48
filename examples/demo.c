/*
 * make demo: a sensor task produces telemetry records and a logger task
 * consumes them through a typed ring, the way a stream<record> moves
 * between two components. Producer and consumer are two real threads
 * sharing only the ring: no lock, no allocation, no busy-wait on a flag
 * (each side yields when the ring is full or empty).
 *
 * The producer mixes copy-in writes and zero-copy claim/commit; the consumer
 * mixes zero-copy borrow/release and batch reads. Every record carries a
 * sequence number, so the consumer checks that nothing was lost, duplicated
 * or reordered, and prints what moved.
 */
#include <squall/typed_ring_buf.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

struct telemetry {
    uint32_t seq;
    int16_t temperature_centi;  /* 0.01 degC */
    uint16_t voltage_mv;
};

#define RECORDS 48u

SQ_TYPED_RING_BUF_DEFINE(telemetry_ring, sizeof(struct telemetry), 8);

static struct telemetry sample(uint32_t seq)
{
    struct telemetry t = {
        .seq = seq,
        .temperature_centi = (int16_t)(2100 + (int)(seq % 7u) * 13),
        .voltage_mv = (uint16_t)(3300u - (seq % 5u) * 4u),
    };
    return t;
}

static void *sensor_task(void *arg)
{
    (void)arg;
    for (uint32_t seq = 1; seq <= RECORDS;) {
        struct telemetry t = sample(seq);
        sq_status_t st;
        if (seq % 2u == 0u) {
            st = sq_typed_ring_buf_write_element(&telemetry_ring, &t);
        } else {
            /* Build the record in place, in the ring's own slot. */
            void *slot;
            st = sq_typed_ring_buf_write_claim(&telemetry_ring, &slot);
            if (st == SQ_OK) {
                memcpy(slot, &t, sizeof t);
                st = sq_typed_ring_buf_write_commit(&telemetry_ring);
            }
        }
        if (st == SQ_OK) {
            seq++;
        } else if (st == SQ_ERR_FULL) {
            sched_yield();  /* the logger is behind; nothing was stored */
        } else {
            fprintf(stderr, "sensor: unexpected status %d\n", (int)st);
            return (void *)1;
        }
    }
    return NULL;
}

static int check_and_print(const struct telemetry *t, uint32_t *expected, const char *how)
{
    struct telemetry want = sample(*expected);
    if (memcmp(t, &want, sizeof want) != 0) {
        printf("logger: record %u out of order or corrupted (expected %u)\n",
               (unsigned)t->seq, (unsigned)*expected);
        return -1;
    }
    printf("  #%02u  %2d.%02d degC  %u mV  (%s)\n", (unsigned)t->seq,
           t->temperature_centi / 100, t->temperature_centi % 100,
           (unsigned)t->voltage_mv, how);
    (*expected)++;
    return 0;
}

int main(void)
{
    pthread_t sensor;
    void *sensor_result;
    uint32_t expected = 1;
    unsigned borrows = 0, batches = 0;

    printf("squall demo: %u telemetry records through a typed ring of %u x %u bytes\n",
           (unsigned)RECORDS, (unsigned)sq_typed_ring_buf_capacity(&telemetry_ring),
           (unsigned)sq_typed_ring_buf_elem_size(&telemetry_ring));
    if (pthread_create(&sensor, NULL, sensor_task, NULL) != 0) {
        return 1;
    }
    while (expected <= RECORDS) {
        if (expected % 3u != 0u) {
            /* Read the oldest record where it lies, then hand the slot back. */
            const void *p;
            if (sq_typed_ring_buf_read_borrow(&telemetry_ring, &p) != SQ_OK) {
                sched_yield();
                continue;
            }
            struct telemetry t;
            memcpy(&t, p, sizeof t);
            if (check_and_print(&t, &expected, "borrowed") != 0) {
                return 1;
            }
            sq_typed_ring_buf_read_release(&telemetry_ring);
            borrows++;
        } else {
            struct telemetry batch[4];
            uint32_t got;
            if (sq_typed_ring_buf_read(&telemetry_ring, batch, 4u, &got) != SQ_OK) {
                sched_yield();
                continue;
            }
            for (uint32_t i = 0; i < got; i++) {
                if (check_and_print(&batch[i], &expected, "batch read") != 0) {
                    return 1;
                }
            }
            batches++;
        }
    }
    pthread_join(sensor, &sensor_result);
    if (sensor_result != NULL) {
        return 1;
    }
    printf("moved %u records (%u borrowed in place, %u batch reads): "
           "0 lost, 0 duplicated, 0 reordered; ring now holds %u\n",
           (unsigned)(expected - 1u), borrows, batches,
           (unsigned)sq_typed_ring_buf_elements_available(&telemetry_ring));
    return sq_typed_ring_buf_elements_available(&telemetry_ring) == 0u ? 0 : 1;
}
