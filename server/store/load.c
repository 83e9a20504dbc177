/* load.c -- vw_store_load: the committed state of the database, read in
 * one read transaction (so an import committing meanwhile is either wholly
 * in or wholly out), fed to the snapshot builder.
 *
 * Speed matters (a million providers at daemon start or reload): rows are
 * streamed with sqlite3_column_text pointers handed straight to the builder
 * (it copies), and memberships are attached by a merge join -- both the
 * providers table and the memberships primary key are in provider id order,
 * so both scans are sequential and nothing is allocated per row. In the
 * full load a second thread steps those two statements and copies the rows
 * (load_pipe.h) while this one checks and builds them; opening hours and
 * languages are parsed once per distinct text (load_memo.h); the file is
 * read through a mapping for the load's duration.
 *
 * Every value is checked as strictly as an import checks it before it
 * reaches the builder: text must be valid UTF-8 without NUL (NULL only where
 * the schema allows it), numbers must be stored as numbers (a hand-edited
 * lat = 'abc' is not 0.0) and in range. A bad row fails the whole load with
 * its table, key and column (strict: the daemon keeps serving the snapshot
 * it has; docs/SCHEMA.md), so a broken value is never served. */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "geodata/geo.h"
#include "proto/clock.h"
#include "proto/utf8.h"
#include "proto/attrs.h"
#include "proto/vocab.h"
#include "load_memo.h"
#include "load_pipe.h"
#include "image.h"
#include "store_priv.h"

/* The most of the database file the full load maps (SQLite caps it at its
 * SQLITE_MAX_MMAP_SIZE, 2 GB in Debian's build; beyond, it reads). */
#ifndef VW_STORE_LOAD_MMAP
#define VW_STORE_LOAD_MMAP "2147418112"
#endif

/* Growable scratch space reused for every provider. */
typedef struct scratch {
    char *buf;
    size_t len, cap;
    size_t *offs;
    const char **ptrs;
    size_t n, ncap;
} scratch;

static int scratch_push(scratch *s, const char *str, size_t len)
{
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 1024;
        while (cap < s->len + len + 1)
            cap *= 2;
        char *p = realloc(s->buf, cap);
        if (p == NULL)
            return -1;
        s->buf = p;
        s->cap = cap;
    }
    if (s->n == s->ncap) {
        size_t ncap = s->ncap ? s->ncap * 2 : 64;
        size_t *o = realloc(s->offs, ncap * sizeof *o);
        if (o == NULL)
            return -1;
        s->offs = o;
        const char **p = realloc(s->ptrs, ncap * sizeof *p);
        if (p == NULL)
            return -1;
        s->ptrs = p;
        s->ncap = ncap;
    }
    memcpy(s->buf + s->len, str, len);
    s->buf[s->len + len] = '\0';
    s->offs[s->n++] = s->len;
    s->len += len + 1;
    return 0;
}

/* Pointers are made at the end: the buffer may move while pushing. */
static const char *const *scratch_ptrs(scratch *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->ptrs[i] = s->buf + s->offs[i];
    return s->ptrs;
}

static void scratch_free(scratch *s)
{
    free(s->buf);
    free(s->offs);
    free(s->ptrs);
}

typedef struct loader {
    vw_store *st;
    vw_snapbuild *b;
    vw_err *err;
    sqlite3_stmt *q[8];
    scratch tags, nets;
    vw_memo hours_memo, langs_memo; /* parsed hours and languages by their text */
    vw_lpipe *pipe;                 /* the full load's reader thread, or NULL */
    sqlite3_stmt *pq, *pm;          /* the statements it steps */
    const vw_lcol *prow, *mrow;     /* their current rows (copied) */
    const vw_lcol *mnext, *mend;    /* the membership rows left of prow */
    int m_after;                    /* and the membership step after them */
    char instant[21];               /* the last canonical updated_at ("": none) */
    uint32_t instant_value;         /* and its value */
    /* The row being read, for the error message; only formatted when a
     * value is bad (the key points into the current row, valid until the
     * next step), so a good load pays nothing per row. */
    const char *table, *key;
    long long num_key;
} loader;

/* The values of the current row: from SQLite, or, for the two statements
 * the reader thread steps (load_pipe.h), from the row it copied -- the
 * same values either way. */
static const vw_lcol *piped(const loader *L, sqlite3_stmt *q)
{
    return !L->pipe ? NULL : q == L->pq ? L->prow : q == L->pm ? L->mrow : NULL;
}

static const char *c_text(const loader *L, sqlite3_stmt *q, int i)
{
    const vw_lcol *r = piped(L, q);
    return r ? r[i].s : (const char *)sqlite3_column_text(q, i);
}

static int c_bytes(const loader *L, sqlite3_stmt *q, int i)
{
    const vw_lcol *r = piped(L, q);
    return r ? r[i].bytes : sqlite3_column_bytes(q, i);
}

static int c_type(const loader *L, sqlite3_stmt *q, int i)
{
    const vw_lcol *r = piped(L, q);
    return r ? r[i].type : sqlite3_column_type(q, i);
}

static int64_t c_int64(const loader *L, sqlite3_stmt *q, int i)
{
    const vw_lcol *r = piped(L, q);
    return r ? (r[i].type == SQLITE_INTEGER ? r[i].i : 0) : sqlite3_column_int64(q, i);
}

