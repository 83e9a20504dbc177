/* http_admin.c -- JSON apply bodies to the msgpack `apply` request, path
 * ids and If-Match (see http_admin.h). Bounded: json-c parses with a depth
 * limit, the body's size is the listener's admin_http_max_body, ids are at
 * most VW_HADMIN_ID_MAX bytes. */
#include "http_admin.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "qstring.h"

static int json_to_mp(msgpack_packer *pk, struct json_object *j)
{
    switch (json_object_get_type(j)) {
    case json_type_null: return msgpack_pack_nil(pk);
    case json_type_boolean:
        return json_object_get_boolean(j) ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case json_type_int: return msgpack_pack_int64(pk, json_object_get_int64(j));
    case json_type_double: return msgpack_pack_double(pk, json_object_get_double(j));
    case json_type_string:
        return msgpack_pack_str_with_body(pk, json_object_get_string(j),
                                          (size_t)json_object_get_string_len(j));
    case json_type_array: {
        size_t n = json_object_array_length(j);
        msgpack_pack_array(pk, n);
        for (size_t i = 0; i < n; i++)
            json_to_mp(pk, json_object_array_get_idx(j, i));
        return 0;
    }
    case json_type_object: {
        msgpack_pack_map(pk, (size_t)json_object_object_length(j));
        json_object_object_foreach(j, k, v) {
            vw_pack_cstr(pk, k);
            json_to_mp(pk, v);
        }
        return 0;
    }
    }
    return -1;
}

/* The `changes` array of an apply body: {"changes":[...]}, or JSON lines of
 * change objects. NULL with *why set when the body is not that. The
 * caller puts the result. */
struct json_object *vw_hadmin_parse_changes(const char *body, size_t len, const char **why)
{
    struct json_tokener *tok = json_tokener_new_ex(VW_HADMIN_JSON_DEPTH);
    struct json_object *all = NULL, *arr = NULL;
    size_t off = 0;
    *why = "the body is not JSON: {\"changes\":[...]} or one change object per line";
    if (tok == NULL)
        return NULL;
    while (off < len) {
        while (off < len && strchr(" \t\r\n", body[off]))
            off++;
        if (off == len)
            break;
        json_tokener_reset(tok);
        struct json_object *o = json_tokener_parse_ex(tok, body + off, (int)(len - off));
        if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
            json_object_put(o);
            goto fail;
        }
        off += json_tokener_get_parse_end(tok);
        struct json_object *list;
        if (arr == NULL && all == NULL && json_object_object_get_ex(o, "changes", &list)) {
            if (!json_object_is_type(list, json_type_array)) {
                *why = "\"changes\" must be an array of change objects";
                json_object_put(o);
                goto fail;
            }
            all = o;
            continue;
        }
        if (all != NULL || !json_object_is_type(o, json_type_object)) {
            *why = "a JSON-lines body holds one change object per line";
            json_object_put(o);
            goto fail;
        }
        if (arr == NULL)
            arr = json_object_new_array();
        json_object_array_add(arr, o);
    }
    json_tokener_free(tok);
    if (all) {
        struct json_object *list;
        json_object_object_get_ex(all, "changes", &list);
        json_object_get(list);
        json_object_put(all);
        return list;
    }
    if (arr == NULL)
        *why = "the body holds no changes";
    return arr;
fail:
    json_tokener_free(tok);
    json_object_put(all);
    json_object_put(arr);
    return NULL;
}


/* Decodes the path segment at *rest into id (VW_HADMIN_ID_MAX + 1 bytes) with
 * the one path-id decoder; *rest moves past it and its '/' (NULL at the end). */
int vw_hadmin_next_id(const char **rest, char *id, vw_err *err)
{
    char seg[3 * VW_HADMIN_ID_MAX + 1];
    const char *e = strchr(*rest, '/');
    size_t sl = e ? (size_t)(e - *rest) : strlen(*rest);
    if (sl >= sizeof seg)
        return vw_err_set(err, VW_E_BAD_REQUEST, "an id is too long (at most %d bytes)",
                          VW_HADMIN_ID_MAX);
    memcpy(seg, *rest, sl);
    seg[sl] = '\0';
    *rest = e ? e + 1 : NULL;
    return vw_path_id_decode(seg, VW_HADMIN_ID_MAX, id, err);
}


/* The version of an If-Match header ("N", W/"N" or N), 0 when absent, -1
 * when it is not one. */
long long vw_hadmin_if_match(const char *v)
{
    char *end;
    if (v == NULL)
        return 0;
    if (strncmp(v, "W/", 2) == 0)
        v += 2;
    v += *v == '"';
    long long n = strtoll(v, &end, 10);
    if (end == v || n <= 0 || (*end != '\0' && strcmp(end, "\"") != 0))
        return -1;
    return n;
}


void vw_hadmin_begin(msgpack_packer *pk, msgpack_sbuffer *req, const char *op, uint32_t nargs)
{
    msgpack_packer_init(pk, req, msgpack_sbuffer_write);
    msgpack_pack_map(pk, 4);
    vw_pack_kv_int(pk, "v", VW_PROTO_VERSION);
    vw_pack_kv_int(pk, "id", 1);
    vw_pack_kv_str(pk, "op", op);
    vw_pack_cstr(pk, "args");
    msgpack_pack_map(pk, nargs);
}

void vw_hadmin_pack_apply(msgpack_sbuffer *req, struct json_object *list)
{
    msgpack_packer pk;
    vw_hadmin_begin(&pk, req, "apply", 1);
    vw_pack_cstr(&pk, "changes");
    json_to_mp(&pk, list);
}
