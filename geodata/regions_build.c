/* regions_build.c -- vw_regions_build: region polygons from municipality
 * boundaries and a mapping table, unioned with GEOS (import time).
 *
 * Mapping table (geodata/iza_regions.csv): "area,region,name[,set]" rows,
 * '#' comments. An area is a COROP code (CRnn) or a municipality code
 * (GMnnnn); a municipality row overrides its COROP area's row. `set` says
 * which boundary files a row is for: 2015 (CBS gebiedsindelingen 2015:
 * properties statcode, statnaam, corop_gebied) or 2024 (CBS wijk- en
 * buurtkaart: gemeentecode, gemeentenaam, no COROP); empty = both. Every
 * municipality must end up in exactly one region and every region must get at
 * least one. GM0998 "Buitenland" (the Belgian enclaves around Baarle) is not
 * a Dutch municipality: reported and skipped. */
#include "regions.h"

#include "geojson_check.h"

#include <errno.h>
#include <geos_c.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE_BYTES (64u << 20) /* boundary file */
#define MAX_JSON_DEPTH 32
#define MAX_MAPPING 2000           /* mapping rows */
#define CODE_MAX 15

typedef struct mapping_row {
    char area[CODE_MAX + 1];
    int region;
    long line;
    int set;   /* 2015, 2024, or 0: both */
    bool used;
} mapping_row;

typedef struct build {
    vw_regions_diag_fn diag;
    void *ctx;
    vw_regions_built *out;
    mapping_row *rows;
    size_t n;
    int set;   /* of the boundary file: 2015 or 2024 */
    char geos_msg[256];
} build;

#define GM_ABROAD "GM0998" /* CBS: "Buitenland" */

static void report(build *b, const char *where, long line, bool error, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void report(build *b, const char *where, long line, bool error, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (error)
        b->out->errors++;
    else
        b->out->warnings++;
    if (b->diag)
        b->diag(b->ctx, where, line, error, msg);
}

static void geos_msg(const char *message, void *userdata)
{
    build *b = userdata;
    snprintf(b->geos_msg, sizeof b->geos_msg, "%s", message);
}

static bool valid_code(const char *s, size_t len)
{
    if (len < 3 || len > CODE_MAX)
        return false;
    bool cr = s[0] == 'C' && s[1] == 'R', gm = s[0] == 'G' && s[1] == 'M';
    if (!cr && !gm)
        return false;
    for (size_t i = 2; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t l = strlen(s);
    while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r' || s[l - 1] == '\n'))
        s[--l] = '\0';
    return s;
}

static int read_mapping(build *b, const char *path, vw_err *err)
{
    FILE *f = fopen(path, "r");
    char line[512];
    long ln = 0;
    bool header = true;
    if (f == NULL)
        return vw_err_set(err, VW_E_IO, "%s: %s", path, strerror(errno));
    b->rows = calloc(MAX_MAPPING, sizeof *b->rows);
    if (b->rows == NULL) {
        fclose(f);
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    }
    while (fgets(line, sizeof line, f) != NULL) {
        ln++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            report(b, path, ln, true, "line longer than %zu bytes", sizeof line - 2);
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *area = strtok(s, ","), *region = strtok(NULL, ","), *name = strtok(NULL, ",");
        char *set_s = name ? strtok(NULL, ",") : NULL;
        if (header) {
            header = false;
            if (area && strcmp(trim(area), "area") == 0)
                continue;
            report(b, path, ln, true, "the header must start with area,region");
            continue;
        }
        area = area ? trim(area) : NULL;
        region = region ? trim(region) : NULL;
        if (area == NULL || !valid_code(area, strlen(area))) {
            report(b, path, ln, true, "area \"%.20s\" is not a COROP (CRnn) or municipality "
                   "(GMnnnn) code", area ? area : "");
            continue;
        }
        int r = region ? vw_region_index(region, strlen(region)) : -1;
        if (r < 0) {
            report(b, path, ln, true, "unknown region \"%.20s\" (noord, oost, midden, noordwest, "
                   "west, zuidwest, zuidoost)", region ? region : "");
            continue;
        }
        set_s = set_s ? trim(set_s) : NULL;
        int set = 0;
        if (set_s && *set_s) {
            if (strcmp(set_s, "2015") != 0 && strcmp(set_s, "2024") != 0) {
                report(b, path, ln, true, "set \"%.8s\" must be 2015, 2024 or empty", set_s);
                continue;
            }
            set = atoi(set_s);
        }
        size_t i;
        for (i = 0; i < b->n && !(strcmp(b->rows[i].area, area) == 0 &&
                                  (set == 0 || b->rows[i].set == 0 || b->rows[i].set == set));
             i++)
            ;
        if (i < b->n) {
            report(b, path, ln, true, "duplicate area %s (first on line %ld)", area,
                   b->rows[i].line);
            continue;
        }
        if (b->n == MAX_MAPPING) {
            report(b, path, ln, true, "more than %d rows", MAX_MAPPING);
            break;
        }
        mapping_row *m = &b->rows[b->n++];
        snprintf(m->area, sizeof m->area, "%s", area);
        m->region = r;
        m->line = ln;
        m->set = set;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return vw_err_set(err, VW_E_IO, "%s: read error", path);
    return 0;
}

static bool row_applies(const build *b, const mapping_row *m)
{
    return m->set == 0 || m->set == b->set;
}

static mapping_row *find_area(build *b, const char *code)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->rows[i].area, code) == 0 && row_applies(b, &b->rows[i]))
            return &b->rows[i];
    return NULL;
}

