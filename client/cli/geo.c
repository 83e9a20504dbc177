/* geo.c -- geography commands: `verwijs regions` (the 7 IZA regions and
 * their figures) and `verwijs coverage` (white spots for one need, per
 * region, as a table, CSV, JSON, GeoJSON, SVG or PNG map).
 *
 * Both ask the daemon, or with --db PATH run the same op in-process on a
 * snapshot loaded from the SQLite file (for coordinators without a daemon;
 * the answer is byte-for-byte what the daemon would send). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "geodata/map.h"
#include "geodata/netmap.h"
#include "geodata/render/png.h"
#include "proto/frame.h"
#include "proto/vocab.h"
#include "server/ops/ops.h"
#include "server/store/store.h"
#include "cli.h"
#include "progress.h"
#include "json.h"
#include "outfile.h"


static void coverage_progress(void *arg, uint32_t done, uint32_t total)
{
    vw_progress_update(arg, done, total, 0);
}

/* Runs `op` in-process against the database's current state. */
static vw_reply *call_local(const char *db, const char *op, const msgpack_sbuffer *args,
                            int *exit_code)
{
    vw_snapshot *snap = NULL;
    vw_reply *r = NULL;
    vw_err err;
    msgpack_sbuffer req, out;
    msgpack_packer pk;
    msgpack_zone zone;
    vw_progress prog;
    msgpack_sbuffer_init(&req);
    msgpack_sbuffer_init(&out);
    msgpack_zone_init(&zone, 4096);
    *exit_code = EXIT_FAIL;
    if ((snap = vw_cli_load_snapshot(db)) == NULL)
        goto out;
    vw_travel_model tm;
    vw_limits lim;
    vw_travel_model_default(&tm);
    vw_limits_default(&lim);
    vw_progress_start(&prog, op, "PC4 areas");
    vw_ops_ctx ctx = {.snap = snap, .tm = &tm, .lim = &lim, .zone = &zone,
                      .today = vw_date_today(), .progress = coverage_progress,
                      .progress_ctx = &prog};
    msgpack_packer_init(&pk, &req, msgpack_sbuffer_write);
    vw_pack_request(&pk, 1, op, args ? args->data : NULL, args ? args->size : 0);
    vw_ops_handle(&ctx, (const uint8_t *)req.data, req.size, &out, NULL, 0);
    vw_progress_clear(&prog);
    if (prog.tty)
        fprintf(stderr, "%s in %.2f s\n", op, vw_progress_elapsed(&prog));
    r = vw_reply_decode((const uint8_t *)out.data + VW_FRAME_HEADER, out.size - VW_FRAME_HEADER,
                        UINT32_MAX, &err);
    if (r == NULL) {
        fprintf(stderr, "verwijs: %s\n", err.message);
        goto out;
    }
    if (!vw_reply_ok(r)) {
        vw_reply_error(r, &err);
        fprintf(stderr, "verwijs: %s: %s\n", err.code, err.message);
        vw_reply_free(r);
        r = NULL;
        *exit_code = EXIT_SERVER;
    }
out:
    vw_snapshot_release(snap);
    msgpack_zone_destroy(&zone);
    msgpack_sbuffer_destroy(&req);
    msgpack_sbuffer_destroy(&out);
    return r;
}

static vw_reply *call(const vw_cli *cli, const char *db, const char *op,
                      const msgpack_sbuffer *args, int *exit_code)
{
    if (db)
        return call_local(db, op, args, exit_code);
    bool tty = isatty(STDERR_FILENO);
    double t0 = vw_now_s();
    if (tty)
        fprintf(stderr, "asking the server for %s ...", op);
    vw_reply *r = vw_cli_call(cli, op, args, exit_code);
    if (tty)
        fprintf(stderr, "\r\033[K%s%s in %.2f s\n", op, r ? "" : " failed", vw_now_s() - t0);
    return r;
}

/* ---- regions ------------------------------------------------------------------ */

