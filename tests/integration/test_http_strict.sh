#!/usr/bin/env bash
# test_http_strict.sh -- the HTTP gateway as a strict client sees it (issue
# 14, 6), against a real verwijsd:
#  - raw socket: HEAD /healthz, then GET /healthz on the same keep-alive
#    connection: the HEAD answer has a Content-Length equal to the GET
#    body's length and no body (the GET answer's status line comes next,
#    byte for byte); every answer (200, 404, 405, /ui/ off, HTTP/1.0) has a
#    Content-Length or is chunked;
#  - curl: `curl -I` reports no excess data; HEAD + GET reuse one connection;
#  - Node's http module (an independent strict parser): HEAD then GET on
#    one keep-alive agent, both answered, no parse error.
. "$(dirname "$0")/lib.sh"
gen_db 300 2
start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/http.port"
for _ in $(seq 100); do [ -s "$T/http.port" ] && break; sleep 0.05; done
HPORT=$(cat "$T/http.port")

python3 - "$HPORT" > "$T/py.out" 2>&1 <<'PY'
import socket, sys
port = int(sys.argv[1])
fails = 0
def check(what, cond):
    global fails
    if not cond:
        fails += 1; print("FAIL:", what)

def read_answer(f, head_only=False):
    """One answer, parsed strictly: status, headers, body (by Content-Length
    or chunked; a HEAD answer has none)."""
    status = f.readline()
    headers = {}
    while True:
        l = f.readline()
        if l in (b'\r\n', b''):
            break
        k, v = l.decode().split(':', 1)
        headers[k.strip().lower()] = v.strip()
    body = b''
    if not head_only:
        if 'content-length' in headers:
            body = f.read(int(headers['content-length']))
        elif headers.get('transfer-encoding') == 'chunked':
            while True:
                n = int(f.readline().split(b';')[0], 16)
                if n == 0:
                    f.readline(); break
                body += f.read(n); f.readline()
    return status, headers, body

s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
f = s.makefile('rb')
s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
st1, h1, _ = read_answer(f, head_only=True)
st2, h2, b2 = read_answer(f)
check("HEAD answered 200", st1.startswith(b"HTTP/1.1 200"))
check("HEAD has a Content-Length", 'content-length' in h1)
check("the next answer starts right after HEAD's headers (no body sent)",
      st2.startswith(b"HTTP/1.1 200"))
check("HEAD's Content-Length is the GET body's length",
      h1.get('content-length') == str(len(b2)) and len(b2) > 0)
for req, want in ((b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
                  (b"DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n", b"405"),
                  (b"HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
                  (b"HEAD /ui/ HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
                  (b"GET /ui/ HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
                  (b"GET /v1/stats HTTP/1.1\r\nHost: x\r\n\r\n", b"200")):
    s.sendall(req)
    st, h, b = read_answer(f, head_only=req.startswith(b"HEAD"))
    check(f"{req.split()[0].decode()} {req.split()[1].decode()}: {want.decode()}",
          st.split()[1] == want)
    check(f"{req.split()[1].decode()}: Content-Length or chunked",
          'content-length' in h or h.get('transfer-encoding') == 'chunked')
s.close()
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
st, h, b = read_answer(s.makefile('rb'))
check("HTTP/1.0 answer has a Content-Length", 'content-length' in h and len(b) > 0)
s.close()
print("raw: %d failed" % fails)
sys.exit(1 if fails else 0)
PY
rc=$?
cat "$T/py.out"
check "raw-socket HTTP checks" test "$rc" = 0

if command -v curl >/dev/null; then
  curl -sS -I -v "http://127.0.0.1:$HPORT/healthz" >"$T/curl.out" 2>&1
  check "curl -I: answered 200" grep -q "HTTP/1.1 200" "$T/curl.out"
  check "curl -I: no excess data" bash -c "! grep -qi 'excess' '$T/curl.out'"
  curl -sS -v -I "http://127.0.0.1:$HPORT/healthz" --next -sS -v "http://127.0.0.1:$HPORT/healthz" \
    >"$T/curl2.out" 2>&1
  check "curl: HEAD then GET reuse the connection" grep -q "Re-using existing connection" "$T/curl2.out"
  check "curl: ... without excess data" bash -c "! grep -qi 'excess' '$T/curl2.out'"
else
  echo "curl not found: install curl (scripts/deps.sh)" >&2; exit 77
fi

if command -v node >/dev/null; then
  node - "$HPORT" >"$T/node.out" 2>&1 <<'JS'
const http = require('http');
const port = +process.argv[2];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function ask(method, path) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method, path, agent }, res => {
      let body = '';
      res.on('data', d => body += d);
      res.on('end', () => resolve({ status: res.statusCode, len: res.headers['content-length'],
                                    body, reused: r.reusedSocket }));
    });
    r.on('error', reject);
    r.end();
  });
}
(async () => {
  const head = await ask('HEAD', '/healthz');
  const get = await ask('GET', '/healthz');
  const head2 = await ask('HEAD', '/v1/stats');
  const get2 = await ask('GET', '/v1/stats');
  const ok = head.status === 200 && head.body === '' && get.status === 200 &&
             head.len === String(Buffer.byteLength(get.body)) && get.reused &&
             head2.status === 200 && get2.status === 200 && get2.reused;
  console.log(JSON.stringify({ head, get: { ...get, body: undefined }, ok }));
  agent.destroy();
  process.exit(ok ? 0 : 1);
})().catch(e => { console.log('error: ' + e.message); process.exit(1); });
JS
  nrc=$?
  cat "$T/node.out"
  check "node http: HEAD then GET on one keep-alive connection, strictly parsed" test "$nrc" = 0
else
  echo "node not found: install nodejs (scripts/deps.sh)" >&2; exit 77
fi
check "SIGTERM: exit 0" stop_daemon
finish
