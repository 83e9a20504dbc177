#!/usr/bin/env bash
# test_http_admin.sh -- the HTTP admin routes (admin_http_listen) against a
# real verwijsd, driven by curl:
#  - no or wrong credentials: 401 with WWW-Authenticate; Bearer and Basic
#    both accepted;
#  - POST /v1/admin/apply creates a provider and its membership; the query
#    port serves it right after (verwijs match / provider);
#  - a stale version: 409 conflict; bad JSON / oversize body / bad ids:
#    400/413 with a stable error code; the daemon keeps serving;
#  - GET /v1/admin/history/provider/ID names who did it;
#    GET /v1/admin/changes?since=N returns the change;
#  - the query HTTP port answers 404 for /v1/admin/*.
. "$(dirname "$0")/lib.sh"
need_geodata
command -v curl >/dev/null || { echo "curl not found" >&2; exit 1; }
gen_db 300 12
expect_exit 0 "import regions" "$V" import regions "$VW_GEODATA/gemeente_2015.geojson" \
  --mapping "$VW_SRC/geodata/iza_regions.csv" --db "$DB"
S_WEST=west-Secret-2222 S_NOORD=noord-Secret-3333 S_CERT=cert-Secret-4444 S_AUD=aud-Secret-5555
write_creds "$T/creds" "anna coordinator west $S_WEST" "noor coordinator noord $S_NOORD" \
  "cees certifier $S_CERT" "otto auditor $S_AUD"
printf 's3cret-token-0123456789abcdef\n' > "$T/token"
chmod 600 "$T/token"
TOKEN=$(cat "$T/token")
cat > "$T/ha.conf" <<CONF
admin_token_file = $T/token
admin_credentials_file = $T/creds
admin_http_listen = 127.0.0.1:0
admin_http_port_file = $T/ha.port
admin_http_max_body = 65536
http_listen = 127.0.0.1:0
http_port_file = $T/http.port
CONF
start_daemon "$DB" --config "$T/ha.conf"
HA="http://127.0.0.1:$(cat "$T/ha.port")"
QH="http://127.0.0.1:$(cat "$T/http.port")"
AUTH=(-H "Authorization: Bearer $TOKEN")

# req METHOD URL [curl args...]: status in $T/status, body in $T/body
req() {
  local m="$1" u="$2"; shift 2
  curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$u" "$@" > "$T/status" 2>"$T/curl.err" ||
    echo 000 > "$T/status"
}
status_is() { test "$(cat "$T/status")" = "$1"; }
body_has() { grep -q -- "$1" "$T/body"; }

req GET "$HA/v1/admin/changes"
check "no credentials: 401" status_is 401
curl -s -D "$T/hdr" -o /dev/null "$HA/v1/admin/changes"
check "... with WWW-Authenticate" grep -qi "^WWW-Authenticate: Bearer" "$T/hdr"
req GET "$HA/v1/admin/changes" -H "Authorization: Bearer wrong"
check "wrong token: 401" status_is 401
req GET "$HA/v1/admin/changes?limit=1" -u "admin:$TOKEN"
check "Basic NAME:SECRET accepted" status_is 200

NET=$(awk -F, 'NR == 2 { print $1 }' "$T/networks.csv")
cat > "$T/apply.json" <<JSON
{"changes":[
 {"op":"create","kind":"provider","id":"PHTTP1","set":{"name":"Fysio Http","discipline":"fysiotherapeut","expertise":"oncologie","lat":52.0907,"lon":5.1214,"postcode":"3511","city":"Utrecht","accepting":true,"online":false}},
 {"op":"create","kind":"membership","id":["PHTTP1","$NET"]}]}
