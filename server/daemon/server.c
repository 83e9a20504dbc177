/* server.c -- the life of verwijsd's server: build it (problems, snapshot,
 * TLS, listeners, workers, HTTP gateway, port files), run the main loop,
 * start the heavy-op pool, handle the signals (SIGHUP reloads on a thread of its own; SIGTERM/SIGINT
 * stop accepting and drain within drain_timeout), and free it -- on the
 * error path of vw_server_new as well, through the same vw_server_free. */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/version.h"
#include "heavy.h"
#include "http_admin.h"
#include "log.h"
#include "server_int.h"
#include "vwtime.h"
#include "watch.h"

static void *reload_main(void *arg)
{
    vw_server *srv = arg;
    vw_err err;
    vw_snapholder_reload(srv->snaps, srv->cfg->db, &err);
    vw_snapholder_reload_end(srv->snaps);
    return NULL;
}

static void on_hup(vw_server *srv)
{
    if (!vw_snapholder_reload_begin(srv->snaps)) {
        vw_log(VW_LOG_WARN, "SIGHUP: a reload is already running");
        return;
    }
    vw_log(VW_LOG_INFO, "SIGHUP: reloading snapshot from %s", srv->cfg->db);
    if (srv->reload_started) /* the previous one has finished (not busy) */
        pthread_join(srv->reload_thread, NULL);
    srv->reload_started = pthread_create(&srv->reload_thread, NULL, reload_main, srv) == 0;
    if (!srv->reload_started)
        vw_snapholder_reload_end(srv->snaps);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    vw_server *srv = arg;
    (void)what;
    if (sig == SIGHUP) {
        on_hup(srv);
        return;
    }
    vw_log(VW_LOG_INFO, "%s: draining connections (at most %.0f s)",
           sig == SIGTERM ? "SIGTERM" : "SIGINT", srv->cfg->drain_timeout);
    atomic_store(&srv->stopping, true);
    vw_listeners_close(srv);
    vw_workers_stop(srv);
    vw_http_stop(srv->http);
    vw_http_admin_stop(srv->http_admin);
    event_base_loopbreak(srv->base);
}

static int signals_add(vw_server *srv, vw_err *err)
{
    srv->ev_term = evsignal_new(srv->base, SIGTERM, on_signal, srv);
    srv->ev_int = evsignal_new(srv->base, SIGINT, on_signal, srv);
    srv->ev_hup = evsignal_new(srv->base, SIGHUP, on_signal, srv);
    if (srv->ev_term == NULL || srv->ev_int == NULL || srv->ev_hup == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "cannot watch signals");
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
    return 0;
}

