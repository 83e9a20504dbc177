/* attrs.c -- opening hours, language codes, AGB/BIG syntax and the
 * per-discipline rules of attrs.h. */
#include "attrs.h"

#include <stdio.h>
#include <string.h>

#include "vocab.h"

static const char days[7][3] = {"mo", "tu", "we", "th", "fr", "sa", "su"};

const char *vw_weekday_name(int day)
{
    return day >= 0 && day < 7 ? days[day] : NULL;
}

int vw_weekday_parse(const char *s, size_t len)
{
    if (len != 2)
        return -1;
    for (int d = 0; d < 7; d++)
        if (s[0] == days[d][0] && s[1] == days[d][1])
            return d;
    return -1;
}

static bool dig(char c) { return c >= '0' && c <= '9'; }

int vw_hhmm_parse(const char *s, size_t len)
{
    if (len != 5 || !dig(s[0]) || !dig(s[1]) || s[2] != ':' || !dig(s[3]) || !dig(s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

void vw_hhmm_format(int minutes, char *out)
{
    unsigned m = (unsigned)minutes % 1441u;
    out[0] = (char)('0' + m / 600);
    out[1] = (char)('0' + m / 60 % 10);
    out[2] = ':';
    out[3] = (char)('0' + m % 60 / 10);
    out[4] = (char)('0' + m % 10);
    out[5] = '\0';
}

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* One `HH:MM-HH:MM`. */
static int parse_iv(const char *s, size_t len, vw_hours_iv *iv)
{
    trim(&s, &len);
    if (len != 11 || s[5] != '-')
        return -1;
    int o = vw_hhmm_parse(s, 5), c = vw_hhmm_parse(s + 6, 5);
    if (o < 0 || c < 0 || o >= c)
        return -1;
    iv->open = (uint16_t)o;
    iv->close = (uint16_t)c;
    return 0;
}

/* One day's `dd iv,iv`: appends to out[*n]. */
static int parse_day(const char *s, size_t len, vw_hours_iv *out, int *n, unsigned *seen,
                     char *why, size_t wl)
{
    trim(&s, &len);
    if (len < 3 || (s[2] != ' ' && s[2] != '\t')) {
        snprintf(why, wl, "hours: \"%.20s\" is not a day code and intervals "
                          "(e.g. mo 08:00-12:00,13:00-17:00)", s);
        return -1;
    }
    int d = vw_weekday_parse(s, 2);
    if (d < 0) {
        snprintf(why, wl, "hours: unknown day \"%.2s\" (mo tu we th fr sa su)", s);
        return -1;
    }
    if (*seen & (1u << d)) {
        snprintf(why, wl, "hours: %s is listed twice", days[d]);
        return -1;
    }
    *seen |= 1u << d;
    const char *p = s + 3, *end = s + len;
    int first = *n;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        vw_hours_iv iv = {.day = (uint8_t)d};
        if (parse_iv(p, (size_t)(e - p), &iv) != 0) {
            snprintf(why, wl, "hours: %s has an interval that is not HH:MM-HH:MM with "
                              "opening before closing (00:00..24:00)", days[d]);
            return -1;
        }
        if (*n - first == VW_HOURS_MAX_PER_DAY) {
            snprintf(why, wl, "hours: more than %d intervals on %s", VW_HOURS_MAX_PER_DAY,
                     days[d]);
            return -1;
        }
        if (*n > first && iv.open < out[*n - 1].close) {
            snprintf(why, wl, "hours: intervals on %s overlap or are not in ascending order",
                     days[d]);
            return -1;
        }
        out[(*n)++] = iv;
        p = e + 1;
    }
    return 0;
}

int vw_hours_parse(const char *s, size_t len, vw_hours_iv *out, char *why, size_t why_len)
{
    vw_hours_iv tmp[VW_HOURS_MAX];
    int n = 0;
    unsigned seen = 0;
    const char *p = s, *end = s + len;
    if (len > VW_HOURS_TEXT_MAX) {
        snprintf(why, why_len, "hours longer than %d bytes", VW_HOURS_TEXT_MAX);
        return -1;
    }
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *e = semi ? semi : end;
        const char *a = p;
        size_t l = (size_t)(e - p);
        trim(&a, &l);
        if (l > 0 && parse_day(a, l, tmp, &n, &seen, why, why_len) != 0)
            return -1;
        p = e + 1;
    }
    /* days may come in any order: sort by day (stable within a day) */
    int k = 0;
    for (int d = 0; d < 7; d++)
        for (int i = 0; i < n; i++)
            if (tmp[i].day == d)
                out[k++] = tmp[i];
    return n;
}

void vw_hours_format(const vw_hours_iv *iv, int n, char *out)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char a[6], b[6];
        bool new_day = i == 0 || iv[i].day != iv[i - 1].day;
        vw_hhmm_format(iv[i].open, a);
        vw_hhmm_format(iv[i].close, b);
        int w = new_day ? snprintf(out + o, VW_HOURS_TEXT_MAX - o, "%s%s %s-%s", i ? "; " : "",
                                   days[iv[i].day], a, b)
                        : snprintf(out + o, VW_HOURS_TEXT_MAX - o, ",%s-%s", a, b);
        if (w < 0 || (size_t)w >= VW_HOURS_TEXT_MAX - o)
            return;
        o += (size_t)w;
    }
}

