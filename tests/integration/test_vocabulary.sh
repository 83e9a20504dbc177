#!/usr/bin/env bash
# test_vocabulary.sh -- docs/VOCABULARY.md is exactly what `verwijs vocabulary
# --format markdown` prints from the code's own tables, and the documents that
# name codes point there (not to a design brief outside the repository).
. "$(dirname "$0")/lib.sh"

expect_exit 0 "verwijs vocabulary --format markdown" "$V" vocabulary --format markdown
if diff -u "$VW_SRC/docs/VOCABULARY.md" "$T/out" >"$T/diff"; then ok; else
  bad "docs/VOCABULARY.md differs from the code (regenerate: verwijs vocabulary --format markdown > docs/VOCABULARY.md)"
  head -40 "$T/diff" >&2
fi
expect_exit 0 "verwijs vocabulary (table)" "$V" vocabulary
check "the table lists psycholoog as psychosocial" grep -qE '^psycholoog +yes$' "$T/out"
check "the table lists the problem darmklachten" grep -q '^darmklachten ' "$T/out"
expect_exit 2 "an unknown format is a usage error" "$V" vocabulary --format xml
check "which says what is allowed" grep -q 'table or markdown' "$T/err"
for f in proto/PROTOCOL.md docs/openapi.yaml deploy/verwijsd.conf docs/FHIR.md; do
  check "$f names no DESIGN.md" test -z "$(grep -n 'DESIGN\.md' "$VW_SRC/$f")"
done
check "PROTOCOL.md points to docs/VOCABULARY.md" grep -q 'VOCABULARY.md' "$VW_SRC/proto/PROTOCOL.md"

# The vocabulary op (msgpack and HTTP) returns the same codes as the doc.
gen_db 300 3
start_daemon "$DB" --http 127.0.0.1:0 --http-port-file "$T/hport"
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
curl -s -o "$T/voc.json" "http://127.0.0.1:$(cat "$T/hport")/v1/vocabulary"
"$V" vocabulary --format markdown >"$T/voc.md"
check "vocabulary op == docs: disciplines, psychosocial, kinds, problems and their options" \
  python3 - "$T/voc.json" "$T/voc.md" <<'PY'
import json, re, sys
v = json.load(open(sys.argv[1])); md = open(sys.argv[2]).read()
rows = re.findall(r"^\| `([a-z_]+)` \| (yes|) \|$", md, re.M)
assert [(d["code"], "yes" if d["psychosocial"] else "") for d in v["disciplines"]] == rows, rows
for k in v["network_kinds"]: assert "`%s`" % k in md, k
assert v["modes"] == ["car", "bike", "walk", "transit"], v["modes"]
probs = re.findall(r"^\| `([a-z_0-9-]+)` \| (\w+) \| [^|]+ \| ([^|]+) \|$", md, re.M)
got = [(p["code"], p["category"], ", ".join(o["discipline"] + ("+" + o["expertise"] if o["expertise"] else "") for o in p["options"])) for p in v["problems"]]
assert got == [(a, b, c.strip()) for a, b, c in probs], (got[:3], probs[:3])
assert v["expertise"][:10] == re.findall(r"^- `([a-z-]+)`$", md, re.M)[:10]
PY
check "SIGTERM: exit 0" stop_daemon
finish
