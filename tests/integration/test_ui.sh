#!/usr/bin/env bash
# test_ui.sh -- the web UI (/ui/) end to end: a real verwijsd on loopback with
# a generated national directory (plus a provider with a hostile name), its
# static-file answers checked with curl (types, caching, CSP, path traversal,
# off = 404, the gateway's limits), then headless Chromium driven by
# tests/browser/ui_test.js (puppeteer-core on /usr/bin/chromium): the listed
# providers equal `verwijs match`, the white-spot count and the downloads
# (CSV, GeoJSON, SVG, PNG) equal `verwijs coverage`, the networks-by-kind map
# has the networks of `verwijs networks map` (and its downloads), a wheelchair
# filter gives the providers of `verwijs match --wheelchair`, an unknown
# postcode gets its message, the hostile name stays text. Screenshots go to $VW_BIN/ui-screenshots (printed).
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null || ! command -v npm >/dev/null || [ ! -x "$CHROMIUM" ]; then
  echo "node, npm or $CHROMIUM missing (scripts/deps.sh installs them): skipped" >&2
  exit 77
fi
if [ ! -f /usr/share/javascript/leaflet/leaflet.js ]; then
  echo "libjs-leaflet missing (scripts/deps.sh installs it): skipped" >&2
  exit 77
fi

# puppeteer-core from the committed lock file, installed in the build dir.
NODE_DIR="$VW_BIN/browser-node"
mkdir -p "$NODE_DIR"
if ! cmp -s "$VW_SRC/tests/browser/package-lock.json" "$NODE_DIR/package-lock.json" ||
   [ ! -d "$NODE_DIR/node_modules/puppeteer-core" ]; then
  cp "$VW_SRC/tests/browser/package.json" "$VW_SRC/tests/browser/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --ignore-scripts >"$T/npm.log" 2>&1) ||
    { cat "$T/npm.log" >&2; bad "npm ci (tests/browser)"; finish; exit 1; }
fi

# The demo directory, with regions and places (coverage needs them), and a
# provider whose name, address and website are markup.
"$V" gen --geodata "$G" --out "$T" --providers 20000 --seed 42 >/dev/null 2>&1
DB="$T/verwijs.db"
HOSTILE_NAME='<img src=x onerror="window.__pwned=1">Fysio <script>window.__pwned=2</script>'
python3 - "$T/providers.csv" "$HOSTILE_NAME" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as f:
    head = next(csv.reader(f))
row = dict.fromkeys(head, "")
row.update(id="P9999999", name=sys.argv[2], discipline="fysiotherapeut", expertise="oncologie",
           lat="52.0891", lon="5.1190", address='"><svg onload=window.__pwned=3>', postcode="3511 AA",
           city="Utrecht", website="javascript:window.__pwned=4", accepting="1", online="0")
with open(sys.argv[1], "a", newline="") as f:
    csv.DictWriter(f, head).writerow(row)
PY
expect_exit 0 "import pc4" "$V" import pc4 "$G/pc4_centroids.csv" --db "$DB" --skip-invalid
expect_exit 0 "import places" "$V" import places "$G/places_nl.csv" --db "$DB" --skip-invalid
expect_exit 0 "import regions" "$V" import regions "$G/gemeente_2015.geojson" --db "$DB"
for k in networks providers registrations; do
  expect_exit 0 "import $k" "$V" import "$k" "$T/$k.csv" --db "$DB"
done

# Off by default: /ui/ is 404.
start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport"
H="http://127.0.0.1:$(cat "$T/hport")"
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/ui/")
check "UI off: /ui/ is 404" [ "$code" = 404 ]
check "UI off: JSON error" grep -q '"unknown_op"' "$T/body"
stop_daemon

printf 'http_ui_dir = %s\nhttp_max_params = 16\n' "$VW_SRC/ui" >"$T/ui.conf"
start_daemon "$DB" --config "$T/ui.conf" --http 127.0.0.1:0 --http-port-file "$T/hport"
H="http://127.0.0.1:$(cat "$T/hport")"

