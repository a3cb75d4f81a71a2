#!/usr/bin/env bash
# CTest's entry for the console's browser tests: run.sh RELISH_BINARY [FILE.test.mjs ...]
# (every file when none is named). Skips (77) only when Debian's Chromium is not installed, so
# that `make test` on a machine without a browser still runs everything else (scripts/setup.sh
# installs it); .ci/run sets RELISH_REQUIRE_BROWSER=1, where a missing browser is a failure, so
# CI can never pass by skipping these. Anything else missing is a failure.
set -euo pipefail
export RELISH_BINARY=$1
shift
cd "$(dirname "$0")/../../.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "${RELISH_REQUIRE_BROWSER:-}" = 1 ]; then
    echo "FAILED: /usr/bin/chromium is missing and RELISH_REQUIRE_BROWSER=1 (scripts/setup.sh installs it)"
    exit 1
  fi
  echo "skipped: /usr/bin/chromium is missing (scripts/setup.sh installs Debian's chromium)"
  exit 77
fi
if [ $# -eq 0 ]; then set -- tests/js/console/*.test.mjs; fi
exec node --test --test-concurrency=1 "$@"
