/* import_pc4.c -- importing the PC4 centroid table (pc4,place,lat,lon).
 *
 * Errors: a pc4 that is not 4 digits 1000..9999, a duplicate, an empty place,
 * coordinates that are not plain numbers or lie outside the Netherlands.
 * Warnings: a centroid more than SUSPECT_KM from the median centroid of the
 * other postcodes with the same place name -- typically a post-box-only code
 * whose coordinates belong to another town (1002/1003 "Amsterdam" near
 * Rotterdam in the open data). Those rows are kept: they are real codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/geo.h"
#include "import.h"

#define SUSPECT_KM 25.0
#define SUSPECT_MIN_OTHERS 3 /* a median of fewer points says little */
#define PLACE_MAX 128

enum { C_PC4, C_PLACE, C_LAT, C_LON, C_N };
static const imp_col cols[C_N] = {
    {"pc4", true}, {"place", true}, {"lat", true}, {"lon", true}};

typedef struct pc4_row {
    int pc4;
    double lat, lon;
    long line;
    char place[PLACE_MAX + 1];
} pc4_row;

typedef struct pc4_state {
    sqlite3_stmt *ins;
    long first_line[10000]; /* by pc4; 0 = not seen */
    pc4_row *rows;          /* accepted rows, at most 9000 (pc4 is unique) */
    size_t n;
} pc4_state;

static int begin(vw_imp *im)
{
    pc4_state *s = calloc(1, sizeof *s);
    if (s == NULL || (s->rows = calloc(9000, sizeof *s->rows)) == NULL) {
        free(s);
        return vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
    }
    im->state = s;
    if (sqlite3_exec(im->db, "DELETE FROM pc4", NULL, NULL, NULL) != SQLITE_OK)
        return imp_db_error(im, "clearing pc4");
    return imp_prepare(im, &s->ins, "INSERT INTO pc4(pc4, place, lat, lon) VALUES (?, ?, ?, ?)");
}

static int row(vw_imp *im, char **f, size_t *len)
{
    pc4_state *s = im->state;
    double lat, lon;
    int pc4 = 0;
    if (len[C_PC4] != 4)
        return imp_reject(im, "pc4 \"%.16s\" is not 4 digits", f[C_PC4]);
    for (int i = 0; i < 4; i++) {
        if (f[C_PC4][i] < '0' || f[C_PC4][i] > '9')
            return imp_reject(im, "pc4 \"%.16s\" is not 4 digits", f[C_PC4]);
        pc4 = pc4 * 10 + (f[C_PC4][i] - '0');
    }
    if (pc4 < 1000)
        return imp_reject(im, "pc4 %04d is below 1000", pc4);
    if (len[C_PLACE] == 0)
        return imp_reject(im, "place is empty");
    if (len[C_PLACE] > PLACE_MAX)
        return imp_reject(im, "place longer than %d bytes", PLACE_MAX);
    if (imp_parse_double(f[C_LAT], len[C_LAT], &lat) != 0)
        return imp_reject(im, "lat is not a number (plain decimal degrees expected)");
    if (imp_parse_double(f[C_LON], len[C_LON], &lon) != 0)
        return imp_reject(im, "lon is not a number (plain decimal degrees expected)");
    if (!vw_geo_in_nl(lat, lon)) {
        char where[32];
        vw_geo_redact_coords(lat, lon, where);
        return imp_reject(im, "pc4 %d: coordinates outside the Netherlands (%s)", pc4, where);
    }
    if (s->first_line[pc4])
        return imp_reject(im, "duplicate pc4 %d (first on line %ld)", pc4, s->first_line[pc4]);
    sqlite3_bind_int(s->ins, 1, pc4);
    imp_bind_text(s->ins, 2, f[C_PLACE], len[C_PLACE], false);
    sqlite3_bind_double(s->ins, 3, lat);
    sqlite3_bind_double(s->ins, 4, lon);
    if (imp_step(s->ins) != SQLITE_DONE)
        return imp_db_error(im, "inserting a pc4 row");
    s->first_line[pc4] = im->line;
    pc4_row *r = &s->rows[s->n++];
    r->pc4 = pc4;
    r->lat = lat;
    r->lon = lon;
    r->line = im->line;
    memcpy(r->place, f[C_PLACE], len[C_PLACE] + 1);
    return 0;
}

