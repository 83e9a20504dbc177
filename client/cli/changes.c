/* changes.c -- record-level changes from the command line (issue 15):
 * `verwijs admin apply FILE` (read here, sent as one `apply`; with --db
 * applied straight to a local database), the single-record commands
 * (`admin provider|network set|add|delete`, `admin member add|remove`,
 * `admin registration add|set|remove`), `verwijs history KIND ID`,
 * `verwijs changes --since N` and `verwijs admin replay --into DB` (pages
 * through a daemon's change feed and applies it to another database with
 * the same apply code). */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "server/store/changes.h"
#include "cli.h"
#include "changes_cli.h"

/* ---- building changes from the command line --------------------------------- */

static int add_fields(vw_change *ch, int argc, char **argv)
{
    vw_err err;
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (eq == NULL || eq == argv[i])
            return vw_cli_usage_error("admin", "'%s' is not field=value", argv[i]);
        if (vw_change_set(ch, argv[i], (size_t)(eq - argv[i]), eq + 1, strlen(eq + 1), &err) != 0)
            return vw_cli_usage_error("admin", "%s", err.message);
    }
    return 0;
}

/* `admin provider|network set|add|delete ID [field=value ...]`,
 * `admin member add|remove PROVIDER NETWORK`,
 * `admin registration add|set|remove PROVIDER EXPERTISE REGISTRY [field=value ...]` */
static int single_change(const char *what, int argc, char **argv, int64_t version, vw_changes *c)
{
    vw_err err;
    int kind = strcmp(what, "provider") == 0 ? VW_CHG_PROVIDER
               : strcmp(what, "network") == 0 ? VW_CHG_NETWORK
               : strcmp(what, "member") == 0 ? VW_CHG_MEMBERSHIP
                                            : VW_CHG_REGISTRATION;
    if (argc < 1)
        return vw_cli_usage_error("admin", "%s needs a subcommand (add, set, delete/remove)", what);
    const char *sub = argv[0];
    int op = strcmp(sub, "add") == 0 || strcmp(sub, "create") == 0 ? VW_CHG_CREATE
             : strcmp(sub, "set") == 0 || strcmp(sub, "update") == 0 ? VW_CHG_UPDATE
             : strcmp(sub, "delete") == 0 || strcmp(sub, "remove") == 0 ? VW_CHG_DELETE
                                                                      : -1;
    if (op < 0 || (kind == VW_CHG_MEMBERSHIP && op == VW_CHG_UPDATE))
        return vw_cli_usage_error("admin", "unknown %s subcommand '%s'", what, sub);
    int nk = vw_chg_key_count((vw_chg_kind)kind);
    if (argc < 1 + nk)
        return vw_cli_usage_error("admin", "%s %s needs %d key argument(s)", what, sub, nk);
    vw_change *ch = vw_changes_add(c, &err);
    if (ch == NULL)
        return vw_cli_usage_error("admin", "%s", err.message);
    ch->kind = (vw_chg_kind)kind;
    ch->op = (vw_chg_op)op;
    ch->base_version = version;
    for (int i = 0; i < nk; i++)
        if (vw_change_set_key(ch, i, argv[1 + i], strlen(argv[1 + i]), &err) != 0)
            return vw_cli_usage_error("admin", "%s", err.message);
    if (add_fields(ch, argc - 1 - nk, argv + 1 + nk) != 0)
        return EXIT_USAGE;
    if (vw_change_check(ch, &err) != 0)
        return vw_cli_usage_error("admin", "%s", err.message);
    return 0;
}

/* ---- output ------------------------------------------------------------------ */

static void apply_table(const msgpack_object *res)
{
    printf("applied %.0f change(s) as change set %.0f (change log %.0f..%.0f)\n",
           vw_mp_num(res, "applied", 0), vw_mp_num(res, "set", 0),
           vw_mp_num(res, "first_seq", 0), vw_mp_num(res, "last_seq", 0));
    const msgpack_object *v = vw_mp_get(res, "versions");
    if (v && v->type == MSGPACK_OBJECT_ARRAY && v->via.array.size == 1)
        printf("version now %" PRIu64 "\n", v->via.array.ptr[0].via.u64);
    const msgpack_object *snap = vw_mp_get(res, "snapshot");
    if (snap)
        printf("serving generation %.0f: %.0f providers, %.0f networks\n",
               vw_mp_num(snap, "generation", 0), vw_mp_num(snap, "providers", 0),
               vw_mp_num(snap, "networks", 0));
}

