#!/usr/bin/env bash
# test_help.sh -- every command of the CLI (and each subcommand) answers
# --help, -h and `verwijs help CMD` with its usage on stdout and exit 0,
# nothing on stderr; `verwijs --help` lists every command; usage errors go
# to stderr with exit 2. No daemon or database is needed for any of this.
. "$(dirname "$0")/lib.sh"

commands="ping stats match refer provider network networks import db gen regions coverage export admin history changes"
subcommands=("networks near" "networks audit" "db init" "db info" "import providers"
             "import regions" "export fhir" "admin reload" "admin import" "admin apply")

expect_exit 0 "verwijs --help" "$V" --help
cp "$T/out" "$T/main-help"
check "verwijs --help on stdout" grep -q '^usage: verwijs' "$T/main-help"
check "verwijs --help: stderr empty" test ! -s "$T/err"
expect_exit 0 "verwijs -h" "$V" -h
expect_exit 0 "verwijs help" "$V" help

for c in $commands; do
  check "verwijs --help lists $c" grep -qE "^  $c( |$)" "$T/main-help"
  for form in "--help" "-h"; do
    expect_exit 0 "verwijs $c $form" "$V" $c $form
    check "verwijs $c $form: usage on stdout" grep -q "^usage: verwijs $c" "$T/out"
    check "verwijs $c $form: stderr empty" test ! -s "$T/err"
  done
  "$V" $c --help > "$T/a" 2>/dev/null
  "$V" help $c > "$T/b" 2>/dev/null
  check "verwijs help $c == verwijs $c --help" cmp -s "$T/a" "$T/b"
done
for sc in "${subcommands[@]}"; do
  expect_exit 0 "verwijs $sc --help" "$V" $sc --help
  check "verwijs $sc --help: usage on stdout" grep -q "^usage: verwijs ${sc%% *}" "$T/out"
done

# The global options still work around the command.
expect_exit 0 "verwijs --server X match --help" "$V" --server 127.0.0.1:1 match --help
# Usage errors: stderr, exit 2.
expect_exit 2 "unknown command" "$V" frobnicate
check "unknown command named on stderr" grep -q "unknown command 'frobnicate'" "$T/err"
expect_exit 2 "unknown option" "$V" match --frobnicate
expect_exit 2 "no command" "$V"

expect_exit 0 "verwijsd --help" "$D" --help
check "verwijsd --help on stdout" grep -q '^usage: verwijsd' "$T/out"
expect_exit 2 "verwijsd with an unknown option" "$D" --frobnicate

finish
