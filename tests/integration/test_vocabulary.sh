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
finish
