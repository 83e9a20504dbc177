/* msg.h -- the request/response envelope and argument access, over msgpack-c.
 *
 * Decoding is two steps so that outside input never makes us allocate what it
 * merely declares: vw_msg_check() walks the raw bytes and enforces vw_limits
 * (nesting depth, container lengths, string sizes, total object count, UTF-8,
 * declared lengths vs. remaining bytes, exactly one object); only then does
 * vw_msg_unpack() let msgpack-c build the object tree in a caller-owned zone.
 *
 * Encoding writes whole frames (length prefix included) into a msgpack_sbuffer.
 * No I/O anywhere in this module. */
#ifndef VW_MSG_H
#define VW_MSG_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vw_err.h"

#define VW_PROTO_VERSION 1

typedef struct vw_limits {
    uint32_t max_frame;  /* bytes in one frame body */
    uint32_t max_depth;  /* nesting of arrays/maps; the root map is depth 1 */
    uint32_t max_elems;  /* entries in one array or map */
    uint32_t max_str;    /* bytes in one str/bin/ext */
    uint32_t max_total;  /* objects in one message, all levels */
} vw_limits;

/* Defaults documented in PROTOCOL.md and the example config. */
#define VW_DEFAULT_MAX_FRAME (1u << 20)
#define VW_DEFAULT_MAX_DEPTH 8u
#define VW_DEFAULT_MAX_ELEMS 1024u
#define VW_DEFAULT_MAX_STR 4096u
#define VW_DEFAULT_MAX_TOTAL 16384u
void vw_limits_default(vw_limits *l);

/* Validate `len` bytes as exactly one msgpack object within `lim`.
 * Errors: too_large (a limit was exceeded), bad_request (malformed msgpack,
 * invalid UTF-8 in a str, trailing bytes, truncated). */
int vw_msg_check(const uint8_t *buf, size_t len, const vw_limits *lim, vw_err *err);

/* Unpack already-checked bytes into `zone` (caller owns the zone and may
 * msgpack_zone_clear() it between messages). */
int vw_msg_unpack(const uint8_t *buf, size_t len, msgpack_zone *zone, msgpack_object *out,
                  vw_err *err);

/* ---- requests ------------------------------------------------------------ */

typedef struct vw_request {
    uint64_t id;                  /* 0 when the request had no usable id */
    bool has_id;
    const char *op;               /* points into the unpacked object; not NUL-terminated */
    size_t op_len;
    const msgpack_object *args;   /* a map, or NULL when absent */
    const char *auth;             /* the optional "auth" token (admin over TCP); not NUL-terminated */
    size_t auth_len;
} vw_request;

/* Parse the envelope {"v":1,"id":uint,"op":str,"args":map[,"auth":str]}. Unknown envelope
 * keys, a wrong "v", a missing "op" and wrong types are bad_request. On error
 * the id is still filled in when it could be read, so the error can carry it. */
int vw_request_parse(const msgpack_object *root, vw_request *out, vw_err *err);

bool vw_op_is(const vw_request *r, const char *name);

/* ---- arguments ----------------------------------------------------------- */
/* All return 0 when absent (and `*present` false if given), 0 with the value
 * when present and well-typed, -1 with bad_request naming the argument when
 * present with the wrong type or out of range. `args` may be NULL. */

const msgpack_object *vw_arg(const msgpack_object *args, const char *key);
/* A msgpack number (integer or float) as a double: true and *d set, false
 * (d untouched) for NULL or any other type. The one place that reads one. */
bool vw_obj_number(const msgpack_object *o, double *d);
/* bad_request naming the first key of `args` not in the NULL-terminated `known`. */
int vw_args_only(const msgpack_object *args, const char *const *known, vw_err *err);
/* The same check, and rows[i] = the index in `known` of the args map's i-th
 * key (for i < cap): which names were given, found in the one pass. */
int vw_args_rows(const msgpack_object *args, const char *const *known, int *rows, size_t cap,
                 vw_err *err);
