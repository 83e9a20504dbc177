/* jsoncache.h -- a per-thread cache of the JSON text of msgpack byte runs
 * (issue 18: on the HTTP gateway, rendering the answer's msgpack as JSON
 * was half of a match request's instructions, bench/RESULTS.md "HTTP
 * gateway: where its instructions go").
 *
 * The key is the msgpack bytes themselves (a hash picks the slot, the bytes
 * are compared in full), so an entry can never be served for other bytes,
 * whatever snapshot, day or field set produced them: the JSON of a given
 * msgpack text is fixed. The gateway caches the members of each provider
 * object before its per-query `km` (vw_http_render_cached, http.h), so a
 * hit is one hash, one compare and one copy.
 *
 * Two-way set-associative, fixed-size slots; a run whose msgpack and JSON together do
 * not fit a slot is simply not cached. Not thread-safe by design: each HTTP
 * thread owns one. */
#ifndef VW_OPS_JSONCACHE_H
#define VW_OPS_JSONCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vw_jsoncache vw_jsoncache;

#define VW_JSONCACHE_SLOT 2048

/* A cache of about `bytes` bytes (slots of VW_JSONCACHE_SLOT bytes, memory
 * touched only as slots fill); NULL when bytes is too small for one slot or
 * on allocation failure (callers then render every object). */
vw_jsoncache *vw_jsoncache_new(size_t bytes);
void vw_jsoncache_free(vw_jsoncache *c);

/* true and the JSON text of mp[0..mp_len) (valid until the next put) when
 * cached. */
bool vw_jsoncache_get(vw_jsoncache *c, const uint8_t *mp, size_t mp_len, const char **json,
                      size_t *json_len);
/* Stores copies of both (replacing the slot's entry), unless they do not
 * fit a slot. */
void vw_jsoncache_put(vw_jsoncache *c, const uint8_t *mp, size_t mp_len, const char *json,
                      size_t json_len);

/* Lookups answered from the cache and not, since vw_jsoncache_new. */
void vw_jsoncache_counts(const vw_jsoncache *c, uint64_t *hits, uint64_t *misses);

#endif
