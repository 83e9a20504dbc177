/* problems.c -- parsing and lookup of the problems -> disciplines table.
 *
 * The format is deliberately plain: '#' comment lines, a header line, then
 * `problem,category,label,rank,discipline,expertise` rows without quoting
 * (a '"' is rejected, so a spreadsheet export with quotes fails loudly rather
 * than being misread). Rows of one problem must be contiguous with ranks
 * 1, 2, 3 ... in order. */
#include "problems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vocab.h"

struct vw_problems {
    int n;
    vw_problem items[VW_PROBLEMS_MAX];
};

extern const unsigned char vw_problems_builtin_csv[];
extern const unsigned vw_problems_builtin_csv_len;

static const char *const category_names[VW_CAT_COUNT] = {
    "praktisch", "sociaal", "emotioneel", "spiritueel", "lichamelijk"};

static const char header[] = "problem,category,label,rank,discipline,expertise";

const char *vw_problem_category_name(vw_problem_category c)
{
    return (c >= 0 && c < VW_CAT_COUNT) ? category_names[c] : "?";
}

static int category_parse(const char *s, size_t len)
{
    for (int i = 0; i < VW_CAT_COUNT; i++)
        if (strlen(category_names[i]) == len && memcmp(category_names[i], s, len) == 0)
            return i;
    return -1;
}

/* Split `line` (not NUL-terminated, `len` bytes) at commas into exactly 6 fields. */
static int split6(const char *line, size_t len, const char *f[6], size_t fl[6])
{
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || line[i] == ',') {
            if (n == 6)
                return -1;
            f[n] = line + start;
            fl[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    return n == 6 ? 0 : -1;
}

static int parse_row(vw_problems *p, const char *f[6], const size_t fl[6], const char *name,
                     long line, vw_err *err)
{
    vw_problem *cur = p->n > 0 ? &p->items[p->n - 1] : NULL;
    int cat, rank, disc;
    char rank_buf[8];

    if (!vw_tag_valid(f[0], fl[0]))
        return vw_err_set(err, VW_E_INVALID, "%s:%ld: bad problem code '%.*s'", name, line,
                          (int)fl[0], f[0]);
    if ((cat = category_parse(f[1], fl[1])) < 0)
        return vw_err_set(err, VW_E_INVALID, "%s:%ld: unknown category '%.*s'", name, line,
                          (int)fl[1], f[1]);
    if (fl[2] == 0 || fl[2] > VW_PROBLEM_LABEL_MAX)
        return vw_err_set(err, VW_E_INVALID, "%s:%ld: label must be 1..%d bytes", name, line,
                          VW_PROBLEM_LABEL_MAX);
    if (fl[3] == 0 || fl[3] >= sizeof rank_buf)
        return vw_err_set(err, VW_E_INVALID, "%s:%ld: bad rank", name, line);
    memcpy(rank_buf, f[3], fl[3]);
    rank_buf[fl[3]] = '\0';
    rank = atoi(rank_buf);
    if ((disc = vw_discipline_parse(f[4], fl[4])) < 0)
        return vw_err_set(err, VW_E_INVALID, "%s:%ld: unknown discipline '%.*s'", name, line,
                          (int)fl[4], f[4]);
    if (fl[5] > 0 && !vw_tag_valid(f[5], fl[5]))
        return vw_err_set(err, VW_E_INVALID, "%s:%ld: bad expertise tag '%.*s'", name, line,
                          (int)fl[5], f[5]);

    bool same = cur && strlen(cur->code) == fl[0] && memcmp(cur->code, f[0], fl[0]) == 0;
    if (!same) {
        if (vw_problems_find(p, f[0], fl[0]) >= 0)
            return vw_err_set(err, VW_E_INVALID,
                              "%s:%ld: rows of problem '%.*s' must be contiguous", name, line,
                              (int)fl[0], f[0]);
        if (p->n == VW_PROBLEMS_MAX)
            return vw_err_set(err, VW_E_INVALID, "%s:%ld: more than %d problems", name, line,
                              VW_PROBLEMS_MAX);
        cur = &p->items[p->n++];
        memset(cur, 0, sizeof *cur);
        memcpy(cur->code, f[0], fl[0]);
        memcpy(cur->label, f[2], fl[2]);
        cur->category = (vw_problem_category)cat;
    } else if ((int)cur->category != cat) {
        return vw_err_set(err, VW_E_INVALID, "%s:%ld: category differs from earlier rows",
                          name, line);
    }
    if (rank != cur->n_options + 1)
        return vw_err_set(err, VW_E_INVALID, "%s:%ld: rank %d out of order (expected %d)",
                          name, line, rank, cur->n_options + 1);
    if (cur->n_options == VW_PROBLEM_MAX_OPTIONS)
        return vw_err_set(err, VW_E_INVALID, "%s:%ld: more than %d options", name, line,
                          VW_PROBLEM_MAX_OPTIONS);
    vw_problem_option *o = &cur->options[cur->n_options++];
    o->discipline = disc;
    memcpy(o->expertise, f[5], fl[5]);
    o->expertise[fl[5]] = '\0';
    return 0;
}

vw_problems *vw_problems_parse(const char *csv, size_t len, const char *name, vw_err *err)
{
    vw_problems *p = calloc(1, sizeof *p);
    size_t pos = 0;
    long line = 0;
    bool seen_header = false;

    if (p == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        return NULL;
    }
    while (pos < len) {
        const char *s = csv + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - s) : len - pos;
        pos += l + (nl ? 1 : 0);
        line++;
        if (l > 0 && s[l - 1] == '\r')
            l--;
        if (l == 0 || s[0] == '#')
            continue;
        if (memchr(s, '"', l) != NULL) {
            vw_err_set(err, VW_E_INVALID, "%s:%ld: quotes are not allowed", name, line);
            goto fail;
        }
        if (!seen_header) {
            if (l != strlen(header) || memcmp(s, header, l) != 0) {
                vw_err_set(err, VW_E_INVALID, "%s:%ld: header must be '%s'", name, line, header);
                goto fail;
            }
            seen_header = true;
            continue;
        }
        const char *f[6];
        size_t fl[6];
        if (split6(s, l, f, fl) != 0) {
            vw_err_set(err, VW_E_INVALID, "%s:%ld: expected 6 fields", name, line);
            goto fail;
        }
        if (parse_row(p, f, fl, name, line, err) != 0)
            goto fail;
    }
    if (p->n == 0) {
        vw_err_set(err, VW_E_INVALID, "%s: no problems defined", name);
        goto fail;
    }
    return p;
fail:
    free(p);
    return NULL;
}

