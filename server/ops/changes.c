/* changes.c -- the admin ops of the living register (issue 15): `apply`
 * (a batch of record-level changes, whole or nothing, then a reload),
 * `changes` (the paged change feed) and `history` (every change of one
 * record). The store work is the daemon's callbacks (vw_ops_admin); here
 * the arguments are decoded and bounded and the answers packed. */
#include <stdlib.h>
#include <string.h>

#include "ops_int.h"

/* Bytes of change rows in one answer: a page stops early (more = true)
 * once its rows pass this, so a frame stays far below the frame limit. */
#define FEED_MAX_BYTES (8u << 20)

int vw_op_apply(const vw_op_call *c)
{
    vw_ops_admin *a = c->ctx->admin;
    vw_changes ch;
    vw_ops_apply_result res = {0};
    vw_ops_snap_summary after = {0};
    int rc = -1;
    if (vw_opa_only(c) != 0)
        return -1;
    const vw_op_arg *row = vw_op_arg_find(c->def, "changes");
    const msgpack_object *list = vw_arg(c->args, "changes");
    if (row == NULL)
        return vw_err_set(c->err, VW_E_INTERNAL, "apply: no 'changes' row");
    if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY || list->via.array.size == 0)
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "'changes' is required: a list of 1..%g "
                          "change maps {op, kind, id, version?, set?}", row->max);
    if (list->via.array.size > (uint32_t)row->max)
        return vw_err_set(c->err, VW_E_TOO_LARGE, "%u changes: at most %g in one apply",
                          list->via.array.size, row->max);
    vw_changes_init(&ch);
    for (uint32_t i = 0; i < list->via.array.size; i++)
        if (vw_change_unpack(&list->via.array.ptr[i], i, &ch, c->err) != 0)
            goto out;
    vw_op_log(c, " changes=%zu", ch.n);
    if (a->apply == NULL) {
        vw_err_set(c->err, VW_E_UNAVAILABLE, "this server applies no changes");
        goto out;
    }
    if (a->apply(a->ud, a->cred, ch.v, ch.n, &res, &after, c->err) != 0)
        goto out;
    msgpack_pack_map(c->pk, 7);
    vw_pack_kv_int(c->pk, "applied", res.applied);
    vw_pack_kv_int(c->pk, "logged", res.logged);
    vw_pack_kv_int(c->pk, "set", res.set_id);
    vw_pack_kv_int(c->pk, "first_seq", res.first_seq);
    vw_pack_kv_int(c->pk, "last_seq", res.last_seq);
    vw_pack_cstr(c->pk, "versions");
    msgpack_pack_array(c->pk, ch.n);
    for (size_t i = 0; i < ch.n; i++)
        msgpack_pack_int64(c->pk, ch.v[i].new_version);
    vw_pack_cstr(c->pk, "snapshot");
    vw_ops_pack_summary(c->pk, &after);
    rc = 0;
out:
    vw_changes_free(&ch);
    return rc;
}

/* Rows packed into a buffer of their own, counted, then copied after the
 * array header (msgpack needs the count first). */
typedef struct rows_buf {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    uint32_t n;
} rows_buf;

static int pack_row(void *ud, const vw_change_row *r)
{
    rows_buf *b = ud;
    msgpack_pack_map(&b->pk, 10);
    vw_pack_kv_int(&b->pk, "seq", r->seq);
    vw_pack_kv_int(&b->pk, "set", r->set_id);
    vw_pack_kv_str(&b->pk, "at", r->at);
    vw_pack_kv_str(&b->pk, "credential", r->credential);
    vw_pack_kv_str(&b->pk, "kind", r->kind);
    vw_pack_kv_str(&b->pk, "op", r->op);
    vw_pack_kv_str(&b->pk, "record", r->record);
    vw_pack_kv_int(&b->pk, "version", r->version);
    vw_pack_cstr(&b->pk, "old");
    vw_pack_cstr(&b->pk, r->old_json); /* JSON text of the record; nil on create */
    vw_pack_cstr(&b->pk, "new");
    vw_pack_cstr(&b->pk, r->new_json); /* nil on delete */
    b->n++;
    return b->sb.size >= FEED_MAX_BYTES;
}

