/* test_coverage.c -- coverage on a hand-made fixture whose figures can be
 * worked out by hand, then against a brute-force scan on a random directory.
 *
 * Fixture: two square regions, noord (lon 5..6, lat 53..53.5) and zuidoost
 * (lon 5..6, lat 51..51.5); five PC4 centroids; six places; four providers.
 * Within 15 min by car = 7.407 km (1.35 detour at 40 km/h); the PC4s are tens
 * of km apart, so each provider covers only the PC4 it stands on.
 *
 *   PC4  where            population (nearest-place rule)
 *   9001 53.10 5.20 noord  1000 (A) + 100 (F: nearest to no PC4 -> to 9001)
 *   9002 53.10 5.80 noord  3000 (B)
 *   9003 53.40 5.50 noord   500 (C)
 *   6001 51.20 5.50 zuidoost 2000 (D)
 *   6002 51.40 5.90 zuidoost    0 (E)
 *
 *   P1 fysiotherapeut+oncologie at 9001, accepting
 *   P2 fysiotherapeut (no oncologie) at 9002
 *   P3 fysiotherapeut+oncologie at 6001, NOT accepting
 *   P4 dietist at 9003 */
#include <geos_c.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/regions.h"
#include "proto/vocab.h"
#include "server/engine/coverage.h"
#include "server/engine/coverage_net.h"
#include "server/engine/refer.h"
#include "t.h"

static vw_err err;

static void set_box(vw_snapbuild *b, GEOSContextHandle_t h, int region, double x0, double y0,
                    double x1, double y1)
{
    GEOSGeometry *g = GEOSGeom_createRectangle_r(h, x0, y0, x1, y1);
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
    size_t len = 0;
    unsigned char *wkb = GEOSWKBWriter_write_r(h, w, g, &len);
    CHECK(vw_snapbuild_set_region(b, region, wkb, len, &err) == 0);
    GEOSFree_r(h, wkb);
    GEOSWKBWriter_destroy_r(h, w);
    GEOSGeom_destroy_r(h, g);
}

static void prov(vw_snapbuild *b, const char *id, int disc, double lat, double lon,
                 const char *tag, bool accepting)
{
    const char *tags[1] = {tag};
    vw_provider_in p = {.id = id, .name = id, .postcode = "9001", .city = "X", .lat = lat,
                        .lon = lon, .discipline = disc, .expertise = tags,
                        .n_expertise = tag ? 1 : 0, .accepting = accepting};
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
}

static vw_snapshot *fixture(void)
{
    GEOSContextHandle_t h = GEOS_init_r();
    vw_snapbuild *b = vw_snapbuild_new();
    int noord = vw_region_index("noord", 5), zo = vw_region_index("zuidoost", 8);
    set_box(b, h, noord, 5.0, 53.0, 6.0, 53.5);
    set_box(b, h, zo, 5.0, 51.0, 6.0, 51.5);
    GEOS_finish_r(h);
    CHECK(vw_snapbuild_add_pc4(b, 9001, 53.10, 5.20, "A", &err) == 0);
    CHECK(vw_snapbuild_add_pc4(b, 9002, 53.10, 5.80, "B", &err) == 0);
    CHECK(vw_snapbuild_add_pc4(b, 9003, 53.40, 5.50, "C", &err) == 0);
    CHECK(vw_snapbuild_add_pc4(b, 6001, 51.20, 5.50, "D", &err) == 0);
    CHECK(vw_snapbuild_add_pc4(b, 6002, 51.40, 5.90, "E", &err) == 0);
    CHECK(vw_snapbuild_add_place(b, 53.10, 5.20, 1000, &err) == 0); /* A */
    CHECK(vw_snapbuild_add_place(b, 53.11, 5.79, 3000, &err) == 0); /* B */
    CHECK(vw_snapbuild_add_place(b, 53.40, 5.51, 500, &err) == 0);  /* C */
    CHECK(vw_snapbuild_add_place(b, 51.20, 5.50, 2000, &err) == 0); /* D */
    CHECK(vw_snapbuild_add_place(b, 51.40, 5.90, 0, &err) == 0);    /* E */
    CHECK(vw_snapbuild_add_place(b, 53.12, 5.25, 100, &err) == 0);  /* F, near A */
    prov(b, "P1", VW_D_FYSIOTHERAPEUT, 53.10, 5.20, "oncologie", true);
    prov(b, "P2", VW_D_FYSIOTHERAPEUT, 53.10, 5.80, NULL, true);
    prov(b, "P3", VW_D_FYSIOTHERAPEUT, 51.20, 5.50, "oncologie", false);
    prov(b, "P4", VW_D_DIETIST, 53.40, 5.50, NULL, true);
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    return s;
}

