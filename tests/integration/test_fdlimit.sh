#!/usr/bin/env bash
# test_fdlimit.sh -- verwijsd with few file descriptors (ulimit -n 128, set in
# a wrapper so only the daemon has it):
#  - at start the descriptor budget is checked: max_connections +
#    http_max_connections that do not fit RLIMIT_NOFILE are lowered, with a warning;
#  - over http_max_connections an HTTP request is answered 503 `overloaded`
#    (JSON) with Connection: close, and counted in /metrics;
#  - 150 idle HTTP connections exhaust the descriptors: accept() fails with
#    EMFILE; the daemon pauses accepting instead of spinning (CPU not pegged,
#    the log is not flooded) and once the connections are released it answers
#    /healthz and msgpack ping again;
#  - SIGTERM: exit 0.
. "$(dirname "$0")/lib.sh"
gen_db 200 21

cat > "$T/lowfd.sh" <<SH
#!/usr/bin/env bash
ulimit -n 128 || exit 1
exec "$VW_BIN/verwijsd" "\$@"
SH
chmod +x "$T/lowfd.sh"
conf() { printf 'workers = 2\nhttp_workers = 1\nmax_connections = %s\nhttp_max_connections = 20\n' "$1" > "$T/fd.conf"; }
start() {
  rm -f "$T/hport"
  D="$T/lowfd.sh" start_daemon "$DB" --config "$T/fd.conf" --http 127.0.0.1:0 \
    --http-port-file "$T/hport" --log-level info
  for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
  HP=$(cat "$T/hport")
}
conf 1000
start
check "budget over RLIMIT_NOFILE: warned and lowered" \
  grep -q "file descriptors: the open-file limit (RLIMIT_NOFILE) is 128, but max_connections 1000 + http_max_connections 20 + [0-9]* spare need [0-9]*; lowered max_connections 1000 -> [0-9]*, http_max_connections 20 -> [0-9]*\. To keep" "$T/verwijsd.log"
check "SIGTERM: exit 0" stop_daemon
mv "$T/verwijsd.log" "$T/verwijsd.first.log"
conf 40
start
check "a budget that fits: no warning" bash -c "! grep -q 'file descriptors:' '$T/verwijsd.log'"

PYTHONPATH="$(dirname "$0")" python3 - "$PORT" "$HP" "$DPID" > "$T/py.out" 2>&1 <<'PY'
import socket, sys, time, json, os
import vwwire
from vwwire import req, read_frame, is_ok, Checks
port, hport, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
t = Checks("fdlimit")
check = t.check

def http_get(s, path):
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    data = b''
    while b'\r\n\r\n' not in data:
        c = s.recv(4096)
        if not c: return None, {}, b''
        data += c
    head, body = data.split(b'\r\n\r\n', 1)
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split()[1])
    hdr = {l.split(':', 1)[0].lower(): l.split(':', 1)[1].strip() for l in lines[1:]}
    n = int(hdr.get('content-length', '0'))
    while len(body) < n:
        c = s.recv(4096)
        if not c: break
        body += c
    return status, hdr, body

def hconn():
    s = socket.create_connection(("127.0.0.1", hport)); s.settimeout(5); return s

# 1. over http_max_connections (20): 503 overloaded, Connection: close
held, codes, closes, over_body = [], [], 0, None
for i in range(25):
    s = hconn()
    st, hdr, body = http_get(s, "/healthz")
    codes.append(st)
    if st == 503:
        over_body = body
        closes += hdr.get('connection', '').lower() == 'close'
    held.append(s)
check("the first 20 connections are answered 200", codes[:20] == [200] * 20)
check("connections over http_max_connections are answered 503", codes[20:] == [503] * 5)
check("... with Connection: close", closes == 5)
try:
    j = json.loads(over_body)
    check("... and an overloaded JSON error", j["error"]["code"] == "overloaded")
except Exception as e:
    check("... and an overloaded JSON error (%r: %r)" % (e, over_body), False)
for s in held: s.close()
time.sleep(0.5)
s = hconn()
st, _, body = http_get(s, "/metrics")
check("after they close, a new connection is served", st == 200)
check("metrics count the HTTP rejections",
      b'verwijs_connections_rejected_total{proto="http"} 5' in body)
s.close()

# 2. 150 idle connections: more than the daemon has descriptors for
def cpu_ticks():
    f = open("/proc/%d/stat" % pid).read().rsplit(')', 1)[1].split()
    return int(f[11]) + int(f[12])
idle = []
for i in range(150):
    s = socket.socket(); s.setblocking(False)
    s.connect_ex(("127.0.0.1", hport if i % 3 else port))
    idle.append(s)
time.sleep(0.5)
c0, w0 = cpu_ticks(), time.time()
time.sleep(2.0)
c1, w1 = cpu_ticks(), time.time()
hz = os.sysconf('SC_CLK_TCK')
share = (c1 - c0) / hz / (w1 - w0)
print("daemon CPU while out of descriptors: %.0f%%" % (share * 100))
check("out of descriptors: the daemon does not spin (CPU < 50%%, was %.0f%%)" % (share * 100),
      share < 0.5)
for s in idle: s.close()

# 3. released: it answers again (HTTP and msgpack)
ok_http = ok_mp = False
deadline = time.time() + 20
while time.time() < deadline and not (ok_http and ok_mp):
    try:
        if not ok_http:
            s = hconn(); st, _, _ = http_get(s, "/healthz"); s.close()
            ok_http = st == 200
        if not ok_mp:
            s = vwwire.conn(port); s.sendall(req(1, "ping", {})); ok_mp = is_ok(read_frame(s)); s.close()
    except OSError:
        time.sleep(0.2)
check("released: /healthz answers 200", ok_http)
check("released: msgpack ping answers", ok_mp)
# every connection counted at accept was uncounted at its close: the open
# HTTP gauge comes back to 1 (the scrape's own connection)
gauge = None
deadline = time.time() + 20
while time.time() < deadline:
    s = hconn(); st, _, body = http_get(s, "/metrics"); s.close()
    for line in body.decode().splitlines():
        if line.startswith('verwijs_connections_open{proto="http"}'):
            gauge = int(line.split()[-1])
    if gauge == 1: break
    time.sleep(0.2)
check("open HTTP connections gauge back to 1 (was %r)" % gauge, gauge == 1)
sys.exit(t.done())
PY
rc=$?
cat "$T/py.out"
check "low descriptor limit handled" test "$rc" = 0
n=$(wc -l < "$T/verwijsd.log")
check "the log is not flooded ($n lines)" test "$n" -lt 100
check "accept failures are logged" grep -q "accept failed: Too many open files" "$T/verwijsd.log"
check "libevent's own warnings do not bypass the log" bash -c "! grep -q '^\[warn\]' '$T/verwijsd.log'"
check "SIGTERM: exit 0" stop_daemon
finish
