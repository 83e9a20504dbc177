/* match.c -- the query engine of match.h: a ring walk over the per-discipline
 * grids of index.h with a bounded max-heap; with a travel-time matrix a walk
 * over the origin's destination PC4s in minutes order, then the ring walk for
 * the pairs the matrix lacks; the online counterpart, and the brute-force
 * reference. docs/ENGINE.md explains the pruning bounds. */
#include "match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "traveltime_int.h"

#define DEG (M_PI / 180.0)
#define ALL_DISCIPLINES ((1u << VW_D_COUNT) - 1u)

/* ---- filters shared by every path ---------------------------------------- */

/* The query's discipline mask, 0 when nothing can match. */
static uint32_t disc_mask(const vw_match_query *q)
{
    return q->disciplines ? (q->disciplines & ALL_DISCIPLINES) : ALL_DISCIPLINES;
}

/* A query the engine answers at all (else: no hits, on every path). */
static bool query_ok(const vw_match_query *q)
{
    return q->limit > 0 && isfinite(q->lat) && isfinite(q->lon) && fabs(q->lat) <= 90.0 &&
           fabs(q->lon) <= 180.0 && (int)q->mode >= 0 && q->mode < VW_MODE_ALL &&
           !isnan(q->within_min) && disc_mask(q) != 0;
}

static uint32_t cap_limit(const vw_match_query *q)
{
    return q->limit > VW_MATCH_MAX_LIMIT ? VW_MATCH_MAX_LIMIT : q->limit;
}

static bool ext_on(const vw_match_query *q)
{
    return q->n_languages || q->wheelchair || q->direct_access || q->open_filter ||
           q->wait_filter;
}

bool vw_match_ext_passes(const vw_snapshot *s, uint32_t i, const vw_match_query *q)
{
    const vw_provider_ext *x = vw_snapshot_provider_ext(s, i);
    if (q->wheelchair && x->wheelchair != VW_TRI_YES)
        return false;
    if (q->direct_access && x->direct_access != VW_TRI_YES)
        return false;
    if (q->wait_filter && (x->wait_confirmed == VW_DATE_NONE ||
                           x->wait_confirmed < q->wait_valid_since ||
                           x->wait_weeks > q->max_wait_weeks))
        return false;
    if (q->open_filter &&
        (!((x->open_days >> q->open_day) & 1u) ||
         (q->open_minute >= 0 && !vw_hours_open(vw_snapshot_hours(s) + x->hours_first,
                                                x->hours_count, q->open_day, q->open_minute))))
        return false;
    if (q->n_languages) {
        uint32_t n = q->n_languages < VW_LANG_MAX ? q->n_languages : VW_LANG_MAX;
        const vw_lang *lang = vw_snapshot_langs(s, x);
        for (int k = 0; k < VW_LANG_MAX && lang[k]; k++)
            for (uint32_t j = 0; j < n; j++)
                if (lang[k] == q->languages[j])
                    return true;
        return false;
    }
    return true;
}

/* Filters other than discipline and distance, on the provider record. */
static bool provider_passes(const vw_snapshot *s, uint32_t i, const vw_provider *p,
                            const vw_match_query *q)
{
    if (q->accepting_only && !p->accepting)
        return false;
    if (q->region >= 0 && p->region != q->region)
        return false;
    if (ext_on(q) && !vw_match_ext_passes(s, i, q))
        return false;
    return vw_provider_has_tags(s, i, q->tags, q->as_of);
}

/* ---- the bounded heap: the best `cap` by (minutes, km, provider), worst on
 * top. Under the model minutes grow with km, so this is (km, provider). --- */
typedef struct heap {
    vw_match_hit h[VW_MATCH_MAX_LIMIT];
    uint32_t n, cap;
} heap;

static inline bool worse(const vw_match_hit *a, const vw_match_hit *b)
{
    if (a->minutes != b->minutes)
        return a->minutes > b->minutes;
    return a->km > b->km || (a->km == b->km && a->provider > b->provider);
}

