/* args.c -- argument decoding that needs the snapshot or the domain:
 * locations, disciplines, expertise tags, travel mode, limits, dates. Every
 * failure names the argument and the accepted values. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "proto/vocab.h"
#include "ops_int.h"

int vw_opa_near(const vw_op_call *c, vw_origin *o)
{
    const msgpack_object *v = vw_arg(c->args, "near");
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
    *mask = 0;
    if (vw_arg(c->args, key) == NULL)
        return 0;
    if (vw_arg_str_list(c->args, key, s, l, VW_D_COUNT, &n, c->err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int d = vw_discipline_parse(s[i], l[i]);
        if (d < 0)
            return vw_err_set(c->err, VW_E_BAD_REQUEST,
                              "unknown discipline '%.*s' (known: fysiotherapeut, "
                              "oefentherapeut, ergotherapeut, dietist, logopedist, psycholoog, "
                              "maatschappelijk_werker, seksuoloog, huidtherapeut, "
                              "geestelijk_verzorger, oncologieverpleegkundige, huisarts, poc, "
                              "inloophuis, bedrijfsarts)",
                              (int)(l[i] > 40 ? 40 : l[i]), s[i]);
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
    *mask = 0;
    if (vw_arg(c->args, key) == NULL)
        return 0;
    if (vw_arg_str_list(c->args, key, s, l, MAX, &n, c->err) != 0)
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
    *mode = VW_MODE_CAR;
    if (vw_arg_str(c->args, "mode", &s, &l, &present, c->err) != 0)
        return -1;
    if (present && vw_mode_parse(s, l, mode) != 0)
        return vw_err_set(c->err, VW_E_BAD_REQUEST,
                          "argument 'mode' must be \"car\", \"bike\" or \"walk\"");
    return 0;
}

int vw_opa_within(const vw_op_call *c, double *within)
{
    double v;
    bool present;
    if (vw_arg_double(c->args, "within", 0, 600, &v, &present, c->err) != 0)
        return -1;
    if (!present)
        return 0;
    if (!(v > 0))
        return vw_err_set(c->err, VW_E_BAD_REQUEST,
                          "argument 'within' must be a number of minutes above 0 and at most 600");
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
    if (vw_arg_str(c->args, "as_of", &s, &l, &present, c->err) != 0)
        return -1;
    if (present && vw_date_parse(s, l, as_of) != 0)
        return vw_err_set(c->err, VW_E_BAD_REQUEST,
                          "argument 'as_of' must be a date YYYY-MM-DD");
    return 0;
}

int vw_opa_id(const vw_op_call *c, const char *key, const char **s, size_t *len)
{
    bool present;
    if (vw_arg_str(c->args, key, s, len, &present, c->err) != 0)
        return -1;
    if (!present)
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "argument '%s' is required", key);
    return 0;
}
