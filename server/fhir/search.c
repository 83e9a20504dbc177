/* search.c -- FHIR R4 searches over a snapshot, answered as a searchset
 * Bundle: the common directory look-ups of an mCSD consumer.
 *
 *   PractitionerRole|HealthcareService|Location|Practitioner
 *       ?specialty=[system|]code&expertise=tag&location.near=lat|lon|dist|km
 *   Organization?type=[system|]code&name=prefix&partof=Organization/net-ID
 *   identifier=[system|]value, active=true|false, organization=Organization/ID,
 *   name, address[-city|-postalcode|-country|-use], _include=PractitionerRole:X
 *   (see the table in docs/FHIR.md for which resource takes which)
 *   _count (1..500), _getpagesoffset, _summary=count, _id everywhere.
 *
 * Paging: the matches are in a stable order (by resource id: the snapshot
 * keeps providers and networks sorted by id; with near, nearest first, ties
 * by id), a page is [_getpagesoffset, +_count) of them, and Bundle.link
 * self/next/previous name the same search with the offset moved (absolute
 * URLs on the server's address). Bundle.total is exact; included resources
 * (search.mode include) are not counted in it.
 *
 * `near` goes through the match engine (vw_match), so the answer is exactly
 * the one `verwijs match` gives: nearest first, ties by id. The distance is
 * turned into the model's travel minutes for the engine's bound (monotone,
 * so no provider within the distance is lost) and the hits are then cut at
 * the distance itself. Each hit carries the core location-distance extension.
 * A near search answers at most the VW_MATCH_MAX_LIMIT nearest: when that
 * many are within the distance, Bundle.total is left out (unknown), pages
 * end there, and near cannot be combined with the filters the engine does
 * not apply (identifier, organization, partof, name, address-*): refused.
 * Strict parameter handling: an unknown or malformed parameter is an error
 * (bad_request), never silently ignored. A repeated parameter is ANDed as
 * FHIR says (specialty, expertise, type, name, _id, identifier, address-*,
 * organization, partof, active: every repeat must hold); _include repeats
 * add up (each names more to include); where AND has no useful meaning
 * (_count, _getpagesoffset, _summary, near) a repeat is refused with
 * bad_request naming the parameter -- the last one never silently wins. */
#include <ctype.h>
#include <json-c/printbuf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/utf8.h"
#include "proto/vocab.h"
#include "fhir_int.h"
#include "server/engine/match.h"

#define MAX_VALUE 256
#define MAX_REPEAT 8 /* repeats of one ANDed parameter (type, name, identifier, address-*) */
#define MAX_OFFSET 10000000u

/* the string parameters on an address (all prefixes, case-insensitive) */
enum { A_ANY, A_CITY, A_POSTCODE, A_COUNTRY, A_USE, A_N };
static const char *const addr_params[A_N] = {"address", "address-city", "address-postalcode",
                                             "address-country", "address-use"};

/* _include targets of PractitionerRole */
enum { INC_PRACTITIONER = 1, INC_LOCATION = 2, INC_ORGANIZATION = 4 };

/* A reference parameter (organization, partof): provider or network index. */
typedef struct ref_q {
    bool given, net; /* net: a network Organization, else a practice */
    int64_t idx;     /* -1: names no resource of ours */
} ref_q;

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
    const char *ident_sys[MAX_REPEAT], *ident_val[MAX_REPEAT];
    char ident_buf[MAX_REPEAT][MAX_VALUE];
    int n_idents;
    const char *addr[A_N][MAX_REPEAT];
    int n_addr[A_N];
    ref_q org, partof;
    uint32_t offset;
    bool offset_given, summary_count, summary_given;
    const char *engine_less; /* a parameter near cannot be combined with */
    unsigned include;
    vw_match_query attrs;  /* the referrer's filters only (attrs.c) */
    bool lu_given;         /* _lastUpdated: the record's time within [lu_lo, lu_hi] */
    int64_t lu_lo, lu_hi, snap_t; /* snap_t: the time of a record without one */
} search_q;

