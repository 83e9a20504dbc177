/* test_map.c -- the coverage and network maps on msgpack (geodata/map.c,
 * geodata/netmap.c): the FeatureCollection packed from a small op result and
 * written by the one JSON writer (proto/mpjson.h), the titles, the SVG drawn
 * from the unpacked collection (region label inside its polygon via GEOS,
 * a white spot without a cell as a dot, places, XML escaping), and the
 * errors for a result that is none. */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/map.h"
#include "geodata/netmap.h"
#include "proto/mpjson.h"
#include "proto/msg.h"
#include "t.h"

typedef struct unpacked {
    msgpack_zone zone;
    msgpack_object obj;
} unpacked;

static int unpack(unpacked *u, const msgpack_sbuffer *sb)
{
    vw_err err;
    msgpack_zone_init(&u->zone, 1024);
    return vw_msg_unpack((const uint8_t *)sb->data, sb->size, &u->zone, &u->obj, &err);
}

static int mem_sink(void *ctx, const char *p, size_t n)
{
    return fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

/* The JSON text of o (caller frees). */
static char *json_of(const msgpack_object *o)
{
    char *txt = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&txt, &len);
    vw_mpjson_write(o, false, mem_sink, f);
    fclose(f);
    return txt;
}

/* The SVG of a collection (caller frees), NULL when drawing failed. */
static char *svg_of(const msgpack_object *fc, bool networks, const vw_map_opts *mo)
{
    char *txt = NULL;
    size_t len = 0;
    vw_err err;
    vw_netmap_opts no = {0};
    FILE *f = open_memstream(&txt, &len);
    int rc = networks ? vw_netmap_svg(fc, &no, f, &err) : vw_map_svg(fc, mo, f, &err);
    fclose(f);
    if (rc != 0) {
        free(txt);
        return NULL;
    }
    return txt;
}

static void pos(msgpack_packer *pk, double lon, double lat)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_double(pk, lon);
    msgpack_pack_double(pk, lat);
}

/* "geometry": a MultiPolygon of one square with a square hole. */
static void square(msgpack_packer *pk)
{
    static const double ring[2][5][2] = {
        {{6, 52}, {7, 52}, {7, 53}, {6, 53}, {6, 52}},
        {{6.4, 52.4}, {6.6, 52.4}, {6.6, 52.6}, {6.4, 52.6}, {6.4, 52.4}}};
    vw_pack_cstr(pk, "geometry");
    msgpack_pack_map(pk, 2);
    vw_pack_kv_str(pk, "type", "MultiPolygon");
    vw_pack_cstr(pk, "coordinates");
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 2);
    for (int r = 0; r < 2; r++) {
        msgpack_pack_array(pk, 5);
        for (int i = 0; i < 5; i++)
            pos(pk, ring[r][i][0], ring[r][i][1]);
    }
}

static void pack_coverage(msgpack_sbuffer *sb, bool with_geometry)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 9);
    vw_pack_kv_str(&pk, "scope", "oost");
    vw_pack_cstr(&pk, "need");
    msgpack_pack_map(&pk, 4);
    vw_pack_cstr(&pk, "discipline");
    msgpack_pack_array(&pk, 1);
    vw_pack_cstr(&pk, "fysiotherapeut");
    vw_pack_cstr(&pk, "expertise");
    msgpack_pack_array(&pk, 1);
    vw_pack_cstr(&pk, "oncologie");
    vw_pack_kv_int(&pk, "within", 15);
    vw_pack_kv_str(&pk, "mode", "bike");
    vw_pack_cstr(&pk, "total");
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_double(&pk, "share_population", 0.968);
    vw_pack_kv_double(&pk, "share_pc4", 0.94);
    vw_pack_kv_int(&pk, "white_spots_total", 3);
    vw_pack_kv_str(&pk, "time_source", "osrm");
    vw_pack_cstr(&pk, "regions");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 3);
    vw_pack_kv_str(&pk, "code", "oost");
    vw_pack_kv_str(&pk, "name", "Oost & <Co>");
    if (with_geometry) {
        square(&pk);
    } else {
        vw_pack_cstr(&pk, "geometry");
        msgpack_pack_nil(&pk);
    }
    vw_pack_cstr(&pk, "white_spots");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 5);
    vw_pack_kv_str(&pk, "pc4", "7500");
    vw_pack_kv_double(&pk, "lat", 52.25);
    vw_pack_kv_double(&pk, "lon", 6.75);
    vw_pack_cstr(&pk, "nearest");
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_double(&pk, "minutes", 22.5);
    vw_pack_kv_str(&pk, "time_source", "osrm");
    vw_pack_cstr(&pk, "cell");
    msgpack_pack_nil(&pk);
    vw_pack_cstr(&pk, "providers"); /* [lat, lon, id]; not a triple: left out */
    msgpack_pack_array(&pk, 2);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_double(&pk, 52.5);
    msgpack_pack_double(&pk, 6.1);
    msgpack_pack_uint64(&pk, 42);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_double(&pk, 52.5);
    msgpack_pack_double(&pk, 6.1);
    vw_pack_cstr(&pk, "places"); /* [name, lat, lon] */
    msgpack_pack_array(&pk, 1);
    msgpack_pack_array(&pk, 3);
    vw_pack_cstr(&pk, "Zwolle");
    msgpack_pack_double(&pk, 52.75);
    msgpack_pack_double(&pk, 6.125);
}

