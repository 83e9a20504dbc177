/* http.c -- the HTTP/JSON gateway (see http.h, docs/HTTP.md): its threads,
 * its connections, and its routes.
 *
 * Design: http_workers threads (default: as many as the msgpack workers),
 * each with its own event_base and listener, all accepting on one listening
 * socket (the kernel hands each connection to one of them). A connection
 * is a bufferevent read by the HTTP/1.1 head parser of http1.c; each
 * request is answered synchronously on its thread: the route and the query
 * string become a msgpack request (server/ops/http.c), vw_ops_handle
 * answers it exactly as for a socket client -- same code, same argument
 * checks, same vw_limits -- and the response frame is written out as JSON,
 * bounded by http_max_output (http_reply.c writes status line, headers and
 * body in one piece).
 *
 * A connection, as a state machine (one transition function, conn_to, and
 * one close path, conn_to CLOSED):
 *   READING       requests are parsed and answered in order, at most
 *                 `batch` per turn (a zero timer resumes the rest after the
 *                 other connections' I/O: pipelining clients do not starve
 *                 the others). A head must be complete within http_timeout
 *                 of its first bytes (a deadline: a client trickling its
 *                 headers is cut off) and fit http_max_header (over: 431,
 *                 close); a body over http_max_body answers 413 and closes.
 *                 Idle keep-alive connections close after http_timeout.
 *   BACKPRESSURE  unsent answers above output_high_water: nothing more is
 *                 read or answered until the client has read them all.
 *   CLOSING       the last answer is queued (Connection: close, HTTP/1.0
 *                 without keep-alive, a refused request, draining, or the
 *                 peer half-closed and every request it sent is answered):
 *                 nothing more is read; once flushed, LINGER.
 *   LINGER        our side is shut down (FIN after the last answer); what
 *                 the peer still sends is read and dropped until it closes,
 *                 at most VW_HTTP_LINGER seconds: closing with unread bytes
 *                 would send a reset that can destroy the answers in
 *                 flight (a pipelining client would lose them).
 *   CLOSED        freed (terminal; the caller returns at once).
 * Answers that cannot be written within http_timeout close the connection.
 *
 * Every method reaches the router, so that anything but GET/HEAD/OPTIONS
 * gets a JSON 405 (its body, within http_max_body, is skipped).
 * Request URIs are never logged: they hold postcodes; the debug line is the
 * ops layer's privacy-safe summary. */
#include "http.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <fcntl.h>
#include <netdb.h>
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
#include "http1.h"
#include "http_fhir.h"
#include "http_int.h"
#include "http_negotiate.h"
#include "http_ui.h"
#include "log.h"
#include "server/ops/http.h"
#include "server/ops/optable.h"
#include "server/ops/jsoncache.h"
#include "server/ops/packcache.h"
#include "server/ops/qstring.h"
#include "vwtime.h"

#define VW_HTTP_LINGER 2.0 /* seconds, at most (less when http_timeout is less) */

typedef enum {
    HC_READING,
    HC_BACKPRESSURE,
    HC_CLOSING,
    HC_LINGER,
    HC_CLOSED,
} hconn_state;

/* One open connection of an HTTP thread (from accept to conn_to CLOSED). */
typedef struct hconn {
    hconn_state state;
    struct hworker *w;
    struct bufferevent *bev;  /* owned (closes the socket) */
    struct event *deadline;   /* owned: the head being received must be complete by then */
    struct event *resume;     /* owned: go on after a full batch */
    uint64_t discard;         /* body bytes of the last request still to be skipped */
    bool eof;                 /* the peer shut down its write side */
    LIST_ENTRY(hconn) link;   /* in its worker's conns */
} hconn;

