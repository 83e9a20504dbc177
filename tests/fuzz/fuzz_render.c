/* fuzz_render.c -- fuzzes the HTTP gateway's walk over a response frame
 * (vw_http_render_cached, server/ops/http_render.c) with its JSON cache
 * (server/ops/jsoncache.c) on arbitrary bytes. Invariants: no crash and no
 * read outside the frame (ASan); whenever the plain renderer
 * (vw_http_render: msgpack-c's object tree and vw_mpjson_write) renders a
 * frame, the walk gives the same status and the same bytes, with the cache
 * cold, warm (the same frame again) and shared with every earlier input
 * (a small cache that evicts). Inputs above 64 KiB, and inputs that
 * vw_msg_check refuses under the default limits, are skipped: both
 * renderers are given only vw_ops_handle's own frames, and the plain one
 * unpacks without bounds of its own (a map claiming 2^32 members is an
 * allocation of that size in msgpack-c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "server/ops/http.h"
#include "server/ops/jsoncache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz_text {
    char p[1 << 18];
    size_t n;
} fz_text;

static int fz_text_sink(void *ctx, const char *p, size_t n)
{
    fz_text *t = ctx;
    if (n > sizeof t->p - t->n)
        return -1;
    memcpy(t->p + t->n, p, n);
    t->n += n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static msgpack_zone zone;
    static vw_jsoncache *shared;
    static fz_text plain, walked;
    if (shared == NULL) {
        msgpack_zone_init(&zone, 4096);
        shared = vw_jsoncache_new(VW_JSONCACHE_SLOT * 8);
        if (shared == NULL)
            abort();
    }
    static vw_limits lim;
    vw_err err;
    if (lim.max_depth == 0)
        vw_limits_default(&lim);
    if (size > 1 << 16 || vw_msg_check(data, size, &lim, &err) != 0)
        return 0;
    vw_jsoncache *fresh = vw_jsoncache_new(VW_JSONCACHE_SLOT * 4);
    int st0 = 0, st = 0;
    plain.n = 0;
    int rc0 = vw_http_render(data, size, &zone, fz_text_sink, &plain, &st0);
    vw_jsoncache *caches[3] = {fresh, fresh, shared};
    for (int i = 0; i < 3; i++) {
        walked.n = 0;
        int rc = vw_http_render_cached(data, size, &zone, caches[i], fz_text_sink, &walked, &st);
        if (rc0 == 0 && (rc != 0 || st != st0 || walked.n != plain.n ||
                         memcmp(walked.p, plain.p, plain.n) != 0))
            abort();
    }
    vw_jsoncache_free(fresh);
    return 0;
}
