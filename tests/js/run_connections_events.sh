#!/usr/bin/env bash
# Starts `relish serve` (fresh data directory, loopback egress allowed, short refresh margin and
# webhook back-off, debug log to a file) and runs connections_events.mjs against it.
set -euo pipefail
relish=$1
cd "$(dirname "$0")/../.."
source tests/testing/relish_server.sh
dir=$(mktemp -d)
trap 'stop_relish; rm -rf "$dir"' EXIT
export RELISH_ADMIN_EMAIL=admin@localhost
export RELISH_ADMIN_PASSWORD=js-test-password-1
export RELISH_EGRESS_ALLOW_LOOPBACK=true
export RELISH_REFRESH_MARGIN=1s
export RELISH_WEBHOOK_BACKOFF=100ms
export RELISH_LOG_LEVEL=debug
export RELISH_LOG_FILE="$dir/relish.log"
start_relish "$relish" "$dir"
node tests/js/connections_events.mjs "$RELISH_SERVER_URL" "$dir/data" "$dir/relish.log" "$(realpath "$relish")"
