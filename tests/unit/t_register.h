/* t_register.h -- a random register and random match / provider.get
 * requests for the answer-cache tests (test_packcache, test_jsoncache): 400
 * providers with networks, hours, languages and a registration that ends
 * (expertise depends on the day); make_snapshot(prefix) names them
 * "<prefix> praktijk N", so two prefixes give two registers with other
 * bytes. run() answers one request through vw_ops_handle. */
#ifndef VW_T_REGISTER_H
#define VW_T_REGISTER_H

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

#endif
