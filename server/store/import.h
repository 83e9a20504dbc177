/* import.h -- internals of the CSV importers (not a public API).
 *
 * import.c is the driver: it opens the file, maps the header to the
 * kind's columns, runs everything in one transaction, reports problems,
 * writes the import log and decides commit or rollback. Each kind
 * (store_import_<kind>.c) supplies the columns and four hooks. */
#ifndef VW_STORE_IMPORT_H
#define VW_STORE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_priv.h"

#define IMP_MAX_COLS 32

typedef struct vw_imp vw_imp;

typedef struct imp_col {
    const char *name; /* "name" or "name|ALIAS": ALIAS is matched case-insensitively */
    bool required;
} imp_col;

typedef struct imp_kind {
    const imp_col *cols;
    int ncols;
    /* Inside the transaction, before the first row: delete the old set,
     * prepare statements, load lookups. 0 ok, -1 db error (err set). */
    int (*begin)(vw_imp *im);
    /* One data row; f[c] / len[c] indexed by the kind's column number ("" when
     * an optional column is absent), trimmed, writable in place.
     * 0 accepted, 1 rejected (imp_reject called, or imp_file_error: then the
     * row is counted as rejected but not reported twice), -1 db error. */
    int (*row)(vw_imp *im, char **f, size_t *len);
    /* After the last row, for file-level checks. 0 ok, 1 file rejected
     * (imp_file_error called), -1 db error. */
    int (*finish)(vw_imp *im);
    void (*end)(vw_imp *im); /* frees the kind's state; always called */
    /* What the import replaces, for the removed/added/changed counts and
     * the guard against a mass removal (import_diff.c): the table, an SQL
     * expression naming a row's key, the columns compared for "changed".
     * NULL table: not counted. */
    const char *table, *key, *compare;
} imp_kind;

/* A small set of expertise tag names (<= VW_MAX_TAGS), base tags first. */
typedef struct imp_tagset {
    int n;
    char names[64][33];
    bool warned[64];
} imp_tagset;

struct vw_imp {
    vw_store *st;
    sqlite3 *db;
    const imp_kind *k;
    const char *file;
    const vw_import_opts *o;
    vw_import_result *res;
    vw_err *err;
    long line;          /* line of the current row */
    int64_t import_id;
    bool file_rejected; /* a file-level error was reported */
    bool seeded;        /* apply: the tag set holds the database's tags */
    char now[24];       /* import: when it started (UTC), the changed rows' updated_at */
    char file_msg[432];
    char reason[400];   /* set by imp_reject */
    void *state;        /* the kind's, owned by its end() */
    /* Record-level apply (changes_apply.c), not a replacing import: begin()
     * deletes nothing, row() validates and inserts one record. */
    bool apply;
};

extern const imp_kind vw_imp_pc4, vw_imp_networks, vw_imp_providers, vw_imp_registrations,
    vw_imp_places, vw_imp_traveltimes, vw_imp_population;

