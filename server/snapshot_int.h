/* snapshot_int.h -- the layout of a snapshot, shared by the builder
 * (snapshot_build.c), the read API (snapshot.c) and nothing else. */
#ifndef VW_SNAPSHOT_INT_H
#define VW_SNAPSHOT_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/vocab.h"
#include "index.h"
#include "snapshot.h"

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
void vw_arena_free(vw_arena *a);

typedef struct vw_pc4_slot {
    double lat, lon;
    const char *place; /* NULL: no such PC4 */
} vw_pc4_slot;

#define VW_PC4_SLOTS 10000

struct vw_snapshot {
    atomic_uint refs;
    vw_arena arena;              /* every string */
    vw_provider *providers;      /* id order */
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
    size_t bytes;
};

/* Sorts n records of `stride` bytes whose first member is a NUL-terminated id
 * (const char *) into strcmp order, stably: perm[k] = position of the k-th
 * record. MSD radix on 8-byte big-endian chunks. 0, or -1 on OOM. */
int vw_sort_ids(const void *base, size_t stride, uint32_t n, uint32_t *perm);

/* Frees everything a (possibly half-built) snapshot owns. */
void vw_snapshot_destroy(vw_snapshot *s);

#endif
