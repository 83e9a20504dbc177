/* test_jsoncache.c -- the per-thread cache of rendered JSON
 * (server/ops/jsoncache.h) and the walk of vw_http_render_cached change no
 * byte of any HTTP answer: for random `match` (field sets, days,
 * include_online) and `provider.get` requests over two random registers,
 * the frame of vw_ops_handle rendered by vw_http_render (the plain
 * msgpack object -> JSON path) and by vw_http_render_cached with a tiny
 * cache (every lookup collides and evicts), a large one and the large one
 * again (all hits) are identical; error frames too. The cache itself: a hit
 * only for the very same bytes, never for a prefix or a neighbour; entries
 * too large for a slot are not stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ops/http.h"
#include "server/ops/jsoncache.h"
#include "t_register.h"

typedef struct text {
    char *p;
    size_t n, cap;
} text;

static int text_sink(void *ctx, const char *p, size_t n)
{
    text *t = ctx;
    if (t->n + n > t->cap) {
        t->cap = (t->n + n) * 2;
        t->p = realloc(t->p, t->cap);
        if (t->p == NULL)
            return -1;
    }
    memcpy(t->p + t->n, p, n);
    t->n += n;
    return 0;
}

/* The JSON of one frame; cache NULL: the plain renderer. */
static void render(const msgpack_sbuffer *frame, vw_jsoncache *c, bool cached, text *t, int *status)
{
    static msgpack_zone zone;
    static bool init;
    if (!init) {
        msgpack_zone_init(&zone, 4096);
        init = true;
    }
    t->n = 0;
    const uint8_t *body = (const uint8_t *)frame->data + 4;
    int rc = cached ? vw_http_render_cached(body, frame->size - 4, &zone, c, text_sink, t, status)
                    : vw_http_render(body, frame->size - 4, &zone, text_sink, t, status);
    CHECK(rc == 0);
}

/* A sink that stops at 1,000 bytes (http_max_output). */
static int small_sink(void *ctx, const char *p, size_t n)
{
    text *t = ctx;
    if (t->n + n > 1000)
        return -1;
    return text_sink(ctx, p, n);
}

/* Over the limit, both renderers stop with -1 and keep status 200 (the
 * gateway's 413); under it, both write the whole answer. */
static void limited(const msgpack_sbuffer *frame, vw_jsoncache *c, size_t full)
{
    static msgpack_zone zone;
    static bool init;
    if (!init) {
        msgpack_zone_init(&zone, 4096);
        init = true;
    }
    text t = {0};
    int s1 = 0, s2 = 0;
    const uint8_t *body = (const uint8_t *)frame->data + 4;
    int r1 = vw_http_render(body, frame->size - 4, &zone, small_sink, &t, &s1);
    t.n = 0;
    int r2 = vw_http_render_cached(body, frame->size - 4, &zone, c, small_sink, &t, &s2);
    CHECK(r1 == r2 && s1 == s2);
    CHECK(full > 1000 ? r2 == -1 && s2 == 200 : r2 == 0);
    free(t.p);
}

