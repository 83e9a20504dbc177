/* http.c -- the HTTP/JSON gateway (see http.h, docs/HTTP.md).
 *
 * Design: http_workers threads (default: as many as the msgpack workers),
 * each with its own event_base and evhttp, all accepting on one listening
 * socket (the kernel hands each connection to one of them). A request is
 * answered synchronously on its thread: the route and the query string become
 * a msgpack request (server/ops/http.c), vw_ops_handle answers it exactly as for a
 * socket client -- same code, same argument checks, same vw_limits -- and the
 * response frame is written out as JSON, bounded by http_max_output.
 *
 * Limits set on evhttp: request line + headers <= http_max_header (larger:
 * libevent answers 400 itself and closes), body <= http_max_body, read/write
 * and keep-alive idle timeout http_timeout. Every method reaches our callback
 * so that anything but GET/HEAD gets a JSON 405 (evhttp's own refusal would be
 * a 501 with an HTML body). Request URIs are never logged: they hold
 * postcodes; the debug line is the ops layer's privacy-safe summary. */
#include "http.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto/hostport.h"
#include "proto/version.h"
#include "proto/vocab.h"
#include "fds.h"
#include "http_fhir.h"
#include "http_negotiate.h"
#include "http_ui.h"
#include "log.h"
#include "server/ops/http.h"
#include "server/ops/optable.h"
#include "server/ops/jsoncache.h"
#include "server/ops/packcache.h"
#include "server/ops/qstring.h"
#include "vwtime.h"


/* One open connection of an HTTP thread (from adopt to its close callback). */
typedef struct hconn {
    struct hworker *w;
    struct evhttp_connection *evcon;
    struct event *deadline;   /* owned: the request being received must be complete by then */
    LIST_ENTRY(hconn) link;   /* in its worker's conns */
} hconn;

typedef struct hworker {
    int index;
    pthread_t thread;
    bool started;
    struct event_base *base;
    struct evhttp *http;
    vw_accept_guard *guard;   /* owned; freed before http (which frees the listener) */
    struct event *adopt;      /* counts the connections of `fresh` */
    struct bufferevent *fresh[64]; /* created by evhttp since the last adopt */
    int n_fresh;
    LIST_HEAD(, hconn) conns; /* this thread's open connections (owned, freed on close) */
    struct evhttp_bound_socket *bound; /* the accepting socket, NULL once draining */
    bool draining;            /* SIGTERM: no accepts, answers close their connection */
    struct event *drain_check; /* while draining: end the loop once conns is empty */
    msgpack_zone zone;
    msgpack_sbuffer req;   /* the msgpack request built from the URL */
    msgpack_sbuffer resp;  /* the response frame of vw_ops_handle */
    struct vw_packcache *packcache; /* packed provider parts; NULL: off */
    struct vw_jsoncache *jsoncache; /* rendered provider parts; NULL: off */
    vw_http *h;
} hworker;

struct vw_http {
    vw_http_env env;
    vw_http_stats stats;
    hworker *w;
    int n;
};

static const int statuses[VW_HTTP_STATUSES - 1] = {200, 400, 403, 404, 405, 413, 500, 501,
                                                   503, 504};

int vw_http_status_index(int status)
{
    for (int i = 0; i < VW_HTTP_STATUSES - 1; i++)
        if (statuses[i] == status)
            return i;
    return VW_HTTP_STATUSES - 1;
}

int vw_http_status_of_index(int index)
{
    return (index >= 0 && index < VW_HTTP_STATUSES - 1) ? statuses[index] : 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Internal Server Error";
    }
}

/* ---- replies -------------------------------------------------------------- */

typedef struct out_sink {
    struct evbuffer *buf;
    size_t n, max;
} out_sink;

static int sink_write(void *ctx, const char *p, size_t n)
{
    out_sink *s = ctx;
    if (s->n + n > s->max || (s->buf && evbuffer_add(s->buf, p, n) != 0)) /* buf NULL: counts */
        return -1;
    s->n += n;
    return 0;
}

/* The Date header's value (RFC 9110 5.6.7 IMF-fixdate) of the current
 * second, made by libevent's own formatter once per second per thread:
 * evhttp would run it (and its printf) for every answer (a few % of a match
 * answer's instructions). */
