/* snap.c -- the snapshot holder: the current snapshot, its load, the atomic
 * swap on reload, and reference counting so queries in flight finish on the
 * snapshot they began with. Its mutexes are its own: callers go through
 * acquire/release/swap and reload_begin/reload_end (daemon.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/utf8.h"
#include "daemon.h"
#include "log.h"
#include "server/engine/traveltime.h"
#include "server/store/image.h"
#include "server/store/store.h"
#include "vwtime.h"

struct vw_snapholder {
    pthread_mutex_t mu;
    pthread_mutex_t reload_mu;   /* one reload at a time (SIGHUP, admin reload, import) */
    vw_snapshot *current;        /* owned (one reference) */
    vw_ops_server_info info;     /* guarded by mu */
    char last_error[480];        /* last failed reload, "" if none */
    bool reloading;              /* a SIGHUP reload thread runs (guarded by mu) */
    /* File signatures of the database (file_sig; guarded by reload_mu):
     * `loaded` taken before the last load or patch read it; `quiet` one a
     * second look found nothing new in. A signature can be taken in the
     * middle of a commit (its WAL frames written, the WAL index not yet),
     * so only a second look with the same signature makes it `quiet`. */
    char loaded[160], quiet[160];
    /* The snapshot image (server/store/image.h): its path ("" = none) and
     * the thread that writes it after a full load (one at a time). */
    char image[1024];
    pthread_t writer;
    bool writer_started;         /* a writer thread exists (joined by the next one or free) */
    atomic_bool writer_busy;     /* it is still writing */
    atomic_bool writer_stop;     /* asks it to give up (free) */
    const char *image_outcome;   /* of the last load ("off", "used", ...) */
};

typedef struct image_job {
    vw_snapholder *h;
    vw_snapshot *s;              /* one reference, released by the job */
    vw_store_state state;
} image_job;

static void *image_writer(void *arg)
{
    image_job *j = arg;
    vw_err err;
    memset(&err, 0, sizeof err);
    double t0 = vw_time_mono_ms();
    if (vw_store_image_write(j->s, &j->state, j->h->image, &j->h->writer_stop, &err) == 0)
        vw_log(VW_LOG_INFO, "wrote the snapshot image %s (%u providers) in %.0f ms", j->h->image,
               vw_snapshot_provider_count(j->s), vw_time_mono_ms() - t0);
    else
        vw_log(VW_LOG_WARN, "the snapshot image was not written: %s", err.message);
    vw_snapshot_release(j->s);
    atomic_store(&j->h->writer_busy, false);
    free(j);
    return NULL;
}

/* Writes s as the image on a thread of its own, unless one still writes
 * (the next full load writes it then). Caller holds reload_mu or is the
 * only thread (start). */
static void image_write_start(vw_snapholder *h, vw_snapshot *s, const vw_store_state *state)
{
    if (atomic_load(&h->writer_busy))
        return;
    if (h->writer_started)
        pthread_join(h->writer, NULL);
    h->writer_started = false;
    image_job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->h = h;
    j->s = vw_snapshot_retain(s);
    j->state = *state;
    atomic_store(&h->writer_busy, true);
    if (pthread_create(&h->writer, NULL, image_writer, j) != 0) {
        atomic_store(&h->writer_busy, false);
        vw_snapshot_release(j->s);
        free(j);
        vw_log(VW_LOG_WARN, "the snapshot image was not written: no thread");
        return;
    }
    h->writer_started = true;
}

/* What changes when the database does: the file the path names (a replica's
 * symlink switched to a new snapshot file), its size and time, those of its
 * -wal, and the header of its WAL index (-shm: a commit's last step bumps
 * its change counter and frame count; the -wal's size and time may change
 * before the commit is visible, or not at all when the WAL restarts).
 * Cheap: two stat calls and one 48-byte read. */
