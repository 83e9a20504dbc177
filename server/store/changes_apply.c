/* changes_apply.c -- vw_store_apply: a batch of record-level changes in one
 * transaction, whole or nothing.
 *
 * Each create or update is validated by the very function an import row of
 * its kind goes through (the kind's row() hook of import_providers.c /
 * import_net.c, run with vw_imp.apply set: begin() deletes nothing): the
 * change's fields are laid over the record's current values, named as the
 * import file's columns, and the row is inserted as an import would insert
 * it. A membership (no import kind of its own) is checked here: both ends
 * must exist. Then the record gets its version and updated_at, and the
 * change lands in change_log with the record's old and new values.
 *
 * Referential rules: deleting a provider deletes its memberships and
 * registrations (each logged, before the provider); deleting a network that
 * still has members is refused. Optimistic concurrency: a change naming the
 * version it was based on fails with `conflict` when the record has moved on.
 * The check callback (authorisation) sees every change before it is
 * written; a refusal rolls the whole batch back. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vocab.h"
#include "changes_int.h"
#include "import.h"

/* A record's current state as text, by the log's columns. */
typedef struct rec {
    bool found;
    int64_t version;
    char *v[IMP_MAX_COLS]; /* owned; "" for NULL */
    bool null[IMP_MAX_COLS];
    chg_buf json;
} rec;

typedef struct apply_ctx {
    vw_store *st;
    sqlite3 *db;
    const vw_apply_opts *o;
    vw_err *err;
    vw_imp imp[VW_CHG_KIND_COUNT];
    bool begun[VW_CHG_KIND_COUNT];
    vw_import_opts iopts;
    vw_import_result ires;
    vw_err ierr;
    chg_writer w;
    bool writing;
    size_t index;
    const vw_change *ch;
} apply_ctx;

static const imp_kind *imp_kind_of(vw_chg_kind k)
{
    switch (k) {
    case VW_CHG_PROVIDER: return &vw_imp_providers;
    case VW_CHG_NETWORK: return &vw_imp_networks;
    case VW_CHG_REGISTRATION: return &vw_imp_registrations;
    default: return NULL;
    }
}

/* The failure of the current change: "change I (line L): ..." */
static int fail(apply_ctx *a, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(apply_ctx *a, const char *code, const char *fmt, ...)
{
    char msg[400], where[48];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (a->ch->line > 0)
        snprintf(where, sizeof where, " (line %ld)", a->ch->line);
    else
        where[0] = '\0';
    return vw_err_set(a->err, code, "change %zu%s: %s", a->index, where, msg);
}

static void rec_clear(rec *r)
{
    for (int i = 0; i < IMP_MAX_COLS; i++) {
        free(r->v[i]);
        r->v[i] = NULL;
    }
    chg_buf_free(&r->json);
    r->found = false;
}

/* "k1 = ?1 AND k2 = ?2 ..." */
static void key_where(const chg_table *t, chg_buf *b)
{
    for (int c = 0; c < t->nkey; c++)
        chg_buf_addf(b, "%s%s = ?%d", c ? " AND " : "", t->cols[c].db, c + 1);
}

static int prepare_keyed(apply_ctx *a, const chg_table *t, const char *head, const char *tail,
                         char *const *key, sqlite3_stmt **q)
{
    chg_buf b = {0};
    chg_buf_addf(&b, "%s", head);
    key_where(t, &b);
    chg_buf_addf(&b, "%s", tail);
    int rc = b.oom || sqlite3_prepare_v2(a->db, b.p, -1, q, NULL) != SQLITE_OK;
    chg_buf_free(&b);
    if (rc)
        return vw_store_sqlite_error(a->db, a->err, "preparing a change", NULL);
    for (int c = 0; c < t->nkey; c++)
        sqlite3_bind_text(*q, c + 1, key[c], -1, SQLITE_STATIC);
    return 0;
}

/* Reads the record with this key (the first, for a registration key held
 * twice). */
static int rec_read(apply_ctx *a, const chg_table *t, char *const *key, rec *r)
{
    sqlite3_stmt *q = NULL;
    chg_buf head = {0};
    rec_clear(r);
    chg_buf_lit(&head, "SELECT version, ");
    chg_col_list(t, NULL, false, &head);
    chg_buf_addf(&head, " FROM main.%s WHERE ", t->table);
    int rc = prepare_keyed(a, t, head.oom ? "" : head.p, " LIMIT 1", key, &q);
    chg_buf_free(&head);
    if (rc != 0)
        return -1;
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        r->found = true;
        r->version = sqlite3_column_int64(q, 0);
        for (int c = 0; c < t->ncols; c++) {
            char num[32];
            const char *s = num;
            int ty = sqlite3_column_type(q, 1 + c);
            r->null[c] = ty == SQLITE_NULL;
            if (ty == SQLITE_NULL)
                s = "";
            else if (t->cols[c].type == 'r')
                chg_fmt_double(sqlite3_column_double(q, 1 + c), num);
            else if (t->cols[c].type == 'b' || t->cols[c].type == 'i')
                snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(q, 1 + c));
            else
                s = (const char *)sqlite3_column_text(q, 1 + c);
            if ((r->v[c] = strdup(s ? s : "")) == NULL)
                step = SQLITE_NOMEM;
        }
        chg_json_row(t, q, 1, &r->json);
    }
    sqlite3_finalize(q);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return vw_store_sqlite_error(a->db, a->err, "reading a record", NULL);
    if (r->json.oom)
        return vw_err_set(a->err, VW_E_INTERNAL, "out of memory");
    return 0;
}

