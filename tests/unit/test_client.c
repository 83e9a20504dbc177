/* test_client.c -- libverwijs (client/lib/verwijs.c) against scripted fake servers
 * on loopback: the paths a well-behaved verwijsd never takes. Several frames
 * in one read, a frame trickling in byte by byte, answers out of order, a
 * frame above max_frame, malformed bodies, the peer closing, the peer going
 * silent (timeout), error answers (typed, and connection-level with id 0),
 * connect failures. The real daemon is covered by tests/integration.
 *
 * Each fake server is a forked child that accepts one connection, reads a
 * given number of request frames, writes prepared bytes (in chunks of a given
 * size) and then either closes or stays silent until killed. */
#include <arpa/inet.h>
#include <errno.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/lib/verwijs.h"
#include "proto/frame.h"
#include "t.h"

typedef struct script {
    int read_frames;      /* request frames to read before answering */
    const char *out;      /* bytes to write */
    size_t out_len;
    size_t chunk;         /* write in pieces of this size (0 = all at once) */
    bool stay_silent;     /* keep the connection open after writing */
} script;

typedef struct fake {
    pid_t pid;
    char hostport[64];
} fake;

static bool read_full(int fd, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        c += r;
        n -= (size_t)r;
    }
    return true;
}

static void child_serve(int lfd, const script *s)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        _exit(1);
    for (int i = 0; i < s->read_frames; i++) {
        unsigned char h[4], body[4096];
        if (!read_full(fd, h, 4))
            _exit(2);
        uint32_t n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        if (n > sizeof body || !read_full(fd, body, n))
            _exit(3);
    }
    size_t off = 0, chunk = s->chunk ? s->chunk : s->out_len;
    while (off < s->out_len) {
        size_t k = s->out_len - off < chunk ? s->out_len - off : chunk;
        ssize_t w = write(fd, s->out + off, k);
        if (w <= 0)
            _exit(4);
        off += (size_t)w;
        if (s->chunk)
            usleep(1000); /* so the client sees separate reads */
    }
    if (s->stay_silent)
        pause();
    close(fd);
    _exit(0);
}

/* Starts a fake server for `s` on 127.0.0.1 (kernel-chosen port). */
static bool fake_start(fake *f, const script *s)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0) {
        if (lfd >= 0)
            close(lfd);
        return false;
    }
    snprintf(f->hostport, sizeof f->hostport, "127.0.0.1:%u", ntohs(sa.sin_port));
    fflush(NULL);
    f->pid = fork();
    if (f->pid == 0)
        child_serve(lfd, s);
    close(lfd);
    return f->pid > 0;
}

static void fake_stop(fake *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGKILL);
        waitpid(f->pid, NULL, 0);
        f->pid = 0;
    }
}

/* ---- building server answers ---- */

static void add_ok(msgpack_sbuffer *sb, uint64_t id, const char *result)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    size_t st = vw_frame_begin(sb);
    vw_pack_ok_head(&pk, id);
    vw_pack_cstr(&pk, result);
    vw_frame_end(sb, st);
}

static void add_error(msgpack_sbuffer *sb, uint64_t id, const char *code, const char *msg)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    size_t st = vw_frame_begin(sb);
    vw_pack_error(&pk, id, code, msg);
    vw_frame_end(sb, st);
}

static void add_raw_frame(msgpack_sbuffer *sb, uint32_t declared, const void *body, size_t n)
{
    uint8_t h[4];
    vw_frame_put_header(h, declared);
    msgpack_sbuffer_write(sb, (const char *)h, 4);
    if (n)
        msgpack_sbuffer_write(sb, body, n);
}

static bool result_is(const vw_reply *r, const char *s)
{
    const msgpack_object *o = r ? vw_reply_result(r) : NULL;
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
           memcmp(o->via.str.ptr, s, strlen(s)) == 0;
}

