/* cli.c -- `verwijs`, the command-line tool: global options and dispatch. */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "proto/clock.h"
#include "proto/version.h"


static void usage(FILE *f)
{
    fputs(
        "usage: verwijs [--server HOST:PORT | --socket PATH] [--timeout MS] COMMAND [ARGS]\n"
        "               [--tls [--ca FILE] [--cert FILE --key FILE] [--tls-name NAME]]\n"
        "\n"
        "TLS (verwijsd tls_listen): --tls verifies the server's certificate against --ca\n"
        "(default: the system's CAs) and its name (default: HOST of --server);\n"
        "--cert/--key present a client certificate (mutual TLS). Environment:\n"
        "VERWIJS_TLS=1, VERWIJS_CA, VERWIJS_CERT, VERWIJS_KEY.\n"
        "\n"
        "Queries (against a running verwijsd; default server $VERWIJS_SERVER or\n"
        "127.0.0.1:4747, or $VERWIJS_SOCKET):\n"
        "  ping                         is the daemon there?\n"
        "  stats                        snapshot, connections, request counters\n"
        "  match --near PC|LAT,LON ...  providers near a patient, nearest first\n"
        "  refer --near PC --problem P  matched care: providers per problem + one network\n"
        "  provider ID                  one provider\n"
        "  network ID                   one network and its members\n"
        "  networks near --near PC      certified networks serving a location\n"
        "  networks audit               NVPO quality audit of the network register\n"
        "  regions                      the 7 IZA regions and their figures\n"
        "  coverage --discipline D --within MIN [--region R] [--format csv|geojson|svg|png]\n"
        "                               white spots: where people cannot reach the care\n"
        "Data (local SQLite file):\n"
        "  import KIND FILE --db PATH   KIND: pc4, places, regions, networks,\n"
        "                               providers, registrations\n"
        "  db init|info --db PATH\n"
        "  gen --geodata DIR --out DIR  write a realistic demo directory as CSV\n"
        "  export fhir --db PATH        the directory as a FHIR R4 Bundle (JSON)\n"
        "  vocabulary [--format F]      disciplines, expertise tags, problem codes\n"
        "Admin (a running verwijsd's admin socket, or admin TCP with a token):\n"
        "  admin reload                 build a new snapshot from the database\n"
        "  admin import KIND FILE       import a server-side file, whole or nothing, then reload\n"
        "  admin apply FILE             apply record-level changes (.csv/.jsonl), whole or nothing\n"
        "  admin provider|network|member|registration ...   change one record\n"
        "  history KIND ID              every change of one record, and who made it\n"
        "  changes [--since N]          the change feed (admin), in order\n"

        "\n"
        "`verwijs COMMAND --help` (or `verwijs help COMMAND`) describes a command.\n"
        "Query commands print a table; --json prints the server's result as JSON\n"
        "(and a failure as {\"error\": {...}} on stderr).\n"
        "Dates: an omitted --as-of is the server's today; local commands (--db) use\n"
        "today in $VERWIJS_TZ (default Europe/Amsterdam, from the system's zoneinfo).\n"
        "--test-clock (tests only) pins their \"now\" to $VW_TEST_NOW.\n"
        "Exit codes: 0 ok, 1 failure, 2 usage, 3 error answered by the server,\n"
        "4 cannot connect (or the connection broke), 5 no answer within --timeout.\n",
        f);
}

static const char *nonempty(const char *s)
{
    return s && s[0] ? s : NULL;
}

/* "Today" for the commands that may run the engine or an import in-process:
 * the Dutch day ($VERWIJS_TZ), as in verwijsd. The others ask a daemon,
 * which decides its own today, so a missing zoneinfo is no error for them. */
