/* local.c -- the snapshot of a local SQLite file, for commands that run
 * in-process with --db (coverage, regions, export) instead of asking a
 * daemon: the same loader the daemon uses, so it is the same model. */
#include <unistd.h>

#include "server/store/store.h"
#include "cli.h"
#include "progress.h"

vw_store *vw_cli_open_store(const char *db, int flags, const char *cmd)
{
    vw_store *st = NULL;
    vw_err err;
    if (vw_store_open(db, flags, &st, &err) != 0)
        fprintf(stderr, "verwijs %s: %s\n", cmd, err.message);
    return st;
}

vw_snapshot *vw_cli_load_snapshot(const char *db)
{
    vw_snapshot *snap = NULL;
    vw_err err;
    bool tty = isatty(STDERR_FILENO) == 1;
    double t0 = vw_now_s();
    if (tty)
        fprintf(stderr, "loading %s ...", db);
    if ((snap = vw_store_load_path(db, &err)) == NULL)
        fprintf(stderr, "%sverwijs: %s\n", tty ? "\n" : "", err.message);
    else if (tty)
        fprintf(stderr, "\r\033[Kloaded %u providers in %.1f s\n",
                vw_snapshot_provider_count(snap), vw_now_s() - t0);
    return snap;
}
