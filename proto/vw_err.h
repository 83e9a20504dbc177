/* vw_err.h -- the error value every Verwijs module reports through.
 *
 * An error has a stable code (the strings of PROTOCOL.md, sent on the wire and
 * mapped to CLI exit codes) and a human message. Functions that can fail take
 * a `vw_err *err` (may be NULL) and return 0 on success, -1 on failure. */
#ifndef VW_ERR_H
#define VW_ERR_H

#include <stdarg.h>

/* Stable error codes (wire contract, see proto/PROTOCOL.md). */
#define VW_E_BAD_REQUEST "bad_request"
#define VW_E_UNKNOWN_OP "unknown_op"
#define VW_E_NOT_FOUND "not_found"
#define VW_E_TOO_LARGE "too_large"
#define VW_E_UNAVAILABLE "unavailable"
#define VW_E_FORBIDDEN "forbidden"
#define VW_E_INTERNAL "internal"
#define VW_E_TIMEOUT "timeout"
#define VW_E_OVERLOADED "overloaded"
/* Local (never sent by the server; used by the client library and tools). */
#define VW_E_CONNECT "connect"   /* cannot connect */
#define VW_E_IO "io"             /* read/write failed, peer closed */
#define VW_E_PROTOCOL "protocol" /* peer sent something that is not our protocol */
#define VW_E_INVALID "invalid"   /* invalid input file / rows (import) */
#define VW_E_DB "db"             /* SQLite failure */

typedef struct vw_err {
    char code[24];
    char message[480];
} vw_err;

/* Set code and printf-style message; a NULL err is ignored. The message is
 * made valid UTF-8 (vw_utf8_fix: a character cut by truncation is dropped,
 * other invalid bytes become '?'). Always returns -1
 * so callers can write `return vw_err_set(err, ...);`. */
int vw_err_set(vw_err *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vw_err_vset(vw_err *err, const char *code, const char *fmt, va_list ap);
void vw_err_clear(vw_err *err);

#endif
