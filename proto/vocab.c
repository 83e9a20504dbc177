/* vocab.c -- implements vocab.h: discipline codes, base expertise tags, the
 * syntax of tags and ids, network status, and YYYY-MM-DD dates as days since
 * 1970-01-01 (proleptic Gregorian, UTC). */
#include "vocab.h"

#include <string.h>

/* Same order as the VW_D_* enum: the index is the code's number. */
static const char *const discipline_names[VW_D_COUNT] = {
    "fysiotherapeut",   "oefentherapeut",        "ergotherapeut",
    "dietist",          "logopedist",            "psycholoog",
    "maatschappelijk_werker", "seksuoloog",      "huidtherapeut",
    "geestelijk_verzorger", "oncologieverpleegkundige", "huisarts",
    "poc",              "inloophuis",            "bedrijfsarts",
};

const char *const vw_base_tags[VW_BASE_TAG_COUNT] = {
    "oncologie", "lymfoedeem", "vermoeidheid", "psycho-oncologie", "voeding",
    "seksualiteit", "werk", "revalidatie", "palliatief", "jongvolwassenen",
};

static bool eq(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return n == len && memcmp(s, lit, n) == 0;
}

int vw_discipline_parse(const char *s, size_t len)
{
    if (s == NULL)
        return -1;
    for (int d = 0; d < VW_D_COUNT; d++)
        if (eq(s, len, discipline_names[d]))
            return d;
    return -1;
}

const char *vw_discipline_name(int d)
{
    if (d < 0 || d >= VW_D_COUNT)
        return NULL;
    return discipline_names[d];
}

bool vw_tag_valid(const char *s, size_t len)
{
    if (s == NULL || len < 1 || len > 32)
        return false;
    if (!(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

bool vw_id_valid(const char *s, size_t len)
{
    if (s == NULL || len < 1 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        /* printable ASCII without space; ';' and ',' separate lists in CSV */
        if (c < 0x21 || c > 0x7e || c == ';' || c == ',')
            return false;
    }
    return true;
}

const char *const vw_net_kinds[VW_NET_KIND_COUNT] = {VW_NET_KIND_NVPO, VW_NET_KIND_HOSPITAL,
                                                     VW_NET_KIND_PALLIATIVE};

bool vw_net_kind_known(const char *s, size_t len)
{
    for (int i = 0; i < VW_NET_KIND_COUNT; i++)
        if (eq(s, len, vw_net_kinds[i]))
            return true;
    return false;
}

bool vw_net_kind_nvpo(const char *kind)
{
    return kind == NULL || kind[0] == '\0' || strcmp(kind, VW_NET_KIND_NVPO) == 0;
}

int vw_net_status_parse(const char *s, size_t len)
{
    if (s == NULL)
        return -1;
    if (eq(s, len, "certified"))
        return VW_NET_CERTIFIED;
    if (eq(s, len, "forming"))
        return VW_NET_FORMING;
    return -1;
}

const char *vw_net_status_name(int status)
{
    switch (status) {
    case VW_NET_CERTIFIED:
        return "certified";
    case VW_NET_FORMING:
        return "forming";
    default:
        return NULL;
    }
}

/* ---- dates ----------------------------------------------------------------
 * days_from_civil / civil_from_days after H. Hinnant's public-domain
 * algorithms: exact for every proleptic Gregorian date. */

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

int32_t vw_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int vw_date_parse(const char *s, size_t len, int32_t *days)
{
    if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    if (days)
        *days = vw_date_from_ymd(y, m, d);
    return 0;
}

/* Writes "YYYY-MM-DD"; VW_DATE_NONE and days outside years 0..9999 give "". */
void vw_date_format(int32_t days, char out[11])
{
    out[0] = '\0';
    if (days == VW_DATE_NONE)
        return;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}