static void regions_table(const msgpack_object *res)
{
    const msgpack_object *list = vw_mp_get(res, "regions");
    char b1[64], b2[64];
    if (!vw_mp_bool(res, "polygons"))
        printf("(no region polygons loaded: verwijs import regions BOUNDARIES.geojson)\n");
    printf("%-10s %-22s %10s %11s %6s %9s %8s\n", "code", "name", "area km2", "population",
           "pc4", "providers", "networks");
    for (uint32_t i = 0; list && list->type == MSGPACK_OBJECT_ARRAY && i < list->via.array.size;
         i++) {
        const msgpack_object *r = &list->via.array.ptr[i];
        printf("%-10s %-22s %10.0f %11.0f %6.0f %9.0f %8.0f\n",
               vw_mp_str(r, "code", b1, sizeof b1), vw_mp_str(r, "name", b2, sizeof b2),
               vw_mp_num(r, "area_km2", 0), vw_mp_num(r, "population", 0),
               vw_mp_num(r, "pc4", 0), vw_mp_num(r, "providers", 0), vw_mp_num(r, "networks", 0));
    }
}

static const char regions_help[] =
    "usage: verwijs regions [--json] [--db PATH]\n"
    "The 7 IZA regions with area, population (PC4 weights), PC4 areas, providers and\n"
    "networks. --db runs on the SQLite file instead of asking the server.\n";

