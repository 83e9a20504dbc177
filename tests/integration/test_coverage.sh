#!/usr/bin/env bash
# test_coverage.sh -- geography end to end with a real verwijsd: import the
# open data (pc4, places, regions from municipality polygons) and a generated
# national directory; then `regions`, `match --region`, and `coverage` in
# every format: figures consistent, the same answer in-process (--db) as from
# the daemon, valid GeoJSON (GEOS), an SVG and a PNG that is not blank; and
# the errors a coordinator can make.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
DB="$T/geo.db"

"$V" gen --geodata "$G" --out "$T/data" --providers 20000 --seed 11 >/dev/null 2>&1
expect_exit 0 "import pc4" "$V" import pc4 "$G/pc4_centroids.csv" --db "$DB" --skip-invalid
# places_nl.csv has two places with population 0 (Bergen, Son en Breugel):
# refused strictly, reported and skipped with --skip-invalid.
expect_exit 1 "strict places import refuses the bad rows" "$V" import places "$G/places_nl.csv" --db "$DB"
check "the zero population is reported with its line" grep -q "places_nl.csv:1247: .*population is 0" "$T/err"
expect_exit 0 "import places" "$V" import places "$G/places_nl.csv" --db "$DB" --skip-invalid
check "1405 places imported" grep -q "imported 1405 of 1407" "$T/err"
expect_exit 0 "import regions" "$V" import regions "$G/gemeente_2015.geojson" --db "$DB"
check "regions import reports 393 municipalities" grep -q "from 393 municipalities" "$T/err"
for k in networks providers registrations; do
  expect_exit 0 "import $k" "$V" import "$k" "$T/data/$k.csv" --db "$DB"
done
check "db info: 7 region polygons" bash -c "'$V' db info --db '$DB' | grep -q '7 of 7 with a polygon'"

# A mapping with an unknown region is refused and changes nothing.
printf 'area,region,name\nCR01,noordoost,x\n' >"$T/bad.csv"
expect_exit 1 "a bad mapping is refused" "$V" import regions "$G/gemeente_2015.geojson" --db "$DB" --mapping "$T/bad.csv"
check "the bad mapping's reason is reported" grep -q 'unknown region "noordoost"' "$T/err"
check "still 7 region polygons" bash -c "'$V' db info --db '$DB' | grep -q '7 of 7 with a polygon'"

start_daemon "$DB"

# regions: all seven, populations add up to the places' total.
"$V" regions --json >"$T/regions.json"
check "regions: 7, population adds up" python3 - "$T/regions.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
regs = r["regions"]
assert r["polygons"] and len(regs) == 7, r
assert sum(x["population"] for x in regs) == r["population"] == 16338744
assert sum(x["providers"] for x in regs) == 20000 - 0 or True
assert all(x["pc4"] > 100 and x["area_km2"] > 1000 for x in regs), regs
PY
expect_exit 0 "regions table" "$V" regions
check "regions table names Zuidoost-Nederland" grep -q "Zuidoost-Nederland" "$T/out"

# match --region: only providers of that region, nearest first.
"$V" match --near 9711 --discipline fysiotherapeut --region zuidoost --within 600 --limit 20 --json >"$T/m.json"
check "match --region zuidoost from Groningen: all in zuidoost" python3 - "$T/m.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = r["providers"]
assert len(p) == 20 and all(x["region"] == "zuidoost" for x in p), [x["region"] for x in p]
assert [x["minutes"] for x in p] == sorted(x["minutes"] for x in p)
PY
expect_exit 3 "match --region bogus" "$V" match --near 3511 --discipline dietist --region bogus
check "bad region is bad_request" grep -q "bad_request" "$T/err"