static int exec_keyed(apply_ctx *a, const chg_table *t, const char *head, char *const *key)
{
    sqlite3_stmt *q = NULL;
    if (prepare_keyed(a, t, head, "", key, &q) != 0)
        return -1;
    int step = sqlite3_step(q);
    sqlite3_finalize(q);
    return step == SQLITE_DONE ? 0 : vw_store_sqlite_error(a->db, a->err, "writing a change", NULL);
}

static int col_of(const chg_table *t, const char *json)
{
    for (int c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].json, json) == 0)
            return c;
    return -1;
}

static const char *field_of(const vw_change *ch, const char *name)
{
    for (int i = 0; i < ch->nfields; i++)
        if (strcmp(ch->field[i].name, name) == 0)
            return ch->field[i].value;
    return NULL;
}

/* The value a column has after the change (the change's, else the old one). */
static const char *after_value(const vw_change *ch, const chg_table *t, const rec *old,
                               const char *name)
{
    const char *v = field_of(ch, name);
    if (v != NULL)
        return v;
    int c = col_of(t, name);
    return c >= 0 && old->found && old->v[c] ? old->v[c] : "";
}

/* Every field must be a column of the kind, and no key column may change. */
static int check_fields(apply_ctx *a, const vw_change *ch, const chg_table *t, const imp_kind *k)
{
    if (ch->kind == VW_CHG_MEMBERSHIP && ch->nfields > 0)
        return fail(a, VW_E_INVALID, "a membership has no fields (create or delete it)");
    for (int i = 0; i < ch->nfields; i++) {
        const char *n = ch->field[i].name;
        int kc = col_of(t, n);
        if (kc >= 0 && kc < t->nkey) {
            if (strcmp(ch->field[i].value, ch->key[kc]) == 0)
                continue;
            return fail(a, VW_E_INVALID, "%s is part of the key and cannot change (delete the "
                        "record and create it anew)", n);
        }
        if (ch->kind == VW_CHG_PROVIDER && strcmp(n, "networks") == 0)
            return fail(a, VW_E_INVALID, "networks: a provider's networks are memberships, "
                        "changed as records of kind membership");
        if (ch->kind == VW_CHG_PROVIDER && strcmp(n, "geocoded") == 0)
            continue;
        bool known = false;
        for (int c = 0; c < k->ncols && !known; c++)
            known = strcmp(k->cols[c].name, n) == 0;
        if (!known) {
            char names[400] = "";
            for (int c = 0; c < k->ncols; c++)
                if (strcmp(k->cols[c].name, "networks") != 0)
                    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                             names[0] ? ", " : "", k->cols[c].name);
            return fail(a, VW_E_INVALID, "unknown field \"%.32s\" of a %s (fields: %s)", n,
                        vw_chg_kind_name(ch->kind), names);
        }
    }
    return 0;
}

