/* test_fhir.c -- the FHIR export and searches (server/fhir/).
 *
 * A small structural checker for the resources used (required fields,
 * references that resolve inside the bundle, codings with system and code,
 * positions in the Netherlands, fullUrl = base/Type/id, unique ids) runs over
 * the bundle of a random directory; resource counts must equal the
 * snapshot's providers, networks and memberships; registrations appear only
 * while valid, with their period; the streamed bundle equals the in-memory
 * one; every resource reads back by type and id. `near` searches are
 * compared with a brute-force haversine scan. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vocab.h"
#include "server/engine/match.h"
#include "server/fhir/fhir.h"
#include "server/engine/snapshot.h"
#include "t.h"
#include "t_rng.h"


#define NP 1500
#define NN 6
#define BASE "https://fhir.test/verwijs"
#define TODAY 20000 /* 2024-10-04 */

static vw_snapshot *build(uint32_t *memberships)
{
    vw_err err;
    vw_snapbuild *b = vw_snapbuild_new();
    char id[32], nid[NN][16];
    *memberships = 0;
    for (int k = 0; k < NN; k++) {
        snprintf(nid[k], sizeof nid[k], "N%02d", k);
        vw_network_in n = {.id = nid[k], .name = "Netwerk", .kind = k % 2 ? "oncologienetwerk" : "",
                           .region_code = k == 0 ? "midden" : "",
                           .status = k < 4 ? VW_NET_CERTIFIED : VW_NET_FORMING,
                           .certified_until = k == 1 ? TODAY - 5 : VW_DATE_NONE};
        CHECK(vw_snapbuild_add_network(b, &n, &err) == 0);
    }
    static const char *const tags[] = {"oncologie", "lymfoedeem", "voeding"};
    for (int i = 0; i < NP; i++) {
        snprintf(id, sizeof id, "P%05d", i);
        /* Clusters and exact duplicates of position, so ties are exercised. */
        double lat = 51.0 + 2.2 * unif(), lon = 4.0 + 2.8 * unif();
        if (i % 7 == 0) {
            lat = 52.09;
            lon = 5.12;
        }
        const char *nets[2] = {nid[rnd() % NN], NULL};
        vw_provider_in p = {.id = id, .name = i % 3 ? "Praktijk Één" : "Fysio \"De Brug\"",
                            .postcode = "3511 AB", .city = "Utrecht",
                            .address = i % 2 ? "Oudegracht 1" : NULL,
                            .phone = i % 5 ? "030-1234567" : NULL, .lat = lat, .lon = lon,
                            .discipline = (int)(rnd() % VW_D_COUNT), .expertise = tags,
                            .n_expertise = rnd() % 3, .networks = nets,
                            .n_networks = rnd() % 3 == 0 ? 1 : 0, .accepting = i % 4 != 0,
                            .online = i % 11 == 0, .geocoded = i % 13 == 0};
        if (i % 17 == 0) { /* two networks */
            nets[1] = nets[0] == nid[0] ? nid[1] : nid[0];
            p.n_networks = 2;
        }
        *memberships += (uint32_t)p.n_networks;
        CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
    }
    /* P00001: one valid, one expired, one future registration. */
    CHECK(vw_snapbuild_add_registration(b, "P00001", "palliatief", "valid-reg", TODAY - 10,
                                        TODAY + 10, &err) == 0);
    CHECK(vw_snapbuild_add_registration(b, "P00001", "werk", "expired-reg", TODAY - 100,
                                        TODAY - 1, &err) == 0);
    CHECK(vw_snapbuild_add_registration(b, "P00001", "revalidatie", "future-reg", TODAY + 1,
                                        VW_DATE_NONE, &err) == 0);
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    if (!s)
        fprintf(stderr, "build: %s\n", err.message);
    return s;
}

/* ---- the structural checker ------------------------------------------------ */

typedef struct checker {
    json_object *ids; /* "Type/id" -> resource */
    int bad;
} checker;

static void fail(checker *c, const char *what, const char *where)
{
    if (c->bad++ < 10)
        fprintf(stderr, "structure: %s (%s)\n", what, where);
}

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* Entries of a Bundle (FHIR JSON has no empty arrays: none = no "entry"). */
static size_t n_entries(json_object *b)
{
    json_object *e = get(b, "entry");
    return e ? json_object_array_length(e) : 0;
}

static bool is_str(json_object *o) { return o && json_object_is_type(o, json_type_string); }

static void check_coding(checker *c, json_object *cd, const char *where)
{
    const char *sys = json_object_get_string(get(cd, "system"));
    if (!is_str(get(cd, "system")) || !is_str(get(cd, "code")) ||
        !(strncmp(sys, "http", 4) == 0 || strncmp(sys, "urn:", 4) == 0))
        fail(c, "coding without a URI system and a code", where);
}

static void check_concept(checker *c, json_object *cc, const char *where)
{
    json_object *codings = get(cc, "coding");
    if (!codings || json_object_array_length(codings) == 0) {
        fail(c, "CodeableConcept without coding", where);
        return;
    }
    for (size_t i = 0; i < json_object_array_length(codings); i++)
        check_coding(c, json_object_array_get_idx(codings, i), where);
}

