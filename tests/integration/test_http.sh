#!/usr/bin/env bash
# test_http.sh -- the HTTP/JSON gateway of a real verwijsd on loopback:
# every route, parameter and error of docs/openapi.yaml (http_check.py), the
# JSON of /v1/match, /v1/refer and /v1/providers/{id} equal to the CLI's --json
# over the msgpack protocol for the same query, /readyz and /healthz, metrics
# of both protocols, logs without postcodes' letters or fine coordinates, and
# a clean SIGTERM with the gateway on.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "python3-yaml is missing (bash scripts/deps.sh)" >&2
  exit 1
fi

gen_db 2000 11

start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
HP=$(cat "$T/hport")
H="http://127.0.0.1:$HP"

get() { curl -s -o "$T/body" -w '%{http_code}' "$H$1"; }

check "healthz 200" test "$(get /healthz)" = 200
check "readyz 200 with a snapshot" test "$(get /readyz)" = 200
check "readyz names the snapshot" python3 -c "
import json; r=json.load(open('$T/body')); assert r['status']=='ready' and r['providers']==2000, r"

# ping's padding (bench/run.sh's ceiling of answers as large as match's)
check "ping pad=5700: 200" test "$(get '/v1/ping?pad=5700')" = 200
check "ping pad=5700: 5,700 x" python3 -c "
import json; r=json.load(open('$T/body')); assert r['pong'] is True and r['pad']=='x'*5700, len(r.get('pad',''))"
check "ping pad=65536 (the bound): 200" test "$(get '/v1/ping?pad=65536')" = 200
check "ping pad=65537: 400 bad_arg" test "$(get '/v1/ping?pad=65537')" = 400
check "ping pad=65537: names the bound" grep -q 'pad' "$T/body"
check "ping without pad: no pad key" sh -c "test \"\$(curl -s '$H/v1/ping')\" != '' && ! curl -s '$H/v1/ping' | grep -q pad"

