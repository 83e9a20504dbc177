/* listener.c -- verwijsd's listening sockets: the query listeners (TCP and
 * a Unix socket), the TLS listener, the admin listeners (a Unix socket and
 * TCP); accept() with the connection budget, the hand-off to a worker, and
 * the port files that tell tests and scripts where we listen. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/hostport.h"
#include "proto/vocab.h"
#include "log.h"
#include "server_int.h"

/* Best effort: one error frame on the fresh socket (TLS clients just see
 * the close: no handshake yet), then close. */
static void refuse(vw_listener *li, int fd)
{
    if (li->kind != VW_LK_TLS) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        vw_ops_error_frame(&sb, 0, VW_E_OVERLOADED, "too many connections; try again later");
        ssize_t ignored = send(fd, sb.data, sb.size, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)ignored;
        msgpack_sbuffer_destroy(&sb);
    }
    close(fd);
}

int vw_lk_cap(const vw_config *cfg, vw_listener_kind k)
{
    switch (k) {
    case VW_LK_QUERY: return cfg->max_connections;
    case VW_LK_TLS: return cfg->tls_max_connections;
    case VW_LK_ADMIN_LOCAL:
    case VW_LK_ADMIN_TCP: return cfg->admin_max_connections;
    case VW_LK_COUNT: break;
    }
    return 0;
}

void vw_lk_release(vw_server *srv, vw_listener_kind k)
{
    atomic_fetch_sub_explicit(&srv->lk_open[k], 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&srv->stats.conn_current, 1, memory_order_relaxed);
}

/* Each listener class has a budget of its own (vw_lk_cap; the descriptors
 * for all of them are reserved at start by vw_fd_budget), so a flood on
 * one listener never refuses or starves another. */
static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    vw_listener *li = arg;
    vw_server *srv = li->srv;
    (void)l;
    (void)socklen;
    atomic_fetch_add_explicit(&srv->stats.conn_total, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&srv->stats.conn_current, 1, memory_order_relaxed);
    int cur = atomic_fetch_add_explicit(&srv->lk_open[li->kind], 1, memory_order_relaxed);
    if (cur >= vw_lk_cap(srv->cfg, li->kind)) {
        refuse(li, fd);
        vw_lk_release(srv, li->kind);
        atomic_fetch_add_explicit(&srv->stats.conn_rejected, 1, memory_order_relaxed);
        return;
    }
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (vw_workers_hand(srv, fd, li->kind) != 0) {
        close(fd);
        vw_lk_release(srv, li->kind);
    }
}

static vw_listener *listener_add(vw_server *srv, vw_listener_kind kind, const char *addr,
                                 bool is_unix)
{
    vw_listener *li = &srv->lis[srv->n_lis++];
    li->srv = srv;
    li->kind = kind;
    li->addr = addr;
    li->is_unix = is_unix;
    return li;
}

static int listen_tcp(vw_server *srv, const char *addr, vw_listener_kind kind, vw_err *err)
{
    char host[256], port[32];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    vw_err why;
    if (vw_hostport_split(addr, host, sizeof host, port, sizeof port, &why) != 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "listen address: %s", why.message);
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0)
        return vw_err_set(err, VW_E_CONNECT, "cannot resolve %s: %s", addr, gai_strerror(rc));
    vw_listener *li = listener_add(srv, kind, addr, false);
    li->l = evconnlistener_new_bind(srv->base, on_accept, li,
                                    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1024,
                                    ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (li->l == NULL)
        return vw_err_set(err, VW_E_CONNECT, "cannot listen on %s: %s", addr, strerror(errno));
    li->guard = vw_accept_guard_new(li->l, addr);
    return 0;
}

/* The socket file gets its mode before listen(), and bind() creates it under
 * a umask that already allows no more than `mode`, so nobody can connect
 * through wider permissions in between. (Startup is single-threaded here.) */
