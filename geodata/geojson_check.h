/* geojson_check.h -- checks the shape of a GeoJSON (Multi)Polygon geometry
 * (json-c) before GEOS reads it.
 *
 * Why: GEOS 3.11's GeoJSON reader dereferences an empty position ([]) and
 * crashes; boundary files come from outside, so their shape is checked here
 * first and a bad one is reported like any other bad row. */
#ifndef VW_GEOJSON_CHECK_H
#define VW_GEOJSON_CHECK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* true when geom is {"type":"Polygon"|"MultiPolygon","coordinates":...} with
 * at least one polygon, every polygon at least one ring, every ring at least
 * 4 positions and every position 2 or 3 finite numbers. Otherwise false, with
 * a short reason in why (always NUL-terminated when n > 0). */
bool vw_geojson_polygon_ok(json_object *geom, char *why, size_t n);

#endif
