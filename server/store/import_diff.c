/* import_diff.c -- what a replacing import removes, adds and changes, and the
 * guard against a mass removal.
 *
 * Before the kind deletes its old set, the rows are copied into a temporary
 * table of this connection (temp.vw_import_old); after the new rows are in,
 * three counts compare the two by the kind's key (imp_kind.key, an SQL
 * expression) and, for rows present in both, by its compared columns
 * (EXCEPT over imp_kind.compare). All of it runs inside the import's
 * transaction, so a refused import leaves nothing behind. */
#include "import.h"

#include <stdio.h>

/* Runs a one-value SELECT; 0 with *out, or -1 (db error reported). */
static int count(vw_imp *im, const char *sql, long *out)
{
    sqlite3_stmt *s = NULL;
    if (imp_prepare(im, &s, sql) != 0)
        return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : imp_db_error(im, "counting the import's changes");
}

static int exec(vw_imp *im, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(im->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    sqlite3_free(msg);
    return imp_db_error(im, "comparing with the replaced rows");
}

int imp_diff_begin(vw_imp *im)
{
    char sql[512];
    if (im->k->table == NULL)
        return 0;
    snprintf(sql, sizeof sql,
             "DROP TABLE IF EXISTS temp.vw_import_old;"
             "CREATE TEMP TABLE vw_import_old AS SELECT * FROM main.%s", im->k->table);
    if (exec(im, sql) != 0)
        return -1;
    return count(im, "SELECT count(*) FROM temp.vw_import_old", &im->res->rows_before);
}

int imp_diff_finish(vw_imp *im)
{
    const imp_kind *k = im->k;
    vw_import_result *r = im->res;
    char sql[1024];
    if (k->table == NULL)
        return 0;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM temp.vw_import_old WHERE (%s) NOT IN "
             "(SELECT %s FROM main.%s)", k->key, k->key, k->table);
    if (count(im, sql, &r->removed) != 0)
        return -1;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM main.%s WHERE (%s) NOT IN "
             "(SELECT %s FROM temp.vw_import_old)", k->table, k->key, k->key);
    if (count(im, sql, &r->added) != 0)
        return -1;
    /* Rows whose key is in both sets but whose compared columns differ. */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT %s FROM main.%s WHERE (%s) IN "
             "(SELECT %s FROM temp.vw_import_old) EXCEPT SELECT %s FROM temp.vw_import_old)",
             k->compare, k->table, k->key, k->key, k->compare);
    if (count(im, sql, &r->changed) != 0 || exec(im, "DROP TABLE temp.vw_import_old") != 0)
        return -1;
    r->diffed = true;

    double share = im->o->max_removed_share > 0 ? im->o->max_removed_share
                                                : VW_IMPORT_MAX_REMOVED_DEFAULT;
    /* Removing a handful of rows from a small set is an edit, not a mass
     * replacement: the guard needs more than VW_IMPORT_MIN_GUARDED rows too. */
    if (!im->o->replace_all && r->removed > VW_IMPORT_MIN_GUARDED &&
        (double)r->removed > share * (double)r->rows_before)
        imp_file_error(im, 0, "this import would remove %ld of the %ld existing %s (%.0f%%, more "
                       "than %.0f%%) and add %ld: refused; if the file really is the complete "
                       "new list, import it again with --replace-all",
                       r->removed, r->rows_before, k->table,
                       100.0 * (double)r->removed / (double)r->rows_before, 100.0 * share,
                       r->added);
    return 0;
}

void imp_diff_end(vw_imp *im)
{
    if (im->k->table != NULL)
        sqlite3_exec(im->db, "DROP TABLE IF EXISTS temp.vw_import_old", NULL, NULL, NULL);
}
