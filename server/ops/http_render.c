/* http_render.c -- the JSON of a response frame walked in its msgpack bytes,
 * with provider objects from the per-thread JSON cache (see http.h,
 * vw_http_render_cached; jsoncache.h).
 *
 * The text is exactly what vw_http_render writes (vw_mpjson_write, compact):
 * maps and arrays are "{" / "[" and members joined by ","; every key and
 * every value that is not walked here is written by vw_mpjson_write itself,
 * so the one writer of answers stays proto/mpjson.c. What this file adds is
 * the walk over the bytes (no object tree for the whole answer) and, for
 * each provider object (an element of the result's "providers" or "online"
 * array), the members before its per-query "km" taken from the cache by
 * their bytes. One walk: each value's length is found once (the members
 * before "km" twice on a miss). Bounded: every length is checked against
 * the frame (the skip has no recursion to bound); a frame that is not an ok answer with a
 * map result goes to vw_http_render; one that does not walk (which our own
 * packer never makes) stops with -1 and status 500. */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jsoncache.h"

#define OUT_BUF 4096

/* ---- msgpack bytes -------------------------------------------------------- */

static uint32_t be(const uint8_t *p, int k)
{
    uint32_t v = 0;
    for (int i = 0; i < k; i++)
        v = v << 8 | p[i];
    return v;
}

/* Map or array header at p: *count members/elements, *hlen header bytes. */
static bool container(const uint8_t *p, size_t n, bool *is_map, uint32_t *count, size_t *hlen)
{
    if (n == 0)
        return false;
    uint8_t b = p[0];
    if ((b & 0xf0) == 0x80 || (b & 0xf0) == 0x90) {
        *is_map = (b & 0xf0) == 0x80;
        *count = b & 0x0f;
        *hlen = 1;
        return true;
    }
    int k = (b == 0xdc || b == 0xde) ? 2 : (b == 0xdd || b == 0xdf) ? 4 : 0;
    if (k == 0 || n < (size_t)1 + k)
        return false;
    *is_map = b == 0xde || b == 0xdf;
    *count = be(p + 1, k);
    *hlen = 1 + (size_t)k;
    return true;
}

/* Bytes of the `items` values at p[0..n); 0 when they are incomplete or
 * invalid. One loop, no recursion: a container adds its members to the
 * values still to skip, and as every value takes a byte at least, more
 * values to skip than bytes left fail at once. */
static size_t skip(const uint8_t *p, size_t n, uint64_t items)
{
    size_t at = 0;
    while (items > 0) {
        if (items > n - at)
            return 0;
        uint8_t b = p[at];
        size_t len = 0, k;
        items--;
        if ((b & 0xe0) == 0xa0) { /* fixstr: most of an answer */
            len = 1 + (size_t)(b & 0x1f);
        } else if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            len = 1;
        } else if (b == 0xcb || b == 0xcf || b == 0xd3) {
            len = 9;
        } else if ((b & 0xf0) == 0x80) {
            items += 2 * (uint64_t)(b & 0x0f), len = 1;
        } else if ((b & 0xf0) == 0x90) {
            items += b & 0x0f, len = 1;
        } else if (b >= 0xdc && b <= 0xdf) { /* array 16/32, map 16/32 */
            k = (b & 1) ? 4 : 2;
            if (n - at <= k)
                return 0;
            items += (uint64_t)be(p + at + 1, (int)k) * (b >= 0xde ? 2 : 1);
            len = 1 + k;
        } else if (b >= 0xd9 && b <= 0xdb) { /* str 8/16/32 */
            k = (size_t)1 << (b - 0xd9);
            len = n - at > k ? 1 + k + be(p + at + 1, (int)k) : 0;
        } else if (b >= 0xc4 && b <= 0xc6) { /* bin 8/16/32 */
            k = (size_t)1 << (b - 0xc4);
            len = n - at > k ? 1 + k + be(p + at + 1, (int)k) : 0;
        } else if (b >= 0xc7 && b <= 0xc9) { /* ext 8/16/32 */
            k = (size_t)1 << (b - 0xc7);
            len = n - at > k ? 2 + k + be(p + at + 1, (int)k) : 0;
        } else if (b == 0xca || b == 0xce || b == 0xd2) {
            len = 5;
        } else if (b == 0xcc || b == 0xd0) {
            len = 2;
        } else if (b == 0xcd || b == 0xd1) {
            len = 3;
        } else if (b >= 0xd4 && b <= 0xd8) { /* fixext 1/2/4/8/16 */
            len = 2 + ((size_t)1 << (b - 0xd4));
        }
        if (len == 0 || len > n - at)
            return 0;
        at += len;
    }
    return at;
}

