/* snapshot_image.c -- a full build's snapshot written as an image and read
 * back (snapshot_image.h; docs/ENGINE.md "The snapshot image").
 *
 * Body layout (native byte order; vw_snapshot_image_layout names it):
 *   img_head                       counts, tags, change-log position
 *   string area (arena_len bytes)  the arena blocks one after the other
 *   providers, side table, hours runs, language lists, networks,
 *   memberships, registrations     the snapshot's arrays as they are
 * A pointer is written as a code: 0 NULL, 1 an empty string kept outside
 * the arena, 2 + offset into the string area otherwise; the references
 * inside packed text runs (VW_PT_REF_MARK) likewise. */
#include "snapshot_image.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "proto/attrs.h"
#include "proto/vocab.h"
#include "snapbuild_int.h"
#include "snapshot_int.h"
#include "traveltime_int.h"

#define IMG_MAGIC "VWSNAPB1"
#define IMG_FORMAT 1u
#define IMG_CHUNK 4096u /* records converted per put */
#ifndef VW_IMAGE_BUILD
#error "VW_IMAGE_BUILD: a hash of the loader's sources (server/engine/CMakeLists.txt)"
#endif

enum { CODE_NULL = 0, CODE_EMPTY = 1, CODE_BASE = 2 };

_Static_assert(sizeof(const char *) == sizeof(uint64_t), "pointers are written as 64-bit codes");

typedef struct img_head {
    char magic[8];
    uint64_t layout;
    uint64_t n_providers, n_hours, n_lang_sets, n_networks, n_memberships, n_registrations;
    uint64_t n_tags, arena_len;
    uint64_t tags[VW_MAX_TAGS]; /* codes */
    int64_t seq;
    char updated[24], seq_at[24];
} img_head;

static const char img_empty[] = "";

uint64_t vw_snapshot_image_layout(void)
{
    /* FNV-1a over the sizes and offsets the image depends on */
    const uint64_t v[] = {
        IMG_FORMAT, sizeof(img_head), sizeof(vw_provider), offsetof(vw_provider, city),
        offsetof(vw_provider, expertise), offsetof(vw_provider, net_first),
        offsetof(vw_provider, reg_first), offsetof(vw_provider, discipline),
        offsetof(vw_provider, region), offsetof(vw_provider, text_set), sizeof(vw_provider_ext),
        offsetof(vw_provider_ext, lang_set), offsetof(vw_provider_ext, wait_confirmed),
        offsetof(vw_provider_ext, updated), sizeof(vw_hours_iv), offsetof(vw_hours_iv, open),
        sizeof(vw_lang) * VW_LANG_MAX, sizeof(vw_network), offsetof(vw_network, certified_until),
        offsetof(vw_network, status), offsetof(vw_network, version), sizeof(vw_registration),
        offsetof(vw_registration, valid_from), offsetof(vw_registration, tag), VW_MAX_TAGS,
        VW_PT_COUNT, VW_PT_REF_LEN, VW_PT_REF_MARK, VW_PT_WEB_MARK, VW_D_COUNT, VW_LANG_MAX,
        0x1234567890abcdefull /* byte order */, VW_IMAGE_BUILD /* the sources (CMake) */};
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        for (int k = 0; k < 8; k++)
            h = (h ^ ((v[i] >> (8 * k)) & 0xff)) * 1099511628211ull;
    return h;
}

/* ---- writing -------------------------------------------------------------- */

typedef struct blk {
    const char *base;
    size_t used;
    uint64_t off; /* in the string area */
} blk;

typedef struct enc {
    blk *b;
    size_t n;
    uint64_t len;
} enc;

static int blk_cmp(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const blk *)x)->base, b = (uintptr_t)((const blk *)y)->base;
    return a < b ? -1 : a > b;
}

