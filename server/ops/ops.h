/* ops.h -- the operations of PROTOCOL.md: decode one request body, run it
 * against a snapshot, append the response frame. No I/O, no SQLite: the
 * network layer calls vw_ops_handle() per complete frame, tests and fuzz
 * targets call it directly. */
#ifndef VW_OPS_H
#define VW_OPS_H

#include <msgpack.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "geodata/geo.h"
#include "proto/msg.h"
#include "proto/change.h"
#include "server/ops/authz.h"
#include "server/engine/problems.h"
#include "server/engine/refer.h"
#include "server/engine/snapshot.h"

/* Counters shared by all workers (relaxed atomics: one uncontended add per
 * counter per request; /metrics sums nothing, it reads them). */
#define VW_OPS_MAX 24
#define VW_OPS_MAX_ARGS 16   /* arguments of one op (op table rows) */
#define VW_OPS_NONE VW_OPS_MAX        /* counter slot: a request naming no valid op */
#define VW_OPS_FHIR (VW_OPS_MAX + 1)  /* counter slot: the FHIR routes of the gateway */
#define VW_OPS_SLOTS (VW_OPS_MAX + 2)
#define VW_OPS_PROTOS 2      /* protocol of a request: VW_PROTO_* */
#define VW_PROTO_MSGPACK 0
#define VW_PROTO_HTTP 1
#define VW_OPS_CODES VW_C_WIRE_COUNT /* index 0 = ok, then the wire codes (proto/vw_err.h) */
#define VW_OPS_LAT_BUCKETS 16 /* upper bounds: vw_ops_lat_bound(); the last is +Inf */
typedef struct vw_ops_stats {
    atomic_ullong requests, errors;
    atomic_ullong by_op[VW_OPS_MAX]; /* index: vw_ops_index() */
    atomic_ullong conn_current, conn_total, conn_rejected;
    /* [protocol][op or VW_OPS_NONE / VW_OPS_FHIR][code] */
    atomic_ullong by_code[VW_OPS_PROTOS][VW_OPS_SLOTS][VW_OPS_CODES];
    /* time to answer per slot (both protocols): bucket counts (not
     * cumulative) and the sum in nanoseconds */
    atomic_ullong lat_bucket[VW_OPS_SLOTS][VW_OPS_LAT_BUCKETS];
    atomic_ullong lat_sum_ns[VW_OPS_SLOTS];
} vw_ops_stats;

/* What vw_ops_handle did, for a caller that counts the request itself
 * (the HTTP gateway, whose answer may still fail after the op: too_large). */
typedef struct vw_ops_outcome {
    int op;          /* op index, -1: no valid op */
    vw_code code;    /* VW_C_OK or the error answered */
    int64_t t0_ns;   /* CLOCK_MONOTONIC at the start */
} vw_ops_outcome;

/* Facts about the running server that `stats` reports. */
typedef struct vw_ops_server_info {
    const char *version;
    int64_t started_at;   /* unix seconds */
    int workers;
    int64_t loaded_at;    /* unix seconds when the snapshot was loaded */
    double load_ms;
    const char *image;    /* the snapshot image at that load: "off", "used", "missing",
                             "stale", "refused", "unkeyed"; NULL: "off" (patches keep it) */
    uint64_t generation;  /* 1 for the first snapshot, +1 per reload */
    uint64_t reloads_failed;
    char last_reload_error[160]; /* "" when the last reload succeeded */
} vw_ops_server_info;

/* What an import through the admin path reports back (bounded). */
#define VW_ADMIN_MAX_ROW_ERRORS 20
typedef struct vw_ops_import_result {
    bool replace_all; /* in: the request's replace_all (lift the mass-removal guard) */
    char delimiter;   /* in: ',', ';' or '\t' */
    bool latin1;      /* in: the file is Windows-1252 */
    long rows_read, rows_ok, rows_rejected, warnings, rows_geocoded;
    bool diffed;      /* out: removed/added/changed are known */
    long rows_before, removed, added, changed;
    int n_errors;                                   /* <= VW_ADMIN_MAX_ROW_ERRORS */
    char errors[VW_ADMIN_MAX_ROW_ERRORS][200];      /* "FILE:LINE: reason" */
} vw_ops_import_result;

/* What an `apply` committed. */
typedef struct vw_ops_apply_result {
    long applied, logged;
    int64_t set_id, first_seq, last_seq;
} vw_ops_apply_result;

/* The snapshot serving after an admin reload or import. */
typedef struct vw_ops_snap_summary {
    uint64_t generation;
    int64_t loaded_at;
    double load_ms;
    uint32_t providers, networks, pc4;
} vw_ops_snap_summary;

/* The admin path (admin listeners only; NULL on query listeners, where the
 * admin ops answer `forbidden` and change nothing). The daemon supplies the
 * actions; vwops does no I/O itself. */
