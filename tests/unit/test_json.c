/* test_json.c -- the msgpack -> JSON writer of the verwijs CLI (client/cli/json.c):
 * string escaping, nesting and indentation, floats (round trip, NaN/inf, the
 * same text as printf's shortest round trip), integer limits, long strings,
 * bin/ext as base64, non-string map keys. Every output is also fed to json-c's
 * parser, so "valid JSON" is checked by a real parser, not by eye.
 *
 * json.c belongs to the CLI executable, not to a library, so it is compiled
 * into this test directly. */
#include <json-c/json.h>
#include <math.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/json.c"
#include "t.h"

/* The JSON text of the msgpack bytes in `sb` (caller frees), or NULL. */
static char *to_json(const msgpack_sbuffer *sb, bool pretty)
{
    msgpack_zone zone;
    msgpack_object obj;
    char *txt = NULL;
    size_t len = 0;
    msgpack_zone_init(&zone, 1024);
    if (msgpack_unpack(sb->data, sb->size, NULL, &zone, &obj) != MSGPACK_UNPACK_SUCCESS) {
        msgpack_zone_destroy(&zone);
        return NULL;
    }
    FILE *f = open_memstream(&txt, &len);
    if (f) {
        vw_json_write(f, &obj, pretty);
        fclose(f);
    }
    msgpack_zone_destroy(&zone);
    return txt;
}

/* Parses `txt` with json-c; NULL when it is not one valid JSON value. */
static json_object *parse(const char *txt)
{
    json_tokener *tok = json_tokener_new_ex(64); /* default depth is 32 */
    json_object *o = json_tokener_parse_ex(tok, txt, (int)strlen(txt));
    enum json_tokener_error e = json_tokener_get_error(tok);
    /* Everything after the value must be whitespace (the writer adds "\n"). */
    size_t off = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (e != json_tokener_success) {
        json_object_put(o);
        return NULL;
    }
    for (const char *p = txt + off; *p; p++)
        if (*p != '\n' && *p != ' ') {
            json_object_put(o);
            return NULL;
        }
    return o;
}

typedef struct buf {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} buf;

static void buf_init(buf *b)
{
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
}

