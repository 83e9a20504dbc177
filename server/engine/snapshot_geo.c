/* snapshot_geo.c -- the geography of a snapshot: PC4 populations, the region
 * of every PC4, provider and network, region outlines and PC4 cells.
 *
 * Population (the weight of a PC4 as a demand point): the CBS count of the
 * PC4 where the CBS population is loaded; otherwise every PC4 centroid is
 * given to its nearest place (places_nl.csv, places of 1,000+ people), and a
 * place's population is split equally over the PC4s given to it (remainder to
 * the lowest codes). A place that no PC4 centroid chose (a village between
 * larger ones) gives its population to the PC4 centroid nearest to it. The
 * total is preserved exactly; nearness here is the equirectangular distance
 * at 52 degrees north (within 0.1% of great-circle at Dutch scales, and only
 * used to rank). Documented in docs/GEOGRAPHY.md.
 *
 * Regions: see geodata/regions.h. A network's region is its imported region
 * code, else the region where most of its members practise (ties: lower
 * region index), else -1.
 *
 * All of this except the last step runs on a second thread (vw_geo_job)
 * while the builder sorts, links and indexes the providers: it reads only
 * the PC4 slots, the geography inputs and its own copy of the provider
 * coordinates, and writes only the PC4 slots, regions[] and its own array of
 * provider regions; the builder's thread applies those after joining. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_int.h"

#define KX 0.6157 /* cos(52 degrees): longitude degrees -> latitude-degree units */

void vw_geo_in_free(vw_geo_in *g)
{
    for (int r = 0; r < VW_REGION_COUNT; r++) {
        free(g->wkb[r]);
        g->wkb[r] = NULL;
    }
    free(g->places);
    g->places = NULL;
    g->n_places = g->cap_places = 0;
    free(g->cbs_pop);
    free(g->cbs_65);
    g->cbs_pop = g->cbs_65 = NULL;
}

void vw_snapshot_geo_free(vw_snapshot *s)
{
    if (s->pc4)
        for (int i = 0; i < VW_PC4_SLOTS; i++)
            vw_shape_free(s->pc4[i].cell);
    for (int r = 0; r < VW_REGION_COUNT; r++)
        vw_shape_free(s->regions[r].outline);
    free(s->pc4_codes);
}

static double d2(double lat1, double lon1, double lat2, double lon2)
{
    double dy = lat1 - lat2, dx = (lon1 - lon2) * KX;
    return dx * dx + dy * dy;
}

static int distribute_population(vw_snapshot *s, const vw_geo_in *in, vw_err *err)
{
    uint32_t n = s->n_pc4;
    size_t np = in->n_places;
    uint32_t *nearest = malloc((n ? n : 1) * sizeof *nearest);
    uint32_t *count = calloc(np ? np : 1, sizeof *count);
    int rc = -1;
    if (nearest == NULL || count == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory distributing population");
        goto out;
    }
    for (uint32_t k = 0; k < n; k++) {
        const vw_pc4_slot *c = &s->pc4[s->pc4_codes[k]];
        double best = INFINITY;
        for (size_t p = 0; p < np; p++) {
            double d = d2(c->lat, c->lon, in->places[p].lat, in->places[p].lon);
            if (d < best) {
                best = d;
                nearest[k] = (uint32_t)p;
            }
        }
        count[nearest[k]]++;
    }
    uint32_t *given = calloc(np ? np : 1, sizeof *given);
    if (given == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory distributing population");
        goto out;
    }
    for (uint32_t k = 0; k < n; k++) { /* ascending PC4: the remainder goes to the lowest */
        uint32_t p = nearest[k], pop = in->places[p].population;
        uint32_t share = pop / count[p] + (given[p] < pop % count[p] ? 1 : 0);
        given[p]++;
        s->pc4[s->pc4_codes[k]].population += share;
    }
    for (size_t p = 0; p < np; p++) {
        if (count[p] > 0)
            continue;
        double best = INFINITY;
        uint32_t at = 0;
        for (uint32_t k = 0; k < n; k++) {
            const vw_pc4_slot *c = &s->pc4[s->pc4_codes[k]];
            double d = d2(c->lat, c->lon, in->places[p].lat, in->places[p].lon);
            if (d < best) {
                best = d;
                at = k;
            }
        }
        s->pc4[s->pc4_codes[at]].population += in->places[p].population;
    }
    free(given);
    for (uint32_t k = 0; k < n; k++)
        s->population += s->pc4[s->pc4_codes[k]].population;
    s->has_population = true;
    s->pop_source = VW_POP_PLACES;
    rc = 0;
out:
    free(nearest);
    free(count);
    return rc;
}

