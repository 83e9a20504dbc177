#!/usr/bin/env bash
# test_dutchday.sh -- "today" is a Dutch day, through a real verwijsd with the
# test clock (--test-clock + VW_TEST_NOW) pinned at 23:30 and 00:30 UTC on a
# winter and a summer date and at both daylight-saving transitions (last
# Sunday of March / October, 01:00 UTC). Per instant the expected day comes
# from Python's zoneinfo (brute force, independent of the C code); the data
# has, per instant, a network certified until that day (counts) and one until
# the day before (does not), a provider with a registration from that day
# (counts), one until the day before and one from the next day (do not).
# Checked: network, provider, match (the set of providers against brute
# force), refer, networks near, networks audit, coverage answers (msgpack via the
# CLI), /v1/networks/{id} and /fhir over HTTP, the CLI's local export; all
# state the as_of they used. Also: VW_TEST_NOW without --test-clock is
# ignored; tz = UTC; an unknown tz refuses to start; VERWIJS_TZ for the CLI.
. "$(dirname "$0")/lib.sh"
need_geodata
DB="$T/verwijs.db"

cat > "$T/cases.py" <<'PY'
import datetime as dt
from zoneinfo import ZoneInfo
AMS = ZoneInfo("Europe/Amsterdam")
CASES = ["2026-01-15T23:30:00Z", "2026-01-16T00:30:00Z", "2026-07-15T23:30:00Z",
         "2026-07-16T00:30:00Z", "2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"]
