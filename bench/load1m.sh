#!/usr/bin/env bash
# load1m.sh -- the daemon's snapshot load at a million providers (issue 18):
# load time (the daemon log's "in N ms"), CPU time of the start (user + sys
# of the process when its port file appears: the load is nearly all of it),
# RSS once loaded (VmRSS, with its anonymous and file-backed parts), and the
# memory breakdown of bench/loadmem (what the snapshot holds, malloc's view).
#
#   bash bench/load1m.sh WORKDIR [REPEATS] [PROVIDERS]
#   VERWIJSD=/other/verwijsd bash bench/load1m.sh ...   (another build's daemon,
#                                   e.g. main's, on the same database; no loadmem)
#
# Then the same starts with --snapshot-image (server/store/image.h): one that
# finds no image (loads the database, writes the image: its size and write
# time), then REPEATS that start from the image.
#
# WORKDIR/N/db is built once (bench/lib.sh: verwijs gen --seed 42 + imports)
# and reused by later runs. Needs a Release build (made in build-bench).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
geodata="${VW_GEODATA_DIR:-$src/../shared/geodata-nl}"
W="${1:?usage: load1m.sh WORKDIR [REPEATS] [PROVIDERS]}"
reps="${2:-3}"
n="${3:-1000000}"
. "$src/bench/lib.sh"
bench_build "$src" "$geodata"
cmake --build "$B" -j"$(nproc)" --target loadmem >/dev/null
d="$W/$n"
mkdir -p "$d"
if [ ! -s "$d/db" ] || [ ! -e "$d/.complete" ]; then
  rm -f "$d/db" "$d/db-wal" "$d/db-shm"
  bench_dataset "$geodata" "$d" "$n"
  touch "$d/.complete"
fi

DPID=
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; true; }
trap cleanup EXIT
tck=$(getconf CLK_TCK)
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

echo "# $(date -u +%FT%TZ)  nproc $(nproc)  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)  providers $n  db $(du -m "$d/db" | cut -f1) MB"
daemon="${VERWIJSD:-$B/verwijsd}"
echo "# daemon $daemon"
echo "| run | load ms | CPU user+sys ms (user, sys) | RSS MB | anon MB | file MB | load1 |"
echo "|---|---|---|---|---|---|---|"
# start_run LABEL [ARGS...]: one daemon start, one table row
start_run() {
  local label="$1"; shift
  rm -f "$d/port"
  "$daemon" --db "$d/db" --listen 127.0.0.1:0 --port-file "$d/port" "$@" > "$d/log" 2>&1 &
  DPID=$!
  for _ in $(seq 1200); do [ -s "$d/port" ] && break; sleep 0.025; done
  [ -s "$d/port" ] || { echo "verwijsd did not start:"; cat "$d/log"; exit 1; }
  # user + sys of the whole process (all threads) so far, in ms
  cpu=$(awk -v t="$tck" '{printf "%.0f (%.0f, %.0f)", ($14 + $15) * 1000 / t, $14 * 1000 / t, $15 * 1000 / t}' "/proc/$DPID/stat")
  sleep 0.2 # the listeners settle; nothing else runs
  rss=$(kb "$DPID" VmRSS); anon=$(kb "$DPID" RssAnon); file=$(kb "$DPID" RssFile)
  ms=$(grep -o 'in [0-9]* ms' "$d/log" | head -1 | grep -o '[0-9]*')
  printf '| %s | %s | %s | %.0f | %.0f | %.0f | %s |\n' "$label" "$ms" "$cpu" \
    "$(echo "$rss / 1024" | bc -l)" "$(echo "$anon / 1024" | bc -l)" \
    "$(echo "$file / 1024" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
  # a start that writes the image: wait for it (the log says so)
  for _ in $(seq 600); do
    grep -q "snapshot image: used\|snapshot image: off\|wrote the snapshot image\|image was not written" "$d/log" && break
    sleep 0.1
  done
  kill "$DPID"; wait "$DPID" 2>/dev/null || true
  DPID=
}
for r in $(seq "$reps"); do
  start_run "$r"
done
echo
echo "With --snapshot-image (the first start writes it, the others read it):"
echo "| run | load ms | CPU user+sys ms (user, sys) | RSS MB | anon MB | file MB | load1 |"
echo "|---|---|---|---|---|---|---|"
img="$d/snapshot.image"
rm -f "$img"
start_run "writes" --snapshot-image "$img"
wrote=$(grep -o 'wrote the snapshot image.*' "$d/log" || grep -o 'image was not written.*' "$d/log")
for r in $(seq "$reps"); do
  start_run "image $r" --snapshot-image "$img"
  grep -q "snapshot image: used" "$d/log" || { echo "the image was not used:"; cat "$d/log"; exit 1; }
done
echo "# $wrote; image $(du -m "$img" | cut -f1) MB"
[ -n "${VERWIJSD:-}" ] && exit 0
echo
echo "bench/loadmem (the same load in-process, then what it holds):"
"$B/loadmem" "$d/db"
