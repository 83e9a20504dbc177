#!/usr/bin/env python3
"""http_check.py -- checks a running verwijsd HTTP gateway against
docs/openapi.yaml: every documented route answers its documented example with
200 and a body valid under its schema; HEAD works; other methods are a JSON 405;
every documented parameter is known to the server (a valid value is never
`bad_request`), every typed one rejects garbage with a JSON 400; missing
required parameters, unknown parameters, unknown ids/postcodes, too many
parameters and unknown routes answer the protocol's error codes with their
fixed statuses; the HTTP layer's limits (oversize header, oversize body) answer
and the server keeps serving; /metrics parses as Prometheus text and counts
exactly the op requests made here.

usage: http_check.py HOST PORT SPEC UNKNOWN_PC4
Needs python3-yaml (scripts/deps.sh). Prints one line per failure; exit 1 on any.
"""
import http.client
import json
import re
import socket
import sys

import yaml

HOST, PORT, SPEC, UNKNOWN_PC4 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
spec = yaml.safe_load(open(SPEC))
STATUS = {"bad_request": 400, "unknown_op": 404, "not_found": 404, "too_large": 413,
          "unavailable": 503, "forbidden": 403, "overloaded": 503, "timeout": 504,
          "internal": 500}
fails = []
counted = {}   # (op, code) -> requests made here that reach the ops layer
passed = 0


def fail(msg):
    fails.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def check(cond, msg):
    global passed
    if cond:
        passed += 1
    else:
        fail(msg)
    return cond


def resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        cur = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            cur = cur[part]
        node = cur
    return node


