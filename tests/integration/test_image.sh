#!/usr/bin/env bash
# test_image.sh -- the snapshot image (verwijsd --snapshot-image PATH, issue
# 18; server/store/image.h, server/engine/snapshot_image.h, daemon/snap.c)
# through real daemons on a generated register of 3000 providers (the
# imports of bench/lib.sh's bench_dataset, plus a bike travel-time matrix):
#  1. the first start finds no image ("missing"), loads from the database and
#     writes one in the background; no temporary file is left;
#  2. the next start reads it ("used") and answers every query byte for byte
#     as a daemon without the option does (match with many filters, refer,
#     providers, networks, regions, audit, coverage, stats);
#  3. every kind of write -- an import with one changed row, a record change
#     (`verwijs admin apply --db`), a regions import -- and a schema change
#     make the image "stale": the change is served, the image rewritten, and
#     the start after that "used" with the change; an edit with the sqlite3
#     shell marks the state dirty: loaded from the rows ("unkeyed"), no image
#     until the next verwijs write;
#  4. a damaged image -- a flipped byte (checksum), truncated, a few bytes,
#     garbage, a re-hashed body cut short, re-hashed flipped bytes, a
#     directory, a path in a missing directory -- is refused (or missing)
#     with a reason; the daemon serves the database's answers and exits 0;
#  5. the image of database A next to database B's daemon is "stale": B's
#     answers, and B's image replaces it;
#  6. SIGHUP and the admin reload (full loads, never a patch) read an
#     up-to-date image ("used"); after a write they say "stale" and rewrite
#     it. A watching daemon with travel-time matrices reloads a change in full
#     (stale, rewritten); one without patches it in, writes no image, and its
#     next start is "stale".
# Every daemon gets its own log, so each start's outcome is read from the
# one line it logs. No timing is asserted.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
# today pinned (registrations, waits), so answers cannot change at midnight
export VW_TEST_NOW=2026-06-15T10:00:00Z

# one daemon at a time: DP, the running one ("" when none)
DP=""
on_exit() {
  [ -n "$DP" ] && kill -9 "$DP" 2>/dev/null
  cleanup
}
trap on_exit EXIT

# mkdb DIR SEED: bench_dataset's register in DIR/db
mkdb() {
  local dir="$1" t
  mkdir -p "$dir"
  "$V" gen --geodata "$G" --out "$dir" --providers 3000 --seed "$2" 2>/dev/null || bad "gen $2"
  "$V" import pc4 "$G/pc4_centroids.csv" --db "$dir/db" --skip-invalid 2>/dev/null || bad "pc4"
  "$V" import places "$G/places_nl.csv" --db "$dir/db" --skip-invalid 2>/dev/null # 2 rows rejected
  "$V" import regions "$G/gemeente_2015.geojson" --db "$dir/db" 2>/dev/null || bad "regions"
  for t in networks providers registrations; do
    "$V" import "$t" "$dir/$t.csv" --db "$dir/db" 2>/dev/null || bad "import $t"
  done
}

N=0
# dstart DB [args...]: a verwijsd on a kernel-chosen loopback port with a log
# of its own; sets DP (pid), DPORT, DLOG
dstart() {
  local db="$1" pf
  shift
  N=$((N + 1))
  DLOG="$T/d$N.log"
  pf="$T/d$N.port"
  "$D" --db "$db" --listen 127.0.0.1:0 --port-file "$pf" --test-clock "$@" >"$DLOG" 2>&1 &
  DP=$!
  for _ in $(seq 400); do
    [ -s "$pf" ] && break
    kill -0 "$DP" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -s "$pf" ]; then bad "start $N: verwijsd did not start"; cat "$DLOG" >&2; exit 1; fi
  DPORT=$(cat "$pf")
}

# dstop WHAT: SIGTERM the last daemon; it must still be alive and exit 0
dstop() {
  if kill -0 "$DP" 2>/dev/null; then ok; else bad "$1: the daemon died"; cat "$DLOG" >&2; fi
  kill -TERM "$DP" 2>/dev/null
  wait "$DP"
  local rc=$?
  DP=""
  if [ "$rc" = 0 ]; then ok; else bad "$1: exit $rc"; cat "$DLOG" >&2; fi
}

