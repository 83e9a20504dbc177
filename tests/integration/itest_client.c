/* itest_client.c -- drives a running verwijsd through libverwijs.
 *
 * usage: itest_client (--server HOST:PORT | --socket PATH) --db PATH [--queries N]
 *                     [--tls-ca FILE [--tls-cert FILE --tls-key FILE]]  (TLS to --server)
 *
 * Checks ping; match by PC4, PC6 and point; that the daemon's answers equal a
 * brute-force scan of the same database (vw_store_load + vw_match_brute) on
 * random queries; pipelining (N requests sent before any answer is read, each
 * answer equal to the unpipelined one, in order); typed errors; a connect
 * failure. Prints "N passed, N failed". */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/verwijs.h"
#include "proto/vocab.h"
#include "server/engine/match.h"
#include "server/store/store.h"
#include "t.h"

static const char *server, *sock, *db;
static int n_queries = 300;
static vw_client_opts copts;

static vw_client *connect_client(void)
{
    vw_err err;
    vw_client *c = sock ? vw_client_connect_unix(sock, &copts, &err)
                        : vw_client_connect_tcp(server, &copts, &err);
    if (c == NULL)
        fprintf(stderr, "connect: %s\n", err.message);
    return c;
}

static const msgpack_object *get(const msgpack_object *m, const char *k)
{
    if (m == NULL || m->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < m->via.map.size; i++)
        if (m->via.map.ptr[i].key.type == MSGPACK_OBJECT_STR &&
            m->via.map.ptr[i].key.via.str.size == strlen(k) &&
            memcmp(m->via.map.ptr[i].key.via.str.ptr, k, strlen(k)) == 0)
            return &m->via.map.ptr[i].val;
    return NULL;
}

typedef struct q {
    double lat, lon;
    int disc;
    int tag; /* -1 none */
    double within;
    int mode;
    int limit;
} q;

static void pack_query(msgpack_sbuffer *sb, const q *x)
{
    msgpack_packer pk;
    sb->size = 0;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4 + (x->tag >= 0) + (x->within > 0));
    vw_pack_cstr(&pk, "near");
    msgpack_pack_array(&pk, 2);
    msgpack_pack_double(&pk, x->lat);
    msgpack_pack_double(&pk, x->lon);
    vw_pack_kv_str(&pk, "discipline", vw_discipline_name(x->disc));
    if (x->tag >= 0)
        vw_pack_kv_str(&pk, "expertise", vw_base_tags[x->tag]);
    if (x->within > 0)
        vw_pack_kv_double(&pk, "within", x->within);
    vw_pack_kv_str(&pk, "mode", vw_mode_name((vw_mode)x->mode));
    vw_pack_kv_int(&pk, "limit", x->limit);
}

/* Compare a match result with the brute-force hits: same ids, same order,
 * same km to the bit. */
static bool same_as_brute(const msgpack_object *res, const vw_snapshot *s, const vw_match_hit *h,
                          uint32_t n)
{
    const msgpack_object *list = get(res, "providers");
    if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY || list->via.array.size != n)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *p = &list->via.array.ptr[i];
        const msgpack_object *id = get(p, "id"), *km = get(p, "km");
        const char *want = vw_snapshot_provider(s, h[i].provider)->id;
        if (!id || id->type != MSGPACK_OBJECT_STR || id->via.str.size != strlen(want) ||
            memcmp(id->via.str.ptr, want, strlen(want)) != 0)
            return false;
        if (!km || km->type != MSGPACK_OBJECT_FLOAT64 || km->via.f64 != h[i].km)
            return false;
    }
    return true;
}

