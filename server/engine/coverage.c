/* coverage.c -- vw_coverage_run: covered / uncovered PC4 demand points for one
 * need, per region. Reads the snapshot only; one allocation (the points). */
#include "coverage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_net.h"
#include "traveltime.h"

void vw_coverage_free(vw_coverage *c)
{
    if (c == NULL)
        return;
    free(c->points);
    c->points = NULL;
    c->n = 0;
}

static uint32_t count_matching(const vw_snapshot *s, const vw_coverage_query *q)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < vw_snapshot_provider_count(s); i++) {
        const vw_provider *p = vw_snapshot_provider(s, i);
        if ((q->disciplines == 0 || (q->disciplines & (1u << p->discipline))) &&
            (!q->accepting_only || p->accepting) &&
            (q->tags == 0 || vw_provider_has_tags(s, i, q->tags, q->as_of)))
            n++;
    }
    return n;
}

static void provider_point(const vw_snapshot *s, const vw_travel_model *tm,
                           const vw_coverage_query *q, bool any, vw_coverage_point *pt,
                           double lat, double lon)
{
    vw_match_query mq = {.lat = lat, .lon = lon, .disciplines = q->disciplines, .tags = q->tags,
                         .within_min = -1, .mode = q->mode, .limit = 1,
                         .accepting_only = q->accepting_only, .as_of = q->as_of, .region = -1,
                         .origin_pc4 = pt->pc4};
    vw_match_hit hit;
    pt->nearest = -1;
    if (any && vw_match(s, tm, &mq, &hit) == 1) {
        pt->nearest = hit.provider;
        pt->km = hit.km;
        pt->minutes = hit.minutes;
        pt->source = hit.source;
        pt->covered = hit.minutes <= q->within_min;
    }
}

static void network_point(vw_netcov *nc, const vw_snapshot *s, const vw_travel_model *tm,
                          const vw_coverage_query *q, vw_coverage_point *pt, double lat,
                          double lon)
{
    vw_tt_origin o;
    pt->nearest = -1;
    if (vw_tt_origin_init(&o, s, tm, q->mode, lat, lon, pt->pc4, NULL) != 0)
        return;
    pt->nearest = vw_netcov_nearest(nc, &o, lat, lon, &pt->km, &pt->minutes, &pt->source);
    if (pt->nearest < 0)
        return;
    pt->covered = pt->minutes <= q->within_min;
}

int vw_coverage_run(const vw_snapshot *s, const vw_travel_model *tm, const vw_coverage_query *q,
                    vw_coverage *out, void (*progress)(void *ctx, uint32_t done, uint32_t total),
                    void *progress_ctx, vw_err *err)
{
    memset(out, 0, sizeof *out);
    if (!(q->within_min > 0) || q->region < -1 || q->region >= VW_REGION_COUNT)
        return vw_err_set(err, VW_E_BAD_REQUEST, "coverage needs within > 0 and a valid region");
    if (q->weight_65 && vw_snapshot_population_source(s) != VW_POP_CBS)
        return vw_err_set(err, VW_E_UNAVAILABLE, "weighing by age 65+ needs the CBS population "
                          "(verwijs import population)");
    if (q->region >= 0 && !vw_snapshot_has_regions(s))
        return vw_err_set(err, VW_E_UNAVAILABLE, "no region polygons loaded (verwijs import "
                          "regions)");
    vw_tt_origin probe; /* transit without a matrix: say so, not "nothing covered" */
    if (vw_tt_origin_init(&probe, s, tm, q->mode, 52.0, 5.0, 0, err) != 0)
        return -1;
    uint32_t total = vw_snapshot_pc4_count(s);
    out->points = malloc((total ? total : 1) * sizeof *out->points);
    if (out->points == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    bool any = true;
    vw_netcov *nc = NULL;
    if (q->networks && (nc = vw_netcov_new(s, q->as_of)) == NULL) {
        vw_coverage_free(out);
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    }
    if (!q->networks) {
        out->matching_providers = count_matching(s, q);
        any = out->matching_providers > 0; /* else every walk would scan the whole grid */
    }
    for (uint32_t k = 0; k < total; k++) {
        vw_pc4_info info;
        vw_snapshot_pc4_at(s, k, &info);
        if (progress && (k % 256) == 0)
            progress(progress_ctx, k, total);
        if (q->region >= 0 && info.region != q->region)
            continue;
        vw_coverage_point *pt = &out->points[out->n++];
        memset(pt, 0, sizeof *pt);
        pt->pc4 = info.pc4;
        pt->region = info.region;
        pt->population = q->weight_65 ? info.age_65_plus : info.population;
        if (q->networks)
            network_point(nc, s, tm, q, pt, info.lat, info.lon);
        else
            provider_point(s, tm, q, any, pt, info.lat, info.lon);
        vw_coverage_sum *sums[2] = {&out->total, info.region >= 0 ? &out->region[info.region] : NULL};
        for (int j = 0; j < 2; j++) {
            if (sums[j] == NULL)
                continue;
            sums[j]->pc4++;
            sums[j]->population += pt->population;
            if (pt->covered) {
                sums[j]->covered_pc4++;
                sums[j]->covered_population += pt->population;
            }
        }
    }
    vw_netcov_free(nc);
    if (progress)
        progress(progress_ctx, total, total);
    return 0;
}