vw_problems *vw_problems_builtin(vw_err *err)
{
    return vw_problems_parse((const char *)vw_problems_builtin_csv, vw_problems_builtin_csv_len,
                             "problems.csv (built in)", err);
}

vw_problems *vw_problems_load_file(const char *path, vw_err *err)
{
    enum { MAX = 1 << 20 };
    vw_problems *p = NULL;
    char *buf = NULL;
    size_t n;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        vw_err_set(err, VW_E_IO, "cannot open %s", path);
        return NULL;
    }
    if ((buf = malloc(MAX + 1)) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    n = fread(buf, 1, MAX + 1, f);
    if (n > MAX) {
        vw_err_set(err, VW_E_TOO_LARGE, "%s is larger than 1 MiB", path);
        goto out;
    }
    p = vw_problems_parse(buf, n, path, err);
out:
    free(buf);
    fclose(f);
    return p;
}

void vw_problems_free(vw_problems *p)
{
    free(p);
}

int vw_problems_count(const vw_problems *p)
{
    return p->n;
}

const vw_problem *vw_problems_get(const vw_problems *p, int i)
{
    return (i >= 0 && i < p->n) ? &p->items[i] : NULL;
}

int vw_problems_find(const vw_problems *p, const char *code, size_t len)
{
    for (int i = 0; i < p->n; i++)
        if (strlen(p->items[i].code) == len && memcmp(p->items[i].code, code, len) == 0)
            return i;
    return -1;
}