static const vw_coverage_point *point(const vw_coverage *c, int pc4)
{
    for (uint32_t k = 0; k < c->n; k++)
        if (c->points[k].pc4 == pc4)
            return &c->points[k];
    return NULL;
}

static void test_fixture(void)
{
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    vw_snapshot *s = fixture();
    if (s == NULL)
        return;
    int noord = vw_region_index("noord", 5), zo = vw_region_index("zuidoost", 8);
    int onco = vw_snapshot_tag_bit(s, "oncologie", 9);
    vw_pc4_info info;
    /* population rule */
    CHECK(vw_snapshot_pc4_info(s, 9001, &info) && info.population == 1100 && info.region == noord);
    CHECK(vw_snapshot_pc4_info(s, 9002, &info) && info.population == 3000);
    CHECK(vw_snapshot_pc4_info(s, 6002, &info) && info.population == 0 && info.region == zo);
    CHECK(vw_snapshot_population(s) == 6600);
    /* provider regions, the region filter of match */
    CHECK(vw_snapshot_provider(s, 0)->region == noord && vw_snapshot_provider(s, 2)->region == zo);
    vw_match_query mq = {.lat = 53.10, .lon = 5.80, .disciplines = 1u << VW_D_FYSIOTHERAPEUT,
                         .within_min = -1, .limit = 10, .region = zo};
    vw_match_hit hits[10];
    CHECK(vw_match(s, &tm, &mq, hits) == 1 && hits[0].provider == 2);

    vw_coverage c;
    vw_coverage_query q = {.region = -1, .disciplines = 1u << VW_D_FYSIOTHERAPEUT,
                           .tags = UINT64_C(1) << onco, .within_min = 15, .mode = VW_MODE_CAR};
    CHECK(vw_coverage_run(s, &tm, &q, &c, NULL, NULL, &err) == 0);
    CHECK(c.n == 5 && c.matching_providers == 2);
    CHECK(c.total.pc4 == 5 && c.total.covered_pc4 == 2);
    CHECK(c.total.population == 6600 && c.total.covered_population == 3100);
    CHECK(c.region[noord].pc4 == 3 && c.region[noord].covered_pc4 == 1);
    CHECK(c.region[noord].population == 4600 && c.region[noord].covered_population == 1100);
    CHECK(c.region[zo].pc4 == 2 && c.region[zo].covered_pc4 == 1);
    CHECK(c.region[zo].population == 2000 && c.region[zo].covered_population == 2000);
    /* the white spot 9002: nearest oncology physio is P1, 0.6 degrees west */
    const vw_coverage_point *p = point(&c, 9002);
    double km = vw_geo_km(53.10, 5.80, 53.10, 5.20);
    CHECK(p && !p->covered && p->nearest == 0 && fabs(p->km - km) < 1e-9);
    CHECK(p && fabs(p->minutes - km * 1.35 / 40 * 60) < 1e-9);
    vw_coverage_free(&c);

    /* without the expertise, P2 covers 9002 too */
    q.tags = 0;
    CHECK(vw_coverage_run(s, &tm, &q, &c, NULL, NULL, &err) == 0);
    CHECK(c.region[noord].covered_pc4 == 2 && c.region[noord].covered_population == 4100);
    vw_coverage_free(&c);

    /* accepting only: P3 does not count, zuidoost has nothing */
    q.tags = UINT64_C(1) << onco;
    q.accepting_only = true;
    q.region = zo;
    CHECK(vw_coverage_run(s, &tm, &q, &c, NULL, NULL, &err) == 0);
    CHECK(c.n == 2 && c.total.covered_pc4 == 0 && c.region[noord].pc4 == 0);
    CHECK(point(&c, 6001) && point(&c, 6001)->nearest == 0); /* P1, far north */
    vw_coverage_free(&c);

    /* nobody matches at all: every point uncovered, no nearest */
    q.disciplines = 1u << VW_D_SEKSUOLOOG;
    q.region = -1;
    CHECK(vw_coverage_run(s, &tm, &q, &c, NULL, NULL, &err) == 0);
    CHECK(c.total.covered_pc4 == 0 && c.matching_providers == 0 && c.points[0].nearest == -1);
    vw_coverage_free(&c);

    /* bad queries */
    q.within_min = 0;
    CHECK(vw_coverage_run(s, &tm, &q, &c, NULL, NULL, &err) == -1 &&
          strcmp(err.code, VW_E_BAD_REQUEST) == 0);
    vw_snapshot_release(s);
}

