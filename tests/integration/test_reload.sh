#!/usr/bin/env bash
# test_reload.sh -- hot reload under load: a steady stream of pipelined match
# queries keeps running while the providers table is re-imported (state A <->
# state B) and verwijsd is sent SIGHUP 20 times. Every answer must equal the
# brute-force answer of A or of B; zero errors. Then a database that fails
# validation: the old snapshot keeps serving and stats shows the reason.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"

"$V" gen --geodata "$G" --out "$T/a" --providers 4000 --seed 11 2>/dev/null
# State B: the same networks, the providers of another seed (other places).
"$V" gen --geodata "$G" --out "$T/b" --providers 4000 --seed 12 2>/dev/null
cp "$T/a/networks.csv" "$T/b/networks.csv"
DB="$T/live.db"
for s in a b; do
  "$V" import pc4 "$G/pc4_centroids.csv" --db "$T/$s.db" --skip-invalid 2>/dev/null
  "$V" import networks "$T/a/networks.csv" --db "$T/$s.db" 2>/dev/null
  # The B providers must not name networks only A has: drop memberships there.
  if [ "$s" = b ]; then
    python3 - "$T/b/providers.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
i = rows[0].index('networks')
for r in rows[1:]: r[i] = ''
csv.writer(open(sys.argv[1], 'w', newline='', encoding='utf-8'), lineterminator='\n').writerows(rows)
PY
  fi
  "$V" import providers "$T/$s/providers.csv" --db "$T/$s.db" 2>/dev/null
done
cp "$T/a.db" "$DB"
start_daemon "$DB" --workers 2

"$VW_BIN/itest_reload" --server "127.0.0.1:$PORT" --db-a "$T/a.db" --db-b "$T/b.db" --seconds 12 \
  > "$T/load.out" 2>&1 &
LOAD=$!
sleep 0.5
for i in $(seq 20); do
  if [ $((i % 2)) = 1 ]; then src=b; else src=a; fi
  "$V" import providers "$T/$src/providers.csv" --db "$DB" 2>/dev/null || bad "import $i"
  kill -HUP "$DPID"
  sleep 0.45
done
wait "$LOAD"; rc=$?
cat "$T/load.out"
check "load across 20 reloads: no errors, every answer from A or B" test "$rc" = 0
check "20 reloads happened" test "$(grep -c 'reloaded snapshot generation' "$T/verwijsd.log")" -ge 20

# A database that fails validation (here: not a database at all) keeps the old snapshot.
mv "$DB" "$T/good.db"
echo "this is not a database" > "$DB"
kill -HUP "$DPID"
sleep 1
expect_exit 0 "still serving after a failed reload" "$V" match --near 3511 --discipline dietist --limit 1
expect_exit 0 "stats" "$V" stats --json
check "stats shows the failed reload and its reason" python3 -c "
import json; r=json.load(open('$T/out'))['reload']
assert r['failed'] >= 1 and r['last_error'], r"
check "the failure is logged" grep -q 'reload failed' "$T/verwijsd.log"
mv "$T/good.db" "$DB"
check "SIGTERM: exit 0" stop_daemon
finish
