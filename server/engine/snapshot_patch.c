/* snapshot_patch.c -- vw_snapshot_patch: a new immutable snapshot made from
 * the previous one and the few providers that changed, without reading the
 * database again (issue 15: a committed change is served within a second at
 * a million providers; docs/ENGINE.md "Changes without a reload").
 *
 * The old snapshot's providers are copied in id order with the changed ones
 * merged in; memberships, registrations, the side table and the opening
 * hours are copied along, the network member lists, region counts and the
 * spatial index rebuilt. Strings and the geography are not copied: the new
 * snapshot shares them with the old one through a reference-counted chain
 * (vw_snapshare, snapshot_int.h), and the changed providers' strings come
 * in a new node of that chain (the builder's arena). The region of a
 * changed provider is located with the region polygons the caller put in
 * the builder, as a full build does. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "geodata/regions.h"
#include "snapbuild_int.h"
#include "snapshot_int.h"

/* memcpy of n bytes where n may be 0 and then either pointer NULL (an empty
 * array never allocated): memcpy's arguments must be valid even for 0. */
static void copy_n(void *dst, const void *src, size_t n)
{
    if (n)
        memcpy(dst, src, n);
}

/* malloc for the big arrays (tens of MB at a million providers), asking for
 * huge pages where the kernel gives them on request (THP "madvise"): the
 * copy then takes a few hundred page faults instead of tens of thousands.
 * Freed with free() like any other array of a snapshot. */
static void *big_alloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
#if defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (p && bytes >= 2 * huge) {
        uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t e = ((uintptr_t)p + bytes) & ~(huge - 1);
        if (e > a)
            madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#endif
    return p;
}

static int oom(vw_err *err)
{
    return vw_err_set(err, VW_E_INTERNAL, "out of memory patching the snapshot");
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The working state of one patch. */
typedef struct patch {
    const vw_snapshot *old;
    vw_snapbuild *b;
    vw_snapshot *s;
    uint32_t *border;     /* builder providers in id order */
    uint32_t *regorder;   /* builder registrations in provider id order (stable) */
    size_t reg_at;        /* next of regorder */
    int tagmap[VW_MAX_TAGS]; /* builder tag bit -> new snapshot bit */
    uint16_t *langmap;    /* builder language list -> new snapshot list */
    uint32_t *netmap;     /* builder network ref -> old network index */
    vw_regionset *rs;
    size_t n_hours, n_mem, n_reg;
} patch;

static int tags_merge(patch *P, vw_err *err)
{
    vw_snapshot *s = P->s;
    memcpy(s->tags, P->old->tags, sizeof s->tags);
    s->n_tags = P->old->n_tags;
    for (int t = 0; t < P->b->n_tags; t++) {
        int hit = -1;
        for (int k = 0; k < s->n_tags && hit < 0; k++)
            if (strcmp(s->tags[k], P->b->tags[t]) == 0)
                hit = k;
        if (hit < 0) {
            if (s->n_tags == VW_MAX_TAGS)
                return vw_err_set(err, VW_E_INVALID, "more than %d expertise tags (at '%s')",
                                  VW_MAX_TAGS, P->b->tags[t]);
            hit = s->n_tags;
            s->tags[s->n_tags++] = P->b->tags[t]; /* in the builder's arena: shared below */
        }
        P->tagmap[t] = hit;
    }
    return 0;
}

/* The old snapshot's language lists, then the builder's that are new. */
static int langs_merge(patch *P, vw_err *err)
{
    const vw_snapshot *o = P->old;
    const vw_snapbuild *b = P->b;
    vw_snapshot *s = P->s;
    s->lang_sets = malloc(((size_t)o->n_lang_sets + b->n_lang_sets) * sizeof *s->lang_sets);
    P->langmap = malloc((b->n_lang_sets ? b->n_lang_sets : 1) * sizeof *P->langmap);
    if (!s->lang_sets || !P->langmap)
        return oom(err);
    copy_n(s->lang_sets, o->lang_sets, o->n_lang_sets * sizeof *s->lang_sets);
    s->n_lang_sets = o->n_lang_sets;
    for (uint32_t k = 0; k < b->n_lang_sets; k++) {
        uint32_t hit = 0; /* few changed providers: a linear search */
        while (hit < s->n_lang_sets &&
               memcmp(s->lang_sets[hit], b->lang_sets[k], sizeof *s->lang_sets) != 0)
            hit++;
        if (hit == s->n_lang_sets) {
            if (hit == VW_LANG_SETS_MAX)
                return vw_err_set(err, VW_E_TOO_LARGE, "more than %u distinct language lists",
                                  VW_LANG_SETS_MAX);
            memcpy(s->lang_sets[s->n_lang_sets++], b->lang_sets[k], sizeof *s->lang_sets);
        }
        P->langmap[k] = (uint16_t)hit;
    }
    return 0;
}

static int net_cmp_id(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const vw_network *)elem)->id);
}

