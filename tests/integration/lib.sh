# lib.sh -- shared by the integration tests: a scratch dir, check helpers with
# a "N passed, N failed" summary, and starting/stopping a real verwijsd on a
# loopback port chosen by the kernel. Sourced, not run.
set -u
: "${VW_BIN:?VW_BIN must point at the build directory}"
: "${VW_TEST_TMP:=/tmp}"
V="$VW_BIN/verwijs"
D="$VW_BIN/verwijsd"
mkdir -p "$VW_TEST_TMP"
T=$(mktemp -d "$VW_TEST_TMP/$(basename "$0" .sh).XXXXXX")
PASS=0
FAIL=0
DPID=""
# The sqlite3 shell has no busy timeout: a test's write that meets the
# daemon's read (a publish, a reload) failed at once with "database is
# locked" on a loaded machine. Wait as a real editing tool would.
sqlite3() { command sqlite3 -cmd ".timeout 10000" "$@"; }

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }
check() { local what="$1"; shift; if "$@"; then ok; else bad "$what"; fi; }
# expect_exit CODE WHAT CMD...: run CMD, compare its exit code
expect_exit() {
  local want="$1" what="$2"; shift 2
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, expected $want"; cat "$T/err" >&2; fi
}

need_geodata() {
  if [ -z "${VW_GEODATA:-}" ] || [ ! -f "$VW_GEODATA/pc4_centroids.csv" ]; then
    echo "geodata not found (VW_GEODATA=${VW_GEODATA:-unset}); see README" >&2
    exit 1
  fi
}

# gen_db PROVIDERS SEED: a generated demo directory (CSV files in $T) imported
# whole into DB=$T/verwijs.db (pc4, networks, providers, registrations).
gen_db() {
  need_geodata
  expect_exit 0 "gen" "$V" gen --geodata "$VW_GEODATA" --out "$T" --providers "$1" --seed "$2"
  DB="$T/verwijs.db"
  expect_exit 0 "import pc4" "$V" import pc4 "$VW_GEODATA/pc4_centroids.csv" --db "$DB" --skip-invalid
  local kind
  for kind in networks providers registrations; do
    expect_exit 0 "import $kind" "$V" import "$kind" "$T/$kind.csv" --db "$DB"
  done
}

# start_daemon DB [extra args...]: sets PORT, SOCK, DPID
start_daemon() {
  local db="$1"; shift
  SOCK="$T/verwijsd.sock"
  rm -f "$T/port"
  "$D" --db "$db" --listen 127.0.0.1:0 --socket "$SOCK" --port-file "$T/port" \
       --log-level debug "$@" >>"$T/verwijsd.log" 2>&1 &
  DPID=$!
  export DPID
  for _ in $(seq 200); do
    [ -s "$T/port" ] && break
    kill -0 "$DPID" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -s "$T/port" ]; then echo "verwijsd did not start:" >&2; cat "$T/verwijsd.log" >&2; exit 1; fi
  PORT=$(cat "$T/port")
  export VERWIJS_SERVER="127.0.0.1:$PORT"
}

stop_daemon() {
  [ -n "$DPID" ] || return 0
  kill -TERM "$DPID" 2>/dev/null
  wait "$DPID"; local rc=$?
  DPID=""
  return $rc
}

cleanup() {
  [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
  if [ "$FAIL" = 0 ]; then rm -rf "$T"; else echo "kept $T for inspection" >&2; fi
}
trap cleanup EXIT

# privacy_check FILE: no full PC6 (1234AB / 1234 AB) and no coordinate with
# more than 2 decimals (a number 50.xxx..53.xxx or 3.xxx..7.xxx) in a log.
privacy_check() {
  local f="$1" text pc6 coord
  [ -f "$f" ] || return 0
  # Paths of the test's scratch files (mktemp names like test_x.6771nC) are
  # not patient data: leave them out; ISO timestamps (16:28:52.423Z) too.
  text=$(sed -E -e "s|${VW_TEST_TMP:-/nonexistent}[^ ]*||g" -e "s|$T[^ ]*||g" \
               -e 's/[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+Z?//g' "$f") ||
    { bad "privacy: cannot read $f"; return; }
  # four digits, an optional space, two letters; not "2000 of", "130 ms", ...
  pc6=$(grep -oE '\b[1-9][0-9]{3} ?[A-Za-z]{2}\b' <<<"$text" |
        grep -viE '^[0-9]{4} ?(ms|mb|kb|gb|of|in|at|on|to|is|or|by|ok)$' | head -3)
  coord=$(grep -oE '(^|[^0-9.])(5[0-3]|[3-7])\.[0-9]{3,}' <<<"$text" | head -3)
  if [ -n "$pc6" ]; then bad "privacy: PC6 in $f: $pc6"
  elif [ -n "$coord" ]; then bad "privacy: precise coordinate in $f: $coord"
  else ok; fi
}

# finish: every test's daemon log must pass the privacy check; then the summary.
finish() {
  privacy_check "$T/verwijsd.log"
  echo "$(basename "$0"): $PASS passed, $FAIL failed"
  [ "$FAIL" = 0 ]
}

# write_creds FILE "NAME ROLE [REGION] SECRET"...: an admin credentials file
# (mode 0600), each secret replaced by its hash from verwijsd --hash-secret.
write_creds() {
  local f=$1 line; shift
  : > "$f"
  chmod 0600 "$f"
  for line in "$@"; do
    printf '%s %s\n' "${line% *}" "$(printf '%s\n' "${line##* }" | "$D" --hash-secret)" >> "$f"
  done
}
