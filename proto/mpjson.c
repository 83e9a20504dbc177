/* mpjson.c -- msgpack object -> JSON text (see mpjson.h). The text is
 * gathered in a 4 KiB buffer and handed to the sink in pieces of that size (a
 * sink call per token was most of the HTTP gateway's cost: evbuffer_add per
 * comma); nesting is bounded by the object (which vw_msg_check or our own
 * packer bounded already). */
#include "mpjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JW_BUF 4096

typedef struct jw {
    vw_mpjson_sink sink;
    void *ctx;
    bool pretty;
    int failed;
    size_t used;       /* bytes in buf not yet given to the sink */
    char buf[JW_BUF];
} jw;

static void flush(jw *w)
{
    if (!w->failed && w->used && w->sink(w->ctx, w->buf, w->used) != 0)
        w->failed = 1;
    w->used = 0;
}

static void put(jw *w, const char *p, size_t n)
{
    if (w->failed || n == 0)
        return;
    if (n > JW_BUF - w->used) {
        flush(w);
        if (n >= JW_BUF) { /* a long string: straight through */
            if (!w->failed && w->sink(w->ctx, p, n) != 0)
                w->failed = 1;
            return;
        }
    }
    memcpy(w->buf + w->used, p, n);
    w->used += n;
}

static void puts_(jw *w, const char *s)
{
    put(w, s, strlen(s));
}

static void indent(jw *w, int depth)
{
    static const char spaces[] = "                                ";
    if (!w->pretty)
        return;
    put(w, "\n", 1);
    for (int i = 0; i < depth; i++)
        put(w, spaces, 2);
}

/* 1 for the bytes a JSON string must escape: '"', '\\', C0 controls, DEL. */
static const unsigned char needs_escape[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1, [0x7f] = 1,
};

static void write_str(jw *w, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0;
    if (n == 0) { /* msgpack-c gives an empty string a NULL pointer */
        put(w, "\"\"", 2);
        return;
    }
    put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = u[i];
        if (!needs_escape[ch])
            continue;
        const char *esc;
        char hex[8];
        switch (ch) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            snprintf(hex, sizeof hex, "\\u%04x", ch);
            esc = hex;
        }
        put(w, s + run, i - run);
        puts_(w, esc);
        run = i + 1;
    }
    put(w, s + run, n - run);
    put(w, "\"", 1);
}

static void write_base64(jw *w, const char *p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = (const unsigned char *)p;
    put(w, "\"", 1);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        char q[4] = {tbl[(v >> 18) & 63], tbl[(v >> 12) & 63],
                     i + 1 < n ? tbl[(v >> 6) & 63] : '=', i + 2 < n ? tbl[v & 63] : '='};
        put(w, q, 4);
    }
    put(w, "\"", 1);
}

/* Decimal digits of v into out (no terminator); returns their count. */
static size_t u64_text(unsigned long long v, char out[20])
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char tmp[20];
    size_t n = sizeof tmp; /* written from the end, two digits at a time */
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        tmp[--n] = pairs[2 * r + 1];
        tmp[--n] = pairs[2 * r];
    }
    if (v >= 10) {
        tmp[--n] = pairs[2 * v + 1];
        tmp[--n] = pairs[2 * v];
    } else {
        tmp[--n] = (char)('0' + v);
    }
    memcpy(out, tmp + n, sizeof tmp - n);
    return sizeof tmp - n;
}

/* The text printf's "%.{prec}g" gives for the decimal digits dig[0..prec)
 * (no trailing zeros needed; dig[0] != '0') with decimal exponent e10 (the
 * value is d.ddd x 10^e10), written to out; returns the length. */