static void heap_sift_down(heap *hp, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < hp->n && worse(&hp->h[l], &hp->h[m]))
            m = l;
        if (r < hp->n && worse(&hp->h[r], &hp->h[m]))
            m = r;
        if (m == i)
            return;
        vw_match_hit t = hp->h[i];
        hp->h[i] = hp->h[m];
        hp->h[m] = t;
        i = m;
    }
}

/* Offers a candidate; true when the heap's worst changed. */
static bool heap_offer(heap *hp, uint32_t provider, double km, double minutes, uint8_t source)
{
    vw_match_hit x = {.provider = provider, .source = source, .km = km, .minutes = minutes};
    if (hp->n < hp->cap) {
        uint32_t i = hp->n++;
        while (i > 0) {
            uint32_t parent = (i - 1) / 2;
            if (!worse(&x, &hp->h[parent]))
                break;
            hp->h[i] = hp->h[parent];
            i = parent;
        }
        hp->h[i] = x;
        return hp->n == hp->cap;
    }
    if (!worse(&hp->h[0], &x))
        return false;
    hp->h[0] = x;
    heap_sift_down(hp, 0);
    return true;
}

/* Writes the heap ascending into hits; returns the count. */
static uint32_t heap_emit(heap *hp, vw_match_hit *hits)
{
    uint32_t n = hp->n;
    while (hp->n > 0) {
        vw_match_hit top = hp->h[0];
        hp->h[0] = hp->h[--hp->n];
        heap_sift_down(hp, 0);
        hits[hp->n] = top;
    }
    return n;
}

/* ---- lower bounds (ENGINE.md, "Why the pruning is exact") ---------------- */

/* A lower bound of hav(x) = sin^2(x/2) for x >= 0, without trigonometry:
 * sin(a) >= a - a^3/6 for a >= 0. */
static inline double hav_lo(double x)
{
    double a = 0.5 * x;
    double s = a - a * a * a * (1.0 / 6.0);
    return s > 0.0 ? s * s : 0.0;
}

/* The haversine h of a distance threshold, made generous so that a point
 * whose true h exceeds it has computed km > km_thr despite rounding. */
static double h_of_km(double km_thr)
{
    double x = (km_thr * (1.0 + 1e-9) + 1e-9) / VW_EARTH_RADIUS_KM;
    if (x >= M_PI)
        return INFINITY;
    double s = sin(0.5 * x);
    return s * s;
}

typedef struct walk {
    const vw_snapshot *s;
    const vw_index *ix;
    const vw_travel_model *tm;
    const vw_match_query *q;
    vw_tt_origin o;  /* travel times from the origin (traveltime.h) */
    heap hp;
    double olat, olon, cos_o;
    double radius_h; /* INFINITY without a travel-time limit */
    double thr_h;    /* prune bound: min(radius_h, h of the heap's worst when full) */
    uint32_t dmask;
    bool ext;        /* side-table filters on */
} walk;

/* The ring walk's prune bound. Without a row it walks every provider under
 * the model, where minutes grow with km, so the worst's km bounds; with a
 * row it walks only the providers whose pair the matrix lacks (the PC4 walk
 * had the others), all under the model: the km the worst's minutes allow. */
static void update_thr(walk *w)
{
    double t = w->radius_h;
    if (w->hp.n == w->hp.cap) {
        double hw = h_of_km(w->o.row ? vw_geo_km_for_minutes(w->tm, w->o.mode,
                                                              w->hp.h[0].minutes)
                                     : w->hp.h[0].km);
        if (hw < t)
            t = hw;
    }
    w->thr_h = t;
}

/* Longitude gap (radians) from the origin to [lo, hi]; a negative value
 * means "no usable bound" (beyond a quarter turn the haversine of the
 * longitude difference is not monotone over the range). */
