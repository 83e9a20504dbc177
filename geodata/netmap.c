/* netmap.c -- the national network map (netmap.h): every network as a
 * marker by kind (shape and colour; filled when active on the day, hollow
 * when forming or expired) at the centre of its members, over the 7 IZA
 * regions, with a legend and a table of counts per region beside the map. */
#include "netmap.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "map_int.h"
#include "regions.h"

#define KINDS_DRAWN 4 /* the three known kinds, then "other" */

static const char *const region_fill[VW_REGION_COUNT] = {
    "#e3eef9", "#e6f2e1", "#fdf0dc", "#efe6f4", "#fce4e4", "#e0f1f1", "#f3efdf"};

/* Label anchors (lat, lon): inside the region where there is room, in the
 * sea beside the coast for the crowded Randstad regions (Noordwest, West),
 * Same order as vw_region_codes. */
static const double label_at[VW_REGION_COUNT][2] = {
    {53.05, 6.35}, {52.28, 6.55}, {52.19, 5.27}, {52.80, 4.05}, {52.30, 3.72}, {51.62, 4.05},
    {51.33, 5.85}};

typedef struct kind_style {
    const char *kind, *label, *color;
    char shape; /* c circle, d diamond, s square, t triangle */
} kind_style;

static const kind_style styles[KINDS_DRAWN] = {
    {"oncologiezorgnetwerk", "Oncology care network (NVPO)", "#1f5fa8", 'c'},
    {"palliatief", "Palliative care network", "#8e3b9b", 'd'},
    {"oncologienetwerk", "Hospital oncology network", "#e07b00", 's'},
    {NULL, "Other kind", "#555555", 't'}};

static int style_of(const char *kind)
{
    for (int k = 0; k < KINDS_DRAWN - 1; k++)
        if (kind && strcmp(kind, styles[k].kind) == 0)
            return k;
    return KINDS_DRAWN - 1;
}


json_object *vw_netmap_geojson(json_object *res, vw_err *err)
{
    json_object *regions = vw_mapi_get(res, "regions"), *nets = vw_mapi_get(res, "networks");
    if (!json_object_is_type(regions, json_type_array) ||
        !json_object_is_type(nets, json_type_array)) {
        vw_err_set(err, VW_E_PROTOCOL, "the networks.map result has no regions / networks");
        return NULL;
    }
    json_object *fc = json_object_new_object(), *features = json_object_new_array(),
                *meta = json_object_new_object();
    json_object_object_add(fc, "type", json_object_new_string("FeatureCollection"));
    static const char *const keep[] = {"as_of", "kinds", "count", "counts", "no_region"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        json_object_object_add(meta, keep[i], json_object_get(vw_mapi_get(res, keep[i])));
    /* a foreign member (RFC 7946 section 6.1): "properties" is forbidden
     * on a FeatureCollection (section 7.1) */
    json_object_object_add(fc, "networks_map", meta);
    json_object_object_add(fc, "features", features);
    for (size_t i = 0; i < json_object_array_length(regions); i++) {
        json_object *r = json_object_array_get_idx(regions, i), *g = vw_mapi_get(r, "geometry");
        if (g == NULL || json_object_is_type(g, json_type_null))
            continue;
        json_object *f = vw_mapi_feature("region", json_object_get(g));
        json_object *p = vw_mapi_get(f, "properties");
        json_object_object_add(p, "code", json_object_get(vw_mapi_get(r, "code")));
        json_object_object_add(p, "name", json_object_get(vw_mapi_get(r, "name")));
        json_object_object_add(p, "counts", json_object_get(vw_mapi_get(r, "counts")));
        json_object_array_add(features, f);
    }
    for (size_t i = 0; i < json_object_array_length(nets); i++) {
        json_object *n = json_object_array_get_idx(nets, i), *lat = vw_mapi_get(n, "lat"),
                    *lon = vw_mapi_get(n, "lon");
        if (lat == NULL || lon == NULL || json_object_is_type(lat, json_type_null))
            continue; /* no members: no position */
        json_object *pt = json_object_new_object(), *c = json_object_new_array();
        json_object_object_add(pt, "type", json_object_new_string("Point"));
        json_object_array_add(c, json_object_get(lon));
        json_object_array_add(c, json_object_get(lat));
        json_object_object_add(pt, "coordinates", c);
        json_object *f = vw_mapi_feature("network", pt), *p = vw_mapi_get(f, "properties");
        static const char *const copy[] = {"id", "name", "status", "active", "region", "members"};
        for (size_t k = 0; k < sizeof copy / sizeof copy[0]; k++)
            json_object_object_add(p, copy[k], json_object_get(vw_mapi_get(n, copy[k])));
        json_object_object_add(p, "network_kind", json_object_get(vw_mapi_get(n, "kind")));
        json_object_array_add(features, f);
    }
    return fc;
}

static void marker(FILE *out, const kind_style *st, bool filled, double x, double y, double r)
{
    const char *fill = filled ? st->color : "#ffffff";
    switch (st->shape) {
    case 'c':
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" stroke=\"%s\" "
                "stroke-width=\"1.6\"/>\n", x, y, r, fill, st->color);
        break;
    case 'd':
        fprintf(out, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\" "
                "stroke=\"%s\" stroke-width=\"1.6\"/>\n", x, y - r * 1.3, x + r * 1.3, y, x,
                y + r * 1.3, x - r * 1.3, y, fill, st->color);
        break;
    case 's':
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                "stroke=\"%s\" stroke-width=\"1.6\"/>\n", x - r, y - r, 2 * r, 2 * r, fill,
                st->color);
        break;
    default:
        fprintf(out, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\" stroke=\"%s\" "
                "stroke-width=\"1.6\"/>\n", x, y - r * 1.2, x + r * 1.1, y + r * 0.8, x - r * 1.1,
                y + r * 0.8, fill, st->color);
    }
}

