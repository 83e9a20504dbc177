/* config.c -- configuration defaults, file parsing and overrides. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vw_config_defaults(vw_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen, sizeof c->listen, "127.0.0.1:4747");
    snprintf(c->log_level, sizeof c->log_level, "info");
    snprintf(c->tz, sizeof c->tz, "%s", VW_CLOCK_DEFAULT_TZ);
    c->socket_mode = 0660;
    c->admin_socket_mode = 0600;
    c->handshake_timeout = 10;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    c->workers = ncpu > 0 ? (int)ncpu : 2;
    c->max_connections = 10000;
    c->batch = 16;
    c->idle_timeout = 300;
    c->read_timeout = 10;
    c->write_timeout = 30;
    c->drain_timeout = 10;
    c->publish_debounce = 2;
    c->publish_keep = 3;
    c->output_high_water = 1u << 20;
    c->max_output = 8u << 20;
    c->max_input_total = 256u << 20;
    c->http_max_header = 8192;
    c->http_max_body = 4096;
    c->http_max_params = 64;
    c->http_max_output = 8u << 20;
    c->http_json_cache = 8388608;
    c->http_timeout = 10;
    c->http_max_connections = 10000;
    snprintf(c->http_ui_leaflet_dir, sizeof c->http_ui_leaflet_dir,
             "/usr/share/javascript/leaflet");
    c->admin_import_max_bytes = 2147483648.0;
    c->admin_import_max_removed = 10;
    c->admin_max_connections = 16;
    c->admin_auth_timeout = 5;
    c->admin_http_max_body = 4 << 20;
    c->tls_max_connections = 1000;
    c->heavy_workers = 1;
    c->heavy_queue = 64;
    c->answer_cache = 4194304;
    vw_limits_default(&c->limits);
    vw_travel_model_default(&c->travel);
    vw_refer_config_default(&c->refer);
}

static int set_str(char *dst, size_t cap, const char *key, const char *v, vw_err *err)
{
    if (strlen(v) >= cap)
        return vw_err_set(err, VW_E_BAD_REQUEST, "%s: value too long", key);
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int set_num(double *out, const char *key, const char *v, double min, double max,
                   vw_err *err)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d) || d < min || d > max)
        return vw_err_set(err, VW_E_BAD_REQUEST, "%s must be a number from %g to %g", key, min,
                          max);
    *out = d;
    return 0;
}

/* A tile URL template goes into the page's config and, by its origin, into
 * the Content-Security-Policy header: only http(s), a plain host[:port], and
 * characters that need no quoting in either; {z}, {x} and {y} required. */
static int set_tiles(vw_config *c, const char *v, vw_err *err)
{
    const char *host = strncmp(v, "https://", 8) == 0  ? v + 8
                       : strncmp(v, "http://", 7) == 0 ? v + 7
                                                       : NULL;
    size_t hl = host ? strcspn(host, "/") : 0;
    bool ok = v[0] == '\0' || (host && hl > 0 && host[hl] == '/' &&
                               strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789.-:") == hl &&
                               strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789.-_~:/?&=%{}") == strlen(v) &&
                               strstr(v, "{z}") && strstr(v, "{x}") && strstr(v, "{y}"));
    if (!ok)
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "http_ui_tiles must be an http(s) URL template with {z}, {x} and {y}, "
                          "e.g. https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/"
                          "standaard/EPSG:3857/{z}/{x}/{y}.png");
    return set_str(c->http_ui_tiles, sizeof c->http_ui_tiles, "http_ui_tiles", v, err);
}

static int set_mode(unsigned *out, const char *key, const char *v, vw_err *err)
{
    char *end;
    unsigned long m = strtoul(v, &end, 8);
    if (end == v || *end || m > 0777)
        return vw_err_set(err, VW_E_BAD_REQUEST, "%s must be octal, e.g. 0660", key);
    *out = (unsigned)m;
    return 0;
}

