/* refer.c -- matched care: needs from problems, providers per need, and the
 * coordinated network plan (see refer.h for the exact ranking rules). */
#include "refer.h"

#include <string.h>

#include "proto/vocab.h"
#include "netaudit.h"
#include "traveltime.h"

const vw_problem_option vw_refer_psychosocial_options[2] = {
    {VW_D_PSYCHOLOOG, "psycho-oncologie"},
    {VW_D_POC, ""},
};

void vw_refer_config_default(vw_refer_config *c)
{
    c->self_care_below = 4;
    c->psychosocial_from = 7;
    c->wait_valid_weeks = 13;
}

bool vw_network_kind_is(const vw_network *n, const char *kind)
{
    if (strcmp(kind, VW_NET_KIND_NVPO) == 0)
        return vw_net_kind_nvpo(n->kind);
    return n->kind && strcmp(n->kind, kind) == 0;
}

bool vw_network_certified_on(const vw_network *n, int32_t as_of)
{
    return n->status == VW_NET_CERTIFIED &&
           (n->certified_until == VW_DATE_NONE || n->certified_until >= as_of);
}

/* The tag bit an option requires: 0 = none, -1 = a tag the snapshot lacks. */
static int64_t option_tags(const vw_snapshot *s, const vw_problem_option *o)
{
    if (o->expertise[0] == '\0')
        return 0;
    int bit = vw_snapshot_tag_bit(s, o->expertise, strlen(o->expertise));
    return bit < 0 ? -1 : (int64_t)(UINT64_C(1) << bit);
}

static bool meets_option(const vw_snapshot *s, uint32_t pi, const vw_provider *p,
                         const vw_problem_option *o, int64_t tags, int32_t as_of)
{
    if (tags < 0 || p->discipline != o->discipline)
        return false;
    return tags == 0 || vw_provider_has_tags(s, pi, (uint64_t)tags, as_of);
}

static void list_need(const vw_snapshot *s, const vw_travel_model *tm, const vw_refer_query *q,
                      bool self_care, vw_refer_need *n)
{
    vw_match_query mq = {
        .lat = q->lat, .lon = q->lon, .within_min = q->within_min, .mode = q->mode,
        .limit = q->per_need, .accepting_only = q->accepting_only, .as_of = q->as_of,
        .region = q->in_region - 1, .origin_pc4 = q->origin_pc4,
    };
    n->listed_option = -1;
    n->n_hits = 0;
    n->n_online = 0;
    for (int k = 0; k < n->n_options && n->listed_option < 0; k++) {
        int64_t tags = option_tags(s, &n->options[k]);
        if (tags < 0)
            continue;
        mq.disciplines = 1u << n->options[k].discipline;
        mq.tags = (uint64_t)tags;
        n->n_hits = vw_match(s, tm, &mq, n->hits);
        if (n->n_hits > 0)
            n->listed_option = k;
    }
    if (!self_care)
        return;
    /* Self-management step: online and national services, no distance limit. */
    for (int k = 0; k < n->n_options && n->n_online == 0; k++) {
        int64_t tags = option_tags(s, &n->options[k]);
        if (tags < 0)
            continue;
        mq.disciplines = 1u << n->options[k].discipline;
        mq.tags = (uint64_t)tags;
        n->n_online = vw_match_online(s, &mq, NULL, 0, n->online);
    }
}

/* Is candidate (option k, minutes, km, provider pi) better than the current
 * member? (Under the model minutes grow with km: the nearest.) */
static bool better_member(const vw_refer_member *m, int k, double minutes, double km,
                          uint32_t pi)
{
    if (m->provider < 0)
        return true;
    if (k != m->option)
        return k < m->option;
    if (minutes != m->minutes)
        return minutes < m->minutes;
    if (km != m->km)
        return km < m->km;
    return pi < (uint32_t)m->provider;
}

static bool network_ranks_before(const vw_refer_network *a, const vw_refer_network *b)
{
    if (a->covered != b->covered)
        return a->covered > b->covered;
    if (a->total_minutes != b->total_minutes)
        return a->total_minutes < b->total_minutes;
    return a->network < b->network;
}

