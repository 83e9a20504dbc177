/* authz.c -- the decisions of authz.h: which role may run which admin op,
 * and which role may make which record-level change. Pure logic; the reasons
 * name roles, ops, record kinds and region codes only, never record data. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "optable.h"

static const char *const role_names[] = {"admin", "coordinator", "certifier", "auditor"};
static const char *const kind_names[] = {"provider", "network", "membership", "registration"};
static const char *const change_names[] = {"create", "update", "delete"};

const char *vw_role_name(vw_role r)
{
    return (unsigned)r < sizeof role_names / sizeof role_names[0] ? role_names[r] : "?";
}

int vw_role_parse(const char *s)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (strcmp(s, role_names[i]) == 0)
            return (int)i;
    return -1;
}

static const char *kind_name(vw_rec_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "?";
}

static const char *change_name(vw_change_op o)
{
    return (unsigned)o < sizeof change_names / sizeof change_names[0] ? change_names[o] : "?";
}

__attribute__((format(printf, 3, 4))) static int refuse(char *reason, size_t cap,
                                                        const char *fmt, ...)
{
    if (reason && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A coordinator's region check of one side of a change (before or after). */
static int coordinator_region(const vw_credential *c, const vw_authz_change *ch,
                              const char *region, const char *side, char *reason, size_t cap)
{
    if (region == NULL || region[0] == '\0')
        return refuse(reason, cap, "coordinator of region %s may not %s a %s without a region (%s)",
                      c->region, change_name(ch->op), kind_name(ch->kind), side);
    if (strcmp(region, c->region) != 0)
        return refuse(reason, cap, "coordinator of region %s may not touch a record of region %s "
                      "(%s)", c->region, region, side);
    return 0;
}

int vw_authz_change_check(const vw_credential *c, const vw_authz_change *ch, char *reason,
                          size_t cap)
{
    if (c == NULL || ch == NULL)
        return refuse(reason, cap, "no credential");
    switch (c->role) {
    case VW_ROLE_ADMIN:
        return 0;
    case VW_ROLE_COORDINATOR:
        if (ch->sets_certification)
            return refuse(reason, cap, "only a certifier or the national administrator sets a "
                          "network's status or certified_until (role %s)",
                          vw_role_name(c->role));
        if (c->region[0] == '\0')
            return refuse(reason, cap, "coordinator credential %s has no region", c->name);
        if (ch->op != VW_CHANGE_CREATE &&
            coordinator_region(c, ch, ch->region_before, "before the change", reason, cap) != 0)
            return -1;
        if (ch->op != VW_CHANGE_DELETE &&
            coordinator_region(c, ch, ch->region_after, "after the change", reason, cap) != 0)
            return -1;
        return 0;
    case VW_ROLE_CERTIFIER:
        if (ch->kind == VW_REC_NETWORK && ch->op == VW_CHANGE_UPDATE && ch->sets_certification &&
            !ch->sets_other)
            return 0;
        return refuse(reason, cap, "a certifier only sets a network's status and certified_until "
                      "(not %s of a %s)", change_name(ch->op), kind_name(ch->kind));
    case VW_ROLE_AUDITOR:
        return refuse(reason, cap, "an auditor is read-only (may not %s a %s)",
                      change_name(ch->op), kind_name(ch->kind));
    }
    return refuse(reason, cap, "unknown role");
}

int vw_authz_op_check(const vw_credential *c, const char *op, unsigned flags, char *reason,
                      size_t cap)
{
    if (c == NULL)
        return refuse(reason, cap, "no credential for %s", op);
    if (c->role == VW_ROLE_ADMIN || !(flags & VW_OPF_ADMIN) || (flags & VW_OPF_READONLY))
        return 0;
    /* A changing admin op: record-level ones (VW_OPF_PER_RECORD) are open to
     * coordinators and certifiers and checked again per change; the rest
     * (reload, import: whole tables) belong to the national administrator. */
    if ((flags & VW_OPF_PER_RECORD) && c->role != VW_ROLE_AUDITOR)
        return 0;
    return refuse(reason, cap, "role %s may not run %s%s", vw_role_name(c->role), op,
                  (flags & VW_OPF_PER_RECORD) ? " (read-only role)"
                                              : " (national administrator only)");
}
