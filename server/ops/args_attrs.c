/* args_attrs.c -- the referrer's match filters (PROTOCOL.md, match):
 * language, wheelchair, direct_access, open_on, max_wait_weeks; and the
 * packing of the matching provider fields. */
#include <string.h>

#include "proto/attrs.h"
#include "proto/vocab.h"
#include "server/engine/refer.h"
#include "ops_int.h"

static int wait_valid_weeks(const vw_op_call *c)
{
    return c->ctx->refer_cfg ? c->ctx->refer_cfg->wait_valid_weeks : 13;
}

int vw_opa_referrer(const vw_op_call *c, vw_match_query *q)
{
    const char *s[VW_LANG_MAX];
    size_t l[VW_LANG_MAX], n = 0;
    bool present;
    uint64_t w;
    const msgpack_object *lang = vw_opa_args(c, vw_op_arg_find(c->def, "language"));
    if (vw_arg(lang, "language") != NULL) {
        if (vw_arg_str_list(lang, "language", s, l, VW_LANG_MAX, &n, c->err) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            vw_lang code = vw_lang_parse(s[i], l[i]);
            if (code == 0)
                return vw_err_set(c->err, VW_E_BAD_REQUEST,
                                  "argument 'language' must be ISO 639-1 codes such as "
                                  "\"nl\", \"en\", \"tr\", \"ar\" (got '%.*s')",
                                  (int)(l[i] > 16 ? 16 : l[i]), s[i]);
            q->languages[q->n_languages++] = code;
            vw_op_log(c, "%s%.2s", i ? "," : " lang=", s[i]);
        }
    }
    if (vw_opa_bool(c, "wheelchair", &q->wheelchair) != 0 ||
        vw_opa_bool(c, "direct_access", &q->direct_access) != 0)
        return -1;
    const char *o;
    size_t ol;
    if (vw_arg_str(vw_opa_args(c, vw_op_arg_find(c->def, "open_on")), "open_on", &o, &ol,
                   &present, c->err) != 0)
        return -1;
    if (present) {
        if (vw_open_on_parse(o, ol, &q->open_day, &q->open_minute) != 0)
            return vw_err_set(c->err, VW_E_BAD_REQUEST,
                              "argument 'open_on' must be a day mo tu we th fr sa su, "
                              "optionally with a time: \"tu\" or \"tu@10:00\"");
        q->open_filter = true;
        vw_op_log(c, " open_on=%.8s", o);
    }
    if (vw_opa_uint(c, "max_wait_weeks", &w, &present) != 0)
        return -1;
    if (present) {
        q->wait_filter = true;
        q->max_wait_weeks = (unsigned)w;
        q->wait_valid_since = q->as_of - 7 * wait_valid_weeks(c);
        vw_op_log(c, " max_wait=%u", q->max_wait_weeks);
    }
    return 0;
}

static void pack_tri(msgpack_packer *pk, const char *k, uint8_t v)
{
    vw_pack_cstr(pk, k);
    if (v == VW_TRI_UNKNOWN)
        msgpack_pack_nil(pk);
    else if (v == VW_TRI_YES)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
}

int vw_opa_net_kind(const vw_op_call *c, const char *key, char *buf, const char **kind)
{
    const char *s;
    size_t l;
    bool present;
    *kind = VW_NET_KIND_NVPO;
    if (vw_arg_str(vw_opa_args(c, vw_op_arg_find(c->def, key)), key, &s, &l, &present,
                   c->err) != 0)
        return -1;
    if (!present)
        return 0;
    if (l == 3 && memcmp(s, "all", 3) == 0) {
        *kind = NULL;
        return 0;
    }
    if (!vw_tag_valid(s, l))
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "argument '%s' must be a network kind "
                          "(oncologiezorgnetwerk, oncologienetwerk, palliatief, ...) or \"all\"",
                          key);
    memcpy(buf, s, l);
    buf[l] = '\0';
    *kind = buf;
    vw_op_log(c, " kind=%s", buf);
    return 0;
}

void vw_opp_attrs(msgpack_packer *pk, const vw_snapshot *s, uint32_t i, uint32_t fields)
{
    if ((fields & (VW_PF_BIT(VW_PF_BIG + 1) - VW_PF_BIT(VW_PF_HOURS))) == 0)
        return;
    const vw_provider_ext *x = vw_snapshot_provider_ext(s, i);
    const vw_hours_iv *h = vw_snapshot_hours(s) + x->hours_first;
    const vw_lang *lang = vw_snapshot_langs(s, x);
    int nl = 0;
    while (nl < VW_LANG_MAX && lang[nl])
        nl++;

    if (fields & VW_PF_BIT(VW_PF_HOURS)) {
        vw_pack_cstr(pk, "hours");
        if (x->hours_count == 0) {
            msgpack_pack_nil(pk);
        } else {
            msgpack_pack_array(pk, x->hours_count);
            for (int k = 0; k < x->hours_count; k++) {
                char a[6], b[6];
                vw_hhmm_format(h[k].open, a);
                vw_hhmm_format(h[k].close, b);
                msgpack_pack_map(pk, 3);
                vw_pack_kv_str(pk, "day", vw_weekday_name(h[k].day));
                vw_pack_kv_str(pk, "open", a);
                vw_pack_kv_str(pk, "close", b);
            }
        }
    }
    if (fields & VW_PF_BIT(VW_PF_LANGUAGES)) {
        vw_pack_cstr(pk, "languages");
        msgpack_pack_array(pk, (size_t)nl);
        for (int k = 0; k < nl; k++) {
            char code[3];
            vw_lang_format(lang[k], code);
            vw_pack_cstr(pk, code);
        }
    }
    if (fields & VW_PF_BIT(VW_PF_WHEELCHAIR))
        pack_tri(pk, "wheelchair", x->wheelchair);
    if (fields & VW_PF_BIT(VW_PF_DIRECT_ACCESS))
        pack_tri(pk, "direct_access", x->direct_access);
    bool wait = x->wait_confirmed != VW_DATE_NONE;
    if (fields & VW_PF_BIT(VW_PF_WAIT_WEEKS)) {
        vw_pack_cstr(pk, "wait_weeks");
        if (wait)
            msgpack_pack_unsigned_int(pk, x->wait_weeks);
        else
            msgpack_pack_nil(pk);
    }
    if (fields & VW_PF_BIT(VW_PF_WAIT_CONFIRMED)) {
        vw_pack_cstr(pk, "wait_confirmed");
        vw_opp_date(pk, wait ? x->wait_confirmed : VW_DATE_NONE);
    }
    if (fields & (VW_PF_BIT(VW_PF_AGB) | VW_PF_BIT(VW_PF_BIG))) {
        vw_provider_text t;
        vw_provider_text_get(vw_snapshot_provider(s, i), &t);
        if (fields & VW_PF_BIT(VW_PF_AGB))
            vw_pack_kv_str(pk, "agb", t.agb);
        if (fields & VW_PF_BIT(VW_PF_BIG))
            vw_pack_kv_str(pk, "big", t.big);
    }
}
