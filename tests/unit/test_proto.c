/* test_proto.c -- unit tests for proto/: framing, the bounded pre-validation
 * walker (vw_msg_check), the request/response envelopes, the strict argument
 * accessors, the vocabulary (disciplines, tags, ids, dates) and the
 * host:port splitter. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/hostport.h"
#include "proto/msg.h"
#include "t.h"
#include "proto/utf8.h"
#include "proto/vocab.h"

/* ---- helpers ----------------------------------------------------------------- */

/* A scratch encoder: one sbuffer + packer. */
typedef struct enc {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} enc;

static void enc_init(enc *e)
{
    msgpack_sbuffer_init(&e->sb);
    msgpack_packer_init(&e->pk, &e->sb, msgpack_sbuffer_write);
}

static void enc_free(enc *e)
{
    msgpack_sbuffer_destroy(&e->sb);
}

static int check_default(const void *buf, size_t len, vw_err *err)
{
    vw_limits l;
    vw_limits_default(&l);
    vw_err_clear(err);
    return vw_msg_check((const uint8_t *)buf, len, &l, err);
}

/* Result of checking raw bytes with default limits: 0, or 1 = bad_request,
 * 2 = too_large, 3 = other. */
static int check_code(const void *buf, size_t len)
{
    vw_err err;
    if (check_default(buf, len, &err) == 0)
        return 0;
    if (strcmp(err.code, VW_E_BAD_REQUEST) == 0)
        return 1;
    if (strcmp(err.code, VW_E_TOO_LARGE) == 0)
        return 2;
    return 3;
}

static int check_code_lim(const void *buf, size_t len, const vw_limits *l)
{
    vw_err err;
    vw_err_clear(&err);
    if (vw_msg_check((const uint8_t *)buf, len, l, &err) == 0)
        return 0;
    if (strcmp(err.code, VW_E_BAD_REQUEST) == 0)
        return 1;
    if (strcmp(err.code, VW_E_TOO_LARGE) == 0)
        return 2;
    return 3;
}

/* Wraps one object's bytes as {"a": <obj>}. */
static size_t wrap_a(const uint8_t *obj, size_t n, uint8_t *out)
{
    out[0] = 0x81;
    out[1] = 0xa1;
    out[2] = 'a';
    memcpy(out + 3, obj, n);
    return n + 3;
}

static int check_str_bytes(const char *bytes, size_t n)
{
    uint8_t buf[64];
    uint8_t obj[48];
    obj[0] = (uint8_t)(0xa0 | n);
    memcpy(obj + 1, bytes, n);
    size_t len = wrap_a(obj, n + 1, buf);
    return check_code(buf, len);
}

/* Unpacked request args for accessor tests. */
typedef struct parsed {
    msgpack_zone zone;
    msgpack_object root;
    vw_request req;
    uint8_t *body; /* owned: the objects point into it */
} parsed;

/* Packs a request whose args were packed by fill(), frames it, and runs the
 * whole decode path. Returns 0 when every step passed. */
static int parse_request(void (*fill)(msgpack_packer *), const char *op, parsed *p)
{
    enc a, f;
    enc_init(&a);
    enc_init(&f);
    int rc = -1;
    vw_err err;
    memset(p, 0, sizeof *p);
    msgpack_zone_init(&p->zone, 2048);
    if (fill)
        fill(&a.pk);
    size_t start = vw_frame_begin(&f.sb);
    vw_pack_request(&f.pk, 42, op, fill ? a.sb.data : NULL, fill ? a.sb.size : 0);
    vw_frame_end(&f.sb, start);
    uint32_t blen = 0;
    if (vw_frame_parse((uint8_t *)f.sb.data, f.sb.size, VW_DEFAULT_MAX_FRAME, &blen) !=
        VW_FRAME_OK)
        goto out;
    if (blen + 4 != f.sb.size)
        goto out;
    p->body = malloc(blen);
    if (!p->body)
        goto out;
    memcpy(p->body, f.sb.data + 4, blen);
    if (check_default(p->body, blen, &err) != 0) {
        fprintf(stderr, "check: %s\n", err.message);
        goto out;
    }
    if (vw_msg_unpack(p->body, blen, &p->zone, &p->root, &err) != 0)
        goto out;
    if (vw_request_parse(&p->root, &p->req, &err) != 0) {
        fprintf(stderr, "parse: %s\n", err.message);
        goto out;
    }
    rc = 0;
out:
    enc_free(&a);
    enc_free(&f);
    return rc;
}

static void parsed_free(parsed *p)
{
    msgpack_zone_destroy(&p->zone);
    free(p->body);
}

/* ---- frames ------------------------------------------------------------------ */

static void test_frames(void)
{
    uint8_t buf[16] = {0, 0, 0, 3, 0x80, 0x80, 0x80, 0xff};
    uint32_t n = 99;
    for (size_t i = 0; i < 4; i++)
        CHECK(vw_frame_parse(buf, i, 100, &n) == VW_FRAME_NEED_MORE);
    CHECK(vw_frame_parse(NULL, 0, 100, &n) == VW_FRAME_NEED_MORE);
    /* header complete, body split */
    CHECK(vw_frame_parse(buf, 4, 100, &n) == VW_FRAME_NEED_MORE);
    CHECK(vw_frame_parse(buf, 6, 100, &n) == VW_FRAME_NEED_MORE);
    CHECK(vw_frame_parse(buf, 7, 100, &n) == VW_FRAME_OK);
    CHECK(n == 3);
    CHECK(vw_frame_parse(buf, 8, 100, &n) == VW_FRAME_OK); /* next frame's byte follows */
    CHECK(n == 3);
    /* exactly at the limit is fine, one above is too large (without the body) */
    CHECK(vw_frame_parse(buf, 4, 3, &n) == VW_FRAME_NEED_MORE);
    CHECK(vw_frame_parse(buf, 4, 2, &n) == VW_FRAME_TOO_LARGE);
    CHECK(n == 3);
    uint8_t big[4] = {0xff, 0xff, 0xff, 0xff};
    CHECK(vw_frame_parse(big, 4, VW_DEFAULT_MAX_FRAME, &n) == VW_FRAME_TOO_LARGE);
    CHECK(n == 0xffffffffu);
    uint8_t empty[4] = {0, 0, 0, 0};
    CHECK(vw_frame_parse(empty, 4, 100, &n) == VW_FRAME_EMPTY);
    CHECK(n == 0);

    uint8_t h[4];
    vw_frame_put_header(h, 0x01020304u);
    CHECK(h[0] == 1 && h[1] == 2 && h[2] == 3 && h[3] == 4);
    vw_frame_put_header(h, 1u << 20);
    CHECK(vw_frame_parse(h, 4, 1u << 20, &n) == VW_FRAME_NEED_MORE && n == (1u << 20));

    /* two frames appended to one sbuffer */
    enc e;
    enc_init(&e);
    size_t s1 = vw_frame_begin(&e.sb);
    vw_pack_request(&e.pk, 1, "ping", NULL, 0);
    vw_frame_end(&e.sb, s1);
    size_t s2 = vw_frame_begin(&e.sb);
    vw_pack_request(&e.pk, 2, "stats", NULL, 0);
    vw_frame_end(&e.sb, s2);
    const uint8_t *p = (const uint8_t *)e.sb.data;
    CHECK(vw_frame_parse(p, e.sb.size, 1000, &n) == VW_FRAME_OK);
    CHECK(s2 == 4 + n);
    uint32_t n2 = 0;
    CHECK(vw_frame_parse(p + s2, e.sb.size - s2, 1000, &n2) == VW_FRAME_OK);
    CHECK(s2 + 4 + n2 == e.sb.size);
    CHECK(check_code(p + 4, n) == 0);
    CHECK(check_code(p + s2 + 4, n2) == 0);
    enc_free(&e);
}

