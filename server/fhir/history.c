/* history.c -- FHIR `_history` (issue 15, IHE mCSD "Request Care Services
 * Updates"): the change log as a Bundle of type history, system, type or
 * instance level, paged by the change seq.
 *
 * The fhir library never sees SQLite: the caller (the daemon) hands rows in
 * through vw_fhir_history_src. One change_log row names a record; the
 * resources it changes (docs/FHIR.md "History"):
 *   provider P      Organization/org-P, Practitioner/prac-P,
 *                   PractitionerRole/role-P, Location/loc-P,
 *                   HealthcareService/hs-P
 *   network N       Organization/net-N
 *   membership P,N  PractitionerRole/role-P-net-N
 *   registration P  Practitioner/prac-P (its qualifications)
 * Entries are in seq order (oldest first) so that a client following `next`
 * sees every change exactly once. Entries carry request and response (etag
 * = the record's version, lastModified = the change's time); no resource:
 * the current version is a read away (GET fullUrl). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir_int.h"
#include "proto/utf8.h"

#define SCAN_MAX 5000u /* change rows looked at per request (bounded read) */

typedef struct hmap {
    const char *kind, *type, *prefix;
} hmap;

/* kind -> the resources of a row of that kind (membership: suffix -net-N). */
static const hmap maps[] = {
    {"provider", "Organization", "org-"},     {"provider", "Practitioner", "prac-"},
    {"provider", "PractitionerRole", "role-"}, {"provider", "Location", "loc-"},
    {"provider", "HealthcareService", "hs-"}, {"network", "Organization", "net-"},
    {"membership", "PractitionerRole", "role-"}, {"registration", "Practitioner", "prac-"},
};
#define NMAPS (sizeof maps / sizeof maps[0])

typedef struct hist {
    const vw_fhir_opts *o;
    const char *type;  /* NULL: system level */
    const char *id;    /* NULL: type level */
    int64_t since;     /* epoch seconds; INT64_MIN none */
    uint32_t count;
    json_object *entries;
    uint32_t n;        /* entries so far */
    int64_t after;     /* rows up to this seq are skipped (the cursor) */
    int64_t last;      /* seq of the last row consumed */
    bool full;         /* stopped: the page is full */
    bool failed;
} hist;