static const char *date_now(void)
{
    static _Thread_local time_t last = -1;
    static _Thread_local char text[50]; /* evhttp's own buffer size */
    time_t now = time(NULL);
    struct tm tm;
    if (now != last && gmtime_r(&now, &tm) != NULL &&
        evutil_date_rfc1123(text, sizeof text, &tm) > 0)
        last = now;
    return last == -1 ? NULL : text;
}

void vw_http_send_reply(struct evhttp_request *req, int status, const char *reason_phrase)
{
    /* Every answer says its length (HTTP/1.0 ones too), and a HEAD answer
     * is the GET one without its body: evhttp would send the body and no
     * Content-Length, which desynchronises a keep-alive connection. */
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    struct evbuffer *body = evhttp_request_get_output_buffer(req);
    char len[24];
    size_t v = evbuffer_get_length(body), l = 0;
    do { /* the digits of v, backwards, then turned */
        len[l++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && l < sizeof len - 1);
    for (size_t i = 0; i < l / 2; i++) {
        char c = len[i];
        len[i] = len[l - 1 - i];
        len[l - 1 - i] = c;
    }
    len[l] = '\0';
    const char *date = date_now();
    if (date != NULL && evhttp_find_header(oh, "Date") == NULL)
        evhttp_add_header(oh, "Date", date);
    evhttp_remove_header(oh, "Content-Length");
    if (status != 204 && status != 304) /* neither has a body nor a length of one */
        evhttp_add_header(oh, "Content-Length", len);
    if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
        evbuffer_drain(body, evbuffer_get_length(body));
    evhttp_send_reply(req, status, reason_phrase, NULL);
}

static void reply(hworker *w, struct evhttp_request *req, int status, const char *ctype)
{
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    if (w->draining && evhttp_find_header(oh, "Connection") == NULL)
        evhttp_add_header(oh, "Connection", "close"); /* shutting down: last answer */
    evhttp_add_header(oh, "Content-Type", ctype);
    evhttp_add_header(oh, "Cache-Control", "no-cache"); /* revalidate: ETag on large answers */
    status = vw_http_negotiate(req, status);
    vw_http_send_reply(req, status, reason(status)); /* counted in on_output */
}

/* The JSON error body (replacing whatever the output buffer held). */
static void error_body(struct evhttp_request *req, const char *code, const char *message)
{
    struct evbuffer *b = evhttp_request_get_output_buffer(req);
    out_sink s = {b, 0, (size_t)-1};
    evbuffer_drain(b, evbuffer_get_length(b));
    vw_http_error_json(code, message, sink_write, &s);
    evbuffer_add(b, "\n", 1);
}

static void reply_error(hworker *w, struct evhttp_request *req, int status, const char *code,
                        const char *message)
{
    error_body(req, code, message);
    reply(w, req, status, "application/json");
}

static void reply_text(hworker *w, struct evhttp_request *req, int status, const char *json)
{
    evbuffer_add_printf(evhttp_request_get_output_buffer(req), "%s\n", json);
    reply(w, req, status, "application/json");
}

/* ---- ops routes --------------------------------------------------------- */

/* Runs `op` on the query: its JSON answer (result or error) is left in the
 * request's output buffer, and its status returned. With `result`, an ok
 * answer is not written but *result set to it (valid until the worker's next
 * op: it lives in w->zone and w->resp). */
static int op_answer(hworker *w, struct evhttp_request *req, const char *op, const char *id,
                     const char *query, const msgpack_object **result)
{
    const vw_http_env *env = &w->h->env;
    const vw_config *cfg = env->cfg;
    vw_err err;
    vw_ops_server_info info;
    vw_ops_outcome outcome = {.op = vw_ops_index(op, strlen(op)), .code = VW_C_OK,
                              .t0_ns = vw_ops_now_ns()};
    char logline[256];
    int status;

    w->req.size = 0;
    if (vw_http_build_request(&w->req, op, id, query, cfg->http_max_params, &err) != 0) {
        vw_ops_count(env->stats, VW_PROTO_HTTP, outcome.op, vw_code_find(err.code),
                     outcome.t0_ns);
        error_body(req, err.code, err.message);
        return vw_http_status(err.code);
    }
    vw_snapshot *snap = vw_snapholder_acquire(env->snaps, &info);
    info.version = VW_VERSION;
    info.started_at = env->started_at;
    info.workers = env->workers;
    vw_ops_ctx ctx = {.snap = snap, .tm = &cfg->travel, .lim = &cfg->limits,
                      .stats = env->stats, .info = &info, .zone = &w->zone,
                      .packcache = w->packcache,
                      .today = vw_date_today(), .problems = env->problems,
                      .refer_cfg = &cfg->refer, .proto = VW_PROTO_HTTP,
                      .outcome = &outcome, .historic = vw_history_get,
                      .historic_ud = env->history};
    w->resp.size = 0;
    /* No log line below debug: the ops layer then formats nothing. */
    bool log_req = vw_log_enabled(VW_LOG_DEBUG);
    vw_ops_handle(&ctx, (const uint8_t *)w->req.data, w->req.size, &w->resp,
                  log_req ? logline : NULL, sizeof logline);
    struct evbuffer *b = evhttp_request_get_output_buffer(req);
    out_sink s = {b, 0, cfg->http_max_output};
    const uint8_t *body = (const uint8_t *)w->resp.data + 4;
    size_t body_len = w->resp.size - 4;
    int rc = result ? vw_http_answer(body, body_len, &w->zone, result, sink_write, &s, &status)
                    : vw_http_render_cached(body, body_len, &w->zone, w->jsoncache, sink_write,
                                            &s, &status);
    if (rc == 0 && result && *result) {
        /* as on /v1: the answer's JSON must fit http_max_output (counted, not written) */
        out_sink count = {NULL, 0, cfg->http_max_output};
        if ((rc = vw_mpjson_write(*result, false, sink_write, &count)) != 0)
            *result = NULL;
    }
    if (rc != 0) {
        if (status == 200) {
            outcome.code = VW_C_TOO_LARGE; /* the op answered, but that does not go out */
            char msg[128];
            snprintf(msg, sizeof msg, "the answer exceeds http_max_output (%u bytes); ask for less",
                     cfg->http_max_output);
            error_body(req, VW_E_TOO_LARGE, msg);
            status = 413;
        } else {
            outcome.code = VW_C_INTERNAL;
            error_body(req, VW_E_INTERNAL, "response could not be rendered");
            status = 500;
        }
    } else if (result == NULL || *result == NULL) {
        evbuffer_add(b, "\n", 1);
    }
    vw_ops_count(env->stats, VW_PROTO_HTTP, outcome.op >= 0 ? outcome.op : VW_OPS_NONE,
                 outcome.code, outcome.t0_ns);
    if (snap)
        vw_snapshot_release(snap);
    if (log_req)
        vw_log(VW_LOG_DEBUG, "http%d %s status=%d", w->index, logline, status);
    return status;
}

static void run_op(hworker *w, struct evhttp_request *req, const char *op, const char *id,
                   const char *query)
{
    reply(w, req, op_answer(w, req, op, id, query, NULL), "application/json");
}

/* The web UI's exports run the coverage op through here (http_ui.c). */
static int ui_op(void *arg, struct evhttp_request *req, const char *op, const char *query,
                 const msgpack_object **result)
{
    return op_answer(arg, req, op, NULL, query, result);
}

/* ---- health ------------------------------------------------------------- */

static void readyz(hworker *w, struct evhttp_request *req)
{
    vw_ops_server_info info;
    vw_snapshot *snap = vw_snapholder_acquire(w->h->env.snaps, &info);
    char json[192];
    if (snap == NULL || vw_snapshot_pc4_count(snap) == 0) {
        if (snap)
            vw_snapshot_release(snap);
        reply_error(w, req, 503, VW_E_UNAVAILABLE, "no valid snapshot is loaded");
        return;
    }
    snprintf(json, sizeof json,
             "{\"status\":\"ready\",\"generation\":%llu,\"change_seq\":%lld,"
             "\"providers\":%u,\"networks\":%u}",
             (unsigned long long)info.generation, (long long)vw_snapshot_seq(snap),
             vw_snapshot_provider_count(snap),
             vw_snapshot_network_count(snap));
    vw_snapshot_release(snap);
    reply_text(w, req, 200, json);
}

/* ---- FHIR (http_fhir.c) ------------------------------------------------- */

static void fhir_route(hworker *w, struct evhttp_request *req, const char *rest,
                       const char *query)
{
    const vw_config *cfg = w->h->env.cfg;
    vw_ops_server_info info;
    vw_snapshot *snap = vw_snapholder_acquire(w->h->env.snaps, &info);
    struct evkeyvalq *hdr = evhttp_request_get_input_headers(req);
    const char *host = evhttp_find_header(hdr, "Host");
    /* Behind HAProxy (TLS terminated there) fullUrls say https. */
    const char *proto = evhttp_find_header(hdr, "X-Forwarded-Proto");
    int64_t t0 = vw_ops_now_ns();
    vw_code code;
    int status = vw_http_fhir_fwd(snap, cfg->db, rest, query, host, proto, cfg->http_max_params,
                                  cfg->http_max_output, evhttp_request_get_output_buffer(req),
                                  &code);
    if (snap)
        vw_snapshot_release(snap);
    /* Counted like an op: proto http, op "fhir". */
    vw_ops_count(w->h->env.stats, VW_PROTO_HTTP, VW_OPS_FHIR, code, t0);
    reply(w, req, status, "application/fhir+json");
}

/* ---- routing ------------------------------------------------------------ */

static void on_request(struct evhttp_request *req, void *arg)
{
    hworker *w = arg;
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;

    if (atomic_load_explicit(&w->h->stats.conn_open, memory_order_relaxed) >
        (long long)w->h->env.cfg->http_max_connections) {
        atomic_fetch_add_explicit(&w->h->stats.conn_rejected, 1, memory_order_relaxed);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        reply_error(w, req, 503, VW_E_OVERLOADED,
                    "too many connections (http_max_connections); try again later");
        return;
    }
    vw_http_cors(w->h->env.cfg, req);
    if (m == EVHTTP_REQ_OPTIONS) { /* CORS preflight, or what may be used here */
        int status = vw_http_preflight(w->h->env.cfg, req);
        vw_http_send_reply(req, status, reason(status));
        return;
    }
    if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD, OPTIONS");
        reply_error(w, req, 405, VW_E_BAD_REQUEST, "method not allowed; use GET or HEAD");
        return;
    }
    if (path == NULL || path[0] == '\0') {
        reply_error(w, req, 400, VW_E_BAD_REQUEST, "request target has no path");
        return;
    }
    if (strcmp(path, "/healthz") == 0) {
        reply_text(w, req, 200, "{\"status\":\"ok\"}");
        return;
    }
    if (strcmp(path, "/readyz") == 0) {
        readyz(w, req);
        return;
    }
    if (strcmp(path, "/metrics") == 0) {
        vw_metrics_write(evhttp_request_get_output_buffer(req), &w->h->env, &w->h->stats);
        reply(w, req, 200, "text/plain; version=0.0.4; charset=utf-8");
        return;
    }
    if (strncmp(path, "/fhir/", 6) == 0) {
        fhir_route(w, req, path + 6, query);
        return;
    }
    if (strncmp(path, "/ui", 3) == 0 && (path[3] == '\0' || path[3] == '/')) {
        vw_http_ui_ctx ui = {w->h->env.cfg, w->h->env.problems, w->draining, ui_op, w};
        vw_http_ui_serve(&ui, req, path, query);
        return;
    }
    const char *rest = NULL;
    const vw_op_def *op = vw_optable_route(path, &rest); /* routes: the op table */
    if (op && op->path_arg) {
        char id[256];
        vw_err err;
        if (vw_path_id_decode(rest, sizeof id - 1, id, &err) != 0) {
            reply_error(w, req, 400, err.code, err.message);
            return;
        }
        run_op(w, req, op->name, id, query);
        return;
    }
    if (op) {
        run_op(w, req, op->name, NULL, query);
        return;
    }
    reply_error(w, req, 404, VW_E_UNKNOWN_OP, "no such route; see docs/openapi.yaml");
}