/* Which of the generic parameters a resource takes (FHIR R4's own lists). */
enum {
    P_ACTIVE = 1,   /* active */
    P_NAME = 2,     /* name (prefix) */
    P_ADDR = 4,     /* address, address-* */
    P_ORG = 8,      /* organization */
};

typedef struct rdesc {
    const char *type, *prefix;
    int kind; /* vw_fhir_rkind, or -1 for Organization */
    unsigned params;
} rdesc;

static const rdesc resources[] = {
    {"PractitionerRole", "role-", VW_FHIR_R_ROLE, P_ACTIVE | P_ORG},
    {"HealthcareService", "hs-", VW_FHIR_R_SERVICE, P_ACTIVE | P_NAME | P_ORG},
    {"Location", "loc-", VW_FHIR_R_LOCATION, P_NAME | P_ADDR | P_ORG},
    {"Practitioner", "prac-", VW_FHIR_R_PRACTITIONER, P_ACTIVE | P_NAME},
    {"Organization", "", -1, P_ACTIVE | P_NAME | P_ADDR},
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

/* A reference value (Organization/ID, ID, or an absolute URL ending in
 * Organization/ID) -> one of our Organizations. */
static void parse_org_ref(const vw_snapshot *s, const char *v, ref_q *out)
{
    const char *t = v, *p;
    while ((p = strstr(t, "Organization/")) != NULL)
        t = p + strlen("Organization/");
    int64_t idx = -1;
    bool net = strncmp(t, "net-", 4) == 0;
    if (net)
        idx = vw_snapshot_find_network(s, t + 4, strlen(t + 4));
    else if (strncmp(t, "org-", 4) == 0)
        idx = vw_snapshot_find_provider(s, t + 4, strlen(t + 4));
    if (out->given && (out->net != net || out->idx != idx))
        idx = -1; /* AND of two different organisations: none */
    out->given = true;
    out->net = net;
    out->idx = idx;
}

/* _lastUpdated=[gt|ge|lt|le|eq|sa|eb]DATE|DATETIME: narrows [lu_lo, lu_hi]
 * (repeats AND); a date covers its whole UTC day, a dateTime its second. */
static int last_updated(search_q *q, const char *v, vw_err *err)
{
    static const char *const pre[] = {"eq", "gt", "ge", "lt", "le", "sa", "eb"};
    int k = 0;
    int64_t t, lo, hi;
    bool date;
    for (int i = 0; i < 7; i++)
        if (strncmp(v, pre[i], 2) == 0)
            k = i, v += 2;
    if (vw_fhir_parse_instant(v, &t, &date) != 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "_lastUpdated: [gt|ge|lt|le|eq|sa|eb] and a "
                          "date YYYY-MM-DD or dateTime YYYY-MM-DDThh:mm:ssZ, not %.60s", v);
    lo = t;
    hi = date ? t + 86399 : t;
    if (!q->lu_given) {
        q->lu_given = true;
        q->lu_lo = INT64_MIN;
        q->lu_hi = INT64_MAX;
    }
    switch (k) {
    case 0: q->lu_lo = lo > q->lu_lo ? lo : q->lu_lo; q->lu_hi = hi < q->lu_hi ? hi : q->lu_hi; break;
    case 1: case 5: q->lu_lo = hi + 1 > q->lu_lo ? hi + 1 : q->lu_lo; break;
    case 2: q->lu_lo = lo > q->lu_lo ? lo : q->lu_lo; break;
    case 3: case 6: q->lu_hi = lo - 1 < q->lu_hi ? lo - 1 : q->lu_hi; break;
    default: q->lu_hi = hi < q->lu_hi ? hi : q->lu_hi; break;
    }
    return 0;
}

/* Whether a record's time (0: unknown -> the snapshot's) passes _lastUpdated. */
static bool updated_ok(const search_q *q, uint32_t updated)
{
    int64_t t = updated ? (int64_t)updated : q->snap_t;
    return !q->lu_given || (t >= q->lu_lo && t <= q->lu_hi);
}

static int parse_param(const vw_snapshot *s, const vw_fhir_opts *o, const rdesc *r,
                       const vw_fhir_param *pm, search_q *q, char *tokbuf, vw_err *err)
{
    static const char repeat_msg[] = "parameter %s given more than once (FHIR ANDs repeats; "
                                     "%s)";
    bool org = r->kind < 0;
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
    if (strcmp(n, "_getpagesoffset") == 0) {
        char *end;
        long c = strtol(v, &end, 10);
        if (*end || end == v || c < 0 || c > (long)MAX_OFFSET)
            return vw_err_set(err, VW_E_BAD_REQUEST, "_getpagesoffset must be 0..%u", MAX_OFFSET);
        if (q->offset_given)
            return vw_err_set(err, VW_E_BAD_REQUEST, repeat_msg, "_getpagesoffset",
                              "give one offset");
        q->offset = (uint32_t)c;
        q->offset_given = true;
        return 0;
    }
    if (strcmp(n, "_summary") == 0) {
        if (q->summary_given)
            return vw_err_set(err, VW_E_BAD_REQUEST, repeat_msg, "_summary", "give one");
        if (strcmp(v, "count") && strcmp(v, "false"))
            return vw_err_set(err, VW_E_BAD_REQUEST, "_summary: only count and false are served");
        q->summary_given = true;
        q->summary_count = strcmp(v, "count") == 0;
        return 0;
    }
    if (strcmp(n, "_include") == 0) {
        static const char *const inc[] = {"PractitionerRole:practitioner",
                                          "PractitionerRole:location",
                                          "PractitionerRole:organization", "PractitionerRole:*"};
        static const unsigned bits[] = {INC_PRACTITIONER, INC_LOCATION, INC_ORGANIZATION,
                                        INC_PRACTITIONER | INC_LOCATION | INC_ORGANIZATION};
        for (int k = 0; r->kind == VW_FHIR_R_ROLE && k < 4; k++)
            if (strcmp(v, inc[k]) == 0) {
                q->include |= bits[k];
                return 0;
            }
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "_include: only PractitionerRole:practitioner, :location, "
                          ":organization or :* (on PractitionerRole)");
    }
    if (strcmp(n, "_lastUpdated") == 0)
        return last_updated(q, v, err);
    if (strcmp(n, "_id") == 0) {
        if (q->id && strcmp(q->id, v) != 0)
            q->no_match = true; /* no resource has two ids */
        q->id = v;
        return 0;
    }
    if (strcmp(n, "identifier") == 0) {
        if (q->n_idents == MAX_REPEAT)
            return vw_err_set(err, VW_E_BAD_REQUEST,
                              "parameter identifier given more than %d times", MAX_REPEAT);
        split_token(v, q->ident_buf[q->n_idents], MAX_VALUE, &q->ident_sys[q->n_idents],
                    &q->ident_val[q->n_idents]);
        q->n_idents++;
        q->engine_less = "identifier";
        return 0;
    }
    if ((r->params & P_ACTIVE) && strcmp(n, "active") == 0) {
        if (strcmp(v, "true") && strcmp(v, "false"))
            return vw_err_set(err, VW_E_BAD_REQUEST, "active must be true or false");
        if (strcmp(v, "false") == 0)
            q->no_match = true; /* every resource we serve is active */
        return 0;
    }
    if ((r->params & P_ORG) && strcmp(n, "organization") == 0) {
        parse_org_ref(s, v, &q->org);
        q->engine_less = "organization";
        return 0;
    }
    if (org && strcmp(n, "partof") == 0) {
        parse_org_ref(s, v, &q->partof);
        return 0;
    }
    for (int a = 0; (r->params & P_ADDR) && a < A_N; a++)
        if (strcmp(n, addr_params[a]) == 0) {
            if (q->n_addr[a] == MAX_REPEAT)
                return vw_err_set(err, VW_E_BAD_REQUEST, "parameter %s given more than %d times",
                                  n, MAX_REPEAT);
            q->addr[a][q->n_addr[a]++] = v;
            q->engine_less = addr_params[a];
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
    if ((r->params & P_NAME) && strcmp(n, "name") == 0) {
        if (q->n_names == MAX_REPEAT)
            return vw_err_set(err, VW_E_BAD_REQUEST, "parameter name given more than %d times",
                              MAX_REPEAT);
        q->name[q->n_names++] = v;
        q->engine_less = "name";
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

/* ---- matching ---------------------------------------------------------------- */

static bool provider_ok(const vw_snapshot *s, const vw_fhir_opts *o, const search_q *q,
                        uint32_t i)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    if (q->disciplines && !(q->disciplines & (1u << p->discipline)))
        return false;
    return vw_provider_has_tags(s, i, q->tags, o->as_of) && vw_match_ext_passes(s, i, &q->attrs);
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

/* identifier=[system|]value: every repeat must name one of the resource's
 * identifiers (sys[k], val[k]); "system|" names any value in that system. */
static bool ident_ok(const search_q *q, const char *const *sys, const char *const *val, int n)
{
    for (int t = 0; t < q->n_idents; t++) {
        bool hit = false;
        for (int k = 0; k < n && !hit; k++)
            hit = val[k] && (q->ident_sys[t] == NULL || strcmp(q->ident_sys[t], sys[k]) == 0) &&
                  (q->ident_val[t][0] == '\0' || strcmp(q->ident_val[t], val[k]) == 0);
        if (!hit)
            return false;
    }
    return true;
}

/* The identifiers resources.c gives provider i's resource of kind k. */
static bool provider_ident_ok(const vw_snapshot *s, const vw_fhir_opts *o, const search_q *q,
                              uint32_t i, int kind)
{
    if (q->n_idents == 0)
        return true;
    if (kind == VW_FHIR_R_ROLE)
        return false; /* PractitionerRole carries no identifier */
    char own[512];
    vw_provider_text t;
    vw_provider_text_get(vw_snapshot_provider(s, i), &t);
    const char *sys[3] = {vw_fhir_url(o, "NamingSystem", "provider-id", own, sizeof own),
                          VW_FHIR_SYS_AGB, VW_FHIR_SYS_BIG};
    const char *val[3] = {vw_snapshot_provider(s, i)->id, NULL, NULL};
    if (kind == VW_FHIR_R_PRACTICE || kind == VW_FHIR_R_PRACTITIONER)
        val[1] = t.agb;
    if (kind == VW_FHIR_R_PRACTITIONER)
        val[2] = t.big;
    return ident_ok(q, sys, val, 3);
}

/* Prefix, ASCII case-insensitive; with spaces ignored (postcodes: "1234 AB"
 * and "1234AB" are the same). */
static bool prefix_ok(const char *field, const char *want, bool nospace)
{
    if (field == NULL)
        field = "";
    for (;;) {
        while (nospace && *want == ' ')
            want++;
        while (nospace && *field == ' ')
            field++;
        if (*want == '\0')
            return true;
        if (*field == '\0' || tolower((unsigned char)*field) != tolower((unsigned char)*want))
            return false;
        field++;
        want++;
    }
}

static bool name_ok(const search_q *q, const char *name)
{
    for (int k = 0; k < q->n_names; k++) /* AND */
        if (!prefix_ok(name, q->name[k], false))
            return false;
    return true;
}

static bool addr_given(const search_q *q)
{
    for (int a = 0; a < A_N; a++)
        if (q->n_addr[a])
            return true;
    return false;
}

/* The address resources.c writes for provider p (line, city, postalCode,
 * country NL, use work). */
static bool addr_ok(const search_q *q, const vw_provider *p)
{
    vw_provider_text t;
    vw_provider_text_get(p, &t);
    for (int k = 0; k < q->n_addr[A_CITY]; k++)
        if (!p->city || !p->city[0] || !prefix_ok(p->city, q->addr[A_CITY][k], false))
            return false;
    for (int k = 0; k < q->n_addr[A_POSTCODE]; k++)
        if (!t.postcode || !t.postcode[0] || !prefix_ok(t.postcode, q->addr[A_POSTCODE][k], true))
            return false;
    for (int k = 0; k < q->n_addr[A_COUNTRY]; k++)
        if (!prefix_ok("NL", q->addr[A_COUNTRY][k], false))
            return false;
    for (int k = 0; k < q->n_addr[A_USE]; k++)
        if (strcmp(q->addr[A_USE][k], "work") != 0)
            return false;
    for (int k = 0; k < q->n_addr[A_ANY]; k++) {
        const char *w = q->addr[A_ANY][k];
        if (!(t.address && t.address[0] && prefix_ok(t.address, w, false)) &&
            !(p->city && p->city[0] && prefix_ok(p->city, w, false)) &&
            !(t.postcode && t.postcode[0] && prefix_ok(t.postcode, w, true)) &&
            !prefix_ok("NL", w, false))
            return false;
    }
    return true;
}

/* ---- the matches, in order -------------------------------------------------- */

/* One match: provider i's resource of the searched kind (m = -1), network
 * Organization i (m = -2), or the role of provider i in its m-th network. */
typedef struct cand {
    uint32_t i;
    int32_t m;
    double km; /* near: the distance, else -1 */
} cand;

typedef struct clist {
    cand *v;
    size_t n, cap;
    bool failed;
} clist;

static void push(clist *l, uint32_t i, int32_t m, double km)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        cand *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            l->failed = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (cand){i, m, km};
}

/* Provider i passes every filter but near for resource kind r->kind (or, with
 * m >= 0, as its role in its m-th network). */
static bool provider_all_ok(const vw_snapshot *s, const vw_fhir_opts *o, const rdesc *r,
                            const search_q *q, uint32_t i, int32_t m)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    if (!provider_ok(s, o, q, i) || !provider_ident_ok(s, o, q, i, r->kind) ||
        !updated_ok(q, vw_snapshot_provider_ext(s, i)->updated))
        return false;
    if ((r->params & P_NAME) && !name_ok(q, vw_provider_name(p)))
        return false;
    if ((r->params & P_ADDR) && addr_given(q) && !addr_ok(q, p))
        return false;
    if (q->org.given && m < 0 && (q->org.net || q->org.idx != (int64_t)i))
        return false;
    return true;
}

/* The index m of network k among provider i's networks, or -1. */
static int32_t membership_of(const vw_snapshot *s, uint32_t i, uint32_t k)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    const uint32_t *ms = vw_snapshot_memberships(s) + p->net_first;
    for (uint32_t m = 0; m < p->net_count; m++)
        if (ms[m] == k)
            return (int32_t)m;
    return -1;
}

