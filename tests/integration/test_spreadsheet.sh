#!/usr/bin/env bash
# test_spreadsheet.sh -- CSV files as Dutch spreadsheet programs save them
# (issue 19): a ';'-separated file and a Windows-1252 ("Latin-1") file each
# get one message that says what the file is and how to save it; with
# --delimiter ';' / --encoding latin1 they import as they are, the text
# converted exactly (checked character by character against Python's
# cp1252 codec) and the conversion reported. The admin import takes the same
# options through a real verwijsd.
. "$(dirname "$0")/lib.sh"
gen_db 400 23

# The same 400 providers three ways, with names only Windows-1252 can hold.
python3 - "$T/providers.csv" "$T" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
names = ["Fysiotherapie Zoë", "Diëtistenpraktijk Müller", "Café Méér – Oost",
         "Psychologenpraktijk Ærø", "Praktijk “De Brug” € 0", "Oefentherapie Š. Žižek"]
for i, n in enumerate(names):
    rows[i]["name"] = n
    rows[i]["city"] = "’s-Hertogenbosch"
fields = list(rows[0].keys())
# The generator's names may hold characters Windows-1252 has not (a Vietnamese
# surname): those become '?' in every copy, so the copies hold the same text.
for r in rows:
    for k, v in r.items():
        r[k] = v.encode("cp1252", errors="replace").decode("cp1252")
def write(path, enc, delim):
    with open(path, "w", newline='', encoding=enc) as f:
        w = csv.DictWriter(f, fieldnames=fields, delimiter=delim, lineterminator="\r\n")
        w.writeheader(); w.writerows(rows)
write(sys.argv[2] + "/semi.csv", "utf-8", ";")
write(sys.argv[2] + "/latin.csv", "cp1252", ",")
write(sys.argv[2] + "/both.csv", "cp1252", ";")
write(sys.argv[2] + "/expected.csv", "utf-8", ",")
PY
count() { sqlite3 "$DB" "SELECT count(*) FROM providers"; }
before=$(count)

expect_exit 1 "a ';'-separated file is refused" "$V" import providers "$T/semi.csv" --db "$DB"
check "... saying what it is and how to save it" \
  grep -q "semi.csv:1: .*separated by ';'.*Dutch regional settings.*CSV UTF-8 (comma delimited).*--delimiter ';'" "$T/err"
expect_exit 1 "a Windows-1252 file is refused" "$V" import providers "$T/latin.csv" --db "$DB"
check "... saying what it is and how to save it" \
  grep -q "latin.csv:2: .*not UTF-8 but looks like Windows-1252 / Latin-1 (\".*Zoë.*\").*--encoding latin1" "$T/err"
check "nothing changed" test "$(count)" = "$before"

expect_exit 0 "--delimiter ';' imports it" "$V" import providers "$T/semi.csv" --db "$DB" --delimiter ';'
expect_exit 0 "--encoding latin1 imports it" "$V" import providers "$T/latin.csv" --db "$DB" --encoding latin1
check "the conversion is reported" grep -qE '^converted [0-9]+ characters from Windows-1252' "$T/err"
expect_exit 0 "both at once" "$V" import providers "$T/both.csv" --db "$DB" --encoding latin1 --delimiter ';'
check "exactly converted: every name and city equals the UTF-8 original" python3 - "$DB" "$T/expected.csv" <<'PY'
import csv, sqlite3, sys
want = {r["id"]: (r["name"], r["city"]) for r in csv.DictReader(open(sys.argv[2], encoding='utf-8'))}
got = {i: (n, c or "") for i, n, c in sqlite3.connect(sys.argv[1]).execute("SELECT id, name, city FROM providers")}
assert got == want, [(k, got.get(k), want[k]) for k in want if got.get(k) != want[k]][:5]
PY
check "the converted count equals the non-ASCII characters of the file" bash -c "
  n=\$(python3 -c \"import sys; print(sum(b >= 0x80 for b in open('$T/both.csv','rb').read()))\")
  grep -qx \"converted \$n characters from Windows-1252 (Latin-1) to UTF-8\" '$T/err'"
expect_exit 2 "--encoding koi8 is a usage error" "$V" import providers "$T/latin.csv" --db "$DB" --encoding koi8
expect_exit 2 "--delimiter '|' is a usage error" "$V" import providers "$T/latin.csv" --db "$DB" --delimiter '|'
# A UTF-8 file with one stray byte is a file with one bad row, not "Latin-1".
cp "$T/expected.csv" "$T/onebad.csv"; printf 'P9999,Bad \xe9 name,dietist,,52.1,5.1,,,,,,1,0\r\n' >>"$T/onebad.csv"
expect_exit 1 "a stray byte in a UTF-8 file" "$V" import providers "$T/onebad.csv" --db "$DB"
check "... is a row error, not the Latin-1 message" bash -c "grep -q 'invalid UTF-8' '$T/err' && ! grep -q 'Windows-1252' '$T/err'"

# The admin import through the daemon.
ASOCK="$T/admin.sock"
printf 'admin_socket = %s\nadmin_import_dir = %s\n' "$ASOCK" "$T" >"$T/admin.conf"
start_daemon "$DB" --config "$T/admin.conf"
expect_exit 3 "admin import of the Windows-1252 file" "$V" admin import providers "$T/latin.csv" --admin-socket "$ASOCK"
check "... names the encoding" grep -q 'Windows-1252' "$T/err"
expect_exit 0 "admin import --encoding latin1 --delimiter ';'" "$V" admin import providers "$T/both.csv" --admin-socket "$ASOCK" --encoding latin1 --delimiter ';'
id0=$(python3 -c "import csv; print(next(csv.DictReader(open('$T/expected.csv')))['id'])")
check "the daemon serves the converted name" bash -c "'$V' provider '$id0' --json | python3 -c \"import json,sys; assert json.load(sys.stdin)['name'] == 'Fysiotherapie Zoë'\""
expect_exit 3 "admin --encoding koi8 is bad_request" "$V" admin import providers "$T/latin.csv" --admin-socket "$ASOCK" --encoding koi8
check "... listing the encodings" grep -q 'latin1' "$T/err"
check "SIGTERM: exit 0" stop_daemon
finish
