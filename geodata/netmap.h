/* netmap.h -- the national map of all networks: the GeoJSON
 * FeatureCollection of a `networks.map` result (regions with their counts
 * per kind, one point per network) and an SVG drawn from it (regions,
 * networks by kind, legend, counts per region, scale bar). */
#ifndef VW_NETMAP_H
#define VW_NETMAP_H

#include <msgpack.h>
#include <stdio.h>

#include "proto/vw_err.h"

/* Features: kind "region" (code, name, counts) and "network" (id, name,
 * network_kind, status, active, region, members); the collection's
 * foreign member "networks_map" holds as_of, kinds, count, counts and
 * no_region (RFC 7946 forbids "properties" on a FeatureCollection).
 * Packed into `out` (appended; write it with proto/mpjson.h, or unpack it
 * for vw_netmap_svg). 0, or -1 (err) when the result is no networks.map result. */
int vw_netmap_geojson(const msgpack_object *networks_map_result, msgpack_sbuffer *out,
                      vw_err *err);

typedef struct vw_netmap_opts {
    const char *title;    /* default "Oncology and palliative networks in the Netherlands" */
    const char *subtitle; /* default: the count and the day */
    int width;            /* pixels, default 1200 */
} vw_netmap_opts;

/* 0, or -1 (err) when the collection has no region geometry. */
int vw_netmap_svg(const msgpack_object *fc, const vw_netmap_opts *o, FILE *out, vw_err *err);

#endif
