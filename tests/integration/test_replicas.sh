#!/usr/bin/env bash
# test_replicas.sh -- replicas that stay current (issue 15, docs/DEPLOY.md
# "Keeping replicas current"): a writer verwijsd on the working database
# (watch_interval: patches its own snapshot; publish_dir: publishes a
# read-only snapshot file and switches current.db after changes) and 3
# replicas on current.db (watch_interval: they notice the switch and patch
# the published changes in, or reload). A stream of changes is committed on
# the writer; replica 2 is killed with SIGKILL mid-stream and restarted.
# Asserts: every replica converges to the writer's final state (the same
# change_seq on /readyz, the same answers for every changed provider and the
# same stats), no change lost, and at most publish_keep snapshot files left.
# The time each replica took after the last commit is printed, not asserted.
. "$(dirname "$0")/lib.sh"
need_geodata
gen_db 2000 21
sqlite3 "$DB" "CREATE TABLE IF NOT EXISTS change_log(seq INTEGER PRIMARY KEY, set_id INTEGER,
  at TEXT, credential TEXT, kind TEXT, op TEXT, record TEXT, version INTEGER, old TEXT, new TEXT)"
PUB="$T/pub"
mkdir -p "$PUB"
KEEP=3
printf 'watch_interval = 0.05\npublish_dir = %s\npublish_debounce = 0.5\npublish_keep = %s\n' \
  "$PUB" "$KEEP" >"$T/writer.conf"
start_daemon "$DB" --config "$T/writer.conf" --http 127.0.0.1:0 --http-port-file "$T/w.hport"
WPID=$DPID WPORT=$PORT
for _ in $(seq 200); do [ -L "$PUB/current.db" ] && break; sleep 0.05; done
check "the writer published a first snapshot" test -L "$PUB/current.db"

printf 'watch_interval = 0.1\n' >"$T/replica.conf"
RPIDS=(0 0 0 0) RPORTS=(0 0 0 0)
start_replica() {
  local i=$1
  rm -f "$T/r$i.port" "$T/r$i.hport"
  "$D" --db "$PUB/current.db" --listen 127.0.0.1:0 --port-file "$T/r$i.port" --http 127.0.0.1:0 \
       --http-port-file "$T/r$i.hport" --workers 1 --config "$T/replica.conf" >>"$T/r$i.log" 2>&1 &
  RPIDS[$i]=$!
  for _ in $(seq 200); do [ -s "$T/r$i.port" ] && [ -s "$T/r$i.hport" ] && break; sleep 0.05; done
  RPORTS[$i]=$(cat "$T/r$i.port")
}
stop_all() { for p in "${RPIDS[@]}"; do [ "$p" != 0 ] && kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap 'stop_all; cleanup' EXIT
for i in 1 2 3; do start_replica "$i"; done

# the stream: 60 commits, one provider renamed (every 4th also moved) in each
mapfile -t IDS < <(sqlite3 "$DB" "SELECT id FROM providers ORDER BY id LIMIT 60")
# the imports are in the change log already (schema 6): continue after them
base=$(sqlite3 "$DB" "SELECT coalesce(max(seq), 0) FROM change_log")
for k in $(seq 0 59); do
  id=${IDS[$k]} seq=$((base + k + 1)) move=""
  [ $((k % 4)) = 3 ] && move=", lat = lat + 0.02"
  sqlite3 "$DB" "BEGIN; UPDATE providers SET name = 'Stream $seq'$move WHERE id = '$id';
    INSERT INTO change_log VALUES ($seq, $seq, strftime('%Y-%m-%dT%H:%M:%SZ','now'), 'test',
      'provider', 'update', '$id', 1, NULL, NULL); COMMIT;" || bad "commit $seq"
  if [ "$k" = 20 ]; then kill -9 "${RPIDS[2]}"; wait "${RPIDS[2]}" 2>/dev/null; RPIDS[2]=0; fi
  if [ "$k" = 40 ]; then start_replica 2; fi
  sleep 0.1
done
LAST=$((base + 60))
t_end=$(date +%s.%N)

readyz_seq() { curl -s "http://127.0.0.1:$(cat "$1")/readyz" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["change_seq"])' 2>/dev/null; }
# state PORT: the answers that must agree with the writer's
state() {
  local id
  for id in "${IDS[@]}"; do "$V" --server "127.0.0.1:$1" provider "$id" --json; done
  "$V" --server "127.0.0.1:$1" match --near 3511 --discipline fysiotherapeut --limit 50 --json
  "$V" --server "127.0.0.1:$1" stats --json | python3 -c 'import json,sys; s=json.load(sys.stdin)["snapshot"]; print(s["providers"], s["networks"], s["disciplines"], s["change_seq"])'
}
for _ in $(seq 400); do [ "$(readyz_seq "$T/w.hport")" = "$LAST" ] && break; sleep 0.05; done
check "the writer holds every change" test "$(readyz_seq "$T/w.hport")" = "$LAST"
state "$WPORT" >"$T/writer.txt"
check "the writer serves the last change" grep -q "Stream $LAST" "$T/writer.txt"
# all three polled together: when did each reach the writer's last change?
declare -A AT=()
for _ in $(seq 600); do # 60 s: a bound for a broken build, not a timing assertion
  for i in 1 2 3; do
    if [ -z "${AT[$i]:-}" ] && [ "$(readyz_seq "$T/r$i.hport")" = "$LAST" ]; then
      AT[$i]=$(python3 -c "import time; print('%.1f' % (time.time() - $t_end))")
    fi
  done
  [ "${#AT[@]}" = 3 ] && break
  sleep 0.1
done
for i in 1 2 3; do
  got=$(readyz_seq "$T/r$i.hport")
  echo "replica $i: change_seq $got, reached ${AT[$i]:-never} s after the last commit"
  check "replica $i reached change_seq $LAST (at $got)" test "$got" = "$LAST"
  state "${RPORTS[$i]}" >"$T/r$i.txt"
  if cmp -s "$T/writer.txt" "$T/r$i.txt"; then ok; else
    bad "replica $i answers differ from the writer's"; diff "$T/writer.txt" "$T/r$i.txt" | head -10 >&2
  fi
done
check "replica 2 (killed, restarted) serves the last change" grep -q "Stream $LAST" "$T/r2.txt"
check "replicas patched published changes in" grep -q "patched snapshot" "$T/r1.log"
# wait for the final publish to settle, then count the files kept
sleep 1
n=$(find "$PUB" -maxdepth 1 -name 'snapshot-*.db' | wc -l)
check "at most $KEEP published snapshots kept (found $n)" test "$n" -le "$KEEP"
check "current.db names a kept file" test -f "$PUB/$(readlink "$PUB/current.db")"
check "published files are read-only (0444)" test "$(stat -c %a "$PUB/$(readlink "$PUB/current.db")")" = 444
DPID=$WPID
stop_daemon
for i in 1 2 3; do cat "$T/r$i.log" >>"$T/verwijsd.log"; done
finish