static size_t g_text(bool neg, const char *dig, int prec, int e10, char *out)
{
    size_t n = 0;
    int nd = prec;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--; /* %g drops trailing zeros */
    if (neg)
        out[n++] = '-';
    if (e10 < -4 || e10 >= prec) {
        out[n++] = dig[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, dig + 1, (size_t)nd - 1);
            n += (size_t)nd - 1;
        }
        out[n++] = 'e';
        out[n++] = e10 < 0 ? '-' : '+';
        int ae = e10 < 0 ? -e10 : e10;
        if (ae < 10)
            out[n++] = '0';
        n += u64_text((unsigned long long)ae, out + n);
    } else if (e10 < 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -e10 - 1; i++)
            out[n++] = '0';
        memcpy(out + n, dig, (size_t)nd);
        n += (size_t)nd;
    } else {
        for (int i = 0; i <= e10; i++)
            out[n++] = i < nd ? dig[i] : '0';
        if (nd > e10 + 1) {
            out[n++] = '.';
            memcpy(out + n, dig + e10 + 1, (size_t)(nd - e10 - 1));
            n += (size_t)(nd - e10 - 1);
        }
    }
    return n;
}

/* Shortest of %.15g, %.16g, %.17g that reads back as d, as the old loop of
 * three snprintf + strtod gave, but from one "%.16e" conversion (17
 * digits): the 15- and 16-digit candidates are that text rounded half up,
 * each checked by strtod. Rounding the rounded text again agrees with
 * printf's rounding of d except when the dropped tail is exactly 5 (000):
 * there printf itself decides. So the text is the old loop's, byte for byte
 * (tests/unit/test_json.c compares them on random doubles). */
static size_t double_text(double d, char out[40])
{
    char e[40];
    int len = snprintf(e, sizeof e, "%.16e", d); /* [-]d.dddddddddddddddde[+-]XX */
    if (len <= 0 || len >= (int)sizeof e)
        return 0;
    bool neg = e[0] == '-';
    const char *m = e + neg;
    char dig[18];
    dig[0] = m[0];
    memcpy(dig + 1, m + 2, 16);
    int e10 = atoi(m + 19);
    for (int prec = 15; prec <= 16; prec++) {
        char r[18];
        int re = e10;
        size_t n;
        int t = prec + 1;
        while (t < 17 && dig[t] == '0')
            t++;
        if (dig[prec] == '5' && t == 17) {
            /* a tail of exactly 5: the 17-digit text may have been rounded
             * up to it, so only printf knows the way; rare */
            n = (size_t)snprintf(out, 40, "%.*g", prec, d);
            if (strtod(out, NULL) == d)
                return n;
            continue;
        }
        memcpy(r, dig, (size_t)prec);
        if (dig[prec] >= '5') { /* round up, carrying */
            int i = prec - 1;
            while (i >= 0 && r[i] == '9')
                r[i--] = '0';
            if (i >= 0) {
                r[i]++;
            } else { /* 9.99..9 -> 10.0..0 */
                r[0] = '1';
                re++;
            }
        }
        n = g_text(neg, r, prec, re, out);
        out[n] = '\0';
        if (strtod(out, NULL) == d)
            return n;
    }
    return g_text(neg, dig, 17, e10, out);
}

/* A double that is a decimal of at most 15 significant digits and fewer
 * than 9 integer digits (a coordinate from the register, 52.088369) is that
 * decimal, found without printf: the first k for which round(|d| 10^k) / 10^k
 * == |d|. The division is correctly rounded and so is strtod, so the text
 * reads back as d; it is the %.15g text, because d lies within half an ulp
 * of a 15-digit decimal. Returns 0 when d is not such a number. */
static size_t short_decimal(double d, char out[40])
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double a = fabs(d);
    if (!(a >= 1e-4 && a < 1e9))
        return 0;
    for (int k = 1; k <= 15; k++) {
        double m = nearbyint(a * p10[k]);
        if (m >= 1e15) /* more than 15 digits */
            return 0;
        if (m / p10[k] != a)
            continue;
        char dig[20];
        size_t nd = u64_text((unsigned long long)m, dig), n = 0;
        if (d < 0)
            out[n++] = '-';
        if (nd <= (size_t)k) { /* 0.000ddd */
            out[n++] = '0';
            out[n++] = '.';
            for (size_t i = nd; i < (size_t)k; i++)
                out[n++] = '0';
            memcpy(out + n, dig, nd);
            n += nd;
        } else {
            memcpy(out + n, dig, nd - (size_t)k);
            n += nd - (size_t)k;
            out[n++] = '.';
            memcpy(out + n, dig + nd - (size_t)k, (size_t)k);
            n += (size_t)k;
        }
        return n;
    }
    return 0;
}

