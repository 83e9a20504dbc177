/* net.c -- verwijsd's network layer, memcached style.
 *
 * The main thread owns the listeners (TCP and Unix socket) and the signal
 * events. Accepted sockets are handed out round-robin to N worker threads,
 * each with its own event_base, through a mutex-protected queue and a wake-up
 * byte on a pipe. A worker runs every connection it owns through an explicit
 * state machine:
 *
 *   READING       frames are parsed and answered, at most `batch` per turn
 *                 (a deferred event resumes the rest, so no client starves
 *                 the others); read timeout = read_timeout while a frame is
 *                 partial, idle_timeout otherwise. A frame must also be
 *                 complete within read_timeout of the moment its first
 *                 bytes were seen (a deadline, not an inactivity timer: a
 *                 client trickling a byte a second is cut off too), and the
 *                 bytes of all partial frames together are bounded by
 *                 max_input_total (over it: `overloaded`, closed).
 *   BACKPRESSURE  unsent output above output_high_water: reading stops until
 *                 the client has read everything; above max_output, close.
 *   CLOSING       a framing error was answered; close once it is flushed.
 *
 * TLS connections (tls_listen) run through libevent's OpenSSL bufferevents:
 * the handshake must finish within handshake_timeout (a deadline from the
 * accept, not an inactivity timer), a failed one is logged
 * (reason only) and closed; after it, the same states and limits apply.
 *
 * The snapshot is retained once per batch, so a reload never pulls it out
 * from under a request. */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/version.h"
#include "proto/vocab.h"
#include "daemon.h"
#include "fds.h"
#include "http.h"
#include "log.h"


typedef enum { CONN_READING, CONN_BACKPRESSURE, CONN_CLOSING } conn_state;

/* What a listener serves. Admin listeners hand their connections to the
 * admin worker (the last one), whose ops context carries the admin actions;
 * every other listener serves queries only. */
typedef enum { LK_QUERY, LK_ADMIN_LOCAL, LK_ADMIN_TCP, LK_TLS } listener_kind;

typedef struct vw_listener {
    vw_server *srv;
    listener_kind kind;
    struct evconnlistener *l;
    vw_accept_guard *guard;     /* owned; freed before l */
    const char *addr;           /* config string: HOST:PORT or a socket path */
    bool is_unix;
} vw_listener;
#define MAX_LISTENERS 5

typedef struct vw_worker vw_worker;

typedef struct vw_conn {
    conn_state state;
    listener_kind kind;
    bool handshaking;           /* TLS: until BEV_EVENT_CONNECTED */
    struct bufferevent *bev;
    struct event *resume;       /* deferred: continue after a full batch */
    struct event *deadline;     /* the partial frame must be complete by then */
    uint32_t reserved;          /* bytes of the partial frame counted in input_total */
    vw_worker *w;
    struct vw_conn *prev, *next;
} vw_conn;

typedef struct fd_node {
    int fd;
    listener_kind kind;
    struct fd_node *next;
} fd_node;

struct vw_worker {
    int index;
    pthread_t thread;
    struct event_base *base;
    struct event *notify;
    int pipe_r, pipe_w;
    pthread_mutex_t qmu;
    fd_node *qhead, *qtail;
    bool draining;
    vw_conn *conns;             /* all live connections of this worker */
    msgpack_zone zone;
    msgpack_sbuffer out;        /* one response at a time */
    vw_server *srv;
};

struct vw_server {
    const vw_config *cfg;
    struct event_base *base;
    vw_listener lis[MAX_LISTENERS];
    int n_lis;
    struct event *ev_term, *ev_int, *ev_hup;
    vw_worker *workers;
    int n_workers, next_worker; /* query workers; round-robin */
    int n_all;                  /* + the admin worker, when there is an admin listener */
    vw_admin_env admin_env;
    vw_ops_admin admin_tmpl;    /* callbacks; token per listener kind */
    char admin_token[256];
    SSL_CTX *tls_ctx;           /* tls_listen, else NULL */
    vw_snapholder snaps;
    vw_problems *problems;
    vw_ops_stats stats;
    int64_t started_at;
    atomic_bool stopping;       /* SIGTERM/SIGINT seen: admin imports roll back */
    bool abandoned;             /* a worker outlived the drain: leave its memory alone */
    pthread_t reload_thread;    /* SIGHUP's reload; joined before the next one and at exit */
    bool reload_started;
    vw_http *http;              /* HTTP/JSON gateway, NULL when http_listen is "" */
    atomic_ullong input_total;  /* declared bytes of all partial frames (max_input_total) */
};

