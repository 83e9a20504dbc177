/* csv.c -- the streaming, bounded RFC 4180 CSV reader of csv.h.
 *
 * A byte-level state machine over a 64 KiB input buffer. Runs of ordinary
 * bytes are copied in one go; one record's fields live in a single reusable
 * buffer, each followed by a NUL. Once a record is known to be bad, its
 * remaining bytes are scanned (to find where it ends) but not stored. */
#include "csv.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/utf8.h"

#define IN_BUF_SIZE (64u * 1024u)

enum { ST_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_SEEN };
enum { C_EOF = -1, C_IOERR = -2 };

struct vw_csv {
    FILE *f;                 /* borrowed; NULL for a memory reader */
    char *name;              /* owned copy */
    char *inbuf;             /* owned (file reader) */
    const char *buf;         /* current input window */
    size_t pos, end;
    long long consumed;      /* bytes before the current window */
    int eof, started;

    int fatal;
    long fatal_line;
    vw_err fatal_err;

    long line;               /* physical line of the next byte */
    vw_csv_limits lim;

    char *row;               /* field bytes + NULs, reused */
    size_t row_len, row_cap;
    size_t *offs, *lens;     /* per field, max_fields entries */
    char **ptrs;
    size_t nf, field_start;

    int bad;                 /* current record is invalid */
    vw_err bad_err;
    char delim;              /* field separator: ',' (RFC 4180) or ';' */
};

static vw_csv *csv_alloc(const char *name)
{
    vw_csv *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->name = strdup(name ? name : "");
    if (r->name == NULL) {
        free(r);
        return NULL;
    }
    r->line = 1;
    r->delim = ',';
    r->lim.max_field = VW_CSV_MAX_FIELD_DEFAULT;
    r->lim.max_fields = VW_CSV_MAX_FIELDS_DEFAULT;
    r->lim.max_row = VW_CSV_MAX_ROW_DEFAULT;
    return r;
}

vw_csv *vw_csv_new(FILE *f, const char *name)
{
    vw_csv *r = csv_alloc(name);
    if (r == NULL)
        return NULL;
    r->f = f;
    r->inbuf = malloc(IN_BUF_SIZE);
    if (r->inbuf == NULL) {
        vw_csv_free(r);
        return NULL;
    }
    r->buf = r->inbuf;
    return r;
}

vw_csv *vw_csv_new_mem(const char *data, size_t len, const char *name)
{
    vw_csv *r = csv_alloc(name);
    if (r == NULL)
        return NULL;
    r->buf = data;
    r->end = data ? len : 0;
    r->eof = 1;
    return r;
}

void vw_csv_free(vw_csv *r)
{
    if (r == NULL)
        return;
    free(r->name);
    free(r->inbuf);
    free(r->row);
    free(r->offs);
    free(r->lens);
    free(r->ptrs);
    free(r);
}

void vw_csv_set_limits(vw_csv *r, const vw_csv_limits *lim)
{
    if (lim->max_field)
        r->lim.max_field = lim->max_field;
    if (lim->max_fields)
        r->lim.max_fields = lim->max_fields;
    if (lim->max_row)
        r->lim.max_row = lim->max_row;
}

int vw_csv_set_delimiter(vw_csv *r, char delim)
{
    if (delim != ',' && delim != ';' && delim != '\t')
        return -1;
    r->delim = delim;
    return 0;
}

long long vw_csv_offset(const vw_csv *r) { return r->consumed + (long long)r->pos; }
const char *vw_csv_name(const vw_csv *r) { return r->name; }

int vw_utf8_valid(const char *s, size_t len) { return vw_utf8_bad(s, len) == len; }

/* Refill the input window; 1 = more bytes, 0 = end of input, -1 = read error. */
static int fill(vw_csv *r)
{
    if (r->f == NULL || r->eof)
        return 0;
    r->consumed += (long long)r->end;
    r->pos = r->end = 0;
    size_t n = fread(r->inbuf, 1, IN_BUF_SIZE, r->f);
    if (n == 0) {
        if (ferror(r->f))
            return -1;
        r->eof = 1;
        return 0;
    }
    r->end = n;
    return 1;
}

static inline int peekc(vw_csv *r)
{
    if (r->pos == r->end) {
        int k = fill(r);
        if (k <= 0)
            return k < 0 ? C_IOERR : C_EOF;
    }
    return (unsigned char)r->buf[r->pos];
}

