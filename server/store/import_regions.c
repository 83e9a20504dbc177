/* import_regions.c -- vw_store_import_regions: region polygons from
 * municipality boundaries + the mapping table (geodata/regions_build.c does
 * the GEOS work), written to regions.geom in one transaction with its
 * import_log row. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_priv.h"

typedef struct diag_ctx {
    const vw_import_opts *o;
    vw_import_result *res;
} diag_ctx;

static void on_diag(void *ctx, const char *where, long line, bool error, const char *reason)
{
    diag_ctx *d = ctx;
    if (error)
        d->res->rows_rejected++;
    else
        d->res->warnings++;
    if (d->o && d->o->on_diag)
        d->o->on_diag(d->o->ctx, where, line, error ? VW_DIAG_ERROR : VW_DIAG_WARNING, reason);
}

static int write_regions(vw_store *st, const vw_regions_built *b, const char *source,
                         const vw_import_result *res, vw_err *err)
{
    sqlite3_stmt *up = NULL, *log = NULL;
    int rc = -1;
    char now[24];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (sqlite3_prepare_v2(st->db, "UPDATE regions SET geom = ?, areas = ?, source = ? "
                                   "WHERE code = ?", -1, &up, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db, "INSERT INTO import_log(kind, file, started_at, finished_at, "
                                   "rows_read, rows_ok, rows_rejected, warnings, status) "
                                   "VALUES ('regions', ?, ?, ?, ?, ?, 0, ?, 'committed')",
                           -1, &log, NULL) != SQLITE_OK) {
        vw_store_db_error(st, err, "preparing the region update");
        goto out;
    }
    for (int r = 0; r < VW_REGION_COUNT; r++) {
        sqlite3_bind_blob(up, 1, b->wkb[r], (int)b->wkb_len[r], SQLITE_STATIC);
        sqlite3_bind_int(up, 2, b->areas[r]);
        sqlite3_bind_text(up, 3, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 4, vw_region_codes[r], -1, SQLITE_STATIC);
        if (sqlite3_step(up) != SQLITE_DONE || sqlite3_changes(st->db) != 1) {
            vw_store_db_error(st, err, "updating a region");
            goto out;
        }
        sqlite3_reset(up);
    }
    sqlite3_bind_text(log, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(log, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(log, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(log, 4, res->rows_read);
    sqlite3_bind_int64(log, 5, res->rows_ok);
    sqlite3_bind_int64(log, 6, res->warnings);
    if (sqlite3_step(log) != SQLITE_DONE) {
        vw_store_db_error(st, err, "writing the import log");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(up);
    sqlite3_finalize(log);
    return rc;
}

int vw_store_import_regions(vw_store *st, const char *boundaries_path, const char *mapping_path,
                            const vw_import_opts *opts, vw_import_result *res, vw_err *err)
{
    vw_import_result dummy;
    vw_regions_built b;
    int rc = -1;
    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if (st == NULL || st->readonly)
        return vw_err_set(err, VW_E_DB, "the database is open read-only");
    diag_ctx dc = {opts, res};
    if (vw_regions_build(boundaries_path, mapping_path, on_diag, &dc, &b, err) != 0)
        return -1;
    res->rows_read = b.municipalities;
    res->rows_ok = b.municipalities;
    char source[600];
    snprintf(source, sizeof source, "%.290s + %.290s", boundaries_path, mapping_path);
    if (vw_store_exec(st, "BEGIN IMMEDIATE", err) != 0)
        goto out;
    if (write_regions(st, &b, source, res, err) != 0 || vw_store_stamp(st, err) != 0 ||
        vw_store_exec(st, "COMMIT", err) != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    res->import_id = sqlite3_last_insert_rowid(st->db);
    rc = 0;
out:
    vw_regions_built_free(&b);
    return rc;
}
