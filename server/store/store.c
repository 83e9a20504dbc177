/* store.c -- opening the SQLite database: pragmas (WAL, busy timeout,
 * foreign keys), the schema and its migrations (keyed by PRAGMA
 * user_version), and small queries (counts, kind names).
 *
 * Migrations are a list of steps; step N brings a database from version N-1
 * to N and runs in one transaction with the user_version bump, so a failed
 * migration leaves the previous version intact. A database whose
 * user_version is above VW_SCHEMA_VERSION was written by a newer build and is
 * refused rather than guessed at. */
#include "store_priv.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 'VWRJ': marks a Verwijs database, so we never migrate someone else's file. */
#define VW_APPLICATION_ID 0x5657524A

static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT) WITHOUT ROWID;\n"
    "CREATE TABLE regions(code TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL) WITHOUT ROWID;\n"
    "INSERT INTO regions(code, name) VALUES\n"
    "  ('noord', 'Noord-Nederland'), ('oost', 'Oost-Nederland'),\n"
    "  ('midden', 'Midden-Nederland'), ('noordwest', 'Noordwest-Nederland'),\n"
    "  ('west', 'West-Nederland'), ('zuidwest', 'Zuidwest-Nederland'),\n"
    "  ('zuidoost', 'Zuidoost-Nederland');\n"
    "CREATE TABLE pc4(\n"
    "  pc4 INTEGER PRIMARY KEY CHECK (pc4 BETWEEN 1000 AND 9999),\n"
    "  place TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL);\n"
    "CREATE TABLE networks(\n"
    "  id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL DEFAULT '',\n"
    "  status TEXT NOT NULL CHECK (status IN ('certified', 'forming')),\n"
    "  certified_until TEXT,\n"
    "  region TEXT REFERENCES regions(code) DEFERRABLE INITIALLY DEFERRED) WITHOUT ROWID;\n"
    /* WITHOUT ROWID: rows are stored in id order, so loading in id order is a
     * sequential scan. */
    "CREATE TABLE providers(\n"
    "  id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, discipline TEXT NOT NULL,\n"
    "  expertise TEXT NOT NULL DEFAULT '',\n"
    "  lat REAL NOT NULL, lon REAL NOT NULL,\n"
    "  address TEXT, postcode TEXT, city TEXT, phone TEXT, email TEXT, website TEXT,\n"
    "  accepting INTEGER NOT NULL CHECK (accepting IN (0, 1)),\n"
    "  online INTEGER NOT NULL CHECK (online IN (0, 1)),\n"
    "  geocoded INTEGER NOT NULL DEFAULT 0 CHECK (geocoded IN (0, 1))) WITHOUT ROWID;\n"
    "CREATE TABLE memberships(\n"
    "  provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  network_id TEXT NOT NULL REFERENCES networks(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  PRIMARY KEY (provider_id, network_id)) WITHOUT ROWID;\n"
    "CREATE INDEX memberships_network ON memberships(network_id);\n"
    "CREATE TABLE registrations(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  tag TEXT NOT NULL, registry TEXT NOT NULL, valid_from TEXT, valid_until TEXT);\n"
    "CREATE INDEX registrations_provider ON registrations(provider_id);\n"
    "CREATE TABLE import_log(\n"
    "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, file TEXT NOT NULL,\n"
    "  started_at TEXT NOT NULL, finished_at TEXT,\n"
    "  rows_read INTEGER NOT NULL DEFAULT 0, rows_ok INTEGER NOT NULL DEFAULT 0,\n"
    "  rows_rejected INTEGER NOT NULL DEFAULT 0, warnings INTEGER NOT NULL DEFAULT 0,\n"
    "  status TEXT NOT NULL CHECK (status IN ('committed', 'rejected', 'committed_partial')),\n"
    "  message TEXT);\n"
    "CREATE TABLE import_rejects(\n"
    "  import_id INTEGER NOT NULL REFERENCES import_log(id),\n"
    "  line INTEGER NOT NULL, reason TEXT NOT NULL);\n"
    "CREATE INDEX import_rejects_import ON import_rejects(import_id);\n"
    "INSERT INTO meta(key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));\n";

/* Step i brings the schema from version i to i + 1. */
/* v2: geography. Region polygons (WKB, built by `verwijs import regions`)
 * and places with population (to weight PC4 demand points in coverage). */
