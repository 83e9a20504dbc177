/* itest_soak.c -- soak driver for a running verwijsd (test_soak.sh).
 *
 * usage: itest_soak --server HOST:PORT --pid PID --ids FILE [--conns 1000]
 *                   [--bad 40] [--seconds 60] [--warmup 10] [--rss-growth 0.10]
 *                   [--sanitized]
 *
 * One thread, non-blocking sockets and poll(2). `conns` well-behaved clients
 * each keep one request in flight all the time, a mix of match, refer,
 * provider.get (ids from FILE, one a line), network.near and stats; every
 * answer must be ok and carry the request's id. `bad` misbehaving clients run
 * beside them, an equal share of each sort, and reconnect whenever the server cuts
 * them off:
 *   stall     sends part of a frame, then nothing (read_timeout cuts it);
 *   oversize  declares a frame far above max_frame (too_large, then closed);
 *   garbage   sends random bytes (a framing error or a malformed message);
 *   noread    pipelines requests and never reads an answer (output cap /
 *             write_timeout cut it);
 *   header    sends a bare 4-byte header declaring 1 MiB, then nothing
 *             (read_timeout cuts it; max_input_total counts bytes held, so
 *             a crowd of them never makes others `overloaded`);
 *   heavyhc   pipelines 4 heavy requests (coverage, networks view), then
 *             half-closes (SHUT_WR): the server answers them all, off the
 *             event loop, then ends the connection.
 * Every second VmRSS of the daemon is read from /proc/PID/status; from the
 * `warmup`-th second on, max must stay within `rss-growth` of min.
 * Prints the figures; exits 0 when no well-formed request failed, RSS stayed
 * flat and every sort of misbehaving client was cut off at least once, 1
 * otherwise. --sanitized (an ASan build: RSS is quarantine and shadow memory,
 * and everything is several times slower) reports RSS and cut-offs without
 * asserting them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client/lib/verwijs.h"
#include "proto/frame.h"
#include "proto/hostport.h"

typedef enum { K_GOOD, K_STALL, K_OVERSIZE, K_GARBAGE, K_NOREAD, K_HEADER, K_HEAVYHC, K_COUNT } kind;
static const char *const kind_name[K_COUNT] = {"good",   "stall",  "oversize", "garbage",
                                               "noread", "header", "heavyhc"};
#define N_BAD_KINDS (K_COUNT - K_STALL)

enum { OP_MATCH, OP_REFER, OP_PROVIDER, OP_NEAR, OP_STATS, OP_COUNT };
static const char *const op_name[OP_COUNT] = {"match", "refer", "provider.get", "network.near",
                                              "stats"};

#define IN_MAX (4u << 20) /* largest answer accepted */

typedef struct client {
    int fd;          /* -1: not connected */
    kind k;
    bool connected;
    uint64_t rng;
    uint64_t id;     /* id of the request in flight (good) */
    bool waiting;
    uint8_t *out;    /* pending bytes to send */
    size_t out_len, out_off, out_cap;
    uint8_t *in;
    size_t in_len, in_cap;
    double reconnect_at;
    double next_send; /* garbage: the next burst */
} client;

static struct {
    const char *server, *ids_file;
    int pid, conns, bad, seconds, warmup;
    double rss_growth;
    bool sanitized;
} opt = {.conns = 1000, .bad = 40, .seconds = 60, .warmup = 10, .rss_growth = 0.10};

static struct sockaddr_storage addr;
static socklen_t addr_len;
static char **ids;
static size_t n_ids;

static unsigned long long requests, failures, by_op[OP_COUNT], cut[K_COUNT], connects[K_COUNT];
static char first_failure[600];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rnd(client *c)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return c->rng;
}

static double rnd_in(client *c, double lo, double hi)
{
    return lo + (hi - lo) * (double)(rnd(c) >> 11) / 9007199254740992.0;
}

static void fail(const char *fmt, const char *a, const char *b)
{
    failures++;
    if (first_failure[0] == '\0')
        snprintf(first_failure, sizeof first_failure, fmt, a, b);
}

static void out_append(client *c, const void *p, size_t n)
{
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + n)
            cap *= 2;
        uint8_t *nb = realloc(c->out, cap);
        if (nb == NULL) {
            perror("realloc");
            exit(1);
        }
        c->out = nb;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

