/* coveragebench.c -- how long a coverage run takes, in-process (no network):
 * loads the snapshot from a database (with regions and places imported),
 * then runs a national coverage for one need several times and reports the
 * fastest and the median, for the provider view and the network view.
 *
 *   build/coveragebench --db DB [--runs 5] [--discipline fysiotherapeut]
 *                       [--expertise oncologie] [--within 15] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/vocab.h"
#include "server/engine/coverage.h"
#include "server/store/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run(const vw_snapshot *s, const vw_travel_model *tm, const vw_coverage_query *q,
                int runs, const char *what)
{
    double t[64];
    vw_coverage c;
    vw_err err;
    vw_coverage_sum sum = {0};
    for (int i = 0; i < runs; i++) {
        double t0 = now_s();
        if (vw_coverage_run(s, tm, q, &c, NULL, NULL, &err) != 0) {
            fprintf(stderr, "coverage: %s\n", err.message);
            exit(1);
        }
        t[i] = now_s() - t0;
        sum = c.total;
        vw_coverage_free(&c);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("%s: %u PC4, %u covered (%.1f%% of people); fastest %.3f s, median %.3f s over %d "
           "runs\n",
           what, sum.pc4, sum.covered_pc4,
           sum.population ? 100.0 * (double)sum.covered_population / (double)sum.population : 0,
           t[0], t[runs / 2], runs);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"runs", required_argument, NULL, 'r'},
                                         {"discipline", required_argument, NULL, 'D'},
                                         {"expertise", required_argument, NULL, 'e'},
                                         {"within", required_argument, NULL, 'w'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *disc = "fysiotherapeut", *exp = "oncologie";
    int runs = 5, c;
    double within = 15;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': runs = atoi(optarg); break;
        case 'D': disc = optarg; break;
        case 'e': exp = optarg; break;
        case 'w': within = atof(optarg); break;
        default: return 2;
        }
    }
    if (db == NULL || runs < 1 || runs > 64) {
        fprintf(stderr, "usage: coveragebench --db DB [--runs 1..64] [--discipline D] "
                        "[--expertise E] [--within MIN]\n");
        return 2;
    }
    vw_err err;
    double t0 = now_s();
    vw_snapshot *s = vw_store_load_path(db, &err);
    if (s == NULL) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("snapshot: %u providers, %u PC4, regions %s, loaded in %.2f s\n",
           vw_snapshot_provider_count(s), vw_snapshot_pc4_count(s),
           vw_snapshot_has_regions(s) ? "yes" : "no", now_s() - t0);
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    int d = vw_discipline_parse(disc, strlen(disc)), bit = vw_snapshot_tag_bit(s, exp, strlen(exp));
    if (d < 0 || bit < 0) {
        fprintf(stderr, "unknown discipline or expertise\n");
        return 2;
    }
    vw_coverage_query q = {.region = -1, .disciplines = 1u << d, .tags = UINT64_C(1) << bit,
                           .within_min = within, .mode = VW_MODE_CAR, .as_of = vw_date_today()};
    char what[128];
    snprintf(what, sizeof what, "national: %s + %s, %.0f min car", disc, exp, within);
    run(s, &tm, &q, runs, what);
    q.networks = true;
    q.disciplines = 0;
    q.tags = 0;
    snprintf(what, sizeof what, "national: networks view, %.0f min car", within);
    run(s, &tm, &q, runs, what);
    vw_snapshot_release(s);
    return 0;
}