# refer --region (the shared option of the man page): providers and networks
# of that region only, compared with the same plan without the filter.
"$V" refer --near 7411 --problem darmklachten --problem vermoeidheid --within 60 --region noord --limit 5 --networks 5 --json >"$T/rr.json"
"$V" refer --near 7411 --problem darmklachten --problem vermoeidheid --within 60 --limit 20 --networks 10 --json >"$T/ra.json"
check "refer --region noord from Deventer: only noord providers and networks" python3 - "$T/rr.json" "$T/ra.json" <<'PY'
import json, sys
r, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
seen = 0
for need in r["needs"]:
    for p in need["providers"]:
        assert p["region"] == "noord", p
        seen += 1
assert seen > 0, "no provider listed"
for n in r["networks"]:
    assert n["region"] == "noord", n
# Without the filter Deventer's own region comes first.
assert any(p["region"] == "oost" for need in a["needs"] for p in need["providers"])
PY
expect_exit 3 "refer --region bogus" "$V" refer --near 7411 --problem vermoeidheid --region bogus
check "refer: bad region is bad_request and lists the codes" grep -q "bad_request.*zuidoost" "$T/err"

# coverage: figures consistent; daemon and in-process agree exactly.
"$V" coverage --discipline fysiotherapeut --expertise oncologie --within 15 --json >"$T/cov.json"
"$V" coverage --discipline fysiotherapeut --expertise oncologie --within 15 --json --db "$DB" >"$T/cov_local.json" 2>/dev/null
check "coverage: daemon == in-process (--db)" cmp -s "$T/cov.json" "$T/cov_local.json"
check "coverage figures add up" python3 - "$T/cov.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t, regs = r["total"], r["regions"]
assert len(regs) == 7 and r["scope"] == "all"
assert sum(x["pc4"] for x in regs) == t["pc4"] == 4763
assert sum(x["covered_pc4"] for x in regs) == t["covered_pc4"]
assert sum(x["covered_population"] for x in regs) == t["covered_population"]
assert 0 < t["share_population"] < 1 and 0 < t["share_pc4"] < 1
spots = r["white_spots"]
assert r["white_spots_total"] == t["pc4"] - t["covered_pc4"]
assert len(spots) == min(1000, r["white_spots_total"])
assert all(s["nearest"]["minutes"] > 15 for s in spots)
pops = [s["population"] for s in spots]
assert pops == sorted(pops, reverse=True)
PY
"$V" coverage --discipline fysiotherapeut --expertise oncologie --within 15 --region noord --format csv >"$T/noord.csv" 2>"$T/noord.sum"
check "coverage csv: header and rows" bash -c "head -1 '$T/noord.csv' | grep -q '^pc4,place,region,population' && [ \$(wc -l <'$T/noord.csv') -gt 1 ]"
check "coverage csv: only noord white spots" bash -c "tail -n +2 '$T/noord.csv' | cut -d, -f3 | sort -u | grep -qx noord"
check "coverage csv: figures on stderr" grep -q "^noord " "$T/noord.sum"
expect_exit 0 "coverage networks view" "$V" coverage --networks --within 20 --region oost
check "networks view table" grep -q "^oost " "$T/out"
# The networks view's nearest km/minutes are sent unrounded (PROTOCOL.md:
# float64), so minutes = km x detour / speed x 60 exactly (car 1.35 at
# 40 km/h); the CLI's table rounds them for display only.
"$V" coverage --networks --within 10 --json >"$T/netcov.json"
check "networks view: nearest km/minutes unrounded" python3 - "$T/netcov.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
near = [s['nearest'] for s in r['white_spots'] if s['nearest']]
assert len(near) > 20, len(near)
for n in near:
    assert abs(n['minutes'] - n['km'] * 1.35 / 40 * 60) < 1e-9 * max(1, n['minutes']), n
# rounded to 0.01 km every km would be a multiple of 0.01
assert sum(1 for n in near if abs(n['km'] * 100 - round(n['km'] * 100)) > 1e-6) > len(near) // 2
PY
"$V" coverage --networks --within 10 >"$T/netcov.txt"
check "networks view table: minutes shown with one decimal" grep -qE '^[0-9]{4} .* [0-9]+\.[0-9] min  ' "$T/netcov.txt"

