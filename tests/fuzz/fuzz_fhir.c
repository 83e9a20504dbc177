/* fuzz_fhir.c -- libFuzzer target: FHIR searches (vw_fhir_search) against a
 * small fixed snapshot, with the parameters an HTTP gateway would pass on
 * after URL-decoding. Input: the resource type on the first line, then
 * `name=value` pairs separated by '&' (bytes as they come, NULs cut the
 * string); a first line `Type/id` reads one resource instead, and one
 * ending in `_history` (`_history`, `Type/_history`, `Type/id/_history`)
 * asks for history over a fixed change log (some records malformed). Every answer
 * must be either a searchset Bundle (or the resource) that serialises, or an
 * error with one of the stable codes and no result; every message is UTF-8
 * and every JSON text (answer or OperationOutcome) is valid UTF-8 that
 * parses back as JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/utf8.h"
#include "proto/vocab.h"
#include "server/fhir/fhir.h"
#include "fuzz_snap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vw_snapshot *snap;

/* The JSON text the gateway would send: valid UTF-8, parses strictly. Takes o. */
static void check_json(json_object *o)
{
    const char *txt =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (txt == NULL)
        abort();
    size_t n = strlen(txt);
    if (vw_utf8_bad(txt, n) != n)
        abort();
    json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *back = json_tokener_parse_ex(tok, txt, (int)n);
    if (back == NULL || json_tokener_get_parse_end(tok) != n)
        abort();
    json_object_put(back);
    json_tokener_free(tok);
    json_object_put(o);
}

static void check_error(const vw_err *err)
{
    size_t n = strlen(err->message);
    if (vw_utf8_bad(err->message, n) != n)
        abort();
    check_json(vw_fhir_outcome(err, NULL));
}

/* A read's or history's answer: a result xor an error (not_found or
 * bad_request), either valid JSON. Takes out. */
static void check_answer(int rc, json_object *out, const vw_err *err)
{
    if ((rc == 0) != (out != NULL) ||
        (rc != 0 && strcmp(err->code, VW_E_NOT_FOUND) && strcmp(err->code, VW_E_BAD_REQUEST)))
        abort();
    if (rc == 0)
        check_json(out);
    else
        check_error(err);
}

/* A fixed change log: the kinds, a delete, malformed records, no time. */
static const vw_change_row rows[] = {
    {1, 1, "2024-10-01T10:00:00Z", "admin", "provider", "create", "P1", 1, NULL, "{}"},
    {2, 1, "2024-10-01T10:00:00Z", "admin", "membership", "create", "[\"P1\",\"N1\"]", 1, NULL,
     "{}"},
    {3, 2, "2024-10-02T10:00:00Z", "cli", "registration", "update", "[\"P1\",\"x\",\"big\"]", 2,
     "{}", "{}"},
    {4, 2, "2024-10-03T10:00:00Z", "cli", "network", "delete", "N1", 3, "{}", NULL},
    {5, 3, "2024-10-03T10:00:00Z", "cli", "membership", "update", "notjson", 2, "{}", "{}"},
    {6, 3, NULL, "cli", "provider", "update", "P1", 2, "{}", "{}"},
    {7, 3, "garbage", "cli", "registration", "delete", "[1]", 2, "{}", NULL},
};
#define NROWS (sizeof rows / sizeof rows[0])

static int feed(void *ud, int64_t after, uint32_t limit, vw_fhir_row_fn cb, void *cbud,
                bool *more, vw_err *err)
{
    (void)ud;
    (void)err;
    uint32_t got = 0;
    *more = false;
    for (size_t i = 0; i < NROWS; i++) {
        if (rows[i].seq <= after)
            continue;
        if (got == limit || cb(cbud, &rows[i]) != 0) {
            *more = true;
            return 0;
        }
        got++;
    }
    return 0;
}

static int record(void *ud, const char *kind, const char *rec, vw_fhir_row_fn cb, void *cbud,
                  vw_err *err)
{
    (void)ud;
    (void)err;
    for (size_t i = 0; i < NROWS; i++)
        if (strcmp(rows[i].kind, kind) == 0 && strcmp(rows[i].record, rec) == 0 &&
            cb(cbud, &rows[i]) != 0)
            break;
    return 0;
}

static void history(const char *path, const vw_fhir_param *params, size_t n,
                    const vw_fhir_opts *o)
{
    char type[64] = "", id[256] = "";
    const char *s1 = strchr(path, '/');
    if (s1) {
        const char *s2 = strchr(s1 + 1, '/');
        snprintf(type, sizeof type, "%.*s", (int)(s1 - path), path);
        if (s2)
            snprintf(id, sizeof id, "%.*s", (int)(s2 - s1 - 1), s1 + 1);
    }
    vw_fhir_history_src src = {.feed = feed, .record = record};
    json_object *out = (json_object *)1;
    vw_err err;
    int rc = vw_fhir_history(o, &src, type[0] ? type : NULL, id[0] ? id : NULL, params, n, &out,
                             &err);
    check_answer(rc, out, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { MAXP = 40 };
    if (snap == NULL)
        snap = fuzz_snapshot();
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *query = strchr(buf, '\n');
    if (query)
        *query++ = '\0';
    vw_fhir_param params[MAXP];
    size_t n = 0;
    for (char *tok = query; tok && *tok && n < MAXP;) {
        char *amp = strchr(tok, '&'), *eq;
        if (amp)
            *amp = '\0';
        eq = strchr(tok, '=');
        if (eq)
            *eq = '\0';
        params[n].name = tok;
        params[n].value = eq ? eq + 1 : NULL;
        n++;
        tok = amp ? amp + 1 : NULL;
    }
    vw_fhir_opts o = {.as_of = 20000, .timestamp = "2024-10-04T00:00:00Z"};
    json_object *out = (json_object *)1;
    vw_err err;
    size_t bl = strlen(buf);
    if (bl >= 8 && strcmp(buf + bl - 8, "_history") == 0) {
        history(buf, params, n, &o);
        free(buf);
        return 0;
    }
    char *slash = strchr(buf, '/');
    if (slash) { /* Type/id: the read interaction */
        *slash = '\0';
        int rc = vw_fhir_read(snap, &o, buf, slash + 1, &out, &err);
        check_answer(rc, out, &err); /* rc first: out is set by the call */
        free(buf);
        return 0;
    }
    int rc = vw_fhir_search(snap, &o, buf, params, n, &out, &err);
    if (rc == 0) {
        if (out == NULL || json_object_to_json_string(out) == NULL)
            abort();
        json_object *t;
        if (!json_object_object_get_ex(out, "type", &t) ||
            strcmp(json_object_get_string(t), "searchset") != 0)
            abort();
        check_json(out);
    } else if (out != NULL || (strcmp(err.code, VW_E_BAD_REQUEST) != 0 &&
                               strcmp(err.code, VW_E_NOT_FOUND) != 0 &&
                               strcmp(err.code, VW_E_TOO_LARGE) != 0)) {
        abort();
    } else {
        check_error(&err);
    }
    free(buf);
    return 0;
}
