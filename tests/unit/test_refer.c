/* test_refer.c -- matched care on a hand-made fixture: the patient of the
 * issue (colon cancer: diarrhoea, fatigue, sexual problems, near Deventer).
 * One certified network near the patient covers dietitian, sexologist and
 * occupational therapist; a nearer lone dietitian belongs to no network. The
 * plan must pick the network, the per-problem list must still show the nearer
 * lone dietitian first. Also: psychosocial need for high scores, self-care
 * step, network.near and the NVPO audit. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "proto/vocab.h"
#include "server/engine/netaudit.h"
#include "server/engine/refer.h"
#include "t.h"

#define ORIGIN_LAT 52.2500
#define ORIGIN_LON 6.1600
#define KM_LAT (1.0 / 111.19508) /* degrees of latitude per km on R = 6371.0088 */

static vw_snapbuild *b;
static int32_t day(const char *s)
{
    int32_t d = 0;
    vw_date_parse(s, strlen(s), &d);
    return d;
}

static const char *net_kind = "oncologiezorgnetwerk";

static void net(const char *id, int status, const char *until)
{
    vw_network_in n = {.id = id, .name = id, .kind = net_kind, .region_code = "oost",
                       .status = status, .certified_until = until ? day(until) : VW_DATE_NONE};
    vw_err err;
    CHECK(vw_snapbuild_add_network(b, &n, &err) == 0);
}

/* A provider `km` north of the patient. */
static void prov(const char *id, int disc, double km, const char *tag, const char *network,
                 bool online)
{
    const char *tags[1] = {tag};
    const char *nets[1] = {network};
    vw_provider_in p = {.id = id, .name = id, .postcode = "7411", .city = "Deventer",
                        .lat = ORIGIN_LAT + km * KM_LAT, .lon = ORIGIN_LON,
                        .discipline = disc, .expertise = tags, .n_expertise = tag ? 1 : 0,
                        .networks = nets, .n_networks = network ? 1 : 0,
                        .accepting = true, .online = online};
    vw_err err;
    CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
}

static const char *pid(const vw_snapshot *s, int64_t i)
{
    return i < 0 ? "(none)" : vw_snapshot_provider(s, (uint32_t)i)->id;
}

/* Network kinds: the NVPO audit only for oncology care networks; networks
 * near and the kind filter see every kind. */
static void test_kinds(void)
{
    vw_err err;
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    b = vw_snapbuild_new();
    CHECK(vw_snapbuild_add_pc4(b, 7411, ORIGIN_LAT, ORIGIN_LON, "Deventer", &err) == 0);
    net_kind = "palliatief";
    net("K1-pall", VW_NET_CERTIFIED, NULL);
    net_kind = "";
    net("K2-legacy", VW_NET_CERTIFIED, "2027-12-31");
    net_kind = "oncologiezorgnetwerk";
    static const int discs[] = {VW_D_FYSIOTHERAPEUT, VW_D_PSYCHOLOOG, VW_D_DIETIST,
                                VW_D_ERGOTHERAPEUT, VW_D_HUISARTS};
    char ids[10][16];
    for (int k = 0; k < 10; k++) {
        snprintf(ids[k], sizeof ids[k], "K-%d", k);
        prov(ids[k], discs[k % 5], 1.0 + k, NULL, k < 5 ? "K1-pall" : "K2-legacy", false);
    }
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    vw_audit a;
    const vw_network *pall = vw_snapshot_network(s, 0), *legacy = vw_snapshot_network(s, 1);
    vw_network_audit(s, 0, day("2026-11-24"), &a);
    CHECK(!a.nvpo && !a.meets_criteria && !a.flagged && a.problems == 0 && a.n_disciplines == 5);
    vw_network_audit(s, 1, day("2026-11-24"), &a);
    CHECK(a.nvpo && a.meets_criteria && !a.flagged); /* no kind: the NVPO kind */
    CHECK(vw_network_kind_is(pall, "palliatief") && !vw_network_kind_is(pall, "oncologiezorgnetwerk"));
    CHECK(vw_network_kind_is(legacy, "oncologiezorgnetwerk") && !vw_network_kind_is(legacy, "palliatief"));
    vw_network_near near[5];
    uint32_t nn = vw_networks_near(s, &tm, ORIGIN_LAT, ORIGIN_LON, 0, 30, VW_MODE_CAR,
                                   day("2026-11-24"), near, 5);
    CHECK(nn == 2);
    vw_snapshot_release(s);
}

