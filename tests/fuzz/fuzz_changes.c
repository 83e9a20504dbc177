/* fuzz_changes.c -- fuzzes the change path of the living register: the
 * input is parsed as a change file (JSONL when it starts with '{', else CSV
 * with ',' or, by the input's length parity, ';'), sent through the msgpack
 * form of the `apply` op (pack, unpack), and applied to a fresh in-memory
 * database holding a small pc4 table, two networks and three providers.
 * After a committed apply the change feed is replayed into a second
 * in-memory database, which must accept it. Every outcome is fine except a
 * crash, a leak, undefined behaviour, or a feed that does not replay. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/store/changes.h"
#include "server/store/store.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char pc4_path[64], nets_path[64], provs_path[64];

static void cleanup(void)
{
    unlink(pc4_path);
    unlink(nets_path);
    unlink(provs_path);
}

static vw_store *fresh(bool with_records)
{
    static bool written;
    static const char pc4[] = "pc4,place,lat,lon\n3511,Utrecht,52.09,5.11\n"
                              "1011,Amsterdam,52.37,4.90\n";
    static const char nets[] = "id,name,kind,status,certified_until,region\n"
                               "N1,Netwerk,oncologienetwerk,certified,2030-01-01,midden\n"
                               "N2,Ander,palliatief,forming,,\n";
    static const char provs[] =
        "id,name,discipline,expertise,lat,lon,postcode,city,networks,accepting,online\n"
        "P1,Fysio,fysiotherapeut,oncologie,52.09,5.12,3511 AB,Utrecht,N1,1,0\n"
        "P2,Dietist,dietist,voeding,,,1011,Amsterdam,N1;N2,1,1\n"
        "P3,Psy,psycholoog,,52.37,4.9,,Amsterdam,,0,1\n";
    vw_store *st = NULL;
    vw_err err;
    if (!written) {
        if (vw_fuzz_write_file(pc4_path, "chg_pc4", pc4, sizeof pc4 - 1) != 0 ||
            vw_fuzz_write_file(nets_path, "chg_nets", nets, sizeof nets - 1) != 0 ||
            vw_fuzz_write_file(provs_path, "chg_provs", provs, sizeof provs - 1) != 0)
            abort();
        atexit(cleanup);
        written = true;
    }
    if (vw_store_open(":memory:", VW_STORE_CREATE, &st, &err) != 0)
        abort();
    if (vw_store_import(st, VW_IMPORT_PC4, pc4_path, NULL, NULL, &err) != 0)
        abort();
    if (with_records && (vw_store_import(st, VW_IMPORT_NETWORKS, nets_path, NULL, NULL, &err) != 0 ||
                         vw_store_import(st, VW_IMPORT_PROVIDERS, provs_path, NULL, NULL, &err) != 0))
        abort();
    return st;
}

typedef struct conv {
    vw_changes *c;
    int bad;
} conv;

static int to_change(void *ud, const vw_change_row *r)
{
    conv *cv = ud;
    vw_err err;
    if (vw_change_from_row(r, cv->c, &err) != 0)
        cv->bad++;
    return 0;
}

/* The feed of st, replayed page by page into a fresh database. */
static void replay(vw_store *st)
{
    vw_store *st2 = fresh(false);
    int64_t since = 0, next;
    bool more = true;
    vw_err err;
    while (more) {
        vw_changes c;
        vw_changes_init(&c);
        conv cv = {&c, 0};
        if (vw_store_changes(st, since, 50, to_change, &cv, &next, &more, &err) != 0 || cv.bad)
            abort();
        vw_apply_opts o = {.credential = "replay", .source = "replay"};
        vw_apply_result res;
        if (c.n > 0 && vw_store_apply(st2, c.v, c.n, &o, &res, &err) != 0) {
            fprintf(stderr, "replay failed: %s\n", err.message);
            abort();
        }
        vw_changes_free(&c);
        since = next;
    }
    vw_store_close(st2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vw_changes c, d;
    vw_err err;
    if (size > 64 * 1024)
        return 0;
    FILE *f = fmemopen((void *)data, size ? size : 1, "r");
    if (f == NULL)
        return 0;
    if (size == 0) {
        fclose(f);
        return 0;
    }
    vw_changes_init(&c);
    vw_changes_init(&d);
    int rc = data[0] == '{' ? vw_changes_parse_jsonl(f, "fuzz.jsonl", &c, &err)
                            : vw_changes_parse_csv(f, "fuzz.csv", size % 2 ? ';' : ',', &c, &err);
    fclose(f);
    if (rc == 0) {
        /* through the wire form, as `verwijs admin apply` sends it */
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        for (size_t i = 0; i < c.n; i++)
            vw_change_pack(&pk, &c.v[i]);
        msgpack_unpacker up;
        msgpack_unpacked res;
        size_t off = 0, i = 0;
        msgpack_unpacked_init(&res);
        while (msgpack_unpack_next(&res, sb.data, sb.size, &off) == MSGPACK_UNPACK_SUCCESS)
            if (vw_change_unpack(&res.data, i++, &d, &err) != 0)
                abort(); /* what the parser accepted, the op must accept */
        (void)up;
        msgpack_unpacked_destroy(&res);
        msgpack_sbuffer_destroy(&sb);
        if (d.n != c.n)
            abort();
        vw_store *st = fresh(true);
        vw_apply_result ar;
        vw_apply_opts o = {.credential = "fuzz"};
        if (vw_store_apply(st, d.v, d.n, &o, &ar, &err) == 0)
            replay(st);
        vw_store_close(st);
    }
    vw_changes_free(&c);
    vw_changes_free(&d);
    return 0;
}