static size_t value_len(const uint8_t *p, size_t n) { return skip(p, n, 1); }

/* Is the value at p the string s? */
static bool is_str(const uint8_t *p, size_t n, const char *s)
{
    size_t l = strlen(s);
    return l < 32 && n >= 1 + l && p[0] == (0xa0 | l) && memcmp(p + 1, s, l) == 0;
}

/* ---- output --------------------------------------------------------------- */

typedef struct out {
    vw_mpjson_sink sink;
    void *ctx;
    msgpack_zone *zone;
    vw_jsoncache *cache;
    int failed;
    size_t used;
    char *cap_buf; /* while capturing (a cache miss): where the text goes */
    size_t cap, cap_used;
    bool capturing, cap_full;
    char main_buf[OUT_BUF];
} out;

static void flush(out *o)
{
    if (!o->failed && o->used && o->sink(o->ctx, o->main_buf, o->used) != 0)
        o->failed = 1;
    o->used = 0;
}

static int out_sink(void *ctx, const char *p, size_t n)
{
    out *o = ctx;
    if (o->capturing) { /* a miss being rendered for the cache */
        if (o->cap_used + n > o->cap)
            o->cap_full = true;
        else
            memcpy(o->cap_buf + o->cap_used, p, n);
        o->cap_used += n;
        return 0;
    }
    if (o->failed)
        return -1;
    if (n > OUT_BUF - o->used) {
        flush(o);
        if (n >= OUT_BUF) {
            if (!o->failed && o->sink(o->ctx, p, n) != 0)
                o->failed = 1;
            return o->failed ? -1 : 0;
        }
    }
    memcpy(o->main_buf + o->used, p, n);
    o->used += n;
    return 0;
}

static void put(out *o, const char *p, size_t n) { (void)out_sink(o, p, n); }

/* A string of n bytes at s: between quotes as it is when nothing needs
 * escaping (most of an answer), else by the writer. 1: written here. */
static bool write_plain_str(out *o, const char *s, size_t n)
{
    if (vw_mpjson_plain(s, n) != n)
        return false;
    put(o, "\"", 1);
    put(o, s, n);
    put(o, "\"", 1);
    return true;
}

/* A value not walked: strings without escapes, doubles, small integers,
 * nil and booleans written here, as vw_mpjson_write would write them;
 * anything else made an object (scalars in place, the rest unpacked from
 * its bytes into the zone) and written by vw_mpjson_write. */
