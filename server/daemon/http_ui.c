/* http_ui.c -- the web UI under /ui/ (see http_ui.h, docs/HTTP.md "Web UI").
 *
 * Static files only from two directories, by a path whose every segment is
 * [A-Za-z0-9_-][A-Za-z0-9._-]* (so no "..", no hidden files, no percent
 * escapes to decode), opened segment by segment with openat() -- the UI
 * directory with O_NOFOLLOW, so a symlink planted there leads nowhere --,
 * regular files only, at most http_max_output bytes, and only the file
 * types of `types` (each with its Content-Type). Every answer carries a
 * Content-Security-Policy allowing the page's own origin (and the tile
 * host when http_ui_tiles is set), nosniff, no framing, no referrer.
 *
 * The exports run the public coverage (or networks.map) op through the
 * gateway's own path (same argument checks and limits) and draw its result
 * with geodata/map.c (geodata/netmap.c) and geodata/render (librsvg), as
 * `verwijs coverage --format geojson|svg|png` (`verwijs networks map
 * --format ...`) does. */
#include "http_ui.h"

#include <errno.h>
#include <event2/buffer.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geodata/map.h"
#include "geodata/netmap.h"
#include "geodata/render/png.h"
#include "proto/mpjson.h"
#include "proto/msg.h"
#include "proto/version.h"
#include "proto/vocab.h"
#include "proto/vw_err.h"
#include "server/ops/http.h"
#include "server/ops/qstring.h"
#include "http.h"

#define UI_MAX_SEGMENTS 4
#define UI_MAX_SEGMENT 100

static const struct {
    const char *ext;
    const char *ctype;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".png", "image/png"},
    {".svg", "image/svg+xml"},
    {".ico", "image/x-icon"},
};

static const char *ctype_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].ctype;
    return NULL;
}

/* ---- replies ---------------------------------------------------------------- */

static void security_headers(const vw_http_ui_ctx *c, vw_hreq *req)
{
    /* The tile host's origin: scheme://host[:port] of the template (its
     * characters were checked when the key was set, config.c). */
    char tiles[300] = "";
    const char *t = c->cfg->http_ui_tiles, *host = strstr(t, "://");
    if (t[0] && host) {
        size_t n = (size_t)(host + 3 - t) + strcspn(host + 3, "/");
        if (n < sizeof tiles - 1)
            snprintf(tiles, sizeof tiles, " %.*s", (int)n, t);
    }
    char csp[512];
    snprintf(csp, sizeof csp,
             "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: "
             "blob:%s; connect-src 'self'; base-uri 'none'; form-action 'self'; "
             "frame-ancestors 'none'",
             tiles);
    vw_hreq_add_header(req, "Content-Security-Policy", csp);
    vw_hreq_add_header(req, "X-Content-Type-Options", "nosniff");
    vw_hreq_add_header(req, "X-Frame-Options", "DENY");
    vw_hreq_add_header(req, "Referrer-Policy", "no-referrer");
}

/* cache: "no-cache" for the page (revalidate: it changes with the package),
 * "public, max-age=86400" for Leaflet, "no-store" for answers to queries. */
static void ui_send(const vw_http_ui_ctx *c, vw_hreq *req, int status,
                    const char *ctype, const char *cache)
{
    if (c->draining)
        vw_hreq_add_header(req, "Connection", "close");
    vw_hreq_add_header(req, "Content-Type", ctype);
    vw_hreq_add_header(req, "Cache-Control", cache);
    security_headers(c, req);
    vw_hreq_send(req, status);
}

static int sink_add(void *ctx, const char *p, size_t n)
{
    return evbuffer_add(ctx, p, n);
}

static void send_error(const vw_http_ui_ctx *c, vw_hreq *req, int status,
                       const char *code, const char *message)
{
    struct evbuffer *b = vw_hreq_body(req);
    evbuffer_drain(b, evbuffer_get_length(b));
    vw_http_error_json(code, message, sink_add, b);
    evbuffer_add(b, "\n", 1);
    ui_send(c, req, status, "application/json", "no-store");
}

/* ---- static files ------------------------------------------------------------- */

