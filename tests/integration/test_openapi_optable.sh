#!/usr/bin/env bash
# test_openapi_optable.sh -- docs/openapi.yaml says what the op table
# (server/ops/optable.c, printed by vw_optable_md --json) says: the same /v1
# routes, and per route the same query parameters (an alias counts as its
# argument), the path id, the allowed values of enum arguments, the bounds
# of numbers and lists, and which parameters are required.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "vw_optable_md --json" "$VW_BIN/vw_optable_md" --json
cp "$T/out" "$T/optable.json"
check "openapi.yaml agrees with the op table" python3 - "$T/optable.json" "$VW_SRC/docs/openapi.yaml" <<'PY'
import json, sys, yaml
table = json.load(open(sys.argv[1]))
spec = yaml.safe_load(open(sys.argv[2]))
bad = []

def resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        cur = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            cur = cur[part]
        node = cur
    return node

routes = {}
for op, d in table.items():
    if d["route"]:
        routes[d["route"] + ("{%s}" % d["path_arg"] if d["path_arg"] else "")] = (op, d)
paths = {p: v for p, v in spec["paths"].items() if p.startswith("/v1/")}
for p in sorted(set(routes) ^ set(paths)):
    bad.append("route %s is in %s only" % (p, "the op table" if p in routes else "openapi.yaml"))
for p, (op, d) in sorted(routes.items()):
    if p not in paths:
        continue
    params = [resolve(x) for x in paths[p]["get"].get("parameters", [])]
    query = {x["name"]: x for x in params if x["in"] == "query"}
    path = [x["name"] for x in params if x["in"] == "path"]
    if path != ([d["path_arg"]] if d["path_arg"] else []):
        bad.append("%s: path parameters %s" % (p, path))
    args = {a["name"]: a for a in d["args"] if a["name"] != d["path_arg"]}
    by_doc = {}
    for name in query:
        a = args.get(name) or next((a for a in args.values() if a["alias"] == name), None)
        if a is None:
            bad.append("%s: documented parameter %s is no argument of %s" % (p, name, op))
        else:
            by_doc[a["name"]] = query[name]
    for name in sorted(set(args) - set(by_doc)):
        bad.append("%s: argument %s of %s is not documented" % (p, name, op))
    for name, x in by_doc.items():
        a, s = args[name], resolve(x.get("schema", {}))
        where = "%s %s" % (p, name)
        if bool(x.get("required")) != a["required"]:
            bad.append("%s: required %s in openapi, %s in the table" % (where, x.get("required"), a["required"]))
        if a["type"] == "enum" and s.get("enum") != a["values"]:
            bad.append("%s: enum %s, table %s" % (where, s.get("enum"), a["values"]))
        if a["type"] == "uint" and (s.get("type") != "integer" or s.get("minimum") != a["min"] or s.get("maximum") != a["max"]):
            bad.append("%s: %s, table uint %g..%g" % (where, s, a["min"], a["max"]))
        if a["type"] == "num" and (s.get("type") != "number" or s.get("minimum") != a["min"] or s.get("maximum") != a["max"]):
            bad.append("%s: %s, table number %g..%g" % (where, s, a["min"], a["max"]))
        if a["type"] == "bool" and s.get("type") != "boolean":
            bad.append("%s: %s, table bool" % (where, s))
        if a["type"] == "strs" and s.get("type") == "array" and s.get("maxItems") not in (None, a["max"]):
            bad.append("%s: maxItems %s, table %g" % (where, s.get("maxItems"), a["max"]))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
if [ -s "$T/err" ]; then cat "$T/err" >&2; fi
finish
