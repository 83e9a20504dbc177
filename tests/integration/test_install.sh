#!/usr/bin/env bash
# test_install.sh -- `cmake --install` into a scratch prefix: the installed
# binaries run, the man pages render without warnings, the example config,
# the systemd unit (pointing at the installed daemon, verified with
# systemd-analyze when present), the sysusers entry, the region mapping table
# and the bash completion are in place, and the completion completes; the
# public headers and verwijs.pc build a program against the installed tree
# alone, which then pings and matches against a real verwijsd.
. "$(dirname "$0")/lib.sh"
P="$T/prefix"

expect_exit 0 "cmake --install" cmake --install "$VW_BIN" --prefix "$P"

expect_exit 0 "installed verwijs --help" "$P/bin/verwijs" --help
check "verwijs --help prints the usage on stdout" grep -q '^usage: verwijs' "$T/out"
expect_exit 0 "installed verwijsd --help" "$P/sbin/verwijsd" --help
check "verwijsd --help prints the usage on stdout" grep -q '^usage: verwijsd' "$T/out"
expect_exit 0 "installed verwijsd --version" "$P/sbin/verwijsd" --version

for f in share/man/man1/verwijs.1 share/man/man8/verwijsd.8 \
         share/doc/verwijs/examples/verwijsd.conf lib/systemd/system/verwijsd.service \
         lib/sysusers.d/verwijs.conf share/verwijs/iza_regions.csv \
         share/bash-completion/completions/verwijs include/verwijs/verwijs.h \
         share/doc/verwijs/FHIR.md share/doc/verwijs/openapi.yaml \
         share/verwijs/ui/index.html share/verwijs/ui/app.js share/verwijs/ui/app.css; do
  check "installed $f" test -s "$P/$f"
done

# The default region mapping comes from the prefix the binary is installed
# in, not from the configure step's prefix or the source tree.
expect_exit 0 "installed verwijs import --help" "$P/bin/verwijs" import --help
check "import --help names the installed mapping table" \
  grep -qF "$(cd "$P" && pwd -P)/share/verwijs/iza_regions.csv" "$T/out"
check "import --help names neither /usr/local nor the source tree" \
  test -z "$(grep -e /usr/local -e "$VW_SRC/geodata" "$T/out")"
if [ -n "${VW_GEODATA:-}" ] && [ -f "$VW_GEODATA/gemeente_2015.geojson" ]; then
  mv "$P" "$T/moved"   # a relocated tree keeps working: nothing is compiled in
  expect_exit 0 "relocated verwijs import regions without --mapping" \
    "$T/moved/bin/verwijs" import regions "$VW_GEODATA/gemeente_2015.geojson" --db "$T/regions.db"
  check "it read the installed table" grep -q 'imported 7 region polygons' "$T/err"
  mv "$T/moved" "$P"
fi

if command -v man >/dev/null; then
  for page in man1/verwijs.1 man8/verwijsd.8; do
    MANWIDTH=80 man -l "$P/share/man/$page" >"$T/man.out" 2>"$T/man.err"
    check "man -l $page renders" grep -q '^NAME' "$T/man.out"
    check "man -l $page has no warnings" test ! -s "$T/man.err"
  done
  if command -v groff >/dev/null; then
    check "groff -ww finds nothing to warn about" \
      test -z "$(groff -man -ww -z "$P/share/man/man1/verwijs.1" "$P/share/man/man8/verwijsd.8" 2>&1)"
  fi
else
  echo "man not installed: skipping the man page rendering checks" >&2
fi

unit="$P/lib/systemd/system/verwijsd.service"
check "the unit starts the installed daemon" grep -q "^ExecStart=$P/sbin/verwijsd " "$unit"
for key in 'User=verwijs' 'StateDirectory=verwijs' 'RuntimeDirectory=verwijs' \
           'ProtectSystem=strict' 'ProtectHome=yes' 'NoNewPrivileges=yes' 'PrivateTmp=yes' \
           'PrivateDevices=yes' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
           'SystemCallFilter=@system-service' 'ExecReload=/bin/kill -HUP $MAINPID' 'LimitNOFILE='; do
  check "unit has $key" grep -qF "$key" "$unit"
done
if command -v systemd-analyze >/dev/null; then
  # Documentation=man:... is resolved through MANPATH.
  check "systemd-analyze verify" \
    env MANPATH="$P/share/man:" systemd-analyze verify "$unit"
