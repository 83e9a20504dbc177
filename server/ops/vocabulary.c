/* vocabulary.c -- the `vocabulary` op: the codes a caller may send, from the
 * tables the server itself checks against (proto/vocab.c; the problems
 * table this daemon loaded, built in or problems_file; the expertise tags of
 * the loaded snapshot when there is one). docs/VOCABULARY.md is the same
 * content as `verwijs vocabulary` prints it. */
#include <string.h>

#include "proto/vocab.h"
#include "server/engine/netaudit.h"
#include "server/engine/problems.h"
#include "ops_int.h"

static void pack_problems(msgpack_packer *pk, const vw_problems *t)
{
    int n = t ? vw_problems_count(t) : 0;
    msgpack_pack_array(pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        const vw_problem *p = vw_problems_get(t, i);
        msgpack_pack_map(pk, 4);
        vw_pack_kv_str(pk, "code", p->code);
        vw_pack_kv_str(pk, "category", vw_problem_category_name(p->category));
        vw_pack_kv_str(pk, "label", p->label);
        vw_pack_cstr(pk, "options");
        msgpack_pack_array(pk, (size_t)p->n_options);
        for (int k = 0; k < p->n_options; k++) {
            msgpack_pack_map(pk, 2);
            vw_pack_kv_str(pk, "discipline", vw_discipline_name(p->options[k].discipline));
            vw_pack_kv_str(pk, "expertise", p->options[k].expertise[0] ? p->options[k].expertise
                                                                        : NULL);
        }
    }
}

int vw_op_vocabulary(const vw_op_call *c)
{
    const vw_snapshot *s = c->ctx->snap;
    if (vw_opa_only(c) != 0)
        return -1;
    msgpack_packer *pk = c->pk;
    msgpack_pack_map(pk, 7);
    vw_pack_cstr(pk, "disciplines");
    msgpack_pack_array(pk, VW_D_COUNT);
    for (int d = 0; d < VW_D_COUNT; d++) {
        msgpack_pack_map(pk, 2);
        vw_pack_kv_str(pk, "code", vw_discipline_name(d));
        vw_pack_kv_bool(pk, "psychosocial", (VW_D_PSYCHOSOCIAL_MASK >> d) & 1u);
    }
    /* The base tags, then those the loaded data adds. */
    int ntags = s ? vw_snapshot_tag_count(s) : VW_BASE_TAG_COUNT;
    vw_pack_cstr(pk, "expertise");
    msgpack_pack_array(pk, (size_t)ntags);
    for (int i = 0; i < ntags; i++)
        vw_pack_cstr(pk, s ? vw_snapshot_tag_name(s, i) : vw_base_tags[i]);
    vw_pack_cstr(pk, "network_status");
    msgpack_pack_array(pk, 2);
    vw_pack_cstr(pk, vw_net_status_name(VW_NET_CERTIFIED));
    vw_pack_cstr(pk, vw_net_status_name(VW_NET_FORMING));
    vw_pack_cstr(pk, "network_kinds");
    msgpack_pack_array(pk, VW_NET_KIND_COUNT);
    for (int i = 0; i < VW_NET_KIND_COUNT; i++)
        vw_pack_cstr(pk, vw_net_kinds[i]);
    vw_pack_cstr(pk, "modes");
    msgpack_pack_array(pk, VW_MODE_ALL);
    for (int m = 0; m < VW_MODE_ALL; m++)
        vw_pack_cstr(pk, vw_mode_name((vw_mode)m));
    vw_pack_cstr(pk, "nvpo_criteria");
    msgpack_pack_map(pk, 2);
    vw_pack_kv_int(pk, "min_disciplines", VW_AUDIT_MIN_DISCIPLINES);
    vw_pack_cstr(pk, "required");
    msgpack_pack_array(pk, 3);
    vw_pack_cstr(pk, "fysiotherapeut");
    vw_pack_cstr(pk, "psychosocial");
    vw_pack_cstr(pk, "dietist");
    vw_pack_cstr(pk, "problems");
    pack_problems(pk, c->ctx->problems);
    return 0;
}