/* Walks every value; each {"reference": "T/id"} must resolve, each object
 * with "coding" is checked as a CodeableConcept; no element is empty (FHIR
 * ele-1/ext-1: no {}, [] or ""; a forming network once had "valuePeriod": {}). */
static void check_tree(checker *c, json_object *o, const char *where)
{
    if ((json_object_is_type(o, json_type_array) && json_object_array_length(o) == 0) ||
        (json_object_is_type(o, json_type_object) && json_object_object_length(o) == 0) ||
        (json_object_is_type(o, json_type_string) && json_object_get_string_len(o) == 0))
        fail(c, "empty element", where);
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            check_tree(c, json_object_array_get_idx(o, i), where);
        return;
    }
    if (!json_object_is_type(o, json_type_object))
        return;
    json_object *ref = get(o, "reference");
    if (ref && !get(c->ids, json_object_get_string(ref)))
        fail(c, "reference does not resolve in the bundle", json_object_get_string(ref));
    if (get(o, "coding"))
        check_concept(c, o, where);
    json_object_object_foreach(o, k, v)
    {
        (void)k;
        check_tree(c, v, where);
    }
}

static void need(checker *c, json_object *r, const char *field, const char *where)
{
    json_object *v = get(r, field);
    if (v == NULL || (json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0))
        fail(c, field, where);
}

static void check_resource(checker *c, json_object *r, const char *type, const char *where)
{
    json_object *lu = get(get(r, "meta"), "lastUpdated");
    if (!is_str(lu) || json_object_get_string_len(lu) != 20 ||
        json_object_get_string(lu)[19] != 'Z')
        fail(c, "meta.lastUpdated (a UTC instant)", where);
    if (strcmp(type, "Organization") == 0) {
        need(c, r, "name", where);
        need(c, r, "type", where);
        need(c, r, "identifier", where);
    } else if (strcmp(type, "Practitioner") == 0) {
        need(c, r, "name", where);
        json_object *q = get(r, "qualification");
        for (size_t i = 0; q && i < json_object_array_length(q); i++)
            need(c, json_object_array_get_idx(q, i), "code", where); /* 1..1 in R4 */
    } else if (strcmp(type, "PractitionerRole") == 0) {
        need(c, r, "practitioner", where);
        need(c, r, "organization", where);
        need(c, r, "specialty", where);
        need(c, r, "location", where);
    } else if (strcmp(type, "Location") == 0) {
        json_object *pos = get(r, "position"), *addr = get(r, "address");
        double lat = json_object_get_double(get(pos, "latitude")),
               lon = json_object_get_double(get(pos, "longitude"));
        if (!pos || !get(pos, "latitude") || !get(pos, "longitude") || !vw_geo_in_nl(lat, lon))
            fail(c, "position missing or outside the Netherlands", where);
        if (!addr || strcmp(json_object_get_string(get(addr, "country")), "NL") != 0)
            fail(c, "address with country NL", where);
        need(c, r, "managingOrganization", where);
    } else if (strcmp(type, "HealthcareService") == 0) {
        need(c, r, "providedBy", where);
        need(c, r, "specialty", where);
    } else {
        fail(c, "unexpected resource type", type);
    }
}

/* Counts per resource type into `counts` (Organization, Practitioner,
 * PractitionerRole, Location, HealthcareService); returns problems found. */
static int check_bundle(json_object *b, const char *type, int counts[5])
{
    static const char *const types[] = {"Organization", "Practitioner", "PractitionerRole",
                                        "Location", "HealthcareService"};
    checker c = {.ids = json_object_new_object()};
    json_object *entries = get(b, "entry");
    memset(counts, 0, 5 * sizeof counts[0]);
    if (strcmp(json_object_get_string(get(b, "resourceType")), "Bundle") != 0 ||
        strcmp(json_object_get_string(get(b, "type")), type) != 0 || !is_str(get(b, "timestamp")))
        fail(&c, "bundle header", type);
    for (size_t i = 0; entries && i < json_object_array_length(entries); i++) {
        json_object *e = json_object_array_get_idx(entries, i), *r = get(e, "resource");
        char key[256], url[512];
        snprintf(key, sizeof key, "%s/%s", json_object_get_string(get(r, "resourceType")),
                 json_object_get_string(get(r, "id")));
        snprintf(url, sizeof url, BASE "/%s", key);
        if (strcmp(json_object_get_string(get(e, "fullUrl")), url) != 0)
            fail(&c, "fullUrl is not base/Type/id", key);
        if (get(c.ids, key))
            fail(&c, "duplicate id", key);
        json_object_object_add(c.ids, key, json_object_get(r));
    }
    for (size_t i = 0; entries && i < json_object_array_length(entries); i++) {
        json_object *r = get(json_object_array_get_idx(entries, i), "resource");
        const char *t = json_object_get_string(get(r, "resourceType"));
        const char *id = json_object_get_string(get(r, "id"));
        for (int k = 0; k < 5; k++)
            counts[k] += strcmp(t, types[k]) == 0;
        check_resource(&c, r, t, id);
        if (strcmp(type, "collection") == 0) /* searchsets hold only the hits */
            check_tree(&c, r, id);
    }
    json_object_put(c.ids);
    return c.bad;
}

