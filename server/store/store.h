/* store.h -- the SQLite database, source of truth. This module owns every use
 * of SQLite in Verwijs: schema and migrations, CSV imports, the import log,
 * and loading a snapshot.
 *
 * The database runs in WAL mode so the daemon can load snapshots while an
 * import writes. An import runs in one transaction: it commits whole or
 * changes nothing. */
#ifndef VW_STORE_H
#define VW_STORE_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto/vw_err.h"
#include "server/engine/snapshot.h"

#define VW_SCHEMA_VERSION 7

typedef struct vw_store vw_store;

enum {
    VW_STORE_READONLY = 0,
    VW_STORE_READWRITE = 1,
    VW_STORE_CREATE = 2 | VW_STORE_READWRITE /* create the file and schema if missing */
};

/* Opens (and with READWRITE migrates to VW_SCHEMA_VERSION) the database.
 * A database newer than this build is refused (code "db"). */
int vw_store_open(const char *path, int flags, vw_store **out, vw_err *err);
void vw_store_close(vw_store *st); /* NULL ok */
int vw_store_schema_version(vw_store *st);

typedef enum {
    VW_IMPORT_PROVIDERS,
    VW_IMPORT_NETWORKS,
    VW_IMPORT_PC4,
    VW_IMPORT_REGISTRATIONS,
    VW_IMPORT_PLACES,
    VW_IMPORT_TRAVELTIMES, /* one mode's PC4 x PC4 matrix (opts->mode) */
    VW_IMPORT_POPULATION   /* the CBS population per PC4 */
} vw_import_kind;
int vw_import_kind_parse(const char *s, vw_import_kind *out);
const char *vw_import_kind_name(vw_import_kind k);

typedef enum { VW_DIAG_ERROR, VW_DIAG_WARNING } vw_diag_level;

/* Called once per problem found: file name, 1-based physical line (0 = whole
 * file), severity, reason. */
typedef void (*vw_diag_fn)(void *ctx, const char *file, long line, vw_diag_level level,
                           const char *reason);

typedef enum { VW_ENC_UTF8 = 0, VW_ENC_CP1252 } vw_import_encoding;

typedef struct vw_import_opts {
    vw_diag_fn on_diag;
    void *ctx;
    /* false (default): any rejected row aborts the import, nothing changes.
     * true: valid rows are committed, every rejected row is still reported
     * and recorded in the import log's rejected_rows table. */
    bool skip_invalid;
    /* Progress callback (rows read so far, bytes read, file size), may be NULL. */
    void (*on_progress)(void *ctx, long rows, long long bytes, long long total);
    /* The file is opened without blocking (O_NONBLOCK) and must not be a
     * directory. regular_only: it must be a regular file (no FIFO, device,
     * socket); max_bytes > 0: at most that size (the daemon's admin imports). */
    bool regular_only;
    long long max_bytes;
    /* When set, polled every few thousand rows: once true the import stops,
     * rolls back and fails with code "unavailable" (a daemon shutting down). */
    const atomic_bool *stop;
    /* A replacing import that would remove more than max_removed_share of
     * the existing rows (<= 0: VW_IMPORT_MAX_REMOVED_DEFAULT), and more than
     * VW_IMPORT_MIN_GUARDED rows, is refused
     * (code "invalid", nothing changes) unless replace_all: a 2-row file
     * must not silently replace 20,000 providers. */
    bool replace_all;
    double max_removed_share;
    /* The file's delimiter (0: ','; ';' for spreadsheets saved with Dutch
     * regional settings; '\t') and encoding: UTF-8 (default; a file that is
     * clearly Windows-1252 is refused with a message saying so) or
     * Windows-1252 ("latin1"), converted exactly to UTF-8 (iconv) and the
     * number of converted characters reported. */
    char delimiter;
    vw_import_encoding encoding;
    /* traveltimes: the mode the matrix is for ("car", "bike", "walk",
     * "transit"); required, so a matrix is never filed under a default. */
    const char *mode;
    /* Who imports, as the change log records it (changes.h); NULL:
     * "cli:import". */
    const char *credential;
} vw_import_opts;
#define VW_IMPORT_MAX_REMOVED_DEFAULT 0.10
#define VW_IMPORT_MIN_GUARDED 10 /* removing at most this many rows is never refused */

