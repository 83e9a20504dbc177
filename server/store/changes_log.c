/* changes_log.c -- the change log: the record tables as the log sees them,
 * rendering rows as JSON, writing a change set, and reading the feed and a
 * record's history (vw_store_changes, vw_store_history, vw_store_last_seq). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "changes_int.h"
#include "proto/clock.h"

static const chg_col prov_cols[] = {
    {"id", "id", 't'}, {"name", "name", 't'}, {"discipline", "discipline", 't'},
    {"expertise", "expertise", 't'}, {"lat", "lat", 'r'}, {"lon", "lon", 'r'},
    {"address", "address", 't'}, {"postcode", "postcode", 't'}, {"city", "city", 't'},
    {"phone", "phone", 't'}, {"email", "email", 't'}, {"website", "website", 't'},
    {"accepting", "accepting", 'b'}, {"online", "online", 'b'}, {"geocoded", "geocoded", 'b'},
    {"hours", "hours", 't'}, {"languages", "languages", 't'}, {"wheelchair", "wheelchair", 'b'},
    {"direct_access", "direct_access", 'b'}, {"wait_weeks", "wait_weeks", 'i'},
    {"wait_confirmed", "wait_confirmed", 't'}, {"agb", "agb", 't'}, {"big", "big", 't'}};
static const chg_col net_cols[] = {{"id", "id", 't'},        {"name", "name", 't'},
                                   {"kind", "kind", 't'},    {"status", "status", 't'},
                                   {"certified_until", "certified_until", 't'},
                                   {"region", "region", 't'}};
static const chg_col mem_cols[] = {{"provider_id", "provider_id", 't'},
                                   {"network_id", "network_id", 't'}};
static const chg_col reg_cols[] = {{"provider_id", "provider_id", 't'},
                                   {"tag", "expertise", 't'},
                                   {"registry", "registry", 't'},
                                   {"valid_from", "valid_from", 't'},
                                   {"valid_until", "valid_until", 't'}};
#define N(a) ((int)(sizeof a / sizeof a[0]))
const chg_table chg_tables[VW_CHG_KIND_COUNT] = {
    {"provider", "providers", 1, N(prov_cols), prov_cols},
    {"network", "networks", 1, N(net_cols), net_cols},
    {"membership", "memberships", 2, N(mem_cols), mem_cols},
    {"registration", "registrations", 3, N(reg_cols), reg_cols}};

/* ---- text buffer ------------------------------------------------------------------ */

