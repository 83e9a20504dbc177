/* slots.c -- the slot array of the answer caches (see slots.h). */
#include "slots.h"

#include <stdlib.h>

size_t vw_slots_count(size_t bytes, size_t slot_size)
{
    size_t k = 1;
    while (k * 2 * slot_size <= bytes && k < (1u << 24))
        k *= 2;
    return k * slot_size > bytes ? 0 : k;
}

void *vw_slots_new(size_t bytes, size_t slot_size, size_t *n)
{
    size_t k = vw_slots_count(bytes, slot_size);
    if (k == 0)
        return NULL;
    *n = k;
    return calloc(k, slot_size);
}
