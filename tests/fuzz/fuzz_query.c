/* fuzz_query.c -- libFuzzer target: the HTTP gateway's query-string
 * splitter and path-id decoder (server/ops/qstring.c), shared by the /v1
 * routes and the FHIR routes, and the /v1 request builder on top of it
 * (server/ops/http.c).
 *
 * The first input byte picks the target: even = the rest is a query string
 * (cut at a NUL, as a C string from libevent would be), odd = a path
 * segment. Properties checked, beyond no crash, leak or undefined behaviour:
 *   - at most max_params parameters; each decoded name and value is no longer
 *     than the input and the decoded text adds up to no more than it;
 *   - a query re-encoded from the parsed pairs parses to the same pairs;
 *   - taking `lang` out (vw_query_take, the web UI) leaves exactly the other
 *     parameters;
 *   - the /v1 request built from the query passes the msgpack limits
 *     (vw_msg_check) and parses as an envelope;
 *   - a decoded path id is 1..255 bytes without '/' or NUL, and re-encoding
 *     it decodes to the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "server/ops/http.h"
#include "server/ops/qstring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QUERY_MAX_INPUT 65536
#define MAX_PARAMS 64

static char *percent_encode(const char *s, char *o)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    return o;
}

static void query_target(const char *q, size_t len)
{
    vw_err err;
    vw_query *a = vw_query_new(q, MAX_PARAMS, &err);
    if (a == NULL) {
        if (strcmp(err.code, VW_E_BAD_REQUEST) && strcmp(err.code, VW_E_TOO_LARGE))
            abort();
        return;
    }
    size_t n = vw_query_count(a), total = 0;
    if (n > MAX_PARAMS)
        abort();
    char *re = malloc(3 * len + 2 * n + 1), *o = re;
    if (re == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        size_t kl = strlen(vw_query_name(a, i)), vl = strlen(vw_query_value(a, i));
        if (kl > len || vl > len)
            abort();
        total += kl + vl;
        if (i)
            *o++ = '&';
        o = percent_encode(vw_query_name(a, i), o);
        *o++ = '=';
        o = percent_encode(vw_query_value(a, i), o);
    }
    *o = '\0';
    if (total > len)
        abort();
    vw_query *b = vw_query_new(re, MAX_PARAMS, &err);
    if (b == NULL || vw_query_count(b) != n)
        abort();
    for (size_t i = 0; i < n; i++)
        if (strcmp(vw_query_name(a, i), vw_query_name(b, i)) ||
            strcmp(vw_query_value(a, i), vw_query_value(b, i)))
            abort();
    vw_query_free(b);
    /* vw_query_take: the rest holds every parameter but the taken ones */
    char val[16], *rest = NULL;
    int taken = 0;
    if (vw_query_take(q, "lang", &rest, val, sizeof val, &taken, &err) == 0) {
        vw_query *c = vw_query_new(rest, MAX_PARAMS, &err);
        if (strlen(rest) > len || c == NULL || vw_query_count(c) + (size_t)taken != n ||
            vw_query_count_of(c, "lang") != 0)
            abort();
        vw_query_free(c);
        free(rest);
    } else if (vw_query_count_of(a, "lang") == 0) {
        abort(); /* only a bad lang value may fail */
    }
    vw_query_free(a);
    free(re);

    /* The /v1 request of the same query: within the msgpack limits or refused. */
    static const char *const ops[] = {"match", "refer", "coverage", "provider.get"};
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    const char *op = ops[len % 4];
    if (vw_http_build_request(&sb, op, op[0] == 'p' ? "P1" : NULL, q, MAX_PARAMS, &err) == 0) {
        vw_limits lim;
        msgpack_zone zone;
        msgpack_object root;
        vw_request req;
        vw_limits_default(&lim);
        msgpack_zone_init(&zone, 4096);
        if (vw_msg_check((const uint8_t *)sb.data, sb.size, &lim, &err) == 0) {
            if (vw_msg_unpack((const uint8_t *)sb.data, sb.size, &zone, &root, &err) != 0 ||
                vw_request_parse(&root, &req, &err) != 0)
                abort();
        }
        msgpack_zone_destroy(&zone);
    }
    msgpack_sbuffer_destroy(&sb);
}

static void path_target(const char *seg)
{
    char id[256], re[3 * 256 + 1], back[256];
    vw_err err;
    if (vw_path_id_decode(seg, 255, id, &err) != 0) {
        if (strcmp(err.code, VW_E_BAD_REQUEST))
            abort();
        return;
    }
    size_t n = strlen(id);
    if (n == 0 || n > 255 || strchr(id, '/'))
        abort();
    *percent_encode(id, re) = '\0';
    if (vw_path_id_decode(re, 255, back, &err) != 0 || strcmp(back, id))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > QUERY_MAX_INPUT)
        return 0;
    char *s = malloc(size);
    if (s == NULL)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    if (data[0] % 2 == 0)
        query_target(s, strlen(s));
    else
        path_target(s);
    free(s);
    return 0;
}
