/* changes_import.c -- a replacing import in the change log: per record,
 * only what the import actually removes, adds or changes.
 *
 * Before the kind deletes its old set, the record tables it replaces are
 * copied into temporary tables of this connection (temp.chg_old_TABLE,
 * indexed by key); after its rows are in, the two are compared by key and
 * by every logged column (changes_int.h chg_tables): the new rows get their
 * version (old + 1 when changed, the old one when not, 1 + the last logged
 * one when new) and updated_at, and one change_log row per difference is
 * written under one change set ('import:KIND', with the import_log id).
 * Dependants are logged first on removal (memberships and registrations
 * before their provider), last on addition, so replaying the feed in order
 * never meets a dangling reference. Everything runs in the import's
 * transaction. */
#include <stdio.h>
#include <string.h>

#include "changes_int.h"
#include "import.h"

#define MAX_TABLES 3

/* The record tables an import kind replaces, dependants first. */
static int tables_of(vw_import_kind kind, const chg_table **t)
{
    switch (kind) {
    case VW_IMPORT_PROVIDERS: /* memberships are in the file; orphaned registrations go */
        t[0] = &chg_tables[VW_CHG_MEMBERSHIP];
        t[1] = &chg_tables[VW_CHG_REGISTRATION];
        t[2] = &chg_tables[VW_CHG_PROVIDER];
        return 3;
    case VW_IMPORT_NETWORKS: t[0] = &chg_tables[VW_CHG_NETWORK]; return 1;
    case VW_IMPORT_REGISTRATIONS: t[0] = &chg_tables[VW_CHG_REGISTRATION]; return 1;
    default: return 0;
    }
}

