/* map.c -- GeoJSON and SVG coverage maps (see map.h).
 *
 * Projection for the SVG: equirectangular around the map's mean latitude
 * (x = lon * cos(lat0), y = -lat), which keeps shapes and the scale bar right
 * to within a percent or so over a region the size of the Netherlands.
 * Region labels sit on a point inside each region (GEOS PointOnSurface of
 * its polygon), so a concave region never has its name outside it. */
#include "map.h"

#include <geos_c.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "geo.h"
#include "map_int.h"

#define COLOR_COVERED "#cfe8cf"
#define COLOR_UNCOVERED "#d7301f"
#define COLOR_BORDER "#4d4d4d"
#define COLOR_PROVIDER "#08519c"

typedef msgpack_object mobj;

/* Members of map `from` except `skip`. */
static uint32_t count_props(const mobj *from, const char *skip)
{
    uint32_t n = 0;
    for (uint32_t i = 0; from && from->type == MSGPACK_OBJECT_MAP && i < from->via.map.size; i++)
        n += !vw_mp_is(&from->via.map.ptr[i].key, skip);
    return n;
}

/* Packs every member of `from` except `skip` (count_props of them). */
static void copy_props(msgpack_packer *pk, const mobj *from, const char *skip)
{
    for (uint32_t i = 0; from && from->type == MSGPACK_OBJECT_MAP && i < from->via.map.size; i++)
        if (!vw_mp_is(&from->via.map.ptr[i].key, skip)) {
            msgpack_pack_object(pk, from->via.map.ptr[i].key);
            msgpack_pack_object(pk, from->via.map.ptr[i].val);
        }
}

static bool is_array(const mobj *o)
{
    return o && o->type == MSGPACK_OBJECT_ARRAY;
}

/* providers [lat, lon, id] and places [name, lat, lon]: triples only */
static uint32_t triples(const mobj *list)
{
    uint32_t n = 0;
    for (uint32_t i = 0; is_array(list) && i < list->via.array.size; i++)
        n += vw_mapi_len(&list->via.array.ptr[i]) == 3;
    return n;
}

