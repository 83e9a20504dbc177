/* slots.h -- the slot array shared by the per-thread answer caches
 * (packcache.c, jsoncache.c): the largest power of two of slots that fits a
 * byte budget, calloc'd so that pages are touched only as slots fill. */
#ifndef VW_OPS_SLOTS_H
#define VW_OPS_SLOTS_H

#include <stddef.h>

/* The largest power of two of slots of `slot_size` within `bytes`, at most
 * 2^24; 0 when not even one fits. */
size_t vw_slots_count(size_t bytes, size_t slot_size);

/* NULL when `bytes` holds no slot of `slot_size` or on allocation failure;
 * else the array, *n its (power of two) number of slots, at most 2^24. */
void *vw_slots_new(size_t bytes, size_t slot_size, size_t *n);

#endif
