#!/usr/bin/env bash
# test_progress.sh -- long CLI runs (gen, import, coverage --db, export fhir)
# draw a progress line (count, rate, percentage, ETA) when stderr is a
# terminal, and write none when it is not. The terminal is a pty from
# script(1); VW_PROGRESS_INTERVAL_MS=0 redraws on every update so the check
# does not depend on how fast the machine is.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
DB="$T/p.db"
export VW_PROGRESS_INTERVAL_MS=0

if ! command -v script >/dev/null; then
  echo "script(1) not installed (util-linux): cannot make a terminal" >&2
  exit 1
fi

# on_tty NAME CMD: runs CMD with stdout and stderr on a pty, output in $T/NAME.tty
on_tty() {
  local name="$1"; shift
  script -qec "$*" /dev/null </dev/null | tr '\r' '\n' > "$T/$name.tty"
}
# quiet NAME CMD: runs CMD with stderr to a file
quiet() {
  local name="$1"; shift
  "$@" >/dev/null 2>"$T/$name.err"
}
progress_shown() { grep -aqE "^.*$2: [0-9]+( of [0-9]+)? $3, [0-9]+/s" "$T/$1.tty"; }
no_progress() { ! grep -aqE "[0-9]+/s|ETA|$(printf '\r')" "$T/$1.err"; }

on_tty gen "'$V' gen --geodata '$G' --out '$T/tty' --providers 3000 --seed 5"
check "gen: placing progress on a terminal" progress_shown gen "gen: placing" providers
check "gen: writing progress on a terminal" progress_shown gen "gen: writing" providers
check "gen: percentage and ETA" grep -aqE "[0-9]+%, ETA [0-9]+ s" "$T/gen.tty"
quiet gen "$V" gen --geodata "$G" --out "$T" --providers 3000 --seed 5
check "gen: no progress when not on a terminal" no_progress gen
check "gen: the same files either way" cmp -s "$T/providers.csv" "$T/tty/providers.csv"

quiet pc4 "$V" import pc4 "$G/pc4_centroids.csv" --db "$DB" --skip-invalid
check "import pc4: no progress when not on a terminal" no_progress pc4
quiet networks "$V" import networks "$T/networks.csv" --db "$DB"
on_tty providers "'$V' import providers '$T/providers.csv' --db '$DB'"
check "import: progress on a terminal" progress_shown providers "import providers" rows
check "import: ETA from the bytes read" grep -aqE "rows, [0-9]+/s, [0-9]+%, ETA" "$T/providers.tty"
check "import: the summary after the progress line" grep -aq "imported 3000 of 3000 providers rows" "$T/providers.tty"
quiet providers "$V" import providers "$T/providers.csv" --db "$DB"
check "import: no progress when not on a terminal" no_progress providers

on_tty coverage "'$V' coverage --db '$DB' --discipline dietist --within 10 --format csv --out '$T/c.csv'"
check "coverage --db: progress on a terminal" progress_shown coverage coverage "PC4 areas"
quiet coverage "$V" coverage --db "$DB" --discipline dietist --within 10 --format csv --out "$T/c2.csv"
check "coverage --db: no progress when not on a terminal" no_progress coverage
check "coverage: the same answer either way" cmp -s "$T/c.csv" "$T/c2.csv"

on_tty export "'$V' export fhir --db '$DB' --out '$T/f.json' --as-of 2026-01-01"
check "export fhir: progress on a terminal" progress_shown export "export fhir" providers
quiet export "$V" export fhir --db "$DB" --out "$T/f2.json" --as-of 2026-01-01
check "export fhir: no progress when not on a terminal" no_progress export
check "export: stderr silent when not on a terminal" test ! -s "$T/export.err"

finish
