#!/usr/bin/env bash
# test_changes.sh -- the living register (issue 15) against a real verwijsd:
#  - `verwijs admin apply FILE` adds a physiotherapist and its membership in
#    one batch; the very next match serves it (the apply reloads);
#  - a change based on a stale version is refused with `conflict` (exit 6),
#    the right version goes through;
#  - a batch with one bad row changes nothing (exit 3, the row named);
#  - a network with members is not deleted;
#  - `verwijs history` shows the changes and who made them;
#  - `verwijs changes` pages through the feed (next/more) and gives every row;
#  - `verwijs admin replay --into` rebuilds a second database from the feed
#    alone, equal to the first table by table;
#  - the change log is append-only and survives a restart.
. "$(dirname "$0")/lib.sh"
need_geodata
gen_db 400 11
ASOCK="$T/admin.sock"
cat > "$T/admin.conf" <<CONF
admin_socket = $ASOCK
CONF
start_daemon "$DB" --config "$T/admin.conf"
A=(--admin-socket "$ASOCK")

NET=$(awk -F, 'NR == 2 { print $1 }' "$T/networks.csv")
check "a network" test -n "$NET"
log_rows() { sqlite3 "$DB" "SELECT count(*) FROM change_log"; }
check "the imports are in the change log" test "$(log_rows)" -gt 400

cat > "$T/new.jsonl" <<JSON
{"op":"create","kind":"provider","id":"PNEW1","set":{"name":"Fysio Nieuw","discipline":"fysiotherapeut","expertise":"oncologie","lat":52.0907,"lon":5.1214,"postcode":"3511","city":"Utrecht","accepting":true,"online":false}}
{"op":"create","kind":"membership","id":["PNEW1","$NET"]}
JSON
expect_exit 0 "admin apply (JSONL)" "$V" admin apply "$T/new.jsonl" "${A[@]}"
check "... reports 2 changes" grep -q "applied 2 change" "$T/out"
"$V" match --near 3511 --discipline fysiotherapeut --limit 100 --json > "$T/match.json"
check "served right after the apply" grep -q '"PNEW1"' "$T/match.json"
"$V" provider PNEW1 --json > "$T/p.json"
check "... with its network" grep -q "\"$NET\"" "$T/p.json"

# optimistic concurrency
expect_exit 6 "stale version: conflict" "$V" admin provider set PNEW1 accepting=0 --version 7 "${A[@]}"
check "... says conflict" grep -q conflict "$T/err"
expect_exit 0 "the right version" "$V" admin provider set PNEW1 accepting=0 --version 1 "${A[@]}"
check "... now version 2" grep -q "version now 2" "$T/out"
"$V" provider PNEW1 --json > "$T/p.json"
check "... served" python3 -c "import json,sys; d=json.load(open('$T/p.json')); p=d.get('provider', d); sys.exit(0 if p['accepting'] is False else 1)"

# one bad row: nothing applied
before=$(log_rows)
OTHER=$(awk -F, 'NR == 2 { print $1 }' "$T/providers.csv")
printf 'op,kind,id,version,field,value\nupdate,provider,PNEW1,,name,Ander\nupdate,provider,%s,,discipline,kapper\n' "$OTHER" > "$T/bad.csv"
expect_exit 3 "a batch with one bad row" "$V" admin apply "$T/bad.csv" "${A[@]}"
check "... invalid, naming the change" grep -q "change 1 (line 3).*unknown discipline" "$T/err"
check "... nothing logged" test "$(log_rows)" = "$before"
check "... nothing changed" test "$(sqlite3 "$DB" "SELECT name FROM providers WHERE id = 'PNEW1'")" = "Fysio Nieuw"
printf 'op;kind;id;field;value\nupdate;provider;PNEW1;city;Utrecht\n' > "$T/dutch.csv"
expect_exit 3 "a ';' file without --delimiter" "$V" admin apply "$T/dutch.csv" "${A[@]}"
check "... says so" grep -q -- "--delimiter ';'" "$T/err"
expect_exit 0 "... with --delimiter ';'" "$V" admin apply "$T/dutch.csv" --delimiter ';' "${A[@]}"

# referential rule
expect_exit 3 "deleting a network with members" "$V" admin network delete "$NET" "${A[@]}"
check "... refused, saying why" grep -q "still has" "$T/err"