static int count_of(json_object *counts, const char *kind)
{
    json_object *v = vw_mapi_get(counts, kind);
    return v ? json_object_get_int(v) : 0;
}

/* Counts of a kind-style column: the known kind, or every other kind. */
static int column(json_object *counts, int k)
{
    if (styles[k].kind)
        return count_of(counts, styles[k].kind);
    int n = 0;
    json_object_object_foreach(counts, key, v) {
        if (style_of(key) == KINDS_DRAWN - 1)
            n += json_object_get_int(v);
    }
    return n;
}

int vw_netmap_svg(json_object *fc, const vw_netmap_opts *o, FILE *out, vw_err *err)
{
    json_object *features = vw_mapi_get(fc, "features"), *meta = vw_mapi_get(fc, "networks_map");
    vw_mapi_proj p;
    if (!vw_mapi_region_bounds(features, &p))
        return vw_err_set(err, VW_E_INVALID, "nothing to draw: no region geometry "
                          "(were region polygons imported?)");
    int width = o && o->width > 0 ? o->width : 1200;
    double header = 86, margin = 24, panel = 430;
    double map_w = width - panel - 2 * margin;
    p.scale = map_w / ((p.max_lon - p.min_lon) * p.kx);
    double map_h = (p.max_lat - p.min_lat) * p.scale;
    p.ox = margin;
    p.oy = header;
    double height = header + map_h + 56;

    /* per kind: networks drawn, and how many are active */
    int drawn[KINDS_DRAWN] = {0}, active[KINDS_DRAWN] = {0};
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *props = vw_mapi_get(json_object_array_get_idx(features, i), "properties");
        const char *k = json_object_get_string(vw_mapi_get(props, "kind"));
        if (k == NULL || strcmp(k, "network") != 0)
            continue;
        int s = style_of(json_object_get_string(vw_mapi_get(props, "network_kind")));
        drawn[s]++;
        active[s] += json_object_get_boolean(vw_mapi_get(props, "active"));
    }

    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
            "viewBox=\"0 0 %d %.0f\" font-family=\"DejaVu Sans, sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
            width, height, width, height);
    fputs("<text x=\"24\" y=\"38\" font-size=\"24\" font-weight=\"bold\">", out);
    vw_mapi_text(out, o && o->title ? o->title
                                    : "Oncology and palliative networks in the Netherlands");
    fputs("</text>\n<text x=\"24\" y=\"64\" font-size=\"15\" fill=\"#333\">", out);
    if (o && o->subtitle) {
        vw_mapi_text(out, o->subtitle);
    } else {
        char line[200];
        snprintf(line, sizeof line, "%d networks, status on %s, over the 7 IZA oncology regions",
                 json_object_get_int(vw_mapi_get(meta, "count")),
                 json_object_get_string(vw_mapi_get(meta, "as_of")));
        vw_mapi_text(out, line);
    }
    fputs("</text>\n", out);

    /* regions: each its own pale fill, white borders, then labels */
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *f = json_object_array_get_idx(features, i);
        json_object *props = vw_mapi_get(f, "properties");
        const char *k = json_object_get_string(vw_mapi_get(props, "kind"));
        if (k == NULL || strcmp(k, "region") != 0)
            continue;
        const char *code = json_object_get_string(vw_mapi_get(props, "code"));
        int r = code ? vw_region_index(code, strlen(code)) : -1;
        vw_mapi_path_ctx c = {&p, out};
        fprintf(out, "<path fill-rule=\"evenodd\" fill=\"%s\" stroke=\"#ffffff\" "
                "stroke-width=\"2.5\" d=\"", r >= 0 ? region_fill[r] : "#eeeeee");
        vw_mapi_walk(vw_mapi_get(f, "geometry"), vw_mapi_path_point, &c);
        fputs("\"/>\n", out);
    }
    vw_mapi_draw_kind(features, "region", &p, out,
                      "fill=\"none\" stroke=\"#8a8a8a\" stroke-width=\"0.8\"");
    fputs("<g font-size=\"15\" font-weight=\"bold\" fill=\"#5a5a5a\" text-anchor=\"middle\" "
          "stroke=\"#ffffff\" stroke-width=\"4\" paint-order=\"stroke\">\n", out);
    for (int r = 0; r < VW_REGION_COUNT; r++) {
        double x, y;
        vw_mapi_px(&p, label_at[r][1], label_at[r][0], &x, &y);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x, y);
        vw_mapi_text(out, vw_region_names[r]);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);

    /* networks, kind by kind: the less numerous kinds are drawn last, on top */
    for (int ks = 0; ks < KINDS_DRAWN; ks++) {
        fprintf(out, "<g fill-opacity=\"0.9\">\n");
        for (size_t i = 0; i < json_object_array_length(features); i++) {
            json_object *f = json_object_array_get_idx(features, i);
            json_object *props = vw_mapi_get(f, "properties");
            const char *k = json_object_get_string(vw_mapi_get(props, "kind"));
            if (k == NULL || strcmp(k, "network") != 0 ||
                style_of(json_object_get_string(vw_mapi_get(props, "network_kind"))) != ks)
                continue;
            json_object *c = vw_mapi_get(vw_mapi_get(f, "geometry"), "coordinates");
            double x, y;
            vw_mapi_px(&p, json_object_get_double(json_object_array_get_idx(c, 0)),
                       json_object_get_double(json_object_array_get_idx(c, 1)), &x, &y);
            marker(out, &styles[ks], json_object_get_boolean(vw_mapi_get(props, "active")), x, y,
                   4.6);
        }
        fputs("</g>\n", out);
    }

    /* the panel: legend, then counts per region */
    double px0 = width - panel + 10, y = header + 10;
    fprintf(out, "<g font-size=\"14\">\n<text x=\"%.0f\" y=\"%.0f\" font-size=\"16\" "
            "font-weight=\"bold\">Networks by kind</text>\n", px0, y);
    y += 28;
    for (int s = 0; s < KINDS_DRAWN; s++) {
        if (s == KINDS_DRAWN - 1 && drawn[s] == 0)
            continue;
        marker(out, &styles[s], true, px0 + 8, y - 5, 5.5);
        fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">", px0 + 24, y);
        vw_mapi_text(out, styles[s].label);
        fprintf(out, ": %d (%d active)</text>\n", drawn[s], active[s]);
        y += 24;
    }
    marker(out, &styles[0], false, px0 + 8, y - 5, 5.5);
    fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" fill=\"#444\">hollow: forming, or certification "
            "expired</text>\n", px0 + 24, y);
    y += 20;
    fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" fill=\"#555\">Each network sits at "
            "the mean location of its members' practices.</text>\n", px0, y);
    y += 40;

    fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"16\" font-weight=\"bold\">Per "
            "region</text>\n", px0, y);
    y += 26;
    static const char *const head[KINDS_DRAWN] = {"NVPO", "pall.", "hosp.", "other"};
    int cols = drawn[KINDS_DRAWN - 1] || column(vw_mapi_get(meta, "counts"), KINDS_DRAWN - 1)
                   ? KINDS_DRAWN
                   : KINDS_DRAWN - 1; /* no "other" column without other kinds */
    double colx[KINDS_DRAWN + 1];
    for (int s = 0; s < cols; s++)
        colx[s] = px0 + 228 + 52 * s;
    colx[KINDS_DRAWN] = px0 + 228 + 52 * cols;
    fprintf(out, "<g font-weight=\"bold\" text-anchor=\"end\">");
    for (int s = 0; s < cols; s++)
        fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" fill=\"%s\">%s</text>", colx[s], y,
                styles[s].color, head[s]);
    fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">total</text></g>\n", colx[KINDS_DRAWN], y);
    fprintf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#999\"/>\n", px0,
            y + 6, colx[KINDS_DRAWN] + 4, y + 6);
    y += 24;
    int sum[KINDS_DRAWN + 1] = {0};
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *props = vw_mapi_get(json_object_array_get_idx(features, i), "properties");
        const char *k = json_object_get_string(vw_mapi_get(props, "kind"));
        if (k == NULL || strcmp(k, "region") != 0)
            continue;
        const char *code = json_object_get_string(vw_mapi_get(props, "code"));
        int r = code ? vw_region_index(code, strlen(code)) : -1;
        json_object *counts = vw_mapi_get(props, "counts");
        fprintf(out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\" "
                "stroke=\"#999\"/><text x=\"%.0f\" y=\"%.0f\">", px0, y - 11,
                r >= 0 ? region_fill[r] : "#eee", px0 + 18, y);
        vw_mapi_text(out, json_object_get_string(vw_mapi_get(props, "name")));
        fputs("</text><g text-anchor=\"end\">", out);
        int row = 0;
        for (int s = 0; s < KINDS_DRAWN; s++) {
            int v = column(counts, s);
            row += v;
            sum[s] += v;
            if (s < cols)
                fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">%d</text>", colx[s], y, v);
        }
        sum[KINDS_DRAWN] += row;
        fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-weight=\"bold\">%d</text></g>\n",
                colx[KINDS_DRAWN], y, row);
        y += 22;
    }
    fprintf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#999\"/>\n", px0,
            y - 14, colx[KINDS_DRAWN] + 4, y - 14);
    y += 4;
    fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-weight=\"bold\">Netherlands</text><g "
            "text-anchor=\"end\" font-weight=\"bold\">", px0 + 18, y);
    for (int s = 0; s <= KINDS_DRAWN; s++)
        if (s < cols || s == KINDS_DRAWN)
            fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">%d</text>", colx[s], y, sum[s]);
    fputs("</g>\n", out);
    y += 22;
    int none = 0;
    json_object_object_foreach(vw_mapi_get(meta, "no_region"), key, v) {
        (void)key;
        none += json_object_get_int(v);
    }
    if (none)
        fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" fill=\"#555\">%d network(s) "
                "without a region are not in the table.</text>\n", px0, y, none);
    fputs("</g>\n", out);
    vw_mapi_scale_bar(&p, map_w, margin + 10, header + map_h + 30, out);
    fputs("</svg>\n", out);
    return ferror(out) ? vw_err_set(err, VW_E_IO, "writing the SVG failed") : 0;
}
