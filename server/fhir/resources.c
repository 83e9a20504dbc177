/* resources.c -- one FHIR R4 resource per call, built from a snapshot:
 * the network Organization, and per provider its practice Organization,
 * Practitioner, PractitionerRole(s), Location and HealthcareService (the
 * resource set of IHE mCSD). Every function returns a new json-c object the
 * caller owns (NULL only on OOM). docs/FHIR.md describes the mapping. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "geodata/regions.h"
#include "proto/vocab.h"
#include "fhir_int.h"

/* ---- small builders ----------------------------------------------------- */

static void add_str(json_object *o, const char *key, const char *v)
{
    if (v && v[0])
        json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *reference(const char *type, const char *prefix, const char *id,
                              const char *display)
{
    char ref[256];
    json_object *r = json_object_new_object();
    snprintf(ref, sizeof ref, "%s/%s%s", type, prefix, id);
    json_object_object_add(r, "reference", json_object_new_string(ref));
    add_str(r, "display", display);
    return r;
}

/* resourceType, id and meta: versionId = the record's version, lastUpdated
 * = its updated_at; unknown (0, a record from before the change log): no
 * versionId and the time the snapshot's data last changed
 * (vw_snapshot_updated; docs/FHIR.md). */
static json_object *resource(const vw_snapshot *s, const char *type, const char *prefix,
                             const char *id, uint32_t version, uint32_t updated)
{
    char ts[32], v[16];
    char rid[256]; /* prefix + up to 64 + "-net-" + 64 */
    json_object *r = json_object_new_object(), *meta = json_object_new_object();
    snprintf(rid, sizeof rid, "%s%s", prefix, id);
    json_object_object_add(r, "resourceType", json_object_new_string(type));
    json_object_object_add(r, "id", json_object_new_string(rid));
    if (version) {
        snprintf(v, sizeof v, "%u", version);
        json_object_object_add(meta, "versionId", json_object_new_string(v));
    }
    if (updated) {
        time_t t = (time_t)updated;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    json_object_object_add(meta, "lastUpdated",
                           json_object_new_string(updated ? ts : vw_snapshot_updated(s)));
    json_object_object_add(r, "meta", meta);
    return r;
}

static json_object *identifier(const vw_fhir_opts *o, const char *naming, const char *value)
{
    char sys[512];
    json_object *arr = json_object_new_array(), *id = json_object_new_object();
    json_object_object_add(id, "system",
                           json_object_new_string(vw_fhir_url(o, "NamingSystem", naming, sys,
                                                              sizeof sys)));
    json_object_object_add(id, "value", json_object_new_string(value));
    json_object_array_add(arr, id);
    return arr;
}

/* Adds v (an array or object) under key when it has members, else frees it:
 * FHIR allows no empty elements (ele-1, ext-1). */
static void add_nonempty(json_object *r, const char *key, json_object *v)
{
    size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v)
                                                       : (size_t)json_object_object_length(v);
    if (n > 0)
        json_object_object_add(r, key, v);
    else
        json_object_put(v);
}

static json_object *concept1(json_object *coding, const char *text)
{
    json_object *cc = json_object_new_object(), *arr = json_object_new_array();
    json_object_array_add(arr, coding);
    json_object_object_add(cc, "coding", arr);
    add_str(cc, "text", text);
    return cc;
}

static json_object *own_concept(const vw_fhir_opts *o, const char *cs, const char *code,
                                const char *display)
{
    char sys[512];
    return concept1(vw_fhir_coding(vw_fhir_url(o, "CodeSystem", cs, sys, sizeof sys), code,
                                   display),
                    NULL);
}

json_object *vw_fhir_ext(const vw_fhir_opts *o, const char *name, const char *vkey, json_object *v)
{
    char url[512];
    json_object *e = json_object_new_object();
    json_object_object_add(e, "url",
                           json_object_new_string(vw_fhir_url(o, "StructureDefinition", name,
                                                              url, sizeof url)));
    if (vkey)
        json_object_object_add(e, vkey, v);
    return e;
}

static json_object *date_str(int32_t day)
{
    char d[11];
    vw_date_format(day, d);
    return json_object_new_string(d);
}

static json_object *period(int32_t from, int32_t until)
{
    json_object *p = json_object_new_object();
    if (from != VW_DATE_NONE)
        json_object_object_add(p, "start", date_str(from));
    if (until != VW_DATE_NONE)
        json_object_object_add(p, "end", date_str(until));
    return p;
}

static json_object *telecom(const vw_provider *p)
{
    static const char *const sys[] = {"phone", "email", "url"};
    vw_provider_text txt;
    vw_provider_text_get(p, &txt);
    const char *vals[] = {txt.phone, txt.email, txt.website};
    json_object *arr = json_object_new_array();
    for (int k = 0; k < 3; k++) {
        if (!vals[k] || !vals[k][0])
            continue;
        json_object *t = json_object_new_object();
        json_object_object_add(t, "system", json_object_new_string(sys[k]));
        json_object_object_add(t, "value", json_object_new_string(vals[k]));
        json_object_object_add(t, "use", json_object_new_string("work"));
        json_object_array_add(arr, t);
    }
    return arr;
}

static void add_telecom(json_object *r, const vw_provider *p)
{
    add_nonempty(r, "telecom", telecom(p));
}

static json_object *address(const vw_provider *p)
{
    json_object *a = json_object_new_object();
    vw_provider_text t;
    vw_provider_text_get(p, &t);
    json_object_object_add(a, "use", json_object_new_string("work"));
    json_object_object_add(a, "type", json_object_new_string("physical"));
    if (t.address && t.address[0]) {
        json_object *lines = json_object_new_array();
        json_object_array_add(lines, json_object_new_string(t.address));
        json_object_object_add(a, "line", lines);
    }
    add_str(a, "city", p->city);
    add_str(a, "postalCode", t.postcode);
    json_object_object_add(a, "country", json_object_new_string("NL"));
    return a;
}

static json_object *num6(double v)
{
    char b[32];
    snprintf(b, sizeof b, "%.6f", v);
    return json_object_new_double_s(v, b);
}

static json_object *region_ext(const vw_fhir_opts *o, int region)
{
    char sys[512];
    return vw_fhir_ext(o, "iza-region", "valueCoding",
               vw_fhir_coding(vw_fhir_url(o, "CodeSystem", "iza-region", sys, sizeof sys),
                              vw_region_codes[region], vw_region_names[region]));
}

/* ---- networks ------------------------------------------------------------ */

json_object *vw_fhir_network_org(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t k)
{
    const vw_network *n = vw_snapshot_network(s, k);
    json_object *r = resource(s, "Organization", "net-", n->id, n->version, n->updated), *types = json_object_new_array(),
                *exts = json_object_new_array(), *cert = vw_fhir_ext(o, "network-certification", NULL, NULL),
                *sub = json_object_new_array();
    bool valid = n->status == VW_NET_CERTIFIED &&
                 (n->certified_until == VW_DATE_NONE || n->certified_until >= o->as_of);
    json_object_object_add(r, "identifier", identifier(o, "network-id", n->id));
    json_object_object_add(r, "active", json_object_new_boolean(1));
    json_object_array_add(types, own_concept(o, "organization-type", "network",
                                             "Zorgnetwerk"));
    if (n->kind && n->kind[0])
        json_object_array_add(types, own_concept(o, "network-kind", n->kind, NULL));
    json_object_object_add(r, "type", types);
    add_str(r, "name", n->name);
    /* NVPO certification: status, its end, and whether it counts on as_of. */
    json_object_array_add(sub, vw_fhir_ext(o, "network-certification-status", "valueCode",
                                   json_object_new_string(vw_net_status_name(n->status))));
    /* the period only when it has an end: an empty valuePeriod breaks ext-1 */
    if (n->certified_until != VW_DATE_NONE)
        json_object_array_add(sub, vw_fhir_ext(o, "network-certification-period", "valuePeriod",
                                               period(VW_DATE_NONE, n->certified_until)));
    json_object_array_add(sub, vw_fhir_ext(o, "network-certification-valid", "valueBoolean",
                                   json_object_new_boolean(valid)));
    json_object_object_add(cert, "extension", sub);
    json_object_array_add(exts, cert);
    if (n->region >= 0)
        json_object_array_add(exts, region_ext(o, n->region));
    json_object_object_add(r, "extension", exts);
    return r;
}

/* ---- providers ------------------------------------------------------------ */

/* A provider resource with its id, identifier and (unless Location) active. */
/* The resource shell of provider i: the provider's version and time (every
 * resource of a provider, membership roles included, carries them). */
static json_object *provider_res(const vw_snapshot *s, uint32_t i, const char *type,
                                 const char *prefix, const char *id)
{
    const vw_provider_ext *x = vw_snapshot_provider_ext(s, i);
    return resource(s, type, prefix, id, x->version, x->updated);
}

static json_object *provider_head(const vw_snapshot *s, const vw_fhir_opts *o, const char *type,
                                  const char *prefix, uint32_t i)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    json_object *r = provider_res(s, i, type, prefix, p->id);
    json_object_object_add(r, "identifier", identifier(o, "provider-id", p->id));
    if (strcmp(type, "Location") != 0)
        json_object_object_add(r, "active", json_object_new_boolean(1));
    return r;
}

