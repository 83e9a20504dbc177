/* fhir_int.h -- shared by fhir*.c: code systems, coded concepts and the
 * builders of single resources (one resource = one json-c object, owned by
 * the caller). Not part of the public API. */
#ifndef VW_FHIR_INT_H
#define VW_FHIR_INT_H

#include <stdbool.h>

#include "fhir.h"

/* Our own systems: <base>/CodeSystem/NAME, <base>/NamingSystem/NAME,
 * <base>/StructureDefinition/NAME (written into buf). */
const char *vw_fhir_url(const vw_fhir_opts *o, const char *kind, const char *name, char *buf,
                        size_t cap);
const char *vw_fhir_base(const vw_fhir_opts *o);

/* Well-known systems. */
#define VW_FHIR_SYS_COD016 "urn:oid:2.16.840.1.113883.2.4.6.7"
#define VW_FHIR_SYS_SNOMED "http://snomed.info/sct"

json_object *vw_fhir_coding(const char *system, const char *code, const char *display);
/* CodeableConcept of a discipline: COD016-VEKT and SNOMED CT where mapped,
 * always the Verwijs code; text = the Verwijs code. */
json_object *vw_fhir_discipline_concept(const vw_fhir_opts *o, int d);
/* A token (system may be NULL) -> discipline, or -1 when it names none. */
int vw_fhir_discipline_token(const vw_fhir_opts *o, const char *system, const char *code);
/* A token -> expertise tag name (system must be ours or NULL); NULL: none. */
const char *vw_fhir_expertise_token(const vw_fhir_opts *o, const char *system, const char *code);

/* Resources of provider i / network k. */
typedef enum {
    VW_FHIR_R_PRACTICE,     /* Organization/org-PID */
    VW_FHIR_R_PRACTITIONER, /* Practitioner/prac-PID */
    VW_FHIR_R_ROLE,         /* PractitionerRole/role-PID */
    VW_FHIR_R_LOCATION,     /* Location/loc-PID */
    VW_FHIR_R_SERVICE,      /* HealthcareService/hs-PID */
    VW_FHIR_R_COUNT
} vw_fhir_rkind;

json_object *vw_fhir_provider_resource(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t i,
                                       vw_fhir_rkind kind);
/* The role of provider i in the m-th of its networks. */
json_object *vw_fhir_membership_role(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t i,
                                     uint32_t m);
json_object *vw_fhir_network_org(const vw_snapshot *s, const vw_fhir_opts *o, uint32_t k);

/* A Bundle entry {fullUrl, resource[, search]} (takes the resource). */
json_object *vw_fhir_entry(const vw_fhir_opts *o, json_object *resource, const char *search_mode);
/* A Bundle shell without entries: type "collection" or "searchset". */
json_object *vw_fhir_bundle_shell(const vw_fhir_opts *o, const char *type, const char *id);

#endif
