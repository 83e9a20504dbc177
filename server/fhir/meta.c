/* meta.c -- the CapabilityStatement of the FHIR interface (GET
 * /fhir/metadata): FHIR R4, JSON, read and search-type on the mCSD resources
 * with the search parameters vw_fhir_search supports. */
#include <string.h>

#include "proto/version.h"
#include "fhir_int.h"

static void add_param(json_object *arr, const char *name, const char *type, const char *doc)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string(name));
    json_object_object_add(p, "type", json_object_new_string(type));
    json_object_object_add(p, "documentation", json_object_new_string(doc));
    json_object_array_add(arr, p);
}

static json_object *resource_caps(const char *type, bool org)
{
    json_object *r = json_object_new_object(), *ia = json_object_new_array(),
                *sp = json_object_new_array();
    static const char *const interactions[] = {"read", "search-type", "history-type",
                                               "history-instance"};
    json_object_object_add(r, "type", json_object_new_string(type));
    for (int i = 0; i < 4; i++) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "code", json_object_new_string(interactions[i]));
        json_object_array_add(ia, x);
    }
    json_object_object_add(r, "interaction", ia);
    if (org) {
        add_param(sp, "type", "token", "network, practice, or a network kind (oncologienetwerk)");
        add_param(sp, "name", "string", "case-insensitive prefix of the name");
    } else {
        add_param(sp, "specialty", "token",
                  "discipline: COD016-VEKT, SNOMED CT or Verwijs code; comma = any of");
        add_param(sp, "expertise", "token", "expertise tag held on the day; repeat = all of");
        add_param(sp, "near", "special", "lat|lon[|distance[|km|m]], nearest first, exact");
        add_param(sp, "location.near", "special", "the same as near");
    }
    bool role = strcmp(type, "PractitionerRole") == 0, loc = strcmp(type, "Location") == 0;
    add_param(sp, "identifier", "token", "[system|]value of one of the identifiers");
    if (!loc)
        add_param(sp, "active", "token", "true or false (every resource served is active)");
    if (loc || strcmp(type, "HealthcareService") == 0)
        add_param(sp, "organization", "reference", "Organization/org-PID");
    if (role)
        add_param(sp, "organization", "reference",
                  "Organization/org-PID, or Organization/net-NID: the network's membership roles");
    if (org)
        add_param(sp, "partof", "reference", "Organization/net-NID: the practices of the network");
    if (!role && !org)
        add_param(sp, "name", "string", "case-insensitive prefix of the name");
    if (loc || org) {
        add_param(sp, "address", "string", "prefix of any part of the address");
        add_param(sp, "address-city", "string", "case-insensitive prefix of the city");
        add_param(sp, "address-postalcode", "string", "prefix of the postcode, spaces ignored");
        add_param(sp, "address-country", "string", "prefix of the country (NL)");
        add_param(sp, "address-use", "token", "work");
    }
    add_param(sp, "_id", "token", "the resource id");
    add_param(sp, "_lastUpdated", "date",
              "the record's updated_at: gt/ge/lt/le/eq/sa/eb, date or dateTime; repeat = AND");
    add_param(sp, "_count", "number", "page size 1..500, default 20");
    add_param(sp, "_getpagesoffset", "number", "first match of the page (Bundle.link next)");
    add_param(sp, "_summary", "token", "count: the total only");
    if (role) {
        json_object *inc = json_object_new_array();
        static const char *const incs[] = {"PractitionerRole:practitioner",
                                           "PractitionerRole:location",
                                           "PractitionerRole:organization"};
        for (int i = 0; i < 3; i++)
            json_object_array_add(inc, json_object_new_string(incs[i]));
        json_object_object_add(r, "searchInclude", inc);
    }
    json_object_object_add(r, "searchParam", sp);
    return r;
}

json_object *vw_fhir_capabilities(const vw_fhir_opts *o)
{
    json_object *cs = vw_fhir_bundle_shell(o, "searchset", "verwijs"), *t = NULL;
    /* The shell gives id, meta and timestamp; reshape it. */
    json_object_object_get_ex(cs, "timestamp", &t);
    json_object_object_add(cs, "date", json_object_get(t));
    json_object_object_del(cs, "timestamp");
    json_object_object_del(cs, "type");
    json_object_object_add(cs, "resourceType", json_object_new_string("CapabilityStatement"));
    json_object_object_add(cs, "name", json_object_new_string("VerwijsCareServicesDirectory"));
    json_object_object_add(cs, "title", json_object_new_string("Verwijs care-services directory"));
    json_object_object_add(cs, "status", json_object_new_string("active"));
    json_object_object_add(cs, "publisher", json_object_new_string("Verwijs"));
    json_object_object_add(cs, "description",
                           json_object_new_string("Read and search the Verwijs directory of "
                                                  "care providers and their networks as FHIR R4 "
                                                  "resources (IHE mCSD shape)"));
    json_object_object_add(cs, "kind", json_object_new_string("instance"));
    /* cpb-2 (description, software or implementation): all three */
    json_object *sw = json_object_new_object();
    json_object_object_add(sw, "name", json_object_new_string("Verwijs"));
    json_object_object_add(sw, "version", json_object_new_string(VW_VERSION));
    json_object_object_add(cs, "software", sw);
    json_object *impl = json_object_new_object();
    json_object_object_add(impl, "description",
                           json_object_new_string("Verwijs FHIR gateway (verwijsd)"));
    /* the server's own base, as in fullUrl; without a usable Host, none */
    if (o->server_base)
        json_object_object_add(impl, "url", json_object_new_string(o->server_base));
    json_object_object_add(cs, "implementation", impl);
    json_object_object_add(cs, "fhirVersion", json_object_new_string("4.0.1"));
    json_object *fmt = json_object_new_array(), *rest = json_object_new_array(),
                *server = json_object_new_object(), *res = json_object_new_array();
    json_object_array_add(fmt, json_object_new_string("json"));
    json_object_object_add(cs, "format", fmt);
    json_object_object_add(server, "mode", json_object_new_string("server"));
    json_object_object_add(server, "documentation",
                           json_object_new_string("Verwijs care-services directory, IHE mCSD "
                                                  "shape (docs/FHIR.md); read-only"));
    static const char *const types[] = {"Organization", "Practitioner", "PractitionerRole",
                                        "Location", "HealthcareService"};
    for (int i = 0; i < 5; i++)
        json_object_array_add(res, resource_caps(types[i], i == 0));
    json_object_object_add(server, "resource", res);
    json_object *si = json_object_new_array(), *hs = json_object_new_object();
    json_object_object_add(hs, "code", json_object_new_string("history-system"));
    json_object_array_add(si, hs);
    json_object_object_add(server, "interaction", si);
    json_object_array_add(rest, server);
    json_object_object_add(cs, "rest", rest);
    return cs;
}
