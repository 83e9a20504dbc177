/* read.c -- one FHIR resource by type and id (the `read` interaction,
 * GET /fhir/Type/id), and errors as an OperationOutcome. Ids are those of
 * fhir.h: net-NID, org-PID, prac-PID, role-PID, role-PID-net-NID, loc-PID,
 * hs-PID. */
#include <string.h>

#include "proto/utf8.h"
#include "fhir_int.h"

static int64_t find_provider(const vw_snapshot *s, const char *id, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(id, prefix, pl) != 0)
        return -1;
    return vw_snapshot_find_provider(s, id + pl, strlen(id + pl));
}

/* role-PID-net-NID: provider and the index of the network among its own. */
static json_object *membership_role(const vw_snapshot *s, const vw_fhir_opts *o, const char *id)
{
    const char *sep = strstr(id, "-net-");
    if (strncmp(id, "role-", 5) != 0 || sep == NULL)
        return NULL;
    /* Ids hold no "-net-" of their own in practice; try every split. */
    for (; sep; sep = strstr(sep + 1, "-net-")) {
        int64_t i = vw_snapshot_find_provider(s, id + 5, (size_t)(sep - (id + 5)));
        int64_t k = vw_snapshot_find_network(s, sep + 5, strlen(sep + 5));
        if (i < 0 || k < 0)
            continue;
        const vw_provider *p = vw_snapshot_provider(s, (uint32_t)i);
        const uint32_t *m = vw_snapshot_memberships(s) + p->net_first;
        for (uint32_t j = 0; j < p->net_count; j++)
            if (m[j] == (uint32_t)k)
                return vw_fhir_membership_role(s, o, (uint32_t)i, j);
    }
    return NULL;
}

int vw_fhir_read(const vw_snapshot *s, const vw_fhir_opts *o, const char *resource,
                 const char *id, json_object **out, vw_err *err)
{
    static const struct {
        const char *type, *prefix;
        vw_fhir_rkind kind;
    } kinds[] = {
        {"Organization", "org-", VW_FHIR_R_PRACTICE},
        {"Practitioner", "prac-", VW_FHIR_R_PRACTITIONER},
        {"PractitionerRole", "role-", VW_FHIR_R_ROLE},
        {"Location", "loc-", VW_FHIR_R_LOCATION},
        {"HealthcareService", "hs-", VW_FHIR_R_SERVICE},
    };
    size_t il = strlen(id);
    *out = NULL;
    if (il > 200)
        return vw_err_set(err, VW_E_BAD_REQUEST, "id too long");
    if (vw_utf8_bad(id, il) != il)
        return vw_err_set(err, VW_E_BAD_REQUEST, "the id must be UTF-8");
    if (strcmp(resource, "Organization") == 0 && strncmp(id, "net-", 4) == 0) {
        int64_t k = vw_snapshot_find_network(s, id + 4, strlen(id + 4));
        if (k >= 0)
            *out = vw_fhir_network_org(s, o, (uint32_t)k);
    } else {
        for (size_t t = 0; t < sizeof kinds / sizeof kinds[0] && !*out; t++) {
            if (strcmp(resource, kinds[t].type) != 0)
                continue;
            int64_t i = find_provider(s, id, kinds[t].prefix);
            if (i >= 0)
                *out = vw_fhir_provider_resource(s, o, (uint32_t)i, kinds[t].kind);
            else if (kinds[t].kind == VW_FHIR_R_ROLE)
                *out = membership_role(s, o, id);
        }
    }
    if (*out == NULL)
        return vw_err_set(err, VW_E_NOT_FOUND, "no %.40s with id '%.80s'", resource, id);
    return 0;
}

json_object *vw_fhir_outcome(const vw_err *err, int *http_status)
{
    const vw_code_info *ci = vw_code_get(vw_code_find(err->code));
    const char *issue_code = ci->fhir_issue;
    int status = ci->http_status;
    json_object *oo = json_object_new_object(), *issues = json_object_new_array(),
                *issue = json_object_new_object(), *details = json_object_new_object();
    if (http_status)
        *http_status = status;
    json_object_object_add(oo, "resourceType", json_object_new_string("OperationOutcome"));
    json_object_object_add(issue, "severity", json_object_new_string("error"));
    json_object_object_add(issue, "code", json_object_new_string(issue_code));
    json_object_object_add(details, "text", json_object_new_string(err->message));
    json_object_object_add(issue, "details", details);
    /* The protocol's stable error code, for clients of both interfaces. */
    json_object_object_add(issue, "diagnostics", json_object_new_string(err->code));
    json_object_array_add(issues, issue);
    json_object_object_add(oo, "issue", issues);
    return oo;
}
