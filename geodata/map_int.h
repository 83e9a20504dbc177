/* map_int.h -- the GeoJSON and SVG drawing helpers shared by the coverage
 * map (map.c) and the national network map (netmap.c). Internal to vwgeo. */
#ifndef VW_MAP_INT_H
#define VW_MAP_INT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

/* Equirectangular around the map's mean latitude (x = lon * kx). */
typedef struct vw_mapi_proj {
    double min_lon, min_lat, max_lon, max_lat;
    double kx, scale, ox, oy;
} vw_mapi_proj;

typedef void (*vw_mapi_coord_fn)(void *ctx, double lon, double lat, int ring_pos);

typedef struct vw_mapi_path_ctx {
    const vw_mapi_proj *p;
    FILE *out;
} vw_mapi_path_ctx;

json_object *vw_mapi_get(json_object *o, const char *key); /* NULL when absent */
/* A new GeoJSON Feature {"type", "properties": {"kind": kind}, "geometry"};
 * takes the caller's reference to geometry. */
json_object *vw_mapi_feature(const char *kind, json_object *geometry);
/* The bounds of the collection's "region" features in *p (and p->kx, the
 * equirectangular factor at their mean latitude; scale and origin are the
 * caller's). false when there is no region geometry to draw. */
bool vw_mapi_region_bounds(json_object *features, vw_mapi_proj *p);
void vw_mapi_px(const vw_mapi_proj *p, double lon, double lat, double *x, double *y);
/* Calls fn for every position of a MultiPolygon / Polygon; ring_pos 0 starts a ring. */
void vw_mapi_walk(json_object *geom, vw_mapi_coord_fn fn, void *ctx);
void vw_mapi_path_point(void *ctx, double lon, double lat, int ring_pos); /* vw_mapi_path_ctx */
/* One <path> per feature whose properties.kind is `kind`. */
void vw_mapi_draw_kind(json_object *features, const char *kind, const vw_mapi_proj *p, FILE *out,
                       const char *style);
void vw_mapi_text(FILE *out, const char *s); /* XML-escaped */
void vw_mapi_scale_bar(const vw_mapi_proj *p, double map_w, double x0, double y0, FILE *out);

#endif