static json_object *find(json_object *b, const char *type, const char *id)
{
    json_object *entries = get(b, "entry");
    for (size_t i = 0; i < json_object_array_length(entries); i++) {
        json_object *r = get(json_object_array_get_idx(entries, i), "resource");
        if (strcmp(json_object_get_string(get(r, "resourceType")), type) == 0 &&
            strcmp(json_object_get_string(get(r, "id")), id) == 0)
            return r;
    }
    return NULL;
}

static void test_bundle(const vw_snapshot *s, uint32_t memberships)
{
    vw_err err;
    vw_fhir_opts o = {.base = BASE, .as_of = TODAY, .timestamp = "2024-10-04T12:00:00Z"};
    json_object *b = vw_fhir_bundle(s, &o, &err);
    int counts[5];
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK(check_bundle(b, "collection", counts) == 0);
    CHECK(counts[0] == NP + NN);
    CHECK(counts[1] == NP);
    CHECK(counts[2] == NP + (int)memberships);
    CHECK(counts[3] == NP);
    CHECK(counts[4] == NP);

    /* Registrations: only the valid one, with its period and issuer. */
    json_object *pr = find(b, "Practitioner", "prac-P00001");
    const char *txt = json_object_to_json_string_ext(pr, JSON_C_TO_STRING_PLAIN);
    CHECK(strstr(txt, "valid-reg") != NULL);
    CHECK(strstr(txt, "expired-reg") == NULL);
    CHECK(strstr(txt, "future-reg") == NULL);
    CHECK(strstr(txt, "\"start\":\"2024-09-24\"") != NULL);
    CHECK(strstr(txt, "\"end\":\"2024-10-14\"") != NULL);
    json_object *hs = find(b, "HealthcareService", "hs-P00001");
    CHECK(strstr(json_object_to_json_string(hs), "palliatief") != NULL);
    CHECK(strstr(json_object_to_json_string(hs), "\"werk\"") == NULL);

    /* Certification: N01 ended yesterday-ish, N04 is forming, N00 valid. */
    CHECK(strstr(json_object_to_json_string(find(b, "Organization", "net-N00")),
                 "\"network-certification-valid\",\"valueBoolean\":true") != NULL ||
          strstr(json_object_to_json_string_ext(find(b, "Organization", "net-N00"),
                                                JSON_C_TO_STRING_PLAIN |
                                                    JSON_C_TO_STRING_NOSLASHESCAPE),
                 "network-certification-valid\",\"valueBoolean\":true") != NULL);
    const char *n1 = json_object_to_json_string_ext(find(b, "Organization", "net-N01"),
                                                    JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
    CHECK(strstr(n1, "network-certification-valid\",\"valueBoolean\":false") != NULL);
    CHECK(strstr(n1, "\"valueCode\":\"certified\"") != NULL);

    /* A fysiotherapeut's specialty is coded COD016 0400 and SNOMED 36682004. */
    uint32_t fys = UINT32_MAX;
    for (uint32_t i = 0; i < vw_snapshot_provider_count(s) && fys == UINT32_MAX; i++)
        if (vw_snapshot_provider(s, i)->discipline == VW_D_FYSIOTHERAPEUT)
            fys = i;
    char rid[64];
    snprintf(rid, sizeof rid, "role-%s", vw_snapshot_provider(s, fys)->id);
    const char *role = json_object_to_json_string_ext(find(b, "PractitionerRole", rid),
                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
    CHECK(strstr(role, "\"urn:oid:2.16.840.1.113883.2.4.6.7\",\"code\":\"0400\"") != NULL);
    CHECK(strstr(role, "\"http://snomed.info/sct\",\"code\":\"36682004\"") != NULL);

    /* read: every resource of the bundle, by type and id, is the same. */
    json_object *entries = get(b, "entry");
    int read_bad = 0;
    for (size_t i = 0; i < json_object_array_length(entries); i++) {
        json_object *r = get(json_object_array_get_idx(entries, i), "resource"), *got = NULL;
        if (vw_fhir_read(s, &o, json_object_get_string(get(r, "resourceType")),
                         json_object_get_string(get(r, "id")), &got, &err) != 0 ||
            !json_object_equal(got, r))
            read_bad++;
        json_object_put(got);
    }
    CHECK(read_bad == 0);
    static const char *const missing[][2] = {
        {"Organization", "net-NOPE"}, {"Organization", "org-NOPE"}, {"Organization", "P00001"},
        {"Practitioner", "org-P00001"}, {"PractitionerRole", "role-P00001-net-NOPE"},
        {"PractitionerRole", "role-P00001-net-"}, {"Patient", "pat-1"}, {"Location", ""}};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        json_object *got = NULL;
        CHECK(vw_fhir_read(s, &o, missing[i][0], missing[i][1], &got, &err) == -1 &&
              got == NULL && strcmp(err.code, VW_E_NOT_FOUND) == 0);
    }
    int status = 0;
    json_object *oo = vw_fhir_outcome(&err, &status);
    const char *ot = json_object_to_json_string_ext(oo, JSON_C_TO_STRING_PLAIN);
    CHECK(status == 404);
    CHECK(strstr(ot, "\"resourceType\":\"OperationOutcome\"") != NULL);
    CHECK(strstr(ot, "\"code\":\"not-found\"") != NULL);
    CHECK(strstr(ot, "\"diagnostics\":\"not_found\"") != NULL);
    json_object_put(oo);
    vw_err_set(&err, VW_E_BAD_REQUEST, "x");
    json_object_put(vw_fhir_outcome(&err, &status));
    CHECK(status == 400);

    /* The streamed bundle is the same document. */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    CHECK(vw_fhir_write_bundle(s, &o, m, NULL, NULL, &err) == 0);
    fclose(m);
    /* Positions are written with 6 decimals, so compare both as parsed text. */
    json_object *streamed = json_tokener_parse(buf),
                *again = json_tokener_parse(json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
    CHECK(streamed != NULL && again != NULL && json_object_equal(streamed, again));
    json_object_put(again);
    json_object_put(streamed);
    free(buf);
    json_object_put(b);
}

/* ---- searches -------------------------------------------------------------------- */

typedef struct bhit {
    uint32_t i;
    double km;
} bhit;

static int bhit_cmp(const void *a, const void *b)
{
    const bhit *x = a, *y = b;
    if (x->km != y->km)
        return x->km < y->km ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static void test_near(const vw_snapshot *s)
{
    vw_err err;
    vw_fhir_opts o = {.base = BASE, .as_of = TODAY, .timestamp = "2024-10-04T12:00:00Z"};
    static bhit all[NP];
    int mismatches = 0;
    uint32_t found = 0;
    for (int q = 0; q < 300; q++) {
        double lat = q % 10 == 0 ? 52.09 : 51.2 + 1.8 * unif(),
               lon = q % 10 == 0 ? 5.12 : 4.2 + 2.4 * unif();
        double km = q % 10 == 0 ? 0.5 : 2 + 60 * unif();
        int d = (int)(rnd() % VW_D_COUNT);
        bool with_tag = q % 3 == 0;
        uint32_t count = 1 + (uint32_t)(rnd() % 40);
        char near[96], cnt[16], spec[160];
        snprintf(near, sizeof near, "%.6f|%.6f|%.3f|km", lat, lon, km);
        snprintf(cnt, sizeof cnt, "%u", count);
        snprintf(spec, sizeof spec, BASE "/CodeSystem/discipline|%s", vw_discipline_name(d));
        vw_fhir_param pm[4] = {{"specialty", spec}, {"location.near", near}, {"_count", cnt},
                               {"expertise", "oncologie"}};
        json_object *res = NULL;
        int rc = vw_fhir_search(s, &o, "PractitionerRole", pm, with_tag ? 4 : 3, &res, &err);
        CHECK(rc == 0);
        if (rc != 0)
            fprintf(stderr, "search: %s %s\n", near, err.message);
        if (!res)
            continue;
        /* Brute force: every provider, haversine, the same filters. */
        int bit = vw_snapshot_tag_bit(s, "oncologie", 9);
        uint32_t n = 0;
        /* The values as the search parsed them from the string. */
        double latq = strtod(near, NULL), lonq = strtod(strchr(near, '|') + 1, NULL),
               kmq = strtod(strchr(strchr(near, '|') + 1, '|') + 1, NULL);
        for (uint32_t i = 0; i < vw_snapshot_provider_count(s); i++) {
            const vw_provider *p = vw_snapshot_provider(s, i);
            if (p->discipline != d)
                continue;
            if (with_tag && !vw_provider_has_tags(s, i, UINT64_C(1) << bit, TODAY))
                continue;
            double k = vw_geo_km(latq, lonq, p->lat, p->lon);
            if (k <= kmq)
                all[n++] = (bhit){i, k};
        }
        qsort(all, n, sizeof all[0], bhit_cmp);
        json_object *entries = get(res, "entry");
        uint32_t want = n < count ? n : count;
        bool same = n_entries(res) == want;
        found += want;
        for (uint32_t k = 0; same && k < want; k++) {
            char id[64];
            snprintf(id, sizeof id, "role-%s", vw_snapshot_provider(s, all[k].i)->id);
            same = strcmp(json_object_get_string(get(get(json_object_array_get_idx(entries, k),
                                                         "resource"),
                                                     "id")),
                          id) == 0;
        }
        if (!same && mismatches++ < 3)
            fprintf(stderr, "near mismatch: %s d=%d got %zu want %u\n", near, d, n_entries(res),
                    want);
        /* total is present and exact when fewer than _count were found. */
        if (n < count)
            CHECK(get(res, "total") && json_object_get_int(get(res, "total")) == (int)n);
        int counts[5];
        CHECK(check_bundle(res, "searchset", counts) == 0);
        json_object_put(res);
    }
    CHECK(mismatches == 0);
    CHECK(found > 1000); /* the queries do find providers */

    /* Location?near with metres, and the distance extension. */
    vw_fhir_param lp[2] = {{"near", "52.09|5.12|500|m"}, {"_count", "100"}};
    json_object *res = NULL;
    CHECK(vw_fhir_search(s, &o, "Location", lp, 2, &res, &err) == 0);
    CHECK(res && json_object_array_length(get(res, "entry")) > 0);
    if (res) {
        json_object *e0 = json_object_array_get_idx(get(res, "entry"), 0);
        const char *t = json_object_to_json_string_ext(e0, JSON_C_TO_STRING_NOSLASHESCAPE);
        CHECK(strstr(t, "http://hl7.org/fhir/StructureDefinition/location-distance") != NULL);
        CHECK(strstr(t, "\"mode\":\"match\"") != NULL);
        CHECK(strcmp(json_object_get_string(get(get(e0, "resource"), "resourceType")),
                     "Location") == 0);
    }
    json_object_put(res);
}

static int total_of(const vw_snapshot *s, const char *type, vw_fhir_param *pm, size_t n)
{
    vw_err err;
    vw_fhir_opts o = {.base = BASE, .as_of = TODAY};
    json_object *res = NULL;
    if (vw_fhir_search(s, &o, type, pm, n, &res, &err) != 0)
        return -1;
    int t = get(res, "total") ? json_object_get_int(get(res, "total")) : -2;
    json_object_put(res);
    return t;
}

static void test_search_misc(const vw_snapshot *s)
{
    vw_err err;
    vw_fhir_opts o = {.base = BASE, .as_of = TODAY};
    json_object *res = NULL;
    CHECK(total_of(s, "Organization", (vw_fhir_param[]){{"type", "network"}}, 1) == NN);
    CHECK(total_of(s, "Organization",
                   (vw_fhir_param[]){{"type", BASE "/CodeSystem/network-kind|oncologienetwerk"}},
                   1) == NN / 2);
    CHECK(total_of(s, "Organization", (vw_fhir_param[]){{"type", "practice"}}, 1) == NP);
    CHECK(total_of(s, "Organization", NULL, 0) == NP + NN);
    CHECK(total_of(s, "Organization", (vw_fhir_param[]){{"_id", "net-N03"}}, 1) == 1);
    CHECK(total_of(s, "PractitionerRole", (vw_fhir_param[]){{"_id", "role-P00042"}}, 1) == 1);
    CHECK(total_of(s, "PractitionerRole", (vw_fhir_param[]){{"_id", "P00042"}}, 1) == 0);
    /* specialty by COD016, SNOMED and our code: the same providers. */
    uint32_t fys = vw_snapshot_discipline_counts(s)[VW_D_FYSIOTHERAPEUT];
    CHECK(total_of(s, "PractitionerRole",
                   (vw_fhir_param[]){{"specialty", "urn:oid:2.16.840.1.113883.2.4.6.7|0400"}},
                   1) == (int)fys);
    CHECK(total_of(s, "HealthcareService", (vw_fhir_param[]){{"specialty", "36682004"}}, 1) ==
          (int)fys);
    CHECK(total_of(s, "Practitioner", (vw_fhir_param[]){{"specialty", "fysiotherapeut,dietist"}},
                   1) == (int)(fys + vw_snapshot_discipline_counts(s)[VW_D_DIETIST]));
    CHECK(total_of(s, "PractitionerRole",
                   (vw_fhir_param[]){{"specialty", "fysiotherapeut"}, {"specialty", "dietist"}},
                   2) == 0);
    CHECK(total_of(s, "PractitionerRole", (vw_fhir_param[]){{"expertise", "seksualiteit"}}, 1) ==
          0);
    /* _count bounds the entries, not the total. */
    CHECK(vw_fhir_search(s, &o, "Location", (vw_fhir_param[]){{"_count", "7"}}, 1, &res, &err) ==
          0);
    CHECK(res && json_object_array_length(get(res, "entry")) == 7 &&
          json_object_get_int(get(res, "total")) == NP);
    json_object_put(res);

    /* Errors: stable codes, never a crash. */
    static const struct {
        const char *type, *name, *value, *code;
    } bad[] = {
        {"Patient", "_count", "1", VW_E_NOT_FOUND},
        {"PractitionerRole", "_count", "0", VW_E_BAD_REQUEST},
        {"PractitionerRole", "_count", "501", VW_E_BAD_REQUEST},
        {"PractitionerRole", "_getpagesoffset", "-1", VW_E_BAD_REQUEST},
        {"PractitionerRole", "_getpagesoffset", "x", VW_E_BAD_REQUEST},
        {"PractitionerRole", "_summary", "true", VW_E_BAD_REQUEST},
        {"PractitionerRole", "_include", "Location:organization", VW_E_BAD_REQUEST},
        {"Location", "_include", "PractitionerRole:location", VW_E_BAD_REQUEST},
        {"PractitionerRole", "active", "yes", VW_E_BAD_REQUEST},
        {"Location", "active", "true", VW_E_BAD_REQUEST},
        {"Location", "partof", "Organization/net-N01", VW_E_BAD_REQUEST},
        {"Practitioner", "organization", "Organization/org-P00001", VW_E_BAD_REQUEST},
        {"PractitionerRole", "address-city", "Utrecht", VW_E_BAD_REQUEST},
        {"PractitionerRole", "name", "Praktijk", VW_E_BAD_REQUEST},
        {"PractitionerRole", "_count", "", VW_E_BAD_REQUEST},
        {"PractitionerRole", "bogus", "1", VW_E_BAD_REQUEST},
        {"PractitionerRole", "specialty", "fysio", VW_E_BAD_REQUEST},
        {"PractitionerRole", "specialty", "", VW_E_BAD_REQUEST},
        {"PractitionerRole", "specialty", "http://snomed.info/sct|0400", VW_E_BAD_REQUEST},
        {"PractitionerRole", "expertise", "Not A Tag", VW_E_BAD_REQUEST},
        {"Location", "near", "52.1", VW_E_BAD_REQUEST},
        {"Location", "near", "52.1|5.1|x", VW_E_BAD_REQUEST},
        {"Location", "near", "52.1|5.1|5|mi", VW_E_BAD_REQUEST},
        {"Location", "near", "40.0|5.1|5|km", VW_E_BAD_REQUEST},
        {"Location", "near", "52.1|5.1|5|km|x", VW_E_BAD_REQUEST},
        {"Location", "near", "52.1|5.1|-5", VW_E_BAD_REQUEST},
        {"Location", "near", "nan|5.1", VW_E_BAD_REQUEST},
        {"Location", "near", "52.1|5.1|1000", VW_E_BAD_REQUEST},
        {"Organization", "near", "52.1|5.1", VW_E_BAD_REQUEST},
        {"Location", "type", "network", VW_E_BAD_REQUEST},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vw_fhir_param pm = {bad[i].name, bad[i].value};
        res = NULL;
        int rc = vw_fhir_search(s, &o, bad[i].type, &pm, 1, &res, &err);
        CHECK(rc == -1 && res == NULL && strcmp(err.code, bad[i].code) == 0);
        if (rc == 0) {
            fprintf(stderr, "accepted: %s?%s=%s\n", bad[i].type, bad[i].name, bad[i].value);
            json_object_put(res);
        }
    }
    char longv[400];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    CHECK(vw_fhir_search(s, &o, "Organization", (vw_fhir_param[]){{"name", longv}}, 1, &res,
                         &err) == -1);
}

/* The offset of a paging link's url, or -1 (and the url must be absolute on
 * BASE/type with _count). */
static long link_offset(json_object *b, const char *rel, const char *type)
{
    json_object *links = get(b, "link");
    char want[128];
    snprintf(want, sizeof want, BASE "/%s?", type);
    for (size_t k = 0; links && k < json_object_array_length(links); k++) {
        json_object *l = json_object_array_get_idx(links, k);
        if (strcmp(json_object_get_string(get(l, "relation")), rel) != 0)
            continue;
        const char *u = json_object_get_string(get(l, "url")), *o = strstr(u, "_getpagesoffset=");
        CHECK(strncmp(u, want, strlen(want)) == 0 && strstr(u, "_count=") != NULL);
        return o ? strtol(o + strlen("_getpagesoffset="), NULL, 10) : -1;
    }
    return -1;
}

/* Walk every page following next: each match once, in id order, count == total. */
static void walk_pages(const vw_snapshot *s, const char *type, vw_fhir_param *extra, size_t nx,
                       const char *count, int want_total)
{
    vw_err err;
    vw_fhir_opts o = {.base = BASE, .as_of = TODAY};
    vw_fhir_param pm[8];
    char off[24] = "0", prev_key[300] = "";
    int seen = 0, pages = 0;
    long offset = 0, per = atol(count);
    for (size_t k = 0; k < nx; k++)
        pm[k] = extra[k];
    pm[nx] = (vw_fhir_param){"_count", count};
    pm[nx + 1] = (vw_fhir_param){"_getpagesoffset", off};
    while (offset >= 0 && pages < 1000) {
        json_object *res = NULL;
        snprintf(off, sizeof off, "%ld", offset);
        CHECK(vw_fhir_search(s, &o, type, pm, nx + 2, &res, &err) == 0);
        if (!res)
            return;
        pages++;
        CHECK(json_object_get_int(get(res, "total")) == want_total);
        CHECK(link_offset(res, "self", type) == offset);
        CHECK(link_offset(res, "previous", type) == (offset ? (offset > per ? offset - per : 0) : -1));
        for (size_t k = 0; k < n_entries(res); k++) {
            json_object *e = json_object_array_get_idx(get(res, "entry"), k);
            char key[300];
            snprintf(key, sizeof key, "%s", json_object_get_string(get(get(e, "resource"), "id")));
            CHECK(strcmp(prev_key, key) < 0); /* stable order: by id, so no repeats */
            snprintf(prev_key, sizeof prev_key, "%s", key);
            seen++;
        }
        long next = link_offset(res, "next", type);
        CHECK(next == -1 || next == offset + (long)n_entries(res));
        json_object_put(res);
        offset = next;
    }
    CHECK(seen == want_total);
    CHECK(pages == (want_total + per - 1) / per || (want_total == 0 && pages == 1));
}

/* A count over the collection bundle: resources of `type` whose member
 * `key` (an object or the first element of an array) has reference `ref`. */
static int count_refs(json_object *bundle, const char *type, const char *key, const char *ref)
{
    int n = 0;
    json_object *entries = get(bundle, "entry");
    for (size_t i = 0; i < json_object_array_length(entries); i++) {
        json_object *r = get(json_object_array_get_idx(entries, i), "resource"), *v = get(r, key);
        if (strcmp(json_object_get_string(get(r, "resourceType")), type) != 0 || v == NULL)
            continue;
        if (json_object_is_type(v, json_type_array))
            v = json_object_array_get_idx(v, 0);
        n += strcmp(json_object_get_string(get(v, "reference")), ref) == 0;
    }
    return n;
}

static void test_paging_params(const vw_snapshot *s)
{
    vw_err err;
    vw_fhir_opts o = {.base = BASE, .as_of = TODAY};
    json_object *res = NULL;
    /* paging: every Organization (networks then practices, by id), Location in odd pages */
    walk_pages(s, "Organization", NULL, 0, "500", NP + NN);
    walk_pages(s, "Location", NULL, 0, "7", NP);
    walk_pages(s, "Organization", (vw_fhir_param[]){{"type", "network"}}, 1, "4", NN);
    walk_pages(s, "PractitionerRole", (vw_fhir_param[]){{"organization", "Organization/net-N01"}},
               1, "10", (int)vw_snapshot_network(s, 1)->member_count);
    /* an offset past the end: no entries, a previous link, the total */
    CHECK(vw_fhir_search(s, &o, "Location",
                         (vw_fhir_param[]){{"_getpagesoffset", "100000"}, {"_count", "10"}}, 2,
                         &res, &err) == 0);
    CHECK(res && n_entries(res) == 0 && get(res, "entry") == NULL &&
          json_object_get_int(get(res, "total")) == NP && link_offset(res, "next", "Location") == -1 &&
          link_offset(res, "previous", "Location") == 99990);
    json_object_put(res);
    /* _summary=count: the total only */
    CHECK(vw_fhir_search(s, &o, "Organization",
                         (vw_fhir_param[]){{"type", "network"}, {"_summary", "count"}}, 2, &res,
                         &err) == 0);
    CHECK(res && get(res, "entry") == NULL && json_object_get_int(get(res, "total")) == NN &&
          link_offset(res, "next", "Organization") == -1);
    json_object_put(res);

    /* the new parameters against the export */
    json_object *bundle = vw_fhir_bundle(s, &o, &err);
    CHECK(bundle != NULL);
    if (!bundle)
        return;
    for (int k = 0; k < NN; k++) {
        char ref[64];
        snprintf(ref, sizeof ref, "Organization/net-N%02d", k);
        CHECK(total_of(s, "PractitionerRole", (vw_fhir_param[]){{"organization", ref}}, 1) ==
              count_refs(bundle, "PractitionerRole", "organization", ref));
        CHECK(total_of(s, "Organization", (vw_fhir_param[]){{"partof", ref}}, 1) ==
              count_refs(bundle, "Organization", "partOf", ref));
        CHECK(count_refs(bundle, "Organization", "partOf", ref) > 0);
    }
    CHECK(total_of(s, "PractitionerRole",
                   (vw_fhir_param[]){{"organization", "Organization/org-P00042"}}, 1) == 1);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"organization", "org-P00042"}}, 1) == 1);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"organization", "Organization/net-N01"}},
                   1) == 0);
    CHECK(total_of(s, "PractitionerRole",
                   (vw_fhir_param[]){{"organization", "Organization/net-N01"},
                                     {"organization", "Organization/net-N02"}},
                   2) == 0);
    CHECK(total_of(s, "Location",
                   (vw_fhir_param[]){{"identifier", BASE "/NamingSystem/provider-id|P00042"}},
                   1) == 1);
    CHECK(total_of(s, "Practitioner", (vw_fhir_param[]){{"identifier", "P00042"}}, 1) == 1);
    CHECK(total_of(s, "Organization",
                   (vw_fhir_param[]){{"identifier", BASE "/NamingSystem/network-id|N03"}}, 1) == 1);
    CHECK(total_of(s, "Organization", (vw_fhir_param[]){{"identifier", BASE "/NamingSystem/network-id|"}},
                   1) == NN);
    CHECK(total_of(s, "Organization", (vw_fhir_param[]){{"identifier", "nope|P00042"}}, 1) == 0);
    CHECK(total_of(s, "PractitionerRole", (vw_fhir_param[]){{"active", "true"}}, 1) == NP);
    CHECK(total_of(s, "PractitionerRole", (vw_fhir_param[]){{"active", "false"}}, 1) == 0);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"address-city", "utr"}}, 1) == NP);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"address-city", "Amsterdam"}}, 1) == 0);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"address-postalcode", "3511AB"}}, 1) == NP);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"address-postalcode", "3512"}}, 1) == 0);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"address", "oudegracht"}}, 1) == NP / 2);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"address-country", "NL"}}, 1) == NP);
    CHECK(total_of(s, "Organization", (vw_fhir_param[]){{"address-city", "Utrecht"}}, 1) == NP);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"name", "praktijk"}}, 1) == NP - NP / 3);
    CHECK(total_of(s, "Location", (vw_fhir_param[]){{"name", "praktijk"}, {"name", "fysio"}}, 2) ==
          0);
    json_object_put(bundle);

    /* _include: the page's roles, then their practitioners, locations and practices */
    CHECK(vw_fhir_search(s, &o, "PractitionerRole",
                         (vw_fhir_param[]){{"_count", "5"}, {"_include", "PractitionerRole:*"}}, 2,
                         &res, &err) == 0);
    CHECK(res && n_entries(res) == 20 && json_object_get_int(get(res, "total")) == NP);
    int counts[5];
    CHECK(res && check_bundle(res, "searchset", counts) == 0 && counts[0] == 5 && counts[1] == 5 &&
          counts[2] == 5 && counts[3] == 5);
    for (size_t k = 0; res && k < n_entries(res); k++) {
        json_object *e = json_object_array_get_idx(get(res, "entry"), k);
        CHECK(strcmp(json_object_get_string(get(get(e, "search"), "mode")),
                     k < 5 ? "match" : "include") == 0);
    }
    json_object_put(res);
    /* membership roles of a network include the network once */
    CHECK(vw_fhir_search(s, &o, "PractitionerRole",
                         (vw_fhir_param[]){{"organization", "Organization/net-N02"},
                                           {"_include", "PractitionerRole:organization"}},
                         2, &res, &err) == 0);
    CHECK(res && check_bundle(res, "searchset", counts) == 0 && counts[0] == 1);
    json_object_put(res);
    /* near holds the 100 nearest: total left out when that many are within */
    CHECK(vw_fhir_search(s, &o, "Location",
                         (vw_fhir_param[]){{"near", "52.09|5.12|400"}, {"_count", "60"}}, 2, &res,
                         &err) == 0);
    CHECK(res && n_entries(res) == 60 && get(res, "total") == NULL &&
          link_offset(res, "next", "Location") == 60);
    json_object_put(res);
    CHECK(vw_fhir_search(s, &o, "Location",
                         (vw_fhir_param[]){{"near", "52.09|5.12|400"}, {"_count", "60"},
                                           {"_getpagesoffset", "60"}},
                         3, &res, &err) == 0);
    CHECK(res && n_entries(res) == VW_MATCH_MAX_LIMIT - 60 &&
          link_offset(res, "next", "Location") == -1 &&
          link_offset(res, "previous", "Location") == 0);
    json_object_put(res);
    /* near does not combine with the filters the engine does not apply */
    CHECK(vw_fhir_search(s, &o, "Location",
                         (vw_fhir_param[]){{"near", "52.09|5.12|5"}, {"name", "x"}}, 2, &res,
                         &err) == -1 &&
          strcmp(err.code, VW_E_BAD_REQUEST) == 0);
    CHECK(vw_fhir_search(s, &o, "Location",
                         (vw_fhir_param[]){{"_count", "1"}, {"_count", "2"}}, 2, &res, &err) == -1);
    CHECK(vw_fhir_search(s, &o, "Location",
                         (vw_fhir_param[]){{"_getpagesoffset", "1"}, {"_getpagesoffset", "1"}}, 2,
                         &res, &err) == -1);
}

