/* ops_int.h -- shared by the ops_*.c files: one op call, argument helpers
 * that know the snapshot (locations, disciplines, tags, dates), and packing
 * of the provider / network objects of PROTOCOL.md. Internal to vwops. */
#ifndef VW_OPS_INT_H
#define VW_OPS_INT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "geodata/geo.h"
#include "proto/msg.h"
#include "server/engine/match.h"
#include "server/engine/traveltime.h"
#include "ops.h"
#include "packcache.h"
#include "optable.h"

/* msgpack_sbuffer_write as one function of the library (msgpack-c's is
 * static inline: a copy per file), so the packer of vw_ops_handle can be
 * recognised as writing to an sbuffer (pack.c's cache needs the bytes). */
int vw_ops_sbuffer_write(void *data, const char *buf, size_t len);
/* How many of this thread's vw_ops_sbuffer_write calls failed so far. */
unsigned vw_ops_sbuffer_failures(void);

/* Which arguments of the op's row were given (vw_opa_only fills it): the
 * helpers then read a row's value from its own entry, or know it absent,
 * instead of searching the args map for every name of the row. */
typedef struct vw_op_given {
    bool known;                          /* filled; else the helpers search c->args */
    uint32_t rows;                       /* bit r: row r was given */
    msgpack_object view[VW_OPS_MAX_ARGS]; /* row r's entry as a one-entry map */
} vw_op_given;

typedef struct vw_op_call {
    const vw_ops_ctx *ctx;
    const vw_op_def *def;       /* the op's row of the op table */
    const msgpack_object *args; /* map or NULL */
    msgpack_packer *pk;         /* packs the result object only */
    vw_err *err;
    char *log;                  /* privacy-safe summary, appended to */
    size_t log_cap;
    vw_op_given *given;         /* NULL: none (the helpers search c->args) */
} vw_op_call;

int vw_op_ping(const vw_op_call *c);
int vw_op_match(const vw_op_call *c);
int vw_op_provider_get(const vw_op_call *c);
int vw_op_network_get(const vw_op_call *c);
int vw_op_stats(const vw_op_call *c);
int vw_op_vocabulary(const vw_op_call *c);
int vw_op_refer(const vw_op_call *c);
int vw_op_network_near(const vw_op_call *c);
int vw_op_networks_audit(const vw_op_call *c);
int vw_op_networks_map(const vw_op_call *c);
int vw_op_regions(const vw_op_call *c);
int vw_op_coverage(const vw_op_call *c);
int vw_op_reload(const vw_op_call *c);
int vw_op_import(const vw_op_call *c);
int vw_op_apply(const vw_op_call *c);
/* The "snapshot" object of the admin answers (admin.c). */
void vw_ops_pack_summary(msgpack_packer *pk, const vw_ops_snap_summary *s);
int vw_op_changes(const vw_op_call *c);
int vw_op_history(const vw_op_call *c);

/* ---- arguments ----
 * Names, bounds, numeric defaults and allowed values come from the op's row
 * of the op table (c->def); an argument a handler reads that its row lacks
 * is `internal` (a bug). */

/* Refuses arguments the op's row does not define (and repeated ones), and
 * notes in c->given which rows were given. */
int vw_opa_only(const vw_op_call *c);
/* Where to look the value of row `a` up: after vw_opa_only, the row's own
 * one-entry map, or NULL when it was not given (the vw_arg_* helpers then
 * report it absent); otherwise (or for a NULL row) the whole args map. */
const msgpack_object *vw_opa_args(const vw_op_call *c, const vw_op_arg *a);
/* An unsigned integer within the row's bounds; *v is the row's default (when
 * it has a numeric one) or unchanged when absent. */
int vw_opa_uint(const vw_op_call *c, const char *key, uint64_t *v, bool *present);
/* A boolean; *v unchanged when absent. */
int vw_opa_bool(const vw_op_call *c, const char *key, bool *v);
/* An ENUM argument: *index is the position of its value among the row's
 * allowed values, -1 when absent; bad_request listing them otherwise. */
int vw_opa_enum(const vw_op_call *c, const char *key, int *index);

typedef struct vw_origin {
    enum { VW_ORIGIN_PC4, VW_ORIGIN_PC6, VW_ORIGIN_POINT } kind;
    vw_postcode pc;
    double lat, lon;
    const char *place; /* from the PC4 table, may be NULL */
} vw_origin;

/* `near`: PC4 / PC6 string or [lat, lon]. not_found for an unknown PC4. */
int vw_opa_near(const vw_op_call *c, vw_origin *o);
/* The origin's PC4 for travel-time matrices: a PC4/PC6 origin's own, else 0. */
static inline int vw_opa_origin_pc4(const vw_origin *o)
{
    return o->kind == VW_ORIGIN_POINT ? 0 : o->pc.pc4;
}
/* `discipline`: str or list -> bitmask (0 when absent). */
int vw_opa_disciplines(const vw_op_call *c, const char *key, uint32_t *mask);
/* `expertise`: str or list -> tag mask (0 when absent). */
int vw_opa_tags(const vw_op_call *c, const char *key, uint64_t *mask);
int vw_opa_mode(const vw_op_call *c, vw_mode *mode);
/* `within` in the row's (min, max]; the row's default, else *within
 * unchanged, when absent. */
