/* util.c -- connecting and calling, result field access, table cells. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/geo.h"
#include "proto/vocab.h"
#include "cli.h"
#include "json.h"

/* An error on stderr: "error: CODE: message" for the server's answer,
 * "verwijs: ..." for a local failure; with --json one JSON object,
 * {"error": {"code": ..., "message": ..., "local": bool}}, so a program that
 * reads JSON also reads the failure. */
static void print_error(const vw_cli *cli, const vw_err *err, bool connecting)
{
    bool local = connecting || vw_err_is_local(err);
    if (!cli->json) {
        if (connecting)
            fprintf(stderr, "verwijs: %s\n", err->message);
        else
            fprintf(stderr, "%s: %s: %s\n", local ? "verwijs" : "error", err->code, err->message);
        return;
    }
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    vw_pack_cstr(&pk, "error");
    msgpack_pack_map(&pk, 3);
    vw_pack_kv_str(&pk, "code", connecting ? VW_E_CONNECT : err->code);
    vw_pack_kv_str(&pk, "message", err->message);
    vw_pack_kv_bool(&pk, "local", local);
    msgpack_zone z;
    msgpack_object o;
    msgpack_zone_init(&z, 1024);
    if (msgpack_unpack(sb.data, sb.size, NULL, &z, &o) == MSGPACK_UNPACK_SUCCESS) {
        vw_json_write(stderr, &o, false); /* ends the line itself */
    }
    msgpack_zone_destroy(&z);
    msgpack_sbuffer_destroy(&sb);
}

vw_reply *vw_cli_call(const vw_cli *cli, const char *op, const msgpack_sbuffer *args,
                      int *exit_code)
{
    vw_client_opts o;
    vw_err err;
    vw_client *c;
    vw_client_opts_default(&o);
    if (cli->timeout_ms > 0) {
        o.connect_timeout_ms = cli->timeout_ms;
        o.io_timeout_ms = cli->timeout_ms;
    }
    o.auth = cli->auth;
    o.tls = cli->tls;
    o.tls_ca = cli->ca;
    o.tls_cert = cli->cert;
    o.tls_key = cli->key;
    o.tls_server_name = cli->tls_name;
    c = cli->socket ? vw_client_connect_unix(cli->socket, &o, &err)
                    : vw_client_connect_tcp(cli->server, &o, &err);
    if (c == NULL) {
        print_error(cli, &err, true);
        *exit_code = EXIT_CONNECT;
        return NULL;
    }
    vw_reply *r = vw_client_call(c, op, args ? args->data : NULL, args ? args->size : 0, &err);
    vw_client_free(c);
    if (r == NULL) {
        print_error(cli, &err, false);
        *exit_code = vw_code_get(vw_code_find(err.code))->exit_code;
    }
    return r;
}

/* Bytes of the first `cols` code points of s, and the code points counted. */
static size_t utf8_prefix(const char *s, int cols, int *counted)
{
    size_t i = 0;
    int n = 0;
    while (s[i] && n < cols) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
        n++;
    }
    *counted = n;
    return i;
}

/* Writes s cut to `width` code points (the last one an ellipsis when cut);
 * returns the code points written. */
static int cell_cut(FILE *f, const char *s, int width)
{
    int n;
    size_t total = utf8_prefix(s, 1 << 20, &n);
    if (n > width) {
        total = utf8_prefix(s, width - 1, &n);
        fwrite(s, 1, total, f);
        fputs("…", f);
        return n + 1;
    }
    fwrite(s, 1, total, f);
    return n;
}

void vw_cell(FILE *f, const char *s, int width, bool right)
{
    int n;
    utf8_prefix(s, width + 1, &n);
    if (right && n < width)
        fprintf(f, "%*s", width - n, "");
    n = cell_cut(f, s, width);
    if (!right && n < width)
        fprintf(f, "%*s", width - n, "");
}

void vw_cell_last(FILE *f, const char *s, int width)
{
    cell_cut(f, s, width);
}

int vw_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "verwijs %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see verwijs %s --help)\n", cmd);
    return EXIT_USAGE;
}

