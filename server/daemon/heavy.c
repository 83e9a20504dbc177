/* heavy.c -- the heavy-op pool (heavy.h): a mutex + condition variable
 * queue of jobs, drained by heavy_workers threads that answer each with
 * vw_ops_handle (exactly as the worker would) and post it back to the
 * submitting worker. */
#define _GNU_SOURCE /* memmem */
#include "heavy.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "proto/clock.h"
#include "proto/msg.h"
#include "proto/vocab.h"
#include "server/ops/optable.h"
#include "log.h"

struct vw_heavy {
    vw_server *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    STAILQ_HEAD(, vw_heavy_job) queue;
    int queued;
    bool stopping;
    int n_threads;
    pthread_t *threads;
};

/* The "op" string and "id" of the request map `root`; false without an op. */
static bool op_of(const msgpack_object *root, const char **op, size_t *len, uint64_t *id)
{
    bool found = false;
    if (root->type != MSGPACK_OBJECT_MAP)
        return false;
    for (uint32_t i = 0; i < root->via.map.size; i++) {
        const msgpack_object_kv *kv = &root->via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size != 2)
            continue;
        if (memcmp(kv->key.via.str.ptr, "op", 2) == 0 && kv->val.type == MSGPACK_OBJECT_STR) {
            *op = kv->val.via.str.ptr;
            *len = kv->val.via.str.size;
            found = true;
        } else if (memcmp(kv->key.via.str.ptr, "id", 2) == 0 &&
                   kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
            *id = kv->val.via.u64;
        }
    }
    return found;
}

/* Does the request ask for a day before today (args.as_of)? Such a request
 * may have to build a historic snapshot (history.c: seconds at a million
 * providers), so it runs in the heavy pool, never on a worker's event loop. */
static bool past_as_of(const vw_op_def *d, const msgpack_object *root)
{
    const msgpack_object *args = vw_arg(root, "args");
    const msgpack_object *v = args ? vw_arg(args, "as_of") : NULL;
    int32_t day;
    return d && vw_op_arg_find(d, "as_of") && v && v->type == MSGPACK_OBJECT_STR &&
           vw_date_parse(v->via.str.ptr, v->via.str.size, &day) == 0 && day < vw_date_today();
}

/* The heavy ops' names as fixstrs (how every client sends them), made once
 * from the op table rather than per request. */
#define MAX_HEAVY 16
static struct {
    uint8_t pat[32];
    size_t n;
} heavy_pats[MAX_HEAVY];
static int n_heavy_pats;
static bool heavy_pats_all; /* every heavy op has a pattern; else parse every request */
static pthread_once_t heavy_pats_once = PTHREAD_ONCE_INIT;

static void heavy_pats_init(void)
{
    heavy_pats_all = true;
    for (int i = 0; i < vw_optable_count(); i++) {
        const vw_op_def *d = vw_optable_get(i);
        size_t n = strlen(d->name);
        if (!(d->flags & VW_OPF_HEAVY))
            continue;
        if (n >= 32 || n_heavy_pats == MAX_HEAVY) {
            heavy_pats_all = false;
            continue;
        }
        heavy_pats[n_heavy_pats].pat[0] = (uint8_t)(0xa0 | n);
        memcpy(heavy_pats[n_heavy_pats].pat + 1, d->name, n);
        heavy_pats[n_heavy_pats].n = n + 1;
        n_heavy_pats++;
    }
}

/* Could `body` name a heavy op or a past as_of? A byte search for each heavy
 * op's name and for the key as_of as a fixstr (how every client sends
 * them): most requests never get parsed twice. */
static bool maybe_heavy(const uint8_t *body, size_t len)
{
    pthread_once(&heavy_pats_once, heavy_pats_init);
    if (!heavy_pats_all || memmem(body, len, "\xa5" "as_of", 6) != NULL)
        return true;
    for (int i = 0; i < n_heavy_pats; i++)
        if (memmem(body, len, heavy_pats[i].pat, heavy_pats[i].n) != NULL)
            return true;
    return false;
}

bool vw_heavy_is_heavy(const uint8_t *body, size_t len, const vw_limits *lim, uint64_t *id)
{
    vw_err err;
    msgpack_zone zone;
    msgpack_object root;
    const char *op = NULL;
    size_t op_len = 0;
    bool heavy = false;
    if (!maybe_heavy(body, len) || vw_msg_check(body, len, lim, &err) != 0)
        return false; /* (a bad message: the worker answers the error) */
    msgpack_zone_init(&zone, 2048);
    if (vw_msg_unpack(body, len, &zone, &root, &err) == 0 && op_of(&root, &op, &op_len, id)) {
        const vw_op_def *d = vw_optable_find(op, op_len, NULL);
        heavy = d && ((d->flags & VW_OPF_HEAVY) || past_as_of(d, &root));
    }
    msgpack_zone_destroy(&zone);
    return heavy;
}

