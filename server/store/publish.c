/* publish.c -- vw_store_publish: a read-only snapshot file of a working
 * database for the replicas (docs/DEPLOY.md "Keeping replicas current"):
 * VACUUM INTO a new name in the publish directory, fsync, then an atomic
 * switch of the `current.db` symlink, and the oldest files beyond `keep`
 * removed. Nothing the replicas may be reading is ever written to: each
 * snapshot is a new file, and the symlink is replaced with rename(2). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_priv.h"

#define PUB_PREFIX "snapshot-"
#define PUB_SUFFIX ".db"

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes the oldest published files (names sort by sequence) beyond keep. */
static void prune(const char *dir, int keep)
{
    DIR *d = opendir(dir);
    char *names[4096];
    size_t n = 0;
    if (!d)
        return;
    struct dirent *e;
    size_t pl = strlen(PUB_PREFIX), sl = strlen(PUB_SUFFIX);
    while ((e = readdir(d)) != NULL && n < sizeof names / sizeof *names) {
        size_t l = strlen(e->d_name);
        if (l > pl + sl && strncmp(e->d_name, PUB_PREFIX, pl) == 0 &&
            strcmp(e->d_name + l - sl, PUB_SUFFIX) == 0 && (names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i + (size_t)keep < n) {
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", dir, names[i]);
            unlink(p);
        }
        free(names[i]);
    }
}

int vw_store_publish(const char *db, const char *dir, int keep, char *out, size_t cap,
                     vw_err *err)
{
    vw_store *st = NULL;
    int64_t seq = 0;
    char name[256], tmp[4200], fin[4200], link_tmp[4200], link_fin[4200];
    if (keep < 1)
        keep = 1;
    if (vw_store_open(db, VW_STORE_READONLY, &st, err) != 0)
        return -1;
    sqlite3_stmt *q = NULL; /* the name: change-log position and time, so names sort */
    if (sqlite3_prepare_v2(st->db, "SELECT max(seq) FROM change_log", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        seq = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(name, sizeof name, PUB_PREFIX "%012lld-%lld%09ld" PUB_SUFFIX, (long long)seq,
             (long long)ts.tv_sec, ts.tv_nsec);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(fin, sizeof fin, "%s/%s", dir, name);
    snprintf(link_tmp, sizeof link_tmp, "%s/.current.db.tmp", dir);
    snprintf(link_fin, sizeof link_fin, "%s/current.db", dir);
    unlink(tmp);
    char *sql = sqlite3_mprintf("VACUUM INTO %Q", tmp);
    int rc = sql ? vw_store_exec(st, sql, err) : vw_err_set(err, VW_E_INTERNAL, "out of memory");
    sqlite3_free(sql);
    vw_store_close(st);
    if (rc != 0) {
        unlink(tmp);
        return -1;
    }
    chmod(tmp, 0444);
    if (vw_store_fsync_path(tmp, O_RDONLY) != 0 || rename(tmp, fin) != 0) {
        vw_err_set(err, VW_E_IO, "publishing %s: %s", fin, strerror(errno));
        unlink(tmp);
        return -1;
    }
    unlink(link_tmp);
    if (symlink(name, link_tmp) != 0 || rename(link_tmp, link_fin) != 0) {
        vw_err_set(err, VW_E_IO, "switching %s: %s", link_fin, strerror(errno));
        unlink(link_tmp);
        return -1;
    }
    vw_store_fsync_path(dir, O_RDONLY | O_DIRECTORY);
    prune(dir, keep);
    snprintf(out, cap, "%s", name);
    return 0;
}
