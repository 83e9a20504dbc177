/* http_fhir.h -- the FHIR routes of the HTTP gateway: GET /fhir/metadata,
 * /fhir/Type?params (search) and /fhir/Type/id (read), answered from the
 * current snapshot by the vwfhir library, and _history from the change log (server/fhir/fhir.h, docs/FHIR.md).
 * Errors are OperationOutcome resources with the protocol's error code as
 * diagnostics. */
#ifndef VW_DAEMON_FHIR_H
#define VW_DAEMON_FHIR_H

#include <stddef.h>
#include <stdint.h>

#include "server/engine/snapshot.h"

struct evbuffer;

/* Answers `rest` (the path after "/fhir/") with `query` (may be NULL) into
 * `out` as application/fhir+json; returns the HTTP status. `host` is the
 * request's Host header (may be NULL): fullUrls are http://HOST/fhir/...
 * when it is a plain host[:port], else under the library's default base; code
 * systems always use the default (canonical) base. */
int vw_http_fhir(const vw_snapshot *snap, const char *rest, const char *query, const char *host,
                 uint32_t max_params, size_t max_output, struct evbuffer *out);

/* The same behind a TLS-terminating proxy: `fwd_proto` is the request's
 * X-Forwarded-Proto header (may be NULL); "https" makes fullUrls
 * https://HOST/fhir/..., anything else http://. *code (may be NULL) is set
 * to VW_C_OK or the error answered, for the request counters. `db` (may be
 * NULL: _history answers unavailable) is the store _history reads, through
 * a read-only connection of its own. */
int vw_http_fhir_fwd(const vw_snapshot *snap, const char *db, const char *rest, const char *query,
                     const char *host, const char *fwd_proto, uint32_t max_params,
                     size_t max_output, struct evbuffer *out, vw_code *code);

#endif