/* Ids at their longest (64 bytes): nothing is cut, membership roles read back. */
static void test_long_ids(void)
{
    vw_err err;
    char pid[65], nid[65], want[256];
    memset(pid, 'p', 64);
    memset(nid, 'n', 64);
    pid[64] = nid[64] = '\0';
    vw_snapbuild *b = vw_snapbuild_new();
    CHECK(vw_snapbuild_add_network(b, &(vw_network_in){.id = nid, .name = "N", .kind = "k",
                                                         .status = VW_NET_FORMING,
                                                         .certified_until = VW_DATE_NONE},
                                   &err) == 0);
    const char *nets[] = {nid};
    CHECK(vw_snapbuild_add_provider(b, &(vw_provider_in){.id = pid, .name = "P", .lat = 52,
                                                          .lon = 5, .networks = nets,
                                                          .n_networks = 1},
                                    &err) == 0);
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    vw_fhir_opts o = {.base = BASE, .as_of = TODAY};
    json_object *bundle = vw_fhir_bundle(s, &o, &err), *got = NULL;
    int counts[5];
    CHECK(bundle && check_bundle(bundle, "collection", counts) == 0);
    snprintf(want, sizeof want, "role-%s-net-%s", pid, nid);
    CHECK(find(bundle, "PractitionerRole", want) != NULL);
    CHECK(vw_fhir_read(s, &o, "PractitionerRole", want, &got, &err) == 0 &&
          strcmp(json_object_get_string(get(got, "id")), want) == 0);
    json_object_put(got);
    json_object_put(bundle);
    vw_snapshot_release(s);
}

int main(void)
{
    uint32_t memberships;
    vw_snapshot *s = build(&memberships);
    CHECK(s != NULL);
    if (s) {
        test_bundle(s, memberships);
        test_near(s);
        test_search_misc(s);
        test_paging_params(s);
    }
    test_long_ids();
    vw_snapshot_release(s);
    return T_DONE();
}
