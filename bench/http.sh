#!/usr/bin/env bash
# http.sh -- the HTTP/JSON gateway against the msgpack path on the same match
# queries (fysiotherapeut + oncologie within 15 min by car, k = 10, vwload's
# origins), one verwijsd serving both (issue 18: HTTP >= 0.7x msgpack with
# keep-alive; pipelined HTTP no slower than without).
#   bash bench/http.sh [--providers 20000] [--duration 10] [--connections 50]
#   bash bench/http.sh --callgrind [--providers 20000] [--only mp|http] [--warm]
# Default: throughput, msgpack by bench/vwload and HTTP by wrk (Debian
# package; bench/http_match.lua), pipeline 1 and 16, and the ratios.
# --callgrind: verwijsd (1 worker) under valgrind, 200 and 1,200 requests of
# each protocol from bench/seqclient.py; the difference / 1,000 is the
# instructions one request costs, independent of the machine's load. (Cold:
# the answer caches -- packcache, and the JSON cache of provider objects,
# http_json_cache -- still miss on providers first seen among requests
# 201..1,200.) --warm: the first 1,000 queries over and over, 1,200 and 2,200
# requests: the 1,000 counted are all repeats, so the caches are warm as
# under a steady load.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/geodata.sh"
providers=20000; duration=10; conns=50; mode=rate; geodata=""; only="mp http"; warm=0
while [ $# -gt 0 ]; do
  case "$1" in
    --providers) providers=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --callgrind) mode=callgrind; shift ;;
    --geodata) geodata=$2; shift 2 ;;
    --only) only=$2; shift 2 ;; # --callgrind: one protocol (mp or http)
    --warm) warm=1; shift ;;    # --callgrind: count repeated queries only
    *) echo "usage: bench/http.sh [--providers N] [--duration S] [--connections C] [--callgrind [--only mp|http] [--warm]]" >&2; exit 2 ;;
  esac
done
[ -n "$geodata" ] || geodata=$(vw_find_geodata "$src")
for t in wrk valgrind; do
  if [ "$t" = wrk ] && [ "$mode" = callgrind ]; then continue; fi
  if [ "$t" = valgrind ] && [ "$mode" = rate ]; then continue; fi
  command -v "$t" >/dev/null || { echo "http.sh: needs $t (apt-get install -y $t)" >&2; exit 2; }
done
. "$src/bench/lib.sh"
bench_build "$src" "$geodata"
W=$(mktemp -d "${TMPDIR:-/tmp}/vwhttp.XXXXXX")
DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

bench_dataset "$geodata" "$W" "$providers"
printf 'http_timeout = 3600\n' > "$W/conf" # valgrind is slow; keep-alive must survive it

start() { # start [prefix...]: verwijsd with msgpack and HTTP on free ports ($workers: --workers N)
  rm -f "$W/port" "$W/hport"
  "$@" "$B/verwijsd" ${workers:-} --db "$W/db" --config "$W/conf" --listen 127.0.0.1:0 --port-file "$W/port" \
    --http 127.0.0.1:0 --http-port-file "$W/hport" > "$W/log" 2>&1 &
  DPID=$!
  for _ in $(seq 1200); do [ -s "$W/port" ] && [ -s "$W/hport" ] && break; sleep 0.1; done
}
stop() { kill -TERM "$DPID"; wait "$DPID" || true; DPID=""; }

echo "# $(date -u +%FT%TZ) $(nproc) cores, $providers providers, $(git -C "$src" rev-parse --short HEAD)"
if [ "$mode" = callgrind ]; then
  ir() { # ir PROTO N [CYCLE] -> instructions of the whole verwijsd run
    rm -f "$W"/cg.*
    workers="--workers 1" start valgrind --tool=callgrind --callgrind-out-file="$W/cg.%p"
    local port; if [ "$1" = mp ]; then port=$(cat "$W/port"); else port=$(cat "$W/hport"); fi
    python3 "$src/bench/seqclient.py" "$1" "$port" "$2" "$W/queries.txt" ${3:-} >&2
    stop
    callgrind_annotate "$W"/cg.* 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}'
  }
  for p in $only; do
    if [ "$warm" = 1 ]; then a=$(ir $p 1200 1000); b=$(ir $p 2200 1000); else a=$(ir $p 200); b=$(ir $p 1200); fi
    echo "$p: $(( (b - a) / 1000 )) instructions per match request$([ "$warm" = 1 ] && echo " (warm)")"
  done
  exit 0
fi

start
vport=$(cat "$W/port"); hport=$(cat "$W/hport")
echo "| protocol | conns | pipeline | q/s |"
echo "|---|---|---|---|"
declare -A qps
for depth in 1 16; do
  "$B/vwload" --target verwijs --addr "127.0.0.1:$vport" --queries "$W/queries.txt" \
    --connections "$conns" --pipeline "$depth" --duration "$duration" --warmup 2 --json "$W/mp.json" >/dev/null 2>&1
  qps[mp$depth]=$(python3 -c "import json;print(int(json.load(open('$W/mp.json'))['qps']))")
  echo "| msgpack | $conns | $depth | ${qps[mp$depth]} |"
  wrk -t2 -c"$conns" -d"${duration}s" -s "$src/bench/http_match.lua" "http://127.0.0.1:$hport" \
    -- "$W/queries.txt" "$depth" > "$W/wrk.out" 2>&1
  # wrk prints these lines only when it saw such answers or errors
  if grep -q "Non-2xx or 3xx responses\|Socket errors" "$W/wrk.out" || ! grep -q "^Requests/sec" "$W/wrk.out"; then
    echo "http.sh: wrk saw errors:" >&2; cat "$W/wrk.out" >&2; exit 1
  fi
  # wrk counts responses (a pipelined batch of 16 is 16)
  qps[http$depth]=$(awk '/^Requests\/sec/{printf "%d", $2}' "$W/wrk.out")
  echo "| HTTP/JSON | $conns | $depth | ${qps[http$depth]} |"
done
stop
python3 - "${qps[mp1]}" "${qps[http1]}" "${qps[mp16]}" "${qps[http16]}" <<'PY'
import sys
mp1, h1, mp16, h16 = map(float, sys.argv[1:])
print("HTTP / msgpack: pipeline 1 %.2fx, pipeline 16 %.2fx; HTTP pipelined / not %.2fx" % (h1 / mp1, h16 / mp16, h16 / h1))
PY
