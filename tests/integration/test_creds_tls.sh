#!/usr/bin/env bash
# test_creds_tls.sh -- a TLS client certificate mapped to a named credential
# (cert= in admin_credentials_file, issue 15): with admin_tls and
# tls_client_ca, a coordinator's certificate acts as that coordinator
# without any auth; an unmapped certificate of the same CA gets forbidden;
# NAME:SECRET still works over the same TLS port.
. "$(dirname "$0")/lib.sh"
gen_db 200 11
C="$T/certs"; mkdir -p "$C"
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${EC[@]}" -keyout "$C/ca.key" -out "$C/ca.pem" -days 2 -subj "/CN=Verwijs test CA" 2>/dev/null
mkcert() {
  openssl req "${EC[@]}" -keyout "$C/$1.key" -out "$C/$1.csr" -subj "/CN=$1" 2>/dev/null &&
  printf '%s\n' "$2" > "$C/$1.ext" &&
  openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
    -out "$C/$1.pem" -days 2 -extfile "$C/$1.ext" 2>/dev/null
}
mkcert server "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
mkcert cees "extendedKeyUsage=clientAuth"
mkcert other "extendedKeyUsage=clientAuth"
check "certificates made" test -s "$C/cees.pem" -a -s "$C/other.pem"
FP=$(openssl x509 -in "$C/cees.pem" -outform DER | sha256sum | cut -d' ' -f1)
S_AUD=aud-Secret-5555
printf 'cees certifier %s cert=%s\notto auditor %s\n' \
  "$(echo unused-Secret-1 | "$D" --hash-secret)" "$FP" "$(echo "$S_AUD" | "$D" --hash-secret)" > "$T/creds"
chmod 0600 "$T/creds"
cat > "$T/tls.conf" <<CONF
admin_listen = 127.0.0.1:0
admin_tls = 1
admin_credentials_file = $T/creds
tls_listen = 127.0.0.1:0
tls_cert = $C/server.pem
tls_key = $C/server.key
tls_client_ca = $C/ca.pem
CONF
start_daemon "$DB" --config "$T/tls.conf"
APORT=$(cat "$T/port.admin")
NET=$(awk -F, 'NR == 2 { print $1 }' "$T/networks.csv")
TLS=(--tls --ca "$C/ca.pem")
expect_exit 0 "the certifier's certificate alone sets a status" \
  "$V" "${TLS[@]}" --cert "$C/cees.pem" --key "$C/cees.key" admin network set "$NET" status=forming --server "127.0.0.1:$APORT"
expect_exit 0 "history" "$V" "${TLS[@]}" --cert "$C/cees.pem" --key "$C/cees.key" admin history network "$NET" --server "127.0.0.1:$APORT"
check "... names cees" grep -q cees "$T/out"
expect_exit 3 "... but may not add a member" \
  "$V" "${TLS[@]}" --cert "$C/cees.pem" --key "$C/cees.key" admin member add "$(awk -F, 'NR == 3 { print $1 }' "$T/providers.csv")" "$NET" --server "127.0.0.1:$APORT"
expect_exit 3 "an unmapped certificate: forbidden" \
  "$V" "${TLS[@]}" --cert "$C/other.pem" --key "$C/other.key" admin reload --server "127.0.0.1:$APORT"
check "... forbidden" grep -qi forbidden "$T/err"
expect_exit 0 "NAME:SECRET over the same TLS port" env VERWIJS_SECRET="$S_AUD" \
  "$V" "${TLS[@]}" --cert "$C/other.pem" --key "$C/other.key" admin --user otto changes --limit 2 --server "127.0.0.1:$APORT"
stop_daemon
check "daemon exits 0" test $? = 0
finish
