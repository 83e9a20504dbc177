/* care.c -- the matched-care ops: refer, network.near, networks.audit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vocab.h"
#include "server/engine/netaudit.h"
#include "geodata/regions.h"
#include "ops_int.h"
#include "server/engine/refer.h"

static void pack_option(msgpack_packer *pk, const vw_problem_option *o)
{
    msgpack_pack_map(pk, 2);
    vw_pack_kv_str(pk, "discipline", vw_discipline_name(o->discipline));
    vw_pack_kv_str(pk, "expertise", o->expertise[0] ? o->expertise : NULL);
}

static const char *need_code(const vw_problems *t, const vw_refer_need *n)
{
    return n->problem < 0 ? "psychosociaal" : vw_problems_get(t, n->problem)->code;
}

/* `problems`: str or list of problem codes -> indices. */
static int arg_problems(const vw_op_call *c, vw_refer_query *q)
{
    const char *s[VW_REFER_MAX_PROBLEMS];
    size_t l[VW_REFER_MAX_PROBLEMS], n = 0;
    const vw_op_arg *a = vw_op_arg_find(c->def, "problems");
    if (vw_arg(c->args, "problems") == NULL)
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "argument 'problems' is required");
    if (vw_arg_str_list(c->args, "problems", s, l,
                        a && a->max < VW_REFER_MAX_PROBLEMS ? (size_t)a->max
                                                            : VW_REFER_MAX_PROBLEMS,
                        &n, c->err) != 0)
        return -1;
    q->n_problems = 0;
    for (size_t i = 0; i < n; i++) {
        int p = vw_problems_find(c->ctx->problems, s[i], l[i]);
        if (p < 0) {
            char known[1024] = "";
            size_t used = 0;
            for (int k = 0; k < vw_problems_count(c->ctx->problems) && used < sizeof known - 40;
                 k++)
                used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
                                         k ? ", " : "",
                                         vw_problems_get(c->ctx->problems, k)->code);
            return vw_err_set(c->err, VW_E_BAD_REQUEST, "unknown problem '%.*s' (known: %s)",
                              (int)(l[i] > 40 ? 40 : l[i]), s[i], known);
        }
        bool dup = false;
        for (int k = 0; k < q->n_problems; k++)
            dup |= q->problems[k] == p;
        if (!dup)
            q->problems[q->n_problems++] = p;
        vw_op_log(c, "%s%s", i ? "," : " problems=", vw_problems_get(c->ctx->problems, p)->code);
    }
    return 0;
}

