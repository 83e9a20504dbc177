/* json.c -- msgpack object -> JSON text. */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void indent(FILE *f, bool pretty, int depth)
{
    if (!pretty)
        return;
    fputc('\n', f);
    for (int i = 0; i < depth; i++)
        fputs("  ", f);
}

static void write_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (ch < 0x20 || ch == 0x7f)
                fprintf(f, "\\u%04x", ch);
            else
                fputc(ch, f);
        }
    }
    fputc('"', f);
}

static void write_base64(FILE *f, const char *p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = (const unsigned char *)p;
    fputc('"', f);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        fputc(tbl[(v >> 18) & 63], f);
        fputc(tbl[(v >> 12) & 63], f);
        fputc(i + 1 < n ? tbl[(v >> 6) & 63] : '=', f);
        fputc(i + 2 < n ? tbl[v & 63] : '=', f);
    }
    fputc('"', f);
}

static void write_double(FILE *f, double d)
{
    if (!isfinite(d)) {
        fputs("null", f);
        return;
    }
    /* Shortest text that reads back as the same double. */
    char buf[32];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    fputs(buf, f);
    if (!strpbrk(buf, ".eE"))
        fputs(".0", f);
}

static void write_obj(FILE *f, const msgpack_object *o, bool pretty, int depth)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: fputs("null", f); break;
    case MSGPACK_OBJECT_BOOLEAN: fputs(o->via.boolean ? "true" : "false", f); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: fprintf(f, "%llu", (unsigned long long)o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: fprintf(f, "%lld", (long long)o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: write_double(f, o->via.f64); break;
    case MSGPACK_OBJECT_STR: write_str(f, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_BIN: write_base64(f, o->via.bin.ptr, o->via.bin.size); break;
    case MSGPACK_OBJECT_EXT: write_base64(f, o->via.ext.ptr, o->via.ext.size); break;
    case MSGPACK_OBJECT_ARRAY:
        fputc('[', f);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                fputc(',', f);
            indent(f, pretty, depth + 1);
            write_obj(f, &o->via.array.ptr[i], pretty, depth + 1);
        }
        if (o->via.array.size)
            indent(f, pretty, depth);
        fputc(']', f);
        break;
    case MSGPACK_OBJECT_MAP:
        fputc('{', f);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            if (i)
                fputc(',', f);
            indent(f, pretty, depth + 1);
            if (kv->key.type == MSGPACK_OBJECT_STR) {
                write_str(f, kv->key.via.str.ptr, kv->key.via.str.size);
            } else {
                /* JSON keys are strings: write the key's JSON text as one. */
                char *txt = NULL;
                size_t len = 0;
                FILE *m = open_memstream(&txt, &len);
                if (m) {
                    write_obj(m, &kv->key, false, 0);
                    fclose(m);
                    write_str(f, txt, len);
                    free(txt);
                }
            }
            fputs(pretty ? ": " : ":", f);
            write_obj(f, &kv->val, pretty, depth + 1);
        }
        if (o->via.map.size)
            indent(f, pretty, depth);
        fputc('}', f);
        break;
    default: fputs("null", f);
    }
}

void vw_json_write(FILE *f, const msgpack_object *o, bool pretty)
{
    write_obj(f, o, pretty, 0);
    fputc('\n', f);
}