static int nets_map(patch *P, vw_err *err)
{
    const interner *nr = &P->b->netrefs;
    P->netmap = malloc((nr->n ? nr->n : 1) * sizeof *P->netmap);
    if (!P->netmap)
        return oom(err);
    for (uint32_t r = 0; r < nr->n; r++) {
        const vw_network *hit = P->old->n_networks
                                    ? bsearch(nr->keys[r], P->old->networks,
                                              P->old->n_networks, sizeof *P->old->networks,
                                              net_cmp_id)
                                    : NULL;
        if (!hit)
            return vw_err_set(err, VW_E_INVALID, "a changed provider names unknown network '%s'",
                              nr->keys[r]);
        P->netmap[r] = (uint32_t)(hit - P->old->networks);
    }
    return 0;
}

/* Builder providers and registrations in id order (few: insertion sorts,
 * stable, so registrations keep the order the store gave them). */
static int order_changes(patch *P, const char *const *ids, size_t n_ids, vw_err *err)
{
    vw_snapbuild *b = P->b;
    P->border = malloc((b->n_prov ? b->n_prov : 1) * sizeof *P->border);
    P->regorder = malloc((b->n_regs ? b->n_regs : 1) * sizeof *P->regorder);
    if (!P->border || !P->regorder)
        return oom(err);
    for (uint32_t i = 0; i < b->n_prov; i++) {
        uint32_t j = i;
        while (j > 0 && strcmp(b->prov[P->border[j - 1]].id, b->prov[i].id) > 0) {
            P->border[j] = P->border[j - 1];
            j--;
        }
        P->border[j] = i;
    }
    for (uint32_t i = 1; i < b->n_prov; i++)
        if (strcmp(b->prov[P->border[i - 1]].id, b->prov[P->border[i]].id) == 0)
            return vw_err_set(err, VW_E_INVALID, "duplicate provider id '%s'",
                              b->prov[P->border[i]].id);
    for (uint32_t i = 0; i < b->n_prov; i++) {
        const char *id = b->prov[i].id;
        if (!bsearch(&id, ids, n_ids, sizeof *ids, str_cmp))
            return vw_err_set(err, VW_E_INTERNAL, "patch: provider '%s' is not among the changed",
                              id);
    }
    for (size_t i = 0; i < b->n_regs; i++) {
        size_t j = i;
        while (j > 0 && strcmp(b->regs[P->regorder[j - 1]].provider_id, b->regs[i].provider_id) > 0) {
            P->regorder[j] = P->regorder[j - 1];
            j--;
        }
        P->regorder[j] = (uint32_t)i;
    }
    return 0;
}

/* Old providers [i0, i1) unchanged: their records and side records as they
 * are (their membership, registration and hours offsets stay valid: the new
 * snapshot starts with copies of old's three arrays). */
static void emit_old(patch *P, uint32_t i0, uint32_t i1)
{
    vw_snapshot *s = P->s;
    if (i1 <= i0)
        return;
    memcpy(s->providers + s->n_providers, P->old->providers + i0,
           (size_t)(i1 - i0) * sizeof *s->providers);
    memcpy(s->ext + s->n_providers, P->old->ext + i0, (size_t)(i1 - i0) * sizeof *s->ext);
    s->n_providers += i1 - i0;
}

