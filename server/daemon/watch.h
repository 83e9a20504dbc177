/* watch.h -- the database watch thread (watch.c): refresh the snapshot when
 * the database changes, and publish it for replicas (docs/DEPLOY.md). */
#ifndef VW_DAEMON_WATCH_H
#define VW_DAEMON_WATCH_H

#include "config.h"
#include "daemon.h"

typedef struct vw_watch vw_watch;

/* Starts the thread (cfg->watch_interval > 0). NULL with err on failure. */
vw_watch *vw_watch_new(const vw_config *cfg, vw_snapholder *snaps, vw_err *err);
/* Stops and joins it; NULL ok. */
void vw_watch_free(vw_watch *w);

#endif