/* ---- counting connections ------------------------------------------------
 * libevent 2.1's evhttp has no connection cap and no new-connection hook.
 * evhttp asks us for each connection's bufferevent (on_new_conn) and then
 * builds the connection around it in the same call; the `adopt` event,
 * made active there, runs right after (same loop turn, before any I/O of the
 * new connection) and finds the connection through the bufferevent's
 * callback argument, to count it and be told of its close. (Known limit:
 * should evhttp fail to build a connection around our bufferevent -- out of
 * memory -- it frees it, and the pointer in `fresh` would dangle until
 * adopt; libevent 2.1 offers no hook to learn of it.) */

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
    hconn *c = arg;
    hworker *w = c->w;
    (void)evcon;
    LIST_REMOVE(c, link);
    event_free(c->deadline);
    free(c);
    atomic_fetch_sub_explicit(&w->h->stats.conn_open, 1, memory_order_relaxed);
}

/* Draining: connections idle this long are closed (answers in progress keep
 * their connection as long as they move). */
static void drain_idle_timeout(hworker *w, struct evhttp_connection *evcon)
{
    double s = w->h->env.cfg->drain_timeout < 0.5 ? w->h->env.cfg->drain_timeout : 0.5;
    struct timeval tv = vw_time_tv(s < 0.001 ? 0.001 : s);
    evhttp_connection_set_timeout_tv(evcon, &tv);
}