int vw_map_geojson(const msgpack_object *res, msgpack_sbuffer *out, vw_err *err)
{
    const mobj *regions = vw_mp_get(res, "regions"), *spots = vw_mp_get(res, "white_spots"),
               *providers = vw_mp_get(res, "providers"), *places = vw_mp_get(res, "places");
    if (!is_array(regions) || !is_array(spots))
        return vw_err_set(err, VW_E_PROTOCOL, "the coverage result has no regions / white_spots");
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    vw_pack_kv_str(&pk, "type", "FeatureCollection");
    /* The figures of the run: a foreign member (RFC 7946 section 6.1), not
     * "properties", which section 7.1 forbids on a FeatureCollection. It says
     * how many white spots there are and how many are features here, so a
     * cut list never passes for the whole. */
    const mobj *source = vw_mp_get(res, "time_source");
    bool has_source = vw_mapi_present(source);
    int64_t spots_total = (int64_t)vw_mp_num(res, "white_spots_total", 0);
    int64_t spots_listed = (int64_t)spots->via.array.size;
    vw_pack_cstr(&pk, "coverage");
    msgpack_pack_map(&pk, has_source ? 8 : 7);
    static const char *const figures[] = {"scope", "need", "total"};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        vw_pack_cstr(&pk, figures[i]);
        vw_mapi_pack(&pk, vw_mp_get(res, figures[i]));
    }
    if (has_source) {
        vw_pack_cstr(&pk, "time_source");
        vw_mapi_pack(&pk, source);
    }
    vw_pack_kv_int(&pk, "white_spots_total", spots_total);
    vw_pack_kv_int(&pk, "white_spots_in_file", spots_listed);
    vw_pack_kv_bool(&pk, "white_spots_complete", spots_listed >= spots_total);
    vw_pack_kv_str(&pk, "cells",
                   "white-spot cells approximate PC4 areas: Voronoi cells around the PC4 "
                   "centroids, clipped to the region");
    uint32_t nregions = 0;
    for (uint32_t i = 0; i < regions->via.array.size; i++)
        nregions += vw_mapi_present(vw_mp_get(&regions->via.array.ptr[i], "geometry"));
    vw_pack_cstr(&pk, "features");
    msgpack_pack_array(&pk, nregions + spots->via.array.size + triples(providers) +
                                triples(places));
    for (uint32_t i = 0; i < regions->via.array.size; i++) {
        const mobj *r = &regions->via.array.ptr[i], *g = vw_mp_get(r, "geometry");
        if (!vw_mapi_present(g))
            continue;
        vw_mapi_feature_head(&pk, "region", count_props(r, "geometry"));
        copy_props(&pk, r, "geometry");
        vw_pack_cstr(&pk, "geometry");
        msgpack_pack_object(&pk, *g);
    }
    for (uint32_t i = 0; i < spots->via.array.size; i++) {
        const mobj *s = &spots->via.array.ptr[i], *g = vw_mp_get(s, "cell"),
                   *near = vw_mp_get(s, "nearest");
        vw_mapi_feature_head(&pk, "white_spot", count_props(s, "cell") + 2);
        copy_props(&pk, s, "cell");
        vw_pack_cstr(&pk, "nearest_minutes");
        vw_mapi_pack(&pk, vw_mp_get(near, "minutes"));
        vw_pack_cstr(&pk, "nearest_time_source");
        vw_mapi_pack(&pk, vw_mp_get(near, "time_source"));
        /* A PC4 without a cell (its centroid fell outside the region's
         * polygon) is still a white spot: a point at its centroid. */
        if (vw_mapi_present(g)) {
            vw_pack_cstr(&pk, "geometry");
            msgpack_pack_object(&pk, *g);
        } else {
            vw_mapi_point(&pk, vw_mp_get(s, "lon"), vw_mp_get(s, "lat"));
        }
    }
    for (uint32_t i = 0; is_array(providers) && i < providers->via.array.size; i++) {
        const mobj *p = &providers->via.array.ptr[i];
        if (vw_mapi_len(p) != 3)
            continue;
        vw_mapi_feature_head(&pk, "provider", 1);
        vw_pack_cstr(&pk, "id");
        vw_mapi_pack(&pk, vw_mapi_at(p, 2));
        vw_mapi_point(&pk, vw_mapi_at(p, 1), vw_mapi_at(p, 0));
    }
    for (uint32_t i = 0; is_array(places) && i < places->via.array.size; i++) {
        const mobj *pl = &places->via.array.ptr[i];
        if (vw_mapi_len(pl) != 3)
            continue;
        vw_mapi_feature_head(&pk, "place", 1);
        vw_pack_cstr(&pk, "name");
        vw_mapi_pack(&pk, vw_mapi_at(pl, 0));
        vw_mapi_point(&pk, vw_mapi_at(pl, 2), vw_mapi_at(pl, 1));
    }
    return 0;
}

/* ---- SVG -------------------------------------------------------------------- */

typedef vw_mapi_proj proj; /* map_int.h: shared with netmap.c */

static void px(const proj *p, double lon, double lat, double *x, double *y)
{
    *x = p->ox + (lon - p->min_lon) * p->kx * p->scale;
    *y = p->oy + (p->max_lat - lat) * p->scale;
}

typedef vw_mapi_coord_fn coord_fn;

/* Calls fn for every position of a MultiPolygon / Polygon; ring_pos 0 starts
 * a ring. */
static void walk(const mobj *geom, coord_fn fn, void *ctx)
{
    const mobj *type = vw_mp_get(geom, "type"), *coords = vw_mp_get(geom, "coordinates");
    bool multi = vw_mp_is(type, "MultiPolygon");
    if (coords == NULL || (!multi && !vw_mp_is(type, "Polygon")))
        return;
    uint32_t np = multi ? vw_mapi_len(coords) : 1;
    for (uint32_t p = 0; p < np; p++) {
        const mobj *poly = multi ? vw_mapi_at(coords, p) : coords;
        for (uint32_t r = 0; r < vw_mapi_len(poly); r++) {
            const mobj *ring = vw_mapi_at(poly, r);
            for (uint32_t i = 0; i < vw_mapi_len(ring); i++) {
                const mobj *pos = vw_mapi_at(ring, i);
                fn(ctx, vw_mapi_num(vw_mapi_at(pos, 0)), vw_mapi_num(vw_mapi_at(pos, 1)), (int)i);
            }
        }
    }
}