static int write_value(out *o, const uint8_t *p, size_t n)
{
    msgpack_object obj;
    uint8_t b = p[0];
    if ((b & 0xe0) == 0xa0 && n == 1 + (size_t)(b & 0x1f) &&
        write_plain_str(o, (const char *)p + 1, b & 0x1f))
        return 0;
    if (b == 0xd9 && n >= 2 && n == 2 + (size_t)p[1] &&
        write_plain_str(o, (const char *)p + 2, p[1]))
        return 0;
    if (b == 0xcb && n == 9) {
        uint64_t u = (uint64_t)be(p + 1, 4) << 32 | be(p + 5, 4);
        double d;
        char t[VW_MPJSON_DOUBLE_MAX];
        memcpy(&d, &u, 8);
        put(o, t, vw_mpjson_double(d, t));
        return 0;
    }
    if (b == 0xc0 || b == 0xc2 || b == 0xc3) {
        static const char *const lit[] = {"null", "", "false", "true"};
        put(o, lit[b - 0xc0], strlen(lit[b - 0xc0]));
        return 0;
    }
    if (b <= 0x7f) { /* positive fixint */
        char t[3];
        size_t l = 0;
        if (b >= 100)
            t[l++] = (char)('0' + b / 100);
        if (b >= 10)
            t[l++] = (char)('0' + b / 10 % 10);
        t[l++] = (char)('0' + b % 10);
        put(o, t, l);
        return 0;
    }
    if ((b & 0xe0) == 0xa0) {
        obj.type = MSGPACK_OBJECT_STR;
        obj.via.str.ptr = (const char *)p + 1;
        obj.via.str.size = b & 0x1f;
    } else if (b == 0xd9 && n >= 2) {
        obj.type = MSGPACK_OBJECT_STR;
        obj.via.str.ptr = (const char *)p + 2;
        obj.via.str.size = p[1];
    } else {
        size_t off = 0;
        if (msgpack_unpack((const char *)p, n, &off, o->zone, &obj) != MSGPACK_UNPACK_SUCCESS ||
            off != n)
            return -1;
    }
    return vw_mpjson_write(&obj, false, out_sink, o);
}

typedef struct grow {
    char *p;
    size_t n, cap;
} grow;

static int grow_sink(void *ctx, const char *p, size_t n)
{
    grow *g = ctx;
    if (n > (64u << 20) - g->n) /* as the plain writer, unbounded but for this */
        return -1;
    if (g->n + n > g->cap) {
        size_t cap = (g->n + n) * 2;
        char *q = realloc(g->p, cap);
        if (q == NULL)
            return -1;
        g->p = q;
        g->cap = cap;
    }
    memcpy(g->p + g->n, p, n);
    g->n += n;
    return 0;
}

/* A key as vw_mpjson_write writes it: a string key is the string; any other
 * (never in our answers) is written through a one-member map, the writer's
 * own rule for such keys, less "{" and ":null}". */
static int write_key(out *o, const uint8_t *p, size_t n)
{
    if ((p[0] & 0xe0) == 0xa0 || p[0] == 0xd9)
        return write_value(o, p, n);
    msgpack_object key, m;
    msgpack_object_kv kv;
    size_t off = 0;
    int rc = -1;
    grow g = {NULL, 0, 0};
    if (msgpack_unpack((const char *)p, n, &off, o->zone, &key) != MSGPACK_UNPACK_SUCCESS)
        return -1;
    kv.key = key;
    kv.val.type = MSGPACK_OBJECT_NIL;
    m.type = MSGPACK_OBJECT_MAP;
    m.via.map.size = 1;
    m.via.map.ptr = &kv;
    if (vw_mpjson_write(&m, false, grow_sink, &g) == 0 && g.n >= 7) {
        put(o, g.p + 1, g.n - 7);
        rc = 0;
    }
    free(g.p);
    return rc;
}

/* `count` members of a map starting at p (*at: bytes used so far,
 * advanced), joined by ","; `first`: no "," before the first. At depth 0
 * (the result) the arrays of providers are walked, below it every value is
 * written whole. */
static int write_members(out *o, const uint8_t *p, size_t n, size_t *at, uint32_t count,
                         bool first, int depth);

/* The last three members of a provider object as pack.c writes them, `km`,
 * `minutes` (doubles) and `time_source` (a short string), at p + *at: written
 * in one piece, each as write_members would write it (with the "," before
 * it), and *at advanced. false (nothing written) for any other bytes. */