static void rows_init(rows_buf *b)
{
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
    b->n = 0;
}

static void rows_put(const vw_op_call *c, rows_buf *b)
{
    msgpack_pack_array(c->pk, b->n);
    if (b->sb.size)
        c->pk->callback(c->pk->data, b->sb.data, b->sb.size);
}

int vw_op_changes(const vw_op_call *c)
{
    vw_ops_admin *a = c->ctx->admin;
    uint64_t since = 0, limit = 1000;
    bool present, more = false;
    int64_t next = 0;
    rows_buf b;
    if (vw_opa_only(c) != 0 || vw_opa_uint(c, "since", &since, &present) != 0 ||
        vw_opa_uint(c, "limit", &limit, &present) != 0)
        return -1;
    if (a->changes == NULL)
        return vw_err_set(c->err, VW_E_UNAVAILABLE, "this server keeps no change feed");
    vw_op_log(c, " since=%llu", (unsigned long long)since);
    rows_init(&b);
    if (a->changes(a->ud, (int64_t)since, (uint32_t)limit, pack_row, &b, &next, &more,
                   c->err) != 0) {
        msgpack_sbuffer_destroy(&b.sb);
        return -1;
    }
    msgpack_pack_map(c->pk, 3);
    vw_pack_cstr(c->pk, "changes");
    rows_put(c, &b);
    vw_pack_kv_int(c->pk, "next", next);
    vw_pack_cstr(c->pk, "more");
    if (more)
        msgpack_pack_true(c->pk);
    else
        msgpack_pack_false(c->pk);
    msgpack_sbuffer_destroy(&b.sb);
    return 0;
}

int vw_op_history(const vw_op_call *c)
{
    vw_ops_admin *a = c->ctx->admin;
    int kind = -1;
    const char *parts[3];
    size_t lens[3], n = 0;
    vw_change ch;
    char record[3 * 2 * 1024 + 16];
    rows_buf b;
    if (vw_opa_only(c) != 0 || vw_opa_enum(c, "kind", &kind) != 0 ||
        vw_arg_str_list(c->args, "id", parts, lens, 3, &n, c->err) != 0)
        return -1;
    if (kind < 0)
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "'kind' is required (provider, network, "
                          "membership, registration)");
    memset(&ch, 0, sizeof ch);
    ch.kind = (vw_chg_kind)kind;
    if (n != (size_t)vw_chg_key_count(ch.kind))
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "'id' of a %s is %d string(s)",
                          vw_chg_kind_name(ch.kind), vw_chg_key_count(ch.kind));
    for (size_t i = 0; i < n; i++)
        if (vw_change_set_key(&ch, (int)i, parts[i], lens[i], c->err) != 0)
            goto fail;
    vw_change_record(&ch, record, sizeof record);
    for (size_t i = 0; i < n; i++)
        free(ch.key[i]);
    if (a->history == NULL)
        return vw_err_set(c->err, VW_E_UNAVAILABLE, "this server keeps no change log");
    vw_op_log(c, " kind=%s", vw_chg_kind_name(ch.kind));
    rows_init(&b);
    if (a->history(a->ud, vw_chg_kind_name(ch.kind), record, pack_row, &b, c->err) != 0) {
        msgpack_sbuffer_destroy(&b.sb);
        return -1;
    }
    msgpack_pack_map(c->pk, 3);
    vw_pack_kv_str(c->pk, "kind", vw_chg_kind_name(ch.kind));
    vw_pack_kv_str(c->pk, "record", record);
    vw_pack_cstr(c->pk, "changes");
    rows_put(c, &b);
    msgpack_sbuffer_destroy(&b.sb);
    return 0;
fail:
    for (size_t i = 0; i < n; i++)
        free(ch.key[i]);
    return -1;
}
