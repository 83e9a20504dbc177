/* gen.c -- `verwijs gen`: a realistic, deterministic national demo
 * directory in the import formats (networks.csv, providers.csv,
 * registrations.csv).
 *
 * Providers are placed population-weighted: a place from places_nl.csv is
 * drawn with probability proportional to its population, and the provider is
 * put at a Gaussian offset from it (sigma 0.8 km + 1.5 km x sqrt(pop/100k),
 * so cities spread wider than villages). Its postcode is the nearest PC4
 * centroid. Networks are centred on larger places and take members near the
 * centre; about 60% are composed to meet the NVPO criteria. Same seed, same
 * files. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "geodata/geo.h"
#include "proto/vocab.h"
#include "server/csv/csv.h"
#include "cli.h"
#include "progress.h"

#define MAX_PROVIDERS 1000000
#define KM_PER_DEG 111.195

/* ---- deterministic randomness (xoshiro256**, seeded by splitmix64) ---- */
typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

static double rng_unit(rng *r) /* [0, 1) */
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int rng_int(rng *r, int n) /* [0, n) */
{
    return (int)(rng_unit(r) * n);
}

static double rng_gauss(rng *r)
{
    double u = rng_unit(r), v = rng_unit(r);
    return sqrt(-2.0 * log(u > 1e-300 ? u : 1e-300)) * cos(2 * M_PI * v);
}

/* ---- input data ---- */
typedef struct place {
    char name[64];
    double lat, lon, pop;
} place;

typedef struct pc4pt {
    int pc4;
    double lat, lon;
} pc4pt;

typedef struct gen {
    place *places;
    int n_places;
    double *cum;          /* cumulative population */
    pc4pt *pc4;
    int n_pc4;
    int *grid_first, *grid_next; /* PC4 buckets of 0.05 deg */
} gen;

#define G_ROWS 60  /* 50.70..53.70 in 0.05 deg */
#define G_COLS 80  /* 3.30..7.30 */

static int gcell(double lat, double lon, int *r, int *c)
{
    *r = (int)((lat - VW_NL_LAT_MIN) / 0.05);
    *c = (int)((lon - VW_NL_LON_MIN) / 0.05);
    if (*r < 0) *r = 0;
    if (*r >= G_ROWS) *r = G_ROWS - 1;
    if (*c < 0) *c = 0;
    if (*c >= G_COLS) *c = G_COLS - 1;
    return *r * G_COLS + *c;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*out);
}

/* Reads a CSV with the expected header; calls row() for each record. Bad rows
 * are reported (file:line: reason) and counted, never silently dropped. */
static int read_csv(const char *path, const char *header, int ncols,
                    int (*row)(gen *, char **, long, const char *), gen *g, long *bad)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    vw_csv *r = vw_csv_new(f, path);
    char **fl;
    size_t *ll, n;
    long line;
    vw_err err;
    int rc, first = 1, result = 0;
    while ((rc = vw_csv_next(r, &fl, &ll, &n, &line, &err)) != VW_CSV_EOF) {
        if (rc == VW_CSV_FATAL) {
            fprintf(stderr, "%s:%ld: %s\n", path, line, err.message);
            result = -1;
            break;
        }
        if (rc == VW_CSV_BAD) {
            fprintf(stderr, "%s:%ld: skipped: %s\n", path, line, err.message);
            (*bad)++;
            continue;
        }
        if (first) {
            first = 0;
            char joined[256] = "";
            for (size_t i = 0; i < n; i++)
                snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s",
                         i ? "," : "", fl[i]);
            if (strcmp(joined, header) != 0) {
                fprintf(stderr, "%s:1: expected header '%s'\n", path, header);
                result = -1;
                break;
            }
            continue;
        }
        if ((int)n != ncols) {
            fprintf(stderr, "%s:%ld: skipped: %zu fields, expected %d\n", path, line, n, ncols);
            (*bad)++;
            continue;
        }
        if (row(g, fl, line, path) != 0)
            (*bad)++;
    }
    vw_csv_free(r);
    fclose(f);
    return result;
}

