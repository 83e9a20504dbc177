/* changes_parse.c -- change files (docs/SCHEMA.md "Change files"): CSV
 * (op,kind,id,version,field,value; one row per field, consecutive rows of
 * the same change grouped; the import's delimiter and Dutch-spreadsheet
 * handling) and JSONL (one JSON object per line); and a change feed row as
 * the change that replays it. Bounded: VW_CHG_MAX_BATCH changes,
 * VW_CHANGES_FILE_MAX bytes, VW_CHANGES_LINE_MAX bytes per JSONL line; every
 * error names file:line. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "server/csv/csv.h"
#include "changes_int.h"

#define VW_CHANGES_LINE_MAX (256 * 1024)

/* ---- CSV ------------------------------------------------------------------------ */

enum { K_OP, K_KIND, K_ID, K_VERSION, K_FIELD, K_VALUE, K_N };
static const char *const csv_cols[K_N] = {"op", "kind", "id", "version", "field", "value"};

static int parse_version(const char *s, size_t len, int64_t *out)
{
    int64_t v = 0;
    if (len == 0) {
        *out = 0;
        return 0;
    }
    if (len > 18)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v == 0)
        return -1;
    *out = v;
    return 0;
}

/* The key of a change from the id text: "A" | "A;B[;C]" | a JSON array. */
static int set_key_text(vw_change *ch, const char *s, size_t len, vw_err *err)
{
    int n = vw_chg_key_count(ch->kind);
    if (n == 1 || (len && s[0] == '['))
        return vw_change_parse_record(ch, s, len, err);
    size_t a = 0;
    for (int i = 0; i < n; i++) {
        size_t b = a;
        while (b < len && (s[b] != ';' || i == n - 1))
            b++;
        if (b == a || (i < n - 1 && b >= len))
            return vw_err_set(err, VW_E_BAD_REQUEST, "the id of a %s is %d parts separated by "
                              "';' (%s;...) or a JSON array", vw_chg_kind_name(ch->kind), n,
                              vw_chg_key_name(ch->kind, 0));
        if (vw_change_set_key(ch, i, s + a, b - a, err) != 0)
            return -1;
        a = b + 1;
    }
    return 0;
}