/* The correctly rounded `prec`-digit mantissa of a (> 0) at scale 10^k
 * (a x 10^k in [10^(prec-1), 10^prec), below 2^53), from the exact product
 * a x 10^k = hi + lo (10^k exact, so fma gives the product's error
 * exactly); 0 when the rounding is too close to call (a near-tie: printf
 * decides) or the scale is off. */
static uint64_t mantissa(double a, int k, int prec, const double *p10)
{
    double hi = a * p10[k], lo = fma(a, p10[k], -hi);
    if (!(hi >= p10[prec - 1] && hi < p10[prec]) || hi >= 9007199254740992.0)
        return 0;
    double m = nearbyint(hi);
    double f = (hi - m) + lo; /* hi - m is exact: ulp(hi) <= 1 */
    if (fabs(fabs(f) - 0.5) < 1e-6)
        return 0;
    if (f > 0.5)
        m += 1;
    else if (f < -0.5)
        m -= 1;
    if (m < p10[prec - 1] || m >= p10[prec])
        return 0;
    return (uint64_t)m;
}

/* The shortest-round-trip text of d as the old loop (%.15g, %.16g, %.17g,
 * the first that reads back) gave it, without printf or strtod, for
 * 1e-4 <= |d| < 1e9 (computed km and minutes): each candidate mantissa M is
 * the correctly rounded decimal (mantissa), and it reads back as d exactly
 * when M / 10^k == |d| in doubles, because M and 10^k are exact and the
 * division is correctly rounded, as strtod is (Clinger's fast path). The
 * 17-digit text is the 16-digit mantissa's exact remainder carried one digit
 * further. 0 when d is outside that range or a rounding is too close to
 * call: double_text decides. */
static size_t fast_double(double d, char out[40])
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double a = fabs(d);
    if (!(a >= 1e-4 && a < 1e9))
        return 0;
    static const double lo10[] = {1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2,
                                  1e3,  1e4,  1e5,  1e6,  1e7, 1e8}; /* lo10[i] = 10^(i-4) */
    int e10 = -4; /* 10^e10 <= a < 10^(e10+1), as the loop over 1.0 / 10^k found it */
    while (e10 < 8 && a >= lo10[e10 + 5])
        e10++;
    char dig[20];
    for (int prec = 15; prec <= 16; prec++) {
        int k = prec - 1 - e10; /* 6 .. 19 */
        uint64_t m = mantissa(a, k, prec, p10);
        if (m == 0)
            return 0;
        if ((double)m / p10[k] == a) {
            u64_text(m, dig);
            return g_text(d < 0, dig, prec, e10, out);
        }
        if (prec == 16) { /* neither reads back: 17 digits, one more of the remainder */
            double hi = a * p10[k], lo = fma(a, p10[k], -hi);
            double fl = floor(hi);
            double f = ((hi - fl) + lo) * 10; /* the next digit and what follows, x10 */
            if (f < 0 || f >= 10 || hi >= 9007199254740992.0)
                return 0;
            double j = nearbyint(f);
            if (fabs(fabs(f - floor(f)) - 0.5) < 1e-6)
                return 0;
            uint64_t m17 = (uint64_t)fl * 10 + (uint64_t)j;
            if (m17 >= 100000000000000000ull)
                return 0; /* rounded up to 18 digits */
            if (u64_text(m17, dig) != 17)
                return 0;
            return g_text(d < 0, dig, 17, e10, out);
        }
    }
    return 0;
}

