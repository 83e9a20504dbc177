/* authz.h -- who may change what on the admin path (issue 15): named
 * credentials with a role, and the one decision function every record-level
 * change and every admin op goes through. Pure logic, no I/O: the daemon
 * authenticates a connection or HTTP request and hands the resulting
 * credential to the ops layer (vw_ops_admin.cred); the ops decide here.
 *
 * Roles:
 *   admin        national administrator: everything
 *   coordinator  providers, networks, memberships and registrations of their
 *                own region only (the record's region before and after the
 *                change); never a network's status / certified_until
 *   certifier    alone sets a network's status / certified_until (any
 *                region); nothing else
 *   auditor      read-only: history, changes, stats; no change at all
 *
 * Ownership: a vw_credential is owned by whoever made it (the daemon's
 * credential table); the ops only borrow it for one request. */
#ifndef VW_OPS_AUTHZ_H
#define VW_OPS_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>

typedef enum vw_role {
    VW_ROLE_ADMIN = 0,
    VW_ROLE_COORDINATOR,
    VW_ROLE_CERTIFIER,
    VW_ROLE_AUDITOR,
} vw_role;

#define VW_CRED_NAME_MAX 64
#define VW_CRED_REGION_MAX 16

typedef struct vw_credential {
    char name[VW_CRED_NAME_MAX];     /* as it lands in the change log */
    vw_role role;
    char region[VW_CRED_REGION_MAX]; /* coordinator: a region code; else "" */
} vw_credential;

/* The kinds of record a change can touch. */
typedef enum vw_rec_kind {
    VW_REC_PROVIDER = 0,
    VW_REC_NETWORK,
    VW_REC_MEMBERSHIP,
    VW_REC_REGISTRATION,
} vw_rec_kind;

typedef enum vw_change_op {
    VW_CHANGE_CREATE = 0,
    VW_CHANGE_UPDATE,
    VW_CHANGE_DELETE,
} vw_change_op;

/* What the decision needs to know of one change. The region of a record is
 * a region code: a provider's is the region of its location, a network's its
 * `region` column, a membership's that of its network, a registration's
 * that of its provider; NULL when the record has none (a network without a
 * region: only admin and certifier may touch it). */
typedef struct vw_authz_change {
    vw_rec_kind kind;
    vw_change_op op;
    const char *region_before; /* NULL on create */
    const char *region_after;  /* NULL on delete */
    bool sets_certification;   /* touches a network's status or certified_until */
    bool sets_other;           /* touches any other field (or creates / deletes) */
} vw_authz_change;

/* 0: allowed. -1: refused, with a reason for the `forbidden` answer in
 * reason[0..cap) (no personal data: role, region codes, field names). */
int vw_authz_change_check(const vw_credential *c, const vw_authz_change *ch, char *reason,
                          size_t cap);

/* May c run admin op `op` at all (flags: VW_OPF_* of the op table)? Changing
 * ops are checked again per record with vw_authz_change_check. 0 / -1 with
 * reason. */
int vw_authz_op_check(const vw_credential *c, const char *op, unsigned flags, char *reason,
                      size_t cap);

const char *vw_role_name(vw_role r);
/* The role named s, -1 when there is none. */
int vw_role_parse(const char *s);

#endif