/* Random directory, no regions: coverage must agree with a brute-force scan
 * (vw_match_brute, nearest at any distance) point by point. */
static void test_brute(void)
{
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    srand(7);
    vw_snapbuild *b = vw_snapbuild_new();
    for (int pc = 1000; pc < 1600; pc++)
        vw_snapbuild_add_pc4(b, pc, 51 + 2.5 * rand() / RAND_MAX, 3.6 + 3.3 * rand() / RAND_MAX,
                             "X", &err);
    for (int i = 0; i < 3000; i++) {
        char id[16];
        snprintf(id, sizeof id, "R%05d", i);
        prov(b, id, rand() % 3 == 0 ? VW_D_DIETIST : VW_D_FYSIOTHERAPEUT,
             51 + 2.5 * rand() / RAND_MAX, 3.6 + 3.3 * rand() / RAND_MAX,
             rand() % 4 == 0 ? "oncologie" : NULL, rand() % 2);
    }
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    int onco = vw_snapshot_tag_bit(s, "oncologie", 9);
    const double within[] = {5, 15, 30};
    int mismatches = 0;
    for (int w = 0; w < 3; w++)
        for (int acc = 0; acc < 2; acc++) {
            vw_coverage_query q = {.region = -1, .disciplines = 1u << VW_D_FYSIOTHERAPEUT,
                                   .tags = UINT64_C(1) << onco, .within_min = within[w],
                                   .mode = (vw_mode)w, .accepting_only = acc};
            vw_coverage c;
            CHECK(vw_coverage_run(s, &tm, &q, &c, NULL, NULL, &err) == 0);
            uint32_t covered = 0;
            for (uint32_t k = 0; k < c.n; k++) {
                vw_pc4_info info;
                vw_snapshot_pc4_info(s, c.points[k].pc4, &info);
                vw_match_query mq = {.lat = info.lat, .lon = info.lon,
                                     .disciplines = q.disciplines, .tags = q.tags,
                                     .within_min = -1, .mode = q.mode, .limit = 1,
                                     .accepting_only = q.accepting_only, .region = -1};
                vw_match_hit h;
                uint32_t n = vw_match_brute(s, &tm, &mq, &h);
                bool cov = n == 1 && h.minutes <= q.within_min;
                covered += cov;
                if (cov != c.points[k].covered || (n == 1 && h.provider != c.points[k].nearest))
                    mismatches++;
            }
            CHECK(covered == c.total.covered_pc4);
            vw_coverage_free(&c);
        }
    CHECK(mismatches == 0);
    vw_snapshot_release(s);
}

