/* fds.h -- verwijsd and running out of file descriptors: a back-off
 * on every listener when accept() fails for lack of descriptors, libevent's
 * own log routed (rate-limited) through vw_log, and the start-up check of
 * the descriptor budget against RLIMIT_NOFILE. Implemented in fds.c. */
#ifndef VW_DAEMON_FDS_H
#define VW_DAEMON_FDS_H

#include "config.h"

struct evconnlistener;
typedef struct vw_accept_guard vw_accept_guard;

/* Installs an error callback on `l`: on EMFILE/ENFILE (and other accept
 * errors) accepting pauses for ~100 ms and resumes on a timer of the
 * listener's event_base, so a full descriptor table no longer spins the loop;
 * a warning is logged at most every 10 s. `what` (static) names the listener.
 * Free the guard before the listener. NULL when out of memory (no guard). */
vw_accept_guard *vw_accept_guard_new(struct evconnlistener *l, const char *what);
void vw_accept_guard_free(vw_accept_guard *g);

/* Routes libevent's internal warnings through vw_log, at most a few lines a
 * second (the rest are counted and reported as "N suppressed"). */
void vw_libevent_log_setup(void);

/* Descriptors kept free for listeners, pipes, event bases, SQLite, logs. */
int vw_fd_margin(const vw_config *cfg);

/* Raises the soft RLIMIT_NOFILE to the hard limit, then checks
 * max_connections + http_max_connections + margin against it; over: logs a
 * warning and lowers both limits (in proportion) until they fit: once, one
 * line naming the caps lowered, to what, and the limit that keeps them. */
int vw_fd_budget(vw_config *cfg); /* -1: not even the margin fits (logged) */

#endif
