/* fds.c -- verwijsd under descriptor pressure (see fds.h).
 *
 * Without an error callback, libevent's listener answers a failing accept()
 * (EMFILE: the process is out of descriptors) by printing a warning and
 * returning; the listening socket stays readable, so the loop spins at full
 * CPU and the log fills. The guard here pauses the listener instead and
 * re-enables it from a timer; connections wait in the kernel's backlog. */
#include "fds.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "log.h"

#define PAUSE_US 100000      /* accepting pauses this long after a failure */
#define WARN_EVERY_S 10      /* one accept warning per listener per this many s */
#define EVLOG_PER_S 5        /* libevent log lines per second, at most */

struct vw_accept_guard {
    struct evconnlistener *l;   /* borrowed */
    struct event *resume;       /* owned: re-enables l */
    const char *what;
    time_t last_warn;
    unsigned long failures;     /* since the last warning */
};

static void on_resume(evutil_socket_t fd, short ev, void *arg)
{
    vw_accept_guard *g = arg;
    (void)fd;
    (void)ev;
    evconnlistener_enable(g->l);
}

/* The error callback gets the listener's own argument (a msgpack listener,
 * an HTTP thread: it differs by kind), so guards are found by listener here. */
#define MAX_GUARDS 320
static pthread_mutex_t guards_mu = PTHREAD_MUTEX_INITIALIZER;
static vw_accept_guard *guards[MAX_GUARDS];

static vw_accept_guard *guard_of(const struct evconnlistener *l)
{
    vw_accept_guard *g = NULL;
    pthread_mutex_lock(&guards_mu);
    for (int i = 0; i < MAX_GUARDS && g == NULL; i++)
        if (guards[i] && guards[i]->l == l)
            g = guards[i];
    pthread_mutex_unlock(&guards_mu);
    return g;
}

static int guard_register(vw_accept_guard *g, vw_accept_guard *old)
{
    int rc = -1;
    pthread_mutex_lock(&guards_mu);
    for (int i = 0; i < MAX_GUARDS && rc != 0; i++)
        if (guards[i] == old) {
            guards[i] = g;
            rc = 0;
        }
    pthread_mutex_unlock(&guards_mu);
    return rc;
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
    vw_accept_guard *g = guard_of(l);
    int e = EVUTIL_SOCKET_ERROR();
    (void)arg;
    if (g == NULL)
        return;
    struct timeval pause = {0, PAUSE_US};
    time_t now = time(NULL);
    g->failures++;
    if (now - g->last_warn >= WARN_EVERY_S) {
        vw_log(VW_LOG_WARN, "%s: accept failed: %s (%lu times since the last warning); "
               "pausing accepts for %d ms%s", g->what, strerror(e), g->failures, PAUSE_US / 1000,
               (e == EMFILE || e == ENFILE) ? " -- out of file descriptors: see max_connections "
                                              "and http_max_connections" : "");
        g->last_warn = now;
        g->failures = 0;
    }
    /* Any accept error pauses: the ones that clear by themselves (a client
     * that reset before accept) cost 100 ms at worst. */
    evconnlistener_disable(l);
    event_add(g->resume, &pause);
}

vw_accept_guard *vw_accept_guard_new(struct evconnlistener *l, const char *what)
{
    vw_accept_guard *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    g->l = l;
    g->what = what;
    g->resume = evtimer_new(evconnlistener_get_base(l), on_resume, g);
    if (g->resume == NULL || guard_register(g, NULL) != 0) {
        if (g->resume)
            event_free(g->resume);
        free(g);
        return NULL;
    }
    evconnlistener_set_error_cb(l, on_accept_error);
    return g;
}

void vw_accept_guard_free(vw_accept_guard *g)
{
    if (g == NULL)
        return;
    evconnlistener_set_error_cb(g->l, NULL);
    guard_register(NULL, g);
    event_free(g->resume);
    free(g);
}

/* ---- libevent's own log ------------------------------------------------- */

static pthread_mutex_t evlog_mu = PTHREAD_MUTEX_INITIALIZER;
static time_t evlog_window;
static unsigned evlog_in_window;
static unsigned long evlog_suppressed;

static void on_evlog(int severity, const char *msg)
{
    time_t now = time(NULL);
    unsigned long dropped = 0;
    bool emit;
    pthread_mutex_lock(&evlog_mu);
    if (now != evlog_window) {
        evlog_window = now;
        evlog_in_window = 0;
        dropped = evlog_suppressed;
        evlog_suppressed = 0;
    }
    emit = evlog_in_window < EVLOG_PER_S;
    if (emit)
        evlog_in_window++;
    else
        evlog_suppressed++;
    pthread_mutex_unlock(&evlog_mu);
    if (dropped)
        vw_log(VW_LOG_WARN, "libevent: %lu messages suppressed", dropped);
    if (emit)
        vw_log(severity >= EVENT_LOG_ERR ? VW_LOG_ERROR
               : severity == EVENT_LOG_WARN ? VW_LOG_WARN
               : severity == EVENT_LOG_MSG ? VW_LOG_INFO : VW_LOG_DEBUG,
               "libevent: %.300s", msg);
}

