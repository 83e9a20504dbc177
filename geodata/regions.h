/* regions.h -- the 7 IZA regions: codes and names, their polygons (GEOS),
 * point -> region, and PC4 cells (Voronoi cells clipped to the region).
 *
 * Two stages:
 *  - import time (regions_build.c): municipality polygons from a boundary
 *    GeoJSON file are mapped to regions by a mapping table (geodata/
 *    iza_regions.csv: a COROP area -> region, with municipality overrides)
 *    and unioned with GEOS; the store keeps one WKB polygon per region.
 *  - load time (regions.c): a vw_regionset reads those WKB blobs, prepares
 *    them, and answers point-in-region through an STRtree and a grid of
 *    cells already known to lie wholly inside one region.
 * A vw_regionset owns a GEOS context and is used by one thread at a time
 * (the snapshot loader); what queries need later is copied into vw_shapes. */
#ifndef VW_REGIONS_H
#define VW_REGIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/vw_err.h"
#include "shape.h"

#define VW_REGION_COUNT 7
extern const char *const vw_region_codes[VW_REGION_COUNT]; /* "noord", ... */
extern const char *const vw_region_names[VW_REGION_COUNT]; /* "Noord-Nederland", ... */
int vw_region_index(const char *code, size_t len);           /* -1 when unknown */

/* A point up to this far outside every region polygon goes to the nearest
 * region: the boundary data is simplified (about 300 m: beaches, harbours)
 * and leaves out works in open water such as the Afsluitdijk (Breezanddijk,
 * PC4 8766, lies 15 km from the nearest polygon). Importers already refuse
 * points outside the Netherlands' box. */
#define VW_REGION_SNAP_KM 25.0

/* ---- import time --------------------------------------------------------- */
typedef void (*vw_regions_diag_fn)(void *ctx, const char *where, long line, bool error,
                                   const char *reason);

typedef struct vw_regions_built {
    unsigned char *wkb[VW_REGION_COUNT]; /* owned; NULL when the region got no area */
    size_t wkb_len[VW_REGION_COUNT];
    int areas[VW_REGION_COUNT];          /* municipalities unioned into each */
    int municipalities;                  /* features read */
    int skipped;                         /* features that are no municipality (Buitenland) */
    int set;                             /* the boundary file's mapping set: 2015 or 2024 */
    int errors, warnings;
} vw_regions_built;

/* Reads the municipality GeoJSON (features with properties statcode GMxxxx
 * and corop_gebied CRxx) and the mapping CSV, reports every problem through
 * `diag`, and unions the polygons per region. Returns 0 when every
 * municipality has a region and every region has an area (out filled; free
 * with vw_regions_built_free), -1 otherwise (code "invalid" or "io"). */
int vw_regions_build(const char *boundaries_path, const char *mapping_path,
                     vw_regions_diag_fn diag, void *ctx, vw_regions_built *out, vw_err *err);
void vw_regions_built_free(vw_regions_built *b);

/* ---- load time ----------------------------------------------------------- */
typedef struct vw_regionset vw_regionset;

/* Copies the WKB blobs (wkb[i] NULL: region i has no polygon). */
vw_regionset *vw_regionset_new(const unsigned char *const wkb[VW_REGION_COUNT],
                               const size_t len[VW_REGION_COUNT], vw_err *err);
void vw_regionset_free(vw_regionset *rs); /* NULL ok */
bool vw_regionset_has(const vw_regionset *rs, int region);

/* Region index of the point, or -1 when it lies in none (further than
 * VW_REGION_SNAP_KM from every polygon). */
int vw_regionset_locate(vw_regionset *rs, double lat, double lon);

/* The outline of one region as a new shape (caller owns), NULL if none. */
vw_shape *vw_regionset_outline(vw_regionset *rs, int region);

/* Voronoi cells of n points, each clipped to the polygon of region[i]
 * (region[i] < 0, or a point sharing its location with an earlier one:
 * cells[i] = NULL). cells[] receives new shapes the caller owns. */
int vw_regionset_cells(vw_regionset *rs, size_t n, const double *lat, const double *lon,
                       const int *region, vw_shape **cells, vw_err *err);

/* GEOS validity of a shape (read as a MultiPolygon): 1 valid, 0 invalid
 * (the reason in `why`), -1 on error. For tests and checkers. */
int vw_shape_valid(const vw_shape *s, char *why, size_t cap);

#endif
