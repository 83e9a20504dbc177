/* test_import.c -- the SQLite store: schema/migration, the four CSV
 * importers (accept and every rejection reason, with file line numbers, and
 * "nothing changed" checked by a checksum of all data tables), skip_invalid,
 * the import log, loading into a snapshot, and the shared open-data PC4 file
 * (from $VW_GEODATA) with its known-bad rows.
 * Fixtures are written to $VW_TEST_TMP at run time. */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/vocab.h"
#include "server/engine/snapshot.h"
#include "server/store/store.h"
#include "server/store/store_priv.h" /* the store's connection, for max_page_count */
#include "t.h"

static char tmpdir[512];

/* ---- helpers ----------------------------------------------------------------- */

static const char *path_of(const char *name)
{
    static char buf[4][700];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static const char *write_file(const char *name, const char *content, size_t len)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    if (f == NULL) {
        perror(p);
        exit(2);
    }
    fwrite(content, 1, len, f);
    fclose(f);
    return p;
}
#define WRITE(name, str) write_file(name, str, sizeof(str) - 1)

typedef struct diag {
    long line;
    vw_diag_level level;
    char reason[400];
} diag;

typedef struct diags {
    int n, errors, warnings;
    diag d[64];
} diags;

static void on_diag(void *ctx, const char *file, long line, vw_diag_level level,
                    const char *reason)
{
    diags *ds = ctx;
    (void)file;
    if (level == VW_DIAG_ERROR)
        ds->errors++;
    else
        ds->warnings++;
    if (ds->n < 64) {
        ds->d[ds->n].line = line;
        ds->d[ds->n].level = level;
        snprintf(ds->d[ds->n].reason, sizeof ds->d[0].reason, "%s", reason);
        ds->n++;
    }
}

/* Is there a diagnostic of `level` on `line` whose reason contains `sub`? */
static int has_diag(const diags *ds, vw_diag_level level, long line, const char *sub)
{
    for (int i = 0; i < ds->n; i++)
        if (ds->d[i].level == level && ds->d[i].line == line && strstr(ds->d[i].reason, sub))
            return 1;
    return 0;
}

static void dump_diags(const diags *ds)
{
    for (int i = 0; i < ds->n; i++)
        fprintf(stderr, "  %s line %ld: %s\n", ds->d[i].level == VW_DIAG_ERROR ? "E" : "W",
                ds->d[i].line, ds->d[i].reason);
}

static int import(vw_store *st, vw_import_kind k, const char *path, bool skip, diags *ds,
                  vw_import_result *res, vw_err *err)
{
    vw_import_opts o = {.on_diag = on_diag, .ctx = ds, .skip_invalid = skip};
    memset(ds, 0, sizeof *ds);
    vw_err_clear(err);
    return vw_store_import(st, k, path, &o, res, err);
}

/* FNV-1a over every row of every data table, read through a separate connection. */
static uint64_t checksum(const char *db)
{
    static const char *const q[] = {
        "SELECT * FROM pc4 ORDER BY 1",  "SELECT * FROM networks ORDER BY 1",
        "SELECT * FROM providers ORDER BY 1", "SELECT * FROM memberships ORDER BY 1, 2",
        "SELECT provider_id, tag, registry, valid_from, valid_until FROM registrations "
        "ORDER BY 1, 2, 3"};
    uint64_t h = 1469598103934665603ULL;
    sqlite3 *c = NULL;
    if (sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 0;
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(c, q[i], -1, &s, NULL) != SQLITE_OK)
            return 0;
        while (sqlite3_step(s) == SQLITE_ROW)
            for (int j = 0; j < sqlite3_column_count(s); j++) {
                const unsigned char *t = sqlite3_column_text(s, j);
                for (; t && *t; t++)
                    h = (h ^ *t) * 1099511628211ULL;
                h = (h ^ 0xff) * 1099511628211ULL;
            }
        sqlite3_finalize(s);
        h = (h ^ 0xfe) * 1099511628211ULL;
    }
    sqlite3_close(c);
    return h;
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

/* ---- fixtures ------------------------------------------------------------------ */

static const char PC4[] = "pc4,place,lat,lon\n"
                          "3511,Utrecht,52.0927,5.1145\n"
                          "3512,Utrecht,52.0880,5.1230\n"
                          "1011,Amsterdam,52.3730,4.9010\n";

static const char NETS[] =
    "id,name,kind,status,certified_until,region\n"
    "N-UTR,Oncologienetwerk Utrecht,oncologienetwerk,certified,2030-12-31,midden\n"
    "N-AMS,Netwerk Amsterdam,oncologienetwerk,forming,,noordwest\n";

/* BOM, CRLF, columns in another order, a quoted newline (so P002 is on line 4) */
static const char PROVS[] =
    "\xEF\xBB\xBFid,name,discipline,expertise,lat,lon,postcode,city,networks,accepting,"
    "online,address\r\n"
    "P001,\"Fysio Centrum, Utrecht\",fysiotherapeut,oncologie;lymfoedeem,52.0907,5.1214,"
    "3511 ab,Utrecht,N-UTR,1,0,\"Straat 1\r\n(achterom)\"\r\n"
    "P002,Diëtistenpraktijk Zuid,dietist, voeding ; oncologie ,,,3512,Utrecht,N-UTR;N-AMS,yes,ja,\r\n"
    "P003,Psy Amsterdam,psycholoog,psycho-oncologie;mindfulness,52.37,4.90,,Amsterdam,,false,1,\r\n";

static const char REGS[] = "provider_id,expertise,registry,valid_from,valid_until\n"
                           "P003,oncologie,nvpo,2024-01-01,2026-12-31\n";

