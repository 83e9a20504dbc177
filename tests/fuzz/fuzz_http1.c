/* fuzz_http1.c -- libFuzzer target: the HTTP/1.1 request head parser of the
 * gateway (server/daemon/http1.c). The input is what a client sent on one
 * connection: heads are cut off it with vw_http1_head_end and parsed with
 * vw_http1_parse one after the other (pipelining; a parsed Content-Length
 * body is skipped), as the connection does. Each head is copied into a
 * malloc'ed buffer of exactly its length, so ASan catches any byte read or
 * written past it. Properties checked, beyond no crash or undefined
 * behaviour:
 *   - head_end is 0 or within the bytes given; a head ends in an empty line;
 *     no shorter prefix holds a head, and the head alone gives the same end;
 *   - a parse fails with 400, 431, 501 or 505 and a message, and the head
 *     minus its last byte never parses;
 *   - a parsed request: path is "*" (OPTIONS) or starts with '/', path and
 *     query are 0x21..0x7e without '#' (nor '?' in the path); the method
 *     token matches the method; every field name and value lies inside the
 *     copy, names are tokens, values hold no control byte but HT and no
 *     surrounding OWS; field_get finds the first of a name; there is no
 *     Transfer-Encoding; has_body iff a Content-Length, which is at most
 *     2^53 and agrees with every Content-Length field; keep_alive is the
 *     version's default without a Connection field and follows the
 *     close/keep-alive tokens of a single one;
 *   - the whole input parses only if it is exactly one head. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/daemon/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADS 32        /* pipelined heads looked at per input */
#define FULL_PREFIX_MAX 512 /* heads up to this long: every prefix is tried */
#define MAX_CL (UINT64_C(1) << 53)

static char *copy_of(const char *p, size_t n)
{
    char *c = malloc(n ? n : 1);
    if (c == NULL)
        abort();
    memcpy(c, p, n);
    return c;
}

static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool inside(const char *s, const char *buf, size_t n)
{
    return s >= buf && s < buf + n && (size_t)(s - buf) + strlen(s) < n;
}

/* 0x21..0x7e without '#' (and without '?' when !query) */
static void check_target_part(const char *s, bool query)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x21 || *c > 0x7e || *c == '#' || (!query && *c == '?'))
            abort();
}

/* An independent reading of "the comma-separated list v holds token". */
static bool has_token(const char *v, const char *token)
{
    size_t tl = strlen(token);
    const char *s = v;
    for (;;) {
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        const char *a = s, *b = s + l;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if ((size_t)(b - a) == tl && strncasecmp(a, token, tl) == 0)
            return true;
        if (e == NULL)
            return false;
        s = e + 1;
    }
}