JSON
req POST "$HA/v1/admin/apply" "${AUTH[@]}" --data-binary @"$T/apply.json"
check "apply: 200" status_is 200
check "... 2 applied" python3 -c "import json; d=json.load(open('$T/body')); assert d['applied'] == 2, d"
"$V" match --near 3511 --discipline fysiotherapeut --limit 100 --json > "$T/match.json"
check "the query port serves it right after" grep -q '"PHTTP1"' "$T/match.json"
"$V" provider PHTTP1 --json > "$T/p.json"
check "... with its network" grep -q "\"$NET\"" "$T/p.json"

# JSON lines, stale version
printf '{"op":"update","kind":"provider","id":"PHTTP1","version":7,"set":{"accepting":false}}\n' > "$T/stale.jsonl"
req POST "$HA/v1/admin/apply" "${AUTH[@]}" --data-binary @"$T/stale.jsonl"
check "stale version: 409" status_is 409
check "... conflict" body_has '"conflict"'
printf '{"op":"update","kind":"provider","id":"PHTTP1","version":1,"set":{"accepting":false}}\n' > "$T/ok.jsonl"
req POST "$HA/v1/admin/apply" "${AUTH[@]}" --data-binary @"$T/ok.jsonl"
check "the right version (JSON lines): 200" status_is 200

# single records: PUT creates (ETag: its version), If-Match stale -> 409,
# right -> 200 with the next version; a membership by PUT/DELETE
NET2=$(awk -F, 'NR == 3 { print $1 }' "$T/networks.csv")
cat > "$T/p2.json" <<JSON
{"name":"Fysio Put","discipline":"fysiotherapeut","expertise":"oncologie","lat":52.0907,"lon":5.1214,"postcode":"3511","city":"Utrecht","accepting":true,"online":false}
JSON
curl -s -D "$T/hdr" -o "$T/body" -w '%{http_code}' -X PUT "$HA/v1/admin/providers/PPUT1" "${AUTH[@]}" --data-binary @"$T/p2.json" > "$T/status"
check "PUT provider (new): 200" status_is 200
check "... ETag \"1\"" grep -qi '^ETag: "1"' "$T/hdr"
req PUT "$HA/v1/admin/networks/$NET2/members/PPUT1" "${AUTH[@]}"
check "PUT membership: 200" status_is 200
"$V" provider PPUT1 --json > "$T/p.json"
check "... served with its network" grep -q "\"$NET2\"" "$T/p.json"
req PUT "$HA/v1/admin/providers/PPUT1" "${AUTH[@]}" -H 'If-Match: "5"' --data-binary '{"city":"Zeist"}'
check "PUT with a stale If-Match: 409" status_is 409
curl -s -D "$T/hdr" -o "$T/body" -w '%{http_code}' -X PUT "$HA/v1/admin/providers/PPUT1" "${AUTH[@]}" -H 'If-Match: "1"' --data-binary '{"city":"Zeist"}' > "$T/status"
check "PUT with the right If-Match: 200" status_is 200
check "... ETag \"2\"" grep -qi '^ETag: "2"' "$T/hdr"
req PUT "$HA/v1/admin/providers/PPUT1" "${AUTH[@]}" -H 'If-Match: nope' --data-binary '{"city":"Zeist"}'
check "bad If-Match: 400" status_is 400
req PUT "$HA/v1/admin/providers/PPUT1" "${AUTH[@]}" --data-binary '[1,2]'
check "PUT body not an object: 400" status_is 400
req DELETE "$HA/v1/admin/networks/$NET2/members/PPUT1" "${AUTH[@]}"
check "DELETE membership: 200" status_is 200
req DELETE "$HA/v1/admin/providers/PPUT1" "${AUTH[@]}"
check "DELETE provider: 200" status_is 200
"$V" provider PPUT1 > "$T/out" 2>&1
check "... no longer served" grep -q not_found "$T/out"
req DELETE "$HA/v1/admin/networks/$NET" "${AUTH[@]}"
check "DELETE a network with members: refused" test "$(cat "$T/status")" -ge 400
req PUT "$HA/v1/admin/providers/a%2Fb" "${AUTH[@]}" --data-binary '{}'
check "an id with '/': 400" status_is 400
req PUT "$HA/v1/admin/providers/$(head -c 300 /dev/zero | tr '\0' x)" "${AUTH[@]}" --data-binary '{}'
check "an id too long: 400" status_is 400

