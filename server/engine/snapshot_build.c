/* snapshot_build.c -- vw_snapbuild: collects providers, networks,
 * registrations and PC4 centroids, then (finish) sorts by id, resolves
 * references in both directions, builds the tag dictionary and the spatial
 * index. Strings go into one arena that the snapshot takes over; low-variety
 * strings (cities, places, registries, kinds) are interned. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hash.h"
#include "snapbuild_int.h"
#include "snapshot_int.h"
#include "traveltime_int.h"

#define MAX_STR (64u << 10) /* longest string field accepted */

/* ---- string interning (open addressing over arena strings) -------------- */

static uint32_t hash_str(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int intern_grow(interner *in)
{
    uint32_t cap = in->mask ? (in->mask + 1) * 2 : 64;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (uint32_t i = 0; i < in->n; i++) {
        uint32_t h = hash_str(in->keys[i], in->lens[i]) & (cap - 1);
        while (slots[h])
            h = (h + 1) & (cap - 1);
        slots[h] = i + 1;
    }
    free(in->slots);
    in->slots = slots;
    in->mask = cap - 1;
    return 0;
}

/* The interned copy of s[0..len) (added to `arena` when new); *id its number. */
static const char *intern(interner *in, vw_arena *arena, const char *s, size_t len,
                          uint32_t *id)
{
    if ((in->n + 1) * 2 > in->mask + 1 && intern_grow(in) < 0)
        return NULL;
    uint32_t h = hash_str(s, len) & in->mask;
    while (in->slots[h]) {
        uint32_t at = in->slots[h] - 1;
        const char *k = in->keys[at];
        if (in->lens[at] == len && memcmp(k, s, len) == 0) {
            if (id)
                *id = in->slots[h] - 1;
            return k;
        }
        h = (h + 1) & in->mask;
    }
    if (in->n == in->cap_keys) {
        uint32_t cap = in->cap_keys ? in->cap_keys * 2 : 64;
        const char **keys = realloc(in->keys, cap * sizeof *keys);
        if (!keys)
            return NULL;
        in->keys = keys;
        uint32_t *lens = realloc(in->lens, cap * sizeof *lens);
        if (!lens)
            return NULL;
        in->lens = lens;
        in->cap_keys = cap;
    }
    char *copy = vw_arena_strdup(arena, s, len);
    if (!copy)
        return NULL;
    in->keys[in->n] = copy;
    in->lens[in->n] = (uint32_t)len;
    in->slots[h] = ++in->n;
    if (id)
        *id = in->n - 1;
    return copy;
}

static void intern_free(interner *in)
{
    free(in->keys);
    free(in->lens);
    free(in->slots);
}

/* ---- opening-hours runs, stored once ------------------------------------ */

static int reserve(void **arr, size_t size, size_t n, size_t *cap, size_t max);

static uint32_t hash_run(const vw_hours_iv *iv, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n; /* over the fields, not the padding */
    for (size_t k = 0; k < n; k++) {
        uint64_t v = (uint64_t)iv[k].day << 32 | (uint64_t)iv[k].open << 16 | iv[k].close;
        h = (h ^ v) * 0xff51afd7ed558ccdull; /* every input bit reaches the low bits */
        h ^= h >> 32;
    }
    return (uint32_t)h;
}

static bool run_equal(const vw_hours_iv *a, const vw_hours_iv *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (a[k].day != b[k].day || a[k].open != b[k].open || a[k].close != b[k].close)
            return false;
    return true;
}

static int runs_grow(runset *r, const vw_hours_iv *hours)
{
    uint32_t cap = r->mask ? (r->mask + 1) * 2 : 1024;
    uint64_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (uint32_t i = 0; r->mask && i <= r->mask; i++) {
        uint64_t v = r->slots[i];
        if (!v)
            continue;
        uint32_t h = hash_run(hours + (v >> 8) - 1, v & 0xff) & (cap - 1);
        while (slots[h])
            h = (h + 1) & (cap - 1);
        slots[h] = v;
    }
    free(r->slots);
    r->slots = slots;
    r->mask = cap - 1;
    return 0;
}

/* Where the run iv[0..n) (n >= 1) starts in b->hours: an equal run stored
 * before, else a copy appended. -1 on OOM. */
static int64_t hours_run(vw_snapbuild *b, const vw_hours_iv *iv, size_t n)
{
    runset *r = &b->runs;
    if ((r->n + 1) * 2 > r->mask + 1 && runs_grow(r, b->hours) < 0)
        return -1;
    uint32_t h = hash_run(iv, n) & r->mask;
    for (uint64_t v; (v = r->slots[h]) != 0; h = (h + 1) & r->mask)
        if ((v & 0xff) == n && run_equal(b->hours + (v >> 8) - 1, iv, n))
            return (int64_t)(v >> 8) - 1;
    while (b->n_hours + n > b->cap_hours)
        if (reserve((void **)&b->hours, sizeof *b->hours, b->cap_hours, &b->cap_hours,
                    (size_t)UINT32_MAX) < 0)
            return -1;
    size_t first = b->n_hours;
    memcpy(b->hours + first, iv, n * sizeof *iv);
    b->n_hours += n;
    r->slots[h] = ((uint64_t)(first + 1) << 8) | n;
    r->n++;
    return (int64_t)first;
}

/* ---- language lists, stored once ----------------------------------------- */

static uint32_t lang_slot(const vw_snapbuild *b, const vw_lang *l)
{
    uint32_t mask = 2 * b->cap_lang_sets - 1;
    uint32_t h = (uint32_t)vw_hash_bytes(l, VW_LANG_MAX * sizeof *l) & mask;
    while (b->lang_slots[h] &&
           memcmp(b->lang_sets[b->lang_slots[h] - 1], l, VW_LANG_MAX * sizeof *l) != 0)
        h = (h + 1) & mask;
    return h;
}

/* The number of list l (VW_LANG_MAX codes, zero-padded), added when new:
 * 0.. ; -1 on OOM, -2 when there would be more than VW_LANG_SETS_MAX. */
static int32_t lang_set(vw_snapbuild *b, const vw_lang *l)
{
    if (b->n_lang_sets == b->cap_lang_sets) {
        if (b->n_lang_sets == VW_LANG_SETS_MAX)
            return b->lang_slots && b->lang_slots[lang_slot(b, l)]
                       ? (int32_t)b->lang_slots[lang_slot(b, l)] - 1
                       : -2;
        uint32_t cap = b->cap_lang_sets ? 2 * b->cap_lang_sets : 64;
        void *sets = realloc(b->lang_sets, cap * sizeof *b->lang_sets);
        uint32_t *slots = calloc(2 * (size_t)cap, sizeof *slots);
        if (sets)
            b->lang_sets = sets;
        if (!sets || !slots) {
            free(slots);
            return -1;
        }
        free(b->lang_slots);
        b->lang_slots = slots;
        b->cap_lang_sets = cap;
        for (uint32_t k = 0; k < b->n_lang_sets; k++)
            b->lang_slots[lang_slot(b, b->lang_sets[k])] = k + 1;
    }
    uint32_t h = lang_slot(b, l);
    if (!b->lang_slots[h]) {
        memcpy(b->lang_sets[b->n_lang_sets], l, sizeof *b->lang_sets);
        b->lang_slots[h] = ++b->n_lang_sets;
    }
    return (int32_t)b->lang_slots[h] - 1;
}

/* ---- the builder (its layout: snapbuild_int.h) ------------------------------ */
static uint8_t *tag_slot(vw_snapbuild *b, const char *t, size_t len);

static const char empty_str[] = "";

/* Grows *arr (element size `size`) to hold one more than `n`. */
static int reserve(void **arr, size_t size, size_t n, size_t *cap, size_t max)
{
    if (n < *cap)
        return 0;
    if (n >= max)
        return -1;
    size_t c = *cap ? *cap * 2 : 1024;
    if (c > max)
        c = max;
    void *p = realloc(*arr, c * size);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
}

vw_snapbuild *vw_snapbuild_new(void)
{
    vw_snapbuild *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->pc4 = calloc(VW_PC4_SLOTS, sizeof *b->pc4);
    if (!b->pc4)
        goto fail;
    for (int i = 0; i < VW_BASE_TAG_COUNT; i++) {
        b->tags[i] = intern(&b->shared, &b->arena, vw_base_tags[i], strlen(vw_base_tags[i]),
                            NULL);
        if (!b->tags[i])
            goto fail;
        *tag_slot(b, b->tags[i], strlen(b->tags[i])) = (uint8_t)(i + 1);
    }
    b->n_tags = VW_BASE_TAG_COUNT;
    static const vw_lang none[VW_LANG_MAX];
    if (lang_set(b, none) != 0) /* set 0: no languages (a zeroed record) */
        goto fail;
    return b;
fail:
    vw_snapbuild_free(b);
    return NULL;
}

void vw_snapbuild_set_updated(vw_snapbuild *b, const char *instant)
{
    /* only a well-formed UTC instant YYYY-MM-DDThh:mm:ssZ (FHIR `instant`) */
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    size_t n = instant ? strlen(instant) : 0;
    if (n != sizeof shape - 1)
        return;
    for (size_t i = 0; i < n; i++)
        if (shape[i] == 'd' ? (instant[i] < '0' || instant[i] > '9') : instant[i] != shape[i])
            return;
    memcpy(b->updated, instant, n + 1);
}

void vw_snapbuild_set_seq(vw_snapbuild *b, int64_t seq, const char *at)
{
    b->seq = seq;
    snprintf(b->seq_at, sizeof b->seq_at, "%s", at ? at : "");
}

void vw_snapbuild_free(vw_snapbuild *b)
{
    if (!b)
        return;
    if (b->snap) { /* the geography thread reads b->geo and writes b->snap */
        vw_geo_job_finish(&b->job, b->snap, NULL, NULL);
        vw_snapshot_destroy(b->snap);
    }
    vw_arena_free(&b->arena);
    vw_arena_free(&b->tmp);
    intern_free(&b->shared);
    intern_free(&b->netrefs);
    free(b->prov);
    free(b->ext);
    free(b->hours);
    free(b->runs.slots);
    free(b->lang_sets);
    free(b->lang_slots);
    free(b->reps.slots);
    free(b->reps.ent);
    free(b->refs);
    free(b->nets);
    free(b->regs);
    free(b->pc4);
    vw_geo_in_free(&b->geo);
    free(b);
}

static int oom(vw_err *err)
{
    return vw_err_set(err, VW_E_INTERNAL, "out of memory building the snapshot");
}

/* Copies an optional string: NULL stays NULL, "" is shared. */
static int copy_str(vw_snapbuild *b, const char *s, bool share, const char **out,
                    const char *what, vw_err *err)
{
    if (!s) {
        *out = NULL;
        return 0;
    }
    size_t len = strnlen(s, MAX_STR + 1);
    if (len > MAX_STR)
        return vw_err_set(err, VW_E_INVALID, "%s longer than %u bytes", what, MAX_STR);
    if (len == 0)
        *out = empty_str;
    else if (share)
        *out = intern(&b->shared, &b->arena, s, len, NULL);
    else
        *out = vw_arena_strdup(&b->arena, s, len);
    return *out ? 0 : oom(err);
}

/* The code of a web site that is the e-mail's domain behind one of the
 * prefixes (and maybe a slash), as vw_pt_web_make makes it back; 0: not. */
static char web_code(const char *email, const char *web, size_t web_len)
{
    const char *at = email ? strrchr(email, '@') : NULL;
    if (!at || !at[1] || web_len >= VW_PT_WEB_MAX)
        return 0;
    const char *d = at + 1;
    size_t dl = strlen(d);
    for (int k = 0; k < VW_PT_WEB_PREFIXES; k++) {
        size_t pl = strlen(vw_pt_web_prefix[k]);
        if (web_len < pl + dl || memcmp(web, vw_pt_web_prefix[k], pl) != 0 ||
            memcmp(web + pl, d, dl) != 0)
            continue;
        if (web_len == pl + dl)
            return (char)('0' + 2 * k);
        if (web_len == pl + dl + 1 && web[web_len - 1] == '/')
            return (char)('0' + 2 * k + 1);
    }
    return 0;
}

/* A copy of s[0..len) packed before (a name or an address), or NULL. */
static const char *rep_find(const reptab *r, const char *s, size_t len, uint32_t h)
{
    for (uint32_t i = h & (VW_REP_SLOTS - 1), e; r->slots && (e = r->slots[i]) != 0;
         i = (i + 1) & (VW_REP_SLOTS - 1))
        if (r->ent[e - 1].hash == h && r->ent[e - 1].len == len &&
            memcmp(r->ent[e - 1].s, s, len) == 0)
            return r->ent[e - 1].s;
    return NULL;
}

/* Remembers the packed copy s[0..len) for later providers; nothing when the
 * table is full or cannot be made (the text is then simply not shared). */
static void rep_put(reptab *r, const char *s, size_t len, uint32_t h)
{
    if (r->n == VW_REP_MAX)
        return;
    if (!r->slots) {
        r->slots = calloc(VW_REP_SLOTS, sizeof *r->slots);
        r->ent = malloc(VW_REP_MAX * sizeof *r->ent);
        if (!r->slots || !r->ent) {
            free(r->slots);
            free(r->ent);
            r->slots = NULL;
            r->ent = NULL;
            r->n = VW_REP_MAX;
            return;
        }
    }
    uint32_t i = h & (VW_REP_SLOTS - 1);
    while (r->slots[i])
        i = (i + 1) & (VW_REP_SLOTS - 1);
    r->ent[r->n].hash = h;
    r->ent[r->n].len = (uint32_t)len;
    r->ent[r->n].s = s;
    r->slots[i] = ++r->n;
}

/* The id and the text fields, packed in one arena run: id NUL, then each
 * present field (VW_PT_* order) NUL-terminated; absent ones take no space
 * and have their bit clear in out->text_set. The name is always present.
 * A web site made of the e-mail's domain takes two bytes (web_code); a
 * name or address that an earlier provider has is a reference to its copy
 * (VW_PT_REF_LEN bytes; many practices share a building or a chain name). */
static int pack_text(vw_snapbuild *b, const vw_provider_in *p, vw_provider *out, vw_err *err)
{
    static const char *const what[VW_PT_COUNT] = {"name",  "postcode", "address", "phone",
                                                  "email", "website",  "agb",     "big"};
    const char *f[VW_PT_COUNT] = {p->name ? p->name : "", p->postcode, p->address,
                                  p->phone, p->email, p->website,
                                  p->agb && p->agb[0] ? p->agb : NULL, /* "": not given */
                                  p->big && p->big[0] ? p->big : NULL};
    size_t len[VW_PT_COUNT];
    const char *ref[VW_PT_COUNT] = {NULL};
    uint32_t hash[VW_PT_COUNT] = {0};
    size_t id_len = strlen(p->id), total = id_len + 1;
    out->text_set = 0;
    for (int k = 0; k < VW_PT_COUNT; k++) {
        if (!f[k])
            continue;
        len[k] = strnlen(f[k], MAX_STR + 1);
        if (len[k] > MAX_STR)
            return vw_err_set(err, VW_E_INVALID, "%s longer than %u bytes", what[k], MAX_STR);
        unsigned char c0 = (unsigned char)f[k][0];
        if (c0 == VW_PT_WEB_MARK || c0 == VW_PT_REF_MARK) /* never a UTF-8 lead byte */
            return vw_err_set(err, VW_E_INVALID, "%s is not valid UTF-8", what[k]);
        if ((k == VW_PT_NAME || k == VW_PT_ADDRESS) && len[k] >= VW_PT_REF_LEN) {
            hash[k] = (uint32_t)vw_hash_bytes(f[k], len[k]);
            ref[k] = rep_find(&b->reps, f[k], len[k], hash[k]);
        }
        total += ref[k] ? VW_PT_REF_LEN : len[k] + 1;
        out->text_set |= (uint8_t)(1u << k);
    }
    char web[3] = {0};
    if (f[VW_PT_WEBSITE]) {
        web[1] = web_code(f[VW_PT_EMAIL], f[VW_PT_WEBSITE], len[VW_PT_WEBSITE]);
        if (web[1]) {
            web[0] = (char)VW_PT_WEB_MARK;
            total -= len[VW_PT_WEBSITE] - 2;
            f[VW_PT_WEBSITE] = web;
            len[VW_PT_WEBSITE] = 2;
        }
    }
    char *at = vw_arena_alloc(&b->arena, total);
    if (!at)
        return oom(err);
    out->id = at;
    memcpy(at, p->id, id_len + 1);
    at += id_len + 1;
    for (int k = 0; k < VW_PT_COUNT; k++) {
        if (!f[k])
            continue;
        if (ref[k]) {
            at[0] = (char)VW_PT_REF_MARK;
            memcpy(at + 1, &ref[k], sizeof ref[k]);
            at[VW_PT_REF_LEN - 1] = '\0';
            at += VW_PT_REF_LEN;
            continue;
        }
        memcpy(at, f[k], len[k]);
        at[len[k]] = '\0';
        if (hash[k])
            rep_put(&b->reps, at, len[k], hash[k]);
        at += len[k] + 1;
    }
    return 0;
}

/* The slot of tag name t[0..len) in b->tag_slot: its own, or the empty
 * one it would take (the table is at most a quarter full). */
static uint8_t *tag_slot(vw_snapbuild *b, const char *t, size_t len)
{
    const size_t mask = sizeof b->tag_slot - 1;
    size_t h = (size_t)vw_hash_bytes(t, len) & mask;
    while (b->tag_slot[h] && strcmp(b->tags[b->tag_slot[h] - 1], t) != 0)
        h = (h + 1) & mask;
    return &b->tag_slot[h];
}

static bool id_ok(const char *id) { return id && vw_id_valid(id, strnlen(id, 65)); }

/* The bit of tag `t`, adding it to the dictionary when new; -1 on error. */
static int tag_bit(vw_snapbuild *b, const char *t, vw_err *err)
{
    size_t len = t ? strnlen(t, 33) : 0;
    if (!t || !vw_tag_valid(t, len))
        return vw_err_set(err, VW_E_INVALID, "invalid expertise tag '%.40s'", t ? t : "");
    uint8_t *slot = tag_slot(b, t, len);
    if (*slot)
        return *slot - 1;
    if (b->n_tags == VW_MAX_TAGS)
        return vw_err_set(err, VW_E_INVALID,
                          "more than %d expertise tags (at '%s'); the limit is %d",
                          VW_MAX_TAGS, t, VW_MAX_TAGS);
    const char *copy = intern(&b->shared, &b->arena, t, len, NULL);
    if (!copy)
        return oom(err);
    b->tags[b->n_tags] = copy;
    *slot = (uint8_t)(b->n_tags + 1);
    return b->n_tags++;
}

static int geo_closed(vw_snapbuild *b, vw_err *err)
{
    return b->snap ? vw_err_set(err, VW_E_INVALID,
                                "PC4s, places and regions must come before the geography starts")
                   : 0;
}

int vw_snapbuild_geo_start(vw_snapbuild *b, vw_err *err)
{
    if (b->snap)
        return 0;
    vw_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return oom(err);
    atomic_init(&s->refs, 1);
    s->serial = vw_snapshot_next_serial();
    s->tt = vw_tt_new(b->pc4, err); /* the PC4 table as travel times see it */
    if (!s->tt) {
        free(s);
        return -1;
    }
    s->pc4 = b->pc4; /* the job's until finish */
    s->n_pc4 = b->n_pc4;
    b->pc4 = NULL;
    b->snap = s;
    if (vw_geo_job_start(&b->job, s, &b->geo, err) < 0) {
        b->pc4 = s->pc4;
        s->pc4 = NULL;
        b->snap = NULL;
        vw_snapshot_destroy(s);
        return -1;
    }
    return 0;
}

int vw_snapbuild_add_traveltimes(vw_snapbuild *b, vw_mode mode, int from_pc4, const void *blob,
                                 size_t len, vw_err *err)
{
    if (!b->snap)
        return vw_err_set(err, VW_E_INTERNAL, "travel times before the PC4 table is complete");
    return vw_tt_add_row(b->snap->tt, mode, from_pc4, blob, len, err);
}

int vw_snapbuild_add_pc4(vw_snapbuild *b, int pc4, double lat, double lon, const char *place,
                         vw_err *err)
{
    if (geo_closed(b, err) < 0)
        return -1;
    if (pc4 < 0 || pc4 >= VW_PC4_SLOTS)
        return vw_err_set(err, VW_E_INVALID, "PC4 %d out of range 0000..9999", pc4);
    if (!isfinite(lat) || !isfinite(lon) || fabs(lat) > 90.0 || fabs(lon) > 180.0)
        return vw_err_set(err, VW_E_INVALID, "PC4 %04d: invalid coordinates", pc4);
    if (b->pc4[pc4].place)
        return vw_err_set(err, VW_E_INVALID, "duplicate PC4 %04d", pc4);
    const char *pl = NULL;
    if (copy_str(b, place ? place : "", true, &pl, "place", err) < 0)
        return -1;
    b->pc4[pc4].lat = lat;
    b->pc4[pc4].lon = lon;
    b->pc4[pc4].place = pl;
    b->n_pc4++;
    return 0;
}

int vw_snapbuild_add_place(vw_snapbuild *b, double lat, double lon, uint32_t population,
                           vw_err *err)
{
    vw_geo_in *g = &b->geo;
    if (geo_closed(b, err) < 0)
        return -1;
    if (!isfinite(lat) || !isfinite(lon) || fabs(lat) > 90.0 || fabs(lon) > 180.0)
        return vw_err_set(err, VW_E_INVALID, "place: invalid coordinates");
    if (reserve((void **)&g->places, sizeof *g->places, g->n_places, &g->cap_places,
                (size_t)1 << 24) < 0)
        return oom(err);
    g->places[g->n_places++] = (vw_place_in){lat, lon, population};
    return 0;
}

int vw_snapbuild_add_pc4_population(vw_snapbuild *b, int pc4, int64_t population,
                                    int64_t age_65_plus, vw_err *err)
{
    vw_geo_in *g = &b->geo;
    if (geo_closed(b, err) < 0)
        return -1;
    if (pc4 < 1000 || pc4 > 9999 || population > INT32_MAX || age_65_plus > INT32_MAX ||
        (population >= 0 && age_65_plus > population))
        return vw_err_set(err, VW_E_INVALID, "population of pc4 %d: invalid", pc4);
    if (g->cbs_pop == NULL) {
        g->cbs_pop = malloc(VW_PC4_SLOTS * sizeof *g->cbs_pop);
        g->cbs_65 = malloc(VW_PC4_SLOTS * sizeof *g->cbs_65);
        if (!g->cbs_pop || !g->cbs_65)
            return oom(err);
        for (int k = 0; k < VW_PC4_SLOTS; k++)
            g->cbs_pop[k] = g->cbs_65[k] = -1;
    }
    g->cbs_pop[pc4] = population < 0 ? -1 : (int32_t)population;
    g->cbs_65[pc4] = age_65_plus < 0 ? -1 : (int32_t)age_65_plus;
    return 0;
}

int vw_snapbuild_set_region(vw_snapbuild *b, int region, const void *wkb, size_t len,
                            vw_err *err)
{
    vw_geo_in *g = &b->geo;
    if (geo_closed(b, err) < 0)
        return -1;
    if (region < 0 || region >= VW_REGION_COUNT || wkb == NULL || len == 0 || len > (64u << 20))
        return vw_err_set(err, VW_E_INVALID, "region polygon: bad region or size");
    unsigned char *copy = malloc(len);
    if (copy == NULL)
        return oom(err);
    memcpy(copy, wkb, len);
    free(g->wkb[region]);
    g->wkb[region] = copy;
    g->wkb_len[region] = len;
    return 0;
}

int vw_snapbuild_add_network(vw_snapbuild *b, const vw_network_in *n, vw_err *err)
{
    vw_network net;
    memset(&net, 0, sizeof net);
    if (!n || !id_ok(n->id))
        return vw_err_set(err, VW_E_INVALID, "invalid network id '%.64s'",
                          n && n->id ? n->id : "");
    if (n->status != VW_NET_FORMING && n->status != VW_NET_CERTIFIED)
        return vw_err_set(err, VW_E_INVALID, "network '%s': invalid status %d", n->id,
                          n->status);
    size_t cap = b->cap_nets;
    if (reserve((void **)&b->nets, sizeof *b->nets, b->n_nets, &cap, VW_INDEX_MAX_PROVIDERS) < 0)
        return oom(err);
    b->cap_nets = (uint32_t)cap;
    net.status = (uint8_t)n->status;
    net.certified_until = n->certified_until;
    net.version = n->version;
    net.updated = n->updated;
    if (copy_str(b, n->id, false, &net.id, "network id", err) < 0 ||
        copy_str(b, n->name ? n->name : "", false, &net.name, "network name", err) < 0 ||
        copy_str(b, n->kind, true, &net.kind, "network kind", err) < 0 ||
        copy_str(b, n->region_code, true, &net.region_code, "network region", err) < 0)
        return -1;
    b->nets[b->n_nets++] = net;
    return 0;
}

/* The cold side record of the provider about to be added (slot n_prov).
 * The importer validated the values; this only refuses what would break
 * the snapshot's own invariants. */
static int add_ext(vw_snapbuild *b, const vw_provider_in *p, vw_err *err)
{
    vw_provider_ext x;
    memset(&x, 0, sizeof x);
    x.wait_confirmed = VW_DATE_NONE;
    if (p->n_hours > VW_HOURS_MAX || (p->n_hours && !p->hours) || p->n_langs > VW_LANG_MAX ||
        (p->n_langs && !p->langs) || p->wheelchair < 0 || p->wheelchair > VW_TRI_YES ||
        p->direct_access < 0 || p->direct_access > VW_TRI_YES ||
        (p->has_wait && (p->wait_weeks > 520 || p->wait_confirmed == VW_DATE_NONE)))
        return vw_err_set(err, VW_E_INVALID, "provider '%s': invalid hours, languages, "
                          "accessibility or waiting time", p->id);
    for (size_t k = 0; k < p->n_hours; k++) {
        const vw_hours_iv *h = &p->hours[k];
        if (h->day > 6 || h->open >= h->close || h->close > 1440 ||
            (k && (h->day < p->hours[k - 1].day ||
                   (h->day == p->hours[k - 1].day && h->open < p->hours[k - 1].close))))
            return vw_err_set(err, VW_E_INVALID, "provider '%s': invalid opening hours", p->id);
        x.open_days |= (uint8_t)(1u << h->day);
    }
    if (reserve((void **)&b->ext, sizeof *b->ext, b->n_prov, &b->cap_ext,
                VW_INDEX_MAX_PROVIDERS) < 0)
        return oom(err);
    int64_t first = p->n_hours ? hours_run(b, p->hours, p->n_hours) : 0;
    if (first < 0)
        return oom(err);
    x.hours_first = (uint32_t)first;
    x.hours_count = (uint8_t)p->n_hours;
    vw_lang langs[VW_LANG_MAX] = {0};
    for (size_t k = 0; k < p->n_langs; k++)
        langs[k] = p->langs[k];
    int32_t set = lang_set(b, langs);
    if (set == -2)
        return vw_err_set(err, VW_E_TOO_LARGE, "provider '%s': more than %u distinct language "
                          "lists", p->id, VW_LANG_SETS_MAX);
    if (set < 0)
        return oom(err);
    x.lang_set = (uint16_t)set;
    x.wheelchair = (uint8_t)p->wheelchair;
    x.direct_access = (uint8_t)p->direct_access;
    if (p->has_wait) {
        x.wait_weeks = (uint16_t)p->wait_weeks;
        x.wait_confirmed = p->wait_confirmed;
    }
    x.version = p->version;
    x.updated = p->updated;
    b->ext[b->n_prov] = x;
    return 0;
}

int vw_snapbuild_add_provider(vw_snapbuild *b, const vw_provider_in *p, vw_err *err)
{
    vw_provider out;
    memset(&out, 0, sizeof out);
    if (!p || !id_ok(p->id))
        return vw_err_set(err, VW_E_INVALID, "invalid provider id '%.64s'",
                          p && p->id ? p->id : "");
    if (p->discipline < 0 || p->discipline >= VW_D_COUNT)
        return vw_err_set(err, VW_E_INVALID, "provider '%s': invalid discipline %d", p->id,
                          p->discipline);
    if (!isfinite(p->lat) || !isfinite(p->lon) || fabs(p->lat) > 90.0 || fabs(p->lon) > 180.0)
        return vw_err_set(err, VW_E_INVALID, "provider '%s': invalid coordinates", p->id);
    if (p->n_expertise > VW_MAX_TAGS || p->n_networks > 4096 ||
        (p->n_expertise && !p->expertise) || (p->n_networks && !p->networks))
        return vw_err_set(err, VW_E_INVALID, "provider '%s': too many expertise tags or networks",
                          p->id);
    if (b->n_prov >= VW_INDEX_MAX_PROVIDERS)
        return vw_err_set(err, VW_E_TOO_LARGE, "more than %u providers", VW_INDEX_MAX_PROVIDERS);
    for (size_t i = 0; i < p->n_networks; i++)
        if (!id_ok(p->networks[i]))
            return vw_err_set(err, VW_E_INVALID, "provider '%s': invalid network id '%.64s'",
                              p->id, p->networks[i] ? p->networks[i] : "");
    for (size_t i = 0; i < p->n_expertise; i++) {
        int bit = tag_bit(b, p->expertise[i], err);
        if (bit < 0)
            return -1;
        out.expertise |= UINT64_C(1) << bit;
    }

    size_t cap = b->cap_prov;
    if (reserve((void **)&b->prov, sizeof *b->prov, b->n_prov, &cap, VW_INDEX_MAX_PROVIDERS) < 0)
        return oom(err);
    b->cap_prov = (uint32_t)cap;
    while (b->n_refs + p->n_networks > b->cap_refs)
        if (reserve((void **)&b->refs, sizeof *b->refs, b->cap_refs, &b->cap_refs,
                    (size_t)UINT32_MAX) < 0)
            return oom(err);

    out.net_first = (uint32_t)b->n_refs;
    for (size_t i = 0; i < p->n_networks; i++) {
        uint32_t ref;
        if (!intern(&b->netrefs, &b->tmp, p->networks[i], strlen(p->networks[i]), &ref))
            return oom(err);
        b->refs[b->n_refs++] = ref;
    }
    out.net_count = (uint32_t)p->n_networks;
    out.lat = p->lat;
    out.lon = p->lon;
    out.discipline = (uint8_t)p->discipline;
    out.accepting = p->accepting;
    out.online = p->online;
    out.geocoded = p->geocoded;
    out.region = -1;
    if (copy_str(b, p->city, true, &out.city, "city", err) < 0 ||
        pack_text(b, p, &out, err) < 0) {
        b->n_refs = out.net_first;
        return -1;
    }
    if (add_ext(b, p, err) < 0) {
        b->n_refs = out.net_first;
        return -1;
    }
    b->prov[b->n_prov++] = out;
    return 0;
}

int vw_snapbuild_add_registration(vw_snapbuild *b, const char *provider_id, const char *tag,
                                  const char *registry, int32_t valid_from,
                                  int32_t valid_until, vw_err *err)
{
    reg_in r;
    memset(&r, 0, sizeof r);
    if (!id_ok(provider_id))
        return vw_err_set(err, VW_E_INVALID, "registration: invalid provider id '%.64s'",
                          provider_id ? provider_id : "");
    if (valid_from != VW_DATE_NONE && valid_until != VW_DATE_NONE && valid_from > valid_until)
        return vw_err_set(err, VW_E_INVALID,
                          "registration of '%s': valid_from after valid_until", provider_id);
    int bit = tag_bit(b, tag, err);
    if (bit < 0)
        return -1;
    if (reserve((void **)&b->regs, sizeof *b->regs, b->n_regs, &b->cap_regs,
                VW_INDEX_MAX_PROVIDERS) < 0)
        return oom(err);
    r.r.tag = (uint8_t)bit;
    r.r.valid_from = valid_from;
    r.r.valid_until = valid_until;
    if (copy_str(b, registry ? registry : "", true, &r.r.registry, "registry", err) < 0)
        return -1;
    r.provider_id = vw_arena_strdup(&b->tmp, provider_id, strlen(provider_id));
    if (!r.provider_id)
        return oom(err);
    b->regs[b->n_regs++] = r;
    return 0;
}

/* ---- finish --------------------------------------------------------------- */

/* Providers into id order, in place (following the permutation's cycles);
 * order[k] = the position in which final provider k was added. */
static int sort_providers(vw_snapbuild *b, uint32_t *order, vw_err *err)
{
    int rc = -1;
    uint32_t n = b->n_prov;
    uint32_t *perm = malloc((size_t)(n ? n : 1) * sizeof *perm);
    if (!perm || vw_sort_ids(b->prov, sizeof *b->prov, n, perm) < 0) {
        oom(err);
        goto out;
    }
    memcpy(order, perm, (size_t)n * sizeof *perm);
    for (uint32_t k = 0; k < n; k++) {
        if (perm[k] == k)
            continue;
        vw_provider keep = b->prov[k];
        uint32_t j = k;
        for (;;) {
            uint32_t src = perm[j];
            perm[j] = j;
            if (src == k) {
                b->prov[j] = keep;
                break;
            }
            b->prov[j] = b->prov[src];
            j = src;
        }
    }
    for (uint32_t i = 1; i < n; i++)
        if (strcmp(b->prov[i - 1].id, b->prov[i].id) == 0) {
            vw_err_set(err, VW_E_INVALID, "duplicate provider id '%s'", b->prov[i].id);
            goto out;
        }
    rc = 0;
out:
    free(perm);
    return rc;
}

static int net_cmp(const void *a, const void *b)
{
    return strcmp(((const vw_network *)a)->id, ((const vw_network *)b)->id);
}

static void sort_small(uint32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = a[i], j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Counting sort by network; visiting providers in order sorts each list. */
int vw_snapshot_link_members(vw_snapshot *s, const vw_provider *prov, uint32_t n_prov,
                             vw_err *err)
{
    size_t fill = 0;
    for (uint32_t n = 0; n < s->n_networks; n++)
        s->networks[n].member_count = 0;
    for (uint32_t i = 0; i < n_prov; i++) /* the providers' lists, not the whole array: */
        for (uint32_t k = 0; k < prov[i].net_count; k++) { /* a patch leaves unused runs */
            s->networks[s->memberships[prov[i].net_first + k]].member_count++;
            fill++;
        }
    free(s->members);
    s->members = malloc((fill ? fill : 1) * sizeof *s->members);
    if (!s->members)
        return oom(err);
    uint32_t run = 0;
    for (uint32_t n = 0; n < s->n_networks; n++) {
        s->networks[n].member_first = run;
        run += s->networks[n].member_count;
        s->networks[n].member_count = 0;
    }
    for (uint32_t i = 0; i < n_prov; i++) {
        const vw_provider *p = &prov[i];
        for (uint32_t k = 0; k < p->net_count; k++) {
            vw_network *net = &s->networks[s->memberships[p->net_first + k]];
            s->members[net->member_first + net->member_count++] = i;
        }
    }
    return 0;
}

/* Network ids -> indices; memberships (provider -> networks) and members
 * (network -> providers), both sorted. */
static int link_networks(vw_snapbuild *b, vw_snapshot *s, vw_err *err)
{
    int rc = -1;
    uint32_t *map = NULL;
    if (b->n_nets > 1)
        qsort(b->nets, b->n_nets, sizeof *b->nets, net_cmp);
    for (uint32_t i = 1; i < b->n_nets; i++)
        if (strcmp(b->nets[i - 1].id, b->nets[i].id) == 0) {
            vw_err_set(err, VW_E_INVALID, "duplicate network id '%s'", b->nets[i].id);
            goto out;
        }
    s->networks = b->nets;
    s->n_networks = b->n_nets;
    b->nets = NULL;

    map = malloc((size_t)(b->netrefs.n ? b->netrefs.n : 1) * sizeof *map);
    s->memberships = malloc((b->n_refs ? b->n_refs : 1) * sizeof *s->memberships);
    if (!map || !s->memberships) {
        oom(err);
        goto out;
    }
    for (uint32_t r = 0; r < b->netrefs.n; r++) {
        const char *id = b->netrefs.keys[r];
        vw_network key = {.id = id};
        const vw_network *hit =
            s->n_networks ? bsearch(&key, s->networks, s->n_networks, sizeof *s->networks,
                                    net_cmp)
                          : NULL;
        if (!hit) {
            const char *who = "?";
            for (uint32_t i = 0; i < b->n_prov; i++)
                for (uint32_t k = 0; k < b->prov[i].net_count; k++)
                    if (b->refs[b->prov[i].net_first + k] == r && who[0] == '?')
                        who = b->prov[i].id;
            vw_err_set(err, VW_E_INVALID, "provider '%s' names unknown network '%s'", who, id);
            goto out;
        }
        map[r] = (uint32_t)(hit - s->networks);
    }
    size_t fill = 0;
    for (uint32_t i = 0; i < b->n_prov; i++) {
        vw_provider *p = &b->prov[i];
        uint32_t *list = s->memberships + fill;
        for (uint32_t k = 0; k < p->net_count; k++)
            list[k] = map[b->refs[p->net_first + k]];
        sort_small(list, p->net_count);
        uint32_t m = 0; /* drop repeats of the same network */
        for (uint32_t k = 0; k < p->net_count; k++)
            if (m == 0 || list[m - 1] != list[k])
                list[m++] = list[k];
        p->net_first = (uint32_t)fill;
        p->net_count = m;
        fill += m;
    }
    s->n_memberships = fill;

    if (vw_snapshot_link_members(s, b->prov, b->n_prov, err) < 0)
        goto out;
    rc = 0;
out:
    free(map);
    return rc;
}

/* Registrations: sorted by provider id and merged with the providers. */
static int attach_registrations(vw_snapbuild *b, vw_snapshot *s, vw_err *err)
{
    int rc = -1;
    size_t n = b->n_regs;
    uint32_t *perm = malloc((n ? n : 1) * sizeof *perm);
    s->registrations = malloc((n ? n : 1) * sizeof *s->registrations);
    if (!perm || !s->registrations || vw_sort_ids(b->regs, sizeof *b->regs, (uint32_t)n, perm) < 0) {
        oom(err);
        goto out;
    }
    uint32_t pi = 0;
    for (size_t k = 0; k < n; k++) {
        const reg_in *r = &b->regs[perm[k]];
        int c = 1;
        while (pi < b->n_prov && (c = strcmp(b->prov[pi].id, r->provider_id)) < 0)
            pi++;
        if (pi == b->n_prov || c != 0) {
            vw_err_set(err, VW_E_INVALID, "registration names unknown provider '%s'",
                       r->provider_id);
            goto out;
        }
        vw_provider *p = &b->prov[pi];
        if (p->reg_count == 0)
            p->reg_first = (uint32_t)k;
        p->reg_count++;
        s->registrations[k] = r->r;
    }
    s->n_registrations = n;
    rc = 0;
out:
    free(perm);
    return rc;
}

size_t vw_snapshot_count_bytes(const vw_snapshot *s)
{
    return sizeof *s + s->arena.bytes + (size_t)s->n_providers * sizeof *s->providers +
           (size_t)s->n_providers * sizeof *s->ext + s->n_hours * sizeof *s->hours +
           (size_t)s->n_lang_sets * sizeof *s->lang_sets +
           (size_t)s->n_networks * sizeof *s->networks +
           s->n_memberships * 2 * sizeof *s->memberships +
           s->n_registrations * sizeof *s->registrations + (size_t)VW_PC4_SLOTS * sizeof *s->pc4 +
           s->index->bytes + (s->tt ? s->tt->bytes : 0);
}

int vw_snapbuild_complete(vw_snapbuild *b, vw_snapshot *s, const uint32_t *order, vw_err *err)
{
    s->index = vw_index_build(s->providers, s->n_providers, s->registrations,
                              s->n_registrations, err);
    if (!s->index || vw_tt_finish(s->tt, s->providers, s->n_providers, s->index, err) != 0)
        return -1;
    if (!vw_tt_any(s->tt)) {
        vw_tt_free(s->tt);
        s->tt = NULL;
    }
    b->snap = NULL; /* joined here, one way or the other */
    return vw_geo_job_finish(&b->job, s, order, err) < 0 ? -2 : 0;
}

vw_snapshot *vw_snapbuild_finish(vw_snapbuild *b, vw_err *err)
{
    vw_snapshot *s = NULL;
    uint32_t *order = NULL;
    if (!b) {
        oom(err);
        return NULL;
    }
    /* The geography (GEOS: PC4 cells, the region of every point) runs on a
     * second thread while the providers are sorted and indexed. */
    if (vw_snapbuild_geo_start(b, err) < 0)
        goto fail;
    s = b->snap;
    order = malloc((size_t)(b->n_prov ? b->n_prov : 1) * sizeof *order);
    if (!order) {
        oom(err);
        goto fail;
    }
    for (uint32_t i = 0; i < b->n_prov; i++) {
        b->prov[i].reg_first = 0;
        b->prov[i].reg_count = 0;
    }
    if (vw_geo_job_points(&b->job, b->prov, b->n_prov, err) < 0)
        goto fail;
    if (sort_providers(b, order, err) < 0 || link_networks(b, s, err) < 0 ||
        attach_registrations(b, s, err) < 0)
        goto fail;

    if (b->n_prov < b->cap_prov) { /* give back the growth slack */
        vw_provider *p = realloc(b->prov, (size_t)(b->n_prov ? b->n_prov : 1) * sizeof *p);
        if (p)
            b->prov = p;
    }
    s->providers = b->prov;
    s->n_providers = b->n_prov;
    b->prov = NULL;
    s->ext = malloc((size_t)(s->n_providers ? s->n_providers : 1) * sizeof *s->ext);
    if (!s->ext) {
        oom(err);
        goto fail;
    }
    for (uint32_t k = 0; k < s->n_providers; k++)
        s->ext[k] = b->ext[order[k]];
    s->hours = b->hours;
    s->n_hours = b->n_hours;
    b->hours = NULL;
    s->lang_sets = b->lang_sets;
    s->n_lang_sets = b->n_lang_sets;
    b->lang_sets = NULL;
    for (uint32_t i = 0; i < s->n_providers; i++)
        s->discipline_counts[s->providers[i].discipline]++;
    memcpy(s->tags, b->tags, sizeof s->tags);
    s->n_tags = b->n_tags;
    if (b->updated[0]) {
        memcpy(s->updated, b->updated, sizeof s->updated);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(s->updated, sizeof s->updated, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    s->seq = b->seq;
    memcpy(s->seq_at, b->seq_at, sizeof s->seq_at);
    int done = vw_snapbuild_complete(b, s, order, err);
    if (done == -1)
        goto fail;
    if (done == -2)
        goto fail_joined;
    s->arena = b->arena;
    b->arena.head = NULL;
    s->bytes = vw_snapshot_count_bytes(s);
    free(order);
    vw_snapbuild_free(b);
    return s;
fail_joined:
    vw_snapshot_destroy(s);
fail:
    free(order);
    vw_snapbuild_free(b); /* stops and joins the geography, frees b->snap */
    return NULL;
}
