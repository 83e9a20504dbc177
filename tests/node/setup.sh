#!/usr/bin/env bash
# setup.sh DIR -- installs the test tools of tests/node (package.json and its
# lock) into DIR with `npm ci`, once, and prints DIR. The checkers run from
# there; node_modules is never in the repository.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
dir=$1
mkdir -p "$dir"
if ! cmp -s "$src/package-lock.json" "$dir/package-lock.json" || [ ! -d "$dir/node_modules" ]; then
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
cp "$src"/*.js "$dir/"
echo "$dir"
