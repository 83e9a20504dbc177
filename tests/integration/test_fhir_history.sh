#!/usr/bin/env bash
# test_fhir_history.sh -- FHIR _history (issue 15, IHE mCSD "Request Care
# Services Updates") against a real verwijsd:
#  - changes applied through `verwijs admin apply` (create a provider and its
#    membership, update it, delete another provider with its memberships and
#    registrations) are in GET /fhir/_history?_since=SINCE, paged with _count=2
#    by following `next` until none: exactly the change_log rows at or after
#    SINCE (brute force from sqlite3), in seq order, deletions included, each
#    mapped to the resources it changes (docs/FHIR.md "History");
#  - type-level (Location/_history) and instance-level history agree;
#  - no credential name leaks into the answers;
#  - bad _since / _count / _cursor / unknown parameters: 400 OperationOutcome.
. "$(dirname "$0")/lib.sh"
need_geodata
gen_db 60 23
ASOCK="$T/admin.sock"
printf 'admin_socket = %s\n' "$ASOCK" > "$T/admin.conf"
start_daemon "$DB" --config "$T/admin.conf" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
H="http://127.0.0.1:$(cat "$T/hport")"
A=(--admin-socket "$ASOCK")

# SINCE: a second after the imports (change_log.at has second precision)
sleep 1.1
SINCE=$(date -u +%FT%TZ)
NET=$(awk -F, 'NR == 2 { print $1 }' "$T/networks.csv")
GONE=$(sqlite3 "$DB" "SELECT provider_id FROM memberships LIMIT 1")
check "a network and a member" test -n "$NET" -a -n "$GONE"
cat > "$T/c1.jsonl" <<JSON
{"op":"create","kind":"provider","id":"PNEW1","set":{"name":"Fysio Nieuw","discipline":"fysiotherapeut","expertise":"oncologie","lat":52.0907,"lon":5.1214,"postcode":"3511","city":"Utrecht","accepting":true,"online":false}}
{"op":"create","kind":"membership","id":["PNEW1","$NET"]}
JSON
printf '{"op":"update","kind":"provider","id":"PNEW1","set":{"accepting":false}}\n' > "$T/c2.jsonl"
printf '{"op":"delete","kind":"provider","id":"%s"}\n' "$GONE" > "$T/c3.jsonl"
for c in c1 c2 c3; do
  expect_exit 0 "admin apply $c" "$V" admin apply "$T/$c.jsonl" "${A[@]}"
done
sqlite3 -separator '|' "$DB" "SELECT seq, kind, op, record, version FROM change_log
  WHERE at >= '$SINCE' ORDER BY seq" > "$T/rows"
check "the changes are logged (deletion cascades included)" test "$(wc -l < "$T/rows")" -ge 5

# pages URL FILE: follows next links from URL, every entry into FILE (JSON lines)
cat > "$T/pages.py" <<'PY'
import json, sys, urllib.request
url, out, n = sys.argv[1], open(sys.argv[2], 'w'), 0
while url:
    b = json.load(urllib.request.urlopen(url))
    assert b['resourceType'] == 'Bundle' and b['type'] == 'history', b
    n += 1
    assert n < 1000, 'paging does not end'
    for e in b.get('entry', []):
        out.write(json.dumps(e) + '\n')
    url = next((l['url'] for l in b['link'] if l['relation'] == 'next'), None)
print(n)
PY
# expect TYPE ID: the entries the brute-force rows give (docs/FHIR.md table)
cat > "$T/expect.py" <<'PY'
import json, sys
typ, rid = (sys.argv[1:] + [None, None])[:2]
maps = {'provider': [('Organization', 'org-'), ('Practitioner', 'prac-'),
                     ('PractitionerRole', 'role-'), ('Location', 'loc-'),
                     ('HealthcareService', 'hs-')],
        'network': [('Organization', 'net-')],
        'membership': [('PractitionerRole', 'role-')],
        'registration': [('Practitioner', 'prac-')]}
for line in open(sys.argv[3] if len(sys.argv) > 3 else 'rows'):
    seq, kind, op, record, version = line.rstrip('\n').split('|')
    for t, pre in maps[kind]:
        if kind in ('provider', 'network'):
            i = pre + record
        elif kind == 'membership':
            p, n = json.loads(record)
            i = '%s%s-net-%s' % (pre, p, n)
        else:
            i = pre + json.loads(record)[0]
        if (typ and typ != '-' and t != typ) or (rid and rid != '-' and i != rid):
            continue
        m = 'DELETE' if op == 'delete' else 'POST' if op == 'create' and kind != 'registration' else 'PUT'
        print('%s/%s %s W/"%s"' % (t, i, m, version))