/* PractitionerRole?organization=Organization/net-ID: the membership roles
 * of that network (role-PID-net-ID), in provider id order. */
static void search_members(const vw_snapshot *s, const vw_fhir_opts *o, const rdesc *r,
                           const search_q *q, clist *l)
{
    if (q->org.idx < 0 || q->n_idents)
        return; /* no such network; membership roles carry no identifier */
    const vw_network *n = vw_snapshot_network(s, (uint32_t)q->org.idx);
    const uint32_t *mem = vw_snapshot_members(s) + n->member_first;
    for (uint32_t k = 0; k < n->member_count && !l->failed; k++) {
        uint32_t i = mem[k];
        int32_t m = membership_of(s, i, (uint32_t)q->org.idx);
        if (m < 0 || !provider_all_ok(s, o, r, q, i, m))
            continue;
        if (q->id) {
            char id[200];
            snprintf(id, sizeof id, "role-%s-net-%s", vw_snapshot_provider(s, i)->id, n->id);
            if (strcmp(id, q->id) != 0)
                continue;
        }
        push(l, i, m, -1);
    }
}

/* Provider-based resources. Returns false when near saturated the engine
 * (the total is then unknown). */
static bool search_providers(const vw_snapshot *s, const vw_fhir_opts *o, const rdesc *r,
                             const search_q *q, clist *l)
{
    uint32_t np = vw_snapshot_provider_count(s);
    if (q->no_match)
        return true;
    if (r->kind == VW_FHIR_R_ROLE && q->org.given && q->org.net) {
        search_members(s, o, r, q, l);
        return true;
    }
    if (q->id) {
        size_t pl = strlen(r->prefix);
        int64_t i = strncmp(q->id, r->prefix, pl) == 0
                        ? vw_snapshot_find_provider(s, q->id + pl, strlen(q->id + pl))
                        : -1;
        if (i < 0 || !provider_all_ok(s, o, r, q, (uint32_t)i, -1))
            return true;
        const vw_provider *p = vw_snapshot_provider(s, (uint32_t)i);
        double km = q->near ? vw_geo_km(q->lat, q->lon, p->lat, p->lon) : -1;
        if (!q->near || km <= q->km)
            push(l, (uint32_t)i, -1, km);
        return true;
    }
    if (!q->near) {
        for (uint32_t i = 0; i < np && !l->failed; i++)
            if (provider_all_ok(s, o, r, q, i, -1))
                push(l, i, -1, -1);
        return true;
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
    mq.limit = VW_MATCH_MAX_LIMIT;
    mq.as_of = o->as_of;
    mq.region = -1;
    mq.within_min = vw_geo_minutes(tm, VW_MODE_CAR, q->km);
    mq.model_only = true;
    vw_match_hit hits[VW_MATCH_MAX_LIMIT];
    uint32_t n = vw_match(s, tm, &mq, hits), k;
    for (k = 0; k < n && hits[k].km <= q->km; k++)
        if (updated_ok(q, vw_snapshot_provider_ext(s, hits[k].provider)->updated))
            push(l, hits[k].provider, -1, hits[k].km);
    return !(n == VW_MATCH_MAX_LIMIT && k == n);
}

static void search_orgs(const vw_snapshot *s, const vw_fhir_opts *o, const search_q *q, clist *l)
{
    uint32_t nn = vw_snapshot_network_count(s), np = vw_snapshot_provider_count(s);
    char own[512];
    const char *sys[2] = {vw_fhir_url(o, "NamingSystem", "network-id", own, sizeof own),
                          VW_FHIR_SYS_AGB};
    if (q->no_match)
        return;
    /* networks first: net-* sorts before org-*; each list is sorted by id */
    for (uint32_t k = 0; k < nn && !q->partof.given && !addr_given(q); k++) {
        const vw_network *n = vw_snapshot_network(s, k);
        const char *val[1] = {n->id};
        if ((q->id && (strncmp(q->id, "net-", 4) || strcmp(q->id + 4, n->id))) ||
            !org_type_ok(o, q, true, n->kind) || !name_ok(q, n->name) ||
            !ident_ok(q, sys, val, 1) || !updated_ok(q, n->updated))
            continue;
        push(l, k, -2, -1);
    }
    for (uint32_t i = 0; i < np && !l->failed; i++) {
        const vw_provider *p = vw_snapshot_provider(s, i);
        if ((q->id && (strncmp(q->id, "org-", 4) || strcmp(q->id + 4, p->id))) ||
            !org_type_ok(o, q, false, NULL) || !name_ok(q, vw_provider_name(p)) ||
            !provider_ident_ok(s, o, q, i, VW_FHIR_R_PRACTICE) ||
            !updated_ok(q, vw_snapshot_provider_ext(s, i)->updated) ||
            (addr_given(q) && !addr_ok(q, p)))
            continue;
        if (q->partof.given && !(q->partof.net && q->partof.idx >= 0 && p->net_count == 1 &&
                                 vw_snapshot_memberships(s)[p->net_first] ==
                                     (uint32_t)q->partof.idx))
            continue;
        push(l, i, -1, -1);
    }
}

/* ---- the Bundle --------------------------------------------------------------- */

static void add_hit(json_object *entries, const vw_fhir_opts *o, json_object *res, double km,
                    const char *mode)
{
    json_object *e = res ? vw_fhir_entry(o, res, mode) : NULL;
    if (e == NULL) {
        json_object_put(res);
        return;
    }
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

static void pct_append(struct printbuf *pb, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            printbuf_memappend(pb, v, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            printbuf_memappend(pb, e, 3);
        }
    }
}

/* A link {relation, url}: the same search with _count and _getpagesoffset
 * set (they go last; the other parameters keep their order). */
static void add_link(json_object *links, const vw_fhir_opts *o, const char *type,
                     const vw_fhir_param *params, size_t n, const char *rel, uint32_t count,
                     uint32_t offset, bool summary_count)
{
    struct printbuf *pb = printbuf_new();
    if (pb == NULL)
        return;
    sprintbuf(pb, "%s/%s?", o->server_base ? o->server_base : vw_fhir_base(o), type);
    for (size_t k = 0; k < n; k++) {
        if (strcmp(params[k].name, "_count") == 0 ||
            strcmp(params[k].name, "_getpagesoffset") == 0)
            continue;
        pct_append(pb, params[k].name);
        printbuf_memappend(pb, "=", 1);
        pct_append(pb, params[k].value ? params[k].value : "");
        printbuf_memappend(pb, "&", 1);
    }
    if (summary_count)
        sprintbuf(pb, "_count=%u", count);
    else
        sprintbuf(pb, "_count=%u&_getpagesoffset=%u", count, offset);
    json_object *lk = json_object_new_object();
    json_object_object_add(lk, "relation", json_object_new_string(rel));
    json_object_object_add(lk, "url", json_object_new_string(pb->buf));
    json_object_array_add(links, lk);
    printbuf_free(pb);
}

static json_object *cand_resource(const vw_snapshot *s, const vw_fhir_opts *o, const rdesc *r,
                                  const cand *c)
{
    if (c->m == -2)
        return vw_fhir_network_org(s, o, c->i);
    if (c->m >= 0)
        return vw_fhir_membership_role(s, o, c->i, (uint32_t)c->m);
    return vw_fhir_provider_resource(s, o, c->i, r->kind < 0 ? VW_FHIR_R_PRACTICE
                                                             : (vw_fhir_rkind)r->kind);
}

/* _include of the roles on the page: their Practitioner, Location and
 * Organization (each network Organization once). */
static void add_includes(const vw_snapshot *s, const vw_fhir_opts *o, const search_q *q,
                         const cand *page, size_t n, json_object *entries)
{
    uint32_t nn = vw_snapshot_network_count(s);
    bool *seen = q->include & INC_ORGANIZATION ? calloc(nn + 1, 1) : NULL;
    for (size_t k = 0; k < n; k++) {
        uint32_t i = page[k].i;
        if (q->include & INC_PRACTITIONER)
            add_hit(entries, o, vw_fhir_provider_resource(s, o, i, VW_FHIR_R_PRACTITIONER), -1,
                    "include");
        if (q->include & INC_LOCATION)
            add_hit(entries, o, vw_fhir_provider_resource(s, o, i, VW_FHIR_R_LOCATION), -1,
                    "include");
        if (!(q->include & INC_ORGANIZATION))
            continue;
        if (page[k].m < 0) {
            add_hit(entries, o, vw_fhir_provider_resource(s, o, i, VW_FHIR_R_PRACTICE), -1,
                    "include");
            continue;
        }
        const vw_provider *p = vw_snapshot_provider(s, i);
        uint32_t net = vw_snapshot_memberships(s)[p->net_first + (uint32_t)page[k].m];
        if (seen && seen[net])
            continue;
        if (seen)
            seen[net] = true;
        add_hit(entries, o, vw_fhir_network_org(s, o, net), -1, "include");
    }
    free(seen);
}

int vw_fhir_search(const vw_snapshot *s, const vw_fhir_opts *o, const char *resource,
                   const vw_fhir_param *params, size_t n, json_object **out, vw_err *err)
{
    const rdesc *r = NULL;
    char tokbuf[MAX_VALUE];
    static const search_q init = {.count = VW_FHIR_DEFAULT_COUNT};
    search_q q = init;
    *out = NULL;
    if (vw_fhir_parse_instant(vw_snapshot_updated(s), &q.snap_t, NULL) != 0)
        q.snap_t = 0;
    for (size_t k = 0; k < sizeof resources / sizeof resources[0]; k++)
        if (strcmp(resources[k].type, resource) == 0)
            r = &resources[k];
    if (r == NULL)
        return vw_err_set(err, VW_E_NOT_FOUND, "no search on resource type '%.40s'", resource);
    if (n > VW_FHIR_MAX_PARAMS)
        return vw_err_set(err, VW_E_TOO_LARGE, "too many search parameters (at most %u)",
                          VW_FHIR_MAX_PARAMS);
    for (size_t k = 0; k < n; k++)
        if (parse_param(s, o, r, &params[k], &q, tokbuf, err) != 0)
            return -1;
    if (q.near && q.engine_less)
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "near cannot be combined with %s (the match engine answers near)",
                          q.engine_less);
    char id[64];
    snprintf(id, sizeof id, "search-%s", r->type);
    clist l = {0};
    json_object *b = vw_fhir_bundle_shell(o, "searchset", id), *entries = json_object_new_array(),
                *links = json_object_new_array();
    bool exact = true;
    if (b && entries && links) {
        if (r->kind < 0)
            search_orgs(s, o, &q, &l);
        else
            exact = search_providers(s, o, r, &q, &l);
    }
    if (b == NULL || entries == NULL || links == NULL || l.failed) {
        json_object_put(b);
        json_object_put(entries);
        json_object_put(links);
        free(l.v);
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    }
    /* With near the engine stops at VW_MATCH_MAX_LIMIT, so the total is
     * known only when fewer were within the distance. */
    if (exact)
        json_object_object_add(b, "total", json_object_new_int64((int64_t)l.n));
    size_t from = q.offset < l.n ? q.offset : l.n;
    size_t to = l.n - from > q.count ? from + q.count : l.n;
    add_link(links, o, r->type, params, n, "self", q.count, q.offset, q.summary_count);
    if (!q.summary_count) {
        if (to < l.n)
            add_link(links, o, r->type, params, n, "next", q.count, (uint32_t)to, false);
        if (q.offset > 0)
            add_link(links, o, r->type, params, n, "previous", q.count,
                     q.offset > q.count ? q.offset - q.count : 0, false);
        for (size_t k = from; k < to; k++)
            add_hit(entries, o, cand_resource(s, o, r, &l.v[k]), l.v[k].km, "match");
        if (q.include && to > from) /* l.v may be NULL when nothing matched */
            add_includes(s, o, &q, &l.v[from], to - from, entries);
    }
    free(l.v);
    json_object_object_add(b, "link", links);
    if (json_object_array_length(entries) > 0)
        json_object_object_add(b, "entry", entries); /* FHIR JSON has no empty arrays */
    else
        json_object_put(entries);
    *out = b;
    return 0;
}