/* The code of p: 0 or -1 when p is neither NULL, nor in the arena, nor "". */
static int code_of(const enc *e, const char *p, uint64_t *out)
{
    if (!p) {
        *out = CODE_NULL;
        return 0;
    }
    uintptr_t a = (uintptr_t)p;
    size_t lo = 0, hi = e->n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if ((uintptr_t)e->b[m].base <= a)
            lo = m + 1;
        else
            hi = m;
    }
    if (lo > 0 && a - (uintptr_t)e->b[lo - 1].base < e->b[lo - 1].used) {
        *out = CODE_BASE + e->b[lo - 1].off + (a - (uintptr_t)e->b[lo - 1].base);
        return 0;
    }
    if (*p == '\0') {
        *out = CODE_EMPTY;
        return 0;
    }
    return -1;
}

static int put_code(const enc *e, const char *p, void *field, vw_err *err)
{
    uint64_t c;
    if (code_of(e, p, &c) != 0)
        return vw_err_set(err, VW_E_INTERNAL, "snapshot image: a string outside the arena");
    memcpy(field, &c, sizeof c);
    return 0;
}

static void head_fill(const vw_snapshot *s, img_head *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, IMG_MAGIC, sizeof h->magic);
    h->layout = vw_snapshot_image_layout();
    h->n_providers = s->n_providers;
    h->n_hours = s->n_hours;
    h->n_lang_sets = s->n_lang_sets;
    h->n_networks = s->n_networks;
    h->n_memberships = s->n_memberships;
    h->n_registrations = s->n_registrations;
    h->n_tags = (uint64_t)s->n_tags;
    h->seq = s->seq;
    memcpy(h->updated, s->updated, sizeof h->updated);
    memcpy(h->seq_at, s->seq_at, sizeof h->seq_at);
}

static uint64_t arena_used(const vw_snapshot *s)
{
    uint64_t n = 0;
    for (const vw_arena_block *k = s->arena.head; k; k = k->next)
        n += k->used;
    return n;
}

uint64_t vw_snapshot_image_size(const vw_snapshot *s)
{
    return sizeof(img_head) + arena_used(s) +
           (uint64_t)s->n_providers * (sizeof *s->providers + sizeof *s->ext) +
           (uint64_t)s->n_hours * sizeof *s->hours +
           (uint64_t)s->n_lang_sets * sizeof *s->lang_sets +
           (uint64_t)s->n_networks * sizeof *s->networks +
           (uint64_t)s->n_memberships * sizeof *s->memberships +
           (uint64_t)s->n_registrations * sizeof *s->registrations;
}

/* The string area with the references inside packed text runs as codes. */
static char *area_make(const vw_snapshot *s, const enc *e, vw_err *err)
{
    char *a = malloc(e->len ? e->len : 1);
    if (!a) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory writing the snapshot image");
        return NULL;
    }
    for (size_t i = 0; i < e->n; i++)
        memcpy(a + e->b[i].off, e->b[i].base, e->b[i].used);
    for (uint32_t i = 0; i < s->n_providers; i++) {
        const vw_provider *p = &s->providers[i];
        const char *at = p->id + strlen(p->id) + 1;
        for (int k = 0; k < VW_PT_COUNT; k++) {
            if (!(p->text_set & (1u << k)))
                continue;
            if ((unsigned char)at[0] == VW_PT_REF_MARK) {
                uint64_t where;
                if (code_of(e, at, &where) != 0 || where < CODE_BASE ||
                    put_code(e, vw_pt_field(at), a + (where - CODE_BASE) + 1, err) != 0) {
                    free(a);
                    vw_err_set(err, VW_E_INTERNAL, "snapshot image: a text run outside the arena");
                    return NULL;
                }
            }
            at = vw_pt_skip(at);
        }
    }
    return a;
}

