/* verwijs.c -- libverwijs: blocking client for verwijsd with timeouts and
 * pipelining (see verwijs.h). Responses are read through one buffer, so
 * several pipelined frames arriving in one read cost one system call.
 *
 * After a failed send, a timeout, the peer closing, or anything that is not
 * our protocol, the position in the byte stream (or which answer belongs to
 * which request) is no longer known: the connection is marked broken and
 * every later send/recv fails at once with "io". Reconnect to go on.
 *
 * TLS goes through OpenSSL on the same non-blocking socket: io_read/io_write
 * say which readiness to wait for (OpenSSL may need to read in order to
 * write), and the waiting with timeouts stays in one place. */
#include "verwijs.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/hostport.h"
#include "proto/utf8.h"

#define MAX_INFLIGHT 4096

struct vw_client {
    int fd;
    vw_client_opts o;
    uint64_t next_id;
    uint64_t inflight[MAX_INFLIGHT]; /* ring of ids awaiting answers, in order */
    size_t head, count;
    uint8_t *buf;                    /* received, not yet consumed */
    size_t len, cap;
    msgpack_sbuffer sb;
    bool broken;                     /* see the banner comment */
    SSL_CTX *ssl_ctx;                /* TLS only; owned */
    SSL *ssl;
};

struct vw_reply {
    msgpack_zone zone;
    uint8_t *body;
    vw_response resp;
};

void vw_client_opts_default(vw_client_opts *o)
{
    o->connect_timeout_ms = 5000;
    o->io_timeout_ms = 10000;
    o->max_frame = 16u << 20;
    o->auth = NULL;
    o->tls = false;
    o->tls_ca = o->tls_cert = o->tls_key = o->tls_server_name = NULL;
}

bool vw_err_is_local(const vw_err *err)
{
    if (err == NULL)
        return false;
    return err->code[0] != '\0' && vw_code_get(vw_code_find(err->code))->transport;
}

static vw_client *client_new(int fd, const vw_client_opts *o)
{
    vw_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->fd = fd;
    if (o)
        c->o = *o;
    else
        vw_client_opts_default(&c->o);
    c->next_id = 1;
    msgpack_sbuffer_init(&c->sb);
    return c;
}

/* Wait for `events` on fd up to timeout_ms: 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    for (;;) {
        int r = poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 ? -1 : r;
    }
}

static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t sl, int timeout_ms)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    if (connect(fd, sa, sl) != 0) {
        if (errno != EINPROGRESS)
            return -1;
        if (wait_fd(fd, POLLOUT, timeout_ms) != 1) {
            errno = ETIMEDOUT;
            return -1;
        }
        int soerr = 0;
        socklen_t l = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l) != 0 || soerr != 0) {
            errno = soerr ? soerr : errno;
            return -1;
        }
    }
    return 0;
}

/* An SSL_read/SSL_write result: bytes, or -1 with *want set (0: failed). */
static ssize_t ssl_result(vw_client *c, int r, short *want)
{
    if (r > 0)
        return r;
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ: *want = POLLIN; break;
    case SSL_ERROR_WANT_WRITE: *want = POLLOUT; break;
    case SSL_ERROR_ZERO_RETURN: return 0;
    default: *want = 0; errno = errno ? errno : EPROTO; break;
    }
    ERR_clear_error();
    return -1;
}

/* err = what + OpenSSL's reason (with the verification result when the
 * certificate was the problem); returns -1. */
