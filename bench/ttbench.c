/* ttbench.c -- the cost of travel-time matrices (server/engine/traveltime.h)
 * in the engine: a synthetic national directory over the real PC4
 * centroids, with no matrix, a car matrix, and all four modes; for each the
 * snapshot build time, its bytes and the resident memory, and vw_match()
 * per query (p50 / p99, and brute-force equality on a few hundred queries).
 *
 *   ttbench --pc4 pc4_centroids.csv [--providers N] [--queries Q] [--bound MIN] [--latlon]
 *   ttbench --pc4 pc4_centroids.csv --db verwijs.db [--bound MIN]
 *
 * With --db (a database with its pc4 table and providers imported): writes
 * the four generated matrices into it and times vw_store_load() with and
 * without them (best of 3 each), i.e. the load-time cost including SQLite;
 * then the same through the snapshot image (vw_store_load_imaged), where the
 * matrices are still read from the database.
 *
 * Providers sit around a PC4 centroid drawn uniformly (gaussian jitter,
 * sigma 1 km) with that postcode; 15 disciplines, a third with oncologie.
 * The matrices: every pair within --bound minutes (default 90), minutes =
 * km x 1.3 / speed x 60 x (1 + 0.5 u) + 1 (car 55, bike 16, walk 5, transit
 * 30 km/h + 10 min). Queries: fysiotherapeut + oncologie within 15 minutes by
 * car, k = 10, from a uniformly drawn PC4 (its own PC4); with --latlon from
 * a point near it (sigma 1 km, no postcode: the nearest centroid's PC4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto/vocab.h"
#include "server/engine/match.h"
#include "server/engine/snapshot.h"
#include "server/engine/traveltime.h"
#include "server/store/image.h"
#include "server/store/store.h"
#include <sqlite3.h>

#define MAX_PC4 10000

static int n_pc4, code[MAX_PC4];
static double plat[MAX_PC4], plon[MAX_PC4];

static uint64_t rng = 1;
static int latlon; /* --latlon: [lat, lon] origins */
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static double unif(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }
static double gauss(void) { return sqrt(-2.0 * log(unif() + 1e-300)) * cos(2.0 * M_PI * unif()); }

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            v = atol(line + 6);
    if (f)
        fclose(f);
    return v;
}

static int read_pc4(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f)
        return -1;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    while (n_pc4 < MAX_PC4 && fgets(line, sizeof line, f)) {
        int pc;
        char place[256];
        double la, lo;
        if (sscanf(line, "%d,%255[^,],%lf,%lf", &pc, place, &la, &lo) == 4 &&
            vw_geo_in_nl(la, lo)) {
            code[n_pc4] = pc;
            plat[n_pc4] = la;
            plon[n_pc4] = lo;
            n_pc4++;
        }
    }
    fclose(f);
    return 0;
}

static const double speed[VW_MODE_ALL] = {55, 16, 5, 30};

/* The rows of every mode, made once before any timing. */
static unsigned char *rows[VW_MODE_ALL][MAX_PC4];
static size_t row_len[VW_MODE_ALL][MAX_PC4];

static void make_rows(double bound)
{
    for (int mode = 0; mode < VW_MODE_ALL; mode++)
        for (int a = 0; a < n_pc4; a++) {
            unsigned char *blob = malloc((size_t)n_pc4 * VW_TT_PAIR_BYTES);
            size_t len = 0;
            for (int k = 0; k < n_pc4; k++) {
                double km = vw_geo_km(plat[a], plon[a], plat[k], plon[k]);
                double t = km * 1.3 / speed[mode] * 60.0 * (1.0 + 0.5 * unif()) + 1.0 +
                           (mode == VW_MODE_TRANSIT ? 10.0 : 0.0);
                if (t > bound)
                    continue;
                unsigned tenths = (unsigned)(t * 10.0 + 0.5);
                blob[len++] = (unsigned char)(code[k] & 0xff);
                blob[len++] = (unsigned char)(code[k] >> 8);
                blob[len++] = (unsigned char)(tenths & 0xff);
                blob[len++] = (unsigned char)(tenths >> 8);
            }
            rows[mode][a] = blob;
            row_len[mode][a] = len;
        }
}

