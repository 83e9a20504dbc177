/* vwload.c -- load generator for verwijsd and, on the same queries, Redis.
 *
 *   vwload --make-queries --geodata DIR --count N [--seed S] [--workload fysio-onco|mix]
 *          > queries.txt
 *   vwload --redis-load HOST:PORT < rows.txt      (id|discipline|expertise|lat|lon)
 *   vwload --target verwijs|redis|redis-lua --addr HOST:PORT --queries FILE
 *          [--op match|ping] [--connections 50] [--pipeline 1] [--duration 10]
 *          [--warmup 2] [--json FILE] [--rate Q] [--fields F] [--pad N]
 *
 * Query origins are drawn population-weighted: each place of places_nl.csv
 * gives its population to the nearest PC4 centroid, and PC4s are drawn by
 * that weight. verwijs gets the PC4 (as GP software sends it), Redis gets the
 * PC4's centroid with GEOSEARCH ... FROMLONLAT lon lat BYRADIUS km km ASC
 * COUNT k on the key geo:<discipline>[:<expertise>], where km is the radius
 * of the travel-time limit. redis-lua is Redis with the records: one EVALSHA
 * of a script (SCRIPT LOAD once, before the run) that does the same
 * GEOSEARCH ... WITHDIST and an HGETALL p:<id> of each hit, returning
 * [[id, km, [field, value, ...]], ...] (the hashes are loaded by
 * bench/redis_records.py). --op ping sends the protocol's ping instead
 * (verwijs: {"op": "ping"}, redis: PING): the ceiling of a round trip that
 * does no work. --pad N (verwijs ping only) asks for N bytes of padding in
 * each answer: the ceiling of a round trip that does no work but carries an
 * answer as large as match's. Latency is measured per request from write to the
 * end of its answer, in a log-linear histogram (1% resolution); no allocation
 * per request. One thread, epoll, non-blocking sockets. Bounded: it stops
 * after --duration seconds.
 *
 * Two ways to load:
 *  - closed loop (default): each connection sends its next request as soon
 *    as an answer frees a pipeline slot. This finds the maximum throughput,
 *    but at saturation its latency is mostly queueing (Little's law).
 *  - open loop (--rate Q): requests follow a fixed schedule of Q per second
 *    in total, request k due at start + k/Q and given to connection k mod
 *    connections. A request is sent when it is due and its connection has a
 *    free pipeline slot; its latency runs from its *scheduled* time, so a
 *    slow answer that holds up the requests behind it is charged to all of
 *    them (no coordinated omission). Requests still unanswered 5 s after the
 *    end are counted as "unfinished" and enter the histogram with the time
 *    they had waited. A timerfd wakes the loop at the next due time.
 * --fields F (verwijs match only) sends the `fields` argument ("ids", or
 * keys such as "id,name,minutes"): what a caller that asks for less costs;
 * the mean answer size in bytes is printed with every run. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/hostport.h"
#include "proto/msg.h"

#define MAXQ 200000
#define INBUF (1 << 20)

typedef struct query {
    int pc4;
    double lat, lon;
    char disc[32], exp[32];
    double minutes, km;
    int k;
    char *wire; /* encoded request for the target */
    size_t wire_len;
} query;

static query *qs;
static int nq;
static const char *fields_arg; /* --fields: NULL = the default answer */
static long pad_arg = -1;      /* --pad: ping's padding bytes; -1 = none asked */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- histogram: buckets of 1% width above 1 us --------------------------- */
#define HB 2000
static uint64_t hist[HB];
static uint64_t hcount;
static int hbucket(double us)
{
    if (us < 1)
        return 0;
    int b = (int)(log(us) / log(1.01)) + 1;
    return b >= HB ? HB - 1 : b;
}
static double hvalue(int b)
{
    return b == 0 ? 1 : pow(1.01, b);
}
static double hpct(double p)
{
    uint64_t want = (uint64_t)ceil(p / 100.0 * (double)hcount), acc = 0;
    for (int b = 0; b < HB; b++) {
        acc += hist[b];
        if (acc >= want && want > 0)
            return hvalue(b);
    }
    return 0;
}

