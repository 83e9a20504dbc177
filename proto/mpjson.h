/* mpjson.h -- msgpack object -> JSON text through a caller's sink, shared by
 * the CLI (`--json`, to a FILE) and verwijsd's HTTP gateway (to a bounded
 * buffer). No I/O of its own. */
#ifndef VW_MPJSON_H
#define VW_MPJSON_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>

/* Receives the text in pieces; returns 0 to go on, -1 to stop (for example
 * when a byte limit is reached). */
typedef int (*vw_mpjson_sink)(void *ctx, const char *p, size_t n);

/* Strings are escaped per RFC 8259; NaN/inf become null; bin and ext become
 * base64 strings; non-string map keys are written as their JSON text in a
 * string; doubles use the shortest text that reads back the same. `pretty`
 * indents by 2. Returns 0, or -1 when the sink stopped the writing. */
int vw_mpjson_write(const msgpack_object *o, bool pretty, vw_mpjson_sink sink, void *ctx);

/* Pieces of the same writer, for a caller that walks msgpack bytes itself
 * (server/ops/http_render.c): the JSON text of a double exactly as
 * vw_mpjson_write writes it (at most VW_MPJSON_DOUBLE_MAX bytes, not
 * terminated), and how many bytes at the start of s need no escaping (n:
 * the string may be written between quotes as it is). */
#define VW_MPJSON_DOUBLE_MAX 48
size_t vw_mpjson_double(double d, char buf[VW_MPJSON_DOUBLE_MAX]);
size_t vw_mpjson_plain(const char *s, size_t n);

#endif
