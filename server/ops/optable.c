/* optable.c -- the op table (see optable.h): every op, its flags, route and
 * arguments, and the look-ups the dispatcher, the handlers, the HTTP gateway
 * and the PROTOCOL.md generator make in it. */
#include "optable.h"

#include <stdlib.h>
#include <string.h>

#include "geodata/geo.h"
#include "geodata/regions.h"
#include "proto/attrs.h"
#include "proto/vocab.h"
#include "server/engine/match.h"
#include "server/engine/refer.h"
#include "ops_int.h"

/* ---- vocabularies ---------------------------------------------------------- */

static const char *mode_value(int i)
{
    return (i >= 0 && i < VW_MODE_ALL) ? vw_mode_name((vw_mode)i) : NULL;
}

static const char *discipline_value(int i)
{
    return (i >= 0 && i < VW_D_COUNT) ? vw_discipline_name(i) : NULL;
}

static const char *region_value(int i)
{
    return (i >= 0 && i < VW_REGION_COUNT) ? vw_region_codes[i] : NULL;
}

static const char *region_or_all_value(int i)
{
    return i == VW_REGION_COUNT ? "all" : region_value(i);
}

/* "ids", then every key of a provider object (pack.c) */
static const char *field_value(int i)
{
    return i == 0 ? "ids" : vw_opp_provider_field(i - 1);
}

static const char *const views[] = {"providers", "networks", NULL};
static const char *const weights[] = {"population", "age_65_plus", NULL};
static const char *const import_kinds[] = {"pc4",       "places",        "population", "networks",
                                           "providers", "registrations", "regions",
                                           "traveltimes", NULL};
static const char *const change_kinds[] = {"provider", "network", "membership", "registration",
                                           NULL};
static const char *const import_delimiters[] = {",", ";", "tab", NULL};
static const char *const import_encodings[] = {"utf8", "latin1", NULL};

/* ---- arguments shared by several ops ---------------------------------------- */

#define A_NEAR {"near", VW_ARG_LOC, 0, 0, NULL, NULL, "required", "patient's location", NULL, NULL}
#define A_MODE                                                                                  \
    {"mode", VW_ARG_ENUM, 0, 0, NULL, mode_value, "`\"car\"`",                                  \
     "travel mode (`transit`: only with a travel-time matrix)", NULL, NULL}
#define A_ACCEPTING                                                                             \
    {"accepting_only", VW_ARG_BOOL, 0, 0, NULL, NULL, "false",                                  \
     "only providers accepting new patients", NULL, NULL}
#define A_WITHIN(dflt, doc) {"within", VW_ARG_NUM, 0, 600, NULL, NULL, dflt, doc, NULL, NULL}
#define A_AS_OF(dflt, doc) {"as_of", VW_ARG_DATE, 0, 0, NULL, NULL, dflt, doc, NULL, NULL}
#define A_DISCIPLINE(dflt, doc)                                                                 \
    {"discipline", VW_ARG_STRS, 1, VW_D_COUNT, NULL, discipline_value, dflt, doc, NULL, NULL}
#define A_EXPERTISE(doc) {"expertise", VW_ARG_STRS, 1, 16, NULL, NULL, "none", doc, NULL, NULL}
#define A_ID(doc) {"id", VW_ARG_STR, 0, 0, NULL, NULL, "required", doc, NULL, NULL}
#define A_FIELDS                                                                                \
    {"fields", VW_ARG_STRS, 1, VW_PF_COUNT + 1, NULL, field_value, "all",                       \
     "keys of each provider object: `\"ids\"` (`id`, `km`, `minutes`, `time_source`) or a "      \
     "list of keys (`\"id,name,minutes\"` also)", "str or [str]", NULL}
#define A_END {NULL, VW_ARG_STR, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL}

static const vw_op_arg no_args[] = {A_END};

static const vw_op_arg ping_args[] = {
    {"pad", VW_ARG_UINT, 0, VW_PING_MAX_PAD, NULL, NULL, "0",
     "bytes of padding (`x`) in the answer: a round trip that does no work but "
     "carries an answer as large as a real one (bench/run.sh's ceiling)",
     NULL, NULL},
    A_END};