typedef struct vw_import_result {
    long rows_read;      /* data rows (header excluded) */
    long rows_ok;
    long rows_rejected;
    long warnings;
    long rows_geocoded;  /* providers placed at their PC4 centroid */
    /* Against the rows the import replaced (kinds with a key; see
     * import_log): rows before, and removed, added and changed by key. */
    bool diffed;
    long rows_before, removed, added, changed;
    long converted;      /* characters converted from Windows-1252 */
    int64_t import_id;   /* row in import_log; 0 when nothing was committed */
} vw_import_result;

/* Replaces the whole set of that kind with the file's rows (the file is the
 * complete list). Returns 0 when committed, -1 when nothing changed
 * (code "invalid" for rejected rows, "db" or "io" otherwise). */
int vw_store_import(vw_store *st, vw_import_kind kind, const char *path,
                    const vw_import_opts *opts, vw_import_result *res, vw_err *err);

/* Region polygons: reads the municipality boundaries (GeoJSON) and the
 * mapping table (geodata/iza_regions.csv format), unions them per region
 * with GEOS and stores one polygon per region, replacing the old ones.
 * Problems are reported through opts->on_diag (line 0 for GeoJSON
 * features). Commits whole or changes nothing (skip_invalid is ignored: a
 * municipality without a region would leave a hole in the map). */
int vw_store_import_regions(vw_store *st, const char *boundaries_path, const char *mapping_path,
                            const vw_import_opts *opts, vw_import_result *res, vw_err *err);

/* Opens `path` for an import as opts asks (see vw_import_opts: no blocking
 * open, no directory; regular_only, max_bytes). *size = its size (-1 when not
 * a regular file). VW_E_IO with a message naming the file on failure. */
FILE *vw_import_open(const char *path, const vw_import_opts *opts, long long *size, vw_err *err);

/* Builds a snapshot from the current committed state (one read transaction,
 * so it is consistent). */
vw_snapshot *vw_store_load(vw_store *st, vw_err *err);
/* Changes without a reload (docs/ENGINE.md): the providers the change log
 * names after vw_snapshot_seq(old), read in one read transaction and
 * patched into a new snapshot (vw_snapshot_patch). 1: *out is the new
 * snapshot; 0: nothing changed (*out NULL); -1 with err: code
 * "unavailable" when only a full load can (no change log, a network or
 * more than VW_STORE_PATCH_MAX records changed, travel-time matrices),
 * else the failure (a bad row: the same checks as a full load). */
#define VW_STORE_PATCH_MAX 10000
int vw_store_load_changes(vw_store *st, vw_snapshot *old, vw_snapshot **out, vw_err *err);
/* Publishes the committed state of the database `db` for replicas
 * (publish.c): dir/snapshot-SEQ-TIME.db written with VACUUM INTO, fsync'd,
 * made read-only, then dir/current.db (a symlink) switched to it with one
 * rename; only the newest `keep` snapshot files are kept. *out: the new
 * file's name. 0, or -1 with err (nothing switched). */
int vw_store_publish(const char *db, const char *dir, int keep, char *out, size_t cap,
                     vw_err *err);
/* Opens `path` read-only, loads it and closes it: the whole of what the
 * daemon, the CLI's local commands, the benchmarks and the tests need. */
vw_snapshot *vw_store_load_path(const char *path, vw_err *err);

/* One import of the import log (`verwijs db log`). Strings live until the
 * callback returns. diffed: the removed/added/changed counts are known. */
typedef struct vw_import_log_entry {
    int64_t id;
    const char *kind, *file, *started_at, *finished_at, *status, *message;
    long rows_read, rows_ok, rows_rejected, warnings;
    bool diffed;
    long rows_before, removed, added, changed;
} vw_import_log_entry;
typedef void (*vw_import_log_fn)(void *ctx, const vw_import_log_entry *e);
/* Calls fn for the newest `limit` imports (<= 0: all), newest first. */
int vw_store_import_log(vw_store *st, int limit, vw_import_log_fn fn, void *ctx, vw_err *err);

/* Counts of the main tables (for `verwijs db info`, stats). */
typedef struct vw_store_counts {
    long providers, networks, memberships, registrations, pc4, imports, places;
    long regions_with_geometry;
    long population; /* PC4 rows of the CBS population table */
} vw_store_counts;
int vw_store_counts_get(vw_store *st, vw_store_counts *out, vw_err *err);

#endif
