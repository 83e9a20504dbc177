/* jsoncache.c -- the per-thread cache of JSON text by msgpack bytes
 * (jsoncache.h): two-way slots (the least recently used of a pair is
 * replaced), each holding one msgpack run and its JSON; a lookup hashes the
 * run, then compares it byte for byte. */
#include "jsoncache.h"
#include "proto/hash.h"

#include <stdlib.h>
#include <string.h>

#include "slots.h"

typedef struct slot {
    uint64_t hash;
    uint64_t used;   /* the cache's clock at the last get or put: the older of a pair goes */
    uint32_t mp_len; /* 0: empty (an empty run is never stored) */
    uint32_t json_len;
    uint32_t tag;
    uint8_t bytes[VW_JSONCACHE_SLOT - 28]; /* msgpack, then JSON */
} slot;

struct vw_jsoncache {
    slot *slots; /* calloc: pages are touched only when a slot is used */
    uint64_t mask;
    uint64_t clock;
    uint64_t hits, misses;
};

vw_jsoncache *vw_jsoncache_new(size_t bytes)
{
    size_t n;
    vw_jsoncache *c = calloc(1, sizeof *c);
    if (c == NULL || (c->slots = vw_slots_new(bytes, sizeof(slot), &n)) == NULL) {
        free(c);
        return NULL;
    }
    c->mask = (uint64_t)(n - 1);
    return c;
}

void vw_jsoncache_free(vw_jsoncache *c)
{
    if (c == NULL)
        return;
    free(c->slots);
    free(c);
}

static uint64_t hash_bytes(const uint8_t *p, size_t n) { return vw_hash_bytes(p, n); }

/* Two ways: a run may live in either slot of its pair (one slot when the
 * cache has only one). */
static slot *pair_of(vw_jsoncache *c, uint64_t h, int *ways)
{
    *ways = c->mask ? 2 : 1;
    return &c->slots[h & c->mask & ~(uint64_t)1];
}

bool vw_jsoncache_get(vw_jsoncache *c, const uint8_t *p, size_t n, vw_jsoncache_hit *out)
{
    if (n < VW_JSONCACHE_KEY) {
        c->misses++;
        return false;
    }
    uint64_t h = hash_bytes(p, VW_JSONCACHE_KEY);
    int ways;
    slot *pair = pair_of(c, h, &ways);
    for (int i = 0; i < ways; i++) {
        slot *s = &pair[i];
        if (s->mp_len > 0 && s->hash == h && s->mp_len <= n &&
            memcmp(s->bytes, p, s->mp_len) == 0) {
            c->hits++;
            s->used = ++c->clock;
            out->mp_len = s->mp_len;
            out->tag = s->tag;
            out->json = (const char *)s->bytes + s->mp_len;
            out->json_len = s->json_len;
            return true;
        }
    }
    c->misses++;
    return false;
}

void vw_jsoncache_put(vw_jsoncache *c, const uint8_t *mp, size_t mp_len, uint32_t tag,
                      const char *json, size_t json_len)
{
    if (mp_len < VW_JSONCACHE_KEY || mp_len + json_len > sizeof ((slot *)0)->bytes)
        return;
    uint64_t h = hash_bytes(mp, VW_JSONCACHE_KEY);
    int ways;
    slot *pair = pair_of(c, h, &ways);
    slot *s = &pair[0];
    if (ways == 2 && pair[1].used < pair[0].used) /* the older (or empty: 0) one */
        s = &pair[1];
    s->hash = h;
    s->used = ++c->clock;
    s->mp_len = (uint32_t)mp_len;
    s->json_len = (uint32_t)json_len;
    s->tag = tag;
    memcpy(s->bytes, mp, mp_len);
    memcpy(s->bytes + mp_len, json, json_len);
}

void vw_jsoncache_counts(const vw_jsoncache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = c ? c->hits : 0;
    *misses = c ? c->misses : 0;
}