static int place_row(gen *g, char **f, long line, const char *path)
{
    place p;
    if (!parse_double(f[1], &p.lat) || !parse_double(f[2], &p.lon) ||
        !parse_double(f[3], &p.pop)) {
        fprintf(stderr, "%s:%ld: skipped: lat, lon and population must be numbers\n", path, line);
        return -1;
    }
    if (!vw_geo_in_nl(p.lat, p.lon)) {
        fprintf(stderr, "%s:%ld: skipped: %s lies outside the Netherlands\n", path, line, f[0]);
        return -1;
    }
    if (p.pop <= 0) {
        fprintf(stderr, "%s:%ld: skipped: population must be positive\n", path, line);
        return -1;
    }
    snprintf(p.name, sizeof p.name, "%s", f[0]);
    place *np = realloc(g->places, (size_t)(g->n_places + 1) * sizeof *np);
    if (np == NULL)
        return -1;
    g->places = np;
    g->places[g->n_places++] = p;
    return 0;
}

static int pc4_row(gen *g, char **f, long line, const char *path)
{
    pc4pt p;
    double v;
    if (!parse_double(f[0], &v) || v < 1000 || v > 9999 || !parse_double(f[2], &p.lat) ||
        !parse_double(f[3], &p.lon)) {
        fprintf(stderr, "%s:%ld: skipped: bad pc4 or coordinates\n", path, line);
        return -1;
    }
    if (!vw_geo_in_nl(p.lat, p.lon)) {
        fprintf(stderr, "%s:%ld: skipped: PC4 %s lies outside the Netherlands\n", path, line, f[0]);
        return -1;
    }
    p.pc4 = (int)v;
    pc4pt *np = realloc(g->pc4, (size_t)(g->n_pc4 + 1) * sizeof *np);
    if (np == NULL)
        return -1;
    g->pc4 = np;
    g->pc4[g->n_pc4++] = p;
    return 0;
}

static int nearest_pc4(const gen *g, double lat, double lon)
{
    int r0, c0, best = -1;
    double bd = 1e18;
    gcell(lat, lon, &r0, &c0);
    for (int ring = 0; ring < 20 && (best < 0 || ring < 3); ring++)
        for (int r = r0 - ring; r <= r0 + ring; r++)
            for (int c = c0 - ring; c <= c0 + ring; c++) {
                if (r < 0 || c < 0 || r >= G_ROWS || c >= G_COLS ||
                    (abs(r - r0) != ring && abs(c - c0) != ring))
                    continue;
                for (int i = g->grid_first[r * G_COLS + c]; i >= 0; i = g->grid_next[i]) {
                    double d = vw_geo_km(lat, lon, g->pc4[i].lat, g->pc4[i].lon);
                    if (d < bd) {
                        bd = d;
                        best = i;
                    }
                }
            }
    return best;
}

/* ---- vocabulary for plausible names ---- */
static const char *const surnames[] = {
    "De Jong", "Jansen", "De Vries", "Van den Berg", "Van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "De Boer", "Mulder", "De Groot", "Bos", "Vos", "Peters", "Hendriks",
    "Van Leeuwen", "Dekker", "Brouwer", "De Wit", "Dijkstra", "Smits", "De Graaf", "Van der Meer",
    "Kok", "Jacobs", "Van Wijk", "Çelik", "Yılmaz", "El Amrani", "Nguyễn", "Schröder", "Ruiz"};
static const char *const trees[] = {"De Linde", "De Eik", "Het Anker", "De Brug", "Zuid",
                                    "Centrum", "De Horst", "Het Baken", "De Kern", "Noord",
                                    "Oost", "West", "Het Park", "De Es", "De Wissel"};
static const char *const streets[] = {"Kerkstraat", "Schoolstraat", "Molenweg", "Dorpsstraat",
                                      "Stationsweg", "Julianalaan", "Beatrixstraat",
                                      "Wilhelminapark", "Hoofdstraat", "Parallelweg",
                                      "Emmalaan", "Lindelaan", "Burgemeester de Withstraat"};
static const char *const disc_label[VW_D_COUNT] = {
    "Fysiotherapie", "Oefentherapie Cesar/Mensendieck", "Ergotherapie", "Diëtistenpraktijk",
    "Logopedie", "Psychologenpraktijk", "Maatschappelijk werk", "Seksuologiepraktijk",
    "Huidtherapie", "Geestelijke verzorging", "Oncologieverpleegkunde", "Huisartsenpraktijk",
    "Psychosociaal oncologisch centrum", "Inloophuis", "Arbodienst"};

