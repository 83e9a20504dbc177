/* test_traveltime.c -- travel times from PC4 matrices (traveltime.h): on a
 * generated directory with a realistic generated matrix per mode (bounded,
 * partial, asymmetric, a slow "island", diagonals on some PC4s, transit on
 * half the origins), vw_match() must equal vw_match_brute() exactly on
 * thousands of random queries (same providers, order, km, minutes and
 * source), the network view of coverage must equal its brute force, and the
 * nearest-centroid lookup must equal a scan. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vocab.h"
#include "server/engine/coverage.h"
#include "server/engine/coverage_net.h"
#include "server/engine/match.h"
#include "server/engine/refer.h"
#include "server/engine/snapshot.h"
#include "server/engine/traveltime.h"
#include "t.h"
#include "t_rng.h"

#define N_PC4 500
#define N_PROV 20000
#define N_NET 30

static int pc4_code[N_PC4];
static double pc4_lat[N_PC4], pc4_lon[N_PC4];

static double gauss(void)
{
    double u = unif(), v = unif();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(2.0 * M_PI * v);
}

static bool island(int k) { return pc4_lat[k] > 53.0 && pc4_lon[k] < 5.2; }

/* Minutes from a to b by mode, or < 0 for "no pair". */
static double gen_minutes(int mode, int a, int b)
{
    double km = vw_geo_km(pc4_lat[a], pc4_lon[a], pc4_lat[b], pc4_lon[b]);
    double t;
    if (a == b)
        return (pc4_code[a] % 2) ? -1 : 1.0 + (pc4_code[a] % 5); /* diagonal on half */
    switch (mode) {
    case VW_MODE_CAR: t = 2.0 + km * 1.3 / 55.0 * 60.0 * (1.0 + 0.6 * unif()); break;
    case VW_MODE_BIKE: t = 1.0 + km * 1.25 / 16.0 * 60.0 * (1.0 + 0.3 * unif()); break;
    case VW_MODE_WALK: t = km * 1.2 / 5.0 * 60.0 * (1.0 + 0.2 * unif()); break;
    default: t = 8.0 + km * 1.5 / 40.0 * 60.0 * (1.0 + unif()); break;
    }
    if (island(a) != island(b))
        t += 75.0; /* the ferry */
    if (mode == VW_MODE_CAR && unif() < 0.5)
        t = round(t); /* whole minutes, as many published tables: ties */
    double bound[] = {90, 60, 40, 120};
    return t <= bound[mode] ? t : -1;
}

/* Row present for this origin and mode? (walk: a third, transit: half) */
static bool row_present(int mode, int a)
{
    if (mode == VW_MODE_WALK)
        return a % 3 == 0;
    if (mode == VW_MODE_TRANSIT)
        return a % 2 == 0;
    return true;
}

static int add_matrix(vw_snapbuild *b, vw_err *err)
{
    unsigned char *blob = malloc((size_t)N_PC4 * VW_TT_PAIR_BYTES);
    int rc = 0;
    for (int mode = 0; mode < VW_MODE_ALL && rc == 0; mode++)
        for (int a = 0; a < N_PC4 && rc == 0; a++) {
            if (!row_present(mode, a))
                continue;
            size_t len = 0;
            for (int k = 0; k < N_PC4; k++) { /* codes ascend with k */
                double t = gen_minutes(mode, a, k);
                if (t < 0)
                    continue;
                unsigned tenths = (unsigned)lround(t * 10.0);
                blob[len++] = (unsigned char)(pc4_code[k] & 0xff);
                blob[len++] = (unsigned char)(pc4_code[k] >> 8);
                blob[len++] = (unsigned char)(tenths & 0xff);
                blob[len++] = (unsigned char)(tenths >> 8);
            }
            rc = vw_snapbuild_add_traveltimes(b, (vw_mode)mode, pc4_code[a], blob, len, err);
        }
    free(blob);
    return rc;
}