static const char schema_v2[] =
    "ALTER TABLE regions ADD COLUMN geom BLOB;\n"
    "ALTER TABLE regions ADD COLUMN areas INTEGER;\n"
    "ALTER TABLE regions ADD COLUMN source TEXT;\n"
    "CREATE TABLE places(\n"
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,\n"
    "  population INTEGER NOT NULL CHECK (population >= 0), geonameid INTEGER);\n";

/* v3: what each import replaced (import_diff.c): rows before, and rows
 * removed, added and changed by key; NULL where not counted. */
static const char schema_v3[] =
    "ALTER TABLE import_log ADD COLUMN rows_before INTEGER;\n"
    "ALTER TABLE import_log ADD COLUMN rows_removed INTEGER;\n"
    "ALTER TABLE import_log ADD COLUMN rows_added INTEGER;\n"
    "ALTER TABLE import_log ADD COLUMN rows_changed INTEGER;\n";

/* v4: PC4 x PC4 travel-time matrices (`verwijs import traveltimes`): one row
 * per mode and origin PC4, its pairs packed (server/engine/traveltime.h:
 * uint16 destination, uint16 tenths of a minute), so loading 23 M pairs is a
 * few thousand blob reads; and what each mode's matrix holds. */
static const char schema_v4[] =
    "CREATE TABLE traveltimes(\n"
    "  mode TEXT NOT NULL CHECK (mode IN ('car', 'bike', 'walk', 'transit')),\n"
    "  from_pc4 INTEGER NOT NULL CHECK (from_pc4 BETWEEN 1000 AND 9999),\n"
    "  pairs BLOB NOT NULL, PRIMARY KEY (mode, from_pc4)) WITHOUT ROWID;\n"
    "CREATE TABLE traveltime_sets(\n"
    "  mode TEXT PRIMARY KEY NOT NULL, pairs INTEGER NOT NULL, origins INTEGER NOT NULL,\n"
    "  import_id INTEGER, source TEXT) WITHOUT ROWID;\n";

/* v5: what a referrer needs to know (docs/SCHEMA.md): canonical opening
 * hours text, ';'-joined ISO 639-1 languages, tri-state flags (NULL =
 * unknown), the waiting time with the day it was confirmed, AGB and BIG;
 * and the CBS population per PC4 (coverage weights). */
static const char schema_v5[] =
    "ALTER TABLE providers ADD COLUMN hours TEXT;\n"
    "ALTER TABLE providers ADD COLUMN languages TEXT;\n"
    "ALTER TABLE providers ADD COLUMN wheelchair INTEGER CHECK (wheelchair IN (0, 1));\n"
    "ALTER TABLE providers ADD COLUMN direct_access INTEGER CHECK (direct_access IN (0, 1));\n"
    "ALTER TABLE providers ADD COLUMN wait_weeks INTEGER "
    "CHECK (wait_weeks BETWEEN 0 AND 520);\n"
    "ALTER TABLE providers ADD COLUMN wait_confirmed TEXT;\n"
    "ALTER TABLE providers ADD COLUMN agb TEXT;\n"
    "ALTER TABLE providers ADD COLUMN big TEXT;\n"
    /* CBS population per PC4; NULL = kept secret by CBS (-99997 in the file) */
    "CREATE TABLE pc4_population(\n"
    "  pc4 INTEGER PRIMARY KEY CHECK (pc4 BETWEEN 1000 AND 9999),\n"
    "  population INTEGER CHECK (population >= 0),\n"
    "  age_65_plus INTEGER CHECK (age_65_plus >= 0),\n"
    "  households INTEGER CHECK (households >= 0)) WITHOUT ROWID;\n";

/* v6: the living register (issue 15, server/store/changes.h): every record
 * carries its version and the time it last changed (NULL: before the change
 * log existed); change_sets groups the changes of one apply or import, and
 * change_log holds one row per record changed, old and new values as JSON,
 * append-only (the triggers abort any UPDATE or DELETE of it). */