# outcome LOG: what the start's "loaded snapshot" line says of the image
outcome() { sed -n 's/.*loaded snapshot: .*; snapshot image: \([a-z]*\)$/\1/p' "$1" | tail -1; }
expect_outcome() {
  local got
  got=$(outcome "$DLOG")
  if [ "$got" = "$2" ]; then ok; else bad "$1: snapshot image '$got', expected '$2'"; cat "$DLOG" >&2; fi
}

# wait_log FILE STRING: until the (fixed) string is in the log, 20 s at most
wait_log() {
  for _ in $(seq 400); do
    grep -qF -- "$2" "$1" && return 0
    sleep 0.05
  done
  return 1
}

# wait_written WHAT IMAGE: the background writer finished this image (its
# log line), the file holds an image, and no temporary file is left
wait_written() {
  if wait_log "$DLOG" "wrote the snapshot image $2 (3000 providers)"; then ok; else
    bad "$1: image not written"; cat "$DLOG" >&2; fi
  check "$1: the file is an image" test "$(head -c 8 "$2" 2>/dev/null)" = "VWIMAGE"
  check "$1: no temporary file left" test -z "$(ls "$2".tmp* 2>/dev/null)"
}

# token FILE: the state token in an image's header (bytes 16..55)
token() { python3 -c 'import sys; print(open(sys.argv[1],"rb").read(56)[16:].split(b"\0")[0].decode())' "$1"; }
dbtoken() { sqlite3 "$1" "SELECT value FROM meta WHERE key = 'state'"; }

# answers PORT OUT [quick]: what must not depend on where the snapshot came
# from; each query's command, output (stdout and stderr) and exit code. The
# first part (stats, a few of each kind, the changed providers) is "quick",
# a prefix of the whole; the whole has about 65 queries.
answers() {
  local port="$1" out="$2" pc id nw
  : >"$out"
  q() {
    printf '## %s\n' "$*" >>"$out"
    "$V" --server "127.0.0.1:$port" "$@" >>"$out" 2>&1
    printf 'exit %s\n' "$?" >>"$out"
  }
  # stats: the snapshot's figures; not uptime_s, loaded_at, load_ms and
  # generation (when and how often it was loaded), nor the connection and
  # request counters (this very traffic, which differs after reloads), nor
  # bytes: it counts arena blocks by capacity, and an image load holds the
  # image's strings in a 4 MiB block of their own next to the builder's
  # (PC4 places, base tags), so it reads 4 MiB + 24 more than a database load
  # of the same data (snapshot_image.c vw_snapbuild_finish_image); nor image,
  # which says where the snapshot came from (used, missing, off, ...)
  printf '## stats\n' >>"$out"
  "$V" --server "127.0.0.1:$port" stats --json 2>&1 | python3 -c '
import json, sys
s = json.load(sys.stdin)
for k in ("loaded_at", "load_ms", "generation", "bytes", "image"):
    s["snapshot"].pop(k)
print(json.dumps({"version": s["version"], "workers": s["workers"], "snapshot": s["snapshot"],
                  "reload": s["reload"]}, sort_keys=True))' >>"$out" 2>&1
  q match --near 3511 --discipline fysiotherapeut --limit 25 --json
  q match --near 3511 --discipline dietist --mode bike --within 30 --limit 20 --json # the matrix
  q match --near 5211 --language tr --language ar --limit 30 --json
  q match --near 2511 --discipline fysiotherapeut --open-on tu@10:00 --json
  q refer --near 3511 --problem lymfoedeem --problem angst --problem voeding --json
  q networks near --near 3511 --json
  q network N0001 --json
  for id in "${IDS[@]:0:5}"; do q provider "$id" --json; done
  [ "${3:-}" = quick ] && return
  for pc in 1011 6211 9711 2511 7511; do
    q match --near "$pc" --discipline fysiotherapeut --limit 25 --json
    q refer --near "$pc" --problem lymfoedeem --problem angst --problem voeding --json
    q networks near --near "$pc" --json
  done
  for pc in 1011 3511 6211 9711 2511 7511; do
    q match --near "$pc" --discipline psycholoog --discipline maatschappelijk_werker \
      --expertise psycho-oncologie --within 45 --limit 15 --json
  done
  q match --near 1011 --discipline huisarts --mode walk --within 20 --json
  q match --near 6211 --discipline fysiotherapeut --mode transit --json # refused: no matrix
  q match --near 52.37,4.89 --discipline huisarts --limit 30 --json
  q match --near 3511AB --discipline logopedist --json
  q match --near 9711 --open-on sa --wheelchair --limit 40 --json
  q match --near 4811 --discipline fysiotherapeut --direct-access --accepting-only --json
  q match --near 8011 --discipline psycholoog --max-wait 3 --json
  q match --near 3511 --discipline fysiotherapeut --region west --limit 50 --json
  q match --near 3511 --discipline psycholoog --include-online --json
  q match --near 1431 --expertise oncologie --as-of 2025-01-01 --limit 100 --json
  q match --near 7511 --discipline huidtherapeut --expertise lymfoedeem --fields id,name,minutes --json
  q match --near 6211 --discipline fysiotherapeut --fields ids --limit 100 --json
  q match --near 3511 --discipline oefentherapeut --limit 10 # the table
  q refer --near 3511 --problem werk --score 7 --network-kind all --networks 3 --json
  q refer --near 9711 --problem pijn --problem somberheid --region noord --accepting-only --json
  q refer --near 1011 --problem conditie --mode bike --within 30 --json
  for id in "${IDS[@]:5}"; do q provider "$id" --json; done
  q provider "${IDS[0]}" --as-of 2024-01-01 --json
  for nw in N0002 N0003 N0007 N9999; do q network "$nw" --json; done
  q networks audit --json
  q regions --json
  q coverage --discipline dietist --within 15 --format csv
}

