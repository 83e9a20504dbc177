/* snapshot_int.h -- the layout of a snapshot, shared by the builder
 * (snapshot_build.c), the read API (snapshot.c) and nothing else. */
#ifndef VW_SNAPSHOT_INT_H
#define VW_SNAPSHOT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/vocab.h"
#include "index.h"
#include "geodata/regions.h"
#include "snapshot.h"

/* A web site stored as its e-mail's domain (vw_provider_text): the bytes
 * VW_PT_WEB_MARK (never in UTF-8 text), then '0' + 2 * prefix + slash.
 * vw_pt_web_make writes it into buf (>= VW_PT_WEB_MAX) and returns buf. */
#define VW_PT_WEB_MARK 0xFFu
#define VW_PT_WEB_PREFIXES 4
extern const char *const vw_pt_web_prefix[VW_PT_WEB_PREFIXES];
char *vw_pt_web_make(const char *email, char code, char *buf);

/* A text field that repeats an earlier provider's (name, address) is
 * stored as a reference to that copy: VW_PT_REF_MARK (never in UTF-8 text),
 * the 8 bytes of the pointer, NUL (VW_PT_REF_LEN bytes in all, NULs inside
 * too). vw_pt_field reads a field of a packed run; vw_pt_skip steps over it. */
#define VW_PT_REF_MARK 0xFEu
#define VW_PT_REF_LEN 10

static inline const char *vw_pt_field(const char *at)
{
    if ((unsigned char)at[0] != VW_PT_REF_MARK)
        return at;
    const char *to;
    memcpy(&to, at + 1, sizeof to);
    return to;
}

static inline const char *vw_pt_skip(const char *at)
{
    return (unsigned char)at[0] == VW_PT_REF_MARK ? at + VW_PT_REF_LEN : at + strlen(at) + 1;
}

/* A bump allocator: strings live in a few big blocks, freed all at once. */
typedef struct vw_arena_block {
    struct vw_arena_block *next;
    size_t used, cap;
    char data[];
} vw_arena_block;

typedef struct vw_arena {
    vw_arena_block *head;
    size_t bytes; /* total allocated, for vw_snapshot_bytes */
} vw_arena;

char *vw_arena_strdup(vw_arena *a, const char *s, size_t len); /* NULL on OOM */
char *vw_arena_alloc(vw_arena *a, size_t len); /* len uninitialised bytes; NULL on OOM */
void vw_arena_free(vw_arena *a);

typedef struct vw_pc4_slot {
    double lat, lon;
    const char *place; /* NULL: no such PC4 */
    uint32_t population; /* people assigned to this PC4 (snapshot_geo.c); 0 without places */
    uint32_t age_65_plus; /* CBS only; 0 otherwise */
    int8_t region;       /* -1: none (no region polygons, or outside them) */
    vw_shape *cell;      /* owned; Voronoi cell clipped to the region, NULL if none */
} vw_pc4_slot;

/* Geography inputs collected by the builder (snapshot_geo.c consumes them). */
typedef struct vw_place_in {
    double lat, lon;
    uint32_t population;
} vw_place_in;

typedef struct vw_geo_in {
    unsigned char *wkb[VW_REGION_COUNT]; /* owned copies; NULL: no polygon */
    size_t wkb_len[VW_REGION_COUNT];
    vw_place_in *places;
    size_t n_places, cap_places;
    int32_t *cbs_pop, *cbs_65; /* VW_PC4_SLOTS each, -1 = unknown; NULL: no CBS rows */
} vw_geo_in;

void vw_geo_in_free(vw_geo_in *g);

/* What the snapshot knows of each region. */
typedef struct vw_region_info {
    vw_shape *outline;         /* owned; NULL when the region has no polygon */
    double area_km2;
    uint64_t population, age_65_plus;
    uint32_t pc4, providers, networks;
} vw_region_info;

#define VW_PC4_SLOTS 10000

/* What incrementally patched snapshots share (snapshot_patch.c): a node
 * holds strings (an arena) and, in the first node of a chain, the
 * geography of the snapshot the chain began with (PC4 slots and their
 * cells, pc4_codes, region outlines). Each snapshot of a chain holds one
 * reference to its newest node; a node holds one on the next (older) one.
 * The last release frees a node. */
typedef struct vw_snapshare {
    atomic_uint refs;
    vw_arena arena;
    bool owns_geo;
    vw_pc4_slot *pc4;          /* owns_geo: VW_PC4_SLOTS, with cells */
    uint16_t *pc4_codes;
    vw_shape *outline[VW_REGION_COUNT];
    unsigned depth;            /* nodes in the chain from here */
    struct vw_snapshare *next; /* one reference; NULL at the first node */
} vw_snapshare;

void vw_snapshare_release(vw_snapshare *n); /* NULL ok */

/* The next vw_snapshot_serial (atomic; every new snapshot takes one). */
uint64_t vw_snapshot_next_serial(void);

