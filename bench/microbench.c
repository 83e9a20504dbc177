/* microbench.c -- in-process engine benchmark: builds a synthetic national
 * directory through vw_snapbuild and times vw_match() per query (and the
 * brute-force scan on a few hundred queries for reference).
 *
 *   microbench [--providers N] [--queries Q] [--brute B] [--seed S]
 *              [--places places_nl.csv] [--mix] [--lean] [--json]
 *
 * Placement (docs/ENGINE.md): a place is drawn with probability proportional
 * to its population, then the point is jittered by a gaussian with
 * sigma_km = 0.5 + sqrt(population) / 200 (5 km for a city of 900k, 1 km for a
 * town of 10k), redrawn until inside the NL box. Without --places a synthetic
 * model is used: 400 places uniform over the box with Zipf populations.
 * Query origins are drawn the same way. The default query is the headline
 * case: fysiotherapeut + oncologie within 15 min by car, k = 10; --mix draws
 * from six query shapes instead. --lean leaves out address/phone/email/website. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/vocab.h"
#include "server/engine/match.h"
#include "server/engine/snapshot.h"

typedef struct place {
    char name[48];
    double lat, lon, pop;
} place;

static uint64_t rng = 1;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static double unif(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }
static double gauss(void)
{
    return sqrt(-2.0 * log(unif() + 1e-300)) * cos(2.0 * M_PI * unif());
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long rss_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t fl = strlen(field);
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0)
            v = strtol(line + fl + 1, NULL, 10);
    fclose(f);
    return v;
}

/* ---- places ----------------------------------------------------------------- */
static place *places;
static size_t n_places;
static double *cum; /* cumulative population */

/* name,lat,lon,population,geonameid; the name may be quoted. */
static int load_places(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t cap = 0;
    if (!f) {
        perror(path);
        return -1;
    }
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char *p = line, name[48] = "";
        size_t k = 0;
        if (*p == '"') {
            for (p++; *p && !(*p == '"' && p[1] != '"'); p++) {
                if (*p == '"')
                    p++;
                if (k + 1 < sizeof name)
                    name[k++] = *p;
            }
            if (*p == '"')
                p++;
        } else {
            for (; *p && *p != ','; p++)
                if (k + 1 < sizeof name)
                    name[k++] = *p;
        }
        name[k] = '\0';
        double lat, lon, pop;
        if (sscanf(p, ",%lf,%lf,%lf", &lat, &lon, &pop) != 3 || !(pop > 0) ||
            !vw_geo_in_nl(lat, lon))
            continue;
        if (n_places == cap) {
            cap = cap ? cap * 2 : 1024;
            place *np = realloc(places, cap * sizeof *np);
            if (!np) {
                fclose(f);
                return -1;
            }
            places = np;
        }
        place *pl = &places[n_places++];
        snprintf(pl->name, sizeof pl->name, "%s", name);
        pl->lat = lat;
        pl->lon = lon;
        pl->pop = pop;
    }
    fclose(f);
    return n_places ? 0 : -1;
}

static void synthetic_places(void)
{
    n_places = 400;
    places = calloc(n_places, sizeof *places);
    for (size_t i = 0; i < n_places; i++) {
        snprintf(places[i].name, sizeof places[i].name, "Plaats %zu", i);
        places[i].lat = 51.3 + unif() * 2.1;
        places[i].lon = 3.9 + unif() * 3.0;
        places[i].pop = 900000.0 / (double)(i + 1);
    }
}

static void build_cum(void)
{
    cum = malloc(n_places * sizeof *cum);
    double run = 0;
    for (size_t i = 0; i < n_places; i++)
        cum[i] = (run += places[i].pop);
}