int vw_config_set(vw_config *c, const char *key, const char *v, vw_err *err)
{
    double d;
#define STR(k, f)                                                    \
    if (strcmp(key, k) == 0)                                         \
        return set_str(c->f, sizeof c->f, key, v, err);
#define NUM(k, lo, hi, dst)                                          \
    if (strcmp(key, k) == 0) {                                       \
        if (set_num(&d, key, v, lo, hi, err) != 0)                   \
            return -1;                                               \
        dst = d;                                                     \
        return 0;                                                    \
    }
    STR("db", db)
    STR("snapshot_image", snapshot_image)
    STR("listen", listen)
    STR("socket", socket)
    STR("port_file", port_file)
    STR("problems_file", problems_file)
    STR("http_listen", http_listen)
    STR("http_port_file", http_port_file)
    STR("http_ui_dir", http_ui_dir)
    STR("http_cors_origins", http_cors_origins)
    STR("http_ui_leaflet_dir", http_ui_leaflet_dir)
    if (strcmp(key, "http_ui_tiles") == 0)
        return set_tiles(c, v, err);
    STR("admin_socket", admin_socket)
    STR("admin_listen", admin_listen)
    STR("admin_http_listen", admin_http_listen)
    STR("admin_http_port_file", admin_http_port_file)
    STR("admin_token", admin_token)
    STR("admin_token_file", admin_token_file)
    STR("admin_credentials_file", admin_credentials_file)
    STR("admin_import_dir", admin_import_dir)
    STR("tls_listen", tls_listen)
    STR("publish_dir", publish_dir)
    STR("tls_cert", tls_cert)
    STR("tls_key", tls_key)
    STR("tls_client_ca", tls_client_ca)
    if (strcmp(key, "tz") == 0) {
        /* the name here; that the zoneinfo has it is checked at start-up */
        if (!vw_clock_tz_valid(v))
            return vw_err_set(err, VW_E_BAD_REQUEST, "tz must be a time zone name like "
                              "Europe/Amsterdam (from /usr/share/zoneinfo)");
        return set_str(c->tz, sizeof c->tz, key, v, err);
    }
    if (strcmp(key, "log_level") == 0) {
        if (strcmp(v, "error") && strcmp(v, "warn") && strcmp(v, "info") && strcmp(v, "debug"))
            return vw_err_set(err, VW_E_BAD_REQUEST, "log_level must be error|warn|info|debug");
        return set_str(c->log_level, sizeof c->log_level, key, v, err);
    }
    if (strcmp(key, "socket_mode") == 0)
        return set_mode(&c->socket_mode, key, v, err);
    if (strcmp(key, "admin_socket_mode") == 0)
        return set_mode(&c->admin_socket_mode, key, v, err);
    NUM("workers", 1, 256, c->workers)
    NUM("max_connections", 1, 1000000, c->max_connections)
    NUM("batch", 1, 1024, c->batch)
    NUM("idle_timeout", 0.1, 86400, c->idle_timeout)
    NUM("read_timeout", 0.1, 3600, c->read_timeout)
    NUM("write_timeout", 0.1, 3600, c->write_timeout)
    NUM("drain_timeout", 0, 3600, c->drain_timeout)
    NUM("handshake_timeout", 0.1, 600, c->handshake_timeout)
    NUM("admin_tls", 0, 1, c->admin_tls)
    NUM("output_high_water", 4096, 1 << 30, c->output_high_water)
    NUM("max_output", 4096, 1u << 31, c->max_output)
    NUM("max_input_total", 65536, 1099511627776.0, c->max_input_total)
    NUM("start_without_snapshot", 0, 1, c->start_without_snapshot)
    NUM("watch_interval", 0, 3600, c->watch_interval)
    NUM("publish_debounce", 0, 3600, c->publish_debounce)
    NUM("publish_keep", 1, 1000, c->publish_keep)
    NUM("http_workers", 0, 256, c->http_workers)
    NUM("http_max_header", 1024, 1 << 20, c->http_max_header)
    NUM("http_max_body", 0, 1 << 20, c->http_max_body)
    NUM("http_max_params", 1, 1024, c->http_max_params)
    NUM("http_max_output", 4096, 1u << 31, c->http_max_output)
    NUM("http_json_cache", 0, 1073741824.0, c->http_json_cache)
    NUM("http_timeout", 0.1, 3600, c->http_timeout)
    NUM("http_max_connections", 1, 1000000, c->http_max_connections)
    NUM("admin_import_max_bytes", 1, 1099511627776.0, c->admin_import_max_bytes)
    NUM("admin_import_max_removed", 0, 100, c->admin_import_max_removed)
    NUM("admin_max_connections", 1, 10000, c->admin_max_connections)
    NUM("admin_auth_timeout", 0.1, 600, c->admin_auth_timeout)
    NUM("admin_http_max_body", 1024, 64 << 20, c->admin_http_max_body)
    NUM("tls_max_connections", 1, 1000000, c->tls_max_connections)
    NUM("heavy_workers", 1, 64, c->heavy_workers)
    NUM("heavy_queue", 1, 100000, c->heavy_queue)
    NUM("answer_cache", 0, 1073741824.0, c->answer_cache)
    NUM("max_frame", 64, 64u << 20, c->limits.max_frame)
    NUM("max_depth", 2, 32, c->limits.max_depth)
    NUM("max_elems", 1, 1 << 20, c->limits.max_elems)
    NUM("max_str", 16, 16 << 20, c->limits.max_str)
    NUM("max_total", 16, 1 << 24, c->limits.max_total)
    NUM("car_detour", 1, 5, c->travel.detour[VW_MODE_CAR])
    NUM("car_speed_kmh", 1, 200, c->travel.speed_kmh[VW_MODE_CAR])
    NUM("bike_detour", 1, 5, c->travel.detour[VW_MODE_BIKE])
    NUM("bike_speed_kmh", 1, 60, c->travel.speed_kmh[VW_MODE_BIKE])
    NUM("walk_detour", 1, 5, c->travel.detour[VW_MODE_WALK])
    NUM("walk_speed_kmh", 1, 15, c->travel.speed_kmh[VW_MODE_WALK])
    NUM("refer_self_care_below", 0, 11, c->refer.self_care_below)
    NUM("refer_psychosocial_from", 0, 11, c->refer.psychosocial_from)
    NUM("wait_valid_weeks", 1, 520, c->refer.wait_valid_weeks)
#undef STR
#undef NUM
    return vw_err_set(err, VW_E_BAD_REQUEST, "unknown key '%s'", key);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* One line (NUL-terminated, no newline) of `name`. */
static int parse_line(vw_config *c, const char *name, long lineno, char *line, vw_err *err)
{
    char *s = trim(line);
    if (*s == '\0' || *s == '#')
        return 0; /* blank, or a comment: '#' first on the line */
    char *eq = strchr(s, '=');
    if (eq == NULL)
        return vw_err_set(err, VW_E_BAD_REQUEST, "%s:%ld: expected key = value", name, lineno);
    *eq = '\0';
    vw_err e2;
    if (vw_config_set(c, trim(s), trim(eq + 1), &e2) != 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "%s:%ld: %s", name, lineno, e2.message);
    return 0;
}

int vw_config_parse(vw_config *c, const char *name, const char *text, size_t len, vw_err *err)
{
    char line[VW_CONFIG_MAX_LINE + 1];
    long lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (n > VW_CONFIG_MAX_LINE)
            return vw_err_set(err, VW_E_BAD_REQUEST, "%s:%ld: line too long (over %d bytes)",
                              name, lineno, VW_CONFIG_MAX_LINE);
        if (memchr(text + pos, '\0', n))
            return vw_err_set(err, VW_E_BAD_REQUEST, "%s:%ld: NUL byte", name, lineno);
        memcpy(line, text + pos, n);
        line[n] = '\0';
        if (parse_line(c, name, lineno, line, err) != 0)
            return -1;
        pos += n + (nl ? 1 : 0);
    }
    return 0;
}

int vw_config_load(vw_config *c, const char *path, vw_err *err)
{
    int rc = -1;
    char *text = NULL;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return vw_err_set(err, VW_E_IO, "cannot open config %s: %s", path, strerror(errno));
    text = malloc(VW_CONFIG_MAX_FILE + 1);
    if (text == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto out;
    }
    size_t len = fread(text, 1, VW_CONFIG_MAX_FILE + 1, f);
    if (ferror(f))
        vw_err_set(err, VW_E_IO, "cannot read config %s: %s", path, strerror(errno));
    else if (len > VW_CONFIG_MAX_FILE)
        vw_err_set(err, VW_E_BAD_REQUEST, "config %s is larger than %d bytes", path,
                   VW_CONFIG_MAX_FILE);
    else
        rc = vw_config_parse(c, path, text, len, err);
out:
    free(text);
    fclose(f);
    return rc;
}
