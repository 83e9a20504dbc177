/* itest_image.c -- a snapshot read back from its image is the snapshot the
 * database gives (server/store/image.h, server/engine/snapshot_image.h), and
 * a damaged image is refused, never read out of bounds.
 *
 *   itest_image --db PATH --image PATH [--queries N] [--damage N]
 *
 * Loads the database (A), writes A's image, loads again through the image
 * (B, which must say "used") and compares every field the read API gives:
 * providers (text, side table, hours, languages, networks, registrations,
 * tags on several days), networks and members, PC4s, regions, counts; then
 * N random matches (with and without side-table filters and travel-time
 * limits, every mode) on A and B, and on B against vw_match_brute. Then it
 * damages copies of the image N ways (a flipped byte anywhere, a cut, the
 * header's token) and checks each is refused or stale while the load still
 * gives A's data. Prints "N passed, N failed". */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/vocab.h"
#include "server/engine/match.h"
#include "server/engine/traveltime.h"
#include "server/store/image.h"
#include "server/store/store.h"
#include "t.h"
#include "t_rng.h"

static int fails_before;
#define SAME(cond, ...)                                   \
    do {                                                  \
        fails_before = t_fail;                            \
        CHECK(cond);                                      \
        if (t_fail != fails_before)                       \
            fprintf(stderr, "  " __VA_ARGS__), fputc('\n', stderr); \
    } while (0)

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void compare_provider(const vw_snapshot *a, const vw_snapshot *b, uint32_t i)
{
    const vw_provider *p = vw_snapshot_provider(a, i), *q = vw_snapshot_provider(b, i);
    vw_provider_text ta, tb;
    vw_provider_text_get(p, &ta);
    vw_provider_text_get(q, &tb);
    SAME(strcmp(p->id, q->id) == 0 && str_eq(p->city, q->city) &&
             memcmp(&p->lat, &q->lat, sizeof p->lat) == 0 &&
             memcmp(&p->lon, &q->lon, sizeof p->lon) == 0 && p->expertise == q->expertise &&
             p->discipline == q->discipline && p->accepting == q->accepting &&
             p->online == q->online && p->geocoded == q->geocoded && p->region == q->region &&
             p->text_set == q->text_set,
         "provider %u (%s): record differs", i, p->id);
    SAME(str_eq(ta.name, tb.name) && str_eq(ta.postcode, tb.postcode) &&
             str_eq(ta.address, tb.address) && str_eq(ta.phone, tb.phone) &&
             str_eq(ta.email, tb.email) && str_eq(ta.website, tb.website) &&
             str_eq(ta.agb, tb.agb) && str_eq(ta.big, tb.big),
         "provider %u (%s): text differs", i, p->id);
    const vw_provider_ext *x = vw_snapshot_provider_ext(a, i), *y = vw_snapshot_provider_ext(b, i);
    SAME(x->hours_count == y->hours_count && x->open_days == y->open_days &&
             x->wheelchair == y->wheelchair && x->direct_access == y->direct_access &&
             x->wait_weeks == y->wait_weeks && x->wait_confirmed == y->wait_confirmed &&
             x->version == y->version && x->updated == y->updated,
         "provider %u: side table differs", i);
    const vw_hours_iv *ha = vw_snapshot_hours(a) + x->hours_first,
                      *hb = vw_snapshot_hours(b) + y->hours_first;
    bool hours_same = x->hours_count == y->hours_count;
    for (unsigned k = 0; hours_same && k < x->hours_count; k++)
        hours_same = ha[k].day == hb[k].day && ha[k].open == hb[k].open &&
                     ha[k].close == hb[k].close;
    SAME(hours_same, "provider %u: opening hours differ", i);
    SAME(memcmp(vw_snapshot_langs(a, x), vw_snapshot_langs(b, y),
                VW_LANG_MAX * sizeof(vw_lang)) == 0,
         "provider %u: languages differ", i);
    bool nets_same = p->net_count == q->net_count;
    for (uint32_t k = 0; nets_same && k < p->net_count; k++)
        nets_same = strcmp(vw_snapshot_network(a, vw_snapshot_memberships(a)[p->net_first + k])->id,
                           vw_snapshot_network(b, vw_snapshot_memberships(b)[q->net_first + k])->id) ==
                    0;
    SAME(nets_same, "provider %u: networks differ", i);
    bool regs_same = p->reg_count == q->reg_count;
    for (uint32_t k = 0; regs_same && k < p->reg_count; k++) {
        const vw_registration *r = vw_snapshot_registrations(a) + p->reg_first + k,
                              *s = vw_snapshot_registrations(b) + q->reg_first + k;
        regs_same = strcmp(r->registry, s->registry) == 0 && r->valid_from == s->valid_from &&
                    r->valid_until == s->valid_until &&
                    strcmp(vw_snapshot_tag_name(a, r->tag), vw_snapshot_tag_name(b, s->tag)) == 0;
    }
    SAME(regs_same, "provider %u: registrations differ", i);
    static const int32_t days[] = {0, 19000, 20000, 20500, 21000, 30000};
    for (size_t d = 0; d < sizeof days / sizeof days[0]; d++)
        SAME(vw_provider_tags_on(a, i, days[d]) == vw_provider_tags_on(b, i, days[d]),
             "provider %u: tags on day %d differ", i, days[d]);
}