static void test_basic(vw_client *c)
{
    vw_err err;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

    vw_reply *r = vw_client_call(c, "ping", NULL, 0, &err);
    CHECK(r != NULL && vw_reply_ok(r));
    CHECK(r && get(vw_reply_result(r), "pong") != NULL);
    vw_reply_free(r);

    /* PC4 and PC6 resolve to the same centroid. */
    const char *nears[] = {"3511", "3511AB", "3511 ab"};
    double lat0 = 0;
    for (int i = 0; i < 3; i++) {
        sb.size = 0;
        msgpack_pack_map(&pk, 3);
        vw_pack_kv_str(&pk, "near", nears[i]);
        vw_pack_kv_str(&pk, "discipline", "fysiotherapeut");
        vw_pack_kv_double(&pk, "within", 15);
        r = vw_client_call(c, "match", sb.data, sb.size, &err);
        CHECK(r != NULL);
        if (r == NULL) {
            fprintf(stderr, "match %s: %s\n", nears[i], err.message);
            continue;
        }
        const msgpack_object *o = get(vw_reply_result(r), "origin");
        double lat = get(o, "lat") ? get(o, "lat")->via.f64 : -1;
        if (i == 0)
            lat0 = lat;
        CHECK(lat == lat0 && lat > 50);
        const msgpack_object *kind = get(o, "kind");
        CHECK(kind && kind->via.str.size == 3 &&
              memcmp(kind->via.str.ptr, i == 0 ? "pc4" : "pc6", 3) == 0);
        vw_reply_free(r);
    }

    /* Typed errors: the reply is an answer, not a failure of the call. */
    CHECK(vw_client_send(c, "no.such.op", NULL, 0, &err) > 0);
    r = vw_client_recv(c, &err);
    CHECK(r != NULL && !vw_reply_ok(r));
    if (r) {
        vw_reply_error(r, &err);
        CHECK_STR(err.code, "unknown_op");
        vw_reply_free(r);
    }
    sb.size = 0;
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_str(&pk, "near", "3511");
    vw_pack_kv_str(&pk, "discipline", "fysio");
    r = vw_client_call(c, "match", sb.data, sb.size, &err);
    CHECK(r == NULL);
    CHECK_STR(err.code, "bad_request");
    CHECK(!vw_err_is_local(&err));
    sb.size = 0;
    msgpack_pack_map(&pk, 1);
    vw_pack_kv_str(&pk, "id", "NO-SUCH-PROVIDER");
    r = vw_client_call(c, "provider.get", sb.data, sb.size, &err);
    CHECK(r == NULL);
    CHECK_STR(err.code, "not_found");
    sb.size = 0;
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_str(&pk, "near", "3511");
    vw_pack_kv_str(&pk, "acepting_only", "typo");
    r = vw_client_call(c, "match", sb.data, sb.size, &err);
    CHECK(r == NULL);
    CHECK_STR(err.code, "bad_request");
    msgpack_sbuffer_destroy(&sb);
}