static json_object *practice(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t i)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    json_object *r = provider_head(s, o, "Organization", "org-", i), *types = json_object_new_array(),
                *ids;
    if (json_object_object_get_ex(r, "identifier", &ids))
        vw_fhir_attr_identifiers(ids, s, i, false); /* the practice's AGB */
    json_object_array_add(types, own_concept(o, "organization-type", "practice", "Praktijk"));
    json_object_array_add(types, vw_fhir_discipline_concept(o, p->discipline));
    json_object_object_add(r, "type", types);
    json_object_object_add(r, "name", json_object_new_string(vw_provider_name(p)));
    add_telecom(r, p);
    json_object *addr = json_object_new_array();
    json_object_array_add(addr, address(p));
    json_object_object_add(r, "address", addr);
    if (p->net_count == 1) {
        const vw_network *n = vw_snapshot_network(s, vw_snapshot_memberships(s)[p->net_first]);
        json_object_object_add(r, "partOf", reference("Organization", "net-", n->id, n->name));
    }
    return r;
}

static bool reg_valid(const vw_registration *g, int32_t day)
{
    return (g->valid_from == VW_DATE_NONE || g->valid_from <= day) &&
           (g->valid_until == VW_DATE_NONE || day <= g->valid_until);
}

static json_object *qualification(const vw_fhir_opts *o, const char *tag,
                                  const vw_registration *g)
{
    json_object *q = json_object_new_object();
    json_object_object_add(q, "code", own_concept(o, "expertise", tag, NULL));
    if (g) {
        json_object *issuer = json_object_new_object();
        add_nonempty(q, "period", period(g->valid_from, g->valid_until));
        add_str(issuer, "display", g->registry);
        add_nonempty(q, "issuer", issuer);
    }
    return q;
}