static vw_client *connect_fake(const fake *f, int io_timeout_ms, uint32_t max_frame)
{
    vw_client_opts o;
    vw_err err;
    vw_client_opts_default(&o);
    o.io_timeout_ms = io_timeout_ms;
    if (max_frame)
        o.max_frame = max_frame;
    vw_client *c = vw_client_connect_tcp(f->hostport, &o, &err);
    if (c == NULL)
        fprintf(stderr, "connect %s: %s\n", f->hostport, err.message);
    return c;
}

/* ---- tests ---- */

/* Three answers written at once are taken from one buffer, in order. */
static void test_pipelined_in_one_write(void)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    add_ok(&sb, 1, "one");
    add_error(&sb, 2, "not_found", "no such provider");
    add_ok(&sb, 3, "three");
    script s = {.read_frames = 3, .out = sb.data, .out_len = sb.size};
    fake f;
    vw_err err;
    CHECK(fake_start(&f, &s));
    vw_client *c = connect_fake(&f, 5000, 0);
    CHECK(c != NULL);
    if (c) {
        CHECK(vw_client_send(c, "ping", NULL, 0, &err) == 1);
        CHECK(vw_client_send(c, "provider.get", NULL, 0, &err) == 2);
        CHECK(vw_client_send(c, "ping", NULL, 0, &err) == 3);
        /* A call now would get the answer of request 1: refused, nothing lost. */
        CHECK(vw_client_call(c, "ping", NULL, 0, &err) == NULL);
        CHECK_STR(err.code, "protocol");
        vw_reply *r1 = vw_client_recv(c, NULL); /* err may be NULL */
        vw_reply *r2 = vw_client_recv(c, &err);
        vw_reply *r3 = vw_client_recv(c, &err);
        CHECK(r1 && vw_reply_ok(r1) && vw_reply_id(r1) == 1 && result_is(r1, "one"));
        CHECK(r2 && !vw_reply_ok(r2) && vw_reply_id(r2) == 2 && vw_reply_result(r2) == NULL);
        if (r2) {
            vw_reply_error(r2, &err);
            CHECK_STR(err.code, "not_found");
            CHECK_STR(err.message, "no such provider");
            CHECK(!vw_err_is_local(&err));
        }
        CHECK(r3 && vw_reply_ok(r3) && vw_reply_id(r3) == 3 && result_is(r3, "three"));
        vw_reply_free(r1);
        vw_reply_free(r2);
        vw_reply_free(r3);
        /* Nothing is awaited any more: recv says so at once. */
        CHECK(vw_client_recv(c, &err) == NULL);
        CHECK_STR(err.code, "protocol");
    }
    vw_client_free(c);
    fake_stop(&f);
    msgpack_sbuffer_destroy(&sb);
}

/* Two answers arriving one byte at a time. */
static void test_trickle(void)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    add_ok(&sb, 1, "slow");
    add_ok(&sb, 2, "slower");
    script s = {.read_frames = 2, .out = sb.data, .out_len = sb.size, .chunk = 1};
    fake f;
    vw_err err;
    CHECK(fake_start(&f, &s));
    vw_client *c = connect_fake(&f, 5000, 0);
    CHECK(c != NULL);
    if (c) {
        CHECK(vw_client_send(c, "ping", NULL, 0, &err) == 1);
        CHECK(vw_client_send(c, "ping", NULL, 0, &err) == 2);
        vw_reply *r = vw_client_recv(c, &err);
        CHECK(r && result_is(r, "slow"));
        vw_reply_free(r);
        r = vw_client_recv(c, &err);
        CHECK(r && result_is(r, "slower"));
        vw_reply_free(r);
    }
    vw_client_free(c);
    fake_stop(&f);
    msgpack_sbuffer_destroy(&sb);
}

