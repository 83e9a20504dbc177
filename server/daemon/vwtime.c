/* vwtime.c -- seconds to timeval/timespec, the monotonic clock (vwtime.h). */
#include "vwtime.h"

struct timeval vw_time_tv(double s)
{
    if (s < 0)
        s = 0;
    time_t whole = (time_t)s;
    struct timeval tv = {whole, (suseconds_t)((s - (double)whole) * 1e6)};
    return tv;
}

struct timespec vw_time_deadline(double s)
{
    struct timespec ts;
    if (s < 0)
        s = 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)s;
    ts.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

double vw_time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
