/* itest_geojson.c -- checks a GeoJSON file from `verwijs coverage --format
 * geojson`: a FeatureCollection whose every feature has a "kind" property
 * and a geometry that GEOS reads and finds valid. Prints the feature counts
 * per kind ("region=7 white_spot=310 provider=950 place=14 invalid=0"); exits
 * 1 on any problem, and when the collection carries a "properties" member
 * (RFC 7946 7.1) or lacks its "coverage" member. Usage: itest_geojson FILE */
#include <geos_c.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static void quiet(const char *msg, void *ud)
{
    (void)msg;
    (void)ud;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: itest_geojson FILE\n");
        return 2;
    }
    json_object *root = json_object_from_file(argv[1]), *type = NULL, *features = NULL;
    if (root == NULL || !json_object_object_get_ex(root, "type", &type) ||
        strcmp(json_object_get_string(type), "FeatureCollection") != 0 ||
        !json_object_object_get_ex(root, "features", &features) ||
        !json_object_is_type(features, json_type_array)) {
        fprintf(stderr, "%s: not a GeoJSON FeatureCollection\n", argv[1]);
        return 1;
    }
    json_object *member = NULL;
    if (json_object_object_get_ex(root, "properties", &member)) {
        fprintf(stderr, "%s: a FeatureCollection must not have \"properties\"\n", argv[1]);
        return 1;
    }
    if (!json_object_object_get_ex(root, "coverage", &member)) {
        fprintf(stderr, "%s: no \"coverage\" member\n", argv[1]);
        return 1;
    }
    GEOSContextHandle_t h = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(h, quiet, NULL);
    GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(h);
    int regions = 0, spots = 0, providers = 0, places = 0, invalid = 0, other = 0;
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *f = json_object_array_get_idx(features, i), *props, *kind, *geom;
        if (!json_object_object_get_ex(f, "properties", &props) ||
            !json_object_object_get_ex(props, "kind", &kind) ||
            !json_object_object_get_ex(f, "geometry", &geom)) {
            other++;
            continue;
        }
        const char *k = json_object_get_string(kind);
        GEOSGeometry *g = GEOSGeoJSONReader_readGeometry_r(
            h, rd, json_object_to_json_string_ext(geom, JSON_C_TO_STRING_PLAIN));
        if (g == NULL || GEOSisValid_r(h, g) != 1) {
            char *why = g ? GEOSisValidReason_r(h, g) : NULL;
            if (invalid++ < 5)
                fprintf(stderr, "feature %zu (%s): invalid geometry: %s\n", i, k,
                        why ? why : "unreadable");
            if (why)
                GEOSFree_r(h, why);
        }
        if (g)
            GEOSGeom_destroy_r(h, g);
        if (strcmp(k, "region") == 0)
            regions++;
        else if (strcmp(k, "white_spot") == 0)
            spots++;
        else if (strcmp(k, "provider") == 0)
            providers++;
        else if (strcmp(k, "place") == 0)
            places++;
        else
            other++;
    }
    printf("region=%d white_spot=%d provider=%d place=%d invalid=%d other=%d\n", regions, spots,
           providers, places, invalid, other);
    GEOSGeoJSONReader_destroy_r(h, rd);
    GEOS_finish_r(h);
    json_object_put(root);
    return invalid || other ? 1 : 0;
}