/* Share of the discipline mix, per mille. */
static const int mix[VW_D_COUNT] = {
    [VW_D_FYSIOTHERAPEUT] = 300, [VW_D_OEFENTHERAPEUT] = 50, [VW_D_ERGOTHERAPEUT] = 50,
    [VW_D_DIETIST] = 80, [VW_D_LOGOPEDIST] = 50, [VW_D_PSYCHOLOOG] = 120,
    [VW_D_MAATSCHAPPELIJK_WERKER] = 50, [VW_D_SEKSUOLOOG] = 20, [VW_D_HUIDTHERAPEUT] = 30,
    [VW_D_GEESTELIJK_VERZORGER] = 20, [VW_D_ONCOLOGIEVERPLEEGKUNDIGE] = 30,
    [VW_D_HUISARTS] = 150, [VW_D_POC] = 15, [VW_D_INLOOPHUIS] = 4, [VW_D_BEDRIJFSARTS] = 20};
/* inloophuis 4 per mille: the 81 walk-in centres (IPSO) at the default 20,000 */

enum { T_ONCO, T_LYMF, T_VERM, T_PSYO, T_VOED, T_SEKS, T_WERK, T_REVA, T_PALL, T_JONG };

typedef struct prov {
    float lat, lon;
    int pc4;
    int place;
    uint16_t tags;     /* permanent tags */
    uint16_t regtag;   /* tag held only through a registration (bit), 0 = none */
    uint8_t disc, accepting, online, geocode, nets;
    int16_t net[2];
    uint8_t reg_expired;
} prov;

static uint16_t draw_tags(rng *r, int d)
{
    uint16_t t = 0;
    bool onco_disc = d == VW_D_FYSIOTHERAPEUT || d == VW_D_OEFENTHERAPEUT ||
                     d == VW_D_ERGOTHERAPEUT || d == VW_D_DIETIST || d == VW_D_HUIDTHERAPEUT ||
                     d == VW_D_LOGOPEDIST;
    if (onco_disc && rng_unit(r) < 0.25)
        t |= 1u << T_ONCO;
    if ((t & (1u << T_ONCO)) && (d == VW_D_FYSIOTHERAPEUT || d == VW_D_HUIDTHERAPEUT) &&
        rng_unit(r) < 0.5)
        t |= 1u << T_LYMF;
    if (d == VW_D_DIETIST && rng_unit(r) < 0.6)
        t |= 1u << T_VOED;
    if ((d == VW_D_PSYCHOLOOG && rng_unit(r) < 0.3) || d == VW_D_POC)
        t |= 1u << T_PSYO;
    if (d == VW_D_SEKSUOLOOG && rng_unit(r) < 0.8)
        t |= 1u << T_SEKS;
    if ((t & (1u << T_ONCO)) && rng_unit(r) < 0.3)
        t |= 1u << T_VERM;
    if ((d == VW_D_BEDRIJFSARTS || d == VW_D_ERGOTHERAPEUT) && rng_unit(r) < 0.4)
        t |= 1u << T_WERK;
    if (d == VW_D_FYSIOTHERAPEUT && (t & (1u << T_ONCO)) && rng_unit(r) < 0.3)
        t |= 1u << T_REVA;
    if ((d == VW_D_ONCOLOGIEVERPLEEGKUNDIGE || d == VW_D_HUISARTS) && rng_unit(r) < 0.2)
        t |= 1u << T_PALL;
    if (d == VW_D_ONCOLOGIEVERPLEEGKUNDIGE)
        t |= 1u << T_ONCO;
    if ((t & ((1u << T_ONCO) | (1u << T_PSYO))) && rng_unit(r) < 0.05)
        t |= 1u << T_JONG;
    return t;
}

