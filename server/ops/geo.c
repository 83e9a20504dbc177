/* geo.c -- the geography ops: regions (the 7 IZA regions with their
 * figures and, on request, outlines) and coverage (PROTOCOL.md). Geometry is
 * packed GeoJSON-shaped ({"type": "MultiPolygon", "coordinates": ...},
 * positions [lon, lat] as doubles, exactly as GEOS made them: rounding could
 * make a valid ring self-touch) from the snapshot's vw_shapes, so query
 * threads never touch GEOS. */
#include <math.h>
#include <string.h>

#include "geodata/regions.h"
#include "proto/vocab.h"
#include "server/engine/coverage.h"
#include "ops_int.h"
#include "server/engine/refer.h"

#define MAP_PROVIDERS_MAX 20000

void vw_opp_shape(msgpack_packer *pk, const vw_shape *sh)
{
    if (sh == NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_map(pk, 2);
    vw_pack_kv_str(pk, "type", "MultiPolygon");
    vw_pack_cstr(pk, "coordinates");
    msgpack_pack_array(pk, sh->n_polys);
    for (uint32_t p = 0; p < sh->n_polys; p++) {
        msgpack_pack_array(pk, sh->poly_ring[p + 1] - sh->poly_ring[p]);
        for (uint32_t r = sh->poly_ring[p]; r < sh->poly_ring[p + 1]; r++) {
            msgpack_pack_array(pk, sh->ring_point[r + 1] - sh->ring_point[r]);
            for (uint32_t i = sh->ring_point[r]; i < sh->ring_point[r + 1]; i++) {
                msgpack_pack_array(pk, 2);
                msgpack_pack_double(pk, sh->xy[2 * i]);
                msgpack_pack_double(pk, sh->xy[2 * i + 1]);
            }
        }
    }
}

static double share(uint64_t part, uint64_t whole) { return whole ? (double)part / (double)whole : 0; }

int vw_opa_region_code(const vw_op_call *c, int *region)
{
    const vw_op_arg *a = vw_op_arg_find(c->def, "region");
    const char *s;
    size_t len;
    bool present;
    *region = -1;
    if (a == NULL)
        return vw_err_set(c->err, VW_E_INTERNAL, "op %s has no region argument", c->def->name);
    if (vw_arg_str(vw_opa_args(c, vw_op_arg_find(c->def, "region")), "region", &s, &len,
                   &present, c->err) != 0)
        return -1;
    if (!present)
        return 0;
    *region = vw_region_index(s, len);
    if (*region >= 0)
        return 0;
    /* a value the row allows that is no region: "all" */
    for (int i = 0; vw_op_arg_value(a, i); i++)
        if (strlen(vw_op_arg_value(a, i)) == len && memcmp(vw_op_arg_value(a, i), s, len) == 0)
            return 0;
    char known[256];
    vw_op_arg_values_text(a, "", ", ", ", ", known, sizeof known);
    return vw_err_set(c->err, VW_E_BAD_REQUEST, "unknown region '%.*s' (%s)",
                      (int)(len > 32 ? 32 : len), s, known);
}

int vw_opa_region(const vw_op_call *c, int *region)
{
    if (vw_opa_region_code(c, region) != 0)
        return -1;
    if (*region >= 0 && !vw_snapshot_has_regions(c->ctx->snap))
        return vw_err_set(c->err, VW_E_UNAVAILABLE, "no region polygons are loaded (verwijs "
                          "import regions), so the region filter cannot be applied");
    return 0;
}

int vw_op_regions(const vw_op_call *c)
{
    const vw_snapshot *s = c->ctx->snap;
    bool geometry = false;
    if (vw_opa_only(c) != 0 ||
        vw_opa_bool(c, "geometry", &geometry) != 0)
        return -1;
    msgpack_packer *pk = c->pk;
    msgpack_pack_map(pk, 7);
    vw_pack_kv_bool(pk, "polygons", vw_snapshot_has_regions(s));
    vw_pack_kv_bool(pk, "population_known", vw_snapshot_has_population(s));
    vw_pack_kv_str(pk, "population_source", vw_pop_source_name(vw_snapshot_population_source(s)));
    vw_pack_kv_int(pk, "population", (int64_t)vw_snapshot_population(s));
    vw_pack_kv_int(pk, "age_65_plus", (int64_t)vw_snapshot_age_65_plus(s));
    vw_pack_kv_int(pk, "pc4_population_unknown", vw_snapshot_pc4_population_unknown(s));
    vw_pack_cstr(pk, "regions");
    msgpack_pack_array(pk, VW_REGION_COUNT);
    for (int r = 0; r < VW_REGION_COUNT; r++) {
        vw_region_summary rs;
        vw_snapshot_region(s, r, &rs);
        msgpack_pack_map(pk, 8 + geometry);
        vw_pack_kv_str(pk, "code", vw_region_codes[r]);
        vw_pack_kv_str(pk, "name", vw_region_names[r]);
        vw_pack_kv_double(pk, "area_km2", round(rs.area_km2));
        vw_pack_kv_int(pk, "population", (int64_t)rs.population);
        vw_pack_kv_int(pk, "age_65_plus", (int64_t)rs.age_65_plus);
        vw_pack_kv_int(pk, "pc4", rs.pc4);
        vw_pack_kv_int(pk, "providers", rs.providers);
        vw_pack_kv_int(pk, "networks", rs.networks);
        if (geometry) {
            vw_pack_cstr(pk, "geometry");
            vw_opp_shape(pk, rs.outline);
        }
    }
    return 0;
}

static void pack_sum(msgpack_packer *pk, const vw_coverage_sum *m, size_t extra)
{
    msgpack_pack_map(pk, 6 + extra);
    vw_pack_kv_int(pk, "population", (int64_t)m->population);
    vw_pack_kv_int(pk, "covered_population", (int64_t)m->covered_population);
    vw_pack_kv_double(pk, "share_population", share(m->covered_population, m->population));
    vw_pack_kv_int(pk, "pc4", m->pc4);
    vw_pack_kv_int(pk, "covered_pc4", m->covered_pc4);
    vw_pack_kv_double(pk, "share_pc4", share(m->covered_pc4, m->pc4));
}

static void pack_need(msgpack_packer *pk, const vw_snapshot *s, const vw_coverage_query *q)
{
    msgpack_pack_map(pk, 8);
    vw_pack_kv_str(pk, "view", q->networks ? "networks" : "providers");
    vw_pack_cstr(pk, "discipline");
    vw_opp_disciplines(pk, q->disciplines);
    vw_pack_cstr(pk, "expertise");
    msgpack_pack_array(pk, (size_t)__builtin_popcountll(q->tags));
    for (int b = 0; b < 64; b++)
        if (q->tags & (UINT64_C(1) << b))
            vw_pack_cstr(pk, vw_snapshot_tag_name(s, b));
    vw_pack_kv_double(pk, "within", q->within_min);
    vw_pack_kv_str(pk, "mode", vw_mode_name(q->mode));
    vw_pack_kv_str(pk, "travel_times", vw_tt_mode_source(s, q->mode));
    vw_pack_kv_bool(pk, "accepting_only", q->accepting_only);
    vw_pack_cstr(pk, "as_of");
    vw_opp_date(pk, q->as_of);
}

static void pack_nearest(msgpack_packer *pk, const vw_snapshot *s, const vw_coverage_query *q,
                         const vw_coverage_point *pt)
{
    if (pt->nearest < 0) {
        msgpack_pack_nil(pk);
        return;
    }
    if (q->networks) {
        const vw_network *n = vw_snapshot_network(s, (uint32_t)pt->nearest);
        msgpack_pack_map(pk, 5);
        vw_pack_kv_str(pk, "network", n->id);
        vw_pack_kv_str(pk, "name", n->name);
        vw_pack_kv_double(pk, "km", pt->km); /* unrounded, as PROTOCOL.md says */
        vw_pack_kv_double(pk, "minutes", pt->minutes);
        vw_pack_kv_str(pk, "time_source", vw_time_source_name(pt->source));
        return;
    }
    vw_opp_member(pk, s, (uint32_t)pt->nearest, pt->km, pt->minutes, pt->source);
}

static bool in_scope(const vw_coverage_query *q, int region)
{
    return q->region < 0 || region == q->region;
}

/* [lat, lon, id]; a provider's practice address is public, 5 decimals (1 m). */
static void pack_point(msgpack_packer *pk, const vw_provider *p)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_double(pk, round(p->lat * 1e5) / 1e5);
    msgpack_pack_double(pk, round(p->lon * 1e5) / 1e5);
    vw_pack_cstr(pk, p->id);
}

