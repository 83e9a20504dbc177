/* fuzz_snap.h -- the small fixed snapshot the request-level fuzz targets run
 * against (fuzz_ops, fuzz_fhir): two PC4s, one certified network, 40
 * providers over every discipline with tags, memberships and one
 * registration. Aborts when it cannot be built. */
#ifndef VW_FUZZ_SNAP_H
#define VW_FUZZ_SNAP_H

#include <stdio.h>
#include <stdlib.h>

#include "proto/vocab.h"
#include "server/engine/snapshot.h"

static vw_snapshot *fuzz_snapshot(void)
{
    vw_err err;
    vw_snapbuild *b = vw_snapbuild_new();
    vw_snapbuild_add_pc4(b, 3511, 52.0884, 5.1177, "Utrecht", &err);
    vw_snapbuild_add_pc4(b, 7411, 52.2500, 6.1600, "Deventer", &err);
    vw_network_in n = {.id = "N1", .name = "Netwerk", .kind = "oncologienetwerk",
                       .region_code = "midden", .status = VW_NET_CERTIFIED,
                       .certified_until = 21000};
    vw_snapbuild_add_network(b, &n, &err);
    static const char *const tags[] = {"oncologie"};
    static const char *const nets[] = {"N1"};
    for (int i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "P%03d", i);
        vw_provider_in p = {.id = id, .name = id, .postcode = "3511 AB", .city = "Utrecht",
                            .lat = 52.0 + i * 0.01, .lon = 5.1 + (i % 7) * 0.01,
                            .discipline = i % VW_D_COUNT, .expertise = tags,
                            .n_expertise = (size_t)(i % 2), .networks = nets,
                            .n_networks = (size_t)(i % 3 == 0), .accepting = i % 4 != 0,
                            .online = i % 9 == 0};
        vw_snapbuild_add_provider(b, &p, &err);
    }
    vw_snapbuild_add_registration(b, "P001", "lymfoedeem", "kngf", 18000, 19000, &err);
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    if (s == NULL)
        abort();
    return s;
}

#endif