/* ---- connections ---------------------------------------------------------- */

static struct timeval tv_of(double s)
{
    struct timeval tv = {(time_t)s, (suseconds_t)((s - (double)(time_t)s) * 1e6)};
    return tv;
}

static void conn_free(vw_conn *c)
{
    vw_worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    atomic_fetch_sub_explicit(&w->srv->input_total, c->reserved, memory_order_relaxed);
    event_free(c->deadline);
    event_free(c->resume);
    bufferevent_free(c->bev);
    free(c);
    atomic_fetch_sub_explicit(&w->srv->stats.conn_current, 1, memory_order_relaxed);
    /* Draining ends as soon as the last connection is gone; the deadline
     * timer of worker_drain() would otherwise keep the loop alive. */
    if (w->draining && w->conns == NULL)
        event_base_loopbreak(w->base);
}

static void conn_answer_and_close(vw_conn *c, const char *code, const char *msg)
{
    vw_worker *w = c->w;
    w->out.size = 0;
    vw_ops_error_frame(&w->out, 0, code, msg);
    evbuffer_add(bufferevent_get_output(c->bev), w->out.data, w->out.size);
    evbuffer_drain(bufferevent_get_input(c->bev),
                   evbuffer_get_length(bufferevent_get_input(c->bev)));
    bufferevent_disable(c->bev, EV_READ);
    c->state = CONN_CLOSING;
}

/* The partial frame of `c` is done (answered, or the connection is going):
 * its deadline and its share of input_total end. */
static void frame_end(vw_conn *c)
{
    event_del(c->deadline);
    atomic_fetch_sub_explicit(&c->w->srv->input_total, c->reserved, memory_order_relaxed);
    c->reserved = 0;
}

/* A frame of `blen` body bytes has begun: start its deadline and count its
 * bytes (once). -1 when that would pass max_input_total. */
static int frame_begin(vw_conn *c, uint32_t blen)
{
    const vw_config *cfg = c->w->srv->cfg;
    if (!event_pending(c->deadline, EV_TIMEOUT, NULL)) {
        struct timeval dl = tv_of(cfg->read_timeout);
        event_add(c->deadline, &dl);
    }
    if (blen > c->reserved) {
        unsigned long long add = blen - c->reserved;
        unsigned long long was =
            atomic_fetch_add_explicit(&c->w->srv->input_total, add, memory_order_relaxed);
        c->reserved = blen;
        if (was + add > cfg->max_input_total)
            return -1;
    }
    return 0;
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    vw_conn *c = arg;
    (void)fd;
    (void)what;
    if (c->handshaking)
        vw_log(VW_LOG_WARN, "TLS handshake failed: not complete within %.0f s",
               c->w->srv->cfg->handshake_timeout);
    else
        vw_log(VW_LOG_WARN, "closing connection: a frame was not complete within read_timeout "
               "(%.1f s) of its first bytes", c->w->srv->cfg->read_timeout);
    conn_free(c);
}