static void compare_network(const vw_snapshot *a, const vw_snapshot *b, uint32_t i)
{
    const vw_network *n = vw_snapshot_network(a, i), *m = vw_snapshot_network(b, i);
    SAME(strcmp(n->id, m->id) == 0 && str_eq(n->name, m->name) && str_eq(n->kind, m->kind) &&
             str_eq(n->region_code, m->region_code) && n->certified_until == m->certified_until &&
             n->member_count == m->member_count && n->status == m->status &&
             n->region == m->region && n->version == m->version && n->updated == m->updated,
         "network %u (%s) differs", i, n->id);
    bool same = n->member_count == m->member_count;
    for (uint32_t k = 0; same && k < n->member_count; k++)
        same = vw_snapshot_members(a)[n->member_first + k] ==
               vw_snapshot_members(b)[m->member_first + k];
    SAME(same, "network %u: members differ", i);
}

static void compare_all(const vw_snapshot *a, const vw_snapshot *b)
{
    SAME(vw_snapshot_provider_count(a) == vw_snapshot_provider_count(b) &&
             vw_snapshot_network_count(a) == vw_snapshot_network_count(b) &&
             vw_snapshot_pc4_count(a) == vw_snapshot_pc4_count(b) &&
             vw_snapshot_tag_count(a) == vw_snapshot_tag_count(b),
         "counts differ");
    if (t_fail)
        return;
    SAME(strcmp(vw_snapshot_updated(a), vw_snapshot_updated(b)) == 0 &&
             vw_snapshot_seq(a) == vw_snapshot_seq(b) &&
             strcmp(vw_snapshot_seq_at(a), vw_snapshot_seq_at(b)) == 0,
         "updated / change-log position differ");
    /* The image's strings are one arena block of their own next to the
     * builder's (the PC4 places), which a full build fills on: at most one
     * more block (4 MiB, untouched beyond the places) is held. */
    SAME(vw_snapshot_bytes(b) >= vw_snapshot_bytes(a) &&
             vw_snapshot_bytes(b) - vw_snapshot_bytes(a) <= (4u << 20) + 64,
         "bytes %zu vs %zu", vw_snapshot_bytes(a), vw_snapshot_bytes(b));
    for (int t = 0; t < vw_snapshot_tag_count(a); t++)
        SAME(strcmp(vw_snapshot_tag_name(a, t), vw_snapshot_tag_name(b, t)) == 0, "tag %d", t);
    SAME(memcmp(vw_snapshot_discipline_counts(a), vw_snapshot_discipline_counts(b),
                VW_D_COUNT * sizeof(uint32_t)) == 0,
         "discipline counts differ");
    for (uint32_t i = 0; i < vw_snapshot_provider_count(a); i++)
        compare_provider(a, b, i);
    for (uint32_t i = 0; i < vw_snapshot_network_count(a); i++)
        compare_network(a, b, i);
    for (uint32_t k = 0; k < vw_snapshot_pc4_count(a); k++) {
        vw_pc4_info x, y;
        vw_snapshot_pc4_at(a, k, &x);
        vw_snapshot_pc4_at(b, k, &y);
        SAME(x.pc4 == y.pc4 && x.lat == y.lat && x.lon == y.lon && str_eq(x.place, y.place) &&
                 x.population == y.population && x.age_65_plus == y.age_65_plus &&
                 x.region == y.region && (x.cell == NULL) == (y.cell == NULL),
             "PC4 %d differs", x.pc4);
    }
    for (int r = 0; r < 7; r++) {
        vw_region_summary x, y;
        vw_snapshot_region(a, r, &x);
        vw_snapshot_region(b, r, &y);
        SAME(x.area_km2 == y.area_km2 && x.population == y.population && x.pc4 == y.pc4 &&
                 x.providers == y.providers && x.networks == y.networks,
             "region %d differs", r);
    }
    char ma[128], mb[128];
    vw_snapshot_matrix_summary(a, ma, sizeof ma);
    vw_snapshot_matrix_summary(b, mb, sizeof mb);
    SAME(strcmp(ma, mb) == 0, "travel-time matrices differ: %s vs %s", ma, mb);
}

