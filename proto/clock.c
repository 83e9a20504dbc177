/* clock.c -- implements clock.h: "today" in the configured time zone
 * through glibc's zoneinfo reader, and the test clock. */
#include "clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vocab.h"

static char zone[VW_CLOCK_TZ_MAX + 1];
/* Set once by vw_clock_setup (before threads), read-only afterwards. */
static bool pinned;
static int64_t pinned_at;
/* The day of the last UTC minute asked about: (minute + 1) << 32 | day, 0 =
 * empty. One relaxed 64-bit word, so threads never see a torn pair. Exact
 * because every zone's UTC offset since 1972 is whole minutes: midnights and
 * transitions fall on minute boundaries, so the day is constant within a
 * UTC minute. Saves localtime_r (about 1,000 instructions and a glibc lock)
 * on nearly every request (bench/todaybench.c). */
static _Atomic uint64_t day_cache;

bool vw_clock_tz_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > VW_CLOCK_TZ_MAX || name[0] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' || ch == '/';
        /* a component may not be "." or "..": nothing outside the zoneinfo dir */
        bool starts = i == 0 || name[i - 1] == '/';
        if (!ok || (ch == '/' && starts) || (starts && ch == '.'))
            return false;
    }
    return name[n - 1] != '/';
}

/* The zone's file really is a TZif file: glibc silently uses UTC for a
 * name it cannot read, which is the very mistake this module exists for. */
static int tzif_check(const char *path, char *msg, size_t cap)
{
    char magic[4];
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f)
        fclose(f);
    if (got == sizeof magic && memcmp(magic, "TZif", 4) == 0)
        return 0;
    snprintf(msg, cap, "%s: %s (install the tzdata package, or set tz to a zone it has)", path,
             f ? "not a zoneinfo (TZif) file" : "no such time zone file");
    return -1;
}

int vw_clock_parse_instant(const char *s, int64_t *t)
{
    size_t n = s ? strlen(s) : 0;
    int32_t day;
    if (n > 0 && n <= 12 && strspn(s, "0123456789") == n) {
        *t = strtoll(s, NULL, 10);
        return 0;
    }
    if (n != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
        vw_date_parse(s, 10, &day) != 0 || strspn(s + 11, "0123456789") != 2 ||
        strspn(s + 14, "0123456789") != 2 || strspn(s + 17, "0123456789") != 2)
        return -1;
    int h = atoi(s + 11), m = atoi(s + 14), sec = atoi(s + 17);
    if (h > 23 || m > 59 || sec > 59)
        return -1;
    *t = (int64_t)day * 86400 + h * 3600 + m * 60 + sec;
    return 0;
}

int vw_clock_setup(const char *tz, bool test_clock, char *msg, size_t msg_cap)
{
    char path[1200];
    const char *dir = getenv("TZDIR");
    if (tz == NULL)
        tz = VW_CLOCK_DEFAULT_TZ;
    if (!vw_clock_tz_valid(tz)) {
        snprintf(msg, msg_cap, "tz '%.64s': not a time zone name (like Europe/Amsterdam)", tz);
        return -1;
    }
    if (dir == NULL || dir[0] == '\0')
        dir = "/usr/share/zoneinfo";
    snprintf(path, sizeof path, "%.1024s/%s", dir, tz);
    if (tzif_check(path, msg, msg_cap) != 0)
        return -1;
    pinned = false;
    if (test_clock) {
        const char *v = getenv(VW_CLOCK_TEST_ENV);
        if (v == NULL || vw_clock_parse_instant(v, &pinned_at) != 0) {
            snprintf(msg, msg_cap, "the test clock needs %s = unix seconds or "
                     "YYYY-MM-DDTHH:MM:SSZ", VW_CLOCK_TEST_ENV);
            return -1;
        }
        pinned = true;
    }
    /* ":" + a path: glibc reads exactly the file checked above. */
    char tzenv[1210];
    snprintf(tzenv, sizeof tzenv, ":%s", path);
    if (setenv("TZ", tzenv, 1) != 0) {
        snprintf(msg, msg_cap, "cannot set TZ: out of memory");
        return -1;
    }
    tzset();
    atomic_store(&day_cache, 0);
    snprintf(zone, sizeof zone, "%s", tz);
    return 0;
}

const char *vw_clock_tz(void)
{
    return zone;
}

bool vw_clock_pinned(int64_t *now)
{
    if (pinned && now)
        *now = pinned_at;
    return pinned;
}

int64_t vw_clock_now(void)
{
    return pinned ? pinned_at : (int64_t)time(NULL);
}

int32_t vw_date_at(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    uint64_t key = t >= 0 && t / 60 < UINT32_MAX - 1 ? (uint64_t)(t / 60 + 1) << 32 : 0;
    uint64_t c = atomic_load_explicit(&day_cache, memory_order_relaxed);
    if (key && (c & 0xffffffff00000000u) == key)
        return (int32_t)(uint32_t)c;
    if (localtime_r(&tt, &tm) == NULL) /* only for years beyond int */
        return (int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
    int32_t day = vw_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    if (key)
        atomic_store_explicit(&day_cache, key | (uint32_t)day, memory_order_relaxed);
    return day;
}

int32_t vw_date_today(void)
{
    return vw_date_at(vw_clock_now());
}