/* Every response starts with its status line, added to an empty output
 * buffer (evhttp answers one request at a time): count it by status here,
 * ours and libevent's own (400, 413, 501) alike. */
static void on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    hconn *c = arg;
    hworker *w = c->w;
    char line[16];
    if (info->orig_size != 0 || info->n_added < 12 ||
        evbuffer_copyout(buf, line, 12) != 12 || memcmp(line, "HTTP/1.", 7) != 0)
        return;
    event_del(c->deadline); /* answered: the request was complete */
    line[12] = '\0';
    int status = atoi(line + 9);
    atomic_fetch_add_explicit(&w->h->stats.by_status[vw_http_status_index(status)], 1,
                              memory_order_relaxed);
}

/* The request head deadline (evhttp's own timer is an inactivity timer): a
 * request must be complete within http_timeout of its first bytes, so a
 * client trickling its headers is cut off. Armed by the first bytes after
 * an answer, disarmed when the next answer starts (on_output). */
static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    hconn *c = arg;
    (void)buf;
    if (info->n_added > 0 && !event_pending(c->deadline, EV_TIMEOUT, NULL)) {
        struct timeval tv = vw_time_tv(c->w->h->env.cfg->http_timeout);
        event_add(c->deadline, &tv);
    }
}

static void on_head_deadline(evutil_socket_t fd, short what, void *arg)
{
    hconn *c = arg;
    (void)fd;
    (void)what;
    vw_log(VW_LOG_DEBUG, "http%d: closing a connection: request not complete within "
           "http_timeout of its first bytes", c->w->index);
    evhttp_connection_free(c->evcon); /* its close callback frees c */
}

