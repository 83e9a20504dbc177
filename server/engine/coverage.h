/* coverage.h -- coverage of a need over the PC4 demand points.
 *
 * For every PC4 in scope (one region, or the whole country) the engine finds
 * the nearest provider meeting the need -- discipline(s), all expertise
 * tags on `as_of`, accepting if asked -- with vw_match() (exact, wherever the
 * provider practises: people cross region borders). A PC4 is covered when
 * that provider is within `within_min` minutes by `mode`. Shares are of
 * population (PC4 weights, snapshot_geo.c) and of PC4 areas.
 *
 * Network view (q->networks): a PC4 is covered when a certified network
 * (valid on as_of) has a current fysiotherapeut, psychosocial and dietist
 * member each within reach (as vw_networks_near); its nearest network is the
 * one whose farthest needed core member is nearest (coverage_net.h). */
#ifndef VW_COVERAGE_H
#define VW_COVERAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "geodata/regions.h"
#include "match.h"
#include "snapshot.h"

typedef struct vw_coverage_query {
    int region;           /* -1: the whole country */
    bool networks;        /* network view instead of a provider need */
    uint32_t disciplines; /* provider view: bitmask, 0 = any */
    uint64_t tags;
    bool accepting_only;
    double within_min;    /* > 0 */
    vw_mode mode;
    int32_t as_of;
    bool weight_65;       /* weigh PC4s by people aged 65+ (CBS) instead of everyone */
} vw_coverage_query;

typedef struct vw_coverage_point {
    int pc4;
    int region;
    uint32_t population;  /* the PC4's weight: people, or people aged 65+ (weight_65) */
    bool covered;
    int64_t nearest;      /* provider (or network) index; -1: none anywhere */
    uint8_t source;       /* VW_TS_* (traveltime.h): which gave `minutes` */
    double km, minutes;   /* to it; network view: to the farthest of its three nearest core members */
} vw_coverage_point;

typedef struct vw_coverage_sum {
    uint64_t population, covered_population;
    uint32_t pc4, covered_pc4;
} vw_coverage_sum;

typedef struct vw_coverage {
    uint32_t n;                 /* points in scope, ascending PC4 */
    vw_coverage_point *points;  /* owned */
    vw_coverage_sum region[VW_REGION_COUNT];
    vw_coverage_sum total;      /* the scope (includes PC4s outside every region) */
    uint32_t matching_providers; /* provider view: providers meeting the need (anywhere) */
} vw_coverage;

/* 0, or -1 (bad_request for an invalid query, internal on OOM). Free with
 * vw_coverage_free. Progress (points done, total) is reported when given. */
int vw_coverage_run(const vw_snapshot *s, const vw_travel_model *tm, const vw_coverage_query *q,
                    vw_coverage *out, void (*progress)(void *ctx, uint32_t done, uint32_t total),
                    void *progress_ctx, vw_err *err);
void vw_coverage_free(vw_coverage *c);

#endif
