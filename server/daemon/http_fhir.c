/* http_fhir.c -- the FHIR routes of the HTTP gateway (see http_fhir.h):
 * URL -> vw_fhir_read / vw_fhir_search / vw_fhir_capabilities -> JSON, every
 * input bounded (path segments, parameter count, output size). */
#include "http_fhir.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/vocab.h"
#include "server/fhir/fhir.h"
#include "server/ops/qstring.h"
#include "server/store/changes.h"

/* A Host header we are willing to echo into fullUrls. */
static bool host_ok(const char *h)
{
    size_t n = h ? strlen(h) : 0;
    if (n == 0 || n > 100)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
              (h[i] >= '0' && h[i] <= '9') || strchr(".-:[]", h[i])))
            return false;
    return true;
}

static bool type_ok(const char *t, size_t n)
{
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z')))
            return false;
    return true;
}

/* The search parameters of the query string (vw_query_new, at most
 * max_params capped at VW_FHIR_MAX_PARAMS) into params, pointing into q;
 * _format checked and dropped. */
static int search_params(const vw_query *q, vw_fhir_param *params, size_t *n, vw_err *err)
{
    *n = 0;
    for (size_t i = 0; i < vw_query_count(q); i++) {
        const char *k = vw_query_name(q, i), *v = vw_query_value(q, i);
        if (strcmp(k, "_format") == 0) {
            if (strcmp(v, "json") && strcmp(v, "application/fhir+json") &&
                strcmp(v, "application/json"))
                return vw_err_set(err, VW_E_BAD_REQUEST, "_format: only JSON is served");
            continue;
        }
        params[*n].name = k;
        params[*n].value = v;
        (*n)++;
    }
    return 0;
}

/* ---- _history: the change log from a read-only store connection, opened
 * per request (a bounded read: at most one page of rows) ---------------- */

static int hist_feed(void *ud, int64_t after, uint32_t limit, vw_fhir_row_fn cb, void *cbud,
                     bool *more, vw_err *err)
{
    int64_t next;
    return vw_store_changes(ud, after, limit, cb, cbud, &next, more, err);
}

static int hist_record(void *ud, const char *kind, const char *record, vw_fhir_row_fn cb,
                       void *cbud, vw_err *err)
{
    return vw_store_history(ud, kind, record, cb, cbud, err);
}

static int history(const char *db, const vw_fhir_opts *o, const char *type, const char *id,
                   const vw_query *q, json_object **res, vw_err *err)
{
    vw_fhir_param params[VW_FHIR_MAX_PARAMS];
    size_t n = 0;
    vw_store *st = NULL;
    if (search_params(q, params, &n, err) != 0)
        return -1;
    if (db == NULL || vw_store_open(db, VW_STORE_READONLY, &st, err) != 0)
        return vw_err_set(err, VW_E_UNAVAILABLE, "the change log cannot be read");
    vw_fhir_history_src src = {.feed = hist_feed, .record = hist_record, .ud = st};
    int rc = vw_fhir_history(o, &src, type, id, params, n, res, err);
    vw_store_close(st);
    return rc;
}

/* "_history", "T/_history" or "T/ID/_history": 1 (type/id filled, "" when
 * absent), 0 not a history path, -1 bad (err). */
static int history_path(const char *rest, char type[48], char id[201], vw_err *err)
{
    size_t n = strlen(rest), hl = strlen("_history");
    type[0] = id[0] = '\0';
    if (strcmp(rest, "_history") == 0)
        return 1;
    if (n <= hl + 1 || strcmp(rest + n - hl, "_history") || rest[n - hl - 1] != '/')
        return 0;
    const char *slash = strchr(rest, '/');
    size_t tl = (size_t)(slash - rest);
    if (!type_ok(rest, tl))
        return vw_err_set(err, VW_E_NOT_FOUND, "no such FHIR resource type");
    memcpy(type, rest, tl);
    type[tl] = '\0';
    if (slash + 1 == rest + n - hl)
        return 1;
    char enc[404];
    size_t il = (size_t)(rest + n - hl - 1 - (slash + 1));
    if (il >= sizeof enc)
        return vw_err_set(err, VW_E_BAD_REQUEST, "id over 200 bytes");
    memcpy(enc, slash + 1, il);
    enc[il] = '\0';
    return vw_path_id_decode(enc, 200, id, err) == 0 ? 1 : -1;
}

