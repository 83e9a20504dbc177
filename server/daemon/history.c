/* history.c -- the daemon's cache of historic snapshots (history.h): at
 * most VW_HISTORY_CACHE, keyed by day, valid for one change-log position of
 * the serving snapshot, least recently used evicted. Each entry holds one
 * reference; a hit hands the caller another. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "server/store/changes.h"
#include "server/store/store.h"

typedef struct hist_entry {
    int32_t day;
    int64_t seq;       /* vw_snapshot_seq of the serving snapshot it was built for */
    vw_snapshot *snap; /* owned reference; NULL = the log does not reach back */
    uint64_t used;
    bool set;
} hist_entry;

struct vw_history {
    pthread_mutex_t mu;
    char db[1024];
    hist_entry e[VW_HISTORY_CACHE];
    uint64_t tick;
};

vw_history *vw_history_new(const char *db)
{
    vw_history *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    pthread_mutex_init(&h->mu, NULL);
    snprintf(h->db, sizeof h->db, "%s", db);
    return h;
}

static void entry_clear(hist_entry *e)
{
    vw_snapshot_release(e->snap);
    memset(e, 0, sizeof *e);
}

void vw_history_free(vw_history *h)
{
    if (!h)
        return;
    for (int i = 0; i < VW_HISTORY_CACHE; i++)
        entry_clear(&h->e[i]);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

/* The last second of Dutch day `day` as a change_log instant
 * ("YYYY-MM-DDTHH:MM:SSZ"): rows with at > it were written after that day.
 * The process zone is the Dutch one (proto/clock.c). */
static void day_end(int32_t day, char out[24])
{
    time_t noon = (time_t)(day + 1) * 86400;
    struct tm d;
    gmtime_r(&noon, &d);
    struct tm m = {.tm_year = d.tm_year, .tm_mon = d.tm_mon, .tm_mday = d.tm_mday,
                   .tm_isdst = -1};
    time_t next = mktime(&m) - 1; /* local midnight starting day+1, minus a second */
    struct tm u;
    gmtime_r(&next, &u);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &u);
}

static int build(vw_history *h, int32_t day, vw_snapshot **out, vw_err *err)
{
    char end[24], from[32];
    *out = NULL;
    day_end(day, end);
    vw_store *st = NULL;
    if (vw_store_open(h->db, VW_STORE_READONLY, &st, err) != 0)
        return -1;
    int rc = vw_store_history_from(st, from, sizeof from, err);
    if (rc < 0 || rc == 1 || strcmp(from, end) > 0) {
        vw_store_close(st);
        return rc < 0 ? -1 : 0; /* empty log or it starts later: today's data */
    }
    long undone = 0;
    *out = vw_store_load_asof(st, end, &undone, err);
    vw_store_close(st);
    return *out ? 0 : -1;
}

int vw_history_get(void *ud, const vw_snapshot *current, int32_t as_of, vw_snapshot **out,
                   vw_err *err)
{
    vw_history *h = ud;
    int64_t seq = vw_snapshot_seq(current);
    *out = NULL;
    pthread_mutex_lock(&h->mu);
    hist_entry *lru = &h->e[0];
    for (int i = 0; i < VW_HISTORY_CACHE; i++) {
        hist_entry *e = &h->e[i];
        if (e->set && e->seq != seq)
            entry_clear(e); /* built before a change: stale */
        if (e->set && e->day == as_of) {
            e->used = ++h->tick;
            if (e->snap)
                *out = vw_snapshot_retain(e->snap);
            pthread_mutex_unlock(&h->mu);
            return 0;
        }
        if (!e->set || (lru->set && e->used < lru->used))
            lru = e;
    }
    vw_snapshot *s = NULL;
    if (build(h, as_of, &s, err) != 0) {
        pthread_mutex_unlock(&h->mu);
        return -1;
    }
    entry_clear(lru);
    *lru = (hist_entry){.day = as_of, .seq = seq, .snap = s, .used = ++h->tick, .set = true};
    if (s)
        *out = vw_snapshot_retain(s);
    pthread_mutex_unlock(&h->mu);
    return 0;
}
