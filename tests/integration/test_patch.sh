#!/usr/bin/env bash
# test_patch.sh -- changes without a reload (issue 15, docs/ENGINE.md
# "Changes without a reload"): a verwijsd watching its database (watch_interval)
# patches committed changes into its snapshot; after every step its answers
# must equal those of a verwijsd that loads the changed database from scratch.
#
# Changes are committed with sqlite3 together with their change_log row
# (what `apply` writes): a renamed provider, one moved far (another region,
# another index cell), a new one, a deleted one (its memberships and
# registrations too), a membership added, a registration added, a provider
# whose memberships changed only -- each in its own commit, several patches
# in a chain, plus one commit of several records.
. "$(dirname "$0")/lib.sh"
need_geodata
gen_db 3000 11
"$V" import places "$VW_GEODATA/places_nl.csv" --db "$DB" --skip-invalid >/dev/null 2>&1
"$V" import regions "$VW_GEODATA/gemeente_2015.geojson" --db "$DB" >/dev/null 2>&1
# the change log as schema 6 has it (created here until the store makes it)
sqlite3 "$DB" "CREATE TABLE IF NOT EXISTS change_log(seq INTEGER PRIMARY KEY, set_id INTEGER,
  at TEXT, credential TEXT, kind TEXT, op TEXT, record TEXT, version INTEGER, old TEXT, new TEXT)"
printf 'watch_interval = 0.05\n' >"$T/watch.conf"
start_daemon "$DB" --config "$T/watch.conf" --http 127.0.0.1:0 --http-port-file "$T/hport"
WPID=$DPID WPORT=$PORT
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done

# the imports above are in the change log already (schema 6): continue after them
seq_no=$(sqlite3 "$DB" "SELECT coalesce(max(seq), 0) FROM change_log")
# commit SQL... : the statements and one change_log row per "KIND RECORD" in $LOG
commit() {
  local sql="BEGIN;" rec
  for rec in "${LOG[@]}"; do
    seq_no=$((seq_no + 1))
    sql="$sql INSERT INTO change_log VALUES ($seq_no, $seq_no, strftime('%Y-%m-%dT%H:%M:%SZ','now'),
      'test', '${rec%% *}', 'update', '${rec#* }', 1, NULL, NULL);"
  done
  sqlite3 "$DB" "$sql $* COMMIT;" || bad "commit: $*"
}