/* Appends one well-formed request frame of a random op. */
static void queue_request(client *c)
{
    msgpack_sbuffer args, frame;
    msgpack_packer pk, fpk;
    int op;
    unsigned r = (unsigned)(rnd(c) % 100);
    op = r < 40 ? OP_MATCH : r < 55 ? OP_REFER : r < 75 ? OP_PROVIDER : r < 90 ? OP_NEAR : OP_STATS;
    if (op == OP_PROVIDER && n_ids == 0)
        op = OP_MATCH;
    msgpack_sbuffer_init(&args);
    msgpack_packer_init(&pk, &args, msgpack_sbuffer_write);
    /* Points on the mainland, inside the Netherlands box of PROTOCOL.md. */
    double lat = rnd_in(c, 51.45, 53.0), lon = rnd_in(c, 4.6, 6.6);
    switch (op) {
    case OP_MATCH:
        msgpack_pack_map(&pk, 3);
        vw_pack_cstr(&pk, "near");
        msgpack_pack_array(&pk, 2);
        msgpack_pack_double(&pk, lat);
        msgpack_pack_double(&pk, lon);
        vw_pack_kv_str(&pk, "discipline", (rnd(c) & 1) ? "fysiotherapeut" : "dietist");
        vw_pack_kv_int(&pk, "limit", 10);
        break;
    case OP_REFER:
        msgpack_pack_map(&pk, 2);
        vw_pack_cstr(&pk, "near");
        msgpack_pack_array(&pk, 2);
        msgpack_pack_double(&pk, lat);
        msgpack_pack_double(&pk, lon);
        vw_pack_cstr(&pk, "problems");
        msgpack_pack_array(&pk, 2);
        vw_pack_cstr(&pk, "darmklachten");
        vw_pack_cstr(&pk, "vermoeidheid");
        break;
    case OP_PROVIDER:
        msgpack_pack_map(&pk, 1);
        vw_pack_kv_str(&pk, "id", ids[rnd(c) % n_ids]);
        break;
    case OP_NEAR:
        msgpack_pack_map(&pk, 2);
        vw_pack_cstr(&pk, "near");
        msgpack_pack_array(&pk, 2);
        msgpack_pack_double(&pk, lat);
        msgpack_pack_double(&pk, lon);
        vw_pack_kv_int(&pk, "within", 30);
        break;
    default:
        msgpack_pack_map(&pk, 0);
        break;
    }
    msgpack_sbuffer_init(&frame);
    msgpack_packer_init(&fpk, &frame, msgpack_sbuffer_write);
    size_t start = vw_frame_begin(&frame);
    vw_pack_request(&fpk, ++c->id, op_name[op], args.data, args.size);
    vw_frame_end(&frame, start);
    out_append(c, frame.data, frame.size);
    msgpack_sbuffer_destroy(&frame);
    msgpack_sbuffer_destroy(&args);
    if (c->k == K_GOOD)
        by_op[op]++;
}