static void conn_process(vw_conn *c)
{
    vw_worker *w = c->w;
    const vw_config *cfg = w->srv->cfg;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    vw_snapshot *snap = NULL;
    vw_ops_server_info info;
    bool partial = false;
    int done = 0;

    while (c->state == CONN_READING) {
        size_t avail = evbuffer_get_length(in);
        uint8_t hdr[VW_FRAME_HEADER];
        uint32_t blen = 0;
        if (avail == 0)
            break;
        if (avail < VW_FRAME_HEADER) {
            partial = true;
            frame_begin(c, 0);
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
            if (frame_begin(c, blen) != 0) {
                vw_log(VW_LOG_WARN, "closing connection: partial frames of all connections "
                       "above max_input_total (%llu bytes)",
                       (unsigned long long)cfg->max_input_total);
                frame_end(c);
                conn_answer_and_close(c, VW_E_OVERLOADED,
                                      "the server is buffering too many partial requests; "
                                      "try again later");
            }
            break;
        }
        frame_end(c); /* complete: the next frame gets its own deadline */
        if (done == cfg->batch) {
            event_active(c->resume, EV_TIMEOUT, 0); /* let other connections in first */
            break;
        }
        if (snap == NULL)
            snap = vw_snapholder_acquire(&w->srv->snaps, &info);
        info.version = VW_VERSION;
        info.started_at = w->srv->started_at;
        info.workers = w->srv->n_workers;
        const uint8_t *frame = evbuffer_pullup(in, (ev_ssize_t)(VW_FRAME_HEADER + blen));
        char logline[256];
        vw_ops_admin admin = w->srv->admin_tmpl;
        if (c->kind == LK_ADMIN_TCP) {
            admin.token = w->srv->admin_token;
            admin.token_len = strlen(w->srv->admin_token);
        }
        vw_ops_ctx ctx = {.snap = snap, .tm = &cfg->travel, .lim = &cfg->limits,
                          .stats = &w->srv->stats, .info = &info, .zone = &w->zone,
                          .today = vw_date_today(), .problems = w->srv->problems,
                          .refer_cfg = &cfg->refer,
                          .admin = (c->kind == LK_ADMIN_LOCAL || c->kind == LK_ADMIN_TCP)
                                       ? &admin : NULL};
        w->out.size = 0;
        vw_ops_handle(&ctx, frame + VW_FRAME_HEADER, blen, &w->out, logline, sizeof logline);
        evbuffer_add(out, w->out.data, w->out.size);
        evbuffer_drain(in, VW_FRAME_HEADER + blen);
        done++;
        if (vw_log_enabled(VW_LOG_DEBUG) || ctx.admin)
            vw_log(ctx.admin ? VW_LOG_INFO : VW_LOG_DEBUG, "w%d %s%s", w->index,
                   ctx.admin ? "admin " : "", logline);
        if (admin.denied) {
            /* A wrong or missing token: answered `forbidden`, then closed. */
            vw_log(VW_LOG_WARN, "admin: closing a connection without a valid token");
            evbuffer_drain(in, evbuffer_get_length(in));
            bufferevent_disable(c->bev, EV_READ);
            c->state = CONN_CLOSING;
            break;
        }
        size_t pending = evbuffer_get_length(out);
        if (pending > cfg->max_output) {
            vw_log(VW_LOG_WARN, "closing connection: %zu bytes unsent (max_output)", pending);
            if (snap)
                vw_snapshot_release(snap);
            conn_free(c);
            return;
        }
        if (pending > cfg->output_high_water) {
            c->state = CONN_BACKPRESSURE;
            bufferevent_disable(c->bev, EV_READ);
        }
    }
    if (snap)
        vw_snapshot_release(snap);
    if (c->state == CONN_READING) {
        struct timeval rt = tv_of(partial ? cfg->read_timeout : cfg->idle_timeout);
        struct timeval wt = tv_of(cfg->write_timeout);
        bufferevent_set_timeouts(c->bev, &rt, &wt);
    }
    if (w->draining && c->state == CONN_READING && !partial &&
        evbuffer_get_length(out) == 0) {
        conn_free(c);
        return;
    }
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
        conn_free(c);
        return;
    }
    /* Also while draining: requests already received are answered first. */
    if (c->state == CONN_BACKPRESSURE) {
        c->state = CONN_READING;
        bufferevent_enable(c->bev, EV_READ);
        conn_process(c);
        return;
    }
    if (c->w->draining)
        conn_process(c); /* frees it when nothing is left */
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    vw_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) { /* TLS handshake done */
        const vw_config *cfg = c->w->srv->cfg;
        struct timeval rt = tv_of(cfg->idle_timeout), wt = tv_of(cfg->write_timeout);
        c->handshaking = false;
        event_del(c->deadline);
        bufferevent_set_timeouts(bev, &rt, &wt);
        return;
    }
    if (c->handshaking) {
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
        conn_free(c);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT)
        vw_log(VW_LOG_DEBUG, "closing connection: %s timeout",
               (what & BEV_EVENT_READING) ? "read" : "write");
    conn_free(c);
}

