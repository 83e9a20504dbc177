#!/usr/bin/env bash
# test_creds.sh -- named admin credentials (issue 15) against a real verwijsd:
#  - admin_credentials_file with admin, coordinators west and noord,
#    a certifier and an auditor (hashes from `verwijsd --hash-secret`);
#  - coordinator west adds a physiotherapist to a network of region west over
#    admin TCP; served right after; history names the coordinator;
#  - coordinator noord on that network: forbidden (exit 3), WARN in the log;
#  - certifier sets status, coordinator cannot; auditor reads, cannot apply;
#  - wrong secret, unknown name, malformed auth: forbidden;
#  - the Unix admin socket: no auth = admin, a wrong NAME:SECRET refused;
#  - bad credential lines stop the start with file:line;
#  - the secrets appear neither in the log nor in ps.
. "$(dirname "$0")/lib.sh"
need_geodata
gen_db 200 11
expect_exit 0 "import regions" "$V" import regions "$VW_GEODATA/gemeente_2015.geojson" \
  --mapping "$VW_SRC/geodata/iza_regions.csv" --db "$DB"
ASOCK="$T/admin.sock"
h() { printf '%s\n' "$1" | "$D" --hash-secret; }
S_ADMIN=adm-Secret-1111 S_WEST=west-Secret-2222 S_NOORD=noord-Secret-3333
S_CERT=cert-Secret-4444 S_AUD=aud-Secret-5555
expect_exit 0 "hash-secret" h "$S_WEST"
check "... a pbkdf2 HASH" grep -q '^pbkdf2-sha256\$100000\$' "$T/out"
write_creds "$T/creds" "boss admin $S_ADMIN" "anna coordinator west $S_WEST" \
  "noor coordinator noord $S_NOORD" "cees certifier $S_CERT" "otto auditor $S_AUD"
cat > "$T/admin.conf" <<CONF
admin_socket = $ASOCK
admin_listen = 127.0.0.1:0
admin_credentials_file = $T/creds
CONF

# bad lines: the daemon does not start, naming file:line
bad_start() {
  local what="$1" line="$2" want="$3"
  printf '# ok\n%s\n' "$line" > "$T/bad.creds"; chmod 0600 "$T/bad.creds"
  sed "s|^admin_credentials_file = .*|admin_credentials_file = $T/bad.creds|" "$T/admin.conf" > "$T/bad.conf"
  "$D" --db "$DB" --no-tcp --config "$T/bad.conf" >"$T/bad.out" 2>&1 &
  local pid=$!
  wait $pid; local rc=$?
  check "bad line ($what): no start" test "$rc" != 0
  check "bad line ($what): names bad.creds:2 ($want)" grep -q "bad.creds:2: .*$want" "$T/bad.out"
}
HW=$(h "$S_WEST")
bad_start "bad name" "an/na admin $HW" "NAME"
bad_start "bad role" "anna king $HW" "ROLE"
bad_start "coordinator without region" "anna coordinator $HW" "REGION"
bad_start "unknown region" "anna coordinator atlantis $HW" "REGION"
bad_start "bad hash" "anna admin pbkdf2-sha256\$10\$abc\$def" "iteration"
bad_start "bad cert" "anna admin $HW cert=XYZ" "cert="
bad_start "too few fields" "anna admin" "too few"
printf 'boss admin %s\nboss auditor %s\n' "$HW" "$HW" > "$T/bad.creds"
"$D" --db "$DB" --no-tcp --config "$T/bad.conf" >"$T/bad.out" 2>&1
check "duplicate name refused" grep -q "bad.creds:2: duplicate NAME" "$T/bad.out"
chmod 0644 "$T/bad.creds"
printf 'boss admin %s\n' "$HW" > "$T/bad.creds"
"$D" --db "$DB" --no-tcp --config "$T/bad.conf" >"$T/bad.out" 2>&1
check "a world-readable file is refused" grep -q "readable or writable by others" "$T/bad.out"

start_daemon "$DB" --config "$T/admin.conf"
APORT=$(cat "$T/port.admin")
AT=(--server "127.0.0.1:$APORT")
as() { local u="$1" s="$2"; shift 2; VERWIJS_SECRET="$s" "$V" admin --user "$u" "$@" "${AT[@]}"; }

