#!/usr/bin/env bash
# CTest's entry for the console's browser tests: run.sh RELISH_BINARY [FILE.test.mjs ...]
# (every file when none is named). Skips (77) only when
# Debian's Chromium is not installed (scripts/setup.sh installs it); anything else missing is a
# failure.
set -euo pipefail
export RELISH_BINARY=$1
shift
cd "$(dirname "$0")/../../.."
if [ ! -x /usr/bin/chromium ]; then
  echo "skipped: /usr/bin/chromium is missing (scripts/setup.sh installs Debian's chromium)"
  exit 77
fi
if [ $# -eq 0 ]; then set -- tests/js/console/*.test.mjs; fi
exec node --test --test-concurrency=1 "$@"
