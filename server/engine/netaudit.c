/* netaudit.c -- the NVPO quality audit of a network (criteria in netaudit.h). */
#include "netaudit.h"

#include "proto/vocab.h"

bool vw_member_current(const vw_snapshot *s, uint32_t provider, int32_t as_of)
{
    const vw_provider *p = vw_snapshot_provider(s, provider);
    if (p->reg_count == 0 || p->expertise != 0)
        return true;
    return vw_provider_tags_on(s, provider, as_of) != 0;
}

void vw_network_audit(const vw_snapshot *s, uint32_t network, int32_t as_of, vw_audit *out)
{
    const vw_network *n = vw_snapshot_network(s, network);
    const uint32_t *members = vw_snapshot_members(s);

    out->disciplines = 0;
    out->members = n->member_count;
    out->current_members = 0;
    for (uint32_t m = 0; m < n->member_count; m++) {
        uint32_t pi = members[n->member_first + m];
        if (!vw_member_current(s, pi, as_of))
            continue;
        out->current_members++;
        out->disciplines |= 1u << vw_snapshot_provider(s, pi)->discipline;
    }
    out->n_disciplines = __builtin_popcount(out->disciplines);
    out->problems = 0;
    out->nvpo = vw_net_kind_nvpo(n->kind);
    if (!out->nvpo) { /* palliative, hospital and other kinds: not NVPO's business */
        out->meets_criteria = false;
        out->flagged = false;
        return;
    }
    if (out->n_disciplines < VW_AUDIT_MIN_DISCIPLINES)
        out->problems |= VW_AUDIT_FEW_DISCIPLINES;
    if (!(out->disciplines & (1u << VW_D_FYSIOTHERAPEUT)))
        out->problems |= VW_AUDIT_NO_FYSIO;
    if (!(out->disciplines & VW_D_PSYCHOSOCIAL_MASK))
        out->problems |= VW_AUDIT_NO_PSYCHOSOCIAL;
    if (!(out->disciplines & (1u << VW_D_DIETIST)))
        out->problems |= VW_AUDIT_NO_DIETIST;
    out->meets_criteria = (out->problems & VW_AUDIT_CRITERIA_MASK) == 0;
    if (n->status == VW_NET_CERTIFIED) {
        if (n->certified_until == VW_DATE_NONE)
            out->problems |= VW_AUDIT_CERT_NO_END;
        else if (n->certified_until < as_of)
            out->problems |= VW_AUDIT_CERT_EXPIRED;
    }
    out->flagged = n->status == VW_NET_CERTIFIED &&
                   (!out->meets_criteria || (out->problems & VW_AUDIT_CERT_EXPIRED));
}

const char *vw_audit_reason(unsigned bit)
{
    switch (bit) {
    case VW_AUDIT_FEW_DISCIPLINES: return "fewer than 5 disciplines among current members";
    case VW_AUDIT_NO_FYSIO: return "no fysiotherapeut among current members";
    case VW_AUDIT_NO_PSYCHOSOCIAL: return "no psychosocial discipline among current members";
    case VW_AUDIT_NO_DIETIST: return "no dietist among current members";
    case VW_AUDIT_CERT_EXPIRED: return "certification expired";
    case VW_AUDIT_CERT_NO_END: return "certified without an end date";
    default: return "unknown";
    }
}
