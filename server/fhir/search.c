/* search.c -- FHIR R4 searches over a snapshot, answered as a searchset
 * Bundle: the common directory look-ups of an mCSD consumer.
 *
 *   PractitionerRole|HealthcareService|Location|Practitioner
 *       ?specialty=[system|]code&expertise=tag&location.near=lat|lon|dist|km
 *   Organization?type=[system|]code&name=prefix
 *   _count, _id everywhere.
 *
 * `near` goes through the match engine (vw_match), so the answer is exactly
 * the one `verwijs match` gives: nearest first, ties by id. The distance is
 * turned into the model's travel minutes for the engine's bound (monotone,
 * so no provider within the distance is lost) and the hits are then cut at
 * the distance itself. Each hit carries the core location-distance extension.
 * Strict parameter handling: an unknown or malformed parameter is an error
 * (bad_request), never silently ignored. A repeated parameter is ANDed as
 * FHIR says (specialty, expertise, type, name, _id: every repeat must
 * hold); where AND has no useful meaning (_count, near) a repeat is refused
 * with bad_request naming the parameter -- the last one never silently wins. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/utf8.h"
#include "proto/vocab.h"
#include "fhir_int.h"
#include "server/engine/match.h"

#define MAX_VALUE 256
#define MAX_REPEAT 8 /* repeats of one ANDed token parameter (type, name) */

typedef struct search_q {
    uint32_t disciplines;  /* 0: any */
    bool no_match;         /* a filter nobody can meet (unknown tag, empty mask) */
    uint64_t tags;
    bool near;
    double lat, lon, km;
    uint32_t count;
    bool count_given;
    const char *id;        /* _id, or NULL (repeats: all must be this one) */
    /* Organization?type (each must hold) and ?name (prefixes, case-insensitive,
     * each must hold) */
    const char *type_sys[MAX_REPEAT], *type_code[MAX_REPEAT];
    int n_types;
    char type_buf[MAX_REPEAT][MAX_VALUE];
    const char *name[MAX_REPEAT];
    int n_names;
    vw_match_query attrs;  /* the referrer's filters only (attrs.c) */
} search_q;

typedef struct rdesc {
    const char *type, *prefix;
    int kind; /* vw_fhir_rkind, or -1 for Organization */
} rdesc;

static const rdesc resources[] = {
    {"PractitionerRole", "role-", VW_FHIR_R_ROLE},
    {"HealthcareService", "hs-", VW_FHIR_R_SERVICE},
    {"Location", "loc-", VW_FHIR_R_LOCATION},
    {"Practitioner", "prac-", VW_FHIR_R_PRACTITIONER},
    {"Organization", "", -1},
};

/* "system|code" -> (system or NULL, code) in buf. */
static void split_token(const char *v, char *buf, size_t cap, const char **sys, const char **code)
{
    snprintf(buf, cap, "%s", v);
    char *bar = strchr(buf, '|');
    if (bar == NULL) {
        *sys = NULL;
        *code = buf;
        return;
    }
    *bar = '\0';
    *sys = buf[0] ? buf : NULL;
    *code = bar + 1;
}

static int parse_num(const char *s, size_t len, double *out)
{
    char b[64], *end;
    if (len == 0 || len >= sizeof b)
        return -1;
    memcpy(b, s, len);
    b[len] = '\0';
    *out = strtod(b, &end);
    return *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* lat|lon[|distance[|units]] */
static int parse_near(const char *v, search_q *q, vw_err *err)
{
    const char *part[4] = {0};
    size_t len[4] = {0}, n = 0;
    const char *p = v;
    while (n < 4) {
        const char *bar = strchr(p, '|');
        part[n] = p;
        len[n] = bar ? (size_t)(bar - p) : strlen(p);
        n++;
        if (!bar)
            break;
        p = bar + 1;
        if (n == 4)
            return vw_err_set(err, VW_E_BAD_REQUEST, "near: at most lat|lon|distance|units");
    }
    double dist = 10;
    if (n < 2 || parse_num(part[0], len[0], &q->lat) || parse_num(part[1], len[1], &q->lon) ||
        !vw_geo_in_nl(q->lat, q->lon))
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "near must be lat|lon|distance|units with a point in the Netherlands");
    if (n >= 3 && len[2] > 0 && (parse_num(part[2], len[2], &dist) || !(dist > 0)))
        return vw_err_set(err, VW_E_BAD_REQUEST, "near: the distance must be a number above 0");
    if (n == 4 && len[3] > 0) {
        if (len[3] == 1 && part[3][0] == 'm')
            dist /= 1000;
        else if (!(len[3] == 2 && memcmp(part[3], "km", 2) == 0))
            return vw_err_set(err, VW_E_BAD_REQUEST, "near: units must be km or m");
    }
    if (dist > 400)
        return vw_err_set(err, VW_E_BAD_REQUEST, "near: the distance is at most 400 km");
    q->near = true;
    q->km = dist;
    return 0;
}

