#!/usr/bin/env bash
# test_admin.sh -- admin path vs query path, against a real verwijsd:
#  - the admin socket is created with mode 0600 (admin_socket_mode);
#  - `verwijs admin import` and `admin reload` over the admin socket change the
#    answers (a provider removed from the file is gone; put back after a reload);
#  - a rejected import answers the bad rows and changes nothing;
#  - the same ops on the query port (TCP and the query Unix socket) answer
#    `forbidden`: the database file and the answers stay the same;
#  - admin over TCP without a token or with a wrong one is refused (and closed),
#    with the right token it works;
#  - admin imports read only regular files inside admin_import_dir: /dev/zero,
#    a FIFO, a directory, a file outside it and a symlink leading out are
#    refused with a clear error (and without hanging);
#  - admin import of kind regions (GeoJSON + mapping, both inside the dir);
#  - SIGTERM during a long admin import: exit 0 within drain_timeout + slack,
#    the import rolled back (database unchanged);
#  - the log holds no full PC6 (privacy).
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
gen_db 1500 5
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/token"
echo "wrong-token-0123456789abcdef" > "$T/badtoken"
ASOCK="$T/admin.sock"
cat > "$T/admin.conf" <<CONF
admin_socket = $ASOCK
admin_listen = 127.0.0.1:0
admin_token_file = $T/token
admin_import_dir = $T
drain_timeout = 2
CONF
start_daemon "$DB" --config "$T/admin.conf"
APORT=$(cat "$T/port.admin")

check "admin socket mode is 0600" test "$(stat -c %a "$ASOCK")" = 600
check "query socket keeps its own mode (0660)" test "$(stat -c %a "$SOCK")" = 660

gen() { "$V" stats --json | python3 -c "import json,sys; print(json.load(sys.stdin)['snapshot']['generation'])"; }
nearest() { "$V" match --near 3511 --limit 1 --json | python3 -c "import json,sys; print(json.load(sys.stdin)['providers'][0]['id'])"; }
# The data (a rejected import only adds a row to import_log, by design).
sum() {
  sqlite3 "$DB" "SELECT * FROM providers ORDER BY id; SELECT * FROM memberships ORDER BY 1, 2;
                 SELECT * FROM networks ORDER BY id; SELECT * FROM pc4 ORDER BY 1;" | sha256sum | cut -d' ' -f1
}

P1=$(nearest)
check "generation 1 at start" test "$(gen)" = 1

# ---- the query port cannot change anything --------------------------------
grep -v "^$P1," "$T/providers.csv" > "$T/providers_minus.csv"
before_db=$(sum)
before_match=$("$V" match --near 3511 --json)
expect_exit 3 "import on the query TCP port" \
  "$V" admin import providers "$T/providers_minus.csv" --server "127.0.0.1:$PORT" --token-file "$T/token"
check "... answered forbidden" grep -q forbidden "$T/err"
expect_exit 3 "reload on the query TCP port" \
  "$V" admin reload --server "127.0.0.1:$PORT" --token-file "$T/token"
check "... answered forbidden" grep -q forbidden "$T/err"
expect_exit 3 "import on the query Unix socket" \
  "$V" admin import providers "$T/providers_minus.csv" --admin-socket "$SOCK"
check "... answered forbidden" grep -q forbidden "$T/err"
expect_exit 3 "reload on the query Unix socket" "$V" admin reload --admin-socket "$SOCK"
check "... answered forbidden" grep -q forbidden "$T/err"
# A raw request (no CLI) with an auth field, on the query port: still forbidden.
python3 - "$PORT" "$T/providers_minus.csv" "$(cat "$T/token")" > "$T/py.out" 2>&1 <<'PY'
import socket, struct, sys
port, path, tok = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def s8(x): b = x.encode(); return (bytes([0xa0 | len(b)]) if len(b) < 32 else b'\xd9' + bytes([len(b)])) + b
def req(i, op, args):
    body = b'\x85' + s8("v") + b'\x01' + s8("id") + bytes([i]) + s8("op") + s8(op) + s8("auth") + s8(tok) + s8("args")
    body += bytes([0x80 | len(args)]) + b''.join(s8(k) + s8(v) for k, v in args.items())
    return struct.pack('>I', len(body)) + body
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5)
s.sendall(req(1, "import", {"kind": "providers", "file": path}) + req(2, "reload", {}))
data = b''
while data.count(b'forbidden') < 2:
    c = s.recv(65536)
    if not c: break
    data += c
