/* referbench.c -- in-process timing of the matched-care engine (no network).
 *
 *   referbench --db PATH [--queries N] [--seed S]
 *
 * Loads the snapshot from a Verwijs database and times vw_refer() for the
 * three-problem case of the issue (darmklachten, vermoeidheid, seksualiteit;
 * 20 minutes by car, 3 providers per need, 3 networks) from random PC4
 * centroids, and vw_networks_near() likewise. Prints ns per call: mean, p50,
 * p90, p99, p99.9, max. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/vocab.h"
#include "server/engine/refer.h"
#include "server/store/store.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *t, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += t[i];
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    printf("%-22s %d calls: mean %.0f ns, p50 %.0f, p90 %.0f, p99 %.0f, p99.9 %.0f, max %.0f\n",
           what, n, sum / n, t[n / 2], t[n * 9 / 10], t[n * 99 / 100], t[n * 999 / 1000],
           t[n - 1]);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"queries", required_argument, NULL, 'q'},
                                         {"seed", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL;
    int nq = 20000, c;
    unsigned seed = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'q')
            nq = atoi(optarg);
        else if (c == 's')
            seed = (unsigned)atoi(optarg);
        else
            return 2;
    }
    if (db == NULL || nq < 100) {
        fprintf(stderr, "usage: referbench --db PATH [--queries N]\n");
        return 2;
    }
    vw_err err;
    vw_snapshot *s = vw_store_load_path(db, &err);
    vw_problems *t = vw_problems_builtin(&err);
    if (!s || !t) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    int pcs[10000], npc = 0;
    for (int p = 1000; p < 10000; p++) {
        double la, lo;
        if (vw_snapshot_pc4(s, p, &la, &lo, NULL))
            pcs[npc++] = p;
    }
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    vw_refer_config cfg;
    vw_refer_config_default(&cfg);
    vw_refer_query q = {.score = 6, .within_min = 20, .mode = VW_MODE_CAR, .per_need = 3,
                        .max_networks = 3, .as_of = vw_date_today(), .n_problems = 3};
    const char *codes[3] = {"darmklachten", "vermoeidheid", "seksualiteit"};
    for (int i = 0; i < 3; i++)
        q.problems[i] = vw_problems_find(t, codes[i], strlen(codes[i]));
    static vw_refer_result r;
    double *times = malloc((size_t)nq * sizeof *times);
    vw_network_near near[5];
    long covered_all = 0;
    srand(seed);
    for (int i = 0; i < nq; i++) {
        vw_snapshot_pc4(s, pcs[rand() % npc], &q.lat, &q.lon, NULL);
        double t0 = now_ns();
        vw_refer(s, &tm, t, &cfg, &q, &r, &err);
        times[i] = now_ns() - t0;
        covered_all += r.n_networks > 0 && r.networks[0].covered == r.n_needs;
    }
    printf("%u providers, %u networks\n", vw_snapshot_provider_count(s),
           vw_snapshot_network_count(s));
    report("refer (3 problems)", times, nq);
    printf("  one network covers all three needs for %.1f%% of the origins\n",
           100.0 * (double)covered_all / nq);
    for (int i = 0; i < nq; i++) {
        double la, lo;
        vw_snapshot_pc4(s, pcs[rand() % npc], &la, &lo, NULL);
        double t0 = now_ns();
        vw_networks_near(s, &tm, la, lo, 0, 20, VW_MODE_CAR, q.as_of, near, 5);
        times[i] = now_ns() - t0;
    }
    report("network.near", times, nq);
    free(times);
    vw_problems_free(t);
    vw_snapshot_release(s);
    return 0;
}
