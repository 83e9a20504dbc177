/* changes.h -- the living register (issue 15): record-level changes applied
 * atomically, the append-only change log, record history and the change
 * feed.
 *
 * Every write to providers, networks, memberships and registrations -- an
 * apply here, or a bulk import (import.c) -- lands in change_log: one row
 * per record created, updated or deleted, with the record's old and new
 * values as JSON (docs/SCHEMA.md "Change log"), under one change_sets row
 * per apply or import. change_log is never rewritten: triggers abort UPDATE
 * and DELETE on it.
 *
 * Ownership: strings handed to a callback live until it returns. */
#ifndef VW_STORE_CHANGES_H
#define VW_STORE_CHANGES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/change.h"
#include "proto/vw_err.h"
#include "store.h"

/* ---- the change feed and history ---------------------------------------------- */

/* vw_change_row (one change_log row) is defined in proto/change.h, so the
 * ops can pack it without seeing the store. */

#define VW_CHANGES_PAGE_MAX 10000 /* rows of one `changes` page */

/* Rows with seq > since, ascending, at most limit; *next = seq of the last
 * row given (== since when none); *more = rows remain. cb returns nonzero
 * to stop. */
int vw_store_changes(vw_store *st, int64_t since, uint32_t limit,
                     int (*cb)(void *ud, const vw_change_row *r), void *ud, int64_t *next,
                     bool *more, vw_err *err);
/* Every change of one record, ascending. kind: "provider"|"network"|
 * "membership"|"registration"; record: as in change_log.record. A network's
 * history includes the changes of its memberships (kind "membership"). */
int vw_store_history(vw_store *st, const char *kind, const char *record,
                     int (*cb)(void *ud, const vw_change_row *r), void *ud, vw_err *err);
int vw_store_last_seq(vw_store *st, int64_t *seq, vw_err *err);

/* ---- the register as it was (asof.c, docs/ENGINE.md "Historic snapshots") ------ */

/* The earliest change_log instant ("YYYY-MM-DDTHH:MM:SSZ") into out: 0; 1 when
 * the log is empty (out ""); -1 with err. */
int vw_store_history_from(vw_store *st, char *out, size_t cap, vw_err *err);
/* A snapshot of the register as it was at the instant `after` (same format):
 * a temporary copy of the database with every change_log row whose at > after
 * undone, newest first (the row's `old` restores the record; a create undone
 * deletes it), then loaded as vw_store_load does. *undone = rows undone.
 * Caller owns the snapshot; NULL with err. */
vw_snapshot *vw_store_load_asof(vw_store *st, const char *after, long *undone, vw_err *err);

/* ---- applying changes ----------------------------------------------------------- */

/* What the authorisation of one change needs (server/ops/authz.h): the
 * daemon turns locations into regions with its snapshot. Location: a
 * provider's own, a registration's provider's; pc4 0 = no postcode. */
typedef struct vw_change_facts {
    size_t index;
    vw_chg_kind kind;
    vw_chg_op op;
    bool has_before, has_after;        /* the record existed before / exists after */
    double lat_before, lon_before, lat_after, lon_after;
    int pc4_before, pc4_after;
    const char *provider_id;           /* provider, membership, registration */
    /* network: its region column; membership: its network's; NULL = none */
    const char *region_before, *region_after;
    bool sets_certification;           /* network status / certified_until */
    bool sets_other;                   /* any other field, or create / delete */
} vw_change_facts;
/* 0 allowed; -1 refused with a reason (the batch fails with `forbidden`).
 * The facts' strings are valid during the call only. */
typedef int (*vw_change_check_fn)(void *ud, const vw_change_facts *f, char *reason, size_t cap);

typedef struct vw_apply_opts {
    const char *credential;  /* into the change log; NULL: "cli" */
    const char *source;      /* change_sets.source; NULL: "apply" */
    vw_change_check_fn check; /* called for every change before it is written; NULL: allow */
    void *check_ud;
} vw_apply_opts;

typedef struct vw_apply_result {
    long applied;            /* changes applied (== n when committed) */
    long logged;             /* change_log rows written (cascades included) */
    int64_t set_id, first_seq, last_seq; /* 0 when nothing was logged */
    long failed_index;       /* index of the refused change, -1 none */
} vw_apply_result;

/* Applies ch[0..n) in ONE transaction: all of them or none. Each change is
 * validated by the same function an import row of its kind goes through
 * (import_providers.c, import_net.c); a stale base_version fails with
 * `conflict`, an unknown record `not_found`, a refused one `forbidden`,
 * bad values `invalid`; the message names the change index and its line.
 * Sets ch[i].new_version. Deleting a provider deletes its memberships and
 * registrations (each logged); deleting a network with members is refused. */
int vw_store_apply(vw_store *st, vw_change *ch, size_t n, const vw_apply_opts *o,
                   vw_apply_result *res, vw_err *err);

/* ---- change files (docs/SCHEMA.md "Change files") -------------------------------
 * Bounded (VW_CHG_MAX_BATCH changes, VW_CHANGES_FILE_MAX bytes); every
 * error names file:line. delimiter: 0 = ','; ';' or '\t' as for imports. */
#define VW_CHANGES_FILE_MAX (64LL << 20)
int vw_changes_parse_csv(FILE *f, const char *name, char delimiter, vw_changes *out,
                         vw_err *err);
int vw_changes_parse_jsonl(FILE *f, const char *name, vw_changes *out, vw_err *err);
/* By the name's ending: .jsonl / .json -> JSONL, else CSV. */
int vw_changes_parse_file(const char *path, char delimiter, vw_changes *out, vw_err *err);

/* A change feed row (as vw_store_changes gives it) as the change that
 * replays it: the record's new values (create/update) with its version and
 * time. 0 / -1 with err. */
int vw_change_from_row(const vw_change_row *r, vw_changes *out, vw_err *err);

#endif
