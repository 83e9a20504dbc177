/* args.c -- argument decoding that needs the snapshot or the domain:
 * locations, disciplines, expertise tags, travel mode, limits, dates. Every
 * failure names the argument and the accepted values; names, bounds,
 * defaults and allowed values are read from the op's row of the op table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vocab.h"
#include "ops_int.h"

/* The op's schema row of `key`; internal when the table lacks it. */
static const vw_op_arg *row(const vw_op_call *c, const char *key)
{
    const vw_op_arg *a = vw_op_arg_find(c->def, key);
    if (a == NULL)
        vw_err_set(c->err, VW_E_INTERNAL, "op %s reads argument '%s' that the op table lacks",
                   c->def ? c->def->name : "?", key);
    return a;
}

/* The row's default when it is a whole number (PROTOCOL.md shows the same
 * text). Parsed by hand: this runs per request, and strtod costs more than
 * the rest of an argument's decoding. */
static bool numeric_default(const vw_op_arg *a, double *v)
{
    const char *s = a->dflt;
    double x = 0;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++)
        x = x * 10 + (*s - '0');
    if (*s != '\0')
        return false;
    *v = x;
    return true;
}

const msgpack_object *vw_opa_args(const vw_op_call *c, const vw_op_arg *a)
{
    if (c->given == NULL || !c->given->known || a == NULL || c->def == NULL)
        return c->args;
    size_t r = (size_t)(a - c->def->args);
    if (r >= VW_OPS_MAX_ARGS)
        return c->args;
    return (c->given->rows >> r) & 1 ? &c->given->view[r] : NULL;
}

int vw_opa_only(const vw_op_call *c)
{
    const char *known[VW_OPS_MAX_ARGS + 1];
    size_t n = 0;
    const vw_op_arg *a = c->def->args;
    for (; a->name && n < VW_OPS_MAX_ARGS; a++)
        known[n++] = a->name;
    known[n] = NULL;
    if (a->name != NULL) /* the table outgrew the bound: refuse rather than drop arguments */
        return vw_err_set(c->err, VW_E_INTERNAL, "op %s has more than %d arguments",
                          c->def->name, VW_OPS_MAX_ARGS);
    int rows[VW_OPS_MAX_ARGS];
    if (vw_args_rows(c->args, known, rows, VW_OPS_MAX_ARGS, c->err) != 0)
        return -1;
    if (c->given) { /* every key is a known row, each once: at most n of them */
        uint32_t given = c->args ? c->args->via.map.size : 0;
        c->given->rows = 0;
        for (uint32_t i = 0; i < given && i < VW_OPS_MAX_ARGS; i++) {
            c->given->rows |= UINT32_C(1) << rows[i];
            c->given->view[rows[i]] = (msgpack_object){
                .type = MSGPACK_OBJECT_MAP,
                .via.map = {.size = 1, .ptr = &c->args->via.map.ptr[i]}};
        }
        c->given->known = given <= VW_OPS_MAX_ARGS;
    }
    return 0;
}

int vw_opa_uint(const vw_op_call *c, const char *key, uint64_t *v, bool *present)
{
    const vw_op_arg *a = row(c, key);
    double d;
    if (a == NULL)
        return -1;
    if (vw_arg_uint(vw_opa_args(c, a), key, (uint64_t)a->min, (uint64_t)a->max, v, present,
                    c->err) != 0)
        return -1;
    if (!*present && numeric_default(a, &d))
        *v = (uint64_t)d;
    return 0;
}

int vw_opa_bool(const vw_op_call *c, const char *key, bool *v)
{
    bool present;
    const vw_op_arg *a = row(c, key);
    return a == NULL ? -1 : vw_arg_bool(vw_opa_args(c, a), key, v, &present, c->err);
}

int vw_opa_enum(const vw_op_call *c, const char *key, int *index)
{
    const vw_op_arg *a = row(c, key);
    const char *s, *v;
    size_t len;
    bool present;
    char known[512];
    *index = -1;
    if (a == NULL || vw_arg_str(vw_opa_args(c, a), key, &s, &len, &present, c->err) != 0)
        return -1;
    if (!present)
        return 0;
    for (int i = 0; (v = vw_op_arg_value(a, i)) != NULL; i++)
        if (strlen(v) == len && memcmp(v, s, len) == 0) {
            *index = i;
            return 0;
        }
    vw_op_arg_values_text(a, "'", ", ", " or ", known, sizeof known);
    return vw_err_set(c->err, VW_E_BAD_REQUEST, "%s must be %s", key, known);
}