/* ---- queries ------------------------------------------------------------- */
static int load_queries(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    if (!f)
        return -1;
    qs = calloc(MAXQ, sizeof *qs);
    while (fgets(line, sizeof line, f) && nq < MAXQ) {
        query *q = &qs[nq];
        char *fld[8];
        int n = 0;
        char *s = line;
        line[strcspn(line, "\n")] = '\0';
        while (n < 8 && s) {
            fld[n++] = s;
            s = strchr(s, ',');
            if (s)
                *s++ = '\0';
        }
        if (n != 8)
            continue;
        q->pc4 = atoi(fld[0]);
        q->lat = atof(fld[1]);
        q->lon = atof(fld[2]);
        snprintf(q->disc, sizeof q->disc, "%s", fld[3]);
        snprintf(q->exp, sizeof q->exp, "%s", fld[4]);
        q->minutes = atof(fld[5]);
        q->km = atof(fld[6]);
        q->k = atoi(fld[7]);
        nq++;
    }
    fclose(f);
    return nq > 0 ? 0 : -1;
}

static void encode_verwijs(query *q, uint64_t id, int ping)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    char near[8];
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    size_t start = vw_frame_begin(&sb);
    msgpack_pack_map(&pk, ping && pad_arg < 0 ? 3 : 4);
    vw_pack_kv_int(&pk, "v", 1);
    vw_pack_kv_int(&pk, "id", (int64_t)id);
    vw_pack_kv_str(&pk, "op", ping ? "ping" : "match");
    if (ping) {
        if (pad_arg >= 0) {
            vw_pack_cstr(&pk, "args");
            msgpack_pack_map(&pk, 1);
            vw_pack_kv_int(&pk, "pad", pad_arg);
        }
        vw_frame_end(&sb, start);
        q->wire = sb.data;
        q->wire_len = sb.size;
        return;
    }
    vw_pack_cstr(&pk, "args");
    msgpack_pack_map(&pk, 4 + (q->exp[0] != 0) + (fields_arg != NULL));
    snprintf(near, sizeof near, "%04d", q->pc4);
    vw_pack_kv_str(&pk, "near", near);
    vw_pack_kv_str(&pk, "discipline", q->disc);
    if (q->exp[0])
        vw_pack_kv_str(&pk, "expertise", q->exp);
    vw_pack_kv_double(&pk, "within", q->minutes);
    vw_pack_kv_int(&pk, "limit", q->k);
    if (fields_arg)
        vw_pack_kv_str(&pk, "fields", fields_arg);
    vw_frame_end(&sb, start);
    q->wire = sb.data; /* owned by the query from now on */
    q->wire_len = sb.size;
}

/* The records script of --target redis-lua: KEYS[1] the GEO key, ARGV lon,
 * lat, km, k. The hashes p:<id> are not declared keys (one Redis, no cluster). */
static const char lua_records[] =
    "local r = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2], 'BYRADIUS', "
    "ARGV[3], 'km', 'ASC', 'COUNT', ARGV[4], 'WITHDIST') "
    "for i = 1, #r do r[i][3] = redis.call('HGETALL', 'p:' .. r[i][1]) end "
    "return r";
static char lua_sha[41];

