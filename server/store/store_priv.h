/* store_priv.h -- internals shared by the store_*.c files (not a public API). */
#ifndef VW_STORE_PRIV_H
#define VW_STORE_PRIV_H

#include <sqlite3.h>

#include "store.h"

struct vw_store {
    sqlite3 *db;
    int readonly;
    int version; /* user_version after open/migration */
};

/* Sets err (code "db") to "<what>: <sqlite message>"; returns -1. */
int vw_store_db_error(vw_store *st, vw_err *err, const char *what);
/* The one mapping of a SQLite failure on `db` to an error: disk full and I/O
 * errors are `unavailable`, the rest `db`. "what: detail" (detail NULL: the
 * connection's message; what NULL: the detail alone). Returns -1. */
int vw_store_sqlite_error(sqlite3 *db, vw_err *err, const char *what, const char *detail);
/* Gives the data a new state token (meta 'state'; schema v7): every write
 * transaction that changes what vw_store_load reads calls it before its
 * COMMIT, so a snapshot image of the old state no longer matches. 0 or -1. */
int vw_store_stamp(vw_store *st, vw_err *err);
/* The triggers of schema v7 that mark a write by another tool (store.c). */
#define VW_STORE_STATE_TRIGGERS 36
int vw_store_stamp_db(sqlite3 *db, vw_err *err);
/* fsync of the file or directory at path (open flags: O_RDONLY, with
 * O_DIRECTORY for a directory); 0 or -1 (errno). */
int vw_store_fsync_path(const char *path, int flags);
/* Runs SQL without results; -1 with err set on failure. */
int vw_store_exec(vw_store *st, const char *sql, vw_err *err);

/* Adds the stored travel-time matrices to a builder whose PC4 table is
 * complete (load_traveltimes.c). 0, or -1 with err set. */
int vw_load_traveltimes(vw_store *st, vw_snapbuild *b, vw_err *err);

/* An image file open for reading (image.c): 1 with *out, its state and
 * body length; 0 when there is no file; -1 when it is not an image of this
 * format (err). vw_image_finish completes b with its body (consumes b). */
typedef struct vw_image_in vw_image_in;
struct vw_store_state;
int vw_image_open(const char *path, vw_image_in **out, struct vw_store_state *state,
                  uint64_t *body_len, vw_err *err);
vw_snapshot *vw_image_finish(vw_image_in *in, vw_snapbuild *b, uint64_t body_len, vw_err *err);
void vw_image_close(vw_image_in *in);

/* The 7 IZA regions (codes and order: geodata/regions.h). */
#include "geodata/regions.h"

#endif
