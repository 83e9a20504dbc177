/* match.h -- the query engine: filtered nearest-neighbour search.
 *
 * vw_match() answers "providers of these disciplines, holding these tags,
 * within T minutes of (lat, lon) by mode M, nearest first, at most `limit`".
 * It walks a per-discipline grid outward from the origin in rings, applies
 * every filter inside the walk, keeps the best `limit` in a bounded heap and
 * stops as soon as no unvisited cell can hold a closer match. The result is
 * exactly what vw_match_brute() (a scan of all providers) returns: distance is
 * vw_geo_km(), travel time that of traveltime.h (the mode's matrix, else
 * vw_geo_minutes()), order (minutes, km, provider index). No allocation on
 * the query path. A mode without a model or a matrix (transit) finds
 * nothing: callers check vw_snapshot_mode_ok() to say why. */
#ifndef VW_MATCH_H
#define VW_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "geodata/geo.h"
#include "snapshot.h"

#define VW_MATCH_MAX_LIMIT 100u

typedef struct vw_match_query {
    double lat, lon;
    uint32_t disciplines;      /* bitmask of VW_D_*; 0 = any discipline */
    uint64_t tags;             /* all required */
    double within_min;         /* < 0: no travel-time limit */
    vw_mode mode;
    uint32_t limit;            /* 1..VW_MATCH_MAX_LIMIT */
    bool accepting_only;
    int32_t as_of;             /* day for registration validity */
    int region;                /* -1: any */
    int origin_pc4;            /* the origin's PC4 for travel-time matrices (traveltime.h);
                                  0: the PC4 nearest (lat, lon) */
    bool model_only;           /* ignore matrices: the model, i.e. straight-line order
                                  (FHIR's distance search) */
    /* Filters on the side table (vw_provider_ext); zero = off. A provider
     * whose value is unknown does not pass a filter that is on. */
    vw_lang languages[VW_LANG_MAX]; uint32_t n_languages; /* speaks any of them */
    bool wheelchair;           /* known wheelchair accessible */
    bool direct_access;        /* known to accept patients without referral */
    bool open_filter;          /* open on open_day (0 = Monday) ... */
    int open_day, open_minute; /* ... at open_minute (0..1439), or -1: at some time */
    bool wait_filter;          /* wait known, at most max_wait_weeks, ... */
    unsigned max_wait_weeks;
    int32_t wait_valid_since;  /* ... and confirmed on or after this day */
} vw_match_query;

/* Does provider i pass the side-table filters of q? */
bool vw_match_ext_passes(const vw_snapshot *s, uint32_t i, const vw_match_query *q);

typedef struct vw_match_hit {
    uint32_t provider;
    uint8_t source;            /* VW_TS_* (traveltime.h): which gave `minutes` */
    double km;
    double minutes;
} vw_match_hit;

/* All providers by their practice location (online providers included: they
 * have one too). Returns the number of hits written to `hits` (capacity >=
 * q->limit). */
uint32_t vw_match(const vw_snapshot *s, const vw_travel_model *tm, const vw_match_query *q,
                  vw_match_hit *hits);

/* Online providers (online=1: national, no distance) matching the same
 * filters and not among skip[0..n_skip) (skip may be NULL when n_skip is 0:
 * the hits a vw_match() already listed), in id order, at most q->limit; km and
 * minutes are 0. */
uint32_t vw_match_online(const vw_snapshot *s, const vw_match_query *q, const vw_match_hit *skip,
                         uint32_t n_skip, vw_match_hit *hits);

/* Reference implementation: linear scan of every provider. For tests only. */
uint32_t vw_match_brute(const vw_snapshot *s, const vw_travel_model *tm,
                        const vw_match_query *q, vw_match_hit *hits);

#endif
