/* optable.h -- the op table: one row per op of PROTOCOL.md with its name,
 * handler, flags, HTTP route and argument schema. Everything that needs a
 * fact about an op reads it here: the msgpack dispatcher (ops.c: lookup,
 * admin check, snapshot check), the handlers (argument names, bounds,
 * defaults and the allowed values their error messages list), the HTTP
 * gateway (routes, typing of query-string values, aliases) and the argument
 * tables of proto/PROTOCOL.md (printed by vw_optable_md, checked by a test).
 * Modelled on Redis's command table. A new op or argument is one new row
 * in optable.c. */
#ifndef VW_OPS_OPTABLE_H
#define VW_OPS_OPTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct vw_op_call;
/* An op packs exactly one result object and returns 0, or returns -1 with
 * c->err set; what it packed before failing is discarded by the caller. */
typedef int (*vw_op_fn)(const struct vw_op_call *c);

/* Flags of an op. */
#define VW_OPF_ADMIN 1u       /* admin listeners only (forbidden on the query port) */
#define VW_OPF_NO_SNAPSHOT 2u /* answers without a loaded snapshot */
#define VW_OPF_HEAVY 4u       /* may take 100 ms or more (whole-country scans) */
/* Who may run an admin op (authz.c, vw_authz_op_check): an admin op without
 * either flag changes whole tables (reload, import) and is for the national
 * administrator only. */
#define VW_OPF_READONLY 8u    /* admin op that changes nothing (history, changes): every role */
#define VW_OPF_PER_RECORD 16u /* admin op of record-level changes (apply): every role but
                                 auditor, then vw_authz_change_check per change */

/* ping's `pad` argument: at most this many bytes of padding in its answer. */
#define VW_PING_MAX_PAD 65536u

/* How an argument is typed, on the wire and in a query string. */
typedef enum vw_arg_type {
    VW_ARG_STR,  /* a string (an id, a path) */
    VW_ARG_ENUM, /* a string, one of the allowed values */
    VW_ARG_STRS, /* a string or a list of min..max strings (allowed values when given) */
    VW_ARG_UINT, /* an unsigned integer min..max */
    VW_ARG_NUM,  /* a number, min < x <= max */
    VW_ARG_BOOL,
    VW_ARG_DATE, /* "YYYY-MM-DD" */
    VW_ARG_LOC,  /* a location: PC4/PC6 string or [lat, lon] ("lat,lon" over HTTP) */
    VW_ARG_MAPS, /* a list of 1..max maps (a request body, never a query string) */
} vw_arg_type;

typedef struct vw_op_arg {
    const char *name;
    vw_arg_type type;
    double min, max;             /* bounds (UINT, NUM) or list length (STRS; max 0: any) */
    const char *const *values;   /* allowed values, NULL-terminated, or NULL */
    const char *(*value)(int i); /* or the same from a vocabulary (NULL past the end) */
    const char *dflt;            /* the default as PROTOCOL.md says it; for UINT and NUM
                                    a number here is also the handler's default */
    const char *doc;             /* meaning (PROTOCOL.md) */
    const char *type_doc;        /* type column of PROTOCOL.md; NULL: from type/bounds */
    const char *alias;           /* another name accepted in an HTTP query string */
} vw_op_arg;

typedef struct vw_op_def {
    const char *name;
    vw_op_fn fn;
    unsigned flags;         /* VW_OPF_* */
    const char *route;      /* HTTP GET path under which it is served; NULL: not on HTTP */
    const char *path_arg;   /* route is a prefix and the rest of the path is this argument */
    const vw_op_arg *args;  /* terminated by a row with name NULL */
} vw_op_def;

/* The op of an index (0..vw_optable_count()-1), NULL past the end. */
const vw_op_def *vw_optable_get(int index);
int vw_optable_count(void);
/* The op named op[0..len), NULL when there is none; *index (may be NULL) is
 * its index. */
const vw_op_def *vw_optable_find(const char *op, size_t len, int *index);
/* The schema row of argument `name` of op d, NULL when d has none. */
const vw_op_arg *vw_op_arg_find(const vw_op_def *d, const char *name);
/* The i-th allowed value of a, NULL past the end (or when a lists none). */
const char *vw_op_arg_value(const vw_op_arg *a, int i);
/* The allowed values of a joined for an error message: `quote` around each,
 * `sep` between them and `last` before the final one ("a, b or c"). */
void vw_op_arg_values_text(const vw_op_arg *a, const char *quote, const char *sep,
                           const char *last, char *buf, size_t cap);
/* The op of an HTTP path: an exact route, else a prefix route (path_arg),
 * when *rest is set to the part of the path after the prefix. NULL: none. */
const vw_op_def *vw_optable_route(const char *path, const char **rest);
/* The type of query-string argument `name` (or its alias) of op d; an
 * argument d does not define is typed as any op defines it (the op then
 * refuses it by name), else VW_ARG_STR. *canon (may be NULL) is set to the
 * argument's real name when `name` is an alias, else to `name`. */
vw_arg_type vw_optable_arg_type(const vw_op_def *d, const char *name, const char **canon);

/* Writes the Markdown argument table of op d (PROTOCOL.md's format). */
void vw_optable_markdown(const vw_op_def *d, FILE *out);

#endif