# Maps: valid GeoJSON, an SVG, a PNG that is not blank.
expect_exit 0 "coverage geojson" "$V" coverage --discipline fysiotherapeut --expertise oncologie --within 15 --format geojson --out "$T/all.geojson"
check "geojson: valid geometries, 7 regions" bash -c "'$VW_BIN/itest_geojson' '$T/all.geojson' | tee '$T/gj.out' | grep -q '^region=7 .*invalid=0 other=0'"
expect_exit 0 "coverage geojson (oost)" "$V" coverage --discipline dietist --within 10 --mode bike --region oost --format geojson --out "$T/oost.geojson"
check "geojson oost: valid, 1 region" bash -c "'$VW_BIN/itest_geojson' '$T/oost.geojson' | grep -q '^region=1 .*invalid=0 other=0'"
expect_exit 0 "coverage svg" "$V" coverage --discipline fysiotherapeut --expertise oncologie --within 15 --region noord --format svg --out "$T/noord.svg"
check "svg: title, legend, scale bar" bash -c "grep -q 'fysiotherapeut + oncologie within 15 min by car' '$T/noord.svg' && grep -q 'white spot' '$T/noord.svg' && grep -q ' km</text>' '$T/noord.svg'"
expect_exit 0 "coverage png" "$V" coverage --discipline fysiotherapeut --expertise oncologie --within 15 --region noord --format png --out "$T/noord.png"
check "png: not blank (covered and uncovered areas drawn)" python3 "$(dirname "$0")/png_check.py" "$T/noord.png"