/* The coverage result (in rsb, unpacked in *res) and its collection (in
 * fsb, unpacked in *fc). */
static void coverage_fc(msgpack_sbuffer *rsb, msgpack_sbuffer *fsb, bool with_geometry,
                        unpacked *res, unpacked *fc)
{
    vw_err err;
    msgpack_sbuffer_clear(rsb);
    msgpack_sbuffer_clear(fsb);
    pack_coverage(rsb, with_geometry);
    CHECK(unpack(res, rsb) == 0);
    CHECK(vw_map_geojson(&res->obj, fsb, &err) == 0);
    CHECK(unpack(fc, fsb) == 0);
}

static void test_coverage_map(void)
{
    msgpack_sbuffer rsb, fsb;
    unpacked res, fc;
    vw_err err;
    msgpack_sbuffer_init(&rsb);
    msgpack_sbuffer_init(&fsb);
    coverage_fc(&rsb, &fsb, true, &res, &fc);
    char *json = json_of(&fc.obj);
    CHECK_STR(json,
              "{\"type\":\"FeatureCollection\",\"coverage\":{\"scope\":\"oost\",\"need\":"
              "{\"discipline\":[\"fysiotherapeut\"],\"expertise\":[\"oncologie\"],\"within\":15,"
              "\"mode\":\"bike\"},\"total\":{\"share_population\":0.968,\"share_pc4\":0.94},"
              "\"time_source\":\"osrm\",\"white_spots_total\":3,\"white_spots_in_file\":1,"
              "\"white_spots_complete\":false,\"cells\":\"white-spot cells approximate PC4 "
              "areas: Voronoi cells around the PC4 centroids, clipped to the region\"},"
              "\"features\":["
              "{\"type\":\"Feature\",\"properties\":{\"kind\":\"region\",\"code\":\"oost\","
              "\"name\":\"Oost & <Co>\"},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":"
              "[[[[6.0,52.0],[7.0,52.0],[7.0,53.0],[6.0,53.0],[6.0,52.0]],[[6.4,52.4],"
              "[6.6,52.4],[6.6,52.6],[6.4,52.6],[6.4,52.4]]]]}},"
              "{\"type\":\"Feature\",\"properties\":{\"kind\":\"white_spot\",\"pc4\":\"7500\","
              "\"lat\":52.25,\"lon\":6.75,\"nearest\":{\"minutes\":22.5,\"time_source\":\"osrm\"},"
              "\"nearest_minutes\":22.5,\"nearest_time_source\":\"osrm\"},\"geometry\":"
              "{\"type\":\"Point\",\"coordinates\":[6.75,52.25]}},"
              "{\"type\":\"Feature\",\"properties\":{\"kind\":\"provider\",\"id\":42},"
              "\"geometry\":{\"type\":\"Point\",\"coordinates\":[6.1,52.5]}},"
              "{\"type\":\"Feature\",\"properties\":{\"kind\":\"place\",\"name\":\"Zwolle\"},"
              "\"geometry\":{\"type\":\"Point\",\"coordinates\":[6.125,52.75]}}]}");
    free(json);

    vw_map_label_buf lb;
    vw_map_labels(&res.obj, "en", &lb);
    CHECK_STR(lb.title, "fysiotherapeut + oncologie within 15 min by bike");
    CHECK_STR(lb.subtitle, "Oost & <Co>: 96.8% of people and 94.0% of PC4 areas covered; "
                           "3 white spots (the map shows 1)");
    CHECK_STR(lb.note, "Travel times: osrm.");
    vw_map_labels(&res.obj, "nl", &lb);
    CHECK_STR(lb.subtitle, "Oost & <Co>: 96,8% van de mensen en 94,0% van de PC4-gebieden "
                           "gedekt; 3 witte vlekken (de kaart toont er 1)");

    vw_map_opts mo = {.title = "T", .subtitle = "S", .lang = "en", .width = 900};
    char *svg = svg_of(&fc.obj, false, &mo);
    CHECK(svg != NULL);
    CHECK(svg && strstr(svg, "<svg ") && strstr(svg, "</svg>\n"));
    CHECK(svg && strstr(svg, ">Oost &amp; &lt;Co&gt;</text>"));     /* the region's label */
    CHECK(svg && strstr(svg, ">Zwolle</text>"));                     /* a place */
    CHECK(svg && strstr(svg, "r=\"3\" fill=\"#d7301f\""));           /* the cell-less spot */
    CHECK(svg && strstr(svg, "<path fill-rule=\"evenodd\" fill=\"#cfe8cf\""));
    /* the label sits inside the polygon, not in its hole: GEOS PointOnSurface
     * of the geometry built from the msgpack positions */
    const char *x = svg ? strstr(svg, ">Oost &amp;") : NULL;
    while (x && x > svg && strncmp(x, "<text x=\"", 9) != 0)
        x--;
    double lx = 0, ly = 0;
    CHECK(x && sscanf(x, "<text x=\"%lf\" y=\"%lf\"", &lx, &ly) == 2);
    CHECK(lx > 20 && lx < 880 && ly > 70);
    free(svg);
    msgpack_zone_destroy(&fc.zone);
    msgpack_zone_destroy(&res.zone);

    /* no region geometry: the collection is written, the SVG refused */
    coverage_fc(&rsb, &fsb, false, &res, &fc);
    CHECK(svg_of(&fc.obj, false, &mo) == NULL);
    msgpack_zone_destroy(&fc.zone);
    msgpack_zone_destroy(&res.zone);

    /* not a coverage result */
    msgpack_sbuffer_clear(&fsb);
    CHECK(vw_map_geojson(NULL, &fsb, &err) == -1 && strcmp(err.code, VW_E_PROTOCOL) == 0);
    CHECK(vw_netmap_geojson(NULL, &fsb, &err) == -1 && fsb.size == 0);
    msgpack_sbuffer_destroy(&rsb);
    msgpack_sbuffer_destroy(&fsb);
}