def instant(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
def nl_day(s):
    return instant(s).astimezone(AMS).date()
PY
PYTHONPATH="$T" python3 - "$T" <<'PY'
import sys, datetime as dt
from cases import CASES, nl_day
T = sys.argv[1]
one = dt.timedelta(days=1)
with open(T + "/networks.csv", "w") as n, open(T + "/providers.csv", "w") as p, \
     open(T + "/registrations.csv", "w") as r:
    n.write("id,name,kind,status,certified_until,region\n")
    p.write("id,name,discipline,expertise,lat,lon,postcode,city,networks,accepting,online\n")
    r.write("provider_id,expertise,registry,valid_from,valid_until\n")
    for i, c in enumerate(CASES):
        d = nl_day(c)
        n.write("N%dt,Today %d,onco,certified,%s,midden\n" % (i, i, d))
        n.write("N%dy,Yesterday %d,onco,certified,%s,midden\n" % (i, i, d - one))
        p.write("P%d,Fysio %d,fysiotherapeut,,52.09,5.12,3511,Utrecht,N%dt;N%dy,1,0\n" % (i, i, i, i))
        r.write("P%d,lymfoedeem,r,%s,\n" % (i, d))
        r.write("P%d,oncologie,r,,%s\n" % (i, d - one))
        r.write("P%d,voeding,r,%s,%s\n" % (i, d + one, d + 30 * one))
PY
expect_exit 0 "import pc4" "$V" import pc4 "$VW_GEODATA/pc4_centroids.csv" --db "$DB" --skip-invalid
expect_exit 0 "import places" "$V" import places "$VW_GEODATA/places_nl.csv" --db "$DB" --skip-invalid
expect_exit 0 "import regions" "$V" import regions "$VW_GEODATA/gemeente_2015.geojson" --db "$DB"
for kind in networks providers registrations; do
  expect_exit 0 "import $kind" "$V" import "$kind" "$T/$kind.csv" --db "$DB"
done

start_http() {
  rm -f "$T/hport"
  start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport" "$@"
  for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
  HP=$(cat "$T/hport")
}

# check_case I: every answer of the daemon pinned at CASES[I] (and the CLI's
# local export under the same clock) uses and states the Dutch day.
check_case() {
  PYTHONPATH="$T:$(dirname "$0")" python3 - "$1" "$V" "$HP" "$DB" "$T" <<'PY'
import sys, json, subprocess, urllib.request, os
from cases import CASES, nl_day
from vwwire import Checks
i, V, hp, db, T = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
now = CASES[i]
want = str(nl_day(now))
t = Checks("dutchday %s (NL %s)" % (now, want))
check = t.check
def cli(*args, env=None):
    out = subprocess.run([V] + list(args), capture_output=True, text=True, env=env)
    if out.returncode != 0:
        print("verwijs %s: exit %d: %s" % (" ".join(args), out.returncode, out.stderr))
        return None
    return json.loads(out.stdout) if out.stdout.strip() else {}
def http(path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (hp, path), timeout=10) as r:
        return json.loads(r.read())

ok = cli("network", "N%dt" % i, "--json"); y = cli("network", "N%dy" % i, "--json")
check("network: as_of is the Dutch day", ok and ok.get("as_of") == want and y.get("as_of") == want)
check("network certified until today counts", ok and ok["certification_valid"] is True)
check("network certified until yesterday does not", y and y["certification_valid"] is False)

p = cli("provider", "P%d" % i, "--json")
check("provider: as_of is the Dutch day", p and p.get("as_of") == want)
exp = set(p["expertise"]) if p else set()
check("registration from today counts (%s)" % sorted(exp), "lymfoedeem" in exp)
check("registration until yesterday does not", "oncologie" not in exp)
check("registration from tomorrow does not", "voeding" not in exp)
valid = {g["expertise"]: g["valid"] for g in p["registrations"]} if p else {}
check("registrations' valid flags", valid == {"lymfoedeem": True, "oncologie": False, "voeding": False})

m = cli("match", "--near", "52.09,5.12", "--expertise", "lymfoedeem", "--limit", "100", "--json")
got = sorted(h["id"] for h in m["providers"]) if m else None
brute = sorted("P%d" % j for j, c in enumerate(CASES) if str(nl_day(c)) <= want)
check("match: as_of", m and m.get("as_of") == want)
check("match: providers holding lymfoedeem today = brute force (%s vs %s)" % (got, brute), got == brute)

rf = cli("refer", "--near", "52.09,5.12", "--problem", "lymfoedeem", "--json")
check("refer: as_of", rf and rf.get("as_of") == want)
nn = cli("networks", "near", "--near", "52.09,5.12", "--json")
check("networks near: as_of", nn and nn.get("as_of") == want)
au = cli("networks", "audit", "--format", "json")
check("networks audit: as_of", au and au.get("as_of") == want)

h = http("/v1/networks/N%dy" % i)
check("HTTP network: as_of and not valid", h.get("as_of") == want and h["certification_valid"] is False)
b = http("/fhir/Organization?type=network")
asof = [e["valueDate"] for e in b.get("meta", {}).get("extension", []) if e["url"].endswith("/as-of")]
check("FHIR search bundle states as-of %s" % asof, asof == [want])
def cert_valid(res):
    for e in res.get("extension", []):
        for s in e.get("extension", []):
            if s["url"].endswith("network-certification-valid"):
                return s["valueBoolean"]
fy, ft = http("/fhir/Organization/net-N%dy" % i), http("/fhir/Organization/net-N%dt" % i)
check("FHIR: certification until yesterday not valid, until today valid",
      cert_valid(fy) is False and cert_valid(ft) is True)

# the CLI's local command under the same pinned clock
env = dict(os.environ, VW_TEST_NOW=now)
out = T + "/fhir%d.json" % i
r = subprocess.run([V, "--test-clock", "export", "fhir", "--db", db, "--out", out],
                   capture_output=True, text=True, env=env)
bundle = json.load(open(out)) if r.returncode == 0 else {}
check("local export: bundle of the Dutch day (%s)" % bundle.get("id"),
      bundle.get("id") == "verwijs-directory-" + want)
cov = subprocess.run([V, "--test-clock", "coverage", "--db", db, "--discipline", "fysiotherapeut",
                      "--within", "10", "--region", "midden", "--format", "csv"],
                     capture_output=True, text=True, env=env)
check("local coverage runs under the test clock (%s)" % cov.stderr.strip()[:200], cov.returncode == 0)
sys.exit(t.done())
PY
}

for i in 0 1 2 3 4 5; do
  now=$(PYTHONPATH="$T" python3 -c "from cases import CASES; print(CASES[$i])")
  VW_TEST_NOW="$now" start_http --test-clock
  check "case $i: the log warns about the test clock" grep -q "TEST CLOCK" "$T/verwijsd.log"
  check_case "$i"
  check "case $i: answers use the Dutch day" test $? = 0
  cv=$(PYTHONPATH="$T" python3 -c "from cases import CASES, nl_day; print(nl_day(CASES[$i]))")
  out=$("$V" coverage --discipline fysiotherapeut --within 10 --region midden --format json 2>/dev/null)
  check "case $i: coverage states as_of $cv" grep -q "\"as_of\": *\"$cv\"" <<<"$out"
  check "case $i: the network table says on which day it is not valid" \
    grep -q "(not valid on $cv)" <<<"$("$V" network "N${i}y")"
  check "case $i: SIGTERM exit 0" stop_daemon
  cat "$T/verwijsd.log" >> "$T/all.log"; : > "$T/verwijsd.log"
done
check "HTTP requests are logged at debug" grep -qE " debug http[0-9]+ op=network" "$T/all.log"

# VW_TEST_NOW without --test-clock: ignored, today is the real Dutch day
VW_TEST_NOW=2026-01-15T23:30:00Z start_daemon "$DB"
before=$(python3 -c "import datetime as d, zoneinfo as z; print(d.datetime.now(z.ZoneInfo('Europe/Amsterdam')).date())")
got=$("$V" network N0t --json | python3 -c "import json,sys; print(json.load(sys.stdin)['as_of'])")
after=$(python3 -c "import datetime as d, zoneinfo as z; print(d.datetime.now(z.ZoneInfo('Europe/Amsterdam')).date())")
check "not enabled: VW_TEST_NOW is ignored ($got)" test "$got" = "$before" -o "$got" = "$after"
check "not enabled: the log says so" grep -q "VW_TEST_NOW is set but ignored" "$T/verwijsd.log"
check "at debug a request is logged with its op" grep -qE " debug w[0-9]+ op=network" "$T/verwijsd.log"
check "not enabled: SIGTERM exit 0" stop_daemon
cat "$T/verwijsd.log" >> "$T/all.log"; : > "$T/verwijsd.log"

# tz = UTC: at 23:30 UTC it is still the UTC date
printf 'tz = UTC\n' > "$T/utc.conf"
VW_TEST_NOW=2026-01-15T23:30:00Z start_daemon "$DB" --config "$T/utc.conf" --test-clock --log-level info
got=$("$V" network N0y --json | python3 -c "import json,sys; j=json.load(sys.stdin); print(j['as_of'], j['certification_valid'])")
check "tz = UTC: as_of is the UTC date ($got)" test "$got" = "2026-01-15 True"
check "at info no request is logged" bash -c "! grep -q 'op=' '$T/verwijsd.log'"
check "tz = UTC: SIGTERM exit 0" stop_daemon

# an unknown zone: no start, a clear message
printf 'tz = Europe/Atlantis\n' > "$T/bad.conf"
"$D" --db "$DB" --listen 127.0.0.1:0 --config "$T/bad.conf" > "$T/bad.out" 2>&1
check "unknown tz: verwijsd exits 2" test $? = 2
check "unknown tz: it says why" grep -q "Europe/Atlantis: no such time zone file (install the tzdata" "$T/bad.out"
printf 'tz = ../../etc/passwd\n' > "$T/bad.conf"
"$D" --db "$DB" --config "$T/bad.conf" > "$T/bad.out" 2>&1
check "a path as tz: refused at the config line" grep -q "bad.conf:1: tz must be a time zone name" "$T/bad.out"
VERWIJS_TZ=Nowhere/Land "$V" export fhir --db "$DB" --out "$T/x.json" 2> "$T/bad.out"
check "CLI: an unknown VERWIJS_TZ fails a local command" test $? = 1
check "CLI: ... saying why" grep -q "Nowhere/Land: no such time zone file" "$T/bad.out"
VERWIJS_TZ=UTC VW_TEST_NOW=2026-01-15T23:30:00Z "$V" --test-clock export fhir --db "$DB" --out "$T/x.json"
check "CLI: VERWIJS_TZ=UTC gives the UTC day" grep -q '"id":"verwijs-directory-2026-01-15"' "$T/x.json"
"$V" --test-clock export fhir --db "$DB" --out "$T/x.json" 2> "$T/bad.out"
check "CLI: --test-clock without VW_TEST_NOW is refused" grep -q "the test clock needs VW_TEST_NOW" "$T/bad.out"
cat "$T/all.log" >> "$T/verwijsd.log"
finish