static bool same(const text *a, const text *b)
{
    return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* random_args, sometimes with include_online (the "online" array). */
static void some_args(msgpack_sbuffer *args, const char **op)
{
    random_args(args, op);
    if (strcmp(*op, "match") != 0 || below(3) != 0)
        return;
    msgpack_packer pk;
    msgpack_packer_init(&pk, args, msgpack_sbuffer_write);
    ((uint8_t *)args->data)[0]++; /* a fixmap of 4 or 5 members: one more */
    vw_pack_kv_bool(&pk, "include_online", true);
}

static void cache_alone(void)
{
    vw_jsoncache *c = vw_jsoncache_new(VW_JSONCACHE_SLOT * 4);
    vw_jsoncache_hit h;
    CHECK(c != NULL);
    CHECK(vw_jsoncache_new(VW_JSONCACHE_SLOT - 1) == NULL);
    uint8_t a[48], b[48];
    for (int i = 0; i < 48; i++)
        a[i] = b[i] = (uint8_t)(0xa0 | (i % 20)); /* any bytes: the cache does not parse */
    b[40] ^= 1; /* the same first 32 bytes, other bytes after */
    CHECK(!vw_jsoncache_get(c, a, sizeof a, &h));
    vw_jsoncache_put(c, a, 40, 7, "\"id\":\"P01\"", 10);
    CHECK(vw_jsoncache_get(c, a, 40, &h) && h.mp_len == 40 && h.tag == 7 && h.json_len == 10 &&
          memcmp(h.json, "\"id\":\"P01\"", 10) == 0);
    CHECK(vw_jsoncache_get(c, a, sizeof a, &h) && h.mp_len == 40); /* a prefix of these bytes */
    CHECK(vw_jsoncache_get(c, b, sizeof b, &h) && h.mp_len == 40); /* differs after the run */
    b[39] ^= 1;
    CHECK(!vw_jsoncache_get(c, b, sizeof b, &h)); /* differs inside the run */
    CHECK(!vw_jsoncache_get(c, a, 39, &h));       /* fewer bytes than the run */
    static uint8_t big[VW_JSONCACHE_SLOT];
    memset(big, 0xc0, sizeof big);
    vw_jsoncache_put(c, big, sizeof big, 1, "x", 1); /* does not fit: not stored */
    CHECK(!vw_jsoncache_get(c, big, sizeof big, &h));
    vw_jsoncache_put(c, big, VW_JSONCACHE_KEY - 1, 1, "x", 1); /* too short: not stored */
    CHECK(!vw_jsoncache_get(c, big, VW_JSONCACHE_KEY - 1, &h));
    uint64_t hits, misses;
    vw_jsoncache_counts(c, &hits, &misses);
    CHECK(hits == 3 && misses == 5);
    vw_jsoncache_free(c);
    vw_jsoncache_free(NULL);
}

int main(void)
{
    cache_alone();
    vw_snapshot *s1 = make_snapshot("Fysio \"de \\ Brug\""), *s2 = make_snapshot("Diëtist");
    vw_packcache *pc = vw_packcache_new(4u << 20);
    vw_jsoncache *tiny = vw_jsoncache_new(VW_JSONCACHE_SLOT);
    vw_jsoncache *big = vw_jsoncache_new(4u << 20);
    CHECK(pc != NULL && tiny != NULL && big != NULL);
    int differ = 0, providers = 0, errors = 0;
    text plain = {0}, a = {0}, b = {0}, c = {0};
    for (int q = 0; q < 3000; q++) {
        const vw_snapshot *s = q % 2 ? s2 : s1; /* both registers through the same caches */
        msgpack_sbuffer args, frame;
        const char *op;
        int st0, st1, st2, st3;
        some_args(&args, &op);
        if (q % 50 == 0) /* an error frame: not walked, the same bytes */
            vw_pack_kv_int(&(msgpack_packer){&args, msgpack_sbuffer_write}, "bogus", 1);
        run(s, pc, op, &args, &frame);
        render(&frame, NULL, false, &plain, &st0);
        render(&frame, tiny, true, &a, &st1);
        render(&frame, big, true, &b, &st2);
        render(&frame, big, true, &c, &st3);
        if (!same(&plain, &a) || !same(&plain, &b) || !same(&plain, &c) || st0 != st1 ||
            st0 != st2 || st0 != st3) {
            if (differ++ == 0)
                fprintf(stderr, "first difference:\n%.*s\n%.*s\n", (int)plain.n, plain.p,
                        (int)b.n, b.p);
        }
        errors += st0 != 200;
        if (q % 10 == 0)
            limited(&frame, big, plain.n);
        for (size_t i = 0; i + 8 < plain.n; i++)
            providers += memcmp(plain.p + i, "\"km\":", 5) == 0;
        msgpack_sbuffer_destroy(&args);
        msgpack_sbuffer_destroy(&frame);
    }
    CHECK(differ == 0);
    CHECK(providers > 10000); /* the comparison is over many provider objects */
    CHECK(errors >= 50 && errors < 200);
    uint64_t hits, misses;
    vw_jsoncache_counts(big, &hits, &misses);
    CHECK(hits > 0 && misses > 0);
    vw_jsoncache_counts(tiny, &hits, &misses);
    CHECK(misses > 0);
    free(plain.p);
    free(a.p);
    free(b.p);
    free(c.p);
    vw_jsoncache_free(tiny);
    vw_jsoncache_free(big);
    vw_packcache_free(pc);
    vw_snapshot_release(s1);
    vw_snapshot_release(s2);
    return T_DONE();
}
