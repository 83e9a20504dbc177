#!/usr/bin/env bash
# test_referrer.sh -- what a referrer needs to know, end to end on a real
# verwijsd: the generated directory's hours, languages, access, waits, AGB
# and BIG go through import, SQLite and the snapshot into msgpack, HTTP/JSON
# and FHIR; `match` with language / wheelchair / direct_access / open_on /
# max_wait_weeks equals a brute-force scan of the SQLite rows written here
# in Python (its own haversine, filters and order), over msgpack, HTTP and
# FHIR alike; the CLI refuses malformed filter values.
. "$(dirname "$0")/lib.sh"
need_geodata

gen_db 3000 16
start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
H="http://127.0.0.1:$(cat "$T/hport")"
TODAY=$(date -u +%F)

# brute NEAR_LAT NEAR_LON DISC LIMIT LANGS WHEEL DIRECT OPEN_ON MAX_WAIT -> ids, nearest first
brute() {
  python3 - "$DB" "$TODAY" "$@" <<'PY'
import sqlite3, sys, math, datetime
db, today, lat, lon, disc, limit, langs, wheel, direct, open_on, max_wait = sys.argv[1:]
lat, lon, limit = float(lat), float(lon), int(limit)
today = datetime.date.fromisoformat(today)
def km(a, b, c, d):
    r = math.pi / 180
    h = math.sin((c - a) * r / 2) ** 2 + math.cos(a * r) * math.cos(c * r) * math.sin((d - b) * r / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(h, 1.0)))
def minutes(s):
    h, m = s.split(':'); return int(h) * 60 + int(m)
days = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su']
def open_ok(hours):
    if not open_on: return True
    if not hours: return False
    day, _, at = open_on.partition('@')
    for part in hours.split(';'):
        d, ivs = part.strip().split(' ', 1)
        if d != day: continue
        for iv in ivs.split(','):
            a, b = iv.split('-')
            if not at or minutes(a) <= minutes(at) < minutes(b): return True
    return False
rows = sqlite3.connect(db).execute(
    "SELECT id, lat, lon, discipline, hours, languages, wheelchair, direct_access, "
    "wait_weeks, wait_confirmed FROM providers").fetchall()
hits = []
for pid, plat, plon, d, hours, pl, w, da, ww, wc in rows:
    if disc and d != disc: continue
    if langs and not (set(langs.split(',')) & set((pl or '').split(';'))): continue
    if wheel and w != 1: continue
    if direct and da != 1: continue
    if not open_ok(hours): continue
    if max_wait:
        if ww is None or ww > int(max_wait): continue
        if (today - datetime.date.fromisoformat(wc)).days > 13 * 7: continue
    hits.append((km(lat, lon, plat, plon), pid))
hits.sort()
print(' '.join(p for _, p in hits[:limit]))
PY
}

# ids FILE: provider ids of a match answer (JSON), in order
ids() { python3 -c "import json,sys; print(' '.join(p['id'] for p in json.load(open(sys.argv[1]))['providers']))" "$1"; }

# The generated directory carries every field, in plausible shares.
check "gen: referrer columns filled" python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n = c.execute("select count(*) from providers").fetchone()[0]
def share(where): return c.execute("select count(*) from providers where " + where).fetchone()[0] / n
assert 0.75 < share("hours is not null") < 0.95
assert 0.6 < share("languages is not null") < 0.8 and share("languages like '%tr%'") > 0.005
assert 0.5 < share("wheelchair = 1") < 0.7 and share("wait_weeks is not null") > 0.5
assert share("agb is not null") > 0.85 and share("big is not null") > 0.2
# direct access only where the discipline allows it, BIG only for BIG professions
assert c.execute("select count(*) from providers where direct_access = 1 and discipline in "
                 "('psycholoog','huisarts','bedrijfsarts','poc','seksuoloog','oncologieverpleegkundige')").fetchone()[0] == 0
assert c.execute("select count(*) from providers where big is not null and discipline in "
                 "('dietist','logopedist','ergotherapeut','oefentherapeut','huidtherapeut')").fetchone()[0] == 0
PY

# Filters: msgpack (CLI) == HTTP == brute force over the SQLite rows.
n=0
while IFS='|' read -r near disc langs wheel direct open_on max_wait; do
  n=$((n + 1))
  args=(--near "$near" --limit 40 --json); qs="near=$near&limit=40"
  lat=${near%,*}; lon=${near#*,}
  [ -n "$disc" ] && { args+=(--discipline "$disc"); qs+="&discipline=$disc"; }
  for l in ${langs//,/ }; do args+=(--language "$l"); qs+="&language=$l"; done
  [ -n "$wheel" ] && { args+=(--wheelchair); qs+="&wheelchair=true"; }
  [ -n "$direct" ] && { args+=(--direct-access); qs+="&direct_access=true"; }
  [ -n "$open_on" ] && { args+=(--open-on "$open_on"); qs+="&open_on=${open_on/@/%40}"; }
  [ -n "$max_wait" ] && { args+=(--max-wait "$max_wait"); qs+="&max_wait_weeks=$max_wait"; }
  want=$(brute "$lat" "$lon" "$disc" 40 "$langs" "$wheel" "$direct" "$open_on" "$max_wait")
  expect_exit 0 "match $n" "$V" match "${args[@]}"
  cp "$T/out" "$T/m$n.json"
  got=$(ids "$T/m$n.json")
  check "match $n == brute force ($near $disc $langs $wheel $direct $open_on $max_wait)" \
    test "$got" = "$want"
  check "match $n finds something" test -n "$got"
  curl -s -o "$T/h$n.json" "$H/v1/match?$qs"
  check "HTTP match $n == msgpack" test "$(ids "$T/h$n.json")" = "$got"
done <<'CASES'
52.09,5.12|fysiotherapeut|tr,ar||||
52.09,5.12|||1|1||
51.92,4.48|dietist||||we@17:15|
52.37,4.90|fysiotherapeut|en|1||tu@08:45|3
53.21,6.56||||1|sa|
51.44,5.47|psycholoog|||||2
52.09,5.12||de,pl,so|1|1|th|6
CASES

# The provider object carries the fields; unknown is nil, not false.
check "match JSON has the referrer fields" python3 - "$T/m4.json" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1]))['providers']:
    assert 'en' in p['languages'] and p['wheelchair'] is True
    assert p['wait_weeks'] is not None and p['wait_weeks'] <= 3 and len(p['wait_confirmed']) == 10
    assert any(h['day'] == 'tu' and h['open'] <= '08:45' < h['close'] for h in p['hours'])
    assert p['agb'] is None or (len(p['agb']) == 8 and p['agb'].isdigit())
    assert p['big'] is None or (len(p['big']) == 11 and p['big'].isdigit())