/* Insert `c` into the ranked list `out` (size *n, capacity cap). */
static void rank_insert(vw_refer_network *out, int *n, int cap, const vw_refer_network *c)
{
    int pos = *n;
    while (pos > 0 && network_ranks_before(c, &out[pos - 1]))
        pos--;
    if (pos >= cap)
        return;
    int last = *n < cap ? *n : cap - 1;
    memmove(&out[pos + 1], &out[pos], (size_t)(last - pos) * sizeof *out);
    out[pos] = *c;
    if (*n < cap)
        (*n)++;
}

static void plan_networks(const vw_snapshot *s, const vw_travel_model *tm,
                          const vw_refer_query *q, vw_refer_result *r)
{
    const uint32_t *members = vw_snapshot_members(s);
    int64_t tags[VW_REFER_MAX_NEEDS][VW_PROBLEM_MAX_OPTIONS];
    uint32_t need_disc = 0; /* disciplines any need can use: cheap pre-filter */
    vw_tt_origin o;

    r->n_networks = 0;
    if (vw_tt_origin_init(&o, s, tm, q->mode, q->lat, q->lon, q->origin_pc4, NULL) != 0)
        return;

    for (int j = 0; j < r->n_needs; j++)
        for (int k = 0; k < r->needs[j].n_options; k++) {
            tags[j][k] = option_tags(s, &r->needs[j].options[k]);
            need_disc |= 1u << r->needs[j].options[k].discipline;
        }

    for (uint32_t ni = 0; ni < vw_snapshot_network_count(s); ni++) {
        const vw_network *net = vw_snapshot_network(s, ni);
        if (!vw_network_certified_on(net, q->as_of) ||
            (q->in_region > 0 && net->region != q->in_region - 1) ||
            (q->network_kind && !vw_network_kind_is(net, q->network_kind)))
            continue;
        vw_refer_network c;
        memset(&c, 0, sizeof c); /* members unset are provider -1, below */
        c.network = ni;
        for (int j = 0; j < r->n_needs; j++)
            c.member[j].provider = -1;
        for (uint32_t m = 0; m < net->member_count; m++) {
            uint32_t pi = members[net->member_first + m];
            const vw_provider *p = vw_snapshot_provider(s, pi);
            if (!(need_disc & (1u << p->discipline)) || (q->accepting_only && !p->accepting))
                continue;
            double km = -1, minutes = 0;
            uint8_t src = VW_TS_MODEL;
            for (int j = 0; j < r->n_needs; j++) {
                const vw_refer_need *need = &r->needs[j];
                for (int k = 0; k < need->n_options; k++) {
                    if (!meets_option(s, pi, p, &need->options[k], tags[j][k], q->as_of))
                        continue;
                    if (km < 0) {
                        km = vw_geo_km(q->lat, q->lon, p->lat, p->lon);
                        minutes = vw_tt_minutes(&o, pi, km, &src);
                    }
                    if (minutes <= q->within_min &&
                        better_member(&c.member[j], k, minutes, km, pi)) {
                        c.member[j].provider = pi;
                        c.member[j].option = k;
                        c.member[j].km = km;
                        c.member[j].minutes = minutes;
                        c.member[j].source = src;
                    }
                    break; /* the best-ranked option this provider meets */
                }
            }
        }
        for (int j = 0; j < r->n_needs; j++)
            if (c.member[j].provider >= 0) {
                c.covered++;
                c.total_minutes += c.member[j].minutes;
            }
        if (c.covered > 0)
            rank_insert(r->networks, &r->n_networks, (int)q->max_networks, &c);
    }
}

