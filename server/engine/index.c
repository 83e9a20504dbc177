/* index.c -- builds the per-discipline CSR grid of index.h (two counting
 * passes over the providers; no sorting needed because providers arrive in
 * index order and a counting sort keeps that order inside each cell). */
#include "index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/geo.h"

int vw_index_row(double lat)
{
    if (!(lat >= VW_NL_LAT_MIN && lat <= VW_NL_LAT_MAX))
        return -1;
    int r = (int)((lat - VW_NL_LAT_MIN) / VW_INDEX_CELL_LAT);
    return r >= VW_INDEX_ROWS ? VW_INDEX_ROWS - 1 : r;
}

int vw_index_col(double lon)
{
    if (!(lon >= VW_NL_LON_MIN && lon <= VW_NL_LON_MAX))
        return -1;
    int c = (int)((lon - VW_NL_LON_MIN) / VW_INDEX_CELL_LON);
    return c >= VW_INDEX_COLS ? VW_INDEX_COLS - 1 : c;
}

static vw_ient make_entry(const vw_provider *p, uint32_t i)
{
    vw_ient e;
    e.lat = p->lat;
    e.lon = p->lon;
    e.tags = p->expertise;
    e.pf = i | (p->accepting ? VW_IENT_ACCEPTING : 0) | (p->reg_count ? VW_IENT_HAS_REGS : 0);
    e.reg = p->reg_count ? p->reg_first : 0;
    return e;
}

static int cell_of(const vw_provider *p)
{
    int r = vw_index_row(p->lat), c = vw_index_col(p->lon);
    return (r < 0 || c < 0) ? -1 : r * VW_INDEX_COLS + c;
}

vw_index *vw_index_build(const vw_provider *providers, uint32_t n,
                         const vw_registration *regs, size_t n_regs, vw_err *err)
{
    const size_t stride = (size_t)VW_INDEX_CELLS + 1;
    uint32_t n_grid = 0, n_out = 0, n_online = 0;
    uint32_t *cursor = NULL;
    vw_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        goto oom;
    ix->cell_start = calloc((size_t)VW_D_COUNT * stride, sizeof *ix->cell_start);
    if (!ix->cell_start)
        goto oom;

    /* Pass 1: count per (discipline, cell), outside and online per discipline. */
    for (uint32_t i = 0; i < n; i++) {
        const vw_provider *p = &providers[i];
        int cell = cell_of(p);
        if (cell < 0) {
            ix->outside_start[p->discipline + 1]++;
            n_out++;
        } else {
            ix->cell_start[p->discipline * stride + (size_t)cell + 1]++;
            n_grid++;
        }
        if (p->online) {
            ix->online_start[p->discipline + 1]++;
            n_online++;
        }
    }
    /* Prefix sums: cell offsets are global (discipline-major). */
    uint32_t run = 0;
    for (int d = 0; d < VW_D_COUNT; d++) {
        uint32_t *cs = ix->cell_start + d * stride;
        cs[0] = run;
        for (size_t c = 1; c < stride; c++) {
            run += cs[c];
            cs[c] = run;
        }
        ix->outside_start[d + 1] += ix->outside_start[d];
        ix->online_start[d + 1] += ix->online_start[d];
    }

    ix->entries = malloc((size_t)(n_grid ? n_grid : 1) * sizeof *ix->entries);
    ix->outside = malloc((size_t)(n_out ? n_out : 1) * sizeof *ix->outside);
    ix->online = malloc((size_t)(n_online ? n_online : 1) * sizeof *ix->online);
    ix->regs = malloc((n_regs ? n_regs : 1) * sizeof *ix->regs);
    cursor = malloc((size_t)VW_D_COUNT * stride * sizeof *cursor);
    if (!ix->entries || !ix->outside || !ix->online || !ix->regs || !cursor)
        goto oom;
    for (uint32_t i = 0; i < n; i++) {
        const vw_provider *p = &providers[i];
        for (uint32_t k = 0; k < p->reg_count; k++) {
            const vw_registration *r = &regs[p->reg_first + k];
            vw_ireg *x = &ix->regs[p->reg_first + k];
            x->valid_from = r->valid_from;
            x->valid_until = r->valid_until;
            x->tag = r->tag;
            x->last = k + 1 == p->reg_count;
        }
    }
    memcpy(cursor, ix->cell_start, (size_t)VW_D_COUNT * stride * sizeof *cursor);

    /* Pass 2: place entries; visiting providers in index order keeps each
     * cell (and each online list) in index order. */
    uint32_t out_fill[VW_D_COUNT], on_fill[VW_D_COUNT];
    for (int d = 0; d < VW_D_COUNT; d++) {
        out_fill[d] = ix->outside_start[d];
        on_fill[d] = ix->online_start[d];
    }
    for (uint32_t i = 0; i < n; i++) {
        const vw_provider *p = &providers[i];
        int cell = cell_of(p);
        if (cell < 0)
            ix->outside[out_fill[p->discipline]++] = make_entry(p, i);
        else
            ix->entries[cursor[p->discipline * stride + (size_t)cell]++] = make_entry(p, i);
        if (p->online)
            ix->online[on_fill[p->discipline]++] = i;
    }

    /* cos is decreasing on [0, 90]: the row's lower bound is at its far edge
     * from the equator, pushed out a little for rounding. */
    for (int r = 0; r < VW_INDEX_ROWS; r++) {
        double lo = VW_NL_LAT_MIN + r * VW_INDEX_CELL_LAT;
        double hi = lo + VW_INDEX_CELL_LAT;
        double far = fmax(fabs(lo), fabs(hi)) + 1e-6;
        ix->row_cos_lo[r] = cos(far * (M_PI / 180.0)) * (1.0 - 1e-9);
    }
    ix->grid_cos_lo =
        cos((fmax(fabs(VW_NL_LAT_MIN), fabs(VW_NL_LAT_MAX)) + 1e-6) * (M_PI / 180.0)) *
        (1.0 - 1e-9);
    ix->bytes = sizeof *ix + (size_t)VW_D_COUNT * stride * sizeof *ix->cell_start +
                (size_t)n_grid * sizeof *ix->entries + (size_t)n_out * sizeof *ix->outside +
                (size_t)n_online * sizeof *ix->online + n_regs * sizeof *ix->regs;
    free(cursor);
    return ix;
oom:
    free(cursor);
    vw_index_free(ix);
    vw_err_set(err, VW_E_INTERNAL, "out of memory building the spatial index");
    return NULL;
}

void vw_index_free(vw_index *ix)
{
    if (!ix)
        return;
    free(ix->entries);
    free(ix->cell_start);
    free(ix->outside);
    free(ix->online);
    free(ix->regs);
    free(ix);
}