print("forbidden x%d" % data.count(b'forbidden'))
PY
check "raw import+reload with auth on the query port: both forbidden" grep -q "forbidden x2" "$T/py.out"
check "query port: database unchanged" test "$(sum)" = "$before_db"
check "query port: still generation 1" test "$(gen)" = 1
check "query port: answers unchanged" test "$("$V" match --near 3511 --json)" = "$before_match"

# ---- admin TCP needs the token -----------------------------------------------
expect_exit 3 "admin TCP with a wrong token" \
  "$V" admin reload --server "127.0.0.1:$APORT" --token-file "$T/badtoken"
check "... answered forbidden" grep -q forbidden "$T/err"
check "... the refusal logged at WARN, without the token" bash -c \
  "grep -q 'warn .*admin refused (credential none)' '$T/verwijsd.log' && ! grep -qF \"\$(cat '$T/badtoken')\" '$T/verwijsd.log'"
python3 - "$APORT" > "$T/py.out" 2>&1 <<'PY'
import socket, struct, sys
def s8(x): b = x.encode(); return bytes([0xa0 | len(b)]) + b
body = b'\x84' + s8("v") + b'\x01' + s8("id") + b'\x07' + s8("op") + s8("reload") + s8("args") + b'\x80'
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5)
s.sendall(struct.pack('>I', len(body)) + body)
data = b''
while True:
    c = s.recv(65536)
    if not c: break
    data += c
print("forbidden" if b'forbidden' in data else "not refused", "closed")
PY
check "admin TCP without a token: forbidden, then closed" grep -q "forbidden closed" "$T/py.out"
check "refused admin requests: still generation 1" test "$(gen)" = 1
check "refused admin requests: database unchanged" test "$(sum)" = "$before_db"
expect_exit 0 "admin TCP with the right token: reload" \
  "$V" admin reload --server "127.0.0.1:$APORT" --token-file "$T/token"
check "... generation 2" test "$(gen)" = 2

# ---- the admin socket works ----------------------------------------------------
expect_exit 0 "admin import over the admin socket" \
  "$V" admin import providers "$T/providers_minus.csv" --admin-socket "$ASOCK" --json
check "import answer counts the rows" python3 -c "
import json; r=json.load(open('$T/out'))
assert r['rows_ok'] == $(($(wc -l < "$T/providers_minus.csv") - 1)) and r['rows_rejected'] == 0, r
assert r['snapshot']['generation'] == 3, r"
check "the import changed the answers (provider $P1 gone)" \
  bash -c "! '$V' match --near 3511 --limit 50 --json | grep -q '\"$P1\"'"
check "the database changed" test "$(sum)" != "$before_db"

# A rejected import: the bad rows are answered, nothing changes.
{ cat "$T/providers_minus.csv"; echo "bad-1,Kapot,fysiotherapeut,,99.9,5.1,,,,,,,,,,"; } > "$T/providers_bad.csv"
mid_db=$(sum)
expect_exit 3 "admin import of a file with a bad row" \
  "$V" admin import providers "$T/providers_bad.csv" --admin-socket "$ASOCK"
check "... answered invalid with the bad line" grep -qE "invalid.*|providers_bad.csv:[0-9]+" "$T/err"
check "... names the line" grep -q "providers_bad.csv:$(wc -l < "$T/providers_bad.csv")" "$T/err"
check "rejected import: database unchanged" test "$(sum)" = "$mid_db"
check "rejected import: still generation 3" test "$(gen)" = 3

# admin reload after a local import puts the provider back.
"$V" import providers "$T/providers.csv" --db "$DB" 2>/dev/null
check "a local import alone does not change the answers" \
  bash -c "! '$V' match --near 3511 --limit 50 --json | grep -q '\"$P1\"'"
expect_exit 0 "admin reload over the admin socket" "$V" admin reload --admin-socket "$ASOCK"
check "... prints the new generation" grep -q "generation 4" "$T/out"
check "after the reload the provider is back" test "$(nearest)" = "$P1"
expect_exit 2 "admin without a connection" env -u VERWIJS_ADMIN_SOCKET "$V" admin reload

