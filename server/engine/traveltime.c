/* traveltime.c -- the snapshot's PC4 travel-time matrices: building them from
 * stored rows, the admissible speed bound per origin, the nearest-centroid
 * lookup and the per-query origin (traveltime.h). */
#include "traveltime_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rounding slack on distances computed two ways (a few ulps of 400 km). */
#define SLACK_KM 1e-6
#define SLACK_REL 1e-9
/* Any centroid in grid ring r is at least (r - 1) x this far (cos 53.7 N x
 * 0.1 deg of longitude is 6.58 km; 0.1 deg of latitude 11.1 km). */
#define RING_KM 6.0

const char *vw_time_source_name(int source)
{
    return source == VW_TS_MATRIX ? "matrix" : "model";
}

void vw_tt_free(vw_tt *tt)
{
    if (tt == NULL)
        return;
    for (int m = 0; m < VW_MODE_ALL; m++) {
        if (tt->m[m].rows)
            for (uint32_t a = 0; a < tt->n; a++)
                free(tt->m[m].rows[a]);
        free(tt->m[m].rows);
        free(tt->m[m].lo);
        free(tt->m[m].len);
        free(tt->m[m].reach);
        free(tt->m[m].full);
        free(tt->m[m].seen);
        free(tt->m[m].order);
        free(tt->m[m].order_start);
        free(tt->m[m].miss_km);
    }
    free(tt->code);
    free(tt->lat);
    free(tt->lon);
    free(tt->xyz);
    free(tt->radius);
    free(tt->prov);
    free(tt->grp);
    free(tt->grp_start);
    free(tt->cell_start);
    free(tt->cell_rank);
    free(tt);
}

static int oom(vw_err *err)
{
    return vw_err_set(err, VW_E_INTERNAL, "out of memory building the travel times");
}

static int grid_row(double lat)
{
    int r = (int)floor((lat - VW_NL_LAT_MIN) / VW_TT_GRID_DEG);
    return r < 0 ? 0 : (r >= VW_TT_GRID_ROWS ? VW_TT_GRID_ROWS - 1 : r);
}

static int grid_col(double lon)
{
    int c = (int)floor((lon - VW_NL_LON_MIN) / VW_TT_GRID_DEG);
    return c < 0 ? 0 : (c >= VW_TT_GRID_COLS ? VW_TT_GRID_COLS - 1 : c);
}

static int build_grid(vw_tt *tt)
{
    enum { CELLS = VW_TT_GRID_ROWS * VW_TT_GRID_COLS };
    tt->cell_start = calloc(CELLS + 1, sizeof *tt->cell_start);
    tt->cell_rank = malloc((tt->n ? tt->n : 1) * sizeof *tt->cell_rank);
    if (!tt->cell_start || !tt->cell_rank)
        return -1;
    for (uint32_t k = 0; k < tt->n; k++)
        tt->cell_start[grid_row(tt->lat[k]) * VW_TT_GRID_COLS + grid_col(tt->lon[k]) + 1]++;
    for (int c = 0; c < CELLS; c++)
        tt->cell_start[c + 1] += tt->cell_start[c];
    uint32_t fill[CELLS];
    memcpy(fill, tt->cell_start, sizeof fill);
    for (uint32_t k = 0; k < tt->n; k++) /* ascending ranks within each cell */
        tt->cell_rank[fill[grid_row(tt->lat[k]) * VW_TT_GRID_COLS + grid_col(tt->lon[k])]++] =
            (uint16_t)k;
    return 0;
}

static void unit_vector(double lat, double lon, double *v)
{
    const double rad = M_PI / 180.0;
    double cl = cos(lat * rad);
    v[0] = cl * cos(lon * rad);
    v[1] = cl * sin(lon * rad);
    v[2] = sin(lat * rad);
}

static inline double chord2(const double *x, const double *y)
{
    double dx = x[0] - y[0], dy = x[1] - y[1], dz = x[2] - y[2];
    return dx * dx + dy * dy + dz * dz;
}

