/* regions.c -- vw_regionset: region polygons at load time (GEOS reentrant
 * API), point -> region, region outlines and clipped PC4 Voronoi cells.
 *
 * Point -> region: the Netherlands' box is cut into a grid of GRID_DEG
 * cells; the first time a point falls in a cell, the cell is classified with
 * prepared containsProperly against the candidate regions from the STRtree.
 * A cell wholly inside one region answers every later point at once (most
 * of the country); other cells test each point with prepared contains, and
 * a point in no polygon goes to the nearest one within VW_REGION_SNAP_KM. */
#include "regions.h"

#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"

const char *const vw_region_codes[VW_REGION_COUNT] = {"noord", "oost",     "midden",  "noordwest",
                                                      "west",  "zuidwest", "zuidoost"};
const char *const vw_region_names[VW_REGION_COUNT] = {
    "Noord-Nederland", "Oost-Nederland",      "Midden-Nederland",  "Noordwest-Nederland",
    "West-Nederland",  "Zuidwest-Nederland", "Zuidoost-Nederland"};

int vw_region_index(const char *code, size_t len)
{
    for (int i = 0; i < VW_REGION_COUNT; i++)
        if (strlen(vw_region_codes[i]) == len && memcmp(vw_region_codes[i], code, len) == 0)
            return i;
    return -1;
}

#define GRID_DEG 0.02
#define GRID_W ((int)((VW_NL_LON_MAX - VW_NL_LON_MIN) / GRID_DEG) + 1)
#define GRID_H ((int)((VW_NL_LAT_MAX - VW_NL_LAT_MIN) / GRID_DEG) + 1)
enum { CELL_UNKNOWN = -2, CELL_MIXED = -1 }; /* else: the region it lies in */

struct vw_regionset {
    GEOSContextHandle_t h;
    GEOSGeometry *geom[VW_REGION_COUNT];          /* owned; NULL: none */
    const GEOSPreparedGeometry *prep[VW_REGION_COUNT];
    GEOSSTRtree *tree;                            /* items: region index + 1 */
    double env[VW_REGION_COUNT][4];               /* envelope: xmin, ymin, xmax, ymax */
    signed char *grid;                            /* GRID_W * GRID_H */
    char msg[256];                                /* last GEOS error */
};

static void geos_error_r(const char *message, void *userdata)
{
    vw_regionset *rs = userdata;
    snprintf(rs->msg, sizeof rs->msg, "%s", message);
}

void vw_regionset_free(vw_regionset *rs)
{
    if (rs == NULL)
        return;
    if (rs->tree)
        GEOSSTRtree_destroy_r(rs->h, rs->tree);
    for (int i = 0; i < VW_REGION_COUNT; i++) {
        if (rs->prep[i])
            GEOSPreparedGeom_destroy_r(rs->h, rs->prep[i]);
        if (rs->geom[i])
            GEOSGeom_destroy_r(rs->h, rs->geom[i]);
    }
    free(rs->grid);
    GEOS_finish_r(rs->h);
    free(rs);
}

vw_regionset *vw_regionset_new(const unsigned char *const wkb[VW_REGION_COUNT],
                               const size_t len[VW_REGION_COUNT], vw_err *err)
{
    vw_regionset *rs = calloc(1, sizeof *rs);
    GEOSWKBReader *rd = NULL;
    if (rs == NULL || (rs->grid = malloc((size_t)GRID_W * GRID_H)) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto fail;
    }
    memset(rs->grid, CELL_UNKNOWN, (size_t)GRID_W * GRID_H);
    rs->h = GEOS_init_r();
    if (rs->h == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "GEOS init failed");
        goto fail;
    }
    GEOSContext_setErrorMessageHandler_r(rs->h, geos_error_r, rs);
    rd = GEOSWKBReader_create_r(rs->h);
    rs->tree = GEOSSTRtree_create_r(rs->h, 10);
    if (rd == NULL || rs->tree == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "GEOS: %s", rs->msg);
        goto fail;
    }
    for (int i = 0; i < VW_REGION_COUNT; i++) {
        if (wkb[i] == NULL || len[i] == 0)
            continue;
        rs->geom[i] = GEOSWKBReader_read_r(rs->h, rd, wkb[i], len[i]);
        if (rs->geom[i] == NULL || (rs->prep[i] = GEOSPrepare_r(rs->h, rs->geom[i])) == NULL) {
            vw_err_set(err, VW_E_DB, "region %s: unreadable polygon (%s)", vw_region_codes[i],
                       rs->msg);
            goto fail;
        }
        GEOSSTRtree_insert_r(rs->h, rs->tree, rs->geom[i], (void *)(intptr_t)(i + 1));
        double *e = rs->env[i];
        if (GEOSGeom_getXMin_r(rs->h, rs->geom[i], &e[0]) != 1 ||
            GEOSGeom_getYMin_r(rs->h, rs->geom[i], &e[1]) != 1 ||
            GEOSGeom_getXMax_r(rs->h, rs->geom[i], &e[2]) != 1 ||
            GEOSGeom_getYMax_r(rs->h, rs->geom[i], &e[3]) != 1) {
            vw_err_set(err, VW_E_DB, "region %s: no envelope (%s)", vw_region_codes[i], rs->msg);
            goto fail;
        }
    }
    GEOSWKBReader_destroy_r(rs->h, rd);
    return rs;