static void pstr(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void test_escaping(void)
{
    static const char raw[] = "a\"b\\c/\n\r\t\b\f\x01\x1f\x7f é€";
    buf b;
    buf_init(&b);
    pstr(&b.pk, raw, sizeof raw - 1);
    char *txt = to_json(&b.sb, false);
    CHECK(txt != NULL);
    if (txt) {
        CHECK_STR(txt, "\"a\\\"b\\\\c/\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f é€\"\n");
        json_object *o = parse(txt);
        CHECK(o != NULL && json_object_is_type(o, json_type_string));
        /* The parser gives back exactly the original bytes. */
        CHECK(o && json_object_get_string_len(o) == (int)(sizeof raw - 1) &&
              memcmp(json_object_get_string(o), raw, sizeof raw - 1) == 0);
        json_object_put(o);
    }
    free(txt);
    msgpack_sbuffer_destroy(&b.sb);

    /* Every control character is escaped, none is written raw. */
    char ctl[32];
    for (int i = 0; i < 32; i++)
        ctl[i] = (char)i;
    buf_init(&b);
    pstr(&b.pk, ctl, sizeof ctl);
    txt = to_json(&b.sb, true);
    CHECK(txt != NULL);
    if (txt) {
        bool raw_ctl = false;
        for (size_t i = 0; txt[i + 1]; i++) /* the final '\n' is the line end */
            if ((unsigned char)txt[i] < 0x20)
                raw_ctl = true;
        CHECK(!raw_ctl);
        json_object *o = parse(txt);
        CHECK(o && json_object_get_string_len(o) == 32 &&
              memcmp(json_object_get_string(o), ctl, 32) == 0);
        json_object_put(o);
    }
    free(txt);
    msgpack_sbuffer_destroy(&b.sb);
}

static void test_scalars(void)
{
    buf b;
    buf_init(&b);
    msgpack_pack_array(&b.pk, 7);
    msgpack_pack_nil(&b.pk);
    msgpack_pack_true(&b.pk);
    msgpack_pack_false(&b.pk);
    msgpack_pack_uint64(&b.pk, UINT64_MAX);
    msgpack_pack_int64(&b.pk, INT64_MIN);
    msgpack_pack_int(&b.pk, 0);
    pstr(&b.pk, "", 0);
    char *txt = to_json(&b.sb, false);
    CHECK_STR(txt, "[null,true,false,18446744073709551615,-9223372036854775808,0,\"\"]\n");
    json_object *o = txt ? parse(txt) : NULL;
    CHECK(o != NULL && json_object_array_length(o) == 7);
    json_object_put(o);
    free(txt);
    msgpack_sbuffer_destroy(&b.sb);
}

static void test_floats(void)
{
    static const double vals[] = {0.1, 1.0 / 3.0, 52.088369, 5.117729, 0.9877364422724922,
                                  1e300, -2.5e-300, 4.9e-324, 123456789012345678.0, -0.0,
                                  3.0, 1e21};
    size_t n = sizeof vals / sizeof vals[0];
    buf b;
    buf_init(&b);
    msgpack_pack_array(&b.pk, n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_double(&b.pk, vals[i]);
    char *txt = to_json(&b.sb, false);
    json_object *o = txt ? parse(txt) : NULL;
    CHECK(o != NULL);
    for (size_t i = 0; o && i < n; i++) {
        json_object *e = json_object_array_get_idx(o, i);
        /* Floats stay floats (a reader must not see an integer) and read back
         * as the very same double. */
        CHECK(json_object_is_type(e, json_type_double));
        CHECK(json_object_get_double(e) == vals[i]);
    }
    CHECK(txt && strstr(txt, "[0.1,") == txt); /* shortest form, not 0.10000000000000001 */
    CHECK(txt && strstr(txt, ",3.0,") != NULL);
    json_object_put(o);
    free(txt);
    msgpack_sbuffer_destroy(&b.sb);

    /* NaN and infinities have no JSON form: null keeps the text valid. */
    buf_init(&b);
    msgpack_pack_array(&b.pk, 4);
    msgpack_pack_double(&b.pk, NAN);
    msgpack_pack_double(&b.pk, INFINITY);
    msgpack_pack_double(&b.pk, -INFINITY);
    msgpack_pack_float(&b.pk, 1.5f);
    txt = to_json(&b.sb, false);
    CHECK_STR(txt, "[null,null,null,1.5]\n");
    o = txt ? parse(txt) : NULL;
    CHECK(o != NULL);
    json_object_put(o);
    free(txt);
    msgpack_sbuffer_destroy(&b.sb);
}

/* The text printf's shortest round trip gives: "%.15g", "%.16g", "%.17g",
 * the first that reads back (how the writer worked before it formatted from
 * one conversion); ".0" keeps a float a float. */
static void printf_shortest(double d, char *out, size_t cap)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, d);
        if (strtod(out, NULL) == d)
            break;
    }
    if (!strpbrk(out, ".eE"))
        strcat(out, ".0");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Byte for byte the printf text, on random bit patterns, coordinates with 6
 * decimals, computed minutes and km, whole numbers, every decade and every
 * decade of 1e-4 .. 1e9 (the writer's printf-free path); and
 * every value reads back exactly. */
static void test_floats_as_printf(void)
{
    int differ = 0;
    for (int i = 0; i < 600000; i++) {
        double d;
        uint64_t u = rng();
        double r = (double)(u >> 11) / 9007199254740992.0;
        switch (i % 7) {
        case 0: memcpy(&d, &u, sizeof d); break;
        case 1: d = r * 300; break;
        case 2: d = round(r * 1e6) / 1e6 + 50; break;
        case 3: d = (double)((int64_t)(u % 2000001) - 1000000); break;
        case 4: d = r * pow(10, (int)(u % 61) - 30); break;
        case 5: d = -r * pow(10, (int)(u % 14) - 4); break; /* mpjson's fast_double range */
        default: d = -r / 3 * pow(2, (int)(u % 2000) - 1000); break;
        }
        if (!isfinite(d))
            continue;
        buf b;
        buf_init(&b);
        msgpack_pack_double(&b.pk, d);
        char *txt = to_json(&b.sb, false);
        char want[64];
        printf_shortest(d, want, sizeof want);
        strcat(want, "\n");
        if (txt == NULL || strcmp(txt, want) != 0 || strtod(txt, NULL) != d) {
            if (differ++ < 5)
                fprintf(stderr, "  %a: writer %s printf %s", d, txt ? txt : "(null)", want);
        }
        free(txt);
        msgpack_sbuffer_destroy(&b.sb);
    }
    CHECK(differ == 0);
}

/* Integers at their limits, and a string longer than the writer's buffer. */
static void test_limits(void)
{
    buf b;
    buf_init(&b);
    msgpack_pack_array(&b.pk, 4);
    msgpack_pack_int64(&b.pk, INT64_MIN);
    msgpack_pack_uint64(&b.pk, UINT64_MAX);
    msgpack_pack_int64(&b.pk, -1);
    msgpack_pack_uint64(&b.pk, 0);
    char *txt = to_json(&b.sb, false);
    CHECK_STR(txt, "[-9223372036854775808,18446744073709551615,-1,0]\n");
    free(txt);
    msgpack_sbuffer_destroy(&b.sb);

    size_t n = 10000;
    char *s = malloc(n), *want = malloc(2 * n + 16);
    CHECK(s && want);
    if (!s || !want)
        return;
    size_t w = 0;
    want[w++] = '"';
    for (size_t i = 0; i < n; i++) {
        s[i] = i % 97 == 0 ? '"' : (char)('a' + i % 26);
        if (s[i] == '"')
            want[w++] = '\\';
        want[w++] = s[i];
    }
    memcpy(want + w, "\"\n", 3);
    buf_init(&b);
    pstr(&b.pk, s, n);
    txt = to_json(&b.sb, false);
    CHECK_STR(txt, want);
    free(txt);
    free(s);
    free(want);
    msgpack_sbuffer_destroy(&b.sb);
}

static void test_bin_ext(void)
{
    buf b;
    buf_init(&b);
    msgpack_pack_array(&b.pk, 5);
    const char *ins[] = {"", "f", "fo", "foo", "foobar"};
    for (int i = 0; i < 4; i++) {
        msgpack_pack_bin(&b.pk, strlen(ins[i]));
        msgpack_pack_bin_body(&b.pk, ins[i], strlen(ins[i]));
    }
    msgpack_pack_ext(&b.pk, 6, 1);
    msgpack_pack_ext_body(&b.pk, ins[4], 6);
    char *txt = to_json(&b.sb, false);
    /* RFC 4648 test vectors; bin and ext become strings, never raw bytes. */
    CHECK_STR(txt, "[\"\",\"Zg==\",\"Zm8=\",\"Zm9v\",\"Zm9vYmFy\"]\n");
    json_object *o = txt ? parse(txt) : NULL;
    CHECK(o != NULL);
    json_object_put(o);
    free(txt);
    msgpack_sbuffer_destroy(&b.sb);
}

static void test_nesting_pretty(void)
{
    buf b;
    buf_init(&b);
    msgpack_pack_map(&b.pk, 4);
    pstr(&b.pk, "a", 1);
    msgpack_pack_array(&b.pk, 2);
    msgpack_pack_int(&b.pk, 1);
    msgpack_pack_map(&b.pk, 1);
    pstr(&b.pk, "b", 1);
    msgpack_pack_array(&b.pk, 0);
    pstr(&b.pk, "c", 1);
    msgpack_pack_map(&b.pk, 0);
    pstr(&b.pk, "d", 1);
    msgpack_pack_nil(&b.pk);
    pstr(&b.pk, "naïve \"key\"", strlen("naïve \"key\""));
    msgpack_pack_true(&b.pk);

    char *compact = to_json(&b.sb, false);
    CHECK_STR(compact, "{\"a\":[1,{\"b\":[]}],\"c\":{},\"d\":null,\"naïve \\\"key\\\"\":true}\n");
    char *pretty = to_json(&b.sb, true);
    CHECK_STR(pretty, "{\n"
                      "  \"a\": [\n"
                      "    1,\n"
                      "    {\n"
                      "      \"b\": []\n"
                      "    }\n"
                      "  ],\n"
                      "  \"c\": {},\n"
                      "  \"d\": null,\n"
                      "  \"naïve \\\"key\\\"\": true\n"
                      "}\n");
    json_object *o1 = compact ? parse(compact) : NULL, *o2 = pretty ? parse(pretty) : NULL;
    CHECK(o1 != NULL && o2 != NULL);
    CHECK(o1 && o2 && json_object_equal(o1, o2));
    json_object_put(o1);
    json_object_put(o2);
    free(compact);
    free(pretty);
    msgpack_sbuffer_destroy(&b.sb);

    /* Deep nesting: 30 arrays inside each other (msgpack-c unpacks at most 32). */
    buf_init(&b);
    for (int i = 0; i < 30; i++)
        msgpack_pack_array(&b.pk, 1);
    msgpack_pack_int(&b.pk, 7);
    char *deep = to_json(&b.sb, true);
    json_object *o = deep ? parse(deep) : NULL;
    CHECK(o != NULL);
    char innermost[64] = "\n";
    memset(innermost + 1, ' ', 60); /* 30 levels x 2 spaces, then the value */
    memcpy(innermost + 61, "7\n", 3);
    CHECK(deep && strstr(deep, innermost) != NULL);
    json_object_put(o);
    free(deep);
    msgpack_sbuffer_destroy(&b.sb);
}

static void test_non_string_keys(void)
{
    buf b;
    buf_init(&b);
    msgpack_pack_map(&b.pk, 6);
    msgpack_pack_int(&b.pk, 1);
    pstr(&b.pk, "one", 3);
    msgpack_pack_int(&b.pk, -2);
    msgpack_pack_nil(&b.pk);
    msgpack_pack_true(&b.pk);
    msgpack_pack_int(&b.pk, 3);
    msgpack_pack_nil(&b.pk);
    msgpack_pack_int(&b.pk, 4);
    msgpack_pack_array(&b.pk, 2);
    pstr(&b.pk, "x", 1);
    msgpack_pack_double(&b.pk, 0.5);
    msgpack_pack_int(&b.pk, 5);
    msgpack_pack_bin(&b.pk, 2);
    msgpack_pack_bin_body(&b.pk, "hi", 2);
    msgpack_pack_int(&b.pk, 6);
    char *txt = to_json(&b.sb, false);
    CHECK_STR(txt, "{\"1\":\"one\",\"-2\":null,\"true\":3,\"null\":4,"
                   "\"[\\\"x\\\",0.5]\":5,\"\\\"aGk=\\\"\":6}\n");
    json_object *o = txt ? parse(txt) : NULL;
    CHECK(o != NULL && json_object_object_length(o) == 6);
    json_object *v = NULL;
    CHECK(o && json_object_object_get_ex(o, "[\"x\",0.5]", &v) &&
          json_object_get_int(v) == 5);
    json_object_put(o);
    free(txt);
    msgpack_sbuffer_destroy(&b.sb);
}

int main(void)
{
    test_escaping();
    test_scalars();
    test_floats();
    test_floats_as_printf();
    test_limits();
    test_bin_ext();
    test_nesting_pretty();
    test_non_string_keys();
    return T_DONE();
}
