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
#include <string.h>

#include "geo.h"
#include "map_int.h"

#define COLOR_COVERED "#cfe8cf"
#define COLOR_UNCOVERED "#d7301f"
#define COLOR_BORDER "#4d4d4d"
#define COLOR_PROVIDER "#08519c"

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return (o && json_object_object_get_ex(o, key, &v)) ? v : NULL;
}


/* A GeoJSON Point; takes a reference to neither argument's owner. */
static json_object *point(json_object *lon, json_object *lat)
{
    json_object *pt = json_object_new_object(), *c = json_object_new_array();
    json_object_object_add(pt, "type", json_object_new_string("Point"));
    json_object_array_add(c, json_object_get(lon));
    json_object_array_add(c, json_object_get(lat));
    json_object_object_add(pt, "coordinates", c);
    return pt;
}

/* Copies every member of `from` except `skip` into the feature's properties. */
static void copy_props(json_object *f, json_object *from, const char *skip)
{
    json_object *props = get(f, "properties");
    json_object_object_foreach(from, k, v) {
        if (strcmp(k, skip) != 0)
            json_object_object_add(props, k, json_object_get(v));
    }
}

json_object *vw_map_geojson(json_object *res, vw_err *err)
{
    json_object *regions = get(res, "regions"), *spots = get(res, "white_spots"),
                *providers = get(res, "providers");
    if (!json_object_is_type(regions, json_type_array) ||
        !json_object_is_type(spots, json_type_array)) {
        vw_err_set(err, VW_E_PROTOCOL, "the coverage result has no regions / white_spots");
        return NULL;
    }
    json_object *fc = json_object_new_object(), *features = json_object_new_array();
    json_object_object_add(fc, "type", json_object_new_string("FeatureCollection"));
    /* The figures of the run: a foreign member (RFC 7946 section 6.1), not
     * "properties", which section 7.1 forbids on a FeatureCollection. It says
     * how many white spots there are and how many are features here, so a
     * cut list never passes for the whole. */
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "scope", json_object_get(get(res, "scope")));
    json_object_object_add(meta, "need", json_object_get(get(res, "need")));
    json_object_object_add(meta, "total", json_object_get(get(res, "total")));
    if (get(res, "time_source"))
        json_object_object_add(meta, "time_source", json_object_get(get(res, "time_source")));
    int64_t spots_total = json_object_get_int64(get(res, "white_spots_total"));
    int64_t spots_listed = (int64_t)json_object_array_length(spots);
    json_object_object_add(meta, "white_spots_total", json_object_new_int64(spots_total));
    json_object_object_add(meta, "white_spots_in_file", json_object_new_int64(spots_listed));
    json_object_object_add(meta, "white_spots_complete",
                           json_object_new_boolean(spots_listed >= spots_total));
    json_object_object_add(meta, "cells", json_object_new_string(
        "white-spot cells approximate PC4 areas: Voronoi cells around the PC4 centroids, "
        "clipped to the region"));
    json_object_object_add(fc, "coverage", meta);
    json_object_object_add(fc, "features", features);
    for (size_t i = 0; i < json_object_array_length(regions); i++) {
        json_object *r = json_object_array_get_idx(regions, i), *g = get(r, "geometry");
        if (g == NULL || json_object_is_type(g, json_type_null))
            continue;
        json_object *f = vw_mapi_feature("region", json_object_get(g));
        copy_props(f, r, "geometry");
        json_object_array_add(features, f);
    }
    for (size_t i = 0; i < json_object_array_length(spots); i++) {
        json_object *s = json_object_array_get_idx(spots, i), *g = get(s, "cell");
        /* A PC4 without a cell (its centroid fell outside the region's
         * polygon) is still a white spot: a point at its centroid. */
        if (g == NULL || json_object_is_type(g, json_type_null))
            g = point(get(s, "lon"), get(s, "lat"));
        else
            json_object_get(g);
        json_object *f = vw_mapi_feature("white_spot", g);
        copy_props(f, s, "cell");
        json_object *near = get(s, "nearest");
        json_object *props = get(f, "properties");
        json_object_object_add(props, "nearest_minutes",
                               json_object_get(get(near, "minutes")));
        json_object_object_add(props, "nearest_time_source",
                               json_object_get(get(near, "time_source")));
        json_object_array_add(features, f);
    }
    for (size_t i = 0; providers && i < json_object_array_length(providers); i++) {
        json_object *p = json_object_array_get_idx(providers, i);
        if (json_object_array_length(p) != 3)
            continue;
        json_object *f = vw_mapi_feature("provider", point(json_object_array_get_idx(p, 1),
                                                   json_object_array_get_idx(p, 0)));
        json_object_object_add(get(f, "properties"), "id",
                               json_object_get(json_object_array_get_idx(p, 2)));
        json_object_array_add(features, f);
    }
    json_object *places = get(res, "places");
    for (size_t i = 0; places && json_object_is_type(places, json_type_array) &&
                       i < json_object_array_length(places); i++) {
        json_object *pl = json_object_array_get_idx(places, i);
        if (json_object_array_length(pl) != 3)
            continue;
        json_object *f = vw_mapi_feature("place", point(json_object_array_get_idx(pl, 2),
                                                json_object_array_get_idx(pl, 1)));
        json_object_object_add(get(f, "properties"), "name",
                               json_object_get(json_object_array_get_idx(pl, 0)));
        json_object_array_add(features, f);
    }
    return fc;
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
static void walk(json_object *geom, coord_fn fn, void *ctx)
{
    const char *type = json_object_get_string(get(geom, "type"));
    json_object *coords = get(geom, "coordinates");
    if (type == NULL || coords == NULL)
        return;
    bool multi = strcmp(type, "MultiPolygon") == 0;
    if (!multi && strcmp(type, "Polygon") != 0)
        return;
    size_t np = multi ? json_object_array_length(coords) : 1;
    for (size_t p = 0; p < np; p++) {
        json_object *poly = multi ? json_object_array_get_idx(coords, p) : coords;
        for (size_t r = 0; r < json_object_array_length(poly); r++) {
            json_object *ring = json_object_array_get_idx(poly, r);
            for (size_t i = 0; i < json_object_array_length(ring); i++) {
                json_object *pos = json_object_array_get_idx(ring, i);
                fn(ctx, json_object_get_double(json_object_array_get_idx(pos, 0)),
                   json_object_get_double(json_object_array_get_idx(pos, 1)), (int)i);
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

static void draw_kind(json_object *features, const char *kind, const proj *p, FILE *out,
                      const char *style)
{
    path_ctx c = {p, out};
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *f = json_object_array_get_idx(features, i);
        const char *k = json_object_get_string(get(get(f, "properties"), "kind"));
        if (k == NULL || strcmp(k, kind) != 0)
            continue;
        json_object *g = get(f, "geometry");
        const char *type = json_object_get_string(get(g, "type"));
        if (type && strcmp(type, "Point") == 0) { /* a white spot without a cell */
            json_object *xy = get(g, "coordinates");
            double x, y;
            px(p, json_object_get_double(json_object_array_get_idx(xy, 0)),
               json_object_get_double(json_object_array_get_idx(xy, 1)), &x, &y);
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" %s/>\n", x, y, style);
            continue;
        }
        fprintf(out, "<path fill-rule=\"evenodd\" %s d=\"", style);
        walk(g, path_point, &c);
        fputs("\"/>\n", out);
    }
}

static void xml_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

static void draw_providers(json_object *features, const proj *p, FILE *out)
{
    fprintf(out, "<g fill=\"%s\" fill-opacity=\"0.75\">\n", COLOR_PROVIDER);
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *f = json_object_array_get_idx(features, i);
        const char *k = json_object_get_string(get(get(f, "properties"), "kind"));
        if (k == NULL || strcmp(k, "provider") != 0)
            continue;
        json_object *c = get(get(f, "geometry"), "coordinates");
        double x, y;
        px(p, json_object_get_double(json_object_array_get_idx(c, 0)),
           json_object_get_double(json_object_array_get_idx(c, 1)), &x, &y);
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>\n", x, y);
    }
    fputs("</g>\n", out);
}


/* A point inside the region's polygon for its label (GEOS PointOnSurface of
 * the GeoJSON geometry). false when GEOS cannot read it. */
static bool label_point(GEOSContextHandle_t h, json_object *geometry, double *lon, double *lat)
{
    GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(h);
    GEOSGeometry *g = r ? GEOSGeoJSONReader_readGeometry_r(h, r, json_object_to_json_string(geometry))
                        : NULL;
    GEOSGeometry *pt = g ? GEOSPointOnSurface_r(h, g) : NULL;
    bool ok = pt && GEOSGeomGetX_r(h, pt, lon) == 1 && GEOSGeomGetY_r(h, pt, lat) == 1;
    if (pt)
        GEOSGeom_destroy_r(h, pt);
    if (g)
        GEOSGeom_destroy_r(h, g);
    if (r)
        GEOSGeoJSONReader_destroy_r(h, r);
    return ok;
}

/* Each region's name on a white halo, so it reads over cells and dots. */
static void draw_region_labels(json_object *features, const proj *p, FILE *out)
{
    GEOSContextHandle_t h = GEOS_init_r();
    if (h == NULL)
        return;
    fputs("<g font-size=\"15\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#222\" "
          "stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\n", out);
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *f = json_object_array_get_idx(features, i), *props = get(f, "properties");
        const char *k = json_object_get_string(get(props, "kind"));
        const char *name = json_object_get_string(get(props, "name"));
        double lon, lat, x, y;
        if (k == NULL || strcmp(k, "region") != 0 || name == NULL ||
            !label_point(h, get(f, "geometry"), &lon, &lat))
            continue;
        px(p, lon, lat, &x, &y);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x, y);
        xml_text(out, name);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);
    GEOS_finish_r(h);
}

