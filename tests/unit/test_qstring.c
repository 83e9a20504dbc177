/* test_qstring.c -- the one query-string splitter and path-id decoder of
 * the HTTP gateway (server/ops/qstring.c): what '+', %XX, empty segments,
 * bare names and repeats mean, the limits, and the strict path ids. */
#include <stdlib.h>
#include <string.h>

#include "server/ops/qstring.h"
#include "t.h"

static void test_split(void)
{
    vw_err err;
    vw_query *q = vw_query_new("a=1&&b=x+y&c&%41%42=%7e%20z&a=2&=", 64, &err);
    CHECK(q != NULL && vw_query_count(q) == 6);
    if (q) {
        CHECK_STR(vw_query_name(q, 0), "a");
        CHECK_STR(vw_query_value(q, 0), "1");
        CHECK_STR(vw_query_value(q, 1), "x y");      /* '+' is a space */
        CHECK_STR(vw_query_name(q, 2), "c");
        CHECK_STR(vw_query_value(q, 2), "");         /* a bare name */
        CHECK_STR(vw_query_name(q, 3), "AB");        /* names are decoded too */
        CHECK_STR(vw_query_value(q, 3), "~ z");
        CHECK_STR(vw_query_value(q, 4), "2");        /* repeats kept, in order */
        CHECK_STR(vw_query_name(q, 5), "");
        CHECK(vw_query_count_of(q, "a") == 2 && vw_query_count_of(q, "zz") == 0);
        CHECK(vw_query_name(q, 6) == NULL && vw_query_value(q, 99) == NULL);
    }
    vw_query_free(q);
    q = vw_query_new(NULL, 64, &err);
    CHECK(q != NULL && vw_query_count(q) == 0);
    vw_query_free(q);
    q = vw_query_new("&&&", 1, &err);
    CHECK(q != NULL && vw_query_count(q) == 0); /* empty segments do not count */
    vw_query_free(q);
    vw_query_free(NULL);
}

static void test_refuse(void)
{
    vw_err err;
    CHECK(vw_query_new("a=1&b=2&c=3", 2, &err) == NULL);
    CHECK_STR(err.code, VW_E_TOO_LARGE);
    CHECK_STR(err.message, "too many query parameters (at most 2)");
    vw_query *ok = vw_query_new("a=1&b=2", 2, &err);
    CHECK(ok != NULL);
    vw_query_free(ok);
    const char *bad[] = {"a=%4", "a=%zz", "%=1", "a=%00", "a%00=1", "a=x%", NULL};
    for (int i = 0; bad[i]; i++) {
        vw_query *q = vw_query_new(bad[i], 64, &err);
        CHECK(q == NULL && strcmp(err.code, VW_E_BAD_REQUEST) == 0);
        vw_query_free(q);
    }
}

static void test_path_id(void)
{
    char id[16];
    vw_err err;
    CHECK(vw_path_id_decode("P%2000+1", 15, id, &err) == 0);
    CHECK_STR(id, "P 00+1"); /* '+' stays a plus in a path */
    CHECK(vw_path_id_decode("abcdefghijklmno", 15, id, &err) == 0);
    CHECK(vw_path_id_decode("abcdefghijklmnop", 15, id, &err) != 0); /* 16 > 15 */
    CHECK_STR(err.code, VW_E_BAD_REQUEST);
    CHECK(strstr(err.message, "1..15 bytes") != NULL);
    const char *bad[] = {"", "a%2Fb", "a/b", "%00", "x%zz", "x%4", NULL};
    for (int i = 0; bad[i]; i++)
        CHECK(vw_path_id_decode(bad[i], 15, id, &err) != 0);
    CHECK(vw_path_id_decode(NULL, 15, id, &err) != 0);
}

static void test_take(void)
{
    char v[8], *rest = NULL;
    int n = -1;
    vw_err err;
    CHECK(vw_query_take("within=15&lang=nl&discipline=di%65tist&&x", "lang", &rest, v, sizeof v,
                        &n, &err) == 0);
    CHECK(n == 1 && strcmp(v, "nl") == 0);
    CHECK_STR(rest, "within=15&discipline=di%65tist&x"); /* the rest byte for byte */
    free(rest);
    CHECK(vw_query_take("l%61ng=en&lang=nl", "lang", &rest, v, sizeof v, &n, &err) == 0);
    CHECK(n == 2 && strcmp(v, "en") == 0 && strcmp(rest, "") == 0); /* names compared decoded */
    free(rest);
    CHECK(vw_query_take(NULL, "lang", &rest, v, sizeof v, &n, &err) == 0);
    CHECK(n == 0 && v[0] == '\0' && strcmp(rest, "") == 0);
    free(rest);
    CHECK(vw_query_take("a%zz=1&lang=en", "lang", &rest, v, sizeof v, &n, &err) == 0);
    CHECK(n == 1 && strcmp(rest, "a%zz=1") == 0); /* left for the route to refuse */
    free(rest);
    CHECK(vw_query_take("lang=%zz", "lang", &rest, v, sizeof v, &n, &err) != 0 && rest == NULL);
    CHECK(vw_query_take("lang=toolongvalue", "lang", &rest, v, sizeof v, &n, &err) != 0);
    CHECK_STR(err.code, VW_E_BAD_REQUEST);
}

int main(void)
{
    test_split();
    test_take();
    test_refuse();
    test_path_id();
    return T_DONE();
}