static int answer(const vw_snapshot *snap, const char *db, const vw_fhir_opts *o,
                  const char *rest, const char *query, uint32_t max_params, json_object **res,
                  vw_err *err)
{
    vw_fhir_param params[VW_FHIR_MAX_PARAMS];
    size_t n = 0;
    int rc;
    const char *slash = strchr(rest, '/');
    size_t tl = slash ? (size_t)(slash - rest) : strlen(rest);
    char type[48];
    if (strcmp(rest, "metadata") == 0) {
        *res = vw_fhir_capabilities(o);
        return 0;
    }
    char hid[201];
    int hp = history_path(rest, type, hid, err);
    if (hp < 0)
        return -1;
    if (hp > 0) {
        vw_query *hq = vw_query_new(query, max_params < VW_FHIR_MAX_PARAMS ? max_params
                                                                           : VW_FHIR_MAX_PARAMS,
                                    err);
        if (hq == NULL)
            return -1;
        rc = history(db, o, type[0] ? type : NULL, hid[0] ? hid : NULL, hq, res, err);
        vw_query_free(hq);
        return rc;
    }
    if (!type_ok(rest, tl))
        return vw_err_set(err, VW_E_NOT_FOUND, "no such FHIR resource type");
    if (snap == NULL)
        return vw_err_set(err, VW_E_UNAVAILABLE, "no snapshot loaded yet");
    memcpy(type, rest, tl);
    type[tl] = '\0';
    if (slash) {
        char id[201];
        if (vw_path_id_decode(slash + 1, sizeof id - 1, id, err) != 0)
            return -1;
        return vw_fhir_read(snap, o, type, id, res, err);
    }
    vw_query *q = vw_query_new(query, max_params < VW_FHIR_MAX_PARAMS ? max_params
                                                                      : VW_FHIR_MAX_PARAMS,
                               err);
    if (q == NULL)
        return -1;
    rc = search_params(q, params, &n, err);
    if (rc == 0)
        rc = vw_fhir_search(snap, o, type, params, n, res, err);
    vw_query_free(q);
    return rc;
}

/* "http" or "https" from X-Forwarded-Proto, else "http" (the gateway itself
 * speaks plain HTTP; a TLS-terminating proxy in front says https). */
static const char *scheme_of(const char *fwd_proto)
{
    return fwd_proto && strcasecmp(fwd_proto, "https") == 0 ? "https" : "http";
}

int vw_http_fhir(const vw_snapshot *snap, const char *rest, const char *query, const char *host,
                 uint32_t max_params, size_t max_output, struct evbuffer *out)
{
    return vw_http_fhir_fwd(snap, NULL, rest, query, host, NULL, max_params, max_output, out,
                            NULL);
}

int vw_http_fhir_fwd(const vw_snapshot *snap, const char *db, const char *rest, const char *query,
                     const char *host, const char *fwd_proto, uint32_t max_params,
                     size_t max_output, struct evbuffer *out, vw_code *code)
{
    char base[160];
    vw_fhir_opts o = {.as_of = vw_date_today()};
    json_object *res = NULL;
    vw_err err;
    int status = 200;
    if (host_ok(host)) {
        snprintf(base, sizeof base, "%s://%s/fhir", scheme_of(fwd_proto), host);
        o.server_base = base;
    }
    if (answer(snap, db, &o, rest, query, max_params, &res, &err) != 0)
        res = vw_fhir_outcome(&err, &status);
    const char *txt = res ? json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN |
                                                                    JSON_C_TO_STRING_NOSLASHESCAPE)
                          : NULL;
    if (txt == NULL || strlen(txt) > max_output) {
        json_object_put(res);
        vw_err_set(&err, txt ? VW_E_TOO_LARGE : VW_E_INTERNAL,
                   txt ? "the answer exceeds http_max_output; ask for less (_count)"
                       : "out of memory");
        res = vw_fhir_outcome(&err, &status);
        txt = json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN);
    }
    evbuffer_add_printf(out, "%s\n", txt);
    json_object_put(res);
    if (code)
        *code = status == 200 ? VW_C_OK : vw_code_find(err.code);
    return status;
}
