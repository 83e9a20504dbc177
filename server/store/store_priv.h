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
/* Runs SQL without results; -1 with err set on failure. */
int vw_store_exec(vw_store *st, const char *sql, vw_err *err);

/* Adds the stored travel-time matrices to a builder whose PC4 table is
 * complete (load_traveltimes.c). 0, or -1 with err set. */
int vw_load_traveltimes(vw_store *st, vw_snapbuild *b, vw_err *err);

/* The 7 IZA regions (codes and order: geodata/regions.h). */
#include "geodata/regions.h"

#endif