static inline int getc_(vw_csv *r)
{
    int c = peekc(r);
    if (c >= 0)
        r->pos++;
    return c;
}

/* Only the first problem of a record is reported. */
static void __attribute__((format(printf, 2, 3))) mark_bad(vw_csv *r, const char *fmt, ...)
{
    if (!r->bad) {
        va_list ap;
        va_start(ap, fmt);
        r->bad = 1;
        vw_err_vset(&r->bad_err, VW_E_INVALID, fmt, ap);
        va_end(ap);
    }
}

static void __attribute__((format(printf, 4, 5)))
set_fatal(vw_csv *r, long line, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->fatal = 1;
    r->fatal_line = line;
    vw_err_vset(&r->fatal_err, code, fmt, ap);
    va_end(ap);
}

/* Make room for `n` more bytes plus a NUL in the row buffer. */
static int reserve(vw_csv *r, size_t n)
{
    size_t need = r->row_len + n + 1;
    if (need <= r->row_cap)
        return 0;
    size_t cap = r->row_cap ? r->row_cap : 4096;
    while (cap < need)
        cap *= 2;
    size_t max = r->lim.max_row + r->lim.max_fields + 1;
    if (cap > max)
        cap = max < need ? need : max;
    char *p = realloc(r->row, cap);
    if (p == NULL)
        return -1;
    r->row = p;
    r->row_cap = cap;
    return 0;
}

static void put(vw_csv *r, const char *p, size_t n)
{
    if (r->bad)
        return;
    if (r->row_len - r->field_start + n > r->lim.max_field) {
        mark_bad(r, "field longer than %zu bytes", r->lim.max_field);
        return;
    }
    if (r->row_len - r->nf + n > r->lim.max_row) { /* nf NULs are not data */
        mark_bad(r, "record longer than %zu bytes", r->lim.max_row);
        return;
    }
    if (reserve(r, n) != 0) {
        mark_bad(r, "out of memory reading a record of %zu bytes", r->row_len + n);
        return;
    }
    memcpy(r->row + r->row_len, p, n);
    r->row_len += n;
}

static void end_field(vw_csv *r)
{
    if (r->bad)
        return;
    if (r->nf == r->lim.max_fields) {
        mark_bad(r, "more than %zu fields", r->lim.max_fields);
        return;
    }
    if (reserve(r, 0) != 0) { /* also: the row buffer exists from here on */
        mark_bad(r, "out of memory reading a record of %zu bytes", r->row_len);
        return;
    }
    size_t len = r->row_len - r->field_start;
    if (!vw_utf8_valid(r->row + r->field_start, len)) {
        mark_bad(r, "invalid UTF-8 in field %zu", r->nf + 1);
        return;
    }
    r->row[r->row_len] = '\0';
    r->offs[r->nf] = r->field_start;
    r->lens[r->nf] = len;
    r->nf++;
    r->row_len++;
    r->field_start = r->row_len;
}

/* Copy the run of ordinary bytes that starts at the byte just read (which is
 * ordinary). In quotes, only '"', '\n' and NUL end a run. */
static void copy_run(vw_csv *r, int quoted)
{
    size_t s = r->pos - 1, e = r->pos;
    const unsigned char *b = (const unsigned char *)r->buf;
    if (quoted) {
        while (e < r->end && b[e] != '"' && b[e] != '\n' && b[e] != 0)
            e++;
    } else {
        while (e < r->end && b[e] != (unsigned char)r->delim && b[e] != '\n' && b[e] != '\r' &&
               b[e] != '"' && b[e] != 0)
            e++;
    }
    put(r, r->buf + s, e - s);
    r->pos = e;
}

/* After a CR outside quotes: CRLF ends the record (1), a lone CR is an error (0). */
static int cr(vw_csv *r)
{
    if (peekc(r) == '\n') {
        r->pos++;
        r->line++;
        return 1;
    }
    mark_bad(r, "carriage return without line feed");
    return 0;
}

/* What a character after a field's text does: the delimiter (',') ends the field; LF, CRLF
 * and the end of input end the record (the line counted); a CR without LF is
 * marked bad and ends nothing; anything else is not an end (END_NOT). The one
 * place that knows how a field and a record end, quoted or not. */
