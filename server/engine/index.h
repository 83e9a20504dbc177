/* index.h -- the spatial index of a snapshot (engine-internal; docs/ENGINE.md).
 *
 * Per discipline, a uniform lat/lon grid over the Netherlands box of geo.h
 * (VW_NL_*), stored CSR-style: the entries of one discipline are contiguous and
 * sorted by cell, cell c of discipline d holds
 * entries[cell_start[d * (cells + 1) + c] .. cell_start[d * (cells + 1) + c + 1]).
 * Within a cell entries are in provider-index order. Providers outside the grid
 * box (importers reject them, but the builder does not rely on that) are kept in
 * a per-discipline `outside` list that every query scans in full, so the index
 * stays exact for any coordinates.
 *
 * Online providers have a practice location and are in the grid like everyone
 * else; `online` additionally lists them per discipline in index (id) order for
 * vw_match_online(). The index is immutable once built and owned by its
 * snapshot. */
#ifndef VW_INDEX_H
#define VW_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "geodata/geo.h"
#include "proto/vocab.h"
#include "snapshot.h"

/* Cell size in micro-degrees: 12000 = 0.012 deg lat = 1.33 km; 20000 =
 * 0.020 deg lon = 1.37 km at 52 N, so cells are about square. Chosen with
 * bench/microbench (docs/ENGINE.md); -D overrides for experiments. */
#ifndef VW_INDEX_CELL_LAT_UDEG
#define VW_INDEX_CELL_LAT_UDEG 12000
#define VW_INDEX_CELL_LON_UDEG 20000
#endif
#define VW_INDEX_CELL_LAT (VW_INDEX_CELL_LAT_UDEG * 1e-6)
#define VW_INDEX_CELL_LON (VW_INDEX_CELL_LON_UDEG * 1e-6)
/* Enough cells to cover the box of geo.h (3.00 x 4.00 degrees); the last
 * row/column may stick out past it. */
#define VW_INDEX_ROWS ((3000000 + VW_INDEX_CELL_LAT_UDEG - 1) / VW_INDEX_CELL_LAT_UDEG)
#define VW_INDEX_COLS ((4000000 + VW_INDEX_CELL_LON_UDEG - 1) / VW_INDEX_CELL_LON_UDEG)
#define VW_INDEX_CELLS (VW_INDEX_ROWS * VW_INDEX_COLS)

/* Flags kept in the top bits of vw_ient.pf (the provider index is below). */
#define VW_IENT_ACCEPTING 0x80000000u
#define VW_IENT_HAS_REGS 0x40000000u
#define VW_IENT_INDEX_MASK 0x3fffffffu
#define VW_INDEX_MAX_PROVIDERS VW_IENT_INDEX_MASK

/* One indexed provider: 32 bytes, the filters and the distance inputs without
 * touching the (much larger) vw_provider record. lat/lon are bit-identical to
 * the provider's, so vw_geo_km() on them is the brute-force distance. */
typedef struct vw_ient {
    double lat, lon;   /* degrees */
    uint64_t tags;     /* permanent expertise mask */
    uint32_t pf;       /* provider index | VW_IENT_* flags */
    uint32_t reg;      /* with VW_IENT_HAS_REGS: first of its vw_ireg run */
} vw_ient;

/* A compact copy of the registrations for the query path (one cache line
 * holds a provider's run), in provider order; `last` ends a provider's run. */
typedef struct vw_ireg {
    int32_t valid_from, valid_until; /* as vw_registration */
    uint8_t tag, last;
} vw_ireg;

typedef struct vw_index {
    vw_ient *entries;          /* all grid entries, discipline-major, then by cell */
    uint32_t *cell_start;      /* VW_D_COUNT x (VW_INDEX_CELLS + 1) offsets into entries */
    vw_ient *outside;          /* entries outside the grid box, discipline-major */
    uint32_t outside_start[VW_D_COUNT + 1];
    vw_ireg *regs;             /* registrations, provider order */
    uint32_t *online;          /* provider indices of online providers, discipline-major */
    uint32_t online_start[VW_D_COUNT + 1];
    double row_cos_lo[VW_INDEX_ROWS]; /* lower bound of cos(lat) over each row */
    double grid_cos_lo;        /* lower bound of cos(lat) over the whole grid */
    size_t bytes;
} vw_index;

/* Builds the index over the (sorted, final) providers and their
 * registrations. NULL on allocation
 * failure (err set). The caller owns the result (vw_index_free). */
vw_index *vw_index_build(const vw_provider *providers, uint32_t n,
                         const vw_registration *regs, size_t n_regs, vw_err *err);
void vw_index_free(vw_index *ix);

/* The tags entry `e` holds on day `as_of` (permanent or registered). */
static inline uint64_t vw_ient_tags_on(const vw_index *ix, const vw_ient *e, int32_t as_of)
{
    uint64_t have = e->tags;
    if (!(e->pf & VW_IENT_HAS_REGS))
        return have;
    for (const vw_ireg *r = ix->regs + e->reg;; r++) {
        if ((r->valid_from == VW_DATE_NONE || r->valid_from <= as_of) &&
            (r->valid_until == VW_DATE_NONE || as_of <= r->valid_until))
            have |= UINT64_C(1) << r->tag;
        if (r->last)
            return have;
    }
}

/* Grid row / column of a coordinate, or -1 when outside the grid box. */
int vw_index_row(double lat);
int vw_index_col(double lon);

/* The snapshot's index (implemented in snapshot.c; engine-internal). */
const vw_index *vw_snapshot_index(const vw_snapshot *s);

#endif