int vw_opa_near(const vw_op_call *c, vw_origin *o)
{
    const msgpack_object *v =
        vw_arg(vw_opa_args(c, vw_op_arg_find(c->def, "near")), "near");
    memset(o, 0, sizeof *o);
    if (v == NULL)
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "argument 'near' is required");
    if (v->type == MSGPACK_OBJECT_STR) {
        if (vw_postcode_parse(v->via.str.ptr, v->via.str.size, &o->pc) != 0)
            return vw_err_set(c->err, VW_E_BAD_REQUEST,
                              "argument 'near' must be a postcode ('3511' or '3511AB') or "
                              "[lat, lon]");
        o->kind = o->pc.letters[0] ? VW_ORIGIN_PC6 : VW_ORIGIN_PC4;
        if (!vw_snapshot_pc4(c->ctx->snap, o->pc.pc4, &o->lat, &o->lon, &o->place))
            return vw_err_set(c->err, VW_E_NOT_FOUND, "postcode %04d is not in the PC4 table",
                              o->pc.pc4);
        vw_op_log(c, " near=%04d", o->pc.pc4); /* never the PC6 letters */
        return 0;
    }
    if (v->type == MSGPACK_OBJECT_ARRAY && v->via.array.size == 2) {
        double ll[2];
        for (int i = 0; i < 2; i++) {
            const msgpack_object *e = &v->via.array.ptr[i];
            if (e->type == MSGPACK_OBJECT_FLOAT32 || e->type == MSGPACK_OBJECT_FLOAT64)
                ll[i] = e->via.f64;
            else if (e->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                ll[i] = (double)e->via.u64;
            else if (e->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
                ll[i] = (double)e->via.i64;
            else
                return vw_err_set(c->err, VW_E_BAD_REQUEST,
                                  "argument 'near' as [lat, lon] needs two numbers");
        }
        if (!isfinite(ll[0]) || !isfinite(ll[1]) || !vw_geo_in_nl(ll[0], ll[1]))
            return vw_err_set(c->err, VW_E_BAD_REQUEST,
                              "argument 'near' [lat, lon] must lie in the Netherlands "
                              "(lat %.2f..%.2f, lon %.2f..%.2f)",
                              VW_NL_LAT_MIN, VW_NL_LAT_MAX, VW_NL_LON_MIN, VW_NL_LON_MAX);
        o->kind = VW_ORIGIN_POINT;
        o->lat = ll[0];
        o->lon = ll[1];
        char red[32];
        vw_geo_redact_coords(o->lat, o->lon, red);
        vw_op_log(c, " near=%s", red);
        return 0;
    }
    return vw_err_set(c->err, VW_E_BAD_REQUEST,
                      "argument 'near' must be a postcode ('3511' or '3511AB') or [lat, lon]");
}

int vw_opa_disciplines(const vw_op_call *c, const char *key, uint32_t *mask)
{
    const char *s[VW_D_COUNT];
    size_t l[VW_D_COUNT], n = 0;
    const vw_op_arg *a = row(c, key);
    *mask = 0;
    if (a == NULL)
        return -1;
    const msgpack_object *args = vw_opa_args(c, a);
    if (vw_arg(args, key) == NULL)
        return 0;
    if (vw_arg_str_list(args, key, s, l, a->max < VW_D_COUNT ? (size_t)a->max : VW_D_COUNT,
                        &n, c->err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int d = vw_discipline_parse(s[i], l[i]);
        if (d < 0) {
            char known[512];
            vw_op_arg_values_text(a, "", ", ", ", ", known, sizeof known);
            return vw_err_set(c->err, VW_E_BAD_REQUEST, "unknown discipline '%.*s' (known: %s)",
                              (int)(l[i] > 40 ? 40 : l[i]), s[i], known);
        }
        *mask |= 1u << d;
        vw_op_log(c, "%s%s", i ? "," : " disc=", vw_discipline_name(d));
    }
    return 0;
}

int vw_opa_tags(const vw_op_call *c, const char *key, uint64_t *mask)
{
    enum { MAX = 16 };
    const char *s[MAX];
    size_t l[MAX], n = 0;
    const vw_op_arg *a = row(c, key);
    *mask = 0;
    if (a == NULL)
        return -1;
    const msgpack_object *args = vw_opa_args(c, a);
    if (vw_arg(args, key) == NULL)
        return 0;
    if (vw_arg_str_list(args, key, s, l, a->max < MAX ? (size_t)a->max : MAX, &n, c->err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int bit = vw_snapshot_tag_bit(c->ctx->snap, s[i], l[i]);
        if (bit < 0)
            return vw_err_set(c->err, VW_E_BAD_REQUEST,
                              "unknown expertise '%.*s' (known include: oncologie, lymfoedeem, "
                              "vermoeidheid, psycho-oncologie, voeding, seksualiteit, werk, "
                              "revalidatie, palliatief, jongvolwassenen)",
                              (int)(l[i] > 40 ? 40 : l[i]), s[i]);
        *mask |= UINT64_C(1) << bit;
        vw_op_log(c, "%s%s", i ? "," : " exp=", vw_snapshot_tag_name(c->ctx->snap, bit));
    }
    return 0;
}

int vw_opa_mode(const vw_op_call *c, vw_mode *mode)
{
    const char *s;
    size_t l;
    bool present;
    const vw_op_arg *a = row(c, "mode");
    *mode = VW_MODE_CAR;
    if (a == NULL || vw_arg_str(vw_opa_args(c, a), "mode", &s, &l, &present, c->err) != 0)
        return -1;
    if (present && vw_mode_parse(s, l, mode) != 0) {
        char known[128];
        vw_op_arg_values_text(a, "\"", ", ", " or ", known, sizeof known);
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "argument 'mode' must be %s", known);
    }
    if (!vw_snapshot_mode_ok(c->ctx->snap, *mode))
        return vw_err_set(c->err, VW_E_BAD_REQUEST,
                          "mode 'transit' needs a travel-time matrix, and none is loaded "
                          "(verwijs import traveltimes FILE --mode transit)");
    return 0;
}

int vw_opa_within(const vw_op_call *c, double *within)
{
    double v;
    bool present;
    const vw_op_arg *a = row(c, "within");
    if (a == NULL ||
        vw_arg_double(vw_opa_args(c, a), "within", a->min, a->max, &v, &present, c->err) != 0)
        return -1;
    if (!present) {
        if (numeric_default(a, &v))
            *within = v;
        return 0;
    }
    if (!(v > a->min))
        return vw_err_set(c->err, VW_E_BAD_REQUEST,
                          "argument 'within' must be a number of minutes above %g and at most %g",
                          a->min, a->max);
    *within = v;
    vw_op_log(c, " within=%g", v);
    return 0;
}

int vw_opa_as_of(const vw_op_call *c, int32_t *as_of)
{
    const char *s;
    size_t l;
    bool present;
    *as_of = c->ctx->today;
    if (vw_arg_str(vw_opa_args(c, vw_op_arg_find(c->def, "as_of")), "as_of", &s, &l, &present,
                   c->err) != 0)
        return -1;
    if (present && vw_date_parse(s, l, as_of) != 0)
        return vw_err_set(c->err, VW_E_BAD_REQUEST,
                          "argument 'as_of' must be a date YYYY-MM-DD");
    return 0;
}

int vw_opa_id(const vw_op_call *c, const char *key, const char **s, size_t *len)
{
    bool present;
    if (vw_arg_str(vw_opa_args(c, vw_op_arg_find(c->def, key)), key, s, len, &present,
                   c->err) != 0)
        return -1;
    if (!present)
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "argument '%s' is required", key);
    return 0;
}

/* One name of the `fields` argument into *fields: the row's values are
 * "ids" first, then the provider keys in packing order. */
static int field_name(const vw_op_call *c, const vw_op_arg *a, const char *s, size_t l,
                      uint32_t *fields)
{
    const char *v;
    int k = 0;
    while ((v = vw_op_arg_value(a, k)) != NULL && !(strlen(v) == l && memcmp(v, s, l) == 0))
        k++;
    if (v == NULL) {
        char known[512];
        vw_op_arg_values_text(a, "", ", ", ", ", known, sizeof known);
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "unknown field '%.*s' in 'fields' (known: %s)",
                          (int)(l > 40 ? 40 : l), s, known);
    }
    *fields |= k == 0 ? VW_PF_IDS : VW_PF_BIT(k - 1);
    return 0;
}

int vw_opa_fields(const vw_op_call *c, uint32_t *fields)
{
    const char *s[VW_PF_COUNT + 1];
    size_t l[VW_PF_COUNT + 1], n = 0;
    const vw_op_arg *a = row(c, "fields");
    *fields = VW_PF_ALL;
    if (a == NULL)
        return -1;
    const msgpack_object *args = vw_opa_args(c, a);
    if (vw_arg(args, "fields") == NULL)
        return 0;
    if (vw_arg_str_list(args, "fields", s, l,
                        a->max < VW_PF_COUNT + 1 ? (size_t)a->max : VW_PF_COUNT + 1, &n,
                        c->err) != 0)
        return -1;
    *fields = 0;
    /* Each string may itself be a comma-separated list ("id,name,minutes",
     * as an HTTP query string gives it). */
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0, e; b <= l[i]; b = e + 1) {
            for (e = b; e < l[i] && s[i][e] != ','; e++)
                ;
            if (field_name(c, a, s[i] + b, e - b, fields) != 0)
                return -1;
        }
    vw_op_log(c, " fields=%#x", (unsigned)*fields);
    return 0;
}