int vw_op_refer(const vw_op_call *c)
{
    const vw_snapshot *s = c->ctx->snap;
    const vw_problems *t = c->ctx->problems;
    vw_refer_config defaults;
    vw_origin o;
    vw_refer_query q = {.score = -1};
    uint64_t score = 0, limit = 0, nets = 0; /* defaults: the op table */
    bool has_score, present;
    int region;
    vw_refer_result r;
    char kind_buf[40];
    uint32_t fields;

    if (t == NULL)
        return vw_err_set(c->err, VW_E_UNAVAILABLE, "no problems table is loaded");
    vw_refer_config_default(&defaults);
    if (vw_opa_only(c) != 0 || vw_opa_near(c, &o) != 0 ||
        arg_problems(c, &q) != 0 ||
        vw_opa_uint(c, "score", &score, &has_score) != 0 ||
        vw_opa_within(c, &q.within_min) != 0 || vw_opa_mode(c, &q.mode) != 0 ||
        vw_opa_uint(c, "limit", &limit, &present) != 0 ||
        vw_opa_uint(c, "networks", &nets, &present) !=
            0 ||
        vw_opa_bool(c, "accepting_only", &q.accepting_only) != 0 ||
        vw_opa_as_of(c, &q.as_of) != 0 || vw_opa_region(c, &region) != 0 ||
        vw_opa_net_kind(c, "network_kind", kind_buf, &q.network_kind) != 0 ||
        vw_opa_fields(c, &fields) != 0)
        return -1;
    q.in_region = region + 1;
    q.origin_pc4 = vw_opa_origin_pc4(&o);
    q.lat = o.lat;
    q.lon = o.lon;
    q.score = has_score ? (int)score : -1;
    q.per_need = (uint32_t)limit;
    q.max_networks = (uint32_t)nets;
    if (vw_refer(s, c->ctx->tm, t, c->ctx->refer_cfg ? c->ctx->refer_cfg : &defaults, &q, &r,
                 c->err) != 0)
        return -1;
    vw_op_log(c, " needs=%d networks=%d", r.n_needs, r.n_networks);

    msgpack_packer *pk = c->pk;
    msgpack_pack_map(pk, 11);
    vw_pack_cstr(pk, "origin");
    vw_opp_origin(pk, &o);
    vw_pack_kv_str(pk, "mode", vw_mode_name(q.mode));
    vw_pack_kv_str(pk, "travel_times", vw_tt_mode_source(s, q.mode));
    vw_pack_kv_double(pk, "within", q.within_min);
    vw_pack_cstr(pk, "as_of");
    vw_opp_date(pk, q.as_of);
    vw_pack_cstr(pk, "score");
    if (q.score < 0)
        msgpack_pack_nil(pk);
    else
        msgpack_pack_int(pk, q.score);
    vw_pack_kv_str(pk, "step", r.step == VW_STEP_SELF_CARE ? "self_care" : "professional");
    vw_pack_kv_bool(pk, "psychosocial_added", r.psychosocial_added);

    vw_pack_cstr(pk, "needs");
    msgpack_pack_array(pk, (size_t)r.n_needs);
    for (int j = 0; j < r.n_needs; j++) {
        const vw_refer_need *n = &r.needs[j];
        const vw_problem *pr = n->problem >= 0 ? vw_problems_get(t, n->problem) : NULL;
        bool self = r.step == VW_STEP_SELF_CARE;
        msgpack_pack_map(pk, 6 + (self ? 1 : 0));
        vw_pack_kv_str(pk, "problem", need_code(t, n));
        vw_pack_kv_str(pk, "label", pr ? pr->label : "Psychosociale zorg");
        vw_pack_kv_str(pk, "category",
                       pr ? vw_problem_category_name(pr->category) : "emotioneel");
        vw_pack_cstr(pk, "recommended");
        msgpack_pack_array(pk, (size_t)n->n_options);
        for (int k = 0; k < n->n_options; k++)
            pack_option(pk, &n->options[k]);
        vw_pack_cstr(pk, "listed");
        if (n->listed_option < 0)
            msgpack_pack_nil(pk);
        else
            pack_option(pk, &n->options[n->listed_option]);
        vw_pack_cstr(pk, "providers");
        msgpack_pack_array(pk, n->n_hits);
        for (uint32_t i = 0; i < n->n_hits; i++)
            vw_opp_provider(pk, s, n->hits[i].provider, q.as_of, &n->hits[i], false, fields,
                            c->ctx->packcache);
        if (self) {
            vw_pack_cstr(pk, "online");
            msgpack_pack_array(pk, n->n_online);
            for (uint32_t i = 0; i < n->n_online; i++)
                vw_opp_provider(pk, s, n->online[i].provider, q.as_of, NULL, false, fields,
                            c->ctx->packcache);
        }
    }

    vw_pack_cstr(pk, "networks");
    msgpack_pack_array(pk, (size_t)r.n_networks);
    for (int i = 0; i < r.n_networks; i++) {
        const vw_refer_network *rn = &r.networks[i];
        const vw_network *net = vw_snapshot_network(s, rn->network);
        vw_opp_network_summary(pk, net, 4);
        vw_pack_kv_int(pk, "covered", rn->covered);
        vw_pack_kv_int(pk, "needs", r.n_needs);
        vw_pack_kv_double(pk, "total_minutes", rn->total_minutes);
        vw_pack_cstr(pk, "members");
        msgpack_pack_array(pk, (size_t)r.n_needs);
        for (int j = 0; j < r.n_needs; j++) {
            const vw_refer_member *m = &rn->member[j];
            if (m->provider < 0) {
                msgpack_pack_nil(pk);
                continue;
            }
            const vw_provider *p = vw_snapshot_provider(s, (uint32_t)m->provider);
            msgpack_pack_map(pk, 7);
            vw_pack_kv_str(pk, "need", need_code(t, &r.needs[j]));
            vw_pack_kv_str(pk, "id", p->id);
            vw_pack_kv_str(pk, "name", vw_provider_name(p));
            vw_pack_kv_str(pk, "discipline", vw_discipline_name(p->discipline));
            vw_pack_kv_double(pk, "km", m->km);
            vw_pack_kv_double(pk, "minutes", m->minutes);
            vw_pack_kv_str(pk, "time_source", vw_time_source_name(m->source));
        }
    }

    /* The plan: the first ranked network, and what falls outside it. */
    const vw_refer_network *best = r.n_networks > 0 ? &r.networks[0] : NULL;
    int outside = 0;
    for (int j = 0; j < r.n_needs; j++)
        outside += (best == NULL || best->member[j].provider < 0);
    vw_pack_cstr(pk, "plan");
    msgpack_pack_map(pk, 3);
    vw_pack_kv_str(pk, "network", best ? vw_snapshot_network(s, best->network)->id : NULL);
    vw_pack_kv_bool(pk, "covers_all", best != NULL && outside == 0);
    vw_pack_cstr(pk, "outside");
    msgpack_pack_array(pk, (size_t)outside);
    for (int j = 0; j < r.n_needs; j++) {
        if (best != NULL && best->member[j].provider >= 0)
            continue;
        const vw_refer_need *n = &r.needs[j];
        msgpack_pack_map(pk, 2);
        vw_pack_kv_str(pk, "need", need_code(t, n));
        vw_pack_cstr(pk, "providers");
        msgpack_pack_array(pk, n->n_hits);
        for (uint32_t i = 0; i < n->n_hits; i++)
            vw_opp_provider(pk, s, n->hits[i].provider, q.as_of, &n->hits[i], false, fields,
                            c->ctx->packcache);
    }
    return 0;
}

