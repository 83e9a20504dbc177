/* import_places.c -- importing places with population
 * (name,lat,lon,population[,geonameid]; ../shared/geodata-nl/places_nl.csv).
 * They weight the PC4 demand points of coverage (see docs/GEOGRAPHY.md).
 *
 * Errors: empty name, coordinates that are not plain numbers or lie outside
 * the Netherlands, a population that is not a whole number 0..50,000,000, a
 * geonameid that is not a positive whole number or appears twice. */
#include <stdlib.h>
#include <string.h>

#include "import.h"

#define NAME_MAX_BYTES 200
#define POP_MAX 50000000LL

enum { C_NAME, C_LAT, C_LON, C_POP, C_GEONAMEID, C_N };
static const imp_col cols[C_N] = {
    {"name", true}, {"lat", true}, {"lon", true}, {"population", true}, {"geonameid", false}};

typedef struct places_state {
    sqlite3_stmt *ins, *seen;
} places_state;

static int begin(vw_imp *im)
{
    places_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
    im->state = s;
    if (sqlite3_exec(im->db, "DELETE FROM places", NULL, NULL, NULL) != SQLITE_OK)
        return imp_db_error(im, "clearing places");
    if (imp_prepare(im, &s->ins, "INSERT INTO places(name, lat, lon, population, geonameid) "
                                 "VALUES (?, ?, ?, ?, ?)") != 0)
        return -1;
    return imp_prepare(im, &s->seen, "SELECT 1 FROM places WHERE geonameid = ?");
}

/* A whole decimal number in 0..max; 0 ok, -1 invalid. */
static int parse_count(const char *s, size_t len, long long max, long long *out)
{
    long long v = 0;
    if (len == 0 || len > 12)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int row(vw_imp *im, char **f, size_t *len)
{
    places_state *s = im->state;
    double lat, lon;
    long long pop, gid = 0;
    if (len[C_NAME] == 0)
        return imp_reject(im, "name is empty");
    if (len[C_NAME] > NAME_MAX_BYTES)
        return imp_reject(im, "name longer than %d bytes", NAME_MAX_BYTES);
    if (imp_parse_point(im, f[C_LAT], len[C_LAT], f[C_LON], len[C_LON], &lat, &lon) != 0)
        return 1;
    if (parse_count(f[C_POP], len[C_POP], POP_MAX, &pop) != 0)
        return imp_reject(im, "population \"%.20s\" is not a whole number 1..%lld", f[C_POP],
                          POP_MAX);
    /* A place of nobody would still be the nearest place of its PC4 areas and
     * give them no weight: a missing figure, not a fact. */
    if (pop == 0)
        return imp_reject(im, "population is 0 (a missing figure?): its PC4 areas would weigh "
                          "nothing");
    if (len[C_GEONAMEID]) {
        if (parse_count(f[C_GEONAMEID], len[C_GEONAMEID], 1LL << 53, &gid) != 0 || gid == 0)
            return imp_reject(im, "geonameid \"%.20s\" is not a positive whole number",
                              f[C_GEONAMEID]);
        sqlite3_bind_int64(s->seen, 1, gid);
        int step = sqlite3_step(s->seen);
        sqlite3_reset(s->seen);
        if (step == SQLITE_ROW)
            return imp_reject(im, "duplicate geonameid %lld", gid);
        if (step != SQLITE_DONE)
            return imp_db_error(im, "checking geonameid");
    }
    imp_bind_text(s->ins, 1, f[C_NAME], len[C_NAME], false);
    sqlite3_bind_double(s->ins, 2, lat);
    sqlite3_bind_double(s->ins, 3, lon);
    sqlite3_bind_int64(s->ins, 4, pop);
    if (gid)
        sqlite3_bind_int64(s->ins, 5, gid);
    else
        sqlite3_bind_null(s->ins, 5);
    if (imp_step(s->ins) != SQLITE_DONE)
        return imp_db_error(im, "inserting a place");
    return 0;
}

static int finish(vw_imp *im)
{
    (void)im;
    return 0;
}

static void end(vw_imp *im)
{
    places_state *s = im->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->ins);
    sqlite3_finalize(s->seen);
    free(s);
    im->state = NULL;
}

const imp_kind vw_imp_places = {
    cols, C_N, begin, row, finish, end, .table = "places",
    .key = "name || char(31) || round(lat, 3) || char(31) || round(lon, 3)",
    .compare = "name, lat, lon, population, geonameid"};
