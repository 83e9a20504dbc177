/* places.c -- the largest places of a map's scope, for its labels: the
 * `places` member of a coverage result with geometry (PROTOCOL.md). A place
 * is the name the PC4 table gives its PC4s; its population is the sum over
 * those PC4s and its label point their population-weighted centroid, so the
 * label sits where the people live. Built per request from the snapshot in
 * one pass over the PC4s with a bounded open-addressing table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops_int.h"

#define PLACES_TABLE 8192u /* > the 4,800 PC4s of the country, a power of two */

typedef struct place_acc {
    const char *name; /* NULL: empty slot */
    uint64_t population;
    double wlat, wlon; /* population-weighted sums */
} place_acc;

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int by_population(const void *a, const void *b)
{
    const place_acc *x = a, *y = b;
    if (x->population != y->population)
        return x->population > y->population ? -1 : 1;
    return strcmp(x->name, y->name);
}

void vw_opp_places(msgpack_packer *pk, const vw_snapshot *s, int region, uint32_t max)
{
    place_acc *t = calloc(PLACES_TABLE, sizeof *t);
    uint32_t used = 0;
    uint32_t n = vw_snapshot_pc4_count(s);
    for (uint32_t k = 0; t && k < n && used < PLACES_TABLE / 2; k++) {
        vw_pc4_info info;
        vw_snapshot_pc4_at(s, k, &info);
        if (info.place == NULL || info.place[0] == '\0' || info.population == 0 ||
            (region >= 0 && info.region != region))
            continue;
        uint32_t i = name_hash(info.place) & (PLACES_TABLE - 1);
        while (t[i].name && strcmp(t[i].name, info.place) != 0)
            i = (i + 1) & (PLACES_TABLE - 1);
        if (t[i].name == NULL) {
            t[i].name = info.place;
            used++;
        }
        t[i].population += info.population;
        t[i].wlat += info.lat * info.population;
        t[i].wlon += info.lon * info.population;
    }
    uint32_t m = 0;
    for (uint32_t i = 0; t && i < PLACES_TABLE; i++)
        if (t[i].name)
            t[m++] = t[i];
    if (t)
        qsort(t, m, sizeof *t, by_population);
    if (m > max)
        m = max;
    msgpack_pack_array(pk, m);
    for (uint32_t i = 0; i < m; i++) {
        msgpack_pack_array(pk, 3);
        vw_pack_cstr(pk, t[i].name);
        /* 3 decimals (~100 m): a label point of a town, no one's address. */
        msgpack_pack_double(pk, round(t[i].wlat / (double)t[i].population * 1e3) / 1e3);
        msgpack_pack_double(pk, round(t[i].wlon / (double)t[i].population * 1e3) / 1e3);
    }
    free(t);
}