/* The text write_double writes for d ("null" when not finite). */
size_t vw_mpjson_double(double d, char buf[VW_MPJSON_DOUBLE_MAX])
{
    size_t n;
    if (!isfinite(d)) {
        memcpy(buf, "null", 4);
        return 4;
    }
    if (d == 0) {
        n = 0;
        if (signbit(d))
            buf[n++] = '-';
        buf[n++] = '0';
    } else if (fabs(d) < 1e15 && d == (double)(long long)d) {
        /* whole numbers: digits straight from the integer */
        long long v = (long long)d;
        n = 0;
        if (v < 0)
            buf[n++] = '-';
        n += u64_text(v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, buf + n);
    } else if ((n = fast_double(d, buf)) == 0 && (n = short_decimal(d, buf)) == 0) {
        /* fast_double first: computed km and minutes have 16-17 digits, where
         * short_decimal's loop only fails; where both give a text it is the
         * same (they agree on 14 M random doubles of either kind) */
        n = double_text(d, buf);
        if (n == 0) { /* cannot happen with a finite double; the old way */
            n = (size_t)snprintf(buf, VW_MPJSON_DOUBLE_MAX, "%.17g", d);
        }
    }
    if (memchr(buf, '.', n) == NULL && memchr(buf, 'e', n) == NULL) {
        memcpy(buf + n, ".0", 2);
        n += 2;
    }
    return n;
}

static void write_double(jw *w, double d)
{
    char buf[VW_MPJSON_DOUBLE_MAX];
    put(w, buf, vw_mpjson_double(d, buf));
}

size_t vw_mpjson_plain(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n && !needs_escape[u[i]])
        i++;
    return i;
}

/* A non-string map key: its own JSON text, as a string. */
static int key_sink(void *ctx, const char *p, size_t n)
{
    return fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

static void write_obj(jw *w, const msgpack_object *o, int depth);

static void write_key(jw *w, const msgpack_object *k)
{
    char *txt = NULL;
    size_t len = 0;
    if (k->type == MSGPACK_OBJECT_STR) {
        write_str(w, k->via.str.ptr, k->via.str.size);
        return;
    }
    FILE *m = open_memstream(&txt, &len);
    if (m == NULL) {
        w->failed = 1;
        return;
    }
    vw_mpjson_write(k, false, key_sink, m);
    fclose(m);
    write_str(w, txt, len);
    free(txt);
}

static void write_obj(jw *w, const msgpack_object *o, int depth)
{
    char num[32];
    if (w->failed)
        return;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: puts_(w, "null"); break;
    case MSGPACK_OBJECT_BOOLEAN: puts_(w, o->via.boolean ? "true" : "false"); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        put(w, num, u64_text((unsigned long long)o->via.u64, num));
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        num[0] = '-';
        put(w, num, 1 + u64_text(0ull - (unsigned long long)o->via.i64, num + 1));
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: write_double(w, o->via.f64); break;
    case MSGPACK_OBJECT_STR: write_str(w, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_BIN: write_base64(w, o->via.bin.ptr, o->via.bin.size); break;
    case MSGPACK_OBJECT_EXT: write_base64(w, o->via.ext.ptr, o->via.ext.size); break;
    case MSGPACK_OBJECT_ARRAY:
        put(w, "[", 1);
        for (uint32_t i = 0; i < o->via.array.size && !w->failed; i++) {
            if (i)
                put(w, ",", 1);
            indent(w, depth + 1);
            write_obj(w, &o->via.array.ptr[i], depth + 1);
        }
        if (o->via.array.size)
            indent(w, depth);
        put(w, "]", 1);
        break;
    case MSGPACK_OBJECT_MAP:
        put(w, "{", 1);
        for (uint32_t i = 0; i < o->via.map.size && !w->failed; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            if (i)
                put(w, ",", 1);
            indent(w, depth + 1);
            write_key(w, &kv->key);
            puts_(w, w->pretty ? ": " : ":");
            write_obj(w, &kv->val, depth + 1);
        }
        if (o->via.map.size)
            indent(w, depth);
        put(w, "}", 1);
        break;
    default: puts_(w, "null");
    }
}

int vw_mpjson_write(const msgpack_object *o, bool pretty, vw_mpjson_sink sink, void *ctx)
{
    jw w;
    w.sink = sink;
    w.ctx = ctx;
    w.pretty = pretty;
    w.failed = 0;
    w.used = 0; /* buf needs no zeroing */
    write_obj(&w, o, 0);
    flush(&w);
    return w.failed ? -1 : 0;
}
