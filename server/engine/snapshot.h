/* snapshot.h -- the immutable in-memory directory the daemon serves from.
 *
 * A snapshot is built once (by the store's loader, through vw_snapbuild) and
 * never changes afterwards, so any number of worker threads read it without
 * locks. It is reference counted: a reload swaps in a new one and the old one
 * is freed when the last query that holds it releases it.
 *
 * Provider indices (uint32) are positions in id order: provider i has a
 * smaller id (bytewise, strcmp) than provider i+1, so "ties broken by provider
 * id" is "ties broken by index". Networks likewise. */
#ifndef VW_SNAPSHOT_H
#define VW_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/attrs.h"
#include "proto/vw_err.h"

#define VW_MAX_TAGS 64 /* expertise tags in one snapshot (bitmask width) */

typedef struct vw_snapshot vw_snapshot;

/* One provider: 64 bytes (one cache line). The text fields a client is shown
 * (name, postcode, address, phone, e-mail, web site) are not pointers here:
 * they are packed right after the id in the snapshot's arena, read with
 * vw_provider_name() / vw_provider_text() (docs/ENGINE.md). */
typedef struct vw_provider {
    const char *id;            /* NUL-terminated; the packed text follows it */
    const char *city;          /* interned; NULL when unknown */
    double lat, lon;           /* degrees; always set (geocoded rows too) */
    uint64_t expertise;        /* tags held without a validity period */
    uint32_t net_first, net_count; /* into vw_snapshot_memberships(): network indices */
    uint32_t reg_first, reg_count; /* into vw_snapshot_registrations() */
    uint8_t discipline;        /* VW_D_* */
    uint8_t accepting, online, geocoded;
    int16_t region;            /* -1 until regions exist */
    uint8_t text_set;          /* bit VW_PT_x: field x is present (else NULL) */
    /* (AGB and BIG codes: vw_provider_text_get) */
} vw_provider;

/* The packed text fields, in their order after the id (the AGB and BIG
 * codes of the side table too: a pointer each in vw_provider_ext cost 16
 * bytes a provider). */
enum { VW_PT_NAME, VW_PT_POSTCODE, VW_PT_ADDRESS, VW_PT_PHONE, VW_PT_EMAIL, VW_PT_WEBSITE,
       VW_PT_AGB, VW_PT_BIG, VW_PT_COUNT };

#define VW_PT_WEB_MAX 128 /* longest web site made from the e-mail domain, with NUL */

typedef struct vw_provider_text {
    const char *name;          /* never NULL ("" when unnamed) */
    const char *postcode, *address, *phone, *email, *website; /* NULL: not set */
    const char *agb, *big;     /* NULL: not given */
    /* A web site that is the e-mail address's domain behind http(s)://
     * (www.), with or without a closing slash, is not stored but written
     * here: `website` then points into this struct, not the snapshot. */
    char web_buf[VW_PT_WEB_MAX];
} vw_provider_text;

/* The provider's name (never NULL); cheap: it directly follows the id. */
const char *vw_provider_name(const vw_provider *p);
/* All text fields; pointers into the snapshot, valid while it is held (the
 * web site may point into *out: valid while both are). */
void vw_provider_text_get(const vw_provider *p, vw_provider_text *out);

/* What a referrer asks beyond location and expertise (docs/SCHEMA.md):
 * cold data in a side table parallel to the providers, read only for
 * candidates that passed the hot filters and for output, so the 64-byte
 * record the match walk reads does not grow. */
typedef struct vw_provider_ext {
    uint32_t hours_first;         /* into vw_snapshot_hours() */
    uint8_t hours_count;          /* 0: opening hours unknown */
    uint8_t open_days;            /* bit d: open on weekday d (0 = Monday) */
    uint8_t wheelchair, direct_access; /* VW_TRI_* */
    uint16_t lang_set;            /* its languages: vw_snapshot_langs() */
    uint16_t wait_weeks;
    int32_t wait_confirmed;       /* day the wait was confirmed; VW_DATE_NONE: no wait */
    uint32_t version;             /* providers.version (issue 15); 0: unknown */
    uint32_t updated;             /* providers.updated_at, epoch seconds UTC; 0: unknown */
} vw_provider_ext;

