#!/usr/bin/env bash
# run.sh -- the end-to-end benchmark: verwijsd beside Redis (bare ids, and the
# records through one Lua call) and PostgreSQL + PostGIS, on the same data and
# the same queries, at several directory sizes, with the ping ceiling.
#
#   bash bench/run.sh [--sizes 20000,100000] [--with-1m] [--duration 10]
#                     [--geodata DIR] [--no-postgis]
#   (quick check of the script itself: --sizes 20000 --duration 2)
#
# Per size: generate (seed 42) and import a dataset, start verwijsd (Release
# build) and redis-server on free loopback ports; export the providers once
# from verwijsd's SQLite database (bench/export.sql: the tags valid today)
# and load that one CSV into Redis (bench/redis_records.py: a GEO key per
# discipline and discipline x expertise, and a HASH p:<id> per provider) and
# into PostgreSQL (bench/postgis.sql: geography + GiST, tags text[] + GIN).
# The queries are the same 20,000 population-weighted origins (vwload
# --make-queries, seed 7) for every system: `match` fysiotherapeut +
# oncologie within 15 minutes by car, k = 10; Redis and PostGIS get the
# radius the travel-time model gives for 15 minutes (15/60 x 40 km/h / 1.35
# = 7.407 km straight line). Runs, 50 connections, closed loop, pipelined 16
# and unpipelined:
#   verwijs    vwload, match (full provider records, about 3 KB per answer)
#   redis      vwload, GEOSEARCH ... ASC COUNT 10 (ten ids)
#   redis-lua  vwload, EVALSHA: GEOSEARCH ... WITHDIST + HGETALL of each hit
#   postgis    pgbench -M prepared -j 2, bench/pgbench_match.sql (pipelined:
#              16 queries between \startpipeline and \endpipeline)
# and the ping ceiling: verwijsd's ping (vwload --op ping) pipelined 16 and
# not, the same ping padded to match's mean answer size (vwload --pad: the
# ceiling of any answer path for answers that large), Redis PING with the
# same client (vwload) and with redis-benchmark -t ping, pipelined 16.
# Then verwijsd alone in an open loop (vwload --rate) at 5,000 q/s and at
# half its unpipelined maximum; snapshot load time, RSS, the engine
# microbenchmark and national coverage (coveragebench); and agree.py checks
# on 100 origins that the three systems return the same providers.
# PostgreSQL runs from /usr/lib/postgresql/15/bin in a temporary directory on
# a loopback port (as user postgres when run as root). Every service started
# here is stopped at the end, also on Ctrl-C. Output: the runs and a summary
# with the ratios and the issue-18 targets on stdout, bench/results-latest.json.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
sizes=20000,100000
duration=10
postgis=1
. "$src/scripts/geodata.sh"
geodata=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --with-1m) sizes="$sizes,1000000"; shift ;;
    --duration) duration=$2; shift 2 ;;
    --geodata) geodata=$2; shift 2 ;;
    --no-postgis) postgis=0; shift ;;
    *) echo "usage: bench/run.sh [--sizes N,N] [--with-1m] [--duration S] [--geodata DIR] [--no-postgis]" >&2
       exit 2 ;;
  esac