/* Appends one heavy request (coverage, networks view). */
static void queue_heavy(client *c)
{
    msgpack_sbuffer args, frame;
    msgpack_packer pk, fpk;
    msgpack_sbuffer_init(&args);
    msgpack_packer_init(&pk, &args, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_str(&pk, "view", "networks");
    vw_pack_kv_int(&pk, "within", 30);
    msgpack_sbuffer_init(&frame);
    msgpack_packer_init(&fpk, &frame, msgpack_sbuffer_write);
    size_t start = vw_frame_begin(&frame);
    vw_pack_request(&fpk, ++c->id, "coverage", args.data, args.size);
    vw_frame_end(&frame, start);
    out_append(c, frame.data, frame.size);
    msgpack_sbuffer_destroy(&frame);
    msgpack_sbuffer_destroy(&args);
}

/* What a misbehaving client sends once connected. */
static void queue_misbehaviour(client *c)
{
    uint8_t buf[512];
    switch (c->k) {
    case K_STALL: /* a header for 200 bytes, then 20 of them */
        memset(buf, 0x80, sizeof buf);
        buf[0] = 0, buf[1] = 0, buf[2] = 0, buf[3] = 200;
        out_append(c, buf, 24);
        break;
    case K_OVERSIZE: /* declares 1.5 GB */
        buf[0] = 0x60, buf[1] = 0, buf[2] = 0, buf[3] = 0;
        memset(buf + 4, 'x', 60);
        out_append(c, buf, 64);
        break;
    case K_GARBAGE: {
        size_t n = 16 + rnd(c) % 400;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rnd(c);
        if (rnd(c) & 1) { /* half of them: a good header around a bad body */
            buf[0] = 0, buf[1] = 0, buf[2] = (uint8_t)((n - 4) >> 8), buf[3] = (uint8_t)(n - 4);
        }
        out_append(c, buf, n);
        break;
    }
    case K_NOREAD:
        for (int i = 0; i < 64; i++)
            queue_request(c);
        break;
    case K_HEADER: /* declares 1 MiB, sends none of it */
        buf[0] = 0, buf[1] = 0x10, buf[2] = 0, buf[3] = 0;
        out_append(c, buf, 4);
        break;
    case K_HEAVYHC:
        for (int i = 0; i < 4; i++)
            queue_heavy(c);
        break;
    default:
        break;
    }
}

static void client_close(client *c, double now, bool by_server)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->connected = false;
    c->waiting = false;
    c->out_len = c->out_off = c->in_len = 0;
    if (by_server)
        cut[c->k]++;
    c->reconnect_at = now + (c->k == K_GOOD ? 0 : 0.05 + rnd_in(c, 0, 0.2));
    c->next_send = c->reconnect_at;
}

