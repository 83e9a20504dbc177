#!/usr/bin/env bash
# test_import_guard.sh -- no silent mass replacement (issue 19): a replacing
# import that would remove more than 10 % (configurable) of the existing rows
# is refused unless --replace-all; every import says exactly how many rows it
# removed, added and changed (checked against a count made from the files
# themselves); `verwijs db log` lists every import; the admin import through a
# real verwijsd follows the same rule (admin_import_max_removed, replace_all).
. "$(dirname "$0")/lib.sh"
gen_db 3000 17

count() { sqlite3 "$DB" "SELECT count(*) FROM $1"; }

# 1. A 2-row providers file does not replace 3,000 providers.
head -3 "$T/providers.csv" >"$T/two.csv"
expect_exit 1 "a 2-row providers file is refused" "$V" import providers "$T/two.csv" --db "$DB"
check "the refusal says what it would remove and how to force it" \
  grep -q 'would remove 2998 of the 3000 existing providers (100%, more than 10%).*--replace-all' "$T/err"
check "nothing changed: 3000 providers" test "$(count providers)" = 3000
check "nothing changed: memberships kept" test "$(count memberships)" -gt 0

# 2. A real update: 5 % removed, 12 renamed, 25 new. The counts equal a
#    comparison of the two files by id.
python3 - "$T/providers.csv" "$T/update.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
fields = list(rows[0].keys())
keep = [r for i, r in enumerate(rows) if i % 20 != 7]          # 150 removed
for r in keep[:12]:
    r["name"] = r["name"] + " (verhuisd)"                       # 12 changed
new = []
for i in range(25):                                            # 25 added
    r = dict(keep[100 + i]); r["id"] = "NEW%04d" % i; r["networks"] = ""
    new.append(r)
with open(sys.argv[2], "w", newline='') as f:
    w = csv.DictWriter(f, fieldnames=fields); w.writeheader(); w.writerows(keep + new)
PY
expect_exit 0 "an update removing 5 % is accepted" "$V" import providers "$T/update.csv" --db "$DB"
check "it reports 150 removed, 25 added, 12 changed" \
  grep -qx 'providers: 150 removed, 25 added, 12 changed, 2838 unchanged (3000 before)' "$T/err"
check "3000 - 150 + 25 providers" test "$(count providers)" = 2875

# 3. The limit is configurable, and --replace-all lifts it.
head -n 2701 "$T/update.csv" >"$T/short.csv"      # 2700 rows: 175 of 2875 removed (6 %)
expect_exit 1 "--max-removed 5 refuses a 6 % removal" "$V" import providers "$T/short.csv" --db "$DB" --max-removed 5
check "... naming the 5 %" grep -q 'more than 5%' "$T/err"
expect_exit 2 "--max-removed 150 is a usage error" "$V" import providers "$T/short.csv" --db "$DB" --max-removed 150
expect_exit 0 "--replace-all imports the 2-row file" "$V" import providers "$T/two.csv" --db "$DB" --replace-all
check "now exactly 2 providers" test "$(count providers)" = 2
check "... and it says it removed 2873" grep -q 'providers: 2873 removed, 0 added' "$T/err"

# 4. Other kinds are guarded too (networks: a 1-row file).
# (only the networks the 2 remaining providers belong to, so no provider loses one)
python3 - "$T/two.csv" "$T/networks.csv" "$T/fewnets.csv" <<'PY'
import csv, sys
keep = {n for r in csv.DictReader(open(sys.argv[1])) for n in r["networks"].split(";") if n}
rows = list(csv.DictReader(open(sys.argv[2])))
with open(sys.argv[3], "w", newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys())); w.writeheader()
    w.writerows([r for r in rows if r["id"] in keep] or rows[:1])
PY
expect_exit 1 "a networks file with a few of the networks is refused" "$V" import networks "$T/fewnets.csv" --db "$DB"
check "networks refusal" grep -q 'existing networks' "$T/err"

# 5. db log: every import, newest first, rejected ones with their reason.
expect_exit 0 "db log" "$V" db log --db "$DB" --limit 0
check "db log lists the refused import with its reason" grep -q 'rejected .*two.csv: this import would remove' "$T/out"
check "db log shows the counts of the update" grep -qE 'committed +2875 +2875 +0 +-150 \+25 ~12 of 3000 .*update.csv' "$T/out"
expect_exit 0 "db log --json" "$V" db log --db "$DB" --json --limit 3
check "db log --json: one object a line, newest first" python3 - "$T/out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 3 and rows[0]["id"] > rows[1]["id"] > rows[2]["id"], rows
assert rows[0]["kind"] == "networks" and rows[0]["status"] == "rejected", rows[0]
assert rows[1]["removed"] == 2873 and rows[1]["added"] == 0, rows[1]
PY

# 6. The admin import through the daemon: same guard, replace_all to lift it.
"$V" import providers "$T/providers.csv" --db "$DB" --replace-all 2>/dev/null
ASOCK="$T/admin.sock"
printf 'admin_socket = %s\nadmin_import_dir = %s\n' "$ASOCK" "$T" >"$T/admin.conf"
start_daemon "$DB" --config "$T/admin.conf"
expect_exit 3 "admin import of the 2-row file is refused" "$V" admin import providers "$T/two.csv" --admin-socket "$ASOCK"
check "... with the reason" grep -q 'would remove 2998 of the 3000' "$T/err"
check "the daemon still serves 3000" bash -c "'$V' stats --json | python3 -c \"import json,sys; assert json.load(sys.stdin)['snapshot']['providers'] == 3000\""
expect_exit 0 "admin import of an update" "$V" admin import providers "$T/update.csv" --admin-socket "$ASOCK" --json
check "admin answer carries removed/added/changed" python3 -c "
import json; r = json.load(open('$T/out'))
assert (r['removed'], r['added'], r['changed'], r['rows_before']) == (150, 25, 12, 3000), r"
expect_exit 0 "admin import --replace-all" "$V" admin import providers "$T/two.csv" --admin-socket "$ASOCK" --replace-all
check "the daemon now serves 2" bash -c "'$V' stats --json | python3 -c \"import json,sys; assert json.load(sys.stdin)['snapshot']['providers'] == 2\""
check "SIGTERM: exit 0" stop_daemon
finish
