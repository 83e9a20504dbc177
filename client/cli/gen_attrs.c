/* gen_attrs.c -- the referrer's columns of `verwijs gen`: opening hours,
 * languages, wheelchair access, direct access, waiting time, AGB and BIG.
 * A stream of its own (splitmix64 from the seed), so the rest of the
 * generated directory is the same as without these columns. Waits are
 * confirmed relative to the day of generation. */
#include <stdio.h>

#include "proto/attrs.h"
#include "proto/vocab.h"
#include "cli.h"

static uint64_t next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int pick(uint64_t *x, int n) { return (int)(next(x) % (uint64_t)n); }

/* Weekly patterns a practice might keep (minutes). */
static void put_hours(FILE *fp, uint64_t *x, int disc)
{
    static const char *const day[] = {"mo", "tu", "we", "th", "fr", "sa"};
    if (disc == VW_D_INLOOPHUIS) { /* walk-in centres: a few days, daytime */
        fprintf(fp, "tu 10:00-16:00; we 10:00-16:00; th 10:00-16:00%s",
                pick(x, 2) ? "; fr 10:00-13:00" : "");
        return;
    }
    int am = 8 * 60 + 30 * pick(x, 3), pm_end = 17 * 60 + 30 * pick(x, 2);
    int late = pick(x, 3) == 0 ? pick(x, 5) : -1; /* one evening until 20:00 */
    int days = 4 + pick(x, 2) - (pick(x, 6) == 0); /* 3..5 weekdays */
    int skip = days < 5 ? pick(x, 5) : -1;
    bool first = true;
    for (int d = 0; d < 5; d++) {
        if (d == skip || (days == 3 && d == (skip + 2) % 5))
            continue;
        char a[6], b[6];
        vw_hhmm_format(am, a);
        vw_hhmm_format(d == late ? 20 * 60 : pm_end, b);
        if (pick(x, 2))
            fprintf(fp, "%s%s %s-12:30,13:30-%s", first ? "" : "; ", day[d], a, b);
        else
            fprintf(fp, "%s%s %s-%s", first ? "" : "; ", day[d], a, b);
        first = false;
    }
    if (pick(x, 8) == 0)
        fprintf(fp, "; sa 09:00-12:00");
}

static void put_languages(FILE *fp, uint64_t *x, bool city)
{
    /* Besides Dutch and English, the languages of the larger groups of
     * newcomers; more of them in cities. */
    static const char *const more[] = {"tr", "ar", "pl", "de", "fr", "es", "so", "ti", "uk", "zh"};
    fprintf(fp, "nl");
    if (pick(x, 10) < 6)
        fprintf(fp, ";en");
    if (pick(x, 10) < (city ? 3 : 1))
        fprintf(fp, ";%s", more[pick(x, 10)]);
    if (city && pick(x, 10) == 0)
        fprintf(fp, ";%s", more[pick(x, 4)]);
}

void vw_gen_attrs(FILE *fp, uint64_t *x, int disc, bool city, int32_t today)
{
    putc(',', fp);
    if (pick(x, 100) < 85) { /* commas inside: quoted */
        putc('"', fp);
        put_hours(fp, x, disc);
        putc('"', fp);
    }
    putc(',', fp);
    if (pick(x, 100) < 70)
        put_languages(fp, x, city);
    int w = pick(x, 100);
    fprintf(fp, ",%s,", w < 60 ? "1" : (w < 75 ? "0" : ""));
    if (vw_discipline_direct_access(disc)) {
        int d = pick(x, 10);
        fprintf(fp, "%s", d < 8 ? "1" : (d < 9 ? "0" : ""));
    }
    putc(',', fp);
    if (pick(x, 100) < 60) {
        char date[11];
        int weeks = pick(x, 3) ? pick(x, 4) : 2 + pick(x, 12);
        vw_date_format(today - pick(x, 180), date);
        fprintf(fp, "%d,%s", weeks, date);
    } else {
        putc(',', fp);
    }
    putc(',', fp);
    if (pick(x, 10) < 9)
        fprintf(fp, "%02d%06d", 1 + disc, pick(x, 1000000));
    putc(',', fp);
    if (vw_discipline_has_big(disc) && pick(x, 10) < 9)
        fprintf(fp, "%011lld", (long long)(next(x) % 100000000000ull));
}
