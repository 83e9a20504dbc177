/* test_changes.c -- the living register (server/store/changes.h): imports
 * landing in the change log (only what they change), record-level apply
 * (validation shared with the importers, conflict, not_found, referential
 * rules, whole-or-nothing batches, the authorisation hook), the append-only
 * triggers, history, the paged feed, and replaying the feed into a second
 * database that ends up equal to the first. Fixtures go to $VW_TEST_TMP. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/engine/snapshot.h"
#include "server/store/changes.h"
#include "server/store/store.h"
#include "t.h"

static char tmpdir[512];

static const char *path_of(const char *name)
{
    static char buf[4][700];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static const char *write_file(const char *name, const char *content)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    if (f == NULL)
        exit(2);
    fputs(content, f);
    fclose(f);
    return p;
}

static vw_store *fresh_db(const char *name)
{
    const char *p = path_of(name);
    char side[800];
    unlink(p);
    snprintf(side, sizeof side, "%s-wal", p);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", p);
    unlink(side);
    vw_store *st = NULL;
    vw_err err;
    if (vw_store_open(p, VW_STORE_CREATE, &st, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", p, err.message);
        exit(2);
    }
    return st;
}

static long query_long(const char *db, const char *sql)
{
    sqlite3 *c = NULL;
    sqlite3_stmt *s = NULL;
    long v = -1;
    if (sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(c, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(c);
    return v;
}

/* Every row of the record tables, in key order, as one text (versions and
 * updated_at included; a registration's rowid left out). */
static char *dump(const char *db)
{
    static const char *const q[] = {
        "SELECT * FROM networks ORDER BY id", "SELECT * FROM providers ORDER BY id",
        "SELECT * FROM memberships ORDER BY provider_id, network_id",
        ("SELECT provider_id, tag, registry, valid_from, valid_until, version, updated_at "
         "FROM registrations ORDER BY 1, 2, 3")};
    size_t cap = 1 << 16, n = 0;
    char *out = calloc(1, cap);
    sqlite3 *c = NULL;
    sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        sqlite3_stmt *s = NULL;
        sqlite3_prepare_v2(c, q[i], -1, &s, NULL);
        while (s && sqlite3_step(s) == SQLITE_ROW) {
            for (int j = 0; j < sqlite3_column_count(s); j++) {
                const char *t = (const char *)sqlite3_column_text(s, j);
                size_t l = t ? strlen(t) : 4;
                if (n + l + 4 >= cap)
                    out = realloc(out, cap *= 2);
                n += (size_t)sprintf(out + n, "%s|", t ? t : "NULL");
            }
            out[n++] = '\n';
            out[n] = '\0';
        }
        sqlite3_finalize(s);
        out[n++] = '#';
        out[n] = '\0';
    }
    sqlite3_close(c);
    return out;
}

static int import(vw_store *st, vw_import_kind k, const char *path, vw_err *err)
{
    vw_import_opts o = {0};
    vw_import_result r;
    return vw_store_import(st, k, path, &o, &r, err);
}

static int parse_jsonl(const char *text, vw_changes *c, vw_err *err)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    vw_changes_init(c);
    int rc = vw_changes_parse_jsonl(f, "t.jsonl", c, err);
    fclose(f);
    return rc;
}

static int parse_csv(const char *text, char delim, vw_changes *c, vw_err *err)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    vw_changes_init(c);
    int rc = vw_changes_parse_csv(f, "t.csv", delim, c, err);
    fclose(f);
    return rc;
}

/* Parses and applies JSONL; the return of vw_store_apply (or -2: parse). */
static int apply_jsonl(vw_store *st, const char *text, const vw_apply_opts *o,
                       vw_apply_result *res, vw_err *err)
{
    vw_changes c;
    if (parse_jsonl(text, &c, err) != 0) {
        vw_changes_free(&c);
        return -2;
    }
    int rc = vw_store_apply(st, c.v, c.n, o, res, err);
    vw_changes_free(&c);
    return rc;
}

static const char PC4[] = "pc4,place,lat,lon\n3511,Utrecht,52.0927,5.1145\n"
                          "3512,Utrecht,52.0880,5.1230\n1011,Amsterdam,52.3730,4.9010\n";
