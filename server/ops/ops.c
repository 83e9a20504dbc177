/* ops.c -- op dispatch: one frame body in, one response frame out.
 *
 * Decoding is bounded (vw_msg_check before msgpack-c allocates anything), the
 * envelope is parsed strictly, and an op either packs its whole result or
 * fails: on failure the partly packed bytes are cut off and an error response
 * is packed in their place. */
#include "ops.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto/frame.h"
#include "ops_int.h"

static const struct {
    const char *name;
    vw_op_fn fn;
} op_table[] = {
    {"ping", vw_op_ping},
    {"match", vw_op_match},
    {"provider.get", vw_op_provider_get},
    {"network.get", vw_op_network_get},
    {"stats", vw_op_stats},
    {"refer", vw_op_refer},
    {"network.near", vw_op_network_near},
    {"networks.audit", vw_op_networks_audit},
    {"regions", vw_op_regions},
    {"coverage", vw_op_coverage},
    {"reload", vw_op_reload},
    {"import", vw_op_import},
};
#define OP_COUNT (sizeof op_table / sizeof op_table[0])
_Static_assert(OP_COUNT <= VW_OPS_MAX, "raise VW_OPS_MAX");

const char *vw_ops_name(int index)
{
    return (index >= 0 && (size_t)index < OP_COUNT) ? op_table[index].name : NULL;
}

int vw_ops_index(const char *op, size_t len)
{
    for (size_t i = 0; i < OP_COUNT; i++)
        if (strlen(op_table[i].name) == len && memcmp(op_table[i].name, op, len) == 0)
            return (int)i;
    return -1;
}

static const char *const code_names[VW_OPS_CODES] = {
    "ok", VW_E_BAD_REQUEST, VW_E_UNKNOWN_OP, VW_E_NOT_FOUND, VW_E_TOO_LARGE,
    VW_E_UNAVAILABLE, VW_E_FORBIDDEN, VW_E_OVERLOADED, VW_E_TIMEOUT, VW_E_INVALID,
    VW_E_INTERNAL};

static const double lat_bounds[VW_OPS_LAT_BUCKETS - 1] = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};

const char *vw_ops_code_name(int index)
{
    return (index >= 0 && index < VW_OPS_CODES) ? code_names[index] : NULL;
}

int vw_ops_code_index(const char *code)
{
    for (int i = 0; i < VW_OPS_CODES; i++)
        if (strcmp(code_names[i], code) == 0)
            return i;
    return VW_OPS_CODES - 1; /* internal */
}

double vw_ops_lat_bound(int bucket)
{
    return (bucket >= 0 && bucket < VW_OPS_LAT_BUCKETS - 1) ? lat_bounds[bucket] : INFINITY;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vw_op_log(const vw_op_call *c, const char *fmt, ...)
{
    if (c->log == NULL || c->log_cap == 0)
        return;
    size_t used = strlen(c->log);
    if (used + 1 >= c->log_cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->log + used, c->log_cap - used, fmt, ap);
    va_end(ap);
}

void vw_ops_error_frame(msgpack_sbuffer *out, uint64_t id, const char *code, const char *message)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    size_t start = vw_frame_begin(out);
    vw_pack_error(&pk, id, code, message);
    vw_frame_end(out, start);
}

static void count(const vw_ops_ctx *ctx, int op, const char *code, int64_t t0)
{
    vw_ops_stats *st = ctx->stats;
    if (st == NULL)
        return;
    int o = op >= 0 ? op : VW_OPS_MAX;
    int p = (ctx->proto >= 0 && ctx->proto < VW_OPS_PROTOS) ? ctx->proto : 0;
    double secs = (double)(now_ns() - t0) / 1e9;
    int b = 0;
    while (b < VW_OPS_LAT_BUCKETS - 1 && secs > lat_bounds[b])
        b++;
    atomic_fetch_add_explicit(&st->requests, 1, memory_order_relaxed);
    if (code)
        atomic_fetch_add_explicit(&st->errors, 1, memory_order_relaxed);
    if (op >= 0)
        atomic_fetch_add_explicit(&st->by_op[op], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->by_code[p][o][code ? vw_ops_code_index(code) : 0], 1,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&st->lat_bucket[o][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->lat_sum_ns[o], (unsigned long long)(secs * 1e9),
                              memory_order_relaxed);
}

void vw_ops_handle(const vw_ops_ctx *ctx, const uint8_t *body, size_t len,
                   msgpack_sbuffer *out, char *log_line, size_t log_cap)
{
    vw_err err;
    vw_request req = {0};
    msgpack_object root;
    msgpack_packer pk;
    int op = -1;
    size_t frame;
    int64_t t0 = ctx->stats ? now_ns() : 0;

    vw_err_clear(&err);
    if (log_line && log_cap)
        log_line[0] = '\0';
    msgpack_zone_clear(ctx->zone);
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    frame = vw_frame_begin(out);

    if (vw_msg_check(body, len, ctx->lim, &err) != 0 ||
        vw_msg_unpack(body, len, ctx->zone, &root, &err) != 0 ||
        vw_request_parse(&root, &req, &err) != 0)
        goto fail;
    if (ctx->admin && ctx->admin->token &&
        (req.auth == NULL ||
         !vw_ops_token_eq(req.auth, req.auth_len, ctx->admin->token, ctx->admin->token_len))) {
        ctx->admin->denied = true;
        vw_err_set(&err, VW_E_FORBIDDEN, "this admin listener needs a valid 'auth' token");
        goto fail;
    }
    op = vw_ops_index(req.op, req.op_len);
    if (op < 0) {
        vw_err_set(&err, VW_E_UNKNOWN_OP, "unknown op '%.*s'", (int)(req.op_len > 64 ? 64 : req.op_len),
                   req.op);
        goto fail;
    }
    bool admin_op = vw_ops_is_admin(req.op, req.op_len);
    if (admin_op && ctx->admin == NULL) {
        vw_err_set(&err, VW_E_FORBIDDEN,
                   "'%s' is an admin op: use the admin socket (verwijs admin), not the query port",
                   op_table[op].name);
        goto fail;
    }
    if (ctx->snap == NULL && !admin_op && strcmp(op_table[op].name, "ping") != 0 &&
        strcmp(op_table[op].name, "stats") != 0) {
        vw_err_set(&err, VW_E_UNAVAILABLE, "no snapshot is loaded");
        goto fail;
    }
    vw_op_call call = {.ctx = ctx, .args = req.args, .pk = &pk, .err = &err, .log = log_line,
                       .log_cap = log_cap};
    vw_op_log(&call, "op=%s", op_table[op].name);
    vw_pack_ok_head(&pk, req.id);
    if (op_table[op].fn(&call) != 0)
        goto fail; /* fail: drops the ok head and the partial result */
    vw_frame_end(out, frame);
    count(ctx, op, NULL, t0);
    return;

fail:
    out->size = frame + VW_FRAME_HEADER;
    vw_pack_error(&pk, req.has_id ? req.id : 0, err.code[0] ? err.code : VW_E_INTERNAL,
                  err.message);
    vw_frame_end(out, frame);
    if (log_line && log_cap) {
        size_t used = strlen(log_line);
        snprintf(log_line + used, log_cap - used, "%serror=%s", used ? " " : "", err.code);
    }
    count(ctx, op, err.code[0] ? err.code : VW_E_INTERNAL, t0);
}