static const vw_op_arg match_args[] = {
    A_NEAR,
    A_DISCIPLINE("any", "discipline code(s) of docs/VOCABULARY.md"),
    A_EXPERTISE("tags, all required"),
    A_WITHIN("no limit", "travel time limit in minutes"),
    A_MODE,
    {"limit", VW_ARG_UINT, 1, VW_MATCH_MAX_LIMIT, NULL, NULL, "10", "maximum providers returned",
     NULL, NULL},
    A_ACCEPTING,
    {"include_online", VW_ARG_BOOL, 0, 0, NULL, NULL, "false",
     "also list online providers (national, no distance)", NULL, NULL},
    A_AS_OF("today (server)", "day on which registrations must be valid"),
    {"region", VW_ARG_ENUM, 0, 0, NULL, region_value, "any",
     "only providers whose practice lies in this IZA region", "region code", NULL},
    /* the referrer's filters (args_attrs.c) */
    {"language", VW_ARG_STRS, 1, VW_LANG_MAX, NULL, NULL, "any",
     "ISO 639-1 code(s): speaks at least one of them", NULL, NULL},
    {"wheelchair", VW_ARG_BOOL, 0, 0, NULL, NULL, "false",
     "true: only practices known to be wheelchair accessible", NULL, NULL},
    {"direct_access", VW_ARG_BOOL, 0, 0, NULL, NULL, "false",
     "true: only providers known to see patients without GP referral", NULL, NULL},
    {"open_on", VW_ARG_STR, 0, 0, NULL, NULL, "any",
     "open on that weekday (at that time: `open <= t < close`)", "`\"tu\"` or `\"tu@10:00\"`",
     NULL},
    {"max_wait_weeks", VW_ARG_UINT, 0, 520, NULL, NULL, "any",
     "waiting time known, at most this, and confirmed recently", NULL, NULL},
    A_FIELDS,
    A_END};

static const vw_op_arg provider_get_args[] = {
    A_ID("the provider's id"),
    A_AS_OF("today", "day on which registrations are shown as valid"),
    A_END};

static const vw_op_arg network_get_args[] = {
    A_ID("the network's id"),
    A_AS_OF("today", "day on which membership and certification are judged"),
    A_END};

static const vw_op_arg refer_args[] = {
    A_NEAR,
    {"problems", VW_ARG_STRS, 1, VW_REFER_MAX_PROBLEMS, NULL, NULL, "required",
     "problem codes, e.g. `darmklachten` (HTTP also `problem`)", NULL, "problem"},
    {"score", VW_ARG_UINT, 0, 10, NULL, NULL, "none", "Lastmeter distress score", NULL, NULL},
    A_WITHIN("20", "travel time limit in minutes"),
    A_MODE,
    {"limit", VW_ARG_UINT, 1, VW_REFER_MAX_PER_NEED, NULL, NULL, "3", "providers listed per need",
     NULL, NULL},
    {"networks", VW_ARG_UINT, 1, VW_REFER_MAX_NETWORKS, NULL, NULL, "3",
     "networks ranked in the plan", NULL, NULL},
    A_ACCEPTING,
    A_AS_OF("today", "day on which registrations and certifications must be valid"),
    {"region", VW_ARG_ENUM, 0, 0, NULL, region_value, "any",
     "only providers whose practice lies in this IZA region, and only networks of it",
     "region code", NULL},
    {"network_kind", VW_ARG_STR, 0, 0, NULL, NULL, "`\"oncologiezorgnetwerk\"`",
     "networks of this kind in the plan (`oncologienetwerk`, `palliatief`, ...), or `\"all\"`",
     "network kind", NULL},
    A_FIELDS,
    A_END};

static const vw_op_arg network_near_args[] = {
    A_NEAR,
    A_WITHIN("20", "travel time limit in minutes for each core member"),
    A_MODE,
    {"limit", VW_ARG_UINT, 1, 20, NULL, NULL, "5", "networks returned", NULL, NULL},
    A_AS_OF("today", "day on which certifications must be valid"),
    {"kind", VW_ARG_STR, 0, 0, NULL, NULL, "`\"oncologiezorgnetwerk\"`",
     "only networks of this kind (`oncologienetwerk`, `palliatief`, ...), or `\"all\"`",
     "network kind", NULL},
    A_END};

static const vw_op_arg networks_audit_args[] = {
    {"region", VW_ARG_ENUM, 0, 0, NULL, region_value, "all regions",
     "only networks of this IZA region", "region code", NULL},
    A_AS_OF("today", "day of the audit"),
    A_END};

