/* msg.c -- implements msg.h except the pre-validation walker (msg_check.c):
 * unpacking checked bytes, the request envelope, strict argument accessors,
 * frame/response encoding, and the client-side response envelope. */
#include "msg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "utf8.h"

int vw_msg_unpack(const uint8_t *buf, size_t len, msgpack_zone *zone, msgpack_object *out,
                  vw_err *err)
{
    if (buf == NULL || zone == NULL || out == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "vw_msg_unpack: NULL argument");
    size_t off = 0;
    /* Strings and bins in *out point into buf: buf must outlive the objects. */
    msgpack_unpack_return r = msgpack_unpack((const char *)buf, len, &off, zone, out);
    switch (r) {
    case MSGPACK_UNPACK_SUCCESS:
        return 0;
    case MSGPACK_UNPACK_EXTRA_BYTES:
        return vw_err_set(err, VW_E_BAD_REQUEST, "%zu trailing bytes after the message at byte %zu",
                          len - off, off);
    case MSGPACK_UNPACK_CONTINUE:
        return vw_err_set(err, VW_E_BAD_REQUEST, "message truncated");
    case MSGPACK_UNPACK_NOMEM_ERROR:
        return vw_err_set(err, VW_E_INTERNAL, "out of memory unpacking a %zu-byte message", len);
    default:
        return vw_err_set(err, VW_E_BAD_REQUEST, "malformed msgpack");
    }
}

/* ---- helpers --------------------------------------------------------------- */

/* Runs for every key of a request against every name looked up (argument
 * checks and lookups): the first byte settles most mismatches before the
 * literal's length is taken, and strnlen never reads past its end. */
static bool str_is(const msgpack_object *o, const char *lit)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return false;
    size_t n = o->via.str.size;
    if (n == 0)
        return lit[0] == '\0';
    return o->via.str.ptr[0] == lit[0] && strnlen(lit, n + 1) == n &&
           memcmp(o->via.str.ptr, lit, n) == 0;
}

static bool str_eq(const msgpack_object *a, const msgpack_object *b)
{
    return a->type == MSGPACK_OBJECT_STR && b->type == MSGPACK_OBJECT_STR &&
           a->via.str.size == b->via.str.size &&
           memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) == 0;
}

/* Copies an outside string into out for an error message: at most 48 bytes,
 * anything but printable ASCII shown as '?'. */
