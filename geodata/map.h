/* map.h -- coverage maps: the GeoJSON FeatureCollection of a coverage result
 * (for QGIS / Leaflet), and an SVG map drawn from that collection.
 *
 * Input is the `coverage` op's result with geometry, as a msgpack object
 * (regions[].geometry, white_spots[].cell, providers[[lat, lon, id]]).
 * Features carry a "kind" property: "region", "white_spot", "provider" or
 * "place" (the largest places of the scope, when the result has `places`).
 * The run's figures are the collection's foreign member "coverage" (scope,
 * need, total, white_spots_total, white_spots_in_file, white_spots_complete):
 * RFC 7946 forbids "properties" on a FeatureCollection.
 *
 * The collection is packed as msgpack: the caller writes it as JSON with
 * the one JSON writer (proto/mpjson.h), or unpacks it for vw_map_svg. */
#ifndef VW_MAP_H
#define VW_MAP_H

#include <msgpack.h>
#include <stdio.h>

#include "proto/vw_err.h"

/* Packs the FeatureCollection into `out` (appended). 0, or -1 (err) when
 * the result is no coverage result. */
int vw_map_geojson(const msgpack_object *coverage_result, msgpack_sbuffer *out, vw_err *err);

/* The map's title ("fysiotherapeut + oncologie within 15 min by car"),
 * subtitle ("Oost-Nederland: 96.8% of people and 94.0% of PC4 areas covered;
 * 63 white spots", with how many the map shows when the result lists fewer)
 * and note (the travel-time source, "" when the result names none) of a
 * coverage result, in `lang` ("nl"; anything else: English). Shared by
 * `verwijs coverage` and the web UI's export so both draw the same map. */
typedef struct vw_map_label_buf {
    char title[320], subtitle[256], note[160];
} vw_map_label_buf;
void vw_map_labels(const msgpack_object *coverage_result, const char *lang,
                   vw_map_label_buf *out);

typedef struct vw_map_opts {
    const char *title;    /* e.g. "fysiotherapeut + oncologie within 15 min by car" */
    const char *subtitle; /* e.g. "Noord-Nederland: 93.1% of people, 88.0% of PC4 areas" */
    const char *note;     /* an extra line under the legend, e.g. the travel-time source */
    const char *lang;     /* "nl" or "en" (default) for the legend */
    int width;            /* pixels, default 900 */
} vw_map_opts;

/* Writes an SVG map of the collection (vw_map_geojson's, unpacked): regions
 * shaded as covered, white-spot cells shaded as uncovered, providers as
 * dots, title, legend and a scale bar. 0, or -1 (err) when the collection has no region geometry. */
int vw_map_svg(const msgpack_object *fc, const vw_map_opts *o, FILE *out, vw_err *err);

#endif
