/* admin.c -- the admin ops `reload` and `import`, and the token
 * comparison of the admin path. They only exist on admin listeners
 * (ctx->admin set; ops.c answers `forbidden` elsewhere); the actions
 * themselves (SQLite, the snapshot swap) are the daemon's callbacks, so this
 * file stays free of I/O. */
#include <string.h>

#include "ops_int.h"

bool vw_ops_is_admin(const char *op, size_t len)
{
    const vw_op_def *d = vw_optable_find(op, len, NULL);
    return d != NULL && (d->flags & VW_OPF_ADMIN);
}

bool vw_ops_token_eq(const char *given, size_t given_len, const char *want, size_t want_len)
{
    /* Every byte of the wanted token is looked at whatever `given` holds, so
     * the time taken does not tell how much of a guess was right. */
    volatile unsigned char diff = (unsigned char)(given_len != want_len);
    for (size_t i = 0; i < want_len; i++) {
        unsigned char g = given_len ? (unsigned char)given[i % given_len] : 0;
        diff |= (unsigned char)(g ^ (unsigned char)want[i]);
    }
    return want_len > 0 && diff == 0;
}

void vw_ops_pack_summary(msgpack_packer *pk, const vw_ops_snap_summary *s)
{
    msgpack_pack_map(pk, 6);
    vw_pack_kv_int(pk, "generation", (int64_t)s->generation);
    vw_pack_kv_int(pk, "loaded_at", s->loaded_at);
    vw_pack_kv_double(pk, "load_ms", s->load_ms);
    vw_pack_kv_int(pk, "providers", s->providers);
    vw_pack_kv_int(pk, "networks", s->networks);
    vw_pack_kv_int(pk, "pc4", s->pc4);
}

int vw_op_reload(const vw_op_call *c)
{
    vw_ops_admin *a = c->ctx->admin;
    vw_ops_snap_summary after = {0};
    if (vw_opa_only(c) != 0)
        return -1;
    if (a->reload == NULL || a->reload(a->ud, &after, c->err) != 0)
        return -1;
    msgpack_pack_map(c->pk, 1);
    vw_pack_cstr(c->pk, "snapshot");
    vw_ops_pack_summary(c->pk, &after);
    return 0;
}

int vw_op_import(const vw_op_call *c)
{
    vw_ops_admin *a = c->ctx->admin;
    const char *kind_s, *file_s, *map_s;
    size_t kind_len, file_len, map_len;
    bool present, map_present, mode_present;
    const char *mode_s;
    size_t mode_len;
    char kind[48], file[1024], mapping[1024];
    vw_ops_import_result res;
    vw_ops_snap_summary after = {0};

    if (vw_opa_only(c) != 0 ||
        vw_arg_str(c->args, "kind", &kind_s, &kind_len, &present, c->err) != 0)
        return -1;
    if (!present || kind_len == 0 || kind_len >= sizeof kind) {
        char known[256] = "";
        const vw_op_arg *row = vw_op_arg_find(c->def, "kind");
        if (row)
            vw_op_arg_values_text(row, "", ", ", ", ", known, sizeof known);
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "'kind' is required (%s)", known);
    }
    if (vw_arg_str(c->args, "file", &file_s, &file_len, &present, c->err) != 0)
        return -1;
    if (!present || file_len == 0 || file_len >= sizeof file)
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "'file' is required: a path on the server "
                          "(absolute, or relative to its admin_import_dir)");
    if (vw_arg_str(c->args, "mapping", &map_s, &map_len, &map_present, c->err) != 0)
        return -1;
    if (map_present && (map_len == 0 || map_len >= sizeof mapping))
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "'mapping' must be a path on the server "
                          "(absolute, or relative to its admin_import_dir)");
    memcpy(kind, kind_s, kind_len);
    kind[kind_len] = '\0';
    /* traveltimes: the callback gets "traveltimes:MODE" (ops.h) */
    if (vw_arg_str(c->args, "mode", &mode_s, &mode_len, &mode_present, c->err) != 0)
        return -1;
    if ((strcmp(kind, "traveltimes") == 0) != mode_present)
        return vw_err_set(c->err, VW_E_BAD_REQUEST, mode_present
                                                        ? "'mode' is for kind traveltimes only"
                                                        : "kind traveltimes needs 'mode' (car, "
                                                          "bike, walk or transit)");
    if (mode_present && (mode_len == 0 || mode_len > 8))
        return vw_err_set(c->err, VW_E_BAD_REQUEST, "'mode' must be car, bike, walk or transit");
    if (mode_present)
        snprintf(kind + kind_len, sizeof kind - kind_len, ":%.*s", (int)mode_len, mode_s);
    memcpy(file, file_s, file_len);
    file[file_len] = '\0';
    if (map_present) {
        memcpy(mapping, map_s, map_len);
        mapping[map_len] = '\0';
    }
    memset(&res, 0, sizeof res);
    int delim = 0, enc = 0; /* indices into the op table's values; absent: 0 */
    if (vw_opa_bool(c, "replace_all", &res.replace_all) != 0 ||
        vw_opa_enum(c, "delimiter", &delim) != 0 || vw_opa_enum(c, "encoding", &enc) != 0)
        return -1;
    res.delimiter = delim == 1 ? ';' : delim == 2 ? '\t' : ',';
    res.latin1 = enc == 1;
    vw_op_log(c, " kind=%s", kind);
    if (a->import == NULL ||
        a->import(a->ud, kind, file, map_present ? mapping : NULL, &res, &after, c->err) != 0)
        return -1;
    kind[kind_len] = '\0'; /* the answer names the kind alone */
    msgpack_pack_map(c->pk, 7 + (res.diffed ? 4 : 0));
    vw_pack_kv_str(c->pk, "kind", kind);
    if (res.diffed) {
        vw_pack_kv_int(c->pk, "rows_before", res.rows_before);
        vw_pack_kv_int(c->pk, "removed", res.removed);
        vw_pack_kv_int(c->pk, "added", res.added);
        vw_pack_kv_int(c->pk, "changed", res.changed);
    }
    vw_pack_kv_int(c->pk, "rows_read", res.rows_read);
    vw_pack_kv_int(c->pk, "rows_ok", res.rows_ok);
    vw_pack_kv_int(c->pk, "rows_rejected", res.rows_rejected);
    vw_pack_kv_int(c->pk, "warnings", res.warnings);
    vw_pack_kv_int(c->pk, "rows_geocoded", res.rows_geocoded);
    vw_pack_cstr(c->pk, "snapshot");
    vw_ops_pack_summary(c->pk, &after);
    return 0;
}
