/* http_reply.c -- the answers of the HTTP gateway (see http_req.h): the
 * request accessors the handlers use, and vw_hreq_send, which writes the
 * status line, the headers and the body to the connection's output in one
 * piece: the head is formatted into a stack buffer (no printf, no
 * allocation) and the body's chains are moved, not copied. */
#include "http_int.h"

#include <event2/buffer.h>
#include <event2/util.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *vw_hreq_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

void vw_hreq_reset(vw_hreq *r)
{
    r->close = false;
    r->sent = false;
    r->status = 0;
    r->n_out = 0;
    r->vals_used = 0;
    r->overflow = false;
    evbuffer_drain(r->body, evbuffer_get_length(r->body));
}

vw_http1_method vw_hreq_method(const vw_hreq *r)
{
    return r->in.method;
}

const char *vw_hreq_header(const vw_hreq *r, const char *name)
{
    return vw_http1_field_get(&r->in, name);
}

int vw_hreq_add_header(vw_hreq *r, const char *name, const char *value)
{
    size_t n = strlen(value) + 1;
    /* a value with a line break would split the header: refuse it */
    if (r->n_out == VW_HREQ_MAX_HEADERS || n > sizeof r->vals - r->vals_used ||
        strpbrk(value, "\r\n") != NULL) {
        r->overflow = true;
        return -1;
    }
    if (strcasecmp(name, "Connection") == 0 && strcasecmp(value, "close") == 0)
        r->close = true;
    char *v = r->vals + r->vals_used;
    memcpy(v, value, n);
    r->vals_used += n;
    r->hdr[r->n_out].name = name;
    r->hdr[r->n_out].value = v;
    r->n_out++;
    return 0;
}

const char *vw_hreq_out_header(const vw_hreq *r, const char *name)
{
    for (int i = 0; i < r->n_out; i++)
        if (strcasecmp(r->hdr[i].name, name) == 0)
            return r->hdr[i].value;
    return NULL;
}

struct evbuffer *vw_hreq_body(vw_hreq *r)
{
    return r->body;
}

/* The Date header's value (RFC 9110 5.6.7 IMF-fixdate) of the current
 * second, made by libevent's formatter once per second per thread. */
static const char *date_now(void)
{
    static _Thread_local time_t last = -1;
    static _Thread_local char text[50];
    time_t now = time(NULL);
    struct tm tm;
    if (now != last && gmtime_r(&now, &tm) != NULL &&
        evutil_date_rfc1123(text, sizeof text, &tm) > 0)
        last = now;
    return last == -1 ? NULL : text;
}

typedef struct head_buf {
    char *p;
    size_t n, cap;
    bool full;
} head_buf;

static void put(head_buf *h, const char *s, size_t n)
{
    if (n > h->cap - h->n) {
        h->full = true;
        return;
    }
    memcpy(h->p + h->n, s, n);
    h->n += n;
}

static void puts_(head_buf *h, const char *s)
{
    put(h, s, strlen(s));
}

static void put_u64(head_buf *h, unsigned long long v)
{
    char d[24];
    size_t l = sizeof d;
    do {
        d[--l] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(h, d + l, sizeof d - l);
}

static void put_header(head_buf *h, const char *name, const char *value)
{
    puts_(h, name);
    put(h, ": ", 2);
    puts_(h, value);
    put(h, "\r\n", 2);
}

void vw_hreq_send(vw_hreq *r, int status)
{
    /* The most the head can take: VW_HREQ_MAX_HEADERS names (literals, well
     * under 64 bytes) and VW_HREQ_VALUES of values, plus our own lines. */
    char buf[VW_HREQ_MAX_HEADERS * 68 + VW_HREQ_VALUES + 256];
    head_buf h = {buf, 0, sizeof buf, false};
    if (r->sent)
        return;
    r->sent = true;
    if (r->overflow) { /* a handler's header did not fit: say so rather than drop it */
        status = 500;
        r->n_out = 0;
        evbuffer_drain(r->body, evbuffer_get_length(r->body));
        static const char msg[] = "{\"error\":{\"code\":\"internal\",\"message\":"
                                  "\"the answer's headers do not fit\"}}\n";
        evbuffer_add(r->body, msg, sizeof msg - 1);
    }
    r->status = status;
    put(&h, "HTTP/1.1 ", 9);
    put_u64(&h, (unsigned long long)status);
    put(&h, " ", 1);
    puts_(&h, vw_hreq_reason(status));
    put(&h, "\r\n", 2);
    const char *date = date_now();
    if (date != NULL)
        put_header(&h, "Date", date);
    bool said_connection = false;
    for (int i = 0; i < r->n_out && !r->overflow; i++) {
        if (strcasecmp(r->hdr[i].name, "Connection") == 0)
            said_connection = true;
        put_header(&h, r->hdr[i].name, r->hdr[i].value);
    }
    if (status != 204 && status != 304) { /* neither has a body nor a length of one */
        put(&h, "Content-Length: ", 16);
        put_u64(&h, (unsigned long long)evbuffer_get_length(r->body));
        put(&h, "\r\n", 2);
    }
    if (!said_connection && r->close)
        put(&h, "Connection: close\r\n", 19);
    else if (!said_connection && r->in.minor == 0)
        put(&h, "Connection: keep-alive\r\n", 24); /* HTTP/1.0 asked to keep it */
    put(&h, "\r\n", 2);
    if (h.full) { /* cannot happen with the bounds above; never send a cut head */
        static const char bare[] = "HTTP/1.1 500 Internal Server Error\r\n"
                                   "Content-Length: 0\r\nConnection: close\r\n\r\n";
        h.n = 0;
        h.full = false;
        put(&h, bare, sizeof bare - 1);
        status = r->status = 500;
        r->close = true;
        evbuffer_drain(r->body, evbuffer_get_length(r->body));
    }
    if (r->in.method == VW_HTTP1_HEAD || status == 204 || status == 304)
        evbuffer_drain(r->body, evbuffer_get_length(r->body));
    evbuffer_add(r->out, buf, h.n);
    evbuffer_add_buffer(r->out, r->body);
    atomic_fetch_add_explicit(&r->stats->by_status[vw_http_status_index(status)], 1,
                              memory_order_relaxed);
}