static json_object *practitioner(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t i)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    json_object *r = provider_head(s, o, "Practitioner", "prac-", i),
                *names = json_object_new_array(), *name = json_object_new_object(),
                *quals = json_object_new_array(), *ids;
    if (json_object_object_get_ex(r, "identifier", &ids))
        vw_fhir_attr_identifiers(ids, s, i, true);
    json_object_object_add(name, "text", json_object_new_string(vw_provider_name(p)));
    json_object_array_add(names, name);
    json_object_object_add(r, "name", names);
    add_telecom(r, p);
    /* Expertise held without a period, then registrations valid on as_of. */
    for (int b = 0; b < vw_snapshot_tag_count(s); b++)
        if (p->expertise & (UINT64_C(1) << b))
            json_object_array_add(quals, qualification(o, vw_snapshot_tag_name(s, b), NULL));
    const vw_registration *g = vw_snapshot_registrations(s) + p->reg_first;
    for (uint32_t k = 0; k < p->reg_count; k++)
        if (reg_valid(&g[k], o->as_of))
            json_object_array_add(quals,
                                  qualification(o, vw_snapshot_tag_name(s, g[k].tag), &g[k]));
    add_nonempty(r, "qualification", quals);
    vw_fhir_attr_communication(r, s, i);
    return r;
}

static void add_ref_array(json_object *r, const char *key, json_object *ref)
{
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, ref);
    json_object_object_add(r, key, arr);
}

/* The fields a provider's roles share: practitioner, location, service,
 * specialty, telecom, accepting. */
static void role_common(const vw_fhir_opts *o, const vw_provider *p, json_object *r)
{
    json_object_object_add(r, "active", json_object_new_boolean(1));
    json_object_object_add(r, "practitioner", reference("Practitioner", "prac-", p->id, vw_provider_name(p)));
    add_ref_array(r, "location", reference("Location", "loc-", p->id, NULL));
    add_ref_array(r, "healthcareService", reference("HealthcareService", "hs-", p->id, NULL));
    add_ref_array(r, "specialty", vw_fhir_discipline_concept(o, p->discipline));
    add_telecom(r, p);
    json_object *exts = json_object_new_array();
    json_object_array_add(exts, vw_fhir_ext(o, "accepting-patients", "valueBoolean",
                                    json_object_new_boolean(p->accepting)));
    json_object_object_add(r, "extension", exts);
}

