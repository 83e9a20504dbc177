#!/usr/bin/env bash
# test_http_negotiate.sh -- what the HTTP gateway agrees with browsers and
# caching clients (issue 19): CORS for configured origins with preflight
# OPTIONS; ETag / If-None-Match (304 without a body) and gzip for large
# answers (coverage), checked with curl and with Node's own HTTP client and
# zlib; small answers untouched; verwijs_build_info and the process_*
# metrics in a strictly parsed exposition.
. "$(dirname "$0")/lib.sh"
need_geodata
gen_db 2000 13
ORIGIN=https://www.kanker.nl
printf 'http_cors_origins = %s, http://localhost:3000\n' "$ORIGIN" >"$T/http.conf"
start_daemon "$DB" --config "$T/http.conf" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
H="http://127.0.0.1:$(cat "$T/hport")"
COV="/v1/coverage?discipline=fysiotherapeut&within=10&region=all"
hdr() { grep -i "^$1:" "$T/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# ---- CORS ---------------------------------------------------------------
curl -s -D "$T/h" -o /dev/null -H "Origin: $ORIGIN" "$H/v1/ping"
check "CORS: an allowed origin is echoed" test "$(hdr Access-Control-Allow-Origin)" = "$ORIGIN"
check "CORS: Vary: Origin" grep -qi '^Vary:.*Origin' "$T/h"
curl -s -D "$T/h" -o /dev/null -H "Origin: https://evil.example" "$H/v1/ping"
check "CORS: another origin gets no Allow-Origin" test -z "$(hdr Access-Control-Allow-Origin)"
code=$(curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' -X OPTIONS -H "Origin: $ORIGIN" \
       -H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: if-none-match' "$H/v1/match")
check "preflight: 204" test "$code" = 204
check "preflight: methods GET, HEAD" test "$(hdr Access-Control-Allow-Methods)" = "GET, HEAD"
check "preflight: If-None-Match may be sent" grep -qi '^Access-Control-Allow-Headers:.*If-None-Match' "$T/h"
check "preflight: Max-Age" test -n "$(hdr Access-Control-Max-Age)"
check "preflight: no body" test ! -s "$T/b"
code=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H "Origin: https://evil.example" \
       -H 'Access-Control-Request-Method: GET' "$H/v1/match")
check "preflight from another origin: 403" test "$code" = 403
code=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H "Origin: $ORIGIN" \
       -H 'Access-Control-Request-Method: POST' "$H/v1/match")
check "preflight for POST: 403 (the API only reads)" test "$code" = 403
code=$(curl -s -D "$T/h" -o /dev/null -w '%{http_code}' -X OPTIONS "$H/v1/match")
check "plain OPTIONS: 204 with Allow" bash -c "test '$code' = 204 && grep -qi '^Allow: GET, HEAD, OPTIONS' '$T/h'"
code=$(curl -s -D "$T/h" -o /dev/null -w '%{http_code}' -X DELETE "$H/v1/match")
check "DELETE: 405 naming OPTIONS too" bash -c "test '$code' = 405 && grep -qi '^Allow: GET, HEAD, OPTIONS' '$T/h'"

