#!/usr/bin/env bash
# run.sh -- the end-to-end benchmark: verwijsd beside Redis GEOSEARCH on the
# same dataset and the same queries, at several directory sizes.
#
#   bash bench/run.sh [--sizes 20000,100000,1000000] [--duration 10] [--geodata DIR]
#   (quick check of the script itself: --sizes 20000 --duration 2)
#
# Per size: generate (seed 42) and import a dataset, start verwijsd (Release
# build) and redis-server on free loopback ports, load Redis with one GEO key
# per discipline and discipline x expertise, then run bench/vwload with the
# same population-weighted queries against both: 50 connections pipelined 16
# deep, and 50 connections without pipelining (closed loop: maximum
# throughput; at saturation the latency is queueing). Then verwijsd alone in
# an open loop (vwload --rate: fixed schedule, latency from each request's
# scheduled time): 50 connections without pipelining at 5,000 q/s and at half
# of the closed-loop unpipelined maximum just measured. Also records snapshot
# load time, verwijsd's resident memory, the in-process engine
# microbenchmark and a national coverage run per need (coveragebench).
# Everything runs on loopback and stops by itself. Results: a markdown table
# on stdout and bench/results-latest.json.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
sizes=20000,100000,1000000
duration=10
. "$src/scripts/geodata.sh"
geodata=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --geodata) geodata=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--sizes N,N] [--duration S] [--geodata DIR]" >&2; exit 2 ;;
  esac
done
[ -n "$geodata" ] || geodata=$(vw_find_geodata "$src")
bash "$src/scripts/deps.sh"
B="$src/build-bench"
cmake -S "$src" -B "$B" -DCMAKE_BUILD_TYPE=Release -DVW_GEODATA_DIR="$geodata" >/dev/null
cmake --build "$B" -j"$(nproc)" --target verwijsd verwijs vwload microbench coveragebench >/dev/null
W=$(mktemp -d "${TMPDIR:-/tmp}/vwbench.XXXXXX")
DPID=""; RPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; [ -n "$RPID" ] && kill "$RPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/VmRSS/{printf "%.0f", $2/1024}' "/proc/$1/status"; }

"$B/vwload" --make-queries --geodata "$geodata" --count 20000 --seed 7 > "$W/queries.txt"
echo "| providers | target | conns | pipeline | q/s | p50 us | p90 us | p99 us | p99.9 us | errors (+ unfinished) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
json="["
for n in ${sizes//,/ }; do
  d="$W/$n"; mkdir -p "$d"
  "$B/verwijs" gen --geodata "$geodata" --out "$d" --providers "$n" --seed 42 2>/dev/null
  t0=$(date +%s.%N)
  "$B/verwijs" import pc4 "$geodata/pc4_centroids.csv" --db "$d/db" --skip-invalid 2>/dev/null
  "$B/verwijs" import places "$geodata/places_nl.csv" --db "$d/db" --skip-invalid 2>/dev/null
  "$B/verwijs" import regions "$geodata/gemeente_2015.geojson" --db "$d/db" 2>/dev/null
  "$B/verwijs" import networks "$d/networks.csv" --db "$d/db" 2>/dev/null
  "$B/verwijs" import providers "$d/providers.csv" --db "$d/db" 2>/dev/null
  "$B/verwijs" import registrations "$d/registrations.csv" --db "$d/db" 2>/dev/null
  import_s=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $t0))")
  "$B/verwijsd" --db "$d/db" --listen 127.0.0.1:0 --port-file "$d/port" > "$d/log" 2>&1 &
  DPID=$!
  for _ in $(seq 600); do [ -s "$d/port" ] && break; sleep 0.05; done
  vport=$(cat "$d/port")
  load_ms=$(grep -o 'in [0-9]* ms' "$d/log" | head -1 | grep -o '[0-9]*')
  rss_loaded=$(rss_mb "$DPID")

  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no > "$d/redis.log" 2>&1 &
  RPID=$!
  for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
  sqlite3 -separator '|' "$d/db" "select id, discipline, expertise, lat, lon from providers" |
    "$B/vwload" --redis-load "127.0.0.1:$rport" 2>/dev/null
  redis_rss=$(redis-cli -p "$rport" info memory | awk -F: '/^used_memory_rss:/{printf "%.0f", $2/1048576}')

  # one vwload run: target, pipeline depth, open-loop rate (0: closed loop)
  load_run() {
    local target=$1 depth=$2 qrate=$3 port=$vport label=$2
    if [ "$target" = redis ]; then port=$rport; fi
    if [ "$qrate" != 0 ]; then label="$depth, open $qrate/s"; fi
    "$B/vwload" --target "$target" --addr "127.0.0.1:$port" --queries "$W/queries.txt" \
      --connections 50 --pipeline "$depth" --duration "$duration" --warmup 2 \
      --rate "$qrate" --json "$W/r.json" >/dev/null || true
    r=$(cat "$W/r.json")
    python3 -c "import json;r=json.load(open('$W/r.json'));print('| $n | $target | 50 | $label | %.0f | %.1f | %.1f | %.1f | %.1f | %d |'%(r['qps'],r['p50_us'],r['p90_us'],r['p99_us'],r['p999_us'],r['errors']+r.get('unfinished',0)))"
    json="$json{\"providers\":$n,${r#\{},"
  }
  closed_max=0
  for mode in "16" "1"; do
    for target in verwijs redis; do
      load_run "$target" "$mode" 0
      if [ "$target" = verwijs ] && [ "$mode" = 1 ]; then
        closed_max=$(python3 -c "import json;print(int(json.load(open('$W/r.json'))['qps']))")
      fi
    done
  done
  half=$((closed_max / 2))
  for qrate in 5000 "$half"; do
    if [ "$qrate" -gt 0 ]; then load_run verwijs 1 "$qrate"; fi
  done
  rss_after=$(rss_mb "$DPID")
  micro=$("$B/microbench" --providers "$n" --places "$geodata/places_nl.csv" --json 2>/dev/null | tail -1 || echo '{}')
  echo "| $n | verwijsd: snapshot load ${load_ms} ms, RSS ${rss_loaded} MB loaded / ${rss_after} MB after load; import ${import_s} s; redis RSS ${redis_rss} MB |||||||||"
  echo "| $n | engine microbench: $micro |||||||||"
  json="$json{\"providers\":$n,\"load_ms\":${load_ms:-0},\"rss_mb\":$rss_after,\"redis_rss_mb\":${redis_rss:-0},\"microbench\":$micro},"
  kill "$DPID"; wait "$DPID" || true; DPID=""
  kill "$RPID"; wait "$RPID" || true; RPID=""
  # National coverage for one need (issue 4), in-process, with the daemon stopped.
  "$B/coveragebench" --db "$d/db" --runs 5 | sed -n 's/^national: \(.*\)$/| '"$n"' | coverage, national, \1 |||||||||/p'
done
echo "${json%,}]" > "$src/bench/results-latest.json"
echo "(machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F))"
