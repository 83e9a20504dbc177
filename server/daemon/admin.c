/* admin.c -- the actions behind the admin ops: `reload` (the same
 * snapshot reload as SIGHUP) and `import` (the same store import as
 * `verwijs import`, whole or nothing, then a reload), and loading the admin
 * token. Runs on the admin worker thread only, so query workers keep
 * answering from the old snapshot while a new one is built.
 *
 * Import files: only regular files (never a FIFO or device: those would hang
 * the admin worker), of at most admin_import_max_bytes, whose real path
 * (symlinks resolved) lies inside admin_import_dir; with no admin_import_dir
 * admin imports are refused. A SIGTERM during an import rolls it back. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "server/store/store.h"

static int admin_reload(void *ud, vw_ops_snap_summary *after, vw_err *err)
{
    vw_admin_env *env = ud;
    vw_log(VW_LOG_INFO, "admin: reload requested");
    if (vw_snapholder_reload(env->snaps, env->cfg->db, err) != 0) {
        char msg[sizeof err->message];
        snprintf(msg, sizeof msg, "reload failed, the old snapshot keeps serving: %.400s",
                 err->message);
        return vw_err_set(err, VW_E_INVALID, "%s", msg);
    }
    vw_snapholder_summary(env->snaps, after);
    return 0;
}

/* Keeps the first rejected rows (bounded) for the answer. */
static void on_diag(void *arg, const char *file, long line, vw_diag_level level,
                    const char *reason)
{
    vw_ops_import_result *res = arg;
    if (level != VW_DIAG_ERROR || res->n_errors >= VW_ADMIN_MAX_ROW_ERRORS)
        return;
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    if (line > 0)
        snprintf(res->errors[res->n_errors++], sizeof res->errors[0], "%s:%ld: %s", base, line,
                 reason);
    else
        snprintf(res->errors[res->n_errors++], sizeof res->errors[0], "%s: %s", base, reason);
}

/* err->message = what + the first rejected rows, cut to fit. */
static int import_failed(const vw_ops_import_result *res, vw_err *err)
{
    char msg[sizeof err->message];
    size_t used;
    if (res->rows_rejected > 0)
        used = (size_t)snprintf(msg, sizeof msg, "rejected: %ld of %ld rows invalid; nothing "
                                "changed", res->rows_rejected, res->rows_read);
    else
        used = (size_t)snprintf(msg, sizeof msg, "%s; nothing changed", err->message);
    for (int i = 0; i < res->n_errors && used < sizeof msg; i++)
        used += (size_t)snprintf(msg + used, sizeof msg - used, "\n%s", res->errors[i]);
    if (res->rows_rejected > res->n_errors && used < sizeof msg)
        snprintf(msg + used, sizeof msg - used, "\n(%ld more)",
                 res->rows_rejected - res->n_errors);
    vw_code code = res->rows_rejected > 0 ? VW_C_INVALID : vw_code_for_wire(err->code);
    return vw_err_set(err, vw_code_get(code)->name, "%s", msg);
}

/* `path` resolved into `real` (PATH_MAX) and checked: inside
 * admin_import_dir, a regular file, not above admin_import_max_bytes. The
 * file is only opened once its real path is known to be inside the
 * directory, so nothing outside it is ever read (or quoted in an error). */
static int check_file(const vw_admin_env *env, const char *path, const vw_import_opts *o,
                      char *real, vw_err *err)
{
    const char *dir = env->cfg->admin_import_dir;
    char rdir[PATH_MAX];
    if (dir[0] == '\0')
        return vw_err_set(err, VW_E_FORBIDDEN, "admin imports are off: set admin_import_dir in "
                          "the daemon's config (the directory import files are read from)");
    if (realpath(dir, rdir) == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "admin_import_dir %.300s: %s", dir, strerror(errno));
    if (realpath(path, real) == NULL)
        return vw_err_set(err, VW_E_BAD_REQUEST, "cannot open %.300s: %s", path, strerror(errno));
    size_t dl = strlen(rdir);
    if (strncmp(real, rdir, dl) != 0 || (real[dl] != '/' && !(dl == 1 && rdir[0] == '/')))
        return vw_err_set(err, VW_E_FORBIDDEN, "%.300s is outside admin_import_dir (%.300s); "
                          "admin imports read only files there", path, dir);
    long long size;
    FILE *f = vw_import_open(real, o, &size, err);
    if (f == NULL)
        return vw_err_set(err, VW_E_BAD_REQUEST, "%s", err->message);
    fclose(f);
    return 0;
}