static int tls_error(vw_client *c, const char *what, vw_err *err)
{
    char reason[256] = "";
    unsigned long e = ERR_peek_last_error();
    if (e)
        ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    if (c->ssl && SSL_get_verify_result(c->ssl) != X509_V_OK)
        snprintf(reason, sizeof reason, "certificate verify failed: %s",
                 X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
    return vw_err_set(err, VW_E_CONNECT, "%s: %s", what,
                      reason[0] ? reason : "the server closed the connection");
}

/* TLS >= 1.2 on the connected socket: CA, client certificate, server name
 * (a DNS name or an IP literal) checked, handshake within connect_timeout. */
static int tls_start(vw_client *c, const char *name, vw_err *err)
{
    const vw_client_opts *o = &c->o;
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
    c->ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (c->ssl_ctx == NULL)
        return tls_error(c, "TLS setup failed", err);
    SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(c->ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF); /* a close is a close */
#endif
    if (o->tls_ca ? SSL_CTX_load_verify_locations(c->ssl_ctx, o->tls_ca, NULL) != 1
                  : SSL_CTX_set_default_verify_paths(c->ssl_ctx) != 1)
        return tls_error(c, "cannot load the CA file", err);
    if ((o->tls_cert != NULL) != (o->tls_key != NULL))
        return vw_err_set(err, VW_E_CONNECT, "a client certificate needs both cert and key");
    if (o->tls_cert &&
        (SSL_CTX_use_certificate_chain_file(c->ssl_ctx, o->tls_cert) != 1 ||
         SSL_CTX_use_PrivateKey_file(c->ssl_ctx, o->tls_key, SSL_FILETYPE_PEM) != 1 ||
         SSL_CTX_check_private_key(c->ssl_ctx) != 1))
        return tls_error(c, "cannot load the client certificate or key", err);
    c->ssl = SSL_new(c->ssl_ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
        return tls_error(c, "TLS setup failed", err);
    if (is_ip) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
        if (X509_VERIFY_PARAM_set1_ip_asc(vp, name) != 1)
            return tls_error(c, "bad server address", err);
    } else if (SSL_set_tlsext_host_name(c->ssl, name) != 1 || SSL_set1_host(c->ssl, name) != 1) {
        return tls_error(c, "bad server name", err);
    }
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(c->ssl);
        if (r == 1)
            return 0;
        short want = 0;
        if (ssl_result(c, r, &want) != -1 || want == 0)
            return tls_error(c, "TLS handshake failed", err);
        int w = wait_fd(c->fd, want, o->connect_timeout_ms);
        if (w <= 0)
            return vw_err_set(err, VW_E_CONNECT, "TLS handshake: no answer within %d ms",
                              o->connect_timeout_ms);
    }
}

vw_client *vw_client_connect_tcp(const char *hostport, const vw_client_opts *o, vw_err *err)
{
    vw_client_opts def;
    char host[256], port[32];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL, *a;
    int fd = -1, e = 0;
    if (o == NULL) {
        vw_client_opts_default(&def);
        o = &def;
    }
    vw_err why;
    if (vw_hostport_split(hostport, host, sizeof host, port, sizeof port, &why) != 0) {
        vw_err_set(err, VW_E_CONNECT, "server: %s", why.message);
        return NULL;
    }
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        vw_err_set(err, VW_E_CONNECT, "cannot resolve %s: %s", hostport, gai_strerror(rc));
        return NULL;
    }
    for (a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect_timeout(fd, a->ai_addr, a->ai_addrlen, o->connect_timeout_ms) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        vw_err_set(err, VW_E_CONNECT, "cannot connect to %s: %s", hostport,
                   strerror(e ? e : ECONNREFUSED));
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    vw_client *c = client_new(fd, o);
    if (c == NULL) {
        close(fd);
        vw_err_set(err, VW_E_CONNECT, "out of memory");
        return NULL;
    }
    if (o->tls && tls_start(c, o->tls_server_name ? o->tls_server_name : host, err) != 0) {
        vw_client_free(c);
        return NULL;
    }
    return c;
}

