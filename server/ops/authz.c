/* authz.c -- the decision of authz.h. STUB until the credentials work of
 * issue 15 lands: the national administrator may do everything, every other
 * role nothing. */
#include <stdio.h>
#include <string.h>

#include "authz.h"

static const char *const role_names[] = {"admin", "coordinator", "certifier", "auditor"};

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

int vw_authz_change_check(const vw_credential *c, const vw_authz_change *ch, char *reason,
                          size_t cap)
{
    (void)ch;
    if (c != NULL && c->role == VW_ROLE_ADMIN)
        return 0;
    snprintf(reason, cap, "role %s may not change records", c ? vw_role_name(c->role) : "none");
    return -1;
}

int vw_authz_op_check(const vw_credential *c, const char *op, unsigned flags, char *reason,
                      size_t cap)
{
    (void)flags;
    if (c != NULL && c->role == VW_ROLE_ADMIN)
        return 0;
    snprintf(reason, cap, "role %s may not run %s", c ? vw_role_name(c->role) : "none", op);
    return -1;
}