def validate(value, schema, where):
    """A small JSON-schema subset: $ref, allOf, type, nullable, required,
    properties, items, enum. Returns a list of problems."""
    schema = resolve(schema)
    probs = []
    if "allOf" in schema:
        for sub in schema["allOf"]:
            probs += validate(value, sub, where)
        return probs
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null not allowed"]
    t = schema.get("type")
    ok = {"object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
          "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
          "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
          "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}
    if t and not ok[t](value):
        return [f"{where}: expected {t}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        probs.append(f"{where}: {value!r} not in {schema['enum']}")
    if t == "object":
        for k in schema.get("required", []):
            if k not in value:
                probs.append(f"{where}: missing required '{k}'")
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                probs += validate(value[k], sub, f"{where}.{k}")
    if t == "array" and "items" in schema:
        for i, item in enumerate(value[:50]):
            probs += validate(item, schema["items"], f"{where}[{i}]")
    return probs


def request(method, target, headers=None, body=None):
    c = http.client.HTTPConnection(HOST, PORT, timeout=30)
    c.request(method, target, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def query(params):
    from urllib.parse import quote
    parts = []
    for k, v in params:
        parts.append(f"{quote(k)}={quote(str(v), safe=',')}")
    return "&".join(parts)


def valid_value(p):
    """A value the server must accept for documented parameter p."""
    s = resolve(p.get("schema", {}))
    if "example" in p:
        return p["example"]
    if "enum" in s:
        return s["enum"][0]
    t = s.get("type")
    if t == "boolean":
        return "true"
    if t == "integer":
        return s.get("minimum", 1) or 1
    if t == "number":
        return 10
    if s.get("format") == "date":
        return "2026-06-01"
    if p["name"] == "region":
        return "all"
    if p["name"] == "fields":
        # every key of a provider: the full answer, valid under the Provider schema
        return ",".join(spec["components"]["schemas"]["Provider"]["properties"])
    return "x"


def expand(name, value):
    if isinstance(value, list):
        return [(name, v) for v in value]
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    return [(name, value)]


def op_call(route, op, method, target, documented, expect_status=None, expect_code=None,
            what=""):
    """Run one request against an op route; check the JSON/error contract."""
    status, hdrs, data = request(method, target)
    label = f"{method} {route} {what}".strip()
    if method == "HEAD":
        check(len(data) == 0, f"{label}: HEAD has a body")
        code = "ok" if status == 200 else None
        if code is None:
            for c, s in STATUS.items():
                if s == status:
                    code = c  # HEAD cannot show the code; only used for counting below
        counted[(op, code)] = counted.get((op, code), 0) + 1
        return status, None
    check(hdrs.get("content-type", "").startswith("application/json"),
          f"{label}: content-type {hdrs.get('content-type')}")
    try:
        body = json.loads(data)
    except ValueError:
        fail(f"{label}: body is not JSON: {data[:200]!r}")
        return status, None
    check(str(status) in documented, f"{label}: status {status} is not documented for {route}")
    if status == 200:
        code = "ok"
    else:
        probs = validate(body, {"$ref": "#/components/schemas/Error"}, "error")
        if not check(not probs, f"{label}: error body: {probs}"):
            return status, body
        code = body["error"]["code"]
        check(STATUS[code] == status, f"{label}: code {code} came with status {status}")
    if op:
        counted[(op, code)] = counted.get((op, code), 0) + 1
    if expect_status is not None:
        check(status == expect_status,
              f"{label}: status {status}, expected {expect_status}: {data[:300]!r}")
    if expect_code is not None:
        check(code == expect_code, f"{label}: code {code}, expected {expect_code}")
    return status, body


def metrics():
    status, hdrs, data = request("GET", "/metrics")
    check(status == 200 and hdrs.get("content-type", "").startswith("text/plain"),
          f"/metrics: {status} {hdrs.get('content-type')}")
    samples, types = {}, {}
    sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in data.decode().splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            check(typ in ("counter", "gauge", "histogram", "summary", "untyped"),
                  f"/metrics: bad TYPE line {line!r}")
            types[name] = typ
            continue
        m = sample_re.match(line)
        if not check(m is not None, f"/metrics: line does not parse: {line!r}"):
            continue
        name, labels = m.group(1), tuple(sorted(label_re.findall(m.group(3) or "")))
        try:
            value = float(m.group(4))
        except ValueError:
            fail(f"/metrics: bad value in {line!r}")
            continue
        base = re.sub(r'_(bucket|sum|count)$', '', name)
        check(name in types or base in types, f"/metrics: sample {name} has no TYPE")
        samples[(name, labels)] = value
    return samples


def http_requests(samples):
    out = {}
    for (name, labels), v in samples.items():
        d = dict(labels)
        if name == "verwijs_requests_total" and d.get("proto") == "http":
            out[(d["op"], d["code"])] = v
    return out


before = metrics()

for route, item in spec["paths"].items():
    get = item["get"]
    op = get.get("x-verwijs-op")
    documented = set(get["responses"])
    params = [resolve(p) for p in get.get("parameters", [])]
    qparams = [p for p in params if p["in"] == "query"]
    path = route
    for p in params:
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", str(p["example"]))
    example = []
    for p in qparams:
        if p.get("required") or "example" in p:
            example += expand(p["name"], valid_value(p))
    target = path + ("?" + query(example) if example else "")

    # the documented example: 200 with a body valid under the 200 schema
    if op:
        status, body = op_call(route, op, "GET", target, documented, 200, "ok", "example")
    else:
        status, hdrs, data = request("GET", target)
        check(status == 200, f"GET {route}: status {status}")
        body = json.loads(data) if hdrs.get("content-type", "").startswith("application/json") else None
    content = resolve(get["responses"]["200"])["content"]
    schema = next(iter(content.values()))["schema"]
    if body is not None:
        probs = validate(body, schema, route)
        check(not probs, f"GET {route}: body does not match the schema: {probs[:5]}")

    # HEAD answers like GET without a body; other methods are a JSON 405
    if op:
        op_call(route, op, "HEAD", target, documented, 200)
    else:
        status, _, data = request("HEAD", target)
        check(status == 200 and not data, f"HEAD {route}: {status}, {len(data)} bytes")
    for method in ("POST", "PUT", "DELETE"):
        status, hdrs, data = request(method, target)
        check(status == 405 and "GET" in hdrs.get("allow", ""), f"{method} {route}: {status}")
        try:
            check(json.loads(data)["error"]["code"] == "bad_request", f"{method} {route}: code")
        except (ValueError, KeyError, TypeError):
            fail(f"{method} {route}: 405 body is not the JSON error: {data[:200]!r}")
    if not op:
        continue

    # every documented parameter is known: a valid value is never bad_request
    for p in qparams:
        if any(k == p["name"] for k, _ in example):
            continue
        extra = example + expand(p["name"], valid_value(p))
        status, body = op_call(route, op, "GET", path + "?" + query(extra), documented,
                               what=f"with {p['name']}")
        check(status == 200 or (body and body["error"]["code"] != "bad_request"),
              f"GET {route}: documented parameter '{p['name']}' is refused: {body}")
    # typed parameters reject garbage with bad_request
    for p in qparams:
        s = resolve(p.get("schema", {}))
        if s.get("type") in ("integer", "number", "boolean") or "enum" in s or p["name"] == "near":
            bad = [(k, v) for k, v in example if k != p["name"]] + [(p["name"], "zz!")]
            op_call(route, op, "GET", path + "?" + query(bad), documented, 400, "bad_request",
                    f"bad {p['name']}")
    # missing required parameters
    for p in qparams:
        if p.get("required"):
            rest = [(k, v) for k, v in example if k != p["name"]]
            op_call(route, op, "GET", path + ("?" + query(rest) if rest else ""), documented,
                    400, "bad_request", f"without {p['name']}")
    # unknown parameter
    op_call(route, op, "GET", path + "?" + query(example + [("bogus", "1")]), documented, 400,
            "bad_request", "unknown parameter")
    # too many parameters (http_max_params = 64 by default)
    if "413" in documented:
        many = example + [(f"p{i}", "1") for i in range(70)]
        op_call(route, op, "GET", path + "?" + query(many), documented, 413, "too_large",
                "too many parameters")
    # unknown ids and postcodes
    if "{id}" in route:
        op_call(route, op, "GET", route.replace("{id}", "NO%20SUCH%20ID"), documented, 404,
                "not_found", "unknown id")
    if any(p["name"] == "near" for p in qparams):
        unknown = [(k, UNKNOWN_PC4 if k == "near" else v) for k, v in example]
        op_call(route, op, "GET", path + "?" + query(unknown), documented, 404, "not_found",
                "unknown postcode")
        point = [(k, "52.09,5.12" if k == "near" else v) for k, v in example]
        op_call(route, op, "GET", path + "?" + query(point), documented, 200, "ok", "near lat,lon")
        outside = [(k, "48.85,2.35" if k == "near" else v) for k, v in example]
        op_call(route, op, "GET", path + "?" + query(outside), documented, 400, "bad_request",
                "near outside NL")

# routes that do not exist
for target in ("/", "/v1", "/v1/nothing", "/v2/match?near=3511", "/v1/match/extra"):
    status, hdrs, data = request("GET", target)
    try:
        err = json.loads(data)["error"]
        check(status == 404 and err["code"] == "unknown_op", f"GET {target}: {status} {err}")
    except (ValueError, KeyError, TypeError):
        fail(f"GET {target}: not a JSON error: {status} {data[:200]!r}")

# the HTTP layer's limits: oversize header, oversize body -- answered, server still serves
status, _, _ = request("GET", "/healthz", headers={"X-Big": "a" * 20000})
check(status in (400, 413, 431), f"oversize header: status {status}")
status, _, _ = request("GET", "/v1/match?near=" + "1" * 20000)
check(status in (400, 413, 414), f"oversize request line: status {status}")
status, _, _ = request("POST", "/v1/match", body=b"x" * 100000)
check(status == 413, f"oversize body: status {status}")
s = socket.create_connection((HOST, PORT), timeout=10)
s.sendall(b"BREW /v1/match HTTP/1.1\r\nHost: x\r\n\r\n")
reply = s.recv(4096)
s.close()
# an unknown method is 405 (or a 4xx/501 from a stricter layer)
check(reply.startswith(b"HTTP/1.1 4") or reply.startswith(b"HTTP/1.1 501"),
      f"unknown method: {reply[:40]!r}")
status, _, _ = request("GET", "/healthz")
check(status == 200, f"server still answers after the limit tests: {status}")

# /metrics counts exactly the op requests made here (nothing else talks HTTP meanwhile)
after = metrics()
b, a = http_requests(before), http_requests(after)
for key, n in sorted(counted.items(), key=str):
    if key[1] is None:
        continue
    got = a.get(key, 0) - b.get(key, 0)
    check(got == n, f"/metrics: requests_total{{proto=http,op={key[0]},code={key[1]}}} "
                    f"grew by {got}, {n} requests were made")
hist = {}
for (name, labels), v in after.items():
    if name == "verwijs_request_duration_seconds_bucket":
        d = dict(labels)
        hist.setdefault(d["op"], []).append((float(d["le"]), v))
for op_name, buckets in hist.items():
    counts = [v for _, v in sorted(buckets)]
    check(counts == sorted(counts), f"/metrics: histogram of {op_name} is not cumulative")
    check(sorted(buckets)[-1][0] == float("inf"), f"/metrics: histogram of {op_name} lacks +Inf")
# (requests refused before the ops layer -- too many parameters -- have no latency)
match_ok = sum(n for (o, c), n in counted.items() if o == "match" and c != "too_large")
check(after.get(("verwijs_request_duration_seconds_count", (("op", "match"),)), 0) >= match_ok,
      "/metrics: match latency count below the match requests made")
for name in ("verwijs_snapshot_age_seconds", "verwijs_snapshot_providers",
             "verwijs_snapshot_networks", "verwijs_snapshot_loaded"):
    check((name, ()) in after, f"/metrics: {name} missing")
check(after.get(("verwijs_snapshot_loaded", ()), 0) == 1, "/metrics: snapshot not loaded")
check(after.get(("verwijs_connections_total", (("proto", "http"),)), 0) > 0,
      "/metrics: no HTTP connections counted")
check(("verwijs_reloads_total", (("result", "ok"),)) in after, "/metrics: reloads ok missing")

print(f"http_check: {passed} passed, {len(fails)} failed")
sys.exit(1 if fails else 0)
