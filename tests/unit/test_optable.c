/* test_optable.c -- the op table and the error table: look-ups, routes,
 * query-string typing, flags, and the facts per error code that the CLI,
 * the client library and the HTTP gateway read from them. */
#include <string.h>

#include "proto/vw_err.h"
#include "server/ops/ops.h"
#include "server/ops/optable.h"
#include "t.h"

static void test_ops(void)
{
    int n = vw_optable_count(), idx;
    CHECK(n >= 12 && n <= VW_OPS_MAX);
    for (int i = 0; i < n; i++) {
        const vw_op_def *d = vw_optable_get(i);
        CHECK(d != NULL && d->fn != NULL && d->args != NULL);
        CHECK(vw_optable_find(d->name, strlen(d->name), &idx) == d && idx == i);
        CHECK(vw_ops_index(d->name, strlen(d->name)) == i);
        CHECK_STR(vw_ops_name(i), d->name);
        /* argument names are unique and at most VW_OPS_MAX_ARGS */
        int na = 0;
        for (const vw_op_arg *a = d->args; a->name; a++, na++)
            CHECK(vw_op_arg_find(d, a->name) == a);
        CHECK(na <= VW_OPS_MAX_ARGS);
        /* admin ops are never routed over HTTP */
        CHECK(!(d->flags & VW_OPF_ADMIN) || d->route == NULL);
    }
    CHECK(vw_optable_get(n) == NULL && vw_optable_get(-1) == NULL);
    CHECK(vw_optable_find("pin", 3, &idx) == NULL && idx == -1);
    CHECK(vw_optable_find("pingx", 4, NULL) != NULL); /* length counts, not NUL */
    CHECK(vw_ops_is_admin("reload", 6) && vw_ops_is_admin("import", 6));
    CHECK(!vw_ops_is_admin("stats", 5) && !vw_ops_is_admin("reloadx", 7));
    CHECK(vw_optable_find("ping", 4, NULL)->flags & VW_OPF_NO_SNAPSHOT);
    CHECK(vw_optable_find("stats", 5, NULL)->flags & VW_OPF_NO_SNAPSHOT);
    CHECK(!(vw_optable_find("match", 5, NULL)->flags & VW_OPF_NO_SNAPSHOT));
    CHECK(vw_optable_find("coverage", 8, NULL)->flags & VW_OPF_HEAVY);
    CHECK_STR(vw_ops_slot_label(VW_OPS_NONE), "none");
    CHECK_STR(vw_ops_slot_label(VW_OPS_FHIR), "fhir");
    CHECK(vw_ops_slot_label(n) == NULL);
}

static void test_routes(void)
{
    const char *rest = NULL;
    const vw_op_def *d = vw_optable_route("/v1/networks/near", &rest);
    CHECK(d && strcmp(d->name, "network.near") == 0);
    d = vw_optable_route("/v1/networks/audit", &rest);
    CHECK(d && strcmp(d->name, "networks.audit") == 0);
    d = vw_optable_route("/v1/networks/N1", &rest);
    CHECK(d && strcmp(d->name, "network.get") == 0 && strcmp(rest, "N1") == 0);
    d = vw_optable_route("/v1/providers/P%201", &rest);
    CHECK(d && strcmp(d->name, "provider.get") == 0 && strcmp(rest, "P%201") == 0);
    CHECK(vw_optable_route("/v1/match", &rest) == vw_optable_find("match", 5, NULL));
    CHECK(vw_optable_route("/v1/matchx", &rest) == NULL);
    CHECK(vw_optable_route("/v1/reload", &rest) == NULL);
    CHECK(vw_optable_route("/v1/import", &rest) == NULL);
}

static void test_typing(void)
{
    const vw_op_def *refer = vw_optable_find("refer", 5, NULL);
    const vw_op_def *ping = vw_optable_find("ping", 4, NULL);
    const char *canon = NULL;
    CHECK(vw_optable_arg_type(refer, "near", &canon) == VW_ARG_LOC && strcmp(canon, "near") == 0);
    CHECK(vw_optable_arg_type(refer, "problem", &canon) == VW_ARG_STRS &&
          strcmp(canon, "problems") == 0);
    CHECK(vw_optable_arg_type(refer, "score", NULL) == VW_ARG_UINT);
    CHECK(vw_optable_arg_type(refer, "within", NULL) == VW_ARG_NUM);
    CHECK(vw_optable_arg_type(refer, "accepting_only", NULL) == VW_ARG_BOOL);
    /* an argument the op lacks is typed as another op defines it */
    CHECK(vw_optable_arg_type(ping, "geometry", NULL) == VW_ARG_BOOL);
    CHECK(vw_optable_arg_type(ping, "nonsense", &canon) == VW_ARG_STR &&
          strcmp(canon, "nonsense") == 0);
}