typedef struct hworker {
    int index;
    pthread_t thread;
    bool started;
    struct event_base *base;
    struct evconnlistener *listener; /* owned; NULL once draining */
    vw_accept_guard *guard;   /* owned; freed before the listener */
    LIST_HEAD(, hconn) conns; /* this thread's open connections (owned) */
    bool draining;            /* SIGTERM: no accepts, answers close their connection */
    struct event *drain_check; /* while draining: end the loop once conns is empty */
    char *head;               /* http_max_header bytes: the head being parsed */
    vw_hreq req;              /* the request being answered (one at a time per thread) */
    msgpack_zone zone;
    msgpack_sbuffer mreq;  /* the msgpack request built from the URL */
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

static const int statuses[VW_HTTP_STATUSES - 1] = {200, 400, 403, 404, 405, 413, 414, 431,
                                                   500, 501, 503, 504, 505};

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

static void reply(hworker *w, vw_hreq *req, int status, const char *ctype)
{
    if (w->draining && vw_hreq_out_header(req, "Connection") == NULL)
        req->close = true; /* shutting down: last answer */
    vw_hreq_add_header(req, "Content-Type", ctype);
    vw_hreq_add_header(req, "Cache-Control", "no-cache"); /* revalidate: ETag on large answers */
    status = vw_http_negotiate(req, status);
    vw_hreq_send(req, status);
}

/* The JSON error body (replacing whatever the body held). */
static void error_body(vw_hreq *req, const char *code, const char *message)
{
    struct evbuffer *b = vw_hreq_body(req);
    out_sink s = {b, 0, (size_t)-1};
    evbuffer_drain(b, evbuffer_get_length(b));
    vw_http_error_json(code, message, sink_write, &s);
    evbuffer_add(b, "\n", 1);
}

static void reply_error(hworker *w, vw_hreq *req, int status, const char *code,
                        const char *message)
{
    error_body(req, code, message);
    reply(w, req, status, "application/json");
}

static void reply_text(hworker *w, vw_hreq *req, int status, const char *json)
{
    struct evbuffer *b = vw_hreq_body(req);
    evbuffer_add(b, json, strlen(json));
    evbuffer_add(b, "\n", 1);
    reply(w, req, status, "application/json");
}

/* ---- ops routes --------------------------------------------------------- */

/* Runs `op` on the query: its JSON answer (result or error) is left in the
 * request's output buffer, and its status returned. With `result`, an ok
 * answer is not written but *result set to it (valid until the worker's next
 * op: it lives in w->zone and w->resp). */
static int op_answer(hworker *w, vw_hreq *req, const char *op, const char *id,
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

    w->mreq.size = 0;
    if (vw_http_build_request(&w->mreq, op, id, query, cfg->http_max_params, &err) != 0) {
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
    vw_ops_handle(&ctx, (const uint8_t *)w->mreq.data, w->mreq.size, &w->resp,
                  log_req ? logline : NULL, sizeof logline);
    struct evbuffer *b = vw_hreq_body(req);
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

static void run_op(hworker *w, vw_hreq *req, const char *op, const char *id,
                   const char *query)
{
    reply(w, req, op_answer(w, req, op, id, query, NULL), "application/json");
}

/* The web UI's exports run the coverage op through here (http_ui.c). */
static int ui_op(void *arg, vw_hreq *req, const char *op, const char *query,
                 const msgpack_object **result)
{
    return op_answer(arg, req, op, NULL, query, result);
}

/* ---- health ------------------------------------------------------------- */

static void readyz(hworker *w, vw_hreq *req)
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

static void fhir_route(hworker *w, vw_hreq *req, const char *rest,
                       const char *query)
{
    const vw_config *cfg = w->h->env.cfg;
    vw_ops_server_info info;
    vw_snapshot *snap = vw_snapholder_acquire(w->h->env.snaps, &info);
    const char *host = vw_hreq_header(req, "Host");
    /* Behind HAProxy (TLS terminated there) fullUrls say https. */
    const char *proto = vw_hreq_header(req, "X-Forwarded-Proto");
    int64_t t0 = vw_ops_now_ns();
    vw_code code;
    int status = vw_http_fhir_fwd(snap, cfg->db, rest, query, host, proto, cfg->http_max_params,
                                  cfg->http_max_output, vw_hreq_body(req),
                                  &code);
    if (snap)
        vw_snapshot_release(snap);
    /* Counted like an op: proto http, op "fhir". */
    vw_ops_count(w->h->env.stats, VW_PROTO_HTTP, VW_OPS_FHIR, code, t0);
    reply(w, req, status, "application/fhir+json");
}

/* ---- routing ------------------------------------------------------------ */

static void on_request(hworker *w, vw_hreq *req)
{
    vw_http1_method m = req->in.method;
    const char *path = req->in.path;
    const char *query = req->in.query;

    if (atomic_load_explicit(&w->h->stats.conn_open, memory_order_relaxed) >
        (long long)w->h->env.cfg->http_max_connections) {
        atomic_fetch_add_explicit(&w->h->stats.conn_rejected, 1, memory_order_relaxed);
        req->close = true;
        reply_error(w, req, 503, VW_E_OVERLOADED,
                    "too many connections (http_max_connections); try again later");
        return;
    }
    vw_http_cors(w->h->env.cfg, req);
    if (m == VW_HTTP1_OPTIONS) { /* CORS preflight, or what may be used here */
        if (w->draining)
            req->close = true;
        vw_hreq_send(req, vw_http_preflight(w->h->env.cfg, req));
        return;
    }
    if (m != VW_HTTP1_GET && m != VW_HTTP1_HEAD) {
        vw_hreq_add_header(req, "Allow", "GET, HEAD, OPTIONS"); /* (its body is skipped) */
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
        vw_metrics_write(vw_hreq_body(req), &w->h->env, &w->h->stats);
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

/* ---- connections ---------------------------------------------------------- */

static void conn_to(hconn *c, hconn_state next);
static void conn_process(hconn *c);

/* An answer the connection gives itself (a head it cannot take), then
 * closes. */
static void refuse(hconn *c, int status, const char *message, vw_http1_method m)
{
    hworker *w = c->w;
    vw_hreq *req = &w->req;
    memset(&req->in, 0, sizeof req->in);
    req->in.method = m; /* a HEAD is answered without a body */
    req->in.minor = 1;
    req->in.path = "";
    req->out = bufferevent_get_output(c->bev);
    vw_hreq_reset(req);
    req->close = true;
    reply_error(w, req, status,
                status == 413 || status == 414 || status == 431 ? VW_E_TOO_LARGE : VW_E_BAD_REQUEST,
                message);
    conn_to(c, HC_CLOSING);
}

/* The one transition function. CLOSED frees c: the caller returns at once. */
static void conn_to(hconn *c, hconn_state next)
{
    hworker *w = c->w;
    switch (next) {
    case HC_READING:
        c->state = HC_READING;
        bufferevent_enable(c->bev, EV_READ);
        break;
    case HC_BACKPRESSURE:
        c->state = HC_BACKPRESSURE;
        bufferevent_disable(c->bev, EV_READ);
        break;
    case HC_CLOSING:
        c->state = HC_CLOSING;
        event_del(c->deadline);
        event_del(c->resume);
        bufferevent_disable(c->bev, EV_READ);
        /* (never freed from here: callers go on using c; on_write, or
         * on_resume when nothing is queued, moves on to LINGER) */
        if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
            event_active(c->resume, EV_TIMEOUT, 0);
        break;
    case HC_LINGER: {
        double s = w->h->env.cfg->http_timeout < VW_HTTP_LINGER ? w->h->env.cfg->http_timeout
                                                                : VW_HTTP_LINGER;
        struct timeval tv = vw_time_tv(s);
        struct evbuffer *in = bufferevent_get_input(c->bev);
        if (c->eof || shutdown(bufferevent_getfd(c->bev), SHUT_WR) != 0) {
            conn_to(c, HC_CLOSED); /* the peer is done already, or gone */
            break;
        }
        c->state = HC_LINGER;
        evbuffer_drain(in, evbuffer_get_length(in));
        bufferevent_set_timeouts(c->bev, &tv, &tv);
        event_add(c->deadline, &tv); /* in all: a trickle does not extend it */
        bufferevent_enable(c->bev, EV_READ);
        break;
    }
    case HC_CLOSED:
        c->state = HC_CLOSED;
        LIST_REMOVE(c, link);
        event_free(c->deadline);
        event_free(c->resume);
        bufferevent_free(c->bev);
        free(c);
        atomic_fetch_sub_explicit(&w->h->stats.conn_open, 1, memory_order_relaxed);
        break;
    }
}

/* One complete head at the start of the input: parse it, answer it.
 * Returns false when the connection stops reading (closing). */
static bool conn_request(hconn *c, const char *p, size_t hl)
{
    hworker *w = c->w;
    const vw_config *cfg = w->h->env.cfg;
    vw_hreq *req = &w->req;
    memcpy(w->head, p, hl);
    evbuffer_drain(bufferevent_get_input(c->bev), hl);
    if (vw_http1_parse(w->head, hl, &req->in) != 0) {
        refuse(c, req->in.err_status, req->in.err_message, req->in.method);
        return false;
    }
    req->out = bufferevent_get_output(c->bev);
    vw_hreq_reset(req);
    req->close = !req->in.keep_alive;
    if (req->in.content_length > cfg->http_max_body) {
        refuse(c, 413, "the request body exceeds http_max_body", req->in.method);
        return false;
    }
    c->discard = req->in.content_length;
    /* A client that waits for "100 Continue" before its body would have its
     * next request taken for the body: end the connection after the answer. */
    if (c->discard > 0 && vw_hreq_header(req, "Expect") != NULL)
        req->close = true;
    on_request(w, req);
    if (!req->sent) { /* every route answers; should one not, say so rather than hang */
        error_body(req, VW_E_INTERNAL, "no answer");
        req->close = true;
        vw_hreq_send(req, 500);
    }
    if (req->close) {
        conn_to(c, HC_CLOSING);
        return false;
    }
    return true;
}

/* Answers the complete requests in the input, at most `batch` of them. */
static void conn_process(hconn *c)
{
    hworker *w = c->w;
    const vw_config *cfg = w->h->env.cfg;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    int done = 0;
    while (c->state == HC_READING) {
        if (c->discard > 0) {
            size_t k = evbuffer_get_length(in);
            k = k < c->discard ? k : (size_t)c->discard;
            evbuffer_drain(in, k);
            c->discard -= k;
            if (c->discard > 0) { /* the body too must come within http_timeout */
                if (!event_pending(c->deadline, EV_TIMEOUT, NULL)) {
                    struct timeval tv = vw_time_tv(cfg->http_timeout);
                    event_add(c->deadline, &tv);
                }
                break;
            }
        }
        size_t avail = evbuffer_get_length(in);
        if (avail == 0) {
            event_del(c->deadline);
            break;
        }
        if (done == cfg->batch) { /* the others' turn; go on after their I/O */
            struct timeval zero = {0, 0};
            event_add(c->resume, &zero); /* a timer: runs after the next poll */
            return;
        }
        size_t look = avail < cfg->http_max_header ? avail : cfg->http_max_header;
        const char *p = (const char *)evbuffer_pullup(in, (ev_ssize_t)look);
        size_t hl = p ? vw_http1_head_end(p, look) : 0;
        if (p == NULL) {
            conn_to(c, HC_CLOSED); /* out of memory */
            return;
        }
        if (hl == 0) {
            if (look == cfg->http_max_header) {
                if (memchr(p, '\n', look) == NULL)
                    refuse(c, 414, "the request line exceeds http_max_header", VW_HTTP1_GET);
                else
                    refuse(c, 431, "the request head exceeds http_max_header", VW_HTTP1_GET);
                break;
            }
            if (!event_pending(c->deadline, EV_TIMEOUT, NULL)) { /* its first bytes */
                struct timeval tv = vw_time_tv(cfg->http_timeout);
                event_add(c->deadline, &tv);
            }
            break;
        }
        event_del(c->deadline); /* complete */
        done++;
        if (!conn_request(c, p, hl))
            break;
        if (evbuffer_get_length(bufferevent_get_output(c->bev)) > cfg->output_high_water)
            conn_to(c, HC_BACKPRESSURE);
    }
    if (c->state == HC_READING && c->eof) /* half-closed: all it sent is answered */
        conn_to(c, HC_CLOSING);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    hconn *c = arg;
    if (c->state == HC_CLOSING || c->state == HC_LINGER) { /* nothing more is answered */
        struct evbuffer *in = bufferevent_get_input(bev);
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    if (c->state == HC_READING && !event_pending(c->resume, EV_TIMEOUT, NULL))
        conn_process(c);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    hconn *c = arg;
    if (c->state == HC_READING)
        conn_process(c);
    else if (c->state == HC_CLOSING && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        conn_to(c, HC_LINGER);
}

/* Everything queued is written. */
static void on_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    hconn *c = arg;
    if (c->state == HC_CLOSING) {
        conn_to(c, HC_LINGER);
    } else if (c->state == HC_BACKPRESSURE) {
        conn_to(c, HC_READING);
        conn_process(c);
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    hconn *c = arg;
    (void)bev;
    if ((what & BEV_EVENT_EOF) && c->state != HC_LINGER) {
        c->eof = true;
        if (c->state == HC_READING && !event_pending(c->resume, EV_TIMEOUT, NULL))
            conn_process(c); /* closes once its answers are out */
        return;
    }
    /* Not idle while an answer is still being written (a slow download):
     * the write timeout watches that. */
    if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) && c->state == HC_READING &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
        bufferevent_enable(c->bev, EV_READ);
        return;
    }
    /* an error, no progress within http_timeout (idle keep-alive, a stalled
     * answer), or the end of a linger: gone */
    conn_to(c, HC_CLOSED);
}

static void on_head_deadline(evutil_socket_t fd, short what, void *arg)
{
    hconn *c = arg;
    (void)fd;
    (void)what;
    if (c->state != HC_LINGER)
        vw_log(VW_LOG_DEBUG, "http%d: closing a connection: request not complete within "
               "http_timeout of its first bytes", c->w->index);
    conn_to(c, HC_CLOSED);
}

/* Draining: connections idle this long are closed (answers in progress keep
 * their connection as long as they move). */
static void drain_idle_timeout(hworker *w, hconn *c)
{
    double s = w->h->env.cfg->drain_timeout < 0.5 ? w->h->env.cfg->drain_timeout : 0.5;
    struct timeval tv = vw_time_tv(s < 0.001 ? 0.001 : s);
    struct timeval wt = vw_time_tv(w->h->env.cfg->http_timeout);
    bufferevent_set_timeouts(c->bev, &tv, &wt);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    hworker *w = arg;
    const vw_config *cfg = w->h->env.cfg;
    (void)l;
    (void)sa;
    (void)salen;
    atomic_fetch_add_explicit(&w->h->stats.conn_total, 1, memory_order_relaxed);
    hconn *c = calloc(1, sizeof *c);
    if (c) {
        c->w = w;
        c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
        c->deadline = evtimer_new(w->base, on_head_deadline, c);
        c->resume = event_new(w->base, -1, 0, on_resume, c);
    }
    if (c == NULL || c->bev == NULL || c->deadline == NULL || c->resume == NULL) {
        if (c && c->bev)
            bufferevent_free(c->bev);
        else
            close(fd);
        if (c && c->deadline)
            event_free(c->deadline);
        if (c && c->resume)
            event_free(c->resume);
        free(c);
        return; /* out of memory: not counted, closed */
    }
    /* An answer leaves as one write: without TCP_NODELAY a second segment
     * waits for the client's delayed ACK (~40 ms per keep-alive request). */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = vw_time_tv(cfg->http_timeout);
    bufferevent_set_timeouts(c->bev, &tv, &tv);
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    /* libevent writes at most 16 KiB per loop turn by default: a pipelined
     * batch of answers (16 x ~7 KB) would take eight turns */
    bufferevent_set_max_single_write(c->bev, 256 * 1024);
    LIST_INSERT_HEAD(&w->conns, c, link);
    atomic_fetch_add_explicit(&w->h->stats.conn_open, 1, memory_order_relaxed);
    if (w->draining)
        drain_idle_timeout(w, c);
    conn_to(c, HC_READING);
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
    if (LIST_EMPTY(&w->conns))
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
    if (w->listener)
        evconnlistener_free(w->listener);
    w->listener = NULL;
    hconn *c;
    LIST_FOREACH(c, &w->conns, link)
        drain_idle_timeout(w, c);
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
    w->index = index;
    LIST_INIT(&w->conns);
    w->h = h;
    msgpack_zone_init(&w->zone, 8192);
    msgpack_sbuffer_init(&w->mreq);
    msgpack_sbuffer_init(&w->resp);
    w->packcache = vw_packcache_new((size_t)cfg->answer_cache);
    w->jsoncache = vw_jsoncache_new((size_t)cfg->http_json_cache);
    w->head = malloc(cfg->http_max_header);
    w->req.body = evbuffer_new();
    w->req.stats = &h->stats;
    /* The changelist folds a connection's read-off/write-on of one loop
     * turn into one epoll_ctl. (Safe here: no fd of this base is dup'ed
     * into another registration of the same base.) */
    struct event_config *ecfg = event_config_new();
    if (ecfg)
        event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    w->base = ecfg ? event_base_new_with_config(ecfg) : NULL;
    if (ecfg)
        event_config_free(ecfg);
    w->drain_check = w->base ? event_new(w->base, -1, EV_PERSIST, on_drain_check, w) : NULL;
    if (w->drain_check == NULL || w->head == NULL || w->req.body == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "cannot create HTTP worker %d", index);
    return 0;
}

/* Binds cfg->http_listen; the listening socket (non-blocking), or -1. */
static int http_bind(const char *addr, vw_err *err)
{
    char host[256], port[32];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    vw_err why;
    if (vw_hostport_split(addr, host, sizeof host, port, sizeof port, &why) != 0) {
        vw_err_set(err, VW_E_BAD_REQUEST, "http_listen: %s", why.message);
        return -1;
    }
    char *end;
    long pn = strtol(port, &end, 10);
    if (*end || pn < 0 || pn > 65535) {
        vw_err_set(err, VW_E_BAD_REQUEST, "http_listen: bad port '%s'", port);
        return -1;
    }
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (rc != 0) {
        vw_err_set(err, VW_E_CONNECT, "cannot resolve %s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int one = 1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        if (fd >= 0)
            close(fd);
        fd = -1;
        vw_err_set(err, VW_E_CONNECT, "cannot listen (HTTP) on %s", addr);
    }
    freeaddrinfo(ai);
    return fd;
}

vw_http *vw_http_new(const vw_http_env *env, vw_err *err)
{
    const vw_config *cfg = env->cfg;
    vw_http *h = calloc(1, sizeof *h);
    int fd = -1;
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
    if ((fd = http_bind(cfg->http_listen, err)) < 0)
        goto fail;
    for (int i = 0; i < h->n; i++) {
        if (hworker_init(h, &h->w[i], i, err) != 0)
            goto fail;
        /* Each listener closes its own copy of the listening socket. */
        int lfd = i == 0 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 0);
        h->w[i].listener = lfd < 0 ? NULL
                                   : evconnlistener_new(h->w[i].base, on_accept, &h->w[i],
                                                        LEV_OPT_CLOSE_ON_FREE, -1, lfd);
        if (h->w[i].listener == NULL) {
            if (lfd >= 0 && i > 0)
                close(lfd);
            vw_err_set(err, VW_E_INTERNAL, "cannot share the HTTP socket with worker %d", i);
            goto fail;
        }
        h->w[i].guard = vw_accept_guard_new(h->w[i].listener, "HTTP");
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
    if (fd >= 0 && (h->w == NULL || h->w[0].listener == NULL))
        close(fd); /* not yet owned by worker 0's listener */
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
        while (!LIST_EMPTY(&w->conns)) /* left at drain_timeout */
            conn_to(LIST_FIRST(&w->conns), HC_CLOSED);
        vw_accept_guard_free(w->guard);
        if (w->listener)
            evconnlistener_free(w->listener);
        if (w->drain_check)
            event_free(w->drain_check);
        if (w->base)
            event_base_free(w->base);
        if (w->req.body)
            evbuffer_free(w->req.body);
        free(w->head);
        msgpack_zone_destroy(&w->zone);
        msgpack_sbuffer_destroy(&w->mreq);
        msgpack_sbuffer_destroy(&w->resp);
        vw_packcache_free(w->packcache);
        vw_jsoncache_free(w->jsoncache);
    }
    free(h->w);
    free(h);
}
