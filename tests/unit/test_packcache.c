/* test_packcache.c -- the per-thread cache of packed provider runs
 * (server/ops/packcache.h) changes no byte of any answer: `match` and
 * `provider` through vw_ops_handle with no cache, with a tiny cache (every
 * lookup collides and evicts), a small one (full 4-way sets replacing their
 * ways) and a large one (second run all hits) give identical frames, on
 * random queries, field sets and days over a random register with networks,
 * hours, languages and registrations that end (expertise differs by day);
 * a second snapshot with other names served through the same cache gives
 * its own bytes, never the first one's (the snapshot serial). And the cache
 * itself: every part of the key tells entries apart, the day only when the
 * caller says the run holds it, and a full set keeps its newest entries. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t_register.h"

/* The cache's own contract, below the packer. */
static void api(void)
{
    vw_packcache *c = vw_packcache_new(4 * VW_PACKCACHE_SLOT); /* one set of 4 ways */
    CHECK(c != NULL);
    const uint8_t *run;
    size_t len;
    vw_packcache_key k = {.serial = 7, .provider = 3, .fields = 5,
                          .day = vw_packcache_day(true, 20000)};
    CHECK(!vw_packcache_get(c, &k, &run, &len));
    vw_packcache_put(c, &k, (const uint8_t *)"abc", 3);
    CHECK(vw_packcache_get(c, &k, &run, &len) && len == 3 && memcmp(run, "abc", 3) == 0);
    vw_packcache_key other = k;
    other.day = vw_packcache_day(true, 20001);
    CHECK(!vw_packcache_get(c, &other, &run, &len)); /* another day */
    other = k;
    other.serial = 8;
    CHECK(!vw_packcache_get(c, &other, &run, &len)); /* another snapshot */
    other = k;
    other.fields = 4;
    CHECK(!vw_packcache_get(c, &other, &run, &len)); /* another field set */
    other = k;
    other.provider = 4;
    CHECK(!vw_packcache_get(c, &other, &run, &len)); /* another provider */
    CHECK(vw_packcache_day(false, 20000) == vw_packcache_day(false, 20001));
    vw_packcache_put(c, &k, (const uint8_t *)"xy", 2); /* replaced in its own way */
    CHECK(vw_packcache_get(c, &k, &run, &len) && len == 2 && memcmp(run, "xy", 2) == 0);
    for (uint32_t p = 10; p < 13; p++) { /* the set is now full: k + 3 */
        other = k;
        other.provider = p;
        vw_packcache_put(c, &other, (const uint8_t *)&p, sizeof p);
    }
    CHECK(vw_packcache_get(c, &k, &run, &len));
    for (uint32_t p = 20; p < 24; p++) { /* four more: each replaces one in turn */
        other = k;
        other.provider = p;
        vw_packcache_put(c, &other, (const uint8_t *)&p, sizeof p);
    }
    for (uint32_t p = 20; p < 24; p++) {
        other = k;
        other.provider = p;
        CHECK(vw_packcache_get(c, &other, &run, &len) && len == sizeof p &&
              memcmp(run, &p, sizeof p) == 0);
    }
    CHECK(!vw_packcache_get(c, &k, &run, &len));
    uint8_t big[VW_PACKCACHE_SLOT] = {0};
    vw_packcache_put(c, &k, big, sizeof big); /* larger than a slot: not kept */
    CHECK(!vw_packcache_get(c, &k, &run, &len));
    k.serial = 0;
    vw_packcache_put(c, &k, big, 1); /* serial 0: not kept */
    CHECK(!vw_packcache_get(c, &k, &run, &len));
    vw_packcache_free(c);
}

static bool same(const msgpack_sbuffer *a, const msgpack_sbuffer *b)
{
    return a->size == b->size && memcmp(a->data, b->data, a->size) == 0;
}

int main(void)
{
    vw_snapshot *s1 = make_snapshot("Fysio"), *s2 = make_snapshot("Diëtist");
    CHECK(vw_snapshot_serial(s1) != vw_snapshot_serial(s2));
    vw_packcache *tiny = vw_packcache_new(VW_PACKCACHE_SLOT);
    vw_packcache *small = vw_packcache_new(8 * VW_PACKCACHE_SLOT);
    vw_packcache *big = vw_packcache_new(4u << 20);
    CHECK(tiny != NULL && small != NULL && big != NULL);
    api();
    CHECK(vw_packcache_new(VW_PACKCACHE_SLOT - 1) == NULL);
    int differ = 0, errors = 0;
    for (int q = 0; q < 2000; q++) {
        const vw_snapshot *s = q % 2 ? s2 : s1; /* both snapshots through the same caches */
        msgpack_sbuffer args, plain, a, b, c, d;
        const char *op;
        random_args(&args, &op);
        run(s, NULL, op, &args, &plain);
        run(s, tiny, op, &args, &a);
        run(s, big, op, &args, &b);
        run(s, big, op, &args, &c); /* every provider now a hit */
        run(s, small, op, &args, &d);
        if (!same(&plain, &a) || !same(&plain, &b) || !same(&plain, &c) || !same(&plain, &d))
            differ++;
        if (memmem(plain.data, plain.size, "\xa5" "error", 6) != NULL)
            errors++;
        msgpack_sbuffer_destroy(&args);
        msgpack_sbuffer_destroy(&plain);
        msgpack_sbuffer_destroy(&a);
        msgpack_sbuffer_destroy(&b);
        msgpack_sbuffer_destroy(&c);
        msgpack_sbuffer_destroy(&d);
    }
    CHECK(differ == 0);
    CHECK(errors == 0); /* every request answered: the comparison is of real answers */
    uint64_t hits, misses;
    vw_packcache_counts(big, &hits, &misses);
    CHECK(hits > 0 && misses > 0);
    vw_packcache_counts(tiny, &hits, &misses);
    CHECK(misses > 0);
    vw_packcache_counts(small, &hits, &misses);
    CHECK(hits > 0 && misses > 0);
    vw_packcache_free(tiny);
    vw_packcache_free(small);
    vw_packcache_free(big);
    vw_packcache_free(NULL);
    vw_snapshot_release(s1);
    vw_snapshot_release(s2);
    return T_DONE();
}
