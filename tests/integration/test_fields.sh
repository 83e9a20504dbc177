#!/usr/bin/env bash
# test_fields.sh -- the `fields` argument of match and refer on a real
# verwijsd: for random queries the answer with `fields` (ids, a list, a
# comma-separated string) is the projection of the full answer (the same
# providers in the same order, only the chosen keys, in the full answer's
# key order; everything outside the provider objects unchanged), over raw
# msgpack, HTTP/JSON and the CLI; naming every key gives the default answer
# byte for byte; unknown names are refused with the known ones listed.
. "$(dirname "$0")/lib.sh"
need_geodata

gen_db 3000 18
start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
H="http://127.0.0.1:$(cat "$T/hport")"

# ---- msgpack: random match and refer queries, projections, errors ----
python3 - "$PORT" "$DB" "$VW_SRC/tests/integration" > "$T/wire.out" 2>&1 <<'PY'
import random, sqlite3, sys
port, db, lib = sys.argv[1:]
sys.path.insert(0, lib)
import vwwire as w

c = w.Checks("fields over msgpack")
s = w.conn(int(port), timeout=20)
rng = random.Random(18)
pc4s = sorted({r[0][:4] for r in sqlite3.connect(db).execute(
    "SELECT postcode FROM providers WHERE postcode IS NOT NULL AND length(postcode) >= 4")})
DISC = ["fysiotherapeut", "dietist", "psycholoog", "huisarts", "oefentherapeut", "ergotherapeut"]
IDS = ["id", "km", "minutes", "time_source"]
ALL = None  # the keys of a full provider object with a hit, learned below
rid = [0]

def call(op, args):
    rid[0] += 1
    return w.call(s, rid[0], op, args)

def project(p, keys):
    return {k: v for k, v in p.items() if k in keys}

def same_but_providers(full, part, keys, what):
    """full and part agree outside provider lists; inside, part is the projection."""
    if isinstance(full, dict):
        c.check(what + ": same keys", list(full) == list(part))
        for k in full:
            if k in ("providers", "online") and isinstance(full[k], list):
                c.check(f"{what}: {k} same count", len(full[k]) == len(part[k]))
                for a, b in zip(full[k], part[k]):
                    c.check(f"{what}: {k} projection ({a.get('id')})", project(a, keys) == b
                            and list(b) == [x for x in a if x in keys])
            else:
                same_but_providers(full[k], part[k], keys, what + "." + str(k))
    elif isinstance(full, list):
        c.check(what + ": same length", len(full) == len(part))
        for i, (a, b) in enumerate(zip(full, part)):
            same_but_providers(a, b, keys, f"{what}[{i}]")
    else:
        c.check(what + ": same value", full == part)

nonempty = 0
for q in range(40):
    args = {"near": rng.choice(pc4s)}
    if rng.random() < 0.8:
        args["discipline"] = rng.choice(DISC)
    if rng.random() < 0.3:
        args["expertise"] = "oncologie"
    if rng.random() < 0.5:
        args["within"] = rng.choice([10, 15, 30, 60])
    args["limit"] = rng.randint(1, 30)
    if rng.random() < 0.3:
        args["include_online"] = True
    body, full = call("match", args)
    full_id = rid[0]
    c.check(f"match {q} ok", full and full["ok"])
    res = full["result"]
    nonempty += len(res["providers"]) > 0
    for p in res["providers"]:
        if ALL is None or len(p) > len(ALL):
            ALL = list(p)
    subset = rng.sample(ALL or IDS, rng.randint(1, len(ALL or IDS)))
    for form, keys in (("ids", IDS), (subset, subset), (",".join(subset), subset)):
        _, part = call("match", dict(args, fields=form))
        c.check(f"match {q} fields={form} ok", part and part["ok"])
        if part and part["ok"]:
            same_but_providers(res, part["result"], set(keys), f"match {q} {form}")
    # naming every key is the default answer, byte for byte (same request id)
    if ALL:
        b2, _ = w.call(s, full_id, "match", dict(args, fields=ALL))
        c.check(f"match {q}: all fields == default, byte for byte", b2 == body)
c.check("some matches found providers", nonempty >= 20)
c.check("a full provider has 28 keys", ALL is not None and len(ALL) == 28 and ALL[:1] == ["id"])

PROBLEMS = ["darmklachten", "vermoeidheid", "seksualiteit", "angst", "pijn"]
for q in range(10):
    args = {"near": rng.choice(pc4s), "problems": rng.sample(PROBLEMS, rng.randint(1, 3)),
            "within": 30}
    if rng.random() < 0.3:
        args["score"] = rng.randint(0, 10)
    _, full = call("refer", args)
    if not (full and full["ok"]):
        c.check(f"refer {q} ok: {full and full.get('error')}", False)
        continue
    for form, keys in (("ids", IDS), (["id", "name", "minutes"], ["id", "name", "minutes"])):
        _, part = call("refer", dict(args, fields=form))
        c.check(f"refer {q} fields={form} ok", part and part["ok"])
        if part and part["ok"]:
            same_but_providers(full["result"], part["result"], set(keys), f"refer {q} {form}")