int vw_snapshot_image_encode(const vw_snapshot *s, vw_image_put put, void *ctx, vw_err *err)
{
    enc e = {0};
    char *area = NULL;
    void *tmp = NULL;
    int rc = -1;
    img_head h;
    if (s->patched) /* (not s->share: a later patch of s sets that while we read) */
        return vw_err_set(err, VW_E_UNAVAILABLE,
                          "a patched snapshot has no image (its strings are in several arenas)");
    for (const vw_arena_block *k = s->arena.head; k; k = k->next)
        e.n++;
    e.b = calloc(e.n ? e.n : 1, sizeof *e.b);
    if (!e.b) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory writing the snapshot image");
        goto out;
    }
    size_t i = 0;
    for (const vw_arena_block *k = s->arena.head; k; k = k->next, i++) {
        e.b[i].base = k->data;
        e.b[i].used = k->used;
    }
    qsort(e.b, e.n, sizeof *e.b, blk_cmp);
    for (i = 0; i < e.n; i++) {
        e.b[i].off = e.len;
        e.len += e.b[i].used;
    }
    head_fill(s, &h);
    h.arena_len = e.len;
    for (int t = 0; t < s->n_tags; t++)
        if (put_code(&e, s->tags[t], &h.tags[t], err) != 0)
            goto out;
    if (!(area = area_make(s, &e, err)))
        goto out;
    if (put(ctx, &h, sizeof h) != 0 || put(ctx, area, e.len) != 0)
        goto io;
    free(area);
    area = NULL;

    union chunk {
        vw_provider p[IMG_CHUNK];
        vw_network n[IMG_CHUNK];
        vw_registration r[IMG_CHUNK];
    } *c = malloc(sizeof *c);
    tmp = c;
    if (!c) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory writing the snapshot image");
        goto out;
    }
    for (size_t at = 0; at < s->n_providers; at += IMG_CHUNK) {
        size_t n = s->n_providers - at < IMG_CHUNK ? s->n_providers - at : IMG_CHUNK;
        memcpy(c->p, s->providers + at, n * sizeof *c->p);
        for (size_t k = 0; k < n; k++)
            if (put_code(&e, s->providers[at + k].id, &c->p[k].id, err) != 0 ||
                put_code(&e, s->providers[at + k].city, &c->p[k].city, err) != 0)
                goto out;
        if (put(ctx, c->p, n * sizeof *c->p) != 0)
            goto io;
    }
    if (put(ctx, s->ext, (size_t)s->n_providers * sizeof *s->ext) != 0 ||
        put(ctx, s->hours, s->n_hours * sizeof *s->hours) != 0 ||
        put(ctx, s->lang_sets, (size_t)s->n_lang_sets * sizeof *s->lang_sets) != 0)
        goto io;
    for (size_t at = 0; at < s->n_networks; at += IMG_CHUNK) {
        size_t n = s->n_networks - at < IMG_CHUNK ? s->n_networks - at : IMG_CHUNK;
        memcpy(c->n, s->networks + at, n * sizeof *c->n);
        for (size_t k = 0; k < n; k++) {
            const vw_network *src = &s->networks[at + k];
            if (put_code(&e, src->id, &c->n[k].id, err) != 0 ||
                put_code(&e, src->name, &c->n[k].name, err) != 0 ||
                put_code(&e, src->kind, &c->n[k].kind, err) != 0 ||
                put_code(&e, src->region_code, &c->n[k].region_code, err) != 0)
                goto out;
        }
        if (put(ctx, c->n, n * sizeof *c->n) != 0)
            goto io;
    }
    if (put(ctx, s->memberships, s->n_memberships * sizeof *s->memberships) != 0)
        goto io;
    for (size_t at = 0; at < s->n_registrations; at += IMG_CHUNK) {
        size_t n = s->n_registrations - at < IMG_CHUNK ? s->n_registrations - at : IMG_CHUNK;
        memcpy(c->r, s->registrations + at, n * sizeof *c->r);
        for (size_t k = 0; k < n; k++)
            if (put_code(&e, s->registrations[at + k].registry, &c->r[k].registry, err) != 0)
                goto out;
        if (put(ctx, c->r, n * sizeof *c->r) != 0)
            goto io;
    }
    rc = 0;
    goto out;
io:
    if (!err->code[0])
        vw_err_set(err, VW_E_UNAVAILABLE, "writing the snapshot image failed");