static vw_snapshot *build(bool with_matrix)
{
    vw_err err;
    vw_snapbuild *b = vw_snapbuild_new();
    int code = 1000;
    for (int k = 0; k < N_PC4; k++) {
        code += 1 + (int)(unif() * 15);
        pc4_code[k] = code;
        /* a dense west, a sparse rest, an island in the north-west */
        double u = unif();
        if (u < 0.5) {
            pc4_lat[k] = 52.0 + 0.4 * unif();
            pc4_lon[k] = 4.3 + 0.6 * unif();
        } else if (u < 0.6) {
            pc4_lat[k] = 53.02 + 0.12 * unif();
            pc4_lon[k] = 4.75 + 0.2 * unif();
        } else {
            pc4_lat[k] = 50.8 + 2.7 * unif();
            pc4_lon[k] = 3.5 + 3.6 * unif();
        }
        char place[16];
        snprintf(place, sizeof place, "P%d", code);
        CHECK(vw_snapbuild_add_pc4(b, code, pc4_lat[k], pc4_lon[k], place, &err) == 0);
    }
    CHECK(code < 10000);
    CHECK(vw_snapbuild_geo_start(b, &err) == 0);
    if (with_matrix) {
        int rc = add_matrix(b, &err);
        CHECK(rc == 0);
        if (rc != 0)
            fprintf(stderr, "add_matrix: %s\n", err.message);
        /* a repeated row and an unknown destination are refused */
        unsigned char bad[4] = {0x01, 0x00, 10, 0};
        CHECK(vw_snapbuild_add_traveltimes(b, VW_MODE_CAR, pc4_code[0], bad, 4, &err) != 0);
        CHECK(vw_snapbuild_add_traveltimes(b, VW_MODE_WALK, pc4_code[1], bad, 4, &err) != 0);
    }
    char nid[N_NET][8];
    for (int n = 0; n < N_NET; n++) {
        snprintf(nid[n], sizeof nid[n], "N%02d", n);
        vw_network_in ni = {.id = nid[n], .name = "Net", .kind = "oncologienetwerk",
                            .region_code = "", .status = VW_NET_CERTIFIED,
                            .certified_until = VW_DATE_NONE};
        CHECK(vw_snapbuild_add_network(b, &ni, &err) == 0);
    }
    for (int i = 0; i < N_PROV; i++) {
        char id[16], pc[8];
        int k = (int)(unif() * N_PC4);
        snprintf(id, sizeof id, "P%05d", i);
        vw_provider_in p;
        memset(&p, 0, sizeof p);
        p.id = id;
        p.name = id;
        p.discipline = (int)(unif() * VW_D_COUNT);
        p.lat = pc4_lat[k] + gauss() * 0.01;
        p.lon = pc4_lon[k] + gauss() * 0.015;
        p.accepting = unif() < 0.7;
        double u = unif();
        if (u < 0.85) {
            snprintf(pc, sizeof pc, "%04d", pc4_code[k]);
            p.postcode = pc;
        } else if (u < 0.851) { /* a postcode far from the practice */
            snprintf(pc, sizeof pc, "%04d", pc4_code[(k + N_PC4 / 2) % N_PC4]);
            p.postcode = pc;
        } /* else none: the nearest centroid */
        /* expertise: permanent on some, through a dated registration on others */
        const char *tags[2] = {"oncologie", "lymfoedeem"};
        double ut = unif();
        p.expertise = tags;
        p.n_expertise = ut < 0.35 ? 1 : (ut < 0.45 ? 2 : 0);
        p.wheelchair = unif() < 0.5 ? VW_TRI_YES : VW_TRI_NO;
        const char *nets[1];
        if (unif() < 0.1) {
            nets[0] = nid[(int)(unif() * N_NET)];
            p.networks = nets;
            p.n_networks = 1;
        }
        CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
        if (unif() < 0.1) /* oncologie from day 100 to 200 */
            CHECK(vw_snapbuild_add_registration(b, id, "oncologie", "test", 100, 200, &err) == 0);
    }
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    if (s == NULL)
        fprintf(stderr, "finish: %s\n", err.message);
    return s;
}

/* A PC4 origin (its centroid, *pc4 set) or a lat/lon one (*pc4 = 0). */
static void random_origin(double *lat, double *lon, int *pc4)
{
    int k = (int)(unif() * N_PC4);
    *lat = pc4_lat[k];
    *lon = pc4_lon[k];
    *pc4 = pc4_code[k];
    if (unif() < 0.5) { /* a lat/lon origin: somewhere near a centroid */
        *lat += gauss() * 0.02;
        *lon += gauss() * 0.03;
        *pc4 = 0;
    }
}

