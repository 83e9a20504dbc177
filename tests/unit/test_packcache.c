/* test_packcache.c -- the per-thread cache of packed provider parts
 * (server/ops/packcache.h) changes no byte of any answer: `match` and
 * `provider` through vw_ops_handle with no cache, with a tiny cache (every
 * lookup collides and evicts) and with a large one (second run all hits)
 * give identical frames, on random queries, field sets and days over a
 * random register with networks, hours and languages; and a second snapshot
 * with other names served through the same cache gives its own bytes, never
 * the first one's (the snapshot serial). */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t_register.h"

static bool same(const msgpack_sbuffer *a, const msgpack_sbuffer *b)
{
    return a->size == b->size && memcmp(a->data, b->data, a->size) == 0;
}

int main(void)
{
    vw_snapshot *s1 = make_snapshot("Fysio"), *s2 = make_snapshot("Diëtist");
    CHECK(vw_snapshot_serial(s1) != vw_snapshot_serial(s2));
    vw_packcache *tiny = vw_packcache_new(VW_PACKCACHE_SLOT);
    vw_packcache *big = vw_packcache_new(4u << 20);
    CHECK(tiny != NULL && big != NULL);
    CHECK(vw_packcache_new(VW_PACKCACHE_SLOT - 1) == NULL);
    int differ = 0, errors = 0;
    for (int q = 0; q < 2000; q++) {
        const vw_snapshot *s = q % 2 ? s2 : s1; /* both snapshots through the same caches */
        msgpack_sbuffer args, plain, a, b, c;
        const char *op;
        random_args(&args, &op);
        run(s, NULL, op, &args, &plain);
        run(s, tiny, op, &args, &a);
        run(s, big, op, &args, &b);
        run(s, big, op, &args, &c); /* every provider now a hit */
        if (!same(&plain, &a) || !same(&plain, &b) || !same(&plain, &c))
            differ++;
        if (memmem(plain.data, plain.size, "\xa5" "error", 6) != NULL)
            errors++;
        msgpack_sbuffer_destroy(&args);
        msgpack_sbuffer_destroy(&plain);
        msgpack_sbuffer_destroy(&a);
        msgpack_sbuffer_destroy(&b);
        msgpack_sbuffer_destroy(&c);
    }
    CHECK(differ == 0);
    CHECK(errors == 0); /* every request answered: the comparison is of real answers */
    uint64_t hits, misses;
    vw_packcache_counts(big, &hits, &misses);
    CHECK(hits > 0 && misses > 0);
    vw_packcache_counts(tiny, &hits, &misses);
    CHECK(misses > 0);
    vw_packcache_free(tiny);
    vw_packcache_free(big);
    vw_packcache_free(NULL);
    vw_snapshot_release(s1);
    vw_snapshot_release(s2);
    return T_DONE();
}
