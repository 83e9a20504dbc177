/* vwtime.h -- the one place verwijsd turns seconds (config values are
 * doubles) into the time structs of libevent and pthreads, and reads the
 * monotonic clock. Implemented in vwtime.c. */
#ifndef VW_DAEMON_VWTIME_H
#define VW_DAEMON_VWTIME_H

#include <sys/time.h>
#include <time.h>

/* `s` seconds (>= 0) as a timeval, for event_add and bufferevent timeouts. */
struct timeval vw_time_tv(double s);
/* CLOCK_REALTIME now + `s` seconds, for pthread_timedjoin_np and friends. */
struct timespec vw_time_deadline(double s);
/* CLOCK_MONOTONIC in milliseconds (durations only). */
double vw_time_mono_ms(void);

#endif