static void extend(void *ctx, double lon, double lat, int ring_pos)
{
    proj *p = ctx;
    (void)ring_pos;
    p->min_lon = fmin(p->min_lon, lon);
    p->max_lon = fmax(p->max_lon, lon);
    p->min_lat = fmin(p->min_lat, lat);
    p->max_lat = fmax(p->max_lat, lat);
}

typedef vw_mapi_path_ctx path_ctx;

static void path_point(void *ctx, double lon, double lat, int ring_pos)
{
    path_ctx *c = ctx;
    double x, y;
    px(c->p, lon, lat, &x, &y);
    fprintf(c->out, "%s%.1f %.1f", ring_pos == 0 ? "M" : "L", x, y);
}

/* The position of a Point geometry (0, 0 when absent). */
static void point_px(const proj *p, const mobj *geometry, double *x, double *y)
{
    const mobj *xy = vw_mp_get(geometry, "coordinates");
    px(p, vw_mapi_num(vw_mapi_at(xy, 0)), vw_mapi_num(vw_mapi_at(xy, 1)), x, y);
}

static void draw_kind(const mobj *features, const char *kind, const proj *p, FILE *out,
                      const char *style)
{
    path_ctx c = {p, out};
    VW_MAPI_EACH(f, features) {
        if (!vw_mapi_kind_is(f, kind))
            continue;
        const mobj *g = vw_mp_get(f, "geometry");
        if (vw_mp_is(vw_mp_get(g, "type"), "Point")) { /* a white spot without a cell */
            double x, y;
            point_px(p, g, &x, &y);
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" %s/>\n", x, y, style);
            continue;
        }
        fprintf(out, "<path fill-rule=\"evenodd\" %s d=\"", style);
        walk(g, path_point, &c);
        fputs("\"/>\n", out);
    }
}

static void xml_text_n(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) {
        switch (s[i]) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(s[i], out);
        }
    }
}

static void xml_text(FILE *out, const char *s)
{
    xml_text_n(out, s, s ? strlen(s) : 0);
}

static void xml_text_obj(FILE *out, const mobj *s)
{
    if (s && s->type == MSGPACK_OBJECT_STR)
        xml_text_n(out, s->via.str.ptr, s->via.str.size);
}

static void draw_providers(const mobj *features, const proj *p, FILE *out)
{
    fprintf(out, "<g fill=\"%s\" fill-opacity=\"0.75\">\n", COLOR_PROVIDER);
    VW_MAPI_EACH(f, features) {
        if (!vw_mapi_kind_is(f, "provider"))
            continue;
        double x, y;
        point_px(p, vw_mp_get(f, "geometry"), &x, &y);
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>\n", x, y);
    }
    fputs("</g>\n", out);
}

/* A GEOS ring or polygon part from GeoJSON positions ([[lon, lat], ...]). */
static GEOSGeometry *ring_of(GEOSContextHandle_t h, const mobj *ring)
{
    uint32_t n = vw_mapi_len(ring);
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, n, 2);
    for (uint32_t i = 0; cs && i < n; i++) {
        const mobj *pos = vw_mapi_at(ring, i);
        GEOSCoordSeq_setXY_r(h, cs, i, vw_mapi_num(vw_mapi_at(pos, 0)),
                             vw_mapi_num(vw_mapi_at(pos, 1)));
    }
    return cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL; /* takes cs, even on failure */
}

/* A GEOS polygon from GeoJSON rings (shell, then holes); NULL when a ring
 * is no ring. */
static GEOSGeometry *polygon_of(GEOSContextHandle_t h, const mobj *rings)
{
    uint32_t n = vw_mapi_len(rings);
    if (n == 0)
        return NULL;
    GEOSGeometry *shell = ring_of(h, vw_mapi_at(rings, 0));
    GEOSGeometry **holes = n > 1 ? calloc(n - 1, sizeof *holes) : NULL;
    bool ok = shell && (n == 1 || holes);
    for (uint32_t i = 1; ok && i < n; i++)
        ok = (holes[i - 1] = ring_of(h, vw_mapi_at(rings, i))) != NULL;
    GEOSGeometry *poly = ok ? GEOSGeom_createPolygon_r(h, shell, holes, n - 1) : NULL;
    if (!ok) {
        for (uint32_t i = 0; holes && i + 1 < n; i++)
            if (holes[i])
                GEOSGeom_destroy_r(h, holes[i]);
        if (shell)
            GEOSGeom_destroy_r(h, shell);
    }
    free(holes);
    return poly;
}

