/* change.c -- the record-level change of change.h: building one (bounded),
 * its record text (change_log.record), and its msgpack form. */
#include "change.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[VW_CHG_KIND_COUNT] = {"provider", "network", "membership",
                                                          "registration"};
static const char *const op_names[VW_CHG_OP_COUNT] = {"create", "update", "delete"};
static const char *const key_names[VW_CHG_KIND_COUNT][VW_CHG_MAX_KEY] = {
    {"id"}, {"id"}, {"provider_id", "network_id"}, {"provider_id", "expertise", "registry"}};
static const int key_counts[VW_CHG_KIND_COUNT] = {1, 1, 2, 3};

void vw_changes_init(vw_changes *c) { memset(c, 0, sizeof *c); }

static void change_clear(vw_change *ch)
{
    for (int i = 0; i < VW_CHG_MAX_KEY; i++)
        free(ch->key[i]);
    for (int i = 0; i < ch->nfields; i++) {
        free(ch->field[i].name);
        free(ch->field[i].value);
    }
    free(ch->as_at);
}

void vw_changes_free(vw_changes *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        change_clear(&c->v[i]);
    free(c->v);
    memset(c, 0, sizeof *c);
}

vw_change *vw_changes_add(vw_changes *c, vw_err *err)
{
    if (c->n >= VW_CHG_MAX_BATCH) {
        vw_err_set(err, VW_E_TOO_LARGE, "more than %d changes in one batch", VW_CHG_MAX_BATCH);
        return NULL;
    }
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        vw_change *p = realloc(c->v, ncap * sizeof *p);
        if (p == NULL) {
            vw_err_set(err, VW_E_INTERNAL, "out of memory");
            return NULL;
        }
        c->v = p;
        c->cap = ncap;
    }
    vw_change *ch = &c->v[c->n++];
    memset(ch, 0, sizeof *ch);
    return ch;
}

const char *vw_chg_kind_name(vw_chg_kind k)
{
    return (unsigned)k < VW_CHG_KIND_COUNT ? kind_names[k] : "?";
}

const char *vw_chg_op_name(vw_chg_op o) { return (unsigned)o < VW_CHG_OP_COUNT ? op_names[o] : "?"; }

static int find_name(const char *const *names, int n, const char *s, size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return i;
    return -1;
}

int vw_chg_kind_parse(const char *s, size_t len)
{
    return find_name(kind_names, VW_CHG_KIND_COUNT, s, len);
}

int vw_chg_op_parse(const char *s, size_t len) { return find_name(op_names, VW_CHG_OP_COUNT, s, len); }

int vw_chg_key_count(vw_chg_kind k) { return (unsigned)k < VW_CHG_KIND_COUNT ? key_counts[k] : 0; }

const char *vw_chg_key_name(vw_chg_kind k, int i)
{
    return (unsigned)k < VW_CHG_KIND_COUNT && i >= 0 && i < key_counts[k] ? key_names[k][i] : "?";
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

int vw_change_set(vw_change *ch, const char *name, size_t nlen, const char *val, size_t vlen,
                  vw_err *err)
{
    if (nlen == 0 || nlen > VW_CHG_NAME_MAX)
        return vw_err_set(err, VW_E_BAD_REQUEST, "a field name is empty or longer than %d bytes",
                          VW_CHG_NAME_MAX);
    if (memchr(name, '\0', nlen) || memchr(val, '\0', vlen))
        return vw_err_set(err, VW_E_BAD_REQUEST, "a field name or value contains a NUL byte");
    if (vlen > VW_CHG_VALUE_MAX)
        return vw_err_set(err, VW_E_BAD_REQUEST, "field %.*s: value longer than %d bytes",
                          (int)nlen, name, VW_CHG_VALUE_MAX);
    for (int i = 0; i < ch->nfields; i++)
        if (strlen(ch->field[i].name) == nlen && memcmp(ch->field[i].name, name, nlen) == 0)
            return vw_err_set(err, VW_E_BAD_REQUEST, "field %.*s is set twice", (int)nlen, name);
    if (ch->nfields == VW_CHG_MAX_FIELDS)
        return vw_err_set(err, VW_E_BAD_REQUEST, "more than %d fields in one change",
                          VW_CHG_MAX_FIELDS);
    char *n = dup_n(name, nlen), *v = dup_n(val, vlen);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    }
    ch->field[ch->nfields].name = n;
    ch->field[ch->nfields].value = v;
    ch->nfields++;
    return 0;
}

