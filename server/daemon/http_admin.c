/* http_admin.c -- the HTTP admin listener (see http_admin.h, docs/HTTP.md
 * "Admin routes").
 *
 * One thread with its own event_base and evhttp on admin_http_listen, so no
 * admin work ever runs on a query HTTP thread. A route becomes the msgpack
 * request of the same op-table row (`apply`, `changes`, `history`) and
 * vw_ops_handle answers it with the admin context of the msgpack admin
 * path, so argument checks, authorisation and error codes are the msgpack
 * ones; the error code's HTTP status comes from proto/vw_err.h.
 *
 * Authentication: `Authorization: Bearer SECRET` or `Basic base64(NAME:SECRET)`,
 * checked by vw_creds_authenticate (creds.h) once per distinct header on a
 * connection. No or bad credentials: 401 with WWW-Authenticate; after
 * VW_HA_MAX_FAILS failures on one connection it is closed.
 *
 * Bounds: request head http_max_header, body admin_http_max_body (larger:
 * 413), http_timeout per request. JSON bodies are parsed by json-c with a
 * depth limit and converted to msgpack (json_to_mp); the change objects are
 * then checked by the change parser of the msgpack `apply`. */
#include "http_admin.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "creds.h"
#include "http.h"
#include "log.h"
#include "proto/hostport.h"
#include "proto/msg.h"
#include "proto/version.h"
#include "server/ops/http.h"
#include "server/ops/http_admin.h"
#include "server/ops/qstring.h"
#include "vwtime.h"

#define VW_HA_MAX_FAILS 5   /* failed authentications before a connection is closed */

struct vw_http_admin {
    vw_server *srv;
    struct event_base *base;
    struct evhttp *http;
    pthread_t thread;
    bool started;
    msgpack_zone zone;
    msgpack_sbuffer req, resp; /* the request built, the response frame */
    struct ha_conn *conns;     /* VW_HA_MAX_CONNS, owned */
};

typedef struct out_sink {
    struct evbuffer *buf;
} out_sink;

static int sink_write(void *ctx, const char *p, size_t n)
{
    return evbuffer_add(((out_sink *)ctx)->buf, p, n) == 0 ? 0 : -1;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

/* Every answer says its length, and a HEAD answer is the GET one without
 * its body (evhttp would send the body and no Content-Length, which
 * desynchronises a keep-alive connection). */
static void admin_send(struct evhttp_request *req, int status)
{
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    struct evbuffer *body = evhttp_request_get_output_buffer(req);
    char len[24];
    snprintf(len, sizeof len, "%zu", evbuffer_get_length(body));
    evhttp_remove_header(oh, "Content-Length");
    evhttp_add_header(oh, "Content-Length", len);
    if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
        evbuffer_drain(body, evbuffer_get_length(body));
    evhttp_send_reply(req, status, reason(status), NULL);
}

static void send_json(struct evhttp_request *req, int status)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    admin_send(req, status);
}

static void send_error(struct evhttp_request *req, int status, const char *code, const char *msg)
{
    struct evbuffer *b = evhttp_request_get_output_buffer(req);
    out_sink s = {b};
    evbuffer_drain(b, evbuffer_get_length(b));
    vw_http_error_json(code, msg, sink_write, &s);
    evbuffer_add(b, "\n", 1);
    send_json(req, status);
}

/* ---- authentication ------------------------------------------------------ */

/* The connections that sent a request (evhttp 2.1 has neither a
 * connection cap nor per-connection user data): at most
 * admin_max_connections (<= VW_HA_MAX_CONNS) at a time, each with its
 * failed authentications. Only the admin thread touches it. */
#define VW_HA_MAX_CONNS 64
typedef struct ha_conn {
    const struct evhttp_connection *evcon; /* NULL: free */
    int fails;
    unsigned char auth_key[32];  /* SHA-256 of the Authorization header that gave cred */
    const vw_credential *cred;   /* borrowed from srv->creds; NULL: none yet */
} ha_conn;

/* The slot of `evcon` (taken on its first request), NULL when the budget is
 * used up. */
