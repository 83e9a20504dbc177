/* fuzz_http_admin.c -- fuzzes the request side of the HTTP admin routes
 * (server/ops/http_admin.h): the input as an apply body ({"changes":[...]}
 * or JSON lines) through vw_hadmin_parse_changes and vw_hadmin_pack_apply,
 * the packed request unpacked again and its changes through the change
 * parser of the msgpack `apply` (vw_change_unpack); the input's first line
 * also as a route's path rest (vw_hadmin_next_id, up to 3 segments) and as
 * an If-Match value. Any outcome is fine except a crash, a leak, undefined
 * behaviour, or a packed request that does not unpack. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/change.h"
#include "proto/msg.h"
#include "server/ops/http_admin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void changes_of(const msgpack_object *root)
{
    if (root->type != MSGPACK_OBJECT_MAP)
        abort();
    for (uint32_t i = 0; i < root->via.map.size; i++) {
        const msgpack_object_kv *kv = &root->via.map.ptr[i];
        if (kv->val.type != MSGPACK_OBJECT_MAP || kv->val.via.map.size != 1)
            continue; /* "args" */
        const msgpack_object *list = &kv->val.via.map.ptr[0].val;
        if (list->type != MSGPACK_OBJECT_ARRAY)
            continue;
        vw_changes c;
        vw_err err;
        vw_changes_init(&c);
        for (uint32_t j = 0; j < list->via.array.size && j < 1000; j++)
            if (vw_change_unpack(&list->via.array.ptr[j], j, &c, &err) != 0)
                break;
        vw_changes_free(&c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    const char *why;
    struct json_object *list = vw_hadmin_parse_changes(text, size, &why);
    if (list) {
        msgpack_sbuffer sb;
        msgpack_unpacked up;
        msgpack_sbuffer_init(&sb);
        vw_hadmin_pack_apply(&sb, list);
        msgpack_unpacked_init(&up);
        if (msgpack_unpack_next(&up, sb.data, sb.size, NULL) != MSGPACK_UNPACK_SUCCESS)
            abort();
        changes_of(&up.data);
        msgpack_unpacked_destroy(&up);
        msgpack_sbuffer_destroy(&sb);
        json_object_put(list);
    } else if (why == NULL) {
        abort();
    }

    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    const char *rest = text;
    char id[VW_HADMIN_ID_MAX + 1];
    vw_err err;
    for (int i = 0; rest && i < 3; i++) {
        if (vw_hadmin_next_id(&rest, id, &err) != 0)
            break;
        if (strlen(id) > VW_HADMIN_ID_MAX)
            abort();
    }
    long long v = vw_hadmin_if_match(text);
    if (v < -1)
        abort();
    free(text);
    return 0;
}
