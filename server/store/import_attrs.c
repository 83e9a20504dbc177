/* import_attrs.c -- the referrer's optional provider columns: opening
 * hours, languages, wheelchair access, direct access, waiting time, AGB and
 * BIG. Checked here once so the snapshot can trust them; docs/SCHEMA.md
 * gives the formats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/attrs.h"
#include "proto/vocab.h"
#include "import.h"

enum { A_HOURS, A_LANG, A_WHEEL, A_DIRECT, A_WAIT, A_CONFIRMED, A_AGB, A_BIG };

static int tri(vw_imp *im, const char *name, const char *s, size_t len, int *out)
{
    bool b;
    *out = -1;
    if (len == 0)
        return 0;
    if (imp_parse_bool(s, len, &b) != 0)
        return imp_reject(im, "%s \"%.16s\" is not a boolean (0/1, true/false, yes/no, "
                              "ja/nee; empty = unknown)", name, s);
    *out = b;
    return 0;
}

static int languages(vw_imp *im, char *s, size_t len, char *out)
{
    size_t pos = 0, il, n = 0;
    char *item;
    vw_lang seen[VW_LANG_MAX];
    out[0] = '\0';
    while (imp_list_next(s, len, &pos, &item, &il)) {
        vw_lang l = vw_lang_parse(item, il);
        if (l == 0)
            return imp_reject(im, "language \"%.16s\" is not an ISO 639-1 code (two lower-case "
                                  "letters such as nl, en, tr, ar)", item);
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = seen[k] == l;
        if (dup)
            continue;
        if (n == VW_LANG_MAX)
            return imp_reject(im, "more than %d languages", VW_LANG_MAX);
        seen[n] = l;
        if (n)
            strcat(out, ";");
        strncat(out, item, 2);
        n++;
    }
    return 0;
}

int imp_attrs_parse(vw_imp *im, int disc, char *const *f, const size_t *len, imp_attrs *a)
{
    vw_hours_iv iv[VW_HOURS_MAX];
    char why[200];
    memset(a, 0, sizeof *a);
    int n = vw_hours_parse(f[A_HOURS], len[A_HOURS], iv, why, sizeof why);
    if (n < 0)
        return imp_reject(im, "%s", why);
    vw_hours_format(iv, n, a->hours);
    if (languages(im, f[A_LANG], len[A_LANG], a->languages) != 0 ||
        tri(im, "wheelchair", f[A_WHEEL], len[A_WHEEL], &a->wheelchair) != 0 ||
        tri(im, "direct_access", f[A_DIRECT], len[A_DIRECT], &a->direct_access) != 0)
        return 1;
    if (a->direct_access == 1 && !vw_discipline_direct_access(disc))
        return imp_reject(im, "direct_access: a %s is not directly accessible without referral "
                              "(docs/SCHEMA.md lists the disciplines that are)",
                          vw_discipline_name(disc));
    a->wait_weeks = -1;
    if (len[A_WAIT]) {
        const char *w = f[A_WAIT];
        if (len[A_WAIT] > 3 || strspn(w, "0123456789") != len[A_WAIT] ||
            (a->wait_weeks = (int)strtol(w, NULL, 10)) > 520)
            return imp_reject(im, "wait_weeks is not a whole number of weeks 0..520");
    }
    int32_t day;
    if (len[A_CONFIRMED] && vw_date_parse(f[A_CONFIRMED], len[A_CONFIRMED], &day) != 0)
        return imp_reject(im, "wait_confirmed is not a date YYYY-MM-DD");
    if ((a->wait_weeks >= 0) != (len[A_CONFIRMED] > 0))
        return imp_reject(im, "wait_weeks and wait_confirmed go together: give both or neither");
    if (len[A_CONFIRMED] && day > vw_date_today() + 1)
        return imp_reject(im, "wait_confirmed lies in the future");
    if (len[A_AGB] && !vw_agb_valid(f[A_AGB], len[A_AGB]))
        return imp_reject(im, "agb is not an AGB code (8 digits)");
    if (len[A_BIG] && !vw_big_valid(f[A_BIG], len[A_BIG]))
        return imp_reject(im, "big is not a BIG number (11 digits)");
    if (len[A_BIG] && !vw_discipline_has_big(disc))
        return imp_reject(im, "big: a %s is not a BIG-registered profession",
                          vw_discipline_name(disc));
    a->wait_confirmed = f[A_CONFIRMED];
    a->agb = f[A_AGB];
    a->big = f[A_BIG];
    return 0;
}

static void bind_int(sqlite3_stmt *q, int i, int v)
{
    if (v < 0)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_int(q, i, v);
}

void imp_attrs_bind(sqlite3_stmt *q, int first, const imp_attrs *a)
{
    imp_bind_text(q, first, a->hours, strlen(a->hours), true);
    imp_bind_text(q, first + 1, a->languages, strlen(a->languages), true);
    bind_int(q, first + 2, a->wheelchair);
    bind_int(q, first + 3, a->direct_access);
    bind_int(q, first + 4, a->wait_weeks);
    imp_bind_text(q, first + 5, a->wait_confirmed, strlen(a->wait_confirmed), true);
    imp_bind_text(q, first + 6, a->agb, strlen(a->agb), true);
    imp_bind_text(q, first + 7, a->big, strlen(a->big), true);
}