static const char *shown(const msgpack_object *o, char out[64])
{
    if (o->type != MSGPACK_OBJECT_STR) {
        snprintf(out, 64, "(non-string key)");
        return out;
    }
    size_t n = o->via.str.size, k = 0;
    for (size_t i = 0; i < n && k < 48; i++) {
        unsigned char c = (unsigned char)o->via.str.ptr[i];
        out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (n > 48) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

static const char *type_name(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return "a positive integer";
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "a negative integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return "a float";
    case MSGPACK_OBJECT_STR: return "a string";
    case MSGPACK_OBJECT_ARRAY: return "an array";
    case MSGPACK_OBJECT_MAP: return "a map";
    case MSGPACK_OBJECT_BIN: return "bin";
    case MSGPACK_OBJECT_EXT: return "ext";
    default: return "unknown";
    }
}

/* ---- requests -------------------------------------------------------------- */

int vw_request_parse(const msgpack_object *root, vw_request *out, vw_err *err)
{
    memset(out, 0, sizeof *out);
    if (root == NULL || root->type != MSGPACK_OBJECT_MAP)
        return vw_err_set(err, VW_E_BAD_REQUEST, "a request must be a map");
    const msgpack_object_map *m = &root->via.map;

    /* The id first, so that any later error can still carry it. */
    for (uint32_t i = 0; i < m->size; i++) {
        if (str_is(&m->ptr[i].key, "id") && m->ptr[i].val.type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
            out->id = m->ptr[i].val.via.u64;
            out->has_id = true;
            break;
        }
    }

    bool seen_v = false, seen_id = false, seen_op = false, seen_args = false, seen_auth = false;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;
        bool *seen;
        char buf[64];
        if (str_is(k, "v"))
            seen = &seen_v;
        else if (str_is(k, "id"))
            seen = &seen_id;
        else if (str_is(k, "op"))
            seen = &seen_op;
        else if (str_is(k, "args"))
            seen = &seen_args;
        else if (str_is(k, "auth"))
            seen = &seen_auth;
        else
            goto unknown;
        if (*seen)
            return vw_err_set(err, VW_E_BAD_REQUEST, "duplicate envelope key '%s'",
                              shown(k, buf));
        *seen = true;
        if (seen == &seen_v) {
            if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != VW_PROTO_VERSION)
                return vw_err_set(err, VW_E_BAD_REQUEST,
                                  "unsupported protocol version: 'v' must be %d",
                                  VW_PROTO_VERSION);
        } else if (seen == &seen_id) {
            if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
                return vw_err_set(err, VW_E_BAD_REQUEST,
                                  "'id' must be an unsigned integer, not %s", type_name(v));
        } else if (seen == &seen_op) {
            if (v->type != MSGPACK_OBJECT_STR)
                return vw_err_set(err, VW_E_BAD_REQUEST, "'op' must be a string, not %s",
                                  type_name(v));
            out->op = v->via.str.ptr;
            out->op_len = v->via.str.size;
        } else if (seen == &seen_auth) {
            if (v->type != MSGPACK_OBJECT_STR)
                return vw_err_set(err, VW_E_BAD_REQUEST, "'auth' must be a string, not %s",
                                  type_name(v));
            out->auth = v->via.str.ptr;
            out->auth_len = v->via.str.size;
        } else {
            if (v->type != MSGPACK_OBJECT_MAP)
                return vw_err_set(err, VW_E_BAD_REQUEST, "'args' must be a map, not %s",
                                  type_name(v));
            out->args = v;
        }
        continue;
    unknown:
        return vw_err_set(err, VW_E_BAD_REQUEST, "unknown envelope key '%s'", shown(k, buf));
    }
    if (!seen_v)
        return vw_err_set(err, VW_E_BAD_REQUEST, "missing 'v'");
    if (!seen_id)
        return vw_err_set(err, VW_E_BAD_REQUEST, "missing 'id'");
    if (!seen_op)
        return vw_err_set(err, VW_E_BAD_REQUEST, "missing 'op'");
    return 0;
}

bool vw_op_is(const vw_request *r, const char *name)
{
    size_t n = strlen(name);
    return r != NULL && r->op != NULL && r->op_len == n && memcmp(r->op, name, n) == 0;
}

/* ---- arguments ------------------------------------------------------------- */

const msgpack_object *vw_arg(const msgpack_object *args, const char *key)
{
    return vw_mp_get(args, key);
}

int vw_args_only(const msgpack_object *args, const char *const *known, vw_err *err)
{
    return vw_args_rows(args, known, NULL, 0, err);
}

int vw_args_rows(const msgpack_object *args, const char *const *known, int *rows, size_t cap,
                 vw_err *err)
{
    if (args == NULL)
        return 0;
    if (args->type != MSGPACK_OBJECT_MAP)
        return vw_err_set(err, VW_E_BAD_REQUEST, "'args' must be a map");
    const msgpack_object_map *m = &args->via.map;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        char buf[64];
        if (k->type != MSGPACK_OBJECT_STR)
            return vw_err_set(err, VW_E_BAD_REQUEST, "argument names must be strings");
        bool ok = false;
        size_t r = 0;
        for (; known != NULL && known[r] != NULL && !ok; r++)
            ok = str_is(k, known[r]);
        if (!ok)
            return vw_err_set(err, VW_E_BAD_REQUEST, "unknown argument '%s'", shown(k, buf));
        if (rows && i < cap)
            rows[i] = (int)(r - 1);
        /* Every earlier key is known and distinct, so this loop is short. A
         * repeated key would make the value depend on which one is read. */
        for (uint32_t j = 0; j < i; j++)
            if (str_eq(&m->ptr[j].key, k))
                return vw_err_set(err, VW_E_BAD_REQUEST, "argument '%s' given twice",
                                  shown(k, buf));
    }
    return 0;
}

