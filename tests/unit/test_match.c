/* test_match.c -- the snapshot builder, tag/registration logic and the query
 * engine: vw_match() must equal vw_match_brute() exactly (same providers,
 * same order, same km bits) on thousands of random queries over a random
 * national directory with clusters, exact ties and registrations. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/attrs.h"
#include "proto/vocab.h"
#include "server/engine/match.h"
#include "server/engine/snapshot.h"
#include "t.h"
#include "t_rng.h"

/* ---- deterministic randomness -------------------------------------------- */
static uint32_t below(uint32_t n) { return (uint32_t)(unif() * n); }
static double gauss(void)
{
    double u = unif(), v = unif();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(2.0 * M_PI * v);
}

static vw_provider_in prov(const char *id, int disc, double lat, double lon)
{
    vw_provider_in p;
    memset(&p, 0, sizeof p);
    p.id = id;
    p.name = id;
    p.discipline = disc;
    p.lat = lat;
    p.lon = lon;
    p.accepting = true;
    return p;
}

static vw_network_in net(const char *id)
{
    vw_network_in n = {.id = id, .name = "Net", .kind = "oncologienetwerk",
                       .region_code = "midden", .status = VW_NET_CERTIFIED,
                       .certified_until = VW_DATE_NONE};
    return n;
}

