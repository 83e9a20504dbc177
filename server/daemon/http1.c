/* http1.c -- the HTTP/1.1 request head parser (see http1.h for exactly what
 * is accepted). One pass over the head, line by line; every check is a
 * bound on bytes already in hand, so no input can make it read past len. */
#include "http1.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 5.6.2 tchar */
static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The bytes of the empty lines (CRLF or LF) at the start of p[0..n). */
static size_t empty_lines(const char *p, size_t n)
{
    size_t i = 0;
    for (;;) {
        if (i < n && p[i] == '\n')
            i++;
        else if (i + 1 < n && p[i] == '\r' && p[i + 1] == '\n')
            i += 2;
        else
            return i;
    }
}

size_t vw_http1_head_end(const char *p, size_t n)
{
    size_t i = empty_lines(p, n); /* they belong to this head */
    const char *start = p + i;
    size_t left = n - i;
    while (left > 0) {
        const char *nl = memchr(start, '\n', left);
        if (nl == NULL)
            return 0;
        size_t at = (size_t)(nl - p) + 1; /* just after this LF */
        /* the next line empty? "\n" or "\r\n" */
        if (at < n && p[at] == '\n')
            return at + 1;
        if (at + 1 < n && p[at] == '\r' && p[at + 1] == '\n')
            return at + 2;
        if (at >= n || (at + 1 >= n && p[at] == '\r'))
            return 0; /* the next line has not started (or only its CR has) */
        left = n - at;
        start = p + at;
    }
    return 0;
}

static int fail(vw_http1_req *r, int status, const char *msg)
{
    r->err_status = status;
    r->err_message = msg;
    return -1;
}

/* Cuts the line at *pos (ending in LF, with an optional CR before it):
 * NUL-terminates it and returns it, *pos after it; NULL if a CR stands
 * anywhere but before the LF (or the head ends without one). */
static char *next_line(char *head, size_t len, size_t *pos, size_t *line_len)
{
    char *s = head + *pos;
    char *nl = memchr(s, '\n', len - *pos);
    if (nl == NULL)
        return NULL;
    size_t l = (size_t)(nl - s);
    *pos += l + 1;
    if (l > 0 && s[l - 1] == '\r')
        l--;
    if (memchr(s, '\r', l) != NULL || memchr(s, '\0', l) != NULL)
        return NULL;
    s[l] = '\0';
    *line_len = l;
    return s;
}

/* Does the comma-separated list `v` hold `token` (case-insensitive)? */
static bool list_has(const char *v, const char *token)
{
    size_t tl = strlen(token);
    while (*v) {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        const char *e = v;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > v && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if ((size_t)(t - v) == tl && strncasecmp(v, token, tl) == 0)
            return true;
        v = e;
    }
    return false;
}