static int parse_param(const vw_snapshot *s, const vw_fhir_opts *o, bool org,
                       const vw_fhir_param *pm, search_q *q, char *tokbuf, vw_err *err)
{
    static const char repeat_msg[] = "parameter %s given more than once (FHIR ANDs repeats; "
                                     "%s)";
    const char *n = pm->name, *v = pm->value ? pm->value : "";
    size_t nl = strlen(n), vl = strlen(v);
    if (vw_utf8_bad(n, nl) != nl || vw_utf8_bad(v, vl) != vl)
        return vw_err_set(err, VW_E_BAD_REQUEST, "search parameters must be UTF-8");
    if (vl >= MAX_VALUE)
        return vw_err_set(err, VW_E_BAD_REQUEST, "parameter %.40s: value too long", n);
    if (strcmp(n, "_count") == 0) {
        char *end;
        long c = strtol(v, &end, 10);
        if (*end || end == v || c < 1 || c > (long)VW_FHIR_MAX_COUNT)
            return vw_err_set(err, VW_E_BAD_REQUEST, "_count must be 1..%u", VW_FHIR_MAX_COUNT);
        if (q->count_given)
            return vw_err_set(err, VW_E_BAD_REQUEST, repeat_msg, "_count", "give one page size");
        q->count = (uint32_t)c;
        q->count_given = true;
        return 0;
    }
    if (strcmp(n, "_id") == 0) {
        if (q->id && strcmp(q->id, v) != 0)
            q->no_match = true; /* no resource has two ids */
        q->id = v;
        return 0;
    }
    if (org && strcmp(n, "type") == 0) {
        if (q->n_types == MAX_REPEAT)
            return vw_err_set(err, VW_E_BAD_REQUEST, "parameter type given more than %d times",
                              MAX_REPEAT);
        split_token(v, q->type_buf[q->n_types], MAX_VALUE, &q->type_sys[q->n_types],
                    &q->type_code[q->n_types]);
        q->n_types++;
        return 0;
    }
    if (org && strcmp(n, "name") == 0) {
        if (q->n_names == MAX_REPEAT)
            return vw_err_set(err, VW_E_BAD_REQUEST, "parameter name given more than %d times",
                              MAX_REPEAT);
        q->name[q->n_names++] = v;
        return 0;
    }
    if (!org && strcmp(n, "specialty") == 0) {
        /* Comma-separated values are alternatives (OR); repeats narrow (AND). */
        uint32_t mask = 0;
        char item[MAX_VALUE], tb[MAX_VALUE];
        const char *p = v;
        while (*p) {
            size_t l = strcspn(p, ",");
            const char *sys, *code;
            snprintf(item, sizeof item, "%.*s", (int)l, p);
            split_token(item, tb, sizeof tb, &sys, &code);
            int d = vw_fhir_discipline_token(o, sys, code);
            if (d < 0)
                return vw_err_set(err, VW_E_BAD_REQUEST, "specialty: unknown code '%.64s'", code);
            mask |= 1u << d;
            p += l + (p[l] == ',');
        }
        if (mask == 0)
            return vw_err_set(err, VW_E_BAD_REQUEST, "specialty needs a code");
        if (q->disciplines && (q->disciplines & mask) == 0)
            q->no_match = true;
        q->disciplines = q->disciplines ? q->disciplines & mask : mask;
        return 0;
    }
    if (!org && strcmp(n, "expertise") == 0) {
        const char *sys, *code;
        split_token(v, tokbuf, MAX_VALUE, &sys, &code);
        const char *tag = vw_fhir_expertise_token(o, sys, code);
        if (tag == NULL)
            return vw_err_set(err, VW_E_BAD_REQUEST, "expertise: '%.64s' is not an expertise tag",
                              code);
        int bit = vw_snapshot_tag_bit(s, tag, strlen(tag));
        if (bit < 0)
            q->no_match = true; /* a valid tag nobody holds */
        else
            q->tags |= UINT64_C(1) << bit;
        return 0;
    }
    if (!org && (strcmp(n, "near") == 0 || strcmp(n, "location.near") == 0)) {
        if (q->near)
            return vw_err_set(err, VW_E_BAD_REQUEST, repeat_msg, n,
                              "give one point and distance");
        return parse_near(v, q, err);
    }
    int handled = org ? 0 : vw_fhir_attr_param(o, n, v, &q->attrs, err);
    if (handled)
        return handled < 0 ? -1 : 0;
    return vw_err_set(err, VW_E_BAD_REQUEST, "unsupported search parameter '%.40s'", n);
}