static double c_double(const loader *L, sqlite3_stmt *q, int i)
{
    const vw_lcol *r = piped(L, q); /* an integer as sqlite3_column_double gives it */
    return r ? (r[i].type == SQLITE_FLOAT ? r[i].d : (double)r[i].i)
             : sqlite3_column_double(q, i);
}

static void row_at(loader *L, const char *table, const char *key)
{
    L->table = table;
    L->key = key;
    L->num_key = LLONG_MIN;
}

static void row_at_num(loader *L, const char *table, long long key)
{
    L->table = table;
    L->key = NULL;
    L->num_key = key;
}

static int bad(loader *L, const char *column, const char *why)
{
    char key[80];
    if (L->key)
        snprintf(key, sizeof key, "%.64s", L->key);
    else if (L->num_key != LLONG_MIN)
        snprintf(key, sizeof key, "%lld", L->num_key);
    else
        snprintf(key, sizeof key, "?");
    return vw_err_set(L->err, VW_E_INVALID,
                      "database table %s, row %s: %s %s (re-import it or fix the row)", L->table,
                      key, column, why);
}

/* A text column: valid UTF-8 without NUL; NULL only if `nullable`. (The
 * text columns have TEXT affinity, so a number written into one is stored as
 * its text; a blob is read as its bytes and must be valid UTF-8 like any
 * text. Not asking sqlite3_column_type saves a call per value: the loader
 * reads every text of the directory.) */
static int col_text(loader *L, sqlite3_stmt *q, int i, bool nullable, const char *column,
                    const char **out)
{
    const char *s = c_text(L, q, i);
    *out = NULL;
    if (s == NULL) {
        if (c_type(L, q, i) != SQLITE_NULL)
            return vw_err_set(L->err, VW_E_INTERNAL, "out of memory reading %s", L->table);
        return nullable ? 0 : bad(L, column, "is NULL");
    }
    size_t n = (size_t)c_bytes(L, q, i);
    if (vw_utf8_bad(s, n) != n)
        return bad(L, column, "is not valid UTF-8");
    *out = s;
    return 0;
}

/* A number column: stored as a number (REAL or INTEGER), finite. */
static int col_real(loader *L, sqlite3_stmt *q, int i, const char *column, double *out)
{
    int type = c_type(L, q, i);
    if (type != SQLITE_FLOAT && type != SQLITE_INTEGER)
        return bad(L, column, "is not a number");
    *out = c_double(L, q, i);
    return isfinite(*out) ? 0 : bad(L, column, "is not finite");
}

/* A point: two numbers inside the Netherlands, as the imports demand. */
static int col_point(loader *L, sqlite3_stmt *q, int i, double *lat, double *lon)
{
    if (col_real(L, q, i, "lat", lat) != 0 || col_real(L, q, i + 1, "lon", lon) != 0)
        return -1;
    return vw_geo_in_nl(*lat, *lon) ? 0 : bad(L, "lat/lon", "lies outside the Netherlands");
}

/* A whole-number column in [min, max]. */
static int col_int(loader *L, sqlite3_stmt *q, int i, int64_t min, int64_t max,
                   const char *column, int64_t *out)
{
    if (c_type(L, q, i) != SQLITE_INTEGER)
        return bad(L, column, "is not a whole number");
    *out = c_int64(L, q, i);
    if (*out < min || *out > max)
        return bad(L, column, "is out of range");
    return 0;
}

static int col_bool(loader *L, sqlite3_stmt *q, int i, const char *column, bool *out)
{
    int64_t v;
    if (col_int(L, q, i, 0, 1, column, &v) != 0)
        return -1;
    *out = v != 0;
    return 0;
}

/* A date column: NULL -> VW_DATE_NONE, else YYYY-MM-DD. */
static int col_date(loader *L, sqlite3_stmt *q, int i, const char *column, int32_t *out)
{
    const char *s;
    *out = VW_DATE_NONE;
    if (col_text(L, q, i, true, column, &s) != 0)
        return -1;
    if (s && vw_date_parse(s, strlen(s), out) != 0)
        return bad(L, column, "is not a date YYYY-MM-DD");
    return 0;
}

/* version (column i) and updated_at (i + 1) of a record (issue 15): NULL ->
 * 0 (unknown: FHIR falls back to the snapshot's time); updated_at is UTC
 * YYYY-MM-DDThh:mm:ssZ, kept as epoch seconds. */
static int col_version(loader *L, sqlite3_stmt *q, int i, uint32_t *version, uint32_t *updated)
{
    const char *s;
    struct tm tm = {0};
    int n = 0;
    *version = *updated = 0;
    if (c_type(L, q, i) != SQLITE_NULL) {
        int64_t v;
        if (col_int(L, q, i, 0, UINT32_MAX, "version", &v) != 0)
            return -1;
        *version = (uint32_t)v;
    }
    if (col_text(L, q, i + 1, true, "updated_at", &s) != 0)
        return -1;
    if (s == NULL)
        return 0;
    /* the canonical shape (what the importers write) without sscanf and
     * timegm, which cost ~8 % of a million-provider load; the same value.
     * The rows of one import share it: the last one is kept. */
    int64_t fast;
    if (strlen(s) == 20 && memcmp(s, L->instant, 20) == 0) {
        *updated = L->instant_value;
        return 0;
    }
    if (strlen(s) == 20 && s[10] == 'T' && vw_clock_parse_instant(s, &fast) == 0) {
        *updated = fast > 0 && fast <= (int64_t)UINT32_MAX ? (uint32_t)fast : 0;
        memcpy(L->instant, s, 21);
        L->instant_value = *updated;
        return 0;
    }
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 20 || s[n])
        return bad(L, "updated_at", "is not a UTC instant YYYY-MM-DDThh:mm:ssZ");
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    *updated = t > 0 && t <= (time_t)UINT32_MAX ? (uint32_t)t : 0;
    return 0;
}

