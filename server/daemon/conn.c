/* conn.c -- one connection of a worker, as an explicit state machine with
 * one transition function (conn_to) and one close path (conn_to CLOSED):
 *
 *   HANDSHAKE     TLS only: the handshake must finish within
 *                 handshake_timeout of the accept (a deadline, not an
 *                 inactivity timer); a failed one is logged (reason only).
 *   READING       frames are parsed and answered, at most `batch` per turn
 *                 (a zero timer resumes the rest on the next loop pass,
 *                 after the other connections' I/O: no client starves the
 *                 others); read timeout = read_timeout while a frame is
 *                 partial, idle_timeout otherwise. A frame must also be
 *                 complete within read_timeout of the moment its first
 *                 bytes were seen (a deadline: a client trickling a byte a
 *                 second is cut off too), and the bytes held of all partial
 *                 frames together are bounded by max_input_total (over it:
 *                 `overloaded`, closed).
 *   WAITING       a heavy op (heavy.h) runs in the pool: nothing more is
 *                 read or answered on this connection until its answer is
 *                 back, so answers stay in request order.
 *   BACKPRESSURE  unsent output above output_high_water: reading stops until
 *                 the client has read everything; above max_output, close.
 *   CLOSING       the last answer is queued (framing error, refused token,
 *                 or the peer half-closed and every request it sent is
 *                 answered): nothing more is read; close once flushed.
 *   CLOSED        freed (terminal; the caller returns at once).
 *
 * Half-close: when the peer shuts down its write side, the requests it sent
 * are still answered, and the connection ends only once they are written
 * (or the peer is gone: a write error closes at once).
 *
 * Admin TCP connections must send a request with a valid token within
 * admin_auth_timeout of their accept, or they are closed.
 *
 * The snapshot is acquired once per batch, so a reload never pulls it out
 * from under a request. The answers of a batch are packed one after another
 * into the worker's buffer (w->out) and handed to the output in one go when
 * the batch ends (or the buffer passes FLUSH_AT): one output callback per
 * batch, not per answer, and no copy (conn_flush hands the buffer over).
 * Every path out of conn_process flushes, so w->out is empty between
 * connections, and the output limits count what is still in w->out. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/version.h"
#include "proto/vocab.h"
#include "heavy.h"
#include "log.h"
#include "server_int.h"
#include "vwtime.h"

typedef enum {
    CONN_NEW,        /* calloc'ed, not yet started */
    CONN_HANDSHAKE,
    CONN_READING,
    CONN_WAITING,
    CONN_BACKPRESSURE,
    CONN_CLOSING,
    CONN_CLOSED,
} conn_state;

typedef struct vw_conn {
    conn_state state;
    vw_listener_kind kind;
    struct bufferevent *bev;
    struct event *resume;       /* deferred: continue after a full batch */
    struct event *deadline;     /* handshake, or the partial frame, must be done by then */
    struct event *auth_dl;      /* admin TCP: authenticated by then (NULL otherwise) */
    size_t reserved;            /* bytes of the partial frame counted in input_total */
    bool eof;                   /* the peer shut down its write side */
    vw_heavy_job *job;          /* WAITING: the job in the pool */
    vw_worker *w;
    LIST_ENTRY(vw_conn) link;   /* in w->conns */
    /* admin: the last verified auth (its SHA-256) and its credential, so a
     * connection pays the slow hash once per distinct auth string */
    bool auth_cached;
    unsigned char auth_key[32];
    const vw_credential *auth_cred; /* borrowed from srv->creds */
    bool cert_done;                 /* TLS client certificate looked up */
    const vw_credential *cert_cred; /* its credential, or NULL */
} vw_conn;

static void conn_process(vw_conn *c);

/* Answers of a batch gathered in w->out before they go to the output. */
#define FLUSH_AT (256u * 1024u)
/* From this size the gathered answers are handed over, not copied. */
#define HANDOVER_MIN 2048u

/* The partial frame of `c` is done (answered, or the connection is going):
 * its deadline and its share of input_total end. */
static void frame_end(vw_conn *c)
{
    event_del(c->deadline);
    atomic_fetch_sub_explicit(&c->w->srv->input_total, c->reserved, memory_order_relaxed);
    c->reserved = 0;
}

static void set_timeouts(vw_conn *c, double read_s, double write_s)
{
    struct timeval rt = vw_time_tv(read_s), wt = vw_time_tv(write_s);
    bufferevent_set_timeouts(c->bev, &rt, &wt);
}

