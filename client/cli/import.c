/* import.c -- local data commands: import KIND FILE --db PATH, db init,
 * db info. These open the SQLite file directly (the admin path); the daemon
 * picks up changes on reload (SIGHUP). */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/store/store.h"
#include "cli.h"
#include "progress.h"
#include "json.h"

typedef struct import_ctx {
    long errors, warnings, shown;
    vw_progress prog; /* rows/s and ETA (by bytes read) on a terminal */
    long kill_at_row; /* VW_FAULT_KILL_AT_ROW, tests only; 0 = off */
} import_ctx;

static void on_diag(void *arg, const char *file, long line, vw_diag_level level,
                    const char *reason)
{
    import_ctx *c = arg;
    if (level == VW_DIAG_ERROR)
        c->errors++;
    else
        c->warnings++;
    vw_progress_clear(&c->prog);
    if (line > 0)
        fprintf(stderr, "%s:%ld: %s: %s\n", file, line,
                level == VW_DIAG_ERROR ? "error" : "warning", reason);
    else
        fprintf(stderr, "%s: %s: %s\n", file, level == VW_DIAG_ERROR ? "error" : "warning",
                reason);
}

static void on_progress(void *arg, long rows, long long bytes, long long total)
{
    import_ctx *c = arg;
    /* Fault injection for the crash-safety test: die mid-transaction, after
     * this many rows were written but before COMMIT. */
    if (c->kill_at_row > 0 && rows >= c->kill_at_row)
        raise(SIGKILL);
    vw_progress_update(&c->prog, (double)rows, 0,
                       total > 0 ? (double)bytes / (double)total : 0);
}

static const char import_help[] =
    "usage: verwijs import pc4|places|population|networks|providers|registrations FILE --db PATH\n"
    "                     [--skip-invalid] [--replace-all] [--max-removed PCT]\n"
    "                     [--delimiter ','|';'|tab] [--encoding utf8|latin1]\n"
    "       verwijs import traveltimes FILE --mode car|bike|walk|transit --db PATH\n"
    "                     [--skip-invalid] [--delimiter ','|';'|tab]\n"
    "       verwijs import regions BOUNDARIES.geojson --db PATH [--mapping CSV]\n"
    "Imports a CSV file (UTF-8, header row; formats in docs/SCHEMA.md) into the SQLite\n"
    "database, replacing all rows of that kind. Every invalid row is reported as\n"
    "FILE:LINE: reason. The import commits whole or changes nothing (exit 1);\n"
    "--skip-invalid commits the valid rows and records each rejected one in the import log.\n"
    "An import that would remove more than --max-removed percent (default 10) of the\n"
    "existing rows of its kind is refused unless --replace-all; every import says how many\n"
    "rows it removed, added and changed (verwijs db log lists them).\n"
    "A spreadsheet saved with Dutch settings (';' between columns, or Windows-1252\n"
    "\"Latin-1\" text) is named as such; --delimiter ';' and --encoding latin1 read it\n"
    "as it is, converting the text exactly to UTF-8.\n"
    "Order: pc4, places or population, regions, networks, providers, registrations.\n"
    "places: name,lat,lon,population[,geonameid] (weights of the PC4 demand points).\n"
    "population: pc4,population[,age_65_plus][,households] (CBS per PC4; -99997 = secret,\n"
    "unknown); where loaded it weighs the PC4 demand points instead of places.\n"
    "regions: municipality polygons (GeoJSON: gemeente_2015 with statcode + corop_gebied, or\n"
    "gemeente_2024 with gemeentecode) mapped to\n"
    "the 7 IZA regions by --mapping (default: share/verwijs/iza_regions.csv under the\n"
    "prefix this verwijs is installed in, here %s)\n"
    "and unioned per region; see docs/GEOGRAPHY.md.\n"
    "traveltimes: one mode's PC4 x PC4 matrix, from_pc4,to_pc4,minutes[,km] (or\n"
    "FROMPC4,TOPC4,TIME,DISTANCE), replacing that mode's matrix; after pc4. Make one from\n"
    "OpenStreetMap with scripts/traveltimes-build.sh; see docs/TRAVELTIMES.md.\n";

/* The mapping table installed beside this binary: PREFIX/bin/verwijs reads
 * PREFIX/share/verwijs/iza_regions.csv, whatever prefix `cmake --install`
 * was given. A binary still in its build tree (VW_BUILD_DIR) reads the
 * source tree's table instead. */