/* A GEOS (Multi)Polygon of a GeoJSON Polygon / MultiPolygon; NULL when it
 * is neither or GEOS cannot take it. */
static GEOSGeometry *geometry_of(GEOSContextHandle_t h, const mobj *geometry)
{
    const mobj *type = vw_mp_get(geometry, "type"), *coords = vw_mp_get(geometry, "coordinates");
    if (vw_mp_is(type, "Polygon"))
        return polygon_of(h, coords);
    uint32_t n = vw_mapi_len(coords);
    if (!vw_mp_is(type, "MultiPolygon") || n == 0)
        return NULL;
    GEOSGeometry **polys = calloc(n, sizeof *polys);
    bool ok = polys != NULL;
    for (uint32_t i = 0; ok && i < n; i++)
        ok = (polys[i] = polygon_of(h, vw_mapi_at(coords, i))) != NULL;
    GEOSGeometry *multi = ok ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, n) : NULL;
    if (!ok)
        for (uint32_t i = 0; polys && i < n; i++)
            if (polys[i])
                GEOSGeom_destroy_r(h, polys[i]);
    free(polys);
    return multi;
}

/* A point inside the region's polygon for its label (GEOS PointOnSurface of
 * the GeoJSON geometry). false when GEOS cannot read it. */
static bool label_point(GEOSContextHandle_t h, const mobj *geometry, double *lon, double *lat)
{
    GEOSGeometry *g = geometry_of(h, geometry);
    GEOSGeometry *pt = g ? GEOSPointOnSurface_r(h, g) : NULL;
    bool ok = pt && GEOSGeomGetX_r(h, pt, lon) == 1 && GEOSGeomGetY_r(h, pt, lat) == 1;
    if (pt)
        GEOSGeom_destroy_r(h, pt);
    if (g)
        GEOSGeom_destroy_r(h, g);
    return ok;
}

static const mobj *name_of(const mobj *feature)
{
    const mobj *name = vw_mp_get(vw_mp_get(feature, "properties"), "name");
    return name && name->type == MSGPACK_OBJECT_STR ? name : NULL;
}

/* Each region's name on a white halo, so it reads over cells and dots. */
static void draw_region_labels(const mobj *features, const proj *p, FILE *out)
{
    GEOSContextHandle_t h = GEOS_init_r();
    if (h == NULL)
        return;
    fputs("<g font-size=\"15\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#222\" "
          "stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\n", out);
    VW_MAPI_EACH(f, features) {
        const mobj *name = name_of(f);
        double lon, lat, x, y;
        if (!vw_mapi_kind_is(f, "region") || name == NULL ||
            !label_point(h, vw_mp_get(f, "geometry"), &lon, &lat))
            continue;
        px(p, lon, lat, &x, &y);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x, y);
        xml_text_obj(out, name);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);
    GEOS_finish_r(h);
}

/* Place names (features of kind "place": the largest places of the scope)
 * as small labels beside a dot. */
static void draw_places(const mobj *features, const proj *p, FILE *out)
{
    fputs("<g font-size=\"11\" fill=\"#333\" stroke=\"#ffffff\" stroke-width=\"2.5\" "
          "paint-order=\"stroke\">\n", out);
    VW_MAPI_EACH(f, features) {
        const mobj *name = name_of(f);
        if (!vw_mapi_kind_is(f, "place") || name == NULL)
            continue;
        double x, y;
        point_px(p, vw_mp_get(f, "geometry"), &x, &y);
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"#333\" stroke=\"none\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">", x, y, x + 4, y - 3);
        xml_text_obj(out, name);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);
}

