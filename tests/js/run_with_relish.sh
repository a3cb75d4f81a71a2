#!/usr/bin/env bash
# usage: run_with_relish.sh RELISH_BINARY SCRIPT.mjs [NAME=VALUE ...]
# Starts `relish serve` (fresh data directory, loopback egress allowed, short refresh margin,
# debug log to a file, plus the NAME=VALUE settings given) and runs tests/js/SCRIPT.mjs against
# it as `node SCRIPT RELISH_URL DATA_DIR LOG_FILE RELISH_BINARY`. Shared by the tests that drive
# Relish next to a real OAuth provider (oauth_harness.mjs).
set -euo pipefail
relish=$1
script=$2
shift 2
cd "$(dirname "$0")/../.."
source tests/testing/relish_server.sh
dir=$(mktemp -d)
trap 'stop_relish; rm -rf "$dir"' EXIT
export RELISH_ADMIN_EMAIL=admin@localhost
export RELISH_ADMIN_PASSWORD=js-test-password-1
export RELISH_EGRESS_ALLOW_LOOPBACK=true
export RELISH_REFRESH_MARGIN=1s
export RELISH_LOG_LEVEL=debug
export RELISH_LOG_FILE="$dir/relish.log"
for setting in "$@"; do export "${setting?}"; done
start_relish "$relish" "$dir"
node "tests/js/$script" "$RELISH_SERVER_URL" "$dir/data" "$dir/relish.log" "$(realpath "$relish")"
