/* test_clock.c -- "today" is a Dutch day (proto/clock.c): the date in
 * Europe/Amsterdam at 23:30 and 00:30 UTC on a winter and a summer date and
 * at both daylight-saving transitions, with the test clock pinned there;
 * which certifications and registrations then count (engine); zone names,
 * a missing zoneinfo file, the test clock refused without being enabled. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/clock.h"
#include "proto/vocab.h"
#include "server/engine/refer.h"
#include "server/engine/snapshot.h"
#include "t.h"

/* Expected days written by hand from the Dutch rules (CET = UTC+1, CEST =
 * UTC+2 from the last Sunday of March 01:00 UTC to the last Sunday of
 * October 01:00 UTC), not from the zoneinfo the code reads. */
static const struct {
    const char *now, *nl_day, *utc_day, *what;
} cases[] = {
    {"2026-01-15T23:30:00Z", "2026-01-16", "2026-01-15", "winter 23:30 UTC = 00:30 CET"},
    {"2026-01-16T00:30:00Z", "2026-01-16", "2026-01-16", "winter 00:30 UTC = 01:30 CET"},
    {"2026-01-15T22:59:59Z", "2026-01-15", "2026-01-15", "winter 23:59:59 CET"},
    {"2026-07-15T23:30:00Z", "2026-07-16", "2026-07-15", "summer 23:30 UTC = 01:30 CEST"},
    {"2026-07-16T00:30:00Z", "2026-07-16", "2026-07-16", "summer 00:30 UTC = 02:30 CEST"},
    {"2026-07-15T21:59:59Z", "2026-07-15", "2026-07-15", "summer 23:59:59 CEST"},
    {"2026-03-29T01:00:00Z", "2026-03-29", "2026-03-29", "spring forward: 03:00 CEST"},
    {"2026-03-28T23:30:00Z", "2026-03-29", "2026-03-28", "the night before: 00:30 CET"},
    {"2026-03-28T22:59:59Z", "2026-03-28", "2026-03-28", "23:59:59 CET before it"},
    {"2026-10-25T01:00:00Z", "2026-10-25", "2026-10-25", "fall back: 02:00 CET"},
    {"2026-10-24T22:30:00Z", "2026-10-25", "2026-10-24", "the night before: 00:30 CEST"},
    {"2026-10-24T21:59:59Z", "2026-10-24", "2026-10-24", "23:59:59 CEST before it"},
    {"2026-10-25T23:30:00Z", "2026-10-26", "2026-10-25", "the day after: 00:30 CET"},
};
#define NCASES (sizeof cases / sizeof cases[0])

static int32_t day(const char *s)
{
    int32_t d = VW_DATE_NONE;
    if (vw_date_parse(s, strlen(s), &d) != 0)
        abort();
    return d;
}

static int pin(const char *tz, const char *now)
{
    char msg[1400];
    setenv(VW_CLOCK_TEST_ENV, now, 1);
    int rc = vw_clock_setup(tz, true, msg, sizeof msg);
    if (rc != 0)
        fprintf(stderr, "clock setup: %s\n", msg);
    return rc;
}

static void test_names(void)
{
    CHECK(vw_clock_tz_valid("Europe/Amsterdam"));
    CHECK(vw_clock_tz_valid("UTC"));
    CHECK(vw_clock_tz_valid("Etc/GMT-1"));
    CHECK(!vw_clock_tz_valid(""));
    CHECK(!vw_clock_tz_valid(NULL));
    CHECK(!vw_clock_tz_valid("/etc/passwd"));
    CHECK(!vw_clock_tz_valid("../../etc/passwd"));
    CHECK(!vw_clock_tz_valid("Europe/../../x"));
    CHECK(!vw_clock_tz_valid("Europe//Amsterdam"));
    CHECK(!vw_clock_tz_valid("Europe/"));
    CHECK(vw_clock_tz_valid("CET")); /* a name; that a file exists is checked later */
    CHECK(!vw_clock_tz_valid("Europe/Amsterdam "));
    char longer[80];
    memset(longer, 'a', 65);
    longer[65] = '\0';
    CHECK(!vw_clock_tz_valid(longer));

    int64_t t = 0;
    CHECK(vw_clock_parse_instant("1774746000", &t) == 0 && t == 1774746000);
    CHECK(vw_clock_parse_instant("2026-03-29T01:00:00Z", &t) == 0 && t == 1774746000);
    CHECK(vw_clock_parse_instant("2026-03-29T24:00:00Z", &t) == -1);
    CHECK(vw_clock_parse_instant("2026-03-29 01:00:00", &t) == -1);
    CHECK(vw_clock_parse_instant("2026-02-30T01:00:00Z", &t) == -1);
    CHECK(vw_clock_parse_instant("", &t) == -1);
    CHECK(vw_clock_parse_instant("-5", &t) == -1);
}

