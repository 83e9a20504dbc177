/* shape.c -- vw_shape: building the compact polygon block, area. */
#include "shape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"

struct vw_shape_builder {
    uint32_t *poly_ring, *ring_point;
    double *xy;
    size_t n_polys, n_rings, n_points, cap_polys, cap_rings, cap_points;
};

vw_shape_builder *vw_shape_builder_new(void) { return calloc(1, sizeof(vw_shape_builder)); }

void vw_shape_builder_free(vw_shape_builder *b)
{
    if (b == NULL)
        return;
    free(b->poly_ring);
    free(b->ring_point);
    free(b->xy);
    free(b);
}

/* Grows *p (elements of `size`) to hold `need`; 0 or -1. */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

int vw_shape_builder_polygon(vw_shape_builder *b)
{
    if (grow((void **)&b->poly_ring, &b->cap_polys, b->n_polys + 1, sizeof *b->poly_ring) != 0)
        return -1;
    b->poly_ring[b->n_polys++] = (uint32_t)b->n_rings;
    return 0;
}

int vw_shape_builder_ring(vw_shape_builder *b, const double *lon, const double *lat, size_t n)
{
    if (b->n_polys == 0 && vw_shape_builder_polygon(b) != 0)
        return -1;
    if (n > UINT32_MAX / 4 || b->n_points + n > UINT32_MAX / 4)
        return -1;
    if (grow((void **)&b->ring_point, &b->cap_rings, b->n_rings + 1, sizeof *b->ring_point) != 0 ||
        grow((void **)&b->xy, &b->cap_points, 2 * (b->n_points + n), sizeof *b->xy) != 0)
        return -1;
    b->ring_point[b->n_rings++] = (uint32_t)b->n_points;
    for (size_t i = 0; i < n; i++) {
        b->xy[2 * (b->n_points + i)] = lon[i];
        b->xy[2 * (b->n_points + i) + 1] = lat[i];
    }
    b->n_points += n;
    return 0;
}

vw_shape *vw_shape_finish(vw_shape_builder *b)
{
    vw_shape *s = NULL;
    if (b->n_rings == 0)
        goto out;
    size_t bytes = sizeof *s + (b->n_polys + 1 + b->n_rings + 1) * sizeof(uint32_t) +
                   2 * b->n_points * sizeof(double);
    s = malloc(bytes);
    if (s == NULL)
        goto out;
    /* doubles first: the offset arrays after them need no alignment */
    double *xy = (double *)(s + 1);
    uint32_t *pr = (uint32_t *)(xy + 2 * b->n_points), *rp = pr + b->n_polys + 1;
    memcpy(pr, b->poly_ring, b->n_polys * sizeof *pr);
    pr[b->n_polys] = (uint32_t)b->n_rings;
    memcpy(rp, b->ring_point, b->n_rings * sizeof *rp);
    rp[b->n_rings] = (uint32_t)b->n_points;
    memcpy(xy, b->xy, 2 * b->n_points * sizeof *xy);
    s->n_polys = (uint32_t)b->n_polys;
    s->n_rings = (uint32_t)b->n_rings;
    s->n_points = (uint32_t)b->n_points;
    s->poly_ring = pr;
    s->ring_point = rp;
    s->xy = xy;
    s->min_lon = s->min_lat = INFINITY;
    s->max_lon = s->max_lat = -INFINITY;
    for (size_t i = 0; i < b->n_points; i++) {
        s->min_lon = fmin(s->min_lon, xy[2 * i]);
        s->max_lon = fmax(s->max_lon, xy[2 * i]);
        s->min_lat = fmin(s->min_lat, xy[2 * i + 1]);
        s->max_lat = fmax(s->max_lat, xy[2 * i + 1]);
    }
out:
    b->n_polys = b->n_rings = b->n_points = 0;
    return s;
}

void vw_shape_free(vw_shape *s) { free(s); }

double vw_shape_area_km2(const vw_shape *s)
{
    if (s == NULL)
        return 0;
    double lat0 = (s->min_lat + s->max_lat) / 2;
    double kx = VW_EARTH_RADIUS_KM * M_PI / 180 * cos(lat0 * M_PI / 180);
    double ky = VW_EARTH_RADIUS_KM * M_PI / 180;
    double total = 0;
    for (uint32_t p = 0; p < s->n_polys; p++)
        for (uint32_t r = s->poly_ring[p]; r < s->poly_ring[p + 1]; r++) {
            double a = 0;
            for (uint32_t i = s->ring_point[r]; i + 1 < s->ring_point[r + 1]; i++)
                a += (double)s->xy[2 * i] * s->xy[2 * i + 3] - (double)s->xy[2 * i + 2] * s->xy[2 * i + 1];
            a = fabs(a / 2) * kx * ky;
            total += (r == s->poly_ring[p]) ? a : -a;
        }
    return total;
}