/* A scale bar of a round length near a fifth of the map width. */
static void scale_bar(const proj *p, double map_w, double x0, double y0, FILE *out)
{
    double km_per_px = (VW_EARTH_RADIUS_KM * M_PI / 180.0) / p->scale;
    double want = map_w / 5 * km_per_px, nice[] = {1, 2, 5, 10, 20, 25, 50, 100, 200};
    double km = nice[0];
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (nice[i] <= want)
            km = nice[i];
    double len = km / km_per_px;
    fprintf(out, "<g stroke=\"#222\" stroke-width=\"2\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
            "y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" "
            "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
            x0, y0, x0 + len, y0, x0, y0 - 5, x0, y0 + 5, x0 + len, y0 - 5, x0 + len, y0 + 5);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\">%.0f km</text>\n", x0 + len + 8,
            y0 + 4, km);
}

/* ---- titles ---------------------------------------------------------------- */

static const char *mode_words(const char *mode, bool nl)
{
    if (strcmp(mode, "bike") == 0)
        return nl ? "per fiets" : "by bike";
    if (strcmp(mode, "walk") == 0)
        return nl ? "te voet" : "on foot";
    if (strcmp(mode, "transit") == 0)
        return nl ? "met het ov" : "by public transport";
    return nl ? "per auto" : "by car";
}

void vw_map_labels(const msgpack_object *res, const char *lang, vw_map_label_buf *out)
{
    const mobj *need = vw_mp_get(res, "need"), *total = vw_mp_get(res, "total"),
               *regions = vw_mp_get(res, "regions"), *spots = vw_mp_get(res, "white_spots");
    bool nl = lang && strcmp(lang, "nl") == 0;
    char disc[160], exp[160], shown[96] = "", people[16], areas[16], mode[16], view[16],
        scope[16], name[64] = "", source[16];
    vw_mp_str(need, "mode", mode, sizeof mode);
    vw_mp_str(need, "view", view, sizeof view);
    vw_mp_str(res, "scope", scope, sizeof scope);
    vw_mp_str(res, "time_source", source, sizeof source);
    vw_mp_join(vw_mp_get(need, "discipline"), NULL, disc, sizeof disc);
    vw_mp_join(vw_mp_get(need, "expertise"), NULL, exp, sizeof exp);
    double within = vw_mp_num(need, "within", 0);
    if (strcmp(view, "networks") == 0)
        snprintf(out->title, sizeof out->title,
                 nl ? "Gecertificeerd netwerk met fysio, psychosociaal en dietist binnen %.0f min %s"
                    : "Certified network with fysio, psychosocial and dietist within %.0f min %s",
                 within, mode_words(mode, nl));
    else
        snprintf(out->title, sizeof out->title, "%.100s%s%.100s %s %.0f min %s%s", disc,
                 exp[0] ? " + " : "", exp, nl ? "binnen" : "within", within,
                 mode_words(mode, nl),
                 vw_mp_bool(need, "accepting_only")
                     ? (nl ? " (neemt nieuwe patienten aan)" : " (accepting)")
                     : "");
    /* How many white spots the map shows when the result lists fewer than
     * there are: a cut map never passes for the whole. */
    double n_total = vw_mp_num(res, "white_spots_total", 0);
    double n_listed = (double)vw_mapi_len(spots);
    if (n_listed < n_total)
        snprintf(shown, sizeof shown, nl ? " (de kaart toont er %.0f)" : " (the map shows %.0f)",
                 n_listed);
    if (strcmp(scope, "all") != 0 && vw_mapi_len(regions) == 1)
        vw_mp_str(vw_mapi_at(regions, 0), "name", name, sizeof name);
    snprintf(people, sizeof people, "%.1f%%", 100 * vw_mp_num(total, "share_population", 0));
    snprintf(areas, sizeof areas, "%.1f%%", 100 * vw_mp_num(total, "share_pc4", 0));
    if (nl) { /* Dutch writes a decimal comma */
        char *c1 = strchr(people, '.'), *c2 = strchr(areas, '.');
        if (c1)
            *c1 = ',';
        if (c2)
            *c2 = ',';
    }
    snprintf(out->subtitle, sizeof out->subtitle,
             nl ? "%s: %s van de mensen en %s van de PC4-gebieden gedekt; %.0f witte vlekken%s"
                : "%s: %s of people and %s of PC4 areas covered; %.0f white spots%s",
             name[0] ? name : (nl ? "Nederland" : "Netherlands"), people, areas, n_total, shown);
    out->note[0] = '\0';
    if (source[0])
        snprintf(out->note, sizeof out->note, nl ? "Reistijden: %s." : "Travel times: %s.",
                 source);
}