vw_tt *vw_tt_new(const vw_pc4_slot *slots, vw_err *err)
{
    vw_tt *tt = calloc(1, sizeof *tt);
    if (tt == NULL) {
        oom(err);
        return NULL;
    }
    for (int p = 0; p < VW_PC4_SLOTS; p++)
        tt->n += slots[p].place != NULL;
    size_t n = tt->n ? tt->n : 1;
    tt->code = malloc(n * sizeof *tt->code);
    tt->lat = malloc(n * sizeof *tt->lat);
    tt->lon = malloc(n * sizeof *tt->lon);
    tt->radius = calloc(n, sizeof *tt->radius);
    tt->xyz = malloc(n * 3 * sizeof *tt->xyz);
    if (!tt->code || !tt->lat || !tt->lon || !tt->radius || !tt->xyz)
        goto fail;
    uint32_t k = 0;
    tt->all_inside = true;
    for (int p = 0; p < VW_PC4_SLOTS; p++) {
        tt->rank[p] = VW_TT_NONE;
        if (slots[p].place == NULL)
            continue;
        tt->rank[p] = (uint16_t)k;
        tt->code[k] = (uint16_t)p;
        tt->lat[k] = slots[p].lat;
        tt->lon[k] = slots[p].lon;
        if (!vw_geo_in_nl(tt->lat[k], tt->lon[k]))
            tt->all_inside = false;
        unit_vector(tt->lat[k], tt->lon[k], tt->xyz + 3 * k);
        k++;
    }
    if (build_grid(tt) != 0)
        goto fail;
    return tt;
fail:
    vw_tt_free(tt);
    oom(err);
    return NULL;
}

bool vw_tt_any(const vw_tt *tt)
{
    for (int m = 0; tt && m < VW_MODE_ALL; m++)
        if (tt->m[m].rows)
            return true;
    return false;
}

static int matrix_alloc(vw_tt *tt, vw_tt_matrix *m, vw_err *err)
{
    size_t n = tt->n;
    if (n == 0)
        return vw_err_set(err, VW_E_INVALID, "travel times need the PC4 table");
    m->rows = calloc(n, sizeof *m->rows);
    m->lo = calloc(n, sizeof *m->lo);
    m->len = calloc(n, sizeof *m->len);
    m->reach = calloc(n * VW_TT_REACH_W, sizeof *m->reach);
    m->full = calloc(n, 1);
    m->seen = calloc(n, 1);
    if (!m->rows || !m->lo || !m->len || !m->reach || !m->full || !m->seen)
        return oom(err);
    tt->bytes += n * (sizeof *m->rows + sizeof *m->lo + sizeof *m->len +
                      VW_TT_REACH_W * sizeof *m->reach + 1);
    return 0;
}

int vw_tt_add_row(vw_tt *tt, vw_mode mode, int from_pc4, const void *blob, size_t len,
                  vw_err *err)
{
    if ((int)mode < 0 || mode >= VW_MODE_ALL)
        return vw_err_set(err, VW_E_INVALID, "travel times: unknown mode %d", (int)mode);
    if (from_pc4 < 0 || from_pc4 >= VW_PC4_SLOTS || tt->rank[from_pc4] == VW_TT_NONE)
        return vw_err_set(err, VW_E_INVALID, "%s travel times from %04d: not in the PC4 table",
                          vw_mode_name(mode), from_pc4 % 10000);
    if (len % VW_TT_PAIR_BYTES != 0 || len / VW_TT_PAIR_BYTES > tt->n)
        return vw_err_set(err, VW_E_INVALID, "%s travel times from %04d: malformed row",
                          vw_mode_name(mode), from_pc4);
    vw_tt_matrix *m = &tt->m[mode];
    if (m->rows == NULL && matrix_alloc(tt, m, err) != 0)
        return -1;
    uint32_t a = tt->rank[from_pc4];
    if (m->seen[a])
        return vw_err_set(err, VW_E_INVALID, "%s travel times from %04d: row repeated",
                          vw_mode_name(mode), from_pc4);
    const unsigned char *p = blob;
    int prev = -1;
    for (size_t k = 0; k < len; k += VW_TT_PAIR_BYTES) { /* checked before the band */
        int to = p[k] | p[k + 1] << 8;
        unsigned tenths = p[k + 2] | (unsigned)p[k + 3] << 8;
        if (to <= prev || to >= VW_PC4_SLOTS || tt->rank[to] == VW_TT_NONE ||
            tenths > VW_TT_MAX_MINUTES * 10)
            return vw_err_set(err, VW_E_INVALID,
                              "%s travel times from %04d: bad pair to %04d (unknown PC4, out "
                              "of order or out of range)",
                              vw_mode_name(mode), from_pc4, to % 10000);
        prev = to;
    }
    m->seen[a] = 1;
    if (len > 0) {
        /* destinations ascend and ranks ascend with the PC4: the band is the
         * first pair's rank to the last's */
        uint32_t lo = tt->rank[p[0] | p[1] << 8];
        uint32_t hi = tt->rank[p[len - 4] | p[len - 3] << 8];
        uint32_t span = hi - lo + 1;
        uint16_t *row = malloc(span * sizeof *row);
        if (row == NULL)
            return oom(err);
        memset(row, 0xff, span * sizeof *row); /* VW_TT_NONE where a pair is missing */
        for (size_t k = 0; k < len; k += VW_TT_PAIR_BYTES)
            row[tt->rank[p[k] | p[k + 1] << 8] - lo] =
                (uint16_t)(p[k + 2] | (unsigned)p[k + 3] << 8);
        m->rows[a] = row;
        m->lo[a] = (uint16_t)lo;
        m->len[a] = (uint16_t)span;
        tt->bytes += span * sizeof *row;
    }
    m->pairs += len / VW_TT_PAIR_BYTES;
    m->full[a] = len / VW_TT_PAIR_BYTES == tt->n;
    return 0;
}

