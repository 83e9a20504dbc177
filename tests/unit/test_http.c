/* test_http.c -- the HTTP face of the ops without sockets (server/ops/http.c):
 * query strings become the msgpack request a socket client would send (typing
 * by key, repeated keys as lists, percent-decoding, the parameter cap, path
 * ids), error codes map to their fixed statuses, and response frames become
 * JSON (result, error object, output cap). */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "server/ops/http.h"
#include "t.h"

static msgpack_zone zone;

/* The args map of the request built from `query` (NULL on error, err set). */
static const msgpack_object *build(const char *op, const char *id, const char *query,
                                   uint32_t max, msgpack_sbuffer *sb, vw_err *err)
{
    static msgpack_object root;
    vw_request req;
    sb->size = 0;
    if (vw_http_build_request(sb, op, id, query, max, err) != 0)
        return NULL;
    msgpack_zone_clear(&zone);
    vw_limits lim;
    vw_limits_default(&lim);
    if (vw_msg_check((const uint8_t *)sb->data, sb->size, &lim, err) != 0 ||
        vw_msg_unpack((const uint8_t *)sb->data, sb->size, &zone, &root, err) != 0 ||
        vw_request_parse(&root, &req, err) != 0)
        return NULL;
    CHECK(vw_op_is(&req, op));
    return req.args;
}

