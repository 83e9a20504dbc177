#!/usr/bin/env bash
# test_soak.sh -- soak test against a real verwijsd: 1,000 well-behaved
# connections kept busy for SOAK_SECONDS (default 60) with a mix of match,
# refer, provider.get, network.near and stats, beside misbehaving clients
# (stalled partial frames, oversize frames, garbage bytes, clients that never
# read, bare 4-byte headers, heavy coverage pipelines that half-close). Asserts (itest_soak.c): zero failed well-formed requests, every
# misbehaving sort cut off, and verwijsd's VmRSS flat within 10 % from the
# 10th second on. Prints the figures (bench/RESULTS.md records a run).
#
# Environment: SOAK_SECONDS (60), SOAK_CONNS (1000), SOAK_BAD (40),
# SOAK_PROVIDERS (10000). Under AddressSanitizer (VW_SANITIZED=1) resident
# memory says nothing about leaks (quarantine, shadow memory) and everything is
# several times slower: the run is shorter by default and RSS and cut-offs are
# reported, not asserted (zero failed requests still is); ASan checks leaks itself.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
SAN="${VW_SANITIZED:-0}"
SECONDS_RUN="${SOAK_SECONDS:-$([ "$SAN" = 1 ] && echo 20 || echo 60)}"
CONNS="${SOAK_CONNS:-1000}"
BAD="${SOAK_BAD:-40}"
NPROV="${SOAK_PROVIDERS:-10000}"

# Both ends of every connection live on this machine: the driver's fds and
# the daemon's (which inherits this limit).
need_fds=$((CONNS + BAD + 256))
[ "$(ulimit -n)" -ge "$need_fds" ] || ulimit -n "$need_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt "$need_fds" ]; then
  echo "test_soak: need $need_fds file descriptors, ulimit -n allows $(ulimit -n) (hard $(ulimit -Hn))" >&2
  exit 1
fi

"$V" gen --geodata "$G" --out "$T" --providers "$NPROV" --seed 11 2>/dev/null
DB="$T/db"
"$V" import pc4 "$G/pc4_centroids.csv" --db "$DB" --skip-invalid 2>/dev/null
"$V" import networks "$T/networks.csv" --db "$DB" 2>/dev/null
"$V" import providers "$T/providers.csv" --db "$DB" 2>/dev/null
"$V" import registrations "$T/registrations.csv" --db "$DB" 2>/dev/null
sqlite3 "$DB" "SELECT id FROM providers" > "$T/ids"
check "provider ids for provider.get" test "$(wc -l < "$T/ids")" -ge 1000

# Limits that make the misbehaving clients visible within seconds; the
# connection cap stays above the load (default max_connections = 10000).
cat > "$T/soak.conf" <<CONF
read_timeout = 2
write_timeout = 5
idle_timeout = 300
output_high_water = 65536
max_output = 1048576
max_connections = 10000
CONF
start_daemon "$DB" --config "$T/soak.conf" --log-level info
check "max_connections allows the load" test "$CONNS" -lt 10000

RSS_OPT=()
[ "$SAN" = 1 ] && RSS_OPT=(--sanitized)
echo "soak: $CONNS connections + $BAD misbehaving for $SECONDS_RUN s (ulimit -n $(ulimit -n))"
"$VW_BIN/itest_soak" --server "127.0.0.1:$PORT" --pid "$DPID" --ids "$T/ids" \
  --conns "$CONNS" --bad "$BAD" --seconds "$SECONDS_RUN" --warmup 10 "${RSS_OPT[@]}" \
  > "$T/soak.out" 2>&1
rc=$?
cat "$T/soak.out"
check "soak: zero failed well-formed requests, misbehaving clients cut off, RSS flat" test "$rc" = 0
check "the daemon is still running" kill -0 "$DPID"
expect_exit 0 "stats after the soak" "$V" stats --json
check "stats saw the load" python3 -c "
import json; s=json.load(open('$T/out'))
assert s['requests']['total'] > $CONNS, s['requests']"
# The soak's clients have hung up; the daemon notices each close as an event,
# so give it a moment on a busy machine before counting.
conns_closed() {
  for _ in $(seq 100); do
    "$V" stats --json >"$T/st" 2>/dev/null &&
      python3 -c "import json,sys; sys.exit(json.load(open('$T/st'))['connections']['current'] >= 50)" &&
      return 0
    sleep 0.1
  done
  return 1
}
check "the soak's connections are closed in the daemon too" conns_closed
check "SIGTERM: verwijsd exits 0" stop_daemon
finish
