/* load_pipe.h -- the full load's provider rows read on a second thread
 * (issue 18): SQLite's own work (stepping, decoding records, reading pages)
 * is about half of a million-provider load, and the loader's checks and
 * the snapshot builder the other half, so the reader thread steps the
 * providers and memberships statements and copies every value into
 * batches while the loader checks and builds the rows of the previous
 * batch. The values are exactly what the sqlite3_column_* calls the loader
 * makes would return (per column: text columns text + bytes, and the type
 * only when the text is NULL; number columns type, then the value), so
 * every row is checked as before. Memberships are merged with providers as
 * the loader merges them: a provider's rows carry the membership rows the
 * loader would consume for it (provider_id <= its id, or a bad row, where
 * the loader stops). Owns: its thread, the batches; borrows the two
 * statements (nothing else may use their connection until stopped). */
#ifndef VW_LOAD_PIPE_H
#define VW_LOAD_PIPE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One value as the loader reads it. */
typedef struct vw_lcol {
    const char *s; /* text columns: sqlite3_column_text (copied), NULL for NULL */
    int64_t i;     /* number columns, SQLITE_INTEGER: sqlite3_column_int64 */
    double d;      /* number columns, SQLITE_FLOAT: sqlite3_column_double */
    size_t off;    /* (while filling: s's offset in the batch buffer) */
    int bytes;     /* text columns: sqlite3_column_bytes */
    int type;      /* sqlite3_column_type (text columns: SQLITE_TEXT when s is set) */
} vw_lcol;

/* A provider row and the membership rows the merge join consumes for it;
 * valid until the next vw_lpipe_next. */
typedef struct vw_lrow {
    const vw_lcol *c;  /* the provider statement's columns */
    const vw_lcol *m;  /* n_m membership rows of 2 columns each */
    uint32_t n_m;
    int mrc;           /* after them: SQLITE_DONE, or the membership step's error */
} vw_lrow;

typedef struct vw_lpipe vw_lpipe;

/* Starts reading q (ncols columns; numeric[i]: column i is read as a
 * number) and m (provider_id, network_id), both freshly reset. NULL when
 * no thread or memory: the caller then reads the statements itself. */
vw_lpipe *vw_lpipe_start(sqlite3_stmt *q, sqlite3_stmt *m, int ncols, const bool *numeric);
/* The next provider row: 1; 0 at the end (*rc: the providers statement's
 * last step, SQLITE_DONE or its error; SQLITE_NOMEM when the reader ran out
 * of memory). */
int vw_lpipe_next(vw_lpipe *p, vw_lrow *row, int *rc);
/* Stops the reader (early or at the end), waits for it, frees. NULL ok. */
void vw_lpipe_stop(vw_lpipe *p);

#endif
