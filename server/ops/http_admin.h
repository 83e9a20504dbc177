/* http_admin.h -- the request side of the HTTP admin routes without I/O
 * (docs/HTTP.md "Admin routes"): a JSON apply body becomes the msgpack
 * request of the `apply` op (so the change parser and checks are the
 * msgpack ones), path segments and If-Match are decoded. verwijsd's admin
 * listener (server/daemon/http_admin.c) calls these; fuzz_http_admin too. */
#ifndef VW_OPS_HTTP_ADMIN_H
#define VW_OPS_HTTP_ADMIN_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/vw_err.h"

struct json_object;

#define VW_HADMIN_ID_MAX 255    /* bytes of one decoded id */
#define VW_HADMIN_JSON_DEPTH 16 /* nesting of a request body */

/* The change objects of an apply body: {"changes":[...]} or JSON lines of
 * change objects, as a JSON array the caller puts (json_object_put); NULL
 * with *why (a static message) when the body is neither. */
struct json_object *vw_hadmin_parse_changes(const char *body, size_t len, const char **why);

/* Starts a request body in req: {"v":1,"id":1,"op":op,"args":{ with
 * nargs argument pairs to follow through pk. */
void vw_hadmin_begin(msgpack_packer *pk, msgpack_sbuffer *req, const char *op, uint32_t nargs);

/* Packs {"v":1,"id":1,"op":"apply","args":{"changes":list}} into req
 * (appended; no frame header). `list` stays the caller's. */
void vw_hadmin_pack_apply(msgpack_sbuffer *req, struct json_object *list);

/* Decodes the path segment at *rest (up to '/' or the end) into id
 * (VW_HADMIN_ID_MAX + 1 bytes) with the one path-id decoder
 * (vw_path_id_decode); *rest moves past it and its '/', NULL at the end.
 * 0, or -1 with bad_request. */
int vw_hadmin_next_id(const char **rest, char *id, vw_err *err);

/* The version an If-Match header value names ("N", W/"N" or N): N > 0; 0
 * when v is NULL; -1 when it is not one. */
long long vw_hadmin_if_match(const char *v);

#endif