/* ---- result assembly -------------------------------------------------------- */

static void add_hit(json_object *entries, const vw_fhir_opts *o, json_object *res, double km)
{
    json_object *e = vw_fhir_entry(o, res, "match");
    if (e == NULL)
        return;
    if (km >= 0) {
        json_object *sm, *exts = json_object_new_array(), *x = json_object_new_object(),
                         *d = json_object_new_object();
        char b[32];
        snprintf(b, sizeof b, "%.3f", km);
        json_object_object_add(d, "value", json_object_new_double_s(km, b));
        json_object_object_add(d, "unit", json_object_new_string("km"));
        json_object_object_add(d, "system", json_object_new_string("http://unitsofmeasure.org"));
        json_object_object_add(d, "code", json_object_new_string("km"));
        json_object_object_add(x, "url", json_object_new_string(
                                             "http://hl7.org/fhir/StructureDefinition/location-distance"));
        json_object_object_add(x, "valueDistance", d);
        json_object_array_add(exts, x);
        json_object_object_get_ex(e, "search", &sm);
        json_object_object_add(sm, "extension", exts);
    }
    json_object_array_add(entries, e);
}

static bool provider_ok(const vw_snapshot *s, const vw_fhir_opts *o, const search_q *q,
                        uint32_t i)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    if (q->disciplines && !(q->disciplines & (1u << p->discipline)))
        return false;
    return vw_provider_has_tags(s, i, q->tags, o->as_of) && vw_match_ext_passes(s, i, &q->attrs);
}

/* Provider-based resources. Returns the total (exact unless near cut it). */
static uint32_t search_providers(const vw_snapshot *s, const vw_fhir_opts *o, const rdesc *r,
                                 const search_q *q, json_object *entries)
{
    uint32_t np = vw_snapshot_provider_count(s), total = 0;
    if (q->no_match)
        return 0;
    if (q->id) {
        size_t pl = strlen(r->prefix);
        int64_t i = strncmp(q->id, r->prefix, pl) == 0
                        ? vw_snapshot_find_provider(s, q->id + pl, strlen(q->id + pl))
                        : -1;
        if (i < 0 || !provider_ok(s, o, q, (uint32_t)i))
            return 0;
        const vw_provider *p = vw_snapshot_provider(s, (uint32_t)i);
        double km = q->near ? vw_geo_km(q->lat, q->lon, p->lat, p->lon) : -1;
        if (q->near && km > q->km)
            return 0;
        add_hit(entries, o, vw_fhir_provider_resource(s, o, (uint32_t)i, r->kind), km);
        return 1;
    }
    if (!q->near) {
        for (uint32_t i = 0; i < np; i++) {
            if (!provider_ok(s, o, q, i))
                continue;
            if (total++ < q->count)
                add_hit(entries, o, vw_fhir_provider_resource(s, o, i, r->kind), -1);
        }
        return total;
    }
    vw_travel_model dtm;
    const vw_travel_model *tm = o->tm;
    if (tm == NULL) {
        vw_travel_model_default(&dtm);
        tm = &dtm;
    }
    vw_match_query mq = q->attrs; /* the referrer's filters, then the search's own */
    mq.lat = q->lat;
    mq.lon = q->lon;
    mq.disciplines = q->disciplines;
    mq.tags = q->tags;
    mq.mode = VW_MODE_CAR;
    mq.limit = q->count;
    mq.as_of = o->as_of;
    mq.region = -1;
    mq.within_min = vw_geo_minutes(tm, VW_MODE_CAR, q->km);
    mq.model_only = true;
    vw_match_hit hits[VW_MATCH_MAX_LIMIT];
    uint32_t n = vw_match(s, tm, &mq, hits);
    for (uint32_t k = 0; k < n && hits[k].km <= q->km; k++, total++)
        add_hit(entries, o, vw_fhir_provider_resource(s, o, hits[k].provider, r->kind),
                hits[k].km);
    return total;
}

