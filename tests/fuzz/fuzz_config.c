/* fuzz_config.c -- fuzzes verwijsd's config file parser (vw_config_parse):
 * any bytes, as a file would hold them. Every outcome is fine except a
 * crash or undefined behaviour; a parse that succeeds must leave every
 * string key NUL-terminated within its field, and parsing the same text
 * twice must give the same result (the parser keeps no state). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vw_config a, b;
    vw_err ea, eb;
    vw_config_defaults(&a);
    vw_config_defaults(&b);
    int ra = vw_config_parse(&a, "fuzz.conf", (const char *)data, size, &ea);
    int rb = vw_config_parse(&b, "fuzz.conf", (const char *)data, size, &eb);
    if (ra != rb)
        abort();
    if (ra == 0 && (memchr(a.admin_token, '\0', sizeof a.admin_token) == NULL ||
                    memchr(a.db, '\0', sizeof a.db) == NULL ||
                    strcmp(a.admin_token, b.admin_token) != 0 || a.workers != b.workers))
        abort();
    if (ra != 0 && strcmp(ea.message, eb.message) != 0)
        abort();
    return 0;
}