static ha_conn *conn_slot(vw_http_admin *h, struct evhttp_connection *evcon, void (*closecb)(
                                                   struct evhttp_connection *, void *))
{
    int cap = h->srv->cfg->admin_max_connections;
    ha_conn *free_slot = NULL;
    if (cap > VW_HA_MAX_CONNS)
        cap = VW_HA_MAX_CONNS;
    for (int i = 0; i < cap; i++) {
        if (h->conns[i].evcon == evcon)
            return &h->conns[i];
        if (free_slot == NULL && h->conns[i].evcon == NULL)
            free_slot = &h->conns[i];
    }
    if (free_slot) {
        free_slot->evcon = evcon;
        free_slot->fails = 0;
        free_slot->cred = NULL;
        evhttp_connection_set_closecb(evcon, closecb, h);
    }
    return free_slot;
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
    vw_http_admin *h = arg;
    for (int i = 0; i < VW_HA_MAX_CONNS; i++)
        if (h->conns[i].evcon == evcon)
            h->conns[i].evcon = NULL;
}

/* The credential an Authorization header names, or NULL: "Bearer AUTH" or
 * "Basic base64(AUTH)", AUTH being NAME:SECRET or the legacy admin token,
 * checked by vw_creds_authenticate (for Basic with the token as password,
 * the part after the ':' is tried too). Verified once per distinct header
 * on a connection (the slow hash): `c` caches its SHA-256. */
static const vw_credential *http_admin_auth(vw_server *srv, ha_conn *c, const char *hdr)
{
    char secret[VW_CREDS_SECRET_MAX + 4];
    size_t len = 0;
    unsigned char key[32];
    bool basic = false;
    if (hdr == NULL)
        return NULL;
    if (SHA256((const unsigned char *)hdr, strlen(hdr), key) == NULL)
        return NULL;
    if (c->cred && CRYPTO_memcmp(key, c->auth_key, sizeof key) == 0)
        return c->cred;
    if (strncasecmp(hdr, "Bearer ", 7) == 0) {
        len = strlen(hdr + 7);
        if (len >= sizeof secret)
            return NULL;
        memcpy(secret, hdr + 7, len);
    } else if (strncasecmp(hdr, "Basic ", 6) == 0) {
        size_t in = strlen(hdr + 6);
        if (in == 0 || in % 4 != 0 || in / 4 * 3 >= sizeof secret)
            return NULL;
        int n = EVP_DecodeBlock((unsigned char *)secret, (const unsigned char *)hdr + 6, (int)in);
        if (n < 0)
            return NULL;
        len = (size_t)n; /* EVP_DecodeBlock counts the padding as zero bytes */
        for (size_t i = in; i > in - 2 && hdr[6 + i - 1] == '=' && len > 0; i--)
            len--;
        basic = true;
    } else {
        return NULL;
    }
    secret[len] = '\0';
    const vw_credential *cred = vw_creds_authenticate(srv->creds, secret, len);
    const char *colon = memchr(secret, ':', len);
    if (cred == NULL && basic && colon)
        cred = vw_creds_authenticate(srv->creds, colon + 1, len - (size_t)(colon + 1 - secret));
    OPENSSL_cleanse(secret, sizeof secret);
    if (cred) {
        memcpy(c->auth_key, key, sizeof key);
        c->cred = cred;
    }
    return cred;
}

/* ---- ops ------------------------------------------------------------------ */

/* An apply of one change answers with the record's new version: ETag "N". */
static void set_etag(struct evhttp_request *req, const msgpack_object *result)
{
    if (result == NULL || result->type != MSGPACK_OBJECT_MAP)
        return;
    for (uint32_t i = 0; i < result->via.map.size; i++) {
        const msgpack_object_kv *kv = &result->via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size != 8 ||
            memcmp(kv->key.via.str.ptr, "versions", 8) != 0)
            continue;
        const msgpack_object *v = &kv->val;
        if (v->type == MSGPACK_OBJECT_ARRAY && v->via.array.size == 1 &&
            v->via.array.ptr[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
            char tag[32];
            snprintf(tag, sizeof tag, "\"%llu\"",
                     (unsigned long long)v->via.array.ptr[0].via.u64);
            evhttp_add_header(evhttp_request_get_output_headers(req), "ETag", tag);
        }
    }
}