static json_object *read_json(const char *path, vw_err *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf = NULL;
    json_object *root = NULL;
    json_tokener *tok = NULL;
    if (f == NULL) {
        vw_err_set(err, VW_E_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &st) != 0 || st.st_size <= 0 || (size_t)st.st_size > MAX_FILE_BYTES) {
        vw_err_set(err, VW_E_INVALID, "%s: empty, unreadable or larger than %u MB", path,
                   MAX_FILE_BYTES >> 20);
        goto out;
    }
    size_t len = (size_t)st.st_size;
    if ((buf = malloc(len)) == NULL || (tok = json_tokener_new_ex(MAX_JSON_DEPTH)) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    if (fread(buf, 1, len, f) != len) {
        vw_err_set(err, VW_E_IO, "%s: read error", path);
        goto out;
    }
    root = json_tokener_parse_ex(tok, buf, (int)len);
    if (root == NULL || json_tokener_get_error(tok) != json_tokener_success) {
        vw_err_set(err, VW_E_INVALID, "%s: not valid JSON (%s, near byte %zu)", path,
                   json_tokener_error_desc(json_tokener_get_error(tok)),
                   json_tokener_get_parse_end(tok));
        json_object_put(root);
        root = NULL;
    }
out:
    if (tok)
        json_tokener_free(tok);
    free(buf);
    if (f)
        fclose(f);
    return root;
}

static const char *prop_str(json_object *props, const char *key)
{
    json_object *v;
    return (props && json_object_object_get_ex(props, key, &v) && json_object_is_type(v, json_type_string))
               ? json_object_get_string(v)
               : NULL;
}

/* Adds each feature's polygon to parts[region]; reports unmapped ones. */
static int read_features(build *b, GEOSContextHandle_t h, const char *path, json_object *root,
                         GEOSGeometry ***parts, int *nparts, vw_err *err)
{
    json_object *features;
    GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(h);
    int rc = -1;
    if (rd == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "GEOS: %s", b->geos_msg);
        goto out;
    }
    if (!json_object_object_get_ex(root, "features", &features) ||
        !json_object_is_type(features, json_type_array)) {
        vw_err_set(err, VW_E_INVALID, "%s: not a GeoJSON FeatureCollection", path);
        goto out;
    }
    size_t nf = json_object_array_length(features);
    /* The set of the file: the first feature that names its municipality. */
    b->set = 2015;
    for (size_t i = 0; i < nf; i++) {
        json_object *props = NULL;
        json_object_object_get_ex(json_object_array_get_idx(features, i), "properties", &props);
        if (prop_str(props, "statcode") || prop_str(props, "gemeentecode")) {
            b->set = prop_str(props, "statcode") ? 2015 : 2024;
            break;
        }
    }
    for (size_t i = 0; i < nf; i++) {
        json_object *f = json_object_array_get_idx(features, i), *props = NULL, *geom = NULL;
        char where[64];
        snprintf(where, sizeof where, "feature %zu", i + 1);
        json_object_object_get_ex(f, "properties", &props);
        const char *key = b->set == 2015 ? "statcode" : "gemeentecode";
        const char *code = prop_str(props, key), *corop = prop_str(props, "corop_gebied");
        const char *name = prop_str(props, b->set == 2015 ? "statnaam" : "gemeentenaam");
        if (code == NULL || strncmp(code, "GM", 2) != 0 || !valid_code(code, strlen(code))) {
            report(b, path, 0, true, "%s: no municipality code (properties.%s GMnnnn)", where,
                   key);
            continue;
        }
        if (strcmp(code, GM_ABROAD) == 0) {
            report(b, path, 0, false, "%s %s (%.40s) is not a Dutch municipality (the Belgian "
                   "enclaves around Baarle): not imported", where, code, name ? name : "?");
            b->out->skipped++;
            continue;
        }
        b->out->municipalities++;
        mapping_row *m = find_area(b, code), *mc = corop ? find_area(b, corop) : NULL;
        if (m == NULL && mc == NULL) {
            report(b, path, 0, true, "municipality %s (%.60s) in COROP area %.16s has no region in "
                   "the mapping", code, name ? name : "?", corop ? corop : "(none)");
            continue;
        }
        mapping_row *use = m ? m : mc;
        use->used = true;
        if (m && mc)
            mc->used = true;
        if (!json_object_object_get_ex(f, "geometry", &geom) || geom == NULL) {
            report(b, path, 0, true, "municipality %s has no geometry", code);
            continue;
        }
        char why[80];
        if (!vw_geojson_polygon_ok(geom, why, sizeof why)) {
            report(b, path, 0, true, "municipality %s: %s", code, why);
            continue;
        }
        const char *gj = json_object_to_json_string_ext(geom, JSON_C_TO_STRING_PLAIN);
        GEOSGeometry *g = GEOSGeoJSONReader_readGeometry_r(h, rd, gj);
        int type = g ? GEOSGeomTypeId_r(h, g) : -1;
        if (g == NULL || (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON)) {
            report(b, path, 0, true, "municipality %s: geometry is not a (Multi)Polygon (%s)", code,
                   g ? "other type" : b->geos_msg);
            if (g)
                GEOSGeom_destroy_r(h, g);
            continue;
        }
        if (GEOSisValid_r(h, g) != 1) {
            GEOSGeometry *fixed = GEOSMakeValid_r(h, g);
            report(b, path, 0, false, "municipality %s: invalid polygon repaired", code);
            GEOSGeom_destroy_r(h, g);
            if ((g = fixed) == NULL) {
                report(b, path, 0, true, "municipality %s: polygon cannot be repaired", code);
                continue;
            }
        }
        int r = use->region;
        GEOSGeometry **p = realloc(parts[r], (size_t)(nparts[r] + 1) * sizeof *p);
        if (p == NULL) {
            GEOSGeom_destroy_r(h, g);
            vw_err_set(err, VW_E_INTERNAL, "out of memory");
            goto out;
        }
        parts[r] = p;
        p[nparts[r]++] = g;
    }
    rc = 0;
out:
    if (rd)
        GEOSGeoJSONReader_destroy_r(h, rd);
    return rc;
}