/* An upper bound of the km of a chord (squared, on the unit sphere),
 * without trigonometry: km = 2 R asin(c / 2), asin u <= u + 0.1834 u^3 for
 * u <= 0.1 (the next Taylor terms are below 0.01 u^3 there). */
static double chord_km_up(double c2)
{
    if (!(c2 < INFINITY))
        return INFINITY;
    double u = 0.5 * sqrt(c2);
    double a = u <= 0.1 ? u + 0.1834 * u * u * u : asin(u > 1.0 ? 1.0 : u);
    return 2.0 * VW_EARTH_RADIUS_KM * a * (1.0 + SLACK_REL) + SLACK_KM;
}

/* An upper bound of vw_geo_km between two unit vectors. */
static double km_up(const double *x, const double *y) { return chord_km_up(chord2(x, y)); }

/* The nearest-centroid search, in two passes over the same grid rings:
 * first the shortest chord (chords order points as great-circle distances
 * do, and cost no trigonometry), then the haversine of just the centroids
 * whose chord is within rounding of it -- so the answer is exactly that of
 * a haversine scan (ties: the lower rank). */
typedef struct near_scan {
    const vw_tt *tt;
    double o[3], lat, lon;
    int pass;          /* 1: chords; 2: haversines */
    double best_c2;    /* pass 1: the shortest squared chord */
    double cut_c2;     /* pass 2: the squared chords worth a haversine */
    double best_km;    /* pass 2 */
    uint32_t best;
} near_scan;

static void near_visit(near_scan *ns, uint32_t rk)
{
    double c2 = chord2(ns->o, ns->tt->xyz + 3 * rk);
    if (ns->pass == 1) {
        if (c2 < ns->best_c2)
            ns->best_c2 = c2;
        return;
    }
    if (c2 > ns->cut_c2)
        return;
    double d = vw_geo_km(ns->lat, ns->lon, ns->tt->lat[rk], ns->tt->lon[rk]);
    if (d < ns->best_km || (d == ns->best_km && rk < ns->best)) {
        ns->best_km = d;
        ns->best = rk;
    }
}

/* The centroids of the cells at Chebyshev distance r from (cr, cc). */
static void near_ring(near_scan *ns, int cr, int cc, int r)
{
    const vw_tt *tt = ns->tt;
    for (int row = cr - r; row <= cr + r; row++) {
        if (row < 0 || row >= VW_TT_GRID_ROWS)
            continue;
        bool edge = row == cr - r || row == cr + r;
        for (int col = cc - r; col <= cc + r; col += edge ? 1 : 2 * r) {
            if (col >= 0 && col < VW_TT_GRID_COLS) {
                size_t c = (size_t)row * VW_TT_GRID_COLS + (size_t)col;
                for (uint32_t k = tt->cell_start[c]; k < tt->cell_start[c + 1]; k++)
                    near_visit(ns, tt->cell_rank[k]);
            }
            if (r == 0)
                break;
        }
    }
}

