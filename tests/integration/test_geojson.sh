#!/usr/bin/env bash
# test_geojson.sh -- every GeoJSON Verwijs writes, checked by an independent
# checker (npm @placemarkio/check-geojson, tests/node/check_geojson.js) on a
# real verwijsd (issue 19): `verwijs coverage --format geojson` for a region
# and nationally (--region all --networks), `verwijs networks map --format
# geojson`, the web UI's coverage.geojson download, and the region geometries
# of GET /v1/networks/map (plain JSON whose `geometry` members are GeoJSON
# geometry objects). No FeatureCollection carries `properties` (RFC 7946
# 7.1): the figures are the foreign members `coverage` / `networks_map`.
. "$(dirname "$0")/lib.sh"
need_geodata
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node or npm missing (scripts/deps.sh installs them): skipped" >&2
  exit 77
fi
if ! node_check=$(bash "$VW_SRC/tests/node/setup.sh" "$VW_BIN/node"); then
  bad "the npm GeoJSON checker could not be installed (npm ci in $VW_BIN/node)"
  finish
  exit 1
fi

gen_db 6000 7
expect_exit 0 "import regions 2024" "$V" import regions "$VW_GEODATA/gemeente_2024.geojson" --db "$DB"
printf 'http_ui_dir = %s\n' "$VW_SRC/ui" >"$T/ui.conf"
start_daemon "$DB" --config "$T/ui.conf" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
H="http://127.0.0.1:$(cat "$T/hport")"

# The FeatureCollections, and the foreign member each must carry.
fcs=()
expect_exit 0 "CLI coverage geojson (oost)" "$V" coverage --discipline fysiotherapeut --within 15 --region oost --format geojson --out "$T/cov_oost.geojson"
fcs+=("$T/cov_oost.geojson:coverage")
expect_exit 0 "CLI coverage geojson (all, networks)" "$V" coverage --networks --within 20 --region all --format geojson --out "$T/cov_net.geojson"
fcs+=("$T/cov_net.geojson:coverage")
expect_exit 0 "CLI coverage geojson in-process (--db)" "$V" coverage --discipline dietist --within 10 --region noord --format geojson --out "$T/cov_local.geojson" --db "$DB"
fcs+=("$T/cov_local.geojson:coverage")
expect_exit 0 "CLI networks map geojson" "$V" networks map --format geojson --out "$T/netmap.geojson"
fcs+=("$T/netmap.geojson:networks_map")
expect_exit 0 "CLI networks map geojson (palliatief, --db)" "$V" networks map --kind palliatief --format geojson --out "$T/netmap_pall.geojson" --db "$DB"
fcs+=("$T/netmap_pall.geojson:networks_map")
q='discipline=fysiotherapeut&within=15&geometry=true&white_spots_limit=10000'
code=$(curl -s -o "$T/ui_oost.geojson" -w '%{http_code}' "$H/ui/export/coverage.geojson?$q&region=oost")
check "UI download coverage.geojson (oost): 200" [ "$code" = 200 ]
fcs+=("$T/ui_oost.geojson:coverage")
code=$(curl -s -o "$T/ui_net.geojson" -w '%{http_code}' "$H/ui/export/coverage.geojson?view=networks&within=20&region=all&geometry=true&white_spots_limit=10000&lang=nl")
check "UI download coverage.geojson (all, networks): 200" [ "$code" = 200 ]
fcs+=("$T/ui_net.geojson:coverage")

for entry in "${fcs[@]}"; do
  f=${entry%:*} member=${entry##*:}
  check "check-geojson: $(basename "$f")" node "$node_check/check_geojson.js" "$f"
  check "$(basename "$f"): no FeatureCollection properties, member $member" python3 - "$f" "$member" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d['type'] == 'FeatureCollection', d['type']
assert 'properties' not in d, 'FeatureCollection.properties (RFC 7946 7.1)'
assert isinstance(d[sys.argv[2]], dict), sys.argv[2]
kinds = {f['properties']['kind'] for f in d['features']}
assert 'region' in kinds, kinds
PY
done
check "the UI download equals the CLI's GeoJSON" python3 - "$T/ui_oost.geojson" "$T/cov_oost.geojson" <<'PY'
import json, sys
assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))
PY
check "the coverage GeoJSON is valid for GEOS too" bash -c "'$VW_BIN/itest_geojson' '$T/cov_net.geojson' | grep -q '^region=7 .*invalid=0 other=0'"

# GET /v1/networks/map: JSON, not GeoJSON; each region geometry is a GeoJSON
# geometry object the checker accepts.
code=$(curl -s -o "$T/map_http.json" -w '%{http_code}' "$H/v1/networks/map")
check "HTTP networks map: 200" [ "$code" = 200 ]
check "HTTP networks map: 7 region geometries written" python3 - "$T/map_http.json" "$T" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert 'properties' not in m
geoms = [r['geometry'] for r in m['regions']]
assert len(geoms) == 7 and all(g['type'] == 'MultiPolygon' for g in geoms)
for i, g in enumerate(geoms):
    json.dump(g, open('%s/http_region_%d.geojson' % (sys.argv[2], i), 'w'))
PY
check "check-geojson: the HTTP map's region geometries" node "$node_check/check_geojson.js" "$T"/http_region_*.geojson

# The checker does catch the old mistake.
python3 - "$T/netmap.geojson" "$T/old.geojson" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['properties'] = d.pop('networks_map')
json.dump(d, open(sys.argv[2], 'w'))
PY
check "check-geojson refuses FeatureCollection.properties" bash -c "! node '$node_check/check_geojson.js' '$T/old.geojson' >'$T/old.out' && grep -q 'properties' '$T/old.out'"

check "SIGTERM: exit 0" stop_daemon
finish
