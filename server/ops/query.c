/* query.c -- the directory ops: ping, match, provider.get, network.get,
 * stats. */
#include <string.h>
#include <time.h>

#include "proto/vocab.h"
#include "server/engine/netaudit.h"
#include "geodata/regions.h"
#include "ops_int.h"
#include "server/engine/refer.h"

int vw_op_ping(const vw_op_call *c)
{
    uint64_t pad = 0;
    bool present;
    if (vw_opa_only(c) != 0 || vw_opa_uint(c, "pad", &pad, &present) != 0)
        return -1;
    msgpack_pack_map(c->pk, present ? 3 : 2);
    vw_pack_kv_bool(c->pk, "pong", true);
    vw_pack_kv_int(c->pk, "time", (int64_t)time(NULL));
    if (present) { /* pad <= VW_PING_MAX_PAD: the op table's bound */
        static const char xs[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
        vw_pack_cstr(c->pk, "pad");
        msgpack_pack_str(c->pk, (size_t)pad);
        for (uint64_t left = pad; left > 0;) {
            size_t k = left < sizeof xs - 1 ? (size_t)left : sizeof xs - 1;
            msgpack_pack_str_body(c->pk, xs, k);
            left -= k;
        }
    }
    return 0;
}

int vw_op_match(const vw_op_call *c)
{
    const vw_snapshot *s = c->ctx->snap;
    vw_origin o;
    vw_match_query q = {.within_min = -1, .region = -1};
    uint64_t limit = 0; /* default: the op table */
    bool include_online = false, present;
    vw_match_hit hits[VW_MATCH_MAX_LIMIT], online[VW_MATCH_MAX_LIMIT];
    uint32_t n, n_online = 0, fields;

    if (vw_opa_only(c) != 0 || vw_opa_near(c, &o) != 0 ||
        vw_opa_disciplines(c, "discipline", &q.disciplines) != 0 ||
        vw_opa_tags(c, "expertise", &q.tags) != 0 || vw_opa_within(c, &q.within_min) != 0 ||
        vw_opa_mode(c, &q.mode) != 0 || vw_opa_as_of(c, &q.as_of) != 0 ||
        vw_opa_region(c, &q.region) != 0 || vw_opa_referrer(c, &q) != 0 ||
        vw_opa_uint(c, "limit", &limit, &present) != 0 ||
        vw_opa_bool(c, "accepting_only", &q.accepting_only) != 0 ||
        vw_opa_bool(c, "include_online", &include_online) != 0 || vw_opa_fields(c, &fields) != 0)
        return -1;
    q.origin_pc4 = vw_opa_origin_pc4(&o);
    q.lat = o.lat;
    q.lon = o.lon;
    q.limit = (uint32_t)limit;
    n = vw_match(s, c->ctx->tm, &q, hits);
    /* Online providers already listed by distance are not repeated. */
    if (include_online)
        n_online = vw_match_online(s, &q, hits, n, online);
    vw_op_log(c, " n=%u", n);

    msgpack_packer *pk = c->pk;
    msgpack_pack_map(pk, 7 + (include_online ? 1 : 0));
    vw_pack_lit(pk, "origin");
    vw_opp_origin(pk, &o);
    vw_pack_lit(pk, "mode");
    vw_pack_cstr(pk, vw_mode_name(q.mode));
    vw_pack_lit(pk, "travel_times");
    vw_pack_cstr(pk, vw_tt_mode_source(s, q.mode));
    vw_pack_lit(pk, "within");
    if (q.within_min < 0)
        msgpack_pack_nil(pk);
    else
        msgpack_pack_double(pk, q.within_min);
    vw_pack_lit(pk, "as_of");
    vw_opp_date(pk, q.as_of);
    vw_pack_lit(pk, "count");
    msgpack_pack_int64(pk, n);
    vw_pack_lit(pk, "providers");
    msgpack_pack_array(pk, n);
    for (uint32_t i = 0; i < n; i++)
        vw_opp_provider(pk, s, hits[i].provider, q.as_of, &hits[i], false, fields,
                            c->ctx->packcache);
    if (include_online) {
        vw_pack_cstr(pk, "online");
        msgpack_pack_array(pk, n_online);
        for (uint32_t i = 0; i < n_online; i++)
            vw_opp_provider(pk, s, online[i].provider, q.as_of, NULL, false, fields,
                            c->ctx->packcache);
    }
    return 0;
}

int vw_op_provider_get(const vw_op_call *c)
{
    const char *id;
    size_t len;
    int32_t as_of;
    if (vw_opa_only(c) != 0 || vw_opa_id(c, "id", &id, &len) != 0 ||
        vw_opa_as_of(c, &as_of) != 0)
        return -1;
    int64_t i = vw_snapshot_find_provider(c->ctx->snap, id, len);
    if (i < 0)
        return vw_err_set(c->err, VW_E_NOT_FOUND, "no provider with id '%.*s'",
                          (int)(len > 64 ? 64 : len), id);
    vw_opp_provider(c->pk, c->ctx->snap, (uint32_t)i, as_of, NULL, true, VW_PF_ALL,
                    c->ctx->packcache);
    return 0;
}

int vw_op_network_get(const vw_op_call *c)
{
    const vw_snapshot *s = c->ctx->snap;
    const char *id;
    size_t len;
    int32_t as_of;
    vw_audit a;
    if (vw_opa_only(c) != 0 || vw_opa_id(c, "id", &id, &len) != 0 ||
        vw_opa_as_of(c, &as_of) != 0)
        return -1;
    int64_t ni = vw_snapshot_find_network(s, id, len);
    if (ni < 0)
        return vw_err_set(c->err, VW_E_NOT_FOUND, "no network with id '%.*s'",
                          (int)(len > 64 ? 64 : len), id);
    const vw_network *n = vw_snapshot_network(s, (uint32_t)ni);
    const uint32_t *members = vw_snapshot_members(s);
    vw_network_audit(s, (uint32_t)ni, as_of, &a);

    msgpack_packer *pk = c->pk;
    msgpack_pack_map(pk, 12);
    vw_pack_kv_str(pk, "id", n->id);
    vw_pack_kv_str(pk, "name", n->name);
    vw_pack_kv_str(pk, "kind", (n->kind && n->kind[0]) ? n->kind : NULL);
    vw_pack_kv_str(pk, "status", vw_net_status_name(n->status));
    vw_pack_cstr(pk, "certified_until");
    vw_opp_date(pk, n->certified_until);
    vw_pack_kv_bool(pk, "certification_valid", vw_network_certified_on(n, as_of));
    vw_pack_cstr(pk, "as_of");
    vw_opp_date(pk, as_of);
    vw_pack_kv_str(pk, "region", n->region >= 0 ? vw_region_codes[n->region] : NULL);
    vw_pack_cstr(pk, "disciplines");
    vw_opp_disciplines(pk, a.disciplines);
    vw_pack_cstr(pk, "meets_criteria"); /* nil: the NVPO criteria are not for this kind */
    if (a.nvpo)
        (void)(a.meets_criteria ? msgpack_pack_true(pk) : msgpack_pack_false(pk));
    else
        msgpack_pack_nil(pk);
    vw_pack_kv_int(pk, "member_count", n->member_count);
    vw_pack_cstr(pk, "members");
    msgpack_pack_array(pk, n->member_count);
    for (uint32_t m = 0; m < n->member_count; m++) {
        const vw_provider *p = vw_snapshot_provider(s, members[n->member_first + m]);
        msgpack_pack_map(pk, 4);
        vw_pack_kv_str(pk, "id", p->id);
        vw_pack_kv_str(pk, "name", vw_provider_name(p));
        vw_pack_kv_str(pk, "discipline", vw_discipline_name(p->discipline));
        vw_pack_kv_str(pk, "city", (p->city && p->city[0]) ? p->city : NULL);
    }
    return 0;
}

static unsigned long long ld(const atomic_ullong *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

int vw_op_stats(const vw_op_call *c)
{
    const vw_ops_ctx *ctx = c->ctx;
    const vw_ops_server_info *info = ctx->info;
    const vw_snapshot *s = ctx->snap;
    msgpack_packer *pk = c->pk;
    if (vw_opa_only(c) != 0)
        return -1;

    msgpack_pack_map(pk, 7);
    vw_pack_kv_str(pk, "version", info ? info->version : "?");
    vw_pack_kv_int(pk, "uptime_s", info ? (int64_t)time(NULL) - info->started_at : 0);
    vw_pack_kv_int(pk, "workers", info ? info->workers : 0);
    vw_pack_cstr(pk, "snapshot");
    if (s == NULL) {
        msgpack_pack_nil(pk);
    } else {
        const uint32_t *dc = vw_snapshot_discipline_counts(s);
        msgpack_pack_map(pk, 11);
        vw_pack_kv_int(pk, "providers", vw_snapshot_provider_count(s));
        vw_pack_kv_int(pk, "networks", vw_snapshot_network_count(s));
        vw_pack_kv_int(pk, "pc4", vw_snapshot_pc4_count(s));
        vw_pack_kv_int(pk, "bytes", (int64_t)vw_snapshot_bytes(s));
        vw_pack_kv_int(pk, "loaded_at", info ? info->loaded_at : 0);
        vw_pack_kv_double(pk, "load_ms", info ? info->load_ms : 0);
        vw_pack_kv_str(pk, "image", info && info->image ? info->image : "off");
        vw_pack_kv_int(pk, "generation", info ? (int64_t)info->generation : 0);
        vw_pack_kv_int(pk, "change_seq", vw_snapshot_seq(s));
        vw_pack_cstr(pk, "disciplines");
        msgpack_pack_map(pk, VW_D_COUNT);
        for (int d = 0; d < VW_D_COUNT; d++)
            vw_pack_kv_int(pk, vw_discipline_name(d), dc[d]);
        /* modes with a travel-time matrix and their pairs ({} : the model only) */
        int nm = 0;
        for (int m = 0; m < VW_MODE_ALL; m++)
            nm += vw_snapshot_has_matrix(s, (vw_mode)m);
        vw_pack_cstr(pk, "traveltimes");
        msgpack_pack_map(pk, (size_t)nm);
        for (int m = 0; m < VW_MODE_ALL; m++)
            if (vw_snapshot_has_matrix(s, (vw_mode)m))
                vw_pack_kv_int(pk, vw_mode_name((vw_mode)m),
                               (int64_t)vw_snapshot_matrix_pairs(s, (vw_mode)m));
    }
    vw_pack_cstr(pk, "reload");
    msgpack_pack_map(pk, 2);
    vw_pack_kv_int(pk, "failed", info ? (int64_t)info->reloads_failed : 0);
    vw_pack_kv_str(pk, "last_error",
                   info && info->last_reload_error[0] ? info->last_reload_error : NULL);
    vw_pack_cstr(pk, "connections");
    msgpack_pack_map(pk, 3);
    vw_ops_stats *st = ctx->stats;
    vw_pack_kv_int(pk, "current", st ? (int64_t)ld(&st->conn_current) : 0);
    vw_pack_kv_int(pk, "total", st ? (int64_t)ld(&st->conn_total) : 0);
    vw_pack_kv_int(pk, "rejected", st ? (int64_t)ld(&st->conn_rejected) : 0);
    vw_pack_cstr(pk, "requests");
    msgpack_pack_map(pk, 3);
    vw_pack_kv_int(pk, "total", st ? (int64_t)ld(&st->requests) : 0);
    vw_pack_kv_int(pk, "errors", st ? (int64_t)ld(&st->errors) : 0);
    vw_pack_cstr(pk, "by_op");
    int nops = 0;
    while (vw_ops_name(nops))
        nops++;
    msgpack_pack_map(pk, (size_t)nops);
    for (int i = 0; i < nops; i++)
        vw_pack_kv_int(pk, vw_ops_name(i), st ? (int64_t)ld(&st->by_op[i]) : 0);
    return 0;
}
