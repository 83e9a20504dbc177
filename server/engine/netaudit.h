/* netaudit.h -- the NVPO quality audit of one network.
 *
 * Criteria (docs/VOCABULARY.md): at least 5 different disciplines among the current
 * members, including a fysiotherapeut, a psychosocial discipline (psycholoog,
 * maatschappelijk_werker, geestelijk_verzorger, seksuoloog, poc) and a
 * dietist. A member is current on `as_of` unless its expertise came only from
 * registrations that have all expired by then: a provider with registrations
 * must hold at least one valid registration or a permanent expertise tag.
 * The criteria apply to oncology care networks (kind oncologiezorgnetwerk,
 * or no kind) only: for other kinds the audit gives the members and
 * disciplines and nvpo = false, no problems, never flagged. */
#ifndef VW_NETAUDIT_H
#define VW_NETAUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

enum {
    VW_AUDIT_FEW_DISCIPLINES = 1 << 0,  /* fewer than 5 disciplines */
    VW_AUDIT_NO_FYSIO = 1 << 1,
    VW_AUDIT_NO_PSYCHOSOCIAL = 1 << 2,
    VW_AUDIT_NO_DIETIST = 1 << 3,
    VW_AUDIT_CERT_EXPIRED = 1 << 4,      /* certified, but certified_until < as_of */
    VW_AUDIT_CERT_NO_END = 1 << 5,       /* certified without an end date */
};
#define VW_AUDIT_CRITERIA_MASK 0x0f
#define VW_AUDIT_MIN_DISCIPLINES 5

typedef struct vw_audit {
    uint32_t disciplines;       /* bitmask of current members' disciplines */
    int n_disciplines;
    uint32_t members, current_members;
    bool nvpo;                  /* the criteria apply (netaudit kind); else the rest is 0 */
    bool meets_criteria;
    bool flagged;               /* certified but failing the criteria or expired */
    unsigned problems;          /* VW_AUDIT_* bits */
} vw_audit;

void vw_network_audit(const vw_snapshot *s, uint32_t network, int32_t as_of, vw_audit *out);
/* Is provider i a current member on as_of (see above)? */
bool vw_member_current(const vw_snapshot *s, uint32_t provider, int32_t as_of);
/* Human-readable reason for one VW_AUDIT_* bit. */
const char *vw_audit_reason(unsigned bit);

#endif
