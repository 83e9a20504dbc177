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

#include "proto/attrs.h"
#include "proto/msg.h"
#include "proto/vocab.h"
#include "geodata/geo.h"
#include "server/engine/snapshot.h"
#include "server/ops/ops.h"
#include "server/ops/packcache.h"
#include "t.h"
#include "t_rng.h"

#define N_PROV 400

static uint32_t below(uint32_t n) { return (uint32_t)(unif() * n); }

static vw_snapshot *make_snapshot(const char *name_prefix)
{
    static const char *const tags[] = {"oncologie", "lymfoedeem", "voeding"};
    static const char *const nets[] = {"N1", "N2", "N3"};
    const vw_lang langs[] = {vw_lang_parse("nl", 2), vw_lang_parse("en", 2)};
    vw_hours_iv hours[2] = {{.day = 0, .open = 480, .close = 720},
                            {.day = 2, .open = 780, .close = 1020}};
    vw_err err = {0};
    vw_snapbuild *b = vw_snapbuild_new();
    CHECK(vw_snapbuild_add_pc4(b, 3511, 52.09, 5.11, "Utrecht", &err) == 0);
    CHECK(vw_snapbuild_add_pc4(b, 1011, 52.37, 4.90, "Amsterdam", &err) == 0);
    for (int k = 0; k < 3; k++)
        CHECK(vw_snapbuild_add_network(b, &(vw_network_in){.id = nets[k], .name = "Netwerk",
                                                           .kind = "oncologienetwerk",
                                                           .region_code = "midden",
                                                           .status = k % 2,
                                                           .certified_until = VW_DATE_NONE},
                                       &err) == 0);
    for (int i = 0; i < N_PROV; i++) {
        char id[16], name[48], phone[16];
        snprintf(id, sizeof id, "P%04d", i);
        snprintf(name, sizeof name, "%s praktijk %d", name_prefix, i);
        snprintf(phone, sizeof phone, "030-%07u", below(10000000));
        vw_provider_in p;
        memset(&p, 0, sizeof p);
        p.id = id;
        p.name = name;
        p.phone = i % 3 ? phone : NULL;
        p.city = "Utrecht";
        p.address = i % 2 ? "Oudegracht 1" : NULL;
        p.postcode = "3511AB";
        p.discipline = (int)below(3);
        p.lat = 52.0 + unif() * 0.4;
        p.lon = 4.8 + unif() * 0.4;
        p.accepting = below(4) != 0;
        p.geocoded = true;
        p.expertise = tags;
        p.n_expertise = below(4);
        p.networks = nets;
        p.n_networks = below(4);
        p.hours = hours;
        p.n_hours = below(3);
        p.langs = langs;
        p.n_langs = below(3);
        p.wheelchair = (int)below(3);
        CHECK(vw_snapbuild_add_provider(b, &p, &err) == 0);
        if (i % 5 == 0) /* a registration that ends: expertise depends on the day */
            CHECK(vw_snapbuild_add_registration(b, id, "oncologie", "reg", VW_DATE_NONE,
                                                20000, &err) == 0);
    }
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    CHECK(s != NULL);
    return s;
}

/* The response frame of one request (caller frees *out with free). */
static void run(const vw_snapshot *s, vw_packcache *pc, const char *op, const msgpack_sbuffer *args,
                msgpack_sbuffer *out)
{
    static msgpack_zone zone;
    static vw_limits lim;
    static bool init;
    static vw_travel_model tm;
    if (!init) {
        msgpack_zone_init(&zone, 4096);
        vw_limits_default(&lim);
        vw_travel_model_default(&tm);
        init = true;
    }
    msgpack_sbuffer req;
    msgpack_packer pk;
    msgpack_sbuffer_init(&req);
    msgpack_packer_init(&pk, &req, msgpack_sbuffer_write);
    vw_pack_request(&pk, 1, op, args->data, args->size);
    msgpack_sbuffer_init(out);
    vw_ops_ctx ctx = {.snap = s, .tm = &tm, .lim = &lim, .zone = &zone, .today = 19000,
                      .packcache = pc};
    vw_ops_handle(&ctx, (const uint8_t *)req.data, req.size, out, NULL, 0);
    msgpack_sbuffer_destroy(&req);
}

static void random_args(msgpack_sbuffer *args, const char **op)
{
    static const char *const field_sets[] = {NULL, "ids", "id,name,minutes,phone",
                                             "networks,hours,discipline,expertise"};
    msgpack_packer pk;
    msgpack_sbuffer_init(args);
    msgpack_packer_init(&pk, args, msgpack_sbuffer_write);
    if (below(10) == 0) { /* provider.get: with registrations */
        char id[16];
        snprintf(id, sizeof id, "P%04u", below(N_PROV));
        *op = "provider.get";
        msgpack_pack_map(&pk, 2);
        vw_pack_kv_str(&pk, "id", id);
        vw_pack_kv_str(&pk, "as_of", below(2) ? "2024-01-01" : "2026-01-01");
        return;
    }
    const char *fields = field_sets[below(4)];
    *op = "match";
    msgpack_pack_map(&pk, 4 + (fields ? 1 : 0));
    vw_pack_cstr(&pk, "near");
    msgpack_pack_array(&pk, 2);
    msgpack_pack_double(&pk, 52.0 + unif() * 0.4);
    msgpack_pack_double(&pk, 4.8 + unif() * 0.4);
    vw_pack_kv_int(&pk, "limit", 1 + below(30));
    vw_pack_kv_str(&pk, "as_of", below(2) ? "2024-01-01" : "2026-01-01");
    vw_pack_kv_bool(&pk, "accepting_only", below(2) != 0);
    if (fields)
        vw_pack_kv_str(&pk, "fields", fields);
}

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
