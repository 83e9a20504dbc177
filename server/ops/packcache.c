/* packcache.c -- the per-thread cache of packed provider parts
 * (packcache.h): direct-mapped slots keyed by (snapshot serial, provider,
 * field set). A snapshot serial is never reused in a process, so an entry of
 * a replaced snapshot can only miss, never be served for the new one. */
#include "packcache.h"

#include <stdlib.h>
#include <string.h>

#include "slots.h"

typedef struct slot {
    uint64_t serial; /* 0: empty (serials start at 1) */
    uint32_t provider;
    uint32_t fields;
    uint16_t head_len;
    uint16_t body_len;
    uint8_t bytes[VW_PACKCACHE_SLOT - 24]; /* head, then body */
} slot;

struct vw_packcache {
    slot *slots; /* calloc: pages are touched only when a slot is used */
    uint32_t mask;
    uint64_t hits, misses;
};

vw_packcache *vw_packcache_new(size_t bytes)
{
    size_t n;
    vw_packcache *c = calloc(1, sizeof *c);
    if (c == NULL || (c->slots = vw_slots_new(bytes, sizeof(slot), &n)) == NULL) {
        free(c);
        return NULL;
    }
    c->mask = (uint32_t)(n - 1);
    return c;
}

void vw_packcache_free(vw_packcache *c)
{
    if (c == NULL)
        return;
    free(c->slots);
    free(c);
}

static slot *slot_of(vw_packcache *c, uint32_t provider, uint32_t fields)
{
    /* Neighbouring providers are often asked together: spread them. */
    uint32_t h = (provider ^ fields * 0x9e3779b9u) * 0x85ebca6bu;
    return &c->slots[(h ^ (h >> 15)) & c->mask];
}

bool vw_packcache_get(vw_packcache *c, uint64_t serial, uint32_t provider, uint32_t fields,
                      vw_packcache_parts *out)
{
    slot *s = slot_of(c, provider, fields);
    if (s->serial != serial || s->provider != provider || s->fields != fields) {
        c->misses++;
        return false;
    }
    c->hits++;
    out->head = s->bytes;
    out->head_len = s->head_len;
    out->body = s->bytes + s->head_len;
    out->body_len = s->body_len;
    return true;
}

void vw_packcache_put(vw_packcache *c, uint64_t serial, uint32_t provider, uint32_t fields,
                      const vw_packcache_parts *p)
{
    if (serial == 0 || p->head_len + p->body_len > sizeof ((slot *)0)->bytes)
        return;
    slot *s = slot_of(c, provider, fields);
    s->serial = serial;
    s->provider = provider;
    s->fields = fields;
    s->head_len = (uint16_t)p->head_len;
    s->body_len = (uint16_t)p->body_len;
    memcpy(s->bytes, p->head, p->head_len);
    memcpy(s->bytes + p->head_len, p->body, p->body_len);
}

void vw_packcache_counts(const vw_packcache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = c ? c->hits : 0;
    *misses = c ? c->misses : 0;
}