vw_client *vw_client_connect_unix(const char *path, const vw_client_opts *o, vw_err *err)
{
    vw_client_opts def;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (o == NULL) {
        vw_client_opts_default(&def);
        o = &def;
    }
    if (strlen(path) >= sizeof sun.sun_path) {
        vw_err_set(err, VW_E_CONNECT, "socket path too long");
        return NULL;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect_timeout(fd, (struct sockaddr *)&sun, sizeof sun,
                                  o->connect_timeout_ms) != 0) {
        vw_err_set(err, VW_E_CONNECT, "cannot connect to %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    vw_client *c = client_new(fd, o);
    if (c == NULL) {
        close(fd);
        vw_err_set(err, VW_E_CONNECT, "out of memory");
    }
    return c;
}

void vw_client_free(vw_client *c)
{
    if (c == NULL)
        return;
    if (c->ssl) {
        SSL_shutdown(c->ssl); /* best effort, non-blocking */
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->ssl_ctx);
    close(c->fd);
    free(c->buf);
    msgpack_sbuffer_destroy(&c->sb);
    free(c);
}

/* One non-blocking read: bytes, 0 when the peer closed, or -1 with *want the
 * readiness to wait for (0: a real error, errno set). */
static ssize_t io_read(vw_client *c, void *buf, size_t n, short *want)
{
    if (c->ssl) {
        ERR_clear_error();
        return ssl_result(c, SSL_read(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n), want);
    }
    for (;;) {
        ssize_t r = recv(c->fd, buf, n, MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        *want = (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ? POLLIN : 0;
        return r;
    }
}

/* One non-blocking write, as io_read. OpenSSL writes with write(2), so
 * SIGPIPE is held back (and a pending one consumed) on this thread only: a
 * library must not change the process's signal handling. */
static ssize_t io_write(vw_client *c, const void *buf, size_t n, short *want)
{
    if (c->ssl) {
        sigset_t pipe_set, old;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        ERR_clear_error();
        errno = 0;
        int r = SSL_write(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
        int e = errno;
        if (r <= 0 && e == EPIPE) {
            struct timespec zero = {0, 0};
            sigtimedwait(&pipe_set, NULL, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        errno = e;
        ssize_t w = ssl_result(c, r, want);
        return w == 0 ? -1 : w; /* a close while writing is an error */
    }
    for (;;) {
        ssize_t w = send(c->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        *want = (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ? POLLOUT : 0;
        return w;
    }
}

static int write_all(vw_client *c, const char *p, size_t n, vw_err *err)
{
    while (n > 0) {
        short want = 0;
        ssize_t w = io_write(c, p, n, &want);
        if (w < 0 && want) {
            int r = wait_fd(c->fd, want, c->o.io_timeout_ms);
            if (r == 0)
                return vw_err_set(err, VW_E_TIMEOUT, "timed out sending to the server");
            if (r < 0)
                return vw_err_set(err, VW_E_IO, "poll: %s", strerror(errno));
            continue;
        }
        if (w <= 0)
            return vw_err_set(err, VW_E_IO, "send: %s", strerror(errno ? errno : EPIPE));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Refuse to use a connection after an earlier failure (see the banner). */
static int check_usable(const vw_client *c, vw_err *err)
{
    if (c->broken)
        return vw_err_set(err, VW_E_IO, "connection unusable after an earlier error; reconnect");
    return 0;
}

uint64_t vw_client_send(vw_client *c, const char *op, const void *args, size_t args_len,
                        vw_err *err)
{
    msgpack_packer pk;
    if (check_usable(c, err) != 0)
        return 0;
    if (c->count == MAX_INFLIGHT) {
        vw_err_set(err, VW_E_IO, "more than %d requests awaiting answers", MAX_INFLIGHT);
        return 0;
    }
    uint64_t id = c->next_id++;
    c->sb.size = 0;
    msgpack_packer_init(&pk, &c->sb, msgpack_sbuffer_write);
    size_t start = vw_frame_begin(&c->sb);
    vw_pack_request_auth(&pk, id, op, c->o.auth, args, args_len);
    vw_frame_end(&c->sb, start);
    if (write_all(c, c->sb.data, c->sb.size, err) != 0) {
        c->broken = true; /* how much of the frame went out is unknown */
        return 0;
    }
    c->inflight[(c->head + c->count) % MAX_INFLIGHT] = id;
    c->count++;
    return id;
}

/* Read more bytes into the buffer (at least one), growing it as needed. */
static int fill(vw_client *c, size_t want, vw_err *err)
{
    if (want > c->cap) {
        size_t cap = c->cap ? c->cap : 65536;
        while (cap < want)
            cap *= 2;
        uint8_t *nb = realloc(c->buf, cap);
        if (nb == NULL)
            return vw_err_set(err, VW_E_IO, "out of memory");
        c->buf = nb;
        c->cap = cap;
    }
    for (;;) {
        short ready = 0;
        ssize_t r = io_read(c, c->buf + c->len, c->cap - c->len, &ready);
        if (r > 0) {
            c->len += (size_t)r;
            return 0;
        }
        if (r == 0)
            return vw_err_set(err, VW_E_IO, "the server closed the connection");
        if (ready == 0)
            return vw_err_set(err, VW_E_IO, "recv: %s", strerror(errno));
        int w = wait_fd(c->fd, ready, c->o.io_timeout_ms);
        if (w == 0)
            return vw_err_set(err, VW_E_TIMEOUT, "no answer from the server within %d ms",
                              c->o.io_timeout_ms);
        if (w < 0)
            return vw_err_set(err, VW_E_IO, "poll: %s", strerror(errno));
    }
}

/* Receives the next frame into a new reply; NULL with err on failure. */
static vw_reply *recv_frame(vw_client *c, vw_err *err)
{
    uint32_t blen = 0;
    vw_reply *r = NULL;

    for (;;) {
        vw_frame_status st = vw_frame_parse(c->buf, c->len, c->o.max_frame, &blen);
        if (st == VW_FRAME_OK)
            break;
        if (st != VW_FRAME_NEED_MORE) {
            vw_err_set(err, VW_E_PROTOCOL, "the server sent a frame of %u bytes (limit 1..%u)",
                       blen, c->o.max_frame);
            return NULL;
        }
        size_t want = c->len + 1;
        if (c->len >= VW_FRAME_HEADER)
            want = VW_FRAME_HEADER + (size_t)blen;
        if (fill(c, want, err) != 0)
            return NULL;
    }
    r = vw_reply_decode(c->buf + VW_FRAME_HEADER, blen, c->o.max_frame, err);
    c->len -= VW_FRAME_HEADER + blen;
    memmove(c->buf, c->buf + VW_FRAME_HEADER + blen, c->len);
    return r;
}

vw_reply *vw_reply_decode(const uint8_t *body, size_t blen, uint32_t max_frame, vw_err *err)
{
    vw_limits lim = {.max_frame = max_frame, .max_depth = 16, .max_elems = 100000,
                     .max_str = 1u << 20, .max_total = 10000000};
    msgpack_object root;
    vw_reply *r = calloc(1, sizeof *r);
    if (r == NULL || (r->body = malloc(blen ? blen : 1)) == NULL) {
        free(r);
        vw_err_set(err, VW_E_IO, "out of memory");
        return NULL;
    }
    memcpy(r->body, body, blen);
    msgpack_zone_init(&r->zone, 4096);
    if (vw_msg_check(r->body, blen, &lim, err) != 0 ||
        vw_msg_unpack(r->body, blen, &r->zone, &root, err) != 0 ||
        vw_response_parse(&root, &r->resp, err) != 0) {
        snprintf(err->code, sizeof err->code, "%s", VW_E_PROTOCOL);
        vw_reply_free(r);
        return NULL;
    }
    return r;
}

vw_reply *vw_client_recv(vw_client *c, vw_err *err)
{
    vw_err local;
    if (err == NULL)
        err = &local;
    if (check_usable(c, err) != 0)
        return NULL;
    if (c->count == 0) {
        vw_err_set(err, VW_E_PROTOCOL, "no request is awaiting an answer");
        return NULL;
    }
    vw_reply *r = recv_frame(c, err);
    if (r == NULL) {
        c->broken = true;
        return NULL;
    }
    /* Connection-level errors (id 0: framing, overload) answer no request. */
    if (r->resp.id == 0 && !r->resp.ok) {
        vw_reply_error(r, err);
        vw_reply_free(r);
        c->broken = true; /* the server closes such a connection */
        return NULL;
    }
    if (c->inflight[c->head] != r->resp.id) {
        vw_err_set(err, VW_E_PROTOCOL, "answer for request %llu arrived, expected %llu",
                   (unsigned long long)r->resp.id, (unsigned long long)c->inflight[c->head]);
        vw_reply_free(r);
        c->broken = true;
        return NULL;
    }
    c->head = (c->head + 1) % MAX_INFLIGHT;
    c->count--;
    return r;
}

vw_reply *vw_client_call(vw_client *c, const char *op, const void *args, size_t args_len,
                         vw_err *err)
{
    vw_err local;
    if (err == NULL)
        err = &local;
    /* The next answer would belong to an earlier request, not to this one. */
    if (c->count > 0) {
        vw_err_set(err, VW_E_PROTOCOL, "%zu pipelined requests still await answers; "
                   "vw_client_recv them first", c->count);
        return NULL;
    }
    if (vw_client_send(c, op, args, args_len, err) == 0)
        return NULL;
    vw_reply *r = vw_client_recv(c, err);
    if (r && !r->resp.ok) {
        vw_reply_error(r, err);
        vw_reply_free(r);
        return NULL;
    }
    return r;
}

bool vw_reply_ok(const vw_reply *r)
{
    return r->resp.ok;
}

uint64_t vw_reply_id(const vw_reply *r)
{
    return r->resp.id;
}

const msgpack_object *vw_reply_result(const vw_reply *r)
{
    return r->resp.ok ? r->resp.result : NULL;
}

void vw_reply_error(const vw_reply *r, vw_err *err)
{
    if (r->resp.ok || err == NULL)
        return;
    snprintf(err->code, sizeof err->code, "%.*s", (int)r->resp.err_code_len, r->resp.err_code);
    snprintf(err->message, sizeof err->message, "%.*s", (int)r->resp.err_message_len,
             r->resp.err_message);
    vw_utf8_fix(err->message); /* a long message may have been cut mid-character */
}

void vw_reply_free(vw_reply *r)
{
    if (r == NULL)
        return;
    msgpack_zone_destroy(&r->zone);
    free(r->body);
    free(r);
}