uint32_t vw_tt_nearest(const vw_tt *tt, double lat, double lon)
{
    near_scan ns = {.tt = tt, .lat = lat, .lon = lon, .pass = 1, .best_c2 = INFINITY,
                    .best_km = INFINITY, .best = 0};
    unit_vector(lat, lon, ns.o);
    bool inside = tt->all_inside && vw_geo_in_nl(lat, lon);
    int cr = grid_row(lat), cc = grid_col(lon);
    int max_r = VW_TT_GRID_COLS; /* the larger dimension: every cell */
    int r = 0;
    for (; r <= max_r; r++) {
        /* outside the box the ring bound does not hold: look everywhere */
        if (inside && r > 1 && (r - 1) * RING_KM > chord_km_up(ns.best_c2))
            break;
        near_ring(&ns, cr, cc, r);
    }
    ns.pass = 2;
    ns.cut_c2 = ns.best_c2 * (1.0 + 1e-6) + 1e-20;
    for (int k = 0; k < r; k++)
        near_ring(&ns, cr, cc, k);
    return ns.best;
}

/* The PC4 of a provider: its postcode's when that is in the table, else the
 * nearest centroid's. */
static uint32_t provider_rank(const vw_tt *tt, const vw_provider *p)
{
    vw_provider_text t;
    vw_provider_text_get(p, &t);
    vw_postcode pc;
    if (t.postcode && strlen(t.postcode) >= 4 && vw_postcode_parse(t.postcode, 4, &pc) == 0 &&
        tt->rank[pc.pc4] != VW_TT_NONE)
        return tt->rank[pc.pc4];
    return vw_tt_nearest(tt, p->lat, p->lon);
}


/* km as 10 m units, rounded up (2 bytes a cell: 2.3 MB a mode). */
static uint16_t dam_up(double km)
{
    double d = ceil(km * 100.0);
    return d >= VW_TT_FAR ? (uint16_t)VW_TT_FAR : (uint16_t)d;
}

/* A reach cell as km; VW_TT_FAR: unbounded. */
static inline double reach_km(uint16_t r)
{
    return r == VW_TT_FAR ? INFINITY : r / 100.0;
}

static void bounds(vw_tt *tt, vw_tt_matrix *m, const double *xyz)
{
    size_t n = tt->n;
    for (size_t a = 0; a < n; a++) {
        const uint16_t *row = m->rows[a];
        uint16_t *x = m->reach + a * VW_TT_REACH_W;
        for (size_t j = 0; j < m->len[a]; j++) {
            size_t b = m->lo[a] + j;
            if (row[j] == VW_TT_NONE)
                continue;
            unsigned k = (row[j] + 9u) / 10u; /* the first whole minute >= M */
            if (k > VW_TT_REACH_MIN)
                k = VW_TT_REACH_MIN + 1;
            uint16_t r = dam_up((km_up(xyz + 3 * a, xyz + 3 * b) + tt->radius[b]) *
                                (1.0 + SLACK_REL) + SLACK_KM);
            if (r > x[k])
                x[k] = r;
        }
        for (unsigned k = 1; k < VW_TT_REACH_W; k++) /* "M <= k": a running maximum */
            if (x[k - 1] > x[k])
                x[k] = x[k - 1];
    }
}

/* A lower bound of the km of a chord (squared, on the unit sphere):
 * km = 2 R asin(c / 2) >= R c. */
static double chord_km_lo(double c2)
{
    return VW_EARTH_RADIUS_KM * sqrt(c2) * (1.0 - SLACK_REL) - SLACK_KM;
}

/* Each row's destinations by (minutes, rank): collected in rank order, then
 * a stable LSD radix sort on the tenths, one byte a pass (a comparison sort
 * of 4 million pairs took 0.2 s a mode). */