/* Place names (features of kind "place": the largest places of the scope)
 * as small labels beside a dot. */
static void draw_places(json_object *features, const proj *p, FILE *out)
{
    fputs("<g font-size=\"11\" fill=\"#333\" stroke=\"#ffffff\" stroke-width=\"2.5\" "
          "paint-order=\"stroke\">\n", out);
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *f = json_object_array_get_idx(features, i), *props = get(f, "properties");
        const char *k = json_object_get_string(get(props, "kind"));
        const char *name = json_object_get_string(get(props, "name"));
        if (k == NULL || strcmp(k, "place") != 0 || name == NULL)
            continue;
        json_object *c = get(get(f, "geometry"), "coordinates");
        double x, y;
        px(p, json_object_get_double(json_object_array_get_idx(c, 0)),
           json_object_get_double(json_object_array_get_idx(c, 1)), &x, &y);
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"#333\" stroke=\"none\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">", x, y, x + 4, y - 3);
        xml_text(out, name);
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

static double num(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
               ? json_object_get_double(v)
               : 0;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

/* The strings of an array joined by ", " (cut to cap). */
static void join(json_object *arr, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; json_object_is_type(arr, json_type_array) &&
                       i < json_object_array_length(arr) && used < cap;
         i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (json_object_is_type(e, json_type_string))
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? ", " : "",
                                     json_object_get_string(e));
    }
}

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

