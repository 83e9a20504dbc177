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
/* An extension {url: <base>/StructureDefinition/NAME, vkey: v} (vkey NULL: none). */
json_object *vw_fhir_ext(const vw_fhir_opts *o, const char *name, const char *vkey,
                         json_object *v);

/* The referrer's fields (attrs.c; docs/FHIR.md). */
#define VW_FHIR_SYS_AGB "http://fhir.nl/fhir/NamingSystem/agb-z"
#define VW_FHIR_SYS_BIG "http://fhir.nl/fhir/NamingSystem/big"
#define VW_FHIR_SYS_BCP47 "urn:ietf:bcp:47"
/* Appends the AGB (and with big the BIG) identifier of provider i to arr. */
void vw_fhir_attr_identifiers(json_object *arr, const vw_snapshot *s, uint32_t i, bool big);
/* Adds `communication` (languages) to r when known. */
void vw_fhir_attr_communication(json_object *r, const vw_snapshot *s, uint32_t i);
/* Adds HealthcareService.availableTime, or with location Location.hoursOfOperation. */
void vw_fhir_attr_hours(json_object *r, const vw_snapshot *s, uint32_t i, bool location);
/* Appends the service's extensions (direct-access, waiting-time), or with
 * location the Location's (wheelchair-accessible), when known. */
void vw_fhir_attr_exts(json_object *exts, const vw_fhir_opts *o, const vw_snapshot *s,
                       uint32_t i, bool location);
/* A search parameter of the referrer (language, wheelchair, direct-access,
 * open-on, max-wait-weeks) into mq: 1 handled, 0 not one of them, -1 bad (err). */
struct vw_match_query;
int vw_fhir_attr_param(const vw_fhir_opts *o, const char *name, const char *value,
                       struct vw_match_query *mq, vw_err *err);
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

/* "YYYY-MM-DD[Thh:mm:ss[.fff](Z|+hh:mm|-hh:mm)]" -> epoch seconds (a date:
 * its first second, UTC; *date_only set when date_only is not NULL); -1 bad
 * (history.c). */
int vw_fhir_parse_instant(const char *s, int64_t *out, bool *date_only);

/* A Bundle entry {fullUrl, resource[, search]} (takes the resource). */
json_object *vw_fhir_entry(const vw_fhir_opts *o, json_object *resource, const char *search_mode);
/* A Bundle shell without entries: type "collection" or "searchset". */
json_object *vw_fhir_bundle_shell(const vw_fhir_opts *o, const char *type, const char *id);

#endif
