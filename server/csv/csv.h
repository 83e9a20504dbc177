/* csv.h -- a streaming, bounded RFC 4180 CSV reader.
 *
 * Reads records from a FILE* (or a memory buffer) one at a time. Accepts a
 * UTF-8 BOM at the start, CRLF or LF line ends, quoted fields with "" escapes
 * and embedded commas/newlines. Rejects, with a reason: invalid UTF-8, NUL
 * bytes, a '"' inside an unquoted field, text after a closing quote, a CR not
 * followed by LF outside quotes, and fields/rows/field counts above the
 * limits. Completely empty lines are skipped (none of our formats has a
 * single-column record that could be empty).
 *
 * A bad record is consumed up to its end, so the caller may report it and
 * carry on with the next one (VW_CSV_BAD). Errors after which the rest of the
 * input cannot be trusted (an unterminated quote, a read error) are
 * VW_CSV_FATAL and stick.
 *
 * Buffers are reused: after warm-up, reading a record allocates nothing. */
#ifndef VW_CSV_H
#define VW_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "proto/vw_err.h"

#define VW_CSV_MAX_FIELD_DEFAULT (64u * 1024u)
#define VW_CSV_MAX_FIELDS_DEFAULT 256u
#define VW_CSV_MAX_ROW_DEFAULT (1024u * 1024u)

typedef struct vw_csv_limits {
    size_t max_field;  /* bytes in one field (after unquoting) */
    size_t max_fields; /* fields in one record */
    size_t max_row;    /* bytes of field data in one record */
} vw_csv_limits;

enum {
    VW_CSV_ROW = 1,    /* a record was read */
    VW_CSV_EOF = 0,    /* no more records */
    VW_CSV_BAD = -1,   /* this record is invalid (skipped); reading may go on */
    VW_CSV_FATAL = -2  /* the input cannot be read further */
};

typedef struct vw_csv vw_csv;

/* Reads from `f` (borrowed: the caller closes it after vw_csv_free). `name`
 * is copied and used only by vw_csv_name(). NULL when out of memory. */
vw_csv *vw_csv_new(FILE *f, const char *name);
/* Reads from `len` bytes at `data` (borrowed; must outlive the reader). */
vw_csv *vw_csv_new_mem(const char *data, size_t len, const char *name);
void vw_csv_free(vw_csv *r); /* NULL ok */

/* Replace the default limits (call before the first vw_csv_next). Zero
 * members keep their default. */
void vw_csv_set_limits(vw_csv *r, const vw_csv_limits *lim);

/* The field separator: ',' (default, RFC 4180), ';' (spreadsheets saved
 * with Dutch regional settings) or '\t'. Call before the first vw_csv_next.
 * 0, or -1 for any other character. */
int vw_csv_set_delimiter(vw_csv *r, char delim);

/* Reads the next record. On VW_CSV_ROW: *fields[i] is field i, NUL-terminated,
 * *lens[i] its length, *n the number of fields (>= 1). The arrays and the
 * bytes belong to the reader and stay valid until the next call; the caller
 * may modify the bytes in place (trim, split) within each field's length.
 * *line is the 1-based physical line the record starts on (newlines inside
 * quotes count), also set on VW_CSV_BAD / VW_CSV_FATAL, where err holds the
 * reason (code "invalid", or "io" for a read error; no file or line in the
 * message). */
int vw_csv_next(vw_csv *r, char ***fields, size_t **lens, size_t *n, long *line, vw_err *err);

/* Bytes consumed from the input so far (for progress reports). */
long long vw_csv_offset(const vw_csv *r);
const char *vw_csv_name(const vw_csv *r);

/* Is [s, s+len) valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF, no NUL)? */
int vw_utf8_valid(const char *s, size_t len);

#endif
