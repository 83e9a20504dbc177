/* http_negotiate.c -- CORS, ETag / If-None-Match and gzip for the HTTP
 * gateway (see http_negotiate.h).
 *
 * ETag: the first 128 bits of SHA-256 over the body (OpenSSL), so equal
 * bodies have equal tags whichever snapshot generation made them; the gzip
 * variant is another representation and gets its own tag ("-gz"), as a
 * strong validator must (RFC 9110 8.8.3). gzip: zlib, level 5, only for
 * answers of VW_HTTP_NEGOTIATE_MIN bytes and more, only when Accept-Encoding
 * names gzip with a non-zero q, and only when it makes the body smaller. */
#include "http_negotiate.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* ---- CORS ----------------------------------------------------------------- */

/* Is `origin` in the comma-separated list (or the list "*")? */
static bool origin_allowed(const char *list, const char *origin)
{
    if (list[0] == '\0' || origin == NULL || origin[0] == '\0' || strlen(origin) > 256)
        return false;
    if (strcmp(list, "*") == 0)
        return true;
    size_t n = strlen(origin);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && strncmp(p, origin, n) == 0)
            return true;
        p = e;
    }
    return false;
}

void vw_http_cors(const vw_config *cfg, struct evhttp_request *req)
{
    const char *origin = evhttp_find_header(evhttp_request_get_input_headers(req), "Origin");
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    if (cfg->http_cors_origins[0] == '\0')
        return;
    evhttp_add_header(oh, "Vary", "Origin");
    if (!origin_allowed(cfg->http_cors_origins, origin))
        return;
    /* "*" answers "*" (no credentials are ever involved); a list echoes the
     * one origin that matched. */
    evhttp_add_header(oh, "Access-Control-Allow-Origin",
                      strcmp(cfg->http_cors_origins, "*") == 0 ? "*" : origin);
    evhttp_add_header(oh, "Access-Control-Expose-Headers", "ETag, Content-Length");
}

int vw_http_preflight(const vw_config *cfg, struct evhttp_request *req)
{
    struct evkeyvalq *ih = evhttp_request_get_input_headers(req);
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    const char *origin = evhttp_find_header(ih, "Origin");
    const char *method = evhttp_find_header(ih, "Access-Control-Request-Method");
    evhttp_add_header(oh, "Allow", "GET, HEAD, OPTIONS");
    if (origin == NULL || method == NULL) /* a plain OPTIONS: what may be used here */
        return 204;
    vw_http_cors(cfg, req);
    if (!origin_allowed(cfg->http_cors_origins, origin) ||
        (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
        return 403;
    evhttp_add_header(oh, "Access-Control-Allow-Methods", "GET, HEAD");
    /* Only the headers a reading client needs; anything else is not allowed. */
    evhttp_add_header(oh, "Access-Control-Allow-Headers",
                      "Accept, Accept-Language, If-None-Match, Content-Type");
    evhttp_add_header(oh, "Access-Control-Max-Age", "600");
    return 204;
}

/* ---- ETag and gzip -------------------------------------------------------- */

/* q of "gzip" in an Accept-Encoding value > 0 (also via "*")? */
static bool accepts_gzip(const char *ae)
{
    if (ae == NULL || strlen(ae) > 512)
        return false;
    bool gzip = false, star = false, gzip_listed = false;
    const char *p = ae;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ')
            p++;
        size_t tl = (size_t)(p - tok);
        double q = 1.0;
        while (*p && *p != ',') {
            if (*p == ';') {
                const char *v = strstr(p, "q=");
                if (v && (strchr(p, ',') == NULL || v < strchr(p, ',')))
                    q = strtod(v + 2, NULL);
            }
            p++;
        }
        if (tl == 4 && strncasecmp(tok, "gzip", 4) == 0) {
            gzip_listed = true;
            gzip = q > 0;
        } else if (tl == 1 && *tok == '*') {
            star = q > 0;
        }
    }
    return gzip_listed ? gzip : star;
}

/* Does an If-None-Match value name `tag` (or "*")? Weak comparison, as
 * RFC 9110 13.1.2 asks for If-None-Match. */
static bool none_match(const char *inm, const char *tag)
{
    if (inm == NULL || strlen(inm) > 4096)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    size_t tl = strlen(tag);
    for (const char *p = inm; (p = strstr(p, tag)) != NULL; p += tl)
        if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
            (p[tl] == '\0' || p[tl] == ',' || p[tl] == ' '))
            return true;
    return false;
}

static int body_tag(struct evbuffer *body, char out[40])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t len = evbuffer_get_length(body);
    const unsigned char *data = evbuffer_pullup(body, -1);
    if (data == NULL && len > 0)
        return -1;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 16)
        return -1;
    out[0] = '"';
    for (int i = 0; i < 16; i++)
        snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
    out[33] = '"';
    out[34] = '\0';
    return 0;
}

/* Replaces the body with its gzip form; -1 (body unchanged) when zlib fails
 * or the result is not smaller. */
static int gzip_body(struct evbuffer *body)
{
    size_t len = evbuffer_get_length(body);
    const unsigned char *data = evbuffer_pullup(body, -1);
    uLong cap = compressBound((uLong)len) + 32;
    unsigned char *out = malloc(cap);
    z_stream z = {0};
    int rc = -1;
    if (out == NULL || data == NULL ||
        deflateInit2(&z, 5, Z_DEFLATED, 15 + 16 /* gzip wrapper */, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        goto out;
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out < len) {
        evbuffer_drain(body, len);
        rc = evbuffer_add(body, out, z.total_out);
    }
    deflateEnd(&z);
out:
    free(out);
    return rc;
}

int vw_http_negotiate(struct evhttp_request *req, int status)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    struct evbuffer *body = evhttp_request_get_output_buffer(req);
    if (status != 200 || (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) ||
        evbuffer_get_length(body) < VW_HTTP_NEGOTIATE_MIN)
        return status;
    struct evkeyvalq *ih = evhttp_request_get_input_headers(req);
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    bool gz = accepts_gzip(evhttp_find_header(ih, "Accept-Encoding"));
    char tag[40], gztag[48];
    if (body_tag(body, tag) != 0)
        return status;
    snprintf(gztag, sizeof gztag, "%.33s-gz\"", tag);
    /* Which representation this client gets decides its tag. */
    evhttp_add_header(oh, "Vary", "Accept-Encoding");
    const char *inm = evhttp_find_header(ih, "If-None-Match");
    bool plain_hit = none_match(inm, tag), gz_hit = gz && none_match(inm, gztag);
    if (plain_hit || gz_hit) {
        evhttp_add_header(oh, "ETag", gz_hit ? gztag : tag);
        evbuffer_drain(body, evbuffer_get_length(body));
        return 304;
    }
    if (gz && gzip_body(body) == 0) {
        evhttp_add_header(oh, "Content-Encoding", "gzip");
        evhttp_add_header(oh, "ETag", gztag);
    } else {
        evhttp_add_header(oh, "ETag", tag);
    }
    return status;
}