# history
expect_exit 0 "history" "$V" history provider PNEW1 "${A[@]}" --json
check "... 3 changes, by admin" python3 -c "
import json,sys; d=json.load(open('$T/out')); c=d['changes']
sys.exit(0 if len(c) == 3 and c[0]['op'] == 'create' and all(x['credential'] == 'admin' for x in c) else 1)"
expect_exit 0 "membership history" "$V" history membership PNEW1 "$NET" "${A[@]}"
check "... one create" grep -q "create" "$T/out"
expect_exit 0 "network history" "$V" history network "$NET" "${A[@]}" --json
check "... holds the membership of PNEW1" python3 -c "
import json,sys; c=json.load(open('$T/out'))['changes']
sys.exit(0 if any(x['kind'] == 'membership' and 'PNEW1' in x['record'] for x in c) else 1)"
expect_exit 0 "history as a table" "$V" history provider PNEW1 "${A[@]}"
check "... shows the change of accepting" grep -q "accepting: true -> false" "$T/out"

# the feed, paged
total=$(log_rows)
python3 - "$V" "$ASOCK" "$total" > "$T/feed.out" 2>&1 <<'PY'
import json, subprocess, sys
v, sock, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
since, seen, pages, last = 0, 0, 0, 0
while True:
    out = subprocess.run([v, "changes", "--since", str(since), "--limit", "97", "--json",
                          "--admin-socket", sock], capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    for c in d["changes"]:
        assert c["seq"] > last, "in order"
        last = c["seq"]
    seen += len(d["changes"]); pages += 1
    assert d["next"] == (d["changes"][-1]["seq"] if d["changes"] else since)
    since = d["next"]
    if not d["more"]:
        break
assert seen == total, (seen, total)
assert pages == (total + 96) // 97, pages
print("ok", seen, pages)
PY
check "changes: every row, in order, paged" grep -q "^ok" "$T/feed.out"

# replay into a second database: equal to the first
DB2="$T/second.db"
expect_exit 0 "pc4 for the copy" "$V" import pc4 "$VW_GEODATA/pc4_centroids.csv" --db "$DB2" --skip-invalid
expect_exit 0 "replay the feed" "$V" admin replay --into "$DB2" "${A[@]}"
dump() {
  sqlite3 "$1" "SELECT * FROM networks ORDER BY id; SELECT * FROM providers ORDER BY id;
                SELECT * FROM memberships ORDER BY 1, 2;
                SELECT provider_id, tag, registry, valid_from, valid_until, version, updated_at
                FROM registrations ORDER BY 1, 2, 3, 4, 5;"
}
dump "$DB" > "$T/dump1"
dump "$DB2" > "$T/dump2"
check "the replayed database equals the first" cmp -s "$T/dump1" "$T/dump2"
check "... and is not empty" test "$(wc -l < "$T/dump1")" -gt 400

# append-only
check "change_log refuses UPDATE" bash -c "! sqlite3 '$DB' \"UPDATE change_log SET credential = 'x'\" 2>/dev/null"
check "change_log refuses DELETE" bash -c "! sqlite3 '$DB' 'DELETE FROM change_log' 2>/dev/null"

# restart keeps the log
stop_daemon
start_daemon "$DB" --config "$T/admin.conf"
expect_exit 0 "history after a restart" "$V" history provider PNEW1 "${A[@]}" --json
check "... still 3 changes" python3 -c "import json,sys; sys.exit(0 if len(json.load(open('$T/out'))['changes']) == 3 else 1)"
"$V" match --near 3511 --discipline fysiotherapeut --limit 100 --json > "$T/match.json"
check "... still served" grep -q '"PNEW1"' "$T/match.json"

# the query port changes nothing
expect_exit 3 "apply on the query socket" "$V" admin provider delete PNEW1 --admin-socket "$SOCK"
check "... forbidden" grep -q forbidden "$T/err"
expect_exit 0 "delete over the admin socket (cascades the membership)" "$V" admin provider delete PNEW1 "${A[@]}"
check "... the membership went too" test "$(sqlite3 "$DB" "SELECT count(*) FROM memberships WHERE provider_id = 'PNEW1'")" = 0
stop_daemon
finish