NET=$(awk -F, 'NR == 2 { print $1 }' "$T/networks.csv")
expect_exit 0 "admin (local socket, no auth) sets the network's region" \
  "$V" admin network set "$NET" region=west --admin-socket "$ASOCK"

cat > "$T/new.jsonl" <<JSON
{"op":"create","kind":"provider","id":"PWEST1","set":{"name":"Fysio Leiden","discipline":"fysiotherapeut","lat":52.1601,"lon":4.4970,"postcode":"2311","city":"Leiden","accepting":true,"online":false}}
{"op":"create","kind":"membership","id":["PWEST1","$NET"]}
JSON
expect_exit 0 "coordinator west adds a physio to a west network" as anna "$S_WEST" apply "$T/new.jsonl"
"$V" match --near 2311 --discipline fysiotherapeut --limit 100 --json > "$T/match.json"
check "... served right after" grep -q '"PWEST1"' "$T/match.json"
"$V" provider PWEST1 --json > "$T/p.json"
check "... with its network" grep -q "\"$NET\"" "$T/p.json"
expect_exit 0 "history" "$V" admin history provider PWEST1 --admin-socket "$ASOCK"
check "... names the coordinator" grep -q "anna" "$T/out"

OTHER=$(awk -F, 'NR == 3 { print $1 }' "$T/providers.csv")
expect_exit 3 "coordinator noord on a west network: forbidden" as noor "$S_NOORD" member add "$OTHER" "$NET"
check "... says forbidden" grep -qi "forbidden" "$T/err"
check "... with the reason (region)" grep -qi "region" "$T/err"
check "... WARN in the log with the name" grep -q "warn .*admin refused (credential noor): .*region noord may not touch a record of region west" "$T/verwijsd.log"

expect_exit 3 "coordinator may not set status" as anna "$S_WEST" network set "$NET" status=forming
check "... forbidden" grep -qi "forbidden" "$T/err"
expect_exit 0 "certifier sets status" as cees "$S_CERT" network set "$NET" status=forming
expect_exit 3 "certifier may not add a member" as cees "$S_CERT" member add "$OTHER" "$NET"
expect_exit 0 "auditor reads the changes" as otto "$S_AUD" changes --limit 5
expect_exit 0 "auditor reads history" as otto "$S_AUD" history provider PWEST1
expect_exit 3 "auditor may not apply" as otto "$S_AUD" apply "$T/new.jsonl"
check "... forbidden" grep -qi "forbidden" "$T/err"
expect_exit 0 "named admin reloads" as boss "$S_ADMIN" reload

expect_exit 3 "wrong secret" as anna "wrong-secret-9999" reload
check "... forbidden" grep -qi "forbidden" "$T/err"
expect_exit 3 "unknown name" as nobody "$S_WEST" reload
expect_exit 3 "malformed auth" as ":" "x" reload
expect_exit 3 "the local socket with a wrong NAME:SECRET" \
  env VERWIJS_SECRET=nope "$V" admin --user anna reload --admin-socket "$ASOCK"
expect_exit 0 "the local socket as coordinator west" \
  env VERWIJS_SECRET="$S_WEST" "$V" admin --user anna provider set PWEST1 accepting=0 --admin-socket "$ASOCK"
expect_exit 0 "--secret-file" sh -c "printf '%s\n' '$S_CERT' > '$T/sf'; '$V' admin --user cees --secret-file '$T/sf' network set '$NET' status=certified ${AT[*]}"

ps -eo args > "$T/ps.txt"
for s in "$S_ADMIN" "$S_WEST" "$S_NOORD" "$S_CERT" "$S_AUD" wrong-secret-9999; do
  check "secret $s not in the log" bash -c "! grep -qF -- '$s' '$T/verwijsd.log'"
  check "secret $s not in ps" bash -c "! grep -qF -- '$s' '$T/ps.txt'"
done
privacy_check "$T/verwijsd.log"
stop_daemon
check "daemon exits 0" test $? = 0
finish
