/* server_int.h -- what the four files of verwijsd's network layer share,
 * and nothing outside server/daemon/ may use:
 *
 *   listener.c  the listening sockets (TCP, Unix, TLS, admin) and accept()
 *   worker.c    worker threads and their hand-off queue of typed items
 *   conn.c      one connection: the state machine, framing, answering
 *   server.c    the server's lifecycle (new, run, free) and its signals
 *
 * The main thread owns the listeners and the signal events; an accepted
 * socket becomes a queue item of one worker, whose event_base then runs it
 * as a connection until its one close path. */
#ifndef VW_DAEMON_SERVER_INT_H
#define VW_DAEMON_SERVER_INT_H

#include <msgpack.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/queue.h>

#include "creds.h"
#include "daemon.h"
#include "fds.h"
#include "http.h"

/* What a listener serves. Admin listeners hand their connections to the
 * admin worker (the last one), whose ops context carries the admin actions;
 * every other listener serves queries only. */
typedef enum {
    VW_LK_QUERY,        /* TCP and the query Unix socket: max_connections */
    VW_LK_ADMIN_LOCAL,  /* the admin Unix socket: admin_max_connections */
    VW_LK_ADMIN_TCP,    /* admin_listen: admin_max_connections, admin_auth_timeout */
    VW_LK_TLS,          /* tls_listen: tls_max_connections */
    VW_LK_COUNT
} vw_listener_kind;

static inline bool vw_lk_is_admin(vw_listener_kind k)
{
    return k == VW_LK_ADMIN_LOCAL || k == VW_LK_ADMIN_TCP;
}

typedef struct vw_listener {
    vw_server *srv;
    vw_listener_kind kind;
    struct evconnlistener *l;
    vw_accept_guard *guard;     /* owned; freed before l */
    const char *addr;           /* config string: HOST:PORT or a socket path */
    bool is_unix;
} vw_listener;
#define VW_MAX_LISTENERS 5

/* ---- the hand-off queue (worker.c) ---- */
typedef enum {
    VW_WQ_CONN,        /* an accepted socket to serve */
    VW_WQ_DRAIN,       /* SIGTERM/SIGINT: stop taking connections, drain, end */
    VW_WQ_HEAVY_DONE,  /* a heavy op answered by the pool (heavy.h) */
} vw_wq_kind;

struct vw_heavy_job;
typedef struct vw_wq_item {
    vw_wq_kind kind;
    int fd;                     /* VW_WQ_CONN: the socket (owned by the item) */
    vw_listener_kind lk;        /* VW_WQ_CONN: the listener it came from */
    struct vw_heavy_job *job;   /* VW_WQ_HEAVY_DONE: the job (the item is inside it) */
    STAILQ_ENTRY(vw_wq_item) link;
} vw_wq_item;

struct vw_conn;
LIST_HEAD(vw_conn_list, vw_conn);

typedef struct vw_worker {
    int index;
    bool started;               /* its thread runs (joined: false again) */
    pthread_t thread;
    struct event_base *base;
    struct event *notify;       /* read side of the wake-up pipe */
    int pipe_r, pipe_w;
    pthread_mutex_t qmu;        /* guards queue */
    STAILQ_HEAD(, vw_wq_item) queue;
    vw_wq_item drain_item;      /* posted once, never freed: stopping cannot fail */
    bool draining_posted;       /* main thread: drain_item is queued */
    bool draining;              /* worker thread: the drain has begun */
    struct vw_conn_list conns;  /* all live connections of this worker */
    msgpack_zone zone;
    msgpack_sbuffer out;        /* one response at a time */
    struct vw_packcache *packcache; /* packed provider parts; NULL: off */
    vw_server *srv;
} vw_worker;