static const msgpack_object *arg_get(const msgpack_object *args, const char *key, bool *present)
{
    const msgpack_object *o = vw_arg(args, key);
    if (present)
        *present = o != NULL;
    return o;
}

int vw_arg_str(const msgpack_object *args, const char *key, const char **s, size_t *len,
               bool *present, vw_err *err)
{
    const msgpack_object *o = arg_get(args, key, present);
    if (o == NULL)
        return 0;
    if (o->type != MSGPACK_OBJECT_STR)
        return vw_err_set(err, VW_E_BAD_REQUEST, "argument '%s' must be a string, not %s", key,
                          type_name(o));
    if (s)
        *s = o->via.str.ptr;
    if (len)
        *len = o->via.str.size;
    return 0;
}

int vw_arg_uint(const msgpack_object *args, const char *key, uint64_t min, uint64_t max,
                uint64_t *v, bool *present, vw_err *err)
{
    const msgpack_object *o = arg_get(args, key, present);
    if (o == NULL)
        return 0;
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 < min || o->via.u64 > max)
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "argument '%s' must be an integer between %llu and %llu", key,
                          (unsigned long long)min, (unsigned long long)max);
    if (v)
        *v = o->via.u64;
    return 0;
}

bool vw_obj_number(const msgpack_object *o, double *d)
{
    if (o == NULL)
        return false;
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER: *d = (double)o->via.u64; return true;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: *d = (double)o->via.i64; return true;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: *d = o->via.f64; return true;
    default: return false;
    }
}

int vw_arg_double(const msgpack_object *args, const char *key, double min, double max,
                  double *v, bool *present, vw_err *err)
{
    const msgpack_object *o = arg_get(args, key, present);
    if (o == NULL)
        return 0;
    double d;
    if (!vw_obj_number(o, &d) || !isfinite(d) || d < min || d > max)
        goto bad;
    if (v)
        *v = d;
    return 0;
bad:
    return vw_err_set(err, VW_E_BAD_REQUEST, "argument '%s' must be a number between %g and %g",
                      key, min, max);
}

int vw_arg_bool(const msgpack_object *args, const char *key, bool *v, bool *present,
                vw_err *err)
{
    const msgpack_object *o = arg_get(args, key, present);
    if (o == NULL)
        return 0;
    if (o->type != MSGPACK_OBJECT_BOOLEAN)
        return vw_err_set(err, VW_E_BAD_REQUEST, "argument '%s' must be true or false, not %s",
                          key, type_name(o));
    if (v)
        *v = o->via.boolean;
    return 0;
}

int vw_arg_str_list(const msgpack_object *args, const char *key, const char **strs,
                    size_t *lens, size_t max, size_t *n, vw_err *err)
{
    *n = 0;
    const msgpack_object *o = vw_arg(args, key);
    if (o == NULL)
        return 0;
    if (o->type == MSGPACK_OBJECT_STR) {
        if (max < 1)
            goto bad;
        strs[0] = o->via.str.ptr;
        lens[0] = o->via.str.size;
        *n = 1;
        return 0;
    }
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1 || o->via.array.size > max)
        goto bad;
    for (uint32_t i = 0; i < o->via.array.size; i++)
        if (o->via.array.ptr[i].type != MSGPACK_OBJECT_STR)
            goto bad;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        strs[i] = o->via.array.ptr[i].via.str.ptr;
        lens[i] = o->via.array.ptr[i].via.str.size;
    }
    *n = o->via.array.size;
    return 0;
bad:
    return vw_err_set(err, VW_E_BAD_REQUEST,
                      "argument '%s' must be a string or an array of 1 to %zu strings", key, max);
}

/* ---- encoding -------------------------------------------------------------- */

size_t vw_frame_begin(msgpack_sbuffer *sb)
{
    static const char zero[VW_FRAME_HEADER] = {0};
    size_t start = sb->size;
    msgpack_sbuffer_write(sb, zero, sizeof zero);
    return start;
}