# head FILE URL: status, content type, cache control, CSP of one GET.
head_of() { curl -s --path-as-is -D "$T/h" -o "$T/body" "$2" >/dev/null; tr -d '\r' <"$T/h" >"$1"; }
hdr() { grep -i "^$2:" "$1" | head -1 | cut -d' ' -f2-; }
head_of "$T/h1" "$H/ui/"
check "index: 200" grep -q '^HTTP/1.1 200' "$T/h1"
check "index: text/html" [ "$(hdr "$T/h1" Content-Type)" = "text/html; charset=utf-8" ]
check "index: no-cache" [ "$(hdr "$T/h1" Cache-Control)" = "no-cache" ]
check "index: CSP own origin only" bash -c "grep -qi \"^Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self';\" '$T/h1'"
check "index: nosniff" grep -qi '^X-Content-Type-Options: nosniff' "$T/h1"
check "index is the repo's" cmp -s "$T/body" "$VW_SRC/ui/index.html"
head_of "$T/h2" "$H/ui/app.js"
check "app.js: text/javascript" [ "$(hdr "$T/h2" Content-Type)" = "text/javascript; charset=utf-8" ]
head_of "$T/h3" "$H/ui/app.css"
check "app.css: text/css" [ "$(hdr "$T/h3" Content-Type)" = "text/css; charset=utf-8" ]
head_of "$T/h4" "$H/ui/vendor/leaflet/leaflet.js"
check "leaflet.js from libjs-leaflet" cmp -s "$T/body" /usr/share/javascript/leaflet/leaflet.js
check "leaflet: cached a day" [ "$(hdr "$T/h4" Cache-Control)" = "public, max-age=86400" ]
head_of "$T/h5" "$H/ui/vendor/leaflet/images/marker-icon.png"
check "leaflet image: image/png" [ "$(hdr "$T/h5" Content-Type)" = "image/png" ]
head_of "$T/h6" "$H/ui"
check "/ui redirects to /ui/" bash -c "grep -q '^HTTP/1.1 301' '$T/h6' && grep -qi '^Location: /ui/$' '$T/h6'"
curl -s -I "$H/ui/app.js" | tr -d '\r' >"$T/h7"
check "HEAD: the headers of GET" bash -c "grep -q '^HTTP/1.1 200' '$T/h7' && grep -qi '^Content-Type: text/javascript' '$T/h7'"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$H/ui/")
check "POST /ui/: 405" [ "$code" = 405 ]
head_of "$T/h8" "$H/ui/config.json"
check "config.json: problems and vocabulary" python3 -c '
import json,sys; c=json.load(open(sys.argv[1]))
assert c["tiles"] == "" and "fysiotherapeut" in c["disciplines"] and "oncologie" in c["expertise"]
assert {"darmklachten","vermoeidheid"} <= {p["code"] for p in c["problems"]}, c' "$T/body"

# Path traversal and what is not served: all 404 (raw paths, not normalised).
for p in "/ui/../etc/passwd" "/ui/..%2f..%2fetc%2fpasswd" "/ui/%2e%2e/%2e%2e/etc/passwd" \
         "/ui/vendor/leaflet/../../../../etc/passwd" "/ui/vendor/leaflet/..%2F..%2Fpasswd" \
         "/ui/.git/config" "/ui//etc/passwd" "/ui/vendor/leaflet/leaflet.js.gz" \
         "/ui/vendor/leaflet/leaflet.min.js.map.brotli" "/ui/README" "/ui/app.js/" \
         "/ui/vendor/leaflet/images/../../../../../../etc/passwd" "/ui/a/b/c/d/e.js" \
         "/ui/$(printf 'x%.0s' $(seq 200)).js" "/ui/..\\etc\\passwd" "/ui/nope.html"; do
  code=$(curl -s --path-as-is -o "$T/body" -w '%{http_code}' "$H$p")
  if [ "$code" = 404 ] || [ "$code" = 400 ]; then ok; else bad "traversal $p: $code"; fi
  if grep -q 'root:' "$T/body"; then bad "traversal $p leaked /etc/passwd"; fi