struct vw_snapshot {
    atomic_uint refs;
    vw_arena arena;              /* every string */
    vw_provider *providers;      /* id order */
    vw_provider_ext *ext;        /* parallel to providers (cold) */
    vw_hours_iv *hours;          /* opening intervals, runs named by ext */
    size_t n_hours;
    vw_lang (*lang_sets)[VW_LANG_MAX]; /* distinct language lists, named by ext; [0] empty */
    uint32_t n_lang_sets;
    uint32_t n_providers;
    vw_network *networks;        /* id order */
    uint32_t n_networks;
    uint32_t *memberships;       /* provider -> network indices (sorted per provider) */
    uint32_t *members;           /* network -> provider indices (sorted per network) */
    size_t n_memberships;
    vw_registration *registrations; /* grouped by provider, provider order */
    size_t n_registrations;
    const char *tags[VW_MAX_TAGS];
    int n_tags;
    vw_pc4_slot *pc4;            /* VW_PC4_SLOTS, dense */
    uint32_t n_pc4;
    uint32_t discipline_counts[VW_D_COUNT];
    vw_index *index;
    uint16_t *pc4_codes;         /* the n_pc4 codes present, ascending */
    bool has_regions;            /* region polygons were loaded */
    bool has_population;         /* places were loaded */
    uint64_t population;         /* sum over PC4s */
    uint64_t age_65_plus;        /* sum over PC4s (CBS) */
    uint8_t pop_source;          /* vw_pop_source */
    uint32_t pc4_pop_unknown;    /* CBS: centroids without a known population */
    vw_region_info regions[VW_REGION_COUNT];
    struct vw_tt *tt;            /* travel-time matrices (traveltime_int.h); NULL: none */
    char updated[24];            /* vw_snapshot_updated */
    int64_t seq;                 /* vw_snapshot_seq */
    uint64_t serial;             /* vw_snapshot_serial: unique in the process */
    char seq_at[24];             /* vw_snapshot_seq_at */
    size_t bytes;
    /* Set when the snapshot was patched or patched from: the arena, PC4
     * slots, pc4_codes and region outlines above then belong to the chain
     * (one reference), not to this snapshot. */
    vw_snapshare *share;
    bool patched;                /* made by vw_snapshot_patch (set before it is shared) */
};

/* The geography of a snapshot, built on a second thread (snapshot_geo.c) in
 * two phases: the PC4 part (populations, PC4 regions, outlines, cells) as
 * soon as the PC4s, places and region polygons are in (while the loader
 * still reads providers), then the region of every provider once their
 * coordinates are handed over (while the builder sorts and indexes). The job
 * owns the snapshot's PC4 slots, pc4_codes, population and regions[] (all
 * but the provider and network counts) from start until finish. */
typedef struct vw_geo_job {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started;            /* a thread runs (else the phases run in line) */
    bool have_points;        /* coordinates handed over (or none will come) */
    vw_snapshot *s;
    const vw_geo_in *in;     /* the builder's, alive until finish */
    struct vw_regionset *rs; /* between the phases */
    double *lat, *lon;       /* provider coordinates in the order added (owned) */
    int8_t *region;          /* their regions, same order (owned) */
    uint32_t n;
    int rc;
    vw_err err;
} vw_geo_job;

/* Starts the PC4 phase on s (its pc4 slots in place). 0, or -1 (err). */
int vw_geo_job_start(vw_geo_job *j, vw_snapshot *s, const vw_geo_in *in, vw_err *err);
/* Hands over the n providers `prov` in the order added (coordinates are
 * copied) for the second phase. 0, or -1 on OOM. */
int vw_geo_job_points(vw_geo_job *j, const vw_provider *prov, uint32_t n, vw_err *err);
/* Waits for the job and frees it. With `order` (order[k] = the position in
 * which final provider k was added) and s's providers, memberships and
 * members in place, also gives every provider and network its region: 0 or
 * -1 with err set. With order NULL it only stops, waits and frees (failure
 * paths). Only for a started job. */
int vw_geo_job_finish(vw_geo_job *j, vw_snapshot *s, const uint32_t *order, vw_err *err);
/* Frees what the geography job put into the snapshot. */
void vw_snapshot_geo_free(vw_snapshot *s);

/* Sorts n records of `stride` bytes whose first member is a NUL-terminated id
 * (const char *) into strcmp order, stably: perm[k] = position of the k-th
 * record. MSD radix on 8-byte big-endian chunks. 0, or -1 on OOM. */
int vw_sort_ids(const void *base, size_t stride, uint32_t n, uint32_t *perm);

/* Network -> provider lists (s->members, each network's member_first and
 * member_count) from the membership lists (s->memberships, s->n_memberships)
 * of the providers prov[0..n_prov). 0, or -1 on OOM. */
int vw_snapshot_link_members(vw_snapshot *s, const vw_provider *prov, uint32_t n_prov,
                             vw_err *err);
/* Each network's region (its code, else the region most members are in)
 * and the regions' network counts. */
void vw_snapshot_network_regions(vw_snapshot *s);

/* vw_snapshot_bytes of a finished snapshot (its index in place). */
size_t vw_snapshot_count_bytes(const vw_snapshot *s);

/* Frees everything a (possibly half-built) snapshot owns. */
void vw_snapshot_destroy(vw_snapshot *s);

#endif