static void test_network_map(void)
{
    msgpack_sbuffer rsb, fsb;
    msgpack_packer pk;
    unpacked res, fc;
    vw_err err;
    msgpack_sbuffer_init(&rsb);
    msgpack_sbuffer_init(&fsb);
    msgpack_packer_init(&pk, &rsb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 7);
    vw_pack_kv_str(&pk, "as_of", "2026-01-01");
    vw_pack_cstr(&pk, "kinds");
    msgpack_pack_array(&pk, 0);
    vw_pack_kv_int(&pk, "count", 2);
    vw_pack_cstr(&pk, "counts");
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_int(&pk, "palliatief", 1);
    vw_pack_kv_int(&pk, "zeldzaam", 2);
    vw_pack_cstr(&pk, "no_region");
    msgpack_pack_map(&pk, 1);
    vw_pack_kv_int(&pk, "palliatief", 1);
    vw_pack_cstr(&pk, "regions");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 4);
    vw_pack_kv_str(&pk, "code", "oost");
    vw_pack_kv_str(&pk, "name", "Oost");
    vw_pack_cstr(&pk, "counts");
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_int(&pk, "palliatief", 1);
    vw_pack_kv_int(&pk, "zeldzaam", 2); /* another kind: the "other" column */
    square(&pk);
    vw_pack_cstr(&pk, "networks"); /* one without members (no position): left out */
    msgpack_pack_array(&pk, 2);
    msgpack_pack_map(&pk, 5);
    vw_pack_kv_str(&pk, "id", "n1");
    vw_pack_kv_str(&pk, "kind", "palliatief");
    vw_pack_kv_bool(&pk, "active", true);
    vw_pack_kv_double(&pk, "lat", 52.5);
    vw_pack_kv_double(&pk, "lon", 6.5);
    msgpack_pack_map(&pk, 3);
    vw_pack_kv_str(&pk, "id", "n2");
    vw_pack_cstr(&pk, "lat");
    msgpack_pack_nil(&pk);
    vw_pack_cstr(&pk, "lon");
    msgpack_pack_nil(&pk);
    CHECK(unpack(&res, &rsb) == 0);
    CHECK(vw_netmap_geojson(&res.obj, &fsb, &err) == 0);
    CHECK(unpack(&fc, &fsb) == 0);
    char *json = json_of(&fc.obj);
    CHECK(json && strncmp(json, "{\"type\":\"FeatureCollection\",\"networks_map\":{\"as_of\":"
                                "\"2026-01-01\",\"kinds\":[],\"count\":2,", 72) == 0);
    CHECK(json && strstr(json, "{\"type\":\"Feature\",\"properties\":{\"kind\":\"network\","
                               "\"id\":\"n1\",\"name\":null,\"status\":null,\"active\":true,"
                               "\"region\":null,\"members\":null,\"network_kind\":\"palliatief\"},"
                               "\"geometry\":{\"type\":\"Point\",\"coordinates\":[6.5,52.5]}}]}"));
    CHECK(json && strstr(json, "\"n2\"") == NULL);
    free(json);
    char *svg = svg_of(&fc.obj, true, NULL);
    CHECK(svg && strstr(svg, "2 networks, status on 2026-01-01"));
    CHECK(svg && strstr(svg, "Palliative care network: 1 (1 active)"));
    CHECK(svg && strstr(svg, ">other</text>"));
    CHECK(svg && strstr(svg, "1 network(s) without a region"));
    free(svg);
    msgpack_zone_destroy(&fc.zone);
    msgpack_zone_destroy(&res.zone);
    msgpack_sbuffer_destroy(&rsb);
    msgpack_sbuffer_destroy(&fsb);
}

