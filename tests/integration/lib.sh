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

finish() {
  echo "$(basename "$0"): $PASS passed, $FAIL failed"
  [ "$FAIL" = 0 ]
}
