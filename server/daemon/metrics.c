/* metrics.c -- /metrics: every counter in the Prometheus text format
 * (version 0.0.4). Reads the relaxed atomics of vw_ops_stats and
 * vw_http_stats (no locks on the request path) and the snapshot holder's
 * facts under its mutex. */
#include <dirent.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <math.h>
#include <time.h>

#include "http.h"
#include "proto/version.h"
#include "server/engine/traveltime.h"

#define LOAD(x) ((unsigned long long)atomic_load_explicit(&(x), memory_order_relaxed))

static void requests(struct evbuffer *b, const vw_ops_stats *st)
{
    static const char *const protos[VW_OPS_PROTOS] = {"msgpack", "http"};
    evbuffer_add_printf(b, "# HELP verwijs_requests_total Requests answered by the ops layer, by "
                           "protocol, op (none: no valid op) and code (ok or the error code).\n"
                           "# TYPE verwijs_requests_total counter\n");
    for (int p = 0; p < VW_OPS_PROTOS; p++)
        for (int o = 0; o < VW_OPS_SLOTS; o++) {
            if (vw_ops_slot_label(o) == NULL)
                continue;
            /* ok is always listed for real ops (and for the FHIR routes, which
             * only HTTP serves) so rate() has a series */
            bool always = o < VW_OPS_MAX || (o == VW_OPS_FHIR && p == VW_PROTO_HTTP);
            for (int c = 0; c < VW_OPS_CODES; c++) {
                unsigned long long v = LOAD(st->by_code[p][o][c]);
                if (v == 0 && !(c == 0 && always))
                    continue;
                evbuffer_add_printf(b,
                                    "verwijs_requests_total{proto=\"%s\",op=\"%s\",code=\"%s\"} %llu\n",
                                    protos[p], vw_ops_slot_label(o), vw_ops_code_name(c), v);
            }
        }
}

static void histogram(struct evbuffer *b, const char *op, const atomic_ullong *bucket,
                      unsigned long long sum_ns)
{
    unsigned long long cum = 0;
    for (int k = 0; k < VW_OPS_LAT_BUCKETS; k++) {
        cum += (unsigned long long)atomic_load_explicit(&bucket[k], memory_order_relaxed);
        double le = vw_ops_lat_bound(k);
        if (isinf(le))
            evbuffer_add_printf(b, "verwijs_request_duration_seconds_bucket{op=\"%s\",le=\"+Inf\"} "
                                   "%llu\n", op, cum);
        else
            evbuffer_add_printf(b, "verwijs_request_duration_seconds_bucket{op=\"%s\",le=\"%g\"} "
                                   "%llu\n", op, le, cum);
    }
    evbuffer_add_printf(b, "verwijs_request_duration_seconds_sum{op=\"%s\"} %.9f\n", op,
                        (double)sum_ns / 1e9);
    evbuffer_add_printf(b, "verwijs_request_duration_seconds_count{op=\"%s\"} %llu\n", op, cum);
}

static void latency(struct evbuffer *b, const vw_ops_stats *st)
{
    evbuffer_add_printf(b, "# HELP verwijs_request_duration_seconds Time to answer one request in "
                           "the ops layer (decode, query, encode), both protocols; op fhir: the "
                           "FHIR routes.\n"
                           "# TYPE verwijs_request_duration_seconds histogram\n");
    for (int o = 0; o < VW_OPS_SLOTS; o++) {
        if (vw_ops_slot_label(o) == NULL)
            continue;
        unsigned long long n = 0;
        for (int k = 0; k < VW_OPS_LAT_BUCKETS; k++)
            n += LOAD(st->lat_bucket[o][k]);
        if (n == 0 && o == VW_OPS_NONE)
            continue;
        histogram(b, vw_ops_slot_label(o), st->lat_bucket[o], LOAD(st->lat_sum_ns[o]));
    }
}

static void http_level(struct evbuffer *b, const vw_ops_stats *st, const vw_http_stats *hs)
{
    evbuffer_add_printf(b, "# HELP verwijs_connections_open Open msgpack connections (TCP and "
                           "Unix socket).\n# TYPE verwijs_connections_open gauge\n"
                           "verwijs_connections_open{proto=\"msgpack\"} %llu\n"
                           "verwijs_connections_open{proto=\"http\"} %lld\n",
                        LOAD(st->conn_current),
                        (long long)atomic_load_explicit(&hs->conn_open, memory_order_relaxed));
    evbuffer_add_printf(b, "# HELP verwijs_connections_total Connections accepted.\n"
                           "# TYPE verwijs_connections_total counter\n"
                           "verwijs_connections_total{proto=\"msgpack\"} %llu\n"
                           "verwijs_connections_total{proto=\"http\"} %llu\n",
                        LOAD(st->conn_total), LOAD(hs->conn_total));
    evbuffer_add_printf(b, "# HELP verwijs_connections_rejected_total Connections refused at "
                           "max_connections (msgpack) or answered 503 over http_max_connections "
                           "(http).\n"
                           "# TYPE verwijs_connections_rejected_total counter\n"
                           "verwijs_connections_rejected_total{proto=\"msgpack\"} %llu\n"
                           "verwijs_connections_rejected_total{proto=\"http\"} %llu\n",
                        LOAD(st->conn_rejected), LOAD(hs->conn_rejected));
    evbuffer_add_printf(b, "# HELP verwijs_http_responses_total HTTP responses by status "
                           "(status 0: any other).\n# TYPE verwijs_http_responses_total counter\n");
    for (int i = 0; i < VW_HTTP_STATUSES; i++)
        evbuffer_add_printf(b, "verwijs_http_responses_total{status=\"%d\"} %llu\n",
                            vw_http_status_of_index(i), LOAD(hs->by_status[i]));
}

