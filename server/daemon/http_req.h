/* http_req.h -- one request of the HTTP gateway as its route handlers see
 * it (http.c, http_ui.c, http_negotiate.c): the parsed head, the answer's
 * headers and body, and the one call that sends the answer. Implemented in
 * http_reply.c; the connection that owns a request is http.c's.
 *
 * Ownership: the request and every string it returns belong to the
 * connection and live until vw_hreq_send returns. Header names given to
 * vw_hreq_add_header must be string literals (kept as pointers); values
 * are copied. */
#ifndef VW_DAEMON_HTTP_REQ_H
#define VW_DAEMON_HTTP_REQ_H

#include <stdbool.h>

#include "http1.h"

struct evbuffer;
typedef struct vw_hreq vw_hreq;

vw_http1_method vw_hreq_method(const vw_hreq *r);
/* A request field's value (case-insensitive name, first wins), or NULL. */
const char *vw_hreq_header(const vw_hreq *r, const char *name);
/* Adds an answer header; -1 when the answer's header space is full (the
 * answer then goes out as a 500: no header is ever dropped silently). */
int vw_hreq_add_header(vw_hreq *r, const char *name, const char *value);
/* An answer header added so far, or NULL. */
const char *vw_hreq_out_header(const vw_hreq *r, const char *name);
/* The answer's body (empty when the handler starts). */
struct evbuffer *vw_hreq_body(vw_hreq *r);
/* Sends the answer: status line, Date, the added headers, Content-Length
 * (always, but for 204 and 304), Connection when the connection ends
 * after it, then the body -- none for HEAD, whose Content-Length is the GET
 * answer's. Call once per request. */
void vw_hreq_send(vw_hreq *r, int status);

/* The reason phrase of a status ("OK", "Not Found", ...). */
const char *vw_hreq_reason(int status);

#endif