fail:
    if (rd)
        GEOSWKBReader_destroy_r(rs->h, rd);
    vw_regionset_free(rs);
    return NULL;
}

bool vw_regionset_has(const vw_regionset *rs, int region)
{
    return rs && region >= 0 && region < VW_REGION_COUNT && rs->geom[region] != NULL;
}

/* ---- point -> region ------------------------------------------------------- */

typedef struct candidates {
    int n;
    int idx[VW_REGION_COUNT];
} candidates;

static void collect(void *item, void *userdata)
{
    candidates *c = userdata;
    if (c->n < VW_REGION_COUNT)
        c->idx[c->n++] = (int)(intptr_t)item - 1;
}

/* Regions whose envelope meets g, in index order (so results do not depend on
 * the tree's internal order). */
static void query(vw_regionset *rs, const GEOSGeometry *g, candidates *c)
{
    c->n = 0;
    GEOSSTRtree_query_r(rs->h, rs->tree, g, collect, c);
    for (int i = 1; i < c->n; i++)
        for (int j = i; j > 0 && c->idx[j - 1] > c->idx[j]; j--) {
            int t = c->idx[j];
            c->idx[j] = c->idx[j - 1];
            c->idx[j - 1] = t;
        }
}

#define KM_PER_DEG_LAT 111.2
#define MIN_LON_SCALE 0.55 /* cos(56.6 deg): well north of any Dutch point */

static signed char classify_cell(vw_regionset *rs, int cx, int cy)
{
    double x0 = VW_NL_LON_MIN + cx * GRID_DEG, y0 = VW_NL_LAT_MIN + cy * GRID_DEG;
    GEOSGeometry *box = GEOSGeom_createRectangle_r(rs->h, x0, y0, x0 + GRID_DEG, y0 + GRID_DEG);
    signed char state = CELL_MIXED;
    if (box == NULL)
        return state;
    candidates c;
    query(rs, box, &c);
    for (int k = 0; k < c.n; k++)
        if (GEOSPreparedContainsProperly_r(rs->h, rs->prep[c.idx[k]], box) == 1) {
            state = (signed char)c.idx[k];
            break;
        }
    GEOSGeom_destroy_r(rs->h, box);
    return state;
}

/* Outside every polygon (at sea, over a border): the region nearest in the
 * (lon, lat) degree plane -- GEOS's indexed prepared distance --, if its
 * nearest point is within VW_REGION_SNAP_KM great-circle km. A degree of
 * latitude is 111.2 km and one of longitude at least 0.59 of that over the
 * Netherlands (0.55 taken), so only distances between those bounds need the
 * point. */
static int snap_nearest(vw_regionset *rs, const GEOSGeometry *pt, double lat, double lon)
{
    /* The nearest region, lowest index on ties. Regions are measured in
     * order of the distance to their envelope, a lower bound of the distance
     * to the polygon; once that bound exceeds the best distance (by more than
     * 1e-9 degree, far above rounding) no later region can beat or tie it. */
    int ord[VW_REGION_COUNT], n = 0;
    double lo[VW_REGION_COUNT];
    for (int i = 0; i < VW_REGION_COUNT; i++) {
        if (!rs->prep[i])
            continue;
        const double *e = rs->env[i];
        double dx = fmax(fmax(e[0] - lon, lon - e[2]), 0), dy = fmax(fmax(e[1] - lat, lat - e[3]), 0);
        lo[i] = sqrt(dx * dx + dy * dy);
        int k = n++;
        for (; k > 0 && lo[ord[k - 1]] > lo[i]; k--)
            ord[k] = ord[k - 1];
        ord[k] = i;
    }
    double best = INFINITY;
    int found = -1;
    for (int k = 0; k < n; k++) {
        int i = ord[k];
        double d;
        if (lo[i] > best + 1e-9)
            break;
        if (GEOSPreparedDistance_r(rs->h, rs->prep[i], pt, &d) == 1 &&
            (d < best || (d == best && i < found))) {
            best = d;
            found = i;
        }
    }
    if (found < 0 || best * KM_PER_DEG_LAT <= VW_REGION_SNAP_KM)
        return found;
    if (best * KM_PER_DEG_LAT * MIN_LON_SCALE > VW_REGION_SNAP_KM)
        return -1;
    GEOSCoordSequence *np = GEOSPreparedNearestPoints_r(rs->h, rs->prep[found], pt);
    double x, y, km = INFINITY;
    if (np && GEOSCoordSeq_getXY_r(rs->h, np, 0, &x, &y))
        km = vw_geo_km(lat, lon, y, x);
    if (np)
        GEOSCoordSeq_destroy_r(rs->h, np);
    return km <= VW_REGION_SNAP_KM ? found : -1;
}

