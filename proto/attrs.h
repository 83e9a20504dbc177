/* attrs.h -- the vocabulary of the referrer's provider attributes
 * (docs/SCHEMA.md, "providers"): weekly opening hours, ISO 639-1 language
 * codes, AGB and BIG identifiers, and which disciplines allow direct access
 * or carry a BIG registration. Shared by the importer (validation), the
 * snapshot (filters), the ops (arguments, packing) and the CLI. */
#ifndef VW_ATTRS_H
#define VW_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- opening hours ---- */
#define VW_HOURS_MAX_PER_DAY 4  /* intervals on one weekday */
#define VW_HOURS_MAX (7 * VW_HOURS_MAX_PER_DAY)
#define VW_HOURS_TEXT_MAX 512   /* longest canonical text */

/* One opening interval: [open, close) in minutes since midnight, 0..1440. */
typedef struct vw_hours_iv {
    uint8_t day;                /* 0 = Monday .. 6 = Sunday */
    uint16_t open, close;
} vw_hours_iv;

/* Two-letter day codes mo tu we th fr sa su. */
const char *vw_weekday_name(int day); /* NULL out of range */
int vw_weekday_parse(const char *s, size_t len); /* -1 unknown */

/* Parses `mo 08:00-12:00,13:00-17:00; tu 09:00-17:00` (days in any order,
 * each at most once; intervals per day ascending and not overlapping;
 * 24:00 allowed as a close). Writes at most VW_HOURS_MAX intervals sorted by
 * day then time and returns their count, or -1 with a reason in why (>= 160
 * bytes). An empty text is 0 intervals. */
int vw_hours_parse(const char *s, size_t len, vw_hours_iv *out, char *why, size_t why_len);
/* The canonical text of n sorted intervals (out >= VW_HOURS_TEXT_MAX). */
void vw_hours_format(const vw_hours_iv *iv, int n, char *out);
/* "08:00" (out >= 6) */
void vw_hhmm_format(int minutes, char *out);
/* `HH:MM`, 00:00..24:00 -> minutes; -1 when malformed. */
int vw_hhmm_parse(const char *s, size_t len);
/* `mo` or `mo@10:00` -> day and minute (-1: the whole day); 0 / -1. */
int vw_open_on_parse(const char *s, size_t len, int *day, int *minute);
/* Is one of the intervals open on `day` (at `minute`, or at all when -1)? */
bool vw_hours_open(const vw_hours_iv *iv, int n, int day, int minute);

/* ---- languages ---- */
#define VW_LANG_MAX 8           /* languages of one provider */
/* A language code as a number: (c0 << 8) | c1 of the two letters. */
typedef uint16_t vw_lang;
/* An ISO 639-1 code (two lower-case letters, in the standard's list) ->
 * its number; 0 when not a code. */
vw_lang vw_lang_parse(const char *s, size_t len);
void vw_lang_format(vw_lang l, char out[3]);

/* ---- identifiers ---- */
bool vw_agb_valid(const char *s, size_t len); /* exactly 8 digits */
bool vw_big_valid(const char *s, size_t len); /* exactly 11 digits */

/* ---- per discipline (docs/SCHEMA.md lists them) ---- */
/* May providers of discipline d be marked direct access (no GP referral)? */
bool vw_discipline_direct_access(int d);
/* Is discipline d a BIG-registered profession (Wet BIG art. 3)? */
bool vw_discipline_has_big(int d);

/* Tri-state attributes: unknown, no, yes. */
enum { VW_TRI_UNKNOWN = 0, VW_TRI_NO = 1, VW_TRI_YES = 2 };

#endif
