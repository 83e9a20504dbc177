/* import.c -- vw_store_import: the driver shared by every import kind.
 *
 * One import = one write transaction (BEGIN IMMEDIATE ... COMMIT): the kind
 * deletes the old set, inserts the file's rows, runs its file-level checks;
 * then the driver commits or rolls back as a whole. Never committing in
 * batches is what makes "a crash mid-import leaves the previous state" true.
 *
 * Every problem is reported through opts->on_diag (file, line, reason). A
 * rejected import leaves the data tables untouched, but is still written to
 * import_log (status 'rejected', with up to SAVED_MAX reasons) in a second,
 * small transaction after the rollback, as an audit trail. */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/csv/csv.h"
#include "server/csv/encoding.h"

#define SAVED_MAX 100        /* reasons kept for the log of a rejected import */
#define PROGRESS_EVERY 50000 /* rows between on_progress calls */
#define STOP_EVERY 1024      /* rows between looks at opts->stop */

typedef struct saved_reject {
    long line;
    char *reason; /* owned */
} saved_reject;

typedef struct driver {
    vw_imp im;
    vw_csv *csv;
    sqlite3_stmt *ins_reject; /* skip_invalid only */
    int colmap[IMP_MAX_COLS]; /* kind column -> field index, -1 absent */
    size_t nhdr;
    char started_at[24];
    saved_reject saved[SAVED_MAX];
    int nsaved;
    long first_line;
    char first_reason[400];
} driver;

/* ---- reporting ------------------------------------------------------------ */

static void diag(vw_imp *im, long line, vw_diag_level lvl, const char *reason)
{
    if (im->o->on_diag)
        im->o->on_diag(im->o->ctx, im->file, line, lvl, reason);
}

int imp_reject(vw_imp *im, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(im->reason, sizeof im->reason, fmt, ap);
    va_end(ap);
    return 1;
}

void imp_warn(vw_imp *im, long line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    im->res->warnings++;
    diag(im, line, VW_DIAG_WARNING, msg);
}

int imp_file_error(vw_imp *im, long line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!im->file_rejected) {
        im->file_rejected = true;
        /* Cut the reason to what fits after the line number. */
        if (line > 0)
            snprintf(im->file_msg, sizeof im->file_msg, "line %ld: %.360s", line, msg);
        else
            snprintf(im->file_msg, sizeof im->file_msg, "%s", msg);
    }
    diag(im, line, VW_DIAG_ERROR, msg);
    return 1;
}

int imp_db_error(vw_imp *im, const char *what)
{
    return vw_store_sqlite_error(im->db, im->err, what, NULL);
}

/* A rejected row: report, count, remember (log table and/or memory). */
static int reject_row(driver *d, long line, const char *reason)
{
    vw_imp *im = &d->im;
    im->res->rows_rejected++;
    diag(im, line, VW_DIAG_ERROR, reason);
    if (im->res->rows_rejected == 1) {
        d->first_line = line;
        snprintf(d->first_reason, sizeof d->first_reason, "%s", reason);
    }
    if (d->nsaved < SAVED_MAX) {
        char *r = strdup(reason);
        if (r != NULL) {
            d->saved[d->nsaved].line = line;
            d->saved[d->nsaved].reason = r;
            d->nsaved++;
        }
    }
    if (d->ins_reject) {
        sqlite3_bind_int64(d->ins_reject, 1, im->import_id);
        sqlite3_bind_int64(d->ins_reject, 2, line);
        sqlite3_bind_text(d->ins_reject, 3, reason, -1, SQLITE_TRANSIENT);
        if (imp_step(d->ins_reject) != SQLITE_DONE)
            return imp_db_error(im, "recording a rejected row");
    }
    return 0;
}

/* ---- the driver ------------------------------------------------------------ */

