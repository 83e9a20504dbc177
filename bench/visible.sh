#!/usr/bin/env bash
# visible.sh -- commit -> served at a million providers (issue 15): a
# verwijsd watching its working database (watch_interval = 0.02 s) and
# bench/visible.py committing a change of one provider with its change_log
# row, then asking for that provider until the answer shows it; median and
# max over the rounds, and the daemon's patch times from its log.
#
#   bash bench/visible.sh [--providers 1000000] [--rounds 30] [--db DB] [--build DIR]
#
# Without --db a database is generated (seed 42) and imported like
# bench/run.sh's, in a scratch directory removed at the end; with --db that
# file is changed in place (rounds rename and move providers). --build: a
# build directory with verwijs and verwijsd (default build-bench, Release,
# made here). Until the store writes change_log itself (schema 6) the table
# is created with its schema-6 columns when missing.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
n=1000000; rounds=30; db=""; B=""
while [ $# -gt 0 ]; do
  case "$1" in
    --providers) n=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --build) B=$2; shift 2 ;;
    *) echo "usage: bench/visible.sh [--providers N] [--rounds N] [--db DB] [--build DIR]" >&2; exit 2 ;;
  esac
done
. "$src/scripts/geodata.sh"
geodata=$(vw_find_geodata "$src")
if [ -z "$B" ]; then
  B="$src/build-bench"
  cmake -S "$src" -B "$B" -DCMAKE_BUILD_TYPE=Release -DVW_GEODATA_DIR="$geodata" >/dev/null
  cmake --build "$B" -j"$(nproc)" --target verwijsd verwijs >/dev/null
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/vwvisible.XXXXXX")
DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
if [ -z "$db" ]; then
  db="$W/db"
  "$B/verwijs" gen --geodata "$geodata" --out "$W" --providers "$n" --seed 42 >/dev/null 2>&1
  "$B/verwijs" import pc4 "$geodata/pc4_centroids.csv" --db "$db" --skip-invalid >/dev/null 2>&1
  "$B/verwijs" import places "$geodata/places_nl.csv" --db "$db" --skip-invalid >/dev/null 2>&1
  "$B/verwijs" import regions "$geodata/gemeente_2015.geojson" --db "$db" >/dev/null 2>&1
  for k in networks providers registrations; do
    "$B/verwijs" import "$k" "$W/$k.csv" --db "$db" >/dev/null 2>&1
  done
fi
sqlite3 "$db" "CREATE TABLE IF NOT EXISTS change_log(seq INTEGER PRIMARY KEY, set_id INTEGER,
  at TEXT, credential TEXT, kind TEXT, op TEXT, record TEXT, version INTEGER, old TEXT, new TEXT)"
printf 'watch_interval = 0.02\n' >"$W/conf"
"$B/verwijsd" --db "$db" --listen 127.0.0.1:0 --port-file "$W/port" --config "$W/conf" >"$W/log" 2>&1 &
DPID=$!
for _ in $(seq 1200); do [ -s "$W/port" ] && break; sleep 0.05; done
providers=$(grep -o 'loaded snapshot: [0-9]* providers' "$W/log" | grep -o '[0-9]*' | head -1)
load_ms=$(grep -o 'in [0-9]* ms' "$W/log" | head -1 | grep -o '[0-9]*')
r=$(python3 "$src/bench/visible.py" "$B/verwijs" "127.0.0.1:$(cat "$W/port")" "$db" "$rounds")
patch=$(grep -o 'patched snapshot .* in [0-9.]* ms' "$W/log" | grep -o '[0-9.]* ms$' | grep -o '^[0-9.]*' |
  python3 -c 'import sys,statistics; v=[float(x) for x in sys.stdin]; print("median %.0f ms, max %.0f ms over %d patches" % (statistics.median(v), max(v), len(v)) if v else "none")')
rss=$(awk '/VmRSS/{printf "%.0f", $2/1024}' "/proc/$DPID/status")
echo "providers $providers; full load ${load_ms} ms; commit -> served $r; daemon patch $patch; RSS ${rss} MB after"
echo "(machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F))"