void vw_map_labels(json_object *res, const char *lang, vw_map_label_buf *out)
{
    json_object *need = get(res, "need"), *total = get(res, "total"),
                *regions = get(res, "regions"), *spots = get(res, "white_spots");
    bool nl = lang && strcmp(lang, "nl") == 0;
    char disc[160], exp[160], shown[96] = "", people[16], areas[16];
    const char *mode = str(need, "mode"), *name = "", *source = str(res, "time_source");
    join(get(need, "discipline"), disc, sizeof disc);
    join(get(need, "expertise"), exp, sizeof exp);
    if (strcmp(str(need, "view"), "networks") == 0)
        snprintf(out->title, sizeof out->title,
                 nl ? "Gecertificeerd netwerk met fysio, psychosociaal en dietist binnen %.0f min %s"
                    : "Certified network with fysio, psychosocial and dietist within %.0f min %s",
                 num(need, "within"), mode_words(mode, nl));
    else
        snprintf(out->title, sizeof out->title, "%.100s%s%.100s %s %.0f min %s%s", disc,
                 exp[0] ? " + " : "", exp, nl ? "binnen" : "within", num(need, "within"),
                 mode_words(mode, nl),
                 json_object_get_boolean(get(need, "accepting_only"))
                     ? (nl ? " (neemt nieuwe patienten aan)" : " (accepting)")
                     : "");
    /* How many white spots the map shows when the result lists fewer than
     * there are: a cut map never passes for the whole. */
    double n_total = num(res, "white_spots_total");
    double n_listed = json_object_is_type(spots, json_type_array)
                          ? (double)json_object_array_length(spots)
                          : 0;
    if (n_listed < n_total)
        snprintf(shown, sizeof shown, nl ? " (de kaart toont er %.0f)" : " (the map shows %.0f)",
                 n_listed);
    if (strcmp(str(res, "scope"), "all") != 0 && json_object_is_type(regions, json_type_array) &&
        json_object_array_length(regions) == 1)
        name = str(json_object_array_get_idx(regions, 0), "name");
    snprintf(people, sizeof people, "%.1f%%", 100 * num(total, "share_population"));
    snprintf(areas, sizeof areas, "%.1f%%", 100 * num(total, "share_pc4"));
    if (nl) { /* Dutch writes a decimal comma */
        char *c1 = strchr(people, '.'), *c2 = strchr(areas, '.');
        if (c1)
            *c1 = ',';
        if (c2)
            *c2 = ',';
    }
    snprintf(out->subtitle, sizeof out->subtitle,
             nl ? "%.63s: %s van de mensen en %s van de PC4-gebieden gedekt; %.0f witte vlekken%s"
                : "%.63s: %s of people and %s of PC4 areas covered; %.0f white spots%s",
             name[0] ? name : (nl ? "Nederland" : "Netherlands"), people, areas, n_total, shown);
    out->note[0] = '\0';
    if (source[0])
        snprintf(out->note, sizeof out->note, nl ? "Reistijden: %.15s." : "Travel times: %.15s.",
                 source);
}

