/* test_http1.c -- server/daemon/http1.c, the HTTP/1.1 request head parser:
 * where vw_http1_head_end puts the end of a head (CRLF, bare LF, split at
 * every byte, leading empty lines, pipelining) and what vw_http1_parse
 * accepts and refuses, with the exact status of every refusal (400, 431,
 * 501, 505), as http1.h states it. Every head is parsed in a malloc'ed
 * buffer of exactly its length, so a sanitizer build catches any byte read
 * or written past it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/daemon/http1.h"
#include "t.h"

/* A string literal as (bytes, length): keeps embedded NULs (so BAD() does). */
#define B(s) (s), (sizeof(s) - 1)

/* A request with a Host field and the given extra field lines (each ending
 * in CRLF), ending in the empty line. */
#define RQ(fields) "GET / HTTP/1.1\r\nHost: h\r\n" fields "\r\n"

/* The buffer of the last parse: the strings of a vw_http1_req point into it,
 * so it lives until the next parse. */
static char *g_buf;

static int parse_n(const char *s, size_t n, vw_http1_req *r)
{
    free(g_buf);
    g_buf = malloc(n ? n : 1);
    if (g_buf == NULL)
        abort();
    memcpy(g_buf, s, n);
    return vw_http1_parse(g_buf, n, r);
}

/* head_end on an exactly sized copy (n == 0: no bytes at all). */
static size_t head_end_n(const char *s, size_t n)
{
    char *c = malloc(n ? n : 1);
    if (c == NULL)
        abort();
    memcpy(c, s, n);
    size_t e = vw_http1_head_end(c, n);
    free(c);
    return e;
}

static void bad_at(int line, const char *s, size_t n, int status)
{
    vw_http1_req r;
    int rc = parse_n(s, n, &r);
    if (rc == -1 && r.err_status == status && r.err_message != NULL) {
        t_pass++;
        return;
    }
    t_fail++;
    fprintf(stderr, "%s:%d: expected -1/%d, got %d/%d (%s)\n", __FILE__, line, status, rc,
            r.err_status, rc ? (r.err_message ? r.err_message : "(null)") : "accepted");
}
#define BAD(s, status) bad_at(__LINE__, B(s), status)
#define BAD_N(s, n, status) bad_at(__LINE__, s, n, status)

static bool ok_at(int line, const char *s, size_t n, vw_http1_req *r)
{
    int rc = parse_n(s, n, r);
    if (rc == 0 && r->path != NULL) {
        t_pass++;
        return true;
    }
    t_fail++;
    fprintf(stderr, "%s:%d: expected success, got %d/%d (%s)\n", __FILE__, line, rc,
            r->err_status, r->err_message ? r->err_message : "(null)");
    return false;
}
#define OK(s, r) ok_at(__LINE__, B(s), r)

/* ---- vw_http1_head_end ------------------------------------------------- */

/* Every strict prefix of `head` holds no head; the whole does, at its exact
 * length; with `tail` after it, still at that length. */
static void check_split(const char *head, const char *tail)
{
    size_t n = strlen(head), t = strlen(tail);
    char *all = malloc(n + t + 1);
    if (all == NULL)
        abort();
    memcpy(all, head, n);
    memcpy(all + n, tail, t + 1);
    int bad = 0;
    for (size_t k = 0; k < n; k++)
        if (head_end_n(all, k) != 0)
            bad++;
    CHECK(bad == 0);
    CHECK(head_end_n(all, n) == n);
    for (size_t k = n; k <= n + t; k++)
        if (head_end_n(all, k) != n)
            bad++;
    CHECK(bad == 0);
    free(all);
}