int vw_change_set_key(vw_change *ch, int i, const char *val, size_t vlen, vw_err *err)
{
    if (i < 0 || i >= VW_CHG_MAX_KEY)
        return vw_err_set(err, VW_E_BAD_REQUEST, "too many key parts");
    if (vlen == 0 || vlen > VW_CHG_VALUE_MAX || memchr(val, '\0', vlen))
        return vw_err_set(err, VW_E_BAD_REQUEST, "key %s is empty, too long or has a NUL byte",
                          vw_chg_key_name(ch->kind, i));
    char *v = dup_n(val, vlen);
    if (v == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    free(ch->key[i]);
    ch->key[i] = v;
    if (i + 1 > ch->nkey)
        ch->nkey = i + 1;
    return 0;
}

size_t vw_json_escape(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
#define PUT(c)                   \
    do {                         \
        if (o + 1 < cap)         \
            out[o] = (char)(c);  \
        o++;                     \
    } while (0)
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT(c);
        } else if (c < 0x20) {
            static const char hex[] = "0123456789abcdef";
            const char *esc = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                              : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            if (esc) {
                PUT(esc[0]);
                PUT(esc[1]);
            } else {
                PUT('\\'); PUT('u'); PUT('0'); PUT('0'); PUT(hex[c >> 4]); PUT(hex[c & 15]);
            }
        } else {
            PUT(c);
        }
    }
#undef PUT
    if (cap)
        out[o < cap ? o : cap - 1] = '\0';
    return o;
}

size_t vw_change_record(const vw_change *ch, char *out, size_t cap)
{
    int n = vw_chg_key_count(ch->kind);
    if (n == 1)
        return (size_t)snprintf(out, cap, "%s", ch->key[0] ? ch->key[0] : "");
    size_t o = 0;
    char tmp[2 * VW_CHG_VALUE_MAX * 3 + 8];
    o += (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < n; i++) {
        const char *k = ch->key[i] ? ch->key[i] : "";
        vw_json_escape(k, strlen(k), tmp, sizeof tmp);
        o += (size_t)snprintf(out + (o < cap ? o : cap), o < cap ? cap - o : 0, "%s\"%s\"",
                              i ? "," : "", tmp);
    }
    o += (size_t)snprintf(out + (o < cap ? o : cap), o < cap ? cap - o : 0, "]");
    return o;
}

/* One JSON string at s[*pos] (after blanks); unescapes into out. 0 / -1. */
static int json_str(const char *s, size_t len, size_t *pos, char *out, size_t cap, size_t *olen)
{
    size_t i = *pos, o = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i >= len || s[i] != '"')
        return -1;
    for (i++; i < len && s[i] != '"'; i++) {
        char c = s[i];
        if (c == '\\') {
            if (++i >= len)
                return -1;
            switch (s[i]) {
            case '"': case '\\': case '/': c = s[i]; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                if (i + 4 >= len)
                    return -1;
                for (int k = 1; k <= 4; k++) {
                    char h = s[i + k];
                    v = v * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0'
                                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                            : h >= 'A' && h <= 'F' ? h - 'A' + 10 : 99);
                }
                if (v >= 0x80) /* keys are ASCII ids and short texts; escapes of control characters only */
                    return -1;
                c = (char)v;
                i += 4;
                break;
            }
            default: return -1;
            }
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    if (i >= len)
        return -1;
    out[o] = '\0';
    *olen = o;
    *pos = i + 1;
    return 0;
}

int vw_change_parse_record(vw_change *ch, const char *rec, size_t len, vw_err *err)
{
    int n = vw_chg_key_count(ch->kind);
    if (n == 1)
        return vw_change_set_key(ch, 0, rec, len, err);
    size_t pos = 0;
    char buf[VW_CHG_VALUE_MAX + 1];
    while (pos < len && rec[pos] == ' ')
        pos++;
    if (pos >= len || rec[pos] != '[')
        goto bad;
    pos++;
    for (int i = 0; i < n; i++) {
        size_t bl;
        if (i) {
            while (pos < len && rec[pos] == ' ')
                pos++;
            if (pos >= len || rec[pos] != ',')
                goto bad;
            pos++;
        }
        if (json_str(rec, len, &pos, buf, sizeof buf, &bl) != 0)
            goto bad;
        if (vw_change_set_key(ch, i, buf, bl, err) != 0)
            return -1;
    }
    while (pos < len && rec[pos] == ' ')
        pos++;
    if (pos >= len || rec[pos] != ']')
        goto bad;
    for (pos++; pos < len && rec[pos] == ' '; pos++)
        ;
    if (pos == len)
        return 0;
bad:
    return vw_err_set(err, VW_E_BAD_REQUEST,
                      "the key of a %s is %d parts: \"%s;...\" or a JSON array [\"%s\", ...]",
                      vw_chg_kind_name(ch->kind), n, vw_chg_key_name(ch->kind, 0),
                      vw_chg_key_name(ch->kind, 0));
}