static void out_free(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* The answers gathered in w->out go to the output of `c`: from HANDOVER_MIN
 * bytes the buffer itself is handed over (cut to its size, so unsent output
 * holds no spare capacity; the output frees it once written or when the
 * connection goes), and w->out starts a fresh one of the next power of two
 * above this batch (the next is likely alike): the answers are not copied
 * again. Smaller ones are copied. */
static void conn_flush(vw_conn *c)
{
    vw_worker *w = c->w;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (w->out.size == 0)
        return;
    if (w->out.size >= HANDOVER_MIN) {
        size_t cap = HANDOVER_MIN;
        while (cap < w->out.size && cap < FLUSH_AT * 2)
            cap *= 2;
        char *fresh = malloc(cap);
        char *sent = fresh ? realloc(w->out.data, w->out.size) : NULL; /* shrinks in place */
        if (sent)
            w->out.data = sent;
        if (sent && evbuffer_add_reference(out, sent, w->out.size, out_free, NULL) == 0) {
            w->out.data = fresh;
            w->out.alloc = cap;
            w->out.size = 0;
            return;
        }
        if (sent)
            w->out.alloc = w->out.size;
        free(fresh);
    }
    evbuffer_add(out, w->out.data, w->out.size);
    w->out.size = 0;
}

/* The one transition function. Entering CLOSED frees `c`: the caller must
 * not touch it afterwards. */
static void conn_to(vw_conn *c, conn_state next)
{
    vw_worker *w = c->w;
    const vw_config *cfg = w->srv->cfg;
    conn_state was = c->state;
    c->state = next;
    switch (next) {
    case CONN_NEW:
        break;
    case CONN_HANDSHAKE: { /* a deadline too: a trickled handshake is cut off */
        struct timeval hd = vw_time_tv(cfg->handshake_timeout);
        set_timeouts(c, cfg->handshake_timeout, cfg->handshake_timeout);
        event_add(c->deadline, &hd);
        bufferevent_enable(c->bev, EV_READ | EV_WRITE);
        break;
    }
    case CONN_READING:
        if (was == CONN_NEW || was == CONN_HANDSHAKE) {
            event_del(c->deadline);
            set_timeouts(c, cfg->idle_timeout, cfg->write_timeout);
        }
        if (was == CONN_NEW)
            bufferevent_enable(c->bev, EV_READ | EV_WRITE);
        else if (!c->eof) /* after EOF there is nothing more to read */
            bufferevent_enable(c->bev, EV_READ);
        break;
    case CONN_WAITING:
    case CONN_BACKPRESSURE:
        bufferevent_disable(c->bev, EV_READ);
        break;
    case CONN_CLOSING: {
        struct evbuffer *in = bufferevent_get_input(c->bev);
        frame_end(c);
        evbuffer_drain(in, evbuffer_get_length(in));
        bufferevent_disable(c->bev, EV_READ);
        break;
    }
    case CONN_CLOSED:
        LIST_REMOVE(c, link);
        frame_end(c);
        if (c->job)
            c->job->conn = NULL; /* its answer is dropped when it comes back */
        if (c->auth_dl)
            event_free(c->auth_dl);
        event_free(c->deadline);
        event_free(c->resume);
        bufferevent_free(c->bev);
        vw_lk_release(w->srv, c->kind);
        free(c);
        /* Draining ends as soon as the last connection is gone; the deadline
         * timer of the worker's drain would otherwise keep the loop alive. */
        if (w->draining && LIST_EMPTY(&w->conns))
            event_base_loopbreak(w->base);
        break;
    }
}

/* Queues a last error answer after the batch's answers; the connection
 * closes once they are written. */
static void conn_answer_and_close(vw_conn *c, const char *code, const char *msg)
{
    vw_ops_error_frame(&c->w->out, 0, code, msg);
    conn_to(c, CONN_CLOSING);
}

/* A frame has begun and `held` of its bytes are in: start its deadline and
 * count the bytes actually held (not the declared length: 4-byte headers
 * alone must not fill the budget). -1 when that passes max_input_total. */
static int frame_begin(vw_conn *c, size_t held)
{
    const vw_config *cfg = c->w->srv->cfg;
    if (!event_pending(c->deadline, EV_TIMEOUT, NULL)) {
        struct timeval dl = vw_time_tv(cfg->read_timeout);
        event_add(c->deadline, &dl);
    }
    if (held > c->reserved) {
        unsigned long long add = held - c->reserved;
        unsigned long long was =
            atomic_fetch_add_explicit(&c->w->srv->input_total, add, memory_order_relaxed);
        c->reserved = held;
        if (was + add > cfg->max_input_total)
            return -1;
    }
    return 0;
}

static void on_auth_deadline(evutil_socket_t fd, short what, void *arg)
{
    vw_conn *c = arg;
    (void)fd;
    (void)what;
    vw_log(VW_LOG_WARN, "admin: closing a connection that sent no valid token within "
           "admin_auth_timeout (%.1f s)", c->w->srv->cfg->admin_auth_timeout);
    conn_to(c, CONN_CLOSED);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    vw_conn *c = arg;
    (void)fd;
    (void)what;
    if (c->state == CONN_HANDSHAKE)
        vw_log(VW_LOG_WARN, "TLS handshake failed: not complete within %.0f s",
               c->w->srv->cfg->handshake_timeout);
    else
        vw_log(VW_LOG_WARN, "closing connection: a frame was not complete within read_timeout "
               "(%.1f s) of its first bytes", c->w->srv->cfg->read_timeout);
    conn_to(c, CONN_CLOSED);
}

/* The credential of the TLS client certificate of `c` (cert= in the
 * credentials file), looked up once per connection; NULL when none. */
static const vw_credential *conn_cert_cred(vw_conn *c)
{
    if (c->cert_done)
        return c->cert_cred;
    c->cert_done = true;
    SSL *ssl = c->kind == VW_LK_ADMIN_TCP && c->w->srv->cfg->admin_tls
                   ? bufferevent_openssl_get_ssl(c->bev) : NULL;
    X509 *x = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (x && X509_digest(x, EVP_sha256(), md, &n) == 1 && n == 32) {
        char hex[65];
        for (unsigned i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
        c->cert_cred = vw_creds_by_cert(c->w->srv->creds, hex);
    }
    X509_free(x);
    return c->cert_cred;
}

/* vw_ops_admin.authenticate for a connection: the admin socket without
 * `auth` is the built-in admin (its file mode is the authentication); a
 * TLS client certificate mapped by cert= needs no `auth`; otherwise `auth`
 * is NAME:SECRET or the legacy token, verified once per distinct string. */
static const vw_credential *conn_authenticate(void *ud, const char *auth, size_t len)
{
    static const vw_credential local_admin = {.name = "admin", .role = VW_ROLE_ADMIN};
    vw_conn *c = ud;
    if (auth == NULL || len == 0) {
        if (c->kind == VW_LK_ADMIN_LOCAL)
            return &local_admin;
        return conn_cert_cred(c);
    }
    unsigned char key[32];
    if (SHA256((const unsigned char *)auth, len, key) == NULL)
        return NULL;
    if (c->auth_cached && CRYPTO_memcmp(key, c->auth_key, sizeof key) == 0)
        return c->auth_cred;
    const vw_credential *cred = vw_creds_authenticate(c->w->srv->creds, auth, len);
    if (cred) {
        memcpy(c->auth_key, key, sizeof key);
        c->auth_cred = cred;
        c->auth_cached = true;
    }
    return cred;
}

/* The ops context of a request on `c`; `admin` is filled for admin kinds. */
static vw_ops_ctx conn_ctx(vw_conn *c, vw_snapshot *snap, vw_ops_server_info *info,
                           vw_ops_admin *admin)
{
    vw_server *srv = c->w->srv;
    const vw_config *cfg = srv->cfg;
    *admin = srv->admin_tmpl;
    admin->cred = NULL;
    admin->authenticate = conn_authenticate;
    admin->auth_ud = c;
    vw_ops_ctx ctx = {.snap = snap, .tm = &cfg->travel, .lim = &cfg->limits,
                      .stats = &srv->stats, .info = info, .zone = &c->w->zone,
                      .packcache = c->w->packcache,
                      .today = vw_date_today(), .problems = srv->problems,
                      .refer_cfg = &cfg->refer,
                      .admin = vw_lk_is_admin(c->kind) ? admin : NULL,
                      .historic = vw_history_get, .historic_ud = srv->history};
    return ctx;
}

/* The frame of `blen` body bytes at the head of the input goes to the heavy
 * pool: true when it went (the connection now WAITS) or was answered
 * `overloaded` (pool queue full); false when it is to be answered here. */
static bool conn_offload(vw_conn *c, const uint8_t *body, uint32_t blen, vw_snapshot *snap,
                         const vw_ops_server_info *info)
{
    vw_worker *w = c->w;
    vw_server *srv = w->srv;
    uint64_t id = 0;
    if (srv->heavy == NULL || vw_lk_is_admin(c->kind) ||
        !vw_heavy_is_heavy(body, blen, &srv->cfg->limits, &id))
        return false;
    vw_heavy_job *j = vw_heavy_job_new(w, c, body, blen, snap ? vw_snapshot_retain(snap) : NULL,
                                       info);
    if (j && vw_heavy_submit(srv->heavy, j) == 0) {
        c->job = j;
        conn_to(c, CONN_WAITING);
        return true;
    }
    vw_heavy_job_free(j);
    /* The pool is full: answer this one `overloaded` (after the batch's
     * answers) and serve on. */
    vw_ops_error_frame(&w->out, id, VW_E_OVERLOADED, "too many heavy requests (coverage) "
                       "are waiting; try again later");
    vw_log(VW_LOG_WARN, "heavy-op queue full (heavy_queue %d): answered overloaded",
           srv->cfg->heavy_queue);
    return true;
}

/* Answers (or hands to the pool) one complete frame of `blen` body bytes at
 * the head of the input. */
static void conn_answer(vw_conn *c, vw_snapshot *snap, vw_ops_server_info *info, uint32_t blen,
                        bool *denied)
{
    vw_worker *w = c->w;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    const uint8_t *frame = evbuffer_pullup(in, (ev_ssize_t)(VW_FRAME_HEADER + blen));
    char logline[256];
    vw_ops_admin admin;
    *denied = false;
    if (conn_offload(c, frame + VW_FRAME_HEADER, blen, snap, info)) {
        evbuffer_drain(in, VW_FRAME_HEADER + blen);
        return;
    }
    vw_ops_ctx ctx = conn_ctx(c, snap, info, &admin);
    /* No log line below debug: the ops layer then formats nothing. */
    bool log_req = vw_log_enabled(VW_LOG_DEBUG) || ctx.admin;
    vw_ops_handle(&ctx, frame + VW_FRAME_HEADER, blen, &w->out, log_req ? logline : NULL,
                  sizeof logline); /* appended to the batch's answers */
    if (w->out.size >= FLUSH_AT)
        conn_flush(c);
    evbuffer_drain(in, VW_FRAME_HEADER + blen);
    if (log_req)
        vw_log(ctx.admin ? VW_LOG_INFO : VW_LOG_DEBUG, "w%d %s%s", w->index,
               ctx.admin ? "admin " : "", logline);
    if (ctx.admin && admin.refused) /* the reason holds roles, ops, region codes: no personal data */
        vw_log(VW_LOG_WARN, "w%d admin refused (credential %s): %s", w->index,
               admin.cred && !admin.denied ? admin.cred->name : "none", admin.refusal);
    *denied = admin.denied;
    if (!admin.denied && c->auth_dl)
        event_del(c->auth_dl); /* authenticated: an admin may keep it open */
}

/* Reads and answers what is complete, at most `batch` frames, then leaves
 * `c` in the state the result calls for (possibly CLOSED). */
static void conn_process(vw_conn *c)
{
    vw_worker *w = c->w;
    const vw_config *cfg = w->srv->cfg;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    vw_snapshot *snap = NULL;
    vw_ops_server_info info;
    bool partial = false, close_now = false, more = false;
    int done = 0;

    while (c->state == CONN_READING) {
        size_t avail = evbuffer_get_length(in);
        uint8_t hdr[VW_FRAME_HEADER];
        uint32_t blen = 0;
        if (avail == 0)
            break;
        if (avail < VW_FRAME_HEADER) {
            partial = true;
            frame_begin(c, avail);
            break;
        }
        evbuffer_copyout(in, hdr, sizeof hdr);
        vw_frame_status st = vw_frame_parse(hdr, sizeof hdr, cfg->limits.max_frame, &blen);
        if (st == VW_FRAME_TOO_LARGE || st == VW_FRAME_EMPTY) {
            char msg[128];
            snprintf(msg, sizeof msg, "frame of %u bytes; the limit is %u (1..max_frame)", blen,
                     cfg->limits.max_frame);
            vw_log(VW_LOG_WARN, "closing connection: %s", msg);
            conn_answer_and_close(c, st == VW_FRAME_EMPTY ? VW_E_BAD_REQUEST : VW_E_TOO_LARGE,
                                  msg);
            break;
        }
        if (avail < VW_FRAME_HEADER + (size_t)blen) {
            partial = true;
            if (frame_begin(c, avail) != 0) {
                vw_log(VW_LOG_WARN, "closing connection: partial frames of all connections "
                       "above max_input_total (%llu bytes)",
                       (unsigned long long)cfg->max_input_total);
                conn_answer_and_close(c, VW_E_OVERLOADED,
                                      "the server is buffering too many partial requests; "
                                      "try again later");
            }
            break;
        }
        frame_end(c); /* complete: the next frame gets its own deadline */
        if (done == cfg->batch) {
            /* A zero timer, not event_active: it fires on the next loop pass,
             * after the I/O of every other connection. */
            static const struct timeval now = {0, 0};
            event_add(c->resume, &now);
            more = true;
            break;
        }
        if (snap == NULL) {
            snap = vw_snapholder_acquire(w->srv->snaps, &info);
            if (vw_lk_is_admin(c->kind))
                vw_snapholder_admin_info(w->srv->snaps, &info);
        }
        info.version = VW_VERSION;
        info.started_at = w->srv->started_at;
        info.workers = w->srv->n_workers;
        bool denied = false;
        conn_answer(c, snap, &info, blen, &denied);
        done++;
        if (denied) {
            /* A wrong or missing token: answered `forbidden`, then closed. */
            vw_log(VW_LOG_WARN, "admin: closing a connection without a valid token");
            conn_to(c, CONN_CLOSING);
            break;
        }
        size_t pending = evbuffer_get_length(out) + w->out.size;
        if (pending > cfg->max_output) {
            vw_log(VW_LOG_WARN, "closing connection: %zu bytes unsent (max_output)", pending);
            close_now = true;
            break;
        }
        if (c->state == CONN_READING && pending > cfg->output_high_water)
            conn_to(c, CONN_BACKPRESSURE);
    }
    conn_flush(c);
    vw_snapholder_release(snap);
    /* The peer has sent all it will: once every complete request is
     * answered, finish (a partial frame can never complete now). */
    bool finished = c->state == CONN_READING && !more &&
                    (c->eof || (w->draining && !partial));
    if (close_now || (finished && evbuffer_get_length(out) == 0)) {
        conn_to(c, CONN_CLOSED);
        return;
    }
    if (finished && c->eof) {
        conn_to(c, CONN_CLOSING);
        return;
    }
    if (c->state == CONN_READING)
        set_timeouts(c, partial ? cfg->read_timeout : cfg->idle_timeout, cfg->write_timeout);
}

void vw_conn_heavy_done(vw_heavy_job *j)
{
    vw_conn *c = j->conn;
    if (c == NULL) { /* the connection went while the job ran */
        vw_heavy_job_free(j);
        return;
    }
    c->job = NULL;
    evbuffer_add(bufferevent_get_output(c->bev), j->out.data, j->out.size);
    if (vw_log_enabled(VW_LOG_DEBUG))
        vw_log(VW_LOG_DEBUG, "w%d heavy %s", c->w->index, j->logline);
    vw_heavy_job_free(j);
    size_t pending = evbuffer_get_length(bufferevent_get_output(c->bev));
    if (pending > c->w->srv->cfg->max_output) {
        vw_log(VW_LOG_WARN, "closing connection: %zu bytes unsent (max_output)", pending);
        conn_to(c, CONN_CLOSED);
        return;
    }
    if (pending > c->w->srv->cfg->output_high_water) {
        conn_to(c, CONN_BACKPRESSURE); /* on_write reads on */
        return;
    }
    conn_to(c, CONN_READING);
    conn_process(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn_process(arg);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_process(arg);
}

/* Called when the output buffer has been written out completely. */
static void on_write(struct bufferevent *bev, void *arg)
{
    vw_conn *c = arg;
    (void)bev;
    if (c->state == CONN_CLOSING) {
        conn_to(c, CONN_CLOSED);
        return;
    }
    /* Also while draining: requests already received are answered first. */
    if (c->state == CONN_BACKPRESSURE) {
        conn_to(c, CONN_READING);
        conn_process(c);
        return;
    }
    if (c->state == CONN_READING && (c->w->draining || c->eof))
        conn_process(c); /* closes it when nothing is left */
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    vw_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) { /* TLS handshake done */
        conn_to(c, CONN_READING);
        return;
    }
    if (c->state == CONN_HANDSHAKE) {
        char reason[160];
        unsigned long e = bufferevent_get_openssl_error(bev);
        if (what & BEV_EVENT_TIMEOUT)
            snprintf(reason, sizeof reason, "no handshake within %.0f s",
                     c->w->srv->cfg->handshake_timeout);
        else
            vw_tls_reason(e, reason, sizeof reason);
        while (bufferevent_get_openssl_error(bev) != 0)
            ; /* drop the rest of this connection's queue */
        vw_log(VW_LOG_WARN, "TLS handshake failed: %s", reason);
        conn_to(c, CONN_CLOSED);
        return;
    }
    if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING) && !(what & BEV_EVENT_ERROR)) {
        /* Half-close: answer what was sent, then end (conn_process). */
        c->eof = true;
        bufferevent_disable(c->bev, EV_READ);
        if (c->state == CONN_READING)
            conn_process(c);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT)
        vw_log(VW_LOG_DEBUG, "closing connection: %s timeout",
               (what & BEV_EVENT_READING) ? "read" : "write");
    conn_to(c, CONN_CLOSED);
}