static const char NETS[] = "id,name,kind,status,certified_until,region\n"
                           "N-UTR,Netwerk Utrecht,oncologienetwerk,certified,2030-12-31,midden\n"
                           "N-AMS,Netwerk Amsterdam,oncologienetwerk,forming,,noordwest\n";
static const char PROVS[] =
    "id,name,discipline,expertise,lat,lon,postcode,city,networks,accepting,online\n"
    "P001,Fysio Utrecht,fysiotherapeut,oncologie,52.0907,5.1214,3511 AB,Utrecht,N-UTR,1,0\n"
    "P002,Dietist Zuid,dietist,voeding,,,3512,Utrecht,N-UTR;N-AMS,1,1\n"
    "P003,Psy Amsterdam,psycholoog,psycho-oncologie,52.37,4.90,,Amsterdam,,0,1\n";
static const char REGS[] = "provider_id,expertise,registry,valid_from,valid_until\n"
                           "P003,oncologie,nvpo,2024-01-01,2026-12-31\n";

typedef struct collect {
    int n;
    char ops[64][16];
    char recs[64][64];
    int64_t seq[64], version[64];
    char cred[64];
} collect;

static int on_row(void *ud, const vw_change_row *r)
{
    collect *c = ud;
    if (c->n < 64) {
        snprintf(c->ops[c->n], sizeof c->ops[0], "%s", r->op);
        snprintf(c->recs[c->n], sizeof c->recs[0], "%s:%s", r->kind, r->record);
        c->seq[c->n] = r->seq;
        c->version[c->n] = r->version;
        snprintf(c->cred, sizeof c->cred, "%s", r->credential);
    }
    c->n++;
    return 0;
}

static const char *DB1;

static void test_import_lands_in_log(vw_store *st)
{
    vw_err err;
    CHECK(import(st, VW_IMPORT_PC4, write_file("pc4.csv", PC4), &err) == 0);
    CHECK(import(st, VW_IMPORT_NETWORKS, write_file("n.csv", NETS), &err) == 0);
    CHECK(import(st, VW_IMPORT_PROVIDERS, write_file("p.csv", PROVS), &err) == 0);
    CHECK(import(st, VW_IMPORT_REGISTRATIONS, write_file("r.csv", REGS), &err) == 0);
    /* 2 networks, 3 providers + 3 memberships, 1 registration; pc4 is not logged */
    CHECK(query_long(DB1, "SELECT count(*) FROM change_log") == 9);
    CHECK(query_long(DB1, "SELECT count(*) FROM change_sets WHERE source = 'import:providers' "
                          "AND import_id IS NOT NULL AND changes = 6 AND "
                          "credential = 'cli:import'") == 1);
    CHECK(query_long(DB1, "SELECT count(*) FROM change_log WHERE kind = 'membership' AND "
                          "record = '[\"P002\",\"N-AMS\"]' AND op = 'create'") == 1);
    CHECK(query_long(DB1, "SELECT count(*) FROM providers WHERE version = 1 AND "
                          "updated_at IS NOT NULL") == 3);
    /* the same file again: nothing changes, nothing logged, versions kept */
    CHECK(import(st, VW_IMPORT_PROVIDERS, write_file("p.csv", PROVS), &err) == 0);
    CHECK(query_long(DB1, "SELECT count(*) FROM change_log") == 9);
    CHECK(query_long(DB1, "SELECT count(*) FROM providers WHERE version = 1") == 3);
    /* P001 renamed, P003 gone (and its registration with it) */
    CHECK(import(st, VW_IMPORT_PROVIDERS, write_file("p2.csv",
          "id,name,discipline,expertise,lat,lon,postcode,city,networks,accepting,online\n"
          "P001,Fysio Utrecht Centrum,fysiotherapeut,oncologie,52.0907,5.1214,3511 AB,Utrecht,"
          "N-UTR,1,0\n"
          "P002,Dietist Zuid,dietist,voeding,,,3512,Utrecht,N-UTR;N-AMS,1,1\n"), &err) == 0);
    collect c = {0};
    int64_t next;
    bool more;
    CHECK(vw_store_changes(st, 9, 100, on_row, &c, &next, &more, &err) == 0);
    CHECK(c.n == 3 && !more && next == c.seq[2]);
    /* dependants first on removal */
    CHECK_STR(c.recs[0], "registration:[\"P003\",\"oncologie\",\"nvpo\"]");
    CHECK_STR(c.ops[0], "delete");
    CHECK_STR(c.recs[1], "provider:P003");
    CHECK(c.version[1] == 2);
    CHECK_STR(c.recs[2], "provider:P001");
    CHECK_STR(c.ops[2], "update");
    CHECK(c.version[2] == 2);
    CHECK(query_long(DB1, "SELECT version FROM providers WHERE id = 'P001'") == 2);
    CHECK(query_long(DB1, "SELECT version FROM providers WHERE id = 'P002'") == 1);
}

