#!/usr/bin/env bash
# test_netmap.sh -- network kinds and the national network map on a real
# verwijsd: the generated national mix of kinds; the NVPO audit only for
# oncology care networks; network.near and refer filter by kind (equal to
# a Python scan of the SQLite rows for which networks may appear); the
# networks.map op over msgpack and HTTP equal to counts computed here from
# SQLite; GeoJSON, SVG and PNG (decoded: the kinds' colours are drawn).
. "$(dirname "$0")/lib.sh"
need_geodata

gen_db 6000 5
expect_exit 0 "import regions 2024" "$V" import regions "$VW_GEODATA/gemeente_2024.geojson" --db "$DB"
start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
H="http://127.0.0.1:$(cat "$T/hport")"

check "gen: the three kinds" python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
k = dict(c.execute("select kind, count(*) from networks group by kind"))
assert set(k) == {'oncologiezorgnetwerk', 'oncologienetwerk', 'palliatief'}, k
assert k['oncologiezorgnetwerk'] == 27 and k['palliatief'] == 20 and k['oncologienetwerk'] == 7, k
PY

expect_exit 0 "audit" "$V" networks audit --json
check "audit: only oncology care networks" python3 - "$DB" "$T/out" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); a = json.load(open(sys.argv[2]))
zorg = {r[0] for r in c.execute("select id from networks where kind = 'oncologiezorgnetwerk'")}
assert {n['id'] for n in a['networks']} == zorg and a['other_kinds'] == 27
PY
pall=$(sqlite3 "$DB" "select id from networks where kind='palliatief' limit 1" 2>/dev/null || python3 -c "
import sqlite3; print(sqlite3.connect('$DB').execute(\"select id from networks where kind='palliatief' limit 1\").fetchone()[0])")
expect_exit 0 "network.get palliatief" "$V" network "$pall" --json
check "no NVPO verdict on a palliative network" python3 -c "
import json; n=json.load(open('$T/out')); assert n['kind']=='palliatief' and n['meets_criteria'] is None"

# network.near / refer by kind: only networks of that kind; default the NVPO kind
for k in "" oncologienetwerk palliatief all; do
  args=(); [ -n "$k" ] && args=(--kind "$k")
  expect_exit 0 "near $k" "$V" networks near --near 3511 --within 60 --limit 20 "${args[@]}" --json
  cp "$T/out" "$T/near_$k.json"
  check "near kind '$k' only that kind" python3 - "$DB" "$T/near_$k.json" "${k:-oncologiezorgnetwerk}" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); r = json.load(open(sys.argv[2])); k = sys.argv[3]
kinds = dict(c.execute("select id, kind from networks"))
assert all(k == 'all' or kinds[n['id']] == k for n in r['networks']), r['networks'][:2]
assert all(n['kind'] == kinds[n['id']] for n in r['networks'])
PY
done
check "near default finds oncology care networks" python3 -c "
import json; assert json.load(open('$T/near_.json'))['count'] > 0"
check "near all >= near default" python3 -c "
import json; assert json.load(open('$T/near_all.json'))['count'] >= json.load(open('$T/near_.json'))['count']"
expect_exit 0 "refer palliatief" "$V" refer --near 3511 --problem vermoeidheid --within 60 --network-kind palliatief --json
check "refer plans only networks of the kind" python3 - "$DB" "$T/out" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); r = json.load(open(sys.argv[2]))
kinds = dict(c.execute("select id, kind from networks"))
ids = [n.get('id') or n.get('network', {}).get('id') for n in r['networks']]
assert all(kinds[i] == 'palliatief' for i in ids), ids
PY
expect_exit 2 "bad --kind" "$V" networks near --near 3511 --kind "Pal Liatief"