/* The CBS population where loaded: each centroid weighs its own count; an
 * unknown one (no row, or kept secret) weighs 0 and is counted. People of
 * PC4s without a centroid are not demand points (the import reports them). */
static void cbs_population(vw_snapshot *s, const vw_geo_in *in)
{
    for (uint32_t k = 0; k < s->n_pc4; k++) {
        int pc = s->pc4_codes[k];
        vw_pc4_slot *c = &s->pc4[pc];
        c->population = in->cbs_pop[pc] >= 0 ? (uint32_t)in->cbs_pop[pc] : 0;
        c->age_65_plus = in->cbs_65[pc] >= 0 ? (uint32_t)in->cbs_65[pc] : 0;
        s->pc4_pop_unknown += in->cbs_pop[pc] < 0;
        s->population += c->population;
        s->age_65_plus += c->age_65_plus;
    }
    s->has_population = true;
    s->pop_source = VW_POP_CBS;
}

void vw_snapshot_network_regions(vw_snapshot *s)
{
    for (uint32_t i = 0; i < s->n_networks; i++) {
        vw_network *net = &s->networks[i];
        const char *code = net->region_code;
        net->region = (int8_t)(code && code[0] ? vw_region_index(code, strlen(code)) : -1);
        if (net->region < 0 && s->has_regions) {
            uint32_t votes[VW_REGION_COUNT] = {0}, best = 0;
            for (uint32_t k = 0; k < net->member_count; k++) {
                int r = s->providers[s->members[net->member_first + k]].region;
                if (r >= 0)
                    votes[r]++;
            }
            for (int r = 0; r < VW_REGION_COUNT; r++)
                if (votes[r] > best) {
                    best = votes[r];
                    net->region = (int8_t)r;
                }
        }
        if (net->region >= 0)
            s->regions[net->region].networks++;
    }
}

/* Phase 1 with region polygons: the regionset (kept for phase 2), PC4
 * regions, outlines and cells. */
static int regions_build(vw_snapshot *s, vw_geo_job *j, vw_err *err)
{
    const vw_geo_in *in = j->in;
    vw_regionset *rs = vw_regionset_new((const unsigned char *const *)in->wkb, in->wkb_len, err);
    double *lat = NULL, *lon = NULL;
    int *reg = NULL;
    vw_shape **cells = NULL;
    int rc = -1;
    if (rs == NULL)
        goto out;
    uint32_t n = s->n_pc4;
    lat = malloc((n + 1) * sizeof *lat);
    lon = malloc((n + 1) * sizeof *lon);
    reg = malloc((n + 1) * sizeof *reg);
    cells = calloc(n + 1, sizeof *cells);
    if (!lat || !lon || !reg || !cells) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory assigning regions");
        goto out;
    }
    for (uint32_t k = 0; k < n; k++) {
        vw_pc4_slot *c = &s->pc4[s->pc4_codes[k]];
        c->region = (int8_t)vw_regionset_locate(rs, c->lat, c->lon);
        lat[k] = c->lat;
        lon[k] = c->lon;
        reg[k] = c->region;
        if (c->region >= 0) {
            s->regions[c->region].pc4++;
            s->regions[c->region].population += c->population;
            s->regions[c->region].age_65_plus += c->age_65_plus;
        }
    }
    for (int r = 0; r < VW_REGION_COUNT; r++) {
        if (!vw_regionset_has(rs, r))
            continue;
        if ((s->regions[r].outline = vw_regionset_outline(rs, r)) == NULL) {
            vw_err_set(err, VW_E_INTERNAL, "region %s: outline failed", vw_region_codes[r]);
            goto out;
        }
        s->regions[r].area_km2 = vw_shape_area_km2(s->regions[r].outline);
    }
    if (vw_regionset_cells(rs, n, lat, lon, reg, cells, err) != 0)
        goto out;
    for (uint32_t k = 0; k < n; k++) {
        s->pc4[s->pc4_codes[k]].cell = cells[k];
        cells[k] = NULL;
    }
    s->has_regions = true;
    j->rs = rs;
    rs = NULL;
    rc = 0;