static bool segment_ok(const char *s, size_t n)
{
    if (n == 0 || n > UI_MAX_SEGMENT || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

/* Opens rel ("a/b.js") below dir; -1 with errno (ENOENT for a refused path). */
static int open_below(const char *dir, const char *rel, bool nofollow)
{
    int fl = O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), nseg = 0;
    const char *p = rel;
    while (dfd >= 0) {
        size_t n = strcspn(p, "/");
        char seg[UI_MAX_SEGMENT + 1];
        if (!segment_ok(p, n) || ++nseg > UI_MAX_SEGMENTS) {
            close(dfd);
            errno = ENOENT;
            return -1;
        }
        memcpy(seg, p, n);
        seg[n] = '\0';
        bool last = p[n] == '\0';
        int fd = openat(dfd, seg, last ? fl | O_NONBLOCK : fl | O_DIRECTORY);
        close(dfd);
        if (last || fd < 0)
            return fd;
        dfd = fd;
        p += n + 1;
    }
    return -1;
}

static void serve_file(const vw_http_ui_ctx *c, vw_hreq *req, const char *dir,
                       const char *rel, bool nofollow, const char *cache)
{
    const char *ctype = ctype_of(rel);
    struct stat st;
    int fd = ctype ? open_below(dir, rel, nofollow) : -1;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        send_error(c, req, 404, VW_E_NOT_FOUND, "no such file in the web UI");
        return;
    }
    if ((uint64_t)st.st_size > c->cfg->http_max_output) {
        close(fd);
        send_error(c, req, 413, VW_E_TOO_LARGE, "the file exceeds http_max_output");
        return;
    }
    /* evbuffer_add_file owns fd from here (sendfile/mmap where it can). */
    if (evbuffer_add_file(vw_hreq_body(req), fd, 0, st.st_size) != 0) {
        send_error(c, req, 500, VW_E_INTERNAL, "cannot read the file");
        return;
    }
    ui_send(c, req, 200, ctype, cache);
}

/* ---- the page's settings ------------------------------------------------------ */

/* Writes a packed msgpack object as JSON and a newline into the evbuffer
 * (the one JSON writer, proto/mpjson.h). -1 when it does not unpack. */
static int add_json(struct evbuffer *b, const msgpack_sbuffer *sb)
{
    msgpack_zone zone;
    msgpack_object o;
    vw_err err;
    msgpack_zone_init(&zone, 1024);
    int rc = vw_msg_unpack((const uint8_t *)sb->data, sb->size, &zone, &o, &err);
    if (rc == 0)
        rc = vw_mpjson_write(&o, false, sink_add, b) != 0 || evbuffer_add(b, "\n", 1) != 0 ? -1 : 0;
    msgpack_zone_destroy(&zone);
    return rc;
}

/* The tile template, the vocabulary (disciplines, base expertise tags) and
 * the problems of the refer op, so the page's choices are the server's. */
static void serve_config(const vw_http_ui_ctx *c, vw_hreq *req)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    vw_pack_kv_str(&pk, "version", VW_VERSION);
    vw_pack_kv_str(&pk, "tiles", c->cfg->http_ui_tiles);
    vw_pack_cstr(&pk, "disciplines");
    msgpack_pack_array(&pk, VW_D_COUNT);
    for (int i = 0; i < VW_D_COUNT; i++)
        vw_pack_cstr(&pk, vw_discipline_name(i));
    vw_pack_cstr(&pk, "expertise");
    msgpack_pack_array(&pk, VW_BASE_TAG_COUNT);
    for (int i = 0; i < VW_BASE_TAG_COUNT; i++)
        vw_pack_cstr(&pk, vw_base_tags[i]);
    int np = c->problems ? vw_problems_count(c->problems) : 0;
    vw_pack_cstr(&pk, "problems");
    msgpack_pack_array(&pk, (uint32_t)np);
    for (int i = 0; i < np; i++) {
        const vw_problem *pr = vw_problems_get(c->problems, i);
        msgpack_pack_map(&pk, 3);
        vw_pack_kv_str(&pk, "code", pr->code);
        vw_pack_kv_str(&pk, "label", pr->label);
        vw_pack_kv_str(&pk, "category", vw_problem_category_name(pr->category));
    }
    int rc = add_json(vw_hreq_body(req), &sb);
    msgpack_sbuffer_destroy(&sb);
    if (rc != 0)
        send_error(c, req, 500, VW_E_INTERNAL, "the settings could not be written");
    else
        ui_send(c, req, 200, "application/json", "no-cache");
}