int vw_map_svg(const msgpack_object *fc, const vw_map_opts *o, FILE *out, vw_err *err)
{
    const mobj *features = vw_mp_get(fc, "features");
    proj p;
    if (!vw_mapi_region_bounds(features, &p))
        return vw_err_set(err, VW_E_INVALID, "nothing to draw: no region geometry "
                          "(were region polygons imported?)");
    int width = o && o->width > 0 ? o->width : 900;
    double header = 70, footer = 75, margin = 20;
    double map_w = width - 2 * margin;
    p.scale = map_w / ((p.max_lon - p.min_lon) * p.kx);
    double map_h = (p.max_lat - p.min_lat) * p.scale;
    if (map_h > 1.4 * width) { /* a tall region: fit the height instead */
        map_h = 1.4 * width;
        p.scale = map_h / (p.max_lat - p.min_lat);
        map_w = (p.max_lon - p.min_lon) * p.kx * p.scale;
    }
    p.ox = margin + ((width - 2 * margin) - map_w) / 2;
    p.oy = header;
    double height = header + map_h + footer;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
            "viewBox=\"0 0 %d %.0f\" font-family=\"DejaVu Sans, sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
            width, height, width, height);
    /* A long title gets a smaller font rather than running off the map
     * (bold DejaVu Sans is about 0.62 em a character). */
    const char *title = o && o->title ? o->title : "Coverage";
    double title_px = fmin(20.0, (width - 40) / (0.62 * (double)(strlen(title) + 1)));
    fprintf(out, "<text x=\"20\" y=\"30\" font-size=\"%.1f\" font-weight=\"bold\">", title_px);
    xml_text(out, title);
    const char *subtitle = o && o->subtitle ? o->subtitle : "";
    double sub_px = fmin(15.0, (width - 40) / (0.56 * (double)(strlen(subtitle) + 1)));
    fprintf(out, "</text>\n<text x=\"20\" y=\"55\" font-size=\"%.1f\">", sub_px);
    xml_text(out, subtitle);
    fputs("</text>\n", out);
    char style[160];
    snprintf(style, sizeof style, "fill=\"%s\" stroke=\"%s\" stroke-width=\"1.2\"",
             COLOR_COVERED, COLOR_BORDER);
    draw_kind(features, "region", &p, out, style);
    snprintf(style, sizeof style, "fill=\"%s\" stroke=\"#ffffff\" "
             "stroke-width=\"0.3\"", COLOR_UNCOVERED);
    draw_kind(features, "white_spot", &p, out, style);
    snprintf(style, sizeof style, "fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\"", COLOR_BORDER);
    draw_kind(features, "region", &p, out, style); /* borders on top of the cells */
    draw_providers(features, &p, out);
    draw_places(features, &p, out);
    draw_region_labels(features, &p, out);
    bool nl = o && o->lang && strcmp(o->lang, "nl") == 0;
    double ly = header + map_h + 25;
    fprintf(out, "<g font-size=\"13\"><rect x=\"20\" y=\"%.0f\" width=\"14\" height=\"14\" "
            "fill=\"%s\" stroke=\"%s\"/><text x=\"40\" y=\"%.0f\">%s</text>\n"
            "<rect x=\"195\" y=\"%.0f\" width=\"14\" height=\"14\" fill=\"%s\"/><text x=\"215\" "
            "y=\"%.0f\">%s</text>\n<circle cx=\"400\" cy=\"%.0f\" r=\"4\" "
            "fill=\"%s\"/><text x=\"410\" y=\"%.0f\">%s</text></g>\n",
            ly - 11, COLOR_COVERED, COLOR_BORDER, ly, nl ? "bereikbaar op tijd" : "reachable in time",
            ly - 11, COLOR_UNCOVERED, ly, nl ? "witte vlek (PC4-gebied)" : "white spot (PC4 area)",
            ly - 4, COLOR_PROVIDER, ly, nl ? "aanbieder" : "provider");
    fprintf(out, "<text x=\"20\" y=\"%.0f\" font-size=\"11\" fill=\"#555\">", ly + 20);
    xml_text(out, nl ? "PC4-cellen benaderen de PC4-gebieden: Voronoi-cellen rond de middelpunten, "
                       "begrensd door de regio."
                     : "PC4 cells approximate the PC4 areas: Voronoi cells around their centroids, "
                       "clipped to the region.");
    if (o && o->note) {
        fputs(" ", out);
        xml_text(out, o->note);
    }
    fputs("</text>\n", out);
    scale_bar(&p, map_w, width - margin - map_w / 5 - 60, ly - 4, out);
    fputs("</svg>\n", out);
    return ferror(out) ? vw_err_set(err, VW_E_IO, "writing the SVG failed") : 0;
}