static void on_adopt(evutil_socket_t fd, short what, void *arg)
{
    hworker *w = arg;
    (void)fd;
    (void)what;
    for (int i = 0; i < w->n_fresh; i++) {
        void *cbarg = NULL;
        bufferevent_getcb(w->fresh[i], NULL, NULL, NULL, &cbarg);
        hconn *c = cbarg ? calloc(1, sizeof *c) : NULL;
        if (c)
            c->deadline = evtimer_new(w->base, on_head_deadline, c);
        if (c == NULL || c->deadline == NULL) {
            free(c);
            continue; /* not counted: out of memory */
        }
        c->w = w;
        c->evcon = cbarg;
        /* An answer leaves as headers + body: without TCP_NODELAY the body
         * waits for the client's delayed ACK (~40 ms per keep-alive request). */
        evutil_socket_t sfd = bufferevent_getfd(w->fresh[i]);
        int one = 1;
        if (sfd >= 0)
            (void)setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        LIST_INSERT_HEAD(&w->conns, c, link);
        evhttp_connection_set_closecb(cbarg, on_conn_close, c);
        evbuffer_add_cb(bufferevent_get_output(w->fresh[i]), on_output, c);
        evbuffer_add_cb(bufferevent_get_input(w->fresh[i]), on_input, c);
        atomic_fetch_add_explicit(&w->h->stats.conn_open, 1, memory_order_relaxed);
        if (w->draining)
            drain_idle_timeout(w, cbarg);
    }
    w->n_fresh = 0;
}