static inline double lon_gap(double olon, double lo, double hi)
{
    double g = olon < lo ? lo - olon : (olon > hi ? olon - hi : 0.0);
    return g > 90.0 ? -1.0 : g * DEG;
}

static inline double lat_gap(double olat, double lo, double hi)
{
    return (olat < lo ? lo - olat : (olat > hi ? olat - hi : 0.0)) * DEG;
}

/* The filters on the provider record and its side table, last because they
 * read beyond the index entry (both walks). */
static inline bool record_passes(const walk *w, uint32_t i)
{
    const vw_match_query *q = w->q;
    if (q->region >= 0 && vw_snapshot_provider(w->s, i)->region != q->region)
        return false;
    return !w->ext || vw_match_ext_passes(w->s, i, q);
}

/* One candidate; cos_lo is a lower bound of cos(latitude) for the entry. */
static inline void consider(walk *w, const vw_ient *e, double cos_lo)
{
    const vw_match_query *q = w->q;
    uint32_t pf = e->pf;
    if (q->accepting_only && !(pf & VW_IENT_ACCEPTING))
        return;
    bool tags_ok = (e->tags & q->tags) == q->tags;
    if (!tags_ok && !(pf & VW_IENT_HAS_REGS))
        return;
    /* Cheap lower bound of this entry's haversine before the exact one. */
    double dl = fabs(e->lat - w->olat) * DEG, dn = fabs(e->lon - w->olon) * DEG;
    if (dn <= 0.5 * M_PI && hav_lo(dl) + w->cos_o * cos_lo * hav_lo(dn) > w->thr_h)
        return;
    if (!tags_ok && (vw_ient_tags_on(w->ix, e, q->as_of) & q->tags) != q->tags)
        return;
    uint32_t i = pf & VW_IENT_INDEX_MASK;
    if (w->o.row && vw_tt_cell(&w->o, i) != VW_TT_NONE)
        return; /* the fallback walk: a provider with a pair was the PC4 walk's */
    /* The side table is read only for candidates within the prune bound. */
    if (!record_passes(w, i))
        return;
    double km = vw_geo_km(q->lat, q->lon, e->lat, e->lon);
    uint8_t src;
    double min = vw_tt_minutes(&w->o, i, km, &src);
    if (!(min < INFINITY) || (q->within_min >= 0.0 && !(min <= q->within_min)))
        return;
    if (heap_offer(&w->hp, i, km, min, src))
        update_thr(w);
}

static void scan_cell(walk *w, int row, int col)
{
    const vw_index *ix = w->ix;
    double lat_lo = VW_NL_LAT_MIN + row * VW_INDEX_CELL_LAT;
    double lon_lo = VW_NL_LON_MIN + col * VW_INDEX_CELL_LON;
    double gl = lat_gap(w->olat, lat_lo, lat_lo + VW_INDEX_CELL_LAT);
    double gn = lon_gap(w->olon, lon_lo, lon_lo + VW_INDEX_CELL_LON);
    double cos_lo = ix->row_cos_lo[row];
    double h = hav_lo(gl) + (gn > 0.0 ? w->cos_o * cos_lo * hav_lo(gn) : 0.0);
    if (h > w->thr_h)
        return;
    size_t cell = (size_t)row * VW_INDEX_COLS + (size_t)col;
    for (uint32_t m = w->dmask; m; m &= m - 1) {
        int d = __builtin_ctz(m);
        const uint32_t *cs = ix->cell_start + (size_t)d * (VW_INDEX_CELLS + 1) + cell;
        for (uint32_t k = cs[0]; k < cs[1]; k++)
            consider(w, &ix->entries[k], cos_lo);
    }
}

/* Lower bound (as h) of the distance to any grid cell outside the box of
 * cells within Chebyshev distance r - 1 of (cr, cc); INFINITY when no such
 * cell exists. */
