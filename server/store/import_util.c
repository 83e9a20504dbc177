/* import_util.c -- helpers shared by the import kinds: prepared
 * statements, strict field parsers (numbers, booleans, ';' lists) and the
 * small expertise-tag set that enforces VW_MAX_TAGS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/vocab.h"
#include "geodata/geo.h"
#include "import.h"

int imp_prepare(vw_imp *im, sqlite3_stmt **s, const char *sql)
{
    if (sqlite3_prepare_v3(im->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL) != SQLITE_OK)
        return imp_db_error(im, "preparing a statement");
    return 0;
}

int imp_step(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        rc = sqlite3_extended_errcode(sqlite3_db_handle(s));
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

int imp_bind_text(sqlite3_stmt *s, int i, const char *v, size_t len, bool null_if_empty)
{
    if (len == 0 && null_if_empty)
        return sqlite3_bind_null(s, i);
    /* the row buffer lives until the statement has run: no copy needed */
    return sqlite3_bind_text(s, i, v, (int)len, SQLITE_STATIC);
}

int imp_parse_double(const char *s, size_t len, double *out)
{
    size_t i = 0, digits = 0;
    char buf[40];
    if (len == 0 || len >= sizeof buf)
        return -1;
    if (s[i] == '+' || s[i] == '-')
        i++;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    }
    if (i != len || digits == 0)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, NULL);
    return 0;
}

int imp_parse_bool(const char *s, size_t len, bool *out)
{
    static const char *const t[] = {"1", "true", "yes", "ja"};
    static const char *const f[] = {"0", "false", "no", "nee"};
    for (int i = 0; i < 4; i++) {
        if (strlen(t[i]) == len && strncasecmp(s, t[i], len) == 0) {
            *out = true;
            return 0;
        }
        if (strlen(f[i]) == len && strncasecmp(s, f[i], len) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool imp_list_next(char *s, size_t len, size_t *pos, char **item, size_t *ilen)
{
    while (*pos < len) {
        size_t a = *pos, b = a;
        while (b < len && s[b] != ';')
            b++;
        *pos = b < len ? b + 1 : len;
        while (a < b && is_blank(s[a]))
            a++;
        while (b > a && is_blank(s[b - 1]))
            b--;
        if (a == b)
            continue;
        s[b] = '\0';
        *item = s + a;
        *ilen = b - a;
        return true;
    }
    return false;
}

void imp_tagset_init(imp_tagset *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < VW_BASE_TAG_COUNT; i++)
        snprintf(t->names[t->n++], sizeof t->names[0], "%s", vw_base_tags[i]);
}

int imp_tagset_add(imp_tagset *t, const char *tag, size_t len, bool *added)
{
    *added = false;
    if (len > 32)
        return -1;
    for (int i = 0; i < t->n; i++)
        if (t->names[i][len] == '\0' && memcmp(t->names[i], tag, len) == 0)
            return i;
    if (t->n == 64)
        return -1;
    memcpy(t->names[t->n], tag, len);
    t->names[t->n][len] = '\0';
    *added = true;
    return t->n++;
}


int imp_parse_point(vw_imp *im, const char *lat_s, size_t lat_len, const char *lon_s,
                    size_t lon_len, double *lat, double *lon)
{
    if (imp_parse_double(lat_s, lat_len, lat) != 0)
        return imp_reject(im, "lat is not a number (plain decimal degrees expected)");
    if (imp_parse_double(lon_s, lon_len, lon) != 0)
        return imp_reject(im, "lon is not a number (plain decimal degrees expected)");
    if (!vw_geo_in_nl(*lat, *lon)) {
        char where[32];
        vw_geo_redact_coords(*lat, *lon, where);
        return imp_reject(im, "coordinates outside the Netherlands (%s)", where);
    }
    return 0;
}

int imp_tags_seed(vw_imp *im, imp_tagset *t, const char *sql)
{
    sqlite3_stmt *q = NULL;
    int step;
    if (sqlite3_prepare_v2(im->db, sql, -1, &q, NULL) != SQLITE_OK)
        return imp_db_error(im, "reading the tags in use");
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *e = (const char *)sqlite3_column_text(q, 0);
        while (e && *e) {
            size_t l = strcspn(e, ";");
            bool added;
            if (l > 0)
                imp_tagset_add(t, e, l, &added);
            e += l + (e[l] == ';');
        }
    }
    sqlite3_finalize(q);
    return step == SQLITE_DONE ? 0 : imp_db_error(im, "reading the tags in use");
}

int imp_tag_account(vw_imp *im, imp_tagset *t, const char *tag, size_t len, bool *data_new)
{
    if (im->apply && !im->seeded) {
        bool base = false;
        for (int i = 0; i < VW_BASE_TAG_COUNT && !base; i++)
            base = len <= 32 && t->names[i][len] == '\0' && memcmp(t->names[i], tag, len) == 0;
        if (!base) {
            im->seeded = true;
            imp_tags_seed(im, t, "SELECT DISTINCT expertise FROM providers");
            imp_tags_seed(im, t, "SELECT DISTINCT tag FROM registrations");
        }
    }
    return imp_tagset_add(t, tag, len, data_new);
}
