/* log.c -- reading the import log (`verwijs db log`): every import, committed
 * or rejected, newest first, with what it replaced. */
#include "store_priv.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : "";
}

int vw_store_import_log(vw_store *st, int limit, vw_import_log_fn fn, void *ctx, vw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;
    /* A database opened read-only keeps its schema: before v3 the log has
     * no counts of what an import replaced. */
    bool counted = vw_store_schema_version(st) >= 3;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id, kind, file, started_at, finished_at, status, message, rows_read, "
             "rows_ok, rows_rejected, warnings, %s FROM import_log ORDER BY id DESC LIMIT ?",
             counted ? "rows_before, rows_removed, rows_added, rows_changed"
                     : "NULL, NULL, NULL, NULL");
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return vw_store_db_error(st, err, "reading the import log");
    sqlite3_bind_int(s, 1, limit > 0 ? limit : -1);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        vw_import_log_entry e = {
            .id = sqlite3_column_int64(s, 0), .kind = text(s, 1), .file = text(s, 2),
            .started_at = text(s, 3), .finished_at = text(s, 4), .status = text(s, 5),
            .message = text(s, 6), .rows_read = (long)sqlite3_column_int64(s, 7),
            .rows_ok = (long)sqlite3_column_int64(s, 8),
            .rows_rejected = (long)sqlite3_column_int64(s, 9),
            .warnings = (long)sqlite3_column_int64(s, 10),
            .diffed = sqlite3_column_type(s, 11) != SQLITE_NULL,
            .rows_before = (long)sqlite3_column_int64(s, 11),
            .removed = (long)sqlite3_column_int64(s, 12),
            .added = (long)sqlite3_column_int64(s, 13),
            .changed = (long)sqlite3_column_int64(s, 14)};
        fn(ctx, &e);
    }
    if (step != SQLITE_DONE) {
        vw_store_db_error(st, err, "reading the import log");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}
