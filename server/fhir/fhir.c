/* fhir.c -- the directory as one FHIR R4 Bundle (type collection): built in
 * memory (vw_fhir_bundle) or streamed to a file one resource at a time
 * (vw_fhir_write_bundle). Both walk the snapshot in the same order through
 * one emitter, so they produce the same document. */
#include <string.h>
#include <time.h>

#include "proto/vocab.h"
#include "fhir_int.h"

json_object *vw_fhir_entry(const vw_fhir_opts *o, json_object *resource, const char *search_mode)
{
    char url[640];
    json_object *e = json_object_new_object(), *t, *id;
    if (!json_object_object_get_ex(resource, "resourceType", &t) ||
        !json_object_object_get_ex(resource, "id", &id))
        return NULL;
    snprintf(url, sizeof url, "%s/%s/%s", o->server_base ? o->server_base : vw_fhir_base(o),
             json_object_get_string(t), json_object_get_string(id));
    json_object_object_add(e, "fullUrl", json_object_new_string(url));
    json_object_object_add(e, "resource", resource);
    if (search_mode) {
        json_object *sm = json_object_new_object();
        json_object_object_add(sm, "mode", json_object_new_string(search_mode));
        json_object_object_add(e, "search", sm);
    }
    return e;
}

json_object *vw_fhir_bundle_shell(const vw_fhir_opts *o, const char *type, const char *id)
{
    char ts[32];
    json_object *b = json_object_new_object(), *meta = json_object_new_object();
    if (o->timestamp) {
        snprintf(ts, sizeof ts, "%s", o->timestamp);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    json_object_object_add(b, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(b, "id", json_object_new_string(id));
    json_object_object_add(meta, "lastUpdated", json_object_new_string(ts));
    if (o->as_of != VW_DATE_NONE) {
        /* the day registrations and certifications were counted on */
        char url[256], d[11];
        json_object *ext = json_object_new_object(), *exts = json_object_new_array();
        vw_date_format(o->as_of, d);
        json_object_object_add(ext, "url", json_object_new_string(
                                   vw_fhir_url(o, "StructureDefinition", "as-of", url, sizeof url)));
        json_object_object_add(ext, "valueDate", json_object_new_string(d));
        json_object_array_add(exts, ext);
        json_object_object_add(meta, "extension", exts);
    }
    json_object_object_add(b, "meta", meta);
    json_object_object_add(b, "type", json_object_new_string(type));
    json_object_object_add(b, "timestamp", json_object_new_string(ts));
    return b;
}

/* ---- one walk, two sinks ---------------------------------------------------- */

typedef struct sink {
    json_object *entries; /* in-memory: the entry array */
    FILE *f;              /* streaming: the file */
    bool first, failed;
} sink;

/* Takes the resource. */
static void emit(sink *k, const vw_fhir_opts *o, json_object *res)
{
    json_object *e = res ? vw_fhir_entry(o, res, NULL) : NULL;
    if (e == NULL) {
        json_object_put(res);
        k->failed = true;
        return;
    }
    if (k->entries) {
        json_object_array_add(k->entries, e);
        return;
    }
    const char *txt = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
    if (txt == NULL || fprintf(k->f, "%s\n%s", k->first ? "" : ",", txt) < 0)
        k->failed = true;
    k->first = false;
    json_object_put(e);
}

static void walk(const vw_snapshot *s, const vw_fhir_opts *o, sink *k,
                 void (*progress)(void *, uint32_t, uint32_t), void *pctx)
{
    uint32_t nn = vw_snapshot_network_count(s), np = vw_snapshot_provider_count(s);
    for (uint32_t i = 0; i < nn && !k->failed; i++)
        emit(k, o, vw_fhir_network_org(s, o, i));
    for (uint32_t i = 0; i < np && !k->failed; i++) {
        const vw_provider *p = vw_snapshot_provider(s, i);
        for (int r = 0; r < VW_FHIR_R_COUNT; r++)
            emit(k, o, vw_fhir_provider_resource(s, o, i, (vw_fhir_rkind)r));
        for (uint32_t m = 0; m < p->net_count; m++)
            emit(k, o, vw_fhir_membership_role(s, o, i, m));
        if (progress)
            progress(pctx, i + 1, np);
    }
}

static void bundle_id(const vw_fhir_opts *o, char out[48])
{
    char d[11];
    vw_date_format(o->as_of, d);
    snprintf(out, 48, "verwijs-directory-%s", d);
}

json_object *vw_fhir_bundle(const vw_snapshot *s, const vw_fhir_opts *o, vw_err *err)
{
    char id[48];
    bundle_id(o, id);
    json_object *b = vw_fhir_bundle_shell(o, "collection", id);
    sink k = {.entries = json_object_new_array(), .first = true};
    if (b == NULL || k.entries == NULL) {
        json_object_put(b);
        json_object_put(k.entries);
        vw_err_set(err, VW_E_INTERNAL, "out of memory");
        return NULL;
    }
    json_object_object_add(b, "entry", k.entries);
    walk(s, o, &k, NULL, NULL);
    if (k.failed) {
        json_object_put(b);
        vw_err_set(err, VW_E_INTERNAL, "out of memory building the FHIR bundle");
        return NULL;
    }
    return b;
}

int vw_fhir_write_bundle(const vw_snapshot *s, const vw_fhir_opts *o, FILE *f,
                         void (*progress)(void *ctx, uint32_t done, uint32_t total),
                         void *progress_ctx, vw_err *err)
{
    char id[48];
    bundle_id(o, id);
    json_object *b = vw_fhir_bundle_shell(o, "collection", id);
    if (b == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    /* The shell without its closing brace, then the entries, then "]}". */
    const char *head = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN);
    size_t hl = head ? strlen(head) : 0;
    sink k = {.f = f, .first = true};
    if (hl < 2 || fprintf(f, "%.*s,\"entry\":[", (int)(hl - 1), head) < 0)
        k.failed = true;
    json_object_put(b);
    if (!k.failed)
        walk(s, o, &k, progress, progress_ctx);
    if (k.failed || fputs("\n]}\n", f) == EOF || fflush(f) != 0)
        return vw_err_set(err, VW_E_IO, "writing the FHIR bundle failed");
    return 0;
}
