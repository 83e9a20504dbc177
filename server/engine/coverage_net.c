/* coverage_net.c -- nearest fully-staffed certified network of a demand point
 * (coverage_net.h). Each eligible network keeps its current core members and
 * a bounding circle (centre, radius); for a point, networks are visited in
 * order of the lower bound max(0, d(p, centre) - radius) on their reach -- the
 * great-circle distance is a metric, so no member is nearer than that -- and
 * the walk stops once the minutes that distance implies at least
 * (vw_tt_minutes_lo) exceed the best reach found. */
#include "coverage_net.h"

#include <math.h>
#include <stdlib.h>

#include "netaudit.h"
#include "refer.h"
#include "traveltime.h"

/* Slack on the lower bound for rounding in vw_geo_km (a few ulps of 100 km). */
#define BOUND_SLACK_KM 1e-6

typedef struct core_member {
    double lat, lon;
    uint32_t provider;
    int slot;
} core_member;

typedef struct net_core {
    uint32_t network, first, count; /* members[first .. first+count) */
    double clat, clon, radius_km;
} net_core;

typedef struct net_bound {
    double lb_km;
    uint32_t k;  /* index into nets */
} net_bound;

struct vw_netcov {
    net_core *nets;
    uint32_t n;
    core_member *members;
    net_bound *order;  /* scratch for vw_netcov_nearest */
};

void vw_netcov_free(vw_netcov *nc)
{
    if (nc == NULL)
        return;
    free(nc->nets);
    free(nc->members);
    free(nc->order);
    free(nc);
}

uint32_t vw_netcov_networks(const vw_netcov *nc)
{
    return nc->n;
}

/* Appends network ni's current core members; false if a core need is missing. */
static bool collect(const vw_snapshot *s, uint32_t ni, int32_t as_of, core_member *out,
                    uint32_t *count)
{
    const vw_network *net = vw_snapshot_network(s, ni);
    const uint32_t *members = vw_snapshot_members(s);
    unsigned slots = 0;
    *count = 0;
    for (uint32_t m = 0; m < net->member_count; m++) {
        uint32_t pi = members[net->member_first + m];
        const vw_provider *p = vw_snapshot_provider(s, pi);
        int slot = vw_core_slot(p->discipline);
        if (slot < 0 || !vw_member_current(s, pi, as_of))
            continue;
        out[(*count)++] = (core_member){p->lat, p->lon, pi, slot};
        slots |= 1u << slot;
    }
    return slots == 7;
}

static void bound_circle(net_core *nc, const core_member *m)
{
    double lat = 0, lon = 0, r = 0;
    for (uint32_t k = 0; k < nc->count; k++) {
        lat += m[k].lat;
        lon += m[k].lon;
    }
    nc->clat = lat / nc->count;
    nc->clon = lon / nc->count;
    for (uint32_t k = 0; k < nc->count; k++) {
        double d = vw_geo_km(nc->clat, nc->clon, m[k].lat, m[k].lon);
        if (d > r)
            r = d;
    }
    nc->radius_km = r + BOUND_SLACK_KM;
}

vw_netcov *vw_netcov_new(const vw_snapshot *s, int32_t as_of)
{
    uint32_t nn = vw_snapshot_network_count(s), total = 0;
    for (uint32_t ni = 0; ni < nn; ni++)
        total += vw_snapshot_network(s, ni)->member_count;
    vw_netcov *nc = calloc(1, sizeof *nc);
    if (nc == NULL)
        return NULL;
    nc->nets = malloc((nn ? nn : 1) * sizeof *nc->nets);
    nc->members = malloc((total ? total : 1) * sizeof *nc->members);
    nc->order = malloc((nn ? nn : 1) * sizeof *nc->order);
    if (nc->nets == NULL || nc->members == NULL || nc->order == NULL) {
        vw_netcov_free(nc);
        return NULL;
    }
    uint32_t used = 0;
    for (uint32_t ni = 0; ni < nn; ni++) {
        uint32_t count;
        if (!vw_network_certified_on(vw_snapshot_network(s, ni), as_of) ||
            !collect(s, ni, as_of, nc->members + used, &count))
            continue;
        net_core *c = &nc->nets[nc->n++];
        *c = (net_core){.network = ni, .first = used, .count = count};
        bound_circle(c, nc->members + used);
        used += count;
    }
    return nc;
}