typedef struct vw_ops_admin {
    const char *token;  /* required as the envelope's "auth" (admin over TCP); NULL: not needed */
    size_t token_len;
    bool denied;        /* set by vw_ops_handle when the token was missing or wrong */
    /* Who this request acts as (authz.h): set by the daemon once the
     * connection or request is authenticated; borrowed for the request. */
    const vw_credential *cred;
    /* When set, replaces the token check: the credential the envelope's
     * "auth" (NULL, 0 when absent) names, or NULL (refused: answered
     * `forbidden`, `denied` set). The daemon verifies named credentials,
     * the legacy token and TLS client certificates here, and caches per
     * connection. The result goes to `cred`. */
    const vw_credential *(*authenticate)(void *auth_ud, const char *auth, size_t len);
    void *auth_ud;
    /* Set by vw_ops_handle when it answered `forbidden` (a refused
     * credential, op or change): the reason, for the daemon's WARN log
     * (no record data: roles, ops, region codes). */
    bool refused;
    char refusal[160];
    /* Builds a new snapshot and swaps it in; fills *after. 0 / -1 with err. */
    int (*reload)(void *ud, vw_ops_snap_summary *after, vw_err *err);
    /* Imports `path` (a server-side file) as `kind`, whole or nothing, then
     * reloads; `mapping` is the second file of kind "regions" (NULL when the
     * request names none). 0 / -1 with err (res still says what was rejected). */
    /* kind: an import kind name; for traveltimes "traveltimes:MODE". */
    int (*import)(void *ud, const char *kind, const char *path, const char *mapping,
                  vw_ops_import_result *res, vw_ops_snap_summary *after, vw_err *err);
    /* Record-level changes (issue 15, ops/changes.c): applies ch[0..n) as
     * `cred`, whole or nothing (every change authorised with
     * vw_authz_change_check first), then reloads; sets ch[i].new_version. */
    int (*apply)(void *ud, const vw_credential *cred, vw_change *ch, size_t n,
                 vw_ops_apply_result *res, vw_ops_snap_summary *after, vw_err *err);
    /* The change feed: rows with seq > since, at most limit (the store's
     * vw_store_changes); row returns nonzero to stop after that row. */
    int (*changes)(void *ud, int64_t since, uint32_t limit,
                   int (*row)(void *rud, const vw_change_row *r), void *rud, int64_t *next,
                   bool *more, vw_err *err);
    /* Every change of one record (vw_store_history). */
    int (*history)(void *ud, const char *kind, const char *record,
                   int (*row)(void *rud, const vw_change_row *r), void *rud, vw_err *err);
    void *ud;
} vw_ops_admin;

typedef struct vw_ops_ctx {
    const vw_snapshot *snap;          /* NULL: no snapshot -> unavailable */
    const vw_travel_model *tm;
    const vw_limits *lim;
    vw_ops_stats *stats;              /* may be NULL */
    const vw_ops_server_info *info;   /* may be NULL */
    msgpack_zone *zone;               /* scratch, cleared per request */
    /* The calling thread's cache of packed provider parts (packcache.h);
     * NULL: none. Owned by the thread, borrowed for the request. */
    struct vw_packcache *packcache;
    int32_t today;                    /* default as_of (days since epoch) */
    const vw_problems *problems;      /* problems table for refer; NULL: refer unavailable */
    const vw_refer_config *refer_cfg; /* NULL: defaults */
    int proto;                        /* VW_PROTO_*, for the counters */
    vw_ops_admin *admin;              /* NULL: a query listener (admin ops forbidden) */
    /* Progress of long ops (coverage: PC4 points done of total); may be NULL. */
    void (*progress)(void *progress_ctx, uint32_t done, uint32_t total);
    void *progress_ctx;
    /* NULL: vw_ops_handle counts the request in stats; else it fills this
     * and the caller counts it (vw_ops_count) once its answer is final. */
    vw_ops_outcome *outcome;
    /* `as_of` before today (issue 15, docs/MATCHED_CARE.md "as_of"): the
     * register as it was at the end of that day, rebuilt from the change log
     * (server/daemon/history.c). 0 with *out a new reference the ops release
     * (NULL: answer from `current`, the log does not reach back), -1 with
     * err. A NULL hook: every as_of is evaluated on today's data. */
    int (*historic)(void *ud, const vw_snapshot *current, int32_t as_of, vw_snapshot **out,
                    vw_err *err);
    void *historic_ud;
} vw_ops_ctx;

/* Handle one frame body; appends exactly one response frame to `out`.
 * Sets *log_line (may be NULL) to a short privacy-safe description of the
 * request (op, PC4 or rounded coordinates, result count/error code). */
void vw_ops_handle(const vw_ops_ctx *ctx, const uint8_t *body, size_t len,
                   msgpack_sbuffer *out, char *log_line, size_t log_cap);

/* Appends an error frame (framing errors found by the network layer). */
void vw_ops_error_frame(msgpack_sbuffer *out, uint64_t id, const char *code,
                        const char *message);

/* Counts one answered request -- the one counting function of every path
 * (msgpack, HTTP ops, FHIR): the totals, per op, per protocol and code, and
 * the time since t0_ns (CLOCK_MONOTONIC). `slot` is an op index,
 * VW_OPS_NONE or VW_OPS_FHIR; a NULL stats is ignored. */
void vw_ops_count(vw_ops_stats *st, int proto, int slot, vw_code code, int64_t t0_ns);
int64_t vw_ops_now_ns(void); /* CLOCK_MONOTONIC */

/* Is `op` one of the admin ops (reload, import)? */
bool vw_ops_is_admin(const char *op, size_t len);
/* Compares a token in time independent of where it differs. */
bool vw_ops_token_eq(const char *given, size_t given_len, const char *want, size_t want_len);

const char *vw_ops_name(int index);  /* NULL past the end; "none"/"fhir" are not ops */
int vw_ops_index(const char *op, size_t len); /* -1 unknown */
const char *vw_ops_slot_label(int slot);  /* op name, "none" or "fhir"; NULL: unused slot */
const char *vw_ops_code_name(int index); /* "ok", "bad_request", ...; NULL past the end */
double vw_ops_lat_bound(int bucket);      /* seconds; INFINITY for the last bucket */

#endif