void vw_frame_end(msgpack_sbuffer *sb, size_t start)
{
    /* A failed allocation in begin leaves no header to patch. */
    if (sb->data == NULL || sb->size < start + VW_FRAME_HEADER)
        return;
    size_t body = sb->size - start - VW_FRAME_HEADER;
    /* Bodies are bounded by max_frame far below 4 GiB; clamp rather than wrap. */
    vw_frame_put_header((uint8_t *)sb->data + start, body > UINT32_MAX ? UINT32_MAX : (uint32_t)body);
}

void vw_pack_cstr(msgpack_packer *pk, const char *s)
{
    if (s == NULL)
        msgpack_pack_nil(pk);
    else
        msgpack_pack_str_with_body(pk, s, strlen(s));
}

void vw_pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
    vw_pack_cstr(pk, k);
    vw_pack_cstr(pk, v);
}

void vw_pack_kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
    vw_pack_cstr(pk, k);
    msgpack_pack_int64(pk, v);
}

void vw_pack_kv_double(msgpack_packer *pk, const char *k, double v)
{
    vw_pack_cstr(pk, k);
    msgpack_pack_double(pk, v);
}

void vw_pack_kv_bool(msgpack_packer *pk, const char *k, bool v)
{
    vw_pack_cstr(pk, k);
    if (v)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
}

static void pack_envelope_head(msgpack_packer *pk, uint64_t id, uint32_t entries)
{
    msgpack_pack_map(pk, entries);
    vw_pack_cstr(pk, "v");
    msgpack_pack_uint64(pk, VW_PROTO_VERSION);
    vw_pack_cstr(pk, "id");
    msgpack_pack_uint64(pk, id);
}

/* Per answer: the bytes pack_envelope_head(4) and the two keys would write,
 * in three writes instead of ten. */
void vw_pack_ok_head(msgpack_packer *pk, uint64_t id)
{
    _Static_assert(VW_PROTO_VERSION < 128, "the version packs as a positive fixint");
    static const char head[] = {(char)0x84, (char)0xa1, 'v', (char)VW_PROTO_VERSION,
                                (char)0xa2, 'i', 'd'};
    static const char tail[] = "\xa2" "ok" "\xc3" "\xa6" "result";
    pk->callback(pk->data, head, sizeof head);
    msgpack_pack_uint64(pk, id);
    pk->callback(pk->data, tail, sizeof tail - 1);
}

void vw_pack_error(msgpack_packer *pk, uint64_t id, const char *code, const char *message)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", message ? message : "");
    vw_utf8_fix(msg);
    pack_envelope_head(pk, id, 4);
    vw_pack_kv_bool(pk, "ok", false);
    vw_pack_cstr(pk, "error");
    msgpack_pack_map(pk, 2);
    vw_pack_kv_str(pk, "code", code ? code : VW_E_INTERNAL);
    vw_pack_kv_str(pk, "message", msg);
}

void vw_pack_request(msgpack_packer *pk, uint64_t id, const char *op, const void *args,
                     size_t args_len)
{
    vw_pack_request_auth(pk, id, op, NULL, args, args_len);
}

void vw_pack_request_auth(msgpack_packer *pk, uint64_t id, const char *op, const char *auth,
                          const void *args, size_t args_len)
{
    pack_envelope_head(pk, id, auth ? 5 : 4);
    vw_pack_kv_str(pk, "op", op);
    if (auth)
        vw_pack_kv_str(pk, "auth", auth);
    vw_pack_cstr(pk, "args");
    if (args == NULL || args_len == 0)
        msgpack_pack_map(pk, 0);
    else
        pk->callback(pk->data, (const char *)args, args_len); /* already msgpack: verbatim */
}

/* ---- responses (client side) ----------------------------------------------- */