else
  echo "systemd-analyze not installed: skipping the unit check" >&2
fi

# The completion completes commands, options and codes.
complete_words() {
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _verwijs; echo "${COMPREPLY[*]}"' \
    _ "$P/share/bash-completion/completions/verwijs" "$@"
}
check "completion: commands" test "$(complete_words verwijs ma)" = "match"
check "completion: options" test "$(complete_words verwijs coverage --wh)" = "--white-spots"
check "completion: disciplines" test "$(complete_words verwijs match --discipline fys)" = "fysiotherapeut"
check "completion: import kinds" test "$(complete_words verwijs import reg)" = "regions registrations"
check "completion: admin import kinds" test "$(complete_words verwijs admin import reg)" = "regions registrations"
check "completion: --mapping for regions" test "$(complete_words verwijs import regions b.geojson --map)" = "--mapping"
check "completion: no file names after a value option" test -z "$(complete_words verwijs match --near "")"
check "completion: no file names after --within" test -z "$(complete_words verwijs coverage --within "")"
check "completion: admin subcommands" test "$(complete_words verwijs admin "")" = "reload import"
check "completion: admin options" test "$(complete_words verwijs admin reload --to)" = "--token-file"
check "completion: TLS options" test "$(complete_words verwijs --tls --ca ca.pem --tls-n)" = "--tls-name"
check "completion: the command after TLS options" test "$(complete_words verwijs --tls --ca ca.pem admin "")" = "reload import"

# Every key of the example config is described in verwijsd(8).
# (set keys, and commented ones: "# key = one-value [# note]")
conf_keys=$(grep -E '^(# )?[a-z_]+ = [^ ]+( +#.*)?$' "$P/share/doc/verwijs/examples/verwijsd.conf" |
            sed -E 's/^(# )?([a-z_]+) =.*/\2/' | sort -u)
missing=""
for k in $conf_keys; do
  grep -qE "^\.B $k(,|\$)|^\.B .*, $k\$" "$P/share/man/man8/verwijsd.8" || missing="$missing $k"
done
check "verwijsd(8) describes every key of verwijsd.conf (missing:$missing)" test -z "$missing"

# The public headers: every quoted include names a header installed beside it.
for h in "$P"/include/verwijs/*.h; do
  for inc in $(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$h"); do
    check "$(basename "$h") includes \"$inc\", which is installed" test -f "$P/include/verwijs/$inc"
  done
done
check "verwijs.pc installed" test -s "$P/lib/pkgconfig/verwijs.pc"
check "verwijs.pc names the install prefix" grep -qx "prefix=$P" "$P/lib/pkgconfig/verwijs.pc"

# A program built with nothing but the installed tree and pkg-config: no
# source-tree include path, no build-tree library.
CC="${VW_CC:-cc}"
# A sanitized build installs an instrumented library: its users link the runtime.
SAN=""
[ "${VW_SANITIZED:-0}" = 1 ] && SAN="-fsanitize=address,undefined"
if command -v pkg-config >/dev/null && command -v "$CC" >/dev/null; then
  export PKG_CONFIG_PATH="$P/lib/pkgconfig"
  flags=$(pkg-config --cflags --libs verwijs 2>"$T/pc.err")
  check "pkg-config --cflags --libs verwijs" test -n "$flags"
  case "${flags//$P/}" in *"$VW_SRC"*|*"$VW_BIN"*) bad "pkg-config flags point into the source or build tree: $flags";; esac
  mkdir -p "$T/app"
  cp "$VW_SRC/tests/integration/installed/installed_client.c" "$T/app/"
  # shellcheck disable=SC2086 # the flags are words
  expect_exit 0 "cc against the installed libverwijs" \
    "$CC" -std=c11 -Wall -Werror $SAN -o "$T/app/installed_client" "$T/app/installed_client.c" $flags
  gen_db 300 5
  start_daemon "$DB"
  expect_exit 0 "installed client: ping and match" "$T/app/installed_client" "127.0.0.1:$PORT" 3511
  check "installed client: pong" grep -qx pong "$T/out"
  check "installed client: match answered with providers" grep -qE '^match [1-9][0-9]* providers$' "$T/out"
  stop_daemon
else
  echo "pkg-config or cc not installed: skipping the installed-library build" >&2
fi

finish