static bool write_hit_tail(out *o, const uint8_t *p, size_t n, size_t *at)
{
    static const uint8_t km[] = {0xa2, 'k', 'm', 0xcb};
    static const uint8_t mins[] = {0xa7, 'm', 'i', 'n', 'u', 't', 'e', 's', 0xcb};
    static const uint8_t ts[] = {0xab, 't', 'i', 'm', 'e', '_', 's', 'o', 'u', 'r', 'c', 'e'};
    const uint8_t *q = p + *at;
    size_t left = n - *at, need = sizeof km + 8 + sizeof mins + 8 + sizeof ts + 1;
    if (left < need || memcmp(q, km, sizeof km) != 0 ||
        memcmp(q + sizeof km + 8, mins, sizeof mins) != 0 ||
        memcmp(q + sizeof km + 8 + sizeof mins + 8, ts, sizeof ts) != 0)
        return false;
    const uint8_t *sp = q + need - 1;
    size_t sl = (size_t)(*sp & 0x1f);
    if ((*sp & 0xe0) != 0xa0 || left - need < sl || vw_mpjson_plain((const char *)sp + 1, sl) != sl)
        return false;
    char t[2 * VW_MPJSON_DOUBLE_MAX + 96]; /* 17 + 2 doubles + 16 + 31 + 1 */
    size_t l = 0;
    const uint8_t *dp[2] = {q + sizeof km, q + sizeof km + 8 + sizeof mins};
    static const char *const lead[2] = {",\"km\":", ",\"minutes\":"};
    for (int i = 0; i < 2; i++) {
        uint64_t u = (uint64_t)be(dp[i], 4) << 32 | be(dp[i] + 4, 4);
        double d;
        memcpy(&d, &u, 8);
        size_t ll = strlen(lead[i]);
        memcpy(t + l, lead[i], ll);
        l += ll;
        l += vw_mpjson_double(d, t + l);
    }
    memcpy(t + l, ",\"time_source\":\"", 16);
    l += 16;
    memcpy(t + l, sp + 1, sl);
    l += sl;
    t[l++] = '"';
    put(o, t, l);
    *at += need + sl;
    return true;
}

/* One provider object at p (a map of `count` members, header `hlen`): the
 * members before "km" from the cache, the rest written. A hit is a stored
 * run of k < count whole members that the object's bytes start with and
 * that "km" follows (msgpack delimits itself: those bytes are those
 * members); a miss walks to "km", renders the members before it and stores
 * them. Returns the object's length, 0 when it does not walk. */
static size_t write_provider(out *o, const uint8_t *p, size_t n, uint32_t count, size_t hlen)
{
    const uint8_t *mp = p + hlen;
    size_t at = hlen;
    uint32_t k = 0;
    vw_jsoncache_hit hit;
    put(o, "{", 1);
    if (vw_jsoncache_get(o->cache, mp, n - hlen, &hit) && hit.tag < count &&
        is_str(mp + hit.mp_len, n - hlen - hit.mp_len, "km")) {
        put(o, hit.json, hit.json_len);
        k = hit.tag;
        at = hlen + hit.mp_len;
    } else {
        for (; k < count; k++) { /* find "km" */
            if (is_str(p + at, n - at, "km"))
                break;
            size_t l = skip(p + at, n - at, 2);
            if (l == 0)
                return 0;
            at += l;
        }
        size_t mp_len = at - hlen, a2 = hlen;
        char tmp[VW_JSONCACHE_SLOT];
        out cap = *o; /* rendered into a capture, stored, then written */
        cap.capturing = true;
        cap.cap_buf = tmp;
        cap.cap = sizeof tmp;
        cap.cap_used = 0;
        cap.cap_full = false;
        if (k > 0 && write_members(&cap, p, n, &a2, k, true, 1) != 0)
            return 0;
        if (k > 0 && !cap.cap_full && k < count) {
            vw_jsoncache_put(o->cache, mp, mp_len, k, tmp, cap.cap_used);
            put(o, tmp, cap.cap_used);
        } else if (k > 0) { /* too long to cache, or no "km": written straight */
            a2 = hlen;
            if (write_members(o, p, n, &a2, k, true, 1) != 0)
                return 0;
        }
    }
    if (!(k > 0 && count - k == 3 && write_hit_tail(o, p, n, &at)) &&
        write_members(o, p, n, &at, count - k, k == 0, 1) != 0)
        return 0;
    put(o, "}", 1);
    return at;
}