vw_heavy_job *vw_heavy_job_new(vw_worker *w, struct vw_conn *conn, const uint8_t *body,
                               size_t len, vw_snapshot *snap, const vw_ops_server_info *info)
{
    vw_heavy_job *j = calloc(1, sizeof *j);
    if (j == NULL || (j->body = malloc(len ? len : 1)) == NULL) {
        free(j);
        vw_snapholder_release(snap); /* the reference was ours, also on failure */
        return NULL;
    }
    memcpy(j->body, body, len);
    j->len = len;
    j->w = w;
    j->conn = conn;
    j->snap = snap;
    j->info = *info;
    j->item.kind = VW_WQ_HEAVY_DONE;
    j->item.fd = -1;
    j->item.job = j;
    msgpack_sbuffer_init(&j->out);
    return j;
}

void vw_heavy_job_free(vw_heavy_job *j)
{
    if (j == NULL)
        return;
    vw_snapholder_release(j->snap);
    msgpack_sbuffer_destroy(&j->out);
    free(j->body);
    free(j);
}

static void run(vw_heavy *h, vw_heavy_job *j, msgpack_zone *zone)
{
    const vw_config *cfg = h->srv->cfg;
    vw_ops_ctx ctx = {.snap = j->snap, .tm = &cfg->travel, .lim = &cfg->limits,
                      .stats = &h->srv->stats, .info = &j->info, .zone = zone,
                      .today = vw_date_today(), .problems = h->srv->problems,
                      .refer_cfg = &cfg->refer, .historic = vw_history_get,
                      .historic_ud = h->srv->history};
    j->logline[0] = '\0';
    vw_ops_handle(&ctx, j->body, j->len, &j->out,
                  vw_log_enabled(VW_LOG_DEBUG) ? j->logline : NULL, sizeof j->logline);
    vw_snapholder_release(j->snap); /* done with it: a reload may free it now */
    j->snap = NULL;
}

static void *heavy_main(void *arg)
{
    vw_heavy *h = arg;
    msgpack_zone zone;
    msgpack_zone_init(&zone, 8192);
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->stopping && STAILQ_EMPTY(&h->queue))
            pthread_cond_wait(&h->cv, &h->mu);
        if (h->stopping)
            break;
        vw_heavy_job *j = STAILQ_FIRST(&h->queue);
        STAILQ_REMOVE_HEAD(&h->queue, link);
        h->queued--;
        pthread_mutex_unlock(&h->mu);
        run(h, j, &zone);
        vw_worker_post(j->w, &j->item);
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    msgpack_zone_destroy(&zone);
    return NULL;
}

vw_heavy *vw_heavy_new(vw_server *srv, vw_err *err)
{
    vw_heavy *h = calloc(1, sizeof *h);
    int n = srv->cfg->heavy_workers;
    if (h == NULL || (h->threads = calloc((size_t)n, sizeof *h->threads)) == NULL) {
        free(h);
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        return NULL;
    }
    h->srv = srv;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    STAILQ_INIT(&h->queue);
    for (; h->n_threads < n; h->n_threads++)
        if (pthread_create(&h->threads[h->n_threads], NULL, heavy_main, h) != 0) {
            vw_err_set(err, VW_E_INTERNAL, "cannot start heavy-op thread %d", h->n_threads);
            vw_heavy_free(h);
            return NULL;
        }
    return h;
}

int vw_heavy_submit(vw_heavy *h, vw_heavy_job *j)
{
    int rc = -1;
    pthread_mutex_lock(&h->mu);
    if (!h->stopping && h->queued < h->srv->cfg->heavy_queue) {
        STAILQ_INSERT_TAIL(&h->queue, j, link);
        h->queued++;
        pthread_cond_signal(&h->cv);
        rc = 0;
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

void vw_heavy_free(vw_heavy *h)
{
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    for (int i = 0; i < h->n_threads; i++)
        pthread_join(h->threads[i], NULL);
    vw_heavy_job *j;
    while ((j = STAILQ_FIRST(&h->queue)) != NULL) {
        STAILQ_REMOVE_HEAD(&h->queue, link);
        vw_heavy_job_free(j);
    }
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h->threads);
    free(h);
}
