#!/usr/bin/env bash
# test_diskfull.sh -- the disk fills up during an admin import: verwijsd runs
# under a file-size limit (ulimit -f, SIGXFSZ ignored, so a write past it
# fails as on a full disk: SQLite reports SQLITE_FULL or an I/O error) and is
# asked to import a providers file far larger than the limit. The answer is
# `unavailable` saying the database is full / cannot be written -- not
# `internal`, which is for bugs; the database is unchanged and the old
# snapshot keeps serving.
. "$(dirname "$0")/lib.sh"
gen_db 300 3
# A providers file of ~20 MB in the database: far past the limit below.
"$V" gen --geodata "$VW_GEODATA" --out "$T/big" --providers 60000 --seed 4 >/dev/null 2>&1
check "the big providers file exists" test -s "$T/big/providers.csv"
# The big directory's networks (a superset of the small one's ids) go in
# first, before the limit, so that the providers import is valid as such.
expect_exit 0 "import the big networks" "$V" import networks "$T/big/networks.csv" --db "$DB"
sum() { sqlite3 "$DB" "SELECT * FROM providers ORDER BY id" | sha256sum | cut -d' ' -f1; }
before=$(sum)
before_n=$(sqlite3 "$DB" "SELECT count(*) FROM providers")
cat > "$T/admin.conf" <<CONF
admin_socket = $T/admin.sock
admin_import_dir = $T
CONF

# Every file the daemon writes may grow to the database's size plus 1 MiB.
db_kib=$(( $(stat -c %s "$DB") / 1024 ))
limit=$(( db_kib + 1024 ))
trap '' XFSZ
ulimit -f "$limit" || { echo "cannot set a file-size limit" >&2; exit 77; }
start_daemon "$DB" --config "$T/admin.conf"
first=$("$V" match --near 3511 --limit 3 --json)

expect_exit 3 "admin import past the file-size limit fails" \
  "$V" admin import providers "$T/big/providers.csv" --admin-socket "$T/admin.sock"
check "... answered unavailable, not internal" grep -q "unavailable" "$T/err"
check "... saying the database is full or cannot be written" \
  grep -qE "the database is full|the database cannot be read or written" "$T/err"
check "... not internal" bash -c "! grep -q internal '$T/err'"
cp "$T/err" "$T/import.err"
check "the daemon still answers, the same as before" \
  test "$("$V" match --near 3511 --limit 3 --json)" = "$first"
check "the log says why" grep -qE "admin: import providers failed: .*(full|cannot be read or written)" \
  "$T/verwijsd.log"
check "SIGTERM: exit 0" stop_daemon
ulimit -f unlimited 2>/dev/null
check "the database is unchanged" test "$(sum)" = "$before"
check "... and still holds its $before_n providers" \
  test "$(sqlite3 "$DB" "SELECT count(*) FROM providers")" = "$before_n"
check "sqlite3 finds the database intact" test "$(sqlite3 "$DB" "PRAGMA integrity_check")" = ok
finish