# ---- ETag and gzip --------------------------------------------------------
curl -s -D "$T/h" -o "$T/plain" "$H$COV"
tag=$(hdr ETag)
check "a large answer has a strong ETag" bash -c "[[ '$tag' =~ ^\\\"[0-9a-f]{32}\\\"$ ]]"
check "it says Vary: Accept-Encoding" grep -qi '^Vary:.*Accept-Encoding' "$T/h"
check "the body is the coverage JSON" python3 -c "import json; assert 'white_spots' in json.load(open('$T/plain'))"
code=$(curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' -H "If-None-Match: $tag" "$H$COV")
check "If-None-Match with that tag: 304" test "$code" = 304
check "304: no body, no Content-Length, the ETag again" \
  bash -c "test ! -s '$T/b' && ! grep -qi '^Content-Length' '$T/h' && grep -qF 'ETag: $tag' '$T/h'"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "0000"' "$H$COV")
check "another tag: 200" test "$code" = 200
curl -s -D "$T/h" -o "$T/gz" -H 'Accept-Encoding: gzip' "$H$COV"
gztag=$(hdr ETag)
check "Accept-Encoding gzip: Content-Encoding gzip" test "$(hdr Content-Encoding)" = gzip
check "the gzip variant has its own tag" test "$gztag" = "${tag%\"}-gz\""
check "gzip: smaller, and exactly the same JSON unzipped" bash -c \
  "test \$(stat -c %s '$T/gz') -lt \$(stat -c %s '$T/plain') && gunzip -c '$T/gz' | cmp -s - '$T/plain'"
check "gzip: Content-Length is the compressed size" test "$(hdr Content-Length)" = "$(stat -c %s "$T/gz")"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "If-None-Match: $gztag" "$H$COV")
check "If-None-Match with the gzip tag: 304" test "$code" = 304
curl -s -D "$T/h" -o /dev/null -H 'Accept-Encoding: gzip;q=0, identity' "$H$COV"
check "gzip;q=0: not compressed" test -z "$(hdr Content-Encoding)"
curl -s -I -o /dev/null -D "$T/h" "$H$COV"
check "HEAD: the same ETag and Content-Length as GET" bash -c \
  "grep -qF 'ETag: $tag' '$T/h' && test \"\$(grep -i '^Content-Length' '$T/h' | tr -dc 0-9)\" = \$(stat -c %s '$T/plain')"
curl -s -D "$T/h" -o /dev/null -H 'Accept-Encoding: gzip' "$H/v1/ping"
check "a small answer: no ETag, no gzip" bash -c "test -z \"\$(grep -i '^ETag\\|^Content-Encoding' '$T/h')\""
# An independent client: Node's http module and zlib, keep-alive, conditional GET.
check "Node: gzip, ETag, 304 on one keep-alive connection" node - "$H$COV" <<'JS'
const http = require('http'), zlib = require('zlib');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url, headers) {
  return new Promise((ok, bad) => http.get(url, { agent, headers }, res => {
    const parts = []; res.on('data', d => parts.push(d));
    res.on('end', () => ok({ res, body: Buffer.concat(parts) }));
  }).on('error', bad));
}
(async () => {
  const a = await get(process.argv[2], { 'accept-encoding': 'gzip' });
  if (a.res.statusCode !== 200 || a.res.headers['content-encoding'] !== 'gzip') throw new Error('no gzip');
  JSON.parse(zlib.gunzipSync(a.body));
  const b = await get(process.argv[2], { 'accept-encoding': 'gzip', 'if-none-match': a.res.headers.etag });
  if (b.res.statusCode !== 304 || b.body.length !== 0) throw new Error('no 304');
  const c = await get(process.argv[2], {});
  if (c.res.statusCode !== 200 || c.res.headers.etag === a.res.headers.etag) throw new Error('tags');
  JSON.parse(c.body);
  agent.destroy();
})().catch(e => { console.error(e.message); process.exit(1); });
JS

# ---- metrics ----------------------------------------------------------------
curl -s -o "$T/metrics" "$H/metrics"
check "metrics: verwijs_build_info with the version" \
  grep -qE "^verwijs_build_info\\{version=\"$("$D" --version | awk '{print $2}')\"\\} 1$" "$T/metrics"
for m in process_cpu_seconds_total process_resident_memory_bytes process_virtual_memory_bytes \
         process_open_fds process_max_fds process_start_time_seconds; do
  check "metrics: $m" grep -qE "^$m [0-9.e+]+$" "$T/metrics"
done
check "metrics: a strict parse (HELP and TYPE before every family, numeric values)" python3 - "$T/metrics" <<'PY'
import re, sys
typed, seen = {}, set()
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# HELP "): continue
    m = re.match(r"# TYPE (\w+) (counter|gauge|histogram)$", line)
    if m: typed[m.group(1)] = m.group(2); continue
    m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|NaN|\+Inf)$', line)
    assert m, line
    name = m.group(1)
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    assert name in typed or base in typed, "no TYPE for " + name
PY
check "SIGTERM: exit 0" stop_daemon
finish
