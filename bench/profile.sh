#!/usr/bin/env bash
# profile.sh -- where verwijsd's request path spends its CPU, per stage
# (issue 18): `perf record -g` of one verwijsd (RelWithDebInfo with frame
# pointers, build-prof) under vwload's `match` load (fysiotherapeut +
# oncologie, 15 min by car, k = 10, 50 connections), classified by
# bench/perf_stages.py into read, decode, engine, encode, write, ...; run
# with the answer cache off (answer_cache = 0: every provider packed afresh)
# and on (the default), so the same binary gives before and after.
#   bash bench/profile.sh [--providers 20000] [--duration 8] [--pipeline 16]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/geodata.sh"
providers=20000; duration=8; pipeline=16; geodata=""
while [ $# -gt 0 ]; do
  case "$1" in
    --providers) providers=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --pipeline) pipeline=$2; shift 2 ;;
    --geodata) geodata=$2; shift 2 ;;
    *) echo "usage: bench/profile.sh [--providers N] [--duration S] [--pipeline P]" >&2; exit 2 ;;
  esac
done
command -v perf >/dev/null || { echo "profile.sh: needs perf (apt-get install linux-perf)" >&2; exit 2; }
[ -n "$geodata" ] || geodata=$(vw_find_geodata "$src")
. "$src/bench/lib.sh"
B="$src/build-prof"
cmake -S "$src" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="-fno-omit-frame-pointer" \
      -DVW_GEODATA_DIR="$geodata" >/dev/null
cmake --build "$B" -j"$(nproc)" --target verwijsd verwijs vwload >/dev/null
W=$(mktemp -d "${TMPDIR:-/tmp}/vwprof.XXXXXX")
DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
bench_dataset "$geodata" "$W" "$providers"

echo "# $(date -u +%FT%TZ) $(nproc) cores, $providers providers, pipeline $pipeline," \
     "$(git -C "$src" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
for cache in 0 4194304; do
  printf 'answer_cache = %s\n' "$cache" > "$W/conf"
  rm -f "$W/port"
  "$B/verwijsd" --db "$W/db" --config "$W/conf" --listen 127.0.0.1:0 --port-file "$W/port" \
    > "$W/log" 2>&1 &
  DPID=$!
  for _ in $(seq 600); do [ -s "$W/port" ] && break; sleep 0.1; done
  "$B/vwload" --target verwijs --addr "127.0.0.1:$(cat "$W/port")" --queries "$W/queries.txt" \
    --connections 50 --pipeline "$pipeline" --duration $((duration + 4)) --warmup 2 > "$W/load" &
  LPID=$!
  sleep 3
  perf record -F 2000 -g -p "$DPID" -o "$W/perf.data" -- sleep "$duration" >/dev/null 2>&1
  wait "$LPID"
  kill "$DPID"; wait "$DPID" 2>/dev/null || true; DPID=""
  echo "## answer_cache = $cache: $(sed 's/^verwijs *//' "$W/load")"
  # daemon CPU: samples at 2000 Hz per busy thread over $duration s
  perf script -i "$W/perf.data" -F tid,ip,sym 2>/dev/null | python3 "$src/bench/perf_stages.py"
  samples=$(perf script -i "$W/perf.data" -F tid 2>/dev/null | wc -l)
  qps=$(sed -n 's/.* \([0-9][0-9]*\) q\/s.*/\1/p' "$W/load")
  echo "daemon CPU: $samples samples = $(awk -v s="$samples" -v d="$duration" \
       '{}END{printf "%.2f", s / 2000 / d}' </dev/null) cores;" \
       "per answer $(awk -v s="$samples" -v d="$duration" -v q="${qps:-0}" \
       '{}END{if (q > 0) printf "%.1f", s / 2000 / d / q * 1e6; else printf "?"}' </dev/null) us"
done