static double ring_bound(const walk *w, int cr, int cc, int r)
{
    double h = INFINITY;
    if (cr + r < VW_INDEX_ROWS) /* rows above */
        h = fmin(h, hav_lo(lat_gap(w->olat, VW_NL_LAT_MIN + (cr + r) * VW_INDEX_CELL_LAT, 90.0)));
    if (cr - r >= 0) /* rows below */
        h = fmin(h, hav_lo(lat_gap(w->olat, -90.0,
                                   VW_NL_LAT_MIN + (cr - r + 1) * VW_INDEX_CELL_LAT)));
    double k = w->cos_o * w->ix->grid_cos_lo;
    if (cc + r < VW_INDEX_COLS) { /* columns east */
        double g = lon_gap(w->olon, VW_NL_LON_MIN + (cc + r) * VW_INDEX_CELL_LON, 180.0);
        h = fmin(h, g > 0.0 ? k * hav_lo(g) : 0.0);
    }
    if (cc - r >= 0) { /* columns west */
        double g = lon_gap(w->olon, -180.0, VW_NL_LON_MIN + (cc - r + 1) * VW_INDEX_CELL_LON);
        h = fmin(h, g > 0.0 ? k * hav_lo(g) : 0.0);
    }
    return h;
}

static int clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* The walk over the grid rings around the origin, nearest cells first,
 * until the ring bound passes the prune bound. */
static void ring_walk(walk *w)
{
    const vw_match_query *q = w->q;
    update_thr(w);
    /* Providers outside the grid box (normally none): always scanned. */
    for (uint32_t m = w->dmask; m; m &= m - 1) {
        int d = __builtin_ctz(m);
        for (uint32_t k = w->ix->outside_start[d]; k < w->ix->outside_start[d + 1]; k++)
            consider(w, &w->ix->outside[k], 0.0); /* any latitude: no cos bound */
    }

    /* An origin outside the box starts from the nearest edge cell; the bounds
     * use true cell edges, so they stay valid. */
    double fr = floor((q->lat - VW_NL_LAT_MIN) / VW_INDEX_CELL_LAT);
    double fc = floor((q->lon - VW_NL_LON_MIN) / VW_INDEX_CELL_LON);
    int cr = (int)fmax(0.0, fmin(fr, VW_INDEX_ROWS - 1));
    int cc = (int)fmax(0.0, fmin(fc, VW_INDEX_COLS - 1));
    int max_r = VW_INDEX_ROWS > VW_INDEX_COLS ? VW_INDEX_ROWS : VW_INDEX_COLS;
    for (int r = 0; r < max_r; r++) {
        if (r > 0 && ring_bound(w, cr, cc, r) > w->thr_h)
            break;
        int r0 = cr - r, r1 = cr + r, c0 = cc - r, c1 = cc + r;
        int cl0 = clamp(c0, 0, VW_INDEX_COLS - 1), cl1 = clamp(c1, 0, VW_INDEX_COLS - 1);
        if (r0 >= 0)
            for (int c = cl0; c <= cl1; c++)
                scan_cell(w, r0, c);
        if (r > 0 && r1 < VW_INDEX_ROWS)
            for (int c = cl0; c <= cl1; c++)
                scan_cell(w, r1, c);
        int rl0 = clamp(r0 + 1, 0, VW_INDEX_ROWS - 1), rl1 = clamp(r1 - 1, 0, VW_INDEX_ROWS - 1);
        if (r > 0 && r0 + 1 <= r1 - 1) {
            if (c0 >= 0)
                for (int row = rl0; row <= rl1; row++)
                    scan_cell(w, row, c0);
            if (c1 < VW_INDEX_COLS)
                for (int row = rl0; row <= rl1; row++)
                    scan_cell(w, row, c1);
        }
    }
}

/* A candidate of the PC4 walk: its minutes are the pair's, the same for
 * every provider of the destination PC4, so only the filters and the km
 * (the tie-break) are left. */
