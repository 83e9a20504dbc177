#!/usr/bin/env bash
# test_runtime_packages.sh -- the container image's runtime stage gets its
# package list from deploy/runtime-packages.sh (ldd of the built binaries), so
# no library verwijsd links can be missing there (libssl3 and
# libevent-openssl-2.1-7 once were). Checked without a container runtime: the
# script runs on this build's binaries, and the Dockerfile must install that
# list and no hand-made one.
. "$(dirname "$0")/lib.sh"
S="$VW_SRC/deploy/runtime-packages.sh"
F="$VW_SRC/deploy/Dockerfile"

expect_exit 0 "runtime-packages.sh on verwijsd and verwijs" "$S" "$D" "$V"
cp "$T/out" "$T/pkgs"
for p in libssl3 libevent-openssl-2.1-7 libevent-pthreads-2.1-7 libmsgpackc2 libsqlite3-0 \
         libgeos-c1v5 libjson-c5; do
  check "the runtime list has $p" grep -qx "$p" "$T/pkgs"
done
# Every library ldd names is held by a listed package.
for lib in $(ldd "$D" "$V" | awk '/=>/ && $3 ~ /^\// {print $3}' | sort -u); do
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true)
  check "$lib is covered by the list" grep -qx "${pkg%%:*}" "$T/pkgs"
done

check "the build stage writes the list" grep -q 'runtime-packages.sh /staging/usr/sbin/verwijsd /staging/usr/bin/verwijs' "$F"
check "the runtime stage installs the list" grep -q 'xargs -a /tmp/runtime-packages.txt apt-get install' "$F"
# No hand-made list left behind in the runtime stage.
sed -n '/^FROM debian:12-slim/,$p' "$F" >"$T/runtime"
check "the runtime stage names no library package by hand" \
  test -z "$(grep -E 'lib(event|msgpack|sqlite|geos|json-c|ssl)[a-z0-9.-]*' "$T/runtime" | grep -v '^#')"

# A binary whose library is gone is refused, not listed short.
printf 'int vw_gone(void){return 0;}\n' >"$T/gone.c"
printf 'int vw_gone(void);\nint main(void){return vw_gone();}\n' >"$T/x.c"
cc -shared -fPIC -o "$T/libvwgone.so" "$T/gone.c" && cc -o "$T/x" "$T/x.c" -L"$T" -lvwgone &&
  rm "$T/libvwgone.so"
expect_exit 1 "a binary with a missing library is refused" "$S" "$T/x"
check "and the missing library is named" grep -q 'libvwgone.so' "$T/err"
finish
