/* log.c -- leveled logging (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

vw_log_level vw_log_threshold = VW_LOG_INFO;
static const char *const names[] = {"error", "warn", "info", "debug"};

void vw_log_set_level(vw_log_level l)
{
    vw_log_threshold = l;
}

int vw_log_level_parse(const char *s, vw_log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (vw_log_level)i;
            return 0;
        }
    return -1;
}

void vw_log_emit(vw_log_level l, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    size_t n;
    if (l > vw_log_threshold)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ %s ", ts.tv_nsec / 1000000,
                          names[l]);
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    n = (w < 0) ? n : (n + (size_t)w >= sizeof line - 1 ? sizeof line - 2 : n + (size_t)w);
    line[n++] = '\n';
    /* One write per line so lines from several threads never interleave. */
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
}