int vw_response_parse(const msgpack_object *root, vw_response *out, vw_err *err)
{
    memset(out, 0, sizeof *out);
    if (root == NULL || root->type != MSGPACK_OBJECT_MAP)
        return vw_err_set(err, VW_E_PROTOCOL, "response is not a map");
    const msgpack_object *v = NULL, *id = NULL, *ok = NULL, *result = NULL, *error = NULL;
    const msgpack_object_map *m = &root->via.map;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key, *val = &m->ptr[i].val;
        const msgpack_object **slot = NULL;
        if (str_is(k, "v"))
            slot = &v;
        else if (str_is(k, "id"))
            slot = &id;
        else if (str_is(k, "ok"))
            slot = &ok;
        else if (str_is(k, "result"))
            slot = &result;
        else if (str_is(k, "error"))
            slot = &error;
        else
            continue; /* forward compatible: unknown keys are ignored */
        if (*slot != NULL)
            return vw_err_set(err, VW_E_PROTOCOL, "response has a duplicate key");
        *slot = val;
    }
    if (v == NULL || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != VW_PROTO_VERSION)
        return vw_err_set(err, VW_E_PROTOCOL, "response 'v' is missing or not %d",
                          VW_PROTO_VERSION);
    if (id == NULL || id->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return vw_err_set(err, VW_E_PROTOCOL, "response 'id' is missing or not an unsigned integer");
    out->id = id->via.u64;
    if (ok == NULL || ok->type != MSGPACK_OBJECT_BOOLEAN)
        return vw_err_set(err, VW_E_PROTOCOL, "response 'ok' is missing or not a boolean");
    out->ok = ok->via.boolean;
    if (out->ok) {
        if (result == NULL)
            return vw_err_set(err, VW_E_PROTOCOL, "ok response without 'result'");
        out->result = result;
        return 0;
    }
    if (error == NULL || error->type != MSGPACK_OBJECT_MAP)
        return vw_err_set(err, VW_E_PROTOCOL, "error response without an 'error' map");
    const msgpack_object *code = NULL, *msg = NULL;
    for (uint32_t i = 0; i < error->via.map.size; i++) {
        const msgpack_object *k = &error->via.map.ptr[i].key;
        if (str_is(k, "code") && code == NULL)
            code = &error->via.map.ptr[i].val;
        else if (str_is(k, "message") && msg == NULL)
            msg = &error->via.map.ptr[i].val;
    }
    if (code == NULL || code->type != MSGPACK_OBJECT_STR || code->via.str.size == 0)
        return vw_err_set(err, VW_E_PROTOCOL, "error response without a 'code' string");
    if (msg != NULL && msg->type != MSGPACK_OBJECT_STR)
        return vw_err_set(err, VW_E_PROTOCOL, "error response 'message' is not a string");
    out->err_code = code->via.str.ptr;
    out->err_code_len = code->via.str.size;
    out->err_message = msg ? msg->via.str.ptr : "";
    out->err_message_len = msg ? msg->via.str.size : 0;
    return 0;
}

/* ---- result access ------------------------------------------------------- */

bool vw_mp_is(const msgpack_object *o, const char *lit)
{
    return o && str_is(o, lit);
}

const msgpack_object *vw_mp_get(const msgpack_object *map, const char *key)
{
    if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (str_is(&map->via.map.ptr[i].key, key))
            return &map->via.map.ptr[i].val;
    return NULL;
}

const char *vw_mp_str(const msgpack_object *map, const char *key, char *buf, size_t cap)
{
    const msgpack_object *v = vw_mp_get(map, key);
    buf[0] = '\0';
    if (v && v->type == MSGPACK_OBJECT_STR)
        snprintf(buf, cap, "%.*s", (int)v->via.str.size, v->via.str.ptr);
    return buf;
}

double vw_mp_num(const msgpack_object *map, const char *key, double dflt)
{
    double d = dflt;
    vw_obj_number(vw_mp_get(map, key), &d);
    return d;
}

bool vw_mp_bool(const msgpack_object *map, const char *key)
{
    const msgpack_object *v = vw_mp_get(map, key);
    return v && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
}

const char *vw_mp_join(const msgpack_object *arr, const char *field, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    if (arr == NULL || arr->type != MSGPACK_OBJECT_ARRAY)
        return buf;
    for (uint32_t i = 0; i < arr->via.array.size && used < cap; i++) {
        const msgpack_object *e = &arr->via.array.ptr[i];
        if (field)
            e = vw_mp_get(e, field);
        if (e == NULL || e->type != MSGPACK_OBJECT_STR)
            continue;
        used += (size_t)snprintf(buf + used, cap - used, "%s%.*s", used ? ", " : "",
                                 (int)e->via.str.size, e->via.str.ptr);
    }
    return buf;
}