static int parse_request_line(char *line, size_t l, vw_http1_req *r)
{
    char *sp1 = memchr(line, ' ', l);
    if (sp1 == NULL || sp1 == line)
        return fail(r, 400, "malformed request line");
    char *target = sp1 + 1;
    char *sp2 = memchr(target, ' ', l - (size_t)(target - line));
    if (sp2 == NULL || sp2 == target)
        return fail(r, 400, "malformed request line");
    char *version = sp2 + 1;
    *sp1 = '\0';
    *sp2 = '\0';
    for (const char *m = line; *m; m++)
        if (!is_tchar((unsigned char)*m))
            return fail(r, 400, "malformed request method");
    r->method_text = line;
    r->method = strcmp(line, "GET") == 0       ? VW_HTTP1_GET
                : strcmp(line, "HEAD") == 0    ? VW_HTTP1_HEAD
                : strcmp(line, "OPTIONS") == 0 ? VW_HTTP1_OPTIONS
                                               : VW_HTTP1_OTHER;
    /* HTTP-version = "HTTP/" DIGIT "." DIGIT */
    if (strncmp(version, "HTTP/", 5) != 0 || strlen(version) != 8 || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return fail(r, 400, "malformed HTTP version");
    if (version[5] != '1' || version[7] > '1')
        return fail(r, 505, "HTTP version not supported; use HTTP/1.1");
    r->minor = version[7] - '0';
    for (const unsigned char *t = (const unsigned char *)target; *t; t++)
        if (*t < 0x21 || *t > 0x7e)
            return fail(r, 400, "request target holds a byte that is not allowed");
    char *hash = strchr(target, '#'); /* before anything looks for '/' or '?' */
    if (hash)
        *hash = '\0';
    if (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0) {
        /* absolute-form: the path starts at the first '/' after the authority */
        char *auth = strstr(target, "//") + 2;
        char *slash = strchr(auth, '/');
        char *q = strchr(auth, '?');
        if (slash == auth)
            return fail(r, 400, "request target has no host"); /* "http:///p" */
        if (slash == NULL || (q != NULL && q < slash)) {
            /* "http://host" or "http://host?x": the path is "/" (RFC 9112
             * 3.2.2); put a '/' just before the query, over the authority */
            char *rest = q ? q : auth + strlen(auth);
            if (rest == auth)
                return fail(r, 400, "request target has no host");
            *--rest = '/';
            slash = rest;
        }
        target = slash;
    } else if (strcmp(target, "*") == 0) {
        if (r->method != VW_HTTP1_OPTIONS)
            return fail(r, 400, "request target * is for OPTIONS only");
    } else if (target[0] != '/') {
        return fail(r, 400, "request target must start with /");
    }
    char *q = strchr(target, '?');
    if (q) {
        *q = '\0';
        r->query = q + 1;
    }
    r->path = target;
    return 0;
}

static int parse_field(char *line, size_t l, vw_http1_req *r)
{
    if (line[0] == ' ' || line[0] == '\t')
        return fail(r, 400, "obsolete line folding in a header field");
    char *colon = memchr(line, ':', l);
    if (colon == NULL || colon == line)
        return fail(r, 400, "malformed header field");
    for (char *c = line; c < colon; c++)
        if (!is_tchar((unsigned char)*c))
            return fail(r, 400, "malformed header field name");
    *colon = '\0';
    char *v = colon + 1, *e = line + l;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *e = '\0';
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
            return fail(r, 400, "header field value holds a control byte");
    if (r->n_fields == VW_HTTP1_MAX_FIELDS)
        return fail(r, 431, "too many header fields");
    r->fields[r->n_fields++] = (vw_http1_field){line, v};
    if (strcasecmp(line, "Content-Length") == 0) {
        uint64_t n = 0;
        if (*v == '\0')
            return fail(r, 400, "malformed Content-Length");
        for (const char *d = v; *d; d++) {
            if (*d < '0' || *d > '9' || n > (UINT64_C(1) << 53) / 10)
                return fail(r, 400, "malformed Content-Length");
            n = n * 10 + (uint64_t)(*d - '0');
            if (n > (UINT64_C(1) << 53))
                return fail(r, 400, "malformed Content-Length");
        }
        if (r->has_body && n != r->content_length)
            return fail(r, 400, "conflicting Content-Length fields");
        r->has_body = true;
        r->content_length = n;
    } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
        return fail(r, 501, "Transfer-Encoding is not supported; no route takes a body");
    }
    return 0;
}

int vw_http1_parse(char *head, size_t len, vw_http1_req *r)
{
    size_t pos = empty_lines(head, len), l = 0;
    memset(r, 0, sizeof *r);
    char *line = next_line(head, len, &pos, &l);
    if (line == NULL || l == 0)
        return fail(r, 400, "malformed request line");
    if (parse_request_line(line, l, r) != 0)
        return -1;
    for (;;) {
        line = next_line(head, len, &pos, &l);
        if (line == NULL)
            return fail(r, 400, "malformed header field");
        if (l == 0)
            break;
        if (parse_field(line, l, r) != 0)
            return -1;
    }
    if (pos != len)
        return fail(r, 400, "malformed request head");
    /* several Connection lines are one list (RFC 9110 5.3): close wins */
    bool close = false, keep = false;
    for (int i = 0; i < r->n_fields; i++)
        if (strcasecmp(r->fields[i].name, "Connection") == 0) {
            close = close || list_has(r->fields[i].value, "close");
            keep = keep || list_has(r->fields[i].value, "keep-alive");
        }
    r->keep_alive = close ? false : keep ? true : r->minor == 1;
    return 0;
}

const char *vw_http1_field_get(const vw_http1_req *r, const char *name)
{
    for (int i = 0; i < r->n_fields; i++)
        if (strcasecmp(r->fields[i].name, name) == 0)
            return r->fields[i].value;
    return NULL;
}
