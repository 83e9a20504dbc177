/* vw_err.c -- setting and clearing vw_err values. Messages quote user input
 * (often cut with %.*s) and are cut to the buffer, so each is repaired to
 * valid UTF-8 here: it goes into msgpack str and JSON, which require it. */
#include "vw_err.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

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