static void test_values(void)
{
    const vw_op_def *match = vw_optable_find("match", 5, NULL);
    const vw_op_def *cov = vw_optable_find("coverage", 8, NULL);
    char buf[512];
    vw_op_arg_values_text(vw_op_arg_find(match, "mode"), "\"", ", ", " or ", buf, sizeof buf);
    CHECK_STR(buf, "\"car\", \"bike\", \"walk\" or \"transit\"");
    vw_op_arg_values_text(vw_op_arg_find(cov, "view"), "'", ", ", " or ", buf, sizeof buf);
    CHECK_STR(buf, "'providers' or 'networks'");
    vw_op_arg_values_text(vw_op_arg_find(cov, "region"), "", ", ", ", ", buf, sizeof buf);
    CHECK_STR(buf, "noord, oost, midden, noordwest, west, zuidwest, zuidoost, all");
    vw_op_arg_values_text(vw_op_arg_find(match, "region"), "", ", ", ", ", buf, sizeof buf);
    CHECK_STR(buf, "noord, oost, midden, noordwest, west, zuidwest, zuidoost");
    CHECK(vw_op_arg_value(vw_op_arg_find(match, "discipline"), 0) != NULL);
    CHECK(vw_op_arg_value(vw_op_arg_find(match, "limit"), 0) == NULL);
    char small[8];
    vw_op_arg_values_text(vw_op_arg_find(match, "mode"), "\"", ", ", " or ", small, sizeof small);
    CHECK(strlen(small) < sizeof small); /* cut, never overrun */
}

static void test_codes(void)
{
    /* names round-trip; wire codes first, in the order /metrics counts them */
    for (int c = 0; c < VW_C_COUNT; c++) {
        const vw_code_info *ci = vw_code_get((vw_code)c);
        CHECK(vw_code_find(ci->name) == (vw_code)c);
        CHECK(ci->wire == (c < VW_C_WIRE_COUNT));
        CHECK(vw_code_get(ci->wire_as)->wire);
        CHECK(ci->fhir_issue != NULL && ci->http_status >= 200);
    }
    CHECK(VW_OPS_CODES == VW_C_WIRE_COUNT);
    CHECK_STR(vw_ops_code_name(0), "ok");
    CHECK_STR(vw_ops_code_name(VW_C_INTERNAL), "internal");
    CHECK(vw_ops_code_name(VW_C_WIRE_COUNT) == NULL);
    CHECK(vw_code_find("no such code") == VW_C_INTERNAL && vw_code_find(NULL) == VW_C_INTERNAL);
    CHECK(vw_code_find("") == VW_C_OK);
    /* HTTP statuses (docs/HTTP.md) */
    CHECK(vw_code_get(VW_C_BAD_REQUEST)->http_status == 400);
    CHECK(vw_code_get(VW_C_UNKNOWN_OP)->http_status == 404);
    CHECK(vw_code_get(VW_C_NOT_FOUND)->http_status == 404);
    CHECK(vw_code_get(VW_C_TOO_LARGE)->http_status == 413);
    CHECK(vw_code_get(VW_C_FORBIDDEN)->http_status == 403);
    CHECK(vw_code_get(VW_C_UNAVAILABLE)->http_status == 503);
    CHECK(vw_code_get(VW_C_OVERLOADED)->http_status == 503);
    CHECK(vw_code_get(VW_C_TIMEOUT)->http_status == 504);
    CHECK(vw_code_get(VW_C_INTERNAL)->http_status == 500);
    /* CLI exit codes (README): 3 answered by the server, 4 cannot reach it,
     * 1 a reply that is not our protocol */
    CHECK(vw_code_get(VW_C_NOT_FOUND)->exit_code == VW_EXIT_SERVER);
    CHECK(vw_code_get(VW_C_INVALID)->exit_code == VW_EXIT_SERVER);
    CHECK(vw_code_get(VW_C_CONNECT)->exit_code == VW_EXIT_CONNECT);
    CHECK(vw_code_get(VW_C_IO)->exit_code == VW_EXIT_CONNECT);
    CHECK(vw_code_get(VW_C_TIMEOUT)->exit_code == VW_EXIT_TIMEOUT); /* issue 19: its own exit code */
    CHECK(vw_code_get(VW_C_PROTOCOL)->exit_code == VW_EXIT_FAIL);
    /* what a server sends for a local code it meets (admin imports) */
    CHECK(vw_code_for_wire(VW_E_IO) == VW_C_BAD_REQUEST);
    CHECK(vw_code_for_wire(VW_E_DB) == VW_C_INTERNAL);
    CHECK(vw_code_for_wire(VW_E_INVALID) == VW_C_INVALID);
    CHECK(vw_code_get((vw_code)99) == vw_code_get(VW_C_INTERNAL));
}

static void test_count(void)
{
    static vw_ops_stats st;
    vw_ops_count(&st, VW_PROTO_HTTP, VW_OPS_FHIR, VW_C_NOT_FOUND, vw_ops_now_ns());
    vw_ops_count(&st, VW_PROTO_MSGPACK, 0, VW_C_OK, vw_ops_now_ns());
    vw_ops_count(&st, VW_PROTO_MSGPACK, -5, VW_C_DB, vw_ops_now_ns()); /* -> none, internal */
    vw_ops_count(NULL, VW_PROTO_MSGPACK, 0, VW_C_OK, 0);
    CHECK(st.requests == 3 && st.errors == 2 && st.by_op[0] == 1);
    CHECK(st.by_code[VW_PROTO_HTTP][VW_OPS_FHIR][VW_C_NOT_FOUND] == 1);
    CHECK(st.by_code[VW_PROTO_MSGPACK][0][VW_C_OK] == 1);
    CHECK(st.by_code[VW_PROTO_MSGPACK][VW_OPS_NONE][VW_C_INTERNAL] == 1);
    unsigned long long lat = 0;
    for (int b = 0; b < VW_OPS_LAT_BUCKETS; b++)
        lat += st.lat_bucket[VW_OPS_FHIR][b];
    CHECK(lat == 1);
}

int main(void)
{
    test_ops();
    test_routes();
    test_typing();
    test_values();
    test_codes();
    test_count();
    return T_DONE();
}
