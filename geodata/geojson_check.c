/* geojson_check.c -- vw_geojson_polygon_ok: the shape of a GeoJSON
 * (Multi)Polygon, checked with json-c before GEOS reads it (see the header
 * for why). Nesting is fixed by the type, so the walk is bounded. */
#include "geojson_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool fail(char *why, size_t n, const char *reason)
{
    if (n > 0)
        snprintf(why, n, "%s", reason);
    return false;
}

static bool is_number(json_object *v)
{
    enum json_type t = json_object_get_type(v);
    return (t == json_type_int || t == json_type_double) && isfinite(json_object_get_double(v));
}

static bool position_ok(json_object *p, char *why, size_t n)
{
    if (!json_object_is_type(p, json_type_array))
        return fail(why, n, "a position is not an array");
    size_t len = json_object_array_length(p);
    if (len < 2 || len > 3)
        return fail(why, n, "a position does not have 2 or 3 numbers");
    for (size_t i = 0; i < len; i++)
        if (!is_number(json_object_array_get_idx(p, i)))
            return fail(why, n, "a position holds something other than a finite number");
    return true;
}

static bool ring_ok(json_object *r, char *why, size_t n)
{
    if (!json_object_is_type(r, json_type_array))
        return fail(why, n, "a ring is not an array");
    size_t len = json_object_array_length(r);
    if (len < 4)
        return fail(why, n, "a ring has fewer than 4 positions");
    for (size_t i = 0; i < len; i++)
        if (!position_ok(json_object_array_get_idx(r, i), why, n))
            return false;
    return true;
}

static bool polygon_ok(json_object *poly, char *why, size_t n)
{
    if (!json_object_is_type(poly, json_type_array))
        return fail(why, n, "a polygon is not an array of rings");
    size_t len = json_object_array_length(poly);
    if (len == 0)
        return fail(why, n, "a polygon has no rings");
    for (size_t i = 0; i < len; i++)
        if (!ring_ok(json_object_array_get_idx(poly, i), why, n))
            return false;
    return true;
}

bool vw_geojson_polygon_ok(json_object *geom, char *why, size_t n)
{
    json_object *type = NULL, *coords = NULL;
    if (!json_object_is_type(geom, json_type_object) ||
        !json_object_object_get_ex(geom, "type", &type) ||
        !json_object_is_type(type, json_type_string))
        return fail(why, n, "geometry has no type");
    const char *t = json_object_get_string(type);
    bool multi = strcmp(t, "MultiPolygon") == 0;
    if (!multi && strcmp(t, "Polygon") != 0)
        return fail(why, n, "geometry is not a Polygon or MultiPolygon");
    if (!json_object_object_get_ex(geom, "coordinates", &coords) ||
        !json_object_is_type(coords, json_type_array))
        return fail(why, n, "geometry has no coordinates array");
    if (!multi)
        return polygon_ok(coords, why, n);
    size_t len = json_object_array_length(coords);
    if (len == 0)
        return fail(why, n, "a MultiPolygon has no polygons");
    for (size_t i = 0; i < len; i++)
        if (!polygon_ok(json_object_array_get_idx(coords, i), why, n))
            return false;
    return true;
}