int vw_opa_within(const vw_op_call *c, double *within);
/* `as_of` date; ctx->today when absent. */
int vw_opa_as_of(const vw_op_call *c, int32_t *as_of);
/* `region`: a code (or "all" when the row allows it) -> index; -1 when
 * absent or all. */
int vw_opa_region_code(const vw_op_call *c, int *region);
/* The same for filters on locations: unavailable without region polygons. */
int vw_opa_region(const vw_op_call *c, int *region);
/* The referrer's filters (args_attrs.c): language, wheelchair,
 * direct_access, open_on, max_wait_weeks into q (as_of already set). */
int vw_opa_referrer(const vw_op_call *c, vw_match_query *q);
/* A network kind argument (`kind`, `network_kind`) into buf (>= 33 bytes):
 * *kind = buf, or NULL for "all"; the NVPO kind (oncologiezorgnetwerk) when
 * absent. */
int vw_opa_net_kind(const vw_op_call *c, const char *key, char *buf, const char **kind);
/* A required string argument (an id). */
int vw_opa_id(const vw_op_call *c, const char *key, const char **s, size_t *len);

void vw_op_log_add(const vw_op_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A macro: without a log line (the daemon passes none below debug) the
 * arguments are not evaluated and nothing is formatted. */
#define vw_op_log(c, ...) ((c)->log ? vw_op_log_add((c), __VA_ARGS__) : (void)0)

/* ---- packing ---- */

void vw_opp_origin(msgpack_packer *pk, const vw_origin *o);
void vw_opp_date(msgpack_packer *pk, int32_t day); /* nil for VW_DATE_NONE */
/* The keys of a provider object in the order they are packed: one bit each
 * in a field mask (the `fields` argument of match and refer). */
enum {
    VW_PF_ID, VW_PF_NAME, VW_PF_DISCIPLINE, VW_PF_EXPERTISE, VW_PF_LAT, VW_PF_LON,
    VW_PF_ADDRESS, VW_PF_POSTCODE, VW_PF_CITY, VW_PF_PHONE, VW_PF_EMAIL, VW_PF_WEBSITE,
    VW_PF_ACCEPTING, VW_PF_ONLINE, VW_PF_GEOCODED, VW_PF_REGION,
    VW_PF_HOURS, VW_PF_LANGUAGES, VW_PF_WHEELCHAIR, VW_PF_DIRECT_ACCESS, VW_PF_WAIT_WEEKS,
    VW_PF_WAIT_CONFIRMED, VW_PF_AGB, VW_PF_BIG, /* vw_opp_attrs */
    VW_PF_NETWORKS, VW_PF_KM, VW_PF_MINUTES, VW_PF_TIME_SOURCE, /* the last three: with a hit */
    VW_PF_COUNT
};
#define VW_PF_BIT(f) (UINT32_C(1) << (f))
#define VW_PF_ALL ((UINT32_C(1) << VW_PF_COUNT) - 1)
#define VW_PF_HIT (VW_PF_BIT(VW_PF_KM) | VW_PF_BIT(VW_PF_MINUTES) | VW_PF_BIT(VW_PF_TIME_SOURCE))
/* fields = "ids": what a caller needs to rank and to fetch the rest later */
#define VW_PF_IDS (VW_PF_BIT(VW_PF_ID) | VW_PF_HIT)
/* The key of field f (0..VW_PF_COUNT-1), NULL past the end (pack.c). */
const char *vw_opp_provider_field(int f);
/* The `fields` argument into a mask: VW_PF_ALL when absent; "ids" or a
 * list of provider keys; an unknown name is refused with the allowed values. */
int vw_opa_fields(const vw_op_call *c, uint32_t *fields);

/* The provider object, only the keys of `fields` (VW_PF_ALL: all); with
 * `hit`, also km, minutes and time_source; with_regs adds as_of and the
 * registrations list (provider.get). pc: the thread's cache of packed parts
 * (packcache.h), NULL for none; the bytes are the same either way. */
void vw_opp_provider(msgpack_packer *pk, const vw_snapshot *s, uint32_t i, int32_t as_of,
                     const vw_match_hit *hit, bool with_regs, uint32_t fields, vw_packcache *pc);
/* {"id","name","discipline","km","minutes"} */
void vw_opp_member(msgpack_packer *pk, const vw_snapshot *s, uint32_t i, double km,
                   double minutes, int source);
void vw_opp_disciplines(msgpack_packer *pk, uint32_t mask);
/* Opens a map of 5 + `more` entries with a network's summary
 * {"id", "name", "kind", "region", "certified_until"} (refer, network.near); the
 * caller packs the `more` entries after it. */
void vw_opp_network_summary(msgpack_packer *pk, const vw_network *n, uint32_t more);
void vw_opp_str_n(msgpack_packer *pk, const char *s, size_t n);
/* The `max` largest places of `region` (-1: all) as [[name, lat, lon], ...]
 * (server/ops/places.c). */
void vw_opp_places(msgpack_packer *pk, const vw_snapshot *s, int region, uint32_t max);
/* A shape as a GeoJSON MultiPolygon, nil for NULL (geo.c). */
struct vw_shape;
void vw_opp_shape(msgpack_packer *pk, const struct vw_shape *sh);
/* The referrer's fields of a provider (hours ... big, VW_PF_HOURS..VW_PF_BIG):
 * packs those of `fields` as key/value pairs into the open map. */
void vw_opp_attrs(msgpack_packer *pk, const vw_snapshot *s, uint32_t i, uint32_t fields);

#endif