const vw_provider_ext *vw_snapshot_provider_ext(const vw_snapshot *s, uint32_t i);
const vw_hours_iv *vw_snapshot_hours(const vw_snapshot *s); /* never NULL */
/* The languages of a side-table record: VW_LANG_MAX codes, zero-terminated
 * when fewer (the distinct lists are stored once: 16 bytes a provider
 * less). */
const vw_lang *vw_snapshot_langs(const vw_snapshot *s, const vw_provider_ext *x);
/* Distinct language lists one snapshot holds (lang_set is 16 bits). */
#define VW_LANG_SETS_MAX 65536u

/* An expertise held through a registration with a validity period. */
typedef struct vw_registration {
    const char *registry;      /* e.g. "nvpo-deskundigen" */
    int32_t valid_from;        /* days since epoch; VW_DATE_NONE = open */
    int32_t valid_until;       /* inclusive; VW_DATE_NONE = open */
    uint8_t tag;               /* expertise bit */
} vw_registration;

typedef struct vw_network {
    const char *id, *name, *kind, *region_code; /* region_code: as imported ("" if none) */
    int32_t certified_until;   /* VW_DATE_NONE when empty */
    uint32_t member_first, member_count; /* into vw_snapshot_members(): provider indices */
    uint8_t status;            /* VW_NET_* */
    int8_t region;             /* imported code, else the region most members are in; -1 */
    uint32_t version, updated; /* networks.version, updated_at (epoch s UTC); 0: unknown */
} vw_network;

/* ---- building ------------------------------------------------------------- */
typedef struct vw_snapbuild vw_snapbuild;

typedef struct vw_provider_in {
    const char *id, *name, *postcode, *city, *address, *phone, *email, *website; /* copied */
    double lat, lon;
    int discipline;
    const char *const *expertise; size_t n_expertise;  /* tag strings, copied */
    const char *const *networks; size_t n_networks;    /* network ids, copied */
    bool accepting, online, geocoded;
    /* the side table (all optional; zero = unknown) */
    const char *agb, *big;                        /* copied */
    const vw_hours_iv *hours; size_t n_hours;     /* sorted as vw_hours_parse gives them */
    const vw_lang *langs; size_t n_langs;         /* <= VW_LANG_MAX */
    int wheelchair, direct_access;                /* VW_TRI_* */
    bool has_wait;
    unsigned wait_weeks;                          /* <= 520 */
    int32_t wait_confirmed;                       /* a date; required with has_wait */
    uint32_t version, updated;                    /* as in vw_provider_ext; 0: unknown */
} vw_provider_in;

typedef struct vw_network_in {
    const char *id, *name, *kind, *region_code; /* copied */
    int status;
    int32_t certified_until;
    uint32_t version, updated;                    /* as in vw_network; 0: unknown */
} vw_network_in;

vw_snapbuild *vw_snapbuild_new(void);
void vw_snapbuild_free(vw_snapbuild *b);
/* When the data last changed, a UTC instant YYYY-MM-DDThh:mm:ssZ (the loader
 * gives the last committed import); anything else is ignored. Not set: the
 * time vw_snapbuild_finish runs. */
void vw_snapbuild_set_updated(vw_snapbuild *b, const char *instant);
/* The change-log position the built state includes (the store's last
 * change_log seq; 0 = none) and that row's time `at` (copied, cut to 23
 * bytes; NULL ok): together they tell a later database file of the same
 * lineage (a published copy of the same working database) from another. */
void vw_snapbuild_set_seq(vw_snapbuild *b, int64_t seq, const char *at);
int vw_snapbuild_add_pc4(vw_snapbuild *b, int pc4, double lat, double lon, const char *place,
                         vw_err *err);
int vw_snapbuild_add_network(vw_snapbuild *b, const vw_network_in *n, vw_err *err);
int vw_snapbuild_add_provider(vw_snapbuild *b, const vw_provider_in *p, vw_err *err);
/* Geography: a place with its population, and one region's polygon (WKB,
 * copied). Optional; see vw_pc4_info. */
