/* config.h -- verwijsd's configuration: defaults, the config file
 * ("key = value" lines; deploy/verwijsd.conf documents every key), and
 * command-line overrides.
 *
 * The comment rule: a line whose first non-blank character is '#' is a
 * comment. A '#' anywhere else belongs to the value (a token, a path or a
 * password may hold one): there are no comments at the end of a line.
 * Blanks around the key and the value are cut. */
#ifndef VW_DAEMON_CONFIG_H
#define VW_DAEMON_CONFIG_H

#include <stdint.h>

#include "geodata/geo.h"
#include "proto/clock.h"
#include "proto/msg.h"
#include "proto/vw_err.h"
#include "server/engine/refer.h"

typedef struct vw_config {
    char db[1024];
    char snapshot_image[1024]; /* "" = none (server/store/image.h) */
    char listen[256];          /* HOST:PORT, "" = no TCP listener */
    char socket[1024];         /* Unix socket path, "" = none */
    unsigned socket_mode;
    /* admin path: reload/import only here (see PROTOCOL.md "Admin path") */
    char admin_socket[1024];   /* "" = none */
    unsigned admin_socket_mode; /* default 0600 */
    char admin_listen[256];    /* HOST:PORT, "" = none; needs a token */
    char admin_token[256];
    char admin_token_file[1024];
    char admin_credentials_file[1024]; /* named credentials (creds.h), "" = none */
    int admin_tls;             /* 1: admin_listen speaks TLS (tls_cert/tls_key/tls_client_ca) */
    char admin_import_dir[1024]; /* admin imports only from files inside it; "" = none allowed */
    double admin_import_max_bytes; /* size cap of one admin import file */
    double admin_import_max_removed; /* percent of a kind's rows an import may remove
                                      * without replace_all */
    int admin_max_connections; /* per admin listener (socket, TCP), own budget */
    double admin_auth_timeout; /* seconds an admin TCP connection may stay unauthenticated */
    /* HTTP admin routes (http_admin.c); off while admin_http_listen is "" */
    char admin_http_listen[256];     /* HOST:PORT; loopback or behind a TLS proxy */
    char admin_http_port_file[1024]; /* write its bound port here once ready */
    uint32_t admin_http_max_body;    /* bytes of an apply body */
    /* TLS listener (libevent + OpenSSL); "" = none */
    char tls_listen[256];
    char tls_cert[1024], tls_key[1024];
    char tls_client_ca[1024];  /* set: client certificates required and verified */
    double handshake_timeout;  /* seconds */
    int tls_max_connections;   /* open TLS connections (own budget) */
    char port_file[1024];
    char problems_file[1024];  /* "" = built-in table */
    char log_level[16];
    char tz[VW_CLOCK_TZ_MAX + 1]; /* "today" (default as_of) is the date here */
    int start_without_snapshot; /* 1: start unready when the database cannot be loaded */
    double watch_interval;     /* seconds between checks of db for changes; 0 = off (watch.c) */
    char publish_dir[1024];    /* writer: publish snapshots here for replicas; "" = off */
    double publish_debounce;   /* seconds without a change before publishing */
    int publish_keep;          /* published snapshot files kept */
    int workers;
    int max_connections;       /* query TCP + query Unix socket */
    int batch;
    double idle_timeout, read_timeout, write_timeout, drain_timeout; /* seconds */
    uint32_t output_high_water, max_output;
    uint64_t max_input_total;  /* bytes held of partial msgpack frames, all connections */
    int heavy_workers;         /* threads running heavy ops (coverage, ...) off the event loop */
    int heavy_queue;           /* heavy requests waiting for them; over: `overloaded` */
    double answer_cache;       /* bytes per worker thread of packed provider parts; 0 = off */
    /* HTTP/JSON gateway (http.c); off while http_listen is "" */
    char http_listen[256];     /* HOST:PORT */
    char http_port_file[1024]; /* write the bound HTTP port here once ready */
    int http_workers;          /* HTTP threads (event_base each); 0 = workers */
    uint32_t http_max_header;  /* bytes of request line + headers */
    uint32_t http_max_body;    /* bytes of a request body (GET/HEAD take none) */
    uint32_t http_max_params;  /* query parameters in one request */
    uint32_t http_max_output;  /* bytes of one JSON response */
    double http_json_cache;    /* bytes per HTTP thread of rendered provider JSON; 0 = off */
    double http_timeout;       /* seconds: read/write of one request, keep-alive idle */
    int http_max_connections;  /* open HTTP connections; over: 503 overloaded */
    char http_cors_origins[1024]; /* origins allowed to call from a browser: "a, b" or "*";
                                   * "" = no CORS headers (same origin only) */
    /* web UI under /ui/ (http_ui.c); off while http_ui_dir is "" */
    char http_ui_dir[1024];    /* index.html, app.js, app.css (share/verwijs/ui) */
    char http_ui_leaflet_dir[1024]; /* libjs-leaflet, served as /ui/vendor/leaflet/ */
    char http_ui_tiles[512];   /* background tile URL template, "" = none */
    vw_limits limits;
    vw_travel_model travel;
    vw_refer_config refer;
} vw_config;

#define VW_CONFIG_MAX_LINE 2047   /* bytes of one line, without its newline */
#define VW_CONFIG_MAX_FILE (1 << 20)

void vw_config_defaults(vw_config *c);
/* Parses config text `text` (`len` bytes, not NUL-terminated); `name` (the
 * file) prefixes error messages as name:line. Keys set before an error stay
 * set. */
int vw_config_parse(vw_config *c, const char *name, const char *text, size_t len, vw_err *err);
/* Reads `path` (at most VW_CONFIG_MAX_FILE bytes); an unknown key or bad value is an error naming file:line. */
int vw_config_load(vw_config *c, const char *path, vw_err *err);
/* Sets one key (also used for command-line flags). */
int vw_config_set(vw_config *c, const char *key, const char *value, vw_err *err);

#endif
