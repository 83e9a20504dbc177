#!/usr/bin/env bash
# demo.sh -- from a fresh Debian 12 machine to a running Verwijs with a
# national demo directory: installs dependencies, builds, generates a demo
# dataset (20,000 providers; DEMO_PROVIDERS to change), imports it into SQLite,
# starts verwijsd on 127.0.0.1:4747 and a Unix socket, with the HTTP gateway
# and the web UI on 127.0.0.1:8047 (DEMO_HTTP_PORT; a free one when 8047 is
# taken), and runs a few example referral queries. DEMO_PORT=N asks for port N; without it, 4747 when it is
# free and otherwise a free port the kernel picks (printed). The daemon keeps running afterwards; the last
# lines say how to query and stop it.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
N=${DEMO_PROVIDERS:-20000}
PORT=${DEMO_PORT:-}
HTTP_PORT=${DEMO_HTTP_PORT:-}
data="$src/demo-data"

bash "$src/scripts/deps.sh"
. "$src/scripts/geodata.sh"
geodata=$(vw_find_geodata "$src")

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "build"
cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVW_GEODATA_DIR="$geodata" >/dev/null
cmake --build "$src/build" -j"$(nproc)" --target verwijsd verwijs >/dev/null
V="$src/build/verwijs"
D="$src/build/verwijsd"

# A previous demo daemon holds the port: stop it first.
if [ -f "$data/verwijsd.pid" ] && kill -0 "$(cat "$data/verwijsd.pid")" 2>/dev/null; then
  kill "$(cat "$data/verwijsd.pid")"; sleep 1
fi
rm -rf "$data"; mkdir -p "$data"
db="$data/verwijs.db"

say "generate a national demo directory ($N providers, seed 42)"
run "$V" gen --geodata "$geodata" --out "$data" --providers "$N" --seed 42

say "import into SQLite ($db)"
echo "The PC4 table has known-bad rows; a strict import refuses the file and changes nothing:"
run "$V" import pc4 "$geodata/pc4_centroids.csv" --db "$db" || echo "(exit $?: rejected, as expected)"
echo "With --skip-invalid the valid rows are committed and every rejected row is reported and logged:"
run "$V" import pc4 "$geodata/pc4_centroids.csv" --db "$db" --skip-invalid
echo "Places with population weigh the PC4 demand points of coverage (two rows lack a population):"
run "$V" import places "$geodata/places_nl.csv" --db "$db" --skip-invalid
echo "The CBS population per PC4 (2022; -99997 = kept secret) replaces them where loaded:"
run "$V" import population "$geodata/pc4_population_2022.csv" --db "$db"
echo "The 7 IZA regions: the 2024 municipalities unioned per region (geodata/iza_regions.csv):"
run "$V" import regions "$geodata/gemeente_2024.geojson" --db "$db"
run "$V" import networks "$data/networks.csv" --db "$db"
run "$V" import providers "$data/providers.csv" --db "$db"
run "$V" import registrations "$data/registrations.csv" --db "$db"
run "$V" db info --db "$db"

# Port: DEMO_PORT when given (a taken one is an error that says so), else
# 4747 when it is free, else any free port (verwijsd writes the one it got).
if [ -z "$PORT" ]; then
  if (exec 3<>/dev/tcp/127.0.0.1/4747) 2>/dev/null; then
    echo "port 4747 is in use; asking the kernel for a free port (DEMO_PORT=N to choose one)"
    PORT=0
  else
    PORT=4747
  fi
fi
if [ -z "$HTTP_PORT" ]; then
  if (exec 3<>/dev/tcp/127.0.0.1/8047) 2>/dev/null; then HTTP_PORT=0; else HTTP_PORT=8047; fi
fi
say "start verwijsd on 127.0.0.1 and $data/verwijsd.sock, with the web UI"
nohup "$D" --db "$db" --listen "127.0.0.1:$PORT" --socket "$data/verwijsd.sock" \
      --port-file "$data/verwijsd.port" --http "127.0.0.1:$HTTP_PORT" \
      --http-port-file "$data/verwijsd.http-port" --ui "$src/ui" \
      --snapshot-image "$data/snapshot.image" >"$data/verwijsd.log" 2>&1 &
echo $! >"$data/verwijsd.pid"
for _ in $(seq 100); do
  [ -s "$data/verwijsd.port" ] && [ -s "$data/verwijsd.http-port" ] && break
  kill -0 "$(cat "$data/verwijsd.pid")" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$data/verwijsd.port" ] || [ ! -s "$data/verwijsd.http-port" ]; then
  cat "$data/verwijsd.log"
  echo "verwijsd did not start (port ${PORT}: set DEMO_PORT to a free port)" >&2
  exit 1
fi
PORT=$(cat "$data/verwijsd.port")
HTTP_PORT=$(cat "$data/verwijsd.http-port")
echo "verwijsd listens on 127.0.0.1:$PORT; web UI on http://127.0.0.1:$HTTP_PORT/ui/"
# the snapshot image (docs/DEPLOY.md): the first start writes it, a restart
# on the same data reads it instead of the database's rows
grep -o 'loaded snapshot: .*' "$data/verwijsd.log" || true
export VERWIJS_SERVER="127.0.0.1:$PORT"

