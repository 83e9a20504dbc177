#!/usr/bin/env bash
# deps.sh -- install the Debian 12 packages Verwijs needs to build, test and
# run its demo. Idempotent: skips apt when everything is already present.
set -euo pipefail

PKGS=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libevent-dev libmsgpack-dev libsqlite3-dev sqlite3 libgeos-dev libjson-c-dev libssl-dev zlib1g-dev openssl
      librsvg2-dev libcairo2-dev fonts-dejavu-core python3 python3-yaml curl redis-server haproxy
      libjs-leaflet chromium tzdata
      # the travel-time matrix builder (scripts/traveltimes-build.sh) and its test
      postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting osm2pgrouting osmium-tool)
# The browser test (tests/integration/test_ui.sh) drives Chromium with
# puppeteer-core from npm (tests/browser/package-lock.json): Debian's nodejs
# and npm, unless a node with npm is already installed (e.g. NodeSource's
# nodejs, which bundles npm and conflicts with Debian's npm package). Node's
# http module is also the independent strict HTTP client of
# tests/integration/test_http_strict.sh.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PKGS+=(nodejs npm)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