int vw_changes_parse_csv(FILE *f, const char *name, char delimiter, vw_changes *out,
                         vw_err *err)
{
    vw_csv *csv = vw_csv_new(f, name);
    char **fl, prev[3][VW_CHG_VALUE_MAX + 1] = {{0}};
    size_t *len, n;
    long line;
    int map[K_N], rc = -1;
    vw_err e;
    vw_change *cur = NULL;
    if (csv == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    if (vw_csv_set_delimiter(csv, delimiter ? delimiter : ',') != 0) {
        vw_err_set(err, VW_E_BAD_REQUEST, "the delimiter is ',', ';' or a tab");
        goto out;
    }
    int r = vw_csv_next(csv, &fl, &len, &n, &line, &e);
    if (r == VW_CSV_EOF) {
        vw_err_set(err, VW_E_INVALID, "%s: empty file (no header row)", name);
        goto out;
    }
    if (r != VW_CSV_ROW) {
        vw_err_set(err, VW_E_INVALID, "%s:%ld: header: %s", name, line, e.message);
        goto out;
    }
    if (n == 1 && (delimiter == 0 || delimiter == ',') && strchr(fl[0], ';') != NULL) {
        vw_err_set(err, VW_E_INVALID, "%s:%ld: the columns are separated by ';', not ',' (a "
                   "spreadsheet saved with Dutch regional settings): save it as \"CSV UTF-8 "
                   "(comma delimited)\", or apply it with --delimiter ';'", name, line);
        goto out;
    }
    for (int c = 0; c < K_N; c++)
        map[c] = -1;
    for (size_t i = 0; i < n; i++) {
        int c = 0;
        while (c < K_N && strcasecmp(csv_cols[c], fl[i]) != 0)
            c++;
        if (c == K_N || map[c] >= 0) {
            vw_err_set(err, VW_E_INVALID, "%s:%ld: %s column \"%.64s\" (columns: op, kind, id, "
                       "version, field, value)", name, line, c == K_N ? "unknown" : "repeated",
                       fl[i]);
            goto out;
        }
        map[c] = (int)i;
    }
    if (map[K_OP] < 0 || map[K_KIND] < 0 || map[K_ID] < 0 || (map[K_FIELD] < 0) != (map[K_VALUE] < 0)) {
        vw_err_set(err, VW_E_INVALID, "%s:%ld: the columns op, kind and id are required, field "
                   "and value go together", name, line);
        goto out;
    }
    size_t nhdr = n;
    while ((r = vw_csv_next(csv, &fl, &len, &n, &line, &e)) != VW_CSV_EOF) {
        if (r != VW_CSV_ROW) {
            vw_err_set(err, VW_E_INVALID, "%s:%ld: %s", name, line, e.message);
            goto out;
        }
        if (n != nhdr) {
            vw_err_set(err, VW_E_INVALID, "%s:%ld: expected %zu fields (as in the header), found "
                       "%zu", name, line, nhdr, n);
            goto out;
        }
        const char *v[K_N];
        size_t vl[K_N];
        for (int c = 0; c < K_N; c++) {
            v[c] = map[c] >= 0 ? fl[map[c]] : "";
            vl[c] = map[c] >= 0 ? len[map[c]] : 0;
            while (vl[c] && (*v[c] == ' ' || *v[c] == '\t'))
                v[c]++, vl[c]--;
            while (vl[c] && (v[c][vl[c] - 1] == ' ' || v[c][vl[c] - 1] == '\t'))
                vl[c]--;
        }
        bool blank = true;
        for (int c = 0; c < K_N; c++)
            blank = blank && vl[c] == 0;
        if (blank)
            continue;
        /* the same op, kind, id and version as the row before: one more field */
        bool same = cur != NULL && vl[K_OP] + vl[K_KIND] + vl[K_ID] + vl[K_VERSION] > 0 &&
                    vl[K_FIELD] > 0;
        for (int c = 0; c < 3 && same; c++)
            same = vl[c] <= VW_CHG_VALUE_MAX && strlen(prev[c]) == vl[c] &&
                   memcmp(prev[c], v[c], vl[c]) == 0;
        if (same) {
            int64_t ver;
            same = parse_version(v[K_VERSION], vl[K_VERSION], &ver) == 0 &&
                   ver == cur->base_version;
        }
        if (!same) {
            int k = vw_chg_kind_parse(v[K_KIND], vl[K_KIND]);
            int p = vw_chg_op_parse(v[K_OP], vl[K_OP]);
            if (k < 0 || p < 0) {
                vw_err_set(err, VW_E_INVALID, "%s:%ld: %s \"%.32s\" (%s)", name, line,
                           k < 0 ? "unknown kind" : "unknown op", k < 0 ? v[K_KIND] : v[K_OP],
                           k < 0 ? "provider, network, membership, registration"
                                 : "create, update, delete");
                goto out;
            }
            if ((cur = vw_changes_add(out, &e)) == NULL)
                goto bad;
            cur->kind = (vw_chg_kind)k;
            cur->op = (vw_chg_op)p;
            cur->line = line;
            if (set_key_text(cur, v[K_ID], vl[K_ID], &e) != 0)
                goto bad;
            if (parse_version(v[K_VERSION], vl[K_VERSION], &cur->base_version) != 0) {
                vw_err_set(&e, VW_E_BAD_REQUEST, "version \"%.24s\" is not a positive integer",
                           v[K_VERSION]);
                goto bad;
            }
            for (int c = 0; c < 3; c++)
                snprintf(prev[c], sizeof prev[c], "%.*s", (int)(vl[c] < VW_CHG_VALUE_MAX ? vl[c] : VW_CHG_VALUE_MAX), v[c]);
        }
        if (vl[K_FIELD] > 0 &&
            vw_change_set(cur, v[K_FIELD], vl[K_FIELD], v[K_VALUE], vl[K_VALUE], &e) != 0)
            goto bad;
        if (vl[K_FIELD] == 0 && vl[K_VALUE] > 0) {
            vw_err_set(&e, VW_E_BAD_REQUEST, "a value without a field name");
            goto bad;
        }
        if (vw_csv_offset(csv) > VW_CHANGES_FILE_MAX) {
            vw_err_set(&e, VW_E_TOO_LARGE, "the file is larger than %lld bytes",
                       (long long)VW_CHANGES_FILE_MAX);
            goto bad;
        }
    }
    for (size_t i = 0; i < out->n; i++)
        if (vw_change_check(&out->v[i], &e) != 0) {
            line = out->v[i].line;
            goto bad;
        }
    if (out->n == 0) {
        vw_err_set(err, VW_E_INVALID, "%s: no changes in the file", name);
        goto out;
    }
    rc = 0;
    goto out;
bad:
    vw_err_set(err, strcmp(e.code, VW_E_INTERNAL) == 0 || strcmp(e.code, VW_E_TOO_LARGE) == 0
                        ? e.code : VW_E_INVALID, "%s:%ld: %s", name, line, e.message);
out:
    vw_csv_free(csv);
    return rc;
}

/* ---- JSON ------------------------------------------------------------------------- */

/* A JSON scalar as field text. 0 / -1. */
static int json_text(struct json_object *v, char *buf, size_t cap, const char **s, size_t *len)
{
    switch (json_object_get_type(v)) {
    case json_type_null: *s = ""; break;
    case json_type_boolean: *s = json_object_get_boolean(v) ? "true" : "false"; break;
    case json_type_int:
        snprintf(buf, cap, "%" PRId64, json_object_get_int64(v));
        *s = buf;
        break;
    case json_type_double: *s = json_object_get_string(v); break; /* the text as written */
    case json_type_string:
        *s = json_object_get_string(v);
        *len = (size_t)json_object_get_string_len(v);
        return 0;
    default: return -1;
    }
    *len = strlen(*s);
    return 0;
}

/* The fields of a JSON object into ch (skip_key: leave out the key columns). */
static int json_fields(vw_change *ch, struct json_object *set, bool skip_key, vw_err *err)
{
    char buf[32];
    struct json_object_iterator it = json_object_iter_begin(set),
                                end = json_object_iter_end(set);
    const chg_table *t = &chg_tables[ch->kind];
    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *k = json_object_iter_peek_name(&it), *s;
        size_t len;
        bool key = false;
        for (int c = 0; c < t->nkey; c++)
            key = key || strcmp(t->cols[c].json, k) == 0;
        if (skip_key && key)
            continue;
        if (json_text(json_object_iter_peek_value(&it), buf, sizeof buf, &s, &len) != 0)
            return vw_err_set(err, VW_E_BAD_REQUEST, "field %.32s: a value is a string, number, "
                              "boolean or null", k);
        if (vw_change_set(ch, k, strlen(k), s, len, err) != 0)
            return -1;
    }
    return 0;
}