static char seen_region[4][32]; /* the facts' strings live only during the call */

static int refuse_second(void *ud, const vw_change_facts *f, char *reason, size_t cap)
{
    vw_change_facts *seen = ud;
    size_t i = f->index < 4 ? f->index : 3;
    seen[i] = *f;
    snprintf(seen_region[i], sizeof seen_region[i], "%s", f->region_before ? f->region_before : "");
    seen[i].region_before = seen[i].region_after = NULL;
    seen[i].provider_id = NULL;
    if (f->index == 1) {
        snprintf(reason, cap, "role coordinator may not change region noordwest");
        return -1;
    }
    return 0;
}

static void test_apply(vw_store *st)
{
    vw_err err;
    vw_apply_result res;
    vw_apply_opts o = {.credential = "alice"};
    long before = query_long(DB1, "SELECT count(*) FROM change_log");

    /* a new physiotherapist in a network of its region: one batch */
    CHECK(apply_jsonl(st,
          "{\"op\":\"create\",\"kind\":\"provider\",\"id\":\"P010\",\"set\":{\"name\":\"Fysio "
          "Nieuw\",\"discipline\":\"fysiotherapeut\",\"expertise\":\"oncologie\",\"lat\":52.09,"
          "\"lon\":5.12,\"postcode\":\"3511\",\"city\":\"Utrecht\",\"accepting\":true,"
          "\"online\":false}}\n"
          "{\"op\":\"create\",\"kind\":\"membership\",\"id\":[\"P010\",\"N-UTR\"]}\n",
          &o, &res, &err) == 0);
    CHECK(res.applied == 2 && res.logged == 2 && res.last_seq == res.first_seq + 1);
    CHECK(query_long(DB1, "SELECT count(*) FROM change_sets WHERE source = 'apply' AND "
                          "credential = 'alice' AND changes = 2") == 1);
    vw_snapshot *s = vw_store_load(st, &err);
    CHECK(s != NULL && vw_snapshot_provider_count(s) == 3);
    vw_snapshot_release(s);

    /* update with the right version, then the same stale one: conflict */
    CHECK(apply_jsonl(st, "{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"P010\","
                          "\"version\":1,\"set\":{\"accepting\":false}}\n", &o, &res, &err) == 0);
    CHECK(query_long(DB1, "SELECT accepting * 10 + version FROM providers WHERE id = 'P010'") == 2);
    CHECK(apply_jsonl(st, "{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"P010\","
                          "\"version\":1,\"set\":{\"accepting\":true}}\n", &o, &res, &err) != 0);
    CHECK_STR(err.code, VW_E_CONFLICT);
    CHECK(strstr(err.message, "change 0 (line 1)") && strstr(err.message, "version 2"));

    /* one bad row in a batch: nothing applied; the reason is the importer's */
    long mid = query_long(DB1, "SELECT count(*) FROM change_log");
    CHECK(apply_jsonl(st, "{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"P010\","
                          "\"set\":{\"name\":\"Renamed\"}}\n"
                          "{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"P001\","
                          "\"set\":{\"discipline\":\"kapper\"}}\n", &o, &res, &err) != 0);
    CHECK_STR(err.code, VW_E_INVALID);
    CHECK(strstr(err.message, "change 1 (line 2)") && strstr(err.message, "unknown discipline"));
    CHECK(res.failed_index == 1);
    CHECK(query_long(DB1, "SELECT count(*) FROM change_log") == mid);
    CHECK(query_long(DB1, "SELECT count(*) FROM providers WHERE name = 'Renamed'") == 0);
    /* the same check as an import row: coordinates outside the Netherlands */
    CHECK(apply_jsonl(st, "{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"P010\","
                          "\"set\":{\"lat\":40.0}}\n", &o, &res, &err) != 0);
    CHECK(strstr(err.message, "outside the Netherlands") != NULL);
    CHECK(apply_jsonl(st, "{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"P010\","
                          "\"set\":{\"colour\":\"red\"}}\n", &o, &res, &err) != 0);
    CHECK(strstr(err.message, "unknown field") != NULL);
    CHECK(apply_jsonl(st, "{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"NOPE\","
                          "\"set\":{\"name\":\"x\"}}\n", &o, &res, &err) != 0);
    CHECK_STR(err.code, VW_E_NOT_FOUND);
    CHECK(apply_jsonl(st, "{\"op\":\"create\",\"kind\":\"membership\","
                          "\"id\":[\"P010\",\"N-NONE\"]}\n", &o, &res, &err) != 0);
    CHECK(strstr(err.message, "unknown network") != NULL);

    /* referential rules: a network with members is not deleted */
    CHECK(apply_jsonl(st, "{\"op\":\"delete\",\"kind\":\"network\",\"id\":\"N-AMS\"}\n", &o,
                      &res, &err) != 0);
    CHECK(strstr(err.message, "still has 1 member") != NULL);
    CHECK(apply_jsonl(st, "{\"op\":\"delete\",\"kind\":\"membership\",\"provider_id\":\"P002\","
                          "\"network_id\":\"N-AMS\"}\n"
                          "{\"op\":\"delete\",\"kind\":\"network\",\"id\":\"N-AMS\"}\n", &o, &res,
                      &err) == 0);
    /* a provider's deletion takes its memberships along, logged first */
    CHECK(apply_jsonl(st, "{\"op\":\"create\",\"kind\":\"registration\",\"id\":[\"P002\","
                          "\"oncologie\",\"nvpo\"],\"set\":{\"valid_from\":\"2024-01-01\"}}\n",
                      &o, &res, &err) == 0);
    CHECK(apply_jsonl(st, "{\"op\":\"delete\",\"kind\":\"provider\",\"id\":\"P002\"}\n", &o,
                      &res, &err) == 0);
    CHECK(res.logged == 3);
    CHECK(query_long(DB1, "SELECT count(*) FROM memberships WHERE provider_id = 'P002'") == 0);
    CHECK(query_long(DB1, "SELECT count(*) FROM registrations WHERE provider_id = 'P002'") == 0);
    /* a re-created record goes on counting versions */
    CHECK(apply_jsonl(st, "{\"op\":\"create\",\"kind\":\"provider\",\"id\":\"P002\",\"set\":{"
                          "\"name\":\"Terug\",\"discipline\":\"dietist\",\"postcode\":\"3512\","
                          "\"city\":\"Utrecht\",\"accepting\":1,\"online\":0}}\n", &o, &res,
                      &err) == 0);
    CHECK(query_long(DB1, "SELECT version * 10 + geocoded FROM providers WHERE id = 'P002'") == 31);

    /* the authorisation hook: one refusal refuses the batch */
    vw_change_facts seen[4];
    memset(seen, 0, sizeof seen);
    vw_apply_opts ao = {.credential = "bob", .check = refuse_second, .check_ud = seen};
    mid = query_long(DB1, "SELECT count(*) FROM change_log");
    CHECK(apply_jsonl(st, "{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"P010\","
                          "\"set\":{\"postcode\":\"1011\"}}\n"
                          "{\"op\":\"update\",\"kind\":\"network\",\"id\":\"N-UTR\","
                          "\"set\":{\"status\":\"forming\"}}\n", &ao, &res, &err) != 0);
    CHECK_STR(err.code, VW_E_FORBIDDEN);
    CHECK(strstr(err.message, "change 1") && strstr(err.message, "noordwest"));
    CHECK(query_long(DB1, "SELECT count(*) FROM change_log") == mid);
    CHECK(seen[0].kind == VW_CHG_PROVIDER && seen[0].pc4_before == 3511 &&
          seen[0].pc4_after == 1011 && seen[0].sets_other);
    CHECK(seen[1].kind == VW_CHG_NETWORK && seen[1].sets_certification && !seen[1].sets_other &&
          strcmp(seen_region[1], "midden") == 0);

    /* append-only */
    sqlite3 *c = NULL;
    sqlite3_open(DB1, &c);
    CHECK(sqlite3_exec(c, "UPDATE change_log SET credential = 'x'", NULL, NULL, NULL) != SQLITE_OK);
    CHECK(sqlite3_exec(c, "DELETE FROM change_log", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(c);
    CHECK(query_long(DB1, "SELECT count(*) FROM change_log") > before);

    /* history of one record, in order, with who did it */
    collect h = {0};
    CHECK(vw_store_history(st, "provider", "P010", on_row, &h, &err) == 0);
    CHECK(h.n == 2 && strcmp(h.ops[0], "create") == 0 && strcmp(h.ops[1], "update") == 0 &&
          h.version[1] == 2);
    CHECK_STR(h.cred, "alice");
    CHECK(vw_store_history(st, "nonsense", "P010", on_row, &h, &err) != 0);
}

typedef struct conv_t {
    vw_changes *c;
    vw_err *err;
    int bad;
} conv_t;
static int cb(void *ud, const vw_change_row *r)
{
    conv_t *cv = ud;
    if (vw_change_from_row(r, cv->c, cv->err) != 0) {
        fprintf(stderr, "from_row %lld: %s\n", (long long)r->seq, cv->err->message);
        cv->bad++;
    }
    return 0;
}

static void test_feed_and_replay(vw_store *st)
{
    vw_err err;
    int64_t last, since = 0, next;
    bool more = true;
    CHECK(vw_store_last_seq(st, &last, &err) == 0 && last > 10);
    /* page through, 4 at a time, into a second database with the same pc4 */
    const char *db2 = path_of("replay.db");
    vw_store *st2 = fresh_db("replay.db");
    CHECK(import(st2, VW_IMPORT_PC4, write_file("pc4.csv", PC4), &err) == 0);
    int pages = 0;
    while (more) {
        vw_changes c;
        vw_changes_init(&c);
        conv_t cv = {&c, &err, 0};
        CHECK(vw_store_changes(st, since, 4, cb, &cv, &next, &more, &err) == 0);
        CHECK(cv.bad == 0);
        if (c.n > 0) {
            vw_apply_opts o = {.credential = "replay", .source = "replay"};
            vw_apply_result res;
            int rc = vw_store_apply(st2, c.v, c.n, &o, &res, &err);
            if (rc != 0)
                fprintf(stderr, "replay: %s\n", err.message);
            CHECK(rc == 0);
        }
        vw_changes_free(&c);
        CHECK(next > since || !more);
        since = next;
        pages++;
        if (pages > 100)
            break;
    }
    CHECK(since == last);
    CHECK(pages == (int)((last + 3) / 4));
    char *a = dump(DB1), *b = dump(db2);
    CHECK(strcmp(a, b) == 0);
    if (strcmp(a, b) != 0)
        fprintf(stderr, "first:\n%s\nreplayed:\n%s\n", a, b);
    free(a);
    free(b);
    vw_store_close(st2);
}

static void test_parse(void)
{
    vw_changes c;
    vw_err err;
    /* CSV: one row per field, consecutive rows of one change grouped */
    CHECK(parse_csv("op,kind,id,version,field,value\n"
                    "update,provider,P1,3,name,Nieuwe naam\n"
                    "update,provider,P1,3,accepting,nee\n"
                    "create,membership,P1;N1,,,\n"
                    "delete,registration,\"[\"\"P1\"\",\"\"oncologie\"\",\"\"a;b\"\"]\",,,\n"
                    "update,provider,P1,,online,1\n", 0, &c, &err) == 0);
    CHECK(c.n == 4);
    if (c.n == 4) {
        CHECK(c.v[0].nfields == 2 && c.v[0].base_version == 3 && c.v[0].line == 2);
        CHECK_STR(c.v[0].field[1].value, "nee");
        CHECK(c.v[1].kind == VW_CHG_MEMBERSHIP && c.v[1].nkey == 2);
        CHECK_STR(c.v[1].key[1], "N1");
        CHECK_STR(c.v[2].key[2], "a;b");
        CHECK(c.v[3].base_version == 0 && c.v[3].line == 6);
    }
    vw_changes_free(&c);
    /* Dutch spreadsheet: ';' columns are named, or read with the delimiter */
    CHECK(parse_csv("op;kind;id;field;value\nupdate;provider;P1;name;X\n", 0, &c, &err) != 0);
    CHECK(strstr(err.message, "--delimiter") != NULL);
    vw_changes_free(&c);
    CHECK(parse_csv("op;kind;id;field;value\nupdate;provider;P1;name;X\n", ';', &c, &err) == 0);
    vw_changes_free(&c);
    CHECK(parse_csv("op,kind,id\nupsert,provider,P1\n", 0, &c, &err) != 0);
    CHECK(strstr(err.message, "t.csv:2:") && strstr(err.message, "unknown op"));
    vw_changes_free(&c);
    CHECK(parse_csv("op,kind,id\ndelete,membership,P1\n", 0, &c, &err) != 0);
    CHECK(strstr(err.message, "t.csv:2:") != NULL);
    vw_changes_free(&c);
    /* JSONL */
    CHECK(parse_jsonl("\n{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"P1\",\"version\":3,"
                      "\"set\":{\"accepting\":false,\"lat\":52.10,\"wait_weeks\":4,"
                      "\"email\":null}}\n", &c, &err) == 0);
    CHECK(c.n == 1 && c.v[0].line == 2 && c.v[0].nfields == 4);
    if (c.n == 1) {
        CHECK_STR(c.v[0].field[0].value, "false");
        CHECK_STR(c.v[0].field[1].value, "52.10");
        CHECK_STR(c.v[0].field[2].value, "4");
        CHECK_STR(c.v[0].field[3].value, "");
    }
    vw_changes_free(&c);
    CHECK(parse_jsonl("{\"op\":\"update\",\"kind\":\"provider\",\"id\":\"P1\"} x\n", &c, &err) != 0);
    CHECK(strstr(err.message, "t.jsonl:1:") != NULL);
    vw_changes_free(&c);
    CHECK(parse_jsonl("{\"op\":\"delete\",\"kind\":\"provider\",\"id\":\"P1\",\"set\":{\"a\":1}}\n",
                      &c, &err) != 0);
    vw_changes_free(&c);
    CHECK(parse_jsonl("{\"op\":\"create\",\"kind\":\"provider\",\"id\":\"P1\",\"set\":{\"a\":[1]}}\n",
                      &c, &err) != 0);
    vw_changes_free(&c);
    /* msgpack round trip */
    CHECK(parse_jsonl("{\"op\":\"update\",\"kind\":\"registration\",\"id\":[\"P1\",\"t\",\"r\"],"
                      "\"version\":2,\"set\":{\"valid_until\":\"2030-01-01\"}}\n", &c, &err) == 0);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    vw_change_pack(&pk, &c.v[0]);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    CHECK(msgpack_unpack_next(&up, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    vw_changes d;
    vw_changes_init(&d);
    CHECK(vw_change_unpack(&up.data, 0, &d, &err) == 0);
    CHECK(d.n == 1 && d.v[0].base_version == 2 && d.v[0].nkey == 3);
    if (d.n == 1)
        CHECK_STR(d.v[0].key[2], "r");
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    vw_changes_free(&c);
    vw_changes_free(&d);
}

int main(void)
{
    const char *t = getenv("VW_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_changes", t ? t : "/tmp");
    mkdir(t ? t : "/tmp", 0755);
    mkdir(tmpdir, 0755);
    DB1 = strdup(path_of("first.db"));
    vw_store *st = fresh_db("first.db");
    test_parse();
    test_import_lands_in_log(st);
    test_apply(st);
    test_feed_and_replay(st);
    vw_store_close(st);
    /* the log survives closing and opening again */
    vw_store *again = NULL;
    vw_err err;
    CHECK(vw_store_open(DB1, VW_STORE_READWRITE, &again, &err) == 0);
    int64_t seq = 0;
    CHECK(vw_store_last_seq(again, &seq, &err) == 0 && seq > 10);
    vw_store_close(again);
    free((void *)DB1);
    return T_DONE();
}