static json_object *role(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t i)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    json_object *r = provider_res(s, i, "PractitionerRole", "role-", p->id);
    role_common(o, p, r);
    json_object_object_add(r, "organization", reference("Organization", "org-", p->id, vw_provider_name(p)));
    return r;
}

json_object *vw_fhir_membership_role(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t i,
                                     uint32_t m)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    const vw_network *n = vw_snapshot_network(s, vw_snapshot_memberships(s)[p->net_first + m]);
    char id[160];
    snprintf(id, sizeof id, "%s-net-%s", p->id, n->id);
    json_object *r = provider_res(s, i, "PractitionerRole", "role-", id);
    role_common(o, p, r);
    json_object_object_add(r, "organization", reference("Organization", "net-", n->id, n->name));
    return r;
}

static json_object *location(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t i)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    json_object *r = provider_head(s, o, "Location", "loc-", i), *pos = json_object_new_object();
    json_object_object_add(r, "status", json_object_new_string("active"));
    json_object_object_add(r, "name", json_object_new_string(vw_provider_name(p)));
    json_object_object_add(r, "mode", json_object_new_string("instance"));
    add_telecom(r, p);
    json_object_object_add(r, "address", address(p));
    json_object_object_add(pos, "longitude", num6(p->lon));
    json_object_object_add(pos, "latitude", num6(p->lat));
    json_object_object_add(r, "position", pos);
    json_object_object_add(r, "managingOrganization",
                           reference("Organization", "org-", p->id, vw_provider_name(p)));
    json_object *exts = json_object_new_array();
    if (p->geocoded)
        json_object_array_add(exts, vw_fhir_ext(o, "position-from-postcode", "valueBoolean",
                                        json_object_new_boolean(1)));
    if (p->region >= 0)
        json_object_array_add(exts, region_ext(o, p->region));
    vw_fhir_attr_exts(exts, o, s, i, true);
    add_nonempty(r, "extension", exts);
    vw_fhir_attr_hours(r, s, i, true);
    return r;
}

static json_object *service(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t i)
{
    const vw_provider *p = vw_snapshot_provider(s, i);
    json_object *r = provider_head(s, o, "HealthcareService", "hs-", i),
                *chars = json_object_new_array();
    json_object_object_add(r, "providedBy", reference("Organization", "org-", p->id, vw_provider_name(p)));
    add_ref_array(r, "specialty", vw_fhir_discipline_concept(o, p->discipline));
    add_ref_array(r, "location", reference("Location", "loc-", p->id, NULL));
    json_object_object_add(r, "name", json_object_new_string(vw_provider_name(p)));
    add_telecom(r, p);
    uint64_t tags = vw_provider_tags_on(s, i, o->as_of);
    for (int b = 0; b < vw_snapshot_tag_count(s); b++)
        if (tags & (UINT64_C(1) << b))
            json_object_array_add(chars, own_concept(o, "expertise", vw_snapshot_tag_name(s, b),
                                                     NULL));
    add_nonempty(r, "characteristic", chars);
    json_object *exts = json_object_new_array();
    json_object_array_add(exts, vw_fhir_ext(o, "accepting-patients", "valueBoolean",
                                    json_object_new_boolean(p->accepting)));
    json_object_array_add(exts, vw_fhir_ext(o, "online-care", "valueBoolean",
                                    json_object_new_boolean(p->online)));
    vw_fhir_attr_exts(exts, o, s, i, false);
    json_object_object_add(r, "extension", exts);
    vw_fhir_attr_communication(r, s, i);
    vw_fhir_attr_hours(r, s, i, false);
    return r;
}

json_object *vw_fhir_provider_resource(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t i,
                                       vw_fhir_rkind kind)
{
    switch (kind) {
    case VW_FHIR_R_PRACTICE: return practice(s, o, i);
    case VW_FHIR_R_PRACTITIONER: return practitioner(s, o, i);
    case VW_FHIR_R_ROLE: return role(s, o, i);
    case VW_FHIR_R_LOCATION: return location(s, o, i);
    case VW_FHIR_R_SERVICE: return service(s, o, i);
    default: return NULL;
    }
}
