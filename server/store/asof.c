/* asof.c -- the register as it was (issue 15, `as_of` from the change log):
 * a copy of the committed database with every change_log row after an
 * instant undone, newest first, then loaded like any database.
 *
 * Undoing a row: the record (change_log.record, the key) is deleted from its
 * table, and when the row has an `old` value (an update or a delete) the old
 * record is inserted again from that JSON (columns as changes_log.c's
 * chg_tables name them). A create undone leaves the record deleted.
 *
 * Cost: one online backup of the database (pages copied, no SQL) plus one
 * DELETE/INSERT per undone row plus a full load; the copy is a temporary
 * file removed before return. Ownership: the caller owns the snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "changes_int.h"
#include "store_priv.h"

int vw_store_history_from(vw_store *st, char *out, size_t cap, vw_err *err)
{
    sqlite3_stmt *q = NULL;
    if (cap)
        out[0] = '\0';
    if (sqlite3_prepare_v2(st->db, "SELECT min(at) FROM change_log", -1, &q, NULL) != SQLITE_OK)
        return vw_store_db_error(st, err, "history_from");
    int rc = 0;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
    else
        rc = 1;
    sqlite3_finalize(q);
    return rc;
}

/* DELETE of the record of `t` whose change_log.record is ?1. */
static void delete_sql(const chg_table *t, chg_buf *b)
{
    chg_buf_addf(b, "DELETE FROM %s WHERE ", t->table);
    for (int c = 0; c < t->nkey; c++) {
        if (t->nkey == 1)
            chg_buf_addf(b, "%s = ?1", t->cols[c].db);
        else
            chg_buf_addf(b, "%s%s = json_extract(?1, '$[%d]')", c ? " AND " : "", t->cols[c].db,
                         c);
    }
}

/* INSERT of the record of `t` from the JSON ?1 (a change_log.old). */
static void insert_sql(const chg_table *t, chg_buf *b)
{
    chg_buf_addf(b, "INSERT INTO %s(", t->table);
    chg_col_list(t, NULL, false, b);
    chg_buf_lit(b, ") VALUES (");
    for (int c = 0; c < t->ncols; c++)
        chg_buf_addf(b, "%sjson_extract(?1, '$.\"%s\"')", c ? ", " : "", t->cols[c].json);
    chg_buf_lit(b, ")");
}

/* Undoes, in the database `db`, every change_log row with at > `after`. */
static int undo_after(sqlite3 *db, const char *after, long *undone, vw_err *err)
{
    sqlite3_stmt *rows = NULL, *del[VW_CHG_KIND_COUNT] = {0}, *ins[VW_CHG_KIND_COUNT] = {0};
    int rc = -1;
    chg_buf b = {0};
    for (int k = 0; k < VW_CHG_KIND_COUNT; k++) {
        chg_buf_reset(&b);
        delete_sql(&chg_tables[k], &b);
        if (b.oom || sqlite3_prepare_v2(db, b.p, -1, &del[k], NULL) != SQLITE_OK)
            goto fail;
        chg_buf_reset(&b);
        insert_sql(&chg_tables[k], &b);
        if (b.oom || sqlite3_prepare_v2(db, b.p, -1, &ins[k], NULL) != SQLITE_OK)
            goto fail;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT kind, record, old FROM change_log WHERE at > ?1 "
                           "ORDER BY seq DESC",
                           -1, &rows, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(rows, 1, after, -1, SQLITE_TRANSIENT);
    int s;
    while ((s = sqlite3_step(rows)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(rows, 0);
        int k = 0;
        while (k < VW_CHG_KIND_COUNT && strcmp(chg_tables[k].kind, kind ? kind : "") != 0)
            k++;
        if (k == VW_CHG_KIND_COUNT) {
            vw_err_set(err, VW_E_DB, "change_log: unknown kind '%s'", kind ? kind : "");
            goto done;
        }
        sqlite3_bind_value(del[k], 1, sqlite3_column_value(rows, 1));
        if (sqlite3_step(del[k]) != SQLITE_DONE)
            goto fail;
        sqlite3_reset(del[k]);
        if (sqlite3_column_type(rows, 2) != SQLITE_NULL) {
            sqlite3_bind_value(ins[k], 1, sqlite3_column_value(rows, 2));
            if (sqlite3_step(ins[k]) != SQLITE_DONE)
                goto fail;
            sqlite3_reset(ins[k]);
        }
        (*undone)++;
    }
    if (s != SQLITE_DONE)
        goto fail;
    rc = 0;
    goto done;
fail:
    vw_store_sqlite_error(db, err, "as_of: undoing the change log", NULL);
done:
    sqlite3_finalize(rows);
    for (int k = 0; k < VW_CHG_KIND_COUNT; k++) {
        sqlite3_finalize(del[k]);
        sqlite3_finalize(ins[k]);
    }
    chg_buf_free(&b);
    return rc;
}

vw_snapshot *vw_store_load_asof(vw_store *st, const char *after, long *undone, vw_err *err)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir || strlen(dir) > 1000)
        dir = "/tmp";
    char buf[1100];
    snprintf(buf, sizeof buf, "%s/verwijs-asof-XXXXXX", dir);
    *undone = 0;
    int fd = mkstemp(buf);
    if (fd < 0) {
        vw_err_set(err, VW_E_IO, "as_of: cannot create a temporary file in %s", dir);
        return NULL;
    }
    close(fd);
    vw_snapshot *snap = NULL;
    sqlite3 *copy = NULL;
    if (sqlite3_open_v2(buf, &copy, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        vw_store_sqlite_error(copy, err, "as_of: temporary copy", NULL);
        goto out;
    }
    sqlite3_backup *bk = sqlite3_backup_init(copy, "main", st->db, "main");
    if (!bk || sqlite3_backup_step(bk, -1) != SQLITE_DONE) {
        sqlite3_backup_finish(bk);
        vw_store_sqlite_error(copy, err, "as_of: copying the database", NULL);
        goto out;
    }
    sqlite3_backup_finish(bk);
    if (sqlite3_exec(copy, "PRAGMA foreign_keys=OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        undo_after(copy, after, undone, err) != 0 || vw_store_stamp_db(copy, err) != 0 ||
        sqlite3_exec(copy, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        if (!err->code[0])
            vw_store_sqlite_error(copy, err, "as_of: undoing the change log", NULL);
        goto out;
    }
    sqlite3_close(copy);
    copy = NULL;
    snap = vw_store_load_path(buf, err);
out:
    sqlite3_close(copy);
    unlink(buf);
    return snap;
}