/* Runs the request in h->req as `cred` and writes its JSON answer. */
static void run(vw_http_admin *h, struct evhttp_request *req, const vw_credential *cred)
{
    vw_server *srv = h->srv;
    const vw_config *cfg = srv->cfg;
    vw_ops_server_info info;
    vw_ops_admin admin = srv->admin_tmpl;
    char logline[256];
    int status;
    admin.cred = cred;
    admin.token = NULL;        /* authenticated above, from the Authorization header */
    admin.authenticate = NULL;
    vw_snapshot *snap = vw_snapholder_acquire(srv->snaps, &info);
    info.version = VW_VERSION;
    info.started_at = srv->started_at;
    info.workers = srv->n_workers;
    vw_ops_ctx ctx = {.snap = snap, .tm = &cfg->travel, .lim = &cfg->limits,
                      .stats = &srv->stats, .info = &info, .zone = &h->zone,
                      .today = vw_date_today(), .problems = srv->problems,
                      .refer_cfg = &cfg->refer, .proto = VW_PROTO_HTTP, .admin = &admin};
    h->resp.size = 0;
    vw_ops_handle(&ctx, (const uint8_t *)h->req.data, h->req.size, &h->resp, logline,
                  sizeof logline);
    if (snap)
        vw_snapshot_release(snap);
    vw_log(VW_LOG_INFO, "http-admin %s (credential %s)", logline, cred->name);
    if (admin.refused)
        vw_log(VW_LOG_WARN, "http-admin refused (credential %s): %s", cred->name, admin.refusal);
    struct evbuffer *b = evhttp_request_get_output_buffer(req);
    out_sink s = {b};
    const msgpack_object *result;
    if (vw_http_answer((const uint8_t *)h->resp.data + 4, h->resp.size - 4, &h->zone, &result,
                       sink_write, &s, &status) != 0 ||
        (result && vw_mpjson_write(result, false, sink_write, &s) != 0)) {
        send_error(req, 500, VW_E_INTERNAL, "response could not be rendered");
        return;
    }
    set_etag(req, result);
    evbuffer_add(b, "\n", 1);
    send_json(req, status);
}

static void apply_list(vw_http_admin *h, struct evhttp_request *req, const vw_credential *cred,
                       struct json_object *list);

static void route_apply(vw_http_admin *h, struct evhttp_request *req, const vw_credential *cred)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
    const char *why;
    struct json_object *list = vw_hadmin_parse_changes(body, len, &why);
    if (list == NULL) {
        send_error(req, 400, VW_E_BAD_REQUEST, why);
        return;
    }
    apply_list(h, req, cred, list);
}

/* Applies the change objects of `list` (consumed). */
static void apply_list(vw_http_admin *h, struct evhttp_request *req, const vw_credential *cred,
                       struct json_object *list)
{
    h->req.size = 0;
    vw_hadmin_pack_apply(&h->req, list);
    json_object_put(list);
    run(h, req, cred);
}

/* GET /v1/admin/history/KIND/ID[/ID2[/ID3]] */
static void route_history(vw_http_admin *h, struct evhttp_request *req, const char *rest,
                          const vw_credential *cred)
{
    char kind[32], parts[3][VW_HADMIN_ID_MAX + 1];
    int n = 0;
    vw_err err;
    const char *slash = strchr(rest, '/');
    if (slash == NULL || (size_t)(slash - rest) >= sizeof kind) {
        send_error(req, 400, VW_E_BAD_REQUEST, "use /v1/admin/history/KIND/ID");
        return;
    }
    memcpy(kind, rest, (size_t)(slash - rest));
    kind[slash - rest] = '\0';
    rest = slash + 1;
    while (rest && n < 3)
        if (vw_hadmin_next_id(&rest, parts[n++], &err) != 0) {
            send_error(req, 400, err.code, err.message);
            return;
        }
    if (rest) {
        send_error(req, 400, VW_E_BAD_REQUEST, "a key has at most 3 parts");
        return;
    }
    msgpack_packer pk;
    h->req.size = 0;
    vw_hadmin_begin(&pk, &h->req, "history", 2);
    vw_pack_kv_str(&pk, "kind", kind);
    vw_pack_cstr(&pk, "id");
    msgpack_pack_array(&pk, (size_t)n);
    for (int i = 0; i < n; i++)
        vw_pack_cstr(&pk, parts[i]);
    run(h, req, cred);
}

/* PUT/DELETE /v1/admin/providers/ID, /v1/admin/networks/ID and
 * /v1/admin/networks/ID/members/PROVIDER: one change through `apply`.
 * PUT's body is the record's fields (the change's "set"); it updates the
 * record the snapshot has (or when If-Match names a version), else creates. */