# networks.map: msgpack == HTTP == counts from SQLite
expect_exit 0 "map json" "$V" networks map --json
cp "$T/out" "$T/map.json"
curl -s -o "$T/map_http.json" "$H/v1/networks/map"
check "map counts == SQLite, HTTP == msgpack" python3 - "$DB" "$T/map.json" "$T/map_http.json" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); m = json.load(open(sys.argv[2])); h = json.load(open(sys.argv[3]))
want = dict(c.execute("select kind, count(*) from networks group by kind"))
assert m['counts'] == want and m['count'] == sum(want.values()), (m['counts'], want)
assert m['kinds'][:3] == ['oncologiezorgnetwerk', 'oncologienetwerk', 'palliatief']
per = {}
for n in m['networks']:
    if n['region']:
        per.setdefault(n['region'], {}).setdefault(n['kind'], 0)
        per[n['region']][n['kind']] += 1
for r in m['regions']:
    assert all(r['counts'][k] == per.get(r['code'], {}).get(k, 0) for k in m['kinds']), r['code']
    assert 'geometry' not in r  # the CLI's table/JSON asks without
assert sum(sum(r['counts'].values()) for r in m['regions']) + sum(m['no_region'].values()) == m['count']
assert [n['id'] for n in h['networks']] == [n['id'] for n in m['networks']]
assert all(r['geometry']['type'] == 'MultiPolygon' for r in h['regions']) and h['counts'] == m['counts']
# positions: the mean of the members' practices
mem = {}
for nid, lat, lon in c.execute("select network_id, lat, lon from memberships join providers on id = provider_id"):
    mem.setdefault(nid, []).append((lat, lon))
for n in m['networks']:
    pts = mem.get(n['id'], [])
    if not pts:
        assert n['lat'] is None; continue
    assert abs(n['lat'] - sum(p[0] for p in pts) / len(pts)) < 6e-5 and n['members'] == len(pts)
PY
curl -s -o "$T/map_pall.json" "$H/v1/networks/map?kind=palliatief&geometry=false"
check "HTTP map kind filter" python3 -c "
import json; m=json.load(open('$T/map_pall.json')); assert m['count']==20 and all(n['kind']=='palliatief' for n in m['networks'])"

expect_exit 0 "map geojson" "$V" networks map --format geojson --out "$T/map.geojson"
check "GeoJSON: 7 regions, a point per network, figures in networks_map" python3 -c "
import json; d=json.load(open('$T/map.geojson')); f=d['features']; m=json.load(open('$T/map.json'))
assert 'properties' not in d, 'FeatureCollection.properties (RFC 7946 7.1)'
assert d['networks_map']['counts']==m['counts'] and d['networks_map']['count']==m['count']
assert sum(x['properties']['kind']=='region' for x in f)==7
assert sum(x['properties']['kind']=='network' for x in f)==sum(1 for n in m['networks'] if n['lat'] is not None)"
expect_exit 0 "map svg" "$V" networks map --format svg --out "$T/map.svg"
check "SVG: legend and table" grep -q "Palliative care network" "$T/map.svg"
check "SVG: the subtitle's figures (read from networks_map)" grep -q "54 networks, status on " "$T/map.svg"
# PNG is rendered in-process (geodata/render, librsvg): no rsvg-convert on PATH.
mkdir -p "$T/nopath"
expect_exit 0 "map png (no rsvg-convert on PATH)" env PATH="$T/nopath" "$V" networks map --format png --out "$T/map.png"
check "PNG: the kinds' colours are drawn" python3 - "$T/map.png" "$(dirname "$0")" <<'PY'
import sys
src = open(sys.argv[2] + '/png_check.py').read()
exec(src[:src.index('w, h, bpp, rows = decode')])  # decode() and near(), without the main part
w, h, bpp, rows = decode(sys.argv[1])
for colour in [(0x1f, 0x5f, 0xa8), (0x8e, 0x3b, 0x9b), (0xe0, 0x7b, 0x00)]:
    n = sum(1 for row in rows for x in range(w) if near(row[x * bpp:x * bpp + 3], colour))
    assert n > 50, (colour, n)
assert w == 1200
PY
stop_daemon
privacy_check "$T/verwijsd.log"
echo "test_netmap: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