static const char *default_mapping(void)
{
    static char path[4096];
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return "share/verwijs/iza_regions.csv";
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0'; /* exe is now the binary's directory */
#if defined(VW_BUILD_DIR) && defined(VW_MAPPING_SOURCE)
    if (strcmp(exe, VW_BUILD_DIR) == 0)
        return VW_MAPPING_SOURCE;
#endif
    static const char rel[] = "/../share/verwijs/iza_regions.csv";
    if (strlen(exe) + sizeof rel > sizeof path)
        return "share/verwijs/iza_regions.csv";
    memcpy(path, exe, strlen(exe));
    memcpy(path + strlen(exe), rel, sizeof rel);
    char *real = realpath(path, NULL); /* tidy the "bin/.." for messages */
    if (real) {
        snprintf(path, sizeof path, "%s", real);
        free(real);
    }
    return path;
}

static int import_regions(const char *db, const char *boundaries, const char *mapping)
{
    vw_err err;
    vw_store *st = vw_cli_open_store(db, VW_STORE_CREATE, "import");
    if (st == NULL)
        return EXIT_FAIL;
    import_ctx ctx = {0};
    vw_progress_start(&ctx.prog, "import regions", "municipalities");
    vw_import_opts o = {.on_diag = on_diag, .ctx = &ctx};
    vw_import_result res = {0};
    int rc = vw_store_import_regions(st, boundaries, mapping, &o, &res, &err);
    vw_store_close(st);
    if (rc != 0) {
        fprintf(stderr, "verwijs import: %s; nothing changed\n", err.message);
        return EXIT_FAIL;
    }
    fprintf(stderr, "imported 7 region polygons from %ld municipalities into %s (%ld warnings) in "
            "%.1f s\n", res.rows_ok, db, res.warnings, vw_progress_elapsed(&ctx.prog));
    return EXIT_OK;
}

