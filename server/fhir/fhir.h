/* fhir.h -- the directory as FHIR R4 resources, shaped after IHE mCSD as
 * profiled for the Dutch national addressing function (Generieke Functie
 * Adressering / nl-gf). See docs/FHIR.md for the mapping and its sources.
 *
 * Everything is read from one snapshot (the same model the match engine
 * serves), so an export and a search answer agree with `verwijs match`.
 *
 *   vw_fhir_bundle()        the whole directory as one Bundle (type collection)
 *   vw_fhir_write_bundle()  the same, streamed to a FILE one resource at a time
 *                           (national exports do not hold every resource in
 *                           memory at once)
 *   vw_fhir_read()          one resource by type and id
 *   vw_fhir_outcome()       an error as an OperationOutcome
 *   vw_fhir_capabilities()  the CapabilityStatement
 *   vw_fhir_search()        a searchset Bundle for the common searches:
 *                           PractitionerRole?specialty=..&location.near=..,
 *                           Location?near=.., Organization?type=.., _count
 *   vw_fhir_history()       a history Bundle from change log rows the caller
 *                           hands in (history.c)
 *
 * Resources and their ids (ids are the Verwijs ids, prefixed):
 *   Organization/net-ID        a care network (type, certification extension)
 *   Organization/org-PID       the practice of provider PID (partOf the network
 *                              when it belongs to exactly one)
 *   Practitioner/prac-PID      the professional(s) of the practice, with
 *                              expertise and registrations as qualification
 *   PractitionerRole/role-PID  practitioner at the practice (specialty coded)
 *   PractitionerRole/role-PID-net-NID  membership of network NID
 *   Location/loc-PID           address and position (lat/lon)
 *   HealthcareService/hs-PID   the care offered (discipline, expertise tags)
 */
#ifndef VW_FHIR_H
#define VW_FHIR_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "geodata/geo.h"
#include "proto/change.h"
#include "server/engine/snapshot.h"

typedef struct vw_fhir_opts {
    const char *base;        /* canonical base URL of our code systems, naming systems
                                and extensions (stable: consumers search by them), and of
                                fullUrl; NULL: VW_FHIR_DEFAULT_BASE */
    const char *server_base; /* fullUrl base instead (the server's own address, e.g.
                                http://HOST/fhir); NULL: `base` */
    int32_t as_of;           /* day for registration/certification validity */
    const char *timestamp;   /* Bundle.timestamp (FHIR instant); NULL: now (UTC) */
    const vw_travel_model *tm; /* for `near` (NULL: the default model) */
    int wait_valid_weeks;    /* max-wait-weeks: older waits are unknown; 0: 13 */
} vw_fhir_opts;

#define VW_FHIR_DEFAULT_BASE "https://verwijs.example.org/fhir"
#define VW_FHIR_MAX_COUNT 500u   /* _count upper bound (above it: bad_request) */
#define VW_FHIR_DEFAULT_COUNT 20u
#define VW_FHIR_MAX_PARAMS 64u   /* search parameters per request (more: too_large) */

/* The directory as one Bundle (type collection). NULL (err set) on OOM. */
json_object *vw_fhir_bundle(const vw_snapshot *s, const vw_fhir_opts *o, vw_err *err);

/* The same Bundle written to `f` as JSON, resource by resource. `progress`
 * (may be NULL) is called after each provider with (done, total). 0, or -1 on
 * a write error (code io) or OOM. */
int vw_fhir_write_bundle(const vw_snapshot *s, const vw_fhir_opts *o, FILE *f,
                         void (*progress)(void *ctx, uint32_t done, uint32_t total),
                         void *progress_ctx, vw_err *err);

/* One search parameter, as decoded from the query string. */
typedef struct vw_fhir_param {
    const char *name;
    const char *value;
} vw_fhir_param;

