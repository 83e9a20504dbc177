/* jsoncache.h -- a per-thread cache of the JSON text of msgpack byte runs
 * (issue 18: on the HTTP gateway, rendering the answer's msgpack as JSON
 * was half of a match request's instructions, bench/RESULTS.md "HTTP
 * gateway: where its instructions go").
 *
 * The key is the msgpack bytes themselves (a hash of their start picks the
 * slots, the bytes are compared in full), so an entry can never be served for other bytes,
 * whatever snapshot, day or field set produced them: the JSON of a given
 * msgpack text is fixed. The gateway caches the members of each provider
 * object before its per-query `km` (vw_http_render_cached, http.h), so a
 * hit is a hash of 32 bytes, one compare and one copy.
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

/* Runs are found by their first VW_JSONCACHE_KEY bytes (a run shorter than
 * that is never stored), so a caller need not know where a run ends to look
 * it up: vw_jsoncache_get finds a stored run that is a prefix of
 * p[0..n) -- the whole of it compared -- and gives its length, the number
 * the caller stored with it (`tag`: how many msgpack values it holds) and
 * its JSON (valid until the next put). The caller checks that the run ends
 * where it wants (a run of whole values followed by what it expects). */
#define VW_JSONCACHE_KEY 32

typedef struct vw_jsoncache_hit {
    size_t mp_len;
    uint32_t tag;
    const char *json;
    size_t json_len;
} vw_jsoncache_hit;

bool vw_jsoncache_get(vw_jsoncache *c, const uint8_t *p, size_t n, vw_jsoncache_hit *out);
/* Stores copies of the run and its JSON (replacing the older entry of its
 * pair), unless they do not fit a slot or the run is shorter than
 * VW_JSONCACHE_KEY. */
void vw_jsoncache_put(vw_jsoncache *c, const uint8_t *mp, size_t mp_len, uint32_t tag,
                      const char *json, size_t json_len);

/* Lookups answered from the cache and not, since vw_jsoncache_new. */
void vw_jsoncache_counts(const vw_jsoncache *c, uint64_t *hits, uint64_t *misses);

#endif