/* vw_client_call: an error answer becomes NULL + the server's code. */
static void test_call_error(void)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    add_error(&sb, 1, "bad_request", "unknown discipline 'fysio'");
    add_ok(&sb, 2, "still usable");
    script s = {.read_frames = 1, .out = sb.data, .out_len = sb.size};
    fake f;
    vw_err err;
    CHECK(fake_start(&f, &s));
    vw_client *c = connect_fake(&f, 5000, 0);
    if (c) {
        CHECK(vw_client_call(c, "match", NULL, 0, &err) == NULL);
        CHECK_STR(err.code, "bad_request");
        CHECK_STR(err.message, "unknown discipline 'fysio'");
        CHECK(!vw_err_is_local(&err));
        vw_reply *r = vw_client_call(c, "ping", NULL, 0, &err);
        CHECK(r && result_is(r, "still usable"));
        vw_reply_free(r);
    }
    vw_client_free(c);
    fake_stop(&f);
    msgpack_sbuffer_destroy(&sb);
}

/* Answers that break the protocol each give a "protocol" error, and the
 * connection is not used any further. */
static void expect_protocol_error(const char *what, const msgpack_sbuffer *answer,
                                  uint32_t max_frame, const char *want_code)
{
    script s = {.read_frames = 1, .out = answer->data, .out_len = answer->size,
                .stay_silent = true};
    fake f;
    vw_err err;
    CHECK(fake_start(&f, &s));
    vw_client *c = connect_fake(&f, 5000, max_frame);
    CHECK(c != NULL);
    if (c) {
        CHECK(vw_client_send(c, "ping", NULL, 0, &err) == 1);
        vw_reply *r = vw_client_recv(c, &err);
        CHECK(r == NULL);
        if (r != NULL || strcmp(err.code, want_code) != 0)
            fprintf(stderr, "%s: got %s: %s\n", what, r ? "a reply" : err.code,
                    r ? "" : err.message);
        CHECK_STR(err.code, want_code);
        vw_reply_free(r);
        if (strcmp(want_code, "protocol") == 0) {
            /* The stream position is lost: later calls fail at once. */
            CHECK(vw_client_send(c, "ping", NULL, 0, &err) == 0);
            CHECK(vw_err_is_local(&err));
        }
    }
    vw_client_free(c);
    fake_stop(&f);
}

static void test_protocol_errors(void)
{
    msgpack_sbuffer sb;
    static const uint8_t reserved[] = {0xc1};
    static const uint8_t not_a_map[] = {0x93, 0x01, 0x02, 0x03};
    static const uint8_t bad_utf8[] = {0x81, 0xa1, 'v', 0xa2, 0xc3, 0x28};
    static const uint8_t trailing[] = {0x80, 0x00};

    msgpack_sbuffer_init(&sb);
    add_ok(&sb, 7, "for another request");
    expect_protocol_error("wrong id", &sb, 0, "protocol");
    msgpack_sbuffer_destroy(&sb);

    msgpack_sbuffer_init(&sb);
    add_raw_frame(&sb, 2000, NULL, 0); /* header only: must not wait for the body */
    expect_protocol_error("frame above max_frame", &sb, 1024, "protocol");
    msgpack_sbuffer_destroy(&sb);

    msgpack_sbuffer_init(&sb);
    add_raw_frame(&sb, 0, NULL, 0);
    expect_protocol_error("empty frame", &sb, 0, "protocol");
    msgpack_sbuffer_destroy(&sb);

    msgpack_sbuffer_init(&sb);
    add_raw_frame(&sb, sizeof reserved, reserved, sizeof reserved);
    expect_protocol_error("reserved byte", &sb, 0, "protocol");
    msgpack_sbuffer_destroy(&sb);

    msgpack_sbuffer_init(&sb);
    add_raw_frame(&sb, sizeof not_a_map, not_a_map, sizeof not_a_map);
    expect_protocol_error("not a map", &sb, 0, "protocol");
    msgpack_sbuffer_destroy(&sb);

    msgpack_sbuffer_init(&sb);
    add_raw_frame(&sb, sizeof bad_utf8, bad_utf8, sizeof bad_utf8);
    expect_protocol_error("invalid UTF-8", &sb, 0, "protocol");
    msgpack_sbuffer_destroy(&sb);

    msgpack_sbuffer_init(&sb);
    add_raw_frame(&sb, sizeof trailing, trailing, sizeof trailing);
    expect_protocol_error("trailing byte", &sb, 0, "protocol");
    msgpack_sbuffer_destroy(&sb);

    /* A map without the envelope keys. */
    msgpack_sbuffer_init(&sb);
    {
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        size_t st = vw_frame_begin(&sb);
        msgpack_pack_map(&pk, 1);
        vw_pack_kv_str(&pk, "hello", "world");
        vw_frame_end(&sb, st);
    }
    expect_protocol_error("no envelope", &sb, 0, "protocol");
    msgpack_sbuffer_destroy(&sb);

    /* A connection-level error (id 0, e.g. too_large) carries the server's code. */
    msgpack_sbuffer_init(&sb);
    add_error(&sb, 0, "too_large", "frame of 9999999 bytes");
    expect_protocol_error("id 0 error", &sb, 0, "too_large");
    msgpack_sbuffer_destroy(&sb);
}

