/* itest_reload.c -- keeps a steady load of match queries on a running
 * verwijsd while something else reloads it, and checks that every answer is
 * consistent with one of two snapshots (A or B): no errors, no mixture.
 *
 *   itest_reload --server HOST:PORT --db-a PATH --db-b PATH --seconds S
 *
 * The expected answers are computed with vw_match_brute() on both databases.
 * Prints counts of answers that matched A and B, and "N passed, N failed". */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/lib/verwijs.h"
#include "proto/vocab.h"
#include "server/engine/match.h"
#include "server/store/store.h"
#include "t.h"

#define NQ 64

static vw_snapshot *load(const char *db)
{
    vw_err err;
    return vw_store_load_path(db, &err);
}

/* The ids of the expected answer, joined by ',' (order matters). */
static void expected(const vw_snapshot *s, const vw_match_query *q, char *out, size_t cap)
{
    vw_travel_model tm;
    vw_match_hit hits[VW_MATCH_MAX_LIMIT];
    vw_travel_model_default(&tm);
    uint32_t n = vw_match_brute(s, &tm, q, hits);
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s,",
                                 vw_snapshot_provider(s, hits[i].provider)->id);
}

static void answer_ids(const msgpack_object *res, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = 0; res && i < res->via.map.size; i++) {
        const msgpack_object_kv *kv = &res->via.map.ptr[i];
        if (kv->key.via.str.size != 9 || memcmp(kv->key.via.str.ptr, "providers", 9) != 0)
            continue;
        for (uint32_t j = 0; j < kv->val.via.array.size; j++) {
            const msgpack_object *p = &kv->val.via.array.ptr[j];
            for (uint32_t k = 0; k < p->via.map.size; k++)
                if (p->via.map.ptr[k].key.via.str.size == 2 &&
                    memcmp(p->via.map.ptr[k].key.via.str.ptr, "id", 2) == 0)
                    used += (size_t)snprintf(out + used, cap - used, "%.*s,",
                                             (int)p->via.map.ptr[k].val.via.str.size,
                                             p->via.map.ptr[k].val.via.str.ptr);
        }
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"server", required_argument, NULL, 's'},
                                         {"db-a", required_argument, NULL, 'a'},
                                         {"db-b", required_argument, NULL, 'b'},
                                         {"seconds", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    const char *server = NULL, *dba = NULL, *dbb = NULL;
    double seconds = 10;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's')
            server = optarg;
        else if (c == 'a')
            dba = optarg;
        else if (c == 'b')
            dbb = optarg;
        else if (c == 't')
            seconds = atof(optarg);
        else
            return 2;
    }
    if (!server || !dba || !dbb)
        return 2;
    vw_snapshot *A = load(dba), *B = load(dbb);
    CHECK(A && B);
    if (!A || !B)
        return T_DONE();

    static char want_a[NQ][4096], want_b[NQ][4096], got[4096];
    msgpack_sbuffer bufs[NQ];
    srand(7);
    int differ = 0;
    for (int i = 0; i < NQ; i++) {
        vw_match_query q = {.lat = 51.5 + 1.5 * rand() / (double)RAND_MAX,
                            .lon = 4.2 + 2.0 * rand() / (double)RAND_MAX,
                            .disciplines = 1u << (rand() % 4), .within_min = 30,
                            .mode = VW_MODE_CAR, .limit = 20, .as_of = vw_date_today(),
                            .region = -1};
        expected(A, &q, want_a[i], sizeof want_a[i]);
        expected(B, &q, want_b[i], sizeof want_b[i]);
        differ += strcmp(want_a[i], want_b[i]) != 0;
        msgpack_packer pk;
        msgpack_sbuffer_init(&bufs[i]);
        msgpack_packer_init(&pk, &bufs[i], msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 5);
        vw_pack_cstr(&pk, "near");
        msgpack_pack_array(&pk, 2);
        msgpack_pack_double(&pk, q.lat);
        msgpack_pack_double(&pk, q.lon);
        vw_pack_kv_str(&pk, "discipline", vw_discipline_name(__builtin_ctz(q.disciplines)));
        vw_pack_kv_double(&pk, "within", 30);
        vw_pack_kv_str(&pk, "mode", "car");
        vw_pack_kv_int(&pk, "limit", 20);
    }
    printf("%d of %d queries have different answers in A and B\n", differ, NQ);
    CHECK(differ > NQ / 4); /* the two states really differ */

    vw_err err;
    vw_client *cl = vw_client_connect_tcp(server, NULL, &err);
    CHECK(cl != NULL);
    long n_a = 0, n_b = 0, n_err = 0, n_mixed = 0, total = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        /* 8 pipelined requests per round trip. */
        int first = (int)(total % NQ);
        for (int k = 0; k < 8 && cl; k++) {
            int i = (first + k) % NQ;
            if (vw_client_send(cl, "match", bufs[i].data, bufs[i].size, &err) == 0)
                n_err++;
        }
        for (int k = 0; k < 8 && cl; k++) {
            int i = (first + k) % NQ;
            vw_reply *r = vw_client_recv(cl, &err);
            total++;
            if (r == NULL || !vw_reply_ok(r)) {
                n_err++;
                if (r == NULL)
                    fprintf(stderr, "error: %s: %s\n", err.code, err.message);
                vw_reply_free(r);
                continue;
            }
            answer_ids(vw_reply_result(r), got, sizeof got);
            if (strcmp(got, want_a[i]) == 0)
                n_a++;
            else if (strcmp(got, want_b[i]) == 0)
                n_b++;
            else
                n_mixed++;
            vw_reply_free(r);
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (n_err == 0 && (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
    printf("%ld answers: %ld as A, %ld as B, %ld consistent with neither, %ld errors\n", total, n_a,
           n_b, n_mixed, n_err);
    CHECK(n_err == 0);
    CHECK(n_mixed == 0);
    CHECK(n_a > 0 && n_b > 0); /* the reloads really happened under load */
    vw_client_free(cl);
    for (int i = 0; i < NQ; i++)
        msgpack_sbuffer_destroy(&bufs[i]);
    vw_snapshot_release(A);
    vw_snapshot_release(B);
    return T_DONE();
}
