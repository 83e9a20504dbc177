/* traveltime_int.h -- the layout of a snapshot's travel-time matrices,
 * shared by traveltime.c, the builder, the read API and match.c's PC4 walk
 * (nothing else). */
#ifndef VW_TRAVELTIME_INT_H
#define VW_TRAVELTIME_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "snapshot_int.h"
#include "traveltime.h"

typedef struct vw_tt_matrix {
    uint16_t **rows;    /* per origin rank: its band of tenths of minutes, the
                           destination ranks lo[a] .. lo[a] + len[a] - 1 (the
                           row's first to last pair; VW_TT_NONE between where a
                           pair is missing, every rank outside the band has none);
                           NULL: no pair. rows == NULL: no matrix for the mode */
    uint16_t *lo, *len; /* per origin rank: the band (ranks fit 16 bits) */
    uint16_t *reach;    /* n x VW_TT_REACH_W: reach[a][k] (traveltime.h) in units of
                           10 m, rounded up (VW_TT_FAR: farther than 655 km),
                           k = 0..VW_TT_REACH_MIN whole minutes, then every pair */
    uint8_t *full;      /* per origin rank: 1 when the row has every destination */
    uint16_t *order;    /* every row's destination ranks by minutes, then rank,
                           rows one after the other (the PC4 walk, ENGINE.md) */
    uint32_t *order_start; /* n + 1: row a's run is order[order_start[a] ..] */
    double *miss_km;    /* per origin rank: a lower bound of the km from its
                           centroid to any provider whose PC4 the row lacks
                           (INFINITY: none; the model fallback is skipped
                           while it cannot beat the heap) */
    uint8_t *seen;      /* per origin rank: row added (builder only) */
    uint64_t pairs;
} vw_tt_matrix;

/* Minutes the reach table covers one by one; beyond, the whole row's reach. */
#define VW_TT_REACH_MIN 240
#define VW_TT_REACH_W (VW_TT_REACH_MIN + 2)
#define VW_TT_FAR 0xFFFFu

/* Centroid lookup grid: VW_TT_GRID_DEG cells over the box of geo.h. */
#define VW_TT_GRID_DEG 0.1
#define VW_TT_GRID_ROWS 30
#define VW_TT_GRID_COLS 40

typedef struct vw_tt {
    uint32_t n;                    /* PC4s in the table; ranks 0..n-1 ascending */
    uint16_t rank[VW_PC4_SLOTS];   /* PC4 -> rank; VW_TT_NONE: not in the table */
    uint16_t *code;                /* rank -> PC4 */
    double *lat, *lon, *radius;    /* per rank: centroid; farthest provider (km) */
    double *xyz;                   /* per rank: the centroid as a unit vector (3 doubles) */
    uint16_t *prov;                /* provider index -> rank */
    vw_ient *grp;                  /* every index entry by (discipline, rank, index) */
    uint32_t *grp_start;           /* VW_D_COUNT x (n + 1) offsets into grp */
    uint32_t *cell_start;          /* grid CSR: ranks of the centroids per cell */
    uint16_t *cell_rank;
    bool all_inside;               /* every centroid in the box (the ring bound holds) */
    vw_tt_matrix m[VW_MODE_ALL];
    size_t bytes;
} vw_tt;

/* The PC4 table as it is at vw_snapbuild_geo_start. NULL on OOM. */
vw_tt *vw_tt_new(const vw_pc4_slot *slots, vw_err *err);
void vw_tt_free(vw_tt *tt);
int vw_tt_add_row(vw_tt *tt, vw_mode mode, int from_pc4, const void *blob, size_t len,
                  vw_err *err);
bool vw_tt_any(const vw_tt *tt);
/* With the final (sorted) providers and their index: their PC4s, the radii,
 * bounds, walk orders and the entries grouped by PC4. */
int vw_tt_finish(vw_tt *tt, const vw_provider *prov, uint32_t n, const vw_index *ix,
                 vw_err *err);

/* The entries of discipline d in PC4 rank b (the PC4 walk). */
static inline const vw_ient *vw_tt_group(const vw_tt *tt, int d, uint32_t b, uint32_t *count)
{
    const uint32_t *gs = tt->grp_start + (size_t)d * (tt->n + 1) + b;
    *count = gs[1] - gs[0];
    return tt->grp + gs[0];
}
/* The rank of the centroid nearest (lat, lon); ties: the lower rank. */
uint32_t vw_tt_nearest(const vw_tt *tt, double lat, double lon);

#endif