static void sort_by_tenths(uint32_t *keys, uint32_t *tmp, uint32_t k)
{
    for (int shift = 16; shift < 32; shift += 8) {
        uint32_t count[257] = {0};
        for (uint32_t j = 0; j < k; j++)
            count[((keys[j] >> shift) & 0xffu) + 1]++;
        if (count[1] == k)
            continue; /* this byte is 0 everywhere: nothing moves */
        for (int c = 0; c < 256; c++)
            count[c + 1] += count[c];
        for (uint32_t j = 0; j < k; j++)
            tmp[count[(keys[j] >> shift) & 0xffu]++] = keys[j];
        memcpy(keys, tmp, k * sizeof *keys);
    }
}

static int walk_orders(vw_tt *tt, vw_tt_matrix *m, const uint32_t *count, const double *xyz)
{
    size_t n = tt->n;
    double r_max = 0.0; /* the largest R_b: a chord beyond best + r_max cannot improve */
    for (size_t b = 0; b < n; b++)
        if (tt->radius[b] > r_max)
            r_max = tt->radius[b];
    m->order = malloc((size_t)(m->pairs ? m->pairs : 1) * sizeof *m->order);
    m->order_start = malloc((n + 1) * sizeof *m->order_start);
    m->miss_km = malloc(n * sizeof *m->miss_km);
    uint32_t *keys = malloc(2 * n * sizeof *keys);
    if (!m->order || !m->order_start || !m->miss_km || !keys) {
        free(keys);
        return -1;
    }
    uint32_t fill = 0;
    for (size_t a = 0; a < n; a++) {
        const uint16_t *row = m->rows[a];
        const double *x = xyz + 3 * a;
        uint32_t k = 0;
        double miss = INFINITY, cut2 = INFINITY; /* squared chord worth a look */
        for (size_t b = 0; b < n; b++) {
            size_t j = b - m->lo[a]; /* wraps below the band */
            if (row && j < m->len[a] && row[j] != VW_TT_NONE) {
                keys[k++] = (uint32_t)row[j] << 16 | (uint32_t)b;
                continue;
            }
            if (count[b] == 0)
                continue; /* no provider there: nothing falls back */
            double c2 = chord2(x, xyz + 3 * b);
            if (c2 >= cut2)
                continue;
            double d = chord_km_lo(c2) - tt->radius[b];
            if (d < miss) {
                miss = d;
                double c = (miss + r_max + 1.0) / VW_EARTH_RADIUS_KM; /* generous */
                cut2 = c > 0.0 ? c * c : 0.0;
            }
        }
        sort_by_tenths(keys, keys + n, k);
        m->order_start[a] = fill;
        for (uint32_t j = 0; j < k; j++)
            m->order[fill++] = (uint16_t)(keys[j] & 0xffffu);
        m->miss_km[a] = miss;
    }
    m->order_start[n] = fill;
    tt->bytes += (size_t)fill * sizeof *m->order + (n + 1) * sizeof *m->order_start +
                 n * sizeof *m->miss_km;
    free(keys);
    return 0;
}

/* The index's entries (grid, then outside) grouped by (discipline, PC4
 * rank); within a group in the index's order. */
static int group_entries(vw_tt *tt, const vw_provider *prov, uint32_t n_prov,
                         const vw_index *ix)
{
    size_t stride = (size_t)tt->n + 1, slots = (size_t)VW_D_COUNT * stride;
    size_t n_grid = ix->cell_start[(size_t)VW_D_COUNT * ((size_t)VW_INDEX_CELLS + 1) - 1];
    size_t n_out = ix->outside_start[VW_D_COUNT];
    const vw_ient *part[2] = {ix->entries, ix->outside};
    size_t part_len[2] = {n_grid, n_out};
    uint32_t *cursor = NULL;
    int rc = -1;
    if (n_grid + n_out != n_prov)
        return -1; /* every provider is in the grid or outside it */
    tt->grp = malloc((n_prov ? n_prov : 1) * sizeof *tt->grp);
    tt->grp_start = calloc(slots + 1, sizeof *tt->grp_start);
    cursor = malloc(slots * sizeof *cursor);
    if (!tt->grp || !tt->grp_start || !cursor)
        goto out;
    for (uint32_t i = 0; i < n_prov; i++)
        tt->grp_start[prov[i].discipline * stride + tt->prov[i] + 1]++;
    for (size_t k = 1; k <= slots; k++)
        tt->grp_start[k] += tt->grp_start[k - 1];
    memcpy(cursor, tt->grp_start, slots * sizeof *cursor);
    for (int p = 0; p < 2; p++)
        for (size_t k = 0; k < part_len[p]; k++) {
            uint32_t i = part[p][k].pf & VW_IENT_INDEX_MASK;
            tt->grp[cursor[prov[i].discipline * stride + tt->prov[i]]++] = part[p][k];
        }
    tt->bytes += (size_t)n_prov * sizeof *tt->grp + (slots + 1) * sizeof *tt->grp_start;
    rc = 0;
out:
    free(cursor);
    return rc;
}

