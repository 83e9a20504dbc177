/* heavy.h -- the heavy-op pool: requests for ops the op table flags
 * VW_OPF_HEAVY (server/ops/optable.c: coverage) run on heavy_workers threads
 * of their own, fed by one bounded queue (heavy_queue; full: the request is
 * answered `overloaded`), so a 100 ms coverage never blocks the other
 * clients of a worker's event loop. A finished job goes back to the worker
 * that submitted it as a VW_WQ_HEAVY_DONE item of its hand-off queue.
 * Implemented in heavy.c; used by conn.c and server.c only. */
#ifndef VW_DAEMON_HEAVY_H
#define VW_DAEMON_HEAVY_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server_int.h"

typedef struct vw_heavy vw_heavy;

typedef struct vw_heavy_job {
    vw_wq_item item;              /* kind VW_WQ_HEAVY_DONE, job = this */
    vw_worker *w;                 /* where the answer goes */
    struct vw_conn *conn;         /* worker thread only; NULL once the connection is gone */
    uint8_t *body;                /* the request frame body (owned) */
    size_t len;
    vw_snapshot *snap;            /* a reference (owned) */
    vw_ops_server_info info;
    msgpack_sbuffer out;          /* the response frame */
    char logline[256];
    STAILQ_ENTRY(vw_heavy_job) link;
} vw_heavy_job;

/* Is the request in `body` for an op the op table flags heavy? Cheap for
 * the others: only bodies holding a heavy op's name are parsed. *id = the
 * request's id (0 when it has none), for an `overloaded` answer. */
bool vw_heavy_is_heavy(const uint8_t *body, size_t len, const vw_limits *lim, uint64_t *id);

/* Starts cfg->heavy_workers threads. NULL with err. */
vw_heavy *vw_heavy_new(vw_server *srv, vw_err *err);
/* A job for `len` bytes of `body` (copied); NULL when out of memory.
 * Takes the reference `snap` (released at once when it fails). */
vw_heavy_job *vw_heavy_job_new(vw_worker *w, struct vw_conn *conn, const uint8_t *body,
                               size_t len, vw_snapshot *snap, const vw_ops_server_info *info);
void vw_heavy_job_free(vw_heavy_job *j);
/* Queues `j`; -1 when heavy_queue jobs already wait (the caller keeps j). */
int vw_heavy_submit(vw_heavy *h, vw_heavy_job *j);
/* Stops the threads (a running job finishes and is delivered; queued ones
 * are freed unanswered: their connections are gone by then). */
void vw_heavy_free(vw_heavy *h);

#endif
