/* packcache.h -- a per-thread cache of the packed, day-independent parts of
 * provider objects (issue 18: packing full answers was 60 % of the request
 * path's CPU, bench/RESULTS.md "Where the time goes").
 *
 * A provider object (PROTOCOL.md) is packed as: head (id, name, discipline),
 * expertise (depends on the day: not cached), body (lat .. networks: fixed
 * for a snapshot), then the hit's km, minutes, time_source. The cache keeps
 * head and body bytes per (snapshot serial, provider, field set), so a hit
 * is two copies and the answer is byte-identical to packing it afresh.
 *
 * Direct-mapped, fixed-size slots; an object whose parts do not fit a slot
 * is simply not cached. Not thread-safe by design: each worker thread owns
 * one (memcached's per-thread state); the ops only borrow it per request. */
#ifndef VW_OPS_PACKCACHE_H
#define VW_OPS_PACKCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vw_packcache vw_packcache;

/* A cache of about `bytes` bytes (slots of VW_PACKCACHE_SLOT bytes, memory
 * touched only as slots fill); NULL when bytes is too small for one slot
 * or on allocation failure (callers then pack every object). */
vw_packcache *vw_packcache_new(size_t bytes);
void vw_packcache_free(vw_packcache *c);

#define VW_PACKCACHE_SLOT 1024

typedef struct vw_packcache_parts {
    const uint8_t *head;
    size_t head_len;
    const uint8_t *body;
    size_t body_len;
} vw_packcache_parts;

/* true and the parts (valid until the next put) when cached. */
bool vw_packcache_get(vw_packcache *c, uint64_t serial, uint32_t provider, uint32_t fields,
                      vw_packcache_parts *out);
/* Stores copies of the parts (replacing the slot's entry), unless they do
 * not fit a slot. */
void vw_packcache_put(vw_packcache *c, uint64_t serial, uint32_t provider, uint32_t fields,
                      const vw_packcache_parts *p);

/* Lookups answered from the cache and not, since vw_packcache_new. */
void vw_packcache_counts(const vw_packcache *c, uint64_t *hits, uint64_t *misses);

#endif
