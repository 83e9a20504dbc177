/* fuzz_image.c -- libFuzzer target: reading a snapshot image body
 * (server/engine/snapshot_image.c, vw_snapbuild_finish_image). The input is
 * the body as the store's file layer hands it over, without the checksum
 * (which would turn away almost every mutation before the checks this target
 * is for), and with this build's layout number put in (seeds outlive the
 * sources the number hashes): the decoder must refuse what is not well formed with "invalid"
 * and never read or write out of bounds, whatever the counts, offsets,
 * packed text runs, references, indices and enum values say. A body it
 * accepts must give a snapshot every read path can walk: every provider's
 * text fields, side table, hours, languages, networks and registrations,
 * every network's members, and a match query at each PC4 of the builder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/geo.h"
#include "server/engine/match.h"
#include "server/engine/snapshot_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct mem {
    const uint8_t *p;
    size_t left;
} mem;

static int mem_get(void *ctx, void *out, size_t n)
{
    mem *m = ctx;
    if (!out)
        return m->left == 0 ? 0 : -1;
    if (n > m->left)
        return -1;
    memcpy(out, m->p, n);
    m->p += n;
    m->left -= n;
    return 0;
}

static size_t walk(const vw_snapshot *s)
{
    size_t sum = 0;
    for (uint32_t i = 0; i < vw_snapshot_provider_count(s); i++) {
        const vw_provider *p = vw_snapshot_provider(s, i);
        vw_provider_text t;
        vw_provider_text_get(p, &t);
        const char *f[] = {t.name, t.postcode, t.address, t.phone, t.email, t.website, t.agb,
                           t.big, p->city};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            sum += f[k] ? strlen(f[k]) : 0;
        const vw_provider_ext *x = vw_snapshot_provider_ext(s, i);
        const vw_hours_iv *h = vw_snapshot_hours(s) + x->hours_first;
        for (unsigned k = 0; k < x->hours_count; k++)
            sum += h[k].close - h[k].open;
        sum += vw_snapshot_langs(s, x)[0];
        for (uint32_t k = 0; k < p->net_count; k++)
            sum += strlen(vw_snapshot_network(s, vw_snapshot_memberships(s)[p->net_first + k])->id);
        for (uint32_t k = 0; k < p->reg_count; k++) {
            const vw_registration *r = vw_snapshot_registrations(s) + p->reg_first + k;
            sum += strlen(r->registry) + strlen(vw_snapshot_tag_name(s, r->tag));
        }
        sum += (size_t)vw_provider_tags_on(s, i, 20000);
    }
    for (uint32_t i = 0; i < vw_snapshot_network_count(s); i++) {
        const vw_network *n = vw_snapshot_network(s, i);
        sum += strlen(n->id) + strlen(n->name) + (n->kind ? strlen(n->kind) : 0);
        for (uint32_t k = 0; k < n->member_count; k++)
            sum += vw_snapshot_members(s)[n->member_first + k];
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct { int pc4; double lat, lon; } pc[] = {
        {3511, 52.09, 5.12}, {1012, 52.37, 4.90}, {9711, 53.22, 6.57}};
    vw_err err;
    vw_snapbuild *b = vw_snapbuild_new();
    if (!b)
        return 0;
    for (size_t i = 0; i < sizeof pc / sizeof pc[0]; i++)
        if (vw_snapbuild_add_pc4(b, pc[i].pc4, pc[i].lat, pc[i].lon, "plaats", &err) != 0)
            abort();
    /* the layout number (bytes 8..15) is this build's, so the kept inputs,
     * written by an earlier build, still reach the checks past it */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    if (size >= 16) {
        uint64_t layout = vw_snapshot_image_layout();
        memcpy(copy + 8, &layout, sizeof layout);
    }
    mem m = {copy, size};
    vw_snapshot *s = vw_snapbuild_finish_image(b, size, mem_get, &m, &err);
    free(copy);
    if (!s) {
        if (!err.code[0] || !err.message[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    volatile size_t sink = walk(s);
    (void)sink;
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    vw_match_hit hits[VW_MATCH_MAX_LIMIT];
    for (size_t i = 0; i < sizeof pc / sizeof pc[0]; i++) {
        vw_match_query q;
        memset(&q, 0, sizeof q);
        q.lat = pc[i].lat;
        q.lon = pc[i].lon;
        q.within_min = -1;
        q.limit = 20;
        q.as_of = 20000;
        q.region = -1;
        if (vw_match(s, &tm, &q, hits) > q.limit)
            abort();
    }
    vw_snapshot_release(s);
    return 0;
}