static void file_sig(const char *db, char *out, size_t cap)
{
    struct stat a, w;
    char side[4200];
    unsigned char hdr[48];
    memset(hdr, 0, sizeof hdr);
    bool has_a = stat(db, &a) == 0;
    snprintf(side, sizeof side, "%s-wal", db);
    bool has_w = stat(side, &w) == 0;
    snprintf(side, sizeof side, "%s-shm", db);
    int fd = open(side, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        if (pread(fd, hdr, sizeof hdr, 0) < 0)
            memset(hdr, 0, sizeof hdr);
        close(fd);
    }
    uint64_t h = 1469598103934665603ull; /* FNV-1a of the header */
    for (size_t i = 0; i < sizeof hdr; i++)
        h = (h ^ hdr[i]) * 1099511628211ull;
    snprintf(out, cap, "%llu:%llu:%lld:%lld.%ld|%lld:%lld.%ld|%016llx",
             has_a ? (unsigned long long)a.st_dev : 0ull,
             has_a ? (unsigned long long)a.st_ino : 0ull, has_a ? (long long)a.st_size : -1ll,
             has_a ? (long long)a.st_mtim.tv_sec : 0ll, has_a ? a.st_mtim.tv_nsec : 0l,
             has_w ? (long long)w.st_size : -1ll, has_w ? (long long)w.st_mtim.tv_sec : 0ll,
             has_w ? w.st_mtim.tv_nsec : 0l, (unsigned long long)h);
}



static vw_snapshot *load(vw_snapholder *h, const char *db, double *ms, vw_err *err)
{
    double t0 = vw_time_mono_ms();
    vw_snapshot *s = NULL;
    vw_store_image_use use;
    memset(&use, 0, sizeof use);
    vw_store *st = NULL; /* (no image path: a plain full load, outcome "off") */
    if (vw_store_open(db, VW_STORE_READONLY, &st, err) == 0)
        s = vw_store_load_imaged(st, h->image, &use, err);
    vw_store_close(st);
    *ms = vw_time_mono_ms() - t0;
    h->image_outcome = vw_image_outcome_name(use.outcome);
    if (s && vw_snapshot_pc4_count(s) == 0) {
        vw_err_set(err, VW_E_INVALID, "database %s has no PC4 table (run verwijs import pc4)", db);
        vw_snapshot_release(s);
        return NULL;
    }
    if (use.outcome == VW_IMAGE_BAD)
        vw_log(VW_LOG_WARN, "the snapshot image %s was refused, loaded from the database: %s",
               h->image, use.why);
    if (s && (use.outcome == VW_IMAGE_MISSING || use.outcome == VW_IMAGE_STALE ||
              use.outcome == VW_IMAGE_BAD))
        image_write_start(h, s, &use.state);
    return s;
}

/* `msg` for anyone who may ask the query port: the database path becomes
 * "the database", any other absolute path "<path>" (a query client learns
 * that a reload failed and why, not where files live). */