static void load_valid_set(vw_store *st)
{
    diags ds;
    vw_import_result r;
    vw_err err;
    CHECK(import(st, VW_IMPORT_PC4, WRITE("pc4.csv", PC4), false, &ds, &r, &err) == 0);
    CHECK(r.rows_ok == 3 && r.rows_rejected == 0 && r.import_id > 0);
    CHECK(import(st, VW_IMPORT_NETWORKS, WRITE("networks.csv", NETS), false, &ds, &r, &err) == 0);
    CHECK(r.rows_ok == 2 && r.warnings == 0);
    int rc = import(st, VW_IMPORT_PROVIDERS, WRITE("providers.csv", PROVS), false, &ds, &r, &err);
    if (rc != 0) {
        fprintf(stderr, "providers: %s\n", err.message);
        dump_diags(&ds);
    }
    CHECK(rc == 0);
    CHECK(r.rows_read == 3 && r.rows_ok == 3 && r.rows_geocoded == 1);
    /* a data tag is reported once, on its line */
    CHECK(r.warnings == 1 && has_diag(&ds, VW_DIAG_WARNING, 5, "mindfulness"));
    CHECK(import(st, VW_IMPORT_REGISTRATIONS, WRITE("regs.csv", REGS), false, &ds, &r, &err) == 0);
    CHECK(r.rows_ok == 1);
}

/* ---- tests --------------------------------------------------------------------- */

