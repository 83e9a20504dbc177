/* load.c -- vw_store_load: the committed state of the database, read in
 * one read transaction (so an import committing meanwhile is either wholly
 * in or wholly out), fed to the snapshot builder.
 *
 * Speed matters (a million providers at daemon start or reload): rows are
 * streamed with sqlite3_column_text pointers handed straight to the builder
 * (it copies), and memberships are attached by a merge join -- both the
 * providers table and the memberships primary key are in provider id order,
 * so both scans are sequential and nothing is allocated per row. */
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "proto/vocab.h"
#include "store_priv.h"

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

static const char *col(sqlite3_stmt *q, int i) { return (const char *)sqlite3_column_text(q, i); }

/* A date column: NULL -> VW_DATE_NONE. */
static int col_date(sqlite3_stmt *q, int i, int32_t *out)
{
    const char *s = col(q, i);
    *out = VW_DATE_NONE;
    return s ? vw_date_parse(s, strlen(s), out) : 0;
}

typedef struct loader {
    vw_store *st;
    vw_snapbuild *b;
    vw_err *err;
    sqlite3_stmt *q[7];
    scratch tags, nets;
} loader;

enum { Q_PC4, Q_NET, Q_PROV, Q_MEM, Q_REG, Q_PLACES, Q_REGIONS, Q_N };
static const char *const sql[Q_N] = {
    "SELECT pc4, lat, lon, place FROM pc4",
    "SELECT id, name, kind, status, certified_until, region FROM networks ORDER BY id",
    "SELECT id, name, discipline, expertise, lat, lon, address, postcode, city, phone, email, "
    "website, accepting, online, geocoded FROM providers ORDER BY id",
    "SELECT provider_id, network_id FROM memberships ORDER BY provider_id, network_id",
    "SELECT provider_id, tag, registry, valid_from, valid_until FROM registrations "
    "ORDER BY provider_id, id",
    "SELECT lat, lon, population FROM places ORDER BY id",
    "SELECT code, geom FROM regions WHERE geom IS NOT NULL"};

static int load_pc4(loader *L)
{
    sqlite3_stmt *q = L->q[Q_PC4];
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (vw_snapbuild_add_pc4(L->b, sqlite3_column_int(q, 0), sqlite3_column_double(q, 1),
                                 sqlite3_column_double(q, 2), col(q, 3), L->err) != 0)
            return -1;
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading pc4");
}

static int load_networks(loader *L)
{
    sqlite3_stmt *q = L->q[Q_NET];
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        vw_network_in n = {col(q, 0), col(q, 1), col(q, 2), col(q, 5), 0, VW_DATE_NONE};
        const char *status = col(q, 3);
        n.status = status ? vw_net_status_parse(status, strlen(status)) : -1;
        if (n.status < 0 || col_date(q, 4, &n.certified_until) != 0)
            return vw_err_set(L->err, VW_E_DB, "network %.64s: invalid status or date in the "
                              "database", n.id ? n.id : "?");
        if (vw_snapbuild_add_network(L->b, &n, L->err) != 0)
            return -1;
    }
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading networks");
}

static int load_providers(loader *L)
{
    sqlite3_stmt *q = L->q[Q_PROV], *m = L->q[Q_MEM];
    int rc, mrc = sqlite3_step(m); /* the pending membership row */
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        vw_provider_in p;
        memset(&p, 0, sizeof p);
        p.id = col(q, 0);
        p.name = col(q, 1);
        const char *disc = col(q, 2), *exp = col(q, 3);
        p.discipline = disc ? vw_discipline_parse(disc, strlen(disc)) : -1;
        if (p.discipline < 0 || p.id == NULL)
            return vw_err_set(L->err, VW_E_DB, "provider %.64s: unknown discipline in the "
                              "database", p.id ? p.id : "?");
        p.lat = sqlite3_column_double(q, 4);
        p.lon = sqlite3_column_double(q, 5);
        p.address = col(q, 6);
        p.postcode = col(q, 7);
        p.city = col(q, 8);
        p.phone = col(q, 9);
        p.email = col(q, 10);
        p.website = col(q, 11);
        p.accepting = sqlite3_column_int(q, 12) != 0;
        p.online = sqlite3_column_int(q, 13) != 0;
        p.geocoded = sqlite3_column_int(q, 14) != 0;

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
        while (mrc == SQLITE_ROW) {
            const char *pid = col(m, 0), *nid = col(m, 1);
            int c = pid ? strcmp(pid, p.id) : -1;
            if (c > 0)
                break;
            if (c == 0 && nid && scratch_push(&L->nets, nid, strlen(nid)) != 0)
                goto oom;
            /* c < 0: a membership without provider (foreign keys forbid it) */
            mrc = sqlite3_step(m);
        }
        if (mrc != SQLITE_ROW && mrc != SQLITE_DONE)
            return vw_store_db_error(L->st, L->err, "reading memberships");
        p.networks = scratch_ptrs(&L->nets);
        p.n_networks = L->nets.n;
        if (vw_snapbuild_add_provider(L->b, &p, L->err) != 0)
            return -1;
    }
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading providers");
oom:
    return vw_err_set(L->err, VW_E_INTERNAL, "out of memory loading providers");
}

