/* watch.c -- keeps the snapshot current without a signal (issue 15): a
 * thread that every `watch_interval` seconds asks the snapshot holder to
 * refresh (vw_snapholder_refresh: two stat calls when nothing changed; the
 * changed records patched in, or a full reload), and on a writer with
 * `publish_dir` publishes the database for the replicas (vw_store_publish)
 * `publish_debounce` seconds after the first change not yet published.
 * Ownership: the vw_watch is the server's; it reads cfg and snaps, which
 * outlive it (vw_watch_free joins the thread first). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "server/store/store.h"
#include "vwtime.h"
#include "watch.h"

struct vw_watch {
    const vw_config *cfg;
    vw_snapholder *snaps;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    double publish_at;   /* monotonic ms when a publish is due; 0: none */
};

static void publish(vw_watch *w)
{
    vw_err err;
    char name[256];
    double t0 = vw_time_mono_ms();
    if (vw_store_publish(w->cfg->db, w->cfg->publish_dir, w->cfg->publish_keep, name,
                         sizeof name, &err) != 0)
        vw_log(VW_LOG_ERROR, "publish failed (retrying after the next change): %s", err.message);
    else
        vw_log(VW_LOG_INFO, "published %s in %.0f ms", name, vw_time_mono_ms() - t0);
}

static void *watch_main(void *arg)
{
    vw_watch *w = arg;
    unsigned long long seen = 0; /* generation last published (0: none yet) */
    double iv = w->cfg->watch_interval > 0 ? w->cfg->watch_interval : 1.0;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        long long ns = (long long)(iv * 1e9) + dl.tv_nsec;
        dl.tv_sec += (time_t)(ns / 1000000000LL);
        dl.tv_nsec = (long)(ns % 1000000000LL);
        pthread_cond_timedwait(&w->cv, &w->mu, &dl);
        if (w->stop)
            break;
        pthread_mutex_unlock(&w->mu);
        vw_err err;
        if (w->cfg->watch_interval > 0)
            vw_snapholder_refresh(w->snaps, w->cfg->db, false, &err);
        double now = vw_time_mono_ms();
        if (w->cfg->publish_dir[0]) {
            /* a new generation (a patch, a reload, an admin import; or the
             * first one at start): publish publish_debounce after the first
             * change not yet published, so changes close together make one
             * file, and a steady stream still one every publish_debounce */
            vw_ops_snap_summary sum;
            vw_snapholder_summary(w->snaps, &sum);
            if (sum.generation != seen) {
                seen = sum.generation;
                if (w->publish_at == 0)
                    w->publish_at = now + w->cfg->publish_debounce * 1000.0;
            }
            if (w->publish_at > 0 && now >= w->publish_at) {
                w->publish_at = 0;
                publish(w);
            }
        }
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

vw_watch *vw_watch_new(const vw_config *cfg, vw_snapholder *snaps, vw_err *err)
{
    vw_watch *w = calloc(1, sizeof *w);
    if (!w) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        return NULL;
    }
    w->cfg = cfg;
    w->snaps = snaps;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        vw_err_set(err, VW_E_INTERNAL, "cannot start the database watch thread");
        return NULL;
    }
    vw_log(VW_LOG_INFO, "watching %s every %.3g s%s%s", cfg->db, cfg->watch_interval,
           cfg->publish_dir[0] ? "; publishing to " : "", cfg->publish_dir);
    return w;
}

void vw_watch_free(vw_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
