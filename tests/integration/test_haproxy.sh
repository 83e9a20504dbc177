#!/usr/bin/env bash
# test_haproxy.sh -- scale-out on loopback: 3 verwijsd replicas serving one
# read-only SQLite snapshot file, HAProxy in front (msgpack in mode tcp, HTTP
# in mode http, both checked on /readyz), a query load through HAProxy on both
# protocols, one replica killed with SIGKILL. Asserts: no request that started
# after HAProxy marked the replica DOWN failed; reports how many failed between
# the kill and that moment. Bound: checks every INTER_MS, DOWN after FALL
# failures, so DOWN comes at most FALL x INTER_MS + TIMEOUT_CHECK_MS after the
# kill (stated, not asserted: no timing assertions in tests).
# Skips (exit 77) when haproxy is not installed.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
HAPROXY=$(command -v haproxy || ls /usr/sbin/haproxy 2>/dev/null || true)
if [ -z "$HAPROXY" ]; then
  echo "SKIP: haproxy is not installed (apt-get install haproxy, or bash scripts/deps.sh)"
  exit 77
fi
INTER_MS=100 FALL=2 RISE=2 TIMEOUT_CHECK_MS=100
BOUND_MS=$((INTER_MS * FALL + TIMEOUT_CHECK_MS))

expect_exit 0 "gen" "$V" gen --geodata "$G" --out "$T" --providers 2000 --seed 5
DB="$T/work.db"
expect_exit 0 "import pc4" "$V" import pc4 "$G/pc4_centroids.csv" --db "$DB" --skip-invalid
expect_exit 0 "import networks" "$V" import networks "$T/networks.csv" --db "$DB"
expect_exit 0 "import providers" "$V" import providers "$T/providers.csv" --db "$DB"
# The shared snapshot: one self-contained file (rollback journal, no -wal or
# -shm), read-only, opened by every replica (docs/DEPLOY.md).
SNAP="$T/snapshot-1.db"
sqlite3 "$DB" "VACUUM INTO '$SNAP'"
chmod 0444 "$SNAP"
check "snapshot is in rollback-journal mode" test "$(sqlite3 -readonly "$SNAP" 'PRAGMA journal_mode')" = delete

# ---- 3 replicas ---------------------------------------------------------------
RPIDS=()
for i in 1 2 3; do
  "$D" --db "$SNAP" --listen 127.0.0.1:0 --port-file "$T/r$i.port" --http 127.0.0.1:0 \
       --http-port-file "$T/r$i.hport" --workers 1 --log-level info >>"$T/r$i.log" 2>&1 &
  RPIDS+=($!)