static const vw_op_arg networks_map_args[] = {
    {"kind", VW_ARG_STR, 0, 0, NULL, NULL, "every kind",
     "only networks of this kind (`oncologiezorgnetwerk`, `oncologienetwerk`, `palliatief`, ...)",
     "network kind", NULL},
    A_AS_OF("today", "day on which `active` (certification valid) is judged"),
    {"geometry", VW_ARG_BOOL, 0, 0, NULL, NULL, "true", "include each region's outline", NULL,
     NULL},
    A_END};

static const vw_op_arg regions_args[] = {
    {"geometry", VW_ARG_BOOL, 0, 0, NULL, NULL, "false", "include each region's outline", NULL,
     NULL},
    A_END};

static const vw_op_arg coverage_args[] = {
    {"region", VW_ARG_ENUM, 0, 0, NULL, region_or_all_value, "`\"all\"`", "scope",
     "region code or `\"all\"`", NULL},
    {"view", VW_ARG_ENUM, 0, 0, views, NULL, "`\"providers\"`",
     "a provider need, or the NVPO network view", NULL, NULL},
    A_DISCIPLINE("required (providers view)", "as in `match`"),
    A_EXPERTISE("as in `match`"),
    A_WITHIN("required", "minutes"),
    A_MODE,
    A_ACCEPTING,
    A_AS_OF("today", "as in `match`"),
    {"geometry", VW_ARG_BOOL, 0, 0, NULL, NULL, "false",
     "add region outlines, white-spot cells and matching providers", NULL, NULL},
    {"white_spots_limit", VW_ARG_UINT, 0, 10000, NULL, NULL, "1000",
     "white spots listed (the total is always given)", NULL, NULL},
    {"weight", VW_ARG_ENUM, 0, 0, weights, NULL, "`\"population\"`",
     "what a PC4 weighs: its people, or its people aged 65+ (needs the CBS population)", NULL,
     NULL},
    A_END};

static const vw_op_arg import_args[] = {
    {"kind", VW_ARG_ENUM, 0, 0, import_kinds, NULL, "required", "what the file holds", NULL,
     NULL},
    {"file", VW_ARG_STR, 0, 0, NULL, NULL, "required",
     "a path on the server: absolute, or relative to its admin_import_dir", NULL,
     NULL},
    {"mapping", VW_ARG_STR, 0, 0, NULL, NULL, "none",
     "`regions` only: the region mapping CSV (a path on the server, as `file`)", NULL, NULL},
    {"replace_all", VW_ARG_BOOL, 0, 0, NULL, NULL, "false",
     "allow removing more than `admin_import_max_removed` % of the kind's rows", NULL, NULL},
    {"delimiter", VW_ARG_ENUM, 0, 0, import_delimiters, NULL, "`\",\"`",
     "the CSV field separator (`;`: a spreadsheet saved with Dutch settings)", NULL, NULL},
    {"encoding", VW_ARG_ENUM, 0, 0, import_encodings, NULL, "`\"utf8\"`",
     "`latin1`: Windows-1252, converted exactly to UTF-8", NULL, NULL},
    {"mode", VW_ARG_ENUM, 0, 0, NULL, mode_value, "none",
     "`traveltimes` only, and required there: the matrix's travel mode", NULL, NULL},
    A_END};

static const vw_op_arg apply_args[] = {
    {"changes", VW_ARG_MAPS, 1, 10000, NULL, NULL, "required",
     "the changes, applied whole or not at all: `{op, kind, id, version?, set?}` each "
     "(docs/SCHEMA.md \"Change files\")", NULL, NULL},
    A_END};

static const vw_op_arg changes_args[] = {
    {"since", VW_ARG_UINT, 0, 9007199254740991.0, NULL, NULL, "0",
     "the last sequence number already seen (exclusive)", NULL, NULL},
    {"limit", VW_ARG_UINT, 1, 10000, NULL, NULL, "1000", "changes per page", NULL, NULL},
    A_END};

static const vw_op_arg history_args[] = {
    {"kind", VW_ARG_ENUM, 0, 0, change_kinds, NULL, "required", "the record's kind", NULL, NULL},
    {"id", VW_ARG_STRS, 1, 3, NULL, NULL, "required",
     "its key: an id, or the parts of a membership's (provider, network) or registration's "
     "(provider, expertise, registry) key", NULL, NULL},
    A_END};