/* ---- exports (coverage map as GeoJSON or SVG) --------------------------------- */

/* Takes the map's `lang` (nl|en, default en, as `verwijs coverage --lang`)
 * off the query (vw_query_take: the one query-string splitter); the rest
 * (malloc'ed) goes to the coverage op, which would refuse an unknown
 * parameter. NULL: out of memory, a bad lang, or lang given twice. */
static char *split_lang(const char *query, const char **lang)
{
    char v[8], *rest = NULL;
    int n = 0;
    vw_err err;
    *lang = "en";
    if (vw_query_take(query, "lang", &rest, v, sizeof v, &n, &err) != 0)
        return NULL;
    if (n > 1 || (n == 1 && strcmp(v, "nl") != 0 && strcmp(v, "en") != 0)) {
        free(rest);
        return NULL;
    }
    if (n == 1 && strcmp(v, "nl") == 0)
        *lang = "nl";
    return rest;
}

/* The exports, as `verwijs coverage --format geojson|svg|png` and `verwijs
 * networks map --format geojson|svg|png` write them. */
typedef enum { EX_GEOJSON, EX_SVG, EX_PNG } export_kind;
static const struct {
    const char *name, *ctype, *disposition;
    export_kind kind;
    bool networks; /* the networks.map op (no lang), else coverage */
} exports[] = {
    {"coverage.geojson", "application/geo+json", "attachment; filename=\"coverage.geojson\"",
     EX_GEOJSON, false},
    {"coverage.svg", "image/svg+xml", "attachment; filename=\"coverage.svg\"", EX_SVG, false},
    {"coverage.png", "image/png", "attachment; filename=\"coverage.png\"", EX_PNG, false},
    {"networks.geojson", "application/geo+json", "attachment; filename=\"networks.geojson\"",
     EX_GEOJSON, true},
    {"networks.svg", "image/svg+xml", "attachment; filename=\"networks.svg\"", EX_SVG, true},
    {"networks.png", "image/png", "attachment; filename=\"networks.png\"", EX_PNG, true},
};