/* ---- round trips ----------------------------------------------------------- */

static void fill_match(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 6);
    vw_pack_kv_str(pk, "near", "3511 AB");
    vw_pack_cstr(pk, "discipline");
    msgpack_pack_array(pk, 2);
    vw_pack_cstr(pk, "fysiotherapeut");
    vw_pack_cstr(pk, "dietist");
    vw_pack_kv_double(pk, "within", 15.5);
    vw_pack_kv_int(pk, "limit", 5);
    vw_pack_kv_bool(pk, "accepting_only", true);
    vw_pack_kv_str(pk, "expertise", "oncologie");
}

static void test_request_roundtrip(void)
{
    parsed p;
    vw_err err;
    CHECK(parse_request(fill_match, "match", &p) == 0);
    CHECK(p.req.has_id && p.req.id == 42);
    CHECK(vw_op_is(&p.req, "match"));
    CHECK(!vw_op_is(&p.req, "matc"));
    CHECK(!vw_op_is(&p.req, "matchx"));
    CHECK(p.req.args != NULL && p.req.args->type == MSGPACK_OBJECT_MAP);

    static const char *const known[] = {"near", "discipline", "within", "limit",
                                        "accepting_only", "expertise", "mode", NULL};
    CHECK(vw_args_only(p.req.args, known, &err) == 0);
    static const char *const fewer[] = {"near", "discipline", "within", "limit", "expertise",
                                        NULL};
    CHECK(vw_args_only(p.req.args, fewer, &err) == -1);
    CHECK_STR(err.code, VW_E_BAD_REQUEST);
    CHECK(strstr(err.message, "accepting_only") != NULL);

    const char *s = NULL;
    size_t sl = 0;
    bool present = false;
    CHECK(vw_arg_str(p.req.args, "near", &s, &sl, &present, &err) == 0);
    CHECK(present && sl == 7 && memcmp(s, "3511 AB", 7) == 0);
    CHECK(vw_arg_str(p.req.args, "mode", &s, &sl, &present, &err) == 0 && !present);

    const char *strs[15];
    size_t lens[15], n = 99;
    CHECK(vw_arg_str_list(p.req.args, "discipline", strs, lens, 15, &n, &err) == 0);
    CHECK(n == 2 && lens[0] == 14 && memcmp(strs[1], "dietist", 7) == 0);
    CHECK(vw_arg_str_list(p.req.args, "discipline", strs, lens, 1, &n, &err) == -1);
    CHECK(vw_arg_str_list(p.req.args, "expertise", strs, lens, 16, &n, &err) == 0);
    CHECK(n == 1 && lens[0] == 9);
    CHECK(vw_arg_str_list(p.req.args, "absent", strs, lens, 16, &n, &err) == 0 && n == 0);

    double d = 0;
    CHECK(vw_arg_double(p.req.args, "within", 0, 600, &d, &present, &err) == 0);
    CHECK(present && d == 15.5);
    uint64_t u = 0;
    CHECK(vw_arg_uint(p.req.args, "limit", 1, 100, &u, &present, &err) == 0 && u == 5);
    bool b = false;
    CHECK(vw_arg_bool(p.req.args, "accepting_only", &b, &present, &err) == 0 && b);
    CHECK(vw_arg(p.req.args, "nope") == NULL);
    CHECK(vw_arg(NULL, "near") == NULL);
    parsed_free(&p);

    /* no args: packed as {} */
    CHECK(parse_request(NULL, "ping", &p) == 0);
    CHECK(vw_op_is(&p.req, "ping"));
    CHECK(p.req.args != NULL && p.req.args->via.map.size == 0);
    CHECK(vw_args_only(p.req.args, (const char *const[]){NULL}, &err) == 0);
    CHECK(vw_args_only(NULL, (const char *const[]){NULL}, &err) == 0);
    parsed_free(&p);
}

static void test_response_roundtrip(void)
{
    enc e;
    enc_init(&e);
    vw_err err;
    msgpack_zone z;
    msgpack_zone_init(&z, 1024);
    msgpack_object root;
    vw_response r;

    size_t st = vw_frame_begin(&e.sb);
    vw_pack_ok_head(&e.pk, 7);
    msgpack_pack_map(&e.pk, 2);
    vw_pack_kv_bool(&e.pk, "pong", true);
    vw_pack_kv_int(&e.pk, "time", 1700000000);
    vw_frame_end(&e.sb, st);
    uint32_t n = 0;
    CHECK(vw_frame_parse((uint8_t *)e.sb.data, e.sb.size, 1000, &n) == VW_FRAME_OK);
    const uint8_t *body = (const uint8_t *)e.sb.data + 4;
    CHECK(check_default(body, n, &err) == 0);
    CHECK(vw_msg_unpack(body, n, &z, &root, &err) == 0);
    CHECK(vw_response_parse(&root, &r, &err) == 0);
    CHECK(r.ok && r.id == 7 && r.result && r.result->type == MSGPACK_OBJECT_MAP);
    CHECK(r.result->via.map.size == 2);
    msgpack_zone_clear(&z);

    msgpack_sbuffer_clear(&e.sb);
    st = vw_frame_begin(&e.sb);
    vw_pack_error(&e.pk, 9, VW_E_NOT_FOUND, "postcode 3511 not found");
    vw_frame_end(&e.sb, st);
    CHECK(vw_frame_parse((uint8_t *)e.sb.data, e.sb.size, 1000, &n) == VW_FRAME_OK);
    body = (const uint8_t *)e.sb.data + 4;
    CHECK(check_default(body, n, &err) == 0);
    CHECK(vw_msg_unpack(body, n, &z, &root, &err) == 0);
    CHECK(vw_response_parse(&root, &r, &err) == 0);
    CHECK(!r.ok && r.id == 9);
    CHECK(r.err_code_len == 9 && memcmp(r.err_code, "not_found", 9) == 0);
    CHECK(r.err_message_len == 23 && memcmp(r.err_message, "postcode 3511 not found", 23) == 0);
    /* a response is not a request: "ok"/"error" are unknown envelope keys */
    vw_request req;
    CHECK(vw_request_parse(&root, &req, &err) == -1);
    CHECK(req.has_id && req.id == 9);
    msgpack_zone_clear(&z);

    /* malformed responses */
    msgpack_sbuffer_clear(&e.sb);
    msgpack_pack_map(&e.pk, 3); /* ok true without result */
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_bool(&e.pk, "ok", true);
    CHECK(vw_msg_unpack((uint8_t *)e.sb.data, e.sb.size, &z, &root, &err) == 0);
    CHECK(vw_response_parse(&root, &r, &err) == -1);
    CHECK_STR(err.code, VW_E_PROTOCOL);
    msgpack_zone_clear(&z);

    msgpack_sbuffer_clear(&e.sb);
    msgpack_pack_map(&e.pk, 4); /* v 2 */
    vw_pack_kv_int(&e.pk, "v", 2);
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_bool(&e.pk, "ok", true);
    vw_pack_kv_int(&e.pk, "result", 1);
    CHECK(vw_msg_unpack((uint8_t *)e.sb.data, e.sb.size, &z, &root, &err) == 0);
    CHECK(vw_response_parse(&root, &r, &err) == -1);
    msgpack_zone_clear(&z);

    msgpack_sbuffer_clear(&e.sb);
    msgpack_pack_map(&e.pk, 4); /* error without code */
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_bool(&e.pk, "ok", false);
    vw_pack_cstr(&e.pk, "error");
    msgpack_pack_map(&e.pk, 1);
    vw_pack_kv_str(&e.pk, "message", "x");
    CHECK(vw_msg_unpack((uint8_t *)e.sb.data, e.sb.size, &z, &root, &err) == 0);
    CHECK(vw_response_parse(&root, &r, &err) == -1);
    msgpack_zone_clear(&z);

    msgpack_sbuffer_clear(&e.sb);
    msgpack_pack_map(&e.pk, 4); /* ok is not a bool */
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_int(&e.pk, "ok", 1);
    vw_pack_kv_int(&e.pk, "result", 1);
    CHECK(vw_msg_unpack((uint8_t *)e.sb.data, e.sb.size, &z, &root, &err) == 0);
    CHECK(vw_response_parse(&root, &r, &err) == -1);
    msgpack_zone_clear(&z);

    msgpack_sbuffer_clear(&e.sb);
    msgpack_pack_map(&e.pk, 5); /* unknown keys are ignored (forward compatible) */
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 3);
    vw_pack_kv_bool(&e.pk, "ok", true);
    vw_pack_kv_int(&e.pk, "result", 1);
    vw_pack_kv_int(&e.pk, "server_time", 5);
    CHECK(vw_msg_unpack((uint8_t *)e.sb.data, e.sb.size, &z, &root, &err) == 0);
    CHECK(vw_response_parse(&root, &r, &err) == 0 && r.ok && r.id == 3);
    msgpack_zone_clear(&z);

    msgpack_sbuffer_clear(&e.sb);
    msgpack_pack_array(&e.pk, 0);
    CHECK(vw_msg_unpack((uint8_t *)e.sb.data, e.sb.size, &z, &root, &err) == 0);
    CHECK(vw_response_parse(&root, &r, &err) == -1);

    msgpack_zone_destroy(&z);
    enc_free(&e);
}

