/* pack.c -- packing the objects of PROTOCOL.md: origin, provider (with
 * its expertise on the query's day and its networks), network member, dates. */
#include <string.h>

#include "proto/vocab.h"
#include "geodata/regions.h"
#include "ops_int.h"

void vw_opp_str_n(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void key(msgpack_packer *pk, const char *k)
{
    vw_opp_str_n(pk, k, strlen(k));
}

/* Optional text: NULL and "" are both "not given" (nil on the wire). */
static void kv_opt(msgpack_packer *pk, const char *k, const char *v)
{
    vw_pack_kv_str(pk, k, (v && v[0]) ? v : NULL);
}

void vw_opp_date(msgpack_packer *pk, int32_t day)
{
    if (day == VW_DATE_NONE) {
        msgpack_pack_nil(pk);
        return;
    }
    char buf[11];
    vw_date_format(day, buf);
    vw_pack_cstr(pk, buf);
}

void vw_opp_origin(msgpack_packer *pk, const vw_origin *o)
{
    static const char *const kinds[] = {"pc4", "pc6", "point"};
    msgpack_pack_map(pk, 6);
    vw_pack_lit(pk, "kind");
    vw_pack_cstr(pk, kinds[o->kind]);
    vw_pack_lit(pk, "postcode");
    if (o->kind == VW_ORIGIN_POINT) {
        msgpack_pack_nil(pk);
    } else {
        char pc[8];
        int n = o->kind == VW_ORIGIN_PC6 ? 6 : 4;
        memcpy(pc, "0000", 4);
        for (int i = 3, v = o->pc.pc4; i >= 0; i--, v /= 10)
            pc[i] = (char)('0' + v % 10);
        memcpy(pc + 4, o->pc.letters, 2);
        vw_opp_str_n(pk, pc, (size_t)n);
    }
    vw_pack_lit(pk, "pc4");
    if (o->kind == VW_ORIGIN_POINT)
        msgpack_pack_nil(pk);
    else
        msgpack_pack_int(pk, o->pc.pc4);
    vw_pack_lit(pk, "place");
    vw_pack_cstr(pk, o->place);
    vw_pack_lit(pk, "lat");
    msgpack_pack_double(pk, o->lat);
    vw_pack_lit(pk, "lon");
    msgpack_pack_double(pk, o->lon);
}

void vw_opp_disciplines(msgpack_packer *pk, uint32_t mask)
{
    msgpack_pack_array(pk, (size_t)__builtin_popcount(mask));
    for (int d = 0; d < VW_D_COUNT; d++)
        if (mask & (1u << d))
            vw_pack_cstr(pk, vw_discipline_name(d));
}

void vw_opp_network_summary(msgpack_packer *pk, const vw_network *n, uint32_t more)
{
    msgpack_pack_map(pk, 5 + more);
    vw_pack_kv_str(pk, "id", n->id);
    vw_pack_kv_str(pk, "name", n->name);
    vw_pack_kv_str(pk, "kind", (n->kind && n->kind[0]) ? n->kind : NULL);
    vw_pack_kv_str(pk, "region", n->region >= 0 ? vw_region_codes[n->region] : NULL);
    key(pk, "certified_until");
    vw_opp_date(pk, n->certified_until);
}

static void pack_tags(msgpack_packer *pk, const vw_snapshot *s, uint64_t tags)
{
    msgpack_pack_array(pk, (size_t)__builtin_popcountll(tags));
    for (int b = 0; b < 64; b++)
        if (tags & (UINT64_C(1) << b))
            vw_pack_cstr(pk, vw_snapshot_tag_name(s, b));
}

static void pack_registrations(msgpack_packer *pk, const vw_snapshot *s, const vw_provider *p,
                               int32_t as_of)
{
    const vw_registration *regs = vw_snapshot_registrations(s);
    msgpack_pack_array(pk, p->reg_count);
    for (uint32_t r = 0; r < p->reg_count; r++) {
        const vw_registration *g = &regs[p->reg_first + r];
        bool valid = (g->valid_from == VW_DATE_NONE || g->valid_from <= as_of) &&
                     (g->valid_until == VW_DATE_NONE || as_of <= g->valid_until);
        msgpack_pack_map(pk, 5);
        vw_pack_kv_str(pk, "expertise", vw_snapshot_tag_name(s, g->tag));
        vw_pack_kv_str(pk, "registry", g->registry);
        key(pk, "valid_from");
        vw_opp_date(pk, g->valid_from);
        key(pk, "valid_until");
        vw_opp_date(pk, g->valid_until);
        vw_pack_kv_bool(pk, "valid", valid);
    }
}

static const char *const provider_fields[VW_PF_COUNT + 1] = {
    "id", "name", "discipline", "expertise", "lat", "lon", "address", "postcode", "city",
    "phone", "email", "website", "accepting", "online", "geocoded", "region", "hours",
    "languages", "wheelchair", "direct_access", "wait_weeks", "wait_confirmed", "agb", "big",
    "networks", "km", "minutes", "time_source", NULL};

const char *vw_opp_provider_field(int f)
{
    return (f >= 0 && f < VW_PF_COUNT) ? provider_fields[f] : NULL;
}

/* Whether field f is among the chosen ones (the packer's only test). */
#define WANT(f) (fields & VW_PF_BIT(f))

/* id, name, discipline: the head of a provider object. */
static void pack_head(msgpack_packer *pk, const vw_provider *p, const vw_provider_text *t,
                      uint32_t fields)
{
    if (WANT(VW_PF_ID))
        vw_pack_kv_str(pk, "id", p->id);
    if (WANT(VW_PF_NAME))
        vw_pack_kv_str(pk, "name", t->name);
    if (WANT(VW_PF_DISCIPLINE))
        vw_pack_kv_str(pk, "discipline", vw_discipline_name(p->discipline));
}

/* lat .. networks: the body of a provider object, fixed for a snapshot
 * (nothing here may depend on the day or the query). */
static void pack_body(msgpack_packer *pk, const vw_snapshot *s, uint32_t i,
                      const vw_provider *p, const vw_provider_text *t, uint32_t fields)
{
    const uint32_t *memberships = vw_snapshot_memberships(s);
    if (WANT(VW_PF_LAT))
        vw_pack_kv_double(pk, "lat", p->lat);
    if (WANT(VW_PF_LON))
        vw_pack_kv_double(pk, "lon", p->lon);
    if (WANT(VW_PF_ADDRESS))
        kv_opt(pk, "address", t->address);
    if (WANT(VW_PF_POSTCODE))
        kv_opt(pk, "postcode", t->postcode);
    if (WANT(VW_PF_CITY))
        kv_opt(pk, "city", p->city);
    if (WANT(VW_PF_PHONE))
        kv_opt(pk, "phone", t->phone);
    if (WANT(VW_PF_EMAIL))
        kv_opt(pk, "email", t->email);
    if (WANT(VW_PF_WEBSITE))
        kv_opt(pk, "website", t->website);
    if (WANT(VW_PF_ACCEPTING))
        vw_pack_kv_bool(pk, "accepting", p->accepting);
    if (WANT(VW_PF_ONLINE))
        vw_pack_kv_bool(pk, "online", p->online);
    if (WANT(VW_PF_GEOCODED))
        vw_pack_kv_bool(pk, "geocoded", p->geocoded);
    if (WANT(VW_PF_REGION))
        vw_pack_kv_str(pk, "region", p->region >= 0 ? vw_region_codes[p->region] : NULL);
    vw_opp_attrs(pk, s, i, fields);
    if (WANT(VW_PF_NETWORKS)) {
        key(pk, "networks");
        msgpack_pack_array(pk, p->net_count);
        for (uint32_t k = 0; k < p->net_count; k++) {
            const vw_network *n = vw_snapshot_network(s, memberships[p->net_first + k]);
            msgpack_pack_map(pk, 3);
            vw_pack_kv_str(pk, "id", n->id);
            vw_pack_kv_str(pk, "name", n->name);
            vw_pack_kv_str(pk, "status", vw_net_status_name(n->status));
        }
    }
}

/* id .. networks: everything of a provider object between its map header
 * and the hit's keys; fixed for (snapshot, provider, fields, day), which is
 * what the answer cache keys it by (packcache.h). */
static void pack_run(msgpack_packer *pk, const vw_snapshot *s, uint32_t i, const vw_provider *p,
                     int32_t as_of, uint32_t fields)
{
    vw_provider_text t;
    if (fields & (VW_PF_BIT(VW_PF_NAME) | VW_PF_BIT(VW_PF_ADDRESS) | VW_PF_BIT(VW_PF_POSTCODE) |
                  VW_PF_BIT(VW_PF_PHONE) | VW_PF_BIT(VW_PF_EMAIL) | VW_PF_BIT(VW_PF_WEBSITE)))
        vw_provider_text_get(p, &t);
    pack_head(pk, p, &t, fields);
    if (WANT(VW_PF_EXPERTISE)) { /* on the query's day */
        key(pk, "expertise");
        pack_tags(pk, s, vw_provider_tags_on(s, i, as_of));
    }
    pack_body(pk, s, i, p, &t, fields);
}

/* A key of at most 31 bytes and a float 64, as msgpack_pack_str_with_body
 * and msgpack_pack_double write them (fixstr; 0xcb and 8 big-endian bytes). */
static size_t put_kv_double(uint8_t *b, const char *k, size_t kl, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    b[0] = (uint8_t)(0xa0 | kl);
    memcpy(b + 1, k, kl);
    b[1 + kl] = 0xcb;
    for (int n = 0; n < 8; n++)
        b[2 + kl + n] = (uint8_t)(u >> (56 - 8 * n));
    return 10 + kl;
}

/* km, minutes, time_source of a hit, handed to the packer's writer in one
 * call (the same bytes as packing them one by one). */
static void pack_hit(msgpack_packer *pk, const vw_match_hit *hit, uint32_t fields)
{
    uint8_t b[12 + 17 + 13 + 31]; /* km, minutes, time_source of at most 31 bytes */
    size_t n = 0;
    if (WANT(VW_PF_KM))
        n += put_kv_double(b + n, "km", 2, hit->km);
    if (WANT(VW_PF_MINUTES))
        n += put_kv_double(b + n, "minutes", 7, hit->minutes);
    const char *ts = WANT(VW_PF_TIME_SOURCE) ? vw_time_source_name(hit->source) : NULL;
    size_t tl = ts ? strlen(ts) : 0;
    if (ts && tl < 32) {
        memcpy(b + n, "\xab" "time_source", 12);
        b[n + 12] = (uint8_t)(0xa0 | tl);
        memcpy(b + n + 13, ts, tl);
        n += 13 + tl;
    }
    if (n)
        pk->callback(pk->data, (const char *)b, n);
    if (ts && tl >= 32)
        vw_pack_kv_str(pk, "time_source", ts);
}

void vw_opp_provider(msgpack_packer *pk, const vw_snapshot *s, uint32_t i, int32_t as_of,
                     const vw_match_hit *hit, bool with_regs, uint32_t fields, vw_packcache *pc)
{
    const vw_provider *p = vw_snapshot_provider(s, i);

    fields &= hit ? VW_PF_ALL : VW_PF_ALL & ~VW_PF_HIT;
    msgpack_pack_map(pk, (size_t)__builtin_popcount(fields) + (with_regs ? 2 : 0));
    /* Filling the cache needs the bytes the packer wrote: only with an sbuffer. */
    msgpack_sbuffer *sb = pc && pk->callback == vw_ops_sbuffer_write ? pk->data : NULL;
    vw_packcache_key k = {.serial = vw_snapshot_serial(s), .provider = i, .fields = fields,
                          .day = vw_packcache_day(WANT(VW_PF_EXPERTISE), as_of)};
    const uint8_t *run;
    size_t len;
    if (pc && vw_packcache_get(pc, &k, &run, &len)) {
        pk->callback(pk->data, (const char *)run, len);
    } else {
        size_t r0 = sb ? sb->size : 0;
        unsigned failed = vw_ops_sbuffer_failures();
        pack_run(pk, s, i, p, as_of, fields);
        if (sb && vw_ops_sbuffer_failures() == failed) /* a whole run only */
            vw_packcache_put(pc, &k, (const uint8_t *)sb->data + r0, sb->size - r0);
    }
    if (hit)
        pack_hit(pk, hit, fields);
    if (with_regs) {
        key(pk, "as_of"); /* the day expertise and "valid" were checked on */
        vw_opp_date(pk, as_of);
        key(pk, "registrations");
        pack_registrations(pk, s, p, as_of);
    }
}

void vw_opp_member(msgpack_packer *pk, const vw_snapshot *s, uint32_t i, double km,
                   double minutes, int source)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    msgpack_pack_map(pk, 6);
    vw_pack_kv_str(pk, "id", p->id);
    vw_pack_kv_str(pk, "name", vw_provider_name(p));
    vw_pack_kv_str(pk, "discipline", vw_discipline_name(p->discipline));
    vw_pack_kv_double(pk, "km", km);
    vw_pack_kv_double(pk, "minutes", minutes);
    vw_pack_kv_str(pk, "time_source", vw_time_source_name(source));
}