/* Searches `resource` (PractitionerRole, Location, Organization,
 * HealthcareService, Practitioner) and sets *out to a searchset Bundle.
 * Supported (docs/FHIR.md has the table of which resource takes which):
 *   PractitionerRole / HealthcareService / Location / Practitioner:
 *       specialty=[system|]code   (discipline: COD016, SNOMED or Verwijs code)
 *       expertise=tag             (held on as_of; repeat for all of several)
 *       location.near / near = lat|lon[|distance[|km|m]]   (nearest first,
 *                                 exact: the match engine, distance default 10 km)
 *   Organization: type=[system|]code (network kind, or "practice"), partof
 *   identifier, active, organization, name, address[-city|-postalcode|...],
 *   _include=PractitionerRole:practitioner|location|organization|*
 *   all: _count (1..VW_FHIR_MAX_COUNT, default 20), _getpagesoffset,
 *        _summary=count, _id
 * Matches in a stable order (by id; near: nearest first), one page of them
 * with Bundle.link self/next/previous and the exact Bundle.total (near: at
 * most the VW_MATCH_MAX_LIMIT nearest; total left out when that many).
 * Unknown resources: not_found; unknown or malformed parameters (and values
 * that are not UTF-8): bad_request; more than VW_FHIR_MAX_PARAMS: too_large. */
int vw_fhir_search(const vw_snapshot *s, const vw_fhir_opts *o, const char *resource,
                   const vw_fhir_param *params, size_t n, json_object **out, vw_err *err);

/* One resource by type and id (GET /fhir/Type/id): *out is the resource.
 * not_found when there is none; bad_request when the id is over 200 bytes or
 * not UTF-8. */
int vw_fhir_read(const vw_snapshot *s, const vw_fhir_opts *o, const char *resource,
                 const char *id, json_object **out, vw_err *err);

/* An OperationOutcome for an error: issue code and HTTP status from the
 * error table (proto/vw_err.c: bad_request -> "invalid" 400, not_found ->
 * "not-found" 404, unavailable -> "transient" 503, too_large -> "too-costly"
 * 413, internal and unknown codes -> "exception" 500). */
json_object *vw_fhir_outcome(const vw_err *err, int *http_status);

/* ---- _history (history.c; docs/FHIR.md "History") ---------------------------- */


#define VW_FHIR_HISTORY_DEFAULT_COUNT 100u
#define VW_FHIR_HISTORY_MAX_COUNT 1000u

typedef int (*vw_fhir_row_fn)(void *ud, const vw_change_row *r); /* nonzero: stop */
/* Where the change log comes from (the daemon reads the store; this library
 * never does). Row strings live until the callback returns. */
typedef struct vw_fhir_history_src {
    /* rows with seq > after, ascending, at most limit; *more = rows remain */
    int (*feed)(void *ud, int64_t after, uint32_t limit, vw_fhir_row_fn cb, void *cbud,
                bool *more, vw_err *err);
    /* every row of one record (kind "provider"|"network"|"membership"), ascending */
    int (*record)(void *ud, const char *kind, const char *record, vw_fhir_row_fn cb, void *cbud,
                  vw_err *err);
    void *ud;
} vw_fhir_history_src;

/* GET [base]/_history (type NULL), [base]/Type/_history (id NULL) or
 * [base]/Type/id/_history: a Bundle of type history, one entry per
 * resource a change touched, in change order (oldest first), at most
 * _count (1..VW_FHIR_HISTORY_MAX_COUNT, default 100) of them; _since=INSTANT
 * keeps changes at or after it; a `next` link carries _cursor=SEQ (the last
 * change seen) while changes remain. One request looks at no more than a
 * bounded number of change rows (a page may be short, `next` is still
 * there). bad_request on any other parameter or a bad value; not_found for
 * a type without history. */
int vw_fhir_history(const vw_fhir_opts *o, const vw_fhir_history_src *src, const char *type,
                    const char *id, const vw_fhir_param *params, size_t n, json_object **out,
                    vw_err *err);

/* The CapabilityStatement (GET /fhir/metadata). */
json_object *vw_fhir_capabilities(const vw_fhir_opts *o);

#endif
