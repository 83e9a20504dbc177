#!/usr/bin/env bash
# test_traveltimes_osm.sh -- making a matrix from OpenStreetMap with
# pgRouting (scripts/traveltimes-build.sh, a temporary PostgreSQL cluster as
# the postgres user) and using it end to end through a real verwijsd:
#  * real data: ../shared/osm/amsterdam-oost.osm.pbf (© OpenStreetMap
#    contributors, ODbL 1.0) with five PC4 points placed inside it, for car,
#    bike and walk; the daemon answers with the matrix's minutes;
#  * the Texel case: a small OSM file written here with two shores joined
#    only by a slow ferry (route=ferry): with the matrix the far shore is not
#    within 15 minutes by car, with the model it is, and coverage changes.
# Skips (77) where the routing tools are not installed (CI installs them).
. "$(dirname "$0")/lib.sh"
B="$VW_SRC/scripts/traveltimes-build.sh"
PBF="$VW_SRC/../shared/osm/amsterdam-oost.osm.pbf"
for t in osmium osm2pgrouting psql; do
  command -v "$t" >/dev/null || { echo "skip: $t not installed (scripts/deps.sh)"; exit 77; }
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 &&
  ls /usr/share/postgresql/*/extension/pgrouting.control >/dev/null 2>&1 ||
  { echo "skip: PostgreSQL with pgRouting not installed"; exit 77; }
[ -r "$PBF" ] || { echo "missing $PBF (../shared/osm)"; exit 1; }
chmod 755 "$T" # the postgres user runs the cluster in here

# ---- Amsterdam-Oost ---------------------------------------------------------
cat >"$T/ams_pc4.csv" <<'CSV'
pc4,place,lat,lon
1091,Amsterdam,52.3520,4.9210
1092,Amsterdam,52.3500,4.9300
1093,Amsterdam,52.3450,4.9400
1094,Amsterdam,52.3400,4.9250
1095,Amsterdam,52.3420,4.9350
CSV
for m in car bike walk; do
  expect_exit 0 "build the $m matrix of amsterdam-oost" "$B" --pbf "$PBF" --pc4 "$T/ams_pc4.csv" \
    --mode "$m" --out "$T/ams_$m.csv" --work "$T/work_ams" --batch 2
  check "$m: a progress line" grep -q "origins 5/5" "$T/err"
  check "$m: pairs written" test "$(wc -l <"$T/ams_$m.csv")" -ge 10
done
# resumable: a second run finds every batch done and rewrites the same file
cp "$T/ams_walk.csv" "$T/ams_walk.first"
rm "$T/work_ams/walk/00002.csv"
expect_exit 0 "resume after losing a batch" "$B" --pbf "$PBF" --pc4 "$T/ams_pc4.csv" \
  --mode walk --out "$T/ams_walk.csv" --work "$T/work_ams" --batch 2
check "resume routes only the missing batch" grep -q "origins 4/5" "$T/err"
check "resume gives the same matrix" cmp -s "$T/ams_walk.csv" "$T/ams_walk.first"
check "the cluster is stopped at the end" test ! -e "$T/work_ams/pg/data/postmaster.pid"

ADB="$T/ams.db"
cat >"$T/ams_prov.csv" <<'CSV'
id,name,discipline,expertise,lat,lon,address,postcode,city,phone,email,website,networks,accepting,online
P-A,Fysio Oost,fysiotherapeut,,52.3452,4.9401,,1093 AA,Amsterdam,,,,,1,0
P-B,Fysio Dapper,fysiotherapeut,,52.3421,4.9352,,1095 AB,Amsterdam,,,,,1,0
CSV
expect_exit 0 "import pc4 (amsterdam)" "$V" import pc4 "$T/ams_pc4.csv" --db "$ADB"
expect_exit 0 "import providers (amsterdam)" "$V" import providers "$T/ams_prov.csv" --db "$ADB"
for m in car bike walk; do
  expect_exit 0 "import the $m matrix" "$V" import traveltimes "$T/ams_$m.csv" --mode "$m" --db "$ADB"
done
start_daemon "$ADB"
for m in car bike walk; do
  "$V" match --near 1094 --discipline fysiotherapeut --mode "$m" --json >"$T/am_$m.json"
  check "$m: the daemon's minutes are the matrix's" python3 - "$T/am_$m.json" "$T/ams_$m.csv" <<'PY'
import csv, json, sys
r = json.load(open(sys.argv[1]))
m = {(a, b): float(t) for a, b, t in list(csv.reader(open(sys.argv[2])))[1:]}
assert r["travel_times"] == "matrix", r
for p in r["providers"]:
    key = ("1094", p["postcode"][:4])
    if key in m:
        assert p["time_source"] == "matrix" and abs(p["minutes"] - m[key]) < 1e-9, (p, m[key])
    else:
        assert p["time_source"] == "model", p
assert any(p["time_source"] == "matrix" for p in r["providers"]), r
PY
done
stop_daemon

# ---- the Texel case: two shores, one slow ferry ------------------------------
python3 - "$T/ferry.osm" <<'PY'
import sys
nodes, ways = [], []
def node(i, lat, lon):
    nodes.append('  <node id="%d" version="1" lat="%.6f" lon="%.6f"/>' % (i, lat, lon))
def way(i, refs, tags):
    nd = "".join('<nd ref="%d"/>' % r for r in refs)
    tg = "".join('<tag k="%s" v="%s"/>' % kv for kv in tags)
    ways.append('  <way id="%d" version="1">%s%s</way>' % (i, nd, tg))
# a road on each shore, 11 nodes 0.01 deg of longitude apart (ids ascending,
# as in every OSM extract: osm2pgrouting relies on it)
for k in range(11):
    node(100 + k, 52.950, 4.70 + 0.01 * k)   # the mainland (Den Helder)
for k in range(11):
    node(200 + k, 53.000, 4.70 + 0.01 * k)   # the island (Texel)
way(1, list(range(100, 111)), [("highway", "secondary")])
way(2, list(range(200, 211)), [("highway", "secondary")])
way(3, [105, 205], [("route", "ferry"), ("name", "Marsdiep")])  # 5.6 km, the only link
open(sys.argv[1], "w").write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
                             + "\n".join(nodes + ways) + "\n</osm>\n")
PY
cat >"$T/ferry_pc4.csv" <<'CSV'
pc4,place,lat,lon
1781,Den Helder,52.9510,4.7500
1782,Den Helder,52.9510,4.7900
1791,Den Burg,52.9990,4.7500
CSV
expect_exit 0 "build the ferry car matrix" "$B" --pbf "$T/ferry.osm" --pc4 "$T/ferry_pc4.csv" \
  --mode car --out "$T/ferry_car.csv" --work "$T/work_ferry"
check "the ferry crossing takes longer than 15 minutes" python3 - "$T/ferry_car.csv" <<'PY'
import csv, sys
m = {(a, b): float(t) for a, b, t in list(csv.reader(open(sys.argv[1])))[1:]}
assert m[("1781", "1791")] > 25 and m[("1791", "1781")] > 25, m
assert m[("1781", "1782")] < 10, m
PY
cat >"$T/ferry_prov.csv" <<'CSV'
id,name,discipline,expertise,lat,lon,address,postcode,city,phone,email,website,networks,accepting,online
P-ISLAND,Psycholoog Den Burg,psycholoog,,52.9990,4.7500,,1791 AA,Den Burg,,,,,1,0
P-MAIN,Psycholoog Den Helder,psycholoog,,52.9510,4.7900,,1782 AB,Den Helder,,,,,1,0
D-ISLAND,Dietist Den Burg,dietist,,52.9990,4.7510,,1791 AB,Den Burg,,,,,1,0
CSV
MDB="$T/model.db"
FDB="$T/ferry.db"
for db in "$MDB" "$FDB"; do
  expect_exit 0 "import pc4 (ferry)" "$V" import pc4 "$T/ferry_pc4.csv" --db "$db"
  expect_exit 0 "import providers (ferry)" "$V" import providers "$T/ferry_prov.csv" --db "$db"
done
expect_exit 0 "import the ferry matrix" "$V" import traveltimes "$T/ferry_car.csv" --mode car --db "$FDB"

start_daemon "$MDB"
"$V" match --near 1781 --discipline psycholoog --within 15 --json >"$T/model.json"
"$V" coverage --discipline dietist --within 15 --json >"$T/model_cov.json" 2>"$T/cov.err" ||
  cat "$T/cov.err" >&2
stop_daemon
start_daemon "$FDB"
"$V" match --near 1781 --discipline psycholoog --within 15 --json >"$T/matrix.json"
"$V" coverage --discipline dietist --within 15 --json >"$T/matrix_cov.json" 2>"$T/cov.err" ||
  cat "$T/cov.err" >&2
stop_daemon
check "model: the island is within 15 minutes of Den Helder" python3 - "$T/model.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ids = [p["id"] for p in r["providers"]]
assert r["travel_times"] == "model" and "P-ISLAND" in ids, r
assert all(p["time_source"] == "model" for p in r["providers"])
PY
check "matrix: the island is not within 15 minutes; the mainland is" python3 - "$T/matrix.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ids = [p["id"] for p in r["providers"]]
assert r["travel_times"] == "matrix" and ids == ["P-MAIN"], r
assert r["providers"][0]["time_source"] == "matrix"
PY
check "coverage: 1781 covered by the model, not by the matrix" python3 - "$T/model_cov.json" "$T/matrix_cov.json" <<'PY'
import json, sys
def white(path):
    r = json.load(open(path))
    return r, {p["pc4"]: p for p in r["white_spots"]}
m, wm = white(sys.argv[1])
x, wx = white(sys.argv[2])
assert m["need"]["travel_times"] == "model" and x["need"]["travel_times"] == "matrix", (m["need"], x["need"])
assert m["total"]["covered_pc4"] == 3 and not wm, m  # the model: all three covered
assert x["total"]["covered_pc4"] == 1 and set(wx) == {"1781", "1782"}, x  # only the island
assert wx["1781"]["nearest"]["time_source"] == "matrix" and wx["1781"]["nearest"]["minutes"] > 15
PY
finish