static void route_record(vw_http_admin *h, struct evhttp_request *req, const char *kind,
                         const char *rest, const vw_credential *cred)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    char id[VW_HADMIN_ID_MAX + 1], member[VW_HADMIN_ID_MAX + 1];
    bool membership = false;
    vw_err err;
    if (vw_hadmin_next_id(&rest, id, &err) != 0) {
        send_error(req, 400, err.code, err.message);
        return;
    }
    if (rest && strcmp(kind, "network") == 0 && strncmp(rest, "members/", 8) == 0) {
        rest += 8;
        if (vw_hadmin_next_id(&rest, member, &err) != 0) {
            send_error(req, 400, err.code, err.message);
            return;
        }
        membership = true;
    }
    if (rest) {
        send_error(req, 404, VW_E_UNKNOWN_OP, "no such route; see docs/HTTP.md \"Admin routes\"");
        return;
    }
    if (m != EVHTTP_REQ_PUT && m != EVHTTP_REQ_DELETE) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "PUT, DELETE");
        send_error(req, 405, VW_E_BAD_REQUEST, "use PUT or DELETE");
        return;
    }
    long long version = vw_hadmin_if_match(
        evhttp_find_header(evhttp_request_get_input_headers(req), "If-Match"));
    if (version < 0) {
        send_error(req, 400, VW_E_BAD_REQUEST, "If-Match must be a record version: \"N\"");
        return;
    }
    struct json_object *ch = json_object_new_object(), *set = NULL;
    const char *op = "delete";
    if (m == EVHTTP_REQ_PUT && !membership) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in);
        struct json_tokener *tok = json_tokener_new_ex(VW_HADMIN_JSON_DEPTH);
        if (tok && len > 0)
            set = json_tokener_parse_ex(tok, (const char *)evbuffer_pullup(in, -1), (int)len);
        bool whole = tok && set && json_tokener_get_parse_end(tok) == len;
        json_tokener_free(tok);
        if (!whole || !json_object_is_type(set, json_type_object)) {
            json_object_put(set);
            json_object_put(ch);
            send_error(req, 400, VW_E_BAD_REQUEST, "the body must be one JSON object: the "
                       "record's fields");
            return;
        }
        vw_snapshot *snap = vw_snapholder_acquire(h->srv->snaps, NULL);
        bool exists = snap && (strcmp(kind, "provider") == 0
                                   ? vw_snapshot_find_provider(snap, id, strlen(id)) >= 0
                                   : vw_snapshot_find_network(snap, id, strlen(id)) >= 0);
        if (snap)
            vw_snapshot_release(snap);
        op = version > 0 || exists ? "update" : "create";
    } else if (m == EVHTTP_REQ_PUT) {
        op = "create";
    }
    json_object_object_add(ch, "op", json_object_new_string(op));
    json_object_object_add(ch, "kind", json_object_new_string(membership ? "membership" : kind));
    if (membership) {
        struct json_object *key = json_object_new_array();
        json_object_array_add(key, json_object_new_string(member));
        json_object_array_add(key, json_object_new_string(id));
        json_object_object_add(ch, "id", key);
    } else {
        json_object_object_add(ch, "id", json_object_new_string(id));
    }
    if (version > 0)
        json_object_object_add(ch, "version", json_object_new_int64(version));
    if (set)
        json_object_object_add(ch, "set", set);
    struct json_object *list = json_object_new_array();
    json_object_array_add(list, ch);
    apply_list(h, req, cred, list);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    vw_http_admin *h = arg;
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct evkeyvalq *ih = evhttp_request_get_input_headers(req);

    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    ha_conn *c = conn_slot(h, evcon, on_close);
    if (c == NULL) {
        evhttp_add_header(oh, "Connection", "close");
        send_error(req, 503, VW_E_OVERLOADED,
                   "too many admin connections (admin_max_connections); try again later");
        return;
    }
    const vw_credential *cred =
        http_admin_auth(h->srv, c, evhttp_find_header(ih, "Authorization"));
    if (cred == NULL) {
        evhttp_add_header(oh, "WWW-Authenticate", "Bearer realm=\"verwijsd admin\"");
        evhttp_add_header(oh, "WWW-Authenticate", "Basic realm=\"verwijsd admin\"");
        if (++c->fails >= VW_HA_MAX_FAILS)
            evhttp_add_header(oh, "Connection", "close");
        vw_log(VW_LOG_WARN, "http-admin: request without valid credentials (%d on this "
               "connection)", c->fails);
        send_error(req, 401, VW_E_FORBIDDEN,
                   "credentials required: Authorization: Bearer SECRET or Basic NAME:SECRET");
        return;
    }
    if (path == NULL || strncmp(path, "/v1/admin/", 10) != 0) {
        send_error(req, 404, VW_E_UNKNOWN_OP, "no such route; see docs/HTTP.md \"Admin routes\"");
        return;
    }
    const char *r = path + 10;
    if (strcmp(r, "apply") == 0) {
        if (m != EVHTTP_REQ_POST) {
            evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
            send_error(req, 405, VW_E_BAD_REQUEST, "use POST");
            return;
        }
        route_apply(h, req, cred);
        return;
    }
    if (m != EVHTTP_REQ_GET && (strcmp(r, "changes") == 0 || strncmp(r, "history/", 8) == 0)) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
        send_error(req, 405, VW_E_BAD_REQUEST, "use GET");
        return;
    }
    if (strcmp(r, "changes") == 0) {
        vw_err err;
        h->req.size = 0;
        if (vw_http_build_request(&h->req, "changes", NULL, query, h->srv->cfg->http_max_params,
                                  &err) != 0) {
            send_error(req, vw_http_status(err.code), err.code, err.message);
            return;
        }
        run(h, req, cred);
        return;
    }
    if (strncmp(r, "history/", 8) == 0) {
        route_history(h, req, r + 8, cred);
        return;
    }
    if (strncmp(r, "providers/", 10) == 0) {
        route_record(h, req, "provider", r + 10, cred);
        return;
    }
    if (strncmp(r, "networks/", 9) == 0) {
        route_record(h, req, "network", r + 9, cred);
        return;
    }
    send_error(req, 404, VW_E_UNKNOWN_OP, "no such route; see docs/HTTP.md \"Admin routes\"");
}