/* The zone must exist as a TZif file; glibc would silently use UTC. */
static void test_missing_zone(void)
{
    char msg[1400];
    CHECK(vw_clock_setup("Europe/Atlantis", false, msg, sizeof msg) == -1);
    CHECK(strstr(msg, "Europe/Atlantis") && strstr(msg, "tzdata"));
    CHECK(vw_clock_setup("../etc/passwd", false, msg, sizeof msg) == -1);
    setenv("TZDIR", "/nonexistent-zoneinfo", 1);
    CHECK(vw_clock_setup("Europe/Amsterdam", false, msg, sizeof msg) == -1);
    CHECK(strstr(msg, "/nonexistent-zoneinfo/Europe/Amsterdam") != NULL);
    unsetenv("TZDIR");
    /* enabled without a value, or a bad one: refused */
    unsetenv(VW_CLOCK_TEST_ENV);
    CHECK(vw_clock_setup(NULL, true, msg, sizeof msg) == -1 && strstr(msg, VW_CLOCK_TEST_ENV));
    setenv(VW_CLOCK_TEST_ENV, "tomorrow", 1);
    CHECK(vw_clock_setup(NULL, true, msg, sizeof msg) == -1);
}

/* Not enabled: VW_TEST_NOW changes nothing. */
static void test_clock_not_enabled(void)
{
    char msg[1400];
    setenv(VW_CLOCK_TEST_ENV, "2001-01-01T12:00:00Z", 1);
    CHECK(vw_clock_setup(NULL, false, msg, sizeof msg) == 0);
    CHECK(!vw_clock_pinned(NULL));
    CHECK(vw_date_today() > day("2020-01-01"));
    CHECK_STR(vw_clock_tz(), "Europe/Amsterdam");
    unsetenv(VW_CLOCK_TEST_ENV);
}

static void test_days(void)
{
    for (size_t i = 0; i < NCASES; i++) {
        char got[11];
        CHECK(pin("Europe/Amsterdam", cases[i].now) == 0);
        vw_date_format(vw_date_today(), got);
        if (strcmp(got, cases[i].nl_day) != 0)
            fprintf(stderr, "%s (%s): %s, expected %s\n", cases[i].what, cases[i].now, got,
                    cases[i].nl_day);
        CHECK(strcmp(got, cases[i].nl_day) == 0);
        CHECK(pin("UTC", cases[i].now) == 0);
        vw_date_format(vw_date_today(), got);
        CHECK_STR(got, cases[i].utc_day);
    }
}

/* The Dutch rule for 2026 by hand: CEST (UTC+2) from 2026-03-29T01:00Z to
 * 2026-10-25T01:00Z, else CET (UTC+1). */
static int32_t nl_day_2026(int64_t t)
{
    int64_t on = 1774746000, off = 1792890000; /* 03-29T01:00Z, 10-25T01:00Z */
    int64_t local = t + (t >= on && t < off ? 7200 : 3600);
    return (int32_t)(local / 86400);
}

/* Every 15 minutes of 2026, every 20 s near both transitions and the
 * midnights around them, forwards and backwards (the per-minute cache of
 * vw_date_at must never answer for the wrong minute). */
static void test_sweep(void)
{
    char msg[1400];
    int64_t y0 = 1767225600, y1 = 1798761600; /* 2026-01-01T00:00Z .. 2027-01-01 */
    long bad = 0, n = 0;
    CHECK(vw_clock_setup("Europe/Amsterdam", false, msg, sizeof msg) == 0);
    for (int64_t t = y0; t < y1; t += 900, n++)
        bad += vw_date_at(t) != nl_day_2026(t);
    static const int64_t around[] = {1774746000, 1792890000, 1774738800 /* 03-28T23:00Z */,
                                     1792879200 /* 10-24T22:00Z */, 1792969200 /* 10-25T23:00Z */};
    for (size_t k = 0; k < sizeof around / sizeof around[0]; k++) {
        for (int64_t t = around[k] - 7200; t < around[k] + 7200; t += 20, n++)
            bad += vw_date_at(t) != nl_day_2026(t);
        for (int64_t t = around[k] + 7200; t > around[k] - 7200; t -= 20, n++)
            bad += vw_date_at(t) != nl_day_2026(t);
    }
    if (bad)
        fprintf(stderr, "sweep: %ld of %ld instants on the wrong day\n", bad, n);
    CHECK(bad == 0);
}