out:
    free(tmp);
    free(area);
    free(e.b);
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

typedef struct dec {
    char *area;
    uint64_t len;
    uint8_t *mark; /* a bit per area byte: inside a text reference (set by refs_mark) */
    vw_err *err;
} dec;

static int bad(dec *d, const char *what, uint64_t at)
{
    return vw_err_set(d->err, VW_E_INVALID, "snapshot image: %s (record %llu)", what,
                      (unsigned long long)at);
}

static bool marked(const dec *d, uint64_t off)
{
    return d->mark && (d->mark[off >> 3] >> (off & 7)) & 1;
}

/* The string a code names: NUL-terminated inside the area and starting on
 * no byte of a text reference (whose pointer bytes change when it is
 * relocated: a string there would not be the one checked). NULL for NULL
 * (clears *ok unless null_ok) or a bad code (clears *ok). */
static const char *str_at(const dec *d, uint64_t code, bool null_ok, bool *ok)
{
    if (code == CODE_NULL) {
        if (!null_ok)
            *ok = false; /* (never back to true: *ok gathers several fields) */
        return NULL;
    }
    if (code == CODE_EMPTY)
        return img_empty;
    uint64_t off = code - CODE_BASE;
    if (code < CODE_BASE || off >= d->len || marked(d, off) ||
        !memchr(d->area + off, 0, d->len - off)) {
        *ok = false;
        return NULL;
    }
    return d->area + off;
}

static const char *field_str(const dec *d, const void *field, bool null_ok, bool *ok)
{
    uint64_t c;
    memcpy(&c, field, sizeof c);
    return str_at(d, c, null_ok, ok);
}

/* Pass 1 over a provider's packed text run (after its id, at area offset
 * `at`): every field inside the area and terminated; a reference only for
 * the name and the address (as the builder makes them), its 10 bytes marked
 * and overlapping no other reference. Nothing is rewritten yet, so every
 * check sees the bytes as written. A field always starts right after a NUL
 * that is no reference's pointer byte, so a string that starts outside a
 * reference ends before the next one. */
static int refs_mark(dec *d, const vw_provider *p, uint64_t at, uint64_t i)
{
    if (!(p->text_set & (1u << VW_PT_NAME)))
        return bad(d, "a provider without a name", i);
    for (int k = 0; k < VW_PT_COUNT; k++) {
        if (!(p->text_set & (1u << k)))
            continue;
        if (at >= d->len)
            return bad(d, "a text run past the string area", i);
        if ((unsigned char)d->area[at] == VW_PT_REF_MARK) {
            if (k != VW_PT_NAME && k != VW_PT_ADDRESS)
                return bad(d, "a text reference for a field that has none", i);
            if (d->len - at < VW_PT_REF_LEN || d->area[at + VW_PT_REF_LEN - 1] != '\0')
                return bad(d, "a cut text reference", i);
            for (uint64_t b = at; b < at + VW_PT_REF_LEN; b++) {
                if (marked(d, b))
                    return bad(d, "text references that overlap", i);
                d->mark[b >> 3] |= (uint8_t)(1u << (b & 7));
            }
            at += VW_PT_REF_LEN;
        } else {
            const char *nul = memchr(d->area + at, 0, d->len - at);
            if (!nul)
                return bad(d, "an unterminated text field", i);
            at = (uint64_t)(nul - d->area) + 1;
        }
    }
    return 0;
}

/* Pass 2: every plain field starts on no reference, every reference names a
 * plain text (str_at), a web-site code has its e-mail domain; the
 * references become pointers. */
