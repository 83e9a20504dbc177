/* query.c -- the query commands: ping, stats, match, provider, network.
 * Arguments are checked here first (exit 2 with a message) so that only
 * well-formed requests reach the server. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/attrs.h"
#include "proto/vocab.h"
#include "cli.h"
#include "json.h"


/* Print the result as JSON or through `table`; free the reply. */


/* ---- ping / stats --------------------------------------------------------- */

static void ping_table(const msgpack_object *res)
{
    (void)res;
    printf("pong\n");
}

static int simple_opts(const vw_cli *cli_in, vw_cli *cli, int argc, char **argv,
                       const char *help)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    *cli = *cli_in;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            cli->json = true;
        else if (c == 'h') {
            fputs(help, stdout);
            return EXIT_OK + 100;
        } else
            return EXIT_USAGE;
    }
    return -1;
}

int vw_cmd_ping(const vw_cli *cli_in, int argc, char **argv)
{
    vw_cli cli;
    int rc = simple_opts(cli_in, &cli, argc, argv,
                         "usage: verwijs ping [--json]\nChecks that verwijsd answers.\n");
    if (rc >= 0)
        return rc == 100 ? EXIT_OK : rc;
    if (optind < argc)
        return vw_cli_usage_error("ping", "unexpected argument '%s'", argv[optind]);
    vw_reply *r = vw_cli_call(&cli, "ping", NULL, &rc);
    return r ? vw_cli_finish(&cli, r, ping_table) : rc;
}

static void stats_table(const msgpack_object *res)
{
    char buf[128];
    const msgpack_object *snap = vw_mp_get(res, "snapshot");
    const msgpack_object *conns = vw_mp_get(res, "connections");
    const msgpack_object *reqs = vw_mp_get(res, "requests");
    printf("version      %s\n", vw_mp_str(res, "version", buf, sizeof buf));
    printf("uptime       %.0f s\n", vw_mp_num(res, "uptime_s", 0));
    printf("workers      %.0f\n", vw_mp_num(res, "workers", 0));
    if (snap && snap->type == MSGPACK_OBJECT_MAP) {
        printf("snapshot     generation %.0f: %.0f providers, %.0f networks, %.0f PC4, %.1f MB, "
               "loaded in %.0f ms\n",
               vw_mp_num(snap, "generation", 0), vw_mp_num(snap, "providers", 0),
               vw_mp_num(snap, "networks", 0), vw_mp_num(snap, "pc4", 0),
               vw_mp_num(snap, "bytes", 0) / 1e6, vw_mp_num(snap, "load_ms", 0));
        const msgpack_object *d = vw_mp_get(snap, "disciplines");
        if (d && d->type == MSGPACK_OBJECT_MAP)
            for (uint32_t i = 0; i < d->via.map.size; i++) {
                const msgpack_object_kv *kv = &d->via.map.ptr[i];
                if (kv->key.type == MSGPACK_OBJECT_STR &&
                    kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                    printf("  %-26.*s %8llu\n", (int)kv->key.via.str.size, kv->key.via.str.ptr,
                           (unsigned long long)kv->val.via.u64);
            }
    } else {
        printf("snapshot     none loaded\n");
    }
    printf("connections  %.0f open, %.0f total, %.0f rejected\n", vw_mp_num(conns, "current", 0),
           vw_mp_num(conns, "total", 0), vw_mp_num(conns, "rejected", 0));
    printf("requests     %.0f total, %.0f errors\n", vw_mp_num(reqs, "total", 0),
           vw_mp_num(reqs, "errors", 0));
}

int vw_cmd_stats(const vw_cli *cli_in, int argc, char **argv)
{
    vw_cli cli;
    int rc = simple_opts(cli_in, &cli, argc, argv,
                         "usage: verwijs stats [--json]\nSnapshot, connection and request "
                         "figures of the daemon.\n");
    if (rc >= 0)
        return rc == 100 ? EXIT_OK : rc;
    vw_reply *r = vw_cli_call(&cli, "stats", NULL, &rc);
    return r ? vw_cli_finish(&cli, r, stats_table) : rc;
}

/* ---- match ----------------------------------------------------------------- */

void vw_cli_print_providers(const msgpack_object *list, bool with_distance)
{
    char name[256], disc[64], exp[256], where[256], pc[32], city[128], nets[256];
    if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY)
        return;
    /* Widths keep a row within 120 columns (cells are cut with an ellipsis). */
    printf("%3s ", "#");
    if (with_distance)
        printf("%5s %5s ", "min", "km");
    printf("%-26s %-14s %-20s %-20s %-3s %s\n", "name", "discipline", "expertise", "location",
           "acc", "networks");
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        const msgpack_object *p = &list->via.array.ptr[i];
        printf("%3u ", i + 1);
        if (with_distance)
            printf("%5.1f %5.1f ", vw_mp_num(p, "minutes", 0), vw_mp_num(p, "km", 0));
        vw_cell(stdout, vw_mp_str(p, "name", name, sizeof name), 26, false);
        putchar(' ');
        vw_cell(stdout, vw_mp_str(p, "discipline", disc, sizeof disc), 14, false);
        putchar(' ');
        vw_cell(stdout, vw_mp_join(vw_mp_get(p, "expertise"), NULL, exp, sizeof exp), 20, false);
        putchar(' ');
        snprintf(where, sizeof where, "%s %s", vw_mp_str(p, "postcode", pc, sizeof pc),
                 vw_mp_str(p, "city", city, sizeof city));
        vw_cell(stdout, vw_mp_bool(p, "online") && !with_distance ? "online" : where, 20, false);
        const char *acc = vw_mp_bool(p, "accepting") ? "yes" : "no";
        /* Network ids, not names: names are long and alike ("Oncologienetwerk ..."),
         * and an id is what `verwijs network ID` takes. */
        if (vw_mp_join(vw_mp_get(p, "networks"), "id", nets, sizeof nets)[0]) {
            printf(" %-3s ", acc);
            vw_cell_last(stdout, nets, 15);
        } else {
            printf(" %s", acc); /* no trailing blanks */
        }
        putchar('\n');
    }
}

