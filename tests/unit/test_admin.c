/* test_admin.c -- the admin ops through vw_ops_handle: forbidden without an
 * admin context (the query listeners) whatever the request carries, the
 * token check of admin over TCP (missing, wrong, right), the callbacks'
 * answers and failures, the envelope's "auth" field, and the constant-time
 * token comparison. No sockets: the daemon's admin wiring is in
 * integration/test_admin.sh. */
#include <stdlib.h>
#include <string.h>

#include "client/lib/verwijs.h"
#include "proto/frame.h"
#include "server/ops/ops.h"
#include "t.h"

static int reloads, imports;

static int fake_reload(void *ud, vw_ops_snap_summary *after, vw_err *err)
{
    (void)ud;
    (void)err;
    reloads++;
    after->generation = 7;
    after->providers = 42;
    return 0;
}

static int fake_import(void *ud, const char *kind, const char *path, const char *mapping,
                       vw_ops_import_result *res, vw_ops_snap_summary *after, vw_err *err)
{
    (void)ud;
    (void)mapping;
    imports++;
    if (strcmp(path, "/bad.csv") == 0)
        return vw_err_set(err, VW_E_INVALID, "rejected: 1 of 3 rows invalid; nothing changed");
    CHECK_STR(kind, "providers");
    res->rows_read = res->rows_ok = 3;
    after->generation = 8;
    return 0;
}

/* Runs one request; returns the reply (caller frees). */
static vw_reply *run(vw_ops_admin *admin, const char *op, const char *auth, const char *kind,
                     const char *file)
{
    static msgpack_zone zone;
    static bool init;
    static vw_limits lim;
    msgpack_sbuffer req, args, out;
    msgpack_packer pk;
    vw_err err;
    if (!init) {
        msgpack_zone_init(&zone, 4096);
        vw_limits_default(&lim);
        init = true;
    }
    msgpack_sbuffer_init(&args);
    msgpack_packer_init(&pk, &args, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, kind ? 2 : 0);
    if (kind) {
        vw_pack_kv_str(&pk, "kind", kind);
        vw_pack_kv_str(&pk, "file", file);
    }
    msgpack_sbuffer_init(&req);
    msgpack_packer_init(&pk, &req, msgpack_sbuffer_write);
    vw_pack_request_auth(&pk, 5, op, auth, args.data, args.size);
    msgpack_sbuffer_init(&out);
    vw_ops_ctx ctx = {.lim = &lim, .zone = &zone, .admin = admin};
    vw_ops_handle(&ctx, (const uint8_t *)req.data, req.size, &out, NULL, 0);
    vw_reply *r = vw_reply_decode((const uint8_t *)out.data + VW_FRAME_HEADER,
                                  out.size - VW_FRAME_HEADER, 1u << 20, &err);
    CHECK(r != NULL);
    msgpack_sbuffer_destroy(&req);
    msgpack_sbuffer_destroy(&args);
    msgpack_sbuffer_destroy(&out);
    return r;
}

static void check_error(vw_reply *r, const char *code)
{
    vw_err err = {0};
    CHECK(r && !vw_reply_ok(r));
    if (r)
        vw_reply_error(r, &err);
    CHECK_STR(err.code, code);
    vw_reply_free(r);
}

static const msgpack_object *field(const msgpack_object *m, const char *k)
{
    for (uint32_t i = 0; m && m->type == MSGPACK_OBJECT_MAP && i < m->via.map.size; i++)
        if (m->via.map.ptr[i].key.via.str.size == strlen(k) &&
            memcmp(m->via.map.ptr[i].key.via.str.ptr, k, strlen(k)) == 0)
            return &m->via.map.ptr[i].val;
    return NULL;
}

int main(void)
{
    static const vw_credential nat = {.name = "admin", .role = VW_ROLE_ADMIN};
    vw_ops_admin admin = {.reload = fake_reload, .import = fake_import, .cred = &nat};

    /* Query listener (no admin context): forbidden, callbacks never run. */
    check_error(run(NULL, "reload", NULL, NULL, NULL), VW_E_FORBIDDEN);
    check_error(run(NULL, "import", "whatever-token-123", "providers", "/x.csv"), VW_E_FORBIDDEN);
    CHECK(reloads == 0 && imports == 0);
    /* Query ops still answer there, with an auth field that means nothing. */
    vw_reply *r = run(NULL, "ping", "some-token", NULL, NULL);
    CHECK(r && vw_reply_ok(r));
    vw_reply_free(r);

    /* Admin socket (no token needed). */
    r = run(&admin, "reload", NULL, NULL, NULL);
    CHECK(r && vw_reply_ok(r) && reloads == 1);
    const msgpack_object *snap = r ? field(vw_reply_result(r), "snapshot") : NULL;
    const msgpack_object *g = field(snap, "generation");
    CHECK(g && g->via.u64 == 7);
    vw_reply_free(r);
    r = run(&admin, "import", NULL, "providers", "/data/p.csv");
    CHECK(r && vw_reply_ok(r) && imports == 1);
    const msgpack_object *ok = r ? field(vw_reply_result(r), "rows_ok") : NULL;
    CHECK(ok && ok->via.u64 == 3);
    vw_reply_free(r);
    check_error(run(&admin, "import", NULL, "providers", "/bad.csv"), VW_E_INVALID);
    /* A relative name goes to the daemon as it is: the daemon reads it
     * relative to admin_import_dir (issue 19; was refused here). */
    r = run(&admin, "import", NULL, "providers", "relative.csv");
    CHECK(r && vw_reply_ok(r) && imports == 3);
    vw_reply_free(r);
    check_error(run(&admin, "import", NULL, "providers", ""), VW_E_BAD_REQUEST);
    CHECK(imports == 3);

    /* Admin TCP: the token is required on every request. */
    vw_ops_admin tcp = admin;
    tcp.token = "0123456789abcdef0123";
    tcp.token_len = strlen(tcp.token);
    check_error(run(&tcp, "reload", NULL, NULL, NULL), VW_E_FORBIDDEN);
    CHECK(tcp.denied);
    tcp.denied = false;
    check_error(run(&tcp, "reload", "0123456789abcdef0124", NULL, NULL), VW_E_FORBIDDEN);
    CHECK(tcp.denied);
    tcp.denied = false;
    check_error(run(&tcp, "ping", "0123456789abcdef012", NULL, NULL), VW_E_FORBIDDEN);
    CHECK(reloads == 1);
    tcp.denied = false;
    r = run(&tcp, "reload", "0123456789abcdef0123", NULL, NULL);
    CHECK(r && vw_reply_ok(r) && !tcp.denied && reloads == 2);
    vw_reply_free(r);

    CHECK(vw_ops_token_eq("abc", 3, "abc", 3));
    CHECK(!vw_ops_token_eq("abd", 3, "abc", 3));
    CHECK(!vw_ops_token_eq("abcabc", 6, "abc", 3));
    CHECK(!vw_ops_token_eq("", 0, "abc", 3));
    CHECK(!vw_ops_token_eq("", 0, "", 0));
    return T_DONE();
}