static int json_change(struct json_object *o, vw_changes *out, long line, vw_err *err)
{
    struct json_object *op = NULL, *kind = NULL, *id = NULL, *ver = NULL, *set = NULL;
    if (!json_object_is_type(o, json_type_object))
        return vw_err_set(err, VW_E_BAD_REQUEST, "a change is a JSON object");
    json_object_object_get_ex(o, "op", &op);
    json_object_object_get_ex(o, "kind", &kind);
    json_object_object_get_ex(o, "id", &id);
    json_object_object_get_ex(o, "version", &ver);
    json_object_object_get_ex(o, "set", &set);
    if (!json_object_is_type(op, json_type_string) || !json_object_is_type(kind, json_type_string))
        return vw_err_set(err, VW_E_BAD_REQUEST, "op and kind are required strings");
    int k = vw_chg_kind_parse(json_object_get_string(kind), (size_t)json_object_get_string_len(kind));
    int p = vw_chg_op_parse(json_object_get_string(op), (size_t)json_object_get_string_len(op));
    if (k < 0 || p < 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "%s", k < 0 ? "unknown kind (provider, network, "
                          "membership, registration)" : "unknown op (create, update, delete)");
    vw_change *ch = vw_changes_add(out, err);
    if (ch == NULL)
        return -1;
    ch->kind = (vw_chg_kind)k;
    ch->op = (vw_chg_op)p;
    ch->line = line;
    int nk = vw_chg_key_count(ch->kind);
    struct json_object_iterator it = json_object_iter_begin(o), end = json_object_iter_end(o);
    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *name = json_object_iter_peek_name(&it);
        bool known = strcmp(name, "op") == 0 || strcmp(name, "kind") == 0 ||
                     strcmp(name, "id") == 0 || strcmp(name, "version") == 0 ||
                     strcmp(name, "set") == 0;
        for (int i = 0; i < nk && !known && nk > 1; i++)
            if (strcmp(name, vw_chg_key_name(ch->kind, i)) == 0) {
                struct json_object *v = json_object_iter_peek_value(&it);
                if (!json_object_is_type(v, json_type_string))
                    return vw_err_set(err, VW_E_BAD_REQUEST, "%s is a string", name);
                if (vw_change_set_key(ch, i, json_object_get_string(v),
                                      (size_t)json_object_get_string_len(v), err) != 0)
                    return -1;
                known = true;
            }
        if (!known)
            return vw_err_set(err, VW_E_BAD_REQUEST, "unknown key \"%.32s\" (op, kind, id, "
                              "version, set)", name);
    }
    if (json_object_is_type(id, json_type_string)) {
        if (set_key_text(ch, json_object_get_string(id), (size_t)json_object_get_string_len(id),
                         err) != 0)
            return -1;
    } else if (json_object_is_type(id, json_type_array) && nk > 1 &&
               json_object_array_length(id) == (size_t)nk) {
        for (int i = 0; i < nk; i++) {
            struct json_object *v = json_object_array_get_idx(id, (size_t)i);
            if (!json_object_is_type(v, json_type_string))
                return vw_err_set(err, VW_E_BAD_REQUEST, "id is an array of strings");
            if (vw_change_set_key(ch, i, json_object_get_string(v),
                                  (size_t)json_object_get_string_len(v), err) != 0)
                return -1;
        }
    } else if (id != NULL) {
        return vw_err_set(err, VW_E_BAD_REQUEST, nk == 1 ? "id is a string"
                                                         : "id is an array of %d strings", nk);
    }
    if (ver != NULL) {
        if (!json_object_is_type(ver, json_type_int) || json_object_get_int64(ver) <= 0)
            return vw_err_set(err, VW_E_BAD_REQUEST, "version is a positive integer");
        ch->base_version = json_object_get_int64(ver);
    }
    if (set != NULL) {
        if (!json_object_is_type(set, json_type_object))
            return vw_err_set(err, VW_E_BAD_REQUEST, "set is an object of field: value");
        if (json_fields(ch, set, false, err) != 0)
            return -1;
    }
    return vw_change_check(ch, err);
}