static void print_origin(const msgpack_object *res)
{
    char pc[16], place[128], mode[16], as_of[16];
    const msgpack_object *o = vw_mp_get(res, "origin");
    vw_mp_str(o, "postcode", pc, sizeof pc);
    vw_mp_str(o, "place", place, sizeof place);
    if (pc[0])
        printf("Near %s%s%s%s", pc, place[0] ? " (" : "", place, place[0] ? ")" : "");
    else
        printf("Near %.3f, %.3f", vw_mp_num(o, "lat", 0), vw_mp_num(o, "lon", 0));
    printf(", %s", vw_mp_str(res, "mode", mode, sizeof mode));
    double within = vw_mp_num(res, "within", -1);
    if (within >= 0)
        printf(", within %g min", within);
    printf(", as of %s", vw_mp_str(res, "as_of", as_of, sizeof as_of));
    char tt[16];
    if (vw_mp_str(res, "travel_times", tt, sizeof tt)[0]) /* matrix | model */
        printf(", travel times: %s", tt);
}

static void match_table(const msgpack_object *res)
{
    const msgpack_object *prov = vw_mp_get(res, "providers");
    const msgpack_object *online = vw_mp_get(res, "online");
    uint32_t n = prov && prov->type == MSGPACK_OBJECT_ARRAY ? prov->via.array.size : 0;
    print_origin(res);
    printf(": %u provider%s\n", n, n == 1 ? "" : "s");
    if (n)
        vw_cli_print_providers(prov, true);
    if (online && online->type == MSGPACK_OBJECT_ARRAY && online->via.array.size) {
        printf("Online (national, no travel):\n");
        vw_cli_print_providers(online, false);
    }
}