static void client_connect(client *c)
{
    c->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        perror("socket (raise ulimit -n?)");
        exit(1);
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (c->k == K_NOREAD) {
        /* A small receive window: the server's unsent output backs up at
         * once instead of after megabytes of kernel buffer. */
        int small = 4096;
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    if (connect(c->fd, (struct sockaddr *)&addr, addr_len) != 0 && errno != EINPROGRESS) {
        if (c->k == K_GOOD)
            fail("connect: %s%s", strerror(errno), "");
        client_close(c, now_s() + 0.1, false);
        return;
    }
    connects[c->k]++;
    c->connected = false; /* until POLLOUT */
    if (c->k == K_GOOD) {
        queue_request(c);
        c->waiting = true;
    } else {
        queue_misbehaviour(c);
    }
}

/* Checks complete answers of a good client; queues the next request. */
static void good_answers(client *c)
{
    size_t off = 0;
    for (;;) {
        uint32_t blen = 0;
        vw_frame_status st = vw_frame_parse(c->in + off, c->in_len - off, IN_MAX, &blen);
        if (st == VW_FRAME_NEED_MORE)
            break;
        if (st != VW_FRAME_OK) {
            fail("bad frame from the server%s%s", "", "");
            client_close(c, now_s(), false);
            return;
        }
        vw_err err;
        vw_reply *r = vw_reply_decode(c->in + off + VW_FRAME_HEADER, blen, IN_MAX, &err);
        off += VW_FRAME_HEADER + blen;
        requests++;
        if (r == NULL) {
            fail("undecodable answer: %s%s", err.message, "");
        } else if (!vw_reply_ok(r)) {
            vw_reply_error(r, &err);
            fail("error answer: %s: %s", err.code, err.message);
        } else if (vw_reply_id(r) != c->id) {
            fail("answer for the wrong request%s%s", "", "");
        }
        vw_reply_free(r);
        c->waiting = false;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    if (!c->waiting) {
        queue_request(c);
        c->waiting = true;
    }
}

static void on_readable(client *c, double now)
{
    for (;;) {
        if (c->in_len == c->in_cap) {
            size_t cap = c->in_cap ? c->in_cap * 2 : 16384;
            if (cap > IN_MAX + VW_FRAME_HEADER) {
                fail("answer too large%s%s", "", "");
                client_close(c, now, false);
                return;
            }
            uint8_t *nb = realloc(c->in, cap);
            if (nb == NULL) {
                perror("realloc");
                exit(1);
            }
            c->in = nb;
            c->in_cap = cap;
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (r > 0) {
            if (c->k == K_GOOD)
                c->in_len += (size_t)r;
            continue; /* misbehaving clients throw their answers away */
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* closed or reset by the server */
        if (c->k == K_GOOD)
            fail("the server closed a well-behaved connection (%s)%s",
                 r == 0 ? "EOF" : strerror(errno), "");
        client_close(c, now, c->k != K_GOOD);
        return;
    }
    if (c->k == K_GOOD)
        good_answers(c);
}

static void on_writable(client *c, double now)
{
    c->connected = true;
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w > 0) {
            c->out_off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (c->k == K_GOOD)
            fail("send to the server failed: %s%s", strerror(errno), "");
        client_close(c, now, c->k != K_GOOD);
        return;
    }
    c->out_len = c->out_off = 0;
    if (c->k == K_HEAVYHC)
        shutdown(c->fd, SHUT_WR); /* all sent: the answers still come */
    if (c->k == K_NOREAD)
        queue_misbehaviour(c); /* keep pushing */
    if (c->k == K_GARBAGE)
        c->next_send = now + 0.2; /* the connection survived: more, a little later */
}

static long rss_kb(int pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = atol(line + 6);
            break;
        }
    fclose(f);
    return kb;
}

static void load_ids(void)
{
    char line[256];
    size_t cap = 0;
    FILE *f = fopen(opt.ids_file, "r");
    if (f == NULL) {
        perror(opt.ids_file);
        exit(2);
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        if (n_ids == cap) {
            cap = cap ? cap * 2 : 1024;
            ids = realloc(ids, cap * sizeof *ids);
        }
        ids[n_ids++] = strdup(line);
    }
    fclose(f);
}

static void resolve(void)
{
    char host[256], port[8];
    vw_err err;
    if (vw_hostport_split(opt.server, host, sizeof host, port, sizeof port, &err) != 0) {
        fprintf(stderr, "itest_soak: --server: %s\n", err.message);
        exit(2);
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, port, &hints, &ai) != 0) {
        fprintf(stderr, "itest_soak: cannot resolve %s\n", opt.server);
        exit(2);
    }
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    addr_len = ai->ai_addrlen;
    freeaddrinfo(ai);
}

static void parse_args(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'}, {"pid", required_argument, NULL, 'p'},
        {"ids", required_argument, NULL, 'i'},    {"conns", required_argument, NULL, 'c'},
        {"bad", required_argument, NULL, 'b'},    {"seconds", required_argument, NULL, 't'},
        {"warmup", required_argument, NULL, 'w'}, {"rss-growth", required_argument, NULL, 'g'},
        {"sanitized", no_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's': opt.server = optarg; break;
        case 'p': opt.pid = atoi(optarg); break;
        case 'i': opt.ids_file = optarg; break;
        case 'c': opt.conns = atoi(optarg); break;
        case 'b': opt.bad = atoi(optarg); break;
        case 't': opt.seconds = atoi(optarg); break;
        case 'w': opt.warmup = atoi(optarg); break;
        case 'g': opt.rss_growth = atof(optarg); break;
        case 'n': opt.sanitized = true; break;
        default: exit(2);
        }
    }
    if (!opt.server || opt.pid <= 0 || !opt.ids_file || opt.conns < 1 || opt.bad < 0 ||
        opt.seconds < 1 || opt.warmup < 0) {
        fprintf(stderr, "usage: itest_soak --server HOST:PORT --pid PID --ids FILE [--conns N] "
                        "[--bad N] [--seconds S] [--warmup S] [--rss-growth F] [--sanitized]\n");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    load_ids();
    resolve();

    int n = opt.conns + opt.bad;
    client *cl = calloc((size_t)n, sizeof *cl);
    struct pollfd *pf = calloc((size_t)n, sizeof *pf);
    long *rss = calloc((size_t)opt.seconds + 2, sizeof *rss);
    if (!cl || !pf || !rss)
        return 1;
    for (int i = 0; i < n; i++) {
        cl[i].fd = -1;
        cl[i].k = i < opt.conns ? K_GOOD : (kind)(K_STALL + (i - opt.conns) % N_BAD_KINDS);
        cl[i].rng = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
    }

    double t0 = now_s(), next_sample = t0 + 1, end = t0 + opt.seconds;
    int n_rss = 0;
    while (now_s() < end) {
        double now = now_s();
        for (int i = 0; i < n; i++) {
            client *c = &cl[i];
            if (c->fd < 0 && now >= c->reconnect_at)
                client_connect(c);
            if (c->k == K_GARBAGE && c->fd >= 0 && c->connected && c->out_len == 0 &&
                now >= c->next_send)
                queue_misbehaviour(c);
            pf[i].fd = c->fd;
            pf[i].events = 0;
            pf[i].revents = 0;
            if (c->fd < 0)
                continue;
            if (c->k != K_NOREAD || !c->connected)
                pf[i].events |= POLLIN;
            if (c->out_off < c->out_len || !c->connected)
                pf[i].events |= POLLOUT;
        }
        int r = poll(pf, (nfds_t)n, 50);
        if (r < 0 && errno != EINTR) {
            perror("poll");
            return 1;
        }
        now = now_s();
        for (int i = 0; r > 0 && i < n; i++) {
            client *c = &cl[i];
            short ev = pf[i].revents;
            if (c->fd < 0 || ev == 0)
                continue;
            if (ev & POLLOUT)
                on_writable(c, now);
            if (c->fd >= 0 && (ev & (POLLIN | POLLHUP | POLLERR))) {
                if (c->k == K_NOREAD && (ev & POLLIN) == 0) {
                    client_close(c, now, true); /* cut off while not reading */
                } else {
                    on_readable(c, now);
                }
            }
        }
        if (now >= next_sample) {
            rss[n_rss++] = rss_kb(opt.pid);
            next_sample += 1;
        }
    }
    double elapsed = now_s() - t0;
    int busy = 0;
    for (int i = 0; i < opt.conns; i++)
        busy += cl[i].fd >= 0;

    long lo = -1, hi = -1;
    for (int i = opt.warmup > 0 ? opt.warmup - 1 : 0; i < n_rss; i++) { /* rss[i]: second i+1 */
        if (rss[i] < 0)
            continue;
        if (lo < 0 || rss[i] < lo)
            lo = rss[i];
        if (rss[i] > hi)
            hi = rss[i];
    }
    double growth = lo > 0 ? (double)(hi - lo) / (double)lo : 0;

    printf("soak: %d well-behaved + %d misbehaving connections for %.0f s against %s\n",
           opt.conns, opt.bad, elapsed, opt.server);
    printf("requests: %llu answered (%.0f/s), failed: %llu\n", requests,
           (double)requests / elapsed, failures);
    printf("mix (well-behaved): ");
    for (int o = 0; o < OP_COUNT; o++)
        printf("%s %llu%s", op_name[o], by_op[o], o + 1 < OP_COUNT ? ", " : "\n");
    printf("well-behaved connections open at the end: %d of %d\n", busy, opt.conns);
    printf("misbehaving clients cut off by the server (connections made): ");
    for (int k = K_STALL; k < K_COUNT; k++)
        printf("%s %llu (%llu)%s", kind_name[k], cut[k], connects[k], k + 1 < K_COUNT ? ", " : "\n");
    printf("verwijsd VmRSS from second %d on: min %.1f MB, max %.1f MB, growth %.1f%% "
           "(limit %.0f%%); samples:", opt.warmup, (double)lo / 1024, (double)hi / 1024,
           growth * 100, opt.rss_growth * 100);
    for (int i = 0; i < n_rss; i++)
        printf(" %ld", rss[i] / 1024);
    printf(" MB\n");
    if (failures)
        printf("first failure: %s\n", first_failure);

    int rc = 0;
    if (failures || busy != opt.conns)
        rc = 1;
    if (!opt.sanitized && (lo <= 0 || growth > opt.rss_growth)) {
        printf("FAIL: resident memory not flat\n");
        rc = 1;
    }
    for (int k = K_STALL; !opt.sanitized && opt.bad >= N_BAD_KINDS && k < K_COUNT; k++)
        if (cut[k] == 0) {
            printf("FAIL: no %s client was ever cut off\n", kind_name[k]);
            rc = 1;
        }
    for (int i = 0; i < n; i++) {
        if (cl[i].fd >= 0)
            close(cl[i].fd);
        free(cl[i].in);
        free(cl[i].out);
    }
    for (size_t i = 0; i < n_ids; i++)
        free(ids[i]);
    free(ids);
    free(cl);
    free(pf);
    free(rss);
    return rc;
}
