#!/usr/bin/env bash
# test_population.sh -- the CBS population per PC4 (../shared/geodata-nl/
# pc4_population_2022.csv) on a real verwijsd: imported with -99997 as
# unknown, the PC4s with people but no centroid and the centroids without
# people reported; coverage then weighs PC4s by it (totals equal the CBS sum
# over PC4s with a centroid, computed here in Python), by everyone or by
# people aged 65+; without it the places rule stays.
. "$(dirname "$0")/lib.sh"
need_geodata
POP="$VW_GEODATA/pc4_population_2022.csv"
[ -f "$POP" ] || { echo "no $POP" >&2; exit 1; }

gen_db 1500 21
expect_exit 0 "import places" "$V" import places "$VW_GEODATA/places_nl.csv" --db "$DB" --skip-invalid
expect_exit 2 "--weight old is a usage error" "$V" coverage --db "$DB" \
  --discipline fysiotherapeut --within 10 --weight old
expect_exit 3 "age_65_plus needs the CBS population (unavailable)" "$V" coverage --db "$DB" \
  --discipline fysiotherapeut --within 10 --weight age_65_plus
check "unavailable says why" grep -q "verwijs import population" "$T/err"
expect_exit 0 "coverage with places" "$V" coverage --db "$DB" --discipline fysiotherapeut --within 10 --json
check "places rule before CBS" python3 -c "
import json; c=json.load(open('$T/out')); assert c['population_source']=='places' and c['total']['population']==16338744, c['total']"

expect_exit 0 "import population" "$V" import population "$POP" --db "$DB"
check "24 PC4s with people but no centroid reported" grep -q "24 PC4(s) with 16760 people have no centroid" "$T/err"
check "centroids without population reported" grep -q "PC4 centroid(s) have no population row" "$T/err"
check "secret values reported as unknown" grep -q "kept secret by CBS (-99997): stored as unknown" "$T/err"
check "secret stored as NULL, never negative" python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("select count(*) from pc4_population where population < 0 or age_65_plus < 0").fetchone()[0] == 0
assert c.execute("select count(*) from pc4_population where population is null").fetchone()[0] > 0
PY

# expected totals: CBS counts of the PC4s that have a centroid (secret = 0)
read -r WANT WANT65 <<<"$(python3 - "$DB" "$POP" <<'PY'
import csv, sqlite3, sys
have = {r[0] for r in sqlite3.connect(sys.argv[1]).execute("select pc4 from pc4")}
p = o = 0
for r in csv.DictReader(open(sys.argv[2])):
    if int(r['pc4']) in have:
        p += max(int(r['population']), 0); o += max(int(r['age_65_plus']), 0)
print(p, o)
PY
)"
start_daemon "$DB"
for w in population age_65_plus; do
  expect_exit 0 "coverage weight $w" "$V" coverage --discipline fysiotherapeut --within 10 --weight "$w" --json
  cp "$T/out" "$T/cov_$w.json"
done
check "CBS weights: totals equal the CBS sums" python3 -c "
import json
a=json.load(open('$T/cov_population.json')); b=json.load(open('$T/cov_age_65_plus.json'))
assert a['population_source']=='cbs' and a['weight']=='population' and b['weight']=='age_65_plus'
assert a['total']['population']==$WANT, (a['total'], $WANT)
assert b['total']['population']==$WANT65, (b['total'], $WANT65)
assert sum(r['population'] for r in a['regions']) <= $WANT
assert 17_500_000 < $WANT < 17_600_000 and 3_400_000 < $WANT65 < 3_700_000
assert a['total']['pc4']==b['total']['pc4'] and a['total']['covered_pc4']==b['total']['covered_pc4']"
expect_exit 0 "regions" "$V" regions --json
check "regions report the source and 65+" python3 -c "
import json; r=json.load(open('$T/out'))
assert r['population_source']=='cbs' and r['age_65_plus']==$WANT65 and r['population']==$WANT
assert r['pc4_population_unknown']>700"
stop_daemon
echo "test_population: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