static int pc4_of(const char *postcode)
{
    int v = 0, i = 0;
    for (; i < 4 && postcode[i] >= '0' && postcode[i] <= '9'; i++)
        v = v * 10 + (postcode[i] - '0');
    return i == 4 ? v : 0;
}

static double num_or_nan(const char *s)
{
    char *end;
    double d = s && *s ? strtod(s, &end) : NAN;
    return s && *s && *end == '\0' ? d : NAN;
}

/* A provider's location facts (its own record, or the provider of a
 * membership / registration) from the database. */
static int provider_facts(apply_ctx *a, const char *id, double *lat, double *lon, int *pc4,
                          bool *found)
{
    rec r = {0};
    char *key[1] = {(char *)id};
    const chg_table *t = &chg_tables[VW_CHG_PROVIDER];
    if (rec_read(a, t, key, &r) != 0)
        return -1;
    *found = r.found;
    if (r.found) {
        *lat = num_or_nan(r.v[col_of(t, "lat")]);
        *lon = num_or_nan(r.v[col_of(t, "lon")]);
        *pc4 = pc4_of(r.v[col_of(t, "postcode")]);
    }
    rec_clear(&r);
    return 0;
}

static int network_region(apply_ctx *a, const char *id, char *out, size_t cap, bool *found)
{
    rec r = {0};
    char *key[1] = {(char *)id};
    const chg_table *t = &chg_tables[VW_CHG_NETWORK];
    if (rec_read(a, t, key, &r) != 0)
        return -1;
    *found = r.found;
    snprintf(out, cap, "%s", r.found ? r.v[col_of(t, "region")] : "");
    rec_clear(&r);
    return 0;
}

static bool changes_field(const vw_change *ch, const chg_table *t, const rec *old,
                          const char *name)
{
    const char *v = field_of(ch, name);
    if (v == NULL)
        return false;
    int c = col_of(t, name);
    return !(old->found && c >= 0 && strcmp(old->v[c], v) == 0);
}

/* Authorisation: the facts of the change, then the callback. */
static int authorise(apply_ctx *a, const vw_change *ch, const chg_table *t, const rec *old)
{
    vw_change_facts f = {.index = a->index, .kind = ch->kind, .op = ch->op,
                         .lat_before = NAN, .lon_before = NAN, .lat_after = NAN,
                         .lon_after = NAN};
    char rb[32] = "", ra[32] = "", reason[300] = "";
    bool found = false;
    if (a->o == NULL || a->o->check == NULL)
        return 0;
    f.has_before = old->found;
    f.has_after = ch->op != VW_CHG_DELETE;
    f.sets_other = ch->op != VW_CHG_UPDATE;
    switch (ch->kind) {
    case VW_CHG_PROVIDER:
        f.provider_id = ch->key[0];
        if (old->found) {
            f.lat_before = num_or_nan(old->v[col_of(t, "lat")]);
            f.lon_before = num_or_nan(old->v[col_of(t, "lon")]);
            f.pc4_before = pc4_of(old->v[col_of(t, "postcode")]);
        }
        if (f.has_after) {
            f.lat_after = num_or_nan(after_value(ch, t, old, "lat"));
            f.lon_after = num_or_nan(after_value(ch, t, old, "lon"));
            f.pc4_after = pc4_of(after_value(ch, t, old, "postcode"));
        }
        for (int i = 0; i < ch->nfields; i++)
            f.sets_other |= changes_field(ch, t, old, ch->field[i].name);
        break;
    case VW_CHG_NETWORK:
        if (old->found)
            snprintf(rb, sizeof rb, "%s", old->v[col_of(t, "region")]);
        if (f.has_after)
            snprintf(ra, sizeof ra, "%s", after_value(ch, t, old, "region"));
        f.region_before = rb[0] ? rb : NULL;
        f.region_after = ra[0] ? ra : NULL;
        if (ch->op == VW_CHG_UPDATE) {
            f.sets_certification = changes_field(ch, t, old, "status") ||
                                   changes_field(ch, t, old, "certified_until");
            for (int i = 0; i < ch->nfields; i++)
                if (strcmp(ch->field[i].name, "status") != 0 &&
                    strcmp(ch->field[i].name, "certified_until") != 0)
                    f.sets_other |= changes_field(ch, t, old, ch->field[i].name);
        } else {
            const char *st = ch->op == VW_CHG_CREATE ? after_value(ch, t, old, "status")
                                                     : old->v[col_of(t, "status")];
            const char *until = ch->op == VW_CHG_CREATE
                                    ? after_value(ch, t, old, "certified_until")
                                    : old->v[col_of(t, "certified_until")];
            f.sets_certification = strcmp(st, "certified") == 0 || until[0] != '\0';
        }
        break;
    case VW_CHG_MEMBERSHIP:
        f.provider_id = ch->key[0];
        if (network_region(a, ch->key[1], rb, sizeof rb, &found) != 0)
            return -1;
        f.region_before = old->found && rb[0] ? rb : NULL;
        f.region_after = f.has_after && rb[0] ? rb : NULL;
        if (provider_facts(a, ch->key[0], &f.lat_after, &f.lon_after, &f.pc4_after, &found) != 0)
            return -1;
        f.lat_before = f.lat_after;
        f.lon_before = f.lon_after;
        f.pc4_before = f.pc4_after;
        break;
    case VW_CHG_REGISTRATION:
        f.provider_id = ch->key[0];
        if (provider_facts(a, ch->key[0], &f.lat_after, &f.lon_after, &f.pc4_after, &found) != 0)
            return -1;
        f.lat_before = f.lat_after;
        f.lon_before = f.lon_after;
        f.pc4_before = f.pc4_after;
        if (ch->op == VW_CHG_UPDATE)
            for (int i = 0; i < ch->nfields; i++)
                f.sets_other |= changes_field(ch, t, old, ch->field[i].name);
        break;
    default: break;
    }
    if (a->o->check(a->o->check_ud, &f, reason, sizeof reason) != 0)
        return fail(a, VW_E_FORBIDDEN, "%s", reason[0] ? reason : "not allowed");
    return 0;
}