/* ---- builder -------------------------------------------------------------- */
static void test_builder(void)
{
    vw_err err;
    vw_snapbuild *b = vw_snapbuild_new();
    const char *nets_b[] = {"N2", "N1"};
    const char *nets_c[] = {"N1"};
    const char *tags_a[] = {"lymfoedeem", "oncologie", "extra-tag"};
    CHECK(vw_snapbuild_add_network(b, &(vw_network_in){.id = "N2", .name = "Two",
                                                         .status = VW_NET_FORMING,
                                                         .certified_until = VW_DATE_NONE},
                                   &err) == 0);
    CHECK(vw_snapbuild_add_network(b, &(vw_network_in){.id = "N1", .name = "One", .kind = "k",
                                                         .status = VW_NET_CERTIFIED,
                                                         .certified_until = 20000},
                                   &err) == 0);
    vw_provider_in p = prov("P3", VW_D_DIETIST, 52.0, 5.0);
    p.networks = nets_b;
    p.n_networks = 2;
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    p = prov("P10", VW_D_FYSIOTHERAPEUT, 52.1, 5.1);
    p.expertise = tags_a;
    p.n_expertise = 3;
    p.city = "Utrecht";
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    p = prov("P1", VW_D_FYSIOTHERAPEUT, 52.2, 5.2);
    p.networks = nets_c;
    p.n_networks = 1;
    p.city = "Utrecht";
    p.online = true;
    p.name = "Praktijk Een";
    p.postcode = "3511 AB";
    p.phone = ""; /* empty stays empty, absent (address) stays NULL */
    p.email = "info@een.example";
    p.website = "https://een.example";
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    CHECK(vw_snapbuild_add_registration(b, "P3", "voeding", "reg", 100, 200, &err) == 0);
    CHECK(vw_snapbuild_add_registration(b, "P1", "oncologie", "reg", VW_DATE_NONE, 150, &err) == 0);
    CHECK(vw_snapbuild_add_pc4(b, 3511, 52.09, 5.11, "Utrecht", &err) == 0);
    CHECK(vw_snapbuild_add_pc4(b, 3511, 52.09, 5.11, "Utrecht", &err) < 0); /* duplicate */
    CHECK(vw_snapbuild_add_provider(b, &(vw_provider_in){.id = "bad id", .lat = 52, .lon = 5},
                                    &err) < 0);
    vw_provider_in bad = prov("PX", VW_D_COUNT, 52, 5);
    CHECK(vw_snapbuild_add_provider(b, &bad, &err) < 0);
    bad = prov("PX", 0, NAN, 5);
    CHECK(vw_snapbuild_add_provider(b, &bad, &err) < 0);
    const char *badtag[] = {"Not Valid"};
    bad = prov("PX", 0, 52, 5);
    bad.expertise = badtag;
    bad.n_expertise = 1;
    CHECK(vw_snapbuild_add_provider(b, &bad, &err) < 0);

    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    /* bytewise id order: P1 < P10 < P3 */
    CHECK(vw_snapshot_provider_count(s) == 3);
    CHECK_STR(vw_snapshot_provider(s, 0)->id, "P1");
    CHECK_STR(vw_snapshot_provider(s, 1)->id, "P10");
    CHECK_STR(vw_snapshot_provider(s, 2)->id, "P3");
    CHECK(vw_snapshot_provider(s, 3) == NULL);
    CHECK(vw_snapshot_find_provider(s, "P10", 3) == 1);
    CHECK(vw_snapshot_find_provider(s, "P10xyz", 3) == 1);
    CHECK(vw_snapshot_find_provider(s, "P", 1) == -1);
    CHECK(vw_snapshot_find_provider(s, "P2", 2) == -1);
    CHECK(vw_snapshot_find_provider(s, "P3", 2) == 2);
    CHECK(vw_snapshot_network_count(s) == 2);
    CHECK_STR(vw_snapshot_network(s, 0)->id, "N1");
    CHECK(vw_snapshot_find_network(s, "N2", 2) == 1);
    /* packed text fields: present, empty and absent ones */
    vw_provider_text t;
    vw_provider_text_get(vw_snapshot_provider(s, 0), &t);
    CHECK_STR(vw_provider_name(vw_snapshot_provider(s, 0)), "Praktijk Een");
    CHECK_STR(t.name, "Praktijk Een");
    CHECK_STR(t.postcode, "3511 AB");
    CHECK(t.address == NULL);
    CHECK_STR(t.phone, "");
    CHECK_STR(t.email, "info@een.example");
    CHECK_STR(t.website, "https://een.example");
    vw_provider_text_get(vw_snapshot_provider(s, 2), &t);
    CHECK_STR(t.name, "P3");
    CHECK(!t.postcode && !t.address && !t.phone && !t.email && !t.website);
    CHECK(sizeof(vw_provider) == 64);
    /* cities interned: same pointer */
    CHECK(vw_snapshot_provider(s, 0)->city == vw_snapshot_provider(s, 1)->city);
    CHECK(vw_snapshot_provider(s, 2)->city == NULL);

    /* memberships: P1 -> {N1}; P3 -> {N1, N2} sorted; N1 -> {P1, P3}, N2 -> {P3} */
    const uint32_t *ms = vw_snapshot_memberships(s), *mb = vw_snapshot_members(s);
    const vw_provider *p1 = vw_snapshot_provider(s, 0), *p3 = vw_snapshot_provider(s, 2);
    CHECK(p1->net_count == 1 && ms[p1->net_first] == 0);
    CHECK(p3->net_count == 2 && ms[p3->net_first] == 0 && ms[p3->net_first + 1] == 1);
    CHECK(vw_snapshot_provider(s, 1)->net_count == 0);
    const vw_network *n1 = vw_snapshot_network(s, 0), *n2 = vw_snapshot_network(s, 1);
    CHECK(n1->member_count == 2 && mb[n1->member_first] == 0 && mb[n1->member_first + 1] == 2);
    CHECK(n2->member_count == 1 && mb[n2->member_first] == 2);

    /* tag dictionary: base tags first, in order, then new ones */
    CHECK(vw_snapshot_tag_count(s) == VW_BASE_TAG_COUNT + 1);
    for (int i = 0; i < VW_BASE_TAG_COUNT; i++)
        CHECK_STR(vw_snapshot_tag_name(s, i), vw_base_tags[i]);
    CHECK(vw_snapshot_tag_bit(s, "extra-tag", 9) == VW_BASE_TAG_COUNT);
    CHECK(vw_snapshot_tag_bit(s, "oncologie", 9) == 0);
    CHECK(vw_snapshot_tag_bit(s, "oncologiex", 9) == 0);
    CHECK(vw_snapshot_tag_bit(s, "nope", 4) == -1);
    CHECK(vw_snapshot_tag_name(s, 64) == NULL);
    CHECK(vw_snapshot_provider(s, 1)->expertise == ((1u << 0) | (1u << 1) | (1u << 10)));

    /* registrations and has_tags */
    uint64_t onco = 1u << 0, voeding = 1u << 4;
    CHECK(!vw_provider_has_tags(s, 2, voeding, 99));
    CHECK(vw_provider_has_tags(s, 2, voeding, 100));
    CHECK(vw_provider_has_tags(s, 2, voeding, 200));
    CHECK(!vw_provider_has_tags(s, 2, voeding, 201));
    CHECK(vw_provider_has_tags(s, 0, onco, -5000));
    CHECK(vw_provider_has_tags(s, 0, onco, 150));
    CHECK(!vw_provider_has_tags(s, 0, onco, 151));
    CHECK(vw_provider_has_tags(s, 1, onco | 2, 0));
    CHECK(!vw_provider_has_tags(s, 1, onco | voeding, 0));
    CHECK(vw_provider_has_tags(s, 1, 0, 0));
    CHECK(vw_provider_tags_on(s, 2, 150) == voeding);
    CHECK(vw_provider_tags_on(s, 2, 300) == 0);
    CHECK(p3->reg_count == 1 && vw_snapshot_registrations(s)[p3->reg_first].tag == 4);
    CHECK_STR(vw_snapshot_registrations(s)[p3->reg_first].registry, "reg");

    /* PC4, counts, stats */
    double lat, lon;
    const char *place;
    CHECK(vw_snapshot_pc4(s, 3511, &lat, &lon, &place) && lat == 52.09 && lon == 5.11);
    CHECK_STR(place, "Utrecht");
    CHECK(!vw_snapshot_pc4(s, 3512, &lat, &lon, &place));
    CHECK(!vw_snapshot_pc4(s, -1, &lat, &lon, &place));
    CHECK(!vw_snapshot_pc4(s, 10000, &lat, &lon, &place));
    CHECK(vw_snapshot_pc4_count(s) == 1);
    CHECK(vw_snapshot_discipline_counts(s)[VW_D_FYSIOTHERAPEUT] == 2);
    CHECK(vw_snapshot_discipline_counts(s)[VW_D_DIETIST] == 1);
    CHECK(vw_snapshot_bytes(s) > 0);

    /* refcount: retain + release leaves it alive */
    CHECK(vw_snapshot_retain(s) == s);
    vw_snapshot_release(s);
    CHECK(vw_snapshot_provider_count(s) == 3);
    vw_snapshot_release(s);
    vw_snapshot_release(NULL);
}

