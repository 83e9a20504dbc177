/* todaybench.c -- what "today" in Europe/Amsterdam costs per request
 * (issue 20): vw_date_today() (localtime_r on the zone set once) against the
 * UTC day it replaced (time() / 86400), on 1 and on 2 threads at once
 * (glibc's localtime_r takes a lock).
 *
 *   todaybench [--iters I] [--only utc|tz]
 *
 * --only runs one case once on one thread, for callgrind (bench/RESULTS.md). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/clock.h"

static long iters = 2000000;
static volatile int32_t sink;

static int32_t utc_today(void)
{
    return (int32_t)(time(NULL) / 86400);
}

static void *run(void *arg)
{
    int32_t (*fn)(void) = *(int32_t (**)(void))arg;
    int32_t acc = 0;
    for (long i = 0; i < iters; i++)
        acc += fn();
    sink = acc;
    return NULL;
}

static double ns_per_call(int32_t (*fn)(void), int threads)
{
    struct timespec a, b;
    pthread_t t[2];
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int k = 0; k < threads; k++)
        pthread_create(&t[k], NULL, run, &fn);
    for (int k = 0; k < threads; k++)
        pthread_join(t[k], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
           (double)iters;
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    char msg[1400];
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--iters") == 0)
            iters = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
    }
    if (iters < 1 || vw_clock_setup(NULL, false, msg, sizeof msg) != 0) {
        fprintf(stderr, "todaybench: %s\n", iters < 1 ? "--iters must be >= 1" : msg);
        return 1;
    }
    int32_t (*utc)(void) = utc_today, (*tz)(void) = vw_date_today;
    if (only) {
        run(strcmp(only, "tz") == 0 ? (void *)&tz : (void *)&utc);
        return 0;
    }
    for (int threads = 1; threads <= 2; threads++) {
        double best_u = 1e30, best_t = 1e30;
        for (int r = 0; r < 5; r++) {
            double u = ns_per_call(utc, threads), t = ns_per_call(tz, threads);
            best_u = u < best_u ? u : best_u;
            best_t = t < best_t ? t : best_t;
        }
        printf("%d thread(s): utc day %.1f ns, %s day %.1f ns (wall time per call per thread)\n",
               threads, best_u, vw_clock_tz(), best_t);
    }
    return 0;
}
