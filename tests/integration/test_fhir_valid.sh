#!/usr/bin/env bash
# test_fhir_valid.sh -- every FHIR answer of Verwijs is valid FHIR R4 to
# independent validators (tests/node/fhir_validate.js): the official HL7 R4
# JSON schema, the lantanagroup FHIR.js validator, and no empty element
# anywhere (ele-1/ext-1). Checked: the `verwijs export fhir` Bundle, and from
# a real verwijsd's HTTP gateway the CapabilityStatement, reads of every
# resource type (a forming and a certified network, a provider with the
# referrer's attributes, a membership role), searches, history Bundles and an
# OperationOutcome. Any problem fails with the validator's own messages.
. "$(dirname "$0")/lib.sh"
need_geodata
if ! tools=$(bash "$VW_SRC/tests/node/setup.sh" "$VW_BIN/node"); then
  bad "the npm tools could not be installed (npm ci in $VW_BIN/node)"
  finish; exit
fi
validate() { node "$tools/fhir_validate.js" "$@"; }
# the checker is not vacuous: an empty valuePeriod, an unknown element and a
# string for a boolean are each reported
echo '{"resourceType":"Organization","id":"x","meta":{"lastUpdated":"2026-01-01T00:00:00Z"},"extension":[{"url":"u","valuePeriod":{}}]}' > "$T/bad1.json"
echo '{"resourceType":"Organization","id":"x","meta":{"lastUpdated":"2026-01-01T00:00:00Z"},"bogus":1}' > "$T/bad2.json"
echo '{"resourceType":"Organization","id":"x","meta":{"lastUpdated":"2026-01-01T00:00:00Z"},"active":"yes"}' > "$T/bad3.json"
validate "$T/bad1.json" "$T/bad2.json" "$T/bad3.json" > "$T/bad.out"
check "the checker fails on invalid FHIR" test $? = 1
check "an empty valuePeriod is reported" grep -q 'valuePeriod: empty object' "$T/bad.out"
check "an unknown element: the schema" grep -q 'bad2.json: Organization/x: schema:' "$T/bad.out"
check "an unknown element: FHIR.js" grep -q 'bad2.json: Organization/x: fhir.js: Organization.bogus' "$T/bad.out"
check "a string for a boolean: FHIR.js" grep -q 'bad3.json: .*fhir.js: Organization.active' "$T/bad.out"

gen_db 400 19
TODAY=$(date -u +%F)
expect_exit 0 "export fhir" "$V" export fhir --db "$DB" --out "$T/export.json" --as-of "$TODAY"
check "the export validates" validate "$T/export.json"

# what to read: per type a resource, and the interesting cases
python3 - "$T/export.json" > "$T/reads" <<'PY'
import json, sys
rs = [e['resource'] for e in json.load(open(sys.argv[1]))['entry']]
def ext(r, name):
    for e in r.get('extension', []):
        if e['url'].endswith('/' + name):
            return e
def status(r):
    c = ext(r, 'network-certification')
    return c and [x.get('valueCode') for x in c['extension'] if 'valueCode' in x][0]
nets = [r for r in rs if r['id'].startswith('net-')]
pick = {}
pick['forming network'] = next(r for r in nets if status(r) == 'forming')
pick['certified network'] = next(r for r in nets if status(r) == 'certified')
pick['membership role'] = next(r for r in rs if '-net-' in r['id'])
pick['practitioner with languages'] = next(r for r in rs if r['resourceType'] == 'Practitioner' and 'communication' in r)
pick['practitioner with a registration'] = next(r for r in rs if r['resourceType'] == 'Practitioner' and any('period' in q for q in r.get('qualification', [])))
pick['location with hours'] = next(r for r in rs if r['resourceType'] == 'Location' and 'hoursOfOperation' in r)
pick['service with a waiting time'] = next(r for r in rs if r['resourceType'] == 'HealthcareService' and ext(r, 'waiting-time'))
for t in ('Organization', 'Practitioner', 'PractitionerRole', 'Location', 'HealthcareService'):
    pick[t] = next(r for r in rs if r['resourceType'] == t and not r['id'].startswith('net-'))
for what, r in pick.items():
    print(r['resourceType'], r['id'], what.replace(' ', '_'))
PY
check "every kind of resource is in the export" test "$(wc -l < "$T/reads")" = 12

start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
H="http://127.0.0.1:$(cat "$T/hport")"
# get NAME PATH: the answer in $T/http/NAME.json; prints the status
mkdir -p "$T/http"
get() { curl -s -o "$T/http/$1.json" -w '%{http_code}' "$H$2"; }

check "metadata 200" test "$(get metadata /fhir/metadata)" = 200
while read -r type id what; do
  check "read $what 200" test "$(get "read_$what" "/fhir/$type/$id")" = 200
done < "$T/reads"
n=0
for q in 'Organization?type=network' 'Organization?type=practice&_count=5' \
         'PractitionerRole?specialty=fysiotherapeut&location.near=52.09%7C5.12%7C30%7Ckm&_count=10' \
         'Location?near=52.37%7C4.89%7C20&_count=10' 'HealthcareService?specialty=dietist&_count=10' \
         'Practitioner?_count=10' 'PractitionerRole?_count=10' \
         'Organization?type=network&_count=3&_getpagesoffset=3' 'Organization?type=network&_summary=count' \
         'Organization?name=zzzz-no-such-name' \
         "PractitionerRole?organization=Organization/$(awk '$3=="certified_network"{print $2}' "$T/reads")&_include=PractitionerRole:*&_count=5"; do
  n=$((n + 1))
  check "search $q 200" test "$(get "search$n" "/fhir/$q")" = 200
done
check "an error 404" test "$(get outcome /fhir/Location/loc-NOPE)" = 404
check "system history 200" test "$(get history_system '/fhir/_history?_count=20')" = 200
check "type history 200" test "$(get history_type '/fhir/Location/_history?_count=5&_since=2000-01-01T00:00:00Z')" = 200
check "the CapabilityStatement names the software and this server" python3 -c "
import json; c=json.load(open('$T/http/metadata.json'))
assert c['software']['name']=='Verwijs' and c['software']['version'], c.get('software')
assert c['implementation']['url']=='$H/fhir', c.get('implementation')"
check "no valuePeriod is empty (forming network)" python3 -c "
import json; r=json.load(open('$T/http/read_forming_network.json'))
assert '{}' not in json.dumps(r, separators=(',', ':')), r"
check "reads and export agree on meta.lastUpdated" python3 -c "
import json
e=json.load(open('$T/export.json'))['entry'][0]['resource']['meta']['lastUpdated']
r=json.load(open('$T/http/read_Organization.json'))['meta']['lastUpdated']
assert e==r and e.endswith('Z'), (e, r)"
check "a middle page has self, next and previous links" python3 -c "
import json; b=json.load(open('$T/http/search8.json'))
assert sorted(l['relation'] for l in b['link'])==['next','previous','self'], b['link']"
check "a search without hits has no empty entry array" python3 -c "
import json; b=json.load(open('$T/http/search10.json'))
assert b['total']==0 and 'entry' not in b, b"
check "_include adds the referenced resources" python3 -c "
import json; b=json.load(open('$T/http/search11.json'))
assert any(e['search']['mode']=='include' for e in b['entry']), b"
for f in "$T"/http/*.json; do
  check "valid FHIR R4: $(basename "$f" .json)" validate "$f"
done

check "SIGTERM: clean exit" stop_daemon
finish