/* ---- the walker -------------------------------------------------------------- */

static void test_truncation(void)
{
    /* a valid body with every kind of object, then every prefix must fail */
    enc e;
    enc_init(&e);
    msgpack_pack_map(&e.pk, 12);
    vw_pack_kv_str(&e.pk, "s", "h\xc3\xa9llo \xe2\x82\xac");
    vw_pack_kv_int(&e.pk, "i8", -100);
    vw_pack_kv_int(&e.pk, "i64", -5000000000LL);
    vw_pack_cstr(&e.pk, "u64");
    msgpack_pack_uint64(&e.pk, 18446744073709551615ULL);
    vw_pack_kv_double(&e.pk, "f64", 1.25);
    vw_pack_cstr(&e.pk, "f32");
    msgpack_pack_float(&e.pk, 2.5f);
    vw_pack_cstr(&e.pk, "nil");
    msgpack_pack_nil(&e.pk);
    vw_pack_cstr(&e.pk, "bin");
    msgpack_pack_bin_with_body(&e.pk, "\x00\x01\x02", 3);
    vw_pack_cstr(&e.pk, "ext");
    msgpack_pack_ext_with_body(&e.pk, "abcdef", 6, 5);
    vw_pack_cstr(&e.pk, "fixext");
    msgpack_pack_ext_with_body(&e.pk, "abcd", 4, 7);
    vw_pack_cstr(&e.pk, "arr");
    msgpack_pack_array(&e.pk, 3);
    msgpack_pack_true(&e.pk);
    msgpack_pack_false(&e.pk);
    msgpack_pack_map(&e.pk, 1);
    vw_pack_kv_str(&e.pk, "k", "a string longer than thirty-one bytes ........");
    vw_pack_cstr(&e.pk, "empty");
    msgpack_pack_array(&e.pk, 0);

    const uint8_t *b = (const uint8_t *)e.sb.data;
    size_t len = e.sb.size;
    CHECK(check_code(b, len) == 0);
    int bad = 0, unpack_ok = 0;
    msgpack_zone z;
    msgpack_zone_init(&z, 1024);
    for (size_t i = 0; i < len; i++) {
        if (check_code(b, i) != 1)
            bad++;
        /* msgpack-c itself must not accept a prefix either */
        msgpack_object o;
        vw_err err;
        if (vw_msg_unpack(b, i, &z, &o, &err) == 0)
            unpack_ok++;
        msgpack_zone_clear(&z);
    }
    CHECK(bad == 0);
    CHECK(unpack_ok == 0);
    msgpack_zone_destroy(&z);

    /* trailing bytes */
    uint8_t *t = malloc(len + 1);
    memcpy(t, b, len);
    t[len] = 0xc0;
    vw_err err;
    CHECK(check_default(t, len + 1, &err) == -1);
    CHECK_STR(err.code, VW_E_BAD_REQUEST);
    CHECK(strstr(err.message, "trailing") != NULL);
    msgpack_zone_init(&z, 1024);
    msgpack_object o;
    CHECK(vw_msg_unpack(t, len + 1, &z, &o, &err) == -1);
    msgpack_zone_destroy(&z);
    free(t);
    enc_free(&e);
}

static void test_declared_lengths(void)
{
    vw_err err;
    vw_limits wide;
    vw_limits_default(&wide);
    wide.max_elems = UINT32_MAX;
    wide.max_str = UINT32_MAX;
    wide.max_total = UINT32_MAX;

    /* array32 of 0xffffffff entries in a 10-byte body */
    uint8_t a[10] = {0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02};
    CHECK(check_code(a, sizeof a) == 2); /* more than max_elems */
    CHECK(check_code_lim(a, sizeof a, &wide) == 1);
    CHECK(vw_msg_check(a, sizeof a, &wide, &err) == -1);
    CHECK(strstr(err.message, "byte 3") != NULL);
    /* map32 root with 0xffffffff pairs */
    uint8_t m[7] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'a'};
    CHECK(check_code(m, sizeof m) == 2);
    CHECK(check_code_lim(m, sizeof m, &wide) == 1);
    /* a map of n pairs needs 2n bytes: 3 pairs in 5 bytes is rejected up front */
    uint8_t m3[6] = {0x83, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0};
    CHECK(check_code(m3, sizeof m3) == 1);
    /* nested pending entries are counted together */
    uint8_t nest[8] = {0x82, 0xa1, 'a', 0x94, 1, 2, 3, 4}; /* root needs 2 more after */
    CHECK(check_code(nest, sizeof nest) == 1);
    /* str32, bin32, ext32 with huge lengths */
    uint8_t s[8] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'x', 'y', 'z'};
    uint8_t buf[32];
    size_t n = wrap_a(s, sizeof s, buf);
    CHECK(check_code(buf, n) == 2);
    CHECK(check_code_lim(buf, n, &wide) == 1);
    s[0] = 0xc6;
    n = wrap_a(s, sizeof s, buf);
    CHECK(check_code(buf, n) == 2);
    CHECK(check_code_lim(buf, n, &wide) == 1);
    s[0] = 0xc9;
    n = wrap_a(s, sizeof s, buf);
    CHECK(check_code(buf, n) == 2);
    CHECK(check_code_lim(buf, n, &wide) == 1);
    /* str8 declaring 5 bytes with 3 present */
    uint8_t s8[5] = {0xd9, 5, 'a', 'b', 'c'};
    n = wrap_a(s8, sizeof s8, buf);
    CHECK(check_code(buf, n) == 1);
    /* truncated header of str16 / array16 / uint32 */
    uint8_t h1[2] = {0xda, 0x00};
    n = wrap_a(h1, sizeof h1, buf);
    CHECK(check_code(buf, n) == 1);
    uint8_t h2[2] = {0xdc, 0x00};
    n = wrap_a(h2, sizeof h2, buf);
    CHECK(check_code(buf, n) == 1);
    uint8_t h3[3] = {0xce, 0, 0};
    n = wrap_a(h3, sizeof h3, buf);
    CHECK(check_code(buf, n) == 1);
    /* the reserved byte */
    uint8_t c1[1] = {0xc1};
    n = wrap_a(c1, 1, buf);
    CHECK(check_code(buf, n) == 1);
    CHECK(vw_msg_check(buf, n, NULL, &err) == -1);
    CHECK(strstr(err.message, "0xc1") != NULL && strstr(err.message, "byte 3") != NULL);
    /* empty body */
    CHECK(check_code(buf, 0) == 1);
    /* string at exactly max_str passes, one more is too large */
    vw_limits small;
    vw_limits_default(&small);
    small.max_str = 4;
    uint8_t s4[5] = {0xa4, 'a', 'b', 'c', 'd'};
    n = wrap_a(s4, sizeof s4, buf);
    CHECK(check_code_lim(buf, n, &small) == 0);
    small.max_str = 3;
    CHECK(check_code_lim(buf, n, &small) == 2);
    /* fixext 4 (4 data bytes) vs max_str 3 */
    uint8_t fx[6] = {0xd6, 1, 'a', 'b', 'c', 'd'};
    n = wrap_a(fx, sizeof fx, buf);
    CHECK(check_code_lim(buf, n, &small) == 2);
    CHECK(check_code(buf, n) == 0);
    /* ext8 with its type byte missing */
    uint8_t e8[2] = {0xc7, 0};
    n = wrap_a(e8, sizeof e8, buf);
    CHECK(check_code(buf, n) == 1);
    uint8_t e8ok[3] = {0xc7, 0, 9};
    n = wrap_a(e8ok, sizeof e8ok, buf);
    CHECK(check_code(buf, n) == 0);
}

