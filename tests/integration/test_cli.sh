#!/usr/bin/env bash
# test_cli.sh -- the whole path as a user runs it: generate a dataset, import
# it (strict and --skip-invalid), start a real verwijsd on loopback, query it
# with the verwijs CLI (table, --json, TCP and Unix socket, exit codes), drive
# it with libverwijs (brute-force equality, pipelining), stop it with SIGTERM.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"

expect_exit 0 "gen" "$V" gen --geodata "$G" --out "$T" --providers 3000 --seed 7
check "gen is deterministic" bash -c "'$V' gen --geodata '$G' --out '$T/again' --providers 3000 --seed 7 2>/dev/null || { mkdir -p '$T/again' && '$V' gen --geodata '$G' --out '$T/again' --providers 3000 --seed 7 2>/dev/null; }; cmp -s '$T/providers.csv' '$T/again/providers.csv'"

DB="$T/verwijs.db"
# The shared PC4 table has 3 rows outside the Netherlands: strict import refuses it whole.
expect_exit 1 "strict pc4 import is rejected" "$V" import pc4 "$G/pc4_centroids.csv" --db "$DB"
check "the 3 bad PC4 rows are reported with line numbers" \
  test "$(grep -cE 'pc4_centroids.csv:[0-9]+: error' "$T/err")" = 3
check "1940 reported" grep -q ':515: error: pc4 1940' "$T/err"
expect_exit 0 "pc4 --skip-invalid" "$V" import pc4 "$G/pc4_centroids.csv" --db "$DB" --skip-invalid
check "post-box codes placed in another town are warned about" grep -q '1002 (Amsterdam)' "$T/err"
expect_exit 0 "import networks" "$V" import networks "$T/networks.csv" --db "$DB"
expect_exit 0 "import providers" "$V" import providers "$T/providers.csv" --db "$DB"
check "geocoded providers counted" grep -q 'placed at their PC4 centroid' "$T/err"
expect_exit 0 "import registrations" "$V" import registrations "$T/registrations.csv" --db "$DB"

# A providers file with one bad row changes nothing.
{ head -1 "$T/providers.csv"; sed -n '2,50p' "$T/providers.csv"; \
  echo 'PX1,Bad Row,fysiotherapist,,52.1,5.1,,3511,Utrecht,,,,,1,0'; } > "$T/bad.csv"
expect_exit 1 "import with an unknown discipline is rejected" "$V" import providers "$T/bad.csv" --db "$DB"
check "the bad row is named with file and line" grep -q 'bad.csv:51: error' "$T/err"
"$V" db info --db "$DB" > "$T/info"
check "db unchanged after the rejected import" grep -qE 'providers +3000' "$T/info"

# FHIR export of the same database: one Bundle, one resource set per provider.
expect_exit 0 "export fhir" "$V" export fhir --db "$DB" --out "$T/fhir.json" --as-of 2026-01-01
check "FHIR bundle counts match the database" python3 -c "
import json,collections
b=json.load(open('$T/fhir.json'))
assert b['resourceType']=='Bundle' and b['type']=='collection', b['type']
c=collections.Counter(e['resource']['resourceType'] for e in b['entry'])
nets=sum(1 for _ in open('$T/networks.csv'))-1
assert c['Practitioner']==c['Location']==c['HealthcareService']==3000, c
assert c['Organization']==3000+nets, c
ids={e['resource']['resourceType']+'/'+e['resource']['id'] for e in b['entry']}
refs=[v for e in b['entry'] for k,v in e['resource'].items() if k in ('managingOrganization','providedBy','organization','practitioner','partOf')]
assert all(r['reference'] in ids for r in refs)
"
expect_exit 0 "export fhir to stdout" "$V" export fhir --db "$DB"
check "stdout export is the same bundle" python3 -c "
import json
a=json.load(open('$T/out')); b=json.load(open('$T/fhir.json'))
assert len(a['entry'])==len(b['entry'])"
expect_exit 2 "export without a format" "$V" export --db "$DB"
expect_exit 2 "export with a bad date" "$V" export fhir --db "$DB" --as-of 2026-13-01
expect_exit 1 "export of a missing database" "$V" export fhir --db "$T/nope.db"

start_daemon "$DB"