int vw_op_network_near(const vw_op_call *c)
{
    enum { MAXN = 20 };
    const vw_snapshot *s = c->ctx->snap;
    vw_origin o;
    double within = 0; /* defaults: the op table */
    vw_mode mode;
    int32_t as_of;
    uint64_t limit = 0;
    bool present;
    static const char *const slots[3] = {"fysiotherapeut", "psychosocial", "dietist"};
    char kind_buf[40];
    const char *kind;

    if (vw_opa_only(c) != 0 || vw_opa_near(c, &o) != 0 ||
        vw_opa_within(c, &within) != 0 || vw_opa_mode(c, &mode) != 0 ||
        vw_opa_as_of(c, &as_of) != 0 ||
        vw_opa_uint(c, "limit", &limit, &present) != 0 ||
        vw_opa_net_kind(c, "kind", kind_buf, &kind) != 0)
        return -1;
    /* All networks near, in order, then those of the kind up to the limit. */
    uint32_t nn = vw_snapshot_network_count(s), n = 0;
    vw_network_near *out = malloc((size_t)(nn ? nn : 1) * sizeof *out);
    if (out == NULL)
        return vw_err_set(c->err, VW_E_INTERNAL, "out of memory");
    uint32_t all = vw_networks_near(s, c->ctx->tm, o.lat, o.lon, vw_opa_origin_pc4(&o), within,
                                    mode, as_of, out, nn);
    for (uint32_t k = 0; k < all && n < limit; k++)
        if (!kind || vw_network_kind_is(vw_snapshot_network(s, out[k].network), kind))
            out[n++] = out[k];
    vw_op_log(c, " n=%u", n);
    msgpack_packer *pk = c->pk;
    msgpack_pack_map(pk, 5);
    vw_pack_cstr(pk, "origin");
    vw_opp_origin(pk, &o);
    vw_pack_kv_str(pk, "travel_times", vw_tt_mode_source(s, mode));
    vw_pack_cstr(pk, "as_of");
    vw_opp_date(pk, as_of);
    vw_pack_kv_int(pk, "count", n);
    vw_pack_cstr(pk, "networks");
    msgpack_pack_array(pk, n);
    for (uint32_t i = 0; i < n; i++) {
        const vw_network *net = vw_snapshot_network(s, out[i].network);
        vw_opp_network_summary(pk, net, 3);
        vw_pack_kv_double(pk, "total_minutes", out[i].total_minutes);
        vw_pack_cstr(pk, "disciplines");
        vw_opp_disciplines(pk, out[i].disciplines);
        vw_pack_cstr(pk, "core");
        msgpack_pack_map(pk, 3);
        for (int k = 0; k < 3; k++) {
            vw_pack_cstr(pk, slots[k]);
            vw_opp_member(pk, s, (uint32_t)out[i].core[k].provider, out[i].core[k].km,
                          out[i].core[k].minutes, out[i].core[k].source);
        }
    }
    free(out);
    return 0;
}

