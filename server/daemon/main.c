/* main.c -- verwijsd: command line, configuration, start, run. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "daemon.h"
#include "fds.h"
#include "log.h"
#include "proto/version.h"
#include "proto/vocab.h"


static void usage(FILE *f)
{
    fputs("usage: verwijsd --db PATH [--listen HOST:PORT] [--socket PATH] [--config FILE]\n"
          "                [--workers N] [--port-file PATH] [--log-level L]\n"
          "                [--http HOST:PORT] [--http-port-file PATH] [--ui DIR]\n"
          "                [--snapshot-image PATH]\n"
          "\n"
          "Serves the Verwijs referral directory (a snapshot of the SQLite database) over\n"
          "the msgpack protocol of proto/PROTOCOL.md, on TCP and/or a Unix socket, and\n"
          "as HTTP/JSON when the config sets http_listen (docs/openapi.yaml).\n"
          "\n"
          "  --db PATH          SQLite database (verwijs import ... --db PATH)\n"
          "  --listen HOST:PORT TCP address (default 127.0.0.1:4747; port 0 = any free port;\n"
          "                     \"\" or --no-tcp for none)\n"
          "  --no-tcp           Unix socket only\n"
          "  --socket PATH      also listen on a Unix socket (mode: config socket_mode)\n"
          "  --config FILE      key = value settings (see deploy/verwijsd.conf)\n"
          "  --workers N        worker threads (default: number of CPUs)\n"
          "  --http HOST:PORT   also serve HTTP/JSON there (config http_listen; off by default)\n"
          "  --http-port-file PATH  write the bound HTTP port here once ready\n"
          "  --ui DIR           serve the web UI in DIR under /ui/ of the HTTP gateway\n"
          "                     (config http_ui_dir; e.g. share/verwijs/ui; docs/HTTP.md)\n"
          "  --snapshot-image PATH  keep the loaded snapshot in this file and start from it\n"
          "                     while the data is unchanged (config snapshot_image;\n"
          "                     docs/DEPLOY.md \"Snapshot image\")\n"
          "  --port-file PATH   write the bound TCP port here once ready (the admin and TLS\n"
          "                     ports, when they listen, to PATH.admin and PATH.tls)\n"
          "  --log-level L      error|warn|info|debug (debug logs every request, privacy-safe)\n"
          "  --test-clock       TESTS ONLY: \"now\" is $VW_TEST_NOW (unix seconds or\n"
          "                     YYYY-MM-DDTHH:MM:SSZ) for every default as_of; without this\n"
          "                     flag $VW_TEST_NOW is ignored\n"
          "  --hash-secret      read a secret (first line of stdin) and print its HASH field\n"
          "                     for admin_credentials_file (pbkdf2-sha256), then exit\n"
          "\n"
          "The default as_of is today's date in the config's tz (Europe/Amsterdam).\n"
          "Admin (reload, import, changes): config admin_socket / admin_listen +\n"
          "admin_credentials_file (named credentials) or admin_token_file;\n"
          "the query listeners refuse admin ops.\n"
          "Signals: SIGHUP reloads the snapshot from the database, or from the snapshot\n"
          "image while the data is unchanged (the old one keeps serving if the new one\n"
          "fails); SIGTERM/SIGINT stop accepting, drain, exit 0.\n",
          f);
}

/* The time zone of "today" and the test clock: set here, before any thread. */
static int clock_start(const vw_config *cfg, bool test_clock)
{
    char msg[1400], day[11];
    int64_t now;
    if (vw_clock_setup(cfg->tz, test_clock, msg, sizeof msg) != 0) {
        vw_log(VW_LOG_ERROR, "cannot start: tz: %s", msg);
        return -1;
    }
    if (vw_clock_pinned(&now))
        vw_log(VW_LOG_WARN, "TEST CLOCK (--test-clock): \"now\" is pinned at %lld; never in "
               "production", (long long)now);
    else if (getenv(VW_CLOCK_TEST_ENV))
        vw_log(VW_LOG_WARN, "%s is set but ignored (the test clock needs --test-clock)",
               VW_CLOCK_TEST_ENV);
    vw_date_format(vw_date_today(), day);
    vw_log(VW_LOG_INFO, "today is %s in %s (the default as_of)", day, vw_clock_tz());
    return 0;
}