enum { Q_PC4, Q_NET, Q_PROV, Q_MEM, Q_REG, Q_PLACES, Q_REGIONS, Q_POP, Q_N };
static const char *const sql[Q_N] = {
    "SELECT pc4, lat, lon, place FROM pc4",
    "SELECT id, name, kind, status, certified_until, region, version, updated_at FROM networks "
    "ORDER BY id",
    "SELECT id, name, discipline, expertise, lat, lon, address, postcode, city, phone, email, "
    "website, accepting, online, geocoded, hours, languages, wheelchair, direct_access, "
    "wait_weeks, wait_confirmed, agb, big, version, updated_at FROM providers ORDER BY id",
    "SELECT provider_id, network_id FROM memberships ORDER BY provider_id, network_id",
    "SELECT provider_id, tag, registry, valid_from, valid_until FROM registrations "
    "ORDER BY provider_id, id",
    "SELECT lat, lon, population, id FROM places ORDER BY id",
    "SELECT code, geom FROM regions WHERE geom IS NOT NULL",
    "SELECT pc4, population, age_65_plus FROM pc4_population"};

static int load_pc4(loader *L)
{
    sqlite3_stmt *q = L->q[Q_PC4];
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t pc4;
        double lat, lon;
        const char *place;
        row_at_num(L, "pc4", sqlite3_column_type(q, 0) == SQLITE_INTEGER
                                 ? (long long)sqlite3_column_int64(q, 0)
                                 : LLONG_MIN);
        if (col_int(L, q, 0, 1000, 9999, "pc4", &pc4) != 0 || col_point(L, q, 1, &lat, &lon) != 0 ||
            col_text(L, q, 3, false, "place", &place) != 0 ||
            vw_snapbuild_add_pc4(L->b, (int)pc4, lat, lon, place, L->err) != 0)
            return -1;
    }
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading pc4");
}

static int load_networks(loader *L)
{
    sqlite3_stmt *q = L->q[Q_NET];
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        vw_network_in n = {NULL, NULL, NULL, NULL, 0, VW_DATE_NONE, 0, 0};
        const char *status;
        row_at(L, "networks", NULL);
        if (col_text(L, q, 0, false, "id", &n.id) != 0)
            return -1;
        row_at(L, "networks", n.id);
        if (col_text(L, q, 1, false, "name", &n.name) != 0 ||
            col_text(L, q, 2, false, "kind", &n.kind) != 0 ||
            col_text(L, q, 3, false, "status", &status) != 0 ||
            col_date(L, q, 4, "certified_until", &n.certified_until) != 0 ||
            col_text(L, q, 5, true, "region", &n.region_code) != 0 ||
            col_version(L, q, 6, &n.version, &n.updated) != 0)
            return -1;
        n.status = vw_net_status_parse(status, strlen(status));
        if (n.status < 0)
            return bad(L, "status", "is not certified or forming");
        if (vw_snapbuild_add_network(L->b, &n, L->err) != 0)
            return -1;
    }
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading networks");
}

/* A tri-state column: NULL unknown, else 0/1. */
static int col_tri(loader *L, sqlite3_stmt *q, int i, const char *column, int *out)
{
    bool v;
    *out = VW_TRI_UNKNOWN;
    if (c_type(L, q, i) == SQLITE_NULL)
        return 0;
    if (col_bool(L, q, i, column, &v) != 0)
        return -1;
    *out = v ? VW_TRI_YES : VW_TRI_NO;
    return 0;
}

/* The referrer's columns 15..22 as the importer writes them (canonical
 * hours and languages); anything else is refused like any bad row. */
/* A text column whose parse is memoised by its bytes: *hit is the value
 * kept for the exact same text (its UTF-8 was checked when it was kept),
 * else the text is checked as col_text checks it and *hit is NULL. */
static int col_memo(loader *L, sqlite3_stmt *q, int i, const char *column, const vw_memo *m,
                    const char **out, size_t *len, const void **hit, size_t *vlen)
{
    const char *s = c_text(L, q, i);
    *hit = NULL;
    *out = s;
    *len = s ? (size_t)c_bytes(L, q, i) : 0;
    if (s && (*hit = vw_memo_get(m, s, *len, vlen)) != NULL)
        return 0;
    return col_text(L, q, i, true, column, out);
}