static void test_nesting_and_counts(void)
{
    vw_limits l;
    vw_limits_default(&l);
    /* root map (depth 1) + k nested arrays: ok up to depth 8 */
    for (int depth = 1; depth <= 12; depth++) {
        uint8_t buf[64];
        size_t n = 0;
        buf[n++] = 0x81;
        buf[n++] = 0xa1;
        buf[n++] = 'a';
        for (int i = 1; i < depth; i++)
            buf[n++] = 0x91;
        buf[n++] = 0x01;
        int want = depth <= 8 ? 0 : 2;
        CHECK(check_code(buf, n) == want);
    }
    /* empty containers count as a level too */
    uint8_t e9[16] = {0x81, 0xa1, 'a', 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x90};
    CHECK(check_code(e9, 11) == 2); /* 1 + 7 + 1 = 9 levels */
    CHECK(check_code(e9, 10) == 1); /* truncated */
    uint8_t e8[16] = {0x81, 0xa1, 'a', 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x90};
    CHECK(check_code(e8, 10) == 0);
    /* 100000 nested arrays: rejected at depth 9, never recursing */
    size_t deep = 100000;
    uint8_t *d = malloc(deep + 4);
    d[0] = 0x81;
    d[1] = 0xa1;
    d[2] = 'a';
    memset(d + 3, 0x91, deep);
    d[deep + 3] = 0xc0;
    CHECK(check_code(d, deep + 4) == 2);
    l.max_depth = 1000000; /* capped at msgpack-c's own limit */
    CHECK(check_code_lim(d, deep + 4, &l) == 2);
    /* at the cap (root + 31 arrays = 32 levels) msgpack-c still decodes it */
    d[3 + 31] = 0x01; /* arrays at d[3..33], then the innermost value */
    CHECK(check_code_lim(d, 3 + 32, &l) == 0);
    {
        msgpack_zone z;
        msgpack_object o;
        vw_err err;
        msgpack_zone_init(&z, 1024);
        CHECK(vw_msg_unpack(d, 3 + 32, &z, &o, &err) == 0);
        msgpack_zone_destroy(&z);
    }
    d[3 + 31] = 0x91; /* root + 32 arrays = 33 levels */
    d[3 + 32] = 0x01;
    CHECK(check_code_lim(d, 3 + 33, &l) == 2);
    {
        msgpack_zone z;
        msgpack_object o;
        vw_err err;
        msgpack_zone_init(&z, 1024);
        CHECK(vw_msg_unpack(d, 3 + 33, &z, &o, &err) == -1); /* why the cap exists */
        msgpack_zone_destroy(&z);
    }
    free(d);
    vw_limits_default(&l);

    /* max_elems: 1024 entries ok, 1025 too large */
    enc e;
    enc_init(&e);
    msgpack_pack_map(&e.pk, 1);
    vw_pack_cstr(&e.pk, "a");
    msgpack_pack_array(&e.pk, 1024);
    for (int i = 0; i < 1024; i++)
        msgpack_pack_int(&e.pk, i);
    CHECK(check_code(e.sb.data, e.sb.size) == 0);
    msgpack_sbuffer_clear(&e.sb);
    msgpack_pack_map(&e.pk, 1);
    vw_pack_cstr(&e.pk, "a");
    msgpack_pack_array(&e.pk, 1025);
    for (int i = 0; i < 1025; i++)
        msgpack_pack_int(&e.pk, i);
    CHECK(check_code(e.sb.data, e.sb.size) == 2);

    /* max_total: 20 keys x 1000-element arrays = 20041 objects */
    msgpack_sbuffer_clear(&e.sb);
    msgpack_pack_map(&e.pk, 20);
    for (int k = 0; k < 20; k++) {
        char key[8];
        snprintf(key, sizeof key, "k%d", k);
        vw_pack_cstr(&e.pk, key);
        msgpack_pack_array(&e.pk, 1000);
        for (int i = 0; i < 1000; i++)
            msgpack_pack_int(&e.pk, 1);
    }
    vw_err err;
    CHECK(check_default(e.sb.data, e.sb.size, &err) == -1);
    CHECK_STR(err.code, VW_E_TOO_LARGE);
    /* a small max_total, exact edge: {"a":[1,2]} is 5 objects */
    uint8_t five[7] = {0x81, 0xa1, 'a', 0x92, 1, 2};
    l.max_total = 5;
    CHECK(check_code_lim(five, 6, &l) == 0);
    l.max_total = 4;
    CHECK(check_code_lim(five, 6, &l) == 2);
    enc_free(&e);
}