static int refs_fix(dec *d, const vw_provider *p, uint64_t at, uint64_t i)
{
    const char *email = NULL;
    for (int k = 0; k < VW_PT_COUNT; k++) {
        if (!(p->text_set & (1u << k)))
            continue;
        char *f = d->area + at;
        if ((unsigned char)f[0] == VW_PT_REF_MARK && marked(d, at)) {
            bool ok = true;
            const char *to = field_str(d, f + 1, false, &ok);
            if (!ok || (unsigned char)to[0] == VW_PT_WEB_MARK)
                return bad(d, "a text reference to no text", i);
            memcpy(f + 1, &to, sizeof to);
            at += VW_PT_REF_LEN;
            f = (char *)to;
        } else {
            if (marked(d, at))
                return bad(d, "a text field inside a text reference", i);
            size_t n = strlen(f);
            if ((unsigned char)f[0] == VW_PT_WEB_MARK) {
                /* only a web site made from the e-mail's domain (vw_pt_web_make) */
                const char *dom = email ? strrchr(email, '@') : NULL;
                if (k != VW_PT_WEBSITE || n != 2 || f[1] < '0' ||
                    f[1] >= '0' + 2 * VW_PT_WEB_PREFIXES || !dom || !dom[1] ||
                    strlen(vw_pt_web_prefix[(f[1] - '0') / 2]) + strlen(dom + 1) + 2 >
                        VW_PT_WEB_MAX)
                    return bad(d, "a web site code without its e-mail domain", i);
            }
            at += n + 1;
        }
        if (k == VW_PT_EMAIL)
            email = f;
    }
    return 0;
}

/* Where provider p's text run starts (after its id), from its id's code. */
static int run_start(dec *d, const vw_provider *p, uint64_t i, uint64_t *at)
{
    uint64_t c;
    memcpy(&c, &p->id, sizeof c);
    const char *id = c >= CODE_BASE && c - CODE_BASE < d->len ? d->area + (c - CODE_BASE) : NULL;
    if (!id || !memchr(id, 0, d->len - (c - CODE_BASE)))
        return bad(d, "a provider id outside the string area", i);
    *at = c - CODE_BASE + strlen(id) + 1;
    return 0;
}

static int providers_fix(dec *d, vw_provider *P, const img_head *h)
{
    const char *prev = NULL;
    uint64_t nets = 0, regs = 0, at = 0;
    for (uint64_t i = 0; i < h->n_providers; i++)
        if (run_start(d, &P[i], i, &at) != 0 || refs_mark(d, &P[i], at, i) != 0)
            return -1;
    for (uint64_t i = 0; i < h->n_providers; i++) {
        vw_provider *p = &P[i];
        bool ok = true;
        const char *id = field_str(d, &p->id, false, &ok);
        const char *city = field_str(d, &p->city, true, &ok);
        size_t id_len = id ? strlen(id) : 0;
        if (!ok || !id || !vw_id_valid(id, id_len))
            return bad(d, "a provider id or city outside the string area", i);
        at = (uint64_t)(id - d->area) + id_len + 1; /* where pass 1 found the run */
        if (prev && strcmp(prev, id) >= 0)
            return bad(d, "provider ids not in ascending order", i);
        prev = id;
        p->id = id;
        p->city = city;
        if (p->discipline >= VW_D_COUNT || p->accepting > 1 || p->online > 1 ||
            p->geocoded > 1 || !(fabs(p->lat) <= 90) || !(fabs(p->lon) <= 180) ||
            (h->n_tags < 64 && (p->expertise >> h->n_tags) != 0))
            return bad(d, "a provider field out of range", i);
        /* memberships and registrations: one run per provider, in provider
         * order, as a full build lays them out (and no run shared) */
        if ((p->net_count && p->net_first != nets) || (p->reg_count && p->reg_first != regs))
            return bad(d, "a provider's networks or registrations out of order", i);
        nets += p->net_count;
        regs += p->reg_count;
        if (nets > h->n_memberships || regs > h->n_registrations)
            return bad(d, "a provider's networks or registrations out of range", i);
        p->region = -1; /* the geography gives it again */
        if (refs_fix(d, p, at, i) != 0)
            return -1;
    }
    if (nets != h->n_memberships || regs != h->n_registrations)
        return bad(d, "memberships or registrations no provider has", 0);
    return 0;
}