/* Does one type token (system or NULL, code) hold for the organisation? */
static bool type_token_ok(const char *sys_type, const char *sys_kind, const char *tsys,
                          const char *tcode, bool network, const char *kind)
{
    bool any = tsys == NULL;
    if ((any || strcmp(tsys, sys_type) == 0) &&
        strcmp(tcode, network ? "network" : "practice") == 0)
        return true;
    return network && kind && (any || strcmp(tsys, sys_kind) == 0) && strcmp(tcode, kind) == 0;
}

static bool org_type_ok(const vw_fhir_opts *o, const search_q *q, bool network, const char *kind)
{
    char sys_type[512], sys_kind[512];
    if (q->n_types == 0)
        return true;
    vw_fhir_url(o, "CodeSystem", "organization-type", sys_type, sizeof sys_type);
    vw_fhir_url(o, "CodeSystem", "network-kind", sys_kind, sizeof sys_kind);
    for (int t = 0; t < q->n_types; t++) /* AND */
        if (!type_token_ok(sys_type, sys_kind, q->type_sys[t], q->type_code[t], network, kind))
            return false;
    return true;
}

static bool name_ok(const search_q *q, const char *name)
{
    for (int k = 0; k < q->n_names; k++) /* AND */
        if (strncasecmp(name, q->name[k], strlen(q->name[k])) != 0)
            return false;
    return true;
}

static uint32_t search_orgs(const vw_snapshot *s, const vw_fhir_opts *o, const search_q *q,
                            json_object *entries)
{
    uint32_t total = 0, nn = vw_snapshot_network_count(s), np = vw_snapshot_provider_count(s);
    if (q->no_match)
        return 0;
    for (uint32_t k = 0; k < nn; k++) {
        const vw_network *n = vw_snapshot_network(s, k);
        if ((q->id && (strncmp(q->id, "net-", 4) || strcmp(q->id + 4, n->id))) ||
            !org_type_ok(o, q, true, n->kind) || !name_ok(q, n->name))
            continue;
        if (total++ < q->count)
            add_hit(entries, o, vw_fhir_network_org(s, o, k), -1);
    }
    for (uint32_t i = 0; i < np; i++) {
        const vw_provider *p = vw_snapshot_provider(s, i);
        if ((q->id && (strncmp(q->id, "org-", 4) || strcmp(q->id + 4, p->id))) ||
            !org_type_ok(o, q, false, NULL) || !name_ok(q, vw_provider_name(p)))
            continue;
        if (total++ < q->count)
            add_hit(entries, o, vw_fhir_provider_resource(s, o, i, VW_FHIR_R_PRACTICE), -1);
    }
    return total;
}

int vw_fhir_search(const vw_snapshot *s, const vw_fhir_opts *o, const char *resource,
                   const vw_fhir_param *params, size_t n, json_object **out, vw_err *err)
{
    const rdesc *r = NULL;
    char tokbuf[MAX_VALUE];
    static const search_q init = {.count = VW_FHIR_DEFAULT_COUNT};
    search_q q = init;
    *out = NULL;
    for (size_t k = 0; k < sizeof resources / sizeof resources[0]; k++)
        if (strcmp(resources[k].type, resource) == 0)
            r = &resources[k];
    if (r == NULL)
        return vw_err_set(err, VW_E_NOT_FOUND, "no search on resource type '%.40s'", resource);
    if (n > VW_FHIR_MAX_PARAMS)
        return vw_err_set(err, VW_E_TOO_LARGE, "too many search parameters (at most %u)",
                          VW_FHIR_MAX_PARAMS);
    for (size_t k = 0; k < n; k++)
        if (parse_param(s, o, r->kind < 0, &params[k], &q, tokbuf, err) != 0)
            return -1;
    char id[64];
    snprintf(id, sizeof id, "search-%s", r->type);
    json_object *b = vw_fhir_bundle_shell(o, "searchset", id), *entries = json_object_new_array();
    if (b == NULL || entries == NULL) {
        json_object_put(b);
        json_object_put(entries);
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    }
    uint32_t total = r->kind < 0 ? search_orgs(s, o, &q, entries)
                                 : search_providers(s, o, r, &q, entries);
    /* With near the engine stops at _count, so the total is known only when
     * fewer were found. */
    if (!q.near || total < q.count)
        json_object_object_add(b, "total", json_object_new_int64(total));
    json_object_object_add(b, "entry", entries);
    *out = b;
    return 0;
}
