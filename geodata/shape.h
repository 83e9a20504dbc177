/* shape.h -- a compact, immutable (multi)polygon without GEOS: what the
 * snapshot keeps of region outlines and PC4 cells so that query threads can
 * read and serialise geometry without a GEOS context.
 *
 * Layout: polygons -> rings -> points, as offset arrays into one block.
 * Points are (lon, lat) pairs in degrees (GeoJSON order), kept as doubles:
 * rounding to float can make valid rings self-touch. The first ring of each
 * polygon is its exterior ring; rings have at least 4 points (closed). */
#ifndef VW_SHAPE_H
#define VW_SHAPE_H

#include <stddef.h>
#include <stdint.h>

typedef struct vw_shape {
    uint32_t n_polys, n_rings, n_points;
    const uint32_t *poly_ring;  /* n_polys + 1 offsets into rings */
    const uint32_t *ring_point; /* n_rings + 1 offsets into points */
    const double *xy;           /* 2 * n_points: lon, lat */
    double min_lon, min_lat, max_lon, max_lat;
} vw_shape;

/* Builder: add rings, close polygons; vw_shape_finish makes one malloc'd
 * block (free it with vw_shape_free). */
typedef struct vw_shape_builder vw_shape_builder;
vw_shape_builder *vw_shape_builder_new(void);
void vw_shape_builder_free(vw_shape_builder *b); /* NULL ok */
/* Starts a new polygon; the next ring is its exterior. */
int vw_shape_builder_polygon(vw_shape_builder *b);
int vw_shape_builder_ring(vw_shape_builder *b, const double *lon, const double *lat, size_t n);
/* NULL on OOM or when nothing was added. Resets the builder for reuse. */
vw_shape *vw_shape_finish(vw_shape_builder *b);
void vw_shape_free(vw_shape *s); /* NULL ok */

/* Area in km^2 (rings on a local equirectangular projection; holes subtract). */
double vw_shape_area_km2(const vw_shape *s);

#endif