static const char schema_v6[] =
    "ALTER TABLE providers ADD COLUMN version INTEGER NOT NULL DEFAULT 1;\n"
    "ALTER TABLE providers ADD COLUMN updated_at TEXT;\n"
    "ALTER TABLE networks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;\n"
    "ALTER TABLE networks ADD COLUMN updated_at TEXT;\n"
    "ALTER TABLE memberships ADD COLUMN version INTEGER NOT NULL DEFAULT 1;\n"
    "ALTER TABLE memberships ADD COLUMN updated_at TEXT;\n"
    "ALTER TABLE registrations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;\n"
    "ALTER TABLE registrations ADD COLUMN updated_at TEXT;\n"
    "CREATE INDEX registrations_key ON registrations(provider_id, tag, registry);\n"
    "CREATE TABLE change_sets(\n"
    "  id INTEGER PRIMARY KEY, at TEXT NOT NULL, credential TEXT NOT NULL,\n"
    "  source TEXT NOT NULL, import_id INTEGER, changes INTEGER NOT NULL);\n"
    "CREATE TABLE change_log(\n"
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  set_id INTEGER NOT NULL REFERENCES change_sets(id),\n"
    "  at TEXT NOT NULL, credential TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('provider', 'network', 'membership', 'registration')),\n"
    "  op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),\n"
    "  record TEXT NOT NULL, version INTEGER NOT NULL, old TEXT, new TEXT);\n"
    "CREATE INDEX change_log_record ON change_log(kind, record, seq);\n"
    "CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log\n"
    "  BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;\n"
    "CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log\n"
    "  BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;\n"
    "CREATE TRIGGER change_sets_no_delete BEFORE DELETE ON change_sets\n"
    "  BEGIN SELECT RAISE(ABORT, 'change_sets is append-only'); END;\n";

/* v7: the state of the data (issue 18): a random token every write
 * transaction of verwijs replaces (vw_store_stamp), and that any other write
 * to a table a snapshot is loaded from turns into 'dirty' (the triggers), so
 * a snapshot image (server/store/image.h) built from one state is never
 * taken for another. */
#define DIRTY "UPDATE meta SET value = 'dirty' WHERE key = 'state' AND value IS NOT 'dirty';"
static const char schema_v7[] =
    "INSERT OR REPLACE INTO meta(key, value) VALUES ('state', lower(hex(randomblob(16))));\n"
    /* A write that is not verwijs's (the sqlite3 shell) leaves 'dirty': no
     * image is taken for it (server/store/image.h). One primary-key lookup
     * per row written, no write once dirty; verwijs's writers stamp a new
     * token last, just before their COMMIT. */
    "CREATE TRIGGER IF NOT EXISTS state_pc4_ins AFTER INSERT ON pc4 BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_pc4_upd AFTER UPDATE ON pc4 BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_pc4_del AFTER DELETE ON pc4 BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_places_ins AFTER INSERT ON places BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_places_upd AFTER UPDATE ON places BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_places_del AFTER DELETE ON places BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_regions_ins AFTER INSERT ON regions BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_regions_upd AFTER UPDATE ON regions BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_regions_del AFTER DELETE ON regions BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_networks_ins AFTER INSERT ON networks BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_networks_upd AFTER UPDATE ON networks BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_networks_del AFTER DELETE ON networks BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_providers_ins AFTER INSERT ON providers BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_providers_upd AFTER UPDATE ON providers BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_providers_del AFTER DELETE ON providers BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_memberships_ins AFTER INSERT ON memberships BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_memberships_upd AFTER UPDATE ON memberships BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_memberships_del AFTER DELETE ON memberships BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_registrations_ins AFTER INSERT ON registrations BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_registrations_upd AFTER UPDATE ON registrations BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_registrations_del AFTER DELETE ON registrations BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_traveltimes_ins AFTER INSERT ON traveltimes BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_traveltimes_upd AFTER UPDATE ON traveltimes BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_traveltimes_del AFTER DELETE ON traveltimes BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_traveltime_sets_ins AFTER INSERT ON traveltime_sets BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_traveltime_sets_upd AFTER UPDATE ON traveltime_sets BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_traveltime_sets_del AFTER DELETE ON traveltime_sets BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_pc4_population_ins AFTER INSERT ON pc4_population BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_pc4_population_upd AFTER UPDATE ON pc4_population BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_pc4_population_del AFTER DELETE ON pc4_population BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_import_log_ins AFTER INSERT ON import_log BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_import_log_upd AFTER UPDATE ON import_log BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_import_log_del AFTER DELETE ON import_log BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_change_log_ins AFTER INSERT ON change_log BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_change_log_upd AFTER UPDATE ON change_log BEGIN " DIRTY " END;\n"
    "CREATE TRIGGER IF NOT EXISTS state_change_log_del AFTER DELETE ON change_log BEGIN " DIRTY " END;\n";

