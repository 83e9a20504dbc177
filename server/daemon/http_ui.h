/* http_ui.h -- the web UI under /ui/ of the HTTP gateway (docs/HTTP.md "Web
 * UI"): the static files of http_ui_dir, Leaflet from http_ui_leaflet_dir
 * as /ui/vendor/leaflet/, the page's config and vocabulary
 * (/ui/config.json) and the
 * coverage map exports (/ui/export/coverage.geojson, .svg, .png) drawn by
 * the same code as `verwijs coverage --format geojson|svg|png`. */
#ifndef VW_DAEMON_HTTP_UI_H
#define VW_DAEMON_HTTP_UI_H

#include <msgpack.h>
#include <stdbool.h>

#include "config.h"
#include "http_req.h"
#include "server/engine/problems.h"


/* Runs a query op (never an admin op) for the exports and returns its HTTP
 * status (http.c): on 200 *result is the op's result as msgpack (valid until
 * the next op of this gateway worker), otherwise the JSON error answer is
 * left in req's output buffer. */
typedef int (*vw_http_ui_op_fn)(void *arg, vw_hreq *req, const char *op,
                                const char *query, const msgpack_object **result);

typedef struct vw_http_ui_ctx {
    const vw_config *cfg;
    const vw_problems *problems; /* the refer op's table: the form's choices */
    bool draining;      /* answers say Connection: close */
    vw_http_ui_op_fn run;
    void *run_arg;
} vw_http_ui_ctx;

/* Answers a GET/HEAD of `path` ("/ui" or "/ui/..."; raw, not decoded).
 * With http_ui_dir unset every such path is 404. */
void vw_http_ui_serve(const vw_http_ui_ctx *c, vw_hreq *req, const char *path,
                      const char *query);

#endif