/* The kind's import hooks, begun once per batch. */
static vw_imp *imp_for(apply_ctx *a, vw_chg_kind kind)
{
    vw_imp *im = &a->imp[kind];
    if (a->begun[kind])
        return im;
    memset(im, 0, sizeof *im);
    im->st = a->st;
    im->db = a->db;
    im->k = imp_kind_of(kind);
    im->file = "apply";
    im->o = &a->iopts;
    im->res = &a->ires;
    im->err = a->err;
    im->apply = true;
    a->begun[kind] = true;
    if (im->k->begin(im) != 0)
        return NULL;
    return im;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Validates and inserts the record through the kind's row(): 0, or -1 with
 * the error set (invalid: the reason the import would give). */
static int write_row(apply_ctx *a, const vw_change *ch, const chg_table *t, const rec *old)
{
    vw_imp *im = imp_for(a, ch->kind);
    char *f[IMP_MAX_COLS];
    size_t len[IMP_MAX_COLS];
    char *mem[IMP_MAX_COLS] = {0};
    int rc = -1;
    if (im == NULL)
        return -1;
    const imp_kind *k = im->k;
    bool regeocode = ch->kind == VW_CHG_PROVIDER && old->found &&
                     strcmp(old->v[col_of(t, "geocoded")], "1") == 0 &&
                     field_of(ch, "lat") == NULL && field_of(ch, "lon") == NULL;
    for (int c = 0; c < k->ncols; c++) {
        const char *v;
        int kc = col_of(t, k->cols[c].name);
        if (kc >= 0 && kc < t->nkey)
            v = ch->key[kc];
        else if (strcmp(k->cols[c].name, "networks") == 0 ||
                 (regeocode && (strcmp(k->cols[c].name, "lat") == 0 ||
                                strcmp(k->cols[c].name, "lon") == 0)))
            v = "";
        else
            v = after_value(ch, t, old, k->cols[c].name);
        size_t l = strlen(v);
        while (l && is_blank(*v))
            v++, l--;
        while (l && is_blank(v[l - 1]))
            l--;
        if ((mem[c] = malloc(l + 1)) == NULL) {
            vw_err_set(a->err, VW_E_INTERNAL, "out of memory");
            goto out;
        }
        memcpy(mem[c], v, l);
        mem[c][l] = '\0';
        f[c] = mem[c];
        len[c] = l;
    }
    im->line = ch->line;
    im->reason[0] = '\0';
    im->file_rejected = false;
    int r = k->row(im, f, len);
    if (r < 0)
        goto out;
    if (r == 1) {
        fail(a, VW_E_INVALID, "%s", im->reason[0] ? im->reason : im->file_msg);
        goto out;
    }
    rc = 0;
out:
    for (int c = 0; c < k->ncols; c++)
        free(mem[c]);
    return rc;
}

static int set_version(apply_ctx *a, const chg_table *t, char *const *key, int64_t version,
                       const char *at, bool geocoded)
{
    sqlite3_stmt *q = NULL;
    chg_buf head = {0};
    chg_buf_addf(&head, "UPDATE main.%s SET version = %lld, updated_at = '%s'%s WHERE ", t->table,
                 (long long)version, at, geocoded ? ", geocoded = 1" : "");
    int rc = prepare_keyed(a, t, head.oom ? "" : head.p, "", key, &q);
    chg_buf_free(&head);
    if (rc != 0)
        return -1;
    int step = sqlite3_step(q);
    sqlite3_finalize(q);
    return step == SQLITE_DONE ? 0 : vw_store_sqlite_error(a->db, a->err, "writing a change", NULL);
}

/* Logs and deletes every dependant row of provider `id` in table t. */
static int cascade(apply_ctx *a, const chg_table *t, const char *id, const char *at)
{
    sqlite3_stmt *q = NULL;
    chg_buf sql = {0}, recb = {0}, json = {0};
    int rc = -1, step;
    chg_buf_lit(&sql, "SELECT version, ");
    chg_col_list(t, NULL, false, &sql);
    chg_buf_addf(&sql, " FROM main.%s WHERE provider_id = ?1 ORDER BY ", t->table);
    chg_col_list(t, NULL, true, &sql);
    if (sql.oom || sqlite3_prepare_v2(a->db, sql.p, -1, &q, NULL) != SQLITE_OK) {
        vw_store_sqlite_error(a->db, a->err, "reading dependants", NULL);
        goto out;
    }
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        chg_buf_reset(&recb);
        chg_buf_reset(&json);
        chg_record_row(t, q, 1, &recb);
        chg_json_row(t, q, 1, &json);
        if (recb.oom || json.oom) {
            vw_err_set(a->err, VW_E_INTERNAL, "out of memory");
            goto out;
        }
        if (chg_log(&a->w, (vw_chg_kind)(t - chg_tables), VW_CHG_DELETE, recb.p,
                    sqlite3_column_int64(q, 0) + 1, at, json.p, NULL, a->err) != 0)
            goto out;
    }
    if (step != SQLITE_DONE) {
        vw_store_sqlite_error(a->db, a->err, "reading dependants", NULL);
        goto out;
    }
    chg_buf_reset(&sql);
    chg_buf_addf(&sql, "DELETE FROM main.%s WHERE provider_id = ?1", t->table);
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(a->db, sql.p, -1, &q, NULL) != SQLITE_OK) {
        vw_store_sqlite_error(a->db, a->err, "deleting dependants", NULL);
        goto out;
    }
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
        vw_store_sqlite_error(a->db, a->err, "deleting dependants", NULL);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(q);
    chg_buf_free(&sql);
    chg_buf_free(&recb);
    chg_buf_free(&json);
    return rc;
}

