/* load_pipe.c -- the reader thread of the full load (load_pipe.h): three
 * batches go round between the reader (fills) and the loader (consumes),
 * under one mutex; values are copied, so a batch stays valid while the
 * reader steps on. */
#include "load_pipe.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/utf8.h"

#define NB 3              /* batches in flight */
#define ROWS 256          /* provider rows a batch */
#define BUF_SOFT (1u << 20) /* text bytes after which a batch is handed over */
#define NONE SIZE_MAX     /* vw_lcol.off: no text */

typedef struct batch {
    vw_lcol *cols;         /* ROWS x ncols */
    uint32_t m_first[ROWS], m_n[ROWS];
    int mrc[ROWS];
    vw_lcol *mcols;        /* 2 a membership row */
    size_t n_mcols, cap_mcols;
    char *buf;
    size_t used, cap;
    uint32_t n;
    bool last;             /* the reader stopped after it */
    int rc;                /* with last: the providers statement's last step */
} batch;

struct vw_lpipe {
    sqlite3_stmt *q, *m;
    int ncols;
    bool numeric[64];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch b[NB];
    unsigned full;         /* batches filled, not yet consumed (in order) */
    unsigned fill_at, read_at;
    bool stop;
    /* the consumer's place */
    batch *cur;
    uint32_t row;
    vw_lrow view;
};

/* Copies text s[0..n) and a NUL into b->buf; its offset, or NONE on OOM. */
static size_t buf_put(batch *b, const char *s, size_t n)
{
    if (b->used + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : BUF_SOFT;
        while (cap < b->used + n + 1)
            cap *= 2;
        char *p = realloc(b->buf, cap);
        if (!p)
            return NONE;
        b->buf = p;
        b->cap = cap;
    }
    size_t at = b->used;
    memcpy(b->buf + at, s, n);
    b->buf[at + n] = '\0';
    b->used += n + 1;
    return at;
}

/* One text value, read the way col_text reads it. 0, or -1 on OOM. */
static int take_text(batch *b, sqlite3_stmt *q, int i, vw_lcol *c)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    c->off = NONE;
    c->s = NULL;
    if (!s) {
        c->bytes = 0;
        c->type = sqlite3_column_type(q, i);
        return 0;
    }
    c->bytes = sqlite3_column_bytes(q, i);
    c->type = SQLITE_TEXT;
    c->off = buf_put(b, s, (size_t)c->bytes);
    return c->off == NONE ? -1 : 0;
}

static void take_number(sqlite3_stmt *q, int i, vw_lcol *c)
{
    c->off = NONE;
    c->s = NULL;
    c->bytes = 0;
    c->type = sqlite3_column_type(q, i);
    if (c->type == SQLITE_INTEGER)
        c->i = sqlite3_column_int64(q, i);
    else if (c->type == SQLITE_FLOAT)
        c->d = sqlite3_column_double(q, i);
}

static vw_lcol *more_mcols(batch *b)
{
    if (b->n_mcols + 2 > b->cap_mcols) {
        size_t cap = b->cap_mcols ? 2 * b->cap_mcols : 256;
        vw_lcol *p = realloc(b->mcols, cap * sizeof *p);
        if (!p)
            return NULL;
        b->mcols = p;
        b->cap_mcols = cap;
    }
    return b->mcols + b->n_mcols;
}

static bool text_ok(const vw_lcol *c, const batch *b)
{
    return c->off != NONE && vw_utf8_bad(b->buf + c->off, (size_t)c->bytes) == (size_t)c->bytes;
}

/* Reads one provider row and its memberships into b (row b->n). *mrc: the
 * pending membership step. 1: more may follow; 0: the reader stops after
 * it (the loader fails at it); -1: out of memory (b->rc; the row dropped). */
static int take_row(vw_lpipe *P, batch *b, int *mrc)
{
    vw_lcol *c = b->cols + (size_t)b->n * (size_t)P->ncols;
    for (int i = 0; i < P->ncols; i++) {
        if (P->numeric[i])
            take_number(P->q, i, &c[i]);
        else if (take_text(b, P->q, i, &c[i]) < 0)
            goto oom_row;
    }
    uint32_t k = b->n++; /* counted: dropped again on OOM below */
    b->m_first[k] = (uint32_t)(b->n_mcols / 2);
    b->m_n[k] = 0;
    b->mrc[k] = SQLITE_DONE;
    if (c[0].off == NONE)
        return 0; /* no id: the loader stops here */
    const char *id = (const char *)sqlite3_column_text(P->q, 0); /* still this row's */
    while (*mrc == SQLITE_ROW) {
        vw_lcol *mc = more_mcols(b);
        if (!mc || take_text(b, P->m, 0, &mc[0]) < 0 || take_text(b, P->m, 1, &mc[1]) < 0)
            goto oom;
        bool ok = text_ok(&mc[0], b) && text_ok(&mc[1], b);
        if (ok && strcmp(b->buf + mc[0].off, id) > 0) {
            b->used -= (size_t)mc[0].bytes + (size_t)mc[1].bytes + 2; /* not taken */
            break;
        }
        b->n_mcols += 2;
        b->m_n[k]++;
        if (!ok)
            return 0; /* the loader stops at this membership */
        *mrc = sqlite3_step(P->m);
    }
    if (*mrc != SQLITE_ROW && *mrc != SQLITE_DONE) {
        b->mrc[k] = *mrc;
        return 0;
    }
    return 1;
oom:
    b->n--; /* the row is not whole: dropped */
oom_row:
    b->rc = SQLITE_NOMEM;
    return -1;
}