FILE *vw_import_open(const char *path, const vw_import_opts *opts, long long *size, vw_err *err)
{
    static const vw_import_opts no_opts;
    struct stat sb;
    FILE *f = NULL;
    if (opts == NULL)
        opts = &no_opts;
    /* O_NONBLOCK: opening a FIFO without a writer must not hang. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        vw_err_set(err, VW_E_IO, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) != 0) {
        vw_err_set(err, VW_E_IO, "cannot open %s: %s", path, strerror(errno));
    } else if (S_ISDIR(sb.st_mode)) {
        vw_err_set(err, VW_E_IO, "%s is a directory, not a file", path);
    } else if (opts->regular_only && !S_ISREG(sb.st_mode)) {
        vw_err_set(err, VW_E_IO, "%s is not a regular file (a FIFO, device or socket is never "
                   "imported here)", path);
    } else if (opts->max_bytes > 0 && (long long)sb.st_size > opts->max_bytes) {
        vw_err_set(err, VW_E_IO, "%s is %lld bytes; the limit is %lld", path,
                   (long long)sb.st_size, opts->max_bytes);
    } else {
        int fl = fcntl(fd, F_GETFL);
        if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 || (f = fdopen(fd, "rb")) == NULL)
            vw_err_set(err, VW_E_IO, "cannot open %s: %s", path, strerror(errno));
    }
    if (f == NULL) {
        close(fd);
        return NULL;
    }
    *size = S_ISREG(sb.st_mode) ? (long long)sb.st_size : -1;
    return f;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static const imp_kind *kind_of(vw_import_kind k)
{
    switch (k) {
    case VW_IMPORT_PROVIDERS: return &vw_imp_providers;
    case VW_IMPORT_NETWORKS: return &vw_imp_networks;
    case VW_IMPORT_PC4: return &vw_imp_pc4;
    case VW_IMPORT_REGISTRATIONS: return &vw_imp_registrations;
    case VW_IMPORT_PLACES: return &vw_imp_places;
    case VW_IMPORT_TRAVELTIMES: return &vw_imp_traveltimes;
    case VW_IMPORT_POPULATION: return &vw_imp_population;
    }
    return NULL;
}

static void now_utc(char out[24])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Does header field h name column `name` ("name" or "name|ALIAS")? */
static bool col_is(const char *name, const char *h)
{
    const char *bar = strchr(name, '|');
    if (bar == NULL)
        return strcmp(name, h) == 0;
    return (strlen(h) == (size_t)(bar - name) && memcmp(name, h, (size_t)(bar - name)) == 0) ||
           strcasecmp(bar + 1, h) == 0;
}

/* Read the header and map it onto the kind's columns. 0 ok, 1 rejected. */
/* A file that is clearly Windows-1252 (Excel's "CSV (comma delimited)" on
 * Dutch Windows) while UTF-8 is expected: one file-level message that says
 * what it is and what to do, instead of a rejected row per accented name. */
static int check_encoding(driver *d, const vw_csv_sniff_result *sn)
{
    vw_imp *im = &d->im;
    if (im->o->encoding != VW_ENC_UTF8 || !sn->sniffed || !sn->looks_cp1252)
        return 0;
    return imp_file_error(im, sn->bad_line, "invalid UTF-8: the file is not UTF-8 but looks like "
                          "Windows-1252 / Latin-1 (\"%s\"), as Excel saves \"CSV (comma "
                          "delimited)\": save it "
                          "as \"CSV UTF-8 (comma delimited)\", or import it with --encoding "
                          "latin1 to convert it", sn->bad_sample);
}

static int read_header(driver *d)
{
    vw_imp *im = &d->im;
    char **f;
    size_t *len, n;
    long line;
    vw_err cerr;
    int rc = vw_csv_next(d->csv, &f, &len, &n, &line, &cerr);
    if (rc == VW_CSV_EOF)
        return imp_file_error(im, 0, "empty file (no header row)");
    if (rc != VW_CSV_ROW)
        return imp_file_error(im, line, "header: %s", cerr.message);
    /* A header of one field with ';' in it: a spreadsheet saved with Dutch
     * regional settings (Excel's "CSV (;)"), not a file with one odd column. */
    char delim = im->o->delimiter ? im->o->delimiter : ',';
    if (n == 1 && delim == ',' && strchr(f[0], ';') != NULL)
        return imp_file_error(im, line, "the columns are separated by ';', not ',' (a spreadsheet "
                              "saved with Dutch regional settings): save it as \"CSV UTF-8 "
                              "(comma delimited)\", or import it with --delimiter ';'");
    for (int c = 0; c < im->k->ncols; c++)
        d->colmap[c] = -1;
    d->nhdr = n;
    for (size_t i = 0; i < n; i++) {
        int c = 0;
        while (c < im->k->ncols && !col_is(im->k->cols[c].name, f[i]))
            c++;
        if (c == im->k->ncols) {
            char expect[300] = "";
            for (int j = 0; j < im->k->ncols; j++)
                snprintf(expect + strlen(expect), sizeof expect - strlen(expect), "%s%s",
                         j ? "," : "", im->k->cols[j].name);
            return imp_file_error(im, line, "unknown column \"%.64s\" (columns: %s)", f[i],
                                  expect);
        }
        if (d->colmap[c] >= 0)
            return imp_file_error(im, line, "column \"%s\" appears twice", f[i]);
        d->colmap[c] = (int)i;
    }
    char missing[300] = "";
    for (int c = 0; c < im->k->ncols; c++)
        if (im->k->cols[c].required && d->colmap[c] < 0)
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                     missing[0] ? ", " : "", im->k->cols[c].name);
    if (missing[0])
        return imp_file_error(im, line, "missing required column(s): %s", missing);
    return 0;
}