/* ---- the table ------------------------------------------------------------- */

#define ADMIN (VW_OPF_ADMIN | VW_OPF_NO_SNAPSHOT)

static const vw_op_def table[] = {
    {"ping", vw_op_ping, VW_OPF_NO_SNAPSHOT, "/v1/ping", NULL, ping_args},
    {"match", vw_op_match, 0, "/v1/match", NULL, match_args},
    {"provider.get", vw_op_provider_get, 0, "/v1/providers/", "id", provider_get_args},
    {"network.get", vw_op_network_get, 0, "/v1/networks/", "id", network_get_args},
    {"stats", vw_op_stats, VW_OPF_NO_SNAPSHOT, "/v1/stats", NULL, no_args},
    {"vocabulary", vw_op_vocabulary, VW_OPF_NO_SNAPSHOT, "/v1/vocabulary", NULL, no_args},
    {"refer", vw_op_refer, 0, "/v1/refer", NULL, refer_args},
    {"network.near", vw_op_network_near, 0, "/v1/networks/near", NULL, network_near_args},
    {"networks.audit", vw_op_networks_audit, 0, "/v1/networks/audit", NULL, networks_audit_args},
    {"networks.map", vw_op_networks_map, 0, "/v1/networks/map", NULL, networks_map_args},
    {"regions", vw_op_regions, 0, "/v1/regions", NULL, regions_args},
    {"coverage", vw_op_coverage, VW_OPF_HEAVY, "/v1/coverage", NULL, coverage_args},
    {"reload", vw_op_reload, ADMIN, NULL, NULL, no_args},
    {"import", vw_op_import, ADMIN, NULL, NULL, import_args},
    {"apply", vw_op_apply, ADMIN | VW_OPF_PER_RECORD, NULL, NULL, apply_args},
    {"changes", vw_op_changes, ADMIN | VW_OPF_READONLY, NULL, NULL, changes_args},
    {"history", vw_op_history, ADMIN | VW_OPF_READONLY, NULL, NULL, history_args},
};
#define NARGS(a) (sizeof a / sizeof a[0] - 1)
_Static_assert(NARGS(match_args) <= VW_OPS_MAX_ARGS && NARGS(refer_args) <= VW_OPS_MAX_ARGS &&
                   NARGS(coverage_args) <= VW_OPS_MAX_ARGS,
               "raise VW_OPS_MAX_ARGS");
#define OP_COUNT ((int)(sizeof table / sizeof table[0]))
_Static_assert(sizeof table / sizeof table[0] <= VW_OPS_MAX, "raise VW_OPS_MAX");

/* ---- look-ups -------------------------------------------------------------- */

const vw_op_def *vw_optable_get(int index)
{
    return (index >= 0 && index < OP_COUNT) ? &table[index] : NULL;
}

int vw_optable_count(void) { return OP_COUNT; }

const vw_op_def *vw_optable_find(const char *op, size_t len, int *index)
{
    for (int i = 0; i < OP_COUNT; i++)
        if (strlen(table[i].name) == len && memcmp(table[i].name, op, len) == 0) {
            if (index)
                *index = i;
            return &table[i];
        }
    if (index)
        *index = -1;
    return NULL;
}