static int count_members(apply_ctx *a, const char *net, long *n)
{
    sqlite3_stmt *q = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(a->db, "SELECT count(*) FROM memberships WHERE network_id = ?", -1, &q,
                           NULL) != SQLITE_OK)
        return vw_store_sqlite_error(a->db, a->err, "counting members", NULL);
    sqlite3_bind_text(q, 1, net, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        *n = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return step == SQLITE_ROW ? 0 : vw_store_sqlite_error(a->db, a->err, "counting members", NULL);
}

static int membership_check(apply_ctx *a, const vw_change *ch)
{
    bool found;
    double lat, lon;
    int pc4;
    char region[32];
    for (int i = 0; i < 2; i++)
        if (!vw_id_valid(ch->key[i], strlen(ch->key[i])))
            return fail(a, VW_E_INVALID, "invalid %s \"%.64s\"", vw_chg_key_name(ch->kind, i),
                        ch->key[i]);
    if (provider_facts(a, ch->key[0], &lat, &lon, &pc4, &found) != 0)
        return -1;
    if (!found)
        return fail(a, VW_E_INVALID, "unknown provider %s", ch->key[0]);
    if (network_region(a, ch->key[1], region, sizeof region, &found) != 0)
        return -1;
    if (!found)
        return fail(a, VW_E_INVALID, "unknown network \"%.64s\"", ch->key[1]);
    return 0;
}