static void add_matrix(vw_snapbuild *b, vw_mode mode)
{
    vw_err err;
    for (int a = 0; a < n_pc4; a++)
        if (vw_snapbuild_add_traveltimes(b, mode, code[a], rows[mode][a], row_len[mode][a],
                                         &err) != 0) {
            fprintf(stderr, "ttbench: %s\n", err.message);
            exit(1);
        }
}

/* A snapshot with the first `modes` modes' matrices (0: none). */
static vw_snapshot *build(uint32_t n, int modes, double *t_matrix, double *t_all)
{
    vw_err err;
    double t0 = now_s();
    vw_snapbuild *b = vw_snapbuild_new();
    char place[8] = "P";
    for (int k = 0; k < n_pc4; k++)
        vw_snapbuild_add_pc4(b, code[k], plat[k], plon[k], place, &err);
    vw_snapbuild_geo_start(b, &err);
    uint64_t saved = rng;
    double tm0 = now_s();
    for (int m = 0; m < modes; m++)
        add_matrix(b, (vw_mode)m);
    *t_matrix = now_s() - tm0;
    rng = 12345; /* the same providers in every snapshot */
    const char *onc[] = {"oncologie"};
    for (uint32_t i = 0; i < n; i++) {
        char id[16], pc[8];
        int k = (int)(unif() * n_pc4);
        snprintf(id, sizeof id, "P%07u", i);
        snprintf(pc, sizeof pc, "%04d", code[k]);
        vw_provider_in p;
        memset(&p, 0, sizeof p);
        p.id = id;
        p.name = id;
        p.postcode = pc;
        p.discipline = (int)(unif() * VW_D_COUNT);
        p.lat = plat[k] + gauss() * 0.009;
        p.lon = plon[k] + gauss() * 0.015;
        if (!vw_geo_in_nl(p.lat, p.lon)) {
            p.lat = plat[k];
            p.lon = plon[k];
        }
        p.accepting = true;
        if (unif() < 0.33) {
            p.expertise = onc;
            p.n_expertise = 1;
        }
        vw_snapbuild_add_provider(b, &p, &err);
    }
    rng = saved;
    double tf0 = now_s();
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    if (!s) {
        fprintf(stderr, "ttbench: %s\n", err.message);
        exit(1);
    }
    (void)tf0;
    *t_all = now_s() - t0; /* minus the run without matrices: what they cost */
    return s;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_queries(const vw_snapshot *s, const vw_travel_model *tm, int queries, int brute,
                        double *p50, double *p99, int *mismatches)
{
    double *lat = malloc(sizeof(double) * (size_t)queries);
    vw_match_hit a[VW_MATCH_MAX_LIMIT], bh[VW_MATCH_MAX_LIMIT];
    int bit = vw_snapshot_tag_bit(s, "oncologie", 9);
    vw_match_query q = {.disciplines = 1u << VW_D_FYSIOTHERAPEUT,
                        .tags = UINT64_C(1) << bit, .within_min = 15, .mode = VW_MODE_CAR,
                        .limit = 10, .region = -1};
    uint64_t saved = rng;
    rng = 777;
    *mismatches = 0;
    for (int i = 0; i < queries; i++) {
        int k = (int)(unif() * n_pc4);
        q.lat = plat[k];
        q.lon = plon[k];
        q.origin_pc4 = code[k];
        if (latlon) {
            q.lat += gauss() * 0.009;
            q.lon += gauss() * 0.015;
            q.origin_pc4 = 0;
        }
        double t0 = now_s();
        uint32_t n = vw_match(s, tm, &q, a);
        lat[i] = (now_s() - t0) * 1e9;
        if (i < brute) {
            uint32_t nb = vw_match_brute(s, tm, &q, bh);
            bool same = n == nb;
            for (uint32_t j = 0; same && j < n; j++)
                same = a[j].provider == bh[j].provider && a[j].minutes == bh[j].minutes;
            *mismatches += !same;
        }
    }
    rng = saved;
    qsort(lat, (size_t)queries, sizeof *lat, cmp_d);
    *p50 = lat[queries / 2];
    *p99 = lat[(int)(queries * 0.99)];
    free(lat);
}

static double load_s(const char *db, size_t *bytes)
{
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
        vw_store *st = NULL;
        vw_err err;
        if (vw_store_open(db, VW_STORE_READONLY, &st, &err) != 0) {
            fprintf(stderr, "ttbench: %s\n", err.message);
            exit(1);
        }
        double t0 = now_s();
        vw_snapshot *s = vw_store_load(st, &err);
        double t = now_s() - t0;
        if (!s) {
            fprintf(stderr, "ttbench: %s\n", err.message);
            exit(1);
        }
        *bytes = vw_snapshot_bytes(s);
        vw_snapshot_release(s);
        vw_store_close(st);
        if (t < best)
            best = t;
    }
    return best;
}

