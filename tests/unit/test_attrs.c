/* test_attrs.c -- the referrer's vocabulary (proto/attrs.h): opening hours
 * parsed, normalised and formatted back; open_on; the open test at interval
 * edges; ISO 639-1 codes; AGB/BIG syntax; the per-discipline rules; the
 * network kinds. */
#include <string.h>

#include "proto/attrs.h"
#include "proto/vocab.h"
#include "t.h"

static int parse(const char *s, vw_hours_iv *iv)
{
    char why[200];
    return vw_hours_parse(s, strlen(s), iv, why, sizeof why);
}

int main(void)
{
    vw_hours_iv iv[VW_HOURS_MAX];
    char out[VW_HOURS_TEXT_MAX];
    /* canonical form: days Monday first, separators normalised */
    CHECK(parse(" tu 09:00-17:00 ;mo 08:00-12:00 , 13:00-17:00;", iv) == 3);
    vw_hours_format(iv, 3, out);
    CHECK_STR(out, "mo 08:00-12:00,13:00-17:00; tu 09:00-17:00");
    CHECK(parse(out, iv) == 3); /* the canonical text parses to itself */
    char again[VW_HOURS_TEXT_MAX];
    vw_hours_format(iv, 3, again);
    CHECK_STR(again, out);
    CHECK(parse("", iv) == 0 && parse(" ; ", iv) == 0);
    CHECK(parse("su 00:00-24:00", iv) == 1 && iv[0].day == 6 && iv[0].close == 1440);
    /* refused */
    static const char *const bad[] = {
        "mo 08:00-08:00", "mo 8:00-12:00", "mo 08:00-24:01", "mo 12:00-13:00,11:00-12:30",
        "mo 08:00-09:00; mo 10:00-11:00", "xx 08:00-09:00", "mo08:00-09:00", "mo 08:00-09:00,",
        "mo 01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00", "mo 23:60-24:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(parse(bad[i], iv) == -1);
    /* adjacent intervals are fine: 12:00 closes one and opens the next */
    CHECK(parse("we 08:00-12:00,12:00-13:00", iv) == 2);

    /* open_on and the open test: open <= t < close */
    int d, m;
    CHECK(vw_open_on_parse("tu", 2, &d, &m) == 0 && d == 1 && m == -1);
    CHECK(vw_open_on_parse("su@23:59", 8, &d, &m) == 0 && d == 6 && m == 1439);
    CHECK(vw_open_on_parse("tu@24:00", 8, &d, &m) == -1);
    CHECK(vw_open_on_parse("tue", 3, &d, &m) == -1 && vw_open_on_parse("tu@9:00", 7, &d, &m) == -1);
    CHECK(parse("mo 08:00-12:00,13:00-17:00", iv) == 2);
    CHECK(vw_hours_open(iv, 2, 0, 480) && !vw_hours_open(iv, 2, 0, 720) &&
          vw_hours_open(iv, 2, 0, 1019) && !vw_hours_open(iv, 2, 0, 1020));
    CHECK(vw_hours_open(iv, 2, 0, -1) && !vw_hours_open(iv, 2, 1, -1));

    /* languages */
    CHECK(vw_lang_parse("nl", 2) && vw_lang_parse("tr", 2) && vw_lang_parse("zu", 2));
    CHECK(!vw_lang_parse("xx", 2) && !vw_lang_parse("NL", 2) && !vw_lang_parse("tur", 3) &&
          !vw_lang_parse("n", 1));
    char code[3];
    vw_lang_format(vw_lang_parse("ar", 2), code);
    CHECK_STR(code, "ar");

    /* identifiers and disciplines */
    CHECK(vw_agb_valid("01234567", 8) && !vw_agb_valid("0123456", 7) &&
          !vw_agb_valid("0123456a", 8));
    CHECK(vw_big_valid("12345678901", 11) && !vw_big_valid("1234567890", 10));
    CHECK(vw_discipline_direct_access(VW_D_FYSIOTHERAPEUT) &&
          vw_discipline_direct_access(VW_D_INLOOPHUIS) &&
          !vw_discipline_direct_access(VW_D_PSYCHOLOOG) &&
          !vw_discipline_direct_access(VW_D_HUISARTS));
    CHECK(vw_discipline_has_big(VW_D_HUISARTS) && vw_discipline_has_big(VW_D_FYSIOTHERAPEUT) &&
          !vw_discipline_has_big(VW_D_DIETIST) && !vw_discipline_has_big(VW_D_INLOOPHUIS));
    /* network kinds */
    CHECK(vw_net_kind_nvpo("oncologiezorgnetwerk") && vw_net_kind_nvpo("") &&
          vw_net_kind_nvpo(NULL) && !vw_net_kind_nvpo("palliatief") &&
          !vw_net_kind_nvpo("oncologienetwerk"));
    CHECK(vw_net_kind_known("palliatief", 10) && !vw_net_kind_known("onco", 4));
    return T_DONE();
}