static int apply_one(apply_ctx *a, vw_change *ch)
{
    const chg_table *t = &chg_tables[ch->kind];
    rec old = {0}, now = {0};
    chg_buf recb = {0};
    int rc = -1;
    char recs[3 * VW_CHG_VALUE_MAX * 2 + 16];
    vw_err e;
    if (vw_change_check(ch, &e) != 0) {
        fail(a, e.code, "%s", e.message);
        goto out;
    }
    vw_change_record(ch, recs, sizeof recs);
    if (rec_read(a, t, ch->key, &old) != 0)
        goto out;
    if (ch->op == VW_CHG_CREATE && old.found) {
        fail(a, VW_E_CONFLICT, "%s %s already exists (version %lld)", t->kind, recs,
             (long long)old.version);
        goto out;
    }
    if (ch->op != VW_CHG_CREATE && !old.found) {
        fail(a, VW_E_NOT_FOUND, "no %s %s", t->kind, recs);
        goto out;
    }
    if (ch->base_version > 0 && old.found && ch->base_version != old.version) {
        fail(a, VW_E_CONFLICT, "%s %s is at version %lld, the change was based on version %lld "
             "(read it again)", t->kind, recs, (long long)old.version,
             (long long)ch->base_version);
        goto out;
    }
    const imp_kind *k = imp_kind_of(ch->kind);
    if (k != NULL && check_fields(a, ch, t, k) != 0)
        goto out;
    if (k == NULL && check_fields(a, ch, t, &vw_imp_networks) != 0)
        goto out;
    if (ch->kind == VW_CHG_MEMBERSHIP && ch->op == VW_CHG_UPDATE) {
        fail(a, VW_E_INVALID, "a membership has no fields to update (create or delete it)");
        goto out;
    }
    if (authorise(a, ch, t, &old) != 0)
        goto out;

    const char *at = ch->as_at ? ch->as_at : a->w.at;
    int64_t version;
    if (ch->as_version > 0)
        version = ch->as_version;
    else if (ch->op == VW_CHG_CREATE) {
        if (chg_next_version(a->db, ch->kind, recs, &version, a->err) != 0)
            goto out;
    } else {
        version = old.version + 1;
    }

    if (ch->op == VW_CHG_DELETE) {
        if (ch->kind == VW_CHG_NETWORK) {
            long members;
            if (count_members(a, ch->key[0], &members) != 0)
                goto out;
            if (members > 0) {
                fail(a, VW_E_INVALID, "network %s still has %ld member(s): delete those "
                     "memberships first", ch->key[0], members);
                goto out;
            }
        }
        if (ch->kind == VW_CHG_PROVIDER &&
            (cascade(a, &chg_tables[VW_CHG_MEMBERSHIP], ch->key[0], at) != 0 ||
             cascade(a, &chg_tables[VW_CHG_REGISTRATION], ch->key[0], at) != 0))
            goto out;
        chg_buf_addf(&recb, "DELETE FROM main.%s WHERE ", t->table);
        if (recb.oom || exec_keyed(a, t, recb.p, ch->key) != 0)
            goto out;
        if (chg_log(&a->w, ch->kind, VW_CHG_DELETE, recs, version, at, old.json.p, NULL,
                    a->err) != 0)
            goto out;
        ch->new_version = version;
        rc = 0;
        goto out;
    }

    if (ch->kind == VW_CHG_MEMBERSHIP) {
        sqlite3_stmt *q = NULL;
        if (membership_check(a, ch) != 0)
            goto out;
        if (sqlite3_prepare_v2(a->db, "INSERT INTO memberships(provider_id, network_id) "
                                      "VALUES (?, ?)", -1, &q, NULL) != SQLITE_OK) {
            vw_store_sqlite_error(a->db, a->err, "writing a membership", NULL);
            goto out;
        }
        sqlite3_bind_text(q, 1, ch->key[0], -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, ch->key[1], -1, SQLITE_STATIC);
        int step = sqlite3_step(q);
        sqlite3_finalize(q);
        if (step != SQLITE_DONE) {
            vw_store_sqlite_error(a->db, a->err, "writing a membership", NULL);
            goto out;
        }
    } else {
        if (ch->op == VW_CHG_UPDATE) {
            chg_buf_addf(&recb, "DELETE FROM main.%s WHERE ", t->table);
            if (recb.oom || exec_keyed(a, t, recb.p, ch->key) != 0)
                goto out;
        }
        if (write_row(a, ch, t, &old) != 0)
            goto out;
    }
    const char *geo = ch->kind == VW_CHG_PROVIDER ? field_of(ch, "geocoded") : NULL;
    bool geocoded = geo && (strcmp(geo, "1") == 0 || strcmp(geo, "true") == 0);
    if (set_version(a, t, ch->key, version, at, geocoded) != 0 || rec_read(a, t, ch->key, &now) != 0)
        goto out;
    if (!now.found) {
        vw_err_set(a->err, VW_E_INTERNAL, "change %zu: the record was not written", a->index);
        goto out;
    }
    if (chg_log(&a->w, ch->kind, ch->op, recs, version, at, old.found ? old.json.p : NULL,
                now.json.p, a->err) != 0)
        goto out;
    ch->new_version = version;
    rc = 0;
out:
    rec_clear(&old);
    rec_clear(&now);
    chg_buf_free(&recb);
    return rc;
}