int vw_changes_parse_jsonl(FILE *f, const char *name, vw_changes *out, vw_err *err)
{
    char *buf = NULL;
    size_t bufcap = 0;
    long line = 0;
    long long total = 0;
    int rc = -1;
    vw_err e;
    ssize_t got;
    struct json_tokener *tok = json_tokener_new_ex(32);
    if (tok == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    /* getline: the length counts NUL bytes too (the file's total is bounded
     * by the caller's max_bytes; each line is checked here) */
    while ((got = getline(&buf, &bufcap, f)) > 0) {
        size_t len = (size_t)got;
        line++;
        total += (long long)len;
        if (len > VW_CHANGES_LINE_MAX || total > VW_CHANGES_FILE_MAX) {
            vw_err_set(err, VW_E_TOO_LARGE, "%s:%ld: %s longer than %lld bytes", name, line,
                       len > VW_CHANGES_LINE_MAX ? "line" : "file",
                       len > VW_CHANGES_LINE_MAX ? (long long)VW_CHANGES_LINE_MAX
                                                 : (long long)VW_CHANGES_FILE_MAX);
            goto out;
        }
        if (memchr(buf, '\0', len) != NULL) {
            vw_err_set(err, VW_E_INVALID, "%s:%ld: NUL byte", name, line);
            goto out;
        }
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
                       buf[len - 1] == '\t'))
            buf[--len] = '\0';
        size_t a = 0;
        while (a < len && (buf[a] == ' ' || buf[a] == '\t'))
            a++;
        if (a == len)
            continue; /* blank line */
        if (line == 1 && len - a >= 3 && memcmp(buf + a, "\xEF\xBB\xBF", 3) == 0)
            a += 3; /* a UTF-8 byte order mark */
        if (!vw_utf8_valid(buf + a, len - a)) {
            vw_err_set(err, VW_E_INVALID, "%s:%ld: invalid UTF-8", name, line);
            goto out;
        }
        json_tokener_reset(tok);
        struct json_object *o = json_tokener_parse_ex(tok, buf + a, (int)(len - a));
        if (o == NULL || json_tokener_get_parse_end(tok) != len - a) {
            enum json_tokener_error je = json_tokener_get_error(tok);
            vw_err_set(err, VW_E_INVALID, "%s:%ld: not one JSON object: %s", name, line,
                       o ? "text after the object" : json_tokener_error_desc(je));
            json_object_put(o);
            goto out;
        }
        int r = json_change(o, out, line, &e);
        json_object_put(o);
        if (r != 0) {
            vw_err_set(err, strcmp(e.code, VW_E_TOO_LARGE) == 0 || strcmp(e.code, VW_E_INTERNAL) == 0
                                ? e.code : VW_E_INVALID, "%s:%ld: %s", name, line, e.message);
            goto out;
        }
    }
    if (ferror(f)) {
        vw_err_set(err, VW_E_IO, "%s: %s", name, strerror(errno));
        goto out;
    }
    if (out->n == 0) {
        vw_err_set(err, VW_E_INVALID, "%s: no changes in the file", name);
        goto out;
    }
    rc = 0;