/* --hash-secret: the first line of stdin (never argv: ps shows argv) as
 * a HASH field of admin_credentials_file, on stdout. */
static int hash_secret(void)
{
    char secret[VW_CREDS_SECRET_MAX + 2], out[256];
    vw_err err;
    if (fgets(secret, sizeof secret, stdin) == NULL) {
        fprintf(stderr, "verwijsd: --hash-secret reads the secret from stdin; got nothing\n");
        return 2;
    }
    size_t n = strcspn(secret, "\r\n");
    if (n == 0 || n > VW_CREDS_SECRET_MAX || (secret[n] == '\0' && !feof(stdin))) {
        fprintf(stderr, "verwijsd: the secret must be 1..%d bytes on one line\n",
                VW_CREDS_SECRET_MAX);
        return 2;
    }
    int rc = vw_creds_hash(secret, n, VW_CREDS_ITER_DEFAULT, out, sizeof out, &err);
    memset(secret, 0, sizeof secret);
    if (rc != 0) {
        fprintf(stderr, "verwijsd: %s\n", err.message);
        return 1;
    }
    printf("%s\n", out);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},        {"listen", required_argument, NULL, 'l'},
        {"socket", required_argument, NULL, 's'},    {"config", required_argument, NULL, 'c'},
        {"workers", required_argument, NULL, 'w'},   {"port-file", required_argument, NULL, 'p'},
        {"log-level", required_argument, NULL, 'v'}, {"no-tcp", no_argument, NULL, 'n'},
        {"http", required_argument, NULL, 'H'},      {"http-port-file", required_argument, NULL, 'P'},
        {"ui", required_argument, NULL, 'U'},        {"snapshot-image", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},            {"version", no_argument, NULL, 'V'},
        {"test-clock", no_argument, NULL, 'T'},      {"hash-secret", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    static vw_config cfg;
    const char *keys[128], *vals[128];
    int nset = 0, c;
    const char *config_file = NULL;
    bool test_clock = false;
    vw_err err;

    vw_config_defaults(&cfg);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *key = NULL;
        switch (c) {
        case 'd': key = "db"; break;
        case 'l': key = "listen"; break;
        case 's': key = "socket"; break;
        case 'w': key = "workers"; break;
        case 'p': key = "port_file"; break;
        case 'v': key = "log_level"; break;
        case 'H': key = "http_listen"; break;
        case 'P': key = "http_port_file"; break;
        case 'U': key = "http_ui_dir"; break;
        case 'I': key = "snapshot_image"; break;
        case 'n': keys[nset] = "listen"; vals[nset++] = ""; continue;
        case 'c': config_file = optarg; continue;
        case 'T': test_clock = true; continue;
        case 'S': return hash_secret();
        case 'h': usage(stdout); return 0;
        case 'V': printf("verwijsd %s\n", VW_VERSION); return 0;
        default: usage(stderr); return 2;
        }
        if (nset == 128) {
            usage(stderr);
            return 2;
        }
        keys[nset] = key;
        vals[nset++] = optarg;
    }
    if (optind < argc) {
        fprintf(stderr, "verwijsd: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    /* The file first, then the command line on top of it. */
    if (config_file && vw_config_load(&cfg, config_file, &err) != 0) {
        fprintf(stderr, "verwijsd: %s\n", err.message);
        return 2;
    }
    for (int i = 0; i < nset; i++)
        if (keys[i][0] && vw_config_set(&cfg, keys[i], vals[i], &err) != 0) {
            fprintf(stderr, "verwijsd: %s\n", err.message);
            return 2;
        } else if (strcmp(keys[i], "listen") == 0 && vals[i][0] == '\0') {
            cfg.listen[0] = '\0';
        }
    if (cfg.db[0] == '\0') {
        fprintf(stderr, "verwijsd: --db PATH is required\n");
        usage(stderr);
        return 2;
    }
    vw_log_level lvl;
    vw_log_level_parse(cfg.log_level, &lvl);
    vw_log_set_level(lvl);
    if (clock_start(&cfg, test_clock) != 0)
        return 2;
    if (vw_fd_budget(&cfg) != 0)
        return 1;

    vw_server *srv = vw_server_new(&cfg, &err);
    if (srv == NULL) {
        vw_log(VW_LOG_ERROR, "cannot start: %s", err.message);
        return 1;
    }
    int rc = vw_server_run(srv);
    vw_server_free(srv);
    return rc;
}