/* The rest, as a full build makes it: side table fields in range, each
 * provider's opening hours a sorted run of non-overlapping intervals whose
 * days are its open_days, language lists of known codes (list 0 empty),
 * networks with valid ascending ids, each provider's memberships ascending,
 * registrations with a registry and a tag, tags valid and unique with the
 * base tags first. */
static int rest_check(dec *d, const img_head *h, const vw_provider *P, const vw_provider_ext *X,
                      const vw_hours_iv *H, vw_lang (*L)[VW_LANG_MAX], vw_network *N,
                      const uint32_t *M, vw_registration *R, const char *const *tags)
{
    for (uint64_t i = 0; i < h->n_providers; i++) {
        const vw_provider_ext *x = &X[i];
        if ((uint64_t)x->hours_first + x->hours_count > h->n_hours || x->lang_set >= h->n_lang_sets ||
            x->hours_count > VW_HOURS_MAX || x->wheelchair > VW_TRI_YES ||
            x->direct_access > VW_TRI_YES || x->wait_weeks > 520 ||
            (x->wait_weeks && x->wait_confirmed == VW_DATE_NONE))
            return bad(d, "a side-table field out of range", i);
        const vw_hours_iv *run = H + x->hours_first;
        uint8_t days = 0;
        for (unsigned k = 0; k < x->hours_count; k++) {
            const vw_hours_iv *v = &run[k];
            if (v->day > 6 || v->open >= v->close || v->close > 1440 ||
                (k && (v->day < run[k - 1].day ||
                       (v->day == run[k - 1].day && v->open < run[k - 1].close))))
                return bad(d, "opening hours out of order or range", i);
            days |= (uint8_t)(1u << v->day);
        }
        if (days != x->open_days)
            return bad(d, "open days that are not the opening hours'", i);
        for (uint32_t k = 1; k < P[i].net_count; k++)
            if (M[P[i].net_first + k - 1] >= M[P[i].net_first + k])
                return bad(d, "a provider's networks not ascending", i);
    }
    for (uint64_t i = 0; i < h->n_lang_sets; i++)
        for (int k = 0; k < VW_LANG_MAX; k++) {
            char c[3];
            vw_lang l = L[i][k];
            vw_lang_format(l, c);
            if (l != 0 && (i == 0 || vw_lang_parse(c, 2) != l))
                return bad(d, "a language list with an unknown code", i);
        }
    const char *prev = NULL;
    for (uint64_t i = 0; i < h->n_networks; i++) {
        vw_network *n = &N[i];
        bool ok = true;
        const char *id = field_str(d, &n->id, false, &ok);
        n->name = field_str(d, &n->name, false, &ok);
        n->kind = field_str(d, &n->kind, true, &ok);
        n->region_code = field_str(d, &n->region_code, true, &ok);
        n->id = id;
        if (!ok || !id || !vw_id_valid(id, strlen(id)) || (prev && strcmp(prev, id) >= 0))
            return bad(d, "a network's strings out of range or ids out of order", i);
        prev = id;
        if (n->status > VW_NET_CERTIFIED)
            return bad(d, "a network status out of range", i);
        n->member_first = n->member_count = 0;
        n->region = -1;
    }
    for (uint64_t i = 0; i < h->n_memberships; i++)
        if (M[i] >= h->n_networks)
            return bad(d, "a membership naming no network", i);
    for (uint64_t i = 0; i < h->n_registrations; i++) {
        bool ok = true;
        R[i].registry = field_str(d, &R[i].registry, false, &ok);
        if (!ok || R[i].tag >= h->n_tags)
            return bad(d, "a registration's registry or tag out of range", i);
    }
    for (uint64_t t = 0; t < h->n_tags; t++) {
        if (!vw_tag_valid(tags[t], strnlen(tags[t], 33)) ||
            (t < VW_BASE_TAG_COUNT && strcmp(tags[t], vw_base_tags[t]) != 0))
            return bad(d, "a tag name that is not valid or not the base tag", t);
        for (uint64_t u = 0; u < t; u++)
            if (strcmp(tags[u], tags[t]) == 0)
                return bad(d, "a tag name twice", t);
    }
    return 0;
}