/* The data rows. 0 done, -1 db error. */
static int read_rows(driver *d, long long total)
{
    vw_imp *im = &d->im;
    char **f, *mf[IMP_MAX_COLS];
    size_t *len, n, ml[IMP_MAX_COLS];
    char empty[IMP_MAX_COLS][1];
    long line;
    vw_err cerr;
    for (;;) {
        int rc = vw_csv_next(d->csv, &f, &len, &n, &line, &cerr);
        if (rc == VW_CSV_EOF)
            break;
        if (rc == VW_CSV_FATAL) {
            imp_file_error(im, line, "%s", cerr.message);
            break;
        }
        im->res->rows_read++;
        im->line = line;
        if (im->o->stop && im->res->rows_read % STOP_EVERY == 0 &&
            atomic_load_explicit(im->o->stop, memory_order_relaxed))
            return vw_err_set(im->err, VW_E_UNAVAILABLE,
                              "import interrupted at line %ld: the daemon is stopping", line);
        if (im->o->on_progress && im->res->rows_read % PROGRESS_EVERY == 0)
            im->o->on_progress(im->o->ctx, im->res->rows_read, vw_csv_offset(d->csv), total);
        if (rc == VW_CSV_BAD) {
            if (reject_row(d, line, cerr.message) != 0)
                return -1;
            continue;
        }
        if (n != d->nhdr) {
            char why[96];
            snprintf(why, sizeof why, "expected %zu fields (as in the header), found %zu",
                     d->nhdr, n);
            if (reject_row(d, line, why) != 0)
                return -1;
            continue;
        }
        for (int c = 0; c < im->k->ncols; c++) {
            int i = d->colmap[c];
            if (i < 0) {
                empty[c][0] = '\0';
                mf[c] = empty[c];
                ml[c] = 0;
                continue;
            }
            char *s = f[i];
            size_t l = len[i];
            while (l && is_blank(*s))
                s++, l--;
            while (l && is_blank(s[l - 1]))
                l--;
            s[l] = '\0';
            mf[c] = s;
            ml[c] = l;
        }
        im->reason[0] = '\0';
        rc = im->k->row(im, mf, ml);
        if (rc < 0)
            return -1;
        if (rc == 1 && im->reason[0] == '\0') {
            im->res->rows_rejected++; /* a file-level error, already reported */
        } else if (rc == 1) {
            if (reject_row(d, line, im->reason) != 0)
                return -1;
        } else {
            im->res->rows_ok++;
        }
    }
    if (im->o->on_progress)
        im->o->on_progress(im->o->ctx, im->res->rows_read, vw_csv_offset(d->csv), total);
    return 0;
}

/* After a rollback: one import_log row with status 'rejected' (best effort;
 * the import's own error is what the caller gets). */