static bool str_is(const msgpack_object *o, const char *s)
{
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
           memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

static void test_build(void)
{
    msgpack_sbuffer sb;
    vw_err err;
    msgpack_sbuffer_init(&sb);
    const msgpack_object *a = build("match", NULL,
                                    "near=3511&discipline=dietist&discipline=psycholoog&within=15"
                                    "&limit=5&accepting_only=true&mode=car&expertise=oncologie",
                                    64, &sb, &err);
    CHECK(a != NULL && a->type == MSGPACK_OBJECT_MAP && a->via.map.size == 7);
    CHECK(str_is(vw_arg(a, "near"), "3511"));
    const msgpack_object *d = vw_arg(a, "discipline");
    CHECK(d && d->type == MSGPACK_OBJECT_ARRAY && d->via.array.size == 2 &&
          str_is(&d->via.array.ptr[0], "dietist") && str_is(&d->via.array.ptr[1], "psycholoog"));
    CHECK(vw_arg(a, "within")->type == MSGPACK_OBJECT_POSITIVE_INTEGER);
    CHECK(vw_arg(a, "limit")->via.u64 == 5);
    CHECK(vw_arg(a, "accepting_only")->type == MSGPACK_OBJECT_BOOLEAN &&
          vw_arg(a, "accepting_only")->via.boolean);
    CHECK(str_is(vw_arg(a, "expertise"), "oncologie")); /* once: a string, not a list */

    /* typed by key; what does not parse stays a string for the op to refuse */
    a = build("match", NULL, "near=52.09%2C5.12&within=7.5&limit=abc&include_online=0&as_of=2026-01-02",
              64, &sb, &err);
    const msgpack_object *n = vw_arg(a, "near");
    CHECK(n && n->type == MSGPACK_OBJECT_ARRAY && n->via.array.size == 2 &&
          n->via.array.ptr[0].via.f64 == 52.09 && n->via.array.ptr[1].via.f64 == 5.12);
    CHECK(vw_arg(a, "within")->type == MSGPACK_OBJECT_FLOAT64 && vw_arg(a, "within")->via.f64 == 7.5);
    CHECK(str_is(vw_arg(a, "limit"), "abc"));
    CHECK(vw_arg(a, "include_online")->type == MSGPACK_OBJECT_BOOLEAN &&
          !vw_arg(a, "include_online")->via.boolean);
    CHECK(str_is(vw_arg(a, "as_of"), "2026-01-02"));
    a = build("match", NULL, "limit=-3&near=52.1,x&accepting_only", 64, &sb, &err);
    CHECK(vw_arg(a, "limit")->type == MSGPACK_OBJECT_NEGATIVE_INTEGER);
    CHECK(str_is(vw_arg(a, "near"), "52.1,x"));
    CHECK(vw_arg(a, "accepting_only")->type == MSGPACK_OBJECT_BOOLEAN); /* bare name = true */

    /* percent-decoding, '+', aliases, empty segments, path ids */
    a = build("refer", NULL, "near=3511+AB&&problem=darm%6Blachten&problems=angst", 64, &sb, &err);
    CHECK(str_is(vw_arg(a, "near"), "3511 AB"));
    const msgpack_object *p = vw_arg(a, "problems");
    CHECK(p && p->type == MSGPACK_OBJECT_ARRAY && p->via.array.size == 2 &&
          str_is(&p->via.array.ptr[0], "darmklachten"));
    a = build("provider.get", "P 1", NULL, 64, &sb, &err);
    CHECK(a && a->via.map.size == 1 && str_is(vw_arg(a, "id"), "P 1"));
    a = build("stats", NULL, "", 64, &sb, &err);
    CHECK(a && a->via.map.size == 0);

    /* refusals */
    CHECK(build("match", NULL, "near=%4", 64, &sb, &err) == NULL &&
          strcmp(err.code, VW_E_BAD_REQUEST) == 0);
    CHECK(build("match", NULL, "near=%zz", 64, &sb, &err) == NULL);
    CHECK(build("match", NULL, "near=35%0011", 64, &sb, &err) == NULL &&
          strstr(err.message, "NUL") != NULL);
    CHECK(build("match", NULL, "a=1&b=2&c=3", 2, &sb, &err) == NULL &&
          strcmp(err.code, VW_E_TOO_LARGE) == 0);
    CHECK(build("match", NULL, "a=1&b=2", 2, &sb, &err) != NULL);
    /* invalid UTF-8 is refused by the msgpack checks, as for a socket client */
    CHECK(build("match", NULL, "near=%ff", 64, &sb, &err) == NULL &&
          strcmp(err.code, VW_E_BAD_REQUEST) == 0);
    /* near is one point: twice is an error that says so (not "needs two numbers") */
    CHECK(build("match", NULL, "near=3511&discipline=dietist&near=3512", 64, &sb, &err) == NULL &&
          strcmp(err.code, VW_E_BAD_REQUEST) == 0 && strstr(err.message, "near given twice"));
    msgpack_sbuffer_destroy(&sb);
}

typedef struct cap_buf {
    char data[512];
    size_t n, max;
} cap_buf;

static int cap_sink(void *ctx, const char *p, size_t n)
{
    cap_buf *b = ctx;
    if (b->n + n > b->max)
        return -1;
    memcpy(b->data + b->n, p, n);
    b->n += n;
    b->data[b->n] = '\0';
    return 0;
}

static void test_render(void)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    cap_buf out = {.max = 500};
    int status;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    vw_pack_ok_head(&pk, 1);
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_str(&pk, "a", "x\"y");
    vw_pack_kv_double(&pk, "km", 2.5);
    CHECK(vw_http_render((const uint8_t *)sb.data, sb.size, &zone, cap_sink, &out, &status) == 0);
    CHECK(status == 200);
    CHECK_STR(out.data, "{\"a\":\"x\\\"y\",\"km\":2.5}");

    sb.size = 0;
    out.n = 0;
    vw_pack_error(&pk, 1, VW_E_NOT_FOUND, "no provider with id 'X'");
    CHECK(vw_http_render((const uint8_t *)sb.data, sb.size, &zone, cap_sink, &out, &status) == 0);
    CHECK(status == 404);
    CHECK_STR(out.data, "{\"error\":{\"code\":\"not_found\",\"message\":\"no provider with id 'X'\"}}");

    /* an error message that is not UTF-8 (cut mid-character, raw bytes) is
     * repaired before it becomes JSON */
    out.n = 0;
    status = vw_http_error_json(VW_E_NOT_FOUND, "no 'x\xc3\xa9\xff\xc3", cap_sink, &out);
    CHECK(status == 404);
    CHECK_STR(out.data, "{\"error\":{\"code\":\"not_found\",\"message\":\"no 'x\xc3\xa9?\"}}");

    /* the output cap stops the writer */
    sb.size = 0;
    out.n = 0;
    out.max = 10;
    vw_pack_ok_head(&pk, 1);
    vw_pack_cstr(&pk, "a string longer than ten bytes");
    CHECK(vw_http_render((const uint8_t *)sb.data, sb.size, &zone, cap_sink, &out, &status) != 0);
    CHECK(status == 200);
    /* garbage is not a response */
    CHECK(vw_http_render((const uint8_t *)"\x93", 1, &zone, cap_sink, &out, &status) != 0 &&
          status == 500);

    CHECK(vw_http_status(VW_E_BAD_REQUEST) == 400 && vw_http_status(VW_E_UNKNOWN_OP) == 404 &&
          vw_http_status(VW_E_TOO_LARGE) == 413 && vw_http_status(VW_E_UNAVAILABLE) == 503 &&
          vw_http_status(VW_E_FORBIDDEN) == 403 && vw_http_status(VW_E_OVERLOADED) == 503 &&
          vw_http_status(VW_E_TIMEOUT) == 504 && vw_http_status(VW_E_INTERNAL) == 500 &&
          vw_http_status("what") == 500);
    msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
    msgpack_zone_init(&zone, 4096);
    test_build();
    test_render();
    msgpack_zone_destroy(&zone);
    return T_DONE();
}