static int load_attrs(loader *L, sqlite3_stmt *q, vw_provider_in *p, vw_hours_iv *hours,
                      vw_lang *langs)
{
    const char *h, *l;
    const void *hit;
    size_t hlen, llen, vlen;
    char why[200];
    p->hours = hours;
    p->langs = langs;
    if (col_memo(L, q, 15, "hours", &L->hours_memo, &h, &hlen, &hit, &vlen) != 0)
        return -1;
    if (hit) {
        memcpy(hours, hit, vlen);
        p->n_hours = vlen / sizeof *hours;
    } else if (h) {
        int n = vw_hours_parse(h, hlen, hours, why, sizeof why);
        if (n < 0)
            return bad(L, "hours", "is not opening hours (mo 08:00-12:00; ...)");
        p->n_hours = (size_t)n;
        vw_memo_put(&L->hours_memo, h, hlen, hours, (size_t)n * sizeof *hours);
    }
    if (col_memo(L, q, 16, "languages", &L->langs_memo, &l, &llen, &hit, &vlen) != 0)
        return -1;
    if (hit) {
        memcpy(langs, hit, vlen);
        p->n_langs = vlen / sizeof *langs;
        l = NULL;
    }
    const char *lang_text = l;
    while (l && *l) {
        size_t len = strcspn(l, ";");
        vw_lang c = vw_lang_parse(l, len);
        if (c == 0 || p->n_langs == VW_LANG_MAX)
            return bad(L, "languages", "is not a list of at most 8 ISO 639-1 codes");
        langs[p->n_langs++] = c;
        l += len + (l[len] == ';');
    }
    if (lang_text)
        vw_memo_put(&L->langs_memo, lang_text, llen, langs, p->n_langs * sizeof *langs);
    if (col_tri(L, q, 17, "wheelchair", &p->wheelchair) != 0 ||
        col_tri(L, q, 18, "direct_access", &p->direct_access) != 0)
        return -1;
    if (c_type(L, q, 19) != SQLITE_NULL) {
        int64_t w;
        if (col_int(L, q, 19, 0, 520, "wait_weeks", &w) != 0 ||
            col_date(L, q, 20, "wait_confirmed", &p->wait_confirmed) != 0)
            return -1;
        if (p->wait_confirmed == VW_DATE_NONE)
            return bad(L, "wait_confirmed", "is NULL while wait_weeks is set");
        p->has_wait = true;
        p->wait_weeks = (unsigned)w;
    }
    return col_text(L, q, 21, true, "agb", &p->agb) != 0 ||
                   col_text(L, q, 22, true, "big", &p->big) != 0 ||
                   col_version(L, q, 23, &p->version, &p->updated) != 0
               ? -1
               : 0;
}

/* The next membership row of the merge join: SQLite's next, or the next
 * the reader thread gave the current provider (then the step after them). */
static int m_step(loader *L, sqlite3_stmt *m)
{
    if (!L->pipe)
        return sqlite3_step(m);
    if (L->mnext == L->mend)
        return L->m_after;
    L->mrow = L->mnext;
    L->mnext += 2;
    return SQLITE_ROW;
}

/* The current provider row of q, joined with the membership rows of m from
 * *mrc (the pending step) on; into the builder. */
static int load_provider(loader *L, sqlite3_stmt *q, sqlite3_stmt *m, int *mrc)
{
    vw_provider_in p;
    const char *disc, *exp;
    vw_hours_iv hours[VW_HOURS_MAX];
    vw_lang langs[VW_LANG_MAX];
    memset(&p, 0, sizeof p);
    row_at(L, "providers", NULL);
    if (col_text(L, q, 0, false, "id", &p.id) != 0)
        return -1;
    row_at(L, "providers", p.id);
    if (col_text(L, q, 1, false, "name", &p.name) != 0 ||
        col_text(L, q, 2, false, "discipline", &disc) != 0 ||
        col_text(L, q, 3, false, "expertise", &exp) != 0 ||
        col_point(L, q, 4, &p.lat, &p.lon) != 0 ||
        col_text(L, q, 6, true, "address", &p.address) != 0 ||
        col_text(L, q, 7, true, "postcode", &p.postcode) != 0 ||
        col_text(L, q, 8, true, "city", &p.city) != 0 ||
        col_text(L, q, 9, true, "phone", &p.phone) != 0 ||
        col_text(L, q, 10, true, "email", &p.email) != 0 ||
        col_text(L, q, 11, true, "website", &p.website) != 0 ||
        col_bool(L, q, 12, "accepting", &p.accepting) != 0 ||
        col_bool(L, q, 13, "online", &p.online) != 0 ||
        col_bool(L, q, 14, "geocoded", &p.geocoded) != 0)
        return -1;
    p.discipline = vw_discipline_parse(disc, strlen(disc));
    if (p.discipline < 0)
        return bad(L, "discipline", "is not a discipline code");
    if (load_attrs(L, q, &p, hours, langs) != 0)
        return -1;

    L->tags.len = L->tags.n = 0;
    while (exp && *exp) {
        size_t l = strcspn(exp, ";");
        if (l > 0 && scratch_push(&L->tags, exp, l) != 0)
            goto oom;
        exp += l + (exp[l] == ';');
    }
    p.expertise = scratch_ptrs(&L->tags);
    p.n_expertise = L->tags.n;

    /* merge join: memberships come in provider id order too */
    L->nets.len = L->nets.n = 0;
    while (*mrc == SQLITE_ROW) {
        const char *pid, *nid;
        row_at(L, "memberships", NULL);
        if (col_text(L, m, 0, false, "provider_id", &pid) != 0)
            return -1;
        row_at(L, "memberships", pid);
        if (col_text(L, m, 1, false, "network_id", &nid) != 0)
            return -1;
        int c = strcmp(pid, p.id);
        if (c > 0)
            break;
        if (c == 0 && scratch_push(&L->nets, nid, strlen(nid)) != 0)
            goto oom;
        /* c < 0: a membership without provider (foreign keys forbid it) */
        *mrc = m_step(L, m);
    }
    if (*mrc != SQLITE_ROW && *mrc != SQLITE_DONE)
        return vw_store_db_error(L->st, L->err, "reading memberships");
    p.networks = scratch_ptrs(&L->nets);
    p.n_networks = L->nets.n;
    return vw_snapbuild_add_provider(L->b, &p, L->err) != 0 ? -1 : 0;
oom:
    return vw_err_set(L->err, VW_E_INTERNAL, "out of memory loading providers");
}