out:
    if (tok)
        json_tokener_free(tok);
    free(buf);
    return rc;
}

int vw_changes_parse_file(const char *path, char delimiter, vw_changes *out, vw_err *err)
{
    vw_import_opts o = {.max_bytes = VW_CHANGES_FILE_MAX};
    long long size;
    FILE *f = vw_import_open(path, &o, &size, err);
    if (f == NULL)
        return -1;
    size_t n = strlen(path);
    bool json = (n > 6 && strcmp(path + n - 6, ".jsonl") == 0) ||
                (n > 5 && strcmp(path + n - 5, ".json") == 0);
    int rc = json ? vw_changes_parse_jsonl(f, path, out, err)
                  : vw_changes_parse_csv(f, path, delimiter, out, err);
    fclose(f);
    return rc;
}

int vw_change_from_row(const vw_change_row *r, vw_changes *out, vw_err *err)
{
    int k = r->kind ? vw_chg_kind_parse(r->kind, strlen(r->kind)) : -1;
    int p = r->op ? vw_chg_op_parse(r->op, strlen(r->op)) : -1;
    if (k < 0 || p < 0 || r->record == NULL)
        return vw_err_set(err, VW_E_BAD_REQUEST, "change %lld: unknown kind or op",
                          (long long)r->seq);
    vw_change *ch = vw_changes_add(out, err);
    if (ch == NULL)
        return -1;
    ch->kind = (vw_chg_kind)k;
    ch->op = (vw_chg_op)p;
    ch->as_version = r->version;
    if (r->at && (ch->as_at = strdup(r->at)) == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    if (vw_change_parse_record(ch, r->record, strlen(r->record), err) != 0)
        return -1;
    if (ch->op != VW_CHG_DELETE) {
        struct json_object *o = r->new_json ? json_tokener_parse(r->new_json) : NULL;
        int rc = -1;
        if (!json_object_is_type(o, json_type_object))
            vw_err_set(err, VW_E_BAD_REQUEST, "change %lld: no new values", (long long)r->seq);
        else
            rc = json_fields(ch, o, true, err);
        json_object_put(o);
        if (rc != 0)
            return -1;
    }
    return vw_change_check(ch, err);
}
