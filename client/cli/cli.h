/* cli.h -- shared pieces of the `verwijs` command-line tool: global options,
 * connecting, calling an op, reading result fields, printing tables. */
#ifndef VW_CLI_H
#define VW_CLI_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdio.h>

#include "client/lib/verwijs.h"
#include "proto/msg.h"

/* Exit codes (README). */
enum { EXIT_OK = VW_EXIT_OK, EXIT_FAIL = VW_EXIT_FAIL, EXIT_USAGE = VW_EXIT_USAGE,
       EXIT_SERVER = VW_EXIT_SERVER, EXIT_CONNECT = VW_EXIT_CONNECT,
       EXIT_TIMEOUT = VW_EXIT_TIMEOUT }; /* proto/vw_err.h */

typedef struct vw_cli {
    const char *server;   /* HOST:PORT */
    const char *socket;   /* Unix socket path, wins over server */
    int timeout_ms;
    bool json;
    const char *auth;     /* admin token (verwijs admin --token-file), NULL: none */
    bool tls;             /* --tls / VERWIJS_TLS=1: TLS to --server */
    const char *ca, *cert, *key, *tls_name; /* --ca, --cert, --key, --tls-name */
} vw_cli;

/* Calls `op` with packed `args` (may be NULL); prints the error and returns
 * NULL with *exit_code set (3 server error, 4 cannot connect / io). */
vw_reply *vw_cli_call(const vw_cli *cli, const char *op, const msgpack_sbuffer *args,
                      int *exit_code);

/* Result field access: vw_mp_get and friends, proto/msg.h. */

/* Table cells: pad or cut (with an ellipsis) to `width` display columns,
 * counting UTF-8 code points. */
void vw_cell(FILE *f, const char *s, int width, bool right);
/* The last cell of a row: cut like vw_cell, but not padded. */
void vw_cell_last(FILE *f, const char *s, int width);

/* Prints usage errors: "verwijs CMD: message" and returns EXIT_USAGE. */
/* geo.c: `verwijs networks map` (argv[0] is "map"). */
int vw_cmd_networks_map(const vw_cli *cli, int argc, char **argv);

/* gen_attrs.c: writes ",hours,languages,wheelchair,direct_access,wait_weeks,
 * wait_confirmed,agb,big" for one provider from the stream *x. */
void vw_gen_attrs(FILE *fp, uint64_t *x, int disc, bool city, int32_t today);

int vw_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse "3511", "3511AB", "3511 AB" or "52.09,5.12" and pack it as `near`. */
int vw_cli_pack_near(msgpack_packer *pk, const char *near);

/* Options shared by the query commands, with one meaning everywhere:
 * --near, --within, --mode, --limit, --as-of, --accepting-only, --json,
 * --region, --discipline (repeatable), --expertise (repeatable).
 * getopt codes: 'n' 'w' 'm' 'l' 'D' 'a' 'j' 'r' 'd' 'e'. */
#define VW_CLI_MAX_LIST 16
typedef struct vw_cli_qopts {
    const char *near, *mode, *as_of, *region;
    const char *disc[VW_CLI_MAX_LIST], *exp[VW_CLI_MAX_LIST];
    int nd, ne;
    double within;    /* -1: not given */
    long limit;       /* 0: not given */
    long max_limit;   /* the command's upper bound for --limit */
    bool accepting;
} vw_cli_qopts;

/* Consumes getopt code `c` if it is a shared option: 1 consumed, 0 not a
 * shared option, -1 usage error (printed). */
int vw_cli_qopt(const char *cmd, int c, const char *arg, vw_cli_qopts *o, vw_cli *cli);
/* Checks what getopt cannot (mode and date syntax); -1 usage error (printed). */
int vw_cli_qopts_check(const char *cmd, const vw_cli_qopts *o);
/* Number of map entries vw_cli_pack_qopts writes (near excluded). */
int vw_cli_qopts_count(const vw_cli_qopts *o);
void vw_cli_pack_qopts(msgpack_packer *pk, const vw_cli_qopts *o);

/* Prints a reply's result as JSON (--json) or with `table`; frees the reply. */
int vw_cli_finish(const vw_cli *cli, vw_reply *r, void (*table)(const msgpack_object *));
/* A table of provider objects (with minutes and km when with_distance). */
void vw_cli_print_providers(const msgpack_object *list, bool with_distance);

/* Loads the snapshot of a local database (read-only), reporting on stderr;
 * NULL after printing why. Release with vw_snapshot_release. */
struct vw_snapshot;
struct vw_snapshot *vw_cli_load_snapshot(const char *db);
/* vw_store_open, printing "verwijs CMD: reason" on failure (NULL then). */
struct vw_store *vw_cli_open_store(const char *db, int flags, const char *cmd);

/* Commands. argv[0] is the command name. */
int vw_cmd_ping(const vw_cli *cli, int argc, char **argv);
int vw_cmd_stats(const vw_cli *cli, int argc, char **argv);
int vw_cmd_match(const vw_cli *cli, int argc, char **argv);
int vw_cmd_provider(const vw_cli *cli, int argc, char **argv);
int vw_cmd_network(const vw_cli *cli, int argc, char **argv);
int vw_cmd_refer(const vw_cli *cli, int argc, char **argv);
int vw_cmd_networks(const vw_cli *cli, int argc, char **argv);
int vw_cmd_import(const vw_cli *cli, int argc, char **argv);
int vw_cmd_db(const vw_cli *cli, int argc, char **argv);
int vw_cmd_gen(const vw_cli *cli, int argc, char **argv);
int vw_cmd_regions(const vw_cli *cli, int argc, char **argv);
int vw_cmd_coverage(const vw_cli *cli, int argc, char **argv);
int vw_cmd_admin(const vw_cli *cli, int argc, char **argv);
int vw_cmd_history(const vw_cli *cli, int argc, char **argv); /* = admin history */
int vw_cmd_changes(const vw_cli *cli, int argc, char **argv); /* = admin changes */
int vw_cmd_export(const vw_cli *cli, int argc, char **argv);
int vw_cmd_vocabulary(const vw_cli *cli, int argc, char **argv);

#endif