static int file_sink(void *ctx, const char *p, size_t n)
{
    return fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

/* Draws the collection (the op's result `res`, `fc` unpacked) into *out
 * (malloc'ed, *outlen bytes); an HTTP status. */
static int draw(export_kind kind, bool networks, const msgpack_object *res,
                const msgpack_object *fc, const char *lang, char **out, size_t *outlen,
                vw_err *err)
{
    FILE *m = open_memstream(out, outlen);
    if (m == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory"), 500;
    if (kind == EX_GEOJSON) {
        int rc = vw_mpjson_write(fc, false, file_sink, m);
        fputc('\n', m); /* as the CLI writes it */
        rc |= fclose(m);
        return rc != 0 ? vw_err_set(err, VW_E_INTERNAL, "out of memory"), 500 : 200;
    }
    vw_map_label_buf lb;
    memset(&lb, 0, sizeof lb);
    if (!networks)
        vw_map_labels(res, lang, &lb);
    vw_map_opts mo = {.title = lb.title, .subtitle = lb.subtitle,
                      .note = lb.note[0] ? lb.note : NULL, .lang = lang, .width = 900};
    vw_netmap_opts no = {.width = 1200}; /* as the CLI */
    /* both fail without region geometry */
    int rc = networks ? vw_netmap_svg(fc, &no, m, err) : vw_map_svg(fc, &mo, m, err);
    fclose(m);
    if (rc != 0 || kind == EX_SVG)
        return rc != 0 ? 400 : 200;
    char *svg = *out;
    size_t svglen = *outlen;
    *out = NULL;
    m = open_memstream(out, outlen);
    rc = m ? vw_render_png(svg, svglen, m, err) : vw_err_set(err, VW_E_INTERNAL, "out of memory");
    if (m)
        fclose(m);
    free(svg);
    return rc != 0 ? 500 : 200;
}

static void serve_export(const vw_http_ui_ctx *c, vw_hreq *req, const char *what,
                         const char *query)
{
    size_t kind = 0;
    const char *lang = "en";
    while (kind < sizeof exports / sizeof exports[0] && strcmp(what, exports[kind].name) != 0)
        kind++;
    if (kind == sizeof exports / sizeof exports[0]) {
        send_error(c, req, 404, VW_E_NOT_FOUND,
                   "exports: coverage.geojson, coverage.svg, coverage.png, networks.geojson, "
                   "networks.svg or networks.png");
        return;
    }
    bool networks = exports[kind].networks;
    /* the network map has no labels to translate: a lang is the op's unknown argument */
    char *q = networks ? strdup(query ? query : "") : split_lang(query, &lang);
    if (q == NULL) {
        send_error(c, req, 400, VW_E_BAD_REQUEST, "lang must be nl or en, given once");
        return;
    }
    const msgpack_object *res = NULL;
    int status = c->run(c->run_arg, req, networks ? "networks.map" : "coverage", q, &res);
    free(q);
    struct evbuffer *b = vw_hreq_body(req);
    if (status != 200 || res == NULL) {
        ui_send(c, req, status, "application/json", "no-store");
        return;
    }
    /* the FeatureCollection, packed by geodata, then unpacked to draw or write */
    msgpack_sbuffer sb;
    msgpack_zone zone;
    msgpack_object fc;
    msgpack_sbuffer_init(&sb);
    msgpack_zone_init(&zone, 4096);
    char *out = NULL;
    size_t outlen = 0;
    vw_err err = {0};
    status = 500;
    if ((networks ? vw_netmap_geojson(res, &sb, &err) : vw_map_geojson(res, &sb, &err)) != 0)
        status = 400;
    else if (vw_msg_unpack((const uint8_t *)sb.data, sb.size, &zone, &fc, &err) == 0)
        status = draw(exports[kind].kind, networks, res, &fc, lang, &out, &outlen, &err);
    if (status == 200 && outlen > c->cfg->http_max_output) {
        vw_err_set(&err, VW_E_TOO_LARGE, "the map exceeds http_max_output (%u bytes); ask for less",
                   c->cfg->http_max_output);
        status = 413;
    }
    if (status == 200) {
        evbuffer_drain(b, evbuffer_get_length(b));
        evbuffer_add(b, out, outlen);
        vw_hreq_add_header(req, "Content-Disposition",
                          exports[kind].disposition);
        ui_send(c, req, 200, exports[kind].ctype, "no-store");
    } else {
        /* geodata's codes are not the gateway's: one fixed code per status */
        send_error(c, req, status,
                   status == 400   ? VW_E_BAD_REQUEST
                   : status == 413 ? VW_E_TOO_LARGE
                                   : VW_E_INTERNAL,
                   err.message[0] ? err.message : "the map could not be drawn");
    }
    free(out);
    msgpack_zone_destroy(&zone);
    msgpack_sbuffer_destroy(&sb);
}

/* ---- routing ------------------------------------------------------------------ */

void vw_http_ui_serve(const vw_http_ui_ctx *c, vw_hreq *req, const char *path,
                      const char *query)
{
    const vw_config *cfg = c->cfg;
    if (cfg->http_ui_dir[0] == '\0') {
        send_error(c, req, 404, VW_E_UNKNOWN_OP,
                   "the web UI is off (config http_ui_dir); see docs/HTTP.md");
        return;
    }
    if (strcmp(path, "/ui") == 0) {
        vw_hreq_add_header(req, "Location", "/ui/");
        ui_send(c, req, 301, "text/plain; charset=utf-8", "no-cache");
        return;
    }
    const char *rel = path + 4; /* after "/ui/" */
    if (strncmp(rel, "export/", 7) == 0)
        serve_export(c, req, rel + 7, query);
    else if (strcmp(rel, "config.json") == 0)
        serve_config(c, req);
    else if (strncmp(rel, "vendor/leaflet/", 15) == 0 && cfg->http_ui_leaflet_dir[0])
        serve_file(c, req, cfg->http_ui_leaflet_dir, rel + 15, false, "public, max-age=86400");
    else
        serve_file(c, req, cfg->http_ui_dir, rel[0] ? rel : "index.html", true, "no-cache");
}