static void *reader_main(void *arg)
{
    vw_lpipe *P = arg;
    int mrc = sqlite3_step(P->m), more = 1;
    while (more) {
        pthread_mutex_lock(&P->mu);
        while (P->full == NB && !P->stop)
            pthread_cond_wait(&P->cv, &P->mu);
        bool stop = P->stop;
        pthread_mutex_unlock(&P->mu);
        if (stop)
            break;
        batch *b = &P->b[P->fill_at];
        b->n = 0;
        b->used = 0;
        b->n_mcols = 0;
        b->last = false;
        b->rc = SQLITE_DONE;
        while (b->n < ROWS && b->used < BUF_SOFT) {
            int rc = sqlite3_step(P->q);
            if (rc != SQLITE_ROW) {
                b->rc = rc;
                more = 0;
                break;
            }
            if (take_row(P, b, &mrc) <= 0) {
                more = 0;
                break;
            }
        }
        for (size_t j = 0; j < (size_t)b->n * (size_t)P->ncols; j++)
            b->cols[j].s = b->cols[j].off == NONE ? NULL : b->buf + b->cols[j].off;
        for (size_t j = 0; j < b->n_mcols; j++)
            b->mcols[j].s = b->mcols[j].off == NONE ? NULL : b->buf + b->mcols[j].off;
        b->last = !more;
        pthread_mutex_lock(&P->mu);
        P->fill_at = (P->fill_at + 1) % NB;
        P->full++;
        pthread_cond_broadcast(&P->cv);
        pthread_mutex_unlock(&P->mu);
    }
    return NULL;
}

static void pipe_free(vw_lpipe *P)
{
    for (int k = 0; k < NB; k++) {
        free(P->b[k].cols);
        free(P->b[k].mcols);
        free(P->b[k].buf);
    }
    pthread_cond_destroy(&P->cv);
    pthread_mutex_destroy(&P->mu);
    free(P);
}

vw_lpipe *vw_lpipe_start(sqlite3_stmt *q, sqlite3_stmt *m, int ncols, const bool *numeric)
{
    if (ncols <= 0 || ncols > 64)
        return NULL;
    vw_lpipe *P = calloc(1, sizeof *P);
    if (!P)
        return NULL;
    P->q = q;
    P->m = m;
    P->ncols = ncols;
    memcpy(P->numeric, numeric, (size_t)ncols * sizeof *numeric);
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->cv, NULL);
    for (int k = 0; k < NB; k++)
        if (!(P->b[k].cols = malloc((size_t)ROWS * (size_t)ncols * sizeof *P->b[k].cols))) {
            pipe_free(P);
            return NULL;
        }
    if (pthread_create(&P->thread, NULL, reader_main, P) != 0) {
        pipe_free(P);
        return NULL;
    }
    return P;
}

/* Hands the consumed batch back to the reader. */
static void release(vw_lpipe *P)
{
    pthread_mutex_lock(&P->mu);
    P->read_at = (P->read_at + 1) % NB;
    P->full--;
    pthread_cond_broadcast(&P->cv);
    pthread_mutex_unlock(&P->mu);
    P->cur = NULL;
}

int vw_lpipe_next(vw_lpipe *P, vw_lrow *row, int *rc)
{
    for (;;) {
        if (!P->cur) {
            pthread_mutex_lock(&P->mu);
            while (P->full == 0)
                pthread_cond_wait(&P->cv, &P->mu);
            pthread_mutex_unlock(&P->mu);
            P->cur = &P->b[P->read_at];
            P->row = 0;
        }
        batch *b = P->cur;
        if (P->row < b->n) {
            uint32_t k = P->row++;
            row->c = b->cols + (size_t)k * (size_t)P->ncols;
            row->m = b->mcols ? b->mcols + (size_t)b->m_first[k] * 2 : NULL;
            row->n_m = b->m_n[k];
            row->mrc = b->mrc[k];
            return 1;
        }
        if (b->last) {
            *rc = b->rc;
            return 0; /* the batch stays: the reader has stopped */
        }
        release(P);
    }
}

void vw_lpipe_stop(vw_lpipe *P)
{
    if (!P)
        return;
    pthread_mutex_lock(&P->mu);
    P->stop = true;
    pthread_cond_broadcast(&P->cv);
    pthread_mutex_unlock(&P->mu);
    pthread_join(P->thread, NULL);
    pipe_free(P);
}