static void snapshot(struct evbuffer *b, const vw_http_env *env)
{
    vw_ops_server_info info;
    vw_snapshot *s = vw_snapholder_acquire(env->snaps, &info);
    int64_t now = (int64_t)time(NULL);
    evbuffer_add_printf(b, "# HELP verwijs_snapshot_loaded 1 when a snapshot is loaded.\n"
                           "# TYPE verwijs_snapshot_loaded gauge\nverwijs_snapshot_loaded %d\n",
                        s != NULL);
    if (s) {
        evbuffer_add_printf(b,
                            "# HELP verwijs_snapshot_age_seconds Seconds since the snapshot was loaded.\n"
                            "# TYPE verwijs_snapshot_age_seconds gauge\n"
                            "verwijs_snapshot_age_seconds %lld\n"
                            "# HELP verwijs_snapshot_generation 1 for the first snapshot, +1 per reload.\n"
                            "# TYPE verwijs_snapshot_generation gauge\n"
                            "verwijs_snapshot_generation %llu\n"
                            "# HELP verwijs_snapshot_providers Providers in the snapshot.\n"
                            "# TYPE verwijs_snapshot_providers gauge\nverwijs_snapshot_providers %u\n"
                            "# HELP verwijs_snapshot_networks Networks in the snapshot.\n"
                            "# TYPE verwijs_snapshot_networks gauge\nverwijs_snapshot_networks %u\n"
                            "# HELP verwijs_snapshot_bytes Memory held by the snapshot.\n"
                            "# TYPE verwijs_snapshot_bytes gauge\nverwijs_snapshot_bytes %zu\n"
                            "# HELP verwijs_snapshot_load_seconds Time the snapshot took to load.\n"
                            "# TYPE verwijs_snapshot_load_seconds gauge\n"
                            "verwijs_snapshot_load_seconds %.3f\n",
                            (long long)(now - info.loaded_at), (unsigned long long)info.generation,
                            vw_snapshot_provider_count(s), vw_snapshot_network_count(s),
                            vw_snapshot_bytes(s), info.load_ms / 1e3);
        evbuffer_add_printf(b, "# HELP verwijs_traveltime_pairs PC4 pairs in the mode's "
                               "travel-time matrix (0: the model only).\n"
                               "# TYPE verwijs_traveltime_pairs gauge\n");
        for (int m = 0; m < VW_MODE_ALL; m++)
            evbuffer_add_printf(b, "verwijs_traveltime_pairs{mode=\"%s\"} %llu\n",
                                vw_mode_name((vw_mode)m),
                                (unsigned long long)vw_snapshot_matrix_pairs(s, (vw_mode)m));
        vw_snapshot_release(s);
    }
    unsigned long long ok = info.generation > 0 ? info.generation - 1 : 0;
    evbuffer_add_printf(b, "# HELP verwijs_reloads_total Snapshot reloads (SIGHUP) by result.\n"
                           "# TYPE verwijs_reloads_total counter\n"
                           "verwijs_reloads_total{result=\"ok\"} %llu\n"
                           "verwijs_reloads_total{result=\"failed\"} %llu\n"
                           "# HELP verwijs_uptime_seconds Seconds since verwijsd started.\n"
                           "# TYPE verwijs_uptime_seconds gauge\nverwijs_uptime_seconds %lld\n",
                        ok, (unsigned long long)info.reloads_failed,
                        (long long)(now - env->started_at));
}

/* The standard process_* metrics (as Prometheus' client libraries name them)
 * and verwijs_build_info, read from the kernel at scrape time. */
static void process(struct evbuffer *b, const vw_http_env *env)
{
    struct rusage ru;
    double cpu = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
              ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
    unsigned long long pages_vm = 0, pages_rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &pages_vm, &pages_rss) != 2)
            pages_vm = pages_rss = 0;
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    long long fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        for (struct dirent *e; (e = readdir(d)) != NULL;)
            fds += e->d_name[0] != '.';
        closedir(d);
        fds--; /* the directory's own descriptor */
    }
    struct rlimit rl;
    long long max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long long)rl.rlim_cur : -1;
    evbuffer_add_printf(b,
        "# HELP verwijs_build_info The running build (always 1).\n"
        "# TYPE verwijs_build_info gauge\nverwijs_build_info{version=\"%s\"} 1\n"
        "# HELP process_cpu_seconds_total User and system CPU time spent, seconds.\n"
        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.3f\n"
        "# HELP process_resident_memory_bytes Resident memory size, bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n"
        "# HELP process_virtual_memory_bytes Virtual memory size, bytes.\n"
        "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %llu\n"
        "# HELP process_open_fds Open file descriptors.\n"
        "# TYPE process_open_fds gauge\nprocess_open_fds %lld\n"
        "# HELP process_max_fds The descriptor limit (RLIMIT_NOFILE).\n"
        "# TYPE process_max_fds gauge\nprocess_max_fds %lld\n"
        "# HELP process_start_time_seconds Start time since the Unix epoch, seconds.\n"
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %lld\n",
        VW_VERSION, cpu, pages_rss * (unsigned long long)page,
        pages_vm * (unsigned long long)page, fds, max_fds, (long long)env->started_at);
}

void vw_metrics_write(struct evbuffer *out, const vw_http_env *env, const vw_http_stats *hs)
{
    process(out, env);
    requests(out, env->stats);
    latency(out, env->stats);
    http_level(out, env->stats, hs);
    snapshot(out, env);
}