static void log_rejected(driver *d, vw_import_kind kind, const char *message)
{
    vw_imp *im = &d->im;
    sqlite3_stmt *s = NULL;
    char fin[24];
    now_utc(fin);
    if (sqlite3_exec(im->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return;
    if (sqlite3_prepare_v2(im->db,
                           "INSERT INTO import_log(kind, file, started_at, finished_at, "
                           "rows_read, rows_ok, rows_rejected, warnings, status, message) "
                           "VALUES (?, ?, ?, ?, ?, 0, ?, ?, 'rejected', ?)",
                           -1, &s, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, vw_import_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, im->file, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, d->started_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, fin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, im->res->rows_read);
    sqlite3_bind_int64(s, 6, im->res->rows_rejected);
    sqlite3_bind_int64(s, 7, im->res->warnings);
    sqlite3_bind_text(s, 8, message, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(s);
    s = NULL;
    sqlite3_int64 id = sqlite3_last_insert_rowid(im->db);
    if (sqlite3_prepare_v2(im->db, "INSERT INTO import_rejects(import_id, line, reason) "
                                   "VALUES (?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
        goto fail;
    for (int i = 0; i < d->nsaved; i++) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, d->saved[i].line);
        sqlite3_bind_text(s, 3, d->saved[i].reason, -1, SQLITE_STATIC);
        if (imp_step(s) != SQLITE_DONE)
            goto fail;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (vw_store_stamp_db(im->db, NULL) != 0) /* a write of verwijs: not 'dirty' */
        goto fail;
    sqlite3_exec(im->db, "COMMIT", NULL, NULL, NULL);
    return;
fail:
    sqlite3_finalize(s);
    sqlite3_exec(im->db, "ROLLBACK", NULL, NULL, NULL);
}

static int finish_log(driver *d)
{
    vw_imp *im = &d->im;
    sqlite3_stmt *s = NULL;
    char fin[24];
    int rc = -1;
    now_utc(fin);
    if (imp_prepare(im, &s, "UPDATE import_log SET finished_at = ?, rows_read = ?, rows_ok = ?, "
                            "rows_rejected = ?, warnings = ?, status = ?, rows_before = ?, "
                            "rows_removed = ?, rows_added = ?, rows_changed = ? WHERE id = ?") != 0)
        goto out;
    sqlite3_bind_text(s, 1, fin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, im->res->rows_read);
    sqlite3_bind_int64(s, 3, im->res->rows_ok);
    sqlite3_bind_int64(s, 4, im->res->rows_rejected);
    sqlite3_bind_int64(s, 5, im->res->warnings);
    sqlite3_bind_text(s, 6, im->res->rows_rejected ? "committed_partial" : "committed", -1,
                      SQLITE_STATIC);
    if (im->res->diffed) {
        sqlite3_bind_int64(s, 7, im->res->rows_before);
        sqlite3_bind_int64(s, 8, im->res->removed);
        sqlite3_bind_int64(s, 9, im->res->added);
        sqlite3_bind_int64(s, 10, im->res->changed);
    }
    sqlite3_bind_int64(s, 11, im->import_id);
    if (imp_step(s) != SQLITE_DONE) {
        imp_db_error(im, "updating the import log");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

static int start_log(driver *d, vw_import_kind kind)
{
    vw_imp *im = &d->im;
    sqlite3_stmt *s = NULL;
    int rc = -1;
    if (imp_prepare(im, &s, "INSERT INTO import_log(kind, file, started_at, status) "
                            "VALUES (?, ?, ?, 'committed')") != 0)
        goto out;
    sqlite3_bind_text(s, 1, vw_import_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, im->file, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, d->started_at, -1, SQLITE_STATIC);
    if (imp_step(s) != SQLITE_DONE) {
        imp_db_error(im, "writing the import log");
        goto out;
    }
    im->import_id = sqlite3_last_insert_rowid(im->db);
    if (im->o->skip_invalid &&
        imp_prepare(im, &d->ins_reject,
                    "INSERT INTO import_rejects(import_id, line, reason) VALUES (?, ?, ?)") != 0)
        goto out;
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int vw_store_import(vw_store *st, vw_import_kind kind, const char *path,
                    const vw_import_opts *opts, vw_import_result *res, vw_err *err)
{
    static const vw_import_opts no_opts;
    vw_import_result dummy;
    driver *d = NULL;
    FILE *f = NULL, *tf = NULL; /* tf: f converted to UTF-8 (encoding latin1) */
    vw_transcoder *tc = NULL;
    bool in_txn = false, began = false;
    int rc = -1;
    const imp_kind *k = kind_of(kind);

    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if (opts == NULL)
        opts = &no_opts;
    if (k == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "unknown import kind %d", (int)kind);
    if (st == NULL || st->readonly)
        return vw_err_set(err, VW_E_DB, "the database is open read-only");
    long long total;
    f = vw_import_open(path, opts, &total, err);
    if (f == NULL)
        return -1;

    vw_csv_sniff_result sniff;
    vw_csv_sniff(f, &sniff);
    if (opts->encoding == VW_ENC_CP1252 && (tf = vw_transcode_open(f, &tc)) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "cannot convert from Windows-1252: %s", strerror(errno));
        goto out;
    }
    d = calloc(1, sizeof *d);
    if (d == NULL || (d->csv = vw_csv_new(tf ? tf : f, path)) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    if (vw_csv_set_delimiter(d->csv, opts->delimiter ? opts->delimiter : ',') != 0) {
        vw_err_set(err, VW_E_BAD_REQUEST, "the delimiter is ',', ';' or a tab");
        goto out;
    }
    vw_imp *im = &d->im;
    im->st = st;
    im->db = st->db;
    im->k = k;
    im->file = path;
    im->o = opts;
    im->res = res;
    im->err = err;
    now_utc(d->started_at);
    memcpy(im->now, d->started_at, sizeof im->now);

    if (vw_store_exec(st, "BEGIN IMMEDIATE", err) != 0)
        goto out;
    in_txn = true;
    if (start_log(d, kind) != 0)
        goto out;
    if (check_encoding(d, &sniff) == 0 && read_header(d) == 0) {
        began = true;
        if (imp_diff_begin(im) != 0 || imp_changes_begin(im, kind) != 0 || k->begin(im) != 0 ||
            read_rows(d, total) != 0)
            goto out;
        if (!im->file_rejected && res->rows_read == 0)
            imp_file_error(im, 0, "no data rows: refusing to replace all %s with nothing",
                           vw_import_kind_name(kind));
        if (!im->file_rejected && res->rows_read > 0 && res->rows_ok == 0)
            imp_file_error(im, 0, "all %ld rows rejected", res->rows_read);
        if (!im->file_rejected && (res->rows_rejected == 0 || opts->skip_invalid) &&
            (k->finish(im) < 0 || (!im->file_rejected && imp_diff_finish(im) != 0)))
            goto out;
    }

    if (im->file_rejected || (res->rows_rejected > 0 && !opts->skip_invalid)) {
        char msg[sizeof d->first_reason + 160];
        if (im->file_rejected)
            snprintf(msg, sizeof msg, "%s", im->file_msg);
        else
            snprintf(msg, sizeof msg, "%ld of %ld rows rejected (first: line %ld: %s)",
                     res->rows_rejected, res->rows_read, d->first_line, d->first_reason);
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        in_txn = false;
        log_rejected(d, kind, msg);
        vw_err_set(err, VW_E_INVALID, "%s: %s", path, msg);
        goto out;
    }
    if (imp_changes_finish(im, kind) != 0 || finish_log(d) != 0 || vw_store_stamp(st, err) != 0 ||
        vw_store_exec(st, "COMMIT", err) != 0)
        goto out;
    in_txn = false;
    res->import_id = im->import_id;
    rc = 0;
out:
    if (in_txn) { /* a db error: nothing of this import stays */
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        if (d != NULL)
            log_rejected(d, kind, err ? err->message : "database error");
    }
    if (d != NULL) {
        if (began && k->end)
            k->end(&d->im);
        if (began) {
            imp_diff_end(&d->im);
            imp_changes_end(&d->im, kind);
        }
        sqlite3_finalize(d->ins_reject);
        for (int i = 0; i < d->nsaved; i++)
            free(d->saved[i].reason);
        vw_csv_free(d->csv);
        free(d);
    }
    if (tf != NULL) {
        res->converted = vw_transcode_converted(tc);
        fclose(tf); /* frees tc */
    }
    if (f != NULL)
        fclose(f);
    if (rc != 0)
        res->import_id = 0;
    return rc;
}