static void log_started(const vw_server *srv)
{
    const vw_config *cfg = srv->cfg;
    vw_log(VW_LOG_INFO, "verwijsd %s: %d workers, listen %s, socket %s, http %s, tls %s, "
           "admin socket %s, admin tcp %s", VW_VERSION, srv->n_workers,
           cfg->listen[0] ? cfg->listen : "-", cfg->socket[0] ? cfg->socket : "-",
           cfg->http_listen[0] ? cfg->http_listen : "-", cfg->tls_listen[0] ? cfg->tls_listen : "-",
           cfg->admin_socket[0] ? cfg->admin_socket : "-",
           cfg->admin_listen[0] ? cfg->admin_listen : "-");
}

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
    srv->snaps = vw_snapholder_new(cfg->db, cfg->snapshot_image,
                                    cfg->start_without_snapshot != 0, err);
    if (srv->snaps == NULL)
        goto fail;
    if ((srv->history = vw_history_new(cfg->db)) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto fail;
    }
    srv->base = event_base_new();
    if (srv->base == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "event_base_new failed");
        goto fail;
    }
    srv->admin_env.snaps = srv->snaps;
    srv->admin_env.cfg = cfg;
    srv->admin_env.stopping = &srv->stopping;
    vw_admin_setup(&srv->admin_tmpl, &srv->admin_env);
    if ((cfg->admin_listen[0] || cfg->admin_http_listen[0]) && !cfg->admin_credentials_file[0] &&
        !cfg->admin_token[0] && !cfg->admin_token_file[0]) {
        vw_err_set(err, VW_E_BAD_REQUEST, "admin_listen and admin_http_listen need "
                   "admin_credentials_file, admin_token or admin_token_file (a token of at "
                   "least 16 characters)");
        goto fail;
    }
    if ((cfg->admin_listen[0] || cfg->admin_socket[0] || cfg->admin_http_listen[0]) &&
        vw_creds_load(cfg, &srv->creds, err) != 0)
        goto fail;
    if (srv->creds)
        vw_log(VW_LOG_INFO, "admin: %zu named credential(s)", vw_creds_count(srv->creds));
    if ((cfg->tls_listen[0] || (cfg->admin_listen[0] && cfg->admin_tls)) &&
        (srv->tls_ctx = vw_tls_server_ctx(cfg, err)) == NULL)
        goto fail;
    if (vw_listeners_open(srv, err) != 0)
        goto fail;
    srv->n_workers = cfg->workers;
    srv->n_all = srv->n_workers + ((cfg->admin_socket[0] || cfg->admin_listen[0]) ? 1 : 0);
    if (vw_workers_start(srv, err) != 0 || (srv->heavy = vw_heavy_new(srv, err)) == NULL ||
        signals_add(srv, err) != 0)
        goto fail;
    if (cfg->http_listen[0]) {
        vw_http_env env = {.cfg = cfg, .snaps = srv->snaps, .history = srv->history,
                           .problems = srv->problems,
                           .stats = &srv->stats, .started_at = srv->started_at,
                           .workers = srv->n_workers};
        srv->http = vw_http_new(&env, err);
        if (srv->http == NULL)
            goto fail;
    }
    if (cfg->admin_http_listen[0] && (srv->http_admin = vw_http_admin_new(srv, err)) == NULL)
        goto fail;
    if ((cfg->watch_interval > 0 || cfg->publish_dir[0]) &&
        (srv->watch = vw_watch_new(cfg, srv->snaps, err)) == NULL)
        goto fail;
    if (cfg->port_file[0] && vw_listeners_write_port_files(srv, err) != 0)
        goto fail;
    log_started(srv);
    return srv;

fail:
    vw_server_free(srv);
    return NULL;
}

/* Waits for the workers and a running SIGHUP reload, but not past the drain
 * deadline (+ a little): the admin worker may be inside an import that is
 * still rolling back or a regions build that does not look at the stop
 * flag. A thread left behind is logged and the server's memory is never
 * freed (the process exits anyway; SQLite rolls an unfinished transaction
 * back on the next open). */
static void join_threads(vw_server *srv)
{
    struct timespec dl = vw_time_deadline(srv->cfg->drain_timeout + 2.0);
    if (!vw_workers_join(srv, &dl))
        srv->abandoned = true;
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
    join_threads(srv);
    vw_log(VW_LOG_INFO, "stopped: %llu requests served",
           (unsigned long long)atomic_load(&srv->stats.requests));
    return 0;
}

void vw_server_free(vw_server *srv)
{
    if (srv == NULL || srv->abandoned)
        return;
    vw_watch_free(srv->watch); /* before the snapshot holder it refreshes */
    vw_http_free(srv->http);
    vw_http_admin_free(srv->http_admin);
    vw_heavy_free(srv->heavy); /* before the workers: a running job posts to one */
    vw_workers_free(srv);
    if (srv->reload_started)
        pthread_join(srv->reload_thread, NULL);
    vw_listeners_close(srv);
    SSL_CTX_free(srv->tls_ctx);
    vw_creds_free(srv->creds);
    struct event *evs[] = {srv->ev_term, srv->ev_int, srv->ev_hup};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i])
            event_free(evs[i]);
    if (srv->base)
        event_base_free(srv->base);
    vw_snapholder_free(srv->snaps);
    vw_history_free(srv->history);
    if (srv->problems)
        vw_problems_free(srv->problems);
    free(srv);
}