int vw_tt_finish(vw_tt *tt, const vw_provider *prov, uint32_t n, const vw_index *ix,
                 vw_err *err)
{
    int rc = -1;
    const double *xyz = tt ? tt->xyz : NULL;
    uint32_t *count = NULL; /* providers per rank */
    if (!vw_tt_any(tt))
        return 0;
    tt->prov = malloc((size_t)(n ? n : 1) * sizeof *tt->prov);
    if (!tt->prov) {
        oom(err);
        goto out;
    }
    tt->bytes += (size_t)n * sizeof *tt->prov;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = provider_rank(tt, &prov[i]);
        tt->prov[i] = (uint16_t)r;
        double d = vw_geo_km(tt->lat[r], tt->lon[r], prov[i].lat, prov[i].lon);
        d = d * (1.0 + SLACK_REL) + SLACK_KM;
        if (d > tt->radius[r])
            tt->radius[r] = d;
    }
    count = calloc(tt->n ? tt->n : 1, sizeof *count);
    if (!count || group_entries(tt, prov, n, ix) != 0) {
        oom(err);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        count[tt->prov[i]]++;
    for (int m = 0; m < VW_MODE_ALL; m++) {
        if (!tt->m[m].rows)
            continue;
        free(tt->m[m].seen);
        tt->m[m].seen = NULL;
        bounds(tt, &tt->m[m], xyz);
        if (walk_orders(tt, &tt->m[m], count, xyz) != 0) {
            oom(err);
            goto out;
        }
    }
    tt->bytes += sizeof *tt + (size_t)tt->n * (sizeof *tt->code + 3 * sizeof(double));
    rc = 0;
out:
    free(count);
    return rc;
}

/* ---- per query ------------------------------------------------------------- */

int vw_tt_origin_init(vw_tt_origin *o, const vw_snapshot *s, const vw_travel_model *tm,
                      vw_mode mode, double lat, double lon, int pc4, vw_err *err)
{
    memset(o, 0, sizeof *o);
    o->tm = tm;
    o->mode = mode;
    if ((int)mode < 0 || mode >= VW_MODE_ALL)
        return err ? vw_err_set(err, VW_E_BAD_REQUEST, "unknown travel mode") : -1;
    o->model_ok = mode < VW_MODE_COUNT;
    const vw_tt *tt = s->tt;
    if (tt && tt->m[mode].rows) {
        static const uint16_t empty = VW_TT_NONE; /* a row without pairs */
        uint32_t a = (pc4 > 0 && pc4 < VW_PC4_SLOTS && tt->rank[pc4] != VW_TT_NONE)
                         ? tt->rank[pc4]
                         : vw_tt_nearest(tt, lat, lon);
        const vw_tt_matrix *m = &tt->m[mode];
        o->row = m->rows[a] ? m->rows[a] : &empty;
        o->row_lo = m->lo[a];
        o->row_len = m->len[a];
        o->prov = tt->prov;
        o->pc4 = tt->code[a];
        o->d_km = vw_geo_km(lat, lon, tt->lat[a], tt->lon[a]) * (1.0 + SLACK_REL) + SLACK_KM;
        o->reach = tt->m[mode].reach + (size_t)a * VW_TT_REACH_W;
        o->row_full = tt->m[mode].full[a];
        o->order = m->order + m->order_start[a];
        o->order_len = m->order_start[a + 1] - m->order_start[a];
        /* by the triangle inequality, less the origin's distance to its centroid */
        o->miss_km = m->miss_km[a] - o->d_km;
        o->tt = tt;
        return 0;
    }
    if (!o->model_ok)
        return err ? vw_err_set(err, VW_E_BAD_REQUEST,
                                "mode '%s' needs a travel-time matrix, and none is loaded "
                                "(verwijs import traveltimes FILE --mode %s)",
                                vw_mode_name(mode), vw_mode_name(mode))
                   : -1;
    return 0;
}

