#!/usr/bin/env bash
# test_http_wire.sh -- the gateway's own HTTP/1.1 layer (server/daemon/http1.c,
# http.c, http_reply.c; issue 18) on raw sockets against a real verwijsd:
#  - pipelining: 40 mixed requests in one write (match, healthz, 404, 405
#    with a body, HEAD) are answered in order, each parsed strictly by
#    Content-Length, and /v1/match bodies equal the unpipelined answers;
#  - HTTP/1.0 closes unless it asks for keep-alive; Connection: close closes;
#    LF-only lines and absolute-form targets are understood;
#  - refusals: 414, 431, 413, 501, 505, 400 -- each a JSON error, then the
#    connection ends; answers queued before a refusal all arrive (the
#    lingering close: no reset destroys them);
#  - a head or a body trickled past http_timeout is cut off; the daemon
#    still serves.
. "$(dirname "$0")/lib.sh"
gen_db 300 2
printf 'http_timeout = 2\nhttp_max_header = 2048\nhttp_max_body = 1000\n' > "$T/conf"
start_daemon "$DB" --config "$T/conf" --http 127.0.0.1:0 --http-port-file "$T/http.port"
for _ in $(seq 100); do [ -s "$T/http.port" ] && break; sleep 0.05; done
HPORT=$(cat "$T/http.port")
PC4=$(python3 -c "
import sqlite3,sys; c=sqlite3.connect(sys.argv[1])
print(c.execute('select pc4 from provider where pc4 is not null limit 1').fetchone()[0])" "$DB" 2>/dev/null || echo 3511)

python3 - "$HPORT" "$PC4" > "$T/py.out" 2>&1 <<'PY'
import json, socket, sys, time
port, pc4 = int(sys.argv[1]), sys.argv[2]
fails = 0
def check(what, cond):
    global fails
    if not cond:
        fails += 1; print("FAIL:", what)

def conn():
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
    return s, s.makefile('rb')

def answer(f, head=False):
    st = f.readline()
    if not st:
        return None, {}, b''
    h = {}
    while True:
        l = f.readline()
        if l in (b'\r\n', b''):
            break
        k, v = l.decode().split(':', 1)
        h[k.strip().lower()] = v.strip()
    n = int(h.get('content-length', '0'))
    return int(st.split()[1]), h, (b'' if head else f.read(n))

def closed(f):
    try:
        return f.read(1) == b''
    except (ConnectionResetError, socket.timeout):
        return False

m = "/v1/match?near=%s&within=30&limit=3" % pc4
# the same match alone, for comparison
s, f = conn()
s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % m).encode())
st, h, alone = answer(f)
check("match alone: 200", st == 200)
s.close()

# 40 pipelined requests in one write
reqs, want = [], []
for i in range(8):
    reqs.append("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % m); want.append((200, 'match'))
    reqs.append("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); want.append((200, 'health'))
    reqs.append("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"); want.append((404, None))
    reqs.append("POST /v1/match HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"); want.append((405, None))
    reqs.append("HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % m); want.append((200, 'head'))
s, f = conn()
s.sendall("".join(reqs).encode())
ok = True
for i, (ws, kind) in enumerate(want):
    st, h, b = answer(f, head=(kind == 'head'))
    if st != ws:
        ok = False; print("pipelined #%d: %s, want %s" % (i, st, ws)); break
    if kind == 'match' and b != alone:
        ok = False; print("pipelined #%d: body differs" % i); break
    if kind == 'head' and int(h.get('content-length', -1)) != len(alone):
        ok = False; print("pipelined HEAD #%d: length %s" % (i, h.get('content-length'))); break
    if st >= 400 and not json.loads(b).get("error"):
        ok = False; print("pipelined #%d: not a JSON error" % i); break
check("40 pipelined requests answered in order, bodies equal", ok)
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
check("the connection is still open after them", answer(f)[0] == 200)
s.close()

# HTTP/1.0, Connection: close, LF-only lines, absolute-form
s, f = conn()
s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
st, h, b = answer(f)
check("HTTP/1.0: 200, Connection: close, then closed",
      st == 200 and h.get('connection') == 'close' and closed(f))
s.close()
s, f = conn()
s.sendall(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n")
st1, h1, _ = answer(f); st2, h2, _ = answer(f)
check("HTTP/1.0 keep-alive: kept, then the plain one closes",
      st1 == 200 and h1.get('connection') == 'keep-alive' and st2 == 200 and closed(f))
s.close()
s, f = conn()
s.sendall(b"GET /healthz HTTP/1.1\nHost: x\n\nGET http://localhost:1/readyz HTTP/1.1\r\nHost: x\r\n\r\n"
          b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
check("LF-only lines", answer(f)[0] == 200)
st, h, b = answer(f)
check("absolute-form target", st == 200 and b'ready' in b)
st, h, b = answer(f)
check("Connection: close answered, then closed", st == 200 and closed(f))
s.close()

# refusals: each a JSON error and the end; earlier answers arrive whole
for name, req, want in (
        ("request line over http_max_header", b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\n\r\n", 414),
        ("head over http_max_header", b"GET / HTTP/1.1\r\nX: " + b"a" * 3000 + b"\r\n\r\n", 431),
        ("body over http_max_body", b"GET /healthz HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 413),
        ("chunked body", b"GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501),
        ("HTTP/2.0", b"GET /healthz HTTP/2.0\r\n\r\n", 505),
        ("space before colon", b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        ("obs-fold", b"GET /healthz HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400),
        ("control byte", b"GET /healthz HTTP/1.1\r\nX: a\x01b\r\n\r\n", 400),
        ("bad target", b"GET healthz HTTP/1.1\r\n\r\n", 400)):
    s, f = conn()
    ahead = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % m).encode() * 5
    s.sendall(ahead + req + b"GET /healthz HTTP/1.1\r\n\r\n" * 50)
    got = [answer(f) for _ in range(5)]
    check(name + ": the 5 answers before it arrive whole",
          all(st == 200 and b == alone for st, _, b in got))
    st, h, b = answer(f)
    err = None
    try:
        err = json.loads(b)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        pass
    check("%s: %s with a JSON error (got %s %s)" % (name, want, st, err), st == want and err)
    check(name + ": Connection: close, then closed", h.get('connection') == 'close' and closed(f))
    s.close()

def trickle(start, piece, answered):
    """Sends start, then piece every 0.2 s for up to 8 s: True when the
    daemon cut the connection off (http_timeout is 2 s)."""
    s, f = conn()
    t0 = time.time(); cut = False
    try:
        s.sendall(start)
        if answered:
            check("a GET with a body: answered", answer(f)[0] == 200)
        while time.time() - t0 < 8:
            s.sendall(piece); time.sleep(0.2)
    except (BrokenPipeError, ConnectionResetError):
        cut = True
    cut = cut or closed(f)
    s.close()
    return cut

# a trickled head is cut off at http_timeout (2 s) although bytes keep coming
check("a trickled head is cut off", trickle(b"GET /healthz HTTP/1.1\r\n", b"X: y\r\n", False))
# so is a trickled body (its answer comes first: GET ignores it)
check("a trickled body is cut off",
      trickle(b"GET /healthz HTTP/1.1\r\nContent-Length: 900\r\n\r\n", b"x", True))
s, f = conn()
s.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
check("the daemon still serves", answer(f)[0] == 200)
print("wire: %d failed" % fails)
sys.exit(1 if fails else 0)
PY
rc=$?
cat "$T/py.out"
check "raw-socket HTTP/1.1 checks" test "$rc" = 0
check "SIGTERM: exit 0" stop_daemon
finish
