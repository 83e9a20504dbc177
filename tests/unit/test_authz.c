/* test_authz.c -- the decisions of server/ops/authz.c, table-driven: every
 * role x record kind x change op x region case of vw_authz_change_check,
 * and every role x kind of admin op of vw_authz_op_check; the reasons name
 * no record data. */
#include <string.h>

#include "server/ops/authz.h"
#include "server/ops/optable.h"
#include "t.h"

static const vw_credential admin = {"nat", VW_ROLE_ADMIN, ""};
static const vw_credential coord = {"utr", VW_ROLE_COORDINATOR, "UT"};
static const vw_credential coord_noreg = {"odd", VW_ROLE_COORDINATOR, ""};
static const vw_credential certifier = {"cert", VW_ROLE_CERTIFIER, ""};
static const vw_credential auditor = {"aud", VW_ROLE_AUDITOR, ""};

/* The region sides of a change: mine (UT), another (NH), none (NULL). */
enum { R_MINE, R_OTHER, R_NONE };
static const char *region(int r)
{
    return r == R_MINE ? "UT" : r == R_OTHER ? "NH" : NULL;
}

/* The expected decision (0 allowed) of cred for one change, written out
 * from authz.h's banner independently of authz.c's code. */
static int expect(const vw_credential *c, vw_rec_kind k, vw_change_op op, int before, int after,
                  bool cert, bool other)
{
    if (c->role == VW_ROLE_ADMIN)
        return 0;
    if (c->role == VW_ROLE_AUDITOR)
        return -1;
    if (c->role == VW_ROLE_CERTIFIER)
        return (k == VW_REC_NETWORK && op == VW_CHANGE_UPDATE && cert && !other) ? 0 : -1;
    if (cert || c->region[0] == '\0')
        return -1;
    bool b_ok = op == VW_CHANGE_CREATE || before == R_MINE;
    bool a_ok = op == VW_CHANGE_DELETE || after == R_MINE;
    return b_ok && a_ok ? 0 : -1;
}

static void change_matrix(void)
{
    const vw_credential *creds[] = {&admin, &coord, &coord_noreg, &certifier, &auditor};
    int cases = 0, allowed = 0;
    for (size_t ci = 0; ci < sizeof creds / sizeof creds[0]; ci++)
        for (int k = VW_REC_PROVIDER; k <= VW_REC_REGISTRATION; k++)
            for (int op = VW_CHANGE_CREATE; op <= VW_CHANGE_DELETE; op++)
                for (int b = R_MINE; b <= R_NONE; b++)
                    for (int a = R_MINE; a <= R_NONE; a++)
                        for (int f = 0; f < 4; f++) {
                            bool cert = f & 1, other = (f & 2) != 0;
                            if (!cert && !other)
                                continue; /* a change touches something */
                            vw_authz_change ch = {
                                .kind = (vw_rec_kind)k, .op = (vw_change_op)op,
                                .region_before = op == VW_CHANGE_CREATE ? NULL : region(b),
                                .region_after = op == VW_CHANGE_DELETE ? NULL : region(a),
                                .sets_certification = cert, .sets_other = other};
                            char why[160] = "";
                            int want = expect(creds[ci], (vw_rec_kind)k, (vw_change_op)op, b, a,
                                              cert, other);
                            int got = vw_authz_change_check(creds[ci], &ch, why, sizeof why);
                            if (got != want)
                                fprintf(stderr, "cred %s kind %d op %d before %d after %d cert %d "
                                        "other %d: got %d (%s)\n", creds[ci]->name, k, op, b, a,
                                        cert, other, got, why);
                            CHECK(got == want);
                            CHECK(got == 0 || why[0] != '\0');
                            cases++;
                            allowed += got == 0;
                        }
    CHECK(cases == 5 * 4 * 3 * 3 * 3 * 3);
    CHECK(allowed > 0);
}

static void change_reasons(void)
{
    char why[160];
    vw_authz_change move = {.kind = VW_REC_PROVIDER, .op = VW_CHANGE_UPDATE,
                            .region_before = "UT", .region_after = "NH", .sets_other = true};
    CHECK(vw_authz_change_check(&coord, &move, why, sizeof why) == -1);
    CHECK(strstr(why, "UT") && strstr(why, "NH"));
    vw_authz_change noreg = {.kind = VW_REC_NETWORK, .op = VW_CHANGE_UPDATE, .sets_other = true};
    CHECK(vw_authz_change_check(&coord, &noreg, why, sizeof why) == -1);
    CHECK(strstr(why, "without a region") != NULL);
    vw_authz_change status = {.kind = VW_REC_NETWORK, .op = VW_CHANGE_UPDATE,
                              .region_before = "UT", .region_after = "UT",
                              .sets_certification = true};
    CHECK(vw_authz_change_check(&coord, &status, why, sizeof why) == -1);
    CHECK(strstr(why, "certifi") != NULL);
    CHECK(vw_authz_change_check(&certifier, &status, why, sizeof why) == 0);
    CHECK(vw_authz_change_check(NULL, &status, why, sizeof why) == -1);
    CHECK(vw_authz_change_check(&auditor, &status, NULL, 0) == -1); /* no reason buffer */
}

static void op_matrix(void)
{
    const vw_credential *creds[] = {&admin, &coord, &certifier, &auditor};
    /* flags of: a query op, reload/import, a read-only admin op, apply */
    const unsigned kinds[] = {0, VW_OPF_ADMIN | VW_OPF_NO_SNAPSHOT,
                              VW_OPF_ADMIN | VW_OPF_READONLY, VW_OPF_ADMIN | VW_OPF_PER_RECORD};
    /* want[cred][kind]: 0 allowed */
    static const int want[4][4] = {
        {0, 0, 0, 0},   /* admin */
        {0, -1, 0, 0},  /* coordinator */
        {0, -1, 0, 0},  /* certifier */
        {0, -1, 0, -1}, /* auditor */
    };
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 4; k++) {
            char why[160] = "";
            int got = vw_authz_op_check(creds[c], "x", kinds[k], why, sizeof why);
            CHECK(got == want[c][k]);
            CHECK(got == 0 || strstr(why, vw_role_name(creds[c]->role)) != NULL);
        }
    char why[160];
    CHECK(vw_authz_op_check(NULL, "reload", VW_OPF_ADMIN, why, sizeof why) == -1);
    /* the op table's rows: reload and import are national admin only */
    const vw_op_def *d = vw_optable_find("reload", 6, NULL);
    CHECK(d != NULL && vw_authz_op_check(&coord, d->name, d->flags, why, sizeof why) == -1);
    d = vw_optable_find("import", 6, NULL);
    CHECK(d != NULL && vw_authz_op_check(&auditor, d->name, d->flags, why, sizeof why) == -1);
    CHECK(d != NULL && vw_authz_op_check(&admin, d->name, d->flags, why, sizeof why) == 0);
}

static void roles(void)
{
    for (int r = VW_ROLE_ADMIN; r <= VW_ROLE_AUDITOR; r++)
        CHECK(vw_role_parse(vw_role_name((vw_role)r)) == r);
    CHECK(vw_role_parse("root") == -1);
    CHECK_STR(vw_role_name((vw_role)99), "?");
}

int main(void)
{
    change_matrix();
    change_reasons();
    op_matrix();
    roles();
    return T_DONE();
}