/* Municipalities generalised one by one (the 2024 file) do not share their
 * borders exactly: their union has slivers and pin-holes along them, which
 * would make every later point and cell test slow and some points fall in a
 * gap. Close the gaps (out and back in by CLOSE_DEG), keep the polygons (a
 * repair can leave lines), drop holes under HOLE_KM2 (the real ones, lakes
 * and the Baarle enclaves, are water or not Dutch) and simplify to
 * SIMPLIFY_DEG. Consumes u; NULL on a GEOS failure. */
#define CLOSE_DEG 0.002    /* about 140 m east-west, 220 m north-south */
#define HOLE_KM2 1.0
#define SIMPLIFY_DEG 0.0005
#define KM2_PER_DEG2 (111.2 * 68.5) /* at 52 degrees north */

static GEOSGeometry *polygon_without_small_holes(GEOSContextHandle_t h, const GEOSGeometry *p)
{
    int nh = GEOSGetNumInteriorRings_r(h, p), kept = 0;
    GEOSGeometry *shell = GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, p));
    GEOSGeometry **holes = malloc((size_t)(nh > 0 ? nh : 1) * sizeof *holes);
    if (shell == NULL || holes == NULL || nh < 0) {
        GEOSGeom_destroy_r(h, shell);
        free(holes);
        return NULL;
    }
    for (int k = 0; k < nh; k++) {
        const GEOSGeometry *ring = GEOSGetInteriorRingN_r(h, p, k);
        GEOSGeometry *ring_poly = GEOSGeom_createPolygon_r(h, GEOSGeom_clone_r(h, ring), NULL, 0);
        double area = 0;
        if (ring_poly)
            GEOSArea_r(h, ring_poly, &area);
        GEOSGeom_destroy_r(h, ring_poly);
        if (area * KM2_PER_DEG2 >= HOLE_KM2)
            holes[kept++] = GEOSGeom_clone_r(h, ring);
    }
    GEOSGeometry *out = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)kept);
    free(holes);
    return out;
}