static void test_builder_errors(void)
{
    vw_err err;
    /* duplicate provider id */
    vw_snapbuild *b = vw_snapbuild_new();
    vw_provider_in p = prov("P1", 0, 52, 5);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    CHECK(vw_snapbuild_finish(b, &err) == NULL);
    CHECK(strstr(err.message, "duplicate provider id 'P1'") != NULL);

    /* duplicate network id */
    b = vw_snapbuild_new();
    vw_network_in n = net("N1");
    CHECK(vw_snapbuild_add_network(b, &n, &err) == 0);
    CHECK(vw_snapbuild_add_network(b, &n, &err) == 0);
    CHECK(vw_snapbuild_finish(b, &err) == NULL);
    CHECK(strstr(err.message, "duplicate network id 'N1'") != NULL);

    /* unknown network */
    b = vw_snapbuild_new();
    const char *nets[] = {"N1", "NOPE"};
    n = net("N1");
    CHECK(vw_snapbuild_add_network(b, &n, &err) == 0);
    p.networks = nets;
    p.n_networks = 2;
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    CHECK(vw_snapbuild_finish(b, &err) == NULL);
    CHECK(strstr(err.message, "unknown network 'NOPE'") != NULL);
    CHECK(strstr(err.message, "'P1'") != NULL);

    /* unknown provider in a registration */
    b = vw_snapbuild_new();
    p = prov("P1", 0, 52, 5);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    CHECK(vw_snapbuild_add_registration(b, "P2", "oncologie", "r", VW_DATE_NONE,
                                        VW_DATE_NONE, &err) == 0);
    CHECK(vw_snapbuild_finish(b, &err) == NULL);
    CHECK(strstr(err.message, "unknown provider 'P2'") != NULL);

    /* registration with from > until */
    b = vw_snapbuild_new();
    CHECK(vw_snapbuild_add_registration(b, "P1", "oncologie", "r", 10, 5, &err) < 0);
    vw_snapbuild_free(b);

    /* more than 64 tags; exactly 64 is fine */
    b = vw_snapbuild_new();
    char names[60][16];
    const char *tp[60];
    for (int i = 0; i < 54; i++) {
        snprintf(names[i], sizeof names[i], "t%d", i);
        tp[i] = names[i];
    }
    p = prov("P1", 0, 52, 5);
    p.expertise = tp;
    p.n_expertise = 54; /* 10 base + 54 = 64 */
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    const char *one_more[] = {"t-overflow"};
    p = prov("P2", 0, 52, 5);
    p.expertise = one_more;
    p.n_expertise = 1;
    CHECK(vw_snapbuild_add_provider(b, &p, &err) < 0);
    CHECK(strstr(err.message, "more than 64") != NULL);
    CHECK(vw_snapbuild_add_registration(b, "P1", "t-overflow", "r", VW_DATE_NONE, VW_DATE_NONE,
                                        &err) < 0);
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s && vw_snapshot_tag_count(s) == 64 && vw_snapshot_provider_count(s) == 1);
    if (s)
        CHECK(vw_snapshot_provider(s, 0)->expertise == (~UINT64_C(0) << 10));
    vw_snapshot_release(s);

    /* empty snapshot */
    s = vw_snapbuild_finish(vw_snapbuild_new(), &err);
    CHECK(s != NULL);
    if (s) {
        vw_travel_model tm;
        vw_travel_model_default(&tm);
        vw_match_query q = {.lat = 52, .lon = 5, .within_min = -1, .limit = 10, .region = -1};
        vw_match_hit hits[10];
        CHECK(vw_match(s, &tm, &q, hits) == 0);
        CHECK(vw_match_online(s, &q, NULL, 0, hits) == 0);
        CHECK(vw_snapshot_find_provider(s, "P1", 2) == -1);
    }
    vw_snapshot_release(s);
}