static const char match_help[] =
    "usage: verwijs match --near 3511|3511AB|52.09,5.12 [--discipline D]... [--expertise E]...\n"
    "                     [--within MIN] [--mode car|bike|walk|transit] [--limit N] [--accepting-only]\n"
    "                     [--region R] [--include-online] [--as-of YYYY-MM-DD]\n"
    "                     [--language LL]... [--wheelchair] [--direct-access]\n"
    "                     [--open-on DAY[@HH:MM]] [--max-wait WEEKS] [--fields ids|LIST] [--json]\n"
    "Providers near a patient's postcode or point, nearest first (ties by id).\n"
    "  --near        PC4, PC6 or lat,lon (WGS84)\n"
    "  --discipline  e.g. fysiotherapeut, dietist, psycholoog (repeat for several)\n"
    "  --expertise   e.g. oncologie, lymfoedeem (repeat: all required)\n"
    "  --within      travel time limit in minutes (default: none)\n"
    "  --mode        car (default), bike, walk or transit (transit: with a matrix)\n"
    "  --limit       1..100 (default 10)\n"
    "  --region      only providers in this IZA region (noord, oost, midden, noordwest, west,\n"
    "                zuidwest, zuidoost)\n"
    "  --accepting-only  only providers accepting new patients\n"
    "  --include-online  also list online providers (national, no distance)\n"
    "  --as-of       the day registrations are checked on (default today)\n"
    "  --language    speaks this ISO 639-1 language, e.g. tr, ar (repeat: any of them)\n"
    "  --wheelchair  only practices known to be wheelchair accessible\n"
    "  --direct-access  only providers known to see patients without a GP referral\n"
    "  --open-on     open on this day (mo tu we th fr sa su), optionally at a time: tu@10:00\n"
    "  --max-wait    waiting time at most this many weeks, confirmed recently (a wait\n"
    "                confirmed longer ago than the server's wait_valid_weeks is unknown)\n"
    "  --fields      keys of each provider: ids (id, km, minutes, time_source) or a\n"
    "                comma-separated list of keys, e.g. id,name,minutes (default: all)\n"
    "  --json        the server's result as JSON\n";

/* The referrer's filters of match, checked before anything is sent. */
typedef struct ref_opts {
    const char *lang[VW_LANG_MAX];
    int n_lang;
    bool wheelchair, direct_access;
    const char *open_on;
    long max_wait; /* -1: not given */
} ref_opts;

static int ref_opt(int c, const char *arg, ref_opts *r)
{
    int day, minute;
    char *end;
    switch (c) {
    case 'L':
        if (vw_lang_parse(arg, strlen(arg)) == 0)
            return vw_cli_usage_error("match", "--language must be an ISO 639-1 code such as "
                                               "nl, en, tr, ar"), -1;
        if (r->n_lang == VW_LANG_MAX)
            return vw_cli_usage_error("match", "at most %d --language options", VW_LANG_MAX), -1;
        r->lang[r->n_lang++] = arg;
        return 1;
    case 'W': r->wheelchair = true; return 1;
    case 'A': r->direct_access = true; return 1;
    case 'O':
        if (vw_open_on_parse(arg, strlen(arg), &day, &minute) != 0)
            return vw_cli_usage_error("match", "--open-on must be a day mo tu we th fr sa su, "
                                               "optionally @HH:MM (tu@10:00)"), -1;
        r->open_on = arg;
        return 1;
    case 'M':
        r->max_wait = strtol(arg, &end, 10);
        if (!arg[0] || *end || r->max_wait < 0 || r->max_wait > 520)
            return vw_cli_usage_error("match", "--max-wait must be a number of weeks 0..520"), -1;
        return 1;
    default:
        return 0;
    }
}

static int ref_count(const ref_opts *r)
{
    return (r->n_lang > 0) + r->wheelchair + r->direct_access + (r->open_on != NULL) +
           (r->max_wait >= 0);
}

