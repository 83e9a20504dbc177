/* verwijs.h -- libverwijs, the C client library for verwijsd.
 *
 * Blocking I/O with timeouts on one connection (TCP, TLS over TCP, or a Unix
 * socket).
 * Requests may be pipelined: vw_client_send() several, then vw_client_recv()
 * the responses in the same order. Not thread-safe per connection; use one
 * vw_client per thread. */
#ifndef VERWIJS_H
#define VERWIJS_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "vw_err.h"

typedef struct vw_client vw_client;

typedef struct vw_client_opts {
    int connect_timeout_ms; /* default 5000 */
    int io_timeout_ms;      /* per read/write wait, default 10000 */
    uint32_t max_frame;     /* largest response accepted, default 16 MiB */
    const char *auth;       /* admin token sent as "auth" in every request (admin over
                             * TCP); NULL: none. Not copied: must outlive the client. */
    /* TLS (vw_client_connect_tcp only): TLS >= 1.2, the server's certificate
     * verified against tls_ca (NULL: the system's CAs) and its name against
     * tls_server_name (NULL: the HOST of HOST:PORT, a DNS name or an IP).
     * tls_cert + tls_key: a client certificate for mutual TLS. */
    bool tls;
    const char *tls_ca, *tls_cert, *tls_key, *tls_server_name;
} vw_client_opts;
void vw_client_opts_default(vw_client_opts *o);

/* `hostport` is "HOST:PORT" or "[v6]:PORT". Errors: code "connect". */
vw_client *vw_client_connect_tcp(const char *hostport, const vw_client_opts *o, vw_err *err);
vw_client *vw_client_connect_unix(const char *path, const vw_client_opts *o, vw_err *err);
void vw_client_free(vw_client *c); /* closes; NULL ok */

/* Queue and send one request; `args` is the msgpack encoding of one map (or
 * NULL for {}). Returns the request id (>0) or 0 on error. */
uint64_t vw_client_send(vw_client *c, const char *op, const void *args, size_t args_len,
                        vw_err *err);

/* A received response. Owns its memory; free with vw_reply_free. */
typedef struct vw_reply vw_reply;

/* Receive the next response (in request order). Errors: "io", "timeout",
 * "protocol". A server-side error is NOT a failure here: the reply has
 * ok == false; see vw_reply_error(). */
vw_reply *vw_client_recv(vw_client *c, vw_err *err);

/* send + recv; additionally turns a server error answer into -1 with err
 * holding the server's code and message (the reply is then freed). */
vw_reply *vw_client_call(vw_client *c, const char *op, const void *args, size_t args_len,
                         vw_err *err);

bool vw_reply_ok(const vw_reply *r);
uint64_t vw_reply_id(const vw_reply *r);
const msgpack_object *vw_reply_result(const vw_reply *r); /* NULL unless ok */
/* Copies the server's error code/message into err (no-op when ok). */
void vw_reply_error(const vw_reply *r, vw_err *err);
void vw_reply_free(vw_reply *r);
/* Decodes one response frame body (without its 4-byte header), copying it:
 * for callers that got the bytes elsewhere (an in-process vw_ops_handle). */
vw_reply *vw_reply_decode(const uint8_t *body, size_t len, uint32_t max_frame, vw_err *err);

/* Is this a local (connection) error rather than a server answer? */
bool vw_err_is_local(const vw_err *err);

#endif