static void conn_new(vw_worker *w, int fd, listener_kind kind)
{
    const vw_config *cfg = w->srv->cfg;
    vw_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        close(fd);
        atomic_fetch_sub_explicit(&w->srv->stats.conn_current, 1, memory_order_relaxed);
        return;
    }
    c->w = w;
    c->kind = kind;
    c->state = CONN_READING;
    if (kind == LK_TLS || (kind == LK_ADMIN_TCP && cfg->admin_tls)) {
        SSL *ssl = SSL_new(w->srv->tls_ctx);
        c->bev = ssl ? bufferevent_openssl_socket_new(w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                      BEV_OPT_CLOSE_ON_FREE)
                     : NULL;
        if (c->bev == NULL && ssl)
            SSL_free(ssl);
        if (c->bev) {
            bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
            c->handshaking = true;
        }
    } else {
        c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    c->resume = event_new(w->base, -1, 0, on_resume, c);
    c->deadline = evtimer_new(w->base, on_deadline, c);
    if (c->bev == NULL || c->resume == NULL || c->deadline == NULL) {
        if (c->bev)
            bufferevent_free(c->bev);
        else
            close(fd);
        if (c->resume)
            event_free(c->resume);
        if (c->deadline)
            event_free(c->deadline);
        free(c);
        atomic_fetch_sub_explicit(&w->srv->stats.conn_current, 1, memory_order_relaxed);
        return;
    }
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    struct timeval rt = tv_of(c->handshaking ? cfg->handshake_timeout : cfg->idle_timeout);
    struct timeval wt = tv_of(c->handshaking ? cfg->handshake_timeout : cfg->write_timeout);
    bufferevent_set_timeouts(c->bev, &rt, &wt);
    if (c->handshaking) { /* a deadline too: a trickled handshake is cut off */
        struct timeval hd = tv_of(cfg->handshake_timeout);
        event_add(c->deadline, &hd);
    }
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- workers -------------------------------------------------------------- */

static void worker_drain(vw_worker *w)
{
    w->draining = true;
    event_del(w->notify);
    for (vw_conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        struct evbuffer *in = bufferevent_get_input(c->bev);
        struct evbuffer *out = bufferevent_get_output(c->bev);
        if (evbuffer_get_length(out) == 0 && c->state != CONN_CLOSING) {
            if (evbuffer_get_length(in) == 0)
                conn_free(c);
            else
                conn_process(c); /* answer what is complete, then close */
        }
    }
    struct timeval dl = tv_of(w->srv->cfg->drain_timeout);
    event_base_loopexit(w->base, &dl);
    if (w->conns == NULL)
        event_base_loopbreak(w->base);
}

static void on_notify(evutil_socket_t fd, short what, void *arg)
{
    vw_worker *w = arg;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    (void)what;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == 'q') {
            worker_drain(w);
            return;
        }
        pthread_mutex_lock(&w->qmu);
        fd_node *node = w->qhead;
        if (node) {
            w->qhead = node->next;
            if (w->qhead == NULL)
                w->qtail = NULL;
        }
        pthread_mutex_unlock(&w->qmu);
        if (node) {
            conn_new(w, node->fd, node->kind);
            free(node);
        }
    }
}

static void *worker_main(void *arg)
{
    vw_worker *w = arg;
    event_base_dispatch(w->base);
    while (w->conns) /* past the drain deadline */
        conn_free(w->conns);
    return NULL;
}

static void wake(vw_worker *w, char what)
{
    ssize_t ignored = write(w->pipe_w, &what, 1);
    (void)ignored;
}

