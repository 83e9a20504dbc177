/* load_traveltimes.c -- the travel-time matrices of a snapshot: one packed
 * row per mode and origin PC4 (schema v4) handed to the builder as stored. */
#include <string.h>

#include "server/engine/traveltime.h"
#include "store_priv.h"

int vw_load_traveltimes(vw_store *st, vw_snapbuild *b, vw_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc = -1, step;
    if (sqlite3_prepare_v2(st->db, "SELECT mode, from_pc4, pairs FROM traveltimes "
                                   "ORDER BY mode, from_pc4", -1, &q, NULL) != SQLITE_OK) {
        vw_store_db_error(st, err, "preparing the travel-time load");
        goto out;
    }
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *ms = (const char *)sqlite3_column_text(q, 0);
        vw_mode mode;
        if (ms == NULL || vw_mode_parse(ms, strlen(ms), &mode) != 0) {
            vw_err_set(err, VW_E_DB, "traveltimes: unknown mode '%.16s'", ms ? ms : "");
            goto out;
        }
        const void *blob = sqlite3_column_blob(q, 2);
        size_t len = (size_t)sqlite3_column_bytes(q, 2);
        if (vw_snapbuild_add_traveltimes(b, mode, sqlite3_column_int(q, 1), blob, len, err) != 0)
            goto out;
    }
    if (step != SQLITE_DONE) {
        vw_store_db_error(st, err, "loading the travel times");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(q);
    return rc;
}
