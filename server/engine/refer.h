/* refer.h -- matched care: from a patient's problems to providers per need and
 * to one coordinated network near home; and which certified networks serve a
 * location.
 *
 * A need is one ticked problem (or the psychosocial need added for a high
 * distress score). A provider meets a need when it has the discipline of one
 * of the problem's options and holds that option's expertise on `as_of`.
 * Per need, the nearest providers of the first option that has any within
 * reach are listed exactly as vw_match() lists them. The plan ranks the
 * certified networks (certification valid on `as_of`) by how many needs they
 * cover with a member within the travel-time limit (all first), then by the
 * total minutes of the chosen members, then by network id; per need the
 * chosen member is the best-ranked option, then the fewest minutes, then the
 * nearest, then lowest id. Travel times are those of traveltime.h; a mode
 * the snapshot cannot serve (transit without a matrix) is bad_request.
 * Everything reads the snapshot; nothing allocates. */
#ifndef VW_REFER_H
#define VW_REFER_H

#include <stdbool.h>
#include <stdint.h>

#include "match.h"
#include "problems.h"
#include "snapshot.h"

#define VW_REFER_MAX_PROBLEMS 12
#define VW_REFER_MAX_NEEDS (VW_REFER_MAX_PROBLEMS + 1)
#define VW_REFER_MAX_PER_NEED 20
#define VW_REFER_MAX_NETWORKS 10

typedef struct vw_refer_config {
    int self_care_below;    /* score below this: self-management and online first (4) */
    int psychosocial_from;  /* score from this with an emotional problem: add psychosocial need (7) */
    int wait_valid_weeks;   /* a waiting time confirmed longer ago counts as unknown (13) */
} vw_refer_config;
void vw_refer_config_default(vw_refer_config *c);

typedef struct vw_refer_query {
    double lat, lon;
    int problems[VW_REFER_MAX_PROBLEMS]; /* indices into the problems table */
    int n_problems;
    int score;              /* 0..10, or -1 when not given (treated as professional care) */
    double within_min;      /* > 0 */
    vw_mode mode;
    uint32_t per_need;      /* providers listed per need, 1..VW_REFER_MAX_PER_NEED */
    uint32_t max_networks;  /* networks in the plan, 1..VW_REFER_MAX_NETWORKS */
    bool accepting_only;
    int32_t as_of;
    /* 0: any region; r + 1: only providers whose practice lies in IZA region
     * r, and only networks of region r (zero-initialised queries mean any). */
    int in_region;
    int origin_pc4;         /* as vw_match_query.origin_pc4 */
    const char *network_kind; /* plan only networks of this kind (vw_network_kind_is); NULL: any */
} vw_refer_query;

typedef struct vw_refer_need {
    int problem;            /* index into the problems table; -1: added psychosocial need */
    const vw_problem_option *options; /* the options considered, in preference order */
    int n_options;
    int listed_option;      /* option whose providers are listed (-1: none within reach) */
    uint32_t n_hits;        /* providers within reach of listed_option */
    vw_match_hit hits[VW_REFER_MAX_PER_NEED];
    uint32_t n_online;      /* online providers meeting the need (self-care step only) */
    vw_match_hit online[VW_REFER_MAX_PER_NEED];
} vw_refer_need;

typedef struct vw_refer_member {
    int64_t provider;       /* -1: this need is not covered by the network */
    int option;
    uint8_t source;         /* VW_TS_* (traveltime.h) */
    double km, minutes;
} vw_refer_member;

typedef struct vw_refer_network {
    uint32_t network;
    int covered;
    double total_minutes;   /* sum over covered needs */
    vw_refer_member member[VW_REFER_MAX_NEEDS];
} vw_refer_network;

typedef enum { VW_STEP_SELF_CARE, VW_STEP_PROFESSIONAL } vw_refer_step;

typedef struct vw_refer_result {
    vw_refer_step step;
    bool psychosocial_added;
    int n_needs;
    vw_refer_need needs[VW_REFER_MAX_NEEDS];
    int n_networks;
    vw_refer_network networks[VW_REFER_MAX_NETWORKS];
} vw_refer_result;

/* The psychosocial options added for a high score (psycholoog with
 * psycho-oncologie, then poc). */
extern const vw_problem_option vw_refer_psychosocial_options[2];

/* Returns 0, or -1 with bad_request for an invalid query (no problems, too
 * many, a problem index out of range). An option whose expertise tag no
 * provider in the snapshot has is not an error: it simply has no providers. */
int vw_refer(const vw_snapshot *s, const vw_travel_model *tm, const vw_problems *table,
             const vw_refer_config *cfg, const vw_refer_query *q, vw_refer_result *out,
             vw_err *err);

/* ---- networks near a location ------------------------------------------- */

typedef struct vw_network_near {
    uint32_t network;
    /* nearest member within reach per core need: fysiotherapeut, psychosocial, dietist */
    vw_refer_member core[3];
    double total_minutes;
    uint32_t disciplines;   /* bitmask of all member disciplines within reach */
} vw_network_near;

/* Certified networks (valid on as_of) with a current member (netaudit.h) of each core discipline
 * (fysiotherapeut, a psychosocial discipline, dietist) within `within_min`
 * of (lat, lon); ordered by total minutes of the three, then id. Returns the
 * number written (at most `cap`). */
uint32_t vw_networks_near(const vw_snapshot *s, const vw_travel_model *tm, double lat,
                          double lon, int origin_pc4, double within_min, vw_mode mode, int32_t as_of,
                          vw_network_near *out, uint32_t cap);

/* The core need a discipline fills in a network: 0 fysiotherapeut,
 * 1 psychosocial (psycholoog, poc, ...), 2 dietist; -1 none. */
int vw_core_slot(int discipline);

/* Is network n of `kind`? The NVPO kind also matches networks without one. */
bool vw_network_kind_is(const vw_network *n, const char *kind);

/* Is network i's certification valid on `as_of` (status certified and
 * certified_until empty or >= as_of)? */
bool vw_network_certified_on(const vw_network *n, int32_t as_of);

#endif
