/* test_geo.c -- unit tests for geodata/geo.c: haversine distance, the
 * travel-time model and its inverse used for index pruning, travel modes, the
 * NL box, postcode syntax, and privacy redaction. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/geo.h"
#include "t.h"

static int near_(double a, double b, double tol)
{
    return fabs(a - b) <= tol;
}

static void test_haversine(void)
{
    /* Utrecht centre -> Amsterdam centre */
    double ua = vw_geo_km(52.0907, 5.1214, 52.3676, 4.9041);
    CHECK(near_(ua, 34.2, 0.5));
    CHECK(near_(ua, 34.1621, 0.001));
    /* symmetry */
    CHECK(ua == vw_geo_km(52.3676, 4.9041, 52.0907, 5.1214));
    /* zero distance */
    CHECK(vw_geo_km(52.0907, 5.1214, 52.0907, 5.1214) == 0.0);
    CHECK(vw_geo_km(0, 0, 0, 0) == 0.0);
    /* one degree of longitude on the equator = R * pi / 180 */
    CHECK(near_(vw_geo_km(0, 0, 0, 1), VW_EARTH_RADIUS_KM * M_PI / 180.0, 1e-9));
    /* one degree of latitude anywhere on a sphere is the same */
    CHECK(near_(vw_geo_km(52, 5, 53, 5), VW_EARTH_RADIUS_KM * M_PI / 180.0, 1e-9));
    /* antipodes: half the circumference, no NaN from rounding */
    double anti = vw_geo_km(0, 0, 0, 180);
    CHECK(!isnan(anti) && near_(anti, M_PI * VW_EARTH_RADIUS_KM, 1e-6));
    CHECK(!isnan(vw_geo_km(52.1, 5.1, -52.1, -174.9)));
    /* Rotterdam -> Eindhoven, about 86.7 km */
    CHECK(near_(vw_geo_km(51.9225, 4.47917, 51.4416, 5.4697), 86.734, 0.01));
    /* symmetry over a grid of NL points */
    int asym = 0;
    for (double la = 50.8; la < 53.6; la += 0.37)
        for (double lo = 3.4; lo < 7.2; lo += 0.41)
            if (vw_geo_km(la, lo, 52.0907, 5.1214) != vw_geo_km(52.0907, 5.1214, la, lo))
                asym++;
    CHECK(asym == 0);
}

static void test_travel_model(void)
{
    vw_travel_model m;
    vw_travel_model_default(&m);
    CHECK(m.detour[VW_MODE_CAR] == 1.35 && m.speed_kmh[VW_MODE_CAR] == 40.0);
    CHECK(m.detour[VW_MODE_BIKE] == 1.25 && m.speed_kmh[VW_MODE_BIKE] == 15.0);
    CHECK(m.detour[VW_MODE_WALK] == 1.20 && m.speed_kmh[VW_MODE_WALK] == 4.8);
    CHECK(near_(vw_geo_minutes(&m, VW_MODE_CAR, 10.0), 20.25, 1e-9));
    CHECK(near_(vw_geo_minutes(&m, VW_MODE_BIKE, 10.0), 50.0, 1e-9));
    CHECK(near_(vw_geo_minutes(&m, VW_MODE_WALK, 1.0), 15.0, 1e-9));
    CHECK(vw_geo_minutes(&m, VW_MODE_CAR, 0.0) == 0.0);
    /* a changed model is used */
    m.speed_kmh[VW_MODE_CAR] = 80.0;
    CHECK(near_(vw_geo_minutes(&m, VW_MODE_CAR, 10.0), 10.125, 1e-9));

    /* modes */
    vw_mode md = VW_MODE_WALK;
    CHECK(vw_mode_parse("car", 3, &md) == 0 && md == VW_MODE_CAR);
    CHECK(vw_mode_parse("bike", 4, &md) == 0 && md == VW_MODE_BIKE);
    CHECK(vw_mode_parse("walk", 4, &md) == 0 && md == VW_MODE_WALK);
    CHECK(vw_mode_parse("Car", 3, &md) == -1);
    CHECK(vw_mode_parse("ca", 2, &md) == -1);
    CHECK(vw_mode_parse("", 0, &md) == -1);
    CHECK_STR(vw_mode_name(VW_MODE_BIKE), "bike");
    CHECK_STR(vw_mode_name(VW_MODE_CAR), "car");
}

/* A point `km` north of (lat, lon) along its meridian. */
static double lat_north(double lat, double km)
{
    return lat + km / VW_EARTH_RADIUS_KM * 180.0 / M_PI;
}