/* Many ids with a long shared prefix exercise every level of the id sort. */
/* The geography may start before the providers come (the store's loader
 * does that); PC4s, places and regions after it are refused, and a builder
 * dropped while the geography thread runs is freed cleanly. */
static void test_builder_geo_early(void)
{
    vw_err err;
    vw_snapbuild *b = vw_snapbuild_new();
    CHECK(vw_snapbuild_add_pc4(b, 3511, 52.09, 5.11, "Utrecht", &err) == 0);
    CHECK(vw_snapbuild_add_place(b, 52.09, 5.11, 360000, &err) == 0);
    CHECK(vw_snapbuild_geo_start(b, &err) == 0);
    CHECK(vw_snapbuild_geo_start(b, &err) == 0); /* idempotent */
    CHECK(vw_snapbuild_add_pc4(b, 3512, 52.09, 5.12, "Utrecht", &err) < 0);
    CHECK(vw_snapbuild_add_place(b, 52.0, 5.0, 1, &err) < 0);
    vw_provider_in p = prov("P2", VW_D_DIETIST, 52.0, 5.0);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    p = prov("P1", VW_D_DIETIST, 52.1, 5.1);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    if (s) {
        CHECK(vw_snapshot_pc4_count(s) == 1 && vw_snapshot_population(s) == 360000);
        CHECK_STR(vw_snapshot_provider(s, 0)->id, "P1");
        CHECK(vw_snapshot_provider(s, 0)->region == -1); /* no polygons */
        vw_snapshot_release(s);
    }
    b = vw_snapbuild_new(); /* dropped with the geography running */
    CHECK(vw_snapbuild_add_pc4(b, 3511, 52.09, 5.11, "Utrecht", &err) == 0);
    CHECK(vw_snapbuild_geo_start(b, &err) == 0);
    vw_snapbuild_free(b);
    b = vw_snapbuild_new(); /* finish failing after the geography started */
    CHECK(vw_snapbuild_geo_start(b, &err) == 0);
    p = prov("P1", VW_D_DIETIST, 52.1, 5.1);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0); /* duplicate id: finish fails */
    CHECK(vw_snapbuild_finish(b, &err) == NULL);
}

static void test_sort_ids(void)
{
    vw_err err;
    enum { N = 3000 };
    static char ids[N][40];
    vw_snapbuild *b = vw_snapbuild_new();
    for (int i = 0; i < N; i++) {
        uint32_t v = (uint32_t)rnd();
        switch (i % 4) {
        case 0: snprintf(ids[i], sizeof ids[i], "PROVIDER-LONG-PREFIX-%u", v); break;
        case 1: snprintf(ids[i], sizeof ids[i], "P%07u", v % 10000000u); break;
        case 2: snprintf(ids[i], sizeof ids[i], "%c%u", 'A' + (char)(v % 3), v % 100u); break;
        default: snprintf(ids[i], sizeof ids[i], "x\xc3\xa9%u", v); break; /* non-ASCII bytes */
        }
    }
    int added = 0;
    for (int i = 0; i < N; i++) {
        bool dup = false; /* keep ids unique */
        for (int j = 0; j < i && !dup; j++)
            dup = strcmp(ids[i], ids[j]) == 0;
        if (dup) {
            ids[i][0] = '\0';
            continue;
        }
        vw_provider_in p = prov(ids[i], 0, 52, 5);
        if (vw_snapbuild_add_provider(b, &p, &err) == 0)
            added++;
        else
            ids[i][0] = '\0';
    }
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s && (int)vw_snapshot_provider_count(s) == added);
    if (!s)
        return;
    int bad = 0;
    for (uint32_t i = 1; i < vw_snapshot_provider_count(s); i++)
        if (strcmp(vw_snapshot_provider(s, i - 1)->id, vw_snapshot_provider(s, i)->id) >= 0)
            bad++;
    CHECK(bad == 0);
    for (int i = 0; i < N; i++)
        if (ids[i][0]) {
            int64_t k = vw_snapshot_find_provider(s, ids[i], strlen(ids[i]));
            if (k < 0 || strcmp(vw_snapshot_provider(s, (uint32_t)k)->id, ids[i]) != 0)
                bad++;
        }
    CHECK(bad == 0);

    vw_snapshot_release(s);

    /* Already in order (the loader's case: the sort is skipped) and in order
     * but for the last one (the full sort). */
    static const char *const in_order[] = {"A1", "B", "B0", "P0000009", "P0000010", "A0"};
    for (int last = 5; last <= 6; last++) {
        b = vw_snapbuild_new();
        for (int i = 0; i < last; i++) {
            vw_provider_in p = prov(in_order[i], 0, 52, 5);
            CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
        }
        s = vw_snapbuild_finish(b, &err);
        CHECK(s != NULL);
        if (!s)
            continue;
        CHECK_STR(vw_snapshot_provider(s, 0)->id, last == 6 ? "A0" : "A1");
        CHECK_STR(vw_snapshot_provider(s, (uint32_t)last - 1)->id, "P0000010");
        CHECK_STR(vw_provider_name(vw_snapshot_provider(s, 2)), last == 6 ? "B" : "B0");
        vw_snapshot_release(s);
    }
}