done
# A symlink planted in the UI directory is not followed (O_NOFOLLOW).
mkdir -p "$T/ui2" && cp "$VW_SRC"/ui/* "$T/ui2/" && ln -s /etc/passwd "$T/ui2/leak.js"
ln -s /etc "$T/ui2/etc"
stop_daemon
printf 'http_ui_dir = %s\n' "$T/ui2" >"$T/ui2.conf"
start_daemon "$DB" --config "$T/ui2.conf" --http 127.0.0.1:0 --http-port-file "$T/hport"
H2="http://127.0.0.1:$(cat "$T/hport")"
for p in /ui/leak.js /ui/etc/passwd; do
  code=$(curl -s -o "$T/body" -w '%{http_code}' "$H2$p")
  check "symlink $p not followed" [ "$code" = 404 ]
done
stop_daemon

# A tile URL adds only its host to the CSP; a bad one is refused at start.
printf 'http_ui_dir = %s\nhttp_ui_tiles = https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png\n' \
  "$VW_SRC/ui" >"$T/tiles.conf"
start_daemon "$DB" --config "$T/tiles.conf" --http 127.0.0.1:0 --http-port-file "$T/hport"
H3="http://127.0.0.1:$(cat "$T/hport")"
head_of "$T/h9" "$H3/ui/"
check "tiles: CSP allows the tile host" grep -qi "img-src 'self' data: blob: https://service.pdok.nl;" "$T/h9"
stop_daemon
printf 'http_ui_tiles = https://evil.example/x.png"; script-src *\n' >"$T/badtiles.conf"
expect_exit 2 "a bad tile URL is refused" "$D" --db "$DB" --config "$T/badtiles.conf"
check "bad tile URL: says why" grep -q "http_ui_tiles must be" "$T/err"

start_daemon "$DB" --config "$T/ui.conf" --http 127.0.0.1:0 --http-port-file "$T/hport"
H="http://127.0.0.1:$(cat "$T/hport")"

# The gateway's limits apply to the exports: too many parameters is 413.
qs=$(for i in $(seq 20); do printf 'within=%d&' "$i"; done)
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/ui/export/coverage.svg?$qs")
check "export: http_max_params applies (413)" [ "$code" = 413 ]
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/ui/export/coverage.svg?within=15&discipline=bogus&geometry=true")
check "export: a bad argument is the op's 400" bash -c "[ $code = 400 ] && grep -q bad_request '$T/body'"
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/ui/export/coverage.svg?within=15&discipline=dietist&region=noord")
check "export: no geometry asked is 400" [ "$code" = 400 ]
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/ui/export/coverage.svg?within=15&discipline=dietist&geometry=true&lang=xx")
check "export: lang is nl or en" [ "$code" = 400 ]
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/ui/export/coverage.svg?within=15&discipline=dietist&lang=nl&lang=en")
check "export: lang given twice is refused, not last-wins" [ "$code" = 400 ]
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/ui/export/reload.svg")
check "export: nothing but coverage (no admin op)" [ "$code" = 404 ]

# What the CLI says for the queries the browser will make.
"$V" match --near 3511 --discipline fysiotherapeut --expertise oncologie --within 15 --mode car --limit 10 --json >"$T/match.json"
# (the page sends the ticked problems in the order of its list, the table's)
"$V" refer --near 7411 --problem vermoeidheid --problem darmklachten --score 6 --json >"$T/refer.json"
CQ=(--region oost --discipline fysiotherapeut --expertise oncologie --within 15 --white-spots 10000)
"$V" coverage "${CQ[@]}" --json >"$T/cov.json"
"$V" coverage "${CQ[@]}" --format csv --out "$T/cov.csv" 2>/dev/null
"$V" coverage "${CQ[@]}" --format geojson --out "$T/cov.geojson"
"$V" coverage "${CQ[@]}" --format svg --lang nl --out "$T/cov.svg"
"$V" coverage "${CQ[@]}" --format png --lang nl --out "$T/cov.png"
"$V" match --near 9711 --discipline fysiotherapeut --expertise oncologie --within 1 --json >"$T/far.json"
# a referrer's filter (issue 16) in the search form == verwijs match with it
"$V" match --near 3511 --discipline fysiotherapeut --within 30 --mode car --limit 20 --wheelchair --json >"$T/wheel.json"
# the national map of all networks by kind == verwijs networks map
"$V" networks map --format json >"$T/netmap.json"
"$V" networks map --kind palliatief --format json >"$T/netmap_pal.json"
"$V" networks map --format geojson --out "$T/netmap.geojson"
"$V" networks map --format svg --out "$T/netmap.svg"
"$V" networks map --format png --out "$T/netmap.png"
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/ui/export/networks.svg?lang=nl")
check "export: the network map takes no lang (the op's 400)" [ "$code" = 400 ]
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/ui/export/networks.svg?geometry=false")
check "export: the network map without geometry is 400" [ "$code" = 400 ]
python3 - "$T" "$HOSTILE_NAME" >"$T/expect.json" <<'PY'
import json, sys
t, hostile = sys.argv[1], sys.argv[2]
m = json.load(open(t + "/match.json"))
r = json.load(open(t + "/refer.json"))
c = json.load(open(t + "/cov.json"))
far = json.load(open(t + "/far.json"))
wheel = json.load(open(t + "/wheel.json"))
assert wheel["count"] > 0 and all(p["wheelchair"] is True for p in wheel["providers"]), wheel
nm = json.load(open(t + "/netmap.json"))
pal = json.load(open(t + "/netmap_pal.json"))
located = lambda r: sum(1 for n in r["networks"] if n.get("lat") is not None)
assert far["count"] == 0, far
net = None
if r.get("plan") and r["plan"].get("network"):
    net = next(n["name"] for n in r["networks"] if n["id"] == r["plan"]["network"])
print(json.dumps({
    "match": {"near": "3511", "ids": [p["id"] for p in m["providers"]], "first_name": m["providers"][0]["name"]},
    "unknown_postcode": "1234",
    "far": {"near": "9711", "within": "1"},
    "hostile": {"near": "3511", "id": "P9999999", "name": hostile},
    "wheelchair": {"near": "3511", "within": "30", "limit": "20", "ids": [p["id"] for p in wheel["providers"]]},
    "netmap": {"count": nm["count"], "markers": located(nm), "kinds": nm["kinds"], "counts": nm["counts"],
               "palliatief_markers": located(pal), "geojson_file": t + "/netmap.geojson",
               "svg_file": t + "/netmap.svg", "png_file": t + "/netmap.png"},
    "refer": {"near": "7411", "problems": ["vermoeidheid", "darmklachten"], "score": 6,
              "network_name": net, "labels": [n["label"] for n in r["needs"]]},
    "coverage": {"region": "oost", "discipline": "fysiotherapeut", "expertise": "oncologie", "within": 15,
                 "white_spots_total": c["white_spots_total"], "table_rows": len(c["regions"]) + 1,
                 "csv_file": t + "/cov.csv", "geojson_file": t + "/cov.geojson", "svg_file": t + "/cov.svg",
                 "png_file": t + "/cov.png",
                 "query": "region=oost&view=providers&discipline=fysiotherapeut&expertise=oncologie&within=15&mode=car"},
}))
PY
check "unknown postcode is unknown to the CLI too" bash -c "! '$V' match --near 1234 --discipline dietist >/dev/null 2>&1"

check "app.js parses" node --check "$VW_SRC/ui/app.js"
SHOTS="$VW_BIN/ui-screenshots"
rm -rf "$SHOTS"; mkdir -p "$SHOTS"
NODE_PATH="$NODE_DIR/node_modules" CHROMIUM="$CHROMIUM" \
  node "$VW_SRC/tests/browser/ui_test.js" "$H" "$T/expect.json" "$SHOTS" >"$T/browser.out" 2>&1
brc=$?
cat "$T/browser.out"
check "browser checks (tests/browser/ui_test.js)" [ "$brc" = 0 ]

check "verwijsd drains and exits 0 after the browser run (clean under ASan too)" stop_daemon
finish
