#!/usr/bin/env bash
# callgrind_daemon.sh -- where a running verwijsd spends its instructions:
# verwijsd under callgrind (all threads) on a 20,000-provider demo database,
# 4 connections pipelined 16 deep for 15 s from bench/vwload, then the top
# functions by self cost. Instruction counts do not change with machine load,
# unlike bench/run.sh's wall-clock figures.
#
#   bash bench/callgrind_daemon.sh [--geodata DIR] [--keep DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/geodata.sh"
geodata=""; keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --geodata) geodata=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "usage: bench/callgrind_daemon.sh [--geodata DIR] [--keep DIR]" >&2; exit 2 ;;
  esac
done
[ -n "$geodata" ] || geodata=$(vw_find_geodata "$src")
. "$src/bench/lib.sh"
bench_build "$src" "$geodata"
d=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/vwcg.XXXXXX")}
mkdir -p "$d"
DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; [ -n "$keep" ] || rm -rf "$d"; }
trap cleanup EXIT
[ -f "$d/db" ] || bench_dataset "$geodata" "$d" 20000
rm -f "$d/port" "$d"/cg.out.*
valgrind --tool=callgrind --callgrind-out-file="$d/cg.out.%p" "$B/verwijsd" --db "$d/db" \
  --listen 127.0.0.1:0 --port-file "$d/port" > "$d/log" 2>&1 &
DPID=$!
for _ in $(seq 1200); do [ -s "$d/port" ] && break; sleep 0.1; done
sleep 1
"$B/vwload" --target verwijs --addr "127.0.0.1:$(cat "$d/port")" --queries "$d/queries.txt" \
  --connections 4 --pipeline 16 --duration 15 --warmup 0 --rate 0 --json "$d/r.json" >/dev/null 2>&1
kill -TERM "$DPID"; wait "$DPID" || true; DPID=""
echo "requests answered: $(python3 -c "import json;print(json.load(open('$d/r.json'))['requests'])") (the totals include start-up: snapshot load and geography)"
callgrind_annotate --inclusive=no "$d"/cg.out.* 2>/dev/null | sed -n '/PROGRAM TOTALS/,$p' | head -30