/* The same through the snapshot image (server/store/image.h): one load
 * writes it, then best of 3 that read it. */
static double image_load_s(const char *db, const char *image)
{
    double best = 1e9;
    unlink(image);
    for (int r = 0; r < 4; r++) {
        vw_store *st = NULL;
        vw_err err;
        vw_store_image_use use;
        if (vw_store_open(db, VW_STORE_READONLY, &st, &err) != 0) {
            fprintf(stderr, "ttbench: %s\n", err.message);
            exit(1);
        }
        double t0 = now_s();
        vw_snapshot *s = vw_store_load_imaged(st, image, &use, &err);
        double t = now_s() - t0;
        vw_store_close(st);
        if (!s) {
            fprintf(stderr, "ttbench: %s\n", err.message);
            exit(1);
        }
        if (r == 0 && vw_store_image_write(s, &use.state, image, NULL, &err) != 0) {
            fprintf(stderr, "ttbench: %s\n", err.message);
            exit(1);
        }
        if (r > 0 && use.outcome != VW_IMAGE_USED) {
            fprintf(stderr, "ttbench: the image was not used (%s)\n",
                    vw_image_outcome_name(use.outcome));
            exit(1);
        }
        vw_snapshot_release(s);
        if (r > 0 && t < best)
            best = t;
    }
    unlink(image);
    return best;
}

/* A new state token after this program's own writes (store.c's triggers
 * mark a write that is not verwijs's 'dirty', which has no image). */
static void restamp(sqlite3 *h)
{
    sqlite3_exec(h, "UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'state'",
                 NULL, NULL, NULL);
}

