/* admin.c -- `verwijs admin reload|import`: the admin ops over the
 * daemon's admin socket (file permissions guard it) or its admin TCP port
 * (a token guards it). The query port answers these ops `forbidden`. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "changes_cli.h"

static const char admin_help[] =
    "usage: verwijs admin reload [CONNECTION] [--json]\n"
    "       verwijs admin import KIND FILE [--mapping FILE] [--mode MODE] [--replace-all]\n"
    "                            [CONNECTION] [--delimiter ,|;|tab] [--encoding utf8|latin1]\n"
    "                            [--json]\n"
    "KIND: pc4, places, networks, providers, registrations, or regions (FILE: the\n"
    "      municipality GeoJSON, --mapping: the region mapping CSV), or traveltimes\n"
    "      (--mode car|bike|walk|transit: the matrix's mode). Files are read\n"
    "      by the daemon, from its admin_import_dir only: an absolute path on the\n"
    "      server, or a name relative to admin_import_dir.\n"
    "CONNECTION: --admin-socket PATH (default $VERWIJS_ADMIN_SOCKET)\n"
    "         or --server HOST:PORT --token-file F (admin_listen; default\n"
    "            $VERWIJS_ADMIN_TOKEN_FILE); with admin_tls, the global TLS options:\n"
    "            verwijs --tls --ca FILE admin reload --server ... --token-file F\n"
    "         or --user NAME (default $VERWIJS_USER) with the secret of that named\n"
    "            credential in $VERWIJS_SECRET or --secret-file F (first line); with\n"
    "            --server or --admin-socket (never on the command line)\n"
    "reload builds a new snapshot from the database and swaps it in; import reads\n"
    "FILE on the server (KIND: pc4, places, networks, providers, registrations),\n"
    "commits it whole or changes nothing, then reloads. Prints the snapshot now\n"
    "serving, or the reason (rejected rows) with exit 3. An import that would remove\n"
    "more than admin_import_max_removed percent (default 10) of the kind's rows is\n"
    "refused unless --replace-all.\n"
    "\n"
    "Record-level changes (whole or nothing, then a reload; docs/SCHEMA.md):\n"
    "       verwijs admin apply FILE [--delimiter ,|;|tab] [--db PATH] [CONNECTION]\n"
    "       verwijs admin provider add|set|delete ID [field=value ...] [--version N]\n"
    "       verwijs admin network add|set|delete ID [field=value ...] [--version N]\n"
    "       verwijs admin member add|remove PROVIDER NETWORK\n"
    "       verwijs admin registration add|set|remove PROVIDER EXPERTISE REGISTRY\n"
    "                                 [valid_from=D] [valid_until=D]\n"
    "       verwijs admin history KIND ID...      (also: verwijs history KIND ID...)\n"
    "       verwijs admin changes [--since N] [--limit N]  (also: verwijs changes ...)\n"
    "       verwijs admin replay --into DB [--since N] [CONNECTION]\n"
    "apply reads FILE here (.jsonl: one JSON change a line; else CSV with columns\n"
    "op,kind,id,version,field,value) and sends it as one `apply`; with --db it is\n"
    "applied to that database directly. --version N: refuse the change (exit 6,\n"
    "conflict) when the record is no longer at version N. replay pages through the\n"
    "daemon's change feed and applies it to DB (a copy that then equals the\n"
    "register; DB needs the same pc4 table).\n";

static void snapshot_line(const msgpack_object *snap)
{
    printf("serving generation %.0f: %.0f providers, %.0f networks, %.0f pc4 (built in %.0f ms)\n",
           vw_mp_num(snap, "generation", 0), vw_mp_num(snap, "providers", 0),
           vw_mp_num(snap, "networks", 0), vw_mp_num(snap, "pc4", 0),
           vw_mp_num(snap, "load_ms", 0));
}

static void reload_table(const msgpack_object *res)
{
    snapshot_line(vw_mp_get(res, "snapshot"));
}

static void import_table(const msgpack_object *res)
{
    char kind[32];
    printf("imported %.0f of %.0f %s rows (%.0f warnings)\n", vw_mp_num(res, "rows_ok", 0),
           vw_mp_num(res, "rows_read", 0), vw_mp_str(res, "kind", kind, sizeof kind),
           vw_mp_num(res, "warnings", 0));
    if (vw_mp_get(res, "removed"))
        printf("%s: %.0f removed, %.0f added, %.0f changed (%.0f before)\n", kind,
               vw_mp_num(res, "removed", 0), vw_mp_num(res, "added", 0),
               vw_mp_num(res, "changed", 0), vw_mp_num(res, "rows_before", 0));
    snapshot_line(vw_mp_get(res, "snapshot"));
}

static int read_token(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "verwijs admin: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fgets(buf, (int)cap, f) == NULL)
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    if (buf[0] == '\0') {
        fprintf(stderr, "verwijs admin: %s holds no token\n", path);
        return -1;
    }
    return 0;
}

int vw_cmd_admin(const vw_cli *cli_in, int argc, char **argv)
{
    static const struct option opts[] = {{"admin-socket", required_argument, NULL, 'a'},
                                         {"server", required_argument, NULL, 's'},
                                         {"token-file", required_argument, NULL, 't'},
                                         {"user", required_argument, NULL, 'u'},
                                         {"secret-file", required_argument, NULL, 'F'},
                                         {"mapping", required_argument, NULL, 'm'},
                                         {"replace-all", no_argument, NULL, 'R'},
                                         {"delimiter", required_argument, NULL, 'L'},
                                         {"encoding", required_argument, NULL, 'E'},
                                         {"mode", required_argument, NULL, 'M'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"db", required_argument, NULL, 'D'},
                                         {"into", required_argument, NULL, 'I'},
                                         {"version", required_argument, NULL, 'v'},
                                         {"since", required_argument, NULL, 'S'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    static char token[1200];
    vw_cli_chg_opts co = {0};
    char *end;
    vw_cli cli = *cli_in;
    const char *sock = getenv("VERWIJS_ADMIN_SOCKET"), *server = NULL;
    const char *token_file = getenv("VERWIJS_ADMIN_TOKEN_FILE");
    const char *user = getenv("VERWIJS_USER"), *secret_file = NULL;
    const char *mapping = NULL, *mode = NULL; /* mode: traveltimes only */
    bool replace_all = false;
    const char *delimiter = NULL, *encoding = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'a': sock = optarg; break;
        case 's': server = optarg; break;
        case 't': token_file = optarg; break;
        case 'u': user = optarg; break;
        case 'F': secret_file = optarg; break;
        case 'm': mapping = optarg; break;
        case 'R': replace_all = true; break;
        case 'L': delimiter = optarg; break; /* checked by the server's op table */
        case 'E': encoding = optarg; break;
        case 'M': mode = optarg; break;
        case 'j': cli.json = true; break;
        case 'D': co.db = optarg; break;
        case 'I': co.into = optarg; break;
        case 'v':
        case 'S':
        case 'l': {
            long long v = strtoll(optarg, &end, 10);
            if (end == optarg || *end || v < 0 || (c != 'S' && v == 0))
                return vw_cli_usage_error("admin", "--%s takes a %s integer",
                                          c == 'v' ? "version" : c == 'S' ? "since" : "limit",
                                          c == 'S' ? "non-negative" : "positive");
            *(c == 'v' ? &co.version : c == 'S' ? &co.since : &co.limit) = v;
            break;
        }
        case 'h': fputs(admin_help, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return vw_cli_usage_error("admin", "reload or import KIND FILE");
    const char *sub = argv[optind];
    bool import = strcmp(sub, "import") == 0;
    bool changes = vw_cli_is_changes_cmd(sub);
    if (!import && !changes && strcmp(sub, "reload") != 0)
        return vw_cli_usage_error("admin", "unknown subcommand '%s' (reload, import, apply, "
                                  "provider, network, member, registration, history, changes, "
                                  "replay)", sub);
    if (changes && delimiter)
        co.delimiter = strcmp(delimiter, "tab") == 0 ? '\t' : delimiter[0];
    if (changes && co.db) /* a local database: no daemon involved */
        return vw_cli_changes_cmd(&cli, &co, argc - optind, argv + optind);
    if (!changes && argc - optind != (import ? 3 : 1))
        return vw_cli_usage_error("admin", import ? "import needs KIND FILE" :
                                                    "reload takes no arguments");
    if (user && user[0]) {
        /* NAME:SECRET of a named credential; the secret never on argv */
        char secret[1100];
        const char *env = getenv("VERWIJS_SECRET");
        if (secret_file) {
            if (read_token(secret_file, secret, sizeof secret) != 0)
                return EXIT_FAIL;
        } else if (env && env[0]) {
            snprintf(secret, sizeof secret, "%s", env);
        } else {
            return vw_cli_usage_error("admin", "--user NAME needs the secret in $VERWIJS_SECRET "
                                      "or --secret-file F (never on the command line)");
        }
        size_t ul = strlen(user), sl = strlen(secret);
        if (ul + 1 + sl >= sizeof token)
            return vw_cli_usage_error("admin", "--user NAME and its secret are too long");
        memcpy(token, user, ul);
        token[ul] = ':';
        memcpy(token + ul + 1, secret, sl + 1);
        memset(secret, 0, sizeof secret);
        cli.auth = token;
    } else if (server && (token_file == NULL || token_file[0] == '\0') && cli.tls && cli.cert) {
        /* a TLS client certificate mapped to a credential (cert= in the
         * daemon's admin_credentials_file): no auth needed */
    } else if (server) {
        if (token_file == NULL || token_file[0] == '\0')
            return vw_cli_usage_error("admin", "--server needs --token-file F, --user NAME, "
                                      "or --tls --cert/--key of a mapped client certificate");
        if (read_token(token_file, token, sizeof token) != 0)
            return EXIT_FAIL;
        cli.auth = token;
    }
    if (server) {
        cli.server = server;
        cli.socket = NULL;
    } else if (sock && sock[0]) {
        cli.socket = sock;
    } else {
        return vw_cli_usage_error("admin", "--admin-socket PATH or --server HOST:PORT "
                                           "(with --token-file F or --user NAME) is required");
    }
    if (cli.timeout_ms <= 0)
        cli.timeout_ms = 600000; /* an import of the national PC4 table takes a while */
    if (changes)
        return vw_cli_changes_cmd(&cli, &co, argc - optind, argv + optind);

    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char abs[PATH_MAX], abs_map[PATH_MAX];
    if (import) {
        /* The daemon reads the files, by the name given: an absolute path on
         * the server, or a name relative to its admin_import_dir (never
         * resolved here: this machine's working directory means nothing to
         * the daemon). */
        const char *file = argv[optind + 2];
        snprintf(abs, sizeof abs, "%s", file);
        if (mapping)
            snprintf(abs_map, sizeof abs_map, "%s", mapping);
        if (file[0] != '/' || (mapping && mapping[0] != '/'))
            fprintf(stderr, "verwijs admin: a relative name is read by the daemon relative to its "
                    "admin_import_dir\n");
        msgpack_pack_map(&pk, 2 + (mapping != NULL) + replace_all + (delimiter != NULL) +
                                  (encoding != NULL) + (mode != NULL));
        vw_pack_kv_str(&pk, "kind", argv[optind + 1]);
        vw_pack_kv_str(&pk, "file", abs);
        if (mode)
            vw_pack_kv_str(&pk, "mode", mode);
        if (mapping)
            vw_pack_kv_str(&pk, "mapping", abs_map);
        if (replace_all)
            vw_pack_kv_bool(&pk, "replace_all", true);
        if (delimiter)
            vw_pack_kv_str(&pk, "delimiter", delimiter);
        if (encoding)
            vw_pack_kv_str(&pk, "encoding", encoding);
    } else {
        msgpack_pack_map(&pk, 0);
    }
    int code = EXIT_OK;
    vw_reply *r = vw_cli_call(&cli, import ? "import" : "reload", &sb, &code);
    msgpack_sbuffer_destroy(&sb);
    if (r == NULL)
        return code;
    return vw_cli_finish(&cli, r, import ? import_table : reload_table);
}