int vw_op_networks_audit(const vw_op_call *c)
{
    const vw_snapshot *s = c->ctx->snap;
    int region;
    int32_t as_of;
    uint32_t count = 0, flagged = 0, others = 0;
    vw_audit a;

    if (vw_opa_only(c) != 0 || vw_opa_region_code(c, &region) != 0 ||
        vw_opa_as_of(c, &as_of) != 0)
        return -1;
    uint32_t nn = vw_snapshot_network_count(s);
    for (uint32_t i = 0; i < nn; i++) {
        const vw_network *n = vw_snapshot_network(s, i);
        if (region >= 0 && n->region != region)
            continue;
        if (!vw_net_kind_nvpo(n->kind)) { /* the criteria are for oncology care networks */
            others++;
            continue;
        }
        count++;
        vw_network_audit(s, i, as_of, &a);
        flagged += a.flagged;
    }
    vw_op_log(c, " n=%u flagged=%u", count, flagged);

    msgpack_packer *pk = c->pk;
    msgpack_pack_map(pk, 5);
    vw_pack_cstr(pk, "as_of");
    vw_opp_date(pk, as_of);
    vw_pack_kv_int(pk, "count", count);
    vw_pack_kv_int(pk, "other_kinds", others);
    vw_pack_kv_int(pk, "flagged", flagged);
    vw_pack_cstr(pk, "networks");
    msgpack_pack_array(pk, count);
    for (uint32_t i = 0; i < nn; i++) {
        const vw_network *n = vw_snapshot_network(s, i);
        if ((region >= 0 && n->region != region) || !vw_net_kind_nvpo(n->kind))
            continue;
        vw_network_audit(s, i, as_of, &a);
        msgpack_pack_map(pk, 12);
        vw_pack_kv_str(pk, "id", n->id);
        vw_pack_kv_str(pk, "name", n->name);
        vw_pack_kv_str(pk, "status", vw_net_status_name(n->status));
        vw_pack_kv_str(pk, "region", n->region >= 0 ? vw_region_codes[n->region] : NULL);
        vw_pack_cstr(pk, "certified_until");
        vw_opp_date(pk, n->certified_until);
        vw_pack_kv_int(pk, "members", a.members);
        vw_pack_kv_int(pk, "current_members", a.current_members);
        vw_pack_cstr(pk, "disciplines");
        vw_opp_disciplines(pk, a.disciplines);
        vw_pack_kv_int(pk, "n_disciplines", a.n_disciplines);
        vw_pack_kv_bool(pk, "meets_criteria", a.meets_criteria);
        vw_pack_kv_bool(pk, "flagged", a.flagged);
        vw_pack_cstr(pk, "reasons");
        msgpack_pack_array(pk, (size_t)__builtin_popcount(a.problems));
        for (unsigned bit = 1; bit <= VW_AUDIT_CERT_NO_END; bit <<= 1)
            if (a.problems & bit)
                vw_pack_cstr(pk, vw_audit_reason(bit));
    }
    return 0;
}
