/* daemon.h -- verwijsd's server object: listeners, worker threads, the
 * current snapshot and its reload. Implemented in server.c (lifecycle,
 * signals), listener.c, worker.c and conn.c (their internals in
 * server_int.h), snap.c (snapshot holder), admin.c and tls.c. */
#ifndef VW_DAEMON_H
#define VW_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "config.h"
#include "server/ops/ops.h"
#include "server/engine/problems.h"
#include "server/engine/snapshot.h"

typedef struct vw_server vw_server;

/* Loads the first snapshot (fatal on failure), binds the listeners and starts
 * the workers. Takes ownership of nothing; `cfg` must outlive the server. */
vw_server *vw_server_new(const vw_config *cfg, vw_err *err);
/* Runs the main loop until SIGTERM/SIGINT, then drains; returns 0. */
int vw_server_run(vw_server *srv);
void vw_server_free(vw_server *srv);

/* Writes the port bound to listening socket `fd` (0 when fd < 0) to `path`
 * (atomically; nothing when path is "") and logs it as "WHAT on port N". */
int vw_write_port_file(const char *path, int fd, const char *what, vw_err *err);

/* ---- snapshot holder (snap.c) ---- */
typedef struct vw_snapholder vw_snapholder;

/* Loads the first snapshot. With allow_empty, a failed load is logged and the
 * holder starts empty (ops answer `unavailable`, /readyz 503) until a reload
 * succeeds; otherwise it is an error (NULL). */
/* image: the snapshot image file ("" = none): a load starts from it when it
 * holds the database's state, and a full load writes it again (on its own
 * thread, after the load; server/store/image.h). */
vw_snapholder *vw_snapholder_new(const char *db, const char *image, bool allow_empty,
                                 vw_err *err);
void vw_snapholder_free(vw_snapholder *h);
/* A reference to the current snapshot (NULL when none) and a copy of its
 * info; give it back with vw_snapholder_release (NULL is fine). */
vw_snapshot *vw_snapholder_acquire(vw_snapholder *h, vw_ops_server_info *info);
void vw_snapholder_release(vw_snapshot *s);
/* Makes `fresh` (owned) current; the old one is freed when its last holder
 * releases it. Returns the new generation. */
/* image: the snapshot image's outcome of the load that made `fresh` (a
 * static string; NULL for a patch: the last full load's stays). */
unsigned long long vw_snapholder_swap(vw_snapholder *h, vw_snapshot *fresh, double load_ms,
                                      const char *image);
/* Build a new snapshot from `db` and swap it in. On failure the old one keeps
 * serving and the reason is kept for `stats`. One reload at a time. */
int vw_snapholder_reload(vw_snapholder *h, const char *db, vw_err *err);
/* Brings the snapshot up to the database when its files changed since the
 * last load (force: check anyway): the changed records patched in without
 * a full load (vw_store_load_changes; queries see the old snapshot or the
 * new one, never a mix) when the file is the same one and its change log
 * names them, else a full reload. 0 nothing changed, 1 patched, 2
 * reloaded, -1 failed (the old snapshot keeps serving; err). */
int vw_snapholder_refresh(vw_snapholder *h, const char *db, bool force, vw_err *err);
/* The SIGHUP reload thread: begin is false when one already runs; the thread
 * calls end when it is done. */
bool vw_snapholder_reload_begin(vw_snapholder *h);
void vw_snapholder_reload_end(vw_snapholder *h);
/* The info of acquire has the last reload error without paths (what the
 * query port may show); this puts the full text back, for the admin path. */
void vw_snapholder_admin_info(vw_snapholder *h, vw_ops_server_info *info);
/* Generation, load time and counts of the current snapshot. */
void vw_snapholder_summary(vw_snapholder *h, vw_ops_snap_summary *out);

/* ---- admin path (admin.c) ---- */
typedef struct vw_admin_env {
    vw_snapholder *snaps;
    const vw_config *cfg;
    const atomic_bool *stopping; /* set on SIGTERM/SIGINT: a running import rolls back */
} vw_admin_env;
/* Fills the callbacks of the admin ops (`reload`, `import`); `env` must
 * outlive `a`. The token is set per listener by the caller. */
void vw_admin_setup(vw_ops_admin *a, vw_admin_env *env);
/* The callbacks of `apply`, `changes` and `history` (admin_changes.c). */
void vw_admin_changes_setup(vw_ops_admin *a);

/* ---- TLS (tls.c) ---- */
typedef struct ssl_ctx_st SSL_CTX;
/* The server context of tls_listen (TLS >= 1.2; client certificates required
 * and verified against tls_client_ca when set). NULL with err. */
SSL_CTX *vw_tls_server_ctx(const vw_config *cfg, vw_err *err);
/* A short, data-free reason for an OpenSSL error code (0: peer went away or
 * spoke no TLS). */
void vw_tls_reason(unsigned long e, char *buf, size_t cap);

#endif