/* A travel time with its distance and source, compared (minutes, km). */
typedef struct reach {
    double minutes, km;
    uint8_t source;
} reach;

static bool reach_less(const reach *a, const reach *b)
{
    return a->minutes != b->minutes ? a->minutes < b->minutes : a->km < b->km;
}

/* reach(N, p): the farthest of the three nearest core members. */
static reach reach_of(const core_member *m, uint32_t count, const vw_tt_origin *o, double lat,
                      double lon)
{
    reach best[3];
    for (int k = 0; k < 3; k++)
        best[k] = (reach){INFINITY, INFINITY, VW_TS_MODEL};
    for (uint32_t k = 0; k < count; k++) {
        reach r;
        r.km = vw_geo_km(lat, lon, m[k].lat, m[k].lon);
        r.minutes = vw_tt_minutes(o, m[k].provider, r.km, &r.source);
        if (reach_less(&r, &best[m[k].slot]))
            best[m[k].slot] = r;
    }
    reach w = best[0];
    for (int k = 1; k < 3; k++)
        if (reach_less(&w, &best[k]))
            w = best[k];
    return w;
}

static int bound_cmp(const void *a, const void *b)
{
    const net_bound *x = a, *y = b;
    if (x->lb_km != y->lb_km)
        return x->lb_km < y->lb_km ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

int64_t vw_netcov_nearest(vw_netcov *nc, const vw_tt_origin *o, double lat, double lon,
                          double *km, double *minutes, uint8_t *source)
{
    net_bound *order = nc->order;
    for (uint32_t k = 0; k < nc->n; k++) {
        const net_core *c = &nc->nets[k];
        double d = vw_geo_km(lat, lon, c->clat, c->clon) - c->radius_km;
        order[k] = (net_bound){d > 0 ? d : 0, k};
    }
    qsort(order, nc->n, sizeof *order, bound_cmp);
    int64_t best = -1;
    reach br = {INFINITY, INFINITY, VW_TS_MODEL};
    for (uint32_t j = 0; j < nc->n && vw_tt_minutes_lo(o, order[j].lb_km) <= br.minutes; j++) {
        const net_core *c = &nc->nets[order[j].k];
        reach r = reach_of(nc->members + c->first, c->count, o, lat, lon);
        if (!(r.minutes < INFINITY))
            continue;
        if (reach_less(&r, &br) ||
            (!reach_less(&br, &r) && c->network < (uint64_t)best)) {
            br = r;
            best = c->network;
        }
    }
    *km = br.km;
    *minutes = br.minutes;
    *source = br.source;
    return best;
}

int64_t vw_netcov_nearest_brute(const vw_snapshot *s, const vw_tt_origin *o, int32_t as_of,
                                double lat, double lon, double *km, double *minutes)
{
    int64_t best = -1;
    reach br = {INFINITY, INFINITY, VW_TS_MODEL};
    for (uint32_t ni = 0; ni < vw_snapshot_network_count(s); ni++) {
        const vw_network *net = vw_snapshot_network(s, ni);
        if (!vw_network_certified_on(net, as_of))
            continue;
        reach near[3];
        for (int k = 0; k < 3; k++)
            near[k] = (reach){INFINITY, INFINITY, VW_TS_MODEL};
        for (uint32_t m = 0; m < net->member_count; m++) {
            uint32_t pi = vw_snapshot_members(s)[net->member_first + m];
            const vw_provider *p = vw_snapshot_provider(s, pi);
            int slot = vw_core_slot(p->discipline);
            if (slot < 0 || !vw_member_current(s, pi, as_of))
                continue;
            reach r;
            r.km = vw_geo_km(lat, lon, p->lat, p->lon);
            r.minutes = vw_tt_minutes(o, pi, r.km, &r.source);
            if (reach_less(&r, &near[slot]))
                near[slot] = r;
        }
        reach r = near[0];
        for (int k = 1; k < 3; k++)
            if (reach_less(&r, &near[k]))
                r = near[k];
        if (r.minutes < INFINITY && reach_less(&r, &br)) {
            br = r;
            best = ni;
        }
    }
    *km = br.km;
    *minutes = br.minutes;
    return best;
}
