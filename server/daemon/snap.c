/* snap.c -- the current snapshot: load, atomic swap on reload, and
 * reference counting so queries in flight finish on the snapshot they began
 * with. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto/utf8.h"
#include "daemon.h"
#include "log.h"
#include "server/store/store.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static vw_snapshot *load(const char *db, double *ms, vw_err *err)
{
    vw_store *st = NULL;
    vw_snapshot *s = NULL;
    double t0 = now_ms();
    if (vw_store_open(db, VW_STORE_READONLY, &st, err) != 0)
        return NULL;
    s = vw_store_load(st, err);
    vw_store_close(st);
    *ms = now_ms() - t0;
    if (s && vw_snapshot_pc4_count(s) == 0) {
        vw_err_set(err, VW_E_INVALID, "database %s has no PC4 table (run verwijs import pc4)", db);
        vw_snapshot_release(s);
        return NULL;
    }
    return s;
}

int vw_snapholder_init(vw_snapholder *h, const char *db, bool allow_empty, vw_err *err)
{
    double ms = 0;
    memset(h, 0, sizeof *h);
    pthread_mutex_init(&h->mu, NULL);
    pthread_mutex_init(&h->reload_mu, NULL);
    h->current = load(db, &ms, err);
    if (h->current == NULL) {
        if (!allow_empty)
            return -1;
        snprintf(h->last_error, sizeof h->last_error, "%s", err ? err->message : "load failed");
        snprintf(h->info.last_reload_error, sizeof h->info.last_reload_error, "%.150s",
                 h->last_error);
        vw_utf8_fix(h->info.last_reload_error); /* cut to 150 bytes; `stats` sends it */
        vw_log(VW_LOG_WARN, "starting without a snapshot (not ready until a reload loads one): %s",
               h->last_error);
        return 0;
    }
    h->info.loaded_at = (int64_t)time(NULL);
    h->info.load_ms = ms;
    h->info.generation = 1;
    vw_log(VW_LOG_INFO, "loaded snapshot: %u providers, %u networks, %u pc4 in %.0f ms",
           vw_snapshot_provider_count(h->current), vw_snapshot_network_count(h->current),
           vw_snapshot_pc4_count(h->current), ms);
    return 0;
}

void vw_snapholder_destroy(vw_snapholder *h)
{
    vw_snapshot_release(h->current);
    h->current = NULL;
    pthread_mutex_destroy(&h->mu);
    pthread_mutex_destroy(&h->reload_mu);
}

vw_snapshot *vw_snapholder_acquire(vw_snapholder *h, vw_ops_server_info *info)
{
    pthread_mutex_lock(&h->mu);
    vw_snapshot *s = h->current ? vw_snapshot_retain(h->current) : NULL;
    if (info)
        *info = h->info;
    pthread_mutex_unlock(&h->mu);
    return s;
}

void vw_snapholder_summary(vw_snapholder *h, vw_ops_snap_summary *out)
{
    vw_ops_server_info info;
    vw_snapshot *s = vw_snapholder_acquire(h, &info);
    memset(out, 0, sizeof *out);
    out->generation = info.generation;
    out->loaded_at = info.loaded_at;
    out->load_ms = info.load_ms;
    if (s) {
        out->providers = vw_snapshot_provider_count(s);
        out->networks = vw_snapshot_network_count(s);
        out->pc4 = vw_snapshot_pc4_count(s);
        vw_snapshot_release(s);
    }
}

int vw_snapholder_reload(vw_snapholder *h, const char *db, vw_err *err)
{
    double ms = 0;
    pthread_mutex_lock(&h->reload_mu);
    vw_snapshot *fresh = load(db, &ms, err);
    pthread_mutex_lock(&h->mu);
    if (fresh == NULL) {
        snprintf(h->last_error, sizeof h->last_error, "%s", err ? err->message : "load failed");
        snprintf(h->info.last_reload_error, sizeof h->info.last_reload_error, "%.150s",
                 h->last_error);
        vw_utf8_fix(h->info.last_reload_error); /* cut to 150 bytes; `stats` sends it */
        h->info.reloads_failed++;
        unsigned long long serving = h->info.generation;
        pthread_mutex_unlock(&h->mu);
        vw_log(VW_LOG_ERROR, "reload failed, still serving generation %llu: %s", serving,
               err ? err->message : "load failed");
        pthread_mutex_unlock(&h->reload_mu);
        return -1;
    }
    vw_snapshot *old = h->current;
    h->current = fresh;
    h->info.loaded_at = (int64_t)time(NULL);
    h->info.load_ms = ms;
    h->info.generation++;
    h->last_error[0] = '\0';
    h->info.last_reload_error[0] = '\0';
    unsigned long long gen = h->info.generation;
    pthread_mutex_unlock(&h->mu);
    vw_snapshot_release(old); /* freed once the last query holding it is done */
    vw_log(VW_LOG_INFO, "reloaded snapshot generation %llu: %u providers in %.0f ms", gen,
           vw_snapshot_provider_count(fresh), ms);
    pthread_mutex_unlock(&h->reload_mu); /* `fresh` stays current until here */
    return 0;
}