/* The columns of the providers query read as numbers (the rest as text). */
static const bool prov_numeric[25] = {[4] = true,  [5] = true,  [12] = true, [13] = true,
                                      [14] = true, [17] = true, [18] = true, [19] = true,
                                      [23] = true};

/* The full load's providers through the reader thread (load_pipe.h): each
 * row copied there is checked and joined exactly as a row from SQLite. */
static int load_providers_piped(loader *L)
{
    vw_lrow row;
    int rc = SQLITE_DONE, r = 0;
    L->pq = L->q[Q_PROV];
    L->pm = L->q[Q_MEM];
    while (r == 0 && vw_lpipe_next(L->pipe, &row, &rc) == 1) {
        int mrc;
        L->prow = row.c;
        L->mnext = row.m;
        L->mend = row.m ? row.m + 2 * (size_t)row.n_m : NULL; /* NULL + 0 is undefined */
        L->m_after = row.mrc;
        mrc = m_step(L, L->pm);
        r = load_provider(L, L->pq, L->pm, &mrc);
    }
    vw_lpipe_stop(L->pipe); /* the connection is the loader's again */
    L->pipe = NULL;
    if (r != 0)
        return -1;
    if (rc == SQLITE_NOMEM)
        return vw_err_set(L->err, VW_E_INTERNAL, "out of memory loading providers");
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading providers");
}

static int load_providers(loader *L)
{
    sqlite3_stmt *q = L->q[Q_PROV], *m = L->q[Q_MEM];
    if (L->pipe)
        return load_providers_piped(L);
    int rc, mrc = sqlite3_step(m); /* the pending membership row */
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (load_provider(L, q, m, &mrc) != 0)
            return -1;
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading providers");
}

static int load_registrations(loader *L)
{
    sqlite3_stmt *q = L->q[Q_REG];
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int32_t from, until;
        const char *pid, *tag, *registry;
        row_at(L, "registrations", NULL);
        if (col_text(L, q, 0, false, "provider_id", &pid) != 0)
            return -1;
        row_at(L, "registrations", pid);
        if (col_text(L, q, 1, false, "tag", &tag) != 0 ||
            col_text(L, q, 2, false, "registry", &registry) != 0 ||
            col_date(L, q, 3, "valid_from", &from) != 0 ||
            col_date(L, q, 4, "valid_until", &until) != 0)
            return -1;
        if (vw_snapbuild_add_registration(L->b, pid, tag, registry, from, until, L->err) != 0)
            return -1;
    }
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading registrations");
}

/* The snapshot's time of last change: when the last committed import
 * finished (best effort: without one the snapshot takes its build time). */