int vw_cmd_regions(const vw_cli *cli_in, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"db", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    vw_cli cli = *cli_in;
    const char *db = NULL;
    int c, rc;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j': cli.json = true; break;
        case 'b': db = optarg; break;
        case 'h': fputs(regions_help, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return vw_cli_usage_error("regions", "unexpected argument '%s'", argv[optind]);
    vw_reply *r = call(&cli, db, "regions", NULL, &rc);
    return r ? vw_cli_finish(&cli, r, regions_table) : rc;
}

/* ---- coverage ----------------------------------------------------------------- */

typedef enum { F_TABLE, F_CSV, F_JSON, F_GEOJSON, F_SVG, F_PNG } out_format;

static void print_sum_row(FILE *f, const msgpack_object *m, const char *code)
{
    fprintf(f, "%-10s %11.0f %11.0f %7.1f%% %6.0f %6.0f %7.1f%%\n", code,
            vw_mp_num(m, "population", 0), vw_mp_num(m, "covered_population", 0),
            100 * vw_mp_num(m, "share_population", 0), vw_mp_num(m, "pc4", 0),
            vw_mp_num(m, "covered_pc4", 0), 100 * vw_mp_num(m, "share_pc4", 0));
}

/* Which travel times a report used, in words. */
static const char *travel_times_note(const msgpack_object *res, bool nl)
{
    char tt[16];
    vw_mp_str(vw_mp_get(res, "need"), "travel_times", tt, sizeof tt);
    if (strcmp(tt, "matrix") == 0)
        return nl ? "reistijden: PC4-matrix (het model waar een paar ontbreekt)"
                  : "travel times: PC4 matrix (the model where it lacks a pair)";
    return nl ? "reistijden: model (hemelsbreed x omweg / snelheid)"
              : "travel times: model (straight line x detour / speed)";
}

/* Per-region figures (to `f`: stdout for the table, stderr next to CSV). */
static void coverage_summary(FILE *f, const msgpack_object *res)
{
    const msgpack_object *list = vw_mp_get(res, "regions");
    char code[32], w[32], src[16];
    bool old = strcmp(vw_mp_str(res, "weight", w, sizeof w), "age_65_plus") == 0;
    fprintf(f, "%-10s %11s %11s %8s %6s %6s %8s\n", "region", old ? "aged 65+" : "population",
            "covered", "share", "pc4", "cov", "share");
    for (uint32_t i = 0; list && list->type == MSGPACK_OBJECT_ARRAY && i < list->via.array.size;
         i++)
        print_sum_row(f, &list->via.array.ptr[i],
                      vw_mp_str(&list->via.array.ptr[i], "code", code, sizeof code));
    print_sum_row(f, vw_mp_get(res, "total"), "total");
    if (!vw_mp_bool(res, "population_known"))
        fprintf(f, "(no population imported: figures are 0; see verwijs import population)\n");
    else
        fprintf(f, "(weights: %s)\n",
                strcmp(vw_mp_str(res, "population_source", src, sizeof src), "cbs") == 0
                    ? "CBS population per PC4" : "GeoNames places split over their PC4s");
}

static void coverage_table(const msgpack_object *res)
{
    coverage_summary(stdout, res);
    printf("(%s)\n", travel_times_note(res, false));
    const msgpack_object *spots = vw_mp_get(res, "white_spots");
    uint32_t n = spots && spots->type == MSGPACK_OBJECT_ARRAY ? spots->via.array.size : 0;
    printf("\nwhite spots: %.0f PC4 areas without a match in time", vw_mp_num(res, "white_spots_total", 0));
    printf(n ? " (most people first)\n%-5s %-22s %-10s %10s  %s\n" : "\n", "pc4", "place",
           "region", "population", "nearest");
    for (uint32_t i = 0; i < n && i < 25; i++) {
        const msgpack_object *s = &spots->via.array.ptr[i], *near = vw_mp_get(s, "nearest");
        char pc[8], place[64], region[16], who[96];
        vw_cell(stdout, vw_mp_str(s, "pc4", pc, sizeof pc), 5, false);
        putchar(' ');
        vw_cell(stdout, vw_mp_str(s, "place", place, sizeof place), 22, false);
        printf(" %-10s %10.0f  ", vw_mp_str(s, "region", region, sizeof region),
               vw_mp_num(s, "population", 0));
        if (near && near->type == MSGPACK_OBJECT_MAP) {
            const char *name = vw_mp_str(near, "name", who, sizeof who);
            printf("%.1f min  %s\n", vw_mp_num(near, "minutes", 0), name);
        } else {
            printf("none\n");
        }
    }
    if (n > 25)
        printf("... %u more (--format csv lists them all)\n", n - 25);
}

static void csv_text(FILE *f, const char *s)
{
    bool quote = strpbrk(s, ",\"\n\r") != NULL;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void coverage_csv(FILE *f, const msgpack_object *res)
{
    const msgpack_object *spots = vw_mp_get(res, "white_spots");
    bool networks = false;
    char b[160];
    const msgpack_object *need = vw_mp_get(res, "need");
    networks = strcmp(vw_mp_str(need, "view", b, sizeof b), "networks") == 0;
    fprintf(f, "pc4,place,region,population,lat,lon,nearest_%s,nearest_name,minutes,km\n",
            networks ? "network" : "provider");
    for (uint32_t i = 0; spots && spots->type == MSGPACK_OBJECT_ARRAY && i < spots->via.array.size;
         i++) {
        const msgpack_object *s = &spots->via.array.ptr[i], *near = vw_mp_get(s, "nearest");
        fprintf(f, "%s,", vw_mp_str(s, "pc4", b, sizeof b));
        csv_text(f, vw_mp_str(s, "place", b, sizeof b));
        fprintf(f, ",%s,%.0f,%.5f,%.5f,", vw_mp_str(s, "region", b, sizeof b),
                vw_mp_num(s, "population", 0), vw_mp_num(s, "lat", 0), vw_mp_num(s, "lon", 0));
        if (near && near->type == MSGPACK_OBJECT_MAP) {
            csv_text(f, vw_mp_str(near, networks ? "network" : "id", b, sizeof b));
            fputc(',', f);
            csv_text(f, vw_mp_str(near, "name", b, sizeof b));
            fprintf(f, ",%.1f,%.2f\n", vw_mp_num(near, "minutes", 0), vw_mp_num(near, "km", 0));
        } else {
            fputs(",,,\n", f);
        }
    }
}

/* The map's language: --lang, else the locale (LC_ALL, LC_MESSAGES, LANG:
 * "nl..." is Dutch), else English. */
static const char *map_lang(const char *opt)
{
    if (opt)
        return opt;
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strncmp(v, "nl", 2) == 0 ? "nl" : "en";
    }
    return "en";
}

/* A coverage map, or with networks the national network map: the
 * FeatureCollection packed by geodata, written by the one JSON writer or
 * unpacked again for the SVG. */
static int write_map(const msgpack_object *res, out_format fmt, const char *lang,
                     const char *path, bool networks)
{
    vw_err err;
    msgpack_sbuffer sb;
    msgpack_zone zone;
    msgpack_object fc;
    char *buf = NULL;
    size_t len = 0;
    vw_outfile of;
    int rc = EXIT_FAIL;
    msgpack_sbuffer_init(&sb);
    msgpack_zone_init(&zone, 4096);
    if ((networks ? vw_netmap_geojson(res, &sb, &err) : vw_map_geojson(res, &sb, &err)) != 0 ||
        vw_msg_unpack((const uint8_t *)sb.data, sb.size, &zone, &fc, &err) != 0) {
        fprintf(stderr, "verwijs: %s\n", err.message);
        goto out;
    }
    if (fmt == F_GEOJSON) {
        FILE *f = vw_outfile_open(&of, path);
        if (f == NULL)
            goto out;
        vw_json_write(f, &fc, false); /* and a newline */
        rc = vw_outfile_close(&of, true);
        goto out;
    }
    vw_map_label_buf lb;
    memset(&lb, 0, sizeof lb);
    if (!networks)
        vw_map_labels(res, lang, &lb);
    vw_map_opts mo = {.title = lb.title, .subtitle = lb.subtitle,
                      .note = lb.note[0] ? lb.note : NULL, .lang = lang, .width = 900};
    vw_netmap_opts no = {.width = 1200};
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL ||
        (networks ? vw_netmap_svg(&fc, &no, m, &err) : vw_map_svg(&fc, &mo, m, &err)) != 0) {
        if (m)
            fclose(m);
        fprintf(stderr, "verwijs: %s\n", m ? err.message : "out of memory");
        goto out;
    }
    fclose(m);
    FILE *f = vw_outfile_open(&of, path);
    if (f == NULL)
        goto out;
    bool ok = true;
    if (fmt == F_PNG) {
        if (vw_render_png(buf, len, f, &err) != 0) {
            fprintf(stderr, "verwijs: %s\n", err.message);
            ok = false;
        }
    } else {
        ok = fwrite(buf, 1, len, f) == len;
    }
    rc = vw_outfile_close(&of, ok);
out:
    free(buf);
    msgpack_zone_destroy(&zone);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static const char coverage_help[] =
    "usage: verwijs coverage --discipline D [--expertise E]... --within MIN [--region R|all]\n"
    "                        [--mode car|bike|walk|transit] [--accepting-only] [--as-of YYYY-MM-DD]\n"
    "                        [--networks] [--white-spots N] [--lang nl|en]\n"
    "                        [--weight population|age_65_plus]\n"
    "                        [--format table|csv|json|geojson|svg|png] [--out FILE] [--db PATH]\n"
    "Per region, the share of people and of PC4 areas with a matching provider within MIN\n"
    "minutes, and the white spots (PC4 areas without one) with their nearest provider.\n"
    "  --networks     coverage by certified networks with a fysiotherapeut, psychosocial\n"
    "                 provider and dietist each within reach (no --discipline then)\n"
    "  --white-spots  how many white spots to list (default 1000 for table, csv and json;\n"
    "                 maps and GeoJSON get every white spot; max 10000). A map or GeoJSON\n"
    "                 with fewer than all says so (subtitle; \"coverage\" member)\n"
    "  --weight       what a PC4 weighs: everyone (default) or people aged 65+ (needs the\n"
    "                 CBS population, verwijs import population)\n"
    "  --lang         the map's labels: nl or en (default: the locale, LANG=nl_NL.UTF-8 is nl)\n"
    "  --format       csv: the white spots (figures on stderr); geojson: regions, white-spot\n"
    "                 cells and providers for QGIS/Leaflet; svg/png: a map with region\n"
    "                 and place labels (png needs --out)\n"
    "  --db PATH      compute from the SQLite file instead of asking the server\n";

int vw_cmd_coverage(const vw_cli *cli_in, int argc, char **argv)
{
    static const struct option opts[] = {
        {"discipline", required_argument, NULL, 'd'}, {"expertise", required_argument, NULL, 'e'},
        {"within", required_argument, NULL, 'w'},     {"mode", required_argument, NULL, 'm'},
        {"region", required_argument, NULL, 'r'},     {"accepting-only", no_argument, NULL, 'a'},
        {"as-of", required_argument, NULL, 'D'},      {"json", no_argument, NULL, 'j'},
        {"networks", no_argument, NULL, 'N'},         {"white-spots", required_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},     {"out", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, 'b'},         {"help", no_argument, NULL, 'h'},
        {"lang", required_argument, NULL, 'L'},       {"weight", required_argument, NULL, 'W'},
        {NULL, 0, NULL, 0}};
    static const char *const formats[] = {"table", "csv", "json", "geojson", "svg", "png", NULL};
    vw_cli cli = *cli_in;
    vw_cli_qopts q = {.within = -1, .max_limit = 1};
    const char *db = NULL, *out = NULL, *format = "table", *weight = NULL;
    long spots = -1;
    const char *lang = NULL;
    bool networks = false;
    int c, rc;
    char *end;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int used = vw_cli_qopt("coverage", c, optarg, &q, &cli);
        if (used < 0)
            return EXIT_USAGE;
        if (used)
            continue;
        switch (c) {
        case 'N': networks = true; break;
        case 'L':
            if (strcmp(optarg, "nl") != 0 && strcmp(optarg, "en") != 0)
                return vw_cli_usage_error("coverage", "--lang must be nl or en");
            lang = optarg;
            break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 'b': db = optarg; break;
        case 'W':
            if (strcmp(optarg, "population") != 0 && strcmp(optarg, "age_65_plus") != 0)
                return vw_cli_usage_error("coverage", "--weight must be population or "
                                                      "age_65_plus");
            weight = optarg;
            break;
        case 'S':
            spots = strtol(optarg, &end, 10);
            if (*end || spots < 0 || spots > 10000)
                return vw_cli_usage_error("coverage", "--white-spots must be 0..10000");
            break;
        case 'h': fputs(coverage_help, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return vw_cli_usage_error("coverage", "unexpected argument '%s'", argv[optind]);
    out_format fmt = F_TABLE;
    while (formats[fmt] && strcmp(formats[fmt], format) != 0)
        fmt++;
    if (formats[fmt] == NULL)
        return vw_cli_usage_error("coverage", "--format must be table, csv, json, geojson, svg "
                                              "or png");
    if (cli.json)
        fmt = F_JSON;
    if (q.within <= 0)
        return vw_cli_usage_error("coverage", "--within MIN is required");
    if (networks == (q.nd > 0))
        return vw_cli_usage_error("coverage", "give --discipline, or --networks");
    if (fmt == F_PNG && out == NULL)
        return vw_cli_usage_error("coverage", "--format png needs --out FILE");
    if (vw_cli_qopts_check("coverage", &q) != 0)
        return EXIT_USAGE;
    bool geometry = fmt == F_GEOJSON || fmt == F_SVG || fmt == F_PNG;
    /* A map shows every white spot unless told otherwise (the server's cap,
     * 10000, is more PC4 areas than the country has). */
    if (geometry && spots < 0)
        spots = 10000;

    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, vw_cli_qopts_count(&q) + networks + geometry + (spots >= 0) +
                              (weight != NULL));
    if (weight)
        vw_pack_kv_str(&pk, "weight", weight);
    vw_cli_pack_qopts(&pk, &q);
    if (networks)
        vw_pack_kv_str(&pk, "view", "networks");
    if (geometry)
        vw_pack_kv_bool(&pk, "geometry", true);
    if (spots >= 0)
        vw_pack_kv_int(&pk, "white_spots_limit", spots);
    vw_reply *r = call(&cli, db, "coverage", &sb, &rc);
    msgpack_sbuffer_destroy(&sb);
    if (r == NULL)
        return rc;
    const msgpack_object *res = vw_reply_result(r);
    if (fmt == F_TABLE || fmt == F_JSON || fmt == F_CSV) {
        vw_outfile of;
        FILE *f = vw_outfile_open(&of, out);
        rc = EXIT_FAIL;
        if (f != NULL) {
            if (fmt == F_JSON)
                vw_json_write(f, res, true);
            else if (fmt == F_CSV)
                coverage_csv(f, res);
            else
                coverage_table(res);
            if (fmt == F_CSV)
                coverage_summary(stderr, res);
            rc = vw_outfile_close(&of, true);
        }
    } else {
        rc = write_map(res, fmt, map_lang(lang), out, false);
    }
    vw_reply_free(r);
    return rc;
}

/* ---- networks map --------------------------------------------------------- */

static const char netmap_help[] =
    "usage: verwijs networks map [--kind K|all] [--as-of YYYY-MM-DD]\n"
    "                            [--format svg|png|geojson|json|table] [--out FILE] [--db PATH]\n"
    "One national map of all networks: each network by kind (oncologiezorgnetwerk,\n"
    "palliatief, oncologienetwerk, ...) at the centre of its members, over the 7 IZA\n"
    "regions, with a legend and the counts per region. table (default) prints the counts;\n"
    "geojson: region and network features, the figures in the member \"networks_map\";\n"
    "png needs --out. --db computes from the SQLite file instead of the server.\n";

/* The i-th string of an array, "" otherwise. */
static const char *str_at(const msgpack_object *arr, uint32_t i, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (arr && arr->type == MSGPACK_OBJECT_ARRAY && i < arr->via.array.size &&
        arr->via.array.ptr[i].type == MSGPACK_OBJECT_STR) {
        const msgpack_object_str *s = &arr->via.array.ptr[i].via.str;
        snprintf(buf, cap, "%.*s", (int)s->size, s->ptr);
    }
    return buf;
}

static void netmap_table(const msgpack_object *res)
{
    const msgpack_object *kinds = vw_mp_get(res, "kinds"), *regions = vw_mp_get(res, "regions");
    char k[64], name[64];
    uint32_t nk = kinds && kinds->type == MSGPACK_OBJECT_ARRAY ? kinds->via.array.size : 0;
    printf("%-22s", "region");
    for (uint32_t i = 0; i < nk; i++)
        printf(" %20.20s", str_at(kinds, i, k, sizeof k));
    printf("\n");
    for (uint32_t r = 0; regions && r < regions->via.array.size; r++) {
        const msgpack_object *reg = &regions->via.array.ptr[r], *c = vw_mp_get(reg, "counts");
        printf("%-22s", vw_mp_str(reg, "name", name, sizeof name));
        for (uint32_t i = 0; i < nk; i++)
            printf(" %20.0f", vw_mp_num(c, str_at(kinds, i, k, sizeof k), 0));
        printf("\n");
    }
    const msgpack_object *c = vw_mp_get(res, "counts");
    printf("%-22s", "Netherlands");
    for (uint32_t i = 0; i < nk; i++)
        printf(" %20.0f", vw_mp_num(c, str_at(kinds, i, k, sizeof k), 0));
    printf("\n");
}

int vw_cmd_networks_map(const vw_cli *cli_in, int argc, char **argv)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'K'},   {"as-of", required_argument, NULL, 'D'},
        {"format", required_argument, NULL, 'f'}, {"out", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, 'b'},     {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    static const char *const formats[] = {"table", "csv", "json", "geojson", "svg", "png", NULL};
    vw_cli cli = *cli_in;
    const char *kind = NULL, *as_of = NULL, *format = "table", *out = NULL, *db = NULL;
    int c, rc;
    int32_t day;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'K': kind = optarg; break;
        case 'D': as_of = optarg; break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 'b': db = optarg; break;
        case 'j': cli.json = true; break;
        case 'h': fputs(netmap_help, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return vw_cli_usage_error("networks", "unexpected argument '%s'", argv[optind]);
    out_format fmt = F_TABLE;
    while (formats[fmt] && strcmp(formats[fmt], format) != 0)
        fmt++;
    if (formats[fmt] == NULL || fmt == F_CSV)
        return vw_cli_usage_error("networks", "--format must be table, json, geojson, svg or png");
    if (cli.json)
        fmt = F_JSON;
    if (fmt == F_PNG && out == NULL)
        return vw_cli_usage_error("networks", "--format png needs --out FILE");
    if (kind && strcmp(kind, "all") != 0 && !vw_tag_valid(kind, strlen(kind)))
        return vw_cli_usage_error("networks", "--kind must be a kind such as palliatief, or all");
    if (as_of && vw_date_parse(as_of, strlen(as_of), &day) != 0)
        return vw_cli_usage_error("networks", "--as-of must be a date YYYY-MM-DD");
    bool geometry = fmt == F_GEOJSON || fmt == F_SVG || fmt == F_PNG;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1 + (kind != NULL) + (as_of != NULL));
    vw_pack_kv_bool(&pk, "geometry", geometry);
    if (kind)
        vw_pack_kv_str(&pk, "kind", kind);
    if (as_of)
        vw_pack_kv_str(&pk, "as_of", as_of);
    vw_reply *r = call(&cli, db, "networks.map", &sb, &rc);
    msgpack_sbuffer_destroy(&sb);
    if (r == NULL)
        return rc;
    const msgpack_object *res = vw_reply_result(r);
    if (fmt == F_TABLE || fmt == F_JSON) {
        vw_outfile of;
        FILE *f = vw_outfile_open(&of, out);
        rc = EXIT_FAIL;
        if (f != NULL) {
            if (fmt == F_JSON)
                vw_json_write(f, res, true);
            else
                netmap_table(res);
            rc = vw_outfile_close(&of, true);
        }
    } else {
        rc = write_map(res, fmt, NULL, out, true);
    }
    vw_reply_free(r);
    return rc;
}