/* One RESP command of argc arguments into a new buffer (owned by q). */
static void encode_resp(query *q, int argc, const char *const *argv)
{
    size_t cap = 64, len = 0;
    for (int i = 0; i < argc; i++)
        cap += strlen(argv[i]) + 16;
    char *buf = malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        len += (size_t)snprintf(buf + len, cap - len, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
    q->wire = buf;
    q->wire_len = len;
}

static void encode_redis(query *q, int lua, int ping)
{
    char key[80], lon[32], lat[32], km[32], k[16];
    snprintf(key, sizeof key, "geo:%s%s%s", q->disc, q->exp[0] ? ":" : "", q->exp);
    snprintf(lon, sizeof lon, "%.6f", q->lon);
    snprintf(lat, sizeof lat, "%.6f", q->lat);
    snprintf(km, sizeof km, "%.6f", q->km);
    snprintf(k, sizeof k, "%d", q->k);
    const char *search[] = {"GEOSEARCH", key, "FROMLONLAT", lon, lat, "BYRADIUS", km, "km",
                            "ASC", "COUNT", k};
    const char *eval[] = {"EVALSHA", lua_sha, "1", key, lon, lat, km, k};
    const char *pingv[] = {"PING"};
    if (ping)
        encode_resp(q, 1, pingv);
    else if (lua)
        encode_resp(q, 8, eval);
    else
        encode_resp(q, 11, search);
}

/* ---- reply parsing: length of one complete reply at p, 0 if incomplete --- */
static size_t redis_reply_len(const char *p, size_t n, int *is_err);
static size_t redis_line(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n')
            return i + 2;
    return 0;
}
static size_t redis_reply_len(const char *p, size_t n, int *is_err)
{
    size_t l = redis_line(p, n);
    if (l == 0)
        return 0;
    switch (p[0]) {
    case '-': *is_err = 1; return l;
    case '+':
    case ':': return l;
    case '$': {
        long bl = atol(p + 1);
        if (bl < 0)
            return l;
        return n >= l + (size_t)bl + 2 ? l + (size_t)bl + 2 : 0;
    }
    case '*': {
        long cnt = atol(p + 1);
        size_t off = l;
        for (long i = 0; i < cnt; i++) {
            size_t e = redis_reply_len(p + off, n - off, is_err);
            if (e == 0)
                return 0;
            off += e;
        }
        return off;
    }
    default: *is_err = 1; return l;
    }
}

/* ---- connections ----------------------------------------------------------- */
typedef struct conn {
    int fd;
    char *in;
    size_t in_len;
    double sent_at[256]; /* ring of send times of requests in flight */
    int head, inflight;
    char *out;
    size_t out_len, out_off;
    int ci;           /* index of the connection */
    uint64_t sched;   /* open loop: this connection's next request number */
    double next_due;  /* open loop: when it is due */
} conn;

static int is_redis, pipeline = 1, nconns;
static uint64_t done_req, errors, next_q, unfinished, answer_bytes;
static double measure_from, stop_at, rate, t_start;

/* Open loop: the due time of connection ci's request number j (the
 * (j * nconns + ci)-th request overall). */
static double due_time(int ci, uint64_t j)
{
    return t_start + (double)(j * (uint64_t)nconns + (uint64_t)ci) / rate;
}

static int dial(const char *hostport)
{
    char host[256], port[8];
    if (vw_hostport_split(hostport, host, sizeof host, port, sizeof port, NULL) != 0)
        return -1;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        freeaddrinfo(ai);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    freeaddrinfo(ai);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static void queue_requests(conn *c, double t)
{
    for (;;) {
        double at = t; /* closed loop: now; open loop: the scheduled time */
        if (c->inflight >= pipeline)
            break;
        if (rate > 0) {
            if (c->next_due > t || c->next_due >= stop_at)
                break;
            at = c->next_due;
        } else if (t >= stop_at) {
            break;
        }
        query *q = &qs[next_q % (uint64_t)nq];
        if (c->out_len + q->wire_len > 1 << 20)
            break;
        next_q++;
        memcpy(c->out + c->out_len, q->wire, q->wire_len);
        c->out_len += q->wire_len;
        c->sent_at[(c->head + c->inflight) % 256] = at;
        c->inflight++;
        if (rate > 0)
            c->next_due = due_time(c->ci, ++c->sched);
    }
}

static int flush_out(conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (w < 0)
            return (errno == EAGAIN) ? 0 : -1;
        c->out_off += (size_t)w;
    }
    c->out_len = c->out_off = 0;
    return 0;
}

static int on_readable(conn *c, double t)
{
    for (;;) {
        ssize_t r = read(c->fd, c->in + c->in_len, INBUF - c->in_len);
        if (r == 0)
            return -1;
        if (r < 0) {
            if (errno == EAGAIN)
                break;
            return -1;
        }
        c->in_len += (size_t)r;
        size_t off = 0;
        for (;;) {
            size_t len = 0;
            int err = 0;
            if (is_redis) {
                len = redis_reply_len(c->in + off, c->in_len - off, &err);
            } else if (c->in_len - off >= 4) {
                uint32_t b;
                if (vw_frame_parse((const uint8_t *)c->in + off, c->in_len - off, 64u << 20, &b) ==
                    VW_FRAME_OK) {
                    len = 4 + b;
                    /* "ok": false appears as the key "ok" followed by 0xc2. */
                    err = memmem(c->in + off, len, "\xa2ok\xc2", 4) != NULL;
                }
            }
            if (len == 0)
                break;
            double sent = c->sent_at[c->head];
            c->head = (c->head + 1) % 256;
            c->inflight--;
            if (sent >= measure_from) {
                hist[hbucket((t - sent) * 1e6)]++;
                hcount++;
                done_req++;
                errors += (uint64_t)err;
                answer_bytes += len;
            }
            off += len;
        }
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
        if (c->in_len == INBUF)
            return -1;
    }
    return 0;
}

/* Open loop: arms the timer for the earliest due request of a connection
 * with a free slot (others wake up when an answer arrives). */
static void arm_timer(int tfd, const conn *cs, int nconn)
{
    double next = INFINITY;
    for (int i = 0; i < nconn; i++)
        if (cs[i].inflight < pipeline && cs[i].next_due < stop_at && cs[i].next_due < next)
            next = cs[i].next_due;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (isfinite(next)) {
        its.it_value.tv_sec = (time_t)next;
        its.it_value.tv_nsec = (long)((next - (double)(time_t)next) * 1e9);
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
            its.it_value.tv_nsec = 1; /* 0 would disarm */
    }
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Open loop, at the end: requests of the measured window that never got an
 * answer (in flight, or never sent) enter the histogram with the time they
 * had waited by `t`, and are counted as unfinished. */
static void count_unfinished(conn *cs, int nconn, double t)
{
    for (int i = 0; i < nconn; i++) {
        conn *c = &cs[i];
        for (int k = 0; k < c->inflight; k++) {
            double at = c->sent_at[(c->head + k) % 256];
            if (at >= measure_from) {
                hist[hbucket((t - at) * 1e6)]++;
                hcount++;
                unfinished++;
            }
        }
        for (double at = c->next_due; rate > 0 && at < stop_at; at = due_time(i, ++c->sched))
            if (at >= measure_from) {
                hist[hbucket((t - at) * 1e6)]++;
                hcount++;
                unfinished++;
            }
    }
}

static bool busy(const conn *cs, int nconn)
{
    for (int i = 0; i < nconn; i++)
        if (cs[i].inflight > 0 || (rate > 0 && cs[i].next_due < stop_at))
            return true;
    return false;
}

static int run_load(const char *addr, int nconn, double duration, double warmup,
                    const char *json_path, const char *label)
{
    conn *cs = calloc((size_t)nconn, sizeof *cs);
    int ep = epoll_create1(0), tfd = -1;
    double t0 = now_s();
    nconns = nconn;
    t_start = t0;
    measure_from = t0 + warmup;
    stop_at = measure_from + duration;
    if (rate > 0) {
        prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake up on time, not up to 50 us late */
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
        if (tfd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) != 0) {
            fprintf(stderr, "vwload: timerfd failed\n");
            return 1;
        }
    }
    for (int i = 0; i < nconn; i++) {
        cs[i].ci = i;
        cs[i].next_due = due_time(i, 0);
        cs[i].fd = dial(addr);
        if (cs[i].fd < 0) {
            fprintf(stderr, "vwload: cannot connect to %s\n", addr);
            return 1;
        }
        cs[i].in = malloc(INBUF);
        cs[i].out = malloc(1 << 20);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = &cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }
    if (rate > 0) { /* the schedule starts now that every connection is open */
        t_start = now_s();
        for (int i = 0; i < nconn; i++)
            cs[i].next_due = due_time(i, 0);
        measure_from = t_start + warmup;
        stop_at = measure_from + duration;
    }
    for (int i = 0; i < nconn; i++) {
        queue_requests(&cs[i], now_s());
        flush_out(&cs[i]);
    }
    struct epoll_event evs[256];
    double t;
    for (;;) {
        t = now_s();
        if (t >= stop_at && (!busy(cs, nconn) || t > stop_at + 5))
            break;
        if (rate > 0)
            arm_timer(tfd, cs, nconn);
        int n = epoll_wait(ep, evs, 256, 100);
        t = now_s();
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (c == NULL) { /* the timer: send whatever is due, below */
                uint64_t ticks;
                if (read(tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                    return 1;
                continue;
            }
            if ((evs[i].events & EPOLLIN) && on_readable(c, t) != 0) {
                fprintf(stderr, "vwload: connection lost\n");
                return 1;
            }
            if (rate <= 0) {
                queue_requests(c, t);
                if (flush_out(c) != 0) {
                    fprintf(stderr, "vwload: write failed\n");
                    return 1;
                }
            }
        }
        if (rate > 0)
            for (int i = 0; i < nconn; i++) {
                queue_requests(&cs[i], t);
                if (flush_out(&cs[i]) != 0) {
                    fprintf(stderr, "vwload: write failed\n");
                    return 1;
                }
            }
    }
    count_unfinished(cs, nconn, t);
    double qps = (double)done_req / duration;
    char mode[48] = "closed";
    if (rate > 0)
        snprintf(mode, sizeof mode, "open %.0f/s", rate);
    double mean_bytes = done_req ? (double)answer_bytes / (double)done_req : 0;
    printf("%-8s conns %3d pipeline %2d %s: %9.0f q/s  p50 %7.1f  p90 %7.1f  p99 %7.1f  "
           "p99.9 %7.1f us  errors %llu  unfinished %llu  answer %.0f B\n",
           label, nconn, pipeline, mode, qps, hpct(50), hpct(90), hpct(99), hpct(99.9),
           (unsigned long long)errors, (unsigned long long)unfinished, mean_bytes);
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (f) {
            fprintf(f,
                    "{\"target\":\"%s\",\"connections\":%d,\"pipeline\":%d,\"mode\":\"%s\","
                    "\"rate_qps\":%.1f,\"duration_s\":%.1f,"
                    "\"requests\":%llu,\"qps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
                    "\"p99_us\":%.1f,\"p999_us\":%.1f,\"errors\":%llu,\"unfinished\":%llu,"
                    "\"answer_bytes\":%.1f}\n",
                    label, nconn, pipeline, rate > 0 ? "open" : "closed", rate > 0 ? rate : 0.0,
                    duration, (unsigned long long)done_req, qps, hpct(50), hpct(90), hpct(99),
                    hpct(99.9), (unsigned long long)errors, (unsigned long long)unfinished,
                    mean_bytes);
            fclose(f);
        }
    }
    return (errors || unfinished) ? 1 : 0;
}

/* ---- making queries ---------------------------------------------------------- */
typedef struct pc4w {
    int pc4;
    double lat, lon, w;
} pc4w;

static int make_queries(const char *dir, int count, unsigned seed, const char *workload)
{
    char path[4096], line[512];
    pc4w *p = calloc(10000, sizeof *p);
    int np = 0, skipped = 0;
    snprintf(path, sizeof path, "%s/pc4_centroids.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    fgets(line, sizeof line, f);
    while (fgets(line, sizeof line, f) && np < 10000) {
        char *a = strtok(line, ","), *b = strtok(NULL, ","), *c = strtok(NULL, ","),
             *d = strtok(NULL, ",\n");
        (void)b;
        if (!a || !c || !d)
            continue;
        double lat = atof(c), lon = atof(d);
        if (lat < 50.7 || lat > 53.7 || lon < 3.3 || lon > 7.3) {
            skipped++;
            continue;
        }
        p[np++] = (pc4w){atoi(a), lat, lon, 0};
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/places_nl.csv", dir);
    f = fopen(path, "r");
    if (!f)
        return 1;
    fgets(line, sizeof line, f);
    while (fgets(line, sizeof line, f)) {
        /* name may be quoted with commas: take the last four fields. */
        char *fl[5];
        int n = 0;
        char *s = line + strlen(line);
        while (n < 4 && s > line) {
            s--;
            if (*s == ',') {
                fl[n++] = s + 1;
                *s = '\0';
            }
        }
        if (n < 4)
            continue;
        double lat = atof(fl[3]), lon = atof(fl[2]), pop = atof(fl[1]);
        int best = -1;
        double bd = 1e18;
        for (int i = 0; i < np; i++) {
            double dl = p[i].lat - lat, dn = (p[i].lon - lon) * 0.61;
            if (dl * dl + dn * dn < bd) {
                bd = dl * dl + dn * dn;
                best = i;
            }
        }
        if (best >= 0 && pop > 0)
            p[best].w += pop;
    }
    fclose(f);
    double total = 0;
    for (int i = 0; i < np; i++)
        total += p[i].w;
    srand(seed);
    static const char *const mixd[] = {"fysiotherapeut", "fysiotherapeut", "fysiotherapeut",
                                       "dietist", "psycholoog", "ergotherapeut", "huisarts",
                                       "oefentherapeut", "logopedist", "maatschappelijk_werker"};
    for (int i = 0; i < count; i++) {
        double x = (double)rand() / RAND_MAX * total, acc = 0;
        int k = 0;
        while (k < np - 1 && (acc += p[k].w) < x)
            k++;
        const char *disc = "fysiotherapeut", *exp = "oncologie";
        double minutes = 15;
        if (strcmp(workload, "mix") == 0) {
            disc = mixd[rand() % 10];
            exp = (rand() % 2 && strcmp(disc, "huisarts") && strcmp(disc, "psycholoog") &&
                   strcmp(disc, "maatschappelijk_werker"))
                      ? "oncologie"
                      : "";
            minutes = (double)(10 + 5 * (rand() % 4));
        }
        printf("%04d,%.6f,%.6f,%s,%s,%g,%.6f,10\n", p[k].pc4, p[k].lat, p[k].lon, disc, exp,
               minutes, minutes / 60.0 * 40.0 / 1.35);
    }
    if (skipped)
        fprintf(stderr, "vwload: skipped %d PC4 rows outside the Netherlands\n", skipped);
    free(p);
    return 0;
}

/* Reads id|discipline|expertise|lat|lon lines and GEOADDs them (pipelined). */
static int redis_load(const char *addr)
{
    int fd = dial(addr);
    char line[1024], *buf = malloc(8 << 20), *in = malloc(1 << 20);
    size_t len = 0;
    long rows = 0, cmds = 0, replies = 0;
    if (fd < 0)
        return 1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        char *id = strtok(line, "|"), *disc = strtok(NULL, "|"), *exp = strtok(NULL, "|"),
             *lat = strtok(NULL, "|"), *lon = strtok(NULL, "|");
        if (!lon) { /* empty expertise: strtok collapsed it */
            lon = lat;
            lat = exp;
            exp = (char *)"";
        }
        if (!id || !disc || !lat || !lon)
            continue;
        char keys[12][96];
        int nk = 0;
        snprintf(keys[nk++], 96, "geo:%s", disc);
        for (char *t = strtok(exp, ";"); t && nk < 12; t = strtok(NULL, ";"))
            snprintf(keys[nk++], 96, "geo:%s:%s", disc, t);
        for (int i = 0; i < nk; i++) {
            len += (size_t)sprintf(buf + len, "*5\r\n$6\r\nGEOADD\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n"
                                              "$%zu\r\n%s\r\n$%zu\r\n%s\r\n",
                                   strlen(keys[i]), keys[i], strlen(lon), lon, strlen(lat), lat,
                                   strlen(id), id);
            cmds++;
        }
        rows++;
        if (len > (7 << 20) || cmds - replies > 5000) {
            if (write(fd, buf, len) != (ssize_t)len)
                return 1;
            len = 0;
            while (replies < cmds) { /* each reply is one ":n\r\n" line */
                ssize_t r = read(fd, in, 1 << 20);
                if (r <= 0)
                    return 1;
                for (ssize_t i = 0; i < r; i++)
                    replies += in[i] == '\n';
            }
        }
    }
    if (len && write(fd, buf, len) != (ssize_t)len)
        return 1;
    while (replies < cmds) {
        ssize_t r = read(fd, in, 1 << 20);
        if (r <= 0)
            return 1;
        for (ssize_t i = 0; i < r; i++)
            replies += in[i] == '\n';
    }
    fprintf(stderr, "vwload: loaded %ld providers into %ld GEO entries\n", rows, cmds);
    close(fd);
    return 0;
}

/* SCRIPT LOAD of lua_records on a connection of its own; the SHA1 into lua_sha. */
static int script_load(const char *addr)
{
    query q = {0};
    const char *argv[] = {"SCRIPT", "LOAD", lua_records};
    char in[256];
    size_t len = 0;
    int fd = dial(addr);
    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    encode_resp(&q, 3, argv);
    ssize_t w = write(fd, q.wire, q.wire_len);
    free(q.wire);
    /* The answer is "$40\r\n<sha1>\r\n" (47 bytes) or an error line. */
    while (w > 0 && len < sizeof in - 1) {
        ssize_t r = read(fd, in + len, sizeof in - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len >= 47 || (in[0] == '-' && memchr(in, '\n', len)))
            break;
    }
    close(fd);
    if (len < 47 || strncmp(in, "$40\r\n", 5) != 0) {
        fprintf(stderr, "vwload: SCRIPT LOAD failed: %.*s\n", (int)len, in);
        return -1;
    }
    memcpy(lua_sha, in + 5, 40);
    lua_sha[40] = '\0';
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"make-queries", no_argument, NULL, 'M'}, {"geodata", required_argument, NULL, 'g'},
        {"count", required_argument, NULL, 'c'},  {"seed", required_argument, NULL, 's'},
        {"workload", required_argument, NULL, 'w'}, {"redis-load", required_argument, NULL, 'R'},
        {"target", required_argument, NULL, 't'}, {"addr", required_argument, NULL, 'a'},
        {"queries", required_argument, NULL, 'q'}, {"connections", required_argument, NULL, 'n'},
        {"pipeline", required_argument, NULL, 'p'}, {"duration", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'W'}, {"json", required_argument, NULL, 'j'},
        {"rate", required_argument, NULL, 'r'},   {"op", required_argument, NULL, 'o'},
        {"fields", required_argument, NULL, 'F'},
        {"pad", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0}};
    int make = 0, count = 20000, nconn = 50, c;
    unsigned seed = 42;
    const char *geo = NULL, *workload = "fysio-onco", *target = NULL, *addr = NULL,
               *qfile = NULL, *json = NULL, *rload = NULL, *op = "match";
    double duration = 10, warmup = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'M': make = 1; break;
        case 'g': geo = optarg; break;
        case 'c': count = atoi(optarg); break;
        case 's': seed = (unsigned)atoi(optarg); break;
        case 'w': workload = optarg; break;
        case 'R': rload = optarg; break;
        case 't': target = optarg; break;
        case 'a': addr = optarg; break;
        case 'q': qfile = optarg; break;
        case 'n': nconn = atoi(optarg); break;
        case 'p': pipeline = atoi(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'W': warmup = atof(optarg); break;
        case 'j': json = optarg; break;
        case 'r': rate = atof(optarg); break;
        case 'o': op = optarg; break;
        case 'F': fields_arg = optarg; break;
        case 'P': {
            char *end;
            errno = 0;
            pad_arg = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || pad_arg < 0)
                pad_arg = -2; /* refused below */
            break;
        }
        default: return 2;
        }
    }
    if (make)
        return geo ? make_queries(geo, count, seed, workload) : 2;
    if (rload)
        return redis_load(rload);
    if (!target || !addr || !qfile || nconn < 1 || nconn > 10000 || pipeline < 1 ||
        pipeline > 128 || duration <= 0 || duration > 600 || !(rate >= 0 && rate <= 1e7)) {
        fprintf(stderr, "usage: see the comment at the top of bench/vwload.c\n");
        return 2;
    }
    int lua = strcmp(target, "redis-lua") == 0, ping = strcmp(op, "ping") == 0;
    is_redis = lua || strcmp(target, "redis") == 0;
    if ((!is_redis && strcmp(target, "verwijs") != 0) || (!ping && strcmp(op, "match") != 0)) {
        fprintf(stderr, "vwload: --target verwijs|redis|redis-lua, --op match|ping\n");
        return 2;
    }
    if (fields_arg && (is_redis || ping || strlen(fields_arg) > 512)) {
        fprintf(stderr, "vwload: --fields is for --target verwijs --op match (at most 512 bytes)\n");
        return 2;
    }
    if (pad_arg != -1 && (is_redis || !ping || pad_arg < 0 || pad_arg > 65536)) { /* -2: not a number */
        fprintf(stderr, "vwload: --pad N (0..65536) is for --target verwijs --op ping\n");
        return 2;
    }
    if (lua && !ping && script_load(addr) != 0)
        return 1;
    if (load_queries(qfile) != 0) {
        fprintf(stderr, "vwload: no queries in %s\n", qfile);
        return 2;
    }
    for (int i = 0; i < nq; i++) {
        if (is_redis)
            encode_redis(&qs[i], lua, ping);
        else
            encode_verwijs(&qs[i], (uint64_t)i + 1, ping);
    }
    char label[32];
    snprintf(label, sizeof label, "%s%s", target, ping ? "-ping" : "");
    return run_load(addr, nconn, duration, warmup, json, label);
}
