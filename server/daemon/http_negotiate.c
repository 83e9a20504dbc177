/* http_negotiate.c -- CORS, ETag / If-None-Match and gzip for the HTTP
 * gateway (see http_negotiate.h).
 *
 * ETag: a 128-bit hash of the body (body_tag), so equal bodies have equal
 * tags whichever snapshot generation made them; the gzip
 * variant is another representation and gets its own tag ("-gz"), as a
 * strong validator must (RFC 9110 8.8.3). gzip: zlib, level 5, only for
 * answers of VW_HTTP_NEGOTIATE_MIN bytes and more, only when Accept-Encoding
 * names gzip with a non-zero q, and only when it makes the body smaller. */
#include "http_negotiate.h"

#include <event2/buffer.h>
#include <stdint.h>
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

void vw_http_cors(const vw_config *cfg, vw_hreq *req)
{
    const char *origin = vw_hreq_header(req, "Origin");
    if (cfg->http_cors_origins[0] == '\0')
        return;
    vw_hreq_add_header(req, "Vary", "Origin");
    if (!origin_allowed(cfg->http_cors_origins, origin))
        return;
    /* "*" answers "*" (no credentials are ever involved); a list echoes the
     * one origin that matched. */
    vw_hreq_add_header(req, "Access-Control-Allow-Origin",
                      strcmp(cfg->http_cors_origins, "*") == 0 ? "*" : origin);
    vw_hreq_add_header(req, "Access-Control-Expose-Headers", "ETag, Content-Length");
}

int vw_http_preflight(const vw_config *cfg, vw_hreq *req)
{
    const char *origin = vw_hreq_header(req, "Origin");
    const char *method = vw_hreq_header(req, "Access-Control-Request-Method");
    vw_hreq_add_header(req, "Allow", "GET, HEAD, OPTIONS");
    if (origin == NULL || method == NULL) /* a plain OPTIONS: what may be used here */
        return 204;
    vw_http_cors(cfg, req);
    if (!origin_allowed(cfg->http_cors_origins, origin) ||
        (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
        return 403;
    vw_hreq_add_header(req, "Access-Control-Allow-Methods", "GET, HEAD");
    /* Only the headers a reading client needs; anything else is not allowed. */
    vw_hreq_add_header(req, "Access-Control-Allow-Headers",
                      "Accept, Accept-Language, If-None-Match, Content-Type");
    vw_hreq_add_header(req, "Access-Control-Max-Age", "600");
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

/* The body's tag: 128 bits of two 64-bit multiply-rotate lanes (the
 * murmur3/xxhash round), lane a over the even and lane b over the odd 8-byte
 * words, so the two multiplications of a 16-byte step run side by side; at
 * the end each lane is finished with murmur3's fmix64, the length and the
 * other lane. Not a cryptographic digest: a tag only has to tell this
 * server's own answers apart (a client that forges one fools only its own
 * cache), and SHA-256 here was the largest single cost of a large answer
 * (bench/RESULTS.md, "HTTP gateway: where its instructions go"). */
typedef struct tagh {
    uint64_t a, b, total;
    uint8_t tail[16];
    size_t tail_len;
} tagh;

static uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }

static void tag_block(tagh *h, const uint8_t *p)
{
    uint64_t w0, w1;
    memcpy(&w0, p, 8);
    memcpy(&w1, p + 8, 8);
    h->a = rotl(h->a ^ w0 * 0x87c37b91114253d5ull, 31) * 0x4cf5ad432745937full;
    h->b = rotl(h->b ^ w1 * 0x9e3779b185ebca87ull, 27) * 0xc2b2ae3d27d4eb4full;
}

static void tag_update(tagh *h, const uint8_t *p, size_t n)
{
    h->total += n;
    while (n > 0 && (h->tail_len > 0 || n < 16)) { /* finish a block begun in a piece before */
        h->tail[h->tail_len++] = *p++;
        n--;
        if (h->tail_len == 16) {
            tag_block(h, h->tail);
            h->tail_len = 0;
        }
    }
    for (; n >= 16; p += 16, n -= 16)
        tag_block(h, p);
    while (n > 0) {
        h->tail[h->tail_len++] = *p++;
        n--;
    }
}

static uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    return k ^ (k >> 33);
}

static int body_tag(struct evbuffer *body, char out[40])
{
    struct evbuffer_iovec v[32];
    tagh h = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull, 0, {0}, 0};
    int n = evbuffer_peek(body, -1, NULL, v, 32);
    if (n > 32) { /* in more pieces than that: make it one */
        if (evbuffer_pullup(body, -1) == NULL)
            return -1;
        n = evbuffer_peek(body, -1, NULL, v, 32);
    }
    for (int i = 0; i < n && i < 32; i++)
        tag_update(&h, v[i].iov_base, v[i].iov_len);
    memset(h.tail + h.tail_len, 0, 16 - h.tail_len); /* the last block, padded */
    h.tail[15] ^= (uint8_t)h.tail_len;
    tag_block(&h, h.tail);
    uint64_t a = fmix64(h.a ^ h.total ^ rotl(h.b, 17)), b = fmix64(h.b + a);
    static const char hex[] = "0123456789abcdef";
    out[0] = '"';
    for (int i = 0; i < 16; i++) {
        unsigned x = (unsigned)((i < 8 ? a >> (56 - 8 * i) : b >> (56 - 8 * (i - 8))) & 0xff);
        out[1 + 2 * i] = hex[x >> 4];
        out[2 + 2 * i] = hex[x & 15];
    }
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

int vw_http_negotiate(vw_hreq *req, int status)
{
    vw_http1_method m = vw_hreq_method(req);
    struct evbuffer *body = vw_hreq_body(req);
    if (status != 200 || (m != VW_HTTP1_GET && m != VW_HTTP1_HEAD) ||
        evbuffer_get_length(body) < VW_HTTP_NEGOTIATE_MIN)
        return status;
    bool gz = accepts_gzip(vw_hreq_header(req, "Accept-Encoding"));
    char tag[40], gztag[48];
    if (body_tag(body, tag) != 0)
        return status;
    snprintf(gztag, sizeof gztag, "%.33s-gz\"", tag);
    /* Which representation this client gets decides its tag. */
    vw_hreq_add_header(req, "Vary", "Accept-Encoding");
    const char *inm = vw_hreq_header(req, "If-None-Match");
    bool plain_hit = none_match(inm, tag), gz_hit = gz && none_match(inm, gztag);
    if (plain_hit || gz_hit) {
        vw_hreq_add_header(req, "ETag", gz_hit ? gztag : tag);
        evbuffer_drain(body, evbuffer_get_length(body));
        return 304;
    }
    if (gz && gzip_body(body) == 0) {
        vw_hreq_add_header(req, "Content-Encoding", "gzip");
        vw_hreq_add_header(req, "ETag", gztag);
    } else {
        vw_hreq_add_header(req, "ETag", tag);
    }
    return status;
}
