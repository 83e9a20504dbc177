/* worker.c -- verwijsd's worker threads, memcached style: each has its own
 * event_base and a hand-off queue of typed items (an accepted socket, or the
 * order to drain) filled by the main thread under a mutex; a byte on a pipe
 * wakes the worker, which then takes every item queued. The last worker
 * serves the admin listeners only, so a long import never holds up a query. */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heavy.h"
#include "server/ops/packcache.h"
#include "log.h"
#include "server_int.h"
#include "vwtime.h"

static void wake(vw_worker *w)
{
    /* Non-blocking: a full pipe already holds a wake-up for this item. */
    ssize_t ignored = write(w->pipe_w, "", 1);
    (void)ignored;
}

void vw_worker_post(vw_worker *w, vw_wq_item *it)
{
    pthread_mutex_lock(&w->qmu);
    STAILQ_INSERT_TAIL(&w->queue, it, link);
    pthread_mutex_unlock(&w->qmu);
    wake(w);
}

static vw_wq_item *take(vw_worker *w)
{
    pthread_mutex_lock(&w->qmu);
    vw_wq_item *it = STAILQ_FIRST(&w->queue);
    if (it)
        STAILQ_REMOVE_HEAD(&w->queue, link);
    pthread_mutex_unlock(&w->qmu);
    return it;
}

/* An item not (or no longer) to be served. */
static void item_free(vw_worker *w, vw_wq_item *it)
{
    switch (it->kind) {
    case VW_WQ_DRAIN:
        break; /* w->drain_item: part of the worker */
    case VW_WQ_HEAVY_DONE:
        vw_heavy_job_free(it->job);
        break;
    case VW_WQ_CONN:
        if (it->fd >= 0) {
            close(it->fd);
            vw_lk_release(w->srv, it->lk);
        }
        free(it);
        break;
    }
}

static void worker_drain(vw_worker *w)
{
    /* notify stays: heavy answers still come back; new sockets are closed */
    w->draining = true;
    vw_conns_drain(w);
    struct timeval dl = vw_time_tv(w->srv->cfg->drain_timeout);
    event_base_loopexit(w->base, &dl);
    if (LIST_EMPTY(&w->conns))
        event_base_loopbreak(w->base);
}

static void on_notify(evutil_socket_t fd, short what, void *arg)
{
    vw_worker *w = arg;
    char buf[256];
    (void)what;
    while (read(fd, buf, sizeof buf) == (ssize_t)sizeof buf)
        ;
    vw_wq_item *it;
    while ((it = take(w)) != NULL) {
        if (it->kind == VW_WQ_DRAIN) {
            if (!w->draining)
                worker_drain(w);
        } else if (it->kind == VW_WQ_HEAVY_DONE) {
            vw_conn_heavy_done(it->job);
        } else if (w->draining) {
            item_free(w, it); /* accepted just before the listeners closed */
        } else {
            vw_conn_open(w, it->fd, it->lk);
            it->fd = -1;
            item_free(w, it);
        }
    }
}

static void *worker_main(void *arg)
{
    vw_worker *w = arg;
    event_base_dispatch(w->base);
    vw_conns_close_all(w); /* past the drain deadline */
    return NULL;
}

static int worker_init(vw_server *srv, vw_worker *w, int index, vw_err *err)
{
    int p[2];
    w->index = index;
    w->srv = srv;
    if (pipe(p) != 0)
        return vw_err_set(err, VW_E_INTERNAL, "cannot create worker %d: %s", index,
                          strerror(errno));
    w->pipe_r = p[0];
    w->pipe_w = p[1];
    evutil_make_socket_nonblocking(w->pipe_r);
    evutil_make_socket_nonblocking(w->pipe_w);
    w->base = event_base_new();
    w->notify = w->base ? event_new(w->base, w->pipe_r, EV_READ | EV_PERSIST, on_notify, w)
                        : NULL;
    if (w->notify == NULL || event_add(w->notify, NULL) != 0)
        return vw_err_set(err, VW_E_INTERNAL, "cannot create worker %d", index);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
        return vw_err_set(err, VW_E_INTERNAL, "cannot start worker %d", index);
    w->started = true;
    return 0;
}