/* ---- small hand-computed case --------------------------------------------- */
static void test_known_distances(void)
{
    vw_err err;
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    vw_snapbuild *b = vw_snapbuild_new();
    /* Due north of (52, 5): distance along a meridian is R * dlat (radians). */
    vw_provider_in p = prov("C", VW_D_FYSIOTHERAPEUT, 52.10, 5.0);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    p = prov("A", VW_D_FYSIOTHERAPEUT, 52.01, 5.0);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    p = prov("B", VW_D_FYSIOTHERAPEUT, 52.05, 5.0);
    p.accepting = false;
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    p = prov("D", VW_D_DIETIST, 52.0, 5.0);
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    double r = VW_EARTH_RADIUS_KM * M_PI / 180.0;
    vw_match_hit h[10];
    vw_match_query q = {.lat = 52.0, .lon = 5.0, .disciplines = 1u << VW_D_FYSIOTHERAPEUT,
                        .within_min = -1, .mode = VW_MODE_CAR, .limit = 10, .region = -1};
    uint32_t n = vw_match(s, &tm, &q, h);
    CHECK(n == 3);
    CHECK(h[0].provider == 0 && fabs(h[0].km - 0.01 * r) < 1e-9);
    CHECK(h[1].provider == 1 && fabs(h[1].km - 0.05 * r) < 1e-9);
    CHECK(h[2].provider == 2 && fabs(h[2].km - 0.10 * r) < 1e-9);
    CHECK(fabs(h[0].minutes - 0.01 * r * 1.35 / 40.0 * 60.0) < 1e-9);
    /* 15 min by car = 7.41 km: C (11.1 km) drops out */
    q.within_min = 15;
    CHECK(vw_match(s, &tm, &q, h) == 2);
    q.accepting_only = true;
    CHECK(vw_match(s, &tm, &q, h) == 1 && h[0].provider == 0);
    q.accepting_only = false;
    q.within_min = -1;
    q.limit = 1;
    CHECK(vw_match(s, &tm, &q, h) == 1 && h[0].provider == 0);
    q.limit = 10;
    q.disciplines = 0; /* any: the dietist at distance 0 comes first */
    CHECK(vw_match(s, &tm, &q, h) == 4 && h[0].provider == 3 && h[0].km == 0.0);
    q.tags = 1; /* nobody has oncologie */
    CHECK(vw_match(s, &tm, &q, h) == 0);
    q.tags = 0;
    q.region = 3; /* regions are unset (-1) */
    CHECK(vw_match(s, &tm, &q, h) == 0);
    q.region = -1;
    q.limit = 0;
    CHECK(vw_match(s, &tm, &q, h) == 0);
    q.limit = 10;
    q.lat = NAN;
    CHECK(vw_match(s, &tm, &q, h) == 0 && vw_match_brute(s, &tm, &q, h) == 0);
    /* origin far outside the grid box still finds everything */
    q.lat = -30;
    q.lon = 100;
    vw_match_hit hb[10];
    n = vw_match(s, &tm, &q, h);
    CHECK(n == 4 && vw_match_brute(s, &tm, &q, hb) == 4);
    for (uint32_t k = 0; k < n && k < 4; k++)
        CHECK(h[k].provider == hb[k].provider && h[k].km == hb[k].km);
    vw_snapshot_release(s);
}

/* ---- random equivalence with brute force ---------------------------------- */
typedef struct city {
    double lat, lon, sigma_km;
} city;

static double rand_lat(void) { return VW_NL_LAT_MIN + unif() * (VW_NL_LAT_MAX - VW_NL_LAT_MIN); }
static double rand_lon(void) { return VW_NL_LON_MIN + unif() * (VW_NL_LON_MAX - VW_NL_LON_MIN); }