static bool hits_same(const vw_match_hit *x, uint32_t nx, const vw_match_hit *y, uint32_t ny)
{
    if (nx != ny)
        return false;
    for (uint32_t i = 0; i < nx; i++)
        if (x[i].provider != y[i].provider || x[i].minutes != y[i].minutes ||
            x[i].km != y[i].km || x[i].source != y[i].source)
            return false;
    return true;
}

static int t_rng_int(int n) { return (int)(rnd() % (uint64_t)n); }

static void compare_matches(const vw_snapshot *a, const vw_snapshot *b, int n)
{
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    static vw_match_hit ha[VW_MATCH_MAX_LIMIT], hb[VW_MATCH_MAX_LIMIT], hc[VW_MATCH_MAX_LIMIT];
    static const vw_lang langs[] = {('n' << 8) | 'l', ('e' << 8) | 'n', ('t' << 8) | 'r',
                                    ('a' << 8) | 'r'};
    for (int k = 0; k < n; k++) {
        vw_pc4_info pc;
        vw_snapshot_pc4_at(a, (uint32_t)t_rng_int((int)vw_snapshot_pc4_count(a)), &pc);
        vw_match_query q;
        memset(&q, 0, sizeof q);
        q.lat = pc.lat + (t_rng_int(2) ? 0.01 : 0);
        q.lon = pc.lon;
        q.origin_pc4 = t_rng_int(2) ? pc.pc4 : 0;
        q.disciplines = t_rng_int(4) ? 1u << t_rng_int(VW_D_COUNT) : 0;
        q.tags = t_rng_int(2) ? UINT64_C(1) << t_rng_int(VW_BASE_TAG_COUNT) : 0;
        q.within_min = t_rng_int(3) ? 5 + t_rng_int(40) : -1;
        q.mode = (vw_mode)t_rng_int(VW_MODE_COUNT);
        q.limit = 1 + (uint32_t)t_rng_int(30);
        q.accepting_only = t_rng_int(3) == 0;
        q.as_of = 20000 + t_rng_int(800);
        q.region = t_rng_int(4) == 0 ? t_rng_int(7) : -1;
        if (t_rng_int(4) == 0) {
            q.languages[0] = langs[t_rng_int(4)];
            q.n_languages = 1;
        }
        q.wheelchair = t_rng_int(6) == 0;
        if (t_rng_int(5) == 0) {
            q.open_filter = true;
            q.open_day = t_rng_int(7);
            q.open_minute = t_rng_int(2) ? -1 : 480 + t_rng_int(600);
        }
        uint32_t na = vw_match(a, &tm, &q, ha), nb = vw_match(b, &tm, &q, hb);
        uint32_t nc = vw_match_brute(b, &tm, &q, hc);
        SAME(hits_same(ha, na, hb, nb), "match %d: the image's answer differs (%u vs %u hits)",
             k, na, nb);
        SAME(hits_same(hb, nb, hc, nc), "match %d: the image's answer is not brute force's", k);
    }
}