/* An array of provider objects at p: returns its length, 0 when it does
 * not walk. */
static size_t write_providers(out *o, const uint8_t *p, size_t n, uint32_t count, size_t hlen)
{
    size_t at = hlen;
    put(o, "[", 1);
    for (uint32_t i = 0; i < count; i++) {
        bool em;
        uint32_t ec;
        size_t eh, l;
        if (i)
            put(o, ",", 1);
        if (container(p + at, n - at, &em, &ec, &eh) && em)
            l = write_provider(o, p + at, n - at, ec, eh);
        else if ((l = value_len(p + at, n - at)) != 0 && write_value(o, p + at, l) != 0)
            l = 0;
        if (l == 0)
            return 0;
        at += l;
    }
    put(o, "]", 1);
    return at;
}

static int write_members(out *o, const uint8_t *p, size_t n, size_t *at, uint32_t count,
                         bool first, int depth)
{
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *kp = p + *at;
        size_t kl = value_len(kp, n - *at), vl = 0;
        bool is_map;
        uint32_t ec;
        size_t eh;
        if (kl == 0)
            return -1;
        if (!first || i > 0)
            put(o, ",", 1);
        if (write_key(o, kp, kl) != 0)
            return -1;
        put(o, ":", 1);
        const uint8_t *vp = kp + kl;
        size_t left = n - *at - kl;
        if (depth == 0 && (is_str(kp, kl, "providers") || is_str(kp, kl, "online")) &&
            container(vp, left, &is_map, &ec, &eh) && !is_map)
            vl = write_providers(o, vp, left, ec, eh);
        else if ((vl = value_len(vp, left)) != 0 && write_value(o, vp, vl) != 0)
            vl = 0;
        if (vl == 0)
            return -1;
        *at += kl + vl;
    }
    return 0;
}

int vw_http_render_cached(const uint8_t *body, size_t len, msgpack_zone *zone,
                          vw_jsoncache *cache, vw_mpjson_sink sink, void *ctx, int *status)
{
    bool is_map, ok = false;
    uint32_t count;
    size_t hlen, at, result = 0, result_len = 0;
    if (cache == NULL || !container(body, len, &is_map, &count, &hlen) || !is_map)
        return vw_http_render(body, len, zone, sink, ctx, status);
    at = hlen;
    for (uint32_t i = 0; i < count; i++) { /* the envelope: "ok" and "result" */
        size_t kl = value_len(body + at, len - at), vl;
        if (kl != 0 && i + 1 == count && at + kl < len)
            vl = len - at - kl; /* the last member: the rest of the frame, walked
                                 * below (a walk that does not end there fails) */
        else
            vl = kl ? value_len(body + at + kl, len - at - kl) : 0;
        if (vl == 0)
            break;
        if (is_str(body + at, kl, "ok"))
            ok = body[at + kl] == 0xc3;
        if (is_str(body + at, kl, "result"))
            result = at + kl, result_len = vl;
        at += kl + vl;
    }
    if (!ok || result_len == 0 || !container(body + result, result_len, &is_map, &count, &hlen) ||
        !is_map)
        return vw_http_render(body, len, zone, sink, ctx, status); /* errors, other shapes */
    out o;
    o.sink = sink;
    o.ctx = ctx;
    o.zone = zone;
    o.cache = cache;
    o.failed = 0;
    o.used = 0;
    o.capturing = false;
    o.cap_buf = NULL;
    o.cap = o.cap_used = 0;
    o.cap_full = false;
    msgpack_zone_clear(zone);
    at = hlen;
    put(&o, "{", 1);
    int rc = write_members(&o, body + result, result_len, &at, count, true, 0);
    if (rc == 0 && at != result_len)
        rc = -1; /* the result ends before the frame does: not one of our frames */
    put(&o, "}", 1);
    flush(&o);
    *status = rc != 0 && !o.failed ? 500 : 200; /* 200 and -1: the sink stopped (output limit) */
    return rc != 0 || o.failed ? -1 : 0;
}