static uint64_t remap_bits(const patch *P, uint64_t bits)
{
    uint64_t out = 0;
    for (int t = 0; t < P->b->n_tags; t++)
        if (bits & (UINT64_C(1) << t))
            out |= UINT64_C(1) << P->tagmap[t];
    return out;
}

static int emit_new(patch *P, uint32_t k, vw_err *err)
{
    vw_snapbuild *b = P->b;
    vw_snapshot *s = P->s;
    vw_provider p = b->prov[k];
    vw_provider_ext x = b->ext[k];
    p.expertise = remap_bits(P, p.expertise);
    uint32_t *list = s->memberships + P->n_mem, m = 0;
    for (uint32_t j = 0; j < p.net_count; j++) {
        uint32_t v = P->netmap[b->refs[p.net_first + j]], at = m;
        bool dup = false;
        for (uint32_t q = 0; q < m && !dup; q++)
            dup = list[q] == v;
        if (dup)
            continue;
        while (at > 0 && list[at - 1] > v) { /* sorted, as a full build sorts them */
            list[at] = list[at - 1];
            at--;
        }
        list[at] = v;
        m++;
    }
    p.net_first = (uint32_t)P->n_mem;
    p.net_count = m;
    P->n_mem += m;
    p.reg_first = 0;
    p.reg_count = 0;
    while (P->reg_at < b->n_regs) {
        const reg_in *r = &b->regs[P->regorder[P->reg_at]];
        int c = strcmp(r->provider_id, p.id);
        if (c > 0)
            break;
        P->reg_at++;
        if (c < 0)
            return vw_err_set(err, VW_E_INVALID, "registration names unknown provider '%s'",
                              r->provider_id);
        vw_registration g = r->r;
        g.tag = (uint8_t)P->tagmap[g.tag];
        if (p.reg_count == 0)
            p.reg_first = (uint32_t)P->n_reg;
        p.reg_count++;
        s->registrations[P->n_reg++] = g;
    }
    x.lang_set = P->langmap[x.lang_set];
    if (x.hours_count) /* else b->hours may be NULL: not even NULL + 0 */
        memcpy(s->hours + P->n_hours, b->hours + x.hours_first, x.hours_count * sizeof *s->hours);
    x.hours_first = (uint32_t)P->n_hours;
    P->n_hours += x.hours_count;
    p.region = (int16_t)(P->rs ? vw_regionset_locate(P->rs, p.lat, p.lon) : -1);
    s->ext[s->n_providers] = x;
    s->providers[s->n_providers++] = p;
    return 0;
}

/* The old providers, minus those in ids, merged with the builder's: runs
 * of unchanged old providers are copied whole. */