PY

# FHIR: the same filters through the match engine; fields in their FHIR places.
"$V" match --near 52.09,5.12 --discipline fysiotherapeut --language tr --language ar --limit 40 --json >"$T/f.json"
curl -s -o "$T/fhir.json" "$H/fhir/Practitioner?specialty=fysiotherapeut&location.near=52.09%7C5.12%7C400%7Ckm&language=tr,ar&_count=40"
check "FHIR near + language == match" python3 - "$T/f.json" "$T/fhir.json" <<'PY'
import json, sys
want = [p['id'] for p in json.load(open(sys.argv[1]))['providers']]
b = json.load(open(sys.argv[2]))
got = [e['resource']['id'][5:] for e in b['entry']]
assert got == want and got, (got[:3], want[:3])
for e in b['entry']:
    r = e['resource']
    codes = {c['coding'][0]['code'] for c in r['communication']}
    assert codes & {'tr', 'ar'} and all(c['coding'][0]['system'] == 'urn:ietf:bcp:47' for c in r['communication'])
    for i in r['identifier']:
        if i['system'] == 'http://fhir.nl/fhir/NamingSystem/agb-z': assert len(i['value']) == 8
        if i['system'] == 'http://fhir.nl/fhir/NamingSystem/big': assert len(i['value']) == 11
PY
pid=$(python3 -c "import json; print(next(p['id'] for p in json.load(open('$T/m4.json'))['providers']))")
curl -s -o "$T/hs.json" "$H/fhir/HealthcareService/hs-$pid"
curl -s -o "$T/loc.json" "$H/fhir/Location/loc-$pid"
check "FHIR availableTime, hoursOfOperation, extensions" python3 - "$T/hs.json" "$T/loc.json" "$T/m4.json" "$pid" <<'PY'
import json, sys
hs, loc, m, pid = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), sys.argv[4]
p = next(p for p in m['providers'] if p['id'] == pid)
day = {'mo': 'mon', 'tu': 'tue', 'we': 'wed', 'th': 'thu', 'fr': 'fri', 'sa': 'sat', 'su': 'sun'}
want = [(day[h['day']], h['open'] + ':00', h['close'] + ':00') for h in p['hours']]
assert [(t['daysOfWeek'][0], t['availableStartTime'], t['availableEndTime']) for t in hs['availableTime']] == want
assert [(t['daysOfWeek'][0], t['openingTime'], t['closingTime']) for t in loc['hoursOfOperation']] == want
ext = {e['url'].rsplit('/', 1)[1]: e for e in hs['extension']}
w = {s['url']: s for s in ext['waiting-time']['extension']}
assert w['weeks']['valueDuration']['value'] == p['wait_weeks'] and w['confirmed']['valueDate'] == p['wait_confirmed']
lext = {e['url'].rsplit('/', 1)[1]: e for e in loc['extension']}
assert lext['wheelchair-accessible']['valueBoolean'] is True
PY

# Bad filter values: the CLI refuses them (exit 2), the server answers bad_request.
expect_exit 2 "--language xx" "$V" match --near 3511 --language xx
expect_exit 2 "--open-on monday" "$V" match --near 3511 --open-on monday
expect_exit 2 "--open-on mo@25:00" "$V" match --near 3511 --open-on mo@25:00
expect_exit 2 "--max-wait -1" "$V" match --near 3511 --max-wait -1
check "HTTP bad open_on is 400" test "$(curl -s -o /dev/null -w '%{http_code}' "$H/v1/match?near=3511&open_on=xx")" = 400
check "HTTP bad language is 400" test "$(curl -s -o /dev/null -w '%{http_code}' "$H/v1/match?near=3511&language=tur")" = 400
check "FHIR bad open-on is 400" test "$(curl -s -o /dev/null -w '%{http_code}' "$H/fhir/Practitioner?open-on=x")" = 400

# The provider view shows them.
expect_exit 0 "provider" "$V" provider "$pid"
check "provider view: hours, languages, wait" grep -q "^  wait        [0-9]* weeks (confirmed" "$T/out"
check "provider view: languages" grep -q "^  languages   .*en" "$T/out"

stop_daemon
privacy_check "$T/verwijsd.log"
echo "test_referrer: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