int vw_cmd_import(const vw_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"skip-invalid", no_argument, NULL, 's'},
                                         {"mapping", required_argument, NULL, 'm'},
                                         {"replace-all", no_argument, NULL, 'R'},
                                         {"max-removed", required_argument, NULL, 'M'},
                                         {"delimiter", required_argument, NULL, 'L'},
                                         {"encoding", required_argument, NULL, 'E'},
                                         {"mode", required_argument, NULL, 'T'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *mapping = NULL, *mode = NULL;
    bool skip = false, replace_all = false;
    double max_removed = -1;
    char delimiter = 0;
    vw_import_encoding encoding = VW_ENC_UTF8;
    char *end;
    int c;
    (void)cli;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': skip = true; break;
        case 'm': mapping = optarg; break;
        case 'R': replace_all = true; break;
        case 'L':
            if (strcmp(optarg, ",") == 0 || strcmp(optarg, ";") == 0)
                delimiter = optarg[0];
            else if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\t") == 0)
                delimiter = '\t';
            else
                return vw_cli_usage_error("import", "--delimiter is ',', ';' or tab");
            break;
        case 'E':
            if (strcmp(optarg, "utf8") == 0 || strcmp(optarg, "utf-8") == 0)
                encoding = VW_ENC_UTF8;
            else if (strcmp(optarg, "latin1") == 0 || strcmp(optarg, "windows-1252") == 0 ||
                     strcmp(optarg, "cp1252") == 0)
                encoding = VW_ENC_CP1252;
            else
                return vw_cli_usage_error("import", "--encoding is utf8 or latin1 "
                                                    "(Windows-1252)");
            break;
        case 'M':
            max_removed = strtod(optarg, &end);
            if (end == optarg || (*end && strcmp(end, "%") != 0) || !(max_removed >= 0) ||
                max_removed > 100)
                return vw_cli_usage_error("import", "--max-removed is a percentage 0..100");
            break;
        case 'T': mode = optarg; break;
        case 'h': printf(import_help, default_mapping()); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (argc - optind != 2 || db == NULL)
        return vw_cli_usage_error("import", "KIND FILE and --db PATH are required");
    if (strcmp(argv[optind], "regions") == 0)
        return import_regions(db, argv[optind + 1], mapping ? mapping : default_mapping());
    if (mapping != NULL)
        return vw_cli_usage_error("import", "--mapping is for import regions");
    vw_import_kind kind;
    if (vw_import_kind_parse(argv[optind], &kind) != 0)
        return vw_cli_usage_error("import", "unknown kind '%s' (pc4, places, population, regions, "
                                            "networks, providers, registrations, traveltimes)",
                                  argv[optind]);
    if ((kind == VW_IMPORT_TRAVELTIMES) != (mode != NULL))
        return vw_cli_usage_error("import", kind == VW_IMPORT_TRAVELTIMES
                                                ? "traveltimes needs --mode car|bike|walk|transit"
                                                : "--mode is for import traveltimes");
    if (mode != NULL && strcmp(mode, "car") && strcmp(mode, "bike") && strcmp(mode, "walk") &&
        strcmp(mode, "transit"))
        return vw_cli_usage_error("import", "--mode must be car, bike, walk or transit");
    const char *file = argv[optind + 1];
    vw_err err;
    vw_store *st = vw_cli_open_store(db, VW_STORE_CREATE, "import");
    if (st == NULL)
        return EXIT_FAIL;
    import_ctx ctx = {0};
    char label[48];
    snprintf(label, sizeof label, "import %s", vw_import_kind_name(kind));
    vw_progress_start(&ctx.prog, label, "rows");
    const char *fault = getenv("VW_FAULT_KILL_AT_ROW");
    if (fault != NULL)
        ctx.kill_at_row = atol(fault);
    vw_import_opts o = {.on_diag = on_diag, .ctx = &ctx, .skip_invalid = skip,
                        .on_progress = on_progress, .replace_all = replace_all,
                        .delimiter = delimiter, .encoding = encoding,
                        /* 0 % is "remove nothing": a share just above 0 */
                        .max_removed_share = max_removed < 0 ? 0
                                             : max_removed == 0 ? 1e-12 : max_removed / 100,
                        .mode = mode};
    vw_import_result res = {0};
    int rc = vw_store_import(st, kind, file, &o, &res, &err);
    vw_store_close(st);
    vw_progress_clear(&ctx.prog);
    if (rc != 0) {
        if (res.rows_rejected > 0)
            fprintf(stderr, "rejected: %ld of %ld rows invalid; nothing changed\n",
                    res.rows_rejected, res.rows_read);
        else
            fprintf(stderr, "verwijs import: %s; nothing changed\n", err.message);
        return EXIT_FAIL;
    }
    fprintf(stderr, "imported %ld of %ld %s rows into %s (%ld rejected, %ld warnings",
            res.rows_ok, res.rows_read, vw_import_kind_name(kind), db, res.rows_rejected,
            res.warnings);
    if (res.rows_geocoded)
        fprintf(stderr, ", %ld placed at their PC4 centroid", res.rows_geocoded);
    fprintf(stderr, ") in %.1f s\n", vw_progress_elapsed(&ctx.prog));
    if (encoding == VW_ENC_CP1252)
        fprintf(stderr, "converted %ld characters from Windows-1252 (Latin-1) to UTF-8\n",
                res.converted);
    if (res.diffed)
        fprintf(stderr, "%s: %ld removed, %ld added, %ld changed, %ld unchanged (%ld before)\n",
                vw_import_kind_name(kind), res.removed, res.added, res.changed,
                res.rows_before - res.removed - res.changed, res.rows_before);
    return EXIT_OK;
}