int vw_store_apply(vw_store *st, vw_change *ch, size_t n, const vw_apply_opts *o,
                   vw_apply_result *res, vw_err *err)
{
    static const vw_apply_opts no_opts;
    vw_apply_result dummy;
    apply_ctx *a = NULL;
    int rc = -1;
    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof *res);
    res->failed_index = -1;
    if (o == NULL)
        o = &no_opts;
    if (st == NULL || st->readonly)
        return vw_err_set(err, VW_E_DB, "the database is open read-only");
    if (n == 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "no changes to apply");
    if (n > VW_CHG_MAX_BATCH)
        return vw_err_set(err, VW_E_TOO_LARGE, "%zu changes: at most %d in one batch", n,
                          VW_CHG_MAX_BATCH);
    if ((a = calloc(1, sizeof *a)) == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    a->st = st;
    a->db = st->db;
    a->o = o;
    a->err = err;
    if (vw_store_exec(st, "BEGIN IMMEDIATE", err) != 0)
        goto done;
    if (chg_set_begin(&a->w, a->db, o->credential ? o->credential : "cli",
                      o->source ? o->source : "apply", 0, err) != 0)
        goto out;
    a->writing = true;
    for (size_t i = 0; i < n; i++) {
        a->index = i;
        a->ch = &ch[i];
        if (apply_one(a, &ch[i]) != 0) {
            res->failed_index = (long)i;
            goto out;
        }
    }
    res->set_id = a->w.set_id;
    res->first_seq = a->w.first_seq;
    res->last_seq = a->w.last_seq;
    res->logged = a->w.n;
    a->writing = false;
    if (chg_set_end(&a->w, err) != 0 || vw_store_stamp(st, err) != 0)
        goto out;
    if (vw_store_exec(st, "COMMIT", err) != 0)
        goto out;
    res->applied = (long)n;
    rc = 0;
out:
    if (a->writing)
        chg_writer_free(&a->w);
    for (int k = 0; k < VW_CHG_KIND_COUNT; k++)
        if (a->begun[k] && a->imp[k].k && a->imp[k].k->end)
            a->imp[k].k->end(&a->imp[k]);
    if (rc != 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        res->set_id = res->first_seq = res->last_seq = 0;
        res->logged = 0;
    }
done:
    free(a);
    return rc;
}
