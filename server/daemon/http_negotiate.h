/* http_negotiate.h -- what the HTTP gateway agrees with a browser or a
 * caching client before it sends an answer: CORS for browser callers on
 * other origins (http_cors_origins; preflight OPTIONS), and for large 200
 * answers a strong ETag with If-None-Match (304) and gzip when the client
 * accepts it. */
#ifndef VW_HTTP_NEGOTIATE_H
#define VW_HTTP_NEGOTIATE_H

#include <stdbool.h>

#include "config.h"
#include "http_req.h"

/* Answers at least this large get an ETag and, when accepted, gzip: small
 * answers gain nothing and would pay for the hash. */
#define VW_HTTP_NEGOTIATE_MIN 8192u

/* Adds Access-Control-Allow-Origin (and Vary: Origin) when the request's
 * Origin is allowed by cfg->http_cors_origins. */
void vw_http_cors(const vw_config *cfg, vw_hreq *req);
/* A CORS preflight (OPTIONS): fills the headers and returns the status to
 * send with an empty body (204 allowed, 403 for an origin not allowed). */
int vw_http_preflight(const vw_config *cfg, vw_hreq *req);
/* For a 200 answer to GET/HEAD: ETag, then 304 when If-None-Match matches
 * (body dropped), else gzip when accepted. Returns the status to send. */
int vw_http_negotiate(vw_hreq *req, int status);

#endif
