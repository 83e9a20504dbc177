/* fuzz_creds.c -- fuzzes the admin credentials-file parser (vw_creds_parse,
 * server/daemon/creds.c): any bytes, as a file would hold them. Every
 * outcome is fine except a crash or undefined behaviour; parsing twice
 * gives the same result; a parsed table answers lookups without crashing
 * (the slow hash is not run: no auth with a known name's secret). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/daemon/creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vw_creds *a = NULL, *b = NULL;
    vw_err ea, eb;
    int ra = vw_creds_parse((const char *)data, size, "fuzz.creds", &a, &ea);
    int rb = vw_creds_parse((const char *)data, size, "fuzz.creds", &b, &eb);
    if (ra != rb || (ra == 0) != (a != NULL))
        abort();
    if (ra != 0 && strcmp(ea.message, eb.message) != 0)
        abort();
    if (a && vw_creds_count(a) != vw_creds_count(b))
        abort();
    if (a && vw_creds_by_cert(a, "0000000000000000000000000000000000000000000000000000000000000000") !=
                 NULL &&
        vw_creds_by_cert(b, "0000000000000000000000000000000000000000000000000000000000000000") ==
            NULL)
        abort();
    vw_creds_free(a);
    vw_creds_free(b);
    return 0;
}