/* ---- the helpers netmap.c shares (map_int.h) ------------------------------- */

bool vw_mapi_present(const msgpack_object *o) { return o && o->type != MSGPACK_OBJECT_NIL; }
void vw_mapi_pack(msgpack_packer *pk, const msgpack_object *o)
{
    if (o)
        msgpack_pack_object(pk, *o);
    else
        msgpack_pack_nil(pk);
}
void vw_mapi_feature_head(msgpack_packer *pk, const char *kind, uint32_t nprops)
{
    msgpack_pack_map(pk, 3);
    vw_pack_kv_str(pk, "type", "Feature");
    vw_pack_cstr(pk, "properties");
    msgpack_pack_map(pk, nprops + 1);
    vw_pack_kv_str(pk, "kind", kind);
}
void vw_mapi_point(msgpack_packer *pk, const msgpack_object *lon, const msgpack_object *lat)
{
    vw_pack_cstr(pk, "geometry");
    msgpack_pack_map(pk, 2);
    vw_pack_kv_str(pk, "type", "Point");
    vw_pack_cstr(pk, "coordinates");
    msgpack_pack_array(pk, 2);
    vw_mapi_pack(pk, lon);
    vw_mapi_pack(pk, lat);
}
bool vw_mapi_kind_is(const msgpack_object *feature, const char *kind)
{
    return vw_mp_is(vw_mp_get(vw_mp_get(feature, "properties"), "kind"), kind);
}
const msgpack_object *vw_mapi_at(const msgpack_object *o, uint32_t i)
{
    return i < vw_mapi_len(o) ? &o->via.array.ptr[i] : NULL;
}
uint32_t vw_mapi_len(const msgpack_object *o)
{
    return o && o->type == MSGPACK_OBJECT_ARRAY ? o->via.array.size : 0;
}
double vw_mapi_num(const msgpack_object *o)
{
    double d = 0;
    vw_obj_number(o, &d);
    return d;
}
bool vw_mapi_region_bounds(const msgpack_object *features, vw_mapi_proj *p)
{
    *p = (proj){INFINITY, INFINITY, -INFINITY, -INFINITY, 0, 0, 0, 0};
    VW_MAPI_EACH(f, features) {
        if (vw_mapi_kind_is(f, "region"))
            walk(vw_mp_get(f, "geometry"), extend, p);
    }
    if (!(p->max_lon > p->min_lon && p->max_lat > p->min_lat))
        return false;
    p->kx = cos((p->min_lat + p->max_lat) / 2 * M_PI / 180.0);
    return true;
}
void vw_mapi_px(const vw_mapi_proj *p, double lon, double lat, double *x, double *y)
{
    px(p, lon, lat, x, y);
}
void vw_mapi_walk(const msgpack_object *geom, vw_mapi_coord_fn fn, void *ctx)
{
    walk(geom, fn, ctx);
}
void vw_mapi_path_point(void *ctx, double lon, double lat, int ring_pos)
{
    path_point(ctx, lon, lat, ring_pos);
}
void vw_mapi_draw_kind(const msgpack_object *features, const char *kind, const vw_mapi_proj *p,
                       FILE *out, const char *style)
{
    draw_kind(features, kind, p, out, style);
}
void vw_mapi_text(FILE *out, const char *s) { xml_text(out, s); }
void vw_mapi_text_n(FILE *out, const char *s, size_t n) { xml_text_n(out, s, n); }
void vw_mapi_text_obj(FILE *out, const msgpack_object *s) { xml_text_obj(out, s); }
void vw_mapi_scale_bar(const vw_mapi_proj *p, double map_w, double x0, double y0, FILE *out)
{
    scale_bar(p, map_w, x0, y0, out);
}