enum { END_NOT, END_FIELD, END_RECORD, END_LONE_CR };
static int field_end(vw_csv *r, int c)
{
    if (c == r->delim) {
        end_field(r);
        return END_FIELD;
    }
    switch (c) {
    case '\n': r->line++; end_field(r); return END_RECORD;
    case C_EOF: end_field(r); return END_RECORD;
    case '\r':
        if (!cr(r))
            return END_LONE_CR;
        end_field(r);
        return END_RECORD;
    default: return END_NOT;
    }
}

static int alloc_fields(vw_csv *r)
{
    size_t n = r->lim.max_fields;
    r->offs = malloc(n * sizeof *r->offs);
    r->lens = malloc(n * sizeof *r->lens);
    r->ptrs = malloc(n * sizeof *r->ptrs);
    return (r->offs && r->lens && r->ptrs) ? 0 : -1;
}

int vw_csv_next(vw_csv *r, char ***fields, size_t **lens, size_t *n, long *line, vw_err *err)
{
    if (!r->started) {
        r->started = 1;
        if (alloc_fields(r) != 0)
            set_fatal(r, 0, VW_E_INTERNAL, "out of memory");
        else if (peekc(r) == 0xEF && r->end - r->pos >= 3 &&
                 memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0)
            r->pos += 3;
    }
    if (r->fatal)
        goto fatal;

    r->bad = 0;
    /* skip empty lines */
    for (;;) {
        int c = peekc(r);
        if (c == C_IOERR) {
            set_fatal(r, r->line, VW_E_IO, "read error after line %ld", r->line);
            goto fatal;
        }
        if (c == C_EOF)
            return VW_CSV_EOF;
        if (c == '\n') {
            r->pos++;
            r->line++;
            continue;
        }
        if (c == '\r') {
            r->pos++;
            if (cr(r))
                continue;
        }
        break;
    }

    long rec_line = r->line, quote_line = 0;
    r->row_len = r->nf = r->field_start = 0;
    int st = ST_START, e;
    for (;;) {
        int c = getc_(r);
        if (c == C_IOERR) {
            set_fatal(r, rec_line, VW_E_IO, "read error in the record starting on line %ld",
                      rec_line);
            goto fatal;
        }
        switch (st) {
        case ST_START:
            if (c == '"') {
                st = ST_QUOTED;
                quote_line = r->line;
                continue;
            }
            st = ST_UNQUOTED;
            /* fall through */
        case ST_UNQUOTED:
            if ((e = field_end(r, c)) == END_RECORD) {
                goto record;
            } else if (e == END_FIELD) {
                st = ST_START;
            } else if (e == END_LONE_CR) {
                /* marked bad; the record goes on */
            } else if (c == '"') {
                mark_bad(r, "quote character inside an unquoted field (field %zu)", r->nf + 1);
            } else if (c == 0) {
                mark_bad(r, "NUL byte in field %zu", r->nf + 1);
            } else {
                copy_run(r, 0);
            }
            break;
        case ST_QUOTED:
            if (c == '"') {
                st = ST_QUOTE_SEEN;
            } else if (c == C_EOF) {
                set_fatal(r, rec_line, VW_E_INVALID,
                          "unterminated quoted field (opened on line %ld)", quote_line);
                goto fatal;
            } else if (c == 0) {
                mark_bad(r, "NUL byte in field %zu", r->nf + 1);
            } else if (c == '\n') {
                r->line++;
                put(r, "\n", 1);
            } else {
                copy_run(r, 1);
            }
            break;
        case ST_QUOTE_SEEN:
            if (c == '"') {
                put(r, "\"", 1);
                st = ST_QUOTED;
            } else if ((e = field_end(r, c)) == END_RECORD) {
                goto record;
            } else if (e == END_FIELD) {
                st = ST_START;
            } else if (e == END_NOT) {
                mark_bad(r, "text after the closing quote of field %zu", r->nf + 1);
                st = ST_UNQUOTED;
            }
            break;
        }
    }

record:
    *line = rec_line;
    if (r->bad) {
        if (err)
            *err = r->bad_err;
        return VW_CSV_BAD;
    }
    for (size_t i = 0; i < r->nf; i++)
        r->ptrs[i] = r->row + r->offs[i];
    *fields = r->ptrs;
    *lens = r->lens;
    *n = r->nf;
    return VW_CSV_ROW;

fatal:
    *line = r->fatal_line;
    if (err)
        *err = r->fatal_err;
    return VW_CSV_FATAL;
}