/* "field: old -> new" for every field that differs (JSON texts). */
static void print_diff(const char *old_j, const char *new_j)
{
    struct json_object *o = old_j ? json_tokener_parse(old_j) : NULL;
    struct json_object *n = new_j ? json_tokener_parse(new_j) : NULL;
    struct json_object *base = n ? n : o;
    if (base == NULL)
        return;
    json_object_object_foreach(base, key, val) {
        struct json_object *other = NULL;
        if (n && o) {
            json_object_object_get_ex(o, key, &other);
            const char *a = json_object_to_json_string(other), *b = json_object_to_json_string(val);
            if (strcmp(a, b) != 0)
                printf("      %s: %s -> %s\n", key, a, b);
        } else if (n && json_object_get_type(val) != json_type_null) {
            printf("      %s: %s\n", key, json_object_to_json_string(val));
        }
    }
    json_object_put(o);
    json_object_put(n);
}

static void rows_table(const msgpack_object *list, bool with_record)
{
    char at[32], cred[80], op[16], rec[200], kind[24], oldj[8192], newj[8192];
    if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY)
        return;
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        const msgpack_object *r = &list->via.array.ptr[i];
        vw_mp_str(r, "at", at, sizeof at);
        vw_mp_str(r, "credential", cred, sizeof cred);
        vw_mp_str(r, "op", op, sizeof op);
        printf("#%-6.0f %s  %-16s %-6s v%.0f", vw_mp_num(r, "seq", 0), at, cred, op,
               vw_mp_num(r, "version", 0));
        if (with_record)
            printf("  %s %s", vw_mp_str(r, "kind", kind, sizeof kind),
                   vw_mp_str(r, "record", rec, sizeof rec));
        printf("\n");
        const msgpack_object *oo = vw_mp_get(r, "old"), *no = vw_mp_get(r, "new");
        print_diff(oo && oo->type == MSGPACK_OBJECT_STR ? vw_mp_str(r, "old", oldj, sizeof oldj) : NULL,
                   no && no->type == MSGPACK_OBJECT_STR ? vw_mp_str(r, "new", newj, sizeof newj) : NULL);
    }
}

static void history_table(const msgpack_object *res)
{
    char kind[24], rec[200];
    const msgpack_object *list = vw_mp_get(res, "changes");
    printf("%s %s: %u change(s)\n", vw_mp_str(res, "kind", kind, sizeof kind),
           vw_mp_str(res, "record", rec, sizeof rec),
           list && list->type == MSGPACK_OBJECT_ARRAY ? list->via.array.size : 0);
    /* a network's history holds its memberships' rows too: name each record */
    rows_table(list, strcmp(kind, "network") == 0);
}

static void changes_table(const msgpack_object *res)
{
    rows_table(vw_mp_get(res, "changes"), true);
    const msgpack_object *more = vw_mp_get(res, "more");
    printf("next %.0f%s\n", vw_mp_num(res, "next", 0),
           more && more->type == MSGPACK_OBJECT_BOOLEAN && more->via.boolean ? " (more)" : "");
}

/* ---- the commands --------------------------------------------------------------- */

static int apply_local(const vw_cli *cli, const char *db, vw_changes *c)
{
    vw_store *st = vw_cli_open_store(db, VW_STORE_READWRITE, "admin apply");
    vw_apply_result res;
    vw_err err;
    const char *user = getenv("USER");
    char cred[96];
    snprintf(cred, sizeof cred, "cli:%s", user && user[0] ? user : "local");
    vw_apply_opts o = {.credential = cred};
    if (st == NULL)
        return EXIT_FAIL;
    int rc = vw_store_apply(st, c->v, c->n, &o, &res, &err);
    vw_store_close(st);
    if (rc != 0) {
        fprintf(stderr, "verwijs admin apply: %s: %s; nothing changed\n", err.code, err.message);
        return vw_code_get(vw_code_find(err.code))->exit_code;
    }
    if (cli->json)
        printf("{\"applied\":%ld,\"logged\":%ld,\"set\":%lld,\"first_seq\":%lld,"
               "\"last_seq\":%lld}\n", res.applied, res.logged, (long long)res.set_id,
               (long long)res.first_seq, (long long)res.last_seq);
    else
        printf("applied %ld change(s) as change set %lld (change log %lld..%lld)\n", res.applied,
               (long long)res.set_id, (long long)res.first_seq, (long long)res.last_seq);
    return EXIT_OK;
}