static inline void consider_pair(walk *w, const vw_ient *e, double minutes)
{
    const vw_match_query *q = w->q;
    uint32_t pf = e->pf;
    if (q->accepting_only && !(pf & VW_IENT_ACCEPTING))
        return;
    if ((e->tags & q->tags) != q->tags &&
        (!(pf & VW_IENT_HAS_REGS) || (vw_ient_tags_on(w->ix, e, q->as_of) & q->tags) != q->tags))
        return;
    uint32_t i = pf & VW_IENT_INDEX_MASK;
    if (!record_passes(w, i))
        return;
    heap_offer(&w->hp, i, vw_geo_km(q->lat, q->lon, e->lat, e->lon), minutes, VW_TS_MATRIX);
}

/* The matrix path (ENGINE.md, "The PC4 walk"): the origin row's destination
 * PC4s in ascending minutes, each PC4's providers of the asked disciplines,
 * until the minutes pass the limit or the full heap's worst (strictly:
 * equal minutes still compete on km). Then the pairs the row lacks, under
 * the model, by the ring walk -- skipped when no such provider can be near
 * enough (o.miss_km). */
static void pc4_walk(walk *w)
{
    const vw_match_query *q = w->q;
    const vw_tt_origin *o = &w->o;
    for (uint32_t k = 0; k < o->order_len; k++) {
        uint32_t b = o->order[k];
        double minutes = o->row[b - o->row_lo] / 10.0; /* as vw_tt_minutes */
        if (q->within_min >= 0.0 && !(minutes <= q->within_min))
            break;
        if (w->hp.n == w->hp.cap && minutes > w->hp.h[0].minutes)
            break;
        for (uint32_t m = w->dmask; m; m &= m - 1) {
            uint32_t n;
            const vw_ient *g = vw_tt_group(o->tt, __builtin_ctz(m), b, &n);
            for (uint32_t j = 0; j < n; j++)
                consider_pair(w, &g[j], minutes);
        }
    }
    if (!o->model_ok || o->row_full || !(o->miss_km < INFINITY))
        return;
    double lo = o->miss_km > 0.0 ? vw_geo_minutes(w->tm, o->mode, o->miss_km) : 0.0;
    if ((q->within_min >= 0.0 && lo > q->within_min) ||
        (w->hp.n == w->hp.cap && lo > w->hp.h[0].minutes))
        return;
    w->radius_h = q->within_min >= 0.0
                      ? h_of_km(vw_geo_km_for_minutes(w->tm, o->mode, q->within_min))
                      : INFINITY;
    ring_walk(w);
}

uint32_t vw_match(const vw_snapshot *s, const vw_travel_model *tm, const vw_match_query *q,
                  vw_match_hit *hits)
{
    walk w;
    if (!query_ok(q) ||
        vw_tt_origin_init(&w.o, s, tm, q->mode, q->lat, q->lon, q->origin_pc4, NULL) != 0 ||
        (q->model_only && !w.o.model_ok))
        return 0;
    if (q->model_only)
        w.o.row = NULL;
    w.s = s;
    w.ix = vw_snapshot_index(s);
    w.tm = tm;
    w.q = q;
    w.hp.n = 0;
    w.hp.cap = cap_limit(q);
    w.hp.h[0].km = 0.0; /* read only once the heap is full; quiets -Wmaybe-uninitialized */
    w.olat = q->lat;
    w.olon = q->lon;
    w.cos_o = cos(q->lat * DEG);
    if (w.cos_o < 0.0)
        w.cos_o = 0.0;
    w.cos_o *= 1.0 - 1e-12;
    w.dmask = disc_mask(q);
    w.ext = ext_on(q);
    if (w.o.row) {
        pc4_walk(&w);
    } else {
        w.radius_h = q->within_min >= 0.0 ? h_of_km(vw_tt_km_bound(&w.o, q->within_min))
                                          : INFINITY;
        ring_walk(&w);
    }
    return heap_emit(&w.hp, hits);
}

