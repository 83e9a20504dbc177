/* attrs.c -- the referrer's provider fields in FHIR R4 (docs/FHIR.md):
 * AGB and BIG identifiers with the Dutch naming systems, languages as
 * `communication` (BCP 47), opening hours as HealthcareService.availableTime
 * and Location.hoursOfOperation, access and waiting time as extensions; and
 * the search parameters that filter on them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/attrs.h"
#include "proto/vocab.h"
#include "server/engine/match.h"
#include "fhir_int.h"

static json_object *ident(const char *system, const char *value)
{
    json_object *id = json_object_new_object();
    json_object_object_add(id, "use", json_object_new_string("official"));
    json_object_object_add(id, "system", json_object_new_string(system));
    json_object_object_add(id, "value", json_object_new_string(value));
    return id;
}

void vw_fhir_attr_identifiers(json_object *arr, const vw_snapshot *s, uint32_t i, bool big)
{
    vw_provider_text t;
    vw_provider_text_get(vw_snapshot_provider(s, i), &t);
    if (t.agb)
        json_object_array_add(arr, ident(VW_FHIR_SYS_AGB, t.agb));
    if (big && t.big)
        json_object_array_add(arr, ident(VW_FHIR_SYS_BIG, t.big));
}

void vw_fhir_attr_communication(json_object *r, const vw_snapshot *s, uint32_t i)
{
    const vw_lang *lang = vw_snapshot_langs(s, vw_snapshot_provider_ext(s, i));
    if (!lang[0])
        return;
    json_object *arr = json_object_new_array();
    for (int k = 0; k < VW_LANG_MAX && lang[k]; k++) {
        char code[3];
        vw_lang_format(lang[k], code);
        json_object *cc = json_object_new_object(), *codings = json_object_new_array();
        json_object_array_add(codings, vw_fhir_coding(VW_FHIR_SYS_BCP47, code, NULL));
        json_object_object_add(cc, "coding", codings);
        json_object_array_add(arr, cc);
    }
    json_object_object_add(r, "communication", arr);
}

/* FHIR `time` has no 24:00: a day that closes at midnight ends 23:59:59. */
static json_object *fhir_time(int minutes)
{
    char b[9];
    if (minutes >= 1440)
        return json_object_new_string("23:59:59");
    vw_hhmm_format(minutes, b);
    memcpy(b + 5, ":00", 4);
    return json_object_new_string(b);
}

void vw_fhir_attr_hours(json_object *r, const vw_snapshot *s, uint32_t i, bool location)
{
    static const char *const fhir_days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    const vw_provider_ext *x = vw_snapshot_provider_ext(s, i);
    const vw_hours_iv *h = vw_snapshot_hours(s) + x->hours_first;
    if (x->hours_count == 0)
        return;
    json_object *arr = json_object_new_array();
    for (int k = 0; k < x->hours_count; k++) {
        json_object *t = json_object_new_object(), *days = json_object_new_array();
        json_object_array_add(days, json_object_new_string(fhir_days[h[k].day]));
        json_object_object_add(t, "daysOfWeek", days);
        if (h[k].open == 0 && h[k].close >= 1440) {
            json_object_object_add(t, "allDay", json_object_new_boolean(1));
        } else {
            json_object_object_add(t, location ? "openingTime" : "availableStartTime",
                                   fhir_time(h[k].open));
            json_object_object_add(t, location ? "closingTime" : "availableEndTime",
                                   fhir_time(h[k].close));
        }
        json_object_array_add(arr, t);
    }
    json_object_object_add(r, location ? "hoursOfOperation" : "availableTime", arr);
}