_Static_assert(VW_STORE_STATE_TRIGGERS == 12 * 3, "one trigger per table and write");

static const char *const migrations[] = {schema_v1, schema_v2, schema_v3, schema_v4,
                                         schema_v5, schema_v6, schema_v7};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(N_MIGRATIONS == VW_SCHEMA_VERSION, "one migration step per schema version");

/* A full disk (or a size limit) and an I/O error are the store being out of
 * reach, not a bug: `unavailable`, saying so, so callers do not answer
 * `internal`. Every other SQLite failure stays `db`. */
int vw_store_sqlite_error(sqlite3 *db, vw_err *err, const char *what, const char *detail)
{
    const char *msg = detail ? detail : db ? sqlite3_errmsg(db) : "?";
    int rc = db ? sqlite3_errcode(db) & 0xff : SQLITE_OK; /* the primary code */
    const char *sep = what ? ": " : "";
    what = what ? what : "";
    if (rc == SQLITE_FULL)
        return vw_err_set(err, VW_E_UNAVAILABLE, "%s%sthe database is full (no space left on "
                          "its disk, or its size limit reached)", what, sep);
    if (rc == SQLITE_IOERR)
        return vw_err_set(err, VW_E_UNAVAILABLE, "%s%sthe database cannot be read or written "
                          "(I/O error: %s)", what, sep, msg);
    return vw_err_set(err, VW_E_DB, "%s%s%s", what, sep, msg);
}

int vw_store_db_error(vw_store *st, vw_err *err, const char *what)
{
    return vw_store_sqlite_error(st ? st->db : NULL, err, what, NULL);
}

int vw_store_fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int vw_store_stamp_db(sqlite3 *db, vw_err *err)
{
    if (sqlite3_exec(db, "INSERT OR REPLACE INTO meta(key, value) "
                         "VALUES ('state', lower(hex(randomblob(16))))",
                     NULL, NULL, NULL) != SQLITE_OK)
        return vw_store_sqlite_error(db, err, "marking the new state", NULL);
    return 0;
}

int vw_store_stamp(vw_store *st, vw_err *err) { return vw_store_stamp_db(st->db, err); }