int vw_open_on_parse(const char *s, size_t len, int *day, int *minute)
{
    *minute = -1;
    if (len < 2 || (*day = vw_weekday_parse(s, 2)) < 0)
        return -1;
    if (len == 2)
        return 0;
    if (s[2] != '@' || (*minute = vw_hhmm_parse(s + 3, len - 3)) < 0 || *minute >= 1440)
        return -1;
    return 0;
}

bool vw_hours_open(const vw_hours_iv *iv, int n, int day, int minute)
{
    for (int i = 0; i < n; i++)
        if (iv[i].day == day && (minute < 0 || (iv[i].open <= minute && minute < iv[i].close)))
            return true;
    return false;
}

/* ISO 639-1, from Debian's iso-codes (iso_639-2.json, alpha_2). */
static const char iso639_1[] =
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
    "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi "
    "ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks "
    "ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl "
    "nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
    "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve "
    "vi vo wa wo xh yi yo za zh zu";

vw_lang vw_lang_parse(const char *s, size_t len)
{
    if (len != 2 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z')
        return 0;
    for (size_t i = 0; i + 1 < sizeof iso639_1; i += 3)
        if (iso639_1[i] == s[0] && iso639_1[i + 1] == s[1])
            return (vw_lang)(((unsigned)s[0] << 8) | (unsigned)s[1]);
    return 0;
}

void vw_lang_format(vw_lang l, char out[3])
{
    out[0] = (char)(l >> 8);
    out[1] = (char)(l & 0xff);
    out[2] = '\0';
}

static bool digits(const char *s, size_t len, size_t want)
{
    if (len != want)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!dig(s[i]))
            return false;
    return true;
}

bool vw_agb_valid(const char *s, size_t len) { return digits(s, len, 8); }
bool vw_big_valid(const char *s, size_t len) { return digits(s, len, 11); }

/* Direct access ("directe toegankelijkheid"): the paramedical professions
 * patients may see without referral by law and insurance (DTF, DTO, DTE,
 * DTD, DTL, skin therapy), and the services outside the referral system
 * (social work, spiritual care, walk-in centres). */
bool vw_discipline_direct_access(int d)
{
    switch (d) {
    case VW_D_FYSIOTHERAPEUT: case VW_D_OEFENTHERAPEUT: case VW_D_ERGOTHERAPEUT:
    case VW_D_DIETIST: case VW_D_LOGOPEDIST: case VW_D_HUIDTHERAPEUT:
    case VW_D_MAATSCHAPPELIJK_WERKER: case VW_D_GEESTELIJK_VERZORGER: case VW_D_INLOOPHUIS:
        return true;
    default:
        return false;
    }
}

/* Wet BIG article 3 professions: physician (GP, occupational physician),
 * physiotherapist, health-care psychologist, nurse; a sexologist or practice
 * nurse is registered in their base profession. */
bool vw_discipline_has_big(int d)
{
    switch (d) {
    case VW_D_FYSIOTHERAPEUT: case VW_D_PSYCHOLOOG: case VW_D_SEKSUOLOOG:
    case VW_D_ONCOLOGIEVERPLEEGKUNDIGE: case VW_D_HUISARTS: case VW_D_POC:
    case VW_D_BEDRIJFSARTS:
        return true;
    default:
        return false;
    }
}