double vw_tt_km_bound(const vw_tt_origin *o, double minutes)
{
    if (!(minutes < INFINITY))
        return INFINITY;
    double model = o->model_ok ? vw_geo_km_for_minutes(o->tm, o->mode, minutes) : 0.0;
    if (!o->row)
        return model;
    double c = ceil(minutes);
    unsigned i = c <= 0 ? 0 : (c >= VW_TT_REACH_MIN ? VW_TT_REACH_MIN + 1 : (unsigned)c);
    if (c == VW_TT_REACH_MIN)
        i = VW_TT_REACH_MIN;
    double k = (o->d_km + reach_km(o->reach[i])) * (1.0 + SLACK_REL) + SLACK_KM;
    return (!o->row_full && model > k) ? model : k;
}

double vw_tt_minutes_lo(const vw_tt_origin *o, double km_lo)
{
    double model = o->model_ok ? vw_geo_minutes(o->tm, o->mode, km_lo) : INFINITY;
    if (!o->row)
        return model;
    /* the largest k whose reach stays short of km_lo: every matrix pair at
     * km_lo or farther takes more than k minutes */
    double km = km_lo * (1.0 - SLACK_REL) - SLACK_KM - o->d_km;
    double m;
    if (!(km > reach_km(o->reach[0]))) {
        m = 0.0;
    } else if (km > reach_km(o->reach[VW_TT_REACH_MIN + 1])) {
        m = INFINITY; /* beyond every pair of the row */
    } else {
        unsigned lo = 0, hi = VW_TT_REACH_MIN + 1; /* reach[lo] < km <= reach[hi] */
        while (hi - lo > 1) {
            unsigned mid = (lo + hi) / 2;
            if (reach_km(o->reach[mid]) < km)
                lo = mid;
            else
                hi = mid;
        }
        m = lo; /* pairs beyond reach[lo] take more than lo minutes */
    }
    return (!o->row_full && model < m) ? model : m;
}

/* ---- the snapshot's view -------------------------------------------------- */

bool vw_snapshot_has_matrix(const vw_snapshot *s, vw_mode mode)
{
    return s->tt && (int)mode >= 0 && mode < VW_MODE_ALL && s->tt->m[mode].rows != NULL;
}

uint64_t vw_snapshot_matrix_pairs(const vw_snapshot *s, vw_mode mode)
{
    return vw_snapshot_has_matrix(s, mode) ? s->tt->m[mode].pairs : 0;
}

bool vw_snapshot_mode_ok(const vw_snapshot *s, vw_mode mode)
{
    return ((int)mode >= 0 && mode < VW_MODE_COUNT) || vw_snapshot_has_matrix(s, mode);
}

const char *vw_tt_mode_source(const vw_snapshot *s, vw_mode mode)
{
    return vw_time_source_name(vw_snapshot_has_matrix(s, mode) ? VW_TS_MATRIX : VW_TS_MODEL);
}

void vw_snapshot_matrix_summary(const vw_snapshot *s, char *out, size_t cap)
{
    size_t used = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    for (int m = 0; m < VW_MODE_ALL; m++) {
        if (!vw_snapshot_has_matrix(s, (vw_mode)m) || used >= cap)
            continue;
        int w = snprintf(out + used, cap - used, "%s%s %llu", used ? ", " : "",
                         vw_mode_name((vw_mode)m),
                         (unsigned long long)vw_snapshot_matrix_pairs(s, (vw_mode)m));
        if (w > 0)
            used += (size_t)w;
    }
    if (used == 0)
        snprintf(out, cap, "none");
}
