/* verwijs.c -- libverwijs: blocking client for verwijsd with timeouts and
 * pipelining (see verwijs.h). Responses are read through one buffer, so
 * several pipelined frames arriving in one read cost one system call.
 *
 * After a failed send, a timeout, the peer closing, or anything that is not
 * our protocol, the position in the byte stream (or which answer belongs to
 * which request) is no longer known: the connection is marked broken and
 * every later send/recv fails at once with "io". Reconnect to go on. */
#include "verwijs.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../proto/frame.h"

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
}

bool vw_err_is_local(const vw_err *err)
{
    if (err == NULL)
        return false;
    return strcmp(err->code, VW_E_CONNECT) == 0 || strcmp(err->code, VW_E_IO) == 0 ||
           strcmp(err->code, VW_E_TIMEOUT) == 0 || strcmp(err->code, VW_E_PROTOCOL) == 0;
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
    const char *colon = strrchr(hostport, ':');
    if (colon == NULL || colon == hostport || colon[1] == '\0') {
        vw_err_set(err, VW_E_CONNECT, "server must be HOST:PORT, not '%s'", hostport);
        return NULL;
    }
    size_t hl = (size_t)(colon - hostport);
    const char *h = hostport;
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= sizeof host || strlen(colon + 1) >= sizeof port) {
        vw_err_set(err, VW_E_CONNECT, "server address too long");
        return NULL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, sizeof port, "%s", colon + 1);
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
    close(c->fd);
    free(c->buf);
    msgpack_sbuffer_destroy(&c->sb);
    free(c);
}

static int write_all(vw_client *c, const char *p, size_t n, vw_err *err)
{
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(c->fd, POLLOUT, c->o.io_timeout_ms);
            if (r == 0)
                return vw_err_set(err, VW_E_TIMEOUT, "timed out sending to the server");
            if (r < 0)
                return vw_err_set(err, VW_E_IO, "poll: %s", strerror(errno));
            continue;
        }
        if (w <= 0)
            return vw_err_set(err, VW_E_IO, "send: %s", strerror(errno));
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
        ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
        if (r > 0) {
            c->len += (size_t)r;
            return 0;
        }
        if (r == 0)
            return vw_err_set(err, VW_E_IO, "the server closed the connection");
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return vw_err_set(err, VW_E_IO, "recv: %s", strerror(errno));
        int w = wait_fd(c->fd, POLLIN, c->o.io_timeout_ms);
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
}

void vw_reply_free(vw_reply *r)
{
    if (r == NULL)
        return;
    msgpack_zone_destroy(&r->zone);
    free(r->body);
    free(r);
}