typedef struct keyed {
    double v;
    size_t i;
} keyed;

static const pc4_row *sort_rows; /* qsort has no context argument */

static int by_place(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    int c = strcmp(sort_rows[*x].place, sort_rows[*y].place);
    return c ? c : (*x > *y) - (*x < *y);
}

static int by_value(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    return (x->v > y->v) - (x->v < y->v);
}

/* Median of v[0..k-1] (sorted) without the element at position p. */
static double median_without(const keyed *v, size_t k, size_t p)
{
    size_t m = k - 1;
#define AT(i) ((i) < p ? v[(i)].v : v[(i) + 1].v)
    return (m % 2) ? AT(m / 2) : (AT(m / 2 - 1) + AT(m / 2)) / 2.0;
#undef AT
}

/* Fill far_km[row] for the members of one place group (idx[0..k-1]). */
static void check_group(const pc4_row *rows, const size_t *idx, size_t k, keyed *la, keyed *lo,
                        size_t *pla, size_t *plo, double *far_km)
{
    for (size_t j = 0; j < k; j++) {
        la[j] = (keyed){rows[idx[j]].lat, j};
        lo[j] = (keyed){rows[idx[j]].lon, j};
    }
    qsort(la, k, sizeof *la, by_value);
    qsort(lo, k, sizeof *lo, by_value);
    for (size_t j = 0; j < k; j++) {
        pla[la[j].i] = j;
        plo[lo[j].i] = j;
    }
    for (size_t j = 0; j < k; j++) {
        const pc4_row *r = &rows[idx[j]];
        double mlat = median_without(la, k, pla[j]), mlon = median_without(lo, k, plo[j]);
        double km = vw_geo_km(r->lat, r->lon, mlat, mlon);
        if (km > SUSPECT_KM)
            far_km[idx[j]] = km;
    }
}

static int finish(vw_imp *im)
{
    pc4_state *s = im->state;
    size_t n = s->n, *idx = malloc((n + 1) * sizeof *idx), *pla = malloc((n + 1) * sizeof *pla),
           *plo = malloc((n + 1) * sizeof *plo);
    keyed *la = malloc((n + 1) * sizeof *la), *lo = malloc((n + 1) * sizeof *lo);
    double *far_km = malloc((n + 1) * sizeof *far_km);
    int rc = -1;
    if (!idx || !pla || !plo || !la || !lo || !far_km) {
        vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
        far_km[i] = -1;
    }
    sort_rows = s->rows;
    qsort(idx, n, sizeof *idx, by_place);
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && strcmp(s->rows[idx[a]].place, s->rows[idx[b]].place) == 0)
            b++;
        if (b - a > SUSPECT_MIN_OTHERS)
            check_group(s->rows, idx + a, b - a, la, lo, pla, plo, far_km);
        a = b;
    }
    for (size_t i = 0; i < n; i++) /* in file order */
        if (far_km[i] >= 0)
            imp_warn(im, s->rows[i].line,
                     "%d (%s) lies %.0f km from the other %s postcodes (post-box code, or another "
                     "place of the same name?)",
                     s->rows[i].pc4, s->rows[i].place, far_km[i], s->rows[i].place);
    rc = 0;
out:
    free(idx);
    free(pla);
    free(plo);
    free(la);
    free(lo);
    free(far_km);
    return rc;
}

static void end(vw_imp *im)
{
    pc4_state *s = im->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->ins);
    free(s->rows);
    free(s);
    im->state = NULL;
}

const imp_kind vw_imp_pc4 = {cols, C_N, begin, row, finish, end,
    .table = "pc4", .key = "pc4", .compare = "*"};