# ---- what an admin import may read --------------------------------------------
refused() { # WHAT PATTERN FILE [KIND]: refused (exit 3, no hang), message matches
  local what="$1" pat="$2" file="$3" kind="${4:-providers}"
  expect_exit 3 "$what" timeout 20 "$V" admin import "$kind" "$file" --admin-socket "$ASOCK"
  check "$what: says why ($pat)" grep -q "$pat" "$T/err"
}
before_db=$(sum)
refused "admin import of /dev/zero" "outside admin_import_dir" /dev/zero
mkfifo "$T/fifo.csv"
refused "admin import of a FIFO" "not a regular file" "$T/fifo.csv"
mkdir -p "$T/adir"
refused "admin import of a directory" "is a directory" "$T/adir"
refused "admin import of a file outside the dir" "outside admin_import_dir" "$VW_GEODATA/pc4_centroids.csv" pc4
ln -s "$VW_GEODATA/pc4_centroids.csv" "$T/link.csv"
refused "admin import through a symlink leading out" "outside admin_import_dir" "$T/link.csv" pc4
refused "admin import of a missing file" "No such file" "$T/missing.csv"
check "refused imports: database unchanged" test "$(sum)" = "$before_db"
check "refused imports are logged" grep -q "admin: import providers refused" "$T/verwijsd.log"

# regions: the boundaries and the mapping, both inside the dir
cp "$VW_GEODATA/gemeente_2015.geojson" "$T/gemeente.geojson"
cp "$VW_SRC/geodata/iza_regions.csv" "$T/mapping.csv"
expect_exit 3 "regions without a mapping is refused" \
  "$V" admin import regions "$T/gemeente.geojson" --admin-socket "$ASOCK"
check "... says it needs the mapping" grep -q "needs 'mapping'" "$T/err"
expect_exit 3 "regions with a mapping outside the dir is refused" \
  "$V" admin import regions "$T/gemeente.geojson" --mapping "$VW_SRC/geodata/iza_regions.csv" --admin-socket "$ASOCK"
check "... says why" grep -q "outside admin_import_dir" "$T/err"
expect_exit 0 "admin import regions" \
  "$V" admin import regions "$T/gemeente.geojson" --mapping "$T/mapping.csv" --admin-socket "$ASOCK"
check "... 7 region polygons in the database" \
  test "$(sqlite3 "$DB" 'SELECT count(*) FROM regions WHERE geom IS NOT NULL')" = 7

check "admin ops are logged" grep -q "admin: import providers" "$T/verwijsd.log"
check "SIGTERM: verwijsd exits 0" stop_daemon
check "admin socket removed on exit" test ! -e "$ASOCK"

# ---- a daemon without admin_import_dir refuses admin imports ---------------------
printf 'admin_socket = %s\n' "$ASOCK" > "$T/nodir.conf"
start_daemon "$DB" --config "$T/nodir.conf"
refused "no admin_import_dir: admin import refused" "admin imports are off" "$T/providers.csv"
check "SIGTERM: verwijsd exits 0" stop_daemon

# ---- SIGTERM during a long admin import ----------------------------------------
"$V" gen --geodata "$G" --out "$T/big" --providers 300000 --networks 0 --seed 4 2>/dev/null
before_db=$(sum)
start_daemon "$DB" --config "$T/admin.conf"
"$V" admin import providers "$T/big/providers.csv" --admin-socket "$ASOCK" >"$T/imp.out" 2>&1 &
IPID=$!
for _ in $(seq 200); do grep -q "admin: import providers$" "$T/verwijsd.log" && break; sleep 0.05; done
sleep 0.3
t0=$(date +%s.%N)
kill -TERM "$DPID"
wait "$DPID"; drc=$?
t1=$(date +%s.%N)
DPID=""
wait "$IPID"
check "SIGTERM during an import: exit 0 (was $drc)" test "$drc" = 0
check "... within drain_timeout + slack ($(echo "$t1 - $t0" | bc) s)" \
  test "$(echo "$t1 - $t0 < 2 + 8" | bc)" = 1
check "... the import was interrupted, not finished" grep -q "import providers interrupted" "$T/verwijsd.log"
check "... the client was told" grep -q "unavailable\|stopping" "$T/imp.out"
check "... database unchanged" test "$(sum)" = "$before_db"
check "... database intact" test "$(sqlite3 "$DB" 'pragma integrity_check')" = ok
finish