static void test_utf8_and_root(void)
{
    CHECK(check_str_bytes("plain", 5) == 0);
    CHECK(check_str_bytes("", 0) == 0);
    CHECK(check_str_bytes("\xc3\xa9", 2) == 0);              /* é */
    CHECK(check_str_bytes("\xe2\x82\xac", 3) == 0);          /* € */
    CHECK(check_str_bytes("\xf0\x9f\x98\x80", 4) == 0);      /* emoji */
    CHECK(check_str_bytes("\xf4\x8f\xbf\xbf", 4) == 0);      /* U+10FFFF */
    CHECK(check_str_bytes("\xed\x9f\xbf", 3) == 0);          /* U+D7FF */
    CHECK(check_str_bytes("\xee\x80\x80", 3) == 0);          /* U+E000 */
    CHECK(check_str_bytes("\xc0\x80", 2) == 1);              /* overlong NUL */
    CHECK(check_str_bytes("\xc1\xbf", 2) == 1);              /* overlong */
    CHECK(check_str_bytes("\xe0\x80\x80", 3) == 1);          /* overlong 3-byte */
    CHECK(check_str_bytes("\xe0\x9f\xbf", 3) == 1);          /* overlong 3-byte */
    CHECK(check_str_bytes("\xf0\x80\x80\x80", 4) == 1);      /* overlong 4-byte */
    CHECK(check_str_bytes("\xf0\x8f\xbf\xbf", 4) == 1);      /* overlong 4-byte */
    CHECK(check_str_bytes("\xed\xa0\x80", 3) == 1);          /* U+D800 */
    CHECK(check_str_bytes("\xed\xbf\xbf", 3) == 1);          /* U+DFFF */
    CHECK(check_str_bytes("\xf4\x90\x80\x80", 4) == 1);      /* U+110000 */
    CHECK(check_str_bytes("\xf5\x80\x80\x80", 4) == 1);
    CHECK(check_str_bytes("\xff", 1) == 1);
    CHECK(check_str_bytes("\x80", 1) == 1);                  /* lone continuation */
    CHECK(check_str_bytes("a\xe2\x82", 3) == 1);             /* cut off */
    CHECK(check_str_bytes("\xe2\x28\xa1", 3) == 1);          /* bad continuation */
    CHECK(check_str_bytes("\xf0\x9f\x98", 3) == 1);
    CHECK(check_str_bytes("a\0b", 3) == 1);                  /* NUL */
    vw_err err;
    uint8_t buf[16];
    uint8_t s[4] = {0xa3, 'a', 0xff, 'b'};
    size_t n = wrap_a(s, 4, buf);
    CHECK(check_default(buf, n, &err) == -1);
    CHECK(strstr(err.message, "UTF-8") && strstr(err.message, "byte 5"));
    /* bad UTF-8 in a map key */
    uint8_t k[4] = {0x81, 0xa1, 0xc0, 0x01};
    CHECK(check_code(k, 4) == 1);
    /* bins are not text */
    uint8_t bin[5] = {0xc4, 2, 0xff, 0x00};
    n = wrap_a(bin, 4, buf);
    CHECK(check_code(buf, n) == 0);

    /* non-map roots */
    uint8_t arr[2] = {0x91, 0x01};
    CHECK(check_code(arr, 2) == 1);
    uint8_t one[1] = {0x01};
    CHECK(check_code(one, 1) == 1);
    uint8_t str[2] = {0xa1, 'x'};
    CHECK(check_code(str, 2) == 1);
    uint8_t nil[1] = {0xc0};
    CHECK(check_code(nil, 1) == 1);
    uint8_t map16[3] = {0xde, 0, 0};
    CHECK(check_code(map16, 3) == 0);
    uint8_t empty_map[1] = {0x80};
    CHECK(check_code(empty_map, 1) == 0);
    uint8_t two_maps[2] = {0x80, 0x80};
    CHECK(check_code(two_maps, 2) == 1);
}

/* ---- the request envelope ------------------------------------------------- */

/* Unpacks the bytes of `e` and parses them as a request. */
static int env_parse(enc *e, vw_request *r, vw_err *err)
{
    msgpack_zone z;
    msgpack_zone_init(&z, 1024);
    msgpack_object root;
    int rc = -1;
    if (check_default(e->sb.data, e->sb.size, err) != 0)
        goto out;
    if (vw_msg_unpack((uint8_t *)e->sb.data, e->sb.size, &z, &root, err) != 0)
        goto out;
    rc = vw_request_parse(&root, r, err);
out:
    msgpack_zone_destroy(&z);
    msgpack_sbuffer_clear(&e->sb);
    return rc;
}

static void test_envelope(void)
{
    enc e;
    enc_init(&e);
    vw_request r;
    vw_err err;

    msgpack_pack_map(&e.pk, 3);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 5);
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == 0);
    CHECK(r.args == NULL && r.id == 5 && vw_op_is(&r, "ping"));

    /* id 0 and the largest id */
    msgpack_pack_map(&e.pk, 3);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_cstr(&e.pk, "id");
    msgpack_pack_uint64(&e.pk, UINT64_MAX);
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == 0 && r.id == UINT64_MAX && r.has_id);

    /* v != 1 (id still reported) */
    msgpack_pack_map(&e.pk, 3);
    vw_pack_kv_int(&e.pk, "v", 2);
    vw_pack_kv_int(&e.pk, "id", 77);
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == -1);
    CHECK_STR(err.code, VW_E_BAD_REQUEST);
    CHECK(r.has_id && r.id == 77);

    msgpack_pack_map(&e.pk, 3);
    vw_pack_kv_str(&e.pk, "v", "1");
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == -1);

    msgpack_pack_map(&e.pk, 3);
    vw_pack_kv_double(&e.pk, "v", 1.0);
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == -1);

    /* id negative / string / float */
    msgpack_pack_map(&e.pk, 3);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", -1);
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == -1);
    CHECK(!r.has_id && r.id == 0);
    msgpack_pack_map(&e.pk, 3);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_str(&e.pk, "id", "1");
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == -1 && !r.has_id);
    msgpack_pack_map(&e.pk, 3);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_double(&e.pk, "id", 1.0);
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == -1);

    /* op not a string */
    msgpack_pack_map(&e.pk, 3);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_int(&e.pk, "op", 1);
    CHECK(env_parse(&e, &r, &err) == -1);
    CHECK(strstr(err.message, "'op'") != NULL);

    /* args not a map: array, nil, string */
    msgpack_pack_map(&e.pk, 4);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_str(&e.pk, "op", "ping");
    vw_pack_cstr(&e.pk, "args");
    msgpack_pack_array(&e.pk, 0);
    CHECK(env_parse(&e, &r, &err) == -1);
    msgpack_pack_map(&e.pk, 4);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_str(&e.pk, "op", "ping");
    vw_pack_cstr(&e.pk, "args");
    msgpack_pack_nil(&e.pk);
    CHECK(env_parse(&e, &r, &err) == -1);

    /* unknown key */
    msgpack_pack_map(&e.pk, 4);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 8);
    vw_pack_kv_str(&e.pk, "op", "ping");
    vw_pack_kv_int(&e.pk, "timeout", 1);
    CHECK(env_parse(&e, &r, &err) == -1);
    CHECK(strstr(err.message, "timeout") != NULL);
    CHECK(r.id == 8);

    /* non-string key */
    msgpack_pack_map(&e.pk, 4);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 8);
    vw_pack_kv_str(&e.pk, "op", "ping");
    msgpack_pack_int(&e.pk, 1);
    msgpack_pack_int(&e.pk, 1);
    CHECK(env_parse(&e, &r, &err) == -1);

    /* duplicate key */
    msgpack_pack_map(&e.pk, 4);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 8);
    vw_pack_kv_str(&e.pk, "op", "ping");
    vw_pack_kv_str(&e.pk, "op", "stats");
    CHECK(env_parse(&e, &r, &err) == -1);
    CHECK(strstr(err.message, "duplicate") != NULL);

    /* missing v / id / op */
    msgpack_pack_map(&e.pk, 2);
    vw_pack_kv_int(&e.pk, "id", 1);
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == -1);
    msgpack_pack_map(&e.pk, 2);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_str(&e.pk, "op", "ping");
    CHECK(env_parse(&e, &r, &err) == -1);
    CHECK(!r.has_id);
    msgpack_pack_map(&e.pk, 2);
    vw_pack_kv_int(&e.pk, "v", 1);
    vw_pack_kv_int(&e.pk, "id", 4);
    CHECK(env_parse(&e, &r, &err) == -1);
    CHECK(strstr(err.message, "op") != NULL && r.id == 4);

    /* a non-map root (msgpack-valid, rejected by the parser as well) */
    msgpack_object o;
    o.type = MSGPACK_OBJECT_ARRAY;
    o.via.array.size = 0;
    o.via.array.ptr = NULL;
    CHECK(vw_request_parse(&o, &r, &err) == -1);
    CHECK(vw_request_parse(NULL, &r, &err) == -1);
    enc_free(&e);
}

/* ---- argument accessors ------------------------------------------------------ */