/* ---- online providers ----------------------------------------------------- */

static bool in_hits(const vw_match_hit *h, uint32_t n, uint32_t provider)
{
    for (uint32_t i = 0; i < n; i++)
        if (h[i].provider == provider)
            return true;
    return false;
}

uint32_t vw_match_online(const vw_snapshot *s, const vw_match_query *q, const vw_match_hit *skip,
                         uint32_t n_skip, vw_match_hit *hits)
{
    if (!query_ok(q))
        return 0;
    const vw_index *ix = vw_snapshot_index(s);
    uint32_t limit = cap_limit(q), n = 0;
    uint32_t cur[VW_D_COUNT], end[VW_D_COUNT];
    uint32_t dmask = disc_mask(q);
    for (int d = 0; d < VW_D_COUNT; d++) {
        cur[d] = ix->online_start[d];
        end[d] = (dmask >> d) & 1u ? ix->online_start[d + 1] : cur[d];
    }
    /* Merge the per-discipline lists (each in index order), filtering heads;
     * the skipped ones are left out before the cut at `limit`, so the list is
     * full whenever enough online providers pass. */
    while (n < limit) {
        int best = -1;
        for (int d = 0; d < VW_D_COUNT; d++) {
            while (cur[d] < end[d] &&
                   (!provider_passes(s, ix->online[cur[d]],
                                     vw_snapshot_provider(s, ix->online[cur[d]]), q) ||
                    in_hits(skip, n_skip, ix->online[cur[d]])))
                cur[d]++;
            if (cur[d] < end[d] && (best < 0 || ix->online[cur[d]] < ix->online[cur[best]]))
                best = d;
        }
        if (best < 0)
            break;
        hits[n].provider = ix->online[cur[best]++];
        hits[n].km = 0.0;
        hits[n].minutes = 0.0;
        hits[n].source = VW_TS_MODEL;
        n++;
    }
    return n;
}

/* ---- brute force ------------------------------------------------------------ */

static int hit_cmp(const void *a, const void *b)
{
    const vw_match_hit *x = a, *y = b;
    if (x->minutes != y->minutes)
        return x->minutes < y->minutes ? -1 : 1;
    if (x->km != y->km)
        return x->km < y->km ? -1 : 1;
    return x->provider < y->provider ? -1 : (x->provider > y->provider);
}

uint32_t vw_match_brute(const vw_snapshot *s, const vw_travel_model *tm,
                        const vw_match_query *q, vw_match_hit *hits)
{
    vw_tt_origin o;
    if (!query_ok(q) ||
        vw_tt_origin_init(&o, s, tm, q->mode, q->lat, q->lon, q->origin_pc4, NULL) != 0 ||
        (q->model_only && !o.model_ok))
        return 0;
    if (q->model_only)
        o.row = NULL;
    uint32_t n = vw_snapshot_provider_count(s), found = 0, limit = cap_limit(q);
    uint32_t dmask = disc_mask(q);
    vw_match_hit *all = malloc((size_t)(n ? n : 1) * sizeof *all);
    if (!all)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        const vw_provider *p = vw_snapshot_provider(s, i);
        if (!((dmask >> p->discipline) & 1u) || !provider_passes(s, i, p, q))
            continue;
        double km = vw_geo_km(q->lat, q->lon, p->lat, p->lon);
        uint8_t src;
        double min = vw_tt_minutes(&o, i, km, &src);
        if (!(min < INFINITY) || (q->within_min >= 0.0 && !(min <= q->within_min)))
            continue;
        all[found].provider = i;
        all[found].source = src;
        all[found].km = km;
        all[found].minutes = min;
        found++;
    }
    qsort(all, found, sizeof *all, hit_cmp);
    if (found > limit)
        found = limit;
    memcpy(hits, all, (size_t)found * sizeof *hits);
    free(all);
    return found;
}