/* The store path: the same rows through SQLite (schema v3). */
static int db_bench(const char *db)
{
    sqlite3 *h;
    sqlite3_stmt *ins;
    static const char *const names[VW_MODE_ALL] = {"car", "bike", "walk", "transit"};
    if (sqlite3_open(db, &h) != SQLITE_OK)
        return 1;
    sqlite3_exec(h, "DELETE FROM traveltimes", NULL, NULL, NULL);
    restamp(h);
    sqlite3_exec(h, "VACUUM", NULL, NULL, NULL);
    size_t b0, b1;
    double t0 = load_s(db, &b0);
    sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(h, "INSERT INTO traveltimes(mode, from_pc4, pairs) VALUES (?,?,?)", -1,
                           &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "ttbench: %s\n", sqlite3_errmsg(h));
        return 1;
    }
    for (int m = 0; m < VW_MODE_ALL; m++)
        for (int a = 0; a < n_pc4; a++) {
            sqlite3_bind_text(ins, 1, names[m], -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 2, code[a]);
            sqlite3_bind_blob(ins, 3, rows[m][a], (int)row_len[m][a], SQLITE_STATIC);
            sqlite3_step(ins);
            sqlite3_reset(ins);
        }
    sqlite3_finalize(ins);
    restamp(h);
    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    double t1 = load_s(db, &b1);
    printf("vw_store_load %s: without matrices %.3f s (%.1f MB), with all four %.3f s (%.1f MB): "
           "+%.3f s, +%.1f MB\n", db, t0, b0 / 1e6, t1, b1 / 1e6, t1 - t0, (b1 - b0) / 1e6);
    char image[4200];
    snprintf(image, sizeof image, "%s.ttbench.image", db);
    double i1 = image_load_s(db, image);
    sqlite3_exec(h, "DELETE FROM traveltimes", NULL, NULL, NULL);
    restamp(h);
    double i0 = image_load_s(db, image);
    printf("vw_store_load_imaged (from the image): without matrices %.3f s, with all four %.3f s\n",
           i0, i1);
    sqlite3_close(h);
    return 0;
}

int main(int argc, char **argv)
{
    const char *db = NULL;
    const char *pc4 = NULL;
    uint32_t n = 1000000;
    int queries = 20000, brute = 200;
    double bound = 90;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--latlon")) {
            latlon = 1;
            continue;
        }
        if (i + 1 >= argc)
            break;
        const char *v = argv[++i];
        if (!strcmp(argv[i - 1], "--pc4"))
            pc4 = v;
        else if (!strcmp(argv[i - 1], "--providers"))
            n = (uint32_t)atol(v);
        else if (!strcmp(argv[i - 1], "--queries"))
            queries = atoi(v);
        else if (!strcmp(argv[i - 1], "--bound"))
            bound = atof(v);
        else if (!strcmp(argv[i - 1], "--brute"))
            brute = atoi(v);
        else if (!strcmp(argv[i - 1], "--db"))
            db = v;
    }
    if (!pc4 || read_pc4(pc4) != 0 || queries < 100) {
        fprintf(stderr, "usage: ttbench --pc4 pc4_centroids.csv [--providers N] [--queries Q] "
                        "[--bound MIN] [--brute B] [--latlon]\n");
        return 2;
    }
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    make_rows(bound);
    if (db)
        return db_bench(db);
    printf("%d PC4s, %u providers, matrices bounded at %.0f min, %d queries "
           "(fysiotherapeut + oncologie, 15 min by car, k = 10)\n", n_pc4, n, bound, queries);
    printf("%-22s %10s %10s %12s %12s %10s %10s %6s\n", "matrices", "pairs", "build s",
           "rows s", "bytes MB", "rss MB", "p50 ns", "p99 ns");
    const int modes[3] = {0, 1, VW_MODE_ALL};
    const char *names[3] = {"none (model)", "car", "car+bike+walk+transit"};
    for (int r = 0; r < 3; r++) {
        long rss0 = rss_kb();
        double t_matrix = 0, t_all = 0, p50, p99;
        int mism;
        vw_snapshot *s = build(n, modes[r], &t_matrix, &t_all);
        long rss1 = rss_kb();
        uint64_t pairs = 0;
        for (int m = 0; m < VW_MODE_ALL; m++)
            pairs += vw_snapshot_matrix_pairs(s, (vw_mode)m);
        run_queries(s, &tm, queries, brute, &p50, &p99, &mism);
        printf("%-22s %10llu %10.2f %12.2f %12.1f %10.1f %10.0f %10.0f  brute mismatches %d\n",
               names[r], (unsigned long long)pairs, t_all, t_matrix,
               (double)vw_snapshot_bytes(s) / 1e6, (double)(rss1 - rss0) / 1e3, p50, p99, mism);
        vw_snapshot_release(s);
    }
    return 0;
}