static int send_apply(const vw_cli *cli, vw_changes *c)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int code = EXIT_OK;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    vw_pack_cstr(&pk, "changes");
    msgpack_pack_array(&pk, c->n);
    for (size_t i = 0; i < c->n; i++)
        vw_change_pack(&pk, &c->v[i]);
    vw_reply *r = vw_cli_call(cli, "apply", &sb, &code);
    msgpack_sbuffer_destroy(&sb);
    return r == NULL ? code : vw_cli_finish(cli, r, apply_table);
}

/* Pages through the daemon's feed from `since` and applies each page to
 * the database `into` (one transaction per page). */
static int replay(const vw_cli *cli, const char *into, int64_t since)
{
    vw_store *st = vw_cli_open_store(into, VW_STORE_CREATE, "admin replay");
    long applied = 0;
    int code = EXIT_OK;
    if (st == NULL)
        return EXIT_FAIL;
    for (bool more = true; more;) {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        vw_changes c;
        vw_err err;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 2);
        vw_pack_kv_int(&pk, "since", since);
        vw_pack_kv_int(&pk, "limit", 1000);
        vw_reply *r = vw_cli_call(cli, "changes", &sb, &code);
        msgpack_sbuffer_destroy(&sb);
        if (r == NULL)
            break;
        const msgpack_object *res = vw_reply_result(r);
        const msgpack_object *list = vw_mp_get(res, "changes");
        const msgpack_object *m = vw_mp_get(res, "more");
        more = m && m->type == MSGPACK_OBJECT_BOOLEAN && m->via.boolean;
        int64_t next = (int64_t)vw_mp_num(res, "next", 0);
        vw_changes_init(&c);
        for (uint32_t i = 0; list && list->type == MSGPACK_OBJECT_ARRAY && i < list->via.array.size;
             i++) {
            const msgpack_object *o = &list->via.array.ptr[i];
            char at[32], kind[24], op[16], rec[3 * 2048 + 16], *oldj = malloc(65536),
                 *newj = malloc(65536);
            vw_change_row row = {.seq = (int64_t)vw_mp_num(o, "seq", 0),
                                 .at = vw_mp_str(o, "at", at, sizeof at),
                                 .kind = vw_mp_str(o, "kind", kind, sizeof kind),
                                 .op = vw_mp_str(o, "op", op, sizeof op),
                                 .record = vw_mp_str(o, "record", rec, sizeof rec),
                                 .version = (int64_t)vw_mp_num(o, "version", 0)};
            const msgpack_object *nj = vw_mp_get(o, "new");
            row.new_json = nj && nj->type == MSGPACK_OBJECT_STR && newj
                               ? vw_mp_str(o, "new", newj, 65536) : NULL;
            int rc = vw_change_from_row(&row, &c, &err);
            free(oldj);
            free(newj);
            if (rc != 0) {
                fprintf(stderr, "verwijs admin replay: change %lld: %s\n", (long long)row.seq,
                        err.message);
                code = EXIT_FAIL;
                break;
            }
        }
        vw_reply_free(r);
        if (code == EXIT_OK && c.n > 0) {
            vw_apply_opts o = {.credential = "replay", .source = "replay"};
            vw_apply_result ar;
            if (vw_store_apply(st, c.v, c.n, &o, &ar, &err) != 0) {
                fprintf(stderr, "verwijs admin replay: after %lld: %s\n", (long long)since,
                        err.message);
                code = vw_code_get(vw_code_find(err.code))->exit_code;
            }
            applied += (long)c.n;
        }
        vw_changes_free(&c);
        if (code != EXIT_OK)
            break;
        since = next;
    }
    vw_store_close(st);
    if (code == EXIT_OK)
        printf("replayed %ld change(s) into %s, up to %lld\n", applied, into, (long long)since);
    return code;
}

