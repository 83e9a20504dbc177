/* import_traveltimes.c -- importing one mode's PC4 x PC4 travel-time matrix
 * (from_pc4,to_pc4,minutes[,km]; also FROMPC4,TOPC4,TIME,DISTANCE).
 *
 * Errors per row: a PC4 that is not 4 digits or not in the PC4 table (import
 * pc4 first), minutes not a plain number, negative or above
 * VW_TT_MAX_MINUTES, km negative, a pair given twice, and a pair faster than
 * the mode can go over the straight line between the two centroids
 * (vw_mode_ceiling_kmh, with VW_MODE_ROUNDING_MIN of rounding slack). Slow
 * pairs are legal: ferries and detours are the point. A matrix may be partial
 * and asymmetric. km, when given, is checked but not stored (results show the
 * straight line). The rows are kept in memory (8 bytes a pair: 190 MB for a
 * full national matrix), sorted and written one packed row per origin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/geo.h"
#include "server/engine/traveltime.h"
#include "import.h"

#define MAX_PAIRS (10000u * 10000u)

enum { C_FROM, C_TO, C_MIN, C_KM, C_N };
static const imp_col cols[C_N] = {{"from_pc4|FROMPC4", true},
                                  {"to_pc4|TOPC4", true},
                                  {"minutes|TIME", true},
                                  {"km|DISTANCE", false}};

typedef struct tt_state {
    vw_mode mode;
    double lat[10000], lon[10000];
    bool known[10000];
    uint8_t *seen;          /* bit per (from, to) */
    uint64_t *pairs;        /* from << 32 | to << 16 | tenths */
    size_t n, cap;
    sqlite3_stmt *ins;
} tt_state;

