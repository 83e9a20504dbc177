#!/usr/bin/env bash
# test_tls.sh -- the TLS listener, against a real verwijsd, with certificates
# made at test time by the openssl command (a CA, a server certificate for
# 127.0.0.1/localhost, a client certificate, and a second, untrusted CA):
#  - answers over TLS equal answers over plain TCP (the CLI and libverwijs);
#  - the client refuses a server it cannot verify (wrong CA, wrong name);
#  - mutual TLS (tls_client_ca) refuses a client without a certificate and one
#    with a certificate from the untrusted CA, and serves the trusted one;
#  - a plain-text client and a silent client on the TLS port are cut off
#    (handshake failure / handshake_timeout) without harming the daemon;
#  - admin over TCP with admin_tls: works over TLS with the token, a wrong token
#    is forbidden, a plain-text admin client gets nothing;
#  - failed handshakes are logged without data; no PC6 in the log.
. "$(dirname "$0")/lib.sh"
gen_db 1500 7

# ---- certificates ---------------------------------------------------------------
C="$T/certs"; mkdir -p "$C"
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
mkca() { openssl req -x509 "${EC[@]}" -keyout "$C/$1.key" -out "$C/$1.pem" -days 2 -subj "/CN=$2" 2>/dev/null; }
# mkcert NAME CA SUBJECT EXT
mkcert() {
  openssl req "${EC[@]}" -keyout "$C/$1.key" -out "$C/$1.csr" -subj "/CN=$3" 2>/dev/null &&
  printf '%s\n' "$4" > "$C/$1.ext" &&
  openssl x509 -req -in "$C/$1.csr" -CA "$C/$2.pem" -CAkey "$C/$2.key" -CAcreateserial \
    -out "$C/$1.pem" -days 2 -extfile "$C/$1.ext" 2>/dev/null
}
mkca ca "Verwijs test CA"
mkca evil "Untrusted test CA"
mkcert server ca localhost "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
mkcert client ca "huisarts-test" "extendedKeyUsage=clientAuth"
mkcert intruder evil "huisarts-test" "extendedKeyUsage=clientAuth"
check "certificates made" test -s "$C/server.pem" -a -s "$C/client.pem" -a -s "$C/intruder.pem"

head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/token"
echo "wrong-token-0123456789abcdef" > "$T/badtoken"
cat > "$T/tls.conf" <<CONF
admin_listen = 127.0.0.1:0
admin_tls = 1
admin_token_file = $T/token
tls_listen = 127.0.0.1:0
tls_cert = $C/server.pem
tls_key = $C/server.key
handshake_timeout = 1
CONF

# ---- server-authenticated TLS ------------------------------------------------
start_daemon "$DB" --config "$T/tls.conf"
TPORT=$(cat "$T/port.tls")
TLS=(--server "127.0.0.1:$TPORT" --tls --ca "$C/ca.pem")
for near in 3511 1012 9711 6211; do
  expect_exit 0 "match $near over plain TCP" "$V" match --near $near --within 30 --json
  cp "$T/out" "$T/plain.json"
  expect_exit 0 "match $near over TLS" "$V" "${TLS[@]}" match --near $near --within 30 --json
  check "match $near: TLS answer equals the plain one" cmp -s "$T/out" "$T/plain.json"
done
expect_exit 0 "refer over TLS" "$V" "${TLS[@]}" refer --near 3511 --problem darmklachten --json
expect_exit 0 "TLS via the environment" env VERWIJS_TLS=1 VERWIJS_CA="$C/ca.pem" \
  VERWIJS_SERVER="localhost:$TPORT" "$V" ping
expect_exit 0 "libverwijs over TLS (brute-force equality, pipelining)" \
  "$VW_BIN/itest_client" --server "127.0.0.1:$TPORT" --tls-ca "$C/ca.pem" --db "$DB" --queries 200
expect_exit 4 "a server certificate from an unknown CA is refused" \
  "$V" --server "127.0.0.1:$TPORT" --tls --ca "$C/evil.pem" ping
check "... certificate verify failed" grep -q "verify failed" "$T/err"
expect_exit 4 "a server name that does not match is refused" \
  "$V" "${TLS[@]}" --tls-name verwijs.example.org ping
expect_exit 4 "plain TCP client library on the TLS port gets no answer" \
  "$V" --server "127.0.0.1:$TPORT" --timeout 3000 ping

# Plain-text bytes and silence on the TLS port: cut off, daemon unharmed.
python3 - "$TPORT" > "$T/py.out" 2>&1 <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
def closed(s):
    s.settimeout(10)
    try:
        while True:
            if not s.recv(65536): return True
    except ConnectionResetError: return True
    except socket.timeout: return False