static void test_brute_and_pipelining(vw_client *c, const vw_snapshot *s)
{
    vw_err err;
    vw_travel_model tm;
    vw_travel_model_default(&tm);
    srand(20261124);
    q *qs = calloc((size_t)n_queries, sizeof *qs);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    vw_match_hit *hits = calloc(VW_MATCH_MAX_LIMIT, sizeof *hits);
    static const double withins[] = {-1, 5, 10, 15, 30, 60};
    int mismatches = 0;

    for (int i = 0; i < n_queries; i++) {
        q *x = &qs[i];
        x->lat = 50.8 + (53.4 - 50.8) * rand() / (double)RAND_MAX;
        x->lon = 3.6 + (7.1 - 3.6) * rand() / (double)RAND_MAX;
        x->disc = rand() % VW_D_COUNT;
        x->tag = rand() % 3 == 0 ? rand() % 5 : -1;
        x->within = withins[rand() % 6];
        x->mode = rand() % 3;
        x->limit = 1 + rand() % 30;
    }
    /* One by one: each answer equals the brute-force scan. */
    for (int i = 0; i < n_queries; i++) {
        q *x = &qs[i];
        pack_query(&sb, x);
        vw_reply *r = vw_client_call(c, "match", sb.data, sb.size, &err);
        if (r == NULL) {
            fprintf(stderr, "query %d: %s: %s\n", i, err.code, err.message);
            mismatches++;
            continue;
        }
        vw_match_query mq = {.lat = x->lat, .lon = x->lon, .disciplines = 1u << x->disc,
                             .tags = x->tag >= 0 ? UINT64_C(1) << x->tag : 0,
                             .within_min = x->within, .mode = (vw_mode)x->mode,
                             .limit = (uint32_t)x->limit, .as_of = vw_date_today(),
                             .region = -1};
        uint32_t n = vw_match_brute(s, &tm, &mq, hits);
        if (!same_as_brute(vw_reply_result(r), s, hits, n)) {
            mismatches++;
            fprintf(stderr, "query %d differs from the brute-force scan\n", i);
        }
        vw_reply_free(r);
    }
    CHECK(mismatches == 0);
    printf("brute force: %d queries, %d mismatches\n", n_queries, mismatches);

    /* Pipelined: all sent before any answer is read; answers in order, equal. */
    uint64_t *ids = calloc((size_t)n_queries, sizeof *ids);
    for (int i = 0; i < n_queries; i++) {
        pack_query(&sb, &qs[i]);
        ids[i] = vw_client_send(c, "match", sb.data, sb.size, &err);
        CHECK(ids[i] > 0);
    }
    int bad = 0;
    for (int i = 0; i < n_queries; i++) {
        vw_reply *r = vw_client_recv(c, &err);
        if (r == NULL || vw_reply_id(r) != ids[i] || !vw_reply_ok(r)) {
            bad++;
            vw_reply_free(r);
            continue;
        }
        q *x = &qs[i];
        vw_match_query mq = {.lat = x->lat, .lon = x->lon, .disciplines = 1u << x->disc,
                             .tags = x->tag >= 0 ? UINT64_C(1) << x->tag : 0,
                             .within_min = x->within, .mode = (vw_mode)x->mode,
                             .limit = (uint32_t)x->limit, .as_of = vw_date_today(),
                             .region = -1};
        uint32_t n = vw_match_brute(s, &tm, &mq, hits);
        bad += !same_as_brute(vw_reply_result(r), s, hits, n);
        vw_reply_free(r);
    }
    CHECK(bad == 0);
    printf("pipelined: %d requests in flight, %d bad answers\n", n_queries, bad);
    free(ids);
    free(qs);
    free(hits);
    msgpack_sbuffer_destroy(&sb);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"server", required_argument, NULL, 's'},
                                         {"socket", required_argument, NULL, 'u'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"queries", required_argument, NULL, 'q'},
                                         {"tls-ca", required_argument, NULL, 'C'},
                                         {"tls-cert", required_argument, NULL, 'E'},
                                         {"tls-key", required_argument, NULL, 'K'},
                                         {NULL, 0, NULL, 0}};
    int c;
    vw_client_opts_default(&copts);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's')
            server = optarg;
        else if (c == 'u')
            sock = optarg;
        else if (c == 'd')
            db = optarg;
        else if (c == 'q')
            n_queries = atoi(optarg);
        else if (c == 'C') {
            copts.tls = true;
            copts.tls_ca = optarg;
        } else if (c == 'E')
            copts.tls_cert = optarg;
        else if (c == 'K')
            copts.tls_key = optarg;
        else
            return 2;
    }
    if ((!server && !sock) || !db || n_queries < 1) {
        fprintf(stderr, "usage: itest_client (--server HOST:PORT | --socket PATH) --db PATH\n");
        return 2;
    }
    vw_err err;
    vw_snapshot *s = vw_store_load_path(db, &err);
    CHECK(s != NULL);
    vw_client *cl = connect_client();
    CHECK(cl != NULL);
    if (cl && s) {
        test_basic(cl);
        test_brute_and_pipelining(cl, s);
    }
    vw_client_free(cl);
    vw_snapshot_release(s);

    /* Nothing listens on port 1: a local "connect" error. */
    vw_client *none = vw_client_connect_tcp("127.0.0.1:1", NULL, &err);
    CHECK(none == NULL);
    CHECK_STR(err.code, "connect");
    CHECK(vw_err_is_local(&err));
    return T_DONE();
}
