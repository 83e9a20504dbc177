/* http_admin.h -- the HTTP admin listener (admin_http_listen): the admin
 * ops `apply`, `changes` and `history` as JSON routes under /v1/admin/,
 * authenticated like the msgpack admin path (docs/HTTP.md "Admin routes").
 * One thread of its own (never a query HTTP thread); implemented in
 * http_admin.c. */
#ifndef VW_DAEMON_HTTP_ADMIN_H
#define VW_DAEMON_HTTP_ADMIN_H

#include "server_int.h"

typedef struct vw_http_admin vw_http_admin;

/* Binds cfg->admin_http_listen, writes admin_http_port_file, starts the
 * thread. Borrows srv (admin_tmpl, admin_token, snaps, stats). */
vw_http_admin *vw_http_admin_new(vw_server *srv, vw_err *err);
/* Stops the thread (answers in progress finish); idempotent. */
void vw_http_admin_stop(vw_http_admin *h);
void vw_http_admin_free(vw_http_admin *h); /* NULL ok */

#endif
