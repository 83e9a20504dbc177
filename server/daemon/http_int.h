/* http_int.h -- what http.c (the connections) and http_reply.c (the
 * answers) share: the request object behind http_req.h. Not for the
 * route handlers, which see only http_req.h. */
#ifndef VW_DAEMON_HTTP_INT_H
#define VW_DAEMON_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "http_req.h"

#define VW_HREQ_MAX_HEADERS 32  /* answer headers (the most any route adds: ~12) */
#define VW_HREQ_VALUES 4096     /* bytes of their values, NULs included */

struct vw_hreq {
    vw_http1_req in;           /* the parsed head; strings point into the worker's head buffer */
    struct evbuffer *body;     /* the worker's body buffer, empty at the start of a request */
    struct evbuffer *out;      /* the connection's output, where vw_hreq_send writes */
    vw_http_stats *stats;      /* by_status is counted as each answer is written */
    bool close;                /* the connection ends after this answer (set by http.c, or
                                  by a handler adding "Connection: close") */
    bool sent;
    int status;                /* as sent */
    int n_out;
    struct {
        const char *name;      /* a literal */
        const char *value;     /* in vals */
    } hdr[VW_HREQ_MAX_HEADERS];
    size_t vals_used;
    bool overflow;             /* a header did not fit: the answer becomes a 500 */
    char vals[VW_HREQ_VALUES];
};

/* Ready for a new request over `in` (body emptied). */
void vw_hreq_reset(vw_hreq *r);

#endif