static const place *pick_place(void)
{
    double x = unif() * cum[n_places - 1];
    size_t lo = 0, hi = n_places - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cum[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return &places[lo];
}

static const place *draw_point(double *lat, double *lon)
{
    for (;;) {
        const place *pl = pick_place();
        double sigma = 0.5 + sqrt(pl->pop) / 200.0;
        *lat = pl->lat + gauss() * sigma / 111.2;
        *lon = pl->lon + gauss() * sigma / (111.2 * cos(pl->lat * M_PI / 180.0));
        if (vw_geo_in_nl(*lat, *lon))
            return pl;
    }
}

/* ---- the directory -------------------------------------------------------- */
static int pick_discipline(void)
{
    static const struct {
        int d;
        int pct10; /* per mille */
    } mix[] = {
        {VW_D_FYSIOTHERAPEUT, 300}, {VW_D_HUISARTS, 150}, {VW_D_PSYCHOLOOG, 120},
        {VW_D_DIETIST, 80},         {VW_D_OEFENTHERAPEUT, 50}, {VW_D_ERGOTHERAPEUT, 50},
        {VW_D_LOGOPEDIST, 50},      {VW_D_MAATSCHAPPELIJK_WERKER, 50},
    };
    int x = (int)(unif() * 1000);
    for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++) {
        if (x < mix[i].pct10)
            return mix[i].d;
        x -= mix[i].pct10;
    }
    static const int rest[] = {VW_D_SEKSUOLOOG, VW_D_HUIDTHERAPEUT, VW_D_GEESTELIJK_VERZORGER,
                               VW_D_ONCOLOGIEVERPLEEGKUNDIGE, VW_D_POC, VW_D_INLOOPHUIS,
                               VW_D_BEDRIJFSARTS};
    return rest[rnd() % 7];
}

