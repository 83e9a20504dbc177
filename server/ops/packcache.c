/* packcache.c -- the per-thread cache of packed provider runs
 * (packcache.h): 4-way set-associative slots keyed by (snapshot serial,
 * provider, field set, day); a full set replaces its ways in turn. A
 * snapshot serial is never reused in a process, so an entry of a replaced
 * snapshot can only miss, never be served for the new one. */
#include "packcache.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    uint64_t serial; /* 0: empty (serials start at 1) */
    uint32_t provider;
    uint32_t fields;
    int32_t day;
    uint32_t len;
    uint8_t bytes[VW_PACKCACHE_SLOT - 24]; /* the run */
} slot;

_Static_assert(sizeof(slot) == VW_PACKCACHE_SLOT, "a slot is VW_PACKCACHE_SLOT bytes");

/* Ways per set: a direct-mapped cache lost ~11 % of the lookups of a warm
 * `match` load to two hot providers sharing a slot (bench/RESULTS.md,
 * "Cheaper full answers"). */
#define WAYS 4

struct vw_packcache {
    slot *slots;    /* calloc: pages are touched only when a slot is used */
    uint8_t *next;  /* per set: the way a put into a full set replaces */
    uint32_t ways;  /* WAYS, or fewer in a cache of fewer slots */
    uint32_t mask;  /* sets - 1 */
    uint64_t hits, misses;
};

vw_packcache *vw_packcache_new(size_t bytes)
{
    size_t n = 1;
    while (n * 2 * sizeof(slot) <= bytes && n < (1u << 24))
        n *= 2;
    if (n * sizeof(slot) > bytes)
        return NULL;
    vw_packcache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->ways = n < WAYS ? (uint32_t)n : WAYS;
    c->mask = (uint32_t)(n / c->ways - 1);
    c->slots = calloc(n, sizeof(slot));
    c->next = calloc(n / c->ways, 1);
    if (c->slots == NULL || c->next == NULL) {
        vw_packcache_free(c);
        return NULL;
    }
    return c;
}

void vw_packcache_free(vw_packcache *c)
{
    if (c == NULL)
        return;
    free(c->slots);
    free(c->next);
    free(c);
}

static uint32_t set_of(const vw_packcache *c, const vw_packcache_key *k)
{
    /* Neighbouring providers are often asked together: spread them. */
    uint32_t h = (k->provider ^ k->fields * 0x9e3779b9u ^ (uint32_t)k->day * 0xc2b2ae35u) *
                 0x85ebca6bu;
    return (h ^ (h >> 15)) & c->mask;
}

static bool same_key(const slot *s, const vw_packcache_key *k)
{
    return s->serial == k->serial && s->provider == k->provider && s->fields == k->fields &&
           s->day == k->day;
}

bool vw_packcache_get(vw_packcache *c, const vw_packcache_key *k, const uint8_t **run,
                      size_t *len)
{
    slot *set = &c->slots[(size_t)set_of(c, k) * c->ways];
    for (uint32_t w = 0; w < c->ways; w++)
        if (same_key(&set[w], k)) {
            c->hits++;
            *run = set[w].bytes;
            *len = set[w].len;
            return true;
        }
    c->misses++;
    return false;
}

void vw_packcache_put(vw_packcache *c, const vw_packcache_key *k, const uint8_t *run,
                      size_t len)
{
    if (k->serial == 0 || len > sizeof ((slot *)0)->bytes)
        return;
    uint32_t si = set_of(c, k), w = 0;
    slot *set = &c->slots[(size_t)si * c->ways];
    /* the key's own way, else an empty one, else the set's next in turn */
    while (w < c->ways && !same_key(&set[w], k) && set[w].serial != 0)
        w++;
    if (w == c->ways) {
        w = c->next[si] % c->ways;
        c->next[si] = (uint8_t)((w + 1) % c->ways);
    }
    slot *s = &set[w];
    s->serial = k->serial;
    s->provider = k->provider;
    s->fields = k->fields;
    s->day = k->day;
    s->len = (uint32_t)len;
    memcpy(s->bytes, run, len);
}

void vw_packcache_counts(const vw_packcache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = c ? c->hits : 0;
    *misses = c ? c->misses : 0;
}