PY
# got FILE: the same summary of collected entries
got() { python3 -c "
import json,sys
for l in open('$1'):
    e=json.loads(l); print(e['request']['url'], e['request']['method'], e['response']['etag'])"; }
cd "$T" || exit 1

pages=$(python3 pages.py "$H/fhir/_history?_since=$SINCE&_count=2" sys.jsonl)
check "system history pages to the end (more than one page)" test "${pages:-0}" -gt 1
python3 expect.py - - rows > sys.want
got sys.jsonl > sys.got
check "system history = the change log after T, in order" diff sys.want sys.got
check "... a deletion is there" grep -q "Location/loc-$GONE DELETE" sys.got
check "... the membership" grep -q "PractitionerRole/role-PNEW1-net-$NET POST" sys.got
check "... the update, version 2" grep -q 'Location/loc-PNEW1 PUT W/"2"' sys.got
check "... fullUrl under this server" python3 -c "
import json
for l in open('sys.jsonl'):
    e=json.loads(l); assert e['fullUrl']=='$H/fhir/'+e['request']['url'], e
    assert e['response']['lastModified'] >= '$SINCE', e"

python3 pages.py "$H/fhir/Location/_history?_since=$SINCE&_count=1" loc.jsonl > /dev/null
python3 expect.py Location - rows > loc.want
got loc.jsonl > loc.got
check "type history (Location, _count=1) = the change log's Locations" diff loc.want loc.got

sqlite3 -separator '|' "$DB" "SELECT seq, kind, op, record, version FROM change_log
  WHERE kind = 'provider' AND record = 'PNEW1' ORDER BY seq" > inst.rows
python3 pages.py "$H/fhir/Location/loc-PNEW1/_history" inst.jsonl > /dev/null
python3 expect.py Location loc-PNEW1 inst.rows > inst.want
got inst.jsonl > inst.got
check "instance history: each version" diff inst.want inst.got
check "... two of them" test "$(wc -l < inst.got)" = 2

python3 pages.py "$H/fhir/_history?_count=1000" all.jsonl > /dev/null
sqlite3 -separator '|' "$DB" "SELECT seq, kind, op, record, version FROM change_log ORDER BY seq" > all.rows
python3 expect.py - - all.rows > all.want
got all.jsonl > all.got
check "the whole log pages completely (imports included)" diff all.want all.got

check "no credential name in the history" sh -c "! grep -q '\"admin\"' sys.jsonl all.jsonl"

# meta.versionId / lastUpdated: the record's version and updated_at
UPD=$(sqlite3 "$DB" "SELECT updated_at FROM providers WHERE id = 'PNEW1'")
for r in Location/loc-PNEW1 HealthcareService/hs-PNEW1 PractitionerRole/role-PNEW1-net-$NET; do
  check "$r: meta.versionId 2, lastUpdated = updated_at" python3 -c "
import json, urllib.request
m=json.load(urllib.request.urlopen('$H/fhir/$r'))['meta']
assert m.get('versionId')=='2' and m['lastUpdated']=='$UPD', (m, '$UPD')"
done
NV=$(sqlite3 "$DB" "SELECT version || ' ' || coalesce(updated_at, '-') FROM networks WHERE id = '$NET'")
check "network Organization: its version" python3 -c "
import json, urllib.request
m=json.load(urllib.request.urlopen('$H/fhir/Organization/net-$NET'))['meta']
v, u = '$NV'.split(' ')
assert m.get('versionId')==v and (u=='-' or m['lastUpdated']==u), (m, '$NV')"

# _lastUpdated: exactly the records updated at or after SINCE (brute force)
ids() { python3 -c "
import json, urllib.request
b=json.load(urllib.request.urlopen('$H/fhir/$1'))
for i in sorted(e['resource']['id'] for e in b.get('entry', [])): print(i)"; }
ids "Location?_lastUpdated=ge$SINCE&_count=500" > lu.got
sqlite3 "$DB" "SELECT 'loc-' || id FROM providers WHERE updated_at >= '$SINCE'" | sort > lu.want
check "Location?_lastUpdated=ge: the changed providers" diff lu.want lu.got
check "... PNEW1 among them" grep -qx loc-PNEW1 lu.got
ids "Organization?_lastUpdated=gt$SINCE&_lastUpdated=le2999-01-01&_count=500" > lo.got
sqlite3 "$DB" "SELECT 'net-' || id FROM networks WHERE updated_at > '$SINCE'
  UNION ALL SELECT 'org-' || id FROM providers WHERE updated_at > '$SINCE'" | sort > lo.want
check "Organization?_lastUpdated=gt&le (AND): networks and practices" diff lo.want lo.got
ids "Location?_lastUpdated=lt$SINCE&_count=500" > lt.got
sqlite3 "$DB" "SELECT 'loc-' || id FROM providers WHERE coalesce(updated_at, '') < '$SINCE'
  ORDER BY id LIMIT 500" | sort > lt.want
check "Location?_lastUpdated=lt: the unchanged ones" diff lt.want lt.got

status() { curl -s -o "$T/err.json" -w '%{http_code}' "$H$1"; }
for q in '_history?_since=yesterday' '_history?_since=2026-13-01' '_history?_count=0' \
         '_history?_count=1001' '_history?_cursor=x' '_history?_bogus=1' \
         'Location/_history?_count=-1' 'Location?_lastUpdated=gx2026-01-01' \
         'Organization?_lastUpdated=2026-01-01T25:00:00Z'; do
  check "$q: 400" test "$(status "/fhir/$q")" = 400
  check "... an OperationOutcome" grep -q '"resourceType":"OperationOutcome"' err.json
done
check "history of an unknown type: 404" test "$(status /fhir/Bogus/_history)" = 404
check "CapabilityStatement: history interactions" sh -c "
curl -s '$H/fhir/metadata' | grep -q 'history-type' && curl -s '$H/fhir/metadata' | grep -q 'history-system'"
cd / || true
stop_daemon
finish
