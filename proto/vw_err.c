/* vw_err.c -- the table of error codes, and setting and clearing vw_err
 * values. Messages quote user input (often cut with %.*s) and are cut to the
 * buffer, so each is repaired to valid UTF-8 here: it goes into msgpack str
 * and JSON, which require it. */
#include "vw_err.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* One row per code (PROTOCOL.md "Error codes", docs/HTTP.md, README exit
 * codes). Local codes that escape to a server answer are sent as wire_as:
 * an unreadable import file (io) is the request's fault, a SQLite failure
 * (db) is not. */
static const vw_code_info codes[VW_C_COUNT] = {
    [VW_C_OK] = {"ok", 200, VW_EXIT_OK, true, false, VW_C_OK, "informational"},
    [VW_C_BAD_REQUEST] = {VW_E_BAD_REQUEST, 400, VW_EXIT_SERVER, true, false, VW_C_BAD_REQUEST,
                          "invalid"},
    [VW_C_UNKNOWN_OP] = {VW_E_UNKNOWN_OP, 404, VW_EXIT_SERVER, true, false, VW_C_UNKNOWN_OP,
                         "not-supported"},
    [VW_C_NOT_FOUND] = {VW_E_NOT_FOUND, 404, VW_EXIT_SERVER, true, false, VW_C_NOT_FOUND,
                        "not-found"},
    [VW_C_TOO_LARGE] = {VW_E_TOO_LARGE, 413, VW_EXIT_SERVER, true, false, VW_C_TOO_LARGE,
                        "too-costly"},
    [VW_C_UNAVAILABLE] = {VW_E_UNAVAILABLE, 503, VW_EXIT_SERVER, true, false, VW_C_UNAVAILABLE,
                          "transient"},
    [VW_C_FORBIDDEN] = {VW_E_FORBIDDEN, 403, VW_EXIT_SERVER, true, false, VW_C_FORBIDDEN,
                        "forbidden"},
    [VW_C_OVERLOADED] = {VW_E_OVERLOADED, 503, VW_EXIT_SERVER, true, false, VW_C_OVERLOADED,
                         "throttled"},
    [VW_C_TIMEOUT] = {VW_E_TIMEOUT, 504, VW_EXIT_TIMEOUT, true, true, VW_C_TIMEOUT, "timeout"},
    [VW_C_INVALID] = {VW_E_INVALID, 500, VW_EXIT_SERVER, true, false, VW_C_INVALID, "invalid"},
    [VW_C_CONFLICT] = {VW_E_CONFLICT, 409, VW_EXIT_CONFLICT, true, false, VW_C_CONFLICT,
                       "conflict"},
    [VW_C_INTERNAL] = {VW_E_INTERNAL, 500, VW_EXIT_SERVER, true, false, VW_C_INTERNAL,
                       "exception"},
    [VW_C_CONNECT] = {VW_E_CONNECT, 500, VW_EXIT_CONNECT, false, true, VW_C_INTERNAL,
                      "exception"},
    [VW_C_IO] = {VW_E_IO, 500, VW_EXIT_CONNECT, false, true, VW_C_BAD_REQUEST, "exception"},
    [VW_C_PROTOCOL] = {VW_E_PROTOCOL, 500, VW_EXIT_FAIL, false, true, VW_C_INTERNAL,
                       "exception"},
    [VW_C_DB] = {VW_E_DB, 500, VW_EXIT_FAIL, false, false, VW_C_INTERNAL, "exception"},
};

const vw_code_info *vw_code_get(vw_code c)
{
    return (c >= 0 && c < VW_C_COUNT) ? &codes[c] : &codes[VW_C_INTERNAL];
}

vw_code vw_code_find(const char *name)
{
    if (name == NULL)
        return VW_C_INTERNAL;
    if (name[0] == '\0')
        return VW_C_OK;
    for (int c = 0; c < VW_C_COUNT; c++)
        if (strcmp(codes[c].name, name) == 0)
            return (vw_code)c;
    return VW_C_INTERNAL;
}

vw_code vw_code_for_wire(const char *name)
{
    return codes[vw_code_find(name)].wire_as;
}

int vw_err_vset(vw_err *err, const char *code, const char *fmt, va_list ap)
{
    if (err == NULL)
        return -1;
    /* Through a copy: callers may pass err->message as an argument
     * ("context: %s", err->message), which must not overlap the output. */
    char msg[sizeof err->message];
    vsnprintf(msg, sizeof msg, fmt, ap);
    snprintf(err->code, sizeof err->code, "%s", code);
    memcpy(err->message, msg, sizeof msg);
    vw_utf8_fix(err->code);
    vw_utf8_fix(err->message);
    return -1;
}

int vw_err_set(vw_err *err, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vw_err_vset(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

void vw_err_clear(vw_err *err)
{
    if (err != NULL) {
        err->code[0] = '\0';
        err->message[0] = '\0';
    }
}
