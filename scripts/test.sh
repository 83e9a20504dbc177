#!/usr/bin/env bash
# test.sh -- the whole test suite, as CI runs it, on a fresh Debian 12 machine:
#   1. install dependencies (apt), 2. build with -Werror and run ctest
#   (unit, integration with a real verwijsd on loopback, fuzz-corpus replay),
#   3. rebuild with AddressSanitizer + UndefinedBehaviorSanitizer and run ctest
#   again, 4. build the libFuzzer targets with clang and run each for a bounded
#   time (FUZZ_SECONDS, default 60).
# Options: --quick (steps 1-2 only).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
quick=0
[ "${1:-}" = "--quick" ] && quick=1
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

bash "$src/scripts/deps.sh"
. "$src/scripts/geodata.sh"
geodata=$(vw_find_geodata "$src")
jobs=$(nproc)

step() { printf '\n==== %s\n' "$*"; }

step "build (RelWithDebInfo, -Werror)"
cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVW_WERROR=ON \
      -DVW_GEODATA_DIR="$geodata" >/dev/null
cmake --build "$src/build" -j"$jobs"
step "tests"
(cd "$src/build" && ctest --output-on-failure -j2)
# The browser test's screenshots (desktop and phone widths) are CI artefacts.
if [ -d "$src/build/ui-screenshots" ]; then
  echo "web UI screenshots (artefacts):"; ls -1 "$src/build/ui-screenshots"/*.png
fi

[ "$quick" = 1 ] && exit 0

step "build with ASan + UBSan"
cmake -S "$src" -B "$src/build-asan" -DCMAKE_BUILD_TYPE=Debug -DVW_SANITIZE=ON \
      -DVW_GEODATA_DIR="$geodata" >/dev/null
cmake --build "$src/build-asan" -j"$jobs"
step "tests under ASan + UBSan"
(cd "$src/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j2)

step "fuzz targets (clang libFuzzer, ${FUZZ_SECONDS}s each)"
CC=clang cmake -S "$src" -B "$src/build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVW_FUZZ=ON \
      -DVW_SANITIZE=ON -DVW_GEODATA_DIR="$geodata" >/dev/null
targets=$(cd "$src/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
cmake --build "$src/build-fuzz" -j"$jobs" --target $targets
fails=0
for t in $targets; do
  work=$(mktemp -d)
  # New inputs go to the scratch corpus; the repository corpus is only read.
  if "$src/build-fuzz/$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$work/" "$work" "$src/tests/fuzz/corpus/$t" >"$work/log" 2>&1; then
    echo "$t: $(grep -E '^Done|#[0-9]+.*DONE' "$work/log" | tail -1)"
  else
    echo "$t: FAILED"; tail -40 "$work/log"
    # The finding itself, so it can be kept as a regression input from the log alone.
    for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
      [ -f "$a" ] && echo "$(basename "$a") (base64): $(head -c 65536 "$a" | base64 -w0)"
    done
    fails=$((fails + 1))
  fi
  rm -rf "$work"
done
echo "fuzz: $(( $(echo $targets | wc -w) - fails )) passed, $fails failed"
[ "$fails" -eq 0 ]
