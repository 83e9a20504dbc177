/* coverage_net.h -- the network view of coverage (internal to coverage.c and
 * its tests).
 *
 * For a demand point p the reach of a network N is
 *     reach(N, p) = max over the core needs (fysiotherapeut, psychosocial,
 *                   dietist) of the km to N's nearest current member of it,
 * i.e. how far p must look before N covers every core need. Only networks
 * certified on as_of with a current member of each core need count. The
 * nearest network is the one with the smallest reach (ties: lower network
 * index); p is covered when the minutes of the reach <= T, which is exactly
 * "vw_networks_near(p, T) finds at least one network". */
#ifndef VW_COVERAGE_NET_H
#define VW_COVERAGE_NET_H

#include <stdint.h>

#include "match.h"
#include "snapshot.h"
#include "traveltime.h"

typedef struct vw_netcov vw_netcov;

/* The core members of every eligible network, with a bounding circle per
 * network for pruning. NULL on OOM. */
vw_netcov *vw_netcov_new(const vw_snapshot *s, int32_t as_of);
void vw_netcov_free(vw_netcov *nc);
uint32_t vw_netcov_networks(const vw_netcov *nc); /* eligible networks */

/* Nearest network of (lat, lon) as defined above, with travel times from
 * `o` (traveltime.h; reach and ties compare (minutes, km)): its index, or -1
 * when no network is eligible and reachable; km, minutes and source of its
 * reach. Uses scratch space in `nc`: one vw_netcov per thread. */
int64_t vw_netcov_nearest(vw_netcov *nc, const vw_tt_origin *o, double lat, double lon,
                          double *km, double *minutes, uint8_t *source);

/* The same by scanning every member of every network; for tests. */
int64_t vw_netcov_nearest_brute(const vw_snapshot *s, const vw_tt_origin *o, int32_t as_of,
                                double lat, double lon, double *km, double *minutes);

#endif