static int locate_exact(vw_regionset *rs, double lat, double lon)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(rs->h, lon, lat);
    int found = -1;
    if (pt == NULL)
        return -1;
    candidates c;
    query(rs, pt, &c);
    for (int k = 0; k < c.n && found < 0; k++)
        if (GEOSPreparedContains_r(rs->h, rs->prep[c.idx[k]], pt) == 1)
            found = c.idx[k];
    if (found < 0)
        found = snap_nearest(rs, pt, lat, lon);
    GEOSGeom_destroy_r(rs->h, pt);
    return found;
}

int vw_regionset_locate(vw_regionset *rs, double lat, double lon)
{
    if (rs == NULL || !isfinite(lat) || !isfinite(lon))
        return -1;
    if (vw_geo_in_nl(lat, lon)) {
        int cx = (int)((lon - VW_NL_LON_MIN) / GRID_DEG), cy = (int)((lat - VW_NL_LAT_MIN) / GRID_DEG);
        if (cx >= 0 && cx < GRID_W && cy >= 0 && cy < GRID_H) {
            signed char *cell = &rs->grid[cy * GRID_W + cx];
            if (*cell == CELL_UNKNOWN)
                *cell = classify_cell(rs, cx, cy);
            if (*cell >= 0)
                return *cell;
        }
    }
    return locate_exact(rs, lat, lon);
}

/* ---- GEOS geometry -> vw_shape --------------------------------------------- */

static int add_ring(vw_regionset *rs, vw_shape_builder *b, const GEOSGeometry *ring)
{
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(rs->h, ring);
    unsigned int n = 0;
    if (seq == NULL || GEOSCoordSeq_getSize_r(rs->h, seq, &n) == 0)
        return -1;
    double *lon = malloc((n + 1) * sizeof *lon), *lat = malloc((n + 1) * sizeof *lat);
    int rc = -1;
    if (lon == NULL || lat == NULL)
        goto out;
    for (unsigned int i = 0; i < n; i++)
        if (GEOSCoordSeq_getXY_r(rs->h, seq, i, &lon[i], &lat[i]) == 0)
            goto out;
    rc = vw_shape_builder_ring(b, lon, lat, n);
out:
    free(lon);
    free(lat);
    return rc;
}

static unsigned ring_size(vw_regionset *rs, const GEOSGeometry *ring)
{
    const GEOSCoordSequence *seq = ring ? GEOSGeom_getCoordSeq_r(rs->h, ring) : NULL;
    unsigned int n = 0;
    return (seq && GEOSCoordSeq_getSize_r(rs->h, seq, &n)) ? n : 0;
}

/* Degenerate parts (rings under 4 points, polygons of no area: slivers an
 * intersection can leave along a border) are dropped. */
static int add_polygon(vw_regionset *rs, vw_shape_builder *b, const GEOSGeometry *poly)
{
    double area = 0;
    const GEOSGeometry *shell = GEOSGetExteriorRing_r(rs->h, poly);
    if (GEOSisEmpty_r(rs->h, poly) == 1 || ring_size(rs, shell) < 4 ||
        GEOSArea_r(rs->h, poly, &area) == 0 || area < 1e-12)
        return 0;
    if (vw_shape_builder_polygon(b) != 0 || add_ring(rs, b, shell) != 0)
        return -1;
    int holes = GEOSGetNumInteriorRings_r(rs->h, poly);
    for (int i = 0; i < holes; i++) {
        const GEOSGeometry *hole = GEOSGetInteriorRingN_r(rs->h, poly, i);
        if (ring_size(rs, hole) >= 4 && add_ring(rs, b, hole) != 0)
            return -1;
    }
    return 0;
}