static vw_snapshot *load_imaged(const char *db, const char *image, vw_store_image_use *use)
{
    vw_store *st = NULL;
    vw_err err;
    vw_snapshot *s = NULL;
    if (vw_store_open(db, VW_STORE_READONLY, &st, &err) == 0)
        s = vw_store_load_imaged(st, image, use, &err);
    if (!s)
        fprintf(stderr, "load: %s\n", err.message);
    vw_store_close(st);
    return s;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int copy_damaged(const char *from, const char *to, long flip_at, long cut_to)
{
    FILE *f = fopen(from, "rb"), *g = fopen(to, "wb");
    if (!f || !g) {
        if (f)
            fclose(f);
        if (g)
            fclose(g);
        return -1;
    }
    int c;
    for (long at = 0; (c = fgetc(f)) != EOF && (cut_to < 0 || at < cut_to); at++)
        fputc(at == flip_at ? c ^ 0x5a : c, g);
    fclose(f);
    return fclose(g);
}

/* A damaged image: refused (or stale, for a damaged token), and the load
 * still gives a's data. */
static void check_damaged(const vw_snapshot *a, const char *db, const char *bad, long flip,
                          long cut)
{
    vw_store_image_use use;
    vw_snapshot *s = load_imaged(db, bad, &use);
    SAME(s != NULL, "flip %ld cut %ld: no snapshot", flip, cut);
    if (!s)
        return;
    SAME(use.outcome == VW_IMAGE_BAD || use.outcome == VW_IMAGE_STALE,
         "flip %ld cut %ld: outcome %s", flip, cut, vw_image_outcome_name(use.outcome));
    SAME(vw_snapshot_provider_count(s) == vw_snapshot_provider_count(a) &&
             vw_snapshot_bytes(s) == vw_snapshot_bytes(a),
         "flip %ld cut %ld: not the database's data", flip, cut);
    vw_snapshot_release(s);
}

int main(int argc, char **argv)
{
    (void)unif;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"image", required_argument, NULL, 'i'},
                                         {"queries", required_argument, NULL, 'q'},
                                         {"damage", required_argument, NULL, 'x'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *image = NULL;
    int queries = 2000, damage = 40, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'i')
            image = optarg;
        else if (c == 'q')
            queries = atoi(optarg);
        else if (c == 'x')
            damage = atoi(optarg);
        else
            return 2;
    }
    if (!db || !image) {
        fprintf(stderr, "usage: itest_image --db PATH --image PATH [--queries N] [--damage N]\n");
        return 2;
    }
    rng_state = 18;
    vw_store_image_use use;
    unlink(image);
    vw_snapshot *a = load_imaged(db, image, &use);
    CHECK(a != NULL);
    if (!a)
        return T_DONE();
    SAME(use.outcome == VW_IMAGE_MISSING, "first load: %s", vw_image_outcome_name(use.outcome));
    CHECK(use.state.token[0] != '\0');
    vw_err err;
    CHECK(vw_store_image_write(a, &use.state, image, NULL, &err) == 0);

    vw_snapshot *b = load_imaged(db, image, &use);
    CHECK(b != NULL);
    if (!b)
        return T_DONE();
    SAME(use.outcome == VW_IMAGE_USED, "second load: %s (%s)", vw_image_outcome_name(use.outcome),
         use.why);
    compare_all(a, b);
    compare_matches(a, b, queries);

    /* damaged copies: a flipped byte (header and body), a cut, an empty file */
    char bad[4200];
    snprintf(bad, sizeof bad, "%s.damaged", image);
    long size = file_size(image);
    CHECK(size > 200);
    static const long header_spots[] = {0, 9, 13, 20, 60, 70, 80, 100, 130};
    for (size_t k = 0; k < sizeof header_spots / sizeof header_spots[0]; k++)
        if (copy_damaged(image, bad, header_spots[k], -1) == 0)
            check_damaged(a, db, bad, header_spots[k], -1);
    for (int k = 0; k < damage; k++) {
        long at = 136 + (long)(rnd() % (uint64_t)(size - 136));
        if (copy_damaged(image, bad, at, -1) == 0)
            check_damaged(a, db, bad, at, -1);
        long cut = (long)(rnd() % (uint64_t)size);
        if (copy_damaged(image, bad, -1, cut) == 0)
            check_damaged(a, db, bad, -1, cut);
    }
    unlink(bad);
    vw_snapshot_release(b);
    vw_snapshot_release(a);
    return T_DONE();
}
