/* snapbuild_int.h -- the layout of a snapshot builder, shared by the builder
 * (snapshot_build.c) and the incremental patch (snapshot_patch.c), which
 * takes a builder holding only the changed providers. */
#ifndef VW_SNAPBUILD_INT_H
#define VW_SNAPBUILD_INT_H

#include "snapshot_int.h"

/* ---- string interning (open addressing over arena strings) -------------- */
typedef struct interner {
    const char **keys; /* id -> string */
    uint32_t *lens;    /* id -> strlen(string) */
    uint32_t n, cap_keys;
    uint32_t *slots; /* id + 1, 0 = empty */
    uint32_t mask;
} interner;

/* Distinct opening-hours runs of `hours` (open addressing): most providers
 * share their hours with many others (a million providers: 5.6 M intervals,
 * 9 k distinct runs), so equal runs are stored once. */
typedef struct runset {
    uint64_t *slots; /* ((first + 1) << 8) | count; 0 = empty */
    uint32_t mask, n;
} runset;

/* Names and addresses packed so far, to be referred to by later providers
 * with the same text (pack_text): bounded, the first VW_REP_MAX kept. */
#define VW_REP_MAX 65536u
#define VW_REP_SLOTS (2 * VW_REP_MAX)
typedef struct reptab {
    uint32_t *slots; /* entry + 1; 0 = empty; made on first use */
    struct reptab_ent {
        uint32_t hash, len;
        const char *s; /* in the builder's arena */
    } *ent;
    uint32_t n;
} reptab;

/* ---- the builder --------------------------------------------------------- */
typedef struct reg_in {
    const char *provider_id; /* first member: vw_sort_ids sorts on it */
    vw_registration r;
} reg_in;

struct vw_snapbuild {
    vw_arena arena;       /* strings of the snapshot (handed over at finish) */
    vw_arena tmp;         /* network references, registration provider ids */
    interner shared;      /* interned snapshot strings */
    interner netrefs;     /* network ids named by providers -> ref number */
    vw_provider *prov;    /* net_first/net_count index `refs` until finish */
    uint32_t n_prov, cap_prov;
    vw_provider_ext *ext; /* in the order added, like prov */
    size_t cap_ext;
    vw_hours_iv *hours;   /* runs named by ext[].hours_first */
    size_t n_hours, cap_hours;
    runset runs;          /* the distinct runs of `hours` */
    reptab reps;          /* names and addresses to share */
    vw_lang (*lang_sets)[VW_LANG_MAX]; /* distinct language lists; [0] the empty one */
    uint32_t n_lang_sets, cap_lang_sets;
    uint32_t *lang_slots; /* set + 1 by hash of the list; 2 * cap_lang_sets */
    uint32_t *refs;
    size_t n_refs, cap_refs;
    vw_network *nets;
    uint32_t n_nets, cap_nets;
    reg_in *regs;
    size_t n_regs, cap_regs;
    const char *tags[VW_MAX_TAGS];
    int n_tags;
    uint8_t tag_slot[4 * VW_MAX_TAGS]; /* tag bit + 1 by hash of its name; 0 = empty */
    vw_pc4_slot *pc4;
    uint32_t n_pc4;
    vw_geo_in geo;
    vw_snapshot *snap;    /* made when the geography starts; finish completes it */
    vw_geo_job job;       /* valid while `snap` is set */
    char updated[24];     /* vw_snapbuild_set_updated; "": the time of finish */
    int64_t seq;          /* vw_snapbuild_set_seq */
    char seq_at[24];
};


/* The last steps of a build with s's providers and registrations in place
 * (vw_snapbuild_finish, vw_snapbuild_finish_image): the spatial index, the
 * travel-time tables, and the geography joined, which gives every provider
 * (order[k]: the position final provider k was handed over in) and network
 * its region. 0; -1 before the join (b->snap is still b's, freed with b);
 * -2 after it (s is the caller's to destroy). */
int vw_snapbuild_complete(vw_snapbuild *b, vw_snapshot *s, const uint32_t *order, vw_err *err);

#endif
