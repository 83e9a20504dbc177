/* progress.c -- the progress line of long CLI runs (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

double vw_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void vw_progress_start(vw_progress *p, const char *label, const char *unit)
{
    p->label = label;
    p->unit = unit;
    p->tty = isatty(STDERR_FILENO) == 1;
    p->shown = false;
    p->t0 = vw_now_s();
    p->last = p->t0; /* first line after one interval: quick runs show none */
    const char *ms = getenv("VW_PROGRESS_INTERVAL_MS");
    p->interval = ms && *ms ? atof(ms) / 1000 : 0.25;
}

void vw_progress_update(vw_progress *p, double done, double total, double frac)
{
    double t = vw_now_s();
    if (!p->tty || t - p->last < p->interval)
        return;
    p->last = t;
    double el = t - p->t0, rate = el > 0 ? done / el : 0;
    if (total > 0)
        frac = done / total;
    fprintf(stderr, "\r\033[K%s: %.0f", p->label, done);
    if (total > 0)
        fprintf(stderr, " of %.0f", total);
    fprintf(stderr, " %s, %.0f/s", p->unit, rate);
    if (frac > 0 && frac <= 1)
        fprintf(stderr, ", %.0f%%, ETA %.0f s", 100 * frac, el * (1 - frac) / frac);
    p->shown = true;
}

void vw_progress_clear(vw_progress *p)
{
    if (p->tty && p->shown)
        fputs("\r\033[K", stderr);
    p->shown = false;
}

double vw_progress_elapsed(const vw_progress *p) { return vw_now_s() - p->t0; }