static struct bufferevent *on_new_conn(struct event_base *base, void *arg)
{
    hworker *w = arg;
    atomic_fetch_add_explicit(&w->h->stats.conn_total, 1, memory_order_relaxed);
    /* The connections of the earlier bufferevents are complete by now
     * (evhttp built each before accepting the next): adopt them when the
     * list is full, so a burst of accepts in one loop turn loses none. */
    if (w->n_fresh == (int)(sizeof w->fresh / sizeof w->fresh[0]))
        on_adopt(-1, 0, w);
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev) {
        w->fresh[w->n_fresh++] = bev;
        event_active(w->adopt, EV_TIMEOUT, 0);
    }
    return bev;
}

/* ---- draining (SIGTERM) ---------------------------------------------------
 * Each thread stops accepting, answers what it is reading (with
 * Connection: close), closes connections idle for 0.5 s, and ends its loop
 * when it has no connection left or at drain_timeout, whichever is first. */

static void on_drain_check(evutil_socket_t fd, short what, void *arg)
{
    hworker *w = arg;
    (void)fd;
    (void)what;
    if (LIST_EMPTY(&w->conns) && w->n_fresh == 0)
        event_base_loopbreak(w->base);
}

static void on_drain_start(evutil_socket_t fd, short what, void *arg)
{
    hworker *w = arg;
    const vw_config *cfg = w->h->env.cfg;
    struct timeval every = vw_time_tv(0.02);
    struct timeval dl = vw_time_tv(cfg->drain_timeout);
    (void)fd;
    (void)what;
    w->draining = true;
    vw_accept_guard_free(w->guard); /* (it points at the listener freed next) */
    w->guard = NULL;
    if (w->bound)
        evhttp_del_accept_socket(w->http, w->bound);
    w->bound = NULL;
    hconn *c;
    LIST_FOREACH(c, &w->conns, link)
        drain_idle_timeout(w, c->evcon);
    event_add(w->drain_check, &every);
    event_base_loopexit(w->base, &dl);
    on_drain_check(-1, 0, w);
}

/* ---- threads ------------------------------------------------------------ */

