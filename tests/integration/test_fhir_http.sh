#!/usr/bin/env bash
# test_fhir_http.sh -- the FHIR routes of a real verwijsd's HTTP gateway:
# /fhir/metadata, searches (near through the match engine: the same
# providers, order and distances as `verwijs match` over msgpack), reads
# equal to the resources of `verwijs export fhir`, OperationOutcome errors
# with the protocol's codes and fixed statuses, and a privacy-clean log.
. "$(dirname "$0")/lib.sh"
need_geodata

gen_db 2000 11
TODAY=$(date -u +%F)
expect_exit 0 "export fhir" "$V" export fhir --db "$DB" --out "$T/bundle.json" --as-of "$TODAY"

start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
HP=$(cat "$T/hport")
H="http://127.0.0.1:$HP"
# get NAME PATH: body in $T/NAME.json, headers in $T/NAME.h; prints the status
get() { curl -s -D "$T/$1.h" -o "$T/$1.json" -w '%{http_code}' "$H$2"; }

check "metadata 200" test "$(get meta /fhir/metadata)" = 200
check "metadata is a CapabilityStatement in application/fhir+json" python3 -c "
import json; c=json.load(open('$T/meta.json'))
assert c['resourceType']=='CapabilityStatement' and c['fhirVersion']=='4.0.1'
assert {r['type'] for r in c['rest'][0]['resource']}=={'Organization','Practitioner','PractitionerRole','Location','HealthcareService'}
assert 'application/fhir+json' in open('$T/meta.h').read()"
check "metadata lists the paging and mCSD parameters" python3 -c "
import json; c=json.load(open('$T/meta.json'))
rs={r['type']: r for r in c['rest'][0]['resource']}
sp=lambda t: {p['name'] for p in rs[t]['searchParam']}
assert {'_count','_getpagesoffset','_summary','identifier'} <= sp('Location') and 'active' not in sp('Location')
assert {'organization','active'} <= sp('PractitionerRole') and {'partof','type','address-city'} <= sp('Organization')
assert {'name','address-city','address-postalcode','organization'} <= sp('Location')
assert rs['PractitionerRole']['searchInclude']==['PractitionerRole:practitioner','PractitionerRole:location','PractitionerRole:organization']"
check "HEAD /fhir/metadata" test "$(curl -s -I -o /dev/null -w '%{http_code}' "$H/fhir/metadata")" = 200