static int merge(patch *P, const char *const *ids, size_t n_ids, vw_err *err)
{
    const vw_snapshot *o = P->old;
    vw_snapshot *s = P->s;
    uint32_t i = 0, k = 0, nb = P->b->n_prov;
    copy_n(s->memberships, o->memberships, o->n_memberships * sizeof *s->memberships);
    copy_n(s->registrations, o->registrations, o->n_registrations * sizeof *s->registrations);
    copy_n(s->hours, o->hours, o->n_hours * sizeof *s->hours);
    P->n_mem = o->n_memberships;
    P->n_reg = o->n_registrations;
    P->n_hours = o->n_hours;
    /* cut points: each changed id and each new provider, in id order */
    size_t d = 0;
    while (d < n_ids || k < nb) {
        const char *next = d < n_ids ? ids[d] : NULL;
        const char *nid = k < nb ? P->b->prov[P->border[k]].id : NULL;
        const char *cut = !next ? nid : !nid ? next : strcmp(next, nid) <= 0 ? next : nid;
        uint32_t lo = i, hi = o->n_providers; /* first old provider >= cut */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (strcmp(o->providers[mid].id, cut) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        emit_old(P, i, lo);
        i = lo;
        if (i < o->n_providers && strcmp(o->providers[i].id, cut) == 0)
            i++; /* changed: its current row (if any) comes from the builder */
        if (nid && strcmp(nid, cut) == 0 && emit_new(P, P->border[k++], err) < 0)
            return -1;
        while (d < n_ids && strcmp(ids[d], cut) <= 0)
            d++;
    }
    emit_old(P, i, o->n_providers);
    if (P->reg_at < P->b->n_regs)
        return vw_err_set(err, VW_E_INVALID, "registration names unknown provider '%s'",
                          P->b->regs[P->regorder[P->reg_at]].provider_id);
    s->n_memberships = P->n_mem;
    s->n_registrations = P->n_reg;
    s->n_hours = P->n_hours;
    for (uint32_t j = 0; j < s->n_providers; j++)
        s->discipline_counts[s->providers[j].discipline]++;
    return 0;
}

/* The first node of old's chain (made now when old was a full build: it
 * takes over old's arena and geography, which old keeps using). */
static vw_snapshare *chain_of(vw_snapshot *old, vw_err *err)
{
    if (old->share)
        return old->share;
    vw_snapshare *n = calloc(1, sizeof *n);
    if (!n) {
        oom(err);
        return NULL;
    }
    atomic_init(&n->refs, 1);
    n->arena = old->arena;
    n->owns_geo = true;
    n->pc4 = old->pc4;
    n->pc4_codes = old->pc4_codes;
    for (int r = 0; r < VW_REGION_COUNT; r++)
        n->outline[r] = old->regions[r].outline;
    n->depth = 1;
    /* Queries on old read none of these fields, and patches are one at a
     * time (the caller's), so old can be told now that the chain owns them. */
    old->share = n;
    return n;
}

static int geography(patch *P, vw_err *err)
{
    const vw_snapshot *o = P->old;
    vw_snapshot *s = P->s;
    s->pc4 = o->pc4;
    s->n_pc4 = o->n_pc4;
    s->pc4_codes = o->pc4_codes;
    s->has_regions = o->has_regions;
    s->has_population = o->has_population;
    s->population = o->population;
    s->age_65_plus = o->age_65_plus;
    s->pop_source = o->pop_source;
    s->pc4_pop_unknown = o->pc4_pop_unknown;
    memcpy(s->regions, o->regions, sizeof s->regions);
    for (int r = 0; r < VW_REGION_COUNT; r++)
        s->regions[r].providers = s->regions[r].networks = 0;
    if (o->has_regions && P->b->n_prov > 0) {
        P->rs = vw_regionset_new((const unsigned char *const *)P->b->geo.wkb, P->b->geo.wkb_len,
                                 err);
        if (!P->rs)
            return -1;
    }
    return 0;
}

static void patch_free(patch *P)
{
    free(P->border);
    free(P->regorder);
    free(P->netmap);
    free(P->langmap);
    vw_regionset_free(P->rs);
}

vw_snapshot *vw_snapshot_patch(vw_snapshot *old, vw_snapbuild *b, const char *const *ids_in,
                               size_t n_ids, vw_err *err)
{
    patch P;
    memset(&P, 0, sizeof P);
    P.old = old;
    P.b = b;
    const char **ids = NULL;
    vw_snapshot *s = NULL;
    vw_snapshare *node = NULL;
    if (!old || !b) {
        vw_err_set(err, VW_E_INTERNAL, "patch: no snapshot or builder");
        goto fail;
    }
    if (old->tt || b->snap || b->n_nets || b->n_pc4) {
        vw_err_set(err, VW_E_UNAVAILABLE,
                   "patch: travel-time matrices, networks or geography changed (full build)");
        goto fail;
    }
    if (old->share && old->share->depth >= VW_PATCH_MAX_DEPTH) {
        vw_err_set(err, VW_E_UNAVAILABLE, "patch: %u patches since the last full build",
                   old->share->depth);
        goto fail;
    }
    ids = malloc((n_ids ? n_ids : 1) * sizeof *ids);
    s = calloc(1, sizeof *s);
    if (!ids || !s) {
        oom(err);
        goto fail;
    }
    copy_n(ids, ids_in, n_ids * sizeof *ids);
    qsort(ids, n_ids, sizeof *ids, str_cmp);
    atomic_init(&s->refs, 1);
    s->serial = vw_snapshot_next_serial();
    size_t n_cap = (size_t)old->n_providers + b->n_prov;
    if (n_cap > VW_INDEX_MAX_PROVIDERS) {
        vw_err_set(err, VW_E_TOO_LARGE, "more than %u providers", VW_INDEX_MAX_PROVIDERS);
        goto fail;
    }
    s->providers = big_alloc(n_cap * sizeof *s->providers);
    s->ext = big_alloc(n_cap * sizeof *s->ext);
    s->memberships = big_alloc((old->n_memberships + b->n_refs + 1) * sizeof *s->memberships);
    s->registrations =
        big_alloc((old->n_registrations + b->n_regs + 1) * sizeof *s->registrations);
    size_t new_hours = 0; /* each changed provider's run (the builder stores equal ones once) */
    for (uint32_t k = 0; k < b->n_prov; k++)
        new_hours += b->ext[k].hours_count;
    s->hours = big_alloc((old->n_hours + new_hours + 1) * sizeof *s->hours);
    s->networks = malloc((old->n_networks ? old->n_networks : 1) * sizeof *s->networks);
    if (!s->providers || !s->ext || !s->memberships || !s->registrations || !s->hours ||
        !s->networks) {
        oom(err);
        goto fail;
    }
    copy_n(s->networks, old->networks, old->n_networks * sizeof *s->networks);
    s->n_networks = old->n_networks;
    P.s = s;
    if (order_changes(&P, ids, n_ids, err) < 0 || tags_merge(&P, err) < 0 || langs_merge(&P, err) < 0 ||
        nets_map(&P, err) < 0 || geography(&P, err) < 0)
        goto fail;
    if (merge(&P, ids, n_ids, err) < 0 ||
        vw_snapshot_link_members(s, s->providers, s->n_providers, err) < 0)
        goto fail;
    for (uint32_t j = 0; j < s->n_providers; j++)
        if (s->providers[j].region >= 0)
            s->regions[s->providers[j].region].providers++;
    vw_snapshot_network_regions(s);
    s->index = vw_index_build(s->providers, s->n_providers, s->registrations,
                              s->n_registrations, err);
    if (!s->index)
        goto fail;
    memcpy(s->updated, b->updated[0] ? b->updated : old->updated, sizeof s->updated);
    s->seq = b->seq > old->seq ? b->seq : old->seq;
    memcpy(s->seq_at, b->seq > old->seq ? b->seq_at : old->seq_at, sizeof s->seq_at);

    /* the chain: a new node with the changed strings, on old's */
    vw_snapshare *base = chain_of(old, err);
    node = base ? calloc(1, sizeof *node) : NULL;
    if (!node) {
        if (base)
            oom(err);
        goto fail;
    }
    atomic_init(&node->refs, 1);
    node->arena = b->arena;
    b->arena.head = NULL;
    b->arena.bytes = 0;
    atomic_fetch_add_explicit(&base->refs, 1, memory_order_relaxed);
    node->next = base;
    node->depth = base->depth + 1;
    s->share = node;
    s->patched = true;
    s->bytes = sizeof *s + (size_t)s->n_providers * (sizeof *s->providers + sizeof *s->ext) +
               (size_t)s->n_networks * sizeof *s->networks +
               s->n_memberships * 2 * sizeof *s->memberships +
               s->n_registrations * sizeof *s->registrations +
               s->n_hours * sizeof *s->hours + (size_t)VW_PC4_SLOTS * sizeof *s->pc4 +
               (size_t)s->n_lang_sets * sizeof *s->lang_sets +
               s->index->bytes;
    for (const vw_snapshare *c = node; c; c = c->next)
        s->bytes += c->arena.bytes;
    patch_free(&P);
    free(ids);
    vw_snapbuild_free(b);
    return s;
fail:
    if (s) {
        s->pc4 = NULL; /* borrowed */
        s->pc4_codes = NULL;
        for (int r = 0; r < VW_REGION_COUNT; r++)
            s->regions[r].outline = NULL;
        vw_snapshot_destroy(s);
    }
    patch_free(&P);
    free(ids);
    vw_snapbuild_free(b);
    return NULL;
}