/* Providers meeting the need in scope, as [lat, lon, id] (for maps). */
static uint32_t map_providers(const vw_snapshot *s, const vw_coverage_query *q, bool pack,
                              msgpack_packer *pk)
{
    uint32_t n = 0;
    const uint32_t *members = vw_snapshot_members(s);
    if (q->networks) { /* current core members of certified networks */
        for (uint32_t ni = 0; ni < vw_snapshot_network_count(s) && n < MAP_PROVIDERS_MAX; ni++) {
            const vw_network *net = vw_snapshot_network(s, ni);
            if (!vw_network_certified_on(net, q->as_of))
                continue;
            for (uint32_t m = 0; m < net->member_count && n < MAP_PROVIDERS_MAX; m++) {
                const vw_provider *p = vw_snapshot_provider(s, members[net->member_first + m]);
                if (!in_scope(q, p->region))
                    continue;
                if (pack)
                    pack_point(pk, p);
                n++;
            }
        }
        return n;
    }
    for (uint32_t i = 0; i < vw_snapshot_provider_count(s) && n < MAP_PROVIDERS_MAX; i++) {
        const vw_provider *p = vw_snapshot_provider(s, i);
        if (!in_scope(q, p->region) ||
            (q->disciplines && !(q->disciplines & (1u << p->discipline))) ||
            (q->accepting_only && !p->accepting) ||
            (q->tags && !vw_provider_has_tags(s, i, q->tags, q->as_of)))
            continue;
        if (pack)
            pack_point(pk, p);
        n++;
    }
    return n;
}