say "example referral queries"
run "$V" ping
echo; echo "# An oncology physiotherapist within 15 minutes by car of postcode 3511 (Utrecht):"
run "$V" match --near 3511 --discipline fysiotherapeut --expertise oncologie --within 15 --limit 5
echo; echo "# A dietitian for a patient at 7411 AB (Deventer), by bike, accepting new patients:"
run "$V" match --near "7411AB" --discipline dietist --within 20 --mode bike --accepting-only --limit 5
echo; echo "# Psychosocial help near a point in Groningen, including online services:"
run "$V" match --near 53.22,6.57 --discipline psycholoog --discipline poc --expertise psycho-oncologie --include-online --limit 5
echo; echo "# What a referrer asks besides distance: a physiotherapist near Rotterdam who speaks"
echo "# Turkish or Arabic, wheelchair accessible, no GP referral needed, open Tuesday at 10:00,"
echo "# waiting at most 6 weeks (as confirmed within the last 13 weeks):"
run "$V" match --near 3011 --discipline fysiotherapeut --language tr --language ar --wheelchair \
    --direct-access --open-on tu@10:00 --max-wait 6 --limit 5
echo; echo "# The same first query as JSON (what GP software receives, decoded):"
"$V" match --near 3511 --discipline fysiotherapeut --expertise oncologie --within 15 --limit 1 --json
first=$("$V" match --near 3511 --discipline fysiotherapeut --expertise oncologie --within 15 --limit 1 --json |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["providers"]; print(r[0]["id"] if r else "")')
if [ -n "$first" ]; then
  echo; run "$V" provider "$first"
fi
net=$(awk -F, 'NR==2{print $1}' "$data/networks.csv")
echo; run "$V" network "$net"
echo; echo "# Matched care: colon cancer, diarrhoea, fatigue and sexual problems, near Deventer:"
run "$V" refer --near 7411 --problem darmklachten --problem vermoeidheid --problem seksualiteit --score 6 --limit 2
echo; echo "# Certified networks with the NVPO core disciplines within 20 minutes of Utrecht centre:"
run "$V" networks near --near 3511 --limit 3
echo; echo "# NVPO audit: certified networks that no longer meet the criteria or have expired:"
"$V" networks audit | awk 'NR<=2 || /FLAGGED/' | head -8
echo; echo "# The 7 IZA regions with their counts:"
run "$V" regions
echo; echo "# Region Oost: where is there no oncology physiotherapist within 15 minutes by car?"
run "$V" coverage --region oost --discipline fysiotherapeut --expertise oncologie --within 15 --white-spots 5
echo; echo "# The same as a map (SVG and PNG) and as GeoJSON for QGIS / Leaflet:"
run "$V" coverage --region oost --discipline fysiotherapeut --expertise oncologie --within 15 --format svg --out "$data/oost-fysio-15.svg"
run "$V" coverage --region oost --discipline fysiotherapeut --expertise oncologie --within 15 --format png --out "$data/oost-fysio-15.png"
run "$V" coverage --region all --discipline fysiotherapeut --expertise oncologie --within 15 --format geojson --out "$data/nl-fysio-15.geojson"
echo; echo "# Weighed by the people aged 65+ (CBS), most of those living with and after cancer:"
run "$V" coverage --region all --discipline fysiotherapeut --expertise oncologie --within 15 --weight age_65_plus --white-spots 0
echo; echo "# One national map of all oncology and palliative networks, by kind and region:"
run "$V" networks map
run "$V" networks map --format png --out "$data/nl-networks.png"
run "$V" networks map --format svg --out "$data/nl-networks.svg"
run "$V" networks map --format geojson --out "$data/nl-networks.geojson"
echo; echo "# Network view: share of each region within 20 minutes of a complete certified network:"
run "$V" coverage --region all --networks --within 20 --white-spots 0
echo; echo "# A typo gets a clear error (exit 3):"
run "$V" match --near 3511 --discipline fysio || true
echo; run "$V" --socket "$data/verwijsd.sock" stats

say "verwijsd is running (pid $(cat "$data/verwijsd.pid"))"
cat <<MSG
Web page:  http://127.0.0.1:$HTTP_PORT/ui/   (Verwijsgids search, matched care, coverage map, networks)
Query it:  $V --server 127.0.0.1:$PORT match --near 1012 --discipline dietist --within 15
           curl 'http://127.0.0.1:$HTTP_PORT/v1/match?near=1012&discipline=dietist&within=15'
Maps:      $data/oost-fysio-15.svg  $data/oost-fysio-15.png  $data/nl-fysio-15.geojson
           $data/nl-networks.png  $data/nl-networks.svg  $data/nl-networks.geojson
Log:       $data/verwijsd.log
Stop it:   kill $(cat "$data/verwijsd.pid")
MSG