/* ---- the thread ------------------------------------------------------------ */

static void *ha_main(void *arg)
{
    vw_http_admin *h = arg;
    event_base_dispatch(h->base);
    return NULL;
}

vw_http_admin *vw_http_admin_new(vw_server *srv, vw_err *err)
{
    const vw_config *cfg = srv->cfg;
    char host[256], port[32];
    vw_err why;
    vw_http_admin *h = calloc(1, sizeof *h);
    if (h == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        return NULL;
    }
    h->srv = srv;
    h->conns = calloc(VW_HA_MAX_CONNS, sizeof *h->conns);
    msgpack_zone_init(&h->zone, 8192);
    msgpack_sbuffer_init(&h->req);
    msgpack_sbuffer_init(&h->resp);
    if (vw_hostport_split(cfg->admin_http_listen, host, sizeof host, port, sizeof port, &why) !=
        0) {
        vw_err_set(err, VW_E_BAD_REQUEST, "admin_http_listen: %s", why.message);
        goto fail;
    }
    char *end;
    long pn = strtol(port, &end, 10);
    if (*end || pn < 0 || pn > 65535) {
        vw_err_set(err, VW_E_BAD_REQUEST, "admin_http_listen: bad port '%s'", port);
        goto fail;
    }
    h->base = event_base_new();
    h->http = h->base ? evhttp_new(h->base) : NULL;
    if (h->http == NULL || h->conns == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "cannot create the HTTP admin listener");
        goto fail;
    }
    struct timeval tv = vw_time_tv(cfg->http_timeout);
    evhttp_set_gencb(h->http, on_request, h);
    evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_PATCH);
    evhttp_set_max_headers_size(h->http, (ev_ssize_t)cfg->http_max_header);
    evhttp_set_max_body_size(h->http, (ev_ssize_t)cfg->admin_http_max_body);
    evhttp_set_timeout_tv(h->http, &tv);
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(h->http, host,
                                                                    (ev_uint16_t)pn);
    if (bs == NULL) {
        vw_err_set(err, VW_E_CONNECT, "cannot listen (HTTP admin) on %s", cfg->admin_http_listen);
        goto fail;
    }
    if (vw_write_port_file(cfg->admin_http_port_file, evhttp_bound_socket_get_fd(bs),
                           "HTTP admin", err) != 0)
        goto fail;
    if (pthread_create(&h->thread, NULL, ha_main, h) != 0) {
        vw_err_set(err, VW_E_INTERNAL, "cannot start the HTTP admin thread");
        goto fail;
    }
    h->started = true;
    return h;
fail:
    vw_http_admin_free(h);
    return NULL;
}

void vw_http_admin_stop(vw_http_admin *h)
{
    if (h == NULL || !h->started)
        return;
    event_base_loopexit(h->base, NULL);
    pthread_join(h->thread, NULL);
    h->started = false;
}

void vw_http_admin_free(vw_http_admin *h)
{
    if (h == NULL)
        return;
    vw_http_admin_stop(h);
    if (h->http)
        evhttp_free(h->http);
    if (h->base)
        event_base_free(h->base);
    msgpack_zone_destroy(&h->zone);
    msgpack_sbuffer_destroy(&h->req);
    msgpack_sbuffer_destroy(&h->resp);
    free(h->conns);
    free(h);
}
