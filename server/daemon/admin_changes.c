/* admin_changes.c -- the daemon's side of the admin ops `apply`, `changes`
 * and `history` (server/ops/changes.c): the store work, the authorisation of
 * every change (server/ops/authz.h) with regions from the serving snapshot,
 * and after a committed apply the same reload as an admin `import`. */
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "geodata/regions.h"
#include "log.h"
#include "server/store/changes.h"

_Static_assert((int)VW_CHG_PROVIDER == (int)VW_REC_PROVIDER &&
                   (int)VW_CHG_REGISTRATION == (int)VW_REC_REGISTRATION &&
                   (int)VW_CHG_DELETE == (int)VW_CHANGE_DELETE,
               "change kinds and ops match authz.h");

typedef struct authz_ctx {
    const vw_credential *cred;
    const vw_snapshot *snap; /* may be NULL (no snapshot yet): locations have no region */
} authz_ctx;

static const char *region_code(int r)
{
    return r >= 0 && r < VW_REGION_COUNT ? vw_region_codes[r] : NULL;
}

/* The region of a location: its PC4's (the snapshot knows every PC4's
 * region), else NULL. */
static const char *pc4_region(const vw_snapshot *s, int pc4)
{
    vw_pc4_info info;
    if (s == NULL || pc4 <= 0 || !vw_snapshot_pc4_info(s, pc4, &info))
        return NULL;
    return region_code(info.region);
}

/* A provider's region as the snapshot has it (before the change). */
static const char *provider_region(const vw_snapshot *s, const char *id, int pc4)
{
    if (s != NULL && id != NULL) {
        int64_t i = vw_snapshot_find_provider(s, id, strlen(id));
        if (i >= 0) {
            const char *r = region_code(vw_snapshot_provider(s, (uint32_t)i)->region);
            if (r)
                return r;
        }
    }
    return pc4_region(s, pc4);
}

static int check_change(void *ud, const vw_change_facts *f, char *reason, size_t cap)
{
    const authz_ctx *a = ud;
    vw_authz_change ch = {.kind = (vw_rec_kind)f->kind, .op = (vw_change_op)f->op,
                          .sets_certification = f->sets_certification,
                          .sets_other = f->sets_other};
    switch (f->kind) {
    case VW_CHG_PROVIDER:
        ch.region_before = f->has_before ? provider_region(a->snap, f->provider_id, f->pc4_before)
                                         : NULL;
        ch.region_after = f->has_after ? pc4_region(a->snap, f->pc4_after) : NULL;
        break;
    case VW_CHG_REGISTRATION: {
        const char *r = provider_region(a->snap, f->provider_id, f->pc4_before);
        ch.region_before = f->has_before ? r : NULL;
        ch.region_after = f->has_after ? r : NULL;
        break;
    }
    default: /* network: its region column; membership: its network's */
        ch.region_before = f->region_before;
        ch.region_after = f->region_after;
        break;
    }
    return vw_authz_change_check(a->cred, &ch, reason, cap);
}

static int admin_apply(void *ud, const vw_credential *cred, vw_change *ch, size_t n,
                       vw_ops_apply_result *res, vw_ops_snap_summary *after, vw_err *err)
{
    vw_admin_env *env = ud;
    vw_store *st = NULL;
    authz_ctx az = {.cred = cred, .snap = vw_snapholder_acquire(env->snaps, NULL)};
    vw_apply_opts o = {.credential = cred ? cred->name : "unknown", .check = check_change,
                       .check_ud = &az};
    vw_apply_result r;
    int rc = -1;
    if (vw_store_open(env->cfg->db, VW_STORE_READWRITE, &st, err) != 0) {
        vw_err_set(err, VW_E_UNAVAILABLE, "cannot open the database: %.300s", err->message);
        goto out;
    }
    rc = vw_store_apply(st, ch, n, &o, &r, err);
    vw_store_close(st);
    if (rc != 0) {
        vw_log(VW_LOG_WARN, "admin: apply of %zu change(s) by %s refused (%s); nothing changed",
               n, o.credential, err->code);
        goto out;
    }
    res->applied = r.applied;
    res->logged = r.logged;
    res->set_id = r.set_id;
    res->first_seq = r.first_seq;
    res->last_seq = r.last_seq;
    vw_log(VW_LOG_INFO, "admin: applied %zu change(s) by %s (change set %lld)", n, o.credential,
           (long long)r.set_id);
    vw_snapholder_release((vw_snapshot *)az.snap);
    az.snap = NULL;
    /* The changed records patched into the snapshot (a full reload when the
     * patch cannot: docs/ENGINE.md "Changes without a reload"). */
    if (vw_snapholder_refresh(env->snaps, env->cfg->db, true, err) < 0) {
        vw_err_set(err, VW_E_INVALID, "applied, but the new snapshot failed validation (the old "
                   "one keeps serving): %.300s", err->message);
        rc = -1;
        goto out;
    }
    vw_snapholder_summary(env->snaps, after);
out:
    vw_snapholder_release((vw_snapshot *)az.snap);
    return rc;
}

static int open_ro(const vw_admin_env *env, vw_store **st, vw_err *err)
{
    if (vw_store_open(env->cfg->db, VW_STORE_READONLY, st, err) != 0)
        return vw_err_set(err, VW_E_UNAVAILABLE, "cannot open the database: %.300s",
                          err->message);
    return 0;
}

static int admin_changes(void *ud, int64_t since, uint32_t limit,
                         int (*row)(void *rud, const vw_change_row *r), void *rud, int64_t *next,
                         bool *more, vw_err *err)
{
    vw_store *st = NULL;
    if (open_ro(ud, &st, err) != 0)
        return -1;
    int rc = vw_store_changes(st, since, limit, row, rud, next, more, err);
    vw_store_close(st);
    return rc;
}

static int admin_history(void *ud, const char *kind, const char *record,
                         int (*row)(void *rud, const vw_change_row *r), void *rud, vw_err *err)
{
    vw_store *st = NULL;
    if (open_ro(ud, &st, err) != 0)
        return -1;
    int rc = vw_store_history(st, kind, record, row, rud, err);
    vw_store_close(st);
    return rc;
}

void vw_admin_changes_setup(vw_ops_admin *a)
{
    a->apply = admin_apply;
    a->changes = admin_changes;
    a->history = admin_history;
}