static void test_km_for_minutes(void)
{
    vw_travel_model m;
    vw_travel_model_default(&m);
    int dropped = 0, loose = 0, edge_fail = 0;
    for (int mode = 0; mode < VW_MODE_COUNT; mode++) {
        for (double t = 0.5; t <= 600.0; t += 0.75) {
            double r = vw_geo_km_for_minutes(&m, (vw_mode)mode, t);
            /* the exact inverse of the model, and its neighbours in double */
            double k = t / 60.0 * m.speed_kmh[mode] / m.detour[mode];
            double cands[3] = {nextafter(k, 0), k, nextafter(k, INFINITY)};
            for (int i = 0; i < 3; i++)
                if (vw_geo_minutes(&m, (vw_mode)mode, cands[i]) <= t && cands[i] > r)
                    dropped++; /* pruning would drop a point the exact test keeps */
            /* generous by a hair, not by a margin that matters */
            if (vw_geo_minutes(&m, (vw_mode)mode, r) > t * (1 + 1e-6) + 1e-6)
                loose++;
            /* a point placed at that distance (less a hair for the lat/lon rounding) passes */
            double lat2 = lat_north(52.0, k * (1 - 1e-9));
            double km = vw_geo_km(52.0, 5.0, lat2, 5.0);
            if (!(km <= r && vw_geo_minutes(&m, (vw_mode)mode, km) <= t))
                edge_fail++;
        }
    }
    CHECK(dropped == 0);
    CHECK(loose == 0);
    CHECK(edge_fail == 0);

    /* real points: whenever the minutes test passes, the pruning radius covers it */
    unsigned seed = 12345;
    int miss = 0;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        double la = 50.8 + (seed >> 8) % 28000 / 10000.0;
        seed = seed * 1103515245u + 12345u;
        double lo = 3.4 + (seed >> 8) % 38000 / 10000.0;
        double km = vw_geo_km(52.0907, 5.1214, la, lo);
        double t = floor(vw_geo_minutes(&m, VW_MODE_CAR, km) + 0.5); /* a nearby limit */
        if (vw_geo_minutes(&m, VW_MODE_CAR, km) <= t &&
            km > vw_geo_km_for_minutes(&m, VW_MODE_CAR, t))
            miss++;
    }
    CHECK(miss == 0);
    CHECK(vw_geo_km_for_minutes(&m, VW_MODE_CAR, 20.25) >= 10.0);
    CHECK(vw_geo_km_for_minutes(&m, VW_MODE_CAR, 20.25) < 10.0001);
}

static void test_nl_box(void)
{
    CHECK(vw_geo_in_nl(52.0907, 5.1214));
    CHECK(vw_geo_in_nl(VW_NL_LAT_MIN, VW_NL_LON_MIN));
    CHECK(vw_geo_in_nl(VW_NL_LAT_MAX, VW_NL_LON_MAX));
    CHECK(!vw_geo_in_nl(50.69, 5.0));
    CHECK(!vw_geo_in_nl(53.71, 5.0));
    CHECK(!vw_geo_in_nl(52.0, 3.29));
    CHECK(!vw_geo_in_nl(52.0, 7.31));
    CHECK(!vw_geo_in_nl(5.1214, 52.0907)); /* swapped lat/lon */
    CHECK(!vw_geo_in_nl(NAN, 5.0));
}

static int pc(const char *s, vw_postcode *out)
{
    return vw_postcode_parse(s, strlen(s), out);
}

static void test_postcodes(void)
{
    vw_postcode p;
    CHECK(pc("3511", &p) == 0 && p.pc4 == 3511 && p.letters[0] == '\0');
    CHECK(pc("3511AB", &p) == 0 && p.pc4 == 3511);
    CHECK_STR(p.letters, "AB");
    CHECK(pc("3511 ab", &p) == 0 && p.pc4 == 3511);
    CHECK_STR(p.letters, "AB");
    CHECK(pc("3511 aB", &p) == 0);
    CHECK_STR(p.letters, "AB");
    CHECK(pc("1000", &p) == 0 && p.pc4 == 1000);
    CHECK(pc("9999ZZ", &p) == 0 && p.pc4 == 9999);
    CHECK(pc("3511SB", &p) == 0);
    CHECK(pc("3511RS", &p) == 0);

    const char *bad[] = {"0999", "0000", "351",    "3511A",   "3511SA",  "3511SD",
                         "3511SS", "3511sa",  "35112AB", "",      "35a1",    "3511-AB",
                         "3511  AB", "3511 A1", "3511AB ", " 3511", "3511 ",  "35 11",
                         "3511A B", "+511",   "3511ABC", "351\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int r = pc(bad[i], &p);
        if (r != -1)
            fprintf(stderr, "accepted bad postcode '%s'\n", bad[i]);
        CHECK(r == -1);
    }
    /* length-delimited: only the given bytes count */
    CHECK(vw_postcode_parse("3511AB", 4, &p) == 0 && p.letters[0] == '\0');
}

static void test_redaction(void)
{
    vw_postcode p;
    char out[32];
    CHECK(pc("3511 ab", &p) == 0);
    vw_geo_redact_postcode(&p, out);
    CHECK_STR(out, "3511");
    CHECK(pc("1000", &p) == 0);
    vw_geo_redact_postcode(&p, out);
    CHECK_STR(out, "1000");

    vw_geo_redact_coords(52.090737, 5.121420, out);
    CHECK_STR(out, "52.09,5.12");
    vw_geo_redact_coords(52.0951, 4.9999, out);
    CHECK_STR(out, "52.10,5.00");
    /* never more than 2 decimals */
    vw_geo_redact_coords(53.123456789, 7.000001, out);
    const char *dot1 = strchr(out, '.');
    const char *comma = strchr(out, ',');
    CHECK(dot1 && comma && comma - dot1 - 1 == 2);
    CHECK(strlen(strrchr(out, '.') + 1) == 2);
}

int main(void)
{
    test_haversine();
    test_travel_model();
    test_km_for_minutes();
    test_nl_box();
    test_postcodes();
    test_redaction();
    return T_DONE();
}