static void load_updated(loader *L)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(L->st->db,
                           "SELECT max(finished_at) FROM import_log "
                           "WHERE status IN ('committed', 'committed_partial')",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        vw_snapbuild_set_updated(L->b, (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    q = NULL; /* the change-log position (none before schema 6: 0) */
    if (sqlite3_prepare_v2(L->st->db, "SELECT seq, at FROM change_log ORDER BY seq DESC LIMIT 1",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_INTEGER) {
        vw_snapbuild_set_seq(L->b, sqlite3_column_int64(q, 0),
                             (const char *)sqlite3_column_text(q, 1));
        vw_snapbuild_set_updated(L->b, (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
}

static int load_geography(loader *L)
{
    sqlite3_stmt *q = L->q[Q_PLACES];
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t pop;
        double lat, lon;
        row_at_num(L, "places", (long long)sqlite3_column_int64(q, 3));
        if (col_point(L, q, 0, &lat, &lon) != 0 ||
            col_int(L, q, 2, 0, UINT32_MAX, "population", &pop) != 0 ||
            vw_snapbuild_add_place(L->b, lat, lon, (uint32_t)pop, L->err) != 0)
            return -1;
    }
    if (rc != SQLITE_DONE)
        return vw_store_db_error(L->st, L->err, "reading places");
    q = L->q[Q_POP]; /* NULL columns: kept secret by CBS */
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t pc4, pop = -1, old = -1;
        row_at_num(L, "pc4_population", (long long)sqlite3_column_int64(q, 0));
        if (col_int(L, q, 0, 1000, 9999, "pc4", &pc4) != 0 ||
            (sqlite3_column_type(q, 1) != SQLITE_NULL &&
             col_int(L, q, 1, 0, INT32_MAX, "population", &pop) != 0) ||
            (sqlite3_column_type(q, 2) != SQLITE_NULL &&
             col_int(L, q, 2, 0, INT32_MAX, "age_65_plus", &old) != 0) ||
            vw_snapbuild_add_pc4_population(L->b, (int)pc4, pop, old, L->err) != 0)
            return -1;
    }
    if (rc != SQLITE_DONE)
        return vw_store_db_error(L->st, L->err, "reading the population");
    q = L->q[Q_REGIONS];
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *code;
        row_at(L, "regions", NULL);
        if (col_text(L, q, 0, false, "code", &code) != 0)
            return -1;
        row_at(L, "regions", code);
        int r = vw_region_index(code, strlen(code));
        if (r < 0)
            return bad(L, "code", "is not an IZA region code");
        if (sqlite3_column_type(q, 1) != SQLITE_BLOB)
            return bad(L, "geom", "is not a WKB blob");
        if (vw_snapbuild_set_region(L->b, r, sqlite3_column_blob(q, 1),
                                    (size_t)sqlite3_column_bytes(q, 1), L->err) != 0)
            return -1;
    }
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading regions");
}

/* ---- changes without a reload ------------------------------------------------ */

/* The statements of a patch: the full load's, with the provider, membership
 * and registration reads narrowed to one provider (?1), same columns and
 * order, so every value is checked exactly as a full load checks it. */
static const char *patch_sql(int i)
{
    switch (i) {
    case Q_PROV: return "SELECT id, name, discipline, expertise, lat, lon, address, postcode, "
                        "city, phone, email, website, accepting, online, geocoded, hours, "
                        "languages, wheelchair, direct_access, wait_weeks, wait_confirmed, agb, "
                        "big, version, updated_at FROM providers WHERE id = ?1";
    case Q_MEM: return "SELECT provider_id, network_id FROM memberships WHERE provider_id = ?1 "
                       "ORDER BY provider_id, network_id";
    case Q_REG: return "SELECT provider_id, tag, registry, valid_from, valid_until FROM "
                       "registrations WHERE provider_id = ?1 ORDER BY provider_id, id";
    default: return sql[i];
    }
}

typedef struct changed_ids {
    char **ids;
    size_t n, cap;
    int64_t last;
    char last_at[24];
} changed_ids;

static void changed_free(changed_ids *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->ids[i]);
    free(c->ids);
}

/* The providers the change log names after `since` (a membership's or a
 * registration's is its provider's), deduplicated. 0; 1 when a change
 * needs a full load (a network, too many); -1 on error. */
static int changed_read(loader *L, int64_t since, changed_ids *c)
{
    sqlite3_stmt *q = NULL;
    int rc = -1, step;
    if (sqlite3_prepare_v2(L->st->db,
                           "SELECT seq, kind, CASE WHEN substr(record, 1, 1) = '[' THEN "
                           "json_extract(record, '$[0]') ELSE record END, at FROM change_log "
                           "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                           -1, &q, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);
        return 1; /* no change log (schema < 6): only a full load knows */
    }
    sqlite3_bind_int64(q, 1, since);
    sqlite3_bind_int(q, 2, VW_STORE_PATCH_MAX + 1);
    c->last = since;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(q, 1);
        const char *id = (const char *)sqlite3_column_text(q, 2);
        c->last = sqlite3_column_int64(q, 0);
        const char *at = (const char *)sqlite3_column_text(q, 3);
        snprintf(c->last_at, sizeof c->last_at, "%s", at ? at : "");
        vw_snapbuild_set_updated(L->b, at);
        if (!kind || !id || c->n == VW_STORE_PATCH_MAX ||
            (strcmp(kind, "provider") && strcmp(kind, "membership") &&
             strcmp(kind, "registration"))) {
            rc = 1;
            goto out;
        }
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 16;
            char **p = realloc(c->ids, cap * sizeof *p);
            if (!p)
                goto oom;
            c->ids = p;
            c->cap = cap;
        }
        bool seen = false;
        for (size_t k = c->n; k > 0 && !seen && c->n - k < 64; k--) /* runs of one record */
            seen = strcmp(c->ids[k - 1], id) == 0;
        if (!seen && !(c->ids[c->n] = strdup(id)))
            goto oom;
        c->n += !seen;
    }
    rc = step == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading the change log");
    goto out;
oom:
    rc = vw_err_set(L->err, VW_E_INTERNAL, "out of memory reading the change log");
out:
    sqlite3_finalize(q);
    return rc;
}

static int ids_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the changed providers into L->b, one by one. */
static int changed_load(loader *L, changed_ids *c)
{
    qsort(c->ids, c->n, sizeof *c->ids, ids_cmp);
    size_t m = 0; /* drop repeats the run check above missed */
    for (size_t i = 0; i < c->n; i++) {
        if (m && strcmp(c->ids[m - 1], c->ids[i]) == 0) {
            free(c->ids[i]);
            continue;
        }
        c->ids[m++] = c->ids[i];
    }
    c->n = m;
    for (size_t i = 0; i < c->n; i++) {
        int q3[3] = {Q_PROV, Q_MEM, Q_REG};
        for (int k = 0; k < 3; k++) {
            sqlite3_reset(L->q[q3[k]]);
            sqlite3_bind_text(L->q[q3[k]], 1, c->ids[i], -1, SQLITE_STATIC);
        }
        if (load_providers(L) != 0 || load_registrations(L) != 0)
            return -1;
    }
    return 0;
}

int vw_store_load_changes(vw_store *st, vw_snapshot *old, vw_snapshot **out, vw_err *err)
{
    loader L;
    changed_ids c;
    int rc = -1;
    bool in_txn = false;
    memset(&L, 0, sizeof L);
    memset(&c, 0, sizeof c);
    L.st = st;
    L.err = err;
    *out = NULL;
    if (st == NULL || old == NULL)
        return vw_err_set(err, VW_E_DB, "no database or snapshot");
    L.b = vw_snapbuild_new();
    if (L.b == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    for (int i = 0; i < Q_N; i++)
        if (sqlite3_prepare_v2(st->db, patch_sql(i), -1, &L.q[i], NULL) != SQLITE_OK) {
            vw_store_db_error(st, err, "preparing the patch");
            goto out;
        }
    if (vw_store_exec(st, "BEGIN", err) != 0)
        goto out;
    in_txn = true;
    if (vw_snapshot_seq(old) > 0) { /* the same lineage: the row old ends with is here, unchanged */
        sqlite3_stmt *lq = NULL;
        bool same = false;
        if (sqlite3_prepare_v2(st->db, "SELECT at FROM change_log WHERE seq = ?1", -1, &lq,
                               NULL) == SQLITE_OK) {
            sqlite3_bind_int64(lq, 1, vw_snapshot_seq(old));
            const char *at = sqlite3_step(lq) == SQLITE_ROW
                                 ? (const char *)sqlite3_column_text(lq, 0) : NULL;
            char cut[24];
            snprintf(cut, sizeof cut, "%s", at ? at : "");
            same = at && strcmp(cut, vw_snapshot_seq_at(old)) == 0;
        }
        sqlite3_finalize(lq);
        if (!same) {
            vw_err_set(err, VW_E_UNAVAILABLE, "the change log does not continue the snapshot's");
            goto out;
        }
    }
    int got = changed_read(&L, vw_snapshot_seq(old), &c);
    if (got != 0) {
        if (got > 0)
            vw_err_set(err, VW_E_UNAVAILABLE, "these changes need a full load");
        goto out;
    }
    if (c.last == vw_snapshot_seq(old)) {
        rc = 0; /* nothing new */
        goto out;
    }
    vw_snapbuild_set_seq(L.b, c.last, c.last_at);
    sqlite3_stmt *rq = L.q[Q_REGIONS]; /* polygons only, for the changed providers' regions */
    int step;
    while ((step = sqlite3_step(rq)) == SQLITE_ROW) {
        const char *code;
        row_at(&L, "regions", NULL);
        if (col_text(&L, rq, 0, false, "code", &code) != 0)
            goto out;
        int r = vw_region_index(code, strlen(code));
        if (r < 0 || sqlite3_column_type(rq, 1) != SQLITE_BLOB) {
            bad(&L, "code", "is not an IZA region code with a WKB polygon");
            goto out;
        }
        if (vw_snapbuild_set_region(L.b, r, sqlite3_column_blob(rq, 1),
                                    (size_t)sqlite3_column_bytes(rq, 1), err) != 0)
            goto out;
    }
    if (step != SQLITE_DONE) {
        vw_store_db_error(st, err, "reading regions");
        goto out;
    }
    if (changed_load(&L, &c) != 0)
        goto out;
    for (int i = 0; i < Q_N; i++)
        sqlite3_reset(L.q[i]);
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    in_txn = false;
    *out = vw_snapshot_patch(old, L.b, (const char *const *)c.ids, c.n, err); /* consumes b */
    L.b = NULL;
    rc = *out ? 1 : -1;
out:
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(L.q[i]);
    if (in_txn)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    vw_snapbuild_free(L.b);
    scratch_free(&L.tags);
    scratch_free(&L.nets);
    vw_memo_free(&L.hours_memo);
    vw_memo_free(&L.langs_memo);
    changed_free(&c);
    return rc;
}

vw_snapshot *vw_store_load_path(const char *path, vw_err *err)
{
    vw_store *st = NULL;
    if (vw_store_open(path, VW_STORE_READONLY, &st, err) != 0)
        return NULL;
    vw_snapshot *s = vw_store_load(st, err);
    vw_store_close(st);
    return s;
}

/* The state of the data, read inside the load's transaction (the first
 * SELECT: it starts the read snapshot). A token that is 'dirty' (a write by
 * another tool: store.c's triggers), or without all its triggers: "". */
static int read_state(vw_store *st, vw_store_state *out, vw_err *err)
{
    sqlite3_stmt *q = NULL;
    memset(out, 0, sizeof *out);
    out->user_version = st->version;
    if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'state'", -1, &q, NULL) !=
        SQLITE_OK)
        return vw_store_db_error(st, err, "reading the state token");
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
        snprintf(out->token, sizeof out->token, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    q = NULL;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return vw_store_db_error(st, err, "reading the state token");
    if (strcmp(out->token, "dirty") == 0) /* written by another tool: no state to name */
        out->token[0] = '\0';
    /* and a token only counts while every trigger that would mark such a
     * write is there (one dropped by hand would let the next edit pass) */
    if (out->token[0]) {
        if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master "
                                       "WHERE type = 'trigger' AND name GLOB 'state_*'",
                               -1, &q, NULL) != SQLITE_OK)
            return vw_store_db_error(st, err, "counting the state triggers");
        if (sqlite3_step(q) != SQLITE_ROW || sqlite3_column_int(q, 0) != VW_STORE_STATE_TRIGGERS)
            out->token[0] = '\0';
        sqlite3_finalize(q);
        q = NULL;
    }
    if (sqlite3_prepare_v2(st->db, "PRAGMA schema_version", -1, &q, NULL) != SQLITE_OK)
        return vw_store_db_error(st, err, "reading the schema version");
    if (sqlite3_step(q) == SQLITE_ROW)
        out->schema_version = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return 0;
}