static void test_nearest_and_modes(const vw_snapshot *s, const vw_travel_model *tm)
{
    int bad = 0;
    for (int q = 0; q < 2600; q++) {
        double lat = 50.75 + 2.9 * unif(), lon = 3.35 + 3.9 * unif();
        int k1 = (int)(unif() * N_PC4), k2 = (int)(unif() * N_PC4);
        if (q >= 2000 && q < 2300) { /* on a centroid */
            lat = pc4_lat[k1];
            lon = pc4_lon[k1];
        } else if (q >= 2300) { /* halfway between two: near-ties */
            lat = 0.5 * (pc4_lat[k1] + pc4_lat[k2]);
            lon = 0.5 * (pc4_lon[k1] + pc4_lon[k2]);
        }
        vw_tt_origin o;
        CHECK(vw_tt_origin_init(&o, s, tm, VW_MODE_CAR, lat, lon, 0, NULL) == 0);
        int best = -1;
        double bk = INFINITY;
        for (int k = 0; k < N_PC4; k++) {
            double d = vw_geo_km(lat, lon, pc4_lat[k], pc4_lon[k]);
            if (d < bk) {
                bk = d;
                best = k;
            }
        }
        bad += o.pc4 != pc4_code[best];
    }
    CHECK(bad == 0);
    for (int m = 0; m < VW_MODE_ALL; m++)
        CHECK(vw_snapshot_has_matrix(s, (vw_mode)m) && vw_snapshot_matrix_pairs(s, (vw_mode)m) > 0);
    char sum[128];
    vw_snapshot_matrix_summary(s, sum, sizeof sum);
    CHECK(strstr(sum, "car ") == sum && strstr(sum, "transit ") != NULL);
}

static bool same_hits(const vw_match_hit *a, uint32_t na, const vw_match_hit *b, uint32_t nb)
{
    if (na != nb)
        return false;
    for (uint32_t k = 0; k < na; k++)
        if (a[k].provider != b[k].provider || a[k].km != b[k].km ||
            a[k].minutes != b[k].minutes || a[k].source != b[k].source)
            return false;
    return true;
}

static void test_match_equals_brute(const vw_snapshot *s, const vw_travel_model *tm)
{
    vw_match_hit a[VW_MATCH_MAX_LIMIT], b[VW_MATCH_MAX_LIMIT];
    int mismatches = 0, nonempty = 0, matrix_hits = 0, model_hits = 0;
    for (int q = 0; q < 4000; q++) {
        vw_match_query mq;
        memset(&mq, 0, sizeof mq);
        random_origin(&mq.lat, &mq.lon, &mq.origin_pc4);
        mq.mode = (vw_mode)(q % VW_MODE_ALL);
        mq.disciplines = unif() < 0.2 ? 0 : (1u << (int)(unif() * VW_D_COUNT));
        double w = unif();
        mq.within_min = w < 0.3 ? -1 : 3 + 100 * unif();
        mq.limit = 1 + (uint32_t)(unif() * 30);
        mq.accepting_only = unif() < 0.3;
        mq.region = unif() < 0.03 ? 0 : -1; /* no polygons here: nobody is in a region */
        double uf = unif(); /* the filters inside the walk */
        mq.tags = uf < 0.3 ? 1u : (uf < 0.4 ? 3u : 0u); /* oncologie (+ lymfoedeem) */
        mq.as_of = unif() < 0.5 ? 150 : 250;            /* inside / outside the registration */
        mq.wheelchair = unif() < 0.15;
        mq.model_only = mq.mode != VW_MODE_TRANSIT && unif() < 0.1; /* FHIR's distance search */
        uint32_t na = vw_match(s, tm, &mq, a), nb = vw_match_brute(s, tm, &mq, b);
        for (uint32_t k = 0; mq.model_only && k < na; k++)
            CHECK(a[k].source == VW_TS_MODEL && (k == 0 || a[k - 1].km <= a[k].km));
        if (!same_hits(a, na, b, nb)) {
            if (mismatches < 5)
                fprintf(stderr, "mismatch: query %d mode %s within %g: %u vs %u hits\n", q,
                        vw_mode_name(mq.mode), mq.within_min, na, nb);
            mismatches++;
        }
        nonempty += na > 0;
        for (uint32_t k = 0; k < na; k++) {
            matrix_hits += a[k].source == VW_TS_MATRIX;
            model_hits += a[k].source == VW_TS_MODEL;
            if (k > 0) /* ordered by minutes, then km */
                CHECK(a[k - 1].minutes < a[k].minutes ||
                      (a[k - 1].minutes == a[k].minutes && a[k - 1].km <= a[k].km));
        }
    }
    CHECK(mismatches == 0);
    CHECK(nonempty > 2000);
    CHECK(matrix_hits > 1000 && model_hits > 100); /* both sources occur */
}

/* The island: across the water the matrix (with its ferry) is slower than
 * the model's straight line. */
static void test_island(const vw_snapshot *s, const vw_travel_model *tm)
{
    int checked = 0;
    for (int a = 0; a < N_PC4 && checked < 20; a++) {
        if (!island(a))
            continue;
        vw_match_query mq = {.lat = pc4_lat[a], .lon = pc4_lon[a], .within_min = 30,
                             .mode = VW_MODE_CAR, .limit = VW_MATCH_MAX_LIMIT, .region = -1};
        vw_match_hit h[VW_MATCH_MAX_LIMIT];
        uint32_t n = vw_match(s, tm, &mq, h);
        uint32_t mainland = 0;
        for (uint32_t k = 0; k < n; k++) /* only the few whose postcode is elsewhere */
            mainland += vw_snapshot_provider(s, h[k].provider)->lat < 52.9;
        CHECK(mainland * 10 <= n);
        checked++;
    }
    CHECK(checked > 0);
}

