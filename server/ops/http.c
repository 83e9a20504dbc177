/* http.c -- URL query -> msgpack request, response frame -> JSON (see
 * http.h). Every size is bounded by the query's own length and
 * max_params; the msgpack limits (vw_msg_check) apply afterwards as for any
 * socket request. */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "proto/utf8.h"
#include "optable.h"
#include "qstring.h"

typedef enum { T_STR, T_NUM, T_BOOL, T_LOC } arg_type;

typedef struct qparam {
    const char *key, *val; /* decoded, NUL-terminated, in the scratch buffer */
    arg_type type;         /* from the op table */
    bool done;             /* already packed as part of an earlier key's list */
} qparam;

/* The op table's type of an argument, as far as a query string cares. */
static arg_type type_of(const vw_op_def *d, const char *key)
{
    switch (vw_optable_arg_type(d, key, NULL)) {
    case VW_ARG_UINT:
    case VW_ARG_NUM: return T_NUM;
    case VW_ARG_BOOL: return T_BOOL;
    case VW_ARG_LOC: return T_LOC;
    default: return T_STR;
    }
}

static bool parse_double(const char *s, double *d)
{
    char *end;
    if (*s == '\0' || isspace((unsigned char)*s))
        return false;
    errno = 0;
    *d = strtod(s, &end);
    return errno == 0 && *end == '\0' && isfinite(*d);
}

static bool is_int(const char *v)
{
    const char *d = v + (v[0] == '-');
    size_t n = strlen(d);
    return n > 0 && n <= 20 && strspn(d, "0123456789") == n;
}

static void pack_value(msgpack_packer *pk, arg_type t, const char *v)
{
    size_t n = strlen(v);
    if (t == T_NUM && is_int(v)) {
        errno = 0;
        if (v[0] == '-') {
            long long x = strtoll(v, NULL, 10);
            if (errno == 0) {
                msgpack_pack_int64(pk, x);
                return;
            }
        } else {
            unsigned long long x = strtoull(v, NULL, 10);
            if (errno == 0) {
                msgpack_pack_uint64(pk, x);
                return;
            }
        }
    }
    double d;
    if (t == T_NUM && parse_double(v, &d)) {
        msgpack_pack_double(pk, d);
        return;
    }
    if (t == T_BOOL) {
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || v[0] == '\0') {
            msgpack_pack_true(pk);
            return;
        }
        if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
            msgpack_pack_false(pk);
            return;
        }
    }
    const char *comma = strchr(v, ',');
    if (t == T_LOC && comma && (size_t)(comma - v) < 40) {
        char lat[40];
        double a, b;
        memcpy(lat, v, (size_t)(comma - v));
        lat[comma - v] = '\0';
        if (parse_double(lat, &a) && parse_double(comma + 1, &b)) {
            msgpack_pack_array(pk, 2);
            msgpack_pack_double(pk, a);
            msgpack_pack_double(pk, b);
            return;
        }
    }
    msgpack_pack_str_with_body(pk, v, n);
}

int vw_http_build_request(msgpack_sbuffer *body, const char *op, const char *path_id,
                          const char *query, uint32_t max_params, vw_err *err)
{
    const vw_op_def *def = vw_optable_find(op, strlen(op), NULL);
    vw_query *q = vw_query_new(query, max_params, err);
    size_t nq = vw_query_count(q), np = 0, nkeys = 0;
    qparam *ps = NULL;
    int rc = -1;
    msgpack_packer pk;

    if (q == NULL)
        return -1;
    ps = calloc(nq + 1, sizeof *ps);
    if (ps == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    if (path_id) {
        ps[np].key = def && def->path_arg ? def->path_arg : "id";
        ps[np].type = T_STR;
        ps[np++].val = path_id;
    }
    for (size_t i = 0; i < nq; i++) {
        ps[np].type = type_of(def, vw_query_name(q, i));
        vw_optable_arg_type(def, vw_query_name(q, i), &ps[np].key); /* an alias becomes the name */
        ps[np++].val = vw_query_value(q, i);
    }
    for (size_t i = 0; i < np; i++) {
        bool first = true;
        for (size_t j = 0; j < i; j++)
            if (strcmp(ps[j].key, ps[i].key) == 0)
                first = false;
        if (!first && ps[i].type == T_LOC) {
            vw_err_set(err, VW_E_BAD_REQUEST, "%s given twice (one point or postcode)", ps[i].key);
            goto out;
        }
        nkeys += first;
    }

    msgpack_packer_init(&pk, body, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    vw_pack_kv_int(&pk, "v", VW_PROTO_VERSION);
    vw_pack_kv_int(&pk, "id", 1);
    vw_pack_kv_str(&pk, "op", op);
    vw_pack_cstr(&pk, "args");
    msgpack_pack_map(&pk, nkeys);
    for (size_t i = 0; i < np; i++) {
        size_t same = 0;
        if (ps[i].done)
            continue;
        for (size_t j = i; j < np; j++)
            same += strcmp(ps[j].key, ps[i].key) == 0;
        vw_pack_cstr(&pk, ps[i].key);
        if (same > 1)
            msgpack_pack_array(&pk, same);
        for (size_t j = i; j < np; j++)
            if (strcmp(ps[j].key, ps[i].key) == 0) {
                pack_value(&pk, ps[j].type, ps[j].val);
                ps[j].done = true;
            }
    }
    rc = 0;
out:
    free(ps);
    vw_query_free(q);
    return rc;
}

int vw_http_status(const char *code)
{
    return vw_code_get(vw_code_find(code))->http_status;
}

int vw_http_error_json(const char *code, const char *message, vw_mpjson_sink sink, void *ctx)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked up;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", message ? message : "");
    vw_utf8_fix(msg); /* JSON text must be UTF-8 */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    vw_pack_cstr(&pk, "error");
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_str(&pk, "code", code);
    vw_pack_kv_str(&pk, "message", msg);
    msgpack_unpacked_init(&up);
    if (msgpack_unpack_next(&up, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS)
        vw_mpjson_write(&up.data, false, sink, ctx);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    return vw_http_status(code);
}

int vw_http_answer(const uint8_t *body, size_t len, msgpack_zone *zone,
                   const msgpack_object **result, vw_mpjson_sink sink, void *ctx, int *status)
{
    msgpack_object root;
    vw_response r;
    vw_err err;
    char code[32], msg[512];
    *status = 500;
    *result = NULL;
    msgpack_zone_clear(zone);
    if (vw_msg_unpack(body, len, zone, &root, &err) != 0 ||
        vw_response_parse(&root, &r, &err) != 0)
        return -1;
    if (r.ok) {
        *status = 200;
        *result = r.result;
        return 0;
    }
    snprintf(code, sizeof code, "%.*s", (int)r.err_code_len, r.err_code);
    snprintf(msg, sizeof msg, "%.*s", (int)r.err_message_len, r.err_message);
    *status = vw_http_error_json(code, msg, sink, ctx);
    return 0;
}

int vw_http_render(const uint8_t *body, size_t len, msgpack_zone *zone, vw_mpjson_sink sink,
                   void *ctx, int *status)
{
    const msgpack_object *result;
    if (vw_http_answer(body, len, zone, &result, sink, ctx, status) != 0)
        return -1;
    return result ? vw_mpjson_write(result, false, sink, ctx) : 0;
}