static bool state_same(const vw_store_state *a, const vw_store_state *b)
{
    return a->token[0] && strcmp(a->token, b->token) == 0 &&
           a->schema_version == b->schema_version && a->user_version == b->user_version;
}

/* The full load (img NULL), or the image's (img: its file, opened, whose
 * header said `img_state`): both read the state, the PC4 table, places,
 * regions and travel times in one read transaction; the image's state must
 * be the transaction's, else *stale is set and nothing is loaded. */
static vw_snapshot *store_load(vw_store *st, vw_image_in *img, const vw_store_state *img_state,
                               uint64_t img_len, vw_store_state *state, bool *stale,
                               vw_err *err)
{
    loader L;
    vw_snapshot *snap = NULL;
    bool in_txn = false, mapped = false;
    vw_store_state dummy;
    memset(&L, 0, sizeof L);
    L.st = st;
    L.err = err;
    if (st == NULL) {
        vw_err_set(err, VW_E_DB, "no database");
        return NULL;
    }
    if (!state)
        state = &dummy;
    L.b = vw_snapbuild_new();
    if (L.b == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    for (int i = 0; i < Q_N; i++)
        if (sqlite3_prepare_v2(st->db, sql[i], -1, &L.q[i], NULL) != SQLITE_OK) {
            vw_store_db_error(st, err, "preparing the load");
            goto out;
        }
    /* The pages are read through a mapping for the load only (no copy
     * into SQLite's page cache: read() was ~15 % of a million-provider
     * load); unmapped again below, so the file's pages do not stay in the
     * daemon's RSS. Best effort: without it SQLite reads as before. */
    if (!img) {
        sqlite3_exec(st->db, "PRAGMA mmap_size = " VW_STORE_LOAD_MMAP, NULL, NULL, NULL);
        mapped = true;
    }
    /* BEGIN is deferred: the read snapshot starts with the first SELECT and
     * every later SELECT sees the same state */
    if (vw_store_exec(st, "BEGIN", err) != 0)
        goto out;
    in_txn = true;
    if (read_state(st, state, err) != 0)
        goto out;
    if (img && !state_same(img_state, state)) {
        *stale = true;
        goto out;
    }
    /* geography first: it is then built on a second thread while the
     * providers are read */
    if (load_pc4(&L) != 0 || load_geography(&L) != 0 || vw_snapbuild_geo_start(L.b, err) != 0)
        goto out;
    if (img) { /* the rest comes from the image */
        if (vw_load_traveltimes(st, L.b, err) != 0)
            goto out;
    } else {
        if (load_networks(&L) != 0)
            goto out;
        /* the providers are read on a second thread while checked and built
         * here (NULL: no thread, read here) */
        L.pipe = vw_lpipe_start(L.q[Q_PROV], L.q[Q_MEM], 25, prov_numeric);
        if (load_providers(&L) != 0 || load_registrations(&L) != 0 ||
            vw_load_traveltimes(st, L.b, err) != 0)
            goto out;
        load_updated(&L);
    }
    for (int i = 0; i < Q_N; i++)
        sqlite3_reset(L.q[i]);
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    in_txn = false;
    /* both consume the builder */
    snap = img ? vw_image_finish(img, L.b, img_len, err) : vw_snapbuild_finish(L.b, err);
    L.b = NULL;
out:
    vw_lpipe_stop(L.pipe); /* (stopped already once the providers are read) */
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(L.q[i]);
    if (in_txn)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    if (mapped)
        sqlite3_exec(st->db, "PRAGMA mmap_size = 0", NULL, NULL, NULL);
    vw_snapbuild_free(L.b);
    scratch_free(&L.tags);
    scratch_free(&L.nets);
    vw_memo_free(&L.hours_memo);
    vw_memo_free(&L.langs_memo);
    /* The load filled SQLite's page cache (32 MB) and left freed builder
     * memory (arrays, sort scratch, GEOS temporaries) between live blocks of
     * malloc's heap: ~75 MB at a million providers that would otherwise stay
     * resident for the daemon's lifetime. Give it back. */
    sqlite3_db_release_memory(st->db);
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    return snap;
}

vw_snapshot *vw_store_load(vw_store *st, vw_err *err)
{
    return store_load(st, NULL, NULL, 0, NULL, NULL, err);
}

vw_snapshot *vw_store_load_imaged(vw_store *st, const char *image, vw_store_image_use *use,
                                  vw_err *err)
{
    vw_image_in *img = NULL;
    vw_store_state img_state;
    uint64_t len = 0;
    vw_err ierr;
    memset(&ierr, 0, sizeof ierr);
    memset(use, 0, sizeof *use);
    use->outcome = VW_IMAGE_OFF;
    if (image && image[0]) {
        int got = vw_image_open(image, &img, &img_state, &len, &ierr);
        use->outcome = got > 0 ? VW_IMAGE_USED : got == 0 ? VW_IMAGE_MISSING : VW_IMAGE_BAD;
    }
    if (img) {
        bool stale = false;
        vw_snapshot *s = store_load(st, img, &img_state, len, &use->state, &stale, &ierr);
        vw_image_close(img);
        if (s)
            return s;
        use->outcome = stale ? VW_IMAGE_STALE : VW_IMAGE_BAD;
        if (!stale && strcmp(ierr.code, VW_E_INVALID) != 0) { /* the database's error */
            *err = ierr;
            return NULL;
        }
    }
    if (use->outcome == VW_IMAGE_BAD)
        snprintf(use->why, sizeof use->why, "%.250s", ierr.message);
    vw_snapshot *s = store_load(st, NULL, NULL, 0, &use->state, NULL, err);
    if (s && !use->state.token[0] && use->outcome != VW_IMAGE_OFF)
        use->outcome = VW_IMAGE_UNKEYED;
    return s;
}