int vw_fhir_parse_instant(const char *s, int64_t *out, bool *date_only)
{
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0, oh = 0, om = 0, sign = 1;
    size_t len = strlen(s);
    if (len > 40 || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    const char *p = s + 10;
    if (date_only)
        *date_only = *p != 'T';
    if (*p == 'T') {
        if (sscanf(p, "T%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3 || n != 9)
            return -1;
        p += 9;
        if (*p == '.') {
            p++;
            if (*p < '0' || *p > '9')
                return -1;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 14 || om > 59)
                return -1;
            p += 6;
        } else {
            return -1;
        }
    }
    if (*p || y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
    return 0;
}

/* Key part i of a membership/registration record (a JSON array) into buf. */
static bool record_part(const char *record, int i, char *buf, size_t cap)
{
    json_object *a = json_tokener_parse(record), *e;
    bool ok = a && json_object_is_type(a, json_type_array) &&
              (e = json_object_array_get_idx(a, (size_t)i)) != NULL &&
              json_object_is_type(e, json_type_string) &&
              (size_t)snprintf(buf, cap, "%s", json_object_get_string(e)) < cap;
    json_object_put(a);
    return ok;
}

/* The resource id of row r under map m into buf; false when malformed. */
static bool resource_id(const hmap *m, const vw_change_row *r, char *buf, size_t cap)
{
    char p[220], nid[220];
    if (strcmp(r->kind, "provider") == 0 || strcmp(r->kind, "network") == 0)
        return (size_t)snprintf(buf, cap, "%s%s", m->prefix, r->record) < cap;
    if (!record_part(r->record, 0, p, sizeof p))
        return false;
    if (strcmp(r->kind, "registration") == 0)
        return (size_t)snprintf(buf, cap, "%s%s", m->prefix, p) < cap;
    return record_part(r->record, 1, nid, sizeof nid) &&
           (size_t)snprintf(buf, cap, "%s%s-net-%s", m->prefix, p, nid) < cap;
}

static json_object *entry(const hist *h, const hmap *m, const char *rid, const vw_change_row *r)
{
    char url[700], etag[40];
    bool del = strcmp(r->op, "delete") == 0, cre = strcmp(r->op, "create") == 0;
    json_object *e = json_object_new_object(), *rq = json_object_new_object(),
                *rs = json_object_new_object();
    const char *base = h->o->server_base ? h->o->server_base : vw_fhir_base(h->o);
    snprintf(url, sizeof url, "%s/%s/%s", base, m->type, rid);
    json_object_object_add(e, "fullUrl", json_object_new_string(url));
    /* A new registration updates an existing Practitioner. */
    bool post = cre && strcmp(r->kind, "registration") != 0;
    json_object_object_add(rq, "method",
                           json_object_new_string(del ? "DELETE" : post ? "POST" : "PUT"));
    snprintf(url, sizeof url, "%s/%s", m->type, rid);
    json_object_object_add(rq, "url", json_object_new_string(url));
    json_object_object_add(e, "request", rq);
    json_object_object_add(rs, "status",
                           json_object_new_string(del ? "204" : post ? "201" : "200"));
    json_object_object_add(rs, "lastModified", json_object_new_string(r->at ? r->at : ""));
    snprintf(etag, sizeof etag, "W/\"%lld\"", (long long)r->version);
    json_object_object_add(rs, "etag", json_object_new_string(etag));
    json_object_object_add(e, "response", rs);
    return e;
}

/* The entries of one row (in map order), or stop when the page is full. */
static int on_row(void *ud, const vw_change_row *r)
{
    hist *h = ud;
    json_object *es[NMAPS];
    size_t k = 0;
    int64_t at;
    if (r->seq <= h->after)
        return 0;
    if (h->n >= h->count) {
        h->full = true;
        return 1;
    }
    if (h->since == INT64_MIN || (r->at && vw_fhir_parse_instant(r->at, &at, NULL) == 0 && at >= h->since)) {
        for (size_t i = 0; i < NMAPS; i++) {
            char rid[480];
            if (strcmp(maps[i].kind, r->kind) ||
                (h->type && strcmp(maps[i].type, h->type)) ||
                !resource_id(&maps[i], r, rid, sizeof rid) || (h->id && strcmp(rid, h->id)))
                continue;
            if ((es[k] = entry(h, &maps[i], rid, r)) == NULL) {
                h->failed = true;
                return 1;
            }
            k++;
        }
    }
    for (size_t i = 0; i < k; i++)
        json_object_array_add(h->entries, es[i]);
    h->n += (uint32_t)k;
    h->last = r->seq;
    return 0;
}

static bool known_type(const char *t)
{
    for (size_t i = 0; i < NMAPS; i++)
        if (strcmp(maps[i].type, t) == 0)
            return true;
    return false;
}

static int parse_uint(const char *v, int64_t max, int64_t *out)
{
    char *end;
    if (*v < '0' || *v > '9' || strlen(v) > 19)
        return -1;
    long long x = strtoll(v, &end, 10);
    if (*end || x > max)
        return -1;
    *out = x;
    return 0;
}

static void add_link(json_object *links, const hist *h, const char *rel, const char *since,
                     int64_t cursor)
{
    char url[900];
    const char *base = h->o->server_base ? h->o->server_base : vw_fhir_base(h->o);
    json_object *l = json_object_new_object();
    int n = snprintf(url, sizeof url, "%s%s%s%s%s/_history?_count=%u", base, h->type ? "/" : "",
                     h->type ? h->type : "", h->id ? "/" : "", h->id ? h->id : "", h->count);
    if (since && n > 0 && (size_t)n < sizeof url)
        n += snprintf(url + n, sizeof url - (size_t)n, "&_since=%s", since);
    if (cursor > 0 && n > 0 && (size_t)n < sizeof url)
        snprintf(url + n, sizeof url - (size_t)n, "&_cursor=%lld", (long long)cursor);
    json_object_object_add(l, "relation", json_object_new_string(rel));
    json_object_object_add(l, "url", json_object_new_string(url));
    json_object_array_add(links, l);
}

/* Whether the since value may go into a link unescaped (an instant's
 * characters, '+' excepted: it would read as a space). */
static bool link_safe(const char *s)
{
    return strspn(s, "0123456789-T:.Z") == strlen(s);
}

/* The change_log record behind an instance: Organization/net-N -> network N
 * (with its memberships), role-P-net-N -> membership ["P","N"], any other
 * provider resource -> provider P. false when the id has none of our
 * prefixes. */
static bool instance_record(const char *type, const char *id, char kind[16], char *rec,
                            size_t cap)
{
    for (size_t i = 0; i < NMAPS; i++) {
        size_t pl = strlen(maps[i].prefix);
        if (strcmp(maps[i].type, type) || strncmp(id, maps[i].prefix, pl) || !id[pl] ||
            strcmp(maps[i].kind, "membership") == 0 || strcmp(maps[i].kind, "registration") == 0)
            continue;
        const char *r = id + pl, *dash = strstr(r, "-net-");
        if (strcmp(type, "PractitionerRole") == 0 && dash) {
            json_object *a = json_object_new_array();
            json_object_array_add(a, json_object_new_string_len(r, (int)(dash - r)));
            json_object_array_add(a, json_object_new_string(dash + 5));
            int n = snprintf(rec, cap, "%s", json_object_to_json_string_ext(
                                                 a, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
            json_object_put(a);
            snprintf(kind, 16, "membership");
            return n > 0 && (size_t)n < cap;
        }
        snprintf(kind, 16, "%s", maps[i].kind);
        return (size_t)snprintf(rec, cap, "%s", r) < cap;
    }
    return false;
}

int vw_fhir_history(const vw_fhir_opts *o, const vw_fhir_history_src *src, const char *type,
                    const char *id, const vw_fhir_param *params, size_t np, json_object **out,
                    vw_err *err)
{
    hist h = {.o = o, .type = type, .id = id, .since = INT64_MIN,
              .count = VW_FHIR_HISTORY_DEFAULT_COUNT};
    const char *since = NULL;
    int64_t cursor = 0, v;
    bool more = false;
    *out = NULL;
    if (type && !known_type(type))
        return vw_err_set(err, VW_E_NOT_FOUND, "no history of FHIR resource type %.40s", type);
    if (id && strlen(id) > 200)
        return vw_err_set(err, VW_E_BAD_REQUEST, "id over 200 bytes");
    /* as a read: the id lands in the answer's links, which must be UTF-8 */
    if (id && vw_utf8_bad(id, strlen(id)) != strlen(id))
        return vw_err_set(err, VW_E_BAD_REQUEST, "the id must be UTF-8");
    for (size_t i = 0; i < np; i++) {
        const char *k = params[i].name, *val = params[i].value ? params[i].value : "";
        if (strcmp(k, "_since") == 0) {
            if (vw_fhir_parse_instant(val, &h.since, NULL) != 0)
                return vw_err_set(err, VW_E_BAD_REQUEST,
                                  "_since: not a FHIR instant (YYYY-MM-DDThh:mm:ssZ): %.60s", val);
            since = val;
        } else if (strcmp(k, "_count") == 0) {
            if (parse_uint(val, VW_FHIR_HISTORY_MAX_COUNT, &v) != 0 || v < 1)
                return vw_err_set(err, VW_E_BAD_REQUEST, "_count: 1..%u, not %.40s",
                                  VW_FHIR_HISTORY_MAX_COUNT, val);
            h.count = (uint32_t)v;
        } else if (strcmp(k, "_cursor") == 0) {
            if (parse_uint(val, INT64_MAX, &cursor) != 0)
                return vw_err_set(err, VW_E_BAD_REQUEST, "_cursor: a number from a next link");
        } else {
            return vw_err_set(err, VW_E_BAD_REQUEST, "_history takes _since, _count and "
                                                     "_cursor, not %.60s", k);
        }
    }
    if (since && !link_safe(since))
        return vw_err_set(err, VW_E_BAD_REQUEST, "_since: write the instant in UTC (Z)");
    json_object *b = vw_fhir_bundle_shell(o, "history", "history");
    json_object *links = json_object_new_array();
    h.entries = json_object_new_array();
    h.last = h.after = cursor;
    int rc;
    if (id && type) {
        /* one record: its whole history (small) */
        char rec[480], kind[16];
        rc = instance_record(type, id, kind, rec, sizeof rec)
                 ? src->record(src->ud, kind, rec, on_row, &h, err)
                 : vw_err_set(err, VW_E_NOT_FOUND, "no such resource");
        more = h.full;
    } else {
        rc = src->feed(src->ud, cursor, SCAN_MAX, on_row, &h, &more, err);
        more = more || h.full;
    }
    if (rc != 0 || h.failed || b == NULL || links == NULL || h.entries == NULL) {
        json_object_put(b);
        json_object_put(links);
        json_object_put(h.entries);
        if (rc == 0)
            vw_err_set(err, VW_E_INTERNAL, "out of memory building the history");
        return -1;
    }
    add_link(links, &h, "self", since, cursor);
    if (more)
        add_link(links, &h, "next", since, h.last);
    json_object_object_add(b, "link", links);
    json_object_object_add(b, "entry", h.entries);
    *out = b;
    return 0;
}