static void csv_put(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_tags(FILE *f, uint16_t tags)
{
    int first = 1;
    for (int b = 0; b < 10; b++)
        if (tags & (1u << b)) {
            fprintf(f, "%s%s", first ? "" : ";", vw_base_tags[b]);
            first = 0;
        }
}

/* ---- networks ---- */
/* Network kinds (proto/vocab.h), in the order they are generated. */
enum { K_ZORG, K_PALL, K_ONCO };

typedef struct net {
    int place;
    int kind;      /* K_* */
    bool meets, certified;
    int32_t until; /* VW_DATE_NONE for forming */
    int n_members;
} net;

/* Providers sorted into a coarse grid, to find those near a network centre. */
typedef struct pgrid {
    int *first, *next;
} pgrid;

static int pick_member(const gen *g, const prov *pv, const pgrid *pg, rng *r, double lat,
                       double lon, uint32_t want_discs, int net_index, int radius_cells)
{
    int r0, c0;
    gcell(lat, lon, &r0, &c0);
    /* Random start cell around the centre, then the first fitting provider. */
    for (int tries = 0; tries < 40; tries++) {
        int rr = r0 + rng_int(r, 2 * radius_cells + 1) - radius_cells;
        int cc = c0 + rng_int(r, 2 * radius_cells + 1) - radius_cells;
        if (rr < 0 || cc < 0 || rr >= G_ROWS || cc >= G_COLS)
            continue;
        for (int i = pg->first[rr * G_COLS + cc]; i >= 0; i = pg->next[i]) {
            const prov *p = &pv[i];
            if (!(want_discs & (1u << p->disc)) || p->nets >= 2 || p->online ||
                (p->nets == 1 && p->net[0] == net_index))
                continue;
            return i;
        }
    }
    (void)g;
    return -1;
}

/* A palliative network (regional: GPs, nurses, spiritual care, social work,
 * psychologists, physios) or a hospital oncology network (nurses and
 * psychosocial staff around the hospitals; the hospitals themselves are not
 * in the directory). Neither has the NVPO certificate: status certified
 * means active, without an end date. */
static void gen_other_network(const gen *g, prov *pv, const pgrid *pg, rng *r, net *nt, int ni,
                              const place *pl)
{
    static const uint32_t pall[] = {
        1u << VW_D_HUISARTS, 1u << VW_D_ONCOLOGIEVERPLEEGKUNDIGE, 1u << VW_D_GEESTELIJK_VERZORGER,
        1u << VW_D_MAATSCHAPPELIJK_WERKER, 1u << VW_D_PSYCHOLOOG, 1u << VW_D_FYSIOTHERAPEUT,
        1u << VW_D_DIETIST};
    static const uint32_t onco[] = {1u << VW_D_ONCOLOGIEVERPLEEGKUNDIGE, 1u << VW_D_POC,
                                    1u << VW_D_PSYCHOLOOG};
    const uint32_t *want = nt->kind == K_PALL ? pall : onco;
    int nw = nt->kind == K_PALL ? 7 : 3;
    int target = nt->kind == K_PALL ? 6 + rng_int(r, 20) : 3 + rng_int(r, 6);
    for (int m = 0; m < target; m++) {
        int pi = pick_member(g, pv, pg, r, pl->lat, pl->lon, want[m < nw ? m : rng_int(r, nw)],
                             ni, nt->kind == K_PALL ? 4 : 6);
        if (pi < 0)
            continue;
        pv[pi].net[pv[pi].nets++] = (int16_t)ni;
        nt->n_members++;
    }
    nt->meets = false;
    nt->certified = rng_unit(r) < 0.9;
    nt->until = VW_DATE_NONE;
}

static const char gen_help[] =
    "usage: verwijs gen --geodata DIR --out DIR [--providers N] [--networks N] [--seed S]\n"
    "Writes a realistic national demo directory (networks.csv, providers.csv,\n"
    "registrations.csv) for `verwijs import`. Providers (default 20000, at most 1000000)\n"
    "are placed population-weighted on DIR/places_nl.csv and get the nearest postcode of\n"
    "DIR/pc4_centroids.csv. Networks, of three kinds: --networks oncology care networks\n"
    "(oncologiezorgnetwerk, NVPO criteria; default providers/220, 20..600: 90 at 20,000,\n"
    "about 64 certified), palliative networks (palliatief, 65 per 90) and hospital\n"
    "oncology networks (oncologienetwerk, one per 8, at least 7). Deterministic for a\n"
    "seed (default 42).\n";

int vw_cmd_gen(const vw_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"geodata", required_argument, NULL, 'g'}, {"out", required_argument, NULL, 'o'},
        {"providers", required_argument, NULL, 'p'}, {"networks", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *geo = NULL, *out = NULL;
    long n_prov = 20000, n_nets = -1;
    uint64_t seed = 42;
    int c, rc = EXIT_FAIL;
    char *end, path[4096];
    gen g = {0};
    prov *pv = NULL;
    net *nets = NULL;
    pgrid pg = {0};
    FILE *fn = NULL, *fp = NULL, *fr = NULL;
    long bad_places = 0, bad_pc4 = 0;
    (void)cli;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'g': geo = optarg; break;
        case 'o': out = optarg; break;
        case 'p':
            n_prov = strtol(optarg, &end, 10);
            if (*end || n_prov < 1 || n_prov > MAX_PROVIDERS)
                return vw_cli_usage_error("gen", "--providers must be 1..%d", MAX_PROVIDERS);
            break;
        case 'n':
            n_nets = strtol(optarg, &end, 10);
            if (*end || n_nets < 0 || n_nets > 5000)
                return vw_cli_usage_error("gen", "--networks must be 0..5000");
            break;
        case 's':
            seed = strtoull(optarg, &end, 10);
            if (*end)
                return vw_cli_usage_error("gen", "--seed must be a number");
            break;
        case 'h': fputs(gen_help, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (geo == NULL || out == NULL || optind < argc)
        return vw_cli_usage_error("gen", "--geodata DIR and --out DIR are required");
    if (n_nets < 0)
        n_nets = n_prov / 220 < 20 ? 20 : (n_prov / 220 > 600 ? 600 : n_prov / 220);
    long n_zorg = n_nets, n_pall = n_nets ? (n_nets * 65 + 45) / 90 : 0;
    long n_onco = n_nets ? (n_nets / 8 < 7 ? 7 : n_nets / 8) : 0;
    n_nets = n_zorg + n_pall + n_onco;

    snprintf(path, sizeof path, "%s/places_nl.csv", geo);
    if (read_csv(path, "name,lat,lon,population,geonameid", 5, place_row, &g, &bad_places) != 0 ||
        g.n_places == 0) {
        fprintf(stderr,
                "verwijs gen: cannot read %s.\nIt needs places_nl.csv (name,lat,lon,population,"
                "geonameid: Dutch places with their population, e.g. from GeoNames NL) and "
                "pc4_centroids.csv (pc4,place,lat,lon: from CBS \"Postcode-4 statistieken\" / "
                "PDOK). See the README.\n",
                path);
        goto out;
    }
    snprintf(path, sizeof path, "%s/pc4_centroids.csv", geo);
    if (read_csv(path, "pc4,place,lat,lon", 4, pc4_row, &g, &bad_pc4) != 0 || g.n_pc4 == 0) {
        fprintf(stderr, "verwijs gen: cannot read %s (pc4,place,lat,lon; CBS Postcode-4 / PDOK)\n",
                path);
        goto out;
    }
    if (bad_places || bad_pc4)
        fprintf(stderr, "verwijs gen: skipped %ld place rows and %ld PC4 rows (reported above)\n",
                bad_places, bad_pc4);

    /* Lookup structures. */
    g.cum = malloc((size_t)g.n_places * sizeof *g.cum);
    g.grid_first = malloc(G_ROWS * G_COLS * sizeof(int));
    g.grid_next = malloc((size_t)g.n_pc4 * sizeof(int));
    pv = calloc((size_t)n_prov, sizeof *pv);
    nets = calloc((size_t)(n_nets ? n_nets : 1), sizeof *nets);
    pg.first = malloc(G_ROWS * G_COLS * sizeof(int));
    pg.next = malloc((size_t)n_prov * sizeof(int));
    if (!g.cum || !g.grid_first || !g.grid_next || !pv || !nets || !pg.first || !pg.next) {
        fprintf(stderr, "verwijs gen: out of memory\n");
        goto out;
    }
    double total = 0;
    for (int i = 0; i < g.n_places; i++)
        g.cum[i] = (total += g.places[i].pop);
    for (int i = 0; i < G_ROWS * G_COLS; i++)
        g.grid_first[i] = pg.first[i] = -1;
    for (int i = g.n_pc4 - 1; i >= 0; i--) {
        int r, cc, cell = gcell(g.pc4[i].lat, g.pc4[i].lon, &r, &cc);
        g.grid_next[i] = g.grid_first[cell];
        g.grid_first[cell] = i;
    }

    rng r;
    rng_seed(&r, seed);
    int disc_cum[VW_D_COUNT], acc = 0;
    for (int d = 0; d < VW_D_COUNT; d++)
        disc_cum[d] = (acc += mix[d]);

    /* Providers. */
    vw_progress prog;
    vw_progress_start(&prog, "gen: placing", "providers");
    for (long i = 0; i < n_prov; i++) {
        prov *p = &pv[i];
        if ((i & 1023) == 0)
            vw_progress_update(&prog, (double)i, (double)n_prov, 0);
        double x = rng_unit(&r) * total;
        int lo = 0, hi = g.n_places - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (g.cum[mid] > x)
                hi = mid;
            else
                lo = mid + 1;
        }
        const place *pl = &g.places[lo];
        double sigma = 0.8 + 1.5 * sqrt(pl->pop / 100000.0), lat = pl->lat, lon = pl->lon;
        for (int t = 0; t < 5; t++) {
            double la = pl->lat + rng_gauss(&r) * sigma / KM_PER_DEG;
            double lo2 = pl->lon + rng_gauss(&r) * sigma / (KM_PER_DEG * cos(pl->lat * M_PI / 180));
            if (vw_geo_in_nl(la, lo2)) {
                lat = la;
                lon = lo2;
                break;
            }
        }
        p->lat = (float)lat;
        p->lon = (float)lon;
        p->place = lo;
        p->pc4 = g.pc4[nearest_pc4(&g, lat, lon)].pc4;
        int k = rng_int(&r, acc), d = 0;
        while (disc_cum[d] <= k)
            d++;
        p->disc = (uint8_t)d;
        p->tags = draw_tags(&r, d);
        p->accepting = rng_unit(&r) < 0.85;
        p->online = (d == VW_D_PSYCHOLOOG || d == VW_D_POC) ? rng_unit(&r) < 0.12
                                                             : rng_unit(&r) < 0.01;
        p->geocode = rng_unit(&r) < 0.02;
        /* Some oncology expertise is held only through a register entry. */
        if ((p->tags & (1u << T_ONCO)) && rng_unit(&r) < 0.10) {
            p->tags &= (uint16_t) ~(1u << T_ONCO);
            p->regtag = 1u << T_ONCO;
            p->reg_expired = rng_unit(&r) < 0.15;
        }
        int gr, gc, cell = gcell(lat, lon, &gr, &gc);
        pg.next[i] = pg.first[cell];
        pg.first[cell] = (int)i;
    }
    vw_progress_clear(&prog);

    /* Networks: centred on places of 20,000+ inhabitants, weighted by population. */
    int big = 0;
    for (int i = 0; i < g.n_places; i++)
        big += g.places[i].pop >= 20000;
    for (long ni = 0; ni < n_nets && big > 0; ni++) {
        net *nt = &nets[ni];
        int pick;
        do {
            double x = rng_unit(&r) * total;
            int lo = 0, hi = g.n_places - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (g.cum[mid] > x)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            pick = lo;
        } while (g.places[pick].pop < 20000);
        nt->place = pick;
        nt->kind = ni < n_zorg ? K_ZORG : (ni < n_zorg + n_pall ? K_PALL : K_ONCO);
        const place *pl = &g.places[pick];
        if (nt->kind != K_ZORG) {
            gen_other_network(&g, pv, &pg, &r, nt, (int)ni, pl);
            continue;
        }
        nt->meets = rng_unit(&r) < 0.8;
        uint32_t psych = VW_D_PSYCHOSOCIAL_MASK;
        uint32_t want[8];
        int nw = 0;
        if (nt->meets) {
            want[nw++] = 1u << VW_D_FYSIOTHERAPEUT;
            want[nw++] = psych;
            want[nw++] = 1u << VW_D_DIETIST;
            want[nw++] = 1u << VW_D_ERGOTHERAPEUT;
            want[nw++] = (1u << VW_D_ONCOLOGIEVERPLEEGKUNDIGE) | (1u << VW_D_HUIDTHERAPEUT);
            want[nw++] = 1u << VW_D_SEKSUOLOOG;
        } else {
            /* Missing a core discipline, or too few disciplines. */
            int miss = rng_int(&r, 3);
            if (miss != 0)
                want[nw++] = 1u << VW_D_FYSIOTHERAPEUT;
            if (miss != 1)
                want[nw++] = 1u << VW_D_PSYCHOLOOG;
            if (miss != 2)
                want[nw++] = 1u << VW_D_DIETIST;
            want[nw++] = 1u << VW_D_FYSIOTHERAPEUT;
        }
        int target = 5 + rng_int(&r, 20);
        for (int m = 0; m < target; m++) {
            uint32_t w = m < nw ? want[m]
                                : (nt->meets ? 0x7fffu & ~(1u << VW_D_HUISARTS)
                                             : want[rng_int(&r, nw)]);
            int pi = pick_member(&g, pv, &pg, &r, pl->lat, pl->lon, w, (int)ni, 2);
            if (pi < 0)
                continue;
            pv[pi].net[pv[pi].nets++] = (int16_t)ni;
            nt->n_members++;
        }
        double u = rng_unit(&r);
        nt->certified = nt->meets ? u < 0.9 : u < 0.15;
        nt->until = VW_DATE_NONE;
        if (nt->certified) {
            char d[64];
            if (rng_unit(&r) < 0.1)
                snprintf(d, sizeof d, "2025-%02d-%02d", 1 + rng_int(&r, 12), 1 + rng_int(&r, 28));
            else
                snprintf(d, sizeof d, "%d-%02d-%02d", 2027 + rng_int(&r, 2), 1 + rng_int(&r, 12),
                         1 + rng_int(&r, 28));
            vw_date_parse(d, 10, &nt->until);
        }
    }

    /* Write the files (the output directory itself is created when missing). */
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "verwijs gen: cannot create %s: %s\n", out, strerror(errno));
        goto out;
    }
    snprintf(path, sizeof path, "%s/networks.csv", out);
    fn = fopen(path, "w");
    snprintf(path, sizeof path, "%s/providers.csv", out);
    fp = fopen(path, "w");
    snprintf(path, sizeof path, "%s/registrations.csv", out);
    fr = fopen(path, "w");
    if (!fn || !fp || !fr) {
        fprintf(stderr, "verwijs gen: cannot write into %s: %s\n", out, strerror(errno));
        goto out;
    }
    long n_meets = 0, n_cert = 0, n_regs = 0, per_disc[VW_D_COUNT] = {0}, per_kind[3] = {0};
    fprintf(fn, "id,name,kind,status,certified_until,region\n");
    for (long ni = 0; ni < n_nets && big > 0; ni++) {
        char d[11] = "";
        if (nets[ni].until != VW_DATE_NONE)
            vw_date_format(nets[ni].until, d);
        static const char *const kind_name[] = {"oncologiezorgnetwerk", "palliatief",
                                                "oncologienetwerk"};
        static const char *const kind_label[] = {"Oncologiezorgnetwerk", "Netwerk Palliatieve Zorg",
                                                 "Oncologienetwerk"};
        char name[128];
        snprintf(name, sizeof name, "%s %s%s", kind_label[nets[ni].kind],
                 g.places[nets[ni].place].name, ni % 7 == 3 ? " e.o." : "");
        fprintf(fn, "N%04ld,", ni + 1);
        csv_put(fn, name);
        fprintf(fn, ",%s,%s,%s,\n", kind_name[nets[ni].kind],
                nets[ni].certified ? "certified" : "forming", d);
        n_meets += nets[ni].meets;
        n_cert += nets[ni].certified && nets[ni].kind == K_ZORG;
        per_kind[nets[ni].kind]++;
    }
    fprintf(fp, "id,name,discipline,expertise,lat,lon,address,postcode,city,phone,email,"
                "website,networks,accepting,online,hours,languages,wheelchair,direct_access,"
                "wait_weeks,wait_confirmed,agb,big\n");
    uint64_t attr_stream = seed ^ 0x5245464552524552ull; /* its own stream */
    int32_t today = vw_date_today();
    fprintf(fr, "provider_id,expertise,registry,valid_from,valid_until\n");
    vw_progress_start(&prog, "gen: writing", "providers");
    for (long i = 0; i < n_prov; i++) {
        const prov *p = &pv[i];
        if ((i & 1023) == 0)
            vw_progress_update(&prog, (double)i, (double)n_prov, 0);
        const char *sur = surnames[rng_int(&r, (int)(sizeof surnames / sizeof *surnames))];
        char name[160], letters[3];
        int style = rng_int(&r, 10);
        if (style < 4)
            snprintf(name, sizeof name, "%s %s", disc_label[p->disc],
                     trees[rng_int(&r, (int)(sizeof trees / sizeof *trees))]);
        else if (style < 8)
            snprintf(name, sizeof name, "%s %s", disc_label[p->disc], sur);
        else if (style < 9)
            snprintf(name, sizeof name, "%s, %s", sur, disc_label[p->disc]);
        else
            snprintf(name, sizeof name, "%s \"%s\"", disc_label[p->disc],
                     g.places[p->place].name);
        do {
            letters[0] = (char)('A' + rng_int(&r, 26));
            letters[1] = (char)('A' + rng_int(&r, 26));
        } while (letters[0] == 'S' && (letters[1] == 'A' || letters[1] == 'D' || letters[1] == 'S'));
        letters[2] = '\0';
        fprintf(fp, "P%07ld,", i + 1);
        csv_put(fp, name);
        fprintf(fp, ",%s,", vw_discipline_name(p->disc));
        put_tags(fp, p->tags);
        if (p->geocode)
            fprintf(fp, ",,,");
        else
            fprintf(fp, ",%.6f,%.6f,", p->lat, p->lon);
        fprintf(fp, "%s %d,%04d %s,", streets[rng_int(&r, (int)(sizeof streets / sizeof *streets))],
                1 + rng_int(&r, 180), p->pc4, letters);
        csv_put(fp, g.places[p->place].name);
        fprintf(fp, ",0%d%08d,info@praktijk%07ld.example,https://praktijk%07ld.example,",
                1 + rng_int(&r, 9), rng_int(&r, 100000000), i + 1, i + 1);
        for (int k = 0; k < p->nets; k++)
            fprintf(fp, "%sN%04d", k ? ";" : "", p->net[k] + 1);
        fprintf(fp, ",%d,%d", p->accepting, p->online);
        vw_gen_attrs(fp, &attr_stream, p->disc, g.places[p->place].pop >= 100000, today);
        putc('\n', fp);
        per_disc[p->disc]++;
        if (p->regtag) {
            static const char *const registry[] = {"kngf-oncologie", "nvd-oncologie",
                                                   "nvpo-deskundigen"};
            int reg = p->disc == VW_D_DIETIST ? 1 : (p->disc == VW_D_FYSIOTHERAPEUT ? 0 : 2);
            if (p->reg_expired)
                fprintf(fr, "P%07ld,oncologie,%s,2019-01-01,2025-%02d-%02d\n", i + 1,
                        registry[reg], 1 + rng_int(&r, 12), 1 + rng_int(&r, 28));
            else
                fprintf(fr, "P%07ld,oncologie,%s,%d-01-01,%d-12-31\n", i + 1, registry[reg],
                        2021 + rng_int(&r, 4), 2027 + rng_int(&r, 3));
            n_regs++;
        }
    }
    vw_progress_clear(&prog);
    if (n_regs == 0 && n_prov > 0) { /* a tiny directory too: the import refuses an empty file */
        fprintf(fr, "P0000001,oncologie,nvpo-deskundigen,2024-01-01,2028-12-31\n");
        n_regs++;
    }
    if (fclose(fn) | fclose(fp) | fclose(fr)) {
        fn = fp = fr = NULL;
        fprintf(stderr, "verwijs gen: write error in %s\n", out);
        goto out;
    }
    fn = fp = fr = NULL;
    fprintf(stderr, "verwijs gen: %ld providers, %ld oncology care networks (%ld composed to "
                    "meet the NVPO criteria, %ld certified), %ld palliative and %ld hospital "
                    "oncology networks, %ld registrations, seed %llu -> %s/\n",
            n_prov, per_kind[K_ZORG], n_meets, n_cert, per_kind[K_PALL], per_kind[K_ONCO], n_regs,
            (unsigned long long)seed, out);
    for (int d = 0; d < VW_D_COUNT; d++)
        fprintf(stderr, "  %-26s %7ld\n", vw_discipline_name(d), per_disc[d]);
    rc = EXIT_OK;
out:
    if (fn)
        fclose(fn);
    if (fp)
        fclose(fp);
    if (fr)
        fclose(fr);
    free(g.places);
    free(g.cum);
    free(g.pc4);
    free(g.grid_first);
    free(g.grid_next);
    free(pv);
    free(nets);
    free(pg.first);
    free(pg.next);
    return rc;
}
