/* admin.c -- the actions behind the admin ops: `reload` (the same
 * snapshot reload as SIGHUP) and `import` (the same store import as
 * `verwijs import`, whole or nothing, then a reload), and loading the admin
 * token. Runs on the admin worker thread only, so query workers keep
 * answering from the old snapshot while a new one is built.
 *
 * Import files: only regular files (never a FIFO or device: those would hang
 * the admin worker), of at most admin_import_max_bytes, inside
 * admin_import_dir; with no admin_import_dir admin imports are refused. A
 * file is opened once (open_file) and read through that descriptor, so
 * swapping a name for a symlink between a check and the read cannot lead
 * outside the directory. A SIGTERM during an import rolls it back. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* An import file opened by open_file: its descriptor, the /proc/self/fd
 * path the store reads it through, and the name the client gave. */
typedef struct import_file {
    int fd;
    char proc[64];
    const char *name;      /* as the request gave it (for messages) */
    char joined[PATH_MAX]; /* a relative name joined to admin_import_dir */
} import_file;

typedef struct diag_ctx {
    vw_ops_import_result *res;
    const import_file *files[2];
} diag_ctx;

/* The client's name for `file` (a /proc/self/fd path of ours). */
static const char *display_name(const diag_ctx *d, const char *file)
{
    for (int i = 0; i < 2; i++)
        if (d->files[i] && strcmp(file, d->files[i]->proc) == 0)
            return d->files[i]->name;
    return file;
}

/* Keeps the first rejected rows (bounded) for the answer. */
static void on_diag(void *arg, const char *file, long line, vw_diag_level level,
                    const char *reason)
{
    diag_ctx *d = arg;
    vw_ops_import_result *res = d->res;
    if (level != VW_DIAG_ERROR || res->n_errors >= VW_ADMIN_MAX_ROW_ERRORS)
        return;
    file = display_name(d, file);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    if (line > 0)
        snprintf(res->errors[res->n_errors++], sizeof res->errors[0], "%s:%ld: %s", base, line,
                 reason);
    else
        snprintf(res->errors[res->n_errors++], sizeof res->errors[0], "%s: %s", base, reason);
}

