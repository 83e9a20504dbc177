/* fuzz_ops.c -- libFuzzer target: one request body through vw_ops_handle()
 * against a small fixed snapshot, as verwijsd's workers run it. Every op and
 * argument decoder sees the input; the response must always be exactly one
 * well-formed frame whose body passes vw_msg_check (the server never answers
 * with something a client cannot parse).
 *
 * Inputs that start with "GET " take the HTTP gateway's path instead
 * ("GET op?query"): the query string becomes a request (server/ops/http.c), the op
 * answers it, and the JSON written from the answer must be valid UTF-8 and
 * parse strictly (json-c). Every error message, of either path, is UTF-8
 * (msgpack str and JSON require it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/utf8.h"
#include "proto/vocab.h"
#include "server/ops/ops.h"
#include "server/ops/http.h"
#include "fuzz_snap.h"

#include <json-c/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vw_snapshot *snap;
static vw_problems *problems;

static void setup(void)
{
    vw_err err;
    snap = fuzz_snapshot();
    problems = vw_problems_builtin(&err);
    if (snap == NULL || problems == NULL)
        abort();
}

typedef struct fz_buf {
    char *p;
    size_t n, cap;
} fz_buf;

static int fz_sink(void *ctx, const char *p, size_t n)
{
    fz_buf *b = ctx;
    if (b->n + n + 1 > b->cap)
        return -1;
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* Exactly one frame, and its body is valid within generous limits (every
 * str UTF-8: vw_msg_check). */
static void check_frame(const msgpack_sbuffer *out)
{
    uint32_t blen = 0;
    if (vw_frame_parse((const uint8_t *)out->data, out->size, 64u << 20, &blen) != VW_FRAME_OK ||
        out->size != VW_FRAME_HEADER + blen)
        abort();
    vw_limits big = {.max_frame = 64u << 20, .max_depth = 16, .max_elems = 1u << 20,
                     .max_str = 1u << 20, .max_total = 1u << 24};
    vw_err err;
    if (vw_msg_check((const uint8_t *)out->data + VW_FRAME_HEADER, blen, &big, &err) != 0)
        abort();
}

/* "GET op?query" through the HTTP gateway's conversion, as server/daemon/http.c runs it. */
static void http_path(const vw_ops_ctx *ctx, const uint8_t *data, size_t size,
                      msgpack_sbuffer *out)
{
    static char buf[1 << 16], json[1 << 20];
    static msgpack_sbuffer req;
    static msgpack_zone rzone;
    static int init;
    vw_err err;
    char log[256];
    int status;
    if (!init) {
        msgpack_sbuffer_init(&req);
        msgpack_zone_init(&rzone, 4096);
        init = 1;
    }
    size_t n = size - 4 < sizeof buf - 1 ? size - 4 : sizeof buf - 1;
    memcpy(buf, data + 4, n);
    buf[n] = '\0';
    char *q = strchr(buf, '?');
    if (q)
        *q++ = '\0';
    req.size = 0;
    if (vw_http_build_request(&req, buf, NULL, q, 64, &err) != 0) {
        if (vw_http_status(err.code) >= 500 ||
            vw_utf8_bad(err.message, strlen(err.message)) != strlen(err.message))
            abort(); /* a query is refused as the client's fault, in UTF-8 */
        return;
    }
    out->size = 0;
    vw_ops_handle(ctx, (const uint8_t *)req.data, req.size, out, log, sizeof log);
    check_frame(out);
    fz_buf b = {json, 0, sizeof json};
    if (vw_http_render((const uint8_t *)out->data + VW_FRAME_HEADER, out->size - VW_FRAME_HEADER,
                       &rzone, fz_sink, &b, &status) != 0)
        return; /* only over the output cap */
    if (vw_utf8_bad(json, b.n) != b.n)
        abort();
    json_tokener *tok = json_tokener_new_ex(64);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, json, (int)b.n);
    if (o == NULL || json_tokener_get_parse_end(tok) != b.n || status < 200 || status > 599)
        abort();
    json_object_put(o);
    json_tokener_free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static msgpack_zone zone;
    static msgpack_sbuffer out;
    static vw_travel_model tm;
    static vw_limits lim;
    static vw_refer_config rc;
    if (snap == NULL) {
        setup();
        msgpack_zone_init(&zone, 4096);
        msgpack_sbuffer_init(&out);
        vw_travel_model_default(&tm);
        vw_limits_default(&lim);
        vw_refer_config_default(&rc);
    }
    vw_ops_ctx ctx = {.snap = size % 17 == 5 ? NULL : snap, .tm = &tm, .lim = &lim,
                      .zone = &zone, .today = 20416, .problems = problems, .refer_cfg = &rc};
    char log[256];
    if (size >= 4 && memcmp(data, "GET ", 4) == 0) {
        http_path(&ctx, data, size, &out);
        return 0;
    }
    out.size = 0;
    vw_ops_handle(&ctx, data, size, &out, log, sizeof log);
    check_frame(&out);
    if (strlen(log) >= sizeof log)
        abort();
    return 0;
}