/* Per case i: network N<i>t certified until the Dutch day (counts), N<i>y
 * until the day before (does not: it ended "yesterday"); provider P<i> with
 * lymfoedeem from the Dutch day (counts), oncologie until the day before and
 * voeding from the next day (neither). */
static vw_snapshot *build(void)
{
    vw_err err;
    vw_snapbuild *b = vw_snapbuild_new();
    for (size_t i = 0; i < NCASES; i++) {
        char nt[16], ny[16], p[16];
        int32_t d = day(cases[i].nl_day);
        snprintf(nt, sizeof nt, "N%zut", i);
        snprintf(ny, sizeof ny, "N%zuy", i);
        snprintf(p, sizeof p, "P%zu", i);
        CHECK(vw_snapbuild_add_network(b, &(vw_network_in){.id = nt, .name = nt,
                  .status = VW_NET_CERTIFIED, .certified_until = d}, &err) == 0);
        CHECK(vw_snapbuild_add_network(b, &(vw_network_in){.id = ny, .name = ny,
                  .status = VW_NET_CERTIFIED, .certified_until = d - 1}, &err) == 0);
        const char *nets[2] = {nt, ny};
        vw_provider_in pi = {.id = p, .name = p, .lat = 52.09, .lon = 5.12,
                             .discipline = VW_D_FYSIOTHERAPEUT, .networks = nets,
                             .n_networks = 2, .accepting = true};
        CHECK(vw_snapbuild_add_provider(b, &pi, &err) == 0);
        CHECK(vw_snapbuild_add_registration(b, p, "lymfoedeem", "r", d, VW_DATE_NONE, &err) == 0);
        CHECK(vw_snapbuild_add_registration(b, p, "oncologie", "r", VW_DATE_NONE, d - 1, &err) == 0);
        CHECK(vw_snapbuild_add_registration(b, p, "voeding", "r", d + 1, d + 30, &err) == 0);
    }
    vw_snapshot *s = vw_snapbuild_finish(b, &err);
    if (s == NULL)
        fprintf(stderr, "build: %s\n", err.message);
    return s;
}

static void test_what_counts(void)
{
    vw_snapshot *s = build();
    CHECK(s != NULL);
    if (s == NULL)
        return;
    int ly = vw_snapshot_tag_bit(s, "lymfoedeem", 10), on = vw_snapshot_tag_bit(s, "oncologie", 9),
        vo = vw_snapshot_tag_bit(s, "voeding", 7);
    for (size_t i = 0; i < NCASES; i++) {
        char id[16];
        CHECK(pin("Europe/Amsterdam", cases[i].now) == 0);
        int32_t today = vw_date_today();
        snprintf(id, sizeof id, "N%zut", i);
        const vw_network *nt = vw_snapshot_network(s, (uint32_t)vw_snapshot_find_network(s, id, strlen(id)));
        snprintf(id, sizeof id, "N%zuy", i);
        const vw_network *ny = vw_snapshot_network(s, (uint32_t)vw_snapshot_find_network(s, id, strlen(id)));
        snprintf(id, sizeof id, "P%zu", i);
        int64_t p = vw_snapshot_find_provider(s, id, strlen(id));
        CHECK(p >= 0);
        uint64_t tags = vw_provider_tags_on(s, (uint32_t)p, today);
        bool ok = vw_network_certified_on(nt, today) && !vw_network_certified_on(ny, today) &&
                  (tags >> ly & 1) && !(tags >> on & 1) && !(tags >> vo & 1);
        if (!ok)
            fprintf(stderr, "%s: certifications/registrations counted on the wrong day\n",
                    cases[i].what);
        CHECK(ok);
        /* at 23:30 UTC the UTC date is yesterday's: there the old default
         * counted N<i>y and missed lymfoedeem */
        if (strcmp(cases[i].nl_day, cases[i].utc_day) != 0) {
            int32_t utc = day(cases[i].utc_day);
            CHECK(vw_network_certified_on(ny, utc));
            CHECK(!(vw_provider_tags_on(s, (uint32_t)p, utc) >> ly & 1));
        }
    }
    vw_snapshot_release(s);
}

int main(void)
{
    unsetenv("TZDIR");
    test_names();
    test_missing_zone();
    test_clock_not_enabled();
    test_days();
    test_sweep();
    test_what_counts();
    return T_DONE();
}