# bad input
req POST "$HA/v1/admin/apply" "${AUTH[@]}" --data-binary '{"changes":[{"op":'
check "bad JSON: 400" status_is 400
check "... bad_request" body_has '"bad_request"'
req POST "$HA/v1/admin/apply" "${AUTH[@]}" --data-binary '{"changes":5}'
check "changes not an array: 400" status_is 400
req POST "$HA/v1/admin/apply" "${AUTH[@]}" --data-binary '{"changes":[{"op":"explode","kind":"provider","id":"X"}]}'
check "unknown op in a change: 400" status_is 400
head -c 100000 /dev/zero | tr '\0' ' ' > "$T/big"
req POST "$HA/v1/admin/apply" "${AUTH[@]}" --data-binary @"$T/big"
check "oversize body: 413" status_is 413
req GET "$HA/v1/admin/history/provider/%zz" "${AUTH[@]}"
check "bad path id: 400" status_is 400
req GET "$HA/v1/admin/history/kapper/X" "${AUTH[@]}"
check "unknown kind: 400" status_is 400
req GET "$HA/v1/admin/changes?since=abc" "${AUTH[@]}"
check "bad since: 400" status_is 400
req GET "$HA/v1/admin/nothing" "${AUTH[@]}"
check "unknown route: 404" status_is 404
req GET "$HA/v1/admin/apply" "${AUTH[@]}"
check "GET apply: 405" status_is 405

# history and the feed
req GET "$HA/v1/admin/history/provider/PHTTP1" "${AUTH[@]}"
check "history: 200" status_is 200
check "... 2 changes by admin" python3 -c "
import json; c=json.load(open('$T/body'))['changes']
assert len(c) == 2 and all(x['credential'] == 'admin' for x in c), c"
req GET "$HA/v1/admin/history/membership/PHTTP1/$NET" "${AUTH[@]}"
check "membership history: one create" python3 -c "
import json; c=json.load(open('$T/body'))['changes']; assert len(c) == 1 and c[0]['op'] == 'create', c"
LAST=$(sqlite3 "$DB" "SELECT max(seq) FROM change_log")
req GET "$HA/v1/admin/changes?since=$((LAST - 1))" "${AUTH[@]}"
check "changes?since=N returns the last change" python3 -c "
import json; c=json.load(open('$T/body'))['changes']
assert len(c) == 1 and c[0]['seq'] == $LAST and c[0]['op'] == 'delete', c"

# the query port keeps refusing admin routes
req POST "$QH/v1/admin/apply" --data-binary @"$T/apply.json"
check "query port: POST /v1/admin/apply refused" test "$(cat "$T/status")" != 200
req GET "$QH/v1/admin/changes" "${AUTH[@]}"
check "query port: 404 for /v1/admin/changes" status_is 404

