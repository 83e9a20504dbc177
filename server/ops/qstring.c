/* qstring.c -- query-string splitting and path-id decoding (see
 * qstring.h). Every size is bounded by the input's own length and
 * max_params: one allocation for the pairs, one for the decoded text. */
#include "qstring.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct vw_query {
    size_t n;
    const char **name, **value; /* into text */
    char *text;                 /* decoded names and values, NUL-terminated */
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* %XX decoding of src[0..n) into dst (room for n + 1); '+' as a space when
 * plus_space. -1 on bad %XX or NUL. */
static int decode(const char *src, size_t n, bool plus_space, char *dst, size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)src[i];
        if (c == '+' && plus_space) {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < n ? hexval((unsigned char)src[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)src[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0)
            return -1;
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    if (out_len)
        *out_len = o;
    return 0;
}

int vw_query_pct_decode(const char *src, size_t n, char *dst, vw_err *err)
{
    if (decode(src, n, true, dst, NULL) != 0)
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "bad percent-encoding or a NUL byte in the query string");
    return 0;
}

/* The next '&'-separated segment at *p (may be empty); advances *p past it
 * and its '&'. NULL at the end. */
static const char *next_segment(const char **p, size_t *len)
{
    const char *s = *p;
    if (s == NULL || *s == '\0')
        return NULL;
    const char *amp = strchr(s, '&');
    *len = amp ? (size_t)(amp - s) : strlen(s);
    *p = amp ? amp + 1 : s + *len;
    return s;
}

void vw_query_free(vw_query *q)
{
    if (q == NULL)
        return;
    free(q->name);
    free(q->value);
    free(q->text);
    free(q);
}

vw_query *vw_query_new(const char *query, uint32_t max_params, vw_err *err)
{
    size_t qlen = query ? strlen(query) : 0, count = 0, used = 0;
    vw_query *q = calloc(1, sizeof *q);
    /* Pairs: at most one per '&'-separated segment and at most max_params. */
    for (size_t i = 0; i < qlen; i++)
        count += query[i] == '&';
    count = count + 1 < (size_t)max_params ? count + 1 : (size_t)max_params;
    if (q == NULL || (q->name = calloc(count + 1, sizeof *q->name)) == NULL ||
        (q->value = calloc(count + 1, sizeof *q->value)) == NULL ||
        (q->text = malloc(qlen + 2 * (count + 1))) == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto fail;
    }
    const char *p = query, *s;
    size_t seg;
    while ((s = next_segment(&p, &seg)) != NULL) {
        if (seg == 0)
            continue;
        if (q->n >= max_params) {
            vw_err_set(err, VW_E_TOO_LARGE, "too many query parameters (at most %u)", max_params);
            goto fail;
        }
        const char *eq = memchr(s, '=', seg);
        size_t kl = eq ? (size_t)(eq - s) : seg, len;
        char *k = q->text + used;
        if (vw_query_pct_decode(s, kl, k, err) != 0)
            goto fail;
        used += strlen(k) + 1;
        char *v = q->text + used;
        if (vw_query_pct_decode(eq ? eq + 1 : s + seg, eq ? seg - kl - 1 : 0, v, err) != 0)
            goto fail;
        len = strlen(v);
        used += len + 1;
        q->name[q->n] = k;
        q->value[q->n++] = v;
    }
    return q;
fail:
    vw_query_free(q);
    return NULL;
}

int vw_query_take(const char *query, const char *name, char **rest, char *value, size_t cap,
                  int *count, vw_err *err)
{
    size_t qlen = query ? strlen(query) : 0, used = 0, seg;
    char *out = malloc(qlen + 1), *k = malloc(qlen + 1);
    const char *p = query, *s;
    int rc = -1;
    *count = 0;
    *rest = NULL;
    if (cap)
        value[0] = '\0';
    if (out == NULL || k == NULL) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        goto done;
    }
    while ((s = next_segment(&p, &seg)) != NULL) {
        const char *eq = memchr(s, '=', seg);
        size_t kl = eq ? (size_t)(eq - s) : seg, vl = eq ? seg - kl - 1 : 0;
        if (seg > 0 && decode(s, kl, true, k, NULL) == 0 && strcmp(k, name) == 0) {
            if ((*count)++ == 0 && (vl >= cap || decode(eq ? eq + 1 : s, vl, true, value, NULL))) {
                vw_err_set(err, VW_E_BAD_REQUEST, "parameter %s: bad or too long a value", name);
                goto done;
            }
            continue;
        }
        if (seg == 0)
            continue;
        if (used)
            out[used++] = '&';
        memcpy(out + used, s, seg);
        used += seg;
    }
    out[used] = '\0';
    *rest = out;
    out = NULL;
    rc = 0;
done:
    free(out);
    free(k);
    return rc;
}

size_t vw_query_count(const vw_query *q) { return q ? q->n : 0; }

const char *vw_query_name(const vw_query *q, size_t i)
{
    return q && i < q->n ? q->name[i] : NULL;
}

const char *vw_query_value(const vw_query *q, size_t i)
{
    return q && i < q->n ? q->value[i] : NULL;
}

size_t vw_query_count_of(const vw_query *q, const char *name)
{
    size_t k = 0;
    for (size_t i = 0; q && i < q->n; i++)
        k += strcmp(q->name[i], name) == 0;
    return k;
}

int vw_path_id_decode(const char *seg, size_t max_len, char *dst, vw_err *err)
{
    size_t n = seg ? strlen(seg) : 0, len = 0;
    char *tmp = n ? malloc(n + 1) : NULL;
    int rc = -1;
    if (tmp && decode(seg, n, false, tmp, &len) == 0 && len > 0 && len <= max_len &&
        strchr(tmp, '/') == NULL) {
        memcpy(dst, tmp, len + 1);
        rc = 0;
    }
    free(tmp);
    if (rc != 0)
        vw_err_set(err, VW_E_BAD_REQUEST,
                   "the id in the path must be 1..%zu bytes, percent-encoded, without '/' or NUL",
                   max_len);
    return rc;
}
