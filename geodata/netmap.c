/* netmap.c -- the national network map (netmap.h): every network as a
 * marker by kind (shape and colour; filled when active on the day, hollow
 * when forming or expired) at the centre of its members, over the 7 IZA
 * regions, with a legend and a table of counts per region beside the map. */
#include "netmap.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "proto/msg.h"
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

/* The style of a network kind (a msgpack str; "other" for anything else). */
static int style_of(const msgpack_object *kind)
{
    for (int k = 0; k < KINDS_DRAWN - 1; k++)
        if (vw_mp_is(kind, styles[k].kind))
            return k;
    return KINDS_DRAWN - 1;
}


typedef msgpack_object mobj;

int vw_netmap_geojson(const msgpack_object *res, msgpack_sbuffer *out, vw_err *err)
{
    const mobj *regions = vw_mp_get(res, "regions"), *nets = vw_mp_get(res, "networks");
    if (regions == NULL || regions->type != MSGPACK_OBJECT_ARRAY || nets == NULL ||
        nets->type != MSGPACK_OBJECT_ARRAY)
        return vw_err_set(err, VW_E_PROTOCOL, "the networks.map result has no regions / networks");
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    vw_pack_kv_str(&pk, "type", "FeatureCollection");
    /* a foreign member (RFC 7946 section 6.1): "properties" is forbidden
     * on a FeatureCollection (section 7.1) */
    static const char *const keep[] = {"as_of", "kinds", "count", "counts", "no_region"};
    vw_pack_cstr(&pk, "networks_map");
    msgpack_pack_map(&pk, sizeof keep / sizeof keep[0]);
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        vw_pack_cstr(&pk, keep[i]);
        vw_mapi_pack(&pk, vw_mp_get(res, keep[i]));
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < regions->via.array.size; i++)
        n += vw_mapi_present(vw_mp_get(&regions->via.array.ptr[i], "geometry"));
    for (uint32_t i = 0; i < nets->via.array.size; i++) /* no members: no position */
        n += vw_mapi_present(vw_mp_get(&nets->via.array.ptr[i], "lat")) &&
             vw_mapi_present(vw_mp_get(&nets->via.array.ptr[i], "lon"));
    vw_pack_cstr(&pk, "features");
    msgpack_pack_array(&pk, n);
    for (uint32_t i = 0; i < regions->via.array.size; i++) {
        const mobj *r = &regions->via.array.ptr[i], *g = vw_mp_get(r, "geometry");
        if (!vw_mapi_present(g))
            continue;
        static const char *const copy[] = {"code", "name", "counts"};
        vw_mapi_feature_head(&pk, "region", sizeof copy / sizeof copy[0]);
        for (size_t k = 0; k < sizeof copy / sizeof copy[0]; k++) {
            vw_pack_cstr(&pk, copy[k]);
            vw_mapi_pack(&pk, vw_mp_get(r, copy[k]));
        }
        vw_pack_cstr(&pk, "geometry");
        msgpack_pack_object(&pk, *g);
    }
    for (uint32_t i = 0; i < nets->via.array.size; i++) {
        const mobj *nw = &nets->via.array.ptr[i], *lat = vw_mp_get(nw, "lat"),
                   *lon = vw_mp_get(nw, "lon");
        if (!vw_mapi_present(lat) || !vw_mapi_present(lon))
            continue;
        static const char *const copy[] = {"id", "name", "status", "active", "region", "members"};
        vw_mapi_feature_head(&pk, "network", sizeof copy / sizeof copy[0] + 1);
        for (size_t k = 0; k < sizeof copy / sizeof copy[0]; k++) {
            vw_pack_cstr(&pk, copy[k]);
            vw_mapi_pack(&pk, vw_mp_get(nw, copy[k]));
        }
        vw_pack_cstr(&pk, "network_kind");
        vw_mapi_pack(&pk, vw_mp_get(nw, "kind"));
        vw_mapi_point(&pk, lon, lat);
    }
    return 0;
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

static int count_of(const mobj *counts, const char *kind)
{
    return (int)vw_mp_num(counts, kind, 0);
}