static void test_closed_and_silent(void)
{
    fake f;
    vw_err err;
    /* The peer reads the request and closes: "io". */
    script closes = {.read_frames = 1};
    CHECK(fake_start(&f, &closes));
    vw_client *c = connect_fake(&f, 5000, 0);
    if (c) {
        CHECK(vw_client_send(c, "ping", NULL, 0, &err) == 1);
        CHECK(vw_client_recv(c, &err) == NULL);
        CHECK_STR(err.code, "io");
        CHECK(vw_err_is_local(&err));
    }
    vw_client_free(c);
    fake_stop(&f);

    /* Half a frame, then silence: "timeout" (the wait is bounded, not a
     * timing assertion). */
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    add_ok(&sb, 1, "never finished");
    script silent = {.read_frames = 1, .out = sb.data, .out_len = sb.size - 3,
                     .stay_silent = true};
    CHECK(fake_start(&f, &silent));
    c = connect_fake(&f, 100, 0);
    if (c) {
        CHECK(vw_client_send(c, "ping", NULL, 0, &err) == 1);
        CHECK(vw_client_recv(c, &err) == NULL);
        CHECK_STR(err.code, "timeout");
        CHECK(vw_err_is_local(&err));
        /* Half a frame is buffered: the connection cannot be used any more. */
        CHECK(vw_client_send(c, "ping", NULL, 0, &err) == 0);
        CHECK_STR(err.code, "io");
        CHECK(vw_client_recv(c, NULL) == NULL);
    }
    vw_client_free(c);
    fake_stop(&f);
    msgpack_sbuffer_destroy(&sb);
}

static void test_connect_errors(void)
{
    vw_err err;
    /* A port nobody listens on: bind one, note it, close it. */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
          getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
    char hp[64];
    snprintf(hp, sizeof hp, "127.0.0.1:%u", ntohs(sa.sin_port));
    if (fd >= 0)
        close(fd);
    CHECK(vw_client_connect_tcp(hp, NULL, &err) == NULL);
    CHECK_STR(err.code, "connect");
    CHECK(vw_err_is_local(&err));

    static const char *bad[] = {"localhost", ":4747", "127.0.0.1:", "[::1]", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(err.code, "none");
        CHECK(vw_client_connect_tcp(bad[i], NULL, &err) == NULL);
        CHECK_STR(err.code, "connect");
    }
    CHECK(vw_client_connect_unix("/nonexistent-dir-verwijs/verwijsd.sock", NULL, &err) == NULL);
    CHECK_STR(err.code, "connect");
    char longpath[300];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    CHECK(vw_client_connect_unix(longpath, NULL, &err) == NULL);
    CHECK_STR(err.code, "connect");
    vw_client_free(NULL);
    vw_reply_free(NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_pipelined_in_one_write();
    test_trickle();
    test_call_error();
    test_protocol_errors();
    test_closed_and_silent();
    test_connect_errors();
    return T_DONE();
}