static void test_head_end(void)
{
    const char crlf[] = "GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
    const char lf[] = "GET / HTTP/1.1\nHost: a\nAccept: */*\n\n";
    CHECK(head_end_n(B(crlf)) == sizeof crlf - 1);
    CHECK(head_end_n(B(lf)) == sizeof lf - 1);
    CHECK(head_end_n(B("GET / HTTP/1.1\r\n\r\n")) == 18); /* no fields at all */
    CHECK(head_end_n(B("GET / HTTP/1.1\n\n")) == 16);
    /* line ends mixed: a bare LF after CRLF lines, CRLF after LF lines */
    CHECK(head_end_n(B("GET / HTTP/1.1\r\nHost: a\r\n\n")) == 26);
    CHECK(head_end_n(B("GET / HTTP/1.1\nHost: a\n\r\n")) == 25);
    /* not yet complete */
    CHECK(head_end_n(B("")) == 0);
    CHECK(head_end_n(B("GET / HTTP/1.1")) == 0);
    CHECK(head_end_n(B("GET / HTTP/1.1\r\n")) == 0);
    CHECK(head_end_n(B("GET / HTTP/1.1\r\n\r")) == 0);
    CHECK(head_end_n(B("GET / HTTP/1.1\r\nHost: a\r\n")) == 0);
    CHECK(head_end_n(B("GET / HTTP/1.1\r\nHost: a\r\n\r")) == 0);
    /* a CR not before an LF does not end a line, nor an empty one */
    CHECK(head_end_n(B("GET / HTTP/1.1\r\n\r\r\n")) == 0);
    CHECK(head_end_n(B("GET / HTTP/1.1\r\r\n\r\n")) == 19);

    /* split at every byte offset */
    check_split(crlf, "");
    check_split(lf, "");
    check_split("GET / HTTP/1.1\r\nHost: a\r\n\n", "");
    check_split("\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "");
    check_split("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\n", "hello");
    check_split("GET /a HTTP/1.1\r\n\r\n", "GET /b HTTP/1.1\r\n\r\n");

    /* leading empty lines belong to the head; only empty lines are no head */
    CHECK(head_end_n(B("\r\n\r\n\nGET / HTTP/1.1\r\n\r\n")) == 23);
    CHECK(head_end_n(B("\nGET / HTTP/1.1\n\n")) == 17);
    CHECK(head_end_n(B("\r\n")) == 0);
    CHECK(head_end_n(B("\n")) == 0);
    CHECK(head_end_n(B("\r\n\r\n")) == 0);
    CHECK(head_end_n(B("\n\n\n\n")) == 0);
    CHECK(head_end_n(B("\r")) == 0);
    CHECK(head_end_n(B("\r\n\r")) == 0);

    /* pipelined: the first head only, then the next from there */
    const char two[] = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
    size_t first = head_end_n(B(two));
    CHECK(first == 28);
    CHECK(head_end_n(two + first, sizeof two - 1 - first) == 28);
    const char lf2[] = "GET /a HTTP/1.1\n\nGET /b HTTP/1.1\n\n";
    CHECK(head_end_n(B(lf2)) == 17);
    /* a body after the head is not part of it */
    CHECK(head_end_n(B("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n\r\n\r\n")) == 38);
}

/* ---- vw_http1_parse: request line --------------------------------------- */

static void test_methods(void)
{
    vw_http1_req r;
    if (OK("GET /a/b HTTP/1.1\r\nHost: h\r\n\r\n", &r)) {
        CHECK(r.method == VW_HTTP1_GET);
        CHECK_STR(r.method_text, "GET");
        CHECK_STR(r.path, "/a/b");
        CHECK(r.query == NULL);
        CHECK(r.minor == 1 && r.keep_alive && !r.has_body && r.content_length == 0);
        CHECK(r.n_fields == 1);
        CHECK_STR(r.fields[0].name, "Host");
        CHECK_STR(r.fields[0].value, "h");
    }
    if (OK("HEAD / HTTP/1.1\r\n\r\n", &r))
        CHECK(r.method == VW_HTTP1_HEAD && strcmp(r.method_text, "HEAD") == 0 && r.n_fields == 0);
    if (OK("OPTIONS /v1 HTTP/1.1\r\n\r\n", &r))
        CHECK(r.method == VW_HTTP1_OPTIONS && strcmp(r.path, "/v1") == 0);
    const char *other[] = {"POST", "PUT", "DELETE", "PATCH", "FOO", "get", "Get", "GETS",
                           "M-SEARCH", "X!#$%&'*+-.^_`|~9", NULL};
    for (int i = 0; other[i]; i++) {
        char buf[128];
        int n = snprintf(buf, sizeof buf, "%s / HTTP/1.1\r\n\r\n", other[i]);
        if (ok_at(__LINE__, buf, (size_t)n, &r)) {
            CHECK(r.method == VW_HTTP1_OTHER); /* methods are case-sensitive */
            CHECK_STR(r.method_text, other[i]);
        }
    }
    /* a method must be a non-empty token */
    BAD(" / HTTP/1.1\r\n\r\n", 400);
    BAD("GE(T / HTTP/1.1\r\n\r\n", 400);
    BAD("GE\"T / HTTP/1.1\r\n\r\n", 400);
    BAD("G\tET / HTTP/1.1\r\n\r\n", 400);
    BAD("G\xc3\xa9T / HTTP/1.1\r\n\r\n", 400);
    /* single spaces only, three parts */
    BAD("GET  / HTTP/1.1\r\n\r\n", 400);
    BAD("GET /  HTTP/1.1\r\n\r\n", 400);
    BAD("GET / HTTP/1.1 \r\n\r\n", 400);
    BAD("GET /\r\n\r\n", 400);
    BAD("GET / \r\n\r\n", 400);
    BAD("GET\r\n\r\n", 400);
    BAD("GET /a b HTTP/1.1\r\n\r\n", 400);
    BAD("GET\t/\tHTTP/1.1\r\n\r\n", 400);
}

static void test_target(void)
{
    vw_http1_req r;
    if (OK("GET /p?a=1&b=2 HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/p");
        CHECK_STR(r.query, "a=1&b=2");
    }
    if (OK("GET /p? HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/p");
        CHECK_STR(r.query, ""); /* an empty query is not none */
    }
    if (OK("GET /p?a?b=/c HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/p");
        CHECK_STR(r.query, "a?b=/c"); /* only the first '?' splits */
    }
    if (OK("GET /a%20b/%2F HTTP/1.1\r\n\r\n", &r))
        CHECK_STR(r.path, "/a%20b/%2F"); /* raw, not decoded */
    /* the fragment is dropped, wherever it is */
    if (OK("GET /p#frag HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/p");
        CHECK(r.query == NULL);
    }
    if (OK("GET /p?q=1#frag HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/p");
        CHECK_STR(r.query, "q=1");
    }
    if (OK("GET /p#f?x=1 HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/p");
        CHECK(r.query == NULL); /* a '?' inside the fragment is no query */
    }
    if (OK("GET /# HTTP/1.1\r\n\r\n", &r))
        CHECK_STR(r.path, "/");

    /* absolute-form: reduced to its path (and query) */
    if (OK("GET http://h/p?q HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/p");
        CHECK_STR(r.query, "q");
    }
    if (OK("GET http://h HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/");
        CHECK(r.query == NULL);
    }
    if (OK("GET http://h?x HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/");
        CHECK_STR(r.query, "x");
    }
    if (OK("GET http://h?x/y HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/");
        CHECK_STR(r.query, "x/y"); /* the '/' is in the query, not the path */
    }
    if (OK("GET http://user@h.example:8080/a/b?c=d#e HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/a/b");
        CHECK_STR(r.query, "c=d");
    }
    /* a '#' ends the authority too: what follows is fragment, not path or query */
    if (OK("GET http://h#a?b HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/");
        CHECK(r.query == NULL);
    }
    if (OK("GET http://h#x/y HTTP/1.1\r\n\r\n", &r)) {
        CHECK_STR(r.path, "/");
        CHECK(r.query == NULL);
    }
    if (OK("GET HTTPS://h:8443/x HTTP/1.1\r\n\r\n", &r)) /* the scheme is case-insensitive */
        CHECK_STR(r.path, "/x");
    if (OK("GET https://h HTTP/1.1\r\n\r\n", &r))
        CHECK_STR(r.path, "/");
    if (OK("OPTIONS http://h HTTP/1.1\r\n\r\n", &r))
        CHECK(r.method == VW_HTTP1_OPTIONS && strcmp(r.path, "/") == 0);
    BAD("GET http:// HTTP/1.1\r\n\r\n", 400);
    BAD("GET https:// HTTP/1.1\r\n\r\n", 400);
    BAD("GET http://?x HTTP/1.1\r\n\r\n", 400);
    BAD("GET http:///p HTTP/1.1\r\n\r\n", 400); /* an empty host */
    BAD("GET ftp://h/p HTTP/1.1\r\n\r\n", 400);
    BAD("GET h/p HTTP/1.1\r\n\r\n", 400);
    BAD("GET p HTTP/1.1\r\n\r\n", 400);
    BAD("GET ?x HTTP/1.1\r\n\r\n", 400);

    /* "*" is for OPTIONS only, and only alone */
    if (OK("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &r)) {
        CHECK(r.method == VW_HTTP1_OPTIONS);
        CHECK_STR(r.path, "*");
        CHECK(r.query == NULL);
    }
    BAD("GET * HTTP/1.1\r\n\r\n", 400);
    BAD("HEAD * HTTP/1.1\r\n\r\n", 400);
    BAD("POST * HTTP/1.1\r\n\r\n", 400);
    BAD("options * HTTP/1.1\r\n\r\n", 400);
    BAD("OPTIONS ** HTTP/1.1\r\n\r\n", 400);
    BAD("OPTIONS *?x HTTP/1.1\r\n\r\n", 400);
    BAD("OPTIONS */ HTTP/1.1\r\n\r\n", 400);

    /* bytes outside 0x21..0x7e in the target */
    BAD("GET /a\x01 HTTP/1.1\r\n\r\n", 400);
    BAD("GET /a\x1f HTTP/1.1\r\n\r\n", 400);
    BAD("GET /a\x7f HTTP/1.1\r\n\r\n", 400);
    BAD("GET /a\x80 HTTP/1.1\r\n\r\n", 400);
    BAD("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n", 400);
    BAD("GET /\xff HTTP/1.1\r\n\r\n", 400);
    BAD("GET /a\tb HTTP/1.1\r\n\r\n", 400);
    BAD("GET http://h/\x80 HTTP/1.1\r\n\r\n", 400);
    BAD("OPTIONS *\x7f HTTP/1.1\r\n\r\n", 400);
    if (OK("GET /!$&'()*+,;=:@-._~%41 HTTP/1.1\r\n\r\n", &r))
        CHECK_STR(r.path, "/!$&'()*+,;=:@-._~%41");
}

static void test_version(void)
{
    vw_http1_req r;
    if (OK("GET / HTTP/1.0\r\n\r\n", &r))
        CHECK(r.minor == 0 && !r.keep_alive);
    if (OK("GET / HTTP/1.1\r\n\r\n", &r))
        CHECK(r.minor == 1 && r.keep_alive);
    BAD("GET / HTTP/2.0\r\n\r\n", 505);
    BAD("PRI * HTTP/2.0\r\n\r\n", 505);
    BAD("GET / HTTP/1.2\r\n\r\n", 505);
    BAD("GET / HTTP/1.9\r\n\r\n", 505);
    BAD("GET / HTTP/0.9\r\n\r\n", 505);
    BAD("GET / HTTP/3.0\r\n\r\n", 505);
    BAD("GET / HTTP/9.9\r\n\r\n", 505);
    const char *garbage[] = {"HTTP/1",   "HTTP/1.",  "HTTP/1.1x", "HTTP/11",  "HTTP/1,1",
                             "HTTP/a.b", "HTTP/1.a", "HTTP/x.1",  "http/1.1", "Http/1.1",
                             "HTXP/1.1", "HTTP 1.1", "HTTP/",     "1.1",      "HTTP/1.10",
                             "HTTP/2",   "HTTP/-1.1", "HTTP/1.1/", "HTTPS/1.1", NULL};
    for (int i = 0; garbage[i]; i++) {
        char buf[64];
        int n = snprintf(buf, sizeof buf, "GET / %s\r\n\r\n", garbage[i]);
        bad_at(__LINE__, buf, (size_t)n, 400);
    }
}

/* ---- vw_http1_parse: fields --------------------------------------------- */

static void check_conn(const char *version, const char *conn, bool want)
{
    char buf[256];
    int n = conn ? snprintf(buf, sizeof buf, "GET / %s\r\nConnection: %s\r\n\r\n", version, conn)
                 : snprintf(buf, sizeof buf, "GET / %s\r\n\r\n", version);
    vw_http1_req r;
    if (ok_at(__LINE__, buf, (size_t)n, &r) && r.keep_alive != want) {
        t_fail++;
        fprintf(stderr, "%s:%d: %s, Connection: %s: keep_alive %d, expected %d\n", __FILE__,
                __LINE__, version, conn ? conn : "(none)", r.keep_alive, want);
    }
}

static void test_connection(void)
{
    check_conn("HTTP/1.1", NULL, true);
    check_conn("HTTP/1.0", NULL, false);
    check_conn("HTTP/1.1", "close", false);
    check_conn("HTTP/1.1", "CLOSE", false);
    check_conn("HTTP/1.1", "Close", false);
    check_conn("HTTP/1.1", "keep-alive", true);
    check_conn("HTTP/1.0", "keep-alive", true);
    check_conn("HTTP/1.0", "Keep-Alive", true);
    check_conn("HTTP/1.0", "close", false);
    check_conn("HTTP/1.1", "upgrade", true); /* another token: the default */
    check_conn("HTTP/1.0", "upgrade", false);
    check_conn("HTTP/1.1", "foo, close", false);
    check_conn("HTTP/1.1", "foo,close,bar", false);
    check_conn("HTTP/1.1", " ,\t, close \t,  ", false);
    check_conn("HTTP/1.0", "Upgrade, keep-alive", true);
    check_conn("HTTP/1.0", "Upgrade,Keep-Alive ", true);
    check_conn("HTTP/1.1", "close, keep-alive", false); /* close wins */
    check_conn("HTTP/1.0", "keep-alive, close", false);
    check_conn("HTTP/1.1", "closed", true); /* whole tokens only */
    check_conn("HTTP/1.1", "xclose", true);
    check_conn("HTTP/1.1", "clo se", true);
    check_conn("HTTP/1.0", "keep-alive2", false);
    check_conn("HTTP/1.0", "keep", false);
    check_conn("HTTP/1.1", "", true);
    check_conn("HTTP/1.0", ",,,", false);
    /* the field name is case-insensitive */
    vw_http1_req r;
    if (OK("GET / HTTP/1.1\r\nconnection: close\r\n\r\n", &r))
        CHECK(!r.keep_alive);
    if (OK("GET / HTTP/1.0\r\nCONNECTION: keep-alive\r\n\r\n", &r))
        CHECK(r.keep_alive);
}

static void test_content_length(void)
{
    vw_http1_req r;
    if (OK(RQ("Content-Length: 5\r\n"), &r))
        CHECK(r.has_body && r.content_length == 5);
    if (OK(RQ("Content-Length: 0\r\n"), &r))
        CHECK(r.has_body && r.content_length == 0); /* sent, even 0 */
    if (OK(RQ(""), &r))
        CHECK(!r.has_body && r.content_length == 0);
    if (OK(RQ("content-length:  42 \t\r\n"), &r))
        CHECK(r.has_body && r.content_length == 42);
    if (OK(RQ("Content-Length: 007\r\n"), &r))
        CHECK(r.content_length == 7);
    if (OK(RQ("Content-Length: 5\r\nX: y\r\nCONTENT-LENGTH: 5\r\n"), &r))
        CHECK(r.has_body && r.content_length == 5 && r.n_fields == 4); /* repeats that agree */
    if (OK(RQ("Content-Length: 5\r\nContent-Length: 005\r\n"), &r))
        CHECK(r.content_length == 5); /* agree as numbers */
    if (OK(RQ("Content-Length: 0\r\nContent-Length: 0\r\n"), &r))
        CHECK(r.has_body && r.content_length == 0);
    /* at most 2^53 */
    if (OK(RQ("Content-Length: 9007199254740992\r\n"), &r))
        CHECK(r.content_length == UINT64_C(9007199254740992));
    if (OK(RQ("Content-Length: 9007199254740991\r\n"), &r))
        CHECK(r.content_length == UINT64_C(9007199254740991));
    if (OK(RQ("Content-Length: 0000000000000000000000000000000000000001\r\n"), &r))
        CHECK(r.content_length == 1);
    BAD(RQ("Content-Length: 9007199254740993\r\n"), 400);
    BAD(RQ("Content-Length: 9007199254740999\r\n"), 400);
    BAD(RQ("Content-Length: 9007199254741000\r\n"), 400);
    BAD(RQ("Content-Length: 90071992547409920\r\n"), 400);
    BAD(RQ("Content-Length: 18446744073709551615\r\n"), 400);
    BAD(RQ("Content-Length: 18446744073709551616\r\n"), 400);
    BAD(RQ("Content-Length: 99999999999999999999999999\r\n"), 400);
    /* conflicting repeats */
    BAD(RQ("Content-Length: 5\r\nContent-Length: 6\r\n"), 400);
    BAD(RQ("Content-Length: 0\r\ncontent-length: 1\r\n"), 400);
    /* digits only, one value */
    const char *bad[] = {"",    "-1",  "+1",   "5a",  "a5",  "0x10", "1 2", "1,1", "5, 5",
                         "1.0", "1e3", " \t ", "\"5\"", "\xef\xbc\x95", NULL};
    for (int i = 0; bad[i]; i++) {
        char buf[128];
        int n = snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nContent-Length: %s\r\n\r\n", bad[i]);
        bad_at(__LINE__, buf, (size_t)n, 400);
    }
}

static void test_transfer_encoding(void)
{
    BAD(RQ("Transfer-Encoding: chunked\r\n"), 501);
    BAD(RQ("transfer-encoding: identity\r\n"), 501);
    BAD(RQ("TRANSFER-ENCODING: gzip, chunked\r\n"), 501);
    BAD(RQ("Transfer-Encoding:\r\n"), 501);
    BAD(RQ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 501);
    BAD(RQ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), 501);
    BAD("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 501);
    /* not Transfer-Encoding */
    vw_http1_req r;
    OK(RQ("Transfer-Encodings: chunked\r\nTE: trailers\r\n"), &r);
}

static void test_field_syntax(void)
{
    vw_http1_req r;
    /* value trimmed of OWS, inner whitespace kept */
    if (OK(RQ("X-A:   a b  \t\r\nX-B:\tc\t\r\nX-C:d\r\nX-D:\r\nX-E: \t \r\n"), &r)) {
        CHECK(r.n_fields == 6);
        CHECK_STR(vw_http1_field_get(&r, "X-A"), "a b");
        CHECK_STR(vw_http1_field_get(&r, "X-B"), "c");
        CHECK_STR(vw_http1_field_get(&r, "X-C"), "d");
        CHECK_STR(vw_http1_field_get(&r, "X-D"), "");
        CHECK_STR(vw_http1_field_get(&r, "X-E"), "");
    }
    if (OK(RQ("X: a\tb\r\nY: caf\xc3\xa9\r\nZ: \x80\xff\r\n"), &r)) {
        CHECK_STR(vw_http1_field_get(&r, "X"), "a\tb");       /* HT inside a value */
        CHECK_STR(vw_http1_field_get(&r, "Y"), "caf\xc3\xa9"); /* obs-text */
        CHECK_STR(vw_http1_field_get(&r, "Z"), "\x80\xff");
    }
    if (OK(RQ("X: a: b :c\r\n"), &r))
        CHECK_STR(vw_http1_field_get(&r, "X"), "a: b :c"); /* the first colon splits */
    if (OK(RQ("!#$%&'*+-.^_`|~09aZ: t\r\n"), &r))
        CHECK_STR(vw_http1_field_get(&r, "!#$%&'*+-.^_`|~09az"), "t");
    /* field name syntax */
    BAD(RQ("Host : a\r\n"), 400); /* space before the colon */
    BAD(RQ("Host\t: a\r\n"), 400);
    BAD(RQ("Ho st: a\r\n"), 400);
    BAD(RQ(": a\r\n"), 400);
    BAD(RQ("Host\r\n"), 400);
    BAD(RQ("Host a\r\n"), 400);
    BAD(RQ("Ho(st): a\r\n"), 400);
    BAD(RQ("Ho\"st: a\r\n"), 400);
    BAD(RQ("H\xc3\xa9: a\r\n"), 400);
    BAD(RQ("Ho\x7fst: a\r\n"), 400);
    /* obs-fold */
    BAD(RQ("X: a\r\n b\r\n"), 400);
    BAD(RQ("X: a\r\n\tb\r\n"), 400);
    BAD("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400); /* whitespace before the first field */
    BAD("GET / HTTP/1.1\r\n\tHost: h\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\n X: a\n\n", 400);
    /* control bytes in a value */
    BAD(RQ("X: a\x01" "b\r\n"), 400);
    BAD(RQ("X: a\x1f" "b\r\n"), 400);
    BAD(RQ("X: a\x7f" "b\r\n"), 400);
    BAD(RQ("X: \x1b[0m\r\n"), 400);
    BAD(RQ("X: a\x0b\r\n"), 400);
    BAD(RQ("X: a\x0c\r\n"), 400);
}

static void test_bytes(void)
{
    /* NUL bytes anywhere in a line */
    BAD("GET /\0 HTTP/1.1\r\n\r\n", 400);
    BAD("\0GET / HTTP/1.1\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\0\r\n\r\n", 400);
    BAD("G\0T / HTTP/1.1\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\nX: a\0\r\n\r\n", 400); /* even where trimming would cut */
    BAD("GET / HTTP/1.1\r\nX\0: a\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\n\0X: a\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\nContent-Length: 5\0\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\nTransfer-Encoding\0: chunked\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\n\0\r\n\r\n", 400);
    /* a bare CR */
    BAD("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\nX: a\r\r\n\r\n", 400);
    BAD("GET /\r HTTP/1.1\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\r\n\r\n", 400);
    BAD("\rGET / HTTP/1.1\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\nX\r: a\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\n\rX: a\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\nX: a\r\n\r\r\n\r\n", 400);
}

static void test_lines(void)
{
    vw_http1_req r;
    /* leading empty lines are skipped */
    if (OK("\r\n\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n", &r))
        CHECK(strcmp(r.path, "/x") == 0 && r.n_fields == 1);
    /* bare LF line ends, and mixed */
    if (OK("GET /x?y HTTP/1.0\nHost: h\nConnection: keep-alive\n\n", &r)) {
        CHECK_STR(r.path, "/x");
        CHECK_STR(r.query, "y");
        CHECK(r.minor == 0 && r.keep_alive && r.n_fields == 2);
        CHECK_STR(vw_http1_field_get(&r, "host"), "h");
    }
    if (OK("GET / HTTP/1.1\nA: 1\r\nB: 2\n\r\n", &r))
        CHECK(r.n_fields == 2 && strcmp(vw_http1_field_get(&r, "B"), "2") == 0);
    /* no head at all, or an incomplete one */
    BAD_N("", 0, 400);
    BAD("\r\n", 400);
    BAD("\r\n\r\n", 400);
    BAD("\n\n\n", 400);
    BAD("GET / HTTP/1.1", 400);
    BAD("GET / HTTP/1.1\r\n", 400);
    BAD("GET / HTTP/1.1\r\nHost: h\r\n", 400);
    BAD("GET / HTTP/1.1\r\nHost: h\r\n\r", 400);
    /* more than the head: the caller passes exactly head_end's length */
    BAD("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", 400);
    BAD("GET / HTTP/1.1\r\n\r\nx", 400);

    /* pipelined heads parse one by one, each in its own buffer */
    const char two[] = "GET /a?1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /b HTTP/1.0\nX: y\n\n";
    size_t a = vw_http1_head_end(two, sizeof two - 1);
    CHECK(a == 30);
    if (ok_at(__LINE__, two, a, &r))
        CHECK(r.method == VW_HTTP1_GET && strcmp(r.path, "/a") == 0 && strcmp(r.query, "1") == 0);
    size_t b = vw_http1_head_end(two + a, sizeof two - 1 - a);
    CHECK(a + b == sizeof two - 1);
    if (ok_at(__LINE__, two + a, b, &r))
        CHECK(r.method == VW_HTTP1_HEAD && strcmp(r.path, "/b") == 0 && !r.keep_alive &&
              r.n_fields == 1);
}

/* A head of n fields "F<i>: v<i>" (n > 0 and the last named `last`). */
static size_t many_fields(char *buf, size_t cap, int n, const char *last)
{
    size_t o = (size_t)snprintf(buf, cap, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < n; i++) {
        if (i == n - 1 && last)
            o += (size_t)snprintf(buf + o, cap - o, "%s\r\n", last);
        else
            o += (size_t)snprintf(buf + o, cap - o, "F%d: v%d\r\n", i, i);
    }
    o += (size_t)snprintf(buf + o, cap - o, "\r\n");
    return o;
}

static void test_field_count(void)
{
    char buf[8192];
    vw_http1_req r;
    size_t n = many_fields(buf, sizeof buf, VW_HTTP1_MAX_FIELDS, NULL);
    if (ok_at(__LINE__, buf, n, &r)) {
        CHECK(r.n_fields == VW_HTTP1_MAX_FIELDS);
        CHECK_STR(vw_http1_field_get(&r, "F0"), "v0");
        char name[16];
        snprintf(name, sizeof name, "f%d", VW_HTTP1_MAX_FIELDS - 1);
        CHECK(vw_http1_field_get(&r, name) != NULL);
    }
    n = many_fields(buf, sizeof buf, VW_HTTP1_MAX_FIELDS, "Content-Length: 3");
    if (ok_at(__LINE__, buf, n, &r))
        CHECK(r.has_body && r.content_length == 3);
    n = many_fields(buf, sizeof buf, VW_HTTP1_MAX_FIELDS + 1, NULL);
    bad_at(__LINE__, buf, n, 431);
    n = many_fields(buf, sizeof buf, VW_HTTP1_MAX_FIELDS + 1, "Connection: close");
    bad_at(__LINE__, buf, n, 431);
    n = many_fields(buf, sizeof buf, 200, NULL);
    bad_at(__LINE__, buf, n, 431);
    /* empty values count as fields too */
    n = many_fields(buf, sizeof buf, VW_HTTP1_MAX_FIELDS + 1, "X:");
    bad_at(__LINE__, buf, n, 431);
}

static void test_field_get(void)
{
    vw_http1_req r;
    if (OK("GET / HTTP/1.1\r\nhOsT: one\r\nX-Dup: 1\r\nx-dup: 2\r\nX-DUP: 3\r\n\r\n", &r)) {
        CHECK_STR(r.fields[0].name, "hOsT"); /* names as sent */
        CHECK_STR(vw_http1_field_get(&r, "Host"), "one");
        CHECK_STR(vw_http1_field_get(&r, "HOST"), "one");
        CHECK_STR(vw_http1_field_get(&r, "host"), "one");
        CHECK_STR(vw_http1_field_get(&r, "x-dup"), "1"); /* the first wins */
        CHECK_STR(vw_http1_field_get(&r, "X-Dup"), "1");
        CHECK(vw_http1_field_get(&r, "Hos") == NULL);
        CHECK(vw_http1_field_get(&r, "Hostx") == NULL);
        CHECK(vw_http1_field_get(&r, "") == NULL);
        CHECK(vw_http1_field_get(&r, "Accept") == NULL);
        CHECK(r.n_fields == 4);
        CHECK_STR(r.fields[2].value, "2");
        CHECK_STR(r.fields[3].value, "3");
    }
    if (OK("GET / HTTP/1.1\r\n\r\n", &r))
        CHECK(vw_http1_field_get(&r, "Host") == NULL);
}

int main(void)
{
    test_head_end();
    test_methods();
    test_target();
    test_version();
    test_connection();
    test_content_length();
    test_transfer_encoding();
    test_field_syntax();
    test_bytes();
    test_lines();
    test_field_count();
    test_field_get();
    free(g_buf);
    return T_DONE();
}
