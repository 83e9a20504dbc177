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
#include "proto/vocab.h"
#include "ops_int.h"

const char *vw_ops_name(int index)
{
    const vw_op_def *d = vw_optable_get(index);
    return d ? d->name : NULL;
}

int vw_ops_index(const char *op, size_t len)
{
    int i;
    vw_optable_find(op, len, &i);
    return i;
}

const char *vw_ops_slot_label(int slot)
{
    return slot == VW_OPS_NONE ? "none" : slot == VW_OPS_FHIR ? "fhir" : vw_ops_name(slot);
}

const char *vw_ops_code_name(int index)
{
    return (index >= 0 && index < VW_OPS_CODES) ? vw_code_get((vw_code)index)->name : NULL;
}

static const double lat_bounds[VW_OPS_LAT_BUCKETS - 1] = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};

double vw_ops_lat_bound(int bucket)
{
    return (bucket >= 0 && bucket < VW_OPS_LAT_BUCKETS - 1) ? lat_bounds[bucket] : INFINITY;
}

int64_t vw_ops_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vw_op_log_add(const vw_op_call *c, const char *fmt, ...)
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

void vw_ops_count(vw_ops_stats *st, int proto, int slot, vw_code code, int64_t t0_ns)
{
    if (st == NULL)
        return;
    int o = (slot >= 0 && slot < VW_OPS_SLOTS) ? slot : VW_OPS_NONE;
    int p = (proto >= 0 && proto < VW_OPS_PROTOS) ? proto : 0;
    int c = vw_code_get(code)->wire_as; /* a local code is counted as what is sent */
    int64_t ns = vw_ops_now_ns() - t0_ns;
    double secs = (double)(ns > 0 ? ns : 0) / 1e9;
    int b = 0;
    while (b < VW_OPS_LAT_BUCKETS - 1 && secs > lat_bounds[b])
        b++;
    atomic_fetch_add_explicit(&st->requests, 1, memory_order_relaxed);
    if (c != VW_C_OK)
        atomic_fetch_add_explicit(&st->errors, 1, memory_order_relaxed);
    if (o < VW_OPS_MAX && vw_ops_name(o))
        atomic_fetch_add_explicit(&st->by_op[o], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->by_code[p][o][c], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->lat_bucket[o][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->lat_sum_ns[o], (unsigned long long)(secs * 1e9),
                              memory_order_relaxed);
}

/* Counts the request, or leaves that to the caller (ctx->outcome). */
static void count(const vw_ops_ctx *ctx, int op, const char *code, int64_t t0)
{
    vw_code c = code ? vw_code_find(code) : VW_C_OK;
    if (ctx->outcome) {
        ctx->outcome->op = op;
        ctx->outcome->code = c;
        ctx->outcome->t0_ns = t0;
        return;
    }
    vw_ops_count(ctx->stats, ctx->proto, op >= 0 ? op : VW_OPS_NONE, c, t0);
}

/* Failed writes on this thread: a packer ignores them, so a run packed
 * while one failed lacks a piece and must not be cached (pack.c). */
static _Thread_local unsigned sbuffer_failures;

int vw_ops_sbuffer_write(void *data, const char *buf, size_t len)
{
    int rc = msgpack_sbuffer_write(data, buf, len);
    if (rc != 0)
        sbuffer_failures++;
    return rc;
}

unsigned vw_ops_sbuffer_failures(void) { return sbuffer_failures; }

/* An `as_of` before today with a history hook: *hctx = ctx with the
 * register as it was (*hist a reference the caller releases; NULL when the
 * op takes no as_of, it is today or later, or the log does not reach back).
 * A malformed as_of is left to the op's own argument check. */
static int historic_ctx(const vw_ops_ctx *ctx, const vw_op_def *def, const msgpack_object *args,
                        vw_ops_ctx *hctx,
                        vw_snapshot **hist, vw_err *err)
{
    const char *s;
    size_t l;
    bool present = false;
    int32_t as_of;
    *hist = NULL;
    if (!ctx->historic || !ctx->snap || !args || !vw_op_arg_find(def, "as_of"))
        return 0;
    vw_err tmp;
    vw_err_clear(&tmp);
    if (vw_arg_str(args, "as_of", &s, &l, &present, &tmp) != 0 || !present ||
        vw_date_parse(s, l, &as_of) != 0 || as_of >= ctx->today)
        return 0;
    if (ctx->historic(ctx->historic_ud, ctx->snap, as_of, hist, err) != 0)
        return -1;
    *hctx = *ctx;
    hctx->snap = *hist;
    return 0;
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
    const vw_op_def *def;
    vw_snapshot *hist = NULL; /* a historic snapshot for as_of (owned reference) */
    int64_t t0 = (ctx->stats || ctx->outcome) ? vw_ops_now_ns() : 0;

    vw_err_clear(&err);
    if (log_line && log_cap)
        log_line[0] = '\0';
    msgpack_zone_clear(ctx->zone);
    msgpack_packer_init(&pk, out, vw_ops_sbuffer_write);
    frame = vw_frame_begin(out);

    if (vw_msg_check(body, len, ctx->lim, &err) != 0 ||
        vw_msg_unpack(body, len, ctx->zone, &root, &err) != 0 ||
        vw_request_parse(&root, &req, &err) != 0)
        goto fail;
    if (ctx->admin && ctx->admin->authenticate) {
        ctx->admin->cred = ctx->admin->authenticate(ctx->admin->auth_ud, req.auth,
                                                    req.auth ? req.auth_len : 0);
        if (ctx->admin->cred == NULL) {
            ctx->admin->denied = true;
            vw_err_set(&err, VW_E_FORBIDDEN, "this admin listener needs a valid 'auth' "
                       "(NAME:SECRET of a credential, or the admin token)");
            goto fail;
        }
    } else if (ctx->admin && ctx->admin->token &&
        (req.auth == NULL ||
         !vw_ops_token_eq(req.auth, req.auth_len, ctx->admin->token, ctx->admin->token_len))) {
        ctx->admin->denied = true;
        vw_err_set(&err, VW_E_FORBIDDEN, "this admin listener needs a valid 'auth' token");
        goto fail;
    }
    def = vw_optable_find(req.op, req.op_len, &op);
    if (def == NULL) {
        vw_err_set(&err, VW_E_UNKNOWN_OP, "unknown op '%.*s'", (int)(req.op_len > 64 ? 64 : req.op_len),
                   req.op);
        goto fail;
    }
    if ((def->flags & VW_OPF_ADMIN) && ctx->admin == NULL) {
        vw_err_set(&err, VW_E_FORBIDDEN,
                   "'%s' is an admin op: use the admin socket (verwijs admin), not the query port",
                   def->name);
        goto fail;
    }
    if (ctx->admin && (def->flags & VW_OPF_ADMIN)) {
        char why[sizeof ctx->admin->refusal];
        if (vw_authz_op_check(ctx->admin->cred, def->name, def->flags, why, sizeof why) != 0) {
            vw_err_set(&err, VW_E_FORBIDDEN, "%s", why);
            goto fail;
        }
    }
    if (ctx->snap == NULL && !(def->flags & VW_OPF_NO_SNAPSHOT)) {
        vw_err_set(&err, VW_E_UNAVAILABLE, "no snapshot is loaded");
        goto fail;
    }
    vw_ops_ctx hctx;
    if (historic_ctx(ctx, def, req.args, &hctx, &hist, &err) != 0)
        goto fail;
    if (hist)
        ctx = &hctx;
    vw_op_given given;
    given.known = false;
    vw_op_call call = {.ctx = ctx, .def = def, .args = req.args, .pk = &pk, .err = &err, .log = log_line,
                       .log_cap = log_cap, .given = &given};
    vw_op_log(&call, "op=%s", def->name);
    vw_pack_ok_head(&pk, req.id);
    if (def->fn(&call) != 0)
        goto fail; /* fail: drops the ok head and the partial result */
    vw_frame_end(out, frame);
    count(ctx, op, NULL, t0);
    vw_snapshot_release(hist);
    return;

fail:
    vw_snapshot_release(hist);
    if (ctx->admin && strcmp(err.code, VW_E_FORBIDDEN) == 0) {
        ctx->admin->refused = true; /* every refusal the daemon logs at WARN */
        size_t n = strnlen(err.message, sizeof ctx->admin->refusal - 1);
        memcpy(ctx->admin->refusal, err.message, n);
        ctx->admin->refusal[n] = '\0';
    }
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