int vw_change_check(const vw_change *ch, vw_err *err)
{
    int n = vw_chg_key_count(ch->kind);
    if ((unsigned)ch->kind >= VW_CHG_KIND_COUNT)
        return vw_err_set(err, VW_E_BAD_REQUEST, "unknown kind (provider, network, membership, "
                          "registration)");
    if ((unsigned)ch->op >= VW_CHG_OP_COUNT)
        return vw_err_set(err, VW_E_BAD_REQUEST, "unknown op (create, update, delete)");
    for (int i = 0; i < n; i++)
        if (ch->key[i] == NULL)
            return vw_err_set(err, VW_E_BAD_REQUEST, "%s: %s is missing",
                              vw_chg_kind_name(ch->kind), vw_chg_key_name(ch->kind, i));
    if (ch->nkey > n)
        return vw_err_set(err, VW_E_BAD_REQUEST, "%s: the key has %d parts, not %d",
                          vw_chg_kind_name(ch->kind), n, ch->nkey);
    if (ch->op == VW_CHG_DELETE && ch->nfields > 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "a delete sets no fields");
    if (ch->base_version < 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "version must be a positive integer");
    return 0;
}

/* ---- msgpack ------------------------------------------------------------------ */

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

void vw_change_pack(msgpack_packer *pk, const vw_change *ch)
{
    int n = vw_chg_key_count(ch->kind);
    msgpack_pack_map(pk, 3 + (ch->base_version > 0) + (ch->nfields > 0) + (ch->line > 0));
    pack_str(pk, "op");
    pack_str(pk, vw_chg_op_name(ch->op));
    pack_str(pk, "kind");
    pack_str(pk, vw_chg_kind_name(ch->kind));
    pack_str(pk, "id");
    if (n == 1) {
        pack_str(pk, ch->key[0] ? ch->key[0] : "");
    } else {
        msgpack_pack_array(pk, (size_t)n);
        for (int i = 0; i < n; i++)
            pack_str(pk, ch->key[i] ? ch->key[i] : "");
    }
    if (ch->line > 0) {
        pack_str(pk, "line");
        msgpack_pack_int64(pk, ch->line);
    }
    if (ch->base_version > 0) {
        pack_str(pk, "version");
        msgpack_pack_int64(pk, ch->base_version);
    }
    if (ch->nfields > 0) {
        pack_str(pk, "set");
        msgpack_pack_map(pk, (size_t)ch->nfields);
        for (int i = 0; i < ch->nfields; i++) {
            pack_str(pk, ch->field[i].name);
            pack_str(pk, ch->field[i].value);
        }
    }
}

static bool key_is(const msgpack_object *k, const char *name)
{
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(name) &&
           memcmp(k->via.str.ptr, name, k->via.str.size) == 0;
}