static GEOSGeometry *clean_region(GEOSContextHandle_t h, GEOSGeometry *u)
{
    GEOSGeometry *grown = GEOSBuffer_r(h, u, CLOSE_DEG, 8);
    GEOSGeom_destroy_r(h, u);
    GEOSGeometry *closed = grown ? GEOSBuffer_r(h, grown, -CLOSE_DEG, 8) : NULL;
    GEOSGeom_destroy_r(h, grown);
    if (closed == NULL)
        return NULL;
    int n = GEOSGetNumGeometries_r(h, closed), kept = 0;
    GEOSGeometry **polys = malloc((size_t)(n > 0 ? n : 1) * sizeof *polys);
    for (int k = 0; polys && k < n; k++) {
        const GEOSGeometry *g = GEOSGetGeometryN_r(h, closed, k);
        if (GEOSGeomTypeId_r(h, g) == GEOS_POLYGON) {
            GEOSGeometry *p = polygon_without_small_holes(h, g);
            if (p)
                polys[kept++] = p;
        }
    }
    GEOSGeom_destroy_r(h, closed);
    if (polys == NULL)
        return NULL;
    GEOSGeometry *multi = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)kept);
    free(polys);
    GEOSGeometry *simple = multi ? GEOSTopologyPreserveSimplify_r(h, multi, SIMPLIFY_DEG) : NULL;
    GEOSGeom_destroy_r(h, multi);
    if (simple && GEOSisValid_r(h, simple) != 1) {
        GEOSGeometry *fixed = GEOSMakeValid_r(h, simple);
        GEOSGeom_destroy_r(h, simple);
        simple = fixed;
    }
    return simple;
}

void vw_regions_built_free(vw_regions_built *b)
{
    if (b == NULL)
        return;
    for (int i = 0; i < VW_REGION_COUNT; i++) {
        free(b->wkb[i]);
        b->wkb[i] = NULL;
    }
}

int vw_regions_build(const char *boundaries_path, const char *mapping_path,
                     vw_regions_diag_fn diag, void *ctx, vw_regions_built *out, vw_err *err)
{
    build b = {.diag = diag, .ctx = ctx, .out = out};
    GEOSContextHandle_t h = NULL;
    GEOSGeometry **parts[VW_REGION_COUNT] = {0};
    int nparts[VW_REGION_COUNT] = {0};
    GEOSWKBWriter *wr = NULL;
    json_object *root = NULL;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (read_mapping(&b, mapping_path, err) != 0 ||
        (root = read_json(boundaries_path, err)) == NULL)
        goto out;
    if ((h = GEOS_init_r()) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "GEOS init failed");
        goto out;
    }
    GEOSContext_setErrorMessageHandler_r(h, geos_msg, &b);
    if (read_features(&b, h, boundaries_path, root, parts, nparts, err) != 0)
        goto out;
    out->set = b.set;
    for (size_t i = 0; i < b.n; i++)
        if (!b.rows[i].used && row_applies(&b, &b.rows[i]))
            report(&b, mapping_path, b.rows[i].line, false, "area %s matches no municipality in "
                   "%s", b.rows[i].area, boundaries_path);
    if ((wr = GEOSWKBWriter_create_r(h)) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "GEOS: %s", b.geos_msg);
        goto out;
    }
    for (int r = 0; r < VW_REGION_COUNT; r++) {
        if (nparts[r] == 0) {
            report(&b, mapping_path, 0, true, "region %s gets no municipality", vw_region_codes[r]);
            continue;
        }
        /* The collection takes ownership of the parts. */
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts[r],
                                                         (unsigned)nparts[r]);
        if (coll == NULL)
            goto geos_fail;
        free(parts[r]);
        parts[r] = NULL;
        out->areas[r] = nparts[r];
        nparts[r] = 0;
        GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
        GEOSGeom_destroy_r(h, coll);
        if (u == NULL || (u = clean_region(h, u)) == NULL)
            goto geos_fail;
        size_t len = 0;
        unsigned char *w = GEOSWKBWriter_write_r(h, wr, u, &len);
        GEOSGeom_destroy_r(h, u);
        if (w == NULL || (out->wkb[r] = malloc(len)) == NULL) {
            if (w)
                GEOSFree_r(h, w);
            goto geos_fail;
        }
        memcpy(out->wkb[r], w, len);
        out->wkb_len[r] = len;
        GEOSFree_r(h, w);
    }
    if (out->errors > 0) {
        vw_err_set(err, VW_E_INVALID, "%d problem%s in the boundaries or the mapping", out->errors,
                   out->errors == 1 ? "" : "s");
        goto out;
    }
    rc = 0;
    goto out;
geos_fail:
    vw_err_set(err, VW_E_INTERNAL, "GEOS: %s", b.geos_msg[0] ? b.geos_msg : "out of memory");
out:
    for (int r = 0; r < VW_REGION_COUNT; r++) {
        for (int k = 0; k < nparts[r]; k++)
            GEOSGeom_destroy_r(h, parts[r][k]);
        free(parts[r]);
    }
    if (rc != 0)
        vw_regions_built_free(out);
    if (wr)
        GEOSWKBWriter_destroy_r(h, wr);
    if (h)
        GEOS_finish_r(h);
    json_object_put(root);
    free(b.rows);
    return rc;
}