/* ---- listeners ------------------------------------------------------------ */

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    vw_listener *li = arg;
    vw_server *srv = li->srv;
    (void)l;
    (void)socklen;
    atomic_fetch_add_explicit(&srv->stats.conn_total, 1, memory_order_relaxed);
    unsigned long long cur =
        atomic_fetch_add_explicit(&srv->stats.conn_current, 1, memory_order_relaxed);
    bool admin = li->kind == LK_ADMIN_LOCAL || li->kind == LK_ADMIN_TCP;
    if (!admin && cur >= (unsigned long long)srv->cfg->max_connections) {
        /* Best effort: one error frame on the fresh socket, then close
         * (TLS clients just see the close: no handshake yet). */
        if (li->kind != LK_TLS) { /* (admin listeners are never refused) */
            msgpack_sbuffer sb;
            msgpack_sbuffer_init(&sb);
            vw_ops_error_frame(&sb, 0, VW_E_OVERLOADED, "too many connections; try again later");
            ssize_t ignored = send(fd, sb.data, sb.size, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)ignored;
            msgpack_sbuffer_destroy(&sb);
        }
        close(fd);
        atomic_fetch_sub_explicit(&srv->stats.conn_current, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&srv->stats.conn_rejected, 1, memory_order_relaxed);
        return;
    }
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    fd_node *node = malloc(sizeof *node);
    if (node == NULL) {
        close(fd);
        atomic_fetch_sub_explicit(&srv->stats.conn_current, 1, memory_order_relaxed);
        return;
    }
    vw_worker *w;
    if (li->kind == LK_ADMIN_LOCAL || li->kind == LK_ADMIN_TCP) {
        w = &srv->workers[srv->n_workers]; /* the admin worker */
    } else {
        w = &srv->workers[srv->next_worker];
        srv->next_worker = (srv->next_worker + 1) % srv->n_workers;
    }
    node->fd = fd;
    node->kind = li->kind;
    node->next = NULL;
    pthread_mutex_lock(&w->qmu);
    if (w->qtail)
        w->qtail->next = node;
    else
        w->qhead = node;
    w->qtail = node;
    pthread_mutex_unlock(&w->qmu);
    wake(w, 'c');
}

int vw_split_hostport(const char *hp, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon = strrchr(hp, ':');
    if (colon == NULL || colon == hp || colon[1] == '\0')
        return -1;
    const char *h = hp;
    size_t hl = (size_t)(colon - hp);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= hcap || strlen(colon + 1) >= pcap)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, pcap, "%s", colon + 1);
    return 0;
}

static vw_listener *listener_add(vw_server *srv, listener_kind kind, const char *addr,
                                 bool is_unix)
{
    vw_listener *li = &srv->lis[srv->n_lis++];
    li->srv = srv;
    li->kind = kind;
    li->addr = addr;
    li->is_unix = is_unix;
    return li;
}

static int listen_tcp(vw_server *srv, const char *addr, listener_kind kind, vw_err *err)
{
    char host[256], port[32];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    if (vw_split_hostport(addr, host, sizeof host, port, sizeof port) != 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "listen addresses must be HOST:PORT, not '%s'",
                          addr);
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0)
        return vw_err_set(err, VW_E_CONNECT, "cannot resolve %s: %s", addr, gai_strerror(rc));
    vw_listener *li = listener_add(srv, kind, addr, false);
    li->l = evconnlistener_new_bind(srv->base, on_accept, li,
                                    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1024,
                                    ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (li->l == NULL)
        return vw_err_set(err, VW_E_CONNECT, "cannot listen on %s: %s", addr, strerror(errno));
    li->guard = vw_accept_guard_new(li->l, addr);
    return 0;
}

/* The socket file gets its mode before listen(), and bind() creates it under
 * a umask that already allows no more than `mode`, so nobody can connect
 * through wider permissions in between. (Startup is single-threaded here.) */
static int listen_unix(vw_server *srv, const char *path, unsigned mode, listener_kind kind,
                       vw_err *err)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct stat st;
    if (strlen(path) >= sizeof sun.sun_path)
        return vw_err_set(err, VW_E_BAD_REQUEST, "socket path too long: %s", path);
    memcpy(sun.sun_path, path, strlen(path) + 1);
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return vw_err_set(err, VW_E_IO, "%s exists and is not a socket", path);
        unlink(path); /* stale socket of an earlier run */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    mode_t old = umask((mode_t)(~mode & 0777));
    int brc = fd >= 0 ? bind(fd, (struct sockaddr *)&sun, sizeof sun) : -1;
    umask(old);
    if (fd < 0 || brc != 0 || chmod(path, mode) != 0 || listen(fd, 1024) != 0 ||
        evutil_make_socket_nonblocking(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return vw_err_set(err, VW_E_IO, "cannot listen on %s: %s", path, strerror(e));
    }
    vw_listener *li = listener_add(srv, kind, path, true);
    li->l = evconnlistener_new(srv->base, on_accept, li, LEV_OPT_CLOSE_ON_FREE, -1, fd);
    if (li->l == NULL) {
        close(fd);
        return vw_err_set(err, VW_E_IO, "cannot listen on %s", path);
    }
    li->guard = vw_accept_guard_new(li->l, path);
    return 0;
}