/* The side-table filters' vocabulary in the random directory. */
static const char *const test_langs[] = {"nl", "en", "tr", "ar", "de", "pl"};

/* Random referrer attributes: about half the providers leave each unknown. */
static void random_ext(vw_provider_in *p, vw_hours_iv *hours, vw_lang *langs, int32_t today)
{
    size_t nh = 0, nl = 0;
    if (below(3) != 0)
        for (int d = 0; d < 7; d++) {
            if (below(7) < 2)
                continue;
            int t = 7 * 60 + 30 * (int)below(6);
            int parts = 1 + (int)below(3);
            for (int k = 0; k < parts && t < 23 * 60; k++) {
                int len = 60 + 30 * (int)below(8);
                int close = t + len > 1440 ? 1440 : t + len;
                hours[nh++] = (vw_hours_iv){(uint8_t)d, (uint16_t)t, (uint16_t)close};
                t = close + 30 * (int)below(4);
            }
        }
    if (below(2) == 0)
        for (int k = 0; k < 6 && nl < 3; k++)
            if (below(3) == 0)
                langs[nl++] = vw_lang_parse(test_langs[k], 2);
    p->hours = hours;
    p->n_hours = nh;
    p->langs = langs;
    p->n_langs = nl;
    p->wheelchair = (int)below(3);
    p->direct_access = (int)below(3);
    if (below(2) == 0) {
        p->has_wait = true;
        p->wait_weeks = below(20);
        p->wait_confirmed = today - (int32_t)below(400);
    }
}

/* The filters of q on i, written independently of match.c. */
static bool test_ext_ok(const vw_snapshot *s, uint32_t i, const vw_match_query *q)
{
    const vw_provider_ext *x = vw_snapshot_provider_ext(s, i);
    const vw_hours_iv *h = vw_snapshot_hours(s) + x->hours_first;
    bool ok = (!q->wheelchair || x->wheelchair == VW_TRI_YES) &&
              (!q->direct_access || x->direct_access == VW_TRI_YES);
    if (q->wait_filter)
        ok = ok && x->wait_confirmed != VW_DATE_NONE && x->wait_confirmed >= q->wait_valid_since &&
             x->wait_weeks <= q->max_wait_weeks;
    if (q->open_filter) {
        bool open = false;
        for (int k = 0; k < x->hours_count; k++)
            open = open || (h[k].day == q->open_day &&
                            (q->open_minute < 0 ||
                             (h[k].open <= q->open_minute && q->open_minute < h[k].close)));
        ok = ok && open;
    }
    if (q->n_languages) {
        bool any = false;
        const vw_lang *lang = vw_snapshot_langs(s, x);
        for (int k = 0; k < VW_LANG_MAX && lang[k]; k++)
            for (uint32_t j = 0; j < q->n_languages; j++)
                any = any || lang[k] == q->languages[j];
        ok = ok && any;
    }
    return ok;
}

static void random_ext_query(vw_match_query *q, int32_t today)
{
    if (below(2) != 0)
        return;
    if (below(3) == 0)
        for (uint32_t k = 0, n = 1 + below(2); k < n; k++)
            q->languages[q->n_languages++] = vw_lang_parse(test_langs[below(6)], 2);
    q->wheelchair = below(4) == 0;
    q->direct_access = below(4) == 0;
    if (below(3) == 0) {
        q->open_filter = true;
        q->open_day = (int)below(7);
        q->open_minute = below(2) ? -1 : (int)below(1440);
    }
    if (below(3) == 0) {
        q->wait_filter = true;
        q->max_wait_weeks = below(12);
        q->wait_valid_since = today - (int32_t)below(200);
    }
}