static vw_snapshot *build(uint32_t n, bool lean, double *t_add, double *t_add_only,
                         double *t_finish)
{
    vw_err err;
    char id[16], name[40], pc[8], addr[40], phone[16], email[48], web[48], net_ids[300][8];
    const char *tags[4], *nets[1];
    uint32_t *perm = malloc((size_t)n * sizeof *perm);
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n; i > 1; i--) { /* ids in random order: the build must sort */
        uint32_t j = (uint32_t)(rnd() % i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    double t0 = now_s();
    vw_snapbuild *b = vw_snapbuild_new();
    for (int k = 0; k < 300; k++) {
        snprintf(net_ids[k], sizeof net_ids[k], "NET%03d", k);
        vw_network_in ni = {.id = net_ids[k], .name = "Oncologienetwerk", .kind = "oncologie",
                            .region_code = "midden", .status = VW_NET_CERTIFIED,
                            .certified_until = VW_DATE_NONE};
        vw_snapbuild_add_network(b, &ni, &err);
    }
    for (uint32_t i = 0; i < n; i++) {
        vw_provider_in p;
        memset(&p, 0, sizeof p);
        uint32_t num = perm[i] + 1;
        snprintf(id, sizeof id, "P%07u", num);
        snprintf(name, sizeof name, "Praktijk %u", num);
        snprintf(pc, sizeof pc, "%04u %c%c", 1000 + (unsigned)(rnd() % 9000),
                 'A' + (char)(rnd() % 26), 'B' + (char)(rnd() % 20));
        const place *pl = draw_point(&p.lat, &p.lon);
        p.id = id;
        p.name = name;
        p.postcode = pc;
        p.city = pl->name;
        if (!lean) {
            snprintf(addr, sizeof addr, "Dorpsstraat %u", (unsigned)(rnd() % 300) + 1);
            snprintf(phone, sizeof phone, "0%09u", (unsigned)(rnd() % 1000000000u));
            snprintf(email, sizeof email, "info@praktijk%u.nl", num);
            snprintf(web, sizeof web, "https://www.praktijk%u.nl", num);
            p.address = addr;
            p.phone = phone;
            p.email = email;
            p.website = unif() < 0.5 ? web : NULL;
        }
        p.discipline = pick_discipline();
        size_t nt = 0;
        if ((p.discipline == VW_D_FYSIOTHERAPEUT || p.discipline == VW_D_DIETIST ||
             p.discipline == VW_D_ERGOTHERAPEUT) && unif() < 0.25)
            tags[nt++] = "oncologie";
        if (p.discipline == VW_D_FYSIOTHERAPEUT && unif() < 0.10)
            tags[nt++] = "lymfoedeem";
        if (p.discipline == VW_D_PSYCHOLOOG && unif() < 0.30)
            tags[nt++] = "psycho-oncologie";
        if (unif() < 0.05)
            tags[nt++] = "vermoeidheid";
        p.expertise = tags;
        p.n_expertise = nt;
        if (unif() < 0.2) {
            nets[0] = net_ids[rnd() % 300];
            p.networks = nets;
            p.n_networks = 1;
        }
        p.accepting = unif() < 0.85;
        p.online = unif() < 0.02;
        struct timespec ta, tb;
        clock_gettime(CLOCK_MONOTONIC, &ta);
        int rc = vw_snapbuild_add_provider(b, &p, &err);
        clock_gettime(CLOCK_MONOTONIC, &tb);
        *t_add_only += (double)(tb.tv_sec - ta.tv_sec) + (double)(tb.tv_nsec - ta.tv_nsec) * 1e-9;
        if (rc < 0) {
            fprintf(stderr, "add: %s\n", err.message);
            exit(1);
        }
        if (unif() < 0.05 &&
            vw_snapbuild_add_registration(b, id, "oncologie", "nvpo", 18000, 30000, &err) < 0) {
            fprintf(stderr, "registration: %s\n", err.message);
            exit(1);
        }
    }
    double t1 = now_s();
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    double t2 = now_s();
    if (!s) {
        fprintf(stderr, "finish: %s\n", err.message);
        exit(1);
    }
    free(perm);
    *t_add = t1 - t0;
    *t_finish = t2 - t1;
    return s;
}

/* ---- queries ----------------------------------------------------------------- */
static void make_query(const vw_snapshot *s, bool mix, vw_match_query *q)
{
    memset(q, 0, sizeof *q);
    draw_point(&q->lat, &q->lon);
    q->region = -1;
    q->as_of = 20000;
    q->mode = VW_MODE_CAR;
    q->limit = 10;
    q->within_min = 15;
    q->disciplines = 1u << VW_D_FYSIOTHERAPEUT;
    q->tags = UINT64_C(1) << vw_snapshot_tag_bit(s, "oncologie", 9);
    if (!mix)
        return;
    switch (rnd() % 6) {
    case 0: /* the headline query */
        break;
    case 1:
        q->disciplines = 1u << VW_D_DIETIST;
        q->mode = VW_MODE_BIKE;
        q->within_min = 30;
        break;
    case 2:
        q->disciplines = 1u << VW_D_PSYCHOLOOG;
        q->tags = UINT64_C(1) << vw_snapshot_tag_bit(s, "psycho-oncologie", 16);
        q->within_min = -1;
        q->limit = 20;
        break;
    case 3:
        q->disciplines = 0;
        q->tags = 0;
        q->mode = VW_MODE_WALK;
        q->within_min = 10;
        q->limit = 100;
        break;
    case 4:
        q->disciplines = 1u << VW_D_HUISARTS;
        q->tags = 0;
        q->limit = 5;
        q->accepting_only = true;
        break;
    default:
        q->disciplines = (1u << VW_D_ERGOTHERAPEUT) | (1u << VW_D_OEFENTHERAPEUT);
        q->within_min = 30;
        q->limit = 25;
        break;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stats {
    double mean, p50, p90, p99, p999, max;
    double hits_mean;
} stats;

static stats summarize(double *ns, size_t n, double hits)
{
    stats st = {0};
    double sum = 0;
    qsort(ns, n, sizeof *ns, cmp_double);
    for (size_t i = 0; i < n; i++)
        sum += ns[i];
    st.mean = sum / (double)n;
    st.p50 = ns[(size_t)(0.50 * (double)(n - 1))];
    st.p90 = ns[(size_t)(0.90 * (double)(n - 1))];
    st.p99 = ns[(size_t)(0.99 * (double)(n - 1))];
    st.p999 = ns[(size_t)(0.999 * (double)(n - 1))];
    st.max = ns[n - 1];
    st.hits_mean = hits / (double)n;
    return st;
}

static void print_stats(const char *what, const stats *st, size_t n)
{
    printf("%-6s %7zu queries: mean %8.0f ns  p50 %8.0f  p90 %8.0f  p99 %8.0f  p99.9 %8.0f  "
           "max %9.0f  (hits/query %.1f)\n",
           what, n, st->mean, st->p50, st->p90, st->p99, st->p999, st->max, st->hits_mean);
}

static void json_stats(const char *what, const stats *st, size_t n, bool comma)
{
    printf("\"%s\":{\"queries\":%zu,\"mean_ns\":%.0f,\"p50_ns\":%.0f,\"p90_ns\":%.0f,"
           "\"p99_ns\":%.0f,\"p999_ns\":%.0f,\"max_ns\":%.0f,\"hits_mean\":%.2f}%s",
           what, n, st->mean, st->p50, st->p90, st->p99, st->p999, st->max, st->hits_mean,
           comma ? "," : "");
}

static void usage(void)
{
    fprintf(stderr, "usage: microbench [--providers N] [--queries Q] [--brute B] [--seed S]\n"
                    "                  [--places places_nl.csv] [--mix] [--lean] [--json]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint32_t n = 1000000, nq = 200000, nb = 300;
    uint64_t seed = 42;
    const char *places_path = NULL;
    bool mix = false, lean = false, json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--providers") && i + 1 < argc)
            n = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "--queries") && i + 1 < argc)
            nq = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "--brute") && i + 1 < argc)
            nb = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--places") && i + 1 < argc)
            places_path = argv[++i];
        else if (!strcmp(a, "--mix"))
            mix = true;
        else if (!strcmp(a, "--lean"))
            lean = true;
        else if (!strcmp(a, "--json"))
            json = true;
        else
            usage();
    }
    if (n == 0 || nq == 0 || n > 50000000u || nq > 50000000u)
        usage();
    rng = seed;
    if (places_path) {
        if (load_places(places_path) < 0) {
            fprintf(stderr, "cannot read places from %s\n", places_path);
            return 1;
        }
    } else {
        synthetic_places();
    }
    build_cum();

    long rss0 = rss_kb("VmRSS:");
    double t_add, t_add_only = 0, t_finish;
    vw_snapshot *s = build(n, lean, &t_add, &t_add_only, &t_finish);
    long rss1 = rss_kb("VmRSS:"), hwm = rss_kb("VmHWM:");
    size_t bytes = vw_snapshot_bytes(s);

    vw_travel_model tm;
    vw_travel_model_default(&tm);
    vw_match_query *qs = malloc((size_t)nq * sizeof *qs);
    double *ns = malloc((size_t)nq * sizeof *ns);
    vw_match_hit hits[VW_MATCH_MAX_LIMIT], ref[VW_MATCH_MAX_LIMIT];
    for (uint32_t i = 0; i < nq; i++)
        make_query(s, mix, &qs[i]);
    double total_hits = 0;
    for (uint32_t i = 0; i < nq && i < 2000; i++) /* warm up */
        total_hits += vw_match(s, &tm, &qs[i], hits);
    total_hits = 0;
    for (uint32_t i = 0; i < nq; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        uint32_t h = vw_match(s, &tm, &qs[i], hits);
        clock_gettime(CLOCK_MONOTONIC, &b);
        ns[i] = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
        total_hits += h;
    }
    stats eng = summarize(ns, nq, total_hits);

    if (nb > nq)
        nb = nq;
    uint32_t mismatches = 0;
    total_hits = 0;
    for (uint32_t i = 0; i < nb; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        uint32_t h = vw_match_brute(s, &tm, &qs[i], ref);
        clock_gettime(CLOCK_MONOTONIC, &b);
        ns[i] = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
        total_hits += h;
        uint32_t he = vw_match(s, &tm, &qs[i], hits);
        bool same = he == h;
        for (uint32_t k = 0; same && k < h; k++)
            same = hits[k].provider == ref[k].provider && hits[k].km == ref[k].km;
        mismatches += !same;
    }
    stats br = nb ? summarize(ns, nb, total_hits) : (stats){0};

    if (json) {
        printf("{\"providers\":%u,\"seed\":%llu,\"places\":\"%s\",\"mix\":%s,\"lean\":%s,"
               "\"build_add_s\":%.3f,\"build_add_calls_s\":%.3f,\"build_finish_s\":%.3f,\"snapshot_bytes\":%zu,"
               "\"rss_kb\":%ld,\"rss_before_kb\":%ld,\"peak_rss_kb\":%ld,\"brute_mismatches\":%u,",
               n, (unsigned long long)seed, places_path ? "file" : "synthetic",
               mix ? "true" : "false", lean ? "true" : "false", t_add, t_add_only, t_finish, bytes, rss1,
               rss0, hwm, mismatches);
        json_stats("engine", &eng, nq, nb > 0);
        if (nb)
            json_stats("brute", &br, nb, false);
        printf("}\n");
    } else {
        printf("providers %u (%s places, %s query%s), seed %llu\n", n,
               places_path ? "file" : "synthetic", mix ? "mixed" : "fysio+oncologie 15 min car k=10",
               lean ? ", lean strings" : "", (unsigned long long)seed);
        printf("build: generate+add %.3f s (in vw_snapbuild_add_provider %.3f s), "
               "finish (sort, link, index) %.3f s\n",
               t_add, t_add_only, t_finish);
        printf("memory: snapshot %.1f MB (vw_snapshot_bytes); RSS %.1f MB (before build %.1f), "
               "peak %.1f MB\n",
               (double)bytes / 1e6, rss1 / 1e3, rss0 / 1e3, hwm / 1e3);
        print_stats("engine", &eng, nq);
        if (nb)
            print_stats("brute", &br, nb);
        printf("engine == brute on %u queries: %s (%u mismatches)\n", nb,
               mismatches ? "NO" : "yes", mismatches);
    }
    vw_snapshot_release(s);
    free(qs);
    free(ns);
    free(places);
    free(cum);
    return mismatches ? 1 : 0;
}