done
HPID=""
LOADPIDS=()
stop_all() {
  for p in "${LOADPIDS[@]}" "${RPIDS[@]}" $HPID; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap 'stop_all; cleanup' EXIT
for i in 1 2 3; do
  for _ in $(seq 200); do [ -s "$T/r$i.port" ] && [ -s "$T/r$i.hport" ] && break; sleep 0.05; done
  if [ ! -s "$T/r$i.hport" ]; then echo "replica $i did not start" >&2; cat "$T/r$i.log" >&2; exit 1; fi
done

# ---- HAProxy, unprivileged, in the foreground, with a generated config ----------
read -r FP_TCP FP_HTTP FP_STATS < <(python3 -c "
import socket
ss=[socket.socket() for _ in range(3)]
for s in ss: s.bind(('127.0.0.1',0))
print(*[s.getsockname()[1] for s in ss])")
servers() { # PORTFILE-SUFFIX CHECK-EXTRA
  for i in 1 2 3; do
    echo "    server r$i 127.0.0.1:$(cat "$T/r$i.$1") check $2 $(eval echo "$3")"
  done
}
{
  cat <<CFG
global
    maxconn 2000
defaults
    timeout connect 500ms
    timeout client 30s
    timeout server 30s
    timeout check ${TIMEOUT_CHECK_MS}ms
    retries 2
    option redispatch 1
    default-server inter ${INTER_MS}ms fastinter ${INTER_MS}ms downinter ${INTER_MS}ms fall $FALL rise $RISE on-marked-down shutdown-sessions
frontend msgpack_in
    mode tcp
    bind 127.0.0.1:$FP_TCP
    default_backend msgpack
backend msgpack
    mode tcp
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host verwijsd
    http-check expect status 200
CFG
  for i in 1 2 3; do
    echo "    server r$i 127.0.0.1:$(cat "$T/r$i.port") check port $(cat "$T/r$i.hport")"
  done
  cat <<CFG
frontend http_in
    mode http
    bind 127.0.0.1:$FP_HTTP
    default_backend http
backend http
    mode http
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host verwijsd
    http-check expect status 200
    retry-on conn-failure empty-response response-timeout
CFG
  for i in 1 2 3; do
    echo "    server r$i 127.0.0.1:$(cat "$T/r$i.hport") check"
  done
  cat <<CFG
listen stats
    mode http
    bind 127.0.0.1:$FP_STATS
    stats enable
    stats uri /stats
CFG
} >"$T/haproxy.cfg"
check "generated haproxy config is valid" "$HAPROXY" -q -c -f "$T/haproxy.cfg"
"$HAPROXY" -db -f "$T/haproxy.cfg" >>"$T/haproxy.log" 2>&1 &
HPID=$!

# status BACKEND SERVER -> UP / DOWN / ... from the stats CSV (column 18)
status() {
  curl -s --max-time 2 "http://127.0.0.1:$FP_STATS/stats;csv" |
    awk -F, -v b="$1" -v s="$2" '$1==b && $2==s {print $18}'
}
all_up() {
  for b in msgpack http; do for s in r1 r2 r3; do
    [ "$(status $b $s)" = UP ] || return 1
  done; done
}
for _ in $(seq 200); do all_up && break; sleep 0.05; done
check "all 6 servers UP in HAProxy" all_up
check "HTTP through HAProxy" bash -c "curl -sf 'http://127.0.0.1:$FP_HTTP/v1/match?near=3511&discipline=dietist&limit=2' | grep -q '\"count\":2'"
expect_exit 0 "msgpack through HAProxy" "$V" --server "127.0.0.1:$FP_TCP" match --near 3511 --discipline dietist --limit 2

# ---- the load: one request per connection, start time and outcome ---------------
load_tcp() {
  while [ ! -e "$T/stop" ]; do
    local s=$EPOCHREALTIME
    if "$V" --server "127.0.0.1:$FP_TCP" --timeout 5000 match --near 3511 --discipline dietist \
         --limit 3 --json >/dev/null 2>>"$T/load_tcp.err"; then
      echo "$s $EPOCHREALTIME ok"; else echo "$s $EPOCHREALTIME fail"; fi
  done >"$T/load_tcp"
}
load_http() {
  while [ ! -e "$T/stop" ]; do
    local s=$EPOCHREALTIME
    local code; code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
      "http://127.0.0.1:$FP_HTTP/v1/match?near=7411&discipline=fysiotherapeut&limit=3")
    if [ "$code" = 200 ]; then echo "$s $EPOCHREALTIME ok"; else echo "$s $EPOCHREALTIME fail $code"; fi
  done >"$T/load_http"
}
load_tcp & LOADPIDS+=($!)
load_http & LOADPIDS+=($!)
count_ok() { grep -c ' ok' "$1" 2>/dev/null || true; }
for _ in $(seq 400); do
  [ "$(count_ok "$T/load_tcp")" -ge 30 ] && [ "$(count_ok "$T/load_http")" -ge 30 ] && break
  sleep 0.05
done

# ---- kill one replica; wait until HAProxy has marked it DOWN ----------------------
T_KILL=$EPOCHREALTIME
kill -9 "${RPIDS[1]}"
wait "${RPIDS[1]}" 2>/dev/null
for _ in $(seq 600); do
  [ "$(status msgpack r2)" = DOWN ] && [ "$(status http r2)" = DOWN ] && break
  sleep 0.01
done
T_DOWN=$EPOCHREALTIME
check "r2 marked DOWN in both backends" test "$(status msgpack r2)/$(status http r2)" = DOWN/DOWN
check "r1 and r3 stay UP" test "$(status http r1)$(status http r3)$(status msgpack r1)$(status msgpack r3)" = UPUPUPUP

# keep the load going until each protocol has 100 more requests after DOWN
after_down() { awk -v t="$T_DOWN" '$1 > t' "$1" | wc -l; }
for _ in $(seq 1200); do
  [ "$(after_down "$T/load_tcp")" -ge 100 ] && [ "$(after_down "$T/load_http")" -ge 100 ] && break
  sleep 0.05
done
touch "$T/stop"
wait "${LOADPIDS[@]}" 2>/dev/null
LOADPIDS=()

for p in tcp http; do
  f="$T/load_$p"
  total=$(wc -l <"$f")
  # A request still in flight at the kill may fail (the replica died under
  # it): "before" counts requests that ended before the kill.
  before=$(awk -v k="$T_KILL" '$2 < k && $3 == "fail"' "$f" | wc -l)
  window=$(awk -v k="$T_KILL" -v d="$T_DOWN" '$2 >= k && $1 <= d && $3 == "fail"' "$f" | wc -l)
  n_after=$(after_down "$f")
  failed_after=$(awk -v d="$T_DOWN" '$1 > d && $3 == "fail"' "$f" | wc -l)
  echo "load $p: $total requests; failed before the kill: $before; between kill and DOWN: $window;" \
       "after DOWN: $failed_after of $n_after"
  check "$p: no failure before the kill" test "$before" = 0
  check "$p: at least 100 requests after DOWN" test "$n_after" -ge 100
  check "$p: zero failed requests after HAProxy marked the replica DOWN" test "$failed_after" = 0
done
awk -v k="$T_KILL" -v d="$T_DOWN" 'BEGIN { printf "kill -> DOWN seen: %.0f ms (bound: fall x inter + timeout check = '"$BOUND_MS"' ms, plus polling)\n", (d - k) * 1000 }'

# the survivors answered the load; the killed one is gone
for i in 1 3; do
  check "replica $i still ready" bash -c "curl -sf http://127.0.0.1:$(cat "$T/r$i.hport")/readyz >/dev/null"
done
# privacy: no replica log (nor HAProxy's) holds a PC6 or a precise coordinate
for i in 1 2 3; do privacy_check "$T/r$i.log"; done
privacy_check "$T/haproxy.log"
finish