static int begin(vw_imp *im)
{
    tt_state *s = calloc(1, sizeof *s);
    sqlite3_stmt *q = NULL;
    if (s == NULL || (s->seen = calloc(MAX_PAIRS / 8, 1)) == NULL) {
        free(s);
        return vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
    }
    im->state = s;
    if (im->o->mode == NULL ||
        vw_mode_parse(im->o->mode, strlen(im->o->mode), &s->mode) != 0)
        return vw_err_set(im->err, VW_E_BAD_REQUEST,
                          "a travel-time import needs its mode: car, bike, walk or transit");
    if (imp_prepare(im, &q, "SELECT pc4, lat, lon FROM pc4") != 0)
        return -1;
    int n = 0, rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int pc4 = sqlite3_column_int(q, 0);
        if (pc4 < 1000 || pc4 > 9999)
            continue;
        s->known[pc4] = true;
        s->lat[pc4] = sqlite3_column_double(q, 1);
        s->lon[pc4] = sqlite3_column_double(q, 2);
        n++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return imp_db_error(im, "reading the PC4 table");
    if (n == 0)
        return imp_file_error(im, 0, "the PC4 table is empty: import pc4 first"), 0;
    const char *mode = vw_mode_name(s->mode);
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM traveltimes WHERE mode = '%s'", mode);
    if (sqlite3_exec(im->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return imp_db_error(im, "clearing the old matrix");
    snprintf(sql, sizeof sql, "DELETE FROM traveltime_sets WHERE mode = '%s'", mode);
    if (sqlite3_exec(im->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return imp_db_error(im, "clearing the old matrix");
    return imp_prepare(im, &s->ins,
                       "INSERT INTO traveltimes(mode, from_pc4, pairs) VALUES (?, ?, ?)");
}

/* A PC4 field: 4 digits, in the table. 0, or 1 after imp_reject. */
static int parse_pc4(vw_imp *im, const tt_state *s, const char *what, const char *f,
                     size_t len, int *out)
{
    int pc4 = 0;
    if (len != 4)
        return imp_reject(im, "%s \"%.16s\" is not 4 digits", what, f);
    for (int i = 0; i < 4; i++) {
        if (f[i] < '0' || f[i] > '9')
            return imp_reject(im, "%s \"%.16s\" is not 4 digits", what, f);
        pc4 = pc4 * 10 + (f[i] - '0');
    }
    if (pc4 < 1000 || !s->known[pc4])
        return imp_reject(im, "%s %04d is not in the PC4 table", what, pc4);
    *out = pc4;
    return 0;
}

static int row(vw_imp *im, char **f, size_t *len)
{
    tt_state *s = im->state;
    int from = 0, to = 0;
    double min, km = 0;
    if (parse_pc4(im, s, "from_pc4", f[C_FROM], len[C_FROM], &from) ||
        parse_pc4(im, s, "to_pc4", f[C_TO], len[C_TO], &to))
        return 1;
    if (imp_parse_double(f[C_MIN], len[C_MIN], &min) != 0)
        return imp_reject(im, "minutes \"%.24s\" is not a number", f[C_MIN]);
    if (!(min >= 0) || min > VW_TT_MAX_MINUTES)
        return imp_reject(im, "minutes %.1f out of range (0..%.0f)", min, VW_TT_MAX_MINUTES);
    if (len[C_KM] > 0 && (imp_parse_double(f[C_KM], len[C_KM], &km) != 0 || !(km >= 0)))
        return imp_reject(im, "km \"%.24s\" is not a non-negative number", f[C_KM]);
    double line_km = vw_geo_km(s->lat[from], s->lon[from], s->lat[to], s->lon[to]);
    double kmh = line_km / ((min + VW_MODE_ROUNDING_MIN) / 60.0);
    double ceiling = vw_mode_ceiling_kmh(s->mode);
    if (kmh > ceiling)
        return imp_reject(im,
                          "%04d -> %04d in %.1f min is faster than %s can go: %.1f km in a "
                          "straight line is %.0f km/h (ceiling %.0f km/h)",
                          from, to, min, vw_mode_name(s->mode), line_km, kmh, ceiling);
    size_t bit = (size_t)from * 10000u + (size_t)to;
    if (s->seen[bit / 8] & (1u << (bit % 8)))
        return imp_reject(im, "duplicate pair %04d -> %04d (given on an earlier line)", from,
                          to);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 65536;
        uint64_t *p = cap <= MAX_PAIRS ? realloc(s->pairs, cap * sizeof *p) : NULL;
        if (p == NULL)
            return vw_err_set(im->err, VW_E_INTERNAL, "out of memory (%zu pairs)", s->n);
        s->pairs = p;
        s->cap = cap;
    }
    s->seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
    uint64_t tenths = (uint64_t)(min * 10.0 + 0.5);
    s->pairs[s->n++] = (uint64_t)from << 32 | (uint64_t)to << 16 | tenths;
    return 0;
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int finish(vw_imp *im)
{
    tt_state *s = im->state;
    unsigned char *blob = malloc(10000u * VW_TT_PAIR_BYTES);
    sqlite3_stmt *set = NULL;
    int rc = -1;
    long origins = 0;
    if (blob == NULL) {
        vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    qsort(s->pairs, s->n, sizeof *s->pairs, by_key);
    const char *mode = vw_mode_name(s->mode);
    for (size_t a = 0; a < s->n;) {
        unsigned from = (unsigned)(s->pairs[a] >> 32);
        size_t len = 0, b = a;
        for (; b < s->n && (unsigned)(s->pairs[b] >> 32) == from; b++) {
            unsigned to = (unsigned)(s->pairs[b] >> 16) & 0xffff, t = s->pairs[b] & 0xffff;
            blob[len++] = (unsigned char)(to & 0xff);
            blob[len++] = (unsigned char)(to >> 8);
            blob[len++] = (unsigned char)(t & 0xff);
            blob[len++] = (unsigned char)(t >> 8);
        }
        sqlite3_bind_text(s->ins, 1, mode, -1, SQLITE_STATIC);
        sqlite3_bind_int(s->ins, 2, (int)from);
        sqlite3_bind_blob(s->ins, 3, blob, (int)len, SQLITE_STATIC);
        if (imp_step(s->ins) != SQLITE_DONE) {
            imp_db_error(im, "writing a matrix row");
            goto out;
        }
        origins++;
        a = b;
    }
    const char *base = strrchr(im->file, '/');
    if (imp_prepare(im, &set, "INSERT INTO traveltime_sets(mode, pairs, origins, import_id, "
                              "source) VALUES (?, ?, ?, ?, ?)") != 0)
        goto out;
    sqlite3_bind_text(set, 1, mode, -1, SQLITE_STATIC);
    sqlite3_bind_int64(set, 2, (sqlite3_int64)s->n);
    sqlite3_bind_int64(set, 3, origins);
    sqlite3_bind_int64(set, 4, im->import_id);
    sqlite3_bind_text(set, 5, base ? base + 1 : im->file, -1, SQLITE_STATIC);
    if (imp_step(set) != SQLITE_DONE) {
        imp_db_error(im, "recording the matrix");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(set);
    free(blob);
    return rc;
}

static void end(vw_imp *im)
{
    tt_state *s = im->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->ins);
    free(s->seen);
    free(s->pairs);
    free(s);
    im->state = NULL;
}

/* Not diffed (table NULL): the stored rows are per origin and mode, not per
 * pair, so "rows removed" would not mean what it means for the other kinds. */
const imp_kind vw_imp_traveltimes = {cols, C_N, begin, row, finish, end, NULL, NULL, NULL};
