#!/usr/bin/env bash
# test_asof.sh -- `as_of` answers from the change log (issue 15): a register
# changed over four simulated days (the daemon's test clock drives the
# change_log `at`); for each day D, `networks audit`, `network ID` and
# `networks near` with --as-of D against the living database must equal the
# answers of a fresh daemon on a copy of the database saved at the end of D
# (sqlite3 .backup: the brute-force oracle). Also an as_of before the log
# starts and one in the future (today's data, as before).
. "$(dirname "$0")/lib.sh"
need_geodata
gen_db 300 17
ASOCK="$T/admin.sock"
printf 'admin_socket = %s\n' "$ASOCK" > "$T/admin.conf"
A=(--admin-socket "$ASOCK")
NET=$(awk -F, 'NR == 2 { print $1 }' "$T/networks.csv")
M1=$(sqlite3 "$DB" "SELECT provider_id FROM memberships WHERE network_id = '$NET' LIMIT 1")
P1=$(sqlite3 "$DB" "SELECT id FROM providers WHERE id <> '$M1' LIMIT 1")
check "a network with a member" test -n "$NET" -a -n "$M1" -a -n "$P1"
PC=$(sqlite3 "$DB" "SELECT substr(postcode,1,4) FROM providers WHERE id = '$M1'")

day() { # day DATE FILE: apply FILE with the clock at noon of DATE, save the db
  VW_TEST_NOW="${1}T12:00:00Z" start_daemon "$DB" --config "$T/admin.conf" --test-clock
  expect_exit 0 "$1: apply" "$V" admin apply "$2" "${A[@]}"
  check "$1: stopped" stop_daemon
  sqlite3 "$DB" ".backup '$T/day-$1.db'"
}
printf 'op,kind,id,version,field,value\nupdate,network,%s,,status,certified\nupdate,network,%s,,certified_until,2028-01-01\n' "$NET" "$NET" > "$T/d1.csv"
cat > "$T/d2.jsonl" <<JSON
{"op":"create","kind":"provider","id":"PASOF","set":{"name":"Dietist Asof","discipline":"dietist","expertise":"oncologie","lat":52.0907,"lon":5.1214,"postcode":"3511","city":"Utrecht","accepting":true,"online":false}}
{"op":"create","kind":"membership","id":["PASOF","$NET"]}
{"op":"create","kind":"membership","id":["$P1","$NET"]}
JSON
cat > "$T/d3.jsonl" <<JSON
{"op":"delete","kind":"membership","id":["$M1","$NET"]}
{"op":"update","kind":"provider","id":"PASOF","set":{"discipline":"fysiotherapeut"}}
JSON
printf 'op,kind,id,version,field,value\nupdate,network,%s,,status,forming\n' "$NET" > "$T/d4.csv"
DAYS=(2027-02-01 2027-02-02 2027-02-03 2027-02-04)
sqlite3 "$DB" ".backup '$T/day-2027-01-01.db'" # after the imports, before day 1
day 2027-02-01 "$T/d1.csv"
day 2027-02-02 "$T/d2.jsonl"
day 2027-02-03 "$T/d3.jsonl"
day 2027-02-04 "$T/d4.csv"

ask() { # ask TAG DATE: the three answers for as_of DATE into $T/TAG-DATE.*
  "$V" networks audit --as-of "$2" --format json > "$T/$1-$2.audit" 2>&1
  "$V" network "$NET" --as-of "$2" --json > "$T/$1-$2.net" 2>&1
  "$V" networks near --near "$PC" --kind all --as-of "$2" --json > "$T/$1-$2.near" 2>&1
}
NOW=2027-02-10T12:00:00Z
ALL=("${DAYS[@]}" 2027-01-01 2027-03-01 2020-01-01)
VW_TEST_NOW=$NOW start_daemon "$DB" --test-clock
for d in "${ALL[@]}"; do ask live "$d"; done
check "live: stopped" stop_daemon
for d in "${DAYS[@]}" 2027-01-01; do
  VW_TEST_NOW=$NOW start_daemon "$T/day-$d.db" --test-clock
  ask oracle "$d"
  check "oracle $d: stopped" stop_daemon
done
VW_TEST_NOW=$NOW start_daemon "$T/day-2027-02-04.db" --test-clock
ask oracle 2027-03-01
check "oracle today: stopped" stop_daemon
# Before the log's first row (the imports, at the real clock): today's data
# evaluated at that date, as before the change log.
FIRST=$(sqlite3 "$DB" "SELECT min(at) FROM change_log")
VW_TEST_NOW=$NOW start_daemon "$T/day-2027-02-04.db" --test-clock
ask oracle 2020-01-01
check "oracle pre-log: stopped" stop_daemon

same() { python3 - "$1" "$2" <<'PY'
import json, sys
def load(p):
    d = json.load(open(p))
    def strip(o):
        if isinstance(o, dict):
            return {k: strip(v) for k, v in o.items() if k not in ("generation", "loaded_at", "updated", "seq", "seq_at", "snapshot")}
        if isinstance(o, list):
            return [strip(v) for v in o]
        return o
    return strip(d)
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    print("differ:", sys.argv[1], sys.argv[2], file=sys.stderr)
    sys.exit(1)
PY
}
for d in "${ALL[@]}"; do
  for k in audit net near; do
    check "as_of $d: $k equals the oracle" same "$T/live-$d.$k" "$T/oracle-$d.$k"
  done
done
# the days differ from each other (the test sees history, not today)
check "day 1 and day 4 differ" bash -c "! cmp -s '$T/live-2027-02-01.net' '$T/live-2027-02-04.net'"
check "day 2 names the new member" grep -q PASOF "$T/live-2027-02-02.net"
check "log starts before the days ($FIRST)" test "$FIRST" \< 2027-02-01
finish
