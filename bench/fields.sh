#!/usr/bin/env bash
# fields.sh -- what a caller that asks for less gets (issue 18, the `fields`
# argument of match): the same match queries as bench/run.sh (fysiotherapeut
# + oncologie within 15 min by car, k = 10, vwload's origins) with the full
# default answer, with `fields` = "ids" (id, km, minutes, time_source) and
# with a named subset, pipeline 1 and 16, in one run against one verwijsd;
# prints q/s, latency and the mean answer size in bytes of each.
#   bash bench/fields.sh [--providers 20000] [--duration 10] [--connections 50]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/geodata.sh"
providers=20000; duration=10; conns=50; geodata=""
subset="id,name,discipline,minutes,phone,postcode"
while [ $# -gt 0 ]; do
  case "$1" in
    --providers) providers=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --geodata) geodata=$2; shift 2 ;;
    *) echo "usage: bench/fields.sh [--providers N] [--duration S] [--connections C]" >&2; exit 2 ;;
  esac
done
[ -n "$geodata" ] || geodata=$(vw_find_geodata "$src")
. "$src/bench/lib.sh"
bench_build "$src" "$geodata"
W=$(mktemp -d "${TMPDIR:-/tmp}/vwfields.XXXXXX")
DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

bench_dataset "$geodata" "$W" "$providers"
"$B/verwijsd" --db "$W/db" --listen 127.0.0.1:0 --port-file "$W/port" > "$W/log" 2>&1 &
DPID=$!
for _ in $(seq 600); do [ -s "$W/port" ] && break; sleep 0.1; done
port=$(cat "$W/port")

echo "# $(date -u +%FT%TZ) $(nproc) cores, $providers providers, $conns connections," \
     "$(git -C "$src" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
for p in 1 16; do
  for f in full ids "$subset"; do
    args=(); [ "$f" = full ] || args=(--fields "$f")
    printf '%-44s ' "fields=$f"
    "$B/vwload" --target verwijs --addr "127.0.0.1:$port" --queries "$W/queries.txt" \
      --connections "$conns" --pipeline "$p" --duration "$duration" --warmup 2 "${args[@]}" |
      sed 's/^verwijs *//'
  done
done