done
[ -n "$geodata" ] || geodata=$(vw_find_geodata "$src")
bash "$src/scripts/deps.sh"
B="$src/build-bench"
cmake -S "$src" -B "$B" -DCMAKE_BUILD_TYPE=Release -DVW_GEODATA_DIR="$geodata" >/dev/null
cmake --build "$B" -j"$(nproc)" --target verwijsd verwijs vwload microbench coveragebench >/dev/null
PGBIN=/usr/lib/postgresql/15/bin
if [ "$postgis" = 1 ] && { [ ! -x "$PGBIN/initdb" ] || ! command -v pgbench >/dev/null; }; then
  echo "run.sh: PostgreSQL 15 + PostGIS missing: apt-get install -y postgresql postgresql-15-postgis-3 (or --no-postgis)" >&2
  exit 2
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/vwbench.XXXXXX")
P=""; DPID=""; RPID=""; PGPORT=""
pg() { # a PostgreSQL server binary, as user postgres when we are root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() { # every step runs, whatever failed before it (no errexit here)
  set +e
  if [ -n "$DPID" ]; then kill "$DPID" 2>/dev/null; fi
  if [ -n "$RPID" ]; then kill "$RPID" 2>/dev/null; fi
  if [ -n "$PGPORT" ]; then pg "$PGBIN/pg_ctl" -D "$P/data" -m immediate -w stop >/dev/null 2>&1; fi
  DPID=""; RPID=""; PGPORT=""
  rm -rf "$W"
  if [ -n "$P" ]; then rm -rf "$P"; fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/VmRSS/{printf "%.0f", $2/1024}' "/proc/$1/status"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres)

if [ "$postgis" = 1 ]; then
  P=$(mktemp -d "${TMPDIR:-/tmp}/vwpg.XXXXXX")
  [ "$(id -u)" = 0 ] && chown postgres: "$P"
  pg "$PGBIN/initdb" -D "$P/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >/dev/null
  PGPORT=$(free_port) # set first: cleanup stops a server that is still starting
  pg "$PGBIN/pg_ctl" -D "$P/data" -l "$P/log" -w -o "-p $PGPORT -k $P -c listen_addresses=127.0.0.1 \
    -c max_connections=120 -c shared_buffers=256MB -c fsync=off -c synchronous_commit=off" start >/dev/null
  PSQL+=(-p "$PGPORT")
  { for j in $(seq 16); do echo "\\set i$j random(1, :norigins)"; done
    echo '\startpipeline'
    for j in $(seq 16); do echo "SELECT * FROM bench_match(:i$j);"; done
    echo '\endpipeline'; } > "$W/pgbench_p16.sql"
fi

"$B/vwload" --make-queries --geodata "$geodata" --count 20000 --seed 7 > "$W/queries.txt"
nqueries=$(wc -l < "$W/queries.txt")
echo "| providers | target | conns | pipeline | q/s | p50 us | p90 us | p99 us | p99.9 us | errors (+ unfinished) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
json="["
summary=""
declare -A Q B_ANSWER
for n in ${sizes//,/ }; do
  d="$W/$n"; mkdir -p "$d"
  loads="$(load1)"
  "$B/verwijs" gen --geodata "$geodata" --out "$d" --providers "$n" --seed 42 2>/dev/null
  t0=$(date +%s.%N)
  "$B/verwijs" import pc4 "$geodata/pc4_centroids.csv" --db "$d/db" --skip-invalid 2>/dev/null
  "$B/verwijs" import places "$geodata/places_nl.csv" --db "$d/db" --skip-invalid 2>/dev/null
  "$B/verwijs" import regions "$geodata/gemeente_2015.geojson" --db "$d/db" 2>/dev/null
  "$B/verwijs" import networks "$d/networks.csv" --db "$d/db" 2>/dev/null
  "$B/verwijs" import providers "$d/providers.csv" --db "$d/db" 2>/dev/null
  "$B/verwijs" import registrations "$d/registrations.csv" --db "$d/db" 2>/dev/null
  import_s=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $t0))")
  sqlite3 -header -csv "$d/db" < "$src/bench/export.sql" > "$d/export.csv"
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
  python3 "$src/bench/redis_records.py" "$d/export.csv" | redis-cli -p "$rport" --pipe > "$d/redis-load.log"
  redis_rss=$(redis-cli -p "$rport" info memory | awk -F: '/^used_memory_rss:/{printf "%.0f", $2/1048576}')

  pg_load_s=0
  if [ "$postgis" = 1 ]; then
    t0=$(date +%s.%N)
    "${PSQL[@]}" -v part=tables -f "$src/bench/postgis.sql" 2>/dev/null
    "${PSQL[@]}" -c "COPY src_providers FROM STDIN CSV HEADER" < "$d/export.csv"
    awk '{print NR "," $0}' "$W/queries.txt" | "${PSQL[@]}" -c "COPY src_origins FROM STDIN CSV"
    "${PSQL[@]}" -v part=build -f "$src/bench/postgis.sql"
    pg_load_s=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $t0))")
  fi

  # one result row: prints it, appends it to json, remembers its q/s
  emit() {
    local key=$1 label=$2
    python3 -c "import json;r=json.load(open('$W/r.json'));f=lambda k:('%.1f'%r[k]) if r.get(k) is not None else '-';print('| $n | %s | 50 | $label | %.0f | %s | %s | %s | %s | %d |'%(r['target'],r['qps'],f('p50_us'),f('p90_us'),f('p99_us'),f('p999_us'),r.get('errors',0)+r.get('unfinished',0)))"
    Q[$n:$key]=$(python3 -c "import json;print(int(json.load(open('$W/r.json'))['qps']))")
    json="$json{\"providers\":$n,$(cut -c2- "$W/r.json" | tr -d '\n'),"
  }
  # one vwload run: target, pipeline depth, open-loop rate (0: closed loop), op
  load_run() { # target depth rate [op [pad]]: pad = ping's padding bytes (op ping-pad)
    local target=$1 depth=$2 qrate=$3 op=${4:-match} pad=${5:-} port=$vport label=$2
    local opargs=(--op "$op")
    if [ "$target" != verwijs ]; then port=$rport; fi
    if [ "$qrate" != 0 ]; then label="$depth, open $qrate/s"; fi
    if [ "$op" = ping-pad ]; then opargs=(--op ping --pad "$pad"); label="$depth, pad $pad B"; fi
    rm -f "$W/r.json"
    "$B/vwload" --target "$target" "${opargs[@]}" --addr "127.0.0.1:$port" --queries "$W/queries.txt" \
      --connections 50 --pipeline "$depth" --duration "$duration" --warmup 2 \
      --rate "$qrate" --json "$W/r.json" >/dev/null || true
    [ -s "$W/r.json" ] || echo '{"target":"'"$target"'","qps":0,"errors":1}' > "$W/r.json"
    emit "$target-$op-$depth-$qrate" "$label"
    if [ "$target-$op-$depth" = verwijs-match-16 ]; then
      B_ANSWER[$n]=$(python3 -c "import json;print(int(json.load(open('$W/r.json')).get('answer_bytes',0)))")
    fi
  }
  # one pgbench run: pipeline depth 1 or 16
  pg_run() {
    local depth=$1 script="$src/bench/pgbench_match.sql" out
    [ "$depth" = 16 ] && script="$W/pgbench_p16.sql"
    out=$(pgbench -n -h 127.0.0.1 -p "$PGPORT" -U postgres -M prepared -c 50 -j 2 \
      -T "$((duration + 2))" -D norigins="$nqueries" -f "$script" postgres 2>&1 || true)
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without.*/\1/p' <<< "$out")
    lat=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' <<< "$out")
    fail=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<< "$out")
    python3 -c "t=float('${tps:-0}');print('{\"target\":\"postgis\",\"connections\":50,\"pipeline\":%d,\"mode\":\"closed\",\"duration_s\":%d,\"qps\":%.1f,\"tps\":%.1f,\"latency_avg_us\":%.1f,\"errors\":%d}'%($depth,$duration+2,t*$depth,t,float('${lat:-0}')*1000,${fail:-1}))" > "$W/r.json"
    emit "postgis-match-$depth-0" "$depth (avg latency per transaction $(python3 -c "import json;print('%.0f us'%json.load(open('$W/r.json'))['latency_avg_us'])"))"
  }
  for depth in 16 1; do
    for target in verwijs redis redis-lua; do load_run "$target" "$depth" 0; done
    if [ "$postgis" = 1 ]; then pg_run "$depth"; fi
  done
  load_run verwijs 16 0 ping
  load_run verwijs 1 0 ping
  # The ceiling for answers as large as match's: ping padded to match's mean
  # answer size does the same reading, framing, copying and writing and no
  # work; no answer path can be faster than this on this machine.
  # (a padded ping's frame is 49 bytes more than its pad: the envelope, pong, time)
  pad=$(( ${B_ANSWER[$n]:-0} > 49 ? ${B_ANSWER[$n]:-0} - 49 : 0 ))
  if [ "$pad" -gt 65536 ]; then pad=65536; fi
  load_run verwijs 16 0 ping-pad "$pad"
  load_run verwijs 1 0 ping-pad "$pad"
  load_run redis 16 0 ping
  rb=$(timeout $((duration + 60)) redis-benchmark -h 127.0.0.1 -p "$rport" -t ping -P 16 -c 50 -n $((duration * 300000)) -q --csv 2>/dev/null |
       awk -F'"' '/PING_MBULK/{print int($4)}')
  echo "{\"target\":\"redis-benchmark-ping\",\"pipeline\":16,\"connections\":50,\"qps\":${rb:-0}}" > "$W/r.json"
  emit "redis-benchmark-ping-16" "16 (redis-benchmark -t ping)"
  half=$((${Q[$n:verwijs-match-1-0]} / 2))
  for qrate in 5000 "$half"; do
    if [ "$qrate" -gt 0 ]; then load_run verwijs 1 "$qrate"; fi
  done
  agree="{}"
  if [ "$postgis" = 1 ]; then
    python3 "$src/bench/agree.py" --queries "$W/queries.txt" --verwijs "$B/verwijs" --vport "$vport" \
      --rport "$rport" --pgport "$PGPORT" --sample 100 --json "$W/agree.json" | sed "s/^/| $n | /" || true
    [ -s "$W/agree.json" ] && agree=$(cat "$W/agree.json")
  fi
  rss_after=$(rss_mb "$DPID")
  loade="$(load1)"
  micro=$("$B/microbench" --providers "$n" --places "$geodata/places_nl.csv" --json 2>/dev/null | tail -1 || echo '{}')
  echo "| $n | verwijsd: snapshot load ${load_ms} ms, RSS ${rss_loaded} MB loaded / ${rss_after} MB after load; import ${import_s} s; redis RSS ${redis_rss} MB; PostGIS load + index ${pg_load_s} s; load average ${loads} at start, ${loade} at end |||||||||"
  echo "| $n | engine microbench: $micro |||||||||"
  json="$json{\"providers\":$n,\"load_ms\":${load_ms:-0},\"rss_mb\":$rss_after,\"redis_rss_mb\":${redis_rss:-0},\"postgis_load_s\":$pg_load_s,\"loadavg_start\":$loads,\"loadavg_end\":$loade,\"agreement\":$agree,\"microbench\":$micro},"
  summary="$summary $n:${load_ms:-0}:$rss_after"
  kill "$DPID"; wait "$DPID" || true; DPID=""
  kill "$RPID"; wait "$RPID" || true; RPID=""
  # National coverage for one need (issue 4), in-process, with the daemon stopped.
  "$B/coveragebench" --db "$d/db" --runs 5 | sed -n 's/^national: \(.*\)$/| '"$n"' | coverage, national, \1 |||||||||/p'