expect_exit 0 "ping" "$V" ping
check "ping says pong" grep -q pong "$T/out"
expect_exit 0 "match (table)" "$V" match --near 3511 --discipline fysiotherapeut --within 30 --limit 5
check "match header names the origin" grep -q '^Near 3511 (Utrecht), car, within 30 min' "$T/out"
expect_exit 0 "match --json" "$V" match --near 3511AB --discipline fysiotherapeut --limit 20 --json
check "json parses and is sorted by km" python3 -c "
import json,sys
r=json.load(open('$T/out'))
km=[p['km'] for p in r['providers']]
assert r['origin']['kind']=='pc6' and r['origin']['postcode']=='3511AB', r['origin']
assert len(km)==20 and km==sorted(km), km
assert all(p['discipline']=='fysiotherapeut' for p in r['providers'])
"
expect_exit 0 "match by point over the Unix socket" "$V" --socket "$SOCK" match --near 52.37,4.90 --discipline dietist --within 20 --json
check "point origin" python3 -c "import json; r=json.load(open('$T/out')); assert r['origin']['kind']=='point'"
expect_exit 3 "unknown discipline is answered with an error" "$V" match --near 3511 --discipline fysio
check "error names the code" grep -q 'bad_request' "$T/err"
unknown_pc4=$(python3 -c "
import csv
have={r['pc4'] for r in csv.DictReader(open('$G/pc4_centroids.csv'))}
print(next(str(p) for p in range(1000,10000) if str(p) not in have))")
expect_exit 3 "unknown postcode" "$V" match --near "$unknown_pc4" --discipline dietist
check "not_found" grep -q 'not_found' "$T/err"
expect_exit 2 "usage error" "$V" match --near 35
expect_exit 2 "usage error: --within" "$V" match --near 3511 --within abc
expect_exit 4 "cannot connect" "$V" --server 127.0.0.1:1 ping
# A server that accepts but never answers: a timeout is its own exit code (5).
python3 - "$T/silent.port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns, end = [], time.time() + 20
s.settimeout(0.5)
while time.time() < end:
    try: conns.append(s.accept()[0])
    except OSError: pass
PY
silent=$!
for _ in $(seq 50); do [ -s "$T/silent.port" ] && break; sleep 0.1; done
expect_exit 5 "no answer within --timeout: exit 5" "$V" --timeout 300 --server "127.0.0.1:$(cat "$T/silent.port")" ping
check "the timeout is named" grep -q 'timeout' "$T/err"
expect_exit 5 "--json: a timeout as JSON on stderr" "$V" --timeout 300 --server "127.0.0.1:$(cat "$T/silent.port")" ping --json
check "timeout JSON" python3 -c "import json; e=json.load(open('$T/err'))['error']; assert e['code']=='timeout' and e['local'] is True, e"
kill "$silent" 2>/dev/null; wait "$silent" 2>/dev/null
# --json errors are JSON on stderr too.
expect_exit 3 "--json: a server error" "$V" match --near 3511 --discipline fysio --json
check "server error as JSON on stderr" python3 -c "import json; e=json.load(open('$T/err'))['error']; assert e['code']=='bad_request' and not e['local'] and 'fysiotherapeut' in e['message'], e"
expect_exit 4 "--json: cannot connect" "$V" --server 127.0.0.1:1 ping --json
check "connect error as JSON on stderr" python3 -c "import json; e=json.load(open('$T/err'))['error']; assert e['code']=='connect' and e['local'] is True, e"

pid=$(awk -F, 'NR==2{print $1}' "$T/providers.csv")
expect_exit 0 "provider" "$V" provider "$pid" --json
check "provider id" python3 -c "import json; assert json.load(open('$T/out'))['id']=='$pid'"
expect_exit 3 "unknown provider" "$V" provider NOPE
check "provider not_found" grep -q not_found "$T/err"
nid=$(awk -F, 'NR==2{print $1}' "$T/networks.csv")
expect_exit 0 "network" "$V" network "$nid"
check "network members listed" grep -q 'members' "$T/out"
expect_exit 0 "stats" "$V" stats --json
check "stats counts the providers" python3 -c "import json; assert json.load(open('$T/out'))['snapshot']['providers']==3000"
expect_exit 0 "refer" "$V" refer --near 3511 --problem darmklachten --problem vermoeidheid --problem seksualiteit --json
check "refer has three needs" python3 -c "import json; r=json.load(open('$T/out')); assert len(r['needs'])==3 and r['step']=='professional'"
expect_exit 3 "refer with an unknown problem" "$V" refer --near 3511 --problem buikpijn
expect_exit 0 "networks audit" "$V" networks audit --format csv
check "audit csv has a header and rows" test "$(wc -l < "$T/out")" -gt 5
expect_exit 0 "networks near" "$V" networks near --near 3511 --within 30 --json

# libverwijs: brute-force equality and pipelining, over TCP and the Unix socket.
expect_exit 0 "itest_client over TCP" "$VW_BIN/itest_client" --server "127.0.0.1:$PORT" --db "$DB" --queries 400
cat "$T/out"
expect_exit 0 "itest_client over the Unix socket" "$VW_BIN/itest_client" --socket "$SOCK" --db "$DB" --queries 100

# Privacy: the debug log holds PC4s and rounded coordinates only.
check "no PC6 in the log" bash -c "! grep -qE '3511 ?AB' '$T/verwijsd.log'"
check "no coordinates finer than 2 decimals in request logs" \
  bash -c "! grep 'op=' '$T/verwijsd.log' | cut -d' ' -f3- | grep -qE '[0-9]\.[0-9]{3,}'"

check "SIGTERM: verwijsd exits 0" stop_daemon
finish