void vw_fhir_attr_exts(json_object *exts, const vw_fhir_opts *o, const vw_snapshot *s,
                       uint32_t i, bool location)
{
    const vw_provider_ext *x = vw_snapshot_provider_ext(s, i);
    if (location) {
        if (x->wheelchair != VW_TRI_UNKNOWN)
            json_object_array_add(exts, vw_fhir_ext(o, "wheelchair-accessible", "valueBoolean",
                                                    json_object_new_boolean(
                                                        x->wheelchair == VW_TRI_YES)));
        return;
    }
    if (x->direct_access != VW_TRI_UNKNOWN)
        json_object_array_add(exts, vw_fhir_ext(o, "direct-access", "valueBoolean",
                                                json_object_new_boolean(
                                                    x->direct_access == VW_TRI_YES)));
    if (x->wait_confirmed != VW_DATE_NONE) {
        /* {url: waiting-time, extension: [weeks (Duration), confirmed (date)]} */
        char day[11];
        json_object *w = vw_fhir_ext(o, "waiting-time", NULL, NULL), *sub = json_object_new_array(),
                    *weeks = json_object_new_object(), *dur = json_object_new_object(),
                    *conf = json_object_new_object();
        json_object_object_add(dur, "value", json_object_new_int(x->wait_weeks));
        json_object_object_add(dur, "unit", json_object_new_string("wk"));
        json_object_object_add(dur, "system", json_object_new_string("http://unitsofmeasure.org"));
        json_object_object_add(dur, "code", json_object_new_string("wk"));
        json_object_object_add(weeks, "url", json_object_new_string("weeks"));
        json_object_object_add(weeks, "valueDuration", dur);
        vw_date_format(x->wait_confirmed, day);
        json_object_object_add(conf, "url", json_object_new_string("confirmed"));
        json_object_object_add(conf, "valueDate", json_object_new_string(day));
        json_object_array_add(sub, weeks);
        json_object_array_add(sub, conf);
        json_object_object_add(w, "extension", sub);
        json_object_array_add(exts, w);
    }
}

static int bool_true(const char *name, const char *v, bool *out, vw_err *err)
{
    if (strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0)
        *out = false;
    else
        return vw_err_set(err, VW_E_BAD_REQUEST, "%s must be true or false", name);
    return 1;
}

int vw_fhir_attr_param(const vw_fhir_opts *o, const char *n, const char *v,
                       struct vw_match_query *mq, vw_err *err)
{
    if (strcmp(n, "language") == 0 || strcmp(n, "communication") == 0) {
        /* comma-separated alternatives, [urn:ietf:bcp:47|]code */
        const char *p = v;
        if (mq->n_languages)
            return vw_err_set(err, VW_E_BAD_REQUEST, "%s: give the languages in one parameter, "
                              "comma-separated (any of them)", n);
        while (*p) {
            size_t l = strcspn(p, ",");
            const char *code = p, *bar = memchr(p, '|', l);
            size_t cl = l;
            if (bar) {
                size_t sl = (size_t)(bar - p);
                if (sl && (sl != strlen(VW_FHIR_SYS_BCP47) ||
                           memcmp(p, VW_FHIR_SYS_BCP47, sl) != 0))
                    return vw_err_set(err, VW_E_BAD_REQUEST, "%s: system must be %s", n,
                                      VW_FHIR_SYS_BCP47);
                code = bar + 1;
                cl = l - sl - 1;
            }
            vw_lang c = vw_lang_parse(code, cl);
            if (c == 0 || mq->n_languages == VW_LANG_MAX)
                return vw_err_set(err, VW_E_BAD_REQUEST, "%s: '%.16s' is not an ISO 639-1 code "
                                  "(at most %d)", n, code, VW_LANG_MAX);
            mq->languages[mq->n_languages++] = c;
            p += l + (p[l] == ',');
        }
        if (mq->n_languages == 0)
            return vw_err_set(err, VW_E_BAD_REQUEST, "%s needs a code", n);
        return 1;
    }
    if (strcmp(n, "wheelchair") == 0)
        return bool_true(n, v, &mq->wheelchair, err);
    if (strcmp(n, "direct-access") == 0)
        return bool_true(n, v, &mq->direct_access, err);
    if (strcmp(n, "open-on") == 0) {
        if (vw_open_on_parse(v, strlen(v), &mq->open_day, &mq->open_minute) != 0)
            return vw_err_set(err, VW_E_BAD_REQUEST, "open-on must be a day mo tu we th fr sa "
                              "su, optionally @HH:MM (tu@10:00)");
        mq->open_filter = true;
        return 1;
    }
    if (strcmp(n, "max-wait-weeks") == 0) {
        char *end;
        long w = strtol(v, &end, 10);
        if (!v[0] || *end || w < 0 || w > 520)
            return vw_err_set(err, VW_E_BAD_REQUEST, "max-wait-weeks must be 0..520");
        int valid = o->wait_valid_weeks > 0 ? o->wait_valid_weeks : 13;
        mq->wait_filter = true;
        mq->max_wait_weeks = (unsigned)w;
        mq->wait_valid_since = o->as_of - 7 * valid;
        return 1;
    }
    return 0;
}
