/*
 * squall: the public critical section (include/squall/irq.h). The port's
 * interrupt lock itself, so that it excludes every kernel call too; the
 * contracts are the port's (port.h).
 */
#include <squall/irq.h>
#include "port.h"

/*@ assigns \nothing; */
sq_irq_key_t sq_irq_lock(void)
{
    return sq_port_irq_lock();
}

/*@ assigns \nothing; */
void sq_irq_unlock(sq_irq_key_t key)
{
    sq_port_irq_unlock(key);
}
