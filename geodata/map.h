/* map.h -- coverage maps: the GeoJSON FeatureCollection of a coverage result
 * (for QGIS / Leaflet), and an SVG map drawn from that collection.
 *
 * Input is the `coverage` op's result with geometry, as a json-c object
 * (regions[].geometry, white_spots[].cell, providers[[lat, lon, id]]).
 * Features carry a "kind" property: "region", "white_spot", "provider" or
 * "place" (the largest places of the scope, when the result has `places`).
 * The run's figures are the collection's foreign member "coverage" (scope,
 * need, total, white_spots_total, white_spots_in_file, white_spots_complete):
 * RFC 7946 forbids "properties" on a FeatureCollection. */
#ifndef VW_MAP_H
#define VW_MAP_H

#include <json-c/json.h>
#include <stdio.h>

#include "proto/vw_err.h"

/* A new FeatureCollection (caller owns: json_object_put), NULL on error. */
json_object *vw_map_geojson(json_object *coverage_result, vw_err *err);

typedef struct vw_map_opts {
    const char *title;    /* e.g. "fysiotherapeut + oncologie within 15 min by car" */
    const char *subtitle; /* e.g. "Noord-Nederland: 93.1% of people, 88.0% of PC4 areas" */
    const char *note;     /* an extra line under the legend, e.g. the travel-time source */
    const char *lang;     /* "nl" or "en" (default) for the legend */
    int width;            /* pixels, default 900 */
} vw_map_opts;

/* Writes an SVG map of the collection: regions shaded as covered, white-spot
 * cells shaded as uncovered, providers as dots, title, legend and a scale
 * bar. 0, or -1 (err) when the collection has no region geometry. */
int vw_map_svg(json_object *fc, const vw_map_opts *o, FILE *out, vw_err *err);

#endif