int vw_refer(const vw_snapshot *s, const vw_travel_model *tm, const vw_problems *table,
             const vw_refer_config *cfg, const vw_refer_query *q, vw_refer_result *out,
             vw_err *err)
{
    bool emotional = false;
    vw_tt_origin o;

    if (vw_tt_origin_init(&o, s, tm, q->mode, q->lat, q->lon, q->origin_pc4, err) != 0)
        return -1;
    if (q->n_problems < 1 || q->n_problems > VW_REFER_MAX_PROBLEMS)
        return vw_err_set(err, VW_E_BAD_REQUEST, "between 1 and %d problems are needed",
                          VW_REFER_MAX_PROBLEMS);
    if (q->per_need < 1 || q->per_need > VW_REFER_MAX_PER_NEED || q->max_networks < 1 ||
        q->max_networks > VW_REFER_MAX_NETWORKS)
        return vw_err_set(err, VW_E_BAD_REQUEST, "limit out of range");

    out->step = (q->score >= 0 && q->score < cfg->self_care_below) ? VW_STEP_SELF_CARE
                                                                   : VW_STEP_PROFESSIONAL;
    out->psychosocial_added = false;
    out->n_needs = 0;
    for (int i = 0; i < q->n_problems; i++) {
        const vw_problem *pr = vw_problems_get(table, q->problems[i]);
        if (pr == NULL)
            return vw_err_set(err, VW_E_BAD_REQUEST, "problem index out of range");
        vw_refer_need *n = &out->needs[out->n_needs++];
        n->problem = q->problems[i];
        n->options = pr->options;
        n->n_options = pr->n_options;
        if (pr->category == VW_CAT_EMOTIONEEL)
            emotional = true;
    }
    if (emotional && q->score >= cfg->psychosocial_from) {
        /* Added unless a need already leads with a psychosocial professional. */
        bool have = false;
        for (int j = 0; j < out->n_needs; j++) {
            int d = out->needs[j].options[0].discipline;
            if (d == VW_D_PSYCHOLOOG || d == VW_D_POC)
                have = true;
        }
        if (!have) {
            vw_refer_need *n = &out->needs[out->n_needs++];
            n->problem = -1;
            n->options = vw_refer_psychosocial_options;
            n->n_options = 2;
            out->psychosocial_added = true;
        }
    }
    for (int j = 0; j < out->n_needs; j++)
        list_need(s, tm, q, out->step == VW_STEP_SELF_CARE, &out->needs[j]);
    plan_networks(s, tm, q, out);
    return 0;
}

/* ---- networks near a location ------------------------------------------- */

int vw_core_slot(int discipline)
{
    if (discipline == VW_D_FYSIOTHERAPEUT)
        return 0;
    if (VW_D_PSYCHOSOCIAL_MASK & (1u << discipline))
        return 1;
    if (discipline == VW_D_DIETIST)
        return 2;
    return -1;
}

static bool near_before(const vw_network_near *a, const vw_network_near *b)
{
    if (a->total_minutes != b->total_minutes)
        return a->total_minutes < b->total_minutes;
    return a->network < b->network;
}

uint32_t vw_networks_near(const vw_snapshot *s, const vw_travel_model *tm, double lat,
                          double lon, int origin_pc4, double within_min, vw_mode mode, int32_t as_of,
                          vw_network_near *out, uint32_t cap)
{
    const uint32_t *members = vw_snapshot_members(s);
    uint32_t n = 0;
    vw_tt_origin o;

    if (vw_tt_origin_init(&o, s, tm, mode, lat, lon, origin_pc4, NULL) != 0)
        return 0;
    for (uint32_t ni = 0; ni < vw_snapshot_network_count(s) && cap > 0; ni++) {
        const vw_network *net = vw_snapshot_network(s, ni);
        if (!vw_network_certified_on(net, as_of))
            continue;
        vw_network_near c = {.network = ni};
        for (int k = 0; k < 3; k++)
            c.core[k].provider = -1;
        for (uint32_t m = 0; m < net->member_count; m++) {
            uint32_t pi = members[net->member_first + m];
            const vw_provider *p = vw_snapshot_provider(s, pi);
            if (!vw_member_current(s, pi, as_of))
                continue;
            double km = vw_geo_km(lat, lon, p->lat, p->lon);
            uint8_t src;
            double minutes = vw_tt_minutes(&o, pi, km, &src);
            if (!(minutes <= within_min))
                continue;
            c.disciplines |= 1u << p->discipline;
            int slot = vw_core_slot(p->discipline);
            if (slot >= 0 && better_member(&c.core[slot], 0, minutes, km, pi)) {
                c.core[slot].provider = pi;
                c.core[slot].option = 0;
                c.core[slot].km = km;
                c.core[slot].minutes = minutes;
                c.core[slot].source = src;
            }
        }
        if (c.core[0].provider < 0 || c.core[1].provider < 0 || c.core[2].provider < 0)
            continue;
        c.total_minutes = c.core[0].minutes + c.core[1].minutes + c.core[2].minutes;
        uint32_t pos = n;
        while (pos > 0 && near_before(&c, &out[pos - 1]))
            pos--;
        if (pos >= cap)
            continue;
        uint32_t last = n < cap ? n : cap - 1;
        memmove(&out[pos + 1], &out[pos], (size_t)(last - pos) * sizeof *out);
        out[pos] = c;
        if (n < cap)
            n++;
    }
    return n;
}