/* A scalar as the text of an import field. 0 / -1. */
static int scalar_text(const msgpack_object *v, char *buf, size_t cap, const char **s, size_t *len)
{
    switch (v->type) {
    case MSGPACK_OBJECT_STR:
        *s = v->via.str.ptr;
        *len = v->via.str.size;
        return 0;
    case MSGPACK_OBJECT_NIL:
        *s = "";
        *len = 0;
        return 0;
    case MSGPACK_OBJECT_BOOLEAN:
        *s = v->via.boolean ? "true" : "false";
        *len = strlen(*s);
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        *len = (size_t)snprintf(buf, cap, "%" PRIu64, v->via.u64);
        *s = buf;
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *len = (size_t)snprintf(buf, cap, "%" PRId64, v->via.i64);
        *s = buf;
        return 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: {
        double d = v->via.f64;
        for (int p = 15; p <= 17; p++) { /* the shortest text that reads back the same */
            *len = (size_t)snprintf(buf, cap, "%.*g", p, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        *s = buf;
        return 0;
    }
    default:
        return -1;
    }
}

int vw_change_unpack(const msgpack_object *o, size_t index, vw_changes *c, vw_err *err)
{
    vw_err e;
    char buf[64];
    const msgpack_object *op = NULL, *kind = NULL, *id = NULL, *ver = NULL, *set = NULL,
                         *line = NULL;
    if (o->type != MSGPACK_OBJECT_MAP)
        return vw_err_set(err, VW_E_BAD_REQUEST, "change %zu is not a map", index);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
        if (key_is(k, "op"))
            op = v;
        else if (key_is(k, "kind"))
            kind = v;
        else if (key_is(k, "id"))
            id = v;
        else if (key_is(k, "version"))
            ver = v;
        else if (key_is(k, "set"))
            set = v;
        else if (key_is(k, "line"))
            line = v;
        else
            return vw_err_set(err, VW_E_BAD_REQUEST, "change %zu: unknown key (op, kind, id, "
                              "version, set, line)", index);
    }
    if (op == NULL || op->type != MSGPACK_OBJECT_STR || kind == NULL ||
        kind->type != MSGPACK_OBJECT_STR || id == NULL)
        return vw_err_set(err, VW_E_BAD_REQUEST, "change %zu: op, kind and id are required",
                          index);
    int k = vw_chg_kind_parse(kind->via.str.ptr, kind->via.str.size);
    int p = vw_chg_op_parse(op->via.str.ptr, op->via.str.size);
    if (k < 0 || p < 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "change %zu: unknown %s", index,
                          k < 0 ? "kind (provider, network, membership, registration)"
                                : "op (create, update, delete)");
    vw_change *ch = vw_changes_add(c, err);
    if (ch == NULL)
        return -1;
    ch->kind = (vw_chg_kind)k;
    ch->op = (vw_chg_op)p;
    int n = vw_chg_key_count(ch->kind);
    if (n == 1 && id->type == MSGPACK_OBJECT_STR) {
        if (vw_change_set_key(ch, 0, id->via.str.ptr, id->via.str.size, &e) != 0)
            goto fail;
    } else if (n > 1 && id->type == MSGPACK_OBJECT_ARRAY && id->via.array.size == (uint32_t)n) {
        for (int i = 0; i < n; i++) {
            const msgpack_object *part = &id->via.array.ptr[i];
            if (part->type != MSGPACK_OBJECT_STR) {
                vw_err_set(&e, VW_E_BAD_REQUEST, "the id parts are strings");
                goto fail;
            }
            if (vw_change_set_key(ch, i, part->via.str.ptr, part->via.str.size, &e) != 0)
                goto fail;
        }
    } else {
        vw_err_set(&e, VW_E_BAD_REQUEST, n == 1 ? "id is a string" : "id is an array of %d strings",
                   n);
        goto fail;
    }
    if (line != NULL) {
        if (line->type != MSGPACK_OBJECT_POSITIVE_INTEGER || line->via.u64 > 1000000000) {
            vw_err_set(&e, VW_E_BAD_REQUEST, "line is a positive integer");
            goto fail;
        }
        ch->line = (long)line->via.u64;
    }
    if (ver != NULL) {
        if (ver->type != MSGPACK_OBJECT_POSITIVE_INTEGER || ver->via.u64 == 0 ||
            ver->via.u64 > INT64_MAX) {
            vw_err_set(&e, VW_E_BAD_REQUEST, "version is a positive integer");
            goto fail;
        }
        ch->base_version = (int64_t)ver->via.u64;
    }
    if (set != NULL) {
        if (set->type != MSGPACK_OBJECT_MAP) {
            vw_err_set(&e, VW_E_BAD_REQUEST, "set is a map of field to value");
            goto fail;
        }
        for (uint32_t i = 0; i < set->via.map.size; i++) {
            const msgpack_object *fk = &set->via.map.ptr[i].key, *fv = &set->via.map.ptr[i].val;
            const char *s;
            size_t len;
            if (fk->type != MSGPACK_OBJECT_STR || scalar_text(fv, buf, sizeof buf, &s, &len) != 0) {
                vw_err_set(&e, VW_E_BAD_REQUEST, "set: field names are strings, values scalars");
                goto fail;
            }
            if (vw_change_set(ch, fk->via.str.ptr, fk->via.str.size, s, len, &e) != 0)
                goto fail;
        }
    }
    if (vw_change_check(ch, &e) != 0)
        goto fail;
    return 0;
fail:
    return vw_err_set(err, e.code, "change %zu: %s", index, e.message);
}