int vw_map_svg(json_object *fc, const vw_map_opts *o, FILE *out, vw_err *err)
{
    json_object *features = get(fc, "features");
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

json_object *vw_mapi_get(json_object *o, const char *key) { return get(o, key); }
json_object *vw_mapi_feature(const char *kind, json_object *geometry)
{
    json_object *f = json_object_new_object(), *props = json_object_new_object();
    json_object_object_add(f, "type", json_object_new_string("Feature"));
    json_object_object_add(props, "kind", json_object_new_string(kind));
    json_object_object_add(f, "properties", props);
    json_object_object_add(f, "geometry", geometry);
    return f;
}
bool vw_mapi_region_bounds(json_object *features, vw_mapi_proj *p)
{
    *p = (proj){INFINITY, INFINITY, -INFINITY, -INFINITY, 0, 0, 0, 0};
    for (size_t i = 0; features && i < json_object_array_length(features); i++) {
        json_object *f = json_object_array_get_idx(features, i);
        const char *k = json_object_get_string(get(get(f, "properties"), "kind"));
        if (k && strcmp(k, "region") == 0)
            walk(get(f, "geometry"), extend, p);
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
void vw_mapi_walk(json_object *geom, vw_mapi_coord_fn fn, void *ctx) { walk(geom, fn, ctx); }
void vw_mapi_path_point(void *ctx, double lon, double lat, int ring_pos)
{
    path_point(ctx, lon, lat, ring_pos);
}
void vw_mapi_draw_kind(json_object *features, const char *kind, const vw_mapi_proj *p, FILE *out,
                       const char *style)
{
    draw_kind(features, kind, p, out, style);
}
void vw_mapi_text(FILE *out, const char *s) { xml_text(out, s); }
void vw_mapi_scale_bar(const vw_mapi_proj *p, double map_w, double x0, double y0, FILE *out)
{
    scale_bar(p, map_w, x0, y0, out);
}
