#!/usr/bin/env bash
# test_traveltimes.sh -- PC4 travel-time matrices through a real verwijsd:
# the import's checks (file:line, whole or nothing, --skip-invalid, both
# header spellings), stats / metrics / log naming the matrices, transit only
# with a matrix, and /v1/match equal to an independent Python scan of the
# documented semantics (tt_check.py) on random queries, with a realistic
# generated national car matrix (partial, a slow "river") and a bike matrix.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
CHK="$VW_SRC/tests/integration/tt_check.py"

gen_db 3000 5
python3 "$CHK" gen "$G/pc4_centroids.csv" "$T" 3

# A bad file: every row checked, reported with its line; nothing changes.
expect_exit 2 "traveltimes without --mode is a usage error" "$V" import traveltimes "$T/bad.csv" --db "$DB"
expect_exit 1 "a bad matrix is refused" "$V" import traveltimes "$T/bad.csv" --mode car --db "$DB"
for l in "3: to_pc4 0999" "5: minutes -1.0 out of range" "6: minutes \"nan\" is not a number" \
         "7: 3511 -> 9999 in 5.0 min is faster than car can go" "8: 1011 -> 9711" \
         "9: duplicate pair 3511 -> 3512" "10: km \"-3\""; do
  check "bad.csv:$l" grep -qF "bad.csv:${l%%:*}: error:${l#*:}" "$T/err"
done
check "nothing changed" grep -q "nothing changed" "$T/err"
expect_exit 0 "--skip-invalid keeps the valid rows" "$V" import traveltimes "$T/bad.csv" --mode walk --db "$DB" --skip-invalid
check "walk: the valid rows imported" grep -qE "imported [12] of 9 traveltimes rows" "$T/err"
expect_exit 0 "import the car matrix (FROMPC4,TOPC4,TIME,DISTANCE)" "$V" import traveltimes "$T/car.csv" --mode car --db "$DB"
expect_exit 0 "import the bike matrix (from_pc4,to_pc4,minutes)" "$V" import traveltimes "$T/bike.csv" --mode bike --db "$DB"
# a walk matrix of one or two pairs would hide the model; take it out again
printf 'from_pc4,to_pc4,minutes\n' >"$T/empty.csv"
expect_exit 1 "an empty matrix is refused" "$V" import traveltimes "$T/empty.csv" --mode walk --db "$DB"
sqlite3 "$DB" "DELETE FROM traveltimes WHERE mode = 'walk'; DELETE FROM traveltime_sets WHERE mode = 'walk'"
CAR=$(($(wc -l <"$T/car.csv") - 1))
BIKE=$(($(wc -l <"$T/bike.csv") - 1))

start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
HP=$(cat "$T/hport")

check "the log names the matrices" grep -q "travel-time matrices (pairs): car $CAR, bike $BIKE" "$T/verwijsd.log"
"$V" stats --json >"$T/stats.json"
check "stats: traveltimes per mode" python3 -c "
import json, sys
s = json.load(open('$T/stats.json'))['snapshot']['traveltimes']
assert s == {'car': $CAR, 'bike': $BIKE}, s"
curl -s "http://127.0.0.1:$HP/metrics" >"$T/metrics"
check "metrics: car pairs" grep -q "^verwijs_traveltime_pairs{mode=\"car\"} $CAR\$" "$T/metrics"
check "metrics: walk has none" grep -q '^verwijs_traveltime_pairs{mode="walk"} 0$' "$T/metrics"

expect_exit 3 "transit without a matrix" "$V" match --near 3511 --discipline fysiotherapeut --mode transit
check "transit: bad_request naming the import" grep -q "bad_request.*travel-time matrix" "$T/err"
"$V" match --near 3511 --discipline fysiotherapeut --within 30 --json >"$T/m.json"
check "match says its travel times" python3 -c "
import json
r = json.load(open('$T/m.json'))
assert r['travel_times'] == 'matrix' and r['providers'], r
assert all(p['time_source'] in ('matrix', 'model') for p in r['providers'])"

check "match == the Python scan on 600 random queries" \
  python3 "$CHK" check "$HP" "$G/pc4_centroids.csv" "$T/providers.csv" "$T/car.csv" "$T/bike.csv" 600 7

# networks near and coverage use the same times and say so
"$V" networks near --near 3511 --within 30 --json >"$T/nn.json"
check "networks near: travel_times" python3 -c "
import json; r = json.load(open('$T/nn.json')); assert r['travel_times'] == 'matrix', r"
stop_daemon
finish