void vw_libevent_log_setup(void)
{
    event_set_log_callback(on_evlog);
}

/* ---- the descriptor budget ---------------------------------------------- */

int vw_fd_margin(const vw_config *cfg)
{
    int http_workers = cfg->http_listen[0] ? (cfg->http_workers > 0 ? cfg->http_workers
                                                                     : cfg->workers)
                                           : 0;
    /* stdio, listeners, SQLite (reload, import), a per-thread epoll fd and
     * wake-up pipe, a few spare. */
    return 32 + 4 * (cfg->workers + 1) + 2 * http_workers;
}

/* What was lowered, as "max_connections 1000 -> 74, http_max_connections
 * 20 -> 1": only the caps that changed. */
static void lowered_list(char *out, size_t cap, const vw_config *was, long long mc, long long tc,
                         long long hc)
{
    const struct {
        bool on;
        const char *name;
        int was;
        long long now;
    } caps[] = {{true, "max_connections", was->max_connections, mc},
                {was->tls_listen[0] != '\0', "tls_max_connections", was->tls_max_connections, tc},
                {was->http_listen[0] != '\0', "http_max_connections", was->http_max_connections,
                 hc}};
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof caps / sizeof caps[0] && n < cap; i++)
        if (caps[i].on && caps[i].now < caps[i].was) {
            int w = snprintf(out + n, cap - n, "%s%s %d -> %lld", n ? ", " : "", caps[i].name,
                             caps[i].was, caps[i].now);
            n = w < 0 ? cap : n + (size_t)w;
        }
}

/* Descriptors are reserved per listener class: the query, TLS and HTTP
 * budgets and the admin ones (one per admin listener) must fit below
 * RLIMIT_NOFILE together with the margin, so that a flood on one listener
 * can use up only its own budget and never the descriptors another needs to
 * accept. Over the limit, the query, TLS and HTTP budgets are lowered in
 * proportion (the small admin ones are kept, in the margin). */
int vw_fd_budget(vw_config *cfg)
{
    struct rlimit rl;
    char what[240];
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = was;
    }
    long long limit = rl.rlim_cur == RLIM_INFINITY ? (1LL << 30) : (long long)rl.rlim_cur;
    int n_admin = (cfg->admin_socket[0] ? 1 : 0) + (cfg->admin_listen[0] ? 1 : 0);
    long long margin = vw_fd_margin(cfg) + (long long)n_admin * cfg->admin_max_connections;
    long long q = cfg->max_connections;
    long long tls = cfg->tls_listen[0] ? cfg->tls_max_connections : 0;
    long long http = cfg->http_listen[0] ? cfg->http_max_connections : 0;
    long long need = q + tls + http + margin;
    if (need <= limit)
        return 0;
    long long room = limit - margin;
    long long classes = 1 + (tls ? 1 : 0) + (http ? 1 : 0);
    if (room < classes + 1) {
        /* not even one connection of each kind: starting would only fail
         * later, inside libevent, with a less helpful message */
        vw_log(VW_LOG_ERROR, "file descriptors: the open-file limit (RLIMIT_NOFILE) is %lld, "
               "below the %lld verwijsd needs before any connection (listeners, %d workers, "
               "SQLite, admin budgets); raise it (LimitNOFILE=, ulimit -n) or lower workers / "
               "http_workers / admin_max_connections", limit, margin + classes + 1,
               cfg->workers);
        return -1;
    }
    long long all = q + tls + http;
    long long mc = room * q / all, tc = room * tls / all, hc = room * http / all;
    mc = mc < 1 ? 1 : mc;
    tc = tls ? (tc < 1 ? 1 : tc) : cfg->tls_max_connections;
    hc = http ? (hc < 1 ? 1 : hc) : cfg->http_max_connections;
    char caps[160];
    lowered_list(what, sizeof what, cfg, mc, tc, hc);
    snprintf(caps, sizeof caps, "max_connections %d%s%.0lld%s%.0lld", cfg->max_connections,
             tls ? " + tls_max_connections " : "", tls, http ? " + http_max_connections " : "",
             http);
    /* One line, once, at start-up: what changed, why, and how to undo it. */
    vw_log(VW_LOG_WARN, "file descriptors: the open-file limit (RLIMIT_NOFILE) is %lld, but "
           "%s + %lld spare need %lld; lowered %s. To keep the "
           "configured caps raise the limit to at least %lld: LimitNOFILE=%lld in the systemd "
           "unit (deploy/verwijsd.service sets 65536), `ulimit -n %lld` in the shell that "
           "starts verwijsd, or docker run --ulimit nofile=%lld:%lld",
           limit, caps, margin, need, what, need, need, need, need, need);
    cfg->max_connections = (int)mc;
    cfg->tls_max_connections = (int)tc;
    cfg->http_max_connections = (int)hc;
    return 0;
}