/* n records of `size` read into a new array (the caller's), or NULL (err). */
static void *rd_arr(vw_image_get get, void *ctx, uint64_t n, size_t size, dec *d)
{
    void *a = malloc(n ? (size_t)n * size : 1);
    if (!a) {
        vw_err_set(d->err, VW_E_INTERNAL, "out of memory reading the snapshot image");
        return NULL;
    }
    if (n && get(ctx, a, (size_t)n * size) != 0) {
        free(a);
        vw_err_set(d->err, VW_E_INVALID, "snapshot image: cut short");
        return NULL;
    }
    return a;
}

static int head_check(dec *d, const img_head *h, uint64_t body_len)
{
    if (memcmp(h->magic, IMG_MAGIC, sizeof h->magic) != 0)
        return bad(d, "not a snapshot image", 0);
    if (h->layout != vw_snapshot_image_layout())
        return bad(d, "written by a build with another layout", 0);
    if (body_len > (UINT64_C(1) << 60))
        return bad(d, "too large", 0);
    const struct {
        uint64_t n;
        size_t size;
    } part[] = {{h->arena_len, 1},
                {h->n_providers, sizeof(vw_provider) + sizeof(vw_provider_ext)},
                {h->n_hours, sizeof(vw_hours_iv)},
                {h->n_lang_sets, sizeof(vw_lang) * VW_LANG_MAX},
                {h->n_networks, sizeof(vw_network)},
                {h->n_memberships, sizeof(uint32_t)},
                {h->n_registrations, sizeof(vw_registration)}};
    uint64_t total = sizeof *h;
    for (size_t i = 0; i < sizeof part / sizeof part[0]; i++) {
        if (part[i].n > body_len / part[i].size)
            return bad(d, "a count larger than the image", i);
        total += part[i].n * part[i].size; /* each <= body_len <= 2^60: no overflow */
    }
    if (total != body_len)
        return bad(d, "the counts do not add up to the image's length", 0);
    if (h->n_providers > VW_INDEX_MAX_PROVIDERS || h->n_networks >= UINT32_MAX ||
        h->n_memberships >= UINT32_MAX || h->n_registrations >= UINT32_MAX ||
        h->n_hours >= UINT32_MAX || h->n_lang_sets == 0 || h->n_lang_sets > VW_LANG_SETS_MAX ||
        h->n_tags < VW_BASE_TAG_COUNT || h->n_tags > VW_MAX_TAGS)
        return bad(d, "a count out of range", 0);
    if (!memchr(h->updated, 0, sizeof h->updated) || !memchr(h->seq_at, 0, sizeof h->seq_at))
        return bad(d, "an unterminated time", 0);
    return 0;
}

