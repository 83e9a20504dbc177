/* changes_cli.h -- the record-level change commands (changes.c), called by
 * `verwijs admin` (admin.c) once the connection is set up. */
#ifndef VW_CLI_CHANGES_H
#define VW_CLI_CHANGES_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

typedef struct vw_cli_chg_opts {
    const char *db;    /* --db: apply to this local database, no daemon */
    const char *into;  /* replay --into DB */
    int64_t version;   /* --version N: the version the change is based on (0: none) */
    int64_t since, limit;
    char delimiter;    /* --delimiter of a CSV change file */
} vw_cli_chg_opts;

bool vw_cli_is_changes_cmd(const char *sub);
/* argv[0] is the subcommand (apply, provider, ..., history, changes, replay). */
int vw_cli_changes_cmd(const vw_cli *cli, const vw_cli_chg_opts *o, int argc, char **argv);

#endif