static void test_schema(void)
{
    vw_store *st = NULL;
    vw_err err;
    /* an empty file is migrated to the current schema */
    const char *p = write_file("empty.db", "", 0);
    CHECK(vw_store_open(p, VW_STORE_READWRITE, &st, &err) == 0);
    CHECK(vw_store_schema_version(st) == VW_SCHEMA_VERSION);
    vw_store_counts c;
    CHECK(vw_store_counts_get(st, &c, &err) == 0);
    CHECK(c.providers == 0 && c.networks == 0 && c.pc4 == 0 && c.imports == 0);
    vw_store_close(st);
    CHECK(query_long(p, "SELECT count(*) FROM regions") == 7);
    CHECK(query_long(p, "PRAGMA user_version") == VW_SCHEMA_VERSION);
    /* reopening is idempotent, read-only works once migrated */
    CHECK(vw_store_open(p, VW_STORE_READWRITE, &st, &err) == 0);
    vw_store_close(st);
    CHECK(vw_store_open(p, VW_STORE_READONLY, &st, &err) == 0);
    CHECK(vw_store_schema_version(st) == VW_SCHEMA_VERSION);
    diags ds;
    CHECK(import(st, VW_IMPORT_PC4, WRITE("pc4.csv", PC4), false, &ds, NULL, &err) != 0);
    vw_store_close(st);

    /* a database from a newer build is refused */
    sqlite3 *db = NULL;
    p = write_file("newer.db", "", 0);
    sqlite3_open(p, &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    st = NULL;
    CHECK(vw_store_open(p, VW_STORE_READWRITE, &st, &err) != 0 && st == NULL);
    CHECK_STR(err.code, VW_E_DB);
    CHECK(strstr(err.message, "newer") != NULL);
    CHECK(query_long(p, "PRAGMA user_version") == 99);

    /* somebody else's database is not touched */
    p = write_file("foreign.db", "", 0);
    sqlite3_open(p, &db);
    sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(vw_store_open(p, VW_STORE_READWRITE, &st, &err) != 0);
    CHECK(strstr(err.message, "not a Verwijs database") != NULL);

    /* read-only open of a file without schema; missing file without CREATE */
    p = write_file("empty2.db", "", 0);
    CHECK(vw_store_open(p, VW_STORE_READONLY, &st, &err) != 0);
    CHECK(vw_store_open(path_of("does-not-exist.db"), VW_STORE_READWRITE, &st, &err) != 0);
    CHECK_STR(err.code, VW_E_DB);

    /* in-memory databases work (fuzzing, tests) */
    CHECK(vw_store_open(":memory:", VW_STORE_CREATE, &st, &err) == 0);
    CHECK(vw_store_schema_version(st) == VW_SCHEMA_VERSION);
    vw_store_close(st);
    vw_store_close(NULL);

    vw_import_kind k;
    CHECK(vw_import_kind_parse("registrations", &k) == 0 && k == VW_IMPORT_REGISTRATIONS);
    CHECK(vw_import_kind_parse("pc4", &k) == 0 && k == VW_IMPORT_PC4);
    CHECK(vw_import_kind_parse("bogus", &k) != 0);
    CHECK_STR(vw_import_kind_name(VW_IMPORT_PROVIDERS), "providers");
    CHECK_STR(vw_import_kind_name(VW_IMPORT_NETWORKS), "networks");
}

static void test_valid_set(void)
{
    vw_store *st = fresh_db("valid.db");
    vw_err err;
    load_valid_set(st);
    vw_store_counts c;
    CHECK(vw_store_counts_get(st, &c, &err) == 0);
    CHECK(c.providers == 3 && c.networks == 2 && c.memberships == 3 && c.registrations == 1 &&
          c.pc4 == 3 && c.imports == 4);
    char db[700];
    snprintf(db, sizeof db, "%s", path_of("valid.db"));
    CHECK(query_long(db, "SELECT count(*) FROM providers WHERE id = 'P001' AND postcode = "
                         "'3511 AB' AND address = 'Straat 1' || char(13, 10) || '(achterom)'") == 1);
    CHECK(query_long(db, "SELECT count(*) FROM providers WHERE id = 'P002' AND geocoded = 1 "
                         "AND lat = 52.088 AND lon = 5.123 AND expertise = 'voeding;oncologie' "
                         "AND accepting = 1 AND online = 1 AND postcode = '3512'") == 1);
    CHECK(query_long(db, "SELECT count(*) FROM import_log WHERE status = 'committed'") == 4);

    vw_snapshot *s = vw_store_load(st, &err);
    if (s == NULL)
        fprintf(stderr, "load: %s: %s\n", err.code, err.message);
    CHECK(s != NULL);
    if (s != NULL) {
        CHECK(vw_snapshot_provider_count(s) == 3);
        CHECK(vw_snapshot_network_count(s) == 2);
        CHECK(vw_snapshot_pc4_count(s) == 3);
        CHECK(vw_snapshot_tag_count(s) == 11); /* 10 base + mindfulness */
        int64_t i1 = vw_snapshot_find_provider(s, "P001", 4);
        int64_t i2 = vw_snapshot_find_provider(s, "P002", 4);
        int64_t i3 = vw_snapshot_find_provider(s, "P003", 4);
        CHECK(i1 == 0 && i2 == 1 && i3 == 2);
        if (i1 == 0 && i2 == 1 && i3 == 2) {
            const vw_provider *p1 = vw_snapshot_provider(s, 0), *p2 = vw_snapshot_provider(s, 1),
                              *p3 = vw_snapshot_provider(s, 2);
            vw_provider_text t1;
            vw_provider_text_get(p1, &t1);
            CHECK_STR(vw_provider_name(p1), "Fysio Centrum, Utrecht");
            CHECK_STR(t1.name, "Fysio Centrum, Utrecht");
            CHECK_STR(t1.postcode, "3511 AB");
            CHECK(p1->expertise == 3 && p1->discipline == 0 && p1->accepting && !p1->online);
            CHECK(p1->net_count == 1 && !p1->geocoded);
            CHECK(p2->geocoded && fabs(p2->lat - 52.0880) < 1e-9 && fabs(p2->lon - 5.1230) < 1e-9);
            CHECK(p2->net_count == 2);
            CHECK(p3->net_count == 0 && p3->reg_count == 1);
            if (p3->reg_count == 1)
                CHECK_STR(vw_snapshot_registrations(s)[p3->reg_first].registry, "nvpo");
            int bit = vw_snapshot_tag_bit(s, "mindfulness", 11);
            CHECK(bit >= 10 && (p3->expertise >> bit & 1));
            int64_t n = vw_snapshot_find_network(s, "N-UTR", 5);
            CHECK(n >= 0);
            if (n >= 0) {
                const vw_network *net = vw_snapshot_network(s, (uint32_t)n);
                CHECK(net->member_count == 2 && net->status == 1);
                CHECK_STR(net->region_code, "midden");
            }
            double lat, lon;
            const char *place;
            CHECK(vw_snapshot_pc4(s, 1011, &lat, &lon, &place));
            CHECK_STR(place, "Amsterdam");
        }
        vw_snapshot_release(s);
    }
    vw_store_close(st);
}

typedef struct reject_case {
    const char *what;
    vw_import_kind kind;
    const char *content;
    long line;       /* expected error line */
    const char *sub; /* expected in the reason */
} reject_case;

#define PH "id,name,discipline,expertise,lat,lon,postcode,city,networks,accepting,online\n"
#define PG "P010,Fysio A,fysiotherapeut,oncologie,52.09,5.12,3511,Utrecht,N-UTR,1,0\n"

static const reject_case cases[] = {
    {"unknown discipline", VW_IMPORT_PROVIDERS,
     PH PG "P011,X,chiropractor,oncologie,52.09,5.12,3511,Utrecht,,1,0\n", 3,
     "unknown discipline \"chiropractor\" (valid: fysiotherapeut, oefentherapeut"},
    {"outside NL", VW_IMPORT_PROVIDERS, PH PG "P011,X,dietist,,50.20,4.46,,Beverwijk,,1,0\n", 3,
     "outside the Netherlands (50.20,4.46)"},
    {"duplicate id", VW_IMPORT_PROVIDERS, PH PG "P010,X,dietist,,52.09,5.12,,U,,1,0\n", 3,
     "duplicate provider id P010"},
    {"unknown network", VW_IMPORT_PROVIDERS, PH PG "P011,X,dietist,,52.09,5.12,,U,N-XYZ,1,0\n", 3,
     "unknown network \"N-XYZ\""},
    {"bad number", VW_IMPORT_PROVIDERS, PH PG "P011,X,dietist,,52.1x,5.12,,U,,1,0\n", 3,
     "lat is not a number"},
    {"bad boolean", VW_IMPORT_PROVIDERS, PH PG "P011,X,dietist,,52.1,5.12,,U,,maybe,0\n", 3,
     "accepting \"maybe\" is not a boolean"},
    {"bad tag", VW_IMPORT_PROVIDERS, PH PG "P011,X,dietist,Voeding,52.1,5.12,,U,,1,0\n", 3,
     "invalid expertise tag \"Voeding\""},
    {"pc4 unknown for geocoding", VW_IMPORT_PROVIDERS, PH PG "P011,X,dietist,,,,9999 ZZ,U,,1,0\n",
     3, "postcode 9999 is not in the pc4 table"},
    {"half a location", VW_IMPORT_PROVIDERS, PH PG "P011,X,dietist,,52.1,,3511,U,,1,0\n", 3,
     "both"},
    {"field count", VW_IMPORT_PROVIDERS, PH PG "P011,X,dietist\n", 3, "expected 11 fields"},
    {"bad UTF-8", VW_IMPORT_PROVIDERS, PH PG "P011,Caf\xE9,dietist,,52.1,5.1,,U,,1,0\n", 3,
     "invalid UTF-8"},
    {"unterminated quote", VW_IMPORT_PROVIDERS,
     PH PG "P011,\"open,dietist,,52.1,5.1,,U,,1,0\nP012,Y,dietist,,52.1,5.1,,U,,1,0\n", 3,
     "unterminated quoted field (opened on line 3)"},
    {"stray quote", VW_IMPORT_PROVIDERS, PH PG "P011,Bad\"name,dietist,,52.1,5.1,,U,,1,0\n", 3,
     "quote character inside an unquoted field"},
    {"unknown column", VW_IMPORT_PROVIDERS, "id,name,discipline,expertise,lat,lon,postcode,city,"
                                            "networks,accepting,online,fax\n" PG,
     1, "unknown column \"fax\""},
    {"missing column", VW_IMPORT_PROVIDERS,
     "id,name,discipline,expertise,lat,lon,postcode,city,networks,accepting\n"
     "P010,Fysio A,fysiotherapeut,oncologie,52.09,5.12,3511,Utrecht,N-UTR,1\n",
     1, "missing required column(s): online"},
    {"empty file", VW_IMPORT_PROVIDERS, "", 0, "empty file"},
    {"header only", VW_IMPORT_PROVIDERS, PH, 0, "no data rows"},
    {"bad date", VW_IMPORT_NETWORKS,
     "id,name,kind,status,certified_until,region\n"
     "N-UTR,U,onco,certified,2030-13-45,midden\nN-AMS,A,onco,forming,,\n",
     2, "certified_until \"2030-13-45\" is not a date"},
    {"bad status", VW_IMPORT_NETWORKS,
     "id,name,kind,status,certified_until,region\n"
     "N-UTR,U,onco,certified,2030-12-31,midden\nN-AMS,A,onco,pending,,\n",
     3, "must be certified or forming"},
    {"bad region", VW_IMPORT_NETWORKS,
     "id,name,kind,status,certified_until,region\n"
     "N-UTR,U,onco,certified,2030-12-31,midden\nN-AMS,A,onco,forming,,randstad\n",
     3, "unknown region \"randstad\""},
    {"orphaned memberships", VW_IMPORT_NETWORKS,
     "id,name,kind,status,certified_until,region\nN-AMS,A,onco,forming,,\n", 0,
     "missing from the file: N-UTR"},
    {"duplicate pc4", VW_IMPORT_PC4, "pc4,place,lat,lon\n3511,Utrecht,52.1,5.1\n3511,U,52.1,5.1\n",
     3, "duplicate pc4 3511 (first on line 2)"},
    {"pc4 not 4 digits", VW_IMPORT_PC4, "pc4,place,lat,lon\n351,Utrecht,52.1,5.1\n", 2,
     "not 4 digits"},
    {"registration unknown provider", VW_IMPORT_REGISTRATIONS,
     "provider_id,expertise,registry,valid_from,valid_until\nP999,oncologie,nvpo,,\n", 2,
     "unknown provider P999"},
    {"registration dates reversed", VW_IMPORT_REGISTRATIONS,
     "provider_id,expertise,registry,valid_from,valid_until\nP001,oncologie,nvpo,2025-01-01,"
     "2024-01-01\n",
     2, "valid_from 2025-01-01 is after valid_until 2024-01-01"},
    {"registration empty registry", VW_IMPORT_REGISTRATIONS,
     "provider_id,expertise,registry,valid_from,valid_until\nP001,oncologie,,,\n", 2,
     "registry is empty"},
};

/* The referrer's columns (docs/SCHEMA.md). */
#define PA "id,name,discipline,expertise,lat,lon,postcode,city,networks,accepting,online," \
           "hours,languages,wheelchair,direct_access,wait_weeks,wait_confirmed,agb,big\n"
#define PAG "P010,Fysio A,fysiotherapeut,,52.09,5.12,3511,Utrecht,,1,0," \
            "\"mo 08:00-12:00,13:00-17:00\",nl;en,1,1,3,2026-01-05,12345678,12345678901\n"
#define PAX(attrs) "P011,X,dietist,,52.09,5.12,3511,Utrecht,,1,0," attrs "\n"

static const reject_case attr_cases[] = {
    {"hours: day", VW_IMPORT_PROVIDERS, PA PAG PAX("xx 08:00-12:00,,,,,,,"), 3, "unknown day"},
    {"hours: interval", VW_IMPORT_PROVIDERS, PA PAG PAX("mo 12:00-08:00,,,,,,,"), 3,
     "opening before closing"},
    {"hours: overlap", VW_IMPORT_PROVIDERS,
     PA PAG PAX("\"mo 08:00-12:00,11:00-13:00\",,,,,,,"), 3, "overlap"},
    {"hours: twice", VW_IMPORT_PROVIDERS, PA PAG PAX("mo 08:00-12:00; mo 13:00-14:00,,,,,,,"), 3,
     "mo is listed twice"},
    {"hours: 25:00", VW_IMPORT_PROVIDERS, PA PAG PAX("tu 08:00-25:00,,,,,,,"), 3, "HH:MM-HH:MM"},
    {"language", VW_IMPORT_PROVIDERS, PA PAG PAX(",nl;xx,,,,,,"), 3,
     "language \"xx\" is not an ISO 639-1 code"},
    {"language: 3 letters", VW_IMPORT_PROVIDERS, PA PAG PAX(",tur,,,,,,"), 3, "ISO 639-1"},
    {"wheelchair", VW_IMPORT_PROVIDERS, PA PAG PAX(",,maybe,,,,,"), 3,
     "wheelchair \"maybe\" is not a boolean"},
    {"direct access not allowed", VW_IMPORT_PROVIDERS,
     PA PAG "P011,X,psycholoog,,52.09,5.12,3511,Utrecht,,1,0,,,,1,,,,\n", 3,
     "a psycholoog is not directly accessible"},
    {"wait without date", VW_IMPORT_PROVIDERS, PA PAG PAX(",,,,4,,,"), 3, "go together"},
    {"date without wait", VW_IMPORT_PROVIDERS, PA PAG PAX(",,,,,2026-01-01,,"), 3, "go together"},
    {"wait not a number", VW_IMPORT_PROVIDERS, PA PAG PAX(",,,,-1,2026-01-01,,"), 3,
     "wait_weeks is not a whole number"},
    {"wait in the future", VW_IMPORT_PROVIDERS, PA PAG PAX(",,,,2,2999-01-01,,"), 3,
     "in the future"},
    {"agb digits", VW_IMPORT_PROVIDERS, PA PAG PAX(",,,,,,1234567,"), 3, "AGB code (8 digits)"},
    {"big digits", VW_IMPORT_PROVIDERS,
     PA PAG "P011,X,fysiotherapeut,,52.09,5.12,3511,Utrecht,,1,0,,,,,,,,1234567890A\n", 3,
     "BIG number (11 digits)"},
    {"big for a dietitian", VW_IMPORT_PROVIDERS, PA PAG PAX(",,,,,,,12345678901"), 3,
     "a dietist is not a BIG-registered profession"},
};

/* The referrer's fields: canonical in SQLite, in the snapshot's side table,
 * and a version-2 database with data migrated in place. */
static void test_attrs(void)
{
    vw_store *st = fresh_db("attrs.db");
    vw_err err;
    diags ds;
    vw_import_result r;
    char db[700];
    snprintf(db, sizeof db, "%s", path_of("attrs.db"));
    load_valid_set(st);
    const char *p = WRITE("attrs.csv",
                          PA PAG "P012,Y,psycholoog,,52.09,5.12,3511,Utrecht,,1,0,"
                                 "\" we 09:00-17:00 ;mo 07:30-08:00 , 20:00-24:00\", tr ; AR? ,,0,,,,\n");
    CHECK(import(st, VW_IMPORT_PROVIDERS, p, false, &ds, &r, &err) == -1); /* "AR?" */
    p = WRITE("attrs.csv", PA PAG "P012,Y,psycholoog,,52.09,5.12,3511,Utrecht,,1,0,"
                                  "\" we 09:00-17:00 ;mo 07:30-08:00 , 20:00-24:00\", tr ; ar;tr "
                                  ",,0,,,,\n");
    int rc = import(st, VW_IMPORT_PROVIDERS, p, false, &ds, &r, &err);
    if (rc != 0)
        dump_diags(&ds);
    CHECK(rc == 0 && r.rows_ok == 2);
    CHECK(query_long(db, "SELECT count(*) FROM providers WHERE id = 'P012' AND hours = "
                         "'mo 07:30-08:00,20:00-24:00; we 09:00-17:00' AND languages = 'tr;ar' "
                         "AND wheelchair IS NULL AND direct_access = 0 AND wait_weeks IS NULL "
                         "AND agb IS NULL AND big IS NULL") == 1);
    CHECK(query_long(db, "SELECT count(*) FROM providers WHERE id = 'P010' AND wheelchair = 1 "
                         "AND direct_access = 1 AND wait_weeks = 3 AND wait_confirmed = "
                         "'2026-01-05' AND agb = '12345678' AND big = '12345678901'") == 1);
    vw_snapshot *s = vw_store_load(st, &err);
    CHECK(s != NULL);
    if (s) {
        int64_t a = vw_snapshot_find_provider(s, "P010", 4), b = vw_snapshot_find_provider(s, "P012", 4);
        CHECK(a >= 0 && b >= 0);
        const vw_provider_ext *x = vw_snapshot_provider_ext(s, (uint32_t)a);
        const vw_provider_ext *y = vw_snapshot_provider_ext(s, (uint32_t)b);
        const vw_hours_iv *h = vw_snapshot_hours(s);
        vw_provider_text t, u;
        vw_provider_text_get(vw_snapshot_provider(s, (uint32_t)a), &t);
        vw_provider_text_get(vw_snapshot_provider(s, (uint32_t)b), &u);
        CHECK(x->hours_count == 2 && h[x->hours_first].day == 0 && h[x->hours_first].open == 480 &&
              h[x->hours_first + 1].close == 1020 && x->open_days == 1);
        CHECK(x->wheelchair == VW_TRI_YES && x->direct_access == VW_TRI_YES &&
              x->wait_weeks == 3 && t.agb && strcmp(t.agb, "12345678") == 0 && t.big &&
              strcmp(t.big, "12345678901") == 0);
        const vw_lang *xl = vw_snapshot_langs(s, x);
        CHECK(xl[0] == vw_lang_parse("nl", 2) && xl[1] == vw_lang_parse("en", 2) && xl[2] == 0);
        CHECK(y->hours_count == 3 && y->open_days == 0x5 && h[y->hours_first + 1].close == 1440 &&
              y->wheelchair == VW_TRI_UNKNOWN && y->direct_access == VW_TRI_NO &&
              y->wait_confirmed == VW_DATE_NONE && u.agb == NULL && u.big == NULL);
        vw_snapshot_release(s);
    }
    vw_store_close(st);

    /* Make it a version-4 database with data: the migration adds the columns
     * and keeps every row. */
    sqlite3 *c = NULL;
    sqlite3_open(db, &c);
    CHECK(sqlite3_exec(c, "DROP TABLE change_log; DROP TABLE change_sets; "
                          "DROP INDEX registrations_key; "
                          "ALTER TABLE providers DROP COLUMN version; "
                          "ALTER TABLE providers DROP COLUMN updated_at; "
                          "ALTER TABLE networks DROP COLUMN version; "
                          "ALTER TABLE networks DROP COLUMN updated_at; "
                          "ALTER TABLE memberships DROP COLUMN version; "
                          "ALTER TABLE memberships DROP COLUMN updated_at; "
                          "ALTER TABLE registrations DROP COLUMN version; "
                          "ALTER TABLE registrations DROP COLUMN updated_at; "
                          "ALTER TABLE providers DROP COLUMN hours; "
                          "ALTER TABLE providers DROP COLUMN languages; "
                          "ALTER TABLE providers DROP COLUMN wheelchair; "
                          "ALTER TABLE providers DROP COLUMN direct_access; "
                          "ALTER TABLE providers DROP COLUMN wait_weeks; "
                          "ALTER TABLE providers DROP COLUMN wait_confirmed; "
                          "ALTER TABLE providers DROP COLUMN agb; "
                          "ALTER TABLE providers DROP COLUMN big; DROP TABLE pc4_population; "
                          "PRAGMA user_version = 4",
                      NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(c);
    CHECK(vw_store_open(db, VW_STORE_READONLY, &st, &err) != 0); /* not migrated read-only */
    CHECK(vw_store_open(db, VW_STORE_READWRITE, &st, &err) == 0);
    CHECK(vw_store_schema_version(st) == VW_SCHEMA_VERSION);
    CHECK(query_long(db, "SELECT count(*) FROM providers") == 2);
    CHECK(query_long(db, "SELECT count(*) FROM providers WHERE hours IS NULL AND agb IS NULL") == 2);
    /* v7: a state token (32 hex digits) and the triggers that mark a write
     * by another tool 'dirty' (12 tables x insert, update, delete) */
    CHECK(query_long(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                         "AND name LIKE 'state^_%' ESCAPE '^'") == 36);
    CHECK(query_long(db, "SELECT count(*) FROM meta WHERE key = 'state' AND length(value) = 32 "
                         "AND value NOT GLOB '*[^0-9a-f]*'") == 1);
    {
        sqlite3 *w = NULL;
        CHECK(sqlite3_open(db, &w) == SQLITE_OK &&
              sqlite3_exec(w, "UPDATE providers SET name = name || ''", NULL,
                           NULL, NULL) == SQLITE_OK);
        sqlite3_close(w);
        CHECK(query_long(db, "SELECT count(*) FROM meta WHERE key = 'state' AND value = 'dirty'") ==
              1);
    }
    s = vw_store_load(st, &err);
    CHECK(s != NULL && vw_snapshot_provider_count(s) == 2);
    if (s)
        CHECK(vw_snapshot_provider_ext(s, 0)->hours_count == 0 &&
              vw_snapshot_provider_ext(s, 0)->wheelchair == VW_TRI_UNKNOWN);
    vw_snapshot_release(s);
    vw_store_close(st);
}

/* The CBS population: secret values are unknown (NULL), not 0; the
 * snapshot weighs PC4s by it instead of the places; mismatches with the
 * centroids are reported. */
static void test_population(void)
{
    vw_store *st = fresh_db("pop.db");
    vw_err err;
    diags ds;
    vw_import_result r;
    char db[700];
    snprintf(db, sizeof db, "%s", path_of("pop.db"));
    load_valid_set(st);
    CHECK(import(st, VW_IMPORT_PLACES, WRITE("places.csv", "name,lat,lon,population\n"
                                                           "Utrecht,52.09,5.12,300000\n"),
                 false, &ds, &r, &err) == 0);
    vw_snapshot *s = vw_store_load(st, &err);
    CHECK(s && vw_snapshot_population_source(s) == VW_POP_PLACES &&
          vw_snapshot_population(s) == 300000);
    vw_snapshot_release(s);
    /* 3511 known, 3512 secret, 1011 missing; 9999 has people but no centroid */
    const char *p = WRITE("pop.csv", "pc4,population,age_65_plus,households\n"
                                     "3511,12000,2500,6000\n"
                                     "3512,-99997,-99997,-99997\n"
                                     "9999,40,5,20\n");
    int rc = import(st, VW_IMPORT_POPULATION, p, false, &ds, &r, &err);
    if (rc != 0)
        dump_diags(&ds);
    CHECK(rc == 0 && r.rows_ok == 3);
    CHECK(has_diag(&ds, VW_DIAG_WARNING, 4, "pc4 9999 has 40 people but no centroid"));
    CHECK(has_diag(&ds, VW_DIAG_WARNING, 0, "1 PC4 centroid(s) have no population row (1011)"));
    CHECK(has_diag(&ds, VW_DIAG_WARNING, 0, "3 value(s) kept secret by CBS"));
    CHECK(query_long(db, "SELECT count(*) FROM pc4_population WHERE pc4 = 3512 AND population "
                         "IS NULL AND age_65_plus IS NULL AND households IS NULL") == 1);
    s = vw_store_load(st, &err);
    CHECK(s != NULL);
    if (s) {
        vw_pc4_info a, b, c;
        CHECK(vw_snapshot_population_source(s) == VW_POP_CBS);
        CHECK(vw_snapshot_population(s) == 12000 && vw_snapshot_age_65_plus(s) == 2500);
        CHECK(vw_snapshot_pc4_population_unknown(s) == 2); /* 3512 secret, 1011 no row */
        CHECK(vw_snapshot_pc4_info(s, 3511, &a) && a.population == 12000 && a.age_65_plus == 2500);
        CHECK(vw_snapshot_pc4_info(s, 3512, &b) && b.population == 0 && b.age_65_plus == 0);
        CHECK(vw_snapshot_pc4_info(s, 1011, &c) && c.population == 0);
        vw_snapshot_release(s);
    }
    static const reject_case bad[] = {
        {"secret spelled otherwise", VW_IMPORT_POPULATION, "pc4,population\n3511,-99998\n", 2,
         "is not a whole number"},
        {"negative", VW_IMPORT_POPULATION, "pc4,population\n3511,-5\n", 2, "is not a whole"},
        {"more old than people", VW_IMPORT_POPULATION,
         "pc4,population,age_65_plus\n3511,10,20\n", 2, "more than population"},
        {"duplicate", VW_IMPORT_POPULATION, "pc4,population\n3511,10\n3511,20\n", 3,
         "duplicate pc4 3511"},
        {"empty population", VW_IMPORT_POPULATION, "pc4,population\n3511,\n", 2,
         "population is empty"},
        {"bad pc4", VW_IMPORT_POPULATION, "pc4,population\n0511,10\n", 2, "not 4 digits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = write_file("case.csv", bad[i].content, strlen(bad[i].content));
        rc = import(st, bad[i].kind, p, false, &ds, &r, &err);
        bool ok = rc == -1 && has_diag(&ds, VW_DIAG_ERROR, bad[i].line, bad[i].sub);
        if (!ok) {
            fprintf(stderr, "case '%s': rc %d\n", bad[i].what, rc);
            dump_diags(&ds);
        }
        CHECK(ok);
    }
    vw_store_close(st);
}

static void test_rejections(void)
{
    vw_store *st = fresh_db("reject.db");
    char db[700];
    snprintf(db, sizeof db, "%s", path_of("reject.db"));
    load_valid_set(st);
    uint64_t before = checksum(db);
    long logs = query_long(db, "SELECT count(*) FROM import_log");
    CHECK(before != 0);
    size_t n_base = sizeof cases / sizeof cases[0];
    size_t n_attr = sizeof attr_cases / sizeof attr_cases[0];
    for (size_t i = 0; i < n_base + n_attr; i++) {
        const reject_case *c = i < n_base ? &cases[i] : &attr_cases[i - n_base];
        diags ds;
        vw_import_result r;
        vw_err err;
        const char *p = write_file("case.csv", c->content, strlen(c->content));
        int rc = import(st, c->kind, p, false, &ds, &r, &err);
        int ok = rc == -1 && strcmp(err.code, VW_E_INVALID) == 0 && ds.errors >= 1 &&
                 has_diag(&ds, VW_DIAG_ERROR, c->line, c->sub) && r.import_id == 0;
        if (!ok) {
            fprintf(stderr, "case '%s': rc %d, %s: %s\n", c->what, rc, err.code, err.message);
            dump_diags(&ds);
        }
        CHECK(ok);
        CHECK(checksum(db) == before);
        /* each rejected import leaves an audit row, and only that */
        CHECK(query_long(db, "SELECT count(*) FROM import_log") == logs + 1);
        CHECK(query_long(db, "SELECT status = 'rejected' FROM import_log ORDER BY id DESC "
                             "LIMIT 1") == 1);
        logs++;
    }
    /* the strict message counts rows */
    {
        diags ds;
        vw_import_result r;
        vw_err err;
        const char *p = WRITE("two-bad.csv", PH PG "P011,X,bogus,,52.1,5.1,,U,,1,0\n"
                                                  "P012,X,dietist,,52.1,5.1,,U,,2,0\n");
        CHECK(import(st, VW_IMPORT_PROVIDERS, p, false, &ds, &r, &err) == -1);
        CHECK(strstr(err.message, "2 of 3 rows rejected") != NULL);
        CHECK(r.rows_read == 3 && r.rows_rejected == 2 && ds.errors == 2);
        CHECK(has_diag(&ds, VW_DIAG_ERROR, 4, "accepting \"2\""));
        CHECK(query_long(db, "SELECT count(*) FROM import_rejects WHERE import_id = "
                             "(SELECT max(id) FROM import_log)") == 2);
        CHECK(checksum(db) == before);
    }
    /* a missing file is an io error */
    {
        diags ds;
        vw_err err;
        CHECK(import(st, VW_IMPORT_PC4, path_of("nope.csv"), false, &ds, NULL, &err) == -1);
        CHECK_STR(err.code, VW_E_IO);
    }
    vw_store_close(st);
}

static int progress_calls;
static long progress_rows;
static long long progress_bytes;
static void on_progress(void *ctx, long rows, long long bytes, long long total)
{
    (*(int *)ctx)++;
    progress_rows = rows;
    progress_bytes = bytes;
    CHECK(total == bytes);
}

static void test_skip_invalid(void)
{
    vw_store *st = fresh_db("skip.db");
    char db[700];
    snprintf(db, sizeof db, "%s", path_of("skip.db"));
    diags ds;
    vw_import_result r;
    vw_err err;
    load_valid_set(st);
    /* progress is reported (at least once, at the end, with the byte count) */
    {
        vw_import_opts o = {.on_progress = on_progress, .ctx = &progress_calls};
        CHECK(vw_store_import(st, VW_IMPORT_PC4, WRITE("pc4.csv", PC4), &o, &r, &err) == 0);
        CHECK(progress_calls >= 1 && progress_rows == 3 && progress_bytes == (long long)strlen(PC4));
    }
    /* P003 (with a registration) disappears; one bad row is skipped */
    const char *p = WRITE("skip.csv", PH PG "P011,X,chiropractor,,52.1,5.1,,U,,1,0\n"
                                            "P001,Fysio B,fysiotherapeut,,52.1,5.1,,U,N-AMS,0,0\n");
    int rc = import(st, VW_IMPORT_PROVIDERS, p, true, &ds, &r, &err);
    if (rc != 0)
        fprintf(stderr, "skip: %s\n", err.message);
    CHECK(rc == 0);
    CHECK(r.rows_read == 3 && r.rows_ok == 2 && r.rows_rejected == 1 && r.import_id > 0);
    CHECK(has_diag(&ds, VW_DIAG_ERROR, 3, "unknown discipline"));
    CHECK(has_diag(&ds, VW_DIAG_WARNING, 0, "1 registration(s) of providers no longer"));
    CHECK(query_long(db, "SELECT count(*) FROM providers") == 2);
    CHECK(query_long(db, "SELECT count(*) FROM registrations") == 0);
    CHECK(query_long(db, "SELECT count(*) FROM memberships") == 2);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM import_rejects WHERE import_id = %lld AND "
             "line = 3", (long long)r.import_id);
    CHECK(query_long(db, sql) == 1);
    snprintf(sql, sizeof sql, "SELECT status = 'committed_partial' AND rows_rejected = 1 FROM "
             "import_log WHERE id = %lld", (long long)r.import_id);
    CHECK(query_long(db, sql) == 1);
    /* networks may be replaced while every referenced id stays */
    p = WRITE("nets2.csv", "id,name,kind,status,certified_until,region\n"
                           "N-UTR,U,oncologiezorgnetwerk,certified,,\nN-AMS,A,onco,forming,,\n");
    CHECK(import(st, VW_IMPORT_NETWORKS, p, false, &ds, &r, &err) == 0);
    if (r.warnings != 2)
        dump_diags(&ds);
    CHECK(r.warnings == 2 && has_diag(&ds, VW_DIAG_WARNING, 2, "without an end date") &&
          has_diag(&ds, VW_DIAG_WARNING, 3, "kind \"onco\" is not one of"));
    /* network kinds: a code, open to more; no end date is fine where NVPO does not certify */
    p = WRITE("nets3.csv", "id,name,kind,status,certified_until,region\n"
                           "N-UTR,U,palliatief,certified,,\nN-AMS,A,Onco Netwerk,forming,,\n");
    CHECK(import(st, VW_IMPORT_NETWORKS, p, false, &ds, &r, &err) == -1 &&
          has_diag(&ds, VW_DIAG_ERROR, 3, "kind \"Onco Netwerk\" is not a code"));
    p = WRITE("nets3.csv", "id,name,kind,status,certified_until,region\n"
                           "N-UTR,U,palliatief,certified,,\nN-AMS,A,oncologienetwerk,forming,,\n");
    rc = import(st, VW_IMPORT_NETWORKS, p, false, &ds, &r, &err);
    if (rc != 0 || r.warnings != 0)
        dump_diags(&ds);
    CHECK(rc == 0 && r.warnings == 0);
    /* a file whose every row is bad never wipes the table, even with skip */
    p = WRITE("allbad.csv", PH "P011,X,chiropractor,,52.1,5.1,,U,,1,0\n");
    CHECK(import(st, VW_IMPORT_PROVIDERS, p, true, &ds, &r, &err) == -1);
    CHECK(query_long(db, "SELECT count(*) FROM providers") == 2);
    /* a file-level error rejects even with skip */
    p = WRITE("fatal.csv", PH PG "P011,\"open\n");
    CHECK(import(st, VW_IMPORT_PROVIDERS, p, true, &ds, &r, &err) == -1);
    CHECK(query_long(db, "SELECT count(*) FROM providers") == 2);
    vw_snapshot *s = vw_store_load(st, &err);
    CHECK(s != NULL && vw_snapshot_provider_count(s) == 2 && vw_snapshot_network_count(s) == 2);
    vw_snapshot_release(s);
    vw_store_close(st);
}

/* Too many distinct tags is a file-level error. */
static void test_tag_limit(void)
{
    vw_store *st = fresh_db("tags.db");
    diags ds;
    vw_import_result r;
    vw_err err;
    size_t cap = 200000, len = 0;
    char *buf = malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, PH);
    for (int i = 0; i < 60; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "P%03d,X,dietist,tag%02d,52.1,5.1,,U,,1,0\n", i, i);
    const char *p = write_file("tags.csv", buf, len);
    CHECK(import(st, VW_IMPORT_PROVIDERS, p, true, &ds, &r, &err) == -1);
    CHECK(strstr(err.message, "more than 64 distinct expertise tags") != NULL);
    /* the 55th new tag (line 56) is the 65th in total */
    CHECK(has_diag(&ds, VW_DIAG_ERROR, 56, "\"tag54\" is one too many"));
    free(buf);
    vw_store_close(st);
}

/* A full disk during an import (here: SQLite's max_page_count on the store's
 * own connection) is `unavailable` saying the database is full, not
 * `internal`/`db`; nothing of the import stays. */
static void test_disk_full(void)
{
    vw_store *st = fresh_db("full.db");
    diags ds;
    vw_import_result r;
    vw_err err;
    load_valid_set(st);
    long before = query_long(path_of("full.db"), "SELECT count(*) FROM providers");
    size_t cap = 4u << 20, len = 0;
    char *buf = malloc(cap);
    CHECK(buf != NULL);
    if (buf == NULL)
        return;
    len += (size_t)snprintf(buf + len, cap - len, PH);
    for (int i = 0; i < 20000; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "Q%05d,Praktijk %05d met een lange naam,dietist,oncologie,52.1,5.1,,"
                                "Utrecht,,1,0\n", i, i);
    const char *p = write_file("full.csv", buf, len);
    char pragma[96];
    snprintf(pragma, sizeof pragma, "PRAGMA max_page_count = %ld",
             query_long(path_of("full.db"), "PRAGMA page_count") + 8);
    CHECK(sqlite3_exec(st->db, pragma, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(import(st, VW_IMPORT_PROVIDERS, p, false, &ds, &r, &err) == -1);
    CHECK(strcmp(err.code, VW_E_UNAVAILABLE) == 0);
    CHECK(strstr(err.message, "the database is full") != NULL);
    if (strcmp(err.code, VW_E_UNAVAILABLE) != 0)
        fprintf(stderr, "disk full: %s: %s\n", err.code, err.message);
    CHECK(query_long(path_of("full.db"), "SELECT count(*) FROM providers") == before);
    free(buf);
    vw_store_close(st);
}

static void test_geodata(void)
{
    const char *dir = getenv("VW_GEODATA");
    char p[700];
    if (dir == NULL || dir[0] == '\0') {
        printf("VW_GEODATA not set: skipping the open-data PC4 import\n");
        return;
    }
    snprintf(p, sizeof p, "%s/pc4_centroids.csv", dir);
    if (access(p, R_OK) != 0) {
        printf("%s not readable: skipping the open-data PC4 import\n", p);
        return;
    }
    vw_store *st = fresh_db("geo.db");
    char db[700];
    snprintf(db, sizeof db, "%s", path_of("geo.db"));
    diags ds;
    vw_import_result r;
    vw_err err;
    CHECK(import(st, VW_IMPORT_PC4, p, false, &ds, &r, &err) == -1);
    CHECK(ds.errors == 3 && r.rows_rejected == 3 && r.rows_read == 4766);
    int found = 0;
    for (int i = 0; i < ds.n; i++)
        if (ds.d[i].level == VW_DIAG_ERROR &&
            (strstr(ds.d[i].reason, "pc4 1940:") || strstr(ds.d[i].reason, "pc4 3440:") ||
             strstr(ds.d[i].reason, "pc4 9640:")) &&
            strstr(ds.d[i].reason, "outside the Netherlands"))
            found++;
    CHECK(found == 3);
    CHECK(strstr(err.message, "3 of 4766 rows rejected") != NULL);
    CHECK(query_long(db, "SELECT count(*) FROM pc4") == 0);

    CHECK(import(st, VW_IMPORT_PC4, p, true, &ds, &r, &err) == 0);
    CHECK(r.rows_ok == 4763 && r.rows_rejected == 3);
    CHECK(query_long(db, "SELECT count(*) FROM pc4") == 4763);
    int w1002 = 0, w1003 = 0;
    for (int i = 0; i < ds.n; i++) {
        if (ds.d[i].level != VW_DIAG_WARNING)
            continue;
        if (strstr(ds.d[i].reason, "1002 (Amsterdam) lies ") &&
            strstr(ds.d[i].reason, "km from the other Amsterdam postcodes"))
            w1002 = 1;
        if (strstr(ds.d[i].reason, "1003 (Amsterdam) lies "))
            w1003 = 1;
    }
    CHECK(w1002 && w1003);
    printf("open-data pc4: %ld warnings\n", r.warnings);
    vw_store_close(st);
}

int main(void)
{
    const char *t = getenv("VW_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_import.%ld", t && t[0] ? t : "/tmp", (long)getpid());
    if (t && t[0])
        mkdir(t, 0777);
    if (mkdir(tmpdir, 0777) != 0 && errno != EEXIST) {
        perror(tmpdir);
        return 2;
    }
    test_schema();
    test_valid_set();
    test_rejections();
    test_attrs();
    test_population();
    test_skip_invalid();
    test_tag_limit();
    test_disk_full();
    test_geodata();
    return T_DONE();
}
