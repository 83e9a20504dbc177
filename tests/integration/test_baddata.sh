#!/usr/bin/env bash
# test_baddata.sh -- data that is bad INSIDE the database (hand-edited rows,
# an old import) is never served: the snapshot loader checks every value as an
# import would (UTF-8 of text, numbers stored as numbers, ranges). Each bad
# row is written with sqlite3 into a copy of a good database; a reload onto it
# fails naming table, row and column, the old snapshot keeps serving valid
# answers, stats and /metrics count the failure; a daemon started on it
# refuses to start; once the row is fixed the reload succeeds.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed" >&2; exit 77; }
gen_db 400 7
cp "$DB" "$T/good.db"
LIVE="$T/live.db"
cp "$T/good.db" "$LIVE"
start_daemon "$LIVE" --http 127.0.0.1:0 --http-port-file "$T/hport"
HPORT=$(cat "$T/hport" 2>/dev/null)

pid=$(sqlite3 "$LIVE" "SELECT id FROM providers ORDER BY id LIMIT 1")
pc4=$(sqlite3 "$LIVE" "SELECT pc4 FROM pc4 ORDER BY pc4 LIMIT 1 OFFSET 100")
net=$(sqlite3 "$LIVE" "SELECT id FROM networks ORDER BY id LIMIT 1")

failed_reloads() {
  "$V" stats --json >"$T/stats.json" 2>/dev/null &&
    python3 -c "import json; print(json.load(open('$T/stats.json'))['reload']['failed'])"
}
# wait_failed N: until stats counts N failed reloads (the reload runs on
# its own thread after SIGHUP)
wait_failed() {
  for _ in $(seq 200); do [ "$(failed_reloads)" = "$1" ] && return 0; sleep 0.05; done
  return 1
}

# answers_valid: match and provider.get answer over msgpack (the CLI decodes
# them) and over HTTP as valid UTF-8 JSON
answers_valid() {
  "$V" match --near 3511 --limit 50 --json >"$T/m.json" 2>"$T/m.err" &&
    python3 -c "import json,sys; json.load(open(sys.argv[1], encoding='utf-8', errors='strict'))" "$T/m.json" &&
    { [ -z "$HPORT" ] || curl -sf "http://127.0.0.1:$HPORT/v1/match?near=3511&limit=50" -o "$T/h.json" &&
      python3 -c "import json,sys; json.load(open(sys.argv[1], encoding='utf-8', errors='strict'))" "$T/h.json"; }
}
check "answers are valid before any edit" answers_valid

n=0
# bad_row WHAT SQL PATTERN: apply SQL to a fresh copy of the good db, reload,
# expect a failure whose message matches PATTERN (table, key, column, why)
bad_row() {
  local what="$1" sql="$2" pattern="$3"
  cp "$T/good.db" "$T/next.db"
  sqlite3 "$T/next.db" "$sql" || { bad "$what: sqlite3 could not apply the edit"; return; }
  mv "$T/next.db" "$LIVE"
  n=$((n + 1))
  kill -HUP "$DPID"
  check "$what: the reload fails" wait_failed "$n"
  check "$what: stats names table, row and column" \
    python3 -c "import json,re,sys; e=json.load(open('$T/stats.json'))['reload']['last_error']; sys.exit(0 if re.search(sys.argv[1], e) else ('got: '+e))" "$pattern"
  check "$what: the log names it" grep -qE "reload failed.*$pattern" "$T/verwijsd.log"
  check "$what: the old snapshot still serves valid answers" answers_valid
}

bad_row "pc4.place invalid UTF-8" \
  "UPDATE pc4 SET place = CAST(X'5574726563C3' || X'2868' AS TEXT) WHERE pc4 = $pc4" \
  "table pc4, row $pc4: place is not valid UTF-8"
bad_row "providers.name invalid UTF-8" \
  "UPDATE providers SET name = CAST(X'4B6C696E69656BFF' AS TEXT) WHERE id = '$pid'" \
  "table providers, row $pid: name is not valid UTF-8"
bad_row "providers.city with a NUL" \
  "UPDATE providers SET city = CAST(X'4100420000' AS TEXT) WHERE id = '$pid'" \
  "table providers, row $pid: city is not valid UTF-8"
bad_row "providers.lat not a number" \
  "UPDATE providers SET lat = 'abc' WHERE id = '$pid'" \
  "table providers, row $pid: lat is not a number"
bad_row "providers.lon outside the Netherlands" \
  "UPDATE providers SET lon = 12.5 WHERE id = '$pid'" \
  "table providers, row $pid: lat/lon lies outside the Netherlands"
bad_row "pc4.lat not a number" \
  "UPDATE pc4 SET lat = 'n/a' WHERE pc4 = $pc4" \
  "table pc4, row $pc4: lat is not a number"
bad_row "providers.phone as a blob of bytes" \
  "UPDATE providers SET phone = X'00FF' WHERE id = '$pid'" \
  "table providers, row $pid: phone is not valid UTF-8"
bad_row "networks.name invalid UTF-8" \
  "UPDATE networks SET name = CAST(X'C0AF' AS TEXT) WHERE id = '$net'" \
  "table networks, row $net: name is not valid UTF-8"
bad_row "registrations date" \
  "INSERT INTO registrations(provider_id, tag, registry, valid_from) VALUES ('$pid', 'lymfoedeem', 'nvpo', '2024-13-45')" \
  "table registrations, row $pid: valid_from is not a date"

check "stats counts every failed reload" test "$(failed_reloads)" = "$n"
if [ -n "$HPORT" ]; then
  curl -sf "http://127.0.0.1:$HPORT/metrics" -o "$T/metrics.txt"
  check "/metrics counts the failed reloads" grep -qx "verwijs_reloads_total{result=\"failed\"} $n" "$T/metrics.txt"
fi

# The row fixed (the good db back): the reload succeeds, answers still valid.
cp "$T/good.db" "$LIVE"
generation() { "$V" stats --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['snapshot']['generation'])"; }
before=$(generation)
kill -HUP "$DPID"
for _ in $(seq 200); do [ "$(generation)" -gt "$before" ] && break; sleep 0.05; done
check "the fixed database reloads" test "$(generation)" -gt "$before"
check "answers are valid after the fix" answers_valid
check "SIGTERM: exit 0" stop_daemon

# A daemon started on a bad database does not start serving broken data.
cp "$T/good.db" "$T/bad.db"
sqlite3 "$T/bad.db" "UPDATE pc4 SET place = CAST(X'FF' AS TEXT) WHERE pc4 = $pc4"
"$D" --db "$T/bad.db" --listen 127.0.0.1:0 >"$T/start.out" 2>&1
check "verwijsd on a bad row exits 1" test $? = 1
check "... and says which row" grep -q "table pc4, row $pc4: place is not valid UTF-8" "$T/start.out"
privacy_check "$T/start.out"
finish
