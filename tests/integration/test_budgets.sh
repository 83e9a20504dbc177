#!/usr/bin/env bash
# test_budgets.sh -- every listener class has a connection budget of its own
# (issue 14, 1 and 5), against a real verwijsd with TCP, the query Unix
# socket, HTTP, the admin socket and admin TCP:
#  - 400 admin TCP connections that never send a token: those over
#    admin_max_connections are refused, the rest are closed once
#    admin_auth_timeout passes; meanwhile queries on TCP (max_connections
#    300) and the Unix socket, /healthz and the admin socket all answer;
#    afterwards an admin with the token gets in;
#  - 400 idle query connections: those over max_connections are answered
#    `overloaded`; /healthz, the admin socket and admin TCP still answer;
#  - 100 connections on the admin socket, 400 idle HTTP connections, 120
#    TLS connections that never handshake (tls_max_connections 50: the rest
#    are closed at once): the other listeners keep answering;
#  - max_input_total counts the bytes held: 257 connections that each send
#    only a 4-byte header declaring 1 MiB do not make a request that arrives
#    in two segments `overloaded`.
. "$(dirname "$0")/lib.sh"
gen_db 800 3
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/token"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=localhost" -keyout "$T/tls.key" -out "$T/tls.pem" 2>/dev/null
check "a TLS certificate made" test -s "$T/tls.pem"
cat > "$T/budgets.conf" <<CONF
tls_listen = 127.0.0.1:0
tls_cert = $T/tls.pem
tls_key = $T/tls.key
tls_max_connections = 50
max_connections = 300
admin_max_connections = 8
admin_auth_timeout = 1
admin_socket = $T/admin.sock
admin_listen = 127.0.0.1:0
admin_token_file = $T/token
http_listen = 127.0.0.1:0
http_port_file = $T/http.port
http_max_connections = 300
read_timeout = 30
CONF
start_daemon "$DB" --config "$T/budgets.conf"
APORT=$(cat "$T/port.admin")
TPORT=$(cat "$T/port.tls")
HPORT=$(cat "$T/http.port")

PYTHONPATH="$(dirname "$0")" python3 - "$PORT" "$SOCK" "$APORT" "$HPORT" "$T/admin.sock" \
  "$(cat "$T/token")" "$TPORT" > "$T/py.out" 2>&1 <<'PY'
import http.client, socket, struct, sys, time
from vwwire import enc, frame, req, read_frame, is_ok, Checks
port, sock, aport, hport, asock, token, tport = sys.argv[1:8]
port, aport, hport, tport = int(port), int(aport), int(hport), int(tport)
t = Checks("budgets")
check = t.check

def tcp(p):
    s = socket.create_connection(("127.0.0.1", p)); s.settimeout(20); return s
def unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(20); s.connect(path)
    return s
def ask(s, op="ping", extra=None):
    body = {"v": 1, "id": 5, "op": op, "args": {}}
    if extra:
        body.update(extra)
    s.sendall(frame(enc(body)))
    return read_frame(s)
def healthz():
    c = http.client.HTTPConnection("127.0.0.1", hport, timeout=20)
    c.request("GET", "/healthz"); r = c.getresponse(); r.read(); c.close()
    return r.status
def everyone_answers(when):
    check(f"{when}: query TCP answers", is_ok(ask(tcp(port))))
    check(f"{when}: query Unix socket answers", is_ok(ask(unix(sock))))
    check(f"{when}: /healthz answers 200", healthz() == 200)
    check(f"{when}: admin socket answers", is_ok(ask(unix(asock), "stats")))
def gone(s):
    try:
        s.settimeout(20)
        while True:
            c = s.recv(4096)
            if not c:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

# 1. an admin TCP flood without tokens
flood = []
for _ in range(400):
    try:
        flood.append(tcp(aport))
    except OSError:
        break
time.sleep(0.3)  # (no timing assertion: lets the daemon take the flood in)
everyone_answers("admin TCP flood")
check("admin TCP flood: every unauthenticated connection is closed (refused, or at "
      "admin_auth_timeout)", all(gone(s) for s in flood))
for s in flood:
    s.close()
a = tcp(aport)
check("after the flood: admin TCP with the token answers",
      is_ok(ask(a, "stats", {"auth": token})))
a.close()

# 2. a query flood: over max_connections, `overloaded`
flood = [tcp(port) for _ in range(400)]
time.sleep(0.3)
over = 0
for s in flood[300:]:
    r = read_frame(s)
    over += r is not None and b'overloaded' in r
check(f"query flood: the 100 over max_connections are answered overloaded ({over})",
      over == 100)
check("query flood: /healthz answers 200", healthz() == 200)
check("query flood: admin socket answers", is_ok(ask(unix(asock), "stats")))
a = tcp(aport)
check("query flood: admin TCP answers", is_ok(ask(a, "stats", {"auth": token})))
a.close()
for s in flood:
    s.close()
time.sleep(0.3)

# 3. an admin socket flood (its own budget): everyone else still answers
flood = [unix(asock) for _ in range(100)]
time.sleep(0.3)
check("admin socket flood: query TCP answers", is_ok(ask(tcp(port))))
check("admin socket flood: /healthz answers 200", healthz() == 200)
a = tcp(aport)
check("admin socket flood: admin TCP answers", is_ok(ask(a, "stats", {"auth": token})))
a.close()
for s in flood:
    s.close()

# 4. an HTTP flood (http_max_connections 300): the msgpack listeners answer
flood = [tcp(hport) for _ in range(400)]
time.sleep(0.3)
check("HTTP flood: query TCP answers", is_ok(ask(tcp(port))))
check("HTTP flood: query Unix socket answers", is_ok(ask(unix(sock))))
check("HTTP flood: admin socket answers", is_ok(ask(unix(asock), "stats")))
for s in flood:
    s.close()
time.sleep(0.3)
check("after the HTTP flood: /healthz answers 200", healthz() == 200)

# 5. a TLS flood (tls_max_connections 50, connections that never handshake):
# those over the budget are closed at once; the rest of the daemon answers
flood = [tcp(tport) for _ in range(120)]
time.sleep(0.3)
closed_now = sum(1 for s in flood[50:] if gone(s))
check(f"TLS flood: the 70 over tls_max_connections are closed ({closed_now})", closed_now == 70)
everyone_answers("TLS flood")
for s in flood:
    s.close()

# 6. max_input_total counts bytes held, not declared lengths
heads = [tcp(port) for _ in range(257)]
for s in heads:
    s.sendall(struct.pack('>I', 1 << 20))  # declares 1 MiB, sends nothing more
time.sleep(0.3)
s = tcp(port)
r = frame(enc({"v": 1, "id": 9, "op": "ping", "args": {}}))
s.sendall(r[:6]); time.sleep(0.2); s.sendall(r[6:])
ans = read_frame(s)
check("257 bare headers do not make a two-segment request overloaded", is_ok(ans))
for h in heads:
    h.close()
sys.exit(t.done())
PY
rc=$?
cat "$T/py.out"
check "per-listener budgets" test "$rc" = 0
check "SIGTERM: exit 0" stop_daemon
finish