int vw_arg_str(const msgpack_object *args, const char *key, const char **s, size_t *len,
               bool *present, vw_err *err);
int vw_arg_uint(const msgpack_object *args, const char *key, uint64_t min, uint64_t max,
                uint64_t *v, bool *present, vw_err *err);
/* Accepts integers and floats; rejects NaN/inf and values outside [min,max]. */
int vw_arg_double(const msgpack_object *args, const char *key, double min, double max,
                  double *v, bool *present, vw_err *err);
int vw_arg_bool(const msgpack_object *args, const char *key, bool *v, bool *present,
                vw_err *err);
/* A str, or an array of 1..max strs: fills strs[i]/lens[i], sets *n. */
int vw_arg_str_list(const msgpack_object *args, const char *key, const char **strs,
                    size_t *lens, size_t max, size_t *n, vw_err *err);

/* ---- encoding ------------------------------------------------------------ */
/* A frame under construction in an sbuffer: begin reserves the 4-byte header,
 * end patches it. Several frames may be appended to one sbuffer. */
size_t vw_frame_begin(msgpack_sbuffer *sb);
void vw_frame_end(msgpack_sbuffer *sb, size_t start);

/* Packs the map header and "v","id","ok":true,"result" keys; the caller then
 * packs exactly one result object. */
void vw_pack_ok_head(msgpack_packer *pk, uint64_t id);
/* Packs a whole error response; the message is cut to 1023 bytes and made
 * valid UTF-8 (vw_utf8_fix), as every msgpack str must be. */
void vw_pack_error(msgpack_packer *pk, uint64_t id, const char *code, const char *message);
/* Packs a whole request; `args` (msgpack bytes of one map, may be NULL = {})
 * is copied in verbatim. */
void vw_pack_request(msgpack_packer *pk, uint64_t id, const char *op, const void *args,
                     size_t args_len);
/* The same with an "auth" token in the envelope (NULL: none). */
void vw_pack_request_auth(msgpack_packer *pk, uint64_t id, const char *op, const char *auth,
                          const void *args, size_t args_len);

/* Helpers for packing NUL-terminated strings and key/value pairs. */
void vw_pack_cstr(msgpack_packer *pk, const char *s); /* NULL packs nil */
void vw_pack_kv_str(msgpack_packer *pk, const char *k, const char *v);
void vw_pack_kv_int(msgpack_packer *pk, const char *k, int64_t v);
void vw_pack_kv_double(msgpack_packer *pk, const char *k, double v);
void vw_pack_kv_bool(msgpack_packer *pk, const char *k, bool v);
/* A string literal (a key): its length known at compile time, so no strlen
 * per request on the hot paths (the same bytes as vw_pack_cstr). */
#define vw_pack_lit(pk, lit) msgpack_pack_str_with_body((pk), "" lit, sizeof(lit) - 1)

/* ---- responses (client side) --------------------------------------------- */
typedef struct vw_response {
    uint64_t id;
    bool ok;
    const msgpack_object *result;   /* when ok */
    const char *err_code;           /* when !ok; not NUL-terminated */
    size_t err_code_len;
    const char *err_message;
    size_t err_message_len;
} vw_response;

int vw_response_parse(const msgpack_object *root, vw_response *out, vw_err *err);

/* ---- result access --------------------------------------------------------- */
/* o is a str equal to the NUL-terminated lit (false for NULL). */
bool vw_mp_is(const msgpack_object *o, const char *lit);
/* Map members by key (NULL when absent, or when `map` is NULL or no map). */
const msgpack_object *vw_mp_get(const msgpack_object *map, const char *key);
/* Copy a str field into buf ("" when absent/nil). */
const char *vw_mp_str(const msgpack_object *map, const char *key, char *buf, size_t cap);
double vw_mp_num(const msgpack_object *map, const char *key, double dflt);
bool vw_mp_bool(const msgpack_object *map, const char *key);
/* Join an array of strings (or of maps' `field`) with ", ". */
const char *vw_mp_join(const msgpack_object *arr, const char *field, char *buf, size_t cap);

#endif