const vw_op_arg *vw_op_arg_find(const vw_op_def *d, const char *name)
{
    /* Runs for every argument of every request: the handlers pass the same
     * literals as the rows, which the linker merges, so compare addresses
     * first and strings only when that fails. */
    for (const vw_op_arg *a = d ? d->args : NULL; a && a->name; a++)
        if (a->name == name)
            return a;
    for (const vw_op_arg *a = d ? d->args : NULL; a && a->name; a++)
        if (a->name[0] == name[0] && strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

const char *vw_op_arg_value(const vw_op_arg *a, int i)
{
    if (a->values) {
        for (int k = 0; k <= i; k++)
            if (a->values[k] == NULL)
                return NULL;
        return a->values[i];
    }
    return a->value ? a->value(i) : NULL;
}

void vw_op_arg_values_text(const vw_op_arg *a, const char *quote, const char *sep,
                           const char *last, char *buf, size_t cap)
{
    size_t used = 0;
    int n = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    while (vw_op_arg_value(a, n))
        n++;
    for (int i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s%s%s",
                                 i == 0 ? "" : i == n - 1 ? last : sep, quote,
                                 vw_op_arg_value(a, i), quote);
}

const vw_op_def *vw_optable_route(const char *path, const char **rest)
{
    /* Exact routes first: /v1/networks/near is not the network "near". */
    for (int i = 0; i < OP_COUNT; i++)
        if (table[i].route && !table[i].path_arg && strcmp(path, table[i].route) == 0)
            return &table[i];
    for (int i = 0; i < OP_COUNT; i++) {
        size_t pl = table[i].route ? strlen(table[i].route) : 0;
        if (pl && table[i].path_arg && strncmp(path, table[i].route, pl) == 0) {
            *rest = path + pl;
            return &table[i];
        }
    }
    return NULL;
}

static const vw_op_arg *arg_or_alias(const vw_op_def *d, const char *name)
{
    for (const vw_op_arg *a = d->args; a->name; a++)
        if (strcmp(a->name, name) == 0 || (a->alias && strcmp(a->alias, name) == 0))
            return a;
    return NULL;
}

vw_arg_type vw_optable_arg_type(const vw_op_def *d, const char *name, const char **canon)
{
    const vw_op_arg *a = d ? arg_or_alias(d, name) : NULL;
    for (int i = 0; a == NULL && i < OP_COUNT; i++)
        a = arg_or_alias(&table[i], name);
    if (canon)
        *canon = a ? a->name : name;
    return a ? a->type : VW_ARG_STR;
}

/* ---- PROTOCOL.md ------------------------------------------------------------ */

static void type_text(const vw_op_arg *a, char *buf, size_t cap)
{
    char vals[512];
    switch (a->type) {
    case VW_ARG_STR: snprintf(buf, cap, "str"); break;
    case VW_ARG_ENUM:
        vw_op_arg_values_text(a, "\"", "`/`", "`/`", vals, sizeof vals);
        snprintf(buf, cap, "`%s`", vals);
        break;
    case VW_ARG_STRS:
        if (a->max > 0)
            snprintf(buf, cap, "str or [str] (≤ %g)", a->max);
        else
            snprintf(buf, cap, "str or [str]");
        break;
    case VW_ARG_UINT: snprintf(buf, cap, "uint %g..%g", a->min, a->max); break;
    case VW_ARG_NUM: snprintf(buf, cap, "number, %g < T ≤ %g", a->min, a->max); break;
    case VW_ARG_BOOL: snprintf(buf, cap, "bool"); break;
    case VW_ARG_DATE: snprintf(buf, cap, "date"); break;
    case VW_ARG_LOC: snprintf(buf, cap, "location"); break;
    case VW_ARG_MAPS: snprintf(buf, cap, "[map] (≤ %g)", a->max); break;
    }
}

void vw_optable_markdown(const vw_op_def *d, FILE *out)
{
    char type[600];
    if (d->args[0].name == NULL) {
        fprintf(out, "Args: none.\n");
    } else {
        fprintf(out, "| arg | type | default | meaning |\n|---|---|---|---|\n");
        for (const vw_op_arg *a = d->args; a->name; a++) {
            if (a->type_doc)
                snprintf(type, sizeof type, "%s", a->type_doc);
            else
                type_text(a, type, sizeof type);
            fprintf(out, "| `%s` | %s | %s | %s |\n", a->name, type, a->dflt ? a->dflt : "",
                    a->doc ? a->doc : "");
        }
        fprintf(out, "\n");
    }
    if (d->args[0].name == NULL)
        fprintf(out, "\n");
    if (d->route && d->path_arg)
        fprintf(out, "HTTP: `GET %s{%s}`", d->route, d->path_arg);
    else if (d->route)
        fprintf(out, "HTTP: `GET %s`", d->route);
    else
        fprintf(out, "Not served over HTTP");
    fprintf(out, "%s%s%s.\n", (d->flags & VW_OPF_ADMIN) ? "; admin listeners only" : "",
            (d->flags & VW_OPF_NO_SNAPSHOT) ? "; answers without a snapshot" : "",
            (d->flags & VW_OPF_HEAVY) ? "; heavy (scans the whole country)" : "");
}