static int clock_start(const char *cmd, bool test_clock)
{
    static const char *const local[] = {"import", "db", "gen", "regions", "coverage", "export"};
    bool needs = test_clock;
    char msg[1400];
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        needs |= strcmp(cmd, local[i]) == 0;
    if (vw_clock_setup(nonempty(getenv("VERWIJS_TZ")), test_clock, msg, sizeof msg) == 0 ||
        !needs)
        return 0;
    fprintf(stderr, "verwijs: %s\n", msg);
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"server", required_argument, NULL, 's'},
                                         {"socket", required_argument, NULL, 'u'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"tls", no_argument, NULL, 'T'},
                                         {"ca", required_argument, NULL, 'C'},
                                         {"cert", required_argument, NULL, 'E'},
                                         {"key", required_argument, NULL, 'K'},
                                         {"tls-name", required_argument, NULL, 'N'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"test-clock", no_argument, NULL, 'X'},
                                         {NULL, 0, NULL, 0}};
    static const struct {
        const char *name;
        int (*fn)(const vw_cli *, int, char **);
    } cmds[] = {
        {"ping", vw_cmd_ping},         {"stats", vw_cmd_stats},   {"match", vw_cmd_match},
        {"provider", vw_cmd_provider}, {"network", vw_cmd_network}, {"refer", vw_cmd_refer},
        {"networks", vw_cmd_networks}, {"import", vw_cmd_import}, {"db", vw_cmd_db},
        {"gen", vw_cmd_gen},           {"regions", vw_cmd_regions}, {"coverage", vw_cmd_coverage},
        {"admin", vw_cmd_admin},       {"history", vw_cmd_history}, {"changes", vw_cmd_changes},
        {"export", vw_cmd_export},     {"vocabulary", vw_cmd_vocabulary},
    };
    vw_cli cli = {.server = getenv("VERWIJS_SERVER"), .socket = getenv("VERWIJS_SOCKET")};
    int c;
    bool test_clock = false;
    static char help_opt[] = "--help";
    /* -h means --help everywhere (before a "--"). */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-h") == 0)
            argv[i] = help_opt;
    const char *tls_env = getenv("VERWIJS_TLS");
    cli.tls = tls_env && strcmp(tls_env, "1") == 0;
    cli.ca = nonempty(getenv("VERWIJS_CA"));
    cli.cert = nonempty(getenv("VERWIJS_CERT"));
    cli.key = nonempty(getenv("VERWIJS_KEY"));
    if (cli.server == NULL || cli.server[0] == '\0')
        cli.server = "127.0.0.1:4747";
    if (cli.socket && cli.socket[0] == '\0')
        cli.socket = NULL;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 's': cli.server = optarg; cli.socket = NULL; break;
        case 'u': cli.socket = optarg; break;
        case 'T': cli.tls = true; break;
        case 'C': cli.ca = optarg; break;
        case 'E': cli.cert = optarg; break;
        case 'K': cli.key = optarg; break;
        case 'N': cli.tls_name = optarg; break;
        case 'X': test_clock = true; break;
        case 't': {
            char *end;
            long ms = strtol(optarg, &end, 10);
            cli.timeout_ms = (end != optarg && *end == '\0' && ms > 0 && ms <= 3600000) ? (int)ms : 0;
            if (cli.timeout_ms <= 0) {
                fprintf(stderr, "verwijs: --timeout must be 1..3600000 ms\n");
                return EXIT_USAGE;
            }
            break;
        }
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("verwijs %s\n", VW_VERSION); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if ((cli.cert != NULL) != (cli.key != NULL)) {
        fprintf(stderr, "verwijs: --cert and --key go together\n");
        return EXIT_USAGE;
    }
    if (cli.tls && cli.socket) {
        fprintf(stderr, "verwijs: --tls is for --server, not --socket\n");
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[optind];
    /* `verwijs help [COMMAND]` = `verwijs [COMMAND] --help` */
    if (strcmp(cmd, "help") == 0) {
        if (optind + 1 >= argc) {
            usage(stdout);
            return EXIT_OK;
        }
        cmd = argv[optind + 1];
        argv[optind] = argv[optind + 1];
        argv[optind + 1] = help_opt;
        argc = optind + 2;
    }
    if (clock_start(cmd, test_clock) != 0)
        return EXIT_FAIL;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(cmds[i].name, cmd) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0; /* glibc: re-initialise (permuting mode) for the command */
            return cmds[i].fn(&cli, sub_argc, sub_argv);
        }
    fprintf(stderr, "verwijs: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