static void fill_types(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 16);
    vw_pack_kv_int(pk, "pos", 10);
    vw_pack_kv_int(pk, "neg", -3);
    vw_pack_kv_int(pk, "zero", 0);
    vw_pack_kv_double(pk, "f64", 2.5);
    vw_pack_cstr(pk, "f32");
    msgpack_pack_float(pk, 0.25f);
    vw_pack_kv_double(pk, "nan", NAN);
    vw_pack_kv_double(pk, "inf", INFINITY);
    vw_pack_kv_double(pk, "ninf", -INFINITY);
    vw_pack_kv_str(pk, "str", "x");
    vw_pack_kv_bool(pk, "t", true);
    vw_pack_cstr(pk, "nil");
    msgpack_pack_nil(pk);
    vw_pack_cstr(pk, "arr_empty");
    msgpack_pack_array(pk, 0);
    vw_pack_cstr(pk, "arr_mixed");
    msgpack_pack_array(pk, 2);
    vw_pack_cstr(pk, "a");
    msgpack_pack_int(pk, 1);
    vw_pack_cstr(pk, "arr3");
    msgpack_pack_array(pk, 3);
    vw_pack_cstr(pk, "a");
    vw_pack_cstr(pk, "b");
    vw_pack_cstr(pk, "c");
    vw_pack_cstr(pk, "map");
    msgpack_pack_map(pk, 0);
    vw_pack_cstr(pk, "big");
    msgpack_pack_uint64(pk, UINT64_MAX);
}

static void test_accessors(void)
{
    parsed p;
    vw_err err;
    CHECK(parse_request(fill_types, "match", &p) == 0);
    const msgpack_object *a = p.req.args;
    uint64_t u = 1234;
    double d = -1;
    bool b = false, present = false;
    const char *s;
    size_t sl;

    /* uint */
    CHECK(vw_arg_uint(a, "pos", 1, 100, &u, &present, &err) == 0 && u == 10 && present);
    CHECK(vw_arg_uint(a, "pos", 10, 10, &u, NULL, &err) == 0);
    CHECK(vw_arg_uint(a, "pos", 11, 100, &u, NULL, &err) == -1);
    CHECK_STR(err.code, VW_E_BAD_REQUEST);
    CHECK_STR(err.message, "argument 'pos' must be an integer between 11 and 100");
    CHECK(vw_arg_uint(a, "pos", 1, 9, &u, NULL, &err) == -1);
    CHECK(vw_arg_uint(a, "zero", 0, 10, &u, NULL, &err) == 0 && u == 0);
    CHECK(vw_arg_uint(a, "zero", 1, 10, &u, NULL, &err) == -1);
    CHECK(vw_arg_uint(a, "big", 0, UINT64_MAX, &u, NULL, &err) == 0 && u == UINT64_MAX);
    CHECK(vw_arg_uint(a, "big", 0, UINT64_MAX - 1, &u, NULL, &err) == -1);
    const char *not_uint[] = {"neg", "f64", "f32", "nan", "str", "t", "nil", "arr3", "map"};
    for (size_t i = 0; i < sizeof not_uint / sizeof *not_uint; i++) {
        u = 1234;
        CHECK(vw_arg_uint(a, not_uint[i], 0, UINT64_MAX, &u, &present, &err) == -1);
        CHECK(u == 1234 && present);
    }
    CHECK(vw_arg_uint(a, "absent", 1, 2, &u, &present, &err) == 0 && !present && u == 1234);

    /* double */
    CHECK(vw_arg_double(a, "pos", 0, 600, &d, &present, &err) == 0 && d == 10.0);
    CHECK(vw_arg_double(a, "neg", -5, 5, &d, NULL, &err) == 0 && d == -3.0);
    CHECK(vw_arg_double(a, "neg", 0, 600, &d, NULL, &err) == -1);
    CHECK(vw_arg_double(a, "f64", 2.5, 2.5, &d, NULL, &err) == 0 && d == 2.5);
    CHECK(vw_arg_double(a, "f32", 0, 1, &d, NULL, &err) == 0 && d == 0.25);
    CHECK(vw_arg_double(a, "f64", 0, 2.4, &d, NULL, &err) == -1);
    CHECK(vw_arg_double(a, "pos", 0, 600, &d, NULL, &err) == 0);
    CHECK(vw_arg_double(a, "big", 0, 600, &d, NULL, &err) == -1);
    CHECK_STR(err.message, "argument 'big' must be a number between 0 and 600");
    const char *not_num[] = {"nan", "inf", "ninf", "str", "t", "nil", "arr3", "map"};
    for (size_t i = 0; i < sizeof not_num / sizeof *not_num; i++) {
        d = -1;
        CHECK(vw_arg_double(a, not_num[i], -1e300, 1e300, &d, NULL, &err) == -1);
        CHECK(d == -1);
        CHECK_STR(err.code, VW_E_BAD_REQUEST);
    }
    CHECK(vw_arg_double(NULL, "x", 0, 1, &d, &present, &err) == 0 && !present);

    /* bool */
    CHECK(vw_arg_bool(a, "t", &b, &present, &err) == 0 && b && present);
    const char *not_bool[] = {"pos", "zero", "str", "nil", "f64", "arr_empty", "map"};
    for (size_t i = 0; i < sizeof not_bool / sizeof *not_bool; i++)
        CHECK(vw_arg_bool(a, not_bool[i], &b, NULL, &err) == -1);

    /* str */
    CHECK(vw_arg_str(a, "str", &s, &sl, &present, &err) == 0 && sl == 1 && *s == 'x');
    const char *not_str[] = {"pos", "t", "nil", "arr3", "map", "f32"};
    for (size_t i = 0; i < sizeof not_str / sizeof *not_str; i++)
        CHECK(vw_arg_str(a, not_str[i], &s, &sl, NULL, &err) == -1);

    /* str list */
    const char *strs[4];
    size_t lens[4], n = 9;
    CHECK(vw_arg_str_list(a, "str", strs, lens, 4, &n, &err) == 0 && n == 1);
    CHECK(vw_arg_str_list(a, "arr3", strs, lens, 3, &n, &err) == 0 && n == 3);
    CHECK(lens[2] == 1 && strs[2][0] == 'c');
    CHECK(vw_arg_str_list(a, "arr3", strs, lens, 2, &n, &err) == -1);
    CHECK_STR(err.message, "argument 'arr3' must be a string or an array of 1 to 2 strings");
    CHECK(vw_arg_str_list(a, "arr_empty", strs, lens, 4, &n, &err) == -1);
    CHECK(vw_arg_str_list(a, "arr_mixed", strs, lens, 4, &n, &err) == -1);
    CHECK(vw_arg_str_list(a, "pos", strs, lens, 4, &n, &err) == -1);
    CHECK(vw_arg_str_list(a, "nil", strs, lens, 4, &n, &err) == -1);
    CHECK(vw_arg_str_list(a, "map", strs, lens, 4, &n, &err) == -1);
    CHECK(vw_arg_str_list(a, "absent", strs, lens, 4, &n, &err) == 0 && n == 0);

    /* args_only */
    static const char *const all[] = {"pos", "neg", "zero", "f64", "f32", "nan", "inf", "ninf",
                                      "str", "t", "nil", "arr_empty", "arr_mixed", "arr3",
                                      "map", "big", NULL};
    CHECK(vw_args_only(a, all, &err) == 0);
    CHECK(vw_args_only(a, all + 1, &err) == -1);
    CHECK_STR(err.message, "unknown argument 'pos'");
    CHECK(vw_args_only(a, (const char *const[]){NULL}, &err) == -1);
    parsed_free(&p);
}

static void fill_dup(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    vw_pack_kv_bool(pk, "accepting_only", false);
    vw_pack_kv_bool(pk, "accepting_only", true);
}