int main(void)
{
    vw_err err;
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    b = vw_snapbuild_new();
    CHECK(vw_snapbuild_add_pc4(b, 7411, ORIGIN_LAT, ORIGIN_LON, "Deventer", &err) == 0);

    net("N1-deventer", VW_NET_CERTIFIED, "2027-12-31");  /* covers all three needs */
    net("N2-partial", VW_NET_CERTIFIED, "2027-12-31");   /* dietist + fysio only */
    net("N3-forming", VW_NET_FORMING, NULL);             /* covers all, not certified */
    net("N4-expired", VW_NET_CERTIFIED, "2025-06-30");   /* covers all, expired */

    prov("A-lone-dietist", VW_D_DIETIST, 1.0, "oncologie", NULL, false);
    prov("B-n1-dietist", VW_D_DIETIST, 3.0, "oncologie", "N1-deventer", false);
    prov("C-n1-seksuoloog", VW_D_SEKSUOLOOG, 4.0, NULL, "N1-deventer", false);
    prov("D-n1-ergo", VW_D_ERGOTHERAPEUT, 5.0, "oncologie", "N1-deventer", false);
    prov("E-n1-fysio", VW_D_FYSIOTHERAPEUT, 2.0, "oncologie", "N1-deventer", false);
    prov("F-n1-psycholoog", VW_D_PSYCHOLOOG, 2.5, "psycho-oncologie", "N1-deventer", false);
    prov("G-n2-dietist", VW_D_DIETIST, 1.5, "oncologie", "N2-partial", false);
    prov("H-n2-fysio", VW_D_FYSIOTHERAPEUT, 1.5, "oncologie", "N2-partial", false);
    prov("I-n3-dietist", VW_D_DIETIST, 0.5, "oncologie", "N3-forming", false);
    prov("J-n3-seksuoloog", VW_D_SEKSUOLOOG, 0.5, NULL, "N3-forming", false);
    prov("K-n3-ergo", VW_D_ERGOTHERAPEUT, 0.5, "oncologie", "N3-forming", false);
    prov("L-n4-dietist", VW_D_DIETIST, 0.6, "oncologie", "N4-expired", false);
    prov("M-n4-seksuoloog", VW_D_SEKSUOLOOG, 0.6, NULL, "N4-expired", false);
    prov("N-n4-ergo", VW_D_ERGOTHERAPEUT, 0.6, "oncologie", "N4-expired", false);
    prov("O-online-psy", VW_D_PSYCHOLOOG, 90.0, "psycho-oncologie", NULL, true);
    prov("P-far-mw", VW_D_MAATSCHAPPELIJK_WERKER, 3.0, NULL, NULL, false);
    /* A member whose only expertise is an expired registration. */
    prov("Q-n2-psy-expired", VW_D_PSYCHOLOOG, 2.0, NULL, "N2-partial", false);
    CHECK(vw_snapbuild_add_registration(b, "Q-n2-psy-expired", "psycho-oncologie", "nvpo",
                                        day("2020-01-01"), day("2024-12-31"), &err) == 0);

    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    if (s == NULL) {
        fprintf(stderr, "finish: %s\n", err.message);
        return T_DONE();
    }
    vw_problems *table = vw_problems_builtin(&err);
    CHECK(table != NULL);
    if (table == NULL) {
        fprintf(stderr, "problems: %s\n", err.message);
        return T_DONE();
    }
    vw_refer_config cfg;
    vw_refer_config_default(&cfg);

    /* ---- the case of the issue ---- */
    vw_refer_query q = {.lat = ORIGIN_LAT, .lon = ORIGIN_LON, .score = 6, .within_min = 20,
                        .mode = VW_MODE_CAR, .per_need = 3, .max_networks = 3,
                        .as_of = day("2026-11-24")};
    const char *codes[] = {"darmklachten", "vermoeidheid", "seksualiteit"};
    for (int i = 0; i < 3; i++) {
        q.problems[i] = vw_problems_find(table, codes[i], strlen(codes[i]));
        CHECK(q.problems[i] >= 0);
    }
    q.n_problems = 3;
    static vw_refer_result r;
    CHECK(vw_refer(s, &tm, table, &cfg, &q, &r, &err) == 0);
    CHECK(r.step == VW_STEP_PROFESSIONAL);
    CHECK(r.n_needs == 3);
    CHECK(!r.psychosocial_added);
    /* Per problem: the nearest matching provider, network or not (I-n3 at 0.5 km
     * is nearest; the lone dietitian at 1.0 km comes before N1's at 3 km). */
    CHECK(r.needs[0].n_hits == 3);
    CHECK_STR(pid(s, r.needs[0].hits[0].provider), "I-n3-dietist");
    CHECK_STR(pid(s, r.needs[0].hits[1].provider), "L-n4-dietist");
    CHECK_STR(pid(s, r.needs[0].hits[2].provider), "A-lone-dietist");
    CHECK(vw_snapshot_provider(s, r.needs[1].hits[0].provider)->discipline ==
          VW_D_ERGOTHERAPEUT);
    CHECK(vw_snapshot_provider(s, r.needs[2].hits[0].provider)->discipline == VW_D_SEKSUOLOOG);
    /* The plan: N1 covers all three; N3 (forming) and N4 (expired) do not count. */
    CHECK(r.n_networks == 2);
    CHECK_STR(vw_snapshot_network(s, r.networks[0].network)->id, "N1-deventer");
    CHECK(r.networks[0].covered == 3);
    CHECK_STR(pid(s, r.networks[0].member[0].provider), "B-n1-dietist");
    CHECK_STR(pid(s, r.networks[0].member[1].provider), "D-n1-ergo");
    CHECK_STR(pid(s, r.networks[0].member[2].provider), "C-n1-seksuoloog");
    CHECK(fabs(r.networks[0].total_minutes -
               (r.networks[0].member[0].minutes + r.networks[0].member[1].minutes +
                r.networks[0].member[2].minutes)) < 1e-9);
    CHECK_STR(vw_snapshot_network(s, r.networks[1].network)->id, "N2-partial");
    /* N2: its dietitian, and its oncology fysio for fatigue (second option);
     * no sexologist, and its psychologist's registration has expired. */
    CHECK(r.networks[1].covered == 2);
    CHECK_STR(pid(s, r.networks[1].member[1].provider), "H-n2-fysio");
    CHECK(r.networks[1].member[1].option == 1);
    CHECK(r.networks[1].member[2].provider == -1);

    /* 4 minutes by car reach 1.98 km: of all network members meeting a need
     * only N2's dietitian (1.5 km) is within reach, so N2 ranks alone. */
    q.within_min = 4.0;
    CHECK(vw_refer(s, &tm, table, &cfg, &q, &r, &err) == 0);
    CHECK(r.n_networks == 1); /* N2's dietist at 1.5 km */
    CHECK_STR(vw_snapshot_network(s, r.networks[0].network)->id, "N2-partial");
    q.within_min = 20;

    /* ---- high distress with an emotional problem adds the psychosocial need ---- */
    q.n_problems = 1;
    q.problems[0] = vw_problems_find(table, "zorgen", 6);
    q.score = 8;
    CHECK(vw_refer(s, &tm, table, &cfg, &q, &r, &err) == 0);
    CHECK(r.psychosocial_added);
    CHECK(r.n_needs == 2);
    CHECK(r.needs[1].problem == -1);
    CHECK_STR(pid(s, r.needs[1].hits[0].provider), "F-n1-psycholoog");
    q.score = 6;
    CHECK(vw_refer(s, &tm, table, &cfg, &q, &r, &err) == 0);
    CHECK(!r.psychosocial_added && r.n_needs == 1);

    /* ---- low score: self-care step lists online services first ---- */
    q.problems[0] = vw_problems_find(table, "angst", 5);
    q.score = 2;
    CHECK(vw_refer(s, &tm, table, &cfg, &q, &r, &err) == 0);
    CHECK(r.step == VW_STEP_SELF_CARE);
    CHECK(r.needs[0].n_online == 1);
    CHECK_STR(pid(s, r.needs[0].online[0].provider), "O-online-psy");

    /* ---- invalid queries ---- */
    q.n_problems = 0;
    CHECK(vw_refer(s, &tm, table, &cfg, &q, &r, &err) == -1);
    CHECK_STR(err.code, VW_E_BAD_REQUEST);

    /* ---- network.near: N1 has fysio, psycholoog and dietist within 20 min ---- */
    vw_network_near near[5];
    uint32_t nn = vw_networks_near(s, &tm, ORIGIN_LAT, ORIGIN_LON, 0, 20, VW_MODE_CAR,
                                   day("2026-11-24"), near, 5);
    CHECK(nn == 1);
    CHECK_STR(vw_snapshot_network(s, near[0].network)->id, "N1-deventer");
    CHECK_STR(pid(s, near[0].core[0].provider), "E-n1-fysio");
    CHECK_STR(pid(s, near[0].core[1].provider), "F-n1-psycholoog");
    CHECK_STR(pid(s, near[0].core[2].provider), "B-n1-dietist");
    /* N2 is not listed: its only psychosocial member (Q) is not current, its
     * registration having expired. On a day it was valid, N2 serves too, and
     * ranks first (1.5 + 2.0 + 1.5 km beats 2.0 + 2.5 + 3.0 km). */
    nn = vw_networks_near(s, &tm, ORIGIN_LAT, ORIGIN_LON, 0, 20, VW_MODE_CAR, day("2024-06-01"),
                          near, 5);
    CHECK(nn == 2);
    CHECK_STR(vw_snapshot_network(s, near[0].network)->id, "N2-partial");

    /* ---- NVPO audit ---- */
    vw_audit a;
    int64_t n1 = vw_snapshot_find_network(s, "N1-deventer", 11);
    int64_t n2 = vw_snapshot_find_network(s, "N2-partial", 10);
    int64_t n4 = vw_snapshot_find_network(s, "N4-expired", 10);
    vw_network_audit(s, (uint32_t)n1, day("2026-11-24"), &a);
    CHECK(a.meets_criteria && !a.flagged && a.n_disciplines == 5);
    vw_network_audit(s, (uint32_t)n2, day("2026-11-24"), &a);
    CHECK(!a.meets_criteria && a.flagged);
    CHECK(a.members == 3 && a.current_members == 2); /* Q's registration expired */
    CHECK(a.problems & VW_AUDIT_NO_PSYCHOSOCIAL);
    CHECK(a.problems & VW_AUDIT_FEW_DISCIPLINES);
    vw_network_audit(s, (uint32_t)n2, day("2024-06-01"), &a);
    CHECK(a.current_members == 3 && !(a.problems & VW_AUDIT_NO_PSYCHOSOCIAL));
    vw_network_audit(s, (uint32_t)n4, day("2026-11-24"), &a);
    CHECK(a.flagged && (a.problems & VW_AUDIT_CERT_EXPIRED));

    vw_problems_free(table);
    vw_snapshot_release(s);
    test_kinds();
    return T_DONE();
}
