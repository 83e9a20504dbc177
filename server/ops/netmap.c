/* netmap.c -- the networks.map op: every network by kind over the 7 IZA
 * regions, for the national map (`verwijs networks map`, the web page).
 * docs/HTTP.md documents the JSON shape. A network is drawn at the mean
 * position of its members' practices (its centre of gravity); a network
 * without members has no position. */
#include <math.h>
#include <string.h>

#include "geodata/regions.h"
#include "geodata/shape.h"
#include "proto/vocab.h"
#include "server/engine/refer.h"
#include "ops_int.h"

#define KINDS_MAX 16 /* distinct kinds counted; more are counted as "other" */

typedef struct kind_tab {
    const char *name[KINDS_MAX];
    uint32_t n;
} kind_tab;

/* The known kinds first (in vocab order), then the data's own. */
static int kind_index(kind_tab *t, const char *kind)
{
    const char *k = kind && kind[0] ? kind : VW_NET_KIND_NVPO; /* no kind: the NVPO kind */
    for (uint32_t i = 0; i < t->n; i++)
        if (strcmp(t->name[i], k) == 0)
            return (int)i;
    if (t->n == KINDS_MAX)
        return (int)KINDS_MAX - 1;
    t->name[t->n] = k;
    return (int)t->n++;
}

static void pack_counts(msgpack_packer *pk, const kind_tab *t, const uint32_t *c)
{
    msgpack_pack_map(pk, t->n);
    for (uint32_t k = 0; k < t->n; k++)
        vw_pack_kv_int(pk, t->name[k], c[k]);
}

int vw_op_networks_map(const vw_op_call *c)
{
    const vw_snapshot *s = c->ctx->snap;
    int32_t as_of;
    bool geometry = true;
    char kind_buf[40];
    const char *only;
    if (vw_opa_only(c) != 0 || vw_opa_as_of(c, &as_of) != 0 ||
        vw_opa_bool(c, "geometry", &geometry) != 0)
        return -1;
    /* `kind` absent means every kind here (not the NVPO default of near) */
    if (vw_arg(c->args, "kind") == NULL)
        only = NULL;
    else if (vw_opa_net_kind(c, "kind", kind_buf, &only) != 0)
        return -1;

    kind_tab t = {.n = 0};
    for (int k = 0; k < VW_NET_KIND_COUNT; k++)
        kind_index(&t, vw_net_kinds[k]);
    uint32_t nn = vw_snapshot_network_count(s), shown = 0;
    uint32_t total[KINDS_MAX] = {0}, per_region[VW_REGION_COUNT][KINDS_MAX], no_region[KINDS_MAX] = {0};
    memset(per_region, 0, sizeof per_region);
    for (uint32_t i = 0; i < nn; i++) {
        const vw_network *n = vw_snapshot_network(s, i);
        if (only && !vw_network_kind_is(n, only))
            continue;
        int k = kind_index(&t, n->kind);
        shown++;
        total[k]++;
        if (n->region >= 0)
            per_region[n->region][k]++;
        else
            no_region[k]++;
    }
    vw_op_log(c, " n=%u", shown);

    msgpack_packer *pk = c->pk;
    msgpack_pack_map(pk, 7);
    vw_pack_cstr(pk, "as_of");
    vw_opp_date(pk, as_of);
    vw_pack_cstr(pk, "kinds");
    msgpack_pack_array(pk, t.n);
    for (uint32_t k = 0; k < t.n; k++)
        vw_pack_cstr(pk, t.name[k]);
    vw_pack_kv_int(pk, "count", shown);
    vw_pack_cstr(pk, "counts");
    pack_counts(pk, &t, total);
    vw_pack_cstr(pk, "no_region");
    pack_counts(pk, &t, no_region);
    vw_pack_cstr(pk, "regions");
    msgpack_pack_array(pk, VW_REGION_COUNT);
    for (int r = 0; r < VW_REGION_COUNT; r++) {
        vw_region_summary rs;
        vw_snapshot_region(s, r, &rs);
        msgpack_pack_map(pk, 3 + geometry);
        vw_pack_kv_str(pk, "code", vw_region_codes[r]);
        vw_pack_kv_str(pk, "name", vw_region_names[r]);
        vw_pack_cstr(pk, "counts");
        pack_counts(pk, &t, per_region[r]);
        if (geometry) {
            vw_pack_cstr(pk, "geometry");
            vw_opp_shape(pk, rs.outline);
        }
    }
    vw_pack_cstr(pk, "networks");
    msgpack_pack_array(pk, shown);
    const uint32_t *members = vw_snapshot_members(s);
    for (uint32_t i = 0; i < nn; i++) {
        const vw_network *n = vw_snapshot_network(s, i);
        if (only && !vw_network_kind_is(n, only))
            continue;
        double lat = 0, lon = 0;
        for (uint32_t m = 0; m < n->member_count; m++) {
            const vw_provider *p = vw_snapshot_provider(s, members[n->member_first + m]);
            lat += p->lat;
            lon += p->lon;
        }
        msgpack_pack_map(pk, 9);
        vw_pack_kv_str(pk, "id", n->id);
        vw_pack_kv_str(pk, "name", n->name);
        vw_pack_kv_str(pk, "kind", t.name[kind_index(&t, n->kind)]);
        vw_pack_kv_str(pk, "status", vw_net_status_name(n->status));
        vw_pack_kv_bool(pk, "active", vw_network_certified_on(n, as_of));
        vw_pack_kv_str(pk, "region", n->region >= 0 ? vw_region_codes[n->region] : NULL);
        vw_pack_kv_int(pk, "members", n->member_count);
        vw_pack_cstr(pk, "lat"); /* 4 decimals: about 10 m, enough for a map */
        if (n->member_count)
            msgpack_pack_double(pk, round(lat / n->member_count * 1e4) / 1e4);
        else
            msgpack_pack_nil(pk);
        vw_pack_cstr(pk, "lon");
        if (n->member_count)
            msgpack_pack_double(pk, round(lon / n->member_count * 1e4) / 1e4);
        else
            msgpack_pack_nil(pk);
    }
    return 0;
}
