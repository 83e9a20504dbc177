#!/usr/bin/env bash
# test_haproxy.sh -- scale-out on loopback: 3 verwijsd replicas serving one
# read-only SQLite snapshot file, HAProxy in front with the shipped
# deploy/haproxy/haproxy.cfg (ports and addresses adapted: msgpack in mode tcp,
# HTTP in mode http, both TLS-terminated, both checked on /readyz; its
# path-only access log checked), a query load through HAProxy on both
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
DB="$T/source.db"
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

# ---- HAProxy, unprivileged, in the foreground, with the shipped config ----------
# deploy/haproxy/haproxy.cfg with loopback ports, the replicas' addresses, a
# test certificate, the test's check intervals, the access log on stdout and
# no privileged bits (stats socket, user/group, global maxconn above the FD
# limit); everything else as shipped.
read -r FP_TCP FP_HTTP FP_STATS < <(python3 -c "
import socket
ss=[socket.socket() for _ in range(3)]
for s in ss: s.bind(('127.0.0.1',0))
print(*[s.getsockname()[1] for s in ss])")
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
cat "$T/tls.crt" "$T/tls.key" >"$T/verwijs.pem"
python3 - "$VW_SRC/deploy/haproxy/haproxy.cfg" "$T" "$FP_TCP" "$FP_HTTP" "$FP_STATS" \
  "$INTER_MS" "$FALL" "$RISE" "$TIMEOUT_CHECK_MS" \
  "$(cat "$T/r1.port") $(cat "$T/r2.port") $(cat "$T/r3.port")" \
  "$(cat "$T/r1.hport") $(cat "$T/r2.hport") $(cat "$T/r3.hport")" >"$T/haproxy.cfg" <<'PY'
import re, sys
src, T, tcp, http, stats, inter, fall, rise, tcheck, ports, hports = sys.argv[1:]
ports, hports = ports.split(), hports.split()
out, n = [], {}
def sub(pat, rep, line):
    new = re.sub(pat, rep, line)
    n[pat] = n.get(pat, 0) + (new != line)
    return new
for line in open(src):
    if re.match(r'\s*(stats socket|user|group) ', line):
        continue
    line = sub(r'^(\s*)log /dev/log local0 info', r'\1log stdout format raw local0 info', line)
    line = sub(r'^(\s*)maxconn 20000', r'\1maxconn 2000', line)  # within an unprivileged FD limit
    line = sub(r'crt /etc/haproxy/verwijs\.pem', 'crt %s/verwijs.pem' % T, line)
    line = sub(r'bind :4747 ', 'bind 127.0.0.1:%s ' % tcp, line)
    line = sub(r'bind :8080 ', 'bind 127.0.0.1:%s ' % http, line)
    line = sub(r'bind 127\.0\.0\.1:8404', 'bind 127.0.0.1:%s' % stats, line)
    line = sub(r'timeout check 1s', 'timeout check %sms' % tcheck, line)
    line = sub(r'inter 1s fastinter 500ms downinter 1s fall 2 rise 2',
               'inter {0}ms fastinter {0}ms downinter {0}ms fall {1} rise {2}'.format(inter, fall, rise), line)
    m = re.match(r'(\s*server v(\d) )10\.0\.0\.1\d:(4747 check port 8080|8080 check)', line)
    if m:
        i = int(m.group(2)) - 1
        line = m.group(1) + ('127.0.0.1:%s check port %s' % (ports[i], hports[i])
                             if m.group(3).startswith('4747') else '127.0.0.1:%s check' % hports[i]) + '\n'
        n['server'] = n.get('server', 0) + 1
    out.append(line)
missing = [p for p, k in n.items() if k == 0]
if missing or n['server'] != 6:
    sys.exit('the shipped haproxy.cfg changed shape; update test_haproxy.sh: %s' % missing)
sys.stdout.write(''.join(out))
PY
check "the shipped haproxy.cfg, adapted, is valid" "$HAPROXY" -q -c -f "$T/haproxy.cfg"
"$HAPROXY" -db -f "$T/haproxy.cfg" >>"$T/haproxy.log" 2>&1 &
HPID=$!

# status BACKEND SERVER -> UP / DOWN / ... from the stats CSV (column 18)
status() {
  curl -s --max-time 2 "http://127.0.0.1:$FP_STATS/stats;csv" |
    awk -F, -v b="$1" -v s="$2" '$1==b && $2==s {print $18}'
}
all_up() {
  for b in verwijs_msgpack verwijs_http; do for s in v1 v2 v3; do
    [ "$(status $b $s)" = UP ] || return 1
  done; done
}
for _ in $(seq 200); do all_up && break; sleep 0.05; done
check "all 6 servers UP in HAProxy" all_up
VTLS=(--tls --ca "$T/tls.crt")
check "plain HTTP is not served on the TLS frontend" bash -c "! curl -sf --max-time 2 'http://127.0.0.1:$FP_HTTP/healthz' >/dev/null"
check "HTTPS through HAProxy" bash -c "curl -sf --cacert '$T/tls.crt' 'https://127.0.0.1:$FP_HTTP/v1/match?near=3511&discipline=dietist&limit=2' | grep -q '\"count\":2'"
expect_exit 0 "msgpack over TLS through HAProxy" "$V" --server "127.0.0.1:$FP_TCP" "${VTLS[@]}" match --near 3511 --discipline dietist --limit 2

# ---- the load: one request per connection, start time and outcome ---------------
load_tcp() {
  while [ ! -e "$T/stop" ]; do
    local s=$EPOCHREALTIME
    if "$V" --server "127.0.0.1:$FP_TCP" "${VTLS[@]}" --timeout 5000 match --near 3511 --discipline dietist \
         --limit 3 --json >/dev/null 2>>"$T/load_tcp.err"; then
      echo "$s $EPOCHREALTIME ok"; else echo "$s $EPOCHREALTIME fail"; fi
  done >"$T/load_tcp"
}
load_http() {
  while [ ! -e "$T/stop" ]; do
    local s=$EPOCHREALTIME
    local code; code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$T/tls.crt" \
      "https://127.0.0.1:$FP_HTTP/v1/match?near=7411&discipline=fysiotherapeut&limit=3")
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
  [ "$(status verwijs_msgpack v2)" = DOWN ] && [ "$(status verwijs_http v2)" = DOWN ] && break
  sleep 0.01
done
T_DOWN=$EPOCHREALTIME
check "v2 marked DOWN in both backends" test "$(status verwijs_msgpack v2)/$(status verwijs_http v2)" = DOWN/DOWN
check "v1 and v3 stay UP" test "$(status verwijs_http v1)$(status verwijs_http v3)$(status verwijs_msgpack v1)$(status verwijs_msgpack v3)" = UPUPUPUP

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
# HAProxy's access log (the shipped path-only log-format, on stdout here) is
# written, names the route, and holds no query string
check "HAProxy access log has the HTTP requests" grep -q 'verwijs_http_in.* GET /v1/match' "$T/haproxy.log"
check "HAProxy access log has the msgpack sessions" grep -q 'verwijs_msgpack_in' "$T/haproxy.log"
check "HAProxy access log holds no query string" bash -c "! grep -qE 'near=|discipline=|[?]' '$T/haproxy.log'"
privacy_check "$T/haproxy.log"
finish