int vw_snapbuild_add_place(vw_snapbuild *b, double lat, double lon, uint32_t population,
                           vw_err *err);
int vw_snapbuild_set_region(vw_snapbuild *b, int region, const void *wkb, size_t len,
                            vw_err *err);
/* The CBS population of one PC4 (-1: unknown, kept secret). Once any is
 * added, these weigh the PC4s instead of the places (snapshot_geo.c). */
int vw_snapbuild_add_pc4_population(vw_snapbuild *b, int pc4, int64_t population,
                                    int64_t age_65_plus, vw_err *err);
int vw_snapbuild_add_registration(vw_snapbuild *b, const char *provider_id, const char *tag,
                                  const char *registry, int32_t valid_from,
                                  int32_t valid_until, vw_err *err);
/* Optional: declares the PC4s, places and region polygons complete and
 * starts the geography (populations, regions, PC4 cells) on a second thread,
 * so it runs while providers are still being added; later add_pc4,
 * add_place or set_region calls fail. finish starts it when not yet
 * started. 0 or -1. */
int vw_snapbuild_geo_start(vw_snapbuild *b, vw_err *err);
/* Sorts, resolves ids (unknown network/provider ids are an error), builds the
 * spatial index. Always consumes `b` (frees it, also on failure). */
vw_snapshot *vw_snapbuild_finish(vw_snapbuild *b, vw_err *err);

/* ---- lifetime ------------------------------------------------------------- */
/* A new snapshot has one reference, owned by the caller of finish. */
vw_snapshot *vw_snapshot_retain(vw_snapshot *s);
void vw_snapshot_release(vw_snapshot *s); /* frees on the last release; NULL ok */

/* ---- reading -------------------------------------------------------------- */
uint32_t vw_snapshot_provider_count(const vw_snapshot *s);
/* vw_snapbuild_set_updated's instant, else the time the snapshot was built. */
const char *vw_snapshot_updated(const vw_snapshot *s);
/* A number no other snapshot of this process has had or will have (from
 * 1): what caches of derived data key on, as addresses are reused. */
uint64_t vw_snapshot_serial(const vw_snapshot *s);

/* The change-log position of the snapshot (vw_snapbuild_set_seq). */
int64_t vw_snapshot_seq(const vw_snapshot *s);
const char *vw_snapshot_seq_at(const vw_snapshot *s); /* "" when none */

/* ---- incremental patch (snapshot_patch.c) ------------------------------------
 * A new snapshot: `old` with the providers named in ids[0..n_ids) replaced
 * by what `changes` holds of them (a provider of ids that `changes` does not
 * hold is deleted; one not in `old` is added). `changes` holds only those
 * providers (each with all its memberships and registrations) and, when old
 * has region polygons, the polygons (vw_snapbuild_set_region), for the
 * region of the providers it holds; no PC4s, places or networks. The new
 * snapshot is exactly what a full build of the changed database gives
 * (docs/ENGINE.md "Changes without a reload"), shares old's strings and
 * geography (reference counted; old stays valid and immutable), and
 * consumes `changes` (freed, also on failure). Refused (code "unavailable":
 * do a full build instead) when old has travel-time matrices or the chain
 * of patches is VW_PATCH_MAX_DEPTH long; "invalid" when a provider names an
 * unknown network or the tags overflow. */
#define VW_PATCH_MAX_DEPTH 1000
vw_snapshot *vw_snapshot_patch(vw_snapshot *old, vw_snapbuild *changes, const char *const *ids,
                               size_t n_ids, vw_err *err);
