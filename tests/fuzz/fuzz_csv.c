/* fuzz_csv.c -- fuzzes the CSV reader (default and tiny limits) and the
 * importers: the input is imported as providers (strict or skip_invalid, by
 * the input's length parity) into a fresh in-memory database that holds a
 * small pc4 table and two networks, and additionally as pc4 / networks /
 * registrations when its first line looks like that kind's header. Every
 * outcome is fine except a crash, a leak or undefined behaviour; a committed
 * import must leave a loadable snapshot. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/csv/csv.h"
#include "server/store/store.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char input_path[64], pc4_path[64], nets_path[64];

static void cleanup(void)
{
    unlink(input_path);
    unlink(pc4_path);
    unlink(nets_path);
}


static void read_all(const uint8_t *data, size_t size, const vw_csv_limits *lim)
{
    vw_csv *r = vw_csv_new_mem((const char *)data, size, "fuzz");
    char **f;
    size_t *l, n;
    long line;
    vw_err err;
    int rc;
    if (r == NULL)
        return;
    if (lim)
        vw_csv_set_limits(r, lim);
    while ((rc = vw_csv_next(r, &f, &l, &n, &line, &err)) != VW_CSV_EOF && rc != VW_CSV_FATAL) {
        if (rc == VW_CSV_ROW)
            for (size_t i = 0; i < n; i++)
                if (strlen(f[i]) != l[i]) /* fields are NUL-terminated, no NULs inside */
                    abort();
    }
    vw_csv_free(r);
}

static int starts_with(const uint8_t *d, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && memcmp(d, p, k) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char pc4[] = "pc4,place,lat,lon\n3511,Utrecht,52.09,5.11\n1011,Amsterdam,52.37,4.90\n";
    static const char nets[] = "id,name,kind,status,certified_until,region\n"
                               "N1,Een,onco,certified,2030-01-01,midden\nN2,Twee,onco,forming,,\n";
    static int ready;
    vw_store *st = NULL;
    vw_err err;

    read_all(data, size, NULL);
    vw_csv_limits tiny = {.max_field = 8, .max_fields = 4, .max_row = 24};
    read_all(data, size, &tiny);

    if (!ready) {
        if (vw_fuzz_write_file(pc4_path, "csv_pc4", pc4, sizeof pc4 - 1) != 0 ||
            vw_fuzz_write_file(nets_path, "csv_nets", nets, sizeof nets - 1) != 0)
            return 0;
        atexit(cleanup);
        ready = 1;
    }
    if (vw_fuzz_write_file(input_path, "csv_in", data, size) != 0)
        return 0;
    if (vw_store_open(":memory:", VW_STORE_CREATE, &st, &err) != 0)
        abort();
    if (vw_store_import(st, VW_IMPORT_PC4, pc4_path, NULL, NULL, &err) != 0 ||
        vw_store_import(st, VW_IMPORT_NETWORKS, nets_path, NULL, NULL, &err) != 0)
        abort();
    vw_import_opts o = {.skip_invalid = (size & 1) != 0};
    vw_import_result res;
    int committed = vw_store_import(st, VW_IMPORT_PROVIDERS, input_path, &o, &res, &err) == 0;
    if (starts_with(data, size, "pc4,"))
        committed |= vw_store_import(st, VW_IMPORT_PC4, input_path, &o, &res, &err) == 0;
    else if (starts_with(data, size, "id,name,kind"))
        committed |= vw_store_import(st, VW_IMPORT_NETWORKS, input_path, &o, &res, &err) == 0;
    else if (starts_with(data, size, "provider_id,"))
        committed |= vw_store_import(st, VW_IMPORT_REGISTRATIONS, input_path, &o, &res, &err) == 0;
    if (committed) {
        vw_snapshot *s = vw_store_load(st, &err);
        if (s == NULL) /* whatever an import accepted must load */
            abort();
        vw_snapshot_release(s);
    }
    vw_store_close(st);
    return 0;
}
