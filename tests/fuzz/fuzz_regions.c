/* fuzz_regions.c -- fuzzes the region import (geodata/regions_build.c): the
 * municipality GeoJSON reader (json-c, GEOS GeoJSON reader, repair, union)
 * and the mapping table reader; then, when a build succeeds, loads the WKB
 * it made (vw_regionset_new) and locates points, outlines regions and cuts
 * PC4 cells, as a snapshot load would.
 *
 * The first input byte picks the target: even = the rest is the GeoJSON
 * (with a fixed mapping CR01..CR07 -> the 7 regions), odd = the rest is the
 * mapping CSV (with fixed GeoJSON: 7 squares, GM0001..GM0007 in CR01..CR07).
 * Inputs are capped at 16 KiB so GEOS's union stays fast. Any outcome is fine
 * except a crash, a leak or undefined behaviour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geodata/regions.h"
#include "geodata/shape.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 16384

static const char fixed_mapping[] =
    "area,region,name\nCR01,noord,a\nCR02,oost,b\nCR03,midden,c\nCR04,noordwest,d\n"
    "CR05,west,e\nCR06,zuidwest,f\nCR07,zuidoost,g\n";

static char geo_path[64], map_path[64];

static void cleanup(void)
{
    unlink(geo_path);
    unlink(map_path);
}


/* Seven 0.3-degree squares across the Netherlands, one per COROP code. */
static size_t fixed_geojson(char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (int i = 0; i < 7; i++) {
        double x = 4.0 + 0.4 * i, y = 51.5 + 0.2 * (i % 3);
        n += (size_t)snprintf(out + n, cap - n,
                              "%s{\"type\":\"Feature\",\"properties\":{\"statcode\":\"GM%04d\","
                              "\"corop_gebied\":\"CR%02d\"},\"geometry\":{\"type\":\"Polygon\","
                              "\"coordinates\":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}",
                              i ? "," : "", i + 1, i + 1, x, y, x + 0.3, y, x + 0.3, y + 0.3, x,
                              y + 0.3, x, y);
    }
    n += (size_t)snprintf(out + n, cap - n, "]}");
    return n;
}

static void diag(void *ctx, const char *where, long line, bool error, const char *reason)
{
    (void)ctx;
    (void)where;
    (void)line;
    (void)error;
    (void)reason;
}

static void exercise(const vw_regions_built *b)
{
    vw_err err;
    vw_regionset *rs = vw_regionset_new((const unsigned char *const *)b->wkb, b->wkb_len, &err);
    if (rs == NULL)
        return;
    double lat[5] = {51.6, 51.7, 52.0, 53.0, 51.65}, lon[5] = {4.1, 4.5, 5.0, 6.0, 5.3};
    int reg[5];
    vw_shape *cells[5] = {NULL};
    for (int i = 0; i < 5; i++)
        reg[i] = vw_regionset_locate(rs, lat[i], lon[i]);
    for (int r = 0; r < VW_REGION_COUNT; r++)
        vw_shape_free(vw_regionset_outline(rs, r));
    if (vw_regionset_cells(rs, 5, lat, lon, reg, cells, &err) == 0)
        for (int i = 0; i < 5; i++)
            vw_shape_free(cells[i]);
    vw_regionset_free(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char geo[4096];
    if (size < 1 || size > MAX_INPUT)
        return 0;
    static bool cleanup_registered;
    if (!cleanup_registered) {
        atexit(cleanup);
        cleanup_registered = true;
    }
    bool mapping_fuzzed = data[0] & 1;
    int rc;
    if (mapping_fuzzed) {
        size_t n = fixed_geojson(geo, sizeof geo);
        rc = vw_fuzz_write_file(geo_path, "regions_geo", geo, n) |
             vw_fuzz_write_file(map_path, "regions_map", data + 1, size - 1);
    } else {
        rc = vw_fuzz_write_file(geo_path, "regions_geo", data + 1, size - 1) |
             vw_fuzz_write_file(map_path, "regions_map", fixed_mapping, sizeof fixed_mapping - 1);
    }
    if (rc != 0)
        return 0;
    vw_regions_built b;
    vw_err err;
    if (vw_regions_build(geo_path, map_path, diag, NULL, &b, &err) == 0) {
        exercise(&b);
        vw_regions_built_free(&b);
    }
    return 0;
}
