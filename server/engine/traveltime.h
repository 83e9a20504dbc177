/* traveltime.h -- travel times from PC4 x PC4 matrices, with the model of
 * geodata/geo.h where a matrix lacks a pair (docs/ENGINE.md, "Travel times").
 *
 * Where the snapshot holds a matrix for the query's mode, the minutes from an
 * origin to a provider are the matrix's minutes from the origin's PC4 (a
 * PC4 or PC6 origin: its PC4; a lat/lon origin: the PC4 whose centroid is
 * nearest the point, ties to the lower PC4) to the
 * provider's PC4 (from its postcode; without one, or one not in the PC4
 * table: the nearest centroid to its location). Same-PC4 pairs are the
 * matrix's diagonal when it has one. A pair the matrix lacks is the model's
 * vw_geo_minutes(km) -- except for transit, which has no model: such a pair
 * is unreachable. Every travel time says which source gave it.
 *
 * Pruning: for each origin PC4 a, mode and whole minute k the loader
 * computes the reach
 *     X[a][k] = max over pairs (a, b) with M(a, b) <= k of km(c_a, c_b) + R_b
 * (c = centroid, rounded up; R_b = the farthest provider of b from c_b). By
 * the triangle inequality a provider p of b with km(o, p) > d_o + X[a][k]
 * (o an origin of a, d_o = km(o, c_a)) has M(a, b) > k: the walk's radius
 * for t minutes is d_o + X[a][ceil t], the model's where the row lacks
 * pairs. */
#ifndef VW_TRAVELTIME_H
#define VW_TRAVELTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "geodata/geo.h"
#include "proto/vw_err.h"
#include "snapshot.h"

/* Matrix cells are uint16 tenths of a minute; this value is "no pair". */
#define VW_TT_NONE 0xFFFFu
#define VW_TT_MAX_MINUTES 6000.0 /* 100 h: the largest storable time */

/* The stored form of one origin's row (store and builder agree on it):
 * 4 bytes per pair, little-endian uint16 destination PC4 then uint16 tenths
 * of a minute, destinations strictly ascending. */
#define VW_TT_PAIR_BYTES 4

typedef enum { VW_TS_MODEL = 0, VW_TS_MATRIX = 1 } vw_time_source;
const char *vw_time_source_name(int source); /* "model" / "matrix" */

/* ---- the snapshot's matrices ---------------------------------------------- */
bool vw_snapshot_has_matrix(const vw_snapshot *s, vw_mode mode);
uint64_t vw_snapshot_matrix_pairs(const vw_snapshot *s, vw_mode mode); /* 0: none */
/* Whether a query may use `mode`: a model mode, or transit with a matrix. */
bool vw_snapshot_mode_ok(const vw_snapshot *s, vw_mode mode);
/* A short description for logs and stats: "car 1234567, transit 890" or "none". */
void vw_snapshot_matrix_summary(const vw_snapshot *s, char *out, size_t cap);

/* One origin row of a mode (blob in the stored form above). Only after
 * vw_snapbuild_geo_start (the PC4 table is complete); a destination not in
 * the PC4 table, a repeated origin or a malformed row is an error. */
int vw_snapbuild_add_traveltimes(vw_snapbuild *b, vw_mode mode, int from_pc4, const void *blob,
                                 size_t len, vw_err *err);

/* ---- per query ------------------------------------------------------------- */
struct vw_tt;
typedef struct vw_tt_origin {
    const vw_travel_model *tm;
    vw_mode mode;
    const uint16_t *row;     /* the origin PC4's matrix band (destination ranks
                                row_lo .. row_lo + row_len - 1); NULL: model only */
    uint32_t row_lo, row_len;
    const uint16_t *prov;    /* provider index -> PC4 rank (with row) */
    int pc4;                 /* the origin's PC4 (with row), else 0 */
    double d_km;             /* origin to its PC4's centroid, rounded up */
    const uint16_t *reach;   /* X[a][.] above, in 10 m (traveltime_int.h) */
    bool model_ok;           /* a pair the matrix lacks falls back to the model */
    bool row_full;           /* the row has every destination: no fallback */
    const uint16_t *order;   /* the row's destination ranks by minutes (with row) */
    uint32_t order_len;
    double miss_km;          /* lower bound of the km from the origin to any provider
                                whose PC4 the row lacks (INFINITY: none) */
    const struct vw_tt *tt;  /* the snapshot's matrices (with row) */
} vw_tt_origin;

/* The origin (lat, lon) whose PC4 is `pc4` (a PC4 or PC6 origin), or 0
 * (a lat/lon origin, or a PC4 not in the table): the PC4 whose centroid is
 * nearest. -1 (bad_request in err when given) when the mode is not
 * available. */
int vw_tt_origin_init(vw_tt_origin *o, const vw_snapshot *s, const vw_travel_model *tm,
                      vw_mode mode, double lat, double lon, int pc4, vw_err *err);

/* Minutes to provider i at straight-line distance km (= vw_geo_km(origin,
 * provider)); INFINITY when unreachable. *source gets VW_TS_*. */
/* The matrix cell to provider i: tenths of minutes, or VW_TT_NONE (no pair,
 * or no row). */
static inline uint16_t vw_tt_cell(const vw_tt_origin *o, uint32_t i)
{
    if (!o->row)
        return VW_TT_NONE;
    uint32_t r = (uint32_t)o->prov[i] - o->row_lo; /* wraps below the band */
    return r < o->row_len ? o->row[r] : (uint16_t)VW_TT_NONE;
}

static inline double vw_tt_minutes(const vw_tt_origin *o, uint32_t i, double km,
                                   uint8_t *source)
{
    if (o->row) {
        uint16_t t = vw_tt_cell(o, i);
        if (t != VW_TT_NONE) {
            *source = VW_TS_MATRIX;
            return t / 10.0;
        }
    }
    *source = VW_TS_MODEL;
    return o->model_ok ? vw_geo_minutes(o->tm, o->mode, km) : (1.0 / 0.0);
}

/* A distance beyond which every provider takes more than `minutes`. */
double vw_tt_km_bound(const vw_tt_origin *o, double minutes);
/* A lower bound of the minutes to any provider at least km_lo away. */
double vw_tt_minutes_lo(const vw_tt_origin *o, double km_lo);

/* The source a query's results get when no result is there to say it:
 * "matrix" when the mode has a matrix, else "model". */
const char *vw_tt_mode_source(const vw_snapshot *s, vw_mode mode);

#endif
