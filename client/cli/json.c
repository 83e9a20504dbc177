/* json.c -- msgpack object -> JSON text on a FILE (the CLI's --json); the
 * writer itself is proto/mpjson.c, shared with verwijsd's HTTP gateway. */
#include "json.h"

#include "proto/mpjson.h"

static int file_sink(void *ctx, const char *p, size_t n)
{
    return fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

void vw_json_write(FILE *f, const msgpack_object *o, bool pretty)
{
    vw_mpjson_write(o, pretty, file_sink, f);
    fputc('\n', f);
}