/* Polygons of any (multi)polygon or collection; other parts are dropped
 * (an intersection can leave lines where cells touch a border). */
static int add_geometry(vw_regionset *rs, vw_shape_builder *b, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(rs->h, g);
    if (type == GEOS_POLYGON)
        return add_polygon(rs, b, g);
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(rs->h, g);
        for (int i = 0; i < n; i++)
            if (add_geometry(rs, b, GEOSGetGeometryN_r(rs->h, g, i)) != 0)
                return -1;
    }
    return 0;
}

static vw_shape *to_shape(vw_regionset *rs, vw_shape_builder *b, const GEOSGeometry *g)
{
    if (add_geometry(rs, b, g) != 0) {
        vw_shape_free(vw_shape_finish(b));
        return NULL;
    }
    return vw_shape_finish(b);
}

vw_shape *vw_regionset_outline(vw_regionset *rs, int region)
{
    if (!vw_regionset_has(rs, region))
        return NULL;
    vw_shape_builder *b = vw_shape_builder_new();
    vw_shape *s = b ? to_shape(rs, b, rs->geom[region]) : NULL;
    vw_shape_builder_free(b);
    return s;
}

/* ---- PC4 cells ------------------------------------------------------------- */

typedef struct cell_ctx {
    vw_regionset *rs;
    const double *lat, *lon;
    const GEOSPreparedGeometry *cell;
    long found;
} cell_ctx;

static void find_generator(void *item, void *userdata)
{
    cell_ctx *c = userdata;
    size_t i = (size_t)(intptr_t)item - 1;
    if (c->found >= 0)
        return;
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->rs->h, c->lon[i], c->lat[i]);
    /* The generator lies strictly inside its cell; a neighbour can lie on the
     * boundary (and a duplicate location has no cell of its own). */
    if (pt && GEOSPreparedContainsProperly_r(c->rs->h, c->cell, pt) == 1)
        c->found = (long)i;
    if (pt)
        GEOSGeom_destroy_r(c->rs->h, pt);
}

/* The cell clipped to its region: unchanged when wholly inside. Caller owns.
 * (GEOSClipByRect first would be faster, but it can return degenerate
 * slivers instead of the clipped cell: seen on the Rhine at Westervoort.) */
static GEOSGeometry *clip_cell(vw_regionset *rs, const GEOSGeometry *cell, int region)
{
    if (GEOSPreparedContainsProperly_r(rs->h, rs->prep[region], cell) == 1)
        return GEOSGeom_clone_r(rs->h, cell);
    return GEOSIntersection_r(rs->h, cell, rs->geom[region]);
}

int vw_regionset_cells(vw_regionset *rs, size_t n, const double *lat, const double *lon,
                       const int *region, vw_shape **cells, vw_err *err)
{
    GEOSContextHandle_t h = rs->h;
    GEOSGeometry **pts = calloc(n ? n : 1, sizeof *pts), *mp = NULL, *env = NULL, *vor = NULL;
    GEOSSTRtree *tree = NULL;
    vw_shape_builder *b = vw_shape_builder_new();
    int rc = -1;
    for (size_t i = 0; i < n; i++)
        cells[i] = NULL;
    if (pts == NULL || b == NULL || (tree = GEOSSTRtree_create_r(h, 10)) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if ((pts[i] = GEOSGeom_createPointFromXY_r(h, lon[i], lat[i])) == NULL)
            goto geos_fail;
        GEOSSTRtree_insert_r(h, tree, pts[i], (void *)(intptr_t)(i + 1));
    }
    /* The collection takes ownership of the points; the tree keeps pointing
     * at them, so it is used only while mp lives. */
    mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOINT, pts, (unsigned)n);
    if (mp == NULL)
        goto geos_fail;
    env = GEOSGeom_createRectangle_r(h, VW_NL_LON_MIN - 1, VW_NL_LAT_MIN - 1, VW_NL_LON_MAX + 1,
                                     VW_NL_LAT_MAX + 1);
    if (env == NULL || (vor = GEOSVoronoiDiagram_r(h, mp, env, 0.0, 0)) == NULL)
        goto geos_fail;
    int nc = GEOSGetNumGeometries_r(h, vor);
    for (int k = 0; k < nc; k++) {
        const GEOSGeometry *cell = GEOSGetGeometryN_r(h, vor, k);
        const GEOSPreparedGeometry *pc = GEOSPrepare_r(h, cell);
        if (pc == NULL)
            goto geos_fail;
        cell_ctx c = {rs, lat, lon, pc, -1};
        GEOSSTRtree_query_r(h, tree, cell, find_generator, &c);
        GEOSPreparedGeom_destroy_r(h, pc);
        if (c.found < 0 || cells[c.found] != NULL || region[c.found] < 0 ||
            !vw_regionset_has(rs, region[c.found]))
            continue;
        GEOSGeometry *clipped = clip_cell(rs, cell, region[c.found]);
        if (clipped == NULL)
            goto geos_fail;
        cells[c.found] = to_shape(rs, b, clipped);
        GEOSGeom_destroy_r(h, clipped);
    }
    rc = 0;
    goto out;