/* Rings GEOS cannot take (too few positions): drawn, but without a label. */
static void test_bad_rings(void)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    unpacked fc;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    vw_pack_cstr(&pk, "features");
    msgpack_pack_array(&pk, 2);
    for (int k = 0; k < 2; k++) {
        msgpack_pack_map(&pk, 2);
        vw_pack_cstr(&pk, "properties");
        msgpack_pack_map(&pk, 2);
        vw_pack_kv_str(&pk, "kind", "region");
        vw_pack_kv_str(&pk, "name", k ? "Multi" : "Single");
        vw_pack_cstr(&pk, "geometry");
        msgpack_pack_map(&pk, 2);
        vw_pack_kv_str(&pk, "type", k ? "MultiPolygon" : "Polygon");
        vw_pack_cstr(&pk, "coordinates");
        if (k) { /* a good polygon, then one with a good shell and a bad hole */
            msgpack_pack_array(&pk, 2);
            msgpack_pack_array(&pk, 1);
            msgpack_pack_array(&pk, 4);
            pos(&pk, 6, 52), pos(&pk, 7, 52), pos(&pk, 7, 53), pos(&pk, 6, 52);
            msgpack_pack_array(&pk, 2);
            msgpack_pack_array(&pk, 4);
            pos(&pk, 6, 52), pos(&pk, 7, 52), pos(&pk, 7, 53), pos(&pk, 6, 52);
            msgpack_pack_array(&pk, 2);
            pos(&pk, 6.5, 52.5), pos(&pk, 6.6, 52.6);
        } else {
            msgpack_pack_array(&pk, 1);
            msgpack_pack_array(&pk, 2);
            pos(&pk, 6, 52), pos(&pk, 7, 53);
        }
    }
    CHECK(unpack(&fc, &sb) == 0);
    vw_map_opts mo = {.width = 900};
    char *svg = svg_of(&fc.obj, false, &mo);
    CHECK(svg && strstr(svg, "M") && !strstr(svg, ">Single<") && !strstr(svg, ">Multi<"));
    free(svg);
    msgpack_zone_destroy(&fc.zone);
    msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
    test_coverage_map();
    test_bad_rings();
    test_network_map();
    return T_DONE();
}