static int listen_unix(vw_server *srv, const char *path, unsigned mode, vw_listener_kind kind,
                       vw_err *err)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct stat st;
    if (strlen(path) >= sizeof sun.sun_path)
        return vw_err_set(err, VW_E_BAD_REQUEST, "socket path too long: %s", path);
    memcpy(sun.sun_path, path, strlen(path) + 1);
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return vw_err_set(err, VW_E_IO, "%s exists and is not a socket", path);
        unlink(path); /* stale socket of an earlier run */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    mode_t old = umask((mode_t)(~mode & 0777));
    int brc = fd >= 0 ? bind(fd, (struct sockaddr *)&sun, sizeof sun) : -1;
    umask(old);
    if (fd < 0 || brc != 0 || chmod(path, mode) != 0 || listen(fd, 1024) != 0 ||
        evutil_make_socket_nonblocking(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return vw_err_set(err, VW_E_IO, "cannot listen on %s: %s", path, strerror(e));
    }
    vw_listener *li = listener_add(srv, kind, path, true);
    li->l = evconnlistener_new(srv->base, on_accept, li, LEV_OPT_CLOSE_ON_FREE, -1, fd);
    if (li->l == NULL) {
        close(fd);
        return vw_err_set(err, VW_E_IO, "cannot listen on %s", path);
    }
    li->guard = vw_accept_guard_new(li->l, path);
    return 0;
}

int vw_write_port_file(const char *path, int fd, const char *what, vw_err *err)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char tmp[1100];
    int port = 0;
    if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    vw_log(VW_LOG_INFO, "%s on port %d", what, port);
    if (path[0] == '\0')
        return 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
        return vw_err_set(err, VW_E_IO, "cannot write %s", path);
    return 0;
}

/* The socket of the TCP listener of `kind`, -1 when none. */
static int listener_fd(const vw_server *srv, vw_listener_kind kind)
{
    for (int i = 0; i < srv->n_lis; i++) {
        const vw_listener *li = &srv->lis[i];
        if (li->kind == kind && !li->is_unix && li->l != NULL)
            return evconnlistener_get_fd(li->l);
    }
    return -1;
}

int vw_listeners_write_port_files(vw_server *srv, vw_err *err)
{
    char path[1100];
    static const struct {
        vw_listener_kind kind;
        const char *suffix, *what;
    } extra[] = {{VW_LK_ADMIN_TCP, "admin", "admin listening"},
                 {VW_LK_TLS, "tls", "TLS listening"}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        int fd = listener_fd(srv, extra[i].kind);
        snprintf(path, sizeof path, "%s.%s", srv->cfg->port_file, extra[i].suffix);
        if (fd >= 0 && vw_write_port_file(path, fd, extra[i].what, err) != 0)
            return -1;
    }
    return vw_write_port_file(srv->cfg->port_file, listener_fd(srv, VW_LK_QUERY), "listening",
                              err);
}

void vw_listeners_close(vw_server *srv)
{
    for (int i = 0; i < srv->n_lis; i++) {
        vw_listener *li = &srv->lis[i];
        if (li->l == NULL)
            continue;
        vw_accept_guard_free(li->guard);
        li->guard = NULL;
        evconnlistener_free(li->l);
        li->l = NULL;
        if (li->is_unix)
            unlink(li->addr);
    }
}

int vw_listeners_open(vw_server *srv, vw_err *err)
{
    const vw_config *cfg = srv->cfg;
    if ((cfg->listen[0] && listen_tcp(srv, cfg->listen, VW_LK_QUERY, err) != 0) ||
        (cfg->socket[0] &&
         listen_unix(srv, cfg->socket, cfg->socket_mode, VW_LK_QUERY, err) != 0) ||
        (cfg->tls_listen[0] && listen_tcp(srv, cfg->tls_listen, VW_LK_TLS, err) != 0) ||
        (cfg->admin_socket[0] && listen_unix(srv, cfg->admin_socket, cfg->admin_socket_mode,
                                             VW_LK_ADMIN_LOCAL, err) != 0) ||
        (cfg->admin_listen[0] && listen_tcp(srv, cfg->admin_listen, VW_LK_ADMIN_TCP, err) != 0))
        return -1;
    if (!cfg->listen[0] && !cfg->socket[0] && !cfg->tls_listen[0] && !cfg->http_listen[0])
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "nothing to listen on (set listen, socket, tls_listen or http_listen)");
    return 0;
}