vw_snapshot *vw_snapbuild_finish_image(vw_snapbuild *b, uint64_t body_len, vw_image_get get,
                                       void *ctx, vw_err *err)
{
    vw_snapshot *s = NULL;
    uint32_t *order = NULL;
    img_head h;
    dec d = {.err = err};
    if (!b) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        return NULL;
    }
    if (b->n_prov || b->n_nets || b->n_regs) {
        vw_err_set(err, VW_E_INTERNAL, "an image completes a builder without providers");
        goto fail;
    }
    /* the geography runs on its thread while the image is read */
    if (vw_snapbuild_geo_start(b, err) < 0)
        goto fail;
    s = b->snap;
    if (body_len < sizeof h || get(ctx, &h, sizeof h) != 0) {
        vw_err_set(err, VW_E_INVALID, "snapshot image: cut short");
        goto fail;
    }
    if (head_check(&d, &h, body_len) != 0)
        goto fail;
    /* the string area becomes one block of the snapshot's arena (owned from here) */
    d.len = h.arena_len;
    d.area = vw_arena_alloc(&s->arena, d.len ? (size_t)d.len : 1);
    if (!d.area) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory reading the snapshot image");
        goto fail;
    }
    if (d.len && get(ctx, d.area, (size_t)d.len) != 0) {
        vw_err_set(err, VW_E_INVALID, "snapshot image: cut short");
        goto fail;
    }
    s->n_providers = (uint32_t)h.n_providers;
    s->n_hours = (size_t)h.n_hours;
    s->n_lang_sets = (uint32_t)h.n_lang_sets;
    s->n_networks = (uint32_t)h.n_networks;
    s->n_memberships = (size_t)h.n_memberships;
    s->n_registrations = (size_t)h.n_registrations;
    if (!(s->providers = rd_arr(get, ctx, h.n_providers, sizeof *s->providers, &d)) ||
        !(s->ext = rd_arr(get, ctx, h.n_providers, sizeof *s->ext, &d)) ||
        !(s->hours = rd_arr(get, ctx, h.n_hours, sizeof *s->hours, &d)) ||
        !(s->lang_sets = rd_arr(get, ctx, h.n_lang_sets, sizeof *s->lang_sets, &d)) ||
        !(s->networks = rd_arr(get, ctx, h.n_networks, sizeof *s->networks, &d)) ||
        !(s->memberships = rd_arr(get, ctx, h.n_memberships, sizeof *s->memberships, &d)) ||
        !(s->registrations = rd_arr(get, ctx, h.n_registrations, sizeof *s->registrations, &d)))
        goto fail;
    if (get(ctx, NULL, 0) != 0) { /* the bytes are intact (the caller's checksum) */
        vw_err_set(err, VW_E_INVALID, "snapshot image: checksum mismatch");
        goto fail;
    }
    /* the text references' bytes, marked before any string is taken */
    d.mark = calloc((size_t)(d.len / 8 + 1), 1);
    if (!d.mark) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory reading the snapshot image");
        goto fail;
    }
    if (providers_fix(&d, s->providers, &h) != 0)
        goto fail;
    for (uint64_t t = 0; t < h.n_tags; t++) {
        bool ok = true;
        s->tags[t] = str_at(&d, h.tags[t], false, &ok);
        if (!ok) {
            bad(&d, "a tag name outside the string area", t);
            goto fail;
        }
    }
    s->n_tags = (int)h.n_tags;
    if (rest_check(&d, &h, s->providers, s->ext, s->hours, s->lang_sets, s->networks,
                   s->memberships, s->registrations, s->tags) != 0 ||
        vw_snapshot_link_members(s, s->providers, s->n_providers, err) != 0)
        goto fail;
    for (uint32_t i = 0; i < s->n_providers; i++)
        s->discipline_counts[s->providers[i].discipline]++;
    memcpy(s->updated, h.updated, sizeof s->updated);
    s->seq = h.seq;
    memcpy(s->seq_at, h.seq_at, sizeof s->seq_at);
    order = malloc((size_t)(s->n_providers ? s->n_providers : 1) * sizeof *order);
    if (!order) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory reading the snapshot image");
        goto fail;
    }
    for (uint32_t k = 0; k < s->n_providers; k++)
        order[k] = k; /* handed over in final order */
    if (vw_geo_job_points(&b->job, s->providers, s->n_providers, err) < 0)
        goto fail;
    int done = vw_snapbuild_complete(b, s, order, err);
    if (done == -1)
        goto fail;
    if (done == -2)
        goto fail_joined;
    /* the builder's strings (PC4 places) join the image's block */
    s->arena.head->next = b->arena.head;
    s->arena.bytes += b->arena.bytes;
    b->arena.head = NULL;
    b->arena.bytes = 0;
    s->bytes = vw_snapshot_count_bytes(s);
    free(d.mark);
    free(order);
    vw_snapbuild_free(b);
    return s;
fail_joined:
    vw_snapshot_destroy(s);
fail:
    free(d.mark);
    free(order);
    vw_snapbuild_free(b); /* stops and joins the geography, frees b->snap */
    return NULL;
}