/* A bufferevent for `fd` (owned; closed on failure): TLS for the TLS
 * listener and a TLS admin listener. *tls tells which. */
static struct bufferevent *conn_bev(vw_worker *w, int fd, vw_listener_kind lk, bool *tls)
{
    const vw_config *cfg = w->srv->cfg;
    struct bufferevent *bev = NULL;
    *tls = lk == VW_LK_TLS || (lk == VW_LK_ADMIN_TCP && cfg->admin_tls);
    if (!*tls) {
        bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    } else {
        SSL *ssl = SSL_new(w->srv->tls_ctx);
        bev = ssl ? bufferevent_openssl_socket_new(w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                   BEV_OPT_CLOSE_ON_FREE)
                  : NULL;
        if (bev == NULL && ssl)
            SSL_free(ssl);
        if (bev)
            bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    }
    if (bev == NULL)
        close(fd);
    return bev;
}

void vw_conn_open(vw_worker *w, int fd, vw_listener_kind lk)
{
    const vw_config *cfg = w->srv->cfg;
    bool tls = false, ok = false;
    vw_conn *c = calloc(1, sizeof *c);
    struct bufferevent *bev = conn_bev(w, fd, lk, &tls);
    if (c && bev) {
        c->resume = evtimer_new(w->base, on_resume, c);
        c->deadline = evtimer_new(w->base, on_deadline, c);
        if (lk == VW_LK_ADMIN_TCP)
            c->auth_dl = evtimer_new(w->base, on_auth_deadline, c);
        ok = c->resume && c->deadline && (lk != VW_LK_ADMIN_TCP || c->auth_dl);
    }
    if (!ok) {
        if (bev)
            bufferevent_free(bev);
        if (c && c->resume)
            event_free(c->resume);
        if (c && c->deadline)
            event_free(c->deadline);
        if (c && c->auth_dl)
            event_free(c->auth_dl);
        free(c);
        vw_lk_release(w->srv, lk);
        return;
    }
    c->w = w;
    c->kind = lk;
    c->bev = bev;
    c->state = CONN_NEW;
    LIST_INSERT_HEAD(&w->conns, c, link);
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    if (c->auth_dl) {
        struct timeval ad = vw_time_tv(cfg->admin_auth_timeout);
        event_add(c->auth_dl, &ad);
    }
    conn_to(c, tls ? CONN_HANDSHAKE : CONN_READING);
}

void vw_conns_drain(vw_worker *w)
{
    vw_conn *c, *next;
    for (c = LIST_FIRST(&w->conns); c; c = next) {
        next = LIST_NEXT(c, link);
        struct evbuffer *in = bufferevent_get_input(c->bev);
        struct evbuffer *out = bufferevent_get_output(c->bev);
        if (c->state == CONN_WAITING || c->state == CONN_CLOSING ||
            evbuffer_get_length(out) != 0)
            continue; /* ends when its answers are out */
        if (evbuffer_get_length(in) == 0)
            conn_to(c, CONN_CLOSED);
        else if (c->state == CONN_READING)
            conn_process(c); /* answer what is complete, then close */
    }
}

void vw_conns_close_all(vw_worker *w)
{
    while (!LIST_EMPTY(&w->conns))
        conn_to(LIST_FIRST(&w->conns), CONN_CLOSED);
}