static int exec_buf(vw_imp *im, chg_buf *b, const char *what)
{
    if (b->oom)
        return vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
    char *msg = NULL;
    if (sqlite3_exec(im->db, b->p, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    vw_store_sqlite_error(im->db, im->err, what, msg);
    sqlite3_free(msg);
    return -1;
}

int imp_changes_begin(vw_imp *im, vw_import_kind kind)
{
    const chg_table *t[MAX_TABLES];
    int nt = tables_of(kind, t), rc = 0;
    chg_buf b = {0};
    for (int i = 0; i < nt && rc == 0; i++) {
        chg_buf_reset(&b);
        chg_buf_addf(&b, "DROP TABLE IF EXISTS temp.chg_old_%s; CREATE TEMP TABLE chg_old_%s AS "
                     "SELECT * FROM main.%s; CREATE INDEX temp.chg_old_%s_key ON chg_old_%s(",
                     t[i]->table, t[i]->table, t[i]->table, t[i]->table, t[i]->table);
        chg_col_list(t[i], NULL, true, &b);
        chg_buf_lit(&b, ")");
        rc = exec_buf(im, &b, "copying the replaced records");
    }
    chg_buf_free(&b);
    return rc;
}

void imp_changes_end(vw_imp *im, vw_import_kind kind)
{
    const chg_table *t[MAX_TABLES];
    int nt = tables_of(kind, t);
    char sql[128];
    for (int i = 0; i < nt; i++) {
        snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS temp.chg_old_%s", t[i]->table);
        sqlite3_exec(im->db, sql, NULL, NULL, NULL);
    }
}

int imp_insert_sql(vw_imp *im, const char *table, const char *cols, int ncols, char *out,
                   size_t cap)
{
    const chg_table *t = NULL;
    chg_buf b = {0}, km = {0};
    for (int k = 0; k < VW_CHG_KIND_COUNT; k++)
        if (strcmp(chg_tables[k].table, table) == 0)
            t = &chg_tables[k];
    bool logged = t != NULL && !im->apply;
    chg_buf_addf(&b, "INSERT INTO %s(%s%s) VALUES (", table, cols,
                 logged ? ", version, updated_at" : "");
    for (int i = 1; i <= ncols; i++)
        chg_buf_addf(&b, "%s?%d", i > 1 ? ", " : "", i);
    if (logged) {
        for (int c = 0; c < t->nkey; c++)
            chg_buf_addf(&km, "%s%s = ?%d", c ? " AND " : "", t->cols[c].db, c + 1);
        const char *k = km.oom ? "0" : km.p;
        chg_buf_addf(&b, ", coalesce((SELECT version FROM temp.chg_old_%s WHERE %s), 1)", table, k);
        chg_buf_addf(&b, ", CASE WHEN EXISTS (SELECT 1 FROM temp.chg_old_%s WHERE %s) THEN ", table,
                     k);
        chg_buf_addf(&b, "(SELECT updated_at FROM temp.chg_old_%s WHERE %s) ELSE '%s' END", table,
                     k, im->now);
    }
    chg_buf_lit(&b, ")");
    int rc = 0;
    if (b.oom || b.n >= cap)
        rc = vw_err_set(im->err, VW_E_INTERNAL, "an INSERT of %s too long", table);
    else
        memcpy(out, b.p, b.n + 1);
    chg_buf_free(&b);
    chg_buf_free(&km);
    return rc;
}

/* "(o.c1 IS NOT n.c1 OR ...)": the row changed. */
static void differs(const chg_table *t, chg_buf *b)
{
    chg_buf_lit(b, "(");
    for (int c = 0; c < t->ncols; c++)
        chg_buf_addf(b, "%so.%s IS NOT n.%s", c ? " OR " : "", t->cols[c].db, t->cols[c].db);
    chg_buf_lit(b, ")");
}

static void not_in_other(const chg_table *t, const char *other, const char *alias,
                         const char *self, chg_buf *b)
{
    chg_buf_addf(b, "NOT EXISTS (SELECT 1 FROM %s.%s%s AS %s WHERE ", other,
                 strcmp(other, "temp") == 0 ? "chg_old_" : "", t->table, alias);
    chg_key_match(t, alias, self, b);
    chg_buf_lit(b, ")");
}

/* The versions and updated_at of the new rows: they came in with their old
 * ones (imp_insert_sql); a changed row gets old + 1 and now, a key that was
 * deleted before and is back goes on from its last logged version. */
static int set_versions(vw_imp *im, const chg_table *t, const char *now)
{
    chg_buf b = {0};
    chg_buf_addf(&b, "UPDATE main.%s AS n SET version = o.version + 1, updated_at = '%s' "
                 "FROM temp.chg_old_%s AS o WHERE ", t->table, now, t->table);
    chg_key_match(t, "n", "o", &b);
    chg_buf_lit(&b, " AND ");
    differs(t, &b);
    chg_buf_addf(&b, "; UPDATE main.%s AS n SET version = 1 + (SELECT max(c.version) "
                 "FROM main.change_log AS c WHERE c.kind = '%s' AND c.record = ", t->table,
                 t->kind);
    chg_record_sql(t, "n", &b);
    chg_buf_lit(&b, ") WHERE ");
    not_in_other(t, "temp", "o", "n", &b);
    chg_buf_addf(&b, " AND EXISTS (SELECT 1 FROM main.change_log AS c WHERE c.kind = '%s' AND "
                 "c.record = ", t->kind);
    chg_record_sql(t, "n", &b);
    chg_buf_lit(&b, ")");
    int rc = exec_buf(im, &b, "setting the versions");
    chg_buf_free(&b);
    return rc;
}

/* Logs the rows of one comparison: op delete (old rows gone), update (both)
 * or create (new rows). */
static int log_rows(vw_imp *im, chg_writer *w, const chg_table *t, vw_chg_op op)
{
    chg_buf sql = {0}, rec = {0}, oldj = {0}, newj = {0};
    sqlite3_stmt *q = NULL;
    int rc = -1, step;
    if (op == VW_CHG_DELETE) {
        chg_buf_lit(&sql, "SELECT o.version, ");
        chg_col_list(t, "o.", false, &sql);
        chg_buf_addf(&sql, " FROM temp.chg_old_%s AS o WHERE ", t->table);
        not_in_other(t, "main", "n", "o", &sql);
    } else if (op == VW_CHG_UPDATE) {
        chg_buf_lit(&sql, "SELECT n.version, ");
        chg_col_list(t, "o.", false, &sql);
        chg_buf_lit(&sql, ", ");
        chg_col_list(t, "n.", false, &sql);
        chg_buf_addf(&sql, " FROM main.%s AS n JOIN temp.chg_old_%s AS o ON ", t->table, t->table);
        chg_key_match(t, "n", "o", &sql);
        chg_buf_lit(&sql, " WHERE ");
        differs(t, &sql);
    } else {
        chg_buf_lit(&sql, "SELECT n.version, ");
        chg_col_list(t, "n.", false, &sql);
        chg_buf_addf(&sql, " FROM main.%s AS n WHERE ", t->table);
        not_in_other(t, "temp", "o", "n", &sql);
    }
    chg_buf_lit(&sql, " ORDER BY ");
    chg_col_list(t, op == VW_CHG_DELETE ? "o." : "n.", true, &sql);
    if (sql.oom) {
        vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(im->db, sql.p, -1, &q, NULL) != SQLITE_OK) {
        imp_db_error(im, "comparing with the replaced records");
        goto out;
    }
    vw_chg_kind kind = (vw_chg_kind)(t - chg_tables);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        chg_buf_reset(&rec);
        chg_buf_reset(&oldj);
        chg_buf_reset(&newj);
        chg_record_row(t, q, 1, &rec);
        int64_t version = sqlite3_column_int64(q, 0) + (op == VW_CHG_DELETE);
        if (op != VW_CHG_CREATE)
            chg_json_row(t, q, 1, &oldj);
        if (op != VW_CHG_DELETE)
            chg_json_row(t, q, op == VW_CHG_UPDATE ? 1 + t->ncols : 1, &newj);
        if (rec.oom || oldj.oom || newj.oom) {
            vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
            goto out;
        }
        if (chg_log(w, kind, op, rec.p, version, NULL, op != VW_CHG_CREATE ? oldj.p : NULL,
                    op != VW_CHG_DELETE ? newj.p : NULL, im->err) != 0)
            goto out;
    }
    if (step != SQLITE_DONE) {
        imp_db_error(im, "comparing with the replaced records");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(q);
    chg_buf_free(&sql);
    chg_buf_free(&rec);
    chg_buf_free(&oldj);
    chg_buf_free(&newj);
    return rc;
}

int imp_changes_finish(vw_imp *im, vw_import_kind kind)
{
    const chg_table *t[MAX_TABLES];
    int nt = tables_of(kind, t);
    chg_writer w;
    char source[48];
    if (nt == 0)
        return 0;
    snprintf(source, sizeof source, "import:%s", vw_import_kind_name(kind));
    const char *cred = im->o->credential ? im->o->credential : "cli:import";
    if (chg_set_begin(&w, im->db, cred, source, im->import_id, im->err) != 0)
        goto fail;
    memcpy(w.at, im->now, sizeof w.at); /* the time the rows came in with */
    for (int i = 0; i < nt; i++)
        if (set_versions(im, t[i], w.at) != 0)
            goto fail;
    for (int i = 0; i < nt; i++)
        if (log_rows(im, &w, t[i], VW_CHG_DELETE) != 0)
            goto fail;
    for (int i = nt - 1; i >= 0; i--) {
        if (log_rows(im, &w, t[i], VW_CHG_UPDATE) != 0)
            goto fail;
        if (log_rows(im, &w, t[i], VW_CHG_CREATE) != 0)
            goto fail;
    }
    return chg_set_end(&w, im->err);
fail:
    chg_writer_free(&w);
    return -1;
}