static vw_snapshot *random_snapshot(uint32_t n, int32_t today)
{
    vw_err err;
    vw_snapbuild *b = vw_snapbuild_new();
    city cities[40];
    for (int c = 0; c < 40; c++)
        cities[c] = (city){rand_lat(), rand_lon(), 0.3 + unif() * 4.0};
    /* a few cities on the edge of the box and on exact cell boundaries */
    cities[0] = (city){VW_NL_LAT_MIN + 0.001, VW_NL_LON_MIN + 0.001, 2.0};
    cities[1] = (city){VW_NL_LAT_MAX - 0.001, VW_NL_LON_MAX - 0.001, 2.0};
    cities[2] = (city){52.0, 5.0, 0.5};
    static const char *extra[] = {"eigen-a", "eigen-b"};
    char id[32];
    const char *tags[12];
    double prev_lat = 52, prev_lon = 5;
    for (uint32_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "R%07u", (i * 7919u) % 1000003u); /* unique, shuffled */
        double lat, lon;
        uint32_t kind = below(100);
        if (kind < 5) { /* exact duplicate coordinates: distance ties */
            lat = prev_lat;
            lon = prev_lon;
        } else if (kind < 60) {
            const city *c = &cities[below(40)];
            lat = c->lat + gauss() * c->sigma_km / 111.2;
            lon = c->lon + gauss() * c->sigma_km / 68.5;
        } else if (kind < 62) { /* exactly on grid lines */
            lat = 51.0 + below(100) * 0.012;
            lon = 4.0 + below(100) * 0.020;
        } else if (kind < 63) { /* just outside the box: kept, must still be exact */
            lat = VW_NL_LAT_MAX + unif() * 0.2;
            lon = VW_NL_LON_MIN - unif() * 0.2;
        } else {
            lat = rand_lat();
            lon = rand_lon();
        }
        if (lat < VW_NL_LAT_MIN - 1 || lat > VW_NL_LAT_MAX + 1)
            lat = 52.0;
        prev_lat = lat;
        prev_lon = lon;
        vw_provider_in p = prov(id, (int)below(VW_D_COUNT), lat, lon);
        if (below(3) == 0)
            p.discipline = VW_D_FYSIOTHERAPEUT;
        size_t nt = 0;
        for (int t = 0; t < VW_BASE_TAG_COUNT; t++)
            if (below(100) < (t == 0 ? 35u : 10u))
                tags[nt++] = vw_base_tags[t];
        if (below(10) == 0)
            tags[nt++] = extra[below(2)];
        p.expertise = tags;
        p.n_expertise = nt;
        p.accepting = below(5) != 0;
        p.online = below(20) == 0;
        vw_hours_iv hours[VW_HOURS_MAX];
        vw_lang langs[VW_LANG_MAX];
        random_ext(&p, hours, langs, today);
        if (vw_snapbuild_add_provider(b, &p, &err) < 0) {
            fprintf(stderr, "add: %s\n", err.message);
            continue;
        }
        if (below(8) == 0) { /* registrations: past, current, future, open */
            int nr = 1 + (int)below(3);
            for (int k = 0; k < nr; k++) {
                int32_t from = VW_DATE_NONE, until = VW_DATE_NONE;
                switch (below(4)) {
                case 0: from = today - 1000; until = today - 10; break;
                case 1: from = today - 100; until = today + 100; break;
                case 2: from = today + 10; break;
                default: until = today + 5; break;
                }
                const char *tag = below(2) ? vw_base_tags[below(4)] : extra[below(2)];
                CHECK(vw_snapbuild_add_registration(b, id, tag, "nvpo", from, until, &err) == 0);
            }
        }
    }
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    if (!s)
        fprintf(stderr, "finish: %s\n", err.message);
    return s;
}