static void log_row(void *ctx, const vw_import_log_entry *e)
{
    bool json = *(bool *)ctx;
    char counts[96] = "-";
    if (e->diffed)
        snprintf(counts, sizeof counts, "-%ld +%ld ~%ld of %ld", e->removed, e->added, e->changed,
                 e->rows_before);
    if (!json) {
        printf("%-5" PRId64 " %-20.20s %-13s %-17s %8ld %8ld %8ld  %-26s %s%s%s\n", e->id,
               e->started_at, e->kind, e->status, e->rows_read, e->rows_ok, e->rows_rejected,
               counts, e->file, e->message[0] ? ": " : "", e->message);
        return;
    }
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, e->diffed ? 15 : 11);
    vw_pack_kv_int(&pk, "id", e->id);
    vw_pack_kv_str(&pk, "kind", e->kind);
    vw_pack_kv_str(&pk, "file", e->file);
    vw_pack_kv_str(&pk, "started_at", e->started_at);
    vw_pack_kv_str(&pk, "finished_at", e->finished_at);
    vw_pack_kv_str(&pk, "status", e->status);
    vw_pack_kv_str(&pk, "message", e->message);
    vw_pack_kv_int(&pk, "rows_read", e->rows_read);
    vw_pack_kv_int(&pk, "rows_ok", e->rows_ok);
    vw_pack_kv_int(&pk, "rows_rejected", e->rows_rejected);
    vw_pack_kv_int(&pk, "warnings", e->warnings);
    if (e->diffed) {
        vw_pack_kv_int(&pk, "rows_before", e->rows_before);
        vw_pack_kv_int(&pk, "removed", e->removed);
        vw_pack_kv_int(&pk, "added", e->added);
        vw_pack_kv_int(&pk, "changed", e->changed);
    }
    msgpack_zone z;
    msgpack_object o;
    msgpack_zone_init(&z, 1024);
    if (msgpack_unpack(sb.data, sb.size, NULL, &z, &o) == MSGPACK_UNPACK_SUCCESS) {
        vw_json_write(stdout, &o, false); /* ends the line itself */
    }
    msgpack_zone_destroy(&z);
    msgpack_sbuffer_destroy(&sb);
}

/* `verwijs db log`: the import log, newest first (JSON: one object a line). */
static int db_log(const char *db, int limit, bool json)
{
    vw_err err;
    vw_store *st = vw_cli_open_store(db, VW_STORE_READONLY, "db");
    if (st == NULL)
        return EXIT_FAIL;
    if (!json)
        printf("%-5s %-20s %-13s %-17s %8s %8s %8s  %-26s %s\n", "id", "started (UTC)", "kind",
               "status", "read", "ok", "rejected", "removed/added/changed", "file");
    int rc = vw_store_import_log(st, limit, log_row, &json, &err);
    vw_store_close(st);
    if (rc != 0) {
        fprintf(stderr, "verwijs db: %s\n", err.message);
        return EXIT_FAIL;
    }
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

int vw_cmd_db(const vw_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL;
    long limit = 20;
    bool json = cli->json;
    char *end;
    int c;
    static const char db_help[] =
        "usage: verwijs db init|info|log --db PATH [--limit N] [--json]\n"
        "init creates the database with the current schema; info prints its counts;\n"
        "log lists the imports, newest first: kind, file, status, rows read / ok /\n"
        "rejected, and what each replaced (removed, added, changed).\n";
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(db_help, stdout);
        return EXIT_OK;
    }
    if (argc < 2)
        return vw_cli_usage_error("db", "init or info");
    const char *sub = argv[1];
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'l') {
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 0 || limit > 1000000)
                return vw_cli_usage_error("db", "--limit must be 0..1000000 (0: all)");
        } else if (c == 'j')
            json = true;
        else if (c == 'h') {
            fputs(db_help, stdout);
            return EXIT_OK;
        } else
            return EXIT_USAGE;
    }
    if (db == NULL)
        return vw_cli_usage_error("db", "--db PATH is required");
    bool init = strcmp(sub, "init") == 0;
    if (strcmp(sub, "log") == 0)
        return db_log(db, (int)limit, json);
    if (!init && strcmp(sub, "info") != 0)
        return vw_cli_usage_error("db", "unknown subcommand '%s' (init, info, log)", sub);
    vw_err err;
    vw_store *st = vw_cli_open_store(db, init ? VW_STORE_CREATE : VW_STORE_READONLY, "db");
    if (st == NULL)
        return EXIT_FAIL;
    vw_store_counts n;
    int rc = EXIT_OK;
    if (vw_store_counts_get(st, &n, &err) != 0) {
        fprintf(stderr, "verwijs db: %s\n", err.message);
        rc = EXIT_FAIL;
    } else {
        printf("%s: schema version %d\n", db, vw_store_schema_version(st));
        printf("  pc4            %ld\n  networks       %ld\n  providers      %ld\n"
               "  memberships    %ld\n  registrations  %ld\n  places         %ld\n"
               "  population     %ld PC4 (CBS)\n"
               "  regions        %ld of 7 with a polygon\n  imports        %ld\n",
               n.pc4, n.networks, n.providers, n.memberships, n.registrations, n.places,
               n.population, n.regions_with_geometry, n.imports);
    }
    vw_store_close(st);
    return rc;
}
