/* map_int.h -- the GeoJSON and SVG drawing helpers shared by the coverage
 * map (map.c) and the national network map (netmap.c). Internal to vwgeo.
 * Both read msgpack objects (an op's result, the FeatureCollection after
 * msgpack_unpack) and pack their FeatureCollection with a msgpack_packer. */
#ifndef VW_MAP_INT_H
#define VW_MAP_INT_H

#include <msgpack.h>
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

/* o is present and not nil. */
bool vw_mapi_present(const msgpack_object *o);
/* Packs o as it is, nil for NULL. */
void vw_mapi_pack(msgpack_packer *pk, const msgpack_object *o);
/* Packs a GeoJSON Feature's head: {"type": "Feature", "properties":
 * {"kind": kind, then `nprops` more members the caller packs}; the caller
 * then packs "geometry" and its value. */
void vw_mapi_feature_head(msgpack_packer *pk, const char *kind, uint32_t nprops);
/* Packs "geometry": {"type": "Point", "coordinates": [lon, lat]} (key included). */
void vw_mapi_point(msgpack_packer *pk, const msgpack_object *lon, const msgpack_object *lat);
/* The feature's properties.kind is `kind`. */
bool vw_mapi_kind_is(const msgpack_object *feature, const char *kind);
/* Element i of an array (NULL when o is no array or too short). */
const msgpack_object *vw_mapi_at(const msgpack_object *o, uint32_t i);
/* Elements of an array (0 when o is no array). */
uint32_t vw_mapi_len(const msgpack_object *o);
/* A number, 0 when o is none (as a position's coordinate). */
double vw_mapi_num(const msgpack_object *o);
/* Loops f (const msgpack_object *) over the features array's elements
 * (none when it is no array). */
#define VW_MAPI_EACH(f, features)                                                          \
    for (const msgpack_object *f = vw_mapi_len(features) ? (features)->via.array.ptr : NULL, \
                              *f##_end = f ? f + (features)->via.array.size : NULL;        \
         f && f < f##_end; f++)
/* The bounds of the collection's "region" features in *p (and p->kx, the
 * equirectangular factor at their mean latitude; scale and origin are the
 * caller's). false when there is no region geometry to draw. */
bool vw_mapi_region_bounds(const msgpack_object *features, vw_mapi_proj *p);
void vw_mapi_px(const vw_mapi_proj *p, double lon, double lat, double *x, double *y);
/* Calls fn for every position of a MultiPolygon / Polygon; ring_pos 0 starts a ring. */
void vw_mapi_walk(const msgpack_object *geom, vw_mapi_coord_fn fn, void *ctx);
void vw_mapi_path_point(void *ctx, double lon, double lat, int ring_pos); /* vw_mapi_path_ctx */
/* One <path> per feature whose properties.kind is `kind`. */
void vw_mapi_draw_kind(const msgpack_object *features, const char *kind, const vw_mapi_proj *p,
                       FILE *out, const char *style);
void vw_mapi_text(FILE *out, const char *s); /* XML-escaped */
void vw_mapi_text_n(FILE *out, const char *s, size_t n);
void vw_mapi_text_obj(FILE *out, const msgpack_object *s); /* a str; nothing for others */
void vw_mapi_scale_bar(const vw_mapi_proj *p, double map_w, double x0, double y0, FILE *out);

#endif
