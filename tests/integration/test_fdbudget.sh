#!/usr/bin/env bash
# test_fdbudget.sh -- the descriptor budget of a default install: verwijsd
# with the connection caps of the shipped deploy/verwijsd.conf (and the HTTP
# gateway on, as in the container)
#  - under a low open-file limit (ulimit -n 1024, set in a wrapper so only
#    the daemon has it) says exactly once which caps it lowered, to what, and
#    how to raise the limit (LimitNOFILE, ulimit -n, docker --ulimit);
#  - the descriptors it says it needs fit the LimitNOFILE= of the shipped
#    systemd unit (deploy/verwijsd.service) and the --ulimit the Dockerfile
#    documents;
#  - under a limit below even its fixed needs it does not start (exit 1)
#    and says so;
#  - under the unit's limit it starts without that warning (when this
#    machine's hard limit allows setting it; else that part is skipped with
#    a note, and a limit that fits smaller caps is used instead).
. "$(dirname "$0")/lib.sh"
gen_db 50 5
SRC="${VW_SRC:-$(dirname "$0")/../..}"
unit_limit=$(sed -n 's/^LimitNOFILE=\([0-9]*\)$/\1/p' "$SRC/deploy/verwijsd.service")
docker_limit=$(grep -o 'ulimit nofile=[0-9]*' "$SRC/deploy/Dockerfile" | head -1 | grep -o '[0-9]*$')
check "the unit sets LimitNOFILE ($unit_limit)" test -n "$unit_limit"
check "the Dockerfile documents --ulimit nofile ($docker_limit)" test -n "$docker_limit"

# the shipped caps (commented-out keys are the defaults, which are the same)
grep -E '^(workers|http_workers|max_connections|http_max_connections) *=' \
  "$SRC/deploy/verwijsd.conf" > "$T/shipped.conf"
check "the shipped config sets the connection caps" grep -q '^max_connections' "$T/shipped.conf"

wrapper() { # wrapper LIMIT: runs verwijsd under ulimit -n LIMIT
  cat > "$T/fd$1.sh" <<SH
#!/usr/bin/env bash
ulimit -n $1 || exit 1
exec "$VW_BIN/verwijsd" "\$@"
SH
  chmod +x "$T/fd$1.sh"
}
start_with() { # start_with LIMIT CONF
  wrapper "$1"
  rm -f "$T/hport"
  D="$T/fd$1.sh" start_daemon "$DB" --config "$2" --http 127.0.0.1:0 --http-port-file "$T/hport" \
    --log-level info
  for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
}

start_with 1024 "$T/shipped.conf"
n=$(grep -c "file descriptors:" "$T/verwijsd.log")
check "low limit: exactly one descriptor warning ($n)" test "$n" = 1
line=$(grep "file descriptors:" "$T/verwijsd.log")
check "... it names the limit and the caps" grep -q "RLIMIT_NOFILE) is 1024, but max_connections 10000 + http_max_connections 10000 + [0-9]* spare need [0-9]*" <<<"$line"
check "... which caps it lowered, to what" grep -qE "lowered max_connections 10000 -> [0-9]+, http_max_connections 10000 -> [0-9]+\." <<<"$line"
check "... how to raise the limit" grep -qE "LimitNOFILE=[0-9]+ in the systemd unit.*ulimit -n [0-9]+.*--ulimit nofile=" <<<"$line"
need=$(grep -oE "spare need [0-9]+" <<<"$line" | grep -oE "[0-9]+")
check "the lowered daemon serves" "$V" ping
check "SIGTERM: exit 0" stop_daemon
check "the unit's LimitNOFILE=$unit_limit fits the shipped caps (need $need)" test "$need" -le "$unit_limit"
check "the Dockerfile's --ulimit nofile=$docker_limit fits them" test "$need" -le "$docker_limit"
# workers = 256 (the most) still fits: the spare grows with the workers
printf 'workers = 256\n' | cat "$T/shipped.conf" - > "$T/w256.conf"
start_with 4096 "$T/w256.conf"
need256=$(grep -oE "spare need [0-9]+" "$T/verwijsd.log" | tail -1 | grep -oE "[0-9]+")
check "... also with 256 workers (need $need256)" test "${need256:-999999}" -le "$unit_limit"
check "SIGTERM: exit 0" stop_daemon
: > "$T/verwijsd.log"

# not even the margin fits: no start (exit 1), one clear error
wrapper 40
"$T/fd40.sh" --db "$DB" --listen 127.0.0.1:0 --config "$T/shipped.conf" --http 127.0.0.1:0 \
  > "$T/tiny.log" 2>&1
check "limit below the margin: exit 1" test $? = 1
check "... saying what it needs and how to raise it" \
  grep -qE "open-file limit \(RLIMIT_NOFILE\) is 40, below the [0-9]+ verwijsd needs before any connection.*LimitNOFILE=, ulimit -n" "$T/tiny.log"

if (ulimit -n "$unit_limit") 2>/dev/null; then
  start_with "$unit_limit" "$T/shipped.conf"
  check "under LimitNOFILE=$unit_limit: no descriptor warning" bash -c "! grep -q 'file descriptors:' '$T/verwijsd.log'"
  check "SIGTERM: exit 0" stop_daemon
else
  hard=$(ulimit -Hn)
  echo "note: hard open-file limit here is $hard < $unit_limit: the shipped caps cannot be started" \
       "under the unit's limit on this machine; checking a limit that fits smaller caps instead" >&2
  printf 'max_connections = 1000\nhttp_max_connections = 1000\n' > "$T/small.conf"
  start_with "$hard" "$T/small.conf"
  check "under a limit that fits: no descriptor warning" bash -c "! grep -q 'file descriptors:' '$T/verwijsd.log'"
  check "SIGTERM: exit 0" stop_daemon
fi
finish