body = b'\x84\xa1v\x01\xa2id\x01\xa2op\xa4ping\xa4args\x80'
s = socket.create_connection(("127.0.0.1", port)); s.sendall(struct.pack('>I', len(body)) + body)
print("plaintext", "closed" if closed(s) else "open")
s = socket.create_connection(("127.0.0.1", port)); s.sendall(b'GET / HTTP/1.0\r\n\r\n' + b'\x00' * 5000)
print("garbage", "closed" if closed(s) else "open")
s = socket.create_connection(("127.0.0.1", port))
print("silent", "closed" if closed(s) else "open")
# a handshake record header announcing 500 bytes, then one byte every 0.3 s:
# never idle for handshake_timeout (1 s), but not done within it either
s = socket.create_connection(("127.0.0.1", port)); s.sendall(b'\x16\x03\x01\x01\xf4')
t0 = time.time(); cut = False
while time.time() - t0 < 20 and not cut:
    time.sleep(0.3)
    try:
        s.sendall(b'\x01')
        s.settimeout(0.01)
        cut = s.recv(1) == b''
    except socket.timeout: pass
    except OSError: cut = True
print("trickle", "closed" if cut and time.time() - t0 < 8 else "open", "%.1f" % (time.time() - t0))
PY
check "plain-text frame on the TLS port: connection closed" grep -q "plaintext closed" "$T/py.out"
check "garbage on the TLS port: connection closed" grep -q "garbage closed" "$T/py.out"
check "silent client on the TLS port: closed after handshake_timeout" grep -q "silent closed" "$T/py.out"
check "trickled handshake: closed at handshake_timeout (a deadline)" grep -q "trickle closed" "$T/py.out"
check "the daemon is still running" kill -0 "$DPID"
expect_exit 0 "TLS still works afterwards" "$V" "${TLS[@]}" ping
check "failed handshakes are logged" grep -q "TLS handshake failed" "$T/verwijsd.log"

# Admin over TLS (admin_tls = 1): the token still decides.
APORT=$(cat "$T/port.admin")
expect_exit 0 "admin reload over TLS with the token" \
  "$V" --tls --ca "$C/ca.pem" admin reload --server "127.0.0.1:$APORT" --token-file "$T/token"
check "... a new generation" grep -q "generation 2" "$T/out"
expect_exit 3 "admin over TLS with a wrong token" \
  "$V" --tls --ca "$C/ca.pem" admin reload --server "127.0.0.1:$APORT" --token-file "$T/badtoken"
check "... forbidden" grep -q forbidden "$T/err"
expect_exit 4 "admin in plain text on the admin TLS port gets nothing" \
  "$V" --timeout 3000 admin reload --server "127.0.0.1:$APORT" --token-file "$T/token"
check "still generation 2" bash -c "'$V' stats --json | grep -q '\"generation\": *2'"
check "SIGTERM: verwijsd exits 0" stop_daemon

# ---- mutual TLS ---------------------------------------------------------------
echo "tls_client_ca = $C/ca.pem" >> "$T/tls.conf"
start_daemon "$DB" --config "$T/tls.conf"
TPORT=$(cat "$T/port.tls")
TLS=(--server "127.0.0.1:$TPORT" --tls --ca "$C/ca.pem")
expect_exit 0 "mTLS: match with the trusted client certificate" \
  "$V" "${TLS[@]}" --cert "$C/client.pem" --key "$C/client.key" match --near 3511 --within 30 --json
cp "$T/out" "$T/mtls.json"
expect_exit 0 "match over plain TCP" "$V" match --near 3511 --within 30 --json
check "mTLS answer equals the plain one" cmp -s "$T/out" "$T/mtls.json"
expect_exit 4 "mTLS: a client without a certificate is refused" "$V" "${TLS[@]}" match --near 3511
expect_exit 4 "mTLS: a certificate from an untrusted CA is refused" \
  "$V" "${TLS[@]}" --cert "$C/intruder.pem" --key "$C/intruder.key" match --near 3511
expect_exit 0 "libverwijs over mutual TLS" "$VW_BIN/itest_client" --server "127.0.0.1:$TPORT" \
  --tls-ca "$C/ca.pem" --tls-cert "$C/client.pem" --tls-key "$C/client.key" --db "$DB" --queries 100
check "trickled handshake: closed at handshake_timeout (a deadline)" grep -q "trickle closed" "$T/py.out"
check "the daemon is still running" kill -0 "$DPID"
check "refused client certificates are logged" grep -qi "certificate" "$T/verwijsd.log"

check "privacy: no coordinates finer than 2 decimals in request logs" \
  bash -c "! grep 'op=' '$T/verwijsd.log' | cut -d' ' -f3- | grep -qE '[0-9]\.[0-9]{3,}'"
check "SIGTERM: verwijsd exits 0" stop_daemon
finish
