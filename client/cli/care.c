/* care.c -- matched-care commands: refer, networks near, networks audit. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vocab.h"
#include "cli.h"
#include "json.h"


/* ---- refer ------------------------------------------------------------------ */

static void refer_table(const msgpack_object *res)
{
    char b1[256], b2[256], b3[64], b4[16];
    const msgpack_object *needs = vw_mp_get(res, "needs");
    const msgpack_object *nets = vw_mp_get(res, "networks");
    const msgpack_object *plan = vw_mp_get(res, "plan");
    const msgpack_object *o = vw_mp_get(res, "origin");
    bool self = strcmp(vw_mp_str(res, "step", b1, sizeof b1), "self_care") == 0;

    printf("Near %s (%s), %s, within %g min, as of %s", vw_mp_str(o, "postcode", b1, sizeof b1),
           vw_mp_str(o, "place", b2, sizeof b2), vw_mp_str(res, "mode", b3, sizeof b3),
           vw_mp_num(res, "within", 0), vw_mp_str(res, "as_of", b4, sizeof b4));
    if (vw_mp_get(res, "score") && vw_mp_get(res, "score")->type != MSGPACK_OBJECT_NIL)
        printf(", distress score %.0f", vw_mp_num(res, "score", 0));
    printf("\nStep: %s\n", self ? "self-management first (online and national services)"
                                : "referral to professionals");
    if (vw_mp_bool(res, "psychosocial_added"))
        printf("A psychosocial need was added (high score with an emotional problem).\n");

    /* The coordinated plan first: that is the answer a GP acts on. */
    const char *best = vw_mp_str(plan, "network", b1, sizeof b1);
    printf("\nPlan: ");
    if (best[0] && nets && nets->type == MSGPACK_OBJECT_ARRAY && nets->via.array.size) {
        const msgpack_object *n0 = &nets->via.array.ptr[0];
        printf("%s (%s), covers %.0f of %.0f needs within reach%s\n",
               vw_mp_str(n0, "name", b2, sizeof b2), best, vw_mp_num(n0, "covered", 0),
               vw_mp_num(n0, "needs", 0), vw_mp_bool(plan, "covers_all") ? " -- all of them" : "");
        const msgpack_object *mem = vw_mp_get(n0, "members");
        for (uint32_t j = 0; mem && j < mem->via.array.size; j++) {
            const msgpack_object *m = &mem->via.array.ptr[j];
            if (m->type == MSGPACK_OBJECT_NIL)
                continue;
            printf("  %-18s %-26s %5.1f min  %s\n", vw_mp_str(m, "need", b2, sizeof b2),
                   vw_mp_str(m, "discipline", b3, sizeof b3), vw_mp_num(m, "minutes", 0),
                   vw_mp_str(m, "name", b1, sizeof b1));
        }
    } else {
        printf("no certified network within reach covers any of these needs\n");
    }
    const msgpack_object *outside = vw_mp_get(plan, "outside");
    if (outside && outside->type == MSGPACK_OBJECT_ARRAY && outside->via.array.size) {
        printf("Outside the plan's network:\n");
        for (uint32_t j = 0; j < outside->via.array.size; j++) {
            const msgpack_object *e = &outside->via.array.ptr[j];
            printf("  %s:\n", vw_mp_str(e, "need", b1, sizeof b1));
            vw_cli_print_providers(vw_mp_get(e, "providers"), true);
        }
    }
    if (nets && nets->type == MSGPACK_OBJECT_ARRAY && nets->via.array.size > 1) {
        printf("Other networks:\n");
        for (uint32_t i = 1; i < nets->via.array.size; i++) {
            const msgpack_object *n = &nets->via.array.ptr[i];
            printf("  %-40s covers %.0f/%.0f, %.1f min in total\n",
                   vw_mp_str(n, "name", b1, sizeof b1), vw_mp_num(n, "covered", 0),
                   vw_mp_num(n, "needs", 0), vw_mp_num(n, "total_minutes", 0));
        }
    }

    printf("\nPer problem:\n");
    for (uint32_t j = 0; needs && j < needs->via.array.size; j++) {
        const msgpack_object *n = &needs->via.array.ptr[j];
        const msgpack_object *listed = vw_mp_get(n, "listed");
        printf("%s (%s): recommended %s\n", vw_mp_str(n, "label", b1, sizeof b1),
               vw_mp_str(n, "problem", b2, sizeof b2),
               vw_mp_join(vw_mp_get(n, "recommended"), "discipline", b3, sizeof b3));
        if (self) {
            const msgpack_object *on = vw_mp_get(n, "online");
            if (on && on->type == MSGPACK_OBJECT_ARRAY && on->via.array.size) {
                printf("  online first:\n");
                vw_cli_print_providers(on, false);
            }
        }
        if (listed == NULL || listed->type == MSGPACK_OBJECT_NIL)
            printf("  nobody within reach\n");
        else
            vw_cli_print_providers(vw_mp_get(n, "providers"), true);
    }
}