done

# The summary: q/s per system, the ratios, and the issue-18 targets.
ratio() { python3 -c "a,b=$1,$2;print('%.2fx'%(a/b) if b else '-')"; }
echo
echo "| providers | pipeline | verwijsd match | Redis ids | Redis + records (Lua) | PostGIS | verwijsd ping | Redis PING (vwload / redis-benchmark) | vs Redis ids (target >= 2x) | vs Redis + records | vs PostGIS | match / own ping (target >= 0.5 at 20k, p16) | ping padded to the answer size | match / padded ping | padded ping / Redis ids (the best ratio any answer path could reach) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
sjson="["
for s in $summary; do
  IFS=: read -r n lms rss <<< "$s"
  for depth in 16 1; do
    v=${Q[$n:verwijs-match-$depth-0]:-0} r=${Q[$n:redis-match-$depth-0]:-0}
    l=${Q[$n:redis-lua-match-$depth-0]:-0} p=${Q[$n:postgis-match-$depth-0]:-0}
    vp=${Q[$n:verwijs-ping-$depth-0]:-0} rp=${Q[$n:redis-ping-16-0]:-0} rb=${Q[$n:redis-benchmark-ping-16]:-0}
    pp=${Q[$n:verwijs-ping-pad-$depth-0]:-0}
    rpcol="$rp / $rb"
    if [ "$depth" = 1 ]; then rpcol="-"; fi
    echo "| $n | $depth | $v | $r | $l | $p | $vp | $rpcol | $(ratio "$v" "$r") | $(ratio "$v" "$l") | $(ratio "$v" "$p") | $(ratio "$v" "$vp") | $pp (${B_ANSWER[$n]:-0} B) | $(ratio "$v" "$pp") | $(ratio "$pp" "$r") |"
    sjson="$sjson{\"providers\":$n,\"pipeline\":$depth,\"verwijs\":$v,\"redis_ids\":$r,\"redis_records\":$l,\"postgis\":$p,\"verwijs_ping\":$vp,\"redis_ping\":$rp,\"redis_benchmark_ping\":$rb,\"verwijs_ping_padded\":$pp,\"answer_bytes\":${B_ANSWER[$n]:-0}},"
  done
  if [ "$n" = 1000000 ]; then
    echo "| 1000000 | targets | load ${lms} ms (target <= 1000) | RSS ${rss} MB (target <= 250) | vs Redis ids p16 $(ratio "${Q[$n:verwijs-match-16-0]:-0}" "${Q[$n:redis-match-16-0]:-0}"), p1 $(ratio "${Q[$n:verwijs-match-1-0]:-0}" "${Q[$n:redis-match-1-0]:-0}") (target >= 20x) ||||||||"
  fi
done
echo "${json%,},{\"summary\":${sjson%,}]}]" > "$src/bench/results-latest.json"
echo "(machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average now $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%F %H:%M UTC'))"
