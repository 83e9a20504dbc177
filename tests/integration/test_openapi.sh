#!/usr/bin/env bash
# test_openapi.sh -- docs/openapi.yaml passes an independent OpenAPI linter,
# Redocly CLI (npm @redocly/cli, tests/node) with its recommended rules, with
# no error and no warning: every operation says its security (the query API
# is public: `security: []`), the info object carries a licence with a URL,
# operation ids, responses and examples are well-formed.
. "$(dirname "$0")/lib.sh"
if ! tools=$(bash "$VW_SRC/tests/node/setup.sh" "$VW_BIN/node"); then
  bad "the npm tools could not be installed (npm ci in $VW_BIN/node)"
  finish; exit
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
expect_exit 0 "redocly lint --extends recommended" \
  node "$tools/node_modules/@redocly/cli/bin/cli.js" lint --extends recommended \
  --format stylish "$VW_SRC/docs/openapi.yaml"
cat "$T/out" "$T/err" >"$T/lint"
check "the description is valid" grep -q 'Your API description is valid' "$T/lint"
# (the linter's own banner about the Node.js version is not a finding)
check "no warnings either" test -z "$(grep -iE 'You have [0-9]+ warning|[0-9]+ errors?' "$T/lint")"
if [ "$FAIL" != 0 ]; then cat "$T/lint" >&2; fi
finish