static void fill_intkey(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 1);
}

static void fill_ctrl(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    vw_pack_kv_int(pk, "bad\x01key", 1);
}

static void test_args_only_edges(void)
{
    parsed p;
    vw_err err;
    static const char *const known[] = {"accepting_only", NULL};
    CHECK(parse_request(fill_dup, "match", &p) == 0);
    CHECK(vw_args_only(p.req.args, known, &err) == -1);
    CHECK(strstr(err.message, "twice") != NULL);
    parsed_free(&p);
    CHECK(parse_request(fill_intkey, "match", &p) == 0);
    CHECK(vw_args_only(p.req.args, known, &err) == -1);
    parsed_free(&p);
    CHECK(parse_request(fill_ctrl, "match", &p) == 0);
    CHECK(vw_args_only(p.req.args, known, &err) == -1);
    CHECK_STR(err.message, "unknown argument 'bad?key'");
    parsed_free(&p);
}

/* ---- vocabulary -------------------------------------------------------------- */

static int32_t date(const char *s)
{
    int32_t d = VW_DATE_NONE;
    if (vw_date_parse(s, strlen(s), &d) != 0)
        return VW_DATE_NONE;
    return d;
}

static void test_vocab(void)
{
    CHECK(vw_discipline_parse("fysiotherapeut", 14) == VW_D_FYSIOTHERAPEUT);
    CHECK(vw_discipline_parse("bedrijfsarts", 12) == VW_D_BEDRIJFSARTS);
    CHECK(vw_discipline_parse("poc", 3) == VW_D_POC);
    CHECK(vw_discipline_parse("pocx", 3) == VW_D_POC); /* length-delimited */
    CHECK(vw_discipline_parse("Poc", 3) == -1);
    CHECK(vw_discipline_parse("po", 2) == -1);
    CHECK(vw_discipline_parse("", 0) == -1);
    CHECK(vw_discipline_parse(NULL, 0) == -1);
    for (int d = 0; d < VW_D_COUNT; d++) {
        const char *n = vw_discipline_name(d);
        CHECK(n != NULL && vw_discipline_parse(n, strlen(n)) == d);
        CHECK(vw_tag_valid(n, strlen(n)));
    }
    CHECK(vw_discipline_name(-1) == NULL && vw_discipline_name(VW_D_COUNT) == NULL);
    CHECK_STR(vw_discipline_name(VW_D_MAATSCHAPPELIJK_WERKER), "maatschappelijk_werker");
    CHECK((VW_D_PSYCHOSOCIAL_MASK & (1u << VW_D_POC)) != 0);
    CHECK((VW_D_PSYCHOSOCIAL_MASK & (1u << VW_D_DIETIST)) == 0);

    CHECK_STR(vw_base_tags[0], "oncologie");
    CHECK_STR(vw_base_tags[3], "psycho-oncologie");
    CHECK_STR(vw_base_tags[9], "jongvolwassenen");
    for (int i = 0; i < VW_BASE_TAG_COUNT; i++)
        CHECK(vw_tag_valid(vw_base_tags[i], strlen(vw_base_tags[i])));
    CHECK(vw_tag_valid("a", 1));
    CHECK(vw_tag_valid("a1_-", 4));
    CHECK(vw_tag_valid("abcdefghijklmnopqrstuvwxyz012345", 32));
    CHECK(!vw_tag_valid("abcdefghijklmnopqrstuvwxyz0123456", 33));
    CHECK(!vw_tag_valid("", 0));
    CHECK(!vw_tag_valid("1abc", 4));
    CHECK(!vw_tag_valid("-abc", 4));
    CHECK(!vw_tag_valid("Oncologie", 9));
    CHECK(!vw_tag_valid("onco logie", 10));
    CHECK(!vw_tag_valid("onco;x", 6));
    CHECK(!vw_tag_valid("caf\xc3\xa9", 5));

    CHECK(vw_id_valid("P0000001", 8));
    CHECK(vw_id_valid("N-utrecht.1/x", 13));
    CHECK(vw_id_valid("!~", 2));
    char id64[65];
    memset(id64, 'x', 65);
    CHECK(vw_id_valid(id64, 64));
    CHECK(!vw_id_valid(id64, 65));
    CHECK(!vw_id_valid("", 0));
    CHECK(!vw_id_valid("P 1", 3));
    CHECK(!vw_id_valid("P;1", 3));
    CHECK(!vw_id_valid("P,1", 3));
    CHECK(!vw_id_valid("P\t1", 3));
    CHECK(!vw_id_valid("P\x7f", 2));
    CHECK(!vw_id_valid("P\xc3\xa9", 3));
    CHECK(!vw_id_valid("P\0", 2));

    CHECK(vw_net_status_parse("certified", 9) == VW_NET_CERTIFIED);
    CHECK(vw_net_status_parse("forming", 7) == VW_NET_FORMING);
    CHECK(vw_net_status_parse("Certified", 9) == -1);
    CHECK(vw_net_status_parse("form", 4) == -1);
    CHECK_STR(vw_net_status_name(VW_NET_CERTIFIED), "certified");
    CHECK_STR(vw_net_status_name(VW_NET_FORMING), "forming");
    CHECK(vw_net_status_name(5) == NULL);

    /* dates */
    CHECK(date("1970-01-01") == 0);
    CHECK(date("1970-01-02") == 1);
    CHECK(date("1969-12-31") == -1);
    CHECK(date("2000-03-01") == 11017);
    CHECK(date("2024-02-29") == 19782);
    CHECK(date("2024-03-01") == 19783);
    CHECK(date("2000-02-29") != VW_DATE_NONE); /* divisible by 400 */
    CHECK(date("1900-02-29") == VW_DATE_NONE); /* divisible by 100 */
    CHECK(date("2100-02-29") == VW_DATE_NONE);
    CHECK(date("2023-02-29") == VW_DATE_NONE);
    CHECK(date("2023-02-28") != VW_DATE_NONE);
    CHECK(date("2023-04-31") == VW_DATE_NONE);
    CHECK(date("2023-04-30") != VW_DATE_NONE);
    CHECK(date("2023-12-31") != VW_DATE_NONE);
    CHECK(date("2023-13-01") == VW_DATE_NONE);
    CHECK(date("2023-00-10") == VW_DATE_NONE);
    CHECK(date("2023-01-00") == VW_DATE_NONE);
    CHECK(date("2023-01-32") == VW_DATE_NONE);
    CHECK(date("1900-01-01") == -25567);
    CHECK(date("1899-12-31") == VW_DATE_NONE);
    CHECK(date("2999-12-31") != VW_DATE_NONE);
    CHECK(date("3000-01-01") == VW_DATE_NONE);
    CHECK(date("2023-1-01") == VW_DATE_NONE);
    CHECK(date("2023-01-1") == VW_DATE_NONE);
    CHECK(date("2023/01/01") == VW_DATE_NONE);
    CHECK(date("2023-01-01 ") == VW_DATE_NONE);
    CHECK(date(" 2023-01-01") == VW_DATE_NONE);
    CHECK(date("+023-01-01") == VW_DATE_NONE);
    CHECK(date("2023-0a-01") == VW_DATE_NONE);
    CHECK(date("") == VW_DATE_NONE);
    CHECK(vw_date_parse("2024-02-29xyz", 10, NULL) == 0); /* length-delimited */
    CHECK(vw_date_parse(NULL, 10, NULL) == -1);

    char out[11];
    vw_date_format(0, out);
    CHECK_STR(out, "1970-01-01");
    vw_date_format(19782, out);
    CHECK_STR(out, "2024-02-29");
    vw_date_format(-1, out);
    CHECK_STR(out, "1969-12-31");
    vw_date_format(VW_DATE_NONE, out);
    CHECK_STR(out, "");
    /* every day 1900..2999 survives format -> parse */
    int mism = 0;
    for (int32_t dd = date("1900-01-01"); dd <= date("2999-12-31"); dd++) {
        int32_t back = VW_DATE_NONE;
        vw_date_format(dd, out);
        if (vw_date_parse(out, strlen(out), &back) != 0 || back != dd)
            mism++;
    }
    CHECK(mism == 0);

    int32_t today = vw_date_today();
    CHECK(today > date("2020-01-01") && today < date("2999-12-31"));
}