struct vw_server {
    const vw_config *cfg;
    struct event_base *base;
    vw_listener lis[VW_MAX_LISTENERS];
    int n_lis;
    struct event *ev_term, *ev_int, *ev_hup;
    vw_worker *workers;
    int n_workers, next_worker; /* query workers; round-robin */
    int n_all;                  /* + the admin worker, when there is an admin listener */
    vw_admin_env admin_env;
    vw_ops_admin admin_tmpl;    /* callbacks; token per listener kind */
    vw_creds *creds;            /* admin credentials + legacy token (creds.h); owned */
    SSL_CTX *tls_ctx;           /* tls_listen, else NULL */
    vw_snapholder *snaps;
    vw_history *history;        /* historic snapshots for as_of (history.h) */
    vw_problems *problems;
    vw_ops_stats stats;
    int64_t started_at;
    atomic_bool stopping;       /* SIGTERM/SIGINT seen: admin imports roll back */
    bool abandoned;             /* a worker outlived the drain: leave its memory alone */
    pthread_t reload_thread;    /* SIGHUP's reload; joined before the next one and at exit */
    bool reload_started;
    vw_http *http;              /* HTTP/JSON gateway, NULL when http_listen is "" */
    struct vw_http_admin *http_admin; /* admin_http_listen, else NULL */
    atomic_ullong input_total;  /* bytes held of all partial frames (max_input_total) */
    atomic_int lk_open[VW_LK_COUNT]; /* open connections per listener class */
    struct vw_heavy *heavy;     /* the heavy-op pool (heavy.h) */
    struct vw_watch *watch;     /* the database watch (watch.h); NULL when off */
};

/* The connection budget of listener class `k`. */
int vw_lk_cap(const vw_config *cfg, vw_listener_kind k);
/* A connection of class `k` is gone (or was never served): uncount it. */
void vw_lk_release(vw_server *srv, vw_listener_kind k);

/* ---- listener.c ---- */
/* Binds every listener the config names; -1 with err. */
int vw_listeners_open(vw_server *srv, vw_err *err);
/* Stops accepting (idempotent); Unix socket files are removed. */
void vw_listeners_close(vw_server *srv);
/* port_file, PORT_FILE.admin, PORT_FILE.tls (the query one last: "ready"). */
int vw_listeners_write_port_files(vw_server *srv, vw_err *err);

/* ---- worker.c ---- */
/* Creates and starts srv->n_all workers; -1 with err (those started stay
 * for vw_workers_free). */
int vw_workers_start(vw_server *srv, vw_err *err);
/* Hands accepted socket `fd` of listener kind `lk` to a worker (admin kinds
 * to the admin worker, others round-robin). -1 when out of memory (the
 * caller still owns fd). */
int vw_workers_hand(vw_server *srv, int fd, vw_listener_kind lk);
/* Queues `it` on `w` and wakes it (any thread). */
void vw_worker_post(vw_worker *w, vw_wq_item *it);
/* Tells every running worker to drain (no allocation: cannot fail). */
void vw_workers_stop(vw_server *srv);
/* Waits for the workers until `deadline` (CLOCK_REALTIME); false when one
 * is still running (it is left alone, srv->abandoned). */
bool vw_workers_join(vw_server *srv, const struct timespec *deadline);
/* Stops and joins workers still running, then frees them all. */
void vw_workers_free(vw_server *srv);

/* ---- conn.c ---- */
/* Serves socket `fd` (owned) from listener kind `lk` on worker `w`; on
 * failure the socket is closed and the connection uncounted. */
void vw_conn_open(vw_worker *w, int fd, vw_listener_kind lk);
/* A heavy job is back (worker thread): its answer goes out, the
 * connection reads on. Frees the job. */
void vw_conn_heavy_done(struct vw_heavy_job *j);
/* Draining: connections with nothing to do close now, the others after
 * answering what they have received. */
void vw_conns_drain(vw_worker *w);
/* Past the drain deadline: closes every connection of `w`. */
void vw_conns_close_all(vw_worker *w);

#endif