# wait_seq: until the watching daemon's snapshot holds the last change
wait_seq() {
  local got=""
  for _ in $(seq 400); do
    got=$(curl -s "http://127.0.0.1:$(cat "$T/hport")/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["change_seq"])' 2>/dev/null)
    [ "$got" = "$seq_no" ] && return 0
    sleep 0.05
  done
  bad "daemon did not reach change_seq $seq_no (at $got)"
  return 1
}

# answers PORT OUT: the queries whose answers must not depend on how the
# snapshot was made
answers() {
  local port="$1" out="$2" pc d
  : >"$out"
  for pc in 1011 3511 6211 9711 2511 4811 7511 1431 8011 5211; do
    for d in fysiotherapeut huisarts psycholoog dietist; do
      "$V" --server "127.0.0.1:$port" match --near "$pc" --discipline "$d" --limit 25 --json >>"$out" 2>&1
      "$V" --server "127.0.0.1:$port" match --near "$pc" --discipline "$d" --expertise oncologie \
        --within 30 --limit 25 --json >>"$out" 2>&1
    done
    "$V" --server "127.0.0.1:$port" networks near --near "$pc" --json >>"$out" 2>&1
  done
  for id in "${IDS[@]}"; do
    "$V" --server "127.0.0.1:$port" provider "$id" --json >>"$out" 2>&1
  done
  "$V" --server "127.0.0.1:$port" network N0001 --json >>"$out" 2>&1
  "$V" --server "127.0.0.1:$port" network N0002 --json >>"$out" 2>&1
  "$V" --server "127.0.0.1:$port" regions --json >>"$out" 2>&1
  "$V" --server "127.0.0.1:$port" networks audit --json >>"$out" 2>&1
  "$V" --server "127.0.0.1:$port" stats --json 2>/dev/null |
    python3 -c 'import json,sys; s=json.load(sys.stdin)["snapshot"]; print(s["providers"], s["networks"], s["disciplines"], s["change_seq"])' >>"$out"
}

# compare STEP: the watching daemon against a fresh full load of the same file
compare() {
  wait_seq || return
  local fpid fport
  rm -f "$T/fport"
  "$D" --db "$DB" --listen 127.0.0.1:0 --port-file "$T/fport" >>"$T/fresh.log" 2>&1 &
  fpid=$!
  for _ in $(seq 200); do [ -s "$T/fport" ] && break; sleep 0.05; done
  fport=$(cat "$T/fport")
  answers "$WPORT" "$T/patched.txt"
  answers "$fport" "$T/full.txt"
  kill "$fpid"; wait "$fpid" 2>/dev/null
  if cmp -s "$T/patched.txt" "$T/full.txt"; then ok; else
    bad "$1: patched answers differ from a full load"; diff "$T/patched.txt" "$T/full.txt" | head -20 >&2
  fi
}

P1=$(sqlite3 "$DB" "SELECT id FROM providers WHERE discipline='fysiotherapeut' ORDER BY id LIMIT 1 OFFSET 5")
P2=$(sqlite3 "$DB" "SELECT id FROM providers ORDER BY id LIMIT 1 OFFSET 100")
P3=$(sqlite3 "$DB" "SELECT provider_id FROM memberships ORDER BY provider_id LIMIT 1")
P4=$(sqlite3 "$DB" "SELECT provider_id FROM registrations ORDER BY provider_id LIMIT 1")
P5=$(sqlite3 "$DB" "SELECT id FROM providers ORDER BY id LIMIT 1 OFFSET 700")
IDS=("$P1" "$P2" "$P3" "$P4" "$P5" P9999999 P0000000A)
compare "before any change"

LOG=("provider $P1")
commit "UPDATE providers SET name = 'Renamed practice', accepting = 1 - accepting WHERE id = '$P1';"
compare "rename"

LOG=("provider $P2")   # Groningen -> Maastricht: another region and index cell
commit "UPDATE providers SET lat = 50.85, lon = 5.69, city = 'Maastricht' WHERE id = '$P2';"
compare "move"

LOG=("provider P9999999")
commit "INSERT INTO providers SELECT 'P9999999', 'New practice', discipline, 'oncologie;lymfoedeem',
  52.09, 5.12, address, postcode, city, phone, email, website, accepting, online, geocoded, hours,
  languages, wheelchair, direct_access, wait_weeks, wait_confirmed, agb, big, 1, NULL
  FROM providers WHERE id = '$P1';
  INSERT INTO memberships(provider_id, network_id) VALUES ('P9999999', 'N0001');"
compare "create"

LOG=("provider $P3" "membership [\"$P3\",\"N0001\"]")
commit "DELETE FROM memberships WHERE provider_id = '$P3'; DELETE FROM registrations WHERE provider_id = '$P3';
  DELETE FROM providers WHERE id = '$P3';"
compare "delete"

LOG=("membership [\"$P5\",\"N0002\"]" "registration [\"$P4\",\"lymfoedeem\",\"test-registry\"]")
commit "INSERT OR IGNORE INTO memberships(provider_id, network_id) VALUES ('$P5', 'N0002');
  INSERT INTO registrations(provider_id, tag, registry, valid_from, valid_until)
  VALUES ('$P4', 'lymfoedeem', 'test-registry', '2020-01-01', NULL);"
compare "membership and registration"

LOG=("provider P0000000A" "provider $P1" "provider $P2")  # several records, one commit
commit "INSERT INTO providers SELECT 'P0000000A', 'Another', discipline, expertise, 51.44, 5.47,
  address, postcode, city, phone, email, website, accepting, online, geocoded, hours, languages,
  wheelchair, direct_access, wait_weeks, wait_confirmed, agb, big, 1, NULL FROM providers WHERE id = '$P5';
  UPDATE providers SET lat = 53.2, lon = 6.56 WHERE id = '$P2';
  UPDATE providers SET name = 'Renamed again' WHERE id = '$P1';"
compare "several in one commit"

# a language list and opening hours no provider has yet, a web site made of the
# e-mail's domain and a name another provider has (the snapshot stores each of
# these once or derived: the patch must give the same answers as a full load)
LOG=("provider $P5")
commit "UPDATE providers SET languages = 'fy;so;tr', hours = 'mo 07:15-07:45; su 10:00-11:00',
  email = 'praktijk@voorbeeld-fy.example', website = 'https://www.voorbeeld-fy.example/',
  name = (SELECT name FROM providers WHERE id = '$P1') WHERE id = '$P5';"
compare "new language list and hours, derived web site, shared name"

# a change the patch cannot take (a network) falls back to a full reload
LOG=("network N0001")
commit "UPDATE networks SET name = 'Renamed network' WHERE id = 'N0001';"
compare "network change (full reload)"
check "the patches were patches" grep -q "patched snapshot generation" "$T/verwijsd.log"

DPID=$WPID
stop_daemon
finish
