/* logbench.c -- what a log line below the configured level costs on the
 * request path (issue 20): in-process, no network.
 *
 *   logbench [--providers N] [--iters I] [--only CASE]
 *
 * Cases (ns per call, best of 5 rounds of I calls):
 *   ops-log / ops-nolog   vw_ops_handle() of `match` and `provider.get` with
 *                         a log-line buffer (what verwijsd passed on every
 *                         request before; the ops layer formats op, near,
 *                         disciplines, ...) and without (what it passes now
 *                         below debug: vw_op_log is a macro and formats
 *                         nothing)
 *   log-call / log-macro  a debug line at level info: vw_log_emit() called
 *                         directly (the old vw_log: a call, the arguments
 *                         evaluated, the level checked inside) against the
 *                         vw_log() macro (level checked first, the arguments
 *                         never evaluated)
 * --only CASE runs one case once (for `valgrind --tool=callgrind`, whose
 * instruction counts do not depend on a busy machine; bench/RESULTS.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "proto/vocab.h"
#include "server/daemon/log.h"
#include "server/engine/snapshot.h"
#include "server/ops/ops.h"

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t rng = 7;
static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

static vw_snapshot *build(uint32_t n)
{
    vw_err err;
    vw_snapbuild *b = vw_snapbuild_new();
    static const char *const tags[] = {"oncologie"};
    for (uint32_t i = 0; i < n && b; i++) {
        char id[16];
        snprintf(id, sizeof id, "P%07u", i);
        vw_provider_in p = {.id = id, .name = "Praktijk", .city = "Utrecht",
                            .lat = 51.0 + 2.4 * unif(), .lon = 3.6 + 3.3 * unif(),
                            .discipline = (int)(i % 4), .expertise = tags,
                            .n_expertise = i % 3 == 0, .accepting = true};
        if (vw_snapbuild_add_provider(b, &p, &err) != 0)
            return NULL;
    }
    return vw_snapbuild_finish(b, &err);
}

/* A whole request body (no frame header), as vw_ops_handle takes it. */
static void request(msgpack_sbuffer *req, const char *op)
{
    msgpack_sbuffer args;
    msgpack_packer pk;
    msgpack_sbuffer_init(&args);
    msgpack_packer_init(&pk, &args, msgpack_sbuffer_write);
    if (strcmp(op, "match") == 0) {
        msgpack_pack_map(&pk, 4);
        vw_pack_cstr(&pk, "near");
        msgpack_pack_array(&pk, 2);
        msgpack_pack_double(&pk, 52.09);
        msgpack_pack_double(&pk, 5.12);
        vw_pack_kv_str(&pk, "discipline", "fysiotherapeut");
        vw_pack_kv_str(&pk, "expertise", "oncologie");
        vw_pack_kv_int(&pk, "limit", 10);
    } else {
        msgpack_pack_map(&pk, 1);
        vw_pack_kv_str(&pk, "id", "P0000042");
    }
    msgpack_packer_init(&pk, req, msgpack_sbuffer_write);
    vw_pack_request(&pk, 1, op, args.data, args.size);
    msgpack_sbuffer_destroy(&args);
}

typedef struct bench {
    vw_ops_ctx ctx;
    msgpack_sbuffer out;
    msgpack_zone zone;
} bench;

static void one_op(bench *b, const msgpack_sbuffer *req, bool with_log)
{
    char line[256];
    b->out.size = 0;
    msgpack_zone_clear(&b->zone);
    vw_ops_handle(&b->ctx, (const uint8_t *)req->data, req->size, &b->out,
                  with_log ? line : NULL, sizeof line);
}

/* An argument that costs something, as the request path's would. */
static volatile double sink;
static double rounded(double v)
{
    sink += v;
    return (double)(long)(v * 100) / 100;
}

static void one_log(bool macro, int i)
{
    if (macro)
        vw_log(VW_LOG_DEBUG, "w%d op=match near=%.2f,%.2f n=%d", i, rounded(52.0912),
               rounded(5.1234), i % 10);
    else
        vw_log_emit(VW_LOG_DEBUG, "w%d op=match near=%.2f,%.2f n=%d", i, rounded(52.0912),
                    rounded(5.1234), i % 10);
}

static double best_ns(bench *b, const msgpack_sbuffer *req, int kind, long iters)
{
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++) {
            if (kind < 2)
                one_op(b, req, kind == 0);
            else
                one_log(kind == 3, (int)i);
        }
        double per = (now_ns() - t0) / (double)iters;
        best = per < best ? per : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    uint32_t n = 20000;
    long iters = 200000;
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--providers") == 0)
            n = (uint32_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--iters") == 0)
            iters = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
    }
    vw_log_set_level(VW_LOG_INFO);
    vw_snapshot *snap = build(n);
    if (snap == NULL || iters < 1) {
        fprintf(stderr, "logbench: cannot build the snapshot\n");
        return 1;
    }
    vw_travel_model tm;
    vw_limits lim;
    vw_travel_model_default(&tm);
    vw_limits_default(&lim);
    bench b = {.ctx = {.snap = snap, .tm = &tm, .lim = &lim, .today = vw_date_today()}};
    msgpack_sbuffer_init(&b.out);
    msgpack_zone_init(&b.zone, 4096);
    b.ctx.zone = &b.zone;
    msgpack_sbuffer match, prov;
    msgpack_sbuffer_init(&match);
    msgpack_sbuffer_init(&prov);
    request(&match, "match");
    request(&prov, "provider.get");

    static const char *const cases[] = {"match-log", "match-nolog", "provider-log",
                                        "provider-nolog", "log-call", "log-macro"};
    for (int c = 0; c < 6; c++) {
        const msgpack_sbuffer *req = c < 2 ? &match : &prov;
        int kind = c < 4 ? (c % 2 == 0 ? 0 : 1) : (c == 4 ? 2 : 3);
        if (only) {
            if (strcmp(only, cases[c]) == 0)
                for (long i = 0; i < iters; i++)
                    kind < 2 ? one_op(&b, req, kind == 0) : one_log(kind == 3, (int)i);
            continue;
        }
        long it = c < 2 ? iters / 10 : iters;
        printf("%-15s %10.1f ns/call\n", cases[c], best_ns(&b, req, kind, it));
    }
    msgpack_sbuffer_destroy(&match);
    msgpack_sbuffer_destroy(&prov);
    msgpack_sbuffer_destroy(&b.out);
    msgpack_zone_destroy(&b.zone);
    vw_snapshot_release(snap);
    return 0;
}