/* Patches since the last full build (0: a full build). */
unsigned vw_snapshot_patch_depth(const vw_snapshot *s);
const vw_provider *vw_snapshot_provider(const vw_snapshot *s, uint32_t i);
int64_t vw_snapshot_find_provider(const vw_snapshot *s, const char *id, size_t len); /* -1 */
uint32_t vw_snapshot_network_count(const vw_snapshot *s);
const vw_network *vw_snapshot_network(const vw_snapshot *s, uint32_t i);
int64_t vw_snapshot_find_network(const vw_snapshot *s, const char *id, size_t len); /* -1 */
const uint32_t *vw_snapshot_memberships(const vw_snapshot *s); /* provider -> networks */
const uint32_t *vw_snapshot_members(const vw_snapshot *s);     /* network -> providers */
const vw_registration *vw_snapshot_registrations(const vw_snapshot *s);

/* Expertise tags: bit <-> name. Base tags are always present (bits 0..9). */
int vw_snapshot_tag_bit(const vw_snapshot *s, const char *name, size_t len); /* -1 */
const char *vw_snapshot_tag_name(const vw_snapshot *s, int bit);
int vw_snapshot_tag_count(const vw_snapshot *s);

/* PC4 centroid lookup; false when the PC4 is not in the table. */
bool vw_snapshot_pc4(const vw_snapshot *s, int pc4, double *lat, double *lon,
                     const char **place);
uint32_t vw_snapshot_pc4_count(const vw_snapshot *s);

/* Does provider i hold all of `tags` on day `as_of` (permanent or registered)? */
bool vw_provider_has_tags(const vw_snapshot *s, uint32_t i, uint64_t tags, int32_t as_of);
/* The tags provider i holds on day `as_of`. */
uint64_t vw_provider_tags_on(const vw_snapshot *s, uint32_t i, int32_t as_of);

/* ---- geography (snapshot_geo.c) ------------------------------------------
 * Present when the database holds region polygons (`verwijs import regions`)
 * and places (`verwijs import places`); without them every region is -1 and
 * every population 0. */
typedef struct vw_pc4_info {
    int pc4;
    double lat, lon;
    const char *place;
    uint32_t population;
    uint32_t age_65_plus;             /* 0 without the CBS population */
    int region;                       /* -1: none */
    const struct vw_shape *cell;      /* NULL: none */
} vw_pc4_info;

/* Where the PC4 weights come from. */
typedef enum {
    VW_POP_NONE,   /* every PC4 weighs 0 (coverage reports shares of PC4 areas) */
    VW_POP_PLACES, /* places split over their PC4s (GeoNames) */
    VW_POP_CBS     /* CBS population per PC4 */
} vw_pop_source;
vw_pop_source vw_snapshot_population_source(const vw_snapshot *s);
const char *vw_pop_source_name(vw_pop_source p); /* "none", "places", "cbs" */
uint64_t vw_snapshot_age_65_plus(const vw_snapshot *s);
/* With the CBS population: PC4 centroids whose population is unknown (no
 * row, or kept secret); they weigh 0. */
uint32_t vw_snapshot_pc4_population_unknown(const vw_snapshot *s);

bool vw_snapshot_has_regions(const vw_snapshot *s);
bool vw_snapshot_has_population(const vw_snapshot *s);
uint64_t vw_snapshot_population(const vw_snapshot *s);
/* The k-th PC4 in ascending order, k < vw_snapshot_pc4_count(). */
void vw_snapshot_pc4_at(const vw_snapshot *s, uint32_t k, vw_pc4_info *out);
/* false when the PC4 is not in the table. */
bool vw_snapshot_pc4_info(const vw_snapshot *s, int pc4, vw_pc4_info *out);

typedef struct vw_region_summary {
    const struct vw_shape *outline;   /* NULL: no polygon */
    double area_km2;
    uint64_t population, age_65_plus;
    uint32_t pc4, providers, networks;
} vw_region_summary;
/* region in 0..VW_REGION_COUNT-1 (geodata/regions.h). */
void vw_snapshot_region(const vw_snapshot *s, int region, vw_region_summary *out);

/* Bytes of memory the snapshot holds (for stats). */
size_t vw_snapshot_bytes(const vw_snapshot *s);
/* Per-discipline provider counts (array of VW_D_COUNT). */
const uint32_t *vw_snapshot_discipline_counts(const vw_snapshot *s);

#endif