/* vw_utf8_bad / vw_utf8_fix, and error messages always valid UTF-8. */
/* vw_utf8_bad's 8-bytes-at-a-time ASCII path: a bad byte, a NUL or a valid
 * multi-byte character at every offset around the 8-byte steps is found at
 * exactly its place. */
static void test_utf8_offsets(void)
{
    char buf[40];
    for (size_t len = 1; len <= 33; len++) {
        for (size_t at = 0; at < len; at++) {
            memset(buf, 'a', sizeof buf);
            buf[at] = (char)0xff;
            CHECK(vw_utf8_bad(buf, len) == at);
            buf[at] = 0;
            CHECK(vw_utf8_bad(buf, len) == at);
            buf[at] = 0x7f;
            CHECK(vw_utf8_bad(buf, len) == len);
            if (at + 1 < len) { /* U+00EB, two bytes */
                buf[at] = (char)0xc3;
                buf[at + 1] = (char)0xab;
                CHECK(vw_utf8_bad(buf, len) == len);
                buf[at + 1] = 'a'; /* lead byte without its continuation */
                CHECK(vw_utf8_bad(buf, len) == at);
            }
        }
        memset(buf, 'a', sizeof buf);
        buf[len - 1] = (char)0xc3; /* cut off by the end */
        CHECK(vw_utf8_bad(buf, len) == len - 1);
    }
}

static void test_utf8_repair(void)
{
    CHECK(vw_utf8_bad("", 0) == 0);
    CHECK(vw_utf8_bad("a\xc3\xa9\xf0\x9f\x98\x80", 7) == 7);
    CHECK(vw_utf8_bad("ab\xc3", 3) == 2);         /* cut by the end */
    CHECK(vw_utf8_bad("a\0b", 3) == 1);           /* NUL */
    CHECK(vw_utf8_bad("\xed\xa0\x80", 3) == 0);   /* surrogate */
    CHECK(vw_utf8_bad("\xc0\xaf", 2) == 0);        /* overlong */
    CHECK(vw_utf8_bad("\xf4\x90\x80\x80", 4) == 0); /* above U+10FFFF */

    char s1[] = "x\xc3\xa9\xc3"; /* cut mid-character: dropped */
    vw_utf8_fix(s1);
    CHECK_STR(s1, "x\xc3\xa9");
    char s2[] = "a\xff" "b\xc3'c\xe2\x82"; /* raw byte, cut char inside, cut at end */
    vw_utf8_fix(s2);
    CHECK_STR(s2, "a?b?'c");
    char s3[] = "\xf0\x9f\x98\x80 ok";
    vw_utf8_fix(s3);
    CHECK_STR(s3, "\xf0\x9f\x98\x80 ok");
    vw_utf8_fix(NULL);

    /* %.*s of user input cut in the middle of a 2-byte character */
    char id[201];
    for (int i = 0; i < 100; i++)
        memcpy(id + 2 * i, "\xc3\xa9", 2);
    id[200] = '\0';
    vw_err err;
    vw_err_set(&err, VW_E_NOT_FOUND, "no provider with id 'x%.*s'", 63, id);
    CHECK(vw_utf8_bad(err.message, strlen(err.message)) == strlen(err.message));
    CHECK(strstr(err.message, "\xc3\xa9?'") != NULL);
    /* cut by the message buffer itself */
    char big[1001];
    for (int i = 0; i < 500; i++)
        memcpy(big + 2 * i, "\xc3\xa9", 2);
    big[1000] = '\0';
    vw_err_set(&err, VW_E_BAD_REQUEST, "%s", big);
    CHECK(vw_utf8_bad(err.message, strlen(err.message)) == strlen(err.message));
    CHECK(strlen(err.message) == sizeof err.message - 2); /* 239 chars, the half dropped */

    /* vw_pack_error repairs a message that did not come through vw_err_set */
    enc e;
    enc_init(&e);
    vw_pack_error(&e.pk, 1, VW_E_NOT_FOUND, "bad \xff byte \xc3");
    vw_limits lim;
    vw_limits_default(&lim);
    CHECK(vw_msg_check((const uint8_t *)e.sb.data, e.sb.size, &lim, &err) == 0);
    enc_free(&e);
}

static void test_hostport(void)
{
    static const struct {
        const char *in, *host, *port;
    } good[] = {
        {"127.0.0.1:4747", "127.0.0.1", "4747"},
        {"localhost:0", "localhost", "0"},
        {"verwijs.example.nl:65535", "verwijs.example.nl", "65535"},
        {"[::1]:4747", "::1", "4747"},
        {"[::]:80", "::", "80"},
        {"[fe80::1%eth0]:8080", "fe80::1%eth0", "8080"},
        {"[2001:db8::42]:1", "2001:db8::42", "1"},
    };
    static const char *const bad[] = {
        "", "localhost", ":4747", "127.0.0.1:", "[::1]", "[::1]4747", "[::1:4747", "::1:4747",
        "::1", "[]:4747", "a:b:c", "host:port", "host:65536", "host:123456", "host:-1",
        "host: 80", "host:80 ", "]:80", "a]b:80", "[::1]:", "[[::1]]:80",
    };
    char host[64], port[8];
    vw_err err;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc = vw_hostport_split(good[i].in, host, sizeof host, port, sizeof port, &err);
        CHECK(rc == 0);
        if (rc == 0) {
            CHECK_STR(host, good[i].host);
            CHECK_STR(port, good[i].port);
        } else {
            fprintf(stderr, "hostport '%s': %s\n", good[i].in, err.message);
        }
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(err.code, "none");
        CHECK(vw_hostport_split(bad[i], host, sizeof host, port, sizeof port, &err) == -1);
        CHECK_STR(err.code, VW_E_BAD_REQUEST);
        if (strcmp(err.code, VW_E_BAD_REQUEST) != 0)
            fprintf(stderr, "hostport '%s' accepted\n", bad[i]);
    }
    CHECK(vw_hostport_split(NULL, host, sizeof host, port, sizeof port, &err) == -1);
    /* a host longer than the buffer is refused, never cut */
    char small[4];
    CHECK(vw_hostport_split("localhost:80", small, sizeof small, port, sizeof port, &err) == -1);
    CHECK(vw_hostport_split("[::1]:80", small, sizeof small, port, sizeof port, &err) == 0 &&
          strcmp(small, "::1") == 0);
    CHECK(vw_hostport_split("[::1]:80", small, 3, port, sizeof port, &err) == -1);
    CHECK(vw_hostport_split("a:80", host, sizeof host, port, 2, &err) == -1);
    CHECK(vw_hostport_split("a:80", host, sizeof host, port, 3, NULL) == 0);
}

int main(void)
{
    test_hostport();
    test_frames();
    test_request_roundtrip();
    test_response_roundtrip();
    test_truncation();
    test_declared_lengths();
    test_nesting_and_counts();
    test_utf8_and_root();
    test_envelope();
    test_accessors();
    test_args_only_edges();
    test_vocab();
    test_utf8_repair();
    test_utf8_offsets();
    return T_DONE();
}