static void test_network_coverage(const vw_snapshot *s, const vw_travel_model *tm)
{
    vw_netcov *nc = vw_netcov_new(s, 0);
    CHECK(nc != NULL);
    int mismatches = 0, found = 0;
    for (int mode = 0; mode < VW_MODE_ALL; mode++)
        for (int q = 0; q < 300; q++) {
            double lat, lon;
            int pc4;
            random_origin(&lat, &lon, &pc4);
            vw_tt_origin o;
            CHECK(vw_tt_origin_init(&o, s, tm, (vw_mode)mode, lat, lon, pc4, NULL) == 0);
            double km1, km2, m1, m2;
            uint8_t src;
            int64_t n1 = vw_netcov_nearest(nc, &o, lat, lon, &km1, &m1, &src);
            int64_t n2 = vw_netcov_nearest_brute(s, &o, 0, lat, lon, &km2, &m2);
            found += n1 >= 0;
            if (n1 != n2 || (n1 >= 0 && (km1 != km2 || m1 != m2)))
                mismatches++;
            /* covered within T  <=>  networks near finds one */
            vw_network_near near[1];
            double t = 10 + 50 * unif();
            bool cov = n1 >= 0 && m1 <= t;
            CHECK(cov == (vw_networks_near(s, tm, lat, lon, pc4, t, (vw_mode)mode, 0, near, 1) == 1));
        }
    CHECK(mismatches == 0);
    CHECK(found > 100);
    vw_netcov_free(nc);
}

static void test_refer_uses_matrix(const vw_snapshot *s, const vw_travel_model *tm)
{
    /* the providers listed per need are vw_match's: same minutes, same source */
    vw_err err;
    vw_problems *t = vw_problems_builtin(&err);
    CHECK(t != NULL);
    if (t == NULL)
        return;
    vw_refer_config cfg;
    vw_refer_config_default(&cfg);
    vw_refer_result r;
    vw_refer_query q = {.lat = pc4_lat[3], .lon = pc4_lon[3], .problems = {0}, .n_problems = 1,
                        .score = 5, .within_min = 30, .mode = VW_MODE_TRANSIT,
                        .per_need = 5, .max_networks = 3};
    CHECK(vw_refer(s, tm, t, &cfg, &q, &r, &err) == 0);
    for (int j = 0; j < r.n_needs; j++)
        for (uint32_t k = 0; k < r.needs[j].n_hits; k++)
            CHECK(r.needs[j].hits[k].source == VW_TS_MATRIX); /* transit: no model */
    vw_problems_free(t);
}

static void test_no_matrix(const vw_travel_model *tm)
{
    vw_snapshot *s = build(false);
    if (s == NULL)
        return;
    vw_tt_origin o;
    vw_err err;
    CHECK(!vw_snapshot_has_matrix(s, VW_MODE_CAR) && !vw_snapshot_mode_ok(s, VW_MODE_TRANSIT));
    CHECK(vw_snapshot_mode_ok(s, VW_MODE_WALK));
    CHECK(vw_tt_origin_init(&o, s, tm, VW_MODE_TRANSIT, 52.0, 5.0, 0, &err) == -1 &&
          strcmp(err.code, VW_E_BAD_REQUEST) == 0 && strstr(err.message, "transit") != NULL);
    CHECK(vw_tt_origin_init(&o, s, tm, VW_MODE_CAR, 52.0, 5.0, 0, &err) == 0 && o.row == NULL);
    char sum[32];
    vw_snapshot_matrix_summary(s, sum, sizeof sum);
    CHECK_STR(sum, "none");
    vw_coverage_query cq = {.region = -1, .within_min = 15, .mode = VW_MODE_TRANSIT};
    vw_coverage c;
    CHECK(vw_coverage_run(s, tm, &cq, &c, NULL, NULL, &err) == -1 &&
          strcmp(err.code, VW_E_BAD_REQUEST) == 0);
    vw_snapshot_release(s);
}

int main(void)
{
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    vw_snapshot *s = build(true);
    if (s != NULL) {
        test_nearest_and_modes(s, &tm);
        test_match_equals_brute(s, &tm);
        test_island(s, &tm);
        test_network_coverage(s, &tm);
        test_refer_uses_matrix(s, &tm);
        vw_snapshot_release(s);
    }
    test_no_matrix(&tm);
    return T_DONE();
}