int vw_cli_pack_near(msgpack_packer *pk, const char *near)
{
    vw_postcode pc;
    const char *comma = strchr(near, ',');
    if (comma == NULL) {
        if (vw_postcode_parse(near, strlen(near), &pc) != 0)
            return -1;
        vw_pack_cstr(pk, near);
        return 0;
    }
    char *end;
    double lat = strtod(near, &end);
    if (end != comma)
        return -1;
    double lon = strtod(comma + 1, &end);
    if (*end != '\0' || !isfinite(lat) || !isfinite(lon))
        return -1;
    msgpack_pack_array(pk, 2);
    msgpack_pack_double(pk, lat);
    msgpack_pack_double(pk, lon);
    return 0;
}

int vw_cli_qopt(const char *cmd, int c, const char *arg, vw_cli_qopts *o, vw_cli *cli)
{
    char *end;
    switch (c) {
    case 'n': o->near = arg; return 1;
    case 'm': o->mode = arg; return 1;
    case 'D': o->as_of = arg; return 1;
    case 'a': o->accepting = true; return 1;
    case 'j': cli->json = true; return 1;
    case 'r': o->region = arg; return 1;
    case 'd':
    case 'e': {
        const char **list = c == 'd' ? o->disc : o->exp;
        int *n = c == 'd' ? &o->nd : &o->ne;
        if (*n == VW_CLI_MAX_LIST) {
            vw_cli_usage_error(cmd, "too many --%s", c == 'd' ? "discipline" : "expertise");
            return -1;
        }
        list[(*n)++] = arg;
        return 1;
    }
    case 'w':
        o->within = strtod(arg, &end);
        if (*end || !(o->within > 0 && o->within <= 600)) {
            vw_cli_usage_error(cmd, "--within must be minutes, above 0, at most 600");
            return -1;
        }
        return 1;
    case 'l':
        o->limit = strtol(arg, &end, 10);
        if (*end || o->limit < 1 || o->limit > o->max_limit) {
            vw_cli_usage_error(cmd, "--limit must be 1..%ld", o->max_limit);
            return -1;
        }
        return 1;
    default: return 0;
    }
}

int vw_cli_qopts_check(const char *cmd, const vw_cli_qopts *o)
{
    int32_t day;
    vw_postcode pc;
    vw_mode md;
    if (o->mode && vw_mode_parse(o->mode, strlen(o->mode), &md) != 0)
        return vw_cli_usage_error(cmd, "--mode must be car, bike, walk or transit (transit: with "
                                       "a travel-time matrix)"), -1;
    if (o->as_of && vw_date_parse(o->as_of, strlen(o->as_of), &day) != 0)
        return vw_cli_usage_error(cmd, "--as-of must be a date YYYY-MM-DD"), -1;
    if (o->near) {
        /* The same parser that packs it, into a scratch buffer. */
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        int bad = vw_cli_pack_near(&pk, o->near);
        msgpack_sbuffer_destroy(&sb);
        if (bad)
            return vw_cli_usage_error(cmd, "--near must be a postcode (3511, 3511AB) or lat,lon"), -1;
    }
    (void)pc;
    return 0;
}

int vw_cli_qopts_count(const vw_cli_qopts *o)
{
    return (o->within > 0) + (o->mode != NULL) + (o->limit > 0) + o->accepting +
           (o->as_of != NULL) + (o->region != NULL) + (o->nd > 0) + (o->ne > 0);
}

static void pack_list(msgpack_packer *pk, const char *key, const char *const *items, int n)
{
    if (n == 0)
        return;
    vw_pack_cstr(pk, key);
    msgpack_pack_array(pk, (size_t)n);
    for (int i = 0; i < n; i++)
        vw_pack_cstr(pk, items[i]);
}

void vw_cli_pack_qopts(msgpack_packer *pk, const vw_cli_qopts *o)
{
    if (o->within > 0)
        vw_pack_kv_double(pk, "within", o->within);
    if (o->mode)
        vw_pack_kv_str(pk, "mode", o->mode);
    if (o->limit > 0)
        vw_pack_kv_int(pk, "limit", o->limit);
    if (o->accepting)
        vw_pack_kv_bool(pk, "accepting_only", true);
    if (o->as_of)
        vw_pack_kv_str(pk, "as_of", o->as_of);
    if (o->region)
        vw_pack_kv_str(pk, "region", o->region);
    pack_list(pk, "discipline", o->disc, o->nd);
    pack_list(pk, "expertise", o->exp, o->ne);
}

int vw_cli_finish(const vw_cli *cli, vw_reply *r, void (*table)(const msgpack_object *))
{
    if (cli->json)
        vw_json_write(stdout, vw_reply_result(r), true);
    else
        table(vw_reply_result(r));
    vw_reply_free(r);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}