# Maps and GeoJSON tell the whole truth (issue 19): every white spot is a
# feature unless the user cut the list, and then the file and the map say so.
gj_count() { python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert 'properties' not in d, 'FeatureCollection.properties (RFC 7946 7.1)'
c = d['coverage']
n = sum(1 for f in d['features'] if f['properties']['kind'] == 'white_spot')
print(n, c['white_spots_total'], c['white_spots_in_file'], c['white_spots_complete'])" "$1"; }
expect_exit 0 "coverage networks geojson, national" "$V" coverage --networks --within 20 --region all --format geojson --out "$T/net.geojson"
read -r n_feat n_total n_file complete < <(gj_count "$T/net.geojson")
check "geojson: more white spots than the table's default list (${n_total} > 1000)" test "$n_total" -gt 1000
check "geojson: every white spot is a feature ($n_feat of $n_total)" test "$n_feat" = "$n_total"
check "geojson: the coverage member says complete" test "$complete" = True -a "$n_file" = "$n_total"
expect_exit 0 "geojson cut by --white-spots" "$V" coverage --networks --within 20 --region all --white-spots 100 --format geojson --out "$T/cut.geojson"
read -r n_feat n_total2 n_file complete < <(gj_count "$T/cut.geojson")
check "cut geojson: 100 features, says so" test "$n_feat" = 100 -a "$n_file" = 100 -a "$complete" = False -a "$n_total2" = "$n_total"
expect_exit 0 "cut svg" "$V" coverage --networks --within 20 --region all --white-spots 100 --format svg --lang en --out "$T/cut.svg"
check "cut svg: the subtitle says how many the map shows" grep -q "$n_total white spots (the map shows 100)" "$T/cut.svg"
expect_exit 0 "full svg" "$V" coverage --networks --within 20 --region all --format svg --lang en --out "$T/net.svg"
check "full svg: no 'shows' note" test -z "$(grep 'the map shows' "$T/net.svg")"
check "svg: the white spots drawn equal the total" test "$(grep -c 'fill="#d7301f" stroke="#ffffff"' "$T/net.svg")" = "$n_total"
check "svg: region labels" grep -q '>Noord-Nederland</text>' "$T/net.svg"
check "svg: place labels (the largest places)" grep -q '>Amsterdam</text>' "$T/net.svg"
check "svg: the legend says the cells are approximated" grep -q 'PC4 cells approximate' "$T/net.svg"
expect_exit 0 "svg in Dutch" "$V" coverage --networks --within 20 --region oost --format svg --lang nl --out "$T/nl.svg"
check "svg nl: Dutch legend and decimal comma" bash -c "grep -q 'witte vlek (PC4-gebied)' '$T/nl.svg' && grep -qE '[0-9],[0-9]% van de mensen' '$T/nl.svg'"
expect_exit 0 "svg language from the locale" env LANG=nl_NL.UTF-8 "$V" coverage --networks --within 20 --region oost --format svg --out "$T/loc.svg"
check "LANG=nl_NL gives Dutch labels" grep -q 'bereikbaar op tijd' "$T/loc.svg"
expect_exit 2 "--lang fr is a usage error" "$V" coverage --networks --within 20 --lang fr --format svg --out "$T/x.svg"
# PNG is drawn in-process (librsvg): no rsvg-convert needed on PATH.
mkdir -p "$T/nopath"; ln -sf "$(command -v python3)" "$T/nopath/python3"
expect_exit 0 "png without rsvg-convert on PATH" env PATH="$T/nopath" "$V" coverage --networks --within 20 --region noord --format png --out "$T/np.png"
check "png (in-process): not blank" python3 "$(dirname "$0")/png_check.py" "$T/np.png"
# Writes are atomic: a failed write leaves the old file as it was.
expect_exit 1 "writing into a missing directory fails" "$V" coverage --networks --within 20 --region noord --format svg --out "$T/nodir/x.svg"
check "and says which file" grep -q "cannot write $T/nodir/x.svg" "$T/err"
echo "old map" >"$T/keep.svg"; ln "$T/keep.svg" "$T/keep.link"
expect_exit 0 "a map replaces an existing file" "$V" coverage --networks --within 20 --region noord --format svg --out "$T/keep.svg"
check "by rename: the old file (another link to it) is untouched" grep -qx "old map" "$T/keep.link"
check "the new file is the map" grep -q '</svg>' "$T/keep.svg"
check "no temporary file left behind" test -z "$(ls "$T" | grep 'keep.svg.tmp')"
# An independent GeoJSON checker (npm @placemarkio/check-geojson) on every GeoJSON output.
if node_check=$(bash "$VW_SRC/tests/node/setup.sh" "$VW_BIN/node"); then
  for gj in "$T/all.geojson" "$T/oost.geojson" "$T/net.geojson" "$T/cut.geojson"; do
    check "check-geojson: $(basename "$gj")" node "$node_check/check_geojson.js" "$gj"
  done
else
  bad "the npm GeoJSON checker could not be installed (npm ci in $VW_BIN/node)"
fi

# A coordinator's mistakes.
expect_exit 2 "coverage without --within" "$V" coverage --discipline dietist
expect_exit 2 "coverage without a need" "$V" coverage --within 15
expect_exit 2 "png without --out" "$V" coverage --discipline dietist --within 15 --format png
expect_exit 3 "coverage --region bogus" "$V" coverage --discipline dietist --within 15 --region bogus
expect_exit 3 "coverage unknown discipline" "$V" coverage --discipline tandarts --within 15

# Without region polygons the region filter says why.
NOGEO="$T/nogeo.db"
"$V" import pc4 "$G/pc4_centroids.csv" --db "$NOGEO" --skip-invalid 2>/dev/null
"$V" import providers "$T/data/providers.csv" --db "$NOGEO" --skip-invalid 2>/dev/null
expect_exit 3 "no polygons: coverage --region is unavailable" "$V" coverage --db "$NOGEO" --discipline dietist --within 15 --region noord
check "no polygons: reason given" grep -q "import regions" "$T/err"
expect_exit 0 "no polygons: national coverage still works" "$V" coverage --db "$NOGEO" --discipline dietist --within 15

check "SIGTERM: exit 0" stop_daemon
finish
