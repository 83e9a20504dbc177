/* mpjson.c -- msgpack object -> JSON text (see mpjson.h). Plain runs of a
 * string go to the sink in one piece; nesting is bounded by the object (which
 * vw_msg_check or our own packer bounded already). */
#include "mpjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jw {
    vw_mpjson_sink sink;
    void *ctx;
    bool pretty;
    int failed;
} jw;

static void put(jw *w, const char *p, size_t n)
{
    if (!w->failed && n && w->sink(w->ctx, p, n) != 0)
        w->failed = 1;
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

static void write_str(jw *w, const char *s, size_t n)
{
    size_t run = 0;
    put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = NULL;
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
            if (ch < 0x20 || ch == 0x7f) {
                snprintf(hex, sizeof hex, "\\u%04x", ch);
                esc = hex;
            }
        }
        if (esc == NULL)
            continue;
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

static void write_double(jw *w, double d)
{
    char buf[40];
    if (!isfinite(d)) {
        puts_(w, "null");
        return;
    }
    /* Shortest text that reads back as the same double. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (!strpbrk(buf, ".eE"))
        strcat(buf, ".0");
    puts_(w, buf);
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
        snprintf(num, sizeof num, "%llu", (unsigned long long)o->via.u64);
        puts_(w, num);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)o->via.i64);
        puts_(w, num);
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
    jw w = {.sink = sink, .ctx = ctx, .pretty = pretty};
    write_obj(&w, o, 0);
    return w.failed ? -1 : 0;
}
