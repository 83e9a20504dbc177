/* vw_err.h -- the error value every Verwijs module reports through, and the
 * one table of error codes.
 *
 * An error has a stable code (the strings of PROTOCOL.md, sent on the wire and
 * mapped to CLI exit codes) and a human message. Functions that can fail take
 * a `vw_err *err` (may be NULL) and return 0 on success, -1 on failure.
 *
 * Every fact about a code -- its wire name, the HTTP status it answers with,
 * the CLI exit code, whether the server may send it, the FHIR issue type --
 * is one row of the table in vw_err.c; nothing else maps codes by hand. */
#ifndef VW_ERR_H
#define VW_ERR_H

#include <stdarg.h>
#include <stdbool.h>

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
#define VW_E_INVALID "invalid"   /* invalid input file / rows (import) */
#define VW_E_CONFLICT "conflict" /* a change based on a stale version (optimistic concurrency) */
/* Local (never sent by the server; used by the client library and tools). */
#define VW_E_CONNECT "connect"   /* cannot connect */
#define VW_E_IO "io"             /* read/write failed, peer closed */
#define VW_E_PROTOCOL "protocol" /* peer sent something that is not our protocol */
#define VW_E_DB "db"             /* SQLite failure */

/* The codes as an enum, in table order: VW_C_OK, then the codes the server
 * sends (counted per code in /metrics, in this order), then the local ones.
 * A new code goes into this enum and the table in vw_err.c, nowhere else. */
typedef enum vw_code {
    VW_C_OK,
    VW_C_BAD_REQUEST,
    VW_C_UNKNOWN_OP,
    VW_C_NOT_FOUND,
    VW_C_TOO_LARGE,
    VW_C_UNAVAILABLE,
    VW_C_FORBIDDEN,
    VW_C_OVERLOADED,
    VW_C_TIMEOUT,
    VW_C_INVALID,
    VW_C_CONFLICT,
    VW_C_INTERNAL,
    VW_C_WIRE_COUNT, /* codes below this one can appear on the wire (ok included) */
    VW_C_CONNECT = VW_C_WIRE_COUNT,
    VW_C_IO,
    VW_C_PROTOCOL,
    VW_C_DB,
    VW_C_COUNT
} vw_code;

/* CLI exit codes (README). */
enum { VW_EXIT_OK = 0, VW_EXIT_FAIL = 1, VW_EXIT_USAGE = 2, VW_EXIT_SERVER = 3,
       VW_EXIT_CONNECT = 4, VW_EXIT_TIMEOUT = 5,
       VW_EXIT_CONFLICT = 6 /* a stale version: re-read and retry */ };

typedef struct vw_code_info {
    const char *name;       /* wire name ("ok" for VW_C_OK) */
    int http_status;        /* status of the HTTP/JSON and FHIR answers */
    int exit_code;          /* `verwijs` exit code when a command fails with it */
    bool wire;              /* may the server send it? */
    bool transport;         /* a client-side failure to reach or read the server
                               (vw_err_is_local(); a server's `timeout` counts too) */
    vw_code wire_as;        /* the code a server sends in its place (local codes) */
    const char *fhir_issue; /* OperationOutcome.issue.code */
} vw_code_info;

/* The row of a code; VW_C_INTERNAL's row for an out-of-range value. */
const vw_code_info *vw_code_get(vw_code c);
/* The code of a name; VW_C_INTERNAL for NULL or an unknown name ("" is ok). */
vw_code vw_code_find(const char *name);
/* The code of a name as the server may send it (local codes map to wire_as). */
vw_code vw_code_for_wire(const char *name);

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
