/* http.h -- verwijsd's HTTP/JSON gateway: the ops of PROTOCOL.md as GET
 * routes (docs/openapi.yaml), /healthz, /readyz, /metrics, /fhir/ and /ui/.
 * Threads of its own, each an event_base with a listener accepting on the
 * one shared listening socket, and HTTP/1.1 connections of its own
 * (http1.c parses, http_reply.c answers). Implemented in http.c; the
 * Prometheus text in metrics.c. */
#ifndef VW_DAEMON_HTTP_H
#define VW_DAEMON_HTTP_H

#include <stdatomic.h>
#include <stdint.h>

#include "daemon.h"
#include "history.h"

/* What the gateway borrows from the server (all must outlive it). */
typedef struct vw_http_env {
    const vw_config *cfg;
    vw_snapholder *snaps;
    vw_history *history;
    const vw_problems *problems;
    vw_ops_stats *stats;
    int64_t started_at;
    int workers;
} vw_http_env;

/* HTTP-level counters (answers the gateway gives itself: routes, methods,
 * limits) -- ops answers are counted in vw_ops_stats. */
#define VW_HTTP_STATUSES 14
typedef struct vw_http_stats {
    atomic_ullong conn_total;                 /* connections accepted */
    /* (FHIR requests are counted in vw_ops_stats, slot VW_OPS_FHIR) */
    atomic_llong conn_open;                   /* open (from their first byte to the close) */
    atomic_ullong conn_rejected;              /* answered 503 over http_max_connections */
    /* every response written, counted as its status line is written
     * (refused heads too: 400, 413, 414, 431, 501, 505); index:
     * vw_http_status_index() */
    atomic_ullong by_status[VW_HTTP_STATUSES];
} vw_http_stats;
int vw_http_status_index(int status);  /* the last index counts any other status */
int vw_http_status_of_index(int index); /* 0 for "other" */

typedef struct vw_http vw_http;

/* Binds cfg->http_listen, writes http_port_file, starts the threads. */
vw_http *vw_http_new(const vw_http_env *env, vw_err *err);
/* Drains: stops accepting; requests being read are answered (with
 * Connection: close), connections idle for 0.5 s are closed; each thread
 * ends when its connections are gone or at drain_timeout. Returns once the
 * threads have ended. */
void vw_http_stop(vw_http *h);
void vw_http_free(vw_http *h);

/* Appends the Prometheus text exposition of all counters (metrics.c). */
struct evbuffer;
void vw_metrics_write(struct evbuffer *out, const vw_http_env *env, const vw_http_stats *hs);

#endif