static void redact(const char *msg, const char *db, char *out, size_t cap)
{
    size_t o = 0, dl = strlen(db);
    for (const char *p = msg; *p && o + 1 < cap;) {
        bool word_start = p == msg || p[-1] == ' ' || p[-1] == '\'' || p[-1] == '"' ||
                          p[-1] == '(' || p[-1] == '=';
        const char *rep = NULL;
        size_t skip = 0;
        if (dl && strncmp(p, db, dl) == 0) {
            /* "database PATH" reads "database", anything else "the database" */
            bool said = o >= 9 && memcmp(out + o - 9, "database ", 9) == 0;
            if (said)
                o--;
            rep = said ? "" : "the database";
            skip = dl;
        } else if (*p == '/' && word_start) {
            rep = "<path>";
            skip = strcspn(p, " '\"):,;)");
        }
        if (rep) {
            o += (size_t)snprintf(out + o, cap - o, "%s", rep);
            if (o >= cap)
                o = cap - 1;
            p += skip;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

/* Keeps a failed load's reason (caller holds mu): in full for the admin
 * path and the log, without paths for `stats` on the query port. */
static void note_failure(vw_snapholder *h, const char *db, const vw_err *err)
{
    char pub[sizeof h->last_error];
    snprintf(h->last_error, sizeof h->last_error, "%s", err ? err->message : "load failed");
    redact(h->last_error, db, pub, sizeof pub);
    snprintf(h->info.last_reload_error, sizeof h->info.last_reload_error, "%.150s", pub);
    vw_utf8_fix(h->info.last_reload_error); /* cut to 150 bytes; `stats` sends it */
}

void vw_snapholder_admin_info(vw_snapholder *h, vw_ops_server_info *info)
{
    pthread_mutex_lock(&h->mu);
    if (h->last_error[0]) {
        snprintf(info->last_reload_error, sizeof info->last_reload_error, "%.150s",
                 h->last_error);
        vw_utf8_fix(info->last_reload_error);
    }
    pthread_mutex_unlock(&h->mu);
}

vw_snapholder *vw_snapholder_new(const char *db, const char *image, bool allow_empty,
                                 vw_err *err)
{
    double ms = 0;
    vw_snapholder *h = calloc(1, sizeof *h);
    if (h == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&h->mu, NULL);
    pthread_mutex_init(&h->reload_mu, NULL);
    snprintf(h->image, sizeof h->image, "%s", image ? image : "");
    atomic_init(&h->writer_busy, false);
    atomic_init(&h->writer_stop, false);
    file_sig(db, h->loaded, sizeof h->loaded);
    h->current = load(h, db, &ms, err);
    if (h->current == NULL) {
        if (!allow_empty) {
            vw_snapholder_free(h);
            return NULL;
        }
        note_failure(h, db, err);
        vw_log(VW_LOG_WARN, "starting without a snapshot (not ready until a reload loads one): %s",
               h->last_error);
        return h;
    }
    h->info.loaded_at = (int64_t)time(NULL);
    h->info.load_ms = ms;
    h->info.image = h->image_outcome;
    h->info.generation = 1;
    char tt[128];
    vw_snapshot_matrix_summary(h->current, tt, sizeof tt);
    vw_log(VW_LOG_INFO, "loaded snapshot: %u providers, %u networks, %u pc4 in %.0f ms; "
           "travel-time matrices (pairs): %s; snapshot image: %s",
           vw_snapshot_provider_count(h->current), vw_snapshot_network_count(h->current),
           vw_snapshot_pc4_count(h->current), ms, tt, h->image_outcome);
    return h;
}

void vw_snapholder_free(vw_snapholder *h)
{
    if (h == NULL)
        return;
    atomic_store(&h->writer_stop, true); /* a half-written image is dropped, the old one kept */
    if (h->writer_started)
        pthread_join(h->writer, NULL);
    vw_snapshot_release(h->current);
    pthread_mutex_destroy(&h->mu);
    pthread_mutex_destroy(&h->reload_mu);
    free(h);
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

void vw_snapholder_release(vw_snapshot *s)
{
    if (s)
        vw_snapshot_release(s);
}

unsigned long long vw_snapholder_swap(vw_snapholder *h, vw_snapshot *fresh, double load_ms,
                                      const char *image)
{
    pthread_mutex_lock(&h->mu);
    vw_snapshot *old = h->current;
    h->current = fresh;
    if (image) /* a full load's outcome; a patch (NULL) keeps the last */
        h->info.image = image;
    h->info.loaded_at = (int64_t)time(NULL);
    h->info.load_ms = load_ms;
    h->info.generation++;
    h->last_error[0] = '\0';
    h->info.last_reload_error[0] = '\0';
    unsigned long long gen = h->info.generation;
    pthread_mutex_unlock(&h->mu);
    vw_snapshot_release(old); /* freed once the last query holding it is done */
    return gen;
}

bool vw_snapholder_reload_begin(vw_snapholder *h)
{
    pthread_mutex_lock(&h->mu);
    bool busy = h->reloading;
    h->reloading = true;
    pthread_mutex_unlock(&h->mu);
    return !busy;
}

void vw_snapholder_reload_end(vw_snapholder *h)
{
    pthread_mutex_lock(&h->mu);
    h->reloading = false;
    pthread_mutex_unlock(&h->mu);
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
        vw_snapholder_release(s);
    }
}

int vw_snapholder_reload(vw_snapholder *h, const char *db, vw_err *err)
{
    double ms = 0;
    pthread_mutex_lock(&h->reload_mu);
    file_sig(db, h->loaded, sizeof h->loaded); /* before the load: a later change is seen */
    h->quiet[0] = '\0';
    vw_snapshot *fresh = load(h, db, &ms, err);
    if (fresh == NULL) {
        pthread_mutex_lock(&h->mu);
        note_failure(h, db, err);
        h->info.reloads_failed++;
        unsigned long long serving = h->info.generation;
        pthread_mutex_unlock(&h->mu);
        vw_log(VW_LOG_ERROR, "reload failed, still serving generation %llu: %s", serving,
               err ? err->message : "load failed");
        pthread_mutex_unlock(&h->reload_mu);
        return -1;
    }
    unsigned long long gen = vw_snapholder_swap(h, fresh, ms, h->image_outcome);
    char tt[128];
    vw_snapshot_matrix_summary(fresh, tt, sizeof tt);
    vw_log(VW_LOG_INFO, "reloaded snapshot generation %llu: %u providers in %.0f ms; "
           "travel-time matrices (pairs): %s; snapshot image: %s", gen,
           vw_snapshot_provider_count(fresh), ms, tt, h->image_outcome);
    pthread_mutex_unlock(&h->reload_mu); /* `fresh` stays current until here */
    return 0;
}

/* The changes since the current snapshot, patched in (no full load) when
 * the database file is the same one and the change log names them; else a
 * full reload. Caller holds reload_mu. 1 patched, 0 nothing to do, -1 not
 * patchable (err: why). */
static int patch_in(vw_snapholder *h, const char *db, const char *sig, vw_err *err)
{
    vw_snapshot *cur = vw_snapholder_acquire(h, NULL), *fresh = NULL;
    vw_store *st = NULL;
    int rc = -1;
    (void)sig; /* another file (a replica's new published copy) is patched too when its
                * change log continues the snapshot's (vw_store_load_changes checks) */
    if (cur == NULL) {
        vw_err_set(err, VW_E_UNAVAILABLE, "no snapshot yet");
        goto out;
    }
    double t0 = vw_time_mono_ms();
    if (vw_store_open(db, VW_STORE_READONLY, &st, err) != 0)
        goto out;
    rc = vw_store_load_changes(st, cur, &fresh, err);
    vw_store_close(st);
    if (rc == 1) {
        double ms = vw_time_mono_ms() - t0;
        unsigned long long gen = vw_snapholder_swap(h, fresh, ms, NULL);
        vw_log(VW_LOG_INFO, "patched snapshot generation %llu: %u providers, change log at %lld, "
               "in %.1f ms", gen, vw_snapshot_provider_count(fresh),
               (long long)vw_snapshot_seq(fresh), ms);
    }
out:
    vw_snapholder_release(cur);
    return rc;
}

int vw_snapholder_refresh(vw_snapholder *h, const char *db, bool force, vw_err *err)
{
    char sig[sizeof h->loaded];
    file_sig(db, sig, sizeof sig);
    pthread_mutex_lock(&h->reload_mu);
    if (!force && strcmp(sig, h->quiet) == 0) {
        pthread_mutex_unlock(&h->reload_mu);
        return 0; /* the files did not change */
    }
    bool second = strcmp(sig, h->loaded) == 0; /* the last look saw these files too */
    vw_err perr;
    memset(&perr, 0, sizeof perr);
    int rc = patch_in(h, db, sig, &perr);
    if (rc >= 0 || second) {
        /* quiet: nothing new on a second look, or not patchable and loaded
         * from these very files already (no reload loop) */
        if (rc <= 0 && second)
            snprintf(h->quiet, sizeof h->quiet, "%s", sig);
        snprintf(h->loaded, sizeof h->loaded, "%s", sig);
        pthread_mutex_unlock(&h->reload_mu);
        return rc < 0 ? 0 : rc;
    }
    vw_log(VW_LOG_DEBUG, "no patch, full reload: %s", perr.message);
    pthread_mutex_unlock(&h->reload_mu);
    return vw_snapholder_reload(h, db, err) == 0 ? 2 : -1;
}