# named credentials (creds.h): coordinator west adds a physiotherapist to a
# network of region west; coordinator noord may not; history names anna
WNET=$(awk -F, 'NR == 4 { print $1 }' "$T/networks.csv")
req PUT "$HA/v1/admin/networks/$WNET" "${AUTH[@]}" --data-binary '{"region":"west"}'
check "admin puts a network in region west" status_is 200
cat > "$T/west.json" <<JSON
{"name":"Fysio Leiden","discipline":"fysiotherapeut","lat":52.1601,"lon":4.4970,"postcode":"2311","city":"Leiden","accepting":true,"online":false}
JSON
req PUT "$HA/v1/admin/providers/PWEST1" -H "Authorization: Bearer anna:$S_WEST" --data-binary @"$T/west.json"
check "coordinator west creates a provider in Leiden (Bearer NAME:SECRET)" status_is 200
req PUT "$HA/v1/admin/networks/$WNET/members/PWEST1" -u "noor:$S_NOORD"
check "coordinator noord adds it to the west network: 403" status_is 403
check "... forbidden with the reason" python3 -c "
import json; e=json.load(open('$T/body'))['error']; assert e['code'] == 'forbidden' and e['message'], e"
check "... logged at WARN with the credential" grep -q "warn http-admin refused (credential noor)" "$T/verwijsd.log"
req PUT "$HA/v1/admin/networks/$WNET/members/PWEST1" -u "anna:$S_WEST"
check "coordinator west adds it (Basic): 200" status_is 200
"$V" match --near 2311 --discipline fysiotherapeut --limit 100 --json > "$T/match.json"
check "... served right after" grep -q '"PWEST1"' "$T/match.json"
"$V" network "$WNET" --json > "$T/net.json" 2>&1
check "... in the network" grep -q '"PWEST1"' "$T/net.json"
req GET "$HA/v1/admin/history/provider/PWEST1" -u "otto:$S_AUD"
check "auditor reads history: 200" status_is 200
check "... names anna" grep -q '"credential":"anna"' "$T/body"
req POST "$HA/v1/admin/apply" -u "otto:$S_AUD" --data-binary @"$T/ok.jsonl"
check "auditor applies: 403" status_is 403
req GET "$HA/v1/admin/changes" -u "anna:wrong-secret"
check "a wrong secret: 401" status_is 401
SINCE=$(sqlite3 "$DB" "SELECT max(seq) - 1 FROM change_log")
req GET "$HA/v1/admin/changes?since=$SINCE" -u "otto:$S_AUD"
check "the feed has the membership, by anna" python3 -c "
import json; c=json.load(open('$T/body'))['changes']
assert len(c) == 1 and c[0]['credential'] == 'anna' and c[0]['kind'] == 'membership', c"

# failed authentications close the connection after 5
curl -s -v $(for i in 1 2 3 4 5 6; do printf -- '-H Authorization:Bearer_x %s/v1/admin/changes ' "$HA"; done) > /dev/null 2> "$T/fails.err"
check "... closed after 5 failures" grep -qi "Connection: close" "$T/fails.err"

# raw sockets: a request half-closed before its body is complete gets no
# answer and breaks nothing; a body sent in pieces (within http_timeout) is
# answered
python3 - "$(cat "$T/ha.port")" "$TOKEN" > "$T/raw.out" 2>&1 <<'PY'
import socket, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
body = b'{"changes":[{"op":"update","kind":"provider","id":"PHTTP1","set":{"city":"Utrecht"}}]}'
head = ("POST /v1/admin/apply HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
        "Content-Length: %d\r\n\r\n" % (token, len(body))).encode()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(head + body[:10]); s.shutdown(socket.SHUT_WR)
s.settimeout(10); got = s.recv(100); s.close()
print("half-closed:", b"200" in got.split(b"\r\n")[0] if got else "closed")
s = socket.create_connection(("127.0.0.1", port))
s.sendall(head + body[:20]); time.sleep(0.3); s.sendall(body[20:])
s.settimeout(10); got = b""
while b"\r\n\r\n" not in got:
    d = s.recv(4096)
    if not d: break
    got += d
print("slow body:", got.split(b"\r\n")[0].decode())
PY
check "raw: a half-closed request is not applied" grep -qE "half-closed: (closed|False)" "$T/raw.out"
check "raw: a slow body within the timeout: 200" grep -q "slow body: HTTP/1.1 200" "$T/raw.out"

# after all that, the daemon still answers
"$V" ping > /dev/null
check "daemon alive" test $? = 0
check "the token is not logged" bash -c "! grep -q '$TOKEN' '$T/verwijsd.log'"
check "no secret is logged" bash -c "! grep -qE 'Secret-[0-9]{4}' '$T/verwijsd.log'"
stop_daemon
check "clean stop" test $? = 0
finish