static void test_random_equivalence(void)
{
    const int32_t today = 20000;
    vw_snapshot *s = random_snapshot(20000, today);
    CHECK(s != NULL);
    if (!s)
        return;
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    static const double withins[] = {-1, 5, 15, 30, 60, 120};
    vw_match_hit a[VW_MATCH_MAX_LIMIT], bb[VW_MATCH_MAX_LIMIT];
    int mismatches = 0, nonempty = 0, full = 0, online_full = 0, ext_queries = 0;
    uint64_t total_hits = 0, online_in_hits = 0, ext_hits = 0;
    const int Q = 6000;
    for (int qi = 0; qi < Q; qi++) {
        vw_match_query q;
        memset(&q, 0, sizeof q);
        if (qi % 10 == 0) { /* exactly at a provider: distance-0 ties */
            const vw_provider *p = vw_snapshot_provider(s, below(vw_snapshot_provider_count(s)));
            q.lat = p->lat;
            q.lon = p->lon;
        } else if (qi % 50 == 1) { /* a bit outside the box */
            q.lat = VW_NL_LAT_MIN - 0.3 + unif() * 3.6;
            q.lon = VW_NL_LON_MIN - 0.3 + unif() * 4.6;
        } else {
            q.lat = rand_lat();
            q.lon = rand_lon();
        }
        uint32_t nd = below(4);
        for (uint32_t k = 0; k < nd; k++)
            q.disciplines |= 1u << below(VW_D_COUNT);
        uint32_t nt = below(3);
        for (uint32_t k = 0; k < nt; k++)
            q.tags |= UINT64_C(1) << (below(5) == 0 ? VW_BASE_TAG_COUNT + below(2) : below(4));
        q.within_min = withins[below(6)];
        q.mode = (vw_mode)below(3);
        q.limit = 1 + below(100);
        q.accepting_only = below(3) == 0;
        q.as_of = today + (int32_t)below(2000) - 1000;
        q.region = -1;
        random_ext_query(&q, today);
        uint32_t na = vw_match(s, &tm, &q, a);
        uint32_t nb = vw_match_brute(s, &tm, &q, bb);
        bool same = na == nb;
        for (uint32_t k = 0; same && k < nb; k++)
            same = test_ext_ok(s, bb[k].provider, &q);
        ext_queries += q.n_languages || q.wheelchair || q.direct_access || q.open_filter ||
                       q.wait_filter;
        ext_hits += (q.n_languages || q.wheelchair || q.direct_access || q.open_filter ||
                     q.wait_filter) ? na : 0;
        for (uint32_t k = 0; same && k < na; k++)
            same = a[k].provider == bb[k].provider &&
                   memcmp(&a[k].km, &bb[k].km, sizeof a[k].km) == 0 &&
                   memcmp(&a[k].minutes, &bb[k].minutes, sizeof a[k].minutes) == 0;
        if (!same && mismatches++ < 5)
            fprintf(stderr, "mismatch q%d: (%.3f,%.3f) disc=%x tags=%llx within=%g mode=%d "
                            "limit=%u acc=%d: %u vs %u hits\n",
                    qi, q.lat, q.lon, q.disciplines, (unsigned long long)q.tags, q.within_min,
                    q.mode, q.limit, q.accepting_only, na, nb);
        bool plain = !(q.n_languages || q.wheelchair || q.direct_access || q.open_filter ||
                       q.wait_filter);
        nonempty += plain && na > 0;
        full += plain && na == q.limit;
        total_hits += na;

        /* online, as match's include_online asks for it: the online providers
         * passing the filters and not among the hits, in id order, cut at
         * limit AFTER the hits are left out; against a scan of all. */
        uint32_t no = vw_match_online(s, &q, a, na, bb), ne = 0;
        bool ok = true;
        for (uint32_t i = 0; i < vw_snapshot_provider_count(s) && ne < q.limit; i++) {
            const vw_provider *p = vw_snapshot_provider(s, i);
            bool listed = false;
            for (uint32_t k = 0; k < na && !listed; k++)
                listed = a[k].provider == i;
            if (!p->online || listed || (q.disciplines && !((q.disciplines >> p->discipline) & 1)) ||
                (q.accepting_only && !p->accepting) ||
                !vw_provider_has_tags(s, i, q.tags, q.as_of) || !test_ext_ok(s, i, &q))
                continue;
            ok = ok && ne < no && bb[ne].provider == i;
            ne++;
        }
        ok = ok && no == ne;
        for (uint32_t k = 0; plain && k < na; k++)
            online_in_hits += vw_snapshot_provider(s, a[k].provider)->online;
        online_full += plain && no == q.limit;
        if (!ok && mismatches++ < 5)
            fprintf(stderr, "online mismatch q%d: %u vs %u by scan (%u hits)\n", qi, no, ne, na);
    }
    CHECK(mismatches == 0);
    /* the test means something only if queries find things and fill up */
    CHECK(nonempty > (Q - ext_queries) / 2);
    CHECK(full > (Q - ext_queries) / 5);
    CHECK(ext_queries > Q / 4 && ext_hits > (uint64_t)ext_queries);
    /* ... and the online check only if hits often hold online providers
     * (the case where leaving them out after the cut came back short) */
    CHECK(online_in_hits > (uint64_t)(Q - ext_queries) / 2 && online_full > (Q - ext_queries) / 5);
    printf("random: %d queries, %d non-empty, %d full (without side-table filters), %llu hits "
           "(%llu online), %d online lists full, %d mismatches; %d with side-table filters "
           "(%llu hits)\n", Q, nonempty, full, (unsigned long long)total_hits,
           (unsigned long long)online_in_hits, online_full, mismatches, ext_queries,
           (unsigned long long)ext_hits);

    /* online completeness against a scan */
    vw_match_query q = {.lat = 52, .lon = 5, .within_min = -1, .limit = 100, .region = -1,
                        .as_of = today, .disciplines = 1u << VW_D_FYSIOTHERAPEUT};
    uint32_t no = vw_match_online(s, &q, NULL, 0, a), expect = 0, k = 0;
    bool ok = true;
    for (uint32_t i = 0; i < vw_snapshot_provider_count(s) && expect < 100; i++) {
        const vw_provider *p = vw_snapshot_provider(s, i);
        if (p->online && p->discipline == VW_D_FYSIOTHERAPEUT) {
            ok = ok && k < no && a[k++].provider == i;
            expect++;
        }
    }
    CHECK(ok && no == expect);
    vw_snapshot_release(s);
}

int main(void)
{
    test_builder();
    test_builder_geo_early();
    test_builder_errors();
    test_sort_ids();
    test_known_distances();
    test_random_equivalence();
    return T_DONE();
}
