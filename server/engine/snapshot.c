/* snapshot.c -- the read API of an immutable snapshot, its reference count
 * and its string arena. The builder is in snapshot_build.c. */
#include "snapshot_int.h"
#include "traveltime_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/* ---- arena --------------------------------------------------------------- */

#define VW_ARENA_BLOCK (4u << 20) /* 4 MiB: few big allocations */

/* Blocks are mapped directly, not taken from malloc: malloc's dynamic mmap
 * threshold grows during a load (to the largest chunk freed, up to 32 MiB),
 * after which 4 MiB blocks would come from its heap, and a snapshot freed
 * after a reload would leave them there, resident (RSS grew by ~130 MB per
 * reload at 1M providers). A mapping goes back to the system when freed. */
static vw_arena_block *block_new(size_t bytes)
{
#if defined(MAP_ANONYMOUS)
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#else
    return malloc(bytes);
#endif
}

static void block_free(vw_arena_block *b)
{
#if defined(MAP_ANONYMOUS)
    munmap(b, sizeof *b + b->cap);
#else
    free(b);
#endif
}

char *vw_arena_alloc(vw_arena *a, size_t len)
{
    vw_arena_block *b = a->head;
    if (!b || b->cap - b->used < len) {
        size_t cap = len > VW_ARENA_BLOCK ? len : VW_ARENA_BLOCK;
        b = block_new(sizeof *b + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->bytes += sizeof *b + cap;
    }
    char *out = b->data + b->used;
    b->used += len;
    return out;
}

char *vw_arena_strdup(vw_arena *a, const char *s, size_t len)
{
    char *out = vw_arena_alloc(a, len + 1);
    if (!out)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

void vw_arena_free(vw_arena *a)
{
    vw_arena_block *b = a->head;
    while (b) {
        vw_arena_block *next = b->next;
        block_free(b);
        b = next;
    }
    a->head = NULL;
    a->bytes = 0;
}

/* ---- lifetime ------------------------------------------------------------ */

void vw_snapshot_destroy(vw_snapshot *s)
{
    if (!s)
        return;
    if (s->share) { /* strings and geography belong to the chain */
        vw_snapshare_release(s->share);
        s->arena.head = NULL;
        s->pc4 = NULL;
        s->pc4_codes = NULL;
        for (int r = 0; r < VW_REGION_COUNT; r++)
            s->regions[r].outline = NULL;
    }
    vw_arena_free(&s->arena);
    free(s->providers);
    free(s->ext);
    free(s->hours);
    free(s->lang_sets);
    free(s->networks);
    free(s->memberships);
    free(s->members);
    free(s->registrations);
    vw_snapshot_geo_free(s);
    free(s->pc4);
    vw_index_free(s->index);
    vw_tt_free(s->tt);
    free(s);
#if defined(__GLIBC__)
    /* Chunks under malloc's (grown) mmap threshold -- the index's entries
     * after a reload, among others -- were in its heap: give their pages
     * back now, or every reload leaves tens of MB resident. Under 1 ms at
     * a million providers, once per reload. */
    malloc_trim(0);
#endif
}

void vw_snapshare_release(vw_snapshare *n)
{
    while (n && atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) == 1) {
        vw_snapshare *next = n->next;
        vw_arena_free(&n->arena);
        if (n->owns_geo) {
            if (n->pc4)
                for (int i = 0; i < VW_PC4_SLOTS; i++)
                    vw_shape_free(n->pc4[i].cell);
            for (int r = 0; r < VW_REGION_COUNT; r++)
                vw_shape_free(n->outline[r]);
            free(n->pc4_codes);
            free(n->pc4);
        }
        free(n);
        n = next; /* drop the reference this node held */
    }
}

vw_snapshot *vw_snapshot_retain(vw_snapshot *s)
{
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void vw_snapshot_release(vw_snapshot *s)
{
    if (!s)
        return;
    /* acq_rel: every reader's accesses happen before the free. */
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        vw_snapshot_destroy(s);
}

/* ---- reading ------------------------------------------------------------- */

uint32_t vw_snapshot_provider_count(const vw_snapshot *s) { return s->n_providers; }

const char *vw_snapshot_updated(const vw_snapshot *s) { return s->updated; }

uint64_t vw_snapshot_next_serial(void)
{
    static _Atomic uint64_t next = 1;
    return atomic_fetch_add_explicit(&next, 1, memory_order_relaxed);
}

uint64_t vw_snapshot_serial(const vw_snapshot *s) { return s->serial; }

int64_t vw_snapshot_seq(const vw_snapshot *s) { return s->seq; }

const char *vw_snapshot_seq_at(const vw_snapshot *s) { return s->seq_at; }

unsigned vw_snapshot_patch_depth(const vw_snapshot *s) { return s->share ? s->share->depth : 0; }

const vw_provider *vw_snapshot_provider(const vw_snapshot *s, uint32_t i)
{
    return i < s->n_providers ? &s->providers[i] : NULL;
}

const vw_provider_ext *vw_snapshot_provider_ext(const vw_snapshot *s, uint32_t i)
{
    return i < s->n_providers ? &s->ext[i] : NULL;
}

const vw_lang *vw_snapshot_langs(const vw_snapshot *s, const vw_provider_ext *x)
{
    return s->lang_sets[x->lang_set];
}

const vw_hours_iv *vw_snapshot_hours(const vw_snapshot *s)
{
    /* Never NULL: callers index it by a provider's hours_first, and NULL +
     * 0 is undefined behaviour (a snapshot without any opening hours). */
    static const vw_hours_iv none[1];
    return s->hours ? s->hours : none;
}

const char *vw_provider_name(const vw_provider *p)
{
    return vw_pt_field(p->id + strlen(p->id) + 1);
}

const char *const vw_pt_web_prefix[VW_PT_WEB_PREFIXES] = {"https://", "http://",
                                                          "https://www.", "http://www."};

char *vw_pt_web_make(const char *email, char code, char *buf)
{
    int k = code - '0';
    const char *d = strrchr(email, '@') + 1;
    size_t pl = strlen(vw_pt_web_prefix[k / 2]), dl = strlen(d);
    memcpy(buf, vw_pt_web_prefix[k / 2], pl);
    memcpy(buf + pl, d, dl);
    memcpy(buf + pl + dl, k % 2 ? "/" : "", 1 + (k % 2));
    return buf;
}

void vw_provider_text_get(const vw_provider *p, vw_provider_text *out)
{
    const char *f[VW_PT_COUNT];
    const char *at = p->id + strlen(p->id) + 1;
    for (int k = 0; k < VW_PT_COUNT; k++) {
        if (p->text_set & (1u << k)) {
            f[k] = vw_pt_field(at);
            at = vw_pt_skip(at);
        } else {
            f[k] = NULL;
        }
    }
    out->name = f[VW_PT_NAME] ? f[VW_PT_NAME] : "";
    out->postcode = f[VW_PT_POSTCODE];
    out->address = f[VW_PT_ADDRESS];
    out->phone = f[VW_PT_PHONE];
    out->email = f[VW_PT_EMAIL];
    out->website = f[VW_PT_WEBSITE];
    if (out->website && (unsigned char)out->website[0] == VW_PT_WEB_MARK)
        out->website = vw_pt_web_make(f[VW_PT_EMAIL], out->website[1], out->web_buf);
    out->agb = f[VW_PT_AGB];
    out->big = f[VW_PT_BIG];
}

uint32_t vw_snapshot_network_count(const vw_snapshot *s) { return s->n_networks; }

const vw_network *vw_snapshot_network(const vw_snapshot *s, uint32_t i)
{
    return i < s->n_networks ? &s->networks[i] : NULL;
}

/* strcmp order between a stored id and a (not NUL-terminated) key. */
static int id_cmp(const char *stored, const char *key, size_t len)
{
    int c = strncmp(stored, key, len);
    if (c != 0)
        return c;
    return stored[len] != '\0' ? 1 : 0;
}

/* Binary search over records of `stride` bytes whose first member is the id. */
static int64_t find_id(const void *base, size_t stride, uint32_t n, const char *id, size_t len)
{
    if (!id || len == 0 || memchr(id, '\0', len))
        return -1;
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *stored = *(const char *const *)((const char *)base + (size_t)mid * stride);
        int c = id_cmp(stored, id, len);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int64_t vw_snapshot_find_provider(const vw_snapshot *s, const char *id, size_t len)
{
    return find_id(s->providers, sizeof *s->providers, s->n_providers, id, len);
}

int64_t vw_snapshot_find_network(const vw_snapshot *s, const char *id, size_t len)
{
    return find_id(s->networks, sizeof *s->networks, s->n_networks, id, len);
}

const uint32_t *vw_snapshot_memberships(const vw_snapshot *s) { return s->memberships; }
const uint32_t *vw_snapshot_members(const vw_snapshot *s) { return s->members; }
const vw_registration *vw_snapshot_registrations(const vw_snapshot *s)
{
    return s->registrations;
}

int vw_snapshot_tag_bit(const vw_snapshot *s, const char *name, size_t len)
{
    if (!name || memchr(name, '\0', len))
        return -1;
    for (int i = 0; i < s->n_tags; i++)
        if (strncmp(s->tags[i], name, len) == 0 && s->tags[i][len] == '\0')
            return i;
    return -1;
}

const char *vw_snapshot_tag_name(const vw_snapshot *s, int bit)
{
    return (bit >= 0 && bit < s->n_tags) ? s->tags[bit] : NULL;
}

int vw_snapshot_tag_count(const vw_snapshot *s) { return s->n_tags; }

bool vw_snapshot_pc4(const vw_snapshot *s, int pc4, double *lat, double *lon,
                     const char **place)
{
    if (pc4 < 0 || pc4 >= VW_PC4_SLOTS || !s->pc4[pc4].place)
        return false;
    if (lat)
        *lat = s->pc4[pc4].lat;
    if (lon)
        *lon = s->pc4[pc4].lon;
    if (place)
        *place = s->pc4[pc4].place;
    return true;
}

uint32_t vw_snapshot_pc4_count(const vw_snapshot *s) { return s->n_pc4; }

static bool reg_valid(const vw_registration *r, int32_t as_of)
{
    return (r->valid_from == VW_DATE_NONE || r->valid_from <= as_of) &&
           (r->valid_until == VW_DATE_NONE || as_of <= r->valid_until);
}

uint64_t vw_provider_tags_on(const vw_snapshot *s, uint32_t i, int32_t as_of)
{
    if (i >= s->n_providers)
        return 0;
    const vw_provider *p = &s->providers[i];
    uint64_t have = p->expertise;
    const vw_registration *r = s->registrations + p->reg_first;
    for (uint32_t k = 0; k < p->reg_count; k++)
        if (reg_valid(&r[k], as_of))
            have |= UINT64_C(1) << r[k].tag;
    return have;
}

bool vw_provider_has_tags(const vw_snapshot *s, uint32_t i, uint64_t tags, int32_t as_of)
{
    if (i >= s->n_providers)
        return false;
    const vw_provider *p = &s->providers[i];
    if ((p->expertise & tags) == tags)
        return true;
    if (p->reg_count == 0)
        return false;
    return (vw_provider_tags_on(s, i, as_of) & tags) == tags;
}

size_t vw_snapshot_bytes(const vw_snapshot *s) { return s->bytes; }

const uint32_t *vw_snapshot_discipline_counts(const vw_snapshot *s)
{
    return s->discipline_counts;
}

const vw_index *vw_snapshot_index(const vw_snapshot *s) { return s->index; }
