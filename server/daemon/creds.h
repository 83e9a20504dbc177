/* creds.h -- the admin credential table (issue 15): named credentials with
 * a role (server/ops/authz.h), their secrets stored as salted slow hashes
 * in admin_credentials_file, an optional TLS client certificate mapping,
 * and the legacy admin token (the built-in credential "admin").
 *
 * File format, one credential a line ('#' starts a comment line):
 *     NAME ROLE [REGION] HASH [cert=SHA256HEX]
 *   NAME    1..63 of [A-Za-z0-9._-]
 *   ROLE    admin | coordinator | certifier | auditor
 *   REGION  a region code of geodata/regions.h (coordinator only, required)
 *   HASH    pbkdf2-sha256$ITER$SALT_B64$HASH_B64 (vw_creds_hash makes one;
 *           `verwijsd --hash-secret` prints one)
 *   cert=   lowercase hex SHA-256 of a client certificate's DER
 * Bounds: lines of at most VW_CREDS_LINE_MAX bytes, at most VW_CREDS_MAX
 * credentials, names unique. A bad line fails the load with file:line.
 *
 * Ownership: vw_creds owns its credentials; the pointers the lookups hand
 * out live as long as the table. Read-only after load: thread-safe. */
#ifndef VW_DAEMON_CREDS_H
#define VW_DAEMON_CREDS_H

#include <stddef.h>

#include "config.h"
#include "server/ops/authz.h"

#define VW_CREDS_LINE_MAX 1024
#define VW_CREDS_MAX 1024
#define VW_CREDS_ITER_DEFAULT 100000
#define VW_CREDS_SECRET_MAX 1024

typedef struct vw_creds vw_creds; /* read-only after load: thread-safe */

/* Loads admin_credentials_file (when set) and the legacy token
 * (admin_token / admin_token_file, when set). */
int vw_creds_load(const vw_config *cfg, vw_creds **out, vw_err *err);
/* Parses the text of a credentials file (`fname` only for messages). */
int vw_creds_parse(const char *text, size_t len, const char *fname, vw_creds **out,
                   vw_err *err);
void vw_creds_free(vw_creds *t);
/* auth = "NAME:SECRET" of a credential, or the legacy admin token alone
 * (-> the built-in credential "admin", role admin); NULL when it matches
 * none. Constant time in the secret; never logs the secret. */
const vw_credential *vw_creds_authenticate(const vw_creds *t, const char *auth, size_t len);
/* The credential mapped to a TLS client certificate (SHA-256 fingerprint
 * of its DER, lowercase hex), or NULL. */
const vw_credential *vw_creds_by_cert(const vw_creds *t, const char *sha256_hex);
/* Number of named credentials (not counting the legacy token). */
size_t vw_creds_count(const vw_creds *t);
/* Makes a HASH field for `secret` with a fresh random salt into out[cap]. */
int vw_creds_hash(const char *secret, size_t len, unsigned iter, char *out, size_t cap,
                  vw_err *err);

#endif