int vw_workers_start(vw_server *srv, vw_err *err)
{
    srv->workers = calloc((size_t)srv->n_all, sizeof *srv->workers);
    if (srv->workers == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    for (int i = 0; i < srv->n_all; i++) { /* what vw_workers_free expects of each */
        vw_worker *w = &srv->workers[i];
        w->pipe_r = w->pipe_w = -1;
        pthread_mutex_init(&w->qmu, NULL);
        STAILQ_INIT(&w->queue);
        LIST_INIT(&w->conns);
        w->drain_item.kind = VW_WQ_DRAIN;
        w->drain_item.fd = -1;
        msgpack_zone_init(&w->zone, 8192);
        msgpack_sbuffer_init(&w->out);
        w->packcache = vw_packcache_new((size_t)srv->cfg->answer_cache);
    }
    for (int i = 0; i < srv->n_all; i++)
        if (worker_init(srv, &srv->workers[i], i, err) != 0)
            return -1;
    return 0;
}

int vw_workers_hand(vw_server *srv, int fd, vw_listener_kind lk)
{
    vw_wq_item *it = malloc(sizeof *it);
    if (it == NULL)
        return -1;
    vw_worker *w;
    if (vw_lk_is_admin(lk)) {
        w = &srv->workers[srv->n_workers]; /* the admin worker */
    } else {
        w = &srv->workers[srv->next_worker];
        srv->next_worker = (srv->next_worker + 1) % srv->n_workers;
    }
    it->kind = VW_WQ_CONN;
    it->fd = fd;
    it->lk = lk;
    vw_worker_post(w, it);
    return 0;
}

void vw_workers_stop(vw_server *srv)
{
    for (int i = 0; srv->workers && i < srv->n_all; i++) {
        vw_worker *w = &srv->workers[i];
        if (w->started && !w->draining_posted) {
            w->draining_posted = true;
            vw_worker_post(w, &w->drain_item);
        }
    }
}

bool vw_workers_join(vw_server *srv, const struct timespec *deadline)
{
    bool all = true;
    for (int i = 0; srv->workers && i < srv->n_all; i++) {
        vw_worker *w = &srv->workers[i];
        if (!w->started)
            continue;
        if (pthread_timedjoin_np(w->thread, NULL, deadline) != 0) {
            vw_log(VW_LOG_WARN, "worker %d%s still busy past drain_timeout; exiting without it",
                   i, i == srv->n_workers ? " (admin)" : "");
            all = false;
            continue;
        }
        w->started = false;
    }
    return all;
}

void vw_workers_free(vw_server *srv)
{
    if (srv->workers == NULL)
        return;
    vw_workers_stop(srv);
    for (int i = 0; i < srv->n_all; i++)
        if (srv->workers[i].started) {
            pthread_join(srv->workers[i].thread, NULL);
            srv->workers[i].started = false;
        }
    for (int i = 0; i < srv->n_all; i++) {
        vw_worker *w = &srv->workers[i];
        vw_wq_item *it;
        while ((it = take(w)) != NULL)
            item_free(w, it);
        if (w->notify)
            event_free(w->notify);
        if (w->base)
            event_base_free(w->base);
        if (w->pipe_r >= 0)
            close(w->pipe_r);
        if (w->pipe_w >= 0)
            close(w->pipe_w);
        msgpack_zone_destroy(&w->zone);
        msgpack_sbuffer_destroy(&w->out);
        vw_packcache_free(w->packcache);
        pthread_mutex_destroy(&w->qmu);
    }
    free(srv->workers);
    srv->workers = NULL;
}