static int load_registrations(loader *L)
{
    sqlite3_stmt *q = L->q[Q_REG];
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int32_t from, until;
        if (col_date(q, 3, &from) != 0 || col_date(q, 4, &until) != 0)
            return vw_err_set(L->err, VW_E_DB, "registration of %.64s: invalid date in the "
                              "database", col(q, 0) ? col(q, 0) : "?");
        if (vw_snapbuild_add_registration(L->b, col(q, 0), col(q, 1), col(q, 2), from, until,
                                          L->err) != 0)
            return -1;
    }
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading registrations");
}

static int load_geography(loader *L)
{
    sqlite3_stmt *q = L->q[Q_PLACES];
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        sqlite3_int64 pop = sqlite3_column_int64(q, 2);
        if (pop < 0 || pop > UINT32_MAX)
            return vw_err_set(L->err, VW_E_DB, "a place has an invalid population in the database");
        if (vw_snapbuild_add_place(L->b, sqlite3_column_double(q, 0), sqlite3_column_double(q, 1),
                                   (uint32_t)pop, L->err) != 0)
            return -1;
    }
    if (rc != SQLITE_DONE)
        return vw_store_db_error(L->st, L->err, "reading places");
    q = L->q[Q_REGIONS];
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *code = col(q, 0);
        int r = code ? vw_region_index(code, strlen(code)) : -1;
        if (r < 0)
            return vw_err_set(L->err, VW_E_DB, "unknown region code in the database");
        if (vw_snapbuild_set_region(L->b, r, sqlite3_column_blob(q, 1),
                                    (size_t)sqlite3_column_bytes(q, 1), L->err) != 0)
            return -1;
    }
    return rc == SQLITE_DONE ? 0 : vw_store_db_error(L->st, L->err, "reading regions");
}

vw_snapshot *vw_store_load(vw_store *st, vw_err *err)
{
    loader L;
    vw_snapshot *snap = NULL;
    bool in_txn = false;
    memset(&L, 0, sizeof L);
    L.st = st;
    L.err = err;
    if (st == NULL) {
        vw_err_set(err, VW_E_DB, "no database");
        return NULL;
    }
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
    /* BEGIN is deferred: the read snapshot starts with the first SELECT and
     * every later SELECT sees the same state */
    if (vw_store_exec(st, "BEGIN", err) != 0)
        goto out;
    in_txn = true;
    /* geography first: it is then built on a second thread while the
     * providers are read */
    if (load_pc4(&L) != 0 || load_geography(&L) != 0 ||
        vw_snapbuild_geo_start(L.b, err) != 0 || load_networks(&L) != 0 ||
        load_providers(&L) != 0 || load_registrations(&L) != 0)
        goto out;
    for (int i = 0; i < Q_N; i++)
        sqlite3_reset(L.q[i]);
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    in_txn = false;
    snap = vw_snapbuild_finish(L.b, err); /* consumes the builder */
    L.b = NULL;
out:
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(L.q[i]);
    if (in_txn)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    vw_snapbuild_free(L.b);
    scratch_free(&L.tags);
    scratch_free(&L.nets);
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