/* Network view on a random directory with networks: the pruned walk finds the
 * same nearest network and reach as a scan of every member, and "covered"
 * agrees with vw_networks_near within T. */
static void test_networks(void)
{
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    srand(11);
    vw_snapbuild *b = vw_snapbuild_new();
    for (int pc = 1000; pc < 1400; pc++)
        vw_snapbuild_add_pc4(b, pc, 51 + 2.5 * rand() / RAND_MAX, 3.6 + 3.3 * rand() / RAND_MAX,
                             "X", &err);
    char ids[40][16];
    for (int k = 0; k < 40; k++) {
        snprintf(ids[k], sizeof ids[k], "N%02d", k);
        vw_network_in n = {.id = ids[k], .name = ids[k], .kind = "netwerk",
                           .status = k % 5 == 4 ? VW_NET_FORMING : VW_NET_CERTIFIED,
                           .certified_until = VW_DATE_NONE};
        CHECK(vw_snapbuild_add_network(b, &n, &err) == 0);
    }
    const int disc[] = {VW_D_FYSIOTHERAPEUT, VW_D_PSYCHOLOOG, VW_D_DIETIST, VW_D_POC,
                        VW_D_ERGOTHERAPEUT};
    for (int i = 0; i < 1500; i++) {
        char id[16];
        snprintf(id, sizeof id, "M%05d", i);
        int k = rand() % 40;
        /* members cluster around their network's home, some far away */
        double lat = 51 + 2.5 * ((k * 7) % 40) / 40.0 + 0.3 * rand() / RAND_MAX;
        double lon = 3.6 + 3.3 * ((k * 13) % 40) / 40.0 + 0.3 * rand() / RAND_MAX;
        if (rand() % 20 == 0)
            lat = 51 + 2.5 * rand() / RAND_MAX;
        const char *nets[1] = {ids[k]};
        vw_provider_in p = {.id = id, .name = id, .postcode = "1000", .city = "X", .lat = lat,
                            .lon = lon, .discipline = disc[rand() % 5], .networks = nets,
                            .n_networks = rand() % 10 ? 1 : 0, .accepting = true};
        CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    }
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    vw_netcov *nc = vw_netcov_new(s, 0);
    CHECK(nc != NULL && vw_netcov_networks(nc) > 10 && vw_netcov_networks(nc) < 40);
    int mismatches = 0, covered_total = 0;
    const double within[] = {10, 20, 45};
    for (int w = 0; w < 3; w++) {
        vw_coverage_query q = {.region = -1, .networks = true, .within_min = within[w],
                               .mode = VW_MODE_CAR};
        vw_coverage c;
        CHECK(vw_coverage_run(s, &tm, &q, &c, NULL, NULL, &err) == 0);
        for (uint32_t k = 0; k < c.n; k++) {
            vw_pc4_info info;
            vw_snapshot_pc4_info(s, c.points[k].pc4, &info);
            double km, minutes;
            vw_tt_origin o;
            CHECK(vw_tt_origin_init(&o, s, &tm, q.mode, info.lat, info.lon, info.pc4, NULL) == 0);
            int64_t best = vw_netcov_nearest_brute(s, &o, 0, info.lat, info.lon, &km, &minutes);
            vw_network_near near[1];
            bool cov = vw_networks_near(s, &tm, info.lat, info.lon, info.pc4, q.within_min, q.mode, 0,
                                        near, 1) == 1;
            covered_total += cov;
            if (best != c.points[k].nearest || km != c.points[k].km || cov != c.points[k].covered)
                mismatches++;
        }
        vw_coverage_free(&c);
    }
    CHECK(mismatches == 0);
    CHECK(covered_total > 0 && covered_total < 3 * 400); /* both kinds of point occur */
    vw_netcov_free(nc);
    vw_snapshot_release(s);
}

int main(void)
{
    test_fixture();
    test_brute();
    test_networks();
    return T_DONE();
}
