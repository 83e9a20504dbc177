/* http1.h -- the HTTP/1.1 request head parser of the gateway (RFC 9112):
 * pure functions on bytes, no I/O, no allocation (http1.c; fuzzed by
 * tests/fuzz/fuzz_http1.c, unit-tested by tests/unit/test_http1.c).
 *
 * The connection (http.c) finds the end of a head with vw_http1_head_end,
 * copies the head (at most http_max_header bytes) into its own buffer and
 * parses it there with vw_http1_parse, which NUL-terminates the pieces in
 * place: every string of a vw_http1_req points into that buffer and lives
 * as long as it does.
 *
 * What is accepted, exactly:
 *  - empty lines before the request line are skipped (RFC 9112 2.2);
 *  - lines end in CRLF or in a bare LF; a CR anywhere else is an error;
 *  - request line: METHOD SP target SP HTTP/1.0|HTTP/1.1, single spaces;
 *    another HTTP/x.y version answers 505;
 *  - target: origin-form ("/path?query"), absolute-form ("http://host/path",
 *    reduced to its path), or "*" (OPTIONS only); bytes 0x21..0x7e only; a
 *    "#fragment" is dropped;
 *  - fields: token ":" OWS value OWS; no space before the colon, no
 *    obs-fold, no control byte but HT in a value; at most
 *    VW_HTTP1_MAX_FIELDS (more: 431);
 *  - Content-Length: digits only, one value (repeats must agree), at most
 *    2^53; Transfer-Encoding of any kind answers 501 (no route takes a body);
 *  - Connection: "close" and "keep-alive" tokens (of all Connection lines,
 *    close first) decide keep_alive, with HTTP/1.1 defaulting to keep-alive
 *    and HTTP/1.0 to close;
 *  - Host is not required (only FHIR's fullUrls use it, and only when it is
 *    a plain host name: http_fhir.c). */
#ifndef VW_DAEMON_HTTP1_H
#define VW_DAEMON_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VW_HTTP1_MAX_FIELDS 64

typedef enum {
    VW_HTTP1_GET,
    VW_HTTP1_HEAD,
    VW_HTTP1_OPTIONS,
    VW_HTTP1_OTHER, /* any other token: POST, PUT, DELETE, PATCH, FOO, ... */
} vw_http1_method;

typedef struct vw_http1_field {
    const char *name;  /* NUL-terminated, as sent (compare case-insensitively) */
    const char *value; /* NUL-terminated, without surrounding whitespace */
} vw_http1_field;

typedef struct vw_http1_req {
    vw_http1_method method;
    const char *method_text;  /* the token as sent */
    const char *path;         /* raw (not percent-decoded); never NULL */
    const char *query;        /* raw, after '?'; NULL when there is none */
    int minor;                /* 0: HTTP/1.0, 1: HTTP/1.1 */
    bool keep_alive;          /* the connection may carry another request */
    bool has_body;            /* Content-Length was sent (even 0) */
    uint64_t content_length;  /* body bytes that follow the head */
    int n_fields;
    vw_http1_field fields[VW_HTTP1_MAX_FIELDS];
    /* on error: the status to answer (400, 431, 501, 505) and why */
    int err_status;
    const char *err_message;  /* a static string */
} vw_http1_req;

/* The length of the head at the start of p[0..n) -- through the empty line
 * that ends it -- or 0 when no complete head is there yet. Leading empty
 * lines count as part of the head. */
size_t vw_http1_head_end(const char *p, size_t n);

/* Parses the complete head head[0..len) (as found by vw_http1_head_end),
 * NUL-terminating its pieces in place: head must have room for len bytes
 * and is changed. Returns 0, or -1 with r->err_status and r->err_message
 * set. */
int vw_http1_parse(char *head, size_t len, vw_http1_req *r);

/* The value of the first field named `name` (case-insensitive), or NULL. */
const char *vw_http1_field_get(const vw_http1_req *r, const char *name);

#endif