# refused: unknown names, empty names, wrong types, too many
for bad in ("idz", ["id", "nope"], "id,,name", "", [], 7, ["id"] * 40):
    _, r = call("match", {"near": pc4s[0], "fields": bad})
    c.check(f"fields={bad!r} refused", r and not r["ok"] and r["error"]["code"] == "bad_request")
_, r = call("match", {"near": pc4s[0], "fields": "idz"})
m = r["error"]["message"] if r and not r["ok"] else ""
c.check("the message names the field and lists the known ones",
        "'idz'" in m and "ids" in m and "time_source" in m and "wait_confirmed" in m)
_, r = call("provider.get", {"id": "x", "fields": "ids"})
c.check("provider.get has no fields", r and not r["ok"] and r["error"]["code"] == "bad_request")
sys.exit(c.done())
PY
rc=$?
cat "$T/wire.out"
check "fields over msgpack" test "$rc" = 0

# ---- HTTP/JSON and CLI: the projection of the full answer ----
proj() { # FULL PART KEYS(comma) -> exit 0 when PART's providers are FULL's projected
  python3 - "$@" <<'PY'
import json, sys
full, part = (json.load(open(p)) for p in sys.argv[1:3])
keys = sys.argv[3].split(",")
assert list(full) == list(part), (list(full), list(part))
for k in full:
    if k in ("providers", "online"):
        assert [{x: v for x, v in a.items() if x in keys} for a in full[k]] == part[k]
    else:
        assert full[k] == part[k], k
assert full["providers"], "no providers to compare"
PY
}
Q="near=3511&discipline=fysiotherapeut&within=30&limit=20&include_online=true"
curl -s "$H/v1/match?$Q" > "$T/h_full.json"
curl -s "$H/v1/match?$Q&fields=ids" > "$T/h_ids.json"
check "HTTP fields=ids is the projection" proj "$T/h_full.json" "$T/h_ids.json" id,km,minutes,time_source
curl -s "$H/v1/match?$Q&fields=id,name,minutes" > "$T/h_list.json"
check "HTTP fields=id,name,minutes is the projection" proj "$T/h_full.json" "$T/h_list.json" id,name,minutes
curl -s "$H/v1/match?$Q&fields=name&fields=city" > "$T/h_rep.json"
check "HTTP repeated fields is the projection" proj "$T/h_full.json" "$T/h_rep.json" name,city
check "HTTP ids answer is smaller" test "$(wc -c < "$T/h_ids.json")" -lt "$(( $(wc -c < "$T/h_full.json") / 3 ))"
code=$(curl -s -o "$T/h_bad.json" -w '%{http_code}' "$H/v1/match?$Q&fields=id,colour")
check "HTTP unknown field is 400" test "$code" = 400
check "HTTP unknown field: bad_request naming it" grep -q "bad_request.*colour" "$T/h_bad.json"
curl -s "$H/v1/refer?near=3511&problem=darmklachten&problem=vermoeidheid" > "$T/r_full.json"
curl -s "$H/v1/refer?near=3511&problem=darmklachten&problem=vermoeidheid&fields=ids" > "$T/r_ids.json"
check "HTTP refer fields=ids keeps the plan" python3 -c "
import json; f=json.load(open('$T/r_full.json')); p=json.load(open('$T/r_ids.json'))
assert f['networks']==p['networks'] and f['step']==p['step']
for a,b in zip(f['needs'],p['needs']):
    assert [x['id'] for x in a['providers']]==[x['id'] for x in b['providers']]
    assert all(list(x)==['id','km','minutes','time_source'] for x in b['providers'])"

expect_exit 0 "CLI match full" "$V" match --near 3511 --discipline dietist --limit 15 --json
mv "$T/out" "$T/c_full.json"
expect_exit 0 "CLI match --fields ids" "$V" match --near 3511 --discipline dietist --limit 15 --fields ids --json
check "CLI --fields ids is the projection" proj "$T/c_full.json" "$T/out" id,km,minutes,time_source
expect_exit 0 "CLI match --fields LIST" "$V" match --near 3511 --discipline dietist --limit 15 --fields id,phone,accepting --json
check "CLI --fields LIST is the projection" proj "$T/c_full.json" "$T/out" id,phone,accepting
expect_exit 0 "CLI match --fields ids as a table" "$V" match --near 3511 --discipline dietist --fields ids
expect_exit 3 "CLI unknown field: the server refuses" "$V" match --near 3511 --fields id,colour
check "CLI unknown field named" grep -q "colour" "$T/err"
expect_exit 2 "CLI malformed --fields" "$V" match --near 3511 --fields 'id;name'
expect_exit 0 "CLI match --help mentions --fields" "$V" match --help
check "help lists --fields" grep -q -- "--fields" "$T/out"

stop_daemon
check "daemon exit 0" test $? = 0
privacy_check "$T/verwijsd.log"
echo "test_fields.sh: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