static void check_request(const vw_http1_req *r, const char *buf, size_t n)
{
    if (r->path == NULL || !inside(r->path, buf, n))
        abort();
    if (strcmp(r->path, "*") == 0) {
        if (r->method != VW_HTTP1_OPTIONS || r->query != NULL)
            abort();
    } else if (r->path[0] != '/') {
        abort();
    }
    check_target_part(r->path, false);
    if (r->query) {
        if (!inside(r->query, buf, n))
            abort();
        check_target_part(r->query, true);
    }
    if (r->method_text == NULL || !inside(r->method_text, buf, n) || r->method_text[0] == '\0')
        abort();
    for (const char *m = r->method_text; *m; m++)
        if (!is_tchar((unsigned char)*m))
            abort();
    vw_http1_method want = strcmp(r->method_text, "GET") == 0       ? VW_HTTP1_GET
                           : strcmp(r->method_text, "HEAD") == 0    ? VW_HTTP1_HEAD
                           : strcmp(r->method_text, "OPTIONS") == 0 ? VW_HTTP1_OPTIONS
                                                                    : VW_HTTP1_OTHER;
    if (r->method != want || (r->minor != 0 && r->minor != 1))
        abort();
    if (r->n_fields < 0 || r->n_fields > VW_HTTP1_MAX_FIELDS)
        abort();

    bool cl_seen = false;
    const char *conn = NULL;
    int n_conn = 0;
    for (int i = 0; i < r->n_fields; i++) {
        const char *name = r->fields[i].name, *value = r->fields[i].value;
        if (name == NULL || value == NULL || !inside(name, buf, n) || !inside(value, buf, n))
            abort();
        if (name[0] == '\0')
            abort();
        for (const char *c = name; *c; c++)
            if (!is_tchar((unsigned char)*c))
                abort();
        size_t vl = strlen(value);
        if (vl > 0 && (value[0] == ' ' || value[0] == '\t' || value[vl - 1] == ' ' ||
                       value[vl - 1] == '\t'))
            abort();
        for (const unsigned char *c = (const unsigned char *)value; *c; c++)
            if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
                abort();
        /* the first field of this name is what field_get answers */
        int first = i;
        for (int j = 0; j < i; j++)
            if (strcasecmp(r->fields[j].name, name) == 0) {
                first = j;
                break;
            }
        if (vw_http1_field_get(r, name) != r->fields[first].value)
            abort();
        if (strcasecmp(name, "Transfer-Encoding") == 0)
            abort(); /* must have answered 501 */
        if (strcasecmp(name, "Content-Length") == 0) {
            uint64_t v = 0;
            bool big = false;
            if (*value == '\0')
                abort();
            for (const char *d = value; *d; d++) {
                if (*d < '0' || *d > '9')
                    abort();
                if (v > (MAX_CL - (uint64_t)(*d - '0')) / 10)
                    big = true; /* past 2^53: must have answered 400 */
                else
                    v = v * 10 + (uint64_t)(*d - '0');
            }
            if (big || v != r->content_length)
                abort();
            cl_seen = true;
        }
        if (strcasecmp(name, "Connection") == 0) {
            conn = value;
            n_conn++;
        }
    }
    if (r->has_body != cl_seen || r->content_length > MAX_CL ||
        (!r->has_body && r->content_length != 0))
        abort();
    /* several Connection fields are left unjudged: http1.h does not say
     * whether the first decides or all of them do */
    bool ka = r->minor == 1;
    if (conn && has_token(conn, "close"))
        ka = false;
    else if (conn && has_token(conn, "keep-alive"))
        ka = true;
    if (n_conn <= 1 && r->keep_alive != ka)
        abort();
}

static void check_failure(int rc, const vw_http1_req *r)
{
    if (rc != -1 || r->err_message == NULL)
        abort();
    if (r->err_status != 400 && r->err_status != 431 && r->err_status != 501 &&
        r->err_status != 505)
        abort();
}

/* p[0..n) is a head found in p[0..avail); parses it. 0 and the body length
 * to skip, or -1. */
static int one_head(const char *p, size_t n, size_t avail, uint64_t *body)
{
    if (n < 2 || n > avail || p[n - 1] != '\n' ||
        !(p[n - 2] == '\n' || (n >= 3 && p[n - 2] == '\r' && p[n - 3] == '\n')))
        abort();
    char *c = copy_of(p, n);
    if (vw_http1_head_end(c, n) != n)
        abort();
    if (n <= FULL_PREFIX_MAX) {
        for (size_t k = 0; k < n; k++)
            if (vw_http1_head_end(c, k) != 0)
                abort();
    } else if (vw_http1_head_end(c, n - 1) != 0 || vw_http1_head_end(c, n / 2) != 0) {
        abort();
    }
    free(c);

    /* the head minus its last byte (still an exact buffer) never parses */
    vw_http1_req r;
    c = copy_of(p, n - 1);
    if (vw_http1_parse(c, n - 1, &r) == 0)
        abort();
    check_failure(-1, &r);
    free(c);

    c = copy_of(p, n);
    int rc = vw_http1_parse(c, n, &r);
    if (rc == 0)
        check_request(&r, c, n);
    else
        check_failure(rc, &r);
    *body = rc == 0 && r.has_body ? r.content_length : 0;
    free(c);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t end = vw_http1_head_end(in, size);
    if (end > size)
        abort();

    /* the whole input parses only if it is exactly one head */
    if (size <= 65536) {
        vw_http1_req r;
        char *c = copy_of(in, size);
        int rc = vw_http1_parse(c, size, &r);
        if (rc == 0) {
            if (end != size)
                abort();
            check_request(&r, c, size);
        } else {
            check_failure(rc, &r);
        }
        free(c);
    }

    /* then heads back to back, each body skipped */
    const char *p = in;
    size_t left = size;
    for (int i = 0; i < MAX_HEADS && left > 0; i++) {
        size_t n = vw_http1_head_end(p, left);
        if (n > left)
            abort();
        if (n == 0)
            break;
        uint64_t body = 0;
        one_head(p, n, left, &body);
        p += n;
        left -= n;
        size_t skip = body < left ? (size_t)body : left;
        p += skip;
        left -= skip;
    }
    return 0;
}