static int coverage_args(const vw_op_call *c, vw_coverage_query *q, bool *geometry,
                         uint64_t *spots_limit)
{
    int view = -1; /* index in the row's values: providers, networks */
    bool present;
    q->within_min = -1;
    if (vw_opa_only(c) != 0 || vw_opa_region_code(c, &q->region) != 0 ||
        vw_opa_disciplines(c, "discipline", &q->disciplines) != 0 ||
        vw_opa_tags(c, "expertise", &q->tags) != 0 || vw_opa_within(c, &q->within_min) != 0 ||
        vw_opa_mode(c, &q->mode) != 0 || vw_opa_as_of(c, &q->as_of) != 0 ||
        vw_opa_bool(c, "accepting_only", &q->accepting_only) != 0 ||
        vw_opa_bool(c, "geometry", geometry) != 0 ||
        vw_opa_uint(c, "white_spots_limit", spots_limit, &present) != 0)
        return -1;
    if (!(q->within_min > 0))
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "coverage needs 'within' (minutes)");
    int weight = -1; /* population, age_65_plus */
    if (vw_opa_enum(c, "view", &view) != 0 || vw_opa_enum(c, "weight", &weight) != 0)
        return -1;
    q->networks = view == 1;
    q->weight_65 = weight == 1;
    if (q->networks && (q->disciplines || q->tags || q->accepting_only))
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "the networks view takes no discipline, "
                          "expertise or accepting_only (its need is the NVPO core)");
    if (!q->networks && q->disciplines == 0)
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "coverage needs 'discipline' (or view "
                          "'networks')");
    if (q->region >= 0 && !vw_snapshot_has_regions(c->ctx->snap))
        return vw_err_set(c->err, VW_E_UNAVAILABLE, "no region polygons are loaded (verwijs "
                          "import regions)");
    return 0;
}

