/* packcache.c -- the per-thread cache of packed provider runs
 * (packcache.h): 4-way set-associative slots keyed by (snapshot serial,
 * provider, field set, day); a full set replaces its ways in turn. A
 * snapshot serial is never reused in a process, so an entry of a replaced
 * snapshot can only miss, never be served for the new one. */
#include "packcache.h"

#include <stdlib.h>
#include <string.h>

#include "slots.h"

/* A slot is its tag (the key and the run's length) and its bytes. The tags
 * live apart from the bytes, a set's four side by side: a lookup reads one
 * or two cache lines of tags and then only the bytes of the hit (with the
 * tags inside 1 KiB slots, the four reads of a set were 5 % of the daemon's
 * samples under a warm `match` load). */
typedef struct tag {
    uint64_t serial; /* 0: empty (serials start at 1) */
    uint32_t provider;
    uint32_t fields;
    int32_t day;
    uint32_t len;
} tag;

#define RUN_MAX (VW_PACKCACHE_SLOT - sizeof(tag)) /* a slot's bytes */

/* Ways per set: a direct-mapped cache lost ~11 % of the lookups of a warm
 * `match` load to two hot providers sharing a slot (bench/RESULTS.md,
 * "Cheaper full answers"). */
#define WAYS 4

struct vw_packcache {
    tag *tags;      /* per slot, sets of `ways` side by side */
    uint8_t *bytes; /* RUN_MAX per slot; calloc: pages are touched only as slots fill */
    uint8_t *next;  /* per set: the way a put into a full set replaces */
    uint32_t ways;  /* WAYS, or fewer in a cache of fewer slots */
    uint32_t mask;  /* sets - 1 */
    uint64_t hits, misses;
};

vw_packcache *vw_packcache_new(size_t bytes)
{
    size_t n = vw_slots_count(bytes, VW_PACKCACHE_SLOT);
    if (n == 0)
        return NULL;
    vw_packcache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->ways = n < WAYS ? (uint32_t)n : WAYS;
    c->mask = (uint32_t)(n / c->ways - 1);
    c->tags = calloc(n, sizeof(tag));
    c->bytes = calloc(n, RUN_MAX);
    c->next = calloc(n / c->ways, 1);
    if (c->tags == NULL || c->bytes == NULL || c->next == NULL) {
        vw_packcache_free(c);
        return NULL;
    }
    return c;
}

void vw_packcache_free(vw_packcache *c)
{
    if (c == NULL)
        return;
    free(c->tags);
    free(c->bytes);
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

static bool same_key(const tag *t, const vw_packcache_key *k)
{
    return t->serial == k->serial && t->provider == k->provider && t->fields == k->fields &&
           t->day == k->day;
}

bool vw_packcache_get(vw_packcache *c, const vw_packcache_key *k, const uint8_t **run,
                      size_t *len)
{
    size_t first = (size_t)set_of(c, k) * c->ways;
    for (size_t w = first; w < first + c->ways; w++)
        if (same_key(&c->tags[w], k)) {
            c->hits++;
            *run = c->bytes + w * RUN_MAX;
            *len = c->tags[w].len;
            return true;
        }
    c->misses++;
    return false;
}

void vw_packcache_put(vw_packcache *c, const vw_packcache_key *k, const uint8_t *run,
                      size_t len)
{
    if (k->serial == 0 || len > RUN_MAX)
        return;
    uint32_t si = set_of(c, k), w = 0;
    tag *set = &c->tags[(size_t)si * c->ways];
    /* the key's own way, else an empty one, else the set's next in turn */
    while (w < c->ways && !same_key(&set[w], k) && set[w].serial != 0)
        w++;
    if (w == c->ways) {
        w = c->next[si] % c->ways;
        c->next[si] = (uint8_t)((w + 1) % c->ways);
    }
    tag *t = &set[w];
    t->serial = k->serial;
    t->provider = k->provider;
    t->fields = k->fields;
    t->day = k->day;
    t->len = (uint32_t)len;
    memcpy(c->bytes + ((size_t)si * c->ways + w) * RUN_MAX, run, len);
}

void vw_packcache_counts(const vw_packcache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = c ? c->hits : 0;
    *misses = c ? c->misses : 0;
}
