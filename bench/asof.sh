#!/usr/bin/env bash
# asof.sh -- the cost of a historic snapshot (issue 15, docs/ENGINE.md
# "Historic snapshots"): a register of N providers, C provider updates
# applied 30 days before "today" (the test clock), then the time of the first
# `networks audit --as-of` 31 days back (a cache miss: copy, undo C rows,
# full load) and of the second (a hit).
#   bench/asof.sh GEODATA N C [BUILD_DIR]     (default BUILD_DIR: ./build)
set -eu
geo="$1" n="$2" c="$3" B="${4:-build}"
W=$(mktemp -d); trap 'kill $DPID 2>/dev/null; rm -rf "$W"' EXIT
"$B/verwijs" gen --geodata "$geo" --out "$W" --providers "$n" --seed 42 >/dev/null 2>&1
"$B/verwijs" import pc4 "$geo/pc4_centroids.csv" --db "$W/db" --skip-invalid >/dev/null 2>&1
for t in networks providers registrations; do "$B/verwijs" import "$t" "$W/$t.csv" --db "$W/db" >/dev/null 2>&1; done
today=$(date -u -d '+60 days' +%F) back=$(date -u -d '+29 days' +%F) asof=$(date -u -d '+28 days' +%F)
{ echo 'op,kind,id,version,field,value'
  awk -F, -v c="$c" 'NR > 1 && NR <= c + 1 { print "update,provider," $1 ",,accepting," (NR % 2) }' "$W/providers.csv"; } > "$W/ch.csv"
printf 'admin_socket = %s\n' "$W/a.sock" > "$W/a.conf"
start() { rm -f "$W/port"; VW_TEST_NOW="$1T12:00:00Z" "$B/verwijsd" --db "$W/db" --listen 127.0.0.1:0 \
  --socket "$W/s" --port-file "$W/port" --config "$W/a.conf" --test-clock >"$W/log" 2>&1 & DPID=$!
  until [ -s "$W/port" ]; do sleep 0.05; done; export VERWIJS_SERVER="127.0.0.1:$(cat "$W/port")"; }
start "$back"
tail -n +2 "$W/ch.csv" | split -l 1000 - "$W/part." # an apply takes at most 1024 changes
for f in "$W"/part.*; do
  { echo 'op,kind,id,version,field,value'; cat "$f"; } > "$f.csv"
  "$B/verwijs" --timeout 600000 admin apply "$f.csv" --admin-socket "$W/a.sock" >/dev/null
done
kill $DPID; wait $DPID || true
start "$today"
ms() { local t0 t1; t0=$(date +%s%N); "$B/verwijs" --timeout 600000 networks audit --as-of "$asof" --format json >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
echo "providers=$n changes=$c undone=$(sqlite3 "$W/db" "SELECT count(*) FROM change_log WHERE at > '${asof}T23:59:59Z'") miss_ms=$(ms) hit_ms=$(ms)"