geos_fail:
    vw_err_set(err, VW_E_INTERNAL, "GEOS: %s", rs->msg[0] ? rs->msg : "out of memory");
out:
    if (rc != 0)
        for (size_t i = 0; i < n; i++) {
            vw_shape_free(cells[i]);
            cells[i] = NULL;
        }
    if (tree)
        GEOSSTRtree_destroy_r(h, tree);
    if (mp)
        GEOSGeom_destroy_r(h, mp);
    else if (pts)
        for (size_t i = 0; i < n; i++)
            if (pts[i])
                GEOSGeom_destroy_r(h, pts[i]);
    if (env)
        GEOSGeom_destroy_r(h, env);
    if (vor)
        GEOSGeom_destroy_r(h, vor);
    free(pts);
    vw_shape_builder_free(b);
    return rc;
}

/* ---- shape validity -------------------------------------------------------- */

static GEOSGeometry *ring_to_geos(GEOSContextHandle_t h, const vw_shape *s, uint32_t r)
{
    uint32_t a = s->ring_point[r], n = s->ring_point[r + 1] - a;
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, n, 2);
    if (seq == NULL)
        return NULL;
    for (uint32_t i = 0; i < n; i++)
        GEOSCoordSeq_setXY_r(h, seq, i, s->xy[2 * (a + i)], s->xy[2 * (a + i) + 1]);
    return GEOSGeom_createLinearRing_r(h, seq); /* takes the sequence */
}

static GEOSGeometry *shape_to_geos(GEOSContextHandle_t h, const vw_shape *s)
{
    GEOSGeometry **polys = calloc(s->n_polys ? s->n_polys : 1, sizeof *polys), *out = NULL;
    uint32_t made = 0;
    if (polys == NULL)
        return NULL;
    for (uint32_t p = 0; p < s->n_polys; p++, made++) {
        uint32_t r0 = s->poly_ring[p], nh = s->poly_ring[p + 1] - r0 - 1;
        GEOSGeometry *shell = ring_to_geos(h, s, r0), **holes = calloc(nh ? nh : 1, sizeof *holes);
        bool ok = shell != NULL && holes != NULL;
        for (uint32_t k = 0; ok && k < nh; k++)
            ok = (holes[k] = ring_to_geos(h, s, r0 + 1 + k)) != NULL;
        if (ok)
            polys[p] = GEOSGeom_createPolygon_r(h, shell, holes, nh); /* takes the rings */
        if (!ok || polys[p] == NULL) {
            if (shell && !ok)
                GEOSGeom_destroy_r(h, shell);
            for (uint32_t k = 0; holes && k < nh && !ok; k++)
                if (holes[k])
                    GEOSGeom_destroy_r(h, holes[k]);
            free(holes);
            goto out;
        }
        free(holes);
    }
    out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, made); /* takes them */
    made = out ? 0 : made;
out:
    for (uint32_t k = 0; k < made; k++)
        GEOSGeom_destroy_r(h, polys[k]);
    free(polys);
    return out;
}

int vw_shape_valid(const vw_shape *s, char *why, size_t cap)
{
    GEOSContextHandle_t h = GEOS_init_r();
    int rc = -1;
    if (h == NULL || s == NULL)
        goto out;
    GEOSGeometry *g = shape_to_geos(h, s);
    if (g == NULL)
        goto out;
    rc = GEOSisValid_r(h, g) == 1;
    if (rc == 0 && why && cap) {
        char *reason = GEOSisValidReason_r(h, g);
        snprintf(why, cap, "%s", reason ? reason : "invalid");
        if (reason)
            GEOSFree_r(h, reason);
    }
    GEOSGeom_destroy_r(h, g);
out:
    if (h)
        GEOS_finish_r(h);
    return rc;
}