void chg_buf_reset(chg_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

void chg_buf_free(chg_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static bool grow(chg_buf *b, size_t need)
{
    if (b->n + need + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + need + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void chg_buf_add(chg_buf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void chg_buf_addf(chg_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        chg_buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void add_json_str(chg_buf *b, const char *s, size_t n)
{
    size_t need = vw_json_escape(s, n, NULL, 0);
    chg_buf_lit(b, "\"");
    if (grow(b, need)) {
        vw_json_escape(s, n, b->p + b->n, need + 1);
        b->n += need;
    }
    chg_buf_lit(b, "\"");
}

void chg_fmt_double(double d, char out[32])
{
    for (int p = 15; p <= 17; p++) {
        snprintf(out, 32, "%.*g", p, d);
        if (strtod(out, NULL) == d)
            return;
    }
}

/* ---- rows as JSON -------------------------------------------------------------- */

void chg_json_row(const chg_table *t, sqlite3_stmt *q, int first, chg_buf *b)
{
    chg_buf_lit(b, "{");
    for (int c = 0; c < t->ncols; c++) {
        int i = first + c;
        if (c)
            chg_buf_lit(b, ",");
        add_json_str(b, t->cols[c].json, strlen(t->cols[c].json));
        chg_buf_lit(b, ":");
        int ty = sqlite3_column_type(q, i);
        if (ty == SQLITE_NULL) {
            chg_buf_lit(b, "null");
        } else if (t->cols[c].type == 'b') {
            bool v = sqlite3_column_int(q, i) != 0;
            chg_buf_add(b, v ? "true" : "false", v ? 4 : 5);
        } else if (t->cols[c].type == 'i') {
            chg_buf_addf(b, "%lld", (long long)sqlite3_column_int64(q, i));
        } else if (t->cols[c].type == 'r') {
            char num[32];
            chg_fmt_double(sqlite3_column_double(q, i), num);
            chg_buf_add(b, num, strlen(num));
        } else {
            const char *s = (const char *)sqlite3_column_text(q, i);
            add_json_str(b, s ? s : "", (size_t)sqlite3_column_bytes(q, i));
        }
    }
    chg_buf_lit(b, "}");
}

void chg_record_row(const chg_table *t, sqlite3_stmt *q, int first, chg_buf *b)
{
    if (t->nkey == 1) {
        const char *s = (const char *)sqlite3_column_text(q, first);
        chg_buf_add(b, s ? s : "", (size_t)sqlite3_column_bytes(q, first));
        return;
    }
    chg_buf_lit(b, "[");
    for (int c = 0; c < t->nkey; c++) {
        const char *s = (const char *)sqlite3_column_text(q, first + c);
        if (c)
            chg_buf_lit(b, ",");
        add_json_str(b, s ? s : "", (size_t)sqlite3_column_bytes(q, first + c));
    }
    chg_buf_lit(b, "]");
}

void chg_col_list(const chg_table *t, const char *alias, bool key_only, chg_buf *b)
{
    int n = key_only ? t->nkey : t->ncols;
    for (int c = 0; c < n; c++)
        chg_buf_addf(b, "%s%s%s", c ? ", " : "", alias ? alias : "", t->cols[c].db);
}

void chg_key_match(const chg_table *t, const char *a, const char *b, chg_buf *out)
{
    for (int c = 0; c < t->nkey; c++)
        chg_buf_addf(out, "%s%s.%s = %s.%s", c ? " AND " : "", a, t->cols[c].db, b,
                     t->cols[c].db);
}

void chg_record_sql(const chg_table *t, const char *a, chg_buf *out)
{
    if (t->nkey == 1) {
        chg_buf_addf(out, "%s.%s", a, t->cols[0].db);
        return;
    }
    chg_buf_lit(out, "json_array(");
    for (int c = 0; c < t->nkey; c++)
        chg_buf_addf(out, "%s%s.%s", c ? ", " : "", a, t->cols[c].db);
    chg_buf_lit(out, ")");
}

/* ---- writing a change set ---------------------------------------------------------- */

void chg_now(char out[24])
{
    time_t t = (time_t)vw_clock_now(); /* the test clock when pinned (proto/clock.c) */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int chg_set_begin(chg_writer *w, sqlite3 *db, const char *cred, const char *source,
                  int64_t import_id, vw_err *err)
{
    sqlite3_stmt *s = NULL;
    memset(w, 0, sizeof *w);
    w->db = db;
    w->cred = cred;
    chg_now(w->at);
    if (sqlite3_prepare_v2(db, "INSERT INTO change_sets(at, credential, source, import_id, "
                               "changes) VALUES (?, ?, ?, ?, 0)", -1, &s, NULL) != SQLITE_OK)
        return vw_store_sqlite_error(db, err, "writing a change set", NULL);
    sqlite3_bind_text(s, 1, w->at, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, cred, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, source, -1, SQLITE_STATIC);
    if (import_id > 0)
        sqlite3_bind_int64(s, 4, import_id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return vw_store_sqlite_error(db, err, "writing a change set", NULL);
    w->set_id = sqlite3_last_insert_rowid(db);
    if (sqlite3_prepare_v3(db, "INSERT INTO change_log(set_id, at, credential, kind, op, "
                               "record, version, old, new) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, SQLITE_PREPARE_PERSISTENT, &w->ins, NULL) != SQLITE_OK)
        return vw_store_sqlite_error(db, err, "writing the change log", NULL);
    return 0;
}

int chg_log(chg_writer *w, vw_chg_kind kind, vw_chg_op op, const char *record, int64_t version,
            const char *at, const char *old_json, const char *new_json, vw_err *err)
{
    sqlite3_stmt *s = w->ins;
    sqlite3_bind_int64(s, 1, w->set_id);
    sqlite3_bind_text(s, 2, at ? at : w->at, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, w->cred, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, vw_chg_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, vw_chg_op_name(op), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, record, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, version);
    if (old_json)
        sqlite3_bind_text(s, 8, old_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 8);
    if (new_json)
        sqlite3_bind_text(s, 9, new_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 9);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return vw_store_sqlite_error(w->db, err, "writing the change log", NULL);
    w->last_seq = sqlite3_last_insert_rowid(w->db);
    if (w->first_seq == 0)
        w->first_seq = w->last_seq;
    w->n++;
    return 0;
}

int chg_set_end(chg_writer *w, vw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(w->db, "UPDATE change_sets SET changes = ? WHERE id = ?", -1, &s,
                           NULL) != SQLITE_OK) {
        vw_store_sqlite_error(w->db, err, "writing a change set", NULL);
        goto out;
    }
    sqlite3_bind_int64(s, 1, w->n);
    sqlite3_bind_int64(s, 2, w->set_id);
    if (sqlite3_step(s) != SQLITE_DONE) {
        vw_store_sqlite_error(w->db, err, "writing a change set", NULL);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    chg_writer_free(w);
    return rc;
}

void chg_writer_free(chg_writer *w)
{
    sqlite3_finalize(w->ins);
    w->ins = NULL;
}

int chg_next_version(sqlite3 *db, vw_chg_kind kind, const char *record, int64_t *out,
                     vw_err *err)
{
    sqlite3_stmt *s = NULL;
    *out = 1;
    if (sqlite3_prepare_v2(db, "SELECT max(version) FROM change_log WHERE kind = ? AND "
                               "record = ?", -1, &s, NULL) != SQLITE_OK)
        return vw_store_sqlite_error(db, err, "reading the change log", NULL);
    sqlite3_bind_text(s, 1, vw_chg_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, record, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0) + 1;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : vw_store_sqlite_error(db, err, "reading the change log", NULL);
}

/* ---- reading ------------------------------------------------------------------------ */

#define ROW_COLS "seq, set_id, at, credential, kind, op, record, version, old, new"

static void row_of(sqlite3_stmt *q, vw_change_row *r)
{
    r->seq = sqlite3_column_int64(q, 0);
    r->set_id = sqlite3_column_int64(q, 1);
    r->at = (const char *)sqlite3_column_text(q, 2);
    r->credential = (const char *)sqlite3_column_text(q, 3);
    r->kind = (const char *)sqlite3_column_text(q, 4);
    r->op = (const char *)sqlite3_column_text(q, 5);
    r->record = (const char *)sqlite3_column_text(q, 6);
    r->version = sqlite3_column_int64(q, 7);
    r->old_json = (const char *)sqlite3_column_text(q, 8);
    r->new_json = (const char *)sqlite3_column_text(q, 9);
}

/* A read transaction around q's rows: each page is one consistent view. */
int vw_store_changes(vw_store *st, int64_t since, uint32_t limit,
                     int (*cb)(void *ud, const vw_change_row *r), void *ud, int64_t *next,
                     bool *more, vw_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc = -1, step;
    uint32_t got = 0;
    *next = since;
    *more = false;
    if (limit == 0 || limit > VW_CHANGES_PAGE_MAX)
        limit = VW_CHANGES_PAGE_MAX;
    if (sqlite3_prepare_v2(st->db, "SELECT " ROW_COLS " FROM change_log WHERE seq > ? "
                                   "ORDER BY seq LIMIT ?", -1, &q, NULL) != SQLITE_OK)
        return vw_store_db_error(st, err, "reading the change log");
    sqlite3_bind_int64(q, 1, since);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit + 1); /* one more: are there more? */
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (got == limit) {
            *more = true;
            break;
        }
        vw_change_row r;
        row_of(q, &r);
        got++;
        *next = r.seq;
        if (cb(ud, &r) != 0) {
            *more = true; /* stopped early: the rest is still there */
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE && step != SQLITE_ROW) {
        vw_store_db_error(st, err, "reading the change log");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(q);
    return rc;
}

int vw_store_history(vw_store *st, const char *kind, const char *record,
                     int (*cb)(void *ud, const vw_change_row *r), void *ud, vw_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc = -1, step;
    if (kind == NULL || vw_chg_kind_parse(kind, strlen(kind)) < 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "unknown kind \"%.32s\" (provider, network, "
                          "membership, registration)", kind ? kind : "");
    /* A network's history holds its memberships' changes too (who joined
     * and left it, and when): the answer to "with which members". A
     * membership's record is the JSON array [provider, network]. */
    bool network = strcmp(kind, "network") == 0;
    const char *sql = network
        ? "SELECT " ROW_COLS " FROM change_log WHERE (kind = ?1 AND record = ?2) OR "
          "(kind = 'membership' AND json_valid(record) AND json_extract(record, '$[1]') = ?2) "
          "ORDER BY seq"
        : "SELECT " ROW_COLS " FROM change_log WHERE kind = ?1 AND record = ?2 ORDER BY seq";
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
        return vw_store_db_error(st, err, "reading the change log");
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, record, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        vw_change_row r;
        row_of(q, &r);
        if (cb(ud, &r) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE) {
        vw_store_db_error(st, err, "reading the change log");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(q);
    return rc;
}

int vw_store_last_seq(vw_store *st, int64_t *seq, vw_err *err)
{
    sqlite3_stmt *q = NULL;
    *seq = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(seq), 0) FROM change_log", -1, &q,
                           NULL) != SQLITE_OK)
        return vw_store_db_error(st, err, "reading the change log");
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        *seq = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return step == SQLITE_ROW ? 0 : vw_store_db_error(st, err, "reading the change log");
}
