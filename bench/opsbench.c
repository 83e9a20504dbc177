/* opsbench.c -- in-process benchmark of the ops layer's dispatch: times
 * vw_ops_handle (envelope decode, op table look-up, argument checks, the op,
 * packing, counting) per request on the small fixed snapshot of the fuzz
 * targets, where the engine's own work is small and the dispatch shows.
 *
 *   opsbench [--requests N] [--only K]   (K: 0..4, one request kind)
 *
 * Prints ns per request for ping, match, provider.get (not found), refer
 * and an unknown argument (refused). On a shared machine wall time is noisy;
 * bench/RESULTS.md also gives instruction counts (valgrind --tool=callgrind),
 * which are not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/msg.h"
#include "server/ops/http.h"
#include "server/ops/ops.h"
#include "tests/fuzz/fuzz_snap.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static const char *const reqs[][2] = {
        {"ping", ""},
        {"match", "near=3511&discipline=fysiotherapeut&limit=10&within=30&mode=bike"},
        {"provider.get", "id=P1"},
        {"refer", "near=3511&problems=vermoeidheid&score=6"},
        {"match", "near=3511&bogus=1"},
    };
    long n = 200000, only = -1;
    vw_err err;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--requests") == 0)
            n = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--only") == 0)
            only = atol(argv[i + 1]);
        else
            n = -1;
    }
    if (n < 0 || n > 100000000 || argc % 2 == 0 || only < -1 || only > 4) {
        fprintf(stderr, "usage: opsbench [--requests N] [--only 0..4]\n");
        return 2;
    }
    vw_snapshot *snap = fuzz_snapshot();
    vw_problems *pr = vw_problems_builtin(&err);
    vw_travel_model tm;
    vw_limits lim;
    msgpack_zone zone;
    vw_ops_stats *st = calloc(1, sizeof *st);
    if (pr == NULL || st == NULL)
        return 1;
    vw_travel_model_default(&tm);
    vw_limits_default(&lim);
    msgpack_zone_init(&zone, 4096);
    vw_ops_ctx ctx = {.snap = snap, .tm = &tm, .lim = &lim, .stats = st, .zone = &zone,
                      .today = 20000, .problems = pr};
    for (size_t k = 0; k < sizeof reqs / sizeof reqs[0]; k++) {
        if (only >= 0 && (size_t)only != k)
            continue;
        msgpack_sbuffer req, out;
        msgpack_sbuffer_init(&req);
        msgpack_sbuffer_init(&out);
        if (vw_http_build_request(&req, reqs[k][0], NULL, reqs[k][1], 64, &err) != 0)
            return 1;
        double t0 = now_s();
        for (long i = 0; i < n; i++) {
            out.size = 0;
            vw_ops_handle(&ctx, (const uint8_t *)req.data, req.size, &out, NULL, 0);
        }
        double t1 = now_s();
        printf("%-14s %-40.40s %8.0f ns/request\n", reqs[k][0], reqs[k][1],
               n ? (t1 - t0) / (double)n * 1e9 : 0.0);
        msgpack_sbuffer_destroy(&req);
        msgpack_sbuffer_destroy(&out);
    }
    msgpack_zone_destroy(&zone);
    vw_problems_free(pr);
    vw_snapshot_release(snap);
    free(st);
    return 0;
}