static int admin_import(void *ud, const char *kind_s, const char *path, const char *mapping,
                        vw_ops_import_result *res, vw_ops_snap_summary *after, vw_err *err)
{
    vw_admin_env *env = ud;
    vw_import_kind kind = VW_IMPORT_PROVIDERS;
    bool regions = strcmp(kind_s, "regions") == 0;
    vw_store *st = NULL;
    vw_import_result r = {0};
    char real[PATH_MAX], real_map[PATH_MAX], kbuf[32];
    const char *mode = NULL, *colon = strchr(kind_s, ':');
    if (colon != NULL && (size_t)(colon - kind_s) < sizeof kbuf) { /* traveltimes:MODE */
        memcpy(kbuf, kind_s, (size_t)(colon - kind_s));
        kbuf[colon - kind_s] = '\0';
        mode = colon + 1;
        kind_s = kbuf;
    }
    if (!regions && vw_import_kind_parse(kind_s, &kind) != 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "unknown import kind '%.32s' (pc4, places, "
                          "networks, providers, registrations, regions, traveltimes)", kind_s);
    if (regions != (mapping != NULL))
        return vw_err_set(err, VW_E_BAD_REQUEST, regions
                              ? "kind regions needs 'mapping' (the region mapping CSV) besides "
                                "'file' (the municipality boundaries GeoJSON)"
                              : "'mapping' is for kind regions only");
    const char *kname = regions ? "regions" : vw_import_kind_name(kind);
    double share = env->cfg->admin_import_max_removed / 100.0;
    vw_import_opts o = {.on_diag = on_diag, .ctx = res, .regular_only = true,
                        .max_bytes = (long long)env->cfg->admin_import_max_bytes,
                        .stop = env->stopping, .replace_all = res->replace_all,
                        .delimiter = res->delimiter,
                        .encoding = res->latin1 ? VW_ENC_CP1252 : VW_ENC_UTF8,
                        .max_removed_share = share > 0 ? share : 1e-12, .mode = mode};
    if (check_file(env, path, &o, real, err) != 0 ||
        (regions && check_file(env, mapping, &o, real_map, err) != 0)) {
        vw_log(VW_LOG_WARN, "admin: import %s refused: %s", kname, err->code);
        return -1;
    }
    vw_log(VW_LOG_INFO, "admin: import %s", kname);
    if (vw_store_open(env->cfg->db, VW_STORE_READWRITE, &st, err) != 0)
        return vw_err_set(err, VW_E_UNAVAILABLE, "cannot open the database: %.300s",
                          err->message); /* the store out of reach, not a bug */
    int rc = regions ? vw_store_import_regions(st, real, real_map, &o, &r, err)
                     : vw_store_import(st, kind, real, &o, &r, err);
    vw_store_close(st);
    if (rc != 0 && strcmp(err->code, VW_E_UNAVAILABLE) == 0 && env->stopping &&
        atomic_load(env->stopping)) {
        vw_log(VW_LOG_WARN, "admin: import %s interrupted (verwijsd is stopping); nothing "
               "changed", kname);
        return -1;
    }
    if (env->stopping && atomic_load(env->stopping))
        return vw_err_set(err, VW_E_UNAVAILABLE, "verwijsd is stopping; the import %s, the "
                          "snapshot was not reloaded", rc == 0 ? "committed" : "failed");
    res->rows_read = r.rows_read;
    res->rows_ok = r.rows_ok;
    res->rows_rejected = r.rows_rejected;
    res->warnings = r.warnings;
    res->rows_geocoded = r.rows_geocoded;
    res->diffed = r.diffed;
    res->rows_before = r.rows_before;
    res->removed = r.removed;
    res->added = r.added;
    res->changed = r.changed;
    if (rc != 0) {
        if (r.rows_rejected > 0 || strcmp(err->code, VW_E_UNAVAILABLE) != 0)
            vw_log(VW_LOG_WARN, "admin: import %s rejected (%ld of %ld rows invalid); nothing "
                   "changed", kname, r.rows_rejected, r.rows_read);
        else
            vw_log(VW_LOG_ERROR, "admin: import %s failed: %s", kname, err->message);
        return import_failed(res, err);
    }
    vw_log(VW_LOG_INFO, "admin: imported %ld %s rows", r.rows_ok, kname);
    if (vw_snapholder_reload(env->snaps, env->cfg->db, err) != 0)
        return vw_err_set(err, VW_E_INVALID, "imported, but the new snapshot failed validation "
                          "(the old one keeps serving): %.300s", err->message);
    vw_snapholder_summary(env->snaps, after);
    return 0;
}

void vw_admin_setup(vw_ops_admin *a, vw_admin_env *env)
{
    memset(a, 0, sizeof *a);
    a->reload = admin_reload;
    a->import = admin_import;
    a->ud = env;
}

int vw_admin_token_load(const vw_config *cfg, char *out, size_t cap, vw_err *err)
{
    if (cfg->admin_token[0] && cfg->admin_token_file[0])
        return vw_err_set(err, VW_E_BAD_REQUEST, "set admin_token or admin_token_file, not both");
    if (cfg->admin_token[0]) {
        snprintf(out, cap, "%s", cfg->admin_token);
    } else if (cfg->admin_token_file[0]) {
        FILE *f = fopen(cfg->admin_token_file, "r");
        if (f == NULL)
            return vw_err_set(err, VW_E_IO, "cannot read admin_token_file %s: %s",
                              cfg->admin_token_file, strerror(errno));
        if (fgets(out, (int)cap, f) == NULL)
            out[0] = '\0';
        fclose(f);
        out[strcspn(out, "\r\n")] = '\0';
    } else {
        out[0] = '\0';
    }
    if (strlen(out) < 16)
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "admin_listen needs admin_token or admin_token_file (at least 16 "
                          "characters)");
    return 0;
}