static void ref_pack(msgpack_packer *pk, const ref_opts *r)
{
    if (r->n_lang) {
        vw_pack_cstr(pk, "language");
        msgpack_pack_array(pk, (size_t)r->n_lang);
        for (int i = 0; i < r->n_lang; i++)
            vw_pack_cstr(pk, r->lang[i]);
    }
    if (r->wheelchair)
        vw_pack_kv_bool(pk, "wheelchair", true);
    if (r->direct_access)
        vw_pack_kv_bool(pk, "direct_access", true);
    if (r->open_on)
        vw_pack_kv_str(pk, "open_on", r->open_on);
    if (r->max_wait >= 0)
        vw_pack_kv_int(pk, "max_wait_weeks", r->max_wait);
}

int vw_cmd_match(const vw_cli *cli_in, int argc, char **argv)
{
    static const struct option opts[] = {
        {"near", required_argument, NULL, 'n'},     {"discipline", required_argument, NULL, 'd'},
        {"expertise", required_argument, NULL, 'e'}, {"within", required_argument, NULL, 'w'},
        {"mode", required_argument, NULL, 'm'},     {"limit", required_argument, NULL, 'l'},
        {"accepting-only", no_argument, NULL, 'a'}, {"include-online", no_argument, NULL, 'o'},
        {"as-of", required_argument, NULL, 'D'},    {"json", no_argument, NULL, 'j'},
        {"region", required_argument, NULL, 'r'},   {"help", no_argument, NULL, 'h'},
        {"language", required_argument, NULL, 'L'}, {"wheelchair", no_argument, NULL, 'W'},
        {"direct-access", no_argument, NULL, 'A'},  {"open-on", required_argument, NULL, 'O'},
        {"max-wait", required_argument, NULL, 'M'}, {"fields", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0}};
    vw_cli cli = *cli_in;
    const char *fields = NULL; /* the server checks the names and lists the known ones */
    vw_cli_qopts q = {.within = -1, .max_limit = 100};
    ref_opts ro = {.max_wait = -1};
    int c, rc;
    bool online = false;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int used = vw_cli_qopt("match", c, optarg, &q, &cli);
        if (used == 0)
            used = ref_opt(c, optarg, &ro);
        if (used < 0)
            return EXIT_USAGE;
        if (used)
            continue;
        switch (c) {
        case 'o': online = true; break;
        case 'F':
            if (!optarg[0] || strlen(optarg) > 512 ||
                strspn(optarg, "abcdefghijklmnopqrstuvwxyz_,") != strlen(optarg))
                return vw_cli_usage_error("match", "--fields must be ids or a comma-separated "
                                                   "list of provider keys (id,name,minutes)");
            fields = optarg;
            break;
        case 'h': fputs(match_help, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return vw_cli_usage_error("match", "unexpected argument '%s'", argv[optind]);
    if (q.near == NULL)
        return vw_cli_usage_error("match", "--near is required");
    if (vw_cli_qopts_check("match", &q) != 0)
        return EXIT_USAGE;

    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1 + online + (fields != NULL) + vw_cli_qopts_count(&q) + ref_count(&ro));
    vw_pack_cstr(&pk, "near");
    vw_cli_pack_near(&pk, q.near);
    if (online)
        vw_pack_kv_bool(&pk, "include_online", true);
    if (fields)
        vw_pack_kv_str(&pk, "fields", fields);
    vw_cli_pack_qopts(&pk, &q);
    ref_pack(&pk, &ro);
    vw_reply *r = vw_cli_call(&cli, "match", &sb, &rc);
    msgpack_sbuffer_destroy(&sb);
    return r ? vw_cli_finish(&cli, r, match_table) : rc;
}

/* ---- provider / network ---------------------------------------------------- */

/* "yes", "no" or "unknown" for a nil-able boolean. */
static const char *tri(const msgpack_object *p, const char *key)
{
    const msgpack_object *v = vw_mp_get(p, key);
    if (!v || v->type != MSGPACK_OBJECT_BOOLEAN)
        return "unknown";
    return v->via.boolean ? "yes" : "no";
}

/* Opening hours as `mo 08:00-12:00,13:00-17:00; tu ...`. */
static void print_hours(const msgpack_object *h)
{
    char day[8], prev[8] = "", a[8], b[8];
    if (!h || h->type != MSGPACK_OBJECT_ARRAY || h->via.array.size == 0) {
        printf("unknown");
        return;
    }
    for (uint32_t i = 0; i < h->via.array.size; i++) {
        const msgpack_object *iv = &h->via.array.ptr[i];
        vw_mp_str(iv, "day", day, sizeof day);
        bool same = strcmp(day, prev) == 0;
        printf("%s%s%s%s-%s", same ? "," : (i ? "; " : ""), same ? "" : day, same ? "" : " ",
               vw_mp_str(iv, "open", a, sizeof a), vw_mp_str(iv, "close", b, sizeof b));
        memcpy(prev, day, sizeof prev);
    }
}

static void print_attrs(const msgpack_object *p)
{
    char b1[256], b2[64];
    printf("  hours       ");
    print_hours(vw_mp_get(p, "hours"));
    printf("\n  languages   %s\n", vw_mp_join(vw_mp_get(p, "languages"), NULL, b1, sizeof b1));
    printf("  wheelchair  %s\n", tri(p, "wheelchair"));
    printf("  direct      %s (without GP referral)\n", tri(p, "direct_access"));
    if (vw_mp_get(p, "wait_weeks") && vw_mp_get(p, "wait_weeks")->type != MSGPACK_OBJECT_NIL)
        printf("  wait        %.0f weeks (confirmed %s)\n", vw_mp_num(p, "wait_weeks", 0),
               vw_mp_str(p, "wait_confirmed", b2, sizeof b2));
    else
        printf("  wait        unknown\n");
    printf("  AGB         %s\n", vw_mp_str(p, "agb", b1, sizeof b1));
    printf("  BIG         %s\n", vw_mp_str(p, "big", b1, sizeof b1));
}

static void provider_table(const msgpack_object *p)
{
    char b1[256], b2[256], b3[256];
    printf("%s  %s\n", vw_mp_str(p, "id", b1, sizeof b1), vw_mp_str(p, "name", b2, sizeof b2));
    printf("  discipline  %s\n", vw_mp_str(p, "discipline", b1, sizeof b1));
    printf("  expertise   %s\n", vw_mp_join(vw_mp_get(p, "expertise"), NULL, b1, sizeof b1));
    printf("  address     %s, %s %s%s\n", vw_mp_str(p, "address", b1, sizeof b1),
           vw_mp_str(p, "postcode", b2, sizeof b2), vw_mp_str(p, "city", b3, sizeof b3),
           vw_mp_bool(p, "geocoded") ? "  (placed at its PC4 centroid)" : "");
    printf("  position    %.5f, %.5f\n", vw_mp_num(p, "lat", 0), vw_mp_num(p, "lon", 0));
    printf("  phone       %s\n", vw_mp_str(p, "phone", b1, sizeof b1));
    printf("  email       %s\n", vw_mp_str(p, "email", b1, sizeof b1));
    printf("  website     %s\n", vw_mp_str(p, "website", b1, sizeof b1));
    printf("  accepting   %s\n", vw_mp_bool(p, "accepting") ? "yes" : "no");
    printf("  online      %s\n", vw_mp_bool(p, "online") ? "yes" : "no");
    printf("  networks    %s\n", vw_mp_join(vw_mp_get(p, "networks"), "name", b1, sizeof b1));
    print_attrs(p);
    const msgpack_object *regs = vw_mp_get(p, "registrations");
    if (regs && regs->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < regs->via.array.size; i++) {
            const msgpack_object *g = &regs->via.array.ptr[i];
            char f[16], u[16];
            printf("  registered  %s in %s, %s..%s%s\n",
                   vw_mp_str(g, "expertise", b1, sizeof b1), vw_mp_str(g, "registry", b2, sizeof b2),
                   vw_mp_str(g, "valid_from", f, sizeof f), vw_mp_str(g, "valid_until", u, sizeof u),
                   vw_mp_bool(g, "valid") ? "" : "  (not valid)");
        }
}

static void network_table(const msgpack_object *n)
{
    char b1[256], b2[256], b3[64], b4[16];
    printf("%s  %s\n", vw_mp_str(n, "id", b1, sizeof b1), vw_mp_str(n, "name", b2, sizeof b2));
    char note[48] = "";
    if (!vw_mp_bool(n, "certification_valid")) /* on the day the server counted */
        snprintf(note, sizeof note, "  (not valid on %s)", vw_mp_str(n, "as_of", b4, sizeof b4));
    printf("  status       %s%s%s%s\n", vw_mp_str(n, "status", b1, sizeof b1),
           vw_mp_str(n, "certified_until", b3, sizeof b3)[0] ? " until " : "", b3, note);
    printf("  region       %s\n", vw_mp_str(n, "region", b1, sizeof b1));
    printf("  criteria     %s\n", vw_mp_bool(n, "meets_criteria") ? "met" : "NOT met");
    printf("  disciplines  %s\n", vw_mp_join(vw_mp_get(n, "disciplines"), NULL, b1, sizeof b1));
    const msgpack_object *m = vw_mp_get(n, "members");
    printf("  members      %.0f\n", vw_mp_num(n, "member_count", 0));
    if (m && m->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < m->via.array.size; i++) {
            const msgpack_object *e = &m->via.array.ptr[i];
            printf("    %-10s ", vw_mp_str(e, "id", b1, sizeof b1));
            vw_cell(stdout, vw_mp_str(e, "name", b2, sizeof b2), 34, false);
            printf(" %-24s %s\n", vw_mp_str(e, "discipline", b1, sizeof b1),
                   vw_mp_str(e, "city", b3, sizeof b3));
        }
}

static int get_by_id(const vw_cli *cli_in, int argc, char **argv, const char *op,
                     const char *help, void (*table)(const msgpack_object *))
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"as-of", required_argument, NULL, 'D'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    vw_cli cli = *cli_in;
    const char *as_of = NULL;
    int c, rc;
    int32_t day;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            cli.json = true;
        else if (c == 'D')
            as_of = optarg;
        else if (c == 'h') {
            printf("usage: verwijs %s ID [--as-of YYYY-MM-DD] [--json]\n%s", argv[0], help);
            return EXIT_OK;
        } else
            return EXIT_USAGE;
    }
    if (optind != argc - 1)
        return vw_cli_usage_error(argv[0], "exactly one ID is required");
    if (as_of && vw_date_parse(as_of, strlen(as_of), &day) != 0)
        return vw_cli_usage_error(argv[0], "--as-of must be a date YYYY-MM-DD");
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, as_of ? 2 : 1);
    vw_pack_kv_str(&pk, "id", argv[optind]);
    if (as_of)
        vw_pack_kv_str(&pk, "as_of", as_of);
    vw_reply *r = vw_cli_call(&cli, op, &sb, &rc);
    msgpack_sbuffer_destroy(&sb);
    return r ? vw_cli_finish(&cli, r, table) : rc;
}

int vw_cmd_provider(const vw_cli *cli, int argc, char **argv)
{
    return get_by_id(cli, argc, argv, "provider.get",
                     "One provider: discipline, expertise, address, position, contact,\n"
                     "accepting, networks and registrations (valid on --as-of, default today).\n",
                     provider_table);
}

int vw_cmd_network(const vw_cli *cli, int argc, char **argv)
{
    return get_by_id(cli, argc, argv, "network.get",
                     "One network: certification (valid on --as-of, default today), region,\n"
                     "NVPO criteria, current disciplines and members.\n",
                     network_table);
}