int vw_write_port_file(const char *path, int fd, const char *what, vw_err *err)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char tmp[1100];
    int port = 0;
    if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    vw_log(VW_LOG_INFO, "%s on port %d", what, port);
    if (path[0] == '\0')
        return 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
        return vw_err_set(err, VW_E_IO, "cannot write %s", path);
    return 0;
}

/* The socket of the TCP listener of `kind`, -1 when none. */
static int listener_fd(const vw_server *srv, listener_kind kind)
{
    for (int i = 0; i < srv->n_lis; i++) {
        const vw_listener *li = &srv->lis[i];
        if (li->kind == kind && !li->is_unix && li->l != NULL)
            return evconnlistener_get_fd(li->l);
    }
    return -1;
}

/* port_file gets the query port; PORT_FILE.admin and PORT_FILE.tls the
 * admin and TLS ports when those listen. The query file is written last:
 * it is the "ready" signal. */
static int write_port_files(vw_server *srv, vw_err *err)
{
    char path[1100];
    static const struct {
        listener_kind kind;
        const char *suffix, *what;
    } extra[] = {{LK_ADMIN_TCP, "admin", "admin listening"}, {LK_TLS, "tls", "TLS listening"}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        int fd = listener_fd(srv, extra[i].kind);
        snprintf(path, sizeof path, "%s.%s", srv->cfg->port_file, extra[i].suffix);
        if (fd >= 0 && vw_write_port_file(path, fd, extra[i].what, err) != 0)
            return -1;
    }
    return vw_write_port_file(srv->cfg->port_file, listener_fd(srv, LK_QUERY), "listening", err);
}

static void listeners_close(vw_server *srv)
{
    for (int i = 0; i < srv->n_lis; i++) {
        vw_listener *li = &srv->lis[i];
        if (li->l == NULL)
            continue;
        vw_accept_guard_free(li->guard);
        li->guard = NULL;
        evconnlistener_free(li->l);
        li->l = NULL;
        if (li->is_unix)
            unlink(li->addr);
    }
}

static int listeners_open(vw_server *srv, vw_err *err)
{
    const vw_config *cfg = srv->cfg;
    if ((cfg->listen[0] && listen_tcp(srv, cfg->listen, LK_QUERY, err) != 0) ||
        (cfg->socket[0] && listen_unix(srv, cfg->socket, cfg->socket_mode, LK_QUERY, err) != 0) ||
        (cfg->tls_listen[0] && listen_tcp(srv, cfg->tls_listen, LK_TLS, err) != 0) ||
        (cfg->admin_socket[0] &&
         listen_unix(srv, cfg->admin_socket, cfg->admin_socket_mode, LK_ADMIN_LOCAL, err) != 0) ||
        (cfg->admin_listen[0] && listen_tcp(srv, cfg->admin_listen, LK_ADMIN_TCP, err) != 0))
        return -1;
    if (!cfg->listen[0] && !cfg->socket[0] && !cfg->tls_listen[0] && !cfg->http_listen[0])
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "nothing to listen on (set listen, socket, tls_listen or http_listen)");
    return 0;
}

/* ---- signals and reload --------------------------------------------------- */

