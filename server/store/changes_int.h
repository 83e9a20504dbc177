/* changes_int.h -- internals of the change log (not a public API): the four
 * record tables as the log sees them, a growable text buffer, rendering a
 * row as the log's JSON, and the writer of one change set. */
#ifndef VW_STORE_CHANGES_INT_H
#define VW_STORE_CHANGES_INT_H

#include "changes.h"
#include "store_priv.h"

/* A column of a record table: its name in the database and in the JSON
 * (the import file's name), and its type. */
typedef struct chg_col {
    const char *db, *json;
    char type; /* 't' text, 'r' real, 'i' integer, 'b' boolean (0/1) */
} chg_col;

typedef struct chg_table {
    const char *kind, *table;
    int nkey;          /* the first nkey columns are the key */
    int ncols;
    const chg_col *cols;
} chg_table;
extern const chg_table chg_tables[VW_CHG_KIND_COUNT];

typedef struct chg_buf {
    char *p;  /* owned, NUL-terminated */
    size_t n, cap;
    bool oom;
} chg_buf;
void chg_buf_reset(chg_buf *b);
void chg_buf_free(chg_buf *b);
void chg_buf_add(chg_buf *b, const char *s, size_t n);
#define chg_buf_lit(b, s) chg_buf_add(b, s, sizeof(s) - 1)
void chg_buf_addf(chg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The shortest decimal text that reads back as d (NUL-terminated). */
void chg_fmt_double(double d, char out[32]);
/* Columns first .. first + t->ncols of q as a JSON object (appended to b). */
void chg_json_row(const chg_table *t, sqlite3_stmt *q, int first, chg_buf *b);
/* The record text of the key columns first .. of q (appended to b). */
void chg_record_row(const chg_table *t, sqlite3_stmt *q, int first, chg_buf *b);
/* "c1, c2, ..." with an optional alias prefix ("o." ...) of all / the key columns. */
void chg_col_list(const chg_table *t, const char *alias, bool key_only, chg_buf *b);
/* "a.k1 = b.k1 AND ..." over the key columns. */
void chg_key_match(const chg_table *t, const char *a, const char *b, chg_buf *out);
/* The SQL expression of change_log.record for the row aliased `a`. */
void chg_record_sql(const chg_table *t, const char *a, chg_buf *out);

/* One change set being written (inside the caller's transaction). */
typedef struct chg_writer {
    sqlite3 *db;
    sqlite3_stmt *ins;
    int64_t set_id, first_seq, last_seq;
    long n;
    char at[24];
    const char *cred;
} chg_writer;
void chg_now(char out[24]); /* UTC YYYY-MM-DDTHH:MM:SSZ */
int chg_set_begin(chg_writer *w, sqlite3 *db, const char *cred, const char *source,
                  int64_t import_id, vw_err *err);
/* at: NULL = the set's time. */
int chg_log(chg_writer *w, vw_chg_kind kind, vw_chg_op op, const char *record, int64_t version,
            const char *at, const char *old_json, const char *new_json, vw_err *err);
/* Writes the set's change count; finalizes. 0 / -1. */
int chg_set_end(chg_writer *w, vw_err *err);
void chg_writer_free(chg_writer *w);
/* The version the next create of a record gets: 1 + the last one logged. */
int chg_next_version(sqlite3 *db, vw_chg_kind kind, const char *record, int64_t *out,
                     vw_err *err);

#endif