int vw_store_exec(vw_store *st, const char *sql, vw_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        vw_store_sqlite_error(st->db, err, NULL, msg);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* One integer from a query (PRAGMA or count); -1 with err set on failure. */
static int query_int(vw_store *st, const char *sql, long long *out, vw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        vw_store_db_error(st, err, sql);
        goto out;
    }
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
    } else if (step == SQLITE_DONE) {
        *out = 0;
    } else {
        vw_store_db_error(st, err, sql);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

static int migrate(vw_store *st, vw_err *err)
{
    long long ver = 0;
    char sql[96];
    if (vw_store_exec(st, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    /* re-read inside the write lock: another process may have migrated */
    if (query_int(st, "PRAGMA user_version", &ver, err) != 0)
        goto fail;
    for (int v = (int)ver; v < N_MIGRATIONS; v++) {
        if (vw_store_exec(st, migrations[v], err) != 0)
            goto fail;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (vw_store_exec(st, sql, err) != 0)
            goto fail;
    }
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", VW_APPLICATION_ID);
    if (vw_store_exec(st, sql, err) != 0 || vw_store_stamp(st, err) != 0 ||
        vw_store_exec(st,
                      "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', "
                      "(SELECT user_version FROM pragma_user_version))",
                      err) != 0 ||
        vw_store_exec(st, "COMMIT", err) != 0)
        goto fail;
    st->version = N_MIGRATIONS;
    return 0;
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Refuse files that are not ours or are newer than this build. */
static int check_version(vw_store *st, const char *path, vw_err *err)
{
    long long app = 0, ver = 0, tables = 0;
    if (query_int(st, "PRAGMA application_id", &app, err) != 0 ||
        query_int(st, "PRAGMA user_version", &ver, err) != 0 ||
        query_int(st, "SELECT count(*) FROM sqlite_master", &tables, err) != 0)
        return -1;
    if (app != 0 && app != VW_APPLICATION_ID)
        return vw_err_set(err, VW_E_DB, "%s is not a Verwijs database (application_id %lld)",
                          path, app);
    if (ver > VW_SCHEMA_VERSION)
        return vw_err_set(err, VW_E_DB,
                          "%s has schema version %lld, newer than this build supports (%d); "
                          "use a newer verwijs",
                          path, ver, VW_SCHEMA_VERSION);
    if (ver == 0 && tables > 0)
        return vw_err_set(err, VW_E_DB,
                          "%s is not a Verwijs database (it has tables but no schema version)",
                          path);
    st->version = (int)ver;
    return 0;
}

int vw_store_open(const char *path, int flags, vw_store **out, vw_err *err)
{
    vw_store *st = NULL;
    int rc = -1;
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return vw_err_set(err, VW_E_DB, "no database path given");
    st = calloc(1, sizeof *st);
    if (st == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    st->readonly = !(flags & VW_STORE_READWRITE);
    /* NOMUTEX: a vw_store is used by one thread at a time (the daemon opens
     * its own); saves a lock per sqlite3_column_* call when loading. */
    int oflags = (st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                 SQLITE_OPEN_NOMUTEX;
    if ((flags & VW_STORE_CREATE) == VW_STORE_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
        vw_err_set(err, VW_E_DB, "cannot open database %s: %s", path,
                   st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto out;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, 5000);
    /* Imports are big single transactions: a larger page cache helps the
     * index inserts; NORMAL sync is durable enough in WAL mode (a power cut
     * can lose the last commit, never corrupt). */
    if (vw_store_exec(st, "PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768", err) != 0)
        goto out;
    if (check_version(st, path, err) != 0)
        goto out;
    if (!st->readonly) {
        if (vw_store_exec(st,
                          "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                          "PRAGMA journal_size_limit = 67108864",
                          err) != 0)
            goto out;
        if (st->version < VW_SCHEMA_VERSION && migrate(st, err) != 0)
            goto out;
    } else if (st->version < VW_SCHEMA_VERSION) {
        vw_err_set(err, VW_E_DB,
                   st->version == 0
                       ? "%s has no Verwijs schema yet (create it with an import first)"
                       : "%s has an old schema version; open it read-write once to migrate",
                   path);
        goto out;
    }
    *out = st;
    st = NULL;
    rc = 0;
out:
    vw_store_close(st);
    return rc;
}

void vw_store_close(vw_store *st)
{
    if (st == NULL)
        return;
    sqlite3_close_v2(st->db);
    free(st);
}

int vw_store_schema_version(vw_store *st) { return st ? st->version : -1; }

static const char *const kind_names[] = {"providers", "networks", "pc4", "registrations",
                                         "places", "traveltimes", "population"};
#define N_KINDS ((int)(sizeof kind_names / sizeof kind_names[0]))

int vw_import_kind_parse(const char *s, vw_import_kind *out)
{
    if (s == NULL)
        return -1;
    for (int i = 0; i < N_KINDS; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (vw_import_kind)i;
            return 0;
        }
    return -1;
}

const char *vw_import_kind_name(vw_import_kind k)
{
    return ((unsigned)k < (unsigned)N_KINDS) ? kind_names[k] : "?";
}

int vw_store_counts_get(vw_store *st, vw_store_counts *out, vw_err *err)
{
    static const char *const sql[] = {
        "SELECT count(*) FROM providers", "SELECT count(*) FROM networks",
        "SELECT count(*) FROM memberships", "SELECT count(*) FROM registrations",
        "SELECT count(*) FROM pc4", "SELECT count(*) FROM import_log",
        "SELECT count(*) FROM places", "SELECT count(*) FROM regions WHERE geom IS NOT NULL",
        "SELECT count(*) FROM pc4_population"};
    long *dst[] = {&out->providers, &out->networks, &out->memberships, &out->registrations,
                   &out->pc4,       &out->imports,  &out->places,      &out->regions_with_geometry,
                   &out->population};
    int rc = -1;
    memset(out, 0, sizeof *out);
    /* one read transaction, so the counts are consistent with each other */
    if (vw_store_exec(st, "BEGIN", err) != 0)
        return -1;
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        long long v = 0;
        if (query_int(st, sql[i], &v, err) != 0)
            goto out;
        *dst[i] = (long)v;
    }
    rc = 0;
out:
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}