/* Row-level rejection reason (the driver reports it); returns 1. */
int imp_reject(vw_imp *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning at `line` (0 = whole file); counted in res->warnings. */
void imp_warn(vw_imp *im, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A file-level error at `line` (0 = whole file): the import is rejected even
 * with skip_invalid. The first one becomes the returned message. Returns 1. */
int imp_file_error(vw_imp *im, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* err = "<what>: <sqlite message>"; returns -1. */
int imp_db_error(vw_imp *im, const char *what);

/* The referrer's optional provider columns, in this order (import_attrs.c):
 * hours, languages, wheelchair, direct_access, wait_weeks, wait_confirmed,
 * agb, big. */
#define IMP_ATTR_COLS 8
typedef struct imp_attrs {
    char hours[512 + 1];          /* canonical (vw_hours_format), "" = unknown */
    char languages[8 * 3];        /* ';'-joined codes, "" = unknown */
    int wheelchair, direct_access; /* -1 unknown (NULL), 0, 1 */
    int wait_weeks;               /* -1 unknown */
    const char *wait_confirmed, *agb, *big; /* into the row; "" = unknown */
} imp_attrs;
/* Validates the columns (f, len point at the hours column) for a provider
 * of discipline `disc`; 0, or 1 (rejected through imp_reject). */
int imp_attrs_parse(vw_imp *im, int disc, char *const *f, const size_t *len, imp_attrs *a);
/* Binds them to parameters first .. first + IMP_ATTR_COLS - 1. */
void imp_attrs_bind(sqlite3_stmt *q, int first, const imp_attrs *a);

/* sqlite3_prepare_v2 with the error reported through im; 0 / -1. */
int imp_prepare(vw_imp *im, sqlite3_stmt **s, const char *sql);
/* Steps an INSERT/DELETE to completion and resets it: SQLITE_DONE, or the
 * extended error code (the caller decides whether a constraint is a row error). */
int imp_step(sqlite3_stmt *s);
/* Binds text (NULL when len == 0 and `null_if_empty`). */
int imp_bind_text(sqlite3_stmt *s, int i, const char *v, size_t len, bool null_if_empty);

/* ---- field parsing (no side effects; 0 ok, -1 invalid) --------------------- */
int imp_parse_double(const char *s, size_t len, double *out); /* plain decimal */
int imp_parse_bool(const char *s, size_t len, bool *out);
/* lat and lon fields: plain decimal degrees inside the Netherlands' box.
 * 0 ok, or 1 after imp_reject (the reason names which one is wrong). */
int imp_parse_point(vw_imp *im, const char *lat_s, size_t lat_len, const char *lon_s,
                    size_t lon_len, double *lat, double *lon);
/* Next ';'-separated item of a list, trimmed, empty items skipped. Starts at
 * *pos, advances it; returns false at the end. Writes a NUL after the item. */
bool imp_list_next(char *s, size_t len, size_t *pos, char **item, size_t *ilen);

/* The replaced rows (import_diff.c): begin copies them before the kind's
 * begin(); finish counts removed/added/changed into im->res and refuses a
 * mass removal (imp_file_error); end drops the copy. 0 / -1 (db error). */
int imp_diff_begin(vw_imp *im);
int imp_diff_finish(vw_imp *im);
void imp_diff_end(vw_imp *im);

void imp_tagset_init(imp_tagset *t);
/* Adds the tags of one query's rows (';'-joined lists in its first column)
 * to t; a full set is not an error here (the tag being accounted for then
 * reports it). 0 / -1 (db error). */
int imp_tags_seed(vw_imp *im, imp_tagset *t, const char *sql);
/* Accounts for a provider's or registration's tag: its bit, or -1 when the
 * set is full. In apply mode the set is first filled with the tags already
 * in the database (once, when a non-base tag appears), so the limit holds
 * for the register as a whole. *data_new: a data tag not seen before. */
int imp_tag_account(vw_imp *im, imp_tagset *t, const char *tag, size_t len, bool *data_new);

/* The change log of a replacing import (changes_import.c): begin copies the
 * record tables the kind replaces (before the kind's begin()); finish logs
 * every record removed, added or changed under one change set and sets the
 * versions; end drops the copies. 0 / -1 (db error). */
int imp_changes_begin(vw_imp *im, vw_import_kind kind);
/* The INSERT of a record table's rows: "INSERT INTO table(cols) VALUES (?1,
 * .., ?ncols)"; the key columns come first. In an import the row also takes
 * the version and updated_at its key had before (from the copy
 * imp_changes_begin made; now for a new key), so unchanged rows keep them;
 * in apply mode the apply sets them. 0, or -1 (too long: internal). */
int imp_insert_sql(vw_imp *im, const char *table, const char *cols, int ncols, char *out,
                   size_t cap);
int imp_changes_finish(vw_imp *im, vw_import_kind kind);
void imp_changes_end(vw_imp *im, vw_import_kind kind);
/* Index of `tag` in the set, adding it when new; -1 when the set is full. */
int imp_tagset_add(imp_tagset *t, const char *tag, size_t len, bool *added);

#endif