static void *hworker_main(void *arg)
{
    hworker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

static int hworker_init(vw_http *h, hworker *w, int index, vw_err *err)
{
    const vw_config *cfg = h->env.cfg;
    struct timeval tv = vw_time_tv(cfg->http_timeout);
    w->index = index;
    LIST_INIT(&w->conns);
    w->h = h;
    msgpack_zone_init(&w->zone, 8192);
    msgpack_sbuffer_init(&w->req);
    msgpack_sbuffer_init(&w->resp);
    w->packcache = vw_packcache_new((size_t)cfg->answer_cache);
    w->jsoncache = vw_jsoncache_new((size_t)cfg->http_json_cache);
    w->base = event_base_new();
    w->http = w->base ? evhttp_new(w->base) : NULL;
    w->adopt = w->base ? event_new(w->base, -1, 0, on_adopt, w) : NULL;
    w->drain_check = w->base ? event_new(w->base, -1, EV_PERSIST, on_drain_check, w) : NULL;
    if (w->http == NULL || w->adopt == NULL || w->drain_check == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "cannot create HTTP worker %d", index);
    evhttp_set_gencb(w->http, on_request, w);
    evhttp_set_bevcb(w->http, on_new_conn, w);
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                                            EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_max_headers_size(w->http, (ev_ssize_t)cfg->http_max_header);
    evhttp_set_max_body_size(w->http, (ev_ssize_t)cfg->http_max_body);
    evhttp_set_timeout_tv(w->http, &tv);
    evhttp_set_default_content_type(w->http, "application/json");
    return 0;
}

vw_http *vw_http_new(const vw_http_env *env, vw_err *err)
{
    const vw_config *cfg = env->cfg;
    char host[256], port[32];
    vw_http *h = calloc(1, sizeof *h);
    if (h == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        return NULL;
    }
    h->env = *env;
    h->n = cfg->http_workers > 0 ? cfg->http_workers : env->workers;
    h->w = calloc((size_t)h->n, sizeof *h->w);
    if (h->w == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto fail;
    }
    vw_err why;
    if (vw_hostport_split(cfg->http_listen, host, sizeof host, port, sizeof port, &why) != 0) {
        vw_err_set(err, VW_E_BAD_REQUEST, "http_listen: %s", why.message);
        goto fail;
    }
    char *end;
    long pn = strtol(port, &end, 10);
    if (*end || pn < 0 || pn > 65535) {
        vw_err_set(err, VW_E_BAD_REQUEST, "http_listen: bad port '%s'", port);
        goto fail;
    }
    int fd = -1;
    for (int i = 0; i < h->n; i++) {
        struct evhttp_bound_socket *bs;
        if (hworker_init(h, &h->w[i], i, err) != 0)
            goto fail;
        if (i == 0) {
            bs = evhttp_bind_socket_with_handle(h->w[0].http, host, (ev_uint16_t)pn);
            if (bs == NULL) {
                vw_err_set(err, VW_E_CONNECT, "cannot listen (HTTP) on %s", cfg->http_listen);
                goto fail;
            }
            fd = evhttp_bound_socket_get_fd(bs);
        } else {
            /* Each evhttp closes its own copy of the listening socket. */
            int dfd = dup(fd);
            bs = dfd < 0 ? NULL : evhttp_accept_socket_with_handle(h->w[i].http, dfd);
            if (bs == NULL) {
                if (dfd >= 0)
                    close(dfd);
                vw_err_set(err, VW_E_INTERNAL, "cannot share the HTTP socket with worker %d", i);
                goto fail;
            }
        }
        h->w[i].bound = bs;
        h->w[i].guard = vw_accept_guard_new(evhttp_bound_socket_get_listener(bs), "HTTP");
    }
    if (vw_write_port_file(cfg->http_port_file, fd, "HTTP gateway", err) != 0)
        goto fail;
    for (int i = 0; i < h->n; i++) {
        if (pthread_create(&h->w[i].thread, NULL, hworker_main, &h->w[i]) != 0) {
            vw_err_set(err, VW_E_INTERNAL, "cannot start HTTP worker %d", i);
            vw_http_stop(h);
            goto fail;
        }
        h->w[i].started = true;
    }
    return h;

fail:
    vw_http_free(h);
    return NULL;
}

void vw_http_stop(vw_http *h)
{
    struct timeval now = {0, 0};
    if (h == NULL)
        return;
    for (int i = 0; i < h->n; i++)
        if (h->w[i].started &&
            event_base_once(h->w[i].base, -1, EV_TIMEOUT, on_drain_start, &h->w[i], &now) != 0)
            event_base_loopexit(h->w[i].base, NULL); /* out of memory: stop now */
    for (int i = 0; i < h->n; i++)
        if (h->w[i].started) {
            pthread_join(h->w[i].thread, NULL);
            h->w[i].started = false;
        }
}

void vw_http_free(vw_http *h)
{
    if (h == NULL)
        return;
    vw_http_stop(h);
    for (int i = 0; h->w && i < h->n; i++) {
        hworker *w = &h->w[i];
        if (w->h == NULL)
            continue; /* never initialised */
        vw_accept_guard_free(w->guard);
        if (w->http)
            evhttp_free(w->http);
        if (w->adopt)
            event_free(w->adopt);
        if (w->drain_check)
            event_free(w->drain_check);
        if (w->base)
            event_base_free(w->base);
        msgpack_zone_destroy(&w->zone);
        msgpack_sbuffer_destroy(&w->req);
        msgpack_sbuffer_destroy(&w->resp);
        vw_packcache_free(w->packcache);
        vw_jsoncache_free(w->jsoncache);
    }
    free(h->w);
    free(h);
}
