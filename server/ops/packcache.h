/* packcache.h -- a per-thread cache of the packed run of provider objects
 * (issue 18: packing full answers was 60 % of the request path's CPU,
 * bench/RESULTS.md "Where the time goes").
 *
 * A provider object (PROTOCOL.md) is packed as: its map header, the run
 * (id, name, discipline, expertise on the query's day, lat .. networks),
 * then the hit's km, minutes, time_source. The run is fixed for a
 * (snapshot serial, provider, field set, day): the cache keeps its bytes
 * under that key, so a hit is one copy and the answer is byte-identical to
 * packing it afresh. The day is part of the key only when the field set has
 * `expertise` (the one part that depends on it): callers pass
 * vw_packcache_day(fields, as_of).
 *
 * Direct-mapped, fixed-size slots; a run that does not fit a slot is simply
 * not cached. Not thread-safe by design: each worker thread owns one
 * (memcached's per-thread state); the ops only borrow it per request. */
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

/* The key's identity of a field set and a day: the run of the same
 * provider and field set packed on two days differs only when it holds the
 * expertise (`has_day`), so without it every day shares one entry. */
static inline int32_t vw_packcache_day(bool has_day, int32_t day)
{
    return has_day ? day : INT32_MIN;
}

typedef struct vw_packcache_key {
    uint64_t serial;   /* vw_snapshot_serial: never reused in a process */
    uint32_t provider; /* index in the snapshot */
    uint32_t fields;   /* the field mask packed */
    int32_t day;       /* vw_packcache_day */
} vw_packcache_key;

/* true and the run (valid until the next put) when cached. */
bool vw_packcache_get(vw_packcache *c, const vw_packcache_key *k, const uint8_t **run,
                      size_t *len);
/* Stores a copy of the run (replacing the slot's entry), unless it does not
 * fit a slot or the key's serial is 0. */
void vw_packcache_put(vw_packcache *c, const vw_packcache_key *k, const uint8_t *run,
                      size_t len);

/* Lookups answered from the cache and not, since vw_packcache_new. */
void vw_packcache_counts(const vw_packcache *c, uint64_t *hits, uint64_t *misses);

#endif