static void *reload_main(void *arg)
{
    vw_server *srv = arg;
    vw_err err;
    vw_snapholder_reload(&srv->snaps, srv->cfg->db, &err);
    pthread_mutex_lock(&srv->snaps.mu);
    srv->snaps.reloading = false;
    pthread_mutex_unlock(&srv->snaps.mu);
    return NULL;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    vw_server *srv = arg;
    (void)what;
    if (sig == SIGHUP) {
        pthread_mutex_lock(&srv->snaps.mu);
        bool busy = srv->snaps.reloading;
        srv->snaps.reloading = true;
        pthread_mutex_unlock(&srv->snaps.mu);
        if (busy) {
            vw_log(VW_LOG_WARN, "SIGHUP: a reload is already running");
            return;
        }
        vw_log(VW_LOG_INFO, "SIGHUP: reloading snapshot from %s", srv->cfg->db);
        if (srv->reload_started) /* the previous one has finished (not busy) */
            pthread_join(srv->reload_thread, NULL);
        srv->reload_started = pthread_create(&srv->reload_thread, NULL, reload_main, srv) == 0;
        if (!srv->reload_started) {
            pthread_mutex_lock(&srv->snaps.mu);
            srv->snaps.reloading = false;
            pthread_mutex_unlock(&srv->snaps.mu);
        }
        return;
    }
    vw_log(VW_LOG_INFO, "%s: draining connections (at most %.0f s)",
           sig == SIGTERM ? "SIGTERM" : "SIGINT", srv->cfg->drain_timeout);
    atomic_store(&srv->stopping, true);
    listeners_close(srv);
    for (int i = 0; i < srv->n_all; i++)
        wake(&srv->workers[i], 'q');
    vw_http_stop(srv->http);
    event_base_loopbreak(srv->base);
}

/* ---- server --------------------------------------------------------------- */

vw_server *vw_server_new(const vw_config *cfg, vw_err *err)
{
    vw_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        return NULL;
    }
    srv->cfg = cfg;
    srv->started_at = (int64_t)time(NULL);
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    vw_libevent_log_setup();

    srv->problems = cfg->problems_file[0] ? vw_problems_load_file(cfg->problems_file, err)
                                          : vw_problems_builtin(err);
    if (srv->problems == NULL)
        goto fail;
    if (vw_snapholder_init(&srv->snaps, cfg->db, cfg->start_without_snapshot != 0, err) != 0)
        goto fail_problems;
    srv->base = event_base_new();
    if (srv->base == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "event_base_new failed");
        goto fail_snaps;
    }
    srv->admin_env.snaps = &srv->snaps;
    srv->admin_env.cfg = cfg;
    srv->admin_env.stopping = &srv->stopping;
    vw_admin_setup(&srv->admin_tmpl, &srv->admin_env);
    if (cfg->admin_listen[0] &&
        vw_admin_token_load(cfg, srv->admin_token, sizeof srv->admin_token, err) != 0)
        goto fail_listen;
    if ((cfg->tls_listen[0] || (cfg->admin_listen[0] && cfg->admin_tls)) &&
        (srv->tls_ctx = vw_tls_server_ctx(cfg, err)) == NULL)
        goto fail_listen;
    if (listeners_open(srv, err) != 0)
        goto fail_listen;

    srv->n_workers = cfg->workers;
    srv->n_all = srv->n_workers + ((cfg->admin_socket[0] || cfg->admin_listen[0]) ? 1 : 0);
    srv->workers = calloc((size_t)srv->n_all, sizeof *srv->workers);
    if (srv->workers == NULL)
        goto fail_listen;
    for (int i = 0; i < srv->n_all; i++) {
        vw_worker *w = &srv->workers[i];
        int p[2];
        w->index = i;
        w->srv = srv;
        pthread_mutex_init(&w->qmu, NULL);
        msgpack_zone_init(&w->zone, 8192);
        msgpack_sbuffer_init(&w->out);
        if (pipe(p) != 0 || (w->base = event_base_new()) == NULL) {
            vw_err_set(err, VW_E_INTERNAL, "cannot create worker %d", i);
            goto fail_listen; /* process exits on this error; see main */
        }
        w->pipe_r = p[0];
        w->pipe_w = p[1];
        evutil_make_socket_nonblocking(w->pipe_r);
        w->notify = event_new(w->base, w->pipe_r, EV_READ | EV_PERSIST, on_notify, w);
        event_add(w->notify, NULL);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            vw_err_set(err, VW_E_INTERNAL, "cannot start worker %d", i);
            goto fail_listen;
        }
    }
    srv->ev_term = evsignal_new(srv->base, SIGTERM, on_signal, srv);
    srv->ev_int = evsignal_new(srv->base, SIGINT, on_signal, srv);
    srv->ev_hup = evsignal_new(srv->base, SIGHUP, on_signal, srv);
    /* libevent restores the disposition it found when these events are freed
     * at the very end: make that "ignore", so a second SIGTERM (or a SIGHUP)
     * arriving during the final teardown cannot kill the process with 143
     * after a clean drain. The drain itself is bounded by drain_timeout. */
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    event_add(srv->ev_term, NULL);
    event_add(srv->ev_int, NULL);
    event_add(srv->ev_hup, NULL);
    if (cfg->http_listen[0]) {
        vw_http_env env = {.cfg = cfg, .snaps = &srv->snaps, .problems = srv->problems,
                           .stats = &srv->stats, .started_at = srv->started_at,
                           .workers = srv->n_workers};
        srv->http = vw_http_new(&env, err);
        if (srv->http == NULL)
            goto fail_listen;
    }
    if (cfg->port_file[0] && write_port_files(srv, err) != 0)
        goto fail_listen;
    vw_log(VW_LOG_INFO, "verwijsd %s: %d workers, listen %s, socket %s, http %s, tls %s, "
           "admin socket %s, admin tcp %s", VW_VERSION, srv->n_workers,
           cfg->listen[0] ? cfg->listen : "-", cfg->socket[0] ? cfg->socket : "-",
           cfg->http_listen[0] ? cfg->http_listen : "-", cfg->tls_listen[0] ? cfg->tls_listen : "-",
           cfg->admin_socket[0] ? cfg->admin_socket : "-",
           cfg->admin_listen[0] ? cfg->admin_listen : "-");
    return srv;