unknown_pc4=$(python3 -c "
import csv
have={r['pc4'] for r in csv.DictReader(open('$G/pc4_centroids.csv'))}
print(next(str(p) for p in range(1000,10000) if str(p) not in have))")
python3 "$VW_SRC/tests/integration/http_check.py" 127.0.0.1 "$HP" "$VW_SRC/docs/openapi.yaml" \
  "$unknown_pc4" >"$T/check.out" 2>&1
rc=$?
tail -1 "$T/check.out"
check "every documented route, parameter and error (http_check.py)" test "$rc" = 0
[ "$rc" = 0 ] || cat "$T/check.out" >&2

# Same query, both protocols: the JSON must be equal (as JSON values).
same_json() { # WHAT URL CLI-ARGS...
  local what="$1" url="$2"; shift 2
  local code; code=$(get "$url")
  "$V" "$@" --json >"$T/cli.json" 2>"$T/cli.err"
  check "$what: HTTP 200" test "$code" = 200
  check "$what: HTTP JSON == verwijs --json" python3 -c "
import json,sys
a=json.load(open('$T/body')); b=json.load(open('$T/cli.json'))
sys.exit(0 if a==b else 'differ:\n%s\n%s' % (json.dumps(a)[:400], json.dumps(b)[:400]))"
}
same_json "match" "/v1/match?near=3511&discipline=fysiotherapeut&expertise=oncologie&within=15&mode=car&limit=5" \
  match --near 3511 --discipline fysiotherapeut --expertise oncologie --within 15 --mode car --limit 5
same_json "match PC6, two disciplines, bike" "/v1/match?near=3511AB&discipline=dietist&discipline=psycholoog&within=30&mode=bike&limit=20&accepting_only=true" \
  match --near 3511AB --discipline dietist --discipline psycholoog --within 30 --mode bike --limit 20 --accepting-only
same_json "match by point" "/v1/match?near=52.37,4.90&discipline=dietist&within=20" \
  match --near 52.37,4.90 --discipline dietist --within 20
same_json "refer" "/v1/refer?near=7411&problem=darmklachten&problem=vermoeidheid&score=6" \
  refer --near 7411 --problem darmklachten --problem vermoeidheid --score 6
same_json "provider" "/v1/providers/P0000001" provider P0000001
same_json "network" "/v1/networks/N0001" network N0001

# Error messages quote user input cut to a length; a cut inside a multi-byte
# character must not make the answer invalid UTF-8 (msgpack str, JSON).
longid="x$(printf 'é%.0s' {1..100})"
expect_exit 3 "provider with a long multi-byte id: not_found (exit 3)" "$V" provider "$longid"
longe=$(python3 -c "print('x'+'%C3%A9'*100)")
utf8_json() { python3 -c "
import json; e=json.loads(open('$T/body','rb').read().decode('utf-8', errors='strict'))['error']
assert e['code']=='$1', e"; }
check "long multi-byte provider id over HTTP 404" test "$(get "/v1/providers/$longe")" = 404
check "... strict UTF-8 JSON" utf8_json not_found
check "long multi-byte discipline 400" test "$(get "/v1/match?near=3511&discipline=$longe")" = 400
check "... strict UTF-8 JSON" utf8_json bad_request
check "near twice 400" test "$(get "/v1/match?near=3511&near=3512")" = 400
check "near twice: says so" grep -q 'near given twice' "$T/body"

# Both protocols are counted, per op and code.
curl -s "$H/metrics" >"$T/metrics"
check "msgpack match counted" grep -qE '^verwijs_requests_total\{proto="msgpack",op="match",code="ok"\} [1-9]' "$T/metrics"
check "http match counted" grep -qE '^verwijs_requests_total\{proto="http",op="match",code="ok"\} [1-9]' "$T/metrics"
check "http errors counted by code" grep -qE '^verwijs_requests_total\{proto="http",op="match",code="bad_request"\} [1-9]' "$T/metrics"
check "snapshot size" grep -qE '^verwijs_snapshot_providers 2000$' "$T/metrics"

# FHIR routes are counted (op "fhir") with a latency histogram.
get /fhir/metadata >/dev/null
get /fhir/NoSuchType >/dev/null
curl -s "$H/metrics" >"$T/metrics"
check "FHIR answers counted" grep -qE '^verwijs_requests_total\{proto="http",op="fhir",code="ok"\} [1-9]' "$T/metrics"
check "FHIR errors counted by code" grep -qE '^verwijs_requests_total\{proto="http",op="fhir",code="not_found"\} [1-9]' "$T/metrics"
check "FHIR latency histogram" grep -qE '^verwijs_request_duration_seconds_count\{op="fhir"\} ([2-9]|[1-9][0-9]+)$' "$T/metrics"

# One counting function for every path: a request refused before the op runs
# (bad %XX) is counted under its op with its code and in the latency
# histogram, and HTTP and FHIR requests are in the totals of `stats` too.
metric() { curl -s "$H/metrics" | sed -n "s/^$1 //p" | head -1; }
m0=$(metric 'verwijs_requests_total{proto="http",op="refer",code="bad_request"}')
l0=$(metric 'verwijs_request_duration_seconds_count{op="refer"}')
t0=$("$V" stats --json | python3 -c "import json,sys; print(json.load(sys.stdin)['requests']['total'])")
check "bad %XX 400" test "$(get '/v1/refer?near=3511&problems=%zz')" = 400
get /fhir/metadata >/dev/null
m1=$(metric 'verwijs_requests_total{proto="http",op="refer",code="bad_request"}')
l1=$(metric 'verwijs_request_duration_seconds_count{op="refer"}')
t1=$("$V" stats --json | python3 -c "import json,sys; print(json.load(sys.stdin)['requests']['total'])")
check "refused before the op: counted under refer/bad_request" test "$(( ${m1:-0} - ${m0:-0} ))" = 1
check "refused before the op: in refer's latency histogram" test "$(( ${l1:-0} - ${l0:-0} ))" = 1
check "stats totals count HTTP and FHIR requests (+ the stats call itself)" test "$((t1 - t0))" = 3

# The gateway's refusals (a head above http_max_header, a method it does not
# know) are counted by status like ours.
status_count() { curl -s "$H/metrics" | sed -n "s/^verwijs_http_responses_total{status=\"$1\"} //p"; }
raw_status() { # REQUEST-BYTES -> the status answered
  python3 -c "
import socket,sys
s=socket.create_connection(('127.0.0.1',$HP)); s.settimeout(5)
s.sendall(sys.argv[1].encode().decode('unicode_escape').encode('latin-1'))
d=s.recv(100); print(d.split()[1].decode() if d else 0)" "$1"
}
big="GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nX-Big: $(head -c 9000 /dev/zero | tr '\0' a)\\r\\n\\r\\n"
for req in "$big" "FOO /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"; do
  st=$(raw_status "$req")
  before=$(status_count "$st")
  st2=$(raw_status "$req")
  after=$(status_count "$st")
  check "the refusal $st is counted ($before -> $after)" \
    test "$st" = "$st2" -a "$st" != 0 -a "$st" != 200 -a "${after:-0}" -gt "${before:-0}"
done

# A reload is counted and keeps the gateway ready.
kill -HUP "$DPID"
for _ in $(seq 100); do
  curl -s "$H/metrics" | grep -q '^verwijs_reloads_total{result="ok"} 1$' && break
  sleep 0.1
done
check "reload counted in /metrics" bash -c "curl -s '$H/metrics' | grep -q '^verwijs_reloads_total{result=\"ok\"} 1$'"
check "readyz after reload names generation 2" bash -c "curl -s '$H/readyz' | grep -q '\"generation\":2'"

# Privacy: query strings hold postcodes and points; the log holds neither the
# letters of a PC6 nor coordinates finer than 2 decimals, nor raw URIs.
get "/v1/match?near=3511XY&discipline=dietist" >/dev/null
get "/v1/match?near=52.123456,5.654321&discipline=dietist" >/dev/null
get "/v1/match?near=9999ZZ" >/dev/null
check "log has the HTTP requests" grep -q 'http[0-9]* op=match' "$T/verwijsd.log"
check "no PC6 letters in the log" bash -c "! grep -qiE '3511 ?XY|9999 ?ZZ' '$T/verwijsd.log'"
# (the line's time stamp cut off first: its milliseconds can read 45.654)
check "no fine coordinates in the log" bash -c "! cut -d' ' -f2- '$T/verwijsd.log' | grep -qE '52\.123|5\.654'"
check "no URIs in the log" bash -c "! grep -q '/v1/' '$T/verwijsd.log'"

# SIGTERM drains HTTP like msgpack: a request being sent when the signal
# arrives is still answered (with Connection: close), an idle keep-alive
# connection is closed, new connections are refused, exit 0 within
# drain_timeout (10 s) + slack.
PYTHONPATH="$(dirname "$0")" python3 - "$HP" "$DPID" > "$T/drain.out" 2>&1 <<'PY'
import os, signal, socket, sys, time
from vwwire import Checks
hport, pid = int(sys.argv[1]), int(sys.argv[2])
t = Checks("http drain")
def hconn():
    s = socket.create_connection(("127.0.0.1", hport)); s.settimeout(10); return s
idle = hconn()
idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
first = idle.recv(4096)
t.check("keep-alive connection answered before the signal", b" 200 " in first)
busy = hconn()
head = b"GET /v1/match?near=3511&limit=1 HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 15
busy.sendall(head[:20])
# Let the gateway accept it: a connection still in the kernel's accept queue
# when the listener closes is refused, like at any server.
time.sleep(0.3)
t0 = time.time()
os.kill(pid, signal.SIGTERM)
for i in range(20, len(head), 16):   # the rest of the head, in pieces
    time.sleep(0.05)
    busy.sendall(head[i:i + 16])
busy.sendall(b"\r\n\r\n")
data = b''
while True:
    c = busy.recv(65536)
    if not c: break
    data += c
t.check("request in flight at SIGTERM answered 200", data.startswith(b"HTTP/1.1 200"))
t.check("... with Connection: close", b"Connection: close" in data)
try:
    idle.settimeout(10)
    t.check("idle keep-alive connection closed", idle.recv(1) == b'')
except OSError:
    t.check("idle keep-alive connection closed", True)
try:
    socket.create_connection(("127.0.0.1", hport), timeout=2).close()
    refused = False
except OSError:
    refused = True
t.check("new HTTP connections refused while draining", refused)
sys.exit(t.done())
PY
rc=$?
cat "$T/drain.out"
check "HTTP drain on SIGTERM" test "$rc" = 0
check "SIGTERM with the gateway on exits 0" stop_daemon

# Readiness: a replica started before its snapshot exists (start_without_snapshot)
# is alive but not ready, answers `unavailable`, and turns ready on reload.
DB2="$T/later.db"
expect_exit 0 "a database without PC4 table" "$V" import networks "$T/networks.csv" --db "$DB2"
printf 'start_without_snapshot = 1\nhttp_max_output = 4096\nhttp_timeout = 2\n' >"$T/later.conf"
rm -f "$T/hport"
start_daemon "$DB2" --config "$T/later.conf" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
H="http://127.0.0.1:$(cat "$T/hport")"
check "no snapshot: healthz 200" test "$(get /healthz)" = 200
check "no snapshot: readyz 503" test "$(get /readyz)" = 503
check "no snapshot: readyz says unavailable" grep -q '"code":"unavailable"' "$T/body"
check "no snapshot: match 503 unavailable" test "$(get '/v1/match?near=3511')" = 503
check "no snapshot: the error is JSON" python3 -c "
import json; assert json.load(open('$T/body'))['error']['code']=='unavailable'"
check "no snapshot: stats still 200" test "$(get /v1/stats)" = 200
check "no snapshot: metrics say so" bash -c "curl -s '$H/metrics' | grep -q '^verwijs_snapshot_loaded 0$'"
expect_exit 3 "no snapshot: msgpack match is unavailable too" "$V" match --near 3511
check "msgpack error code" grep -q unavailable "$T/err"
expect_exit 0 "import pc4 later" "$V" import pc4 "$G/pc4_centroids.csv" --db "$DB2" --skip-invalid
expect_exit 0 "import providers later" "$V" import providers "$T/providers.csv" --db "$DB2"
kill -HUP "$DPID"
for _ in $(seq 100); do [ "$(get /readyz)" = 200 ] && break; sleep 0.1; done
check "ready once a reload loaded the snapshot" test "$(get /readyz)" = 200
check "and it answers queries" test "$(get '/v1/match?near=3511&limit=1')" = 200
# An answer above http_max_output (4 KiB here) is 413 too_large, and counted
# as too_large, not as the ok the ops layer first saw.
check "an answer above http_max_output: 413" test "$(get '/v1/match?near=3511&limit=100')" = 413
curl -s "$H/metrics" >"$T/metrics"
check "... counted too_large" grep -qE '^verwijs_requests_total\{proto="http",op="match",code="too_large"\} 1$' "$T/metrics"
check "... not counted ok (only the one 200 match)" grep -qE '^verwijs_requests_total\{proto="http",op="match",code="ok"\} 1$' "$T/metrics"
check "... and 413 among the responses" grep -qE '^verwijs_http_responses_total\{status="413"\} [1-9]' "$T/metrics"
# A client trickling its request head (a byte every 0.3 s: never idle for
# http_timeout = 2 s) is cut off: the request must be complete within
# http_timeout of its first bytes.
python3 - "$(cat "$T/hport")" > "$T/trickle.out" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
t0 = time.time(); cut = False
for i in range(len(head)):
    if time.time() - t0 > 20: break
    try:
        s.sendall(head[i:i + 1])
        s.settimeout(0.3)
        if s.recv(1) == b'':
            cut = True; break
    except socket.timeout:
        pass
    except OSError:
        cut = True; break
print("cut" if cut else "not cut", "after %.1f s" % (time.time() - t0))
sys.exit(0 if cut and time.time() - t0 < 8 else 1)
PY
rc=$?
check "a trickled HTTP request head is cut off ($(cat "$T/trickle.out"))" test "$rc" = 0
check "... and the gateway still answers" test "$(get /healthz)" = 200
check "SIGTERM exits 0" stop_daemon
finish