out:
    free(lat);
    free(lon);
    free(reg);
    free(cells);
    vw_regionset_free(rs);
    return rc;
}

/* Phase 1: everything that needs only the PC4s, places and polygons. */
static int geo_pc4(vw_geo_job *j)
{
    vw_snapshot *s = j->s;
    const vw_geo_in *in = j->in;
    vw_err *err = &j->err;
    s->pc4_codes = malloc((s->n_pc4 + 1) * sizeof *s->pc4_codes);
    if (s->pc4_codes == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    uint32_t k = 0;
    for (int c = 0; c < VW_PC4_SLOTS; c++) {
        s->pc4[c].region = -1;
        if (s->pc4[c].place)
            s->pc4_codes[k++] = (uint16_t)c;
    }
    bool any_region = false;
    for (int r = 0; r < VW_REGION_COUNT; r++)
        any_region |= in->wkb[r] != NULL;
    if (in->cbs_pop != NULL)
        cbs_population(s, in); /* the places rule is the fallback */
    else if (in->n_places > 0 && s->n_pc4 > 0 && distribute_population(s, in, err) != 0)
        return -1;
    if (any_region && regions_build(s, j, err) != 0)
        return -1;
    return 0;
}

/* Phase 2: the region of every provider (-1 without polygons). */
static void geo_points(vw_geo_job *j)
{
    if (j->region == NULL)
        return;
    memset(j->region, -1, j->n ? j->n : 1);
    if (j->rc == 0 && j->rs != NULL)
        for (uint32_t i = 0; i < j->n; i++)
            j->region[i] = (int8_t)vw_regionset_locate(j->rs, j->lat[i], j->lon[i]);
    vw_regionset_free(j->rs);
    j->rs = NULL;
}

static void *geo_main(void *arg)
{
    vw_geo_job *j = arg;
    j->rc = geo_pc4(j);
    pthread_mutex_lock(&j->mu);
    while (!j->have_points)
        pthread_cond_wait(&j->cv, &j->mu);
    pthread_mutex_unlock(&j->mu);
    geo_points(j);
    return NULL;
}

int vw_geo_job_start(vw_geo_job *j, vw_snapshot *s, const vw_geo_in *in, vw_err *err)
{
    memset(j, 0, sizeof *j);
    j->s = s;
    j->in = in;
    if (pthread_mutex_init(&j->mu, NULL) != 0)
        return vw_err_set(err, VW_E_INTERNAL, "mutex init failed");
    if (pthread_cond_init(&j->cv, NULL) != 0) {
        pthread_mutex_destroy(&j->mu);
        return vw_err_set(err, VW_E_INTERNAL, "condition init failed");
    }
    j->started = pthread_create(&j->thread, NULL, geo_main, j) == 0;
    if (!j->started) /* no thread (resource limits): in line, same result */
        j->rc = geo_pc4(j);
    return 0;
}

/* Tells the thread the coordinates (possibly none) are there. */
static void hand_over(vw_geo_job *j)
{
    pthread_mutex_lock(&j->mu);
    j->have_points = true;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    if (!j->started)
        geo_points(j);
}

int vw_geo_job_points(vw_geo_job *j, const vw_provider *prov, uint32_t n, vw_err *err)
{
    j->n = n;
    j->lat = malloc((n ? n : 1) * sizeof *j->lat);
    j->lon = malloc((n ? n : 1) * sizeof *j->lon);
    j->region = malloc(n ? n : 1);
    if (!j->lat || !j->lon || !j->region) {
        j->n = 0;
        hand_over(j);
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    }
    for (uint32_t i = 0; i < n; i++) {
        j->lat[i] = prov[i].lat;
        j->lon[i] = prov[i].lon;
    }
    hand_over(j);
    return 0;
}

int vw_geo_job_finish(vw_geo_job *j, vw_snapshot *s, const uint32_t *order, vw_err *err)
{
    if (!j->have_points) {
        j->n = 0; /* stopping early: phase 2 has nothing to do */
        hand_over(j);
    }
    if (j->started)
        pthread_join(j->thread, NULL);
    j->started = false;
    vw_regionset_free(j->rs); /* left over when phase 2 never ran */
    j->rs = NULL;
    int rc = 0;
    if (order != NULL && j->rc != 0)
        rc = vw_err_set(err, j->err.code, "%s", j->err.message);
    else if (order != NULL && j->region == NULL)
        rc = vw_err_set(err, VW_E_INTERNAL, "out of memory");
    else if (order != NULL) {
        for (uint32_t k = 0; k < s->n_providers; k++) {
            vw_provider *p = &s->providers[k];
            p->region = j->region[order[k]];
            if (p->region >= 0)
                s->regions[p->region].providers++;
        }
        vw_snapshot_network_regions(s);
    }
    free(j->lat);
    free(j->lon);
    free(j->region);
    j->lat = j->lon = NULL;
    j->region = NULL;
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    return rc;
}

/* ---- reading --------------------------------------------------------------- */

bool vw_snapshot_has_regions(const vw_snapshot *s) { return s->has_regions; }
bool vw_snapshot_has_population(const vw_snapshot *s) { return s->has_population; }
uint64_t vw_snapshot_population(const vw_snapshot *s) { return s->population; }
uint64_t vw_snapshot_age_65_plus(const vw_snapshot *s) { return s->age_65_plus; }
vw_pop_source vw_snapshot_population_source(const vw_snapshot *s)
{
    return (vw_pop_source)s->pop_source;
}
uint32_t vw_snapshot_pc4_population_unknown(const vw_snapshot *s) { return s->pc4_pop_unknown; }

const char *vw_pop_source_name(vw_pop_source p)
{
    return p == VW_POP_CBS ? "cbs" : (p == VW_POP_PLACES ? "places" : "none");
}

static void fill_info(const vw_snapshot *s, int pc4, vw_pc4_info *out)
{
    const vw_pc4_slot *c = &s->pc4[pc4];
    out->pc4 = pc4;
    out->lat = c->lat;
    out->lon = c->lon;
    out->place = c->place;
    out->population = c->population;
    out->age_65_plus = c->age_65_plus;
    out->region = c->region;
    out->cell = c->cell;
}

void vw_snapshot_pc4_at(const vw_snapshot *s, uint32_t k, vw_pc4_info *out)
{
    fill_info(s, k < s->n_pc4 ? s->pc4_codes[k] : 0, out);
}

bool vw_snapshot_pc4_info(const vw_snapshot *s, int pc4, vw_pc4_info *out)
{
    if (pc4 < 0 || pc4 >= VW_PC4_SLOTS || !s->pc4[pc4].place)
        return false;
    fill_info(s, pc4, out);
    return true;
}

void vw_snapshot_region(const vw_snapshot *s, int region, vw_region_summary *out)
{
    memset(out, 0, sizeof *out);
    if (region < 0 || region >= VW_REGION_COUNT)
        return;
    const vw_region_info *r = &s->regions[region];
    out->outline = r->outline;
    out->area_km2 = r->area_km2;
    out->population = r->population;
    out->age_65_plus = r->age_65_plus;
    out->pc4 = r->pc4;
    out->providers = r->providers;
    out->networks = r->networks;
}
