/* daemon_admin.c -- the actions behind the admin ops: `reload` (the same
 * snapshot reload as SIGHUP) and `import` (the same store import as
 * `verwijs import`, whole or nothing, then a reload), and loading the admin
 * token. Runs on the admin worker thread only, so query workers keep
 * answering from the old snapshot while a new one is built. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "daemon_log.h"
#include "store.h"

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
    const char *code = strcmp(err->code, VW_E_INVALID) == 0 || res->rows_rejected > 0
                           ? VW_E_INVALID
                           : strcmp(err->code, VW_E_IO) == 0 ? VW_E_BAD_REQUEST : VW_E_INTERNAL;
    return vw_err_set(err, code, "%s", msg);
}

static int admin_import(void *ud, const char *kind_s, const char *path,
                        vw_ops_import_result *res, vw_ops_snap_summary *after, vw_err *err)
{
    vw_admin_env *env = ud;
    vw_import_kind kind;
    vw_store *st = NULL;
    vw_import_result r = {0};
    if (vw_import_kind_parse(kind_s, &kind) != 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "unknown import kind '%.32s' (pc4, places, "
                          "networks, providers, registrations)", kind_s);
    vw_log(VW_LOG_INFO, "admin: import %s", vw_import_kind_name(kind));
    if (vw_store_open(env->cfg->db, VW_STORE_READWRITE, &st, err) != 0)
        return vw_err_set(err, VW_E_INTERNAL, "cannot open the database: %.300s", err->message);
    vw_import_opts o = {.on_diag = on_diag, .ctx = res};
    int rc = vw_store_import(st, kind, path, &o, &r, err);
    vw_store_close(st);
    res->rows_read = r.rows_read;
    res->rows_ok = r.rows_ok;
    res->rows_rejected = r.rows_rejected;
    res->warnings = r.warnings;
    res->rows_geocoded = r.rows_geocoded;
    if (rc != 0) {
        vw_log(VW_LOG_WARN, "admin: import %s rejected (%ld of %ld rows invalid); nothing changed",
               vw_import_kind_name(kind), r.rows_rejected, r.rows_read);
        return import_failed(res, err);
    }
    vw_log(VW_LOG_INFO, "admin: imported %ld %s rows", r.rows_ok, vw_import_kind_name(kind));
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