# near == verwijs match (msgpack), same providers, order and km.
for q in "fysiotherapeut|" "dietist|" "fysiotherapeut|oncologie" "psycholoog|"; do
  d=${q%%|*}; e=${q#*|}
  eflag=(); fparam=""
  if [ -n "$e" ]; then eflag=(--expertise "$e"); fparam="&expertise=$e"; fi
  "$V" match --near 52.09,5.12 --discipline "$d" "${eflag[@]}" --limit 25 --json > "$T/match.json"
  check "near search $d $e" test "$(get near "/fhir/PractitionerRole?specialty=$d$fparam&location.near=52.09%7C5.12%7C12%7Ckm&_count=25")" = 200
  check "near $d $e == verwijs match" python3 -c "
import json
m=json.load(open('$T/match.json'))['providers']
want=[(p['id'],p['km']) for p in m if p['km']<=12]
b=json.load(open('$T/near.json'))
got=[(e['resource']['id'][5:], e['search']['extension'][0]['valueDistance']['value']) for e in b['entry']]
assert b['type']=='searchset' and all(e['search']['mode']=='match' for e in b['entry'])
assert [i for i,_ in got]==[i for i,_ in want], (got[:5], want[:5])
assert all(abs(a-w)<0.0006 for (_,a),(_,w) in zip(got,want)), (got[:3], want[:3])
assert len(got)>0"
done

# reads equal the exported resources (sample over every type, membership roles included)
python3 - "$T/bundle.json" > "$T/ids" <<'PY'
import json, sys, random
b = json.load(open(sys.argv[1]))
rs = [e['resource'] for e in b['entry']]
random.seed(3)
pick = random.sample(rs, 40) + [r for r in rs if '-net-' in r['id']][:5]
for r in pick:
    print(r['resourceType'], r['id'])
PY
n=0
while read -r type id; do
  n=$((n + 1))
  echo "$(get "read$n" "/fhir/$type/$id") $type $id" >> "$T/reads"
done < "$T/ids"
check "45 reads equal the exported resources" python3 -c "
import json
b=json.load(open('$T/bundle.json'))
res={(e['resource']['resourceType'], e['resource']['id']): e['resource'] for e in b['entry']}
lines=open('$T/reads').read().split(chr(10))[:-1]
assert len(lines)==45
for n, line in enumerate(lines, 1):
    status, t, i = line.split()
    got=json.load(open('$T/read%d.json' % n))
    assert status=='200' and got==res[(t, i)], (line, got.get('resourceType'))"

check "Organization?type=network counts every network" test "$(get orgs '/fhir/Organization?type=network&_count=1')" = 200
check "network total" python3 -c "
import json; b=json.load(open('$T/orgs.json'))
assert b['total']==sum(1 for _ in open('$T/networks.csv'))-1 and len(b['entry'])==1, b['total']"
check "fullUrl is the server's address" python3 -c "
import json; b=json.load(open('$T/orgs.json'))
assert b['entry'][0]['fullUrl'].startswith('http://127.0.0.1:$HP/fhir/Organization/net-'), b['entry'][0]['fullUrl']"
# behind a TLS-terminating proxy (HAProxy sets X-Forwarded-Proto) fullUrls say https
curl -s -H 'X-Forwarded-Proto: https' -o "$T/orgs_tls.json" "$H/fhir/Organization?type=network&_count=1"
check "fullUrl behind TLS termination is https" python3 -c "
import json; b=json.load(open('$T/orgs_tls.json'))
assert b['entry'][0]['fullUrl'].startswith('https://127.0.0.1:$HP/fhir/Organization/net-'), b['entry'][0]['fullUrl']"

# errors: OperationOutcome, the protocol's code as diagnostics, fixed statuses
outcome() { python3 -c "
import json; o=json.load(open('$T/$1.json'))
assert o['resourceType']=='OperationOutcome' and o['issue'][0]['diagnostics']=='$2', o"; }
check "unknown resource type 404" test "$(get e1 /fhir/Patient)" = 404
check "unknown resource type: not_found" outcome e1 not_found
check "unknown id 404" test "$(get e2 /fhir/Location/loc-NOPE)" = 404
check "unknown id: not_found" outcome e2 not_found
check "bad near 400" test "$(get e3 '/fhir/Location?near=52.1%7Cx')" = 400
check "bad near: bad_request" outcome e3 bad_request
check "unknown parameter 400" test "$(get e4 '/fhir/Location?bogus=1')" = 400
check "_count over 500 400" test "$(get e5 '/fhir/Location?_count=501')" = 400
check "_count 500 200" test "$(get e5b '/fhir/Location?_count=500')" = 200
many=$(python3 -c "print('&'.join(f'p{i}=1' for i in range(70)))")
check "too many parameters 413" test "$(get e6 "/fhir/Location?$many")" = 413
check "too many parameters: too_large" outcome e6 too_large
check "_format=xml refused" test "$(get e7 '/fhir/Location?_format=xml')" = 400
mid=$(python3 -c "print('&'.join(['specialty=fysiotherapeut']*40)+'&_count=1')")
check "40 parameters are within the limit (64)" test "$(get e8 "/fhir/Location?$mid")" = 200
check "71 parameters 413, the same limit and code as any above 64" test "$(get e9 "/fhir/Location?$many&_count=1")" = 413
check "the limit is named" grep -q 'at most 64' "$T/e9.json"
# names are percent-decoded like values; NUL and non-UTF-8 are refused
check "location%2Enear is location.near" test "$(get e10 '/fhir/Location?location%2Enear=52.09%7C5.12%7C5&_count=1')" = 200
check "decoded name: a near search" python3 -c "
import json; b=json.load(open('$T/e10.json'))
assert b['entry'][0]['search']['extension'][0]['valueDistance']['value'] <= 5, b"
check "%00 in a value 400" test "$(get e11 '/fhir/Location?_id=loc-P0000001%00junk')" = 400
check "%00: bad_request" outcome e11 bad_request
check "%FF in a value 400" test "$(get e12 '/fhir/Location?specialty=%FF')" = 400
check "%FF in an id 400" test "$(get e13 '/fhir/Location/%FF')" = 400
longe=$(python3 -c "print('x'+'%C3%A9'*100)")
check "long multi-byte code 400" test "$(get e14 "/fhir/Location?specialty=$longe")" = 400
check "long multi-byte id 404" test "$(get e15 "/fhir/Location/${longe:0:541}")" = 404
check "every error above is strict UTF-8 JSON" python3 -c "
import json
for n in range(8, 16):
    raw=open('$T/e%d.json' % n,'rb').read()
    json.loads(raw.decode('utf-8', errors='strict'))"
check "POST is 405" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$H/fhir/Location")" = 405
check "the gateway still answers" test "$(get ok /fhir/Location?_count=1)" = 200

# Repeated search parameters (issue 14): FHIR ANDs them; where AND means
# nothing useful the repeat is refused naming the parameter -- never "the
# last one wins".
total() { python3 -c "import json; print(json.load(open('$T/$1.json'))['total'])"; }
get r0 '/fhir/Organization?type=network' > /dev/null
get r1 '/fhir/Organization?type=practice' > /dev/null
check "type=practice&type=network: 200" test "$(get r2 '/fhir/Organization?type=practice&type=network')" = 200
check "type=practice&type=network: nothing is both" test "$(total r2)" = 0
check "type=network&type=network: as once" test "$(get r3 '/fhir/Organization?type=network&type=network')" = 200
check "type=network twice: the same total" test "$(total r3)" = "$(total r0)"
check "type=network&type=practice: nothing either way round" test "$(get r4 '/fhir/Organization?type=network&type=practice')" = 200 -a "$(total r4)" = 0
netid=$(python3 -c "import json; print(json.load(open('$T/orgs.json'))['entry'][0]['resource']['id'])")
netname=$(python3 -c "import json; print(json.load(open('$T/orgs.json'))['entry'][0]['resource']['name'])")
get r5 "/fhir/Organization?_id=$netid" > /dev/null
check "_id once: one" test "$(total r5)" = 1
check "_id twice, the same: one" test "$(get r6 "/fhir/Organization?_id=$netid&_id=$netid")" = 200 -a "$(total r6)" = 1
check "_id twice, different: none" test "$(get r7 "/fhir/Organization?_id=$netid&_id=org-NOPE")" = 200 -a "$(total r7)" = 0
check "_id twice, other order: none" test "$(get r8 "/fhir/Organization?_id=org-NOPE&_id=$netid")" = 200 -a "$(total r8)" = 0
n1=$(python3 -c "import urllib.parse; print(urllib.parse.quote('$netname'[:3]))")
n2=$(python3 -c "import urllib.parse; print(urllib.parse.quote('$netname'[:5]))")
get r9 "/fhir/Organization?name=$n1" > /dev/null
get r10 "/fhir/Organization?name=$n2" > /dev/null
check "name twice: both prefixes must hold (= the longer)" test "$(get r11 "/fhir/Organization?name=$n1&name=$n2")" = 200 -a "$(total r11)" = "$(total r10)"
check "name twice, other order: the same" test "$(get r12 "/fhir/Organization?name=$n2&name=$n1")" = 200 -a "$(total r12)" = "$(total r10)"
check "name twice, disjoint: none" test "$(get r13 "/fhir/Organization?name=$n1&name=zzzz")" = 200 -a "$(total r13)" = 0
check "near twice 400" test "$(get r14 '/fhir/Location?near=52.09%7C5.12%7C5&near=53.2%7C6.5%7C5')" = 400
check "near twice: bad_request" outcome r14 bad_request
check "near twice: the OperationOutcome names near" python3 -c "
import json; o=json.load(open('$T/r14.json'))
assert 'parameter near given more than once' in o['issue'][0]['details']['text'], o"
check "near + location.near 400" test "$(get r15 '/fhir/PractitionerRole?near=52.09%7C5.12&location.near=52.09%7C5.12')" = 400
check "near + location.near names location.near" grep -q 'parameter location.near given more than once' "$T/r15.json"
check "_count twice 400" test "$(get r16 '/fhir/Location?_count=5&_count=1')" = 400
check "_count twice names _count" grep -q 'parameter _count given more than once' "$T/r16.json"
check "specialty twice ANDs (none is two disciplines)" test "$(get r17 '/fhir/PractitionerRole?specialty=fysiotherapeut&specialty=dietist')" = 200 -a "$(total r17)" = 0
many_t=$(python3 -c "print('&'.join(['type=network']*9))")
check "type nine times 400" test "$(get r18 "/fhir/Organization?$many_t")" = 400

# Paging (issue 19): follow Bundle.link next until there is none; every
# network once, as many as Bundle.total; searches == brute force over the export.
FS="$(dirname "$0")/fhir_search_check.py"
nnet=$(($(wc -l < "$T/networks.csv") - 1))
check "walk Organization?type=network (default _count)" python3 "$FS" "$H" "$T/bundle.json" walk 'Organization?type=network' "$nnet"
check "walk Organization?type=network&_count=7" python3 "$FS" "$H" "$T/bundle.json" walk 'Organization?type=network&_count=7' "$nnet"
check "walk every Location (_count=500)" python3 "$FS" "$H" "$T/bundle.json" walk 'Location?_count=500' 2000
check "walk near (nearest first, within the engine's 100)" python3 "$FS" "$H" "$T/bundle.json" walk 'PractitionerRole?location.near=52.09%7C5.12%7C3&_count=9'
check "_summary=count 200" test "$(get sc '/fhir/Organization?type=network&_summary=count')" = 200
check "_summary=count: the total, no entries" python3 -c "
import json; b=json.load(open('$T/sc.json'))
assert b['total']==$nnet and 'entry' not in b and [l['relation'] for l in b['link']]==['self'], b"
curl -s -H 'X-Forwarded-Proto: https' -o "$T/pg_tls.json" "$H/fhir/Organization?type=network&_count=5&_getpagesoffset=5"
check "paging links behind TLS termination are https" python3 -c "
import json; b=json.load(open('$T/pg_tls.json'))
l={x['relation']: x['url'] for x in b['link']}
assert l['next']=='https://127.0.0.1:$HP/fhir/Organization?type=network&_count=5&_getpagesoffset=10', l
assert l['previous']=='https://127.0.0.1:$HP/fhir/Organization?type=network&_count=5&_getpagesoffset=0', l"
check "an offset past the end: 200, no entries" test "$(get pe '/fhir/Organization?type=network&_getpagesoffset=100000')" = 200
check "past the end: total kept, no next" python3 -c "
import json; b=json.load(open('$T/pe.json'))
assert b['total']==$nnet and 'entry' not in b and 'next' not in [l['relation'] for l in b['link']], b"
check "_getpagesoffset twice 400" test "$(get pe2 '/fhir/Location?_getpagesoffset=1&_getpagesoffset=2')" = 400
check "mCSD parameters == brute force over the export" python3 "$FS" "$H" "$T/bundle.json" params
check "_include: referenced resources, mode include" python3 "$FS" "$H" "$T/bundle.json" include
check "near with name 400" test "$(get nn '/fhir/Location?near=52.09%7C5.12%7C5&name=a')" = 400
check "active on Location 400 (not a Location parameter)" test "$(get la '/fhir/Location?active=true')" = 400
check "_include on Location 400" test "$(get li '/fhir/Location?_include=PractitionerRole:location')" = 400

check "SIGTERM: clean exit" stop_daemon
privacy_check "$T/verwijsd.log"
finish
