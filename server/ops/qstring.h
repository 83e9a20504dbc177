/* qstring.h -- the one query-string splitter and path-id decoder of the
 * HTTP gateway: the /v1 routes (server/ops/http.c) and the FHIR routes
 * (server/daemon/http_fhir.c) both read their parameters and path ids
 * through these, so '+', %XX, empty and repeated parameters mean the same
 * on every route. No I/O; fuzzed by tests/fuzz/fuzz_query.c. */
#ifndef VW_OPS_QSTRING_H
#define VW_OPS_QSTRING_H

#include <stddef.h>
#include <stdint.h>

#include "proto/vw_err.h"

typedef struct vw_query vw_query;

/* Splits `query` (may be NULL: no parameters) on '&' into name=value pairs,
 * each percent-decoded ('+' is a space; a pair without '=' has the value "").
 * Empty segments ("a=1&&b=2") are skipped. Repeated names are kept, in
 * order: what a repeat means is the route's business. Errors: bad_request
 * for bad %XX or a NUL byte (it would silently cut the value), too_large
 * for more than max_params parameters. NULL with err set on failure. */
vw_query *vw_query_new(const char *query, uint32_t max_params, vw_err *err);
void vw_query_free(vw_query *q);
size_t vw_query_count(const vw_query *q);
const char *vw_query_name(const vw_query *q, size_t i);  /* NUL-terminated, decoded */
const char *vw_query_value(const vw_query *q, size_t i);
/* How many parameters are named `name`. */
size_t vw_query_count_of(const vw_query *q, const char *name);

/* Takes parameter `name` out of `query` for a route that handles it itself
 * before passing the rest on (the web UI's `lang`): *rest (malloc'ed, free
 * it) is the query without those parameters, the other segments byte for
 * byte; *count how many there were; value (cap bytes) the decoded value of
 * the first ("" when none). Names are compared decoded; a segment whose name
 * does not decode is left in *rest for the route to refuse. -1 with err:
 * out of memory, or the taken value does not decode or fit in cap. */
int vw_query_take(const char *query, const char *name, char **rest, char *value, size_t cap,
                  int *count, vw_err *err);

/* Decodes the query-string part src[0..n) (%XX and '+' as space) into dst,
 * which has room for n + 1 bytes; NUL-terminates it. bad_request on bad
 * percent-encoding or a NUL byte. */
int vw_query_pct_decode(const char *src, size_t n, char *dst, vw_err *err);

/* Decodes one path segment (the id of /v1/providers/{id}, /fhir/Type/{id}):
 * %XX decoded, '+' kept (it is a plus in a path), 1..max_len bytes after
 * decoding, no '/' and no NUL. dst has room for max_len + 1 bytes. 0, or -1
 * with bad_request naming the rule. */
int vw_path_id_decode(const char *seg, size_t max_len, char *dst, vw_err *err);

#endif