/* Counts of a kind-style column: the known kind, or every other kind. */
static int column(const mobj *counts, int k)
{
    if (styles[k].kind)
        return count_of(counts, styles[k].kind);
    int n = 0;
    for (uint32_t i = 0; counts && counts->type == MSGPACK_OBJECT_MAP && i < counts->via.map.size;
         i++)
        if (style_of(&counts->via.map.ptr[i].key) == KINDS_DRAWN - 1)
            n += (int)vw_mapi_num(&counts->via.map.ptr[i].val);
    return n;
}

static const mobj *prop(const mobj *feature, const char *key)
{
    return vw_mp_get(vw_mp_get(feature, "properties"), key);
}

static int region_of(const mobj *feature)
{
    const mobj *code = prop(feature, "code");
    return code && code->type == MSGPACK_OBJECT_STR
               ? vw_region_index(code->via.str.ptr, code->via.str.size)
               : -1;
}

int vw_netmap_svg(const msgpack_object *fc, const vw_netmap_opts *o, FILE *out, vw_err *err)
{
    const mobj *features = vw_mp_get(fc, "features"), *meta = vw_mp_get(fc, "networks_map");
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
    VW_MAPI_EACH(f, features) {
        if (!vw_mapi_kind_is(f, "network"))
            continue;
        int s = style_of(prop(f, "network_kind"));
        drawn[s]++;
        active[s] += vw_mp_bool(vw_mp_get(f, "properties"), "active");
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
        char line[200], as_of[32];
        snprintf(line, sizeof line, "%d networks, status on %s, over the 7 IZA oncology regions",
                 (int)vw_mp_num(meta, "count", 0), vw_mp_str(meta, "as_of", as_of, sizeof as_of));
        vw_mapi_text(out, line);
    }
    fputs("</text>\n", out);

    /* regions: each its own pale fill, white borders, then labels */
    VW_MAPI_EACH(f, features) {
        if (!vw_mapi_kind_is(f, "region"))
            continue;
        int r = region_of(f);
        vw_mapi_path_ctx c = {&p, out};
        fprintf(out, "<path fill-rule=\"evenodd\" fill=\"%s\" stroke=\"#ffffff\" "
                "stroke-width=\"2.5\" d=\"", r >= 0 ? region_fill[r] : "#eeeeee");
        vw_mapi_walk(vw_mp_get(f, "geometry"), vw_mapi_path_point, &c);
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
        VW_MAPI_EACH(f, features) {
            if (!vw_mapi_kind_is(f, "network") || style_of(prop(f, "network_kind")) != ks)
                continue;
            const mobj *c = vw_mp_get(vw_mp_get(f, "geometry"), "coordinates");
            double x, y;
            vw_mapi_px(&p, vw_mapi_num(vw_mapi_at(c, 0)), vw_mapi_num(vw_mapi_at(c, 1)), &x, &y);
            marker(out, &styles[ks], vw_mp_bool(vw_mp_get(f, "properties"), "active"), x, y,
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
    int cols = drawn[KINDS_DRAWN - 1] || column(vw_mp_get(meta, "counts"), KINDS_DRAWN - 1)
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
    VW_MAPI_EACH(f, features) {
        if (!vw_mapi_kind_is(f, "region"))
            continue;
        int r = region_of(f);
        const mobj *counts = prop(f, "counts");
        fprintf(out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\" "
                "stroke=\"#999\"/><text x=\"%.0f\" y=\"%.0f\">", px0, y - 11,
                r >= 0 ? region_fill[r] : "#eee", px0 + 18, y);
        vw_mapi_text_obj(out, prop(f, "name"));
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
    const mobj *no_region = vw_mp_get(meta, "no_region");
    for (uint32_t i = 0; no_region && no_region->type == MSGPACK_OBJECT_MAP &&
                         i < no_region->via.map.size;
         i++)
        none += (int)vw_mapi_num(&no_region->via.map.ptr[i].val);
    if (none)
        fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" fill=\"#555\">%d network(s) "
                "without a region are not in the table.</text>\n", px0, y, none);
    fputs("</g>\n", out);
    vw_mapi_scale_bar(&p, map_w, margin + 10, header + map_h + 30, out);
    fputs("</svg>\n", out);
    return ferror(out) ? vw_err_set(err, VW_E_IO, "writing the SVG failed") : 0;
}
