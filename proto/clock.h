/* clock.h -- which calendar day "today" is. Registrations and
 * certifications are valid per Dutch calendar day, so the default `as_of` is
 * the wall-clock date in one time zone (config `tz`, default
 * Europe/Amsterdam), read from the system's zoneinfo (Debian `tzdata`), not
 * the UTC date. Also the test clock: a pinned "now" for tests only.
 *
 * Thread safety: vw_clock_setup() sets the process's TZ once, before any
 * thread exists; afterwards nothing changes TZ and vw_date_today() only
 * calls localtime_r(), which is MT-safe in glibc (it reads the zone under
 * its own lock). Implemented in clock.c. */
#ifndef VW_PROTO_CLOCK_H
#define VW_PROTO_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define VW_CLOCK_DEFAULT_TZ "Europe/Amsterdam"
#define VW_CLOCK_TZ_MAX 64          /* bytes of a zone name */
#define VW_CLOCK_TEST_ENV "VW_TEST_NOW"

/* A zone name as the tz database spells it: 1..64 of [A-Za-z0-9_+-/], no
 * leading '/', no "." or ".." component. */
bool vw_clock_tz_valid(const char *name);

/* Selects the zone `tz` (NULL: the default) for vw_date_today(): checks it
 * exists in the zoneinfo directory ($TZDIR, else /usr/share/zoneinfo) as a
 * TZif file, then sets TZ and calls tzset(). With `test_clock`, also pins
 * "now" to $VW_TEST_NOW (unix seconds or YYYY-MM-DDTHH:MM:SSZ), which must
 * then be set; without it, $VW_TEST_NOW is ignored (vw_clock_pinned() says
 * so: false). Call before starting threads. 0 ok; -1 with a message. */
int vw_clock_setup(const char *tz, bool test_clock, char *msg, size_t msg_cap);

/* The zone in use ("" before vw_clock_setup) and the pinned "now" (false
 * when the clock runs). */
const char *vw_clock_tz(void);
bool vw_clock_pinned(int64_t *now);

/* Seconds since the epoch: the pinned "now", else time(). */
int64_t vw_clock_now(void);

/* The calendar day (days since 1970-01-01) that instant `t` falls on in the
 * zone in use; vw_date_today() = vw_date_at(vw_clock_now()). Before
 * vw_clock_setup the zone is whatever TZ says (UTC when unset). */
int32_t vw_date_at(int64_t t);
int32_t vw_date_today(void);

/* Parses "1774746000" or "2026-03-29T01:00:00Z" (UTC). 0 ok / -1. */
int vw_clock_parse_instant(const char *s, int64_t *t);

#endif