int vw_op_coverage(const vw_op_call *c)
{
    const vw_snapshot *s = c->ctx->snap;
    vw_coverage_query q;
    vw_coverage cov;
    bool geometry = false;
    uint64_t spots_limit = 0; /* default: the op table */
    memset(&q, 0, sizeof q);
    if (coverage_args(c, &q, &geometry, &spots_limit) != 0 ||
        vw_coverage_run(s, c->ctx->tm, &q, &cov, c->ctx->progress, c->ctx->progress_ctx, c->err) != 0)
        return -1;
    vw_op_log(c, " region=%s n=%u", q.region >= 0 ? vw_region_codes[q.region] : "all", cov.n);

    uint32_t spots = 0, listed = 0;
    for (uint32_t k = 0; k < cov.n; k++)
        spots += !cov.points[k].covered;
    listed = spots < spots_limit ? spots : (uint32_t)spots_limit;

    msgpack_packer *pk = c->pk;
    msgpack_pack_map(pk, 10 + (geometry ? 3 : 0));
    vw_pack_kv_str(pk, "scope", q.region >= 0 ? vw_region_codes[q.region] : "all");
    /* the maps' legend note reads this (geodata/map.c) */
    vw_pack_kv_str(pk, "time_source", vw_tt_mode_source(s, q.mode));
    vw_pack_cstr(pk, "need");
    pack_need(pk, s, &q);
    vw_pack_kv_bool(pk, "population_known", vw_snapshot_has_population(s));
    vw_pack_kv_str(pk, "population_source",
                   vw_pop_source_name(vw_snapshot_population_source(s)));
    vw_pack_kv_str(pk, "weight", q.weight_65 ? "age_65_plus" : "population");
    vw_pack_cstr(pk, "total");
    pack_sum(pk, &cov.total, 0);
    vw_pack_cstr(pk, "regions");
    int nreg = 0;
    for (int r = 0; r < VW_REGION_COUNT; r++)
        nreg += in_scope(&q, r) && cov.region[r].pc4 > 0;
    msgpack_pack_array(pk, (size_t)nreg);
    for (int r = 0; r < VW_REGION_COUNT; r++) {
        if (!in_scope(&q, r) || cov.region[r].pc4 == 0)
            continue;
        pack_sum(pk, &cov.region[r], 2 + geometry);
        vw_pack_kv_str(pk, "code", vw_region_codes[r]);
        vw_pack_kv_str(pk, "name", vw_region_names[r]);
        if (geometry) {
            vw_region_summary rs;
            vw_snapshot_region(s, r, &rs);
            vw_pack_cstr(pk, "geometry");
            vw_opp_shape(pk, rs.outline);
        }
    }
    vw_pack_kv_int(pk, "white_spots_total", spots);
    /* White spots, most people first (ties: PC4). Selection by repeated scan
     * keeps this allocation-free; listed <= WHITE_SPOTS_MAX. */
    vw_pack_cstr(pk, "white_spots");
    msgpack_pack_array(pk, listed);
    uint32_t last_pop = UINT32_MAX;
    int last_pc4 = -1;
    for (uint32_t done = 0; done < listed; done++) {
        int64_t best = -1;
        for (uint32_t k = 0; k < cov.n; k++) {
            const vw_coverage_point *pt = &cov.points[k];
            if (pt->covered)
                continue;
            bool after_last = pt->population < last_pop ||
                              (pt->population == last_pop && pt->pc4 > last_pc4);
            if (!after_last)
                continue;
            if (best < 0 || pt->population > cov.points[best].population ||
                (pt->population == cov.points[best].population && pt->pc4 < cov.points[best].pc4))
                best = k;
        }
        const vw_coverage_point *pt = &cov.points[best];
        last_pop = pt->population;
        last_pc4 = pt->pc4;
        vw_pc4_info info;
        vw_snapshot_pc4_info(s, pt->pc4, &info);
        msgpack_pack_map(pk, 7 + geometry);
        char code[5];
        code[0] = (char)('0' + pt->pc4 / 1000);
        code[1] = (char)('0' + pt->pc4 / 100 % 10);
        code[2] = (char)('0' + pt->pc4 / 10 % 10);
        code[3] = (char)('0' + pt->pc4 % 10);
        code[4] = '\0';
        vw_pack_kv_str(pk, "pc4", code);
        vw_pack_kv_str(pk, "place", info.place);
        vw_pack_kv_str(pk, "region", pt->region >= 0 ? vw_region_codes[pt->region] : NULL);
        vw_pack_kv_int(pk, "population", pt->population);
        vw_pack_kv_double(pk, "lat", round(info.lat * 1e5) / 1e5);
        vw_pack_kv_double(pk, "lon", round(info.lon * 1e5) / 1e5);
        vw_pack_cstr(pk, "nearest");
        pack_nearest(pk, s, &q, pt);
        if (geometry) {
            vw_pack_cstr(pk, "cell");
            vw_opp_shape(pk, info.cell);
        }
    }
    if (geometry) {
        uint32_t np = map_providers(s, &q, false, NULL);
        vw_pack_kv_bool(pk, "providers_truncated", np >= MAP_PROVIDERS_MAX);
        vw_pack_cstr(pk, "providers");
        msgpack_pack_array(pk, np);
        map_providers(s, &q, true, pk);
        vw_pack_cstr(pk, "places"); /* labels: the largest places of the scope */
        vw_opp_places(pk, s, q.region, q.region >= 0 ? 10 : 14);
    }
    vw_coverage_free(&cov);
    return 0;
}