int vw_cli_changes_cmd(const vw_cli *cli, const vw_cli_chg_opts *o, int argc, char **argv)
{
    const char *sub = argv[0];
    vw_changes c;
    int rc = EXIT_OK;
    vw_err err;
    vw_changes_init(&c);
    if (strcmp(sub, "apply") == 0) {
        if (argc != 2)
            return vw_cli_usage_error("admin", "apply needs FILE (.csv or .jsonl)");
        if (vw_changes_parse_file(argv[1], o->delimiter, &c, &err) != 0) {
            fprintf(stderr, "verwijs admin apply: %s\n", err.message);
            rc = vw_code_get(vw_code_find(err.code))->exit_code;
        } else {
            rc = o->db ? apply_local(cli, o->db, &c) : send_apply(cli, &c);
        }
    } else if (strcmp(sub, "provider") == 0 || strcmp(sub, "network") == 0 ||
               strcmp(sub, "member") == 0 || strcmp(sub, "registration") == 0) {
        rc = single_change(sub, argc - 1, argv + 1, o->version, &c);
        if (rc == 0)
            rc = o->db ? apply_local(cli, o->db, &c) : send_apply(cli, &c);
    } else if (strcmp(sub, "history") == 0) {
        int kind = argc >= 2 ? vw_chg_kind_parse(argv[1], strlen(argv[1])) : -1;
        if (kind < 0 || argc - 2 != vw_chg_key_count((vw_chg_kind)kind))
            return vw_cli_usage_error("history", "KIND ID: provider ID, network ID, membership "
                                      "PROVIDER NETWORK, registration PROVIDER EXPERTISE REGISTRY");
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 2);
        vw_pack_kv_str(&pk, "kind", argv[1]);
        vw_pack_cstr(&pk, "id");
        msgpack_pack_array(&pk, (size_t)(argc - 2));
        for (int i = 2; i < argc; i++)
            vw_pack_cstr(&pk, argv[i]);
        vw_reply *r = vw_cli_call(cli, "history", &sb, &rc);
        msgpack_sbuffer_destroy(&sb);
        rc = r == NULL ? rc : vw_cli_finish(cli, r, history_table);
    } else if (strcmp(sub, "changes") == 0) {
        if (argc != 1)
            return vw_cli_usage_error("changes", "takes options only (--since N --limit N)");
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 1 + (o->limit > 0));
        vw_pack_kv_int(&pk, "since", o->since);
        if (o->limit > 0)
            vw_pack_kv_int(&pk, "limit", o->limit);
        vw_reply *r = vw_cli_call(cli, "changes", &sb, &rc);
        msgpack_sbuffer_destroy(&sb);
        rc = r == NULL ? rc : vw_cli_finish(cli, r, changes_table);
    } else if (strcmp(sub, "replay") == 0) {
        if (o->into == NULL || argc != 1)
            return vw_cli_usage_error("admin", "replay needs --into DB (and a connection)");
        rc = replay(cli, o->into, o->since);
    }
    vw_changes_free(&c);
    return rc;
}

bool vw_cli_is_changes_cmd(const char *sub)
{
    static const char *const subs[] = {"apply", "provider", "network", "member", "registration",
                                       "history", "changes", "replay"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(sub, subs[i]) == 0)
            return true;
    return false;
}

/* `verwijs history ...` and `verwijs changes ...` are `verwijs admin history|changes ...`. */
static int as_admin(const vw_cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            printf(strcmp(argv[0], "history") == 0
                       ? "usage: verwijs history KIND ID... [CONNECTION] [--json]\n"
                         "KIND ID: provider ID, network ID, membership PROVIDER NETWORK,\n"
                         "         registration PROVIDER EXPERTISE REGISTRY\n"
                         "Every change of the record, oldest first, with who made it.\n"
                       : "usage: verwijs changes [--since N] [--limit N] [CONNECTION] [--json]\n"
                         "The change feed: every change after sequence number N (default 0),\n"
                         "at most --limit (1..10000, default 1000); ask again with --since NEXT.\n");
            printf("CONNECTION: --admin-socket PATH, or --server HOST:PORT --token-file F\n"
                   "(as for verwijs admin; see verwijs admin --help).\n");
            return EXIT_OK;
        }
    char **v = calloc((size_t)argc + 2, sizeof *v);
    static char admin[] = "admin";
    if (v == NULL)
        return EXIT_FAIL;
    v[0] = admin;
    for (int i = 0; i < argc; i++)
        v[i + 1] = argv[i];
    int rc = vw_cmd_admin(cli, argc + 1, v);
    free(v);
    return rc;
}

int vw_cmd_history(const vw_cli *cli, int argc, char **argv) { return as_admin(cli, argc, argv); }
int vw_cmd_changes(const vw_cli *cli, int argc, char **argv) { return as_admin(cli, argc, argv); }
