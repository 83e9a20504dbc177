/* http.h -- the HTTP/JSON face of the ops, without I/O: a URL query
 * string becomes the same msgpack request a socket client would send (so the
 * same code and limits answer it), and the response frame becomes JSON.
 * verwijsd's gateway (server/daemon/http.c) calls these; tests call them directly. */
#ifndef VW_OPS_HTTP_H
#define VW_OPS_HTTP_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/mpjson.h"
#include "proto/vw_err.h"

/* Packs the request body {"v":1,"id":1,"op":op,"args":{...}} into `body`
 * (no frame header). `path_id` (may be NULL) becomes the "id" argument. The
 * query is split on '&', percent-decoded ('+' is a space); a key given more
 * than once becomes a list, in order. Values are typed by the op table
 * (optable.h): a location "lat,lon" is a [lat, lon] pair; uint and number
 * arguments are numbers and bool arguments booleans (true/false, 1/0) when
 * they parse as such -- otherwise they stay strings and the op rejects them
 * with its usual message. Aliases (`problem` for `problems`) are the table's.
 * The query is split by vw_query_new (qstring.h). Errors: too_large (more
 * than max_params parameters), bad_request (bad percent-encoding, NUL). */
int vw_http_build_request(msgpack_sbuffer *body, const char *op, const char *path_id,
                          const char *query, uint32_t max_params, vw_err *err);

/* The fixed HTTP status of a protocol error code (the error table, proto/vw_err.c). */
int vw_http_status(const char *code);

/* Writes the JSON of one response body (the frame of vw_ops_handle without
 * its 4-byte header): the result object when ok, else
 * {"error":{"code":...,"message":...}}. Sets *status. Returns -1 when the
 * sink stopped (output limit) or the frame does not parse (then *status is
 * 500 and nothing usable was written). `zone` is scratch. */
int vw_http_render(const uint8_t *body, size_t len, msgpack_zone *zone, vw_mpjson_sink sink,
                   void *ctx, int *status);

/* As vw_http_render, byte for byte, but faster (server/ops/http_render.c):
 * an ok answer is walked in its msgpack bytes, and the members of each
 * provider object before its "km" (of the result's "providers" and
 * "online") come from `cache` by their bytes (jsoncache.h). cache NULL:
 * vw_http_render. */
struct vw_jsoncache;
int vw_http_render_cached(const uint8_t *body, size_t len, msgpack_zone *zone,
                          struct vw_jsoncache *cache, vw_mpjson_sink sink, void *ctx,
                          int *status);

/* As vw_http_render, but an ok answer is not written: *result is the result
 * object (in `zone`, its strings in `body`; NULL for an error answer, which
 * is written). For callers that use the result as msgpack (the web UI's
 * map exports). */
int vw_http_answer(const uint8_t *body, size_t len, msgpack_zone *zone,
                   const msgpack_object **result, vw_mpjson_sink sink, void *ctx, int *status);

/* Writes {"error":{"code":code,"message":message}} and returns its status. */
int vw_http_error_json(const char *code, const char *message, vw_mpjson_sink sink, void *ctx);

#endif
