#!/usr/bin/env bash
# runtime-packages.sh -- the Debian packages that hold the shared libraries the
# given binaries link (ldd), one a line, sorted. The container image's build
# stage runs it on the installed binaries and its runtime stage installs
# exactly that list, so a library added to the build can never be missing at
# run time; tests/integration/test_runtime_packages.sh runs it in CI (no
# container runtime needed).
#   deploy/runtime-packages.sh /usr/sbin/verwijsd /usr/bin/verwijs
# Exit 1 when a library does not resolve or belongs to no package.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
out=$(ldd "$@")
if grep -q 'not found' <<<"$out"; then
  grep 'not found' <<<"$out" >&2
  exit 1
fi
pkgs=()
for lib in $(awk '/=>/ && $3 ~ /^\// { print $3 }' <<<"$out" | sort -u); do
  # dpkg knows a file by the path it installed; /lib is a link to /usr/lib on
  # merged-/usr systems, so try the spellings in turn.
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null \
        || dpkg -S "/usr$lib" 2>/dev/null || true)
  if [ -z "$pkg" ]; then
    echo "runtime-packages: no package holds $lib" >&2
    exit 1
  fi
  pkgs+=("${pkg%%:*}")
done
printf '%s\n' "${pkgs[@]}" | sort -u