/* A network kind as the server takes it: a code, or "all". */
static bool kind_ok(const char *k)
{
    return strcmp(k, "all") == 0 || vw_tag_valid(k, strlen(k));
}

static const char refer_help[] =
    "usage: verwijs refer --near PC|LAT,LON --problem P [--problem P]... [--score 0-10]\n"
    "                     [--within MIN] [--mode car|bike|walk|transit] [--limit N] [--networks N]\n"
    "                     [--accepting-only] [--as-of YYYY-MM-DD] [--region R]\n"
    "                     [--network-kind K|all] [--json]\n"
    "Matched care: for each problem (Lastmeter codes such as darmklachten, vermoeidheid,\n"
    "seksualiteit, angst, somberheid, werk, lymfoedeem, voeding, conditie, pijn, zingeving)\n"
    "the recommended disciplines and nearest providers, and the certified networks that\n"
    "cover most of the needs near home. Default within 20 min by car, 3 per problem.\n"
    "--region R keeps providers whose practice lies in IZA region R and networks of R.\n"
    "  --network-kind  networks of this kind in the plan (default oncologiezorgnetwerk;\n"
    "                  oncologienetwerk, palliatief, or all)\n";

int vw_cmd_refer(const vw_cli *cli_in, int argc, char **argv)
{
    static const struct option opts[] = {
        {"near", required_argument, NULL, 'n'},   {"problem", required_argument, NULL, 'p'},
        {"score", required_argument, NULL, 's'},  {"within", required_argument, NULL, 'w'},
        {"mode", required_argument, NULL, 'm'},   {"limit", required_argument, NULL, 'l'},
        {"networks", required_argument, NULL, 'N'}, {"accepting-only", no_argument, NULL, 'a'},
        {"as-of", required_argument, NULL, 'D'},  {"json", no_argument, NULL, 'j'},
        {"region", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
        {"network-kind", required_argument, NULL, 'K'},
        {NULL, 0, NULL, 0}};
    vw_cli cli = *cli_in;
    vw_cli_qopts q = {.within = -1, .max_limit = 20};
    const char *probs[12], *kind = NULL;
    int np = 0, c, rc;
    long score = -1, nets = 0;
    char *end;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int used = vw_cli_qopt("refer", c, optarg, &q, &cli);
        if (used < 0)
            return EXIT_USAGE;
        if (used)
            continue;
        switch (c) {
        case 'p':
            if (np == 12)
                return vw_cli_usage_error("refer", "at most 12 --problem");
            probs[np++] = optarg;
            break;
        case 's':
            score = strtol(optarg, &end, 10);
            if (*end || score < 0 || score > 10)
                return vw_cli_usage_error("refer", "--score must be 0..10");
            break;
        case 'N':
            nets = strtol(optarg, &end, 10);
            if (*end || nets < 1 || nets > 10)
                return vw_cli_usage_error("refer", "--networks must be 1..10");
            break;
        case 'K':
            if (!kind_ok(optarg))
                return vw_cli_usage_error("refer", "--network-kind must be a kind such as "
                                                   "oncologiezorgnetwerk or palliatief, or all");
            kind = optarg;
            break;
        case 'h': fputs(refer_help, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return vw_cli_usage_error("refer", "unexpected argument '%s'", argv[optind]);
    if (q.near == NULL || np == 0)
        return vw_cli_usage_error("refer", "--near and at least one --problem are required");
    if (vw_cli_qopts_check("refer", &q) != 0)
        return EXIT_USAGE;

    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2 + (score >= 0) + (nets > 0) + (kind != NULL) + vw_cli_qopts_count(&q));
    if (kind)
        vw_pack_kv_str(&pk, "network_kind", kind);
    vw_pack_cstr(&pk, "near");
    vw_cli_pack_near(&pk, q.near);
    vw_pack_cstr(&pk, "problems");
    msgpack_pack_array(&pk, (size_t)np);
    for (int i = 0; i < np; i++)
        vw_pack_cstr(&pk, probs[i]);
    if (score >= 0)
        vw_pack_kv_int(&pk, "score", score);
    if (nets > 0)
        vw_pack_kv_int(&pk, "networks", nets);
    vw_cli_pack_qopts(&pk, &q);
    vw_reply *r = vw_cli_call(&cli, "refer", &sb, &rc);
    msgpack_sbuffer_destroy(&sb);
    return r ? vw_cli_finish(&cli, r, refer_table) : rc;
}

/* ---- networks near / audit -------------------------------------------------- */

static void near_table(const msgpack_object *res)
{
    char b1[256], b2[256];
    const msgpack_object *nets = vw_mp_get(res, "networks");
    uint32_t n = nets && nets->type == MSGPACK_OBJECT_ARRAY ? nets->via.array.size : 0;
    printf("%u certified network%s with fysiotherapeut, psychosocial care and dietist within "
           "reach\n",
           n, n == 1 ? "" : "s");
    static const char *const slots[] = {"fysiotherapeut", "psychosocial", "dietist"};
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *e = &nets->via.array.ptr[i];
        printf("%2u. %s (%s), %.1f min in total\n", i + 1, vw_mp_str(e, "name", b1, sizeof b1),
               vw_mp_str(e, "id", b2, sizeof b2), vw_mp_num(e, "total_minutes", 0));
        const msgpack_object *core = vw_mp_get(e, "core");
        for (int k = 0; k < 3; k++) {
            const msgpack_object *m = vw_mp_get(core, slots[k]);
            printf("      %-15s %5.1f min  %s\n", slots[k], vw_mp_num(m, "minutes", 0),
                   vw_mp_str(m, "name", b1, sizeof b1));
        }
    }
}

static void audit_table(const msgpack_object *res)
{
    char id[80], name[256], st[32], until[16], reasons[512], disc[512];
    const msgpack_object *nets = vw_mp_get(res, "networks");
    printf("Audit as of %s: %.0f networks, %.0f flagged\n",
           vw_mp_str(res, "as_of", until, sizeof until), vw_mp_num(res, "count", 0),
           vw_mp_num(res, "flagged", 0));
    printf("%-8s %-10s %-30s %-10s %-10s %4s %s\n", "flag", "id", "name", "status", "until",
           "disc", "reasons");
    for (uint32_t i = 0; nets && i < nets->via.array.size; i++) {
        const msgpack_object *e = &nets->via.array.ptr[i];
        printf("%-8s %-10s ", vw_mp_bool(e, "flagged") ? "FLAGGED" : "", vw_mp_str(e, "id", id, sizeof id));
        vw_cell(stdout, vw_mp_str(e, "name", name, sizeof name), 30, false);
        printf(" %-10s %-10s %4.0f %s\n", vw_mp_str(e, "status", st, sizeof st),
               vw_mp_str(e, "certified_until", until, sizeof until), vw_mp_num(e, "n_disciplines", 0),
               vw_mp_join(vw_mp_get(e, "reasons"), NULL, reasons, sizeof reasons));
        (void)disc;
    }
}

/* CSV for NVPO spreadsheets: one row per network. */
static void csv_field(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void audit_csv(const msgpack_object *res)
{
    char b[1024];
    const msgpack_object *nets = vw_mp_get(res, "networks");
    printf("id,name,status,certified_until,region,members,current_members,disciplines,"
           "meets_criteria,flagged,reasons\n");
    for (uint32_t i = 0; nets && i < nets->via.array.size; i++) {
        const msgpack_object *e = &nets->via.array.ptr[i];
        csv_field(vw_mp_str(e, "id", b, sizeof b));
        putchar(',');
        csv_field(vw_mp_str(e, "name", b, sizeof b));
        printf(",%s,", vw_mp_str(e, "status", b, sizeof b));
        printf("%s,", vw_mp_str(e, "certified_until", b, sizeof b));
        printf("%s,", vw_mp_str(e, "region", b, sizeof b));
        printf("%.0f,%.0f,", vw_mp_num(e, "members", 0), vw_mp_num(e, "current_members", 0));
        csv_field(vw_mp_join(vw_mp_get(e, "disciplines"), NULL, b, sizeof b));
        printf(",%d,%d,", vw_mp_bool(e, "meets_criteria"), vw_mp_bool(e, "flagged"));
        csv_field(vw_mp_join(vw_mp_get(e, "reasons"), NULL, b, sizeof b));
        putchar('\n');
    }
}

static const char networks_help[] =
    "usage: verwijs networks near --near PC|LAT,LON [--within MIN] [--mode M] [--limit N]\n"
    "                             [--kind K|all] [--as-of YYYY-MM-DD] [--json]\n"
    "       verwijs networks audit [--region R] [--as-of YYYY-MM-DD] [--format table|csv|json]\n"
    "       verwijs networks map [--kind K|all] [--format svg|png|geojson|json|table] [--out F]\n"
    "near:  certified networks with a fysiotherapeut, a psychosocial provider and a dietist\n"
    "       within reach (default 20 min by car), of --kind (default oncologiezorgnetwerk;\n"
    "       oncologienetwerk, palliatief, or all).\n"
    "audit: per network its current disciplines, whether it meets the NVPO criteria\n"
    "       (>= 5 disciplines incl. fysiotherapeut, psychosocial, dietist), certification\n"
    "       expiry, and FLAGGED certified networks that fail them, with the reason\n"
    "       (oncology care networks only: the criteria are theirs).\n"
    "map:   every network by kind over the 7 regions, counts per region\n"
    "       (verwijs networks map --help).\n";

int vw_cmd_networks(const vw_cli *cli_in, int argc, char **argv)
{
    static const struct option opts[] = {
        {"near", required_argument, NULL, 'n'},   {"within", required_argument, NULL, 'w'},
        {"mode", required_argument, NULL, 'm'},   {"limit", required_argument, NULL, 'l'},
        {"region", required_argument, NULL, 'r'}, {"format", required_argument, NULL, 'f'},
        {"as-of", required_argument, NULL, 'D'},  {"json", no_argument, NULL, 'j'},
        {"region", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
        {"kind", required_argument, NULL, 'K'},
        {NULL, 0, NULL, 0}};
    vw_cli cli = *cli_in;
    vw_cli_qopts q = {.within = -1, .max_limit = 20};
    const char *format = "table", *kind = NULL;
    int c, rc;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(networks_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    const char *sub = argv[1];
    bool is_near = strcmp(sub, "near") == 0;
    if (strcmp(sub, "map") == 0)
        return vw_cmd_networks_map(cli_in, argc - 1, argv + 1);
    if (!is_near && strcmp(sub, "audit") != 0)
        return vw_cli_usage_error("networks", "unknown subcommand '%s' (near, audit, map)", sub);
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int used = vw_cli_qopt("networks", c, optarg, &q, &cli);
        if (used < 0)
            return EXIT_USAGE;
        if (used)
            continue;
        switch (c) {
        case 'f': format = optarg; break;
        case 'K':
            if (!kind_ok(optarg))
                return vw_cli_usage_error("networks", "--kind must be a kind such as "
                                                      "oncologiezorgnetwerk or palliatief, or all");
            kind = optarg;
            break;
        case 'h': fputs(networks_help, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return vw_cli_usage_error("networks", "unexpected argument '%s'", argv[optind]);
    if (vw_cli_qopts_check("networks", &q) != 0)
        return EXIT_USAGE;
    if (strcmp(format, "json") == 0)
        cli.json = true;
    else if (strcmp(format, "table") && strcmp(format, "csv"))
        return vw_cli_usage_error("networks", "--format must be table, csv or json");
    if (is_near && q.near == NULL)
        return vw_cli_usage_error("networks", "near needs --near");
    if (q.nd || q.ne || (is_near && q.region))
        return vw_cli_usage_error("networks", "near takes no --region; neither takes "
                                              "--discipline or --expertise");
    if (!is_near && (q.near || q.within > 0 || q.mode || q.limit || kind))
        return vw_cli_usage_error("networks", "audit takes only --region, --as-of, --format");

    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (is_near) {
        msgpack_pack_map(&pk, 1 + (kind != NULL) + vw_cli_qopts_count(&q));
        vw_pack_cstr(&pk, "near");
        vw_cli_pack_near(&pk, q.near);
        if (kind)
            vw_pack_kv_str(&pk, "kind", kind);
    } else {
        msgpack_pack_map(&pk, vw_cli_qopts_count(&q));
    }
    vw_cli_pack_qopts(&pk, &q);
    vw_reply *r = vw_cli_call(&cli, is_near ? "network.near" : "networks.audit", &sb, &rc);
    msgpack_sbuffer_destroy(&sb);
    if (r == NULL)
        return rc;
    return vw_cli_finish(&cli, r,
                         is_near ? near_table : (strcmp(format, "csv") == 0 ? audit_csv : audit_table));
}
