/* codes.c -- the code systems of the FHIR export: our own (discipline,
 * expertise, organization type, network kind) under the configured base URL,
 * and the mapping of the disciplines to the Dutch Vektis COD016-VEKT
 * "zorgverlenersspecificatie" list (urn:oid:2.16.840.1.113883.2.4.6.7, the
 * AGB specialism list used by nl-core and the nl-gf addressing profiles) and
 * to SNOMED CT occupations. docs/FHIR.md lists the table with its sources and
 * what is approximated; a discipline without a confident code has only the
 * Verwijs code. */
#include <string.h>

#include "proto/vocab.h"
#include "fhir_int.h"

typedef struct disc_map {
    const char *cod016, *cod016_display; /* NULL: no code */
    const char *snomed, *snomed_display; /* NULL: no code */
    const char *display;                 /* Dutch display of the Verwijs code */
} disc_map;

/* Indexed by VW_D_*. */
static const disc_map disc_codes[VW_D_COUNT] = {
    [VW_D_FYSIOTHERAPEUT] = {"0400", "Fysiotherapeuten, niet nader gespecificeerd", "36682004",
                             "Physiotherapist", "Fysiotherapeut"},
    [VW_D_OEFENTHERAPEUT] = {"0700", "Oefentherapeuten, niet nader gespecificeerd", NULL, NULL,
                             "Oefentherapeut"},
    [VW_D_ERGOTHERAPEUT] = {"8800", "Ergotherapeuten", "80546007", "Occupational therapist",
                            "Ergotherapeut"},
    [VW_D_DIETIST] = {"2400", "Dietisten", "40127002", "Dietitian (general)", "Diëtist"},
    [VW_D_LOGOPEDIST] = {"0500", "Logopedisten, niet nader gespecificeerd", NULL, NULL,
                         "Logopedist"},
    [VW_D_PSYCHOLOOG] = {"9400", "Psychologische zorgverleners, niet nader gespecificeerd",
                         "59944000", "Psychologist", "Psycholoog"},
    [VW_D_MAATSCHAPPELIJK_WERKER] = {NULL, NULL, NULL, NULL, "Maatschappelijk werker"},
    [VW_D_SEKSUOLOOG] = {NULL, NULL, NULL, NULL, "Seksuoloog"},
    [VW_D_HUIDTHERAPEUT] = {NULL, NULL, NULL, NULL, "Huidtherapeut"},
    [VW_D_GEESTELIJK_VERZORGER] = {NULL, NULL, NULL, NULL, "Geestelijk verzorger"},
    [VW_D_ONCOLOGIEVERPLEEGKUNDIGE] = {"9100", "Verpleegkundigen, niet nader gespecificeerd",
                                       "106292003", "Professional nurse",
                                       "Oncologieverpleegkundige"},
    [VW_D_HUISARTS] = {"0100", "Huisartsen, niet nader gespecificeerd", "62247001",
                       "Family medicine specialist", "Huisarts"},
    [VW_D_POC] = {NULL, NULL, NULL, NULL, "Psychosociaal oncologisch centrum"},
    [VW_D_INLOOPHUIS] = {NULL, NULL, NULL, NULL, "Centrum voor leven met kanker (inloophuis)"},
    [VW_D_BEDRIJFSARTS] = {NULL, NULL, NULL, NULL, "Bedrijfsarts"},
};

const char *vw_fhir_base(const vw_fhir_opts *o)
{
    return o && o->base && o->base[0] ? o->base : VW_FHIR_DEFAULT_BASE;
}

const char *vw_fhir_url(const vw_fhir_opts *o, const char *kind, const char *name, char *buf,
                        size_t cap)
{
    snprintf(buf, cap, "%s/%s/%s", vw_fhir_base(o), kind, name);
    return buf;
}

json_object *vw_fhir_coding(const char *system, const char *code, const char *display)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "system", json_object_new_string(system));
    json_object_object_add(c, "code", json_object_new_string(code));
    if (display)
        json_object_object_add(c, "display", json_object_new_string(display));
    return c;
}

json_object *vw_fhir_discipline_concept(const vw_fhir_opts *o, int d)
{
    char sys[512];
    json_object *cc = json_object_new_object(), *codings = json_object_new_array();
    const disc_map *m = &disc_codes[d];
    if (m->cod016)
        json_object_array_add(codings,
                              vw_fhir_coding(VW_FHIR_SYS_COD016, m->cod016, m->cod016_display));
    if (m->snomed)
        json_object_array_add(codings,
                              vw_fhir_coding(VW_FHIR_SYS_SNOMED, m->snomed, m->snomed_display));
    json_object_array_add(codings,
                          vw_fhir_coding(vw_fhir_url(o, "CodeSystem", "discipline", sys, sizeof sys),
                                         vw_discipline_name(d), m->display));
    json_object_object_add(cc, "coding", codings);
    json_object_object_add(cc, "text", json_object_new_string(m->display));
    return cc;
}

int vw_fhir_discipline_token(const vw_fhir_opts *o, const char *system, const char *code)
{
    char sys[512];
    bool any = system == NULL;
    vw_fhir_url(o, "CodeSystem", "discipline", sys, sizeof sys);
    if (any || strcmp(system, sys) == 0) {
        int d = vw_discipline_parse(code, strlen(code));
        if (d >= 0)
            return d;
    }
    for (int d = 0; d < VW_D_COUNT; d++) {
        const disc_map *m = &disc_codes[d];
        if (m->cod016 && (any || strcmp(system, VW_FHIR_SYS_COD016) == 0) &&
            strcmp(code, m->cod016) == 0)
            return d;
        if (m->snomed && (any || strcmp(system, VW_FHIR_SYS_SNOMED) == 0) &&
            strcmp(code, m->snomed) == 0)
            return d;
    }
    return -1;
}

const char *vw_fhir_expertise_token(const vw_fhir_opts *o, const char *system, const char *code)
{
    char sys[512];
    if (system && strcmp(system, vw_fhir_url(o, "CodeSystem", "expertise", sys, sizeof sys)) != 0)
        return NULL;
    return vw_tag_valid(code, strlen(code)) ? code : NULL;
}