# same WHAT FILE: FILE equals the reference answers $T/ref.txt (always the
# whole), or their first part (FILE from `answers ... quick`)
same() {
  local n
  n=$(stat -c %s "$2")
  if [ "$n" -gt 0 ] && cmp -s -n "$n" "$T/ref.txt" "$2"; then ok; else
    bad "$1: answers differ from a daemon without the image"; diff "$T/ref.txt" "$2" | head -20 >&2; fi
}
# quick_same WHAT: the first part of the answers of the last daemon
quick_same() { answers "$DPORT" "$T/got.txt" quick; same "$1" "$T/got.txt"; }

# reference DB: $T/ref.txt, the answers of a daemon without the option
reference() {
  dstart "$1"
  expect_outcome "reference" off
  answers "$DPORT" "$T/ref.txt"
  dstop "reference"
  # a sanity check of the comparison itself: real answers, not errors
  check "reference: 40+ queries" test "$(grep -c '^exit ' "$T/ref.txt")" -ge 40
  check "reference: the matches answered" test "$(grep -c '"providers": \[' "$T/ref.txt")" -ge 30
}

# name PORT ID: a provider's name as served
name() { "$V" --server "127.0.0.1:$1" provider "$2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])'; }

mkdb "$T/a" 31
mkdb "$T/b" 32
A="$T/a/db" B="$T/b/db"
# a bike matrix: the travel times an image is completed with, from the database
mkdir -p "$T/tt"
python3 "$VW_SRC/tests/integration/tt_check.py" gen "$G/pc4_centroids.csv" "$T/tt" 3 || bad "tt gen"
"$V" import traveltimes "$T/tt/bike.csv" --mode bike --db "$A" 2>/dev/null || bad "import bike"
mapfile -t IDS < <(sqlite3 "$A" "
  SELECT id FROM (SELECT id FROM providers ORDER BY id LIMIT 4)
  UNION SELECT id FROM (SELECT provider_id AS id FROM memberships ORDER BY provider_id LIMIT 2)
  UNION SELECT id FROM (SELECT provider_id AS id FROM registrations ORDER BY provider_id LIMIT 2)
  UNION SELECT id FROM (SELECT id FROM providers WHERE online = 1 ORDER BY id LIMIT 1)
  UNION SELECT id FROM (SELECT id FROM providers ORDER BY id DESC LIMIT 1)")
IDS+=(P9999999 not-an-id)
check "provider ids to ask for" test "${#IDS[@]}" -ge 10
IMG="$T/a.img"

# ---- 1. first start: no image yet -------------------------------------------
dstart "$A" --snapshot-image "$IMG"
expect_outcome "first start" missing
wait_written "first start" "$IMG"
check "first start: the image holds the database's state" test "$(token "$IMG")" = "$(dbtoken "$A")"
dstop "first start"

# ---- 2. second start: from the image, the same answers -----------------------
reference "$A"
before=$(stat -c "%i %y %s" "$IMG")
dstart "$A" --snapshot-image "$IMG"
expect_outcome "second start" used
answers "$DPORT" "$T/got.txt"
same "second start (used)" "$T/got.txt"
dstop "second start"
check "a used image is not rewritten" test "$(grep -c 'wrote the snapshot image' "$DLOG")" = 0
check "a used image is left as it was" test "$(stat -c "%i %y %s" "$IMG")" = "$before"
# the config key does what the option does
printf 'snapshot_image = %s\n' "$IMG" >"$T/image.conf"
dstart "$A" --config "$T/image.conf"
expect_outcome "config snapshot_image" used
dstop "config snapshot_image"

# ---- 3. writes make the image stale ------------------------------------------
# restart_after WHAT ID NAME [quick]: the image $CIMG of database $CUR is
# stale, the change (provider ID now named NAME) served, the answers (or
# their first part) those of a daemon without the image, the image
# rewritten; the next start uses it
restart_after() {
  reference "$CUR"
  dstart "$CUR" --snapshot-image "$CIMG"
  expect_outcome "$1" stale
  check "$1: the change is served" test "$(name "$DPORT" "$2")" = "$3"
  answers "$DPORT" "$T/got.txt" "${4:-}"
  same "$1 (stale)" "$T/got.txt"
  wait_written "$1" "$CIMG"
  dstop "$1"
  check "$1: the rewritten image holds the new state" test "$(token "$CIMG")" = "$(dbtoken "$CUR")"
  dstart "$CUR" --snapshot-image "$CIMG"
  expect_outcome "$1, next start" used
  check "$1, next start: the change is served" test "$(name "$DPORT" "$2")" = "$3"
  answers "$DPORT" "$T/got.txt" "${4:-}"
  same "$1, next start (used)" "$T/got.txt"
  dstop "$1, next start"
}

CUR="$A" CIMG="$IMG"
# an import of the providers with one row changed (name; accepting flipped)
P1="${IDS[1]}"
python3 - "$T/a/providers.csv" "$P1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
h = rows[0]
for r in rows[1:]:
    if r[0] == sys.argv[2]:
        r[h.index('name')] = 'Praktijk Na Import'
        r[h.index('accepting')] = '0' if r[h.index('accepting')] == '1' else '1'
csv.writer(open(sys.argv[1], 'w', newline='', encoding='utf-8'), lineterminator='\n').writerows(rows)
PY
tok=$(dbtoken "$A")
"$V" import providers "$T/a/providers.csv" --db "$A" 2>"$T/imp.err" || { bad "import"; cat "$T/imp.err" >&2; }
check "import: 1 changed" grep -q "1 changed" "$T/imp.err"
check "import: a new state token" test "$(dbtoken "$A")" != "$tok"
restart_after "after an import" "$P1" "Praktijk Na Import"

# a record change applied with the CLI to the database itself
P2="${IDS[2]}"
printf 'op,kind,id,version,field,value\nupdate,provider,%s,,name,Praktijk Na Apply\nupdate,provider,%s,,wait_weeks,7\n' \
  "$P2" "$P2" >"$T/change.csv"
tok=$(dbtoken "$A")
expect_exit 0 "admin apply --db" "$V" admin apply "$T/change.csv" --db "$A"
check "apply: a new state token" test "$(dbtoken "$A")" != "$tok"
restart_after "after apply" "$P2" "Praktijk Na Apply" quick

# the regions imported again (the same file: still a write transaction)
tok=$(dbtoken "$A")
"$V" import regions "$G/gemeente_2015.geojson" --db "$A" 2>/dev/null || bad "regions again"
check "regions import: a new state token" test "$(dbtoken "$A")" != "$tok"
restart_after "after a regions import" "$P2" "Praktijk Na Apply" quick

# a schema change that no Verwijs write makes: the schema cookie, not the token
tok=$(dbtoken "$A")
sqlite3 "$A" "CREATE TABLE local_notes(note TEXT)"
check "schema change: the same token" test "$(dbtoken "$A")" = "$tok"
restart_after "after a schema change" "$P2" "Praktijk Na Apply" quick

# a row edited with the sqlite3 shell (not a write of verwijs): the triggers
# mark the state dirty; the start loads the rows ("unkeyed", the edit served)
# and writes no image; the next verwijs write gives a new token, and the
# image of that state is written and then used
P3="${IDS[3]}"
sqlite3 "$A" "UPDATE providers SET name = 'Praktijk Met Sqlite3' WHERE id = '$P3'"
check "sqlite3 edit: the state is dirty" test "$(dbtoken "$A")" = dirty
reference "$A"
dstart "$A" --snapshot-image "$IMG"
expect_outcome "after a sqlite3 edit" unkeyed
check "after a sqlite3 edit: the edit is served" test "$(name "$DPORT" "$P3")" = "Praktijk Met Sqlite3"
answers "$DPORT" "$T/got.txt" quick
same "after a sqlite3 edit (unkeyed)" "$T/got.txt"
sleep 1 # a writer would have logged by now; none may
check "after a sqlite3 edit: no image written" test -z "$(grep -F 'wrote the snapshot image' "$DLOG")"
dstop "after a sqlite3 edit"
printf 'op,kind,id,version,field,value\nupdate,provider,%s,,wait_weeks,3\n' "$P3" >"$T/change3.csv"
expect_exit 0 "admin apply --db after the sqlite3 edit" "$V" admin apply "$T/change3.csv" --db "$A"
check "apply after the sqlite3 edit: a token again" test "$(dbtoken "$A")" != dirty
restart_after "after a sqlite3 edit and an apply" "$P3" "Praktijk Met Sqlite3" quick

# ---- 4. damaged images are refused ------------------------------------------
cp "$IMG" "$T/good.img"
# refused WHAT REASON [quick]: this start refused the image for REASON (a
# fixed string of the warning) and serves the database's answers (or their
# first part)
refused() {
  dstart "$A" --snapshot-image "$IMG"
  expect_outcome "$1" refused
  if grep -F "the snapshot image $IMG was refused, loaded from the database: " "$DLOG" |
     grep -qF -- "$2"; then ok; else bad "$1: no warning with '$2'"; cat "$DLOG" >&2; fi
  answers "$DPORT" "$T/got.txt" "${3:-}"
  same "$1 (refused)" "$T/got.txt"
}
reference "$A" # (unchanged since 3; asked again so a failure here is 4's)

python3 - "$IMG" <<'PY'
import os, sys
with open(sys.argv[1], 'r+b') as f:       # one bit of the byte in the middle
    f.seek(os.path.getsize(sys.argv[1]) // 2)
    b = f.read(1)[0]
    f.seek(-1, 1)
    f.write(bytes([b ^ 0x10]))
PY
refused "a flipped byte" "checksum mismatch"
wait_written "a flipped byte" "$IMG"
dstop "a flipped byte"
# (the encoder is deterministic: the same data, the same bytes)
check "a flipped byte: rewritten as it was" cmp -s "$IMG" "$T/good.img"
dstart "$A" --snapshot-image "$IMG"
expect_outcome "after the rewrite" used
dstop "after the rewrite"

truncate -s $(($(stat -c %s "$IMG") / 2)) "$IMG"
refused "truncated to half" "bytes, the header says" quick
wait_written "truncated to half" "$IMG"
dstop "truncated to half"

truncate -s 50 "$IMG" # inside the header
refused "truncated to 50 bytes" "not an image of this format" quick
dstop "truncated to 50 bytes"

: >"$IMG"
refused "an empty file" "not an image of this format" quick
dstop "an empty file"

head -c 300000 /dev/urandom >"$IMG"
refused "garbage" "not an image of this format" quick
wait_written "garbage" "$IMG"
dstop "garbage"

# rehash FILE MODE [ARG]: damage the body and give the header the body's new
# length and SHA-256, so the checksum passes and the decoder's checks must
# refuse it (cut: the body cut to ARG of its bytes; flip: one byte at ARG)
rehash() {
  python3 - "$@" <<'PY'
import hashlib, struct, sys
p, mode, arg = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = bytearray(open(p, 'rb').read())
head, body = d[:112], d[112:]
if mode == 'cut':
    body = body[:arg]
else:
    body[arg] ^= 0xff
head[72:80] = struct.pack('<Q', len(body))
head[80:112] = hashlib.sha256(body).digest()
open(p, 'wb').write(bytes(head + body))
PY
}
cp "$T/good.img" "$IMG"
rehash "$IMG" cut $(($(stat -c %s "$T/good.img") / 2))
refused "a re-hashed body cut short" "snapshot image: " quick
check "a re-hashed body cut short: not a checksum failure" \
  bash -c "! grep -q 'checksum mismatch' '$DLOG'"
wait_written "a re-hashed body cut short" "$IMG"
dstop "a re-hashed body cut short"
# Re-hashed flipped bytes. In the body's own header (its magic, the layout
# number, the counts: bytes 0..79) the decoder refuses them; further on
# (tags, strings, records) a flip the checks cannot tell from data (a
# letter of a name) is used, by design (the checksum is what catches those),
# so there the daemon must only start, answer and exit 0.
for at in 0 3 8 17 40 64 100 333 4097 100000; do
  cp "$T/good.img" "$IMG"
  rehash "$IMG" flip "$at"
  dstart "$A" --snapshot-image "$IMG"
  o=$(outcome "$DLOG")
  if [ "$at" -lt 80 ]; then
    check "re-hashed flip at $at: refused ($o)" test "$o" = refused
  else
    check "re-hashed flip at $at: used or refused ($o)" test "$o" = used -o "$o" = refused
  fi
  expect_exit 0 "re-hashed flip at $at: answers" "$V" --server "127.0.0.1:$DPORT" match --near 3511 --limit 5 --json
  [ "$o" = refused ] && wait_written "re-hashed flip at $at" "$IMG"
  dstop "re-hashed flip at $at"
done

# an image path that is a directory: refused, and it cannot be written either
rm -f "$IMG"
mkdir "$IMG"
refused "a directory" "not an image of this format" quick
if wait_log "$DLOG" "the snapshot image was not written:"; then ok; else bad "a directory: no warning that it was not written"; fi
dstop "a directory"
rmdir "$IMG"
# an image in a directory that does not exist: missing, not written, served
dstart "$A" --snapshot-image "$T/no-such-dir/a.img"
expect_outcome "a missing directory" missing
quick_same "a missing directory"
if wait_log "$DLOG" "the snapshot image was not written:"; then ok; else bad "a missing directory: no warning"; fi
dstop "a missing directory"
cp "$T/good.img" "$IMG"

# ---- 5. the image of another database ---------------------------------------
cp "$T/ref.txt" "$T/ref-a.txt"
reference "$B"
check "A and B answer differently (the comparison means something)" bash -c "! cmp -s '$T/ref.txt' '$T/ref-a.txt'"
cp "$IMG" "$T/b.img"
dstart "$B" --snapshot-image "$T/b.img"
expect_outcome "A's image for B" stale
answers "$DPORT" "$T/got.txt"
same "A's image for B" "$T/got.txt"
wait_written "A's image for B" "$T/b.img"
dstop "A's image for B"
check "B's image holds B's state" test "$(token "$T/b.img")" = "$(dbtoken "$B")"
check "B's state is not A's" test "$(dbtoken "$B")" != "$(dbtoken "$A")"
dstart "$B" --snapshot-image "$T/b.img"
expect_outcome "B's own image" used
quick_same "B's own image"
dstop "B's own image"

# ---- 6. reloads ---------------------------------------------------------------
cp "$T/ref-a.txt" "$T/ref.txt"
cat >"$T/admin.conf" <<CONF
admin_socket = $T/admin.sock
snapshot_image = $IMG
CONF
# reloaded WHAT N OUTCOME: the last daemon logged its reload to generation N,
# with this outcome
reloaded() {
  if wait_log "$DLOG" "reloaded snapshot generation $2:"; then ok; else bad "no reload to generation $2"; return; fi
  local got
  got=$(sed -n "s/.*reloaded snapshot generation $2: .*; snapshot image: \([a-z]*\)\$/\1/p" "$DLOG")
  if [ "$got" = "$3" ]; then ok; else bad "$1: snapshot image '$got', expected '$3'"; fi
}
dstart "$A" --config "$T/admin.conf"
expect_outcome "reload: start" used
kill -HUP "$DP"
reloaded "SIGHUP, unchanged" 2 used
answers "$DPORT" "$T/got.txt"
same "after SIGHUP (used)" "$T/got.txt"
expect_exit 0 "admin reload" "$V" admin reload --admin-socket "$T/admin.sock"
reloaded "admin reload, unchanged" 3 used
# a write while it runs: the next SIGHUP loads from the database and
# rewrites the image; the one after that reads it again
P3="${IDS[3]}"
printf 'op,kind,id,version,field,value\nupdate,provider,%s,,name,Praktijk Na Reload\n' "$P3" >"$T/change2.csv"
expect_exit 0 "admin apply --db (daemon running)" "$V" admin apply "$T/change2.csv" --db "$A"
kill -HUP "$DP"
reloaded "SIGHUP after a write" 4 stale
wait_written "SIGHUP after a write" "$IMG"
check "SIGHUP after a write: the change is served" test "$(name "$DPORT" "$P3")" = "Praktijk Na Reload"
kill -HUP "$DP"
reloaded "SIGHUP after the rewrite" 5 used
check "SIGHUP after the rewrite: the change is served" test "$(name "$DPORT" "$P3")" = "Praktijk Na Reload"
answers "$DPORT" "$T/got.txt" quick
dstop "reloads"
reference "$A"
same "after the reloads" "$T/got.txt"

# A watching daemon (watch_interval) of A: a snapshot with travel-time
# matrices is never patched (snapshot_patch.c: a full build), so the change
# is a full reload from the database that finds the image stale and
# rewrites it; the next start reads it.
printf 'watch_interval = 0.05\nsnapshot_image = %s\n' "$IMG" >"$T/watch.conf"
dstart "$A" --config "$T/watch.conf"
expect_outcome "watch A: start" used
printf 'op,kind,id,version,field,value\nupdate,provider,%s,,name,Praktijk Na Watch\n' "$P3" >"$T/change3.csv"
expect_exit 0 "admin apply --db (watching daemon of A)" "$V" admin apply "$T/change3.csv" --db "$A"
reloaded "watch A: the change" 2 stale
wait_written "watch A: the change" "$IMG"
check "watch A: the change is served" test "$(name "$DPORT" "$P3")" = "Praktijk Na Watch"
dstop "watch A"
dstart "$A" --snapshot-image "$IMG"
expect_outcome "watch A: next start" used
check "watch A, next start: the change is served" test "$(name "$DPORT" "$P3")" = "Praktijk Na Watch"
dstop "watch A: next start"

# A watching daemon of B (no matrices): the change is patched in, and a
# patched snapshot is never written as an image (image.h: full loads only),
# so the image stays B's old state and the next start finds it stale.
printf 'watch_interval = 0.05\nsnapshot_image = %s\n' "$T/b.img" >"$T/watch-b.conf"
dstart "$B" --config "$T/watch-b.conf"
expect_outcome "watch B: start" used
PB=$(sqlite3 "$B" "SELECT id FROM providers ORDER BY id LIMIT 1 OFFSET 10")
printf 'op,kind,id,version,field,value\nupdate,provider,%s,,name,Praktijk Na Patch\n' "$PB" >"$T/change4.csv"
expect_exit 0 "admin apply --db (watching daemon of B)" "$V" admin apply "$T/change4.csv" --db "$B"
if wait_log "$DLOG" "patched snapshot generation 2:"; then ok; else bad "watch B: no patch"; cat "$DLOG" >&2; fi
check "watch B: the change is served" test "$(name "$DPORT" "$PB")" = "Praktijk Na Patch"
dstop "watch B"
check "watch B: a patched snapshot is not written" test "$(grep -c 'wrote the snapshot image' "$DLOG")" = 0
CUR="$B" CIMG="$T/b.img"
restart_after "B after a patch" "$PB" "Praktijk Na Patch" quick

# every daemon's log through lib.sh's privacy check (finish reads verwijsd.log)
cat "$T"/d*.log >"$T/verwijsd.log"
finish
