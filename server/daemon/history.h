/* history.h -- historic snapshots for `as_of` before today (issue 15): the
 * register as it was at the end of a Dutch day, rebuilt from the change log
 * (vw_store_load_asof), cached per day (docs/ENGINE.md "Historic snapshots"). */
#ifndef VW_DAEMON_HISTORY_H
#define VW_DAEMON_HISTORY_H

#include "proto/vw_err.h"
#include "server/engine/snapshot.h"

#define VW_HISTORY_CACHE 4 /* historic snapshots kept (least recently used goes) */

typedef struct vw_history vw_history;

/* db: the database path (copied). NULL on out of memory. */
vw_history *vw_history_new(const char *db);
void vw_history_free(vw_history *h); /* NULL ok; releases the cached snapshots */
/* vw_ops_ctx.historic (ud = the vw_history): the snapshot of the end of day
 * `as_of`, built on a miss while holding the cache lock (one build at a
 * time); entries built on a snapshot of another change-log position than
 * `current` are dropped first. *out NULL: the change log starts after that
 * day (or is empty) -- answered from today's data as before. */
int vw_history_get(void *ud, const vw_snapshot *current, int32_t as_of, vw_snapshot **out,
                   vw_err *err);

#endif
