/* progress.h -- one progress line on stderr for long CLI runs (imports,
 * coverage, generators, exports): count, rate, percentage and ETA, redrawn at
 * most 4 times a second, and only when stderr is a terminal (quiet in pipes,
 * logs and tests). */
#ifndef VW_CLI_PROGRESS_H
#define VW_CLI_PROGRESS_H

#include <stdbool.h>

typedef struct vw_progress {
    const char *label; /* "import providers", "coverage", ... */
    const char *unit;  /* "rows", "providers", "PC4 areas", ... */
    bool tty;          /* stderr is a terminal */
    bool shown;        /* a line is on screen */
    double t0, last;
    double interval;   /* seconds between redraws: 0.25, or VW_PROGRESS_INTERVAL_MS (tests) */
} vw_progress;

double vw_now_s(void); /* monotonic seconds */
/* "LABEL: DONE[ of TOTAL] UNIT, RATE/s[, PCT%, ETA S s]" */
void vw_progress_start(vw_progress *p, const char *label, const char *unit);
/* done of total units (total <= 0: unknown; the ETA then uses frac when
 * frac > 0, e.g. bytes read of a file). */
void vw_progress_update(vw_progress *p, double done, double total, double frac);
/* Clears the line (before other output, or at the end). */
void vw_progress_clear(vw_progress *p);
double vw_progress_elapsed(const vw_progress *p);

#endif