/* err->message with our /proc/self/fd paths put back to the client's names. */
static void name_paths(const diag_ctx *d, vw_err *err)
{
    for (int i = 0; i < 2; i++) {
        const import_file *f = d->files[i];
        char *at = f ? strstr(err->message, f->proc) : NULL;
        if (at == NULL)
            continue;
        char msg[sizeof err->message];
        snprintf(msg, sizeof msg, "%.*s%.300s%s", (int)(at - err->message), err->message,
                 f->name, at + strlen(f->proc));
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
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

/* Is `path` inside directory `dir` by its name alone: dir, a '/', then a
 * non-empty rest without a ".." component? */
static bool named_inside(const char *path, const char *dir)
{
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (strncmp(path, dir, dl) != 0 || (path[dl] != '/' && !(dl == 1 && dir[0] == '/')))
        return false;
    const char *rest = path + dl + (dir[dl - 1] == '/' ? 0 : 1);
    if (*rest == '\0')
        return false;
    for (const char *p = rest; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += n;
        while (*p == '/')
            p++;
    }
    return true;
}

/* Opens `path` once, into f: it must lie inside admin_import_dir by name
 * (checked before anything is opened, so an answer never tells whether a
 * path outside exists), its last component must not be a symlink
 * (O_NOFOLLOW), and the path of the open descriptor (/proc/self/fd) must be
 * inside the directory's real path too (a symlinked directory on the way).
 * Then: a regular file, not above admin_import_max_bytes. */
static int open_file(const vw_admin_env *env, const char *path, const vw_import_opts *o,
                     import_file *f, vw_err *err)
{
    const char *dir = env->cfg->admin_import_dir;
    char rdir[PATH_MAX], real[PATH_MAX];
    struct stat sb;
    f->fd = -1;
    f->name = path;
    if (dir[0] == '\0')
        return vw_err_set(err, VW_E_FORBIDDEN, "admin imports are off: set admin_import_dir in "
                          "the daemon's config (the directory import files are read from)");
    if (realpath(dir, rdir) == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "admin_import_dir %.300s: %s", dir, strerror(errno));
    /* A relative name means a file in admin_import_dir; messages say so. */
    char rel_note[PATH_MAX + 48] = "";
    if (path[0] != '/') {
        if ((size_t)snprintf(f->joined, sizeof f->joined, "%s/%s", rdir, path) >= sizeof f->joined)
            return vw_err_set(err, VW_E_BAD_REQUEST, "%.300s: path too long", path);
        snprintf(rel_note, sizeof rel_note, " (relative to admin_import_dir %.300s)", rdir);
        path = f->joined;
    }
    if (!named_inside(path, dir) && !named_inside(path, rdir))
        return vw_err_set(err, VW_E_FORBIDDEN, "%.300s%s is outside admin_import_dir (%.300s); "
                          "admin imports read only files there", f->name, rel_note, dir);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ELOOP)
        return vw_err_set(err, VW_E_BAD_REQUEST, "%.300s%s is a symbolic link: admin imports "
                          "read only regular files inside admin_import_dir, never a link "
                          "(it could lead outside admin_import_dir)", f->name, rel_note);
    if (fd < 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "cannot open %.300s%s: %s", f->name, rel_note,
                          strerror(errno));
    snprintf(f->proc, sizeof f->proc, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(f->proc, real, sizeof real - 1);
    real[n > 0 ? n : 0] = '\0';
    if (n <= 0 || (size_t)n >= sizeof real - 1 || !named_inside(real, rdir)) {
        close(fd);
        return vw_err_set(err, VW_E_FORBIDDEN, "%.300s%s is outside admin_import_dir (%.300s); "
                          "admin imports read only files there", f->name, rel_note, dir);
    }
    const char *why = NULL;
    if (fstat(fd, &sb) != 0)
        why = "cannot be read";
    else if (S_ISDIR(sb.st_mode))
        why = "is a directory, not a file";
    else if (!S_ISREG(sb.st_mode))
        why = "is not a regular file (a FIFO, device or socket is never imported here)";
    else if (o->max_bytes > 0 && (long long)sb.st_size > o->max_bytes)
        why = "is larger than admin_import_max_bytes";
    if (why) {
        close(fd);
        return vw_err_set(err, VW_E_BAD_REQUEST, "%.300s%s %s", f->name, rel_note, why);
    }
    f->fd = fd;
    return 0;
}

static void close_file(import_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

static int admin_import(void *ud, const char *kind_s, const char *path, const char *mapping,
                        vw_ops_import_result *res, vw_ops_snap_summary *after, vw_err *err)
{
    vw_admin_env *env = ud;
    vw_import_kind kind = VW_IMPORT_PROVIDERS;
    bool regions = strcmp(kind_s, "regions") == 0;
    vw_store *st = NULL;
    vw_import_result r = {0};
    import_file file = {.fd = -1}, map = {.fd = -1};
    diag_ctx diag = {.res = res, .files = {&file, regions ? &map : NULL}};
    int rc = -1;
    char kbuf[32];
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
    vw_import_opts o = {.on_diag = on_diag, .ctx = &diag, .regular_only = true,
                        .max_bytes = (long long)env->cfg->admin_import_max_bytes,
                        .stop = env->stopping, .replace_all = res->replace_all,
                        .delimiter = res->delimiter,
                        .encoding = res->latin1 ? VW_ENC_CP1252 : VW_ENC_UTF8,
                        .max_removed_share = share > 0 ? share : 1e-12, .mode = mode,
                        .credential = "admin:import"};
    if (open_file(env, path, &o, &file, err) != 0 ||
        (regions && open_file(env, mapping, &o, &map, err) != 0)) {
        vw_log(VW_LOG_WARN, "admin: import %s refused: %s", kname, err->code);
        goto out;
    }
    vw_log(VW_LOG_INFO, "admin: import %s", kname);
    if (vw_store_open(env->cfg->db, VW_STORE_READWRITE, &st, err) != 0) {
        vw_err_set(err, VW_E_UNAVAILABLE, "cannot open the database: %.300s",
                   err->message); /* the store out of reach, not a bug */
        goto out;
    }
    rc = regions ? vw_store_import_regions(st, file.proc, map.proc, &o, &r, err)
                 : vw_store_import(st, kind, file.proc, &o, &r, err);
    vw_store_close(st);
    if (rc != 0)
        name_paths(&diag, err);
    if (rc != 0 && strcmp(err->code, VW_E_UNAVAILABLE) == 0 && env->stopping &&
        atomic_load(env->stopping)) {
        vw_log(VW_LOG_WARN, "admin: import %s interrupted (verwijsd is stopping); nothing "
               "changed", kname);
        goto out;
    }
    if (env->stopping && atomic_load(env->stopping)) {
        vw_err_set(err, VW_E_UNAVAILABLE, "verwijsd is stopping; the import %s, the "
                   "snapshot was not reloaded", rc == 0 ? "committed" : "failed");
        rc = -1;
        goto out;
    }
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
        import_failed(res, err);
        goto out;
    }
    vw_log(VW_LOG_INFO, "admin: imported %ld %s rows", r.rows_ok, kname);
    if (vw_snapholder_reload(env->snaps, env->cfg->db, err) != 0) {
        vw_err_set(err, VW_E_INVALID, "imported, but the new snapshot failed validation "
                   "(the old one keeps serving): %.300s", err->message);
        rc = -1;
        goto out;
    }
    vw_snapholder_summary(env->snaps, after);
out:
    close_file(&file);
    close_file(&map);
    return rc;
}

void vw_admin_setup(vw_ops_admin *a, vw_admin_env *env)
{
    memset(a, 0, sizeof *a);
    a->reload = admin_reload;
    a->import = admin_import;
    vw_admin_changes_setup(a);
    a->ud = env;
}