fail_listen:
    /* Startup failures end the process (verwijsd exits 1), so threads that
     * did start are not joined here. */
    return NULL;
fail_snaps:
    vw_snapholder_destroy(&srv->snaps);
fail_problems:
    vw_problems_free(srv->problems);
fail:
    free(srv);
    return NULL;
}

/* Waits for the workers and a running SIGHUP reload, but not past the drain
 * deadline (+ a little): the
 * admin worker may be inside an import that is still rolling back or a
 * regions build that does not look at the stop flag. A worker left behind
 * is logged and its memory is never freed (the process exits anyway; SQLite
 * rolls an unfinished transaction back on the next open). */
static void join_workers(vw_server *srv)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    double wait = srv->cfg->drain_timeout + 2.0;
    dl.tv_sec += (time_t)wait;
    dl.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    for (int i = 0; i < srv->n_all; i++) {
        int rc = pthread_timedjoin_np(srv->workers[i].thread, NULL, &dl);
        if (rc != 0) {
            vw_log(VW_LOG_WARN, "worker %d%s still busy past drain_timeout; exiting without it",
                   i, i == srv->n_workers ? " (admin)" : "");
            srv->abandoned = true;
        }
    }
    /* A SIGHUP reload still building uses srv->snaps: wait for it too. */
    if (srv->reload_started) {
        if (pthread_timedjoin_np(srv->reload_thread, NULL, &dl) != 0) {
            vw_log(VW_LOG_WARN, "the SIGHUP reload is still running past drain_timeout; "
                   "exiting without it");
            srv->abandoned = true;
        }
        srv->reload_started = false;
    }
}

int vw_server_run(vw_server *srv)
{
    event_base_dispatch(srv->base);
    join_workers(srv);
    vw_log(VW_LOG_INFO, "stopped: %llu requests served",
           (unsigned long long)atomic_load(&srv->stats.requests));
    return 0;
}

void vw_server_free(vw_server *srv)
{
    if (srv == NULL || srv->abandoned)
        return;
    vw_http_free(srv->http);
    for (int i = 0; i < srv->n_all; i++) {
        vw_worker *w = &srv->workers[i];
        event_free(w->notify);
        event_base_free(w->base);
        close(w->pipe_r);
        close(w->pipe_w);
        msgpack_zone_destroy(&w->zone);
        msgpack_sbuffer_destroy(&w->out);
        pthread_mutex_destroy(&w->qmu);
        while (w->qhead) {
            fd_node *n = w->qhead;
            w->qhead = n->next;
            close(n->fd);
            free(n);
        }
    }
    free(srv->workers);
    listeners_close(srv);
    SSL_CTX_free(srv->tls_ctx);
    event_free(srv->ev_term);
    event_free(srv->ev_int);
    event_free(srv->ev_hup);
    event_base_free(srv->base);
    vw_snapholder_destroy(&srv->snaps);
    vw_problems_free(srv->problems);
    free(srv);
}
